"""Alembic environment for the store.

`pipeline.store.migrate` passes an open connection (inside a transaction that
holds the migration lock) in `config.attributes["connection"]`. Without one,
the URL in the `sqlalchemy.url` option is used, which is how a developer
autogenerates a new revision:

    from alembic import command
    from pipeline.store.migrate import alembic_config
    command.revision(alembic_config("sqlite:////tmp/at-head.db"), "what changed", autogenerate=True)
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from pipeline.store.db import Base

config = context.config


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database to migrate: use `sistercity db upgrade --db URL`")
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()
