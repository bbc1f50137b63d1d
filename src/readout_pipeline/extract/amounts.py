"""Money amounts: "$600 million", "US$ 1.2 billion", "€50 million", "5 million euros"."""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "m": 1e6, "bn": 1e9, "mn": 1e6}
_SYMBOL = {"$": "USD", "US$": "USD", "USD": "USD", "€": "EUR", "EUR": "EUR", "£": "GBP", "GBP": "GBP",
           "CAD": "CAD", "C$": "CAD", "A$": "AUD", "AUD": "AUD", "¥": "JPY", "JPY": "JPY"}
_WORD_CUR = {"dollars": "USD", "euros": "EUR", "euro": "EUR", "pounds": "GBP", "pounds sterling": "GBP"}
_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_UNIT = r"(?:\s?(?P<unit>thousand|million|billion|trillion|bn|mn|m)\b)?"
_PREFIX = re.compile(r"(?P<cur>US\$|C\$|A\$|\$|€|£|¥|\b(?:USD|EUR|GBP|CAD|AUD|JPY)\s?)" + _NUM + _UNIT)
_SUFFIX = re.compile(_NUM + r"\s(?P<unit>thousand|million|billion|trillion)?\s?(?P<cur>U\.S\. dollars|dollars|euros?|pounds(?: sterling)?)\b")


@dataclass(frozen=True, slots=True)
class Found:
    value: float
    currency: str
    unit: str | None
    mention: str
    context: str
    start: int
    end: int


def _context(text: str, s: int, e: int, sent) -> str:
    a, b = max(sent.start, s - 100), min(sent.end, e + 100)
    return " ".join(text[a:b].split())


_CHEAP = re.compile(r"[$€£¥]|USD|EUR|GBP|CAD|AUD|JPY|dollars|euros?\b|pounds")


def find_amounts(text: str, sidx) -> list[Found]:
    out: list[Found] = []
    if not _CHEAP.search(text):
        return out
    taken: list[tuple[int, int]] = []
    for rx, prefix in ((_PREFIX, True), (_SUFFIX, False)):
        for m in rx.finditer(text):
            s, e = m.start(), m.end()
            if any(a < e and s < b for a, b in taken):
                continue
            cur_raw = m.group("cur").strip()
            cur = _SYMBOL.get(cur_raw) if prefix else _WORD_CUR.get(cur_raw.replace("U.S. ", ""), "USD")
            if cur is None:
                continue
            unit = m.group("unit")
            value = float(m.group("num").replace(",", "")) * _UNITS.get(unit or "", 1.0)
            taken.append((s, e))
            out.append(Found(value, cur, {"m": "million", "mn": "million", "bn": "billion"}.get(unit or "", unit),
                             m.group(), _context(text, s, e, sidx.of(s)), s, e))
    out.sort(key=lambda f: f.start)
    return out
