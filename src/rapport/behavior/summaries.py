"""Per-customer behaviour summaries, defined once as Ibis expressions (DuckDB and Spark alike).

`customer_summary(source, observation_end, time_unit)` gives one row per customer who bought
at or before `observation_end`, with the columns of `SUMMARY_COLUMNS`:

- activity: first and last purchase, rows, purchase occasions, returns, net spend;
- the inputs of the "buy till you die" models, as Fader, Hardie & Lee define them for CDNOW:
  purchases within one `period` (a calendar day by default) are one purchase; `frequency`
  is the number of repeat purchase periods (the first is not counted); `recency` is the
  time from the first to the last purchase period; `T` the time from the first purchase
  period to `observation_end`; `monetary_value` the mean value of the repeat purchase
  periods (0 when frequency is 0). `recency` and `T` are in `time_unit`: days, weeks
  (7 days) or months (365.25/12 = 30.4375 days, so that twelve months make a mean year);
- marketing RFM: days since the last purchase, quintile scores and a named segment
  (see `rapport.behavior.rfm`);
- rhythm: the median gap between purchase periods and how overdue the customer is
  against it;
- habits: preferred weekday and hour, favourite category and product, typical basket.

Conventions:
- `observation_end` is the end of the calibration period; later transactions are ignored.
  A date (or 'YYYY-MM-DD') includes that whole day; a datetime includes rows up to and
  including that instant; None means the latest transaction's time; an `ObservationEnd`
  (from `observation_end_of`) is used as it is. Times are naive UTC.
- A row with a negative amount is a return. Returns count in `n_transactions`,
  `n_returns`, `returned_value` and, netted, in `total_spend`; they are not purchases:
  they make no purchase period or occasion, and purchase values (`monetary_value`,
  `mean_order_value`) are gross, before returns. A missing amount counts as 0, a missing
  quantity as one item.
- A purchase occasion is an order (rows sharing an order_id), or, for rows without one,
  the rows of a customer with the same timestamp. An order belongs to the period of its
  first purchase row.
- Ties (weekday, hour, category, product) go to the first: Monday before Sunday, the
  earlier hour, the alphabetically first name.
"""

from __future__ import annotations

__all__ = [
    "PERIODS",
    "SUMMARY_COLUMNS",
    "TIME_UNITS",
    "ObservationEnd",
    "btyd_inputs",
    "customer_summary",
    "observation_end_of",
    "purchase_lines",
    "transactions_of",
]

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir

from rapport.behavior.rfm import rfm_scores
from rapport.engines.base import as_table
from rapport.errors import ConfigError

DAY = 86_400.0
TIME_UNITS: dict[str, float] = {"days": DAY, "weeks": 7 * DAY, "months": 365.25 / 12 * DAY}
"""Seconds in each `time_unit`; a month is a twelfth of a mean Julian year (30.4375 days)."""

PERIODS: dict[str, str] = {"hour": "h", "day": "D", "week": "W", "month": "M"}
"""Purchase periods: purchases within one are merged (weeks start on Monday)."""

# The value at the row with the least (greatest) key, as the engines' own aggregates: DuckDB's
# arg_min / arg_max, Spark's min_by / max_by. Ibis's `argmin` compiles to an ordered
# FIRST(value ORDER BY key) on DuckDB, which sorts within each group: `btyd_inputs` took 1.38
# s instead of 1.23 s on 9.8M purchase rows. Used where the key is never NULL and never ties
# within a group (one row per customer and period), where the two give the same value. Ibis
# checks the key's type, so there is one declaration per key type in use.
@ibis.udf.agg.builtin(name="min_by")  # type: ignore[untyped-decorator]
def _min_by_date(value: float, key: date) -> float:  # type: ignore[empty-body]
    """The value at the row with the earliest date."""


@ibis.udf.agg.builtin(name="min_by")  # type: ignore[untyped-decorator]
def _min_by_time(value: float, key: datetime) -> float:  # type: ignore[empty-body]
    """The value at the row with the earliest timestamp."""


@ibis.udf.agg.builtin(name="max_by")  # type: ignore[untyped-decorator]
def _max_by(value: float, key: int) -> float:  # type: ignore[empty-body]
    """The value at the row with the greatest key."""


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_REQUIRED = ("customer_id", "ts", "amount")
_OPTIONAL = {"quantity": "float64", "product": "string", "category": "string", "order_id": "string"}

SUMMARY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("customer_id", "string", "the customer"),
    ("first_purchase", "timestamp", "time of the first purchase"),
    ("last_purchase", "timestamp", "time of the last purchase"),
    ("n_transactions", "int64", "transaction rows, returns included"),
    ("n_orders", "int64", "purchase occasions: distinct orders (order_id, else timestamp)"),
    ("n_returns", "int64", "rows with a negative amount"),
    ("total_spend", "float64", "sum of amounts, net of returns"),
    ("returned_value", "float64", "value returned (a positive number; 0 when none)"),
    ("frequency", "int64", "repeat purchase periods (BTYD x): periods with a purchase - 1"),
    ("recency", "float64", "first to last purchase period, in time_unit (BTYD t_x)"),
    ("T", "float64", "first purchase period to observation_end, in time_unit (BTYD T)"),
    ("monetary_value", "float64", "mean value of the repeat purchase periods; 0 if none"),
    (
        "days_since_last_purchase",
        "float64",
        "calendar days from the last purchase's day to observation_end's day",
    ),
    (
        "median_gap_days",
        "float64",
        "median days between consecutive purchase periods; null with fewer than 2",
    ),
    ("last_gap_days", "float64", "days between the last two purchase periods; null with one"),
    ("overdue_ratio", "float64", "days_since_last_purchase / median_gap_days"),
    ("preferred_weekday", "int64", "the weekday bought on most often, 0 = Monday … 6 = Sunday"),
    ("preferred_weekday_name", "string", "the same as a name (Monday … Sunday)"),
    (
        "preferred_hour",
        "int64",
        "the hour of day bought at most often; null when no purchase has a time of day",
    ),
    ("favourite_category", "string", "the category of most purchase rows"),
    ("favourite_product", "string", "the product of most purchase rows"),
    ("mean_items_per_order", "float64", "mean quantity per purchase occasion"),
    ("mean_order_value", "float64", "mean value per purchase occasion (before returns)"),
    ("rfm_recency_score", "int64", "quintile of days since last purchase, 5 = most recent"),
    ("rfm_frequency_score", "int64", "quintile of n_orders, 5 = most"),
    ("rfm_monetary_score", "int64", "quintile of total_spend (to a millionth), 5 = most"),
    ("rfm_segment", "string", "named segment from the R and F scores (see behavior.rfm)"),
)
"""The columns of `customer_summary`, in order: (name, Ibis type, meaning)."""


@dataclass(frozen=True)
class ObservationEnd:
    """The end of the calibration period: rows up to `cutoff` count (`inclusive` or not)."""

    end: datetime
    cutoff: datetime
    inclusive: bool

    def keeps(self, ts: ir.TimestampValue) -> ir.BooleanValue:
        """True for the rows inside the calibration period."""
        bound = ibis.literal(self.cutoff, type="timestamp")
        result: ir.BooleanValue = ts <= bound if self.inclusive else ts < bound
        return result


def observation_end_of(value: Any, table: ir.Table | None = None) -> ObservationEnd:
    """Read `observation_end` as a date, datetime, ISO string, ObservationEnd (as it is), or
    None (the latest `ts` of `table`)."""
    if isinstance(value, ObservationEnd):
        return value
    if value is None:
        if table is None:
            raise ConfigError("observation_end is needed (a date such as 1997-09-30).")
        latest = table.ts.max().to_pyarrow().as_py()
        if latest is None:
            raise ConfigError("there are no transactions, so no observation_end to default to.")
        value = latest
    if isinstance(value, str):
        text = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                value = date.fromisoformat(text)
            else:
                value = datetime.fromisoformat(text)
        except ValueError:
            raise ConfigError(
                f"observation_end {value!r} is not a date (YYYY-MM-DD) or a date and time."
            ) from None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return ObservationEnd(end=value, cutoff=value, inclusive=True)
    if isinstance(value, date):
        start = datetime(value.year, value.month, value.day)
        return ObservationEnd(end=start, cutoff=start + timedelta(days=1), inclusive=False)
    raise ConfigError(
        f"observation_end must be a date, a datetime or an ISO string, not {type(value).__name__}."
    )


def transactions_of(source: Any, table: str = "transactions") -> ir.Table:
    """The transactions of `source` with the columns the summaries read.

    `source` is an Engine, a Workspace, a DuckDB connection, an Ibis table or an Arrow table.
    customer_id, ts and amount are required; quantity, product, category and order_id are
    null where missing.
    """
    t = as_table(source, table)
    missing = [c for c in _REQUIRED if c not in t.columns]
    if missing:
        raise ConfigError(
            f"the transactions lack the column(s) {', '.join(missing)}; they need "
            f"customer_id, ts and amount."
        )
    wanted = {"customer_id": "string", "ts": "timestamp", "amount": "float64", **_OPTIONAL}
    columns: dict[str, ir.Value] = {}
    for name, kind in wanted.items():
        if name not in t.columns:
            columns[name] = ibis.null(kind)
            continue
        col = t[name]
        same = (
            col.type().is_timestamp() and col.type().timezone is None
            if kind == "timestamp"
            else str(col.type()).rstrip("!") == kind
        )
        columns[name] = col if same else col.cast(kind)
    return t.select(**columns)


def _period_start(ts: ir.TimestampValue, period: str) -> ir.TimestampValue:
    result: ir.TimestampValue = ts.truncate(PERIODS[period])
    return result


def _truncate_py(value: datetime, period: str) -> datetime:
    """The start of the period holding `value`, as the engines compute it."""
    day = datetime(value.year, value.month, value.day)
    if period == "hour":
        return value.replace(minute=0, second=0, microsecond=0)
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _epoch(value: datetime) -> int:
    """Whole seconds since 1970 of a period start."""
    return int((value - datetime(1970, 1, 1)).total_seconds())


def _per(seconds: ir.NumericValue, unit: float) -> ir.FloatingValue:
    """`seconds` in units of `unit` seconds, as a double on every engine (Spark would divide
    by a literal such as 604800.0 as a decimal, and round)."""
    result: ir.FloatingValue = seconds.cast("float64") / ibis.literal(unit, type="float64")
    return result


def _seconds(ts: ir.TimestampValue) -> ir.NumericValue:
    """Seconds since 1970 of a period start (whole seconds on every engine)."""
    result: ir.NumericValue = ts.epoch_seconds().cast("int64")
    return result


def _check(time_unit: str, period: str) -> None:
    if time_unit not in TIME_UNITS:
        raise ConfigError(f"time_unit {time_unit!r} is not one of {', '.join(TIME_UNITS)}.")
    if period not in PERIODS:
        raise ConfigError(f"period {period!r} is not one of {', '.join(PERIODS)}.")


def purchase_lines(t: ir.Table, obs: ObservationEnd) -> ir.Table:
    """Rows inside the calibration period, with helper columns: `is_return` (amount < 0),
    `value` (amount, 0 if missing), `items` (quantity, 1 if missing) and `occasion`
    (the timestamp for rows without an order_id: with it, the purchase occasion)."""
    kept = t.filter(t.customer_id.notnull(), t.ts.notnull(), obs.keeps(t.ts))
    value = kept.amount.fill_null(0.0)
    return kept.mutate(
        value=value,
        is_return=value < 0,
        items=kept.quantity.fill_null(1.0),
        occasion=ibis.ifelse(kept.order_id.isnull(), kept.ts, ibis.null("timestamp")),
    )


def _orders(lines: ir.Table) -> ir.Table:
    """One row per order (a purchase occasion, or an order of returns only) with its totals;
    `ts` is the time of its first purchase row, null for returns only."""
    buy = ~lines.is_return
    return lines.group_by(["customer_id", "order_id", "occasion"]).aggregate(
        n_rows=lines.count(),
        n_returns=lines.count(where=lines.is_return),
        returns=lines.value.sum(where=lines.is_return),
        value=lines.value.sum(where=buy),
        items=lines["items"].sum(where=buy),
        ts=lines.ts.min(where=buy),
    )


def _activity(orders: ir.Table) -> ir.Table:
    """Per customer who bought: counts, spend, typical basket and preferred weekday."""
    weekday = orders.ts.day_of_week.index()
    # the weekday mode, ties to the first: the largest count * 8 + (7 - weekday)
    on_day = {f"_wd{d}": orders.count(where=weekday == d) for d in range(7)}
    agg = orders.group_by("customer_id").aggregate(
        first_purchase=orders.ts.min(),
        last_purchase=orders.ts.max(),
        n_transactions=orders.n_rows.sum(),
        n_orders=orders.count(where=orders.ts.notnull()),
        n_returns=orders.n_returns.sum(),
        purchases=orders.value.sum(),
        returned=orders.returns.sum(),
        mean_items_per_order=orders["items"].mean(),
        mean_order_value=orders.value.mean(),
        **on_day,
    )
    agg = agg.filter(agg.first_purchase.notnull())
    best_day = ibis.greatest(*[agg[f"_wd{d}"] * 8 + (7 - d) for d in range(7)])
    preferred = (7 - best_day % 8).cast("int64")
    returned = agg.returned.fill_null(0.0)
    return agg.mutate(
        total_spend=agg.purchases.fill_null(0.0) + returned,
        returned_value=-returned,
        preferred_weekday=preferred,
        preferred_weekday_name=preferred.cases(*enumerate(WEEKDAYS)),
    ).drop("purchases", "returned", *on_day)


def _mode(rows: ir.Table, value: ir.IntegerValue, name: str, size: int) -> ir.Table:
    """Per customer: the most frequent of `value` (0 … size-1) among `rows`; ties to the
    smallest. The largest count * base + (base - 1 - value) wins."""
    keyed = rows.select("customer_id", _v=value.cast("int64"))
    counts = keyed.group_by(["customer_id", "_v"]).aggregate(_n=keyed.count())
    best = counts.group_by("customer_id").aggregate(
        _k=(counts._n * size + (size - 1 - counts._v)).max()
    )
    return best.select("customer_id", **{name: (size - 1 - best._k % size).cast("int64")})


def _hour(orders: ir.Table) -> ir.Table:
    """Per customer: the preferred hour among purchase occasions with a time of day."""
    timed = orders.filter(orders.ts.notnull(), orders.ts != orders.ts.truncate("D"))
    return _mode(timed, timed.ts.hour(), "preferred_hour", 32)


def _periods(orders: ir.Table, period: str) -> ir.Table:
    """Per customer: purchase periods, first and last, repeat value and median gap."""
    bought = orders.filter(orders.ts.notnull())
    starts = bought.mutate(period=_period_start(bought.ts, period))
    periods = starts.group_by(["customer_id", "period"]).aggregate(value=starts.value.sum())
    periods = periods.select("customer_id", "value", seconds=_seconds(periods.period))
    window = ibis.window(group_by="customer_id", order_by="seconds")
    periods = periods.mutate(prev=periods.seconds.lag().over(window))
    gap_days = _per(periods.seconds - periods.prev, DAY)
    return periods.group_by("customer_id").aggregate(
        n_periods=periods.count(),
        first_seconds=periods.seconds.min(),
        last_seconds=periods.seconds.max(),
        repeat_value=periods.value.sum(where=periods.prev.notnull()),
        median_gap_days=gap_days.median(),
        last_gap_days=_max_by(gap_days, periods.seconds),
    )


def _favourite(lines: ir.Table, column: str) -> ir.Table:
    """Per customer: the value of `column` on most purchase rows (ties: alphabetically first)."""
    rows = lines.filter(~lines.is_return, lines[column].notnull())
    counts = rows.group_by(["customer_id", column]).aggregate(_n=rows.count())
    names = rows.select(column).distinct()
    names = names.mutate(_r=ibis.dense_rank().over(order_by=names[column]))
    base = 2**32  # more than any number of distinct names
    keyed = counts.join(names, column)
    keyed = keyed.mutate(_key=keyed._n * base + (base - 1 - keyed._r))
    best = keyed.group_by("customer_id").aggregate(_key=keyed._key.max())
    best = best.mutate(_r=base - 1 - best._key % base)
    found = best.join(names, "_r")
    return found.select("customer_id", **{f"favourite_{column}": found[column]})


def customer_summary(
    source: Any,
    observation_end: Any = None,
    time_unit: str = "weeks",
    *,
    period: str = "day",
    table: str = "transactions",
    habits: bool = True,
) -> ir.Table:
    """One row per customer who bought by `observation_end`, with `SUMMARY_COLUMNS`.

    `source` is an Engine, a Workspace, a DuckDB connection, or a table of transactions
    (Ibis or Arrow); the result is an Ibis expression to run with `engine.execute` (or
    `.to_pyarrow()`). `time_unit` ("days", "weeks", "months") is the unit of recency and T;
    `period` ("hour", "day", "week", "month") is the span within which purchases merge.
    `habits=False` leaves the preferred hour and the favourite category and product null,
    which saves three large aggregations (about half the time on big data).
    """
    _check(time_unit, period)
    t = transactions_of(source, table)
    obs = observation_end_of(observation_end, t)
    unit = TIME_UNITS[time_unit]
    end_seconds = ibis.literal(_epoch(_truncate_py(obs.end, period)), type="int64")
    end_day_seconds = ibis.literal(_epoch(_truncate_py(obs.end, "day")), type="int64")

    lines = purchase_lines(t, obs)
    # named, so that the engines compute the orders once for the stages that read them
    orders = _orders(lines).alias("customer_orders")
    j = _activity(orders).join(_periods(orders, period), "customer_id")
    if habits:
        for part in (_hour(orders), _favourite(lines, "category"), _favourite(lines, "product")):
            j = j.left_join(part, "customer_id").drop("customer_id_right")
    else:
        j = j.mutate(
            preferred_hour=ibis.null("int64"),
            favourite_category=ibis.null("string"),
            favourite_product=ibis.null("string"),
        )
    frequency = (j.n_periods - 1).cast("int64")
    last_day = _seconds(j.last_purchase.truncate("D"))
    days_since = _per(end_day_seconds - last_day, DAY)
    summary = j.select(
        "customer_id",
        first_purchase=j.first_purchase,
        last_purchase=j.last_purchase,
        n_transactions=j.n_transactions.cast("int64"),
        n_orders=j.n_orders.cast("int64"),
        n_returns=j.n_returns.cast("int64"),
        total_spend=j.total_spend.cast("float64"),
        returned_value=j.returned_value.cast("float64"),
        frequency=frequency,
        recency=_per(j.last_seconds - j.first_seconds, unit),
        T=_per(end_seconds - j.first_seconds, unit),
        monetary_value=ibis.ifelse(frequency > 0, j.repeat_value / frequency, 0.0).cast("float64"),
        days_since_last_purchase=days_since.cast("float64"),
        median_gap_days=j.median_gap_days.cast("float64"),
        last_gap_days=j.last_gap_days.cast("float64"),
        overdue_ratio=(days_since / j.median_gap_days).cast("float64"),
        preferred_weekday=j.preferred_weekday,
        preferred_weekday_name=j.preferred_weekday_name,
        preferred_hour=j.preferred_hour,
        favourite_category=j.favourite_category,
        favourite_product=j.favourite_product,
        mean_items_per_order=j.mean_items_per_order.cast("float64"),
        mean_order_value=j.mean_order_value.cast("float64"),
    )
    # named, so that the engines compute it once for the scores and the rows
    summary = summary.alias("customer_summary_base")
    return rfm_scores(summary).select(*(name for name, _, _ in SUMMARY_COLUMNS))


def btyd_inputs(
    source: Any,
    observation_end: Any = None,
    time_unit: str = "weeks",
    *,
    period: str = "day",
    table: str = "transactions",
) -> ir.Table:
    """Only what the BTYD models read, per customer: frequency, recency, T, monetary_value.

    The same definitions as `customer_summary`, in one pass over the purchase rows, for fitting
    at scale. One difference: a purchase row counts in the period of its own time, where
    `customer_summary` puts all rows of an order in the period of the order's first row (they
    differ only for orders whose rows fall in different periods).
    """
    _check(time_unit, period)
    t = transactions_of(source, table)
    obs = observation_end_of(observation_end, t)
    unit = TIME_UNITS[time_unit]
    end_seconds = ibis.literal(_epoch(_truncate_py(obs.end, period)), type="int64")
    lines = purchase_lines(t, obs)
    buys = lines.filter(~lines.is_return)
    # Days are grouped as dates (four bytes in DuckDB), and periods turned into seconds only
    # per customer, not per purchase period: 1.16-1.23 -> 1.07-1.11 s on 9.8M rows.
    if period == "day":
        start, first_by = buys.ts.date(), _min_by_date
    else:
        start, first_by = _period_start(buys.ts, period), _min_by_time
    periods = buys.group_by(["customer_id", start.name("period")]).aggregate(
        value=buys.value.sum()
    )
    agg = periods.group_by("customer_id").aggregate(
        n_periods=periods.count(),
        first_period=periods.period.min(),
        last_period=periods.period.max(),
        total_value=periods.value.sum(),
        first_value=first_by(periods.value, periods.period),
    )
    agg = agg.mutate(
        first_seconds=_seconds(agg.first_period.cast("timestamp")),
        last_seconds=_seconds(agg.last_period.cast("timestamp")),
    )
    frequency = (agg.n_periods - 1).cast("int64")
    repeat_value = agg.total_value - agg.first_value
    return agg.select(
        "customer_id",
        frequency=frequency,
        recency=_per(agg.last_seconds - agg.first_seconds, unit),
        T=_per(end_seconds - agg.first_seconds, unit),
        monetary_value=ibis.ifelse(frequency > 0, repeat_value / frequency, 0.0).cast("float64"),
    )
