"""Calibrated extrapolation intervals and the cluster bootstrap: coverage on constructed data, groups respected."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalewatch import laws
from scalewatch.analyses.pretraining import (
    calibrated_backtest,
    cluster_bootstrap_mean,
    grouped_top_residuals,
    run_groups,
    synthetic_isoflop_design,
)

HOFFMANN = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)


def isoflop(noise: float, seed: int, group_sd: float = 0.0) -> pd.DataFrame:
    design = synthetic_isoflop_design(np.geomspace(1e18, 1e21, 12), 9)
    loss = laws.Chinchilla()(design[["params", "tokens"]].to_numpy(), **HOFFMANN)
    rng = np.random.default_rng(seed)
    g = run_groups(design, "params")
    logy = np.log(loss) + rng.normal(0.0, noise, loss.size) + rng.normal(0.0, group_sd, g.max() + 1)[g] if group_sd else np.log(loss) + rng.normal(0.0, noise, loss.size)
    return design.assign(loss=np.exp(logy))


def test_coverage_counts_and_clopper_pearson_are_consistent():
    res = calibrated_backtest(isoflop(0.01, 0), n_boot=200, seed=0)
    s = res.summary
    assert (s["nominal"] == 0.9).all()
    # coverage is exactly covered / n_test, recomputed from the per-run table
    for r in s.itertuples():
        p = res.predictions[res.predictions["cutoff"] == r.cutoff]
        inside = ((p["excess"] >= p["lo"]) & (p["excess"] <= p["hi"])).to_numpy()
        assert inside.sum() == r.covered == p["covered"].sum() and len(p) == r.n_test
        assert r.coverage == pytest.approx(r.covered / r.n_test)
        assert r.coverage_low <= r.coverage <= r.coverage_high
    cals = res.calibrations()
    assert [c.covered for c in cals] == s["covered"].tolist()
    json.dumps(res.to_dict())
    assert "coverage" in res.report()
    assert all("coverage" in n.name for n in res.numbers()[:3])


def test_data_from_the_law_are_covered_near_nominal():
    # the law is right and the scatter i.i.d.: calibrated 90% intervals cover about 90% of held-out runs
    cov, n = 0, 0
    for seed in range(3):
        s = calibrated_backtest(isoflop(0.01, seed), n_boot=100, seed=seed).summary
        cov += int(s["covered"].sum())
        n += int(s["n_test"].sum())
    assert 0.8 <= cov / n <= 0.99


def test_cluster_bootstrap_respects_groups():
    rng = np.random.default_rng(0)
    shared = np.repeat(rng.normal(0, 1.0, 10), 20)  # 10 groups of 20 runs, errors shared within a group
    v = shared + rng.normal(0, 0.1, shared.size)
    grouped = cluster_bootstrap_mean(v, np.repeat(np.arange(10), 20), n_boot=2000, seed=1)
    naive = cluster_bootstrap_mean(v, np.arange(v.size), n_boot=2000, seed=1)
    assert grouped.n_groups == 10 and naive.n_groups == 200
    # the grouped interval has the width of a mean of 10 independent values (sd 1/sqrt(10)), the naive one far less
    assert grouped.high - grouped.low > 2.5 * (naive.high - naive.low)
    assert 0.7 < (grouped.high - grouped.low) / (2 * 1.96 / np.sqrt(10)) < 1.3
    # with one run per group it is the ordinary bootstrap; constant within groups: the groups' mean
    assert grouped.low < grouped.mean < grouped.high


def test_grouped_top_residuals_and_groups():
    runs = isoflop(0.005, 3)
    top = runs["compute"] >= runs["compute"].max() / 1.01
    raised = runs.assign(loss=np.where(top, runs["loss"] * 1.03, runs["loss"]))
    gm = grouped_top_residuals(raised, k=int(top.sum()), n_boot=500, seed=0)
    assert gm.mean > 1.0 and gm.low < gm.mean < gm.high
    assert run_groups(runs, "none").tolist() == list(range(len(runs)))
    assert run_groups(runs, "compute").max() + 1 == 12


def test_too_few_groups_give_unbounded_intervals():
    # with every calibration record in one of 3 groups no finite 90% conformal quantile exists: flagged, not hidden
    runs = isoflop(0.01, 0)
    groups = np.arange(len(runs)) % 3
    res = calibrated_backtest(runs, group=groups, n_boot=50, seed=0)
    assert not res.summary["bounded"].any()
    assert not res.within_target


def test_errors_name_the_argument():
    runs = isoflop(0.01, 0)
    with pytest.raises(ValueError, match="nominal=1.5"):
        calibrated_backtest(runs, nominal=1.5)
    with pytest.raises(ValueError, match="group='size'"):
        run_groups(runs, "size")
    with pytest.raises(ValueError, match="n_boot=3"):
        cluster_bootstrap_mean([1.0, 2.0], [0, 1], n_boot=3)
