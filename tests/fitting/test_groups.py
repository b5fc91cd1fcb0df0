"""Fits to whole loss curves: many points per run, a per-run weighted loss, a bootstrap by run."""

from __future__ import annotations

import numpy as np
import pytest

from scalewatch import bootstrap, fit, laws
from scalewatch.fitting import _bootstrap

TRUTH = dict(E=1.7, A=400.0, B=1500.0, alpha=0.34, beta=0.36)


def _curves(seed: int = 0, noise: float = 0.002):
    """Synthetic learning curves: 12 runs (4 sizes x 3 lengths), each logged at 5 to 40 steps."""
    rng = np.random.default_rng(seed)
    law = laws.Chinchilla()
    rows = {"run_id": [], "N": [], "D": [], "loss": []}
    k = 0
    for n in np.geomspace(1e7, 1e9, 4):
        for d_end, m in zip((2e9, 2e10, 2e11), (5, 12, 40)):
            d = np.geomspace(d_end / 30, d_end, m)
            loss = law(np.c_[np.full(m, n), d], **TRUTH) * np.exp(noise * rng.standard_normal(m))
            rows["run_id"] += [f"run-{k}"] * m
            rows["N"] += [n] * m
            rows["D"] += list(d)
            rows["loss"] += list(loss)
            k += 1
    return {key: np.asarray(v) for key, v in rows.items()}


def test_recovers_known_constants_from_curves():
    data = _curves(noise=0.0)
    res = fit(laws.Chinchilla(), data, groups="run_id")
    for name, value in TRUTH.items():
        assert res.params[name] == pytest.approx(value, rel=1e-5), name
    assert res.groups is not None and res.groups.max() + 1 == 12
    assert res.to_dict()["n_groups"] == 12


def test_recovers_constants_with_noise():
    res = fit(laws.Chinchilla(), _curves(seed=1, noise=0.002), groups="run_id")
    assert res.params["alpha"] == pytest.approx(TRUTH["alpha"], abs=0.03)
    assert res.params["beta"] == pytest.approx(TRUTH["beta"], abs=0.03)
    assert res.params["E"] == pytest.approx(TRUTH["E"], rel=0.02)


def test_per_run_weighting_makes_a_run_count_once():
    """Logging a run's checkpoints ten times over changes nothing under per-run weights."""
    data = _curves(seed=2)
    base = fit(laws.Chinchilla(), data, groups="run_id")
    sel = data["run_id"] == "run-0"
    more = {k: np.concatenate([v] + [v[sel]] * 9) for k, v in data.items()}
    again = fit(laws.Chinchilla(), more, groups="run_id")
    for name in TRUTH:
        assert again.params[name] == pytest.approx(base.params[name], rel=1e-6), name
    # ... but moves the fit when every point weighs the same
    plain = fit(laws.Chinchilla(), more, groups="run_id", group_weights="per_point")
    assert abs(plain.params["alpha"] - base.params["alpha"]) > 1e-6


def test_grouped_bootstrap_resamples_whole_runs(monkeypatch):
    data = _curves(seed=3)
    res = fit(laws.Chinchilla(), data, groups="run_id")
    seen = []
    real = _bootstrap._solve_chunk

    def spy(problem, W, *args, **kwargs):
        seen.append(W.copy())
        return real(problem, W, *args, **kwargs)

    monkeypatch.setattr(_bootstrap, "_solve_chunk", spy)
    boot = bootstrap(res, 40, seed=0, threads=1)
    W = np.vstack(seen)
    assert W.shape == (40, len(data["loss"]))
    counts = W / res.weights  # how often each point's run was drawn
    runs = res.groups
    for r in range(len(W)):
        drawn = set(np.flatnonzero(counts[r] > 0))
        members = set()
        for g in np.unique(runs[list(drawn)]):
            members |= set(np.flatnonzero(runs == g))
        assert drawn == members  # the resampled points are a union of whole runs
        for g in range(runs.max() + 1):
            assert np.ptp(counts[r, runs == g]) == 0  # one count per run
        assert counts[r].sum() == pytest.approx(sum(np.bincount(runs)[g] * counts[r, runs == g][0] for g in range(12)))
    total_runs = np.array([[counts[r, runs == g][0] for g in range(12)] for r in range(len(W))]).sum(axis=1)
    assert np.all(total_runs == 12)  # 12 runs drawn with replacement per resample
    assert boot.groups.startswith("runs (all") and boot.n_failed == 0


def test_grouped_bootstrap_refuses_to_split_runs():
    data = _curves(seed=4)
    res = fit(laws.Chinchilla(), data, groups="run_id")
    with pytest.raises(ValueError, match="splits run .* across resampling units"):
        bootstrap(res, 10, groups=np.arange(len(data["loss"])))
    # grouping by model size keeps every run together
    assert bootstrap(res, 10, groups="N", threads=1).n_resamples == 10


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(groups="run"), r"groups='run'\) names no column"),
        (dict(groups=np.arange(3)), r"shape \(3,\); it needs one run label per point"),
        (dict(groups="run_id", group_weights="mean"), "use 'per_run' or 'per_point'"),
    ],
)
def test_group_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fit(laws.Chinchilla(), _curves(), **kwargs)


def test_too_few_runs_for_the_law():
    data = _curves()
    sel = np.isin(data["run_id"], ["run-0", "run-1", "run-2"])
    with pytest.raises(ValueError, match="gives 3 runs; chinchilla has 5 parameters"):
        fit(laws.Chinchilla(), {k: v[sel] for k, v in data.items()}, groups="run_id")
