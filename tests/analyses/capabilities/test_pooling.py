"""Random-effects pooling of frontier slopes (DerSimonian & Laird 1986) and the links' duplicate removal."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from scalewatch.analyses.capabilities.links import fit_links, frontier_decision, frontier_slopes, pool_frontier
from scalewatch.analyses.capabilities.pooling import dersimonian_laird, dl_means, model_bootstrap, se_from_interval
from scalewatch.findings.rules import rule


def test_dersimonian_laird_matches_the_hand_computed_example():
    # y = (0, 2, 6), se = (1, 1, 2): w = (1, 1, 1/4), sum w = 9/4, weighted mean 14/9,
    # Q = (196 + 16 + 400) / 81 = 68/9, C = 9/4 - (33/16) / (9/4) = 4/3, tau^2 = (68/9 - 2) / (4/3) = 25/6,
    # w* = (6/31, 6/31, 6/49), mu = (12/31 + 36/49) / (12/31 + 6/49) = 284/129, I^2 = (68/9 - 2) / (68/9) = 25/34
    p = dersimonian_laird([0.0, 2.0, 6.0], [1.0, 1.0, 2.0])
    assert p.q == pytest.approx(68 / 9, rel=1e-12)
    assert p.tau2 == pytest.approx(25 / 6, rel=1e-12)
    assert p.estimate == pytest.approx(284 / 129, rel=1e-12)
    assert p.i2 == pytest.approx(25 / 34, rel=1e-12)
    W = 12 / 31 + 6 / 49
    assert p.weights == pytest.approx((6 / 31 / W, 6 / 31 / W, 6 / 49 / W), rel=1e-12)
    # Hartung-Knapp: q = sum w* (y - mu)^2 / (k - 1) (> 1 here), se^2 = q / W, t_{2, 0.975} = 4.302653
    mu = 284 / 129
    q = (6 / 31 * mu**2 + 6 / 31 * (2 - mu) ** 2 + 6 / 49 * (6 - mu) ** 2) / 2
    se = math.sqrt(q / W)
    assert p.se == pytest.approx(se, rel=1e-12)
    assert (p.low, p.high) == pytest.approx((mu - 4.302653 * se, mu + 4.302653 * se), rel=1e-6)
    assert (p.dl_low, p.dl_high) == pytest.approx((mu - 1.959964 / math.sqrt(W), mu + 1.959964 / math.sqrt(W)), rel=1e-6)
    # perfectly correlated sampling errors: sd = sqrt((sum w* s)^2 + tau^2 sum w*^2) / W, wider than independent
    sd = math.sqrt((12 / 31 + 12 / 49) ** 2 + 25 / 6 * (2 * (6 / 31) ** 2 + (6 / 49) ** 2)) / W
    assert p.dep_high - mu == pytest.approx(1.959964 * sd, rel=1e-6) and p.dep_high > p.dl_high


def test_homogeneous_estimates_have_no_between_variance_and_the_fixed_effect_mean():
    p = dersimonian_laird([1.0, 1.1, 0.9, 1.05], [0.5, 0.5, 0.25, 1.0])
    assert p.tau2 == 0.0 and p.i2 == 0.0
    w = np.array([4.0, 4.0, 16.0, 1.0])
    assert p.estimate == pytest.approx(float(np.sum(w * [1.0, 1.1, 0.9, 1.05]) / w.sum()), rel=1e-12)
    # Roever-Knapp-Friede: the Hartung-Knapp standard error is never below the DerSimonian-Laird one
    assert p.se == pytest.approx(1 / math.sqrt(w.sum()), rel=1e-12)


@pytest.mark.parametrize(
    ("y", "s", "match"),
    [
        ([1.0], [1.0], "at least 2"),
        ([1.0, 2.0], [1.0], "2 estimates and 1 standard errors"),
        ([1.0, np.nan], [1.0, 1.0], "must be finite"),
        ([1.0, 2.0], [1.0, 0.0], "must be > 0"),
    ],
)
def test_dersimonian_laird_errors_say_what_was_given(y, s, match):
    with pytest.raises(ValueError, match=match):
        dersimonian_laird(y, s)


def test_vectorised_means_match_and_the_model_bootstrap_keeps_dependence():
    y, s = np.array([0.0, 2.0, 6.0]), np.array([1.0, 1.0, 2.0])
    assert dl_means(y[None, :], (s * s)[None, :])[0] == pytest.approx(dersimonian_laird(y, s).estimate, rel=1e-12)
    rng = np.random.default_rng(4)
    k, b = 8, 2000
    shared = 1.0 + 0.1 * np.broadcast_to(rng.normal(size=b), (k, b))  # every benchmark drew the same resample
    alone = 1.0 + 0.1 * rng.normal(size=(k, b))  # independent resamples
    lo_s, hi_s, n = model_bootstrap(shared, np.full(k, 0.1))
    lo_a, hi_a, _ = model_bootstrap(alone, np.full(k, 0.1))
    assert n == b
    assert hi_s - lo_s == pytest.approx(2 * 1.96 * 0.1, rel=0.1)  # no averaging out
    assert hi_a - lo_a == pytest.approx(2 * 1.96 * 0.1 / math.sqrt(k), rel=0.1)
    p = dataclasses.replace(dersimonian_laird([1.0, 2.0], [1.0, 1.0]), low=1.0, high=2.0, boot_low=0.5, boot_high=1.8)
    assert p.deciding == (0.5, 2.0)


def test_links_on_the_same_models_draw_the_same_resamples():
    rng = np.random.default_rng(5)
    x = np.linspace(20.0, 25.0, 40)
    y = _sigmoid(x, 0.25, 0.8, 1.5, 22.5) + rng.normal(0, 0.01, x.size)
    t = pd.DataFrame({"model": [f"m{i}" for i in range(40)] * 3, "log10_compute": np.tile(x, 3), "value": np.tile(y, 3),
                      "benchmark": ["a"] * 40 + ["b"] * 40 + ["c"] * 40})
    t = t.drop(index=80)  # c lacks one model
    s = fit_links(t, x="log10_compute", floors=0.25, groups="model", n_boot=20, seed=2)
    assert s.draw_keys["a"] == s.draw_keys["b"] != s.draw_keys["c"]
    np.testing.assert_array_equal(s["a"].samples, s["b"].samples)


def test_se_from_a_percentile_interval():
    assert se_from_interval(-1.959964, 1.959964) == pytest.approx(1.0, rel=1e-6)
    assert se_from_interval(0.0, 3.289707, ci=0.9) == pytest.approx(1.0, rel=1e-6)


def _sigmoid(x, floor, ceiling, k, x0, increasing=True):
    s = 1.0 if increasing else -1.0
    return floor + (ceiling - floor) / (1.0 + np.exp(-s * k * (x - x0)))


def _table(x, curves, xname, rng):
    rows = []
    for name, args in curves.items():
        y = _sigmoid(x, *args) + rng.normal(0, 0.01, x.size)
        rows += [{"benchmark": name, xname: xi, "value": yi} for xi, yi in zip(x, y)]
    return pd.DataFrame(rows)


def test_duplicates_are_removed_one_link_per_task_and_axis():
    rng = np.random.default_rng(0)
    small = _table(np.linspace(19.0, 22.3, 30), {"mmlu": (0.25, 0.8, 1.5, 22.0), "piqa": (0.5, 0.85, 1.2, 20.0)}, "log10_compute", rng)
    large = _table(np.linspace(21.0, 25.5, 30), {"MMLU": (0.25, 0.85, 1.2, 23.5), "ARC-C": (0.25, 0.9, 1.0, 23.0)}, "log10_compute", rng)
    loss = _table(np.linspace(2.4, 5.0, 30), {"hellaswag": (0.25, 0.9, 2.0, 3.3, False), "hellaswag_zeroshot": (0.25, 0.88, 2.0, 3.2, False),
                                              "piqa": (0.5, 0.85, 1.5, 3.6, False)}, "loss", rng)
    sets = {
        "pythia": fit_links(small, x="log10_compute", floors=None, x_name="log10 compute", n_boot=20, seed=1),
        "obsscaling": fit_links(large, x="log10_compute", floors=None, x_name="log10 compute", n_boot=20, seed=1),
        "gadre": fit_links(loss, x="loss", floors=None, x_name="C4 validation loss", n_boot=20, seed=1),
    }
    t = frontier_slopes(sets).set_index(["dataset", "benchmark"])
    # the compute link reaching the larger models is kept; of two evaluations of one task, the plain one
    assert not t.loc[("pythia", "mmlu"), "pooled"] and t.loc[("obsscaling", "MMLU"), "pooled"]
    assert t.loc[("pythia", "mmlu"), "why"] == "duplicate of obsscaling MMLU (kept: reaches further along the axis)"
    assert not t.loc[("gadre", "hellaswag_zeroshot"), "pooled"] and t.loc[("gadre", "hellaswag"), "pooled"]
    assert t.loc[("gadre", "hellaswag_zeroshot"), "why"] == "duplicate of gadre hellaswag (kept: the plain evaluation, not its variant)"
    # piqa is on both axes: not a duplicate; the slopes are in points, the standard errors from the intervals
    assert t.loc[("pythia", "piqa"), "pooled"] and t.loc[("gadre", "piqa"), "pooled"]
    row = t.loc[("obsscaling", "ARC-C")]
    assert row["slope"] == pytest.approx(100 * sets["obsscaling"]["ARC-C"].estimates["slope"])
    assert row["se"] == pytest.approx(se_from_interval(row["low"], row["high"]))
    pooled = pool_frontier(frontier_slopes(sets))
    assert pooled["compute"].k == 3 and pooled["loss"].k == 2


def _pooled(low, high):
    return dataclasses.replace(dersimonian_laird([1.0, 2.0], [1.0, 1.0]), low=low, high=high)


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (1.1, 3.9, "in step"),  # wholly above 1 point per decade: scores still rise
        (-0.4, 0.8, "decoupling"),  # inside 0 +/- 1: a plateau
        (-3.0, -1.5, "decoupling"),  # falling
        (0.5, 3.0, "inconclusive"),  # straddles the margin
        (1.5, 12.0, "inconclusive"),  # wider than the 10-point gate
    ],
)
def test_frontier_rule_on_constructed_intervals(low, high, expected):
    assert rule("capabilities.frontier_slope_compute").decide(low, high).verdict == expected
    d, per = frontier_decision({"compute": _pooled(low, high)})
    assert d.verdict == expected and d.rule.name == "capabilities.frontier_slope_compute" and set(per) == {"compute"}


def test_a_decided_loss_axis_that_disagrees_withholds_the_verdict():
    d, per = frontier_decision({"compute": _pooled(1.5, 4.0), "loss": _pooled(-2.0, 2.0)})
    assert per["compute"].verdict == "in step" and per["loss"].verdict == "decoupling"
    assert d.verdict == "inconclusive" and "loss axis disagrees" in d.reason
    d, _ = frontier_decision({"compute": _pooled(1.5, 4.0), "loss": _pooled(10.0, 30.0)})
    assert d.verdict == "in step"
    d, _ = frontier_decision({"loss": _pooled(10.0, 30.0)})
    assert d.verdict == "inconclusive"
