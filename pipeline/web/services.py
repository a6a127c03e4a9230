"""What the workbench's pages show, read from the store through its typed interface (`Store`,
`ReviewStore`) and the review logic (`pipeline.review`): no route, request or template here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pipeline.aggregate.overrides import apply_overrides
from pipeline.data import ELEMENTS, OBSTACLE_CODES, STANCES, VERDICTS, Case, Document, Passage, Verdict
from pipeline.report.build import known_cases
from pipeline.review.corrections import apply_document_reviews, apply_reviews, reviews_by_document
from pipeline.review.queue import build_queue, model_view
from pipeline.runs.report import aggregate_store
from pipeline.store.db import Store
from pipeline.store.reviews import ReviewStore, text_sha

MAX_ROW_ID = 2**63 - 1  # a document id beyond this is no row of any store (and SQLite cannot even be asked)


def highlight(text: str, base: int, entities: list) -> list[tuple[str, str | None]]:
    """`text` (starting at document offset `base`) cut into (piece, entity label or None)."""
    out, cursor = [], 0
    for e in sorted(entities, key=lambda e: e.start):
        s, t = e.start - base, e.end - base
        if s < cursor or t > len(text) or s >= t:
            continue
        if s > cursor:
            out.append((text[cursor:s], None))
        out.append((text[s:t], e.label))
        cursor = t
    if cursor < len(text):
        out.append((text[cursor:], None))
    return out


def find_passage(d: Document, start: int, end: int) -> tuple[int, Passage] | None:
    for i, p in enumerate(d.passages):
        if p.start == start and p.end == end:
            return i, p
    return None


@dataclass
class Workbench:
    """The store a workbench serves, its reviews, and the inbox whose case.toml files name the cities."""

    store: Store
    reviews: ReviewStore
    inbox: Path | str | None = None
    published_tiebreak: bool = False  # the settings of these names, for the case verdicts
    models_folder: Path | None = None

    def cases_info(self) -> list[Case]:
        return known_cases(self.inbox)

    def doc_ids(self) -> dict[str, int]:
        return self.store.present_ids(by="path")

    def visible_reviews(self, user: dict, reviews: list[dict] | None = None) -> list[dict]:
        """The reviews `user` may see. Coding is blind: a reviewer sees another's labels on a passage only
        once they have saved their own for it; an admin (who adjudicates) sees them all."""
        reviews = self.reviews.reviews() if reviews is None else reviews
        if user["role"] == "admin":
            return reviews
        coded = {c["unit"] for c in self.reviews.codings(batch="") if c["reviewer"] == user["name"]}
        return [r for r in reviews if r["reviewer"] == user["name"] or r["unit"] in coded]

    def reviewed_docs(self, user: dict) -> list[Document]:
        """Every stored document's passages, the reviews `user` may see applied, for the queue: without the
        documents' text, entities and explanations (the passage page loads its one document in full)."""
        by_doc = reviews_by_document(self.visible_reviews(user))
        docs = []
        for _, d in self.store.iter_rows(self.store.document_ids(), text=False, entities=False, explanations=False):
            apply_document_reviews(d, by_doc)
            docs.append(d)
        return docs

    def disputed(self) -> set[tuple[str, int, int]]:
        seen: dict[str, set] = defaultdict(set)
        where: dict[str, tuple[str, int, int]] = {}
        for c in self.reviews.codings(batch=""):
            seen[c["unit"]].add((tuple(c["elements"]), c["stance"], tuple(c["obstacles"]), c["case"]))
            where[c["unit"]] = (c["doc_key"], c["start"], c["end"])
        return {where[u] for u, labels in seen.items() if len(labels) > 1}

    def queue(self, user: dict) -> tuple[list[Document], list]:
        docs = self.reviewed_docs(user)
        return docs, build_queue(docs, self.doc_ids(), self.disputed())

    def load_document(self, doc_id: int) -> Document | None:
        return self.store.document(doc_id) if 0 < doc_id <= MAX_ROW_ID else None

    def source_of(self, doc_id: int) -> tuple[str, str | None] | None:
        return self.store.source_of(doc_id) if 0 < doc_id <= MAX_ROW_ID else None

    def next_in_queue(self, user: dict, after: tuple[int, int, int] | None) -> str:
        _, items = self.queue(user)
        for it in (it for it in items if it.status in {"open", "disputed"}):
            key = (it.doc_id, it.passage.start, it.passage.end)
            if key != after:
                return f"/p/{key[0]}/{key[1]}/{key[2]}"
        return "/queue"

    def passage_context(self, user: dict, doc_id: int, start: int, end: int, *, error: str = "",
                        form: dict | None = None) -> dict | None:
        d = self.load_document(doc_id)
        if d is None:
            return None
        found = find_passage(d, start, end)
        if found is None:
            return None
        i, p = found
        rs = self.reviews
        current = rs.review_of(d.path, p)
        here = [c for c in rs.codings(batch="") if c["doc_key"] == d.path and c["start"] == p.start
                and c["end"] == p.end]
        others = [c for c in here if c["text_sha"] == text_sha(p.text) and c["reviewer"] != user["name"]]
        mine = any(c["reviewer"] == user["name"] for c in here)
        # blind coding: another reviewer's labels and memo stay hidden until this one has saved their own
        blind = bool(current) and current["reviewer"] != user["name"] and not mine and user["role"] != "admin"
        if current and not blind:
            apply_reviews([Document(doc=d.doc, source=d.source, case=d.case, path=d.path, passages=[p])],
                          [current])
        model = model_view(p)
        labels = form or {"elements": p.elements, "stance": p.stance, "obstacles": p.obstacles, "case": p.case,
                          "memo": "" if blind else (current or {}).get("memo", "")}
        neighbours = [(j, q) for j, q in enumerate(d.passages) if i - 2 <= j <= i + 2]
        cases = sorted({q.case for q in d.passages if q.case} | {c.slug for c in self.cases_info()}
                       | ({d.case} if d.case else set()))
        return {"d": d, "doc_id": doc_id, "p": p, "index": i, "neighbours": neighbours, "model": model,
                "pieces": highlight(p.text, p.start, [e for e in d.entities if p.start <= e.start and e.end <= p.end]),
                "entities": [e for e in d.entities if p.start <= e.start and e.end <= p.end],
                "review": None if blind else current, "version": current["version"] if current else 0,
                "labels": labels,
                "why": sorted((p.explanation or {}).items()),
                "others": others, "show_others": mine or user["role"] == "admin", "error": error,
                "elements": ELEMENTS, "stances": STANCES, "obstacle_codes": OBSTACLE_CODES, "cases": cases,
                "is_pdf": (d.path or "").lower().endswith(".pdf"), "text_sha": text_sha(p.text)}

    def verdicts_for(self, slugs: list[str] | None = None) -> tuple[list[str], dict[str, dict[str, Verdict]]]:
        reviews = self.reviews.reviews()
        known = sorted(set(self.store.cases(include_removed=False)) | self.store.passage_cases()
                       | {r["case"] for r in reviews if r.get("case")})
        wanted = [s for s in (slugs if slugs is not None else known) if s in known]
        # one case at a time, only its documents, without their text (runs.report.aggregate_store)
        verdicts = aggregate_store(self.store, wanted, reviews, cases=self.cases_info(), lang="en",
                                   published_tiebreak=self.published_tiebreak, models_folder=self.models_folder)
        apply_overrides(verdicts, self.reviews.overrides())
        return known, verdicts

    def case_context(self, slug: str, error: str = "") -> dict | None:
        known, verdicts = self.verdicts_for([slug])
        if slug not in known:
            return None
        versions = {el: self.reviews.override_version(slug, el) for el in ELEMENTS}
        return {"slug": slug, "verdicts": verdicts[slug], "elements": ELEMENTS, "statuses": VERDICTS,
                "doc_ids": self.store.present_ids(by="doc"), "versions": versions, "error": error}
