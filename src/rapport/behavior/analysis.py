"""The behaviour stage end to end: transactions → summaries → BTYD fits → predictions → ladder.

`analyze_behavior` reads the store's transactions (on DuckDB, or on Spark when asked), fits
BG/NBD and Gamma-Gamma, predicts P(alive), purchases, spend and CLV over a horizon, places
every customer (prospects included) on the loyalty ladder and writes `customer_behavior`, with
the models' parameters recorded in `behavior_models`.
"""

from __future__ import annotations

__all__ = [
    "BEHAVIOR_COLUMNS",
    "BEHAVIOR_EXTRA_COLUMNS",
    "BehaviorRun",
    "analyze_behavior",
    "behavior_frame",
    "tables_markdown",
    "validate_behavior",
]

import json
import math
import re
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

import rapport
from rapport import settings
from rapport.behavior.cohort_models import cohort_survival, fit_cohorts
from rapport.behavior.cohorts import COHORT_COLUMNS, cohort_retention
from rapport.behavior.engagement import engagement
from rapport.behavior.ladder import LadderSettings, assign_stages
from rapport.behavior.models import (
    BetaGeoModel,
    GammaGammaModel,
    calibration_holdout_report,
    customer_lifetime_value,
)
from rapport.behavior.models.clv import convert_time
from rapport.behavior.summaries import (
    SUMMARY_COLUMNS,
    TIME_UNITS,
    customer_summary,
    observation_end_of,
    transactions_of,
)
from rapport.engines.base import Engine, get_engine
from rapport.errors import ConfigError, ConvergenceError, NotAnalyzedError
from rapport.schema import sections_markdown

Progress = Callable[[str], None]
_MODEL_PREFIX = re.compile(r"^\w+Model: ")

BEHAVIOR_EXTRA_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("p_alive", "float64", "probability the customer is still active (BG/NBD); empty for "
     "one-time buyers, whom BG/NBD holds active whatever their age (their status follows the "
     "age of their purchase)"),
    ("expected_purchases", "float64", "expected purchases over the horizon (BG/NBD)"),
    ("expected_spend", "float64", "expected value of one purchase (Gamma-Gamma)"),
    ("clv", "float64", "discounted expected value over the horizon"),
    ("horizon_months", "float64", "the horizon of expected purchases and CLV, in months "
     "(setting behavior.horizon_months)"),
    ("engaged", "bool", "engaged beyond buying (positive feedback)"),
    ("engagement", "string", "the evidence of engagement, in words"),
    ("stage", "string", "place on the loyalty ladder"),
    ("status", "string", "active, won back, at risk, lapsed or never bought"),
    ("observation_end", "timestamp", "the date the analysis looks from"),
    ("model_version", "string", "the Rapport version and models that made the row"),
)

BEHAVIOR_COLUMNS = SUMMARY_COLUMNS + BEHAVIOR_EXTRA_COLUMNS
"""The columns of `customer_behavior`, in order: (name, type, meaning)."""


def tables_markdown() -> str:
    """The derived tables of the behaviour stage as Markdown (part of docs/schema.md)."""
    sections = [
        ("customer_behavior", "One row per customer (prospects included): the summary, the "
         "models' predictions and the loyalty ladder, as of `observation_end`.",
         BEHAVIOR_COLUMNS),
        ("cohort_retention", "Per first-purchase-month cohort and month since: the share "
         "buying in that month.", COHORT_COLUMNS),
    ]
    lines = sections_markdown("Derived tables (written by `rapport analyze`)", sections)
    lines += [
        "## `cohort_models`", "",
        "One sBG fit per cohort: cohort_month, cohort_size, months_observed, alpha, beta, "
        "log_likelihood, survival_12 and survival_horizon (projected share still buying after "
        "12 and horizon_months months), note (why a cohort was not fitted).", "",
        "## `behavior_models`", "",
        "One row per run of the behaviour stage: fitted_at, observation_end, time_unit, "
        "horizon_months, engine, customers, buyers, models (JSON: each model's parameters, "
        "log-likelihood and standard errors), notes.", "",
    ]
    return "\n".join(lines)


@dataclass
class BehaviorRun:
    """What one run of the behaviour stage did."""

    observation_end: datetime
    customers: int
    buyers: int
    time_unit: str
    horizon_months: float
    models: dict[str, dict[str, Any]]
    stages: dict[str, int]
    statuses: dict[str, int]
    engine: str
    seconds: float
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _engine_table(
    con: duckdb.DuckDBPyConnection, engine: str, spark: Any, tmp: Path
) -> tuple[Engine, Any]:
    if engine == "duckdb":
        eng = get_engine("duckdb", con)
        return eng, transactions_of(eng)
    eng = get_engine("spark", spark)
    path = tmp / "transactions.parquet"
    con.execute(
        f"COPY (SELECT customer_id, ts, amount, quantity, product, category, order_id "
        f"FROM transactions) TO '{path}' (FORMAT parquet)"
    )
    return eng, transactions_of(eng.from_parquet(path))


def behavior_frame(
    con: duckdb.DuckDBPyConnection,
    *,
    observation_end: Any = None,
    engine: str = "duckdb",
    spark: Any = None,
    time_unit: str | None = None,
    horizon_months: float | None = None,
    discount_rate: float | None = None,
    ladder: LadderSettings | None = None,
    progress: Progress | None = None,
    cohorts: bool = False,
    habits: bool = True,
) -> tuple[pd.DataFrame, BehaviorRun, dict[str, pd.DataFrame]]:
    """Compute the behaviour of every customer as of `observation_end` (default: the last
    transaction); nothing is written. With `cohorts`, also the cohort tables
    (`cohort_retention`, `cohort_models`), returned by name. `habits=False` leaves out the
    preferred hour and the favourite category and product, which the ladder does not read
    (about half the summary's time on large data)."""
    step = progress or (lambda _s: None)
    started = datetime.now(UTC)
    unit, horizon, rate = _model_settings(time_unit, horizon_months, discount_rate)
    ladder = ladder or LadderSettings.from_settings()  # checked before the work, not after
    n_tx = con.execute("SELECT count(*) FROM transactions").fetchone()
    if not n_tx or not n_tx[0]:
        raise NotAnalyzedError(
            "there are no transactions to analyse; load some with `rapport ingest FILE "
            "--kind transactions` (or try `rapport demo`)."
        )
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="rapport-") as tmp:
        step("summaries")
        eng, t = _engine_table(con, engine, spark, Path(tmp))
        obs = observation_end_of(observation_end, t)
        summary = eng.execute(customer_summary(t, obs, unit, habits=habits)).to_pandas()
        tables: dict[str, pd.DataFrame] = {}
        if cohorts:
            tables["cohort_retention"] = eng.execute(cohort_retention(t, obs)).to_pandas()
    if summary.empty:
        raise NotAnalyzedError(_no_purchases(con, obs.end, "--as-of"))
    step("models")
    models, predictions = _fit_and_predict(summary, unit, horizon, rate, notes)
    summary = pd.concat([summary, predictions], axis=1)
    step("ladder")
    everyone = con.execute("SELECT customer_id FROM customers").fetch_df()
    frame = everyone.merge(summary, on="customer_id", how="left")
    engaged, with_words = engagement(con, obs.end)
    if not with_words:
        notes.append(
            "customer for life: engagement beyond buying is judged from ratings only (promoter "
            "scores, 4-5 stars) until the voice stage has read what customers wrote."
        )
    frame = frame.merge(engaged, on="customer_id", how="left")
    frame["engaged"] = frame["engaged"].astype("boolean").fillna(False).astype(bool)
    frame = assign_stages(frame, ladder)
    frame["horizon_months"] = horizon
    frame["observation_end"] = pd.Timestamp(obs.end)
    frame["model_version"] = (
        f"rapport {rapport.__version__}: BG/NBD + Gamma-Gamma, {unit}, {horizon:g} months"
    )
    frame = frame[[name for name, _, _ in BEHAVIOR_COLUMNS]]
    if cohorts:
        tables["cohort_models"] = fit_cohorts(cohort_survival(frame, obs.end))
    run = BehaviorRun(
        observation_end=obs.end,
        customers=len(frame),
        buyers=len(summary),
        time_unit=unit,
        horizon_months=horizon,
        models=models,
        stages={str(k): int(v) for k, v in frame["stage"].value_counts().items()},
        statuses={str(k): int(v) for k, v in frame["status"].value_counts().items()},
        engine=engine,
        seconds=(datetime.now(UTC) - started).total_seconds(),
        notes=notes,
    )
    return frame, run, tables


def _model_settings(
    time_unit: str | None, horizon_months: float | None, discount_rate: float | None
) -> tuple[str, float, float]:
    """The time unit, horizon (months) and monthly discount rate, checked; an error names
    the argument or, where the value came from the environment, its variable."""
    def source(name: str, given: object) -> str:
        return settings.set_by_environment(name, given) or name.split(".")[1]

    unit = str(settings.get("behavior.time_unit", time_unit))
    horizon = float(settings.get("behavior.horizon_months", horizon_months))
    rate = float(settings.get("behavior.discount_rate", discount_rate))
    if unit not in TIME_UNITS:
        raise ConfigError(f"{source('behavior.time_unit', time_unit)}={unit!r}: not a time "
                          f"unit of the models; use one of {', '.join(TIME_UNITS)}.")
    if not (math.isfinite(horizon) and horizon > 0):
        raise ConfigError(f"{source('behavior.horizon_months', horizon_months)}={horizon:g}: "
                          "the horizon of expected purchases and CLV must be a positive number "
                          "of months (12 is the default).")
    if not (math.isfinite(rate) and 0 <= rate < 1):
        raise ConfigError(f"{source('behavior.discount_rate', discount_rate)}={rate:g}: the "
                          "monthly discount rate of CLV must be at least 0 and below 1 (0.01 "
                          "is the default, 1% a month).")
    return unit, horizon, rate


def _no_purchases(con: duckdb.DuckDBPyConnection, end: datetime, option: str) -> str:
    """Why there is no one to model on `end`, and what to do (`option` sets that date)."""
    found = con.execute(
        "SELECT min(ts) FILTER (WHERE coalesce(amount, 0) >= 0), count(*) FROM transactions "
        "WHERE customer_id IS NOT NULL AND ts IS NOT NULL"
    ).fetchall()
    first, rows = found[0] if found else (None, 0)
    said = f"no purchases up to {end:%Y-%m-%d} to analyse"
    if first is None:
        return (f"{said}: all {rows:,} transactions are returns (negative amounts). Load the "
                f"purchases with `rapport ingest FILE --kind transactions`.")
    return (f"{said}: the first purchase is on {first:%Y-%m-%d}. Choose that day or a later "
            f"one ({option}).")


def _fit_and_predict(
    summary: pd.DataFrame, unit: str, horizon: float, rate: float, notes: list[str]
) -> tuple[dict[str, dict[str, Any]], pd.DataFrame]:
    x = summary["frequency"].to_numpy(dtype=float)
    t_x = summary["recency"].to_numpy(dtype=float)
    t_cal = summary["T"].to_numpy(dtype=float)
    m = summary["monetary_value"].to_numpy(dtype=float)
    models: dict[str, dict[str, Any]] = {}
    out = pd.DataFrame(index=summary.index)
    if not (x > 0).any():
        notes.append("nobody has bought twice yet: BG/NBD cannot tell how customers leave, so "
                     "expected purchases and CLV rest on first purchases alone (read them as "
                     "rough).")
    bg = BetaGeoModel(time_unit=unit)
    try:
        with _noting("BG/NBD", notes):
            bg.fit(x, t_x, t_cal)
    except ConvergenceError:
        with _noting("BG/NBD", notes):
            bg = BetaGeoModel(time_unit=unit, penalizer=0.001).fit(x, t_x, t_cal)
        notes.append("BG/NBD needed a small penalty (0.001) to converge.")
    models["bgnbd"] = _model_record(bg)
    # BG/NBD lets customers leave only after a repeat purchase: for a one-time buyer it says
    # 1.0 however long ago they bought, which reads as a fact it is not. Left empty instead.
    out["p_alive"] = np.where(x > 0, bg.prob_alive(x, t_x, t_cal), np.nan)
    out["expected_purchases"] = bg.expected_purchases(
        convert_time(horizon, "months", unit), x, t_x, t_cal
    )
    repeat = (x > 0) & (m > 0)
    free = int(((x > 0) & (m <= 0)).sum())
    if repeat.sum() >= 20:
        with _noting("Gamma-Gamma", notes):
            gg = GammaGammaModel().fit(x[repeat], m[repeat])
        models["gamma_gamma"] = _model_record(gg)
        # Gamma-Gamma needs a positive mean: repeat purchases worth nothing (free items,
        # returns netting out) count as a cent each, which pulls the expectation toward 0
        spend = np.where(x > 0, np.maximum(m, 0.01), 0.0)
        if free:
            whose = "1 customer's" if free == 1 else f"{free:,} customers'"
            notes.append(f"{whose} repeat purchases are worth 0 on average; a cent a "
                         "purchase is taken as their spend.")
        out["expected_spend"] = gg.expected_spend(x, spend)
        out["clv"] = customer_lifetime_value(
            bg, gg, x, t_x, t_cal, spend, horizon=horizon,
            horizon_unit="months", discount_rate=rate, discount_unit="months",
        )
    else:
        mean = float(summary["mean_order_value"].mean())
        out["expected_spend"] = mean
        out["clv"] = out["expected_purchases"] * mean
        n = int(repeat.sum())
        few = "no repeat customers" if n == 0 else (
            "only 1 repeat customer" if n == 1 else f"only {n} repeat customers")
        notes.append(f"{few} with spend: spend is the mean order value, not a Gamma-Gamma fit.")
    return models, out


@contextmanager
def _noting(label: str, notes: list[str]) -> Iterator[None]:
    """A model's warnings (say, standard errors that cannot be computed) as the run's notes,
    where the CLI, the API and `behavior_models` show them, not as stray lines on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        yield
    for warning in caught:
        if issubclass(warning.category, RuntimeWarning):
            # "BetaGeoModel: the Hessian …" reads "BG/NBD: the Hessian …"
            note = f"{label}: {_MODEL_PREFIX.sub('', str(warning.message))}"
            if note not in notes:
                notes.append(note)
        else:  # not the model's to say: passed on as it came
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)


def _model_record(model: Any) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(model.to_json())
    record["log_likelihood"] = float(model.log_likelihood_)
    # None, not NaN, where a standard error is unknown: NaN is not JSON (`analyze --json`,
    # the API and the `behavior_models` record would not parse in a strict reader).
    record["standard_errors"] = {k: (float(v) if math.isfinite(v) else None)
                                 for k, v in model.standard_errors_.items()}
    return record


def validate_behavior(
    con: duckdb.DuckDBPyConnection,
    calibration_end: Any,
    holdout_end: Any = None,
    *,
    time_unit: str | None = None,
) -> dict[str, Any]:
    """Fit BG/NBD on the purchases up to `calibration_end` and compare its predictions with
    the purchases each customer really made from then to `holdout_end` (default: the last
    transaction), by calibration frequency."""
    unit = _model_settings(time_unit, None, None)[0]
    eng = get_engine("duckdb", con)
    t = transactions_of(eng)
    cal = observation_end_of(calibration_end, t)
    end = observation_end_of(holdout_end, t)
    if end.end <= cal.end:
        raise ConfigError(
            f"the holdout must end after the calibration: {end.end:%Y-%m-%d} is not after "
            f"{cal.end:%Y-%m-%d}. Choose an earlier calibration end (--until) or a later "
            f"holdout end (--holdout-end)."
        )
    before = eng.execute(customer_summary(t, cal, unit, habits=False)).to_pandas()
    if before.empty:
        raise NotAnalyzedError(_no_purchases(con, cal.end, "--until"))
    after = eng.execute(customer_summary(t, end, unit, habits=False)).to_pandas()
    both = before.merge(after[["customer_id", "frequency"]], on="customer_id",
                        suffixes=("", "_all"))
    holdout = (both["frequency_all"] - both["frequency"]).to_numpy(dtype=float)
    duration = (end.end - cal.end).total_seconds() / TIME_UNITS[unit]
    model = BetaGeoModel(time_unit=unit).fit(both["frequency"], both["recency"], both["T"])
    report = calibration_holdout_report(model, both["frequency"], both["recency"], both["T"],
                                        holdout, duration)
    return {
        "calibration_end": cal.end, "holdout_end": end.end, "time_unit": unit,
        "holdout_length": duration, "customers": len(both),
        "params": dict(model.params_),
        "report": report.reset_index(names="frequency").to_dict("records"),
    }


def analyze_behavior(
    con: duckdb.DuckDBPyConnection, **options: Any
) -> BehaviorRun:
    """Compute and write `customer_behavior`, `cohort_retention`, `cohort_models` and a
    `behavior_models` record, in one transaction."""
    frame, run, tables = behavior_frame(con, cohorts=True, **options)
    record = json.dumps(run.models, default=str)
    tables = {"customer_behavior": frame, **tables}
    for name, data in tables.items():
        con.register(f"_{name}_arrow", pa.Table.from_pandas(data, preserve_index=False))
    con.execute("BEGIN TRANSACTION")
    try:
        for name in tables:
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _{name}_arrow")
        con.execute(
            "CREATE TABLE IF NOT EXISTS behavior_models (fitted_at TIMESTAMP, "
            "observation_end TIMESTAMP, time_unit VARCHAR, horizon_months DOUBLE, "
            "engine VARCHAR, customers BIGINT, buyers BIGINT, models JSON, notes JSON)"
        )
        con.execute(
            "INSERT INTO behavior_models VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [datetime.now(UTC).replace(tzinfo=None), run.observation_end, run.time_unit,
             run.horizon_months, run.engine, run.customers, run.buyers, record,
             json.dumps(run.notes)],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in tables:
            con.unregister(f"_{name}_arrow")
    return run
