"""The extrapolation backtest: recovery on synthetic runs, bookkeeping, and its error messages."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalewatch import laws
from scalewatch.analyses.pretraining import BacktestResult, backtest, frontier
from scalewatch.analyses.pretraining.backtest import default_cutoffs

TRUTH = dict(E=1.7, A=400.0, B=1500.0, alpha=0.34, beta=0.36)


def chinchilla_grid(k: int = 7, noise: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """Runs on a k x k grid of N and D with Chinchilla losses, optionally with log-normal scatter."""
    N, D = (a.ravel() for a in np.meshgrid(np.geomspace(1e7, 1e10, k), np.geomspace(1e9, 1e12, k)))
    loss = laws.Chinchilla()(np.c_[N, D], **TRUTH)
    if noise:
        loss = loss * np.exp(np.random.default_rng(seed).normal(0.0, noise, loss.size))
    return pd.DataFrame({"run_id": [f"r{i}" for i in range(N.size)], "params": N, "tokens": D, "loss": loss})


def test_exact_data_give_zero_error_and_full_coverage():
    runs = chinchilla_grid()
    result = backtest(runs, laws=["chinchilla"], n_boot=20, seed=0)
    assert isinstance(result, BacktestResult)
    s = result.law_summary("chinchilla")
    assert len(s) == len(result.cutoffs) == 3
    assert s["rmse_pct"].max() < 1e-3  # percent
    assert s["coverage"].min() == 1.0
    assert s["coverage_param"].min() == 1.0
    # every held-out run is above its cut-off and every training run at or below it
    p = result.predictions
    assert (p.loc[p["in_scope"], "compute"] > p.loc[p["in_scope"], "cutoff"]).all()


def test_noisy_data_from_the_law_are_covered_near_nominal():
    runs = chinchilla_grid(k=9, noise=0.01, seed=3)
    result = backtest(runs, laws=["chinchilla"], cutoffs=None, n_boot=40, seed=1)
    s = result.law_summary("chinchilla")
    # the law is right, so the held-out excess is small and mostly inside the 95% intervals
    assert s["rmse_pct"].max() < 3.0
    assert s["coverage"].mean() >= 0.75
    # ... and its mean is not systematically above the law
    obs, draws = result.null_mean_excess("chinchilla", result.cutoffs[0], seed=0)
    assert np.mean(draws >= obs) > 0.01


def test_wrong_law_is_worse_out_of_sample():
    runs = chinchilla_grid(k=8, noise=0.005, seed=4)
    result = backtest(runs, laws=["chinchilla", "kaplan_nd"], n_boot=20, seed=0)
    rank = result.ranking()
    assert rank["law"].iloc[0] == "chinchilla"
    assert result.compare_on == "runs"


def test_one_variable_laws_are_fitted_to_the_frontier():
    C = np.geomspace(1e18, 1e22, 30)
    loss = laws.SaturatingPowerLaw()(C, E=1.8, A=2e3, alpha=0.17)
    # dominated runs (same budget, worse loss) must not enter the one-variable fit
    runs = pd.DataFrame({"compute": np.r_[C, C[::3]], "loss": np.r_[loss, loss[::3] * 1.05]})
    result = backtest(runs, laws=["saturating"], n_boot=20, seed=0)
    assert result.scopes == {"saturating": "frontier"}
    s = result.law_summary("saturating", "frontier")
    assert s["rmse_pct"].max() < 1e-3
    assert int(s["n_train"].iloc[0]) <= 30


def test_frontier_keeps_the_lower_envelope():
    df = pd.DataFrame({"compute": [1.0, 2.0, 2.0, 3.0, 4.0, 5.0], "loss": [5.0, 4.0, 3.5, 3.8, 3.0, 3.2]})
    f = frontier(df)
    assert f["loss"].tolist() == [5.0, 3.5, 3.0]


def test_default_cutoffs_hold_out_the_requested_shares():
    v = np.arange(1.0, 101.0)
    cuts = default_cutoffs(v, (0.4, 0.1))
    assert cuts == (60.0, 90.0)
    assert [int((v > c).sum()) for c in cuts] == [40, 10]


def test_result_describes_itself():
    result = backtest(chinchilla_grid(), laws=["chinchilla"], n_boot=10, seed=0)
    d = result.to_dict()
    json.dumps(d)  # plain JSON
    assert d["laws"] == ["chinchilla"] and d["n_boot"] == 10 and d["seed"] == 0
    assert "[[Backtest]]" in result.report()
    assert "BacktestResult" in repr(result)


def test_seed_makes_it_reproducible():
    runs = chinchilla_grid(k=6, noise=0.01, seed=1)
    a = backtest(runs, laws=["chinchilla"], n_boot=10, seed=5).predictions
    b = backtest(runs, laws=["chinchilla"], n_boot=10, seed=5).predictions
    pd.testing.assert_frame_equal(a, b)


# -- errors -----------------------------------------------------------------------------------


def test_unknown_law_name_is_named():
    with pytest.raises(ValueError, match=r"unknown law name; known names: chinchilla"):
        backtest(chinchilla_grid(), laws=["chinchila"])


def test_too_few_runs_below_the_cutoff():
    runs = chinchilla_grid()
    with pytest.raises(ValueError, match=r"only \d+ runs have compute <= .*chinchilla has 5 parameters and needs at least 8"):
        backtest(runs, laws=["chinchilla"], cutoffs=[float(runs.eval("6 * params * tokens").min()) * 1.01])


def test_no_run_above_the_cutoff():
    with pytest.raises(ValueError, match="nothing to predict"):
        backtest(chinchilla_grid(), laws=["chinchilla"], cutoffs=[1e40])


def test_bad_by_and_bad_arguments():
    runs = chinchilla_grid()
    with pytest.raises(ValueError, match=r"by='flops'.*no such column"):
        backtest(runs, by="flops")
    with pytest.raises(ValueError, match="ci=1.5"):
        backtest(runs, laws=["chinchilla"], ci=1.5)
    with pytest.raises(TypeError, match="n_boot=2.5"):
        backtest(runs, laws=["chinchilla"], n_boot=2.5)
    with pytest.raises(TypeError, match="takes a Dataset, a RunSet, a pandas DataFrame"):
        backtest([1, 2, 3])
    with pytest.raises(ValueError, match="more than once"):
        backtest(runs, laws=["chinchilla", "chinchilla"])
    bad = runs.assign(tokens_per_param=runs["tokens"] / runs["params"])
    bad.loc[0, "tokens_per_param"] = -1.0
    with pytest.raises(ValueError, match="positive finite values; row 0"):
        backtest(bad, laws=["chinchilla"], by="tokens_per_param")
