"""Guess a document's type from its name and opening text."""

from __future__ import annotations

import re

RULES: list[tuple[str, re.Pattern[str]]] = [
    ("mou", re.compile(r"nota\s+kesepahaman|memorandum\s+of\s+understanding|\bmou\b|letter\s+of\s+intent|\bloi\b", re.I)),
    ("interview", re.compile(r"transkrip|wawancara|interview", re.I)),
    ("minutes", re.compile(r"notulen|notula|risalah\s+rapat|minutes", re.I)),
    ("visit_report", re.compile(r"laporan\s+(hasil\s+)?kunjungan|kunjungan\s+kerja|laporan\s+monitoring|laporan\s+monev|laporan\s+perjalanan|\blaporan\b", re.I)),
    ("paper", re.compile(r"\babstra(k|ct)\b|daftar\s+pustaka|kata\s+kunci|keywords|\btesis\b|\bskripsi\b|\bjurnal\b", re.I)),
    ("news", re.compile(r"^\s*[A-Z][A-Z .]+,?\s*[\(-–—]|\bberita\b|\bwartawan\b|\breporter\b", re.M)),
]
FILENAME_HINTS = {
    "mou": "mou", "loi": "mou", "nota": "mou", "wawancara": "interview", "transkrip": "interview",
    "notulen": "minutes", "laporan": "visit_report", "berita": "news", "makalah": "paper",
    "tesis": "paper", "jurnal": "paper", "rencana_aksi": "other",
}


def detect_type(name: str, text: str) -> str:
    stem = name.lower()
    for hint, kind in FILENAME_HINTS.items():
        if hint in stem:
            return kind
    head = text[:1500]
    for kind, pattern in RULES:
        if pattern.search(head):
            return kind
    if len(re.findall(r"^\s*[PN]\s*:", text, re.M)) >= 3:
        return "interview"
    return "other"
