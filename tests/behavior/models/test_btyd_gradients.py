"""The analytic gradients of every log-likelihood against central finite differences, and the
fast weighted sums against the per-customer log-likelihoods they replace."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from btyd_data import cdnow_table, columns

from rapport.behavior.models import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    ShiftedBetaGeoModel,
)
from rapport.behavior.models.base import MaximumLikelihoodModel

# Parameter points: near the CDNOW estimates, and far from them (Pareto/NBD both branches).
POINTS: list[tuple[type[MaximumLikelihoodModel[Any]], list[float]]] = [
    (BetaGeoModel, [0.24, 4.4, 0.79, 2.4]),
    (BetaGeoModel, [2.0, 0.5, 3.0, 0.4]),
    (ModifiedBetaGeoModel, [0.5, 6.0, 0.9, 1.6]),
    (ModifiedBetaGeoModel, [1.5, 30.0, 0.2, 8.0]),
    (ParetoNBDModel, [0.55, 10.5, 0.6, 11.6]),
    (ParetoNBDModel, [0.55, 12.5, 0.6, 3.6]),
    (ParetoNBDModel, [1.2, 1.5, 0.4, 300.0]),
]


def transaction_rows(cdnow: pd.DataFrame) -> list[np.ndarray]:
    x, t_x, t_cal = columns(cdnow)
    # Add heavy buyers (frequency up to 3000) and a customer with recency = T.
    return [
        np.append(x, [1000.0, 3000.0, 5.0, 4.0]),
        np.append(t_x, [30.0, 38.0, 0.5, 20.0]),
        np.append(t_cal, [38.86, 38.86, 1.0, 20.0]),
    ]


def numerical_gradient(model: Any, params: np.ndarray, data: Any) -> np.ndarray:
    k = params.size
    rows = model._log_likelihood(params, data, gradient=False)[0].size
    gradient = np.empty((rows, k))
    for i in range(k):
        step = np.zeros(k)
        step[i] = 1e-6 * params[i]
        up = model._log_likelihood(params + step, data, gradient=False)[0]
        down = model._log_likelihood(params - step, data, gradient=False)[0]
        gradient[:, i] = (up - down) / (2 * step[i])
    return gradient


@pytest.mark.parametrize(("model_class", "point"), POINTS)
def test_transaction_model_gradient(
    model_class: type[MaximumLikelihoodModel[Any]], point: list[float]
) -> None:
    cdnow = cdnow_table()
    model = model_class()
    rows = transaction_rows(cdnow)
    data = model._prepare(rows, np.ones(rows[0].size))
    params = np.array(point)
    ll, gradient = model._log_likelihood(params, data, gradient=True)
    assert np.all(np.isfinite(ll))
    assert gradient is not None
    np.testing.assert_allclose(
        gradient, numerical_gradient(model, params, data), rtol=1e-5, atol=1e-6
    )


def test_gamma_gamma_gradient() -> None:
    cdnow = cdnow_table()
    repeat = cdnow[cdnow["frequency"] > 0]
    model = GammaGammaModel()
    rows = [repeat["frequency"].to_numpy(float), repeat["monetary_value"].to_numpy(float)]
    data = model._prepare(rows, np.ones(len(repeat)))
    params = np.array([6.0, 3.5, 15.0])
    _, gradient = model._log_likelihood(params, data, gradient=True)
    np.testing.assert_allclose(
        gradient, numerical_gradient(model, params, data), rtol=1e-5, atol=1e-6
    )


def test_sbg_gradient() -> None:
    model = ShiftedBetaGeoModel()
    rows = [np.array([1.0, 2.0, 3.0, 3.0]), np.array([1.0, 1.0, 1.0, 0.0])]
    data = model._prepare(rows, np.ones(4))
    params = np.array([0.7, 1.2])
    _, gradient = model._log_likelihood(params, data, gradient=True)
    np.testing.assert_allclose(gradient, numerical_gradient(model, params, data), rtol=1e-6)


@pytest.mark.parametrize("model_class", [BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel])
def test_weighted_sums_equal_per_customer_sums(
    model_class: type[MaximumLikelihoodModel[Any]],
) -> None:
    cdnow = cdnow_table()
    model = model_class()
    rows = transaction_rows(cdnow)
    counts = np.random.default_rng(3).uniform(0.5, 3.0, rows[0].size)
    data = model._prepare(rows, counts)
    params = np.array([0.4, 5.0, 0.8, 2.0])
    ll, gradient = model._log_likelihood(params, data, gradient=True)
    assert gradient is not None
    total, total_gradient = model._weighted_log_likelihood(params, data, counts)
    assert total == pytest.approx(counts @ ll, rel=1e-12)
    np.testing.assert_allclose(total_gradient, counts @ gradient, rtol=1e-10)


def test_gamma_gamma_weighted_sums_equal_per_customer_sums() -> None:
    cdnow = cdnow_table()
    repeat = cdnow[cdnow["frequency"] > 0]
    model = GammaGammaModel()
    rows = [repeat["frequency"].to_numpy(float), repeat["monetary_value"].to_numpy(float)]
    counts = np.random.default_rng(4).uniform(0.5, 3.0, len(repeat))
    data = model._prepare(rows, counts)
    params = np.array([6.0, 3.5, 15.0])
    ll, gradient = model._log_likelihood(params, data, gradient=True)
    assert gradient is not None
    total, total_gradient = model._weighted_log_likelihood(params, data, counts)
    assert total == pytest.approx(counts @ ll, rel=1e-12)
    np.testing.assert_allclose(total_gradient, counts @ gradient, rtol=1e-10)
