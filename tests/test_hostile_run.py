"""Issue 3: "the run goes on". Good pages mixed with every kind of fault, through the library
steps the ingest flow calls (no Prefect): each fault is recorded with exactly the expected
number of fetch_log attempts and one url_state failure, the good pages load, and what an
earlier batch loaded is still there."""

from __future__ import annotations

import gzip
import ipaddress

import anyio
import httpserver
import pytest
from httpserver import reset_after, truncated

from readout_pipeline import pages, pipeline, warehouse
from readout_pipeline.config import Source, config_from_sources

http_server = httpserver.http_server

MAX_ATTEMPTS = 3


def article(title: str, n: int) -> bytes:
    paras = "".join(
        f"<p>{title}: the Secretary met with the Foreign Minister to discuss paragraph {i} of "
        f"the joint statement on regional security, trade and humanitarian access.</p>"
        for i in range(n)
    )
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body><main><article>"
        f"<h1>{title}</h1>{paras}</article></main></body></html>"
    ).encode()


# path -> (expected final outcome, expected attempts); None outcome = loads as a document
GOOD = {"/good1": None, "/good2": None}
FAULTS = {
    "/busy": ("http_error", MAX_ATTEMPTS),  # 503 forever
    "/gone": ("http_error", 1),  # 410
    "/trunc": ("network_error", MAX_ATTEMPTS),
    "/reset": ("network_error", MAX_ATTEMPTS),
    "/huge": ("too_large", 1),
    "/loop": ("redirect_error", 1),
    "/bomb": ("too_large", 1),
    "/brotli": ("network_error", 1),
}
PRIVATE = "http://169.254.169.254/latest/meta-data/"


@pytest.fixture
def site(http_server):
    s = http_server
    for path in GOOD:
        s.route(path, body=article(path.strip("/"), 6), headers={"Content-Type": "text/html"})
    s.route("/busy", status=503, headers={"Retry-After": "0"})
    s.route("/gone", status=410)
    s.route("/trunc", raw=truncated(b"<html>" + b"x" * 50, claimed=10_000))
    s.route("/reset", raw=reset_after(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 50000\r\n\r\n<html>"))
    s.route("/huge", body=b"x" * 300_000, headers={"Content-Type": "text/html"})
    s.route("/loop", status=302, headers={"Location": "/loop2"})
    s.route("/loop2", status=302, headers={"Location": "/loop"})
    s.route("/bomb", body=gzip.compress(b"\0" * 5_000_000),
            headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})
    s.route("/brotli", body=b"\x0b\x02\x80hi\x03", headers={"Content-Encoding": "br"})
    s.route("/doc.pdf", body=b"%PDF-1.7\n%%EOF\n", headers={"Content-Type": "application/pdf"})
    items = [*GOOD, *FAULTS, "/doc.pdf"]
    links = "".join(f"<item><title>{p}</title><link>{s.url(p)}</link></item>" for p in items)
    links += f"<item><title>metadata</title><link>{PRIVATE}</link></item>"
    s.route("/feed.xml", body=f"<rss><channel>{links}</channel></rss>".encode(),
            headers={"Content-Type": "application/rss+xml"})
    return s


@pytest.fixture
def connects(monkeypatch):
    calls = []
    real = anyio.connect_tcp

    async def guarded(*a, **kw):
        host = str(kw.get("remote_host", a[0] if a else ""))
        calls.append(host)
        if not ipaddress.ip_address(host).is_loopback:
            raise OSError(f"test safety net: refused to connect to {host}")
        return await real(*a, **kw)

    monkeypatch.setattr(anyio, "connect_tcp", guarded)
    return calls


def run_batch(config, source, db, run_id, only=None):
    policy = pipeline.fetch_policy(config, source)
    warehouse.start_run(db.con, run_id, "ingest", {})
    found = pipeline.discover_source(source, policy)
    assert found.problems == []
    if only is not None:
        found.links = [ln for ln in found.links if ln.url.endswith(only)]
    planned = pipeline.plan_fetches(db.con, found, recheck_after_hours=24)
    fetched = pipeline.fetch_and_archive(planned, policy, config.settings.archive_dir)
    parsed = pages.parse_pages([(p, source.keywords) for p in fetched.pages], workers=1,
                               archive_dir=config.settings.archive_dir)
    warehouse.record_fetches(db.con, run_id, fetched.attempts, fetched.touches)
    counts = warehouse.load_pages(db.con, run_id, parsed)
    return planned, fetched, counts


def test_the_run_goes_on(site, tmp_path, connects):
    source = Source(id="hostile", name="Hostile", home=site.url("/"), feeds=[site.url("/feed.xml")])
    config = config_from_sources(
        [source],
        warehouse_dir=tmp_path / "wh",
        max_attempts=MAX_ATTEMPTS,
        backoff_base=0.01,
        backoff_cap=0.02,
        retry_after_cap=0.05,
        min_delay_seconds=0.0,
        connect_timeout=2.0,
        read_timeout=2.0,
        total_deadline=5.0,
        max_bytes=100_000,
    )
    with warehouse.WorkingDB(config.settings) as db:
        # an earlier batch loads one page
        _, _, counts1 = run_batch(config, source, db, "run-1", only="/good1")
        assert counts1["n_new_documents"] == 1
        doc1 = db.con.execute("SELECT doc_id, text FROM documents").fetchall()
        assert len(doc1) == 1

        # the hostile batch: everything else in the feed
        planned, fetched, counts = run_batch(config, source, db, "run-2")
        fetch_urls = {p.request.url for p in planned}
        assert site.url("/good1") not in fetch_urls  # loaded before, not due yet
        assert PRIVATE in fetch_urls
        assert counts["n_new_documents"] == 1  # good2

        con = db.con
        docs = con.execute("SELECT doc_id, text FROM documents ORDER BY first_seen_at").fetchall()
        assert docs[0] == doc1[0] and len(docs) == 2  # the earlier document is intact

        attempts = dict(
            con.execute(
                "SELECT url, count(*) FROM fetch_log WHERE run_id = 'run-2' GROUP BY url"
            ).fetchall()
        )
        states = {
            fetch_url: (outcome, failures)
            for fetch_url, outcome, failures in con.execute(
                "SELECT fetch_url, last_outcome, consecutive_failures FROM url_state"
            ).fetchall()
        }
        for path, (outcome, n) in FAULTS.items():
            url = site.url(path)
            # the loop's attempt is logged at the URL it ended on
            logged = attempts.get(url, 0) + (attempts.get(site.url("/loop2"), 0)
                                             if path == "/loop" else 0)
            assert logged == n, (path, attempts)
            assert states[url] == (outcome, 1), (path, states[url])
        assert attempts[PRIVATE] == 1 and states[PRIVATE] == ("blocked_address", 1)
        assert states[site.url("/doc.pdf")][0] == "not_text"
        assert states[site.url("/good2")][0] == "new"
        ctype = con.execute(
            "SELECT content_type FROM raw_pages WHERE fetch_url = ?", [site.url("/doc.pdf")]
        ).fetchone()
        assert ctype == ("application/pdf",)
        n_failed = len(FAULTS) + 1
        assert fetched.counts["n_failed"] == n_failed
        assert con.execute(
            "SELECT count(*) FROM url_state WHERE consecutive_failures > 0"
        ).fetchone() == (n_failed,)

    # the server saw exactly the retries the log records, and nothing reached 169.254.169.254
    assert all(ipaddress.ip_address(h).is_loopback for h in connects)
    assert site.count("/busy") == MAX_ATTEMPTS and site.count("/gone") == 1
    assert site.count("/huge") == 1 and site.count("/bomb") == 1
