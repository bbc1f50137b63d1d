"""Prefect's temporary API as the command line starts it (flows/temporary_api.py): a real server on
127.0.0.1 in a thread of the run's own process, quiet, stopped with the run, and gone with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import psutil
import pytest

from flows import temporary_api

REPO = Path(__file__).resolve().parents[1]


def test_an_existing_api_url_is_used_as_it_is(monkeypatch, tmp_path):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert temporary_api.start(tmp_path / "api.log") is None


def _run_script(body: str, tmp_path: Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    script = f"import os, sys\nsys.path.insert(0, {str(REPO)!r})\nos.environ.pop('PREFECT_API_URL', None)\n" + textwrap.dedent(body)
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), **(env_extra or {})}
    env.pop("PREFECT_API_URL", None)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize("register_blocks", [None, "true"])
def test_start_wait_stop_in_the_runs_own_process(tmp_path, register_blocks):
    """A new PREFECT_HOME (its database created at start) answers, from a thread of the process
    that started it (no server process); the temporary API's own settings apply unless the
    environment sets them; its messages go to the log file, none to the terminal; stopped, the
    thread is gone and the port answers no more."""
    log = tmp_path / "api.log"
    done = _run_script(f"""
        import httpx, logging, psutil
        from pathlib import Path
        from flows import temporary_api
        api = temporary_api.start(Path({str(log)!r}))
        assert os.environ["PREFECT_API_URL"] == api.url
        api.wait(timeout=120)
        assert httpx.get(api.url + "/health", timeout=5, trust_env=False).status_code == 200
        assert psutil.Process().children(recursive=True) == [], psutil.Process().children(recursive=True)
        print(os.environ["PREFECT_API_BLOCKS_REGISTER_ON_START"], os.environ["PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION"])
        logging.getLogger("prefect.server.probe").error("a server message")
        logging.getLogger("uvicorn.error").error("a uvicorn message")
        api.stop()
        assert not api.running
        try:
            httpx.get(api.url + "/health", timeout=5, trust_env=False)
            print("still answering")
        except httpx.ConnectError:
            print("stopped")
    """, tmp_path, {"PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
                    **({"PREFECT_API_BLOCKS_REGISTER_ON_START": register_blocks} if register_blocks else {})})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == [f"{register_blocks or 'false'} false", "stopped"]
    assert done.stderr == ""
    logged = log.read_text()
    assert "a server message" in logged and "a uvicorn message" in logged


@pytest.mark.slow
def test_a_flow_runs_on_it_and_the_process_ends_quietly(tmp_path):
    """A flow with 300 task runs reports to the API in the same process; at the end of the block the
    events still queued are delivered before the API stops (else they fail against a closed port,
    loudly, at exit), and the process exits with nothing on the terminal but the flow's output."""
    done = _run_script(f"""
        from pathlib import Path
        from flows import temporary_api
        api = temporary_api.start(Path({str(tmp_path / "api.log")!r}))
        from prefect import flow, task

        @task
        def double(x):
            return 2 * x

        @flow
        def doubled(n):
            return sum(double.map(range(n)).result())

        api.wait(timeout=120)
        with api.run_settings():
            print(doubled(300))
        assert not api.running
    """, tmp_path, {"PREFECT_LOGGING_LEVEL": "WARNING"})
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{2 * sum(range(300))}\n"
    assert done.stderr == ""


@pytest.mark.slow
def test_nothing_outlives_a_killed_run(tmp_path):
    """The API is a thread of the run: a run killed with SIGKILL leaves no server behind."""
    script = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(REPO)!r})
        os.environ.pop("PREFECT_API_URL", None)
        from flows import temporary_api
        api = temporary_api.start(__import__("pathlib").Path({str(tmp_path / "api.log")!r}))
        api.wait(timeout=120)
        print(api.url, flush=True)
        time.sleep(600)
    """)
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home")}
    env.pop("PREFECT_API_URL", None)
    run = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    try:
        url = run.stdout.readline().strip()
        assert httpx.get(f"{url}/health", timeout=5, trust_env=False).status_code == 200
        assert psutil.Process(run.pid).children(recursive=True) == []
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/health", timeout=5, trust_env=False)
    finally:
        if run.poll() is None:
            run.kill()


def test_flows_on_the_temporary_api_send_no_heartbeats(tmp_path):
    """Nothing on a service-less temporary API reads heartbeats, and a flow's end waits up to 1 s
    for the heartbeat thread: runs on it have none; elsewhere Prefect's default stays."""
    from prefect import flow
    from prefect.flow_engine import FlowRunEngine

    @flow
    def nothing() -> None:
        return None

    import socket

    api = temporary_api.TemporaryAPI(socket.socket(), tmp_path / "api.log")  # never started
    default = FlowRunEngine(flow=nothing).heartbeat_seconds
    assert default is not None and default > 0
    with api.run_settings():
        assert FlowRunEngine(flow=nothing).heartbeat_seconds is None
    assert FlowRunEngine(flow=nothing).heartbeat_seconds == default
