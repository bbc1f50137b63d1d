"""Re-clean every archived raw page with the current code: no network."""

from __future__ import annotations

from prefect import flow

from readout_pipeline import pipeline
from readout_pipeline.config import Config

from .common import BatchPipeline, RunSummary, batched, warehouse_run


@flow(name="reparse", log_prints=True)
def reparse(config: Config) -> RunSummary:
    """Parse the last archived body of every URL again; changed texts become new versions."""
    settings = config.settings
    with warehouse_run(config, "reparse", {}) as (db, run_id, counts, summary):
        inputs = pipeline.iter_archived_pages(db.con, settings.archive_dir)  # rows read up front
        with BatchPipeline(db, run_id, counts, settings, derive=False, problems=summary.problems) as batches:  # rebuilt at the end
            batches.prestart()
            for chunk in batched(inputs, settings.batch_size):
                counts["n_discovered"] += len(chunk)
                batches.submit(chunk)
    return summary
