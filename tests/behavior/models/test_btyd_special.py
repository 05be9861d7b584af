"""The Gauss hypergeometric function and helpers in special.py, against mpmath."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from scipy import special as sc

from rapport.behavior.models.special import expm1_ratio, hyp2f1, hyp2f1_unit

mpmath.mp.dps = 40


def reference(a: float, b: float, c: float, z: float) -> float:
    return float(mpmath.hyp2f1(mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(c), mpmath.mpf(z)))


def test_hyp2f1_matches_mpmath_across_the_domain() -> None:
    rng = np.random.default_rng(11)
    n = 400
    a = rng.uniform(-2.0, 3.0, n)
    b = rng.uniform(-1.0, 3.0, n)
    c = rng.uniform(0.05, 20.0, n)
    z = 1.0 - 10.0 ** rng.uniform(-6.0, 0.0, n)  # many close to 1: the connection formula
    z[:100] = rng.uniform(0.0, 0.9, 100)
    # c - a - b within 2e-4 of an integer: the interpolated removable singularity.
    gap = rng.integers(-2, 3, 80) + rng.uniform(-2e-4, 2e-4, 80)
    c[100:180] = np.abs(a[100:180] + b[100:180] + gap) + 0.05
    got = hyp2f1(a, b, c, z)
    expected = np.array([reference(*args) for args in zip(a, b, c, z, strict=True)])
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_hyp2f1_with_large_parameters_and_z_near_one() -> None:
    rng = np.random.default_rng(12)
    n = 150
    a = rng.uniform(-3.0, 30.0, n)
    b = rng.uniform(0.0, 30.0, n)
    c = 10.0 ** rng.uniform(-1.0, 3.7, n)
    z = 1.0 - 10.0 ** rng.uniform(-5.0, 0.0, n)
    got = hyp2f1(a, b, c, z)
    expected = np.array([reference(*args) for args in zip(a, b, c, z, strict=True)])
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_hyp2f1_agrees_with_scipy_where_scipy_is_reliable() -> None:
    rng = np.random.default_rng(13)
    a, b = rng.uniform(0.1, 3.0, (2, 200))
    c = rng.uniform(0.5, 5.0, 200)
    z = rng.uniform(0.0, 0.5, 200)
    np.testing.assert_allclose(hyp2f1(a, b, c, z), sc.hyp2f1(a, b, c, z), rtol=1e-12)


def test_hyp2f1_edges() -> None:
    assert hyp2f1(1.5, 2.5, 3.0, 0.0) == 1.0
    np.testing.assert_allclose(hyp2f1(-2.0, 1.0, 1.0, 0.5), 0.25)  # a polynomial: (1-z)^2
    assert np.isnan(hyp2f1(1.0, 1.0, 1.0, 1.0))  # outside 0 <= z < 1
    assert np.isnan(hyp2f1(1.0, 1.0, -2.0, 0.5))  # c a pole
    assert np.isnan(hyp2f1(1.0, 1.0, 2.0, -0.5))
    assert hyp2f1(np.ones((2, 3)), 1.0, 2.0, 0.5).shape == (2, 3)


def test_hyp2f1_unit_value_and_derivatives() -> None:
    rng = np.random.default_rng(14)
    n = 60
    b = 10.0 ** rng.uniform(-1.0, 3.0, n)
    c = b + 10.0 ** rng.uniform(-1.0, 1.5, n)
    z = rng.uniform(0.0, 1.0, n)
    z[:15] = 1.0 - 10.0 ** rng.uniform(-5.0, -1.5, 15)
    value, d_b, d_c, d_z = hyp2f1_unit(b, c, z)
    for i in range(n):
        bb, cc, zz = (mpmath.mpf(v) for v in (b[i], c[i], z[i]))

        def f(u: mpmath.mpf, v: mpmath.mpf, w: mpmath.mpf) -> mpmath.mpf:
            return mpmath.hyp2f1(1, u, v, w)

        assert value[i] == pytest.approx(float(f(bb, cc, zz)), rel=1e-9)
        assert d_z[i] == pytest.approx(
            float(mpmath.diff(lambda w, b=bb, c=cc: f(b, c, w), zz)), rel=1e-8
        )
        # Series rows are exact; rows near z = 1 use central differences.
        tolerance = 1e-9 if z[i] < 0.9 else 1e-4
        assert d_b[i] == pytest.approx(
            float(mpmath.diff(lambda u, c=cc, w=zz: f(u, c, w), bb)), rel=tolerance
        )
        assert d_c[i] == pytest.approx(
            float(mpmath.diff(lambda v, b=bb, w=zz: f(b, v, w), cc)), rel=tolerance
        )


def test_expm1_ratio_is_continuous_at_zero() -> None:
    x = np.array([0.5, 2.0, 10.0])
    np.testing.assert_allclose(expm1_ratio(0.0, x), x)
    np.testing.assert_allclose(expm1_ratio(1e-12, x), x, rtol=1e-10)
    np.testing.assert_allclose(expm1_ratio(0.7, x), (1 - np.exp(-0.7 * x)) / 0.7, rtol=1e-14)
    np.testing.assert_allclose(expm1_ratio(-0.4, x), (1 - np.exp(0.4 * x)) / -0.4, rtol=1e-14)
