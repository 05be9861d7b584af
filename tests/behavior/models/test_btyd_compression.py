"""Fitting at scale: customers compressed to distinct rows exactly, and large fits that start
from a subsample's estimate and need only a few evaluations on all rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rapport.behavior.models import BetaGeoModel, GammaGammaModel
from rapport.behavior.models import _inputs as inputs
from rapport.behavior.models.simulate import simulate_bgnbd, simulate_gamma_gamma


def _reference(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows in order of first appearance and each row's index, by np.unique."""
    stacked = np.column_stack([c + 0.0 for c in columns])
    _, first, inverse = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)  # np.unique sorts; first appearance is the contract
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return stacked[first[order]], rank[inverse.ravel()]


def _columns(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 6, n).astype(float)
    t_x = np.round(rng.random(n) * 4, 1) * (x > 0)
    t_cal = rng.choice([4.0, 5.0, 6.5], n)
    t_x[:5] = -0.0  # -0.0 and 0.0 are the same value
    return x, t_x, t_cal


def test_unique_rows_equal_np_unique() -> None:
    x, t_x, t_cal = _columns(20_000, 1)
    rows, inverse = inputs.unique_rows(x, t_x, t_cal)
    expected_rows, expected_inverse = _reference(x, t_x, t_cal)
    np.testing.assert_array_equal(np.column_stack(rows), expected_rows)
    np.testing.assert_array_equal(inverse, expected_inverse)
    assert not np.signbit(rows[1]).any()


def test_unique_rows_stay_exact_when_hashes_collide(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every row hashed to the same key: the check against the rows must notice and fall back.
    monkeypatch.setattr(inputs, "_mix", lambda key: key * np.uint64(0))
    x, t_x, t_cal = _columns(5_000, 2)
    rows, inverse = inputs.unique_rows(x, t_x, t_cal)
    expected_rows, expected_inverse = _reference(x, t_x, t_cal)
    assert len(rows[0]) == len(expected_rows) > 1
    np.testing.assert_array_equal(np.column_stack(rows), expected_rows)
    np.testing.assert_array_equal(inverse, expected_inverse)


def _count_full_evaluations(
    monkeypatch: pytest.MonkeyPatch, model_class: type[Any], rows: int
) -> list[int]:
    """Record the number of rows of every likelihood evaluation of `model_class`."""
    sizes: list[int] = []
    original = model_class._weighted_log_likelihood

    def counted(self: Any, params: Any, data: Any, counts: np.ndarray) -> Any:
        sizes.append(counts.size)
        return original(self, params, data, counts)

    monkeypatch.setattr(model_class, "_weighted_log_likelihood", counted)
    return sizes


def test_large_fits_need_few_evaluations_on_all_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    # 200,000 customers with continuous recency and spend: nearly every row is distinct, so
    # each evaluation on all rows costs as much as on the raw data. The subsample's estimate
    # and a few Newton steps should finish the job; falling back to L-BFGS from scratch (what
    # happened to Gamma-Gamma when rounding noise stopped the Newton steps) takes 50 or more.
    rng = np.random.default_rng(11)
    n = 200_000
    t_cal = rng.uniform(20.0, 80.0, n)
    x, t_x = simulate_bgnbd(0.8, 6.0, 1.5, 12.0, t_cal, rng)
    m = simulate_gamma_gamma(x, 6.0, 4.0, 15.0, rng)

    bg_sizes = _count_full_evaluations(monkeypatch, BetaGeoModel, n)
    gg_sizes = _count_full_evaluations(monkeypatch, GammaGammaModel, n)
    bg = BetaGeoModel().fit(x, t_x, t_cal)
    gg = GammaGammaModel().fit(x, m)

    bg_rows, gg_rows = max(bg_sizes), max(gg_sizes)
    assert bg_rows > 150_000 and gg_rows > 50_000  # both are fitted on (nearly) every row
    assert sum(size == bg_rows for size in bg_sizes) <= 15
    assert sum(size == gg_rows for size in gg_sizes) <= 15
    # and the answers are the optimum: a full fit from the model's own start agrees
    assert gg.params_ == pytest.approx(_fit_from_scratch(GammaGammaModel(), x, m), rel=1e-6)
    assert bg.params_ == pytest.approx(
        _fit_from_scratch(BetaGeoModel(), x, t_x, t_cal), rel=1e-6
    )


def _fit_from_scratch(model: Any, *columns: np.ndarray) -> dict[str, float]:
    """The model fitted without the subsample's warm start."""
    from rapport.behavior.models import base

    saved = base._WARM_START_ROWS
    base._WARM_START_ROWS = 10**12
    try:
        return dict(model.fit(*columns).params_)
    finally:
        base._WARM_START_ROWS = saved


def test_newton_steps_go_on_through_rounding_noise() -> None:
    # Near the optimum a mean over a million rows changes by less than its own rounding: a
    # step that lowers the gradient must count even if the value comes out a hair higher.
    from rapport.behavior.models.base import _polish

    optimum = np.array([0.3, -1.2, 2.0])

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        gap = theta - optimum
        noise = 2e-12 if np.max(np.abs(gap)) < 0.99e-7 else 0.0  # rounding of the mean
        return 4.0 + 0.5 * float(gap @ gap) + noise, gap

    start = optimum + 1e-7
    theta, _, gradient, steps = _polish(objective, start, 1e-11, 5, np.eye(3))
    assert steps >= 1
    assert np.max(np.abs(gradient)) <= 1e-11
    np.testing.assert_allclose(theta, optimum, atol=1e-11)


@pytest.mark.parametrize(
    "values",
    [
        np.array([3.0, 0.0, 3.0, 7.0, 1.0, 0.0]),  # whole numbers: counted
        np.array([2.5, 0.0, 2.5, -1.0]),  # fractions and negatives: np.unique
        np.array([0.0, 1e12, 5.0]),  # a range far wider than the rows: np.unique
        np.array([], dtype=float),
    ],
)
def test_value_index_is_np_unique(values: np.ndarray) -> None:
    found, index = inputs.value_index(values)
    expected, expected_index = np.unique(values, return_inverse=True)
    np.testing.assert_array_equal(found, expected)
    np.testing.assert_array_equal(index, expected_index.ravel())
    assert found.dtype == np.float64 and index.dtype == np.intp


def test_value_index_on_many_frequencies() -> None:
    x = np.random.default_rng(5).poisson(3.0, 100_000).astype(float)
    found, index = inputs.value_index(x)
    expected, expected_index = np.unique(x, return_inverse=True)
    np.testing.assert_array_equal(found, expected)
    np.testing.assert_array_equal(index, expected_index.ravel())


def test_gamma_gamma_fits_its_rows_as_they_are_and_weights_count_as_copies() -> None:
    # Gamma-Gamma does not merge identical rows (mean spends rarely repeat): a row given
    # twice and the same row once with weight 2 must still be the same fit.
    rng = np.random.default_rng(3)
    x = rng.integers(1, 8, 400).astype(float)
    m = simulate_gamma_gamma(x, 6.0, 4.0, 15.0, rng)
    weights = rng.integers(1, 4, x.size).astype(float)
    weighted = GammaGammaModel().fit(x, m, weights=weights)
    copies = np.repeat(np.arange(x.size), weights.astype(int))
    repeated = GammaGammaModel().fit(x[copies], m[copies])
    assert weighted.params_ == pytest.approx(repeated.params_, rel=1e-7)
    assert weighted.log_likelihood_ == pytest.approx(repeated.log_likelihood_, rel=1e-10)
    assert weighted.n_customers_ == repeated.n_customers_ == int(weights.sum())


def test_fits_in_parts_side_by_side_match_one_part(monkeypatch: pytest.MonkeyPatch) -> None:
    # Many distinct rows are evaluated in parts on threads; the parts' sums must add up to the
    # whole and the estimate must not depend on the threads' timing.
    from rapport.behavior.models import base

    rng = np.random.default_rng(21)
    t_cal = rng.uniform(20.0, 80.0, 20_000)
    x, t_x = simulate_bgnbd(0.8, 6.0, 1.5, 12.0, t_cal, rng)
    whole = BetaGeoModel().fit(x, t_x, t_cal)
    distinct, inverse = inputs.unique_rows(x, t_x, t_cal)
    counts = np.bincount(inverse).astype(float)
    params = np.array([0.8, 6.0, 1.5, 12.0])
    one = whole._weighted_sum(params, whole._parts(distinct, counts))

    monkeypatch.setattr(base, "_PART_ROWS", 1_000)
    monkeypatch.setattr(base, "cpus", lambda: 4)
    parts = whole._parts(distinct, counts)
    assert len(parts) == 4 and sum(part[1].size for part in parts) == counts.size
    value, gradient = whole._weighted_sum(params, parts)
    assert value == pytest.approx(one[0], rel=1e-13)
    np.testing.assert_allclose(gradient, one[1], rtol=1e-11)
    first = BetaGeoModel().fit(x, t_x, t_cal)
    again = BetaGeoModel().fit(x, t_x, t_cal)
    assert first.params_ == again.params_  # the same every time, to the last bit
    assert first.log_likelihood_ == again.log_likelihood_
    assert first.params_ == pytest.approx(whole.params_, rel=1e-8)
    assert first.log_likelihood_ == pytest.approx(whole.log_likelihood_, rel=1e-12)
