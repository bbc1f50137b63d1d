"""`readout`: the command line. Loads the config once and calls a flow (or a read-only query).

Every failure the user can act on is one line on stderr and a non-zero exit status.
Prefect is imported only by the commands that run flows (it lives in `flows/`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import ConfigError, ReadoutError, one_line

EXIT_FAILURE = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        sys.stderr.write(f"readout: error: {message} (see `readout --help`)\n")
        raise SystemExit(EXIT_USAGE)


def _date(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date: {value!r} (use YYYY-MM-DD)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _param(value: str) -> tuple[str, str]:
    key, sep, val = value.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {value!r}")
    return key.strip(), val


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="readout",
        description="Collect official diplomatic readouts into a DuckDB warehouse.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(p: argparse.ArgumentParser, config: bool = True) -> None:
        if config:
            p.add_argument("--config", type=Path, help="sources file (default: sources.toml or $READOUT_SOURCES)")
        p.add_argument("--db", type=Path, help="published warehouse file (default: warehouse/readouts.duckdb or $READOUT_DB)")

    def runner(p: argparse.ArgumentParser) -> None:
        p.add_argument("--task-runner", choices=["default", "dask"], default="default",
                       help="where cleaning runs: local worker processes (default) or a Dask cluster")
        p.add_argument("--dask-address", metavar="ADDR",
                       help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster for the run)")
        p.add_argument("--dask-workers", type=int, metavar="N",
                       help="workers of the local Dask cluster (default: one per core)")

    p = sub.add_parser("demo", help="serve the bundled sample site on 127.0.0.1 and ingest it")
    p.add_argument("--db", type=Path, help="warehouse file (default: warehouse/readouts.duckdb)")

    p = sub.add_parser("ingest", help="fetch new readouts from the sources (the scheduled job)")
    common(p)
    p.add_argument("--source", action="append", dest="sources", metavar="ID", help="only this source (repeatable)")
    p.add_argument("--source-url", help="try an ad-hoc source without editing the sources file")
    p.add_argument("--kind", choices=["feed", "sitemap", "listing", "page"], default="page", help="what --source-url is (default: page)")
    p.add_argument("--force", action="store_true", help="fetch every discovered URL, due or not (conditional GET still applies)")
    runner(p)

    p = sub.add_parser("backfill", help="load history: a date window, saved files or a WARC file")
    common(p)
    p.add_argument("--source", action="append", dest="sources", metavar="ID", help="only this source (repeatable)")
    p.add_argument("--since", type=_date, help="oldest lastmod/publication date to take (YYYY-MM-DD)")
    p.add_argument("--until", type=_date, help="newest lastmod/publication date to take (YYYY-MM-DD)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--from-dir", type=Path, help="saved .html/.htm/.html.gz/.txt/.md files")
    group.add_argument("--from-warc", type=Path, help="a WARC file of HTTP responses")
    p.add_argument("--as-source", metavar="ID", help="attribute saved files to this configured source")
    runner(p)

    p = sub.add_parser("reparse", help="re-clean every archived raw page with the current code (offline)")
    common(p)
    runner(p)

    p = sub.add_parser("serve", help="run the ingest on a cron schedule (one run at a time)")
    common(p)
    p.add_argument("--cron", help="cron schedule (default: settings.schedule_cron, every 4 hours)")
    p.add_argument("--source", action="append", dest="sources", metavar="ID", help="only this source (repeatable)")

    p = sub.add_parser("report", help="list the reports, or run one (table, CSV or JSON)")
    common(p, config=False)
    p.add_argument("name", nargs="?", help="report name (omit to list them)")
    p.add_argument("--param", action="append", type=_param, default=[], metavar="NAME=VALUE", help="bind a report parameter")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")

    p = sub.add_parser("status", help="last runs, counts per source, recent failures")
    common(p, config=False)
    p.add_argument("--limit", type=int, default=10)

    p = sub.add_parser("search", help='full-text search (BM25): words, "exact phrases"; snippets highlighted')
    common(p, config=False)
    p.add_argument("query", nargs="?", help='e.g. \'"small group" Syria\' (all words must occur)')
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--fts-path", action="store_true", help="print how to LOAD the fts extension in your own DuckDB client")

    p = sub.add_parser("export", help="write every table and view as Parquet or CSV files (for BI tools)")
    common(p, config=False)
    p.add_argument("dir", type=Path, help="output directory (created if missing)")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    p.add_argument("--no-views", action="store_true", help="tables only, not the analyst views")

    p = sub.add_parser("report-html", help="write one static HTML file with charts and the key tables")
    common(p, config=False)
    p.add_argument("out", type=Path, help="HTML file to write, e.g. report.html")
    p.add_argument("--title", default="Diplomatic readouts")

    p = sub.add_parser("dictionary", help="regenerate docs/DATA_DICTIONARY.md from the schema comments")
    p.add_argument("--out", type=Path, help="file to write (default: docs/DATA_DICTIONARY.md)")
    p.add_argument("--check", action="store_true", help="only check the file is up to date (exit 1 if not)")
    return parser


def _settings_overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if getattr(args, "db", None):
        overrides["db_path"] = str(args.db)
        overrides["warehouse_dir"] = str(Path(args.db).parent)
    return overrides


def _load(args: argparse.Namespace):
    """The config, loaded once; and a check that a run could write the warehouse."""
    from .config import load_config
    from .warehouse import WorkingDB

    config = load_config(args.config, overrides=_settings_overrides(args))
    WorkingDB(config.settings).check_writable()
    return config


def _published_path(args: argparse.Namespace) -> Path:
    if args.db:
        return Path(args.db)
    if os.environ.get("READOUT_DB"):
        return Path(os.environ["READOUT_DB"])
    from .config import Settings

    return Settings(warehouse_dir=Path(os.environ.get("READOUT_WAREHOUSE_DIR", "warehouse"))).published_db


def prepare_prefect(config: Any = None) -> Any:
    """Quiet, offline defaults for Prefect's temporary local API (set before importing Prefect).
    With a config, and no PREFECT_API_URL, also point Prefect at that API (served from a thread of
    this process, its log beside the working database) and return it: its `wait()`, once the flow
    modules are imported, starts it. Else None."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    if config is None:
        return None
    from flows import temporary_api

    return temporary_api.start(_api_log(config.settings.work_db.parent))


def _api_log(work_dir: Path) -> Path:
    return work_dir / "prefect-api.log"


def _prestart_cleaning(config: Any, runner: Any, *, pages_certain: bool) -> None:
    """Start the local cleaning processes now, so their start (imports, a warm-up page) overlaps
    the start of Prefect and its API instead of delaying the first batch: the whole pool when
    pages to clean are certain (a directory or WARC), else only the forkserver the workers fork
    from (a crawl may find nothing new). Dask workers start elsewhere."""
    from . import pages

    if runner.kind != "default":
        return
    if pages_certain:
        pages.prestart(workers=config.settings.clean_workers, limits=pages.Limits.of(config.settings))
    else:
        pages.prestart_forkserver()


def _on_api(api: Any) -> contextlib.AbstractContextManager[Any]:
    """Start the temporary API this command set up, if any, and run the flow with its settings, then
    stop it (flows/temporary_api.py); against a standing API, nothing to start or change. Either way a
    run that fails with a `ReadoutError` prints only the one line `main` writes (flows/console.py)."""
    from flows.console import quiet_reported_failures

    quiet_reported_failures()
    if api is None:
        return contextlib.nullcontext()
    api.wait()
    return api.run_settings()


def _runner_choice(args: argparse.Namespace) -> Any:
    """The task runner asked for on the command line (checked before any run starts)."""
    from flows.runners import RunnerChoice

    if args.dask_address and args.task_runner != "dask":
        raise ConfigError("--dask-address needs --task-runner dask")
    if args.dask_workers is not None and args.dask_workers < 1:
        raise ConfigError("--dask-workers must be at least 1")
    return RunnerChoice(args.task_runner, args.dask_address, args.dask_workers)


def _print_summary(summary: Any) -> None:
    print(summary.line())
    for problem in summary.problems:
        print(f"warning: {problem}")
    if summary.published:
        print(f"published: {summary.published}")


def cmd_ingest(args: argparse.Namespace) -> int:
    from .config import adhoc_source

    config = _load(args)
    if args.source_url:
        source = adhoc_source(args.source_url, args.kind)
        config = config.model_copy(update={"sources": [*config.sources, source]})
        ids = [source.id]
    else:
        ids = args.sources
    config.select(ids)  # unknown ids: a one-line error before any run starts
    runner = _runner_choice(args)
    api = prepare_prefect(config)
    _prestart_cleaning(config, runner, pages_certain=False)
    from flows.ingest import ingest
    from flows.runners import with_runner

    with _on_api(api):
        summary = with_runner(ingest, runner)(config, ids, force=args.force)
    _print_summary(summary)
    return 0


def cmd_backfill(args: argparse.Namespace) -> int:
    if not (args.since or args.until or args.from_dir or args.from_warc):
        raise ConfigError("backfill needs --since/--until, --from-dir DIR or --from-warc FILE")
    if args.from_dir and not args.from_dir.is_dir():
        raise ConfigError(f"--from-dir: not a directory: {args.from_dir}")
    if args.from_warc and not args.from_warc.is_file():
        raise ConfigError(f"--from-warc: no such file: {args.from_warc}")
    config = _load(args)
    config.select(args.sources)
    if args.as_source:
        config.select([args.as_source])
    runner = _runner_choice(args)
    api = prepare_prefect(config)
    _prestart_cleaning(config, runner, pages_certain=bool(args.from_dir or args.from_warc))
    from flows.backfill import backfill
    from flows.runners import with_runner

    with _on_api(api):
        summary = with_runner(backfill, runner)(
            config, args.sources, since=args.since, until=args.until,
            from_dir=args.from_dir, from_warc=args.from_warc, source_id=args.as_source,
        )
    _print_summary(summary)
    return 0


def cmd_reparse(args: argparse.Namespace) -> int:
    config = _load(args)
    runner = _runner_choice(args)
    api = prepare_prefect(config)
    _prestart_cleaning(config, runner, pages_certain=False)
    from flows.reparse import reparse
    from flows.runners import with_runner

    with _on_api(api):
        summary = with_runner(reparse, runner)(config)
    _print_summary(summary)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    config = _load(args)
    cron = args.cron or config.settings.schedule_cron
    prepare_prefect()
    from flows.serve import run_server

    config_path = str(Path(args.config or os.environ.get("READOUT_SOURCES") or "sources.toml").resolve())
    print(f"serving the ingest deployment on cron {cron!r} (Ctrl-C to stop)")
    run_server(config_path, cron, args.sources)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from flows import temporary_api

    from .config import DEFAULT_DB_NAME, DEFAULT_WAREHOUSE_DIR

    prepare_prefect()
    db = args.db or Path(DEFAULT_WAREHOUSE_DIR) / DEFAULT_DB_NAME
    api = temporary_api.start(_api_log(db.parent / ".work"))
    from flows.demo import run_demo

    with _on_api(api):
        return run_demo(db=args.db)


def _print_rows(columns: list[str], rows: list[tuple], fmt: str, title: str | None = None) -> None:
    from . import reports

    if fmt == "csv":
        sys.stdout.write(reports.to_csv(columns, rows))
    elif fmt == "json":
        sys.stdout.write(reports.to_json(columns, rows) + "\n")
    else:
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        for col in columns:
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        _console().print(table)


def _console():
    """Rich console; wide when writing to a pipe or file so columns are not cut."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 200)


def cmd_report(args: argparse.Namespace) -> int:
    from . import reports, warehouse

    if not args.name:
        for report in reports.list_reports():
            params = ", ".join(f"{k}={v}" for k, v in report.params.items())
            print(f"{report.name:40s} {report.question}" + (f"  [{params}]" if params else ""))
        return 0
    report = reports.get_report(args.name)
    con = warehouse.open_published(_published_path(args))
    try:
        columns, rows = reports.run_report(con, report, dict(args.param))
    finally:
        con.close()
    _print_rows(columns, rows, args.format, title=report.question)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from . import warehouse

    con = warehouse.open_published(_published_path(args))
    try:
        for name, title, params in (
            ("status_runs", "Last runs", [args.limit]),
            ("status_sources", "Per source", []),
            ("status_failures", "Recent failures", [args.limit]),
        ):
            cursor = con.execute(warehouse.sql(f"load/{name}.sql"), params)
            rows = cursor.fetchall()
            _print_rows([d[0] for d in cursor.description], rows, "table", title)
    finally:
        con.close()
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from . import search, warehouse

    if args.fts_path:
        path = search.extension_file()
        print(f"-- in a DuckDB {search.duckdb.__version__} client (CLI, notebook, DBeaver), once per session:")
        print(f"LOAD '{path}';")
        print(f"-- or: SET extension_directory = '{search.extension_directory()}'; LOAD fts;")
        print("-- (online, any machine: INSTALL fts; LOAD fts;)  then:")
        print("SELECT * FROM readout_search('\"small group\" Syria', max_results := 10);")
        return 0
    if not args.query:
        raise ConfigError('search needs a query, e.g. readout search \'"joint statement" Iraq\'')
    con = warehouse.open_published(_published_path(args))
    try:
        hits = search.search(con, args.query, args.limit)
    finally:
        con.close()
    rows = [tuple(getattr(h, c) for c in search.COLUMNS) for h in hits]
    if args.format != "table":
        _print_rows(list(search.COLUMNS), rows, args.format)
        return 0
    if not hits:
        print(f"no readout matches {args.query!r}")
        return 0
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{len(hits)} readouts matching {args.query!r} (best first, BM25)", title_justify="left", show_lines=True)
    for col in ("score", "date", "source", "title / snippet"):
        table.add_column(col, overflow="fold")
    for h in hits:
        parts = escape(h.snippet).split(search.HIGHLIGHT)
        snippet = "".join(f"[bold yellow]{p}[/]" if i % 2 else p for i, p in enumerate(parts))
        table.add_row(f"{h.score:.3f}", str(h.published_date or ""), h.source_id,
                      f"[bold]{escape(h.title or '')}[/]\n{snippet}\n[dim]{escape(h.url)}[/]")
    _console().print(table)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from . import export, warehouse

    con = warehouse.open_published(_published_path(args))
    try:
        written = export.export_warehouse(con, args.dir, args.format, include_views=not args.no_views)
    finally:
        con.close()
    for item in written:
        print(f"{item.kind:5s} {item.name:32s} {item.rows:>9d} rows  {args.dir / item.file}")
    print(f"wrote {len(written)} files and manifest.json to {args.dir}")
    return 0


def cmd_report_html(args: argparse.Namespace) -> int:
    from . import report_html, warehouse

    con = warehouse.open_published(_published_path(args))
    try:
        problems = report_html.write_report(con, args.out, args.title)
    finally:
        con.close()
    for problem in problems:
        print(f"warning: {' '.join(problem.split())}")
    print(f"wrote {args.out}")
    return 0


def cmd_dictionary(args: argparse.Namespace) -> int:
    from . import dictionary

    path = args.out or dictionary.DICTIONARY_PATH
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != dictionary.generate():
            sys.stderr.write(f"readout: error: {path} is out of date (run `readout dictionary`)\n")
            return EXIT_FAILURE
        print(f"{path} is up to date")
        return 0
    print(f"wrote {dictionary.write(path)}")
    return 0


COMMANDS = {
    "demo": cmd_demo,
    "ingest": cmd_ingest,
    "backfill": cmd_backfill,
    "reparse": cmd_reparse,
    "serve": cmd_serve,
    "report": cmd_report,
    "status": cmd_status,
    "search": cmd_search,
    "export": cmd_export,
    "report-html": cmd_report_html,
    "dictionary": cmd_dictionary,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ReadoutError as exc:
        sys.stderr.write(f"readout: error: {one_line(exc)}\n")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        sys.stderr.write("readout: interrupted\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
