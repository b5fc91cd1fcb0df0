"""``pretraining.overtraining``: does the law hold far from the compute-optimal ratio (Gadre et al. 2024)?"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.pretraining._common import (
    _FEW_RUNS,
    _LOSS_LABEL,
    CITATIONS,
    _display,
    _errors,
    _number,
    _offset_interval,
    _pvalue_upper,
)
from scalewatch.analyses.pretraining.backtest import BacktestResult, backtest
from scalewatch.analyses.pretraining.data import GADRE, _dataset, gadre_runs, runs_table
from scalewatch.analyses.pretraining.verdicts import wall_verdict
from scalewatch.findings import Figure, Finding, Number, Result, analysis, finite, records
from scalewatch.plots import PALETTE, figure, hline, points

__all__ = ["OvertrainingResult", "overtraining_test", "overtraining_analysis"]


@dataclass(frozen=True, eq=False)
class OvertrainingResult(Result):
    """Outcome of :func:`overtraining_test`. Immutable.

    Attributes
    ----------
    by_multiplier : pandas.DataFrame
        One row per (group, M): held-out runs ``n``, mean ``excess_pct`` with the
        ``low``/``high`` interval of the systematic offset, ``coverage``.
    far : dict
        Pooled over groups, the runs with M >= ``far_multiplier``: ``n``,
        ``excess_pct``, ``low``, ``high``, ``p`` (one-sided, above the law).
    heldout : dict
        The same for every held-out run.
    """

    FINDING_KEY = "pretraining.overtraining"
    QUESTION = "pretraining"

    law: str
    cutoff: float
    far_multiplier: float
    backtests: dict[str, BacktestResult] = field(repr=False)
    by_multiplier: pd.DataFrame = field(repr=False)
    far: dict[str, Any] = field(repr=False)
    heldout: dict[str, Any] = field(repr=False)
    slope_pct_per_doubling: float = math.nan
    verdict: str = "inconclusive"
    reason: str = ""
    level: float = 0.05
    n_boot: int = 0
    seed: int | None = 0
    seconds: float = math.nan
    data_note: str = ""
    source: str = ""
    citation: str = ""
    #: runs in the smallest fit, and the law's parameters (a verdict needs 3 runs per parameter)
    n_fit: int = 0
    n_params: int = 0

    def sentence(self) -> str:
        f, h = self.far, self.heldout
        return (
            f"Fitted to runs with at most {self.cutoff:g}x the compute-optimal tokens per parameter (M <= {self.cutoff:g}), the "
            f"{_display(self.law)} law predicts the {h['n']} more over-trained runs with mean excess {h['excess_pct']:+.2f}% "
            f"[{h['low']:+.2f}, {h['high']:+.2f}]; at M >= {self.far_multiplier:g} ({f['n']} runs) the excess is "
            f"{f['excess_pct']:+.2f}% [{f['low']:+.2f}, {f['high']:+.2f}] (p = {f['p']:.2g}), growing "
            f"{self.slope_pct_per_doubling:+.2f}% per doubling of M"
            + (
                f"; fits of {self.n_fit} runs for {self.n_params} parameters are too few for a reliable interval"
                if _FEW_RUNS in self.reason
                else ""
            )
            + f": {self.verdict}."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "law": self.law,
            "cutoff": self.cutoff,
            "far_multiplier": self.far_multiplier,
            "verdict": self.verdict,
            "reason": self.reason,
            "sentence": self.sentence(),
            "far": {k: finite(v) if isinstance(v, float) else v for k, v in self.far.items()},
            "heldout": {k: finite(v) if isinstance(v, float) else v for k, v in self.heldout.items()},
            "slope_pct_per_doubling": finite(self.slope_pct_per_doubling),
            "by_multiplier": [{k: (finite(v) if isinstance(v, (float, np.floating)) else v) for k, v in r.items()} for r in self.by_multiplier.to_dict("records")],
            "backtests": {k: v.to_dict() for k, v in self.backtests.items()},
            "level": self.level,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "seconds": self.seconds,
            "n_fit": self.n_fit,
            "n_params": self.n_params,
        }

    def report(self) -> str:
        lines = [f"[[Over-training]] {self.verdict}", f"    {self.sentence()}", f"    rule: {self.reason}"]
        lines.append(f"    {'group':<14} {'M':>5} {'n':>3} {'excess%':>8} {'interval':>18} {'cover':>6}")
        for r in self.by_multiplier.itertuples():
            lines.append(f"    {r.group:<14} {r.M:>5g} {r.n:>3d} {r.excess_pct:>+8.2f} [{r.low:+7.2f}, {r.high:+7.2f}] {r.coverage:>6.2f}")
        return "\n".join(lines)

    def figures(self) -> list[Figure]:
        """Mean held-out excess against M, per training set."""
        traces = []
        for i, (g, q) in enumerate(self.by_multiplier.groupby("group", sort=False)):
            traces.append(points(q["M"], q["excess_pct"], str(g), color=PALETTE[i % len(PALETTE)], mode="lines+markers",
                                 error_y={**_errors(q["excess_pct"], q["low"], q["high"]), "color": PALETTE[i % len(PALETTE)]}))
        return [
            figure(
                f"Over-trained runs: excess over the {_display(self.law)} law fitted at M <= {self.cutoff:g}",
                traces,
                x_title="M = tokens per parameter / 20",
                y_title="mean excess, % (100 log observed / predicted)",
                y_log=False,
                shapes=[hline(0.0)],
                caption=(
                    "Per training set and multiplier M, the mean excess of the held-out runs over the law fitted to the runs "
                    "with M at or below the cut-off; bars: 95% interval of the systematic offset (parameter bootstrap plus "
                    "residual scatter). Above zero: over-trained runs do worse than the law predicts."
                ),
            )
        ]

    def numbers(self) -> list[Number]:
        """The reported numbers, with their intervals where there are any."""
        f, h = self.far, self.heldout
        out = [
            _number(f"held-out mean excess, M > {self.cutoff:g} ({h['n']} runs)", h["excess_pct"], h["low"], h["high"], "%", "95% interval of the systematic offset"),
            _number(f"mean excess at M >= {self.far_multiplier:g} ({f['n']} runs)", f["excess_pct"], f["low"], f["high"], "%", f"one-sided p = {f['p']:.3g}"),
            _number("trend of the excess", self.slope_pct_per_doubling, unit="% per doubling of M"),
        ]
        for r in self.by_multiplier.itertuples():
            out.append(_number(f"mean excess, {r.group}, M = {r.M:g} ({r.n} runs)", r.excess_pct, r.low, r.high, "%"))
        return out

    def method(self) -> str:
        return (
            f"Backtest in the Chinchilla multiplier M = D / (20 N): the {_display(self.law)} law is fitted (Huber loss on log residuals) "
            f"to each training set's runs with M <= {self.cutoff:g} and predicts its runs with larger M; intervals from a "
            f"bootstrap of the fit ({self.n_boot} resamples) plus resampled training residuals. The mean excess of a group "
            "of held-out runs is compared with its distribution under the law (same draws), pooled over training sets "
            "(one-sided p). Verdict: inconclusive with fewer than 5 held-out runs; bends if the runs with "
            f"M >= {self.far_multiplier:g} or all held-out runs sit significantly above the law (level {self.level:g}); holds "
            "otherwise. No break test is run here, so the verdict is never 'breaks'."
        )

    def finding_parts(self) -> dict[str, Any]:
        """Title, summary, tables, method, data and citations of :meth:`to_finding`."""
        return _overtraining_finding_parts(self)


def _pooled_test(backtests: Mapping[str, BacktestResult], law: str, cutoff: float, select, ci: float, rng) -> dict[str, Any]:
    """Pooled mean excess of the selected held-out runs over groups, with its null draws."""
    obs_sum, draws_sum, n_tot = 0.0, None, 0
    for bt in backtests.values():
        p = bt.predictions[(bt.predictions["law"] == law) & (bt.predictions["cutoff"] == cutoff) & bt.predictions["in_scope"]]
        ids = p["run_id"][select(p)].tolist()
        if not ids:
            continue
        obs, draws = bt.null_mean_excess(law, cutoff, ids, seed=rng)
        obs_sum += obs * len(ids)
        draws_sum = draws * len(ids) if draws_sum is None else draws_sum + draws * len(ids)
        n_tot += len(ids)
    if n_tot == 0:
        return {"n": 0, "excess_pct": math.nan, "low": math.nan, "high": math.nan, "p": math.nan}
    obs = obs_sum / n_tot
    draws = draws_sum / n_tot
    lo, hi = _offset_interval(obs, draws, ci)
    return {"n": int(n_tot), "excess_pct": float(obs), "low": lo, "high": hi, "p": _pvalue_upper(obs, draws)}


def overtraining_test(
    data: Any = None,
    *,
    law: str = "chinchilla",
    cutoff: float = 1.0,
    far_multiplier: float = 16.0,
    group: str | None = "train_dataset",
    min_multiplier: float | None = 0.5,
    n_boot: int | None = None,
    level: float = 0.05,
    fast: bool = False,
    seed: int | np.random.Generator | None = 0,
) -> OvertrainingResult:
    r"""Does the law hold far from the compute-optimal ratio (up to 32x more tokens per parameter)?

    Parameters
    ----------
    data : Dataset, RunSet, DataFrame or mapping, optional
        Runs with a ``chinchilla_multiplier`` column M (tokens per parameter
        / 20; computed from ``tokens_per_param`` when absent); default (None,
        or the loaded ``gadre-overtraining-scaling`` dataset) Gadre et al.'s
        over-training grid.
    law : str, default "chinchilla"
        The law under test.
    cutoff : float, default 1.0
        Fit on runs with M <= cutoff.
    far_multiplier : float, default 16
        Runs with M at or above this are "far" from compute-optimal.
    group : str or None, default "train_dataset"
        Column of separate experiments (one fit each); ignored when absent.
    min_multiplier : float or None, default 0.5
        Runs with smaller M are left out. In Gadre et al.'s grid the M = 0.25
        runs of the 79M and 412M models end before their learning-rate warmup
        does (376 of 400 and 1963 of 2000 steps), so they measure the schedule,
        not the law.
    n_boot : int, optional
        Bootstrap resamples per fit; default 100 (30 with ``fast``).
    level : float, default 0.05
        Significance level.
    fast : bool, default False
        Fewer resamples.
    seed : int, Generator or None, default 0
        Seed of everything random.

    Returns
    -------
    OvertrainingResult
    """
    t0 = time.perf_counter()
    source, citation = "your runs", ""
    if data is None or getattr(data, "name", None) == GADRE:
        ds = _dataset(GADRE, data)
        df, note = gadre_runs(ds=ds)
        source, citation = GADRE, ds.citation
    else:
        df, note = runs_table(data, what="overtraining_test(data=...)"), ""
        source = str(getattr(data, "name", "") or source)
    if "chinchilla_multiplier" not in df.columns:
        if "tokens_per_param" not in df.columns:
            raise ValueError("overtraining_test(data=...) needs a 'chinchilla_multiplier' column or params and tokens.")
        df["chinchilla_multiplier"] = df["tokens_per_param"] / 20.0
    if min_multiplier is not None:
        dropped = int((df["chinchilla_multiplier"] < min_multiplier).sum())
        df = df[df["chinchilla_multiplier"] >= min_multiplier]
        if dropped:
            note = (note + "; " if note else "") + f"{dropped} runs with M < {min_multiplier:g} left out (they end inside the learning-rate warmup)"
    rng = np.random.default_rng(seed)
    n_boot = n_boot if n_boot is not None else (30 if fast else 100)
    groups = {str(g): q for g, q in df.groupby(group, sort=True)} if group and group in df.columns else {"all runs": df}
    bts = {g: backtest(q, [law], by="chinchilla_multiplier", cutoffs=[cutoff], n_boot=n_boot, seed=rng) for g, q in groups.items()}
    rows = []
    for g, bt in bts.items():
        p = bt.predictions[bt.predictions["in_scope"]]
        for M, q in p.groupby("chinchilla_multiplier"):
            obs, draws = bt.null_mean_excess(law, cutoff, q["run_id"].tolist(), seed=rng)
            lo, hi = _offset_interval(obs, draws, bt.ci)
            rows.append({"group": g, "M": float(M), "n": int(len(q)), "excess_pct": obs, "low": lo, "high": hi, "coverage": float(q["covered"].mean())})
    by_m = pd.DataFrame(rows)
    ci = next(iter(bts.values())).ci
    far = _pooled_test(bts, law, cutoff, lambda p: p["chinchilla_multiplier"].to_numpy(float) >= far_multiplier, ci, rng)
    allh = _pooled_test(bts, law, cutoff, lambda p: np.ones(len(p), dtype=bool), ci, rng)
    # trend of the excess in log2 M (all held-out runs, least squares)
    pts = pd.concat([bt.predictions[bt.predictions["in_scope"]] for bt in bts.values()])
    x = np.log2(pts["chinchilla_multiplier"].to_numpy(float))
    slope = float(np.polyfit(x, 100 * pts["excess"].to_numpy(float), 1)[0]) if np.unique(x).size >= 2 else math.nan
    fitted = [bt.fits[(law, float(cutoff))] for bt in bts.values() if (law, float(cutoff)) in bt.fits]
    verdict, reason = wall_verdict(
        n_test=allh["n"], heldout_excess=allh["excess_pct"], heldout_p=allh["p"], top_excess=far["excess_pct"] if far["n"] else 0.0,
        top_p=far["p"] if far["n"] else 1.0, break_detected=False, level=level,
        n_fit=min((f.n_obs for f in fitted), default=None), n_params=fitted[0].law.n_params if fitted else None,
    )
    return OvertrainingResult(
        law=law,
        cutoff=float(cutoff),
        far_multiplier=float(far_multiplier),
        backtests=bts,
        by_multiplier=by_m,
        far=far,
        heldout=allh,
        slope_pct_per_doubling=slope,
        verdict=verdict,
        reason=reason.replace("top runs", f"M >= {far_multiplier:g} runs"),
        level=level,
        n_boot=n_boot,
        seed=seed if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None,
        seconds=time.perf_counter() - t0,
        data_note=note,
        source=source,
        citation=citation,
        n_fit=min((f.n_obs for f in fitted), default=0),
        n_params=fitted[0].law.n_params if fitted else 0,
    )


def _overtraining_finding_parts(result: Any) -> dict[str, Any]:
    tables = [
        (
            "Held-out excess by training set and multiplier M",
            records(result.by_multiplier, ["group", "M", "n", "excess_pct", "low", "high", "coverage"],
                     {"group": "training set", "excess_pct": "mean excess %", "low": "low %", "high": "high %"}, digits=4),
        )
    ]
    notes = [n for n in (result.data_note,) if n] + [n for bt in result.backtests.values() for n in bt.notes]
    citations = tuple(c for c in (result.citation,) if c) + tuple(CITATIONS[k] for k in ("gadre2024", "hoffmann2022", "efron1993"))
    numbers = result.numbers()
    return dict(
        title="Does the law hold far from the compute-optimal ratio (over-training up to 32x)?",
        numbers=numbers,
        tables=tables,
        data_sources=(result.source,),
        citations=citations,
        loss_label=_LOSS_LABEL,
        notes=notes,
        headline=numbers[1].name,
    )


@analysis("pretraining.overtraining", question="pretraining", requires=(GADRE,), title="Over-training up to 32x (Gadre et al.)")
def overtraining_analysis(ctx: Any) -> Finding:
    """Does the law hold far from the compute-optimal ratio?"""
    return overtraining_test(ctx.dataset(GADRE), fast=ctx.fast, seed=ctx.seed).to_finding()
