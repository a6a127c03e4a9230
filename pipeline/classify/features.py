"""Passage features: the text itself plus context tokens from ingestion.

The classifier sees a single string per passage: the passage text, then
marker tokens for the document type, the section heading, the speaker role
and negation/hedging cues. Markers start with "zz" so they never collide with
Indonesian words, and the word and character n-gram vectorisers both see them.
"""

from __future__ import annotations

import re

NEGATION = {"belum", "tidak", "tak", "bukan", "tanpa", "kurang", "hanya", "sekadar", "sebatas", "namun", "tetapi",
            "sayangnya", "terhenti", "berhenti", "sempat", "pernah", "gagal", "terkendala", "kendala", "not", "no",
            "never", "only", "but", "however", "lagi"}
DEFINITION = re.compile(r"\b(yang dimaksud|didefinisikan|definisi|menurut\s+[A-Z]|adalah\s+suatu|merupakan\s+suatu|"
                        r"dalam\s+penelitian\s+ini|metode|teori|konsep|is defined|refers to|framework)\b", re.I)
PLAN = re.compile(r"\b(akan|direncanakan|rencana|diharapkan|perlu|sebaiknya|disarankan|hendaknya|will|should)\b", re.I)


def _slug(text: str | None, limit: int = 4) -> str:
    words = re.findall(r"[a-z]+", (text or "").lower())[:limit]
    return "_".join(words)


def passage_string(text: str, doc_type: str | None = None, section: str | None = None,
                   speaker: str | None = None) -> str:
    tokens = [f"zztype{doc_type or 'other'}"]
    sec = _slug(section)
    if sec:
        tokens.append(f"zzsec{sec.replace('_', 'x')}")
        tokens.extend(f"zzsecw{w}" for w in sec.split("_"))
    if speaker:
        tokens.append("zzturnint" if speaker.strip().lower() in {"p", "pewawancara", "peneliti", "interviewer", "t"} else "zzturninf")
    words = set(re.findall(r"[a-z]+", text.lower()))
    tokens.extend(f"zzneg{w}" for w in sorted(words & NEGATION))
    if DEFINITION.search(text):
        tokens.append("zzdefinition")
    if PLAN.search(text):
        tokens.append("zzplan")
    return text + " " + " ".join(tokens)
