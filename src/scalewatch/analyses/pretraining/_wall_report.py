"""How the wall test is shown: its figures, its method text and the tables of its finding.

The result (:class:`~scalewatch.analyses.pretraining.WallTestResult`) and its
computation (:func:`~scalewatch.analyses.pretraining.wall_test`) are in
:mod:`scalewatch.analyses.pretraining.wall`; these functions take the result.
"""

from __future__ import annotations

from typing import Any

from scalewatch.analyses.pretraining._common import _LOSS_LABEL, CITATIONS, _display, _errors
from scalewatch.findings import Figure, records
from scalewatch.findings.rules import decision_text
from scalewatch.plots import PALETTE, figure, hline, points, vline

__all__ = ["wall_figures", "wall_method", "wall_finding_parts"]


def wall_figures(result: Any) -> list[Figure]:
    """Held-out runs against the prediction, held-out excess per law, and the break profile."""
    bt = result.backtest
    cut = bt.cutoffs[0]
    pct = f"{100 * bt.ci:g}%"
    p = bt.predictions[(bt.predictions["law"] == result.law) & (bt.predictions["cutoff"] == cut) & bt.predictions["in_scope"]]
    r = result.runs
    train = r[result.by].to_numpy(float) <= cut * (1 + 1e-12)
    figs = [
        figure(
            f"The {_display(result.law)} law fitted up to {cut:.2g} {result._unit}: the runs above, predicted",
            [
                points(r[result.by][train], r["loss"][train], "training runs", color="#8c959f", size=5),
                points(p[result.by], p["observed"], "held-out runs", color=PALETTE[1], held_out=True),
                points(
                    p[result.by], p["predicted"], f"prediction with {pct} interval", color=PALETTE[0], size=5,
                    error_y={**_errors(p["predicted"], p["lo"], p["hi"]), "color": PALETTE[0]},
                ),
            ],
            x_title=f"{result.by} ({result._unit})" if result.by == "compute" else result.by,
            y_title="final loss (nats/token)",
            shapes=[vline(cut)],
            caption=(
                f"Grey: the runs the law was fitted to; diamonds: the held-out runs; blue: the law's predictions with "
                f"{pct} in-sample prediction intervals (bootstrap of the fit plus resampled residuals; the verdict judges the calibrated "
                "intervals of the tables instead). A wall would show as "
                "diamonds above their intervals at the right."
            ),
        )
    ]
    traces = []
    for i, law in enumerate(bt.laws):
        q = bt.predictions[(bt.predictions["law"] == law) & (bt.predictions["cutoff"] == cut) & bt.predictions["on_frontier"]]
        traces.append(points(q[result.by], 100 * q["excess"], law, color=PALETTE[i % len(PALETTE)], mode="lines+markers"))
    figs.append(
        figure(
            f"Held-out frontier runs: excess over each law (fitted up to {cut:.2g} {result._unit})",
            traces,
            x_title=result.by,
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
    prof = result.breaks.profile
    figs.append(
        figure(
            f"Break test: one-break F statistic against the {result.breaks.law} law",
            [points(prof["break_at"], prof["F"], "F(break location)", color=PALETTE[2], mode="lines+markers")],
            x_title=f"break location ({result.by})",
            y_title="F statistic",
            y_log=False,
            shapes=[vline(result.breaks.break_at[0], dash="dot")],
            caption=(
                f"The hinge term's F statistic at each candidate break (trimmed {100 * result.breaks.trim:g}% from each "
                f"end), i.i.d. null; its maximum is the test statistic (p = {result.breaks.p_value:.2g} by wild bootstrap, both "
                f"break counts; under the robust null p = {result.breaks.p_robust:.2g}). The dotted line marks the i.i.d. estimate of the break."
            ),
        )
    )
    curve = result.breaks.shape_curve
    if len(curve):
        b = result.breaks
        ends = (float(curve["shape_pct"].iloc[0]), float(curve["shape_pct"].iloc[-1]))  # sorted by D/N
        verdict = (
            "the i.i.d. test's apparent bend is explained by this shape misfit (the robust null, which allows it, does not reject)"
            if b.explained_by_shape else
            ("a break survives the robust null even with this shape term allowed" if b.p_robust < b.level else "neither test rejects")
        )
        figs.append(
            figure(
                "Shape misfit: residual of the law against tokens per parameter, and its smooth trend",
                [
                    points(curve["tokens_per_param"], curve["residual_pct"], "residual of the law (run)", color="#8c959f", size=5),
                    points(curve["tokens_per_param"], curve["shape_pct"], f"smooth trend (degree {b.shape_degree} in log D/N)",
                           color=PALETTE[3 % len(PALETTE)], mode="lines"),
                ],
                x_title="tokens per parameter D/N",
                y_title="residual, % of loss",
                y_log=False,
                shapes=[hline(0.0)],
                caption=(
                    f"Line: the least-squares degree-{b.shape_degree} polynomial in log D/N through the law's residuals. "
                    f"It is {ends[0]:+.2g}% at the lowest D/N and {ends[1]:+.2g}% at the highest: the law misses runs far from the "
                    f"compute-optimal ratio {'in the same direction at both ends' if ends[0] * ends[1] > 0 else 'in opposite directions'}. The robust null "
                    f"fits such a term jointly with the law's parameters; the part of it the law cannot absorb has an SD of "
                    f"{b.misfit_sd_pct:.2g}% of loss. Across an isoFLOP design D/N drifts with compute, so such a misfit alone "
                    f"can make the i.i.d. break test reject; here it gives p = {b.p_value:.2g}, and the robust null, which allows the "
                    f"misfit, p = {b.p_robust:.2g}: {verdict}."
                ),
            )
        )
    return figs


def wall_method(result: Any) -> str:
    bt, br = result.backtest, result.breaks
    cb = result.calibrated
    rates = ""
    if result.rates is not None:
        rt = result.rates
        parts = []
        for scen, what in (("a: i.i.d. null", "significant"), ("b: smooth misfit", "significant")):
            for test in ("robust", "iid"):
                try:
                    v, lo, hi = rt.rate(scen, test, what)
                except KeyError:
                    continue
                parts.append(f"{test} test under ({scen}) {v:.3f} [{lo:.3f}, {hi:.3f}]")
        det = []
        for slope in (2, 5, 10):
            try:
                v, lo, hi = rt.rate(f"break {slope}%/decade", "robust", "detected")
            except KeyError:
                continue
            det.append(f"{slope}%/decade {v:.3f} [{lo:.3f}, {hi:.3f}]")
        rates = (
            f" Rates of both break tests on {rt.n_sims} simulated datasets per scenario ({rt.design}; {rt.simplification}; "
            f"{rt.n_boot} bootstrap draws; 95% Clopper-Pearson): false alarms (p < {rt.level:g}) " + "; ".join(parts)
            + ". Detection (significant and better out of sample) of planted breaks by the robust rule: " + "; ".join(det) + "."
            + (" Fast mode: fewer simulated datasets than the 400 of the report." if result.fast else "")
        )
    if cb is not None:
        intervals = (
            f"Prediction intervals ({100 * cb.nominal:g}% nominal) are calibrated out of sample: rolling-origin locally weighted "
            "split conformal intervals (Lei et al. 2018), calibrated on inner rolling origins inside each training set (no held-out "
            "run is used): a mean linear in log(D/N), a scale growing linearly with the extrapolation distance, the conformal "
            f"quantile sized by the {cb.group} groups. Each cut-off reports the nominal and the empirical coverage of its held-out "
            f"runs (Clopper-Pearson), next to the coverage of the old in-sample {100 * bt.ci:g}% intervals (parameter bootstrap "
            "plus resampled in-sample residuals), which are shown but no longer judged. The held-out mean excess gets a cluster "
            "bootstrap interval (model sizes resampled whole, conditional on the training fit): runs of one size share errors. "
        )
    else:
        intervals = (
            f"Prediction intervals ({100 * bt.ci:g}%) combine a bootstrap of the training fit with resampled training residuals "
            "(calibrated intervals need a law of N and D). "
        )
    top_from = result.top_from
    below = ""
    if result.break_below_top:
        below = (
            f" Here the robust break lies at {br.break_at_robust:.2g} {result._unit}, below the top of the range (which starts at "
            f"{top_from:.3g}), with the loss falling {br.slope_change_robust:+.2f}% per decade [{br.slope_interval_robust[0]:+.2f}, "
            f"{br.slope_interval_robust[1]:+.2f}] relative to the law beyond it; the largest runs are predicted with mean excess "
            f"{result.deciding.excess_pct:+.2f}% [{result.deciding.low:+.2f}, {result.deciding.high:+.2f}] and the top {result.top.k} "
            f"runs sit {result.top.mean_excess:+.2f}% [{result.top_interval[0]:+.2f}, {result.top_interval[1]:+.2f}] from the law. "
            "So the law's compute trend changes inside the range but no wall is seen at the top: the break is reported as its own "
            "number, and it withholds 'holds'."
        )
    return (
        f"Rolling-origin backtest in {result.by} (cut-offs {', '.join(f'{c:.3g}' for c in bt.cutoffs)}): each law "
        f"({', '.join(bt.laws)}) is fitted with {bt.loss} loss on log residuals to the runs at or below the cut-off "
        "(one-variable laws to the frontier of best loss per budget) and predicts the runs above it. " + intervals +
        f"Break test: {br.law} plus one or two hinge terms in log {result.by}, sup-F over break points trimmed "
        f"{100 * br.trim:g}% from each end, Bonferroni over one and two breaks, under two nulls: the i.i.d. null (the law exactly "
        f"right plus i.i.d. noise, wild bootstrap per run, {br.n_boot} draws) and the robust null ({br.robust_null()}). A break is "
        f"claimed only when it survives the robust null (p < {br.level:g}) and the broken model, estimated below the cut-off "
        f"{bt.cutoffs[0]:.3g}, cuts the held-out RMS excess by at least {100 * br.margin:g}% (law + shape term + hinge against law + "
        "shape term); when only the i.i.d. test rejects, the apparent bend is the law's shape misfit in tokens per parameter "
        "(shown in the shape-misfit figure)." + rates + f" Top-of-range: mean excess of the {result.top.k} "
        f"runs with the largest {result.by} over the law fitted to all runs; its interval: "
        + (result.top_grouped.method + (" (for Chinchilla's law: the report's shared bootstrap, the same interval as pretraining.chinchilla_fit)"
                                        if result.top_grouped.method.startswith("bootstrap parameters") else "")
           if result.top_grouped is not None else "a bootstrap of runs")
        + f"; and a permutation p against {result.top.n_perm} random k-subsets.\n\n"
        "Verdict (scalewatch.analyses.pretraining.wall_decision): the question is the TOP of the range. (1) The held-out mean excess "
        "of the largest runs (the highest cut-off with at least 5 held-out runs) is judged by loss.heldout_excess with the empirical "
        "coverage of its calibrated intervals; a lower cut-off whose intervals cover far fewer runs than nominal makes the verdict "
        "inconclusive, and one whose runs fall short of the law withholds 'holds'. (2) The top runs decide when they alone sit beyond "
        "the margin in sample ('bends'). (3) The break, by pretraining.break_slope on the robust test: a wall-ward break located "
        f"in the top of the range (at or above the lowest cut-off, {top_from:.3g} here) makes the verdict 'breaks'; one below the top "
        "gives 'breaks' only with an unfavourable held-out miss at the top, and otherwise is reported as its own number and turns "
        "'holds' or 'beats the law' into 'inconclusive' (a law whose compute trend changes inside the range is not said to hold); any "
        "other kink that survives the robust null also withholds 'holds'; an i.i.d.-only rejection withholds nothing (shape misfit)."
        + below + " " + (decision_text(result.decision) if result.decision is not None else "")
    )


def wall_finding_parts(result: Any) -> dict[str, Any]:
    bt = result.backtest
    tables = [
        (
            "Backtest: held-out error of each law at each cut-off",
            records(bt.summary, ["law", "cutoff", "test_set", "n_train", "n_test", "rmse_pct", "bias_pct", "coverage", "coverage_param", "converged"],
                     {"cutoff": f"cut-off ({result.by})", "test_set": "held-out set", "rmse_pct": "RMS excess %", "bias_pct": "mean excess %",
                      "coverage_param": "coverage (parameter-only)"}, digits=4),
        ),
        *(
            [(
                "Calibrated prediction intervals: nominal and empirical coverage of held-out runs at each cut-off",
                records(result.heldout, [c for c in ("cutoff", "n_test", "n_test_groups", "nominal", "covered", "coverage", "coverage_low",
                                                     "coverage_high", "insample_nominal", "insample_coverage", "excess_pct", "low", "high")
                                         if c in result.heldout.columns],
                        {"cutoff": f"cut-off ({result.by})", "n_test": "held out", "n_test_groups": "groups", "nominal": "nominal coverage",
                         "covered": "inside", "coverage": "empirical coverage", "coverage_low": "coverage low (95% CP)",
                         "coverage_high": "coverage high (95% CP)", "insample_nominal": "in-sample nominal coverage",
                         "insample_coverage": "in-sample empirical coverage", "excess_pct": "mean excess %", "low": "low %", "high": "high %"},
                        digits=4),
            )]
            if result.calibrated is not None else []
        ),
        *(
            [("Break tests on simulated runs: false-alarm and detection rates (95% Clopper-Pearson)",
              records(result.rates.table, ["scenario", "slope_pct_per_decade", "test", "n_sims", "significant_rate", "significant_low",
                                           "significant_high", "detected_rate", "detected_low", "detected_high"],
                      {"slope_pct_per_decade": "planted slope %/decade", "significant_rate": "p < level", "detected_rate": "detected"},
                      digits=3))]
            if result.rates is not None else []
        ),
        (
            f"The {result.top.k} runs with the largest {result.by}",
            records(result.top.top, [c for c in ("run_id", "params", "tokens", "compute", "loss", "excess_pct") if c in result.top.top.columns],
                     {"excess_pct": "excess %"}, digits=4),
        ),
    ]
    notes = [n for n in (result.data_note,) if n] + list(bt.notes) + list(result.breaks.notes) + list(result.notes)
    sources = (result.dataset,)
    citations = tuple(c for c in (result.citation,) if c) + tuple(
        CITATIONS[k] for k in ("hoffmann2022", "kaplan2020", "besiroglu2024", "caballero2022", "andrews1993", "hansen1996", "tashman2000", "efron1993")
    )
    return dict(
        title=f"Does the {_display(result.law)} law hold at the top of the {result.by} range? Backtest, break test, top runs",
        tables=tables,
        data_sources=sources,
        citations=citations,
        loss_label=_LOSS_LABEL,
        notes=notes,
        headline=result.numbers()[0].name,
        rule=result.decision,
    )
