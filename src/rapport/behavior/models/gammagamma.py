"""The Gamma-Gamma model of spend per transaction (Colombo & Jiang 1999; Fader, Hardie & Lee
2005, "RFM and CLV: using iso-value curves for customer base analysis").

Each transaction's value is Gamma(p, ν); a customer's ν is Gamma(q, γ). The mean value m of a
customer's x repeat transactions then has density

    f(m | x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q · m^(px−1) · x^(px) / (γ + x·m)^(px+q)

and E[spend | x, m] = (q−1)/(px+q−1) · pγ/(q−1) + px/(px+q−1) · m, a weighted average of the
population mean pγ/(q−1) and the customer's own mean.
"""

from __future__ import annotations

__all__ = ["GammaGammaModel"]

from dataclasses import dataclass
from typing import ClassVar, Self

import numpy as np
import numpy.typing as npt
from scipy import special as sc

from rapport.behavior.models._inputs import (
    FloatArray,
    IntArray,
    as_float_array,
    check_weights,
    value_index,
)
from rapport.behavior.models.base import MaximumLikelihoodModel
from rapport.errors import InputError


@dataclass(frozen=True)
class SpendData:
    """(frequency, mean spend) rows of repeat customers with their weights, and the sums that
    do not depend on the parameters."""

    x: FloatArray
    m: FloatArray
    counts: FloatArray
    x_values: FloatArray
    x_index: IntArray
    x_counts: FloatArray  # customers per distinct frequency
    log_m: FloatArray
    log_x: FloatArray
    xm: FloatArray
    counts_x: FloatArray  # counts · x
    sum_u: float  # Σ counts · x · (log m + log x)
    sum_v: float  # Σ counts · log m


def _check_spend(
    frequency: npt.ArrayLike, monetary_value: npt.ArrayLike, *, for_fit: bool
) -> tuple[FloatArray, FloatArray]:
    x = as_float_array(frequency, "frequency")
    m = as_float_array(monetary_value, "monetary_value")
    if for_fit and x.shape != m.shape:
        raise InputError(
            f"frequency and monetary_value must have one value per customer and the same "
            f"length; got lengths {x.size} and {m.size}."
        )
    try:
        x, m = (np.array(v) for v in np.broadcast_arrays(x, m))
    except ValueError:
        raise InputError(
            f"frequency and monetary_value must have the same length; got shapes "
            f"{x.shape} and {m.shape}."
        ) from None
    bad_x = ~np.isfinite(x) | (x < 0) | (x != np.floor(x))
    if bad_x.any():
        position = int(np.flatnonzero(bad_x.ravel())[0])
        raise InputError(
            f"frequency has {int(bad_x.sum())} values that are not whole numbers >= 0 (first at "
            f"position {position}: {x.ravel()[position]!r})."
        )
    repeat = x > 0
    bad_m = repeat & ~(np.isfinite(m) & (m > 0))
    if bad_m.any():
        position = int(np.flatnonzero(bad_m.ravel())[0])
        raise InputError(
            f"monetary_value must be a positive number for customers with repeat purchases; "
            f"{int(bad_m.sum())} are not (first at position {position}: "
            f"{m.ravel()[position]!r}). Drop customers whose returns cancel their purchases, or "
            "fit spend on gross purchase values."
        )
    return x, m


class GammaGammaModel(MaximumLikelihoodModel[SpendData]):
    """Gamma-Gamma spend model. Parameters p, q, gamma; fitted on customers with at least one
    repeat purchase (the others carry no information on spend and are ignored)."""

    param_names: ClassVar[tuple[str, ...]] = ("p", "q", "gamma")
    _merge_rows: ClassVar[bool] = False  # an evaluation costs less than merging (base.py)

    def fit(
        self,
        frequency: npt.ArrayLike,
        monetary_value: npt.ArrayLike,
        weights: npt.ArrayLike | None = None,
    ) -> Self:
        """Fit to customers' number of repeat purchases and mean value of those purchases;
        rows with frequency 0 are ignored. Returns self."""
        x, m = _check_spend(frequency, monetary_value, for_fit=True)
        w = check_weights(weights, x.size)
        repeat = x > 0
        if not (repeat & (w > 0)).any():
            raise InputError(
                "no customer has a repeat purchase, so spend cannot be modelled: "
                "the Gamma-Gamma model needs customers with frequency > 0."
            )
        return self._fit_rows((x[repeat], m[repeat]), w[repeat])

    def _prepare(self, columns: list[FloatArray], counts: FloatArray) -> SpendData:
        x, m = columns
        x_values, index = value_index(x)
        log_m, log_x = np.log(m), np.log(x)
        return SpendData(
            x=x,
            m=m,
            counts=counts,
            x_values=x_values,
            x_index=index,
            x_counts=np.asarray(
                np.bincount(index, weights=counts, minlength=x_values.size), dtype=np.float64
            ),
            log_m=log_m,
            log_x=log_x,
            xm=x * m,
            counts_x=counts * x,
            sum_u=float(counts @ (x * (log_m + log_x))),
            sum_v=float(counts @ log_m),
        )

    def _initial_params(self, data: SpendData, weights: FloatArray) -> list[FloatArray]:
        mean_m = float(weights @ data.m) / float(weights.sum())
        return [np.array([1.0, 2.0, mean_m])]

    def _log_likelihood(
        self, params: FloatArray, data: SpendData, gradient: bool
    ) -> tuple[FloatArray, FloatArray | None]:
        p, q, gamma = (float(v) for v in params)
        xv = data.x_values
        ix = data.x_index
        front = sc.gammaln(p * xv + q) - sc.gammaln(p * xv) - sc.gammaln(q)
        px = p * data.x
        log_total = np.log(gamma + data.xm)
        ll = (
            front[ix]
            + q * np.log(gamma)
            + (px - 1.0) * data.log_m
            + px * data.log_x
            - (px + q) * log_total
        )
        if not gradient:
            return ll, None
        psi_pxq = sc.digamma(p * xv + q)
        grad = np.empty((ll.size, 3))
        grad[:, 0] = data.x * (
            (psi_pxq - sc.digamma(p * xv))[ix] + data.log_m + data.log_x - log_total
        )
        grad[:, 1] = (psi_pxq - sc.digamma(q))[ix] + np.log(gamma) - log_total
        grad[:, 2] = q / gamma - (px + q) / (gamma + data.xm)
        return ll, grad

    def _weighted_log_likelihood(
        self, params: FloatArray, data: SpendData, counts: FloatArray
    ) -> tuple[float, FloatArray]:
        # Σ counts·ll = Σ_x n_x·front(x) + N q log γ + p Σu − Σv − Σ counts (px+q) log(γ+xm):
        # only log(γ + x·m) and 1/(γ + x·m) are computed per row.
        p, q, gamma = (float(v) for v in params)
        xv = data.x_values
        n_total = float(data.x_counts.sum())
        front = sc.gammaln(p * xv + q) - sc.gammaln(p * xv) - sc.gammaln(q)
        log_total = np.log(gamma + data.xm)
        inverse = 1.0 / (gamma + data.xm)
        cx_log, c_log = float(data.counts_x @ log_total), float(counts @ log_total)
        value = (
            float(data.x_counts @ front)
            + n_total * q * np.log(gamma)
            + p * data.sum_u
            - data.sum_v
            - p * cx_log
            - q * c_log
        )
        psi_pxq = sc.digamma(p * xv + q)
        grad = np.array(
            [
                float((data.x_counts * xv) @ (psi_pxq - sc.digamma(p * xv))) + data.sum_u - cx_log,
                float(data.x_counts @ (psi_pxq - sc.digamma(q))) + n_total * np.log(gamma) - c_log,
                n_total * q / gamma
                - p * float(data.counts_x @ inverse)
                - q * float(counts @ inverse),
            ]
        )
        return float(value), grad

    def expected_spend(self, frequency: npt.ArrayLike, monetary_value: npt.ArrayLike) -> FloatArray:
        """Expected value of each customer's future transactions given their number of repeat
        purchases and those purchases' mean value (ignored where frequency is 0, which gets the
        population mean pγ/(q−1)); infinite where that mean does not exist (q ≤ 1)."""
        p, q, gamma = self._fitted_params()
        x, m = _check_spend(frequency, monetary_value, for_fit=False)
        own = np.where(x > 0, x * m, 0.0)
        denominator = p * x + q - 1.0
        with np.errstate(divide="ignore"):
            value = np.where(denominator > 0, p * (gamma + own) / denominator, np.inf)
        return np.asarray(value, dtype=np.float64)
