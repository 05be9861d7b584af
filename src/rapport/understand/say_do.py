"""Say vs do: what customers said (ratings, words, stated intents) set against what they did.

One row of `say_do` per insight. Rules (every threshold is a keyword argument of `build_say_do`):

- What counts as said. A *promoter* gave a rating of at least `promoter_min[scale]` (default
  NPS 9-10 only: NPS asks about the relationship, "would you recommend us"; stars and CSAT rate
  a product or one purchase, and a happy reviewer who never returns has promised nothing — add
  e.g. `{"stars5": 5}` to count them), or said they would recommend us. A *detractor* gave at
  most `detractor_max[scale]` (NPS 0-6, 1-2 stars or CSAT 1-2, 1-4 of 10, thumbs down) with
  words that are not clearly positive, or, without a rating, wrote clearly negative words
  that judge the business as a whole (a negative `perception` statement) in a survey, review,
  interview, call or social post (tickets ask for help; notes are written by staff). Words
  are clearly positive or negative when the feedback's sentiment is beyond ±`text_threshold`.
  A stated intent is found by the cue lists in `data/intent_cues.toml` on the redacted
  statements: to return (time-bound when it also says "soon", "next month"), to leave, to
  recommend; return and leave count only in a statement about the future ("will", "going
  to"), and a return or recommend cue after a negation ("won't be back") counts as leaving.
- What counts as done: orders (rows sharing an order_id, or a timestamp; returns excluded)
  strictly after the statement, up to the end of observation (`customer_behavior`'s, else the
  latest transaction).
- Lapsed after the statement: no order since; at least `min_wait_days` from the statement to
  the end; and the time since the last order is at least `lapse_gaps` × the customer's
  typical gap between orders (their median gap, shrunk towards the median of all repeat
  buyers by `rhythm_prior_gaps` pseudo-gaps, so two orders do not make a rhythm), or, for
  a customer with one order or none, at least `single_buyer_lapse_days`. Were the gaps
  exponential, an active customer would stay silent for three median gaps about one time in
  eight; on the demo's simulated truth the rule is right for about 8 repeat buyers in 10 that
  it calls lapsed (precision 0.81, recall 0.77 at the defaults).
- Types, one per feedback row, the first that applies: `promoter_lapsed` (promoter, then
  lapsed); `intent_unfulfilled` (said they would buy again, then no orders and lapsed, or no
  order for `promise_wait_days` after a time-bound promise); `detractor_stays` (detractor,
  then at least `min_orders_after` orders); `said_leaving_stays` (said they would leave or
  cancel, then at least `min_orders_after` orders). Independently, `rating_text_mismatch`:
  a rating in the top or bottom `mismatch_extreme` of its scale (5 or 1 star, NPS 9-10 or
  0-1) with words on the other side of ±`text_threshold`.
- Delivery (`say_do_delivery`): when transactions carry promised and delivered dates, each
  review is set against its order (table `order_outcomes`), and `blames_delivery_but_on_time`
  and `late_but_blames_product` join `say_do`.

Sources and independence: a source is a kind of record made by a different act — each kind
of feedback (survey, review, ticket, …), the purchase records, the delivery records. The
rating and the words of one response are two methods on one source; several surveys of one
customer are one source. `n_sources` counts the independent sources behind an insight (the
feedback itself, other feedback of the customer that agrees, purchases or deliveries), and
`single_source` is true when there is only one (a rating-text mismatch, for instance).
Strength (0-1) multiplies how clearly it was said (how deep the rating is into its zone,
+0.15 for each agreeing method) by how clearly it was done (how far past the lapse threshold,
or how many orders after), and each agreeing other feedback row lifts it a little.
"""

from __future__ import annotations

__all__ = ["SAY_DO_COLUMNS", "SAY_DO_TYPES", "build_say_do"]

from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from rapport.errors import ConfigError
from rapport.schema import table_exists

from .result import Built, empty_frame
from .say_do_cues import DATA, INTENT_NEGATED, load_cues
from .say_do_delivery import DELIVERY_TYPES, ORDER_OUTCOMES_COLUMNS, delivery_outcomes
from .say_do_rows import (
    SAY_DO_COLUMNS,
    Rules,
    corroboration,
    keeps_them,
    render_rows,
)
from .say_do_rows import normalised_rating as _r01

SAY_DO_TYPES = (
    "promoter_lapsed",
    "intent_unfulfilled",
    "detractor_stays",
    "said_leaving_stays",
    "rating_text_mismatch",
    *DELIVERY_TYPES,
)
_VOICE_KINDS = ("survey", "review", "interview", "call", "social", "other")


def _observation_end(con: duckdb.DuckDBPyConnection) -> pd.Timestamp | None:
    if table_exists(con, "customer_behavior"):
        rows = con.execute("SELECT max(observation_end) FROM customer_behavior").fetchall()
        if rows and rows[0][0] is not None:
            return pd.Timestamp(rows[0][0])
    if table_exists(con, "transactions"):
        rows = con.execute("SELECT max(ts) FROM transactions").fetchall()
        if rows and rows[0][0] is not None:
            return pd.Timestamp(rows[0][0])
    return None


_ORDERS = """
SELECT customer_id, coalesce(order_id, CAST(ts AS VARCHAR)) AS oid, min(ts) AS ts
FROM transactions WHERE customer_id IS NOT NULL AND ts IS NOT NULL AND ts <= ?
GROUP BY ALL HAVING coalesce(sum(amount), 1) > 0
"""


def _feedback(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Feedback of known customers (all of it: reviews often come after the last order)."""
    voice = table_exists(con, "feedback_voice")
    sent = "v.sentiment" if voice else "CAST(NULL AS DOUBLE)"
    join = "LEFT JOIN feedback_voice v USING (feedback_id)" if voice else ""
    fb = con.execute(
        f"SELECT f.feedback_id, f.customer_id, f.ts, f.kind, f.rating, f.rating_scale, "
        f"{sent} AS text_sentiment FROM feedback f {join} "
        "WHERE f.customer_id IS NOT NULL AND f.ts IS NOT NULL"
    ).fetch_df()
    fb["feedback_id"] = fb["feedback_id"].astype(str)
    return fb


def _after(con: duckdb.DuckDBPyConnection, end: pd.Timestamp) -> pd.DataFrame:
    """Per feedback row: orders after it, orders before, the last order at or before it;
    and per customer the typical gap between order days."""
    return con.execute(
        f"""
        WITH o AS ({_ORDERS}),
        d AS (SELECT DISTINCT customer_id, CAST(ts AS DATE) AS day FROM o),
        g AS (SELECT customer_id, day - lag(day) OVER (PARTITION BY customer_id ORDER BY day)
              AS gap FROM d),
        r AS (SELECT customer_id, median(gap) AS own_gap, count(gap) AS n_gaps FROM g
              WHERE gap IS NOT NULL GROUP BY customer_id)
        SELECT f.feedback_id, count(o.ts) FILTER (WHERE o.ts > f.ts) AS orders_after,
               count(o.ts) FILTER (WHERE o.ts <= f.ts) AS orders_before,
               max(o.ts) FILTER (WHERE o.ts <= f.ts) AS last_before,
               any_value(r.own_gap) AS own_gap, coalesce(any_value(r.n_gaps), 0) AS n_gaps
        FROM feedback f LEFT JOIN o ON o.customer_id = f.customer_id
        LEFT JOIN r ON r.customer_id = f.customer_id
        WHERE f.customer_id IS NOT NULL AND f.ts IS NOT NULL GROUP BY f.feedback_id
        """,
        [end.to_pydatetime()],
    ).fetch_df().astype({"feedback_id": str})


def _statements(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    if not table_exists(con, "statements"):
        return pd.DataFrame(columns=["statement_id", "feedback_id", "customer_id", "position",
                                     "text", "sentiment", "facets"])
    facets = ("string_agg(DISTINCT sf.facet, ',')" if table_exists(con, "statement_facets")
              else "CAST(NULL AS VARCHAR)")
    join = ("LEFT JOIN statement_facets sf USING (statement_id)"
            if table_exists(con, "statement_facets") else "")
    st = con.execute(
        f"SELECT s.statement_id, s.feedback_id, s.customer_id, s.position, s.text, s.sentiment, "
        f"coalesce({facets}, '') AS facets FROM statements s {join} "
        "WHERE s.customer_id IS NOT NULL GROUP BY ALL ORDER BY s.feedback_id, s.position"
    ).fetch_df()
    return st.astype({"feedback_id": str, "statement_id": str})


def _intents(st: pd.DataFrame, cues_path: Path) -> pd.DataFrame:
    """Per statement: which way a stated intent points (return, leave, recommend) and
    whether the promise is time-bound."""
    cues = load_cues(cues_path, negated_to=INTENT_NEGATED, leave_out={"future"})
    when = load_cues(cues_path, groups={"future"})  # apart, so intent cues do not hide it
    texts = st["text"].fillna("").tolist()
    found = [cues.match(t) | when.match(t) for t in texts]
    out = st[["statement_id", "feedback_id"]].copy()
    future = np.array([bool(m.get("future")) for m in found], dtype=bool)
    leave = np.array([bool(m.get("leave")) for m in found], dtype=bool) & future
    ret = np.array([bool(m.get("return")) for m in found], dtype=bool) & future & ~leave
    out["leave"], out["return"] = leave, ret
    out["soon"] = np.array([bool(m.get("soon")) for m in found], dtype=bool) & ret
    out["recommend"] = np.array([bool(m.get("recommend")) for m in found], dtype=bool) & ~leave
    out["facet"] = st["facets"].fillna("").str.contains("intent").to_numpy()
    return out


def _first(intents: pd.DataFrame, flag: str) -> pd.Series:
    hit = intents[intents[flag]]
    return hit.groupby("feedback_id")["statement_id"].first()


def _lapse(df: pd.DataFrame, end: pd.Timestamp, r: Rules) -> pd.DataFrame:
    """Add wait_days, since_last_days, typical_gap, lapse_days (the threshold) and lapsed."""
    wait = (end - df["ts"]).dt.total_seconds() / 86_400
    last = df["last_before"].fillna(df["ts"])
    since = (end - last).dt.total_seconds() / 86_400
    own = df["own_gap"].astype(float)
    n = df["n_gaps"].astype(float)
    repeat = own[n > 0]
    prior = float(repeat.median()) if len(repeat) else np.nan
    typical = (n * own.fillna(0) + r.rhythm_prior_gaps * prior) / (n + r.rhythm_prior_gaps)
    threshold = np.where(n > 0, np.maximum(r.min_wait_days, r.lapse_gaps * typical),
                         r.single_buyer_lapse_days)
    out = df.assign(wait_days=wait, since_last_days=since, typical_gap=typical.where(n > 0),
                    lapse_days=threshold)
    out["lapsed"] = ((out["orders_after"] == 0) & (wait >= r.min_wait_days)
                     & (since >= out["lapse_days"]))
    return out


def _said(df: pd.DataFrame, st: pd.DataFrame, intents: pd.DataFrame, r: Rules) -> pd.DataFrame:
    """Add the signals of what was said: promoter, detractor, text polarity, intents."""
    scale = df["rating_scale"].fillna("none")
    rating = df["rating"].astype(float)
    pmin = scale.map(r.promoter_min).astype(float)
    dmax = scale.map(r.detractor_max).astype(float)
    s = df["text_sentiment"].astype(float)
    out = df.assign(
        r01=_r01(rating, scale),
        text_pos=s >= r.text_threshold,
        text_neg=s <= -r.text_threshold,
        promoter_rating=rating >= pmin,
        detractor_rating=rating <= dmax,
    )
    fid = out["feedback_id"]
    for flag in ("return", "leave", "recommend"):
        first = _first(intents, flag)
        out[f"{flag}_statement"] = fid.map(first)
        out[flag] = out[f"{flag}_statement"].notna()
    soon = intents[intents["soon"]]["feedback_id"].unique()
    out["soon"] = fid.isin(soon)
    facet = intents[intents["facet"]]["feedback_id"].unique()
    out["intent_facet"] = fid.isin(facet)
    negative_view = st[st["facets"].str.contains("perception", na=False)
                       & (st["sentiment"] <= -r.text_threshold)]["feedback_id"].unique()
    text_detractor = (rating.isna() & out["kind"].isin(_VOICE_KINDS) & out["text_neg"]
                      & fid.isin(negative_view))
    out["promoter"] = (out["promoter_rating"] | out["recommend"]) & ~out["text_neg"] & ~out["leave"]
    out["detractor"] = (out["detractor_rating"] & ~out["text_pos"]) | text_detractor
    return out


def _classify(df: pd.DataFrame, r: Rules) -> pd.Series:
    after = df["orders_after"]
    none_after = after == 0
    promise_due = df["soon"] & none_after & (df["wait_days"] >= r.promise_wait_days)
    return pd.Series(
        np.select(
            [
                none_after & df["promoter"] & df["lapsed"],
                df["return"] & (df["lapsed"] | promise_due),
                (after >= r.min_orders_after) & df["detractor"],
                (after >= r.min_orders_after) & df["leave"],
            ],
            ["promoter_lapsed", "intent_unfulfilled", "detractor_stays", "said_leaving_stays"],
            default="",
        ),
        index=df.index,
    )


def _mismatch(df: pd.DataFrame, r: Rules) -> pd.Series:
    high = (df["r01"] >= 1 - r.mismatch_extreme) & df["text_neg"]
    low = (df["r01"] <= r.mismatch_extreme) & df["text_pos"]
    return high | low


def _p_alive(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    if not table_exists(con, "customer_behavior"):
        return pd.DataFrame(columns=["customer_id", "p_alive"])
    return con.execute(
        "SELECT customer_id, CASE WHEN frequency > 0 THEN p_alive END AS p_alive "
        "FROM customer_behavior"
    ).fetch_df()


def _rules(**kw: Any) -> Rules:
    r = Rules(**kw)
    for name in ("min_wait_days", "lapse_gaps", "single_buyer_lapse_days", "promise_wait_days"):
        if not getattr(r, name) > 0:
            raise ConfigError(f"say_do: {name} must be a positive number, got {getattr(r, name)}.")
    if not 0 < r.text_threshold < 1 or not 0 < r.mismatch_extreme < 0.5:
        raise ConfigError("say_do: text_threshold must lie in (0, 1) and mismatch_extreme in "
                          "(0, 0.5); try the defaults 0.3 and 0.1.")
    if r.rhythm_prior_gaps < 0:
        raise ConfigError("say_do: rhythm_prior_gaps must be 0 or more (default 2).")
    if r.min_orders_after < 1:
        raise ConfigError("say_do: min_orders_after must be at least 1 (default 2).")
    return r


def build_say_do(
    con: duckdb.DuckDBPyConnection,
    *,
    promoter_min: dict[str, float] | None = None,
    detractor_max: dict[str, float] | None = None,
    min_orders_after: int = 2,
    min_wait_days: float = 90.0,
    lapse_gaps: float = 3.0,
    rhythm_prior_gaps: float = 2.0,
    single_buyer_lapse_days: float = 365.0,
    promise_wait_days: float = 90.0,
    text_threshold: float = 0.3,
    mismatch_extreme: float = 0.1,
    lapsed_p_alive: float = 0.2,
    intent_cues: str | Path | None = None,
    blame_cues: str | Path | None = None,
    promised: str | None = None,
    delivered: str | None = None,
    low_rating: float = 0.25,
) -> Built:
    """The tables `say_do` (one row per insight) and `order_outcomes` (one row per review set
    against its order's delivery, when the transactions carry promised and delivered dates).

    See the module docstring for the rules; `intent_cues` and `blame_cues` are cue files
    (default: the ones in `rapport/understand/data`), `promised` and `delivered` the names of
    the transactions' attributes holding the dates (default: found by name), `low_rating` the
    normalised rating (0-1) at or below which a review counts as low.
    """
    r = _rules(
        promoter_min=dict(promoter_min if promoter_min is not None else {"nps": 9.0}),
        detractor_max=dict(detractor_max if detractor_max is not None
                           else {"nps": 6.0, "csat": 2.0, "stars5": 2.0, "stars10": 4.0,
                                 "binary": 0.0}),
        min_orders_after=min_orders_after, min_wait_days=min_wait_days, lapse_gaps=lapse_gaps,
        rhythm_prior_gaps=rhythm_prior_gaps, single_buyer_lapse_days=single_buyer_lapse_days,
        promise_wait_days=promise_wait_days, text_threshold=text_threshold,
        mismatch_extreme=mismatch_extreme, lapsed_p_alive=lapsed_p_alive,
    )
    notes: list[str] = []
    empty = Built({"say_do": empty_frame(SAY_DO_COLUMNS), "order_outcomes":
                   empty_frame(ORDER_OUTCOMES_COLUMNS)}, {"insights": 0}, notes)
    if not table_exists(con, "feedback"):
        notes.append("no feedback loaded: there is nothing said to set against what was done.")
        return empty
    end = _observation_end(con)
    fb = _feedback(con)
    if fb.empty:
        notes.append("no feedback from known customers: say-vs-do needs feedback linked to "
                     "customers (map a customer id when ingesting feedback).")
        return empty
    if not table_exists(con, "statements"):
        notes.append("the voice stage has not run: only ratings are used (run `rapport analyze`"
                     " for text sentiment, stated intents and quotes).")
    st = _statements(con)
    intents = _intents(st, Path(intent_cues) if intent_cues else DATA / "intent_cues.toml")
    df = _said(fb, st, intents, r)
    if end is not None and table_exists(con, "transactions"):
        df = df.merge(_after(con, end), on="feedback_id", how="left")
        df = _lapse(df, end, r).merge(_p_alive(con), on="customer_id", how="left")
        df["type"] = _classify(df, r)
    else:
        notes.append("no transactions: only rating-text mismatches can be found.")
        df["type"] = ""
    df["mismatch"] = _mismatch(df, r)
    df["corroborating_kinds"], df["corroborating_rows"] = corroboration(df)
    keeps = keeps_them(con, df[df["type"].isin(["detractor_stays", "said_leaving_stays"])], st,
                       end)
    rows = render_rows(df, st, keeps, r, end)
    outcomes, delivery_rows, delivery_summary, delivery_notes = delivery_outcomes(
        con, fb=df, statements=st, promised=promised, delivered=delivered,
        cues_path=Path(blame_cues) if blame_cues else DATA / "blame_cues.toml",
        low_rating=low_rating, end=end,
    )
    notes += delivery_notes
    frames = [f for f in (rows, delivery_rows) if not f.empty]
    say_do = (pd.concat(frames, ignore_index=True) if frames else empty_frame(SAY_DO_COLUMNS))
    say_do = say_do.sort_values(["type", "strength"], ascending=[True, False], kind="stable")
    counts = say_do["type"].value_counts()
    summary: dict[str, Any] = {
        "insights": len(say_do),
        "by_type": {t: int(counts.get(t, 0)) for t in SAY_DO_TYPES if counts.get(t, 0)},
        "customers": int(say_do["customer_id"].nunique()),
        "single_source": int(say_do["single_source"].sum()),
        "feedback_rows": len(df),
    }
    if delivery_summary:
        summary["delivery"] = delivery_summary
    return Built({"say_do": say_do.reset_index(drop=True), "order_outcomes": outcomes},
                 summary, notes)
