"""Manual backfills: a date window over sitemaps/listings/feeds, saved files, or a WARC file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from readout_pipeline import pipeline, progress
from readout_pipeline.config import Config, Settings, Source
from readout_pipeline.pages import RawPage

from .common import BatchPipeline, Handoff, RunSummary, batched, logger, skip, warehouse_run
from .ingest import crawl_sources

SAVED_SOURCE = Source(
    id="saved-files", name="Saved pages (backfill --from-dir / --from-warc)", home="file:///"
)


@task(name="read-saved-batch", cache_policy=NO_CACHE)
def read_batch(files: list[Path], source_id: str, archive_dir: Path) -> Handoff[pipeline.SavedBatch]:
    return Handoff(pipeline.read_saved_files(files, source_id, archive_dir))


def _saved_batches(files: list[Path], source_id: str, settings: Settings, summary: RunSummary,
                   counts: Counter[str]) -> Iterator[list[RawPage]]:
    """The saved files, batch by batch; files that cannot be read are the run's problems."""
    for chunk in batched(files, settings.batch_size):
        batch = read_batch(chunk, source_id, settings.archive_dir).take()
        skip(summary.problems, counts, batch.problems)
        yield batch.pages


def _load_raw(
    config: Config, raw_batches: Iterator[list[RawPage]], source: Source, db, run_id, counts, total: int | None,
    problems: list[str],
) -> None:
    with progress.bar("backfill: parse and load", total) as bar, \
            BatchPipeline(db, run_id, counts, config.settings, problems=problems) as batches:
        if total:
            batches.prestart()
        for raw in raw_batches:  # read batch n+1 while n is cleaned and n-1 loaded
            counts["n_fetched"] += len(raw)
            batches.submit([(p, source.keywords) for p in raw], on_loaded=bar.advance)


@flow(name="backfill", log_prints=True)
def backfill(
    config: Config,
    source_ids: list[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    from_dir: Path | None = None,
    from_warc: Path | None = None,
    source_id: str | None = None,
) -> RunSummary:
    """Backfill history. With since/until: every link in the window from the sources' sitemaps
    (lastmod), full listing pagination and feeds, fetched whether or not due. With from_dir:
    saved .html/.htm/.html.gz/.txt/.md files. With from_warc: the HTTP responses of a WARC file."""
    parameters = {
        "sources": source_ids, "since": since, "until": until,
        "from_dir": str(from_dir) if from_dir else None,
        "from_warc": str(from_warc) if from_warc else None,
    }
    if from_dir is None and from_warc is None:
        sources = config.select(source_ids)
        return crawl_sources(
            config, sources, flow_name="backfill", parameters=parameters, since=since, until=until, force=True
        )
    source = config.select([source_id])[0] if source_id else SAVED_SOURCE
    settings = config.settings
    with warehouse_run(config, "backfill", parameters, [source]) as (db, run_id, counts, summary):
        if from_dir is not None:
            files = pipeline.saved_files(from_dir)
            counts["n_discovered"] += len(files)
            logger().info("backfill: %d saved files under %s", len(files), from_dir)
            batches = _saved_batches(files, source.id, settings, summary, counts)
        else:
            assert from_warc is not None
            warc_pages = pipeline.iter_warc_pages(from_warc, source.id, settings.archive_dir, summary.problems)
            batches = batched(warc_pages, settings.batch_size)
        _load_raw(config, batches, source, db, run_id, counts, counts["n_discovered"] or None, summary.problems)
    return summary
