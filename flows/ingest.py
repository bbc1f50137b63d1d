"""The scheduled job: discover, fetch, archive, clean, dedup and load every (or the named) source."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from readout_pipeline import pipeline, progress
from readout_pipeline.config import Config, Source
from readout_pipeline.fetch import FetchPolicy

from .common import BatchPipeline, Handoff, RunSummary, batched, logger, warehouse_run


@task(name="discover", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def discover_task(
    source: Source, policy: FetchPolicy, max_listing_pages: int, since: datetime | None, until: datetime | None
) -> Handoff[pipeline.Discovered]:
    return Handoff(pipeline.discover_source(
        source, policy, max_listing_pages=max_listing_pages, since=since, until=until
    ))


@task(name="fetch-and-archive", retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def fetch_task(
    planned: Handoff[list[pipeline.PlannedFetch]], policy: FetchPolicy, archive_dir: Path, on_result: Any = None
) -> Handoff[pipeline.FetchedBatch]:
    return Handoff(pipeline.fetch_and_archive(planned.take(), policy, archive_dir, on_result=on_result))


def crawl_sources(
    config: Config,
    sources: list[Source],
    *,
    flow_name: str,
    parameters: dict[str, Any],
    since: datetime | None = None,
    until: datetime | None = None,
    force: bool = False,
) -> RunSummary:
    """The body shared by `ingest` and `backfill --since/--until`."""
    settings = config.settings
    log = logger()
    with warehouse_run(config, flow_name, parameters, sources) as (db, run_id, counts, summary):
        for source in sources:
            policy = pipeline.fetch_policy(config, source)
            found = discover_task(source, policy, settings.max_listing_pages, since, until).take()
            for problem in found.problems:
                log.warning("%s: %s", source.id, problem)
                summary.problems.append(f"{source.id}: {problem}")
            counts["n_discovered"] += len(found.links)
            planned = pipeline.plan_fetches(
                db.con, found, recheck_after_hours=settings.recheck_after_hours, force=force
            )
            log.info("%s: %d links, %d to fetch", source.id, len(found.links), len(planned))
            # Batches overlap: batch n is cleaned in worker processes while n+1 is fetched
            # and n-1 loaded (BatchPipeline keeps loads in order, in this process).
            with progress.bar(f"{source.id}: fetch", len(planned)) as bar, \
                    BatchPipeline(db, run_id, counts, settings, problems=summary.problems) as batches:
                if any(p.request.etag is None and p.request.last_modified is None for p in planned):
                    batches.prestart()  # new URLs: bodies will come
                for chunk in batched(planned, settings.batch_size):
                    fetched = fetch_task(Handoff(chunk), policy, settings.archive_dir, bar.one).take()
                    batches.submit([(p, source.keywords) for p in fetched.pages], fetched)
    log.info("%s run %s: %s", flow_name, summary.run_id, summary.counts)
    return summary


@flow(name="ingest", log_prints=True)
def ingest(config: Config, source_ids: list[str] | None = None, force: bool = False) -> RunSummary:
    """Fetch what is new (or due for a recheck) from every enabled source, or the named ones."""
    sources = config.select(source_ids)
    return crawl_sources(
        config, sources, flow_name="ingest", parameters={"sources": [s.id for s in sources], "force": force}, force=force
    )
