"""The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

While active, a customer buys at rate λ ~ Gamma(r, α) (a Poisson process); after each repeat
purchase they become inactive with probability p ~ Beta(a, b). For a customer with x repeat
purchases, the last at t_x, observed for T:

    L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
        + [x > 0] · B(a+1, b+x−1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))

`ModifiedBetaGeoModel` (mbgnbd.py) is the same family with one more chance to drop out, right
after the first purchase; both share the code below through the class attribute `_shift`.
"""

from __future__ import annotations

__all__ = ["BetaGeoModel"]

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from scipy import special as sc

from rapport.behavior.models._inputs import (
    FloatArray,
    IntArray,
    as_float_array,
    check_customers,
    check_horizon,
    check_horizon_customers,
    unique_rows,
    value_index,
)
from rapport.behavior.models.special import hyp2f1
from rapport.behavior.models.transaction import TransactionModel
from rapport.errors import InputError

_A_NEAR_ONE = 1e-4  # within this of a = 1 the expectation is interpolated across the removable pole


@dataclass(frozen=True)
class BetaGeoData:
    """Distinct (frequency, recency, T) rows and their counts, with the distinct frequencies
    factored out."""

    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    counts: FloatArray
    x_values: FloatArray
    x_index: IntArray
    x_counts: FloatArray  # customers per distinct frequency


@dataclass(frozen=True)
class _PerFrequency:
    """The log-likelihood's terms that depend on the frequency only, and their derivatives."""

    front: FloatArray  # log Γ(r+x) − log Γ(r)
    first: FloatArray  # log B(a, b'+x) − log B(a, b)
    second: FloatArray  # log B(a+1, b'+x−1) − log B(a, b), −inf without that term
    d_front_r: FloatArray
    d1_a: FloatArray
    d1_b: FloatArray
    d2_a: FloatArray
    d2_b: FloatArray


class BetaGeoModel(TransactionModel[BetaGeoData]):
    """BG/NBD: Poisson purchases at gamma-distributed rates, dropout after each repeat purchase
    with a beta-distributed probability. Parameters r, alpha (purchase rates) and a, b
    (dropout). Time is measured in `time_unit`."""

    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    _shift: ClassVar[int] = 0  # 1 adds a dropout opportunity right after the first purchase

    def _prepare(self, columns: list[FloatArray], counts: FloatArray) -> BetaGeoData:
        x, t_x, t_cal = columns
        x_values, index = value_index(x)
        x_counts = np.asarray(
            np.bincount(index, weights=counts, minlength=x_values.size), dtype=np.float64
        )
        return BetaGeoData(x, t_x, t_cal, counts, x_values, index, x_counts)

    def _initial_params(self, data: BetaGeoData, weights: FloatArray) -> list[FloatArray]:
        mean_x = max(float(weights @ data.x) / float(weights.sum()), 1e-2)
        mean_t = max(float(weights @ data.T) / float(weights.sum()), 1e-2)
        return [np.array([1.0, mean_t / mean_x, 1.0, 1.0])]

    def _per_frequency(self, params: FloatArray, xv: FloatArray) -> _PerFrequency:
        r, _, a, b = (float(v) for v in params)
        k = self._shift
        has_second = xv + k > 0
        b_second = np.where(has_second, b + k + xv - 1.0, 1.0)
        log_beta_ab = sc.betaln(a, b)
        psi_ab = sc.digamma(a + b)
        psi_abx = sc.digamma(a + b + k + xv)
        return _PerFrequency(
            front=sc.gammaln(r + xv) - sc.gammaln(r),
            first=sc.betaln(a, b + k + xv) - log_beta_ab,
            second=np.where(has_second, sc.betaln(a + 1.0, b_second) - log_beta_ab, -np.inf),
            d_front_r=sc.digamma(r + xv) - sc.digamma(r),
            d1_a=psi_ab - psi_abx,
            d1_b=sc.digamma(b + k + xv) - psi_abx - sc.digamma(b) + psi_ab,
            d2_a=sc.digamma(a + 1.0) - psi_abx - sc.digamma(a) + psi_ab,
            d2_b=np.where(has_second, sc.digamma(b_second) - psi_abx - sc.digamma(b) + psi_ab, 0.0),
        )

    def _log_likelihood(
        self, params: FloatArray, data: BetaGeoData, gradient: bool
    ) -> tuple[FloatArray, FloatArray | None]:
        r, alpha, _, _ = (float(v) for v in params)
        f = self._per_frequency(params, data.x_values)
        ix = data.x_index
        rx = r + data.x
        log_t = np.log(alpha + data.T)
        log_tx = np.log(alpha + data.t_x)
        term1 = f.first[ix] - rx * log_t
        term2 = f.second[ix] - rx * log_tx
        total = np.logaddexp(term1, term2)
        ll = f.front[ix] + r * np.log(alpha) + total
        if not gradient:
            return ll, None
        w2 = np.exp(term2 - total)
        w1 = 1.0 - w2
        grad = np.empty((ll.size, 4))
        grad[:, 0] = f.d_front_r[ix] + np.log(alpha) - w1 * log_t - w2 * log_tx
        grad[:, 1] = r / alpha - rx * (w1 / (alpha + data.T) + w2 / (alpha + data.t_x))
        grad[:, 2] = w1 * f.d1_a[ix] + w2 * f.d2_a[ix]
        grad[:, 3] = w1 * f.d1_b[ix] + w2 * f.d2_b[ix]
        return ll, grad

    def _weighted_log_likelihood(
        self, params: FloatArray, data: BetaGeoData, counts: FloatArray
    ) -> tuple[float, FloatArray]:
        # The same sums as the per-row version, with the frequency-only terms summed per
        # distinct frequency: about half the work per row on large data sets.
        r, alpha, _, _ = (float(v) for v in params)
        f = self._per_frequency(params, data.x_values)
        ix = data.x_index
        n_total = float(data.x_counts.sum())
        rx = r + data.x
        log_t = np.log(alpha + data.T)
        log_tx = np.log(alpha + data.t_x)
        term1 = f.first[ix] - rx * log_t
        term2 = f.second[ix] - rx * log_tx
        total = np.logaddexp(term1, term2)
        value = float(data.x_counts @ f.front + n_total * r * np.log(alpha) + counts @ total)
        c2 = counts * np.exp(term2 - total)
        c1 = counts - c2
        second_x = np.bincount(ix, weights=c2, minlength=data.x_values.size)
        first_x = data.x_counts - second_x
        grad = np.array(
            [
                data.x_counts @ f.d_front_r + n_total * np.log(alpha) - c1 @ log_t - c2 @ log_tx,
                n_total * r / alpha - c1 @ (rx / (alpha + data.T)) - c2 @ (rx / (alpha + data.t_x)),
                first_x @ f.d1_a + second_x @ f.d2_a,
                first_x @ f.d1_b + second_x @ f.d2_b,
            ]
        )
        return value, grad

    # -- predictions -----------------------------------------------------------------------

    def _log_odds_dead(self, x: FloatArray, t_x: FloatArray, t_cal: FloatArray) -> FloatArray:
        """log P(inactive)/P(active) at T; −inf where the customer cannot have dropped out."""
        r, alpha, a, b = self._fitted_params()
        k = self._shift
        has = x + k > 0
        denominator = np.where(has, b + k + x - 1.0, 1.0)
        odds = (
            np.log(a)
            - np.log(denominator)
            + (r + x) * (np.log(alpha + t_cal) - np.log(alpha + t_x))
        )
        return np.where(has, odds, -np.inf)

    def prob_alive(
        self, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike
    ) -> FloatArray:
        """Probability that each customer is still active at the end of their T."""
        self._fitted_params()
        x, t_x, t_cal = check_customers(frequency, recency, T, for_fit=False)
        return np.asarray(sc.expit(-self._log_odds_dead(x, t_x, t_cal)), dtype=np.float64)

    def _growth(
        self, t: FloatArray, x: FloatArray, t_cal: FloatArray, distinct: bool = False
    ) -> FloatArray:
        """Expected purchases in (T, T+t] of a customer known to be active at T; computed once
        per distinct (x, z) pair unless the caller says its rows are `distinct` already."""
        _, alpha, a, _ = self._fitted_params()
        z = t / (alpha + t_cal + t)
        inverse: IntArray | None = None
        if distinct:
            x_u, z_u = x.ravel(), z.ravel()
        else:
            (x_u, z_u), inverse = unique_rows(x.ravel(), z.ravel())
        if abs(a - 1.0) >= _A_NEAR_ONE:
            values = self._growth_at(a, x_u, z_u)
        else:  # a = 1 is a removable singularity of the formula: interpolate across it
            low = self._growth_at(1.0 - _A_NEAR_ONE, x_u, z_u)
            high = self._growth_at(1.0 + _A_NEAR_ONE, x_u, z_u)
            values = low + (a - 1.0 + _A_NEAR_ONE) / (2.0 * _A_NEAR_ONE) * (high - low)
        return (values if inverse is None else values[inverse]).reshape(x.shape)

    def _growth_at(self, a: float, x: FloatArray, z: FloatArray) -> FloatArray:
        r, _, _, b = self._fitted_params()
        bk = b + self._shift
        c = a + bk + x - 1.0
        # (1−z)^(r+x) ₂F₁(r+x, b+x; c; z) after Euler's transformation: small numerator
        # parameters, so no overflow for large x.
        hyp = hyp2f1(a + bk - 1.0 - r, a - 1.0, c, z)
        scaled = np.exp((a - 1.0) * np.log1p(-z)) * hyp
        return np.asarray(c * (1.0 - scaled) / (a - 1.0), dtype=np.float64)

    def expected_purchases(
        self,
        t: npt.ArrayLike,
        frequency: npt.ArrayLike,
        recency: npt.ArrayLike,
        T: npt.ArrayLike,
    ) -> FloatArray:
        """Expected number of purchases in the next t time units of each customer, given their
        frequency, recency and T (t broadcasts against the customers)."""
        self._fitted_params()
        horizon, x, t_x, t_cal = check_horizon_customers(t, frequency, recency, T)
        alive = sc.expit(-self._log_odds_dead(x, t_x, t_cal))
        return np.asarray(self._growth(horizon, x, t_cal) * alive, dtype=np.float64)

    def _discounted_purchases(
        self,
        times: FloatArray,
        discounts: FloatArray,
        x: FloatArray,
        t_x: FloatArray,
        t_cal: FloatArray,
    ) -> FloatArray:
        # P(alive) once, and the growth once per time on the distinct (x, T) pairs only.
        alive = sc.expit(-self._log_odds_dead(x, t_x, t_cal))
        (ux, ut), inverse = unique_rows(x, t_cal)
        growth = np.zeros(ux.shape)
        previous = np.zeros(ux.shape)
        for t_i, discount in zip(times, discounts, strict=True):
            cumulative = self._growth(np.full(ux.shape, t_i), ux, ut, distinct=True)
            growth += discount * (cumulative - previous)
            previous = cumulative
        return np.asarray(growth[inverse] * alive, dtype=np.float64)

    def expected_purchases_unconditional(self, t: npt.ArrayLike) -> FloatArray:
        """E[X(t)]: expected repeat purchases in the first t time units of a new customer."""
        horizon = check_horizon(t)
        return self.expected_purchases(horizon, 0.0, 0.0, 0.0)

    def prob_n_purchases(self, n: npt.ArrayLike, t: npt.ArrayLike) -> FloatArray:
        """P(X(t) = n): probability that a new customer makes n repeat purchases in t."""
        r, alpha, a, b = self._fitted_params()
        k = self._shift
        count = as_float_array(n, "n")
        horizon = check_horizon(t)
        if np.any((count < 0) | (count != np.floor(count))):
            raise InputError("n must hold whole numbers >= 0 (numbers of repeat purchases).")
        count, horizon = (np.array(v) for v in np.broadcast_arrays(count, horizon))
        share = horizon / (alpha + horizon)  # 1 − p of the NBD count in t, p = α/(α+t)
        log_nb = (
            sc.gammaln(r + count)
            - sc.gammaln(r)
            - sc.gammaln(count + 1.0)
            + r * np.log(alpha / (alpha + horizon))
            + sc.xlogy(count, share)
        )
        log_beta_ab = sc.betaln(a, b)
        alive = np.exp(sc.betaln(a, b + k + count) - log_beta_ab + log_nb)
        has = count + k > 0
        b_second = np.where(has, b + k + count - 1.0, 1.0)
        at_least = np.where(count > 0, sc.betainc(np.maximum(count, 1.0), r, share), 1.0)
        dropped = np.where(has, np.exp(sc.betaln(a + 1.0, b_second) - log_beta_ab), 0.0)
        return np.asarray(alive + dropped * at_least, dtype=np.float64)
