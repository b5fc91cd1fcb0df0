"""A finding from a backtest alone (e.g. of a user's own runs), judged by :func:`~scalewatch.analyses.pretraining.wall_verdict`."""

from __future__ import annotations

from typing import Any

import numpy as np

from scalewatch.analyses.pretraining._common import (
    _LOSS_LABEL,
    CITATIONS,
    _display,
    _number,
    _offset_interval,
    _pvalue_upper,
)
from scalewatch.analyses.pretraining.verdicts import wall_verdict
from scalewatch.findings import Finding, records
from scalewatch.findings.rules import calibration, clopper_pearson
from scalewatch.plots import PALETTE, figure, hline, points

__all__ = ["backtest_finding", "cal_interval"]


def cal_interval(covered: int, n: int) -> tuple[float | None, float | None]:
    """95% Clopper-Pearson interval of a coverage (None, None without held-out runs)."""
    return clopper_pearson(int(covered), int(n)) if n else (None, None)


def backtest_finding(result: Any, *, law: str | None = None, key: str = "pretraining.backtest", level: float = 0.05, seed: Any = 0) -> Finding:
    """A :class:`~scalewatch.findings.Finding` from a backtest alone (e.g. of a user's own runs).

    The verdict uses :func:`wall_verdict` with the held-out runs only: the
    mean held-out excess (smallest p over cut-offs, Bonferroni) and, as the
    "top of the range", the held-out runs of the largest cut-off. No break
    test is run, so the verdict is never "breaks".

    Parameters
    ----------
    result : BacktestResult
        From :func:`~scalewatch.analyses.pretraining.backtest` (this module does not import it: the result's
        ``to_finding()`` calls this function).
    law : str, optional
        The law judged; default the first of ``result.laws`` fitted to all runs (else the first).
    key : str
        The finding's key.
    level : float
        Significance level.
    seed : int, Generator or None
        Seed of the draws under the law.
    """
    if law is None:
        law = next((lab for lab in result.laws if result.scopes[lab] == "runs"), result.laws[0])
    if law not in result.laws:
        raise ValueError(f"backtest_finding(law={law!r}): the backtest has laws {list(result.laws)}.")
    test_set = result.scopes[law]
    rng = np.random.default_rng(seed)
    rows = []
    for cut in result.cutoffs:
        obs, draws = result.null_mean_excess(law, cut, seed=rng)
        lo, hi = _offset_interval(obs, draws, result.ci)
        s = result.law_summary(law, test_set)
        s = s[s["cutoff"] == cut].iloc[0]
        gm = result.grouped_mean_excess(law, cut, seed=rng)
        rows.append({"cutoff": cut, "n_test": int(s.n_test), "excess": obs, "low": lo, "high": hi, "p": _pvalue_upper(obs, draws), "rmse": float(s.rmse_pct),
                     "coverage": float(s.coverage), "covered": int(s.covered), "grouped": gm})
    p_min = min(1.0, min(r["p"] for r in rows) * len(rows))
    best = min(rows, key=lambda r: r["p"])
    last = rows[-1]
    verdict, reason = wall_verdict(
        n_test=max(r["n_test"] for r in rows), heldout_excess=best["excess"], heldout_p=p_min,
        top_excess=last["excess"], top_p=last["p"], break_detected=False, level=level,
    )
    # intervals that cover far fewer held-out runs than nominal cannot support a verdict
    cals = [calibration(r["covered"], r["n_test"], result.ci, note=f"{result.by} > {r['cutoff']:.3g}") for r in rows if r["n_test"]]
    short = [c for c in cals if c.far_short]
    if short:
        verdict, reason = "inconclusive", (
            f"the prediction intervals cover {short[0].text()} of held-out runs ({short[0].note}) against a nominal "
            f"{100 * result.ci:g}% (the numbers alone would read '{verdict}': {reason})"
        )
    first = rows[0]
    unit = "FLOP" if result.by == "compute" else result.by
    summary = (
        f"Fitted to the runs up to {first['cutoff']:.2g} {unit}, the {_display(law)} law predicts the {first['n_test']} runs above with mean "
        f"excess {first['excess']:+.2f}% [{first['low']:+.2f}, {first['high']:+.2f}] (RMS {first['rmse']:.2f}%, "
        f"{100 * first['coverage']:.0f}% inside {100 * result.ci:g}% intervals): {verdict}."
    )
    numbers = []
    for r in rows:
        tag = f"{result.by} > {r['cutoff']:.3g}"
        numbers += [
            _number(f"held-out mean excess ({tag}, {r['n_test']} runs)", r["excess"], r["low"], r["high"], "%", f"one-sided p = {r['p']:.3g}"),
            _number(f"held-out RMS excess ({tag})", r["rmse"], unit="%", note="root mean square of 100 log(observed / predicted)"),
            _number(f"held-out empirical coverage ({tag})", r["coverage"], *cal_interval(r["covered"], r["n_test"]),
                    note=f"share inside {100 * result.ci:g}% prediction intervals; 95% Clopper-Pearson"),
            _number(f"nominal coverage ({tag})", result.ci, note="level of the prediction intervals"),
            _number(f"held-out mean excess, cluster bootstrap by model size ({tag})", r["grouped"].mean, r["grouped"].low, r["grouped"].high, "%",
                    f"{r['grouped'].n_groups} model sizes resampled whole, conditional on the fit"),
        ]
    for rk in result.ranking().itertuples():
        numbers.append(_number(f"mean held-out RMS excess on {result.compare_on} runs: {rk.law}", rk.rmse_pct, unit="%", note="averaged over cut-offs"))
    traces = []
    for i, lab in enumerate(result.laws):
        q = result.predictions[(result.predictions["law"] == lab) & (result.predictions["cutoff"] == result.cutoffs[0]) & result.predictions["in_scope"]]
        traces.append(points(q[result.by], 100 * q["excess"], lab, color=PALETTE[i % len(PALETTE)]))
    fig = figure(
        f"Held-out excess over each law (fitted up to {result.cutoffs[0]:.2g} {unit})", traces, x_title=result.by,
        y_title="excess, % (100 log observed / predicted)", y_log=False, shapes=[hline(0.0)],
        caption="Each point a held-out run; above zero the run is worse than the law fitted below the cut-off predicts.",
    )
    method = (
        f"Rolling-origin backtest in {result.by}: every law is fitted with {result.loss} loss to the runs at or below each cut-off "
        f"({', '.join(f'{c:.3g}' for c in result.cutoffs)}) and predicts the runs above; {100 * result.ci:g}% prediction "
        f"intervals from {result.n_boot} bootstrap resamples of the fit plus resampled training residuals; their empirical "
        "coverage of the held-out runs is reported next to the nominal level (95% Clopper-Pearson). The mean held-out excess "
        "also gets a cluster-bootstrap interval that resamples model sizes whole (runs of one size share errors). Verdict "
        "(no break test): inconclusive with fewer than 5 held-out runs, or when the intervals' coverage falls far short of "
        "nominal (the upper Clopper-Pearson bound below nominal - 10 points); bends if the held-out runs (smallest p over cut-offs, "
        f"Bonferroni) or those of the largest cut-off sit significantly above the law (level {level:g}); holds otherwise."
        f"\n\nVerdict reached: {reason}."
    )
    return Finding(
        key=key,
        question="pretraining",
        title=f"Extrapolation backtest of the {_display(law)} law in {result.by}",
        verdict=verdict,
        summary=summary,
        numbers=numbers,
        figures=[fig],
        tables=[("Held-out error of each law at each cut-off", records(result.summary, list(result.summary.columns), digits=4))],
        method=method,
        data_sources=(result.data_source or "your runs",),
        citations=tuple(CITATIONS[k] for k in ("tashman2000", "efron1993", "hoffmann2022")),
        loss_label=_LOSS_LABEL if result.loss == "huber" else result.loss,
        notes=list(result.notes),
    )
