"""A timeline per case: dated events (signings, visits, festivals, forums, trainings, monev...)
found around the DATE entities of its documents.

For every DATE entity with an ISO value we take the sentence it sits in (inside
its passage, else its block), decide from Indonesian cues in that sentence what
kind of event the date belongs to (the cue nearest to the date wins), which
side acted (the case's local or partner city, when the sentence says so) and
keep the sentence as an exact quote (`text[start:end]`). The same event told by
several documents is merged: same kind, dates that nest (a day inside a month
inside a year) and sides that do not contradict each other; the most precise
date is kept and every telling stays in `sources`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date

from pipeline.data import Document, Entity
from pipeline.ingest.segment import sentence_spans

log = logging.getLogger(__name__)

# Event kinds, in the order used to break ties between cues equally near a date.
EVENT_KINDS: tuple[str, ...] = (
    "loi_signing", "mou_signing", "action_plan_signing", "signing", "return_visit", "visit", "festival", "forum",
    "training", "monev", "exchange", "inauguration", "meeting", "letter",
)
KIND_LABEL_ID = {
    "loi_signing": "Penandatanganan LoI", "mou_signing": "Penandatanganan MoU",
    "action_plan_signing": "Penandatanganan rencana aksi", "signing": "Penandatanganan",
    "return_visit": "Kunjungan balasan", "visit": "Kunjungan", "festival": "Festival", "forum": "Forum",
    "training": "Pelatihan", "monev": "Monitoring dan evaluasi", "exchange": "Pertukaran",
    "inauguration": "Peresmian", "meeting": "Rapat", "letter": "Surat",
}
KIND_LABEL_EN = {
    "loi_signing": "LoI signing", "mou_signing": "MoU signing", "action_plan_signing": "Action plan signing",
    "signing": "Signing", "return_visit": "Return visit", "visit": "Visit", "festival": "Festival", "forum": "Forum",
    "training": "Training", "monev": "Monitoring and evaluation", "exchange": "Exchange",
    "inauguration": "Inauguration", "meeting": "Meeting", "letter": "Letter",
}
_OBJECT_KINDS = {"loi_signing", "mou_signing", "action_plan_signing"}
SIGNING_KINDS = {"loi_signing", "mou_signing", "action_plan_signing", "signing"}

_I = re.IGNORECASE
_SIGN = re.compile(r"penandatanganan|ditandatangani|menandatangani|bertanda ?tangan|diteken|meneken|disepakati|"
                   r"\bsigned\b|\bsigning\b", _I)
_OBJECTS = (
    ("loi_signing", re.compile(r"\bLoI\b|Letter of Intent|surat pernyataan (?:minat|kehendak)", _I)),
    ("mou_signing", re.compile(r"\bMoU\b|Nota Kesepahaman|Memorandum (?:of Understanding|Saling Pengertian)|"
                               r"Sister City Agreement", _I)),
    ("action_plan_signing", re.compile(r"rencana aksi|action plan|plan of action|\bPKS\b|perjanjian kerja ?sama", _I)),
)
_CUES = (
    ("return_visit", re.compile(r"kunjungan balasan|balasan kunjungan|return visit", _I)),
    ("visit", re.compile(r"kunjungan|berkunjung|mengunjungi|lawatan|studi banding|\bvisit(?:ed|s)?\b", _I)),
    ("festival", re.compile(r"festival|pekan budaya|pekan (?=[A-Z])|\bexpo\b|pameran|karnaval", _I)),
    ("forum", re.compile(r"\bforum\b|temu bisnis|business matching|seminar|konferensi|simposium", _I)),
    ("training", re.compile(r"pelatihan|\btraining\b|magang|lokakarya|workshop|bimbingan teknis|\bbimtek\b|"
                            r"peningkatan kapasitas|capacity building", _I)),
    ("monev", re.compile(r"\bmonev\b|monitoring dan evaluasi|pemantauan dan evaluasi|evaluasi (?:tahunan|pelaksanaan)", _I)),
    ("exchange", re.compile(r"pertukaran (?:pelajar|siswa|guru|mahasiswa|pegawai|staf)|student exchange", _I)),
    ("inauguration", re.compile(r"peresmian|diresmikan|meresmikan", _I)),
    ("meeting", re.compile(r"\brapat\b|\bpokja\b|kelompok kerja bersama|joint committee", _I)),
    ("letter", re.compile(r"surat (?:undangan|balasan|resmi)|undangan|menyurati|mengirim(?:kan)? surat|"
                          r"\bletter\b(?! of intent)", _I)),
)
# A cue's distance to the date is multiplied by its kind's factor: a signing verb a little further away
# still wins over a working group named next to the date.
_FACTOR = {"signing": 0.5, "loi_signing": 0.5, "mou_signing": 0.5, "action_plan_signing": 0.5, "meeting": 1.5,
           "letter": 1.2}
_MAX_DISTANCE = (100, 40)  # characters between cue and date: for a day or month, for anything vaguer
_UNTIL = re.compile(r"(?:sampai(?: dengan)?|hingga|s\.d\.?|s/d|berakhir(?: pada)?(?: tanggal)?|berlaku(?: sejak| mulai)?|"
                    r"\bsejak|\bsebelum|\buntil|\bbefore)\s*$", _I)
_CITATION = re.compile(r"[A-Z][\w'-]+(?: et al\.| dkk\.)?\s*\($|\([^()]*[A-Z][\w'-]+(?: et al\.| dkk\.)?,\s*$")
# Words after which the rest of a sentence is the subject of a letter or document, not its own event.
_TOPIC = re.compile(r"\b(?:perihal|tentang|mengenai|hal)\b", _I)
# Event status from the sentence's own modality and negation (`event_status`), read in the clause that holds
# the date first. Cancelled: called off, postponed, not held, unanswered, lapsed. Proposed: offered, invited,
# proposed, nobody has agreed yet. Planned: will, scheduled, targeted, expected, due by. Else held.
_CANCELLED = re.compile(
    r"dibatalkan|\bbatal\b|\bditunda\b|tidak (?:dapat |jadi |pernah |sempat )?(?:dihadiri|hadir|terlaksana|dilaksanakan|"
    r"dijawab|dibalas|dipenuhi|berjalan|berangkat|diadakan|terselenggara)|tidak mendapat (?:jawaban|balasan)|"
    r"tidak ada (?:jawaban|balasan)|tanpa (?:jawaban|balasan)|belum (?:pernah )?(?:terlaksana|dijawab|dibalas)|"
    r"tidak berlanjut|(?:tanggalnya|kesempatan itu|tenggatnya) (?:telah |sudah )?lewat|dipastikan tidak|"
    r"\bcancel+ed\b|\bpostponed\b|\bcalled off\b|\bunanswered\b", _I)
_PROPOSED = re.compile(r"\bmengusulkan|\busulan\b|\bdiusulkan|\bmenawarkan|\btawaran\b|\bditawarkan|\bmengundang\b|"
                       r"\bmengajak\b|\bproposed?\b|\boffered\b|\binvited\b", _I)
_PLANNED = re.compile(r"\bakan\b|direncanakan|\brencana(?:nya)?\b(?! aksi| induk| kerja)|dijadwalkan|\bmenargetkan|\bditargetkan|dipastikan|"
                      r"paling lambat|\bmau\b|\bberjanji|tengah menyiapkan|sedang menyiapkan|memperkirakan|diperkirakan|"
                      r"diharapkan|\bwill\b|\bscheduled\b|\bplanned\b", _I)
# A verb that tells the dated event happened ("ditandatangani pada <date>", "berlangsung ..."); checked in
# the clause of the date, before the cues above, so that "Nota Kesepahaman yang ditandatangani pada
# Maret 2017 belum juga dievaluasi" stays a held signing.
_DONE = re.compile(r"(?<!akan )(?<!belum )(?<!tidak )\b(?:di)?tandatangani|\bditeken|\bdisepakati|\bdiresmikan|\bdilaksanakan|"
                   r"\bberlangsung|\bdiadakan|\bdigelar|\bdibuka\b|\bditutup\b|\btelah\b|\bsudah\b|\bsejak\b|"
                   r"\bdikirim|\bdatang\b|\bhadir\b|\bselesai\b|\bdisahkan|\bterlaksana\b|\bditerima\b|"
                   r"\bmenandatangani\b|\bsigned\b|\bheld\b", _I)
_CLAUSE = re.compile(r"[;:]|,\s+(?=(?:tetapi|namun|padahal|sedangkan|sehingga|sementara|dan|karena)\b)|"
                     r"\s(?=(?:tetapi|namun|padahal|sedangkan|sementara|bahwa)\b)|, (?=(?-i:[a-z]))", _I)
STATUSES: tuple[str, ...] = ("held", "planned", "cancelled", "proposed")


def _clause(sentence: str, d0: int, d1: int) -> str:
    """The clause of the sentence that holds the date at [d0, d1)."""
    cuts = [0] + [m.end() for m in _CLAUSE.finditer(sentence) if not d0 <= m.start() < d1] + [len(sentence)]
    lo = max(c for c in cuts if c <= d0)
    hi = min((c for c in cuts if c >= d1), default=len(sentence))
    nxt = _CLAUSE.search(sentence, d1)
    if nxt is not None:
        hi = nxt.start()
    return sentence[lo:hi]


def event_status(sentence: str, d0: int, d1: int, kind: str | None = None) -> str:
    """held / planned / cancelled / proposed: what the sentence itself says of the event dated at [d0, d1).

    The clause of the date decides first: a cancellation or a negated happening there cancels it; an
    offer, invitation or proposal makes it proposed (not for a letter, which is sent when it is dated); a
    completed verb ("ditandatangani pada", "berlangsung", "telah") makes it held; a modal or plan ("akan",
    "dijadwalkan", "paling lambat") makes it planned. Then the rest of the sentence: an offer that "lapsed
    without an answer" two clauses later is still cancelled."""
    clause = _clause(sentence, d0, d1)
    rest = sentence.replace(clause, " ", 1)
    if _CANCELLED.search(clause):
        return "cancelled"
    offers = [m for m in _PROPOSED.finditer(clause)] if kind != "letter" else []
    if offers:
        at = sentence.find(clause)
        near_offer = min(_distance(m.start() + at, m.end() + at, d0, d1) for m in offers)
        done = [_distance(m.start() + at, m.end() + at, d0, d1) for m in _DONE.finditer(clause)]
        if not done or near_offer < min(done):  # "telah menyampaikan ... dan mengusulkan penandatanganan pada <date>"
            return "cancelled" if _CANCELLED.search(rest) else "proposed"
    if _PLANNED.search(clause) and not re.search(r"\btelah\b|\bsudah\b", clause, _I):
        return "planned"
    if _DONE.search(clause):
        return "held"
    if _CANCELLED.search(rest):
        return "cancelled"
    return "held"


_DESTINATION = re.compile(r"(?:\bke|\bdi|menuju|mengunjungi|tiba di|berangkat ke)\s+(?:(?:kota|pemerintah kota|pemkot)\s+)?$", _I)
_ORIGIN = re.compile(r"(?:\bdari|delegasi|rombongan|\btim|wali ?kota|pemerintah kota|pemkot|\bdprd|pejabat|walikota|"
                     r"bürgermeister(?:in)?|mayor of|city of|siswa|guru|kota)\s+(?:kota\s+)?$", _I)


@dataclass(slots=True)
class EventSource:
    """One telling of an event: the sentence around the date, quoted exactly."""

    doc: str
    page: int
    start: int
    end: int
    quote: str
    date_text: str
    source: str | None = None
    doc_type: str | None = None


@dataclass(slots=True)
class TimelineEvent:
    case: str
    date: str  # ISO: YYYY-MM-DD or an interval YYYY-MM-DD/YYYY-MM-DD
    kind: str
    label: str
    side: str | None = None  # local | partner | both | None when the text does not say
    place: str | None = None
    status: str = "held"  # held | planned | cancelled | proposed (as the quoted sentence tells it: `event_status`)
    sources: list[EventSource] = field(default_factory=list)

    @property
    def start_date(self) -> str:
        return self.date.split("/")[0]

    @property
    def end_date(self) -> str:
        return self.date.split("/")[-1]

    @property
    def source(self) -> EventSource:
        return self.sources[0]


@dataclass(slots=True)
class _CaseCities:
    local: list[str]
    partner: list[str]
    local_name: str | None
    partner_name: str | None


def _interval(iso: str) -> tuple[date, date] | None:
    try:
        parts = [date.fromisoformat(p) for p in iso.split("/")]
    except ValueError:
        return None
    return (parts[0], parts[-1]) if parts[0] <= parts[-1] else None


def _days(iso: str) -> int:
    iv = _interval(iso)
    return (iv[1] - iv[0]).days + 1 if iv else 10**6


def sentence_bounds(text: str, lo: int, hi: int, start: int, end: int) -> tuple[int, int]:
    """The sentence of text[lo:hi] holding [start, end): within its line, split as passages are split."""
    ls = max(lo, text.rfind("\n", lo, start) + 1)
    le = text.find("\n", end, hi)
    le = hi if le < 0 else le
    s, e = next(((a, b) for a, b in sentence_spans(text[ls:le], ls) if a <= start < b), (ls, le))
    e = max(e, min(end, le))
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _cities(case) -> _CaseCities:
    local, partner = [], []
    for c in getattr(case, "cities", []) or []:
        (partner if c.side == "partner" else local).extend(n for n in c.names() if n)
    lc = getattr(case, "local", None)
    pc = getattr(case, "partner", None)
    return _CaseCities(sorted(set(local), key=len, reverse=True), sorted(set(partner), key=len, reverse=True),
                       lc.name if lc else None, pc.name if pc else None)


def _nearest_cue(sentence: str, d0: int, d1: int, vague: bool) -> tuple[str, int, int] | None:
    """(kind, start, end) of the cue nearest to the date at [d0, d1) of the sentence; cues after a
    'perihal/tentang' that follows the date are the topic of a document, not this date's event."""
    topic = _TOPIC.search(sentence, d1)
    limit = topic.start() if topic else len(sentence)
    found: list[tuple[float, int, str, int, int]] = []
    rank = {k: i for i, k in enumerate(EVENT_KINDS)}
    signed = _SIGN.search(sentence) is not None

    def add(kind: str, m: re.Match) -> None:
        dist = _distance(m.start(), m.end(), d0, d1)
        if dist <= _MAX_DISTANCE[vague]:
            after = 15 if m.start() >= d1 else 0  # "X pada <date>": a sentence names the event before its date
            found.append(((dist + after) * _FACTOR.get(kind, 1.0), rank[kind], kind, m.start(), m.end()))

    for m in _SIGN.finditer(sentence, 0, limit):
        add("signing", m)
    for kind, rx in _OBJECTS:  # "LoI pada 14 Mei 2013", "Nota Kesepahaman 25 November 2014": the signing date
        for m in rx.finditer(sentence, 0, limit):
            if re.search(r"berakhir|habis|berlaku", sentence[max(0, m.start() - 25):m.start()], _I):
                continue  # "berakhirnya Nota Kesepahaman pada ...": an expiry, not a signing
            between = sentence[m.end():d0]
            if signed or (m.end() <= d0 and len(between) <= 12 and not re.search(r"berlaku|berakhir|sampai|hingga",
                                                                                  between, _I)):
                add(kind, m)
    for kind, rx in _CUES:
        for m in rx.finditer(sentence, 0, limit):
            add(kind, m)
    if not found:
        return None
    _, _, kind, s, e = min(found)
    if kind == "visit" and re.match(r"\s*balasan", sentence[e:e + 12], _I):
        kind = "return_visit"
    return kind, s, e


def _distance(s: int, e: int, d0: int, d1: int) -> int:
    if e <= d0:
        return d0 - e
    if s >= d1:
        return s - d1
    return 0


def _signing_object(sentence: str, cue_at: int, context: str) -> str:
    best = None
    for kind, rx in _OBJECTS:
        for m in rx.finditer(sentence):
            dist = abs(m.start() - cue_at)
            if best is None or dist < best[0]:
                best = (dist, kind)
    if best:
        return best[1]
    # "Ditandatangani di ... pada tanggal ..." closing a document: its title (what it names first) says what.
    first = [(m.start(), kind) for kind, rx in _OBJECTS if (m := rx.search(context))]
    return min(first)[1] if first else "signing"


def _mentions(sentence: str, cities: _CaseCities, org_sides: list[tuple[int, str]]) -> list[tuple[int, str, str, str]]:
    """(position, side, role, name) for each city named in the sentence; role is destination, actor or plain."""
    out, taken = [], []
    for side, names in (("local", cities.local), ("partner", cities.partner)):
        for name in names:
            for m in re.finditer(r"\b" + re.escape(name) + r"\b", sentence, _I):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                taken.append((m.start(), m.end()))
                before = sentence[max(0, m.start() - 30):m.start()]
                role = "destination" if _DESTINATION.search(before) else "actor" if _ORIGIN.search(before) else "plain"
                out.append((m.start(), side, role, name))
    out += [(pos, side, "actor", "") for pos, side in org_sides]
    return sorted(out)


def _side_and_place(kind: str, mentions: list[tuple[int, str, str, str]], cities: _CaseCities) -> tuple[str | None, str | None]:
    dest = [m for m in mentions if m[2] == "destination"]
    place = dest[0][3] if dest else None
    if kind in SIGNING_KINDS:
        return "both", place
    actors = {m[1] for m in mentions if m[2] == "actor"}
    if len(actors) == 1:
        return actors.pop(), place
    if len(actors) == 2:
        return "both", place
    if dest and kind in {"visit", "return_visit"}:
        dest_sides = {m[1] for m in dest}
        if len(dest_sides) == 1:
            return ("partner" if dest_sides.pop() == "local" else "local"), place
    if dest and kind in {"festival", "forum", "training", "meeting", "inauguration", "exchange"}:
        return None, place
    sides = {m[1] for m in mentions}
    if len(sides) == 1 and kind != "letter":
        return sides.pop(), place
    return None, place


def _label(kind: str, place: str | None, sentence: str, events_in_sentence: list[Entity]) -> str:
    base = KIND_LABEL_ID[kind]
    if kind in SIGNING_KINDS and re.search(r"perpanjang", sentence, _I):
        base = base.replace("Penandatanganan", "Penandatanganan perpanjangan")
    if kind in {"festival", "forum", "training", "exchange"} and events_in_sentence:
        return events_in_sentence[0].text
    if place and kind in {"visit", "return_visit"}:
        return f"{base} ke {place}"
    if place:
        return f"{base} di {place}"
    return base


def _containers(doc: Document) -> list[tuple[int, int, str | None]]:
    spans = [(p.start, p.end, p.case or doc.case) for p in doc.passages]
    covered = [(a, b) for a, b, _ in spans]
    for b in doc.blocks:
        if not any(a <= b.start < z for a, z in covered):
            spans.append((b.start, b.end, doc.case))
    return sorted(spans)


def mentions_for(doc: Document, case_by_slug: dict[str, object]) -> list[TimelineEvent]:
    """One single-source event per dated sentence with an event cue in this document."""
    if doc.status != "ok" or not doc.text:
        return []
    containers = _containers(doc)
    head = doc.text[:400]
    events_ents = [e for e in doc.entities if e.label == "EVENT"]
    orgs = [e for e in doc.entities if e.label == "ORG" and e.normalized and e.normalized.endswith(")")]
    out = []
    for ent in doc.entities:
        if ent.label != "DATE" or not ent.normalized or _days(ent.normalized) > 400:
            continue
        if re.search(r"anggaran|fiscal", ent.text, _I):  # a budget year is not when something happened
            continue
        box = next(((a, b, c) for a, b, c in containers if a <= ent.start < b), None)
        lo, hi, case = box if box else (max(0, ent.start - 600), min(len(doc.text), ent.end + 600), doc.case)
        if not case:
            continue
        s, e = sentence_bounds(doc.text, lo, hi, ent.start, ent.end)
        sentence = doc.text[s:e]
        if not sentence or sentence.endswith("?"):  # a question is not testimony that something happened
            continue
        before = doc.text[max(s, ent.start - 40):ent.start]
        if _UNTIL.search(before) or _CITATION.search(before):  # an end of validity, or "(Marcotullio, 2009)"
            continue
        cue = _nearest_cue(sentence, ent.start - s, ent.end - s, _days(ent.normalized) > 31)
        if cue is None:
            continue
        kind, c0, _ = cue
        if kind in _OBJECT_KINDS:
            kind = "signing"
        if kind == "signing":
            section = next((p.section or "" for p in doc.passages if p.start <= ent.start < p.end), "")
            kind = _signing_object(sentence, c0, f"{section}\n{head}")
        cities = _cities(case_by_slug.get(case))
        org_sides = []
        for o in orgs:
            if s <= o.start < e:
                city = o.normalized.rsplit("(", 1)[-1].rstrip(")")
                side = "local" if city in cities.local else "partner" if city in cities.partner else None
                if side:
                    org_sides.append((o.start - s, side))
        side, place = _side_and_place(kind, _mentions(sentence, cities, org_sides), cities)
        status = event_status(sentence, ent.start - s, ent.end - s, kind)
        in_sentence = [x for x in events_ents if s <= x.start < e]
        out.append(TimelineEvent(
            case=case, date=ent.normalized, kind=kind, label=_label(kind, place, sentence, in_sentence),
            side=side, place=place, status=status,
            sources=[EventSource(doc=doc.doc, page=doc.page_at(s), start=s, end=e, quote=sentence, date_text=ent.text,
                                 source=doc.source, doc_type=doc.type)]))
    return out


def _same_family(a: str, b: str) -> bool:
    if a == b:
        return True
    return {a, b} <= SIGNING_KINDS and "signing" in {a, b}


def _compatible_sides(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b or "both" in {a, b}


def _inside(inner: str, outer: str) -> bool:
    i, o = _interval(inner), _interval(outer)
    return bool(i and o and o[0] <= i[0] and i[1] <= o[1])


def merge(mentions: list[TimelineEvent]) -> list[TimelineEvent]:
    """Merge tellings of the same event. Most precise dates first; a vaguer telling joins the single
    event it contains (a 'kunjungan tahun 2015' joins the one visit in 2015; with two it is redundant)."""
    events: list[TimelineEvent] = []
    specific_first = sorted(mentions, key=lambda m: (m.kind == "signing", _days(m.date), m.date))
    for m in specific_first:
        cands = [ev for ev in events if ev.case == m.case and _same_family(ev.kind, m.kind)
                 and _compatible_sides(ev.side, m.side)
                 and (_inside(ev.date, m.date) or _inside(m.date, ev.date))]
        if len(cands) == 1:
            ev = cands[0]
            if ev.side is None or (ev.side == "both" and m.side not in {None, "both"} and ev.kind not in SIGNING_KINDS):
                ev.side = m.side or ev.side
            ev.place = ev.place or m.place
            if ev.label == KIND_LABEL_ID.get(ev.kind) and m.label != KIND_LABEL_ID.get(m.kind):
                ev.label = m.label
            if ev.status != "held" and m.status == "held":
                ev.status = "held"
            if all((s.doc, s.start) != (m.source.doc, m.source.start) for s in ev.sources):
                ev.sources.append(m.source)
        elif not cands:
            events.append(m)
        else:
            log.debug("redundant telling %s %s in %s", m.kind, m.date, m.source.source)
    return sorted(events, key=lambda ev: (ev.case, ev.start_date, ev.end_date, EVENT_KINDS.index(ev.kind)))


def build_timelines(documents: list[Document], cases: list | None = None) -> dict[str, list[TimelineEvent]]:
    """Per case slug, its events in date order, each with every source that tells it."""
    by_slug = {c.slug: c for c in cases or []}
    return timelines_of([m for d in documents for m in mentions_for(d, by_slug)])


def timelines_of(mentions: list[TimelineEvent]) -> dict[str, list[TimelineEvent]]:
    """Per case slug, the merged events of `mentions` (gathered document by document with `mentions_for`)."""
    out: dict[str, list[TimelineEvent]] = {}
    for ev in merge(mentions):
        out.setdefault(ev.case, []).append(ev)
    return out


def event_record(ev: TimelineEvent) -> dict:
    return {"date": ev.date, "start_date": ev.start_date, "end_date": ev.end_date, "kind": ev.kind, "label": ev.label,
            "side": ev.side, "place": ev.place, "status": ev.status,
            "sources": [{"doc": s.doc, "page": s.page, "start": s.start, "end": s.end, "quote": s.quote,
                         "date_text": s.date_text, "source": s.source, "doc_type": s.doc_type} for s in ev.sources]}
