"""Dollars per further point of coverage: sampling more vs training larger (llmonkeys Pythia MATH)."""

from __future__ import annotations

import numpy as np
import pytest

from scalewatch.analyses.economics import COVERAGE_GRID, marginal_point_cost, marginal_point_decision
from scalewatch.analyses.testtime.exchange import exchange_rate
from scalewatch.data import datasets


@pytest.fixture(scope="module")
def ex():
    ds = datasets.load("llmonkeys-pythia-math")
    return exchange_rate(ds.tables["per_problem"], ds.runs.runs.rename(columns={"run_id": "model"}), targets=COVERAGE_GRID,
                         n_resamples=200, seed=0)


def test_each_further_point_costs_more_on_both_routes(ex) -> None:
    r = marginal_point_cost(ex, seed=0)
    cv = r.curves
    assert cv["coverage"].iloc[0] == pytest.approx(0.15) and len(cv) >= 10
    assert (np.diff(cv["sampling_usd"]) > 0).all()  # exponential cost for linear gains
    assert (cv["sampling_usd_low"] <= cv["sampling_usd"]).all() and (cv["sampling_usd"] <= cv["sampling_usd_high"]).all()
    g, lo, hi = r.growth["sampling more"]
    assert 1.5 < lo < g < hi < 5  # measured 2.5x [2.2, 2.9] per 10 points
    assert r.model.endswith("Pythia-12B")
    assert r.verdict == marginal_point_decision(r.ratio).verdict
    f = r.to_finding()
    assert f.key == "test-time.cost_per_point" and f.headline_number.name.startswith("training larger over sampling more")


def test_the_sampling_route_is_linear_in_demand(ex) -> None:
    a = marginal_point_cost(ex, demand=1e9, seed=0).curves["sampling_usd"].to_numpy()
    b = marginal_point_cost(ex, demand=2e9, seed=0).curves["sampling_usd"].to_numpy()
    assert np.allclose(b, 2 * a)


def test_marginal_point_cost_refuses_what_it_cannot_compute(ex) -> None:
    with pytest.raises(ValueError, match="not a model"):
        marginal_point_cost(ex, model="GPT-5")
    with pytest.raises(ValueError, match="positive"):
        marginal_point_cost(ex, demand=0)
    assert marginal_point_decision((1.0, 0.9, 1.1)).verdict == "depends"
