"""``trends.plateau_backtests``: could the slowdowns of real histories have been seen coming?"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.trends._plateau_report import CITATIONS, plateau_figures, plateau_finding_parts
from scalewatch.analyses.trends.backtest import TrendBacktest, backtest_trends
from scalewatch.analyses.trends.data import capability_series, frontier_compute_series, microprocessor_series
from scalewatch.analyses.trends.fit import TrendFit, fit_trend
from scalewatch.analyses.trends.forecast import SlowdownTest, slowdown_test
from scalewatch.analyses.trends.series import MODELS, TrendSeries
from scalewatch.findings import Decision, Result, analysis, number_record
from scalewatch.findings.rules import overrule, rule

__all__ = [
    "KEY",
    "QUESTION",
    "VERDICTS",
    "PlateauStudy",
    "plateau_study",
    "plateau_decision",
    "trends_finding",
    "CITATIONS",
    "plateau_analysis",
]


#: the finding's key and the question it answers
KEY = "trends.plateau_backtests"


QUESTION = "trends"


VERDICTS = ("plateau detectable in advance", "not detectable", "inconclusive")


@dataclass(frozen=True)
class _Setup:
    key: str
    role: str  # "reference", "control" or "ai"
    horizon: float
    origins: tuple[float, ...]
    test_step: float
    min_points: int = 10


def _setups(fast: bool) -> dict[str, _Setup]:
    if fast:
        return {
            "cpu-clock": _Setup("cpu-clock", "reference", 5.0, (1999.0, 2007.0), 2.0),
            "cpu-single-thread": _Setup("cpu-single-thread", "reference", 5.0, (1999.0, 2007.0), 2.0),
            "transistors": _Setup("transistors", "control", 5.0, (2005.0,), 4.0),
            "ai-compute": _Setup("ai-compute", "ai", 3.0, (2021.0,), 2.0),
            "ai-capability": _Setup("ai-capability", "ai", 1.0, (2024.5,), 0.5, min_points=8),
        }
    return {
        "cpu-clock": _Setup("cpu-clock", "reference", 5.0, (1995.0, 1999.0, 2003.0, 2007.0, 2011.0), 1.0),
        "cpu-single-thread": _Setup("cpu-single-thread", "reference", 5.0, (1995.0, 1999.0, 2003.0, 2007.0, 2011.0), 1.0),
        "transistors": _Setup("transistors", "control", 5.0, (1999.0, 2005.0, 2011.0), 1.0),
        "ai-compute": _Setup("ai-compute", "ai", 3.0, (2019.0, 2021.0, 2023.0), 1.0),
        "ai-capability": _Setup("ai-capability", "ai", 1.0, (2024.0, 2024.5, 2025.0), 0.25, min_points=8),
    }


def _study_series(key: str) -> TrendSeries:
    if key == "cpu-clock":
        return microprocessor_series("frequency_mhz")
    if key == "cpu-single-thread":
        return microprocessor_series("specint_x1000")
    if key == "transistors":
        return microprocessor_series("transistors_thousands")
    if key == "ai-compute":
        # the large-scale era (Sevilla et al. 2022) begins late 2015; the earlier deep-learning era grew faster
        return frontier_compute_series(start=2016.0)
    if key == "ai-capability":
        return capability_series()
    raise ValueError(f"unknown study series {key!r}")  # pragma: no cover


@dataclass(frozen=True, eq=False)
class PlateauStudy(Result):
    """Plateau backtests on real histories, with the verdict. Immutable.

    Attributes
    ----------
    backtests : dict
        Series key -> :class:`TrendBacktest`.
    roles : dict
        Series key -> "reference" (a known plateau), "control" (no plateau) or "ai".
    era_test : SlowdownTest
        The slowdown test on frontier compute from 2010: does it find the
        2015-16 boundary of the large-scale era (Sevilla et al. 2022)?
    era_fit : TrendFit
        The piecewise trend of frontier compute from 2010 (break year with interval).
    current : dict
        AI series key -> the steady trend fitted to its whole history (growth with interval).
    verdict : str
        See the module notes.
    decision : Decision
        The written rule's decision (:func:`plateau_decision`, rule ``trends.detection_lead``).
    """

    FINDING_KEY = KEY
    QUESTION = QUESTION

    backtests: dict[str, TrendBacktest] = field(repr=False)
    roles: dict[str, str]
    era_test: SlowdownTest | None
    era_fit: TrendFit | None = field(repr=False)
    current: dict[str, TrendFit] = field(repr=False)
    verdict: str
    fast: bool
    seed: Any
    seconds: float
    decision: Any = field(default=None, repr=False)

    @property
    def references(self) -> list[str]:
        return [k for k, r in self.roles.items() if r == "reference" and self.backtests[k].onset is not None]

    def lead_times(self) -> dict[str, dict[str, Any]]:
        """Per reference series: onset (with interval), first sustained detection and lead time (> 0: in advance)."""
        out = {}
        for k in self.references:
            bt = self.backtests[k]
            first = bt.first_detection
            on = bt.onset
            out[k] = {
                "onset": on["year"],
                "onset_low": on["low"],
                "onset_high": on["high"],
                "first_detection": first,
                "lead_time": None if first is None else on["year"] - first,
                "lead_low": None if first is None else on["low"] - first,
                "lead_high": None if first is None else on["high"] - first,
                "timing": bt.timing,
            }
        return out

    def pre_onset_skill(self) -> dict[str, dict[str, Any]]:
        """Per reference series, the forecasts from the last origin before the onset's interval.

        Did any model see the plateau coming from pre-plateau data? For each
        model: mean CRPS and bias of its forecasts (decades) from that origin.
        """
        out = {}
        for k in self.references:
            bt = self.backtests[k]
            before = [r for r in bt.results if r.origin < bt.onset["low"]]
            if not before:
                continue
            r = before[-1]
            out[k] = {"origin": r.origin, **{m: sc.summary() for m, sc in r.scores.items()}}
        return out

    def skill_table(self) -> pd.DataFrame:
        rows = []
        for k, bt in self.backtests.items():
            for row in bt.skill().itertuples():
                rows.append((k, row.model, row.n, row.mae, row.bias, row.coverage, row.crps))
        return pd.DataFrame(rows, columns=["series", "model", "n", "mae", "bias", "coverage", "crps"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": KEY,
            "verdict": self.verdict,
            "lead_times": self.lead_times(),
            "pre_onset_skill": self.pre_onset_skill(),
            "era_test": None if self.era_test is None else self.era_test.to_dict(),
            "roles": dict(self.roles),
            "backtests": {k: bt.to_dict() for k, bt in self.backtests.items()},
            "fast": self.fast,
            "seed": self.seed if isinstance(self.seed, (int, type(None))) else "generator",
            "seconds": self.seconds,
        }

    def report(self) -> str:
        lines = [f"[[Plateau study]] verdict: {self.verdict} ({self.seconds:.2g} s{', fast' if self.fast else ''})"]
        for k, d in self.lead_times().items():
            first = "never" if d["first_detection"] is None else f"{d['first_detection']:.1f}"
            lead = "" if d["lead_time"] is None else f", lead {d['lead_time']:+.1f} yr [{d['lead_low']:+.1f}, {d['lead_high']:+.1f}]"
            lines.append(f"    {k:<18} onset {d['onset']:.1f} [{d['onset_low']:.1f}, {d['onset_high']:.1f}], first detected {first}{lead}: {d['timing']}")
        if self.era_test is not None:
            e = self.era_test
            lines.append(
                f"    frontier compute since 2010: slowdown p = {e.p_value:.3g}, break {e.break_year:.1f} "
                f"({e.growth_before:.3g} -> {e.growth_after:.3g} x/yr)"
            )
        return "\n\n".join(["\n".join(lines), *(bt.report() for bt in self.backtests.values())])

    # -- finding pieces -----------------------------------------------------------------
    def numbers(self) -> list[dict[str, Any]]:
        """The headline numbers, each with its interval where one exists (plain dicts)."""
        out: list[dict[str, Any]] = []
        ci = next(iter(self.backtests.values())).ci
        for key, d in self.lead_times().items():
            label = self.backtests[key].series.label
            out.append(number_record(f"{key} onset year", d["onset"], d["onset_low"], d["onset_high"], "year", ci,
                          f"break of the piecewise trend fitted to the whole history of {label}"))
            if d["first_detection"] is not None:
                out.append(number_record(f"{key} first sustained detection", d["first_detection"], None, None, "year", None,
                              f"earliest origin from which the slowdown test rejects at every later origin "
                              f"({100 * self.backtests[key].confidence:g}% confidence)"))
                out.append(number_record(f"{key} detection lead time", d["lead_time"], d["lead_low"], d["lead_high"], "years", ci,
                              "onset minus first detection; negative: detected only after the plateau began"))
        for key, d in self.pre_onset_skill().items():
            for model, sc in d.items():
                # the piecewise model extrapolates the last break it has seen; it cannot anticipate a new one
                if model in ("origin", "piecewise") or not sc["n"]:
                    continue
                out.append(number_record(f"{key} pre-onset bias {model}", sc["bias"], None, None, "decades (log10)", None,
                              f"median forecast minus observed, {sc['n']} values after the last origin before the onset "
                              f"({d['origin']:g}); > 0: the model did not see the plateau coming"))
        for key, bt in self.backtests.items():
            if self.roles[key] == "control":
                out.append(number_record(f"{key} false alarms", bt.false_alarms, None, None, "origins", None,
                              f"test origins that detect a slowdown in a history without one (of {len(bt.tests)})"))
        for key, bt in self.backtests.items():
            if self.roles[key] != "ai":
                continue
            q = self.current[key].quantities()
            name, (v, lo, hi, u) = next(iter(q.items()))
            out.append(number_record(f"{key} {name.replace('_', ' ')}", v, lo, hi, u, ci,
                          f"{bt.series.label}, {bt.series.span[0]:.1f}-{bt.series.span[1]:.1f}, steady trend, bootstrap interval"))
            out.append(number_record(f"{key} slowdown p-value", bt.full_test.p_value, None, None, "", None,
                          f"whole history; best break {bt.full_test.break_year:.1f}"))
        if self.era_fit is not None:
            y, lo, hi, _ = self.era_fit.quantities()["break_year"]
            out.append(number_record("frontier compute era break", y, lo, hi, "year", ci,
                          "piecewise trend of frontier training compute from 2010; Sevilla et al. (2022) date the "
                          "large-scale era from late 2015"))
        for key in ("cpu-clock", "ai-compute"):
            if key not in self.backtests:
                continue
            sk = self.backtests[key].skill(intervals=True)
            for row in sk.itertuples():
                out.append(number_record(f"{key} CRPS {row.model}", row.crps, row.crps_low, row.crps_high,
                              "decades (log10)", ci, f"mean over {row.n} held-out values; interval resamples forecast origins"))
                out.append(number_record(
                    f"{key} forecast coverage of {100 * ci:g}% intervals, {row.model}", row.coverage, row.coverage_low,
                    row.coverage_high, "", ci,
                    f"empirical coverage: share of the {row.n} held-out values inside their {100 * ci:g}% forecast intervals "
                    f"(nominal {100 * ci:g}%); interval resamples forecast origins (values from one origin share errors). "
                    "Context, not the verdict: the verdict is on detection lead times",
                ))
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """Detection by origin, forecast skill and forecasts, one row per series and origin or model."""
        det = pd.concat([bt.detections().assign(series=k) for k, bt in self.backtests.items()], ignore_index=True)
        skill = pd.concat([bt.skill(intervals=True).assign(series=k) for k, bt in self.backtests.items()], ignore_index=True)
        fc = pd.concat([bt.forecasts().assign(series=k) for k, bt in self.backtests.items()], ignore_index=True)
        return {
            "detections": det[["series", *[c for c in det.columns if c != "series"]]],
            "forecast_skill": skill[["series", *[c for c in skill.columns if c != "series"]]],
            "forecasts": fc[["series", *[c for c in fc.columns if c != "series"]]],
        }

    def __repr__(self) -> str:
        return f"PlateauStudy({self.verdict!r}, {len(self.backtests)} series)"

    def figures(self) -> dict[str, dict[str, Any]]:
        """Plotly figures (JSON dicts), by name."""
        return plateau_figures(self)

    def finding_parts(self) -> dict[str, Any]:
        """Title, summary, captioned figures, tables, method, data and citations of :meth:`to_finding`."""
        return plateau_finding_parts(self)


def plateau_decision(study_leads: dict[str, dict[str, Any]]) -> Decision:
    """The written rule ``trends.detection_lead`` on each reference plateau's detection lead time (years).

    Each reference series' lead-time interval (onset interval minus the first sustained detection) is judged
    against 0 +/- 1 year: wholly above, "plateau detectable in advance"; inside or wholly below, "not
    detectable"; a series never detected is "not detectable". The finding's verdict is the series' common
    verdict, "inconclusive" when they disagree or one is undecided.

    Examples
    --------
    >>> plateau_decision({"a": {"lead_time": -2.3, "lead_low": -2.9, "lead_high": -1.1}}).verdict
    'not detectable'
    >>> plateau_decision({"a": {"lead_time": 3.0, "lead_low": 2.0, "lead_high": 4.0}}).verdict
    'plateau detectable in advance'
    >>> plateau_decision({"a": {"lead_time": 3.0, "lead_low": 2.0, "lead_high": 4.0},
    ...                   "b": {"lead_time": -2.0, "lead_low": -3.0, "lead_high": -1.5}}).verdict
    'inconclusive'
    """
    r = rule("trends.detection_lead")
    if not study_leads:
        return overrule(r.decide(None, None), "no reference plateau to backtest")
    decided = {}
    for k, d in study_leads.items():
        if d.get("lead_time") is None:
            decided[k] = Decision(r.unfavourable_label, "unfavourable", f"{k}: never detected", r, None, None)
        else:
            x = r.decide(float(d["lead_low"]), float(d["lead_high"]))
            decided[k] = Decision(x.verdict, x.outcome, f"{k}: {x.reason}", r, x.low, x.high)
    verdicts = {x.verdict for x in decided.values()}
    first = next(iter(decided.values()))
    reason = "; ".join(x.reason for x in decided.values())
    if len(verdicts) == 1:
        return Decision(first.verdict, first.outcome, reason, r, first.low, first.high)
    return overrule(Decision(first.verdict, first.outcome, reason, r, first.low, first.high), "the reference plateaus disagree")


def _verdict(study_leads: dict[str, dict[str, Any]]) -> str:
    return plateau_decision(study_leads).verdict


def plateau_study(*, fast: bool = False, seed: int = 0, confidence: float = 0.95, ci: float = 0.9) -> PlateauStudy:
    """Backtest trend models and plateau detection on CPU and AI histories.

    Parameters
    ----------
    fast : bool, default False
        Fewer origins and resamples (for tests and quick looks); the verdict
        rests on the same tests at a coarser grid of origins.
    seed : int, default 0
        Seed of every resampling.
    confidence : float, default 0.95
        Level at which the slowdown test detects.
    ci : float, default 0.9
        Level of the forecast intervals.

    Returns
    -------
    PlateauStudy
    """
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    n_boot, n_test = (15, 199) if fast else (30, 999)
    backtests, roles = {}, {}
    for key, st in _setups(fast).items():
        series = _study_series(key)
        first = math.ceil(series.t[min(st.min_points, series.n) - 1] / st.test_step) * st.test_step
        tests = tuple(np.arange(first, series.t[-1], st.test_step))
        backtests[key] = backtest_trends(
            series,
            origins=st.origins,
            test_origins=tests,
            horizon=st.horizon,
            ci=ci,
            confidence=confidence,
            n_boot=n_boot,
            n_test=n_test,
            min_points=st.min_points,
            seed=int(rng.integers(2**63)),
        )
        roles[key] = st.role
    era_series = frontier_compute_series(start=2010.0)
    try:
        era = slowdown_test(era_series, confidence=confidence, n_boot=n_test, seed=int(rng.integers(2**63)))
    except ValueError:
        era = None
    era_fit = fit_trend(era_series, "piecewise", n_boot=n_boot, ci=ci, seed=int(rng.integers(2**63)))
    current = {
        k: fit_trend(bt.series, MODELS[bt.series.scale][0], n_boot=100, ci=ci, seed=int(rng.integers(2**63)))
        for k, bt in backtests.items()
        if roles[k] == "ai"
    }
    partial = PlateauStudy(backtests, roles, era, era_fit, current, "inconclusive", fast, seed, 0.0)
    decision = plateau_decision(partial.lead_times())
    return PlateauStudy(
        backtests=backtests,
        roles=roles,
        era_test=era,
        era_fit=era_fit,
        current=current,
        verdict=decision.verdict,
        fast=fast,
        seed=seed,
        seconds=time.perf_counter() - t0,
        decision=decision,
    )


def trends_finding(*, fast: bool = False, seed: int = 0):
    """:func:`plateau_study` as a Finding (about 5 s; ``fast`` about 1.5 s)."""
    return plateau_study(fast=fast, seed=seed).to_finding()


@analysis(KEY, question=QUESTION, requires=("microprocessor-trend-data", "epoch-ai-models", "epoch-benchmark-stitching"))
def plateau_analysis(ctx):
    """Plateau backtests: can a plateau be seen coming in CPU and AI histories?"""
    return trends_finding(fast=ctx.fast, seed=ctx.seed)
