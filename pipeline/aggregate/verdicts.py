"""From classified passages to a verdict per case and element.

Each passage that is evidence on an element (stance positive or obstacle)
weighs in with: the model's probability for the element x its stance
confidence x a weight for the kind of source (an interview or visit report
reports what happened; a news item or a secondary paper less directly).
The score is (for - against) / (for + against), in [-1, 1]; too little weight
in total is "insufficient_evidence". Every verdict keeps the passages behind
it, so a researcher can audit it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from pipeline.data import ELEMENTS, Document, Evidence, ObstacleFinding, Passage, SummarySentence, Verdict

SOURCE_WEIGHT = {"interview": 1.0, "visit_report": 1.0, "minutes": 1.0, "mou": 0.8, "other": 0.8,
                 "news": 0.6, "paper": 0.6}


@dataclass(slots=True)
class Thresholds:
    fulfilled: float = 0.35  # score at or above: fulfilled
    not_fulfilled: float = -0.35  # score at or below: not fulfilled
    min_weight: float = 1.5  # less total evidence weight: insufficient evidence
    min_passages: int = 3


ELEMENT_LABEL_ID = {"commitment": "Komitmen", "participation": "Partisipasi masyarakat",
                    "understanding": "Pemahaman bersama", "reciprocity": "Hubungan timbal balik",
                    "outcomes": "Hasil nyata"}
STATUS_ID = {"fulfilled": "terpenuhi", "partial": "terpenuhi sebagian", "not_fulfilled": "tidak terpenuhi",
             "insufficient_evidence": "bukti belum cukup"}
OBSTACLE_ID = {
    "budget": "keterbatasan anggaran", "staff_turnover": "mutasi pejabat tanpa penerus", "language": "kendala bahasa",
    "coordination": "kurangnya koordinasi", "monitoring": "monitoring dan evaluasi yang tidak rutin",
    "no_follow_up": "tidak ada tindak lanjut", "ceremonial": "kegiatan yang sebatas seremonial",
    "leadership_change": "pergantian kepala daerah", "schedule_conflict": "benturan jadwal",
    "institutional_change": "restrukturisasi perangkat daerah", "undefined_outcomes": "target/hasil yang tidak dirumuskan",
    "one_sided_benefit": "manfaat yang hanya dirasakan satu pihak", "hr_capacity": "keterbatasan SDM",
    "bureaucracy": "prosedur birokrasi yang berbelit", "external_crisis": "krisis dari luar (pandemi, bencana)",
}


def passage_weight(p: Passage, element: str, doc_type: str) -> float:
    stance_conf = p.stance_scores.get(p.stance, 1.0) if p.stance_scores else 1.0
    return p.scores.get(element, 1.0) * stance_conf * SOURCE_WEIGHT.get(doc_type, 0.8)


def cite(ev: Evidence) -> str:
    return f"[{ev.source or ev.doc}, hlm. {ev.page}]"


def decide(case: str, element: str, passages: list[Passage], docs: dict[str, Document],
           thresholds: Thresholds | None = None) -> Verdict:
    t = thresholds or Thresholds()
    evidence: list[Evidence] = []
    for p in passages:
        if p.case != case or element not in p.elements or p.stance not in {"positive", "obstacle"}:
            continue
        d = docs.get(p.doc)
        doc_type = d.type if d else "other"
        evidence.append(Evidence(doc=p.doc, page=p.page, start=p.start, end=p.end, quote=p.text, stance=p.stance,
                                 weight=round(passage_weight(p, element, doc_type), 4),
                                 source=d.source if d else None, doc_type=doc_type))
    pos = sum(e.weight for e in evidence if e.stance == "positive")
    neg = sum(e.weight for e in evidence if e.stance == "obstacle")
    total = pos + neg
    score = (pos - neg) / total if total else 0.0
    if total < t.min_weight or len(evidence) < t.min_passages:
        status = "insufficient_evidence"
    elif score >= t.fulfilled:
        status = "fulfilled"
    elif score <= t.not_fulfilled:
        status = "not_fulfilled"
    else:
        status = "partial"
    evidence.sort(key=lambda e: -e.weight)
    obstacles = _obstacles(case, element, passages, evidence)
    verdict = Verdict(case=case, element=element, status=status, score=round(score, 4), evidence=evidence,
                      obstacles=obstacles)
    n_docs = len({e.doc for e in evidence})
    if evidence and n_docs == 1:
        verdict.notes.append("all evidence comes from a single document")
    verdict.sentences = summarize(verdict)
    verdict.summary = " ".join(s.text for s in verdict.sentences)
    return verdict


def _obstacles(case: str, element: str, passages: list[Passage], evidence: list[Evidence]) -> list[ObstacleFinding]:
    by_key = {(e.doc, e.start): e for e in evidence if e.stance == "obstacle"}
    counts: Counter[str] = Counter()
    cited: dict[str, list[Evidence]] = defaultdict(list)
    for p in passages:
        ev = by_key.get((p.doc, p.start))
        if ev is None:
            continue
        for code in p.obstacles:
            counts[code] += 1
            cited[code].append(ev)
    return [ObstacleFinding(code=c, count=n, evidence=sorted(cited[c], key=lambda e: -e.weight))
            for c, n in counts.most_common()]


def summarize(v: Verdict) -> list[SummarySentence]:
    """Indonesian summary sentences; each cites the passages behind it and quotes them exactly."""
    if not v.evidence:
        return []
    label = ELEMENT_LABEL_ID[v.element]
    positives = [e for e in v.evidence if e.stance == "positive"]
    negatives = [e for e in v.evidence if e.stance == "obstacle"]
    out = [_sentence(f"{label}: {STATUS_ID[v.status]} (skor {v.score:+.2f}), dari {len(positives)} bagian yang "
                     f"mendukung dan {len(negatives)} bagian yang menunjukkan hambatan", v.evidence[:3])]
    if positives:
        out.append(_sentence(f"Bukti terkuat yang mendukung: \u201c{positives[0].quote}\u201d", positives[:1]))
    for ob in v.obstacles[:3]:
        out.append(_sentence(f"Hambatan {OBSTACLE_ID.get(ob.code, ob.code)} muncul di {ob.count} bagian", ob.evidence[:3]))
    if negatives and not v.obstacles:
        out.append(_sentence(f"Bukti hambatan terkuat: \u201c{negatives[0].quote}\u201d", negatives[:1]))
    return out


def _sentence(body: str, cites: list[Evidence]) -> SummarySentence:
    return SummarySentence(text=f"{body} " + " ".join(cite(e) for e in cites) + ".", cites=list(cites))


def aggregate(cases: list[str], passages: list[Passage], docs: dict[str, Document],
              thresholds: Thresholds | None = None) -> dict[str, dict[str, Verdict]]:
    return {case: {el: decide(case, el, passages, docs, thresholds) for el in ELEMENTS} for case in cases}
