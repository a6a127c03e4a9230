"""The review tables on SQLite and PostgreSQL: versions, stale edits, overrides, the append-only audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from pipeline.data import Document, PageSpan, Passage
from tests.store.dbs import db_url  # noqa: F401 - the fixture

TEXT = "Kunjungan balasan ke Seokjin dibiayai APBD 2016.\nTidak ada tindak lanjut setelah penandatanganan."


def _doc(path: str) -> Document:
    d = Document(doc="a" * 16, source="laporan.txt", case="c", type="visit_report", text=TEXT, path=path,
                 pages=[PageSpan(1, 0, len(TEXT))], sha256="a" * 64)
    first = TEXT.index("\n")
    d.passages = [Passage(d.doc, 1, 0, first, TEXT[:first], case="c", elements=["commitment"], stance="positive",
                          scores={"commitment": 0.8}, stance_scores={"positive": 0.7}),
                  Passage(d.doc, 1, first + 1, len(TEXT), TEXT[first + 1:], case="c", stance="neutral")]
    return d


def test_reviews_overrides_and_audit_on_both_databases(db_url):  # noqa: F811
    from pipeline.review.corrections import reviewed_documents
    from pipeline.review.store import Labels, ReviewStore, StaleEdit
    from pipeline.store.db import Store

    store = Store(db_url)
    rs = ReviewStore(store)
    store.save_document(_doc("/inbox/c/laporan.txt"))
    ana = {"id": rs.add_reviewer("ana", "password-1", "admin"), "name": "ana"}
    budi = {"id": rs.add_reviewer("budi", "password-2"), "name": "budi"}
    with pytest.raises(ValueError, match="already exists"):
        rs.add_reviewer("ana", "password-3")
    assert rs.authenticate("ana", "password-1")["role"] == "admin" and rs.authenticate("ana", "nope-nope") is None
    p = store.documents()[0].passages[1]
    rs.save_review(ana, "/inbox/c/laporan.txt", p, Labels(["commitment"], "obstacle", ["no_follow_up"], "c"),
                   status="corrected", memo="", seen_version=0)
    with pytest.raises(StaleEdit, match="ana saved this passage"):
        rs.save_review(budi, "/inbox/c/laporan.txt", p, Labels([], "neutral", [], "c"), status="corrected", memo="",
                       seen_version=0)
    (q,) = [x for x in reviewed_documents(store)[0].passages if x.review]
    assert (q.stance, q.obstacles, q.review["reviewer"]) == ("obstacle", ["no_follow_up"], "ana")
    rs.save_override(budi, "c", "commitment", "partial", "one visit only", replaced_status="fulfilled", seen_version=0)
    with pytest.raises(StaleEdit):
        rs.save_override(ana, "c", "commitment", "fulfilled", "x", replaced_status="fulfilled", seen_version=0)
    assert [(o["status"], o["reviewer"]) for o in rs.overrides()] == [("partial", "budi")]
    token, csrf = rs.open_session(ana["id"])
    assert rs.session_for(token)["csrf"] == csrf and rs.session_for("forged") is None
    actions = [a["action"] for a in rs.audit(None)][::-1]
    assert actions == ["reviewer.add", "reviewer.add", "passage.correct", "verdict.override"]
    for stmt in ("UPDATE review_audit SET reviewer = 'mallory'", "DELETE FROM review_audit"):
        with pytest.raises(Exception, match="append-only"), store.session() as s:
            s.execute(text(stmt))
    assert len(rs.audit(None)) == 4
    store.close()
