"""A page's title, publication date, author and site name from its parsed HTML tree (pure).

The parts of trafilatura's metadata extraction this project stores, and nothing else. Calling
``trafilatura.bare_extraction(with_metadata=True)`` also costs categories, tags, licence and a
DOM-wide author search on a copy of the whole tree: about half the cost of cleaning a page,
for fields nothing reads. Here:

* meta tags (OpenGraph, Dublin Core, twitter:, ``name=author`` ...) and JSON-LD, as trafilatura
  reads them (``examine_meta``, ``extract_meta_json``);
* the title from those, else trafilatura's ``extract_title`` (a single ``<h1>``, title XPaths,
  ``<title>``);
* the author from meta tags and JSON-LD only (no DOM-wide byline search);
* the date from htmldate's ``find_date`` without its extensive search (meta tags, JSON-LD, the URL,
  ``<time>``/``<abbr>`` and date-classed elements, timestamps). When that finds nothing,
  ``text_date`` looks for a date in the title and the main text once it is extracted (government
  pages often carry it only there: "December 6, 2021" under a Belarus MFA statement). htmldate's
  extensive search of the whole page was measured against this on the WCXB pages where the
  quick search finds nothing (423 of 1,497): it found 27 right dates but put a wrong one on 367
  pages (249 of them a 1 January guessed from a bare year such as a copyright line), and cost
  16.7 ms per page over the corpus; ``text_date`` finds 8 right and 75 wrong, for 0.35 ms, and
  the same 4 dates on the government pages that carry theirs in the text;
* the site name from those, else from the ``<title>`` element, else the URL's host.

Must run on the tree before main-text extraction, which prunes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PageMeta", "page_metadata", "text_date"]

_HOST = re.compile(r"https?://(?:www\.|w[0-9]+\.)?([^/]+)")


@dataclass(frozen=True)
class PageMeta:
    title: str | None = None
    date: str | None = None  # ISO date as htmldate returns it
    author: str | None = None
    sitename: str | None = None


def page_metadata(tree, url: str | None = None) -> PageMeta:
    """Metadata of a parsed page (an lxml HTML tree as ``trafilatura.utils.load_html`` returns)."""
    from htmldate import find_date
    from trafilatura.metadata import (
        examine_meta,
        extract_meta_json,
        extract_sitename,
        extract_title,
        extract_url,
    )
    from trafilatura.settings import set_date_params

    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:  # a handle, not a name (as trafilatura does)
        meta.author = None
    try:
        meta = extract_meta_json(tree, meta)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError):  # malformed JSON-LD
        pass
    title = meta.title or extract_title(tree)
    page_url = meta.url or extract_url(tree, url)
    date_params = set_date_params(False)
    date_params["url"] = page_url
    published = find_date(tree, **date_params)
    sitename = meta.sitename or extract_sitename(tree)
    if sitename:
        sitename = sitename.lstrip("@")
        if sitename and "." not in sitename and not sitename[0].isupper():
            sitename = sitename.title()
    elif page_url and (m := _HOST.match(page_url)):
        sitename = m.group(1)
    return PageMeta(title=_trim(title), date=published or None, author=_trim(meta.author),
                    sitename=_trim(sitename))


def _trim(value: str | None) -> str | None:
    """Entities decoded, control characters and runs of spaces removed, at most 10,000 characters
    (trafilatura's ``clean_and_trim``)."""
    if not value:
        return None
    from html import unescape

    from trafilatura.utils import line_processing

    if len(value) > 10000:
        value = value[:9999] + "…"
    return line_processing(unescape(value)) or None


_TEXT_HEAD, _TEXT_TAIL = 1000, 300  # characters of main text searched: its opening and its end


def text_date(title: str | None, text: str) -> str | None:
    """A publication date written in the title or the main text (its first 1,000 and last 300
    characters: datelines open or close a statement), by htmldate's extensive search over a small
    document made of them alone, so page chrome (copyright years, calendars) cannot answer. A
    1 January that is not written out as such is htmldate's reading of a bare year: no date."""
    from html import escape

    from htmldate import find_date
    from trafilatura.settings import set_date_params

    if not text and not title:
        return None
    if len(text) > _TEXT_HEAD + _TEXT_TAIL:
        text = f"{text[:_TEXT_HEAD]}\n{text[-_TEXT_TAIL:]}"
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in text.splitlines())
    page = f"<html><head><title>{escape(title or '')}</title></head><body>{paragraphs}</body></html>"
    found = find_date(page, **set_date_params(True)) or None
    if found and found.endswith("-01-01") and not _JANUARY_FIRST.search(f"{title or ''}\n{text}"):
        return None  # htmldate's reading of a bare year ("since 2014"), not a date
    return found


# A 1 January written out: "1 January 2024", "January 1st, 2024", "01.01.2024", "2024-01-01".
_JANUARY_FIRST = re.compile(
    r"\b0?1(?:st)?\s+jan(?:uary|\.)?\b|\bjan(?:uary|\.)?\s+0?1(?:st)?\b|\b0?1[./-]0?1[./-]\d{2,4}\b|"
    r"\b\d{4}-01-01\b",
    re.IGNORECASE,
)
