"""Analyst-facing views: `sql/views/*.sql`, one `CREATE OR REPLACE VIEW` per file (with its comments).

`apply_views(con)` runs them in name order; it is idempotent and is called after `migrate`, so the
views always match the code (a view is not data: it is recreated, never migrated).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from .errors import WarehouseError
from .warehouse import SQL_DIR, _one_line

VIEWS_DIR = SQL_DIR / "views"


def view_files(directory: Path = VIEWS_DIR) -> list[Path]:
    return sorted(directory.glob("*.sql"))


def apply_views(con: duckdb.DuckDBPyConnection, directory: Path = VIEWS_DIR) -> list[str]:
    """Create or replace every view of `sql/views/`, in one transaction. Returns the file names."""
    applied = []
    con.execute("BEGIN")
    try:
        for path in view_files(directory):
            try:
                con.execute(path.read_text(encoding="utf-8"))
            except duckdb.Error as exc:
                raise WarehouseError(f"view {path.name} failed: {_one_line(exc)}") from None
            applied.append(path.name)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return applied
