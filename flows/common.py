"""What every flow shares: the run record around the single writer, and the page batches."""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Generic, TypeVar

import duckdb
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from readout_pipeline import archive, derive, malloc, pages, reports, warehouse
from readout_pipeline.config import Config, Settings, Source
from readout_pipeline.errors import ReadoutError, WarehouseError, one_line
from readout_pipeline.pipeline import FetchedBatch

from .artifacts import publish_run_artifact

malloc.tune()  # page bodies come and go by the batch: keep the flow's RSS flat (malloc.py)

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


def batched(items: Iterable[Any], size: int, *, start: int = 16) -> Iterator[list[Any]]:
    """Lists of `size` items, the first ones smaller (`start`, 4 x `start`, ... up to `size`): the
    cleaning workers get a first batch at once instead of idling while a full one is read or
    fetched, and each next batch is ready by the time they finish the one before."""
    it = iter(items)
    n = max(1, min(start, size))
    while chunk := list(islice(it, n)):
        yield chunk
        n = min(size, n * 4)


@contextlib.contextmanager
def warehouse_run(
    config: Config, flow: str, parameters: dict[str, Any], sources: Sequence[Source] = ()
) -> Iterator[tuple[warehouse.WorkingDB, str, Counter[str], RunSummary]]:
    """Open the working database (single writer), record the run, publish at the end. Yields the
    `WorkingDB`: use `db.con` at the time of use, since a long run reconnects (BatchPipeline).

    The run is published whether it completes or fails, so analysts see its outcome; a failure
    is re-raised for the orchestrator after it is recorded."""
    run_id = current_run_id()
    counts: Counter[str] = Counter()
    summary = RunSummary(run_id, flow, "running")
    with warehouse.WorkingDB(config.settings) as db:
        warehouse.mark_abandoned_runs(db.con)
        warehouse.start_run(db.con, run_id, flow, parameters)
        try:
            if sources:
                warehouse.upsert_sources(db.con, sources, run_id)
            yield db, run_id, counts, summary
            pages.stop_cleaning_processes()  # the cleaning is over: its memory goes before publishing
            derive_task(db.con, run_id)
        except BaseException as exc:
            summary.status = "failed"
            failure = warehouse.run_error(exc, config.settings) if isinstance(exc, duckdb.Error) else exc
            error = one_line(failure, 500) or type(failure).__name__
            try:
                pages.stop_cleaning_processes()  # the run is over: so are its cleaning processes
            except Exception as stopping:  # noqa: BLE001 - reported with the run's own error
                failure.add_note(f"stopping the cleaning processes failed too: {warehouse._one_line(stopping)}")
            try:
                warehouse.finish_run(db.con, run_id, "failed", counts, error)
                db.publish()
            except (duckdb.Error, ReadoutError) as recording:  # the run's own error is the one to report
                failure.add_note(f"recording the failed run failed too: {warehouse._one_line(recording)}")
            if failure is exc:
                raise
            raise failure from exc
        summary.status = "completed"
        try:
            warehouse.finish_run(db.con, run_id, "completed", counts, "; ".join(summary.problems)[:2000] or None)
            per_source = reports.per_source_counts(db.con, run_id)
            summary.published = str(db.publish())
        except (duckdb.Error, ReadoutError) as exc:
            raise warehouse.publish_error(exc, config.settings) from exc
        summary.counts = {k: int(counts.get(k, 0)) for k in warehouse.RUN_COUNTERS}
        publish_run_artifact(summary, per_source)


def skip(problems: list[str], counts: Counter[str], reasons: list[str]) -> None:
    """Pages or files a run could not take, one line each: logged, listed among the run's problems
    and counted as failed; the run goes on."""
    for reason in reasons:
        logger().warning("%s", reason)
    problems.extend(reasons)
    counts["n_failed"] += len(reasons)


class Handoff(Generic[T]):
    """A batch passed to or from a task, which Prefect does not walk and which its receiver empties.

    Prefect visits every list, dict and dataclass given to (or returned by) a task, looking for
    futures and states: for a batch of pages that costs milliseconds per page in the flow thread.
    It leaves plain objects alone. The receiver `take()`s the value out, so the pages are referenced
    by whoever is working on them and nothing else; a copy sent to a Dask worker is `drop()`ped by
    the flow once the batch is back. (Prefect's `quote` also skips the walk, but the Dask task runner
    hands it to the task still wrapped.)"""

    __slots__ = ("_value", "_taken")

    def __init__(self, value: T) -> None:
        self._value: T | None = value
        self._taken = False

    def take(self) -> T:
        if self._taken:
            raise RuntimeError("this batch was already handed over")
        value, self._value, self._taken = self._value, None, True
        return value  # type: ignore[return-value]

    def drop(self) -> None:
        """Let go of the value if nobody took it here (a copy went to a Dask worker)."""
        self._value, self._taken = None, True


@task(name="parse-pages", cache_policy=NO_CACHE)
def parse_task(
    items: Handoff[list[tuple[pages.RawPage, list[str]]]], settings: Settings, workers: int | None = None,
    with_analysis: bool = True,
) -> Handoff[list[pages.ParsedPage]]:
    return Handoff(pages.parse_pages(items.take(), workers=workers or settings.clean_workers,
                                     limits=pages.Limits.of(settings),
                                     with_analysis=with_analysis, archive_dir=settings.archive_dir))


RECONNECT_EVERY_PAGES = 1000  # measured: a 4,000-page ingest's flow peaked at 390 MB RSS instead of 454


class BatchPipeline:
    """Overlap the steps of consecutive batches: while batch n is cleaned (a submitted
    `parse-pages` run: worker processes, or Dask workers), the flow thread fetches or reads batch
    n+1 and loads batch n-1. Loads stay in the flow process, in batch order (the single writer);
    at most `depth` batches are in flight, so memory does not grow with the corpus.

    With `derive`, the derived tables (document types, clusters, extraction: all incremental) are
    brought up to date after each load, while the workers clean the next batches, instead of
    all at the end of the run when the workers are idle.

    Every `RECONNECT_EVERY_PAGES` loaded pages the working database is checkpointed, closed and
    opened again (the lock stays held): DuckDB's database instance keeps memory that its own
    accounting has released, so a long run's flow process would otherwise grow with the corpus.

    While local cleaning processes run, the writer uses one DuckDB thread: the processes keep every
    core busy, and a second writer thread only takes CPU from them (measured: the flow's CPU time of
    a 1,497-page backfill 2-4 s lower, in two runs). Its memory limit is lower while loading
    (`warehouse.loading_memory_mb`), and the heap pages a batch used go back to the system after
    its load (`malloc.trim`). The
    defaults come back when the pipeline ends, for the derived tables and the full-text index
    built once the cleaning is over."""

    def __init__(
        self, db: warehouse.WorkingDB, run_id: str, counts: Counter[str], settings: Settings, *, derive: bool = True,
        problems: list[str] | None = None,
    ):
        from .runners import parallelism

        self.db, self.run_id, self.counts, self.settings = db, run_id, counts, settings
        self.problems = problems if problems is not None else []  # the run's: pages skipped, one line each
        self._loaded_since_reconnect = 0
        self.derive = derive  # without it, the workers do not analyze documents either
        self.depth, self.workers = parallelism()
        if self.workers is None:  # local cleaning processes: they take the cores
            db.use_threads(1)
        self._writer_threads = db.threads or os.cpu_count() or 1  # DuckDB's default: a thread per core
        db.use_loading_memory(self._writer_threads)
        self._inflight: deque[tuple[Any, Handoff[Any], FetchedBatch | None, Any, list[pages.ParsedPage]]] = deque()

    def prestart(self) -> None:
        """Start the local cleaning processes now, while the first batch is fetched or read (call
        it when pages to parse are certain to come: not for a re-run that may be all 304s)."""
        if self.workers is None:
            pages.prestart(workers=self.settings.clean_workers, limits=pages.Limits.of(self.settings))

    def submit(
        self, items: list[tuple[pages.RawPage, list[str]]], fetched: FetchedBatch | None = None, on_loaded: Any = None
    ) -> None:
        """Start cleaning a batch; load the oldest ones once more than `depth` are in flight."""
        if fetched is not None:
            fetched.pages = []  # the pages travel in `items` only
        unreadable: list[pages.ParsedPage] = []
        if self.workers is not None:  # Dask: its workers may not see this archive; bodies travel along
            items, unreadable = self._with_bodies(items)
        any_items = bool(items)
        handoff = Handoff(items)
        del items  # from here on only the handoff holds the bodies, until they are parsed
        future = parse_task.submit(handoff, self.settings, self.workers, self.derive) if any_items else None
        self._inflight.append((future, handoff, fetched, on_loaded, unreadable))
        while len(self._inflight) > self.depth:
            self._load_oldest()

    def _with_bodies(
        self, items: list[tuple[pages.RawPage, list[str]]]
    ) -> tuple[list[tuple[pages.RawPage, list[str]]], list[pages.ParsedPage]]:
        """The pages with their bodies read from the archive, and those it cannot give back."""
        readable, unreadable = [], []
        for page, keywords in items:
            try:
                readable.append((pages.with_body(page, self.settings.archive_dir), keywords))
            except WarehouseError as exc:
                unreadable.append(pages.unreadable(page, exc))
        return readable, unreadable

    def _load_oldest(self) -> None:
        future, handoff, fetched, on_loaded, unreadable = self._inflight.popleft()
        parsed = future.result().take() if future is not None else []
        handoff.drop()
        parsed.extend(unreadable)
        skipped = [p for p in parsed if p.outcome == pages.RAW_UNREADABLE]
        if skipped:  # nothing is loaded for them: their documents stay; the archive mends at the next fetch
            parsed = [p for p in parsed if p.outcome != pages.RAW_UNREADABLE]
            skip(self.problems, self.counts, [self._mend(p) for p in skipped])
            warehouse.refetch_in_full(self.db.con, [p.raw.url for p in skipped])
        n_parsed = len(parsed) + len(skipped)
        self.counts.update(load_task(self.db.con, self.run_id, Handoff(fetched), Handoff(parsed), self.derive))
        malloc.trim()  # the batch's rows, texts and shingles are gone: give their heap pages back
        self._loaded_since_reconnect += n_parsed
        if self._loaded_since_reconnect >= RECONNECT_EVERY_PAGES:
            self.db.reconnect()
            self.db.use_loading_memory(self._writer_threads)  # the indexes grew with the documents
            self._loaded_since_reconnect = 0
        if on_loaded is not None:
            on_loaded(n_parsed)

    def _mend(self, page: pages.ParsedPage) -> str:
        """Move a damaged raw body aside (archive.set_aside); the problem line for the page."""
        try:
            aside = archive.set_aside(self.settings.archive_dir, page.raw.raw_sha256)
        except WarehouseError as exc:
            return f"{page.raw.url}: {page.error}: skipped; {exc}"
        moved = f"; the damaged file is now {aside.name}" if aside is not None else ""
        return f"{page.raw.url}: {page.error}: skipped{moved}; its next fetch is a full one, which archives it again"

    def finish(self) -> None:
        """Load everything still in flight, in order."""
        while self._inflight:
            self._load_oldest()

    def __enter__(self) -> BatchPipeline:
        return self

    def __exit__(self, exc_type: Any, *exc: object) -> None:
        try:
            if exc_type is None:
                self.finish()
            else:  # let the cleaning in flight end before the connection goes away; keep the error
                for future, _handoff, _fetched, _cb, _unreadable in self._inflight:
                    if future is not None:
                        with contextlib.suppress(BaseException):
                            future.wait()
                self._inflight.clear()
        finally:
            try:
                self.db.use_threads(None)
                self.db.use_memory(None)
            except duckdb.Error:
                if exc_type is None:
                    raise  # otherwise the error that ended the run is the one to report


@task(name="load-batch", cache_policy=NO_CACHE)
def load_task(
    con: Any, run_id: str, fetched: Handoff[FetchedBatch | None], parsed: Handoff[list[pages.ParsedPage]],
    derived: bool = True,
) -> Counter[str]:
    """Load a parsed batch (and its fetch log); with `derived`, bring the derived tables up to date
    with the analyses the cleaning workers made."""
    counts: Counter[str] = Counter()
    log, batch = fetched.take(), parsed.take()
    if log is not None:
        warehouse.record_fetches(con, run_id, log.attempts, log.touches)
        counts.update(log.counts)
    counts.update(warehouse.load_pages(con, run_id, batch))
    if derived and any(p.doc_id for p in batch):
        analyses = {p.doc_id: p.analysis for p in batch if p.doc_id and p.analysis is not None}
        logger().info("derived tables: %s", dict(derive.update_derived(con, run_id, analyses=analyses)))
    return counts


@task(name="update-derived-tables", cache_policy=NO_CACHE)
def derive_task(con: Any, run_id: str) -> dict[str, int]:
    counts = dict(derive.update_derived(con, run_id))
    logger().info("derived tables: %s", counts)
    return counts
