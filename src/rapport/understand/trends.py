"""Trends: what customers say, over time.

Per period (month by default): the number of statements and their mean sentiment; the share of
statements carrying each facet; the share of statements in each top-level theme. Emerging
themes grew: their share in the last `recent_days` is at least `emerging_ratio` times their
share in the year before, with at least `min_recent` statements (themes the codebook did not
know are emerging by definition). Fading themes shrank to at most `fading_ratio` of their
earlier share. Ladder flows between two dates are computed on demand (`Workspace.flows`).
"""

from __future__ import annotations

__all__ = ["STORED_PERIOD", "TREND_COLUMNS", "build_trends", "theme_changes"]

from typing import Any

import duckdb
import numpy as np
import pandas as pd

from rapport.errors import ConfigError
from rapport.schema import table_exists

from .result import Built, Columns, empty_frame

TREND_COLUMNS: Columns = (
    ("period", "datetime64[us]", "start of the period"),
    ("kind", "string", "sentiment, facet or theme"),
    ("key", "string", "'all', the facet, or the theme_id"),
    ("label", "string", "in words"),
    ("statements", "int64", "statements in the period with that key"),
    ("share", "float64", "their share of all statements in the period"),
    ("sentiment", "float64", "their mean sentiment, -1..1"),
)

PERIODS = ("week", "month", "quarter", "year")
STORED_PERIOD = "month"
"""The period of the `trends` table that `analyze` writes; others are computed on demand."""


def _series(con: duckdb.DuckDBPyConnection, period: str) -> pd.DataFrame:
    base = ("WITH s AS (SELECT statement_id, date_trunc(?, ts) AS period, sentiment "
            "FROM statements WHERE ts IS NOT NULL), "
            "n AS (SELECT period, count(*) AS total FROM s GROUP BY 1) ")
    sql = base + (
        "SELECT period, 'sentiment' AS kind, 'all' AS key, 'all statements' AS label, "
        "count(*) AS statements, 1.0 AS share, avg(sentiment) AS sentiment FROM s GROUP BY 1 "
        "UNION ALL SELECT s.period, 'facet', f.facet, f.facet, count(DISTINCT s.statement_id),"
        " count(DISTINCT s.statement_id) / any_value(n.total), avg(s.sentiment) FROM s "
        "JOIN statement_facets f USING (statement_id) JOIN n USING (period) GROUP BY 1, 3, 4 "
    )
    params: list[Any] = [period]
    if table_exists(con, "themes") and table_exists(con, "statement_themes"):
        sql += (
            "UNION ALL SELECT s.period, 'theme', t.theme_id, any_value(t.label), "
            "count(DISTINCT s.statement_id), count(DISTINCT s.statement_id) / "
            "any_value(n.total), avg(s.sentiment) FROM s JOIN statement_themes st "
            "USING (statement_id) JOIN themes t ON t.theme_id = st.theme_id AND t.level = 1 "
            "JOIN n USING (period) GROUP BY 1, 3 "
        )
    frame = con.execute(sql + "ORDER BY 2, 3, 1", params).fetch_df()
    return frame


def theme_changes(con: duckdb.DuckDBPyConnection, *, recent_days: int = 90,
                  emerging_ratio: float = 1.5, fading_ratio: float = 0.5,
                  min_recent: int = 5) -> dict[str, list[dict[str, Any]]]:
    """Emerging and fading top-level themes (see the module's rules)."""
    if not (table_exists(con, "themes") and table_exists(con, "statement_themes")):
        return {"emerging": [], "fading": []}
    rows = con.execute(
        "WITH bounds AS (SELECT max(ts) AS end_ts FROM statements), "
        "s AS (SELECT s.statement_id, s.ts, s.sentiment, "
        "  s.ts > b.end_ts - to_days(?) AS recent, "
        "  s.ts > b.end_ts - to_days(? + 365) AND s.ts <= b.end_ts - to_days(?) AS earlier "
        "  FROM statements s, bounds b WHERE s.ts IS NOT NULL), "
        "tot AS (SELECT count(*) FILTER (WHERE recent) AS r, count(*) FILTER (WHERE earlier) "
        "  AS e FROM s) "
        "SELECT t.theme_id, any_value(t.label) AS label, any_value(t.status) AS status, "
        "count(*) FILTER (WHERE s.recent) AS recent, count(*) FILTER (WHERE s.earlier) AS "
        "earlier, any_value(tot.r) AS recent_total, any_value(tot.e) AS earlier_total, "
        "avg(s.sentiment) FILTER (WHERE s.recent) AS recent_sentiment "
        "FROM s JOIN statement_themes st USING (statement_id) JOIN themes t "
        "ON t.theme_id = st.theme_id AND t.level = 1, tot GROUP BY 1",
        [recent_days, recent_days, recent_days],
    ).fetch_df()
    if rows.empty:
        return {"emerging": [], "fading": []}
    rows["recent_share"] = rows["recent"] / rows["recent_total"].replace(0, np.nan)
    rows["earlier_share"] = rows["earlier"] / rows["earlier_total"].replace(0, np.nan)
    ratio = rows["recent_share"] / rows["earlier_share"].replace(0, np.nan)
    rows["ratio"] = ratio
    emerging = rows[(rows["recent"] >= min_recent) & (
        (ratio >= emerging_ratio) | (rows["earlier"] == 0) | (rows["status"] == "emerging"))]
    fading = rows[(rows["earlier"] >= min_recent) & (rows["recent_share"].fillna(0)
                                                     <= fading_ratio * rows["earlier_share"])]

    def out(frame: pd.DataFrame, key: str) -> list[dict[str, Any]]:
        frame = frame.sort_values(key, ascending=key != "ratio")
        records: list[dict[str, Any]] = frame.to_dict("records")  # type: ignore[assignment]
        return [{"theme_id": r["theme_id"], "label": r["label"], "recent": int(r["recent"]),
                 "earlier": int(r["earlier"]),
                 "recent_share": round(float(np.nan_to_num(r["recent_share"])), 4),
                 "earlier_share": round(float(np.nan_to_num(r["earlier_share"])), 4),
                 "recent_sentiment": None if pd.isna(r["recent_sentiment"])
                 else round(float(r["recent_sentiment"]), 3)}
                for r in records]

    return {"emerging": out(emerging.assign(g=-emerging["recent"]), "g")[:10],
            "fading": out(fading, "ratio")[:10]}


def build_trends(con: duckdb.DuckDBPyConnection, *, period: str = STORED_PERIOD) -> Built:
    """The `trends` table and the emerging and fading themes."""
    if period not in PERIODS:
        raise ConfigError(f"period {period!r}: use one of {', '.join(PERIODS)}.")
    if not (table_exists(con, "statements") and table_exists(con, "statement_facets")):
        return Built({"trends": empty_frame(TREND_COLUMNS)}, {},
                     ["no statements yet: load feedback and run the voice stage."])
    frame = _series(con, period)
    frame["period"] = pd.to_datetime(frame["period"]).astype("datetime64[us]")
    frame["statements"] = frame["statements"].astype("int64")
    frame = frame[[c for c, _, _ in TREND_COLUMNS]]
    changes = theme_changes(con)
    summary = {"period": period, "periods": int(frame["period"].nunique()),
               "emerging": [c["label"] for c in changes["emerging"]],
               "fading": [c["label"] for c in changes["fading"]]}
    return Built({"trends": frame}, summary, [])
