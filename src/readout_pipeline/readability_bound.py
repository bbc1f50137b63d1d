"""Trafilatura without the readability runs that cannot change its result (exact, not a heuristic).

In its default (balanced) mode trafilatura compares its own extraction with readability's on every
page (``trafilatura.external.compare_extraction``; about 10 ms of CPU a page here, a sixth of the
cleaning). Readability's text replaces its own only when it is more than twice as long, when its
own is empty, or when its own is structurally deficient (no paragraph text, or more tables than
paragraphs); justext is tried only when its own text is short or holds unclean elements.

Readability's output is a part of the page's visible text: it drops ``script``, ``style`` and
``fencedframe`` elements first and then keeps some of what is left. So when trafilatura's own text
is sound, long enough, clean, and at least half as long as all of that visible text (counted with
its whitespace: a looser bound than readability's trimmed text, at a fraction of the cost),
``compare_extraction`` is bound to return it unchanged; ``compare_extraction_bounded`` then returns
it without running readability, and otherwise calls trafilatura's function. Measured on the 1,497
WCXB pages: every cleaned text identical with and without it, readability's trimmed text never
longer than the bound, readability skipped on about 60 % of the comparisons, and 1.7 ms of CPU saved
per page (2.5 %) net of the bound's own cost.

``bounded_comparison()`` installs it for one extraction and then puts trafilatura's own back, so
plain ``trafilatura.extract`` calls elsewhere in the process (the benchmarks' baseline) are left
as they are. When a trafilatura release moves the function, it does nothing (``ACTIVE`` is False).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from trafilatura import core, external

__all__ = ["ACTIVE", "bounded_comparison", "compare_extraction_bounded", "readability_cannot_win"]

ACTIVE = getattr(core, "compare_extraction", None) is getattr(external, "compare_extraction", False)

_DROPPED = ("script", "style", "fencedframe")  # readability drops these before anything else
# Serialising and re-parsing readability's output could in principle change the count by a few
# whitespace characters: keep a margin.
_MARGIN_CHARS = 64


def readability_cannot_win(raw_tree: Any, body: Any, text: str, options: Any) -> bool:
    """True when ``compare_extraction(…, raw_tree, body, text, options)`` must return (body, text)."""
    if options.focus == "recall":  # recall mode also prefers readability at 1.5 x: not covered
        return False
    n = len(text)
    if n < options.min_extracted_size or body.xpath(external.SANITIZED_XPATH):
        return False  # justext would be tried
    if not body.xpath(".//p//text()") or len(body.findall(".//table")) > len(body.findall(".//p")):
        return False  # structurally deficient: readability may win at any length
    return 2 * n >= _visible_chars(raw_tree) + _MARGIN_CHARS


def _visible_chars(tree: Any) -> int:
    """Characters of the tree's text outside script, style and fencedframe elements (whitespace
    not collapsed: an upper bound of readability's trimmed text at a fraction of the cost)."""
    hidden = sum(len(el.text_content()) for el in tree.iter(*_DROPPED) if _outermost(el))
    return len(tree.text_content()) - hidden


def _outermost(el: Any) -> bool:
    return not any(a.tag in _DROPPED for a in el.iterancestors())


def compare_extraction_bounded(cleaned_tree: Any, raw_tree: Any, body: Any, text: str, options: Any) -> Any:
    if readability_cannot_win(raw_tree, body, text, options):
        return body, text
    return external.compare_extraction(cleaned_tree, raw_tree, body, text, options)


@contextlib.contextmanager
def bounded_comparison() -> Iterator[None]:
    """Run trafilatura with ``compare_extraction_bounded`` inside the block (the result is the
    same; a thread running trafilatura at the same time gets the same result too)."""
    if not ACTIVE:
        yield
        return
    core.compare_extraction = compare_extraction_bounded
    try:
        yield
    finally:
        core.compare_extraction = external.compare_extraction
