"""update_extractions on a throwaway warehouse: rows, offsets into documents.text, versions, rebuild."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from readout_pipeline import archive, warehouse
from readout_pipeline.clean import CleanDoc
from readout_pipeline.config import Settings
from readout_pipeline.extract import EXTRACTOR_VERSION, TABLES
from readout_pipeline.extract import load as extract_load
from readout_pipeline.fingerprint import content_hash, doc_id_for
from readout_pipeline.pages import DOC, ParsedPage, RawPage

T0 = datetime(2022, 5, 11, 12, 0, tzinfo=UTC)

READOUT = (
    "The Ministers of the Global Coalition to Defeat Daesh/ISIS reconvened in Marrakesh, Morocco, today at the "
    "invitation of Moroccan Foreign Minister Nasser Bourita and U.S. Secretary of State Antony J. Blinken. "
    "The Ministers saluted the entry of Benin into the Defeat Daesh/ISIS Coalition. Partners have pledged more "
    "than $600 million for stabilization. They condemned the ISIS-Khorasan attacks in Afghanistan."
)
CALL = (
    "Secretary of State Antony J. Blinken spoke yesterday with Turkish Foreign Minister Mevlut Cavusoglu about "
    "NATO unity. Secretary Blinken and Foreign Minister Cavusoglu discussed Türkiye’s role."
)


def parsed(url: str, text: str, published: date | None) -> ParsedPage:
    body = f"<html><body><p>{text}</p></body></html>".encode()
    raw = RawPage(url=url, fetch_url=url, source_id="src-a", raw_sha256=archive.body_sha256(body),
                  content_type="text/html", charset="utf-8", fetched_at=T0, body=b"", size=len(body))
    doc = CleanDoc(title=None, text=text, published_date=published, author=None, sitename=None,
                   language="en", canonical_url=None)
    digest = content_hash(text)
    return ParsedPage(raw, DOC, doc=doc, content_hash=digest, doc_id=doc_id_for(digest))


@pytest.fixture
def db(tmp_path):
    with warehouse.WorkingDB(Settings(warehouse_dir=tmp_path / "wh")) as wdb:
        warehouse.start_run(wdb.con, "run-1", "test", {})
        warehouse.load_pages(wdb.con, "run-1", [
            parsed("https://a.example/communique", READOUT, date(2022, 5, 11)),
            parsed("https://a.example/call", CALL, date(2022, 2, 9)),
        ])
        yield wdb.con


def rows(con, sql_text: str):
    return con.execute(sql_text).fetchall()  # test-only helper


def test_rows_and_offsets_point_into_documents_text(db):
    counts = extract_load.update_extractions(db, "run-x")
    assert counts["documents"] == 2
    assert all(counts[t] == rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES)
    texts = dict(rows(db, "SELECT doc_id, text FROM documents"))
    for table, col in (("country_mentions", "mention"), ("organization_mentions", "mention"), ("amounts", "mention"),
                       ("topics", "evidence")):
        found = rows(db, f"SELECT doc_id, {col}, start_char, end_char, extractor_version, run_id FROM {table}")
        assert found, table
        for doc_id, mention, s, e, version, run_id in found:
            assert texts[doc_id][s:e] == mention
            assert (version, run_id) == (EXTRACTOR_VERSION, "run-x")
    for doc_id, name, s, e in rows(db, "SELECT doc_id, name, start_char, end_char FROM person_mentions"):
        assert set(texts[doc_id][s:e].split()) <= set(name.split())
    for doc_id, code, s, e in rows(db, "SELECT doc_id, country_code, start_char, end_char FROM membership_events"):
        assert texts[doc_id][s:e] == "Benin" and code == "BEN"


def test_values_land_typed(db):
    extract_load.update_extractions(db, "run-x")
    meetings = {r[0]: r[1:] for r in rows(db, "SELECT format, meeting_date, city, country_code, is_virtual, "
                                              "host_country_codes FROM meetings")}
    assert meetings["ministerial"] == (date(2022, 5, 11), "Marrakesh", "MAR", False, ["MAR", "USA"])
    assert meetings["bilateral call"][0] == date(2022, 2, 8)  # "yesterday" against the publication date
    assert rows(db, "SELECT value, currency FROM amounts") == [(600e6, "USD")]
    people = {r[0]: r[1:] for r in rows(db, "SELECT DISTINCT name, country_code, role FROM person_mentions")}
    assert people["Mevlut Cavusoglu"] == ("TUR", "participant")
    assert people["Nasser Bourita"] == ("MAR", "host")
    codes = {r[0] for r in rows(db, "SELECT country_code FROM country_mentions")}
    assert {"TUR", "MAR", "USA", "BEN", "AFG"} <= codes


def test_incremental_then_rebuild(db):
    first = extract_load.update_extractions(db, "run-x")
    again = extract_load.update_extractions(db, "run-y")
    assert again["documents"] == 0 and sum(again.values()) == 0
    before = {t: rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}
    rebuilt = extract_load.update_extractions(db, "run-z", rebuild=True)
    assert rebuilt == first
    after = {t: rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}
    assert before == after
    assert rows(db, "SELECT DISTINCT run_id FROM country_mentions") == [("run-z",)]
    assert rows(db, "SELECT count(*), min(run_id) FROM document_extractions") == [(2, "run-z")]


def test_old_version_rows_are_replaced(db):
    extract_load.update_extractions(db, "run-x")
    db.execute("UPDATE document_extractions SET extractor_version = 'extract-0'")
    db.execute("UPDATE topics SET extractor_version = 'extract-0'")
    counts = extract_load.update_extractions(db, "run-y")
    assert counts["documents"] == 2
    assert rows(db, "SELECT DISTINCT extractor_version, run_id FROM topics") == [(EXTRACTOR_VERSION, "run-y")]


def test_doc_ids_limit_the_work(db):
    doc_id = rows(db, "SELECT doc_id FROM documents ORDER BY doc_id LIMIT 1")[0][0]
    counts = extract_load.update_extractions(db, "run-x", doc_ids=[doc_id])
    assert counts["documents"] == 1
    assert rows(db, "SELECT DISTINCT doc_id FROM country_mentions") == [(doc_id,)]


def test_failure_rolls_back_everything(db, monkeypatch):
    extract_load.update_extractions(db, "run-x")
    before = rows(db, "SELECT count(*) FROM country_mentions")

    def boom(*a, **k):
        raise RuntimeError("extractor crashed")

    monkeypatch.setattr(extract_load, "extract", boom)
    with pytest.raises(RuntimeError):
        extract_load.update_extractions(db, "run-y", rebuild=True)
    assert rows(db, "SELECT count(*) FROM country_mentions") == before
    assert rows(db, "SELECT DISTINCT run_id FROM document_extractions") == [("run-x",)]


def test_a_failed_batch_keeps_every_document_whole(db, monkeypatch):
    """A transaction per batch: the batches before a failure stay done, the failed one rolls back."""
    extract_load.update_extractions(db, "run-x")
    monkeypatch.setattr(extract_load, "BATCH", 1)
    real = extract_load.extract
    seen = []

    def second_fails(doc_id, *a, **k):
        seen.append(doc_id)
        if len(seen) == 2:
            raise RuntimeError("extractor crashed")
        return real(doc_id, *a, **k)

    monkeypatch.setattr(extract_load, "extract", second_fails)
    with pytest.raises(RuntimeError):
        extract_load.update_extractions(db, "run-y", rebuild=True)
    first, second = seen
    assert rows(db, "SELECT doc_id, run_id FROM document_extractions ORDER BY run_id") == [(second, "run-x"), (first, "run-y")]
    for doc_id, run_id in ((first, "run-y"), (second, "run-x")):  # each document's rows from one run only
        union = " UNION ".join(f"SELECT run_id FROM {t} WHERE doc_id = '{doc_id}'" for t in TABLES)
        assert rows(db, union) == [(run_id,)]


def test_every_extraction_table_and_column_is_documented(db):
    undocumented = rows(db, """
        SELECT table_name, column_name FROM duckdb_columns()
        WHERE table_name IN ('country_mentions', 'organization_mentions', 'person_mentions', 'meetings',
                             'membership_events', 'amounts', 'topics', 'document_extractions')
          AND (comment IS NULL OR comment = '')""")
    assert undocumented == []
    tables = rows(db, """SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('country_mentions',
        'organization_mentions', 'person_mentions', 'meetings', 'membership_events', 'amounts', 'topics',
        'document_extractions') AND comment IS NOT NULL AND comment <> ''""")
    assert tables == [(8,)]
