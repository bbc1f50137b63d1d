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
* the date from htmldate's ``find_date`` as trafilatura uses it (original publication date), first
  without, then only if that finds nothing with its extensive search (government pages often carry
  the date only in the text). The extensive search costs about six times the quick one and, where
  the quick one finds a date, almost always agrees with it (1,507 of 1,514 real pages; same
  accuracy against the WCXB ground truth, 655 vs 656 of 782): the cascade costs less than half;
* the site name from those, else from the ``<title>`` element, else the URL's host.

Must run on the tree before main-text extraction, which prunes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PageMeta", "page_metadata"]

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
    published = None
    for extensive in (False, True):
        date_params = set_date_params(extensive)
        date_params["url"] = page_url
        published = find_date(tree, **date_params)
        if published:
            break
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
