"""`readout export`: every table (and view) as Parquet (types kept) or CSV, with a manifest."""

from __future__ import annotations

import csv
import json

import duckdb
import pytest
from demo_warehouse import demo_warehouse

from readout_pipeline import cli, export
from readout_pipeline.errors import ConfigError


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    return demo_warehouse(tmp_path_factory)


def tables(db) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal").fetchall()]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()


def test_parquet_keeps_every_table_and_its_types(demo_db, tmp_path, capsys):
    out = tmp_path / "parquet"
    assert cli.main(["export", str(out), "--db", str(demo_db)]) == 0
    assert "manifest.json" in capsys.readouterr().out
    expected = tables(demo_db)
    assert "documents" in expected and "runs" in expected
    con = duckdb.connect()
    for name, count in expected.items():
        assert con.execute("SELECT count(*) FROM read_parquet(?)", [str(out / f"{name}.parquet")]).fetchone()[0] == count
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
                             [str(out / "documents.parquet")]).fetchall())
    assert types["published_date"] == "DATE"
    assert types["first_seen_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["word_count"] == "INTEGER"
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
                             [str(out / "document_urls.parquet")]).fetchall())
    assert types["is_current"] == "BOOLEAN"
    manifest = json.loads((out / "manifest.json").read_text())
    by_name = {r["name"]: r for r in manifest["relations"]}
    assert set(expected) <= set(by_name)
    assert by_name["documents"]["rows"] == expected["documents"]
    assert by_name["documents"]["comment"] and all(c["comment"] for c in by_name["documents"]["columns"])
    assert not list(out.glob(".*.partial"))


def test_csv_with_header_and_views_optional(demo_db, tmp_path):
    out = tmp_path / "csv"
    written = export.export_warehouse(duckdb.connect(str(demo_db), read_only=True), out, "csv", include_views=False)
    assert {w.kind for w in written} == {"table"}
    with open(out / "documents.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == tables(demo_db)["documents"]
    assert rows[0]["doc_id"] and rows[0]["published_date"][:2] == "20"


def test_unknown_format_is_an_error(demo_db, tmp_path):
    with pytest.raises(ConfigError, match="unknown export format"):
        export.export_warehouse(duckdb.connect(str(demo_db), read_only=True), tmp_path, "xlsx")
