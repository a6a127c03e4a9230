"""The review queue: which passages a reviewer should look at first.

Priority, highest first:
- reviewers disagree on the passage (two codings differ): it needs adjudication;
- the model is unsure: an element probability near 0.5, or two stances close together;
- the evidence is thin: the passage bears on an element of its case with few evidence passages,
  so one label there can move the verdict.
Reviewed passages on which nobody disagrees go last. Every item says why it is where it is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pipeline.data import ELEMENTS, Document, Passage

STATUSES: tuple[str, ...] = ("open", "accepted", "corrected", "disputed")
THIN = 3  # evidence passages per case x element below which one label matters (the aggregator's min_passages)
CANDIDATE = 0.3  # an element probability from which the passage may bear on the element


@dataclass(slots=True)
class QueueItem:
    doc_id: int
    document: Document
    passage: Passage
    status: str
    priority: float
    reasons: list[str] = field(default_factory=list)


def model_view(p: Passage) -> dict:
    """The model's own labels, also for a passage whose labels a reviewer replaced."""
    if p.review is not None:
        return p.review["model"]
    return {"elements": p.elements, "stance": p.stance, "obstacles": p.obstacles, "case": p.case, "scores": p.scores,
            "stance_scores": p.stance_scores}


def uncertainty(model: dict) -> tuple[float, str | None]:
    """1 when the model could not be less sure (a probability of 0.5, or a tie between stances), 0 when sure."""
    best, why = 0.0, None
    for el, s in (model.get("scores") or {}).items():
        u = 1 - abs(2 * s - 1)
        if u > best:
            best, why = u, f"model unsure about {el} (p={s:.2f})"
    ranked = sorted((model.get("stance_scores") or {}).items(), key=lambda kv: -kv[1])
    if len(ranked) >= 2:
        u = 1 - (ranked[0][1] - ranked[1][1])
        if u > best:
            best, why = u, f"stance {ranked[0][0]} vs {ranked[1][0]} close ({ranked[0][1]:.2f} / {ranked[1][1]:.2f})"
    return best, why


def evidence_counts(documents: list[Document]) -> Counter:
    counts: Counter = Counter()
    for d in documents:
        for p in d.passages:
            if p.stance != "neutral":
                for el in p.elements:
                    counts[(p.case, el)] += 1
    return counts


def build_queue(documents: list[Document], doc_ids: dict[str, int], disputed: set[tuple[str, int, int]]) -> list[QueueItem]:
    """Every passage of the (review-applied) documents, most useful first. `disputed` holds
    (document path, start, end) of passages whose reviewers' codings differ."""
    counts = evidence_counts(documents)
    items = []
    for d in documents:
        if d.status != "ok" or d.path not in doc_ids:
            continue
        for p in d.passages:
            model = model_view(p)
            reasons = []
            is_disputed = (d.path, p.start, p.end) in disputed
            if is_disputed:
                reasons.append("reviewers disagree")
            u, why = uncertainty(model)
            if why and u >= 0.3:
                reasons.append(why)
            thin = 0.0
            for el in ELEMENTS:
                if (model.get("scores") or {}).get(el, 0.0) >= CANDIDATE or el in p.elements:
                    n = counts[(p.case, el)]
                    if n < 2 * THIN:
                        t = 1 / (1 + n)
                        if t > thin:
                            thin = t
                        reasons.append(f"thin evidence: {n} passages on {el} in {p.case or 'no case'}")
            status = "disputed" if is_disputed else (p.review["status"] if p.review else "open")
            priority = 2.0 * is_disputed + u + thin - (3.0 if status in {"accepted", "corrected"} else 0.0)
            items.append(QueueItem(doc_ids[d.path], d, p, status, round(priority, 4), reasons))
    items.sort(key=lambda it: (-it.priority, it.document.source, it.passage.start))
    return items


def filter_queue(items: list[QueueItem], *, case: str = "", doc: str = "", element: str = "", stance: str = "",
                 status: str = "") -> list[QueueItem]:
    out = []
    for it in items:
        p = it.passage
        if case and p.case != case:
            continue
        if doc and it.document.doc != doc:
            continue
        if element and element not in p.elements and element not in model_view(p).get("elements", []):
            continue
        if stance and p.stance != stance:
            continue
        if status and it.status != status:
            continue
        out.append(it)
    return out
