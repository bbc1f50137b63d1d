"""Derived tables, refreshed at the end of every run before the snapshot is published.

Each step reads documents the run loaded and writes its own tables; all are incremental (they
only touch documents they have not processed) unless `rebuild` is asked for (`readout reparse`).
"""

from __future__ import annotations

from collections import Counter

import duckdb

from . import clusters


def update_derived(con: duckdb.DuckDBPyConnection, run_id: str, *, rebuild: bool = False) -> Counter[str]:
    """Document types and near-duplicate clusters for new documents."""
    counts: Counter[str] = Counter()
    counts["n_typed"] += clusters.update_doc_types(con, run_id)
    counts.update(clusters.update_clusters(con, run_id))
    return counts
