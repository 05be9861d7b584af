"""Describing personas from their members: behaviour, the distinctive themes of what they say
under each facet, their own words, a name, representative customers, quotes and demographics.

Distinctiveness is the z-score of the log odds ratio of an item inside the persona against
all the other personas (`persona_features.distinctive`). Phrases are counted on every job
statement and at most `_TEXT_SAMPLE` other statements per persona (a seeded random sample);
themes and facets on all. A job statement that also carries an intent, hope, fear, pain or
suggestion facet is left out of the jobs list and of naming (the facet detector often reads
"planning to order again" as a job). Representatives are the members the model places most
surely, those who both bought and wrote first. Quotes are redacted statement texts, at least
`_QUOTE_WORDS` words, one per distinctive theme.
"""

from __future__ import annotations

__all__ = ["describe_personas"]

import json
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import scipy.sparse as sp

from rapport.schema import table_exists
from rapport.understand.persona_demographics import demographic_spread
from rapport.understand.persona_features import distinctive, load_statements, phrase_matrix

FACETS = {"jobs": "job", "values": "value", "pains": "pain", "hopes": "hope", "fears": "fear"}
_TEXT_SAMPLE = 3_000
_NAME_LIFT = 3.0
_ITEM_LIFT = 1.5
_NOT_JOBS = ("intent", "hope", "fear", "pain", "suggestion")
_QUOTE_WORDS = 5


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _quote(row: pd.Series) -> dict[str, str]:
    return {"statement_id": str(row["statement_id"]), "customer_id": str(row["customer_id"]),
            "text": str(row["text"])}


# --- behaviour ---------------------------------------------------------------------------
def _people(con: duckdb.DuckDBPyConnection, assigned: pd.DataFrame) -> pd.DataFrame:
    if table_exists(con, "customer_behavior"):
        beh = con.execute("SELECT customer_id, n_orders, total_spend, clv, stage, status "
                          "FROM customer_behavior").fetch_df()
    elif table_exists(con, "transactions"):
        beh = con.execute(
            "SELECT customer_id, count(DISTINCT coalesce(order_id, transaction_id)) AS n_orders,"
            " sum(amount) AS total_spend, NULL::DOUBLE AS clv, NULL AS stage, NULL AS status "
            "FROM transactions WHERE customer_id IS NOT NULL AND amount >= 0 GROUP BY 1"
        ).fetch_df()
    else:
        beh = pd.DataFrame(columns=["customer_id", "n_orders", "total_spend", "clv", "stage",
                                    "status"])
    beh["customer_id"] = beh["customer_id"].astype(str)
    return assigned.merge(beh, on="customer_id", how="left")


def _mix(con: duckdb.DuckDBPyConnection, assigned: pd.DataFrame, column: str, measure: str,
         top: int) -> dict[str, list[dict[str, Any]]]:
    """Per persona, its top values of a transactions column by share of `measure`."""
    frame = con.execute(
        f"SELECT customer_id, CAST({column} AS VARCHAR) AS value, {measure} AS m "
        f"FROM transactions WHERE customer_id IS NOT NULL AND amount >= 0 "
        f"AND {column} IS NOT NULL GROUP BY ALL"
    ).fetch_df()
    frame = frame.merge(assigned[["customer_id", "persona_id"]], on="customer_id")
    overall = (frame.groupby("value")["m"].sum() / max(float(frame["m"].sum()), 1e-9)).to_dict()
    sums = frame.groupby(["persona_id", "value"])["m"].sum()
    shares = sums / sums.groupby(level=0).transform("sum")
    out: dict[str, list[dict[str, Any]]] = {}
    for pid, part in shares.groupby(level=0):
        best = part.droplevel(0).sort_values(ascending=False).head(top)
        out[str(pid)] = [{"name": str(v), "share": round(float(s), 4),
                          "share_all": round(float(overall[v]), 4)}
                         for v, s in best.items()]
    return out


def _behaviour(con: duckdb.DuckDBPyConnection, people: pd.DataFrame,
               has_tx: bool) -> dict[str, dict[str, Any]]:
    mixes = {}
    if has_tx:
        mixes = {"top_categories": _mix(con, people, "category", "sum(amount)", 3),
                 "top_products": _mix(con, people, "product", "count(*)", 5),
                 "top_channels": _mix(con, people, "channel",
                                      "count(DISTINCT coalesce(order_id, transaction_id))", 3)}
    out: dict[str, dict[str, Any]] = {}
    for pid, part in people.groupby("persona_id"):
        buyers = part[part["n_orders"].fillna(0) > 0]

        def _num(x: Any) -> float | None:
            return None if pd.isna(x) else round(float(x), 2)

        out[str(pid)] = {
            "customers": len(part),
            "buyers": len(buyers),
            "speakers": int(part["spoke"].sum()),
            "median_orders": _num(buyers["n_orders"].median()),
            "median_spend": _num(buyers["total_spend"].median()),
            "median_order_value": _num((buyers["total_spend"] / buyers["n_orders"]).median()),
            "mean_clv": _num(part["clv"].mean()),
            **{name: mix.get(str(pid), []) for name, mix in mixes.items()},
            "stage_mix": {str(k): round(float(v), 4) for k, v in
                          part["stage"].value_counts(normalize=True).items()},
            "status_mix": {str(k): round(float(v), 4) for k, v in
                           part["status"].value_counts(normalize=True).items()},
        }
    return out


# --- voice ---------------------------------------------------------------------------------
def _facet_items(said: pd.DataFrame, facets: pd.DataFrame, personas: list[str],
                 items: int) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per facet list name and persona, the most distinctive themes of that facet."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {name: {} for name in FACETS}
    tagged = said.merge(facets, on="statement_id").dropna(subset=["theme_id"])
    doubled = tagged["statement_id"].isin(facets.loc[facets["facet"].isin(_NOT_JOBS),
                                                     "statement_id"])
    tagged = tagged[~(doubled & (tagged["facet"] == "job"))]  # see _phrases
    tagged["score"] = (tagged["facet_confidence"] * tagged["fit"].fillna(0.5)
                       * tagged["confidence"])
    for name, facet in FACETS.items():
        sub = tagged[tagged["facet"] == facet]
        if sub.empty:
            continue
        table = pd.crosstab(sub["persona_id"], sub["theme_id"]).reindex(personas, fill_value=0)
        counts = table.to_numpy(dtype=np.float64)
        themes = [str(t) for t in table.columns]
        totals = sub.groupby("persona_id").size().reindex(personas, fill_value=0).to_numpy()
        z, lift = distinctive(counts, totals)
        best = sub.sort_values("score", ascending=False).drop_duplicates(["persona_id",
                                                                          "theme_id"])
        quotes = {(str(r.persona_id), str(r.theme_id)): {
            "statement_id": str(r.statement_id), "customer_id": str(r.customer_id),
            "text": str(r.text)} for r in best.itertuples()}
        labels = dict(zip(sub["theme_id"].astype(str), sub["label"].astype(str), strict=True))
        for i, pid in enumerate(personas):
            ok = (counts[i] >= 2) & (z[i] > 0) & (lift[i] >= _ITEM_LIFT)
            chosen = [int(j) for j in np.argsort(-z[i]) if ok[j]][:items]
            out[name][pid] = [{
                "theme_id": themes[j],
                "label": labels[themes[j]],
                "statements": int(counts[i, j]),
                "share": round(float(counts[i, j] / max(float(totals[i]), 1.0)), 4),
                "lift": round(float(lift[i, j]), 2),
                "quote": quotes[(pid, themes[j])],
            } for j in chosen]
    return out


def _contains(longer: str, shorter: str) -> bool:
    return f" {shorter} " in f" {longer} "


def _top_phrases(counts: np.ndarray, totals: np.ndarray, names: list[str], row: int,
                 items: int, min_count: int, min_z: float) -> list[dict[str, Any]]:
    z, lift = distinctive(counts, totals)
    words = np.array([min(len(n.split()), 3) for n in names])
    chosen: list[dict[str, Any]] = []
    for j in np.argsort(-z[row] * np.sqrt(words)):  # a longer phrase says more
        if len(chosen) >= items:
            break
        if counts[row, j] < min_count or z[row, j] < min_z:
            continue
        phrase = names[j]
        if any(_contains(c["phrase"], phrase) or _contains(phrase, c["phrase"])
               for c in chosen):
            continue
        chosen.append({"phrase": phrase, "statements": int(counts[row, j]),
                       "lift": round(float(lift[row, j]), 2)})
    return chosen


def _sample_text(said: pd.DataFrame, jobs: pd.Series, random_state: int) -> pd.DataFrame:
    """Every job statement, and up to `_TEXT_SAMPLE` other statements per persona."""
    is_job = said["statement_id"].isin(jobs)
    shuffled = said[~is_job].sample(frac=1.0, random_state=random_state)
    others = shuffled.groupby("persona_id", sort=False).head(_TEXT_SAMPLE)
    return pd.concat([said[is_job], others]).sort_values("statement_id").reset_index(drop=True)


def _phrases(said: pd.DataFrame, facets: pd.DataFrame, personas: list[str], items: int,
             random_state: int) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str]]:
    """Own words (distinctive phrases of all statements) and a name phrase (of job
    statements) per persona."""
    # a job statement that is also an intent, a hope, a pain … ("planning to order again",
    # "hoping for a way to move a delivery") is more likely that than a job: not for names
    job_ids = facets.loc[facets["facet"] == "job", "statement_id"]
    other = facets.loc[facets["facet"].isin(_NOT_JOBS), "statement_id"]
    job_ids = job_ids[~job_ids.isin(other)]
    text = _sample_text(said, job_ids, random_state)
    matrix, names = phrase_matrix(text["text"].str.lower().tolist(), max_words=6,
                                 min_count=2)
    own: dict[str, list[dict[str, Any]]] = {p: [] for p in personas}
    naming: dict[str, str] = {}
    if not names:
        return own, naming
    member = sp.csr_matrix((np.ones(len(text)), (text["persona_id"].map(
        {p: i for i, p in enumerate(personas)}).to_numpy(), np.arange(len(text)))),
        shape=(len(personas), len(text)))
    counts = np.asarray((member @ matrix).todense())
    totals = np.asarray(member.sum(axis=1)).ravel()
    jobs = text["statement_id"].isin(job_ids)
    job_member = member @ sp.diags(jobs.to_numpy(dtype=float))
    job_counts = np.asarray((job_member @ matrix).todense())
    job_totals = np.asarray(job_member.sum(axis=1)).ravel()
    for i, pid in enumerate(personas):
        own[pid] = _top_phrases(counts, totals, names, i, items, 3, 2.0)
    naming = _name_phrases(job_counts, job_totals, counts, totals, names, personas)
    return own, naming


def _name_phrases(job_counts: np.ndarray, job_totals: np.ndarray, counts: np.ndarray,
                  totals: np.ndarray, names: list[str], personas: list[str]) -> dict[str, str]:
    """Per persona, a phrase of its job statements that is at least `_NAME_LIFT` times as
    common in its job statements and in all its statements as in other personas' (so that a
    phrase everybody says, mislabelled as a job, is not taken), with the highest sum of its
    z-scores in both; 2-6 words if any qualifies, and among near ties the longer."""
    z_job, lift_job = distinctive(job_counts, job_totals)
    z_all, lift_all = distinctive(counts, totals)
    words = np.array([len(n.split()) for n in names])
    out: dict[str, str] = {}
    for i, pid in enumerate(personas):
        ok = (job_counts[i] >= 1) & (lift_job[i] >= _NAME_LIFT) & (lift_all[i] >= _NAME_LIFT)
        for shape in ((words >= 2) & (words <= 6), words >= 1):
            chosen = np.flatnonzero(ok & shape)
            if len(chosen):
                score = np.round(z_job[i, chosen] + z_all[i, chosen], 1)
                best = np.lexsort((-words[chosen], -score))[0]
                out[pid] = names[int(chosen[best])]
                break
    return out


def _quotes(said: pd.DataFrame, personas: list[str], n: int) -> dict[str, list[dict[str, str]]]:
    """One quote per distinctive theme, from the most certainly placed members."""
    themed = said.dropna(subset=["theme_id"])
    themed = themed[themed["text"].str.count(r"\S+") >= _QUOTE_WORDS]
    out: dict[str, list[dict[str, str]]] = {p: [] for p in personas}
    if themed.empty:
        return out
    counts = pd.crosstab(themed["persona_id"], themed["theme_id"]).reindex(personas,
                                                                            fill_value=0)
    z, _ = distinctive(counts.to_numpy(), counts.sum(axis=1).to_numpy())
    zs = pd.Series(pd.DataFrame(z, index=personas, columns=counts.columns).stack(), name="z")
    scored = themed.join(zs, on=["persona_id", "theme_id"])
    scored = scored[scored["z"] > 0].assign(rank=lambda f: f["z"] * f["confidence"])
    best = scored.sort_values(["rank", "statement_id"], ascending=[False, True])
    best = best.drop_duplicates(["persona_id", "theme_id"]).drop_duplicates(
        ["persona_id", "text"])
    for pid, part in best.groupby("persona_id"):
        out[str(pid)] = [_quote(r) for _, r in part.head(n).iterrows()]
    return out


def _voice(con: duckdb.DuckDBPyConnection, assigned: pd.DataFrame, personas: list[str],
           items: int, quotes: int, random_state: int) -> dict[str, Any]:
    frames = load_statements(con)
    said = frames.statements.rename(columns={"similarity": "fit"}).merge(
        assigned[["customer_id", "persona_id", "confidence"]], on="customer_id")
    facet_items = _facet_items(said, frames.facets, personas, items)
    own, naming = _phrases(said, frames.facets, personas, items, random_state)
    return {"facets": facet_items, "own_words": own, "naming": naming,
            "quotes": _quotes(said, personas, quotes)}


# --- assembling --------------------------------------------------------------------------
def _name(pid: str, naming: dict[str, str], own: list[dict[str, Any]],
          behaviour: dict[str, Any], overall: dict[str, float]) -> str:
    """The job phrase; else the most distinctive own words; else the most distinctive of
    the top products; else how often and how much they buy against everybody."""
    phrase = naming.get(pid) or (own[0]["phrase"] if own else "")
    products = behaviour.get("top_products", [])
    if not phrase and products:
        best = max(products, key=lambda p: p["share"] / max(p["share_all"], 1e-9))
        phrase = f"buyers of {best['name']}"
    if not phrase:
        return _behaviour_name(behaviour, overall)
    return phrase[0].upper() + phrase[1:]


def _behaviour_name(behaviour: dict[str, Any], overall: dict[str, float]) -> str:
    if not behaviour.get("buyers"):
        return "Prospects who wrote to us"

    def _level(key: str, words: tuple[str, str, str]) -> str:
        value, typical = behaviour.get(key), overall.get(key)
        if value is None or not typical:
            return words[1]
        ratio = value / typical
        return words[0] if ratio >= 1.25 else words[2] if ratio <= 0.8 else words[1]

    often = _level("median_orders", ("frequent", "regular", "occasional"))
    spend = _level("median_order_value", ("higher-spend", "mid-spend", "lower-spend"))
    return f"{often.capitalize()}, {spend} buyers"


def _describe(size: int, share: float, clv_share: float | None, beh: dict[str, Any],
              jobs: list[dict[str, Any]], pains: list[dict[str, Any]]) -> str:
    value = f", holding {clv_share:.0%} of customer value" if clv_share is not None else ""
    first = f"{size:,} customers ({share:.0%}){value}."
    products = [p["name"] for p in beh.get("top_products", [])[:2]]
    channels = [c["name"] for c in beh.get("top_channels", [])[:1]]
    orders = beh.get("median_orders")
    if not products and orders is not None:
        first += (f" A median {orders:g} order{'' if orders == 1 else 's'} and "
                  f"{beh.get('median_spend') or 0:,.2f} spent.")
    if products:
        first += (f" They mostly buy {' and '.join(products)}"
                  + (f" through {channels[0]}" if channels else "")
                  + (f", {orders:g} order{'' if orders == 1 else 's'} at the median"
                     if orders is not None else "") + ".")
    if jobs:
        first += f" In their words: “{jobs[0]['quote']['text']}”"
        if pains:
            first += f"; what hurts: “{pains[0]['quote']['text']}”"
    return first


def describe_personas(
    con: duckdb.DuckDBPyConnection,
    assigned: pd.DataFrame,
    *,
    has_tx: bool,
    voice: bool,
    items: int,
    representatives: int,
    quotes: int,
    random_state: int,
) -> tuple[pd.DataFrame, list[str], dict[str, Any]]:
    """The personas table (without `method`), notes, and a summary of demographics."""
    personas = sorted(assigned["persona_id"].unique(), key=lambda p: int(p[1:]))
    people = _people(con, assigned)
    behaviour = _behaviour(con, people, has_tx)
    buying = people[people["n_orders"].fillna(0) > 0]
    overall = {"median_orders": float(buying["n_orders"].median()) if len(buying) else 0.0,
               "median_order_value": float((buying["total_spend"] / buying["n_orders"])
                                           .median()) if len(buying) else 0.0}
    said = _voice(con, assigned, personas, items, quotes, random_state) if voice else {}
    spread, explain, demo_summary = demographic_spread(con, assigned,
                                                       random_state=random_state)
    total_clv = (float(con.execute("SELECT sum(clv) FROM customer_behavior").fetchall()[0][0]
                       or 0.0) if table_exists(con, "customer_behavior") else 0.0)
    clv = people.groupby("persona_id")["clv"].sum()
    typical = _representatives(assigned, representatives)
    rows = []
    for pid in personas:
        size = int(behaviour[pid]["customers"])
        facets = {name: said.get("facets", {}).get(name, {}).get(pid, []) for name in FACETS}
        own = said.get("own_words", {}).get(pid, [])
        clv_share = float(clv.get(pid, 0.0)) / total_clv if total_clv > 0 else None
        share = size / len(assigned)
        rows.append({
            "persona_id": pid,
            "name": _name(pid, said.get("naming", {}), own, behaviour[pid], overall),
            "size": size,
            "share": share,
            "clv_share": np.nan if clv_share is None else clv_share,
            "description": _describe(size, share, clv_share, behaviour[pid], facets["jobs"],
                                     facets["pains"]),
            **{name: _dumps(v) for name, v in facets.items()},
            "own_words": _dumps(own),
            "behaviour": _dumps(behaviour[pid]),
            "demographics": _dumps(spread.get(pid, {})),
            "demographics_explain": explain.get(pid, np.nan),
            "representatives": _dumps(typical.get(pid, [])),
            "quotes": _dumps(said.get("quotes", {}).get(pid, [])),
        })
    frame = pd.DataFrame(rows)
    _dedupe_names(frame)
    notes = [] if demo_summary.get("demographic_attributes") else [
        "No demographic attributes were found in customers.attributes: the personas' "
        "demographic spread is empty."]
    return frame, notes, demo_summary


def _representatives(assigned: pd.DataFrame, n: int) -> dict[str, list[str]]:
    evidence = assigned.assign(e=assigned["bought"].astype(int) + assigned["spoke"].astype(int),
                               c=assigned["confidence"].round(3))
    ranked = evidence.sort_values(["c", "e", "customer_id"], ascending=[False, False, True])
    return {str(p): g["customer_id"].head(n).astype(str).tolist()
            for p, g in ranked.groupby("persona_id", sort=False)}


def _dedupe_names(frame: pd.DataFrame) -> None:
    seen = frame["name"].duplicated(keep="first")
    frame.loc[seen, "name"] = frame.loc[seen, "name"] + " (" + frame.loc[seen, "persona_id"] + ")"
