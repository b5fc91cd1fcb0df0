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


# -- the curve over targets and its verdict (rule test-time.exchange_curve) ------------------------------------------

from scalewatch.analyses.testtime import EXCHANGE_TARGETS, exchange_curve, exchange_curve_decision  # noqa: E402


def _constructed(e_of_t, targets, *, half_width=0.05, n_models=4, shift_sd=0.02, n_draws=400, seed=0) -> ExchangeRate:
    """An ExchangeRate whose log10 rate at target t is e_of_t(t), with pointwise intervals e +/- half_width.

    Every resample shifts the whole curve by one N(0, shift_sd) draw (the paired resampling moves the curve together).
    """
    t = np.asarray(targets, dtype=float)
    e = np.array([e_of_t(v) for v in t])
    nm = np.broadcast_to(np.asarray(n_models), t.shape)
    shift = np.random.default_rng(seed).normal(0.0, shift_sd, size=n_draws)
    slopes = pd.DataFrame({
        "target": t, "n_models": nm, "eps_flop": e, "eps_flop_low": e - half_width, "eps_flop_high": e + half_width,
        "eps_samples": e + 1, "eps_samples_low": e + 1 - half_width, "eps_samples_high": e + 1 + half_width,
    })
    for src, dst in (("eps_samples", "samples_per_10x"), ("eps_flop", "flop_per_10x")):
        for suf in ("", "_low", "_high"):
            slopes[dst + suf] = 10.0 ** slopes[src + suf]
    draws = {float(v): ev + shift for v, ev in zip(t, e)}
    return ExchangeRate(points=pd.DataFrame(), slopes=slopes, tokens_per_sample=256.0, ci=0.95, n_resamples=n_draws, n_failed=0,
                        flop_draws=draws)


def test_the_curve_finds_a_planted_crossing_and_says_it_depends_on_the_target():
    # log10 rate 2 (t - 0.52): test-time cheaper below coverage 0.52, pretraining cheaper above
    ex = _constructed(lambda t: 2.0 * (t - 0.52), EXCHANGE_TARGETS)
    cv = exchange_curve(ex)
    assert cv.verdict == "depends" and cv.decision.outcome == "straddles"
    (c,) = cv.crossings
    assert c["kind"] == "cross" and c["target"] == pytest.approx(0.52, abs=1e-9) and c["between"] == (0.5, 0.55)
    # each resample shifts the curve by s ~ N(0, 0.02): its crossing moves to 0.52 - s / 2, so the 95% interval is about +/- 0.02
    assert c["low"] == pytest.approx(0.52 - 1.96 * 0.01, abs=0.004) and c["high"] == pytest.approx(0.52 + 1.96 * 0.01, abs=0.004)
    assert c["share_crossing"] == 1.0
    assert "depends on the target" in cv.decision.reason and "crosses break-even at coverage 0.52" in cv.decision.reason
    pw = cv.table.set_index("target")["pointwise"]
    assert pw[0.1] == "test-time cheaper" and pw[0.9] == "pretraining cheaper" and pw[0.5] == "depends"  # -0.04 +/- 0.05
    assert 0 < cv.cheaper_share < 1


def test_the_verdict_needs_the_whole_curve():
    below, above = (-0.5, -0.6, -0.3), (0.5, 0.3, 0.6)
    assert exchange_curve_decision([(0.2, *below), (0.5, *below), (0.8, *below)]).verdict == "test-time cheaper"
    assert exchange_curve_decision([(0.2, *above), (0.5, *above)]).verdict == "pretraining cheaper"
    # one target whose interval reaches into the margin withholds "test-time cheaper"
    d = exchange_curve_decision([(0.2, -0.2, -0.3, -0.05), (0.5, *below)])
    assert d.verdict == "inconclusive" and "1 lie wholly below" in d.reason and "1 neither" in d.reason
    # break-even everywhere: "depends" with outcome inside
    inside = exchange_curve_decision([(0.2, 0.0, -0.05, 0.05), (0.5, 0.02, -0.03, 0.07)])
    assert (inside.verdict, inside.outcome) == ("depends", "inside")
    # the decision's interval is the envelope of the pointwise ones; nothing to judge: inconclusive
    assert (d.low, d.high) == (-0.6, -0.05)
    assert exchange_curve_decision([]).outcome == "no interval"


def test_targets_reached_by_too_few_models_do_not_count():
    # pretraining cheaper at the two highest targets, but only two models reach them
    ex = _constructed(lambda t: -0.5 if t < 0.75 else 0.5, EXCHANGE_TARGETS, n_models=[4] * 13 + [2] * 4)
    cv = exchange_curve(ex)
    assert cv.verdict == "test-time cheaper" and cv.supported[-1] == 0.7 and cv.crossings == ()
    assert exchange_curve(ex, min_models=2).verdict == "depends"
    with pytest.raises(ValueError, match=r"min_models=1\) must be an integer >= 2"):
        exchange_curve(ex, min_models=1)


def test_an_estimate_that_only_touches_break_even_is_a_touch_not_two_crossings():
    ex = _constructed(lambda t: 0.01 if abs(t - 0.5) < 1e-9 else -0.5, EXCHANGE_TARGETS, half_width=0.3)
    (c,) = exchange_curve(ex).crossings
    assert c["kind"] == "touch" and c["target"] == pytest.approx(0.5, abs=0.01)


def test_the_curve_on_planted_data_is_test_time_cheaper_at_every_target():
    counts, models = _planted(0.3, n_problems=200)
    ks = [1, 4, 16, 64, 256, 1024, 4096, 16384]
    ex = exchange_rate(counts, models, targets=[0.2, 0.3, 0.4, 0.5], ks=ks, n_resamples=100, seed=2)
    cv = exchange_curve(ex)
    # eps_flop = 0.3 - 1 = -0.7 at every target: 10x training replaces 10^-0.7 = 0.2x test-time FLOP
    np.testing.assert_allclose(cv.table["log10_rate"], -0.7, atol=0.05)
    assert cv.verdict == "test-time cheaper" and cv.cheaper_share == 1.0 and cv.crossings == ()
    assert set(ex.flop_draws) == {0.2, 0.3, 0.4, 0.5} and ex.flop_draws[0.2].shape == (100 - ex.n_failed,)
    assert json.loads(json.dumps(cv.to_dict(), allow_nan=False))["decision"]["verdict"] == "test-time cheaper"
