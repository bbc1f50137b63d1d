"""`readout serve`: deployments with cron schedules, one run at a time.

Prefect's temporary (ephemeral) API runs no scheduler service, so schedules need a real Prefect
server. With PREFECT_API_URL set, `readout serve` uses that server (and its UI); without it, it
starts a local one on 127.0.0.1 for as long as it serves, and stops it on exit.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from prefect import flow, serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.settings import PREFECT_API_URL, temporary_settings

from readout_pipeline.config import load_config

from .common import RunSummary
from .ingest import ingest
from .temporary_api import wait_until_answering

SERVER_START_TIMEOUT = 90.0


@flow(name="scheduled-ingest", log_prints=True)
def scheduled_ingest(config_path: str, source_ids: list[str] | None = None) -> RunSummary:
    """Load sources.toml afresh at every scheduled run (edits apply without a restart), then ingest."""
    return ingest(load_config(config_path), source_ids)


def build_deployments(
    config_path: str, cron: str | None, source_ids: list[str] | None = None, *, interval: float | None = None
) -> list:
    """The deployments `readout serve` registers: ingest on `cron` (or every `interval` seconds),
    never two runs at once (a concurrency limit of 1 that cancels a new run while one is running)."""
    limit = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
    schedule = {"interval": timedelta(seconds=interval)} if interval else {"cron": cron}
    return [
        scheduled_ingest.to_deployment(
            name="readout-ingest",
            parameters={"config_path": config_path, "source_ids": source_ids},
            concurrency_limit=limit,
            description="Scheduled ingest of official readouts into the DuckDB warehouse.",
            tags=["readout_pipeline"],
            **schedule,
        )
    ]


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM when `readout serve` dies, even by kill -9 (no orphan)."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def local_prefect_server(log_file: Path) -> Iterator[str]:
    """A Prefect server (API, UI and scheduler) on 127.0.0.1 for the life of the block."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    try:
        wait_until_answering(url, lambda: proc.poll() is None, "the local Prefect server", log_file,
                             SERVER_START_TIMEOUT, poll=0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def run_server(
    config_path: str, cron: str | None, source_ids: list[str] | None = None, *,
    interval: float | None = None, server_log: Path | None = None,
) -> None:
    deployments = build_deployments(config_path, cron, source_ids, interval=interval)
    if os.environ.get("PREFECT_API_URL"):
        serve(*deployments)
        return
    log = server_log or Path(load_config(config_path).settings.warehouse_dir) / ".work" / "prefect-server.log"
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # stop the local server on a plain `kill` too
    with local_prefect_server(log) as url, temporary_settings(updates={PREFECT_API_URL: url}):
        print(f"Prefect server with UI: {url.removesuffix('/api')} (log: {log})", flush=True)
        serve(*deployments)
