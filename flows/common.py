"""What every flow shares: the run record around the single writer, and the page batches."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Generic, TypeVar

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from readout_pipeline import derive, pages, reports, warehouse
from readout_pipeline.config import Config, Settings, Source
from readout_pipeline.pipeline import FetchedBatch

from .artifacts import publish_run_artifact


def _release_big_buffers_to_the_os() -> None:
    """Page bodies (hundreds of KB each) come and go by the batch, from several threads. glibc
    raises its mmap threshold after the first such buffer is freed, and later ones then fragment
    per-thread heaps that are never returned: the flow's RSS drifted to 500-700 MB on a 10,000-page
    ingest. A fixed threshold keeps every buffer over 128 KB in its own mapping, unmapped when freed."""
    import ctypes
    import ctypes.util
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 128 * 1024)
        libc.mallopt(m_trim_threshold, 4 * 1024 * 1024)
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


_release_big_buffers_to_the_os()

T = TypeVar("T")


@dataclass
class RunSummary:
    run_id: str
    flow: str
    status: str
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    published: str | None = None

    def line(self) -> str:
        """The run's outcome in one line: new, updated, duplicate, failed and the rest."""
        counts = ", ".join(f"{label} {self.counts.get(key, 0)}" for label, key in SUMMARY_FIELDS)
        return f"{self.flow} {self.status} (run {self.run_id}): {counts}"


SUMMARY_FIELDS = (
    ("discovered", "n_discovered"), ("fetched", "n_fetched"), ("not modified (304)", "n_not_modified"),
    ("new documents", "n_new_documents"), ("updated (new versions)", "n_new_versions"),
    ("duplicates", "n_duplicates"), ("unchanged", "n_unchanged"), ("filtered", "n_filtered"),
    ("skipped", "n_skipped"), ("failed", "n_failed"),
)


def current_run_id() -> str:
    return str(flow_run.get_id() or uuid.uuid4())


def logger() -> logging.Logger | logging.LoggerAdapter:
    return get_run_logger()


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


@contextlib.contextmanager
def warehouse_run(
    config: Config, flow: str, parameters: dict[str, Any], sources: Sequence[Source] = ()
) -> Iterator[tuple[Any, str, Counter[str], RunSummary]]:
    """Open the working database (single writer), record the run, publish at the end.

    The run is published whether it completes or fails, so analysts see its outcome; a failure
    is re-raised for the orchestrator after it is recorded."""
    run_id = current_run_id()
    counts: Counter[str] = Counter()
    summary = RunSummary(run_id, flow, "running")
    with warehouse.WorkingDB(config.settings) as db:
        con = db.con
        warehouse.mark_abandoned_runs(con)
        warehouse.start_run(con, run_id, flow, parameters)
        try:
            if sources:
                warehouse.upsert_sources(con, sources, run_id)
            yield con, run_id, counts, summary
            derive_task(con, run_id)
        except BaseException as exc:
            summary.status = "failed"
            error = " ".join(str(exc).split())[:500] or type(exc).__name__
            warehouse.finish_run(db.con, run_id, "failed", counts, error)
            db.publish()
            raise
        summary.status = "completed"
        warehouse.finish_run(db.con, run_id, "completed", counts, "; ".join(summary.problems)[:2000] or None)
        per_source = reports.per_source_counts(db.con, run_id)
        summary.published = str(db.publish())
        summary.counts = {k: int(counts.get(k, 0)) for k in warehouse.RUN_COUNTERS}
        publish_run_artifact(summary, per_source)


class Opaque(Generic[T]):
    """A task input that Prefect hands over as it is. Prefect walks every list, dict and dataclass
    given to a task, looking for futures: for a batch of pages that costs milliseconds per page in
    the flow thread. Plain objects are not walked. (Prefect's own `quote` does the same, but the
    Dask task runner hands a quote to the task still wrapped.)"""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value


@task(name="parse-pages", cache_policy=NO_CACHE)
def parse_task(
    items: Opaque[list[tuple[pages.RawPage, list[str]]]], settings: Settings, workers: int | None = None,
    with_analysis: bool = True,
) -> list[pages.ParsedPage]:
    limits = pages.Limits(settings.parse_timeout_seconds, settings.parse_memory_mb)
    return pages.parse_pages(items.value, workers=workers or settings.clean_workers, limits=limits,
                             with_analysis=with_analysis)


class BatchPipeline:
    """Overlap the steps of consecutive batches: while batch n is cleaned (a submitted
    `parse-pages` run: worker processes, or Dask workers), the flow thread fetches or reads batch
    n+1 and loads batch n-1. Loads stay in the flow process, in batch order (the single writer);
    at most `depth` batches are in flight, so memory does not grow with the corpus.

    With `derive`, the derived tables (document types, clusters, extraction: all incremental) are
    brought up to date after each load, while the workers clean the next batches, instead of
    all at the end of the run when the workers are idle."""

    def __init__(self, con: Any, run_id: str, counts: Counter[str], settings: Settings, *, derive: bool = True):
        from .runners import parallelism

        self.con, self.run_id, self.counts, self.settings = con, run_id, counts, settings
        self.derive = derive  # without it, the workers do not analyze documents either
        self.depth, self.workers = parallelism()
        self._inflight: deque[tuple[Any, FetchedBatch | None, Any]] = deque()

    def prestart(self) -> None:
        """Start the local cleaning processes now, while the first batch is fetched or read (call
        it when pages to parse are certain to come: not for a re-run that may be all 304s)."""
        if self.workers is None:
            limits = pages.Limits(self.settings.parse_timeout_seconds, self.settings.parse_memory_mb)
            pages.prestart(workers=self.settings.clean_workers, limits=limits)

    def submit(
        self, items: list[tuple[pages.RawPage, list[str]]], fetched: FetchedBatch | None = None, on_loaded: Any = None
    ) -> None:
        """Start cleaning a batch; load the oldest ones once more than `depth` are in flight."""
        if fetched is not None:
            fetched.pages = []  # the bodies travel in `items` only; freed once parsed
        future = parse_task.submit(Opaque(items), self.settings, self.workers, self.derive) if items else None
        self._inflight.append((future, fetched, on_loaded))
        while len(self._inflight) > self.depth:
            self._load_oldest()

    def _load_oldest(self) -> None:
        future, fetched, on_loaded = self._inflight.popleft()
        parsed = future.result() if future is not None else []
        self.counts.update(load_task(self.con, self.run_id, Opaque(fetched), Opaque(parsed)))
        if self.derive and any(p.doc_id for p in parsed):
            analyses = {p.doc_id: p.analysis for p in parsed if p.doc_id and p.analysis is not None}
            derive_task(self.con, self.run_id, Opaque(analyses))
        if on_loaded is not None:
            on_loaded(len(parsed))

    def finish(self) -> None:
        """Load everything still in flight, in order."""
        while self._inflight:
            self._load_oldest()

    def __enter__(self) -> BatchPipeline:
        return self

    def __exit__(self, exc_type: Any, *exc: object) -> None:
        if exc_type is None:
            self.finish()
        else:  # let the cleaning in flight end before the connection goes away; keep the error
            for future, _fetched, _cb in self._inflight:
                if future is not None:
                    with contextlib.suppress(BaseException):
                        future.wait()
            self._inflight.clear()


@task(name="load-batch", cache_policy=NO_CACHE)
def load_task(
    con: Any, run_id: str, fetched: Opaque[FetchedBatch | None], parsed: Opaque[list[pages.ParsedPage]]
) -> Counter[str]:
    counts: Counter[str] = Counter()
    if fetched.value is not None:
        warehouse.record_fetches(con, run_id, fetched.value.attempts, fetched.value.touches)
        counts.update(fetched.value.counts)
    counts.update(warehouse.load_pages(con, run_id, parsed.value))
    return counts


@task(name="update-derived-tables", cache_policy=NO_CACHE)
def derive_task(con: Any, run_id: str, analyses: Opaque[dict[str, Any]] | None = None) -> dict[str, int]:
    counts = dict(derive.update_derived(con, run_id, analyses=analyses.value if analyses else None))
    logger().info("derived tables: %s", counts)
    return counts
