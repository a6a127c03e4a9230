"""What every export reads from the store, through the store's and the review store's public functions."""

from __future__ import annotations

from pipeline.data import Document, Verdict
from pipeline.review.corrections import reviewed_verdicts
from pipeline.runs.report import aggregate_store
from pipeline.store.db import Store
from pipeline.store.reviews import ReviewStore


def store_documents(store: Store, cases: list[str] | None = None, *, entities: bool = False) -> list[Document]:
    """The readable, present documents (filed under `cases` when given) with their text and passages as the
    model labelled them (reviews are exported on their own, as the reviewers' codings)."""
    ids = store.document_ids(cases, status="ok")
    return [d for _, d in store.iter_rows(ids, entities=entities, explanations=False)]


def store_verdicts(store: Store, cases: list[str] | None = None, reviews: list[dict] | None = None, *,
                   published_tiebreak: bool = False) -> dict[str, dict[str, Verdict]]:
    """The verdicts the reports show: aggregated over the reviewed store (with the `published_tiebreak`
    setting), with reviewers' overrides."""

    reviews = ReviewStore(store).reviews() if reviews is None else reviews
    slugs = set(store.cases(include_removed=False)) | store.passage_cases()
    if cases is not None:
        slugs &= set(cases)
    return reviewed_verdicts(store, aggregate_store(store, sorted(slugs), reviews,
                                                    published_tiebreak=published_tiebreak))
