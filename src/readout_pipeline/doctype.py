"""What kind of document a readout is: a pure, rule-based classifier.

``classify(title, text)`` returns one of ``DOC_TYPES``. The rules are data
(``data/doctype.toml``): phrases and regular expressions on the title and the opening of the
text, tried in three passes (transcript structure, then title, then lead); see that file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["DOC_TYPES", "classify", "Rule", "load_rules"]

DOC_TYPES = (
    "call_readout",
    "meeting_readout",
    "joint_statement",
    "remarks",
    "travel",
    "press_release",
    "other",
)

_QUOTES = (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u00a0", " "))


def _straighten(value: str) -> str:
    """Curly quotes made straight and NBSPs spaces. (One str.replace per character: a
    str.translate table walks a 10,000-character text at ~0.5 ms, ten times as long.)"""
    if value.isascii():
        return value
    for curly, plain in _QUOTES:
        value = value.replace(curly, plain)
    return value


@dataclass(frozen=True)
class Rule:
    type: str
    title_any: tuple[str, ...] = ()
    lead_any: tuple[str, ...] = ()
    title_regex: re.Pattern[str] | None = None
    text_regex: re.Pattern[str] | None = None
    min_count: int = 1


def _fold(value: str) -> str:
    return " ".join(_straighten(value).casefold().split())


@cache
def load_rules() -> tuple[int, tuple[Rule, ...]]:
    """(lead_chars, rules) from data/doctype.toml."""
    data = tomllib.loads(resources.files("readout_pipeline").joinpath("data/doctype.toml").read_text("utf-8"))
    rules = []
    for raw in data["rules"]:
        if raw["type"] not in DOC_TYPES:
            raise ValueError(f"doctype.toml: unknown type {raw['type']!r}")
        rules.append(
            Rule(
                type=raw["type"],
                title_any=tuple(_fold(p) for p in raw.get("title_any", ())),
                lead_any=tuple(_fold(p) for p in raw.get("lead_any", ())),
                title_regex=re.compile(raw["title_regex"], re.I) if raw.get("title_regex") else None,
                # Speaker labels are upper case: this one is matched on the original text.
                text_regex=re.compile(raw["text_regex"], re.M) if raw.get("text_regex") else None,
                min_count=int(raw.get("min_count", 1)),
            )
        )
    return int(data.get("lead_chars", 600)), tuple(rules)


def classify(title: str | None, text: str) -> str:
    """One of DOC_TYPES for a document's title and cleaned text."""
    lead_chars, rules = load_rules()
    text = text or ""
    straight = _straighten(text)  # once for every text rule
    for rule in rules:
        if rule.text_regex is not None:
            hits = 0
            for _ in rule.text_regex.finditer(straight):
                hits += 1
                if hits >= rule.min_count:
                    return rule.type
    folded_title = _fold(title or "")
    if folded_title:
        for rule in rules:
            if any(p in folded_title for p in rule.title_any):
                return rule.type
            if rule.title_regex is not None and rule.title_regex.search(folded_title):
                return rule.type
    lead = _fold(text[: lead_chars * 2])[:lead_chars]
    for rule in rules:
        if any(p in lead for p in rule.lead_any):
            return rule.type
    return "other"
