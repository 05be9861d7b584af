"""The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987; likelihood as in Fader & Hardie
2005, "A note on deriving the Pareto/NBD model and related expressions").

While active, a customer buys at rate λ ~ Gamma(r, α); their lifetime is exponential with rate
μ ~ Gamma(s, β). For x repeat purchases, the last at t_x, observed for T:

    L = Γ(r+x) α^r β^s / Γ(r) · [ 1 / ((α+T)^(r+x) (β+T)^s)
                                   + s ∫_{t_x}^{T} (α+τ)^−(r+x) (β+τ)^−(s+1) dτ ]

The integral is evaluated through Gauss hypergeometric functions ₂F₁(1, ·; r+s+x+1; z) with
0 ≤ z < 1 and positive terms (special.py), so large frequencies neither overflow nor cancel.
The gradient is analytic: the derivatives of ₂F₁ in its parameters are summed with its series
(where z is within about 0.07 of 1 they are central differences instead, see `hyp2f1_unit`).
"""

from __future__ import annotations

__all__ = ["ParetoNBDModel"]

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
)
from rapport.behavior.models.special import expm1_ratio, hyp2f1_unit
from rapport.behavior.models.transaction import TransactionModel
from rapport.errors import InputError

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(24)


@dataclass(frozen=True)
class ParetoData:
    """Distinct rows, with the distinct (x, t_x) and (x, T) pairs the integral needs."""

    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    pairs_x: FloatArray  # frequency of each distinct (x, t) pair
    pairs_t: FloatArray  # time of each distinct pair
    start_index: IntArray  # row → its (x, t_x) pair
    end_index: IntArray  # row → its (x, T) pair


class ParetoNBDModel(TransactionModel[ParetoData]):
    """Pareto/NBD: Poisson purchases at gamma-distributed rates, exponential lifetimes with
    gamma-distributed rates. Parameters r, alpha (purchases) and s, beta (lifetimes); time in
    `time_unit`."""

    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "s", "beta")

    def _prepare(self, columns: list[FloatArray], counts: FloatArray) -> ParetoData:
        x, t_x, t_cal = columns
        n = x.size
        (pairs_x, pairs_t), inverse = unique_rows(
            np.concatenate([x, x]), np.concatenate([t_x, t_cal])
        )
        return ParetoData(x, t_x, t_cal, pairs_x, pairs_t, inverse[:n], inverse[n:])

    def _initial_params(self, data: ParetoData, weights: FloatArray) -> list[FloatArray]:
        mean_x = max(float(weights @ data.x) / float(weights.sum()), 1e-2)
        mean_t = max(float(weights @ data.T) / float(weights.sum()), 1e-2)
        return [np.array([1.0, mean_t / mean_x, 1.0, mean_t])]

    @staticmethod
    def _log_tail(
        params: FloatArray, x: FloatArray, t: FloatArray, gradient: bool = False
    ) -> tuple[FloatArray, FloatArray | None]:
        """log of the published A₀ term at t, ₂F₁(K, ·; K+1; z) / (max(α, β) + t)^K with
        K = r+s+x, so that s/K · (term(t_x) − term(T)) = s ∫_{t_x}^{T} (α+τ)^−(r+x) (β+τ)^−(s+1) dτ;
        with its gradient in (r, α, s, β) when asked for.
        """
        r, alpha, s, beta = (float(v) for v in params)
        k = r + s + x
        log_a = np.log(alpha + t)
        log_b = np.log(beta + t)
        if alpha >= beta:
            # Euler's transformation of ₂F₁(K, s+1; K+1; z): ₂F₁(1, r+x; K+1; z) (1−z)^−s.
            z = (alpha - beta) / (alpha + t)
            hyp, h_b, h_c, h_z = hyp2f1_unit(r + x, k + 1.0, z)
            log_tail = -(r + x) * log_a - s * log_b + np.log(hyp)
            if not gradient:
                return log_tail, None
            grad = np.empty((x.size, 4))
            grad[:, 0] = -log_a + (h_b + h_c) / hyp
            grad[:, 1] = -(r + x) / (alpha + t) + h_z / hyp * (beta + t) / (alpha + t) ** 2
            grad[:, 2] = -log_b + h_c / hyp
            grad[:, 3] = -s / (beta + t) - h_z / hyp / (alpha + t)
            return log_tail, grad
        # Euler's transformation of ₂F₁(K, r+x; K+1; z): ₂F₁(1, s+1; K+1; z) (1−z)^(1−r−x).
        z = (beta - alpha) / (beta + t)
        hyp, h_b, h_c, h_z = hyp2f1_unit(s + 1.0, k + 1.0, z)
        log_tail = -(r + x - 1.0) * log_a - (s + 1.0) * log_b + np.log(hyp)
        if not gradient:
            return log_tail, None
        grad = np.empty((x.size, 4))
        grad[:, 0] = -log_a + h_c / hyp
        grad[:, 1] = -(r + x - 1.0) / (alpha + t) - h_z / hyp / (beta + t)
        grad[:, 2] = -log_b + (h_b + h_c) / hyp
        grad[:, 3] = -(s + 1.0) / (beta + t) + h_z / hyp * (alpha + t) / (beta + t) ** 2
        return log_tail, grad

    @staticmethod
    def _log_parts(
        params: FloatArray,
        x: FloatArray,
        t_x: FloatArray,
        t_cal: FloatArray,
        start: FloatArray,
        end: FloatArray,
    ) -> tuple[FloatArray, FloatArray]:
        """log of the 'alive at T' and 'died in (t_x, T)' parts of the bracket in L, from the
        log A₀ terms at t_x (start) and at T (end)."""
        r, alpha, s, beta = (float(v) for v in params)
        alive = -(r + x) * np.log(alpha + t_cal) - s * np.log(beta + t_cal)
        with np.errstate(divide="ignore"):
            gap = np.log(-np.expm1(np.minimum(end - start, 0.0)))
        died = np.log(s) - np.log(r + s + x) + start + gap
        return alive, np.where(t_x < t_cal, died, -np.inf)

    def _log_likelihood(
        self, params: FloatArray, data: ParetoData, gradient: bool
    ) -> tuple[FloatArray, FloatArray | None]:
        r, alpha, s, beta = (float(v) for v in params)
        x = data.x
        tails, tail_grad = self._log_tail(params, data.pairs_x, data.pairs_t, gradient)
        start, end = tails[data.start_index], tails[data.end_index]
        alive, died = self._log_parts(params, x, data.t_x, data.T, start, end)
        front = sc.gammaln(r + x) - sc.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        total = np.logaddexp(alive, died)
        ll = np.asarray(front + total, dtype=np.float64)
        if not gradient:
            return ll, None
        assert tail_grad is not None
        w_died = np.exp(died - total)
        w_alive = 1.0 - w_died
        k = r + s + x
        grad = np.empty((x.size, 4))
        grad[:, 0] = sc.digamma(r + x) - sc.digamma(r) + np.log(alpha)
        grad[:, 1] = r / alpha
        grad[:, 2] = np.log(beta)
        grad[:, 3] = s / beta
        d_alive = np.column_stack(
            [
                -np.log(alpha + data.T),
                -(r + x) / (alpha + data.T),
                -np.log(beta + data.T),
                -s / (beta + data.T),
            ]
        )
        # d log(A(t_x) − A(T)) = (dL(t_x) − ρ dL(T)) / (1 − ρ) with ρ = A(T)/A(t_x).
        rho = np.exp(np.minimum(end - start, 0.0))
        open_ = data.t_x < data.T
        with np.errstate(divide="ignore", invalid="ignore"):
            d_gap = (tail_grad[data.start_index] - rho[:, None] * tail_grad[data.end_index]) / (
                1.0 - rho
            )[:, None]
        d_died = np.where(open_[:, None], d_gap, 0.0)
        d_died[:, 0] -= 1.0 / k
        d_died[:, 2] += 1.0 / s - 1.0 / k
        grad += w_alive[:, None] * d_alive + np.where(
            (w_died > 0)[:, None], w_died[:, None] * d_died, 0.0
        )
        return ll, grad

    # -- predictions -----------------------------------------------------------------------

    def prob_alive(
        self, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike
    ) -> FloatArray:
        """Probability that each customer is still active at the end of their T."""
        params = self._fitted_params()
        x, t_x, t_cal = check_customers(frequency, recency, T, for_fit=False)
        shape = x.shape
        x, t_x, t_cal = x.ravel(), t_x.ravel(), t_cal.ravel()
        (px, pt), inverse = unique_rows(np.concatenate([x, x]), np.concatenate([t_x, t_cal]))
        tails, _ = self._log_tail(params, px, pt)
        n = x.size
        alive, died = self._log_parts(params, x, t_x, t_cal, tails[inverse[:n]], tails[inverse[n:]])
        return np.exp(alive - np.logaddexp(alive, died)).reshape(shape)

    def expected_purchases(
        self,
        t: npt.ArrayLike,
        frequency: npt.ArrayLike,
        recency: npt.ArrayLike,
        T: npt.ArrayLike,
    ) -> FloatArray:
        """Expected number of purchases in the next t time units of each customer, given their
        frequency, recency and T (t broadcasts against the customers)."""
        r, alpha, s, beta = self._fitted_params()
        horizon, x, t_x, t_cal = check_horizon_customers(t, frequency, recency, T)
        alive = self.prob_alive(x, t_x, t_cal)
        lifetime = (beta + t_cal) * expm1_ratio(s - 1.0, np.log1p(horizon / (beta + t_cal)))
        return np.asarray((r + x) / (alpha + t_cal) * lifetime * alive, dtype=np.float64)

    def _discounted_purchases(
        self,
        times: FloatArray,
        discounts: FloatArray,
        x: FloatArray,
        t_x: FloatArray,
        t_cal: FloatArray,
    ) -> FloatArray:
        # P(alive), the expensive part, once per distinct customer; the rest is closed form
        # per time.
        r, alpha, s, beta = self._fitted_params()
        (x, t_x, t_cal), inverse = unique_rows(x, t_x, t_cal)
        alive = self.prob_alive(x, t_x, t_cal)
        total = np.zeros(x.shape)
        previous = np.zeros(x.shape)
        for t_i, discount in zip(times, discounts, strict=True):
            cumulative = (beta + t_cal) * expm1_ratio(s - 1.0, np.log1p(t_i / (beta + t_cal)))
            total += discount * (cumulative - previous)
            previous = cumulative
        per_row = (r + x) / (alpha + t_cal) * total * alive
        return np.asarray(per_row[inverse], dtype=np.float64)

    def expected_purchases_unconditional(self, t: npt.ArrayLike) -> FloatArray:
        """E[X(t)]: expected repeat purchases in the first t time units of a new customer."""
        r, alpha, s, beta = self._fitted_params()
        horizon = check_horizon(t)
        return np.asarray(
            r / alpha * beta * expm1_ratio(s - 1.0, np.log1p(horizon / beta)), dtype=np.float64
        )

    def prob_n_purchases(self, n: npt.ArrayLike, t: npt.ArrayLike) -> FloatArray:
        """P(X(t) = n): probability that a new customer makes n repeat purchases in t.

        The part where the customer dies before t is integrated numerically (composite
        Gauss-Legendre over log(1 + τ/β), where the lifetime density is exponential)."""
        self._fitted_params()
        count = as_float_array(n, "n")
        horizon = check_horizon(t)
        if np.any((count < 0) | (count != np.floor(count))):
            raise InputError("n must hold whole numbers >= 0 (numbers of repeat purchases).")
        count, horizon = (np.array(v) for v in np.broadcast_arrays(count, horizon))
        out = np.empty(count.shape)
        for value in np.unique(horizon):
            here = horizon == value
            out[here] = self._prob_n_at(count[here], float(value))
        return out

    def _prob_n_at(self, count: FloatArray, t: float) -> FloatArray:
        r, alpha, s, beta = self._fitted_params()
        front = sc.gammaln(r + count) - sc.gammaln(r) - sc.gammaln(count + 1.0)

        def log_nbd(tau: FloatArray) -> FloatArray:
            """log P(n purchases by τ | alive): counts along rows, times τ > 0 along columns."""
            share = np.log(tau / (alpha + tau))
            return np.asarray(
                front[:, None]
                + count[:, None] * share[None, :]
                + r * np.log(alpha / (alpha + tau)),
                dtype=np.float64,
            )

        if t == 0.0:
            return np.where(count == 0, 1.0, 0.0)
        survived = np.exp(log_nbd(np.array([t]))[:, 0]) * float((beta / (beta + t)) ** s)
        upper = float(np.log1p(t / beta))
        # The NBD probability of n, as a function of log τ, is about 1/√n wide.
        width = 1.0 / np.sqrt(float(count.max(initial=0.0)) + r)
        panels = int(min(200, max(2, np.ceil(upper / width))))
        edges = np.linspace(0.0, upper, panels + 1)
        half = 0.5 * (edges[1:] - edges[:-1])
        v = (((edges[:-1] + edges[1:]) * 0.5)[:, None] + half[:, None] * _NODES[None, :]).ravel()
        w = (half[:, None] * _WEIGHTS[None, :]).ravel()
        density = s * np.exp(-s * v)  # lifetime density in v = log(1 + τ/β)
        died = np.exp(log_nbd(beta * np.expm1(v))) @ (w * density)
        return np.asarray(survived + died, dtype=np.float64)
