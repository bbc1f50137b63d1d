"""Full-text search over documents (title, text) with DuckDB's fts extension, offline.

The extension comes from the `duckdb-ext-fts` package (pinned with DuckDB 1.4.4), whose files sit in
`site-packages/duckdb_ext/extensions/v1.4.4/<platform>/fts.duckdb_extension`; `load_fts` points
DuckDB's extension directory there and loads it, never downloading anything.

`build_search_index(con)` runs on the working database before the snapshot is published: it brings
the BM25 index up to date (schema `fts_main_documents`, the extension's tables, partly filled by our own
SQL: sql/search/build_index.sql builds it, sql/search/extend_index.sql adds documents) and the table
macro `readout_search(query_text, max_results := 20)`, which analysts call from SQL and `search()`
calls for `readout search`.
Query syntax: words (all must occur, Porter-stemmed, English stop words ignored) and "quoted
phrases" (must occur exactly, ignoring case, accents and punctuation).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import duckdb

from .errors import WarehouseError
from .warehouse import JOIN_FILTER_KEYS, SQL_DIR, _one_line, sql, transaction

HIGHLIGHT = "**"  # the snippet wraps matched words in this marker, Markdown style
# While `search` runs on an analyst's connection, a join on up to JOIN_FILTER_KEYS keys becomes an
# IN filter on the documents scan (DuckDB's dynamic_or_filter_threshold, 50 by default; restored
# afterwards), so that checking a quoted phrase on a few hundred hits reads the text of those rows
# only, not the whole text column (0.5 s more on a cold cache at 100,000 documents). The results
# are the same either way.


@dataclass(frozen=True)
class Hit:
    doc_id: str
    score: float
    published_date: date | None
    source_id: str
    title: str | None
    url: str
    snippet: str


COLUMNS = ("doc_id", "score", "published_date", "source_id", "title", "url", "snippet")


def extension_directory() -> Path:
    """Where the installed duckdb-ext-fts package keeps its extensions (the `extension_directory`).

    `READOUT_DUCKDB_EXTENSIONS` overrides it (a directory laid out as DuckDB's own, i.e.
    `<dir>/v1.4.4/<platform>/fts.duckdb_extension`)."""
    override = os.environ.get("READOUT_DUCKDB_EXTENSIONS")
    if override:
        return Path(override)
    try:
        import duckdb_ext  # namespace package shipped by duckdb-ext-fts
    except ImportError:
        raise WarehouseError(
            "the DuckDB fts extension package is not installed (pip install duckdb-ext-fts==1.4.4.*)"
        ) from None
    for base in getattr(duckdb_ext, "__path__", []):
        candidate = Path(base) / "extensions"
        if candidate.is_dir():
            return candidate
    raise WarehouseError("duckdb_ext is installed but has no extensions/ directory")


def extension_file() -> Path:
    """The fts extension binary for this DuckDB version and platform."""
    version = duckdb.__version__
    found = sorted(extension_directory().glob(f"v{version}/*/fts.duckdb_extension"))
    if not found:
        raise WarehouseError(
            f"no fts extension for DuckDB {version} under {extension_directory()} "
            "(the duckdb-ext-fts version must match the duckdb version)"
        )
    return found[0]


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the fts extension from the installed package; never downloads."""
    try:
        con.execute("SET autoinstall_known_extensions = false")
        con.execute("SET extension_directory = ?", [str(extension_directory())])
        con.execute("LOAD fts")
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot load the DuckDB fts extension: {_one_line(exc)}") from None


def build_search_index(con: duckdb.DuckDBPyConnection, *, force: bool = False) -> int:
    """Bring the BM25 index over documents(title, text) and the `readout_search` macro up to date.

    Call on the working database before publishing. The index records the document set it holds
    (`search_index_state`; documents are never edited in place). When documents were only added since,
    it is extended with those (sql/search/extend_index.sql): its cost follows the documents added,
    where a rebuild grows with the warehouse (at 100,000 documents: 0.23 s to add 200, 14.4 s to
    rebuild). It is rebuilt from scratch (sql/search/build_index.sql) when there is none, when it was
    built by other SQL (`index_format`), when documents went missing, or with `force`; a run that
    added nothing leaves it as it is.
    Returns the number of documents indexed."""
    load_fts(con)
    try:
        current = tuple(con.execute(sql("search/documents_checksum.sql")).fetchone())
        recorded = bool(con.execute(sql("search/has_index_state.sql")).fetchone()[0])
        built = con.execute(sql("search/index_state.sql")).fetchone() if recorded else None
        rebuild = force or built is None or built[2] != index_format() or not has_search_index(con)
        if rebuild or tuple(built[:2]) != current:
            with transaction(con):
                if rebuild or not _extend_index(con, (built[0], built[1]), current):
                    con.execute(sql("search/build_index.sql"))
                if recorded:
                    con.execute(sql("search/record_index_state.sql"), [*current, index_format()])
        n_docs = con.execute(sql("search/index_size.sql")).fetchone()[0]
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot build the search index: {_one_line(exc)}") from None
    install_search_macro(con)
    return n_docs


def _extend_index(con: duckdb.DuckDBPyConnection, built: tuple[int, int], current: tuple[int, int]) -> bool:
    """Add the documents the index does not hold; False (nothing changed) when the index and the
    documents it was built from no longer add up to the current set (a document went missing)."""
    con.execute(sql("search/new_documents.sql"))
    n_new, new_checksum, n_indexed = con.execute(sql("search/new_documents_checksum.sql")).fetchone()
    if n_indexed != built[0] or n_indexed + n_new != current[0] or built[1] ^ new_checksum != current[1]:
        con.execute(sql("search/drop_new_documents.sql"))
        return False
    con.execute(sql("search/extend_index.sql"))
    return True


@cache
def index_format() -> str:
    """Fingerprint of the SQL that builds and extends the index: an index built by other SQL is
    rebuilt, not extended."""
    digest = hashlib.sha256()
    for name in ("build_index.sql", "new_documents.sql", "extend_index.sql"):
        digest.update((SQL_DIR / "search" / name).read_bytes())
    return digest.hexdigest()[:16]


def install_search_macro(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the `readout_search` table macro (and its helper) over the existing index.

    `build_search_index` calls it; on its own it refreshes the macro of a warehouse whose index is
    current but whose macro is older than sql/search/ (the scale benchmark's `--reuse`)."""
    load_fts(con)
    try:
        con.execute(sql("search/readout_search_macro.sql"))
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot create the readout_search macro: {_one_line(exc)}") from None


def has_search_index(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(sql("search/has_index.sql")).fetchone()
    return bool(row and row[0])


def search(con: duckdb.DuckDBPyConnection, query: str, limit: int = 20) -> list[Hit]:
    """Documents matching `query`, best first (BM25), with a highlighted snippet."""
    if not query.strip():
        raise WarehouseError("empty search query")
    if query.count('"') % 2:
        raise WarehouseError('unbalanced quote in the search query (use "a phrase" in double quotes)')
    if not has_search_index(con):
        raise WarehouseError(
            "this warehouse has no search index yet (it is built when a run publishes; run `readout ingest`)"
        )
    load_fts(con)
    try:
        previous = con.execute(sql("search/join_filter_keys.sql")).fetchone()[0]
        con.execute("SET dynamic_or_filter_threshold = ?", [max(JOIN_FILTER_KEYS, int(previous))])
        try:
            rows = con.execute(sql("search/search.sql"), {"query": query, "max_results": int(limit)}).fetchall()
        finally:
            con.execute("SET dynamic_or_filter_threshold = ?", [int(previous)])
    except duckdb.Error as exc:
        raise WarehouseError(f"search failed: {_one_line(exc)}") from None
    return [Hit(*row) for row in rows]
