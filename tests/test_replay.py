"""Day-by-day replay of the real state.gov press-release feed through the real ingest flow.

The snapshots in ../shared/corpora/state-gov-press-rss-2022 are served one day at a time by
readout_pipeline.replay.ReplaySite on 127.0.0.1 (feed + rendered pages, strong ETags, 304s), and
flows.ingest.ingest runs once per simulated day, followed by clusters.update_clusters and
clusters.update_doc_types. Twelve consecutive days (2022-03-10 .. 2022-03-22) include a
markup-only edit (day 38: a new fetch, no new version) and a text edit (day 41: a new version).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from readout_pipeline import clean, clusters, warehouse
from readout_pipeline.cli import prepare_prefect
from readout_pipeline.config import Source, config_from_sources
from readout_pipeline.doctype import DOC_TYPES
from readout_pipeline.fingerprint import content_hash
from readout_pipeline.replay import ReplaySite, load_snapshots, render_page

prepare_prefect()

from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from flows.ingest import ingest  # noqa: E402

CORPUS = Path(os.environ.get("READOUT_SHARED") or Path(__file__).resolve().parents[2] / "shared") / (
    "corpora/state-gov-press-rss-2022"
)
FIRST_DAY, N_DAYS = 36, 12

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CORPUS / "snapshots").is_dir(),
                       reason=f"reference corpus not found: {CORPUS} (set READOUT_SHARED)"),
]


@pytest.fixture(scope="module", autouse=True)
def prefect_api():
    with prefect_test_harness(server_startup_timeout=120):
        yield


def clean_hash(item) -> str:
    doc = clean.clean_html(render_page(item).decode(), item.link)
    return content_hash(doc.text)


def test_replay_day_by_day(tmp_path, capsys):
    snapshots = load_snapshots(CORPUS)
    figures = []
    with ReplaySite(snapshots, day=FIRST_DAY) as site:
        source = Source(id="state-gov-replay", name="state.gov press releases (replay)",
                        home=site.base_url + "/", feeds=[site.feed_url])
        config = config_from_sources([source], warehouse_dir=str(tmp_path / "wh"), min_delay_seconds=0.0,
                                     recheck_after_hours=0.0, backoff_base=0.01, clean_workers=1)
        served: dict[str, bytes] = {}  # path -> last rendered page the pipeline was served
        texts: dict[str, str] = {}  # path -> hash of the cleaned text of that page
        distinct_texts: set[str] = set()
        edited_paths: set[str] = set()
        for day in range(FIRST_DAY, FIRST_DAY + N_DAYS):
            site.day = day
            snap = site.snapshot
            changed = new_versions = 0
            for item in snap.items:
                body = render_page(item)
                if served.get(item.path) == body:
                    continue
                changed += 1
                h = clean_hash(item)
                if item.path in texts and texts[item.path] != h:
                    new_versions += 1
                    edited_paths.add(item.path)
                served[item.path] = body
                texts[item.path] = h
                distinct_texts.add(h)
            log_start = len(site.request_log)
            summary = ingest(config)
            c = summary.counts
            assert summary.status == "completed"
            # Only new or changed pages are downloaded; everything else answers 304 (ETag).
            assert c["n_fetched"] == changed
            assert c["n_not_modified"] == len(snap.items) - changed
            assert c["n_new_versions"] == new_versions
            assert c["n_failed"] == 0
            page_hits = [s for _, _, path, s in site.request_log[log_start:] if path not in ("/feed.rss", "/robots.txt")]
            assert sorted(page_hits) == sorted([200] * changed + [304] * (len(snap.items) - changed))

            with warehouse.WorkingDB(config.settings) as db:
                cluster_counts = clusters.update_clusters(db.con, summary.run_id)
                clusters.update_doc_types(db.con, summary.run_id)
                db.publish()
            con = duckdb.connect(str(config.settings.published_db), read_only=True)
            try:
                n_docs, n_hashes, n_urls, n_current, n_members, n_fp = con.execute(
                    "SELECT (SELECT count(*) FROM documents), (SELECT count(DISTINCT content_hash) FROM documents), "
                    "(SELECT count(DISTINCT url) FROM document_urls), "
                    "(SELECT count(*) FROM document_urls WHERE is_current), "
                    "(SELECT count(*) FROM cluster_members), (SELECT count(*) FROM document_fingerprints)").fetchone()
                # No duplication: one documents row per distinct text seen so far, one current row per URL.
                assert n_docs == n_hashes == len(distinct_texts)
                assert n_urls == n_current == len(served)
                assert n_members == n_fp == n_docs  # every document has a fingerprint and a cluster
                assert con.execute("SELECT count(*) FROM documents WHERE doc_type IS NULL").fetchone()[0] == 0
                assert {t for (t,) in con.execute("SELECT DISTINCT doc_type FROM documents").fetchall()} <= set(DOC_TYPES)
                versions = con.execute(
                    "SELECT count(*) FROM document_versions WHERE previous_doc_id IS NOT NULL").fetchone()[0]
            finally:
                con.close()
            figures.append((day, snap.day, len(snap.items), changed, c["n_fetched"], c["n_not_modified"],
                            c["n_new_documents"], c["n_new_versions"], versions, n_docs, cluster_counts["n_joined"]))

        # The edited item's versions are one statement: same cluster.
        assert edited_paths, "the replayed window should contain a text edit"
        con = duckdb.connect(str(config.settings.published_db), read_only=True)
        try:
            for path in edited_paths:
                rows = con.execute(
                    "SELECT DISTINCT m.cluster_id FROM document_urls u JOIN cluster_members m USING (doc_id) "
                    "WHERE u.url = ?", [site.base_url + path]).fetchall()
                n_docs = con.execute("SELECT count(*) FROM document_urls WHERE url = ?", [site.base_url + path]).fetchone()[0]
                assert n_docs == 2 and len(rows) == 1
        finally:
            con.close()

    with capsys.disabled():
        print("\nreplay day | date | feed items | new or changed pages | fetched | 304 | new documents | new versions | "
              "versions so far | documents | joined a cluster")
        for row in figures:
            print(" | ".join(str(v) for v in row))
