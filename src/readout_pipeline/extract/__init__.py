"""Structured readouts: deterministic, offline extraction of who met whom, where, when, and what.

`extract(doc_id, text, title, published_date)` is a pure function returning an `Extraction`: one list
of rows per derived table (country_mentions, organization_mentions, person_mentions, meetings,
membership_events, amounts, topics). Every row carries character offsets into `text` (the stored
`documents.text`): `text[start_char:end_char]` is the mention. Rules and gazetteers only; the
gazetteers and vocabularies are data files in `data/`. `load.update_extractions` writes the rows with
`EXTRACTOR_VERSION` and the run id.

Bump EXTRACTOR_VERSION whenever the output for some text changes (code or data files).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from . import amounts as _amounts
from . import countries as _countries
from . import meetings as _meetings
from . import memberships as _memberships
from . import organizations as _organizations
from . import people as _people
from . import topics as _topics
from ._text import SentenceIndex, sentences, tokens

__all__ = [
    "EXTRACTOR_VERSION", "Extraction", "extract", "CountryMention", "OrganizationMention", "PersonMention",
    "Meeting", "MembershipEvent", "Amount", "Topic", "TABLES",
]

EXTRACTOR_VERSION = "extract-3"


@dataclass(frozen=True, slots=True)
class CountryMention:
    doc_id: str
    country_code: str
    mention: str
    start_char: int
    end_char: int


@dataclass(frozen=True, slots=True)
class OrganizationMention:
    doc_id: str
    org_id: str
    name: str
    mention: str
    start_char: int
    end_char: int


@dataclass(frozen=True, slots=True)
class PersonMention:
    doc_id: str
    name: str
    title: str | None
    country_code: str | None
    role: str
    start_char: int
    end_char: int


@dataclass(frozen=True, slots=True)
class Meeting:
    doc_id: str
    meeting_date: date | None
    date_precision: str | None
    city: str | None
    country_code: str | None
    format: str
    is_virtual: bool
    host_country_codes: tuple[str, ...]
    start_char: int
    end_char: int


@dataclass(frozen=True, slots=True)
class MembershipEvent:
    doc_id: str
    country_code: str
    organization: str
    event: str
    start_char: int
    end_char: int


@dataclass(frozen=True, slots=True)
class Amount:
    doc_id: str
    value: float
    currency: str
    unit: str | None
    mention: str
    context: str
    start_char: int
    end_char: int


@dataclass(frozen=True, slots=True)
class Topic:
    doc_id: str
    topic: str
    evidence: str
    start_char: int
    end_char: int


@dataclass
class Extraction:
    doc_id: str
    country_mentions: list[CountryMention] = field(default_factory=list)
    organization_mentions: list[OrganizationMention] = field(default_factory=list)
    person_mentions: list[PersonMention] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    membership_events: list[MembershipEvent] = field(default_factory=list)
    amounts: list[Amount] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)


# Table name → row class, in load order.
TABLES = {
    "country_mentions": CountryMention,
    "organization_mentions": OrganizationMention,
    "person_mentions": PersonMention,
    "meetings": Meeting,
    "membership_events": MembershipEvent,
    "amounts": Amount,
    "topics": Topic,
}


def _token_spans(toks, spans: list[tuple[str, int, int, str]]) -> dict[int, tuple[str, int, str]]:
    """Char spans (kind, start, end, code) → token index of their first token → (kind, last index, code)."""
    by_start = {t.start: i for i, t in enumerate(toks)}
    by_end = {t.end: i for i, t in enumerate(toks)}
    out: dict[int, tuple[str, int, str]] = {}
    for kind, s, e, code in spans:
        i, j = by_start.get(s), by_end.get(e)
        if i is not None and j is not None and i not in out:
            out[i] = (kind, j, code)
    return out


def extract(doc_id: str, text: str, title: str | None = None, published_date: date | None = None) -> Extraction:
    """All derived rows of one document. Pure and deterministic."""
    ex = Extraction(doc_id)
    if not text:
        return ex
    sents = sentences(text)
    sidx = SentenceIndex(sents) if sents else SentenceIndex([])
    countries = _countries.find_countries(text)
    orgs = _organizations.find_organizations(text)
    ex.country_mentions = [CountryMention(doc_id, c.country_code, c.mention, c.start, c.end) for c in countries]
    ex.organization_mentions = [OrganizationMention(doc_id, o.org_id, o.name, o.mention, o.start, o.end) for o in orgs]
    if not sents:
        return ex
    # Only sentences with a title head can name someone: tokenize those alone.
    head_rx = _people.head_regex()
    named = [i for i, s in enumerate(sents) if head_rx.search(s.text)]
    toks = [t for i in named for t in tokens(text, sents[i].start, sents[i].end)]
    spans = [("country", c.start, c.end, c.country_code) for c in countries] + [("org", o.start, o.end, o.org_id) for o in orgs]
    span_at = _token_spans(toks, spans)
    anchor_i = _meetings.anchor(sents)
    cues = _meetings.role_cues(sents, anchor_i, set(named))
    people = _people.resolve(_people.find_people(text, toks, span_at, sidx, cues))
    ex.person_mentions = [PersonMention(doc_id, p.name, p.title or None, p.country_code, p.role, p.start, p.end) for p in people]
    ctuples = [(c.country_code, c.start, c.end) for c in countries]
    m = _meetings.build(text, title, published_date, sents, anchor_i, ctuples, people)
    if m is not None:
        ex.meetings = [Meeting(doc_id, m.meeting_date, m.date_precision, m.city, m.country_code, m.format,
                               m.is_virtual, m.host_country_codes, m.start, m.end)]
    ex.membership_events = [
        MembershipEvent(doc_id, f.country_code, f.organization, f.event, f.start, f.end)
        for f in _memberships.find_memberships(text, sents, ctuples, [(o.org_id, o.start, o.end) for o in orgs])
    ]
    ex.amounts = [Amount(doc_id, a.value, a.currency, a.unit, a.mention, a.context, a.start, a.end)
                  for a in _amounts.find_amounts(text, sidx)]
    ex.topics = [Topic(doc_id, t.topic, t.evidence, t.start, t.end)
                 for t in _topics.find_topics(text, sidx, [(o.org_id, o.mention, o.start, o.end) for o in orgs])]
    return ex
