"""`DuckDBEngine`: relational work on an embedded DuckDB database, by default the store's own."""

from __future__ import annotations

__all__ = ["DuckDBEngine"]

from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa

from rapport.engines.base import Engine
from rapport.errors import ConfigError
from rapport.store import duckdb_threads


class DuckDBEngine(Engine):
    """Runs Ibis expressions on a DuckDB connection.

    `source` is an open connection (used as it is, not closed by the engine), a Workspace
    (its store's connection), a database path (opened, and closed by `close`), or None for
    a new in-memory database.
    """

    name = "duckdb"

    def __init__(self, source: Any = None, *, read_only: bool = False) -> None:
        self._owned = False
        # Connections the engine opens use `store.threads`, read before opening anything.
        threads = duckdb_threads() if source is None or isinstance(source, (str, Path)) else 0
        if source is None:
            con = duckdb.connect()
            self._owned = True
        elif isinstance(source, duckdb.DuckDBPyConnection):
            con = source
        elif isinstance(source, (str, Path)):
            try:
                con = duckdb.connect(str(source), read_only=read_only)
            except duckdb.Error as exc:
                raise ConfigError(f"cannot open {source} with DuckDB: {exc}") from None
            self._owned = True
        elif isinstance(getattr(source, "_con", None), duckdb.DuckDBPyConnection):
            con = source._con  # a Workspace: work on the store's own connection
        else:
            raise ConfigError(
                f"DuckDBEngine needs a DuckDB connection, a Workspace or a path, "
                f"not a {type(source).__name__}."
            )
        if threads:
            con.execute(f"SET threads = {threads}")
        self.connection = con
        # Ibis turns off DuckDB's lookup of Python variables by name on the connection it
        # is handed; put the caller's setting back so the connection behaves as before.
        before = _setting(con, "python_enable_replacements")
        self._backend = ibis.duckdb.from_connection(con)
        if before is not None:
            con.execute(f"SET python_enable_replacements = {before}").fetchall()

    @property
    def backend(self) -> Any:
        return self._backend

    def from_arrow(self, data: pa.Table, name: str | None = None) -> ir.Table:
        """An Arrow table as a temporary table of the connection (named `name` if given)."""
        if name is None:
            return ibis.memtable(data)
        # (ibis 12's create_table from Arrow fails with sqlglot 30: do it in SQL)
        view = ibis.util.gen_name("rapport_arrow")
        self.connection.register(view, data)
        try:
            quoted = name.replace('"', '""')
            self.connection.execute(
                f'CREATE OR REPLACE TEMP TABLE "{quoted}" AS SELECT * FROM "{view}"'
            ).fetchall()
        finally:
            self.connection.unregister(view)
        return self.table(name)

    def write_table(self, name: str, expr: ir.Table, *, overwrite: bool = True) -> ir.Table:
        """Store the result of `expr` as the table `name` of the database."""
        quoted = name.replace('"', '""')
        create = "CREATE OR REPLACE TABLE" if overwrite else "CREATE TABLE"
        self.connection.execute(f'{create} "{quoted}" AS {self.sql_of(expr)}').fetchall()
        return self.table(name)

    def sql_of(self, expr: ir.Table) -> str:
        self._backend._run_pre_execute_hooks(expr)  # registers in-memory tables it reads
        return str(self._backend.compile(expr))

    def close(self) -> None:
        """Close the connection if the engine opened it."""
        if self._owned:
            self.connection.close()

    def __repr__(self) -> str:
        return f"DuckDBEngine({self.connection!r})"


def _setting(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    try:
        rows = con.execute("SELECT current_setting(?)", [name]).fetchall()
    except duckdb.Error:
        return None
    return str(rows[0][0]).lower() if rows else None
