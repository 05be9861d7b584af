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

import json
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from rapport.schema import table_exists

from .evidence import EVIDENCE_FRAME, gather
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


def _score(con: duckdb.DuckDBPyConnection, entities: pd.DataFrame, evidence: pd.DataFrame,
           dims: tuple[Dimension, ...], framework: Framework, as_of: datetime,
           level: str) -> pd.DataFrame:
    """One row per entity and dimension with the score's parts, then one 'all' row per
    entity (the weighted mean score, evidence summed, sources and methods united)."""
    frame = pd.DataFrame({
        "dimension": [d.name for d in dims], "dimension_group": [d.group for d in dims],
        "weight": [float(d.weight) for d in dims], "enough": [float(d.enough) for d in dims],
        "half_life": [float(d.half_life_days) for d in dims],
    })
    ev = evidence[list(EVIDENCE_FRAME)].copy()
    ev["ts"] = pd.to_datetime(ev["ts"]).astype("datetime64[us]")
    ev["n"] = ev["n"].astype(float)
    views = {"_cov_dims": frame, "_cov_ev": ev, "_cov_ent": entities[["entity_id", "entity_label"]]}
    for name, data in views.items():
        con.register(name, data)
    w, enough_sources = framework.triangulation_weight, framework.enough_sources
    try:
        rows = con.execute(f"""
            WITH agg AS (
                SELECT entity_id, dimension, sum(n) AS evidence, max(ts) AS last_evidence,
                       list(DISTINCT source ORDER BY source) AS s,
                       list(DISTINCT method ORDER BY method) AS m
                FROM _cov_ev GROUP BY 1, 2),
            grid AS (
                SELECT e.entity_id, e.entity_label, d.dimension, d.dimension_group, d.weight,
                       d.enough, d.half_life, coalesce(a.evidence, 0) AS evidence,
                       a.last_evidence, coalesce(a.s, []) AS s, coalesce(a.m, []) AS m
                FROM _cov_ent e CROSS JOIN _cov_dims d
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
            SELECT entity_id, entity_label, dimension, dimension_group, weight, evidence,
                   last_evidence, s, m, sources, methods, freshness, score, answered FROM final
            UNION ALL
            SELECT entity_id, any_value(entity_label), 'all', 'all', sum(weight), sum(evidence),
                   max(last_evidence), list_sort(list_distinct(flatten(list(s)))),
                   list_sort(list_distinct(flatten(list(m)))),
                   CAST(len(list_distinct(flatten(list(s)))) AS DOUBLE),
                   CAST(len(list_distinct(flatten(list(m)))) AS DOUBLE), NULL,
                   sum(score * weight) / nullif(sum(weight), 0),
                   sum(answered * weight) / nullif(sum(weight), 0)
            FROM final GROUP BY entity_id""", [as_of]).fetch_df()
    finally:
        for name in views:
            con.unregister(name)
    rows["level"] = level
    rows["segment_kind"] = None
    rows["customers"] = 1
    return rows


def _segments(con: duckdb.DuckDBPyConnection, framework: Framework) -> pd.DataFrame:
    """customer_id → (segment_kind, segment) memberships, and each customer's CLV."""
    frames = []
    if table_exists(con, "customer_behavior"):
        b = con.execute("SELECT customer_id, stage, status, rfm_segment, coalesce(clv, 0) AS clv,"
                        " n_orders FROM customer_behavior").fetch_df()
        for kind in ("stage", "status", "rfm_segment"):
            part = b[["customer_id", kind, "clv"]].dropna(subset=[kind])
            frames.append(part.rename(columns={kind: "segment"}).assign(segment_kind=kind))
        buyers = b[b["n_orders"].fillna(0) > 0]
        if len(buyers):
            cut = buyers["clv"].quantile(1 - framework.high_value_share)
            high = buyers[buyers["clv"] >= cut]
            frames.append(high[["customer_id", "clv"]].assign(
                segment="high-value customers", segment_kind="value"))
    if table_exists(con, "customer_personas"):
        p = con.execute("SELECT customer_id, persona AS segment FROM customer_personas "
                        "WHERE persona IS NOT NULL").fetch_df()
        if frames:
            clv = frames[0].set_index("customer_id")["clv"]
            p["clv"] = p["customer_id"].map(clv).fillna(0.0)
        else:
            p["clv"] = 0.0
        frames.append(p.assign(segment_kind="persona"))
    if not frames:
        return pd.DataFrame(columns=["customer_id", "segment", "clv", "segment_kind"])
    return pd.concat(frames, ignore_index=True)


def _segment_rows(con: duckdb.DuckDBPyConnection, customer_rows: pd.DataFrame,
                  members: pd.DataFrame) -> pd.DataFrame:
    """Mean of the customer rows over each segment (and over everybody: level 'overall')."""
    rows = customer_rows[["entity_id", "dimension", "dimension_group", "weight", "score",
                          "answered", "evidence", "sources", "methods", "last_evidence",
                          "freshness", "s", "m"]]
    views = {"_cov_rows": rows,
             "_cov_members": members[["customer_id", "segment", "segment_kind"]]}
    for name, data in views.items():
        con.register(name, data)
    try:
        out = con.execute("""
            WITH m AS (SELECT customer_id, segment, segment_kind FROM _cov_members
                       UNION ALL SELECT DISTINCT entity_id, 'all customers', 'all'
                       FROM _cov_rows)
            SELECT m.segment_kind, m.segment, r.dimension, any_value(r.dimension_group)
                   AS dimension_group, any_value(r.weight) AS weight, avg(r.score) AS score,
                   avg(r.answered) AS answered, avg(r.evidence) AS evidence,
                   avg(r.sources) AS sources, avg(r.methods) AS methods,
                   max(r.last_evidence) AS last_evidence, avg(r.freshness) AS freshness,
                   count(DISTINCT r.entity_id) AS customers,
                   list_sort(list_distinct(flatten(list(r.s)))) AS s,
                   list_sort(list_distinct(flatten(list(r.m)))) AS m
            FROM _cov_rows r JOIN m ON m.customer_id = r.entity_id
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""").fetch_df()
    finally:
        for name in views:
            con.unregister(name)
    out["level"] = np.where(out["segment_kind"] == "all", "overall", "segment")
    out["entity_id"] = out["segment_kind"] + ":" + out["segment"]
    out["entity_label"] = out["segment"]
    return out.drop(columns=["segment"])


def _blind_spots(segment_rows: pd.DataFrame, members: pd.DataFrame, dims: tuple[Dimension, ...],
                 limit: int) -> pd.DataFrame:
    by_name = {d.name: d for d in dims}
    rows = segment_rows[(segment_rows["dimension"] != "all")]
    total_clv = float(members.loc[members["segment_kind"] == "stage", "clv"].sum()) or 1.0
    value = members.groupby(["segment_kind", "segment"])["clv"].sum() / total_clv
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
        text = (f"We know {by_name[best['dimension']].known_as} for "
                f"{best['answered']:.0%} of {name}, but "
                f"{by_name[worst['dimension']].known_as} for only {worst['answered']:.0%}.")
        out.append({
            "segment_kind": kind, "segment": label, "dimension": worst["dimension"],
            "known_share": float(worst["answered"]), "best_dimension": best["dimension"],
            "best_share": float(best["answered"]), "customers": int(seg["customers"].iloc[0]),
            "importance": max(share, 0.05) * float(worst["gap"]), "text": text,
        })
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


def _entities(con: duckdb.DuckDBPyConnection, level: str) -> pd.DataFrame:
    if level == "customer":
        sql = "SELECT customer_id AS entity_id, coalesce(name, customer_id) AS entity_label " \
              "FROM customers"
    else:
        sql = "SELECT account_id AS entity_id, coalesce(name, account_id) AS entity_label " \
              "FROM accounts"
    return con.execute(sql).fetch_df()


def _lists(values: pd.Series) -> pd.Series:
    """Lists (or arrays) of names as JSON text."""
    return pd.Series([json.dumps([str(x) for x in v]) for v in values], index=values.index,
                     dtype=object)


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.assign(source_list=_lists(frame["s"]), method_list=_lists(frame["m"]))
    out = frame.reindex(columns=[c for c, _, _ in COVERAGE_COLUMNS])
    out["customers"] = out["customers"].fillna(1).astype("int64")
    out["last_evidence"] = pd.to_datetime(out["last_evidence"]).astype("datetime64[us]")
    return out


def build_coverage(con: duckdb.DuckDBPyConnection, *, framework: Framework | None = None,
                   blind_spots: int = 12) -> Built:
    """The `coverage` table (customers, accounts, segments, overall) and `blind_spots`."""
    fw = framework or load_framework()
    as_of = _as_of(con)
    notes: list[str] = []
    parts: list[pd.DataFrame] = []
    customer_rows = pd.DataFrame()
    for level in ("customer", "account"):
        dims = fw.at(level)
        entities = _entities(con, level)
        if not dims or entities.empty:
            continue
        evidence, skipped = gather(con, dims, level)
        if skipped and level == "customer":
            notes.append("not yet answerable (run the stage that makes their inputs): "
                         + ", ".join(skipped))
        rows = _score(con, entities, evidence, dims, fw, as_of, level)
        parts.append(rows)
        if level == "customer":
            customer_rows = rows
    if customer_rows.empty:
        empty = empty_frame(COVERAGE_COLUMNS)
        return Built({"coverage": empty, "blind_spots": empty_frame(BLIND_SPOT_COLUMNS)},
                     {"score": None}, ["there are no customers to know yet."])
    members = _segments(con, fw)
    segments = _segment_rows(con, customer_rows, members)
    spots = _blind_spots(segments, members, fw.at("customer"), blind_spots)
    coverage = _finish(pd.concat([*parts, segments], ignore_index=True))
    overall = segments[(segments["segment_kind"] == "all")].set_index("dimension")
    clv = members[members["segment_kind"] == "stage"].set_index("customer_id")["clv"]
    totals = customer_rows[customer_rows["dimension"] == "all"]
    weights = totals["entity_id"].map(clv).fillna(0.0).to_numpy()
    weighted = (float(np.average(totals["score"], weights=weights)) if weights.sum() > 0
                else None)
    summary = {
        "score": round(100 * float(totals["score"].mean()), 1),
        "value_weighted_score": None if weighted is None else round(100 * weighted, 1),
        "customers": len(totals),
        "accounts": int((coverage["level"] == "account").sum() and
                        coverage.loc[coverage["level"] == "account", "entity_id"].nunique()),
        "known_share": {d: round(float(overall.loc[d, "answered"]), 3)
                        for d in overall.index if d != "all"},
        "blind_spots": spots["text"].head(5).tolist(),
        "framework": fw.path,
    }
    return Built({"coverage": coverage, "blind_spots": spots}, summary, notes)
