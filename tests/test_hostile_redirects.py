"""Issue 3, cases 2, 3 and 6: redirects, the address guard (SSRF) and TLS.

Safety net: every test here runs with ``no_outside_traffic``, which wraps anyio's TCP connect
(what httpcore uses) so that any attempt to reach a non-loopback address fails *without* a
packet being sent, and records every connect. Blocked cases must never reach it at all.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import time

import anyio
import httpserver
import pytest

from readout_pipeline import netguard
from readout_pipeline.fetch import FetchPolicy, FetchResult, fetch_all, fetch_one

http_server = httpserver.http_server
http_server_factory = httpserver.http_server_factory

LOCAL = httpserver.LOCAL


def policy(**kw) -> FetchPolicy:
    return httpserver.fast_policy(**kw)


def one(url: str, **kw) -> FetchResult:
    return fetch_one(url, policy(**kw))


@pytest.fixture(autouse=True)
def no_outside_traffic(monkeypatch):
    calls: list[tuple[str, int]] = []
    real = anyio.connect_tcp

    async def guarded(*a, **kw):
        host = str(kw.get("remote_host", a[0] if a else ""))
        port = kw.get("remote_port", a[1] if len(a) > 1 else None)
        calls.append((host, port))
        if not ipaddress.ip_address(host.strip("[]")).is_loopback:
            raise OSError(f"test safety net: refused to connect to {host}")
        return await real(*a, **kw)

    monkeypatch.setattr(anyio, "connect_tcp", guarded)
    return calls


def wait_for(pred, timeout: float = 3.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


# --- redirects -----------------------------------------------------------------------------------


def test_redirect_loop_stopped_and_recorded(http_server):
    http_server.route("/a", status=302, headers={"Location": "/b"})
    http_server.route("/b", status=301, headers={"Location": http_server.url("/a")})
    r = one(http_server.url("/a"), max_attempts=3)
    assert r.outcome == "redirect_error" and "loop" in r.error and r.body is None
    assert len(r.attempts) == 1  # not retried
    assert http_server.count("/a") == 1 and http_server.count("/b") == 1


def test_self_redirect_stopped(http_server):
    http_server.route("/me", status=307, headers={"Location": "/me"})
    r = one(http_server.url("/me"))
    assert r.outcome == "redirect_error" and http_server.count("/me") == 1


def test_chain_over_ten_hops_stopped_and_recorded(http_server):
    for i in range(15):
        http_server.route(f"/r{i}", status=302, headers={"Location": f"/r{i + 1}"})
    http_server.route("/r15", body=b"end")
    r = one(http_server.url("/r0"))  # default max_redirects = 10
    assert r.outcome == "redirect_error" and "more than 10 redirects" in r.error
    assert len(r.attempts) == 1
    assert [http_server.count(f"/r{i}") for i in range(12)] == [1] * 11 + [0]


def test_ten_hops_exactly_are_followed(http_server):
    for i in range(10):
        http_server.route(f"/r{i}", status=302, headers={"Location": f"/r{i + 1}"})
    http_server.route("/r10", body=b"end")
    r = one(http_server.url("/r0"))
    assert r.ok and r.body == b"end" and r.final_url == http_server.url("/r10")


@pytest.mark.parametrize(
    "location",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/pub/readout.html",
        "mailto:press@example.gov",
        "javascript:alert(1)",
        "data:text/html,<p>hi</p>",
        "gopher://127.0.0.1:70/",
    ],
)
def test_non_http_redirects_refused(http_server, location, no_outside_traffic):
    http_server.route("/go", status=302, headers={"Location": location})
    r = one(http_server.url("/go"), max_attempts=3)
    assert r.outcome == "redirect_error" and "non-http(s)" in r.error and r.body is None
    assert len(r.attempts) == 1
    assert [q.path for q in http_server.log] == ["/robots.txt", "/go"]


def test_redirect_to_invalid_port_is_a_clean_error(http_server):
    http_server.route("/go", status=302, headers={"Location": "http://127.0.0.1:99999/"})
    r = one(http_server.url("/go"))
    assert r.outcome == "redirect_error" and "port" in r.error and len(r.attempts) == 1


# --- credentials across origins ------------------------------------------------------------------


def _creds_chain(first, second_url: str) -> None:
    first.route("/login", status=302,
                headers={"Set-Cookie": "sid=s3cret; Path=/", "Location": "/again"})
    first.route("/again", status=302, headers={"Location": second_url})


def _assert_no_creds(first, second, second_path: str) -> None:
    # the same origin got them (proves the test would see a leak) ...
    again = first.requests("/again")[0]
    assert again.header("Cookie") == "sid=s3cret"
    assert again.header("Authorization", "").startswith("Basic ")
    # ... the other host / port / scheme did not
    [landed] = second.requests(second_path)
    assert landed.header("Cookie") is None and landed.header("Authorization") is None


def test_credentials_not_forwarded_to_another_port(http_server, http_server_factory):
    other = http_server_factory("127.0.0.1")
    other.route("/land", body=b"x")
    _creds_chain(http_server, other.url("/land"))
    r = one(http_server.url("/login").replace("http://", "http://user:pw@"))
    assert r.ok and r.final_url == other.url("/land")
    _assert_no_creds(http_server, other, "/land")


def test_credentials_not_forwarded_to_another_host(http_server, http_server_factory):
    other = http_server_factory("127.0.0.2")
    other.route("/land", body=b"x")
    _creds_chain(http_server, other.url("/land"))
    p = policy(allowed_hosts=frozenset({"127.0.0.1", "127.0.0.2"}))
    r = fetch_one(http_server.url("/login").replace("http://", "http://user:pw@"), p)
    assert r.ok
    _assert_no_creds(http_server, other, "/land")


# --- TLS ------------------------------------------------------------------------------------------


def _self_signed(tmp_path, hosts=("127.0.0.1",)) -> tuple[str, str]:
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:  # pragma: no cover - cryptography is in the lock (via prefect)
        pytest.skip("the cryptography package is not installed; cannot make a test certificate")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "readout test")])
    now = dt.datetime.now(dt.UTC)
    sans = []
    for h in hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            sans.append(x509.DNSName(h))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


def _server_ctx(cert: str, key: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


@pytest.mark.parametrize("obey_robots", [True, False])
@pytest.mark.parametrize("hosts", [("127.0.0.1",), ("wrong.example",)], ids=["self-signed",
                                                                               "name-mismatch"])
def test_certificate_error_fails_closed_without_retry(
    tmp_path, http_server_factory, obey_robots, hosts
):
    cert, key = _self_signed(tmp_path, hosts)
    srv = http_server_factory("127.0.0.1", tls=_server_ctx(cert, key))
    srv.route("/robots.txt", body=b"User-agent: *\nAllow: /\n")
    srv.route("/page", body=b"<html>secret</html>")
    t0 = time.monotonic()
    r = one(srv.url("/page"), max_attempts=4, obey_robots=obey_robots)
    assert r.outcome == "network_error" and r.body is None
    assert r.error.startswith("TLS certificate verification failed"), r.error
    assert "certificate" in r.error.split(":", 1)[1]  # names the problem, e.g. self-signed
    assert len(r.attempts) == 1  # not transient: not retried, never retried unverified
    assert time.monotonic() - t0 < 3.0
    assert wait_for(lambda: len(srv.tls_failures) >= 1)
    time.sleep(0.1)
    assert srv.connections == 1 and len(srv.tls_failures) == 1  # one handshake, no retry
    assert srv.log == []  # the server never saw a request, robots.txt included


def test_trusted_certificate_works_and_scheme_change_drops_credentials(
    tmp_path, http_server, http_server_factory
):
    """Positive control for the TLS test (the same server and certificate work when trusted)
    and the third credential boundary: http -> https on the same host."""
    cert, key = _self_signed(tmp_path)
    secure = http_server_factory("127.0.0.1", tls=_server_ctx(cert, key))
    secure.route("/land", body=b"<html>ok</html>")
    _creds_chain(http_server, secure.url("/land"))
    trust = ssl.create_default_context(cafile=cert)
    transport = netguard.GuardedTransport(LOCAL, verify=trust)
    r = fetch_one(
        http_server.url("/login").replace("http://", "http://user:pw@"), policy(),
        transport=transport,
    )
    assert r.ok and r.body == b"<html>ok</html>" and r.final_url.startswith("https://")
    _assert_no_creds(http_server, secure, "/land")


# --- SSRF ----------------------------------------------------------------------------------------

# (URL template, text the error must contain); {port} is the test server's port
SSRF_TARGETS = [
    ("http://127.0.0.2:{port}/", "127.0.0.2"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://10.0.0.1/", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://100.64.0.1/", "CGNAT"),
    ("http://[::1]:{port}/", "loopback"),
    ("http://[::ffff:127.0.0.1]:{port}/", "IPv4-mapped"),
    ("http://[::ffff:169.254.169.254]/", "IPv4-mapped"),
    ("http://[fe80::1]/", "link-local"),
    ("http://2130706433:{port}/", "127.0.0.1"),
    ("http://0177.0.0.1:{port}/", "127.0.0.1"),
    ("http://0x7f.1:{port}/", "127.0.0.1"),
    ("http://127.1:{port}/", "127.0.0.1"),
    ("http://localhost:{port}/", "local host name"),
]


@pytest.mark.parametrize(("template", "needle"), SSRF_TARGETS, ids=[t for t, _ in SSRF_TARGETS])
def test_private_url_blocked_before_connecting(http_server, no_outside_traffic, template, needle):
    # 127.0.0.1 is a configured source host; that must not open the door to anything else
    url = template.format(port=http_server.port)
    r = one(url, max_attempts=3)
    assert r.outcome == "blocked_address", (r.outcome, r.error)
    assert needle in r.error and r.body is None and len(r.attempts) == 1
    assert no_outside_traffic == [] and http_server.log == []


@pytest.mark.parametrize(("template", "needle"), SSRF_TARGETS, ids=[t for t, _ in SSRF_TARGETS])
def test_redirect_to_private_blocked_before_connecting(
    http_server, no_outside_traffic, template, needle
):
    target = template.format(port=http_server.port)
    http_server.route("/go", status=302, headers={"Location": target})
    r = one(http_server.url("/go"), max_attempts=3)
    assert r.outcome == "blocked_address", (r.outcome, r.error)
    assert needle in r.error and len(r.attempts) == 1
    # only the allowed server was contacted, and only for robots.txt and /go
    assert {h for h, _ in no_outside_traffic} == {"127.0.0.1"}
    assert {p for _, p in no_outside_traffic} == {http_server.port}
    assert [q.path for q in http_server.log] == ["/robots.txt", "/go"]


def test_dns_rebinding_is_checked_at_connect_time(
    http_server_factory, monkeypatch, no_outside_traffic
):
    """A name that resolves to a public address when first looked up (a pre-flight check would
    pass it) and to 127.0.0.2 when the connection is made is blocked: the address checked is
    the address connected to."""
    inner = http_server_factory("127.0.0.2")
    inner.route("/admin", body=b"internal")
    answers = iter([["93.184.216.34"], ["127.0.0.2"]])
    looked_up = []

    async def rebinding_resolver(host, port):
        assert host == "rebind.example"
        ips = next(answers, ["127.0.0.2"])
        looked_up.append(ips)
        return [ipaddress.ip_address(a) for a in ips]

    monkeypatch.setattr(netguard, "_resolve", rebinding_resolver)
    url = f"http://rebind.example:{inner.port}/admin"
    # 1st lookup: the pre-flight check sees a public address and lets the URL through ...
    anyio.run(netguard.check_url_async, url)
    # ... 2nd lookup, at connect time, returns 127.0.0.2: blocked there, nothing connects
    r = fetch_one(url, policy(obey_robots=False, max_attempts=1))
    assert r.outcome == "blocked_address" and "127.0.0.2" in r.error
    assert looked_up == [["93.184.216.34"], ["127.0.0.2"]]
    assert no_outside_traffic == [] and inner.log == [] and inner.connections == 0


def test_connect_goes_to_the_checked_address_not_a_new_lookup(monkeypatch, no_outside_traffic):
    """When the resolved address passes the check, the connection is made to that very IP
    (the OS never gets the name to look up again). The safety net refuses the public address
    before any packet is sent, so the attempt ends as a network error."""
    looked_up = []

    async def resolver(host, port):
        looked_up.append(host)
        return [ipaddress.ip_address("93.184.216.34")]

    monkeypatch.setattr(netguard, "_resolve", resolver)
    r = fetch_one("http://public.example:8080/x", policy(obey_robots=False, max_attempts=1))
    assert r.outcome == "network_error" and "safety net" in r.error
    assert looked_up == ["public.example"]
    assert no_outside_traffic == [("93.184.216.34", 8080)]


def test_blocked_urls_in_a_batch_do_not_stop_the_rest(http_server, no_outside_traffic):
    http_server.route("/ok", body=b"fine")
    urls = [
        "http://169.254.169.254/latest/meta-data/",
        http_server.url("/ok"),
        f"http://0177.0.0.1:{http_server.port}/",
        "http://[::ffff:10.0.0.1]/",
    ]
    rs = fetch_all(urls, policy())
    assert [r.outcome for r in rs] == ["blocked_address", "ok", "blocked_address",
                                       "blocked_address"]
    assert {h for h, _ in no_outside_traffic} == {"127.0.0.1"}
