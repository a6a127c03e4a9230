"""The store on SQLite and on PostgreSQL (when SISTERCITY_TEST_PG_URL is set): documents,
claims, runs, and the Alembic migrations that make its schema."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, inspect, text

from pipeline.data import Document, Entity, PageSpan, Passage
from pipeline.store.db import Base, Store, new_owner, owner_is_dead
from tests.store.dbs import ROOT, dead_owner


def doc(path, sha, n_passages, text="Kerja sama berhenti. Tidak ada tindak lanjut. Anggaran dipotong.", case="c1"):
    d = Document(doc=sha[:16], source=path.rsplit("/", 1)[-1], case=case, type="interview", text=text,
                 pages=[PageSpan(1, 0, len(text))], path=path, sha256=sha)
    d.passages = [Passage(doc=d.doc, page=1, start=i, end=20, text=text[i:20], case=case, stance="obstacle",
                          elements=["commitment"], scores={"commitment": 0.8}, obstacles=["no_follow_up"])
                  for i in range(n_passages)]
    d.entities = [Entity(doc=d.doc, page=1, start=0, end=4, text=text[:4], label="ORG", normalized="X")]
    return d


def test_replacing_a_document_leaves_no_duplicates(db_url):
    store = Store(db_url)
    store.save_document(doc("/inbox/a.txt", "a" * 64, 3))
    store.save_document(doc("/inbox/a.txt", "b" * 64, 2))
    docs = store.documents()
    assert len(docs) == 1 and docs[0].sha256 == "b" * 64
    assert len(docs[0].passages) == 2 and len(docs[0].entities) == 1
    assert store.fingerprint("/inbox/a.txt") == ("b" * 64, "ok", False)


def test_removed_documents_are_marked_not_deleted(db_url):
    store = Store(db_url)
    store.save_document(doc("/inbox/a.txt", "a" * 64, 1))
    store.save_document(doc("/inbox/b.txt", "b" * 64, 1))
    assert store.mark_removed("/inbox", {"/inbox/a.txt"}) == ["/inbox/b.txt"]
    assert [d.path for d in store.documents()] == ["/inbox/a.txt"]
    assert len(store.documents(include_removed=True)) == 2


def test_failed_documents_keep_their_reason(db_url):
    store = Store(db_url)
    d = doc("/inbox/bad.pdf", "c" * 64, 0).failed("corrupt: bad.pdf: the PDF is damaged")
    store.save_document(d)
    (got,) = store.documents()
    assert got.status == "failed" and got.error.startswith("corrupt: bad.pdf")


def test_documents_come_back_in_the_same_order_on_every_database(db_url):
    store = Store(db_url)
    store.save_document(doc("/inbox/z.txt", "z" * 64, 1, case="b"))
    store.save_document(doc("/inbox/y.txt", "y" * 64, 1, case=None))
    store.save_document(doc("/inbox/x.txt", "x" * 64, 1, case="a"))
    assert [d.path for d in store.documents()] == ["/inbox/y.txt", "/inbox/x.txt", "/inbox/z.txt"]
    assert [p.start for p in store.documents()[0].passages] == [0]


def test_nul_characters_are_stored_without_moving_any_offset(db_url):
    store = Store(db_url)
    text = "Anggaran\x00 dipotong pada 2016."
    store.save_document(doc("/inbox/nul.txt", "d" * 64, 1, text=text))
    (got,) = store.documents()
    assert len(got.text) == len(text) and got.text[8] == "\ufffd" and got.text[10:] == text[10:]


def test_runs_are_recorded(db_url):
    store = Store(db_url)
    run = store.start_run("/inbox", {"passage_classifier": "passage_clf.v1"})
    store.heartbeat(run, {"seen": 2, "new": 1}, [], {"extract": 0.2})
    assert store.runs()[0]["counts"] == {"seen": 2, "new": 1} and store.runs()[0]["status"] == "running"
    store.finish_run(run, {"seen": 2, "new": 2}, [], {"extract": 0.5})
    (r,) = store.runs()
    assert r["counts"]["seen"] == 2 and r["status"] == "ok" and r["duration"] >= 0


def test_a_run_whose_process_died_shows_as_interrupted(db_url):
    store = Store(db_url)
    dead = store.start_run("/inbox", {}, owner=dead_owner())
    store.heartbeat(dead, {"seen": 3, "new": 1})
    alive = store.start_run("/inbox", {}, owner=new_owner())
    other_host = store.start_run("/inbox", {}, owner="elsewhere:1:abcd")
    runs = {r["id"]: r for r in store.runs()}
    assert runs[dead]["status"] == "interrupted" and runs[dead]["counts"] == {"seen": 3, "new": 1}
    assert runs[alive]["status"] == runs[other_host]["status"] == "running"
    # silent for longer than the claim TTL: interrupted even when we cannot see its process
    assert {r["id"]: r["status"] for r in Store(db_url, claim_ttl=timedelta(0)).runs()}[other_host] == "interrupted"


def test_claims_exclude_other_runs_until_saved_or_stale(db_url):
    store = Store(db_url)
    me, you = new_owner(), new_owner()
    assert store.claim("/inbox/a.txt", me, run_id=1)
    assert store.claim("/inbox/a.txt", me)  # re-claiming your own claim is fine
    assert not store.claim("/inbox/a.txt", you)
    store.save_document(doc("/inbox/a.txt", "a" * 64, 1), owner=me)  # saving drops the claim
    assert store.claims() == []
    assert store.claim("/inbox/a.txt", you)
    store.release("/inbox/a.txt", you)
    assert store.claim("/inbox/a.txt", dead_owner())
    assert store.claim("/inbox/a.txt", me), "a dead process's claim is taken over at once"
    assert [c["owner"] for c in store.claims()] == [me]
    assert store.claim("/inbox/b.txt", "elsewhere:1:abcd")
    assert not store.claim("/inbox/b.txt", me), "a claim from another host holds until it expires"
    assert Store(db_url, claim_ttl=timedelta(seconds=-1)).claim("/inbox/c.txt", "elsewhere:2:ef01")
    assert store.claim("/inbox/c.txt", me), "an expired claim is taken over"


def test_owner_tokens():
    assert not owner_is_dead(new_owner())
    assert owner_is_dead(dead_owner())
    assert not owner_is_dead("some-other-host:1:abcd") and not owner_is_dead(None)


def test_a_kill_inside_the_save_transaction_keeps_the_old_rows(db_url):
    store = Store(db_url)
    store.save_document(doc("/inbox/a.txt", "a" * 64, 3))
    script = textwrap.dedent(f"""
        from tests.store.test_db import doc
        from pipeline.store.db import Store
        Store({db_url!r}).save_document(doc("/inbox/a.txt", "b" * 64, 5))
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "SISTERCITY_FAULT": "save:rows"})
    assert proc.returncode == -9, proc.stderr
    (got,) = Store(db_url).documents()
    assert got.sha256 == "a" * 64 and len(got.passages) == 3 and len(got.entities) == 1


# ---------------------------------------------------------------------- migrations
def test_migrated_schema_matches_the_models(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from pipeline.store.migrate import current, head

    store = Store(db_url)
    with store.engine.connect() as conn:
        assert current(conn) == head()
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert set(inspect(conn).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}


def test_a_store_made_before_migrations_is_stamped_then_upgraded(db_url):
    from alembic import command

    from pipeline.store.migrate import alembic_config, current, head

    engine = create_engine(db_url)
    with engine.begin() as conn:  # what `create_all` made before this release: revision 0001, unstamped
        command.upgrade(alembic_config(connection=conn), "0001")
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("INSERT INTO runs (started_at, inbox, status, counts, failures, models, seconds) "
                          "VALUES (CURRENT_TIMESTAMP, '/old', 'ok', '{}', '[]', '{}', '{}')"))
    store = Store(db_url)
    with store.engine.connect() as conn:
        assert current(conn) == head()
    assert [r["inbox"] for r in store.runs()] == ["/old"]
    engine.dispose()


def test_two_processes_opening_a_fresh_store_at_once(db_url):
    """Four processes open the same empty database in the same instant: all succeed, one migrates."""
    start_at = time.time() + 4
    script = textwrap.dedent(f"""
        import logging, time
        logging.basicConfig(level=logging.INFO)
        from pipeline.store.db import Store
        time.sleep(max(0, {start_at} - time.time()))
        s = Store({db_url!r})
        s.start_run("/inbox", {{}})
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    assert sum("upgrading store schema" in e for e in errors) == 1, errors
    assert len(Store(db_url).runs()) == 4


def test_db_upgrade_command(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    target = tmp_path / "s.db"
    result = CliRunner().invoke(app, ["db", "upgrade", "--db", str(target)])
    assert result.exit_code == 0, result.output
    from pipeline.store.migrate import head

    assert head() in result.output
    engine = create_engine(f"sqlite:///{target}")
    with engine.connect() as conn:
        assert "claims" in inspect(conn).get_table_names()
    engine.dispose()
    again = CliRunner().invoke(app, ["db", "upgrade", "--db", str(target)])
    assert again.exit_code == 0 and "already" in again.output


def test_switching_a_new_sqlite_file_to_wal_waits_while_another_process_switches_it():
    """SQLite answers "database is locked" to `PRAGMA journal_mode=WAL` without waiting when another
    connection is switching the same new file (seen in CI: two runs opening a new store at once)."""
    import sqlite3

    from pipeline.store.db import _wal

    class Cursor:
        def __init__(self, busy):
            self.busy, self.calls = busy, []

        def execute(self, sql):
            self.calls.append(sql)
            if sql == "PRAGMA journal_mode=WAL" and self.busy:
                self.busy -= 1
                raise sqlite3.OperationalError("database is locked")
            self.mode = "wal" if sql.endswith("=WAL") else getattr(self, "mode", "delete")
            return self

        def fetchone(self):
            return (self.mode,)

    cur = Cursor(busy=2)
    _wal(cur)
    assert cur.calls.count("PRAGMA journal_mode=WAL") == 3 and cur.mode == "wal"
    already = Cursor(busy=0)
    already.mode = "wal"
    _wal(already)
    assert already.calls == ["PRAGMA journal_mode"]  # a file already in WAL needs no switch (and no lock)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        _wal(Cursor(busy=10**6), wait=0.05)


def test_a_runs_redoable_writes_do_not_wait_for_the_disk_and_the_rest_do(tmp_path, monkeypatch):
    """Issue #19: on SQLite a stored document, a claim and a heartbeat commit with synchronous=NORMAL (WAL: a
    kill loses nothing, a power cut at most these last commits, which the next run redoes); every other
    write transaction (reviews, users, a run's start and end) keeps synchronous=FULL, also on the same
    pooled connection right after a redoable one."""
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    seen = []
    real = Store.session

    def watching(self, **kw):
        cm = real(self, **kw)

        class Watch:
            def __enter__(self_):
                s = cm.__enter__()
                seen.append((kw.get("redoable", False), s.execute(text("PRAGMA synchronous")).scalar_one()))
                return s

            def __exit__(self_, *exc):
                return cm.__exit__(*exc)
        return Watch()

    monkeypatch.setattr(Store, "session", watching)
    run = store.start_run("/inbox", {})
    owner = new_owner()
    assert store.claim("/inbox/c1/a.md", owner, run)
    store.save_document(doc("/inbox/c1/a.md", "a" * 64, 2), owner=owner)
    store.heartbeat(run, {"new": 1})
    store.finish_run(run, {"new": 1}, [], {})
    full, normal = 2, 1
    assert seen[-4:] == [(True, normal), (True, normal), (True, normal), (False, full)]
    assert (False, full) in seen[:-4]  # the run's start
    assert [d.path for d in store.documents()] == ["/inbox/c1/a.md"] and store.claims() == []


def test_passage_and_entity_rows_are_those_the_orm_insert_wrote(tmp_path):
    """save_document inserts passages and entities through their tables (no ORM bookkeeping per row): the rows
    stored are those of the ORM's insert of the same values, JSON text and NULLs included."""
    import sqlite3

    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from pipeline.store.db import EntityRow, PassageRow

    text_ = "Kerja sama berjalan. Delegasi tiba."
    d = Document(doc="d1", source="a.txt", case="c", text=text_, path=str(tmp_path / "a.txt"))
    d.passages = [Passage(doc="d1", page=1, start=0, end=20, text=text_[:20], case="c",
                          scores={"outcomes": 0.4321}, elements=["outcomes"], stance="positive",
                          stance_scores={"positive": 0.6}, obstacles=["budget"], explanation={"outcomes": [("kerja", 0.1)]}),
                  Passage(doc="d1", page=1, start=21, end=35, text=text_[21:], case=None, explanation={})]
    d.entities = [Entity(doc="d1", page=1, start=21, end=29, text="Delegasi", label="ORG", normalized=None)]
    ours = Store(f"sqlite:///{tmp_path / 'ours.db'}")
    ours.save_document(d, model="m")
    theirs = Store(f"sqlite:///{tmp_path / 'theirs.db'}")
    theirs.save_document(Document(doc="d1", source="a.txt", case="c", text=text_, path=d.path), model="m")
    with Session(theirs.engine) as s, s.begin():  # the former way: the ORM entities' insert
        s.execute(insert(PassageRow), [{"document_id": 1, "doc": p.doc, "page": p.page, "start": p.start, "end": p.end,
                                        "text": p.text, "case": p.case, "section": p.section, "speaker": p.speaker,
                                        "kind": p.kind, "scores": p.scores, "elements": p.elements, "stance": p.stance,
                                        "stance_scores": p.stance_scores, "obstacles": p.obstacles,
                                        "explanation": p.explanation or None} for p in d.passages])
        s.execute(insert(EntityRow), [{"document_id": 1, "doc": e.doc, "page": e.page, "start": e.start, "end": e.end,
                                       "text": e.text, "label": e.label, "normalized": e.normalized} for e in d.entities])
    for table in ("passages", "entities"):
        rows = [sqlite3.connect(tmp_path / f).execute(f"SELECT *, typeof(explanation) FROM {table}" if table == "passages"
                                                      else f"SELECT *, typeof(normalized) FROM {table}").fetchall()
                for f in ("ours.db", "theirs.db")]
        assert rows[0] == rows[1] and len(rows[0]) == len(getattr(d, table))
