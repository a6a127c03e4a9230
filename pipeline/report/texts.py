"""The fixed texts of the Markdown and HTML reports, in Indonesian (default) and English.

Only the report's own wording changes with the language: verdict summaries come
from the aggregator (Indonesian) and document text is quoted as written.
"""

from __future__ import annotations

LANGS: tuple[str, ...] = ("id", "en")

_ID = {
    "title": "Laporan sistercity",
    "generated": "Dibuat",
    "models": "Model",
    "matrix": "Kasus per elemen",
    "matrix_note": "Warna: status; angka: skor dan jumlah bagian yang mendukung (+) / menunjukkan hambatan (-).",
    "case": "kasus",
    "element": "elemen",
    "comparison": "Perbandingan antarkasus",
    "obstacle_freq": "Frekuensi hambatan per kasus",
    "obstacle_freq_note": "Jumlah bagian teks (unik per kasus) yang menunjukkan tiap hambatan.",
    "patterns": "Pola bersama",
    "stalled": "Kasus yang macet",
    "stalled_def": ("Sebuah kasus dianggap macet bila komitmen tidak terpenuhi, hasil nyata tidak atau hanya "
                    "sebagian terpenuhi, atau sedikitnya dua elemen tidak terpenuhi."),
    "shared_obstacles": "Hambatan yang muncul di sebagian besar kasus macet",
    "co_failing": "Elemen yang gagal bersamaan (tidak terpenuhi di kasus yang sama)",
    "none": "tidak ada",
    "in_cases": "di kasus",
    "also_in": "juga di kasus yang tidak macet",
    "timeline": "Lini masa",
    "timeline_note": "Di atas garis: pihak kota lokal; di bawah: kota mitra; di garis: kedua pihak atau tidak disebut.",
    "date": "tanggal",
    "event": "peristiwa",
    "kind": "jenis",
    "side": "pihak",
    "status_ev": "keadaan",
    "source": "sumber",
    "sources": "sumber",
    "no_events": "Tidak ada peristiwa bertanggal yang ditemukan.",
    "verdicts": "Putusan per elemen",
    "evidence": "Bukti",
    "all_evidence": "Semua bukti",
    "obstacles": "Hambatan",
    "passages": "bagian",
    "notes": "Catatan",
    "override": "Diubah peninjau:",
    "override_tag": "diubah peninjau",
    "override_was": "hasil agregasi",
    "override_reason": "Alasan",
    "gaps": "Kekurangan bukti",
    "gaps_note": "Yang perlu dikumpulkan berikutnya.",
    "missing_docs": "Jenis dokumen yang belum ada",
    "docs_present": "Dokumen yang ada",
    "failed_docs": "Dokumen yang gagal dibaca",
    "documents_read": "Dokumen yang dibaca",
    "appendix": "Lampiran: teks halaman yang dikutip",
    "page": "hlm.",
    "back": "kembali",
    "score": "skor",
    "cases_title": "Kasus",
    "reason": "alasan",
    "doc_types": "jenis dokumen",
    "published": "Penilaian yang dinyatakan dokumen",
    "published_note": ("Kalimat dalam dokumen kasus ini yang menyatakan penilaiannya sendiri atas suatu elemen. "
                       "Buku kode mengodenya netral, jadi tidak dihitung sebagai bukti; di sini dibandingkan dengan "
                       "putusan yang diberikan bukti."),
    "published_doc": "dokumen",
    "published_evidence": "bukti",
    "published_tiebreak": "status diambil dari penilaian dokumen (pemecah skor yang nyaris seimbang)",
    "published_finding": "status diambil dari temuan peneliti yang dinyatakan",
    "published_none": "Tidak ada dokumen yang menyatakan penilaian atas elemen mana pun.",
    "discriminating": "Hambatan yang membedakan kasus macet dari kasus yang berjalan",
    "discriminating_note": ("Hambatan yang lebih sering ada di kasus macet daripada di kasus lain, atau yang porsinya di "
                            "antara bagian teks hambatan kasus macet sedikitnya 1,5 kali porsinya di kasus lain. "
                            "Angka: kasus tempat hambatan itu ada (sedikitnya 2 bagian), lalu jumlah bagian dan "
                            "porsinya di antara semua bagian hambatan."),
    "discriminating_row": ("macet {ns}/{ts} kasus, {ps} bagian ({ss}); berjalan {nw}/{tw} kasus, {pw} bagian ({sw})"),
    "shared_note": "Hambatan yang juga ada di kasus yang berjalan tidak menjelaskan kemacetan; lihat daftar di atas.",
    "why": "Mengapa kerja sama ini macet?",
    "why_stalled": ("Kasus ini tergolong macet (definisi di bagian perbandingan antarkasus). Hambatan diurutkan menurut "
                    "jumlah bagian teks yang menunjukkannya, masing-masing dengan kutipan terkuatnya."),
    "why_working": ("Kasus ini tidak tergolong macet. Hambatan yang tetap ditemukan, diurutkan menurut jumlah bagian "
                    "teks yang menunjukkannya:"),
    "why_none": "Tidak ada hambatan yang dapat dikutip dari dokumen kasus ini.",
    "hurts": "melemahkan",
    "concerns": "menyangkut",
    "side_unknown": "pihak tidak disebut",
    "per_element": "Bukti terkuat per elemen, kedua sisi",
    "for": "mendukung",
    "against": "menghambat",
    "no_quote": "tidak ada bagian substantif",
    "speaker": "penutur",
    "attributed": "dokumen kasus {case}, dikaitkan ke kasus ini karena menyebut kotanya",
    "excluded": ("{n} bagian dari dokumen kasus lain yang dikaitkan pengklasifikasi ke kasus ini tetapi tidak menyebut "
                 "kotanya tidak dikutip."),
    "quote_rule": ("Kutipan hanya dari dokumen kasus ini (atau dari dokumen lain yang menyebut kotanya, dengan asalnya "
                   "disebut); klausul biaya, acara wisata dan jamuan, pertanyaan dan definisi tidak dipakai sebagai "
                   "bukti terkuat."),
    "numbers_title": "Cara membaca angka",
    "verdict_details": "Putusan dan ringkasannya",
}
_EN = {
    "title": "sistercity report",
    "generated": "Generated",
    "models": "Models",
    "matrix": "Cases by element",
    "matrix_note": "Colour: status; figures: score and passages for (+) / showing obstacles (-).",
    "case": "case",
    "element": "element",
    "comparison": "Cross-case comparison",
    "obstacle_freq": "Obstacle frequencies per case",
    "obstacle_freq_note": "Number of passages (unique per case) showing each obstacle.",
    "patterns": "Common patterns",
    "stalled": "Stalled cases",
    "stalled_def": ("A case counts as stalled when commitment is not fulfilled, outcomes are not or only "
                    "partly fulfilled, or at least two elements are not fulfilled."),
    "shared_obstacles": "Obstacles shared by most stalled cases",
    "co_failing": "Elements that co-fail (not fulfilled in the same cases)",
    "none": "none",
    "in_cases": "in cases",
    "also_in": "also in cases that did not stall",
    "timeline": "Timeline",
    "timeline_note": "Above the line: the local city; below: the partner city; on the line: both sides or not stated.",
    "date": "date",
    "event": "event",
    "kind": "kind",
    "side": "side",
    "status_ev": "as told",
    "source": "source",
    "sources": "sources",
    "no_events": "No dated events found.",
    "verdicts": "Verdicts per element",
    "evidence": "Evidence",
    "all_evidence": "All evidence",
    "obstacles": "Obstacles",
    "passages": "passages",
    "notes": "Notes",
    "override": "Overridden by reviewer:",
    "override_tag": "reviewer override",
    "override_was": "the aggregator found",
    "override_reason": "Reason",
    "gaps": "Gaps in the evidence",
    "gaps_note": "What to collect next.",
    "missing_docs": "Kinds of document missing",
    "docs_present": "Documents held",
    "failed_docs": "Documents that could not be read",
    "documents_read": "Documents read",
    "appendix": "Appendix: text of the quoted pages",
    "page": "p.",
    "back": "back",
    "score": "score",
    "cases_title": "Cases",
    "reason": "reason",
    "doc_types": "document types",
    "published": "Published assessments",
    "published_note": ("Sentences in this case's documents that state their own assessment of an element. The "
                       "codebook codes them neutral, so they are not counted as evidence; here they are set beside "
                       "the verdict the evidence gives."),
    "published_doc": "document",
    "published_evidence": "evidence",
    "published_tiebreak": "status taken from the documents' assessment (near-tie break)",
    "published_finding": "status taken from a researcher's stated finding",
    "published_none": "No document states an assessment of any element.",
    "discriminating": "Obstacles that tell stalled from working cases",
    "discriminating_note": ("Obstacles present in more of the stalled cases than of the others, or whose share of the "
                            "stalled cases' obstacle passages is at least 1.5 times their share in the others. Figures: "
                            "cases where the obstacle is present (at least 2 passages), then passages and their share "
                            "of all obstacle passages."),
    "discriminating_row": ("stalled {ns}/{ts} cases, {ps} passages ({ss}); working {nw}/{tw} cases, {pw} passages ({sw})"),
    "shared_note": "Obstacles that working cases share too do not explain stalling; see the list above.",
    "why": "Why does this cooperation stall?",
    "why_stalled": ("This case counts as stalled (definition under the cross-case comparison). The obstacles are "
                    "ranked by the passages that show them, each with its strongest quotes."),
    "why_working": "This case does not count as stalled. The obstacles still found, ranked by the passages that show them:",
    "why_none": "No obstacle can be quoted from this case's documents.",
    "hurts": "hurts",
    "concerns": "concerns",
    "side_unknown": "side not named",
    "per_element": "Strongest evidence per element, both sides",
    "for": "for",
    "against": "against",
    "no_quote": "no substantive passage",
    "speaker": "speaker",
    "attributed": "a document of case {case}, attributed to this case because it names its cities",
    "excluded": ("{n} passages from other cases' documents that the classifier attributed to this case without naming "
                 "its cities are not quoted."),
    "quote_rule": ("Quotes come only from this case's documents (or from others that name its cities, with their origin "
                   "shown); cost clauses, sightseeing and dinners, questions and definitions are never strongest evidence."),
    "numbers_title": "How to read the numbers",
    "verdict_details": "Verdicts and their summaries",
}

STATUS = {
    "id": {"fulfilled": "terpenuhi", "partial": "terpenuhi sebagian", "not_fulfilled": "tidak terpenuhi",
           "insufficient_evidence": "bukti belum cukup"},
    "en": {"fulfilled": "fulfilled", "partial": "partial", "not_fulfilled": "not fulfilled",
           "insufficient_evidence": "insufficient evidence"},
}
ELEMENT = {
    "id": {"commitment": "Komitmen", "participation": "Partisipasi masyarakat", "understanding": "Pemahaman bersama",
           "reciprocity": "Hubungan timbal balik", "outcomes": "Hasil nyata"},
    "en": {"commitment": "Commitment", "participation": "Participation", "understanding": "Shared understanding",
           "reciprocity": "Reciprocity", "outcomes": "Outcomes"},
}
AGREEMENT = {
    "id": {"agrees": "sejalan", "one_step": "berbeda satu tingkat", "conflict": "bertentangan (dua tingkat)",
           "differs": "tidak sebanding (bukti belum cukup di salah satu pihak)",
           "sources_disagree": "dokumen tidak sepakat satu sama lain"},
    "en": {"agrees": "agree", "one_step": "one step apart", "conflict": "conflict (two steps apart)",
           "differs": "not comparable (insufficient evidence on one side)",
           "sources_disagree": "the documents disagree among themselves"},
}
SIDE = {"id": {"local": "kota lokal", "partner": "kota mitra", "both": "kedua pihak", None: "-"},
        "en": {"local": "local city", "partner": "partner city", "both": "both sides", None: "-"}}
EVENT_STATUS = {"id": {"held": "terlaksana", "planned": "direncanakan", "cancelled": "batal/ditunda/tak dijawab",
                       "proposed": "diusulkan/ditawarkan"},
                "en": {"held": "held", "planned": "planned", "cancelled": "cancelled/postponed/unanswered",
                       "proposed": "proposed/offered"}}
GAP_REASON = {
    "id": {"no_evidence": "tidak ada bukti", "thin": "bukti tipis (sedikit bagian)",
           "single_document": "semua bukti dari satu dokumen", "single_doc_type": "semua bukti dari satu jenis dokumen",
           "one_side_only": "bukti hanya menyebut satu pihak"},
    "en": {"no_evidence": "no evidence", "thin": "thin evidence (few passages)",
           "single_document": "all evidence from one document", "single_doc_type": "all evidence from one kind of document",
           "one_side_only": "evidence names one side only"},
}
DOC_KIND = {
    "id": {"loi": "LoI", "mou": "MoU / Nota Kesepahaman", "action_plan": "rencana aksi", "visit_report": "laporan kunjungan",
           "monev_report": "laporan monev", "interview": "transkrip wawancara", "minutes": "notulen rapat",
           "news": "berita", "paper": "makalah/tesis", "other": "lainnya"},
    "en": {"loi": "LoI", "mou": "MoU", "action_plan": "action plan", "visit_report": "visit report",
           "monev_report": "monev report", "interview": "interview transcript", "minutes": "meeting minutes",
           "news": "news", "paper": "paper/thesis", "other": "other"},
}
MISSING_HINT = {
    "id": {"mou": "minta naskah MoU yang ditandatangani (kedua versi bahasa) ke Bagian Kerja Sama",
           "action_plan": "tanyakan apakah ada rencana aksi/PKS per bidang",
           "visit_report": "kumpulkan laporan kunjungan kerja (delegasi dan DPRD)",
           "monev_report": "minta laporan monitoring dan evaluasi; bila tidak ada, itu juga temuan",
           "interview": "wawancarai pejabat penanggung jawab di Bagian Kerja Sama dan dinas pelaksana",
           "minutes": "minta notulen rapat koordinasi/kelompok kerja"},
    "en": {"mou": "ask the cooperation office for the signed MoU (both language versions)",
           "action_plan": "ask whether an action plan or field agreement (PKS) exists",
           "visit_report": "collect the visit reports (delegation and DPRD)",
           "monev_report": "ask for monitoring and evaluation reports; if there are none, that is a finding",
           "interview": "interview the officer in charge at the cooperation office and an implementing agency",
           "minutes": "ask for minutes of coordination / working-group meetings"},
}


def published_items(by_el: dict, lang: str) -> list[tuple]:
    """Per element with a published assessment (pipeline/aggregate/assessments.py), the wording of its
    comparison line: (verdict, element label, published value, evidence status, agreement, tie-break note or "")."""
    t = texts(lang)
    out = []
    for el in ELEMENT[lang]:
        v = by_el.get(el)
        if v is None or not v.assessments:
            continue
        evidence_status = v.evidence_status or v.status
        published = STATUS[lang].get(v.published_assessment or "", AGREEMENT[lang]["sources_disagree"])
        basis = getattr(v, "basis", "tiebreak")
        tie = "" if v.status == evidence_status or v.override else \
            t["published_finding"] if basis == "published" else t["published_tiebreak"]
        out.append((v, ELEMENT[lang][el], published, STATUS[lang][evidence_status], AGREEMENT[lang][v.published_agreement],
                    tie))
    return out


def resolve_lang(lang: str | None) -> str:
    """The report language: the argument (the `lang` setting), else Indonesian."""
    value = (lang or "id").strip().lower()
    if value not in LANGS:
        raise ValueError(f"lang: unknown report language {value!r}; valid values: {', '.join(LANGS)}")
    return value


def texts(lang: str) -> dict[str, str]:
    return _EN if resolve_lang(lang) == "en" else _ID
