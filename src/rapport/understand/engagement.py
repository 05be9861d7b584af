"""Engagement beyond buying, from what customers wrote: the last rung of the loyalty ladder.

The behaviour stage can only judge engagement from ratings (a promoter score, four or five
stars). Once the voice stage has run, a customer is also engaged when, up to the observation
end, they praised us, made a suggestion, or said they recommend us or will buy again (an
`intent` statement that is not negative). Loyal customers who are engaged become
`customer for life`; the ladder's other rules are unchanged (see `rapport.behavior.ladder`).
"""

from __future__ import annotations

__all__ = ["voice_engagement", "with_voice_engagement"]

import duckdb
import pandas as pd

from rapport.behavior.ladder import assign_stages
from rapport.schema import table_exists

_ENGAGED = """
SELECT s.customer_id,
       count(DISTINCT s.statement_id) FILTER (WHERE f.facet = 'praise') AS praise,
       count(DISTINCT s.statement_id) FILTER (WHERE f.facet = 'suggestion') AS suggestions,
       count(DISTINCT s.statement_id) FILTER (
           WHERE f.facet = 'intent' AND s.sentiment_label <> 'negative') AS promises
FROM statements s JOIN statement_facets f USING (statement_id)
WHERE s.customer_id IS NOT NULL AND (s.ts IS NULL OR s.ts <= ?)
  AND f.facet IN ('praise', 'suggestion', 'intent')
GROUP BY 1
"""


def voice_engagement(con: duckdb.DuckDBPyConnection, end: object) -> pd.DataFrame:
    """customer_id → engagement in words ("praise ×3, 1 suggestion"), for engaged customers."""
    if not (table_exists(con, "statements") and table_exists(con, "statement_facets")):
        return pd.DataFrame(columns=["customer_id", "voice_engagement"])
    counts = con.execute(_ENGAGED, [end]).fetch_df()
    counts = counts[(counts[["praise", "suggestions", "promises"]].sum(axis=1) > 0)]

    def words(row: pd.Series) -> str:
        parts = []
        if row["praise"]:
            parts.append(f"praise ×{int(row['praise'])}")
        if row["suggestions"]:
            parts.append(f"{int(row['suggestions'])} suggestion"
                         + ("s" if row["suggestions"] > 1 else ""))
        if row["promises"]:
            parts.append(f"{int(row['promises'])} positive intent")
        return ", ".join(parts)

    counts["voice_engagement"] = counts.apply(words, axis=1) if len(counts) else []
    return counts[["customer_id", "voice_engagement"]]


def with_voice_engagement(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, dict[str, int]]:
    """`customer_behavior` with `engaged`, `engagement`, `stage` and `status` recomputed using
    what customers wrote as well as their ratings; and how many customers changed stage."""
    behavior = con.execute("SELECT * FROM customer_behavior").fetch_df()
    end = behavior["observation_end"].max() if len(behavior) else None
    voice = voice_engagement(con, end)
    merged = behavior.merge(voice, on="customer_id", how="left")
    by_voice = merged["voice_engagement"].notna()
    rating = merged["engaged"].fillna(False).astype(bool)
    merged["engagement"] = [
        "; ".join(p for p in (e if r else None, v if isinstance(v, str) else None) if p) or None
        for e, r, v in zip(merged["engagement"], rating, merged["voice_engagement"], strict=True)
    ]
    merged["engaged"] = rating | by_voice
    before = merged["stage"].copy()
    out = assign_stages(merged.drop(columns=["voice_engagement"]))
    changed = int((out["stage"] != before).sum())
    return out[behavior.columns.tolist()], {"engaged_by_words": int(by_voice.sum()),
                                            "stage_changes": changed}
