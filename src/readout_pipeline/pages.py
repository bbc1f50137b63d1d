"""From an archived raw body to a parsed page: the CPU-bound step, run in worker processes.

`RawPage` is what fetching (or reading a saved file) produced and archived; `parse_page` is the
pure function that decodes, cleans, filters and hashes it; `parse_pages` fans a batch out over a
process pool. The result, `ParsedPage`, is what `warehouse.load_pages` writes.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver
import os
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from lxml.etree import LxmlError

from . import clean, fingerprint, malloc
from .analyze import Analysis, analyze
from .errors import WarehouseError, one_line

if TYPE_CHECKING:
    from .config import Settings

# Outcomes of parsing one page (url_state.last_outcome before dedup classification).
DOC = "doc"
NOT_TEXT = "not_text"  # not HTML/XHTML/plain text: recorded with its MIME type
NO_TEXT = "no_text"  # cleaning found no main text
FILTERED = "filtered"  # dropped by the source's keyword relevance filter
EXTRACTION_FAILED = "extraction_failed"
# The body could not be read back from the raw archive (missing or damaged): the page is not loaded,
# so whatever the URL holds stays as it is; the run lists it among its problems.
RAW_UNREADABLE = "raw_unreadable"


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
    # A saved HTML file whose URL is still its file:// path: the worker that parses it sets the
    # URL the page declares (<link rel=canonical>, else og:url), so the flow never parses HTML.
    url_from_page: bool = False
    size: int = -1  # body size in bytes (kept when the body is dropped after parsing)
    # The body is only in the raw archive (under raw_sha256): the worker that cleans the page reads
    # it there, so the flow never holds a batch of bodies (pipeline.fetch_and_archive).
    in_archive: bool = False

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
    analysis: Analysis | None = None  # document type, fingerprint, extraction (analyze.py)

    @property
    def published_date(self) -> date | None:
        if self.doc and self.doc.published_date:
            return self.doc.published_date
        return self.raw.lastmod.date() if self.raw.lastmod else None


def unreadable(page: RawPage, error: Exception) -> ParsedPage:
    """The result for a page whose body the raw archive cannot give back."""
    return ParsedPage(replace(page, body=b"", url_from_page=False), RAW_UNREADABLE, error=one_line(error))


def with_body(page: RawPage, archive_dir: Path | None) -> RawPage:
    """The page with its body read back from the raw archive (hash-checked)."""
    if not page.in_archive:
        return page
    if archive_dir is None:
        from .errors import ExtractionError

        raise ExtractionError(f"{page.url}: its body is in the raw archive, and no archive was given")
    from . import archive

    body = archive.load(archive_dir, page.raw_sha256)
    return replace(page, body=body, size=len(body), in_archive=False)


def declared_url(html: str) -> str | None:
    """The page's own idea of its URL: <link rel=canonical>, else og:url (absolute http(s) only)."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html[:200_000])
    except (ValueError, lxml_html.etree.ParserError):
        return None
    for xpath in ('//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content'):
        for value in tree.xpath(xpath):
            value = str(value).strip()
            if value.startswith(("http://", "https://")):
                return value
    return None


def _with_declared_url(page: RawPage, doc: clean.CleanDoc | None, text: str) -> RawPage:
    """A saved page under the URL it declares (the one cleaning found, else a look of its own)."""
    found = doc.canonical_url if doc is not None and doc.canonical_url else None
    declared = found if found and found.startswith(("http://", "https://")) else declared_url(text)
    if not declared:
        return replace(page, url_from_page=False)
    from .discover import canonical_url

    return replace(page, url=canonical_url(declared), fetch_url=declared, url_from_page=False)


def parse_page(page: RawPage, keywords: Sequence[str] = (), *, with_analysis: bool = True) -> ParsedPage:
    """Decode, clean, filter and hash one page, and analyze a document (analyze.py). Pure: no I/O."""
    light = replace(page, body=b"")  # the result does not carry the body back
    if not page.is_text_file and not clean.is_cleanable(page.content_type, page.body):
        return ParsedPage(replace(light, url_from_page=False), NOT_TEXT)
    text = clean.decode_body(page.body, page.charset)
    try:
        if page.is_text_file or (page.content_type or "").startswith("text/plain"):
            doc: clean.CleanDoc | None = clean.clean_text(text)
        else:
            doc = clean.clean_html(text, page.fetch_url)
    except (ValueError, RecursionError, MemoryError, LxmlError) as exc:
        # LxmlError: libxml2 giving up on a tree (an XPath over a giant table near the worker's
        # memory limit fails with "unknown error"), which would not even pickle back to the flow.
        if page.url_from_page:
            light = _with_declared_url(light, None, text)
        return ParsedPage(light, EXTRACTION_FAILED, error=f"{type(exc).__name__}: {exc}"[:500])
    if page.url_from_page:
        light = _with_declared_url(light, doc, text)
    if doc is None or not doc.text.strip():
        return ParsedPage(light, NO_TEXT)
    if keywords:
        haystack = f"{doc.title or ''}\n{doc.text}".casefold()
        if not any(k.casefold() in haystack for k in keywords):
            return ParsedPage(light, FILTERED, doc=doc)
    digest = fingerprint.normalized_text_hash(doc.text)  # doc.text is normalized by cleaning
    parsed = ParsedPage(light, DOC, doc=doc, content_hash=digest, doc_id=fingerprint.doc_id_for(digest))
    if not with_analysis:
        return parsed
    return replace(parsed, analysis=analyze(parsed.doc_id, doc.title, doc.text, parsed.published_date))


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

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        """The limits a run's settings ask for (`parse_timeout_seconds`, `parse_memory_mb`)."""
        return cls(settings.parse_timeout_seconds, settings.parse_memory_mb)


class ExtractionTimeout(Exception):
    pass


def _on_alarm(signum: int, frame: object) -> None:
    raise ExtractionTimeout("cleaning took too long")


def _owner_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"  # a zombie is gone too
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True


def _watch_owner(owner: int) -> None:
    """End this worker when the process that owns the pool is gone (killed with -9, or a Dask
    worker torn down without running atexit): otherwise idle workers, and the forkserver they keep
    alive, would outlive it."""
    import time

    def watch() -> None:
        while _owner_alive(owner):
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()


def _init_worker(limits: Limits, owner: int = 0) -> None:
    import resource
    import signal

    # No malloc.tune() here (the flow has it): with every buffer over 128 KB in its own mapping, a
    # worker took ~1,485 page faults and 3 ms of system time per page against ~625 and 1.35 ms with
    # trim_now_and_then below (bench/worker_malloc.py, bench/README.md).
    if owner:
        _watch_owner(owner)
    signal.signal(signal.SIGALRM, _on_alarm)
    limit = limits.memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _parse_limited(args: tuple[RawPage, tuple[str, ...], Limits, bool, Path | None]) -> ParsedPage:
    import resource
    import signal

    page, keywords, limits, with_analysis, archive_dir = args
    try:
        page = with_body(page, archive_dir)
    except WarehouseError as exc:  # missing or damaged in the archive: not this page's content
        return unreadable(page, exc)
    used = int(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]))
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    cpu_cap = used + int(limits.timeout_seconds * 2) + 2
    if hard == resource.RLIM_INFINITY or cpu_cap < hard:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_cap, hard))
    signal.setitimer(signal.ITIMER_REAL, limits.timeout_seconds)
    try:
        return parse_page(page, keywords, with_analysis=with_analysis)
    except ExtractionTimeout:
        return ParsedPage(replace(page, body=b""), EXTRACTION_FAILED,
                          error=f"cleaning exceeded {limits.timeout_seconds:g} s")
    except Exception as exc:
        # A bug, not a page's fault: it fails the batch, with an error that pickles back to the
        # flow (lxml's errors, for one, do not, and the flow would only see that).
        from .errors import ExtractionError

        raise ExtractionError(f"{page.url}: {type(exc).__name__}: {exc}"[:1000]) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        trim_now_and_then(page.size)


_TRIM_EVERY_PAGES = 50
_TRIM_AFTER_BYTES = 1024 * 1024
_since_trim = 0


def trim_now_and_then(page_size: int) -> None:
    """After a page is cleaned in a worker: give the free heap back every `_TRIM_EVERY_PAGES` pages
    and after a page over `_TRIM_AFTER_BYTES`. Parse trees leave the heap grown, and without a trim the
    worker keeps the high-water mark of the largest page it ever cleaned (malloc.py); not after every
    page, because the pages given back are faulted in again by the next one."""
    global _since_trim
    _since_trim += 1
    if _since_trim >= _TRIM_EVERY_PAGES or page_size > _TRIM_AFTER_BYTES:
        malloc.trim()
        _since_trim = 0


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


_POOLS: dict[tuple[int, Limits], _RenewingPool] = {}
_POOLS_LOCK = threading.RLock()  # parse_pages may run in several threads, and prestart in one
# Modules the forkserver imports before forking workers; warmup cleans a sample page there, so the
# data cleaning loads lazily is loaded once and shared by every worker (warmup.py).
_PRELOAD = ("readout_pipeline.pages", "readout_pipeline.clean", "readout_pipeline.discover",
            "readout_pipeline.analyze", "lxml.html", "trafilatura", "htmldate", "dateparser",
            "readout_pipeline.warmup")


def _refuse_in_daemon() -> None:
    if multiprocessing.current_process().daemon:
        from .errors import ExtractionError

        raise ExtractionError(
            "cleaning needs worker processes, and this process is daemonic (a Dask worker?): "
            "start Dask workers with DASK_DISTRIBUTED__WORKER__DAEMON=False"
        )


def _forkserver() -> multiprocessing.context.ForkServerContext:
    """The forkserver context. Workers fork from a server that has already imported the cleaning
    stack (trafilatura, htmldate, dateparser, lxml: about a second of imports), so they start warm."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(_PRELOAD))
    return context


# Pages a cleaning process cleans before it exits and a fresh fork of the forkserver takes its place.
# A worker's private memory grows quickly at first: copy-on-write copies of the warm pages its pages
# touch (1.4 MB after the fork, ~40 MB after 100 pages, ~50 MB after 1,500) and whatever its largest
# pages left in its heap. Over the 1,497 WCXB pages twice, two workers and their forkserver held 205-207
# MB PSS on average instead of 243-245 (peak 275-291 instead of 318-346), at no more CPU per page
# (47.8-48.4 ms against 49.1-51.5; bench/README.md, session 26).
WORKER_PAGES = 100


class _RenewingPool(ProcessPoolExecutor):
    """A process pool whose workers exit after `max_tasks_per_child` pages and are always replaced.

    Python 3.11's pool does not always replace them: its idle-worker count can hold a token left
    by the worker that just exited, and it then starts no replacement; once every worker has
    exited, the queued pages wait for ever (CPython gh-115634, fixed in 3.13). Here a missing
    worker is started whenever the pool is below its size and not shutting down (both callers, a
    submit and the pool's manager thread after an exit, hold the pool's shutdown lock)."""

    def _adjust_process_count(self) -> None:
        if not self._shutdown_thread and len(self._processes) < self._max_workers:  # type: ignore[attr-defined]
            self._spawn_process()  # type: ignore[attr-defined]

    def discard(self) -> None:
        """Stop the pool; its pages are no longer wanted. A pool that still holds work has its workers
        ended too: a worker reaching its page count is not replaced after a shutdown, and the
        pages it leaves queued would keep the manager thread, and so the exit, waiting."""
        workers = list(self._processes.values()) if self._pending_work_items else []  # type: ignore[attr-defined]
        self.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            with contextlib.suppress(OSError, ValueError):
                worker.terminate()


def _pool(workers: int, limits: Limits) -> _RenewingPool:
    """A persistent pool per (size, limits): started once per process, reused by every batch."""
    with _POOLS_LOCK:
        return _pool_locked(workers, limits)


def _pool_locked(workers: int, limits: Limits) -> _RenewingPool:
    key = (workers, limits)
    pool = _POOLS.get(key)
    if pool is None:
        _refuse_in_daemon()
        pool = _RenewingPool(
            workers, mp_context=_forkserver(), initializer=_init_worker, initargs=(limits, os.getpid()),
            max_tasks_per_child=WORKER_PAGES,
        )
        _POOLS[key] = pool
    return pool


def _discard(workers: int, limits: Limits) -> None:
    with _POOLS_LOCK:
        pool = _POOLS.pop((workers, limits), None)
    if pool is not None:
        pool.discard()


@atexit.register
def shutdown_pools() -> None:
    for key in list(_POOLS):
        _discard(*key)


def stop_cleaning_processes() -> None:
    """End the worker pools and the forkserver they fork from, once a run's cleaning is over.

    The forkserver holds the warm cleaning stack (about 75 MB, measured at the end of a 10,000-page
    ingest): kept, it would sit beside the flow through the publish, the run's memory peak. A later
    batch in this process starts a new one (`multiprocessing.forkserver` does it on demand)."""
    _await_prestart()  # a pool still starting would otherwise be left behind, half started
    with _POOLS_LOCK:
        shutdown_pools()
        # The standard library's own stop (used by its tests): closes the forkserver's "alive" pipe
        # and waits for it to exit; the next pool start launches a fresh forkserver.
        multiprocessing.forkserver._forkserver._stop()  # type: ignore[attr-defined]


def _ready() -> bool:
    return True


_prestarting: threading.Thread | None = None
PRESTART_WAIT_SECONDS = 120.0


def _await_prestart() -> None:
    """Wait for a `prestart` still under way. Stopping the pools while it spawns workers leaves
    workers that no shutdown told to stop, and at exit the standard library's pool manager waits
    for them for ever (seen once: a run that failed at once after its prestart never exited)."""
    thread = _prestarting
    if thread is not None and thread is not threading.current_thread():
        thread.join(PRESTART_WAIT_SECONDS)


# The same at exit: the standard library's hook that stops every pool's workers is a threading-exit
# hook (concurrent.futures.process, imported above); hooks run in reverse order, so this one, added
# after it, waits for a prestart before that hook counts the workers to stop. (A process that exited
# 0.1 s after a prestart hung; `threading._register_atexit` is what concurrent.futures itself uses.)
threading._register_atexit(_await_prestart)  # type: ignore[attr-defined]


def prestart(*, workers: int = 0, limits: Limits | None = None) -> None:
    """Start the worker pool in the background (forkserver, imports, one process per worker), so
    the first batch does not wait for it. Returns at once; errors surface on first use instead."""
    limits = limits or Limits()
    workers = workers or default_workers()

    def start() -> None:
        try:
            pool = _pool(workers, limits)
            for _ in range(workers):
                pool.submit(_ready)
        except Exception:  # noqa: BLE001 - parse_pages will meet and report it
            pass

    global _prestarting
    _prestarting = threading.Thread(target=start, name="pool-prestart", daemon=True)
    _prestarting.start()


def prestart_forkserver() -> None:
    """Start only the forkserver (imports and warm-up, no workers) in the background: for a run that
    may clean pages or may find nothing new. Workers then fork from it warm when the first batch
    comes; a run that cleans nothing has spent one idle core's second or two."""

    def start() -> None:
        with contextlib.suppress(Exception):  # the pool meets and reports any error on first use
            _refuse_in_daemon()
            _forkserver()
            multiprocessing.forkserver.ensure_running()

    threading.Thread(target=start, name="forkserver-prestart", daemon=True).start()


def parse_pages(
    pages: Iterable[tuple[RawPage, Sequence[str]]],
    *,
    workers: int = 0,
    limits: Limits | None = None,
    with_analysis: bool = True,
    archive_dir: Path | None = None,
) -> list[ParsedPage]:
    """Parse a batch in worker processes with limits; results in input order. With
    `with_analysis`, each document is also analyzed there (analyze.py). Pages `in_archive` are
    read from `archive_dir` by the worker that parses them."""
    limits = limits or Limits()
    workers = workers or default_workers()
    items = [(p, tuple(k), limits, with_analysis, archive_dir) for p, k in pages]
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
