"""The run's artifact in Prefect's UI: what it did per source, and where to look next."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from readout_pipeline import reports

ARTIFACT_KEY = "readout-run-summary"
COLUMNS = ("new", "updated", "duplicate", "failed", "unchanged", "not_modified", "filtered", "skipped")


def run_table(summary: Any, per_source_counts: Mapping[str, Mapping[str, int]]) -> list[dict[str, Any]]:
    """One row per source (new, updated, duplicate, failed first), then the run's totals."""
    rows = [
        {"source": source, **{c: int(counts.get(c, 0)) for c in COLUMNS}}
        for source, counts in sorted(per_source_counts.items())
    ]
    totals = getattr(summary, "counts", {}) or {}
    rows.append({
        "source": "TOTAL (run counters)",
        "new": totals.get("n_new_documents", 0),
        "updated": totals.get("n_new_versions", 0),
        "duplicate": totals.get("n_duplicates", 0),
        "failed": totals.get("n_failed", 0),
        "unchanged": totals.get("n_unchanged", 0),
        "not_modified": totals.get("n_not_modified", 0),
        "filtered": totals.get("n_filtered", 0),
        "skipped": totals.get("n_skipped", 0),
    })
    return rows


def run_markdown(summary: Any, published: str | None = None, html_report: str | None = None,
                 report_names: Sequence[str] | None = None) -> str:
    """The run in one line, its problems, and the reports to open next (with their commands)."""
    published = published or getattr(summary, "published", None)
    db = f" --db {published}" if published else ""
    lines = [f"### {summary.flow} {summary.status}", "", f"`{summary.line()}`", ""]
    if published:
        lines += [f"Published warehouse: `{published}` (open read-only: `duckdb -readonly {published}`)", ""]
    if html_report:
        lines += [f"Visual report: [{html_report}](file://{html_report})", ""]
    problems = list(getattr(summary, "problems", []) or [])
    if problems:
        lines += ["**Warnings**", ""] + [f"- {p}" for p in problems[:50]] + [""]
    lines += ["**Reports**", "", "| report | question | command |", "|---|---|---|"]
    wanted = set(report_names) if report_names else None
    for report in reports.list_reports():
        if wanted is None or report.name in wanted:
            question = report.question.replace("|", "\\|")
            lines.append(f"| `{report.name}` | {question} | `readout report {report.name}{db}` |")
    lines += ["", f"Search: `readout search \"terms\"{db}`; all tables for BI tools: `readout export DIR{db}`;"
              f" charts: `readout report-html report.html{db}`."]
    return "\n".join(lines)


def publish_run_artifact(summary: Any, per_source_counts: Mapping[str, Mapping[str, int]],
                         html_report: str | None = None) -> None:
    """Create the run's table artifact (per source: new, updated, duplicate, failed, ...) and its
    markdown artifact (summary line, warnings, links to the reports). Call inside the flow run,
    after the run is finished and published; `per_source_counts` from
    `readout_pipeline.reports.per_source_counts(con, run_id)`."""
    create_table_artifact(
        table=run_table(summary, per_source_counts),
        key=f"{ARTIFACT_KEY}-table",
        description=f"{summary.flow} run {summary.run_id}: URLs per source by outcome",
    )
    create_markdown_artifact(
        markdown=run_markdown(summary, html_report=html_report),
        key=ARTIFACT_KEY,
        description=f"{summary.flow} run {summary.run_id}: summary and reports",
    )
