"""Issue 3, cases 5 and 10: hostile XML (feeds, sitemaps) through the fetch + discover path,
and robots.txt faults."""

from __future__ import annotations

import asyncio
import gzip
import os
import time
from pathlib import Path

import httpserver
import httpx
import pytest
from httpserver import silent

from readout_pipeline import pipeline
from readout_pipeline.config import Source
from readout_pipeline.fetch import FetchPolicy, FetchRequest, fetch_all
from readout_pipeline.robots import RobotsCache

http_server = httpserver.http_server

LOCAL = httpserver.LOCAL


def policy(**kw) -> FetchPolicy:
    return httpserver.fast_policy(**{**dict(total_deadline=10.0, max_attempts=2), **kw})


def source(srv, **kw) -> Source:
    return Source(id="hostile", name="Hostile", home=srv.url("/"), **kw)


# --- XML --------------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


def _xml_cases(srv) -> dict[str, bytes]:
    dtd_url = srv.url("/evil.dtd")
    return {
        "laughs-feed": BILLION_LAUGHS
        + b"<rss><channel><item><title>&lol9;</title><link>/a</link></item></channel></rss>",
        "laughs-sitemap": BILLION_LAUGHS
        + b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol9;</loc></url></urlset>',
        "xxe-feed": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<rss><channel><item><title>&x;</title><link>/b</link></item></channel></rss>",
        "xxe-sitemap": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "'
        + dtd_url.encode()
        + b'">]><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&x;</loc></url></urlset>',
        "external-dtd": b'<?xml version="1.0"?><!DOCTYPE urlset SYSTEM "'
        + dtd_url.encode()
        + b'"><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/c</loc></url></urlset>',
    }


@pytest.mark.parametrize("case", ["laughs-feed", "laughs-sitemap", "xxe-feed", "xxe-sitemap"])
def test_unsafe_xml_refused_through_fetch_and_discover(http_server, case):
    body = _xml_cases(http_server)[case]
    http_server.route("/in.xml", body=body, headers={"Content-Type": "application/xml"})
    http_server.route("/evil.dtd", body=b'<!ENTITY x "pwned">')
    http_server.route("/good.xml", body=b"<rss><channel><item><link>/ok</link></item></channel></rss>")
    kind = "feeds" if "feed" in case else "sitemaps"
    src = source(http_server, **{kind: [http_server.url("/in.xml")], "feeds":
                                 [http_server.url("/good.xml")] if kind == "sitemaps" else
                                 [http_server.url("/in.xml"), http_server.url("/good.xml")]})
    t0 = time.monotonic()
    found = pipeline.discover_source(src, policy())
    assert time.monotonic() - t0 < 5.0
    urls = [ln.url for ln in found.links]
    assert urls == [http_server.url("/ok")]  # the other entry point still worked
    assert len(found.problems) == 1 and "/in.xml" in found.problems[0]
    assert any(w in found.problems[0] for w in ("unsafe", "Entit", "DTD", "entit")), found.problems
    assert http_server.count("/evil.dtd") == 0  # nothing external was ever loaded
    assert "pwned" not in repr(found) and "root:" not in repr(found)


def test_external_dtd_is_never_loaded(http_server):
    # defusedxml (forbid_dtd=False, as discover.py uses it) ignores an external DTD reference:
    # the document parses, and the DTD URL is never fetched.
    body = _xml_cases(http_server)["external-dtd"]
    http_server.route("/in.xml", body=body, headers={"Content-Type": "application/xml"})
    http_server.route("/evil.dtd", body=b'<!ENTITY x "pwned">')
    found = pipeline.discover_source(source(http_server, sitemaps=[http_server.url("/in.xml")]),
                                     policy())
    assert [ln.url for ln in found.links] == [http_server.url("/c")]
    assert http_server.count("/evil.dtd") == 0


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.slow
def test_sitemap_over_a_million_urls_is_capped_and_logged(http_server):
    n = 1_050_000
    # relative <loc>s keep the XML (~31 MB) under discover's 100 MiB decompression limit
    xml = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + b"".join(b"<url><loc>/p/%d</loc></url>" % i for i in range(n))
        + b"</urlset>"
    )
    gz = gzip.compress(xml, compresslevel=1)
    del xml
    http_server.route("/big.xml.gz", body=gz, headers={"Content-Type": "application/x-gzip"})
    src = source(http_server, sitemaps=[http_server.url("/big.xml.gz")])
    os.sched_yield()
    before = _rss_kb()
    t0 = time.monotonic()
    found = pipeline.discover_source(src, policy(max_bytes=20_000_000))
    elapsed = time.monotonic() - t0
    growth_mb = (_rss_kb() - before) / 1024
    assert len(found.links) == 100_000  # discover's max_urls
    assert found.links[0].url == http_server.url("/p/0")
    assert any("truncated" in p or "max_urls" in p for p in found.problems), found.problems
    assert elapsed < 30.0
    # the links kept plus one decompressed copy of the XML; a million Link objects would not fit
    assert growth_mb < 400, growth_mb


def test_cyclic_sitemap_index_terminates(http_server):
    ns = b'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

    def index(*children: str) -> bytes:
        return b"<sitemapindex " + ns + b">" + b"".join(
            b"<sitemap><loc>" + c.encode() + b"</loc></sitemap>" for c in children
        ) + b"</sitemapindex>"

    a, b = http_server.url("/a.xml"), http_server.url("/b.xml")
    http_server.route("/a.xml", body=index(b, a))
    http_server.route("/b.xml", body=index(a, http_server.url("/leaf.xml")))
    http_server.route("/leaf.xml", body=b"<urlset " + ns + b"><url><loc>/doc</loc></url></urlset>")
    found = pipeline.discover_source(source(http_server, sitemaps=[a]), policy())
    assert [ln.url for ln in found.links] == [http_server.url("/doc")]
    assert [http_server.count(p) for p in ("/a.xml", "/b.xml", "/leaf.xml")] == [1, 1, 1]


# --- robots.txt -----------------------------------------------------------------------------------


def _pages(srv, *paths):
    for p in paths:
        srv.route(p, body=b"<html>x</html>", headers={"Content-Type": "text/html"})
    return fetch_all([FetchRequest(srv.url(p)) for p in paths], policy())


def test_robots_404_allows(http_server):
    rs = _pages(http_server, "/a", "/b")
    assert [r.outcome for r in rs] == ["ok", "ok"]
    assert http_server.count("/robots.txt") == 1


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_robots_5xx_disallows_the_host_for_the_run_and_is_recorded(http_server, status):
    http_server.route("/robots.txt", status=status)
    rs = _pages(http_server, "/a", "/b", "/c")
    assert [r.outcome for r in rs] == ["robots_disallowed"] * 3
    assert all("robots unavailable" in r.error and str(status) in r.error for r in rs)
    assert all(len(r.attempts) == 1 and r.attempts[0].outcome == "robots_disallowed" for r in rs)
    assert [q.path for q in http_server.log] == ["/robots.txt"]  # asked once, pages never


def test_robots_timeout_disallows_the_host(http_server):
    http_server.route("/robots.txt", raw=lambda h: silent(h, 3.0))
    t0 = time.monotonic()
    rs = fetch_all([http_server.url("/a"), http_server.url("/b")], policy(read_timeout=0.3))
    assert [r.outcome for r in rs] == ["robots_disallowed"] * 2
    assert http_server.count("/a") == http_server.count("/b") == 0
    assert time.monotonic() - t0 < 2.5


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\x01\x02\xff\xfe binary \x89PNG",
        b"<html><body><h1>Welcome</h1><p>Disallow this is not robots</p></body></html>",
        b'{"user-agent": "*", "disallow": "/"}',  # JSON, not robots.txt
        b"Disallow: /\n",  # a rule outside any group
        b"User-agent: *\n" + b"Allow: /" + b"a" * 100_000 + b"\n",
        b"\xef\xbb\xbfUser-agent: nobody\nDisallow: /\n",
        "User-agent: *\nDisallow: /\u202e/\n".encode(),
    ],
    ids=["binary", "html", "json", "orphan-rule", "huge-line", "bom-other-agent", "bidi"],
)
def test_robots_garbage_allows(http_server, garbage):
    http_server.route("/robots.txt", body=garbage, headers={"Content-Type": "text/plain"})
    rs = _pages(http_server, "/press/readout")
    assert rs[0].outcome == "ok", rs[0].error


def test_robots_disallowed_paths_never_requested(http_server):
    http_server.route(
        "/robots.txt",
        body=b"User-agent: *\nDisallow: /private\nDisallow: /*.pdf$\nAllow: /private/ok\n",
    )
    rs = _pages(http_server, "/private/x", "/private/ok", "/doc.pdf", "/public")
    assert [r.outcome for r in rs] == ["robots_disallowed", "ok", "robots_disallowed", "ok"]
    requested = [q.path for q in http_server.log]
    assert "/private/x" not in requested and "/doc.pdf" not in requested
    assert sorted(requested) == ["/private/ok", "/public", "/robots.txt"]


def test_robots_redirect_to_private_address_disallows(http_server):
    http_server.route("/robots.txt", status=301, headers={"Location": "http://169.254.169.254/r"})
    rs = _pages(http_server, "/a")
    assert rs[0].outcome == "robots_disallowed" and http_server.count("/a") == 0


def _shared() -> Path:
    env = os.environ.get("READOUT_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


@pytest.mark.slow
def test_every_corpus_robots_file_goes_through_the_robots_cache():
    """Extends test_robots.test_corpus_robots_parse: each real file as a raw HTTP body (bytes,
    not pre-decoded text) through RobotsCache, and a verdict for a few URL shapes."""
    corpus = _shared() / "corpora" / "robots-txt" / "files"
    if not corpus.is_dir():
        pytest.skip(f"shared robots.txt corpus not found at {corpus} (set READOUT_SHARED)")
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    assert files
    urls = ["/", "/press/2024/readout?x=1", "/%E2%82%AC/a b", "/search?q=*", "/" + "a/" * 200]

    async def main() -> int:
        checked = 0
        for f in files:
            data = f.read_bytes()
            client = httpx.AsyncClient(
                transport=httpx.MockTransport(lambda req, data=data: httpx.Response(200, content=data))
            )
            async with client:
                cache = RobotsCache(client, FetchPolicy())
                entry = await cache.get("https://corpus.example/")
                assert entry.status == "parsed", (f, entry.error)
                for u in urls:
                    allowed, _ = await cache.check("https://corpus.example" + u)
                    assert isinstance(allowed, bool)
                cache.crawl_delay("https://corpus.example/")
                cache.sitemaps("https://corpus.example/")
                checked += 1
        return checked

    assert asyncio.run(main()) == len(files)
