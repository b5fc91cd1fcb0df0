"""The train/test exchange rate: recovery of a planted elasticity, its FLOP, its intervals and its errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalewatch.analyses.testtime import ExchangeRate, exchange_rate


def _planted(eps: float, seed: int = 0, n: int = 1_000_000, n_problems: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Model j succeeds like m_j samples of a base model: p_j = 1 - (1 - p)^m_j, m_j = (C_j / C_0)^eps.

    Then coverage_j(k) = coverage_base(k m_j), so k*_j = k*_base / m_j and 10x
    training compute replaces exactly 10^eps x samples. Success rates with a
    heavy left tail (Beta(0.2, 30)) make every curve close to Brown's law
    (Schaeffer et al. 2025), and n = 10^6 keeps the counts' rounding small.
    """
    rng = np.random.default_rng(seed)
    p = rng.beta(0.2, 30.0, size=n_problems)
    N = np.array([1e8, 4e8, 1.6e9, 6.4e9])
    D = 3e11
    m = (N / N[0]) ** eps
    rows = []
    for j, (nn, mj) in enumerate(zip(N, m)):
        pj = 1 - (1 - p) ** mj
        rows += [{"model": f"m{j}", "problem": i, "n": n, "c": int(round(n * q))} for i, q in enumerate(pj)]
    return pd.DataFrame(rows), pd.DataFrame({"model": [f"m{j}" for j in range(4)], "params": N, "tokens": D})


@pytest.mark.parametrize("eps", [0.3, 0.5])
def test_exchange_rate_recovers_a_planted_elasticity(eps):
    counts, models = _planted(eps)
    ks = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]
    ex = exchange_rate(counts, models, targets=[0.3], ks=ks, n_resamples=200, seed=1)
    s = ex.at(0.3)
    assert s["samples_per_10x"] == pytest.approx(10**eps, rel=0.05)  # the law misfits where k* nears 1 (eps >= 0.8 here)
    assert s["samples_per_10x_low"] < s["samples_per_10x"] < s["samples_per_10x_high"]
    # training tokens fixed: C is proportional to N, so test-time FLOP = samples x N and eps_flop = eps_samples - 1
    assert s["eps_flop"] == pytest.approx(s["eps_samples"] - 1.0, abs=1e-9)
    assert ex.k_draws[0.3].shape == (200 - ex.n_failed, 4)
    assert json.loads(json.dumps(ex.to_dict()))["slopes"][0]["target"] == 0.3


def test_exchange_rate_errors():
    counts, models = _planted(0.5, n_problems=40)
    with pytest.raises(ValueError, match="not in models=..."):
        exchange_rate(counts, models.iloc[:2], n_resamples=0)
    with pytest.raises(ValueError, match="coverages strictly between 0 and 1"):
        exchange_rate(counts, models, targets=[1.5], n_resamples=0)
    shuffled = counts.copy()
    shuffled.loc[shuffled["model"] == "m1", "problem"] += 1000
    with pytest.raises(ValueError, match="answered different problems"):
        exchange_rate(shuffled, models, n_resamples=0)


def test_tokens_per_sample_scales_the_flop_not_the_samples():
    counts, models = _planted(0.5, n_problems=80, n=100_000)
    ks = [1, 4, 16, 64, 256, 1024, 4096]
    a = exchange_rate(counts, models, targets=[0.3], ks=ks, tokens_per_sample=256, n_resamples=0)
    b = exchange_rate(counts, models, targets=[0.3], ks=ks, tokens_per_sample=512, n_resamples=0)
    assert isinstance(a, ExchangeRate)
    sa, sb = a.at(0.3), b.at(0.3)
    assert sb["samples_per_10x"] == pytest.approx(sa["samples_per_10x"], rel=1e-12)
    assert sb["eps_flop"] == pytest.approx(sa["eps_flop"], abs=1e-12)  # a constant factor moves no slope
    pa, pb = a.points.set_index("model"), b.points.set_index("model")
    flop = [c for c in pa.columns if "flop" in c.lower() and "train" not in c.lower()]
    assert flop, list(pa.columns)
    np.testing.assert_allclose(pb[flop[0]].to_numpy(float), 2 * pa[flop[0]].to_numpy(float), rtol=1e-12)


def test_intervals_are_reproducible_by_seed():
    counts, models = _planted(0.4, n_problems=60, n=100_000)
    ks = [1, 4, 16, 64, 256, 1024, 4096]
    one = exchange_rate(counts, models, targets=[0.3], ks=ks, n_resamples=50, seed=3).at(0.3)
    two = exchange_rate(counts, models, targets=[0.3], ks=ks, n_resamples=50, seed=3).at(0.3)
    other = exchange_rate(counts, models, targets=[0.3], ks=ks, n_resamples=50, seed=4).at(0.3)
    assert one == two
    assert one["samples_per_10x_low"] != other["samples_per_10x_low"]
