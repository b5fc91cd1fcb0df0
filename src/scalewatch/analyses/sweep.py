r"""``sweep.chinchilla``: does Chinchilla's law hold on runs we trained ourselves?

The data are scalewatch's own IsoFLOP sweep (``scalewatch-sweep``: tiny
byte-level transformers on the Python standard library, trained by
``scalewatch sweep run --preset default``; every run's configuration, seed,
corpus hash and versions are recorded). Unlike the public datasets, nothing
about them is read off a figure.

Two checks:

1. **Out of sample.** Fit :math:`L(N, D) = E + A N^{-\alpha} + B D^{-\beta}`
   (N non-embedding parameters, D tokens; Huber delta 1e-3 on log loss) to
   every budget but the largest, and predict the largest budget's runs. The
   verdict is about their mean excess :math:`100 (\log L_{obs} - \log \hat L)`,
   with an interval from bootstrap refits of the training runs combined with
   a resample of the held-out runs, judged by the written rule
   ``loss.heldout_excess`` with the empirical coverage of the held-out runs'
   prediction intervals (:func:`sweep_decision`).
2. **Compute-optimal allocation** (Hoffmann et al. 2022, approach 2): for
   each budget a parabola in :math:`\log N` through the IsoFLOP losses gives
   :math:`N_{opt}(C)`; a line through :math:`\log N_{opt}` against
   :math:`\log C` gives the exponent :math:`a` of :math:`N_{opt} \propto C^a`,
   compared with :math:`\beta / (\alpha + \beta)` from the law.
"""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import numpy as np

from scalewatch.findings import Decision, Finding, Number, analysis
from scalewatch.findings.rules import calibration as coverage_check
from scalewatch.findings.rules import decision_text, overrule, rule
from scalewatch.plots import PALETTE, curve, figure, hline, points, sequential_colors

__all__ = ["KEY", "DATASET", "sweep_finding", "sweep_decision", "sweep_verdict", "isoflop_minima"]

KEY = "sweep.chinchilla"
DATASET = "scalewatch-sweep"
#: fewer held-out runs than this: inconclusive
MIN_HELD_OUT = 3

_CITATIONS = (
    "Hoffmann et al. (2022), 'Training Compute-Optimal Large Language Models', arXiv:2203.15556 (the law; approach 2)",
    "Kaplan et al. (2020), 'Scaling Laws for Neural Language Models', arXiv:2001.08361 (non-embedding N, C = 6ND)",
    "Besiroglu et al. (2024), 'Chinchilla Scaling: A replication attempt', arXiv:2404.10102 (Huber on log loss)",
)
_UNITS = {"E": "nats/byte", "A": "", "B": "", "alpha": "", "beta": ""}
_NOTES = {
    "E": "irreducible loss (per byte: each token is a byte)",
    "A": "model-size coefficient",
    "B": "data coefficient",
    "alpha": "model-size exponent (non-embedding N)",
    "beta": "data exponent",
}


def sweep_decision(
    n_held: int, low: float, high: float, *, covered: int | None = None, covered_net: int | None = None, nominal: float = 0.95
) -> Decision:
    """The written rule ``loss.heldout_excess`` on the held-out runs' mean excess interval ``[low, high]`` (percent).

    Parameters
    ----------
    n_held : int
        Held-out runs; fewer than :data:`MIN_HELD_OUT` withhold the verdict.
    low, high : float
        Interval of their mean excess, percent.
    covered : int, optional
        Held-out runs inside their ``nominal`` prediction intervals: far short of nominal gives "inconclusive".
    covered_net : int, optional
        The same after shifting every held-out run by their mean excess. A law that falls short pushes the
        held-out runs out of their intervals by the very miss the rule judges: an *unfavourable* miss stands
        when the coverage net of that shift is not far short (the intervals' width is right; the law is off).
    nominal : float, default 0.95

    Examples
    --------
    >>> [sweep_decision(6, lo, hi).verdict for lo, hi in ((-0.5, 0.6), (-3.0, -1.5), (1.5, 3.0), (-11.7, 0.8))]
    ['holds', 'beats the law', 'falls short of the law', 'inconclusive']
    >>> sweep_decision(6, -0.5, 0.6, covered=0).outcome
    'miscalibrated'
    """
    r = rule("loss.heldout_excess")
    if not (math.isfinite(low) and math.isfinite(high)):
        return r.decide(None, None)
    cal = None
    if covered is not None and n_held > 0:
        cal = coverage_check(int(covered), int(n_held), nominal, note="held-out runs of the largest budget")
    d = r.decide(low, high, calibration=cal)
    raw = r.decide(low, high)
    if d.outcome == "miscalibrated" and raw.outcome == "unfavourable" and covered_net is not None:
        net = coverage_check(int(covered_net), int(n_held), nominal, note="held-out runs shifted by their mean excess")
        if not net.far_short:
            d = Decision(
                raw.verdict, raw.outcome,
                f"{raw.reason}; the intervals cover {cal.text()} of the held-out runs, but {net.text()} once shifted by their "
                "mean excess: the miss, not the intervals' width, puts them outside",
                raw.rule, raw.low, raw.high, net,
            )
    if n_held < MIN_HELD_OUT:
        return overrule(d, f"too few held-out runs to tell ({n_held}, fewer than {MIN_HELD_OUT})")
    return d


def sweep_verdict(n_held: int, low: float, high: float) -> tuple[str, str]:
    """``(verdict, reason)`` of :func:`sweep_decision`.

    >>> sweep_verdict(6, -0.5, 0.6)[0], sweep_verdict(6, 1.5, 3.0)[0], sweep_verdict(2, 1.5, 3.0)[0]
    ('holds', 'falls short of the law', 'inconclusive')
    """
    d = sweep_decision(n_held, low, high)
    return d.verdict, d.reason


def isoflop_minima(params: np.ndarray, loss: np.ndarray, budget: np.ndarray) -> list[dict[str, float]]:
    """Per budget with >= 3 sizes: the parabola in log N through its losses and its minimum.

    Returns rows ``budget, n_opt, loss_opt, curvature, bracketed`` (``bracketed``:
    the minimum lies inside the sizes tried; otherwise the parabola extrapolates).
    """
    rows = []
    for c in np.unique(budget):
        sel = budget == c
        if sel.sum() < 3:
            continue
        x, y = np.log(params[sel]), loss[sel]
        k2, k1, k0 = np.polyfit(x, y, 2)
        if k2 <= 0:  # no minimum: the parabola opens downwards
            continue
        xm = -k1 / (2 * k2)
        rows.append({"budget": float(c), "n_opt": float(np.exp(xm)), "loss_opt": float(k0 - k1**2 / (4 * k2)),
                     "curvature": float(k2), "bracketed": bool(x.min() <= xm <= x.max()),
                     "coef": (float(k2), float(k1), float(k0))})
    return rows


def _budgets(runs: Any) -> np.ndarray:
    out = []
    for cfg, c in zip(runs["config"], runs["compute"], strict=True):
        budget = None
        if isinstance(cfg, str) and cfg:
            budget = json.loads(cfg).get("plan", {}).get("budget")
        out.append(float(budget) if budget is not None else float(c))
    return np.asarray(out)


def sweep_finding(runs: Any, *, n_boot: int = 200, seed: int | np.random.Generator | None = 0, ci: float = 0.95,
                  source: str = DATASET) -> Finding:
    """Fit Chinchilla's law to a sweep's smaller budgets, predict its largest, and locate the IsoFLOP minima.

    Parameters
    ----------
    runs : DataFrame
        The sweep's runs: ``params`` (non-embedding N), ``tokens``, ``loss``,
        ``compute`` and ``config`` (JSON with ``plan.budget``; else compute
        is the budget).
    n_boot : int, default 200
        Bootstrap refits for the intervals (>= 20).
    seed : int, Generator or None
    ci : float, default 0.95

    Returns
    -------
    Finding
        ``sweep.chinchilla``, question ``"sweep"``.

    Raises
    ------
    ValueError
        With fewer than 2 budgets, or fewer than 6 runs below the largest budget.
    """
    # Long by design: one finding's numbers, figures, tables and text, written in the order the report shows them;
    # split further, one recipe would be scattered over helpers that each serve it once.
    from scalewatch.errors import IdentifiabilityWarning
    from scalewatch.fitting import bootstrap, fit
    from scalewatch.laws import Chinchilla

    if not (isinstance(n_boot, (int, np.integer)) and n_boot >= 20):
        raise ValueError(f"sweep_finding(n_boot={n_boot!r}): use an integer >= 20 (200 for the report)")
    rng = np.random.default_rng(seed)
    table = runs.dropna(subset=["params", "tokens", "loss"]).reset_index(drop=True)
    N = table["params"].to_numpy(float)
    D = table["tokens"].to_numpy(float)
    L = table["loss"].to_numpy(float)
    C = 6.0 * N * D
    budget = _budgets(table)
    levels = np.unique(budget)
    if len(levels) < 2:
        raise ValueError(f"sweep_finding: the runs have {len(levels)} compute budget(s); need at least 2 "
                         "(fit the smaller ones, predict the largest)")
    held = budget == levels[-1]
    train = ~held
    if train.sum() < 6:
        raise ValueError(f"sweep_finding: {int(train.sum())} runs below the largest budget; Chinchilla has 5 "
                         "parameters and needs at least 6")
    law = Chinchilla()
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IdentifiabilityWarning)
        res_all = fit(law, {"N": N, "D": D, "loss": L}, seed=rng)
        res = fit(law, {"N": N[train], "D": D[train], "loss": L[train]}, seed=rng)
        boot = bootstrap(res, int(n_boot), ci=ci, seed=rng,
                         derived={"a": lambda p: p["beta"] / (p["alpha"] + p["beta"])})
    notes.extend(f"fit: {w.message}" for w in caught if issubclass(w.category, IdentifiabilityWarning))
    if boot.n_failed:
        notes.append(f"{boot.n_failed}/{boot.n_resamples} bootstrap resamples did not converge and are left out")
    loss_label = f"{res.loss.label()} on {res.space} residuals"

    # -- held-out excess with parameter and run-to-run uncertainty --
    pred_held = law.predict(np.c_[N[held], D[held]], res.theta)
    excess = 100.0 * (np.log(L[held]) - np.log(pred_held))
    theta_b = np.column_stack([boot.samples[n] for n in law.param_names])
    pred_b = law.predict(np.c_[N[held], D[held]], theta_b)  # (R, n_held)
    idx = rng.integers(0, int(held.sum()), size=pred_b.shape)
    means = (100.0 * (np.log(L[held])[idx] - np.log(np.take_along_axis(pred_b, idx, axis=1)))).mean(axis=1)
    q = ((1 - ci) / 2, (1 + ci) / 2)
    ex_mean = float(excess.mean())
    ex_low, ex_high = (float(v) for v in np.nanquantile(means, q))
    mae = float(np.abs(excess).mean())
    # prediction intervals of each held-out run: bootstrap parameters x resampled training residuals (log space)
    resid = np.log(L[train]) - np.log(law.predict(np.c_[N[train], D[train]], res.theta))
    draws = np.log(pred_b) + resid[rng.integers(0, resid.size, size=pred_b.shape)]
    p_lo, p_hi = np.nanquantile(draws, q[0], axis=0), np.nanquantile(draws, q[1], axis=0)
    covered = int(np.sum((np.log(L[held]) >= p_lo) & (np.log(L[held]) <= p_hi)))
    shifted = np.log(L[held]) - ex_mean / 100.0
    covered_net = int(np.sum((shifted >= p_lo) & (shifted <= p_hi)))
    n_held = int(held.sum())
    decision = sweep_decision(n_held, ex_low, ex_high, covered=covered, covered_net=covered_net, nominal=ci)
    verdict, reason = decision.verdict, decision.reason
    from scalewatch.findings.rules import clopper_pearson

    cov_lo, cov_hi = clopper_pearson(covered, n_held)

    # -- IsoFLOP minima and the compute-optimal exponent --
    minima = isoflop_minima(N, L, budget)
    a_iso = a_iso_se = math.nan
    if len(minima) >= 2:
        lc = np.log([m["budget"] for m in minima])
        ln = np.log([m["n_opt"] for m in minima])
        coef, cov = np.polyfit(lc, ln, 1, cov=True) if len(minima) > 2 else (np.polyfit(lc, ln, 1), None)
        a_iso = float(coef[0])
        a_iso_se = float(math.sqrt(cov[0, 0])) if cov is not None else math.nan
    if any(not m["bracketed"] for m in minima):
        notes.append("IsoFLOP minima outside the sizes tried (extrapolated by the parabola): "
                     + ", ".join(f"C={m['budget']:.0e}" for m in minima if not m["bracketed"]))
    a_lo, a_hi = boot.interval("a")
    z = 1.959963984540054
    numbers = [
        Number("held-out mean excess", ex_mean, ex_low, ex_high, "%", ci,
               f"100 (log L_obs - log L_pred) over the {int(held.sum())} runs of the largest budget "
               f"({levels[-1]:.0e} FLOP), predicted by the law fitted to the smaller budgets; > 0: worse than the law"),
        Number("held-out mean absolute error", mae, None, None, "%", None,
               "mean |100 (log L_obs - log L_pred)| of the held-out runs"),
        Number(f"held-out coverage of {100 * ci:g}% prediction intervals", covered / n_held, cov_lo, cov_hi, "", 0.95,
               f"empirical coverage: {covered} of {n_held} held-out runs inside their intervals (bootstrap parameters x "
               f"resampled training residuals); nominal {100 * ci:g}%; 95% Clopper-Pearson interval"),
        Number("nominal coverage of the prediction intervals", ci, note="the level the held-out runs' prediction intervals were built for"),
        Number("a (law)", boot.estimate["a"], a_lo, a_hi, "", ci,
               "compute-optimal exponent N_opt ~ C^a implied by the fit, beta / (alpha + beta)"),
        Number("a (IsoFLOP minima)", a_iso,
               a_iso - z * a_iso_se if math.isfinite(a_iso_se) else None,
               a_iso + z * a_iso_se if math.isfinite(a_iso_se) else None, "", 0.95 if math.isfinite(a_iso_se) else None,
               f"slope of log N_opt against log C over {len(minima)} budgets (Hoffmann et al. approach 2); interval "
               "from the line fit's standard error"),
    ]
    for name in law.param_names:
        lo, hi = boot.interval(name)
        numbers.append(Number(name, res.params[name], lo, hi, _UNITS[name], ci,
                              _NOTES[name] + " (fit to the smaller budgets)"))

    figures = [_loss_figure(law, res, N, D, L, C, held, levels[-1]),
               _isoflop_figure(law, res, N, L, budget, levels, minima)]
    rows_held = [{"params": float(n), "tokens": float(d), "loss": float(lo), "predicted": float(p), "excess %": float(e)}
                 for n, d, lo, p, e in zip(N[held], D[held], L[held], pred_held, excess, strict=True)]
    rows_min = [{"budget": m["budget"], "N_opt": m["n_opt"], "D_opt": m["budget"] / (6 * m["n_opt"]),
                 "loss at N_opt": m["loss_opt"], "inside the sizes tried": m["bracketed"]} for m in minima]
    rows_params = [{"parameter": n, "fit to smaller budgets": res.params[n], "low": boot.interval(n)[0],
                    "high": boot.interval(n)[1], "fit to all runs": res_all.params[n]} for n in law.param_names]
    summary = (
        f"Chinchilla's law fitted to our own {int(train.sum())} runs below {levels[-1]:.0e} FLOP predicts the "
        f"{int(held.sum())} runs at {levels[-1]:.0e} FLOP to {mae:.1f}% (mean excess {numbers[0].text()}%): {reason.split('; ')[0]}, so {verdict}. "
        f"IsoFLOP minima give N_opt ~ C^{a_iso:.2f}; the law implies a = {next(n for n in numbers if n.name == 'a (law)').text()}."
    )
    method = (
        f"Data: {len(table)} runs of scalewatch's own IsoFLOP sweep ({len(levels)} budgets C = 6ND from "
        f"{levels[0]:.0e} to {levels[-1]:.0e} FLOP, N non-embedding parameters from {N.min():,.0f} to {N.max():,.0f}), "
        "tiny byte-level transformers trained on the Python standard library; loss is the final validation loss in "
        "nats per byte. Each run's full configuration, seed, corpus hash and versions are in the dataset.\n\n"
        f"Fit: L(N, D) = E + A / N^alpha + B / D^beta by {loss_label}, to the runs of every budget below the largest; "
        f"{boot.n_resamples} bootstrap refits (resampled runs) give {100 * ci:g}% percentile intervals.\n\n"
        f"Verdict: the held-out runs' mean excess 100 (log L_obs - log L_pred), its interval combining the bootstrap "
        f"parameters with a resample of the held-out runs; fewer than {MIN_HELD_OUT} held-out runs withhold the verdict. "
        f"{decision_text(decision)}\n\n"
        "Compute-optimal allocation: a parabola in log N through each budget's losses (Hoffmann et al. 2022, approach "
        "2); its minimum is N_opt(C), and the slope of log N_opt against log C is the exponent a."
    )
    return Finding(
        key=KEY,
        question="sweep",
        title="Chinchilla's law on our own sweep: fit small budgets, predict the largest",
        verdict=verdict,
        summary=summary,
        numbers=numbers,
        figures=figures,
        tables=[("Constants (fit to the smaller budgets; bootstrap interval) and the fit to all runs", rows_params),
                (f"Held-out runs ({levels[-1]:.0e} FLOP)", rows_held),
                ("IsoFLOP minima", rows_min)],
        method=method,
        data_sources=(source,),
        citations=_CITATIONS,
        loss_label=loss_label,
        notes=notes,
        headline="held-out mean excess",
        rule=decision,
    )


def _loss_figure(law: Any, res: Any, N: np.ndarray, D: np.ndarray, L: np.ndarray, C: np.ndarray, held: np.ndarray,
                 top: float) -> Any:
    sizes = np.unique(N)
    colors = sequential_colors(len(sizes))
    traces: list[dict[str, Any]] = []
    for k, n in enumerate(sizes):
        sel = N == n
        c_line = np.geomspace(C[sel].min() / 1.5, C[sel].max() * 1.5, 30)
        traces.append(curve(c_line, law.predict(np.c_[np.full_like(c_line, n), c_line / (6 * n)], res.theta),
                            f"law at N = {n:,.0f}", color=colors[k], dash="dot", width=1.5, group=f"N{n:.0f}",
                            showlegend=False))
        fit_sel, held_sel = sel & ~held, sel & held
        if fit_sel.any():
            traces.append(points(C[fit_sel], L[fit_sel], f"N = {n:,.0f}", color=colors[k], group=f"N{n:.0f}",
                                 text=[f"D = {d:,.0f}" for d in D[fit_sel]]))
        if held_sel.any():
            traces.append(points(C[held_sel], L[held_sel], f"N = {n:,.0f} (held out)", color=colors[k], held_out=True,
                                 group=f"N{n:.0f}", showlegend=False, text=[f"D = {d:,.0f}" for d in D[held_sel]]))
    return figure(
        "Loss against compute, by model size",
        traces,
        x_title="training compute C = 6ND (FLOP, non-embedding N)",
        y_title="final validation loss (nats/byte)",
        height=480,
        caption=(f"Each point is a run, coloured by its non-embedding size N; dotted lines are the law fitted to the "
                 f"budgets below {top:.0e} FLOP, at each N. Open diamonds: the held-out runs at {top:.0e} FLOP."),
    )


def _isoflop_figure(law: Any, res: Any, N: np.ndarray, L: np.ndarray, budget: np.ndarray, levels: np.ndarray,
                    minima: list[dict[str, Any]]) -> Any:
    colors = sequential_colors(len(levels))
    traces: list[dict[str, Any]] = []
    by_budget = {m["budget"]: m for m in minima}
    for k, c in enumerate(levels):
        sel = budget == c
        name = f"C = {c:.0e}" + (" (held out)" if c == levels[-1] else "")
        traces.append(points(N[sel], L[sel], name, color=colors[k], group=name, held_out=bool(c == levels[-1])))
        n_line = np.geomspace(N[sel].min() / 1.3, N[sel].max() * 1.3, 40)
        traces.append(curve(n_line, law.predict(np.c_[n_line, c / (6 * n_line)], res.theta), f"law at {name}",
                            color=colors[k], dash="dot", width=1.5, group=name, showlegend=False))
        m = by_budget.get(float(c))
        if m is not None:
            k2, k1, k0 = m["coef"]
            x = np.log(n_line)
            traces.append(curve(n_line, k2 * x**2 + k1 * x + k0, f"parabola at {name}", color=colors[k], width=1,
                                group=name, showlegend=False))
    if minima:
        traces.append(points([m["n_opt"] for m in minima], [m["loss_opt"] for m in minima], "IsoFLOP minima",
                             color=PALETTE[1], size=11))
    return figure(
        "IsoFLOP curves: loss against model size at fixed compute",
        traces,
        x_title="non-embedding parameters N",
        y_title="final validation loss (nats/byte)",
        height=480,
        shapes=[hline(float(res.params["E"]))],
        caption=("Each colour is one compute budget: its runs (points), a parabola in log N (solid) with its minimum "
                 "(diamond), and the law fitted to the smaller budgets (dotted). The horizontal line is the fitted "
                 "irreducible loss E."),
    )


@analysis(KEY, question="sweep", title="Chinchilla's law on our own sweep: fit small budgets, predict the largest")
def sweep_chinchilla(ctx: Any) -> Finding:
    """Chinchilla's law on scalewatch's own IsoFLOP sweep (package data; needs no download)."""
    from scalewatch.experiments import load_sweep

    runset, _ = load_sweep()
    return sweep_finding(runset.runs, n_boot=ctx.pick(1000, 200), seed=ctx.seed)
