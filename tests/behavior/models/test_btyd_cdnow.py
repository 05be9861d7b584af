"""The published CDNOW results, reproduced on the 2,357-customer sample (time in weeks)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from btyd_data import CALIBRATION_END, cdnow_table, cdnow_transactions, columns, fitted

from rapport.behavior.models import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    calibration_holdout_report,
)

# Published values: Fader, Hardie & Lee (2005) for BG/NBD, Pareto/NBD and Gamma-Gamma; BTYDplus
# for MBG/NBD. Within 0.5%, except Pareto/NBD's weakly identified beta (1%).
BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PARETO = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
MBGNBD = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def assert_close(
    estimates: dict[str, float], published: dict[str, float], beta_tol: float = 0.005
) -> None:
    for name, value in published.items():
        tolerance = beta_tol if name == "beta" else 0.005
        assert estimates[name] == pytest.approx(value, rel=tolerance), name


def test_bgnbd_parameters_and_log_likelihood() -> None:
    bgnbd: BetaGeoModel = fitted("bgnbd")
    assert_close(bgnbd.params_, BGNBD)
    assert bgnbd.log_likelihood_ == pytest.approx(-9582.4, abs=0.1)
    assert bgnbd.n_customers_ == 2357
    assert bgnbd.converged_


def test_paretonbd_parameters_and_log_likelihood() -> None:
    paretonbd: ParetoNBDModel = fitted("paretonbd")
    assert_close(paretonbd.params_, PARETO, beta_tol=0.01)
    assert paretonbd.log_likelihood_ == pytest.approx(-9595.0, abs=0.1)


def test_mbgnbd_parameters_and_log_likelihood() -> None:
    mbgnbd: ModifiedBetaGeoModel = fitted("mbgnbd")
    assert_close(mbgnbd.params_, MBGNBD)
    assert mbgnbd.log_likelihood_ == pytest.approx(-9582.1, abs=0.1)


def test_gamma_gamma_parameters_on_the_946_repeat_customers() -> None:
    gammagamma: GammaGammaModel = fitted("gammagamma")
    assert_close(gammagamma.params_, GAMMA_GAMMA)
    assert gammagamma.n_customers_ == 946


def test_bgnbd_conditional_expectation_for_the_published_customer() -> None:
    bgnbd: BetaGeoModel = fitted("bgnbd")
    assert bgnbd.expected_purchases(39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=5e-4)


def test_bgnbd_unconditional_expectation() -> None:
    bgnbd: BetaGeoModel = fitted("bgnbd")
    t = np.array([0.1429, 1, 3, 31.8571, 32, 78])
    published = np.array([0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576])
    got = bgnbd.expected_purchases_unconditional(t)
    # The first five agree to the 4 digits published. 1.8576 at 78 weeks is the series summed
    # to about 150 terms (z = 0.946 converges slowly); the converged value is 1.85797.
    np.testing.assert_allclose(got[:5], published[:5], atol=5e-5)
    assert got[5] == pytest.approx(published[5], abs=5e-4)
    r, alpha, a, b = (mpmath.mpf(bgnbd.params_[k]) for k in ("r", "alpha", "a", "b"))
    for ti, value in zip(t, got, strict=True):
        x = mpmath.mpf(ti)
        exact = (
            (a + b - 1)
            / (a - 1)
            * (1 - (alpha / (alpha + x)) ** r * mpmath.hyp2f1(r, b, a + b - 1, x / (alpha + x)))
        )
        assert value == pytest.approx(float(exact), rel=1e-10)


def test_bgnbd_probability_of_no_purchase_in_39_weeks() -> None:
    # 0.5737864 is computed with the published (rounded) parameters.
    model = BetaGeoModel()
    model.params_ = dict(BGNBD)
    assert float(model.prob_n_purchases(0, 39)) == pytest.approx(0.5737864, abs=5e-8)


def test_summary_matches_the_raw_transactions() -> None:
    cdnow = cdnow_table()
    days = cdnow_transactions()
    calibration = days[days["date"] <= CALIBRATION_END].groupby("ID")
    first = calibration["date"].min()
    frequency = (calibration.size() - 1).reindex(cdnow.index)
    recency = ((calibration["date"].max() - first).dt.days / 7).reindex(cdnow.index)
    np.testing.assert_array_equal(frequency.to_numpy(), cdnow["frequency"].to_numpy())
    np.testing.assert_allclose(recency.to_numpy(), cdnow["recency"].to_numpy(), atol=0.005)


def test_calibration_holdout_report_on_cdnow() -> None:
    cdnow = cdnow_table()
    bgnbd: BetaGeoModel = fitted("bgnbd")
    report = calibration_holdout_report(bgnbd, *columns(cdnow), cdnow["frequency_holdout"], 39)
    assert list(report.index) == ["0", "1", "2", "3", "4", "5", "6", "7+", "all"]
    assert list(report.columns) == ["customers", "actual", "predicted", "ratio", "mae"]
    assert report.loc["all", "customers"] == 2357
    assert report.loc[[str(g) for g in range(7)] + ["7+"], "customers"].sum() == 2357
    assert report.loc["all", "actual"] * 2357 == pytest.approx(1882)  # purchase days, weeks 40-78
    predicted = bgnbd.expected_purchases(39, *columns(cdnow))
    assert report.loc["all", "predicted"] == pytest.approx(predicted.mean())
    assert report.loc["all", "ratio"] == pytest.approx(predicted.sum() / 1882)
    error = np.abs(predicted - cdnow["frequency_holdout"].to_numpy()).mean()
    assert report.loc["all", "mae"] == pytest.approx(error)
    seven_up = cdnow["frequency"].to_numpy() >= 7
    assert report.loc["7+", "actual"] == pytest.approx(
        cdnow["frequency_holdout"].to_numpy()[seven_up].mean()
    )
    # The model tracks the holdout: means rise with calibration frequency, and the aggregate
    # is within 15% (BG/NBD under-predicts CDNOW's holdout slightly, as published plots show).
    assert np.all(np.diff(report["predicted"].to_numpy()[:8]) > 0)
    assert 0.85 < report.loc["all", "ratio"] < 1.0
    assert report.loc["0", "predicted"] == pytest.approx(report.loc["0", "actual"], rel=0.1)


def test_models_agree_on_cdnow_holdout() -> None:
    cdnow = cdnow_table()
    bgnbd: BetaGeoModel = fitted("bgnbd")
    paretonbd: ParetoNBDModel = fitted("paretonbd")
    mbgnbd: ModifiedBetaGeoModel = fitted("mbgnbd")
    totals = [m.expected_purchases(39, *columns(cdnow)).sum() for m in (bgnbd, paretonbd, mbgnbd)]
    assert max(totals) / min(totals) < 1.1
