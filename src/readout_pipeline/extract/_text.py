"""Shared text helpers for the extractors: data files, trie-compiled gazetteer regexes, sentences, tokens.

Everything here is computed once per process (module-level caches); per-document work is a few
regex scans over the text.
"""

from __future__ import annotations

import csv
import re
import tomllib
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

APOSTROPHES = "'’"
_APOS_RE = re.compile(r"[’']")


def norm_key(s: str) -> str:
    """Lookup key for a surface form: one apostrophe, folded spaces."""
    return " ".join(_APOS_RE.sub("'", s).split())


@cache
def read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


@cache
def read_toml(name: str) -> dict:
    with open(DATA_DIR / name, "rb") as fh:
        return tomllib.load(fh)


def _trie_pattern(words: list[str]) -> str:
    """A regex matching any of `words`, longest first, as a prefix tree (fast on hundreds of names)."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict) -> str:
        end = "" in node
        branches = []
        for ch in sorted(k for k in node if k):
            esc = "[’']" if ch == "'" else re.escape(ch)
            esc = r"\s+" if ch == " " else esc
            branches.append(esc + build(node[ch]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return build(trie)


def gazetteer_regex(surfaces: list[str], *, ignore_case: bool = False) -> re.Pattern[str]:
    """Whole-word matcher for literal surfaces (apostrophes match ' or ’; spaces match any whitespace)."""
    keys = sorted({norm_key(s) for s in surfaces if s}, key=len, reverse=True)
    flags = re.IGNORECASE if ignore_case else 0
    # No leading (?<!\w): it would keep the engine from skipping ahead on first characters; callers
    # iterate with `word_matches`, which checks the left boundary.
    return re.compile(r"(?:" + _trie_pattern(keys) + r")(?![\w])", flags)


def word_matches(rx: re.Pattern[str], text: str, pos: int = 0, endpos: int | None = None):
    """rx.finditer, keeping matches that start a word."""
    for m in rx.finditer(text, pos, len(text) if endpos is None else endpos):
        s = m.start()
        if s and (text[s - 1].isalnum() or text[s - 1] == "_") and m.group()[0].isalnum():
            continue
        yield m


# ---------------------------------------------------------------- sentences

# Abbreviations after which a period does not end a sentence.
_NEVER_END = {"Mr", "Ms", "Mrs", "Dr", "St", "Gen", "Maj", "Lt", "Col", "No", "Jr", "Sr", "H.E", "Messrs", "Amb",
              "Major-Gen", "Brig-Gen", "Lt-Gen", "Maj-Gen", "Brig"}
# Ambiguous abbreviations ("U.S.", "D.C."): a sentence ends there only before a typical opener.
_AMBIGUOUS = {"U.S", "D.C", "U.K", "U.N", "DC"}
_OPENERS = {"The", "They", "He", "She", "It", "We", "This", "These", "Both", "In", "On", "During", "At",
            "Participants", "Ministers", "Members"}
_SENT_END = re.compile(r"[.!?][”\"’)]?(?=\s+[“\"(]?[A-Z0-9])")
_LINE = re.compile(r"[^\n]+")


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    text: str


def sentences(text: str) -> list[Sentence]:
    out: list[Sentence] = []
    for line in _LINE.finditer(text):
        ls, lt = line.start(), line.group()
        begin = 0
        for m in _SENT_END.finditer(lt):
            if lt[m.start()] == ".":
                word = lt[: m.start()].rsplit(None, 1)[-1] if lt[: m.start()].strip() else ""
                word = word.lstrip("(“\"")
                if word in _NEVER_END or (len(word) == 1 and word.isupper()):
                    continue
                if word in _AMBIGUOUS or (len(word) >= 3 and word[-2] == "." and word[-1].isupper()):
                    nxt = lt[m.end():].split(None, 1)
                    if not nxt or nxt[0].strip("“\"(") not in _OPENERS:
                        continue
            out.append(Sentence(ls + begin, ls + m.end(), lt[begin: m.end()]))
            begin = m.end()
            while begin < len(lt) and lt[begin].isspace():
                begin += 1
        if begin < len(lt):
            out.append(Sentence(ls + begin, ls + len(lt.rstrip()), lt[begin:].rstrip()))
    return out


class SentenceIndex:
    def __init__(self, sents: list[Sentence]):
        self.sents = sents
        self.starts = [s.start for s in sents]

    def index_of(self, pos: int) -> int:
        return max(0, bisect_right(self.starts, pos) - 1)

    def of(self, pos: int) -> Sentence:
        return self.sents[self.index_of(pos)]


# ---------------------------------------------------------------- tokens

_ABBREV_TOKENS = {"U.S.", "D.C.", "U.K.", "U.N.", "Mr.", "Ms.", "Mrs.", "Dr.", "H.E.", "Jr.", "Sr.", "St.",
                  "Gen.", "Maj.", "Lt.", "Col.", "Major-Gen.", "Amb."}
_TOKEN = re.compile(r"[^\W\d_](?:[\w\-/]|[’'](?=[^\W\d_]{2})|\.(?=[^\W\d_]\.))*\.?|\d[\d,.\-]*|[’']s\b|[^\s]")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


def tokens(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Tokens of text[start:end] with offsets into `text`."""
    out: list[Token] = []
    for m in _TOKEN.finditer(text, start, len(text) if end is None else end):
        t, s, e = m.group(), m.start(), m.end()
        if len(t) > 1 and t.endswith(".") and t[0].isalpha():
            if not (t in _ABBREV_TOKENS or (len(t) == 2 and t[0].isupper()) or "." in t[:-1]):
                out.append(Token(t[:-1], s, e - 1))
                out.append(Token(".", e - 1, e))
                continue
        out.append(Token(t, s, e))
    return out
