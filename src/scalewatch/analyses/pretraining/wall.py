"""``pretraining.wall_test``: does the law hold at the top of the compute range? Backtest, break test, top runs."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.pretraining._common import CITATIONS, _LOSS_LABEL, _display, _errors, _number, _offset_interval, _pvalue_upper
from scalewatch.analyses.pretraining.backtest import BacktestResult, backtest, default_cutoffs
from scalewatch.analyses.pretraining.breaks import BreakTestResult, break_test
from scalewatch.analyses.pretraining.calibration import CalibrationResult, calibrate_break_test
from scalewatch.analyses.pretraining.data import CHINCHILLA, _dataset, chinchilla_runs, runs_table
from scalewatch.analyses.pretraining.residuals import TopResidualResult, top_residuals
from scalewatch.analyses.pretraining.verdicts import wall_verdict
from scalewatch.findings import Figure, Finding, Number, analysis, finite, records
from scalewatch.plots import PALETTE, figure, hline, points, vline

__all__ = ["WallTestResult", "wall_test", "wall_test_analysis"]


@dataclass(frozen=True, eq=False)
class WallTestResult:
    """Outcome of :func:`wall_test`: backtest, break test, top residuals, calibration, verdict. Immutable.

    Attributes
    ----------
    verdict, reason : str
        The verdict (one of :data:`VERDICTS`) and the rule that gave it.
    heldout : pandas.DataFrame
        Per cut-off, the primary law's held-out runs: ``n_test``, mean
        ``excess_pct`` with the ``low``/``high`` interval of the systematic
        offset, one-sided ``p`` (above the law), ``coverage`` and ``rmse_pct``.
    """

    dataset: str
    law: str
    by: str
    backtest: BacktestResult
    breaks: BreakTestResult
    top: TopResidualResult
    calibration: CalibrationResult | None
    heldout: pd.DataFrame = field(repr=False)
    heldout_p: float = math.nan
    verdict: str = "inconclusive"
    reason: str = ""
    level: float = 0.05
    n_boot: int = 0
    seed: int | None = 0
    fast: bool = False
    seconds: float = math.nan
    data_note: str = ""
    citation: str = ""
    runs: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    def sentence(self) -> str:
        h = self.heldout.iloc[0]
        bt = self.breaks
        if bt.detected:
            direction = "slower, towards a wall" if bt.slope_change > 0 else "faster than the law"
            brk = (
                f"a break is detected near {bt.break_at[0]:.2g} {self._unit} (p = {bt.p_value:.2g}; beyond it the loss falls "
                f"{abs(bt.slope_change):.2g}% per decade {direction})"
            )
        else:
            why = ", the broken law is not better out of sample" if bt.p_value < bt.level else ""
            brk = f"no break is detected (p = {bt.p_value:.2g}{why})"
        return (
            f"Fitted to the runs up to {h.cutoff:.2g} {self._unit}, the {_display(self.law)} law predicts the {int(h.n_test)} larger runs "
            f"with mean excess {h.excess_pct:+.2f}% [{h.low:+.2f}, {h.high:+.2f}] (RMS {h.rmse_pct:.2f}%, {100 * h.coverage:.0f}% inside "
            f"{100 * self.backtest.ci:g}% intervals); the top {self.top.k} runs sit {self.top.mean_excess:+.2f}% "
            f"[{self.top.interval[0]:+.2f}, {self.top.interval[1]:+.2f}] from the law (p = {self.top.p_value:.2g}) and {brk}: {self.verdict}."
        )

    @property
    def _unit(self) -> str:
        return "FLOP" if self.by == "compute" else self.by

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "law": self.law,
            "by": self.by,
            "verdict": self.verdict,
            "reason": self.reason,
            "sentence": self.sentence(),
            "heldout": [{k: (finite(v) if isinstance(v, (float, np.floating)) else (int(v) if isinstance(v, (np.integer,)) else v)) for k, v in r.items()} for r in self.heldout.to_dict("records")],
            "heldout_p": finite(self.heldout_p),
            "backtest": self.backtest.to_dict(),
            "breaks": self.breaks.to_dict(),
            "top": self.top.to_dict(),
            "calibration": None if self.calibration is None else self.calibration.to_dict(),
            "level": self.level,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "fast": self.fast,
            "seconds": self.seconds,
        }

    def report(self) -> str:
        lines = [f"[[Wall test]] {self.dataset}: {self.verdict}", f"    {self.sentence()}", f"    rule: {self.reason}"]
        parts = [self.backtest.report(), self.breaks.report(), self.top.report()]
        if self.calibration is not None:
            parts.append(self.calibration.report())
        return "\n".join(lines + parts)

    def figures(self) -> list[Figure]:
        """Held-out runs against the prediction, held-out excess per law, and the break profile."""
        bt = self.backtest
        cut = bt.cutoffs[0]
        pct = f"{100 * bt.ci:g}%"
        p = bt.predictions[(bt.predictions["law"] == self.law) & (bt.predictions["cutoff"] == cut) & bt.predictions["in_scope"]]
        r = self.runs
        train = r[self.by].to_numpy(float) <= cut * (1 + 1e-12)
        figs = [
            figure(
                f"The {_display(self.law)} law fitted up to {cut:.2g} {self._unit}: the runs above, predicted",
                [
                    points(r[self.by][train], r["loss"][train], "training runs", color="#8c959f", size=5),
                    points(p[self.by], p["observed"], "held-out runs", color=PALETTE[1], held_out=True),
                    points(
                        p[self.by], p["predicted"], f"prediction with {pct} interval", color=PALETTE[0], size=5,
                        error_y={**_errors(p["predicted"], p["lo"], p["hi"]), "color": PALETTE[0]},
                    ),
                ],
                x_title=f"{self.by} ({self._unit})" if self.by == "compute" else self.by,
                y_title="final loss (nats/token)",
                shapes=[vline(cut)],
                caption=(
                    f"Grey: the runs the law was fitted to; diamonds: the held-out runs; blue: the law's predictions with "
                    f"{pct} prediction intervals (bootstrap of the fit plus resampled residuals). A wall would show as "
                    "diamonds above their intervals at the right."
                ),
            )
        ]
        traces = []
        for i, law in enumerate(bt.laws):
            q = bt.predictions[(bt.predictions["law"] == law) & (bt.predictions["cutoff"] == cut) & bt.predictions["on_frontier"]]
            traces.append(points(q[self.by], 100 * q["excess"], law, color=PALETTE[i % len(PALETTE)], mode="lines+markers"))
        figs.append(
            figure(
                f"Held-out frontier runs: excess over each law (fitted up to {cut:.2g} {self._unit})",
                traces,
                x_title=self.by,
                y_title="excess, % (100 log observed / predicted)",
                y_log=False,
                shapes=[hline(0.0)],
                caption=(
                    "Each law is fitted to the runs at or below the cut-off (one-variable laws to the frontier of best loss "
                    "per budget) and scored on the held-out frontier runs, the set every law predicts. Above zero: the "
                    "run is worse than the law predicts."
                ),
            )
        )
        prof = self.breaks.profile
        figs.append(
            figure(
                f"Break test: one-break F statistic against the {self.breaks.law} law",
                [points(prof["break_at"], prof["F"], "F(break location)", color=PALETTE[2], mode="lines+markers")],
                x_title=f"break location ({self.by})",
                y_title="F statistic",
                y_log=False,
                shapes=[vline(self.breaks.break_at[0], dash="dot")],
                caption=(
                    f"The hinge term's F statistic at each candidate break (trimmed {100 * self.breaks.trim:g}% from each "
                    f"end); its maximum is the test statistic (p = {self.breaks.p_value:.2g} by wild bootstrap, both break "
                    "counts). The dotted line marks the estimated break."
                ),
            )
        )
        return figs

    def numbers(self) -> list[Number]:
        """The reported numbers, with their intervals where there are any."""
        ci = f"{100 * self.backtest.ci:g}%"
        out = []
        for h in self.heldout.itertuples():
            tag = f"{self.by} > {h.cutoff:.3g}"
            out += [
                _number(f"held-out mean excess ({tag}, {h.n_test} runs)", h.excess_pct, h.low, h.high, "%", f"{ci} interval of the systematic offset"),
                _number(f"held-out RMS excess ({tag})", h.rmse_pct, unit="%"),
                _number(f"held-out coverage of {ci} prediction intervals ({tag})", h.coverage, note="parameter bootstrap + residuals"),
                _number(f"held-out coverage, parameter-only intervals ({tag})", h.coverage_param),
            ]
        for r in self.backtest.ranking().itertuples():
            out.append(_number(f"mean held-out RMS excess on {self.backtest.compare_on} runs: {r.law}", r.rmse_pct, unit="%"))
        t = self.top
        out.append(_number(f"top {t.k} runs ({self.by}): mean excess", t.mean_excess, t.interval[0], t.interval[1], "%", f"{100 * t.ci:g}% bootstrap; permutation p = {t.p_value:.3g}"))
        b = self.breaks
        out += [
            _number("break test p-value (one or two breaks)", b.p_value),
            _number(f"break location ({self.by})", b.break_at[0], b.break_interval[0], b.break_interval[1], self._unit, f"{100 * b.ci:g}% wild-bootstrap percentile"),
            _number("slope change beyond the break", b.slope_change, b.slope_interval[0], b.slope_interval[1], "% of loss per decade"),
        ]
        if b.oos.get("evaluable"):
            out += [
                _number("held-out RMS excess, law alone", b.oos["rmse_law_pct"], unit="%"),
                _number("held-out RMS excess, law with break", b.oos["rmse_broken_pct"], unit="%"),
            ]
        if self.calibration is not None:
            c = self.calibration
            out += [
                _number("break rule false-alarm rate", c.false_alarm_rate, c.false_alarm_interval[0], c.false_alarm_interval[1], note=f"{c.n_datasets} null datasets, level {c.level:g}; 95% Clopper-Pearson"),
                _number("break rule detection rate", c.detection_rate, c.detection_interval[0], c.detection_interval[1], note=f"{c.n_datasets} datasets, break of {c.break_slope_pct_per_decade:+g}% per decade"),
            ]
        return out

    def method(self) -> str:
        bt, br = self.backtest, self.breaks
        cal = ""
        if self.calibration is not None:
            c = self.calibration
            cal = (
                f" The break rule was calibrated on {c.n_datasets} synthetic datasets each way ({c.design}; noise: {c.noise}): "
                f"false-alarm rate {c.false_alarm_rate:.3f} [{c.false_alarm_interval[0]:.3f}, {c.false_alarm_interval[1]:.3f}] at "
                f"level {c.level:g}, detection rate {c.detection_rate:.3f} [{c.detection_interval[0]:.3f}, {c.detection_interval[1]:.3f}] "
                f"for a planted break of {c.break_slope_pct_per_decade:+g}% per decade at {c.break_at:.2g}."
            )
        return (
            f"Rolling-origin backtest in {self.by} (cut-offs {', '.join(f'{c:.3g}' for c in bt.cutoffs)}): each law "
            f"({', '.join(bt.laws)}) is fitted with {bt.loss} loss on log residuals to the runs at or below the cut-off "
            "(one-variable laws to the frontier of best loss per budget) and predicts the runs above it. Prediction "
            f"intervals ({100 * bt.ci:g}%) combine a bootstrap of the training fit ({bt.n_boot} resamples; parameter "
            "uncertainty) with resampled training residuals (residual scale). The held-out mean excess is compared with "
            "its distribution under the law drawn the same way (one-sided p, Bonferroni over cut-offs). "
            f"Break test: {br.law} plus one or two hinge terms in log {self.by}, sup-F over break points trimmed "
            f"{100 * br.trim:g}% from each end, wild-bootstrap p-values ({br.n_boot} draws), Bonferroni over one and two "
            f"breaks; a break is detected when p < {br.level:g} and the broken law, estimated below the cut-off, cuts the "
            f"held-out RMS excess by at least {100 * br.margin:g}%." + cal + f" Top-of-range: mean excess of the {self.top.k} "
            f"runs with the largest {self.by} over the law fitted to all runs, against {self.top.n_perm} random "
            "k-subsets (one-sided permutation p) with a bootstrap interval. Verdict rule: inconclusive with fewer than 5 "
            "held-out runs; breaks if a break is detected and the top runs sit significantly above the law; bends if the "
            "top runs or the held-out runs sit significantly above it without a detected break; holds otherwise "
            f"(level {self.level:g})."
        )

    def to_finding(self):
        """This wall test as a :class:`~scalewatch.analyses.Finding`."""
        return _wall_finding(self)


def _heldout_table(bt: BacktestResult, law: str, ci: float, seed: Any) -> pd.DataFrame:
    rows = []
    for cut in bt.cutoffs:
        s = bt.summary[(bt.summary["law"] == law) & (bt.summary["cutoff"] == cut) & (bt.summary["test_set"] == "runs")].iloc[0]
        obs, draws = bt.null_mean_excess(law, cut, seed=seed)
        lo, hi = _offset_interval(obs, draws, ci)
        rows.append(
            {
                "cutoff": float(cut),
                "n_train": int(s.n_train),
                "n_test": int(s.n_test),
                "excess_pct": obs,
                "low": lo,
                "high": hi,
                "p": _pvalue_upper(obs, draws),
                "coverage": float(s.coverage),
                "coverage_param": float(s.coverage_param),
                "rmse_pct": float(s.rmse_pct),
            }
        )
    return pd.DataFrame(rows)


def wall_test(
    data: Any = None,
    *,
    law: str = "chinchilla",
    laws: Sequence[Any] = ("chinchilla", "kaplan_nd", "saturating", "broken"),
    by: str = "compute",
    cutoffs: Sequence[float] | None = None,
    holdout: Sequence[float] = (0.3, 0.1),
    n_boot: int | None = None,
    calibrate: bool = True,
    n_calibration: int | None = None,
    level: float = 0.05,
    fast: bool = False,
    seed: int | np.random.Generator | None = 0,
) -> WallTestResult:
    r"""Does the law hold at the top of the range? Backtest, break test and top residuals together.

    Parameters
    ----------
    data : Dataset, RunSet, DataFrame or mapping, optional
        Runs; default (None, or the loaded ``chinchilla-hoffmann2022``
        dataset) Hoffmann et al.'s isoFLOP runs with the five highest-loss
        runs dropped, as Besiroglu et al. (2024) do.
    law : str, default "chinchilla"
        The law under test (also the null of the break test and the law of
        the top residuals); must be one of ``laws``.
    laws : sequence, default ("chinchilla", "kaplan_nd", "saturating", "broken")
        Candidate laws of the backtest.
    by : str, default "compute"
        The scale variable.
    cutoffs : sequence of float, optional
        Backtest cut-offs; default: those holding out the top ``holdout`` shares.
    holdout : sequence of float, default (0.3, 0.1)
        Shares of runs held out by the default cut-offs.
    n_boot : int, optional
        Bootstrap resamples per fit; default 100 (30 with ``fast``).
    calibrate : bool, default True
        Calibrate the break rule on synthetic runs with this data's design,
        the fitted law as truth and its residuals as noise.
    n_calibration : int, optional
        Synthetic datasets each way; default 16 (6 with ``fast``).
    level : float, default 0.05
        Significance level of every test.
    fast : bool, default False
        Fewer resamples, one cut-off and a small calibration (for tests).
    seed : int, Generator or None, default 0
        Seed of everything random.

    Returns
    -------
    WallTestResult
    """
    t0 = time.perf_counter()
    note, citation = "", ""
    name = str(getattr(data, "name", "") or "your runs")
    if data is None or getattr(data, "name", None) == CHINCHILLA:
        ds = _dataset(CHINCHILLA, data)
        df, note = chinchilla_runs(ds)
        name, citation = CHINCHILLA, ds.citation
    else:
        df = runs_table(data, what="wall_test(data=...)")
    labels = [lab if isinstance(lab, str) else getattr(lab, "name", str(lab)) for lab in laws]
    if law not in labels:
        raise ValueError(f"wall_test(law={law!r}) must be one of laws={labels}.")
    rng = np.random.default_rng(seed)
    n_boot = n_boot if n_boot is not None else (30 if fast else 100)
    n_cal = n_calibration if n_calibration is not None else (6 if fast else 16)
    if cutoffs is None:
        hold = holdout[:1] if fast else holdout
        cutoffs = default_cutoffs(df[by].to_numpy(float), hold) if by in df.columns else None
    bt = backtest(df, laws, cutoffs=cutoffs, by=by, n_boot=n_boot, seed=rng)
    heldout = _heldout_table(bt, law, bt.ci, rng)
    heldout_p = float(min(1.0, heldout["p"].min() * len(heldout)))
    i_best = int(np.argmin(heldout["p"].to_numpy()))
    # the break test's held-out check reuses the backtest's fit at its first cut-off
    br = break_test(
        df, law, by=by, level=level, n_boot=199 if fast else 499, cutoff=bt.cutoffs[0],
        cutoff_fit=bt.fits[(law, bt.cutoffs[0])], seed=rng,
    )
    top = top_residuals(df, law, by=by, fit_result=br.fit if br.scope == "runs" or br.fit is None else None, n_perm=999 if fast else 4999, seed=rng)
    cal = None
    if calibrate:
        fit = br.fit
        cal = calibrate_break_test(
            n_cal,
            design=df,
            law=fit.law,
            truth=fit.params,
            noise=-fit.residuals,
            by=by,
            level=level,
            n_boot=99,
            seed=rng,
        )
    verdict, reason = wall_verdict(
        n_test=int(heldout["n_test"].max()),
        heldout_excess=float(heldout["excess_pct"].iloc[i_best]),
        heldout_p=heldout_p,
        top_excess=top.mean_excess,
        top_p=top.p_value,
        break_detected=br.detected,
        level=level,
    )
    return WallTestResult(
        dataset=name,
        law=law,
        by=by,
        backtest=bt,
        breaks=br,
        top=top,
        calibration=cal,
        heldout=heldout,
        heldout_p=heldout_p,
        verdict=verdict,
        reason=reason,
        level=level,
        n_boot=n_boot,
        seed=seed if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None,
        fast=fast,
        seconds=time.perf_counter() - t0,
        data_note=note,
        citation=citation,
        runs=df[[c for c in dict.fromkeys(["run_id", by, "params", "tokens", "loss"]) if c in df.columns]].copy(),
    )


def _wall_finding(result: WallTestResult, key: str = "pretraining.wall_test") -> Finding:
    bt = result.backtest
    tables = [
        (
            "Backtest: held-out error of each law at each cut-off",
            records(bt.summary, ["law", "cutoff", "test_set", "n_train", "n_test", "rmse_pct", "bias_pct", "coverage", "coverage_param", "converged"],
                     {"cutoff": f"cut-off ({result.by})", "test_set": "held-out set", "rmse_pct": "RMS excess %", "bias_pct": "mean excess %",
                      "coverage_param": "coverage (parameter-only)"}, digits=4),
        ),
        (
            f"The {result.top.k} runs with the largest {result.by}",
            records(result.top.top, [c for c in ("run_id", "params", "tokens", "compute", "loss", "excess_pct") if c in result.top.top.columns],
                     {"excess_pct": "excess %"}, digits=4),
        ),
    ]
    notes = [n for n in (result.data_note,) if n] + list(bt.notes) + list(result.breaks.notes)
    sources = (result.dataset,)
    citations = tuple(c for c in (result.citation,) if c) + tuple(
        CITATIONS[k] for k in ("hoffmann2022", "kaplan2020", "besiroglu2024", "caballero2022", "andrews1993", "hansen1996", "tashman2000", "efron1993")
    )
    return Finding(
        key=key,
        question="pretraining",
        title=f"Does the {_display(result.law)} law hold at the top of the {result.by} range? Backtest, break test, top runs",
        verdict=result.verdict,
        summary=result.sentence(),
        numbers=result.numbers(),
        figures=result.figures(),
        tables=tables,
        method=result.method() + f"\n\nVerdict reached: {result.reason}.",
        data_sources=sources,
        citations=citations,
        loss_label=_LOSS_LABEL,
        notes=notes,
        headline=result.numbers()[0].name,
    )


@analysis("pretraining.wall_test", question="pretraining", requires=(CHINCHILLA,), title="Wall test of Chinchilla's law: backtest, breaks, top runs")
def wall_test_analysis(ctx: Any) -> Finding:
    """Does Chinchilla's law hold at the top of the compute range?"""
    return wall_test(ctx.dataset(CHINCHILLA), fast=ctx.fast, seed=ctx.seed).to_finding()
