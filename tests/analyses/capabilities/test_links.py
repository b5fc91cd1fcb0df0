"""Sigmoid links from loss or log-compute to benchmark scores (scalewatch.analyses._links)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from scalewatch.analyses.capabilities.links import fit_links
from scalewatch.analyses.capabilities.sigmoid import K_MAX_Z, STATUSES, fit_link, link_status


def _sigmoid(x, floor, ceiling, k, x0, increasing=True):
    s = 1.0 if increasing else -1.0
    return floor + (ceiling - floor) / (1.0 + np.exp(-s * k * (x - x0)))


@pytest.mark.parametrize(
    ("increasing", "x", "truth", "floor"),
    [
        # a loss link: four-way multiple choice, loss in nats
        (False, np.linspace(2.2, 5.5, 60), dict(ceiling=0.82, k=2.5, x0=3.6), 0.25),
        # a compute link: open-ended task, log10 FLOP
        (True, np.linspace(19.0, 25.0, 60), dict(ceiling=0.7, k=1.6, x0=22.5), 0.0),
    ],
)
def test_recovers_parameters_without_noise(increasing, x, truth, floor):
    y = _sigmoid(x, floor, increasing=increasing, **truth)
    link = fit_link(x, y, floor=floor, increasing=increasing, n_boot=0)
    for name, value in truth.items():
        assert link.params[name] == pytest.approx(value, rel=1e-6), name
    assert link.params["floor"] == floor
    assert link.r2 == pytest.approx(1.0, abs=1e-9)
    assert link.predict(x) == pytest.approx(y, abs=1e-8)


def test_fitted_floor_is_recovered_when_free():
    x = np.linspace(20.0, 25.0, 50)
    y = _sigmoid(x, 0.21, 0.66, 2.0, 22.8)
    link = fit_link(x, y, floor=None, n_boot=0)
    assert link.fixed_floor is None
    assert link.params["floor"] == pytest.approx(0.21, abs=1e-6)
    assert link.params["ceiling"] == pytest.approx(0.66, abs=1e-6)


def test_bootstrap_intervals_cover_the_truth_and_frontier_quantities_are_consistent():
    rng = np.random.default_rng(1)
    x = rng.uniform(2.3, 5.0, 120)  # losses
    truth = dict(ceiling=0.8, k=3.0, x0=3.5)
    y = _sigmoid(x, 0.25, increasing=False, **truth) + rng.normal(0.0, 0.015, x.size)
    link = fit_link(x, y, floor=0.25, increasing=False, n_boot=200, seed=3)
    for name, value in truth.items():
        lo, hi = link.intervals[name]
        assert lo < value < hi, (name, lo, hi)
    # frontier = lowest loss; its score is the prediction there, progress its share of the rise
    assert link.frontier_x == pytest.approx(x.min())
    fs = link.estimates["frontier_score"]
    assert fs == pytest.approx(float(link.predict([x.min()])[0]))
    assert link.estimates["progress"] == pytest.approx((fs - 0.25) / (link.params["ceiling"] - 0.25))
    assert link.estimates["width"] == pytest.approx(2 * math.log(9) / link.params["k"])
    # slope per nat of loss decrease = (c - f) k s (1 - s) at the frontier
    s = (fs - 0.25) / (link.params["ceiling"] - 0.25)
    assert link.estimates["slope"] == pytest.approx((link.params["ceiling"] - 0.25) * link.params["k"] * s * (1 - s), rel=1e-9)
    assert link.n_boot == 200 and link.n_failed == 0
    assert link.samples.shape == (200, 3)
    band = link.curve(20)
    assert list(band.columns) == ["x", "score", "low", "high"]
    assert np.all(band["low"] <= band["score"] + 1e-12) and np.all(band["score"] <= band["high"] + 1e-12)


def test_same_seed_same_intervals_and_different_seed_differs():
    rng = np.random.default_rng(0)
    x = rng.uniform(20, 25, 60)
    y = _sigmoid(x, 0.0, 0.6, 1.5, 22.5) + rng.normal(0, 0.02, 60)
    a = fit_link(x, y, floor=0.0, n_boot=50, seed=7)
    b = fit_link(x, y, floor=0.0, n_boot=50, seed=7)
    c = fit_link(x, y, floor=0.0, n_boot=50, seed=8)
    assert a.intervals == b.intervals
    assert a.intervals["k"] != c.intervals["k"]


def test_a_step_hits_the_steepness_cap_and_says_so():
    x = np.linspace(0.0, 1.0, 41)
    y = np.where(x > 0.5, 0.9, 0.1)
    link = fit_link(x, y, floor=None, n_boot=0)
    # k per unit of x equals the cap per span (span = 1 here)
    assert link.params["k"] == pytest.approx(K_MAX_Z, rel=1e-6)
    assert any("steepness at its cap" in note for note in link.notes)


@pytest.mark.parametrize(
    ("estimates", "intervals", "r2", "converged", "expected"),
    [
        ({"frontier_score": 0.7, "floor": 0.25, "progress": 0.5}, {"progress": (0.4, 0.6)}, 0.9, True, "tracking"),
        ({"frontier_score": 0.7, "floor": 0.25, "progress": 0.95}, {"progress": (0.92, 0.99)}, 0.9, True, "saturated"),
        ({"frontier_score": 0.7, "floor": 0.25, "progress": 0.8}, {"progress": (0.6, 0.97)}, 0.9, True, "uncertain"),
        ({"frontier_score": 0.26, "floor": 0.25, "progress": 0.9}, {}, 0.9, True, "at chance"),
        ({"frontier_score": 0.5, "floor": 0.25, "progress": 0.05}, {"progress": (0.01, 0.08)}, 0.9, True, "at chance"),
        ({"frontier_score": 0.5, "floor": 0.25, "progress": 0.5}, {}, 0.1, True, "no signal"),
        ({"frontier_score": 0.5, "floor": 0.25, "progress": 0.5}, {}, 0.9, False, "failed"),
        # no interval (NaN): the point estimate decides
        ({"frontier_score": 0.7, "floor": 0.25, "progress": 0.95}, {"progress": (math.nan, math.nan)}, 0.9, True, "saturated"),
    ],
)
def test_link_status_rule(estimates, intervals, r2, converged, expected):
    assert link_status(estimates, intervals, r2, converged) == expected
    assert expected in STATUSES


def test_noise_is_no_signal_and_is_not_bootstrapped():
    rng = np.random.default_rng(2)
    x = rng.uniform(2, 5, 80)
    y = 0.6 + rng.normal(0, 0.03, 80)  # well above chance, unrelated to x
    link = fit_link(x, y, floor=0.5, increasing=False, n_boot=100)
    assert link.status == "no signal"
    assert link.n_boot == 0 and link.samples is None
    assert any("no bootstrap" in n for n in link.notes)


def test_at_chance_benchmark():
    rng = np.random.default_rng(3)
    x = rng.uniform(20, 23, 60)
    y = 0.25 + rng.normal(0, 0.01, 60)
    link = fit_link(x, y, floor=0.25, n_boot=50)
    assert link.status == "at chance"


def test_to_dict_is_json_safe_and_report_names_the_parts():
    x = np.linspace(2.0, 5.0, 30)
    y = _sigmoid(x, 0.25, 0.85, 3.0, 3.5, increasing=False)
    link = fit_link(x, y, floor=0.25, increasing=False, benchmark="hellaswag", x_name="loss", n_boot=20)
    d = json.loads(json.dumps(link.to_dict()))
    assert d["benchmark"] == "hellaswag" and d["fixed_floor"] == 0.25 and d["n"] == 30
    assert set(d["intervals"]) >= {"ceiling", "k", "x0", "frontier_score", "progress", "slope", "headroom", "width"}
    text = link.report()
    assert "hellaswag vs loss" in text and "frontier_score" in text and "20 resamples" in text


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        ([1.0, 2.0, 3.0], [0.1, 0.2], "x has 3 values and y has 2"),
        ([1.0, 2.0, 3.0, 4.0], [0.1, 0.2, 0.3, 0.4], "has 4 points; a sigmoid with 3 free parameters needs at least 5"),
        ([1.0, np.nan, 3.0, 4.0, 5.0, 6.0], [0.1] * 6, "must be finite"),
        ([2.0] * 8, np.linspace(0.1, 0.8, 8), "every x equals 2"),
    ],
)
def test_fit_link_errors(x, y, match):
    with pytest.raises(ValueError, match=match):
        fit_link(x, y, floor=0.0, n_boot=0)


def _long_table():
    rng = np.random.default_rng(4)
    rows = []
    for b, (fl, c, k, x0) in {"A": (0.25, 0.9, 2.0, 22.0), "B": (0.0, 0.6, 1.5, 23.0)}.items():
        x = rng.uniform(20, 25, 40)
        y = _sigmoid(x, fl, c, k, x0) + rng.normal(0, 0.01, 40)
        rows.append(pd.DataFrame({"benchmark": b, "log10_compute": x, "value": y}))
    rows.append(pd.DataFrame({"benchmark": "C", "log10_compute": [21.0, 22.0], "value": [0.3, 0.4]}))
    return pd.concat(rows, ignore_index=True)


def test_fit_links_fits_each_benchmark_and_skips_thin_ones():
    s = fit_links(_long_table(), x="log10_compute", floors={"A": 0.25, "B": 0.0}, n_boot=30)
    assert s.benchmarks == ("A", "B")
    assert "C" in s.skipped and "2 points" in s.skipped["C"]
    assert s["A"].fixed_floor == 0.25 and s["B"].fixed_floor == 0.0
    assert s["A"].params["x0"] == pytest.approx(22.0, abs=0.1)
    assert s["A"].increasing  # x is not a loss: scores rise with it
    t = s.table()
    assert list(t["benchmark"]) == ["A", "B"] and {"slope_low", "slope_high", "status"} <= set(t.columns)
    assert sum(s.counts().values()) == 2
    json.dumps(s.to_dict())
    with pytest.raises(KeyError, match="no link for benchmark 'Z'"):
        s["Z"]


def test_fit_links_errors():
    t = _long_table()
    with pytest.raises(ValueError, match=r"fit_links\(x='flops'\): the table has no such column"):
        fit_links(t, x="flops")
    with pytest.raises(ValueError, match=r"\['Z'\] not in the table"):
        fit_links(t, x="log10_compute", benchmarks=["A", "Z"])
    with pytest.raises(TypeError, match="takes a pandas DataFrame"):
        fit_links({"a": 1}, x="log10_compute")


def test_grouped_bootstrap_draws_whole_models():
    """Checkpoints of one model share its offset: resampling them one by one understates the uncertainty."""
    rng = np.random.default_rng(6)
    xs, ys, gs = [], [], []
    for m in range(8):
        x = np.sort(rng.uniform(20, 25, 12))  # twelve checkpoints of model m
        offset = rng.normal(0, 0.03)  # what the model does better or worse than the link, at every checkpoint
        xs.append(x)
        ys.append(_sigmoid(x, 0.25, 0.8, 1.5, 22.5) + offset + rng.normal(0, 0.003, 12))
        gs += [f"m{m}"] * 12
    x, y = np.concatenate(xs), np.concatenate(ys)
    alone = fit_link(x, y, floor=0.25, n_boot=150, seed=0)
    grouped = fit_link(x, y, floor=0.25, n_boot=150, seed=0, groups=gs)
    width = lambda link: np.subtract(*link.intervals["frontier_score"][::-1])  # noqa: E731
    assert width(grouped) > 1.5 * width(alone)
    with pytest.raises(ValueError, match="3 labels for 96 points"):
        fit_link(x, y, floor=0.25, groups=["a", "b", "c"])
