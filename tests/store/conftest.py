"""The `db_url` fixture for the store tests: every test runs on SQLite and on PostgreSQL."""

from tests.store.dbs import db_url  # noqa: F401 - registers the fixture
