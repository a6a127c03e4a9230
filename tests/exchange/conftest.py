"""The exchange tests run on the workbench tests' small store (tests/review/conftest.py): three demo
documents of karangsari-seokjin (Markdown, DOCX, PDF) and one with markup in its text, copied per test."""

from __future__ import annotations

import pytest

from tests.review.conftest import template_store  # noqa: F401  (session fixture: the store built once)


@pytest.fixture
def store(template_store, tmp_path):  # noqa: F811
    import shutil

    from pipeline.store.db import Store

    db = tmp_path / "store.db"
    shutil.copy(template_store, db)
    s = Store(f"sqlite:///{db}")
    yield s
    s.close()


@pytest.fixture
def rs(store):
    from pipeline.store.reviews import ReviewStore

    return ReviewStore(store)


@pytest.fixture(scope="session")
def codebook():
    from pipeline.exchange.codebook import load_codebook

    return load_codebook()
