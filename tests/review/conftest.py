"""A small store for the workbench tests: three demo documents of one case (Markdown, DOCX and a
PDF, so the page image has something to show) plus a document whose text carries markup. Built
once per session into a SQLite file; each test gets its own copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import DEMO

CASE = "karangsari-seokjin"
FILES = ("wawancara_dtkp.md", "notulen_rapat_pokja_2016.docx", "mou_2014.pdf")
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def template_store(tmp_path_factory, models, demo_cases) -> Path:
    from pipeline.process import process_file
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
        doc = process_file(inbox / name, CASE, demo_cases, models, max_bytes=50 << 20)
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
    from pipeline.review.store import ReviewStore
    from pipeline.store.db import Store

    return ReviewStore(Store(store_url))
