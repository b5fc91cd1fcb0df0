"""Resampled means at scale: the normal limit agrees with resampling value by value."""

from __future__ import annotations

import numpy as np
import pytest

from scalewatch.analyses.pretraining import _draws


@pytest.mark.parametrize("replace", [True, False])
def test_normal_limit_of_a_resampled_mean_matches_resampling(replace):
    rng = np.random.default_rng(0)
    pop = rng.standard_t(4, 5000) * 0.01 + 0.002  # heavy-tailed residuals
    k = 2500
    if replace:
        exact = pop[rng.integers(0, pop.size, (3000, k))].mean(axis=1)
    else:
        exact = np.array([pop[rng.choice(pop.size, k, replace=False)].mean() for _ in range(3000)])
    approx = _draws.normal_mean_draws(pop, k, 20000, np.random.default_rng(1), replace=replace)
    assert approx.mean() == pytest.approx(exact.mean(), abs=3 * exact.std() / np.sqrt(3000))
    assert approx.std() == pytest.approx(exact.std(), rel=0.06)  # without replacement: half the variance at k = N/2
    for q in (0.025, 0.5, 0.975):
        assert np.quantile(approx, q) == pytest.approx(np.quantile(exact, q), abs=0.1 * exact.std())


def test_weighted_sum_limit_and_blocks():
    rng = np.random.default_rng(2)
    pop = rng.normal(0.001, 0.01, 4000)
    w = rng.normal(0, 1, 3000)
    exact = pop[rng.integers(0, pop.size, (2000, w.size))] @ w
    approx = _draws.normal_mean_draws(pop, w.size, 20000, rng, weights=w)
    assert approx.std() == pytest.approx(exact.std(), rel=0.06)
    assert approx.mean() == pytest.approx(pop.mean() * w.sum(), rel=0.05)
    # blocks: one slice when everything fits, else slices of at most budget // per items covering all
    assert _draws.draw_blocks(4000, 100) == [slice(0, 4000)]
    parts = _draws.draw_blocks(10, 3, budget=7)
    assert parts == [slice(0, 2), slice(2, 4), slice(4, 6), slice(6, 8), slice(8, 10)]
    assert _draws.exact_draws(4000, 16777) and not _draws.exact_draws(4000, 16778)  # 2**26 entries
