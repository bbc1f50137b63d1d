import asyncio
import os
from pathlib import Path

import httpx
import pytest

from readout_pipeline.fetch import FetchPolicy
from readout_pipeline.robots import (
    RobotsCache,
    is_allowed,
    origin_of,
    parse_robots,
    robots_token,
)

UA = FetchPolicy().user_agent


def test_parse_and_is_allowed():
    text = "User-agent: *\nDisallow: /private\nCrawl-delay: 2\nSitemap: https://x.gov/sitemap.xml\n"
    rp = parse_robots(text)
    assert rp.can_fetch("https://x.gov/public", "readout_pipeline")
    assert not rp.can_fetch("https://x.gov/private/a", "readout_pipeline")
    assert list(rp.sitemaps) == ["https://x.gov/sitemap.xml"]
    assert is_allowed(text, "https://x.gov/a", UA)
    assert not is_allowed(text, "https://x.gov/private", UA)


def test_group_matching_uses_product_token():
    assert robots_token(UA) == "readout_pipeline"
    ours = "User-agent: readout_pipeline\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    assert not is_allowed(ours, "https://x.gov/a", UA)
    # the URL in our UA comment must not make unrelated groups apply
    other = "User-agent: github\nDisallow: /\n"
    assert is_allowed(other, "https://x.gov/a", UA)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\ufeffUser-agent: *\nDisallow: /x",
        "<html><body>404</body></html>",
        "\x00\xff garbage ::::",
        "Disallow",
    ],
)
def test_garbage_never_raises(text):
    rp = parse_robots(text)
    rp.can_fetch("https://x.gov/y", "readout_pipeline")


def test_bom_stripped():
    assert not is_allowed("\ufeffUser-agent: *\nDisallow: /x\n", "https://x.gov/x", UA)


def test_origin_of():
    assert origin_of("HTTPS://Example.GOV/a?b") == "https://example.gov"
    assert origin_of("http://127.0.0.1:8080/x") == "http://127.0.0.1:8080"
    assert origin_of("http://[::1]:81/") == "http://[::1]:81"


def _shared_dir() -> Path:
    env = os.environ.get("READOUT_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


@pytest.mark.slow  # ~2 s: 4,231 real files, some over 1 MB
def test_corpus_robots_parse():
    corpus = _shared_dir() / "corpora" / "robots-txt"
    if not corpus.is_dir():
        pytest.skip(f"shared robots.txt corpus not found at {corpus} (set READOUT_SHARED)")
    # files/<host> (one robots.txt per host); tolerate files/<host>/robots.txt too
    files = sorted(p for p in (corpus / "files").rglob("*") if p.is_file())
    assert files, f"no robots.txt files under {corpus / 'files'}"
    for f in files:
        text = f.read_bytes().decode("utf-8", errors="replace")
        rp = parse_robots(text)
        rp.can_fetch("https://example.gov/press/2024/readout", "readout_pipeline")
        rp.crawl_delay("readout_pipeline")
        list(rp.sitemaps)


# --- RobotsCache over a mock transport ------------------------------------------------------


def _cache(handler, **kw):
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return client, RobotsCache(client, FetchPolicy(**kw))


def _run(coro):
    return asyncio.run(coro)


def test_cache_fetches_once_and_exposes_delay_and_sitemaps():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(
            200,
            text="User-agent: *\nDisallow: /private\nCrawl-delay: 3\nSitemap: https://press.example/sm.xml\n",
        )

    async def go():
        client, cache = _cache(handler)
        async with client:
            results = await asyncio.gather(
                *(cache.check(f"https://press.example/p{i}") for i in range(5)),
                cache.check("https://press.example/private/x"),
            )
        return cache, results

    cache, results = _run(go())
    assert len(calls) == 1
    assert str(calls[0].url) == "https://press.example/robots.txt"
    assert calls[0].headers["User-Agent"] == UA
    assert [r[0] for r in results] == [True] * 5 + [False]
    assert cache.crawl_delay("press.example") == 3.0
    assert cache.crawl_delay("https://press.example/anything") == 3.0
    assert cache.sitemaps("press.example") == ["https://press.example/sm.xml"]
    assert cache.crawl_delay("unknown.example") is None
    assert cache.sitemaps("unknown.example") == []


@pytest.mark.parametrize(
    "status,allowed",
    [(404, True), (403, True), (410, True), (500, False), (503, False), (429, False)],
)
def test_status_handling(status, allowed):
    async def go():
        client, cache = _cache(lambda r: httpx.Response(status, text="User-agent: *\nDisallow: /"))
        async with client:
            return await cache.check("https://press.example/a")

    ok, reason = _run(go())
    assert ok is allowed
    if not allowed:
        assert "robots unavailable" in reason


def test_network_error_means_unavailable():
    def handler(request):
        raise httpx.ConnectError("connection refused")

    async def go():
        client, cache = _cache(handler)
        async with client:
            return await cache.check("https://press.example/a")

    ok, reason = _run(go())
    assert not ok and "robots unavailable" in reason and "ConnectError" in reason


def test_robots_redirect_followed():
    def handler(request):
        if request.url.host == "press.example":
            return httpx.Response(301, headers={"Location": "https://www.press.example/robots.txt"})
        return httpx.Response(200, text="User-agent: *\nDisallow: /x\n")

    async def go():
        client, cache = _cache(handler)
        async with client:
            return await cache.check("https://press.example/x/1"), await cache.check(
                "https://press.example/y"
            )

    (a, _), (b, _) = _run(go())
    assert a is False and b is True


def test_robots_redirect_to_private_address_is_unavailable():
    def handler(request):
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/robots.txt"})

    async def go():
        client, cache = _cache(handler)
        async with client:
            return await cache.check("https://press.example/a")

    ok, reason = _run(go())
    assert not ok and "blocked address" in reason
