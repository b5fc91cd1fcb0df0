"""Break test, its calibration, and the top-of-range residual test, on synthetic runs."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from scalewatch import laws
from scalewatch.analyses.pretraining import (
    BreakTestResult,
    break_test,
    calibrate_break_test,
    synthetic_isoflop_design,
    top_residuals,
)

HOFFMANN = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)


def isoflop_runs(noise: float = 0.005, break_at: float | None = None, slope_pct_per_decade: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """Chinchilla losses on an isoFLOP design, with log-normal scatter and an optional planted break in compute."""
    design = synthetic_isoflop_design(np.geomspace(1e18, 1e21, 10), 7)
    loss = laws.Chinchilla()(design[["params", "tokens"]].to_numpy().reshape(-1, 2), **HOFFMANN)
    logy = np.log(loss) + np.random.default_rng(seed).normal(0.0, noise, loss.size)
    if break_at is not None:
        t = np.log(design["compute"].to_numpy())
        logy += slope_pct_per_decade / 100 / math.log(10) * np.maximum(t - math.log(break_at), 0.0)
    return design.assign(loss=np.exp(logy))


def test_planted_break_is_found_near_its_location():
    runs = isoflop_runs(noise=0.005, break_at=3e19, slope_pct_per_decade=10.0, seed=1)
    res = break_test(runs, "chinchilla", n_boot=199, seed=0)
    assert isinstance(res, BreakTestResult)
    assert res.p_value <= 0.01  # 2 / 200: the smallest p-value 199 draws and the Bonferroni factor allow
    assert res.detected
    assert res.slope_change > 0  # the loss falls slower beyond the break: wall-ward
    # within half a decade of the truth, and the interval is on the right side of the range
    assert abs(math.log10(res.break_at[0] / 3e19)) <= 0.5
    lo, hi = res.break_interval
    assert lo <= hi and lo < 3e20 and hi > 3e18


def test_no_break_in_data_from_the_law():
    runs = isoflop_runs(noise=0.01, seed=2)
    res = break_test(runs, "chinchilla", n_boot=199, seed=0)
    assert res.p_value > 0.05
    assert not res.detected


def test_calibration_false_alarm_near_nominal_and_clear_break_detected():
    # 20 datasets each way keep this test quick; rates carry +-0.1-ish binomial error at this size
    cal = calibrate_break_test(20, break_slope=8.0, level=0.05, n_boot=99, seed=0)
    assert cal.n_datasets == 20
    # nominal level 5%: with 20 null datasets, more than 3 false alarms would be a sign of miscalibration
    assert cal.false_alarm_rate <= 0.15
    assert cal.significant_rate_null <= 0.15
    assert cal.significant_rate_break >= 0.8 and cal.significant_rate_break_robust >= 0.8
    # the robust rule's held-out check (law + shape + hinge against law + shape, 10 null columns on 42 training
    # runs of this small design) is weaker than the law-only one; on Chinchilla's 240-run design it detects 5%/decade
    # breaks 99% of the time (benchmarks/RESULTS.md)
    assert cal.detection_rate >= 0.5
    assert cal.significant_rate_null_robust <= 0.15
    lo, hi = cal.false_alarm_interval
    assert lo <= cal.false_alarm_rate <= hi
    json.dumps(cal.to_dict())
    assert "false alarm" in cal.report()


def test_calibration_accepts_a_design_and_resampled_noise():
    design = synthetic_isoflop_design(np.geomspace(1e18, 1e20, 6), 6)
    resid = np.random.default_rng(0).standard_t(4, 200) * 0.005
    cal = calibrate_break_test(6, design=design, noise=resid, n_boot=39, seed=1)
    assert "resampled residuals" in cal.noise and "36 runs" in cal.design
    assert cal.p_null.shape == (6,)


def test_one_variable_law_on_a_series():
    C = np.geomspace(1e18, 1e22, 40)
    law = laws.BrokenPowerLaw(n_breaks=1, inputs=("compute",))
    loss = law(C, a=1.7, b=2e3, c0=0.17, c1=-0.12, d1=1e20, f1=0.1)  # the slope flattens after 1e20
    loss = loss * np.exp(np.random.default_rng(0).normal(0.0, 0.002, C.size))
    res = break_test({"compute": C, "loss": loss}, "saturating", scope="runs", n_boot=199, seed=0)
    assert res.p_value < 0.05
    assert res.slope_change > 0
    assert abs(math.log10(res.break_at[0] / 1e20)) <= 1.0


def test_top_residuals_see_a_raised_top():
    runs = isoflop_runs(noise=0.005, seed=3)
    top = runs["compute"] >= runs["compute"].max() / 1.01
    raised = runs.assign(loss=np.where(top, runs["loss"] * 1.03, runs["loss"]))
    res = top_residuals(raised, "chinchilla", k=int(top.sum()), n_perm=999, seed=0)
    assert res.p_value < 0.01
    assert res.mean_excess > 1.0
    assert res.interval[0] < res.mean_excess < res.interval[1]
    null = top_residuals(runs, "chinchilla", n_perm=999, seed=0)
    assert null.p_value > 0.05
    json.dumps(null.to_dict())


def test_results_describe_themselves():
    res = break_test(isoflop_runs(seed=4), n_boot=99, seed=0)
    d = res.to_dict()
    json.dumps(d)
    assert d["n_runs"] == 70 and d["level"] == 0.05
    assert "[[Break test]]" in res.report()
    assert list(res.profile.columns) == ["break_at", "F"]


# -- errors -----------------------------------------------------------------------------------


def test_break_test_errors():
    runs = isoflop_runs()
    with pytest.raises(ValueError, match="max_breaks=3"):
        break_test(runs, max_breaks=3)
    with pytest.raises(ValueError, match="level=1.2"):
        break_test(runs, level=1.2)
    with pytest.raises(ValueError, match="by='flop'"):
        break_test(runs, by="flop")
    with pytest.raises(ValueError, match=r"has 8 runs .* needs at least 12"):
        break_test(runs.iloc[:8])
    with pytest.raises(ValueError, match="n_boot=5"):
        break_test(runs, n_boot=5)
    with pytest.raises(ValueError, match="unknown law name"):
        break_test(runs, "chinchila")


def test_top_residuals_and_calibration_errors():
    runs = isoflop_runs()
    with pytest.raises(ValueError, match="k=0"):
        top_residuals(runs, k=0)
    with pytest.raises(ValueError, match="n_datasets=2"):
        calibrate_break_test(2)
    with pytest.raises(ValueError, match="noise=-0.1"):
        calibrate_break_test(5, noise=-0.1)
