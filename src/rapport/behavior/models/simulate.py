"""Customers simulated from the BTYD models with known parameters, for tests and benchmarks.

Each function draws one customer per element of T (the time from their first purchase to the
end of observation) and returns their frequency (repeat purchases) and recency (time of the
last repeat purchase, 0 without one), exactly as the models assume.
"""

from __future__ import annotations

__all__ = ["simulate_bgnbd", "simulate_gamma_gamma", "simulate_paretonbd"]

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _counts_and_last(
    rate: FloatArray, window: FloatArray, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Poisson(rate·window) events on [0, window]: their number and the time of the last."""
    n = rng.poisson(rate * window).astype(np.float64)
    last = np.where(n > 0, window * rng.random(n.shape) ** (1.0 / np.maximum(n, 1.0)), 0.0)
    return n, last


def simulate_bgnbd(
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: npt.ArrayLike,
    rng: np.random.Generator,
    *,
    modified: bool = False,
) -> tuple[FloatArray, FloatArray]:
    """(frequency, recency) of customers from BG/NBD, or MBG/NBD when modified is True."""
    t_cal = np.asarray(T, dtype=np.float64)
    rate = rng.gamma(r, 1.0 / alpha, t_cal.shape)
    p = np.clip(rng.beta(a, b, t_cal.shape), 1e-12, 1.0)
    # Number of repeat purchases made before dropping out (MBG/NBD: may be 0).
    last_purchase = rng.geometric(p).astype(np.float64) - (1.0 if modified else 0.0)
    n = rng.poisson(rate * t_cal).astype(np.float64)
    died = last_purchase <= n
    x = np.where(died, last_purchase, n)
    # The j-th of n uniform purchase times on [0, T] is T·Beta(j, n−j+1).
    j = np.maximum(x, 1.0)
    order = rng.beta(j, np.maximum(n - j + 1.0, 1.0))
    recency = np.where(x > 0, t_cal * order, 0.0)
    return x, recency


def simulate_paretonbd(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    T: npt.ArrayLike,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """(frequency, recency) of customers from Pareto/NBD."""
    t_cal = np.asarray(T, dtype=np.float64)
    rate = rng.gamma(r, 1.0 / alpha, t_cal.shape)
    death_rate = rng.gamma(s, 1.0 / beta, t_cal.shape)
    lifetime = rng.exponential(1.0, t_cal.shape) / death_rate
    return _counts_and_last(rate, np.minimum(lifetime, t_cal), rng)


def simulate_gamma_gamma(
    frequency: npt.ArrayLike,
    p: float,
    q: float,
    gamma: float,
    rng: np.random.Generator,
) -> FloatArray:
    """Mean value of each customer's repeat purchases under Gamma-Gamma (0 without one)."""
    x = np.asarray(frequency, dtype=np.float64)
    nu = rng.gamma(q, 1.0 / gamma, x.shape)
    mean = rng.gamma(np.maximum(p * x, 1e-12), 1.0 / (np.maximum(x, 1.0) * nu))
    return np.where(x > 0, mean, 0.0)
