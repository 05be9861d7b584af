"""Ladder flows over the last period: who moved up the loyalty ladder, who slipped, who was
won back and who is new, for the overview.

The stages now are `customer_behavior`'s; the stages at the start of the period are computed
as the behaviour stage would have computed them then (`behavior_frame` with that observation
end: the summaries and models of the data up to that day). The counts per (stage and status
before, stage and status after, move) are stored in `ladder_flows`; flows between any two
dates stay available on demand (`Workspace.flows`).
"""

from __future__ import annotations

__all__ = ["FLOW_COLUMNS", "build_flows"]

from datetime import timedelta

import duckdb
import pandas as pd

from rapport.errors import NotAnalyzedError, RapportError
from rapport.schema import table_exists

from .result import Built, Columns, empty_frame

FLOW_COLUMNS: Columns = (
    ("period_start", "datetime64[us]", "the day the period starts (stages as they stood then)"),
    ("period_end", "datetime64[us]", "the day it ends (the behaviour stage's observation end)"),
    ("stage_before", "string", "ladder stage at the start"),
    ("status_before", "string", "status at the start (active, at risk, lapsed, …)"),
    ("stage_after", "string", "ladder stage at the end"),
    ("status_after", "string", "status at the end"),
    ("move", "string", "new, moved up, won back, slipped or unchanged"),
    ("customers", "int64", "how many customers made that move"),
)


def build_flows(con: duckdb.DuckDBPyConnection, *, days: int = 90) -> Built:
    """The `ladder_flows` table for the `days` before the last observation end."""
    from rapport.behavior.analysis import behavior_frame
    from rapport.behavior.ladder import ladder_flows

    if not table_exists(con, "customer_behavior"):
        return Built({"ladder_flows": empty_frame(FLOW_COLUMNS)}, {},
                     ["no behaviour yet: load transactions and run the behaviour stage."])
    found = con.execute("SELECT max(observation_end) FROM customer_behavior").fetchall()
    if not found or found[0][0] is None:
        return Built({"ladder_flows": empty_frame(FLOW_COLUMNS)}, {}, ["no observation end."])
    end = pd.Timestamp(found[0][0])
    start = end - timedelta(days=days)
    first = con.execute("SELECT min(ts) FROM transactions").fetchall()
    before = pd.DataFrame({"customer_id": pd.Series(dtype="string"),
                           "stage": pd.Series(dtype="string"),
                           "status": pd.Series(dtype="string")})
    notes: list[str] = []
    if first and first[0][0] is not None and pd.Timestamp(first[0][0]) < start:
        try:
            # only the stages are read: no habits (half the summary's time at scale)
            before, earlier, _ = behavior_frame(con, observation_end=start.date(), habits=False)
            notes.extend(f"stages on {start.date()}: {note}" for note in earlier.notes
                         if not note.startswith("customer for life:"))
        except NotAnalyzedError:  # purchases only after `start`
            notes.append(f"no purchases up to {start.date()}: every customer counts as new.")
        except (RapportError, ValueError) as exc:  # too little history to fit the models then
            notes.append(f"stages on {start.date()} could not be computed ({exc}); every "
                         f"customer counts as new.")
    after = con.execute("SELECT customer_id, stage, status FROM customer_behavior").fetch_df()
    moves = ladder_flows(before, after)
    table = (moves.groupby(["stage_before", "status_before", "stage_after", "status_after",
                            "move"], dropna=False).size().rename("customers").reset_index())
    table.insert(0, "period_end", end)
    table.insert(0, "period_start", start)
    table = table.astype({name: dtype for name, dtype, _ in FLOW_COLUMNS})
    table = table[[c for c, _, _ in FLOW_COLUMNS]]
    summary = {"from": str(start.date()), "to": str(end.date()),
               "moves": {str(k): int(v) for k, v in
                         table.groupby("move")["customers"].sum().items()}}
    return Built({"ladder_flows": table}, summary, notes)
