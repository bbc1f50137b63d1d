"""Address guard: never let a crawl reach loopback, private or otherwise internal addresses.

Two layers:

* :func:`check_url` / :func:`check_url_async` check a URL's host before a request is sent.
  IP literals in any spelling the C library would accept (``2130706433``, ``0177.0.0.1``,
  ``0x7f.1``, ``[::1]``, ``::ffff:127.0.0.1``) are normalised with ``socket.inet_aton`` /
  :mod:`ipaddress` and checked; ``check_url_async`` also resolves host names and checks
  every address.
* :class:`GuardedBackend` (used by :class:`GuardedTransport`) sits in httpcore's connection
  layer: it resolves the host itself, checks every address and then connects to the checked
  address, so a DNS answer that changes between check and connect (DNS rebinding) cannot
  slip through.

A host listed in ``allowed_hosts`` (exact, case-insensitive string match on the URL host,
e.g. ``"127.0.0.1"``) is exempt; this exempts that host string only, never other addresses.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from .errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

__all__ = [
    "BlockedAddress",
    "CertificateError",
    "GuardedBackend",
    "GuardedTransport",
    "blocked_reason",
    "check_host",
    "check_url",
    "check_url_async",
    "is_allowed_host",
    "parse_ip",
    "tls_certificate_problem",
]


class BlockedAddress(FetchError):
    """The URL's host is, or resolves to, an address the crawler must not contact."""


class CertificateError(FetchError):
    """The server's TLS certificate failed verification. Never retried, and never retried
    with verification off: it fails closed."""


def tls_certificate_problem(exc: BaseException) -> str | None:
    """If ``exc`` (or anything in its cause/context chain) is a TLS certificate verification
    failure, a one-line description of it (``"certificate verify failed: self-signed
    certificate"``); else None."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ssl.SSLCertVerificationError):
            detail = cur.verify_message or cur.reason or str(cur)
            return f"TLS certificate verification failed: {detail}"
        if isinstance(cur, ssl.SSLError) and "CERTIFICATE_VERIFY_FAILED" in str(cur):
            return f"TLS certificate verification failed: {cur}"
        cur = cur.__cause__ or cur.__context__
    return None


def _norm_host(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host


def is_allowed_host(host: str, allowed_hosts: Iterable[str]) -> bool:
    """True if ``host`` is explicitly configured (exact string match, case-insensitive)."""
    h = _norm_host(host)
    return any(h == _norm_host(a) for a in allowed_hosts)


def parse_ip(host: str) -> IPAddress | None:
    """Return the IP address ``host`` denotes, or None if it is a host name.

    Accepts bracketed IPv6, IPv6 with zone id, and legacy IPv4 forms
    (decimal/octal/hex, fewer than four parts) the way ``inet_aton`` does.
    """
    h = _norm_host(host)
    if not h:
        return None
    try:
        return ipaddress.ip_address(h)
    except ValueError:
        pass
    if "%" in h:  # IPv6 zone id that ipaddress did not take
        try:
            return ipaddress.ip_address(h.split("%", 1)[0])
        except ValueError:
            pass
    cand = h[:-1] if h.endswith(".") else h
    if not cand or any(c.isspace() for c in cand):
        return None
    # inet_aton only accepts digits, dots and hex digits with a 0x prefix
    if not all(c in "0123456789abcdefx." for c in cand):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(cand))
    except (OSError, ValueError):
        return None


def blocked_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` must not be contacted, or None if it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            inner = blocked_reason(ip.ipv4_mapped)
            return f"IPv4-mapped {inner}" if inner else None
        if ip in _NAT64:
            inner = blocked_reason(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
            if inner:
                return f"NAT64 {inner}"
        if ip.sixtofour is not None:
            inner = blocked_reason(ip.sixtofour)
            if inner:
                return f"6to4 {inner}"
        if ip.teredo is not None:
            for part in ip.teredo:
                inner = blocked_reason(part)
                if inner:
                    return f"Teredo {inner}"
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    )
    for name, hit in checks:
        if hit:
            return f"{name} address {ip}"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return f"shared (CGNAT) address {ip}"
    if not ip.is_global:
        return f"non-global address {ip}"
    return None


def _check_ip(host: str, ip: IPAddress) -> None:
    reason = blocked_reason(ip)
    if reason:
        raise BlockedAddress(f"blocked address: {host} is {reason}")


def _is_local_name(host: str) -> bool:
    h = _norm_host(host).rstrip(".")
    return h == "localhost" or h.endswith(".localhost")


def check_host(host: str, allowed_hosts: Iterable[str] = ()) -> IPAddress | None:
    """Check a bare host without resolving it. Returns the IP if it is a literal."""
    if not host:
        raise BlockedAddress("blocked address: URL has no host")
    if is_allowed_host(host, allowed_hosts):
        return parse_ip(host)
    ip = parse_ip(host)
    if ip is not None:
        _check_ip(host, ip)
        return ip
    if _is_local_name(host):
        raise BlockedAddress(f"blocked address: {host} is a local host name")
    return None


def _url_host(url: str | httpx.URL) -> str:
    try:
        u = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except httpx.InvalidURL as exc:
        # httpx refuses some odd IPv4 spellings (e.g. "0177.0.0.1"); check them by hand.
        from urllib.parse import urlsplit

        try:
            host = urlsplit(str(url)).hostname
        except ValueError:
            host = None
        if host:
            return host
        raise BlockedAddress(f"blocked address: unparsable URL {url!r}: {exc}") from exc
    return u.host


def _resolve_sync(host: str) -> list[IPAddress]:
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def check_url(
    url: str | httpx.URL, allowed_hosts: Iterable[str] = (), *, resolve: bool = False
) -> None:
    """Raise :class:`BlockedAddress` if ``url`` points at a blocked address.

    Literal IPs (any spelling) and ``localhost`` names are checked without I/O. With
    ``resolve=True`` host names are resolved (blocking ``getaddrinfo``) and every address is
    checked; in async code use :func:`check_url_async` instead. An unresolvable name is not
    blocked here (the request will fail with a network error).
    """
    host = _url_host(url)
    ip = check_host(host, allowed_hosts)
    if ip is not None or not resolve or is_allowed_host(host, allowed_hosts):
        return
    try:
        addrs = _resolve_sync(host)
    except (OSError, UnicodeError):
        return
    for a in addrs:
        _check_ip(host, a)


async def _resolve(host: str, port: int | None) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    out: list[IPAddress] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if ip not in out:
            out.append(ip)
    return out


async def check_url_async(url: str | httpx.URL, allowed_hosts: Iterable[str] = ()) -> None:
    """Like :func:`check_url` with ``resolve=True``, resolving in a thread via the loop."""
    host = _url_host(url)
    ip = check_host(host, allowed_hosts)
    if ip is not None or is_allowed_host(host, allowed_hosts):
        return
    try:
        addrs = await _resolve(host, None)
    except (OSError, UnicodeError):
        return
    for a in addrs:
        _check_ip(host, a)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that checks the address it actually connects to.

    Host names are resolved here, every address is checked, and the connection is made to a
    checked IP (TLS still uses the URL host for SNI and certificate checks, because httpcore
    passes the origin host to ``start_tls`` separately).
    """

    def __init__(self, inner: httpcore.AsyncNetworkBackend, allowed_hosts: Iterable[str] = ()):
        self._inner = inner
        self._allowed = frozenset(_norm_host(h) for h in allowed_hosts)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        kw = {"timeout": timeout, "local_address": local_address, "socket_options": socket_options}
        if is_allowed_host(host, self._allowed):
            return await self._inner.connect_tcp(host, port, **kw)
        ip = check_host(host, self._allowed)
        if ip is not None:
            return await self._inner.connect_tcp(str(ip), port, **kw)
        try:
            addrs = await asyncio.wait_for(_resolve(host, port), timeout)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"DNS lookup of {host} timed out") from exc
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"DNS lookup of {host} failed: {exc}") from exc
        if not addrs:
            raise httpcore.ConnectError(f"DNS lookup of {host} returned no address")
        for a in addrs:
            _check_ip(host, a)
        last: Exception | None = None
        for a in addrs:
            try:
                return await self._inner.connect_tcp(str(a), port, **kw)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ):
        raise BlockedAddress("blocked address: unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """``httpx.AsyncHTTPTransport`` whose connections go through :class:`GuardedBackend`.

    Extra keyword arguments go to ``httpx.AsyncHTTPTransport`` (proxies are refused: with a
    proxy the guard would check the proxy's address, not the target's).
    """

    def __init__(self, allowed_hosts: Iterable[str] = (), **kwargs: Any) -> None:
        if kwargs.get("proxy") is not None:
            raise ValueError("GuardedTransport does not support proxies")
        super().__init__(**kwargs)
        pool = self._pool
        pool._network_backend = GuardedBackend(pool._network_backend, allowed_hosts)  # type: ignore[attr-defined]
