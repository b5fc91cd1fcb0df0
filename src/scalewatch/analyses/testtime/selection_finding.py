"""``test-time.selection``: how much of coverage survives when one answer must be picked without an oracle."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from scalewatch import seeds
from scalewatch.analyses.testtime._common import (
    _CITE_BROWN,
    _CITE_CHEN,
    _CITE_EFRON,
    _CITE_WANG,
    DATASET,
    KEY_SELECTION,
    _counts_and_params,
    _matrices,
    _model_order,
    _pct,
    model_label,
)
from scalewatch.analyses.testtime.passk import DEFAULT_KS, _ints
from scalewatch.analyses.testtime.selection import (
    _check_rate,
    majority_vote_accuracy,
    majority_vote_limit,
    simulate_answer_distributions,
    verifier_best_of_k,
    verifier_plateau,
)
from scalewatch.findings import Decision, Finding, Number, analysis
from scalewatch.findings.rules import decision_text, rule
from scalewatch.plots import PALETTE, curve, figure, hline, points

__all__ = ["selection_decision", "selection_verdict", "selection_finding", "selection_analysis"]


def selection_decision(gap: tuple[float, float, float]) -> Decision:
    """The written rule ``test-time.selection_gap`` on the gap between coverage and the verifier's plateau (points).

    Examples
    --------
    >>> [selection_decision(g).verdict for g in ((40.0, 35.0, 45.0), (1.0, 0.2, 2.0), (5.0, 2.0, 8.0))]
    ['bends', 'holds', 'inconclusive']
    """
    return rule("test-time.selection_gap").decide(gap[1], gap[2])


def selection_verdict(gap: tuple[float, float, float], **_: Any) -> tuple[str, str]:
    """``(verdict, reason)`` of :func:`selection_decision`.

    Examples
    --------
    >>> selection_verdict((40.0, 35.0, 45.0))[0], selection_verdict((1.0, 0.2, 2.0))[0], selection_verdict((5.0, 2.0, 8.0))[0]
    ('bends', 'holds', 'inconclusive')
    """
    d = selection_decision(gap)
    return d.verdict, d.reason


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
    # Long by design: one finding's numbers, figures, tables and text, written in the order the report shows them;
    # split further, one recipe would be scattered over helpers that each serve it once.
    from scalewatch.analyses.testtime.passk import _check_ci, _check_resamples

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
    rng = seeds.rng(seed)
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
    decision = selection_decision((gap_est, glo, ghi))
    verdict = decision.verdict

    # simulated majority vote, for the largest model (the data have no answer distributions)
    big = rows[-1]
    dist = simulate_answer_distributions(rates[big["model"]], n_wrong=n_wrong, concentration=concentration, seed=rng)
    mv_limit = float(majority_vote_limit(dist).mean())
    mv_ks = kk[kk <= 10000]
    mv_acc, mv_se = majority_vote_accuracy(dist, mv_ks, n_draws=n_draws, seed=rng)

    # -- numbers --
    lab_big = model_label(big["model"])
    numbers = [
        Number(
            "coverage minus verifier plateau", gap_est, glo, ghi, "points", ci,
            f"coverage at k = {k_last:,} minus the k -> infinity success of best-of-n with a verifier of tpr {tpr:g}, fpr {fpr:g} (assumed), "
            f"mean over {len(names)} models",
        ),
    ]
    for r in rows:
        numbers.append(Number(
            f"false-positive rate needed ({model_label(r['model'])})", r["need"], *_pct(r["need_b"], ci), "", ci,
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
        [points(xs, need, f"fpr for {100 * share:g}% of coverage", color=PALETTE[0], text=[model_label(r["model"]) for r in rows],
                error_y={"type": "data", "symmetric": False, "array": (nhi - need).tolist(), "arrayminus": (need - nlo).tolist()})],
        x_title="parameters N", y_title=f"false-positive rate (tpr {tpr:g})",
        caption=f"The largest fpr at which best-of-n still reaches {100 * share:g}% of the coverage at k = {k_last:,}; weaker models need better verifiers.",
    )
    table = [{
        "model": model_label(r["model"]), "params": params.get(r["model"]), f"coverage at k={k_last}": r["coverage"],
        "verifier plateau": r["plateau"], "gap (points)": r["gap"], "fpr needed": r["need"],
        "majority limit >=": r["mv_low"], "majority limit <=": r["mv_high"],
        **{f"best-of-{int(k)}": float(v) for k, v in zip(kk[[0, 4, 8, len(kk) - 1]], r["bo_curve"][[0, 4, 8, len(kk) - 1]])},
    } for r in rows]
    sens = [{"fpr": f_, **{model_label(r["model"]): float(verifier_plateau(rates[r["model"]], tpr=tpr, fpr=f_).mean()) for r in rows}}
            for f_ in (0.2, 0.1, 0.05, 0.01, 1e-3, 1e-4, 0.0)]
    where = {"bends": "levels off", "holds": "stays", "inconclusive": "ends"}.get(verdict, "ends")
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
        f"Dirichlet({concentration:g}), {n_draws} seeded multinomial draws per problem and k; use scalewatch.analyses.testtime.majority_at_k "
        "with real per-sample answers to measure it.\n\n"
        f"Intervals: {n_resamples} resamples of problems (the same for every model); {100 * ci:g}% percentile. Verdict: coverage "
        f"minus the verifier plateau (mean over models), by the written rule. {decision_text(decision)}"
    )
    citations = (*((data_citation,) if data_citation else ()), _CITE_BROWN, _CITE_WANG, _CITE_CHEN, _CITE_EFRON)
    return Finding(
        key=KEY_SELECTION, question="test-time", title="Majority vote and an imperfect verifier against coverage",
        verdict=verdict, summary=summary, numbers=numbers, figures=[fig_sel, fig_need],
        tables=[("Selection per model", table), (f"Verifier plateau by false-positive rate (tpr {tpr:g})", sens)],
        method=method, data_sources=(source,), citations=citations,
        notes=(f"majority vote is simulated: the data hold counts of correct samples (n = {int(counts['n'].min()):,}), not answer distributions",),
        headline="coverage minus verifier plateau", rule=decision,
    )


@analysis(KEY_SELECTION, question="test-time", requires=(DATASET,), title="Majority vote and an imperfect verifier against coverage")
def selection_analysis(ctx: Any) -> Finding:
    """Majority vote and best-of-n with an imperfect verifier against coverage."""
    ds = ctx.dataset(DATASET)
    return selection_finding(
        ds.tables["per_problem"], ds.runs.runs, n_resamples=ctx.pick(1000, 200), n_draws=ctx.pick(200, 50), seed=ctx.seed,
        source=ds.name, data_citation=ds.citation,
    )
