"""Customer lifetime value from a transaction model and a spend model, with explicit time units.

    CLV = margin · E[spend] · Σ_{i=1..k} (E[Y(t_i)] − E[Y(t_{i−1})]) / (1 + d)^(t_i / P)

where P is one discount period (`discount_unit`) expressed in the transaction model's
`time_unit`, t_i = min(i·P, H) and H is the horizon converted to that unit: the purchases
expected within each discount period are discounted at the end of that period (a last, partial
period at its fractional end). Units convert through days: 1 week = 7 days, 1 month =
365.25/12 days, 1 year = 365.25 days, so a 12-month horizon on a weekly model is 52.18 weeks.
"""

from __future__ import annotations

__all__ = ["customer_lifetime_value"]

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from rapport.behavior.models._inputs import (
    DAYS_PER_UNIT,
    FloatArray,
    check_customers,
    check_time_unit,
)
from rapport.behavior.models.gammagamma import GammaGammaModel
from rapport.behavior.models.transaction import TransactionModel
from rapport.errors import ConfigError, InputError


def convert_time(value: float, from_unit: str, to_unit: str) -> float:
    """value measured in from_unit, expressed in to_unit."""
    return value * DAYS_PER_UNIT[from_unit] / DAYS_PER_UNIT[to_unit]


def _number(value: object, name: str, lowest: float, strict: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, not {value!r}.")
    if value < lowest or (strict and value == lowest):
        relation = ">" if strict else ">="
        raise ConfigError(f"{name} must be {relation} {lowest:g}, not {value!r}.")
    return float(value)


def customer_lifetime_value(
    transaction_model: TransactionModel[Any],
    spend_model: GammaGammaModel,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,
    monetary_value: npt.ArrayLike,
    horizon: float,
    horizon_unit: str = "months",
    discount_rate: float = 0.01,
    discount_unit: str = "months",
    margin: float = 1.0,
) -> FloatArray:
    """Discounted expected value of each customer's purchases over the next `horizon`
    (in `horizon_unit`), at `discount_rate` per `discount_unit`, times `margin`.

    frequency, recency and T are in the transaction model's `time_unit`, as when it was fitted;
    monetary_value is the mean value of each customer's repeat purchases.
    """
    check_time_unit(horizon_unit, "horizon_unit")
    check_time_unit(discount_unit, "discount_unit")
    model_unit = check_time_unit(transaction_model.time_unit, "the transaction model's time_unit")
    horizon_value = _number(horizon, "horizon", 0.0, strict=False)
    rate = _number(discount_rate, "discount_rate", -1.0, strict=True)
    margin_value = _number(margin, "margin", -math.inf, strict=False)
    x, t_x, t_cal = check_customers(frequency, recency, T, for_fit=False)
    spend = spend_model.expected_spend(x, monetary_value)
    if spend.shape != x.shape:
        raise InputError(
            f"monetary_value must have one value per customer: got shape "
            f"{spend.shape} for {x.shape[0] if x.ndim else 1} customers."
        )

    end = convert_time(horizon_value, horizon_unit, model_unit)
    period = convert_time(1.0, discount_unit, model_unit)
    steps = max(math.ceil(end / period - 1e-9), 0)
    times = np.minimum(np.arange(1, steps + 1) * period, end)

    discounts = (1.0 + rate) ** -(times / period)
    per_row = transaction_model._discounted_purchases(
        times, discounts, x.ravel(), t_x.ravel(), t_cal.ravel()
    )
    return np.asarray(margin_value * spend * per_row.reshape(x.shape), dtype=np.float64)
