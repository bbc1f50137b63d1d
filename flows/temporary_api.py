"""Prefect's temporary API for one command-line run, served from a thread of the run's own process.

Without PREFECT_API_URL, Prefect 3 starts a temporary API server in a subprocess when a flow first
needs it. That process imports Prefect, pydantic and the server stack a second time (≈ 180 MB at the
peak of a 10,000-page run, a quarter of the run's whole process tree), writes its tracebacks and
SQLite "database is locked" messages to the terminal, and outlives a run killed with `kill -9`.

Here the same application (Prefect's `create_app`, ephemeral: no UI, no services) is served by
uvicorn on 127.0.0.1 in a daemon thread of the run's process:

* it shares the modules the flow has imported anyway: the run's tree peaks ≈ 70 MB lower
  (bench/README.md, session 25);
* it cannot outlive the run: it ends with the process, however the process ends;
* its loggers write to a log file beside the working database, not to the terminal.

`start()` (before Prefect is imported) points PREFECT_API_URL at a free port; `wait()` (once the
flow modules are imported) imports the server, starts it and returns when it answers. The imports
happen there, in the main thread, not in the server thread while the main thread imports too: two
threads importing one package's circular imports at once can see a half-initialised module. The GIL
would run them one after the other anyway; the cleaning processes warm up on the other core.
`stop()` ends the server before the interpreter shuts down (the `run_settings()` block calls it):
at exit, Python first stops its thread pools, and a server still running then spins on them.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from readout_pipeline.errors import ReadoutError, one_line

START_TIMEOUT = 90.0
STOP_TIMEOUT = 10.0

# Block types are for deployments and their storage, which a run on this API does not use (a
# standing API registers them as usual). Registering them, or even checking whether they changed,
# imports every installed Prefect collection (prefect-dask: dask and distributed) at each start;
# turning both off takes ~0.25 s of CPU off the start, which a run waits for. The environment's
# own values win.
TEMPORARY_API_SETTINGS = {
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
    "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
    "PREFECT_UI_ENABLED": "false",
}

# Where the server's own messages go: the log file, never the terminal (nor the flow's handlers).
SERVER_LOGGERS = ("prefect.server", "uvicorn", "fastapi", "docket", "alembic", "sqlalchemy", "aiosqlite")


class TemporaryAPI:
    def __init__(self, sock: socket.socket, log_file: Path) -> None:
        self.sock, self.log_file = sock, log_file  # bound now, so the port stays ours until served
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}/api"
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self._server: Any = None  # uvicorn.Server, once started
        self._log_handler: logging.Handler | None = None

    def wait(self, timeout: float = START_TIMEOUT) -> None:
        """Start the server (if not started yet) and return once it answers /health; a one-line
        error if it fails or never answers."""
        if self.thread is None:
            try:
                self._start()
            except Exception as exc:  # an import or app error: the run cannot start
                self.error = exc
                raise ReadoutError(f"Prefect's temporary API did not start: {self._why()}") from exc
        wait_until_answering(self.url, lambda: self.running, "Prefect's temporary API", self.log_file,
                             timeout, why=self._why)

    def _why(self) -> str:
        return one_line(self.error, 200) if self.error else "no error recorded"

    def _start(self) -> None:
        import uvicorn
        from prefect.server.api.server import create_app

        app = create_app(ephemeral=True, final=True)  # also sets up Prefect's logging, once
        self._route_server_logs()
        config = uvicorn.Config(app, log_level="error", lifespan="on", log_config=None, access_log=False)
        self._server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._serve, name="prefect-temporary-api", daemon=True)
        self.thread.start()

    def _route_server_logs(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(self.log_file, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        for name in SERVER_LOGGERS:
            logger = logging.getLogger(name)
            logger.handlers[:] = [handler]
            logger.propagate = False
        self._log_handler = handler

    def _serve(self) -> None:
        async def serve() -> None:
            asyncio.get_running_loop().set_exception_handler(self._loop_exception)
            await self._server.serve(sockets=[self.sock])

        try:
            asyncio.run(serve())
        except BaseException as exc:  # noqa: BLE001 - kept for wait(), which reports it
            self.error = exc
            logging.getLogger("prefect.server").exception("the temporary API stopped")

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """The server loop's unhandled task errors go to the log file, not to the terminal."""
        exc = context.get("exception")
        logging.getLogger("prefect.server").error(context.get("message", "error in the API's loop"),
                                                  exc_info=exc)

    @contextlib.contextmanager
    def run_settings(self) -> Iterator[None]:
        """Prefect settings for flows run on this API: no flow-run heartbeats. They feed a server's
        detection of crashed runs, which this API (started without services) does not run, and a
        flow's end waits for the heartbeat thread to finish its current one-second sleep: 0.5 s on
        average, 1 s at worst, added to every run. Against a standing API they stay on. The API
        stops at the end of the block."""
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        try:
            with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
                yield
        finally:
            self.stop()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the server once Prefect's client has sent it what it still holds (task-run events
        and logs go out from queues in the background); the server closes its connections, runs its
        shutdown, and the thread ends."""
        if self.running:
            _drain_prefect_clients(timeout)
            self._server.should_exit = True
            self.thread.join(timeout)
            if self.thread.is_alive():  # a request still running: do not wait for it
                self._server.force_exit = True
                self.thread.join(timeout)
        if self._log_handler is not None:
            self._log_handler.close()
        self.sock.close()

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


def wait_until_answering(url: str, alive: Callable[[], bool], name: str, log_file: Path,
                         timeout: float = START_TIMEOUT, *, poll: float = 0.02,
                         why: Callable[[], str] | None = None) -> None:
    """Return once the Prefect API at `url` answers /health; a one-line error naming `name` and its
    log if it stops first (`alive()` false; `why()` may say why) or does not answer in `timeout` s."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while True:
            if not alive():
                reason = f": {why()}" if why else ""
                raise ReadoutError(f"{name} stopped at start{reason} (see {log_file})")
            with contextlib.suppress(httpx.HTTPError):
                if client.get(f"{url}/health").status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise ReadoutError(f"{name} did not start in {timeout:g} s (see {log_file})")
            time.sleep(poll)


def _drain_prefect_clients(timeout: float) -> None:
    """Wait for Prefect's background senders (events, logs) to deliver what they hold and stop;
    the next flow run starts new ones. What Prefect's own test harness does before it stops its
    server: else, at exit, they retry against a closed port and print errors for minutes."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    services = (APILogWorker, EventsWorker)
    loggers = [logging.getLogger(service.__name__) for service in services]  # where they report
    for logger in loggers:
        logger.addFilter(_drain_progress)
    try:
        for service in services:
            service.drain_all(timeout=timeout, at_exit=False)
    finally:
        for logger in loggers:
            logger.removeFilter(_drain_progress)


def _drain_progress(record: logging.LogRecord) -> bool:
    """Drops the "Still processing items: N items remaining..." notes a service prints while it is
    drained with items still queued: here that is the point of draining. Its errors still show."""
    return not record.getMessage().startswith("Still processing items")


def start(log_file: Path) -> TemporaryAPI | None:
    """Point PREFECT_API_URL at this process's temporary API, unless it is set already (then that
    server is used and None is returned). Call before Prefect is imported; `wait()` starts it."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    for name, value in TEMPORARY_API_SETTINGS.items():
        os.environ.setdefault(name, value)  # a setting in the environment wins
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    api = TemporaryAPI(sock, log_file)
    os.environ["PREFECT_API_URL"] = api.url
    atexit.register(api.stop, 1.0)
    return api
