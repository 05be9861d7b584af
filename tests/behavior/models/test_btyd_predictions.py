"""Properties every transaction model's predictions must have, checked on the CDNOW fits."""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import pytest
from btyd_data import cdnow_table, columns, fitted

from rapport.behavior.models import BetaGeoModel, GammaGammaModel
from rapport.behavior.models.transaction import TransactionModel
from rapport.errors import InputError

MODELS = ["bgnbd", "mbgnbd", "paretonbd"]


@pytest.mark.parametrize("name", MODELS)
def test_prob_n_purchases_is_a_distribution_with_the_right_mean(name: str) -> None:
    model: TransactionModel[Any] = fitted(name)
    n = np.arange(5000)
    for t in (1.0, 39.0, 200.0):
        probabilities = model.prob_n_purchases(n, t)
        assert np.all(probabilities >= 0)
        assert probabilities.sum() == pytest.approx(1.0, abs=1e-9)
        mean = float(n @ probabilities)
        assert mean == pytest.approx(float(model.expected_purchases_unconditional(t)), rel=1e-7)
    assert float(model.prob_n_purchases(0, 0.0)) == pytest.approx(1.0)
    # Broadcasting: one horizon per count.
    np.testing.assert_allclose(
        model.prob_n_purchases([0, 1], [39.0, 10.0]),
        [float(model.prob_n_purchases(0, 39.0)), float(model.prob_n_purchases(1, 10.0))],
    )


@pytest.mark.parametrize("name", MODELS)
def test_unconditional_expectation_is_a_new_customers_conditional_one(name: str) -> None:
    model: TransactionModel[Any] = fitted(name)
    t = np.array([0.0, 1.0, 10.0, 100.0])
    np.testing.assert_allclose(
        model.expected_purchases_unconditional(t), model.expected_purchases(t, 0, 0.0, 0.0)
    )
    assert np.all(np.diff(model.expected_purchases_unconditional(t)) > 0)


@pytest.mark.parametrize("name", MODELS)
def test_conditional_predictions_behave(name: str) -> None:
    model: TransactionModel[Any] = fitted(name)
    cdnow = cdnow_table()
    x, t_x, t_cal = columns(cdnow)
    alive = model.prob_alive(x, t_x, t_cal)
    assert alive.shape == x.shape and np.all((alive >= 0) & (alive <= 1))
    # For a given frequency and T, the more recent the last purchase, the likelier alive.
    recencies = np.linspace(1.0, 38.0, 10)
    assert np.all(np.diff(model.prob_alive(5, recencies, 38.86)) > 0)
    expected = model.expected_purchases(39.0, x, t_x, t_cal)
    assert np.all(np.isfinite(expected)) and np.all(expected >= 0)
    assert float(model.expected_purchases(0.0, 3, 20.0, 30.0)) == 0.0
    # Per-customer horizons broadcast against the customers.
    horizons = np.linspace(1.0, 52.0, x.size)
    per_customer = model.expected_purchases(horizons, x, t_x, t_cal)
    assert per_customer[5] == pytest.approx(
        float(model.expected_purchases(horizons[5], x[5], t_x[5], t_cal[5]))
    )
    with pytest.raises(InputError, match="below zero"):
        model.expected_purchases(-1.0, 1, 1.0, 2.0)
    with pytest.raises(InputError, match="whole numbers"):
        model.prob_n_purchases(1.5, 10.0)


def test_bgnbd_prob_alive_of_a_customer_without_repeat_purchase_is_one() -> None:
    bgnbd: BetaGeoModel = fitted("bgnbd")
    assert float(bgnbd.prob_alive(0, 0.0, 38.86)) == 1.0


def test_mbgnbd_lets_customers_without_repeat_purchase_drop_out() -> None:
    mbgnbd: Any = fitted("mbgnbd")
    a, b = mbgnbd.params_["a"], mbgnbd.params_["b"]
    assert float(mbgnbd.prob_alive(0, 0.0, 0.0)) == pytest.approx(b / (a + b))
    assert float(mbgnbd.prob_alive(0, 0.0, 38.86)) < b / (a + b)


def test_bgnbd_expectation_is_continuous_at_a_equal_to_one() -> None:
    values = []
    for a in (1.0 - 2e-4, 1.0 - 5e-5, 1.0, 1.0 + 5e-5, 1.0 + 2e-4):
        model = BetaGeoModel()
        model.params_ = {"r": 0.5, "alpha": 5.0, "a": a, "b": 2.0}
        values.append(float(model.expected_purchases(20.0, 3, 15.0, 30.0)))
    assert np.all(np.isfinite(values))
    steps = np.diff(values) / np.diff([1.0 - 2e-4, 1.0 - 5e-5, 1.0, 1.0 + 5e-5, 1.0 + 2e-4])
    assert np.all(steps < 0)  # more dropout (larger a), fewer purchases
    np.testing.assert_allclose(steps, steps.mean(), rtol=1e-3)  # smooth: a constant slope


def test_expected_spend() -> None:
    gammagamma: GammaGammaModel = fitted("gammagamma")
    cdnow = cdnow_table()
    p, q, gamma = (gammagamma.params_[k] for k in ("p", "q", "gamma"))
    population = p * gamma / (q - 1)
    assert float(gammagamma.expected_spend(0, np.nan)) == pytest.approx(population)
    # A weighted average of the population mean and the customer's own mean.
    for x, m in [(1, 20.0), (5, 80.0), (50, 10.0)]:
        weight = p * x / (p * x + q - 1)
        expected = (1 - weight) * population + weight * m
        assert float(gammagamma.expected_spend(x, m)) == pytest.approx(expected)
    spend = gammagamma.expected_spend(cdnow["frequency"], cdnow["monetary_value"])
    assert spend.shape == (2357,) and np.all(spend > 0)
    # FHL (2005): CDNOW's mean expected spend for repeat customers is close to their mean spend.
    repeat = cdnow["frequency"].to_numpy() > 0
    assert spend[repeat].mean() == pytest.approx(cdnow["monetary_value"][repeat].mean(), rel=0.05)


def test_paretonbd_prob_n_purchases_matches_mpmath() -> None:
    paretonbd: Any = fitted("paretonbd")
    r, alpha, s, beta = (mpmath.mpf(paretonbd.params_[k]) for k in ("r", "alpha", "s", "beta"))

    def nbd(n: int, tau: mpmath.mpf) -> mpmath.mpf:
        return (
            mpmath.gamma(r + n)
            / (mpmath.gamma(r) * mpmath.factorial(n))
            * (alpha / (alpha + tau)) ** r
            * (tau / (alpha + tau)) ** n
        )

    for t in (10.0, 39.0):
        for n in (0, 2, 15):
            alive = nbd(n, mpmath.mpf(t)) * (beta / (beta + t)) ** s
            died = mpmath.quad(
                lambda tau, n=n: nbd(n, tau) * s * beta**s / (beta + tau) ** (s + 1), [0, t]
            )
            got = float(paretonbd.prob_n_purchases(n, t))
            assert got == pytest.approx(float(alive + died), rel=1e-9)
