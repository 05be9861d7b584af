"""Calibration/holdout validation of a transaction model: predicted against actual purchases in
a holdout period, by calibration frequency."""

from __future__ import annotations

__all__ = ["calibration_holdout_report"]

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from rapport.behavior.models._inputs import as_float_array, check_customers
from rapport.behavior.models.transaction import TransactionModel
from rapport.errors import ConfigError, InputError

if TYPE_CHECKING:
    import pandas as pd


def calibration_holdout_report(
    model: TransactionModel[Any],
    frequency_cal: npt.ArrayLike,
    recency_cal: npt.ArrayLike,
    T_cal: npt.ArrayLike,
    frequency_holdout: npt.ArrayLike,
    duration_holdout: npt.ArrayLike,
    max_frequency: int = 7,
) -> pd.DataFrame:
    """Predicted against actual mean holdout purchases per calibration-frequency group.

    One row per group "0", "1", …, f"{max_frequency}+" (groups with no customer are left out)
    and a last row "all". Columns: `customers`; `actual` and `predicted`, the mean holdout
    purchases per customer; `ratio`, predicted / actual total purchases (1 is unbiased);
    `mae`, the mean absolute difference between each customer's predicted and actual count.
    The model's prediction for each customer is `expected_purchases(duration_holdout, …)`,
    with duration_holdout in the model's time unit (one value, or one per customer).
    """
    import pandas as pd

    if isinstance(max_frequency, bool) or not isinstance(max_frequency, int) or max_frequency < 1:
        raise ConfigError(f"max_frequency must be a whole number >= 1, not {max_frequency!r}.")
    x, t_x, t_cal = check_customers(frequency_cal, recency_cal, T_cal, for_fit=True)
    actual = as_float_array(frequency_holdout, "frequency_holdout")
    if actual.shape != x.shape:
        raise InputError(
            f"frequency_holdout must have one value per customer: got {actual.size} "
            f"for {x.size} customers."
        )
    if not np.all(np.isfinite(actual)) or np.any(actual < 0):
        raise InputError("frequency_holdout must hold counts >= 0 (no missing values).")
    predicted = model.expected_purchases(duration_holdout, x, t_x, t_cal)
    group = np.minimum(x, max_frequency).astype(np.int64)
    labels = [
        str(g) if g < max_frequency else f"{max_frequency}+" for g in range(max_frequency + 1)
    ]

    rows: list[dict[str, float | int]] = []
    index: list[str] = []
    for g, label in enumerate(labels):
        members = group == g
        if members.any():
            rows.append(_summary(actual[members], predicted[members]))
            index.append(label)
    rows.append(_summary(actual, predicted))
    index.append("all")
    table = pd.DataFrame(rows, index=pd.Index(index, name="frequency_cal"))
    return table[["customers", "actual", "predicted", "ratio", "mae"]]


def _summary(
    actual: npt.NDArray[np.float64], predicted: npt.NDArray[np.float64]
) -> dict[str, float | int]:
    total_actual = float(actual.sum())
    return {
        "customers": int(actual.size),
        "actual": float(actual.mean()),
        "predicted": float(predicted.mean()),
        "ratio": float(predicted.sum()) / total_actual if total_actual > 0 else float("nan"),
        "mae": float(np.abs(predicted - actual).mean()),
    }
