"""Every warehouse path on a throwaway database: loads, dedup, versions, publish, the lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections import Counter
from datetime import UTC, datetime

import duckdb
import pytest

from readout_pipeline import archive, warehouse
from readout_pipeline.clean import CleanDoc
from readout_pipeline.config import Settings
from readout_pipeline.errors import WarehouseError
from readout_pipeline.fingerprint import content_hash, doc_id_for
from readout_pipeline.pages import DOC, FILTERED, ParsedPage, RawPage

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def parsed(url: str, text: str, source: str = "src-a", outcome: str = DOC, tmp_archive=None) -> ParsedPage:
    body = f"<html><body><p>{text}</p></body></html>".encode()
    sha = archive.body_sha256(body)
    raw = RawPage(
        url=url, fetch_url=url, source_id=source, raw_sha256=sha, content_type="text/html",
        charset="utf-8", fetched_at=T0, body=b"", size=len(body), etag='"e1"', last_modified=None,
    )
    doc = CleanDoc(title=text[:20], text=text, published_date=None, author=None, sitename=None,
                   language="en", canonical_url=None)
    if outcome != DOC:
        return ParsedPage(raw, outcome, doc=doc)
    digest = content_hash(text)
    return ParsedPage(raw, DOC, doc=doc, content_hash=digest, doc_id=doc_id_for(digest))


@pytest.fixture
def db(tmp_path):
    settings = Settings(warehouse_dir=tmp_path / "wh")
    with warehouse.WorkingDB(settings) as wdb:
        warehouse.start_run(wdb.con, "run-1", "test", {})
        yield wdb


def count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # test-only helper


def test_new_documents_and_exact_duplicates(db):
    con = db.con
    counts = warehouse.load_pages(con, "run-1", [
        parsed("https://a.example/1", "Ministers met in Rome to discuss the Coalition."),
        parsed("https://b.example/x", "Ministers met in Rome to discuss the Coalition.", source="src-b"),
        parsed("https://a.example/2", "A different readout of a call."),
    ])
    assert counts["n_new_documents"] == 2
    assert counts["n_duplicates"] == 1
    assert count(con, "documents") == 2
    assert count(con, "document_urls") == 3
    assert count(con, "document_versions") == 3  # first sightings
    first_src = con.execute("SELECT source_id FROM documents WHERE first_url = 'https://a.example/1'").fetchone()
    assert first_src == ("src-a",)


def test_rerun_adds_no_rows(db):
    con = db.con
    pages = [parsed("https://a.example/1", "Text one."), parsed("https://a.example/2", "Text two.")]
    warehouse.load_pages(con, "run-1", pages)
    before = {t: count(con, t) for t in ("documents", "document_urls", "document_versions", "raw_pages", "url_state")}
    counts = warehouse.load_pages(con, "run-1", pages)
    after = {t: count(con, t) for t in before}
    assert before == after
    assert counts == Counter({"n_unchanged": 2})


def test_changed_text_is_a_new_version_and_old_one_is_kept(db):
    con = db.con
    warehouse.load_pages(con, "run-1", [parsed("https://a.example/1", "The ministers met today.\nThey agreed.")])
    counts = warehouse.load_pages(con, "run-1", [parsed("https://a.example/1", "The ministers met today.\nThey agreed on a plan.")])
    assert counts["n_new_versions"] == 1 and counts["n_new_documents"] == 1
    assert count(con, "documents") == 2
    rows = con.execute(
        "SELECT previous_doc_id IS NOT NULL, chars_added, chars_removed FROM document_versions ORDER BY seen_at, previous_doc_id NULLS FIRST"
    ).fetchall()
    assert rows[0] == (False, None, None)
    assert rows[1][0] is True and rows[1][1] > 0
    current = con.execute("SELECT doc_id, is_current FROM document_urls ORDER BY first_seen_at, is_current").fetchall()
    assert sorted(flag for _, flag in current) == [False, True]
    state_doc = con.execute("SELECT doc_id FROM url_state WHERE url = 'https://a.example/1'").fetchone()[0]
    assert state_doc == doc_id_for(content_hash("The ministers met today.\nThey agreed on a plan."))


def test_filtered_page_is_recorded_but_not_loaded(db):
    con = db.con
    counts = warehouse.load_pages(con, "run-1", [parsed("https://a.example/fest", "Jazz festival", outcome=FILTERED)])
    assert counts == Counter({"n_filtered": 1})
    assert count(con, "documents") == 0
    assert con.execute("SELECT last_outcome FROM url_state").fetchone() == ("filtered",)


def test_fetch_log_and_not_modified_touch(db):
    con = db.con
    warehouse.load_pages(con, "run-1", [parsed("https://a.example/1", "Text one.")])
    attempt = {"url": "https://a.example/1", "source_id": "src-a", "attempt": 1, "started_at": T0,
               "elapsed_ms": 5, "http_status": 304, "bytes": 0, "outcome": "not_modified", "error": None}
    touch = {"url": "https://a.example/1", "fetch_url": "https://a.example/1", "source_id": "src-a",
             "lastmod": None, "fetched_at": datetime(2025, 3, 2, tzinfo=UTC), "status": 304,
             "outcome": "not_modified", "failed": False}
    warehouse.record_fetches(con, "run-1", [attempt], [touch])
    assert con.execute("SELECT run_id, http_status FROM fetch_log").fetchall() == [("run-1", 304)]
    seen = con.execute("SELECT last_seen_at FROM document_urls").fetchone()[0]
    assert seen == datetime(2025, 3, 2, tzinfo=UTC)
    # The validators of the 200 survive a 304.
    assert con.execute("SELECT etag, last_outcome FROM url_state").fetchone() == ('"e1"', "not_modified")


def test_failures_count_up_and_reset(db):
    con = db.con
    fail = {"url": "https://a.example/9", "fetch_url": "https://a.example/9", "source_id": "src-a",
            "lastmod": None, "fetched_at": T0, "status": 503, "outcome": "http_error", "failed": True}
    warehouse.record_fetches(con, "run-1", [], [fail])
    warehouse.record_fetches(con, "run-1", [], [fail])
    assert con.execute("SELECT consecutive_failures FROM url_state").fetchone() == (2,)
    warehouse.load_pages(con, "run-1", [parsed("https://a.example/9", "Back again.")])
    assert con.execute("SELECT consecutive_failures FROM url_state").fetchone() == (0,)


def test_migrations_apply_once(db):
    assert warehouse.migrate(db.con) == []
    applied = {r[0] for r in db.con.execute("SELECT version FROM schema_migrations").fetchall()}
    assert "001_core.sql" in applied


def test_second_writer_is_refused_with_one_line(tmp_path):
    settings = Settings(warehouse_dir=tmp_path / "wh")
    with warehouse.WorkingDB(settings):
        with pytest.raises(WarehouseError, match="another run is writing"):
            warehouse.WorkingDB(settings).open()


def test_unusable_warehouse_dir_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(WarehouseError, match="cannot use warehouse directory"):
        warehouse.WorkingDB(Settings(warehouse_dir=blocker / "wh")).open()


READER = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    print(con.execute("SELECT count(*) FROM documents").fetchone()[0], flush=True)
    sys.stdin.readline()          # hold the file open until told to go on
    print(con.execute("SELECT count(*) FROM documents").fetchone()[0], flush=True)
    """
)


def test_publish_while_an_analyst_holds_the_file_open(tmp_path):
    settings = Settings(warehouse_dir=tmp_path / "wh")
    with warehouse.WorkingDB(settings) as wdb:
        warehouse.start_run(wdb.con, "r1", "test", {})
        warehouse.load_pages(wdb.con, "r1", [parsed("https://a.example/1", "One.")])
        wdb.publish()
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(settings.published_db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "1"
        with warehouse.WorkingDB(settings) as wdb:  # a run while the analyst's connection is open
            warehouse.start_run(wdb.con, "r2", "test", {})
            warehouse.load_pages(wdb.con, "r2", [parsed("https://a.example/2", "Two.")])
            wdb.publish()
        reader.stdin.write("\n")
        reader.stdin.flush()
        # The analyst keeps a consistent view of the snapshot they opened.
        assert reader.stdout.readline().strip() == "1"
    finally:
        reader.stdin.close()
        reader.wait(timeout=10)
    con = duckdb.connect(str(settings.published_db), read_only=True)
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 2
    con.close()


def test_working_copy_is_restored_from_the_published_snapshot(tmp_path):
    settings = Settings(warehouse_dir=tmp_path / "wh")
    with warehouse.WorkingDB(settings) as wdb:
        warehouse.start_run(wdb.con, "r1", "test", {})
        warehouse.load_pages(wdb.con, "r1", [parsed("https://a.example/1", "One.")])
        wdb.publish()
    settings.work_db.unlink()
    with warehouse.WorkingDB(settings) as wdb:
        assert count(wdb.con, "documents") == 1


def test_abandoned_runs_are_marked_failed(db):
    assert warehouse.mark_abandoned_runs(db.con) == 1
    assert db.con.execute("SELECT status, error FROM runs WHERE run_id = 'run-1'").fetchone()[0] == "failed"


def test_archive_round_trip_and_hash_names(tmp_path):
    sha = archive.store(tmp_path, b"<html>body</html>")
    assert archive.archive_path(tmp_path, sha).name == f"{sha}.gz"
    assert archive.load(tmp_path, sha) == b"<html>body</html>"
    assert archive.store(tmp_path, b"<html>body</html>") == sha  # idempotent
    with pytest.raises(ValueError):
        archive.archive_path(tmp_path, "../../etc/passwd")


def test_list_parameters_travel_as_json_and_come_back_typed():
    con = duckdb.connect()
    values = warehouse.params(["a\"b", "é", None], [2**64 - 1, 0], [datetime(2025, 1, 2, tzinfo=UTC).date(), None],
                              [[1, 2], [3]], "scalar", 7)
    row = con.execute(
        "SELECT ?::JSON::VARCHAR[], ?::JSON::UBIGINT[], ?::JSON::DATE[], ?::JSON::UINTEGER[][], ?, ?", values
    ).fetchone()
    assert row == (["a\"b", "é", None], [2**64 - 1, 0], [datetime(2025, 1, 2).date(), None], [[1, 2], [3]], "scalar", 7)


def test_no_sql_binds_a_list_parameter_value_by_value():
    """Every list parameter in sql/ is read back from JSON (warehouse.params): binding Python lists
    directly costs about 80 us per value in DuckDB's client."""
    import re

    from readout_pipeline.warehouse import SQL_DIR

    direct = re.compile(r"(?:\?|\$\d+)::[A-Z]+\[\]")
    offenders = [str(p) for p in SQL_DIR.rglob("*.sql") if direct.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_publish_rebuilds_the_search_index_only_when_the_documents_changed(tmp_path):
    from readout_pipeline import search

    settings = Settings(warehouse_dir=tmp_path / "wh")
    state = "SELECT n_documents, built_at FROM search_index_state"
    with warehouse.WorkingDB(settings) as wdb:
        warehouse.start_run(wdb.con, "r1", "test", {})
        warehouse.load_pages(wdb.con, "r1", [parsed("https://a.example/1", "Ministers met in Amman.")])
        wdb.publish()
        first = wdb.con.execute(state).fetchone()
        wdb.publish()  # nothing new: the index stays as it was
        assert wdb.con.execute(state).fetchone() == first
        warehouse.load_pages(wdb.con, "r1", [parsed("https://a.example/2", "Ministers met in Riyadh.")])
        wdb.publish()
        n, built_at = wdb.con.execute(state).fetchone()
        assert n == 2 and built_at > first[1]
    con = duckdb.connect(str(settings.published_db), read_only=True)
    search.load_fts(con)
    assert [h.url for h in search.search(con, "Riyadh")] == ["https://a.example/2"]
    con.close()


def _rows_scanned(con, table: str, query: str, params: list) -> int:
    """Rows the scan of `table` passed on, from DuckDB's profile of `query` (a sql/ file's text)."""
    import json

    plan = json.loads(con.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query, params).fetchall()[0][1])
    stack, scanned = [plan], []
    while stack:
        node = stack.pop()
        if node.get("operator_name", "").strip() == "SEQ_SCAN" and node.get("extra_info", {}).get("Table") == table:
            scanned.append(node["operator_cardinality"])
        stack.extend(node.get("children", []))
    assert len(scanned) == 1, plan
    return scanned[0]


@pytest.mark.parametrize("lookup", ["texts_for_doc_ids", "clusters_doc_dates", "extract_docs_by_id"])
def test_a_batch_lookup_reads_only_the_batch_rows(db, lookup):
    """The writer looks documents up by a batch of doc_ids (more than DuckDB's default 50 keys for a
    join filter): the documents scan passes on those rows only, so their text is read and not the
    whole text column (bench/writer_lookups.py: 0.26 x the cold time at 100,000 documents)."""
    con = db.con
    batch = [parsed(f"https://a.example/{i}", f"Readout number {i} of a call between ministers.") for i in range(600)]
    warehouse.load_pages(con, "run-1", batch)
    wanted = sorted(p.doc_id for p in batch[100:300])
    query = warehouse.sql(f"load/{lookup}.sql")
    assert sorted(r[0] for r in con.execute(query, warehouse.params(wanted)).fetchall()) == wanted
    assert _rows_scanned(con, "documents", query, warehouse.params(wanted)) == len(wanted)
    # With DuckDB's default threshold the same lookup scans (nearly) the whole table.
    con.execute("RESET dynamic_or_filter_threshold")
    assert _rows_scanned(con, "documents", query, warehouse.params(wanted)) > 2 * len(wanted)


def test_the_writer_threads_limit_holds_across_reconnects_and_is_given_back(db):
    def threads() -> int:
        return db.con.execute("SELECT current_setting('threads')").fetchone()[0]

    default = threads()
    db.use_threads(1)
    assert threads() == 1
    db.reconnect()  # a long run reopens the database: the limit stays
    assert threads() == 1
    db.use_threads(None)
    assert threads() == default
    db.reconnect()
    assert threads() == default


def test_the_writer_memory_limit_holds_across_reconnects_and_is_given_back(db):
    def limit() -> str:
        return db.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]

    configured = limit()
    db.use_memory(96)
    limited = limit()
    assert limited != configured
    db.reconnect()  # a long run reopens the database: the limit stays
    assert limit() == limited
    db.use_memory(None)
    assert limit() == configured
    db.reconnect()
    assert limit() == configured


def test_a_memory_limit_duckdb_refuses_leaves_the_one_before(db):
    def limit() -> str:
        return db.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]

    db.use_memory(96)
    before = limit()
    # An index DuckDB cannot evict: a 2 MB limit is below what it holds.
    db.con.execute("CREATE TEMP TABLE held (k VARCHAR PRIMARY KEY)")
    db.con.execute("INSERT INTO held SELECT 'key-' || i FROM range(100000) t(i)")
    with pytest.raises(duckdb.OutOfMemoryException):
        db.use_memory(2)
    assert db.memory_mb == 96 and limit() == before  # DuckDB alone would keep the refused 2 MB
    db.con.execute("DROP TABLE held")
    db.reconnect()
    assert limit() == before


def test_the_loading_memory_limit_grows_with_writer_threads_and_documents_and_stays_under_the_cap():
    from readout_pipeline.warehouse import loading_memory_mb

    small = loading_memory_mb(0, 1, 256)
    assert small == loading_memory_mb(0, 0, 256) >= 64  # a read_json buffer (32 MB) and room besides
    assert loading_memory_mb(0, 2, 256) == 2 * small  # each writer thread takes its own buffers
    # a load at 100,000 documents failed under 100 MB (the indexes stay in memory) and passed at 128
    assert 128 <= loading_memory_mb(100_000, 1, 256) < 256
    assert loading_memory_mb(1_000_000, 1, 256) == 256  # never above the configured limit


def test_the_writer_sets_its_loading_limit_from_the_documents_it_holds(db):
    from readout_pipeline.warehouse import loading_memory_mb

    def limit_mb() -> str:
        return db.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]

    warehouse.load_pages(db.con, "run-1", [parsed(f"https://a.example/{i}", f"Text {i}.") for i in range(3)])
    assert db.use_loading_memory(1) == loading_memory_mb(3, 1, db.settings.db_memory_mb)
    at_one_thread = limit_mb()
    assert db.use_loading_memory(4) == loading_memory_mb(3, 4, db.settings.db_memory_mb)
    assert limit_mb() != at_one_thread
    db.reconnect()  # a long run reopens the database: the limit stays
    assert limit_mb() != at_one_thread
