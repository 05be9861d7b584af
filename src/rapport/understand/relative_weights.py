"""Johnson's relative weights of a linear model, with bootstrap draws, in numpy.

Johnson (2000) splits the R² of a least-squares regression among correlated predictors:
with R the predictors' correlation matrix and r their correlations with the outcome, the
predictors are replaced by their closest orthogonal counterparts Z = X R^(-1/2); the outcome's
regression on Z has standardised coefficients β = R^(-1/2) r, and predictor j's weight is
Σ_k (R^(1/2))_jk² β_k². The weights are non-negative and add up to the model's R².

Rules:
- Predictors may be a scipy sparse matrix (binary mentions are mostly zeros); all the work is
  done on p × p cross-products, so rows cost little.
- `groups` (optional integer codes) absorb a fixed effect per group: predictors and outcome are
  centred within each group, so R² and the weights are those of the within-group model (the
  coefficients equal those of a regression with one dummy per group).
- A predictor with no variance (in the data or in a bootstrap resample) gets weight 0 and
  coefficient 0; a singular R is handled with its pseudo-inverse.
- The bootstrap resamples rows with replacement (multinomial counts as row weights), seeded.
"""

from __future__ import annotations

__all__ = [
    "Draws",
    "Fit",
    "bootstrap_weights",
    "percentile_interval",
    "relative_weights",
]

from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Matrix: TypeAlias = npt.ArrayLike | sp.spmatrix | sp.sparray

_TOL = 1e-10


@dataclass(frozen=True)
class Fit:
    """One regression: relative weights (adding up to `r2`), unstandardised coefficients,
    the weighted mean of each predictor, and the number of rows."""

    weights: FloatArray
    coef: FloatArray
    means: FloatArray
    r2: float
    n: int


@dataclass(frozen=True)
class Draws:
    """Bootstrap draws, one row per resample: weights, coefficients, predictor means, R²."""

    weights: FloatArray
    coef: FloatArray
    means: FloatArray
    r2: FloatArray


def _as_sparse(x: Matrix) -> sp.csr_matrix:
    return sp.csr_matrix(x, dtype=np.float64)


def _group_codes(groups: npt.ArrayLike | None, n: int) -> IntArray:
    if groups is None:
        return np.zeros(n, dtype=np.int64)
    codes = np.unique(np.asarray(groups), return_inverse=True)[1].astype(np.int64)
    if codes.shape[0] != n:
        raise ValueError(f"groups has {codes.shape[0]} values for {n} rows")
    return codes


def _scatter(
    x: sp.csr_matrix, y: FloatArray, g: IntArray, w: FloatArray
) -> tuple[FloatArray, FloatArray, float, FloatArray]:
    """Within-group weighted scatter matrices Sxx, Sxy, Syy and the predictors' means."""
    k = int(g.max()) + 1 if g.size else 1
    members = sp.csr_matrix((w, (g, np.arange(g.size))), shape=(k, g.size))  # k × n, weighted
    wx = sp.diags(w) @ x
    sxx = np.asarray((x.T @ wx).todense(), dtype=np.float64)
    sxy = np.asarray(wx.T @ y, dtype=np.float64).ravel()
    syy = float(w @ (y * y))
    sw = np.asarray(members.sum(axis=1), dtype=np.float64).ravel()
    gx = np.asarray((members @ x).todense(), dtype=np.float64)  # k × p weighted sums
    gy = np.asarray(members @ y, dtype=np.float64).ravel()
    return _within_groups(sxx, sxy, syy, sw, gx, gy)


def _within_groups(
    sxx: FloatArray, sxy: FloatArray, syy: float, sw: FloatArray, gx: FloatArray,
    gy: FloatArray,
) -> tuple[FloatArray, FloatArray, float, FloatArray]:
    """Raw weighted scatter made within-group (each group's weighted means taken out), and
    the predictors' overall means: `sw`, `gx`, `gy` are each group's weight and weighted
    sums of the predictors and of y."""
    used = sw > 0
    inv = 1.0 / sw[used]
    sxx -= (gx[used].T * inv) @ gx[used]
    sxy -= gx[used].T @ (gy[used] * inv)
    syy -= float(np.sum(gy[used] ** 2 * inv))
    total = float(sw.sum())
    means = gx.sum(axis=0) / total if total > 0 else np.zeros(gx.shape[1])
    return sxx, sxy, syy, means


_PLAN_PAIRS = 40_000_000  # most row pairs a precomputed plan may hold (about 0.5 GB)


class _ScatterPlan:
    """`_scatter` for one predictor matrix and many row weights (the bootstrap): the
    products of each row's nonzero predictors, the rows' group-predictor cells and the
    transposed predictors are laid out once as sparse matrices, so that each resample is
    three sparse matrix-vector products and two bincounts instead of sparse matrix
    products built anew."""

    def __init__(self, x: sp.csr_matrix, y: FloatArray, g: IntArray) -> None:
        x = sp.csr_matrix(x, copy=True)
        x.sum_duplicates()
        indices = x.indices.astype(np.int64)
        n, p = x.shape
        self.n, self.p, self.y, self.g = n, p, y, g
        self.k = int(g.max()) + 1 if g.size else 1
        per_row = np.diff(x.indptr).astype(np.int64)
        rows = np.repeat(np.arange(n, dtype=np.int64), per_row)
        # Every ordered pair (j1, j2) of a row's nonzeros: Σ_i w_i x_ij1 x_ij2 is Sxx.
        squares = per_row * per_row
        pair_row = np.repeat(np.arange(n, dtype=np.int64), squares)
        first = np.repeat(x.indptr[:-1].astype(np.int64), squares)
        width = np.repeat(per_row, squares)
        offset = np.arange(pair_row.size, dtype=np.int64) - np.repeat(
            np.cumsum(squares) - squares, squares)
        e1, e2 = first + offset // np.maximum(width, 1), first + offset % np.maximum(width, 1)
        self.pairs_t = sp.csr_matrix(
            (x.data[e1] * x.data[e2], (indices[e1] * p + indices[e2], pair_row)),
            shape=(p * p, n))
        self.x_t = sp.csr_matrix(x.T)
        self.cells_t = sp.csr_matrix(
            (x.data, (g[rows] * p + indices, rows)), shape=(self.k * p, n))

    @staticmethod
    def fits(x: sp.csr_matrix) -> bool:
        per_row = np.diff(x.indptr).astype(np.int64)
        return int(per_row @ per_row) <= _PLAN_PAIRS

    def scatter(self, w: FloatArray) -> tuple[FloatArray, FloatArray, float, FloatArray]:
        """The same as `_scatter(x, y, g, w)`."""
        y, g, p, k = self.y, self.g, self.p, self.k
        sxx = np.asarray(self.pairs_t @ w, dtype=np.float64).reshape(p, p)
        wy = w * y
        sxy = np.asarray(self.x_t @ wy, dtype=np.float64)
        syy = float(wy @ y)
        sw = np.bincount(g, weights=w, minlength=k).astype(np.float64)
        gx = np.asarray(self.cells_t @ w, dtype=np.float64).reshape(k, p)
        gy = np.bincount(g, weights=wy, minlength=k).astype(np.float64)
        return _within_groups(sxx, sxy, syy, sw, gx, gy)


def _solve(sxx: FloatArray, sxy: FloatArray, syy: float) -> tuple[FloatArray, FloatArray, float]:
    """Relative weights, unstandardised coefficients and R² from scatter matrices."""
    p = sxy.shape[0]
    weights, coef = np.zeros(p), np.zeros(p)
    sd = np.sqrt(np.clip(np.diag(sxx), 0.0, None))
    scale = max(float(sd.max(initial=0.0)), 1.0)
    ok = sd > _TOL * scale
    if syy <= _TOL or not ok.any():
        return weights, coef, 0.0
    s = sd[ok]
    corr = sxx[np.ix_(ok, ok)] / np.outer(s, s)
    r = sxy[ok] / (s * np.sqrt(syy))
    evals, evecs = np.linalg.eigh((corr + corr.T) / 2)
    evals = np.clip(evals, 0.0, None)
    keep = evals > _TOL * max(float(evals.max()), 1.0)
    half = (evecs * np.sqrt(evals)) @ evecs.T  # R^(1/2)
    inv_half = (evecs[:, keep] / np.sqrt(evals[keep])) @ evecs[:, keep].T  # R^(-1/2)
    beta = inv_half @ r
    weights[ok] = (half**2) @ (beta**2)
    std_coef = (evecs[:, keep] / evals[keep]) @ (evecs[:, keep].T @ r)  # R^-1 r
    coef[ok] = std_coef * np.sqrt(syy) / s
    return weights, coef, float(weights.sum())


def relative_weights(
    x: Matrix, y: npt.ArrayLike, groups: npt.ArrayLike | None = None
) -> Fit:
    """Johnson's relative weights of the least-squares regression of `y` on the columns of
    `x` (with an intercept, or one per group when `groups` is given)."""
    xs = _as_sparse(x)
    yv = np.asarray(y, dtype=np.float64)
    n = yv.shape[0]
    if xs.shape[0] != n:
        raise ValueError(f"x has {xs.shape[0]} rows and y {n}")
    g = _group_codes(groups, n)
    sxx, sxy, syy, means = _scatter(xs, yv, g, np.ones(n))
    weights, coef, r2 = _solve(sxx, sxy, syy)
    return Fit(weights=weights, coef=coef, means=means, r2=r2, n=n)


def bootstrap_weights(
    x: Matrix,
    y: npt.ArrayLike,
    groups: npt.ArrayLike | None = None,
    *,
    n_boot: int = 200,
    seed: int = 0,
) -> Draws:
    """`n_boot` bootstrap resamples of the rows (with replacement), each refitted."""
    xs = _as_sparse(x)
    yv = np.asarray(y, dtype=np.float64)
    n, p = yv.shape[0], xs.shape[1]
    g = _group_codes(groups, n)
    rng = np.random.default_rng(seed)
    out_w, out_c, out_m = np.zeros((n_boot, p)), np.zeros((n_boot, p)), np.zeros((n_boot, p))
    out_r2 = np.zeros(n_boot)
    plan = _ScatterPlan(xs, yv, g) if _ScatterPlan.fits(xs) else None
    for b in range(n_boot):
        w = np.bincount(rng.integers(0, n, n), minlength=n).astype(np.float64)
        sxx, sxy, syy, means = plan.scatter(w) if plan else _scatter(xs, yv, g, w)
        out_w[b], out_c[b], out_r2[b] = _solve(sxx, sxy, syy)
        out_m[b] = means
    return Draws(weights=out_w, coef=out_c, means=out_m, r2=out_r2)


def percentile_interval(
    draws: FloatArray, confidence: float
) -> tuple[FloatArray, FloatArray]:
    """Bootstrap percentile interval of each column of `draws` (resamples × statistics)."""
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail], axis=0)
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
