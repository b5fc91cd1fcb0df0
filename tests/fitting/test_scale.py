"""Fits over many points: chunked sums, bounded memory, the subsample strategy."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest

from scalewatch import laws
from scalewatch.errors import IdentifiabilityWarning
from scalewatch.fitting import Huber, HuberLikelihood, LeastSquares, fit
from scalewatch.fitting import _fit
from scalewatch.fitting._nnls import batched_lstsq, lstsq_from_normal
from scalewatch.fitting._problem import Problem
from scalewatch.fitting._search import nonneg_linear_fit, stratified_subsample

TRUTH = dict(E=1.7, A=400.0, B=1500.0, alpha=0.34, beta=0.36)
LAW = laws.Chinchilla()


def cloud(n: int, seed: int = 0, noise: float = 0.01):
    """n points of Chinchilla at log-uniform N and D, log-normal noise."""
    rng = np.random.default_rng(seed)
    X = np.c_[np.exp(rng.uniform(np.log(1e7), np.log(1e10), n)), np.exp(rng.uniform(np.log(1e9), np.log(1e12), n))]
    return X, LAW(X, **TRUTH) * np.exp(noise * rng.standard_normal(n))


def curves(runs: int = 40, steps: int = 300, seed: int = 0):
    """Whole loss curves: `runs` model sizes, each logged at `steps` token counts (uneven density)."""
    rng = np.random.default_rng(seed)
    N = np.repeat(np.geomspace(1e7, 1e10, runs), steps)
    D = np.concatenate([np.geomspace(1e8, 20 * n, steps) for n in np.geomspace(1e7, 1e10, runs)])
    return np.c_[N, D], LAW(np.c_[N, D], **TRUTH) * np.exp(0.01 * rng.standard_normal(N.size))


def quiet_fit(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IdentifiabilityWarning)
        return fit(*args, **kwargs)


STARTS = np.array([[1.7, 400, 1500, 0.34, 0.36], [1.5, 300, 1000, 0.3, 0.3], [2.0, 100, 100, 0.5, 0.2], [1e-3, 1e6, 1e-3, 2.9, 0.01]])


# -- chunked sums agree with the unchunked ones ------------------------------------------


@pytest.mark.parametrize("loss", [Huber(), LeastSquares(), HuberLikelihood()])
@pytest.mark.parametrize("space", ["log", "linear"])
@pytest.mark.parametrize("per_problem_weights", [False, True])
def test_chunked_objective_gradient_and_curvature_equal_unchunked(loss, space, per_problem_weights):
    X, y = cloud(1500)
    rng = np.random.default_rng(1)
    whole = Problem(LAW, X, y, loss, space)
    chunked = Problem(LAW, X, y, loss, space, chunk_size=97)  # 16 chunks, the last one short
    assert len(chunked.chunks()) == 16 and len(whole.chunks()) == 1
    u = whole.to_u(STARTS)
    w = rng.uniform(0.5, 2.0, (len(u), len(y)) if per_problem_weights else len(y))
    f0, g0, H0, D0 = whole.linearize(u, w)
    f1, g1, H1, D1 = chunked.linearize(u, w)
    assert np.isfinite(f0).all() and np.abs(g0).max() > 0
    for a, b in [(f0, f1), (g0, g1), (H0, H1), (D0, D1), (whole.objective(u, w), chunked.objective(u, w))]:
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12 * np.abs(a).max())
    np.testing.assert_allclose(chunked.residuals(u), whole.residuals(u), rtol=0, atol=0)
    r0, J0 = whole.jacobian_residuals(STARTS[0])
    r1, J1 = chunked.jacobian_residuals(STARTS[0])
    np.testing.assert_array_equal(r1, r0)
    np.testing.assert_allclose(J1, J0, rtol=1e-15)
    np.testing.assert_array_equal(chunked.predict(STARTS[0]), whole.predict(STARTS[0]))


def test_tiling_over_starts_alone_changes_nothing():
    # 4500 starts x 240 points exceed one tile: blocked over starts, every row is computed exactly as alone
    X, y = cloud(240)
    prob = Problem(LAW, X, y, Huber(), "log")
    u = prob.to_u(np.repeat(STARTS, 1200, axis=0))
    f, g, H, D = prob.linearize(u, np.ones(len(y)))
    f1, g1, H1, D1 = prob.linearize(u[:4], np.ones(len(y)))
    for a, b in [(f[:4], f1), (g[:4], g1), (H[:4], H1), (D[:4], D1)]:
        np.testing.assert_array_equal(a, b)


def test_invalid_predictions_stay_infinite_when_chunked():
    X, y = cloud(500)
    prob = Problem(LAW, X, y, Huber(), "linear", chunk_size=64)
    u = prob.to_u(np.array([[1.7, 400, 1500, 0.34, 0.36]]))
    u[0, 1] = 1e6  # exp(1e6) = inf: the prediction is not finite
    f, g, H, D = prob.linearize(u, np.ones(len(y)))
    assert f[0] == np.inf and np.all(g == 0) and np.all(D == 1)
    assert prob.objective(u, np.ones(len(y)))[0] == np.inf


def test_chunked_variable_projection_starts_equal_unchunked():
    X, y = cloud(2000)
    grid = np.array([[1.0, 1.0, 1.0, a, b] for a in (0.1, 0.3, 0.9, 2.0) for b in (0.05, 0.36, 1.5)])
    w = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    for loss in (Huber(), LeastSquares()):
        whole = nonneg_linear_fit(Problem(LAW, X, y, loss, "log"), grid, w)
        chunked = nonneg_linear_fit(Problem(LAW, X, y, loss, "log", chunk_size=300), grid, w)
        np.testing.assert_allclose(chunked, whole, rtol=1e-8)


@pytest.mark.parametrize("nonneg,m", [(True, 3), (False, 3), (True, 5)])
def test_lstsq_from_normal_equations_equals_lstsq_on_the_design(nonneg, m):
    rng = np.random.default_rng(m)
    A = rng.normal(size=(50, 40, m)) * rng.lognormal(0, 2, size=(50, 1, m))
    b = rng.normal(size=(50, 40))
    At = np.swapaxes(A, 1, 2)
    ref = batched_lstsq(A, b, nonneg=nonneg)
    got = lstsq_from_normal(At @ A, (At @ b[..., None])[..., 0], np.einsum("gn,gn->g", b, b), nonneg=nonneg)
    rss = lambda c: np.einsum("gn,gn->g", b - np.einsum("gnm,gm->gn", A, c), b - np.einsum("gnm,gm->gn", A, c))  # noqa: E731
    np.testing.assert_allclose(rss(got), rss(ref), rtol=1e-9)
    assert (np.all(got >= 0) if nonneg else np.any(got < 0))


def test_chunked_fit_reaches_the_unchunked_optimum():
    X, y = cloud(3000, seed=3)
    whole = quiet_fit(LAW, (X, y), strategy="full")
    chunked = quiet_fit(LAW, (X, y), strategy="full", chunk_size=256)
    assert abs(chunked.objective - whole.objective) <= 1e-12 * whole.objective
    for k in TRUTH:
        assert chunked.params[k] == pytest.approx(whole.params[k], rel=1e-6)
        assert chunked.stderr[k] == pytest.approx(whole.stderr[k], rel=1e-6)


# -- bounded memory -------------------------------------------------------------------


def test_memory_of_a_linearisation_does_not_grow_with_the_number_of_starts():
    X, y = cloud(100_000)
    prob = Problem(LAW, X, y, Huber(), "log")  # 2 chunks; 16 starts per tile
    w = np.ones(len(y))

    def peak(B):
        u = prob.to_u(np.repeat(STARTS[:1], B, axis=0) * np.linspace(0.9, 1.1, B)[:, None])
        tracemalloc.start()
        prob.linearize(u, w)
        prob.objective(u, w)
        out = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return out

    few, many = peak(16), peak(128)
    # unchunked, 128 starts would need 128 x 100k x 5 x 8 bytes = 0.5 GB for the Jacobian alone
    assert many < 1.25 * few
    assert few < 400e6


# -- the subsample strategy ------------------------------------------------------------------


@pytest.mark.parametrize("data", ["cloud", "curves"])
def test_subsample_strategy_reaches_the_full_search_optimum(data):
    X, y = cloud(12_000, seed=5) if data == "cloud" else curves()
    full = quiet_fit(LAW, (X, y), strategy="full")
    sub = quiet_fit(LAW, (X, y), strategy="subsample", subsample=1024)
    assert "on a 1024-point stratified subsample" in sub.starts
    assert abs(sub.objective - full.objective) <= 1e-9 * full.objective
    for k in TRUTH:
        assert sub.params[k] == pytest.approx(full.params[k], rel=1e-5)
    assert sub.n_obs == len(y) and sub.residuals.shape == (len(y),)


def test_auto_strategy_switches_above_the_threshold(monkeypatch):
    X, y = cloud(3000, seed=6)
    assert "subsample" not in quiet_fit(LAW, (X, y)).starts
    monkeypatch.setattr(_fit, "SUBSAMPLE_ABOVE", 2000)
    res = quiet_fit(LAW, (X, y), subsample=600)
    assert "on a 600-point stratified subsample" in res.starts
    assert res.objective <= quiet_fit(LAW, (X, y), strategy="full").objective * (1 + 1e-9)


def test_stratified_subsample_is_seeded_covers_every_cell_and_weights_sum_to_n():
    X, y = curves(runs=30, steps=400)  # dense in D along each curve, sparse in N
    prob = Problem(LAW, X, y, Huber(), "log")
    idx, w, cells = stratified_subsample(prob, 900, np.random.default_rng(0))
    idx2, w2, _ = stratified_subsample(prob, 900, np.random.default_rng(0))
    idx3, _, _ = stratified_subsample(prob, 900, np.random.default_rng(1))
    np.testing.assert_array_equal(idx, idx2)
    np.testing.assert_array_equal(w, w2)
    assert not np.array_equal(idx, idx3)
    assert len(np.unique(idx)) == len(idx) == 900 and np.all(np.diff(idx) > 0)
    assert w.sum() == pytest.approx(len(y), rel=1e-12)  # sum over cells of m_c x n_c / m_c
    # every model size (a sparse direction: 30 values among 12,000 points) is represented
    assert len(np.unique(X[idx, 0])) == 30
    assert cells > 1
    all_idx, all_w, _ = stratified_subsample(prob, len(y) + 1, np.random.default_rng(0))
    assert len(all_idx) == len(y) and np.all(all_w == 1)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(strategy="fast"), r"strategy='fast' is not allowed; use 'auto', 'full' or 'subsample'"),
        (dict(chunk_size=0), r"chunk_size=0; use a positive integer"),
        (dict(chunk_size=2.5), r"chunk_size=2.5; use a positive integer"),
        (dict(subsample=10), r"subsample=10; use an integer >= 24"),
    ],
)
def test_bad_scale_arguments_give_clear_errors(kwargs, match):
    X, y = cloud(100)
    with pytest.raises(ValueError, match=match):
        quiet_fit(LAW, (X, y), **kwargs)


@pytest.mark.parametrize("seed", [0, 1])
def test_subsample_strategy_reaches_the_full_optimum_on_chinchilla_runs(chinchilla_runs, seed):
    # the shipped data are small (auto uses the full search); forced onto a 100-of-240 subsample,
    # the strategy still lands on the full search's optimum of the real runs
    full = quiet_fit(LAW, chinchilla_runs)
    assert "subsample" not in full.starts
    sub = quiet_fit(LAW, chinchilla_runs, strategy="subsample", subsample=100, seed=seed)
    assert "on a 100-point stratified subsample" in sub.starts
    assert abs(sub.objective - full.objective) <= 1e-9 * full.objective


# -- the bag of little bootstraps ------------------------------------------------------


def test_bag_of_little_bootstraps_matches_the_full_bootstrap_spread():
    from scalewatch.fitting import bootstrap

    X, y = cloud(3000, seed=11)
    res = quiet_fit(LAW, (X, y))
    full = bootstrap(res, 400, seed=0, strategy="full")
    blb = bootstrap(res, 400, seed=0, strategy="blb", subsets=8, subset_size=300)
    assert full.strategy == "full" and blb.strategy == "blb: 8 subsets of 300 units"
    assert blb.n_failed == 0 and blb.samples["alpha"].size == 400
    for k in ("E", "alpha", "beta"):
        lo_f, hi_f = full.intervals[k]
        lo_b, hi_b = blb.intervals[k]
        # the same spread (percentile noise of 400 resamples is ~10%) ...
        assert (hi_b - lo_b) == pytest.approx(hi_f - lo_f, rel=0.35), k
        # ... centred at the full-data fit, not at the subsets' fits (whose own spread is ~3x wider here)
        assert lo_b < res.params[k] < hi_b, k
        assert abs((lo_b + hi_b) / 2 - (lo_f + hi_f) / 2) < 0.35 * (hi_f - lo_f), k
    assert "bag of little bootstraps (8 subsets of 300 units)" in blb.report()
    assert blb.to_dict()["strategy"] == "blb: 8 subsets of 300 units"


def test_bootstrap_switches_to_little_bootstraps_above_the_threshold(monkeypatch):
    from scalewatch.fitting import _bootstrap, bootstrap

    X, y = cloud(3000, seed=12)
    res = quiet_fit(LAW, (X, y))
    assert bootstrap(res, 20, seed=0).strategy == "full"
    monkeypatch.setattr(_bootstrap, "BLB_ABOVE", 2000)
    seen = []
    real = _bootstrap._solve_chunk

    def spy(problem, W, *args, **kwargs):
        seen.append((problem.n, W.sum(axis=1)))
        return real(problem, W, *args, **kwargs)

    monkeypatch.setattr(_bootstrap, "_solve_chunk", spy)
    boot = bootstrap(res, 40, seed=0, threads=1)
    # default subsets: min(10, 40 // 10) = 4, of max(4096, 3000**0.6) -> all 3000 units at most
    assert boot.strategy == "blb: 4 subsets of 3000 units"
    monkeypatch.setattr(_bootstrap, "_BLB_MIN", 500)
    seen.clear()
    boot = bootstrap(res, 40, seed=0, threads=1)
    assert boot.strategy == "blb: 4 subsets of 500 units" and boot.n_failed == 0
    assert all(n == 500 for n, _ in seen)
    # every resample (and each subset's own fit) is weighted up to the full size
    resamples = np.concatenate([w for _, w in seen if len(w) > 1])
    assert resamples.size == 40 and np.allclose(resamples, 3000)
    again = bootstrap(res, 40, seed=0, threads=2)
    assert np.array_equal(again.samples["alpha"], boot.samples["alpha"])  # seeded, whatever the threads


def test_bag_of_little_bootstraps_keeps_runs_whole_and_refuses_bca():
    from scalewatch.fitting import bootstrap

    X, y = curves(runs=30, steps=40, seed=2)
    run_id = np.repeat(np.arange(30), 40)
    res = quiet_fit(LAW, {"N": X[:, 0], "D": X[:, 1], "loss": y, "run_id": run_id}, groups="run_id")
    boot = bootstrap(res, 60, seed=0, strategy="blb", subsets=3, subset_size=12, threads=1)
    assert boot.strategy == "blb: 3 subsets of 12 units" and boot.n_failed == 0
    assert boot.groups.startswith("runs (all 1200 points of 30 runs")
    with pytest.raises(ValueError, match="method='bca' needs a jackknife over all 30 resampling units"):
        bootstrap(res, 60, strategy="blb", method="bca")
    with pytest.raises(ValueError, match="strategy='fast'; use 'auto', 'full' or 'blb'"):
        bootstrap(res, 60, strategy="fast")
    with pytest.raises(ValueError, match="subset_size=0; use a positive integer"):
        bootstrap(res, 60, strategy="blb", subset_size=0)
