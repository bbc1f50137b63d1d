"""Prefect's temporary API as the command line starts it (flows/temporary_api.py): a real server
process on 127.0.0.1, quiet, stopped with the run, and gone when the run is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import psutil
import pytest

from flows import temporary_api

REPO = Path(__file__).resolve().parents[1]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_an_existing_api_url_is_used_as_it_is(monkeypatch, tmp_path):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert temporary_api.start(tmp_path / "api.log") is None


@pytest.mark.slow
@pytest.mark.parametrize("register_blocks", [None, "true"])
def test_start_wait_stop(monkeypatch, tmp_path, register_blocks):
    """A new PREFECT_HOME (its database created at start) answers without registering block
    types; a value set in the environment wins over the temporary API's own."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))
    if register_blocks:
        monkeypatch.setenv("PREFECT_API_BLOCKS_REGISTER_ON_START", register_blocks)
    else:
        monkeypatch.delenv("PREFECT_API_BLOCKS_REGISTER_ON_START", raising=False)
    api = temporary_api.start(tmp_path / "api.log")
    try:
        assert os.environ["PREFECT_API_URL"] == api.url
        api.wait(timeout=120)
        assert httpx.get(f"{api.url}/health", timeout=5, trust_env=False).status_code == 200
        env = psutil.Process(api.process.pid).environ()  # the running server's own environment
        assert env["PREFECT_API_BLOCKS_REGISTER_ON_START"] == (register_blocks or "false")
        assert env["PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION"] == "false"
        assert env["PREFECT_UI_ENABLED"] == "0"
    finally:
        api.stop()
        monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert api.process.poll() is not None
    assert (tmp_path / "api.log").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux only")
@pytest.mark.slow
def test_the_api_dies_with_a_killed_run(tmp_path):
    script = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(REPO)!r})
        os.environ.pop("PREFECT_API_URL", None)
        from flows import temporary_api
        api = temporary_api.start(__import__("pathlib").Path({str(tmp_path / "api.log")!r}))
        api.wait(timeout=120)
        print(api.process.pid, flush=True)
        time.sleep(600)
    """)
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home")}
    env.pop("PREFECT_API_URL", None)
    run = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    try:
        api_pid = int(run.stdout.readline())
        assert _alive(api_pid)
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
        deadline = time.monotonic() + 20
        while _alive(api_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(api_pid), "the temporary API outlived the killed run"
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

    api = temporary_api.TemporaryAPI("http://127.0.0.1:9/api", tmp_path / "api.log", process=None)  # type: ignore[arg-type]
    default = FlowRunEngine(flow=nothing).heartbeat_seconds
    assert default is not None and default > 0
    with api.run_settings():
        assert FlowRunEngine(flow=nothing).heartbeat_seconds is None
    assert FlowRunEngine(flow=nothing).heartbeat_seconds == default
