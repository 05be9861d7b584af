"""The rows of `say_do`: what was said and done in words, the sources and methods behind each
insight, its strength, and for detractors who stay, what keeps them.

See `rapport.understand.say_do` for the rules; this module turns classified feedback rows
into the table's rows.
"""

from __future__ import annotations

__all__ = [
    "SAY_DO_COLUMNS",
    "SAY_DO_TYPES",
    "Rules",
    "corroboration",
    "did_words",
    "keeps_them",
    "normalised_rating",
    "quote",
    "rating_label",
    "render_rows",
    "type_words",
]

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import duckdb
import numpy as np
import pandas as pd

from rapport.schema import table_exists

from .result import Columns, empty_frame

Row = dict[str, Any]  # one feedback row or statement, column -> value

SAY_DO_COLUMNS: Columns = (
    ("insight_id", "string", "type:feedback_id, stable across runs"),
    ("customer_id", "string", "the customer"),
    ("feedback_id", "string", "the feedback row where it was said"),
    ("statement_id", "string", "the statement quoted in `said` (null when none)"),
    ("type", "string", "promoter_lapsed, intent_unfulfilled, detractor_stays, "
                       "said_leaving_stays, rating_text_mismatch, blames_delivery_but_on_time, "
                       "late_but_blames_product"),
    ("said", "string", "the rating, then the customer's (redacted) words"),
    ("said_at", "datetime64[us]", "when it was said"),
    ("rating", "float64", "the rating given (null when none)"),
    ("rating_scale", "string", "nps, csat, stars5, stars10, binary or none"),
    ("text_sentiment", "float64", "sentiment of the feedback's words, -1..1 (null: no words)"),
    ("did", "string", "what the customer (or the order) did, in words"),
    ("orders_after", "Int64", "orders after the statement, up to the end of observation"),
    ("days_after", "float64", "days from the statement to the end of observation"),
    ("what_keeps_them", "string", "for those who complain or threaten to leave yet stay: "
                                  "what they buy and praise (null otherwise)"),
    ("sources", "string", "JSON list of the evidence: e.g. survey rating, purchase records"),
    ("methods", "string", "JSON list of the methods: e.g. stated rating, customer rhythm"),
    ("n_sources", "int64", "independent sources (kinds of record) behind the insight"),
    ("single_source", "bool", "true when only one independent source supports it"),
    ("strength", "float64", "0..1: how clearly it was said and done, and corroborated"),
    ("explanation", "string", "one sentence for a manager"),
)

SAY_DO_TYPES = {
    "promoter_lapsed": "promoter who lapsed",
    "intent_unfulfilled": "said they would buy again, did not",
    "detractor_stays": "detractor who stays",
    "said_leaving_stays": "said they would leave, stayed",
    "rating_text_mismatch": "rating and words disagree",
    "blames_delivery_but_on_time": "blames delivery, but it came on time",
    "late_but_blames_product": "came late, but blames the product",
}
"""Each insight type in words, for pages and reports (the type itself stays the key)."""


def type_words(kind: str) -> str:
    """An insight type in words (an unknown one with spaces for underscores)."""
    return SAY_DO_TYPES.get(kind, kind.replace("_", " "))


_RANGE = {"nps": (0.0, 10.0), "csat": (1.0, 5.0), "stars5": (1.0, 5.0), "stars10": (1.0, 10.0),
          "binary": (0.0, 1.0)}
_POSITIVE = ("promoter_lapsed", "intent_unfulfilled")
_NEGATIVE = ("detractor_stays", "said_leaving_stays")


@dataclass(frozen=True)
class Rules:
    """The thresholds of say-vs-do (see `build_say_do`)."""

    promoter_min: dict[str, float]
    detractor_max: dict[str, float]
    min_orders_after: int
    min_wait_days: float
    lapse_gaps: float
    rhythm_prior_gaps: float
    single_buyer_lapse_days: float
    promise_wait_days: float
    text_threshold: float
    mismatch_extreme: float
    lapsed_p_alive: float


def normalised_rating(rating: pd.Series, scale: pd.Series) -> pd.Series:
    """A rating on 0-1 by its scale (null for unknown scales)."""
    lo = scale.map({k: v[0] for k, v in _RANGE.items()}).astype(float)
    hi = scale.map({k: v[1] for k, v in _RANGE.items()}).astype(float)
    return ((rating.astype(float) - lo) / (hi - lo)).clip(0, 1)


def _norm(value: float, scale: str) -> float:
    lo, hi = _RANGE.get(scale, (0.0, 1.0))
    return (value - lo) / (hi - lo)


def rating_label(rating: Any, scale: Any) -> str | None:
    """'NPS 9', '5 stars', 'CSAT 2/5', '8/10', 'thumbs down'; None without a rating."""
    if rating is None or pd.isna(rating):
        return None
    v = f"{float(rating):g}"
    return {
        "nps": f"NPS {v}",
        "stars5": f"{v} star" + ("" if float(rating) == 1 else "s"),
        "csat": f"CSAT {v}/5",
        "stars10": f"{v}/10",
        "binary": "thumbs up" if float(rating) >= 1 else "thumbs down",
    }.get(str(scale), f"rating {v}")


def quote(text: Any, limit: int = 140) -> str | None:
    """A statement's (redacted) text, cut at `limit` characters."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def did_words(orders: int | None, days: float) -> str:
    """'no orders in the 34 weeks after', '3 orders in the 40 weeks after'."""
    span = f"{days:.0f} days" if days < 14 else f"{days / 7:.0f} weeks"
    if not orders:
        return f"no orders in the {span} after"
    return f"{orders} order{'s' if orders != 1 else ''} in the {span} after"


def corroboration(df: pd.DataFrame) -> tuple[list[tuple[str, ...]], list[int]]:
    """For each classified row: the kinds and number of the customer's other feedback rows
    that agree with what it said (positive for promoters and promises, negative for
    detractors and threats to leave)."""
    pos = (df["promoter_rating"] | df["text_pos"] | df["return"] | df["recommend"]).to_numpy()
    neg = (df["detractor_rating"] | df["text_neg"] | df["leave"]).to_numpy()
    by_customer: dict[str, list[int]] = {}
    for i, c in enumerate(df["customer_id"].to_numpy()):
        by_customer.setdefault(str(c), []).append(i)
    kinds_out: list[tuple[str, ...]] = []
    n_out: list[int] = []
    kinds = df["kind"].astype(str).to_numpy()
    for i, (c, t) in enumerate(zip(df["customer_id"].to_numpy(), df["type"], strict=True)):
        flag = pos if t in _POSITIVE else neg if t in _NEGATIVE else None
        if flag is None:
            kinds_out.append(())
            n_out.append(0)
            continue
        others = [j for j in by_customer[str(c)] if j != i and flag[j]]
        kinds_out.append(tuple(sorted({kinds[j] for j in others})))
        n_out.append(len(others))
    return kinds_out, n_out


def _lines_after(con: duckdb.DuckDBPyConnection, customers: list[str],
                 end: pd.Timestamp | None) -> pd.DataFrame:
    if not customers or not table_exists(con, "transactions") or end is None:
        return pd.DataFrame(columns=["customer_id", "ts", "product", "category", "channel"])
    con.register("_sd_customers", pd.DataFrame({"customer_id": customers}))
    try:
        return con.execute(
            "SELECT t.customer_id, t.ts, t.product, t.category, t.channel FROM transactions t "
            "JOIN _sd_customers USING (customer_id) WHERE t.ts <= ? AND "
            "coalesce(t.amount, 1) > 0", [end.to_pydatetime()]
        ).fetch_df()
    finally:
        con.unregister("_sd_customers")


def _themes_of(con: duckdb.DuckDBPyConnection, statement_ids: list[str]) -> dict[str, str]:
    if not statement_ids or not (table_exists(con, "statement_themes")
                                 and table_exists(con, "themes")):
        return {}
    con.register("_sd_statements", pd.DataFrame({"statement_id": statement_ids}))
    try:
        rows = con.execute(
            "SELECT st.statement_id, t.label FROM statement_themes st JOIN _sd_statements "
            "USING (statement_id) JOIN themes t USING (theme_id) WHERE t.level = 1"
        ).fetchall()
    finally:
        con.unregister("_sd_statements")
    return {str(s): str(label) for s, label in rows}


def _mode(values: Iterable[Any]) -> str | None:
    """The most common non-empty value (the first seen among equals), as text."""
    counts = Counter(str(v) for v in values if v is not None and not pd.isna(v) and str(v) != "")
    return counts.most_common(1)[0][0] if counts else None


def keeps_them(con: duckdb.DuckDBPyConnection, stays: pd.DataFrame, st: pd.DataFrame,
               end: pd.Timestamp | None) -> dict[str, str]:
    """feedback_id -> what keeps a complaining customer buying, in words: what they bought
    after complaining (product, category, channel), what they praise and its themes."""
    if stays.empty:
        return {}
    customers = sorted(stays["customer_id"].astype(str).unique())
    # Plain Python rows grouped by customer: at a million customers there are hundreds of
    # thousands of groups, and a DataFrame per group costs about a millisecond each.
    lines: dict[str, list[tuple[Any, Any, Any, Any]]] = {}
    bought = _lines_after(con, customers, end)
    for c, ts, product, category, channel in zip(
        bought["customer_id"].astype(str), bought["ts"], bought["product"], bought["category"],
        bought["channel"], strict=True,
    ):
        lines.setdefault(c, []).append((ts, product, category, channel))
    praise = st[st["customer_id"].isin(customers) & st["facets"].str.contains("praise", na=False)]
    praise = praise.drop_duplicates(["customer_id", "text"])
    themes = _themes_of(con, praise["statement_id"].tolist())
    liked_by: dict[str, list[tuple[str, str]]] = {}
    ranked = praise.sort_values("sentiment", ascending=False, kind="stable")
    for c, text, sid in zip(ranked["customer_id"].astype(str), ranked["text"],
                            ranked["statement_id"], strict=True):
        liked_by.setdefault(c, []).append((str(text), str(sid)))
    out: dict[str, str] = {}
    for cid, fid, said_at in zip(stays["customer_id"].astype(str), stays["feedback_id"],
                                 stays["ts"], strict=True):
        parts: list[str] = []
        if cid in lines:
            after = [line for line in lines[cid] if line[0] > said_at]
            product = _mode(line[1] for line in after)
            category = _mode(line[2] for line in after)
            channel = _mode(line[3] for line in after)
            what = f"{product} ({category})" if product and category else product or category
            if what:
                via = f", mostly via {channel}" if channel else ""
                parts.append(f"keeps buying {what}{via}")
        liked = liked_by.get(cid)
        if liked:
            said = "; ".join(f'"{quote(text, 80)}"' for text, _ in liked[:2])
            parts.append(f"praises {said}")
            labels = list(dict.fromkeys(themes[sid] for _, sid in liked if sid in themes))
            if labels:
                parts.append("themes: " + ", ".join(labels[:2]))
        if parts:
            out[str(fid)] = "; ".join(parts)
    return out


def _pick(st_of: list[Row], statement_id: Any, most: str) -> Row | None:
    """The statement to quote: the given one, else the most positive or negative (the first
    of equals; statements without a sentiment last)."""
    if not st_of:
        return None
    if isinstance(statement_id, str):
        for statement in st_of:
            if statement["statement_id"] == statement_id:
                return statement
    sign = 1.0 if most == "negative" else -1.0

    def rank(statement: Row) -> tuple[bool, float]:
        value = statement["sentiment"]
        missing = bool(pd.isna(value))
        return missing, 0.0 if missing else sign * float(value)

    return min(st_of, key=rank)


def _said_clarity(row: Row, r: Rules) -> float:
    scale, r01, t = str(row["rating_scale"]), float(row["r01"]), row["type"]
    if t == "promoter_lapsed" and row["promoter_rating"]:
        thr = _norm(r.promoter_min[scale], scale)
        base = 0.6 + 0.4 * ((r01 - thr) / (1 - thr) if thr < 1 else 1.0)
        agree = [row["text_pos"], row["return"]]
    elif t == "detractor_stays" and row["detractor_rating"]:
        thr = _norm(r.detractor_max[scale], scale)
        base = 0.6 + 0.4 * ((thr - r01) / thr if thr > 0 else 1.0)
        agree = [row["text_neg"], row["leave"]]
    elif t == "intent_unfulfilled":
        base, agree = 0.7, [row["text_pos"] or row["promoter_rating"]]
    elif t == "said_leaving_stays":
        base, agree = 0.7, [row["text_neg"] or row["detractor_rating"]]
    else:
        base, agree = 0.6, [row["text_pos"] if t in _POSITIVE else row["text_neg"]]
    return float(min(1.0, base + 0.15 * sum(bool(a) for a in agree)))


def _did_clarity(row: Row, r: Rules) -> float:
    if row["type"] in _NEGATIVE:
        return float(min(1.0, 0.5 + 0.1 * float(row["orders_after"])))
    if row["lapsed"]:
        past = float(row["since_last_days"]) / float(row["lapse_days"]) - 1
        clarity = 0.6 + 0.4 * float(np.clip(past, 0, 1))
        if pd.notna(row["p_alive"]) and row["p_alive"] < r.lapsed_p_alive:
            clarity += 0.1
        return float(min(1.0, clarity))
    return 0.5 + 0.5 * float(np.clip(float(row["wait_days"]) / r.promise_wait_days - 1, 0, 1))


def _explain(row: Row, label: str | None, words: str | None, keeps: str | None) -> str:
    t = row["type"]
    weeks = f"{float(row['days_after']) / 7:.0f} weeks"
    gave = f"Gave {label}" if label else "Wrote"
    if t == "promoter_lapsed":
        pace = ""
        if pd.notna(row["typical_gap"]):
            pace = f", although they used to order every {row['typical_gap']:.0f} days or so"
        promise = f' and said "{words}"' if words and (row["return"] or row["recommend"]) else ""
        return f"{gave}{promise}, but has not ordered in the {weeks} since{pace}."
    if t == "intent_unfulfilled":
        return f'Said "{words}" but has not ordered in the {weeks} since.'
    if t == "detractor_stays":
        said = f'said "{words}"' if words else "complained"
        tail = f"; {keeps}" if keeps else ""
        return (f"{gave} and {said}, yet placed {row['orders_after']} orders in the {weeks} "
                f"after{tail}.")
    if t == "said_leaving_stays":
        return f'Said "{words}" yet placed {row["orders_after"]} orders in the {weeks} after.'
    side = "negative" if float(row["r01"]) >= 0.5 else "positive"
    return (f"{gave} but the words read clearly {side}: check whether the rating or the text "
            f"is the mistake.")


def _evidence(row: Row, kind: str, words: str | None,
              r: Rules) -> tuple[list[str], list[str], set[str]]:
    """(sources, methods, independent source roots) behind one insight."""
    t = row["type"]
    intent = bool(row["return"] or row["leave"] or row["recommend"])
    if t == "rating_text_mismatch":
        return [f"{kind} rating", f"{kind} text"], ["stated rating", "text sentiment"], {kind}
    positive = t in _POSITIVE
    uses_rating = bool(row["promoter_rating"] if positive else row["detractor_rating"])
    agrees = bool(row["text_pos"] if positive else row["text_neg"])
    sources = [f"{kind} rating"] if uses_rating else []
    if (words and (agrees or intent)) or not uses_rating:
        sources.append(f"{kind} text")
    methods = (["stated rating"] if uses_rating else []) + (["text sentiment"] if agrees else [])
    methods += ["intent detection"] if intent else []
    sources.append("purchase records")
    methods.append("purchase history")
    if positive and row["lapsed"]:
        methods.append("customer rhythm")
        if pd.notna(row["p_alive"]) and row["p_alive"] < r.lapsed_p_alive:
            methods.append("BG/NBD P(alive)")
    elif t == "intent_unfulfilled":
        methods.append("promise deadline")
    roots = {kind, "purchase records"}
    for k in row["corroborating_kinds"]:
        sources.append(f"other {k} feedback")
        roots.add(k)
    return sources, methods, roots


def _row(row: Row, st_of: list[Row], keeps: dict[str, str],
         r: Rules) -> dict[str, Any]:
    t, kind = str(row["type"]), str(row["kind"])
    label = rating_label(row["rating"], row["rating_scale"])
    wanted = {"promoter_lapsed": row["return_statement"] if pd.notna(row["return_statement"])
              else row["recommend_statement"], "intent_unfulfilled": row["return_statement"],
              "said_leaving_stays": row["leave_statement"]}.get(t)
    high: bool = float(row["r01"]) >= 0.5 if pd.notna(row["r01"]) else False
    most = "negative" if t in _NEGATIVE or (t == "rating_text_mismatch" and high) else "positive"
    chosen = _pick(st_of, wanted, most)
    words = quote(chosen["text"]) if chosen is not None else None
    sources, methods, roots = _evidence(row, kind, words, r)
    if t == "rating_text_mismatch":
        text = min(1.0, abs(float(row["text_sentiment"])) / (2 * r.text_threshold))
        strength = text * (1.0 if float(row["r01"]) in (0.0, 1.0) else 0.8)
    else:
        strength = _said_clarity(row, r) * _did_clarity(row, r)
        strength = 1 - (1 - strength) * 0.85 ** min(3, int(row["corroborating_rows"]))
    keep = keeps.get(str(row["feedback_id"])) if t in _NEGATIVE else None
    after: Any = row.get("orders_after")
    has_after = after is not None and pd.notna(after)
    return {
        "insight_id": f"{t}:{row['feedback_id']}", "customer_id": row["customer_id"],
        "feedback_id": row["feedback_id"],
        "statement_id": None if chosen is None else chosen["statement_id"],
        "type": t, "said": ": ".join(p for p in (label, words) if p) or None,
        "said_at": row["ts"], "rating": row["rating"], "rating_scale": row["rating_scale"],
        "text_sentiment": row["text_sentiment"],
        "did": did_words(int(after), float(row["days_after"]))
        if has_after and t != "rating_text_mismatch" else None,
        "orders_after": int(after) if has_after else None,
        "days_after": row["days_after"], "what_keeps_them": keep,
        "sources": json.dumps(sources), "methods": json.dumps(methods),
        "n_sources": len(roots), "single_source": len(roots) == 1,
        "strength": round(float(strength), 3), "explanation": _explain(row, label, words, keep),
    }


def _records(frame: pd.DataFrame) -> list[Row]:
    return cast(list[Row], frame.to_dict("records"))  # the columns are text


def render_rows(df: pd.DataFrame, st: pd.DataFrame, keeps: dict[str, str], r: Rules,
                end: pd.Timestamp | None) -> pd.DataFrame:
    """One `say_do` row per classified feedback row and per rating-text mismatch."""
    picked = df[(df["type"] != "") | df["mismatch"]].copy()
    picked["days_after"] = ((end - pd.to_datetime(picked["ts"])).dt.total_seconds() / 86_400
                            if end is not None else np.nan)
    mine = st[st["feedback_id"].isin(picked["feedback_id"].astype(str))]
    # Plain dictionaries, not a Series per row and a DataFrame per feedback row: the same
    # rules at a fraction of the cost (hundreds of thousands of rows at a million customers).
    by_feedback: dict[str, list[Row]] = {}
    for statement in _records(mine):
        by_feedback.setdefault(str(statement["feedback_id"]), []).append(statement)
    rows: list[dict[str, Any]] = []
    for row in _records(picked):
        st_of = by_feedback.get(str(row["feedback_id"]), [])
        if row["type"]:
            rows.append(_row(row, st_of, keeps, r))
        if row["mismatch"]:
            rows.append(_row({**row, "type": "rating_text_mismatch"}, st_of, keeps, r))
    if not rows:
        return empty_frame(SAY_DO_COLUMNS)
    out = pd.DataFrame(rows)
    return out.astype({name: dtype for name, dtype, _ in SAY_DO_COLUMNS})[
        [name for name, _, _ in SAY_DO_COLUMNS]]
