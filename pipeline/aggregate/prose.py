"""The prose of a verdict: its summary sentences in Indonesian and English, each citing and quoting the
passages behind it, and the labels they use. The decision itself is `pipeline.aggregate.verdicts`;
the fixed texts of the reports around the verdicts are `pipeline.report.texts` (their wording of the
statuses and elements differs from these sentences', and both are part of the output files)."""

from __future__ import annotations

from typing import Protocol

from pipeline.aggregate.assessments import FINDING_TYPES
from pipeline.data import Assessment, Case, Evidence, SummarySentence, Verdict


class TieBreak(Protocol):
    """What a summary needs of the thresholds whose published tie-break set a status (`Thresholds`)."""

    tiebreak_margin: float

    def cut_between(self, a: str, b: str, element: str | None) -> float: ...


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


def cite(ev: Evidence) -> str:
    return f"[{ev.source or ev.doc}, hlm. {ev.page}]"


TEXTS = {
    "id": {
        "head": "{label}: {status} (skor {score:+.2f}), dari {pos} bagian yang mendukung dan {neg} bagian yang menunjukkan hambatan",
        "best": "Bukti terkuat yang mendukung: \u201c{quote}\u201d",
        "obstacle": "Hambatan {name} muncul di {count} bagian",
        "worst": "Bukti hambatan terkuat: \u201c{quote}\u201d",
        "sides": "Bukti yang menyebut pelaku: {local} bagian tentang {local_city}, {partner} bagian tentang {partner_city}",
        "one_document": "Skornya mencapai \u201cterpenuhi\u201d, tetapi semua bukti pendukung berasal dari satu dokumen; buku kode meminta bukti dari lebih dari satu dokumen atau peristiwa, jadi elemen ini dinilai terpenuhi sebagian",
        "one_side": "Skornya mencapai \u201cterpenuhi\u201d, tetapi bukti pendukung yang menyebut kota hanya menyebut {city}; buku kode meminta elemen ini terlihat dari kedua pihak, jadi elemen ini dinilai terpenuhi sebagian",
        "announcements": "Skornya mencapai \u201cterpenuhi\u201d, tetapi sebagian besar bukti pendukung berupa pengumuman (rencana, harapan, penandatanganan atau kunjungan yang diberitakan), bukan laporan tentang apa yang terjadi, jadi elemen ini dinilai terpenuhi sebagian",
        "finding": "Temuan peneliti yang dinyatakan tentang elemen ini menentukan penilaian: {value}",
        "published": "Penilaian yang dinyatakan sebuah {kind}: {value}, \u201c{quote}\u201d",
        "published_vs": "Bukti dalam dokumen-dokumen memberi {status} (skor {score:+.2f}), {relation}",
        "tiebreak": "Skor bukti ({score:+.2f}) hanya berjarak {gap:.2f} dari batas antara {a} dan {b} (paling jauh {margin:g}), dan penilaian yang dinyatakan dokumen adalah {b}, jadi elemen ini dinilai {b}",
        "cite": "hlm.",
    },
    "en": {
        "head": "{label}: {status} (score {score:+.2f}), from {pos} supporting passages and {neg} passages showing obstacles",
        "best": "Strongest supporting evidence: \u201c{quote}\u201d",
        "obstacle": "The obstacle {name} appears in {count} passages",
        "worst": "Strongest evidence of an obstacle: \u201c{quote}\u201d",
        "sides": "Evidence naming who acted: {local} passages about {local_city}, {partner} about {partner_city}",
        "one_document": "The score reaches \u201cfulfilled\u201d, but all supporting evidence comes from one document; the codebook asks for more than one document or occasion, so the element is rated partly fulfilled",
        "one_side": "The score reaches \u201cfulfilled\u201d, but the supporting passages that name a city name only {city}; the codebook asks this element to be shown from both sides, so it is rated partly fulfilled",
        "announcements": "The score reaches \u201cfulfilled\u201d, but most of the supporting evidence is announced (plans, hopes, signings or visits in the news) rather than told as what happened, so the element is rated partly fulfilled",
        "finding": "A researcher's stated finding on this element sets the verdict: {value}",
        "published": "Assessment stated in a {kind}: {value}, \u201c{quote}\u201d",
        "published_vs": "The evidence in the documents gives {status} (score {score:+.2f}), {relation}",
        "tiebreak": "The evidence score ({score:+.2f}) lies only {gap:.2f} from the cut-off between {a} and {b} (at most {margin:g}), and the documents' own assessment is {b}, so the element is rated {b}",
        "cite": "hlm.",
    },
}
ELEMENT_LABEL_EN = {"commitment": "Commitment", "participation": "Community participation",
                    "understanding": "Shared understanding", "reciprocity": "Reciprocity", "outcomes": "Tangible outcomes"}
STATUS_EN = {"fulfilled": "fulfilled", "partial": "partly fulfilled", "not_fulfilled": "not fulfilled",
             "insufficient_evidence": "insufficient evidence"}


def summarize(v: Verdict, case_info: Case | None = None, lang: str = "id", rule: str | None = None,
              tiebreak: TieBreak | None = None) -> list[SummarySentence]:
    """Summary sentences (Indonesian, or English with lang="en"); each cites the passages
    behind it and quotes them exactly. `rule` = the codebook rule that kept the verdict from
    `fulfilled` (Thresholds.judge), explained in a sentence citing the supporting passages; then the
    published assessments (`published_sentences`; `tiebreak`: the thresholds whose tie-break set the status)."""
    if lang not in TEXTS:
        raise ValueError(f"lang must be one of {sorted(TEXTS)}, got {lang!r}")
    out = evidence_sentences(v, case_info, lang, rule) if v.evidence else []
    return out + published_sentences(v, lang, tiebreak)


def evidence_sentences(v: Verdict, case_info: Case | None, lang: str, rule: str | None) -> list[SummarySentence]:
    tx = TEXTS[lang]
    label = (ELEMENT_LABEL_ID if lang == "id" else ELEMENT_LABEL_EN)[v.element]
    status = (STATUS_ID if lang == "id" else STATUS_EN)[v.status]
    positives = [e for e in v.evidence if e.stance == "positive"]
    negatives = [e for e in v.evidence if e.stance == "obstacle"]
    out = [_sentence(tx["head"].format(label=label, status=status, score=v.score, pos=len(positives), neg=len(negatives)),
                     v.evidence[:3])]
    if positives:
        out.append(_sentence(tx["best"].format(quote=positives[0].quote), positives[:1]))
    for ob in v.obstacles[:3]:
        name = OBSTACLE_ID.get(ob.code, ob.code) if lang == "id" else ob.code.replace("_", " ")
        out.append(_sentence(tx["obstacle"].format(name=name, count=ob.count), ob.evidence[:3]))
    if negatives and not v.obstacles:
        out.append(_sentence(tx["worst"].format(quote=negatives[0].quote), negatives[:1]))
    if rule == "one_document":
        out.append(_sentence(tx["one_document"], positives[:3]))
    elif rule == "announcements":
        out.append(_sentence(tx["announcements"], [e for e in positives if e.kind == "announcement"][:3]))
    elif rule == "one_side":
        named = [e for e in positives if e.side in {"local", "partner"}]
        city = _city_name(case_info, named[0].side) if named else None
        out.append(_sentence(tx["one_side"].format(city=city or named[0].side), named[:3]))
    local = [e for e in v.evidence if e.side == "local"]
    partner = [e for e in v.evidence if e.side == "partner"]
    if case_info is not None and case_info.local and case_info.partner and (local or partner) and v.element in {"commitment", "reciprocity"}:
        out.append(_sentence(tx["sides"].format(local=len(local), partner=len(partner), local_city=case_info.local.name,
                                                partner_city=case_info.partner.name), (local[:2] + partner[:2])))
    return out


def assessment_evidence(a: Assessment) -> Evidence:
    """An assessment as a citable span (stance "published": not evidence, never weighed)."""
    return Evidence(doc=a.doc, page=a.page, start=a.start, end=a.end, quote=a.quote, stance="published",
                    source=a.source, doc_type=a.doc_type)


def published_sentences(v: Verdict, lang: str, tiebreak: TieBreak | None = None) -> list[SummarySentence]:
    """One sentence per published assessment (its value, quoted and cited), then how they relate to the
    evidence-based status, citing them; and when they broke a tie, why."""
    if not v.assessments:
        return []
    tx = TEXTS[lang]
    statuses = STATUS_ID if lang == "id" else STATUS_EN
    kinds = PUBLISHED_KIND[lang]
    out, cites = [], []
    for a in v.assessments:
        ev = assessment_evidence(a)
        cites.append(ev)
        out.append(_sentence(tx["published"].format(kind=kinds.get(a.doc_type, kinds["other"]), value=statuses[a.value],
                                                    quote=a.quote), [ev]))
    unique = list({(e.doc, e.start, e.end): e for e in cites}.values())
    relation = PUBLISHED_RELATION[lang].get(v.published_agreement or "", "")
    evidence_status = v.evidence_status or v.status
    out.append(_sentence(tx["published_vs"].format(status=statuses[evidence_status], score=v.score, relation=relation),
                         unique[:3]))
    if v.basis == "published":
        findings = [e for a, e in zip(v.assessments, cites) if a.doc_type in FINDING_TYPES and a.value == v.status]
        out.append(_sentence(tx["finding"].format(value=statuses[v.status]), findings[:3] or unique[:3]))
    if tiebreak is not None and v.status != evidence_status:
        cut = tiebreak.cut_between(evidence_status, v.status, v.element)
        out.append(_sentence(tx["tiebreak"].format(score=v.score, gap=abs(v.score - cut), a=statuses[evidence_status],
                                                   b=statuses[v.status], margin=tiebreak.tiebreak_margin), unique[:3]))
    return out


PUBLISHED_KIND = {
    "id": {"paper": "makalah/tesis", "news": "berita", "visit_report": "laporan kunjungan", "minutes": "notulen rapat",
           "interview": "transkrip wawancara", "mou": "naskah perjanjian", "other": "dokumen"},
    "en": {"paper": "paper/thesis", "news": "news item", "visit_report": "visit report", "minutes": "meeting minutes",
           "interview": "interview transcript", "mou": "agreement text", "other": "document"},
}
PUBLISHED_RELATION = {
    "id": {"agrees": "sejalan dengan penilaian itu", "one_step": "berbeda satu tingkat dari penilaian itu",
           "conflict": "bertentangan dengan penilaian itu (berbeda dua tingkat)",
           "differs": "tidak dapat dibandingkan langsung, karena salah satunya menyatakan bukti belum cukup",
           "sources_disagree": "sementara dokumen-dokumen itu sendiri tidak sepakat"},
    "en": {"agrees": "in agreement with that assessment", "one_step": "one step away from that assessment",
           "conflict": "in conflict with that assessment (two steps apart)",
           "differs": "not directly comparable, as one of them says the evidence is insufficient",
           "sources_disagree": "while the documents themselves disagree"},
}


def _city_name(case_info: Case | None, side: str) -> str | None:
    city = None if case_info is None else (case_info.local if side == "local" else case_info.partner)
    return city.name if city is not None else None


def _sentence(body: str, cites: list[Evidence]) -> SummarySentence:
    return SummarySentence(text=f"{body} " + " ".join(cite(e) for e in cites) + ".", cites=list(cites))
