r"""``sweep.learning_curves``: does a law fitted to whole loss curves predict a larger model's final loss?

Most training runs log their validation loss every few hundred steps; a fit to
final losses uses one point per run and throws the rest away. Approach 1 of
Hoffmann et al. (2022, section 3.1) uses the whole curves: the loss at every
logged step is a run of that many tokens. This analysis fits Chinchilla's law

.. math:: L(N, D) = E + A N^{-\alpha} + B D^{-\beta}

to every logged point of every run, with ``D`` the tokens seen at that step,
and checks it three ways:

1. **Curves against final losses.** The constants from the curves next to
   the constants from the final losses only (one point per run).
2. **Backtest.** The law fitted to the curves of the smaller models predicts
   the *final* loss of the largest ones (the largest sizes, together holding at
   least :data:`MIN_HELD_OUT` runs). The verdict is the written rule
   ``curves.heldout_final`` on the held-out runs' mean excess
   :math:`100 (\log L_{obs} - \log \hat L)`, with an interval from a bootstrap of
   the fit that resamples whole runs (never single points) combined with a
   resample of the held-out runs; the same backtest with a fit to final
   losses only is shown next to it.
3. **Sensitivity to the cut.** The backtest's excess for other minimum-step cuts.

The fit weighs every run once (each point by 1 / its run's point count,
:func:`scalewatch.fit` with ``groups="run_id"``), so a run that logged more
often does not pull harder.

**Minimum-step cut.** Early points are not on the law: during warm-up and the
first steep drop the loss depends on the learning-rate ramp and the
initialisation, not on N and D. And with a cosine schedule an intermediate
point lies *above* the loss of a run trained to exactly that many tokens,
because its learning rate has not yet decayed (Hoffmann et al. 2022, Appendix
A, Figure A1: a cosine cycle longer than the run overestimates its loss;
approach 1 therefore trains several horizons per size and takes the lower
envelope of the smoothed curves). The rule here: keep a run's points with
:math:`D \ge f \cdot D_{final}` of that run, :math:`f =` :data:`MIN_FRACTION`
(0.2: past a 5% warm-up and the initial drop, in the part of the schedule
where the loss tracks the tokens seen), and always the final point. The
schedule bias that remains pushes the curve points up at intermediate D, so
the curve fit tends to a smaller data exponent beta than the final losses:
the comparison of (1) and the sensitivity table of (3) show how much.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from scalewatch.findings import Decision, Finding, Number, analysis
from scalewatch.findings.rules import decision_text, overrule, rule
from scalewatch.plots import curve, figure, points, sequential_colors

__all__ = ["KEY", "MIN_FRACTION", "MIN_HELD_OUT", "curve_points", "curves_decision", "learning_curve_finding"]

KEY = "sweep.learning_curves"
#: keep a run's curve points with tokens >= MIN_FRACTION x its final tokens (and always its final point)
MIN_FRACTION = 0.2
#: fewer held-out runs than this: inconclusive
MIN_HELD_OUT = 3
#: other cuts shown in the sensitivity table
_CUTS = (0.05, 0.1, 0.2, 0.5, 1.0)

_CITATIONS = (
    "Hoffmann et al. (2022), 'Training Compute-Optimal Large Language Models', arXiv:2203.15556 (the law; approach 1 "
    "on whole training curves; Appendix A on the cosine cycle length)",
    "Besiroglu et al. (2024), 'Chinchilla Scaling: A replication attempt', arXiv:2404.10102 (Huber on log loss)",
)


def curves_decision(n_held: int, low: float, high: float) -> Decision:
    """The written rule ``curves.heldout_final`` on the held-out runs' mean excess interval ``[low, high]`` (percent).

    Fewer than :data:`MIN_HELD_OUT` held-out runs withhold the verdict.

    Examples
    --------
    >>> [curves_decision(3, lo, hi).verdict for lo, hi in ((-0.5, 0.6), (1.5, 3.0), (-3.0, -1.5), (-6.0, 2.0))]
    ['holds', 'falls short of the law', 'beats the law', 'inconclusive']
    >>> curves_decision(2, -0.5, 0.6).verdict
    'inconclusive'
    """
    r = rule("curves.heldout_final")
    if not (math.isfinite(low) and math.isfinite(high)):
        return r.decide(None, None)
    d = r.decide(low, high)
    if n_held < MIN_HELD_OUT:
        return overrule(d, f"too few held-out runs to tell ({n_held}, fewer than {MIN_HELD_OUT})")
    return d


def curve_points(runs: Any, curves: Any, min_fraction: float = MIN_FRACTION) -> Any:
    """The curve points a fit uses: one row per kept point, with the run's N and its final tokens and loss.

    Parameters
    ----------
    runs : DataFrame
        ``run_id``, ``params`` (N) and, optionally, ``tokens`` and ``loss`` (the
        final point, added to the curve when the curve lacks it).
    curves : DataFrame
        ``run_id``, ``step``, ``tokens`` (tokens seen at that step) and ``loss``.
    min_fraction : float, default :data:`MIN_FRACTION`
        Keep points with ``tokens >= min_fraction * final tokens`` of their run.

    Returns
    -------
    DataFrame
        ``run_id, N, D, loss, final`` (``final``: the run's last point), sorted by run and D.

    Raises
    ------
    ValueError
        For a ``min_fraction`` outside (0, 1], a missing column, or curve points
        of runs that have no ``params``.
    """
    import pandas as pd

    if not (isinstance(min_fraction, (int, float)) and 0 < min_fraction <= 1):
        raise ValueError(f"curve_points(min_fraction={min_fraction!r}): use a fraction in (0, 1], e.g. {MIN_FRACTION}.")
    for name, table, cols in (("runs", runs, ("run_id", "params")), ("curves", curves, ("run_id", "tokens", "loss"))):
        missing = [c for c in cols if c not in table.columns]
        if missing:
            raise ValueError(f"curve_points({name}=...) lacks column(s) {missing}; it has {list(table.columns)}.")
    c = curves.dropna(subset=["tokens", "loss"])
    c = c[(c["tokens"].astype(float) > 0) & (c["loss"].astype(float) > 0)]
    c = pd.DataFrame({"run_id": c["run_id"].astype(str).to_numpy(), "D": c["tokens"].to_numpy(float),
                      "loss": c["loss"].to_numpy(float)})
    r = runs.dropna(subset=["params"])
    n_of = dict(zip(r["run_id"].astype(str), r["params"].astype(float), strict=True))
    if {"tokens", "loss"} <= set(runs.columns):  # the run's final point, where the curve stops short of it
        fin = r.dropna(subset=["tokens", "loss"])
        fin = pd.DataFrame({"run_id": fin["run_id"].astype(str).to_numpy(), "D": fin["tokens"].to_numpy(float),
                            "loss": fin["loss"].to_numpy(float)})
        last = c.groupby("run_id")["D"].max()
        fin = fin[fin["D"] > fin["run_id"].map(last).fillna(0.0).to_numpy() * (1 + 1e-9)]
        c = pd.concat([c, fin[fin["run_id"].isin(c["run_id"])]], ignore_index=True)
    orphans = sorted(set(c["run_id"]) - set(n_of))
    if orphans:
        raise ValueError(f"curve_points: curve points of {len(orphans)} run(s) with no params (e.g. {orphans[0]!r}); "
                         "give each run's parameter count N in the runs table.")
    c = c.sort_values(["run_id", "D"], kind="stable").reset_index(drop=True)
    d_end = c.groupby("run_id")["D"].transform("max").to_numpy()
    c["final"] = c["D"].to_numpy() >= d_end
    keep = (c["D"].to_numpy() >= min_fraction * d_end) | c["final"].to_numpy()
    c = c[keep].reset_index(drop=True)
    c.insert(1, "N", c["run_id"].map(n_of).to_numpy(float))
    return c


def _held_out(pts: Any) -> np.ndarray:
    """Runs of the largest model sizes: the fewest sizes that hold at least MIN_HELD_OUT runs (at most half the runs)."""
    per_run = pts.groupby("run_id")["N"].first()
    sizes = np.sort(per_run.unique())[::-1]
    held: list[str] = []
    for n in sizes:
        if len(held) >= MIN_HELD_OUT or len(held) + (per_run == n).sum() > max(MIN_HELD_OUT, len(per_run) // 2):
            break
        held += list(per_run.index[per_run == n])
    return np.asarray(held, dtype=object)


def learning_curve_finding(
    runs: Any,
    curves: Any,
    *,
    min_fraction: float = MIN_FRACTION,
    n_boot: int = 200,
    seed: int | np.random.Generator | None = 0,
    ci: float = 0.95,
    source: str = "scalewatch-sweep",
    question: str = "sweep",
    key: str = KEY,
    loss_unit: str = "nats/token",
) -> Finding:
    """Fit Chinchilla's law to whole loss curves, compare with final losses, and backtest on the largest models.

    Parameters
    ----------
    runs, curves : DataFrame
        As :func:`curve_points`.
    min_fraction : float, default :data:`MIN_FRACTION`
        Minimum-step cut (see the module docstring).
    n_boot : int, default 200
        Bootstrap resamples of runs per fit (>= 20).
    seed : int, Generator or None
    ci : float, default 0.95
    source, question, key : str
        Data source named by the finding, its question and key.
    loss_unit : str
        Unit of the loss in figure titles.

    Returns
    -------
    Finding
        Verdict by the rule ``curves.heldout_final``.

    Raises
    ------
    ValueError
        With fewer than 6 training runs below the held-out sizes, or bad arguments.
    """
    # Long by design, as sweep.sweep_finding: one finding's numbers, tables and text in the order the report shows them.
    from scalewatch.fitting import bootstrap, quiet_fit
    from scalewatch.laws import Chinchilla

    if not (isinstance(n_boot, (int, np.integer)) and n_boot >= 20):
        raise ValueError(f"learning_curve_finding(n_boot={n_boot!r}): use an integer >= 20 (200 for the report)")
    rng = np.random.default_rng(seed)
    law = Chinchilla()
    pts = curve_points(runs, curves, min_fraction)
    held_ids = _held_out(pts)
    held = pts["run_id"].isin(held_ids).to_numpy()
    n_runs = pts["run_id"].nunique()
    n_train_runs = n_runs - len(held_ids)
    if n_train_runs < 6 or len(held_ids) == 0:
        raise ValueError(f"learning_curve_finding: {n_runs} runs with curves, {n_train_runs} below the held-out sizes; "
                         "Chinchilla has 5 parameters and needs curves of at least 6 runs plus a larger one to predict")
    final = pts["final"].to_numpy()
    notes: list[str] = []

    def data(sel):
        return {"N": pts["N"].to_numpy()[sel], "D": pts["D"].to_numpy()[sel], "loss": pts["loss"].to_numpy()[sel],
                "run_id": pts["run_id"].to_numpy()[sel]}

    everything = np.ones(len(pts), dtype=bool)
    fits = {}
    for name, sel, grouped in (("curves, all runs", everything, True), ("final losses, all runs", final, False),
                               ("curves, smaller models", ~held, True), ("final losses, smaller models", final & ~held, False)):
        said: list[str] = []
        fits[name] = quiet_fit(law, data(sel), said, seed=rng, **({"groups": "run_id"} if grouped else {}))
        notes.extend(f"{name}: {m}" for m in said)
    boots = {}
    for name, res in fits.items():
        with np.errstate(all="ignore"):
            boots[name] = bootstrap(res, int(n_boot), ci=ci, seed=rng)
        if boots[name].n_failed:
            notes.append(f"{name}: {boots[name].n_failed}/{n_boot} bootstrap resamples did not converge and are left out")
    loss_label = f"{fits['curves, all runs'].loss.label()} on log residuals, each run weighted once"

    # -- backtest: final loss of the held-out runs --
    fh = pts[held & final]
    X_held = np.c_[fh["N"].to_numpy(), fh["D"].to_numpy()]
    y_held = np.log(fh["loss"].to_numpy())
    q = ((1 - ci) / 2, (1 + ci) / 2)

    def excess(name: str) -> tuple[float, float, float]:
        res, boot = fits[name], boots[name]
        point = float((100.0 * (y_held - np.log(law.predict(X_held, res.theta)))).mean())
        theta_b = np.column_stack([boot.samples[p] for p in law.param_names])
        pred_b = law.predict(X_held, theta_b)  # (R, n_held)
        idx = rng.integers(0, len(y_held), size=pred_b.shape)
        means = (100.0 * (y_held[idx] - np.log(np.take_along_axis(pred_b, idx, axis=1)))).mean(axis=1)
        lo, hi = (float(v) for v in np.nanquantile(means, q))
        return point, lo, hi

    ex_c, lo_c, hi_c = excess("curves, smaller models")
    ex_f, lo_f, hi_f = excess("final losses, smaller models")
    decision = curves_decision(len(fh), lo_c, hi_c)

    # -- sensitivity to the cut (point estimates) --
    rows_cut = []
    for f in sorted(set(_CUTS) | {float(min_fraction)}):
        p2 = curve_points(runs, curves, f)
        h2 = p2["run_id"].isin(held_ids).to_numpy()
        r2 = quiet_fit(law, {"N": p2["N"].to_numpy()[~h2], "D": p2["D"].to_numpy()[~h2],
                             "loss": p2["loss"].to_numpy()[~h2], "run_id": p2["run_id"].to_numpy()[~h2]},
                       None, groups="run_id", seed=0)
        e2 = float((100.0 * (y_held - np.log(law.predict(X_held, r2.theta)))).mean())
        rows_cut.append({"min fraction of final tokens": f, "points fitted": int((~h2).sum()),
                         "alpha": r2.params["alpha"], "beta": r2.params["beta"], "E": r2.params["E"],
                         "held-out mean excess %": e2, "used": bool(f == min_fraction)})

    a_c, a_f = boots["curves, all runs"], boots["final losses, all runs"]
    numbers = [
        Number("held-out mean excess (curve fit)", ex_c, lo_c, hi_c, "%", ci,
               f"100 (log L_obs - log L_pred) of the final loss of the {len(fh)} runs of the largest sizes, predicted by "
               f"the law fitted to the whole curves of the {n_train_runs} smaller-model runs; > 0: worse than the law"),
        Number("held-out mean excess (final-loss fit)", ex_f, lo_f, hi_f, "%", ci,
               "the same backtest with the law fitted to the final losses of the smaller-model runs only"),
    ]
    for p in ("alpha", "beta", "E"):
        for name, b in (("curves", a_c), ("final losses", a_f)):
            lo, hi = b.interval(p)
            numbers.append(Number(f"{p} ({name})", b.estimate[p], lo, hi, "", ci,
                                  f"fit to the {name} of all {n_runs} runs; bootstrap of runs"))
    numbers.append(Number("curve points fitted", float(len(pts)), note=f"{n_runs} runs; cut at D >= {min_fraction:g} "
                          "x the run's final tokens, final point always kept"))
    rows_params = [{"parameter": p, **{name: fits[name].params[p] for name in fits}} for p in law.param_names]
    rows_held = [{"run_id": rid, "N": float(n), "D": float(d), "final loss": float(lo_),
                  "predicted (curves)": float(law.predict(np.c_[[n], [d]], fits["curves, smaller models"].theta)[0]),
                  "predicted (final losses)": float(law.predict(np.c_[[n], [d]], fits["final losses, smaller models"].theta)[0])}
                 for rid, n, d, lo_ in zip(fh["run_id"], fh["N"], fh["D"], fh["loss"], strict=True)]
    summary = (f"Chinchilla's law fitted to the whole loss curves of {n_train_runs} smaller-model runs predicts the final "
               f"loss of the {len(fh)} largest-model runs with mean excess {numbers[0].text()}% (final losses alone: "
               f"{numbers[1].text()}%): {decision.verdict}.")
    method = (
        f"Data: {len(pts)} logged validation-loss points of {n_runs} runs of `{source}` (D = tokens seen at the step, "
        f"N = the run's parameters), keeping points with D >= {min_fraction:g} x the run's final tokens and always the "
        "final point: earlier ones sit in the warm-up and the first steep drop, and with a cosine schedule an intermediate "
        "point lies above the loss of a run trained to that many tokens (Hoffmann et al. 2022, Appendix A), a bias the "
        "cut reduces but does not remove; the sensitivity table shows the fit under other cuts.\n\n"
        f"Fit: L(N, D) = E + A / N^alpha + B / D^beta by {loss_label} (each point weighted 1 / its run's point count, "
        f"so a run counts once however often it logged); {n_boot} bootstrap resamples of whole runs (never of single "
        f"points: a curve's points share one run's seed and schedule) give {100 * ci:g}% percentile intervals. The same "
        "law fitted to the final losses only (one point per run) is shown next to it.\n\n"
        f"Backtest: the runs of the largest sizes (held out: {len(fh)} runs, N >= {fh['N'].min():,.0f}) are predicted "
        "from the curves of the others; the interval of their mean excess combines the fit's bootstrap with a resample of "
        f"the held-out runs. {decision_text(decision)}"
    )
    return Finding(
        key=key,
        question=question,
        title="A law fitted to whole loss curves: backtest on the largest models",
        verdict=decision.verdict,
        summary=summary,
        numbers=numbers,
        figures=[_figure(law, pts, held, fits["curves, smaller models"], loss_unit)],
        tables=[("Constants: fits to curves and to final losses", rows_params),
                ("Held-out runs (largest sizes): final loss and predictions", rows_held),
                ("Sensitivity to the minimum-step cut (fit to the smaller models' curves)", rows_cut)],
        method=method,
        data_sources=(source,),
        citations=_CITATIONS,
        loss_label=loss_label,
        notes=notes,
        headline="held-out mean excess (curve fit)",
        rule=decision,
    )


def _figure(law: Any, pts: Any, held: np.ndarray, res: Any, loss_unit: str) -> Any:
    sizes = np.unique(pts["N"].to_numpy())
    colors = sequential_colors(len(sizes))
    traces: list[dict[str, Any]] = []
    for k, n in enumerate(sizes):
        sel = pts["N"].to_numpy() == n
        hsel = sel & held
        group = f"N{n:.0f}"
        for rid in pts["run_id"][sel].unique():
            one = (pts["run_id"] == rid).to_numpy()
            traces.append(points(pts["D"][one], pts["loss"][one], f"N = {n:,.0f}" + (" (held out)" if hsel.any() else ""),
                                 color=colors[k], held_out=bool(hsel.any()), group=group, showlegend=False,
                                 mode="lines+markers"))
        d_line = np.geomspace(pts["D"][sel].min(), pts["D"][sel].max(), 30)
        traces.append(curve(d_line, law.predict(np.c_[np.full_like(d_line, n), d_line], res.theta),
                            f"N = {n:,.0f}", color=colors[k], dash="dot", width=1.5, group=group))
    return figure(
        "Loss curves and the law fitted to the smaller models' curves",
        traces,
        x_title="tokens seen D",
        y_title=f"validation loss ({loss_unit})",
        height=480,
        caption=("Each line of markers is one run's logged validation loss after the minimum-step cut, coloured by its "
                 "size N; dotted lines are the law fitted to the curves of the smaller models, at each N. Open markers: "
                 "the held-out runs of the largest sizes, whose final loss the law predicts."),
    )


@analysis(KEY, question="sweep", title="A law fitted to whole loss curves: backtest on the largest models")
def sweep_learning_curves(ctx: Any) -> Finding:
    """Learning-curve fit on scalewatch's own sweep (package data: runs.csv and curves.csv; needs no download)."""
    from scalewatch.experiments import load_sweep

    runset, curves = load_sweep()
    return learning_curve_finding(runset.runs, curves, n_boot=ctx.pick(1000, 200), seed=ctx.seed,
                                  loss_unit="nats/byte")
