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
                f"{pct} prediction intervals (bootstrap of the fit plus resampled residuals). A wall would show as "
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
                f"end); its maximum is the test statistic (p = {result.breaks.p_value:.2g} by wild bootstrap, both break "
                "counts). The dotted line marks the estimated break."
            ),
        )
    )
    return figs


def wall_method(result: Any) -> str:
    bt, br = result.backtest, result.breaks
    cal = ""
    if result.calibration is not None:
        c = result.calibration
        cal = (
            f" The break rule was calibrated on {c.n_datasets} synthetic datasets each way ({c.design}; noise: {c.noise}): "
            f"false-alarm rate {c.false_alarm_rate:.3f} [{c.false_alarm_interval[0]:.3f}, {c.false_alarm_interval[1]:.3f}] at "
            f"level {c.level:g}, detection rate {c.detection_rate:.3f} [{c.detection_interval[0]:.3f}, {c.detection_interval[1]:.3f}] "
            f"for a planted break of {c.break_slope_pct_per_decade:+g}% per decade at {c.break_at:.2g}."
        )
    return (
        f"Rolling-origin backtest in {result.by} (cut-offs {', '.join(f'{c:.3g}' for c in bt.cutoffs)}): each law "
        f"({', '.join(bt.laws)}) is fitted with {bt.loss} loss on log residuals to the runs at or below the cut-off "
        "(one-variable laws to the frontier of best loss per budget) and predicts the runs above it. Prediction "
        f"intervals ({100 * bt.ci:g}%) combine a bootstrap of the training fit ({bt.n_boot} resamples; parameter "
        "uncertainty) with resampled training residuals (residual scale). The held-out mean excess is compared with "
        "its distribution under the law drawn the same way (one-sided p, Bonferroni over cut-offs). "
        f"Break test: {br.law} plus one or two hinge terms in log {result.by}, sup-F over break points trimmed "
        f"{100 * br.trim:g}% from each end, wild-bootstrap p-values ({br.n_boot} draws), Bonferroni over one and two "
        f"breaks; a break is detected when p < {br.level:g} and the broken law, estimated below the cut-off, cuts the "
        f"held-out RMS excess by at least {100 * br.margin:g}%." + cal + f" Top-of-range: mean excess of the {result.top.k} "
        f"runs with the largest {result.by} over the law fitted to all runs, against {result.top.n_perm} random "
        "k-subsets (one-sided permutation p) with a bootstrap interval.\n\n"
        "Verdict (scalewatch.analyses.pretraining.wall_decision): the held-out mean excess at the cut-off holding out the most "
        "runs, judged with the empirical coverage of its prediction intervals (a cut-off whose intervals cover far fewer held-out "
        "runs than nominal makes the verdict inconclusive); the top runs decide when they alone sit beyond the margin; a break "
        "found by the i.i.d. break test withholds 'holds' (its null, the law exactly right plus i.i.d. noise, is rejected by "
        "shape misfit alone). " + (decision_text(result.decision) if result.decision is not None else "")
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
