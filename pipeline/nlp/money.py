"""Money amounts: "Rp 150 juta", "Rp1,5 miliar", "Rp 2.500.000,00", "KRW 20 juta", "USD 5,000"."""

from __future__ import annotations

import re
from dataclasses import dataclass

SCALES = {"ribu": 10**3, "rb": 10**3, "juta": 10**6, "jt": 10**6, "miliar": 10**9, "milyar": 10**9,
          "m": 10**9, "triliun": 10**12, "t": 10**12, "thousand": 10**3, "million": 10**6, "billion": 10**9}
CURRENCY = r"(?P<cur>Rp\.?|IDR|USD|US\$|\$|KRW|₩|JPY|¥|CNY|RMB|EUR|€|AUD|A\$)"
AMOUNT = r"(?P<num>\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?)"
SCALE = r"(?:\s*(?P<scale>ribu|rb|juta|jt|miliar|milyar|triliun|thousand|million|billion)\b)?"
MONEY = re.compile(rf"(?<!\w){CURRENCY}\s?{AMOUNT}{SCALE}(?:,-)?", re.I)
CODES = {"rp": "IDR", "rp.": "IDR", "idr": "IDR", "usd": "USD", "us$": "USD", "$": "USD", "krw": "KRW", "₩": "KRW",
         "jpy": "JPY", "¥": "JPY", "cny": "CNY", "rmb": "CNY", "eur": "EUR", "€": "EUR", "aud": "AUD", "a$": "AUD"}


@dataclass(slots=True)
class MoneyMatch:
    start: int
    end: int
    text: str
    value: str  # rupiah as an integer string, or "CUR amount" for other currencies


def parse_number(num: str, has_scale: bool) -> float:
    """Indonesian style uses "." for thousands and "," for decimals; English the reverse."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?", num):
        return float(num.replace(".", "").replace(",", "."))
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?", num):
        return float(num.replace(",", ""))
    if "," in num:
        return float(num.replace(",", "."))
    if "." in num and has_scale:
        return float(num)
    if "." in num:  # "Rp 150.000" without a scale: thousands
        return float(num.replace(".", ""))
    return float(num)


def find_money(text: str) -> list[MoneyMatch]:
    out = []
    for m in MONEY.finditer(text):
        scale = (m.group("scale") or "").lower()
        amount = parse_number(m.group("num"), bool(scale)) * SCALES.get(scale, 1)
        code = CODES.get(m.group("cur").lower(), m.group("cur").upper())
        end = m.end()
        value = str(round(amount)) if code == "IDR" else f"{code} {round(amount)}"
        out.append(MoneyMatch(m.start(), end, text[m.start():end], value))
    return out
