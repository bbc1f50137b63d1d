"""What every flow shares: the run record around the single writer, and the page batches."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from readout_pipeline import derive, pages, reports, warehouse
from readout_pipeline.config import Config, Settings, Source
from readout_pipeline.pipeline import FetchedBatch

from .artifacts import publish_run_artifact


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


@task(name="parse-pages", cache_policy=NO_CACHE)
def parse_task(items: list[tuple[pages.RawPage, list[str]]], settings: Settings) -> list[pages.ParsedPage]:
    limits = pages.Limits(settings.parse_timeout_seconds, settings.parse_memory_mb)
    return pages.parse_pages(items, workers=settings.clean_workers, limits=limits)


@task(name="load-batch", cache_policy=NO_CACHE)
def load_task(con: Any, run_id: str, fetched: FetchedBatch | None, parsed: list[pages.ParsedPage]) -> Counter[str]:
    counts: Counter[str] = Counter()
    if fetched is not None:
        warehouse.record_fetches(con, run_id, fetched.attempts, fetched.touches)
        counts.update(fetched.counts)
    counts.update(warehouse.load_pages(con, run_id, parsed))
    return counts


@task(name="update-derived-tables", cache_policy=NO_CACHE)
def derive_task(con: Any, run_id: str) -> dict[str, int]:
    counts = dict(derive.update_derived(con, run_id))
    logger().info("derived tables: %s", counts)
    return counts
