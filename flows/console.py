"""What a command-line run prints when it fails: one line.

Prefect logs the exception that ends a flow run (and a task run) with its whole traceback, on the
console and to its API. For a failure the pipeline raised on purpose (a `ReadoutError`: a corrupt
WARC file, a warehouse out of memory, a snapshot that could not be written), the command line
already prints the reason as one `readout: error:` line, and the traceback on the terminal only
buries it. `quiet_reported_failures()` keeps those records off the console handlers of this
process; Prefect's API still receives them, traceback included (the UI, `prefect flow-run logs`).
Any other exception is a defect and keeps its traceback.
"""

from __future__ import annotations

import logging

from readout_pipeline.errors import ReadoutError

RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


class ReportedFailureFilter(logging.Filter):
    """Drops a flow- or task-run record that carries a `ReadoutError`, and the run's later error
    records ("Finished in state Failed(...)", which repeats it without the exception attached)."""

    def __init__(self) -> None:
        super().__init__()
        self._reported: set[str] = set()  # ids of runs that failed with a ReadoutError

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(RUN_LOGGERS):
            return True
        run = str(getattr(record, "task_run_id", None) or getattr(record, "flow_run_id", None))
        if record.exc_info and isinstance(record.exc_info[1], ReadoutError):
            self._reported.add(run)
            return False
        return not (record.levelno >= logging.ERROR and run in self._reported)


def quiet_reported_failures() -> None:
    """Add the filter to the root logger's handlers, where run records reach the console (Prefect's
    logging is configured when Prefect is imported: call after that). Idempotent."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ReportedFailureFilter) for f in handler.filters):
            handler.addFilter(ReportedFailureFilter())
