import asyncio
import ipaddress

import httpcore
import pytest

from readout_pipeline import netguard
from readout_pipeline.errors import FetchError
from readout_pipeline.netguard import (
    BlockedAddress,
    GuardedBackend,
    check_url,
    check_url_async,
    parse_ip,
)

BLOCKED = [
    "http://127.0.0.1/",
    "http://2130706433/",  # decimal
    "http://0177.0.0.1/",  # octal
    "http://0x7f.1/",  # hex, two parts
    "http://0x7f000001/",
    "http://127.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://0/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",  # CGNAT
    "http://100.127.255.254/",
    "http://224.0.0.1/",  # multicast
    "http://[ff02::1]/",
    "http://240.0.0.1/",  # reserved
    "http://255.255.255.255/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://localhost/",
    "http://LOCALHOST./",
    "http://api.localhost/",
    "http://127.0.0.1.:8080/",
]


@pytest.mark.parametrize("url", BLOCKED)
def test_blocked_spellings(url):
    with pytest.raises(BlockedAddress):
        check_url(url, frozenset())


@pytest.mark.parametrize("url", BLOCKED[1:])  # everything but the exact allowed string
def test_allowed_host_exempts_only_that_exact_host(url):
    with pytest.raises(BlockedAddress):
        check_url(url, frozenset({"127.0.0.1"}))


@pytest.mark.parametrize(
    "url",
    [
        "http://8.8.8.8/",
        "https://[2001:4860:4860::8888]/x",
        "https://www.state.gov/press",
        "http://1.1.1.1:8080/",
    ],
)
def test_public_passes(url):
    check_url(url, frozenset())


def test_allowed_hosts_semantics():
    allowed = frozenset({"127.0.0.1"})
    check_url("http://127.0.0.1:8080/a", allowed)
    for url in (
        "http://10.0.0.1/",
        "http://169.254.169.254/",
        "http://127.0.0.2/",
        "http://[::1]/",
    ):
        with pytest.raises(BlockedAddress):
            check_url(url, allowed)
    # a host name can be allowed explicitly (e.g. a source on an intranet name)
    check_url("http://localhost:9/", frozenset({"localhost"}))


def test_blocked_is_fetch_error():
    assert issubclass(BlockedAddress, FetchError)


def test_parse_ip_forms():
    v4 = ipaddress.IPv4Address("127.0.0.1")
    for s in ("2130706433", "0177.0.0.1", "0x7f.1", "127.1", "0x7F.0.0.1", "127.0.0.1."):
        assert parse_ip(s) == v4, s
    assert parse_ip("[::1]") == ipaddress.IPv6Address("::1")
    assert parse_ip("example.gov") is None
    assert parse_ip("bad.be") is None
    assert parse_ip("deadbeef") is None


def test_check_url_resolve_uses_every_address(monkeypatch):
    monkeypatch.setattr(
        netguard,
        "_resolve_sync",
        lambda host: [ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("10.1.2.3")],
    )
    with pytest.raises(BlockedAddress):
        check_url("http://mixed.example/", resolve=True)
    check_url("http://mixed.example/")  # no resolution without resolve=True


def test_check_url_async_resolves(monkeypatch):
    async def fake_resolve(host, port):
        return [ipaddress.ip_address("192.168.0.10")]

    monkeypatch.setattr(netguard, "_resolve", fake_resolve)
    with pytest.raises(BlockedAddress):
        asyncio.run(check_url_async("https://intranet.example/"))
    asyncio.run(check_url_async("https://intranet.example/", frozenset({"intranet.example"})))


class _SpyBackend(httpcore.AsyncNetworkBackend):
    def __init__(self):
        self.calls = []

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.calls.append((host, port))
        return "stream"


def test_guarded_backend_checks_connect_address(monkeypatch):
    async def fake_resolve(host, port):
        return {
            "rebind.example": [ipaddress.ip_address("127.0.0.1")],
            "public.example": [ipaddress.ip_address("93.184.216.34")],
        }[host]

    monkeypatch.setattr(netguard, "_resolve", fake_resolve)
    spy = _SpyBackend()
    be = GuardedBackend(spy, frozenset({"127.0.0.1"}))

    async def go():
        # literal private address: refused before any connect
        for host in ("10.0.0.1", "169.254.169.254", "0x7f.1", "::ffff:127.0.0.1"):
            with pytest.raises(BlockedAddress):
                await be.connect_tcp(host, 80)
        # a name that resolves to loopback is blocked even though 127.0.0.1 is allowed
        with pytest.raises(BlockedAddress):
            await be.connect_tcp("rebind.example", 80)
        assert spy.calls == []
        # public name: connects to the checked IP, not the name (no second lookup)
        assert await be.connect_tcp("public.example", 443) == "stream"
        # allowed literal host passes untouched
        await be.connect_tcp("127.0.0.1", 8080)

    asyncio.run(go())
    assert spy.calls == [("93.184.216.34", 443), ("127.0.0.1", 8080)]


def test_guarded_backend_dns_failure_is_connect_error(monkeypatch):
    async def fail(host, port):
        raise OSError("no such host")

    monkeypatch.setattr(netguard, "_resolve", fail)
    be = GuardedBackend(_SpyBackend())
    with pytest.raises(httpcore.ConnectError):
        asyncio.run(be.connect_tcp("nx.example", 80))


def test_guarded_transport_installs_backend():
    t = netguard.GuardedTransport(frozenset({"127.0.0.1"}))
    assert isinstance(t._pool._network_backend, GuardedBackend)
    with pytest.raises(ValueError):
        netguard.GuardedTransport(proxy="http://proxy.example:3128")
