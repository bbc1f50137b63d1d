"""Trafilatura at less CPU, with the same results: two exact changes, swapped in while we clean.

1. **Guarded regular-expression XPaths.** Trafilatura selects boilerplate, comment and main-content
   containers with XPath expressions that test attributes against regular expressions (EXSLT
   ``re:test(@class, '…')``). lxml answers each test by a call back into Python, for every
   candidate element, whether or not the element has the attribute. Rewritten:

   * ``re:test(@id, 'P')`` (or ``re:test(@id, 'P', 'i')``) becomes ``((@id) and re:test(@id, 'P'))``
     when ``P`` cannot match an empty string. An absent attribute is an empty node-set, which
     ``re:test`` reads as ``''``, where such a pattern fails; libxml2 evaluates ``and`` lazily, so
     the call is skipped for elements without the attribute. Patterns that match ``''`` are left
     as they are.
   * The expressions are those in ``trafilatura.xpaths``' lists, and ``BASIC_CLEAN_XPATH``, which
     ``trafilatura.baseline`` holds by name: the baseline, ``html2txt`` and the jusText fallback
     prune with it, and its consent test ran for every element (2.1 -> 1.5 ms a page).
   * The expressions are compiled with ``smart_strings=False``: attribute values reach
     ``re:test`` as plain strings instead of string objects that know their parent element. Only
     expressions that select elements are rewritten, so no caller receives another kind of result.

   On the raw WCXB pages: ``OVERALL_DISCARD_XPATH`` 9.0 -> 6.0 ms a page, ``BODY_XPATH`` 5.8 -> 4.7.

   Then each ``re:test(@a, 'P')`` (guarded or not) becomes a call of a function of this module's own
   (``rc:tN(@a)``, one per pattern and flags) that answers from what it has already answered for the
   same string, else asks the compiled pattern as ``re:test`` does (``re.search``, ``re.IGNORECASE``
   for ``'i'``; the string is the first node of the node-set, as ``re:test`` takes it). Class and id
   values repeat from element to element and from one pass over the tree to the next (trafilatura
   evaluates its lists on several copies of a page), and ``re:test`` searched again each time, with
   ~60-way alternations: ``OVERALL_DISCARD_XPATH`` on the raw WCXB pages 5.5 -> 4.0 ms a page;
   ``pages.parse_page`` 56.8 -> 53.9 ms a page (``bench/trafilatura_speedups.py``, 0 results differ). What
   the functions remember is dropped when the last cleaning leaves ``active()``, and at
   ``_REMEMBERED_MAX`` strings a pattern.

2. **Element classes looked up in C.** ``lxml.html``'s parser picks each element's Python class
   (``HtmlElement``, ``FormElement`` for ``<form>`` …) with a lookup written in Python, called
   every time Python code touches an element it has not touched yet: thousands of times a page.
   The parser used here is a copy of trafilatura's (same options) whose lookup gives the same
   classes (lxml.html's own table for ``form``, ``input``, ``label``, ``select``, ``textarea``;
   ``HtmlElement``, ``HtmlComment``, ``HtmlProcessingInstruction``, ``HtmlEntity`` otherwise) from
   lxml's C-level lookups.

``active()`` swaps both into trafilatura for the duration of a cleaning and puts trafilatura's own
back when the last user leaves, so plain ``trafilatura.extract`` calls elsewhere (the benchmarks'
baseline) are left as they are. A tree parsed inside keeps its parser, and so its lookup.
``bench/trafilatura_speedups.py`` measures both, each page cleaned every way in turn in one
process (bench/README.md has the figures); every result must be identical, and was on the 1,497
WCXB pages.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import threading
from collections.abc import Iterator
from functools import cache
from typing import Any

import lxml.html
from lxml import etree
from lxml.etree import XPath
from trafilatura import utils, xpaths

__all__ = ["active", "compiled", "fast_parser", "forget", "guard", "in_use", "remembered", "rewritten"]

# re:test over one attribute or a union of attributes, with a quoted pattern and optional flags:
# re:test(@id|@class, '…') or re:test(@class, '…', 'i')
_RE_TEST = re.compile(r"re:test\((@[\w-]+(?:\s*\|\s*@[\w-]+)*)\s*,\s*'([^']*)'(?:\s*,\s*'([a-z]*)')?\)")
# Expressions trafilatura's modules hold by name, outside the lists of trafilatura.xpaths (the
# package's own name `baseline` is a function, hence import_module)
_NAMED = {"BASIC_CLEAN_XPATH": importlib.import_module("trafilatura.baseline")}
_PREDICATE = re.compile(r"\[[^\[\]]*\]")
_LOCK = threading.Lock()
_users = 0
_ORIGINAL_PARSER = utils.HTML_PARSER


def guard(path: str) -> str:
    """The XPath text with every guardable ``re:test`` evaluated only where its attribute exists."""

    def one(m: re.Match[str]) -> str:
        attrs, pattern, flags = m.group(1), m.group(2), m.group(3) or ""
        try:  # lxml's EXSLT re:test compiles the pattern with Python's re ('i': IGNORECASE)
            if re.search(pattern, "", re.IGNORECASE if "i" in flags else 0):  # matches an absent attribute too
                return m.group(0)
        except re.error:
            return m.group(0)
        return f"(({attrs}) and {m.group(0)})"

    return _RE_TEST.sub(one, path)


_MEMO_NS = "urn:readout-pipeline:remembered-re-test"
_REMEMBERED_MAX = 50_000  # strings a pattern remembers, at most (a page of unique class names)
_MEMO_FUNCTIONS: dict[tuple[str, str], Any] = {}  # (namespace, "tN") -> function, as lxml takes them
_MEMO_NAMES: dict[tuple[str, bool], str] = {}  # (pattern, ignore case) -> "tN"
_MEMO_RESULTS: list[dict[str, bool]] = []  # what each function remembers


def _remembering(pattern: str, ignore_case: bool) -> str:
    """The name of the function that answers ``re:test(s, pattern[, 'i'])`` for its strings."""
    key = (pattern, ignore_case)
    if (name := _MEMO_NAMES.get(key)) is not None:
        return name
    search = re.compile(pattern, re.UNICODE | (re.IGNORECASE if ignore_case else 0)).search
    results: dict[str, bool] = {}

    def test(_context: Any, value: list[str]) -> bool:
        # The argument is always an attribute node-set (_RE_TEST matches nothing else), which lxml
        # passes as a list of plain strings (smart_strings=False); re:test reads its first, '' if none.
        s = value[0] if value else ""
        found = results.get(s)
        if found is None:
            if len(results) >= _REMEMBERED_MAX:
                results.clear()
            found = results[s] = search(s) is not None
        return found

    name = _MEMO_NAMES[key] = f"t{len(_MEMO_NAMES)}"
    _MEMO_FUNCTIONS[(_MEMO_NS, name)] = test
    _MEMO_RESULTS.append(results)
    return name


def remembered(path: str) -> str:
    """The XPath text with every ``re:test`` over attributes answered by a remembering function."""

    def one(m: re.Match[str]) -> str:
        attrs, pattern, flags = m.group(1), m.group(2), m.group(3) or ""
        try:
            name = _remembering(pattern, "i" in flags)
        except re.error:
            return m.group(0)
        return f"rc:{name}({attrs})"

    return _RE_TEST.sub(one, path)


def compiled(path: str) -> XPath:
    """``path`` compiled with its ``re:test`` calls answered by remembering functions (`remembered`)."""
    return XPath(remembered(path), namespaces={"re": xpaths.REGEXP_NS, "rc": _MEMO_NS},
                 extensions=_MEMO_FUNCTIONS, smart_strings=False)


def forget() -> None:
    """Drop what the remembering functions remember."""
    for results in _MEMO_RESULTS:
        results.clear()


def _selects_elements(path: str) -> bool:
    """False when the expression may return strings (an attribute or text() step outside predicates)."""
    steps = path
    while True:  # drop predicates, innermost first
        stripped = _PREDICATE.sub("", steps)
        if stripped == steps:
            break
        steps = stripped
    return "@" not in steps and "text()" not in steps and "string(" not in steps


def _guarded(expr: Any) -> XPath | None:
    """The rewritten expression, or None when ``expr`` is not one to rewrite."""
    path = getattr(expr, "path", None)
    if not isinstance(expr, XPath) or not path or "re:test" not in path or not _selects_elements(path):
        return None
    return compiled(guard(path))


@cache
def rewritten() -> dict[str, list[tuple[int | None, Any, XPath]]]:
    """For each list in ``trafilatura.xpaths``: (index, original, rewritten) of the entries changed;
    for each expression of ``_NAMED``: (None, original, rewritten)."""
    out: dict[str, list[tuple[int | None, Any, XPath]]] = {}
    for name in dir(xpaths):
        entries = getattr(xpaths, name)
        if not (name.isupper() and isinstance(entries, list)):
            continue
        changed: list[tuple[int | None, Any, XPath]] = [
            (i, expr, new) for i, expr in enumerate(entries) if (new := _guarded(expr)) is not None
        ]
        if changed:
            out[name] = changed
    for name, module in _NAMED.items():
        if (new := _guarded(expr := getattr(module, name))) is not None:
            out[name] = [(None, expr, new)]
    return out


def in_use(name: str, i: int | None) -> Any:
    """The expression trafilatura uses now at a place ``rewritten()`` names."""
    return getattr(_NAMED[name], name) if i is None else getattr(xpaths, name)[i]


@cache
def fast_parser() -> Any:
    """Trafilatura's HTML parser (a copy: same options) with lxml.html's element classes looked up in C."""
    lookup = etree.ElementNamespaceClassLookup(
        etree.ElementDefaultClassLookup(
            element=lxml.html.HtmlElement,
            comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction,
            entity=lxml.html.HtmlEntity,
        )
    )
    by_tag = lookup.get_namespace(None)  # elements without a namespace: all of an HTML page's
    for tag, cls in lxml.html.HtmlElementClassLookup._default_element_classes.items():
        by_tag[tag] = cls
    parser = _ORIGINAL_PARSER.copy()
    parser.set_element_class_lookup(lookup)
    return parser


def _swap(table: dict[str, list[tuple[int | None, Any, XPath]]], parser: Any, on: bool) -> None:
    for name, changed in table.items():
        for i, original, new in changed:
            if i is None:
                setattr(_NAMED[name], name, new if on else original)
            else:
                getattr(xpaths, name)[i] = new if on else original
    utils.HTML_PARSER = parser if on else _ORIGINAL_PARSER


@contextlib.contextmanager
def active() -> Iterator[None]:
    """Run trafilatura with both changes inside the block (same results; a thread running
    trafilatura at the same time gets the same results too)."""
    global _users
    table, parser = rewritten(), fast_parser()  # built first: if that fails, nothing was swapped
    with _LOCK:
        _users += 1
        if _users == 1:
            _swap(table, parser, True)
    try:
        yield
    finally:
        with _LOCK:
            _users -= 1
            if _users == 0:
                _swap(table, parser, False)
                forget()
