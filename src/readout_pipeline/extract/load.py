"""Write extractions to the warehouse: I/O over a DuckDB connection passed in.

`update_extractions` extracts the documents that have no `document_extractions` row for the current
EXTRACTOR_VERSION (or every document with rebuild=True) and replaces their derived rows, one
transaction per BATCH documents: a document's rows are always replaced whole, and a run that stops
midway keeps the batches done before (analysts only see a run's work once it succeeds and is
published). One transaction for all of them held every uncommitted row in DuckDB's memory: at
100,000 documents that broke the writer's memory limit. Rows are staged with `warehouse.stage`:
newline-delimited JSON read by `read_json` into TEMP tables typed by the target tables
(sql/load/stage_extract_*.sql), then static SQL moves them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import duckdb

from .. import warehouse
from ..warehouse import params, sql, transaction, utcnow
from . import EXTRACTOR_VERSION, TABLES, extract

BATCH = 500
_DOCS_TABLE = "document_extractions"


def stage_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict[str, Any]]) -> int:
    """(Re)create TEMP `stage_extract_<table>` from its SQL file and fill it with `rows`."""
    return warehouse.stage(con, f"stage_extract_{table}", rows)


def update_extractions(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    doc_ids: list[str] | None = None,
    rebuild: bool = False,
    analyses: Mapping[str, Any] | None = None,
) -> dict[str, int]:
    """Extract pending documents (or all with rebuild=True) and replace their derived rows, a
    transaction per BATCH documents. A document's extraction is taken from `analyses`
    (analyze.Analysis by doc_id, made by the cleaning workers) when it fits the stored document.
    Returns {"documents": n, <table>: rows written, ...}."""
    analyses = analyses or {}
    counts: Counter[str] = Counter({"documents": 0, **{t: 0 for t in TABLES}})
    todo = [r[0] for r in con.execute(sql("load/extract_docs_to_process.sql"),
                                      params(EXTRACTOR_VERSION, rebuild, doc_ids)).fetchall()]
    for i in range(0, len(todo), BATCH):
        with transaction(con):
            batch = con.execute(sql("load/extract_docs_by_id.sql"), params(todo[i: i + BATCH])).fetchall()
            now = utcnow()
            rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
            done = []
            for doc_id, text, title, published in batch:
                done_before = analyses.get(doc_id)
                if done_before is not None and done_before.fits(title, published):
                    ex = done_before.extraction
                else:
                    ex = extract(doc_id, text, title, published)
                n = 0
                for table in TABLES:
                    for item in getattr(ex, table):
                        rows[table].append({**asdict(item), "extractor_version": EXTRACTOR_VERSION, "run_id": run_id})
                        n += 1
                done.append({"doc_id": doc_id, "extractor_version": EXTRACTOR_VERSION, "extracted_at": now,
                             "run_id": run_id, "n_rows": n})
            stage_rows(con, _DOCS_TABLE, done)
            for table in TABLES:
                stage_rows(con, table, rows[table])
            for table in (*TABLES, _DOCS_TABLE):  # the batch's documents' rows, replaced
                con.execute(sql(f"load/extract_delete_{table}.sql"))
            for table in TABLES:
                con.execute(sql(f"load/extract_insert_{table}.sql"))
                counts[table] += len(rows[table])
            con.execute(sql("load/extract_insert_document_extractions.sql"))
            counts["documents"] += len(done)
    if todo:
        warehouse.unstage(con, *(f"stage_extract_{t}" for t in (*TABLES, _DOCS_TABLE)))
    return dict(counts)
