"""A reusable local HTTP server for tests (127.0.0.1, free port, daemon threads).

Usage (expose the fixtures in a test module with ``http_server = httpserver.http_server``,
or register them for all tests with ``pytest_plugins = ["httpserver"]`` in tests/conftest.py)::

    import httpserver
    http_server = httpserver.http_server

    def test_x(http_server):
        http_server.route("/a", body=b"hi", headers={"Content-Type": "text/html"})
        http_server.route("/b", status=503, headers={"Retry-After": "1"})
        http_server.route("/c", handler=lambda req: (200, {"X": "y"}, b"body"))
        http_server.route("/d", raw=silent)          # raw socket behaviour, see below
        url = http_server.url("/a")
        ...
        assert http_server.count("/a") == 1
        http_server.requests("/a")[0].headers["User-Agent"]

Routes match on the full path (with query) first, then on the path without the query. Unregistered paths get 404
(so a missing /robots.txt means "allow all"). ``handler`` gets a :class:`Request` and returns
``(status, headers, body)``; ``raw`` gets the :class:`http.server.BaseHTTPRequestHandler`
and writes whatever it likes to ``h.wfile`` (helpers: :func:`silent`, :func:`truncated`,
:func:`trickle`, :func:`chunked`, :func:`raw_bytes`, :func:`reset_after`). ``body`` may be
``bytes``/``str`` or a list of ``(status, headers, body)`` tuples served in turn (the last one
repeats).

``TestHTTPServer(host, tls=ssl_context)`` (or ``http_server_factory(host, tls=ctx)``) serves
HTTPS; the handshake runs in the connection's handler thread, and ``connections`` /
``tls_failures`` count accepted connections and failed handshakes (a failed handshake never
reaches ``log``).
"""

from __future__ import annotations

import os
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from readout_pipeline.fetch import FetchPolicy

__all__ = [
    "Request",
    "TestHTTPServer",
    "chunked",
    "http_server",
    "http_server_factory",
    "raw_bytes",
    "reset_after",
    "silent",
    "trickle",
    "truncated",
]

Response = tuple[int, dict[str, str], bytes | str]


@dataclass
class Request:
    method: str
    path: str  # including query string
    headers: dict[str, str]  # case-insensitive lookups via .header()
    time: float  # time.monotonic() when the request line was read
    client: tuple[str, int]

    def header(self, name: str, default: str | None = None) -> str | None:
        low = name.lower()
        for k, v in self.headers.items():
            if k.lower() == low:
                return v
        return default


@dataclass
class _Route:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | str | list[Response] = b""
    handler: Callable[[Request], Response] | None = None
    raw: Callable[[BaseHTTPRequestHandler], None] | None = None
    calls: int = 0


class TestHTTPServer:
    __test__ = False  # not a pytest test class

    def __init__(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> None:
        self.host = host
        self.tls = tls
        self.routes: dict[str, _Route] = {}
        self.log: list[Request] = []
        self.connections = 0  # accepted TCP connections
        self.tls_failures: list[str] = []  # failed TLS handshakes (repr of the error)
        self.stop_event = threading.Event()
        self._lock = threading.Lock()
        server_self = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "TestHTTPServer/1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                server_self._handle(self)

            do_HEAD = do_GET  # noqa: N815
            do_POST = do_GET  # noqa: N815

        class Server(ThreadingHTTPServer):
            def finish_request(self, request, client_address):  # in the handler thread
                with server_self._lock:
                    server_self.connections += 1
                if server_self.tls is not None:
                    request.settimeout(5.0)  # a client that never handshakes cannot pin us
                    try:
                        request = server_self.tls.wrap_socket(request, server_side=True)
                    except (OSError, ssl.SSLError) as exc:
                        with server_self._lock:
                            server_self.tls_failures.append(repr(exc))
                        return
                    request.settimeout(None)
                super().finish_request(request, client_address)

            def handle_error(self, request, client_address):  # clients hang up on purpose
                pass

        self._httpd = Server((host, 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # never wait for keep-alive handler threads
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> TestHTTPServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> TestHTTPServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- configuration ---------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def route(
        self,
        path: str,
        *,
        status: int = 200,
        body: bytes | str | list[Response] = b"",
        headers: dict[str, str] | None = None,
        handler: Callable[[Request], Response] | None = None,
        raw: Callable[[BaseHTTPRequestHandler], None] | None = None,
    ) -> None:
        self.routes[path] = _Route(status, dict(headers or {}), body, handler, raw)

    # -- assertions ------------------------------------------------------------------------
    def requests(self, path: str | None = None) -> list[Request]:
        with self._lock:
            return [
                r
                for r in self.log
                if path is None or r.path == path or r.path.split("?")[0] == path
            ]

    def count(self, path: str | None = None) -> int:
        return len(self.requests(path))

    # -- serving ---------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        req = Request(
            h.command, h.path, dict(h.headers.items()), time.monotonic(), h.client_address
        )
        with self._lock:
            self.log.append(req)
        route = self.routes.get(h.path) or self.routes.get(h.path.split("?")[0])
        if route is None:
            self._send(h, 404, {"Content-Type": "text/plain"}, b"not found")
            return
        with self._lock:
            n = route.calls
            route.calls += 1
        if route.raw is not None:
            h.close_connection = True
            try:
                route.raw(h)
            except OSError:
                pass
            return
        if route.handler is not None:
            status, headers, body = route.handler(req)
        elif isinstance(route.body, list):
            status, headers, body = route.body[min(n, len(route.body) - 1)]
        else:
            status, headers, body = route.status, route.headers, route.body
        self._send(h, status, headers, body)

    @staticmethod
    def _send(
        h: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes | str
    ) -> None:
        data = body.encode() if isinstance(body, str) else body
        try:
            h.send_response(status)
            lower = {k.lower() for k in headers}
            for k, v in headers.items():
                h.send_header(k, v)
            if "content-length" not in lower and "transfer-encoding" not in lower and status != 304:
                h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            if h.command != "HEAD" and status != 304:
                h.wfile.write(data)
            h.wfile.flush()
        except OSError:
            pass


# -- raw behaviours ----------------------------------------------------------------------------


def silent(h: BaseHTTPRequestHandler, seconds: float = 10.0) -> None:
    """Accept the request and say nothing (until the server stops or ``seconds`` pass)."""
    server: TestHTTPServer | None = getattr(h.server, "_test_owner", None)
    if server is not None:
        server.stop_event.wait(seconds)
    else:
        time.sleep(seconds)


def truncated(
    body: bytes = b"x" * 100, claimed: int = 1000
) -> Callable[[BaseHTTPRequestHandler], None]:
    """Send Content-Length ``claimed`` but only ``body``, then close."""

    def raw(h: BaseHTTPRequestHandler) -> None:
        h.wfile.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
            + str(claimed).encode()
            + b"\r\nConnection: close\r\n\r\n"
            + body
        )
        h.wfile.flush()

    return raw


def chunked(
    chunks: list[bytes],
    headers: dict[str, str] | None = None,
    *,
    finish: bool = True,
    pause: float = 0.0,
) -> Callable[[BaseHTTPRequestHandler], None]:
    """Chunked transfer encoding without Content-Length; ``finish=False`` drops the last chunk."""

    def raw(h: BaseHTTPRequestHandler) -> None:
        head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
        for k, v in (headers or {"Content-Type": "text/html"}).items():
            head += f"{k}: {v}\r\n".encode()
        h.wfile.write(head + b"\r\n")
        for c in chunks:
            h.wfile.write(b"%x\r\n" % len(c) + c + b"\r\n")
            h.wfile.flush()
            if pause:
                time.sleep(pause)
        if finish:
            h.wfile.write(b"0\r\n\r\n")
        h.wfile.flush()

    return raw


def trickle(
    total: int = 1000, every: float = 0.1, step: int = 1
) -> Callable[[BaseHTTPRequestHandler], None]:
    """Send a body of ``total`` bytes ``step`` bytes at a time, one step every ``every`` s."""

    def raw(h: BaseHTTPRequestHandler) -> None:
        h.wfile.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
            + str(total).encode()
            + b"\r\nConnection: close\r\n\r\n"
        )
        h.wfile.flush()
        sent = 0
        owner: TestHTTPServer | None = getattr(h.server, "_test_owner", None)
        while sent < total:
            if owner is not None and owner.stop_event.wait(every):
                return
            h.wfile.write(b"x" * min(step, total - sent))
            h.wfile.flush()
            sent += step

    return raw


def raw_bytes(data: bytes, *, hold: float = 0.0) -> Callable[[BaseHTTPRequestHandler], None]:
    """Write ``data`` verbatim (status line, headers, body: anything, malformed or not), then
    keep the connection open for ``hold`` seconds (bounded; ends early when the server stops)
    and close it."""

    def raw(h: BaseHTTPRequestHandler) -> None:
        h.wfile.write(data)
        h.wfile.flush()
        if hold:
            owner: TestHTTPServer | None = getattr(h.server, "_test_owner", None)
            if owner is not None:
                owner.stop_event.wait(hold)
            else:
                time.sleep(hold)

    return raw


def reset_after(data: bytes) -> Callable[[BaseHTTPRequestHandler], None]:
    """Write ``data`` (e.g. headers promising a longer body plus part of it), then abort the
    connection with a TCP reset (SO_LINGER 0) instead of an orderly close."""

    def raw(h: BaseHTTPRequestHandler) -> None:
        h.wfile.write(data)
        h.wfile.flush()
        time.sleep(0.05)  # let the client read what was sent before the reset
        sock = h.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        os.close(sock.detach())  # RST now; later writes by the handler fail harmlessly

    return raw


# -- fixtures ----------------------------------------------------------------------------------


def _make(host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> TestHTTPServer:
    srv = TestHTTPServer(host, tls)
    srv._httpd._test_owner = srv  # type: ignore[attr-defined]
    return srv.start()


@pytest.fixture
def http_server():
    srv = _make()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def http_server_factory():
    """Call with a host (e.g. ``"127.0.0.2"``) and optionally ``tls=ssl_context`` to start
    more servers; all stopped afterwards."""
    made: list[TestHTTPServer] = []

    def factory(host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> TestHTTPServer:
        srv = _make(host, tls)
        made.append(srv)
        return srv

    try:
        yield factory
    finally:
        for s in made:
            s.stop()


LOCAL = frozenset({"127.0.0.1"})


def fast_policy(**overrides: Any) -> FetchPolicy:
    """A FetchPolicy for tests against 127.0.0.1: no politeness delay, tiny backoff, short timeouts."""
    base: dict[str, Any] = dict(
        allowed_hosts=LOCAL, min_delay=0.0, backoff_base=0.01, backoff_cap=0.02,
        connect_timeout=2.0, read_timeout=2.0, total_deadline=5.0,
    )
    base.update(overrides)
    return FetchPolicy(**base)
