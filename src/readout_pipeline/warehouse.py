"""DuckDB: the private working database, batched loads, and the published snapshot.

One process writes, under an exclusive lock, to `<warehouse>/.work/readouts.duckdb`. At the end of
a successful run `publish` checkpoints it and atomically renames a copy over the published file
(`warehouse/readouts.duckdb`), which analysts open read-only. A run never waits for an analyst and
an analyst never sees half a run. All SQL lives in `sql/`; values are always bound parameters.

Loads are batched: rows go to a newline-delimited JSON file read by `read_json` into a TEMP staging
table (typed by the table's own schema), and static SQL in `sql/load/` merges the stage.
"""

from __future__ import annotations

import contextlib
import difflib
import fcntl
import importlib.util
import json
import math
import os
import re
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from . import __version__
from .clean import PARSER_VERSION
from .config import Settings, Source
from .errors import ReadoutError, WarehouseError, one_line
from .pages import DOC, ParsedPage


def _fail_fast_optional_imports() -> None:
    """DuckDB's Python binding tries `import pandas` for every element of a list parameter and
    every row of `executemany`. Without pandas installed, each attempt searches the whole import
    path again (about 0.1 ms in a flow process): a list of 2,000 URLs cost 0.2 s, and the loads and
    the clustering of a 1,000-page run spent seconds there. Recording the module as absent makes
    the attempt fail at once; nothing changes when pandas is installed."""
    for name in ("pandas",):
        if name not in sys.modules and importlib.util.find_spec(name) is None:
            sys.modules[name] = None  # type: ignore[assignment]


_fail_fast_optional_imports()

SQL_DIR = Path(os.environ.get("READOUT_SQL_DIR") or Path(__file__).resolve().parents[2] / "sql")


# A join on up to this many keys becomes a filter on the scanned table (DuckDB's
# dynamic_or_filter_threshold, 50 by default). The writer looks rows up by a batch of keys (doc_ids,
# URLs, cluster ids: sql/load/) every batch; above 50 DuckDB would scan the whole table for each,
# text column included, so a batch's cost would grow with the warehouse (bench/writer_lookups.py).
# 2048 is also where DuckDB stops using a primary-key index for such a filter (index_scan_max_count).
JOIN_FILTER_KEYS = 2048


@cache
def sql(name: str) -> str:
    """The text of `sql/<name>`."""
    path = SQL_DIR / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WarehouseError(f"SQL file missing: {path}") from None


def utcnow() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- connection, lock, publish


class WorkingDB:
    """The single writer. Use as a context manager; call `publish()` after a successful run."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.path = settings.work_db
        self.published = settings.published_db
        self._lock_fh: Any = None
        self.con: duckdb.DuckDBPyConnection | None = None
        self.threads: int | None = None  # DuckDB's threads for this connection (None: its default)
        self.memory_mb: int | None = None  # DuckDB's memory limit for now (None: settings.db_memory_mb)

    def __enter__(self) -> WorkingDB:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> duckdb.DuckDBPyConnection:
        self._lock()
        if not self.path.exists() and self.published.exists():
            # The working copy was lost: continue from the last published snapshot.
            shutil.copyfile(self.published, self.path)
        try:
            self.con = self._connect()
        except duckdb.Error as exc:
            self.close()
            raise WarehouseError(f"cannot open working database {self.path}: {_one_line(exc)}") from None
        migrate(self.con)
        from .views import apply_views  # views read the tables migrate() made

        apply_views(self.con)
        return self.con

    def check_writable(self) -> None:
        """Fail early, with one line, if a run could not write here (bad path, another run)."""
        self._lock()
        self.close()

    def _lock(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.published.parent.mkdir(parents=True, exist_ok=True)
            self._lock_fh = open(self.path.parent / "run.lock", "a+")  # noqa: SIM115
        except OSError as exc:
            raise WarehouseError(
                f"cannot use warehouse directory {self.path.parent}: {exc.strerror}"
            ) from None
        try:
            fcntl.flock(self._lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_fh.close()
            self._lock_fh = None
            raise WarehouseError(
                f"another run is writing this warehouse (lock held on {self.path.parent / 'run.lock'})"
            ) from None

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def _connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(str(self.path))
        self._set_memory_limit(con, self.memory_mb)
        con.execute("SET dynamic_or_filter_threshold = ?", [JOIN_FILTER_KEYS])
        if self.threads:
            con.execute("SET threads = ?", [self.threads])
        return con

    def use_threads(self, threads: int | None) -> None:
        """Limit DuckDB's threads (kept across reconnects), or give it its default back (None).
        While cleaning processes keep every core busy, more writer threads only contend for them."""
        self.threads = threads
        if self.con is not None:
            if threads:
                self.con.execute("SET threads = ?", [threads])
            else:
                self.con.execute("RESET threads")

    def use_memory(self, megabytes: int | None) -> None:
        """Set DuckDB's memory limit for now (kept across reconnects), or give the configured one
        back (None). Besides the rows a batch writes, what DuckDB holds between batches is a cache
        of the blocks earlier lookups read, which fills up to the limit as the warehouse grows.
        A limit DuckDB refuses (below what it holds now) is not kept: DuckDB itself keeps the
        refused value as its setting, so the one before is set again."""
        if self.con is not None:
            try:
                self._set_memory_limit(self.con, megabytes)
            except duckdb.Error:
                self._set_memory_limit(self.con, self.memory_mb)
                raise
        self.memory_mb = megabytes

    def _set_memory_limit(self, con: duckdb.DuckDBPyConnection, megabytes: int | None) -> None:
        con.execute("SET memory_limit = ?", [f"{megabytes or self.settings.db_memory_mb}MB"])

    def use_loading_memory(self, threads: int) -> int:
        """Set the memory limit for loading batches (`loading_memory_mb`) and return it."""
        count = self.con.execute(sql("load/document_count.sql")).fetchone()[0] if self.con else 0
        megabytes = loading_memory_mb(int(count), threads, self.settings.db_memory_mb)
        self.use_memory(megabytes)
        return megabytes

    def reconnect(self) -> None:
        """Checkpoint, close and reopen the connection (the lock stays held): the database
        instance's memory goes back to the system (during a long run, and before the memory-hungry
        full-text index build). Holders of the old `con` must take `self.con` again."""
        assert self.con is not None
        self.con.execute("CHECKPOINT")
        self.con.close()
        self.con = self._connect()

    def publish(self) -> Path:
        """Checkpoint and atomically replace the published snapshot with the working database."""
        if self.con is None:
            raise WarehouseError("publish() needs an open working database")
        from .search import build_search_index  # the index always matches the snapshot

        self.reconnect()  # the index is built on a fresh connection: the run's buffers are gone
        build_search_index(self.con)
        self.con.execute("CHECKPOINT")
        self.con.close()
        self.con = None
        tmp = self.published.with_name(f".{self.published.name}.{os.getpid()}.publishing")
        try:
            shutil.copyfile(self.path, tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self.published)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise WarehouseError(f"cannot publish {self.published}: {exc.strerror}") from None
        finally:
            self.con = self._connect()
        return self.published


# DuckDB's memory limit while batches are loaded. Between batches the writer holds little but a
# cache of blocks earlier lookups read, which fills up to whatever limit it is given, and the
# primary-key indexes (ART), which stay in memory once a lookup has loaded them and grow with the
# warehouse: 54.5 MB at 100,000 documents (DuckDB 1.4, `duckdb_memory()`). At that size a load failed
# with "Out of Memory" under a 64 MB and a 100 MB limit and passed under 128 MB. So the limit is a
# part per writer thread (`read_json` takes a 32 MB buffer in each: with two threads, 64 MB failed
# a load of a small warehouse), plus twice the indexes' measured size per document; never above
# `db_memory_mb`, which a warehouse of several hundred thousand documents needs raised.
LOADING_MEMORY_MB_PER_THREAD = 64
INDEX_KB_PER_DOCUMENT = 0.56


def loading_memory_mb(documents: int, threads: int, cap_mb: int) -> int:
    """The writer's memory limit while loading, for a warehouse of `documents` (bench/README.md:
    at 10,000 page variants the flow's median PSS was 243 MB under 64 MB against 272 under 128)."""
    indexes_mb = 2 * documents * INDEX_KB_PER_DOCUMENT / 1024
    return min(cap_mb, LOADING_MEMORY_MB_PER_THREAD * max(1, threads) + math.ceil(indexes_mb))


def _one_line(exc: BaseException) -> str:
    return one_line(exc, 300)


def run_error(exc: duckdb.Error, settings: Settings) -> WarehouseError:
    """A DuckDB error that ended a run, as the one line the command line prints. Running out of
    memory says which setting to raise (DuckDB's own advice is about SQL settings a user of this
    tool does not write); the batches loaded before it stay committed."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if isinstance(exc, duckdb.OutOfMemoryException):
        return WarehouseError(
            f"the working database ran out of memory ({first}): raise db_memory_mb under [settings] "
            f"(now {settings.db_memory_mb} MB) and run again; the batches loaded before are kept"
        )
    return WarehouseError(f"the working database failed: {_one_line(exc)}")


def publish_error(exc: duckdb.Error | ReadoutError, settings: Settings) -> WarehouseError:
    """An error after a run's batches were committed: recording its end, building the search index
    or writing the snapshot. The rows stay in the working database, and the next run's publish
    carries them to analysts; until then they see the snapshot before."""
    reason = run_error(exc, settings) if isinstance(exc, duckdb.Error) else exc
    return WarehouseError(
        f"the run's pages are stored, but publishing them failed: {one_line(reason)} "
        "(analysts keep the snapshot before; the next run publishes them)"
    )


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply sql/ddl/*.sql files not applied yet, in name order. Returns those applied."""
    con.execute(sql("ddl/000_migrations.sql"))
    done = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for path in sorted((SQL_DIR / "ddl").glob("*.sql")):
        if path.name == "000_migrations.sql" or path.name in done:
            continue
        con.execute("BEGIN")
        try:
            con.execute(path.read_text(encoding="utf-8"))
            con.execute(sql("load/record_migration.sql"), [path.name, utcnow()])
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise WarehouseError(f"migration {path.name} failed: {_one_line(exc)}") from None
        applied.append(path.name)
    return applied


def open_published(path: Path) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the published snapshot (what analysts and reports use)."""
    if not path.exists():
        raise WarehouseError(f"no published warehouse at {path} (run `readout demo` or `readout ingest` first)")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot open {path}: {_one_line(exc)}") from None


# ---------------------------------------------------------------- staging


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def params(*values: Any) -> list[Any]:
    """Query parameters with every list (or tuple) as JSON text, for SQL that reads it back with
    `?::JSON::TYPE[]`. DuckDB's Python client binds a list value by value, about 80 us each here
    (6,400 integers: 0.5 s); the same list as one JSON string binds in 4 ms."""
    return [
        json.dumps(v, default=_json_default, ensure_ascii=False, separators=(",", ":"))
        if isinstance(v, list | tuple) else v
        for v in values
    ]


def stage(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict[str, Any]]) -> int:
    """(Re)create the TEMP table `table` from `sql/load/<table>.sql` and fill it with `rows`."""
    if not _STAGE_NAME.fullmatch(table):
        raise WarehouseError(f"unknown stage table {table!r}")
    con.execute(sql(f"load/{table}.sql"))
    if not rows:
        return 0
    columns = dict(con.execute(sql("load/stage_columns.sql"), [table]).fetchall())
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, default=_json_default, ensure_ascii=False))
            fh.write("\n")
    try:
        con.read_json(fh.name, columns=columns, format="newline_delimited").insert_into(table)
    finally:
        os.unlink(fh.name)
    return len(rows)


_STAGE_NAME = re.compile(r"stage_[a-z_]+")  # each has its sql/load/<name>.sql


def unstage(con: duckdb.DuckDBPyConnection, *tables: str) -> None:
    """Empty staging tables once their rows are loaded: TEMP tables live in memory, and a batch of
    page texts would otherwise stay there until the next batch replaces it."""
    for table in tables:
        stage(con, table, [])


# ---------------------------------------------------------------- runs and sources


RUN_COUNTERS = (
    "n_discovered",
    "n_fetched",
    "n_not_modified",
    "n_new_documents",
    "n_new_versions",
    "n_duplicates",
    "n_unchanged",
    "n_filtered",
    "n_skipped",
    "n_failed",
)


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, flow: str, parameters: dict) -> None:
    con.execute(
        sql("load/start_run.sql"),
        [run_id, flow, json.dumps(parameters, default=str), utcnow(), __version__, PARSER_VERSION],
    )


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str,
    counts: Counter[str],
    error: str | None = None,
) -> None:
    con.execute(
        sql("load/finish_run.sql"),
        [utcnow(), status, *(int(counts.get(c, 0)) for c in RUN_COUNTERS), error, run_id],
    )


def mark_abandoned_runs(con: duckdb.DuckDBPyConnection) -> int:
    """Runs left 'running' by a killed process are marked failed when the next run starts."""
    return len(con.execute(sql("load/mark_abandoned_runs.sql"), [utcnow()]).fetchall())


def upsert_sources(con: duckdb.DuckDBPyConnection, sources: Iterable[Source], run_id: str) -> None:
    now = utcnow()
    rows = [
        {
            "source_id": s.id,
            "name": s.name,
            "home_url": s.home,
            "config_json": s.model_dump_json(),
            "seen_at": now,
            "run_id": run_id,
        }
        for s in sources
    ]
    with transaction(con):
        stage(con, "stage_sources", rows)
        con.execute(sql("load/upsert_sources.sql"))


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.execute("BEGIN")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


# ---------------------------------------------------------------- crawl state


@dataclass(frozen=True)
class UrlState:
    url: str
    etag: str | None
    last_modified: str | None
    last_fetched_at: datetime | None
    lastmod: datetime | None
    doc_id: str | None
    last_outcome: str | None


def url_states(con: duckdb.DuckDBPyConnection, source_id: str) -> dict[str, UrlState]:
    rows = con.execute(sql("load/url_states_for_source.sql"), [source_id]).fetchall()
    return {r[0]: UrlState(*r) for r in rows}


def refetch_in_full(con: duckdb.DuckDBPyConnection, urls: Sequence[str]) -> None:
    """Drop the validators of `urls`, whose last raw body the archive cannot give back: their next
    fetch is a full GET, and the body comes back into the archive."""
    if urls:
        con.execute(sql("load/refetch_in_full.sql"), [json.dumps(list(urls))])


def is_due(state: UrlState | None, lastmod: datetime | None, now: datetime, recheck_after_hours: float) -> bool:
    """New URLs, URLs announced as modified since the last fetch, and URLs due for a recheck."""
    if state is None or state.last_fetched_at is None:
        return True
    if lastmod is not None and lastmod > state.last_fetched_at:
        return True
    age_hours = (now - state.last_fetched_at).total_seconds() / 3600
    return age_hours >= recheck_after_hours


# ---------------------------------------------------------------- fetch log and url touches


def record_fetches(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    attempts: Sequence[dict[str, Any]],
    touches: Sequence[dict[str, Any]],
) -> None:
    """Write fetch_log rows (one per attempt) and the crawl state of URLs that produced no page
    to parse (304 Not Modified, failures). `touches` rows: url, fetch_url, source_id, lastmod,
    fetched_at, status, outcome, failed."""
    with transaction(con):
        if attempts:
            stage(con, "stage_fetch_log", [{**a, "run_id": run_id} for a in attempts])
            con.execute(sql("load/insert_fetch_log.sql"))
        if touches:
            stage(con, "stage_url_touch", [{**t, "run_id": run_id} for t in _last_per_url(touches)])
            con.execute(sql("load/upsert_url_touch.sql"))
            con.execute(sql("load/confirm_document_urls.sql"))
    unstage(con, *(["stage_fetch_log"] if attempts else []), *(["stage_url_touch"] if touches else []))


def _last_per_url(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return list({r["url"]: r for r in rows}.values())


# ---------------------------------------------------------------- documents


def _change_size(old: str, new: str) -> tuple[int, int]:
    """Characters added and removed between two texts (line-level diff, then characters)."""
    added = removed = 0
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        a, b = "\n".join(old_lines[i1:i2]), "\n".join(new_lines[j1:j2])
        inner = difflib.SequenceMatcher(None, a, b, autojunk=False)
        same = sum(block.size for block in inner.get_matching_blocks())
        added += len(b) - same
        removed += len(a) - same
    return added, removed


_URL_COUNTER = {"duplicate": "n_duplicates", "version": "n_new_versions", "unchanged": "n_unchanged"}


def load_pages(con: duckdb.DuckDBPyConnection, run_id: str, parsed: Sequence[ParsedPage]) -> Counter[str]:
    """Load one batch of parsed pages in one transaction: raw pages, documents (exact dedup by
    content hash), URLs, versions and crawl state. Returns the counts for `runs`."""
    counts: Counter[str] = Counter()
    batch = list({p.raw.url: p for p in parsed}.values())  # one row per URL per batch
    if not batch:
        return counts
    urls = [p.raw.url for p in batch]
    doc_ids = list({p.doc_id for p in batch if p.doc_id})
    current = dict(con.execute(sql("load/current_doc_for_urls.sql"), params(urls)).fetchall())
    known = {r[0] for r in con.execute(sql("load/existing_doc_ids.sql"), params(doc_ids)).fetchall()}
    previous_ids = list({current[p.raw.url] for p in batch if p.doc_id and current.get(p.raw.url) not in (None, p.doc_id)})
    previous_text = dict(con.execute(sql("load/texts_for_doc_ids.sql"), params(previous_ids)).fetchall())
    now = utcnow()
    rows = []
    for p in batch:
        raw = p.raw
        prev = current.get(raw.url)
        row: dict[str, Any] = {
            "url": raw.url,
            "fetch_url": raw.fetch_url,
            "source_id": raw.source_id,
            "raw_sha256": raw.raw_sha256,
            "content_type": raw.content_type,
            "charset": raw.charset,
            "bytes": raw.size,
            "fetched_at": raw.fetched_at,
            "status": raw.status,
            "etag": raw.etag,
            "last_modified": raw.last_modified,
            "lastmod": raw.lastmod,
            "doc_id": None,
            "previous_doc_id": prev,
            "is_new_doc": False,
            "classification": p.outcome,
            "chars_added": None,
            "chars_removed": None,
            "run_id": run_id,
            "seen_at": now,
        }
        if p.outcome == DOC and p.doc is not None and p.doc_id and p.content_hash:
            new_doc = p.doc_id not in known
            known.add(p.doc_id)
            if prev == p.doc_id:
                cls = "unchanged"
            elif prev is None:
                cls = "new" if new_doc else "duplicate"
            else:
                cls = "version"
                row["chars_added"], row["chars_removed"] = _change_size(previous_text.get(prev, ""), p.doc.text)
            counts["n_new_documents"] += new_doc
            if cls in _URL_COUNTER:
                counts[_URL_COUNTER[cls]] += 1
            row.update(
                doc_id=p.doc_id,
                is_new_doc=new_doc,
                classification=cls,
                content_hash=p.content_hash,
                title=p.doc.title,
                text=p.doc.text,
                published_date=p.published_date,
                language=p.doc.language,
                author=p.doc.author,
                sitename=p.doc.sitename,
                word_count=len(p.doc.text.split()),
                parser_version=PARSER_VERSION,
            )
        elif p.outcome == "filtered":
            counts["n_filtered"] += 1
        else:
            counts["n_skipped"] += 1
        rows.append(row)
    with transaction(con):
        stage(con, "stage_pages", rows)
        for step in (
            "insert_raw_pages",
            "insert_documents",
            "insert_document_versions",
            "retire_document_urls",
            "upsert_document_urls",
            "upsert_url_state",
        ):
            con.execute(sql(f"load/{step}.sql"))
    unstage(con, "stage_pages")
    return counts
