"""What happened to the order, beside what the review says about it.

When the transactions carry a promised (estimated) and an actual delivery date among their
attributes, each feedback row of a customer is set against that customer's latest order at or
before it: delivered on time, delivered late, overdue at the review (not delivered by then and
past the promised date) or not yet due at the review, and by how many days (`order_outcomes`).

What the review blames is read with the cue lists of `data/blame_cues.toml` (lateness or
non-arrival, a missing part, other delivery problems, the product or seller; delivery praise
such as "no prazo" cancels a lateness cue, unless negated: "não chegou no prazo"). The
statements' redacted text is used where the voice stage made statements; otherwise, for
languages it does not support, the raw text is matched but never shown (only cue words are).

Insights added to `say_do`:

- `blames_delivery_but_on_time`: the review complains of lateness or non-arrival, but the order
  was delivered by the promised date (or the review came before that date);
- `late_but_blames_product`: the order was late, the rating is low (normalised rating at most
  `low_rating`), and the review blames the product or seller and says nothing of the delivery.

Sources: the review and the delivery records (two independent records); methods: blame cues,
delivery dates, and the stated rating where it is used.
"""

from __future__ import annotations

__all__ = ["DELIVERED_NAMES", "DELIVERY_TYPES", "ORDER_OUTCOMES_COLUMNS", "PROMISED_NAMES",
           "delivery_outcomes"]

import json
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from rapport.errors import ConfigError
from rapport.schema import table_exists

from .result import Columns, empty_frame
from .say_do_cues import BLAME_NEGATED, load_cues, normalise
from .say_do_rows import SAY_DO_COLUMNS, quote, rating_label

DELIVERY_TYPES = ("blames_delivery_but_on_time", "late_but_blames_product")
PROMISED_NAMES = ("promised_delivery_date", "promised_date", "promised_at",
                  "estimated_delivery_date", "order_estimated_delivery_date",
                  "expected_delivery_date", "expected_delivery", "delivery_due_date", "due_date",
                  "eta")
DELIVERED_NAMES = ("delivered_date", "delivered_at", "delivery_date",
                   "order_delivered_customer_date", "actual_delivery_date", "date_delivered",
                   "delivered")
_PROMISE_WORDS = ("estimat", "promis", "expect", "due", "eta", "schedul", "previst")
_DELIVERY_WORDS = ("deliver", "arriv", "entreg")

ORDER_OUTCOMES_COLUMNS: Columns = (
    ("feedback_id", "string", "the feedback row (a review, usually)"),
    ("customer_id", "string", "the customer"),
    ("order_id", "string", "their latest order at or before the feedback"),
    ("ordered_at", "datetime64[us]", "when it was ordered"),
    ("promised_at", "datetime64[us]", "the promised (estimated) delivery date"),
    ("delivered_at", "datetime64[us]", "when it was delivered (null: not delivered)"),
    ("reviewed_at", "datetime64[us]", "when the feedback was given"),
    ("outcome", "string", "delivered on time, delivered late, overdue at review or not yet due "
                          "at review"),
    ("late", "bool", "delivered late, or not delivered by the review and past the promise"),
    ("days_late", "float64", "days after the promised date (negative: early); for an order not "
                             "delivered by the review, days from the promised date to it"),
    ("rating", "float64", "the rating given"),
    ("rating_scale", "string", "its scale"),
    ("low_rating", "bool", "a rating in the bottom of its scale (at most `low_rating`)"),
    ("blames", "string", "JSON list of what the words blame: lateness, partial, delivery, "
                         "product"),
    ("cues", "string", "JSON list of the cue words found"),
    ("insight", "string", "blames_delivery_but_on_time, late_but_blames_product, or null"),
)


def _keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT DISTINCT unnest(json_keys(attributes)) FROM (SELECT attributes FROM "
        "transactions WHERE attributes IS NOT NULL LIMIT 5000)"
    ).fetchall()
    return sorted(str(r[0]) for r in rows)


def _find(keys: list[str], explicit: str | None, names: tuple[str, ...], what: str,
          avoid: str | None = None) -> str | None:
    if explicit is not None:
        if explicit not in keys:
            shown = ", ".join(keys[:30]) or "none"
            raise ConfigError(f"say_do: the transactions have no attribute {explicit!r} for the "
                              f"{what} date; their attributes are: {shown}.")
        return explicit
    lowered = {k.lower(): k for k in keys}
    for name in names:
        if name in lowered and lowered[name] != avoid:
            return lowered[name]
    for k in keys:
        low = k.lower()
        promise = any(w in low for w in _PROMISE_WORDS)
        about = any(w in low for w in _DELIVERY_WORDS)
        if k != avoid and about and (promise if what == "promised" else not promise) \
                and "carrier" not in low:
            return k
    return None


def _orders(con: duckdb.DuckDBPyConnection, promised: str, delivered: str,
            end: pd.Timestamp | None) -> pd.DataFrame:
    path = '$."{}"'
    until = "AND ts <= ?" if end is not None else ""
    params: list[Any] = [path.format(promised.replace('"', '\\"')),
                         path.format(delivered.replace('"', '\\"'))]
    if end is not None:
        params.append(end.to_pydatetime())
    return con.execute(
        "SELECT customer_id, coalesce(order_id, transaction_id) AS order_id, min(ts) AS ordered_at,"
        " min(TRY_CAST(json_extract_string(attributes, ?) AS TIMESTAMP)) AS promised_at,"
        " max(TRY_CAST(json_extract_string(attributes, ?) AS TIMESTAMP)) AS delivered_at "
        f"FROM transactions WHERE customer_id IS NOT NULL AND ts IS NOT NULL {until} GROUP BY ALL",
        params,
    ).fetch_df()


def _texts(con: duckdb.DuckDBPyConnection, ids: list[str],
           statements: pd.DataFrame) -> dict[str, str]:
    """feedback_id -> text to match: the statements where there are some, else the raw text."""
    out = {str(k): " . ".join(g["text"].astype(str))
           for k, g in statements[statements["feedback_id"].isin(ids)].groupby("feedback_id")}
    missing = [i for i in ids if i not in out]
    if missing:
        con.register("_sd_fb", pd.DataFrame({"feedback_id": missing}))
        try:
            rows = con.execute("SELECT feedback_id, text FROM feedback JOIN _sd_fb USING "
                               "(feedback_id) WHERE text IS NOT NULL").fetchall()
        finally:
            con.unregister("_sd_fb")
        out.update({str(f): str(t) for f, t in rows})
    return out


def _outcome(m: pd.DataFrame) -> pd.DataFrame:
    promised = m["promised_at"].dt.normalize()
    reviewed = m["ts"].dt.normalize()
    delivered = m["delivered_at"].dt.normalize()
    arrived = delivered.notna() & (delivered <= reviewed)
    m["outcome"] = np.select(
        [arrived & (delivered <= promised), arrived, reviewed > promised],
        ["delivered on time", "delivered late", "overdue at review"],
        default="not yet due at review",
    )
    m["days_late"] = np.where(arrived, (delivered - promised).dt.days,
                              (reviewed - promised).dt.days).astype(float)
    m["late"] = m["outcome"].isin(["delivered late", "overdue at review"])
    return m


def _blames(found: dict[str, list[str]]) -> list[str]:
    praise = [c for c in found.get("delivery_praise", []) if not c.startswith("not ")]
    out = []
    if found.get("lateness") and not found.get("partial") and not praise:
        out.append("lateness")
    out += [g for g in ("partial", "delivery", "product") if found.get(g)]
    return out


def _did(row: pd.Series) -> str:
    days = abs(int(row["days_late"]))
    promised = row["promised_at"].date().isoformat()
    if row["outcome"] == "delivered on time":
        when = f"{days} days before" if days else "on"
        return (f"delivered {row['delivered_at'].date().isoformat()}, {when} the promised "
                f"date ({promised})")
    if row["outcome"] == "delivered late":
        return (f"delivered {days} days late ({row['delivered_at'].date().isoformat()}, "
                f"promised {promised})")
    if row["outcome"] == "overdue at review":
        return f"not delivered by the review, {days} days past the promised date ({promised})"
    return f"not delivered by the review, {days} days before the promised date ({promised})"


def _insight_row(row: pd.Series, st_of: pd.DataFrame, cue_words: list[str],
                 end: pd.Timestamp | None) -> dict[str, Any]:
    t = str(row["insight"])
    label = rating_label(row["rating"], row["rating_scale"])
    chosen = None
    if not st_of.empty:
        hits = st_of[st_of["text"].map(lambda s: any(c in normalise(str(s)) for c in cue_words))]
        chosen = (hits if not hits.empty else st_of).iloc[0]
    words = quote(chosen["text"]) if chosen is not None else (
        "mentions " + ", ".join(f'"{c}"' for c in dict.fromkeys(cue_words)))
    said = ": ".join(p for p in (label, words) if p) if chosen is not None else \
        "; ".join(p for p in (label, words) if p)
    days = abs(float(row["days_late"]))
    kind = str(row["kind"])
    if t == "blames_delivery_but_on_time":
        sources = [f"{kind} text", "delivery records"]
        methods = ["blame cues", "delivery dates"]
        strength = 0.6 + 0.4 * min(1.0, days / 7)
        if row["outcome"] == "delivered on time":
            explanation = (f"The review complains of lateness or non-arrival, but the order "
                           f"record says it arrived {_did(row).split(', ', 1)[1]}: check the "
                           f"delivery record, or what else went wrong.")
        else:
            explanation = (f"The review complains of lateness or non-arrival {days:.0f} days "
                           f"before the promised date: it came before the order was due.")
    else:
        sources = [f"{kind} rating", f"{kind} text", "delivery records"]
        methods = ["stated rating", "blame cues", "delivery dates"]
        strength = (0.6 + 0.4 * min(1.0, days / 7)) * (1.0 if row["r01"] == 0 else 0.9)
        rated = f" ({label})" if label else ""
        explanation = (f"The order was {days:.0f} days late, yet the review{rated} blames the "
                       f"product or seller: the lateness may be part of the low score.")
    after: Any = row.get("orders_after")
    has_after = after is not None and pd.notna(after)
    days_after = (end - row["ts"]).total_seconds() / 86_400 if end is not None else np.nan
    return {
        "insight_id": f"{t}:{row['feedback_id']}", "customer_id": row["customer_id"],
        "feedback_id": row["feedback_id"],
        "statement_id": None if chosen is None else chosen["statement_id"], "type": t,
        "said": said, "said_at": row["ts"], "rating": row["rating"],
        "rating_scale": row["rating_scale"], "text_sentiment": row["text_sentiment"],
        "did": _did(row), "orders_after": int(after) if has_after else None,
        "days_after": days_after, "what_keeps_them": None,
        "sources": json.dumps(sources), "methods": json.dumps(methods), "n_sources": 2,
        "single_source": False, "strength": round(float(strength), 3),
        "explanation": explanation,
    }


def _summary(m: pd.DataFrame, promised: str, delivered: str) -> dict[str, Any]:
    def mean(mask: pd.Series, col: str) -> float | None:
        v = m.loc[mask, col].dropna()
        return None if v.empty else round(float(v.mean()), 3)

    late, on_time = m["late"], ~m["late"]
    lateness = m["blames"].map(lambda b: "lateness" in json.loads(b))
    counts = m["insight"].value_counts()
    return {
        "promised_attribute": promised, "delivered_attribute": delivered,
        "reviews_with_orders": len(m), "late": int(late.sum()), "on_time": int(on_time.sum()),
        "mean_rating_late": mean(late, "rating"), "mean_rating_on_time": mean(on_time, "rating"),
        "low_share_late": mean(late, "low_rating"),
        "low_share_on_time": mean(on_time, "low_rating"),
        "lateness_complaints_late": int((lateness & late).sum()),
        "lateness_complaints_on_time": int((lateness & on_time).sum()),
        "by_type": {t: int(counts.get(t, 0)) for t in DELIVERY_TYPES},
    }


def delivery_outcomes(
    con: duckdb.DuckDBPyConnection, *, fb: pd.DataFrame, statements: pd.DataFrame,
    promised: str | None, delivered: str | None, cues_path: Path, low_rating: float,
    end: pd.Timestamp | None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any], list[str]]:
    """(order_outcomes, say_do rows of the delivery types, summary, notes); `fb` holds the
    feedback rows with their rating normalised (`r01`)."""
    none: tuple[pd.DataFrame, pd.DataFrame, dict[str, Any], list[str]] = (
        empty_frame(ORDER_OUTCOMES_COLUMNS), empty_frame(SAY_DO_COLUMNS), {}, [])
    if not table_exists(con, "transactions") or fb.empty:
        return none
    keys = _keys(con)
    p_key = _find(keys, promised, PROMISED_NAMES, "promised")
    d_key = _find(keys, delivered, DELIVERED_NAMES, "delivered", avoid=p_key)
    if p_key is None or d_key is None:
        return none
    orders = _orders(con, p_key, d_key, end)
    orders = orders[orders["promised_at"].notna()].sort_values("ordered_at")
    if orders.empty:
        return (*none[:3], [f"delivery: no order has a date in {p_key!r}."])
    left = fb.dropna(subset=["ts"]).sort_values("ts")
    m = pd.merge_asof(left, orders, left_on="ts", right_on="ordered_at", by="customer_id",
                      direction="backward").dropna(subset=["ordered_at"]).copy()
    m = _outcome(m)
    m["low_rating"] = (m["r01"] <= low_rating).fillna(False).astype(bool)
    cues = load_cues(cues_path, negated_to=BLAME_NEGATED)
    texts = _texts(con, m["feedback_id"].tolist(), statements)
    found = [cues.match(texts.get(f)) for f in m["feedback_id"]]
    blames = [_blames(f) for f in found]
    m["blames"] = [json.dumps(b) for b in blames]
    m["cues"] = [json.dumps([c for g in ("lateness", "partial", "delivery", "product")
                             for c in f.get(g, [])]) for f in found]
    on_delivery = [bool({"lateness", "partial", "delivery"} & set(b)) for b in blames]
    m["insight"] = np.select(
        [np.array(["lateness" in b for b in blames]) & ~m["late"].to_numpy(),
         m["late"].to_numpy() & m["low_rating"].to_numpy()
         & np.array(["product" in b for b in blames]) & ~np.array(on_delivery)],
        list(DELIVERY_TYPES), default="")
    by_feedback = {str(k): g for k, g in statements.groupby("feedback_id")}
    rows = [_insight_row(row, by_feedback.get(str(row["feedback_id"]), statements.iloc[0:0]),
                         json.loads(row["cues"]), end)
            for _, row in m[m["insight"] != ""].iterrows()]
    m["insight"] = m["insight"].replace("", None)
    m = m.rename(columns={"ts": "reviewed_at"})
    outcomes = m[[c for c, _, _ in ORDER_OUTCOMES_COLUMNS]].astype(
        {c: t for c, t, _ in ORDER_OUTCOMES_COLUMNS}).reset_index(drop=True)
    insights = (pd.DataFrame(rows).astype({c: t for c, t, _ in SAY_DO_COLUMNS})
                if rows else empty_frame(SAY_DO_COLUMNS))
    return outcomes, insights, _summary(m, p_key, d_key), []
