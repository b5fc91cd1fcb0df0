"""``test-time.coverage_law``: does coverage keep rising as the law fitted on small k predicts a decade ahead?"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scalewatch import seeds
from scalewatch.analyses.testtime._common import (
    _CITE_BROWN,
    _CITE_CHEN,
    _CITE_EFRON,
    _CITE_PYTHIA,
    _CITE_SCHAEFFER,
    DATASET,
    KEY_COVERAGE,
    _brown,
    _counts_and_params,
    _matrices,
    _model_order,
    _pct,
    model_label,
)
from scalewatch.analyses.testtime.coverage import _usable, compare_coverage_laws
from scalewatch.analyses.testtime.passk import DEFAULT_KS
from scalewatch.findings import Decision, Finding, Number, analysis
from scalewatch.findings.rules import Calibration, calibration, decision_text, overrule, rule
from scalewatch.plots import PALETTE, band, curve, figure, points, sequential_colors, vline

__all__ = ["coverage_decision", "coverage_verdict", "CoverageEvidence", "coverage_evidence", "coverage_law_finding", "coverage_law_analysis"]


def coverage_decision(
    n_models: int, excess: tuple[float, float, float], gain: tuple[float, float, float], *, calibration: Calibration | None = None,
) -> Decision:
    """The written rule's decision on the coverage law (rules ``test-time.decade_gain`` and ``score.forecast_error``).

    Parameters
    ----------
    n_models : int
        Models pooled; fewer than 3 withholds the verdict.
    excess : (estimate, low, high)
        Observed minus forecast coverage at the largest k, points (> 0: the law under-predicts).
    gain : (estimate, low, high)
        Coverage added over the last decade of k, points.
    calibration : Calibration, optional
        Empirical coverage of the held-out k by the law's forecast intervals
        (:func:`scalewatch.findings.rules.calibration`). Far short of nominal, it withholds "holds" and any
        undecided reading ("inconclusive", outcome "miscalibrated"); it does not withhold a forecast error
        wholly beyond the margin: the intervals then miss the held-out k *because* the law misses them, and
        the direction of the miss stands (the reason says the coverage).

    Returns
    -------
    Decision
        ``test-time.decade_gain``'s when its interval lies inside 0 +/- 1 point ("breaks": a plateau);
        otherwise ``score.forecast_error``'s (holds / beats the law / falls short of the law / inconclusive).

    Examples
    --------
    >>> coverage_decision(7, (-0.4, -1.5, 0.8), (8.0, 7.0, 9.0)).verdict
    'holds'
    >>> coverage_decision(7, (21.8, 19.7, 24.2), (46.8, 44.7, 49.1)).verdict    # under-predicts: does not hold
    'beats the law'
    >>> coverage_decision(7, (-9.0, -10.0, -8.0), (0.2, 0.0, 0.5)).verdict
    'breaks'
    >>> from scalewatch.findings.rules import calibration
    >>> coverage_decision(7, (-0.4, -1.5, 0.8), (8.0, 7.0, 9.0), calibration=calibration(5, 21, 0.95)).outcome
    'miscalibrated'
    """
    _, glo, ghi = gain
    g = rule("test-time.decade_gain").decide(glo, ghi) if math.isfinite(glo) and math.isfinite(ghi) else None
    if g is not None and g.outcome == "inside":
        d = g
    else:
        # a miss beyond the margin keeps its direction even when it empties the forecast intervals (the rule's own clause)
        d = rule("score.forecast_error").decide(excess[1], excess[2], calibration=calibration)
    if n_models < 3:
        return overrule(d, f"only {n_models} model(s) to pool, fewer than 3")
    return d


def coverage_verdict(
    n_models: int, excess: tuple[float, float, float], gain: tuple[float, float, float], **_: Any,
) -> tuple[str, str]:
    """``(verdict, reason)`` of :func:`coverage_decision`.

    Examples
    --------
    >>> coverage_verdict(7, (-0.4, -1.5, 0.8), (8.0, 7.0, 9.0))[0]
    'holds'
    """
    d = coverage_decision(n_models, excess, gain)
    return d.verdict, d.reason


@dataclass(frozen=True, eq=False)
class CoverageEvidence:
    """What :func:`coverage_law_finding` computed: the per-model Brown fits, their paired resamples and the verdict.

    Attributes
    ----------
    names : list of str
        Models, smallest first; ``per_model`` holds one dict per model (fits on all k and on
        k <= ``fit_up_to``, resampled parameters and curves, forecast and extrapolation).
    ok_all : numpy.ndarray of bool
        Resamples with 0 < coverage < 1 at every k for every model (the others are left out).
    ex_est, ex_lo, ex_hi, gn_est, gn_lo, gn_hi : float
        Forecast error one decade ahead and coverage gained over the last decade (points), with intervals.
    verdict, reason : str
        From :func:`coverage_decision`.
    decision : Decision
        The written rule's decision.
    cmp : LawComparison
        The out-of-sample comparison of coverage laws.
    """

    names: Any
    params: Any
    counts: Any
    kk: Any
    logk: Any
    k_last: Any
    cut: Any
    j_cut: Any
    P: Any
    per_model: Any
    ok_all: Any
    notes: Any
    ex_est: Any
    ex_lo: Any
    ex_hi: Any
    gn_est: Any
    gn_lo: Any
    gn_hi: Any
    verdict: Any
    reason: Any
    decision: Any
    cmp: Any
    n_resamples: Any
    ci: Any
    budget: Any
    fit_up_to: Any
    heldout_covered: int = 0
    heldout_n: int = 0
    calibration: Any = None


def coverage_evidence(
    per_problem: Any,
    runs: Any = None,
    *,
    ks: Sequence[int] = DEFAULT_KS,
    budget: float = 1e5,
    fit_up_to: int = 1000,
    compare_up_to: Sequence[int] = (100, 1000),
    n_resamples: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> CoverageEvidence:
    """The computation behind :func:`coverage_law_finding` (same data arguments; see there).

    Returns
    -------
    CoverageEvidence
    """
    from scalewatch.analyses.testtime.passk import _check_ci, _check_resamples, _ints

    func = "coverage_law_finding"  # the public entry point, named in the messages
    ci = _check_ci(ci, func)
    n_resamples = _check_resamples(n_resamples, func, minimum=20)
    if not (isinstance(budget, (int, float)) and budget >= 1):
        raise ValueError(f"{func}(budget={budget!r}) is a number of samples >= 1, e.g. 1e5.")
    counts, params, _ = _counts_and_params(per_problem, runs)
    names = _model_order(counts, params)
    kk = _ints(np.asarray(ks), "ks", func)
    if kk.max() > counts["n"].min():
        raise ValueError(f"{func}(ks=...) reaches k={int(kk.max())} but some problem has only {int(counts['n'].min())} samples.")
    if fit_up_to >= kk.max():
        raise ValueError(f"{func}(fit_up_to={fit_up_to}) leaves no larger k to forecast (largest k is {int(kk.max())}).")
    mats, _, problems = _matrices(counts, names, kk)
    rng = seeds.rng(seed)
    logk = np.log(kk.astype(float))
    k_last = float(kk.max())
    P = len(problems)
    idx = rng.integers(0, P, size=(n_resamples, P))
    fit_mask = kk <= fit_up_to
    cut = kk[kk <= k_last / 10].max() if np.any(kk <= k_last / 10) else kk.min()  # start of the last decade
    j_cut = int(np.flatnonzero(kk == cut)[0])

    per_model, excess_draws, gain_draws, notes = [], [], [], []
    ok_all = np.ones(n_resamples, dtype=bool)
    for m in names:
        M = mats[m]
        cov = M.mean(axis=0)
        if not np.all(_usable(cov)):
            raise ValueError(f"{func}: model {model_label(m)!r} has coverage 0 or 1 at some k of the grid; choose ks where 0 < coverage < 1.")
        a, b = _brown(logk, cov)
        a_f, b_f = _brown(logk[fit_mask], cov[fit_mask])
        C = M[idx].mean(axis=1)  # (R, K)
        ok = np.all(_usable(C), axis=1)
        ok_all &= ok
        Cs = np.where(ok[:, None], C, 0.5)
        ab, bb = _brown(logk, Cs)
        af, bf = _brown(logk[fit_mask], Cs[:, fit_mask])
        pred_last = math.exp(-a_f * k_last ** -b_f)
        excess_draws.append(100.0 * (C[:, -1] - np.exp(-af * k_last ** -bf)))
        hk = kk[~fit_mask].astype(float)
        fc_draws = np.exp(-np.asarray(af)[:, None] * hk[None, :] ** -np.asarray(bf)[:, None])  # (R, held-out k)
        gain_draws.append(100.0 * (C[:, -1] - C[:, j_cut]))
        ext_b = np.exp(-ab * budget ** -bb)
        k50 = np.where(bb > 0, (ab / math.log(2.0)) ** (1.0 / bb), np.inf)
        per_model.append({
            "model": m, "a": float(a), "b": float(b), "ab": ab, "bb": bb, "cov": cov, "C": C,
            "pred_last": pred_last, "excess": 100.0 * (cov[-1] - pred_last), "ext": float(math.exp(-a * budget ** -b)),
            "ext_draws": ext_b, "k50": float((a / math.log(2.0)) ** (1.0 / b)), "k50_draws": k50,
            "a_f": float(a_f), "b_f": float(b_f), "fc_draws": fc_draws, "cov_heldout": cov[~fit_mask],
        })
    n_failed = int((~ok_all).sum())
    if n_failed:
        notes.append(f"{n_failed}/{n_resamples} resamples had coverage 0 or 1 at some k for some model and were left out")
    ex = np.mean(np.vstack(excess_draws), axis=0)[ok_all]
    gn = np.mean(np.vstack(gain_draws), axis=0)[ok_all]
    ex_est = float(np.mean([r["excess"] for r in per_model]))
    gn_est = float(np.mean([100.0 * (r["cov"][-1] - r["cov"][j_cut]) for r in per_model]))
    ex_lo, ex_hi = _pct(ex, ci)
    gn_lo, gn_hi = _pct(gn, ci)
    # empirical coverage of the held-out k (k > fit_up_to) by the law's forecast intervals (fit on k <= fit_up_to, paired
    # problem bootstrap, percentile), every model and held-out k counted
    covered, n_held = 0, 0
    for r in per_model:
        lo_f, hi_f = np.quantile(r["fc_draws"][ok_all], [(1 - ci) / 2, (1 + ci) / 2], axis=0)
        inside = (r["cov_heldout"] >= lo_f) & (r["cov_heldout"] <= hi_f)
        r["fc_low"], r["fc_high"], r["fc_inside"] = lo_f, hi_f, inside
        covered += int(inside.sum())
        n_held += int(inside.size)
    cal = calibration(covered, n_held, ci, note=f"held-out k > {fit_up_to:,} of {len(names)} models; k of one model are not independent") if n_held else None
    decision = coverage_decision(len(names), (ex_est, ex_lo, ex_hi), (gn_est, gn_lo, gn_hi), calibration=cal)
    verdict, reason = decision.verdict, decision.reason
    cmp = compare_coverage_laws(counts, fit_up_to=tuple(int(c) for c in compare_up_to), ks=kk)

    return CoverageEvidence(names=names, params=params, counts=counts, kk=kk, logk=logk, k_last=k_last, cut=cut, j_cut=j_cut, P=P, per_model=per_model, ok_all=ok_all, notes=notes, ex_est=ex_est, ex_lo=ex_lo, ex_hi=ex_hi, gn_est=gn_est, gn_lo=gn_lo, gn_hi=gn_hi, verdict=verdict, reason=reason, decision=decision, cmp=cmp, n_resamples=n_resamples, ci=ci, budget=budget, fit_up_to=fit_up_to, heldout_covered=covered, heldout_n=n_held, calibration=cal)


def _coverage_numbers(ev: CoverageEvidence) -> list[Number]:
    """The finding's numbers: forecast error, last-decade gain, b and the extrapolation per model, the laws compared."""
    names, k_last, cut, per_model, ok_all, ex_est = ev.names, ev.k_last, ev.cut, ev.per_model, ev.ok_all, ev.ex_est
    ex_lo, ex_hi, gn_est, gn_lo, gn_hi, cmp = ev.ex_lo, ev.ex_hi, ev.gn_est, ev.gn_lo, ev.gn_hi, ev.cmp
    ci, budget, fit_up_to = ev.ci, ev.budget, ev.fit_up_to
    numbers = [
        Number(
            "forecast error one decade ahead", ex_est, ex_lo, ex_hi, "points", ci,
            f"observed minus forecast coverage at k = {int(k_last):,}, Brown law fitted on k <= {fit_up_to:,}, mean over {len(names)} models; "
            "< 0: coverage grew more slowly than the law",
        ),
        Number(
            "coverage gained over the last decade", gn_est, gn_lo, gn_hi, "points", ci,
            f"coverage at k = {int(k_last):,} minus at k = {int(cut):,}, mean over models",
        ),
    ]
    if ev.calibration is not None:
        c = ev.calibration
        held = f"held-out k > {fit_up_to:,}, {len(names)} models x {c.n // max(len(names), 1)} k"
        numbers += [
            Number(f"nominal coverage of the forecast intervals ({held})", ci, note="level of the law's forecast intervals (paired problem bootstrap)"),
            Number(
                f"empirical coverage of {100 * ci:g}% forecast intervals ({held})", c.empirical, c.low, c.high, "", 0.95,
                f"{c.covered} of {c.n} held-out coverages inside the interval of the law fitted on k <= {fit_up_to:,} (problems resampled, "
                "the law refitted); 95% Clopper-Pearson, k treated as independent (optimistic: the k of one model share errors)",
            ),
        ]
    for r in per_model:
        lab = model_label(r["model"])
        numbers.append(Number(f"b ({lab})", r["b"], *_pct(r["bb"][ok_all], ci), "", ci,
                              "exponent of c = exp(-a k^-b), all k; larger b = faster gains from sampling"))
    for r in per_model:
        lab = model_label(r["model"])
        numbers.append(Number(
            f"coverage at {budget:,.0f} samples ({lab})", r["ext"], *_pct(r["ext_draws"][ok_all], ci), "", ci,
            f"Brown law extrapolated {math.log10(budget / k_last):.1f} decades beyond the data; the interval is the problems' sampling only, "
            f"not the law's error (one decade ahead the law missed by up to {max(abs(x['excess']) for x in per_model):.1f} points here)",
        ))
    for c_ in cmp.fit_up_to:
        best = cmp.best[c_]
        s = cmp.summary[(cmp.summary["fit_up_to"] == c_)].set_index("law")
        numbers.append(Number(
            f"mean |error| out of sample, fit on k <= {c_:,}", float(s.loc[best, "mean_mae_pp"]), unit="points",
            note=f"best law: {best} (Brown law: {float(s.loc['brown', 'mean_mae_pp']):.2f} points); mean over {len(names)} models "
                 "of the mean absolute error on the held-out k; a comparison of fits, no interval",
        ))

    return numbers


def _coverage_figures(ev: CoverageEvidence, models: str, task: str) -> list[Any]:
    """Coverage against k with the extrapolation, -log coverage against k, and the out-of-sample error of the laws."""
    names, kk, k_last, P, per_model, ok_all = ev.names, ev.kk, ev.k_last, ev.P, ev.per_model, ev.ok_all
    cmp, ci, budget = ev.cmp, ev.ci, ev.budget
    pct = f"{100 * ci:g}%"
    colors = sequential_colors(len(names))
    kgrid = np.geomspace(1, budget, 120)
    tr_cov: list[dict[str, Any]] = []
    tr_log: list[dict[str, Any]] = []
    for col, r in zip(colors, per_model):
        lab = model_label(r["model"])
        lo, hi = np.quantile(r["C"][ok_all], [(1 - ci) / 2, (1 + ci) / 2], axis=0)
        fit_y = np.exp(-r["a"] * kgrid ** -r["b"])
        draws = np.exp(-r["ab"][ok_all][:, None] * kgrid[None, :] ** -r["bb"][ok_all][:, None])
        blo, bhi = np.quantile(draws, [(1 - ci) / 2, (1 + ci) / 2], axis=0)
        beyond = kgrid >= k_last
        tr_cov += band(kgrid[beyond], blo[beyond], bhi[beyond], f"{lab} extrapolation", color=col, opacity=0.12, group=lab, showlegend=False)
        tr_cov.append(curve(kgrid[~beyond], fit_y[~beyond], f"{lab} fit", color=col, group=lab, showlegend=False))
        tr_cov.append(curve(kgrid[beyond], fit_y[beyond], f"{lab} extrapolated", color=col, dash="dash", group=lab, showlegend=False))
        tr_cov.append(points(kk, r["cov"], lab, color=col, group=lab, size=6,
                             error_y={"type": "data", "symmetric": False, "array": (hi - r["cov"]).tolist(), "arrayminus": (r["cov"] - lo).tolist(), "thickness": 1}))
        tr_log.append(curve(kgrid, -np.log(fit_y), f"{lab} fit", color=col, group=lab, showlegend=False))
        tr_log.append(points(kk, -np.log(r["cov"]), lab, color=col, group=lab, size=6))
    fig_cov = figure(
        "Coverage against samples per problem", tr_cov, x_title="samples per problem k", y_title="coverage (share of problems solved, oracle verifier)",
        y_log=False, shapes=[vline(k_last)], height=480,
        caption=(f"Points: coverage of each {models} model on the {P} {task} problems with {pct} problem-bootstrap intervals. Lines: Brown et al.'s "
                 f"exponentiated power law fitted to all k; dashed beyond the data (vertical line) to {budget:,.0f} samples, with its band."),
    )
    fig_log = figure(
        "-log coverage against samples (straight lines: Brown's law)", tr_log, x_title="samples per problem k", y_title="-ln coverage",
        caption="On these axes c = exp(-a k^-b) is a straight line of slope -b; curvature would show where the law fails.",
    )
    bars = []
    for i, c_ in enumerate(cmp.fit_up_to):
        s = cmp.summary[cmp.summary["fit_up_to"] == c_].set_index("law").loc[list(cmp.laws)]
        bars.append({"type": "bar", "name": f"fit on k <= {c_:,}", "x": list(cmp.laws), "y": s["mean_mae_pp"].round(3).tolist(),
                     "marker": {"color": PALETTE[i % len(PALETTE)]}})
    fig_cmp = figure(
        "Out-of-sample error of five coverage laws", bars, x_title="law", y_title="mean |error| on held-out k (coverage points)",
        x_log=False, y_log=True, layout={"xaxis": {"title": {"text": "law"}, "type": "category"}, "barmode": "group"},
        caption="Each law fitted (least squares on log(-log c)) to the points with k up to a cut-off and scored on the larger k; mean over models.",
    )

    return [fig_cov, fig_log, fig_cmp]


def _coverage_tables(ev: CoverageEvidence) -> list[tuple[str, Any]]:
    """Brown law per model; the coverage laws out of sample, mean over models and per model."""
    params, k_last, per_model, ok_all, cmp, ci = ev.params, ev.k_last, ev.per_model, ev.ok_all, ev.cmp, ev.ci
    budget, fit_up_to = ev.budget, ev.fit_up_to
    fit_rows = []
    for r in per_model:
        alo, ahi = _pct(r["ab"][ok_all], ci)
        blo_, bhi_ = _pct(r["bb"][ok_all], ci)
        elo, ehi = _pct(r["ext_draws"][ok_all], ci)
        klo, khi = _pct(r["k50_draws"][ok_all], ci)
        fit_rows.append({
            "model": model_label(r["model"]), "params": params.get(r["model"]), "a": r["a"], "a low": alo, "a high": ahi,
            "b": r["b"], "b low": blo_, "b high": bhi_, f"coverage at k={int(k_last)}": float(r["cov"][-1]),
            f"coverage at {budget:,.0f}": r["ext"], "low": elo, "high": ehi, "samples for 50%": r["k50"], "k50 low": klo, "k50 high": khi,
            f"forecast at k={int(k_last)} from k<={fit_up_to}": r["pred_last"], "forecast error (points)": r["excess"],
        })
    oos_rows = cmp.table.assign(model=cmp.table["model"].map(model_label)).round(4)

    return [
        ("Brown law per model", fit_rows),
        ("Coverage laws out of sample (mean over models)", cmp.summary.round(4)),
        ("Coverage laws out of sample, per model", oos_rows),
    ]


def _coverage_text(ev: CoverageEvidence, numbers: Sequence[Number], models: str, task: str) -> tuple[str, str]:
    """The summary sentence and the method text."""
    names, counts, k_last, P, per_model, verdict = ev.names, ev.counts, ev.k_last, ev.P, ev.per_model, ev.verdict
    reason, cmp, n_resamples, ci, budget, fit_up_to = ev.reason, ev.cmp, ev.n_resamples, ev.ci, ev.budget, ev.fit_up_to
    pct = f"{100 * ci:g}%"
    big = per_model[-1]
    if verdict == "beats the law":
        summary = (
            f"Coverage of {len(names)} {models} models on {task} keeps rising with samples, faster than Brown et al.'s law "
            f"c = exp(-a k^-b) predicts: fitted on k <= {fit_up_to:,}, it under-predicts coverage at k = {int(k_last):,} by "
            f"{numbers[0].text()} points on average, outside the +/-{ev.decision.rule.margin:g}-point margin, so the law does not "
            f"hold (no sign of a wall; its shape is off, see the comparison of laws): {verdict}."
        )
    elif verdict == "holds":
        summary = (
            f"Coverage of {len(names)} {models} models on {task} keeps rising with samples as Brown et al.'s law c = exp(-a k^-b) predicts: "
            f"fitted on k <= {fit_up_to:,}, it misses coverage at k = {int(k_last):,} by {numbers[0].text()} points on average, within "
            f"+/-{ev.decision.rule.margin:g} points, and {model_label(big['model'])} would reach {big['ext']:.2f} at {budget:,.0f} samples."
        )
    else:
        summary = (
            f"Fitted on k <= {fit_up_to:,}, Brown et al.'s law misses coverage at k = {int(k_last):,} by {numbers[0].text()} points on "
            f"average over {len(names)} {models} models: {reason.split('; ')[0]}, so {verdict}."
        )
    method = (
        f"Data: {len(names)} {models} models{' (Biderman et al. 2023)' if models == 'Pythia' else ''}, {P} {task} problems, {int(counts['n'].min()):,} samples per problem; per problem "
        f"the number of correct samples. Coverage(k) is the mean over problems of the unbiased pass@k = 1 - C(n-c, k)/C(n, k) (Chen et al. "
        f"2021), computed as a sum of log1p terms (it matches the mirror's coverage curve to 1e-10).\n\n"
        f"Law: c = exp(-a k^-b) (Brown et al. 2024), least squares on log(-log c) against log k, i.e. ordinary least squares. Intervals: "
        f"{n_resamples} resamples of problems, the same problems for every model (paired), the law refitted to each resampled curve; {pct} "
        f"percentile intervals.\n\n"
        f"Verdict: the law fitted on k <= {fit_up_to:,} forecasts coverage at k = {int(k_last):,}; the observed minus forecast coverage, "
        f"averaged over models, with its paired-bootstrap interval, is judged by the written rule score.forecast_error; the last "
        f"decade's coverage gain by test-time.decade_gain (a gain inside 0 +/- 1 point is a plateau: 'breaks'). "
        + (f"Calibration: the law fitted on k <= {fit_up_to:,} gives a {pct} forecast interval (paired problem bootstrap) at each held-out k; "
           f"{ev.calibration.covered} of {ev.calibration.n} held-out coverages lie inside, empirical coverage {ev.calibration.text()} against "
           f"the nominal {pct}. Far short of nominal, the coverage withholds 'holds' (and any undecided reading); a forecast error wholly "
           "beyond the margin keeps its direction, since the intervals then miss the held-out k because the law does. "
           if ev.calibration is not None else "")
        + f"{decision_text(ev.decision)}\n\n"
        f"Alternatives compared out of sample: a ceiling m exp(-a k^-b); the beta-distribution law 1 - B(alpha, beta + k)/B(alpha, beta) "
        f"(Schaeffer et al. 2025); a logistic in log k; a power law in 1 - c. Each is fitted by least squares on log(-log c) to k <= "
        f"{' and '.join(f'{c_:,}' for c_ in cmp.fit_up_to)} and scored on the larger k. The small-k points come from all "
        f"{int(counts['n'].min()):,} samples, so this tests the laws' shapes, not a forecaster with only that many samples.\n\n"
        f"Coverage counts a problem solved if any sample is correct: it assumes an oracle verifier ({task} answers can be checked against the "
        "reference). Selecting one answer without it is test-time.selection."
    )
    return summary, method


def coverage_law_finding(
    per_problem: Any,
    runs: Any = None,
    *,
    ks: Sequence[int] = DEFAULT_KS,
    budget: float = 1e5,
    fit_up_to: int = 1000,
    compare_up_to: Sequence[int] = (100, 1000),
    n_resamples: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    source: str = DATASET,
    data_citation: str | None = None,
    models: str = "Pythia",
    task: str = "MATH",
    key: str = KEY_COVERAGE,
    title: str = "Coverage against samples: Brown et al.'s law, out of sample",
) -> Finding:
    r"""Fit coverage laws to repeated-sampling counts, forecast out of sample and judge the last decade.

    Parameters
    ----------
    per_problem : DataFrame
        Per (model, problem) counts (``model``/``run_id``, ``problem``/
        ``problem_idx``, ``n``/``num_samples``, ``c``/``num_correct``), the
        same problems for every model.
    runs : DataFrame, optional
        ``run_id`` (or ``model``) and ``params``, to order models by size.
    ks : sequence of int, default :data:`DEFAULT_KS`
        The k grid (<= the samples per problem).
    budget : float, default 1e5
        Samples per problem to extrapolate coverage to.
    fit_up_to : int, default 1000
        The verdict's fit uses k <= ``fit_up_to`` and forecasts the largest k.
    compare_up_to : sequence of int, default (100, 1000)
        Cut-offs of the out-of-sample comparison of laws.
    n_resamples : int, default 1000
        Paired resamples of problems (the same problems for every model).
    ci : float, default 0.95
    seed : int, Generator or None, default 0
    source, data_citation : str
        For the finding.
    models, task : str, default "Pythia", "MATH"
        What the counts are of, for the finding's sentences ("4 Pythia models on MATH").
    key, title : str
        The finding's key and title (another data set gets its own key).

    Returns
    -------
    Finding
        ``test-time.coverage_law`` unless ``key`` says otherwise.
    """
    ev = coverage_evidence(per_problem, runs, ks=ks, budget=budget, fit_up_to=fit_up_to, compare_up_to=compare_up_to,
                           n_resamples=n_resamples, ci=ci, seed=seed)
    numbers = _coverage_numbers(ev)
    summary, method = _coverage_text(ev, numbers, models, task)
    citations = (*((data_citation,) if data_citation else ()), _CITE_BROWN, _CITE_CHEN, _CITE_SCHAEFFER, *((_CITE_PYTHIA,) if models == "Pythia" else ()), _CITE_EFRON)
    return Finding(
        key=key, question="test-time", title=title,
        verdict=ev.verdict, summary=summary, numbers=numbers, figures=_coverage_figures(ev, models, task),
        tables=_coverage_tables(ev),
        method=method, data_sources=(source,), citations=citations, loss_label="least squares on log(-log coverage)", notes=ev.notes,
        headline="forecast error one decade ahead", rule=ev.decision,
    )


@analysis(KEY_COVERAGE, question="test-time", requires=(DATASET,), title="Coverage against samples: Brown et al.'s law, out of sample")
def coverage_law_analysis(ctx: Any) -> Finding:
    """Coverage against samples per model: Brown et al.'s law with intervals, forecast out of sample."""
    ds = ctx.dataset(DATASET)
    return coverage_law_finding(
        ds.tables["per_problem"], ds.runs.runs, n_resamples=ctx.pick(1000, 200), seed=ctx.seed, source=ds.name, data_citation=ds.citation
    )
