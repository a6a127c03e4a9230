"""Guess a document's type from its name and its text.

A file name that says what it is ("mou_2014", "wawancara_dlh") decides. Otherwise the
text does, by structure rather than by a word anywhere in it: a news item mentions
"MoU" and an abstract mentions "wawancara" without being either. An agreement has a
title and numbered articles; a transcript has speaker turns; a paper has an abstract,
key words, chapters, a method or references; a news item has a dateline, reporting
verbs, bylines and "Baca juga" links. A saved web page's address on its first line
("# source: https://...") is a hint too.
"""

from __future__ import annotations

import re

FILENAME_HINTS = {
    "mou": "mou", "loi": "mou", "nota": "mou", "wawancara": "interview", "transkrip": "interview",
    "notulen": "minutes", "laporan": "visit_report", "berita": "news", "makalah": "paper",
    "tesis": "paper", "jurnal": "paper", "rencana_aksi": "other",
}

_AGREEMENT_TITLE = re.compile(
    r"nota\s+kesepahaman|memorandum\s+of\s+understanding|letter\s+of\s+intent|surat\s+pernyataan\s+kehendak|"
    r"persetujuan\s+(kota\s+)?(bersaudara|kembar|kerja\s*sama)|perjanjian\s+kerja\s*sama|"
    r"(sister|twin|friendship)[\s-]+city\s+agreement|agreement\s+(on|for|between)", re.I)
_ARTICLE = re.compile(r"^\s*(#\s*)?(pasal|article)\s+(\d+|[IVX]+)\b", re.I | re.M)
_TURN = re.compile(r"^\s*(P|N|T|J|Pewawancara|Informan|Narasumber|Interviewer|Respondent|Q|A)\s*:", re.M)
_MINUTES = re.compile(r"notulen|notula|risalah\s+rapat|minutes\s+of\s+(the\s+)?meeting", re.I)
_VISIT = re.compile(r"laporan\s+(hasil\s+)?(kunjungan|perjalanan\s+dinas)|laporan\s+monitoring|laporan\s+monev|"
                    r"kunjungan\s+kerja\b.*\blaporan|trip\s+report|visit\s+report", re.I)
_PAPER_CUES = [re.compile(p, re.I | re.M) for p in (
    r"\babstra(k|ct)\b", r"\b(kata\s+kunci|keywords?)\s*:", r"\b(penelitian|kajian|studi|tulisan|artikel)\s+ini\b",
    r"\bthis\s+(study|research|article|paper|thesis)\b", r"^\s*(#\s*)?BAB\s+[IVX]+\b", r"tinjauan\s+pustaka",
    r"daftar\s+pustaka|^\s*(#\s*)?references\s*$|bibliography", r"metode\s+penelitian|research\s+method",
    r"\b(skripsi|tesis|disertasi|thesis|dissertation)\b", r"\b(jurnal|journal)\b", r"\bet\s+al\.",
    r"\bdoi\b|\bissn\b|\bvol\.\s*\d", r"\((19|20)\d\d\)|,\s*(19|20)\d\d\)", r"\b(informan|respondents?)\b",
)]
_NEWS_CUES = [re.compile(p, re.I | re.M) for p in (
    r"^\s*[A-Z][A-Za-z .'-]{2,40},\s*([A-Z][A-Za-z.]+(\.com|\.id|\.co\.id)?\s*)?[-–—]",  # "KUPANG, Pos Kupang -"
    r"\(antara\)|\b[A-Z]+\.com\b|\bkompas\.com\b", r"baca\s+juga", r"\b(editor|penulis|reporter|pewarta|wartawan)\s*:",
    r"\b(kata|ujar|ucap|tutur|jelas|ungkap)(nya)?\s+(dia|ia|beliau)\b|,\s*(kata|ujar|ucap|tutur)(nya)?\b|\bujarnya\b|\bkatanya\b",
    r"\b(said|told)\b", r"\bbagikan\b|\bshare\b", r"\bWIB\b|\bWITA\b|\bWIT\b", r"\bberita\b|\bnews\b",
)]
# a thesis chapter or an article opens with its chapter heading or abstract: that decides before a visit report's or
# minutes' title phrase, which a findings chapter quotes ("Laporan perjalanan dinas mencatat ...")
_PAPER_OPENING = re.compile(r"^\s*(#\s*)?(BAB\s+[IVX]+\b|abstra(k|ct)\b)", re.I | re.M)
_URL = re.compile(r"^\s*#?\s*(source|sumber)\s*:\s*(\S+)", re.I)
_URL_NEWS = re.compile(r"news|berita|/read/|/artikel/|antara|kompas|detik|tribun|tempo|republika|okezone|liputan6", re.I)
_URL_PAPER = re.compile(r"journal|jurnal|ejournal|e-journal|repository|repositori|eprints|etd\.|garuda|doi\.org|"
                        r"scholar|academia|researchgate|\.ac\.id|\.edu", re.I)


def detect_type(name: str, text: str) -> str:
    first = re.split(r"[\W_]+", name.lower(), maxsplit=1)[0]  # "mou_2014.pdf" -> "mou"; a headline slug's "...-mou" is no hint
    if first == "rencana" and name.lower().startswith(("rencana_aksi", "rencana-aksi")):
        return "other"
    if first in FILENAME_HINTS:
        return FILENAME_HINTS[first]
    head = text[:3000]
    opening = text[:800]
    if _AGREEMENT_TITLE.search(opening) and len(_ARTICLE.findall(text)) >= 2:
        return "mou"
    if len(_TURN.findall(text)) >= 3 or re.search(r"transkrip\s+wawancara|interview\s+transcript", opening, re.I):
        return "interview"
    if _PAPER_OPENING.search(opening):
        return "paper"
    if _MINUTES.search(opening):
        return "minutes"
    if _VISIT.search(opening):
        return "visit_report"
    paper = sum(bool(p.search(head)) for p in _PAPER_CUES)
    news = sum(bool(p.search(head)) for p in _NEWS_CUES)
    url = _URL.match(text)
    if url:
        paper += 2 * bool(_URL_PAPER.search(url.group(2)))
        news += 2 * bool(_URL_NEWS.search(url.group(2)))
    if paper >= 2 and paper >= news:
        return "paper"
    if news >= 2:
        return "news"
    return "other"
