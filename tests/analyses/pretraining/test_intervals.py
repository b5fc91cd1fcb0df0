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
    group_weights,
    grouped_top_residuals,
    hierarchical_conformal_quantile,
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


def test_bootstrap_scale_covers_data_from_the_law_and_widens_with_the_distance():
    # scale="bootstrap": each run's interval is sized by its own bootstrap prediction SD plus the in-sample SD
    cov, n = 0, 0
    for seed in range(2):
        res = calibrated_backtest(isoflop(0.01, seed), n_boot=50, seed=seed, scale="bootstrap", scale_boot=40)
        s = res.summary
        cov += int(s["covered"].sum())
        n += int(s["n_test"].sum())
        assert res.scale == "bootstrap" and res.to_dict()["scale"] == "bootstrap" and "bootstrap prediction SD" in res.to_dict()["method"]
        assert s["scale_per_decade_pct"].isna().all() and (s["scale0_pct"] > 0).all()
        p = res.predictions
        # the difficulty grows with the distance of the extrapolation: far runs get wider intervals than near ones
        for c in s["cutoff"]:
            q = p[p["cutoff"] == c]
            near, far = q["distance_decades"] <= q["distance_decades"].median(), q["distance_decades"] > q["distance_decades"].median()
            if far.any():
                assert (q["hi"] - q["lo"])[far].mean() > (q["hi"] - q["lo"])[near].mean()
    assert 0.8 <= cov / n <= 0.99


def test_bootstrap_scale_under_covers_hoffmann_runs():
    # why it is not the default: on Hoffmann et al.'s runs it is too narrow, most of all just above 2.8e20 FLOP
    # (measured 0.86, 0.78, 0.64, 0.77, 0.88 at nominal 0.9; the distance scale gives 0.98, 0.99, 0.88, 0.92, 0.88)
    from scalewatch.analyses.pretraining.data import chinchilla_runs

    s = calibrated_backtest(chinchilla_runs()[0], n_boot=50, seed=0, scale="bootstrap").summary
    assert s["covered"].tolist() == [103, 75, 46, 37, 21]
    assert s["coverage"].iloc[2] < 0.7


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
    with pytest.raises(ValueError, match="scale='sd'.*'distance'.*'bootstrap'"):
        calibrated_backtest(runs, scale="sd")
    with pytest.raises(ValueError, match="scale_boot=5"):
        calibrated_backtest(runs, scale="bootstrap", scale_boot=5)
    with pytest.raises(ValueError, match="group='size'"):
        run_groups(runs, "size")
    with pytest.raises(ValueError, match="n_boot=3"):
        cluster_bootstrap_mean([1.0, 2.0], [0, 1], n_boot=3)


def test_hierarchical_quantile_reference_values():
    # groups of sizes 2, 1, 1: weights 1/6, 1/6, 1/3, 1/3; level (1 + 1/3) * 0.5 = 2/3 of the pooled CDF
    assert group_weights(np.array([0, 0, 1, 2])).tolist() == pytest.approx([1 / 6, 1 / 6, 1 / 3, 1 / 3])
    assert hierarchical_conformal_quantile([1.0, 2.0, 3.0, 4.0], [0, 0, 1, 2], 0.5) == 3.0
    # a big group does not outvote small ones: 100 records of one size count as one group
    # (records would put the median at 100; with 20 groups the level is 1.05 * 0.5 = 0.525: the 11th of 20 group values)
    u = np.r_[np.full(100, 100.0), np.arange(1.0, 20.0)]
    g = np.r_[np.zeros(100, int), np.arange(1, 20)]
    assert hierarchical_conformal_quantile(u, g, 0.5) == 11.0
    # one record per group: exactly ordinary split conformal, the ceil((n+1) gamma)-th smallest score
    rng = np.random.default_rng(0)
    for n in (9, 10, 25, 57):
        sc = rng.exponential(size=n)
        assert hierarchical_conformal_quantile(sc, np.arange(n), 0.9) == np.sort(sc)[int(np.ceil((n + 1) * 0.9)) - 1]
    # bounded from gamma / (1 - gamma) = 9 groups on at 90%
    assert np.isinf(hierarchical_conformal_quantile(np.arange(80.0), np.arange(80) % 8, 0.9))
    assert np.isfinite(hierarchical_conformal_quantile(np.arange(81.0), np.arange(81) % 9, 0.9))
    with pytest.raises(ValueError, match="nominal=1.2"):
        hierarchical_conformal_quantile([1.0], [0], 1.2)


def test_grouped_calibration_covers_data_with_shared_errors():
    # the law is right, but every model size carries its own offset (0.8%) on top of 0.5% scatter:
    # hierarchical calibration covers about 90% of held-out runs, over 2 datasets and all cut-offs
    cov, n = 0, 0
    for seed in range(2):
        s = calibrated_backtest(isoflop(0.005, seed, group_sd=0.008), n_boot=50, seed=seed).summary
        assert s["bounded"].all()
        cov += int(s["covered"].sum())
        n += int(s["n_test"].sum())
    assert 0.8 <= cov / n <= 0.99


@pytest.fixture(scope="module")
def chinchilla():
    from scalewatch.analyses.pretraining.data import chinchilla_runs

    return calibrated_backtest(chinchilla_runs()[0], nominal=0.9, n_boot=50, seed=0)


def test_chinchilla_coverage_at_every_cut_off(chinchilla):
    # Hoffmann et al.'s 240 runs, five rolling-origin cut-offs (50% ... 10% held out), nominal 90%:
    # measured 118/120, 95/96, 63/72, 44/48, 21/24 (the ungrouped level gave 120/120, 93/96, 64/72, 46/48, 23/24)
    s = chinchilla.summary
    assert s["n_test"].tolist() == [120, 96, 72, 48, 24]
    assert s["covered"].tolist() == [118, 95, 63, 44, 21]
    assert s["bounded"].all() and (s["n_calibration_groups"] >= 26).all()
    # no cut-off falls short: every coverage >= 0.85 and every Clopper-Pearson interval reaches nominal
    assert (s["coverage"] >= 0.85).all() and (s["coverage_high"] >= 0.9).all()
    # the calibrated intervals are far better than in-sample ones (52-68% coverage)
    assert (s["naive_coverage"] < 0.7).all()


@pytest.mark.xfail(strict=True, reason="the first two cut-offs over-cover (118/120, 95/96): see intervals' module docstring")
def test_chinchilla_coverage_within_85_95_at_every_cut_off(chinchilla):
    assert chinchilla.within_target


def test_second_datasets_say_why_the_target_is_not_met():
    # Porian et al.'s runs (configuration rw-tuned-short-const-standard-val): Chinchilla's law misses the held-out
    # runs by 7-12% RMS and by -5 to -8% on average, with the sign opposite to its misses inside the training runs,
    # so no calibration on those runs can centre the intervals: coverage 83%, 80% then 97-100%.
    from scalewatch.analyses.pretraining.data import gadre_runs, porian_runs

    p, _ = porian_runs()
    res = calibrated_backtest(p[p["config_id"] == "rw-tuned-short-const-standard-val"].reset_index(drop=True), n_boot=50, seed=0)
    s = res.summary
    assert s["covered"].tolist() == [43, 32, 29, 21, 13] and s["n_test"].tolist() == [52, 40, 30, 21, 13]
    assert (s["rmse_pct"] > 7).all() and (s["mean_excess_high"] < 0).all()
    assert not res.within_target
    # Gadre et al.'s grid, one training set: 5 model sizes, at most 3 among any cut-off's calibration records:
    # no finite 90% hierarchical quantile (it needs 9 groups); flagged, never counted as covered
    g, _ = gadre_runs("c4_original")
    gs = calibrated_backtest(g, n_boot=50, seed=0, min_train=10, holdout=(0.4, 0.3, 0.2)).summary
    assert not gs["bounded"].any() and (gs["n_calibration_groups"] < 9).all()


def test_top_excess_with_parameters_equals_the_plain_loop_and_adds_parameter_uncertainty():
    from scalewatch.analyses.pretraining import top_excess_with_parameters

    runs = isoflop(0.01, 4)
    law = laws.Chinchilla()
    theta = law.theta_array(HOFFMANN)
    rng = np.random.default_rng(1)
    theta_b = theta * np.exp(rng.normal(0.0, 0.01, (300, theta.size)))  # parameter draws around the fit
    N, D, L = (runs[c].to_numpy(float) for c in ("params", "tokens", "loss"))
    top = runs["compute"].to_numpy() >= np.quantile(runs["compute"], 0.8)
    got = top_excess_with_parameters(law, theta, theta_b, N, D, L, top, seed=3)
    # reference: the definition, one resample at a time (sizes drawn whole, every run of a drawn size taken)
    idx = np.flatnonzero(top)
    _, g = np.unique(np.round(N[idx], 6), return_inverse=True)
    order = np.argsort(g, kind="stable")
    idx, g = idx[order], g[order]
    G = g.max() + 1
    ref_rng = np.random.default_rng(3)
    draws = [ref_rng.integers(0, G, size=G) for _ in range(len(theta_b))]
    means = []
    for t, d in zip(theta_b, draws, strict=True):
        pick = np.concatenate([idx[g == j] for j in d])
        means.append(np.mean(100 * (np.log(L[pick]) - np.log(law.predict(np.c_[N[pick], D[pick]], t)))))
    assert (got.low, got.high) == pytest.approx(tuple(np.quantile(means, [0.025, 0.975])), abs=1e-10)
    assert got.mean == pytest.approx(np.mean(100 * (np.log(L[top]) - np.log(law.predict(np.c_[N[top], D[top]], theta)))))
    assert got.n == top.sum() and got.n_groups == G and got.n_boot == 300 and "bootstrap parameters" in got.method
    # with the parameters held at the fit only the run groups vary: a narrower interval
    fixed = top_excess_with_parameters(law, theta, np.tile(theta, (300, 1)), N, D, L, top, seed=3)
    assert fixed.high - fixed.low < got.high - got.low
    with pytest.raises(ValueError, match="need at least one top run and >= 10 bootstrap rows"):
        top_excess_with_parameters(law, theta, theta_b[:5], N, D, L, top)
