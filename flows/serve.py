"""`readout serve`: deployments with cron schedules, one run at a time."""

from __future__ import annotations

from prefect import flow, serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

from readout_pipeline.config import load_config

from .common import RunSummary
from .ingest import ingest


@flow(name="scheduled-ingest", log_prints=True)
def scheduled_ingest(config_path: str, source_ids: list[str] | None = None) -> RunSummary:
    """Load sources.toml afresh at every scheduled run (edits apply without a restart), then ingest."""
    return ingest(load_config(config_path), source_ids)


def build_deployments(config_path: str, cron: str, source_ids: list[str] | None = None) -> list:
    """The deployments `readout serve` registers: ingest on `cron`, never two runs at once
    (a concurrency limit of 1 that cancels a new run while another is running)."""
    limit = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
    return [
        scheduled_ingest.to_deployment(
            name="readout-ingest",
            cron=cron,
            parameters={"config_path": config_path, "source_ids": source_ids},
            concurrency_limit=limit,
            description="Scheduled ingest of official readouts into the DuckDB warehouse.",
            tags=["readout_pipeline"],
        )
    ]


def run_server(config_path: str, cron: str, source_ids: list[str] | None = None) -> None:
    serve(*build_deployments(config_path, cron, source_ids))
