"""Day-by-day replay of the real state.gov press-release feed (issue 4, part 5), without Prefect.

Serves ../shared/corpora/state-gov-press-rss-2022 one snapshot (day) at a time from
readout_pipeline.replay.ReplaySite on 127.0.0.1 and runs the ingest steps the flow runs
(discover -> plan -> fetch+archive -> parse -> load), then clusters.update_clusters and
clusters.update_doc_types, once per day. Prints one row per day: feed items, new items, edited
items (rendered page changed), fetches (200), 304s, new documents, new versions, documents,
clusters and multi-document clusters; then the totals and the doc_type distribution.

Usage: .venv/bin/python bench/replay_state_gov.py [--days N] [--first I]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from readout_pipeline import clusters, pages, pipeline, warehouse
from readout_pipeline.config import Source, config_from_sources
from readout_pipeline.replay import ReplaySite, load_snapshots, render_page

CORPUS = "corpora/state-gov-press-rss-2022"


def shared_dir() -> Path | None:
    root = Path(os.environ.get("READOUT_SHARED") or Path(__file__).resolve().parents[2] / "shared")
    return root if (root / CORPUS / "snapshots").is_dir() else None


def ingest_day(con, config, source, run_id: str) -> Counter:
    """One ingest run of one source: what flows/ingest.crawl_sources does, minus Prefect."""
    counts: Counter = Counter()
    policy = pipeline.fetch_policy(config, source)
    found = pipeline.discover_source(source, policy)
    counts["n_discovered"] += len(found.links)
    planned = pipeline.plan_fetches(con, found, recheck_after_hours=config.settings.recheck_after_hours)
    fetched = pipeline.fetch_and_archive(planned, policy, config.settings.archive_dir)
    parsed = pages.parse_pages([(p, source.keywords) for p in fetched.pages], workers=1,
                               archive_dir=config.settings.archive_dir)
    warehouse.record_fetches(con, run_id, fetched.attempts, fetched.touches)
    counts.update(fetched.counts)
    counts.update(warehouse.load_pages(con, run_id, parsed))
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", type=int, default=0, help="first snapshot index")
    parser.add_argument("--days", type=int, default=0, help="number of days (0 = all)")
    args = parser.parse_args()
    root = shared_dir()
    if root is None:
        print("skipped: ../shared/corpora/state-gov-press-rss-2022 not found (set READOUT_SHARED)")
        return 0
    snapshots = load_snapshots(root / CORPUS)
    last = len(snapshots) if not args.days else min(len(snapshots), args.first + args.days)
    t0 = time.perf_counter()
    header = (f"{'day':>3} {'date':10} {'items':>5} {'new':>4} {'edited':>6} {'fetched':>7} {'304':>4} "
              f"{'new docs':>8} {'versions':>8} {'documents':>9} {'clusters':>8} {'multi':>5}")
    print(header)
    totals: Counter = Counter()
    with tempfile.TemporaryDirectory() as tmp, ReplaySite(snapshots, day=args.first) as site:
        source = Source(id="state-gov-replay", name="state.gov press releases (replay)", home=site.base_url + "/",
                        feeds=[site.feed_url])
        config = config_from_sources([source], warehouse_dir=tmp, min_delay_seconds=0.0, recheck_after_hours=0.0,
                                     backoff_base=0.01)
        served: dict[str, bytes] = {}
        with warehouse.WorkingDB(config.settings) as db:
            con = db.con
            for day in range(args.first, last):
                site.day = day
                snap = site.snapshot
                new = edited = 0
                for item in snap.items:
                    body = render_page(item)
                    if item.path not in served:
                        new += 1
                    elif served[item.path] != body:
                        edited += 1
                    served[item.path] = body
                run_id = f"replay-{day:03d}"
                warehouse.start_run(con, run_id, "replay", {"day": day})
                warehouse.upsert_sources(con, [source], run_id)
                c = ingest_day(con, config, source, run_id)
                clusters.update_clusters(con, run_id)
                clusters.update_doc_types(con, run_id)
                warehouse.finish_run(con, run_id, "completed", c)
                n_docs, n_clusters, n_multi = con.execute(
                    "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM duplicate_clusters), "
                    "(SELECT count(*) FROM duplicate_clusters WHERE n_documents > 1)").fetchone()
                print(f"{day:>3} {snap.day:10} {len(snap.items):>5} {new:>4} {edited:>6} {c['n_fetched']:>7} "
                      f"{c['n_not_modified']:>4} {c['n_new_documents']:>8} {c['n_new_versions']:>8} {n_docs:>9} "
                      f"{n_clusters:>8} {n_multi:>5}", flush=True)
                totals.update(items=len(snap.items), new=new, edited=edited, **c)
            types = con.execute("SELECT doc_type, count(*) FROM documents GROUP BY ALL ORDER BY 2 DESC").fetchall()
            multi = con.execute(
                "SELECT c.n_documents, d.title FROM duplicate_clusters c JOIN documents d ON d.doc_id = c.canonical_doc_id "
                "WHERE c.n_documents > 1 ORDER BY d.title").fetchall()
    elapsed = time.perf_counter() - t0
    print(f"total: {last - args.first} days, {totals['items']} feed items served, {totals['new']} new items, "
          f"{totals['edited']} edited, fetched {totals['n_fetched']}, 304 {totals['n_not_modified']}, "
          f"new documents {totals['n_new_documents']}, new versions {totals['n_new_versions']}, "
          f"failed {totals['n_failed']}; {elapsed:.1f} s")
    print("doc_type:", ", ".join(f"{t} {n}" for t, n in types))
    print(f"multi-document clusters ({len(multi)}):")
    for n, title in multi:
        print(f"  {n} x {title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
