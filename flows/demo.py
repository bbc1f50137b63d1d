"""`readout demo`: the bundled sample site on 127.0.0.1, crawled by the real ingest flow."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console

from readout_pipeline import reports, warehouse
from readout_pipeline.config import DEFAULT_DB_NAME, DEFAULT_WAREHOUSE_DIR, config_from_sources
from readout_pipeline.demo_site.server import DemoSite

from .ingest import ingest

PORTS_FILE = ".demo-ports.json"


def _preferred_ports(path: Path) -> dict[str, int] | None:
    try:
        return {str(k): int(v) for k, v in json.loads(path.read_text()).items()}
    except (OSError, ValueError, AttributeError):
        return None


def run_demo(db: Path | None = None, console: Console | None = None) -> int:
    """First run: ingest the site, edit a page, ingest again. Later runs: one ingest, all 304s.

    The site keeps its ports across demos (remembered next to the warehouse), so a second demo
    re-checks the same URLs with conditional GETs and adds nothing."""
    console = console or Console(width=None if sys.stdout.isatty() else 160)
    db = db or Path(DEFAULT_WAREHOUSE_DIR) / DEFAULT_DB_NAME
    warehouse_dir = db.parent
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    ports_file = warehouse_dir / PORTS_FILE
    preferred = _preferred_ports(ports_file)
    first_time = preferred is None or not db.exists()
    with DemoSite(revision=1 if first_time else 2, ports=preferred).start() as site:
        if preferred and site.ports != preferred:
            console.print("[yellow]note:[/] the demo's previous ports were busy; its URLs are new this time")
        ports_file.write_text(json.dumps(site.ports))
        config = config_from_sources(
            site.sources(),
            warehouse_dir=str(warehouse_dir),
            db_path=str(db),
            min_delay_seconds=0.0,
            recheck_after_hours=0.0,
            backoff_base=0.1,
            clean_workers=2,
        )
        console.print(f"demo site: {', '.join(site.base_urls.values())}")
        summaries = []
        if first_time:
            console.print("[bold]run 1[/]: ingest the sample site")
            summaries.append(ingest(config))
            site.revision = 2
            console.print("[bold]run 2[/]: one page was edited on the site; ingest again")
        else:
            console.print("[bold]re-run[/]: ingest the same site again (expect only 304s)")
        summaries.append(ingest(config))
    for summary in summaries:
        console.print(summary.line(), soft_wrap=True, highlight=False)
    con = warehouse.open_published(db)
    try:
        for name, params in (("latest_readouts", {"limit": "5"}), ("statements_republished", {})):
            report = reports.get_report(name)
            columns, rows = reports.run_report(con, report, params)
            _table(console, report.question, columns, rows)
    finally:
        con.close()
    console.print(f"\nwarehouse: {db}  (open read-only: duckdb -readonly {db})")
    return 0


def _table(console: Console, title: str, columns: list[str], rows: list[tuple]) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col in columns:
        table.add_column(col, overflow="fold", max_width=60)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
