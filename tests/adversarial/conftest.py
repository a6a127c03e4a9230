"""The workbench tests here use the review tests' small store (tests/review/conftest.py)."""

from tests.review.conftest import review_store, store_url, template_store  # noqa: F401
