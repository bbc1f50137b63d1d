"""`readout serve` for real: a Prefect server with its scheduler, runs on schedule, no orphan left."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import duckdb
import httpserver
import httpx
import pytest

pytestmark = pytest.mark.slow
http_server = httpserver.http_server

PAGE = (
    "<html><head><title>Readout of the call</title></head><body><article><p>The Minister spoke today "
    "with the Foreign Minister of Iraq about the Global Coalition against Daesh and stabilization.</p>"
    "</article></body></html>"
)
SERVE = (
    "import sys\n"
    "from readout_pipeline.cli import prepare_prefect\n"
    "prepare_prefect()\n"
    "from flows.serve import run_server\n"
    "if __name__ == '__main__':\n"
    "    run_server(sys.argv[1], None, None, interval=3)\n"
)


def completed_runs(db) -> int:
    if not db.exists():
        return 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM runs WHERE status = 'completed'").fetchone()[0]
    finally:
        con.close()


def test_serve_runs_the_schedule_and_stops_its_server(tmp_path, http_server):
    http_server.route("/readout.html", body=PAGE.encode(), headers={"Content-Type": "text/html; charset=utf-8"})
    config = tmp_path / "sources.toml"
    config.write_text(
        f'[settings]\nwarehouse_dir = "{tmp_path / "wh"}"\nmin_delay_seconds = 0.0\n\n'
        f'[[sources]]\nid = "local"\nname = "Local ministry"\nhome = "{http_server.url("/")}"\n'
        f'pages = ["{http_server.url("/readout.html")}"]\n'
    )
    script = tmp_path / "serve.py"
    script.write_text(SERVE)
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home")}
    env.pop("PREFECT_API_URL", None)
    out = open(tmp_path / "serve.log", "w+")
    proc = subprocess.Popen([sys.executable, str(script), str(config)], stdout=out, stderr=subprocess.STDOUT, env=env)
    db = tmp_path / "wh" / "readouts.duckdb"
    try:
        deadline = time.monotonic() + 180
        while completed_runs(db) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(2)
        out.seek(0)
        log = out.read()
        assert completed_runs(db) >= 2, log  # the schedule fired more than once
        port = re.search(r"Prefect server with UI: http://127\.0\.0\.1:(\d+)", log).group(1)
        assert httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    # The local Prefect server went away with `readout serve`.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
        except httpx.HTTPError:
            break
        time.sleep(1)
    else:
        pytest.fail("the local Prefect server outlived `readout serve`")
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
    con.close()
