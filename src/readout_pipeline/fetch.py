"""Polite concurrent fetcher: the only module that opens sockets.

One ``httpx.AsyncClient`` per :func:`fetch_all` call. Every request hop is checked against
robots.txt and the address guard (redirects are followed by hand), goes through a per-host
gate (concurrency + minimum delay between request starts) and a global semaphore, streams its
body under a size cap and a total deadline, and is retried with exponential backoff and full
jitter on network errors, timeouts, 429 and 5xx. Per-URL failures never raise: they come back
as a :class:`FetchResult` with an ``outcome`` and an ``error`` string.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import email.utils
import functools
import http.cookiejar
import logging
import random
import ssl
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from . import netguard
from .errors import ConfigError
from .robots import RobotsCache

__all__ = [
    "OUTCOMES",
    "Attempt",
    "FetchPolicy",
    "FetchRequest",
    "FetchResult",
    "fetch_all",
    "fetch_all_async",
    "fetch_one",
    "make_client",
]

log = logging.getLogger(__name__)

OUTCOMES = (
    "ok",
    "not_modified",
    "http_error",
    "too_large",
    "robots_disallowed",
    "blocked_address",
    "redirect_error",
    "network_error",
    "deadline_exceeded",
    "invalid_url",  # the requested URL itself is unparsable or not http(s)
)

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
_ACCEPT_ENCODING = "gzip, deflate"


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str = "readout_pipeline/0.1 (+https://github.com/readout-pipeline/readout_pipeline)"
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_deadline: float = 60.0  # per attempt: all hops incl. body, across slow trickle
    max_bytes: int = 10_000_000  # decoded body cap (also applies to decompressed size)
    max_attempts: int = 4  # total attempts incl. the first
    backoff_base: float = 1.0  # exponential backoff base seconds, full jitter
    backoff_cap: float = 30.0
    retry_after_cap: float = 120.0  # Retry-After honoured up to this
    per_host_concurrency: int = 2
    global_concurrency: int = 16
    min_delay: float = 1.0  # seconds between request starts to one host (max with crawl-delay)
    obey_robots: bool = True
    allowed_hosts: frozenset[str] = frozenset()  # exempt from the private-address block
    max_redirects: int = 10
    per_host_overrides: Mapping[str, tuple[int, float]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )  # host -> (concurrency, min_delay)
    max_crawl_delay: float = 60.0  # robots Crawl-delay honoured up to this

    def __post_init__(self) -> None:
        problems = []
        if self.max_attempts < 1:
            problems.append("max_attempts must be >= 1")
        if self.per_host_concurrency < 1 or self.global_concurrency < 1:
            problems.append("concurrency limits must be >= 1")
        if self.max_bytes < 0 or self.max_redirects < 0:
            problems.append("max_bytes and max_redirects must be >= 0")
        if min(self.connect_timeout, self.read_timeout, self.total_deadline) <= 0:
            problems.append("timeouts must be > 0")
        if min(self.backoff_base, self.backoff_cap, self.retry_after_cap, self.min_delay) < 0:
            problems.append("delays must be >= 0")
        for host, val in self.per_host_overrides.items():
            if not (
                isinstance(val, tuple | list)
                and len(val) == 2
                and int(val[0]) >= 1
                and float(val[1]) >= 0
            ):
                problems.append(
                    f"per_host_overrides[{host!r}] must be (concurrency>=1, min_delay>=0)"
                )
        if isinstance(self.allowed_hosts, str):
            problems.append("allowed_hosts must be a set of host names, not a string")
        if problems:
            raise ConfigError("invalid FetchPolicy: " + "; ".join(problems))


@dataclass(frozen=True)
class FetchRequest:
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class Attempt:
    """One row of the fetch_log table (one attempt; redirect hops are inside an attempt)."""

    url: str  # the URL the attempt ended at (after any redirects)
    started_at: datetime  # UTC aware
    elapsed_ms: int
    status: int | None
    bytes: int  # decoded body bytes received
    outcome: str
    error: str | None


@dataclass
class FetchResult:
    url: str
    final_url: str
    status: int | None
    outcome: str
    content_type: str | None
    charset: str | None
    body: bytes | None = field(repr=False)
    etag: str | None
    last_modified: str | None
    error: str | None
    attempts: list[Attempt]
    gzipped: bytes | None = field(default=None, repr=False)  # body as received, when one gzip member

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


# ---------------------------------------------------------------------------------------
# helpers


class _TooLarge(Exception):
    pass


class _Truncated(Exception):
    pass


class _RedirectError(Exception):
    pass


def _parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    parts = value.split(";")
    media = parts[0].strip().lower() or None
    charset = None
    for p in parts[1:]:
        k, _, v = p.partition("=")
        if k.strip().lower() == "charset":
            charset = v.strip().strip("\"'").lower() or None
    return media, charset


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _backoff(policy: FetchPolicy, attempt_no: int) -> float:
    return random.uniform(0, min(policy.backoff_cap, policy.backoff_base * 2 ** (attempt_no - 1)))


_DECODE_CHUNK = 64 * 1024  # most decoded bytes produced per decompress step
_SUPPORTED_ENCODINGS = ("gzip", "x-gzip", "deflate")
_MAX_ENCODINGS = 2  # "gzip, gzip" is decoded (bounded); three layers are refused


class _Unsupported(Exception):
    """A response the fetcher cannot decode (e.g. ``Content-Encoding: br``). Not retried."""


class _Decoder:
    """One bounded Content-Encoding layer (gzip, possibly multi-member / deflate, zlib or raw).

    :meth:`feed` yields decoded pieces of at most ``_DECODE_CHUNK`` bytes, so a caller that
    stops iterating (size cap reached) never holds more than one piece per layer: a
    decompression bomb costs the cap plus a chunk, not its expanded size.
    """

    def __init__(self, encoding: str) -> None:
        self.encoding = "gzip" if encoding == "x-gzip" else encoding
        self._raw_deflate_tried = False
        self._z = self._new()
        self._seen_input = False
        self._members = 1
        self._member_started = False
        self._ignore_rest = False  # trailing garbage after a complete gzip member
        self._after_end = False  # any byte (padding, member, garbage) after the first stream ended

    def _new(self):  # noqa: ANN202
        if self.encoding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj()

    def feed(self, data: bytes) -> Iterator[bytes]:
        pending = data
        while pending and not self._ignore_rest:
            if self._z.eof:
                self._after_end = True
                if self.encoding != "gzip":
                    self._ignore_rest = True  # bytes after the end of a deflate stream
                    return
                pending = pending.lstrip(b"\0")  # NUL padding after a member
                if not pending:
                    return
                self._z = self._new()  # the next gzip member (RFC 1952 2.2)
                self._members += 1
                self._member_started = False
            try:
                out = self._z.decompress(pending, _DECODE_CHUNK)
            except zlib.error as exc:
                if (
                    self.encoding == "deflate"
                    and not self._seen_input
                    and not self._raw_deflate_tried
                ):
                    self._raw_deflate_tried = True  # some servers send raw deflate
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                if self._members > 1 and not self._member_started:
                    self._ignore_rest = True  # garbage after a complete member, as browsers do
                    return
                raise httpx.DecodingError(f"invalid {self.encoding} body: {exc}") from exc
            self._seen_input = self._member_started = True
            pending = self._z.unused_data if self._z.eof else self._z.unconsumed_tail
            if out:
                yield out

    def finished(self) -> bool:
        return self._z.eof or self._ignore_rest or not self._seen_input

    def one_whole_gzip_member(self) -> bool:
        """The input was one complete gzip member and nothing after it: a valid .gz file of the
        decoded bytes, which the archive can keep as it came."""
        return self.encoding == "gzip" and self._members == 1 and self._z.eof and not self._after_end


def _decode(layers: list[_Decoder], data: bytes) -> Iterator[bytes]:
    """Push ``data`` through the decoding layers (outermost first), piece by piece."""
    if not layers:
        if data:
            yield data
        return
    for piece in layers[0].feed(data):
        yield from _decode(layers[1:], piece)


def _content_encodings(response: httpx.Response) -> list[str]:
    """Content-Encoding values in the order they were applied (identity dropped); raises
    :class:`_Unsupported` for anything not decodable here (brotli, zstd, compress: we only
    advertise ``gzip, deflate``)."""
    encs = [
        e.strip().lower()
        for e in response.headers.get("content-encoding", "").split(",")
        if e.strip() and e.strip().lower() != "identity"
    ]
    bad = [e for e in encs if e not in _SUPPORTED_ENCODINGS]
    if bad:
        raise _Unsupported(f"unsupported Content-Encoding: {', '.join(encs)}")
    if len(encs) > _MAX_ENCODINGS:
        raise _Unsupported(f"too many Content-Encoding layers: {', '.join(encs)}")
    return encs


async def _read_body(response: httpx.Response, cap: int) -> tuple[bytes, bytes | None]:
    """The decoded body, capped; and the bytes as received when they are one whole gzip member
    (``Content-Encoding: gzip``, as most sites send), which the archive stores without compressing
    the body again."""
    cl = response.headers.get("content-length", "").strip()
    if cl.isdigit() and int(cl) > cap:
        raise _TooLarge(f"Content-Length {cl} exceeds max_bytes {cap}")
    encs = _content_encodings(response)
    if response.is_stream_consumed:
        # already read by the transport (e.g. httpx.MockTransport); content is decoded
        body = response.content
        if len(body) > cap:
            raise _TooLarge(f"body exceeds max_bytes {cap}")
        return body, None
    layers = [_Decoder(e) for e in reversed(encs)]
    what = "decompressed body" if layers else "body"
    # Pieces in lists, joined once at the end: a growing bytearray is moved by realloc now and then,
    # old and new copies alive at once, so a body stopped at the cap could briefly hold twice the cap.
    pieces: list[bytes] = []
    size = 0
    received: list[bytes] | None = [] if len(layers) == 1 and layers[0].encoding == "gzip" else None
    received_size = 0
    async for raw in response.aiter_raw():
        if received is not None:
            received_size += len(raw)
            if received_size <= cap:
                received.append(raw)
            else:
                received = None  # not kept beyond the cap: the body is compressed again instead
        for piece in _decode(layers, raw):
            size += len(piece)
            if size > cap:
                raise _TooLarge(f"{what} exceeds max_bytes {cap}")
            pieces.append(piece)
    for layer in layers:
        if not layer.finished():
            raise _Truncated(f"truncated {layer.encoding} body")
    gzipped = b"".join(received) if received is not None and layers[0].one_whole_gzip_member() else None
    return b"".join(pieces), gzipped


class _RejectCookies(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie, request):  # noqa: ANN001
        return False

    def return_ok(self, cookie, request):  # noqa: ANN001
        return False


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (certificate checks on, SSL_CERT_FILE/SSL_CERT_DIR or certifi's
    roots), built once per process: loading the roots takes 40-60 ms, and a run makes a client for
    every batch."""
    return httpx.create_ssl_context()


def make_client(
    policy: FetchPolicy, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The AsyncClient fetch_all uses: guarded transport (unless ``transport`` is given),
    timeouts from the policy, no automatic redirects, no environment proxies/netrc, and no
    shared cookie jar (cookies are kept per redirect chain and per origin only)."""
    if transport is None:
        n = max(100, policy.global_concurrency * 2)
        transport = netguard.GuardedTransport(
            policy.allowed_hosts,
            verify=_tls_context(),
            limits=httpx.Limits(max_connections=n, max_keepalive_connections=min(n, 50)),
        )
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout, pool=None),
        follow_redirects=False,
        trust_env=False,
        cookies=http.cookiejar.CookieJar(policy=_RejectCookies()),
        headers={"User-Agent": policy.user_agent},
    )


_LOCATION_KEY = "readout_pipeline.location"


async def _stash_location(response: httpx.Response) -> None:
    """Response hook: move a redirect's Location out of httpx's reach.

    ``AsyncClient.send`` builds the next request from Location even with
    ``follow_redirects=False`` and raises ``RemoteProtocolError`` on any Location httpx cannot
    parse (``http://0177.0.0.1/``, ``http://[bad``). That would turn a hostile redirect into a
    retried network error; redirects are checked by hand here instead (see ``_next_hop``).
    """
    if response.status_code in _REDIRECT_STATUSES and "location" in response.headers:
        response.extensions[_LOCATION_KEY] = response.headers["location"]
        del response.headers["location"]


def _valid_port(url: httpx.URL) -> bool:
    return url.port is None or 0 < url.port < 65536


def _blocked_or_none(url: str, allowed_hosts: Iterable[str]) -> str | None:
    """The address guard's verdict on a URL httpx cannot parse (odd IPv4 spellings)."""
    try:
        if not urlsplit(url).hostname:
            return None  # no host at all: an invalid URL, not an address
    except ValueError:
        return None
    try:
        netguard.check_url(url, allowed_hosts)
    except netguard.BlockedAddress as exc:
        return str(exc)
    return None


class _HostGate:
    """Per-host concurrency + minimum spacing between request starts."""

    def __init__(self, concurrency: int, min_delay: float) -> None:
        self.sem = asyncio.Semaphore(concurrency)
        self.min_delay = min_delay
        self.crawl_delay = 0.0
        self.last_start = float("-inf")
        self.not_before = float("-inf")
        self.lock = asyncio.Lock()

    @property
    def delay(self) -> float:
        return max(self.min_delay, self.crawl_delay)


class _Fetcher:
    def __init__(self, client: httpx.AsyncClient, policy: FetchPolicy) -> None:
        self.client = client
        self.policy = policy
        self.global_sem = asyncio.Semaphore(policy.global_concurrency)
        self.gates: dict[str, _HostGate] = {}
        self.robots = RobotsCache(client, policy, gate=self.gate)
        hooks = client.event_hooks
        if _stash_location not in hooks["response"]:
            hooks["response"] = [*hooks["response"], _stash_location]
            client.event_hooks = hooks

    # -- politeness ----------------------------------------------------------------------
    def _gate_for(self, host: str) -> _HostGate:
        host = host.lower()
        g = self.gates.get(host)
        if g is None:
            conc, delay = self.policy.per_host_concurrency, self.policy.min_delay
            ov = self.policy.per_host_overrides.get(host)
            if ov is not None:
                conc, delay = int(ov[0]), max(delay, float(ov[1]))
            g = self.gates[host] = _HostGate(conc, delay)
        return g

    @contextlib.asynccontextmanager
    async def gate(self, host: str) -> AsyncIterator[None]:
        g = self._gate_for(host)
        loop = asyncio.get_running_loop()
        async with g.sem:
            async with g.lock:
                while True:
                    wait = max(g.last_start + g.delay, g.not_before) - loop.time()
                    if wait <= 0:
                        break
                    await asyncio.sleep(wait)
                await self.global_sem.acquire()
                g.last_start = loop.time()
            try:
                yield
            finally:
                self.global_sem.release()

    # -- one request ---------------------------------------------------------------------
    async def fetch(self, req: FetchRequest) -> FetchResult:
        policy = self.policy
        try:
            start_url = httpx.URL(req.url)
            if start_url.scheme not in ("http", "https") or not start_url.host:
                raise httpx.InvalidURL("not an absolute http(s) URL")
            if not _valid_port(start_url):
                raise httpx.InvalidURL(f"port {start_url.port} out of range")
        except (httpx.InvalidURL, TypeError) as exc:
            outcome, err = "invalid_url", f"invalid URL: {exc}"
            if isinstance(req.url, str) and req.url.lower().startswith(("http://", "https://")):
                blocked = _blocked_or_none(req.url, policy.allowed_hosts)
                if blocked:
                    outcome, err = "blocked_address", blocked
            att = Attempt(req.url, datetime.now(UTC), 0, None, 0, outcome, err)
            return FetchResult(
                req.url,
                req.url,
                None,
                outcome,
                None,
                None,
                None,
                req.etag,
                req.last_modified,
                err,
                [att],
            )

        attempts: list[Attempt] = []
        res: dict = {}
        for n in range(1, policy.max_attempts + 1):
            res = await self._attempt(req, start_url)
            attempts.append(
                Attempt(
                    url=res["final_url"],
                    started_at=res["started_at"],
                    elapsed_ms=res["elapsed_ms"],
                    status=res["status"],
                    bytes=len(res["body"] or b""),
                    outcome=res["outcome"],
                    error=res["error"],
                )
            )
            if not res["retryable"] or n == policy.max_attempts:
                break
            ra = res.get("retry_after")
            if ra is not None:
                delay = min(ra, policy.retry_after_cap)
                g = self._gate_for(httpx.URL(res["final_url"]).host)
                g.not_before = max(g.not_before, asyncio.get_running_loop().time() + delay)
            else:
                delay = _backoff(policy, n)
            await asyncio.sleep(delay)

        ok = res["outcome"] in ("ok", "not_modified")
        return FetchResult(
            url=req.url,
            final_url=res["final_url"],
            status=res["status"],
            outcome=res["outcome"],
            content_type=res["content_type"] if res["outcome"] == "ok" else None,
            charset=res["charset"] if res["outcome"] == "ok" else None,
            body=res["body"] if res["outcome"] == "ok" else None,
            gzipped=res["gzipped"] if res["outcome"] == "ok" else None,
            etag=res["etag"] if ok else None,
            last_modified=res["last_modified"] if ok else None,
            error=res["error"],
            attempts=attempts,
        )

    async def _attempt(self, req: FetchRequest, start_url: httpx.URL) -> dict:
        """Follow one redirect chain. Returns a dict of result fields + retry hints."""
        policy = self.policy
        loop = asyncio.get_running_loop()
        res: dict = {
            "final_url": str(start_url),
            "status": None,
            "outcome": "network_error",
            "content_type": None,
            "charset": None,
            "body": None,
            "gzipped": None,
            "etag": None,
            "last_modified": None,
            "error": None,
            "retryable": False,
            "retry_after": None,
            "started_at": None,
            "elapsed_ms": 0,
        }
        budget = policy.total_deadline
        url = start_url
        seen = {str(url)}
        chain_cookies: dict[tuple[str, str, int | None], httpx.Cookies] = {}
        t_first: float | None = None
        wall_first: datetime | None = None
        t_end = loop.time()
        try:
            for hop in range(policy.max_redirects + 1):
                res["final_url"] = str(url)
                res["status"] = None
                # address guard and robots.txt, both before anything is sent to the host
                netguard.check_url(url, policy.allowed_hosts)
                if policy.obey_robots and url.path != "/robots.txt":
                    allowed, reason = await self.robots.check(url)
                    crawl = self.robots.crawl_delay(str(url))
                    if crawl:
                        self._gate_for(url.host).crawl_delay = min(crawl, policy.max_crawl_delay)
                    if not allowed:
                        res.update(outcome="robots_disallowed", error=reason)
                        return res

                headers = {
                    "User-Agent": policy.user_agent,
                    "Accept": _ACCEPT,
                    "Accept-Encoding": _ACCEPT_ENCODING,
                }
                if req.etag:
                    headers["If-None-Match"] = req.etag
                if req.last_modified:
                    headers["If-Modified-Since"] = req.last_modified
                request = self.client.build_request("GET", url, headers=headers)
                request.headers.pop("Cookie", None)
                request.headers.pop("Authorization", None)
                origin = (url.scheme, url.host, url.port)
                if origin in chain_cookies:
                    chain_cookies[origin].set_cookie_header(request)

                async with self.gate(url.host):
                    t0 = loop.time()
                    if t_first is None:
                        t_first, wall_first = t0, datetime.now(UTC)
                    try:
                        async with asyncio.timeout(budget):
                            location = await self._send(request, res)
                    finally:
                        t_end = loop.time()
                        budget -= t_end - t0
                if location is None:
                    return res
                if origin not in chain_cookies:
                    chain_cookies[origin] = httpx.Cookies()
                chain_cookies[origin].extract_cookies(res.pop("_response"))
                # redirect
                if hop >= policy.max_redirects:
                    raise _RedirectError(f"more than {policy.max_redirects} redirects")
                try:
                    nxt = url.join(location)
                except (httpx.InvalidURL, UnicodeError) as exc:
                    target = urljoin(str(url), location.strip())
                    if target.lower().startswith(("http://", "https://")):
                        blocked = _blocked_or_none(target, policy.allowed_hosts)
                        if blocked:
                            raise netguard.BlockedAddress(blocked) from exc
                    raise _RedirectError(f"invalid redirect Location {location!r}: {exc}") from exc
                if nxt.scheme not in ("http", "https"):
                    raise _RedirectError(f"refused redirect to non-http(s) URL {location!r}")
                if not nxt.host:
                    raise _RedirectError(f"redirect to URL without host {location!r}")
                if not _valid_port(nxt):
                    raise _RedirectError(f"redirect to invalid port in {location!r}")
                nxt = nxt.copy_with(fragment=None)
                if str(nxt) in seen:
                    raise _RedirectError(f"redirect loop at {nxt}")
                seen.add(str(nxt))
                url = nxt
            raise _RedirectError(f"more than {policy.max_redirects} redirects")  # pragma: no cover
        except _RedirectError as exc:
            res.update(outcome="redirect_error", error=str(exc), body=None)
        except netguard.BlockedAddress as exc:
            res.update(outcome="blocked_address", error=str(exc), body=None)
        except netguard.CertificateError as exc:
            res.update(outcome="network_error", error=str(exc), body=None)
        except _TooLarge as exc:
            res.update(outcome="too_large", error=str(exc), body=None)
        except _Unsupported as exc:
            res.update(outcome="network_error", error=str(exc), body=None)
        except TimeoutError:
            res.update(
                outcome="deadline_exceeded",
                retryable=True,
                body=None,
                error=f"total deadline of {policy.total_deadline:g}s exceeded",
            )
        except (httpx.TransportError, httpx.DecodingError, _Truncated) as exc:
            msg = str(exc) or type(exc).__name__
            cert = netguard.tls_certificate_problem(exc)
            res.update(
                outcome="network_error",
                # a bad certificate is not transient: fail closed, no retry (and never a
                # retry with verification off)
                retryable=cert is None,
                body=None,
                error=cert or f"{type(exc).__name__}: {msg}",
            )
        except httpx.InvalidURL as exc:
            res.update(outcome="redirect_error", error=f"invalid URL: {exc}", body=None)
        except Exception as exc:  # a per-URL failure must never abort the batch
            log.exception("unexpected error fetching %s", res["final_url"])
            res.update(
                outcome="network_error", error=f"unexpected {type(exc).__name__}: {exc}", body=None
            )
        finally:
            res.pop("_response", None)
            if t_first is not None:
                res["started_at"] = wall_first
                res["elapsed_ms"] = int(round((t_end - t_first) * 1000))
            else:
                res["started_at"] = datetime.now(UTC)
        return res

    async def _send(self, request: httpx.Request, res: dict) -> str | None:
        """Send one hop; fill ``res``. Returns the Location to follow, or None when final."""
        response = await self.client.send(request, stream=True, follow_redirects=False)
        try:
            status = response.status_code
            res["status"] = status
            h = response.headers
            if "transfer-encoding" in h and "content-length" in h:
                # RFC 9112 6.3: ambiguous framing (a request-smuggling / broken-proxy sign);
                # h11 would silently prefer chunked, we refuse the response instead.
                raise httpx.RemoteProtocolError(
                    "response has both Content-Length and Transfer-Encoding", request=request
                )
            location = response.extensions.get(_LOCATION_KEY) or h.get("location")
            if status in _REDIRECT_STATUSES and location:
                res["_response"] = response
                res["outcome"] = "redirect_error"
                return location
            if status == 304:
                res.update(
                    outcome="not_modified",
                    error=None,
                    etag=h.get("etag") or request.headers.get("if-none-match"),
                    last_modified=h.get("last-modified")
                    or request.headers.get("if-modified-since"),
                )
                return None
            if 200 <= status < 300:
                media, charset = _parse_content_type(h.get("content-type"))
                res.update(
                    content_type=media,
                    charset=charset,
                    etag=h.get("etag"),
                    last_modified=h.get("last-modified"),
                )
                res["body"], res["gzipped"] = await _read_body(response, self.policy.max_bytes)
                res.update(outcome="ok", error=None)
                return None
            retryable = status == 429 or status >= 500
            res.update(
                outcome="http_error",
                error=f"HTTP {status} {response.reason_phrase}".strip(),
                retryable=retryable,
                retry_after=_retry_after(h.get("retry-after")) if retryable else None,
            )
            return None
        finally:
            await response.aclose()


# ---------------------------------------------------------------------------------------
# entry points


async def fetch_all_async(
    requests: Iterable[FetchRequest],
    policy: FetchPolicy,
    *,
    client: httpx.AsyncClient | None = None,
    on_result: Callable[[FetchResult], None] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    consume: Callable[[FetchResult], Any] | None = None,
) -> list[Any]:
    """Fetch every request; results in input order. ``on_result`` is called as each finishes.
    With ``consume``, each result is passed to it as it arrives and what it returns is kept in the
    result's place (say, a reference to where the body was stored, so that bodies do not pile up
    until the whole batch is done).

    With ``client=None`` a client from :func:`make_client` is created and closed here. A
    caller-supplied ``client`` (or ``transport``) bypasses the connection-level address guard;
    the pre-request literal-address check still applies.
    """
    reqs = [FetchRequest(r) if isinstance(r, str) else r for r in requests]
    if not reqs:
        return []
    own = client is None
    if own:
        client = make_client(policy, transport=transport)
    try:
        fetcher = _Fetcher(client, policy)
        results: list[Any] = [None] * len(reqs)

        async def run(i: int, r: FetchRequest) -> None:
            result = await fetcher.fetch(r)
            if on_result is not None:
                on_result(result)
            results[i] = consume(result) if consume is not None else result

        async with asyncio.TaskGroup() as tg:
            for i, r in enumerate(reqs):
                tg.create_task(run(i, r))
        return [r for r in results if r is not None]
    finally:
        if own:
            await client.aclose()


class _Batch:
    """The results of `fetch_all_async`, with a one-line repr. On Python 3.11, `asyncio.run` ends by
    asking `signal.getsignal(SIGINT)`, which builds (and discards) an error message holding the repr
    of its SIGINT handler, and with it the repr of the finished main task and of its result: with
    a list of results, every fetched body written out as a bytes literal (hundreds of MB of
    transient strings per batch, and the CPU to make them)."""

    __slots__ = ("results",)

    def __init__(self, results: list[Any]) -> None:
        self.results = results

    def __repr__(self) -> str:
        return f"<{len(self.results)} fetch results>"


def fetch_all(
    requests: Iterable[FetchRequest],
    policy: FetchPolicy,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    on_result: Callable[[FetchResult], None] | None = None,
    consume: Callable[[FetchResult], Any] | None = None,
) -> list[Any]:
    """Synchronous entry point: runs its own event loop (in a worker thread if the calling
    thread already runs one) with one AsyncClient for the whole batch. ``on_result`` and
    ``consume`` as in `fetch_all_async`."""
    reqs = list(requests)

    async def fetch_batch() -> _Batch:
        return _Batch(await fetch_all_async(reqs, policy, transport=transport, on_result=on_result,
                                            consume=consume))

    def runner() -> list[Any]:
        return asyncio.run(fetch_batch()).results

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return runner()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as ex:
        return ex.submit(runner).result()


def fetch_one(
    url: str, policy: FetchPolicy, *, transport: httpx.AsyncBaseTransport | None = None
) -> FetchResult:
    """Fetch a single URL (feeds, sitemaps, robots.txt) with the full policy."""
    return fetch_all([FetchRequest(url)], policy, transport=transport)[0]
