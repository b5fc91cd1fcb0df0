"""The robust break test: false alarms under a smooth misfit, planted breaks found, the verdict rule, the fast engine."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from scalewatch import laws
from scalewatch.analyses.pretraining import break_test, misfit_scenarios, simulate_break_rates
from scalewatch.findings.rules import break_verdict, coverage_verdict, rule

HOFFMANN = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)


def drifting_design(n_budgets: int = 10, sizes: int = 9) -> pd.DataFrame:
    """IsoFLOP profiles whose tokens per parameter drift up with compute (as in Hoffmann et al.'s runs): D/N and C correlate."""
    rows = []
    for k, C in enumerate(np.geomspace(1e18, 1e21, n_budgets)):
        n_opt = math.sqrt(C / 120)
        for N in n_opt * np.geomspace(4.0, 0.25, sizes) / 2 ** (k / 3):
            rows.append({"params": N, "tokens": C / (6 * N), "compute": C})
    return pd.DataFrame(rows)


def runs_with_misfit(seed: int, misfit_pct: float = 1.0, slope: float = 0.0, sd: float = 0.004):
    """Isoflop runs whose loss misses the law smoothly in log(D/N) (a bump at the compute-optimal ratio), no break unless slope."""
    design = drifting_design()
    loss = laws.Chinchilla()(design[["params", "tokens"]].to_numpy(), **HOFFMANN)
    z = np.log(design["tokens"] / design["params"]).to_numpy()
    t = np.log(design["compute"].to_numpy())
    misfit = misfit_pct / 100 * np.sin(1.3 * (z - z.mean()))
    logy = np.log(loss) + misfit + np.random.default_rng(seed).normal(0.0, sd, loss.size)
    logy += slope / 100 / math.log(10) * np.maximum(t - t.mean(), 0.0)
    return design.assign(loss=np.exp(logy)), misfit


def test_shape_misfit_fools_the_iid_test_not_the_robust_one():
    runs, _ = runs_with_misfit(seed=0)
    res = break_test(runs, n_boot=199, seed=0, starts=laws.Chinchilla().theta_array(HOFFMANN)[None, :])
    assert res.p_value < 0.05  # the i.i.d. null takes the misfit for a bend
    assert res.p_robust > 0.05
    assert res.explained_by_shape
    dec = res.decision()
    assert dec.verdict in ("no break", "inconclusive") and "shape misfit" in dec.reason
    assert not res.detected
    d = res.to_dict()
    json.dumps(d)
    assert {"p_robust", "robust_detected", "iid_detected", "robust_null", "misfit_sd_pct"} <= set(d)
    assert "robust" in res.report()
    assert list(res.shape_curve.columns) == ["tokens_per_param", "residual_pct", "shape_pct"]
    # the figure's curve is a function of log D/N alone (a degree-4 polynomial: one curve, not a zigzag over model sizes),
    # it is the least-squares polynomial of the plotted residuals, and its size matches the misfit the robust null allows
    c = res.shape_curve
    zc = np.log(c["tokens_per_param"].to_numpy())
    poly = np.polynomial.polynomial.Polynomial.fit(zc, c["shape_pct"].to_numpy(), 4)
    assert np.max(np.abs(poly(zc) - c["shape_pct"].to_numpy())) < 1e-8
    r = (c["residual_pct"] - c["shape_pct"]).to_numpy()
    assert np.abs(np.vander(zc - zc.mean(), 5).T @ r).max() < 1e-8 * len(r)
    assert 0.5 < np.std(c["shape_pct"]) / res.misfit_sd_pct < 2


def test_planted_break_survives_the_robust_null():
    runs, _ = runs_with_misfit(seed=1, slope=8.0)
    res = break_test(runs, n_boot=199, seed=0)
    assert res.p_robust <= 0.02 and res.robust_detected and res.detected
    assert res.slope_change > 0
    assert res.decision().verdict == "breaks" and res.slope_interval_robust[0] > 1.0


def _scenarios():
    design = drifting_design()
    law = laws.Chinchilla()
    theta = law.theta_array(HOFFMANN)
    z = np.log(design["tokens"] / design["params"]).to_numpy()
    misfit = 0.01 * np.sin(1.3 * (z - z.mean()))
    sc = {
        "iid": {"sd": 0.005},
        "misfit": {"sd": 0.004, "misfit": misfit},
        "break 10": {"sd": 0.004, "misfit": misfit, "slope": 10.0},
    }
    return design, law, theta, sc


def test_fast_engine_small_sample_sanity():
    # 40 datasets per scenario: the robust test's false alarms stay near the level under a smooth misfit, the i.i.d. test's do not
    design, law, theta, sc = _scenarios()
    r = simulate_break_rates(design, law, theta, scenarios=sc, n_sims=40, n_boot=99, group="none", seed=0)
    fa_rob, lo, hi = r.rate("misfit", "robust")
    assert fa_rob <= 0.15 and lo <= fa_rob <= hi
    assert r.rate("misfit", "iid")[0] >= 0.5
    assert r.rate("iid", "robust")[0] <= 0.15 and r.rate("iid", "iid")[0] <= 0.15
    assert r.rate("break 10", "robust", "detected")[0] >= 0.9
    json.dumps(r.to_dict())
    assert "robust" in r.report()


def test_fast_engine_agrees_with_break_test():
    # the linearised engine and the full nonlinear break_test reject on the same kind of datasets
    design, law, theta, sc = _scenarios()
    r = simulate_break_rates(design, law, theta, scenarios={"misfit": sc["misfit"]}, n_sims=30, n_boot=99, group="none", seed=3)
    rng = np.random.default_rng(3)
    base = np.log(law.predict(design[["params", "tokens"]].to_numpy(), theta))
    sig_iid = sig_rob = 0
    for i in range(30):
        y = np.exp(base + sc["misfit"]["misfit"] + rng.normal(0, 0.004, base.size))
        b = break_test(design.assign(loss=y), n_boot=99, group="none", starts=theta[None, :], out_of_sample="if_significant", seed=i)
        sig_iid += b.p_value < 0.05
        sig_rob += b.p_robust < 0.05
    assert abs(sig_iid / 30 - r.rate("misfit", "iid")[0]) <= 0.3
    assert abs(sig_rob / 30 - r.rate("misfit", "robust")[0]) <= 0.2


@pytest.mark.slow
def test_rates_on_chinchilla_from_400_datasets():
    from scalewatch.analyses.pretraining.data import chinchilla_runs
    from scalewatch.fitting import fit

    df, _ = chinchilla_runs()
    res = fit(laws.Chinchilla(), df, loss="huber")
    r = simulate_break_rates(df, laws.Chinchilla(), res.theta, scenarios=misfit_scenarios(df, res), n_sims=400, n_boot=199, seed=20261207)
    assert r.rate("b: smooth misfit", "robust")[0] <= 0.075  # at most 1.5 x the level under a realistic misfit
    assert r.rate("c: misfit + group errors", "robust")[0] <= 0.075
    assert r.rate("a: i.i.d. null", "robust")[0] <= 0.075 and r.rate("a: i.i.d. null", "iid")[0] <= 0.075
    assert r.rate("b: smooth misfit", "iid")[0] >= 0.5  # the old null is fooled by the misfit
    assert r.rate("break 5%/decade", "robust", "detected")[0] >= 0.9
    assert r.rate("break 10%/decade", "robust", "detected")[0] >= 0.95


def test_break_verdict_rule():
    r = rule("pretraining.break_slope")
    assert r.margin == 1.0 and r.unfavourable_label == "breaks"
    d = break_verdict(p_iid=0.004, p_robust=0.3, level=0.05, oos_wins=True, slope_low=-0.5, slope_high=0.8)
    assert d.verdict == "no break" and "shape misfit" in d.reason
    assert break_verdict(p_iid=0.004, p_robust=0.3, level=0.05, oos_wins=True, slope_low=-0.5, slope_high=3.0).verdict == "inconclusive"
    assert break_verdict(p_iid=0.001, p_robust=0.01, level=0.05, oos_wins=True, slope_low=1.5, slope_high=4.0).verdict == "breaks"
    assert break_verdict(p_iid=0.001, p_robust=0.01, level=0.05, oos_wins=True, slope_low=-4.0, slope_high=-1.5).verdict == "bends down"
    assert break_verdict(p_iid=0.001, p_robust=0.01, level=0.05, oos_wins=False, slope_low=1.5, slope_high=4.0).verdict == "inconclusive"
    with pytest.raises(ValueError, match="level=2"):
        break_verdict(p_iid=0.1, p_robust=0.1, level=2.0, oos_wins=False, slope_low=0.0, slope_high=0.1)


def test_coverage_rule():
    assert coverage_verdict(450, 500, 0.9).verdict == "calibrated"
    assert coverage_verdict(300, 500, 0.9).verdict == "miscalibrated"
    assert coverage_verdict(20, 24, 0.9).verdict == "inconclusive"  # too few runs to tell


def test_binned_kernel_smooth_equals_the_exact_one():
    from scalewatch.analyses.pretraining import calibration

    rng = np.random.default_rng(3)
    z = rng.uniform(-1.0, 7.0, 6000)
    e = 0.01 * np.sin(z) + 0.005 * rng.standard_normal(z.size)
    binned = calibration.kernel_smooth(z, e, 0.4)  # above EXACT_SMOOTH_MAX: binned
    w = np.exp(-0.5 * ((z[:, None] - z[None, :]) / 0.4) ** 2)
    exact = (w @ e) / w.sum(axis=1)
    assert z.size > calibration.EXACT_SMOOTH_MAX
    assert np.max(np.abs(binned - exact)) < 1e-6
    small = calibration.kernel_smooth(z[:500], e[:500], 0.4)  # exact below the threshold
    assert np.array_equal(small, (w[:500, :500] @ e[:500]) / w[:500, :500].sum(axis=1))
