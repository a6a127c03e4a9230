""""Why does it stall?": per case, the obstacles ranked by evidence with their strongest quotes, the
elements each hurts and the side of the pair it concerns; then per element the strongest evidence on
both sides. Presentation only: it reads the verdicts (their evidence and obstacle findings) and never
changes a status or a score.

Which passages may be quoted. A passage is quoted for a case only when it comes from one of that case's
own documents, or when the classifier attributed it to the case *and* it names one of the case's
cities (a paper filed under one case that discusses another); such a quote carries its attribution
(the case folder its document belongs to). A Lembahsari official talking about her own city is not
evidence about Tanjungwaru, however the classifier attributed it.

Which passages may be "strongest": substantive ones. Not questions, not fragments, not definitions;
not cost-sharing clauses (except as commitment evidence, where a budget line is the point), and not
sightseeing, dinners or courtesy programme items as positive evidence.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from pipeline.data import ELEMENTS, Evidence, Verdict

MAX_OBSTACLES = 5  # obstacles shown per case
QUOTES_PER_OBSTACLE = 3
QUOTES_PER_SIDE = 2  # per element: for and against
MIN_WORDS = 7  # words, not counting a speaker's label

_I = re.IGNORECASE
_COST = re.compile(r"\bbiaya\b|pembiayaan|dibiayai|dibebankan|ditanggung|\bAPBD\b|\bDPA\b|\bRp\s?\d|tahun anggaran|"
                   r"\banggaran\b|\bcosts?\b|\bexpenses?\b|\bfunded\b", _I)
_LEISURE = re.compile(r"city tour|tamasya|jalan-jalan|sightseeing|berwisata|objek wisata|tempat wisata|"
                      r"wisata (?:kuliner|belanja|sejarah|alam)|\bberbelanja\b|oleh-oleh|jamuan makan|makan malam|"
                      r"gala dinner|welcome dinner|ramah[- ]tamah|\btour\b|kunjungan kehormatan|courtesy call|"
                      r"foto bersama|cenderamata|souvenir|(?<!pari)wisata\b|melihat (?:katedral|museum|istana)|pelayaran", _I)
_SPEAKER = re.compile(r"^\s*[\w. ]{1,20}:\s+")
_DEFINITION = re.compile(r"yang dimaksud dengan|didefinisikan|adalah suatu|merupakan suatu bentuk|is defined as|"
                         r"\bmenurut [A-Z][a-z]+ \(|\(\d{4}\)", _I)


@dataclass(slots=True)
class Quote:
    evidence: Evidence
    speaker: str | None = None
    attributed_from: str | None = None  # the case folder of the document when it is not this case's own


@dataclass(slots=True)
class ObstacleEntry:
    code: str
    passages: int  # distinct quotable passages showing it
    weight: float
    elements: list[tuple[str, int]]  # elements it hurts, with their passages, most first
    sides: dict[str, int]  # passages naming the local / partner / both sides
    quotes: list[Quote] = field(default_factory=list)

    @property
    def side(self) -> str | None:
        """The side of the pair the obstacle concerns: the one its passages name, "both", or None."""
        local = self.sides.get("local", 0) + self.sides.get("both", 0)
        partner = self.sides.get("partner", 0) + self.sides.get("both", 0)
        if not local and not partner:
            return None
        if local >= 2 * partner:
            return "local"
        if partner >= 2 * local:
            return "partner"
        return "both"


@dataclass(slots=True)
class ElementEvidence:
    element: str
    status: str
    supporting: list[Quote]
    against: list[Quote]


@dataclass(slots=True)
class StallAnalysis:
    case: str
    obstacles: list[ObstacleEntry]
    elements: list[ElementEvidence]
    excluded_other_cases: int = 0  # evidence passages left out: another case's document naming neither city
    stalled: bool = False
    local_name: str | None = None
    partner_name: str | None = None


def substantive(ev: Evidence, element: str | None = None) -> bool:
    """A passage that may be quoted as strongest evidence (see the module docstring)."""
    return _substantive(ev.quote, ev.stance, element != "commitment")


@functools.lru_cache(maxsize=8192)  # a passage is evidence of several elements and read once per case and element
def _substantive(quote: str, stance: str, not_commitment: bool) -> bool:
    text = " ".join(quote.split())
    words = _SPEAKER.sub("", text).split()
    if len(words) < MIN_WORDS or text.endswith("?") or _DEFINITION.search(text) or text.count(" | ") >= 2:
        return False  # a fragment, a question, a definition, a table row
    if not_commitment and _COST.search(text) and stance == "positive":
        return False  # a cost clause says who pays, not that anything was understood, shared or achieved
    if stance == "positive" and _LEISURE.search(text):
        return False
    return True


class _Quotable:
    """Decides which evidence of a case may be quoted, and how it is labelled."""

    def __init__(self, case: str, doc_case: dict[str, str | None], speakers: dict[tuple[str, int], str]):
        self.case = case
        self.doc_case = doc_case
        self.speakers = speakers
        self.excluded: set[tuple[str, int]] = set()

    def quote(self, ev: Evidence) -> Quote | None:
        home = self.doc_case.get(ev.doc)
        if home not in (self.case, None) and ev.side is None:
            self.excluded.add((ev.doc, ev.start))
            return None
        return Quote(evidence=ev, speaker=self.speakers.get((ev.doc, ev.start)),
                     attributed_from=home if home not in (self.case, None) else None)


def _pick(quotes: list[Quote], n: int) -> list[Quote]:
    """The n strongest, one per document first (so three quotes are three voices where possible), own
    documents before attributed ones; same text quoted once."""
    ranked = sorted(quotes, key=lambda q: (q.attributed_from is not None, -q.evidence.weight))
    out, docs, texts = [], set(), set()
    for pass_ in (0, 1):
        for q in ranked:
            key = " ".join(q.evidence.quote.split())
            if len(out) == n:
                return out
            if key in texts or (pass_ == 0 and q.evidence.doc in docs):
                continue
            out.append(q)
            docs.add(q.evidence.doc)
            texts.add(key)
    return out


def analyse(case: str, by_el: dict[str, Verdict], doc_case: dict[str, str | None],
            speakers: dict[tuple[str, int], str] | None = None) -> StallAnalysis:
    """`doc_case`: each document id's case folder; `speakers`: the speaker of (doc, start) transcript turns."""
    q = _Quotable(case, doc_case, speakers or {})
    by_code: dict[str, dict[tuple[str, int], Evidence]] = defaultdict(dict)
    hurts: dict[str, Counter] = defaultdict(Counter)
    for el in ELEMENTS:
        v = by_el.get(el)
        if v is None:
            continue
        for ob in v.obstacles:
            for ev in ob.evidence:
                if q.quote(ev) is None:
                    continue
                hurts[ob.code][el] += 1
                key = (ev.doc, ev.start)
                if key not in by_code[ob.code] or by_code[ob.code][key].weight < ev.weight:
                    by_code[ob.code][key] = ev
    obstacles = []
    for code, evs in by_code.items():
        quotes = [x for ev in evs.values() if substantive(ev) and (x := q.quote(ev))]
        obstacles.append(ObstacleEntry(code=code, passages=len(evs), weight=round(sum(e.weight for e in evs.values()), 3),
                                       elements=hurts[code].most_common(),
                                       sides=dict(Counter(e.side for e in evs.values() if e.side)),
                                       quotes=_pick(quotes, QUOTES_PER_OBSTACLE)))
    obstacles.sort(key=lambda o: (-o.passages, -o.weight, o.code))
    elements = []
    for el in ELEMENTS:
        v = by_el.get(el)
        if v is None:
            continue
        quotable = [x for ev in v.evidence if substantive(ev, el) and (x := q.quote(ev))]
        elements.append(ElementEvidence(
            element=el, status=v.status,
            supporting=_pick([x for x in quotable if x.evidence.stance == "positive"], QUOTES_PER_SIDE),
            against=_pick([x for x in quotable if x.evidence.stance == "obstacle"], QUOTES_PER_SIDE)))
    for v in by_el.values():  # count every left-out passage once, including those of elements without obstacles
        for ev in v.evidence:
            q.quote(ev)
    return StallAnalysis(case=case, obstacles=[o for o in obstacles if o.quotes][:MAX_OBSTACLES], elements=elements,
                         excluded_other_cases=len(q.excluded))


def analyse_all(verdicts: dict[str, dict[str, Verdict]], documents, speakers: dict[tuple[str, int], str] | None = None,
                cases: list | None = None) -> dict[str, StallAnalysis]:
    """Per case of `verdicts`; `cases`: Case objects, for the cities' names."""
    from pipeline.report.compare import is_stalled

    doc_case = {d.doc: d.case for d in documents}
    if speakers is None:
        speakers = speakers_of(documents)
    info = {c.slug: c for c in cases or []}
    out = {}
    for case, by_el in verdicts.items():
        a = analyse(case, by_el, doc_case, speakers)
        a.stalled = is_stalled(by_el)
        c = info.get(case)
        a.local_name = c.local.name if c is not None and c.local else None
        a.partner_name = c.partner.name if c is not None and c.partner else None
        out[case] = a
    return out


def speakers_of(documents) -> dict[tuple[str, int], str]:
    """(doc, start) -> speaker of every transcript turn passage among documents that hold their passages."""
    return {(p.doc, p.start): p.speaker for d in documents for p in d.passages if p.speaker}
