"""Country mentions: ISO 3166-1 names from pycountry, plus aliases and demonyms kept as data.

`data/country_aliases.csv` adds alternates (Türkiye/Turkey, U.S., DPRK; code "-" marks a phrase that
is not a country and blocks the shorter name inside it, e.g. "New Jersey"); `data/demonyms.csv` maps
demonyms that stand for a country ("Turkish Foreign Minister" → TUR).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pycountry

from ._text import gazetteer_regex, norm_key, read_csv, word_matches


@dataclass(frozen=True, slots=True)
class Found:
    country_code: str
    mention: str
    start: int
    end: int


@cache
def _table() -> tuple[dict[str, str], object]:
    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value and "," not in value and "(" not in value:
                names[norm_key(value)] = c.alpha_3
    for row in read_csv("country_aliases.csv"):
        names[norm_key(row["alias"])] = row["country_code"]
    for row in read_csv("demonyms.csv"):
        names[norm_key(row["demonym"])] = row["country_code"]
    return names, gazetteer_regex(list(names))


def find_countries(text: str) -> list[Found]:
    names, rx = _table()
    out = []
    for m in word_matches(rx, text):  # type: ignore[arg-type]
        code = names.get(norm_key(m.group()))
        if code and code != "-":
            out.append(Found(code, m.group(), m.start(), m.end()))
    return out


@cache
def name_of(code: str) -> str:
    c = pycountry.countries.get(alpha_3=code)
    return c.name if c else code


def country_names() -> dict[str, str]:
    """Normalized country surface (name, alias or demonym) → code ("-" for a blocked phrase)."""
    return _table()[0]
