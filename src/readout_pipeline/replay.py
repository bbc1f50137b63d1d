"""Replay a feed recorded day by day (the state.gov press-release RSS snapshots in ../shared)
from a local HTTP server, one simulated day at a time.

``load_snapshots`` reads ``<root>/snapshots/*/data.rss`` in name (= date) order. ``ReplaySite``
serves, for the current ``day`` (an index into the snapshots):

- ``/feed.rss``: that day's items, links rewritten to local page URLs (same path as the original);
- ``/<original path>``: the item's ``content:encoded`` body as of that day (the newest version
  published on or before it) rendered into an HTML page with site chrome; a strong ETag (hash of
  the rendered bytes), ``304`` on a matching ``If-None-Match``;
- ``/robots.txt``: allow all.

Rendering never depends on the day, so a page changes only when its item was edited. Every request
is logged in ``request_log`` as ``(day, method, path, status)``. Test and benchmark support: no
Prefect, standard library only (plus defusedxml, already a dependency).
"""

from __future__ import annotations

import hashlib
import html
import threading
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from defusedxml import ElementTree as ET

__all__ = ["FeedItem", "Snapshot", "load_snapshots", "render_page", "render_feed", "ReplaySite"]

_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"


@dataclass(frozen=True)
class FeedItem:
    link: str
    title: str
    pub_date: str  # RFC 822, as in the feed
    creator: str
    body_html: str

    @property
    def path(self) -> str:
        return urlsplit(self.link).path or "/"


@dataclass(frozen=True)
class Snapshot:
    name: str  # folder name: <commit time UTC>_<commit8>
    items: tuple[FeedItem, ...]

    @property
    def day(self) -> str:
        return f"{self.name[:4]}-{self.name[4:6]}-{self.name[6:8]}"


def _text(elem, tag: str) -> str:
    found = elem.find(tag)
    return (found.text or "").strip() if found is not None and found.text else ""


def parse_snapshot(path: Path) -> Snapshot:
    root = ET.parse(path).getroot()
    items = []
    for it in root.findall("./channel/item"):
        link = _text(it, "link")
        if not link:
            continue
        items.append(
            FeedItem(
                link=link,
                title=_text(it, "title"),
                pub_date=_text(it, "pubDate"),
                creator=_text(it, _CREATOR),
                body_html=(it.findtext(_CONTENT) or ""),
            )
        )
    return Snapshot(path.parent.name, tuple(items))


def load_snapshots(root: Path) -> list[Snapshot]:
    """Every ``<root>/snapshots/*/data.rss``, oldest first."""
    return [parse_snapshot(p) for p in sorted(Path(root).glob("snapshots/*/data.rss"))]


def _iso(pub_date: str) -> str:
    try:
        return parsedate_to_datetime(pub_date).isoformat()
    except (TypeError, ValueError):
        return ""


def render_page(item: FeedItem) -> bytes:
    """The item as a publisher's HTML page: navigation, breadcrumb, the body, share links, footer."""
    title = html.escape(item.title)
    published = html.escape(_iso(item.pub_date))
    creator = f'<p class="article-meta__author">{html.escape(item.creator)}</p>' if item.creator else ""
    page = f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="utf-8">
<title>{title} - Replayed Department of State</title>
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="{published}">
<link rel="canonical" href="{html.escape(item.link)}">
</head>
<body>
<header class="site-header"><nav><ul>
<li><a href="/">Home</a></li><li><a href="/feed.rss">Press Releases</a></li>
<li><a href="/about/">About</a></li><li><a href="/contact/">Contact</a></li>
</ul></nav></header>
<div class="cookie-banner">This site uses cookies to improve your experience. <a href="/privacy/">Privacy policy</a> <button>Accept</button></div>
<main>
<article>
<p class="breadcrumb"><a href="/">Home</a> &rsaquo; <a href="/feed.rss">Press Releases</a></p>
<h1>{title}</h1>
{creator}
<p class="article-meta__date">{published[:10]}</p>
<div class="entry-content">
{item.body_html}
</div>
</article>
<aside class="share"><a href="https://twitter.example/share">Share on Twitter</a> <a href="https://facebook.example/share">Share on Facebook</a> <a href="#" onclick="print()">Print</a></aside>
</main>
<footer><p>Replayed copy of a public-domain U.S. federal government feed, for tests.</p>
<ul><li><a href="/privacy/">Privacy Policy</a></li><li><a href="/accessibility/">Accessibility</a></li></ul></footer>
</body>
</html>
"""
    return page.encode("utf-8")


def render_feed(snapshot: Snapshot, base_url: str) -> bytes:
    """That day's items as RSS 2.0, linking to ``base_url`` + the original path."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
        "<title>Press Releases (replay)</title>\n"
        f"<link>{html.escape(base_url)}/</link>\n<description>replay of {html.escape(snapshot.name)}</description>\n"
    ]
    for item in snapshot.items:
        url = base_url + item.path
        parts.append(
            "<item>\n"
            f"<title>{html.escape(item.title)}</title>\n"
            f"<link>{html.escape(url)}</link>\n"
            f"<guid isPermaLink=\"true\">{html.escape(url)}</guid>\n"
            f"<pubDate>{html.escape(item.pub_date)}</pubDate>\n"
            "</item>\n"
        )
    parts.append("</channel>\n</rss>\n")
    return "".join(parts).encode("utf-8")


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class ReplaySite:
    """Serve the snapshots as of ``day`` (settable) on 127.0.0.1. Use as a context manager."""

    def __init__(self, snapshots: list[Snapshot], day: int = 0) -> None:
        if not snapshots:
            raise ValueError("no snapshots to replay")
        self.snapshots = snapshots
        self.request_log: list[tuple[int, str, str, int]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._pages: dict[str, bytes] = {}
        self._day = -1
        self.day = day

    # -- what is served --------------------------------------------------------------------
    @property
    def day(self) -> int:
        return self._day

    @day.setter
    def day(self, value: int) -> None:
        if not 0 <= value < len(self.snapshots):
            raise ValueError(f"day must be in 0..{len(self.snapshots) - 1}, not {value}")
        with self._lock:
            start = 0 if value < self._day else self._day + 1
            pages = {} if start == 0 else dict(self._pages)
            for snap in self.snapshots[start : value + 1]:
                for item in snap.items:
                    pages[item.path] = render_page(item)
            self._pages = pages
            self._day = value

    @property
    def snapshot(self) -> Snapshot:
        return self.snapshots[self._day]

    def page(self, path: str) -> bytes | None:
        """The rendered page at `path` as of the current day."""
        return self._pages.get(path)

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the replay site is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def feed_url(self) -> str:
        return self.base_url + "/feed.rss"

    # -- server ----------------------------------------------------------------------------
    def start(self) -> ReplaySite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                path = urlsplit(self.path).path
                ctype = "text/html; charset=utf-8"
                if path == "/robots.txt":
                    body: bytes | None = b"User-agent: *\nAllow: /\n"
                    ctype = "text/plain; charset=utf-8"
                elif path == "/feed.rss":
                    body = render_feed(site.snapshot, site.base_url)
                    ctype = "application/rss+xml; charset=utf-8"
                else:
                    body = site.page(path)
                if body is None:
                    self._send(404, b"not found", "text/plain", None)
                    return
                etag = etag_for(body)
                if etag in [t.strip() for t in (self.headers.get("If-None-Match") or "").split(",")]:
                    self._send(304, b"", ctype, etag)
                else:
                    self._send(200, body, ctype, etag)

            def _send(self, status: int, body: bytes, ctype: str, etag: str | None) -> None:
                with site._lock:
                    site.request_log.append((site._day, "GET", urlsplit(self.path).path, status))
                self.send_response(status)
                if etag:
                    self.send_header("ETag", etag)
                if status != 304:
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                else:
                    self.send_header("Content-Length", "0")
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ReplaySite:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
