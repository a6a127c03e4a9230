"""A small store for the workbench tests: three demo documents of one case (Markdown, DOCX and a
PDF, so the page image has something to show) plus a document whose text carries markup. Built
once per session into a SQLite file; each test gets its own copy.

`any_store_url` gives the same store on SQLite and, when SISTERCITY_TEST_PG_URL is set, on
PostgreSQL (copied once per session into a template database; each test gets a database made
from it). A test module runs on both by defining `store_url` as `any_store_url`. The workbench
app, a logged-in test client and the form helpers are here too."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DEMO
from tests.store.dbs import KINDS, PG_ENV, fresh_database

CASE = "karangsari-seokjin"
FILES = ("wawancara_dtkp.md", "notulen_rapat_pokja_2016.docx", "mou_2014.pdf")
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def template_store(tmp_path_factory, models, demo_cases) -> Path:
    from pipeline.config import Settings
    from pipeline.stages import run_document
    from pipeline.store.db import Store
    from tests.report.demo import hostile_document

    folder = tmp_path_factory.mktemp("review_store")
    inbox = folder / "inbox" / CASE
    inbox.mkdir(parents=True)
    shutil.copy(DEMO / CASE / "case.toml", inbox)
    db = folder / "template.db"
    store = Store(str(db))
    for name in FILES:
        shutil.copy(DEMO / CASE / name, inbox)
        doc = run_document(inbox / name, CASE, demo_cases, models, Settings(max_mb=50))
        doc.path = str((inbox / name).resolve())
        store.save_document(doc, model=models.versions["passage_classifier"])
    hostile = hostile_document()
    hostile.path = str(folder / "hostile.txt")
    store.save_document(hostile)
    store.close()
    return db


@pytest.fixture
def store_url(template_store, tmp_path) -> str:
    db = tmp_path / "store.db"
    shutil.copy(template_store, db)
    return f"sqlite:///{db}"


@pytest.fixture
def review_store(store_url):
    from pipeline.store.db import Store
    from pipeline.store.reviews import ReviewStore

    return ReviewStore(Store(store_url))


@pytest.fixture(scope="session")
def pg_template(template_store, tmp_path_factory) -> Iterator[str]:
    """The template store copied once into a PostgreSQL database (skipped without SISTERCITY_TEST_PG_URL)."""
    from pipeline.store.db import Store

    with fresh_database("postgresql", tmp_path_factory.mktemp("pg")) as url:
        src, dst = Store(f"sqlite:///{template_store}"), Store(url)
        for d in src.documents(include_removed=True):
            dst.save_document(d, model=d.model)
        src.close()
        dst.close()  # a template database takes no connections while it is copied
        yield url


def _on_pg_server(statement: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(os.environ[PG_ENV], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(statement))
    admin.dispose()


@pytest.fixture(params=KINDS)
def any_store_url(request, template_store, tmp_path) -> Iterator[str]:
    """The test store on SQLite, then on PostgreSQL (a copy of `pg_template`; skipped without
    SISTERCITY_TEST_PG_URL)."""
    if request.param == "sqlite":
        db = tmp_path / "store.db"
        shutil.copy(template_store, db)
        yield f"sqlite:///{db}"
        return
    from sqlalchemy.engine import make_url

    template = make_url(request.getfixturevalue("pg_template"))
    name = f"sc_review_{uuid.uuid4().hex[:10]}"
    _on_pg_server(f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"')
    try:
        yield template.set(database=name).render_as_string(hide_password=False)
    finally:
        _on_pg_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------------- the app and its forms
def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client, name: str, password: str = PASSWORD) -> str:
    """Log `client` in as `name`; returns the session's CSRF token."""
    page = client.get("/login")
    r = client.post("/login", data={"name": name, "password": password, "csrf": csrf_of(page.text), "next": "/queue"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/queue").text)


@pytest.fixture
def app(store_url, review_store):
    """The workbench over the test store, with an admin (ana) and a reviewer (budi)."""
    from pipeline.web.app import create_app

    review_store.add_reviewer("ana", PASSWORD, "admin")
    review_store.add_reviewer("budi", PASSWORD, "reviewer")
    return create_app(store_url)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c
