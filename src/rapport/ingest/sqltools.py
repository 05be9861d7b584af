"""Small SQL helpers shared by the ingest modules: quoting and temp-object clean-up."""

from __future__ import annotations

__all__ = ["drop_temp", "ident", "lit"]

import duckdb


def ident(name: str) -> str:
    """A quoted identifier: any column name, spaces and quotes included."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """A quoted string literal."""
    return "'" + text.replace("'", "''") + "'"


def drop_temp(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Drop temporary tables or views by name, whichever each one is."""
    for name in names:
        kinds = con.execute(
            "SELECT 'VIEW' FROM duckdb_views() WHERE temporary AND view_name = ? UNION ALL "
            "SELECT 'TABLE' FROM duckdb_tables() WHERE temporary AND table_name = ?",
            [name, name],
        ).fetchall()
        for (kind,) in kinds:
            con.execute(f"DROP {kind} IF EXISTS {ident(name)}")
