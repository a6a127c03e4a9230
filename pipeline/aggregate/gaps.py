"""What is missing for a case: elements with no or thin evidence, and kinds of documents nobody collected.

A researcher reads this as a to-do list: which element rests on too few
passages, on a single document or on one city's view only, and which
documents (an interview, a visit report, the MoU, minutes, an action plan, a
monev report) would fill the hole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.data import ELEMENTS, Document, Verdict, names_pattern

THIN_PASSAGES = 5  # fewer evidence passages than this is thin evidence

# Kinds of document a case file should hold (finer than Document.type: an LoI, an action plan and
# a monev report are told apart by their title).
EXPECTED_KINDS: tuple[str, ...] = ("mou", "action_plan", "visit_report", "monev_report", "interview", "minutes")
DOC_KINDS: tuple[str, ...] = ("loi", *EXPECTED_KINDS, "news", "paper", "other")
_I = re.IGNORECASE
_TITLE_KIND = (
    ("monev_report", re.compile(r"monitoring dan evaluasi|\bmonev\b|pemantauan dan evaluasi", _I)),
    ("action_plan", re.compile(r"rencana aksi|action plan|plan of action", _I)),
    ("loi", re.compile(r"letter of intent|\bLoI\b|surat pernyataan (?:kehendak|minat)", _I)),
    ("mou", re.compile(r"nota kesepahaman|memorandum|\bMoU\b", _I)),
)

GAP_REASONS: tuple[str, ...] = ("no_evidence", "thin", "single_document", "single_doc_type", "one_side_only")


@dataclass(slots=True)
class ElementGap:
    element: str
    status: str
    passages: int
    documents: int
    doc_types: list[str] = field(default_factory=list)
    sides: list[str] = field(default_factory=list)  # which cities the evidence names: local, partner
    reasons: list[str] = field(default_factory=list)  # codes from GAP_REASONS


@dataclass(slots=True)
class CaseGaps:
    case: str
    elements: list[ElementGap] = field(default_factory=list)
    documents: dict[str, int] = field(default_factory=dict)  # kind -> number of readable documents
    missing: list[str] = field(default_factory=list)  # expected kinds with no document
    failed: list[str] = field(default_factory=list)  # "source: reason" of unreadable documents

    @property
    def thin_elements(self) -> list[str]:
        return [g.element for g in self.elements if g.reasons]


TITLE_CHARS = 300  # the head of a document's text where its title is looked for


def document_kind(doc: Document) -> str:
    """The finer kind of a document: its type, refined by what its title (first lines) calls it."""
    head = doc.text[:TITLE_CHARS]
    if doc.type in {"mou", "other", "visit_report", "minutes"}:
        hits = [(m.start(), kind) for kind, rx in _TITLE_KIND if (m := rx.search(head))]
        if hits:
            kind = min(hits)[1]
            if doc.type == "visit_report" and kind not in {"monev_report"}:
                return "visit_report"
            if doc.type == "minutes" and kind != "action_plan":
                return "minutes"
            return kind
    return doc.type if doc.type in DOC_KINDS else "other"


def _side_names(case) -> dict[str, re.Pattern[str]]:
    out = {}
    for side in ("local", "partner"):
        pattern = names_pattern(n for c in getattr(case, "cities", []) or [] if c.side == side for n in c.names())
        if pattern is not None:
            out[side] = pattern
    return out


def element_gap(v: Verdict, case=None, thin: int = THIN_PASSAGES) -> ElementGap:
    docs = {e.doc for e in v.evidence}
    types = sorted({e.doc_type or "other" for e in v.evidence})
    patterns = _side_names(case)
    sides = sorted(side for side, rx in patterns.items() if any(rx.search(e.quote) for e in v.evidence))
    gap = ElementGap(element=v.element, status=v.status, passages=len(v.evidence), documents=len(docs),
                     doc_types=types, sides=sides)
    if not v.evidence:
        gap.reasons.append("no_evidence")
        return gap
    if len(v.evidence) < thin or v.status == "insufficient_evidence":
        gap.reasons.append("thin")
    if len(docs) == 1:
        gap.reasons.append("single_document")
    elif len(types) == 1:
        gap.reasons.append("single_doc_type")
    if len(patterns) == 2 and len(sides) == 1:
        gap.reasons.append("one_side_only")
    return gap


def case_gaps(case_slug: str, verdicts: dict[str, Verdict], documents: list[Document], case=None,
              thin: int = THIN_PASSAGES) -> CaseGaps:
    mine = [d for d in documents if d.case == case_slug]
    kinds: dict[str, int] = {}
    for d in mine:
        if d.status == "ok":
            k = document_kind(d)
            kinds[k] = kinds.get(k, 0) + 1
    return CaseGaps(case=case_slug,
                    elements=[element_gap(verdicts[el], case, thin) for el in ELEMENTS if el in verdicts],
                    documents=dict(sorted(kinds.items())),
                    missing=[k for k in EXPECTED_KINDS if not kinds.get(k)],
                    failed=[f"{d.source}: {d.error}" for d in mine if d.status != "ok"])


def find_gaps(verdicts: dict[str, dict[str, Verdict]], documents: list[Document], cases: list | None = None,
              thin: int = THIN_PASSAGES) -> dict[str, CaseGaps]:
    by_slug = {c.slug: c for c in cases or []}
    return {slug: case_gaps(slug, by_el, documents, by_slug.get(slug), thin) for slug, by_el in sorted(verdicts.items())}


def gaps_record(g: CaseGaps) -> dict:
    return {"elements": {e.element: {"status": e.status, "passages": e.passages, "documents": e.documents,
                                     "doc_types": e.doc_types, "sides": e.sides, "reasons": e.reasons}
                         for e in g.elements},
            "documents": g.documents, "missing": g.missing, "failed": g.failed}
