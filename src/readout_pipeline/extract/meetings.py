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

from . import countries as _countries
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
    r"|launched|gathered|hold\s+talks|participated"
    # Meetings reported by a noun: "following their strategic dialogue in Reykjavik", "after the talks in Doha".
    r"|(?:following|after)\s+(?:their|the|its|our)\s+(?:[\w-]+\s+){0,4}?(?:[Dd]ialogue|[Mm]eeting|[Tt]alks|[Cc]onsultations|[Ss]ummit)\s+(?:in|at|on)"
    r")\b")
_CALL = re.compile(r"\b(spoke|speaks|called|calls|phone call|call)\b")
_VIRTUAL = re.compile(r"\b(virtual(?:ly)?|video ?conference|videoconference|online|by video|teleconference)\b", re.IGNORECASE)
_INVITE = re.compile(r"\b(at the invitation of|hosted by|co-hosted by|chaired by|under the chairmanship of)\b")
_COCHAIR = re.compile(r"\bco-chaired by\b")
_PARTICIPANT_AFTER = re.compile(r"\b(Speaking at|speaking at)\b")
_PARTICIPANT_BEFORE = re.compile(r"\b(discussed|spoke|met|opened the (?:session|meeting)|led (?:the )?\w+ delegation|updated partners|provided an update|updated|reaffirmed|underscored|emphasized|stressed|highlighted|outlined|urged|noted|agreed|reiterated|expressed|thanked|welcomed|briefed)\b")
_SMALL_GROUP = re.compile(r"\b(Small Group|[Pp]olitical [Dd]irectors?)\b")
_MINISTERIAL = re.compile(r"\b(Ministerial|ministerial|Ministers)\b")
_WORKING_GROUP = re.compile(r"\bWorking Group\b")
_STRATEGIC = re.compile(r"\b[Ss]trategic\s+(?:[Dd]ialogue|[Mm]echanism|[Pp]artnership\s+[Dd]ialogue)\b")
# A meeting with a group of states or delegations, not one counterpart.
_GROUP = re.compile(r"\b(?:(?:a|the)\s+group\s+of|States\s+Parties|[Mm]ember\s+[Ss]tates|counterparts\s+from)\b")
# A city used as the name of a process or text ("OSCE Minsk Group", "Paris Agreement") is no meeting place.
_CITY_AS_NAME = re.compile(r"[\s-]+(?:Group|Format|Process|Agreements?|Accords?|Conventions?|Protocol|Declaration|"
                           r"Document|Principles|Consensus|Communiqu[eé]|Plan|Initiative|Charter|Commitments?)\b")
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


# Where the list of who met whom ends: "… to discuss …", "… following …", a full stop.
_CLAUSE_END = re.compile(r"\b(?:to|following|after|about|on behalf of|regarding|discussed|where|who)\b|[.;:](?=\s)")


def _principals(a: Sentence, in_anchor: list) -> int:
    """People meeting in the anchor sentence, before the clause that says what about. Counterparts of one
    country (those of unknown country joining them) count as one delegation."""
    m = _ANCHOR.search(a.text)
    end = a.end
    if m:
        c = _CLAUSE_END.search(a.text, m.end())
        if c:
            end = a.start + c.start()
    ps = {p.name: p.country_code for p in in_anchor if p.start < end}
    if len(ps) < 3:
        return len(ps)
    first = min((p for p in in_anchor if p.start < end), key=lambda p: p.start).name
    known = {c for n, c in ps.items() if n != first} - {None}
    return 2 if len(known) == 1 else len(ps)


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
    elif re.search(r"\b[Tt]rilateral\b|\b[Mm]ultilateral\b", head) or _GROUP.search(a.text):
        fmt = "other"
    elif _STRATEGIC.search(head) and len({c for c, s, _e in countries if a.start <= s < a.end}) <= 2:
        # A strategic dialogue / mechanism between two countries.
        fmt = "bilateral meeting"
    elif (principals := _principals(a, in_anchor)) >= 3 and re.search(r"\bmet\b|\bMeeting [Ww]ith\b", head):
        fmt = "other"  # three or more principals
    elif re.search(r"\bMeeting [Ww]ith\b", t) or re.search(r"\bmet\b", a.text) and 0 < principals <= 2:
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
        # The place tied to the meeting verb or noun: the first one after it, else the first one before it
        # ("… during their meeting in Rome in 2021, the two countries launched the Mechanism in Ankara").
        verb = _ANCHOR.search(a.text)
        vpos = verb.start() if verb else 0
        table, rx = _cities()
        names = _countries.country_names()
        # A city named like its country (Singapore, Djibouti) is the meeting place only after "in"/"at".
        # Nor is a city inside a person's name ("Foreign Minister Santiago Cafiero").
        in_names = [(p.start - a.start, p.end - a.start) for p in in_anchor]
        places = [(m.start(), table[norm_key(m.group())]) for m in word_matches(rx, a.text)
                  if not _CITY_AS_NAME.match(a.text, m.end())
                  and not any(s <= m.start() < e for s, e in in_names)
                  and (norm_key(m.group()) not in names or a.text[max(0, m.start() - 3): m.start()] in ("in ", "at "))]
        if not places:
            places = [(s - a.start, (None, code)) for code, s, _e in countries
                      if a.start <= s < a.end and text[max(a.start, s - 3): s] == "in "]
        if places:
            after = [p for p in places if p[0] >= vpos]
            city, country = (after or places)[0][1]
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
