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


# ---------------------------------------------------------------- a small warehouse made to measure
#
# 60 short "noise" documents say "small" and "group" many times, never as the phrase "small
# group", so they rank first for the words; four long documents (low BM25) hold the phrase
# written differently, in the title only, or not at all. A macro that checked phrases after the
# LIMIT, on the first hits only, or not on documents without a title, fails these tests.

FILLER = " ".join(f"filler{i} sentence about other matters" for i in range(120))
NOISE = [
    (f"noise{i:02d}", f"Noise {i}",
     f"Noise {i}: small small small steps; then the group, the group again and group talks.")
    for i in range(60)
]
PHRASE_DOCS = [
    ("p-hyphen", "Alpha readout", f"{FILLER} The partners held a Small-Group meeting in Rome. {FILLER}"),
    ("p-accent", "Beta readout", f"{FILLER} Ministers of the smáll group met in Ankara. {FILLER}"),
    ("p-title", "Small group of partners", f"{FILLER} A small delegation joined the contact group. {FILLER}"),
]
NOT_PHRASE = [
    ("no-title", None, f"{FILLER} A group of small states. {FILLER}"),  # both words, not the phrase
    ("stems", "Gamma", "The ministers were meeting in Ankara about repatriation."),
]


def _create_made_tables(con) -> None:
    """The columns of documents and document_urls that the index and readout_search read."""
    con.execute(
        "CREATE TABLE documents (doc_id VARCHAR PRIMARY KEY, title VARCHAR, text VARCHAR NOT NULL, "
        "published_date DATE, source_id VARCHAR NOT NULL, first_url VARCHAR NOT NULL)"
    )
    con.execute("CREATE TABLE document_urls (url VARCHAR, doc_id VARCHAR, fetch_url VARCHAR)")


@pytest.fixture(scope="module")
def made_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("search-made") / "readouts.duckdb"
    con = duckdb.connect(str(db))
    try:
        _create_made_tables(con)
        for n, (doc_id, title, text) in enumerate(NOISE + PHRASE_DOCS + NOT_PHRASE):
            url = f"https://example.org/{doc_id}"
            con.execute(
                "INSERT INTO documents VALUES (?, ?, ?, DATE '2024-01-01' + CAST(? AS INTEGER), 'made', ?)",
                [doc_id, title, text, n, url],
            )
            con.execute("INSERT INTO document_urls VALUES (?, ?, ?)", [url, doc_id, url + "?as-published"])
        assert search.build_search_index(con) == len(NOISE) + len(PHRASE_DOCS) + len(NOT_PHRASE)
    finally:
        con.close()
    return db


@pytest.fixture
def made(made_db):
    connection = duckdb.connect(str(made_db), read_only=True)
    yield connection
    connection.close()


def _ids(con, query, limit=100):
    return [h.doc_id for h in search.search(con, query, limit)]


def test_made_warehouse_ranks_the_phrase_documents_last(made):
    """The premise of the phrase tests: the phrase documents come after rank 50 on the words alone
    (past the first two tiers the macro reads for max_results = 2)."""
    ranking = _ids(made, "small group")
    assert set(ranking) == {d for d, _, _ in NOISE + PHRASE_DOCS} | {"no-title"}
    assert min(ranking.index(d) for d, _, _ in PHRASE_DOCS) >= 50


@pytest.mark.parametrize("limit", [1, 2, 3, 20])
def test_phrases_are_checked_on_every_hit_before_the_limit(made, limit):
    want = [d for d in _ids(made, "small group") if d in {p for p, _, _ in PHRASE_DOCS}][:limit]
    assert _ids(made, '"small group"', limit) == want
    assert len(want) == min(limit, 3)


def test_phrases_ignore_case_accents_punctuation_and_need_a_title_or_the_text(made):
    assert set(_ids(made, '"small group"')) == {"p-hyphen", "p-accent", "p-title"}  # not "no-title"
    assert _ids(made, '"small group" alpha') == ["p-hyphen"]
    assert _ids(made, '"SMALL   group." "held a"') == ["p-hyphen"]  # every phrase must occur
    assert _ids(made, '"group small"') == []
    assert _ids(made, '"..." Ankara') == _ids(made, "Ankara")  # a phrase without words is no condition


def test_phrase_snippet_shows_the_phrase_highlighted(made):
    hits = {h.doc_id: h for h in search.search(made, '"small group"')}
    assert "**Small**-**Group** meeting" in hits["p-hyphen"].snippet
    assert "smáll **group** met in Ankara" in hits["p-accent"].snippet  # located through the accent
    assert hits["p-title"].snippet.count("**") >= 2  # phrase in the title: the words in the text
    assert all(h.snippet.startswith("…") and h.snippet.endswith("…") for h in hits.values())
    assert hits["p-hyphen"].url == "https://example.org/p-hyphen?as-published"


def test_stop_words_are_ignored_and_every_word_must_occur(made):
    assert _ids(made, "the of and") == []  # stop words only: nothing to rank on
    assert _ids(made, '"of the"') == []
    assert _ids(made, "the Ankara") == _ids(made, "Ankara")
    assert set(_ids(made, "Ankara")) == {"stems", "p-accent"}
    assert _ids(made, "small xylophonequartz") == []  # conjunctive: one unknown word, no hit
    assert _ids(made, "xylophonequartz") == []
    assert _ids(made, "meets repatriate") == ["stems"]  # Porter stems on both sides


def _assert_scores_are_match_bm25(con, query):
    got = con.execute("SELECT doc_id, score FROM readout_search(?, max_results := 100000)", [query]).fetchall()
    want = con.execute(
        "SELECT doc_id, round(score, 4) FROM (SELECT doc_id, "
        "fts_main_documents.match_bm25(doc_id, ?, conjunctive := 1) AS score FROM documents) "
        "WHERE score IS NOT NULL",
        [query],
    ).fetchall()
    assert got, query
    assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)
    assert sorted(got) == sorted(want), query


def test_scores_are_the_fts_extension_bm25(made):
    """The macro computes BM25 itself (once per query); it must equal match_bm25, conjunctive."""
    search.load_fts(made)
    for query in ("small group", "group", "ministers ankara", "partners meeting rome"):
        _assert_scores_are_match_bm25(made, query)


def test_scores_are_the_fts_extension_bm25_on_the_demo_warehouse(con):
    search.load_fts(con)
    for query in ("repatriation detention", "coalition", "ministers meeting syria"):
        _assert_scores_are_match_bm25(con, query)


def test_macro_columns_and_no_hits(made):
    search.load_fts(made)
    cur = made.execute("SELECT * FROM readout_search('xylophonequartz')")
    assert tuple(d[0] for d in cur.description) == search.COLUMNS
    assert cur.fetchall() == []
    assert made.execute("SELECT count(*) FROM readout_search('the of and')").fetchone() == (0,)


def test_search_restores_the_session_setting(made):
    before = made.execute("SELECT current_setting('dynamic_or_filter_threshold')").fetchone()
    assert search.search(made, '"small group"')
    assert made.execute("SELECT current_setting('dynamic_or_filter_threshold')").fetchone() == before


def test_install_search_macro_refreshes_the_macro_only(made_db, tmp_path):
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(made_db.read_bytes())
    con = duckdb.connect(str(copy))
    try:
        con.execute("DROP MACRO TABLE readout_search")
        assert not search.has_search_index(con)
        search.install_search_macro(con)
        assert search.has_search_index(con)
        assert [h.doc_id for h in search.search(con, '"small group" alpha')] == ["p-hyphen"]
    finally:
        con.close()


# What the extension's own one-statement build makes; build_index.sql must make the same index.
EXTENSION_BUILD = (
    "PRAGMA create_fts_index('documents', 'doc_id', 'title', 'text', stemmer = 'porter', "
    "stopwords = 'english', strip_accents = 1, lower = 1, overwrite = 1)"
)
INDEX_CONTENT = {
    "fields": "SELECT fieldid, field FROM fts_main_documents.fields",
    "documents": "SELECT name, len FROM fts_main_documents.docs",
    "terms": "SELECT term, df FROM fts_main_documents.dict",
    "postings": (
        "SELECT d.name, t.fieldid, w.term, count(*) FROM fts_main_documents.terms AS t "
        "JOIN fts_main_documents.docs AS d USING (docid) JOIN fts_main_documents.dict AS w USING (termid) "
        "GROUP BY ALL"
    ),
    "stats": "SELECT num_docs, avgdl FROM fts_main_documents.stats",
}


def _index_content(con) -> dict[str, list]:
    return {name: sorted(con.execute(query).fetchall()) for name, query in INDEX_CONTENT.items()}


def _bm25(con, query: str) -> list:
    return sorted(con.execute(
        "SELECT doc_id, round(score, 9) FROM (SELECT doc_id, fts_main_documents.match_bm25(doc_id, ?) AS score "
        "FROM documents) WHERE score IS NOT NULL", [query]).fetchall())


@pytest.mark.parametrize("which", ["demo", "made"])
def test_index_is_the_one_the_extension_builds(which, indexed_db, made_db, tmp_path):
    """build_index.sql indexes titles with the extension and the text itself, in parallel scans and
    stemming each distinct word once: the tables, and so the scores, must be the extension's."""
    source = {"demo": indexed_db, "made": made_db}[which]
    ours, theirs = tmp_path / "ours.duckdb", tmp_path / "theirs.duckdb"
    ours.write_bytes(source.read_bytes())
    theirs.write_bytes(source.read_bytes())
    with duckdb.connect(str(ours)) as a, duckdb.connect(str(theirs)) as b:
        search.build_search_index(a, force=True)
        search.load_fts(b)
        b.execute(EXTENSION_BUILD)
        got, want = _index_content(a), _index_content(b)
        assert want["postings"] and len(want["fields"]) == 2
        assert {k: len(v) for k, v in got.items()} == {k: len(v) for k, v in want.items()}
        assert got == want
        queries = ("repatriation detention", "coalition", "ministers meeting syria", "small group", "ankara",
                   "the of and", "meets")
        assert any(_bm25(b, q) for q in queries)
        for query in queries:
            assert _bm25(a, query) == _bm25(b, query), query


# ---------------------------------------------------------------- extending the index


def _tracking_sql(monkeypatch) -> list[str]:
    """The sql/ files search.py reads from here on, in order."""
    read: list[str] = []
    real = search.sql

    def tracked(name: str) -> str:
        read.append(name)
        return real(name)

    monkeypatch.setattr(search, "sql", tracked)
    return read


def _documents_db(path, docs) -> duckdb.DuckDBPyConnection:
    """A database with the made warehouse's tables and the index state table of the warehouse's DDL."""
    from readout_pipeline.warehouse import sql

    con = duckdb.connect(str(path))
    _create_made_tables(con)
    for name in ("ddl/005_search_index_state.sql", "ddl/006_search_index_format.sql"):
        con.execute(sql(name))
    _add(con, docs)
    return con


def _add(con, docs) -> None:
    con.executemany("INSERT INTO documents (doc_id, title, text, source_id, first_url) "
                    "VALUES (?, ?, ?, 'made', 'https://example.org/' || ?)", [[*d, d[0]] for d in docs])


EXTRA = [  # words the first documents never had, and words they had (their df must grow)
    ("later-1", "Repatriation talks", "Ministers discussed repatriation and detention in Ankara; small group."),
    ("later-2", None, "Xylophone quartz: a word no earlier document holds, and the group again."),
    ("later-3", "Small group", ""),  # a title and no text
]
QUERIES = ("small group", "group", "ankara", "repatriation detention", "xylophone", "meets", "noise 7", "the of and")


def test_documents_added_later_extend_the_index_to_the_one_a_rebuild_makes(tmp_path, monkeypatch):
    first = NOISE[:40] + PHRASE_DOCS[:2] + NOT_PHRASE
    later = NOISE[40:] + PHRASE_DOCS[2:] + EXTRA
    ours = _documents_db(tmp_path / "ours.duckdb", first)
    try:
        assert search.build_search_index(ours) == len(first)
        _add(ours, later)
        read = _tracking_sql(monkeypatch)
        assert search.build_search_index(ours) == len(first) + len(later)
        assert "search/extend_index.sql" in read and "search/build_index.sql" not in read
        with _documents_db(tmp_path / "theirs.duckdb", first + later) as theirs:
            search.load_fts(theirs)
            theirs.execute(EXTENSION_BUILD)
            assert _index_content(ours) == _index_content(theirs)
            assert any(_bm25(theirs, q) for q in QUERIES)
            for query in QUERIES:
                assert _bm25(ours, query) == _bm25(theirs, query), query
        assert ours.execute("SELECT n_documents FROM search_index_state").fetchone() == (len(first) + len(later),)
        assert [h.doc_id for h in search.search(ours, "xylophone")] == ["later-2"]
        read.clear()
        assert search.build_search_index(ours) == len(first) + len(later)  # nothing new: nothing built
        assert not {"search/extend_index.sql", "search/build_index.sql"} & set(read)
    finally:
        ours.close()


@pytest.mark.parametrize("change", ["document missing", "other build sql", "no index"])
def test_the_index_is_rebuilt_when_it_cannot_be_extended(tmp_path, monkeypatch, change):
    con = _documents_db(tmp_path / "db.duckdb", NOISE[:10] + NOT_PHRASE)
    try:
        search.build_search_index(con)
        _add(con, EXTRA)
        if change == "document missing":
            con.execute("DELETE FROM documents WHERE doc_id = 'stems'")
        elif change == "other build sql":
            con.execute("UPDATE search_index_state SET index_format = 'an older build'")
        else:
            con.execute("DROP SCHEMA fts_main_documents CASCADE")
        read = _tracking_sql(monkeypatch)
        n = con.execute("SELECT count(*) FROM documents").fetchone()[0]
        assert search.build_search_index(con) == n
        assert "search/build_index.sql" in read and "search/extend_index.sql" not in read
        assert not con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0]
        docs = con.execute("SELECT doc_id, title, text FROM documents").fetchall()
        with _documents_db(tmp_path / "theirs.duckdb", docs) as theirs:
            search.load_fts(theirs)
            theirs.execute(EXTENSION_BUILD)
            assert _index_content(con) == _index_content(theirs)
        assert [h.doc_id for h in search.search(con, "xylophone")] == ["later-2"]
    finally:
        con.close()
