"""Run the SQL in `sql/reports/*.sql` against the published warehouse, with bound parameters.

A report file opens with comment lines: the first states the question it answers; a line
`-- params: name=default, other=default` declares its named parameters ($name in the SQL).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from .errors import ConfigError, WarehouseError
from .warehouse import SQL_DIR, _one_line

REPORTS_DIR = SQL_DIR / "reports"
_PARAMS = re.compile(r"^--\s*params:\s*(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Report:
    name: str
    question: str
    params: dict[str, str]  # name -> default
    sql: str


def parse_report(path: Path) -> Report:
    text = path.read_text(encoding="utf-8")
    question, params = "", {}
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        match = _PARAMS.match(line)
        if match:
            for pair in filter(None, (p.strip() for p in match.group(1).split(","))):
                key, _, default = pair.partition("=")
                params[key.strip()] = default.strip()
        elif not question:
            question = line.lstrip("- ").strip()
    return Report(path.stem, question, params, text)


def list_reports(directory: Path = REPORTS_DIR) -> list[Report]:
    return [parse_report(p) for p in sorted(directory.glob("*.sql"))]


def get_report(name: str, directory: Path = REPORTS_DIR) -> Report:
    path = directory / f"{name}.sql"
    if not re.fullmatch(r"[a-z0-9_]+", name) or not path.exists():
        known = ", ".join(r.name for r in list_reports(directory))
        raise ConfigError(f"unknown report {name!r} (known: {known})")
    return parse_report(path)


def run_report(
    con: duckdb.DuckDBPyConnection, report: Report, params: dict[str, str] | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Execute with the report's declared parameters bound (defaults filled in)."""
    given = dict(params or {})
    unknown = set(given) - set(report.params)
    if unknown:
        raise ConfigError(
            f"report {report.name} has no parameter {', '.join(sorted(unknown))}"
            f" (it takes: {', '.join(report.params) or 'none'})"
        )
    bound = {**report.params, **given}
    try:
        cursor = con.execute(report.sql, bound) if bound else con.execute(report.sql)
        rows = cursor.fetchall()
    except duckdb.Error as exc:
        raise WarehouseError(f"report {report.name} failed: {_one_line(exc)}") from None
    columns = [d[0] for d in cursor.description or []]
    return columns, rows


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def to_csv(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([[_plain(v) for v in row] for row in rows])
    return out.getvalue()


def to_json(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    return json.dumps(
        [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows],
        ensure_ascii=False,
        indent=2,
        default=str,
    )


RUN_OUTCOMES = ("new", "updated", "duplicate", "unchanged", "not_modified", "filtered", "skipped", "failed")


def per_source_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, dict[str, int]]:
    """What run `run_id` did per source: URLs left new, updated (new version), duplicate,
    unchanged, not_modified, filtered, skipped or failed. Read from the warehouse, so it is
    right whatever flow wrote the run (for the run artifact in Prefect's UI)."""
    from .warehouse import sql

    try:
        cursor = con.execute(sql("artifacts/run_per_source.sql"), {"run_id": run_id})
        rows = cursor.fetchall()
    except duckdb.Error as exc:
        raise WarehouseError(f"per-source counts failed: {_one_line(exc)}") from None
    columns = [d[0] for d in cursor.description]
    return {row[0]: {c: int(v or 0) for c, v in zip(columns[1:], row[1:], strict=True)} for row in rows}
