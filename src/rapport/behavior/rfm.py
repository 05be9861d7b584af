"""Marketing RFM: quintile scores for recency, frequency and monetary value, and named segments.

Scores run from 1 to 5, 5 best (most recent, most orders, most spend). A customer's score is
1 + floor(5 * r / n), where n is the number of customers and r how many customers score
strictly worse on that measure. With distinct values each score holds a fifth of the
customers; equal values always get the same score, the lower one of the places they span
(so a value shared by most customers scores low, and some scores may then be empty).

Spend is compared to a millionth of the currency unit (`MONEY_DECIMALS`): a total is a sum
that each engine adds in its own order, so two customers who spent the same can end up a few
units in the last place apart (0.1 + 0.2 against 0.3); unrounded, they would be ranked apart,
and a customer at a quintile's edge could score differently from one run or engine to the
next (seen on CDNOW: 1 customer in 23,570 between DuckDB and Spark).

Segments read the recency score R (rows) and the frequency score F (columns):

| R/F   | 1              | 2                   | 3                   | 4         | 5               |
|-------|----------------|---------------------|---------------------|-----------|-----------------|
| 5     | new customers  | potential loyalists | potential loyalists | champions | champions       |
| 4     | promising      | potential loyalists | potential loyalists | loyal     | loyal           |
| 3     | about to sleep | about to sleep      | need attention      | loyal     | loyal           |
| 2     | hibernating    | hibernating         | at risk             | at risk   | can't lose them |
| 1     | lost           | hibernating         | at risk             | at risk   | can't lose them |
"""

from __future__ import annotations

__all__ = [
    "MONEY_DECIMALS",
    "RFM_SEGMENTS",
    "SEGMENT_NAMES",
    "quintile_scores",
    "rfm_scores",
    "segment_of",
]

import ibis
import ibis.expr.types as ir

MONEY_DECIMALS = 6
"""Decimals to which `rfm_scores` rounds spend before ranking it (see the module doc)."""

_GRID = {
    5: ("new customers", "potential loyalists", "potential loyalists", "champions", "champions"),
    4: ("promising", "potential loyalists", "potential loyalists", "loyal", "loyal"),
    3: ("about to sleep", "about to sleep", "need attention", "loyal", "loyal"),
    2: ("hibernating", "hibernating", "at risk", "at risk", "can't lose them"),
    1: ("lost", "hibernating", "at risk", "at risk", "can't lose them"),
}

RFM_SEGMENTS: dict[tuple[int, int], str] = {
    (r, f): name for r, row in _GRID.items() for f, name in enumerate(row, start=1)
}
"""(recency score, frequency score) → segment name: the rule table of the module doc."""

SEGMENT_NAMES: tuple[str, ...] = (
    "champions",
    "loyal",
    "potential loyalists",
    "new customers",
    "promising",
    "need attention",
    "about to sleep",
    "at risk",
    "can't lose them",
    "hibernating",
    "lost",
)
"""Every segment, from best to worst."""


def segment_of(r: int, f: int) -> str:
    """The segment of a recency score and a frequency score (each 1–5)."""
    return RFM_SEGMENTS[(r, f)]


def quintile_scores(
    table: ir.Table,
    column: str,
    name: str,
    *,
    higher_is_better: bool = True,
    decimals: int | None = None,
) -> ir.Table:
    """`table` with `name`: the 1–5 score of `column` among all its rows (5 best; ties score
    alike; rows where `column` is null get a null score). With `decimals`, values are ranked
    as rounded to that many decimals, so values closer than that tie."""
    key = table[column] if decimals is None else table[column].round(decimals)
    keyed = table.mutate(_score_key=key)
    known = keyed.filter(keyed._score_key.notnull())
    counts = known.group_by("_score_key").aggregate(_n=known.count())
    worst_first = counts._score_key.asc() if higher_is_better else counts._score_key.desc()
    up_to = counts._n.sum().over(ibis.window(order_by=worst_first, rows=(None, 0)))
    total = counts._n.sum().over(ibis.window())
    worse = up_to - counts._n  # rows strictly worse than this value
    scores = counts.select("_score_key", **{name: ((worse * 5) / total).floor().cast("int64") + 1})
    joined = keyed.left_join(scores, "_score_key")
    return joined.drop("_score_key", "_score_key_right")


def rfm_scores(
    table: ir.Table,
    *,
    recency: str = "days_since_last_purchase",
    frequency: str = "n_orders",
    monetary: str = "total_spend",
) -> ir.Table:
    """`table` with rfm_recency_score, rfm_frequency_score, rfm_monetary_score and
    rfm_segment added (fewer days since the last purchase score higher)."""
    scored = quintile_scores(table, recency, "rfm_recency_score", higher_is_better=False)
    scored = quintile_scores(scored, frequency, "rfm_frequency_score")
    scored = quintile_scores(scored, monetary, "rfm_monetary_score", decimals=MONEY_DECIMALS)
    code = scored.rfm_recency_score * 10 + scored.rfm_frequency_score
    segment = code.cases(*((r * 10 + f, name) for (r, f), name in RFM_SEGMENTS.items()))
    return scored.mutate(rfm_segment=segment)
