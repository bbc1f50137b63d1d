"""Tests for readout_pipeline.discover: pure parsers and the driver with a dict-backed fake get."""

from __future__ import annotations

import gzip
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from readout_pipeline.discover import (
    DiscoveryError,
    Fetched,
    Link,
    Listing,
    SitemapParse,
    canonical_url,
    discover,
    filter_links,
    parse_feed,
    parse_listing,
    parse_sitemap,
    sitemaps_from_robots,
)
from readout_pipeline.errors import ReadoutError

FIXTURES = Path(__file__).parent / "fixtures" / "discover"


def fx(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ------------------------------------------------------------------------------------ feeds


def test_rss_relative_links_and_dates():
    links = parse_feed(fx("rss_relative.rss"), "https://mfa.example.gov/press/")
    assert [ln.url for ln in links] == [
        "https://mfa.example.gov/press/2024/readout-call?utm_source=rss&lang=en",
        "https://mfa.example.gov/press/press/2024/joint-statement",
        "https://mfa.example.gov/press/2024/guid-only",
    ]
    assert links[0].lastmod == utc(2024, 3, 5, 13, 30)  # +0100 converted to UTC
    assert links[0].lastmod.tzinfo is UTC
    assert links[0].title == "Readout of the Minister\u2019s call with her counterpart"
    assert links[1].lastmod == utc(2024, 3, 4, 9)  # dc:date
    assert links[1].title == "Joint statement on maritime security"
    assert links[2].lastmod == utc(2024, 3, 4, 8)
    assert all(ln.via == "feed" for ln in links)


def test_rss_from_str_input():
    text = fx("rss_relative.rss").decode("utf-8")
    assert len(parse_feed("\n  " + text, "https://mfa.example.gov/")) == 3


def test_atom_updated_xml_base_and_bom():
    links = parse_feed(fx("atom.xml"), "https://ignored.example/")
    assert [ln.url for ln in links] == [
        "https://gov.example.org/news/pm-meets-president",
        "https://gov.example.org/news/no-rel",
        "https://gov.example.org/news/by-id",
    ]
    # lastmod = updated (the later of published/updated)
    assert links[0].lastmod == utc(2024, 3, 2, 8)
    assert links[0].title == "Prime Minister meets President"
    assert links[1].lastmod == utc(2024, 3, 3)
    assert links[2].lastmod == utc(2024, 3, 4)


def test_json_feed():
    links = parse_feed(fx("feed.json"), "https://embassy.example.net/feed.json")
    assert [ln.url for ln in links] == [
        "https://embassy.example.net/statements/readout-1",
        "https://embassy.example.net/statements/by-id",
        "https://other.example.com/story",
    ]
    assert links[0].lastmod == utc(2024, 2, 3, 8)  # date_modified wins
    assert links[1].lastmod == utc(2024, 2, 2, 13)
    assert links[2].lastmod is None
    assert links[0].title == "Readout 1"


def test_rdf_feed():
    links = parse_feed(fx("rdf.xml"), "https://council.example.eu/rss")
    assert [ln.url for ln in links] == [
        "https://council.example.eu/press/1",
        "https://council.example.eu/press/2",
    ]
    assert links[0].lastmod == utc(2024, 1, 15, 9)
    assert links[1].lastmod == utc(2024, 1, 16)


@pytest.mark.parametrize(
    "data",
    [
        b"<rss><channel><item><link>x</link></channel></rss>",  # malformed
        b"<html><body>not a feed</body></html>",  # wrong root
        b'{"items": [',  # malformed JSON
        b'{"version": "x"}',  # JSON without items
    ],
)
def test_bad_feeds_raise_discovery_error(data):
    with pytest.raises(DiscoveryError) as exc:
        parse_feed(data, "https://x.example/")
    assert "\n" not in str(exc.value)
    assert isinstance(exc.value, ReadoutError)


def test_external_entity_feed_is_refused():
    with pytest.raises(DiscoveryError, match="unsafe"):
        parse_feed(fx("xxe_feed.rss"), "https://evil.example.com/")


# ------------------------------------------------------------------------------------ sitemaps


def test_sitemap_urlset_lastmod_bom_hreflang_and_images():
    res = parse_sitemap(fx("urlset.xml"), "https://mfa.example.gov/sitemap.xml")
    assert isinstance(res, SitemapParse)
    assert res.sitemaps == [] and res.truncated is False
    assert [ln.url for ln in res.urls] == [
        "https://mfa.example.gov/press/a",
        "https://mfa.example.gov/press/b",
        "https://mfa.example.gov/press/c",
        "https://mfa.example.gov/press/d?x=1&y=2",
    ]
    assert res.urls[0].lastmod == utc(2024, 3, 1)  # date only -> midnight UTC
    assert res.urls[1].lastmod == utc(2024, 3, 2, 9, 15)
    assert res.urls[2].lastmod is None
    assert res.urls[3].lastmod == utc(2024, 3, 4, 8)
    assert all(ln.via == "sitemap" for ln in res.urls)


def test_sitemap_without_namespace_and_google_news():
    res = parse_sitemap(fx("urlset_nons.xml"), "https://old.example.gov/")
    assert [ln.url for ln in res.urls] == ["https://old.example.gov/1", "https://old.example.gov/2"]
    assert res.urls[0].lastmod == utc(2023, 12, 31)
    news = parse_sitemap(fx("urlset_google_news.xml"), "https://news.example.gov/")
    assert news.urls == [
        Link(
            url="https://news.example.gov/2024/readout",
            lastmod=utc(2024, 3, 5, 14, 30),
            title="Readout of the meeting",
            via="sitemap",
        )
    ]


def test_sitemap_index():
    res = parse_sitemap(fx("sitemapindex.xml"), "https://mfa.example.gov/sitemap.xml")
    assert res.urls == []
    assert [s.url for s in res.sitemaps] == [
        "https://mfa.example.gov/sitemap-press.xml",
        "https://mfa.example.gov/sitemap-pages.xml.gz",
    ]
    assert res.sitemaps[0].lastmod == utc(2024, 3, 5)
    assert res.sitemaps[1].lastmod is None


def test_sitemap_gzip():
    plain = parse_sitemap(fx("urlset.xml"), "https://mfa.example.gov/")
    zipped = parse_sitemap(gzip.compress(fx("urlset.xml")), "https://mfa.example.gov/")
    assert zipped == plain


def test_sitemap_gzip_bomb_is_refused(monkeypatch):
    import readout_pipeline.discover as d

    monkeypatch.setattr(d, "MAX_DECOMPRESSED_BYTES", 10_000)
    body = b"<urlset>" + b" " * 50_000 + b"</urlset>"
    with pytest.raises(DiscoveryError, match="decompressed"):
        parse_sitemap(gzip.compress(body), "https://x.example/")
    with pytest.raises(DiscoveryError, match="gzip"):
        parse_sitemap(gzip.compress(body)[:40], "https://x.example/")


def test_billion_laughs_sitemap_is_refused():
    with pytest.raises(DiscoveryError, match="unsafe"):
        parse_sitemap(fx("billion_laughs_sitemap.xml"), "https://example.gov/")


def test_sitemap_malformed_and_wrong_root():
    with pytest.raises(DiscoveryError, match="malformed"):
        parse_sitemap(b"<urlset><url><loc>https://a.example/</url></urlset>", "https://a.example/")
    with pytest.raises(DiscoveryError, match="not a sitemap"):
        parse_sitemap(b"<!DOCTYPE html><html><body>404</body></html>", "https://a.example/")


def test_sitemap_truncated_at_max_urls():
    body = "<urlset>" + "".join(f"<url><loc>https://e.example/{i}</loc></url>" for i in range(50))
    body += "</urlset>"
    res = parse_sitemap(body.encode(), "https://e.example/", max_urls=10)
    assert len(res.urls) == 10 and res.truncated is True
    assert res.urls[-1].url == "https://e.example/9"
    full = parse_sitemap(body.encode(), "https://e.example/", max_urls=50)
    assert len(full.urls) == 50 and full.truncated is False


def test_text_sitemap_and_feed_as_sitemap():
    res = parse_sitemap(b"https://t.example/a\n\nhttps://t.example/b\n", "https://t.example/")
    assert [ln.url for ln in res.urls] == ["https://t.example/a", "https://t.example/b"]
    rss = parse_sitemap(fx("rss_relative.rss"), "https://mfa.example.gov/")
    assert len(rss.urls) == 3 and all(ln.via == "sitemap" for ln in rss.urls)


def test_sitemaps_from_robots():
    robots = (
        "\ufeffUser-agent: *\nDisallow: /admin\n"
        "Sitemap: https://mfa.example.gov/sitemap.xml\n"
        "sitemap:https://mfa.example.gov/news-sitemap.xml  # news\n"
        "SITEMAP: https://mfa.example.gov/sitemap.xml\n"
        "Sitemap: /relative.xml\n"
        "sitemap https://mfa.example.gov/no-colon.xml\n"
        "# Sitemap: https://mfa.example.gov/commented.xml\n"
    )
    assert sitemaps_from_robots(robots) == [
        "https://mfa.example.gov/sitemap.xml",
        "https://mfa.example.gov/news-sitemap.xml",
        "https://mfa.example.gov/no-colon.xml",
    ]
    assert sitemaps_from_robots(robots, base_url="https://mfa.example.gov/robots.txt")[2] == (
        "https://mfa.example.gov/relative.xml"
    )
    assert sitemaps_from_robots("User-agent: *\nDisallow:\n") == []


# ------------------------------------------------------------------------------------ listings


def test_listing_links_and_rel_next():
    links, nxt = parse_listing(
        fx("listing_page1.html").decode(), "https://mfa.example.gov/press/", r"/press/\d{4}/"
    )
    assert [ln.url for ln in links] == [
        "https://mfa.example.gov/press/2024/03/readout-call",
        "https://mfa.example.gov/press/2024/03/joint-statement",
        "https://mfa.example.gov/press/2024/03/visit",
    ]
    assert links[0].title == "Readout of the call"
    assert links[2].title == "State visit"
    assert all(ln.via == "listing" and ln.lastmod is None for ln in links)
    assert nxt == "https://mfa.example.gov/press/?page=2"


def test_listing_next_pattern_skips_current_and_seen():
    html = fx("listing_page2.html")
    page2 = "https://mfa.example.gov/press/?page=2"
    links, nxt = parse_listing(html, page2, r"/press/\d{4}/", r"page=\d+")
    assert [ln.url for ln in links] == ["https://mfa.example.gov/press/2024/02/older-readout"]
    assert nxt == "https://mfa.example.gov/press/?page=1"  # first match that is not current
    _, nxt = parse_listing(
        html, page2, r"/press/\d{4}/", r"page=\d+", seen={"https://mfa.example.gov/press/?page=1"}
    )
    assert nxt == "https://mfa.example.gov/press/?page=3"
    _, nxt = parse_listing(html, page2, r"/press/\d{4}/")
    assert nxt is None


def test_listing_base_href_and_empty_page():
    html = '<html><head><base href="https://cdn.example.gov/a/"></head><body><a href="x/1">1</a>'
    links, _ = parse_listing(html, "https://www.example.gov/", r"/x/")
    assert links[0].url == "https://cdn.example.gov/a/x/1"
    assert parse_listing("", "https://www.example.gov/", r"x") == ([], None)
    with pytest.raises(DiscoveryError):
        parse_listing("<a href='/'>", "https://www.example.gov/", r"(")


# ------------------------------------------------------------------------------------ canonical


def test_canonical_url():
    assert (
        canonical_url("HTTPS://WWW.State.GOV:443/readout/?utm_source=x&utm_medium=rss&id=7#top")
        == "https://www.state.gov/readout/?id=7"
    )
    assert canonical_url("http://127.0.0.1:8123/a") != canonical_url("http://127.0.0.1:8124/a")
    assert canonical_url("http://127.0.0.1:8123/a").startswith("http://127.0.0.1:8123/")
    assert canonical_url("http://example.gov:80/a") == "http://example.gov/a"
    assert canonical_url("https://example.gov/a?b=2&a=1") == "https://example.gov/a?a=1&b=2"
    assert canonical_url("https://example.gov") == "https://example.gov/"


@pytest.mark.parametrize(
    "url",
    [
        "HTTP://Example.COM:80/a/b?utm_source=x&id=3&b=2#frag",
        "http://127.0.0.1:8123/a?x=1#y",
        "https://example.com/a b/(c)+d?q=a+b&r=%2B&s=\u00e9",
        "https://ex.example/%7Euser/p%C3%A4th?fbclid=1&page=2",
        "https://xn--bcher-kva.example/",
        "https://example.com/?",
    ],
)
def test_canonical_url_idempotent(url):
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert "#" not in once and "utm_" not in once and "fbclid" not in once


# ------------------------------------------------------------------------------------ filter


def test_filter_links():
    links = [
        Link("https://g.example/press/1?utm_source=a", None, "one", "feed"),
        Link("https://g.example/press/1", utc(2024, 3, 1), None, "sitemap"),
        Link("https://g.example/press/1#x", utc(2024, 2, 1), None, "sitemap"),
        Link("https://g.example/press/2", utc(2023, 1, 1), "old", "feed"),
        Link("https://g.example/press/3", utc(2024, 6, 1), "new", "feed"),
        Link("https://g.example/jobs/4", utc(2024, 3, 1), "job", "feed"),
        Link("https://g.example/press/5.pdf", None, "pdf", "feed"),
    ]
    out = filter_links(links, [r"/press/"], [r"\.pdf$"], since=datetime(2024, 1, 1))
    assert [ln.url for ln in out] == [
        "https://g.example/press/1?utm_source=a",
        "https://g.example/press/3",
    ]
    assert out[0].lastmod == utc(2024, 3, 1) and out[0].title == "one" and out[0].via == "feed"
    out = filter_links(links, [], [], until=utc(2024, 3, 1))
    assert [ln.url for ln in out] == [
        "https://g.example/press/1?utm_source=a",
        "https://g.example/press/2",
        "https://g.example/jobs/4",
        "https://g.example/press/5.pdf",
    ]


# ------------------------------------------------------------------------------------ driver


class FakeWeb:
    def __init__(self, pages: dict[str, bytes | int]):
        self.pages = pages
        self.calls: list[str] = []

    def __call__(self, url: str) -> Fetched:
        self.calls.append(url)
        body = self.pages.get(url, 404)
        if isinstance(body, int):
            return Fetched(url=url, ok=False, body=None, error=f"HTTP {body}")
        return Fetched(url=url, ok=True, body=body)


def _index(*locs: str) -> bytes:
    inner = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in locs)
    return f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{inner}</sitemapindex>'.encode()


def _urlset(*locs: str) -> bytes:
    return ("<urlset>" + "".join(f"<url><loc>{u}</loc></url>" for u in locs) + "</urlset>").encode()


def _run(web: FakeWeb, **kw):
    args = dict(feeds=[], sitemaps=[], listings=[], pages=[], robots_sitemaps_for=[], get=web)
    args.update(kw)
    return discover(**args)


def test_driver_sitemap_index_cycle_terminates():
    web = FakeWeb(
        {
            "https://s.example/a.xml": _index("https://s.example/b.xml", "https://s.example/u.xml"),
            "https://s.example/b.xml": _index("https://s.example/a.xml"),
            "https://s.example/u.xml": _urlset("https://s.example/p/1", "https://s.example/p/2"),
        }
    )
    links, problems = _run(web, sitemaps=["https://s.example/a.xml"])
    assert [ln.url for ln in links] == ["https://s.example/p/1", "https://s.example/p/2"]
    assert problems == []
    assert sorted(web.calls) == sorted(set(web.calls))  # nothing fetched twice


def test_driver_sitemap_depth_limit():
    web = FakeWeb(
        {
            "https://s.example/0.xml": _index("https://s.example/1.xml"),
            "https://s.example/1.xml": _index("https://s.example/2.xml"),
            "https://s.example/2.xml": _urlset("https://s.example/deep"),
        }
    )
    links, problems = _run(web, sitemaps=["https://s.example/0.xml"], max_sitemap_depth=1)
    assert links == [] and "https://s.example/2.xml" not in web.calls
    assert len(problems) == 1 and "depth limit 1" in problems[0]
    links, problems = _run(web, sitemaps=["https://s.example/0.xml"], max_sitemap_depth=2)
    assert [ln.url for ln in links] == ["https://s.example/deep"] and problems == []


def test_driver_robots_sitemaps():
    web = FakeWeb(
        {
            "https://r.example/robots.txt": b"User-agent: *\nSitemap: /sm.xml\n",
            "https://r.example/sm.xml": _urlset("https://r.example/x"),
            "https://q.example/robots.txt": b"User-agent: *\nDisallow:\n",
        }
    )
    links, problems = _run(
        web,
        robots_sitemaps_for=["https://r.example/", "https://q.example/home", "https://z.example"],
    )
    assert links == [Link("https://r.example/x", None, None, "robots")]
    assert problems == [
        "robots https://q.example/robots.txt: no Sitemap: lines",
        "robots https://z.example/robots.txt: HTTP 404",
    ]


def _listing_page(n: int, next_href: str | None, pager: str = "") -> bytes:
    nxt = f'<a rel="next" href="{next_href}">Next</a>' if next_href else ""
    return (
        f'<html><body><a href="/press/item-{n}">Item {n}</a>'
        f'<a href="/press/item-{n}b">Item {n}b</a>{pager}{nxt}</body></html>'
    ).encode()


def test_driver_listing_stops_at_max_pages():
    pages = {
        f"https://l.example/press?page={i}": _listing_page(i, f"?page={i + 1}")
        for i in range(1, 10)
    }
    web = FakeWeb(pages)
    lst = Listing("https://l.example/press?page=1", r"/press/item-", max_pages=3)
    links, problems = _run(web, listings=[lst])
    assert web.calls == [f"https://l.example/press?page={i}" for i in (1, 2, 3)]
    assert len(links) == 6 and problems == []
    assert all(ln.via == "listing" for ln in links)


def test_driver_listing_stops_on_repeated_page():
    web = FakeWeb(
        {
            "https://l.example/p1": _listing_page(1, "/p2"),
            "https://l.example/p2": _listing_page(2, "/p1"),  # loops back
        }
    )
    lst = Listing("https://l.example/p1", r"/press/item-", max_pages=10)
    links, problems = _run(web, listings=[lst])
    assert web.calls == ["https://l.example/p1", "https://l.example/p2"]
    assert len(links) == 4 and problems == []


def test_driver_listing_next_pattern_pagination():
    pager = '<a href="/list?page=1">1</a><a href="/list?page=2">2</a><a href="/list?page=3">3</a>'
    web = FakeWeb(
        {f"https://l.example/list?page={i}": _listing_page(i, None, pager) for i in (1, 2, 3)}
    )
    lst = Listing("https://l.example/list?page=1", r"/press/item-", r"[?&]page=\d+", max_pages=10)
    links, problems = _run(web, listings=[lst])
    assert web.calls == [f"https://l.example/list?page={i}" for i in (1, 2, 3)]
    assert len(links) == 6 and problems == []


def test_driver_failing_feed_reported_others_continue():
    def boom(url: str) -> Fetched:
        if url.endswith("/raise"):
            raise OSError("connection reset\nby peer")
        return web(url)

    web = FakeWeb(
        {
            "https://f.example/rss": fx("rss_relative.rss"),
            "https://f.example/broken": b"<rss><channel>",
            "https://f.example/atom": fx("atom.xml"),
            "https://f.example/sm.xml": _urlset("https://f.example/from-sitemap"),
        }
    )
    links, problems = discover(
        feeds=[
            "https://f.example/missing",
            "https://f.example/rss",
            "https://f.example/broken",
            "https://f.example/raise",
            "https://f.example/atom",
        ],
        sitemaps=["https://f.example/sm.xml", "https://f.example/gone.xml"],
        listings=[],
        pages=["https://f.example/manual-page", "https://f.example/rss-item-dup"],
        robots_sitemaps_for=[],
        get=boom,
    )
    assert problems[0] == "feed https://f.example/missing: HTTP 404"
    assert problems[1].startswith("feed https://f.example/broken: feed: malformed XML")
    assert problems[2] == "feed https://f.example/raise: OSError: connection reset by peer"
    assert problems[3] == "sitemap https://f.example/gone.xml: HTTP 404"
    assert len(problems) == 4 and all("\n" not in p for p in problems)
    vias = {ln.url: ln.via for ln in links}
    assert sum(v == "feed" for v in vias.values()) == 6
    assert vias["https://f.example/from-sitemap"] == "sitemap"
    assert vias["https://f.example/manual-page"] == "page"


def test_driver_dedups_and_caps_max_urls():
    web = FakeWeb(
        {
            "https://m.example/a.xml": _urlset(*(f"https://m.example/{i}" for i in range(8))),
            "https://m.example/b.xml": _urlset(
                "https://m.example/0?utm_source=x", "https://m.example/99"
            ),
        }
    )
    links, problems = _run(
        web, sitemaps=["https://m.example/a.xml", "https://m.example/b.xml"], max_urls=5
    )
    assert [ln.url for ln in links] == [f"https://m.example/{i}" for i in range(5)]
    assert any("truncated" in p for p in problems)
    assert any("max_urls 5 reached" in p for p in problems)


# ------------------------------------------------------------------------------------ shared corpora


def _shared() -> Path:
    env = os.environ.get("READOUT_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


FEEDS_SITEMAPS = _shared() / "corpora" / "feeds-sitemaps"
STATE_RSS = _shared() / "corpora" / "state-gov-press-rss-2022" / "snapshots"


@pytest.mark.skipif(
    not FEEDS_SITEMAPS.is_dir(),
    reason=f"shared corpus absent: {FEEDS_SITEMAPS} (set READOUT_SHARED)",
)
@pytest.mark.parametrize("name", ["feed.json", "feed1.atom", "feed2.rss"])
def test_shared_feeds(name):
    links = parse_feed((FEEDS_SITEMAPS / name).read_bytes(), "https://example.org/")
    assert links and all(ln.url.startswith("http") for ln in links)


@pytest.mark.skipif(
    not FEEDS_SITEMAPS.is_dir(),
    reason=f"shared corpus absent: {FEEDS_SITEMAPS} (set READOUT_SHARED)",
)
def test_shared_sitemaps():
    files = sorted(FEEDS_SITEMAPS.glob("sitemap*.xml")) + [FEEDS_SITEMAPS / "sitemap.xml.gz"]
    assert len(files) >= 3
    for path in files:
        res = parse_sitemap(path.read_bytes(), "https://example.org/")
        assert res.urls or res.sitemaps, path.name
    gz = parse_sitemap((FEEDS_SITEMAPS / "sitemap.xml.gz").read_bytes(), "https://example.org/")
    assert len(gz.urls) > 10 and all(ln.lastmod is not None for ln in gz.urls)


@pytest.mark.skipif(
    not STATE_RSS.is_dir(), reason=f"shared corpus absent: {STATE_RSS} (set READOUT_SHARED)"
)
def test_shared_state_gov_rss_snapshots():
    snapshots = sorted(STATE_RSS.glob("*/data.rss"))[:3]
    assert len(snapshots) == 3
    for path in snapshots:
        links = parse_feed(path.read_bytes(), "https://www.state.gov/")
        # every snapshot of this feed carries exactly 10 items
        assert len(links) >= 10, path
        assert all(ln.lastmod is not None and ln.lastmod.tzinfo is UTC for ln in links)
        assert all(ln.url.startswith("https://www.state.gov/") for ln in links)
