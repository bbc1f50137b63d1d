"""Cleaning in worker processes with limits: pathological pages cannot stop a batch."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from readout_pipeline.pages import DOC, EXTRACTION_FAILED, NOT_TEXT, Limits, RawPage, parse_pages

GOOD = (
    b"<html><head><title>Readout</title></head><body><article><p>"
    + b"The ministers met in Rome to discuss the Coalition and stabilization in Iraq. " * 12
    + b"</p></article></body></html>"
)


def page(body: bytes, url: str, content_type: str = "text/html") -> RawPage:
    return RawPage(url=url, fetch_url=url, source_id="s", raw_sha256="0" * 64, content_type=content_type,
                   charset="utf-8", fetched_at=datetime.now(UTC), body=body)


class ExitingKeyword(str):
    """A keyword whose use kills the worker process (stands in for a crash inside C code)."""

    def casefold(self) -> str:
        os._exit(3)


class _Unpicklable(RuntimeError):
    def __reduce__(self):
        raise TypeError("cannot pickle this error")


class FailingKeyword(str):
    """A keyword whose use raises an error that cannot be pickled (stands in for a bug)."""

    def casefold(self) -> str:
        raise _Unpicklable("bug in the cleaning code")


def test_batch_order_and_outcomes_across_workers():
    items = [(page(GOOD.replace(b"Rome", f"Rome {n}".encode()), f"u{n}"), []) for n in range(20)]
    items.append((page(b"%PDF-1.7 binary", "pdf", "application/pdf"), []))
    results = parse_pages(items, workers=2)
    assert [r.raw.url for r in results] == [f"u{n}" for n in range(20)] + ["pdf"]
    assert [r.outcome for r in results] == [DOC] * 20 + [NOT_TEXT]
    assert len({r.doc_id for r in results[:20]}) == 20
    assert all(r.raw.body == b"" and r.raw.size > 0 for r in results)  # bodies do not travel back


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>" + b"<div>" * 100_000 + b"<p>deep</p>" + b"</div>" * 100_000 + b"</body></html>",
        b"<html><body><p>" + b"word " * 10_000_000 + b"</p></body></html>",  # a 50 MB single line
        b"<html><body><table>" + (b"<tr>" + b"<td>x y z</td>" * 40 + b"</tr>") * 40_000 + b"</table></body></html>",
    ],
    ids=["100k-deep-nesting", "50MB-single-line", "giant-table"],
)
def test_pathological_html_is_bounded_and_the_batch_goes_on(body):
    results = parse_pages([(page(GOOD, "a"), []), (page(body, "bad"), []), (page(GOOD, "b"), [])],
                          workers=2, limits=Limits(timeout_seconds=20, memory_mb=2048))
    assert results[0].outcome == DOC and results[2].outcome == DOC
    assert results[1].outcome != DOC or len(results[1].doc.text) < len(body)


def test_time_limit_records_extraction_failed():
    big = b"<html><body>" + (b"<article><p>" + b"The ministers met in Rome today. " * 30 + b"</p></article>") * 6000 + b"</body></html>"
    results = parse_pages([(page(GOOD, "a"), []), (page(big, "slow"), [])], workers=2, limits=Limits(timeout_seconds=2))
    assert results[0].outcome == DOC
    assert results[1].outcome == EXTRACTION_FAILED and "exceeded" in results[1].error


@pytest.mark.slow
def test_memory_limit_records_extraction_failed():
    huge = b"<html><body>" + (b"<article><p>" + b"The ministers met in Rome to discuss the Coalition today. " * 30 + b"</p></article>") * 12_000 + b"</body></html>"
    results = parse_pages([(page(GOOD, "a"), []), (page(huge, "huge"), [])], workers=2, limits=Limits(timeout_seconds=120, memory_mb=400))
    assert results[0].outcome == DOC
    assert results[1].outcome == EXTRACTION_FAILED and "MemoryError" in results[1].error


def test_a_worker_that_dies_costs_one_page_not_the_batch():
    results = parse_pages(
        [(page(GOOD, "a"), []), (page(GOOD, "dies"), [ExitingKeyword("Coalition")]), (page(GOOD.replace(b"Rome", b"Paris"), "b"), [])],
        workers=2,
    )
    assert [r.outcome for r in results] == [DOC, EXTRACTION_FAILED, DOC]
    assert "killed" in results[1].error
    # The pool is usable again afterwards.
    assert parse_pages([(page(GOOD, "c"), [])], workers=2)[0].outcome == DOC


def test_a_bug_in_a_worker_fails_the_batch_with_an_error_naming_the_page():
    from readout_pipeline.errors import ExtractionError

    with pytest.raises(ExtractionError, match=r"^buggy: _Unpicklable: bug in the cleaning code$"):
        parse_pages([(page(GOOD, "a"), []), (page(GOOD, "buggy"), [FailingKeyword("Rome")])], workers=2)
    assert parse_pages([(page(GOOD, "c"), [])], workers=2)[0].outcome == DOC


def test_an_lxml_error_while_cleaning_is_recorded_as_extraction_failed(monkeypatch):
    from lxml.etree import XPathEvalError

    from readout_pipeline import clean
    from readout_pipeline.pages import parse_page

    def fail(html, url=None):
        raise XPathEvalError("unknown error")

    monkeypatch.setattr(clean, "clean_html", fail)
    parsed = parse_page(page(GOOD, "a"))
    assert parsed.outcome == EXTRACTION_FAILED and parsed.error == "XPathEvalError: unknown error"


def test_pages_in_the_archive_are_read_by_the_worker_hash_checked(tmp_path):
    from dataclasses import replace

    from readout_pipeline import archive
    from readout_pipeline.errors import ExtractionError, WarehouseError
    from readout_pipeline.pages import with_body

    sha = archive.store(tmp_path, GOOD)
    stored = replace(page(b"", "u-archived"), raw_sha256=sha, size=len(GOOD), in_archive=True)
    [from_archive] = parse_pages([(stored, [])], workers=1, archive_dir=tmp_path)
    [from_memory] = parse_pages([(page(GOOD, "u-archived"), [])], workers=1)
    assert from_archive.outcome == DOC and from_archive.doc_id == from_memory.doc_id
    assert from_archive.raw.body == b"" and from_archive.raw.size == len(GOOD)
    with pytest.raises(ExtractionError):
        with_body(stored, None)
    archive.archive_path(tmp_path, sha).write_bytes(__import__("gzip").compress(b"tampered"))
    with pytest.raises(WarehouseError):
        with_body(stored, tmp_path)


def test_fetch_and_archive_keeps_no_bodies_in_the_batch(tmp_path):
    import httpx

    from readout_pipeline import archive, pipeline
    from readout_pipeline.fetch import FetchPolicy, FetchRequest

    def app(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return httpx.Response(200, content=GOOD, headers={"Content-Type": "text/html"})

    planned = [pipeline.PlannedFetch(FetchRequest(f"https://mfa.example/{n}"), f"https://mfa.example/{n}", "s", None)
               for n in range(3)]
    batch = pipeline.fetch_and_archive(planned, FetchPolicy(min_delay=0.0), tmp_path, transport=httpx.MockTransport(app))
    assert [p.body for p in batch.pages] == [b""] * 3
    assert all(p.in_archive and p.size == len(GOOD) and archive.load(tmp_path, p.raw_sha256) == GOOD for p in batch.pages)


PRESTART_FORKSERVER = """
import os, threading
from readout_pipeline import pages

pages.prestart_forkserver()
for thread in threading.enumerate():
    if thread.name == "forkserver-prestart":
        thread.join(60)
me = str(os.getpid())
children = [p for p in os.listdir("/proc") if p.isdigit()
            and open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1] == me]
print(pages._POOLS == {})
for pid in children:
    print(open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\\0", b" ").decode())
"""


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_prestart_forkserver_starts_the_server_with_the_cleaning_stack_and_no_workers():
    """A crawl that may find nothing starts the forkserver, which imports the cleaning stack, and
    no worker process (the pool is created, and workers forked, only when a batch comes)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", PRESTART_FORKSERVER], capture_output=True, text=True,
                         timeout=120, check=True).stdout.splitlines()
    assert out[0] == "True", out
    servers = [c for c in out[1:] if "forkserver" in c]
    assert len(servers) == 1, out
    assert "readout_pipeline.warmup" in servers[0] and "trafilatura" in servers[0]
    assert all("resource_tracker" in c for c in out[1:] if c not in servers), out  # no worker


def test_cleaning_workers_inherit_the_warm_start_out_of_the_collectors_reach():
    """The forkserver freezes what it imported and warmed up (warmup.py), so the workers' garbage
    collections do not copy those pages: a worker starts with the objects frozen."""
    import gc

    from readout_pipeline.pages import _pool

    assert gc.get_freeze_count() == 0  # this process froze nothing
    assert _pool(1, Limits()).submit(gc.get_freeze_count).result(timeout=120) > 10_000


def test_cleaning_workers_inherit_jusText_stop_words():
    """trafilatura's jusText fallback needs the stop words of every language (31 MB); the forkserver
    loads them once (warmup.py) instead of each worker building a private copy on a real page."""
    from readout_pipeline.pages import _pool

    worker = _pool(1, Limits())
    stoplist = "__import__('trafilatura.external', fromlist=['_']).JT_STOPLIST"
    assert worker.submit(eval, f"len({stoplist} or ())").result(timeout=120) > 100_000
    cached = "__import__('justext.core', fromlist=['_']).define_stoplist.cache_info().currsize"
    assert worker.submit(eval, cached).result(timeout=120) == 1


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_stopping_the_cleaning_processes_ends_the_forkserver_and_a_later_batch_starts_anew():
    from readout_pipeline.pages import _pool, stop_cleaning_processes

    server = _pool(1, Limits()).submit(os.getppid).result(timeout=120)
    assert os.path.exists(f"/proc/{server}")
    stop_cleaning_processes()
    assert not os.path.exists(f"/proc/{server}")  # exited and reaped
    assert parse_pages([(page(GOOD, "later"), [])], workers=1)[0].outcome == DOC
    assert _pool(1, Limits()).submit(os.getppid).result(timeout=120) not in (server, os.getpid())


def test_cleaning_workers_are_renewed_and_the_pool_keeps_its_size(monkeypatch):
    """A worker exits after `WORKER_PAGES` pages and a fresh fork of the forkserver takes its place.
    Python 3.11's own pool can fail to start the replacement (CPython gh-115634): with two workers
    renewed every two pages, these twenty pages would then wait for ever."""
    from collections import Counter

    from readout_pipeline import pages

    monkeypatch.setattr(pages, "WORKER_PAGES", 2)
    limits = Limits(timeout_seconds=29.0)  # a pool of its own
    try:
        pool = pages._pool(2, limits)
        pids = [f.result(timeout=60) for f in [pool.submit(os.getpid) for _ in range(20)]]
        assert len(set(pids)) >= 10 and max(Counter(pids).values()) <= 2
        parsed = parse_pages([(page(GOOD, f"https://example.org/{i}"), []) for i in range(6)], workers=2,
                             limits=limits)
        assert [p.outcome for p in parsed] == [DOC] * 6
    finally:
        pages._discard(2, limits)


def test_discarding_a_pool_with_pages_queued_leaves_nothing_waiting(monkeypatch):
    """A pool stopped with work still queued (an interrupted run) ends its workers: after a shutdown a
    worker that reaches its page count is not replaced, and what it left queued would otherwise keep
    the pool's manager thread, and so the process's exit, waiting."""
    import time

    from readout_pipeline import pages

    monkeypatch.setattr(pages, "WORKER_PAGES", 1)
    limits = Limits(timeout_seconds=28.0)
    pool = pages._pool(2, limits)
    futures = [pool.submit(time.sleep, 0.2) for _ in range(20)]
    futures[0].result(timeout=60)
    manager, workers = pool._executor_manager_thread, list(pool._processes.values())
    pages._discard(2, limits)
    manager.join(timeout=30)
    assert not manager.is_alive()
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode is not None
    assert all(f.done() for f in futures)
