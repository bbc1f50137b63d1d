"""End to end: the real Prefect engine, the demo site on 127.0.0.1, a real DuckDB file."""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path

import duckdb
import pytest

from readout_pipeline.cli import prepare_prefect
from readout_pipeline.config import config_from_sources
from readout_pipeline.demo_site import DemoSite

prepare_prefect()

from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from flows.backfill import backfill  # noqa: E402
from flows.ingest import ingest  # noqa: E402
from flows.reparse import reparse  # noqa: E402
from flows.serve import build_deployments  # noqa: E402

TABLES = ("documents", "document_urls", "document_versions", "raw_pages", "url_state", "sources")


@pytest.fixture(scope="module", autouse=True)
def prefect_api():
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def site():
    with DemoSite(revision=1).start() as demo:
        yield demo


def demo_config(site: DemoSite, warehouse_dir: Path, **settings):
    base = dict(
        warehouse_dir=str(warehouse_dir), min_delay_seconds=0.0, recheck_after_hours=0.0,
        backoff_base=0.01, clean_workers=2, batch_size=8,
    )
    return config_from_sources(site.sources(), **{**base, **settings})


def table_counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


def test_ingest_edit_and_idempotent_rerun(site, tmp_path):
    facts = site.expected()
    config = demo_config(site, tmp_path / "wh")
    db = config.settings.published_db

    first = ingest(config)
    c = first.counts
    assert first.status == "completed"
    assert c["n_new_documents"] == facts["distinct_readouts"]
    assert c["n_duplicates"] == 1  # the joint statement republished on a second site
    assert c["n_filtered"] == 1  # the visa-centre press release has none of the keywords
    assert c["n_failed"] == 0
    counts = table_counts(db)
    assert counts["documents"] == facts["distinct_readouts"]
    assert counts["document_urls"] == facts["readout_pages"]
    assert counts["sources"] == 3
    con = duckdb.connect(str(db), read_only=True)
    # Derived tables are filled before the snapshot is published.
    assert con.execute("SELECT count(*) FROM documents WHERE doc_type IS NULL").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM cluster_members").fetchone()[0] == facts["distinct_readouts"]
    con.close()
    # robots.txt: the disallowed page is linked but never requested.
    requested = {path for _, _, path, _ in site.request_log}
    assert facts["disallowed_path"] not in requested
    assert any(path == "/robots.txt" for path in requested)

    site.revision = 2  # one page is edited
    second = ingest(config)
    c = second.counts
    assert c["n_new_versions"] == 1 and c["n_new_documents"] == 1
    assert c["n_fetched"] == 1  # everything else answered 304 Not Modified
    assert c["n_not_modified"] == facts["readout_pages"]  # 29 readouts + filtered page - edited page
    con = duckdb.connect(str(db), read_only=True)
    edited = con.execute(
        "SELECT v.url, v.chars_added FROM document_versions v WHERE previous_doc_id IS NOT NULL"
    ).fetchall()
    assert len(edited) == 1 and edited[0][0].endswith(facts["edited_path"]) and edited[0][1] > 0
    assert con.execute("SELECT count(*) FROM document_urls WHERE NOT is_current").fetchone()[0] == 1
    runs = con.execute("SELECT status, n_new_documents FROM runs ORDER BY started_at").fetchall()
    assert runs == [("completed", facts["distinct_readouts"]), ("completed", 1)]
    con.close()

    before = table_counts(db)
    log_before = len(site.request_log)
    third = ingest(config)
    assert third.counts["n_fetched"] == 0
    assert third.counts["n_new_documents"] == 0
    assert table_counts(db) == before
    statuses = [status for _, _, path, status in site.request_log[log_before:] if path.endswith(facts["edited_path"])]
    assert statuses == [304]

    # Reparse re-cleans the archive offline: same code, so nothing changes.
    log_before = len(site.request_log)
    again = reparse(config)
    assert again.counts["n_new_documents"] == 0 and again.counts["n_new_versions"] == 0
    assert again.counts["n_unchanged"] == facts["readout_pages"] + 0
    assert len(site.request_log) == log_before  # no network
    assert table_counts(db) == before


def test_reparse_skips_pages_whose_raw_body_is_damaged_or_missing_and_keeps_their_documents(tmp_path, site):
    from readout_pipeline import archive

    saved = tmp_path / "saved"
    saved.mkdir()
    for n in range(4):
        (saved / f"p{n}.txt").write_text(f"Joint statement {n} of the ministers on maritime security, agreed today.\n")
    config = demo_config(site, tmp_path / "wh")
    assert backfill(config, from_dir=saved).counts["n_new_documents"] == 4
    db = config.settings.published_db

    def state() -> dict[str, object]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return {
                "urls": con.execute("SELECT url, doc_id, is_current FROM document_urls ORDER BY url").fetchall(),
                "url_state": con.execute("SELECT url, last_outcome, doc_id, last_raw_sha256 FROM url_state "
                                         "ORDER BY url").fetchall(),
                "documents": con.execute("SELECT doc_id, text FROM documents ORDER BY doc_id").fetchall(),
            }
        finally:
            con.close()

    before = state()
    sha_of = {url: sha for url, _outcome, _doc, sha in before["url_state"]}
    damaged_url, missing_url = sorted(sha_of)[:2]
    archive.archive_path(config.settings.archive_dir, sha_of[damaged_url]).write_bytes(b"a disk error's bytes")
    archive.archive_path(config.settings.archive_dir, sha_of[missing_url]).unlink()

    summary = reparse(config)
    assert summary.status == "completed"
    assert summary.counts["n_failed"] == 2 and summary.counts["n_unchanged"] == 2
    refetch = "its next fetch is a full one, which archives it again"
    assert sorted(summary.problems) == sorted([
        f"{damaged_url}: raw body {sha_of[damaged_url]} in {config.settings.archive_dir} is corrupt "
        f"(not whole gzip data): skipped; the damaged file is now {sha_of[damaged_url]}.gz.damaged; {refetch}",
        f"{missing_url}: raw body {sha_of[missing_url]} is missing from the archive "
        f"{config.settings.archive_dir}: skipped; {refetch}",
    ])
    after = state()
    assert after["urls"] == before["urls"] and after["documents"] == before["documents"]
    # Nothing was recorded for the two skipped URLs: their crawl state is the backfill's.
    assert [row for row in after["url_state"] if row[0] in (damaged_url, missing_url)] == [
        row for row in before["url_state"] if row[0] in (damaged_url, missing_url)]


def test_a_damaged_or_missing_raw_body_is_fetched_in_full_again_and_the_archive_mends(tmp_path, site):
    """A run that finds a raw body damaged or missing moves the damaged file aside and drops the URL's
    validators: the next ingest gets the body with a full GET instead of a 304, archives it again, and
    a reparse after it reads every body."""
    from urllib.parse import urlsplit

    from readout_pipeline import archive

    config = demo_config(site, tmp_path / "wh")
    assert ingest(config).status == "completed"
    db = config.settings.published_db
    archive_dir = config.settings.archive_dir

    def url_state() -> dict[str, tuple]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            rows = con.execute("SELECT url, last_raw_sha256, etag, last_modified, doc_id FROM url_state "
                               "WHERE doc_id IS NOT NULL ORDER BY url").fetchall()
        finally:
            con.close()
        return {url: tuple(rest) for url, *rest in rows}

    before = url_state()
    damaged_url, missing_url = sorted(before)[:2]
    assert all(before[u][1] or before[u][2] for u in (damaged_url, missing_url))  # validators to send back
    damaged_file = archive.archive_path(archive_dir, before[damaged_url][0])
    damaged_file.write_bytes(b"a disk error's bytes")
    archive.archive_path(archive_dir, before[missing_url][0]).unlink()

    mended = reparse(config)
    assert mended.status == "completed" and mended.counts["n_failed"] == 2
    assert not damaged_file.exists()
    assert damaged_file.with_name(damaged_file.name + ".damaged").read_bytes() == b"a disk error's bytes"
    after = url_state()
    for url in (damaged_url, missing_url):  # validators dropped; the document and the rest stay
        assert after[url] == (before[url][0], None, None, before[url][3])
    assert {u: after[u] for u in after if u not in (damaged_url, missing_url)} == {
        u: before[u] for u in before if u not in (damaged_url, missing_url)}

    log_before = len(site.request_log)
    again = ingest(config)
    assert again.status == "completed" and again.counts["n_unchanged"] == 2
    statuses = {path: status for _key, _method, path, status in site.request_log[log_before:]}
    for url in before:  # the two in full, every other page with its validators
        assert statuses[urlsplit(url).path] == (200 if url in (damaged_url, missing_url) else 304), url
    for url in (damaged_url, missing_url):  # whole again, under the same name
        assert archive.body_sha256(archive.load(archive_dir, before[url][0])) == before[url][0]
    assert url_state() == before

    clean = reparse(config)
    assert clean.status == "completed" and clean.counts["n_failed"] == 0 and clean.problems == []


def test_a_run_that_reconnects_between_batches_loads_the_same(site, tmp_path, monkeypatch):
    """The working database is reopened every RECONNECT_EVERY_PAGES loaded pages (memory goes back):
    with a reopen after every batch, the run still loads everything through the new connection."""
    import flows.common
    from readout_pipeline import warehouse

    facts = site.expected()
    reopened = []
    reconnect = warehouse.WorkingDB.reconnect

    def counted(self):
        old = self.con
        reconnect(self)
        reopened.append(self.con is not old)

    monkeypatch.setattr(flows.common, "RECONNECT_EVERY_PAGES", 1)
    monkeypatch.setattr(warehouse.WorkingDB, "reconnect", counted)
    config = demo_config(site, tmp_path / "wh")
    summary = ingest(config)
    assert summary.status == "completed" and summary.counts["n_failed"] == 0
    assert summary.counts["n_new_documents"] == facts["distinct_readouts"]
    batches = -(-(facts["readout_pages"] + 2) // 8)  # fetched pages in batches of (at most) 8
    assert len(reopened) >= batches and all(reopened)
    counts = table_counts(config.settings.published_db)
    assert counts["documents"] == facts["distinct_readouts"]
    con = duckdb.connect(str(config.settings.published_db), read_only=True)
    assert con.execute("SELECT count(*) FROM documents WHERE doc_type IS NULL").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM cluster_members").fetchone()[0] == facts["distinct_readouts"]
    con.close()


def test_backfill_from_dir(tmp_path, site):
    saved = tmp_path / "saved"
    saved.mkdir()
    page = (
        "<html><head><title>Readout of the call with the Foreign Minister</title>"
        '<link rel="canonical" href="https://ministry.example/news/call-readout"></head>'
        "<body><article><p>The Minister spoke today with the Foreign Minister of Iraq about the "
        "Global Coalition and stabilization in areas liberated from Daesh.</p>"
        "<p>Both agreed to meet again in Baghdad next month to review progress on repatriation.</p>"
        "</article></body></html>"
    )
    (saved / "a.html").write_text(page, encoding="utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb") as gz:
        gz.write(page.replace("call-readout", "copy").encode())
    (saved / "b.html.gz").write_bytes(buf.getvalue())
    (saved / "c.txt").write_text("Joint statement on ISIS detention camps.\nThe ministers agreed.\n")
    (saved / "d.md").write_text("# Communiqué\n\nThe Small Group met in Madrid.\n")
    (saved / "ignored.pdf").write_bytes(b"%PDF-1.4")
    config = demo_config(site, tmp_path / "wh")
    summary = backfill(config, from_dir=saved)
    assert summary.counts["n_discovered"] == 4
    assert summary.counts["n_new_documents"] == 3  # a.html and b.html.gz hold the same text
    assert summary.counts["n_duplicates"] == 1
    con = duckdb.connect(str(config.settings.published_db), read_only=True)
    urls = sorted(r[0] for r in con.execute("SELECT url FROM document_urls").fetchall())
    con.close()
    assert "https://ministry.example/news/call-readout" in urls
    assert "https://ministry.example/news/copy" in urls
    assert any(u.startswith("file://") and u.endswith("c.txt") for u in urls)
    # Idempotent.
    again = backfill(config, from_dir=saved)
    assert again.counts["n_new_documents"] == 0 and again.counts["n_unchanged"] == 4


def test_a_saved_file_that_cannot_be_read_is_a_problem_of_the_run_not_its_end(tmp_path, site):
    import os

    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "a.txt").write_text("Joint statement of the ministers on maritime security, agreed in Geneva today.\n")
    odd = saved / os.fsdecode(b"caf\xe9.html.gz")  # a name that is not UTF-8, with a corrupt body
    odd.write_bytes(b"\x1f\x8b" + os.urandom(200))
    config = demo_config(site, tmp_path / "wh")
    summary = backfill(config, from_dir=saved)
    assert summary.status == "completed"
    assert summary.counts["n_new_documents"] == 1 and summary.counts["n_failed"] == 1
    assert summary.problems == [f"{saved}/caf\\xe9.html.gz: not readable gzip data: skipped"]
    con = duckdb.connect(str(config.settings.published_db), read_only=True)
    try:
        assert con.execute("SELECT status, n_failed, error FROM runs").fetchall() == [
            ("completed", 1, summary.problems[0])]
    finally:
        con.close()


def _warc_record_bytes(writer_gzip: bool, n: int) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=writer_gzip)
    body = (
        f"<html><head><title>Readout {n}</title></head><body><article><p>Readout number {n}: the ministers "
        "met to discuss maritime security, energy and humanitarian access, and agreed to meet again.</p>"
        "</article></body></html>"
    ).encode()
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(
        f"https://ministry.example/readout-{n}", "response", payload=io.BytesIO(body), http_headers=headers))
    return buf.getvalue()


def test_backfill_from_warc(tmp_path, site):
    warc = tmp_path / "crawl.warc.gz"
    warc.write_bytes(b"".join(_warc_record_bytes(True, n) for n in range(2)))
    config = demo_config(site, tmp_path / "wh")
    summary = backfill(config, from_warc=warc)
    assert summary.counts["n_new_documents"] == 2


def test_a_warc_that_breaks_off_fails_the_run_in_one_line_and_keeps_what_was_loaded(tmp_path, site):
    from readout_pipeline.errors import ConfigError

    warc = tmp_path / "crawl.warc.gz"
    good = b"".join(_warc_record_bytes(True, n) for n in range(10))
    warc.write_bytes(good + b"this is where the copy of the crawl was cut and overwritten\n" * 20)
    config = demo_config(site, tmp_path / "wh", batch_size=2)
    with pytest.raises(ConfigError, match=r"crawl\.warc\.gz: unreadable after record 10 \(no WARC record header there\)$"):
        backfill(config, from_warc=warc)
    con = duckdb.connect(str(config.settings.published_db), read_only=True)
    try:
        runs = con.execute("SELECT status, error FROM runs").fetchall()
        loaded = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        con.close()
    assert runs == [("failed", f"WARC file {warc}: unreadable after record 10 (no WARC record header there)")]
    assert 2 <= loaded < 10  # the batches loaded before the error are published; those in flight are not


def test_a_warc_record_cut_short_is_a_problem_of_the_run_not_a_page(tmp_path, site):
    warc = tmp_path / "crawl.warc"
    warc.write_bytes(b"".join(_warc_record_bytes(False, n) for n in range(3))[:-60])
    summary = backfill(demo_config(site, tmp_path / "wh"), from_warc=warc)
    assert summary.counts["n_new_documents"] == 2
    (problem,) = summary.problems
    assert re.fullmatch(r"crawl\.warc record 3 \(https://ministry\.example/readout-2\) is cut short "
                        r"\(\d+ bytes declared\): skipped", problem), problem


def test_a_publish_that_fails_after_the_run_keeps_its_pages_for_the_next_run(tmp_path, site, monkeypatch):
    from readout_pipeline import warehouse
    from readout_pipeline.errors import WarehouseError

    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "a.txt").write_text("Joint statement of the ministers on maritime security, agreed in Geneva today.\n")
    config = demo_config(site, tmp_path / "wh")
    publish = warehouse.WorkingDB.publish

    def checkpoint_fails(self):
        raise duckdb.IOException("IO Error: Could not write to file: No space left on device")

    monkeypatch.setattr(warehouse.WorkingDB, "publish", checkpoint_fails)
    with pytest.raises(WarehouseError) as failed:
        backfill(config, from_dir=saved)
    assert str(failed.value) == (
        "the run's pages are stored, but publishing them failed: the working database failed: IO Error: Could "
        "not write to file: No space left on device (analysts keep the snapshot before; the next run publishes them)"
    )
    assert not config.settings.published_db.exists()

    monkeypatch.setattr(warehouse.WorkingDB, "publish", publish)
    assert backfill(config, from_dir=saved).counts["n_unchanged"] == 1  # stored by the run before
    con = duckdb.connect(str(config.settings.published_db), read_only=True)
    try:
        assert [r[0] for r in con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()] == [
            "completed", "completed"]
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
    finally:
        con.close()


def test_a_run_out_of_database_memory_says_which_setting_to_raise_and_keeps_earlier_runs(tmp_path, site, monkeypatch):
    from readout_pipeline import warehouse
    from readout_pipeline.errors import WarehouseError

    saved = tmp_path / "saved"
    saved.mkdir()

    def save(name: str, topic: str) -> None:
        (saved / name).write_text(
            f"<html><head><title>Readout on {topic}</title></head><body><article><p>The Secretary met "
            f"the Foreign Minister today to discuss {topic}, regional security and humanitarian access, "
            "and both agreed to meet again next month.</p></article></body></html>", encoding="utf-8")

    config = demo_config(site, tmp_path / "wh")
    save("first.html", "trade")
    assert backfill(config, from_dir=saved).counts["n_new_documents"] == 1
    (saved / "first.html").unlink()
    save("second.html", "energy")
    # A loading limit far below what a load needs (DuckDB's JSON reader alone takes 32 MB): DuckDB's
    # own out-of-memory error, in the middle of a run.
    monkeypatch.setattr(warehouse, "loading_memory_mb", lambda documents, threads, cap: 8)
    with pytest.raises(WarehouseError, match=r"ran out of memory .*raise db_memory_mb under \[settings\] \(now 256 MB\)") as failed:
        backfill(config, from_dir=saved)
    assert isinstance(failed.value.__cause__, duckdb.OutOfMemoryException)
    assert "\n" not in str(failed.value)
    con = duckdb.connect(str(config.settings.published_db), read_only=True)
    try:
        runs = con.execute("SELECT status, error FROM runs ORDER BY started_at").fetchall()
        titles = [r[0] for r in con.execute("SELECT title FROM documents").fetchall()]
    finally:
        con.close()
    assert [status for status, _ in runs] == ["completed", "failed"]
    assert runs[1][1] == str(failed.value)  # the failure was recorded and published
    assert titles == ["Readout on trade"]  # the first run's document is still there


def test_when_recording_a_failed_run_fails_too_the_run_s_own_error_is_reported(tmp_path, site, monkeypatch):
    from readout_pipeline import warehouse
    from readout_pipeline.errors import WarehouseError

    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "a.txt").write_text("Joint statement of the ministers on maritime security.\n")

    def load_fails(*args, **kwargs):
        raise duckdb.IOException("IO Error: could not write file: No space left on device")

    def publish_fails(self):
        raise WarehouseError("cannot publish readouts.duckdb: No space left on device")

    monkeypatch.setattr(warehouse, "load_pages", load_fails)
    monkeypatch.setattr(warehouse.WorkingDB, "publish", publish_fails)
    with pytest.raises(WarehouseError, match="working database failed: IO Error: could not write") as failed:
        backfill(demo_config(site, tmp_path / "wh"), from_dir=saved)
    assert failed.value.__notes__ == [
        "recording the failed run failed too: cannot publish readouts.duckdb: No space left on device"
    ]


def test_serve_builds_a_cron_deployment_with_one_run_at_a_time():
    (deployment,) = build_deployments("/etc/readout/sources.toml", "0 */4 * * *")
    assert deployment.parameters["config_path"] == "/etc/readout/sources.toml"
    assert deployment.schedules[0].schedule.cron == "0 */4 * * *"
    assert deployment.concurrency_limit == 1


def test_backfill_window_uses_sitemap_lastmod(tmp_path, site):
    from datetime import UTC, datetime

    since = datetime(2025, 1, 1, tzinfo=UTC)
    expected = [
        p for p in site.expected()["pages"]
        if p["publisher"] == "coalition" and datetime.fromisoformat(p["published"]) >= since
    ]
    config = demo_config(site, tmp_path / "wh")
    summary = backfill(config, ["coalition"], since=since)
    assert summary.counts["n_discovered"] == len(expected) > 0
    assert summary.counts["n_new_documents"] == len(expected)
    con = duckdb.connect(str(config.settings.published_db), read_only=True)
    dates = [r[0] for r in con.execute("SELECT published_date FROM documents").fetchall()]
    con.close()
    assert min(dates) >= since.date()


def test_batches_reach_tasks_in_handoffs_that_the_task_empties(tmp_path):
    """A batch goes to a task in a Handoff (Prefect does not walk it looking for futures); the task
    takes the pages out, so the flow's Handoff no longer holds them once they are parsed."""
    from prefect import flow

    from flows.common import Handoff, parse_task
    from readout_pipeline.config import Settings
    from readout_pipeline.pages import DOC, RawPage

    body = b"<html><body><article><p>" + b"Ministers met in Amman to discuss the Coalition. " * 20 + b"</p></article></body></html>"
    page = RawPage(url="https://a.example/1", fetch_url="https://a.example/1", source_id="s", raw_sha256="0" * 64,
                   content_type="text/html", charset="utf-8", fetched_at=__import__("datetime").datetime.now(
                       __import__("datetime").UTC), body=body)
    settings = Settings(warehouse_dir=tmp_path / "wh", clean_workers=1)
    batch = Handoff([(page, [])])

    @flow
    def probe() -> list:
        return parse_task.submit(batch, settings).result().take()

    [parsed] = probe()
    assert parsed.outcome == DOC and parsed.analysis is not None
    assert batch._taken and batch._value is None
    with pytest.raises(RuntimeError):
        batch.take()
    batch.drop()  # dropping an emptied handoff is harmless


def test_batches_start_small_and_grow_to_the_batch_size():
    from flows.common import batched

    sizes = [len(chunk) for chunk in batched(range(1000), 200)]
    assert sizes == [16, 64, 200, 200, 200, 200, 120]
    assert [x for chunk in batched(range(1000), 200) for x in chunk] == list(range(1000))
    assert [len(c) for c in batched(range(5), 2)] == [2, 2, 1]
    assert [len(c) for c in batched(range(10), 200, start=3)] == [3, 7]
    assert list(batched([], 200)) == []
