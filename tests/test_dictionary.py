"""docs/DATA_DICTIONARY.md is generated from the COMMENT ON statements, and every table,
view and column has one."""

from __future__ import annotations

from readout_pipeline import cli, dictionary


def test_every_table_view_and_column_is_commented():
    con = dictionary.fresh_schema()
    try:
        rels = dictionary.relations(con)
    finally:
        con.close()
    kinds = {r.kind for r in rels}
    assert kinds == {"table", "view"}
    assert {"documents", "document_urls", "readouts"} <= {r.name for r in rels}
    assert dictionary.missing_comments(rels) == []


def test_data_dictionary_is_up_to_date():
    path = dictionary.DICTIONARY_PATH
    assert path.exists(), "docs/DATA_DICTIONARY.md is missing: run `readout dictionary`"
    assert path.read_text(encoding="utf-8") == dictionary.generate(), (
        "docs/DATA_DICTIONARY.md differs from the DDL comments: run `readout dictionary`"
    )


def test_missing_comment_is_reported():
    rels = [dictionary.Relation("t", "table", "A table.", [dictionary.Column("a", "INTEGER", True, None)])]
    assert dictionary.missing_comments(rels) == ["t.a"]
    assert "| `a` | `INTEGER` | yes |  |" in dictionary.render(rels)


def test_dictionary_cli(tmp_path, capsys):
    out = tmp_path / "DICT.md"
    assert cli.main(["dictionary", "--out", str(out)]) == 0
    assert cli.main(["dictionary", "--out", str(out), "--check"]) == 0
    out.write_text("stale\n")
    assert cli.main(["dictionary", "--out", str(out), "--check"]) == 1
    assert "out of date" in capsys.readouterr().err
