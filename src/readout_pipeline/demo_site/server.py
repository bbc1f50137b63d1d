"""Serve the bundled demo publishers on 127.0.0.1, one HTTP server (own port) per publisher.

Standard library only. Responses are deterministic per revision: strong ETag (quoted SHA-256 of
the body) and Last-Modified on everything, conditional GET -> 304, correct content types.
"""

from __future__ import annotations

import hashlib
import re
import threading
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from ..config import Listing, Politeness, Source
from .content import Publisher, load_publishers
from .render import HTML, Resource, entry_points, http_date, render

HOST = "127.0.0.1"

_NOT_FOUND = (
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Page not found</title></head>'
    b"<body><h1>Page not found</h1><p>The page you requested does not exist or has been moved.</p>"
    b'<p><a href="/">Return to the home page</a></p></body></html>\n'
)


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest() + '"'


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    site: DemoSite
    key: str


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "DemoOfficialSite/1.0"
    timeout = 15  # idle keep-alive connections are closed after this many seconds
    server: _Server

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args) -> None:  # quiet: no per-request stderr
        pass

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def _respond(self, *, head: bool) -> None:
        site, key = self.server.site, self.server.key
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        res = site.resource(key, parts.path or "/", query)
        if res is None:
            self._send(404, HTML, _NOT_FOUND, head=head)
            return
        etag = etag_for(res.body)
        headers = {
            "ETag": etag,
            "Last-Modified": http_date(res.last_modified),
            "Cache-Control": "public, max-age=300",
        }
        if self._not_modified(etag, res):
            # Logged before the response goes out: a client that has its answer sees it logged.
            site._log(key, self.command, self.path, 304)
            self.send_response(304)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            return
        self._send(200, res.content_type, res.body, head=head, headers=headers)

    def _not_modified(self, etag: str, res: Resource) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
            tags = [t.strip() for t in inm.split(",")]
            return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = parsedate_to_datetime(ims)
            except (TypeError, ValueError, IndexError):
                return False
            if since is None or since.tzinfo is None:
                return False
            return int(res.last_modified.timestamp()) <= int(since.timestamp())
        return False

    def _send(self, status: int, ctype: str, body: bytes, *, head: bool, headers=None) -> None:
        # Logged before the response goes out: a client that has its answer sees it logged.
        self.server.site._log(self.server.key, self.command, self.path, status)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)


class DemoSite:
    """The demo publishers, each on its own 127.0.0.1 port, rendering content `revision`.

    >>> with DemoSite() as site:
    ...     sources = site.sources()   # config.Source objects pointing at the running ports
    """

    def __init__(self, revision: int = 1, ports: dict[str, int] | None = None) -> None:
        self.publishers: dict[str, Publisher] = load_publishers()
        unknown = set(ports or {}) - set(self.publishers)
        if unknown:
            raise ValueError(f"unknown publisher key(s): {', '.join(sorted(unknown))}")
        self._preferred: dict[str, int] = {k: (ports or {}).get(k) or 0 for k in self.publishers}
        self.revision = revision
        self.base_urls: dict[str, str] = {}
        self.ports: dict[str, int] = {}
        self.request_log: list[tuple[str, str, str, int]] = []
        self._log_lock = threading.Lock()
        self._cache: dict[tuple, Resource | None] = {}
        self._cache_lock = threading.Lock()
        self._servers: dict[str, _Server] = {}
        self._threads: dict[str, threading.Thread] = {}

    # -- revision ------------------------------------------------------------------------------
    @property
    def revision(self) -> int:
        return self._revision

    @revision.setter
    def revision(self, value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"revision must be an integer >= 1, not {value!r}")
        self._revision = value

    @property
    def keys(self) -> list[str]:
        return list(self.publishers)

    @property
    def running(self) -> bool:
        return bool(self._servers)

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> DemoSite:
        if self._servers:
            return self
        try:
            for key in self.publishers:
                server = self._bind(self._preferred[key])
                server.site, server.key = self, key
                port = server.server_address[1]
                self._servers[key] = server
                self.ports[key] = port
                self.base_urls[key] = f"http://{HOST}:{port}"
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.1},
                    name=f"demo-site-{key}",
                    daemon=True,
                )
                self._threads[key] = thread
                thread.start()
        except BaseException:
            self.stop()
            raise
        return self

    @staticmethod
    def _bind(preferred: int) -> _Server:
        if preferred:
            try:
                return _Server((HOST, preferred), _Handler)
            except OSError:
                pass  # busy: fall back to a free port
        return _Server((HOST, 0), _Handler)

    def stop(self) -> None:
        for key, server in list(self._servers.items()):
            if key in self._threads:
                server.shutdown()
            server.server_close()
        for thread in self._threads.values():
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()
        self.base_urls.clear()
        self.ports.clear()
        with self._cache_lock:
            self._cache.clear()

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- content ------------------------------------------------------------------------------
    def resource(self, key: str, path: str, query: dict[str, str] | None = None) -> Resource | None:
        """What the server answers for `path` on publisher `key` at the current revision."""
        base = self.base_urls.get(key)
        if base is None:
            raise RuntimeError("the demo site is not running; call start() first")
        query = query or {}
        revision = self._revision
        cache_key = (key, revision, base, path, tuple(sorted(query.items())))
        with self._cache_lock:
            if cache_key in self._cache:
                return self._cache[cache_key]
        res = render(self.publishers[key], base, revision, path, query)
        with self._cache_lock:
            self._cache[cache_key] = res
        return res

    def _log(self, key: str, method: str, path: str, status: int) -> None:
        with self._log_lock:
            self.request_log.append((key, method, path, status))

    def requests_for(self, key: str | None = None) -> list[tuple[str, str, str, int]]:
        """A snapshot of the request log, optionally for one publisher."""
        with self._log_lock:
            return [r for r in self.request_log if key is None or r[0] == key]

    def url(self, key: str, path: str) -> str:
        if key not in self.base_urls:
            raise RuntimeError("the demo site is not running; call start() first")
        return self.base_urls[key] + path

    def sources(self) -> list[Source]:
        """`config.Source` objects for the running site (ids = publisher keys)."""
        if not self.running:
            raise RuntimeError("the demo site is not running; call start() first")
        out = []
        for key, pub in self.publishers.items():
            base = self.base_urls[key]
            spec = pub.source
            rx = re.escape(base)
            listings = [
                Listing(
                    url=base + li["url"],
                    link_pattern=li["link_pattern"].replace("{base}", rx),
                    next_pattern=(
                        li["next_pattern"].replace("{base}", rx) if li.get("next_pattern") else None
                    ),
                    max_pages=li.get("max_pages", 5),
                )
                for li in spec.get("listings", [])
            ]
            out.append(
                Source(
                    id=key,
                    name=pub.name,
                    home=base + "/",
                    feeds=[base + p for p in spec.get("feeds", [])],
                    sitemaps=[base + p for p in spec.get("sitemaps", [])],
                    robots_sitemaps=bool(spec.get("robots_sitemaps", False)),
                    listings=listings,
                    keywords=list(spec.get("keywords", [])),
                    politeness=Politeness(min_delay_seconds=0),
                )
            )
        return out

    def entry_points(self) -> dict[str, list[str]]:
        """Non-article paths (home, robots.txt, feeds, sitemaps, listing pages) per publisher."""
        return {key: entry_points(pub) for key, pub in self.publishers.items()}

    def expected(self) -> dict:
        """Facts about the bundled content that tests (and `readout demo`) can assert against.

        URLs are filled in when the site is running (else None). "readout" pages are articles of
        kind readout / joint-statement / communique; "allowed" means not under robots Disallow.
        """

        def url(key: str, path: str) -> str | None:
            base = self.base_urls.get(key)
            return base + path if base else None

        pages = []
        edited = republished = filtered = disallowed = None
        for key, pub in self.publishers.items():
            for art in pub.articles:
                allowed = not pub.disallowed(art.path)
                page = {
                    "publisher": key,
                    "path": art.path,
                    "url": url(key, art.path),
                    "title": art.title,
                    "published": art.published.isoformat(),
                    "kind": art.kind,
                    "location": art.location,
                    "readout": art.is_readout,
                    "allowed": allowed,
                    "relevant": art.is_readout and allowed,
                }
                pages.append(page)
                if art.edits:
                    ed = art.edits[0]
                    edited = {
                        **page,
                        "revision": ed.revision,
                        "modified": ed.modified.isoformat(),
                        "old": ed.old,
                        "new": ed.new,
                    }
                if not allowed:
                    disallowed = {**page, "robots_rule": pub.robots_disallow}
                if art.kind == "press-release":
                    filtered = page
                if art.republish_of:
                    orig_key, _, slug = art.republish_of.partition("/")
                    orig = next(a for a in self.publishers[orig_key].articles if a.slug == slug)
                    republished = [
                        {"publisher": orig_key, "path": orig.path, "url": url(orig_key, orig.path)},
                        {"publisher": key, "path": art.path, "url": url(key, art.path)},
                    ]
        assert edited and republished and filtered and disallowed
        relevant = [p for p in pages if p["relevant"]]
        return {
            "revision": self._revision,
            "publishers": list(self.publishers),
            "base_urls": dict(self.base_urls),
            "readout_pages": len(relevant),
            "readout_pages_by_publisher": {
                k: sum(1 for p in relevant if p["publisher"] == k) for k in self.publishers
            },
            # the republished pair is one text on two URLs: distinct readouts after dedup
            "distinct_readouts": len(relevant) - 1,
            "article_pages": len(pages),
            "edited_path": edited["path"],
            "edited": edited,
            "republished_paths": [(r["publisher"], r["path"]) for r in republished],
            "republished": republished,
            "filtered_path": filtered["path"],
            "filtered": filtered,
            "disallowed_path": disallowed["path"],
            "disallowed": disallowed,
            "robots_disallow": {k: p.robots_disallow for k, p in self.publishers.items()},
            "entry_points": self.entry_points(),
            "pages": pages,
        }
