"""The understanding stage: run after the behaviour and voice stages by `rapport analyze`.

In order: engagement beyond buying from what customers wrote (the top rung of the ladder),
say-vs-do triangulation, key drivers, needs-based personas, knowledge coverage (which uses the
personas as segments), trends and research plans (which use the coverage). Each part returns
frames; this module writes them all in one transaction, with a record in `understand_runs`.
"""

from __future__ import annotations

__all__ = ["UNDERSTAND_TABLES", "UnderstandRun", "analyze_understanding", "understand_frames"]

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from rapport import settings
from rapport.schema import sections_markdown, table_exists

from .result import Built

UNDERSTAND_TABLES = ("say_do", "order_outcomes", "drivers", "personas", "customer_personas",
                     "coverage", "blind_spots", "trends", "ladder_flows", "research_plans")


@dataclass
class UnderstandRun:
    """What one run of the understanding stage did."""

    tables: dict[str, int]
    summaries: dict[str, Any]
    seconds: float
    steps: dict[str, float]
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _settings(prefix: str, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: settings.get(f"{prefix}.{n}") for n in names}


def _parts() -> list[tuple[str, Callable[[duckdb.DuckDBPyConnection], Built]]]:
    from .coverage import build_coverage
    from .drivers import build_drivers
    from .flows import build_flows
    from .personas import build_personas
    from .plans import build_plans
    from .say_do import build_say_do
    from .trends import build_trends

    say_do = _settings("say_do", ("lapse_gaps", "min_orders_after", "min_wait_days",
                                  "text_threshold"))
    personas = _settings("personas", ("min_personas", "max_personas", "min_size",
                                      "voice_weight"))
    drivers = _settings("drivers", ("min_support", "n_boot"))
    return [("say_do", partial(build_say_do, **say_do)),
            ("drivers", partial(build_drivers, **drivers)),
            ("personas", partial(build_personas, **personas)),
            ("coverage", build_coverage), ("trends", build_trends),
            ("flows", partial(build_flows, days=int(settings.get("understand.flow_days")))),
            ("plans", build_plans)]


def _register(con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame]) -> None:
    """Write frames as tables now (inside the caller's transaction), so later parts read them."""
    for name, frame in tables.items():
        con.register(f"_{name}_u", pa.Table.from_pandas(frame, preserve_index=False))
        try:
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _{name}_u")
        finally:
            con.unregister(f"_{name}_u")


def _write_queries(con: duckdb.DuckDBPyConnection, built: Built) -> dict[str, int]:
    """Write a part's query tables (inside the caller's transaction), drop its scratch
    tables, and return the rows written per table."""
    counts: dict[str, int] = {}
    try:
        for name, query in built.queries.items():
            con.execute(f"CREATE OR REPLACE TABLE {name} AS {query}")
            counts[name] = int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])
    finally:
        for name in built.scratch:
            con.execute(f"DROP TABLE IF EXISTS {name}")
    return counts


def understand_frames(con: duckdb.DuckDBPyConnection,
                      progress: Callable[[str], None] | None = None) -> UnderstandRun:
    """Run every part, writing each part's tables as it goes (call inside a transaction)."""
    from .engagement import with_voice_engagement

    step = progress or (lambda _s: None)
    started = datetime.now(UTC)
    steps: dict[str, float] = {}
    summaries: dict[str, Any] = {}
    notes: list[str] = []
    counts: dict[str, int] = {}
    if table_exists(con, "customer_behavior") and table_exists(con, "statements"):
        step("engagement")
        t0 = datetime.now(UTC)
        behavior, changes = with_voice_engagement(con)
        _register(con, {"customer_behavior": behavior})
        summaries["engagement"] = changes
        notes.append("customer for life: engagement beyond buying now counts praise, "
                     "suggestions and positive intent in what customers wrote, as well as "
                     "ratings.")
        steps["engagement"] = (datetime.now(UTC) - t0).total_seconds()
    for name, build in _parts():
        step(name.replace("_", "-"))
        t0 = datetime.now(UTC)
        built = build(con)
        _register(con, built.tables)
        counts.update({t: len(f) for t, f in built.tables.items()})
        counts.update(_write_queries(con, built))
        summaries[name] = built.summary
        notes += [f"{name}: {n}" for n in built.notes]
        steps[name] = round((datetime.now(UTC) - t0).total_seconds(), 3)
    return UnderstandRun(
        tables=counts, summaries=summaries,
        seconds=round((datetime.now(UTC) - started).total_seconds(), 3), steps=steps,
        notes=notes,
    )


def analyze_understanding(con: duckdb.DuckDBPyConnection,
                          progress: Callable[[str], None] | None = None) -> UnderstandRun:
    """Rebuild the understanding tables in one transaction (nothing changes if a part fails)
    and record the run in `understand_runs`."""
    con.execute("BEGIN TRANSACTION")
    try:
        run = understand_frames(con, progress)
        con.execute("CREATE TABLE IF NOT EXISTS understand_runs (analysed_at TIMESTAMP, "
                    "run JSON)")
        con.execute("INSERT INTO understand_runs VALUES (?, ?)",
                    [datetime.now(UTC).replace(tzinfo=None),
                     json.dumps(run.as_dict(), default=str)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return run


def tables_markdown() -> str:
    """The derived tables of the understanding stage as Markdown (part of docs/schema.md)."""
    from .coverage import BLIND_SPOT_COLUMNS, COVERAGE_COLUMNS
    from .drivers import DRIVERS_COLUMNS
    from .flows import FLOW_COLUMNS
    from .personas import CUSTOMER_PERSONAS_COLUMNS, PERSONAS_COLUMNS
    from .plans import PLAN_COLUMNS
    from .profile_parts import PROFILE_PARTS_COLUMNS
    from .say_do_delivery import ORDER_OUTCOMES_COLUMNS
    from .say_do_rows import SAY_DO_COLUMNS
    from .trends import TREND_COLUMNS

    sections = [
        ("say_do", "One row per say-vs-do insight: what a customer said against what they "
         "did, with its sources and methods.", SAY_DO_COLUMNS),
        ("order_outcomes", "Each review set against its order's delivery (when transactions "
         "carry promised and delivered dates).", ORDER_OUTCOMES_COLUMNS),
        ("drivers", "One row per outcome and driver: relative importance with its interval, "
         "the effect of fixing or spreading it, and quotes.", DRIVERS_COLUMNS),
        ("personas", "One row per needs-based persona.", PERSONAS_COLUMNS),
        ("customer_personas", "Each customer's persona.", CUSTOMER_PERSONAS_COLUMNS),
        ("coverage", "How well we know each customer, account and segment, per dimension of "
         "the knowledge framework and overall ('all').", COVERAGE_COLUMNS),
        ("blind_spots", "What we know least about whom, in words, most important first.",
         BLIND_SPOT_COLUMNS),
        ("trends", "Sentiment, facets and themes per period.", TREND_COLUMNS),
        ("ladder_flows", "How many customers moved between ladder stages and statuses over "
         "the last `understand.flow_days` days (the overview's flows).", FLOW_COLUMNS),
        ("research_plans", "Research plans for everyone, high-value customers, each persona "
         "and the 200 accounts that spend most.", PLAN_COLUMNS),
        ("profile_parts", "Each customer's rows of the raw and derived tables, gathered by "
         "`analyze` after every stage so that a profile page reads one row instead of fifteen "
         "tables. A part's column exists only once its tables are built; an analysis drops the "
         "table first, and profiles read the tables themselves until it is rebuilt. The raw "
         "parts (identity, purchases) hold until the next load: a load deletes their stamp "
         "(`profile_parts_raw` in `rapport_meta`), and profiles read those from the raw "
         "tables until the next analysis.",
         PROFILE_PARTS_COLUMNS),
    ]
    lines = sections_markdown("Derived tables of the understanding stage", sections)
    lines += ["## `understand_runs`", "", "One row per run of the understanding stage: "
              "analysed_at, run (JSON: rows per table, summaries, seconds per part, notes).", ""]
    return "\n".join(lines)
