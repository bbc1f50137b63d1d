"""Person mentions from the "title + name" patterns of readouts.

A title head from `data/titles.toml` ("Foreign Minister", "Acting Special Envoy") opens a title; the
title goes on over title words, connectors, countries and organizations ("Minister of Foreign Affairs
and International Cooperation", "Secretary General of the Organization of Islamic Cooperation (OIC),
H.E."); the name is the run of capitalized tokens that follows. A country comes from a demonym or
country just before the title ("Turkish Foreign Minister"), inside it ("Foreign Minister of the Kingdom
of Saudi Arabia"), or just after the name ("Marcel de Vink of the Netherlands"). Short forms resolve
to the fullest name of the document whose tokens contain them ("Special Envoy Godfrey" → "John
Godfrey"). Roles: `host` (at the invitation of / hosted by), `co-chair` (co-chaired by), `participant`
(in the sentence that reports the meeting or call), else `mentioned`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ._text import SentenceIndex, Token, read_toml

ROLE_RANK = {"mentioned": 0, "participant": 1, "co-chair": 2, "host": 3}
_MONTHS = {"January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
           "Saturday", "Sunday"}
_NOT_NAME = _MONTHS | {"The", "This", "These", "That", "Today", "Yesterday", "In", "On", "At", "And", "But",
                       "He", "She", "They", "We", "It", "His", "Her", "Their", "Our", "I"}


@dataclass(slots=True)
class Mention:
    name: str  # as written (resolved later)
    title: str
    country_code: str | None
    start: int
    end: int
    role: str = "mentioned"


@cache
def head_regex():
    """Matches the first word of any title head: only sentences with one are tokenized."""
    heads = read_toml("titles.toml")["heads"]
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted({re.escape(h.split()[0]) for h in heads}, key=len, reverse=True)) + r")(?!\w)")


@cache
def _vocab():
    v = read_toml("titles.toml")
    heads: dict[str, list[tuple[str, ...]]] = {}
    for h in v["heads"]:
        parts = tuple(h.split())
        heads.setdefault(parts[0], []).append(parts)
    for k in heads:
        heads[k].sort(key=len, reverse=True)
    words = set(v["words"]) | {w for h in v["heads"] for w in h.split()}
    return heads, words, set(v["connectors"]), set(v["honorifics"]), set(v["particles"]), dict(v["implied_country"])


def _name_token(t: str, particles: set[str]) -> str:
    """'cap' for a capitalized name word or initial, 'part' for a particle, '' otherwise."""
    if t in particles:
        return "part"
    if t[:3] in ("al-", "el-") and len(t) > 4 and t[3].isupper():
        return "cap"
    if t[0].isupper() and (t.replace("-", "").replace("’", "").replace("'", "").replace(".", "").isalpha()):
        return "cap"
    return ""


def find_people(text: str, toks: list[Token], span_at: dict[int, tuple[str, int, str]],
                sidx: SentenceIndex, role_cues: dict[int, list[tuple[int, str, str]]]) -> list[Mention]:
    """`span_at`: token index → (kind 'country'|'org', last token index, code) for spans starting there.
    `role_cues`: sentence index → (position, role, 'after'|'before'): persons after (or before) a cue
    get its role; the strongest applicable role wins."""
    heads, words, connectors, honorifics, particles, implied = _vocab()
    covered: dict[int, tuple[str, int, str]] = {}
    for i, (kind, j, code) in span_at.items():
        for k in range(i, j + 1):
            covered[k] = (kind, i, code)
    n = len(toks)
    out: list[Mention] = []
    i = 0
    while i < n:
        t = toks[i].text
        cands = heads.get(t)
        if not cands or (i in covered and covered[i][0] == "org"):
            i += 1
            continue
        head_len = 0
        for parts in cands:
            if tuple(x.text for x in toks[i: i + len(parts)]) == parts:
                head_len = len(parts)
                break
        if not head_len:
            i += 1
            continue
        # Backwards: title words and organizations ("NATO Deputy Secretary General", "German MFA").
        b = i
        while b > 0 and (toks[b - 1].text in words and toks[b - 1].text[0].isupper() or
                         (b - 1 in covered and covered[b - 1][0] == "org") or toks[b - 1].text in "()"):
            if b - 1 in covered:
                b = covered[b - 1][1]
            else:
                b -= 1
        country = None
        if b > 0 and b - 1 in covered and covered[b - 1][0] == "country":
            country = covered[b - 1][2]
        # Forwards over the title.
        j = i + head_len
        title_end = j
        while j < n:
            tt = toks[j].text
            if j in span_at and span_at[j][0] == "org" or (tt in words and tt[0].isupper() and tt not in honorifics):
                j = span_at[j][1] + 1 if j in span_at else j + 1
                title_end = j
                continue
            if j in span_at and span_at[j][0] == "country" and toks[j - 1].text in ("of", "the"):
                country = country or span_at[j][2]
                j = span_at[j][1] + 1
                title_end = j
                continue
            if tt in honorifics:
                j += 1
                continue
            if tt == "(":
                k = j + 1
                while k < n and k < j + 8 and toks[k].text != ")":
                    k += 1
                if k < n and toks[k].text == ")":
                    j = k + 1
                    title_end = j
                    continue
                break
            if tt in connectors and j + 1 < n:
                nxt = toks[j + 1].text
                if tt == ",":
                    j += 1
                    continue
                if tt in ("of", "for", "to", "on", "the", "in") and (nxt == "the" or j + 1 in span_at or (nxt in words and nxt[0].isupper())):
                    if j + 1 in span_at and span_at[j + 1][0] == "country" and tt in ("of", "the"):
                        country = country or span_at[j + 1][2]
                    j += 1
                    continue
                if tt == "and" and nxt in words and nxt[0].isupper() and nxt not in heads:
                    j += 1
                    continue
            break
        # Skip honorifics and a comma before the name.
        while j < n and (toks[j].text in honorifics or toks[j].text == ","):
            j += 1
        # The name.
        k = j
        parts_idx: list[int] = []
        while k < n and len(parts_idx) < 6:
            tt = toks[k].text
            if k in covered or tt in _NOT_NAME or (tt in words and not parts_idx):
                break
            kind = _name_token(tt, particles)
            if kind == "cap" or (kind == "part" and parts_idx and k + 1 < n and _name_token(toks[k + 1].text, particles) == "cap"):
                parts_idx.append(k)
                k += 1
                continue
            break
        while parts_idx and toks[parts_idx[-1]].text in particles:
            parts_idx.pop()
        if not parts_idx or toks[j].start - toks[title_end - 1].end > 40:
            i = max(i + 1, title_end)
            continue
        # "… of the Netherlands" after the name.
        a = parts_idx[-1] + 1
        if country is None and a + 1 < n and toks[a].text == "of":
            c = a + 1 + (toks[a + 1].text == "the")
            if c in span_at and span_at[c][0] == "country":
                country = span_at[c][2]
        s, e = toks[parts_idx[0]].start, toks[parts_idx[-1]].end
        name = " ".join(text[s:e].split())
        title_tokens = [x.text for x in toks[b:title_end] if x.text not in honorifics]
        while title_tokens and title_tokens[-1] in connectors:
            title_tokens.pop()
        title = " ".join(title_tokens).replace(" ,", ",").replace("( ", "(").replace(" )", ")")
        if title in honorifics or not title:
            title = ""
        if country is None:
            for key, code in implied.items():
                if key in title:
                    country = code
        role = "mentioned"
        for cue_pos, cue_role, direction in role_cues.get(sidx.index_of(s), ()):
            if (s >= cue_pos if direction == "after" else s < cue_pos) and ROLE_RANK[cue_role] > ROLE_RANK[role]:
                role = cue_role
        out.append(Mention(name, title, country, s, e, role))
        i = parts_idx[-1] + 1
    return out


def resolve(mentions: list[Mention]) -> list[Mention]:
    """One person mentioned several ways resolves to one name, title, country and role."""
    full: list[tuple[str, set[str]]] = []
    for m in sorted(mentions, key=lambda m: -len(m.name.split())):
        toks = {w.casefold() for w in m.name.split()}
        if not any(toks <= f for _, f in full):
            full.append((m.name, toks))
    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        toks = {w.casefold() for w in m.name.split()}
        canon = next((name for name, f in full if toks <= f), m.name)
        groups.setdefault(canon, []).append(m)
    out = []
    for canon, ms in groups.items():
        country = next((m.country_code for m in ms if m.country_code), None)
        role = max((m.role for m in ms), key=ROLE_RANK.__getitem__)
        title = max((m.title for m in ms), key=len)
        for m in ms:
            out.append(Mention(canon, m.title or title, country, m.start, m.end, role))
    out.sort(key=lambda m: m.start)
    return out

