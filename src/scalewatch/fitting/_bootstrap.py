"""Bootstrap intervals where every resample gets a real multi-start search.

Resamples are observation weights (multinomial counts of runs, or of whole
groups such as all the checkpoints of one training run), so all resamples
share the inputs and are solved together: a batch of (resamples x starts)
problems advances through the same Levenberg-Marquardt iterations.

Each resample starts from every distinct local optimum of the full-data search
plus the best points of the full-data exponent grid. The starts are ranked by
their objective on the resample (optionally after a few screening
iterations); the best (almost always the full-data optimum: a warm start) is
converged, and the runner-up is advanced a few iterations at a time until it
converges elsewhere (and wins if lower) or enters the basin of the first
(every internal coordinate within 1e-3), where it would only retrace the
first one's last iterations. A resample whose best start runs out of
iterations gets a second, ten times larger budget. Resamples that still fail
are counted and reported, never dropped silently.

Many resampling units (``strategy="auto"`` above :data:`BLB_ABOVE`, e.g. a
million runs): every resample of a plain bootstrap is a fit on all n points,
so 1000 resamples cost 1000 full fits. The *bag of little bootstraps*
(Kleiner, Talwalkar, Sarkar & Jordan 2014) draws ``s`` subsets of
b = max(4096, G^0.6) units without replacement, and resamples each subset to
the full size (multinomial counts of G over its b units), so each resample is
a search on b distinct units only, weighted to G. What BLB estimates is the
spread of the estimator at size G; it is centred at the full-data fit: each
resample's deviation from its subset's own fit (in the internal
parametrisation, so A, B, E stay positive) is added to the full-data optimum,
and the intervals are percentiles of these recentred resamples pooled over the
subsets.

Cost (benchmarks/bench_fit.py, 240 Chinchilla runs): about 27 linearisations
per resample, against 42 when every runner-up was converged in full after four
screening iterations of every start; the objective reached is the same on
every resample checked.

References
----------
Efron & Tibshirani (1993), *An Introduction to the Bootstrap*, ch. 13-14
(percentile and BCa intervals).
Kleiner, Talwalkar, Sarkar & Jordan (2014), "A scalable bootstrap for massive
data", J. R. Stat. Soc. B 76(4), 795-816 (the bag of little bootstraps).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from scalewatch.fitting._design import group_labels
from scalewatch.fitting._problem import Problem
from scalewatch.fitting._result import FitResult
from scalewatch.fitting._search import distinct, nonneg_linear_fit
from scalewatch.fitting._solver import Status, levenberg_marquardt

__all__ = ["bootstrap", "BootstrapResult", "BLB_ABOVE", "default_threads"]

#: resampling units above which ``strategy="auto"`` uses the bag of little bootstraps
BLB_ABOVE = 20_000
#: smallest subset (units) of the bag of little bootstraps
_BLB_MIN = 4096
#: subsets of the bag of little bootstraps when none is given (Kleiner et al. use 10-20)
_BLB_SUBSETS = 10

#: initial damping of every resample's starts. They are optima of the full data
#: (or refined grid points), near each resample's optimum, where Gauss-Newton
#: steps are good at once: 1e-5 instead of the solver's 1e-3 saves ~5 of the ~27
#: linearisations per resample (240 Chinchilla runs, same optima to 1e-14)
_LAM0 = 1e-5
#: iteration budget, in multiples of ``max_iter``, of the second try given to a
#: resample whose refined starts all hit the iteration limit
_RESCUE = 10


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """Bootstrap distribution of a fit's parameters and derived quantities.

    Attributes
    ----------
    estimate : dict
        Full-data point estimates (parameters and derived quantities).
    samples : dict
        name -> array of successful resample values.
    intervals : dict
        name -> (low, high) at confidence ``ci`` by ``method``.
    n_resamples, n_failed : int
        Resamples drawn and resamples whose search did not converge.
    """

    fit: FitResult = field(repr=False)
    estimate: dict[str, float]
    samples: dict[str, np.ndarray] = field(repr=False)
    intervals: dict[str, tuple[float, float]]
    method: str
    ci: float
    n_resamples: int
    n_failed: int
    groups: str
    seconds: float
    strategy: str = "full"  # "full" or "blb: S subsets of B units"

    def interval(self, name: str) -> tuple[float, float]:
        try:
            return self.intervals[name]
        except KeyError:
            raise KeyError(f"no interval named {name!r}; have {sorted(self.intervals)}") from None

    def report(self) -> str:
        pct = f"{100 * self.ci:g}%"
        lines = [
            f"[[Bootstrap]] {self.fit.law.name}, {self.n_resamples} resamples of {self.groups}, {self.method} {pct} intervals",
            f"    loss        {self.fit.loss.label()} on {self.fit.space} residuals",
            f"    failed      {self.n_failed}/{self.n_resamples} resamples did not converge (excluded)",
            *([f"    strategy    bag of little bootstraps ({self.strategy[5:]})"] if self.strategy != "full" else []),
            f"    time        {self.seconds:.3g} s",
        ]
        for name, (lo, hi) in self.intervals.items():
            lines.append(f"    {name:<12} {self.estimate[name]:<12.6g} [{lo:.6g}, {hi:.6g}]")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "law": self.fit.law.name,
            "loss": {**self.fit.loss.to_dict(), "label": self.fit.loss.label(), "space": self.fit.space},
            "method": self.method,
            "ci": self.ci,
            "n_resamples": self.n_resamples,
            "n_failed": self.n_failed,
            "groups": self.groups,
            "strategy": self.strategy,
            "estimate": {k: float(v) for k, v in self.estimate.items()},
            "intervals": {k: [float(a), float(b)] for k, (a, b) in self.intervals.items()},
            "seconds": self.seconds,
        }

    def __repr__(self) -> str:
        return f"BootstrapResult({self.fit.law.name}, {self.n_resamples} resamples, {self.n_failed} failed, {self.method})"


def default_threads() -> int:
    """Threads of a bootstrap by default: ``$SCALEWATCH_THREADS`` (a positive integer) if set, else 2."""
    raw = os.environ.get("SCALEWATCH_THREADS", "").strip()
    if not raw:
        return 2
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"SCALEWATCH_THREADS={raw!r}; set it to a positive integer (threads per bootstrap) or unset it.")
    return value


def _resampling_units(fit: FitResult, groups: Any) -> tuple[np.ndarray, str]:
    """Label of each point's resampling unit and its description; whole runs for a grouped fit."""
    runs = fit.groups
    if runs is None:
        return group_labels("bootstrap", fit.law, fit.X, groups)
    n_runs = int(runs.max()) + 1
    if groups is None or (isinstance(groups, str) and groups == "runs"):
        return runs, f"runs (all {len(runs)} points of {n_runs} runs, each run whole)"
    labels, desc = group_labels("bootstrap", fit.law, fit.X, groups)
    # every run must lie inside one unit, or resampling would split its curve into points
    per_run = np.zeros(n_runs, dtype=np.int64) - 1
    per_run[runs] = labels
    if np.any(per_run[runs] != labels):
        bad = int(runs[np.flatnonzero(per_run[runs] != labels)[0]])
        raise ValueError(
            f"bootstrap(groups=...) splits run {bad} of the fit's groups across resampling units; a fit to loss curves "
            "is resampled by whole runs: use groups=None (each run) or a grouping that keeps each run together ('N')."
        )
    return labels, desc


def _starts(problem: Problem, fit: FitResult, w: np.ndarray, n_grid: int) -> np.ndarray:
    """Starts (S, p) in u: the full-data local optima plus the best exponent-grid points."""
    from scalewatch.fitting._fit import _profile_grid

    starts = [problem.to_u(np.array([p[n] for n in fit.law.param_names])) for _, p in fit.local_optima] or [problem.to_u(fit.theta)]
    law = fit.law
    if law.linear_params and n_grid > 0:
        grid = nonneg_linear_fit(problem, _profile_grid(law, np.random.default_rng(0)), w)
        u = problem.to_u(grid)
        f = problem.objective(u, w)
        top = distinct(u, f, n_grid)
        starts.extend(u[top])
    return np.array(starts)


def _solve_chunk(problem: Problem, W: np.ndarray, starts: np.ndarray, screen_iter: int, keep: int, max_iter: int,
                 probe: int = 3):
    """Screen every start of every resample, converge each resample's best, then chase its runners-up.

    Returns the internal parameters (R, p) of each resample's best converged
    refinement and whether it converged (R,).

    The best screened start of every resample is converged first (one batch).
    Each runner-up (the next ``keep - 1`` screened starts) then advances
    ``probe`` iterations at a time and stops as soon as it enters the basin of
    its resample's converged optimum (all internal coordinates within 1e-3):
    from there the same iterations would lead to the same point, so running
    them to full convergence only repeats work. A runner-up that converges
    elsewhere to a lower objective replaces the optimum. Every resample is thus
    still searched from several starts; what is saved is the tail of the
    iterations of starts that have already joined the best one.
    """
    R, S = len(W), len(starts)
    u0 = np.tile(starts, (R, 1))  # (R*S, p), resample-major
    Wb = np.repeat(W, S, axis=0)
    scr = levenberg_marquardt(problem, u0, Wb, max_iter=screen_iter, lam0=_LAM0)
    f = np.where(np.isfinite(scr.f), scr.f, np.inf).reshape(R, S)
    order = np.argsort(f, axis=1, kind="stable")[:, :keep]  # (R, keep)
    base = np.arange(R) * S
    first = base + order[:, 0]
    fin = levenberg_marquardt(problem, scr.u[first], W, max_iter=max_iter, lam0=scr.lam[first])
    u, fb, status = fin.u.copy(), fin.f.copy(), fin.status.copy()
    # A resample whose best start ran out of iterations (typically one with fewer
    # distinct runs than parameters: a flat valley) gets _RESCUE times the budget
    # once more, from where it stopped.
    again = np.flatnonzero(status == Status.MAX_ITER)
    if again.size:
        more = levenberg_marquardt(problem, u[again], W[again], max_iter=_RESCUE * max_iter, lam0=fin.lam[again])
        u[again], fb[again], status[again] = more.u, more.f, more.status
    ok = np.isin(status, Status.CONVERGED) & np.isfinite(fb)
    for j in range(1, order.shape[1]):
        rows = base + order[:, j]
        cu, cl = scr.u[rows].copy(), scr.lam[rows].copy()
        live = np.isfinite(f[np.arange(R), order[:, j]]) & ~_same_basin(cu, u, ok)
        spent = screen_iter
        while live.any() and spent < _RESCUE * max_iter:
            idx = np.flatnonzero(live)
            sol = levenberg_marquardt(problem, cu[idx], W[idx], max_iter=probe, lam0=cl[idx])
            cu[idx], cl[idx] = sol.u, sol.lam
            spent += probe
            done = np.isin(sol.status, Status.CONVERGED) & np.isfinite(sol.f)
            better = done & (~ok[idx] | (sol.f < fb[idx]))
            win = idx[better]
            u[win], fb[win], ok[win] = sol.u[better], sol.f[better], True
            stop = done | (sol.status == Status.INVALID) | ((sol.status == Status.MAX_ITER) & (spent >= max_iter) & ok[idx])
            live[idx[stop]] = False
            live[idx] &= ~_same_basin(cu[idx], u[idx], ok[idx])
    return u, ok


def _same_basin(a: np.ndarray, b: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Rows of ``a`` within 1e-3 (every internal coordinate) of the converged rows of ``b``."""
    return ok & np.all(np.abs(a - b) < 1e-3, axis=1)


def bootstrap(
    fit: FitResult,
    n_resamples: int = 1000,
    *,
    groups: Any = None,
    ci: float = 0.95,
    method: str = "percentile",
    derived: Mapping[str, Callable[[Mapping[str, np.ndarray]], np.ndarray]] | None = None,
    seed: int | np.random.Generator | None = 0,
    n_grid_starts: int = 4,
    screen_iter: int = 0,
    keep: int = 2,
    max_iter: int = 200,
    threads: int | None = None,
    chunk: int = 500,
    progress: Callable[[int, int], None] | None = None,
    strategy: str = "auto",
    subsets: int | None = None,
    subset_size: int | None = None,
) -> BootstrapResult:
    r"""Resample, refit each resample with a multi-start search, and report intervals.

    Parameters
    ----------
    fit : FitResult
        The full-data fit; its law, loss, space and data are reused.
    n_resamples : int
        Number of bootstrap resamples.
    groups : None, "runs", input name or array (n,)
        Resampling unit: single runs (default), whole groups of equal value of
        an input (``"N"``: whole model sizes), or explicit labels. For a fit
        given ``groups=`` (many points per run: loss curves) the unit is a whole
        run by default, and any other grouping must keep each run's points
        together: points are never resampled one by one.
    ci : float
        Confidence level in (0, 1).
    method : {"percentile", "bca"}
        Percentile intervals, or bias-corrected and accelerated (BCa; the
        acceleration comes from a leave-one-group-out jackknife).
    derived : mapping name -> function, optional
        Functions of the parameters (given as a mapping of arrays, one entry
        per resample) whose intervals are wanted too, e.g. compute-optimal
        exponents ``{"a": lambda p: p["beta"] / (p["alpha"] + p["beta"])}``.
    seed : int, Generator or None
        Seed of the resampling.
    n_grid_starts, screen_iter, keep, max_iter :
        Search per resample: starts = full-data local optima + ``n_grid_starts``
        best exponent-grid points, ranked by their objective on the resample
        after ``screen_iter`` iterations (0: as they are); the best is
        converged and the next ``keep - 1`` are followed until they converge
        or join its basin (see the module docstring).
    threads : int, optional
        Worker threads (numpy releases the GIL; no fork-only multiprocessing).
        Default: ``$SCALEWATCH_THREADS`` if set (the parallel report sets 1 in
        each of its processes, which already fill the cores), else 2.
    chunk : int
        Resamples per batch (bounds memory).
    progress : callable(done, total), optional
        Called after each batch of resamples (the CLI draws a progress bar).
    strategy : {"auto", "full", "blb"}
        ``"full"``: every resample is a search on all the data. ``"blb"``: the
        bag of little bootstraps (see the module docstring), whose resamples are
        searches on ``subset_size`` units each. ``"auto"`` (default): ``"blb"``
        above :data:`BLB_ABOVE` resampling units, else ``"full"``.
    subsets, subset_size : int, optional
        Bag of little bootstraps only: the number of subsets (default
        ``min(10, n_resamples // 10)``, at least 1) and the units in each
        (default ``max(4096, G**0.6)``, at most G), where G is the number of
        resampling units. The resamples are shared out among the subsets.

    Returns
    -------
    BootstrapResult
    """
    t0 = time.perf_counter()
    if not isinstance(fit, FitResult):
        raise TypeError(f"bootstrap() takes the FitResult of scalewatch.fit(...); got {type(fit).__name__}.")
    if not (isinstance(n_resamples, (int, np.integer)) and n_resamples >= 2):
        raise ValueError(f"n_resamples={n_resamples!r}; use an integer >= 2 (e.g. 1000).")
    if not 0 < ci < 1:
        raise ValueError(f"ci={ci!r}; use a confidence level between 0 and 1, e.g. 0.95.")
    if method not in ("percentile", "bca"):
        raise ValueError(f"method={method!r}; use 'percentile' or 'bca'.")
    if strategy not in ("auto", "full", "blb"):
        raise ValueError(f"strategy={strategy!r}; use 'auto', 'full' or 'blb' (the bag of little bootstraps).")
    threads = default_threads() if threads is None else threads
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ValueError(f"threads={threads!r}; use a positive integer (worker threads) or None (the default).")
    rng = np.random.default_rng(seed)
    labels, group_desc = _resampling_units(fit, groups)
    G = int(labels.max()) + 1
    problem = Problem(fit.law, fit.X, fit.y, fit.loss, fit.space)
    w0 = fit.weights
    use_blb = strategy == "blb" or (strategy == "auto" and G > BLB_ABOVE)
    if use_blb and method == "bca":
        raise ValueError(
            f"method='bca' needs a jackknife over all {G} resampling units, which the bag of little bootstraps "
            f"(strategy={strategy!r}, {G} units > {BLB_ABOVE}) exists to avoid; use method='percentile', or "
            "strategy='full' to accept the cost."
        )
    tasks: list[Callable[[], tuple[np.ndarray, np.ndarray]]] = []
    if use_blb:
        tasks, strategy_desc = _blb_tasks(problem, fit, labels, G, n_resamples, rng, subsets, subset_size,
                                          n_grid_starts, screen_iter, keep, max_iter, chunk)
    else:
        starts = _starts(problem, fit, w0, n_grid_starts)
        keep_s = min(keep, len(starts))
        # multinomial counts of groups -> observation weights (R, n)
        counts = rng.multinomial(G, np.full(G, 1.0 / G), size=n_resamples).astype(np.float64)
        W = counts[:, labels] * w0
        for i in range(0, n_resamples, chunk):
            sl = slice(i, min(i + chunk, n_resamples))
            tasks.append(lambda sl=sl: _solve_chunk(problem, W[sl], starts, screen_iter, keep_s, max_iter))
        strategy_desc = "full"

    done = [0]

    def work(task):
        out = task()
        if progress is not None:
            done[0] += len(out[0])
            progress(done[0], n_resamples)
        return out

    if threads > 1 and len(tasks) > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            outs = list(pool.map(work, tasks))
    else:
        outs = [work(t) for t in tasks]
    U = np.vstack([o[0] for o in outs])
    ok = np.concatenate([o[1] for o in outs])
    theta = problem.theta(U)[ok]
    names = fit.law.param_names
    samples = {nm: theta[:, i] for i, nm in enumerate(names)}
    estimate = dict(fit.params)
    if derived:
        full = {nm: np.array([v]) for nm, v in fit.params.items()}
        for key, fn in derived.items():
            samples[key] = np.asarray(fn(samples), dtype=np.float64)
            estimate[key] = float(np.asarray(fn(full), dtype=np.float64).ravel()[0])

    alpha = 1.0 - ci
    if method == "bca":
        jack = _jackknife(problem, fit, labels, G, derived)
    intervals = {}
    for key, vals in samples.items():
        vals = vals[np.isfinite(vals)]
        if vals.size < 2:
            intervals[key] = (math.nan, math.nan)
            continue
        if method == "percentile":
            lo, hi = np.quantile(vals, [alpha / 2, 1 - alpha / 2])
        else:
            lo, hi = _bca(vals, estimate[key], jack[key], alpha)
        intervals[key] = (float(lo), float(hi))
    return BootstrapResult(
        fit=fit,
        estimate=estimate,
        samples=samples,
        intervals=intervals,
        method=method,
        ci=ci,
        n_resamples=int(n_resamples),
        n_failed=int((~ok).sum()),
        groups=group_desc,
        seconds=time.perf_counter() - t0,
        strategy=strategy_desc,
    )


def _blb_tasks(problem: Problem, fit: FitResult, labels: np.ndarray, G: int, n_resamples: int,
               rng: np.random.Generator, subsets: int | None, subset_size: int | None, n_grid: int,
               screen_iter: int, keep: int, max_iter: int, chunk: int):
    """Work of the bag of little bootstraps: batches returning recentred internal parameters.

    Each subset (b units drawn without replacement) gets its own multi-start fit
    (its centre) and its share of the resamples: multinomial counts of G over
    its b units. A resample's deviation from the subset's centre, added to the
    full-data optimum, is its sample; a subset whose own fit fails marks its
    resamples as failed.
    """
    for name, v in (("subsets", subsets), ("subset_size", subset_size)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1):
            raise ValueError(f"{name}={v!r}; use a positive integer or None (the default).")
    b = int(min(G, subset_size if subset_size is not None else max(_BLB_MIN, math.ceil(G**0.6))))
    s = int(subsets if subsets is not None else max(1, min(_BLB_SUBSETS, n_resamples // 10)))
    s = min(s, n_resamples)
    shares = [len(a) for a in np.array_split(np.arange(n_resamples), s)]
    u_full = problem.to_u(fit.theta)
    tasks = []
    for r in shares:
        units = np.sort(rng.choice(G, size=b, replace=False))
        local = np.full(G, -1, dtype=np.int64)
        local[units] = np.arange(b)
        idx = np.flatnonzero(local[labels] >= 0)
        sub = problem.subset(idx)
        sub_labels = local[labels[idx]]
        w_sub = fit.weights[idx]
        counts = rng.multinomial(G, np.full(b, 1.0 / b), size=r).astype(np.float64)
        W = counts[:, sub_labels] * w_sub
        # the subset's own fit (its centre), searched from the same starts as its resamples
        starts = _starts(sub, fit, w_sub, n_grid)
        k = min(keep, len(starts))
        u_c, ok_c = _solve_chunk(sub, w_sub[None, :], starts, screen_iter, k, max_iter)
        for i in range(0, r, chunk):
            sl = slice(i, min(i + chunk, r))

            def task(sub=sub, W=W[sl], starts=starts, k=k, u_c=u_c[0], ok_c=bool(ok_c[0])):
                U, ok = _solve_chunk(sub, W, starts, screen_iter, k, max_iter)
                return np.clip(U - u_c + u_full, problem.lo, problem.hi), ok & ok_c

            tasks.append(task)
    return tasks, f"blb: {s} subsets of {b} units"


def _jackknife(problem: Problem, fit: FitResult, labels: np.ndarray, G: int, derived) -> dict[str, np.ndarray]:
    """Leave-one-group-out refits, warm-started at the full-data optimum."""
    W = np.repeat(fit.weights[None, :], G, axis=0)
    W[labels, np.arange(len(labels))] = 0.0  # row g drops the observations of group g
    u0 = np.repeat(problem.to_u(fit.theta)[None, :], G, axis=0)
    sol = levenberg_marquardt(problem, u0, W, max_iter=200)
    theta = problem.theta(sol.u)
    out = {nm: theta[:, i] for i, nm in enumerate(fit.law.param_names)}
    if derived:
        for key, fn in derived.items():
            out[key] = np.asarray(fn(dict(out)), dtype=np.float64)
    return out


def _bca(vals: np.ndarray, est: float, jack: np.ndarray, alpha: float) -> tuple[float, float]:
    z0 = ndtri(np.clip(np.mean(vals < est), 1e-10, 1 - 1e-10))
    d = jack.mean() - jack
    denom = 6.0 * (np.sum(d * d) ** 1.5)
    a = np.sum(d**3) / denom if denom > 0 else 0.0
    z = ndtri(np.array([alpha / 2, 1 - alpha / 2]))
    adj = ndtr(z0 + (z0 + z) / (1 - a * (z0 + z)))
    lo, hi = np.quantile(vals, np.clip(adj, 0, 1))
    return lo, hi
