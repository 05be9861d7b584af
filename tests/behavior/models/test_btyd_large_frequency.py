"""Numerical stability for heavy buyers (frequency 1000 and more), where lifetimes overflows."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from rapport.behavior.models import BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel
from rapport.behavior.models.simulate import simulate_bgnbd

mpmath.mp.dps = 50

HEAVY = np.array([0.0, 1.0, 50.0, 300.0, 1000.0, 2500.0, 5000.0])


@pytest.fixture(scope="module")
def daily_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Customers of a shop some of whom buy nearly every day, in days."""
    rng = np.random.default_rng(201)
    T = rng.integers(30, 3000, 5000).astype(float)
    x, recency = simulate_bgnbd(0.8, 2.0, 0.5, 20.0, T, rng)  # mean rate 0.4 purchases/day
    x = np.append(x, HEAVY[1:])
    recency = np.append(recency, [2000.0, 2500.0, 2900.0, 2990.0, 2995.0, 2999.0])
    T = np.append(T, np.full(6, 3000.0))
    return x, np.floor(recency), T


@pytest.mark.parametrize("model_class", [BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel])
def test_fit_and_predictions_stay_finite_and_sensible(
    daily_data: tuple[np.ndarray, np.ndarray, np.ndarray], model_class: type
) -> None:
    x, recency, T = daily_data
    assert x.max() >= 1000
    model = model_class(time_unit="days").fit(x, recency, T)
    assert np.isfinite(model.log_likelihood_)
    assert all(np.isfinite(v) and v > 0 for v in model.params_.values())
    t_x = np.array([0.0, 2000.0, 2500.0, 2900.0, 2990.0, 2995.0, 2999.0])
    alive = model.prob_alive(HEAVY, t_x, 3000.0)
    assert np.all((alive >= 0) & (alive <= 1))
    # A heavy buyer seen yesterday is almost surely active; one silent for 10 days is not.
    assert model.prob_alive(5000, 2999, 3000) > 0.99
    assert model.prob_alive(5000, 2990, 3000) < 0.01
    horizons = np.array([1.0, 7.0, 30.0, 365.0, 3650.0])
    expected = np.array([model.expected_purchases(h, HEAVY, t_x, 3000.0) for h in horizons])
    assert np.all(np.isfinite(expected)) and np.all(expected >= 0)
    assert np.all(np.diff(expected, axis=0) > 0)  # more time, more purchases
    # An active customer who bought 5000 times in 3000 days buys about 5/3 a day.
    assert model.expected_purchases(30, 5000, 2999, 3000) == pytest.approx(50.0, rel=0.05)


def test_bgnbd_conditional_expectation_matches_mpmath_for_heavy_buyers() -> None:
    model = BetaGeoModel(time_unit="days")
    model.params_ = {"r": 0.8, "alpha": 2.0, "a": 0.5, "b": 20.0}
    r, alpha, a, b = (mpmath.mpf(v) for v in (0.8, 2.0, 0.5, 20.0))
    for x, t_x, T, t in [(1000, 2990, 3000, 30), (5000, 2999, 3000, 365), (300, 200, 400, 100)]:
        x, t_x, T, t = (mpmath.mpf(v) for v in (x, t_x, T, t))
        z = t / (alpha + T + t)
        growth = (
            (a + b + x - 1)
            / (a - 1)
            * (
                1
                - ((alpha + T) / (alpha + T + t)) ** (r + x)
                * mpmath.hyp2f1(r + x, b + x, a + b + x - 1, z)
            )
        )
        alive = 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
        got = model.expected_purchases(float(t), float(x), float(t_x), float(T))
        assert float(got) == pytest.approx(float(growth * alive), rel=1e-9)


def test_paretonbd_log_likelihood_matches_mpmath_quadrature_for_heavy_buyers() -> None:
    model = ParetoNBDModel()
    r, alpha, s, beta = 0.6, 3.0, 0.7, 40.0
    rows = [np.array([1000.0, 3000.0, 0.0]), np.array([290.0, 299.0, 0.0]), np.array([300.0] * 3)]
    data = model._prepare(rows, np.ones(3))
    got, _ = model._log_likelihood(np.array([r, alpha, s, beta]), data, gradient=False)
    for i in range(3):
        x, t_x, T = (mpmath.mpf(float(c[i])) for c in rows)
        integral = mpmath.quad(  # in 50 pieces: the integrand is sharply peaked at t_x
            lambda u, x=x: (alpha + u) ** -(r + x) * (beta + u) ** -(s + 1),
            mpmath.linspace(t_x, T, 50),
        )
        value = (
            mpmath.loggamma(r + x)
            - mpmath.loggamma(r)
            + r * mpmath.log(alpha)
            + s * mpmath.log(beta)
            + mpmath.log((alpha + T) ** -(r + x) * (beta + T) ** -s + s * integral)
        )
        assert got[i] == pytest.approx(float(value), rel=1e-10)
