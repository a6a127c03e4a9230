"""How the reports say things: one language per report, citations that name case and file once each,
the aggregator's notes in the report's language, and the numbers explained once.

The aggregator (pipeline/aggregate/verdicts.py) writes its summary sentences with a citation per cited
passage (`[file, hlm. N]`, repeated when a passage is cited twice) and its notes in English; the
contract files keep them as they are. The reports read them through these functions.
"""

from __future__ import annotations

import re

from pipeline.aggregate.prose import cite
from pipeline.aggregate.verdicts import RULE_NOTES
from pipeline.data import Evidence
from pipeline.report.texts import ELEMENT, SIDE, STATUS

NUMBERS = {
    "id": ("Cara membaca angka. Skor sebuah elemen berkisar dari -1 sampai +1: (bobot bukti yang mendukung - bobot "
           "bukti hambatan) / (jumlah keduanya). Bobot sebuah bagian teks adalah keyakinan pengklasifikasi x bobot "
           "jenis dokumennya (wawancara, laporan kunjungan, notulen 1,0; MoU dan lainnya 0,8; berita dan makalah "
           "0,6); sebelum skor dihitung, jumlah bobot itu dikoreksi untuk kekeliruan pengklasifikasi yang terukur "
           "antara bukti pendukung dan hambatan. Karena itu '148+/28-' (jumlah bagian teks yang mendukung / "
           "menunjukkan hambatan, sebelum koreksi) dapat berdampingan dengan skor +1,00: setelah koreksi, 28 bagian "
           "itu tidak lagi berbobot. Skor +0,45 ke atas: terpenuhi; -0,40 ke bawah: tidak terpenuhi; di antaranya: "
           "terpenuhi sebagian. Tanpa satu pun kesaksian (account) atau temuan peneliti tentang elemen itu, status "
           "dibaca dari probabilitas pengklasifikasi atas semua bagian teks kasus (catatan 'thin evidence'); bila "
           "bobot harapannya pun di bawah 0,3: bukti belum cukup. Temuan peneliti yang tertulis menetapkan status "
           "(basis 'published')."),
    "en": ("How to read the numbers. An element's score runs from -1 to +1: (weight of supporting evidence - weight "
           "of obstacle evidence) / (both together). A passage weighs the classifier's confidence x the weight of "
           "its document type (interviews, visit reports, minutes 1.0; MoUs and others 0.8; news and papers 0.6); "
           "before the score is taken, those sums are corrected for the classifier's measured confusion between "
           "supporting and obstacle evidence. So '148+/28-' (passages for / showing obstacles, before the "
           "correction) can stand beside a score of +1.00: after the correction those 28 passages weigh nothing. "
           "A score of +0.45 or more: fulfilled; -0.40 or less: not fulfilled; in between: partial. With no account or "
           "researcher's finding on the element, the status is read from the classifier's probabilities over all "
           "the case's passages (a 'thin evidence' note); when even their expected weight is under 0.3: insufficient "
           "evidence. A researcher's stated finding sets the status (basis 'published')."),
}
PAGE = {"id": "hlm.", "en": "p."}


def cite_label(ev, doc_case: dict[str, str | None], lang: str) -> str:
    """`case/file, page N`: unambiguous where several cases hold a file of the same name."""
    name = ev.source or ev.doc
    home = doc_case.get(ev.doc)
    return f"{home}/{name}, {PAGE[lang]} {ev.page}" if home else f"{name}, {PAGE[lang]} {ev.page}"


def unique_cites(cites: list) -> list:
    """The cited passages, each once, in order (a passage cited twice in a sentence is one citation)."""
    seen, out = set(), []
    for ev in cites:
        key = (ev.doc, ev.start, ev.end)
        if key not in seen:
            seen.add(key)
            out.append(ev)
    return out


def sentence_body(text: str, cites: list[Evidence]) -> str:
    """A summary sentence without the citations the aggregator appended (`[file, hlm. N] ... .`)."""
    body = text
    for ev in cites:
        body = body.replace(" " + cite(ev), "", 1)
    body = body.rstrip()
    return body[:-1].rstrip() if body.endswith(".") else body


def pages_label(cites: list, doc_case: dict[str, str | None], lang: str) -> list[tuple[object, str]]:
    """(evidence, label) per unique citation; the same document and page cited twice counts once."""
    out, labels = [], set()
    for ev in unique_cites(cites):
        label = cite_label(ev, doc_case, lang)
        if label not in labels:
            labels.add(label)
            out.append((ev, label))
    return out


_TOO_LITTLE = re.compile(r"too little evidence to judge: (\d+) passages of weight ([\d.]+) \(a verdict needs at least "
                         r"(\d+) passages and weight ([\d.]+)\)")
_ADJUSTED = re.compile(r"score from the evidence balance adjusted for the classifier's measured positive/obstacle "
                       r"confusion on (\w+) \(([\d.]+) for, ([\d.]+) against\)")
_ONE_SIDE = re.compile(r"the evidence that names a city names only the (\w+) side")
_GAP = re.compile(r"gap: the documents hardly speak to (\w+): (\d+) evidence passages \((\d+) accounts, (\d+) "
                  r"announcements\) and (\d+) stated verdicts of weight ([\d.]+)")
_THIN = re.compile(r"thin evidence: (\d+) passages of weight ([\d.]+);")
_RESTS = re.compile(r"the passages alone hardly speak to (\w+) \((\d+) evidence passages of weight ([\d.]+)\)")
_KINDS = re.compile(r"(\d+) passages are (announcements|background)")
_PUBLISHED = re.compile(r"published assessment \(")


def _num(x: str, lang: str) -> str:
    return x.replace(".", ",") if lang == "id" else x


def note_text(note: str, lang: str) -> str | None:
    """An aggregator note in the report's language; None for notes the report says elsewhere (the
    confusion adjustment is explained once, published assessments have their own part)."""
    if _ADJUSTED.match(note) or _PUBLISHED.match(note):
        return None
    if lang == "en":
        return note
    if m := _TOO_LITTLE.match(note):
        return (f"bukti terlalu sedikit untuk dinilai: {m[1]} bagian dengan bobot {_num(m[2], lang)} (sebuah putusan "
                f"memerlukan sedikitnya {m[3]} bagian dan bobot {_num(m[4], lang)})")
    if m := _GAP.match(note):
        return (f"celah: dokumen hampir tidak berbicara tentang {ELEMENT['id'].get(m[1], m[1]).lower()}: {m[2]} bagian "
                f"bukti ({m[3]} keterangan, {m[4]} pengumuman) dan {m[5]} penilaian yang dinyatakan, berbobot "
                f"{_num(m[6], lang)}, dan tidak ada temuan peneliti tentangnya (sebuah putusan memerlukan sedikitnya satu "
                f"keterangan tentang apa yang terjadi, atau temuan peneliti)")
    if m := _THIN.match(note):
        return (f"bukti tipis: {m[1]} bagian berbobot {_num(m[2], lang)}; bacalah putusan ini sebagai petunjuk untuk "
                f"diperiksa, bukan temuan")
    if m := _RESTS.match(note):
        return (f"bagian teks saja hampir tidak berbicara tentang {ELEMENT['id'].get(m[1], m[1]).lower()} ({m[2]} bagian "
                f"bukti berbobot {_num(m[3], lang)}): putusan ini bertumpu pada temuan yang dinyatakan peneliti")
    if note == RULE_NOTES.get("announcements"):
        return ("skornya mencapai 'terpenuhi', tetapi sebagian besar dukungannya berupa pengumuman (rencana, harapan, "
                "penandatanganan dan kunjungan dalam berita atau laman web), bukan cerita tentang apa yang terjadi, jadi: "
                "terpenuhi sebagian")
    if (m := _KINDS.match(note)) and ";" not in note:
        return (f"{m[1]} bagian berupa pengumuman (rencana, harapan, atau penandatanganan dan kunjungan menurut berita "
                f"atau laman web) dan berbobot 0,3 dari sebuah keterangan" if m[2] == "announcements" else
                f"{m[1]} bagian berupa latar belakang (definisi, pustaka) dan tidak berbobot")
    if note == "all evidence comes from a single document":
        return "semua bukti berasal dari satu dokumen"
    if m := _ONE_SIDE.match(note):
        return f"bukti yang menyebut kota hanya menyebut {SIDE['id'].get(m[1], m[1])}"
    if note == RULE_NOTES.get("one_document"):
        return ("skornya mencapai 'terpenuhi', tetapi semua bukti pendukung berasal dari satu dokumen; buku kode "
                "meminta lebih dari satu dokumen atau peristiwa, jadi: terpenuhi sebagian")
    if note == RULE_NOTES.get("one_side"):
        return ("skornya mencapai 'terpenuhi', tetapi bagian pendukung yang menyebut kota semuanya menyebut pihak yang "
                "sama; buku kode meminta elemen ini terlihat dari kedua pihak, jadi: terpenuhi sebagian")
    for el in ELEMENT["en"]:  # anything else: element and status names at least in Indonesian
        note = note.replace(f" {el} ", f" {ELEMENT['id'][el].lower()} ")
    for st in STATUS["en"]:
        note = re.sub(rf"\b{st}\b", STATUS["id"][st], note)
    return note
