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
import unicodedata
from dataclasses import dataclass
from functools import cache

from ._text import SentenceIndex, Token, read_toml

ROLE_RANK = {"mentioned": 0, "participant": 1, "co-chair": 2, "host": 3}
_MONTHS = {"January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
           "Saturday", "Sunday"}
_NOT_NAME = _MONTHS | {"The", "This", "These", "That", "Today", "Yesterday", "In", "On", "At", "And", "But",
                       "He", "She", "They", "We", "It", "His", "Her", "Their", "Our", "I", "As", "For", "With",
                       "Since", "During", "After", "Before", "By", "To", "Together", "Following", "Coinciding",
                       "One", "Two", "Three", "Four", "Five", "QUESTION", "MODERATOR", "Moderator"}


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
    v = read_toml("titles.toml")
    heads = [*v["heads"], *v["acronym_heads"], *v["plural_heads"]]
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted({re.escape(h.split()[0]) for h in heads}, key=len, reverse=True)) + r")(?!\w)")


@cache
def _vocab():
    v = read_toml("titles.toml")
    heads: dict[str, list[tuple[str, ...]]] = {}
    for h in [*v["heads"], *v["acronym_heads"], *v["plural_heads"]]:
        parts = tuple(h.split())
        heads.setdefault(parts[0], []).append(parts)
    for k in heads:
        heads[k].sort(key=len, reverse=True)
    words = set(v["words"]) | set(v["portfolio"]) | {w for h in [*v["heads"], *v["plural_heads"]] for w in h.split()}
    return heads, words, set(v["connectors"]), set(v["honorifics"]), set(v["particles"]), dict(v["implied_country"])


@cache
def _extra():
    """(acronym heads, organizational-unit words, plural head → singular title)."""
    v = read_toml("titles.toml")
    return frozenset(v["acronym_heads"]), frozenset(v["org_units"]), {tuple(k.split()): s for k, s in v["plural_heads"].items()}


# A country, then one of these, then "of …" ends in a title: "Australian Department of Foreign Affairs and
# Trade Secretary", "U.S. Department of Commerce Under Secretary".
_INSTITUTION = {"Department", "Ministry", "Office", "Embassy", "Mission", "Government"}
_CHAIN = {"of", "for", "and", "the", "on"}
_POSSESSIVE = {"’s", "'s"}


def _fold(s: str) -> str:
    """Accent- and case-insensitive key of a name token ("Geoană" → "geoana")."""
    s = unicodedata.normalize("NFKD", s)
    return "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()


def _name_token(t: str, particles: set[str]) -> str:
    """'cap' for a capitalized name word or initial, 'part' for a particle, '' otherwise."""
    if t in particles:
        return "part"
    if t[:3] in ("al-", "el-") and len(t) > 4 and t[3].isupper():
        return "cap"
    if t[0].isupper() and (t.replace("-", "").replace("’", "").replace("'", "").replace(".", "").isalpha()):
        return "cap"
    return ""


def _name_run(toks: list[Token], k: int, covered, words, particles, honorifics, limit: int = 6) -> list[int]:
    """Token indexes of the capitalized name starting at `k` (trailing particles dropped)."""
    n = len(toks)
    parts_idx: list[int] = []
    while k < n and len(parts_idx) < limit:
        tt = toks[k].text
        if k in covered or tt in _NOT_NAME or (tt in honorifics and "." in tt) or (tt in words and not parts_idx):
            break
        kind = _name_token(tt, particles)
        if kind == "cap" or (kind == "part" and parts_idx and k + 1 < n and _name_token(toks[k + 1].text, particles) == "cap"):
            parts_idx.append(k)
            k += 1
            continue
        break
    while parts_idx and toks[parts_idx[-1]].text in particles:
        parts_idx.pop()
    return parts_idx


def find_people(text: str, toks: list[Token], span_at: dict[int, tuple[str, int, str]],
                sidx: SentenceIndex, role_cues: dict[int, list[tuple[int, str, str]]]) -> list[Mention]:
    """`span_at`: token index → (kind 'country'|'org', last token index, code) for spans starting there.
    `role_cues`: sentence index → (position, role, 'after'|'before'): persons after (or before) a cue
    get its role; the strongest applicable role wins."""
    heads, words, connectors, honorifics, particles, implied = _vocab()
    acronyms, org_units, plurals = _extra()
    covered: dict[int, tuple[str, int, str]] = {}
    for i, (kind, j, code) in span_at.items():
        for k in range(i, j + 1):
            covered[k] = (kind, i, code)
    n = len(toks)
    out: list[Mention] = []

    def role_of(s: int) -> str:
        role = "mentioned"
        for cue_pos, cue_role, direction in role_cues.get(sidx.index_of(s), ()):
            if (s >= cue_pos if direction == "after" else s < cue_pos) and ROLE_RANK[cue_role] > ROLE_RANK[role]:
                role = cue_role
        return role

    i = 0
    while i < n:
        t = toks[i].text
        cands = heads.get(t)
        if not cands:
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
        head = tuple(x.text for x in toks[i: i + head_len])
        in_org = i in covered and covered[i][0] == "org"
        if head in plurals and not in_org:
            # "Presidents Biden and Erdogan", "Foreign Ministers Cavusoglu, Lavrov and Wang": two or more names.
            k = i + head_len
            runs: list[list[int]] = []
            while k < n:
                run = _name_run(toks, k, covered, words, particles, honorifics, limit=4)
                if not run:
                    break
                runs.append(run)
                k = run[-1] + 1
                if k < n and toks[k].text == ",":
                    k += 1
                if k < n and toks[k].text == "and":
                    k += 1
                elif not (k > 0 and toks[k - 1].text == ","):
                    break
            if len(runs) >= 2 and not any(toks[r].text in org_units for run in runs for r in run):
                for run in runs:
                    s, e = toks[run[0]].start, toks[run[-1]].end
                    out.append(Mention(" ".join(text[s:e].split()), plurals[head], None, s, e, role_of(s)))
                i = runs[-1][-1] + 1
            else:
                i += head_len
            continue
        if in_org:
            # A title that is an organization's name ("United Nations High Commissioner for Refugees (UNHCR)
            # Filippo Grandi"): the whole organization span is the title.
            b = covered[i][1]
            j = span_at[b][1] + 1
        else:
            b = i
            j = i + head_len
        # Backwards: title words and organizations ("NATO Deputy Secretary General", "German MFA").
        while b > 0 and (toks[b - 1].text in words and toks[b - 1].text[0].isupper() or
                         (b - 1 in covered and covered[b - 1][0] == "org") or toks[b - 1].text in "()"):
            if b - 1 in covered:
                b = covered[b - 1][1]
            else:
                b -= 1
        country = None
        if b > 0 and b - 1 in covered and covered[b - 1][0] == "country":
            country = covered[b - 1][2]
        elif b > 1 and toks[b - 1].text in _POSSESSIVE and b - 2 in covered and covered[b - 2][0] == "country":
            # "Azerbaijan’s President Aliyev"
            country = covered[b - 2][2]
        else:
            # "Australian Department of Foreign Affairs and Trade Secretary", "U.S. Department of Commerce
            # Under Secretary": country + institution + its remit, then the title.
            c = b
            while c > 0 and b - c < 9 and c - 1 not in covered and (
                    toks[c - 1].text in _CHAIN or _name_token(toks[c - 1].text, particles) == "cap"):
                c -= 1
            if (c < b and c > 0 and c - 1 in covered and covered[c - 1][0] == "country"
                    and toks[c].text in _INSTITUTION and c + 1 < b and toks[c + 1].text in ("of", "for")):
                country = covered[c - 1][2]
                b = c
        # Forwards over the title.
        title_end = j
        while j < n:
            tt = toks[j].text
            remit = any(x.text in ("of", "for") for x in toks[i:j])
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
                if (tt in ("of", "for") or tt == "the" and toks[j - 1].text in ("of", "for")) and \
                        j + 1 not in covered and _name_token(nxt, particles) == "cap" and nxt not in _NOT_NAME and \
                        j + 2 < n and (toks[j + 2].text in connectors or toks[j + 2].text in words):
                    # "Minister for Digitalisation and …", "Special Envoy for the Horn of Africa": a word between
                    # "of"/"for" and a connector or title word names the remit, never the holder.
                    j += 2
                    title_end = j
                    continue
                if tt == "and" and nxt == "the" and j + 2 < n and toks[j + 2].text in words:
                    j += 1  # "… Energy, and the Environment"
                    continue
                if tt == "and" and nxt[0].isupper() and nxt not in heads and (
                        nxt in words or (j + 2 < n and toks[j + 2].text in words and toks[j + 2].text[0].isupper()
                                         and _name_token(nxt, particles) == "cap" and j + 1 not in covered)):
                    # "… and European Integration", "… and Rural Development"
                    j += 1 if nxt in words else 2
                    if nxt not in words:
                        title_end = j
                    continue
            if remit and tt[0].isupper() and tt not in heads and j not in covered:
                # A remit with words unknown to the vocabulary: "for Civilian Security, Democracy, and Human
                # Rights", "for Oceans and International Environmental and Scientific Affairs". It goes on to
                # its last title word before the next title head, if a name (not another title) follows it.
                # Right after a title word (not a connector) only capitalized words and "and" may intervene.
                loose = toks[j - 1].text in _CHAIN or toks[j - 1].text == ","
                last, k = 0, j
                while k < n and k < j + 7:
                    x = toks[k].text
                    if x in heads or x in honorifics or k in span_at and (span_at[k][0] == "org" or not loose):
                        break
                    if k in span_at:
                        k = span_at[k][1] + 1
                        continue
                    if x in words and x[0].isupper():
                        last = k + 1
                    elif not ((x in _CHAIN or x == ",") and (loose or x == "and") or _name_token(x, particles) == "cap"):
                        break
                    k += 1
                if last and last < n and last not in covered and toks[last].text not in words and (
                        _name_token(toks[last].text, particles) == "cap" or loose and toks[last].text in (",", "and")):
                    j = title_end = last
                    continue
            break
        # Skip honorifics and a comma before the name.
        while j < n and (toks[j].text in honorifics or toks[j].text == ","):
            j += 1
        parts_idx = _name_run(toks, j, covered, words, particles, honorifics)
        units = [x for x, k in enumerate(parts_idx) if toks[k].text in org_units]
        if units:
            # "… Global Engagement Center Leah Bray": the name of an institution ends in a unit word and
            # belongs to the title; what follows it is the name ("Joint Staff" alone names no one).
            after = parts_idx[units[-1]] + 1
            parts_idx = parts_idx[units[-1] + 1:]
            while parts_idx and toks[parts_idx[0]].text in words:  # "… Assembly Chairperson Macky Sall"
                parts_idx = parts_idx[1:]
            if parts_idx:
                title_end = parts_idx[0]
            elif after < n and toks[after].text == ",":
                # "President of the Global Grain Prize Foundation, Barbara Ames"
                title_end = after
                k = after
                while k < n and (toks[k].text in honorifics or toks[k].text == ","):
                    k += 1
                parts_idx = _name_run(toks, k, covered, words, particles, honorifics)
                if any(toks[x].text in org_units for x in parts_idx):
                    parts_idx = []
        if (not parts_idx or toks[j].start - toks[title_end - 1].end > 40
                or (head[0] in acronyms and len(parts_idx) < 2)
                # "Crown Prince of Abu Dhabi Sheikh Mohammed …": the honorific introduces the name.
                or parts_idx[-1] + 1 < n and toks[parts_idx[-1] + 1].text in honorifics
                # "FOREIGN MINISTER BAERBOCK", "UNICEF": capitals only are a heading or an acronym.
                or all(toks[k].text.isupper() and len(toks[k].text) > 1 for k in parts_idx)
                # After an organization taken as a title, a full name (Given Surname).
                or in_org and len(parts_idx) < 2):
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
        out.append(Mention(name, title, country, s, e, role_of(s)))
        i = parts_idx[-1] + 1
    return out


def resolve(mentions: list[Mention]) -> list[Mention]:
    """One person mentioned several ways resolves to one name, title, country and role."""
    full: list[tuple[str, set[str]]] = []
    # Fullest names first; among equally long ones, the accented form ("Geoană" over "Geoana").
    for m in sorted(mentions, key=lambda m: (-len(m.name.split()), -sum(not ch.isascii() for ch in m.name))):
        toks = {_fold(w) for w in m.name.split()}
        if not any(toks <= f for _, f in full):
            full.append((m.name, toks))
    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        toks = {_fold(w) for w in m.name.split()}
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

