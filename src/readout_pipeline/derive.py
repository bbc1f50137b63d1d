"""Derived tables: brought up to date after each batch an ingest or backfill loads, and rebuilt at
the end of a reparse, always before the snapshot is published.

Each step reads the documents and writes its own tables. Ingest and backfill runs are
incremental (only documents not yet processed by the current code version); a `reparse` run
recomputes document types and rebuilds the structured extraction for every document with the
current extractor version. Every step writes in transactions of a bounded number of documents.

`analyses` are the per-document results the cleaning workers already computed (analyze.py): a
step takes a document's result from there when it fits the stored document, and computes it
from the stored text otherwise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import duckdb

from . import clusters
from .analyze import Analysis
from .extract.load import update_extractions
from .warehouse import sql


def update_derived(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    rebuild: bool | None = None,
    analyses: Mapping[str, Analysis] | None = None,
) -> Counter[str]:
    """Document types, near-duplicate clusters and structured extraction."""
    analyses = analyses or {}
    if rebuild is None:
        row = con.execute(sql("load/flow_of_run.sql"), [run_id]).fetchone()
        rebuild = bool(row and row[0] == "reparse")
    counts: Counter[str] = Counter()
    if rebuild:
        con.execute(sql("load/doctype_reset.sql"))
    counts["n_typed"] += clusters.update_doc_types(con, run_id, analyses)
    counts.update(clusters.update_clusters(con, run_id, analyses=analyses))
    extracted = update_extractions(con, run_id, rebuild=rebuild, analyses=analyses)
    counts.update({f"extract_{k}": v for k, v in extracted.items()})
    return counts
