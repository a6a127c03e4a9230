"""The store's streaming reads (what the reports use to avoid loading every document at once) give
the documents `documents()` gives, in the same order, on SQLite and PostgreSQL."""

from __future__ import annotations

from pipeline.data import Document, Entity, PageSpan, Passage
from tests.store.conftest import db_url  # noqa: F401 - the fixture

TEXT = ("Wali Kota Karangsari menandatangani MoU pada 9 Agustus 2015.\n"
        "Anggaran program pertukaran pelajar terbatas sehingga kegiatan tertunda.\n")


def _doc(doc: str, case: str | None, path: str, *, passage_case: str | None = None, model: str | None = "m1",
         status: str = "ok") -> tuple[Document, str | None]:
    d = Document(doc=doc, source=path.rsplit("/", 1)[-1], case=case, type="news", text=TEXT, path=path,
                 pages=[PageSpan(1, 0, len(TEXT))], status=status)
    if status == "ok":
        cut = TEXT.index("\n") + 1
        d.passages = [Passage(doc=doc, page=1, start=0, end=cut - 1, text=TEXT[:cut - 1], case=case,
                              elements=["commitment"], stance="positive", explanation={"commitment": [["mou", 1.2]]}),
                      Passage(doc=doc, page=1, start=cut, end=len(TEXT) - 1, text=TEXT[cut:-1],
                              case=passage_case or case, elements=["commitment"], stance="obstacle",
                              obstacles=["budget"])]
        at = TEXT.index("9 Agustus 2015")
        d.entities = [Entity(doc, 1, at, at + 14, "9 Agustus 2015", "DATE", "2015-08-09")]
    return d, model


def test_streaming_reads_match_documents(db_url):  # noqa: F811 - the fixture
    from pipeline.store.db import Store

    store = Store(db_url)
    rows = [_doc("d1", "b-case", "/in/b-case/x.txt", passage_case="a-case"), _doc("d2", "a-case", "/in/a-case/y.txt"),
            _doc("d3", None, "/in/loose.txt", model="m2"), _doc("d4", "a-case", "/in/a-case/z.pdf", status="failed"),
            _doc("d5", "a-case", "/in/a-case/w.txt", model=None)]
    for d, model in rows:
        store.save_document(d, model=model)
    store.mark_removed("/in/", {d.path for d, _ in rows} - {"/in/a-case/w.txt"})
    every = store.documents()
    assert [d.path for d in every] == ["/in/loose.txt", "/in/a-case/y.txt", "/in/a-case/z.pdf", "/in/b-case/x.txt"]
    streamed = list(store.iter_documents(batch=2))
    assert [(d.path, d.case, d.status, d.text, d.model) for d in streamed] == \
        [(d.path, d.case, d.status, d.text, d.model) for d in every]
    assert [[(p.start, p.case, p.explanation) for p in d.passages] for d in streamed] == \
        [[(p.start, p.case, p.explanation) for p in d.passages] for d in every]
    assert [[e.normalized for e in d.entities] for d in streamed] == [[e.normalized for e in d.entities] for d in every]
    ids = store.document_ids()
    assert [store.document(i).path for i in ids] == [d.path for d in every]
    assert [store.document(i).path for i in store.document_ids(cases=["a-case"])] == ["/in/a-case/y.txt", "/in/a-case/z.pdf"]
    assert store.document_ids(status="ok", docs={"d1", "d4", "d5"}) == [ids[3]]  # d4 failed, d5 removed
    light = dict(store.iter_rows([ids[3], ids[0]], text=False, entities=False, explanations=False))
    assert list(light) == [ids[3], ids[0]]
    assert light[ids[3]].text == "" and light[ids[3]].entities == []
    assert [p.explanation for p in light[ids[3]].passages] == [{}, {}] and light[ids[3]].passages[0].text == TEXT[:60]
    assert store.docs_with_passages_of("a-case") == {"d1", "d2"}  # d1 is filed under b-case
    assert store.docs_with_passages_of("b-case") == {"d1"}
    assert store.docs_at({"/in/a-case/y.txt", "/in/a-case/w.txt", "/nowhere"}) == {"d2"}
    assert store.document_models() == [("d3", "m2"), ("d2", "m1"), ("d1", "m1")]
