r"""Coverage laws: how coverage grows with the number of samples k, fitted, compared and extrapolated.

Laws (:data:`COVERAGE_LAWS`), each a curve :math:`c(k)` in (0, 1):

============== ===================================================== =====================================
name           formula                                               reference
============== ===================================================== =====================================
brown          :math:`c = \exp(-a\,k^{-b})`                          Brown et al. (2024)
brown_plateau  :math:`c = m \exp(-a\,k^{-b})`, :math:`m \le 1`       the same with a ceiling below 1
beta           :math:`c = 1 - B(\alpha, \beta + k) / B(\alpha, \beta)` Schaeffer et al. (2025)
logistic       :math:`c = 1 / (1 + e^{-(s \log k + t)})`             an S-curve in log k
power_failure  :math:`1 - c = A\,k^{-b}`                             a power law in the failure rate
============== ===================================================== =====================================

*brown* is Brown et al.'s exponentiated power law, :math:`\log c \approx a k^{b}`
in their signs (a, b < 0); here a, b > 0. *beta* is the coverage of problems
whose single-sample success rates follow a Beta(:math:`\alpha, \beta`)
distribution: :math:`E_p[1 - (1-p)^k]`; Schaeffer et al. (2025) show that a
power-law left tail of that distribution (density :math:`\propto p^{\alpha-1}`
near 0) is what turns per-problem exponential gains into the aggregate
power law, :math:`-\log c \approx 1 - c \sim k^{-\alpha}` at large k.

Fitting
-------
Every law is fitted by least squares on :math:`\log(-\log c)`, the space in
which *brown* is a straight line against :math:`\log k` (so *brown* is
ordinary least squares there: exactly
``scalewatch.fit(PowerLaw(inputs=("k",)), {"k": k}, y=-log(c), loss="lsq", space="log")``,
done in closed form so that a thousand bootstrap refits take milliseconds).
A common residual space keeps the out-of-sample comparison about the laws,
not about their losses. Points with coverage exactly 0 or 1 carry no
information in that space and are left out (reported).

Intervals resample *problems* (the benchmark's sampling unit) and refit the
law to each resampled coverage curve; the same resample serves every k.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalewatch import seeds
from scalewatch.analyses.testtime.laws import COVERAGE_LAWS, CoverageLaw, _line, _loglog, coverage_law
from scalewatch.analyses.testtime.passk import _check_ci, _check_resamples, _ints, pass_at_k_matrix, per_problem_counts
from scalewatch.findings import Result

__all__ = ["CoverageFit", "fit_coverage_models", "fit_coverage", "LawComparison", "compare_coverage_laws"]


@dataclass(frozen=True)
class _Curves:
    """Per-model pass@k matrices (problems x K), or bare curves without problems."""

    ks: np.ndarray  # (K,)
    matrices: dict[str, np.ndarray]  # model -> (P, K) per-problem pass@k; (1, K) for a bare curve
    bare: bool  # True when only coverage values were given (no resampling possible)


def _curves_from(data: Any, ks: Sequence[int] | None, columns: Mapping[str, str] | None, func: str) -> _Curves:
    import pandas as pd

    table = data if hasattr(data, "columns") else pd.DataFrame(data)
    have = set(table.columns)
    if {"k", "coverage"} <= have and not ({"c", "num_correct"} & have):
        model_col = next((m for m in ("model", "run_id") if m in have), None)
        mats: dict[str, np.ndarray] = {}
        ks_all = None
        for model, grp in (table.groupby(model_col, sort=False) if model_col else [("model", table)]):
            g = grp.sort_values("k")
            kk = _ints(g["k"].to_numpy(), "k", func)
            if ks_all is None:
                ks_all = kk
            elif not np.array_equal(ks_all, kk):
                raise ValueError(f"{func}: the coverage curves use different k grids; give every model the same k values.")
            cov = g["coverage"].to_numpy(dtype=np.float64)
            if np.any((cov < 0) | (cov > 1)):
                raise ValueError(f"{func}: coverage values must lie in [0, 1]; model {model!r} has {cov.min():.3g} .. {cov.max():.3g}.")
            mats[str(model)] = cov[None, :]
        return _Curves(ks_all, mats, True)  # type: ignore[arg-type]
    counts = per_problem_counts(table, columns=columns, func=func)
    nmin = int(counts["n"].min())
    if ks is None:
        grid = [2**j for j in range(int(math.log2(nmin)) + 1)]
        kk = np.array(grid + ([nmin] if grid[-1] != nmin else []), dtype=np.int64)
    else:
        kk = _ints(np.atleast_1d(ks), "ks", func)
        if kk.max() > nmin:
            raise ValueError(f"{func}(ks=...) asks for k={int(kk.max())} but some problem has only n={nmin} samples; use ks <= {nmin}.")
    mats = {
        str(m): pass_at_k_matrix(g["n"].to_numpy(), g["c"].to_numpy(), kk)
        for m, g in counts.groupby("model", sort=False)
    }
    return _Curves(kk, mats, False)


def _check_cut(fit_up_to: Any, func: str) -> None:
    if fit_up_to is not None and (isinstance(fit_up_to, bool) or not isinstance(fit_up_to, (int, np.integer)) or fit_up_to < 1):
        raise ValueError(f"{func}(fit_up_to={fit_up_to!r}) is the largest k used in the fit, an integer >= 1.")


def _usable(c: np.ndarray) -> np.ndarray:
    return (c > 0) & (c < 1)


@dataclass(frozen=True)
class CoverageFit(Result):
    """A coverage law fitted to one model's coverage curve, with problem-bootstrap intervals.

    Attributes
    ----------
    model : str
    law : CoverageLaw
    params : dict of str -> float
        Point estimates.
    intervals : dict of str -> (low, high)
        Percentile intervals (NaN without resampling).
    ks, coverage : numpy.ndarray
        The k values and observed coverage used (points at 0 or 1 dropped).
    k_fit_max : int
        Largest k used in the fit (``fit_up_to``).
    samples : numpy.ndarray, shape (R, p)
        Parameters of the successful resamples (empty without resampling).
    rss : float
        Residual sum of squares in log(-log c).
    ci : float
    n_resamples, n_failed : int
    seed : int or None
    notes : tuple of str
    """

    model: str
    law: CoverageLaw
    params: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    ks: np.ndarray = field(repr=False)
    coverage: np.ndarray = field(repr=False)
    k_fit_max: int
    samples: np.ndarray = field(repr=False)
    rss: float
    ci: float
    n_resamples: int
    n_failed: int = 0
    seed: Any = None
    notes: tuple[str, ...] = ()

    @property
    def theta(self) -> np.ndarray:
        return np.array([self.params[p] for p in self.law.params])

    def predict(self, k: Any) -> np.ndarray:
        """Fitted coverage at ``k``."""
        return self.law.predict(np.atleast_1d(np.asarray(k, dtype=np.float64)), self.theta)

    def band(self, k: Any) -> tuple[np.ndarray, np.ndarray]:
        """Percentile interval of the fitted coverage at ``k`` over the resamples (NaN without them)."""
        kk = np.atleast_1d(np.asarray(k, dtype=np.float64))
        if len(self.samples) == 0:
            return np.full(kk.shape, np.nan), np.full(kk.shape, np.nan)
        pred = self.law.predict(kk, self.samples)  # (R, K)
        lo, hi = np.quantile(pred, [(1 - self.ci) / 2, (1 + self.ci) / 2], axis=0)
        return lo, hi

    def extrapolate(self, budget: float) -> tuple[float, float, float]:
        """Coverage at ``budget`` samples: (estimate, low, high)."""
        if not (isinstance(budget, (int, float, np.integer, np.floating)) and budget >= 1):
            raise ValueError(f"extrapolate(budget={budget!r}): a number of samples >= 1.")
        est = float(self.predict(budget)[0])
        lo, hi = self.band(budget)
        return est, float(lo[0]), float(hi[0])

    def k_for(self, coverage: float) -> tuple[float, float, float]:
        """Samples needed to reach ``coverage``: (estimate, low, high); inf where it is never reached."""
        if not 0 < coverage < 1:
            raise ValueError(f"k_for(coverage={coverage!r}): a coverage strictly between 0 and 1.")
        est = float(self.law.k_for(coverage, self.theta))
        if len(self.samples) == 0:
            return est, float("nan"), float("nan")
        ks = self.law.k_for(coverage, self.samples)
        lo, hi = np.quantile(ks, [(1 - self.ci) / 2, (1 + self.ci) / 2])
        return est, float(lo), float(hi)

    def to_dict(self) -> dict[str, Any]:
        from scalewatch.findings import json_safe

        return json_safe({
            "model": self.model, "law": self.law.name, "formula": self.law.formula, "citation": self.law.citation,
            "params": self.params, "intervals": {k: list(v) for k, v in self.intervals.items()},
            "fit_space": "least squares on log(-log coverage)", "k_fit_max": self.k_fit_max,
            "ks": self.ks, "coverage": self.coverage, "rss": self.rss,
            "ci": self.ci, "n_resamples": self.n_resamples, "n_failed": self.n_failed, "seed": self.seed,
            "notes": list(self.notes),
        })

    def report(self) -> str:
        lines = [
            f"[[Coverage law]] {self.model}: {self.law.name}, {self.law.formula}",
            f"    fit         least squares on log(-log coverage), {len(self.ks)} points, k <= {self.k_fit_max}",
            f"    rss         {self.rss:.4g}",
            f"    interval    {100 * self.ci:g}% percentile over {self.n_resamples - self.n_failed}/{self.n_resamples} problem resamples"
            if self.n_resamples else "    interval    none (no per-problem counts, or n_resamples=0)",
            "[[Parameters]]",
        ]
        for p in self.law.params:
            lo, hi = self.intervals[p]
            iv = f"[{lo:.4g}, {hi:.4g}]" if np.isfinite(lo) else ""
            lines.append(f"    {p:<8} {self.params[p]:<12.5g} {iv}")
        lines.extend(f"    note: {n}" for n in self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return f"CoverageFit({self.model!r}, {self.law.name}, {ps})"


def _fit_one(law: CoverageLaw, ks: np.ndarray, mat: np.ndarray, bare: bool, model: str, fit_up_to: int | None,
             n_resamples: int, ci: float, rng: np.random.Generator, seed_label: Any) -> CoverageFit:
    func = "fit_coverage"
    sel = ks <= (fit_up_to if fit_up_to is not None else ks.max())
    cov_all = mat.mean(axis=0)
    use = sel & _usable(cov_all)
    notes = []
    dropped = int((sel & ~_usable(cov_all)).sum())
    if dropped:
        notes.append(f"{dropped} point(s) with coverage exactly 0 or 1 left out (no information on log(-log c))")
    if use.sum() < len(law.params) + 1:
        raise ValueError(
            f"{func}: model {model!r} has {int(use.sum())} usable coverage points (0 < c < 1) with k <= {fit_up_to}; "
            f"law {law.name!r} has {len(law.params)} parameters and needs at least {len(law.params) + 1}."
        )
    k_use = ks[use].astype(np.float64)
    theta, rss = law.fit_curve(k_use, cov_all[use])
    samples = np.empty((0, len(law.params)))
    n_failed = 0
    if n_resamples and not bare:
        P = mat[:, use]
        idx = rng.integers(0, P.shape[0], size=(n_resamples, P.shape[0]))
        C = P[idx].mean(axis=1)  # (R, K)
        ok = np.all(_usable(C), axis=1)
        if law.name == "brown":
            slope, icpt = _line(np.log(k_use), _loglog(np.where(ok[:, None], C, 0.5)))
            samples = np.column_stack([np.exp(icpt), -slope])[ok]
        else:
            rows = []
            for r in np.flatnonzero(ok):
                try:
                    rows.append(law.fit_curve(k_use, C[r])[0])
                except ValueError:
                    ok[r] = False
            samples = np.array(rows).reshape(-1, len(law.params))
        n_failed = int((~ok).sum())
        if n_failed:
            notes.append(f"{n_failed}/{n_resamples} resamples had coverage 0 or 1 at some k and were left out")
    elif n_resamples and bare:
        notes.append("only coverage values were given (no per-problem counts): no interval")
    if len(samples):
        lo, hi = np.quantile(samples, [(1 - ci) / 2, (1 + ci) / 2], axis=0)
        intervals = {p: (float(lo[i]), float(hi[i])) for i, p in enumerate(law.params)}
    else:
        intervals = {p: (float("nan"), float("nan")) for p in law.params}
    return CoverageFit(
        model=model, law=law, params={p: float(theta[i]) for i, p in enumerate(law.params)}, intervals=intervals,
        ks=ks[use].copy(), coverage=cov_all[use].copy(), k_fit_max=int(ks[use].max()), samples=samples, rss=rss, ci=ci,
        n_resamples=n_resamples if not bare else 0, n_failed=n_failed, seed=seed_label, notes=tuple(notes),
    )


def fit_coverage_models(
    data: Any,
    law: str | CoverageLaw = "brown",
    *,
    ks: Sequence[int] | None = None,
    fit_up_to: int | None = None,
    columns: Mapping[str, str] | None = None,
    n_resamples: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> dict[str, CoverageFit]:
    """:func:`fit_coverage` for every model of ``data``; returns model -> CoverageFit.

    Resamples use one generator in model order, so the result is reproducible
    by ``seed``; when every model has the same problems (as in llmonkeys) the
    resamples are *not* paired across models (see
    :func:`scalewatch.analyses.testtime.exchange_rate` for paired resampling).
    """
    func = "fit_coverage"
    law_ = coverage_law(law)
    ci = _check_ci(ci, func)
    n_resamples = _check_resamples(n_resamples, func)
    _check_cut(fit_up_to, func)
    curves = _curves_from(data, ks, columns, func)
    rng = seeds.rng(seed)
    return {
        m: _fit_one(law_, curves.ks, mat, curves.bare, m, fit_up_to, n_resamples, ci, rng, seeds.seed_label(seed))
        for m, mat in curves.matrices.items()
    }


def fit_coverage(
    data: Any,
    law: str | CoverageLaw = "brown",
    *,
    model: str | None = None,
    ks: Sequence[int] | None = None,
    fit_up_to: int | None = None,
    columns: Mapping[str, str] | None = None,
    n_resamples: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> CoverageFit:
    r"""Fit a coverage law c(k) to one model's repeated-sampling results.

    Parameters
    ----------
    data : DataFrame or mapping of columns
        Either per-problem counts (``model`` optional, ``problem``, ``n``,
        ``c``; llmonkeys names work too), which give problem-bootstrap
        intervals, or a coverage curve (``k``, ``coverage``, optional
        ``model``), which gives point estimates only.
    law : str or CoverageLaw, default "brown"
        One of :data:`COVERAGE_LAWS`.
    model : str, optional
        Which model when ``data`` holds several.
    ks : sequence of int, optional
        k values of the curve built from counts (default powers of two up to
        the smallest n, and n).
    fit_up_to : int, optional
        Fit only points with k <= ``fit_up_to`` (to test extrapolation).
    columns : mapping, optional
        Role -> column for other column names (``{"c": "n_correct"}``).
    n_resamples : int, default 1000
        Problem resamples for the intervals (0: none).
    ci : float, default 0.95
    seed : int, Generator or None, default 0

    Returns
    -------
    CoverageFit

    Raises
    ------
    ValueError
        Unknown law or model, too few usable points, bad counts.

    References
    ----------
    Brown et al. (2024), arXiv:2407.21787; Schaeffer et al. (2025), arXiv:2502.17578.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> k = 2.0 ** np.arange(12)
    >>> curve = pd.DataFrame({"k": k, "coverage": np.exp(-4.0 * k ** -0.35)})
    >>> f = fit_coverage(curve)
    >>> round(f.params["a"], 6), round(f.params["b"], 6)
    (4.0, 0.35)
    """
    func = "fit_coverage"
    law_ = coverage_law(law)
    ci = _check_ci(ci, func)
    n_resamples = _check_resamples(n_resamples, func)
    _check_cut(fit_up_to, func)
    curves = _curves_from(data, ks, columns, func)
    if model is None:
        if len(curves.matrices) != 1:
            raise ValueError(f"{func}: the data hold {len(curves.matrices)} models {list(curves.matrices)}; pass model=... or use fit_coverage_models().")
        model = next(iter(curves.matrices))
    elif model not in curves.matrices:
        raise ValueError(f"{func}(model={model!r}) is not in the data; models: {list(curves.matrices)}.")
    return _fit_one(law_, curves.ks, curves.matrices[model], curves.bare, model, fit_up_to, n_resamples, ci, seeds.rng(seed), seeds.seed_label(seed))


@dataclass(frozen=True)
class LawComparison(Result):
    """Coverage laws fitted on small k and scored on the larger k they did not see.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (model, law, fit_up_to): ``mae_pp`` (mean absolute error in
        coverage percentage points over the held-out k), ``error_last_pp``
        (observed minus predicted at the largest k, the sign of the findings'
        forecast errors: > 0, the law under-predicts), ``rmse_loglog`` (in-fit
        residual), ``n_fit``, ``n_held``.
    summary : pandas.DataFrame
        Per (law, fit_up_to): mean ``mae_pp`` over models and how many models
        the law was best for.
    best : dict of int -> str
        For each ``fit_up_to``, the law with the lowest mean MAE.
    laws, fit_up_to : tuple
    """

    table: Any = field(repr=False)
    summary: Any = field(repr=False)
    best: dict[int, str]
    laws: tuple[str, ...]
    fit_up_to: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        from scalewatch.findings import json_safe

        return json_safe({
            "laws": list(self.laws), "fit_up_to": list(self.fit_up_to), "best": {str(k): v for k, v in self.best.items()},
            "rows": self.table.to_dict(orient="records"), "summary": self.summary.to_dict(orient="records"),
        })

    def report(self) -> str:
        lines = [f"[[Coverage laws out of sample]] {len(self.laws)} laws, fitted on k <= {list(self.fit_up_to)}"]
        for cut in self.fit_up_to:
            lines.append(f"[[fit on k <= {cut}]] best: {self.best[cut]}")
            s = self.summary[self.summary["fit_up_to"] == cut].sort_values("mean_mae_pp")
            for _, r in s.iterrows():
                lines.append(f"    {r['law']:<14} mean |error| {r['mean_mae_pp']:6.2f} pp   best for {int(r['n_best'])} model(s)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"LawComparison(laws={list(self.laws)}, fit_up_to={list(self.fit_up_to)}, best={self.best})"


def compare_coverage_laws(
    data: Any,
    laws: Sequence[str] = tuple(COVERAGE_LAWS),
    *,
    fit_up_to: Sequence[int] = (100, 1000),
    ks: Sequence[int] | None = None,
    columns: Mapping[str, str] | None = None,
) -> LawComparison:
    """Fit each law on k <= cut-off and score it on the larger k, per model.

    Parameters
    ----------
    data : DataFrame
        Per-problem counts or coverage curves (see :func:`fit_coverage`).
    laws : sequence of str
        Laws to compare (default all of :data:`COVERAGE_LAWS`).
    fit_up_to : sequence of int, default (100, 1000)
        Cut-offs: fit on k <= cut-off, score on k > cut-off.
    ks, columns
        As in :func:`fit_coverage`.

    Returns
    -------
    LawComparison

    Notes
    -----
    The small-k points of a curve built from n = 10,000 samples per problem
    are estimated from all n samples (the unbiased estimator uses them all), so
    this tests the *shape* of each law, not a forecaster who drew only
    ``fit_up_to`` samples; that one would see noisier small-k coverage.
    """
    import pandas as pd

    func = "compare_coverage_laws"
    laws_ = [coverage_law(name) for name in laws]
    curves = _curves_from(data, ks, columns, func)
    rows = []
    for model, mat in curves.matrices.items():
        cov = mat.mean(axis=0)
        for cut in fit_up_to:
            held = (curves.ks > cut) & _usable(cov)
            if not held.any():
                raise ValueError(f"{func}(fit_up_to={cut}): model {model!r} has no usable coverage point with k > {cut}.")
            for law in laws_:
                try:
                    f = _fit_one(law, curves.ks, mat, True, model, cut, 0, 0.95, seeds.rng(0), None)
                except ValueError:
                    continue
                pred = f.predict(curves.ks[held])
                err = 100.0 * (cov[held] - pred)  # observed minus predicted, as every forecast error of the report
                rows.append({
                    "model": model, "law": law.name, "fit_up_to": int(cut), "mae_pp": float(np.mean(np.abs(err))),
                    "error_last_pp": float(err[-1]), "k_last": int(curves.ks[held][-1]),
                    "rmse_loglog": float(math.sqrt(f.rss / len(f.ks))), "n_fit": int(len(f.ks)), "n_held": int(held.sum()),
                })
    table = pd.DataFrame(rows)
    best_rows = table.loc[table.groupby(["model", "fit_up_to"])["mae_pp"].idxmin()]
    n_best = best_rows.groupby(["law", "fit_up_to"]).size()
    summary = table.groupby(["law", "fit_up_to"], as_index=False).agg(mean_mae_pp=("mae_pp", "mean"), mean_error_last_pp=("error_last_pp", "mean"))
    summary["n_best"] = [int(n_best.get((r.law, r.fit_up_to), 0)) for r in summary.itertuples()]
    best = {int(cut): str(summary[summary["fit_up_to"] == cut].sort_values("mean_mae_pp")["law"].iloc[0]) for cut in fit_up_to}
    return LawComparison(table, summary, best, tuple(l.name for l in laws_), tuple(int(c) for c in fit_up_to))
