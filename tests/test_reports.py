"""Every report of sql/reports runs against the demo warehouse and answers with rows."""

from __future__ import annotations

import json

import duckdb
import pytest
from demo_warehouse import demo_warehouse

from readout_pipeline import cli, reports

ALL_REPORTS = reports.list_reports()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    return demo_warehouse(tmp_path_factory)


@pytest.fixture(scope="module")
def con(demo_db):
    connection = duckdb.connect(str(demo_db), read_only=True)
    yield connection
    connection.close()


def test_at_least_twelve_reports_each_stating_its_question():
    assert len(ALL_REPORTS) >= 12
    for report in ALL_REPORTS:
        first = report.sql.splitlines()[0]
        assert first.startswith("-- ") and first.rstrip().endswith("?"), report.name
        assert report.question and report.question in first
        for name in report.params:  # declared parameters are used as $name, never formatted in
            assert f"${name}" in report.sql, (report.name, name)
        assert "{" not in report.sql.replace("'{", "").replace("{}", ""), report.name


@pytest.mark.parametrize("report", ALL_REPORTS, ids=[r.name for r in ALL_REPORTS])
def test_every_report_returns_rows_on_the_demo_warehouse(con, report):
    columns, rows = reports.run_report(con, report, {})
    assert columns and len(set(columns)) == len(columns)
    assert rows, f"report {report.name} returned no rows on the demo warehouse"


def test_statements_republished_names_the_first_publisher_and_the_lag(con):
    columns, rows = reports.run_report(con, reports.get_report("statements_republished"))
    records = [dict(zip(columns, r, strict=True)) for r in rows]
    joint = [r for r in records if "Tenth Anniversary" in (r["title"] or "")]
    assert joint, records
    row = joint[0]
    assert row["first_publisher"] != row["republished_by"]
    assert {row["first_publisher"], row["republished_by"]} == {"coalition", "norland"}
    assert row["match"] == "exact" and row["lag_days"] == 0


def test_since_parameter_is_bound_and_filters(con):
    report = reports.get_report("readouts_per_source_per_month")
    _, everything = reports.run_report(con, report, {})
    _, recent = reports.run_report(con, report, {"since": "2025-01-01"})
    assert 0 < len(recent) < len(everything)
    assert all(month.year >= 2025 for _, month, _ in recent)
    _, none = reports.run_report(con, report, {"since": "2999-01-01'; DROP TABLE documents; --"[:10]})
    assert none == []
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] > 0


def test_report_cli_binds_params(demo_db, capsys):
    code = cli.main(["report", "latest_readouts", "--db", str(demo_db), "--param", "limit=3", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0 and len(json.loads(out)) == 3


def test_run_per_source_counts(con):
    last_run = con.execute("SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()[0]
    counts = reports.per_source_counts(con, last_run)
    assert set(counts) == {"coalition", "norland", "valdoria"}
    total = {k: sum(c[k] for c in counts.values()) for k in reports.RUN_OUTCOMES}
    assert total["updated"] == 1  # the demo edits one page between its two runs
    assert total["not_modified"] > 0 and total["failed"] == 0
