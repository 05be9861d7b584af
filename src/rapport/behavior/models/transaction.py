"""What the transaction models (BG/NBD, MBG/NBD, Pareto/NBD) share: the `time_unit` setting,
`fit(frequency, recency, T, weights)` and the names of their predictions."""

from __future__ import annotations

__all__ = ["TransactionModel"]

import abc
from typing import Self

import numpy as np
import numpy.typing as npt

from rapport.behavior.models._inputs import (
    FloatArray,
    check_customers,
    check_time_unit,
    check_weights,
    unique_rows,
)
from rapport.behavior.models.base import DataT, MaximumLikelihoodModel


class TransactionModel(MaximumLikelihoodModel[DataT]):
    """A model of repeat purchases in continuous time (BG/NBD, MBG/NBD, Pareto/NBD).

    `time_unit` ("days", "weeks", "months" or "years") is the unit of recency, T and every
    horizon t given to or returned by the model; CLV converts other units to it explicitly.
    """

    def __init__(
        self,
        penalizer: float = 0.0,
        time_unit: str = "weeks",
        tol: float = 1e-8,
        max_iter: int = 1000,
    ) -> None:
        self.penalizer = penalizer
        self.time_unit = time_unit
        self.tol = tol
        self.max_iter = max_iter

    def _check_settings(self) -> None:
        super()._check_settings()
        check_time_unit(self.time_unit)

    def fit(
        self,
        frequency: npt.ArrayLike,
        recency: npt.ArrayLike,
        T: npt.ArrayLike,
        weights: npt.ArrayLike | None = None,
    ) -> Self:
        """Fit to customers' repeat-purchase frequency, recency and age T (all in `time_unit`);
        `weights` gives how many customers each row stands for. Returns self."""
        x, t_x, t_cal = check_customers(frequency, recency, T, for_fit=True)
        return self._fit_rows((x, t_x, t_cal), check_weights(weights, x.size))

    def _initial_params(self, data: DataT, weights: FloatArray) -> list[FloatArray]:
        return []

    def _discounted_purchases(
        self,
        times: FloatArray,
        discounts: FloatArray,
        x: FloatArray,
        t_x: FloatArray,
        t_cal: FloatArray,
    ) -> FloatArray:
        """Σ_i discounts[i] · (E[Y(times[i])] − E[Y(times[i−1])]) per customer (times[−1] = 0),
        for customers given as validated 1-D arrays; computed once per distinct customer.
        Models may override it for speed."""
        (ux, utx, ut), inverse = unique_rows(x, t_x, t_cal)
        total = np.zeros(ux.shape)
        previous = np.zeros(ux.shape)
        for t_i, discount in zip(times, discounts, strict=True):
            cumulative = self.expected_purchases(t_i, ux, utx, ut)
            total += discount * (cumulative - previous)
            previous = cumulative
        return np.asarray(total[inverse], dtype=np.float64)

    @abc.abstractmethod
    def expected_purchases(
        self,
        t: npt.ArrayLike,
        frequency: npt.ArrayLike,
        recency: npt.ArrayLike,
        T: npt.ArrayLike,
    ) -> FloatArray:
        """Expected number of purchases in the next t time units of each customer, given their
        frequency, recency and T."""

    @abc.abstractmethod
    def expected_purchases_unconditional(self, t: npt.ArrayLike) -> FloatArray:
        """E[X(t)]: expected repeat purchases in the first t time units of a new customer."""

    @abc.abstractmethod
    def prob_alive(
        self, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike
    ) -> FloatArray:
        """Probability that each customer is still active at the end of their T."""

    @abc.abstractmethod
    def prob_n_purchases(self, n: npt.ArrayLike, t: npt.ArrayLike) -> FloatArray:
        """P(X(t) = n): probability that a new customer makes n repeat purchases in t."""
