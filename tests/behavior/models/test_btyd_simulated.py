"""Parameter recovery on customers simulated from known parameters."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rapport.behavior.models import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    ShiftedBetaGeoModel,
)
from rapport.behavior.models import base as base_module
from rapport.behavior.models.simulate import (
    simulate_bgnbd,
    simulate_gamma_gamma,
    simulate_paretonbd,
)


def ages(n: int, rng: np.random.Generator) -> np.ndarray:
    """Time since the first purchase, in weeks, for customers acquired on whole days."""
    return rng.integers(70, 420, n) / 7.0


def assert_recovered(model: Any, truth: dict[str, float], within: float = 3.5) -> None:
    for name, value in truth.items():
        z = (model.params_[name] - value) / model.standard_errors_[name]
        assert abs(z) < within, f"{name}: {model.params_[name]:.4f} vs {value} (z = {z:.2f})"


def test_bgnbd_recovers_its_parameters() -> None:
    rng = np.random.default_rng(101)
    truth = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}
    T = ages(20_000, rng)
    x, recency = simulate_bgnbd(*truth.values(), T, rng)
    model = BetaGeoModel().fit(x, recency, T)
    assert_recovered(model, truth)
    # The standard errors are honest: 20k customers pin r down to a few percent.
    assert model.standard_errors_["r"] < 0.05 * truth["r"]


def test_mbgnbd_recovers_its_parameters() -> None:
    rng = np.random.default_rng(102)
    truth = {"r": 0.7, "alpha": 4.0, "a": 1.2, "b": 3.0}
    T = ages(20_000, rng)
    x, recency = simulate_bgnbd(*truth.values(), T, rng, modified=True)
    assert_recovered(ModifiedBetaGeoModel().fit(x, recency, T), truth)


def test_paretonbd_recovers_its_parameters() -> None:
    rng = np.random.default_rng(103)
    truth = {"r": 0.6, "alpha": 8.0, "s": 0.8, "beta": 12.0}
    T = ages(10_000, rng)
    x, recency = simulate_paretonbd(*truth.values(), T, rng)
    assert_recovered(ParetoNBDModel().fit(x, recency, T), truth)


def test_gamma_gamma_recovers_its_parameters() -> None:
    rng = np.random.default_rng(104)
    truth = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    x = rng.poisson(3.0, 20_000).astype(float)
    spend = simulate_gamma_gamma(x, *truth.values(), rng)
    model = GammaGammaModel().fit(x, spend)
    assert_recovered(model, truth)
    assert model.n_customers_ == int((x > 0).sum())


def test_sbg_recovers_its_parameters() -> None:
    rng = np.random.default_rng(105)
    churn = rng.beta(0.8, 2.0, 5000)
    lifetime = rng.geometric(churn)  # the period in which each customer cancels
    survivors = [int((lifetime > t).sum()) for t in range(10)]
    assert_recovered(ShiftedBetaGeoModel().fit(survivors), {"alpha": 0.8, "beta": 2.0})


def test_large_data_sets_start_from_a_subsample_and_reach_the_same_estimate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(106)
    T = rng.uniform(1.0, 60.0, 60_000)  # continuous ages: every row distinct
    x, recency = simulate_bgnbd(0.5, 5.0, 0.8, 2.5, T, rng)
    warm = BetaGeoModel().fit(x, recency, T)
    monkeypatch.setattr(base_module, "_WARM_START_ROWS", 10**9)
    cold = BetaGeoModel().fit(x, recency, T)
    for name in BetaGeoModel.param_names:
        assert warm.params_[name] == pytest.approx(cold.params_[name], rel=1e-6)
        assert warm.standard_errors_[name] == pytest.approx(cold.standard_errors_[name], rel=1e-3)
    assert warm.log_likelihood_ == pytest.approx(cold.log_likelihood_, rel=1e-12)
