"""Task-runner selection: where `parse-pages` (the CPU-bound cleaning) runs.

* ``default``: Prefect's thread-pool task runner. `parse-pages` is submitted from the flow and runs
  in a thread of the flow process that drives a persistent pool of worker processes
  (`pages.parse_pages`, per-page time and memory limits), one per core, while the flow thread
  fetches the next batch and loads the previous one.
* ``dask``: `prefect-dask`'s ``DaskTaskRunner``. `parse-pages` runs on Dask workers: an existing
  cluster (``--dask-address tcp://scheduler:8786``) or, without an address, a ``LocalCluster``
  started for the run. Each Dask worker thread drives one limited cleaning process of its own, so
  Dask workers must be allowed to start child processes: a ``LocalCluster`` started here is
  configured so; external workers need ``DASK_DISTRIBUTED__WORKER__DAEMON=False`` (see
  docs/SCALING.md). Fetching and loading stay in the flow process: the warehouse has a single
  writer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

RUNNERS = ("default", "dask")


@dataclass(frozen=True)
class RunnerChoice:
    kind: str = "default"
    dask_address: str | None = None
    dask_workers: int | None = None  # LocalCluster size when no address is given (default: cores)

    def __post_init__(self) -> None:
        if self.kind not in RUNNERS:
            raise ValueError(f"unknown task runner {self.kind!r} (choose from {', '.join(RUNNERS)})")
        if self.dask_address and self.kind != "dask":
            raise ValueError("--dask-address needs --task-runner dask")


def allow_worker_children() -> None:
    """Dask worker processes are daemonic by default, and daemonic processes may not start the
    limited cleaning processes. Set before a LocalCluster starts its workers."""
    import dask

    dask.config.set({"distributed.worker.daemon": False})
    os.environ.setdefault("DASK_DISTRIBUTED__WORKER__DAEMON", "False")


def make_task_runner(choice: RunnerChoice) -> Any | None:
    """A Prefect task runner for the choice, or None for the flows' default."""
    if choice.kind == "default":
        return None
    from prefect_dask import DaskTaskRunner

    allow_worker_children()
    if choice.dask_address:
        return DaskTaskRunner(address=choice.dask_address)
    n_workers = choice.dask_workers or max(1, os.cpu_count() or 1)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={
            "n_workers": n_workers, "threads_per_worker": 1, "processes": True, "dashboard_address": None,
        },
    )


def with_runner(flow: Any, choice: RunnerChoice | None) -> Any:
    """The flow, with its task runner replaced when the choice is not the default."""
    runner = make_task_runner(choice) if choice is not None else None
    return flow if runner is None else flow.with_options(task_runner=runner)


def parallelism() -> tuple[int, int | None]:
    """(batches to keep in flight, cleaning processes per `parse-pages` run) for the current flow's
    task runner: Dask gets one batch per worker thread plus one, each cleaned by one process; the
    default runner keeps one batch queued behind the one being cleaned on the local pool (sized by
    settings.clean_workers): fetching or reading the next batch and loading the previous one take
    less time than cleaning one, and every batch in flight holds its raw bodies in memory."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    runner = getattr(ctx, "task_runner", None) if ctx else None
    if type(runner).__name__ == "DaskTaskRunner":
        # prefect-dask connects on the first use of `client` (a flow's first submit, until then
        # `_client` is None): asking for it here connects now, as the first batch would.
        client = runner.client  # type: ignore[union-attr]
        try:
            threads = sum(client.nthreads().values())
        except Exception:  # noqa: BLE001 - a scheduler that cannot tell: assume two
            threads = 2
        return max(2, threads + 1), 1
    return 1, None
