"""Full-text search: BM25 ranking, phrases, highlighted snippets; CLI and the SQL macro; offline."""

from __future__ import annotations

import json

import duckdb
import pytest
from demo_warehouse import copy_of_demo_warehouse, demo_warehouse

from readout_pipeline import cli, search
from readout_pipeline.errors import WarehouseError


@pytest.fixture(scope="module")
def indexed_db(tmp_path_factory):
    db = copy_of_demo_warehouse(tmp_path_factory, "search")
    con = duckdb.connect(str(db))
    try:
        assert search.build_search_index(con) == con.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        con.close()
    return db


@pytest.fixture
def con(indexed_db):
    connection = duckdb.connect(str(indexed_db), read_only=True)  # what analysts and the CLI open
    yield connection
    connection.close()


def test_fts_extension_comes_from_the_installed_package():
    path = search.extension_file()
    assert path.name == "fts.duckdb_extension" and f"v{duckdb.__version__}" in str(path)
    con = duckdb.connect()
    search.load_fts(con)
    assert con.execute("SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'fts'").fetchone() == (True,)


def test_ranked_by_bm25_with_highlighted_snippets(con):
    hits = search.search(con, "repatriation detention", limit=10)
    assert hits
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for hit in hits:
        assert "**" in hit.snippet
        words = {w.lower().strip(".,;:") for w in hit.snippet.split("**")[1::2]}
        assert words and all(w.startswith(("repatriat", "detent")) for w in words), words
        text = con.execute("SELECT lower(title || text) FROM documents WHERE doc_id = ?", [hit.doc_id]).fetchone()[0]
        assert "repatriat" in text and "detent" in text  # every word must occur
        assert hit.url.startswith("http://127.0.0.1:")


def test_stemming_finds_other_word_forms(con):
    assert search.search(con, "meets")  # "meeting", "met", "meet"
    assert {h.doc_id for h in search.search(con, "meeting", 50)} & {h.doc_id for h in search.search(con, "meets", 50)}


def test_quoted_phrases_must_match_exactly(con):
    phrase = search.search(con, '"small group"', limit=50)
    assert phrase
    for hit in phrase:
        text = con.execute("SELECT lower(title || ' ' || text) FROM documents WHERE doc_id = ?", [hit.doc_id]).fetchone()[0]
        assert "small group" in text
    # The same words in the other order are not the phrase; unquoted they still match.
    reversed_phrase = {h.doc_id for h in search.search(con, '"group small"', limit=50)}
    assert reversed_phrase < {h.doc_id for h in search.search(con, "group small", limit=50)}
    assert reversed_phrase == set()


def test_no_match_and_bad_queries(con):
    assert search.search(con, "xylophonequartz") == []
    with pytest.raises(WarehouseError, match="empty"):
        search.search(con, "  ")
    with pytest.raises(WarehouseError, match="unbalanced quote"):
        search.search(con, '"small group')


def test_sql_macro_for_analysts(con):
    search.load_fts(con)
    rows = con.execute("SELECT doc_id, score, snippet FROM readout_search('\"small group\" Syria', max_results := 3)").fetchall()
    assert 1 <= len(rows) <= 3
    assert [h.doc_id for h in search.search(con, '"small group" Syria', 3)] == [r[0] for r in rows]


def test_search_cli(indexed_db, capsys):
    code = cli.main(["search", '"joint statement"', "--db", str(indexed_db), "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0
    hits = json.loads(out)
    assert hits and all("**" in h["snippet"] for h in hits)
    code = cli.main(["search", "Castelmar airport", "--db", str(indexed_db)])
    out = capsys.readouterr().out
    assert code == 0 and "Castelmar" in out
    assert cli.main(["search", "--fts-path"]) == 0
    assert "fts.duckdb_extension" in capsys.readouterr().out


def test_warehouse_without_index_says_so(tmp_path, capsys):
    db = tmp_path / "plain.duckdb"
    duckdb.connect(str(db)).close()
    code = cli.main(["search", "anything", "--db", str(db)])
    assert code == 1 and "no search index" in capsys.readouterr().err


def test_published_demo_warehouse_is_searchable(tmp_path_factory):
    """The pipeline builds the index before it publishes, so `readout search` works on any snapshot."""
    con = duckdb.connect(str(demo_warehouse(tmp_path_factory)), read_only=True)
    try:
        assert search.has_search_index(con)
        assert search.search(con, "Coalition")
    finally:
        con.close()
