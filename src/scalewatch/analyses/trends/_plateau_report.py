"""How the plateau study is shown: its figures with captions, the summary sentence, the method text and the tables."""

from __future__ import annotations

from typing import Any

import numpy as np

from scalewatch.analyses.trends.backtest import TrendBacktest
from scalewatch.findings import Figure
from scalewatch.findings.rules import decision_text
from scalewatch.plots import band, error_bars, floats, hline, scatter, titled_spec, vline, vrect

__all__ = ["CITATIONS", "plateau_figures", "plateau_finding_parts"]

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


def plateau_figures(result: Any) -> dict[str, dict[str, Any]]:
    """Plotly figures (JSON dicts): the CPU clock backtest, AI compute forecasts, p-values by origin, skill."""
    figs: dict[str, dict[str, Any]] = {}
    if "cpu-clock" in result.backtests:
        figs["cpu_clock_forecasts"] = _backtest_figure(result.backtests["cpu-clock"], "CPU clock frequency: forecasts from each origin")
    if "ai-compute" in result.backtests:
        figs["ai_compute_forecasts"] = _backtest_figure(result.backtests["ai-compute"], "Frontier training compute: forecasts from each origin")
    traces, conf = [], 0.95
    for k, bt in result.backtests.items():
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
        for k, bt in result.backtests.items():
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


def plateau_finding_parts(result: Any) -> dict[str, Any]:
    """The fields of the finding but its key, question, verdict and numbers (:meth:`~scalewatch.findings.Result.to_finding`)."""

    leads = result.lead_times()
    conf = next(iter(result.backtests.values())).confidence
    parts = []
    for k, d in leads.items():
        name = {"cpu-clock": "clock", "cpu-single-thread": "single-thread"}.get(k, k)
        if d["first_detection"] is None:
            parts.append(f"{name} (onset {d['onset']:.0f}) never")
        else:
            lag = d["first_detection"] - d["onset"]
            parts.append(f"{name} (onset {d['onset']:.1f}) {abs(lag):.1f} yr {'after' if lag >= 0 else 'before'} it began")
    ai = [k for k, r in result.roles.items() if r == "ai"]
    ai_text = ", ".join(f"{k} p = {result.backtests[k].full_test.p_value:.2g}" for k in ai)
    summary = (
        f"Backtested on the mid-2000s CPU plateaus, a {100 * conf:g}% slowdown test first detected them for good: "
        + "; ".join(parts)
        + f"; AI series show no slowdown yet ({ai_text})."
    )
    figs = result.figures()
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
    tables = result.tables()
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
        "Verdict: on each reference series (CPU clock frequency and single-thread performance, which stalled in the "
        "mid-2000s) the lead time of the first sustained detection over the onset, with the onset's interval, by the written "
        "rule; the verdict is the series' common one, 'inconclusive' when they disagree. "
        + (decision_text(result.decision) + " " if getattr(result, "decision", None) is not None else "")
        + "Transistor counts, which "
        "kept growing, are a control for false alarms. AI series: training compute of frontier models (top 10 at "
        "release, Epoch AI) since 2016, the start of the large-scale era (Sevilla et al. 2022), and a capability index "
        "stitched from benchmark scores as in Epoch AI's benchmark stitching (top 3 models at release)."
        + (" Fast mode: fewer origins and resamples." if result.fast else "")
    )
    notes = []
    for k, d in result.pre_onset_skill().items():
        ex, lg = d.get("exponential"), d.get("logistic")
        if ex and lg and ex["n"]:
            notes.append(
                f"{k}: from the last origin before the onset ({d['origin']:g}) the exponential's median forecast was off by "
                f"{ex['bias']:+.2f} decades and the logistic's by {lg['bias']:+.2f} (mean over the {ex['n']} values that followed)"
            )
    for k, bt in result.backtests.items():
        if result.roles[k] != "reference" and bt.first_any_detection is not None and bt.onset is None:
            notes.append(f"{k}: isolated detections without a slowdown in the whole history (first at {bt.first_any_detection:g}); not sustained")
    if result.era_test is not None:
        e = result.era_test
        notes.append(
            f"frontier compute from 2010: a slowdown at {e.break_year:.1f} (p = {e.p_value:.2g}; {e.growth_before:.3g} -> "
            f"{e.growth_after:.3g} x/yr), the end of the deep-learning era's faster growth (Sevilla et al. 2022), not a plateau"
        )
    notes.append(
        "the capability index is fitted with a weak ridge (1e-4) so that weakly identified benchmarks stay finite; it is in "
        "Winogrande logit units, not rescaled to Epoch's ECI"
    )
    for k, bt in result.backtests.items():
        for r in bt.results:
            for m, why in r.failed.items():
                notes.append(f"{k}: {m} not fitted at {r.origin:g} ({why})")
    return dict(
        title="Can a plateau be seen coming? Trend backtests on CPU and AI histories",
        summary=summary,
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
        rule=getattr(result, "decision", None),
    )
