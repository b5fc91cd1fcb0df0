"""Batched exact NNLS (support enumeration) against scipy's active-set NNLS."""

import numpy as np
import pytest
from scipy.optimize import nnls

from scalewatch.fitting._nnls import batched_lstsq


def _rss(A, b, c):
    r = b - np.einsum("gnm,gm->gn", A, c)
    return np.einsum("gn,gn->g", r, r)


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5])
def test_matches_scipy_nnls_on_random_problems(m):
    rng = np.random.default_rng(m)
    G, n = 200, 30
    A = rng.normal(size=(G, n, m)) * rng.lognormal(0, 2, size=(G, 1, m))  # columns on very different scales
    b = rng.normal(size=(G, n))
    coef = batched_lstsq(A, b)
    ref = np.stack([nnls(A[g], b[g])[0] for g in range(G)])
    assert np.all(coef >= 0)
    assert np.allclose(_rss(A, b, coef), _rss(A, b, ref), rtol=1e-10, atol=1e-12)
    assert np.allclose(coef, ref, rtol=1e-6, atol=1e-8 * np.abs(ref).max())
    # some problems have active constraints, or the check would be trivial
    assert np.mean(np.any(ref == 0, axis=1)) > 0.2 if m > 1 else True


def test_rank_deficient_support_is_skipped_not_trusted():
    # the third column is a copy of the first (a zero exponent in Chinchilla makes D^0 = 1)
    rng = np.random.default_rng(0)
    n = 40
    x = rng.uniform(1, 2, size=n)
    A = np.stack([np.ones(n), x**-0.5, np.ones(n)], axis=-1)[None]
    b = (1.0 + 2.0 * x**-0.5 + rng.normal(0, 1e-3, n))[None]
    coef = batched_lstsq(A, b)
    assert np.all(np.isfinite(coef)) and np.all(coef >= 0)
    assert coef[0, 0] + coef[0, 2] == pytest.approx(1.0, abs=0.05)
    assert _rss(A, b, coef)[0] <= _rss(A[:, :, :2], b, nnls(A[0, :, :2], b[0])[0][None])[0] * (1 + 1e-10)


def test_unconstrained_is_least_squares():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(5, 20, 3))
    b = rng.normal(size=(5, 20))
    coef = batched_lstsq(A, b, nonneg=False)
    ref = np.stack([np.linalg.lstsq(A[g], b[g], rcond=None)[0] for g in range(5)])
    assert np.allclose(coef, ref, rtol=1e-10, atol=1e-12)
    assert np.any(coef < 0)
