"""The shifted-beta-geometric (sBG) model of contract renewals (Fader & Hardie 2007, "How to
project customer retention").

At the end of each period an active customer cancels with probability θ ~ Beta(α, β). The
period T in which a customer cancels then has

    P(T = t) = B(α+1, β+t−1) / B(α, β),    S(t) = P(T > t) = B(α, β+t) / B(α, β),

and a cohort observed for n periods, with n_t of its n_0 customers still active at the start of
period t, has log-likelihood Σ_{t=1..n} (n_{t−1} − n_t) log P(T = t) + n_n log S(n).
"""

from __future__ import annotations

__all__ = ["ShiftedBetaGeoModel"]

from dataclasses import dataclass
from typing import ClassVar, Self

import numpy as np
import numpy.typing as npt
from scipy import special as sc

from rapport.behavior.models._inputs import FloatArray, as_float_array
from rapport.behavior.models.base import MaximumLikelihoodModel
from rapport.behavior.models.special import hyp2f1
from rapport.errors import ConfigError, InputError


@dataclass(frozen=True)
class RetentionData:
    """One row per period: the period t and whether the row counts cancellations in t (1) or
    customers still active after t (0)."""

    period: FloatArray
    churned: FloatArray


def _check_periods(t: npt.ArrayLike, name: str, lowest: float) -> FloatArray:
    periods = as_float_array(t, name)
    bad = ~np.isfinite(periods) | (periods < lowest) | (periods != np.floor(periods))
    if bad.any():
        raise InputError(f"{name} must hold whole numbers of periods >= {lowest:g}.")
    return periods


class ShiftedBetaGeoModel(MaximumLikelihoodModel[RetentionData]):
    """sBG retention model for contracts renewed period by period. Parameters alpha, beta of
    the beta distribution of the per-period cancellation probability."""

    param_names: ClassVar[tuple[str, ...]] = ("alpha", "beta")

    def fit(self, survivors: npt.ArrayLike) -> Self:
        """Fit to one cohort's number of active customers at the start of periods 0, 1, …, n
        (survivors[0] is the cohort's size; the counts never increase). Returns self."""
        counts = as_float_array(survivors, "survivors")
        if counts.ndim != 1 or counts.size < 2:
            raise InputError(
                "survivors must list the active customers at the start of at least "
                "two periods (period 0, the cohort's size, and period 1)."
            )
        if not np.all(np.isfinite(counts)) or np.any(counts < 0):
            raise InputError("survivors must hold finite counts >= 0.")
        if not counts[0] > 0:
            raise InputError("survivors[0], the cohort's size, must be > 0.")
        if np.any(np.diff(counts) > 0):
            position = int(np.flatnonzero(np.diff(counts) > 0)[0]) + 1
            raise InputError(
                f"survivors must never increase (a cohort only loses customers), but period "
                f"{position} has {counts[position]:g} after {counts[position - 1]:g}."
            )
        n = counts.size - 1
        periods = np.arange(1.0, n + 1.0)
        period = np.concatenate([periods, [float(n)]])
        churned = np.concatenate([np.ones(n), [0.0]])
        weights = np.concatenate([counts[:-1] - counts[1:], [counts[-1]]])
        return self._fit_rows((period, churned), weights)

    def _prepare(self, columns: list[FloatArray], counts: FloatArray) -> RetentionData:
        return RetentionData(columns[0], columns[1])

    def _initial_params(self, data: RetentionData, weights: FloatArray) -> list[FloatArray]:
        return [np.array([1.0, 1.0])]

    def _log_likelihood(
        self, params: FloatArray, data: RetentionData, gradient: bool
    ) -> tuple[FloatArray, FloatArray | None]:
        alpha, beta = (float(v) for v in params)
        t = data.period
        churned = data.churned > 0
        log_beta = sc.betaln(alpha, beta)
        ll = np.where(
            churned,
            sc.betaln(alpha + 1.0, beta + t - 1.0) - log_beta,
            sc.betaln(alpha, beta + t) - log_beta,
        )
        if not gradient:
            return ll, None
        psi_ab = sc.digamma(alpha + beta)
        psi_abt = sc.digamma(alpha + beta + t)
        grad = np.empty((ll.size, 2))
        grad[:, 0] = np.where(
            churned,
            sc.digamma(alpha + 1.0) - sc.digamma(alpha) - psi_abt + psi_ab,
            psi_ab - psi_abt,
        )
        grad[:, 1] = np.where(
            churned,
            sc.digamma(beta + t - 1.0) - psi_abt - sc.digamma(beta) + psi_ab,
            sc.digamma(beta + t) - psi_abt - sc.digamma(beta) + psi_ab,
        )
        return ll, grad

    # -- predictions -----------------------------------------------------------------------

    def survival_function(self, t: npt.ArrayLike) -> FloatArray:
        """S(t): share of a cohort still active after t periods (t = 0, 1, …)."""
        alpha, beta = self._fitted_params()
        periods = _check_periods(t, "t", 0.0)
        return np.asarray(np.exp(sc.betaln(alpha, beta + periods) - sc.betaln(alpha, beta)))

    def retention_rate(self, t: npt.ArrayLike) -> FloatArray:
        """r(t) = S(t)/S(t−1): share of period t−1's survivors who renew in period t (t ≥ 1)."""
        alpha, beta = self._fitted_params()
        periods = _check_periods(t, "t", 1.0)
        return np.asarray((beta + periods - 1.0) / (alpha + beta + periods - 1.0))

    def churn_probability(self, t: npt.ArrayLike) -> FloatArray:
        """P(T = t): probability that a new customer cancels in period t (t ≥ 1)."""
        alpha, beta = self._fitted_params()
        periods = _check_periods(t, "t", 1.0)
        return np.asarray(
            np.exp(sc.betaln(alpha + 1.0, beta + periods - 1.0) - sc.betaln(alpha, beta))
        )

    def discounted_expected_residual_lifetime(
        self, discount_rate: float, periods_survived: npt.ArrayLike = 0
    ) -> FloatArray:
        """DERL: Σ_{k≥0} P(T > n+k | T > n) / (1+d)^k, the expected discounted number of
        periods still to be paid (the current one included) by a customer who has survived
        n = periods_survived renewals; with n = 0 it is a new customer's discounted expected
        lifetime."""
        alpha, beta = self._fitted_params()
        if not (np.isfinite(discount_rate) and discount_rate > 0):
            raise ConfigError(
                f"discount_rate must be a number > 0, not {discount_rate!r}; "
                "without discounting the expected lifetime can be infinite."
            )
        n = _check_periods(periods_survived, "periods_survived", 0.0)
        z = 1.0 / (1.0 + discount_rate)
        return np.asarray(hyp2f1(1.0, beta + n, alpha + beta + n, z), dtype=np.float64)
