"""A few rows read by an index lookup, as dicts: what the profile's reads share."""

from __future__ import annotations

__all__ = ["day", "is_na", "ordered", "rows", "rows_if_built"]

import math
from typing import Any

import duckdb


def is_na(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def day(value: Any) -> str | None:
    """A date or timestamp (or its text) as YYYY-MM-DD."""
    return None if value is None or is_na(value) else str(value)[:10]


def rows(con: duckdb.DuckDBPyConnection, sql: str,
         params: list[Any] | dict[str, Any]) -> list[dict[str, Any]]:
    """Rows as dicts, NaN as None (plain tuples: a DataFrame costs milliseconds a query)."""
    result = con.execute(sql, params)
    names = [d[0] for d in result.description or ()]
    return [{k: (None if is_na(v) else v) for k, v in zip(names, row, strict=True)}
            for row in result.fetchall()]


def rows_if_built(con: duckdb.DuckDBPyConnection, sql: str,
                  params: list[Any] | dict[str, Any]) -> list[dict[str, Any]] | None:
    """`rows`, or None when a table the query reads has not been built yet (cheaper than
    asking the catalog first, which costs a query of its own)."""
    try:
        return rows(con, sql, params)
    except duckdb.CatalogException as exc:
        if "does not exist" in str(exc):
            return None
        raise


def ordered(found: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """Rows sorted by `keys` as ORDER BY would (missing values last). A few rows sort in
    Python for nothing, while an ORDER BY costs about a millisecond a query."""
    return sorted(found, key=lambda r: [(r[k] is None, r[k]) for k in keys])
