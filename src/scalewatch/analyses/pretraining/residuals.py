"""Top-of-range residuals: do the largest runs sit above the law fitted to all runs?"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.pretraining._draws import exact_draws, normal_mean_draws
from scalewatch.analyses.pretraining.break_result import _f
from scalewatch.analyses.pretraining.breaks import _check_level, _scoped, _seed_repr, _single_law
from scalewatch.analyses.pretraining.candidates import _design
from scalewatch.analyses.pretraining.data import runs_table
from scalewatch.findings import Result
from scalewatch.fitting import FitResult, quiet_fit

__all__ = ["TopResidualResult", "top_residuals"]

#: smallest top-k subset whose permutation mean is drawn from its normal limit when the runs are many
_NORMAL_MIN_K = 1000


@dataclass(frozen=True, eq=False)
class TopResidualResult(Result):
    r"""Mean excess of the k largest runs over the law, against a permutation null. Immutable.

    Attributes
    ----------
    mean_excess : float
        Mean of :math:`100 (\log L - \log \hat L)` over the top-k runs (percent;
        > 0: above the law).
    interval : tuple of float
        Bootstrap percentile interval of that mean (top-k runs resampled).
    p_value : float
        One-sided permutation p-value: the share of random k-subsets of all
        runs whose mean excess is at least as large.
    null_interval : tuple of float
        Central interval of the permutation distribution (what k random runs give).
    top : pandas.DataFrame
        The top-k runs with their excess.
    """

    law: str
    by: str
    k: int
    n_runs: int
    mean_excess: float
    interval: tuple[float, float]
    p_value: float
    null_interval: tuple[float, float]
    ci: float
    n_perm: int
    seed: int | None
    loss: str
    top: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = field(repr=False, default=())
    fit: FitResult | None = field(repr=False, default=None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "law": self.law,
            "by": self.by,
            "k": self.k,
            "n_runs": self.n_runs,
            "mean_excess_pct": _f(self.mean_excess),
            "interval_pct": [_f(v) for v in self.interval],
            "p_value": _f(self.p_value),
            "null_interval_pct": [_f(v) for v in self.null_interval],
            "ci": self.ci,
            "n_perm": self.n_perm,
            "seed": self.seed,
            "loss": self.loss,
            "notes": list(self.notes),
        }

    def report(self) -> str:
        pct = f"{100 * self.ci:g}%"
        return "\n".join(
            [
                f"[[Top-of-range residuals]] {self.law}: the {self.k} runs with the largest {self.by} of {self.n_runs}",
                f"    mean excess {self.mean_excess:+.3g}% [{self.interval[0]:+.3g}, {self.interval[1]:+.3g}] ({pct} bootstrap)",
                f"    null        k random runs: {pct} of means in [{self.null_interval[0]:+.3g}, {self.null_interval[1]:+.3g}]",
                f"    p           {self.p_value:.3g} (one-sided permutation, {self.n_perm} draws)",
            ]
        )

    def __repr__(self) -> str:
        return f"TopResidualResult({self.law}, top {self.k}: {self.mean_excess:+.3g}%, p={self.p_value:.3g})"


def top_residuals(
    data: Any,
    law: Any = "chinchilla",
    *,
    by: str = "compute",
    k: int | None = None,
    scope: str | None = None,
    n_perm: int = 4999,
    n_boot: int = 2000,
    ci: float = 0.95,
    loss: str = "huber",
    fit_result: FitResult | None = None,
    seed: int | np.random.Generator | None = 0,
) -> TopResidualResult:
    r"""Do the runs at the top of the ``by`` range sit systematically above the law?

    Parameters
    ----------
    data : Dataset, RunSet, DataFrame or mapping
        Runs with ``loss`` and the law's inputs.
    law : str or Law, default "chinchilla"
        The law, fitted to all runs (in scope).
    by : str, default "compute"
        Column ranking the runs.
    k : int, optional
        Top runs to average; default ``max(5, round(0.1 n))``.
    scope : {"runs", "frontier"}, optional
        As in :func:`break_test`.
    n_perm : int, default 4999
        Random k-subsets for the permutation null.
    n_boot : int, default 2000
        Bootstrap resamples of the top-k runs for the interval.
    ci : float, default 0.95
        Interval level.
    loss : str, default "huber"
        Loss of the fit.
    fit_result : FitResult, optional
        A fit of ``law`` to exactly these runs, to reuse.
    seed : int, Generator or None, default 0
        Seed of the permutations and the bootstrap.

    Returns
    -------
    TopResidualResult

    Notes
    -----
    The law is fitted to all runs, the top ones included, so a bend at the
    top is partly absorbed by the fit (leverage); the test is conservative in
    that sense, and the held-out view is the backtest's.
    """
    what = "top_residuals"
    df = runs_table(data, what=f"{what}(data=...)")
    if by not in df.columns:
        raise ValueError(f"top_residuals(by={by!r}): no such column; columns: {list(df.columns)}.")
    ci = _check_level("top_residuals", "ci", ci)
    spec = _single_law(law, by, what)
    df, scope = _scoped(df, spec, by, scope)
    n = len(df)
    if k is None:
        k = max(5, int(round(0.1 * n)))
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not (1 <= k < n):
        raise ValueError(f"top_residuals(k={k!r}); use an integer between 1 and the number of runs - 1 ({n - 1}).")
    if n < spec.law.n_params + 3:
        raise ValueError(f"top_residuals(data=...) has {n} runs; {spec.label} needs at least {spec.law.n_params + 3}.")
    rng = np.random.default_rng(seed)
    notes: list[str] = []
    y = df["loss"].to_numpy(float)
    res = fit_result if fit_result is not None else quiet_fit(spec.law, df, notes, y=y, loss=loss, seed=rng)
    if res.n_obs != n:
        raise ValueError(f"top_residuals(fit_result=...) was fitted to {res.n_obs} runs, not the {n} runs here.")
    X = _design(res, df)
    with np.errstate(all="ignore"):
        e = 100 * (np.log(y) - np.log(spec.law.predict(X, res.theta)))
    order = np.argsort(df[by].to_numpy(float), kind="stable")
    top_idx = order[-int(k) :]
    m = float(np.mean(e[top_idx]))
    # n_perm random k-subsets without replacement
    if exact_draws(n_perm, n):  # the k smallest of n uniform keys per row
        keys = rng.random((int(n_perm), n))
        perm = e[np.argpartition(keys, int(k) - 1, axis=1)[:, : int(k)]].mean(axis=1)
    elif k >= _NORMAL_MIN_K:  # many runs, large subsets: the subset mean's normal limit (see _draws)
        perm = normal_mean_draws(e, int(k), int(n_perm), rng, replace=False)
        notes.append(f"permutation null of the top-{k} mean drawn from its normal limit (finite-population CLT; {n} runs)")
    else:  # many runs, few in a subset: each subset drawn by itself, O(k)
        perm = np.array([e[rng.choice(n, int(k), replace=False)].mean() for _ in range(int(n_perm))])
    p = float((1 + np.sum(perm >= m)) / (n_perm + 1))
    a = 1 - ci
    if exact_draws(n_boot, k):
        boot = rng.choice(e[top_idx], size=(int(n_boot), int(k)), replace=True).mean(axis=1)
    else:
        boot = normal_mean_draws(e[top_idx], int(k), int(n_boot), rng)
        notes.append(f"bootstrap of the top-{k} mean drawn from its normal limit (CLT)")
    lo, hi = np.quantile(boot, [a / 2, 1 - a / 2])
    nlo, nhi = np.quantile(perm, [a / 2, 1 - a / 2])
    cols = [c for c in ("run_id", "params", "tokens", "compute", by) if c in df.columns]
    top = df.iloc[top_idx][list(dict.fromkeys(cols + ["loss"]))].assign(excess_pct=e[top_idx])
    return TopResidualResult(
        law=spec.label,
        by=by,
        k=int(k),
        n_runs=n,
        mean_excess=m,
        interval=(float(lo), float(hi)),
        p_value=p,
        null_interval=(float(nlo), float(nhi)),
        ci=ci,
        n_perm=int(n_perm),
        seed=_seed_repr(seed),
        loss=str(loss),
        top=top.reset_index(drop=True),
        notes=tuple(dict.fromkeys(notes)),
        fit=res,
    )
