"""sBG per cohort: survival curves built from customers' first and last purchases, and the
parameters of a known shifted-beta-geometric process recovered from them."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from rapport.behavior.cohort_models import cohort_survival, fit_cohorts


def _customers(n: int, alpha: float, beta: float, seed: int, cohorts: list[str],
               end: datetime) -> pd.DataFrame:
    """Each customer churns in month T ~ sBG(alpha, beta) after their first purchase and
    buys in their last active month; prospects have no purchases."""
    rng = np.random.default_rng(seed)
    rows = []
    end_index = end.year * 12 + end.month - 1
    for c in cohorts:
        start = pd.Timestamp(c)
        churn_p = rng.beta(alpha, beta, size=n)
        lifetime = rng.geometric(churn_p) - 1  # months of buying after the first
        for life in lifetime:
            last_index = start.year * 12 + start.month - 1 + int(life)
            last_index = min(last_index, end_index)
            year, month = divmod(last_index, 12)
            rows.append((start + pd.Timedelta(days=3), pd.Timestamp(year, month + 1, 15)))
    rows.append((pd.NaT, pd.NaT))
    return pd.DataFrame(rows, columns=["first_purchase", "last_purchase"])


def test_survival_counts_customers_still_buying() -> None:
    frame = pd.DataFrame({
        "first_purchase": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-01-09",
                                          "2024-02-02", None]),
        "last_purchase": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-04-30",
                                         "2024-02-10", None]),
    })
    got = cohort_survival(frame, datetime(2024, 4, 30))
    jan = got[got["cohort_month"] == pd.Timestamp("2024-01-01")]["survivors"].tolist()
    feb = got[got["cohort_month"] == pd.Timestamp("2024-02-01")]["survivors"].tolist()
    assert jan == [3, 2, 2, 1]  # months 0..3: the second buyer's last month is March
    assert feb == [1, 0, 0]


@pytest.mark.parametrize(("alpha", "beta"), [(0.7, 1.2), (1.5, 6.0)])
def test_sbg_parameters_recovered_per_cohort(alpha: float, beta: float) -> None:
    end = datetime(2025, 12, 31)
    frame = _customers(4000, alpha, beta, seed=3, cohorts=["2024-01-01", "2024-06-01"],
                       end=end)
    fits = fit_cohorts(cohort_survival(frame, end))
    assert len(fits) == 2 and (fits["note"] == "").all()
    for _, fit in fits.iterrows():
        # the mean churn probability alpha/(alpha+beta) is well identified
        assert fit["alpha"] / (fit["alpha"] + fit["beta"]) == pytest.approx(
            alpha / (alpha + beta), rel=0.08)
        assert fit["alpha"] == pytest.approx(alpha, rel=0.25)


def test_small_or_young_cohorts_are_listed_not_fitted() -> None:
    end = datetime(2025, 12, 31)
    frame = _customers(10, 1.0, 2.0, seed=1, cohorts=["2024-01-01"], end=end)
    young = _customers(500, 1.0, 2.0, seed=2, cohorts=["2025-11-01"], end=end)
    fits = fit_cohorts(cohort_survival(pd.concat([frame, young]), end)).set_index(
        "cohort_month")
    assert "needs 20+ customers" in fits.loc[pd.Timestamp("2024-01-01"), "note"]
    assert "3+ observed months" in fits.loc[pd.Timestamp("2025-11-01"), "note"]
