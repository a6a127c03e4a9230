"""Alembic migrations of the store (run by `pipeline.store.migrate`, never by hand-written DDL)."""
