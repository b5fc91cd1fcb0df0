"""``pretraining.wall_test``: does the law hold at the top of the compute range? Backtest, break test, top runs."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.pretraining._common import _display, _number, _offset_interval, _pvalue_upper
from scalewatch.analyses.pretraining._wall_report import wall_figures, wall_finding_parts, wall_method
from scalewatch.analyses.pretraining.backtest import BacktestResult, backtest, default_cutoffs
from scalewatch.analyses.pretraining.break_result import BreakTestResult
from scalewatch.analyses.pretraining.breaks import break_test
from scalewatch.analyses.pretraining.calibration import CalibrationResult, calibrate_break_test
from scalewatch.analyses.pretraining.data import CHINCHILLA, _dataset, chinchilla_runs, runs_table
from scalewatch.analyses.pretraining.residuals import TopResidualResult, top_residuals
from scalewatch.findings import Decision, Figure, Finding, Number, Result, analysis, finite
from scalewatch.findings.rules import calibration as coverage_check
from scalewatch.findings.rules import overrule, rule

__all__ = ["WallTestResult", "wall_decision", "wall_test", "wall_test_analysis"]


@dataclass(frozen=True, eq=False)
class WallTestResult(Result):
    """Outcome of :func:`wall_test`: backtest, break test, top residuals, calibration, verdict. Immutable.

    Attributes
    ----------
    verdict, reason : str
        The verdict (one of :data:`VERDICTS`) and the rule that gave it.
    decision : Decision
        The written rule's decision (:func:`wall_decision`): rule, margin, interval judged, coverage check.
    heldout : pandas.DataFrame
        Per cut-off, the primary law's held-out runs: ``n_test``, mean
        ``excess_pct`` with the ``low``/``high`` interval of the systematic
        offset, one-sided ``p`` (above the law), ``coverage`` and ``rmse_pct``.
    """

    FINDING_KEY = "pretraining.wall_test"
    QUESTION = "pretraining"

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
    decision: Any = field(default=None, repr=False)
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
            f"{100 * self.backtest.ci:g}% intervals{self._short_clause(h)}); the top {self.top.k} runs sit {self.top.mean_excess:+.2f}% "
            f"[{self.top.interval[0]:+.2f}, {self.top.interval[1]:+.2f}] from the law (p = {self.top.p_value:.2g}) and {brk}: {self.verdict}."
        )

    def _short_clause(self, h: Any) -> str:
        """", far short" when the coverage of the intervals is far below nominal (the rule then withholds the verdict)."""
        high = getattr(h, "coverage_high", math.nan)
        return ", far short" if math.isfinite(high) and high < self.backtest.ci - 0.10 else ""

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
            "rule": None if self.decision is None else self.decision.to_dict(),
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

    def numbers(self) -> list[Number]:
        """The reported numbers, with their intervals where there are any."""
        ci = f"{100 * self.backtest.ci:g}%"
        out = []
        for h in self.heldout.itertuples():
            tag = f"{self.by} > {h.cutoff:.3g}"
            out += [
                _number(f"held-out mean excess ({tag}, {h.n_test} runs)", h.excess_pct, h.low, h.high, "%", f"{ci} interval of the systematic offset"),
                _number(f"held-out RMS excess ({tag})", h.rmse_pct, unit="%"),
                _number(
                    f"held-out coverage of {ci} prediction intervals ({tag})", h.coverage, h.coverage_low, h.coverage_high,
                    note=f"empirical coverage: {h.covered} of {h.n_test} held-out runs inside their intervals (parameter bootstrap + "
                    f"residuals); nominal {ci}; 95% Clopper-Pearson interval, runs treated as independent (optimistic: runs of one size "
                    "share errors)",
                ),
                _number(f"nominal coverage of the prediction intervals ({tag})", self.backtest.ci, note="the level the intervals were built for"),
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

    def finding_parts(self) -> dict[str, Any]:
        """Title, summary, tables, method, data and citations of :meth:`to_finding`."""
        return wall_finding_parts(self)

    def figures(self) -> list[Figure]:
        """Held-out runs against the prediction, held-out excess per law, and the break profile."""
        return wall_figures(self)

    def method(self) -> str:
        return wall_method(self)


def _heldout_table(bt: BacktestResult, law: str, ci: float, seed: Any) -> pd.DataFrame:
    rows = []
    for cut in bt.cutoffs:
        s = bt.summary[(bt.summary["law"] == law) & (bt.summary["cutoff"] == cut) & (bt.summary["test_set"] == "runs")].iloc[0]
        obs, draws = bt.null_mean_excess(law, cut, seed=seed)
        lo, hi = _offset_interval(obs, draws, ci)
        covered = int(round(float(s.coverage) * int(s.n_test)))
        cal = coverage_check(covered, int(s.n_test), ci)
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
                "covered": covered,
                "coverage_low": cal.low,
                "coverage_high": cal.high,
                "rmse_pct": float(s.rmse_pct),
            }
        )
    return pd.DataFrame(rows)


def wall_decision(
    heldout: pd.DataFrame,
    *,
    nominal: float,
    top_interval: tuple[float, float],
    break_detected: bool,
    break_p: float,
    level: float = 0.05,
    min_test: int = 5,
    robust_break: bool | None = None,
) -> Decision:
    """The written verdict of the wall test (rules ``loss.heldout_excess`` and ``pretraining.top_excess``).

    1. Each cut-off's held-out mean excess interval is judged by ``loss.heldout_excess`` with the empirical
       coverage of its prediction intervals (:func:`scalewatch.findings.calibration`); the cut-off holding out
       the most runs decides, unless another one's intervals are far short of nominal (then that one does:
       "inconclusive", miscalibrated). A far-short coverage does not withhold an *unfavourable* miss when the
       break test also fires: a law that breaks pushes held-out runs out of its intervals, so there the low
       coverage is the miss itself, confirmed by a second test.
    2. If the top runs' in-sample excess (rule ``pretraining.top_excess``) lies wholly above its margin, the top
       runs decide ("bends"), unless the held-out runs beat the law.
    3. A break found by the i.i.d. break test (``break_detected``, or ``break_p < level``) withholds "holds" and
       "beats the law": the break test's null ("the law exactly right plus i.i.d. noise") is rejected by shape
       misfit alone, so until a misspecification-robust break test rules, the verdict is at best "inconclusive".
       With an unfavourable decision and a detected break the verdict is "breaks".
    4. Fewer than ``min_test`` held-out runs withhold any verdict.

    Parameters
    ----------
    heldout : DataFrame
        One row per cut-off (first: the most held-out runs) with ``n_test``, ``low``, ``high`` (interval of the
        mean excess, percent) and ``covered`` (held-out runs inside their intervals).
    nominal : float
        Nominal level of the prediction intervals.
    top_interval : (float, float)
        Interval of the top runs' mean excess (percent).
    break_detected : bool
        The break rule's decision.
    break_p : float
        The break test's p-value.
    level : float, default 0.05
    min_test : int, default 5
    robust_break : bool, optional
        The decision of a misspecification-robust break test, when there is one: it then replaces the i.i.d.
        test in step 3 (True: a break survives the robust null; False: the apparent bend is explained by shape
        misfit, and no longer withholds "holds").

    Returns
    -------
    Decision

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"cutoff": [1e20], "n_test": [72], "low": [-0.5], "high": [0.5], "covered": [68]})
    >>> wall_decision(h, nominal=0.95, top_interval=(-0.4, 0.3), break_detected=False, break_p=0.4).verdict
    'holds'
    >>> wall_decision(h, nominal=0.95, top_interval=(-0.4, 0.3), break_detected=True, break_p=0.004).outcome
    'overruled'
    >>> wall_decision(h, nominal=0.95, top_interval=(-0.4, 0.3), break_detected=True, break_p=0.004, robust_break=False).verdict
    'holds'
    >>> wall_decision(h.assign(covered=45), nominal=0.95, top_interval=(-0.4, 0.3), break_detected=False, break_p=0.4).outcome
    'miscalibrated'
    """
    held = rule("loss.heldout_excess")
    decisions = []
    for h in heldout.itertuples():
        cal = coverage_check(int(h.covered), int(h.n_test), nominal, note=f"held-out runs above the cut-off {h.cutoff:.3g}")
        d = held.decide(h.low, h.high, calibration=cal)
        raw = held.decide(h.low, h.high)
        if d.outcome == "miscalibrated" and raw.outcome == "unfavourable" and bool(break_detected):
            # a law that breaks pushes the held-out runs out of its intervals: with the held-out miss wholly beyond the
            # margin and the break test firing, two signals agree and the low coverage is the miss itself
            d = Decision(
                raw.verdict, raw.outcome,
                f"{raw.reason}; the intervals cover {cal.text()} of held-out runs against a nominal {100 * nominal:g}%, "
                "as a break makes them (the break test also fires)",
                raw.rule, raw.low, raw.high, cal,
            )
        decisions.append(d)
    d = decisions[0]
    short = [x for x in decisions if x.outcome == "miscalibrated"]
    if short and d.outcome != "miscalibrated":
        d = short[0]
    top = rule("pretraining.top_excess").decide(*top_interval)
    if top.outcome == "unfavourable" and d.outcome != "favourable":
        d = top
    n_test = int(heldout["n_test"].max())
    if n_test < min_test:
        return overrule(d, f"only {n_test} held-out run(s), fewer than the {min_test} a verdict needs")
    if robust_break is None:
        significant = bool(break_detected) or (math.isfinite(break_p) and break_p < level)
        why = (
            f"the i.i.d. break test finds a break (p = {break_p:.2g}, level {level:g}); its null is rejected by shape misfit "
            "alone, so until a misspecification-robust break test rules, 'holds' cannot be given"
        )
    else:
        significant = bool(robust_break)
        break_detected = bool(robust_break)
        why = "a break survives the misspecification-robust break test"
    if significant and d.outcome in ("inside", "favourable"):
        return overrule(d, why)
    if bool(break_detected) and d.outcome == "unfavourable":
        return Decision("breaks", d.outcome, f"{d.reason}, and a break is detected (p = {break_p:.2g})", d.rule, d.low, d.high, d.calibration)
    return d


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
    decision = wall_decision(
        heldout,
        nominal=bt.ci,
        top_interval=(float(top.interval[0]), float(top.interval[1])),
        break_detected=br.detected,
        break_p=float(br.p_value),
        level=level,
        robust_break=getattr(br, "robust_detected", None),  # set once breaks.py has the robust test
    )
    verdict, reason = decision.verdict, decision.reason
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
        decision=decision,
        level=level,
        n_boot=n_boot,
        seed=seed if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None,
        fast=fast,
        seconds=time.perf_counter() - t0,
        data_note=note,
        citation=citation,
        runs=df[[c for c in dict.fromkeys(["run_id", by, "params", "tokens", "loss"]) if c in df.columns]].copy(),
    )


@analysis("pretraining.wall_test", question="pretraining", requires=(CHINCHILLA,), title="Wall test of Chinchilla's law: backtest, breaks, top runs")
def wall_test_analysis(ctx: Any) -> Finding:
    """Does Chinchilla's law hold at the top of the compute range?"""
    return wall_test(ctx.dataset(CHINCHILLA), fast=ctx.fast, seed=ctx.seed).to_finding()
