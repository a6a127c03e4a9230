"""The review tables on SQLite and PostgreSQL: versions, stale edits, overrides, the append-only audit log,
accounts (migration 0005), the lock-out counter and the last-admin guard."""

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
    from pipeline.store.db import Store
    from pipeline.store.reviews import Labels, ReviewStore, StaleEdit

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


# ---------------------------------------------------------------------- accounts and the lock-out (0005)
def test_migration_0005_upgrades_a_0004_store(db_url):  # noqa: F811
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    from pipeline.store.db import Base, Store
    from pipeline.store.migrate import alembic_config, current, head
    from pipeline.store.reviews import ReviewStore

    engine = create_engine(db_url)
    with engine.begin() as conn:  # a store of the release before: revision 0004, with a reviewer
        command.upgrade(alembic_config(connection=conn), "0004")
        conn.execute(text("INSERT INTO reviewers (name, password_hash, role, active, created_at) "
                          "VALUES ('ana', 'x', 'admin', :t, CURRENT_TIMESTAMP)"), {"t": True})
    engine.dispose()
    store = Store(db_url)  # opening it upgrades it
    with store.engine.connect() as conn:
        assert current(conn) == head()
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    rs = ReviewStore(store)
    assert [(a["name"], a["role"], a["last_login_at"], a["has_password"]) for a in rs.accounts()] == [
        ("ana", "admin", None, False)]
    assert rs.login("ana", "whatever-1") is None and rs.failed_logins("ana") == 1
    store.close()


def test_lock_out_and_last_admin_are_shared_by_stores_on_one_database(db_url):  # noqa: F811
    """Two ReviewStores with their own engines stand for two server processes (or a restart)."""
    import threading

    from pipeline.store.db import Store
    from pipeline.store.reviews import MAX_FAILURES, LastAdmin, LockedOut, ReviewStore

    first, second = ReviewStore(Store(db_url)), ReviewStore(Store(db_url))
    ana = {"id": first.add_reviewer("ana", "password-1", "admin"), "name": "ana"}
    budi = {"id": first.add_reviewer("budi", "password-2", "admin"), "name": "budi"}
    for _ in range(MAX_FAILURES - 1):
        assert first.login("ana", "wrong-wrong") is None
    assert second.failed_logins("ana") == MAX_FAILURES - 1
    assert second.login("ana", "wrong-wrong") is None
    with pytest.raises(LockedOut, match="Too many failed attempts for 'ana': wait 15 minutes"):
        first.login("ana", "password-1")

    # parallel guesses (own engine each) cannot get past the limit while passwords are being checked
    stores = [ReviewStore(Store(db_url)) for _ in range(6)]
    results: list[str] = []
    barrier = threading.Barrier(len(stores))

    def guess(rs):
        barrier.wait()
        try:
            results.append("checked" if rs.login("budi", "wrong-wrong") is None else "in")
        except LockedOut:
            results.append("locked")

    threads = [threading.Thread(target=guess, args=(rs,)) for rs in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["checked"] * MAX_FAILURES + ["locked"], results
    assert first.failed_logins("budi") == MAX_FAILURES

    # two admins demoting each other at the same moment: one of them stays admin
    first.store.close()
    outcome: list[str] = []
    barrier = threading.Barrier(2)

    def step_down(rs, me):
        barrier.wait()
        try:
            rs.set_role(me, me["id"], "reviewer")
            outcome.append("demoted")
        except LastAdmin:
            outcome.append("refused")

    pair = [ReviewStore(Store(db_url)), ReviewStore(Store(db_url))]
    threads = [threading.Thread(target=step_down, args=(rs, me)) for rs, me in zip(pair, (ana, budi), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcome) == ["demoted", "refused"]
    assert [a["role"] for a in second.accounts()].count("admin") == 1
    for rs in [second, *stores, *pair]:
        rs.store.close()
