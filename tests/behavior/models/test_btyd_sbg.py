"""The shifted-beta-geometric retention model on Fader & Hardie's (2007) published example."""

from __future__ import annotations

import numpy as np
import pytest

from rapport.behavior.models import ShiftedBetaGeoModel
from rapport.errors import ConfigError, InputError

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


@pytest.mark.parametrize(
    ("survivors", "alpha", "beta"), [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)]
)
def test_fader_hardie_2007_estimates(survivors: list[int], alpha: float, beta: float) -> None:
    model = ShiftedBetaGeoModel().fit(survivors)
    assert model.params_["alpha"] == pytest.approx(alpha, rel=0.005)
    assert model.params_["beta"] == pytest.approx(beta, rel=0.005)
    assert model.n_customers_ == 1000
    # The fitted survival curve tracks the data it was fitted to.
    np.testing.assert_allclose(model.survival_function(np.arange(8)) * 1000, survivors, rtol=0.03)


def test_predictions_agree_with_each_other() -> None:
    model = ShiftedBetaGeoModel().fit(REGULAR)
    t = np.arange(1, 30)
    survival = model.survival_function(np.arange(0, 30))
    np.testing.assert_allclose(model.retention_rate(t), survival[1:] / survival[:-1])
    np.testing.assert_allclose(model.churn_probability(t), survival[:-1] - survival[1:])
    assert np.all(np.diff(model.retention_rate(t)) > 0)  # survivors are ever more loyal


@pytest.mark.parametrize("rate", [0.1, 0.01])
def test_discounted_expected_residual_lifetime_equals_the_discounted_sum(rate: float) -> None:
    model = ShiftedBetaGeoModel().fit(HIGH_END)
    periods = np.arange(0, 400_000)
    survival = model.survival_function(periods)
    for n in (0, 1, 5):
        discount = np.exp(-(periods[n:] - n) * np.log1p(rate))
        brute = (survival[n:] / survival[n] * discount).sum()
        got = float(model.discounted_expected_residual_lifetime(rate, n))
        assert got == pytest.approx(brute, rel=1e-8)


def test_bad_retention_arguments() -> None:
    model = ShiftedBetaGeoModel().fit(REGULAR)
    with pytest.raises(ConfigError, match="discount_rate"):
        model.discounted_expected_residual_lifetime(0.0)
    with pytest.raises(InputError, match="whole numbers"):
        model.retention_rate(0)
    with pytest.raises(InputError, match="whole numbers"):
        model.survival_function(1.5)
