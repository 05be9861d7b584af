"""The `Engine` interface: where relational work runs, and how a caller names it."""

from __future__ import annotations

__all__ = ["ENGINE_KINDS", "Engine", "as_engine", "as_table", "get_engine"]

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa

from rapport.errors import ConfigError

ENGINE_KINDS = ("duckdb", "spark")


class Engine(ABC):
    """A place where Ibis expressions run: an embedded DuckDB store or a Spark session.

    Analyses are written once as Ibis expressions over the tables an engine hands out
    (`table`, `from_arrow`, `from_parquet`); `execute` runs one and returns Arrow.
    """

    name: str

    @property
    @abstractmethod
    def backend(self) -> Any:
        """The Ibis backend the engine drives."""

    def table(self, name: str) -> ir.Table:
        """A table (or view) already known to the engine, by name."""
        result: ir.Table = self.backend.table(name)
        return result

    @abstractmethod
    def from_arrow(self, data: pa.Table, name: str | None = None) -> ir.Table:
        """An Arrow table made available to the engine as an Ibis table."""

    def from_parquet(self, path: str | Path) -> ir.Table:
        """A Parquet file (or, on Spark, a folder of Parquet files) as an Ibis table."""
        result: ir.Table = self.backend.read_parquet(str(path))
        return result

    def execute(self, expr: ir.Table) -> pa.Table:
        """Run an expression and return its rows as an Arrow table."""
        result: pa.Table = self.backend.to_pyarrow(expr)
        return result

    @abstractmethod
    def write_table(self, name: str, expr: ir.Table, *, overwrite: bool = True) -> ir.Table:
        """Store the result of an expression under `name` and return it as a table."""

    def write_parquet(self, expr: ir.Table, path: str | Path) -> None:
        """Write the result of an expression to Parquet (a file on DuckDB, a folder on Spark)."""
        self.backend.to_parquet(expr, str(path))

    def close(self) -> None:
        """Release what the engine opened itself (a connection, a session); nothing else."""
        return None

    def sql_of(self, expr: ir.Table) -> str:
        """The SQL the engine runs for an expression (for explanations and debugging)."""
        return str(self.backend.compile(expr))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def get_engine(kind: str = "duckdb", source: Any = None, **options: Any) -> Engine:
    """The engine of `kind` ("duckdb" or "spark").

    For "duckdb", `source` is a DuckDB connection, a Workspace, a database path, or None (an
    in-memory database); for "spark", a SparkSession or None (a local session is started on
    first use). `options` go to the engine's constructor.
    """
    kind = kind.strip().lower()
    if kind == "duckdb":
        from rapport.engines.duckdb_engine import DuckDBEngine

        return DuckDBEngine(source, **options)
    if kind == "spark":
        from rapport.engines.spark_engine import SparkEngine, require_pyspark

        require_pyspark()
        return SparkEngine(source, **options)
    raise ConfigError(f"unknown engine {kind!r}; choose one of: {', '.join(ENGINE_KINDS)}.")


def as_engine(source: Any) -> Engine:
    """An engine for `source`: an Engine as it is, else a DuckDB engine over it."""
    if isinstance(source, Engine):
        return source
    if isinstance(source, (duckdb.DuckDBPyConnection, str, Path)) or hasattr(source, "_con"):
        return get_engine("duckdb", source)
    raise ConfigError(
        f"cannot run analyses on a {type(source).__name__}; give an Engine, a Workspace, a "
        f"DuckDB connection or path, or an Ibis table."
    )


def as_table(source: Any, name: str = "transactions") -> ir.Table:
    """The Ibis table `name` of `source` (an Engine, Workspace or DuckDB connection), or
    `source` itself when it already is an Ibis table."""
    if isinstance(source, ir.Table):
        return source
    if isinstance(source, pa.Table):
        return ibis.memtable(source)
    return as_engine(source).table(name)
