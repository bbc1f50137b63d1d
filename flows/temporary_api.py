"""Prefect's temporary API for one command-line run, started early, quiet, and never orphaned.

Without PREFECT_API_URL, Prefect starts a temporary API server itself when a flow first needs it:
the flow process then imports the whole server application (about 3 s of CPU) only to launch it,
and waits for it before anything else happens; the server writes its tracebacks and SQLite
"database is locked" messages to the terminal, and a `kill -9` of the run leaves it running.

`start()` launches the same server (Prefect's own uvicorn command and environment for its
temporary API: no UI, no services) as soon as the command line is parsed, before Prefect is
imported, and points PREFECT_API_URL at it; the flow process imports its own modules while the
server starts. `wait()` blocks until the server answers. The server's output goes to a log file,
it is stopped at exit, and on Linux it gets SIGTERM if the run dies, even by SIGKILL.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from readout_pipeline.errors import ReadoutError

START_TIMEOUT = 90.0

# Block types are for deployments and their storage, which a run on this API does not use (a
# standing API registers them as usual). Registering them, or even checking whether they changed,
# imports every installed Prefect collection (prefect-dask: dask and distributed) at each start;
# turning both off takes ~0.25 s of CPU off the start, which a run waits for. The environment's
# own values win.
TEMPORARY_API_SETTINGS = {
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
    "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class TemporaryAPI:
    url: str
    log_file: Path
    process: subprocess.Popen[bytes]

    def wait(self, timeout: float = START_TIMEOUT) -> None:
        """Return once the API answers /health; a one-line error if it exits or never answers."""
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while True:
                if self.process.poll() is not None:
                    raise ReadoutError(f"Prefect's temporary API exited at start (see {self.log_file})")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.url}/health").status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise ReadoutError(
                        f"Prefect's temporary API did not start in {timeout:g} s (see {self.log_file})"
                    )
                time.sleep(0.05)

    @contextlib.contextmanager
    def run_settings(self) -> Iterator[None]:
        """Prefect settings for flows run on this API: no flow-run heartbeats. They feed a server's
        detection of crashed runs, which this API (started without services) does not run, and a
        flow's end waits for the heartbeat thread to finish its current one-second sleep: 0.5 s on
        average, 1 s at worst, added to every run. Against a standing API they stay on."""
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(log_file: Path) -> TemporaryAPI | None:
    """Start the temporary API and set PREFECT_API_URL for this process, unless it is set already
    (then that server is used and None is returned). Call before Prefect is imported."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {**TEMPORARY_API_SETTINGS, **os.environ,  # a setting in the environment wins
           "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
            start_new_session=True, preexec_fn=_die_with_parent,
        )
    api = TemporaryAPI(url, log_file, process)
    atexit.register(api.stop)
    os.environ["PREFECT_API_URL"] = url
    return api
