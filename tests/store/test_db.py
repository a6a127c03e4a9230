from __future__ import annotations

from pipeline.data import Document, Entity, PageSpan, Passage
from pipeline.store.db import Store


def doc(path, sha, n_passages, text="Kerja sama berhenti. Tidak ada tindak lanjut. Anggaran dipotong."):
    d = Document(doc=sha[:16], source=path.rsplit("/", 1)[-1], case="c1", type="interview", text=text,
                 pages=[PageSpan(1, 0, len(text))], path=path, sha256=sha)
    d.passages = [Passage(doc=d.doc, page=1, start=0, end=20, text=text[:20], case="c1", stance="obstacle",
                          elements=["commitment"], scores={"commitment": 0.8}, obstacles=["no_follow_up"])] * n_passages
    d.entities = [Entity(doc=d.doc, page=1, start=0, end=4, text=text[:4], label="ORG", normalized="X")]
    return d


def test_replacing_a_document_leaves_no_duplicates(tmp_path):
    store = Store(str(tmp_path / "s.db"))
    store.save_document(doc("/inbox/a.txt", "a" * 64, 3))
    store.save_document(doc("/inbox/a.txt", "b" * 64, 2))
    docs = store.documents()
    assert len(docs) == 1 and docs[0].sha256 == "b" * 64
    assert len(docs[0].passages) == 2 and len(docs[0].entities) == 1
    assert store.fingerprint("/inbox/a.txt") == ("b" * 64, "ok", False)


def test_removed_documents_are_marked_not_deleted(tmp_path):
    store = Store(str(tmp_path / "s.db"))
    store.save_document(doc("/inbox/a.txt", "a" * 64, 1))
    store.save_document(doc("/inbox/b.txt", "b" * 64, 1))
    assert store.mark_removed("/inbox", {"/inbox/a.txt"}) == ["/inbox/b.txt"]
    assert [d.path for d in store.documents()] == ["/inbox/a.txt"]
    assert len(store.documents(include_removed=True)) == 2


def test_failed_documents_keep_their_reason(tmp_path):
    store = Store(str(tmp_path / "s.db"))
    d = doc("/inbox/bad.pdf", "c" * 64, 0).failed("corrupt: bad.pdf: the PDF is damaged")
    store.save_document(d)
    (got,) = store.documents()
    assert got.status == "failed" and got.error.startswith("corrupt: bad.pdf")


def test_runs_are_recorded(tmp_path):
    store = Store(str(tmp_path / "s.db"))
    run = store.start_run("/inbox", {"passage_classifier": "passage_clf.v1"})
    store.finish_run(run, {"seen": 2, "new": 2}, [], {"extract": 0.5})
    (r,) = store.runs()
    assert r["counts"]["seen"] == 2 and r["status"] == "ok" and r["duration"] >= 0
