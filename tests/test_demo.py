"""`readout demo` as a new user runs it: a real subprocess, twice, on a fresh warehouse."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

READOUT = Path(sys.executable).with_name("readout")


def run_demo(tmp_path: Path) -> str:
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home")}
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.run(
        [str(READOUT), "demo", "--db", str(tmp_path / "wh" / "readouts.duckdb")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    # A successful run prints no traceback and no ERROR line (Prefect's server included).
    assert "Traceback" not in output, output
    assert not re.search(r"\bERROR\b", output), output
    assert "database is locked" not in output, output
    return output


def counts(line_prefix: str, output: str) -> list[dict[str, int]]:
    """Parse the summary lines: "ingest completed (run …): discovered 31, fetched 30, …"."""
    found = []
    for line in output.splitlines():
        if line.startswith(line_prefix):
            pairs = line.split("): ", 1)[1].split(", ")
            found.append({label: int(value) for label, value in (p.rsplit(" ", 1) for p in pairs)})
    return found


def test_demo_twice(tmp_path):
    first = run_demo(tmp_path)
    runs = counts("ingest completed", first)
    assert len(runs) == 2
    assert runs[0]["new documents"] == 28 and runs[0]["duplicates"] == 1 and runs[0]["filtered"] == 1
    assert runs[1]["updated (new versions)"] == 1
    assert "What are the latest readouts" in first

    db = tmp_path / "wh" / "readouts.duckdb"
    con = duckdb.connect(str(db), read_only=True)
    docs_before = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    con.close()

    second = run_demo(tmp_path)
    (rerun,) = counts("ingest completed", second)
    assert rerun["new documents"] == 0
    assert rerun["fetched"] == 0  # no body downloaded again
    assert rerun["not modified (304)"] == 30
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == docs_before
    con.close()
