"""Codings made in another tool (a QDA program, Label Studio) saved as reviews, through the same
`ReviewStore.save_review` the workbench's passage form calls: the same label rules, the same
version check, one audit row per saved review.

A coding names a document of the store (by path), a span, the coder and the labels. The span is
either a passage of the store (the same offsets) or a new span (a review of that span is kept;
it is applied once a passage has exactly those offsets and text). A review the store already
has is never overwritten by someone else's coding, nor by the same coder's when the store's
review is newer than the export the coding was made on: both are reported as conflicts.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pipeline.data import Document, Passage
from pipeline.exchange.codebook import infer_stance
from pipeline.store.reviews import InvalidLabels, Labels, ReviewStore, StaleEdit, model_labels, text_sha, unit_id

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ImportedCoding:
    doc_key: str  # the document's path in the store
    start: int
    end: int
    user: str  # the coder's name in the other tool
    elements: list[str]
    stance: str | None  # None: inferred (codebook.infer_stance)
    obstacles: list[str]
    at: str | None = None  # when the coder made it, as the other tool says
    text_sha: str | None = None  # SHA-256 of the span's text when it was exported, if the file says
    case: str | None = None  # None: the passage's current case
    doc: str | None = None  # the document's id (content hash): finds it when the store keeps it at another path


@dataclass(slots=True)
class ImportReport:
    saved: list[dict] = field(default_factory=list)  # unit, reviewer, status, new_span
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)  # reviewer accounts made for the file's coders

    def counts(self) -> dict[str, int]:
        return {"saved": len(self.saved), "new_spans": sum(s["new_span"] for s in self.saved),
                "unchanged": self.unchanged, "conflicts": len(self.conflicts), "problems": len(self.problems),
                "accounts": len(self.accounts)}


def _when(at: str | None) -> datetime | None:
    """An ISO time (a trailing Z and no zone both read as UTC), or None when there is none or it is not one."""
    try:
        t = datetime.fromisoformat(at) if at else None
    except ValueError:
        return None
    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t


def _labels(r: dict) -> tuple:
    return (list(r["elements"]), r["stance"], list(r["obstacles"]), r.get("case"))


def reviewer_account(rs: ReviewStore, name: str, made: list[str], known: dict[str, dict]) -> dict:
    """The store's reviewer called `name`; made (audited, inactive, no usable password: an admin activates
    it and sets a password to let that coder into the workbench) when the store has none."""
    if name not in known:
        rid = rs.add_reviewer(name, secrets.token_urlsafe(24))
        rs.set_active(None, rid, False)
        known[name] = {"id": rid, "name": name}
        made.append(name)
    return known[name]


def load_documents(store, paths: set[str], doc_ids: set[str] = frozenset()) -> tuple[dict[str, Document], dict[str, Document]]:
    """The store's documents at these paths or with these ids (text and passages, no entities), by path
    and by id."""
    wanted = (store.docs_at(paths) if paths else set()) | set(doc_ids)
    ids = store.document_ids(docs=wanted) if wanted else []
    docs = [d for _, d in store.iter_rows(ids, entities=False, explanations=False)]
    return {d.path: d for d in docs}, {d.doc: d for d in docs}


def save_codings(store, codings: list[ImportedCoding], *, origin: str, exported_at: str | None = None) -> ImportReport:
    """Save each coding as its coder's review of the span (see the module docstring). `origin` names the
    file in the review's memo; `exported_at` is when the file was exported from this store (a review saved
    after it is newer than what the coder saw: conflict)."""
    rs = ReviewStore(store)
    report = ImportReport()
    docs, by_id = load_documents(store, {c.doc_key for c in codings}, {c.doc for c in codings if c.doc})
    known = {a["name"]: a for a in rs.accounts()}
    since = _when(exported_at)
    for c in codings:
        d = docs.get(c.doc_key) or by_id.get(c.doc or "")
        where = f"{c.doc_key}:{c.start}-{c.end} ({c.user})"
        if d is None:
            report.problems.append(f"{where}: no document of the store is at this path or has this id; skipped")
            continue
        if d.path != c.doc_key:  # the same document, stored at another path
            c.doc_key = d.path
        if not (0 <= c.start < c.end <= len(d.text)):
            report.problems.append(f"{where}: the span lies outside the document's text (0-{len(d.text)}); skipped")
            continue
        p = next((q for q in d.passages if q.start == c.start and q.end == c.end), None)
        new_span = p is None
        if p is None:
            around = next((q for q in d.passages if q.start <= c.start < q.end), None)
            p = Passage(doc=d.doc, page=d.page_at(c.start), start=c.start, end=c.end, text=d.text[c.start:c.end],
                        case=around.case if around else d.case)
        if c.text_sha and c.text_sha != text_sha(p.text):
            report.conflicts.append(f"{where}: the text at these offsets changed since the export (the document "
                                    "was re-processed); not saved, export again and redo this coding")
            continue
        current = rs.review_of(c.doc_key, p)
        case = c.case if c.case is not None else (current["case"] if current else p.case)
        try:
            labels = Labels(list(c.elements), infer_stance(c.elements, c.stance, c.obstacles), list(c.obstacles),
                            case).check()
        except InvalidLabels as exc:
            report.problems.append(f"{where}: {exc}; skipped")
            continue
        new = (labels.elements, labels.stance, labels.obstacles, labels.case)
        if current is not None:
            if _labels(current) == new:
                report.unchanged += 1
                continue
            if current["reviewer"] != c.user:
                report.conflicts.append(f"{where}: {current['reviewer']} reviewed this passage in the store "
                                        f"({current['stance']}, {current['elements']}, {current['obstacles']}; version "
                                        f"{current['version']}); {c.user}'s coding ({labels.stance}, {labels.elements}, "
                                        f"{labels.obstacles}) is not saved over it: settle it in the workbench")
                continue
            if since is not None and (_when(current["at"]) or since) > since:
                report.conflicts.append(f"{where}: {c.user}'s review changed in the store at {current['at']}, after "
                                        f"this file was exported ({exported_at}); not overwritten")
                continue
        model = model_labels(p)
        status = ("accepted" if not new_span and current is None and
                  new == (model["elements"], model["stance"], model["obstacles"], model["case"]) else "corrected")
        who = reviewer_account(rs, c.user, report.accounts, known)
        memo = f"imported from {origin}" + (f"; coded there at {c.at}" if c.at else "") + (
            "; a new span (no passage of the store had these offsets)" if new_span else "")
        try:
            rs.save_review(who, c.doc_key, p, labels, status=status, memo=memo,
                           seen_version=current["version"] if current else 0)
        except StaleEdit as exc:
            report.conflicts.append(f"{where}: {exc}")
            continue
        report.saved.append({"unit": unit_id(c.doc_key, p.start, p.end, text_sha(p.text)), "reviewer": c.user,
                             "status": status, "new_span": new_span})
    log.info("imported %s from %s", report.counts(), origin)
    return report
