"""`readout export`: every table (and analyst view) of the warehouse as Parquet or CSV files.

Parquet keeps the DuckDB types (dates, timestamps with time zone, lists, booleans); CSV is for tools
that want text. A `manifest.json` beside the files lists each file with its row count, columns,
types and the comments of the data dictionary, so a BI tool (or a person) knows what it got.
Names come from the catalog (`duckdb_tables()`, `duckdb_views()`), and the files are written
through DuckDB's relational API: no SQL is assembled from strings.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from .errors import ConfigError, WarehouseError
from .warehouse import _one_line, sql

FORMATS = ("parquet", "csv")


@dataclass(frozen=True)
class Exported:
    name: str
    kind: str  # table | view
    file: str
    rows: int
    columns: list[dict[str, str | None]]
    comment: str | None


def relations(con: duckdb.DuckDBPyConnection, include_views: bool = True) -> list[tuple[str, str, str | None]]:
    """(name, kind, comment) of the user tables and views of the main schema, by name."""
    rows = con.execute(sql("export/relations.sql")).fetchall()
    return [(name, kind, comment) for name, kind, comment in rows if include_views or kind == "table"]


def export_warehouse(
    con: duckdb.DuckDBPyConnection, out_dir: Path, fmt: str = "parquet", include_views: bool = True
) -> list[Exported]:
    """Write one file per table (and view) into `out_dir`; returns what was written."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r} (use {' or '.join(FORMATS)})")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseError(f"cannot create export directory {out_dir}: {exc.strerror}") from None
    columns_sql = sql("export/columns.sql")
    written: list[Exported] = []
    for name, kind, comment in relations(con, include_views):
        target = out_dir / f"{name}.{fmt}"
        tmp = out_dir / f".{name}.{fmt}.partial"
        try:
            rel = con.table(name)
            if fmt == "parquet":
                rel.write_parquet(str(tmp), compression="zstd")
            else:
                rel.write_csv(str(tmp), header=True)
            os.replace(tmp, target)
            rows = con.table(name).count("*").fetchone()[0]
            cols = [
                {"name": c, "type": t, "comment": cm}
                for c, t, cm in con.execute(columns_sql, [name]).fetchall()
            ]
        except duckdb.Error as exc:
            tmp.unlink(missing_ok=True)
            raise WarehouseError(f"export of {name} failed: {_one_line(exc)}") from None
        written.append(Exported(name, kind, target.name, int(rows), cols, comment))
    manifest = {
        "format": fmt,
        "duckdb_version": duckdb.__version__,
        "relations": [asdict(e) for e in written],
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return written
