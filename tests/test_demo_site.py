"""The bundled demo site: HTTP behaviour, content invariants and the Sources it hands out."""

from __future__ import annotations

import gzip
import hashlib
import re
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from readout_pipeline.config import Source
from readout_pipeline.demo_site import DemoSite

KEYWORDS = ["coalition", "daesh", "isis", "terror"]
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET"):
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with _OPENER.open(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers, exc.read()


@pytest.fixture(scope="module")
def site():
    with DemoSite() as running:
        yield running


def _all_urls(s: DemoSite) -> list[str]:
    urls = [s.url(k, p) for k, paths in s.entry_points().items() for p in paths]
    urls += [p["url"] for p in s.expected()["pages"]]
    return urls


def _text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode("utf-8")))


def test_entry_points_serve_right_content_types(site):
    want = {
        "/robots.txt": "text/plain",
        "/rss.xml": "application/rss+xml",
        "/feeds/statements.atom": "application/atom+xml",
        "/sitemap.xml": "application/xml",
        "/sitemap_index.xml": "application/xml",
    }
    for key, paths in site.entry_points().items():
        for path in paths:
            status, headers, body = fetch(site.url(key, path))
            assert status == 200, (key, path)
            ctype = headers["Content-Type"]
            if path.endswith(".xml.gz"):
                assert ctype in ("application/gzip", "application/x-gzip")
                assert headers.get("Content-Encoding") is None
                xml = gzip.decompress(body).decode()
                assert "<urlset" in xml and "<lastmod>" in xml
                assert site.base_urls[key] + "/media/news/" in xml
            elif path in want:
                assert ctype.startswith(want[path]), (path, ctype)
            else:
                assert ctype == "text/html; charset=utf-8"
                assert body.startswith(b"<!DOCTYPE html>") and b'<html lang="en">' in body
            assert headers["ETag"] == '"' + hashlib.sha256(body).hexdigest() + '"'
            assert headers["Last-Modified"].endswith("GMT")


def test_feeds_sitemaps_and_listing_use_absolute_urls(site):
    a, b, c = (site.base_urls[k] for k in ("valdoria", "coalition", "norland"))
    rss = fetch(a + "/rss.xml")[2].decode()
    assert rss.count("<item>") == 8 and "<pubDate>" in rss and f"<link>{a}/news/" in rss
    index = fetch(b + "/sitemap_index.xml")[2].decode()
    assert "<sitemapindex" in index and f"<loc>{b}/sitemaps/news-2024.xml.gz</loc>" in index
    atom = fetch(c + "/feeds/statements.atom")[2].decode()
    assert "<feed" in atom and f'href="{c}/statements/' in atom
    robots_c = fetch(c + "/robots.txt")[2].decode()
    assert f"Sitemap: {c}/sitemap.xml" in robots_c
    assert f"<loc>{c}/statements/" in fetch(c + "/sitemap.xml")[2].decode()
    for n in (1, 2, 3):
        page = fetch(f"{a}/news?page={n}")[2].decode()
        assert page.count('class="views-row"') == 4
        assert (f'<link rel="next" href="{a}/news?page={n + 1}">' in page) == (n < 3)
        assert ('rel="next"' in page) == (n < 3)
    assert fetch(a + "/news?page=4")[0] == 404


def test_conditional_get_gives_304(site):
    url = site.expected()["pages"][0]["url"]
    status, headers, body = fetch(url)
    assert status == 200 and body
    etag, modified = headers["ETag"], headers["Last-Modified"]
    again = fetch(url)
    assert again[1]["ETag"] == etag and again[2] == body  # deterministic rendering
    status, headers304, body304 = fetch(url, {"If-None-Match": etag})
    assert status == 304 and body304 == b"" and headers304["ETag"] == etag
    assert fetch(url, {"If-Modified-Since": modified})[0] == 304
    assert fetch(url, {"If-None-Match": '"nope"'})[0] == 200
    assert fetch(url, {"If-None-Match": '"nope"', "If-Modified-Since": modified})[0] == 200
    assert fetch(url, {"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})[0] == 200
    gz = site.url("coalition", "/sitemaps/news-2025.xml.gz")
    assert fetch(gz, {"If-None-Match": fetch(gz)[1]["ETag"]})[0] == 304


def test_unknown_paths_are_404_and_head_works(site):
    base = site.base_urls["norland"]
    assert fetch(base + "/no/such/page")[0] == 404
    assert fetch(base + "/search?q=isis")[0] == 404
    status, headers, body = fetch(base + "/robots.txt", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0


def test_revision_2_changes_only_the_edited_page():
    with DemoSite(revision=1) as s:
        urls = _all_urls(s)
        before = {u: fetch(u) for u in urls}
        s.revision = 2
        after = {u: fetch(u) for u in urls}
        ex = s.expected()
    edited = ex["edited"]["url"]
    changed = {u for u in urls if before[u][2] != after[u][2]}
    assert changed == {edited}
    assert ex["edited"]["new"] in _text(after[edited][2])
    assert ex["edited"]["new"] not in _text(before[edited][2])
    assert before[edited][1]["ETag"] != after[edited][1]["ETag"]
    assert before[edited][1]["Last-Modified"] != after[edited][1]["Last-Modified"]
    assert b"article:modified_time" in after[edited][2]


def test_republished_pair_same_text_different_bytes(site):
    ex = site.expected()
    (k1, p1), (k2, p2) = ex["republished_paths"]
    assert k1 != k2
    original = fetch(site.url(k1, p1))[2]
    copy = fetch(site.url(k2, p2))[2]
    assert original != copy
    copy_text = _text(copy)
    assert "The following statement was released by the members of" in copy_text
    assert "Begin text:" in copy_text and "End text." in copy_text
    body = site.publishers[k1].article_by_path(p1).body
    for para in (p for p in body.split("\n") if p.strip()):
        para = para.removeprefix("- ").replace("'", "&#x27;")
        assert para in original.decode() and para in copy.decode()


def test_content_invariants(site):
    ex = site.expected()
    assert ex["readout_pages"] >= 25
    assert ex["readout_pages"] == sum(ex["readout_pages_by_publisher"].values())
    assert len(ex["publishers"]) >= 3
    for pub in site.publishers.values():
        for art in pub.articles:
            words = len(art.body.split())
            assert 150 <= words <= 450, (art.path, words)
            assert art.body.count("\n\n") >= 2, art.path
            assert 2024 <= art.published.year <= 2025
            haystack = f"{art.title}\n{art.body}".casefold()
            assert any(k in haystack for k in KEYWORDS) == (art.kind != "press-release"), art.path
    # the press release page (chrome included) never mentions a relevance keyword
    page = fetch(ex["filtered"]["url"])[2].decode().casefold()
    assert not any(k in page for k in KEYWORDS)
    srcs = {s.id: s for s in site.sources()}
    assert not srcs[ex["filtered"]["publisher"]].is_relevant(
        ex["filtered"]["title"], _text(page.encode())
    )


def test_disallowed_page_is_linked_and_blocked_by_robots(site):
    ex = site.expected()
    d = ex["disallowed"]
    robots = fetch(site.url(d["publisher"], "/robots.txt"))[2].decode()
    assert f"Disallow: {d['robots_rule']}" in robots and d["path"].startswith(d["robots_rule"])
    listing = fetch(site.url(d["publisher"], "/news?page=1"))[2].decode()
    assert f'href="{d["path"]}"' in listing
    for key, rule in ex["robots_disallow"].items():
        assert f"Disallow: {rule}" in fetch(site.url(key, "/robots.txt"))[2].decode()


def test_sources_point_at_running_ports(site):
    sources = site.sources()
    assert [s.id for s in sources] == list(site.publishers)
    for src in sources:
        assert isinstance(src, Source)
        Source.model_validate(src.model_dump())
        assert src.politeness.min_delay_seconds == 0
        urls = [src.home, *src.feeds, *src.sitemaps, *(li.url for li in src.listings)]
        assert len(urls) >= 2 or src.robots_sitemaps
        for url in urls:
            parts = urlsplit(url)
            assert parts.hostname == "127.0.0.1" and parts.port == site.ports[src.id]
            assert fetch(url)[0] == 200
    by_id = {s.id: s for s in sources}
    assert (
        by_id["valdoria"].keywords and by_id["norland"].keywords and not by_id["coalition"].keywords
    )
    assert by_id["norland"].robots_sitemaps
    listing = by_id["valdoria"].listings[0]
    base = site.base_urls["valdoria"]
    assert re.search(listing.next_pattern, f"{base}/news?page=2")
    for page in site.expected()["pages"]:
        if page["publisher"] == "valdoria":
            assert re.search(listing.link_pattern, page["url"]), page["url"]
    assert not re.search(listing.link_pattern, f"{base}/news?page=2")


def test_request_log_records_requests(site):
    base = site.base_urls["coalition"]
    fetch(base + "/robots.txt")
    fetch(base + "/missing")
    log = site.requests_for("coalition")
    assert ("coalition", "GET", "/robots.txt", 200) in log
    assert ("coalition", "GET", "/missing", 404) in log
    assert all(len(entry) == 4 for entry in site.request_log)


def test_busy_preferred_port_falls_back():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with DemoSite(ports={"valdoria": port}) as s:
            assert s.ports["valdoria"] != port
            assert fetch(s.url("valdoria", "/robots.txt"))[0] == 200
    with pytest.raises(ValueError):
        DemoSite(ports={"nosuch": 1})
    with pytest.raises(ValueError):
        DemoSite(revision=0)
