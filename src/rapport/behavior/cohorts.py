"""Cohort retention: of the customers who first bought in a month, the share buying again in
each later month, defined once as an Ibis expression (DuckDB and Spark alike).

A cohort is the calendar month of a customer's first purchase; month k of a cohort is the
k-th calendar month after it (month 0 is the cohort month itself, so its share is 1). Only
purchases count (returns, negative amounts, do not), up to `observation_end`. A cell is
present only once it can be observed: cohort month + k ≤ the month of `observation_end`.
"""

from __future__ import annotations

__all__ = ["COHORT_COLUMNS", "cohort_retention", "retention_matrix"]

from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from rapport.behavior.summaries import observation_end_of, purchase_lines, transactions_of
from rapport.engines.base import Engine
from rapport.errors import ConfigError

COHORT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("cohort_month", "date", "first day of the month of the cohort's first purchases"),
    ("cohort_size", "int64", "customers whose first purchase fell in that month"),
    ("months_since", "int64", "calendar months after the cohort month (0 = the month itself)"),
    ("customers", "int64", "customers of the cohort who bought in that month"),
    ("share", "float64", "customers / cohort_size"),
)
"""The columns of `cohort_retention`, in order: (name, Ibis type, meaning)."""


def _month_index(ts: ir.TimestampValue) -> ir.IntegerValue:
    """Months since year 0 (year * 12 + month - 1): consecutive months differ by one."""
    result: ir.IntegerValue = (ts.year() * 12 + ts.month() - 1).cast("int64")
    return result


def cohort_retention(
    source: Any,
    observation_end: Any = None,
    *,
    max_months: int | None = None,
    table: str = "transactions",
) -> ir.Table:
    """The retention of each first-purchase-month cohort, one row per cohort and month since
    (see `COHORT_COLUMNS`), for months 0 … `max_months` (default: all observable).

    `source` is an Engine, a Workspace, a DuckDB connection or a table of transactions.
    """
    if max_months is not None and max_months < 0:
        raise ConfigError(f"max_months must be 0 or more, not {max_months}.")
    t = transactions_of(source, table)
    obs = observation_end_of(observation_end, t)
    lines = purchase_lines(t, obs)
    buys = lines.filter(~lines.is_return)
    months = buys.select("customer_id", month=_month_index(buys.ts)).distinct()
    first = months.group_by("customer_id").aggregate(cohort=months.month.min())
    active = months.join(first, "customer_id")
    counts = active.group_by(
        ["cohort", (active.month - active.cohort).name("months_since")]
    ).aggregate(customers=active.count())
    sizes = first.group_by("cohort").aggregate(cohort_size=first.count())

    end_index = obs.end.year * 12 + obs.end.month - 1
    earliest = buys.ts.min().to_pyarrow().as_py()
    horizon = 0 if earliest is None else end_index - (earliest.year * 12 + earliest.month - 1)
    if max_months is not None:
        horizon = min(horizon, max_months)
    offsets = ibis.memtable(pa.table({"months_since": pa.array(range(horizon + 1), pa.int64())}))
    grid = sizes.cross_join(offsets)
    grid = grid.filter(grid.cohort + grid.months_since <= end_index)
    cells = grid.left_join(counts, ["cohort", "months_since"])
    customers = cells.customers.fill_null(0).cast("int64")
    year = (cells.cohort // 12).cast("int32")
    month = (cells.cohort % 12 + 1).cast("int32")
    return cells.select(
        cohort_month=ibis.date(year, month, 1),
        cohort_size=cells.cohort_size.cast("int64"),
        months_since=cells.months_since.cast("int64"),
        customers=customers,
        share=(customers / cells.cohort_size).cast("float64"),
    ).order_by(["cohort_month", "months_since"])


def retention_matrix(
    source: Any,
    observation_end: Any = None,
    *,
    max_months: int | None = None,
    table: str = "transactions",
) -> pd.DataFrame:
    """The retention shares as a matrix: one row per cohort (index: cohort_month and
    cohort_size), one column per month since (0 … N); cells not yet observable are NaN.

    `source` may also be the result of `cohort_retention` (an Ibis expression, an Arrow
    table or a pandas frame).
    """
    if isinstance(source, pd.DataFrame):
        long = source
    elif isinstance(source, pa.Table):
        long = source.to_pandas()
    elif isinstance(source, ir.Table) and "share" in source.columns:
        long = source.to_pyarrow().to_pandas()
    else:
        expr = cohort_retention(source, observation_end, max_months=max_months, table=table)
        data = source.execute(expr) if isinstance(source, Engine) else expr.to_pyarrow()
        long = data.to_pandas()
    if long.empty:
        return pd.DataFrame(
            index=pd.MultiIndex.from_tuples([], names=["cohort_month", "cohort_size"])
        )
    matrix = long.pivot(
        index=["cohort_month", "cohort_size"], columns="months_since", values="share"
    )
    matrix.columns.name = "months_since"
    return matrix.sort_index()
