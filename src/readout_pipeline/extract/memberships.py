"""Membership events: countries welcomed as new members ("Uzbekistan was welcomed as the newest member
of the Coalition", "welcomed new members joining the Coalition - A, B, C, and D", "the entry of Benin
into the Defeat Daesh/ISIS Coalition")."""

from __future__ import annotations

import re
from dataclasses import dataclass

EVENT_NEW_MEMBER = "welcomed as new member"

_SUBJECT = re.compile(r"^\s*(?:was|were|has been|have been)\s+welcomed\s+as\s+(?:the\s+|a\s+)?(?:newest|new)\s+members?\b|^\s*(?:has|have)?\s*joined\s+the\b")
_LIST_AFTER = re.compile(r"\b(?:new members?|newest members?)\b[^.;]{0,60}?(?:[-–—:]|,\s+namely|\s+including)\s+")
_ENTRY = re.compile(r"\b(?:entry|accession|admission) of\s+$")
_WELCOME_AS = re.compile(r"\bwelcom(?:ed|es|ing)\s+(?:the\s+)?$")
_AS_MEMBER = re.compile(r"^\s+as\s+(?:the\s+|a\s+)?(?:[A-Z][\w/-]*(?:'s|’s)\s+)?(?:newest|new|\d+\w*)\s+member")
_LIST_SEP = re.compile(r"^\s*(?:,\s*(?:and\s+)?|\s+and\s+)(?:the\s+)?$")


@dataclass(frozen=True, slots=True)
class Found:
    country_code: str
    organization: str
    event: str
    start: int
    end: int


def find_memberships(text: str, sents, countries: list, orgs: list) -> list[Found]:
    """`countries`: (code, start, end); `orgs`: (org_id, start, end), both in text order."""
    out: list[Found] = []
    for s in sents:
        if not re.search(r"member|joined|joining|entry of|accession of|admission of", s.text):
            continue
        cs = [c for c in countries if s.start <= c[1] < s.end]
        os_ = [o for o in orgs if s.start <= o[1] < s.end]
        org = os_[0][0] if os_ else ("global-coalition" if "Coalition" in s.text else None)
        if org is None:
            continue
        picked: list[tuple] = []
        for i, (code, cs_, ce) in enumerate(cs):
            before, after = text[s.start: cs_], text[ce: s.end]
            if _SUBJECT.search(after) or _ENTRY.search(before) or (_WELCOME_AS.search(before) and _AS_MEMBER.search(after)):
                picked.append((code, cs_, ce))
            elif _WELCOME_AS.search(before):
                # "welcomed Togo, the Republic of Moldova and Sierra Leone as the newest members"
                run = [cs[i]]
                for nxt in cs[i + 1:]:
                    if not _LIST_SEP.match(text[run[-1][2]: nxt[1]]):
                        break
                    run.append(nxt)
                if len(run) > 1 and _AS_MEMBER.search(text[run[-1][2]: s.end]):
                    picked.extend(run)
        lm = _LIST_AFTER.search(s.text)
        if lm:
            pos = s.start + lm.end()
            for code, cs_, ce in cs:
                if cs_ < pos:
                    continue
                if _LIST_SEP.match(text[pos:cs_]) or cs_ == pos:
                    picked.append((code, cs_, ce))
                    pos = ce
                else:
                    break
        seen = set()
        for code, cs_, ce in picked:
            if code not in seen:
                seen.add(code)
                out.append(Found(code, org, EVENT_NEW_MEMBER, cs_, ce))
    return out
