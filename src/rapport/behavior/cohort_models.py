"""Shifted-beta-geometric fits per first-purchase-month cohort.

Buying is not a contract, so a cohort's survivors after k months are taken as its customers
who still bought in month k or later (their last purchase month is k or more months after their
first). That curve never rises, as the sBG model needs; its fit projects how many of the cohort
will still be buying in the months not yet seen.
"""

from __future__ import annotations

__all__ = ["cohort_survival", "fit_cohorts"]

from datetime import datetime

import numpy as np
import pandas as pd

from rapport.behavior.models import ShiftedBetaGeoModel
from rapport.errors import ConvergenceError, InputError


def _month_index(ts: pd.Series) -> np.ndarray:
    return np.asarray(ts.dt.year * 12 + ts.dt.month - 1, dtype=np.int64)


def cohort_survival(behavior: pd.DataFrame, observation_end: datetime) -> pd.DataFrame:
    """Per cohort and month k: customers still buying in month k or later (k observable).

    `behavior` has one row per customer with first_purchase and last_purchase (null for
    prospects, who are left out). Columns: cohort_month, months_since, survivors,
    cohort_size.
    """
    buyers = behavior.dropna(subset=["first_purchase"])
    first = _month_index(buyers["first_purchase"])
    life = _month_index(buyers["last_purchase"]) - first
    end = observation_end.year * 12 + observation_end.month - 1
    rows = []
    for cohort in np.unique(first):
        observable = end - int(cohort)
        counts = np.bincount(life[first == cohort], minlength=observable + 1)
        survivors = counts[::-1].cumsum()[::-1][: observable + 1]
        year, month = divmod(int(cohort), 12)
        for k, n in enumerate(survivors):
            rows.append((pd.Timestamp(year, month + 1, 1), k, int(n), int(survivors[0])))
    return pd.DataFrame(rows, columns=["cohort_month", "months_since", "survivors",
                                       "cohort_size"])


def fit_cohorts(
    survival: pd.DataFrame, min_size: int = 20, min_months: int = 3, horizon: int = 24
) -> pd.DataFrame:
    """One sBG fit per cohort with at least `min_size` customers and `min_months` observed
    months: alpha, beta, and the projected share still buying after 12 and `horizon` months.
    Cohorts too small or too young to fit are listed with the reason."""
    out = []
    for cohort, rows in survival.groupby("cohort_month"):
        counts = rows.sort_values("months_since")["survivors"].to_numpy(dtype=float)
        record: dict[str, object] = {"cohort_month": cohort, "cohort_size": int(counts[0]),
                                     "months_observed": len(counts) - 1}
        if counts[0] < min_size or len(counts) - 1 < min_months:
            record["note"] = (f"not fitted: needs {min_size}+ customers and {min_months}+ "
                              f"observed months")
            out.append(record)
            continue
        try:
            model = ShiftedBetaGeoModel().fit(counts)
        except (ConvergenceError, InputError) as exc:
            record["note"] = f"not fitted: {exc}"
            out.append(record)
            continue
        s = model.survival_function(np.array([12.0, float(horizon)]))
        record.update(alpha=model.params_["alpha"], beta=model.params_["beta"],
                      log_likelihood=model.log_likelihood_, survival_12=float(s[0]),
                      survival_horizon=float(s[1]), horizon_months=horizon, note="")
        out.append(record)
    return pd.DataFrame(out)
