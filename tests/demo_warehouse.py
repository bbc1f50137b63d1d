"""The demo warehouse, built once per test session by the real flows (Prefect, the demo site on
127.0.0.1): `readout demo` as a library call. Shared by test_reports, test_views, test_search,
test_export and test_report_html; each test that writes gets its own copy."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from rich.console import Console

from readout_pipeline.cli import prepare_prefect

_BUILT: dict[str, Path] = {}


def demo_warehouse(tmp_path_factory) -> Path:
    """The published demo warehouse (read-only use). Built on first call, then reused."""
    if "db" not in _BUILT:
        prepare_prefect()
        from prefect.testing.utilities import prefect_test_harness

        from flows.demo import run_demo

        db = tmp_path_factory.mktemp("demo-warehouse") / "readouts.duckdb"
        with prefect_test_harness(server_startup_timeout=120):
            assert run_demo(db=db, console=Console(file=io.StringIO(), width=200)) == 0
        _BUILT["db"] = db
    return _BUILT["db"]


def copy_of_demo_warehouse(tmp_path_factory, name: str) -> Path:
    """A private, writable copy of the demo warehouse."""
    source = demo_warehouse(tmp_path_factory)
    target = tmp_path_factory.mktemp(name) / "readouts.duckdb"
    shutil.copyfile(source, target)
    return target
