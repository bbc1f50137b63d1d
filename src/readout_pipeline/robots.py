"""robots.txt: pure parsing helpers (protego) and a per-run cache that fetches each host once.

Decisions (following Google's documented handling):

* 2xx: parsed with protego; unparsable text is whatever protego makes of it (usually allow all).
* 404 and other 4xx (except 429): no robots.txt, everything allowed.
* 429, 5xx, timeouts, network errors, a redirect to a blocked address: robots unavailable,
  the whole origin is treated as disallowed for this run.
* a TLS certificate that fails verification: the origin is unusable; page fetches on it
  report the certificate problem (:class:`netguard.CertificateError`), never retried.
* more than 5 redirects: treated like 404 (allow all).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import httpx
from protego import Protego

from . import netguard

if TYPE_CHECKING:  # pragma: no cover
    from .fetch import FetchPolicy

__all__ = [
    "ROBOTS_MAX_BYTES",
    "RobotsCache",
    "RobotsEntry",
    "is_allowed",
    "origin_of",
    "parse_robots",
    "robots_token",
]

ROBOTS_MAX_BYTES = 512_000  # Google reads the first 500 KiB
ROBOTS_MAX_REDIRECTS = 5


def parse_robots(text: str) -> Protego:
    """Parse robots.txt text with protego. Never raises on odd input (returns allow-all)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return Protego.parse(text)
    except Exception:  # protego is lenient, but never let a weird file break a crawl
        return Protego.parse("")


def robots_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched against: ``"readout_pipeline/0.1 (...)"``
    -> ``"readout_pipeline"``. Matching the full header would let groups such as
    ``User-agent: github`` match the URL in our comment."""
    token = user_agent.strip().split("/", 1)[0].split()[0] if user_agent.strip() else ""
    return token or "*"


def is_allowed(text: str, url: str, user_agent: str) -> bool:
    """May ``user_agent`` fetch ``url`` according to the robots.txt ``text``?"""
    return parse_robots(text).can_fetch(url, robots_token(user_agent))


def origin_of(url: str | httpx.URL) -> str:
    """``scheme://host[:port]`` of a URL (default ports omitted), lower-case."""
    u = url if isinstance(url, httpx.URL) else httpx.URL(url)
    host = u.host
    if ":" in host:
        host = f"[{host}]"
    port = f":{u.port}" if u.port is not None else ""
    return f"{u.scheme}://{host}{port}".lower()


@dataclass
class RobotsEntry:
    origin: str
    status: str  # "parsed" | "missing" | "unavailable"
    parser: Protego | None = None
    http_status: int | None = None
    error: str | None = None
    blocked: bool = False  # robots.txt (or a redirect for it) hit the address guard
    certificate_error: bool = False  # the origin's TLS certificate failed verification
    fetched_at: float = field(default_factory=time.time)

    @property
    def available(self) -> bool:
        return self.status != "unavailable"


GateFactory = Callable[[str], AbstractAsyncContextManager[object]]


class RobotsCache:
    """Fetches ``scheme://host/robots.txt`` once per origin (per instance) via ``client``.

    ``gate(host)`` (optional) is an async context manager the fetcher uses for per-host
    politeness; robots requests go through it like any other request.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        policy: FetchPolicy,
        *,
        gate: GateFactory | None = None,
    ) -> None:
        self._client = client
        self._policy = policy
        self._gate = gate
        self._token = robots_token(policy.user_agent)
        self._entries: dict[str, RobotsEntry] = {}
        self._pending: dict[str, asyncio.Future[RobotsEntry]] = {}

    # -- lookups -------------------------------------------------------------------------
    def _key(self, host_or_url: str) -> str | None:
        if "://" in host_or_url:
            try:
                return origin_of(host_or_url)
            except httpx.InvalidURL:
                return None
        h = host_or_url.lower()
        for scheme in ("https", "http"):
            if f"{scheme}://{h}" in self._entries:
                return f"{scheme}://{h}"
        return None

    def entry(self, host_or_url: str) -> RobotsEntry | None:
        key = self._key(host_or_url)
        return self._entries.get(key) if key else None

    def crawl_delay(self, host: str) -> float | None:
        """Crawl-delay for our user agent at ``host`` (``"host[:port]"`` or any URL on it),
        or None if none or robots.txt not fetched yet."""
        e = self.entry(host)
        if e is None or e.parser is None:
            return None
        try:
            d = e.parser.crawl_delay(self._token)
        except Exception:
            return None
        return float(d) if d is not None and d >= 0 else None

    def sitemaps(self, host: str) -> list[str]:
        """``Sitemap:`` URLs listed in the host's robots.txt (empty if none / not fetched)."""
        e = self.entry(host)
        if e is None or e.parser is None:
            return []
        return list(e.parser.sitemaps)

    # -- fetching ------------------------------------------------------------------------
    async def get(self, url: str | httpx.URL) -> RobotsEntry:
        """The robots entry for the origin of ``url``, fetching robots.txt on first use."""
        origin = origin_of(url)
        if origin in self._entries:
            return self._entries[origin]
        fut = self._pending.get(origin)
        if fut is None:
            fut = asyncio.ensure_future(self._load(origin))
            self._pending[origin] = fut
        entry = await asyncio.shield(fut)
        self._entries[origin] = entry
        self._pending.pop(origin, None)
        return entry

    async def check(self, url: str | httpx.URL) -> tuple[bool, str | None]:
        """(allowed, reason). ``reason`` explains a refusal. Raises
        :class:`netguard.BlockedAddress` if the host itself is blocked by the address guard."""
        entry = await self.get(url)
        if entry.blocked:
            raise netguard.BlockedAddress(entry.error or "blocked address")
        if entry.certificate_error:
            # report the real problem, not "robots unavailable": the page URL would fail alike
            raise netguard.CertificateError(entry.error or "TLS certificate verification failed")
        if entry.status == "unavailable":
            return False, f"robots unavailable for {entry.origin}: {entry.error}"
        if entry.parser is None:
            return True, None
        if entry.parser.can_fetch(str(url), self._token):
            return True, None
        return False, f"disallowed by {entry.origin}/robots.txt"

    async def _load(self, origin: str) -> RobotsEntry:
        try:
            return await self._download(origin)
        except Exception as exc:  # never let robots break the crawl: treat as unavailable
            return RobotsEntry(origin, "unavailable", error=f"{type(exc).__name__}: {exc}")

    async def _download(self, origin: str) -> RobotsEntry:
        url = httpx.URL(origin + "/robots.txt")
        policy = self._policy
        for hop in range(ROBOTS_MAX_REDIRECTS + 1):
            try:
                netguard.check_url(url, policy.allowed_hosts)
            except netguard.BlockedAddress as exc:
                return RobotsEntry(origin, "unavailable", error=str(exc), blocked=hop == 0)
            gate = self._gate(url.host) if self._gate else contextlib.nullcontext()
            try:
                async with gate, asyncio.timeout(policy.total_deadline):
                    status, location, body = await self._get_once(url)
            except TimeoutError:
                return RobotsEntry(origin, "unavailable", error="robots.txt deadline exceeded")
            except netguard.BlockedAddress as exc:
                return RobotsEntry(origin, "unavailable", error=str(exc), blocked=hop == 0)
            except httpx.HTTPError as exc:
                cert = netguard.tls_certificate_problem(exc)
                if cert:
                    return RobotsEntry(
                        origin, "unavailable", error=cert, certificate_error=hop == 0
                    )
                return RobotsEntry(
                    origin, "unavailable", error=f"{type(exc).__name__}: {exc}".rstrip(": ")
                )
            if status in (301, 302, 303, 307, 308) and location:
                try:
                    nxt = url.join(location)
                except httpx.InvalidURL:
                    try:  # an odd IP spelling httpx refuses ("http://0177.0.0.1/")
                        netguard.check_url(urljoin(str(url), location), policy.allowed_hosts)
                    except netguard.BlockedAddress as exc:
                        return RobotsEntry(origin, "unavailable", error=str(exc))
                    return RobotsEntry(origin, "missing", http_status=status, error="bad redirect")
                if nxt.scheme not in ("http", "https"):
                    return RobotsEntry(origin, "missing", http_status=status, error="bad redirect")
                url = nxt
                continue
            if 200 <= status < 300:
                text = (body or b"").decode("utf-8", errors="replace")
                return RobotsEntry(origin, "parsed", parse_robots(text), http_status=status)
            if status == 429 or status >= 500:
                return RobotsEntry(
                    origin, "unavailable", http_status=status, error=f"robots.txt HTTP {status}"
                )
            return RobotsEntry(origin, "missing", http_status=status)
        return RobotsEntry(origin, "missing", error="too many robots.txt redirects")

    async def _get_once(self, url: httpx.URL) -> tuple[int, str | None, bytes | None]:
        headers = {"User-Agent": self._policy.user_agent, "Accept-Encoding": "gzip, deflate"}
        request = self._client.build_request("GET", url, headers=headers)
        response = await self._client.send(request, stream=True, follow_redirects=False)
        try:
            status = response.status_code
            if not (200 <= status < 300):
                # the fetcher's response hook moves Location into extensions (see fetch.py)
                location = response.extensions.get("readout_pipeline.location")
                return status, location or response.headers.get("location"), None
            buf = bytearray()
            async for chunk in response.aiter_bytes():
                buf += chunk
                if len(buf) >= ROBOTS_MAX_BYTES:
                    del buf[ROBOTS_MAX_BYTES:]
                    break
            return status, None, bytes(buf)
        finally:
            await response.aclose()
