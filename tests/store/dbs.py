"""Stores to test against: a SQLite file, and a fresh PostgreSQL database when one is configured.

SISTERCITY_TEST_PG_URL names a PostgreSQL server (e.g.
postgresql+psycopg://postgres@127.0.0.1:55432/sistercity_test) whose user may
create databases; .ci/run starts one and always sets it. Each test gets its own
database, dropped afterwards. Import `db_url` into a test module to use it.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PG_ENV = "SISTERCITY_TEST_PG_URL"
KINDS = ["sqlite", "postgresql"]


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'store-{uuid.uuid4().hex[:6]}.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set (.ci/run starts a PostgreSQL server and sets it)")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"sc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=KINDS)
def db_url(request, tmp_path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as url:
        yield url


def dead_owner() -> str:
    """The owner token of a process of this host that has exited (and been reaped)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", "from pipeline.store.db import new_owner; print(new_owner())"],
                          cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def row_counts(url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("documents", "passages", "entities", "claims")}
    engine.dispose()
    return counts


def dump(url: str, inbox: Path) -> dict[str, dict]:
    """Everything stored about each document, keyed by its path under the inbox, with no
    database ids or times: equal dumps mean equal contents, whatever the database."""
    from pipeline.store.db import Store

    store = Store(url)
    prefix = str(inbox.resolve())

    def canon(value):
        if isinstance(value, float):
            return round(value, 9)
        if isinstance(value, str):
            return value.replace(prefix, "<inbox>")
        if isinstance(value, dict):
            return {k: canon(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [canon(v) for v in value]
        return value

    out = {}
    for d in store.documents(include_removed=True):
        out[canon(d.path)] = canon(dataclasses.asdict(d))
    store.close()
    return out


ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "corpora" / "demo"
# Seven small documents of two cases, no OCR needed: two failures among them.
INBOX = {
    "karangsari-seokjin": ["wawancara_dtkp.md", "notulen_rapat_pokja_2016.docx", "mou_2014.pdf",
                           "berita_jembatan_2018.pdf"],
    "lembahsari-portardley": ["wawancara_bagian_kerjasama.md"],
}
BAD = {"karangsari-seokjin": ["corrupt.pdf", "empty.txt"]}


def make_inbox(dest: Path) -> Path:
    import shutil

    for case, names in INBOX.items():
        (dest / case).mkdir(parents=True)
        shutil.copy(DEMO / case / "case.toml", dest / case)
        for name in names:
            shutil.copy(DEMO / case / name, dest / case)
    for case, names in BAD.items():
        for name in names:
            shutil.copy(ROOT / "tests" / "data" / name, dest / case)
    return dest


def inbox_files(inbox: Path) -> set[str]:
    return {str(p.resolve()) for p in inbox.rglob("*") if p.is_file() and p.name != "case.toml"}

