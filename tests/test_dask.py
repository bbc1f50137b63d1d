"""Scale-out: the ingest flow with its cleaning on a local Dask cluster of two worker processes
gives the same warehouse as the default runner (demo site on 127.0.0.1, real Prefect engine)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from readout_pipeline import archive
from readout_pipeline.cli import prepare_prefect
from readout_pipeline.config import config_from_sources
from readout_pipeline.demo_site import DemoSite

prepare_prefect()

from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from flows.ingest import ingest  # noqa: E402
from flows.reparse import reparse  # noqa: E402
from flows.runners import RunnerChoice, allow_worker_children, make_task_runner, with_runner  # noqa: E402

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module", autouse=True)
def prefect_api():
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="module")
def cluster():
    allow_worker_children()  # workers start the limited cleaning processes
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


def demo_config(site: DemoSite, warehouse_dir: Path):
    return config_from_sources(
        site.sources(), warehouse_dir=str(warehouse_dir), min_delay_seconds=0.0, recheck_after_hours=0.0,
        backoff_base=0.01, clean_workers=2, batch_size=4,
    )


def snapshot(db: Path) -> dict[str, object]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "documents": con.execute("SELECT doc_id, title, text, doc_type FROM documents ORDER BY doc_id").fetchall(),
            "urls": con.execute("SELECT url, doc_id, is_current FROM document_urls ORDER BY url").fetchall(),
            "url_state": con.execute("SELECT url, last_outcome, doc_id FROM url_state ORDER BY url").fetchall(),
            "clusters": con.execute("SELECT count(*) FROM cluster_members").fetchone()[0],
        }
    finally:
        con.close()


def test_ingest_on_a_two_worker_dask_cluster_matches_the_default_runner(cluster, tmp_path):
    with DemoSite(revision=1).start() as site:
        facts = site.expected()
        default_cfg = demo_config(site, tmp_path / "default")
        dask_cfg = demo_config(site, tmp_path / "dask")

        expected = ingest(default_cfg)
        on_dask = with_runner(ingest, RunnerChoice("dask", cluster.scheduler_address))
        got = on_dask(dask_cfg)

        assert got.status == expected.status == "completed"
        assert got.counts == expected.counts
        assert got.counts["n_new_documents"] == facts["distinct_readouts"]
        assert snapshot(dask_cfg.settings.published_db) == snapshot(default_cfg.settings.published_db)
        # The cleaning ran on the cluster's workers, not in the flow process.
        assert "parse_task" in cluster.scheduler.task_prefixes

        # A re-run on the cluster: every page answers 304, nothing is parsed or added.
        again = on_dask(dask_cfg)
        assert again.counts["n_fetched"] == 0 and again.counts["n_new_documents"] == 0
        assert again.counts["n_not_modified"] == expected.counts["n_fetched"]
        assert ingest(default_cfg).counts == again.counts  # the same history in both warehouses

    # A reparse with one raw body damaged in both archives: the flow reads the bodies it sends to
    # Dask, and skips the damaged one as the local workers do.
    con = duckdb.connect(str(default_cfg.settings.published_db), read_only=True)
    (sha,) = con.execute("SELECT last_raw_sha256 FROM url_state WHERE doc_id IS NOT NULL ORDER BY url LIMIT 1").fetchone()
    con.close()
    for cfg in (default_cfg, dask_cfg):
        archive.archive_path(cfg.settings.archive_dir, sha).write_bytes(b"a disk error's bytes")
    expected = reparse(default_cfg)
    got = with_runner(reparse, RunnerChoice("dask", cluster.scheduler_address))(dask_cfg)
    assert got.counts == expected.counts and got.counts["n_failed"] == 1
    assert [p.replace(str(dask_cfg.settings.archive_dir), "ARCHIVE") for p in got.problems] == [
        p.replace(str(default_cfg.settings.archive_dir), "ARCHIVE") for p in expected.problems]
    assert f"raw body {sha} in ARCHIVE is corrupt" in got.problems[0].replace(str(dask_cfg.settings.archive_dir), "ARCHIVE")
    assert snapshot(dask_cfg.settings.published_db) == snapshot(default_cfg.settings.published_db)


def test_a_flow_on_dask_sizes_its_batches_by_the_cluster_before_its_first_task(cluster):
    """A flow's batch pipeline asks how many batches to keep in flight, and whether bodies travel
    with them, before it submits anything: prefect-dask connects only on first use, and the flow
    took a Dask run for a local one (one batch in flight, bodies left for workers to read from the
    archive, which workers on other machines cannot)."""
    from prefect import flow

    from flows.runners import parallelism

    @flow
    def probe() -> tuple[int, int | None]:
        return parallelism()

    assert with_runner(probe, RunnerChoice("dask", cluster.scheduler_address))() == (3, 1)  # 2 threads + 1
    assert probe() == (1, None)


def test_runner_choice():
    assert make_task_runner(RunnerChoice()) is None
    assert type(make_task_runner(RunnerChoice("dask", "tcp://127.0.0.1:8786"))).__name__ == "DaskTaskRunner"
    with pytest.raises(ValueError):
        RunnerChoice("spark")
    with pytest.raises(ValueError):
        RunnerChoice("default", "tcp://127.0.0.1:8786")


def test_cli_accepts_the_task_runner_options():
    from readout_pipeline.cli import _runner_choice, build_parser
    from readout_pipeline.errors import ConfigError

    args = build_parser().parse_args(["ingest", "--task-runner", "dask", "--dask-address", "tcp://h:8786"])
    assert _runner_choice(args) == RunnerChoice("dask", "tcp://h:8786")
    args = build_parser().parse_args(["backfill", "--from-dir", ".", "--dask-address", "tcp://h:8786"])
    with pytest.raises(ConfigError):
        _runner_choice(args)
    assert build_parser().parse_args(["reparse"]).task_runner == "default"
