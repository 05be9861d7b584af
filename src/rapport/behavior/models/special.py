"""Special functions the BTYD models need: a stable, vectorised Gauss hypergeometric function.

`hyp2f1(a, b, c, z)` evaluates ₂F₁(a, b; c; z) for real parameters and 0 ≤ z < 1, element-wise
over broadcast arrays. It sums the Maclaurin series where that converges in a few hundred terms
and uses the connection formula that maps z to 1 − z elsewhere (z close to 1). Where c − a − b
is within `_GAP_DELTA` of an integer (where that formula has a removable singularity) the value
is interpolated (cubic, through c − a − b = m ± δ, m ± 3δ with δ = `_GAP_DELTA`).

Call sites arrange their arguments (Euler's transformation) so that the numerator
parameters stay small: large parameters, such as a customer's frequency of 1000, only ever
appear in c, where they make the series converge faster, never overflow.
"""

from __future__ import annotations

__all__ = ["expm1_ratio", "hyp2f1", "hyp2f1_unit"]

import numpy as np
import numpy.typing as npt
from scipy import special as sc

FloatArray = npt.NDArray[np.float64]

_EPS = 1e-16
_DIRECT_TERMS = 400
_SHORT_TERMS = 64
_NEAR_ONE = 0.9
_FALLBACK_TERMS = 500_000
_GAP_DELTA = 1e-4
_CANCELLATION = 1e4


def _series(
    a: FloatArray, b: FloatArray, c: FloatArray, z: FloatArray, max_terms: int
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Partial sums of the ₂F₁ Maclaurin series and whether each converged within max_terms.

    A row stops once the geometric bound on its remaining terms is below 1e-16 of its sum
    (checked every fourth term).
    """
    n_rows = a.shape[0]
    total = np.ones(n_rows)
    converged = np.zeros(n_rows, dtype=bool)
    if n_rows == 0:
        return total, converged
    # Past n_min every Pochhammer factor keeps its sign, so the tail bound below holds.
    n_min = np.ceil(np.maximum.reduce([np.zeros(n_rows), -a, -b, -c])) + 1.0
    growth = np.maximum(a + b - c - 1.0, 0.0)
    active = np.arange(n_rows)
    a_n, b_n, c_n = a.copy(), b.copy(), c.copy()  # a+n, b+n, c+n
    zz, nmin, gg = z, n_min, growth
    term = np.ones(n_rows)
    sums = np.ones(n_rows)
    ratio = np.empty(n_rows)
    for n in range(max_terms):
        np.multiply(a_n, b_n, out=ratio)
        ratio /= c_n
        ratio *= zz
        ratio *= 1.0 / (n + 1.0)
        term *= ratio
        sums += term
        a_n += 1.0
        b_n += 1.0
        c_n += 1.0
        if n % 4 != 3:
            continue
        # Later ratios approach z (from above by at most z·growth/n): bound the tail.
        rho = np.maximum(np.abs(ratio), zz * (1.0 + gg / (n + 1.0)))
        with np.errstate(divide="ignore", invalid="ignore"):
            tail = np.where(rho < 1.0, np.abs(term) * rho / (1.0 - rho), np.inf)
        done = ((n + 1 >= nmin) & (tail <= _EPS * np.abs(sums))) | (term == 0.0)
        if done.any():
            total[active[done]] = sums[done]
            converged[active[done]] = True
            keep = ~done
            active = active[keep]
            if active.size == 0:
                break
            a_n, b_n, c_n, zz = a_n[keep], b_n[keep], c_n[keep], zz[keep]
            nmin, gg, term, sums = nmin[keep], gg[keep], term[keep], sums[keep]
            ratio = np.empty(active.size)
    if active.size:
        total[active] = sums
    return total, converged


def _gamma_ratio(numerator: list[FloatArray], denominator: list[FloatArray]) -> FloatArray:
    """Π Γ(numerator) / Π Γ(denominator), zero where a denominator argument is a pole."""
    log_abs = np.zeros_like(numerator[0])
    sign = np.ones_like(numerator[0])
    pole = np.zeros(numerator[0].shape, dtype=bool)
    for x in numerator:
        log_abs = log_abs + sc.gammaln(x)
        sign = sign * sc.gammasgn(x)
    for x in denominator:
        at_pole = (x <= 0.0) & (x == np.floor(x))
        pole |= at_pole
        safe = np.where(at_pole, 0.5, x)
        log_abs = log_abs - sc.gammaln(safe)
        sign = sign * sc.gammasgn(safe)
    return np.where(pole, 0.0, sign * np.exp(log_abs))


def _connection(a: FloatArray, b: FloatArray, c: FloatArray, z: FloatArray) -> FloatArray:
    """₂F₁ through the z → 1 − z connection formula (c − a − b must not be an integer)."""
    w = 1.0 - z
    gap = c - a - b
    first, ok1 = _series(a, b, 1.0 - gap, w, _DIRECT_TERMS)
    second, ok2 = _series(c - a, c - b, 1.0 + gap, w, _DIRECT_TERMS)
    coef1 = _gamma_ratio([c, gap], [c - a, c - b])
    coef2 = _gamma_ratio([c, -gap], [a, b])
    part1 = coef1 * first
    part2 = coef2 * np.exp(gap * np.log(w)) * second
    value = part1 + part2
    # Heavy cancellation between the two parts loses digits: report failure instead.
    reliable = ok1 & ok2 & (np.abs(part1) + np.abs(part2) <= _CANCELLATION * np.abs(value))
    return np.where(reliable, value, np.nan)


def _near_one(a: FloatArray, b: FloatArray, c: FloatArray, z: FloatArray) -> FloatArray:
    """₂F₁ for z close to 1, interpolating across integer values of c − a − b."""
    gap = c - a - b
    nearest = np.round(gap)
    near_integer = np.abs(gap - nearest) < _GAP_DELTA
    out = np.empty_like(a)
    plain = ~near_integer
    if plain.any():
        out[plain] = _connection(a[plain], b[plain], c[plain], z[plain])
    if near_integer.any():
        # Cubic Lagrange interpolation in c through gaps m ± δ and m ± 3δ.
        ai, bi, zi = a[near_integer], b[near_integer], z[near_integer]
        centre = ai + bi + nearest[near_integer]
        offset = (c[near_integer] - centre) / _GAP_DELTA
        nodes = (-3.0, -1.0, 1.0, 3.0)
        value = np.zeros_like(ai)
        for j, node in enumerate(nodes):
            weight = np.ones_like(ai)
            for k, other in enumerate(nodes):
                if k != j:
                    weight = weight * (offset - other) / (node - other)
            value = value + weight * _connection(ai, bi, centre + node * _GAP_DELTA, zi)
        out[near_integer] = value
    return out


def hyp2f1(a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike, z: npt.ArrayLike) -> FloatArray:
    """Gauss hypergeometric function ₂F₁(a, b; c; z), element-wise, for real a, b, c and
    0 ≤ z < 1; NaN outside that domain or where c is a non-positive integer."""
    return _hyp2f1(a, b, c, z, try_series=True)


def _hyp2f1(
    a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike, z: npt.ArrayLike, try_series: bool
) -> FloatArray:
    """`hyp2f1`; with try_series False, rows go straight to the connection formula (for rows
    already known to converge slowly)."""
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, c, z)))
    shape = arrays[0].shape
    fa, fb, fc, fz = (np.array(v, dtype=np.float64).ravel() for v in arrays)
    out = np.full(fa.shape, np.nan)
    finite = np.isfinite(fa) & np.isfinite(fb) & np.isfinite(fc) & np.isfinite(fz)
    c_pole = (fc <= 0.0) & (fc == np.floor(fc))
    valid = finite & ~c_pole & (fz >= 0.0) & (fz < 1.0)
    slow_parts = [np.flatnonzero(valid)] if not try_series else []
    if try_series:
        # Near z = 1 the series gets a short try only: the connection formula is quicker there.
        for rows, budget in (
            (np.flatnonzero(valid & (fz <= _NEAR_ONE)), _DIRECT_TERMS),
            (np.flatnonzero(valid & (fz > _NEAR_ONE)), _SHORT_TERMS),
        ):
            values, done = _series(fa[rows], fb[rows], fc[rows], fz[rows], budget)
            out[rows[done]] = values[done]
            slow_parts.append(rows[~done])
    slow = np.concatenate(slow_parts)
    if slow.size:
        near = _near_one(fa[slow], fb[slow], fc[slow], fz[slow])
        good = np.isfinite(near)
        out[slow[good]] = near[good]
        last = slow[~good]
        if last.size:
            values, _ = _series(fa[last], fb[last], fc[last], fz[last], _FALLBACK_TERMS)
            out[last] = values
    return out.reshape(shape)


def expm1_ratio(k: npt.ArrayLike, x: npt.ArrayLike) -> FloatArray:
    """(1 − e^(−k·x)) / k, continuous at k = 0 where it equals x (element-wise)."""
    kk, xx = np.broadcast_arrays(np.asarray(k, dtype=np.float64), np.asarray(x, dtype=np.float64))
    tiny = np.abs(kk * xx) < 1e-8
    with np.errstate(divide="ignore", invalid="ignore"):
        general = -np.expm1(-kk * xx) / kk
    series = xx * (1.0 - 0.5 * kk * xx)
    return np.asarray(np.where(tiny, series, general), dtype=np.float64)


def hyp2f1_unit(
    b: npt.ArrayLike, c: npt.ArrayLike, z: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """₂F₁(1, b; c; z) and its partial derivatives in b, c and z, element-wise, for
    0 < b < c and 0 ≤ z < 1 (where every term of the series is positive).

    Where the series is slow (z close to 1) the value comes from `hyp2f1`, the z-derivative
    from its closed form and the b- and c-derivatives from central differences (step 1e-5).
    """
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (b, c, z)))
    shape = arrays[0].shape
    fb, fc, fz = (np.array(v, dtype=np.float64).ravel() for v in arrays)
    n_rows = fb.size
    value = np.ones(n_rows)
    d_b = np.zeros(n_rows)
    d_c = np.zeros(n_rows)
    d_z = np.zeros(n_rows)
    done = np.zeros(n_rows, dtype=bool)
    active = np.arange(n_rows)
    b_n, c_n, zz = fb.copy(), fc.copy(), fz.copy()
    term = np.ones(n_rows)
    sums, sum_b, sum_c, sum_z = (
        np.ones(n_rows),
        np.zeros(n_rows),
        np.zeros(n_rows),
        np.zeros(n_rows),
    )
    harmonic_b, harmonic_c = np.zeros(n_rows), np.zeros(n_rows)
    for n in range(_DIRECT_TERMS):
        harmonic_b += 1.0 / b_n
        harmonic_c += 1.0 / c_n
        ratio = b_n / c_n
        sum_z += (n + 1.0) * term * ratio  # (n+1)·t_(n+1)/z
        term *= ratio * zz
        sums += term
        sum_b += term * harmonic_b
        sum_c -= term * harmonic_c
        b_n += 1.0
        c_n += 1.0
        if n % 4 != 3:
            continue
        rho = np.maximum(ratio * zz, zz)
        scale = np.maximum(n + 2.0, np.maximum(harmonic_b, harmonic_c) + 1.0)
        finished = (term * scale * rho <= _EPS * sums * (1.0 - rho) ** 2) | (term == 0.0)
        # Near z = 1 the series gets a short try only: the connection formula is quicker there.
        give_up = ~finished & (zz > _NEAR_ONE) if n + 1 >= _SHORT_TERMS else finished & False
        if finished.any() or give_up.any():
            rows = active[finished]
            value[rows], d_b[rows], d_c[rows], d_z[rows] = (
                sums[finished],
                sum_b[finished],
                sum_c[finished],
                sum_z[finished],
            )
            done[rows] = True
            keep = ~(finished | give_up)
            active = active[keep]
            if active.size == 0:
                break
            b_n, c_n, zz, term = b_n[keep], c_n[keep], zz[keep], term[keep]
            sums, sum_b, sum_c, sum_z = sums[keep], sum_b[keep], sum_c[keep], sum_z[keep]
            harmonic_b, harmonic_c = harmonic_b[keep], harmonic_c[keep]
    slow = np.flatnonzero(~done)
    if slow.size:
        sb, sc_, sz = fb[slow], fc[slow], fz[slow]
        hb = 1e-5 * np.maximum(sb, 1.0)
        hc = 1e-5 * np.maximum(sc_, 1.0)
        # One call for the value, the z-derivative and the four shifted values.
        stacked = _hyp2f1(
            np.concatenate([np.ones(5 * slow.size), np.full(slow.size, 2.0)]),
            np.concatenate([sb, sb + hb, sb - hb, sb, sb, sb + 1.0]),
            np.concatenate([sc_, sc_, sc_, sc_ + hc, sc_ - hc, sc_ + 1.0]),
            np.tile(sz, 6),
            try_series=False,
        ).reshape(6, slow.size)
        value[slow] = stacked[0]
        d_b[slow] = (stacked[1] - stacked[2]) / (2 * hb)
        d_c[slow] = (stacked[3] - stacked[4]) / (2 * hc)
        d_z[slow] = sb / sc_ * stacked[5]
    return (
        value.reshape(shape),
        d_b.reshape(shape),
        d_c.reshape(shape),
        d_z.reshape(shape),
    )
