"""The records that flow through every stage.

One `Document` is extracted from one file; its `text` is what every offset in
the project points into: `document.text[p.start:p.end] == p.text` for every
passage `p` and entity of that document.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ELEMENTS: tuple[str, ...] = ("commitment", "participation", "understanding", "reciprocity", "outcomes")
STANCES: tuple[str, ...] = ("positive", "obstacle", "neutral")
OBSTACLE_CODES: tuple[str, ...] = (
    "budget", "staff_turnover", "language", "coordination", "monitoring", "no_follow_up",
    "ceremonial", "leadership_change", "schedule_conflict", "institutional_change",
    "undefined_outcomes", "one_sided_benefit", "hr_capacity", "bureaucracy", "external_crisis",
)
DOC_TYPES: tuple[str, ...] = ("mou", "visit_report", "interview", "minutes", "news", "paper", "other")
ENTITY_LABELS: tuple[str, ...] = ("PERSON", "ORG", "GPE", "DATE", "MONEY", "EVENT")
VERDICTS: tuple[str, ...] = ("fulfilled", "partial", "not_fulfilled", "insufficient_evidence")


@dataclass(slots=True)
class PageSpan:
    """Where one page of the source lies in the document text."""

    page: int
    start: int
    end: int
    ocr_confidence: float | None = None


@dataclass(slots=True)
class Block:
    """A paragraph-level unit found by ingestion (a paragraph, heading, table row or turn)."""

    start: int
    end: int
    kind: str = "paragraph"  # paragraph | heading | table | references | turn
    section: str | None = None
    speaker: str | None = None


@dataclass(slots=True)
class Entity:
    doc: str
    page: int
    start: int
    end: int
    text: str
    label: str
    normalized: str | None = None


@dataclass(slots=True)
class Passage:
    doc: str
    page: int
    start: int
    end: int
    text: str
    case: str | None = None
    section: str | None = None
    speaker: str | None = None
    kind: str = "paragraph"
    scores: dict[str, float] = field(default_factory=dict)
    elements: list[str] = field(default_factory=list)
    stance: str = "neutral"
    stance_scores: dict[str, float] = field(default_factory=dict)
    obstacles: list[str] = field(default_factory=list)
    explanation: dict[str, Any] = field(default_factory=dict)
    # set when a reviewer's labels replace the model's (pipeline/review/corrections.py): status, reviewer,
    # time and the model's own labels
    review: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        return f"{self.doc}:{self.start}-{self.end}"


@dataclass(slots=True)
class Document:
    doc: str
    source: str
    case: str | None
    type: str = "other"
    text: str = ""
    pages: list[PageSpan] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    status: str = "ok"
    error: str | None = None
    path: str | None = None
    sha256: str | None = None
    warnings: list[str] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    model: str | None = None  # the passage classifier that labelled the passages (its model card's name)

    def page_at(self, offset: int) -> int:
        for span in self.pages:
            if span.start <= offset < span.end:
                return span.page
        return self.pages[-1].page if self.pages else 1

    def failed(self, reason: str) -> Document:
        self.status, self.error = "failed", reason
        self.text, self.pages, self.blocks, self.passages, self.entities = "", [], [], [], []
        return self


@dataclass(slots=True)
class Evidence:
    doc: str
    page: int
    start: int
    end: int
    quote: str
    stance: str
    weight: float = 0.0
    source: str | None = None
    doc_type: str | None = None
    side: str | None = None  # "local", "partner" or "both": the city the passage names as acting
    # what kind of source the passage is (pipeline/aggregate/verdicts.py `evidence_kind`): "finding" (an author's
    # stated conclusion about the case), "account" (what an
    # author or official says happened), "announcement" (a plan, hope, signing or visit told as news: weak),
    # "background" (a definition or the literature: no weight); "stated" only among an obstacle's evidence: a
    # passage that names the obstacle in so many words (pipeline/aggregate/obstacles.py)
    kind: str = "account"


@dataclass(slots=True)
class ObstacleFinding:
    code: str
    count: int
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(slots=True)
class Verdict:
    case: str
    element: str
    status: str
    score: float
    summary: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    obstacles: list[ObstacleFinding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sentences: list[SummarySentence] = field(default_factory=list)
    # set when a reviewer overrode the aggregator (pipeline/aggregate/overrides.py): reviewer, reason, time
    # and the status it replaced
    override: dict[str, Any] | None = None
    # the status the evidence alone gives (before a published assessment breaks a near tie,
    # `Thresholds.published_tiebreak`); equal to `status` otherwise
    evidence_status: str | None = None
    # explicit assessments of this element in the case's documents (pipeline/aggregate/assessments.py), the
    # value they agree on ("mixed" when they do not) and how it relates to `evidence_status`
    assessments: list[Assessment] = field(default_factory=list)
    published_assessment: str | None = None
    published_agreement: str | None = None
    # what set `status`: "evidence" (the balance of passages and stated accounts), "published" (a researcher's
    # stated finding on the element), "tiebreak" (the opt-in near-tie rule)
    basis: str = "evidence"


@dataclass(slots=True)
class Assessment:
    """A sentence of a document that states its own verdict on an element ("elemen komitmen dinilai
    tidak terpenuhi"): coded neutral as a passage, shown next to the tool's verdict."""

    case: str | None
    element: str
    value: str  # one of VERDICTS
    doc: str
    page: int
    start: int
    end: int
    quote: str  # the whole sentence: document.text[start:end]
    passage: str  # key of the passage that contains it
    source: str | None = None
    doc_type: str | None = None


@dataclass(slots=True)
class SummarySentence:
    """One sentence of a summary and the passages it cites (at least one)."""

    text: str
    cites: list[Evidence] = field(default_factory=list)


def to_dict(record: Any) -> dict[str, Any]:
    return asdict(record)


# A case: one pair of cities over a period, described by a folder's case.toml (read by `pipeline.ingest.cases`).
@dataclass(slots=True)
class City:
    name: str
    country: str = ""
    side: str = "local"
    aliases: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        return [self.name, *self.aliases]


@dataclass(slots=True)
class Case:
    slug: str
    title: str = ""
    period: str = ""
    fields: list[str] = field(default_factory=list)
    cities: list[City] = field(default_factory=list)
    folder: Path | None = None

    @property
    def local(self) -> City | None:
        return next((c for c in self.cities if c.side == "local"), None)

    @property
    def partner(self) -> City | None:
        return next((c for c in self.cities if c.side == "partner"), None)

    def name_pattern(self) -> re.Pattern[str] | None:
        return names_pattern(n for c in self.cities for n in c.names())


def names_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """Any of `names` as a whole word, ignoring case (None when there is no name): the longest name first, so that
    a count of matches takes "Kota Muara Kencana" whole rather than "Muara Kencana" in it. The same set of names
    gives the same compiled pattern object (one compilation per set, shared by every caller)."""
    ordered = tuple(sorted({n for n in names if n}, key=lambda n: (-len(n), n)))
    return _names_regex(ordered) if ordered else None


@functools.lru_cache(maxsize=1024)
def _names_regex(names: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)
