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

from .evidence import gather
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


def _score(entities: pd.DataFrame, evidence: pd.DataFrame, dims: tuple[Dimension, ...],
           framework: Framework, as_of: datetime, level: str) -> pd.DataFrame:
    """One row per entity and dimension, with the score's parts."""
    grid = entities.merge(pd.DataFrame({"dimension": [d.name for d in dims]}), how="cross")
    if len(evidence):
        agg = evidence.groupby(["entity_id", "dimension"]).agg(
            evidence=("n", "sum"),
            last_evidence=("ts", "max"),
            source_list=("source", lambda s: json.dumps(sorted(set(s)))),
            method_list=("method", lambda s: json.dumps(sorted(set(s)))),
            sources=("source", "nunique"),
            methods=("method", "nunique"),
        ).reset_index()
        grid = grid.merge(agg, on=["entity_id", "dimension"], how="left")
    else:
        for col in ("evidence", "last_evidence", "source_list", "method_list", "sources",
                    "methods"):
            grid[col] = np.nan
    by_name = {d.name: d for d in dims}
    grid["evidence"] = grid["evidence"].fillna(0.0)
    grid["sources"] = grid["sources"].fillna(0).astype(float)
    grid["methods"] = grid["methods"].fillna(0).astype(float)
    grid["source_list"] = grid["source_list"].fillna("[]")
    grid["method_list"] = grid["method_list"].fillna("[]")
    grid["last_evidence"] = pd.to_datetime(grid["last_evidence"])
    enough = grid["dimension"].map(lambda n: by_name[n].enough).astype(float)
    half = grid["dimension"].map(lambda n: by_name[n].half_life_days).astype(float)
    age = (pd.Timestamp(as_of) - grid["last_evidence"]).dt.total_seconds() / 86400.0
    age = age.clip(lower=0)
    fresh = np.where((half > 0) & age.notna(), 0.5 ** (age / half.where(half > 0, 1.0)), 1.0)
    grid["freshness"] = np.where(grid["evidence"] > 0, fresh, 0.0)
    depth = np.minimum(1.0, grid["evidence"] / enough)
    w = framework.triangulation_weight
    tri = np.minimum(1.0, grid["sources"] / framework.enough_sources)
    grid["score"] = depth * grid["freshness"] * (1 - w + w * tri)
    grid["answered"] = (grid["evidence"] > 0).astype(float)
    grid["dimension_group"] = grid["dimension"].map(lambda n: by_name[n].group)
    grid["weight"] = grid["dimension"].map(lambda n: by_name[n].weight).astype(float)
    grid["level"] = level
    grid["segment_kind"] = None
    grid["customers"] = 1
    return grid


def _totals(rows: pd.DataFrame) -> pd.DataFrame:
    """The 'all' row of each entity: weighted mean score, sums of evidence."""
    rows = rows.assign(_ws=rows["score"] * rows["weight"], _wa=rows["answered"] * rows["weight"])
    g = rows.groupby("entity_id", sort=False)
    weight = g["weight"].sum().replace(0, np.nan)
    out = pd.DataFrame({
        "score": g["_ws"].sum() / weight,
        "answered": g["_wa"].sum() / weight,
        "evidence": g["evidence"].sum(),
        "last_evidence": g["last_evidence"].max(),
    }).reset_index()
    sources = rows.groupby("entity_id")["source_list"].agg(
        lambda s: sorted({x for item in s for x in json.loads(item)}))
    methods = rows.groupby("entity_id")["method_list"].agg(
        lambda s: sorted({x for item in s for x in json.loads(item)}))
    out["sources"] = out["entity_id"].map(sources.map(len)).astype(float)
    out["methods"] = out["entity_id"].map(methods.map(len)).astype(float)
    out["source_list"] = out["entity_id"].map(sources.map(json.dumps))
    out["method_list"] = out["entity_id"].map(methods.map(json.dumps))
    first = rows.drop_duplicates("entity_id").set_index("entity_id")
    out["entity_label"] = out["entity_id"].map(first["entity_label"])
    out["level"] = out["entity_id"].map(first["level"])
    out["segment_kind"] = None
    out["dimension"] = "all"
    out["dimension_group"] = "all"
    out["freshness"] = np.nan
    out["customers"] = 1
    out["weight"] = float(rows.groupby("entity_id")["weight"].sum().iloc[0]) if len(rows) else 0
    return out


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


def _segment_rows(customer_rows: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Mean of the customer rows over each segment (and over everybody: level 'overall')."""
    everyone = customer_rows[["entity_id"]].drop_duplicates().rename(
        columns={"entity_id": "customer_id"}).assign(segment="all customers",
                                                     segment_kind="all")
    m = pd.concat([everyone, members[["customer_id", "segment", "segment_kind"]]],
                  ignore_index=True)
    joined = customer_rows.drop(columns=["segment_kind"]).merge(
        m, left_on="entity_id", right_on="customer_id")
    g = joined.groupby(["segment_kind", "segment", "dimension"], sort=False)
    out = g.agg(
        score=("score", "mean"), answered=("answered", "mean"), evidence=("evidence", "mean"),
        sources=("sources", "mean"), methods=("methods", "mean"),
        last_evidence=("last_evidence", "max"), freshness=("freshness", "mean"),
        customers=("entity_id", "nunique"), weight=("weight", "first"),
        dimension_group=("dimension_group", "first"),
        source_list=("source_list", lambda s: json.dumps(
            sorted({x for item in s for x in json.loads(item)}))),
        method_list=("method_list", lambda s: json.dumps(
            sorted({x for item in s for x in json.loads(item)}))),
    ).reset_index()
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


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
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
        rows = _score(entities, evidence, dims, fw, as_of, level)
        parts += [rows, _totals(rows)]
        if level == "customer":
            customer_rows = rows
    if customer_rows.empty:
        empty = empty_frame(COVERAGE_COLUMNS)
        return Built({"coverage": empty, "blind_spots": empty_frame(BLIND_SPOT_COLUMNS)},
                     {"score": None}, ["there are no customers to know yet."])
    members = _segments(con, fw)
    with_totals = pd.concat([customer_rows, _totals(customer_rows)], ignore_index=True)
    segments = _segment_rows(with_totals, members)
    spots = _blind_spots(segments, members, fw.at("customer"), blind_spots)
    coverage = _finish(pd.concat([*parts, segments], ignore_index=True))
    overall = segments[(segments["segment_kind"] == "all")].set_index("dimension")
    clv = members[members["segment_kind"] == "stage"].set_index("customer_id")["clv"]
    totals = with_totals[with_totals["dimension"] == "all"]
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
