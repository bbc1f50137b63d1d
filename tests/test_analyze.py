"""Per-document analysis in the cleaning workers (analyze.py) and its use by the derived tables.

An analysis made where the page was cleaned must give exactly what the derived tables would have
computed from the stored document, and must be ignored whenever it does not fit that document.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from readout_pipeline import derive, doctype, neardup, warehouse
from readout_pipeline.analyze import Analysis, analyze
from readout_pipeline.config import Settings
from readout_pipeline.extract import Extraction, extract
from readout_pipeline.pages import DOC, RawPage, parse_page

SEED_TEXT = (Path(__file__).parent / "fixtures" / "neardup" / "call_a.txt").read_text(encoding="utf-8")
TITLE = "Secretary Blinken’s Call with Foreign Minister Varga"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def raw_html(url: str = "https://a.example/call") -> RawPage:
    paragraphs = "".join(f"<p>{p}</p>" for p in SEED_TEXT.split("\n") if p.strip())
    body = (f"<html><head><title>{TITLE}</title><meta property='article:published_time' content='2025-03-01'>"
            f"</head><body><article><h1>{TITLE}</h1>{paragraphs}</article></body></html>").encode()
    return RawPage(url=url, fetch_url=url, source_id="src-a", raw_sha256="0" * 64, content_type="text/html",
                   charset="utf-8", fetched_at=T0, body=body)


def test_parse_page_analyzes_the_document_as_the_derived_tables_would():
    parsed = parse_page(raw_html())
    assert parsed.outcome == DOC and parsed.analysis is not None
    doc = parsed.doc
    a = parsed.analysis
    assert a.doc_id == parsed.doc_id and a.title == doc.title and a.published_date == parsed.published_date
    assert a.doc_type == doctype.classify(doc.title, doc.text) == "call_readout"
    assert a.fingerprint == neardup.fingerprint(doc.text)
    assert a.extraction == extract(parsed.doc_id, doc.text, doc.title, parsed.published_date)
    assert a.extraction.country_mentions  # a real readout: there is something to extract
    assert parse_page(raw_html(), with_analysis=False).analysis is None


def test_content_hash_of_a_cleaned_text_needs_no_second_normalization():
    from readout_pipeline.fingerprint import content_hash, normalized_text_hash

    parsed = parse_page(raw_html())
    assert parsed.content_hash == content_hash(parsed.doc.text) == normalized_text_hash(parsed.doc.text)


@pytest.fixture
def loaded(tmp_path):
    with warehouse.WorkingDB(Settings(warehouse_dir=tmp_path / "wh")) as wdb:
        warehouse.start_run(wdb.con, "run-1", "test", {})
        parsed = parse_page(raw_html())
        warehouse.load_pages(wdb.con, "run-1", [parsed])
        yield wdb.con, parsed


def _marked(a: Analysis) -> Analysis:
    """The same analysis with results the real code would never produce, to see which one is stored."""
    fp = replace(a.fingerprint, simhash=12345)
    return replace(a, doc_type="other", fingerprint=fp, extraction=Extraction(a.doc_id))


def _stored(con):
    doc_type = con.execute("SELECT doc_type FROM documents").fetchone()[0]
    simhash = con.execute("SELECT simhash FROM document_fingerprints").fetchone()[0]
    countries = con.execute("SELECT count(*) FROM country_mentions").fetchone()[0]
    return doc_type, simhash, countries


def test_a_fitting_analysis_is_stored_as_it_is(loaded):
    con, parsed = loaded
    derive.update_derived(con, "run-1", analyses={parsed.doc_id: _marked(parsed.analysis)})
    assert _stored(con) == ("other", 12345, 0)


@pytest.mark.parametrize("change", [
    {"title": "Another title"},
    {"published_date": date(1999, 1, 1)},
    {"extractor_version": "extract-0"},
    {"fingerprint_version": "old"},
])
def test_an_analysis_that_does_not_fit_is_recomputed(loaded, change):
    con, parsed = loaded
    stale = replace(_marked(parsed.analysis), **change)
    derive.update_derived(con, "run-1", analyses={parsed.doc_id: stale})
    doc_type, simhash, countries = _stored(con)
    text = parsed.doc.text
    if "fingerprint_version" in change:
        assert simhash == neardup.fingerprint(text).simhash
    else:  # the fingerprint depends on the text only (the doc_id): still the worker's
        assert simhash == 12345
    # type and extraction depend on title, date and code versions: any mismatch recomputes them
    assert doc_type == "call_readout"
    assert countries == len(parsed.analysis.extraction.country_mentions) > 0


def test_without_analyses_everything_is_computed_from_the_stored_text(loaded):
    con, parsed = loaded
    derive.update_derived(con, "run-1")
    real = analyze(parsed.doc_id, parsed.doc.title, parsed.doc.text, parsed.published_date)
    assert _stored(con) == (real.doc_type, real.fingerprint.simhash, len(real.extraction.country_mentions))
