"""Engagement beyond buying: what lifts a loyal customer to `customer for life`.

A customer is engaged, up to the observation end, when they rated us at the top (an NPS of
9-10, 4-5 stars or top-box CSAT, 8-10 of 10, a thumbs up) or, once the voice stage has made
statements, when they praised us, made a suggestion, or stated an intent that is not negative
(recommend, buy again). `engagement` says which, in words ("promoter (NPS 10); praise ×2").
"""

from __future__ import annotations

__all__ = ["engagement"]

from datetime import datetime

import duckdb
import pandas as pd

from rapport.schema import table_exists

_RATINGS = """
SELECT customer_id,
       string_agg(DISTINCT CASE rating_scale WHEN 'nps' THEN 'promoter (NPS ' ||
           CAST(CAST(rating AS INT) AS VARCHAR) || ')' ELSE CAST(CAST(rating AS INT) AS VARCHAR)
           || ' on ' || rating_scale END, ', ') AS rated
FROM feedback
WHERE customer_id IS NOT NULL AND (ts IS NULL OR ts <= ?) AND (
    (rating_scale = 'nps' AND rating >= 9) OR (rating_scale IN ('stars5', 'csat') AND
    rating >= 4) OR (rating_scale = 'stars10' AND rating >= 8) OR
    (rating_scale = 'binary' AND rating = 1))
GROUP BY customer_id
"""

_WORDS = """
SELECT s.customer_id,
       count(DISTINCT s.statement_id) FILTER (WHERE f.facet = 'praise') AS praise,
       count(DISTINCT s.statement_id) FILTER (WHERE f.facet = 'suggestion') AS suggestions,
       count(DISTINCT s.statement_id) FILTER (
           WHERE f.facet = 'intent' AND s.sentiment_label <> 'negative') AS promises
FROM statements s JOIN statement_facets f USING (statement_id)
WHERE s.customer_id IS NOT NULL AND (s.ts IS NULL OR s.ts <= ?)
  AND f.facet IN ('praise', 'suggestion', 'intent')
GROUP BY 1
HAVING praise + suggestions + promises > 0
"""


def _words(praise: int, suggestions: int, promises: int) -> str:
    parts = []
    if praise:
        parts.append(f"praise ×{praise}")
    if suggestions:
        parts.append(f"{suggestions} suggestion{'s' if suggestions > 1 else ''}")
    if promises:
        parts.append(f"{promises} positive intent")
    return ", ".join(parts)


def engagement(con: duckdb.DuckDBPyConnection, end: datetime) -> tuple[pd.DataFrame, bool]:
    """customer_id, engaged (True), engagement (in words) for engaged customers; and whether
    what customers wrote was used (the voice stage's tables exist)."""
    rated = con.execute(_RATINGS, [end]).fetch_df()
    voice = table_exists(con, "statements") and table_exists(con, "statement_facets")
    if voice:
        said = con.execute(_WORDS, [end]).fetch_df()
        said["said"] = [_words(int(a), int(b), int(c)) for a, b, c in
                        zip(said["praise"], said["suggestions"], said["promises"], strict=True)]
        both = rated.merge(said[["customer_id", "said"]], on="customer_id", how="outer")
    else:
        both = rated.assign(said=None)
    both["engagement"] = [
        "; ".join(p for p in (r, s) if isinstance(p, str) and p)
        for r, s in zip(both["rated"], both["said"], strict=True)
    ]
    both["engaged"] = True
    return both[["customer_id", "engaged", "engagement"]], voice
