"""``fit``: fit a law to data with a batched global search."""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from scalewatch.errors import FitError, IdentifiabilityWarning
from scalewatch.fitting._covariance import covariance
from scalewatch.fitting._design import _table, _target, design_from
from scalewatch.fitting._losses import Loss, as_loss
from scalewatch.fitting._problem import Problem
from scalewatch.fitting._result import FitResult
from scalewatch.fitting._search import SUBSAMPLE_ABOVE, SearchResult, multistart, profile_search, subsample_search
from scalewatch.fitting._solver import Status
from scalewatch.laws import Law, as_design

__all__ = ["fit"]


#: cap on the number of exponent-grid points scanned by the profile search
_PROFILE_BUDGET = 400


def _profile_grid(law: Law, rng: np.random.Generator) -> np.ndarray:
    """Grid over the law's nonlinear parameters (linear ones are set by NNLS)."""
    return _profile_families(law, rng)[0]


def _profile_families(law: Law, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Grid over the law's nonlinear parameters and a family label (0 or 1) per row.

    Family 0 is a mesh (or, with many nonlinear parameters, Sobol points) over
    the parameters' spans; family 1, only with many nonlinear parameters, is the
    law's own starting grid. The search refines the best of each family, so
    adding the second never crowds out the first.
    """
    nonlinear = [p for p in law.parameters if p.name not in law.linear_params]
    base = np.array([(p.grid[0] if p.grid else _mid(p)) for p in law.parameters], dtype=np.float64)
    if not nonlinear:
        return base[None, :], np.zeros(1, dtype=np.int64)
    k = len(nonlinear)
    per_axis = max(3, min(15, int(math.floor(_PROFILE_BUDGET ** (1.0 / k)))))
    axes = []
    for p in nonlinear:
        lo, hi = (min(p.grid), max(p.grid)) if len(p.grid) >= 2 else _span(p)
        axes.append(np.geomspace(lo, hi, per_axis) if p.scale == "log" else np.linspace(lo, hi, per_axis))
    if per_axis**k <= 4 * _PROFILE_BUDGET:
        mesh = np.meshgrid(*axes, indexing="ij")
        pts = np.stack([m.ravel() for m in mesh], axis=-1)
        family = np.zeros(len(pts), dtype=np.int64)
    else:
        # Too many nonlinear parameters for a full mesh: Sobol points over their
        # spans, plus the distinct nonlinear parts of the law's own starting grid,
        # which its author built for the law's shape (BNSL: ordered break
        # locations, a few slope changes) and which scattered points rarely hit.
        from scipy.stats import qmc

        unit = qmc.Sobol(k, scramble=True, seed=rng).random(256)
        pts = np.column_stack([a[0] + (a[-1] - a[0]) * unit[:, i] for i, a in enumerate(axes)])
        family = np.zeros(len(pts), dtype=np.int64)
        own = law.default_grid()
        if len(own) <= 20_000:
            own = np.unique(own[:, [law.param_names.index(p.name) for p in nonlinear]], axis=0)
            if len(own) <= 4 * _PROFILE_BUDGET:
                pts = np.vstack([pts, own])
                family = np.concatenate([family, np.ones(len(own), dtype=np.int64)])
    grid = np.repeat(base[None, :], len(pts), axis=0)
    idx = [law.param_names.index(p.name) for p in nonlinear]
    grid[:, idx] = pts
    return grid, family


def _mid(p) -> float:
    lo, hi = _span(p)
    return math.sqrt(lo * hi) if p.scale == "log" else 0.5 * (lo + hi)


def _span(p) -> tuple[float, float]:
    if p.scale == "log":
        return max(p.lower, 1e-6), min(p.upper, 1e6)
    return max(p.lower, -10.0), min(p.upper, 10.0)


def _random_starts(law: Law, n: int, rng: np.random.Generator) -> np.ndarray:
    from scipy.stats import qmc

    unit = qmc.Sobol(law.n_params, scramble=True, seed=rng).random(n)
    cols = []
    for i, p in enumerate(law.parameters):
        lo, hi = (min(p.grid), max(p.grid)) if len(p.grid) >= 2 else _span(p)
        if p.scale == "log":
            cols.append(np.exp(np.log(lo) + (np.log(hi) - np.log(lo)) * unit[:, i]))
        else:
            cols.append(lo + (hi - lo) * unit[:, i])
    return np.column_stack(cols)


def run_search(problem: Problem, w: np.ndarray, starts: Any, rng: np.random.Generator, *, keep: int, max_iter: int) -> tuple[SearchResult, str]:
    """Resolve ``starts=`` and run the matching global search."""
    law = problem.law
    if starts is None or (isinstance(starts, str) and starts == "auto"):
        if law.linear_params:
            grid, family = _profile_families(law, rng)
            label = f"profile grid over {len(grid)} values of the nonlinear parameters"
            if family.max() > 0:
                label += f" ({int((family == 0).sum())} Sobol points + {int((family == 1).sum())} from the law's grid)"
            return profile_search(problem, w, grid, keep=keep, max_iter=max_iter, family=family), label
        starts = "grid" if len(law.default_grid()) <= 5000 else 256
    if isinstance(starts, str):
        if starts not in ("grid", "hoffmann"):
            raise ValueError(f"starts={starts!r} is not allowed; use 'auto', 'grid', 'hoffmann', an int or an (S, p) array.")
        pts = law.default_grid()
        label = f"{len(pts)}-point default grid" + (" (Hoffmann et al. 2022)" if law.name == "chinchilla" else "")
    elif isinstance(starts, (int, np.integer)) and not isinstance(starts, bool):
        if starts < 1:
            raise ValueError(f"starts={starts} must be >= 1.")
        pts = _random_starts(law, int(starts), rng)
        label = f"{starts} Sobol starts"
    else:
        pts = np.atleast_2d(np.asarray(starts, dtype=np.float64))
        if pts.shape[-1] != law.n_params:
            raise ValueError(f"starts has shape {pts.shape}; {law.name} needs (S, {law.n_params}) in the order {law.param_names}.")
        if len(pts) <= 16:
            # a few explicit starts: refine each with both step rules (cheap, and surer)
            label = f"{len(pts)} given start(s), each refined by both step rules"
            return multistart(problem, problem.to_u(pts), w, keep=keep, max_iter=max_iter, both_rules=True), label
        label = f"{len(pts)} given starts"
    return multistart(problem, problem.to_u(pts), w, keep=keep, max_iter=max_iter), label


def fit(
    law: Law,
    data: Any,
    *,
    y: Any = None,
    inputs: Mapping[str, str] | None = None,
    loss: str | Loss = "huber",
    delta: float | None = None,
    space: str | None = None,
    weights: Any = None,
    groups: Any = None,
    group_weights: str = "per_run",
    starts: Any = None,
    keep: int = 12,
    max_iter: int = 2000,
    seed: int | np.random.Generator | None = 0,
    raise_on_failure: bool = True,
    strategy: str = "auto",
    subsample: int = 4096,
    chunk_size: int | None = None,
) -> FitResult:
    r"""Fit ``law`` to ``data`` by a batched global search; return a :class:`FitResult`.

    Minimises :math:`\sum_i w_i \rho(r_i)` where :math:`r_i = \log \hat y_i - \log y_i`
    (``space="log"``) or :math:`\hat y_i - y_i` (``space="linear"``).

    Parameters
    ----------
    law : Law
        A law from :mod:`scalewatch.laws` (or ``laws.custom(...)``).
    data : DataFrame, mapping, RunSet or (n, k) array
        Inputs named as in ``law.inputs`` (run-table names work too: ``params``
        for N, ``tokens`` for D, ``compute`` for C) and the target column
        ``law.output`` ("loss") unless ``y`` is given.
    y : array or str, optional
        Targets, or the name of the target column.
    inputs : mapping, optional
        Law input name -> column name, e.g. ``{"N": "params_nonembedding"}``.
    loss : {"huber", "lsq", "huber_likelihood"} or Loss, default "huber"
        The robust loss. Huber's delta defaults to 1e-3 (Hoffmann et al. 2022).
        The choice moves the answer more than the optimiser does: always
        report it next to the numbers (``to_dict()["loss"]`` does).
    delta : float, optional
        Huber threshold, in units of the residuals.
    space : {"log", "linear"}, optional
        Where residuals are taken; default "log" for positive laws.
    weights : array (n,), optional
        Non-negative observation weights (counts, for resampling).
    groups : str or array (n,), optional
        The training run of each point, when the data hold many points per run
        (whole loss curves: one row per logged step): a column name such as
        ``"run_id"`` or one label per row. :func:`~scalewatch.bootstrap` of the
        result then resamples whole runs, never single points (the points of
        one curve share the run's seed, data order and schedule; they are not
        independent draws).
    group_weights : {"per_run", "per_point"}, default "per_run"
        With ``groups``: ``"per_run"`` weights each point by 1 / (its run's
        point count), so every run counts once in the objective whatever the
        number of checkpoints it logged, :math:`\sum_g \frac{1}{n_g}
        \sum_{i \in g} w_i \rho(r_i)`; ``"per_point"`` leaves every point
        its own weight (a run that logged ten times as often pulls ten times
        as hard, as a plain fit to all of Hoffmann et al.'s approach-1 curve
        points would).
    starts : None, "grid", "hoffmann", int or array (S, p)
        ``None``: variable projection over a grid of the law's nonlinear
        parameters when the law has linear ones, else its default grid.
        ``"hoffmann"``/``"grid"``: the law's default grid (4500 points for
        Chinchilla), all solved as one batch. An int: that many Sobol points.
        An array: explicit starts, natural units.
    keep : int
        Best distinct starts refined to full convergence.
    max_iter : int
        Iteration limit per start.
    seed : int, Generator or None
        Seed of any random starts.
    raise_on_failure : bool
        Raise :class:`~scalewatch.errors.FitError` when no start converges.
    strategy : {"auto", "full", "subsample"}, default "auto"
        ``"full"``: the search above on all the data. ``"subsample"``: the
        same search on a stratified subsample of ``subsample`` points (cells of
        the log inputs, log N x log D for Chinchilla, each represented, points
        design-weighted by n_cell / m_cell so the subsample's objective
        estimates the full one), then its best (up to two) distinct optima refined on
        all the data; the cost grows like a few Gauss-Newton passes over the
        data instead of a search's. ``"auto"``: "full" up to 20,000 points,
        "subsample" above.
    subsample : int, default 4096
        Points in the subsample of ``strategy="subsample"``.
    chunk_size : int, optional
        Observations summed at once (default 65,536). Every objective,
        gradient and curvature is accumulated over chunks and blocks of starts,
        so memory is O(n) with a small constant whatever the number of starts
        (10 million points of Chinchilla fit in under 2 GB). Results agree with
        an unchunked fit to rounding.

    Returns
    -------
    FitResult

    Raises
    ------
    ValueError
        Bad data (too few points, non-positive targets on log scale, NaN) or arguments.
    FitError
        No start converged and ``raise_on_failure``.

    References
    ----------
    Hoffmann et al. (2022), arXiv:2203.15556, Appendix D.2 (Huber, delta 1e-3,
    log residuals, 4500-point grid) and section 3.1 (approach 1: whole training
    curves of every run); Besiroglu et al. (2024), arXiv:2404.10102;
    Horvitz & Thompson (1952), JASA 47(260) (design weights of the subsample).

    Examples
    --------
    >>> import numpy as np
    >>> from scalewatch import fit, laws
    >>> law = laws.Chinchilla()
    >>> N, D = np.meshgrid(np.geomspace(1e7, 1e10, 6), np.geomspace(1e9, 1e12, 6))
    >>> truth = dict(E=1.7, A=400.0, B=1500.0, alpha=0.34, beta=0.36)
    >>> data = {"N": N.ravel(), "D": D.ravel(), "loss": law(np.c_[N.ravel(), D.ravel()], **truth)}
    >>> result = fit(law, data)
    >>> round(result.params["alpha"], 4), round(result.params["beta"], 4)
    (0.34, 0.36)
    """
    t0 = time.perf_counter()
    if not isinstance(law, Law):
        raise TypeError(f"fit(law=...) takes a scalewatch Law (e.g. laws.Chinchilla()); got {type(law).__name__}.")
    rng = np.random.default_rng(seed)
    loss_obj = as_loss(loss, delta)
    X = design_from(law, data, inputs) if not isinstance(data, tuple) else as_design(law, data[0])
    if isinstance(data, tuple):
        if y is not None or len(data) != 2:
            raise ValueError("pass data as (X, y), or a table plus y=..., not both.")
        yv = np.array(data[1], dtype=np.float64)
    else:
        yv = _target(law, data, y)
    n, p = len(yv), law.n_params
    if len(X) != n:
        raise ValueError(f"inputs have {len(X)} rows but y has {n}.")
    bad = np.flatnonzero(~np.isfinite(yv))
    if bad.size:
        raise ValueError(f"y has {bad.size} non-finite value(s), first at row {bad[0]} ({yv[bad[0]]}); drop those rows first.")
    if n < p + 1:
        raise ValueError(f"fit(data=...) has {n} rows; {law.name} has {p} parameters and needs at least {p + 1}.")
    if space is None:
        space = "log" if (law.positive and np.all(yv > 0)) else "linear"
    if space not in ("log", "linear"):
        raise ValueError(f"space={space!r}; use 'log' or 'linear'.")
    if space == "log" and np.any(yv <= 0):
        i = int(np.flatnonzero(yv <= 0)[0])
        raise ValueError(f"space='log' needs positive targets; row {i} has y={yv[i]}. Use space='linear'.")
    if weights is None:
        w = np.ones(n)
    else:
        w = np.array(weights, dtype=np.float64)
        if w.shape != (n,) or np.any(~np.isfinite(w)) or np.any(w < 0):
            raise ValueError(f"weights must be {n} finite non-negative numbers; got shape {w.shape}.")

    labels = None
    if groups is not None:
        labels, counts = _groups(data, groups, n)
        if group_weights == "per_run":
            w = w / counts[labels]
        elif group_weights != "per_point":
            raise ValueError(f"fit(group_weights={group_weights!r}): use 'per_run' or 'per_point'.")
        if len(counts) < p + 1:
            raise ValueError(f"fit(groups=...) gives {len(counts)} runs; {law.name} has {p} parameters and needs points "
                             f"from at least {p + 1} runs (or fit without groups=).")
    elif group_weights not in ("per_run", "per_point"):
        raise ValueError(f"fit(group_weights={group_weights!r}): use 'per_run' or 'per_point'.")

    if strategy not in ("auto", "full", "subsample"):
        raise ValueError(f"strategy={strategy!r} is not allowed; use 'auto', 'full' or 'subsample'.")
    if isinstance(subsample, bool) or not isinstance(subsample, (int, np.integer)) or subsample < 4 * (p + 1):
        raise ValueError(f"subsample={subsample!r}; use an integer >= {4 * (p + 1)} (points in the subsample, e.g. 4096).")
    problem = Problem(law, X, yv, loss_obj, space, chunk_size)
    if strategy == "subsample" or (strategy == "auto" and n > SUBSAMPLE_ABOVE):
        search, label = subsample_search(
            problem, w, lambda sub, sw: run_search(sub, sw, starts, rng, keep=keep, max_iter=max_iter),
            size=int(subsample), rng=rng, max_iter=max_iter,
        )
    else:
        search, label = run_search(problem, w, starts, rng, keep=keep, max_iter=max_iter)
    best = search.best
    code = int(best.status[0])
    converged = code in Status.CONVERGED and np.isfinite(best.f[0])
    if not converged and raise_on_failure:
        raise FitError(
            f"fitting {law.name} failed: {Status.MESSAGES.get(code, code)} (best objective {best.f[0]:.6g} "
            f"after {best.n_iter[0]} iterations from {search.n_refined} refined starts); "
            "try more starts (starts=256), other bounds, or max_iter=..."
        )
    return _build_result(problem, w, search, label, converged, code, time.perf_counter() - t0, labels)


def _groups(data: Any, groups: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Run label (0..G-1) of each of the ``n`` points and each run's point count, from ``fit(groups=...)``."""
    if isinstance(groups, str):
        table = _table(data)
        have = list(table.columns) if hasattr(table, "columns") else list(table) if isinstance(table, Mapping) else []
        if groups not in have:
            raise ValueError(f"fit(groups={groups!r}) names no column of the data (columns: {have}); pass the column "
                             "that holds each point's run, e.g. groups='run_id', or one label per point.")
        raw = np.asarray(table[groups])
    else:
        raw = np.asarray(groups)
    if raw.shape != (n,):
        raise ValueError(f"fit(groups=...) has shape {raw.shape}; it needs one run label per point ({n}).")
    if raw.dtype.kind == "f" and np.isnan(raw).any():
        raise ValueError(f"fit(groups=...) has {int(np.isnan(raw).sum())} missing label(s); every point needs its run.")
    if raw.dtype.kind == "O" and any(v is None for v in raw):
        raise ValueError("fit(groups=...) has missing labels (None); every point needs its run.")
    _, labels, counts = np.unique(raw.astype(str) if raw.dtype.kind == "O" else raw, return_inverse=True, return_counts=True)
    return labels.ravel(), counts.astype(np.float64)


def _build_result(problem: Problem, w: np.ndarray, search: SearchResult, label: str, converged: bool, code: int, seconds: float,
                  labels: np.ndarray | None = None) -> FitResult:
    law = problem.law
    best = search.best
    theta = problem.theta(best.u[0])
    names = law.param_names
    params = {n: float(v) for n, v in zip(names, theta)}
    r, J = problem.jacobian_residuals(theta)
    pred = problem.predict(theta)
    n_eff = float(w.sum())
    p = law.n_params
    scale = None
    loss = problem.loss
    if loss.profiled_scale:
        scale = float(loss.profile_scale(r[None, :], w[None, :] if w.ndim == 1 else w)[0])  # type: ignore[attr-defined]
    cov, se_method = covariance(loss, J, r, w if w.ndim == 1 else w[0], scale)
    warns: list[str] = []
    with np.errstate(all="ignore"):
        sd = np.sqrt(np.clip(np.diag(cov), 0, None))
        corr = cov / np.outer(sd, sd)
    stderr = {nm: float(s) for nm, s in zip(names, sd)}
    # information criteria from a Gaussian likelihood of the residuals (same loss and data to compare)
    rss = float(np.sum(w * r * r))
    nll = 0.5 * n_eff * (math.log(2 * math.pi * max(rss, 1e-300) / n_eff) + 1.0)
    k = p + 1
    aic = 2 * k + 2 * nll
    bic = k * math.log(n_eff) + 2 * nll
    at_bound = []
    for prm, v in zip(law.parameters, theta):
        for b in (prm.lower, prm.upper):
            if np.isfinite(b) and abs(v - b) <= 1e-6 * max(1.0, abs(b)) and not (prm.scale == "log" and b == 0):
                at_bound.append(prm.name)
                break
    if at_bound:
        warns.append(f"parameter(s) {at_bound} at a bound: the optimum may lie outside the allowed range")
    if len(law.inputs) > 1:
        for j, nm in enumerate(law.inputs):
            k_distinct = len(np.unique(np.round(np.log(np.abs(problem.X[:, j]) + 1e-300), 6)))
            if k_distinct < 3:
                warns.append(f"only {k_distinct} distinct value(s) of {nm}: its exponent is weakly identified")
    # A coefficient and its own exponent are always tightly correlated (A scales like
    # N^alpha); that is a property of the parametrisation, not a lack of information,
    # so correlations are checked between the parameters searched on a linear scale.
    linear_scale = {prm.name for prm in law.parameters if prm.scale == "linear"}
    for a, b, c in _pairs(names, corr):
        if a in linear_scale and b in linear_scale and abs(c) > 0.99:
            hint = " (consider Chinchilla(tied=True) to tie alpha = beta)" if {a, b} == {"alpha", "beta"} else ""
            warns.append(f"estimates of {a} and {b} are strongly correlated (r = {c:+.4f}){hint}")
    vague = [nm for nm in names if np.isfinite(stderr[nm]) and stderr[nm] > abs(params[nm]) > 0]
    if vague:
        warns.append(f"standard error exceeds the estimate for {vague}: the data barely constrain them")
    for msg in warns:
        warnings.warn(f"{law.name} fit: {msg}", IdentifiabilityWarning, stacklevel=3)
    optima = []
    seen: list[np.ndarray] = []
    for u_i, f_i, s_i in zip(best.u, best.f, best.status):
        if not np.isfinite(f_i) or s_i not in Status.CONVERGED:
            continue
        if any(np.allclose(u_i, s, rtol=1e-4, atol=1e-8) for s in seen):
            continue
        seen.append(u_i)
        optima.append((float(f_i), {nm: float(v) for nm, v in zip(names, problem.theta(u_i))}))
    return FitResult(
        law=law,
        params=params,
        stderr=stderr,
        stderr_method=se_method,
        correlation=corr,
        loss=loss,
        space=problem.space,
        objective=float(best.f[0]),
        status="converged" if converged else "failed",
        message=Status.MESSAGES.get(code, str(code)),
        n_obs=len(problem.y),
        n_iter=int(best.n_iter[0]),
        n_starts=search.n_starts,
        n_refined=search.n_refined,
        X=problem.X,
        y=problem.y,
        weights=w,
        residuals=r,
        predictions=pred,
        aic=aic,
        bic=bic,
        scale=scale,
        at_bound=tuple(at_bound),
        warnings=tuple(warns),
        local_optima=tuple(optima[:10]),
        starts=label,
        seconds=seconds,
        groups=labels,
    )


def _pairs(names, corr):
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if np.isfinite(corr[i, j]):
                yield names[i], names[j], float(corr[i, j])
