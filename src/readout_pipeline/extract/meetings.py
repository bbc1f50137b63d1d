"""The meeting a readout reports: date (resolved against the publication date), place, format, hosts.

The anchor is the first sentence with a meeting verb ("met", "spoke", "called", "hosted a meeting",
"reconvened", "launched", ...). Date and place are read from the anchor only, so that other dates of the
text ("its inaugural meeting hosted by INTERPOL on May 27-28") are not taken for the meeting's.
Relative dates ("today", "yesterday") and dates without a year ("on June 28") resolve against the
publication date; when it is unknown, a dateline at the top of the text ("June 28, 2021 - Ottawa")
stands in for it. `data/cities.csv` is the gazetteer of meeting places.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from ._text import Sentence, gazetteer_regex, norm_key, read_csv, word_matches

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_MONTH_NO = {m: i + 1 for i, m in enumerate(_MONTHS)} | {"Sept": 9, "Sep": 9, "Jan": 1, "Feb": 2, "Aug": 8,
                                                        "Oct": 10, "Nov": 11, "Dec": 12, "Apr": 4, "Jun": 6, "Jul": 7, "Mar": 3}
_MON = r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December|Sept?\.?|Jan\.|Feb\.|Aug\.|Oct\.|Nov\.|Dec\.)"
_DAY_FIRST = re.compile(r"\b(?P<day>\d{1,2})(?:\s*[-–]\s*\d{1,2})?\s+" + _MON + r"(?:,?\s+(?P<year>(?:19|20)\d{2}))?\b")
_MONTH_FIRST = re.compile(r"\b" + _MON + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:\s*[-–]\s*\d{1,2})?(?:,?\s+(?P<year>(?:19|20)\d{2}))?\b")
_MONTH_YEAR = re.compile(r"\b" + _MON + r"\s+(?P<year>(?:19|20)\d{2})\b")
_YEAR = re.compile(r"\b(?P<year>(?:19|20)\d{2})\b")
_RELATIVE = re.compile(r"\b(today|this (?:morning|afternoon|evening)|tonight|yesterday)\b", re.IGNORECASE)
_DATELINE = re.compile(r"^\s*" + _MON + r"\s+(?P<day>\d{1,2}),\s+(?P<year>(?:19|20)\d{2})\b", re.MULTILINE)

_ANCHOR = re.compile(
    r"\b(met|meet|meets|spoke|speaks|called|calls|convened|reconvened|hosted|co-hosted|held\s+(?:a|an|the|their)\b"
    r"|launched|gathered|hold\s+talks|participated)\b")
_CALL = re.compile(r"\b(spoke|speaks|called|calls|phone call|call)\b")
_VIRTUAL = re.compile(r"\b(virtual(?:ly)?|video ?conference|videoconference|online|by video|teleconference)\b", re.IGNORECASE)
_INVITE = re.compile(r"\b(at the invitation of|hosted by|co-hosted by|chaired by|under the chairmanship of)\b")
_COCHAIR = re.compile(r"\bco-chaired by\b")
_PARTICIPANT_AFTER = re.compile(r"\b(Speaking at|speaking at)\b")
_PARTICIPANT_BEFORE = re.compile(r"\b(discussed|spoke|met|opened the (?:session|meeting)|led (?:the )?\w+ delegation|updated partners|provided an update|updated|reaffirmed|underscored|emphasized|stressed|highlighted|outlined|urged|noted|agreed|reiterated|expressed|thanked|welcomed|briefed)\b")
_SMALL_GROUP = re.compile(r"\b(Small Group|[Pp]olitical [Dd]irectors?)\b")
_MINISTERIAL = re.compile(r"\b(Ministerial|ministerial|Ministers)\b")
_WORKING_GROUP = re.compile(r"\bWorking Group\b")
_HOSTED_VERB = re.compile(r"\b(?:co-)?hosted\b(?!\s+by)")

FORMATS = ("ministerial", "political directors / small group", "working group", "bilateral call",
           "bilateral meeting", "other")


@dataclass(frozen=True, slots=True)
class Found:
    meeting_date: date | None
    date_precision: str | None
    city: str | None
    country_code: str | None
    format: str
    is_virtual: bool
    host_country_codes: tuple[str, ...]
    start: int
    end: int


@cache
def _cities():
    table: dict[str, tuple[str, str]] = {}
    for row in read_csv("cities.csv"):
        table[norm_key(row["city"])] = (row["city"], row["country_code"])
        for a in row["aliases"].split("|"):
            if a:
                table[norm_key(a)] = (row["city"], row["country_code"])
    return table, gazetteer_regex(list(table))


def anchor(sents: list[Sentence]) -> int | None:
    for i, s in enumerate(sents):
        if _ANCHOR.search(s.text):
            return i
    return None


def role_cues(sents: list[Sentence], anchor_i: int | None, only: set[int] | None = None) -> dict[int, list[tuple[int, str, str]]]:
    """Sentence index → (position, role, 'after'|'before'): who is a host, co-chair or participant.
    `only`: the sentence indexes worth looking at (those naming someone)."""
    cues: dict[int, list[tuple[int, str, str]]] = {}
    for i, s in enumerate(sents):
        if only is not None and i not in only:
            continue
        lst: list[tuple[int, str, str]] = []
        if i == anchor_i:
            lst.append((s.start, "participant", "after"))
        for m in _PARTICIPANT_AFTER.finditer(s.text):
            lst.append((s.start + m.start(), "participant", "after"))
        for m in _PARTICIPANT_BEFORE.finditer(s.text):
            lst.append((s.start + m.start(), "participant", "before"))
        for m in _INVITE.finditer(s.text):
            lst.append((s.start + m.start(), "co-chair" if m.group(1) == "chaired by" else "host", "after"))
        for m in _COCHAIR.finditer(s.text):
            lst.append((s.start + m.start(), "co-chair", "after"))
        if lst:
            cues[i] = lst
    return cues


def _month(token: str) -> int:
    return _MONTH_NO[token.rstrip(".")]


def reference_date(text: str, published: date | None) -> date | None:
    if published is not None:
        return published
    m = _DATELINE.search(text[:400])
    if m:
        try:
            return date(int(m.group("year")), _month(m.group("month")), int(m.group("day")))
        except ValueError:
            return None
    return None


def meeting_date(s: str, ref: date | None) -> tuple[date | None, str | None]:
    found: list[tuple[int, date | None, str | None]] = []
    for rx in (_MONTH_FIRST, _DAY_FIRST):
        for m in rx.finditer(s):
            year = int(m.group("year")) if m.group("year") else (ref.year if ref else None)
            if year is None:
                found.append((m.start(), None, None))
                continue
            try:
                found.append((m.start(), date(year, _month(m.group("month")), int(m.group("day"))), "day"))
            except ValueError:
                continue
    for m in _RELATIVE.finditer(s):
        if ref is None:
            found.append((m.start(), None, None))
        else:
            delta = 1 if m.group(1).lower() == "yesterday" else 0
            found.append((m.start(), ref - timedelta(days=delta), "day"))
    if found:
        found.sort(key=lambda f: (f[1] is None, f[0]))
        return found[0][1], found[0][2]
    m = _MONTH_YEAR.search(s)
    if m:
        return date(int(m.group("year")), _month(m.group("month")), 1), "month"
    m = _YEAR.search(s)
    if m:
        return date(int(m.group("year")), 1, 1), "year"
    return None, None


def build(text: str, title: str | None, published: date | None, sents: list[Sentence], anchor_i: int | None,
          countries: list, people: list) -> Found | None:
    """`countries`: country mentions (code, start, end); `people`: resolved person mentions."""
    if anchor_i is None:
        return None
    a = sents[anchor_i]
    head = (title or "") + "\n" + a.text
    in_anchor = [p for p in people if a.start <= p.start < a.end]
    n_people = len({p.name for p in in_anchor})
    t = title or ""
    # Format.
    if re.search(r"\bCall [Ww]ith\b", t) or (not re.search(r"\bMeeting\b", t) and _CALL.search(a.text) and not re.search(r"\bmet\b", a.text)):
        if t and re.search(r"\bCall [Ww]ith\b", t):
            tail = t.split("ith", 1)[1]
            bilateral = "," not in tail and " and " not in tail
        else:
            bilateral = n_people <= 2
        fmt = "bilateral call" if bilateral else "other"
    elif _SMALL_GROUP.search(head):
        fmt = "political directors / small group"
    elif _MINISTERIAL.search(head):
        fmt = "ministerial"
    elif re.search(r"\b[Tt]rilateral\b|\b[Mm]ultilateral\b", head):
        fmt = "other"
    elif re.search(r"\bMeeting [Ww]ith\b", t) or re.search(r"\bmet\b", a.text) and n_people <= 2 and n_people > 0:
        fmt = "bilateral meeting"
    elif _WORKING_GROUP.search(a.text):
        fmt = "working group"
    else:
        fmt = "other"
    is_call = fmt == "bilateral call" or (fmt == "other" and bool(_CALL.search(a.text)) and not re.search(r"\bmet\b", a.text))
    is_virtual = is_call or bool(_VIRTUAL.search(a.text)) and "in-person" not in a.text
    # Date.
    when, precision = meeting_date(a.text, reference_date(text, published))
    # Place.
    city = country = None
    if not is_call:
        table, rx = _cities()
        m = next(word_matches(rx, a.text), None)
        if m:
            city, country = table[norm_key(m.group())]
        else:
            for code, s, _e in countries:
                if a.start <= s < a.end and text[max(a.start, s - 3): s] == "in ":
                    country = code
                    break
    # Hosts.
    hosts: list[str] = []
    hv = _HOSTED_VERB.search(a.text)
    if hv:
        for code, s, _e in countries:
            if a.start <= s < a.start + hv.start() and code not in hosts:
                hosts.append(code)
    for m in _INVITE.finditer(a.text):
        if m.group(1) in ("hosted by", "co-hosted by"):
            for code, s, _e in countries:
                if a.start + m.end() <= s < min(a.end, a.start + m.end() + 60) and code not in hosts:
                    hosts.append(code)
    for p in in_anchor:
        if p.role == "host" and p.country_code and p.country_code not in hosts:
            hosts.append(p.country_code)
    if not hosts and fmt == "bilateral meeting" and country:
        hosts.append(country)
    return Found(when, precision, city, country, fmt, is_virtual, tuple(hosts), a.start, a.end)
