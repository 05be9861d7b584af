"""Fixtures for the BTYD model tests: the CDNOW sample (calibration summary, spend and a holdout
derived from the raw transactions) and models fitted on it once per session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    """The 2,357-customer sample: ID, frequency, recency, T (weeks), monetary_value, and the
    holdout purchase days of the 39 weeks after the calibration period."""
    summary = pd.read_csv(CDNOW / "cdnow_customers_summary.csv").set_index("ID")
    spend = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv").set_index("ID")
    table = summary.join(spend[["zbar"]].rename(columns={"zbar": "monetary_value"}))
    table["frequency_holdout"] = holdout_purchases().reindex(table.index, fill_value=0)
    return table


def cdnow_transactions() -> pd.DataFrame:
    """CDNOW_sample.txt with one row per customer and purchase day."""
    raw = pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["customer", "ID", "date", "cds", "dollars"],
    )
    raw["date"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d")
    return raw.groupby(["ID", "date"], as_index=False)["dollars"].sum()


def holdout_purchases() -> pd.Series:
    days = cdnow_transactions()
    holdout = days[(days["date"] > CALIBRATION_END) & (days["date"] <= HOLDOUT_END)]
    return holdout.groupby("ID").size()


def columns(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        table["frequency"].to_numpy(float),
        table["recency"].to_numpy(float),
        table["T"].to_numpy(float),
    )


@pytest.fixture(scope="session")
def bgnbd(cdnow: pd.DataFrame) -> BetaGeoModel:
    return BetaGeoModel().fit(*columns(cdnow))


@pytest.fixture(scope="session")
def mbgnbd(cdnow: pd.DataFrame) -> ModifiedBetaGeoModel:
    return ModifiedBetaGeoModel().fit(*columns(cdnow))


@pytest.fixture(scope="session")
def paretonbd(cdnow: pd.DataFrame) -> ParetoNBDModel:
    return ParetoNBDModel().fit(*columns(cdnow))


@pytest.fixture(scope="session")
def gammagamma(cdnow: pd.DataFrame) -> GammaGammaModel:
    return GammaGammaModel().fit(cdnow["frequency"], cdnow["monetary_value"])
