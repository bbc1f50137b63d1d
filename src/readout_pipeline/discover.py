"""URL discovery: feeds, sitemaps, robots.txt ``Sitemap:`` lines and paginated listing pages.

Everything here is pure except :func:`discover`, which drives the parsers over an injected
``get(url) -> Fetched`` callable (the flows adapt the real fetcher to it); no network code lives
in this module.

XML (feeds, sitemaps) is parsed with :mod:`defusedxml`: documents that declare entities (billion
laughs, external entities) are refused with :class:`DiscoveryError` instead of being expanded.
Element names are matched on their local name, so namespace variants (sitemaps 0.9, Google's 0.84,
no namespace at all) all work.
"""

from __future__ import annotations

import io
import json
import re
import zlib
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit, urlunsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
import lxml.etree
import lxml.html
from courlan import normalize_url
from defusedxml import DefusedXmlException

from readout_pipeline.errors import ReadoutError, one_line

__all__ = [
    "DiscoveryError",
    "Fetched",
    "Link",
    "Listing",
    "SitemapParse",
    "canonical_url",
    "discover",
    "filter_links",
    "parse_feed",
    "parse_listing",
    "parse_sitemap",
    "sitemaps_from_robots",
]

#: Upper bound on the decompressed size of a gzipped sitemap (decompression-bomb guard).
MAX_DECOMPRESSED_BYTES = 100 * 1024 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_XML_NS = "{http://www.w3.org/XML/1998/namespace}"


class DiscoveryError(ReadoutError):
    """A feed, sitemap or listing page cannot be parsed (or was refused as unsafe)."""


@dataclass(frozen=True)
class Link:
    """A discovered URL. ``url`` is absolute and as published: it is what gets fetched."""

    url: str
    lastmod: datetime | None  # UTC-aware
    title: str | None = None
    via: str = ""  # "feed" | "sitemap" | "listing" | "robots" | "page"


@dataclass
class SitemapParse:
    urls: list[Link]
    sitemaps: list[Link]  # child sitemaps of a sitemap index
    truncated: bool = False  # entries beyond max_urls were dropped


@dataclass
class Listing:
    url: str
    link_pattern: str
    next_pattern: str | None = None
    max_pages: int = 5


@dataclass
class Fetched:
    """What the injected ``get`` returns. ``url`` is the final URL (after redirects)."""

    url: str
    ok: bool
    body: bytes | None
    error: str | None = None


# --------------------------------------------------------------------------------------------
# small helpers


def _local(tag: object) -> str:
    """Local, lower-cased name of an element tag ('{ns}pubDate' -> 'pubdate')."""
    if not isinstance(tag, str):  # comments / processing instructions
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _text(elem: Element | None) -> str:
    if elem is None or elem.text is None:
        return ""
    return elem.text.strip()


def _children(elem: Element, name: str) -> list[Element]:
    return [c for c in elem if _local(c.tag) == name]


def _child(elem: Element, *names: str) -> Element | None:
    """First direct child whose local name is one of ``names`` (in the order of ``names``)."""
    for name in names:
        for c in elem:
            if _local(c.tag) == name:
                return c
    return None


def _clean_title(text: str | None) -> str | None:
    if not text:
        return None
    text = one_line(text)
    return text or None


def _absolute(href: str | None, base_url: str) -> str | None:
    """Resolve ``href`` against ``base_url``; only http(s) URLs are kept."""
    if not href:
        return None
    href = href.strip()
    if not href:
        return None
    try:
        absolute = href[:8].lower().startswith(("http://", "https://"))
        url = href if absolute or not base_url else urljoin(base_url, href)
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


_W3C_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def _parse_date(value: str | None) -> datetime | None:
    """W3C/ISO 8601 (sitemaps, Atom, JSON Feed) or RFC 822 (RSS) -> UTC-aware datetime."""
    if not value:
        return None
    value = value.strip()
    if not value:
        return None
    dt: datetime | None = None
    try:
        iso = value
        if iso[-1:] in ("z", "Z"):
            iso = iso[:-1] + "+00:00"
        dt = datetime.fromisoformat(iso)
    except ValueError:
        m = _W3C_PARTIAL.match(value)
        if m:
            try:
                dt = datetime(int(m[1]), int(m[2] or 1), 1)
            except ValueError:
                return None
        else:
            try:
                dt = parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    try:
        return dt.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _first_date(elem: Element, names: Sequence[str]) -> datetime | None:
    for name in names:
        for c in _children(elem, name):
            dt = _parse_date(_text(c))
            if dt is not None:
                return dt
    return None


def _latest(*dates: datetime | None) -> datetime | None:
    present = [d for d in dates if d is not None]
    return max(present) if present else None


def _strip_xml_prefix(data: bytes | str) -> bytes | str:
    """Drop a UTF-8 BOM and leading whitespace (both make expat reject the XML declaration)."""
    if isinstance(data, bytes):
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with BOM: expat handles it
            return data
        return data.lstrip()
    return data.lstrip("\ufeff \t\r\n")


def _xml_root(data: bytes | str, what: str) -> Element:
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException as e:
        raise DiscoveryError(f"{what}: refused unsafe XML ({type(e).__name__})") from None
    except ParseError as e:
        raise DiscoveryError(f"{what}: malformed XML: {one_line(e)}") from None


# --------------------------------------------------------------------------------------------
# canonical URLs


def canonical_url(url: str) -> str:
    """The dedup key of a URL (not what is fetched).

    courlan's ``normalize_url``: lower-cased scheme and host, default ports (:80/:443) dropped,
    tracking query parameters (``utm_*``, ``fbclid``, ...) removed, the rest sorted; other
    ports are kept. The fragment is dropped and an empty path becomes ``/``. Idempotent.
    """
    url = url.strip()
    try:
        norm = normalize_url(url)
        parts = urlsplit(norm)
    except (ValueError, AttributeError):
        return url
    path = parts.path or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


# --------------------------------------------------------------------------------------------
# feeds


_RSS_PUBLISHED = ("pubdate", "date", "issued", "published", "created")  # dc:date, dcterms:*
_RSS_MODIFIED = ("modified", "updated")  # dcterms:modified, atom:updated
_ATOM_PUBLISHED = ("published", "issued", "created", "date")
_ATOM_MODIFIED = ("updated", "modified")


def parse_feed(data: bytes | str, base_url: str) -> list[Link]:
    """Item links of an RSS 2.0, RSS 1.0/RDF, Atom or JSON Feed document (``via="feed"``).

    Relative links are resolved against ``base_url`` (and Atom ``xml:base``). ``lastmod`` is the
    latest of the item's modified/published dates. Raises :class:`DiscoveryError` on malformed
    or unsafe input, or when the document is not a feed.
    """
    data = _strip_xml_prefix(data)
    first = data[:1]
    if first in ("{", b"{"):
        return _parse_json_feed(data, base_url)
    root = _xml_root(data, "feed")
    kind = _local(root.tag)
    if kind == "rss":
        channel = _child(root, "channel")
        items = _children(channel, "item") if channel is not None else []
        if not items:  # some producers put items directly under <rss>
            items = _children(root, "item")
        return _rss_items(items, base_url)
    if kind == "rdf":
        items = _children(root, "item")
        channel = _child(root, "channel")
        if not items and channel is not None:
            items = _children(channel, "item")
        return _rss_items(items, base_url)
    if kind == "feed":
        return _atom_entries(root, base_url)
    raise DiscoveryError(f"feed: not an RSS, Atom or JSON feed (root element <{kind or '?'}>)")


def _rss_items(items: Iterable[Element], base_url: str) -> list[Link]:
    links: list[Link] = []
    for item in items:
        href = _text(_child(item, "origlink"))  # feedburner:origLink is the real article
        if not href:
            href = _text(_child(item, "link"))
        if not href:  # atom:link inside an RSS item
            for ln in _children(item, "link"):
                if ln.get("href") and ln.get("rel", "alternate") == "alternate":
                    href = ln.get("href", "")
                    break
        if not href:
            guid = _child(item, "guid")
            if guid is not None and guid.get("isPermaLink", "true").strip().lower() != "false":
                href = _text(guid)
        if not href:
            href = item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about", "")
        url = _absolute(href, base_url)
        if url is None:
            continue
        lastmod = _latest(_first_date(item, _RSS_MODIFIED), _first_date(item, _RSS_PUBLISHED))
        title_el = _child(item, "title")
        title = _clean_title("".join(title_el.itertext()) if title_el is not None else None)
        links.append(Link(url=url, lastmod=lastmod, title=title, via="feed"))
    return links


def _atom_entries(root: Element, base_url: str) -> list[Link]:
    feed_base = _absolute(root.get(_XML_NS + "base"), base_url) or base_url
    links: list[Link] = []
    for entry in _children(root, "entry"):
        base = _absolute(entry.get(_XML_NS + "base"), feed_base) or feed_base
        href = ""
        fallback = ""
        for ln in _children(entry, "link"):
            rel = (ln.get("rel") or "alternate").strip().lower()
            if rel != "alternate" or not ln.get("href"):
                continue
            ln_type = (ln.get("type") or "").lower()
            if not ln_type or "html" in ln_type:
                href = ln.get("href", "")
                break
            fallback = fallback or ln.get("href", "")
        href = href or fallback
        if not href:  # no alternate link: an http(s) <id> is the permalink
            entry_id = _text(_child(entry, "id"))
            if entry_id.lower().startswith(("http://", "https://")):
                href = entry_id
        url = _absolute(href, base)
        if url is None:
            continue
        lastmod = _latest(_first_date(entry, _ATOM_MODIFIED), _first_date(entry, _ATOM_PUBLISHED))
        title_el = _child(entry, "title")
        title = _clean_title("".join(title_el.itertext()) if title_el is not None else None)
        links.append(Link(url=url, lastmod=lastmod, title=title, via="feed"))
    return links


def _parse_json_feed(data: bytes | str, base_url: str) -> list[Link]:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        raise DiscoveryError(f"feed: malformed JSON: {one_line(e)}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise DiscoveryError("feed: JSON document is not a JSON Feed (no items list)")
    links: list[Link] = []
    for item in doc["items"]:
        if not isinstance(item, dict):
            continue
        href = None
        for key in ("url", "external_url", "id"):
            value = item.get(key)
            if isinstance(value, str) and value.strip():
                if key == "id" and not value.strip().lower().startswith(("http://", "https://")):
                    continue
                href = value
                break
        url = _absolute(href, base_url)
        if url is None:
            continue
        dates = [item.get("date_modified"), item.get("date_published")]
        lastmod = _latest(*(_parse_date(d) if isinstance(d, str) else None for d in dates))
        title = item.get("title")
        links.append(
            Link(
                url=url,
                lastmod=lastmod,
                title=_clean_title(title) if isinstance(title, str) else None,
                via="feed",
            )
        )
    return links


# --------------------------------------------------------------------------------------------
# sitemaps


def _gunzip(data: bytes, limit: int | None = None) -> bytes:
    """Decompress (possibly multi-member) gzip, refusing output beyond ``limit`` bytes
    (default :data:`MAX_DECOMPRESSED_BYTES`)."""
    if limit is None:
        limit = MAX_DECOMPRESSED_BYTES
    out = bytearray()
    rest = data
    while rest[:2] == _GZIP_MAGIC:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            chunk = d.decompress(rest, limit + 1 - len(out))
            out += chunk
            if len(out) > limit or d.unconsumed_tail:
                raise DiscoveryError(
                    f"sitemap: gzip body exceeds {limit:,} bytes when decompressed"
                )
            out += d.flush()
        except zlib.error as e:
            raise DiscoveryError(f"sitemap: corrupt gzip data: {one_line(e)}") from None
        if not d.eof:
            raise DiscoveryError("sitemap: truncated gzip data")
        rest = d.unused_data.lstrip(b"\x00")
    return bytes(out)


def parse_sitemap(data: bytes, base_url: str, *, max_urls: int = 1_000_000) -> SitemapParse:
    """URLs of a ``<urlset>`` and child sitemaps of a ``<sitemapindex>``.

    Gzipped input is decompressed (bounded); ``<lastmod>`` (W3C datetime) becomes ``lastmod``
    (Google News ``publication_date`` is the fallback, ``news:title`` the title); hreflang
    alternates and image/video ``loc`` elements are ignored. Plain-text sitemaps (one URL per
    line) and RSS/Atom feeds used as sitemaps are accepted too. At most ``max_urls`` URLs and
    ``max_urls`` child sitemaps are kept; ``truncated`` says whether more were dropped.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if data[:2] == _GZIP_MAGIC:
        data = _gunzip(data)
    data = _strip_xml_prefix(data)  # type: ignore[assignment]
    if not data:
        return SitemapParse(urls=[], sitemaps=[])
    if data[:1] != b"<" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _parse_text_sitemap(data, base_url, max_urls)

    result = SitemapParse(urls=[], sitemaps=[])
    depth = 0
    root: Element | None = None
    kind = ""
    try:
        for event, elem in SafeET.iterparse(io.BytesIO(data), events=("start", "end")):
            if event == "start":
                depth += 1
                if root is None:
                    root, kind = elem, _local(elem.tag)
                    if kind in ("rss", "rdf", "feed"):
                        break
                    if kind not in ("urlset", "sitemapindex"):
                        raise DiscoveryError(
                            f"sitemap: not a sitemap (root element <{kind or '?'}>)"
                        )
                continue
            depth -= 1
            if depth != 1:
                continue
            name = _local(elem.tag)
            if name in ("url", "sitemap"):
                target = result.urls if name == "url" else result.sitemaps
                if len(target) >= max_urls:
                    result.truncated = True
                    break
                link = _sitemap_entry(elem, base_url)
                if link is not None:
                    target.append(link)
            assert root is not None
            root.clear()  # keep memory flat on 50k-entry sitemaps
    except DefusedXmlException as e:
        raise DiscoveryError(f"sitemap: refused unsafe XML ({type(e).__name__})") from None
    except ParseError as e:
        raise DiscoveryError(f"sitemap: malformed XML: {one_line(e)}") from None
    if kind in ("rss", "rdf", "feed"):  # the sitemaps protocol accepts feeds as sitemaps
        links = [replace(ln, via="sitemap") for ln in parse_feed(data, base_url)]
        return SitemapParse(urls=links[:max_urls], sitemaps=[], truncated=len(links) > max_urls)
    return result


def _sitemap_entry(elem: Element, base_url: str) -> Link | None:
    url = _absolute(_text(_child(elem, "loc")), base_url)
    if url is None:
        return None
    lastmod = _parse_date(_text(_child(elem, "lastmod")))
    title = None
    news = _child(elem, "news")
    if news is not None:
        if lastmod is None:
            lastmod = _parse_date(_text(_child(news, "publication_date")))
        title = _clean_title(_text(_child(news, "title")))
    return Link(url=url, lastmod=lastmod, title=title, via="sitemap")


def _parse_text_sitemap(data: bytes, base_url: str, max_urls: int) -> SitemapParse:
    result = SitemapParse(urls=[], sitemaps=[])
    for line in data.decode("utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line.lower().startswith(("http://", "https://")):
            continue
        url = _absolute(line, base_url)
        if url is None:
            continue
        if len(result.urls) >= max_urls:
            result.truncated = True
            break
        result.urls.append(Link(url=url, lastmod=None, via="sitemap"))
    return result


# --------------------------------------------------------------------------------------------
# robots.txt

_SITEMAP_LINE = re.compile(r"^\s*site-?map(?:\s*:\s*|\s+)(\S+)", re.IGNORECASE)


def sitemaps_from_robots(robots_txt: str, *, base_url: str | None = None) -> list[str]:
    """The ``Sitemap:`` URLs of a robots.txt, in order, without duplicates.

    Relative values are resolved against ``base_url`` when given (else dropped).
    """
    found: list[str] = []
    for line in robots_txt.lstrip("\ufeff").splitlines():
        m = _SITEMAP_LINE.match(line)
        if not m:
            continue
        url = _absolute(m[1], base_url or "")
        if url and url not in found:
            found.append(url)
    return found


# --------------------------------------------------------------------------------------------
# listing pages


def _compile(pattern: str, what: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as e:
        raise DiscoveryError(f"invalid {what} regex {pattern!r}: {e}") from None


def _html_doc(html: str | bytes) -> lxml.html.HtmlElement | None:
    if isinstance(html, str) and not html.strip():
        return None
    if isinstance(html, bytes) and not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except ValueError:  # str with an XML encoding declaration
        if isinstance(html, str):
            return lxml.html.document_fromstring(html.encode("utf-8"))
        raise
    except lxml.etree.ParserError:
        return None


def parse_listing(
    html: str | bytes,
    base_url: str,
    link_pattern: str,
    next_pattern: str | None = None,
    *,
    seen: Collection[str] = (),
) -> tuple[list[Link], str | None]:
    """Article links on a listing page and the next page's URL.

    Links: absolute ``<a href>`` URLs matching ``link_pattern`` (``re.search``), deduplicated
    (by :func:`canonical_url`) in page order, ``via="listing"``; ``<base href>`` is honoured.
    Next page: ``<link rel=next>`` / ``<a rel=next>`` first, else the first ``<a href>`` whose
    absolute URL matches ``next_pattern`` and is neither the current URL nor in ``seen``
    (canonical URLs of pages already visited, so "previous"/"1" pager links are skipped).
    """
    link_re = _compile(link_pattern, "link_pattern")
    next_re = _compile(next_pattern, "next_pattern") if next_pattern else None
    doc = _html_doc(html)
    if doc is None:
        return [], None
    base = base_url
    for b in doc.iter("base"):
        href = b.get("href")
        if href:
            base = _absolute(href, base_url) or base_url
            break
    current = canonical_url(base_url)

    links: list[Link] = []
    keys: set[str] = set()
    anchors: list[tuple[str, lxml.html.HtmlElement]] = []
    for a in doc.iter("a"):
        url = _absolute(a.get("href"), base)
        if url is None:
            continue
        anchors.append((url, a))
        if not link_re.search(url):
            continue
        key = canonical_url(url)
        if key in keys:
            continue
        keys.add(key)
        title = _clean_title(a.text_content()) or _clean_title(a.get("title"))
        links.append(Link(url=url, lastmod=None, title=title, via="listing"))

    next_url: str | None = None
    for el in doc.iter("link", "a"):
        rels = (el.get("rel") or "").lower().split()
        if "next" in rels:
            url = _absolute(el.get("href"), base)
            if url is not None and canonical_url(url) != current:
                next_url = url
                break
    if next_url is None and next_re is not None:
        skip = {canonical_url(u) for u in seen}
        skip.add(current)
        for url, _a in anchors:
            if next_re.search(url) and canonical_url(url) not in skip:
                next_url = url
                break
    return links, next_url


# --------------------------------------------------------------------------------------------
# filtering and dedup


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _dedup(links: Iterable[Link]) -> list[Link]:
    """Dedup by canonical URL keeping the first; its lastmod becomes the max of the group's
    and a missing title is taken from a later duplicate."""
    merged: dict[str, Link] = {}
    for link in links:
        key = canonical_url(link.url)
        prev = merged.get(key)
        if prev is None:
            merged[key] = link
            continue
        lastmod = _latest(prev.lastmod, link.lastmod)
        title = prev.title or link.title
        if lastmod != prev.lastmod or title != prev.title:
            merged[key] = replace(prev, lastmod=lastmod, title=title)
    return list(merged.values())


def filter_links(
    links: Iterable[Link],
    include: Sequence[str],
    exclude: Sequence[str],
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Link]:
    """Keep links whose URL matches any ``include`` regex (when given) and no ``exclude``
    regex; dedup by :func:`canonical_url` (first wins, lastmod = latest of the duplicates);
    then keep those with ``since <= lastmod <= until`` (links without lastmod are kept).
    Naive ``since``/``until`` are taken as UTC."""
    inc = [_compile(p, "include") for p in include]
    exc = [_compile(p, "exclude") for p in exclude]
    since, until = _utc(since), _utc(until)
    kept = (
        ln
        for ln in links
        if (not inc or any(r.search(ln.url) for r in inc))
        and not any(r.search(ln.url) for r in exc)
    )
    out: list[Link] = []
    for ln in _dedup(kept):
        if ln.lastmod is not None:
            lm = _utc(ln.lastmod)
            assert lm is not None
            if (since is not None and lm < since) or (until is not None and lm > until):
                continue
        out.append(ln)
    return out


# --------------------------------------------------------------------------------------------
# the driver


@dataclass
class _Run:
    get: Callable[[str], Fetched]
    max_urls: int
    links: dict[str, Link] = field(default_factory=dict)  # canonical URL -> merged link
    problems: list[str] = field(default_factory=list)
    capped: bool = False

    def problem(self, kind: str, url: str, message: object) -> None:
        self.problems.append(one_line(f"{kind} {url}: {message}"))

    def fetch(self, kind: str, url: str) -> tuple[str, bytes] | None:
        """(final URL, body), or None after recording a problem."""
        try:
            got = self.get(url)
        except Exception as e:  # the getter is injected: one bad entry point must not stop the rest
            self.problem(kind, url, f"{type(e).__name__}: {e}")
            return None
        if not got.ok:
            self.problem(kind, url, got.error or "fetch failed")
            return None
        if got.body is None:
            self.problem(kind, url, got.error or "empty body")
            return None
        return (got.url or url), got.body

    def room(self) -> int:
        return max(self.max_urls - len(self.links), 0)

    def note_cap(self) -> None:
        if not self.capped:
            self.capped = True
            self.problems.append(
                f"discover: max_urls {self.max_urls} reached; further links dropped"
            )

    def add(self, links: Iterable[Link]) -> None:
        for link in links:
            key = canonical_url(link.url)
            prev = self.links.get(key)
            if prev is not None:
                lastmod = _latest(prev.lastmod, link.lastmod)
                title = prev.title or link.title
                if lastmod != prev.lastmod or title != prev.title:
                    self.links[key] = replace(prev, lastmod=lastmod, title=title)
            elif len(self.links) >= self.max_urls:
                self.note_cap()
            else:
                self.links[key] = link


def discover(
    *,
    feeds: Sequence[str],
    sitemaps: Sequence[str],
    listings: Sequence[Listing],
    pages: Sequence[str],
    robots_sitemaps_for: Sequence[str],
    get: Callable[[str], Fetched],
    max_sitemap_depth: int = 3,
    max_urls: int = 100_000,
) -> tuple[list[Link], list[str]]:
    """Collect links from every entry point; returns ``(links, problems)``.

    * ``feeds``: feed URLs (``via="feed"``).
    * ``sitemaps``: sitemap URLs; indexes are followed up to ``max_sitemap_depth`` levels below
      the entry sitemap, never fetching the same sitemap twice (``via="sitemap"``).
    * ``robots_sitemaps_for``: home URLs whose ``/robots.txt`` ``Sitemap:`` lines are followed
      like ``sitemaps`` (links found that way have ``via="robots"``).
    * ``listings``: paginated listing pages, at most ``max_pages`` each, never the same page
      twice (``via="listing"``).
    * ``pages``: passed through (``via="page"``, no fetch).

    A failing entry point adds one line to ``problems`` (``"feed https://…: HTTP 404"``) and the
    others continue. Links are deduplicated by :func:`canonical_url` (first wins, latest lastmod)
    and capped at ``max_urls``.
    """
    run = _Run(get=get, max_urls=max_urls)

    for url in feeds:
        got = run.fetch("feed", url)
        if got is None:
            continue
        try:
            run.add(parse_feed(got[1], got[0]))
        except DiscoveryError as e:
            run.problem("feed", url, e)

    # sitemaps: explicit ones, then those named in robots.txt
    queue: list[tuple[str, int, str]] = [(u, 0, "sitemap") for u in sitemaps]
    for home in robots_sitemaps_for:
        robots_url = _absolute("/robots.txt", home)
        if robots_url is None:
            run.problem("robots", home, "not an http(s) URL")
            continue
        got = run.fetch("robots", robots_url)
        if got is None:
            continue
        text = got[1].decode("utf-8", errors="replace")
        found = sitemaps_from_robots(text, base_url=got[0])
        if not found:
            run.problem("robots", robots_url, "no Sitemap: lines")
        queue.extend((u, 0, "robots") for u in found)

    visited: set[str] = set()
    i = 0
    while i < len(queue):
        url, depth, via = queue[i]
        i += 1
        key = canonical_url(url)
        if key in visited:
            continue
        visited.add(key)
        if run.room() == 0:
            run.note_cap()
            break
        got = run.fetch("sitemap", url)
        if got is None:
            continue
        try:
            parsed = parse_sitemap(got[1], got[0], max_urls=run.room())
        except DiscoveryError as e:
            run.problem("sitemap", url, e)
            continue
        if parsed.truncated:
            run.problem("sitemap", url, f"truncated at {run.room()} URLs (max_urls)")
        run.add(replace(ln, via=via) if via != "sitemap" else ln for ln in parsed.urls)
        children = [c.url for c in parsed.sitemaps if canonical_url(c.url) not in visited]
        if children and depth >= max_sitemap_depth:
            run.problem(
                "sitemap",
                url,
                f"index depth limit {max_sitemap_depth} reached; "
                f"{len(children)} child sitemaps not followed",
            )
            continue
        queue.extend((c, depth + 1, via) for c in children)

    for listing in listings:
        _walk_listing(run, listing)

    run.add(Link(url=u.strip(), lastmod=None, via="page") for u in pages if u.strip())

    return list(run.links.values()), run.problems


def _walk_listing(run: _Run, listing: Listing) -> None:
    try:
        _compile(listing.link_pattern, "link_pattern")
        if listing.next_pattern:
            _compile(listing.next_pattern, "next_pattern")
    except DiscoveryError as e:
        run.problem("listing", listing.url, e)
        return
    seen: set[str] = set()
    url: str | None = listing.url
    pages = 0
    while url is not None and pages < listing.max_pages:
        key = canonical_url(url)
        if key in seen:
            break
        seen.add(key)
        pages += 1
        got = run.fetch("listing", url)
        if got is None:
            break
        final_url, body = got
        seen.add(canonical_url(final_url))
        try:
            links, url = parse_listing(
                body, final_url, listing.link_pattern, listing.next_pattern, seen=seen
            )
        except DiscoveryError as e:  # pragma: no cover - patterns were checked above
            run.problem("listing", url or listing.url, e)
            break
        run.add(links)
