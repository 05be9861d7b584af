"""The top rung of the ladder once customers' words are read.

The behaviour stage runs before the voice stage, so on a first analysis it can only judge
engagement beyond buying from ratings. After the voice stage, this recomputes `engaged`,
`engagement`, `stage` and `status` of `customer_behavior` with what customers wrote as well
(see `rapport.behavior.engagement`); the ladder's rules are unchanged.
"""

from __future__ import annotations

__all__ = ["with_voice_engagement"]

import duckdb
import pandas as pd

from rapport.behavior.engagement import engagement
from rapport.behavior.ladder import assign_stages


def with_voice_engagement(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, dict[str, int]]:
    """`customer_behavior` with engagement and the ladder recomputed; and how many customers
    are engaged by their words and how many changed stage."""
    behavior = con.execute("SELECT * FROM customer_behavior").fetch_df()
    end = behavior["observation_end"].max()
    if pd.isna(end):  # nobody bought: nothing to recompute
        return behavior, {"engaged_by_words": 0, "stage_changes": 0}
    engaged, _ = engagement(con, pd.Timestamp(end).to_pydatetime())
    merged = behavior.drop(columns=["engaged", "engagement"]).merge(
        engaged, on="customer_id", how="left")
    merged["engaged"] = merged["engaged"].astype("boolean").fillna(False).astype(bool)
    before = behavior["stage"].to_numpy()
    out = assign_stages(merged)[behavior.columns.tolist()]
    by_words = out["engagement"].fillna("").str.contains("praise|suggestion|positive intent")
    return out, {"engaged_by_words": int(by_words.sum()),
                 "stage_changes": int((out["stage"].to_numpy() != before).sum())}
