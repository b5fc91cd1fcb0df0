r"""Test-time compute: repeated-sampling laws, selecting an answer, and the train/test exchange rate.

Three findings of the report, all on Brown et al.'s (2024) repeated sampling of
seven Pythia models on 128 MATH problems (10,000 samples per problem;
``llmonkeys-pythia-math``):

``test-time.coverage_law`` (:func:`coverage_law_finding`)
    Coverage (pass@k with an oracle verifier, the unbiased estimator of Chen et
    al. 2021) against the number of samples k, Brown et al.'s exponentiated
    power law :math:`c = \exp(-a k^{-b})` fitted per model with
    problem-bootstrap intervals, extrapolated to a budget, and compared out of
    sample with four alternatives (:mod:`._coverage`). Verdict: does coverage
    keep rising as the law fitted on k <= 1,000 predicts one decade ahead?
    *breaks* when the last decade adds less than 1 point of coverage, *bends*
    when the observed coverage falls below the forecast (whole interval below
    zero), *holds* otherwise; *inconclusive* with fewer than 3 models or an
    interval wider than 10 points.
``test-time.selection`` (:func:`selection_finding`)
    Without an oracle one answer must be picked. The data have counts of
    correct samples, not answer distributions, so majority vote is bracketed
    by what the counts alone imply and illustrated on seeded simulated answer
    distributions; best-of-n with an imperfect verifier follows in closed form
    from each problem's success rate (:mod:`._passk`). Verdict: *bends* when
    the verifier's plateau lies more than 5 points below coverage (whole
    interval), *holds* when within 5 points, else *inconclusive*.
``test-time.exchange_rate`` (:func:`exchange_finding`)
    How many samples, and how much test-time FLOP, 10x training compute
    replaces at equal coverage (Jones 2021's iso-performance contours;
    :mod:`._exchange`). Verdict (proposed vocabulary): *test-time cheaper*
    when 10x training compute saves less than 10x test-time FLOP (whole
    interval below 1: the smaller model sampled more is cheaper even before
    its cheaper training), *depends* when it saves more (a larger model wins
    above some query volume), *inconclusive* otherwise.

The pure computations live in the private modules; the functions here turn
them into :class:`~scalewatch.analyses.Finding` s and register them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from scalewatch.analyses._coverage import _loglog, _ols, _usable, compare_coverage_laws
from scalewatch.analyses._exchange import JONES_2021_HEX, exchange_rate
from scalewatch.analyses._finding import (
    PALETTE,
    VERDICTS,
    Finding,
    Number,
    band,
    curve,
    figure,
    hline,
    points,
    sequential_colors,
    vline,
)
from scalewatch.analyses._passk import (
    DEFAULT_KS,
    majority_vote_accuracy,
    majority_vote_limit,
    pass_at_k_matrix,
    per_problem_counts,
    simulate_answer_distributions,
    verifier_best_of_k,
    verifier_plateau,
)
from scalewatch.report import analysis

__all__ = [
    "DATASET",
    "KEY_COVERAGE",
    "KEY_SELECTION",
    "KEY_EXCHANGE",
    "PROPOSED_VERDICTS",
    "coverage_verdict",
    "selection_verdict",
    "exchange_verdict",
    "coverage_law_finding",
    "selection_finding",
    "exchange_finding",
    "checked_verdict",
]

DATASET = "llmonkeys-pythia-math"
KEY_COVERAGE = "test-time.coverage_law"
KEY_SELECTION = "test-time.selection"
KEY_EXCHANGE = "test-time.exchange_rate"
KEY_OWN = "test-time.own_arithmetic"

#: verdicts these analyses use beyond holds/bends/breaks/inconclusive, with their proposed tones
PROPOSED_VERDICTS = {"test-time cheaper": "ok", "pretraining cheaper": "info", "depends": "info"}

#: an interval of the pooled forecast error wider than this (coverage points): inconclusive
MAX_WIDTH_PP = 10.0
#: the last decade of k adding less than this (coverage points, upper end of its interval): breaks
MIN_GAIN_PP = 1.0
#: a verifier plateau this far below coverage (points, whole interval): bends
SELECTION_GAP_PP = 5.0

_CITE_BROWN = "Brown, Juravsky, Ehrlich, Clark, Le, Re & Mirhoseini (2024), 'Large Language Monkeys: Scaling Inference Compute with Repeated Sampling', arXiv:2407.21787"
_CITE_CHEN = "Chen et al. (2021), 'Evaluating Large Language Models Trained on Code', arXiv:2107.03374 (unbiased pass@k, eq. 1)"
_CITE_SCHAEFFER = "Schaeffer et al. (2025), 'How Do Large Language Monkeys Get Their Power (Laws)?', ICML, arXiv:2502.17578"
_CITE_EFRON = "Efron & Tibshirani (1993), 'An Introduction to the Bootstrap', Chapman & Hall (percentile intervals)"
_CITE_WANG = "Wang et al. (2023), 'Self-Consistency Improves Chain of Thought Reasoning in Language Models', ICLR, arXiv:2203.11171"
_CITE_JONES = "Jones (2021), 'Scaling Scaling Laws with Board Games', arXiv:2104.03113"
_CITE_KAPLAN = "Kaplan et al. (2020), 'Scaling Laws for Neural Language Models', arXiv:2001.08361 (2N FLOP per token forward, 6ND training)"
_CITE_PYTHIA = "Biderman et al. (2023), 'Pythia: A Suite for Analyzing Large Language Models Across Training and Scaling', arXiv:2304.01373"


def checked_verdict(verdict: str, notes: list[str]) -> str:
    """``verdict`` if the test-time vocabulary has it; else ``"inconclusive"`` and a note saying which verdict it stands for.

    The proposed verdicts (:data:`PROPOSED_VERDICTS`) are not yet in
    :data:`scalewatch.analyses.VERDICTS` ``["test-time"]``; until they are, the
    finding carries the analysis's verdict in a note.
    """
    if verdict in VERDICTS["test-time"]:
        return verdict
    notes.append(
        f"the analysis's verdict is {verdict!r}, which is not yet in the test-time vocabulary "
        f"({', '.join(VERDICTS['test-time'])}); shown as 'inconclusive' until it is added"
    )
    return "inconclusive"


# =============================================================================
# shared helpers
# =============================================================================


def _label(model: str) -> str:
    """'llmonkeys-pythia-math:Pythia-12B' -> 'Pythia-12B'."""
    return model.split(":", 1)[-1]


def _counts_and_params(per_problem: Any, runs: Any) -> tuple[Any, dict[str, float], dict[str, float]]:
    counts = per_problem_counts(per_problem, func="test-time analysis")
    params, tokens = {}, {}
    if runs is not None:
        t = runs
        key = "run_id" if "run_id" in t.columns else "model"
        for _, r in t.iterrows():
            params[str(r[key])] = float(r["params"]) if "params" in t.columns else float("nan")
            tokens[str(r[key])] = float(r["tokens"]) if "tokens" in t.columns else float("nan")
    return counts, params, tokens


def _model_order(counts: Any, params: dict[str, float]) -> list[str]:
    names = list(dict.fromkeys(counts["model"]))
    if params and all(m in params for m in names):
        names.sort(key=lambda m: params[m])
    return names


def _matrices(counts: Any, names: Sequence[str], ks: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], list[Any]]:
    """Per model: pass@k matrix (problems x K) and success rates c/n, problems aligned across models."""
    mats, rates, problems = {}, {}, None
    for m in names:
        g = counts[counts["model"] == m].sort_values("problem", kind="stable")
        probs = g["problem"].tolist()
        if problems is None:
            problems = probs
        elif probs != problems:
            raise ValueError(f"test-time analysis: model {m!r} answered different problems than {names[0]!r}; the paired resampling needs the same problems.")
        n, c = g["n"].to_numpy(), g["c"].to_numpy()
        mats[m] = pass_at_k_matrix(n, c, ks)
        rates[m] = c / n
    return mats, rates, problems  # type: ignore[return-value]


def _brown(logk: np.ndarray, C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Brown law (a, b) by least squares on log(-log c), vectorised over leading axes of C (..., K)."""
    slope, icpt = _ols(logk, _loglog(C))
    return np.exp(icpt), -slope


def _pct(x: np.ndarray, ci: float) -> tuple[float, float]:
    lo, hi = np.quantile(x, [(1 - ci) / 2, (1 + ci) / 2])
    return float(lo), float(hi)


def _fmt_k(k: float) -> str:
    if not math.isfinite(k):
        return "never"
    return f"{k:,.0f}" if k < 1e6 else f"{k:.2g}"


# =============================================================================
# coverage law
# =============================================================================


def coverage_verdict(
    n_models: int, excess: tuple[float, float, float], gain: tuple[float, float, float], *,
    max_width: float = MAX_WIDTH_PP, min_gain: float = MIN_GAIN_PP,
) -> tuple[str, str]:
    """The coverage-law verdict from the pooled forecast excess and the last decade's gain (points).

    Parameters
    ----------
    n_models : int
        Models pooled.
    excess : (estimate, low, high)
        Observed minus forecast coverage at the largest k, points; < 0 means
        coverage grew slower than the law predicted.
    gain : (estimate, low, high)
        Coverage added over the last decade of k, points.
    max_width, min_gain : float
        Thresholds (see the module docstring).

    Returns
    -------
    verdict, reason : str

    Examples
    --------
    >>> coverage_verdict(7, (-0.4, -1.5, 0.8), (8.0, 7.0, 9.0))[0]
    'holds'
    >>> coverage_verdict(7, (-3.0, -4.0, -2.0), (8.0, 7.0, 9.0))[0]
    'bends'
    >>> coverage_verdict(7, (-9.0, -10.0, -8.0), (0.2, 0.0, 0.5))[0]
    'breaks'
    """
    est, lo, hi = excess
    if n_models < 3:
        return "inconclusive", f"only {n_models} model(s) to pool"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "inconclusive", "the interval of the forecast error could not be estimated"
    if gain[2] < min_gain:
        return "breaks", f"the last decade of samples added at most {gain[2]:.1f} points of coverage"
    if hi - lo > max_width:
        return "inconclusive", f"the forecast error's interval is {hi - lo:.1f} points wide (more than {max_width:g})"
    if hi < 0:
        return "bends", "coverage grew more slowly than the law forecast one decade ahead"
    if lo > 0:
        return "holds", "coverage grew faster than the law forecast one decade ahead"
    return "holds", "the law fitted on the first three decades forecast the fourth within its interval"


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
    from scalewatch.analyses._passk import _check_ci, _check_resamples, _ints, _rng

    func = "coverage_law_finding"
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
    rng = _rng(seed)
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
            raise ValueError(f"{func}: model {_label(m)!r} has coverage 0 or 1 at some k of the grid; choose ks where 0 < coverage < 1.")
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
        gain_draws.append(100.0 * (C[:, -1] - C[:, j_cut]))
        ext_b = np.exp(-ab * budget ** -bb)
        k50 = np.where(bb > 0, (ab / math.log(2.0)) ** (1.0 / bb), np.inf)
        per_model.append({
            "model": m, "a": float(a), "b": float(b), "ab": ab, "bb": bb, "cov": cov, "C": C,
            "pred_last": pred_last, "excess": 100.0 * (cov[-1] - pred_last), "ext": float(math.exp(-a * budget ** -b)),
            "ext_draws": ext_b, "k50": float((a / math.log(2.0)) ** (1.0 / b)), "k50_draws": k50,
            "a_f": float(a_f), "b_f": float(b_f),
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
    verdict, reason = coverage_verdict(len(names), (ex_est, ex_lo, ex_hi), (gn_est, gn_lo, gn_hi))
    cmp = compare_coverage_laws(counts, fit_up_to=tuple(int(c) for c in compare_up_to), ks=kk)

    # -- numbers --
    pct = f"{100 * ci:g}%"
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
    for r in per_model:
        lab = _label(r["model"])
        numbers.append(Number(f"b ({lab})", r["b"], *_pct(r["bb"][ok_all], ci), "", ci,
                              "exponent of c = exp(-a k^-b), all k; larger b = faster gains from sampling"))
    for r in per_model:
        lab = _label(r["model"])
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

    # -- figures --
    colors = sequential_colors(len(names))
    kgrid = np.geomspace(1, budget, 120)
    tr_cov: list[dict[str, Any]] = []
    tr_log: list[dict[str, Any]] = []
    for col, r in zip(colors, per_model):
        lab = _label(r["model"])
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
    summary_df = cmp.summary
    bars = []
    for i, c_ in enumerate(cmp.fit_up_to):
        s = summary_df[summary_df["fit_up_to"] == c_].set_index("law").loc[list(cmp.laws)]
        bars.append({"type": "bar", "name": f"fit on k <= {c_:,}", "x": list(cmp.laws), "y": s["mean_mae_pp"].round(3).tolist(),
                     "marker": {"color": PALETTE[i % len(PALETTE)]}})
    fig_cmp = figure(
        "Out-of-sample error of five coverage laws", bars, x_title="law", y_title="mean |error| on held-out k (coverage points)",
        x_log=False, y_log=True, layout={"xaxis": {"title": {"text": "law"}, "type": "category"}, "barmode": "group"},
        caption="Each law fitted (least squares on log(-log c)) to the points with k up to a cut-off and scored on the larger k; mean over models.",
    )

    # -- tables --
    fit_rows = []
    for r in per_model:
        alo, ahi = _pct(r["ab"][ok_all], ci)
        blo_, bhi_ = _pct(r["bb"][ok_all], ci)
        elo, ehi = _pct(r["ext_draws"][ok_all], ci)
        klo, khi = _pct(r["k50_draws"][ok_all], ci)
        fit_rows.append({
            "model": _label(r["model"]), "params": params.get(r["model"]), "a": r["a"], "a low": alo, "a high": ahi,
            "b": r["b"], "b low": blo_, "b high": bhi_, f"coverage at k={int(k_last)}": float(r["cov"][-1]),
            f"coverage at {budget:,.0f}": r["ext"], "low": elo, "high": ehi, "samples for 50%": r["k50"], "k50 low": klo, "k50 high": khi,
            f"forecast at k={int(k_last)} from k<={fit_up_to}": r["pred_last"], "forecast error (points)": r["excess"],
        })
    oos_rows = cmp.table.assign(model=cmp.table["model"].map(_label)).round(4)

    big = per_model[-1]
    if verdict == "holds" and reason.startswith("coverage grew faster"):
        summary = (
            f"Coverage of {len(names)} {models} models on {task} keeps rising with samples, faster than Brown et al.'s law "
            f"c = exp(-a k^-b) predicts: fitted on k <= {fit_up_to:,}, it under-predicts coverage at k = {int(k_last):,} by "
            f"{numbers[0].text()} points on average (no sign of a wall; the law's shape is off, see the comparison of laws), and "
            f"{_label(big['model'])} would reach {big['ext']:.2f} at {budget:,.0f} samples."
        )
    elif verdict == "holds":
        summary = (
            f"Coverage of {len(names)} {models} models on {task} keeps rising with samples as Brown et al.'s law c = exp(-a k^-b) predicts: "
            f"fitted on k <= {fit_up_to:,}, it misses coverage at k = {int(k_last):,} by {numbers[0].text()} points on average, and "
            f"{_label(big['model'])} would reach {big['ext']:.2f} at {budget:,.0f} samples."
        )
    else:
        summary = (
            f"Fitted on k <= {fit_up_to:,}, Brown et al.'s law misses coverage at k = {int(k_last):,} by {numbers[0].text()} points on "
            f"average over {len(names)} {models} models: {reason}."
        )
    method = (
        f"Data: {len(names)} {models} models{' (Biderman et al. 2023)' if models == 'Pythia' else ''}, {P} {task} problems, {int(counts['n'].min()):,} samples per problem; per problem "
        f"the number of correct samples. Coverage(k) is the mean over problems of the unbiased pass@k = 1 - C(n-c, k)/C(n, k) (Chen et al. "
        f"2021), computed as a sum of log1p terms (it matches the mirror's coverage curve to 1e-10).\n\n"
        f"Law: c = exp(-a k^-b) (Brown et al. 2024), least squares on log(-log c) against log k, i.e. ordinary least squares. Intervals: "
        f"{n_resamples} resamples of problems, the same problems for every model (paired), the law refitted to each resampled curve; {pct} "
        f"percentile intervals.\n\n"
        f"Verdict: the law fitted on k <= {fit_up_to:,} forecasts coverage at k = {int(k_last):,}; the observed minus forecast coverage, "
        f"averaged over models, with its paired-bootstrap interval. 'breaks' if the last decade of k added less than {MIN_GAIN_PP:g} point "
        f"(upper end of its interval); 'inconclusive' if the interval is wider than {MAX_WIDTH_PP:g} points or fewer than 3 models; 'bends' if "
        f"the whole interval is below zero; 'holds' otherwise.\n\n"
        f"Alternatives compared out of sample: a ceiling m exp(-a k^-b); the beta-distribution law 1 - B(alpha, beta + k)/B(alpha, beta) "
        f"(Schaeffer et al. 2025); a logistic in log k; a power law in 1 - c. Each is fitted by least squares on log(-log c) to k <= "
        f"{' and '.join(f'{c_:,}' for c_ in cmp.fit_up_to)} and scored on the larger k. The small-k points come from all "
        f"{int(counts['n'].min()):,} samples, so this tests the laws' shapes, not a forecaster with only that many samples.\n\n"
        f"Coverage counts a problem solved if any sample is correct: it assumes an oracle verifier ({task} answers can be checked against the "
        "reference). Selecting one answer without it is test-time.selection."
    )
    citations = (*((data_citation,) if data_citation else ()), _CITE_BROWN, _CITE_CHEN, _CITE_SCHAEFFER, *((_CITE_PYTHIA,) if models == "Pythia" else ()), _CITE_EFRON)
    return Finding(
        key=key, question="test-time", title=title,
        verdict=verdict, summary=summary, numbers=numbers, figures=[fig_cov, fig_log, fig_cmp],
        tables=[
            ("Brown law per model", fit_rows),
            ("Coverage laws out of sample (mean over models)", summary_df.round(4)),
            ("Coverage laws out of sample, per model", oos_rows),
        ],
        method=method, data_sources=(source,), citations=citations, loss_label="least squares on log(-log coverage)", notes=notes,
        headline="forecast error one decade ahead",
    )


# =============================================================================
# selection: majority vote and an imperfect verifier
# =============================================================================


def selection_verdict(gap: tuple[float, float, float], *, threshold: float = SELECTION_GAP_PP) -> tuple[str, str]:
    """Verdict from the gap between coverage and the verifier's plateau (points, pooled over models).

    Examples
    --------
    >>> selection_verdict((40.0, 35.0, 45.0))[0], selection_verdict((1.0, 0.2, 2.0))[0], selection_verdict((5.0, 2.0, 8.0))[0]
    ('bends', 'holds', 'inconclusive')
    """
    est, lo, hi = gap
    if lo > threshold:
        return "bends", f"best-of-n levels off {est:.0f} points below coverage"
    if hi < threshold:
        return "holds", f"best-of-n stays within {threshold:g} points of coverage"
    return "inconclusive", f"the gap's interval [{lo:.1f}, {hi:.1f}] straddles {threshold:g} points"


def _fpr_needed(rates: np.ndarray, target: np.ndarray, tpr: float) -> np.ndarray:
    """False-positive rate at which the mean verifier plateau over problems equals ``target``; rates (R, P), target (R,)."""
    lo = np.full(rates.shape[0], -12.0)  # log10 fpr
    hi = np.zeros(rates.shape[0])
    a = rates * tpr
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        f = 10.0 ** mid[:, None]
        den = a + (1.0 - rates) * f
        plateau = np.where(den > 0, a / np.where(den > 0, den, 1.0), 0.0).mean(axis=1)
        above = plateau >= target  # plateau falls as fpr rises
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return 10.0 ** (0.5 * (lo + hi))


def selection_finding(
    per_problem: Any,
    runs: Any = None,
    *,
    tpr: float = 0.9,
    fpr: float = 0.05,
    share: float = 0.9,
    ks: Sequence[int] = DEFAULT_KS,
    n_wrong: int = 20,
    concentration: float = 0.5,
    n_draws: int = 200,
    n_resamples: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    source: str = DATASET,
    data_citation: str | None = None,
) -> Finding:
    r"""Where majority vote and best-of-n with an imperfect verifier level off, against coverage.

    Parameters
    ----------
    per_problem, runs
        As in :func:`coverage_law_finding`.
    tpr, fpr : float, default 0.9, 0.05
        The assumed verifier: accepts a correct sample w.p. ``tpr``, a wrong
        one w.p. ``fpr``.
    share : float, default 0.9
        The finding reports the false-positive rate a verifier needs for its
        plateau to reach this share of the coverage at the largest k.
    ks : sequence of int
        k grid.
    n_wrong, concentration : int, float
        Simulated answer distributions (:func:`simulate_answer_distributions`).
    n_draws : int, default 200
        Monte Carlo draws per problem and k for simulated majority vote.
    n_resamples : int, default 1000
        Problem resamples for the intervals.
    ci : float, default 0.95
    seed : int, Generator or None, default 0
    source, data_citation : str

    Returns
    -------
    Finding
        ``test-time.selection``.
    """
    from scalewatch.analyses._passk import _check_ci, _check_rate, _check_resamples, _ints, _rng

    func = "selection_finding"
    ci = _check_ci(ci, func)
    n_resamples = _check_resamples(n_resamples, func, minimum=20)
    tpr, fpr = _check_rate(tpr, "tpr", func), _check_rate(fpr, "fpr", func)
    if not 0 < share <= 1:
        raise ValueError(f"{func}(share={share!r}) is a share of coverage in (0, 1], e.g. 0.9.")
    counts, params, _ = _counts_and_params(per_problem, runs)
    names = _model_order(counts, params)
    kk = _ints(np.asarray(ks), "ks", func)
    mats, rates, problems = _matrices(counts, names, kk)
    rng = _rng(seed)
    P = len(problems)
    idx = rng.integers(0, P, size=(n_resamples, P))
    k_last = int(kk.max())
    rows, gap_draws = [], []
    for m in names:
        p = rates[m]
        cov_last = mats[m][:, -1].mean()
        cov_b = mats[m][idx, -1].mean(axis=1)
        plat = verifier_plateau(p, tpr=tpr, fpr=fpr)
        plat_b = plat[idx].mean(axis=1)
        gap_draws.append(100.0 * (cov_b - plat_b))
        need = float(_fpr_needed(p[None, :], np.array([share * cov_last]), tpr)[0])
        need_b = _fpr_needed(p[idx], share * cov_b, tpr)
        lo_mv = (p > 0.5).astype(float)
        hi_mv = (p > 0).astype(float)
        rows.append({
            "model": m, "coverage": float(cov_last), "cov_b": cov_b, "plateau": float(plat.mean()), "plat_b": plat_b,
            "gap": 100.0 * (cov_last - plat.mean()), "need": need, "need_b": need_b,
            "mv_low": float(lo_mv.mean()), "mv_low_b": lo_mv[idx].mean(axis=1), "mv_high": float(hi_mv.mean()), "mv_high_b": hi_mv[idx].mean(axis=1),
            "bo_curve": verifier_best_of_k(p[:, None], kk[None, :], tpr=tpr, fpr=fpr).mean(axis=0),
        })
    gap_b = np.mean(np.vstack(gap_draws), axis=0)
    gap_est = float(np.mean([r["gap"] for r in rows]))
    glo, ghi = _pct(gap_b, ci)
    verdict, reason = selection_verdict((gap_est, glo, ghi))

    # simulated majority vote, for the largest model (the data have no answer distributions)
    big = rows[-1]
    dist = simulate_answer_distributions(rates[big["model"]], n_wrong=n_wrong, concentration=concentration, seed=rng)
    mv_limit = float(majority_vote_limit(dist).mean())
    mv_ks = kk[kk <= 10000]
    mv_acc, mv_se = majority_vote_accuracy(dist, mv_ks, n_draws=n_draws, seed=rng)

    # -- numbers --
    lab_big = _label(big["model"])
    numbers = [
        Number(
            "coverage minus verifier plateau", gap_est, glo, ghi, "points", ci,
            f"coverage at k = {k_last:,} minus the k -> infinity success of best-of-n with a verifier of tpr {tpr:g}, fpr {fpr:g} (assumed), "
            f"mean over {len(names)} models",
        ),
    ]
    for r in rows:
        numbers.append(Number(
            f"false-positive rate needed ({_label(r['model'])})", r["need"], *_pct(r["need_b"], ci), "", ci,
            f"for the best-of-n plateau to reach {100 * share:g}% of coverage at k = {k_last:,} (tpr {tpr:g}); "
            "interval from resampling problems",
        ))
    numbers += [
        Number(f"verifier plateau ({lab_big})", big["plateau"], *_pct(big["plat_b"], ci), "", ci,
               f"mean over problems of p tpr / (p tpr + (1-p) fpr), p = c/n; coverage at k = {k_last:,} is {big['coverage']:.3f}"),
        Number(f"majority-vote limit, lower bound ({lab_big})", big["mv_low"], *_pct(big["mv_low_b"], ci), "", ci,
               "share of problems with p > 1/2: there the correct answer is the mode whatever the wrong answers are"),
        Number(f"majority-vote limit, upper bound ({lab_big})", big["mv_high"], *_pct(big["mv_high_b"], ci), "", ci,
               "share of problems with p > 0 (coverage's limit); which value in between depends on how wrong answers cluster, "
               "which counts of correct samples cannot tell"),
        Number(f"majority-vote limit, simulated ({lab_big})", mv_limit, unit="",
               note=f"SIMULATED: wrong answers spread over {n_wrong} answers by Dirichlet({concentration:g}) (seeded); illustrates the bracket, "
                    "not a measurement; no interval"),
    ]

    # -- figures --
    kg = kk.astype(float)
    traces: list[dict[str, Any]] = [points(kg, mats[big["model"]].mean(axis=0), "coverage (oracle verifier)", color="#24292f")]
    p_big = rates[big["model"]]
    for i, f_ in enumerate(sorted({0.1, fpr, 0.01, 0.001}, reverse=True)):
        y = verifier_best_of_k(p_big[:, None], kk[None, :], tpr=tpr, fpr=f_).mean(axis=0)
        name = f"best-of-n, verifier fpr {f_:g}" + (" (assumed)" if f_ == fpr else "")
        traces.append(curve(kg, y, name, color=PALETTE[(i + 1) % len(PALETTE)], dash=None if f_ == fpr else "dot"))
    traces.append(points(mv_ks.astype(float), mv_acc, "majority vote (SIMULATED answers)", color=PALETTE[3], size=6,
                         error_y={"type": "data", "array": (1.96 * mv_se).tolist(), "thickness": 1}))
    fig_sel = figure(
        f"Selecting one answer: {lab_big}", traces, x_title="samples per problem k", y_title="share of problems answered correctly", y_log=False,
        shapes=[hline(big["mv_low"], dash="dot"), hline(big["mv_high"], dash="dot")], height=460,
        caption=(f"Coverage assumes an oracle. Best-of-n with a verifier accepting correct samples w.p. {tpr:g} and wrong ones w.p. fpr levels off at "
                 f"p tpr / (p tpr + (1-p) fpr) per problem. Majority vote uses simulated answer distributions (the data have none); dotted "
                 f"lines bracket its limit from the counts alone."),
    )
    xs = [params.get(r["model"], float(i + 1)) for i, r in enumerate(rows)]
    need = np.array([r["need"] for r in rows])
    nlo = np.array([_pct(r["need_b"], ci)[0] for r in rows])
    nhi = np.array([_pct(r["need_b"], ci)[1] for r in rows])
    fig_need = figure(
        "Verifier false-positive rate needed to keep up with coverage",
        [points(xs, need, f"fpr for {100 * share:g}% of coverage", color=PALETTE[0], text=[_label(r["model"]) for r in rows],
                error_y={"type": "data", "symmetric": False, "array": (nhi - need).tolist(), "arrayminus": (need - nlo).tolist()})],
        x_title="parameters N", y_title=f"false-positive rate (tpr {tpr:g})",
        caption=f"The largest fpr at which best-of-n still reaches {100 * share:g}% of the coverage at k = {k_last:,}; weaker models need better verifiers.",
    )
    table = [{
        "model": _label(r["model"]), "params": params.get(r["model"]), f"coverage at k={k_last}": r["coverage"],
        "verifier plateau": r["plateau"], "gap (points)": r["gap"], "fpr needed": r["need"],
        "majority limit >=": r["mv_low"], "majority limit <=": r["mv_high"],
        **{f"best-of-{int(k)}": float(v) for k, v in zip(kk[[0, 4, 8, len(kk) - 1]], r["bo_curve"][[0, 4, 8, len(kk) - 1]])},
    } for r in rows]
    sens = [{"fpr": f_, **{_label(r["model"]): float(verifier_plateau(rates[r["model"]], tpr=tpr, fpr=f_).mean()) for r in rows}}
            for f_ in (0.2, 0.1, 0.05, 0.01, 1e-3, 1e-4, 0.0)]
    where = {"bends": "levels off", "holds": "stays", "inconclusive": "ends"}[verdict]
    summary = (
        f"With a verifier that accepts {100 * tpr:g}% of correct and {100 * fpr:g}% of wrong samples (assumed), best-of-n on MATH {where} "
        f"{numbers[0].text()} points below coverage on average; staying within {100 - 100 * share:g}% of {lab_big}'s coverage needs a "
        f"false-positive rate near {big['need']:.1g}, and majority vote cannot be measured from these counts (its limit lies between "
        f"{big['mv_low']:.2f} and {big['mv_high']:.2f})."
    )
    method = (
        "Data: per-problem counts of correct samples (n = 10,000) for each Pythia model on 128 MATH problems. They give each problem's "
        "single-sample success rate p = c/n but not the distribution of wrong answers, which majority vote needs.\n\n"
        f"Best-of-n with an imperfect verifier (closed form): the verifier accepts a correct sample w.p. tpr = {tpr:g} and a wrong one w.p. "
        f"fpr = {fpr:g} (assumptions; the sensitivity table varies fpr); one accepted sample is returned at random, any sample if none is "
        "accepted. Per problem P_k = (1 - q^k) a/(a+b) + q^(k-1) p (1 - tpr) with a = p tpr, b = (1-p) fpr, q = 1 - a - b, tending to "
        "a/(a+b). The false-positive rate needed to reach a share of coverage is solved by bisection in log fpr.\n\n"
        "Majority vote (self-consistency, Wang et al. 2023): as k grows it is right exactly where the correct answer is the mode. From counts "
        "alone that limit is bracketed by the share of problems with p > 1/2 (the mode whatever the wrong answers) and the share with p > 0. "
        f"The curve shown is SIMULATED for {lab_big}: the observed p per problem, wrong mass spread over {n_wrong} answers by a symmetric "
        f"Dirichlet({concentration:g}), {n_draws} seeded multinomial draws per problem and k; use scalewatch.analyses._passk.majority_at_k "
        "with real per-sample answers to measure it.\n\n"
        f"Intervals: {n_resamples} resamples of problems (the same for every model); {100 * ci:g}% percentile. Verdict: 'bends' if coverage "
        f"minus the verifier plateau (mean over models) exceeds {SELECTION_GAP_PP:g} points over its whole interval, 'holds' if it stays below, "
        "'inconclusive' otherwise."
    )
    citations = (*((data_citation,) if data_citation else ()), _CITE_BROWN, _CITE_WANG, _CITE_CHEN, _CITE_EFRON)
    return Finding(
        key=KEY_SELECTION, question="test-time", title="Majority vote and an imperfect verifier against coverage",
        verdict=verdict, summary=summary, numbers=numbers, figures=[fig_sel, fig_need],
        tables=[("Selection per model", table), (f"Verifier plateau by false-positive rate (tpr {tpr:g})", sens)],
        method=method, data_sources=(source,), citations=citations,
        notes=(f"majority vote is simulated: the data hold counts of correct samples (n = {int(counts['n'].min()):,}), not answer distributions",),
        headline="coverage minus verifier plateau",
    )


# =============================================================================
# exchange rate
# =============================================================================


def exchange_verdict(flop_per_10x: tuple[float, float, float]) -> tuple[str, str]:
    """Verdict from the test-time FLOP that 10x training compute replaces (estimate, low, high).

    Examples
    --------
    >>> exchange_verdict((0.6, 0.45, 0.87))[0], exchange_verdict((3.0, 1.5, 6.0))[0], exchange_verdict((1.1, 0.7, 1.6))[0]
    ('test-time cheaper', 'depends', 'inconclusive')
    """
    est, lo, hi = flop_per_10x
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "inconclusive", "no interval"
    if hi < 1:
        return "test-time cheaper", "a 10x larger training run saves less test-time compute than its bigger forward pass costs"
    if lo > 1:
        return "depends", "a 10x larger training run saves more test-time compute than it costs per sample: it pays off above some query volume"
    return "inconclusive", "the exchange rate's interval straddles 1x"


def exchange_finding(
    per_problem: Any,
    runs: Any,
    *,
    targets: Sequence[float] = (0.25, 0.5, 0.75),
    headline_target: float = 0.5,
    tokens_per_sample: float = 256.0,
    ks: Sequence[int] = DEFAULT_KS,
    n_resamples: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    source: str = DATASET,
    data_citation: str | None = None,
) -> Finding:
    r"""The train/test exchange rate of a model family at equal coverage, as a finding.

    Parameters
    ----------
    per_problem : DataFrame
        Per (model, problem) counts, the same problems for every model.
    runs : DataFrame
        ``run_id``/``model``, ``params`` and ``tokens`` (training tokens) per model.
    targets : sequence of float
        Target coverages.
    headline_target : float, default 0.5
        The target of the verdict and headline number (one of ``targets``).
    tokens_per_sample : float, default 256
        Tokens per sample (assumed; the exchange rates do not depend on it).
    ks, n_resamples, ci, seed, source, data_citation
        As in :func:`coverage_law_finding`.

    Returns
    -------
    Finding
        ``test-time.exchange_rate``.
    """
    func = "exchange_finding"
    if headline_target not in targets:
        raise ValueError(f"{func}(headline_target={headline_target!r}) must be one of targets={list(targets)}.")
    models = runs.rename(columns={"run_id": "model"}) if "run_id" in runs.columns else runs
    ex = exchange_rate(per_problem, models, targets=targets, tokens_per_sample=tokens_per_sample, ks=ks, n_resamples=n_resamples, ci=ci, seed=seed)
    head = ex.at(headline_target)
    notes = list(ex.notes)
    verdict, reason = exchange_verdict((head["flop_per_10x"], head["flop_per_10x_low"], head["flop_per_10x_high"]))
    shown = checked_verdict(verdict, notes)

    numbers = []
    for t in targets:
        s = ex.at(t)
        if not math.isfinite(s["samples_per_10x"]):
            numbers.append(Number(f"samples replaced by 10x training compute (coverage {t:g})", None, unit="x",
                                  note=f"fewer than 2 models reach coverage {t:g} within the sampled k"))
            continue
        numbers.append(Number(
            f"samples replaced by 10x training compute (coverage {t:g})", s["samples_per_10x"], s["samples_per_10x_low"], s["samples_per_10x_high"],
            "x", ci, f"10^eps, eps = -slope of log10 k* on log10 training FLOP over {int(s['n_models'])} models that reach {t:g} within the data",
        ))
        numbers.append(Number(
            f"test-time FLOP replaced by 10x training compute (coverage {t:g})", s["flop_per_10x"], s["flop_per_10x_low"], s["flop_per_10x_high"],
            "x", ci, "the same in FLOP (2 N T per sample): > 1 means the larger model is cheaper per solved problem at inference",
        ))
    numbers.append(Number("Jones (2021), Hex: test-time compute replaced by 10x training", JONES_2021_HEX, unit="x",
                          note="published reference (AlphaZero on Hex, MCTS nodes), not recomputed here; no interval"))

    # -- figure: iso-coverage contours --
    colors = sequential_colors(len(targets))
    traces: list[dict[str, Any]] = []
    pts = ex.points
    for col, t in zip(colors, targets):
        sel = pts[np.isclose(pts["target"], t)]
        lab = f"coverage {t:g}"
        used = sel[sel["used"]]
        if len(used) >= 2:
            x = np.log10(used["train_flop"].to_numpy())
            y = np.log10(used["test_flop"].to_numpy())
            sl, ic = _ols(x, y)
            xg = np.linspace(x.min(), x.max(), 20)
            traces.append(curve(10**xg, 10 ** (ic + sl * xg), f"{lab} fit", color=col, group=lab, showlegend=False))
        for interp, sub in ((True, sel[sel["interpolated"]]), (False, sel[~sel["interpolated"]])):
            if sub.empty:
                continue
            tf = sub["test_flop"].to_numpy()
            traces.append(points(
                sub["train_flop"], tf, lab if interp else f"{lab} (extrapolated k*)", color=col, held_out=not interp, group=lab,
                text=[_label(m) for m in sub["model"]],
                error_y={"type": "data", "symmetric": False, "array": (sub["test_high"].to_numpy() - tf).tolist(),
                         "arrayminus": (tf - sub["test_low"].to_numpy()).tolist(), "thickness": 1},
            ))
    fig = figure(
        "Iso-coverage contours: training against test-time compute", traces,
        x_title="training compute 6ND (FLOP)", y_title=f"test-time compute per problem, 2 N T k* (FLOP, T = {tokens_per_sample:g})",
        height=480,
        caption=("Each point is a Pythia model at the samples k* it needs to reach the target coverage (Brown-law fit, problem-bootstrap "
                 "interval); lines join the models that reach it within the data. A slope of -1 would mean 10x training replaces 10x "
                 "test-time compute; flatter (or rising) contours favour sampling a smaller model more. Open diamonds need k* beyond 10,000 "
                 "(extrapolated) and are left out of the fit."),
    )
    pts_table = pts.assign(model=pts["model"].map(_label)).drop(columns=["used"]).round(6)
    summary = (
        f"At coverage {headline_target:g} on MATH, 10x more Pythia training compute replaces {ex.at(headline_target)['samples_per_10x']:.1f}x "
        f"[{head['samples_per_10x_low']:.1f}, {head['samples_per_10x_high']:.1f}] samples, i.e. {head['flop_per_10x']:.2f}x test-time FLOP "
        f"(Jones 2021 found ~{JONES_2021_HEX:g}x in Hex): {reason}."
    )
    method = (
        f"For each Pythia model (N total parameters, D = 300B training tokens, training compute 6ND; Kaplan et al. 2020) the samples k* "
        f"needed to reach a target coverage follow from its Brown-law fit: k* = (a / -ln c*)^(1/b). The exchange rate is the least-squares "
        f"slope of log10 k* on log10 training compute across the models whose k* lies within the sampled 10,000 (Jones 2021's iso-"
        f"performance contours): 10x training compute replaces 10^-slope x samples. Test-time compute per problem is 2 N T k* FLOP "
        f"(forward pass, T = {tokens_per_sample:g} tokens per sample, assumed: the data do not record generation lengths; the exchange "
        f"rates do not depend on T).\n\n"
        f"Intervals: {ex.n_resamples} paired resamples of problems, every model's law refitted; {100 * ci:g}% percentile.\n\n"
        f"Verdict at coverage {headline_target:g} (proposed vocabulary): 'test-time cheaper' if 10x training compute replaces less than 1x "
        "test-time FLOP (whole interval below 1): the smaller model sampled more is then cheaper at inference as well as in training; "
        "'depends' if the whole interval is above 1: a larger model pays off above some query volume (test-time.cost_to_target finds it); "
        "'inconclusive' otherwise. Coverage assumes an oracle verifier (see test-time.selection)."
    )
    citations = (*((data_citation,) if data_citation else ()), _CITE_JONES, _CITE_BROWN, _CITE_KAPLAN, _CITE_PYTHIA, _CITE_EFRON)
    return Finding(
        key=KEY_EXCHANGE, question="test-time", title="The train/test exchange rate at equal coverage",
        verdict=shown, summary=summary, numbers=numbers, figures=[fig],
        tables=[("Exchange rate per target coverage", ex.slopes.round(6)), ("Samples needed per model and target", pts_table)],
        method=method, data_sources=(source,), citations=citations, notes=notes,
        headline=f"test-time FLOP replaced by 10x training compute (coverage {headline_target:g})",
    )


# =============================================================================
# registration
# =============================================================================


@analysis(KEY_COVERAGE, question="test-time", requires=(DATASET,), title="Coverage against samples: Brown et al.'s law, out of sample")
def coverage_law(ctx: Any) -> Finding:
    """Coverage against samples per model: Brown et al.'s law with intervals, forecast out of sample."""
    ds = ctx.dataset(DATASET)
    return coverage_law_finding(
        ds.tables["per_problem"], ds.runs.runs, n_resamples=ctx.pick(1000, 200), seed=ctx.seed, source=ds.name, data_citation=ds.citation
    )


@analysis(KEY_SELECTION, question="test-time", requires=(DATASET,), title="Majority vote and an imperfect verifier against coverage")
def selection(ctx: Any) -> Finding:
    """Majority vote and best-of-n with an imperfect verifier against coverage."""
    ds = ctx.dataset(DATASET)
    return selection_finding(
        ds.tables["per_problem"], ds.runs.runs, n_resamples=ctx.pick(1000, 200), n_draws=ctx.pick(200, 50), seed=ctx.seed,
        source=ds.name, data_citation=ds.citation,
    )


@analysis(KEY_EXCHANGE, question="test-time", requires=(DATASET,), title="The train/test exchange rate at equal coverage")
def exchange(ctx: Any) -> Finding:
    """How much test-time sampling replaces 10x training compute at equal coverage."""
    ds = ctx.dataset(DATASET)
    return exchange_finding(
        ds.tables["per_problem"], ds.runs.runs, n_resamples=ctx.pick(1000, 200), seed=ctx.seed, source=ds.name, data_citation=ds.citation
    )


@analysis(KEY_OWN, question="test-time", title="Coverage against samples on our own models (arithmetic)")
def own_arithmetic(ctx: Any) -> Finding:
    """Brown et al.'s coverage law on small transformers trained here, sampled 256 times per held-out arithmetic problem.

    The data are committed with the package (``scalewatch/experiments/data/testtime``, made by
    ``python -m scalewatch.experiments._arith``), so this analysis needs no download.
    """
    from scalewatch.experiments._arith import load_arithmetic_testtime

    res = load_arithmetic_testtime()
    n = int(res.per_problem["num_samples"].min())
    ks = tuple(2**i for i in range(int(np.log2(n)) + 1))
    return coverage_law_finding(
        res.per_problem, res.runs, ks=ks, budget=4096, fit_up_to=max(ks) // 16, compare_up_to=(max(ks) // 32, max(ks) // 16),
        n_resamples=ctx.pick(1000, 200), seed=ctx.seed, source="scalewatch-arith (this repository's own sweep)",
        models="scalewatch-trained", task="held-out arithmetic", key=KEY_OWN,
        title="Coverage against samples on our own models (arithmetic)",
    )
