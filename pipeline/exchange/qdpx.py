"""REFI-QDA projects (.qdpx): what NVivo, ATLAS.ti, MAXQDA, QualCoder and Taguette exchange.

Export (`write_qdpx`): a zip holding project.qde (QDA-XML 1.0, urn:QDA-XML:project:1.0) and one
UTF-8 text file per document under sources/, the document's extracted text, so every offset of
the store is a REFI-QDA character position as it is. In project.qde:

- Users: one per passage classifier (e.g. `passage_clf.v5`) and one per reviewer.
- CodeBook: three groups (elements, stance, obstacle codes) whose codes carry the codebook's
  definitions as their descriptions (pipeline/exchange/codebook.py); GUIDs are stable.
- Sources: one TextSource per document; one PlainTextSelection per classified passage, with
  the model's codings (its elements, its stance, its obstacle codes), each pointing at a note that
  gives the model version and its confidence; a reviewer's labels are codings by that reviewer
  on the same selection (a review whose passage is gone gets a selection of its own).
- Cases: one per case, with its documents (SourceRef) and the passages of other documents the
  model attributes to it (SelectionRef).
- Notes: the model notes above, and one project note per case x element verdict with its summary.

Import (`read_qdpx`, `import_qdpx`): every coding by someone other than a model is that coder's
labels for the span; they go to the store as reviews (pipeline/exchange/reviews.py). Codes map
onto ours by GUID, by name or through a mapping file; an unmapped code refuses the import.
A project coded from scratch elsewhere becomes annotation rows instead (`annotation_rows`).
"""

from __future__ import annotations

import hashlib
import logging
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipeline.data import ELEMENTS, Document
from pipeline.exchange.codebook import GROUPS, Codebook, CodebookError, guid, infer_stance, labels_of, map_codes
from pipeline.store.reviews import text_sha

log = logging.getLogger(__name__)

NS = "urn:QDA-XML:project:1.0"
ORIGIN = "sistercity"


class QdpxError(ValueError):
    """The file is not a REFI-QDA project we can read, or it cannot be imported as asked."""


def _lxml():
    try:
        from lxml import etree
    except ImportError as exc:  # pragma: no cover - lxml comes with the exchange extra
        raise ImportError("REFI-QDA files need lxml: pip install 'sistercity[exchange]'") from exc
    return etree


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _dt(at: str | None) -> str | None:
    """An ISO time as xsd:dateTime (with a zone)."""
    if not at:
        return None
    t = datetime.fromisoformat(at)
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).isoformat(timespec="seconds")


def model_user(name: str) -> str:
    return guid("user", "model", name)


def reviewer_user(name: str) -> str:
    return guid("user", "reviewer", name)


def source_guid(d: Document) -> str:
    return guid("source", d.path or d.doc)


def _confidence_note(d: Document, p) -> str:
    els = ", ".join(f"{el} {p.scores.get(el, 0.0):.2f}" for el in ELEMENTS)
    st = ", ".join(f"{k} {v:.2f}" for k, v in sorted(p.stance_scores.items(), key=lambda kv: -kv[1]))
    return (f"Coded by the model {d.model or 'unknown'}.\nstance: {p.stance} (scores: {st or 'none'})\n"
            f"element probabilities: {els}\nobstacle codes: {', '.join(p.obstacles) or 'none'}\n"
            f"passage {p.key} (page {p.page}) of {d.source}")


@dataclass(slots=True)
class ExportCounts:
    sources: int = 0
    selections: int = 0
    codings: int = 0
    reviewer_codings: int = 0
    notes: int = 0
    cases: int = 0
    users: int = 0
    codes: int = 0

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__slots__}


def build_project(documents: list[Document], reviews: list[dict], verdicts: dict, codebook: Codebook, *,
                  name: str, exported_at: str | None = None):
    """The project.qde tree (lxml) and the counts of what it holds. `reviews`: ReviewStore.reviews()."""
    etree = _lxml()
    exported_at = exported_at or _now()
    counts = ExportCounts()

    def el(parent, tag: str, **attrs):
        e = etree.SubElement(parent, f"{{{NS}}}{tag}") if parent is not None else etree.Element(f"{{{NS}}}{tag}", nsmap={None: NS})
        for k, v in attrs.items():
            if v is not None:
                e.set(k, str(v))
        return e

    def text(parent, tag: str, value: str):
        el(parent, tag).text = value

    project = el(None, "Project", name=name, origin=f"{ORIGIN} {_version()}", creationDateTime=exported_at)
    # users
    models = sorted({d.model or "unknown" for d in documents})
    reviewers = sorted({r["reviewer"] for r in reviews})
    users = el(project, "Users")
    for m in models:
        el(users, "User", guid=model_user(m), name=m, id=f"model:{m}")
    for r in reviewers:
        el(users, "User", guid=reviewer_user(r), name=r, id=f"reviewer:{r}")
    counts.users = len(models) + len(reviewers)
    # codebook
    codes = el(el(project, "CodeBook"), "Codes")
    for kind, title in GROUPS.items():
        group = el(codes, "Code", guid=guid("group", kind), name=title, isCodable="false")
        for c in codebook.of(kind):
            code = el(group, "Code", guid=c.guid, name=c.key, isCodable="true", color=c.color)
            text(code, "Description", c.description)
            counts.codes += 1
    variables = el(project, "Variables")
    type_var = el(variables, "Variable", guid=guid("variable", "doc_type"), name="doc_type", typeOfVariable="Text")
    text(type_var, "Description", "sistercity's document type: mou, visit_report, interview, minutes, news, paper, other")
    case_var = el(variables, "Variable", guid=guid("variable", "case"), name="case", typeOfVariable="Text")
    text(case_var, "Description", "the case folder the document was filed under")
    # cases
    slugs = sorted({d.case for d in documents if d.case} | {p.case for d in documents for p in d.passages if p.case}
                   | set(verdicts))
    if slugs:
        cases_el = el(project, "Cases")
        for slug in slugs:
            c = el(cases_el, "Case", guid=guid("case", slug), name=slug)
            by_el = verdicts.get(slug, {})
            text(c, "Description", f"sistercity case {slug}" + "".join(
                f"\n{e}: {by_el[e].status} (score {by_el[e].score:.2f})" for e in ELEMENTS if e in by_el))
            for d in documents:
                if d.case == slug:
                    el(c, "SourceRef", targetGUID=source_guid(d))
            for d in documents:
                if d.case != slug:
                    for p in d.passages:
                        if p.case == slug:
                            el(c, "SelectionRef", targetGUID=_selection_guid(d, p.start, p.end, p.text))
        counts.cases = len(slugs)
    # sources
    notes: list[tuple[str, str, str]] = []  # guid, name, text
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for r in reviews:
        by_doc[r["doc_key"]].append(r)
    sources = el(project, "Sources")
    files: dict[str, str] = {}
    for d in documents:
        sg = source_guid(d)
        files[f"sources/{sg}.txt"] = d.text
        src = el(sources, "TextSource", guid=sg, name=f"{d.case or 'no-case'}/{Path(d.source).name}",
                 plainTextPath=f"internal://{sg}.txt", creatingUser=model_user(d.model or "unknown"),
                 creationDateTime=exported_at)
        text(src, "Description", f"sistercity document {d.doc} ({d.type}); store path {d.path}; "
                                 f"text SHA-256 {hashlib.sha256(d.text.encode('utf-8')).hexdigest()}")
        counts.sources += 1
        reviews_here = {(r["start"], r["end"], r["text_sha"]): r for r in by_doc.get(d.path or "", [])}
        spans = [(p.start, p.end, p.text, p, reviews_here.pop((p.start, p.end, text_sha(p.text)), None))
                 for p in d.passages]
        for (start, end, sha), r in sorted(reviews_here.items()):  # reviews whose passage is gone
            if 0 <= start < end <= len(d.text) and text_sha(d.text[start:end]) == sha:
                spans.append((start, end, d.text[start:end], None, r))
        for start, end, span_text, p, r in sorted(spans, key=lambda s: (s[0], s[1])):
            sel = el(src, "PlainTextSelection", guid=_selection_guid(d, start, end, span_text),
                     name=f"{p.case or '-'} · {p.section or p.kind}" if p else f"review {start}-{end}",
                     startPosition=start, endPosition=end, creatingUser=model_user(d.model or "unknown") if p else
                     reviewer_user(r["reviewer"]), creationDateTime=exported_at)
            counts.selections += 1
            if p is not None:
                note_guid = guid("note", "model", d.path or d.doc, str(start), str(end))
                notes.append((note_guid, f"model {d.model or 'unknown'} {start}-{end}", _confidence_note(d, p)))
                for code in _codes_of(codebook, p.elements, p.stance, p.obstacles):
                    coding = el(sel, "Coding", guid=guid("coding", note_guid, code.guid),
                                creatingUser=model_user(d.model or "unknown"), creationDateTime=exported_at)
                    el(coding, "CodeRef", targetGUID=code.guid)
                    el(coding, "NoteRef", targetGUID=note_guid)
                    counts.codings += 1
            if r is not None:
                who = reviewer_user(r["reviewer"])
                note_guid = guid("note", "review", str(r["id"]))
                notes.append((note_guid, f"review by {r['reviewer']} {start}-{end}",
                              f"{r['status']} by {r['reviewer']} at {r['at']} (review version {r['version']})"
                              + (f"\nmemo: {r['memo']}" if r.get("memo") else "") + f"\ncase: {r.get('case') or '-'}"))
                for code in _codes_of(codebook, r["elements"], r["stance"], r["obstacles"]):
                    coding = el(sel, "Coding", guid=guid("coding", note_guid, code.guid), creatingUser=who,
                                creationDateTime=_dt(r["at"]) or exported_at)
                    el(coding, "CodeRef", targetGUID=code.guid)
                    el(coding, "NoteRef", targetGUID=note_guid)
                    counts.codings += 1
                    counts.reviewer_codings += 1
        vv = el(src, "VariableValue")
        el(vv, "VariableRef", targetGUID=guid("variable", "doc_type"))
        text(vv, "TextValue", d.type)
        if d.case:
            vv = el(src, "VariableValue")
            el(vv, "VariableRef", targetGUID=guid("variable", "case"))
            text(vv, "TextValue", d.case)
    # notes: model confidences, reviews, then one per verdict
    verdict_notes = []
    for slug in sorted(verdicts):
        for e in ELEMENTS:
            v = verdicts[slug].get(e)
            if v is None:
                continue
            body = (f"{slug} · {e}: {v.status} (score {v.score:.2f}; {len(v.evidence)} evidence passages)\n"
                    f"{v.summary}".rstrip())
            if v.obstacles:
                body += "\nobstacles: " + ", ".join(f"{o.code} ({o.count})" for o in v.obstacles)
            if v.override:
                body += (f"\noverridden by {v.override['reviewer']} (was {v.override['replaced_status']}): "
                         f"{v.override['reason']}")
            verdict_notes.append((guid("note", "verdict", slug, e), f"verdict {slug} / {e}", body))
    all_notes = notes + verdict_notes
    if all_notes:
        notes_el = el(project, "Notes")
        for g, n, body in all_notes:
            note = el(notes_el, "Note", guid=g, name=n, creationDateTime=exported_at)
            text(note, "PlainTextContent", body)
        counts.notes = len(all_notes)
    text(project, "Description", f"Exported by sistercity {_version()} at {exported_at}: {counts.sources} documents, "
                                 f"{counts.selections} coded passages, {len(verdict_notes)} verdicts.")
    for g, _, _ in verdict_notes:
        el(project, "NoteRef", targetGUID=g)
    return project, files, counts


def _version() -> str:
    from pipeline import __version__

    return __version__


def _selection_guid(d: Document, start: int, end: int, span_text: str) -> str:
    return guid("selection", d.path or d.doc, str(start), str(end), text_sha(span_text)[:16])


def _codes_of(codebook: Codebook, elements, stance, obstacles):
    return ([codebook.get("element", e) for e in elements] + [codebook.get("stance", stance)]
            + [codebook.get("obstacle", o) for o in obstacles])


def write_qdpx(store, out: Path | str, *, cases: list[str] | None = None, codebook: Codebook | None = None,
               name: str | None = None) -> dict:
    """Export the store (the documents filed under `cases`, when given) as a REFI-QDA project at `out`."""
    from pipeline.exchange.codebook import load_codebook
    from pipeline.exchange.gather import store_documents, store_verdicts
    from pipeline.store.reviews import ReviewStore

    etree = _lxml()
    codebook = codebook or load_codebook()
    documents = store_documents(store, cases)
    paths = {d.path for d in documents}
    reviews = [r for r in ReviewStore(store).reviews() if r["doc_key"] in paths]
    verdicts = store_verdicts(store, cases)
    project, files, counts = build_project(documents, reviews, verdicts, codebook,
                                           name=name or f"sistercity {', '.join(cases) if cases else 'all cases'}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", etree.tostring(project, xml_declaration=True, encoding="utf-8", pretty_print=True))
        for arc, body in files.items():
            z.writestr(arc, body.encode("utf-8"))
    tmp.replace(out)
    return {"path": str(out), **counts.as_dict()}


# ---------------------------------------------------------------------- reading
@dataclass(slots=True)
class QdaSelection:
    start: int
    end: int
    codings: list[tuple[str, str | None, str | None]]  # (code guid, user guid or None, time)
    user: str | None  # the selection's creatingUser


@dataclass(slots=True)
class QdaSource:
    guid: str
    name: str
    text: str
    description: str = ""
    selections: list[QdaSelection] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class QdaProject:
    name: str
    origin: str
    created: str | None
    modifying_user: str | None
    users: dict[str, str]  # guid -> name
    codes: list[tuple[str, str, bool]]  # (guid, name, codable)
    sources: list[QdaSource]
    cases: dict[str, str]  # source guid -> case name
    description: str = ""

    def exported_at(self) -> str | None:
        """When sistercity exported the project this file came from: its creationDateTime while the file is
        still ours, else the stamp in the project description (QDA tools keep the description when they
        re-export under their own origin); None for a project made elsewhere."""
        if self.origin.startswith(ORIGIN) and self.created:
            return self.created
        m = re.search(r"Exported by sistercity \S+ at (\S+): ", self.description)
        return m.group(1) if m else None


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def read_qdpx(path: Path | str) -> QdaProject:
    """Parse a .qdpx (or a bare .qde): users, codes, text sources with their text, selections, codings."""
    etree = _lxml()
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
                qde = next((n for n in names if n.lower().endswith(".qde")), None)
                if qde is None:
                    raise QdpxError(f"{path}: no .qde project file inside the archive (found {', '.join(names[:5])})")
                root = etree.fromstring(z.read(qde))
                files = {n: z.read(n) for n in names if n.lower().startswith("sources/")}
        else:
            root, files = etree.parse(str(path)).getroot(), {}
    except (OSError, zipfile.BadZipFile) as exc:
        raise QdpxError(f"{path}: cannot read it ({exc})") from None
    except etree.XMLSyntaxError as exc:
        raise QdpxError(f"{path}: project.qde is not well-formed XML ({exc})") from None
    if root.tag != _q("Project"):
        raise QdpxError(f"{path}: the root element is {root.tag}, not a REFI-QDA Project ({NS})")
    users = {u.get("guid"): u.get("name") or u.get("id") or u.get("guid") for u in root.iter(_q("User"))}
    codes = [(c.get("guid"), c.get("name") or "", c.get("isCodable", "true") == "true") for c in root.iter(_q("Code"))]
    sources = []
    for s in root.iter(_q("TextSource")):
        if s.getparent().tag != _q("Sources"):
            continue
        content = s.find(_q("PlainTextContent"))
        if content is not None:
            body = content.text or ""
        else:
            ref = (s.get("plainTextPath") or "").removeprefix("internal://")
            raw = files.get(f"sources/{ref}")
            if raw is None:
                raise QdpxError(f"{path}: text source {s.get('name')!r} points at {s.get('plainTextPath')!r}, "
                                "which is not in the archive")
            body = raw.decode("utf-8-sig")
        desc = s.find(_q("Description"))
        src = QdaSource(s.get("guid"), s.get("name") or "", body, desc.text or "" if desc is not None else "")
        for sel in s.findall(_q("PlainTextSelection")):
            codings = [(c.find(_q("CodeRef")).get("targetGUID"), c.get("creatingUser") or sel.get("creatingUser"),
                        c.get("creationDateTime")) for c in sel.findall(_q("Coding"))]
            src.selections.append(QdaSelection(int(sel.get("startPosition")), int(sel.get("endPosition")), codings,
                                               sel.get("creatingUser")))
        for vv in s.findall(_q("VariableValue")):
            ref, val = vv.find(_q("VariableRef")), vv.find(_q("TextValue"))
            if ref is not None and val is not None:
                src.variables[ref.get("targetGUID")] = val.text or ""
        sources.append(src)
    cases = {}
    for c in root.iter(_q("Case")):
        for ref in c.findall(_q("SourceRef")):
            cases[ref.get("targetGUID")] = c.get("name") or ""
    desc = root.find(_q("Description"))
    return QdaProject(root.get("name") or "", root.get("origin") or "", root.get("creationDateTime"),
                      root.get("modifyingUserGUID"), users, codes, sources, cases,
                      (desc.text or "") if desc is not None else "")


def _mapped(project: QdaProject, codebook: Codebook, mapping: dict[str, str] | None, path: Path):
    used = {g for s in project.sources for sel in s.selections for g, _, _ in sel.codings}
    theirs = [c for c in project.codes if c[0] in used or not c[2]]
    m = map_codes(codebook, theirs, mapping)
    if m.unknown:
        raise CodebookError(f"{path}: {len(m.unknown)} code(s) used in the project have no counterpart in the "
                            f"sistercity codebook: {', '.join(sorted(m.unknown))}. Map each one to an element, "
                            "stance or obstacle code in a file of lines `\"their code\" = \"our code\"` and pass "
                            "it with --map; nothing was imported")
    return m


@dataclass(slots=True)
class QdpxImport:
    codings: list = field(default_factory=list)  # ImportedCoding
    problems: list[str] = field(default_factory=list)
    unmatched_sources: list[str] = field(default_factory=list)
    exported_at: str | None = None


def codings_from_project(project: QdaProject, documents: list[Document], codebook: Codebook, *,
                         mapping: dict[str, str] | None = None, path: Path | None = None) -> QdpxImport:
    """The human codings of `project` on documents of the store, as ImportedCoding rows: one per
    (span, coder), with the codes that coder applied there. Sources match documents by our GUID,
    else by their text."""
    from pipeline.exchange.reviews import ImportedCoding

    path = path or Path(project.name)
    m = _mapped(project, codebook, mapping, path)
    by_guid = {source_guid(d): d for d in documents}
    by_text = {hashlib.sha256(d.text.encode("utf-8")).hexdigest(): d for d in documents}
    models = {model_user(d.model or "unknown") for d in documents} | {
        g for g, n in project.users.items() if any(n == (d.model or "unknown") for d in documents)}
    out = QdpxImport(exported_at=project.exported_at())
    for s in project.sources:
        d = by_guid.get(s.guid) or by_text.get(hashlib.sha256(s.text.encode("utf-8")).hexdigest())
        if d is None:
            out.unmatched_sources.append(s.name)
            continue
        if s.text != d.text:
            out.problems.append(f"{s.name}: the source's text differs from the store's document {d.path}; "
                                "its codings are skipped (offsets would not match)")
            continue
        by_span: dict[tuple[int, int], dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for sel in s.selections:
            for code_guid, user, at in sel.codings:
                by_span[(sel.start, sel.end)][user or project.modifying_user or ""].append((code_guid, at))
        for (start, end), per_user in sorted(by_span.items()):
            p = next((q for q in d.passages if q.start == start and q.end == end), None)
            for user, applied in per_user.items():
                codes = [m.matched[g] for g, _ in applied if g in m.matched]
                if not user:
                    out.problems.append(f"{s.name} {start}-{end}: codings name no user and the project names no "
                                        "modifying user; skipped")
                    continue
                try:
                    elements, stance, obstacles = labels_of(codes)
                except CodebookError as exc:
                    out.problems.append(f"{s.name} {start}-{end} ({project.users.get(user, user)}): {exc}; skipped")
                    continue
                at = max((a for _, a in applied if a), default=None)
                if user in models:
                    if p is None or (sorted(elements), infer_stance(elements, stance, obstacles), sorted(obstacles)) == (
                            sorted(p.elements), p.stance, sorted(p.obstacles)):
                        continue  # the model's codings as exported
                    editor = project.modifying_user if project.modifying_user not in models else None
                    if editor is None or editor in per_user:
                        out.problems.append(f"{s.name} {start}-{end}: the model's codings were changed in the QDA "
                                            "tool but the project does not say by whom; code the passage as yourself "
                                            "instead. Skipped")
                        continue
                    user = editor
                out.codings.append(ImportedCoding(doc_key=d.path, start=start, end=end,
                                                  user=project.users.get(user, user), elements=elements, stance=stance,
                                                  obstacles=obstacles, at=at, text_sha=text_sha(d.text[start:end])))
    return out


def import_qdpx(store, path: Path | str, *, codebook: Codebook | None = None, mapping: dict[str, str] | None = None):
    """Bring the codings of a REFI-QDA project on this store's documents back as reviews. Returns the
    ImportReport (pipeline/exchange/reviews.py) with the file's own problems added."""
    from pipeline.exchange.codebook import load_codebook
    from pipeline.exchange.gather import store_documents
    from pipeline.exchange.reviews import save_codings

    path = Path(path)
    codebook = codebook or load_codebook()
    project = read_qdpx(path)
    found = codings_from_project(project, store_documents(store), codebook, mapping=mapping, path=path)
    if project.sources and len(found.unmatched_sources) == len(project.sources):
        raise QdpxError(f"{path}: none of its {len(project.sources)} text sources is a document of this store (matched "
                        "by sistercity's source GUID or by identical text). A project coded from scratch elsewhere "
                        "is imported as training annotations: sistercity import qdpx FILE --as-annotations OUT.jsonl")
    report = save_codings(store, found.codings, origin=path.name, exported_at=found.exported_at)
    report.problems[:0] = found.problems + [f"{n}: no document of the store has this text; its codings are skipped"
                                            for n in found.unmatched_sources]
    return report


def annotation_rows(path: Path | str, *, codebook: Codebook | None = None, mapping: dict[str, str] | None = None,
                    ) -> tuple[list[dict], list[str]]:
    """A project coded elsewhere as annotation rows (annotations/passages.jsonl's fields, one per coded span
    and coder), and the problems met. Refuses (CodebookError) a project whose codes do not map onto ours."""
    from pipeline.exchange.codebook import load_codebook
    from pipeline.store.reviews import InvalidLabels, Labels

    path = Path(path)
    codebook = codebook or load_codebook()
    project = read_qdpx(path)
    m = _mapped(project, codebook, mapping, path)
    rows, problems = [], []
    for s in project.sources:
        stem = Path(s.name).stem or s.guid
        case = project.cases.get(s.guid) or next((v for k, v in s.variables.items() if k == guid("variable", "case")),
                                                 None)
        doc_type = s.variables.get(guid("variable", "doc_type"), "other")
        per: dict[tuple[int, int, str], list] = defaultdict(list)
        for sel in s.selections:
            for g, user, _ in sel.codings:
                per[(sel.start, sel.end, user or project.modifying_user or "")].append(g)
        for (start, end, user), gs in sorted(per.items()):
            try:
                elements, stance, obstacles = labels_of([m.matched[g] for g in gs if g in m.matched])
                labels = Labels(elements, infer_stance(elements, stance, obstacles), obstacles, case).check()
            except (CodebookError, InvalidLabels) as exc:
                problems.append(f"{s.name} {start}-{end}: {exc}; skipped")
                continue
            if not (0 <= start < end <= len(s.text)):
                problems.append(f"{s.name} {start}-{end}: outside the source's text; skipped")
                continue
            rows.append({"doc": f"{case or 'qdpx'}/{stem}", "start": start, "end": end, "text": s.text[start:end],
                         "doc_type": doc_type, "section": None, "speaker": None, "case": case,
                         "elements": labels.elements, "stance": labels.stance, "obstacles": labels.obstacles,
                         "coder": project.users.get(user, user or "unknown"), "id": f"qdpx-{len(rows):05d}",
                         "source": path.name})
    return rows, problems
