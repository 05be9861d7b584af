"""Data for the BTYD model tests: the CDNOW sample (calibration summary, spend, and a holdout
derived from the raw transactions) and models fitted on it, each computed once per session.

A helper module rather than a conftest.py: test modules elsewhere import `conftest` by name,
and a second conftest module would shadow theirs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rapport.behavior.models import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
)

ROOT = Path(__file__).resolve().parents[3]
CDNOW = ROOT.parent / "shared" / "datasets" / "cdnow"

CALIBRATION_END = pd.Timestamp("1997-09-30")
HOLDOUT_END = pd.Timestamp("1998-06-30")


@cache
def cdnow_transactions() -> pd.DataFrame:
    """CDNOW_sample.txt with one row per customer (ID) and purchase day."""
    raw = pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["customer", "ID", "date", "cds", "dollars"],
    )
    raw["date"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d")
    return raw.groupby(["ID", "date"], as_index=False)["dollars"].sum()


@cache
def cdnow_table() -> pd.DataFrame:
    """The 2,357-customer sample: ID, frequency, recency, T (weeks), monetary_value, and the
    purchase days in the 39 weeks after the calibration period (frequency_holdout)."""
    summary = pd.read_csv(CDNOW / "cdnow_customers_summary.csv").set_index("ID")
    spend = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv").set_index("ID")
    table = summary.join(spend[["zbar"]].rename(columns={"zbar": "monetary_value"}))
    days = cdnow_transactions()
    holdout = days[(days["date"] > CALIBRATION_END) & (days["date"] <= HOLDOUT_END)]
    table["frequency_holdout"] = holdout.groupby("ID").size().reindex(table.index, fill_value=0)
    return table


def columns(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(frequency, recency, T) of a customer table, as float arrays."""
    return (
        table["frequency"].to_numpy(float),
        table["recency"].to_numpy(float),
        table["T"].to_numpy(float),
    )


@cache
def fitted(name: str) -> Any:
    """The model `name` ("bgnbd", "mbgnbd", "paretonbd" or "gammagamma") fitted on CDNOW."""
    table = cdnow_table()
    if name == "gammagamma":
        return GammaGammaModel().fit(table["frequency"], table["monetary_value"])
    model_class = {
        "bgnbd": BetaGeoModel,
        "mbgnbd": ModifiedBetaGeoModel,
        "paretonbd": ParetoNBDModel,
    }[name]
    return model_class().fit(*columns(table))
