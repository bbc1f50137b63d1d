"""The benchmark scripts still run end to end (on a few pages): a script broken by a change in the
library would otherwise go unnoticed until its next full run. Figures are not checked here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("READOUT_SHARED") or ROOT.parent / "shared")

pytestmark = pytest.mark.skipif(
    not (SHARED / "corpora").is_dir(), reason=f"shared reference data not found at {SHARED} (set READOUT_SHARED)"
)


def run(script: str, *args: str) -> str:
    env = {**os.environ, "READOUT_SHARED": str(SHARED)}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_replay_runs_two_days():
    out = run("replay_state_gov.py", "--days", "2")
    assert "total: 2 days" in out and "failed 0" in out


def test_clean_quality_runs_on_ten_pages():
    out = run("clean_quality.py", "--limit", "10")
    assert "WCXB dev — all pages: 10 pages" in out


def test_doctype_quality_runs():
    assert "accuracy" in run("doctype_quality.py")


def test_warehouse_scale_and_writer_lookups_run_on_a_small_warehouse(tmp_path):
    out = run("warehouse_scale.py", "--docs", "400", "--add", "50", "--keep", str(tmp_path / "wh"), "--no-search")
    assert "published warehouse: 450 documents" in out
    assert "a run adding 50 documents: load" in out and "index extended in" in out
    out = run("writer_lookups.py", "--warehouse", str(tmp_path / "wh"), "--repeat", "1")
    assert "| load/clusters_unfingerprinted.sql |" in out and "| all |" in out


def test_trafilatura_speedups_bench_runs_on_ten_pages():
    out = run("trafilatura_speedups.py", "--limit", "10")
    assert "pages: 10" in out and "pages with a different result: 0" in out


def test_worker_malloc_bench_runs_on_a_few_pages():
    out = run("worker_malloc.py", "--pages", "8", "--rounds", "1")
    assert "| tune + trim > 256 KB |" in out and "| trim every 50 |" in out
