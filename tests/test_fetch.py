import asyncio
import gzip
import threading
import time
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import anyio
import httpserver
import httpx
import pytest
from httpserver import chunked, silent, trickle, truncated

from readout_pipeline import netguard
from readout_pipeline.errors import ConfigError
from readout_pipeline.fetch import (
    OUTCOMES,
    FetchPolicy,
    FetchRequest,
    FetchResult,
    _retry_after,
    fetch_all,
    fetch_all_async,
    fetch_one,
    make_client,
)

# fixtures from the reusable local test server (tests/httpserver.py)
http_server = httpserver.http_server
http_server_factory = httpserver.http_server_factory

LOCAL = httpserver.LOCAL


def policy(**kw) -> FetchPolicy:
    return httpserver.fast_policy(**{**dict(connect_timeout=1.0, read_timeout=1.0, total_deadline=3.0), **kw})


def one(url: str, **kw) -> FetchResult:
    return fetch_one(url, policy(**kw))


def test_ok_body_and_content_type(http_server):
    http_server.route(
        "/a",
        body="<p>héllo</p>".encode(),
        headers={
            "Content-Type": 'Text/HTML; charset="ISO-8859-1"',
            "ETag": '"v1"',
            "Last-Modified": "Wed, 01 May 2024 10:00:00 GMT",
        },
    )
    r = one(http_server.url("/a"))
    assert r.ok and r.outcome == "ok" and r.status == 200 and r.error is None
    assert r.body == "<p>héllo</p>".encode()
    assert (r.content_type, r.charset) == ("text/html", "iso-8859-1")
    assert r.etag == '"v1"' and r.last_modified == "Wed, 01 May 2024 10:00:00 GMT"
    assert r.url == r.final_url == http_server.url("/a")
    [att] = r.attempts
    assert att.outcome == "ok" and att.status == 200 and att.bytes == len(r.body)
    assert att.started_at.tzinfo is not None and att.elapsed_ms >= 0
    # the User-Agent goes on every request, robots.txt included
    ua = FetchPolicy().user_agent
    assert [q.path for q in http_server.log] == ["/robots.txt", "/a"]
    assert all(q.header("User-Agent") == ua for q in http_server.log)


def test_conditional_get_304_round_trip(http_server):
    def handler(req):
        if req.header("If-None-Match") == '"v7"':
            return 304, {"ETag": '"v7"'}, b""
        return (
            200,
            {
                "ETag": '"v7"',
                "Last-Modified": "Tue, 02 Jan 2024 00:00:00 GMT",
                "Content-Type": "text/html",
            },
            b"body",
        )

    http_server.route("/p", handler=handler)
    first = one(http_server.url("/p"))
    assert first.ok and first.etag == '"v7"'
    second = fetch_one_req(
        http_server,
        FetchRequest(http_server.url("/p"), etag=first.etag, last_modified=first.last_modified),
    )
    assert second.outcome == "not_modified" and second.status == 304 and second.body is None
    assert second.etag == '"v7"' and second.last_modified == "Tue, 02 Jan 2024 00:00:00 GMT"
    assert not second.ok
    req = http_server.requests("/p")[-1]
    assert req.header("If-None-Match") == '"v7"'
    assert req.header("If-Modified-Since") == "Tue, 02 Jan 2024 00:00:00 GMT"
    assert http_server.requests("/p")[0].header("If-None-Match") is None


def fetch_one_req(server, req, **kw):
    return fetch_all([req], policy(**kw))[0]


def test_404_not_retried(http_server):
    r = one(http_server.url("/missing"), max_attempts=4)
    assert r.outcome == "http_error" and r.status == 404 and r.body is None
    assert len(r.attempts) == 1 and http_server.count("/missing") == 1
    assert "404" in r.error


def test_503_retried_exactly_max_attempts(http_server):
    http_server.route("/busy", status=503, body=b"try later")
    r = one(http_server.url("/busy"), max_attempts=3)
    assert r.outcome == "http_error" and r.status == 503
    assert len(r.attempts) == 3 and http_server.count("/busy") == 3
    assert [a.outcome for a in r.attempts] == ["http_error"] * 3


def test_503_then_ok(http_server):
    http_server.route(
        "/flaky",
        body=[(503, {}, b""), (502, {}, b""), (200, {"Content-Type": "text/plain"}, b"yes")],
    )
    r = one(http_server.url("/flaky"))
    assert r.ok and r.body == b"yes"
    assert [a.status for a in r.attempts] == [503, 502, 200]


def test_429_retry_after_honoured(http_server):
    http_server.route("/rl", body=[(429, {"Retry-After": "1"}, b""), (200, {}, b"ok")])
    t0 = time.monotonic()
    r = one(http_server.url("/rl"))
    elapsed = time.monotonic() - t0
    assert r.ok and len(r.attempts) == 2
    assert elapsed >= 0.95
    times = [q.time for q in http_server.requests("/rl")]
    assert times[1] - times[0] >= 0.95


def test_retry_after_capped(http_server):
    http_server.route("/rl", body=[(429, {"Retry-After": "3600"}, b""), (200, {}, b"ok")])
    t0 = time.monotonic()
    r = one(http_server.url("/rl"), retry_after_cap=0.2)
    assert r.ok and time.monotonic() - t0 < 1.5


def test_retry_after_parsing():
    assert _retry_after("5") == 5.0
    assert _retry_after(None) is None and _retry_after("soon") is None
    future = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= _retry_after(future) <= 31
    past = format_datetime(datetime.now(UTC) - timedelta(days=1), usegmt=True)
    assert _retry_after(past) == 0.0


def test_size_cap_by_content_length(http_server):
    http_server.route("/big", body=b"x" * 5000)
    r = one(http_server.url("/big"), max_bytes=1000)
    assert r.outcome == "too_large" and r.body is None and "Content-Length" in r.error
    assert len(r.attempts) == 1


def test_size_cap_streaming_chunked(http_server):
    http_server.route("/stream", raw=chunked([b"y" * 400] * 10))
    r = one(http_server.url("/stream"), max_bytes=1000)
    assert r.outcome == "too_large" and r.body is None
    ok = one(http_server.url("/stream"), max_bytes=4000)
    assert ok.ok and ok.body == b"y" * 4000


def test_body_exactly_at_cap_is_ok(http_server):
    http_server.route("/exact", body=b"z" * 1000)
    assert one(http_server.url("/exact"), max_bytes=1000).ok


def test_gzip_decoded(http_server):
    payload = b"<html>" + b"readout " * 2000 + b"</html>"
    http_server.route(
        "/gz",
        body=gzip.compress(payload),
        headers={"Content-Encoding": "gzip", "Content-Type": "text/html"},
    )
    r = one(http_server.url("/gz"))
    assert r.ok and r.body == payload
    assert http_server.requests("/gz")[0].header("Accept-Encoding") == "gzip, deflate"


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS])
def test_deflate_decoded_zlib_and_raw(http_server, wbits):
    payload = b"deflated " * 500
    c = zlib.compressobj(wbits=wbits)
    http_server.route(
        "/df", body=c.compress(payload) + c.flush(), headers={"Content-Encoding": "deflate"}
    )
    r = one(http_server.url("/df"))
    assert r.ok and r.body == payload


def test_gzip_bomb_capped_on_decoded_size(http_server):
    bomb = gzip.compress(b"\0" * 5_000_000)  # ~5 KB on the wire
    http_server.route("/bomb", body=bomb, headers={"Content-Encoding": "gzip"})
    r = one(http_server.url("/bomb"), max_bytes=100_000)
    assert r.outcome == "too_large" and r.body is None


def test_truncated_gzip_is_network_error(http_server):
    http_server.route(
        "/tgz", body=gzip.compress(b"a" * 10000)[:-20], headers={"Content-Encoding": "gzip"}
    )
    r = one(http_server.url("/tgz"), max_attempts=1)
    assert r.outcome == "network_error" and "truncated" in r.error


def test_truncated_body_is_network_error_and_retried(http_server):
    http_server.route("/trunc", raw=truncated(b"x" * 100, claimed=1000))
    r = one(http_server.url("/trunc"), max_attempts=2)
    assert r.outcome == "network_error" and r.body is None
    assert len(r.attempts) == 2 and http_server.count("/trunc") == 2


def test_truncated_chunked_is_network_error(http_server):
    http_server.route("/tc", raw=chunked([b"abc"] * 3, finish=False))
    r = one(http_server.url("/tc"), max_attempts=1)
    assert r.outcome == "network_error"


def test_silent_server_read_timeout(http_server):
    http_server.route("/silent", raw=silent)
    t0 = time.monotonic()
    r = one(http_server.url("/silent"), read_timeout=0.3, max_attempts=1)
    assert r.outcome == "network_error" and "Timeout" in r.error
    assert time.monotonic() - t0 < 1.5


def test_total_deadline_on_trickle(http_server):
    # each byte arrives well within read_timeout, but the whole body would take ~5 s
    http_server.route("/trickle", raw=trickle(total=100, every=0.05))
    t0 = time.monotonic()
    r = one(http_server.url("/trickle"), total_deadline=0.5, read_timeout=1.0, max_attempts=1)
    assert r.outcome == "deadline_exceeded" and r.body is None
    assert time.monotonic() - t0 < 1.5


# --- robots.txt ------------------------------------------------------------------------------


def test_robots_disallowed_path_never_requested(http_server):
    http_server.route(
        "/robots.txt",
        body="User-agent: *\nDisallow: /private\n",
        headers={"Content-Type": "text/plain"},
    )
    http_server.route("/private/x", body=b"secret")
    http_server.route("/public", body=b"hello")
    rs = fetch_all(
        [FetchRequest(http_server.url("/private/x")), FetchRequest(http_server.url("/public"))],
        policy(),
    )
    assert [r.outcome for r in rs] == ["robots_disallowed", "ok"]
    assert "robots.txt" in rs[0].error
    assert http_server.count("/private/x") == 0
    assert http_server.count("/robots.txt") == 1


def test_robots_group_for_our_token(http_server):
    http_server.route(
        "/robots.txt", body="User-agent: readout_pipeline\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    )
    http_server.route("/a", body=b"x")
    assert one(http_server.url("/a")).outcome == "robots_disallowed"


def test_robots_500_means_host_disallowed(http_server):
    http_server.route("/robots.txt", status=500)
    http_server.route("/a", body=b"x")
    r = one(http_server.url("/a"))
    assert r.outcome == "robots_disallowed" and "robots unavailable" in r.error
    assert http_server.count("/a") == 0


def test_robots_timeout_means_host_disallowed(http_server):
    http_server.route("/robots.txt", raw=silent)
    http_server.route("/a", body=b"x")
    r = one(http_server.url("/a"), read_timeout=0.3)
    assert r.outcome == "robots_disallowed" and "robots unavailable" in r.error
    assert http_server.count("/a") == 0


def test_robots_404_means_allowed(http_server):
    http_server.route("/a", body=b"x")
    r = one(http_server.url("/a"))
    assert r.ok and http_server.count("/robots.txt") == 1


def test_obey_robots_false_skips_robots(http_server):
    http_server.route("/robots.txt", body="User-agent: *\nDisallow: /\n")
    http_server.route("/a", body=b"x")
    assert one(http_server.url("/a"), obey_robots=False).ok
    assert http_server.count("/robots.txt") == 0


def test_robots_crawl_delay_spaces_requests(http_server):
    http_server.route("/robots.txt", body="User-agent: *\nCrawl-delay: 0.3\n")
    for i in range(3):
        http_server.route(f"/p{i}", body=b"x")
    rs = fetch_all([FetchRequest(http_server.url(f"/p{i}")) for i in range(3)], policy())
    assert all(r.ok for r in rs)
    times = sorted(q.time for q in http_server.log if q.path != "/robots.txt")
    assert all(b - a >= 0.27 for a, b in zip(times, times[1:], strict=False)), times


# --- redirects and the address guard -----------------------------------------------------------


def test_redirect_followed(http_server):
    http_server.route("/old", status=301, headers={"Location": "/new"})
    http_server.route("/new", body=b"moved", headers={"Content-Type": "text/html"})
    r = one(http_server.url("/old"))
    assert r.ok and r.body == b"moved"
    assert r.url == http_server.url("/old") and r.final_url == http_server.url("/new")
    assert len(r.attempts) == 1 and r.attempts[0].url == http_server.url("/new")


def test_redirect_loop(http_server):
    http_server.route("/a", status=302, headers={"Location": "/b"})
    http_server.route("/b", status=302, headers={"Location": "/a"})
    r = one(http_server.url("/a"))
    assert r.outcome == "redirect_error" and "loop" in r.error
    assert len(r.attempts) == 1


def test_too_many_redirects(http_server):
    for i in range(10):
        http_server.route(f"/r{i}", status=302, headers={"Location": f"/r{i + 1}"})
    r = one(http_server.url("/r0"), max_redirects=3)
    assert r.outcome == "redirect_error" and "more than 3" in r.error
    assert http_server.count("/r4") == 0


def test_redirect_to_file_refused(http_server):
    http_server.route("/f", status=302, headers={"Location": "file:///etc/passwd"})
    r = one(http_server.url("/f"))
    assert r.outcome == "redirect_error" and r.body is None


def test_redirect_to_other_loopback_blocked(http_server, http_server_factory):
    other = http_server_factory("127.0.0.2")
    other.route("/", body=b"internal")
    http_server.route("/go", status=302, headers={"Location": other.url("/")})
    r = one(http_server.url("/go"))
    assert r.outcome == "blocked_address" and "127.0.0.2" in r.error
    assert other.log == []  # not even robots.txt


@pytest.fixture
def connect_spy(monkeypatch):
    """Record every TCP connect httpcore's anyio backend makes."""
    calls = []
    real = anyio.connect_tcp

    async def spy(*a, **kw):
        host = kw.get("remote_host", a[0] if a else None)
        port = kw.get("remote_port", a[1] if len(a) > 1 else None)
        calls.append((str(host), port))
        return await real(*a, **kw)

    monkeypatch.setattr(anyio, "connect_tcp", spy)
    return calls


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0x7f.1/",
        "http://[::ffff:10.0.0.1]:8080/",
        "http://localhost/",
    ],
)
def test_redirect_to_private_blocked_before_connecting(http_server, connect_spy, target):
    http_server.route("/go", status=302, headers={"Location": target})
    r = one(http_server.url("/go"))
    assert r.outcome in ("blocked_address", "redirect_error"), r
    assert r.outcome == "blocked_address" or "0x7f" in target
    assert connect_spy and all(h == "127.0.0.1" for h, _ in connect_spy), connect_spy


def test_private_url_blocked_without_allowed_hosts(http_server, connect_spy):
    r = fetch_one(http_server.url("/"), policy(allowed_hosts=frozenset()))
    assert r.outcome == "blocked_address"
    assert connect_spy == [] and http_server.log == []


def test_hostname_resolving_to_loopback_blocked_at_connect(http_server, monkeypatch, connect_spy):
    import ipaddress

    async def fake_resolve(host, port):
        assert host == "rebind.example"
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(netguard, "_resolve", fake_resolve)
    r = one(f"http://rebind.example:{http_server.port}/a")
    assert r.outcome == "blocked_address"
    assert connect_spy == [] and http_server.log == []


def test_cookies_not_forwarded_to_other_origin(http_server, http_server_factory):
    other = http_server_factory("127.0.0.1")  # same host, different port: another origin
    other.route("/land", body=b"x")
    http_server.route(
        "/set", status=302, headers={"Set-Cookie": "sid=abc; Path=/", "Location": "/same"}
    )
    http_server.route("/same", status=302, headers={"Location": other.url("/land")})
    r = one(http_server.url("/set"))
    assert r.ok
    assert http_server.requests("/same")[0].header("Cookie") == "sid=abc"
    assert other.requests("/land")[0].header("Cookie") is None
    # and nothing leaks into a later, separate request
    r2 = one(http_server.url("/same"))
    assert r2.ok and http_server.requests("/same")[-1].header("Cookie") is None


# --- politeness ----------------------------------------------------------------------------------


def test_per_host_min_delay(http_server):
    for i in range(3):
        http_server.route(f"/p{i}", body=b"x")
    rs = fetch_all(
        [FetchRequest(http_server.url(f"/p{i}")) for i in range(3)], policy(min_delay=0.25)
    )
    assert all(r.ok for r in rs)
    times = sorted(q.time for q in http_server.log)  # robots.txt counts as a request too
    assert len(times) == 4
    assert all(b - a >= 0.23 for a, b in zip(times, times[1:], strict=False)), times


def test_per_host_override_delay(http_server):
    for i in range(2):
        http_server.route(f"/p{i}", body=b"x")
    p = policy(per_host_overrides={"127.0.0.1": (1, 0.3)}, obey_robots=False)
    rs = fetch_all([FetchRequest(http_server.url(f"/p{i}")) for i in range(2)], p)
    assert all(r.ok for r in rs) and len(http_server.log) == 2
    # Spacing is enforced on request starts (stamped when the host gate opens). The server's
    # arrival times also carry connection set-up jitter, so they are not the measure here.
    starts = sorted(r.attempts[0].started_at for r in rs)
    assert (starts[1] - starts[0]).total_seconds() >= 0.295


def test_per_host_concurrency_limit(http_server):
    active = {"now": 0, "max": 0}
    lock = threading.Lock()

    def slow(req):
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        time.sleep(0.15)
        with lock:
            active["now"] -= 1
        return 200, {}, b"x"

    for i in range(6):
        http_server.route(f"/s{i}", handler=slow)
    rs = fetch_all(
        [FetchRequest(http_server.url(f"/s{i}")) for i in range(6)],
        policy(per_host_concurrency=2, obey_robots=False),
    )
    assert all(r.ok for r in rs)
    assert active["max"] == 2


def test_global_concurrency_limit(http_server):
    active = {"now": 0, "max": 0}
    lock = threading.Lock()

    def slow(req):
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        time.sleep(0.1)
        with lock:
            active["now"] -= 1
        return 200, {}, b"x"

    for i in range(4):
        http_server.route(f"/s{i}", handler=slow)
    fetch_all(
        [FetchRequest(http_server.url(f"/s{i}")) for i in range(4)],
        policy(per_host_concurrency=4, global_concurrency=1, obey_robots=False),
    )
    assert active["max"] == 1


# --- entry points -------------------------------------------------------------------------------


def test_results_in_input_order_and_on_result(http_server):
    http_server.route("/slow", handler=lambda req: (time.sleep(0.2), (200, {}, b"slow"))[1])
    http_server.route("/fast", body=b"fast")
    seen = []
    urls = [http_server.url("/slow"), http_server.url("/fast"), "mailto:press@example.gov"]
    rs = fetch_all([FetchRequest(u) for u in urls], policy(), on_result=seen.append)
    assert [r.url for r in rs] == urls
    assert [r.outcome for r in rs] == ["ok", "ok", "invalid_url"]
    assert len(seen) == 3 and {id(x) for x in seen} == {id(x) for x in rs}
    assert seen[-1].url == http_server.url("/slow")  # progress callback fires as results finish


def test_invalid_urls_never_raise():
    rs = fetch_all(
        [FetchRequest("ftp://x.gov/a"), FetchRequest("not a url"), FetchRequest("http://")],
        policy(),
    )
    assert [r.outcome for r in rs] == ["invalid_url"] * 3
    assert all(r.outcome in OUTCOMES and r.error for r in rs)


def test_empty_input():
    assert fetch_all([], policy()) == []


def test_fetch_all_inside_running_loop(http_server):
    http_server.route("/a", body=b"x")

    async def main():
        return fetch_all([FetchRequest(http_server.url("/a"))], policy())

    assert asyncio.run(main())[0].ok


def test_fetch_all_async_with_own_client(http_server):
    http_server.route("/a", body=b"x")

    async def main():
        p = policy()
        async with make_client(p) as client:
            return await fetch_all_async([FetchRequest(http_server.url("/a"))], p, client=client)

    assert asyncio.run(main())[0].ok


def test_mock_transport_injection():
    def handler(request):
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return httpx.Response(
            200, headers={"Content-Type": "application/rss+xml"}, content=b"<rss/>"
        )

    r = fetch_one(
        "https://press.example.gov/feed", policy(), transport=httpx.MockTransport(handler)
    )
    assert r.ok and r.content_type == "application/rss+xml" and r.body == b"<rss/>"


def test_network_error_connection_refused(http_server):
    port = http_server.port
    http_server.stop()
    r = one(f"http://127.0.0.1:{port}/a", max_attempts=2)
    # robots.txt cannot be fetched either: the host counts as disallowed for this run
    assert r.outcome == "robots_disallowed" and "robots unavailable" in r.error
    r = one(f"http://127.0.0.1:{port}/a", max_attempts=2, obey_robots=False)
    assert r.outcome == "network_error" and len(r.attempts) == 2


def test_policy_validation():
    with pytest.raises(ConfigError):
        FetchPolicy(max_attempts=0)
    with pytest.raises(ConfigError):
        FetchPolicy(per_host_overrides={"x.gov": (0, 1.0)})
    with pytest.raises(ConfigError):
        FetchPolicy(allowed_hosts="127.0.0.1")
    hash(FetchPolicy())  # frozen and hashable defaults


def test_consume_replaces_each_result_as_it_arrives_and_reprs_omit_bodies(http_server):
    for n in range(3):
        http_server.route(f"/p{n}", body=f"<p>page {n}</p>".encode() * 1000, headers={"Content-Type": "text/html"})
    seen = []

    def consume(result: FetchResult):
        seen.append(len(result.body))
        return result.url.rsplit("/", 1)[1], len(result.body)

    out = fetch_all([http_server.url(f"/p{n}") for n in range(3)], policy(), consume=consume)
    assert out == [(f"p{n}", len(f"<p>page {n}</p>") * 1000) for n in range(3)]  # input order
    assert sorted(seen) == sorted(n for _, n in out)
    full = fetch_all([http_server.url("/p0")], policy())[0]
    assert full.body and "page 0" not in repr(full)  # a logged or reported result never dumps its body
