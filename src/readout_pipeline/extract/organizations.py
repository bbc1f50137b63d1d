"""Organization mentions from the gazetteer `data/organizations.csv` (id, canonical name, aliases).

Besides the aliases, Coalition working groups named in a shared-head list are found through their
`list_names`: "the Communications, Countering-ISIS Finance, and Foreign Terrorist Fighters Working
Groups" and "Working Groups, including Communications, Counter ISIS Finance, ... and Stabilization".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ._text import gazetteer_regex, norm_key, read_csv, word_matches


@dataclass(frozen=True, slots=True)
class Found:
    org_id: str
    name: str
    mention: str
    start: int
    end: int


@cache
def _table():
    alias: dict[str, str] = {}
    names: dict[str, str] = {}
    listed: dict[str, str] = {}
    for row in read_csv("organizations.csv"):
        names[row["org_id"]] = row["name"]
        for a in row["aliases"].split("|"):
            if a:
                alias[norm_key(a)] = row["org_id"]
        for a in row["list_names"].split("|"):
            if a:
                listed[norm_key(a).lower()] = row["org_id"]
    list_rx = gazetteer_regex(list(listed), ignore_case=True)
    return alias, names, gazetteer_regex(list(alias)), listed, list_rx


_GROUPS_BEFORE = re.compile(r"((?:[A-Z][\w\-/ ]+?,\s+)+(?:and\s+)?[A-Z][\w\-/ ]+?)\s+Working\s+Groups\b")
_GROUPS_AFTER = re.compile(r"Working\s+Groups,?\s+(?:including|namely|:)\s+([^.;]+)")


def find_organizations(text: str) -> list[Found]:
    alias, names, rx, listed, list_rx = _table()
    out: list[Found] = []
    taken: list[tuple[int, int]] = []
    for m in word_matches(rx, text):
        oid = alias[norm_key(m.group())]
        out.append(Found(oid, names[oid], m.group(), m.start(), m.end()))
        taken.append((m.start(), m.end()))
    for grp_rx in ((_GROUPS_BEFORE, _GROUPS_AFTER) if "Working Groups" in text else ()):
        for g in grp_rx.finditer(text):
            base = g.start(1)
            for m in word_matches(list_rx, g.group(1)):
                s, e = base + m.start(), base + m.end()
                if any(a < e and s < b for a, b in taken):
                    continue
                oid = listed[norm_key(m.group()).lower()]
                out.append(Found(oid, names[oid], m.group(), s, e))
                taken.append((s, e))
    out.sort(key=lambda f: f.start)
    return out
