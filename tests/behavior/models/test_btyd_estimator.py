"""The estimator contract shared by every model: settings, NotFittedError, weights, standard
errors, JSON, and clear errors for bad inputs."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from btyd_data import cdnow_table, columns, fitted

from rapport.behavior.models import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    ShiftedBetaGeoModel,
)
from rapport.behavior.models.base import MaximumLikelihoodModel
from rapport.errors import ConfigError, ConvergenceError, InputError, NotFittedError

TRANSACTION_MODELS = [BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel]
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]


def test_init_only_stores_settings_and_get_set_params_round_trip() -> None:
    model = BetaGeoModel(penalizer=0.1, time_unit="days", tol=1e-7, max_iter=50)
    assert model.get_params() == {
        "penalizer": 0.1,
        "time_unit": "days",
        "tol": 1e-7,
        "max_iter": 50,
    }
    assert not hasattr(model, "params_")
    clone = type(model)(**model.get_params())
    assert clone.get_params() == model.get_params()
    assert model.set_params(penalizer=0.2) is model
    assert model.penalizer == 0.2
    assert repr(model) == "BetaGeoModel(penalizer=0.2, time_unit='days', tol=1e-07, max_iter=50)"
    assert repr(GammaGammaModel()) == "GammaGammaModel()"
    with pytest.raises(ConfigError, match="no setting 'alpha'"):
        model.set_params(alpha=1.0)
    # Bad settings are accepted by __init__ (scikit-learn's contract) and refused by fit.
    bad = BetaGeoModel(time_unit="fortnights")
    with pytest.raises(ConfigError, match="time_unit must be one of"):
        bad.fit([1], [1], [2])
    for setting in ({"penalizer": -1.0}, {"tol": 0.0}, {"max_iter": 0}):
        with pytest.raises(ConfigError):
            BetaGeoModel(**setting).fit([1], [1], [2])


@pytest.mark.parametrize("model_class", TRANSACTION_MODELS)
def test_predicting_before_fit_raises_not_fitted(model_class: type[Any]) -> None:
    model = model_class()
    for call in (
        lambda: model.expected_purchases(1.0, 1, 1.0, 2.0),
        lambda: model.expected_purchases_unconditional(1.0),
        lambda: model.prob_alive(1, 1.0, 2.0),
        lambda: model.prob_n_purchases(0, 1.0),
    ):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            call()
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)


def test_spend_and_retention_models_raise_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        GammaGammaModel().expected_spend(1, 10.0)
    with pytest.raises(NotFittedError):
        ShiftedBetaGeoModel().survival_function(1)


@pytest.mark.parametrize("model_class", TRANSACTION_MODELS)
def test_weights_equal_expanded_data(model_class: type[Any]) -> None:
    cdnow = cdnow_table()
    x, t_x, t_cal = columns(cdnow.iloc[:800])
    weights = np.random.default_rng(5).integers(1, 4, x.size)
    weighted = model_class().fit(x, t_x, t_cal, weights=weights)
    expanded = model_class().fit(
        np.repeat(x, weights), np.repeat(t_x, weights), np.repeat(t_cal, weights)
    )
    for name in model_class.param_names:
        assert weighted.params_[name] == pytest.approx(expanded.params_[name], rel=1e-6)
        assert weighted.standard_errors_[name] == pytest.approx(
            expanded.standard_errors_[name], rel=1e-3
        )
    assert weighted.log_likelihood_ == pytest.approx(expanded.log_likelihood_, rel=1e-10)
    assert weighted.n_customers_ == expanded.n_customers_ == int(weights.sum())


def test_gamma_gamma_weights_equal_expanded_data() -> None:
    cdnow = cdnow_table()
    x, m = cdnow["frequency"].to_numpy(), cdnow["monetary_value"].to_numpy()
    weights = np.random.default_rng(6).integers(1, 4, x.size)
    weighted = GammaGammaModel().fit(x, m, weights=weights)
    expanded = GammaGammaModel().fit(np.repeat(x, weights), np.repeat(m, weights))
    for name in GammaGammaModel.param_names:
        assert weighted.params_[name] == pytest.approx(expanded.params_[name], rel=1e-6)


def test_standard_errors_are_positive_and_finite() -> None:
    bgnbd: BetaGeoModel = fitted("bgnbd")
    mbgnbd: ModifiedBetaGeoModel = fitted("mbgnbd")
    paretonbd: ParetoNBDModel = fitted("paretonbd")
    gammagamma: GammaGammaModel = fitted("gammagamma")
    sbg = ShiftedBetaGeoModel().fit(REGULAR)
    for model in (bgnbd, mbgnbd, paretonbd, gammagamma, sbg):
        errors = np.array(list(model.standard_errors_.values()))
        assert set(model.standard_errors_) == set(model.param_names)
        assert np.all(np.isfinite(errors)) and np.all(errors > 0), type(model).__name__
        # Much smaller than the estimates, except Pareto/NBD's weakly identified beta.
        for name in model.param_names:
            if not (isinstance(model, ParetoNBDModel) and name == "beta"):
                assert model.standard_errors_[name] < 0.5 * model.params_[name]
    # The standard errors lifetimes' documentation shows for this CDNOW BG/NBD fit.
    expected = {"r": 0.0126, "alpha": 0.3782, "a": 0.1857, "b": 0.7053}
    for name, value in expected.items():
        assert bgnbd.standard_errors_[name] == pytest.approx(value, rel=0.01)


def test_penalizer_shrinks_log_parameters_towards_zero() -> None:
    cdnow = cdnow_table()
    plain = BetaGeoModel().fit(*columns(cdnow))
    penalized = BetaGeoModel(penalizer=0.05).fit(*columns(cdnow))
    for name in ("alpha", "b"):  # both above 1: pulled down towards 1
        assert 1.0 < penalized.params_[name] < plain.params_[name]
    assert penalized.log_likelihood_ < plain.log_likelihood_


def fitted_models(cdnow: pd.DataFrame) -> list[MaximumLikelihoodModel[Any]]:
    return [
        BetaGeoModel(time_unit="weeks").fit(*columns(cdnow)),
        ModifiedBetaGeoModel(penalizer=0.01).fit(*columns(cdnow)),
        GammaGammaModel().fit(cdnow["frequency"], cdnow["monetary_value"]),
        ShiftedBetaGeoModel().fit(REGULAR),
    ]


def test_json_round_trip() -> None:
    cdnow = cdnow_table()
    paretonbd: ParetoNBDModel = fitted("paretonbd")
    for model in [*fitted_models(cdnow), paretonbd]:
        text = model.to_json()
        payload = json.loads(text)
        assert payload["model"] == type(model).__name__
        loaded = type(model).from_json(text)
        assert type(loaded) is type(model)
        assert loaded.get_params() == model.get_params()
        assert loaded.params_ == model.params_
        assert loaded.standard_errors_ == model.standard_errors_
        assert loaded.log_likelihood_ == model.log_likelihood_
        assert loaded.n_customers_ == model.n_customers_
        assert loaded.converged_ is True
        # The base class loads whichever model the text holds.
        assert type(MaximumLikelihoodModel.from_json(text)) is type(model)
    x, t_x, t_cal = columns(cdnow)
    loaded_pareto = ParetoNBDModel.from_json(paretonbd.to_json())
    np.testing.assert_array_equal(
        loaded_pareto.expected_purchases(10, x, t_x, t_cal),
        paretonbd.expected_purchases(10, x, t_x, t_cal),
    )


def test_json_of_unfitted_model_and_bad_json() -> None:
    model = BetaGeoModel.from_json(BetaGeoModel(penalizer=0.3).to_json())
    assert model.penalizer == 0.3 and not hasattr(model, "params_")
    with pytest.raises(InputError, match="not a saved Rapport model"):
        BetaGeoModel.from_json("{}")
    with pytest.raises(InputError, match="not a BetaGeoModel"):
        BetaGeoModel.from_json(GammaGammaModel().to_json())
    payload = json.loads(BetaGeoModel().to_json())
    payload["format"] = 99
    with pytest.raises(InputError, match="format 99"):
        BetaGeoModel.from_json(json.dumps(payload))


def test_json_never_holds_nan() -> None:
    cdnow = cdnow_table()
    model = BetaGeoModel().fit(*columns(cdnow))
    model.standard_errors_["r"] = float("nan")
    loaded = BetaGeoModel.from_json(model.to_json())
    assert "NaN" not in model.to_json()
    assert np.isnan(loaded.standard_errors_["r"])


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([1, -1], [1.0, 0.0], [2.0, 2.0], "frequency has 1 value of frequency .* below zero"),
        ([1, 2], [1.0, -0.5], [2.0, 2.0], "recency has .* below zero"),
        ([1, 2], [3.0, 1.0], [2.0, 2.0], "recency is greater than T for 1 customers"),
        ([0, 2], [0.5, 1.0], [2.0, 2.0], "frequency 0 but recency > 0"),
        ([1, np.nan], [1.0, 1.0], [2.0, 2.0], "missing or infinite"),
        ([1, 2], [1.0, 1.0], [2.0, np.inf], "missing or infinite"),
        ([1.5, 2], [1.0, 1.0], [2.0, 2.0], "not whole numbers"),
        ([1, 2], [1.0, 1.0], [2.0], "same length"),
        ([], [], [], "no customers"),
        (["a", 2], [1.0, 1.0], [2.0, 2.0], "numbers only"),
        ([[1, 2]], [[1.0, 1.0]], [[2.0, 2.0]], "one-dimensional"),
    ],
)
def test_bad_transaction_inputs(frequency: Any, recency: Any, T: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        BetaGeoModel().fit(frequency, recency, T)


def test_bad_weights_and_spend_inputs() -> None:
    with pytest.raises(InputError, match="one value per customer"):
        BetaGeoModel().fit([1, 2], [1.0, 1.0], [2.0, 2.0], weights=[1])
    with pytest.raises(InputError, match="below zero"):
        BetaGeoModel().fit([1, 2], [1.0, 1.0], [2.0, 2.0], weights=[1, -1])
    with pytest.raises(InputError, match="all weights are zero"):
        BetaGeoModel().fit([1, 2], [1.0, 1.0], [2.0, 2.0], weights=[0, 0])
    with pytest.raises(InputError, match="positive number for customers with repeat"):
        GammaGammaModel().fit([1, 2], [10.0, -3.0])
    with pytest.raises(InputError, match="needs customers with frequency > 0"):
        GammaGammaModel().fit([0, 0], [0.0, 0.0])
    with pytest.raises(InputError, match="same length"):
        GammaGammaModel().fit([1, 2], [10.0])
    with pytest.raises(InputError, match="never increase"):
        ShiftedBetaGeoModel().fit([100, 80, 90])
    with pytest.raises(InputError, match="at least two periods"):
        ShiftedBetaGeoModel().fit([100])


def test_pandas_series_and_lists_are_accepted() -> None:
    cdnow = cdnow_table()
    bgnbd: BetaGeoModel = fitted("bgnbd")
    from_series = BetaGeoModel().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    from_lists = BetaGeoModel().fit(*(list(c) for c in columns(cdnow)))
    assert from_series.params_ == pytest.approx(bgnbd.params_)
    assert from_lists.params_ == pytest.approx(bgnbd.params_)


def test_failure_to_converge_says_what_to_try() -> None:
    cdnow = cdnow_table()
    with pytest.raises(ConvergenceError, match="penalizer") as error:
        BetaGeoModel(max_iter=1).fit(*columns(cdnow))
    assert "time" in str(error.value) and "check the data" in str(error.value)
