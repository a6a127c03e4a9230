"""Bring a store's schema to the newest Alembic revision, safely from several processes at once.

`Store(url)` calls `upgrade` on open; `sistercity db upgrade` calls it
explicitly. The whole upgrade runs in one transaction that first takes a lock
(PostgreSQL: a transaction-scoped advisory lock; SQLite: `BEGIN IMMEDIATE`,
the database's write lock), so a second process opening a fresh database at
the same moment waits, then finds the schema at head and does nothing.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
FIRST_REVISION = "0001"
# Any constant works; it only has to be the same in every sistercity process.
_PG_LOCK_KEY = 0x51573_C17


def alembic_config(url: str | None = None, connection: Connection | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Upgrade the database behind `engine` to head; returns (revision before, revision after).

    A store already at head costs one query and takes no lock.
    """
    from alembic import command

    target = head()
    with engine.connect() as conn:
        before = current(conn.execution_options(sqlite_begin="DEFERRED"))  # a plain read: no write lock
        conn.rollback()
    if before != target:
        with engine.connect() as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
            before = current(conn)  # again, now that we hold the lock
            if before is None and inspect(conn).has_table("documents"):
                log.info("store made before migrations existed: stamping it %s", FIRST_REVISION)
                command.stamp(alembic_config(connection=conn), FIRST_REVISION)
            if current(conn) != target:
                log.info("upgrading store schema %s -> %s", before, target)
                command.upgrade(alembic_config(connection=conn), "head")
    return before, target
