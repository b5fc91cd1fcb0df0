"""``trends.plateau_backtests``: could the slowdowns of real histories have been seen coming?"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.plots import band, error_bars, floats, hline, scatter, titled_spec, vline, vrect
from scalewatch.analyses.trends.backtest import TrendBacktest, backtest_trends
from scalewatch.analyses.trends.data import capability_series, frontier_compute_series, microprocessor_series
from scalewatch.analyses.trends.forecast import SlowdownTest, slowdown_test
from scalewatch.analyses.trends.models import TrendFit, fit_trend
from scalewatch.analyses.trends.series import MODELS, TrendSeries
from scalewatch.findings import analysis, number_record

__all__ = [
    "KEY",
    "QUESTION",
    "VERDICTS",
    "PlateauStudy",
    "plateau_study",
    "trends_finding",
    "CITATIONS",
    "plateau_analysis",
]


#: the finding's key and the question it answers
KEY = "trends.plateau_backtests"


QUESTION = "trends"


VERDICTS = ("plateau detectable in advance", "not detectable", "inconclusive")


#: what the plateau finding cites
CITATIONS = (
    "Horowitz, Labonte, Shacham, Olukotun, Hammond & Batten; Rupp (2022), microprocessor-trend-data, github.com/karlrupp/microprocessor-trend-data (CC BY 4.0)",
    "Sutter (2005), 'The Free Lunch Is Over: A Fundamental Turn Toward Concurrency in Software', Dr. Dobb's Journal 30(3)",
    "Epoch AI, 'Data on AI Models' (June 2025 snapshot); Epoch AI (2024), 'Training compute of frontier AI models grows by 4-5x per year'",
    "Sevilla et al. (2022), 'Compute Trends Across Three Eras of Machine Learning', arXiv:2202.05924",
    "Ho et al. (2025), 'A Rosetta Stone for AI Benchmarks', Epoch AI, github.com/epoch-research/benchmark-stitching",
    "Andrews (1993), 'Tests for Parameter Instability and Structural Change With Unknown Change Point', Econometrica 61(4)",
    "Davies (1987), 'Hypothesis testing when a nuisance parameter is present only under the alternative', Biometrika 74(1)",
    "Shao (2010), 'The Dependent Wild Bootstrap', JASA 105(489)",
    "Gneiting & Raftery (2007), 'Strictly Proper Scoring Rules, Prediction, and Estimation', JASA 102(477)",
    "Tashman (2000), 'Out-of-sample tests of forecasting accuracy', Int. J. Forecasting 16(4)",
)


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
class PlateauStudy:
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
    """

    backtests: dict[str, TrendBacktest] = field(repr=False)
    roles: dict[str, str]
    era_test: SlowdownTest | None
    era_fit: TrendFit | None = field(repr=False)
    current: dict[str, TrendFit] = field(repr=False)
    verdict: str
    fast: bool
    seed: Any
    seconds: float

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

    def figures(self) -> dict[str, dict[str, Any]]:
        """Plotly figures (JSON dicts): the CPU clock backtest, AI compute forecasts, p-values by origin, skill."""
        figs: dict[str, dict[str, Any]] = {}
        if "cpu-clock" in self.backtests:
            figs["cpu_clock_forecasts"] = _backtest_figure(self.backtests["cpu-clock"], "CPU clock frequency: forecasts from each origin")
        if "ai-compute" in self.backtests:
            figs["ai_compute_forecasts"] = _backtest_figure(self.backtests["ai-compute"], "Frontier training compute: forecasts from each origin")
        traces, conf = [], 0.95
        for k, bt in self.backtests.items():
            det = bt.detections()
            conf = bt.confidence
            traces.append(scatter(det["origin"], det["p_value"], k, mode="lines+markers"))
        figs["detection_p_values"] = titled_spec(
            "Slowdown test on the data up to each origin", traces, "origin (year)", "p-value", y_log=True,
            shapes=[hline(1 - conf, dash="dash", color="red")],
        )
        bars = []
        models = ("exponential/linear", "logistic", "piecewise")
        for label in models:
            xs, ys, lo, hi = [], [], [], []
            for k, bt in self.backtests.items():
                sk = bt.skill(intervals=True).set_index("model")
                m = label if label in sk.index else next((x for x in label.split("/") if x in sk.index), None)
                if m is None:
                    continue
                xs.append(k)
                ys.append(sk.loc[m, "crps"])
                lo.append(sk.loc[m, "crps_low"])
                hi.append(sk.loc[m, "crps_high"])
            y = np.asarray(ys, dtype=float)
            bars.append({
                "type": "bar", "name": label, "x": xs, "y": floats(y), "error_y": error_bars(y, lo, hi),
            })
        fig = titled_spec("Forecast skill: mean CRPS of held-out values (lower is better)", bars, "series",
                          "CRPS (decades; index units for ai-capability)")
        fig["layout"]["barmode"] = "group"
        figs["forecast_skill"] = fig
        return figs

    def to_finding(self):
        """This study as a :class:`~scalewatch.analyses.Finding` (question "trends")."""
        from scalewatch.findings import Figure, Finding

        leads = self.lead_times()
        conf = next(iter(self.backtests.values())).confidence
        parts = []
        for k, d in leads.items():
            name = {"cpu-clock": "clock", "cpu-single-thread": "single-thread"}.get(k, k)
            if d["first_detection"] is None:
                parts.append(f"{name} (onset {d['onset']:.0f}) never")
            else:
                lag = d["first_detection"] - d["onset"]
                parts.append(f"{name} (onset {d['onset']:.1f}) {abs(lag):.1f} yr {'after' if lag >= 0 else 'before'} it began")
        ai = [k for k, r in self.roles.items() if r == "ai"]
        ai_text = ", ".join(f"{k} p = {self.backtests[k].full_test.p_value:.2g}" for k in ai)
        summary = (
            f"Backtested on the mid-2000s CPU plateaus, a {100 * conf:g}% slowdown test first detected them for good: "
            + "; ".join(parts)
            + f"; AI series show no slowdown yet ({ai_text})."
        )
        figs = self.figures()
        captions = {
            "cpu_clock_forecasts": ("CPU clock frequency: what each model forecast from each origin",
                                    "Clock frequency of microprocessors (log scale) and each model's median forecast and interval "
                                    "over the five years after each origin (dotted lines); the shaded strip is the onset of the plateau "
                                    "with its interval."),
            "ai_compute_forecasts": ("Frontier training compute: forecasts from each origin",
                                     "Training compute of frontier models since 2016 and each model's three-year forecasts."),
            "detection_p_values": ("When does a slowdown become detectable?",
                                   f"p-value of the slowdown test on the data up to each origin; below the dashed line ({1 - conf:g}) a "
                                   "slowdown is detected. Compare the CPU curves with their onsets (about 2004-2006)."),
            "forecast_skill": ("Forecast skill of the three models",
                               "Mean CRPS of the held-out values of each series (lower is better), with intervals that resample "
                               "forecast origins."),
        }
        figures = [Figure(captions[k][0], spec, captions[k][1]) if k in captions else Figure(k, spec) for k, spec in figs.items()]
        tables = self.tables()
        method = (
            "Models, fitted to ln y (or y for the capability index) by least squares with scalewatch.fit: exponential "
            "(a + b t), logistic (K / (1 + exp(-r (t - m))), a plateau at K) and piecewise (growth b1 before a break year, "
            "b2 after, continuous). Forecasts are predictive distributions: observation-bootstrap refits plus resampled "
            "residuals; they are scored on the values in the horizon after each origin by the error of the median, the "
            "coverage of the 90% interval and the CRPS, in decades of the value."
            "\n\n"
            "Slowdown test: sup over candidate breaks (15% trimmed, at least 4 values each side) of the t-statistic of a "
            "hinge term that slows growth (Andrews 1993), p-value from a dependent wild bootstrap of the steady-trend "
            f"residuals (signs shared in blocks; Shao 2010); a slowdown is detected at p < {1 - conf:g}, run at every whole "
            "year (every quarter for the capability index) on the data up to it. The onset is the break year of the "
            "piecewise trend fitted to the whole history (bootstrap interval); the first detection is the earliest origin "
            "from which every later origin detects."
            "\n\n"
            "Verdict: 'plateau detectable in advance' when on every reference series (CPU clock frequency and single-thread "
            "performance, which stalled in the mid-2000s) the first detection precedes the onset's interval; 'not "
            "detectable' when on every one it comes at or after the onset; else 'inconclusive'. Transistor counts, which "
            "kept growing, are a control for false alarms. AI series: training compute of frontier models (top 10 at "
            "release, Epoch AI) since 2016, the start of the large-scale era (Sevilla et al. 2022), and a capability index "
            "stitched from benchmark scores as in Epoch AI's benchmark stitching (top 3 models at release)."
            + (" Fast mode: fewer origins and resamples." if self.fast else "")
        )
        notes = []
        for k, d in self.pre_onset_skill().items():
            ex, lg = d.get("exponential"), d.get("logistic")
            if ex and lg and ex["n"]:
                notes.append(
                    f"{k}: from the last origin before the onset ({d['origin']:g}) the exponential's median forecast was off by "
                    f"{ex['bias']:+.2f} decades and the logistic's by {lg['bias']:+.2f} (mean over the {ex['n']} values that followed)"
                )
        for k, bt in self.backtests.items():
            if self.roles[k] != "reference" and bt.first_any_detection is not None and bt.onset is None:
                notes.append(f"{k}: isolated detections without a slowdown in the whole history (first at {bt.first_any_detection:g}); not sustained")
        if self.era_test is not None:
            e = self.era_test
            notes.append(
                f"frontier compute from 2010: a slowdown at {e.break_year:.1f} (p = {e.p_value:.2g}; {e.growth_before:.3g} -> "
                f"{e.growth_after:.3g} x/yr), the end of the deep-learning era's faster growth (Sevilla et al. 2022), not a plateau"
            )
        notes.append(
            "the capability index is fitted with a weak ridge (1e-4) so that weakly identified benchmarks stay finite; it is in "
            "Winogrande logit units, not rescaled to Epoch's ECI"
        )
        for k, bt in self.backtests.items():
            for r in bt.results:
                for m, why in r.failed.items():
                    notes.append(f"{k}: {m} not fitted at {r.origin:g} ({why})")
        return Finding(
            key=KEY,
            question=QUESTION,
            title="Can a plateau be seen coming? Trend backtests on CPU and AI histories",
            verdict=self.verdict,
            summary=summary,
            numbers=self.numbers(),
            figures=figures,
            tables={
                "slowdown test by origin": tables["detections"],
                "forecast skill by series and model": tables["forecast_skill"],
                "forecasts from each origin (origin + horizon)": tables["forecasts"],
            },
            method=method,
            data_sources=("microprocessor-trend-data", "epoch-ai-models", "epoch-benchmark-stitching"),
            citations=CITATIONS,
            loss_label="least squares on log values (linear for the capability index)",
            notes=tuple(notes),
            headline=next((f"{k} detection lead time" for k in leads if leads[k]["lead_time"] is not None), None),
        )

    def __repr__(self) -> str:
        return f"PlateauStudy({self.verdict!r}, {len(self.backtests)} series)"


_COLORS = {"exponential": "31,119,180", "linear": "31,119,180", "logistic": "255,127,14", "piecewise": "44,160,44"}


def _backtest_figure(bt: TrendBacktest, title: str) -> dict[str, Any]:
    """Data, and each model's median forecast and interval from every forecast origin."""
    s = bt.series
    traces = [scatter(s.t, s.y, "observed", marker={"size": 5, "color": "black"})]
    shapes = []
    for r in bt.results:
        grid = np.linspace(r.origin, r.origin + bt.horizon, 12)
        shapes.append(vline(r.origin, dash="dot", color="grey"))
        for model, tf in r.fits.items():
            fc = tf.forecast(grid, seed=0)
            rgb = _COLORS.get(model, "120,120,120")
            first = r is bt.results[0]
            traces.extend(band(grid, fc["low"], fc["high"], f"{model} {100 * bt.ci:g}%", color=f"rgba({rgb},0.12)", showlegend=None, hover=True))
            traces[-1]["showlegend"] = first
            traces[-1]["legendgroup"] = model
            traces.append(scatter(grid, fc["median"], model, mode="lines", line={"color": f"rgb({rgb})"}, legendgroup=model, showlegend=first))
    if bt.onset is not None:
        shapes.append(vrect(bt.onset["low"], bt.onset["high"], color="rgba(200,0,0,0.08)", layer=None))
    return titled_spec(title, traces, "year", f"{s.label} ({s.unit})" if s.unit else s.label, y_log=s.scale == "log", shapes=shapes)


def _verdict(study_leads: dict[str, dict[str, Any]]) -> str:
    timings = [d["timing"] for d in study_leads.values()]
    if not timings:
        return "inconclusive"
    if all(t == "in advance" for t in timings):
        return "plateau detectable in advance"
    if all(t in ("after onset", "never detected") for t in timings):
        return "not detectable"
    return "inconclusive"


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
    return PlateauStudy(
        backtests=backtests,
        roles=roles,
        era_test=era,
        era_fit=era_fit,
        current=current,
        verdict=_verdict(partial.lead_times()),
        fast=fast,
        seed=seed,
        seconds=time.perf_counter() - t0,
    )


def trends_finding(*, fast: bool = False, seed: int = 0):
    """:func:`plateau_study` as a Finding (about 5 s; ``fast`` about 1.5 s)."""
    return plateau_study(fast=fast, seed=seed).to_finding()


@analysis(KEY, question=QUESTION, requires=("microprocessor-trend-data", "epoch-ai-models", "epoch-benchmark-stitching"))
def plateau_analysis(ctx):
    """Plateau backtests: can a plateau be seen coming in CPU and AI histories?"""
    return trends_finding(fast=ctx.fast, seed=ctx.seed)
