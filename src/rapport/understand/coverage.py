"""Knowledge coverage: how well the business knows each customer, segment and account.

For every customer (and every account) and every dimension of the knowledge framework
(`knowledge.toml`), the evidence found (see `evidence.py`) is scored:

    depth       = min(1, evidence items / the dimension's `enough`)
    freshness   = 0.5 ** (days since the newest evidence / `half_life_days`)  (1 if it does not age)
    triangulation = min(1, independent sources / `enough_sources`)
    score       = depth × freshness × (1 - w + w × triangulation),  w = `triangulation_weight`

Independent sources are the customer record, purchase records and each kind of feedback
(survey, review, ticket, interview, call, social, note): two reviews are one source, a review
and a support ticket are two. A dimension is *answered* when any evidence exists. An entity's
overall score is the weighted mean of its dimensions' scores. Segments (ladder stages, statuses,
RFM segments, high-value customers, personas) get the share of their customers for whom each
dimension is answered and the mean score; blind spots compare what is known best with what is
known least, in plain words.
"""

from __future__ import annotations

__all__ = ["BLIND_SPOT_COLUMNS", "COVERAGE_COLUMNS", "build_coverage", "segment_phrase"]

import contextlib
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from rapport.ingest.sqltools import lit
from rapport.schema import table_exists

from .evidence import evidence_query
from .knowledge import Dimension, Framework, load_framework
from .result import Built, Columns, empty_frame

COVERAGE_COLUMNS: Columns = (
    ("level", "string", "customer, account, segment or overall"),
    ("segment_kind", "string", "for segments: stage, status, rfm_segment, value or persona"),
    ("entity_id", "string", "the customer, account or segment"),
    ("entity_label", "string", "its name in words"),
    ("dimension", "string", "a dimension of the knowledge framework, or 'all'"),
    ("dimension_group", "string", "outer, inner or account ('all' for the total)"),
    ("score", "float64", "0..1: depth × freshness × triangulation (mean over a segment)"),
    ("answered", "float64", "1 if any evidence answers it (share of customers for segments)"),
    ("evidence", "float64", "evidence items (mean per customer for segments)"),
    ("sources", "float64", "independent sources of the evidence (mean for segments)"),
    ("methods", "float64", "methods behind the evidence (mean for segments)"),
    ("source_list", "string", "JSON list of the sources"),
    ("method_list", "string", "JSON list of the methods"),
    ("last_evidence", "datetime64[us]", "date of the newest evidence"),
    ("freshness", "float64", "0..1: 1 is fresh, 0.5 one half-life old"),
    ("customers", "int64", "customers in the segment (1 for a customer)"),
    ("weight", "float64", "the dimension's weight in the overall score"),
)

BLIND_SPOT_COLUMNS: Columns = (
    ("rank", "int64", "most important first"),
    ("segment_kind", "string", "all, value, stage, status or persona"),
    ("segment", "string", "the segment in words"),
    ("dimension", "string", "what we know least about them"),
    ("known_share", "float64", "share of the segment for whom it is answered"),
    ("best_dimension", "string", "what we know best about them"),
    ("best_share", "float64", "share for whom that is answered"),
    ("customers", "int64", "customers in the segment"),
    ("importance", "float64", "value share of the segment × the gap × the dimension's weight"),
    ("text", "string", "the blind spot in plain words"),
)


def _as_of(con: duckdb.DuckDBPyConnection) -> datetime:
    row = con.execute(
        "SELECT greatest((SELECT max(ts) FROM transactions), (SELECT max(ts) FROM feedback))"
    ).fetchall()
    value = row[0][0] if row else None
    return pd.Timestamp(value).to_pydatetime() if value is not None else datetime(1970, 1, 1)


def _score(con: duckdb.DuckDBPyConnection, entities: str, evidence: str | None,
           dims: tuple[Dimension, ...], framework: Framework, as_of: datetime,
           level: str, into: str) -> None:
    """Create the temporary table `into`: one row per entity and dimension with the score's
    parts, then one 'all' row per entity (the weighted mean score, evidence summed, sources
    and methods united). `entities` selects entity_id and entity_label; `evidence` selects
    EVIDENCE_FRAME (None: no evidence yet). Everything stays in the store: at a million
    customers these are over ten million rows."""
    frame = pd.DataFrame({
        "dimension": [d.name for d in dims], "dimension_group": [d.group for d in dims],
        "weight": [float(d.weight) for d in dims], "enough": [float(d.enough) for d in dims],
        "half_life": [float(d.half_life_days) for d in dims],
    })
    found = evidence or ("SELECT NULL::VARCHAR AS entity_id, NULL::VARCHAR AS dimension, "
                         "NULL::VARCHAR AS source, NULL::VARCHAR AS method, "
                         "NULL::TIMESTAMP AS ts, NULL::DOUBLE AS n WHERE false")
    w, enough_sources = framework.triangulation_weight, framework.enough_sources
    con.register("_cov_dims", frame)
    try:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {into} AS
            WITH ev AS MATERIALIZED ({found}),
            agg AS (
                SELECT entity_id, dimension, sum(n) AS evidence, max(ts) AS last_evidence,
                       list(DISTINCT source ORDER BY source) AS s,
                       list(DISTINCT method ORDER BY method) AS m
                FROM ev GROUP BY 1, 2),
            -- each entity's sources and methods over all its dimensions, straight from the
            -- evidence (uniting the per-dimension lists took 11 of 15 s at a million)
            every AS (
                SELECT entity_id, list_sort(list_distinct(list(source))) AS s,
                       list_sort(list_distinct(list(method))) AS m
                FROM ev GROUP BY 1),
            ent AS ({entities}),
            grid AS (
                SELECT e.entity_id, e.entity_label, d.dimension, d.dimension_group, d.weight,
                       d.enough, d.half_life, coalesce(a.evidence, 0) AS evidence,
                       a.last_evidence, coalesce(a.s, []) AS s, coalesce(a.m, []) AS m
                FROM ent e CROSS JOIN _cov_dims d
                LEFT JOIN agg a ON a.entity_id = e.entity_id AND a.dimension = d.dimension),
            scored AS (
                SELECT *, CAST(len(s) AS DOUBLE) AS sources, CAST(len(m) AS DOUBLE) AS methods,
                       CASE WHEN evidence <= 0 THEN 0.0
                            WHEN half_life > 0 AND last_evidence IS NOT NULL THEN pow(0.5,
                                greatest(0, epoch(?::TIMESTAMP) - epoch(last_evidence))
                                / 86400.0 / half_life)
                            ELSE 1.0 END AS freshness
                FROM grid),
            final AS (
                SELECT *, least(1.0, evidence / enough) * freshness
                          * (1 - {w} + {w} * least(1.0, sources / {enough_sources})) AS score,
                       CAST(evidence > 0 AS DOUBLE) AS answered
                FROM scored)
            SELECT {lit(level)} AS level, NULL::VARCHAR AS segment_kind, entity_id,
                   entity_label, dimension, dimension_group, weight, evidence, last_evidence,
                   s, m, sources, methods, freshness, score, answered, 1 AS customers
            FROM final
            UNION ALL
            SELECT {lit(level)}, NULL, f.entity_id, f.entity_label, 'all', 'all',
                   f.weight, f.evidence, f.last_evidence, coalesce(e.s, []), coalesce(e.m, []),
                   CAST(len(coalesce(e.s, [])) AS DOUBLE), CAST(len(coalesce(e.m, [])) AS DOUBLE),
                   NULL, f.score, f.answered, 1
            FROM (SELECT entity_id, any_value(entity_label) AS entity_label,
                         sum(weight) AS weight, sum(evidence) AS evidence,
                         max(last_evidence) AS last_evidence,
                         sum(score * weight) / nullif(sum(weight), 0) AS score,
                         sum(answered * weight) / nullif(sum(weight), 0) AS answered
                  FROM final GROUP BY entity_id) f
            LEFT JOIN every e ON e.entity_id = f.entity_id""", [as_of])
    finally:
        con.unregister("_cov_dims")


# A customer's CLV for segment values: missing (or NaN) counts as 0.
_CLV = "coalesce(CASE WHEN isnan(b.clv) THEN NULL ELSE b.clv END, 0.0)"


def _members(con: duckdb.DuckDBPyConnection, framework: Framework, into: str) -> None:
    """Create the temporary table `into`: customer_id → (segment_kind, segment) memberships
    (ladder stage, status, RFM segment, high-value customers, persona) with each member's
    CLV."""
    parts = []
    if table_exists(con, "customer_behavior"):
        for kind in ("stage", "status", "rfm_segment"):
            parts.append(f"SELECT b.customer_id, CAST(b.{kind} AS VARCHAR) AS segment, "
                         f"{lit(kind)} AS segment_kind, {_CLV} AS clv FROM customer_behavior b "
                         f"WHERE b.{kind} IS NOT NULL")
        buyers = "FROM customer_behavior b WHERE coalesce(b.n_orders, 0) > 0"
        cut = f"(SELECT quantile_cont({_CLV}, {1 - framework.high_value_share}) {buyers})"
        parts.append(f"SELECT b.customer_id, 'high-value customers', 'value', {_CLV} "
                     f"{buyers} AND {_CLV} >= {cut}")
    if table_exists(con, "customer_personas"):
        if table_exists(con, "customer_behavior"):
            parts.append(f"SELECT p.customer_id, CAST(p.persona AS VARCHAR), 'persona', "
                         f"CASE WHEN b.stage IS NOT NULL THEN {_CLV} ELSE 0.0 END "
                         "FROM customer_personas p LEFT JOIN customer_behavior b "
                         "USING (customer_id) WHERE p.persona IS NOT NULL")
        else:
            parts.append("SELECT customer_id, CAST(persona AS VARCHAR), 'persona', 0.0 "
                         "FROM customer_personas WHERE persona IS NOT NULL")
    # The union takes its column names from its first part.
    parts.insert(0, "SELECT NULL::VARCHAR AS customer_id, NULL::VARCHAR AS segment, "
                    "NULL::VARCHAR AS segment_kind, NULL::DOUBLE AS clv WHERE false")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {into} AS {' UNION ALL '.join(parts)}")


def _segment_rows(con: duckdb.DuckDBPyConnection, customer_rows: str, members: str,
                  into: str) -> pd.DataFrame:
    """Create the temporary table `into`: the mean of the customer rows over each segment
    (and over everybody: level 'overall'); returns it as a frame (a few hundred rows) without
    the source and method lists. A customer is at most once in a segment (one stage, one
    status, one persona …) and has one row per dimension, so members are counted with
    count(*): count(DISTINCT …) took 10 of the 17 s at a million customers."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {into} AS
        WITH m AS (SELECT customer_id, segment, segment_kind FROM {members}
                   UNION ALL SELECT DISTINCT entity_id, 'all customers', 'all'
                   FROM {customer_rows}),
        agg AS (
            SELECT m.segment_kind, m.segment, r.dimension,
                   any_value(r.dimension_group) AS dimension_group,
                   any_value(r.weight) AS weight, avg(r.score) AS score,
                   avg(r.answered) AS answered, avg(r.evidence) AS evidence,
                   avg(r.sources) AS sources, avg(r.methods) AS methods,
                   max(r.last_evidence) AS last_evidence, avg(r.freshness) AS freshness,
                   count(*) AS customers,  -- one row per member and dimension
                   list_sort(list_distinct(flatten(list(DISTINCT r.s)))) AS s,
                   list_sort(list_distinct(flatten(list(DISTINCT r.m)))) AS m
            FROM {customer_rows} r JOIN m ON m.customer_id = r.entity_id
            GROUP BY 1, 2, 3)
        SELECT CASE WHEN segment_kind = 'all' THEN 'overall' ELSE 'segment' END AS level,
               segment_kind, segment_kind || ':' || segment AS entity_id,
               segment AS entity_label, * EXCLUDE (segment_kind, segment)
        FROM agg ORDER BY segment_kind, segment, dimension""")
    return con.execute(f"SELECT * EXCLUDE (s, m) FROM {into}").fetch_df()


def _segment_values(con: duckdb.DuckDBPyConnection, members: str) -> pd.Series:
    """Each segment's share of the customers' CLV, by (segment_kind, segment)."""
    total = con.execute(f"SELECT sum(clv) FROM {members} WHERE segment_kind = 'stage'"
                        ).fetchall()[0][0]
    frame = con.execute(f"SELECT segment_kind, segment, sum(clv) AS clv FROM {members} "
                        "GROUP BY 1, 2").fetch_df()
    value = frame.set_index(["segment_kind", "segment"])["clv"]
    return value / (float(total) if total else 1.0)


def _blind_spots(segment_rows: pd.DataFrame, value: pd.Series, dims: tuple[Dimension, ...],
                 limit: int) -> pd.DataFrame:
    by_name = {d.name: d for d in dims}
    rows = segment_rows[(segment_rows["dimension"] != "all")]
    out: list[dict[str, Any]] = []
    for (kind, label), seg in rows.groupby(["segment_kind", "entity_label"], sort=False):
        if int(seg["customers"].iloc[0]) < 10:
            continue
        outer = seg[seg["dimension_group"] == "outer"].copy()
        outer["known"] = outer["answered"] * outer["weight"]
        outer = outer.sort_values("known", ascending=False)
        inner = seg[seg["dimension_group"] != "outer"].copy()
        if outer.empty or inner.empty:
            continue
        inner["gap"] = (1 - inner["answered"]) * inner["weight"]
        worst = inner.sort_values(["gap", "answered"], ascending=[False, True]).iloc[0]
        best = outer.iloc[0]
        if best["answered"] - worst["answered"] < 0.1:
            continue
        share = 1.0 if kind == "all" else float(value.get((kind, label), 0.0))
        name = segment_phrase(str(kind), str(label))
        # "For 93% of our customers we know what they buy, but for only 4% the job they
        # hire us for": the shares lead, so no name ends in a clash ("hire us for for").
        text = (f"For {best['answered']:.0%} of {name} we know "
                f"{by_name[best['dimension']].known_as}, but for only "
                f"{worst['answered']:.0%} {by_name[worst['dimension']].known_as}.")
        out.append({
            "segment_kind": kind, "segment": label, "dimension": worst["dimension"],
            "known_share": float(worst["answered"]), "best_dimension": best["dimension"],
            "best_share": float(best["answered"]), "customers": int(seg["customers"].iloc[0]),
            "importance": max(share, 0.05) * float(worst["gap"]), "text": text,
        })
    overall = next((o for o in out if o["segment_kind"] == "all"), None)
    if overall is not None:
        # A segment whose blind spot is the whole base's, within 5 points, adds nothing.
        out = [o for o in out if o is overall or not (
            (o["dimension"], o["best_dimension"])
            == (overall["dimension"], overall["best_dimension"])
            and abs(o["known_share"] - overall["known_share"]) <= 0.05
            and abs(o["best_share"] - overall["best_share"]) <= 0.05)]
    frame = pd.DataFrame(out, columns=[c for c, _, _ in BLIND_SPOT_COLUMNS if c != "rank"])
    frame = frame.sort_values("importance", ascending=False).head(limit).reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame


_STAGE_PHRASES = {"prospect": "prospects", "first-time buyer": "first-time buyers",
                  "repeat customer": "repeat customers", "loyal": "loyal customers",
                  "customer for life": "customers for life"}


def segment_phrase(kind: str, label: str) -> str:
    """A segment named as a group of people: "repeat customers", "at-risk customers"."""
    if kind == "all":
        return "our customers"
    if kind == "stage":
        return _STAGE_PHRASES.get(label, label)
    if kind == "status":
        return {"never bought": "people who never bought"}.get(
            label, f"{label.replace(' ', '-')} customers")
    if kind == "rfm_segment":
        return f"'{label}' (RFM segment)"
    if kind == "persona":
        return f"the '{label}' persona"
    return label


def _entities(con: duckdb.DuckDBPyConnection, level: str) -> tuple[str, int]:
    """A SELECT of the level's entities (entity_id, entity_label) and how many there are."""
    if level == "customer":
        table, key = "customers", "customer_id"
    else:
        table, key = "accounts", "account_id"
    count = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    return (f"SELECT {key} AS entity_id, coalesce(name, {key}) AS entity_label FROM {table}",
            int(count))


def _coverage_query(parts: list[str]) -> str:
    """The coverage table from the scratch tables of rows: COVERAGE_COLUMNS, in order."""
    types = {"string": "VARCHAR", "float64": "DOUBLE", "int64": "BIGINT",
             "datetime64[us]": "TIMESTAMP"}
    lists = {"source_list": "s", "method_list": "m"}
    columns = ", ".join(
        f"CAST(to_json({lists[name]}) AS VARCHAR) AS {name}" if name in lists
        else f"CAST({name} AS {types[dtype]}) AS {name}"
        for name, dtype, _ in COVERAGE_COLUMNS)
    return " UNION ALL ".join(f"SELECT {columns} FROM {part}" for part in parts)


def _summary(con: duckdb.DuckDBPyConnection, customer_rows: str, account_rows: str | None,
             members: str, segments: pd.DataFrame, spots: pd.DataFrame,
             fw: Framework) -> dict[str, Any]:
    row = con.execute(f"""
        SELECT avg(c.score), sum(c.score * coalesce(v.clv, 0)), sum(coalesce(v.clv, 0)),
               count(*)
        FROM {customer_rows} c
        LEFT JOIN (SELECT customer_id, clv FROM {members} WHERE segment_kind = 'stage') v
               ON v.customer_id = c.entity_id
        WHERE c.dimension = 'all'""").fetchall()[0]
    mean, weighted_sum, weight, customers = row
    accounts = 0
    if account_rows:
        accounts = int(con.execute(f"SELECT count(DISTINCT entity_id) FROM {account_rows}"
                                   ).fetchall()[0][0])
    overall = segments[(segments["segment_kind"] == "all")].set_index("dimension")
    weighted = float(weighted_sum) / float(weight) if weight and float(weight) > 0 else None
    return {
        "score": round(100 * float(mean), 1),
        "value_weighted_score": None if weighted is None else round(100 * weighted, 1),
        "customers": int(customers),
        "accounts": accounts,
        "known_share": {d: round(float(overall.loc[d, "answered"]), 3)
                        for d in overall.index if d != "all"},
        "blind_spots": spots["text"].head(5).tolist(),
        "framework": fw.path,
    }


def build_coverage(con: duckdb.DuckDBPyConnection, *, framework: Framework | None = None,
                   blind_spots: int = 12) -> Built:
    """The `coverage` table (customers, accounts, segments, overall) and `blind_spots`.

    The rows per customer and per account are computed and kept in the store (scratch
    tables, written out by the stage runner as `coverage`): only segments, the overall rows
    and the summary come into Python, so memory stays flat as customers grow."""
    fw = framework or load_framework()
    as_of = _as_of(con)
    notes: list[str] = []
    scratch: list[str] = []
    rows_of: dict[str, str] = {}
    try:
        for level in ("customer", "account"):
            dims = fw.at(level)
            entities, count = _entities(con, level)
            if not dims or not count:
                continue
            evidence, skipped = evidence_query(con, dims, level)
            if skipped and level == "customer":
                notes.append("not yet answerable (run the stage that makes their inputs): "
                             + ", ".join(skipped))
            rows_of[level] = f"_cov_{level}_rows"
            scratch.append(rows_of[level])
            _score(con, entities, evidence, dims, fw, as_of, level, rows_of[level])
        if "customer" not in rows_of:
            empty = empty_frame(COVERAGE_COLUMNS)
            _drop(con, scratch)
            return Built({"coverage": empty, "blind_spots": empty_frame(BLIND_SPOT_COLUMNS)},
                         {"score": None}, ["there are no customers to know yet."])
        scratch += ["_cov_members", "_cov_segments"]
        _members(con, fw, "_cov_members")
        segments = _segment_rows(con, rows_of["customer"], "_cov_members", "_cov_segments")
        value = _segment_values(con, "_cov_members")
        spots = _blind_spots(segments, value, fw.at("customer"), blind_spots)
        summary = _summary(con, rows_of["customer"], rows_of.get("account"), "_cov_members",
                           segments, spots, fw)
    except BaseException:
        # In an aborted transaction the drops fail too; its rollback removes the tables.
        with contextlib.suppress(duckdb.Error):
            _drop(con, scratch)
        raise
    query = _coverage_query([*rows_of.values(), "_cov_segments"])
    return Built({"blind_spots": spots}, summary, notes, queries={"coverage": query},
                 scratch=scratch)


def _drop(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    for name in tables:
        con.execute(f"DROP TABLE IF EXISTS {name}")
