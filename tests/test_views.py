"""Analyst views (sql/views): one CREATE OR REPLACE VIEW per file, commented, applied after migrations."""

from __future__ import annotations

import duckdb
import pytest
from demo_warehouse import copy_of_demo_warehouse, demo_warehouse

from readout_pipeline import views

VIEW_FILES = views.view_files()


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    db = copy_of_demo_warehouse(tmp_path_factory, "views")
    connection = duckdb.connect(str(db))
    views.apply_views(connection)
    yield connection
    connection.close()


def view_names(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}


def test_one_commented_view_per_file():
    assert len(VIEW_FILES) >= 4
    for path in VIEW_FILES:
        text = path.read_text()
        assert text.count("CREATE OR REPLACE VIEW") == 1, path.name
        assert "COMMENT ON VIEW" in text and "COMMENT ON COLUMN" in text, path.name


def test_apply_views_is_idempotent_and_keeps_comments(con):
    before = view_names(con)
    assert views.apply_views(con) == [p.name for p in VIEW_FILES]
    assert view_names(con) == before and {"readouts", "readout_publications"} <= before
    missing = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE table_name IN (SELECT view_name FROM duckdb_views() WHERE NOT internal) AND comment IS NULL"
    ).fetchall()
    assert missing == []
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal AND comment IS NULL").fetchone()[0] == 0


def test_every_view_has_rows_on_the_demo_warehouse(con):
    for name in sorted(view_names(con)):
        assert con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] > 0, name


def test_readouts_view_is_one_row_per_document(con):
    n_docs = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    assert con.execute("SELECT count(*), count(DISTINCT doc_id) FROM readouts").fetchone() == (n_docs, n_docs)
    joint = con.execute(
        "SELECT n_publishers, publishers, len(all_urls), source_name FROM readouts WHERE title LIKE '%Tenth Anniversary%'"
    ).fetchone()
    assert joint[0] == 2 and joint[1] == ["coalition", "norland"] and joint[2] == 2 and joint[3]


def test_readout_publications_first_publisher_and_lag(con):
    rows = con.execute(
        "SELECT source_id, is_first_publisher, first_source_id, match, lag_days FROM readout_publications "
        "WHERE n_publishers > 1 AND title LIKE '%Tenth Anniversary%' ORDER BY publisher_rank"
    ).fetchall()
    assert len(rows) == 2
    assert rows[0][1] is True and rows[1][1] is False
    assert rows[1][2] == rows[0][0] and rows[1][3] == "exact" and rows[1][4] == 0


def test_published_demo_warehouse_carries_the_views(tmp_path_factory):
    """The pipeline applies the views after its migrations, so every published file has them."""
    con = duckdb.connect(str(demo_warehouse(tmp_path_factory)), read_only=True)
    try:
        assert {"readouts", "readout_publications"} <= view_names(con)
    finally:
        con.close()
