"""``pretraining.wall_test``: does the law hold at the top of the compute range? Backtest, break test, top runs."""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.pretraining._common import CHINCHILLA_N_BOOT, _display, _number, _offset_interval, _pvalue_upper, chinchilla_bootstrap
from scalewatch.analyses.pretraining._draws import NULL_DRAWS, exact_draws
from scalewatch.analyses.pretraining._wall_report import wall_figures, wall_finding_parts, wall_method
from scalewatch.analyses.pretraining.backtest import BacktestResult, backtest, default_cutoffs
from scalewatch.analyses.pretraining.break_result import BreakTestResult
from scalewatch.analyses.pretraining.breaks import break_test
from scalewatch.analyses.pretraining.calibration import BreakRatesResult, misfit_scenarios, simulate_break_rates
from scalewatch.analyses.pretraining.data import CHINCHILLA, _dataset, chinchilla_runs, runs_table
from scalewatch.analyses.pretraining.intervals import (
    CalibratedBacktestResult,
    GroupedMean,
    calibrated_backtest,
    grouped_top_residuals,
    top_excess_with_parameters,
)
from scalewatch.analyses.pretraining.residuals import TopResidualResult, top_residuals
from scalewatch.errors import IdentifiabilityWarning
from scalewatch.findings import Decision, Figure, Finding, Number, Result, analysis, finite
from scalewatch.findings.rules import calibration as coverage_check
from scalewatch.findings.rules import overrule, rule

__all__ = ["WallTestResult", "wall_decision", "wall_test", "wall_test_analysis", "RATE_SCENARIOS"]


#: runs above which the break test's rates are simulated on a random subset of the design:
#: each of the n_calibration simulations per scenario bootstraps the whole design 99 times
CALIBRATION_MAX_RUNS = 5000
#: the scenarios of :func:`~scalewatch.analyses.pretraining.misfit_scenarios` whose rates the wall test reports
RATE_SCENARIOS = ("a: i.i.d. null", "b: smooth misfit", "break 2%/decade", "break 5%/decade", "break 10%/decade")


@dataclass(frozen=True, eq=False)
class WallTestResult(Result):
    """Outcome of :func:`wall_test`: backtest, calibrated intervals, break test, top residuals, rates, verdict. Immutable.

    Attributes
    ----------
    verdict, reason : str
        The verdict (one of :data:`VERDICTS`) and the rule that gave it.
    decision : Decision
        The written rule's decision (:func:`wall_decision`): rule, margin, interval judged, coverage check.
    heldout : pandas.DataFrame
        Per cut-off (ascending), the primary law's held-out runs: ``n_test``, mean ``excess_pct`` with its
        ``low``/``high`` interval (cluster bootstrap by model size when the calibrated intervals ran, else the
        interval of the systematic offset), the calibrated intervals' ``nominal``, ``covered``, ``coverage`` and
        Clopper-Pearson ``coverage_low``/``coverage_high``; the in-sample intervals' ``insample_nominal``,
        ``insample_covered``, ``insample_coverage`` (``_low``/``_high``), ``coverage_param``, one-sided ``p``
        (above the law) and ``rmse_pct``.
    calibrated : CalibratedBacktestResult or None
        The rolling-origin calibrated intervals (None for laws of one input).
    rates : BreakRatesResult or None
        False-alarm and detection rates of both break tests on simulated runs of this design.
    top_grouped : GroupedMean or None
        The top runs' mean excess with a cluster-bootstrap interval (groups of model size): the interval judged.
    """

    FINDING_KEY = "pretraining.wall_test"
    QUESTION = "pretraining"

    dataset: str
    law: str
    by: str
    backtest: BacktestResult
    breaks: BreakTestResult
    top: TopResidualResult
    rates: BreakRatesResult | None
    heldout: pd.DataFrame = field(repr=False)
    calibrated: CalibratedBacktestResult | None = field(default=None, repr=False)
    top_grouped: GroupedMean | None = None
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
    notes: tuple[str, ...] = ()
    runs: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    @property
    def deciding(self) -> Any:
        """The held-out row that decides: the highest cut-off with at least 5 held-out runs (else the last)."""
        h = self.heldout
        ok = h[h["n_test"] >= 5]
        return (ok if len(ok) else h).iloc[-1]

    @property
    def top_interval(self) -> tuple[float, float]:
        """The interval of the top runs' mean excess that the rule judges (cluster bootstrap where available)."""
        g = self.top_grouped
        return (float(g.low), float(g.high)) if g is not None else (float(self.top.interval[0]), float(self.top.interval[1]))

    @property
    def top_from(self) -> float:
        """Start of the top of the range in the break rule: the lowest cut-off."""
        return float(self.heldout["cutoff"].min())

    @property
    def break_below_top(self) -> bool:
        """True when a break survives the robust null below the top of the range (reported apart from the top's verdict)."""
        b = self.breaks
        return bool(b.p_robust < b.level and math.isfinite(b.break_at_robust) and b.break_at_robust < self.top_from)

    def sentence(self) -> str:
        h = self.deciding
        bt = self.breaks
        u = self._unit
        if bt.p_robust < bt.level:
            direction = "slower" if bt.slope_change_robust > 0 else "faster"
            where = "below the top" if self.break_below_top else "at the top"
            brk = (f"a break survives the robust null at {bt.break_at_robust:.2g}, {where} (p = {bt.p_robust:.2g}; loss falls "
                   f"{abs(bt.slope_change_robust):.2g}%/decade {direction} beyond)")
        elif bt.p_value < bt.level:
            brk = f"the i.i.d. test's bend (p = {bt.p_value:.2g}) is shape misfit (robust p = {bt.p_robust:.2g})"
        else:
            brk = f"no break (robust p = {bt.p_robust:.2g})"
        lo, hi = self.top_interval
        if "nominal" in h:
            cov = f"{100 * h.coverage:.0f}% in calibrated {100 * h.nominal:g}% intervals, {100 * h.insample_coverage:.0f}% in the old ones"
        else:
            cov = f"{100 * h.insample_coverage:.0f}% in in-sample {100 * h.insample_nominal:g}% intervals"
        return (
            f"Fitted up to {h.cutoff:.2g} {u}, the {_display(self.law)} law predicts the {int(h.n_test)} largest runs "
            f"to {h.excess_pct:+.2f}% [{h.low:+.2f}, {h.high:+.2f}] ({cov}); the top {self.top.k} runs sit {self.top.mean_excess:+.2f}% "
            f"[{lo:+.2f}, {hi:+.2f}] from the law; {brk}: {self.verdict}."
        )

    @property
    def _unit(self) -> str:
        return "FLOP" if self.by == "compute" else self.by

    def to_dict(self) -> dict[str, Any]:
        def clean(v: Any) -> Any:
            if isinstance(v, (float, np.floating)):
                return finite(v)
            if isinstance(v, (np.integer,)):
                return int(v)
            if isinstance(v, np.bool_):
                return bool(v)
            return v

        return {
            "dataset": self.dataset,
            "law": self.law,
            "by": self.by,
            "verdict": self.verdict,
            "reason": self.reason,
            "rule": None if self.decision is None else self.decision.to_dict(),
            "sentence": self.sentence(),
            "heldout": [{k: clean(v) for k, v in r.items()} for r in self.heldout.to_dict("records")],
            "heldout_p": finite(self.heldout_p),
            "backtest": self.backtest.to_dict(),
            "calibrated_intervals": None if self.calibrated is None else self.calibrated.to_dict(),
            "breaks": self.breaks.to_dict(),
            "break_below_top": self.break_below_top,
            "top_from": self.top_from,
            "top": self.top.to_dict(),
            "top_grouped": None if self.top_grouped is None else self.top_grouped.to_dict(),
            "break_rates": None if self.rates is None else self.rates.to_dict(),
            "level": self.level,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "fast": self.fast,
            "seconds": self.seconds,
            "notes": list(self.notes),
        }

    def report(self) -> str:
        lines = [f"[[Wall test]] {self.dataset}: {self.verdict}", f"    {self.sentence()}", f"    rule: {self.reason}"]
        parts = [self.backtest.report()]
        if self.calibrated is not None:
            parts.append(self.calibrated.report())
        parts += [self.breaks.report(), self.top.report()]
        if self.rates is not None:
            parts.append(self.rates.report())
        return "\n".join(lines + parts)

    def numbers(self) -> list[Number]:
        """The reported numbers, with their intervals where there are any (headline first: the largest runs' held-out excess)."""
        out = []
        rows = list(self.heldout.itertuples())
        top_row = self.deciding
        rows = [r for r in rows if r.cutoff == top_row.cutoff] + [r for r in rows if r.cutoff != top_row.cutoff]
        for h in rows:
            tag = f"{self.by} > {h.cutoff:.3g}"
            how = (f"{100 * 0.95:g}% cluster bootstrap by model size ({h.n_test_groups} groups), conditional on the training fit"
                   if self.calibrated is not None else f"{100 * self.backtest.ci:g}% interval of the systematic offset")
            out.append(_number(f"held-out mean excess ({tag}, {h.n_test} runs)", h.excess_pct, h.low, h.high, "%", how))
            if self.calibrated is not None:
                nom = f"{100 * h.nominal:g}%"
                out += [
                    _number(f"nominal coverage of the calibrated prediction intervals ({tag})", h.nominal,
                            note="the level the rolling-origin conformal intervals were built for"),
                    _number(
                        f"empirical coverage of calibrated {nom} prediction intervals ({tag})", h.coverage, h.coverage_low, h.coverage_high,
                        note=f"{h.covered} of {h.n_test} held-out runs inside their intervals (rolling-origin locally weighted conformal, "
                        f"quantile sized by model-size groups); nominal {nom}; 95% Clopper-Pearson, runs treated as independent",
                    ),
                ]
            ins = f"{100 * h.insample_nominal:g}%"
            out += [
                _number(f"nominal coverage of the old in-sample prediction intervals ({tag})", h.insample_nominal,
                        note="parameter bootstrap + resampled in-sample residuals; not used by the verdict"),
                _number(
                    f"empirical coverage of the old in-sample {ins} intervals ({tag})", h.insample_coverage, h.insample_coverage_low,
                    h.insample_coverage_high,
                    note=f"{h.insample_covered} of {h.n_test} held-out runs inside; 95% Clopper-Pearson; sized from in-sample i.i.d. "
                    "residuals, replaced by the calibrated intervals",
                ),
                _number(f"held-out RMS excess ({tag})", h.rmse_pct, unit="%"),
            ]
        for r in self.backtest.ranking().itertuples():
            out.append(_number(f"mean held-out RMS excess on {self.backtest.compare_on} runs: {r.law}", r.rmse_pct, unit="%"))
        t = self.top
        lo, hi = self.top_interval
        how = self.top_grouped.method if self.top_grouped is not None else f"{100 * t.ci:g}% bootstrap"
        out.append(_number(f"top {t.k} runs ({self.by}): mean excess", t.mean_excess, lo, hi, "%", f"95% {how}; permutation p = {t.p_value:.3g}"))
        b = self.breaks
        out += [
            _number("break test p-value, robust null (decides)", b.p_robust, note=b.robust_null()),
            _number("break test p-value, i.i.d. null", b.p_value,
                    note="the law exactly right plus i.i.d. noise: rejected by shape misfit alone, so it does not decide"),
            _number(f"robust break location ({self.by})", b.break_at_robust, unit=self._unit,
                    note=("below the top of the range" if self.break_below_top else "in the top of the range")
                    + f" (the top starts at the lowest cut-off, {self.top_from:.3g})"),
            _number("slope change beyond the robust break", b.slope_change_robust, *b.slope_interval_robust, "% of loss per decade",
                    "wild cluster bootstrap; > 0: the loss falls slower than the law (wall-ward)"),
            _number(f"i.i.d. break location ({self.by})", b.break_at[0], b.break_interval[0], b.break_interval[1], self._unit,
                    f"{100 * b.ci:g}% wild-bootstrap percentile"),
            _number("slope change beyond the i.i.d. break", b.slope_change, b.slope_interval[0], b.slope_interval[1], "% of loss per decade"),
            _number("shape misfit in tokens per parameter (SD of the smooth term)", b.misfit_sd_pct, unit="%",
                    note="what the robust null allows and the i.i.d. null does not"),
        ]
        o = b.oos
        if o.get("evaluable"):
            out += [
                _number("held-out RMS excess, law alone", o["rmse_law_pct"], unit="%"),
                _number("held-out RMS excess, law with break", o["rmse_broken_pct"], unit="%"),
            ]
        if o.get("robust_evaluable"):
            out += [
                _number("held-out RMS excess, law + shape term", o["rmse_shape_pct"], unit="%"),
                _number("held-out RMS excess, law + shape term + break", o["rmse_shape_broken_pct"], unit="%"),
            ]
        if self.rates is not None:
            rt = self.rates
            for scen in RATE_SCENARIOS:
                for test in ("robust", "iid"):
                    try:
                        rate, rlo, rhi = rt.rate(scen, test, "significant")
                        det, dlo, dhi = rt.rate(scen, test, "detected")
                    except KeyError:
                        continue
                    what = "false-alarm rate" if not scen.startswith("break") else "detection rate"
                    label = f"{test} break test {what}, {scen}"
                    if what == "false-alarm rate":
                        out.append(_number(f"{label} (p < {rt.level:g})", rate, rlo, rhi,
                                           note=f"{rt.n_sims} simulated datasets, {rt.n_boot} bootstrap draws; 95% Clopper-Pearson"))
                    else:
                        out.append(_number(f"{label} (significant and wins out of sample)", det, dlo, dhi,
                                           note=f"{rt.n_sims} simulated datasets; p < {rt.level:g} alone: {rate:.3f}; 95% Clopper-Pearson"))
        return out

    def finding_parts(self) -> dict[str, Any]:
        """Title, summary, tables, method, data and citations of :meth:`to_finding`."""
        return wall_finding_parts(self)

    def figures(self) -> list[Figure]:
        """Held-out runs against the prediction, held-out excess per law, the break profile and the shape misfit."""
        return wall_figures(self)

    def method(self) -> str:
        return wall_method(self)


def _heldout_table(bt: BacktestResult, law: str, ci: float, seed: Any, cb: CalibratedBacktestResult | None) -> pd.DataFrame:
    """Per cut-off: the calibrated intervals' coverage and grouped mean excess, next to the old in-sample intervals' coverage."""
    rows = []
    cal_rows = {} if cb is None else {float(r.cutoff): r for r in cb.summary.itertuples()}
    for cut in bt.cutoffs:
        s = bt.summary[(bt.summary["law"] == law) & (bt.summary["cutoff"] == cut) & (bt.summary["test_set"] == "runs")].iloc[0]
        obs, draws = bt.null_mean_excess(law, cut, seed=seed)
        lo, hi = _offset_interval(obs, draws, ci)
        covered = int(round(float(s.coverage) * int(s.n_test)))
        cal = coverage_check(covered, int(s.n_test), ci)
        row = {
            "cutoff": float(cut),
            "n_train": int(s.n_train),
            "n_test": int(s.n_test),
            "excess_pct": obs,
            "low": lo,
            "high": hi,
            "p": _pvalue_upper(obs, draws),
            "insample_nominal": float(ci),
            "insample_covered": covered,
            "insample_coverage": float(s.coverage),
            "insample_coverage_low": cal.low,
            "insample_coverage_high": cal.high,
            "coverage_param": float(s.coverage_param),
            "rmse_pct": float(s.rmse_pct),
            # without calibrated intervals the in-sample ones are all there is: the rule then judges them
            "covered": covered,
            "coverage": float(s.coverage),
            "coverage_low": cal.low,
            "coverage_high": cal.high,
        }
        c = cal_rows.get(float(cut))
        if c is not None:
            row.update({
                "excess_pct": float(c.mean_excess_pct), "low": float(c.mean_excess_low), "high": float(c.mean_excess_high),
                "offset_low": lo, "offset_high": hi, "n_test_groups": int(c.n_test_groups), "nominal": float(cb.nominal),
                "covered": int(c.covered), "coverage": float(c.coverage), "coverage_low": float(c.coverage_low),
                "coverage_high": float(c.coverage_high), "bounded": bool(c.bounded),
            })
        rows.append(row)
    return pd.DataFrame(rows).sort_values("cutoff", kind="stable").reset_index(drop=True)


def wall_decision(
    heldout: pd.DataFrame,
    *,
    nominal: float,
    top_interval: tuple[float, float],
    iid_p: float = math.nan,
    robust_p: float = math.nan,
    break_slope: tuple[float, float] | None = None,
    break_wins: bool = False,
    break_at: float = math.nan,
    top_from: float | None = None,
    level: float = 0.05,
    min_test: int = 5,
) -> Decision:
    """The written verdict of the wall test (rules ``loss.heldout_excess``, ``pretraining.top_excess``, ``pretraining.break_slope``).

    The question is whether the law holds **at the top** of the range, so:

    1. *Held-out excess at the top.* Each cut-off's held-out mean excess interval is judged by
       ``loss.heldout_excess`` with the empirical coverage of its calibrated prediction intervals
       (:func:`scalewatch.findings.calibration`). The **highest** cut-off with at least ``min_test`` held-out
       runs decides (its held-out runs are the largest runs, predicted from all runs below them); a lower
       cut-off still withholds the verdict when its intervals are far short of nominal ("miscalibrated"),
       or when its runs fall short of the law while the top's do not ("overruled"). A far-short coverage does
       not withhold a miss whose interval lies wholly beyond the margin (the rule's own clause: a miss that
       large, e.g. after a break, is what empties the intervals).
    2. *Top runs in sample.* If the top runs' excess over the law fitted to all runs (``pretraining.top_excess``)
       lies wholly above its margin, they decide ("bends"), unless the held-out runs beat the law.
    3. *Break.* The break is judged by ``pretraining.break_slope`` on the robust test
       (:func:`scalewatch.findings.rules.break_verdict`): a break is claimed only when it survives the robust
       null (law + smooth term in log D/N, ``robust_p < level``) and the broken model predicts held-out runs
       better. Where it lies matters: it is *at the top* when ``break_at >= top_from`` (default ``top_from``:
       the lowest cut-off, so the top range is the runs every cut-off of the backtest can hold out).

       * a wall-ward break ("breaks") at the top: the verdict is "breaks", whatever the held-out interval (the
         break test is evidence of its own: robust null, held-out check, slope interval beyond the margin), unless
         the held-out runs beat the law (a contradiction: "inconclusive");
       * a wall-ward break below the top: "breaks" only together with an unfavourable held-out miss at the
         top; otherwise it does not decide the top, but a law whose compute trend changes inside the range is
         not said to "hold" (nor to "beat the law"): such a verdict becomes "inconclusive" (outcome
         "overruled") and the reason names the break and its location;
       * any other significant robust kink (faster than the law, or not winning out of sample) withholds
         "holds" the same way;
       * an i.i.d. rejection the robust null does not confirm withholds nothing: the apparent bend is the
         law's shape misfit in tokens per parameter, and the reason says so.
    4. Fewer than ``min_test`` held-out runs at every cut-off withhold any verdict, and so do unbounded calibrated
       intervals (column ``bounded`` False: too few run groups for a finite conformal quantile, so they cover trivially).

    Parameters
    ----------
    heldout : DataFrame
        One row per cut-off with ``cutoff``, ``n_test``, ``low``, ``high`` (interval of the mean held-out
        excess, percent) and ``covered`` (held-out runs inside their calibrated intervals).
    nominal : float
        Nominal level of the calibrated intervals.
    top_interval : (float, float)
        Interval of the top runs' mean excess (percent).
    iid_p, robust_p : float
        p-values of the break test under the i.i.d. null and under the robust null (NaN: no break test).
    break_slope : (float, float), optional
        Interval of the robust model's change of slope beyond the break (% of loss per decade).
    break_wins : bool
        The robust broken model predicts held-out runs better (by the break test's margin).
    break_at : float
        Location of the robust break (units of ``by``).
    top_from : float, optional
        Start of the top of the range; default the lowest cut-off.
    level : float, default 0.05
    min_test : int, default 5

    Returns
    -------
    Decision

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"cutoff": [1e20], "n_test": [72], "low": [-0.5], "high": [0.5], "covered": [66]})
    >>> wall_decision(h, nominal=0.9, top_interval=(-0.4, 0.3)).verdict
    'holds'
    >>> wall_decision(h, nominal=0.9, top_interval=(-0.4, 0.3), iid_p=0.004, robust_p=0.4, break_slope=(-0.5, 0.6)).verdict
    'holds'
    >>> wall_decision(h, nominal=0.9, top_interval=(-0.4, 0.3), iid_p=0.001, robust_p=0.001, break_slope=(2.0, 6.0),
    ...               break_wins=True, break_at=3e20).verdict
    'breaks'
    >>> wall_decision(h, nominal=0.9, top_interval=(-0.4, 0.3), iid_p=0.001, robust_p=0.001, break_slope=(1.4, 3.1),
    ...               break_wins=True, break_at=1.9e19).outcome
    'overruled'
    >>> wall_decision(h.assign(covered=45), nominal=0.9, top_interval=(-0.4, 0.3)).outcome
    'miscalibrated'
    """
    from scalewatch.findings.rules import break_verdict

    held = rule("loss.heldout_excess")
    h = heldout.sort_values("cutoff", kind="stable").reset_index(drop=True)
    top_from = float(h["cutoff"].min()) if top_from is None else float(top_from)
    tested = math.isfinite(robust_p)
    bd = None
    if tested:
        lo_s, hi_s = break_slope if break_slope is not None else (math.nan, math.nan)
        ok = lo_s is not None and hi_s is not None and math.isfinite(lo_s) and math.isfinite(hi_s)
        bd = break_verdict(p_iid=float(iid_p) if math.isfinite(iid_p) else 1.0, p_robust=float(robust_p), level=level,
                           oos_wins=bool(break_wins), slope_low=float(lo_s) if ok else None, slope_high=float(hi_s) if ok else None)
    robust_sig = tested and robust_p < level
    at_top = bool(math.isfinite(break_at) and break_at >= top_from * (1 - 1e-12))
    wallward = bd is not None and bd.verdict == "breaks"
    where = f"at {break_at:.2g}" if math.isfinite(break_at) else "somewhere in the range"
    decisions = []
    for r in h.itertuples():
        cal = coverage_check(int(r.covered), int(r.n_test), nominal, note=f"held-out runs above the cut-off {r.cutoff:.3g}")
        d = held.decide(r.low, r.high, calibration=cal)
        if not bool(getattr(r, "bounded", True)) and d.outcome not in ("miscalibrated", "no interval"):
            # too few run groups for a finite conformal quantile: the intervals are the whole line and cover trivially
            d = overrule(d, f"the calibrated intervals above the cut-off {r.cutoff:.3g} are unbounded (too few run groups for a "
                            "finite conformal quantile), so their coverage says nothing")
        decisions.append((r, d))
    enough = [(r, d) for r, d in decisions if int(r.n_test) >= min_test]
    if not enough:
        n_test = int(h["n_test"].max())
        return overrule(decisions[-1][1], f"only {n_test} held-out run(s), fewer than the {min_test} a verdict needs")
    top_row, d = enough[-1]
    tag = f"the largest runs ({int(top_row.n_test)} above the highest cut-off {top_row.cutoff:.3g})"
    d = replace(d, reason=f"{tag}: {d.reason}")
    others = [(r, x) for r, x in decisions if r is not top_row]
    short = [(r, x) for r, x in others if x.outcome == "miscalibrated"]
    if short and d.outcome != "miscalibrated":
        r, x = short[0]
        d = replace(x, reason=f"at the cut-off {r.cutoff:.3g}: {x.reason}")
    top = rule("pretraining.top_excess").decide(*top_interval)
    if top.outcome == "unfavourable" and d.outcome != "favourable":
        d = top
    if d.outcome in ("inside", "favourable"):
        worse = [(r, x) for r, x in others if x.outcome == "unfavourable"]
        if worse:
            r, x = worse[0]
            d = overrule(d, f"the runs above the lower cut-off {r.cutoff:.3g} fall short of the law ({x.reason})")
    if bd is None:
        return d
    brk = f"robust break test: {bd.reason}"
    if robust_sig:
        if wallward and (at_top or d.outcome == "unfavourable"):
            if d.outcome == "favourable":
                return overrule(d, f"a wall-ward break {where} survives the robust null ({brk}), against held-out runs that beat the law")
            if at_top or d.outcome == "unfavourable":
                place = "at the top of the range" if at_top else f"{where}, below the top of the range (from {top_from:.3g})"
                return Decision("breaks", "unfavourable", f"{d.reason}; and a break {place} survives the robust null ({brk})",
                                d.rule, d.low, d.high, d.calibration)
        if d.outcome in ("inside", "favourable"):
            place = "at the top of the range" if at_top else (
                f"{where}, below the top of the range (which starts at {top_from:.3g}): it does not decide the top, but a law "
                "whose compute trend changes inside the range is not said to hold"
            )
            return overrule(d, f"a break survives the robust null {place} ({brk})")
        return replace(d, reason=f"{d.reason}; {brk}")
    if math.isfinite(iid_p) and iid_p < level:
        return replace(d, reason=f"{d.reason}; the i.i.d. break test rejects (p = {iid_p:.2g}) but the robust null does not "
                                 f"(p = {robust_p:.2g}): the apparent bend is explained by the law's shape misfit in tokens per parameter")
    return replace(d, reason=f"{d.reason}; no break survives the robust null (p = {robust_p:.2g})")


def _top_grouped(df: pd.DataFrame, fit_result: Any, k: int, by: str, fast: bool, seed: Any, rng: np.random.Generator) -> GroupedMean:
    """The top k runs' mean excess with a grouped interval: for Chinchilla's law, the report's one interval of it.

    With Chinchilla's law, an integer seed and ``params``/``tokens`` columns, the interval pairs the report's shared
    Chinchilla bootstrap (:func:`~scalewatch.analyses.pretraining.chinchilla_bootstrap`, the resamples that
    ``pretraining.chinchilla_fit`` uses) with a cluster resample of model sizes
    (:func:`~scalewatch.analyses.pretraining.intervals.top_excess_with_parameters`): the same numbers as that
    finding's "mean excess of the largest runs" when the top runs are the same. Otherwise a cluster bootstrap by
    model size conditional on the fit.
    """
    from scalewatch.laws import Chinchilla

    x = pd.to_numeric(df[by], errors="coerce").to_numpy(float)
    top_idx = np.argsort(x, kind="stable")[-int(k):]
    if isinstance(fit_result.law, Chinchilla) and isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and "tokens" in df.columns:
        N, D, L = (df[c].to_numpy(float) for c in ("params", "tokens", "loss"))
        with warnings.catch_warnings():  # the wall test's own fit (quiet_fit) already notes identifiability
            warnings.simplefilter("ignore", IdentifiabilityWarning)
            res, boot = chinchilla_bootstrap(N, D, L, n_boot=CHINCHILLA_N_BOOT[bool(fast)], seed=int(seed))
        if res.n_obs == len(df) and np.allclose(res.theta, fit_result.theta, rtol=1e-6, atol=1e-9):
            theta_b = np.column_stack([boot.samples[n] for n in res.law.param_names])
            top = np.zeros(len(df), dtype=bool)
            top[top_idx] = True
            return top_excess_with_parameters(res.law, res.theta, theta_b, N, D, L, top, ci=0.95, seed=int(seed))
    return grouped_top_residuals(df, fit_result.law, by=by, k=k, fit_result=fit_result, n_boot=1000 if fast else 2000, seed=rng)


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
    nominal: float = 0.9,
    level: float = 0.05,
    fast: bool = False,
    seed: int | np.random.Generator | None = 0,
) -> WallTestResult:
    r"""Does the law hold at the top of the range? Backtest, calibrated intervals, robust break test and top residuals together.

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
        Bootstrap resamples per fit of the backtest; default 100 (30 with ``fast``).
    calibrate : bool, default True
        Measure the false-alarm and detection rates of both break tests on simulated runs of this design
        (:func:`~scalewatch.analyses.pretraining.simulate_break_rates`, scenarios :data:`RATE_SCENARIOS` of
        :func:`~scalewatch.analyses.pretraining.misfit_scenarios`).
    n_calibration : int, optional
        Simulated datasets per scenario; default 400 (100 with ``fast``).
    nominal : float, default 0.9
        Nominal level of the calibrated prediction intervals.
    level : float, default 0.05
        Significance level of every test.
    fast : bool, default False
        Fewer resamples, one cut-off and fewer simulations (for tests).
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
    n_sims = n_calibration if n_calibration is not None else (100 if fast else 400)
    notes: list[str] = []
    if cutoffs is None:
        hold = holdout[:1] if fast else holdout
        cutoffs = default_cutoffs(df[by].to_numpy(float), hold) if by in df.columns else None
    bt = backtest(df, laws, cutoffs=cutoffs, by=by, n_boot=n_boot, seed=rng)
    cb = None
    try:
        cb = calibrated_backtest(df, law, by=by, cutoffs=list(bt.cutoffs), nominal=nominal, n_boot=1000 if fast else 2000, seed=rng)
    except ValueError as exc:
        notes.append(f"calibrated intervals not available ({exc}); the verdict judges the in-sample intervals")
    heldout = _heldout_table(bt, law, bt.ci, rng, cb)
    heldout_p = float(min(1.0, heldout["p"].min() * len(heldout)))
    n_held = int(heldout["n_test"].max()) if len(heldout) else 0
    if not exact_draws(NULL_DRAWS, n_held):
        notes.append(f"with up to {n_held:,} held-out runs, the law's null draws of their mean excess take the mean of the "
                     "resampled training residuals from its normal limit (CLT; analyses.pretraining._draws)")
    # the break test's held-out check reuses the backtest's fit at its first cut-off
    br = break_test(
        df, law, by=by, level=level, n_boot=199 if fast else 499, cutoff=bt.cutoffs[0],
        cutoff_fit=bt.fits[(law, bt.cutoffs[0])], seed=rng,
    )
    top = top_residuals(df, law, by=by, fit_result=br.fit if br.scope == "runs" or br.fit is None else None, n_perm=999 if fast else 4999, seed=rng)
    top_grouped = None
    if br.scope == "runs" and "params" in df.columns:
        top_grouped = _top_grouped(df, br.fit, top.k, by, fast, seed, rng)
    rates = None
    if calibrate:
        try:
            sim_df, resid = df, np.asarray(br.fit.residuals, dtype=float)
            if len(df) > CALIBRATION_MAX_RUNS and resid.size == len(df):
                pick = np.sort(rng.choice(len(df), CALIBRATION_MAX_RUNS, replace=False))
                sim_df, resid = df.iloc[pick].reset_index(drop=True), resid[pick]
                notes.append(
                    f"break-test rates simulated on {CALIBRATION_MAX_RUNS:,} runs drawn at random from the {len(df):,} "
                    f"(each of the {n_sims} simulations per scenario bootstraps the whole design 99 times): the false-alarm "
                    "rates are those of the test on this design's distribution of runs; the detection rates, of a design "
                    "of that size (more runs give more power)"
                )
            scen = misfit_scenarios(sim_df, resid)
            rates = simulate_break_rates(
                sim_df, br.fit.law, br.fit.params, scenarios={k: scen[k] for k in RATE_SCENARIOS if k in scen}, n_sims=n_sims, by=by,
                level=level, n_boot=99, seed=rng,
            )
        except (ValueError, KeyError) as exc:
            notes.append(f"break-test rates not simulated ({exc})")
    lo_s, hi_s = br.slope_interval_robust
    oos = br.oos
    wins = bool(oos.get("robust_wins", False)) if oos.get("robust_evaluable") else bool(oos.get("evaluable", False) and oos.get("wins", False))
    top_interval = (float(top_grouped.low), float(top_grouped.high)) if top_grouped is not None else (float(top.interval[0]), float(top.interval[1]))
    decision = wall_decision(
        heldout,
        nominal=cb.nominal if cb is not None else bt.ci,
        top_interval=top_interval,
        iid_p=float(br.p_value),
        robust_p=float(br.p_robust),
        break_slope=(float(lo_s), float(hi_s)),
        break_wins=wins,
        break_at=float(br.break_at_robust),
        level=level,
    )
    return WallTestResult(
        dataset=name,
        law=law,
        by=by,
        backtest=bt,
        breaks=br,
        top=top,
        rates=rates,
        heldout=heldout,
        calibrated=cb,
        top_grouped=top_grouped,
        heldout_p=heldout_p,
        verdict=decision.verdict,
        reason=decision.reason,
        decision=decision,
        level=level,
        n_boot=n_boot,
        seed=seed if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None,
        fast=fast,
        seconds=time.perf_counter() - t0,
        data_note=note,
        citation=citation,
        notes=tuple(notes),
        runs=df[[c for c in dict.fromkeys(["run_id", by, "params", "tokens", "loss"]) if c in df.columns]].copy(),
    )


@analysis("pretraining.wall_test", question="pretraining", requires=(CHINCHILLA,), title="Wall test of Chinchilla's law: backtest, breaks, top runs")
def wall_test_analysis(ctx: Any) -> Finding:
    """Does Chinchilla's law hold at the top of the compute range?"""
    return wall_test(ctx.dataset(CHINCHILLA), fast=ctx.fast, seed=ctx.seed).to_finding()
