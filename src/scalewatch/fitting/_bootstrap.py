"""Bootstrap intervals where every resample gets a real multi-start search.

Resamples are observation weights (multinomial counts of runs, or of whole
groups such as model sizes), so all resamples share the inputs and are solved
together: a batch of (resamples x starts) problems advances through the same
Levenberg-Marquardt iterations. Each resample starts from every distinct local
optimum of the full-data search plus the best points of the full-data exponent
grid; after a few screening iterations the two best starts per resample are
converged; a resample whose starts all run out of iterations gets a second,
ten times larger budget. Resamples that still fail are counted and reported,
never dropped silently.

References
----------
Efron & Tibshirani (1993), *An Introduction to the Bootstrap*, ch. 13-14
(percentile and BCa intervals).
"""

from __future__ import annotations

import math
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

__all__ = ["bootstrap", "BootstrapResult"]

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
            "estimate": {k: float(v) for k, v in self.estimate.items()},
            "intervals": {k: [float(a), float(b)] for k, (a, b) in self.intervals.items()},
            "seconds": self.seconds,
        }

    def __repr__(self) -> str:
        return f"BootstrapResult({self.fit.law.name}, {self.n_resamples} resamples, {self.n_failed} failed, {self.method})"


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


def _solve_chunk(problem: Problem, W: np.ndarray, starts: np.ndarray, screen_iter: int, keep: int, max_iter: int):
    """Screen every start of every resample, then converge each resample's best ``keep``.

    A runner-up that screening already brought into the same basin as the best
    start (all internal coordinates within 1e-3) is not refined twice.
    """
    R, S = len(W), len(starts)
    u0 = np.tile(starts, (R, 1))  # (R*S, p), resample-major
    Wb = np.repeat(W, S, axis=0)
    scr = levenberg_marquardt(problem, u0, Wb, max_iter=screen_iter)
    f = np.where(np.isfinite(scr.f), scr.f, np.inf).reshape(R, S)
    order = np.argsort(f, axis=1, kind="stable")[:, :keep]  # (R, keep)
    flat = np.arange(R)[:, None] * S + order
    owner = np.repeat(np.arange(R), keep)
    rows = flat.ravel()
    best_u = scr.u[flat[:, 0]]
    same_basin = np.all(np.abs(scr.u[rows] - np.repeat(best_u, keep, axis=0)) < 1e-3, axis=1)
    same_basin[::keep] = False  # always refine the best start itself
    rows, owner = rows[~same_basin], owner[~same_basin]
    fin = levenberg_marquardt(problem, scr.u[rows], Wb[rows], max_iter=max_iter, lam0=scr.lam[rows])
    u, f, status = fin.u.copy(), fin.f.copy(), fin.status.copy()
    ok = np.isin(status, Status.CONVERGED) & np.isfinite(f)
    # A resample whose refined starts all ran out of iterations (typically one with
    # fewer distinct runs than parameters: a flat valley) gets _RESCUE times the
    # budget once more, from where it stopped, before it counts as failed.
    has_ok = np.zeros(R, dtype=bool)
    has_ok[owner[ok]] = True
    again = np.flatnonzero((status == Status.MAX_ITER) & ~has_ok[owner])
    if again.size:
        more = levenberg_marquardt(problem, u[again], Wb[rows[again]], max_iter=_RESCUE * max_iter, lam0=fin.lam[again])
        u[again], f[again], status[again] = more.u, more.f, more.status
        ok = np.isin(status, Status.CONVERGED) & np.isfinite(f)
    score = np.where(ok, f, np.inf)
    # per resample: the refined start with the lowest objective
    order2 = np.lexsort((score, owner))
    first = np.ones(len(order2), dtype=bool)
    first[1:] = owner[order2][1:] != owner[order2][:-1]
    pick = order2[first]  # one row per resample, in resample order
    return u[pick], ok[pick]


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
    screen_iter: int = 4,
    keep: int = 2,
    max_iter: int = 200,
    threads: int = 2,
    chunk: int = 500,
    progress: Callable[[int, int], None] | None = None,
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
        an input (``"N"``: whole model sizes), or explicit labels.
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
        best exponent-grid points; all advance ``screen_iter`` iterations, the
        best ``keep`` are converged.
    threads : int
        Worker threads (numpy releases the GIL; no fork-only multiprocessing).
    chunk : int
        Resamples per batch (bounds memory).
    progress : callable(done, total), optional
        Called after each batch of resamples (the CLI draws a progress bar).

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
    rng = np.random.default_rng(seed)
    labels, group_desc = group_labels("bootstrap", fit.law, fit.X, groups)
    G = int(labels.max()) + 1
    problem = Problem(fit.law, fit.X, fit.y, fit.loss, fit.space)
    w0 = fit.weights
    starts = _starts(problem, fit, w0, n_grid_starts)
    keep = min(keep, len(starts))

    # multinomial counts of groups -> observation weights (R, n)
    counts = rng.multinomial(G, np.full(G, 1.0 / G), size=n_resamples).astype(np.float64)
    W = counts[:, labels] * w0

    pieces = [slice(i, min(i + chunk, n_resamples)) for i in range(0, n_resamples, chunk)]

    done = [0]

    def work(sl: slice):
        out = _solve_chunk(problem, W[sl], starts, screen_iter, keep, max_iter)
        if progress is not None:
            done[0] += sl.stop - sl.start
            progress(done[0], n_resamples)
        return out

    if threads > 1 and len(pieces) > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            outs = list(pool.map(work, pieces))
    else:
        outs = [work(sl) for sl in pieces]
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
    )


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
