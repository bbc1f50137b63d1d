"""Re-clean every archived raw page with the current code: no network."""

from __future__ import annotations

from prefect import flow

from readout_pipeline import pipeline
from readout_pipeline.config import Config

from .common import RunSummary, batched, load_task, parse_task, warehouse_run


@flow(name="reparse", log_prints=True)
def reparse(config: Config) -> RunSummary:
    """Parse the last archived body of every URL again; changed texts become new versions."""
    settings = config.settings
    with warehouse_run(config, "reparse", {}) as (con, run_id, counts, summary):
        for chunk in batched(pipeline.iter_archived_pages(con, settings.archive_dir), settings.batch_size):
            counts["n_discovered"] += len(chunk)
            counts.update(load_task(con, run_id, None, parse_task(chunk, settings)))
    return summary
