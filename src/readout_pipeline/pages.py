"""From an archived raw body to a parsed page: the CPU-bound step, run in worker processes.

`RawPage` is what fetching (or reading a saved file) produced and archived; `parse_page` is the
pure function that decodes, cleans, filters and hashes it; `parse_pages` fans a batch out over a
process pool. The result, `ParsedPage`, is what `warehouse.load_pages` writes.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from . import clean, fingerprint

# Outcomes of parsing one page (url_state.last_outcome before dedup classification).
DOC = "doc"
NOT_TEXT = "not_text"  # not HTML/XHTML/plain text: recorded with its MIME type
NO_TEXT = "no_text"  # cleaning found no main text
FILTERED = "filtered"  # dropped by the source's keyword relevance filter
EXTRACTION_FAILED = "extraction_failed"


@dataclass(frozen=True)
class RawPage:
    """A body that was fetched (or read from disk) and already stored in the raw archive."""

    url: str  # canonical URL (dedup key)
    fetch_url: str  # as published / fetched
    source_id: str
    raw_sha256: str
    content_type: str | None
    charset: str | None
    fetched_at: datetime
    body: bytes = field(repr=False)
    status: int | None = 200
    etag: str | None = None
    last_modified: str | None = None
    lastmod: datetime | None = None
    is_text_file: bool = False  # a .txt/.md file from backfill --from-dir
    size: int = -1  # body size in bytes (kept when the body is dropped after parsing)

    def __post_init__(self) -> None:
        if self.size < 0:
            object.__setattr__(self, "size", len(self.body))


@dataclass(frozen=True)
class ParsedPage:
    raw: RawPage
    outcome: str
    doc: clean.CleanDoc | None = None
    content_hash: str | None = None
    doc_id: str | None = None
    error: str | None = None

    @property
    def published_date(self) -> date | None:
        if self.doc and self.doc.published_date:
            return self.doc.published_date
        return self.raw.lastmod.date() if self.raw.lastmod else None


def parse_page(page: RawPage, keywords: Sequence[str] = ()) -> ParsedPage:
    """Decode, clean, filter and hash one page. Pure: no I/O."""
    light = replace(page, body=b"")  # the result does not carry the body back
    if not page.is_text_file and not clean.is_cleanable(page.content_type, page.body):
        return ParsedPage(light, NOT_TEXT)
    text = clean.decode_body(page.body, page.charset)
    try:
        if page.is_text_file or (page.content_type or "").startswith("text/plain"):
            doc: clean.CleanDoc | None = clean.clean_text(text)
        else:
            doc = clean.clean_html(text, page.fetch_url)
    except (ValueError, RecursionError, MemoryError) as exc:
        return ParsedPage(light, EXTRACTION_FAILED, error=f"{type(exc).__name__}: {exc}"[:500])
    if doc is None or not doc.text.strip():
        return ParsedPage(light, NO_TEXT)
    if keywords:
        haystack = f"{doc.title or ''}\n{doc.text}".casefold()
        if not any(k.casefold() in haystack for k in keywords):
            return ParsedPage(light, FILTERED, doc=doc)
    digest = fingerprint.content_hash(doc.text)
    return ParsedPage(light, DOC, doc=doc, content_hash=digest, doc_id=fingerprint.doc_id_for(digest))


# ---------------------------------------------------------------- isolation in worker processes
#
# Cleaning runs in worker processes with limits, so pathological HTML (100,000-deep nesting, a
# 50 MB single line, giant tables) cannot hang or exhaust the flow: each worker has an address-space
# limit (RLIMIT_AS), each page a wall-clock limit (SIGALRM, raising in Python code) and a CPU limit
# (RLIMIT_CPU, which kills the worker if the time is spent inside C code). A page that breaks its
# worker is retried alone in a fresh pool; if it breaks that one too it is recorded as
# extraction_failed and the batch goes on.


@dataclass(frozen=True)
class Limits:
    timeout_seconds: float = 30.0
    memory_mb: int = 2048


class ExtractionTimeout(Exception):
    pass


def _on_alarm(signum: int, frame: object) -> None:
    raise ExtractionTimeout("cleaning took too long")


def _init_worker(limits: Limits) -> None:
    import resource
    import signal

    signal.signal(signal.SIGALRM, _on_alarm)
    limit = limits.memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _parse_limited(args: tuple[RawPage, tuple[str, ...], Limits]) -> ParsedPage:
    import resource
    import signal

    page, keywords, limits = args
    used = int(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]))
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    cpu_cap = used + int(limits.timeout_seconds * 2) + 2
    if hard == resource.RLIM_INFINITY or cpu_cap < hard:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_cap, hard))
    signal.setitimer(signal.ITIMER_REAL, limits.timeout_seconds)
    try:
        return parse_page(page, keywords)
    except ExtractionTimeout:
        return ParsedPage(replace(page, body=b""), EXTRACTION_FAILED,
                          error=f"cleaning exceeded {limits.timeout_seconds:g} s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


_POOLS: dict[tuple[int, Limits], ProcessPoolExecutor] = {}


def _pool(workers: int, limits: Limits) -> ProcessPoolExecutor:
    """A persistent pool per (size, limits): started once per process, reused by every batch."""
    key = (workers, limits)
    pool = _POOLS.get(key)
    if pool is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["readout_pipeline.pages"])
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(limits,))
        _POOLS[key] = pool
    return pool


def _discard(workers: int, limits: Limits) -> None:
    pool = _POOLS.pop((workers, limits), None)
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


@atexit.register
def shutdown_pools() -> None:
    for key in list(_POOLS):
        _discard(*key)


def parse_pages(
    pages: Iterable[tuple[RawPage, Sequence[str]]],
    *,
    workers: int = 0,
    limits: Limits | None = None,
) -> list[ParsedPage]:
    """Parse a batch in worker processes with limits; results in input order."""
    limits = limits or Limits()
    workers = workers or default_workers()
    items = [(p, tuple(k), limits) for p, k in pages]
    if not items:
        return []
    results: list[ParsedPage | None] = [None] * len(items)
    pending = list(range(len(items)))
    try:
        futures = [_pool(workers, limits).submit(_parse_limited, items[i]) for i in pending]
        for i, future in zip(pending, futures, strict=True):
            results[i] = future.result()
        return results  # type: ignore[return-value]
    except BrokenProcessPool:
        _discard(workers, limits)
    # A worker died (a limit killed it): retry what is missing one page at a time, alone.
    for i in [i for i, r in enumerate(results) if r is None]:
        try:
            results[i] = _pool(1, limits).submit(_parse_limited, items[i]).result()
        except BrokenProcessPool:
            _discard(1, limits)
            page = items[i][0]
            results[i] = ParsedPage(replace(page, body=b""), EXTRACTION_FAILED,
                                    error="cleaning worker was killed (memory or CPU limit)")
    return results  # type: ignore[return-value]
