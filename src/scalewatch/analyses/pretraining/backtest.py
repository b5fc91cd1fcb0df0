r"""Extrapolation backtest: fit below a cut-off, predict the runs above it.

A scaling law is useful for what it says about runs nobody has trained yet.
:func:`backtest` measures exactly that on runs that *were* trained: for each
cut-off in a variable ``by`` (compute, model size, tokens per parameter,
epochs, ...), every candidate law is fitted to the runs at or below the
cut-off and asked to predict each run above it (rolling origin: several
cut-offs, each a separate experiment). Laws are compared on the held-out
error, never on the in-sample fit.

Errors and intervals
--------------------
The *excess* of a held-out run is :math:`e = \log L_{obs} - \log \hat L`
(positive: the run is worse than the law predicts, the direction of a wall),
reported in percent (100 e is the relative excess to first order).

Each held-out run gets a prediction interval from two sources:

* parameter uncertainty: the fit on the training runs is bootstrapped
  (:func:`scalewatch.bootstrap`, runs resampled, every resample refitted with
  a multi-start search) and every resample predicts the run;
* residual scale: to each resampled prediction a training residual, drawn at
  random, is added (a residual bootstrap on log scale).

Coverage is reported for both the full interval ("parameter + residual") and
the parameter-only interval, so a reader sees how much of the width is
estimation error and how much is run-to-run scatter.

Which runs a law sees
---------------------
Laws of the runs' own inputs (Chinchilla, Kaplan's L(N, D), the data-
constrained law) are fitted to all training runs. Laws of the single variable
``by`` (the saturating and broken power laws in compute) describe the best
loss reached per budget, so they are fitted to the *frontier*: the runs no
cheaper run beats (:func:`~scalewatch.analyses.pretraining.frontier`).
All laws are also scored on the held-out frontier runs, the one set every law
predicts, and the comparison between laws uses that set when a one-variable
law takes part.

References
----------
Tashman (2000), "Out-of-sample tests of forecasting accuracy", Int. J.
Forecasting 16(4) (rolling origin). Efron & Tibshirani (1993), ch. 6 and 9
(bootstrap prediction error, residual resampling). Hoffmann et al. (2022),
arXiv:2203.15556; Kaplan et al. (2020), arXiv:2001.08361; Caballero et al.
(2022), arXiv:2210.14891; Muennighoff et al. (2023), arXiv:2305.16264.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.pretraining._draws import NULL_DRAWS, draw_blocks, exact_draws, normal_mean_draws
from scalewatch.analyses.pretraining.backtest_report import backtest_finding
from scalewatch.analyses.pretraining.candidates import LawSpec, _design, resolve_laws
from scalewatch.analyses.pretraining.data import frontier, runs_table
from scalewatch.findings import Result, significant
from scalewatch.findings.rules import clopper_pearson
from scalewatch.fitting import FitResult, quiet_bootstrap, quiet_fit
from scalewatch.laws import BrokenPowerLaw

__all__ = ["default_cutoffs", "BacktestResult", "backtest"]


#: slack of interval ends on log scale (relative 1e-9): rounding, not uncertainty
_LOG_SLACK = 1e-9


#: shares of the runs (largest `by` first) held out by the default cut-offs
_DEFAULT_HOLDOUT = (0.4, 0.25, 0.1)


def default_cutoffs(values: np.ndarray, holdout: Sequence[float] = _DEFAULT_HOLDOUT) -> tuple[float, ...]:
    """Cut-offs that hold out the top ``holdout`` shares of the runs, snapped to observed values.

    For a share f, the cut-off is the largest observed value with at least
    ``ceil(f n)`` runs strictly above it, so "at or below the cut-off" has an
    unambiguous meaning even with ties.
    """
    v = np.sort(values[np.isfinite(values) & (values > 0)])
    n = v.size
    out: list[float] = []
    for f in holdout:
        k = max(1, int(math.ceil(f * n)))
        if k >= n:
            continue
        cand = v[: n - k]  # the values with at least k runs above them
        above = n - np.searchsorted(v, cand, side="right")
        ok = cand[above >= k]
        if ok.size and float(ok.max()) not in out:
            out.append(float(ok.max()))
    return tuple(sorted(out))


@dataclass(frozen=True, eq=False)
class BacktestResult(Result):
    """Held-out errors and interval coverage of candidate laws at several cut-offs. Immutable.

    Attributes
    ----------
    predictions : pandas.DataFrame
        One row per (law, cut-off, held-out run): ``law``, ``cutoff``,
        ``run_id``, the ``by`` value, ``params``, ``tokens``, ``compute`` (when
        present), ``observed``, ``predicted``, ``excess`` (log obs - log pred),
        ``lo``, ``hi`` (prediction interval of the loss), ``covered``,
        ``lo_param``, ``hi_param``, ``covered_param`` and ``on_frontier``.
    summary : pandas.DataFrame
        One row per (law, cut-off, test set) with test set ``"runs"`` (all
        held-out runs; laws of N and D) or ``"frontier"`` (held-out frontier
        runs; every law): ``n_train``, ``n_test``, ``rmse_pct``,
        ``bias_pct`` (mean excess), ``max_abs_pct``, ``coverage`` (empirical,
        of the nominal ``ci``) with ``covered`` (count) and its 95%
        Clopper-Pearson ``coverage_low``/``coverage_high``,
        ``coverage_param``, ``converged``, ``n_boot``, ``n_failed``.
    by : str
        The variable the cut-offs are in.
    cutoffs : tuple of float
        Cut-offs, in units of ``by``: a law is fitted to runs with ``by <= cutoff``.
    laws : tuple of str
        Law labels, in the order given.
    scopes : dict
        Law label -> ``"runs"`` or ``"frontier"``.
    ci : float
        Nominal coverage of the prediction intervals.
    loss : str
        The robust loss of the fits.
    n_boot : int
        Bootstrap resamples per fit.
    seed : int or None
        The seed given (None when a Generator or None was passed).
    notes : tuple of str
        Identifiability warnings of the fits and other remarks.
    fits : dict
        (law label, cut-off) -> FitResult on the training runs.
    """

    predictions: pd.DataFrame = field(repr=False)
    summary: pd.DataFrame = field(repr=False)
    by: str
    cutoffs: tuple[float, ...]
    laws: tuple[str, ...]
    scopes: dict[str, str] = field(repr=False)
    ci: float
    loss: str
    n_boot: int
    seed: int | None
    notes: tuple[str, ...] = field(repr=False, default=())
    fits: dict[tuple[str, float], FitResult] = field(repr=False, default_factory=dict)
    data_source: str = ""
    #: (law, cut-off) -> (run_ids (m,), log predictions of the bootstrap resamples (B, m), training residuals)
    draws: dict[tuple[str, float], tuple[np.ndarray, np.ndarray, np.ndarray]] = field(repr=False, default_factory=dict)
    #: (law, cut-off) -> BootstrapResult of the training fit
    bootstraps: dict[tuple[str, float], Any] = field(repr=False, default_factory=dict)

    # -- derived views -----------------------------------------------------------------
    @property
    def compare_on(self) -> str:
        """The held-out set on which laws are compared: "frontier" if a one-variable law takes part, else "runs"."""
        return "frontier" if "frontier" in self.scopes.values() else "runs"

    def ranking(self) -> pd.DataFrame:
        """Laws ordered by mean held-out RMSE over the cut-offs (on :attr:`compare_on`), best first."""
        s = self.summary[self.summary["test_set"] == self.compare_on]
        agg = (
            s.groupby("law", sort=False)
            .agg(rmse_pct=("rmse_pct", "mean"), bias_pct=("bias_pct", "mean"), coverage=("coverage", "mean"), n_cutoffs=("cutoff", "size"))
            .sort_values("rmse_pct", kind="stable")
        )
        return agg.reset_index()

    def law_summary(self, law: str, test_set: str = "runs") -> pd.DataFrame:
        """The summary rows of one law on one test set, one per cut-off."""
        if law not in self.laws:
            raise KeyError(f"no law {law!r} in this backtest; have {list(self.laws)}.")
        return self.summary[(self.summary["law"] == law) & (self.summary["test_set"] == test_set)].reset_index(drop=True)

    def null_mean_excess(
        self, law: str, cutoff: float, run_ids: Sequence[Any] | None = None, *, n_draws: int = NULL_DRAWS, seed: Any = 0
    ) -> tuple[float, np.ndarray]:
        """Observed mean excess of held-out runs and draws of it under the law (percent).

        Under the law, a held-out run's log loss is a bootstrap resample's log
        prediction minus a training residual; the mean excess of the chosen
        runs over the training fit's predictions is drawn ``n_draws`` times
        that way. Comparing the observed mean with these draws asks whether
        the runs sit *systematically* above (or below) the law, with parameter
        uncertainty shared between runs taken into account.

        Parameters
        ----------
        law, cutoff :
            Which fit (a label of :attr:`laws` and one of :attr:`cutoffs`).
        run_ids : sequence, optional
            Held-out runs to average; default all held-out runs in the law's scope.

        Returns
        -------
        observed : float
            Mean excess, percent.
        draws : ndarray (n_draws,)
            Mean excess under the law, percent.
        """
        key = (law, float(cutoff))
        if key not in self.draws:
            raise KeyError(f"no fit of {law!r} at cut-off {cutoff!r}; have {sorted(self.draws)}.")
        ids, log_pb, resid = self.draws[key]
        p = self.predictions[(self.predictions["law"] == law) & (self.predictions["cutoff"] == float(cutoff))]
        if run_ids is None:
            sel = p["in_scope"].to_numpy(bool)
        else:
            wanted = set(run_ids)
            sel = p["run_id"].isin(wanted).to_numpy(bool)
            missing = wanted - set(p["run_id"][sel])
            if missing:
                raise KeyError(f"runs {sorted(missing)[:5]} are not held out at {law!r}, cut-off {cutoff:g}.")
        if not sel.any():
            raise ValueError(f"no held-out runs selected for {law!r} at cut-off {cutoff:g}.")
        observed = float(100 * p["excess"].to_numpy(float)[sel].mean())
        rng = np.random.default_rng(seed)
        log_hat = np.log(p["predicted"].to_numpy(float)[sel])
        b = rng.integers(0, log_pb.shape[0], size=n_draws)
        k = int(sel.sum())
        lp = log_pb[:, sel]
        if not exact_draws(n_draws, k):
            # many held-out runs: the mean of k resampled residuals from its normal limit (see _draws)
            return observed, 100 * ((lp - log_hat[None, :]).mean(axis=1)[b] - normal_mean_draws(resid, k, n_draws, rng))
        draws = np.empty(n_draws)
        for rows in draw_blocks(n_draws, k):  # at most DRAW_BLOCK (draw, run) pairs at once
            r = rng.choice(resid, size=(rows.stop - rows.start, k), replace=True)
            # y* = pred_b exp(-r): excess of y* over the training fit's prediction
            draws[rows] = 100 * ((lp[b[rows]] - r) - log_hat[None, :]).mean(axis=1)
        return observed, draws

    def grouped_mean_excess(self, law: str, cutoff: float, *, group: Any = "params", n_boot: int = 2000, ci: float = 0.95, seed: Any = 0) -> Any:
        """Mean held-out excess (percent) with a cluster-bootstrap interval: held-out runs resampled by group.

        Runs of one model size (``group="params"``) or one budget
        (``"compute"``) share errors, so whole groups are resampled
        (:func:`~scalewatch.analyses.pretraining.cluster_bootstrap_mean`). The
        interval is conditional on the training fit (parameter uncertainty is
        in :meth:`null_mean_excess`).

        Returns
        -------
        GroupedMean
        """
        from scalewatch.analyses.pretraining.intervals import cluster_bootstrap_mean, run_groups

        p = self.predictions[(self.predictions["law"] == law) & (self.predictions["cutoff"] == float(cutoff)) & self.predictions["in_scope"]]
        if p.empty:
            raise KeyError(f"no held-out runs of {law!r} at cut-off {cutoff!r}; have cut-offs {list(self.cutoffs)}.")
        g = run_groups(p.reset_index(drop=True), group) if not isinstance(group, str) or group in p.columns or group == "none" else np.arange(len(p))
        return cluster_bootstrap_mean(100 * p["excess"].to_numpy(float), g, n_boot=n_boot, ci=ci, seed=seed)

    # -- describe ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe summary."""

        def clean(v: Any) -> Any:
            if isinstance(v, (np.floating, float)):
                return float(v) if np.isfinite(v) else None
            if isinstance(v, (np.integer,)):
                return int(v)
            if isinstance(v, np.bool_):
                return bool(v)
            return v

        return {
            "by": self.by,
            "cutoffs": [float(c) for c in self.cutoffs],
            "laws": list(self.laws),
            "scopes": dict(self.scopes),
            "ci": self.ci,
            "loss": self.loss,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "interval": "bootstrap of the training fit (parameter uncertainty) plus resampled training residuals (residual scale)",
            "compare_on": self.compare_on,
            "summary": [{k: clean(v) for k, v in row.items()} for row in self.summary.to_dict("records")],
            "ranking": [{k: clean(v) for k, v in row.items()} for row in self.ranking().to_dict("records")],
            "notes": list(self.notes),
            "data_source": self.data_source,
        }

    def report(self) -> str:
        """Aligned text report: one line per law, cut-off and test set."""
        pct = f"{100 * self.ci:g}%"
        lines = [
            f"[[Backtest]] fit at or below each cut-off in {self.by}, predict the runs above it",
            f"    loss        {self.loss}; {self.n_boot} bootstrap resamples per fit",
            f"    intervals   {pct}: parameter bootstrap + resampled training residuals (param-only coverage in brackets)",
            f"    {'law':<18} {'cut-off':<10} {'set':<9} {'train':>5} {'test':>5} {'RMSE%':>7} {'bias%':>7} {'cover':>6} {'(param)':>8}",
        ]
        for row in self.summary.itertuples():
            flag = "" if row.converged else "  (fit not converged)"
            lines.append(
                f"    {row.law:<18} {significant(row.cutoff, 3):<10} {row.test_set:<9} {row.n_train:>5d} {row.n_test:>5d} "
                f"{row.rmse_pct:>7.2f} {row.bias_pct:>+7.2f} {row.coverage:>6.2f} {row.coverage_param:>8.2f}{flag}"
            )
        rk = self.ranking()
        lines.append(f"[[Ranking]] mean held-out RMSE on {self.compare_on} runs: " + ", ".join(f"{r.law} {r.rmse_pct:.2f}%" for r in rk.itertuples()))
        if self.notes:
            lines.append("[[Notes]]")
            lines.extend(f"    {n}" for n in self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"BacktestResult(by={self.by!r}, laws={list(self.laws)}, cutoffs={[significant(c, 3) for c in self.cutoffs]})"

    def to_finding(self, **kwargs: Any):
        """This backtest as a :class:`~scalewatch.findings.Finding` (see :func:`~scalewatch.analyses.pretraining.backtest_finding`)."""
        return backtest_finding(self, **kwargs)


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"backtest({name}={value!r}); use an integer >= {minimum}.")
    if value < minimum:
        raise ValueError(f"backtest({name}={value!r}); use an integer >= {minimum}.")
    return int(value)


def _n_train(spec: LawSpec, cut: float, byv: np.ndarray, on_front: np.ndarray) -> int:
    """Training runs of a law at a cut-off: at or below it (on the frontier of best loss, for one-variable laws)."""
    mask = byv <= cut * (1 + 1e-12)
    return int((mask & on_front).sum() if spec.scope == "frontier" else mask.sum())


def _resolve_cutoffs(cutoffs: Any, byv: np.ndarray, on_front: np.ndarray, specs: Sequence[LawSpec], by: str, n_runs: int) -> tuple[float, ...]:
    """The backtest's cut-offs, sorted: the defaults every law can be fitted below, or the given ones, checked."""
    if cutoffs is None:
        cands = default_cutoffs(byv)
        cutoffs_t = tuple(c for c in cands if all(_n_train(s, c, byv, on_front) >= s.min_train for s in specs))
        if not cutoffs_t:
            need = ", ".join(f"{s.label} needs {s.min_train}" for s in specs)
            raise ValueError(
                f"backtest(data=...) has {n_runs} runs ({int(on_front.sum())} on the frontier in {by}); no default cut-off "
                f"leaves enough training runs below it ({need}). Pass cutoffs=... or fewer/simpler laws."
            )
    else:
        try:
            cutoffs_t = tuple(float(c) for c in (cutoffs if np.ndim(cutoffs) else [cutoffs]))
        except (TypeError, ValueError):
            raise TypeError(f"backtest(cutoffs={cutoffs!r}); pass numbers in units of {by!r}.") from None
        if not cutoffs_t:
            raise ValueError("backtest(cutoffs=[]) is empty; pass at least one cut-off or None for the defaults.")
        for c in cutoffs_t:
            if not (np.isfinite(c) and c > 0):
                raise ValueError(f"backtest(cutoffs=[..., {c!r}, ...]): cut-offs must be positive numbers in units of {by!r}.")
            n_above = int((byv > c * (1 + 1e-12)).sum())
            if n_above == 0:
                raise ValueError(
                    f"backtest(cutoffs=[..., {c:g}, ...]): no run has {by} above {c:g} (largest: {byv.max():g}); "
                    "nothing to predict. Use a smaller cut-off."
                )
            for s in specs:
                n_tr = _n_train(s, c, byv, on_front)
                if n_tr < s.min_train:
                    where = " frontier" if s.scope == "frontier" else ""
                    raise ValueError(
                        f"backtest(cutoffs=[..., {c:g}, ...]): only {n_tr}{where} runs have {by} <= {c:g}; {s.label} has "
                        f"{s.law.n_params} parameters and needs at least {s.min_train} training runs. Raise the cut-off "
                        "or drop that law."
                    )
    return tuple(sorted(cutoffs_t))


def _score_law(
    spec: LawSpec, cut: float, df: pd.DataFrame, byv: np.ndarray, y_all: np.ndarray, on_front: np.ndarray, *, by: str, loss: str,
    n_boot: int, residual_draws: int, ci: float, keep_cols: Sequence[str], rng: np.random.Generator, notes: list[str],
) -> tuple[FitResult, Any, tuple[np.ndarray, np.ndarray, np.ndarray], pd.DataFrame, list[dict[str, Any]]]:
    """One law at one cut-off: fitted below it, bootstrapped, and scored on the runs above it.

    Returns the fit, its bootstrap, the draws :meth:`BacktestResult.null_mean_excess` resamples,
    the predictions of the held-out runs and the summary rows (one per held-out set).
    """
    train_all = byv <= cut * (1 + 1e-12)
    test_all = ~train_all
    alpha = 1.0 - ci
    summ_rows: list[dict[str, Any]] = []
    train = train_all & on_front if spec.scope == "frontier" else train_all
    test = test_all & on_front if spec.scope == "frontier" else test_all
    law = spec.law
    fit_notes: list[str] = []
    kwargs: dict[str, Any] = {"loss": loss, "raise_on_failure": False, "seed": rng}
    if spec.starts is not None:
        kwargs["starts"] = spec.starts
    if isinstance(law, BrokenPowerLaw):
        # broken laws meet flat valleys (a break sliding past the data); cap the work
        kwargs["max_iter"] = 200
    y_tr = y_all[train]
    if spec.scope == "frontier":
        res = quiet_fit(law, df.loc[train, [c for c in df.columns if c != "loss"]], fit_notes, y=y_tr, **kwargs)
    else:
        res = quiet_fit(law, df.loc[train], fit_notes, y=y_tr, **kwargs)
    notes.extend(f"{spec.label} @ {by} <= {cut:.3g}: {m}" for m in fit_notes)
    if not res.converged:
        notes.append(f"{spec.label} @ {by} <= {cut:.3g}: the fit did not converge ({res.message}); its predictions are still scored")
    bs = quiet_bootstrap(res, n_boot, rng)
    if bs.n_failed:
        notes.append(f"{spec.label} @ {by} <= {cut:.3g}: {bs.n_failed}/{n_boot} bootstrap resamples failed (excluded)")
    theta_b = np.column_stack([bs.samples[nm] for nm in law.param_names])  # (B, p)
    # every held-out run that this law can be scored on: its own test set, plus the frontier ones
    score = test | (test_all & on_front)
    idx = np.flatnonzero(score)
    X_te = _design(res, df.loc[idx])
    with np.errstate(all="ignore"):
        pred = law.predict(X_te, res.theta)  # (m,)
        pred_b = law.predict(X_te, theta_b)  # (B, m)
    ok = np.all(np.isfinite(pred_b) & (pred_b > 0), axis=1)
    log_pb = np.log(pred_b[ok])
    B = log_pb.shape[0]
    per = max(1, math.ceil(residual_draws / max(B, 1)))
    r_tr = res.residuals[np.isfinite(res.residuals)]
    # predictive draws (B * per, m), a block of held-out runs at a time: at most
    # DRAW_BLOCK entries at once (one block, as one array, below that: 2000 draws of
    # up to ~8,000 held-out runs); each run's quantiles are its own
    lo, hi = np.empty(len(idx)), np.empty(len(idx))
    for cols in draw_blocks(len(idx), B * per):
        draws = rng.choice(r_tr, size=(B, per, cols.stop - cols.start), replace=True)
        log_ystar = (log_pb[:, None, cols] - draws).reshape(B * per, cols.stop - cols.start)
        lo[cols], hi[cols] = np.quantile(log_ystar, [alpha / 2, 1 - alpha / 2], axis=0)
        del draws, log_ystar
    lo_p, hi_p = np.quantile(log_pb, [alpha / 2, 1 - alpha / 2], axis=0)
    # a rounding-level slack, so that exact data sit inside their own zero-width intervals
    lo, lo_p = lo - _LOG_SLACK, lo_p - _LOG_SLACK
    hi, hi_p = hi + _LOG_SLACK, hi_p + _LOG_SLACK
    stored = (df["run_id"].to_numpy()[idx], log_pb, r_tr)
    obs = y_all[idx]
    lobs = np.log(obs)
    block = df.loc[idx, keep_cols].copy()
    block.insert(0, "cutoff", cut)
    block.insert(0, "law", spec.label)
    block[by] = byv[idx]
    block = block.assign(
        observed=obs,
        predicted=pred,
        excess=lobs - np.log(pred),
        lo=np.exp(lo),
        hi=np.exp(hi),
        covered=(lobs >= lo) & (lobs <= hi),
        lo_param=np.exp(lo_p),
        hi_param=np.exp(hi_p),
        covered_param=(lobs >= lo_p) & (lobs <= hi_p),
        on_frontier=on_front[idx],
        in_scope=test[idx],
    )
    sets = [("runs", test[idx])] if spec.scope == "runs" else []
    sets.append(("frontier", on_front[idx]))
    for set_name, m in sets:
        e = block["excess"].to_numpy(float)[m]
        summ_rows.append(
            {
                "law": spec.label,
                "cutoff": cut,
                "test_set": set_name,
                "n_train": int(train.sum()),
                "n_test": int(m.sum()),
                "rmse_pct": float(100 * np.sqrt(np.mean(e * e))) if e.size else math.nan,
                "bias_pct": float(100 * np.mean(e)) if e.size else math.nan,
                "max_abs_pct": float(100 * np.max(np.abs(e))) if e.size else math.nan,
                "coverage": float(np.mean(block["covered"].to_numpy(bool)[m])) if e.size else math.nan,
                "covered": int(block["covered"].to_numpy(bool)[m].sum()),
                "coverage_low": clopper_pearson(int(block["covered"].to_numpy(bool)[m].sum()), int(m.sum()))[0] if e.size else math.nan,
                "coverage_high": clopper_pearson(int(block["covered"].to_numpy(bool)[m].sum()), int(m.sum()))[1] if e.size else math.nan,
                "coverage_param": float(np.mean(block["covered_param"].to_numpy(bool)[m])) if e.size else math.nan,
                "converged": bool(res.converged),
                "n_boot": int(n_boot),
                "n_failed": int(bs.n_failed + (~ok).sum()),
            }
        )
    return res, bs, stored, block, summ_rows


def backtest(
    data: Any,
    laws: Any = ("chinchilla", "kaplan_nd", "saturating", "broken"),
    *,
    cutoffs: Sequence[float] | None = None,
    by: str = "compute",
    loss: str = "huber",
    n_boot: int = 200,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    residual_draws: int = 2000,
) -> BacktestResult:
    r"""Fit each law on runs at or below each cut-off and predict the runs above it.

    Parameters
    ----------
    data : Dataset, RunSet, DataFrame or mapping
        Runs with ``loss`` and the columns the laws read (``params`` for N,
        ``tokens`` for D, ``unique_tokens`` for U_D) and the column ``by``.
        ``compute`` is filled in as 6 N D where missing.
    laws : sequence of str or Law, default ("chinchilla", "kaplan_nd", "saturating", "broken")
        Candidate laws, by name (see :data:`LAW_NAMES`) or as Law values. A
        one-input Law is fitted to the frontier of loss against ``by``.
    cutoffs : sequence of float, optional
        Cut-offs in units of ``by``. Default: the values that hold out the
        top 40%, 25% and 10% of the runs (see :func:`default_cutoffs`).
    by : str, default "compute"
        Column that orders the runs: ``"compute"``, ``"params"``,
        ``"tokens_per_param"``, ``"epochs"``, or any positive numeric column.
    loss : str, default "huber"
        Robust loss of every fit (Huber, delta 1e-3, on log residuals, as
        Hoffmann et al. 2022).
    n_boot : int, default 200
        Bootstrap resamples of each training fit (parameter uncertainty).
    ci : float, default 0.95
        Nominal coverage of the prediction intervals.
    seed : int, Generator or None, default 0
        Seed of the bootstrap and residual draws; one generator is made from
        it and handed down.
    residual_draws : int, default 2000
        Total draws per held-out run of the predictive distribution (resamples
        times residuals per resample).

    Returns
    -------
    BacktestResult

    Raises
    ------
    ValueError
        Unknown law name, ``by`` not a column or not positive, a cut-off with
        too few runs at or below it for some law (each needs its parameter
        count plus 3) or no run above it, ``ci`` outside (0, 1).
    TypeError
        ``data`` or ``laws`` of the wrong type, non-integer ``n_boot``.

    Notes
    -----
    Excess :math:`e_j = \log L_j - \log \hat L_j`; RMSE and bias are
    :math:`100\sqrt{\overline{e^2}}` and :math:`100\,\bar e` (percent). A
    run is covered when its loss lies inside the :math:`100\,ci`\% quantile
    interval of :math:`\hat L^{(b)}_j \exp(-r^{(b)})`, with
    :math:`\hat L^{(b)}_j` the prediction of bootstrap resample b and
    :math:`r^{(b)}` a training residual (log prediction minus log loss) drawn
    with replacement.

    Examples
    --------
    >>> import numpy as np
    >>> from scalewatch import laws
    >>> from scalewatch.analyses.pretraining import backtest
    >>> N, D = (a.ravel() for a in np.meshgrid(np.geomspace(1e7, 1e10, 6), np.geomspace(1e9, 1e12, 6)))
    >>> truth = dict(E=1.7, A=400.0, B=1500.0, alpha=0.34, beta=0.36)
    >>> runs = {"params": N, "tokens": D, "loss": laws.Chinchilla()(np.c_[N, D], **truth)}
    >>> result = backtest(runs, laws=["chinchilla"], n_boot=20)
    >>> bool(result.summary["rmse_pct"].max() < 0.01)
    True
    """
    what = "backtest(data=...)"
    df = runs_table(data, what=what)
    if not isinstance(by, str) or by not in df.columns:
        raise ValueError(f"backtest(by={by!r}): no such column; columns: {list(df.columns)}.")
    byv = pd.to_numeric(df[by], errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~(np.isfinite(byv) & (byv > 0)))
    if bad.size:
        raise ValueError(f"backtest(by={by!r}) needs positive finite values; row {int(bad[0])} has {byv[bad[0]]!r}. Drop that run first.")
    if not (isinstance(ci, (int, float)) and 0 < ci < 1):
        raise ValueError(f"backtest(ci={ci!r}); use a coverage level between 0 and 1, e.g. 0.95.")
    n_boot = _check_int("n_boot", n_boot, 2)
    residual_draws = _check_int("residual_draws", residual_draws, 1)
    specs = resolve_laws(laws, by)
    rng = np.random.default_rng(seed)
    on_front = np.zeros(len(df), dtype=bool)
    on_front[frontier(df, by).index.to_numpy()] = True

    cutoffs_t = _resolve_cutoffs(cutoffs, byv, on_front, specs, by, len(df))
    y_all = df["loss"].to_numpy(float)
    if np.any(~(y_all > 0)):
        i = int(np.flatnonzero(~(y_all > 0))[0])
        raise ValueError(f"{what}: loss must be positive (fits use log residuals); row {i} has {y_all[i]!r}.")

    notes: list[str] = []
    fits: dict[tuple[str, float], FitResult] = {}
    draws_store: dict[tuple[str, float], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    boots: dict[tuple[str, float], Any] = {}
    pred_rows: list[pd.DataFrame] = []
    summ_rows: list[dict[str, Any]] = []
    keep_cols = [c for c in ("run_id", "params", "tokens", "unique_tokens", "compute") if c in df.columns]
    for cut in cutoffs_t:
        for spec in specs:
            res, bs, stored, block, rows = _score_law(
                spec, cut, df, byv, y_all, on_front, by=by, loss=loss, n_boot=n_boot, residual_draws=residual_draws, ci=ci,
                keep_cols=keep_cols, rng=rng, notes=notes,
            )
            fits[(spec.label, cut)] = res
            boots[(spec.label, cut)] = bs
            draws_store[(spec.label, cut)] = stored
            pred_rows.append(block)
            summ_rows.extend(rows)
    predictions = pd.concat(pred_rows, ignore_index=True) if pred_rows else pd.DataFrame()
    summary = pd.DataFrame(summ_rows)
    return BacktestResult(
        predictions=predictions,
        summary=summary,
        by=by,
        cutoffs=cutoffs_t,
        laws=tuple(s.label for s in specs),
        scopes={s.label: s.scope for s in specs},
        ci=float(ci),
        loss=str(loss),
        n_boot=n_boot,
        seed=seed if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None,
        notes=tuple(dict.fromkeys(notes)),
        fits=fits,
        data_source=str(getattr(data, "name", "") or ""),
        draws=draws_store,
        bootstraps=boots,
    )
