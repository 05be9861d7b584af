"""Customer lifetime value: explicit time units, discounting, and the fast paths."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from btyd_data import cdnow_table, columns, fitted

from rapport.behavior.models import (
    BetaGeoModel,
    GammaGammaModel,
    ParetoNBDModel,
    customer_lifetime_value,
)
from rapport.behavior.models.clv import convert_time
from rapport.behavior.models.transaction import TransactionModel
from rapport.errors import ConfigError, InputError

WEEKS_PER_MONTH = 365.25 / 12 / 7


def clv(model: Any, spend: GammaGammaModel, table: pd.DataFrame, **kwargs: Any) -> np.ndarray:
    x, t_x, t_cal = columns(table)
    if model.time_unit == "days":
        t_x, t_cal = t_x * 7, t_cal * 7
    return customer_lifetime_value(
        model, spend, x, t_x, t_cal, table["monetary_value"].to_numpy(), **kwargs
    )


def test_time_units_convert_through_days() -> None:
    assert convert_time(12, "months", "weeks") == pytest.approx(52.1786, abs=1e-4)
    assert convert_time(1, "years", "days") == 365.25
    assert convert_time(14, "days", "weeks") == 2.0


def test_twelve_months_on_a_weekly_model_is_52_18_weeks() -> None:
    bgnbd: BetaGeoModel = fitted("bgnbd")
    gammagamma: GammaGammaModel = fitted("gammagamma")
    cdnow = cdnow_table()
    x, t_x, t_cal = columns(cdnow)
    spend = gammagamma.expected_spend(x, cdnow["monetary_value"])
    undiscounted = clv(bgnbd, gammagamma, cdnow, horizon=12, discount_rate=0.0)
    np.testing.assert_allclose(
        undiscounted, spend * bgnbd.expected_purchases(52.1786, x, t_x, t_cal), rtol=1e-5
    )
    in_weeks = clv(bgnbd, gammagamma, cdnow, horizon=12 * WEEKS_PER_MONTH, horizon_unit="weeks")
    np.testing.assert_allclose(clv(bgnbd, gammagamma, cdnow, horizon=12), in_weeks, rtol=1e-12)
    # lifetimes' bug read 12 months as 360 time units: 360 weeks here, about five times more.
    wrong = spend * bgnbd.expected_purchases(360.0, x, t_x, t_cal)
    assert wrong.sum() > 3 * undiscounted.sum()


def test_the_same_customers_in_days_have_the_same_value() -> None:
    bgnbd: BetaGeoModel = fitted("bgnbd")
    gammagamma: GammaGammaModel = fitted("gammagamma")
    cdnow = cdnow_table()
    x, t_x, t_cal = columns(cdnow)
    daily = BetaGeoModel(time_unit="days").fit(x, t_x * 7, t_cal * 7)
    assert daily.params_["alpha"] == pytest.approx(7 * bgnbd.params_["alpha"], rel=1e-5)
    for name in ("r", "a", "b"):
        assert daily.params_[name] == pytest.approx(bgnbd.params_[name], rel=1e-5)
    np.testing.assert_allclose(
        clv(daily, gammagamma, cdnow, horizon=2, horizon_unit="years"),
        clv(bgnbd, gammagamma, cdnow, horizon=2, horizon_unit="years"),
        rtol=1e-4,
    )


def test_discounting_per_period_and_a_partial_last_period() -> None:
    bgnbd: BetaGeoModel = fitted("bgnbd")
    gammagamma: GammaGammaModel = fitted("gammagamma")
    table = pd.DataFrame(
        {
            "frequency": [2.0, 0.0],
            "recency": [30.43, 0.0],
            "T": [38.86, 20.0],
            "monetary_value": [22.35, 0.0],
        }
    )
    x, t_x, t_cal = columns(table)
    spend = gammagamma.expected_spend(x, table["monetary_value"])
    ends = np.array([1.0, 2.0, 2.5]) * WEEKS_PER_MONTH  # 2.5 months: a half period last
    cumulative = np.array([bgnbd.expected_purchases(t, x, t_x, t_cal) for t in ends])
    increments = np.diff(np.vstack([np.zeros(2), cumulative]), axis=0)
    by_hand = spend * (increments / 1.02 ** np.array([1.0, 2.0, 2.5])[:, None]).sum(axis=0)
    got = clv(bgnbd, gammagamma, table, horizon=2.5, discount_rate=0.02, margin=1.0)
    np.testing.assert_allclose(got, by_hand, rtol=1e-12)
    half = clv(bgnbd, gammagamma, table, horizon=2.5, discount_rate=0.02, margin=0.5)
    np.testing.assert_allclose(half, 0.5 * got)
    # Yearly discounting: each year's purchases discounted at the end of that year.
    year = 12 * WEEKS_PER_MONTH
    first, second = (bgnbd.expected_purchases(t, x, t_x, t_cal) for t in (year, 2 * year))
    by_year = spend * (first / 1.1 + (second - first) / 1.1**2)
    yearly = clv(bgnbd, gammagamma, table, horizon=24, discount_rate=0.1, discount_unit="years")
    np.testing.assert_allclose(yearly, by_year, rtol=1e-12)
    assert np.all(clv(bgnbd, gammagamma, table, horizon=0) == 0.0)


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd", "paretonbd"])
def test_fast_paths_equal_the_general_sum(name: str) -> None:
    cdnow = cdnow_table()
    model: TransactionModel[Any] = fitted(name)
    x, t_x, t_cal = columns(cdnow)
    times = np.array([4.0, 8.0, 13.0, 30.0])
    discounts = 1.05 ** -np.arange(1.0, 5.0)
    fast = model._discounted_purchases(times, discounts, x, t_x, t_cal)
    general = TransactionModel._discounted_purchases(model, times, discounts, x, t_x, t_cal)
    np.testing.assert_allclose(fast, general, rtol=1e-10, atol=1e-14)


def test_pareto_clv_is_positive_and_grows_with_the_horizon() -> None:
    paretonbd: ParetoNBDModel = fitted("paretonbd")
    gammagamma: GammaGammaModel = fitted("gammagamma")
    cdnow = cdnow_table()
    one = clv(paretonbd, gammagamma, cdnow, horizon=1, horizon_unit="years")
    two = clv(paretonbd, gammagamma, cdnow, horizon=2, horizon_unit="years")
    assert np.all(one > 0) and np.all(two > one)


def test_bad_clv_arguments() -> None:
    bgnbd: BetaGeoModel = fitted("bgnbd")
    gammagamma: GammaGammaModel = fitted("gammagamma")
    args = (bgnbd, gammagamma, [1, 2], [10.0, 20.0], [30.0, 30.0])
    with pytest.raises(ConfigError, match="horizon_unit must be one of"):
        customer_lifetime_value(*args, [10.0, 20.0], horizon=12, horizon_unit="quarters")
    with pytest.raises(ConfigError, match="discount_unit"):
        customer_lifetime_value(*args, [10.0, 20.0], horizon=12, discount_unit="hours")
    with pytest.raises(ConfigError, match="horizon must be >= 0"):
        customer_lifetime_value(*args, [10.0, 20.0], horizon=-1)
    with pytest.raises(ConfigError, match="discount_rate must be > -1"):
        customer_lifetime_value(*args, [10.0, 20.0], horizon=12, discount_rate=-1.0)
    with pytest.raises(InputError, match="same length"):
        customer_lifetime_value(*args, [10.0, 20.0, 30.0], horizon=12)
