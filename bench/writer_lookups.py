"""The writer's per-batch lookups on a large warehouse: DuckDB's default against the writer's setting.

    .venv/bin/python bench/writer_lookups.py --warehouse DIR [--batch 200] [--repeat 5]

DIR is a warehouse built by `bench/warehouse_scale.py --keep DIR` (100,000 documents by default).
Each batch an ingest loads, the single writer looks rows up by a list of keys (the batch's doc_ids,
URLs, cluster ids) with the SQL files in sql/load/. DuckDB turns such a join into a filter on the
scanned table only up to `dynamic_or_filter_threshold` keys (50 by default); with more, it scans the
whole table, text column included. The writer raises the threshold (warehouse.JOIN_FILTER_KEYS).
This times every such lookup on a copy of the published file, cold (a new connection, the first
run) and warm (best of --repeat), both ways in the same process, and prints the ratio. Results are
checked to be identical.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

# (sql/load file, how to bind it): a JSON list of keys of the given kind, or ("unfingerprinted",):
# the fingerprint version and the batch size of the clustering step, on a copy where the documents
# of one ingest batch have no fingerprint yet.
LOOKUPS = (
    ("load/clusters_unfingerprinted.sql", "unfingerprinted"),
    ("load/texts_for_doc_ids.sql", "doc_id"),
    ("load/existing_doc_ids.sql", "doc_id"),
    ("load/clusters_doc_dates.sql", "doc_id"),
    ("load/clusters_member_of.sql", "doc_id"),
    ("load/extract_docs_by_id.sql", "doc_id"),
    ("load/current_doc_for_urls.sql", "url"),
    ("load/clusters_members_of_clusters.sql", "cluster_id"),
)


def keys(con, kind: str, n: int, rng: random.Random) -> list[str]:
    query = {
        "doc_id": "SELECT doc_id FROM documents",
        "url": "SELECT url FROM url_state",
        "cluster_id": "SELECT cluster_id FROM duplicate_clusters",
    }[kind]
    values = [r[0] for r in con.execute(query).fetchall()]  # bench-only: fixed SQL, no parameters
    return rng.sample(values, min(n, len(values)))


def timed(path: Path, threshold: int | None, sql_text: str, param: list, repeat: int) -> tuple[float, float, list]:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        if threshold is not None:
            con.execute("SET dynamic_or_filter_threshold = ?", [threshold])
        cold, warm, rows = common.cold_and_warm(lambda: con.execute(sql_text, param).fetchall(), repeat)
    finally:
        con.close()
    return cold, warm, sorted(rows, key=repr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", type=Path, required=True, help="directory kept by warehouse_scale.py --keep")
    ap.add_argument("--batch", type=int, default=200, help="keys per lookup (the pipeline's batch size)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from readout_pipeline import clusters, neardup, warehouse

    published = args.warehouse / "readouts.duckdb"
    if not published.is_file():
        print(f"no warehouse at {published}: build one with bench/warehouse_scale.py --keep {args.warehouse}")
        return 1
    import duckdb

    with tempfile.TemporaryDirectory(prefix="readout-bench-") as tmpdir:
        path = Path(tmpdir) / "copy.duckdb"
        shutil.copyfile(published, path)
        con = duckdb.connect(str(path))
        n_docs = con.execute("SELECT count(*) FROM documents").fetchone()[0]
        rng = random.Random(7)
        params = {kind: [json.dumps(keys(con, kind, args.batch, rng))] for kind in ("doc_id", "url", "cluster_id")}
        # One ingest batch of documents loaded but not fingerprinted yet, spread over the table.
        con.execute(warehouse.sql("load/clusters_delete_fingerprints.sql"),
                    warehouse.params(keys(con, "doc_id", args.batch, rng)))
        con.execute("CHECKPOINT")
        con.close()
        params["unfingerprinted"] = [neardup.FINGERPRINT_VERSION, clusters.BATCH_SIZE]
        common.header(f"writer lookups: {n_docs} documents, {args.batch} keys per lookup")
        print("| lookup | DuckDB default cold ms | writer cold ms | default warm ms | writer warm ms | warm ratio |")
        print("|---|---|---|---|---|---|")
        totals = [0.0, 0.0, 0.0, 0.0]
        for name, kind in LOOKUPS:
            text = warehouse.sql(name)
            base_cold, base_warm, base_rows = timed(path, None, text, params[kind], args.repeat)
            new_cold, new_warm, new_rows = timed(path, warehouse.JOIN_FILTER_KEYS, text, params[kind], args.repeat)
            if base_rows != new_rows:
                print(f"{name}: results differ")
                return 1
            for i, v in enumerate((base_cold, new_cold, base_warm, new_warm)):
                totals[i] += v
            print(f"| {name} | {1000 * base_cold:.1f} | {1000 * new_cold:.1f} | {1000 * base_warm:.1f} | "
                  f"{1000 * new_warm:.1f} | {new_warm / base_warm:.2f} |")
        print(f"| all | {1000 * totals[0]:.0f} | {1000 * totals[1]:.0f} | {1000 * totals[2]:.0f} | "
              f"{1000 * totals[3]:.0f} | {totals[3] / totals[2]:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
