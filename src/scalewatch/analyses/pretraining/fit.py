r"""``pretraining.chinchilla_fit``: Chinchilla's law refitted to Hoffmann et al.'s runs.

The first finding of the report, and the reference point of the others: the
law :math:`L(N, D) = E + A N^{-\alpha} + B D^{-\beta}` fitted as Besiroglu et
al. (2024) refit it (the 245 runs read off Hoffmann et al.'s Figure 4, the
five highest-loss runs dropped, Huber loss with delta 1e-3 on log loss), with
bootstrap intervals on every constant and on the compute-optimal exponent
:math:`a = \beta / (\alpha + \beta)` of :math:`N_{opt} \propto C^a`.

Verdict (:func:`chinchilla_decision`), an *in-sample* check by the written rule
``pretraining.top_excess`` (:mod:`scalewatch.findings.rules`): the mean excess
:math:`100 (\log L_{obs} - \log \hat L)` of the largest-compute runs (top 10%
by compute), with an interval that carries both the parameters' bootstrap
uncertainty and the runs' scatter, resampled by model size (runs of one size
share their errors, so sizes, not runs, are the independent units):

* **holds** when the interval lies inside 0 +/- 1% (an equivalence test);
* **beats the law** / **bends** when it lies wholly below / above the margin;
* **inconclusive** when it straddles the margin, is wider than 4 points, or
  fewer than 5 runs are in the group.

The bootstrap is :func:`~scalewatch.analyses.pretraining._common.chinchilla_bootstrap`,
shared by every finding that quotes the compute-optimal exponent of these runs.

The out-of-sample wall tests (fit below a compute cut-off, predict above it)
are :func:`scalewatch.analyses.pretraining.wall_test`.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from scalewatch.analyses.pretraining._common import CHINCHILLA_N_BOOT, chinchilla_bootstrap
from scalewatch.analyses.pretraining.intervals import top_excess_with_parameters
from scalewatch.findings import Decision, Finding, Number, analysis
from scalewatch.findings.rules import decision_text, overrule, rule
from scalewatch.plots import PALETTE, band, curve, figure, hline, points, sequential_colors, vrect

__all__ = ["chinchilla_decision", "chinchilla_verdict", "chinchilla_fit_finding", "chinchilla_fit"]


#: the finding's key and the dataset it reads
KEY = "pretraining.chinchilla_fit"


DATASET = "chinchilla-hoffmann2022"


#: share of runs, by compute, whose residuals decide the verdict
TOP_SHARE = 0.10


#: fewer runs than this in the top group: inconclusive
MIN_TOP = 5


#: an interval of the top runs' mean excess wider than this (percentage points): inconclusive (the rule's gate)
MAX_WIDTH = 4.0


#: published constants: Hoffmann et al. (2022) eq. 10; Besiroglu et al. (2024) sec. 4 (their refit of the same runs)
PUBLISHED: dict[str, dict[str, float]] = {
    "Hoffmann et al. (2022)": {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28},
    "Besiroglu et al. (2024)": {"E": 1.82, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658},
}


_CITATIONS = (
    "Hoffmann et al. (2022), 'Training Compute-Optimal Large Language Models', arXiv:2203.15556",
    "Besiroglu, Erdil, Barnett & You (2024), 'Chinchilla Scaling: A replication attempt', arXiv:2404.10102",
    "Efron & Tibshirani (1993), 'An Introduction to the Bootstrap', Chapman & Hall (percentile intervals)",
)


_UNITS = {"E": "nats/token", "A": "", "B": "", "alpha": "", "beta": "", "a": ""}


_NOTES = {
    "E": "irreducible loss",
    "A": "model-size coefficient, nats/token x N^alpha",
    "B": "data coefficient, nats/token x D^beta",
    "alpha": "model-size exponent",
    "beta": "data exponent",
    "a": "compute-optimal exponent of N_opt ~ C^a, a = beta / (alpha + beta); Hoffmann et al. report 0.46 (Approach 3)",
}


def chinchilla_decision(n_top: int, low: float, high: float, *, min_top: int = MIN_TOP) -> Decision:
    """The written rule ``pretraining.top_excess`` on the largest-compute runs' mean excess interval ``[low, high]`` (percent).

    Parameters
    ----------
    n_top : int
        Runs in the largest-compute group; fewer than ``min_top`` withholds the verdict.
    low, high : float
        Interval of their mean excess :math:`100 (\\log L_{obs} - \\log \\hat L)`, percent.
    min_top : int
        Fewest runs for a verdict.

    Returns
    -------
    Decision

    Examples
    --------
    >>> [chinchilla_decision(24, lo, hi).verdict for lo, hi in ((-0.4, 0.6), (0.2, 1.5), (1.2, 2.0), (-2.0, -1.2))]
    ['holds', 'inconclusive', 'bends', 'beats the law']
    """
    r = rule("pretraining.top_excess")
    if not (math.isfinite(low) and math.isfinite(high)):
        return r.decide(None, None)
    d = r.decide(low, high)
    if n_top < min_top:
        return overrule(d, f"too few runs to tell ({n_top}, fewer than {min_top})")
    return d


def chinchilla_verdict(n_top: int, low: float, high: float, *, min_top: int = MIN_TOP, **_: Any) -> tuple[str, str]:
    """``(verdict, reason)`` of :func:`chinchilla_decision`.

    Examples
    --------
    >>> chinchilla_verdict(24, -0.4, 0.6)[0], chinchilla_verdict(24, 1.5, 2.5)[0], chinchilla_verdict(3, 0.5, 1.5)[0]
    ('holds', 'bends', 'inconclusive')
    """
    d = chinchilla_decision(n_top, low, high, min_top=min_top)
    return d.verdict, d.reason


def _count(n: float) -> str:
    """A parameter count in words: 74M, 1.8B."""
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= scale:
            v = n / scale
            return f"{v:.2g}{unit}" if v < 10 else f"{v:.0f}{unit}"
    return f"{n:.0f}"


def _optimal_loss(theta: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Compute-optimal loss L*(C) along C = 6 N D, closed form; theta (..., 5) -> (..., len(C))."""
    E, A, B, al, be = (theta[..., i, None] for i in range(5))
    a = be / (al + be)
    G = (al * A / (be * B)) ** (1.0 / (al + be))
    n_opt = G * (C / 6.0) ** a
    d_opt = (C / 6.0) / n_opt
    return E + A * n_opt**-al + B * d_opt**-be


def chinchilla_fit_finding(
    runs: Any,
    *,
    n_boot: int = 1000,
    seed: int | np.random.Generator | None = 0,
    drop_highest: int = 5,
    top_share: float = TOP_SHARE,
    ci: float = 0.95,
    source: str = DATASET,
    data_citation: str | None = None,
) -> Finding:
    """Fit Chinchilla's law to a runs table, bootstrap it, and judge the largest runs.

    Parameters
    ----------
    runs : DataFrame
        Columns ``params`` (N, total parameters), ``tokens`` (D), ``loss``
        (nats/token) and optionally ``compute`` (FLOP; default 6ND).
    n_boot : int, default 1000
        Bootstrap resamples of runs.
    seed : int, Generator or None, default 0
        Seed of the bootstrap and of the resampling of the largest runs.
    drop_highest : int, default 5
        Highest-loss runs left out of the fit (Besiroglu et al. 2024); shown as excluded.
    top_share : float, default 0.10
        Share of the fitted runs, by compute, whose residuals decide the verdict.
    ci : float, default 0.95
        Level of every interval.
    source, data_citation : str
        Dataset name and its citation, for the finding.

    Returns
    -------
    Finding
        ``pretraining.chinchilla_fit``.
    """
    # Long by design: one finding's numbers, figures, tables and text, written in the order the report shows them;
    # split further, one recipe would be scattered over helpers that each serve it once.
    from scalewatch.errors import IdentifiabilityWarning
    from scalewatch.laws import Chinchilla

    if not (isinstance(n_boot, (int, np.integer)) and n_boot >= 20):
        raise ValueError(f"chinchilla_fit_finding(n_boot={n_boot!r}); use an integer >= 20 (1000 for the report).")
    if not (isinstance(drop_highest, (int, np.integer)) and drop_highest >= 0):
        raise ValueError(f"chinchilla_fit_finding(drop_highest={drop_highest!r}); use an integer >= 0.")
    if not 0 < top_share < 1:
        raise ValueError(f"chinchilla_fit_finding(top_share={top_share!r}); use a share in (0, 1), e.g. 0.1.")
    rng = np.random.default_rng(seed)
    law = Chinchilla()
    table = runs.dropna(subset=["params", "tokens", "loss"]).reset_index(drop=True)
    N_all = table["params"].to_numpy(float)
    D_all = table["tokens"].to_numpy(float)
    L_all = table["loss"].to_numpy(float)
    C_all = table["compute"].to_numpy(float) if "compute" in table else np.full(len(table), np.nan)
    C_all = np.where(np.isfinite(C_all), C_all, 6.0 * N_all * D_all)
    order = np.argsort(L_all, kind="stable")
    excluded = np.zeros(len(table), dtype=bool)
    if drop_highest:
        excluded[order[len(order) - drop_highest :]] = True
    keep = ~excluded
    notes: list[str] = []

    boot_seed = int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else int(rng.integers(2**31))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IdentifiabilityWarning)
        result, boot = chinchilla_bootstrap(N_all[keep], D_all[keep], L_all[keep], n_boot=int(n_boot), seed=boot_seed, ci=ci)
    notes.extend(str(w.message) for w in caught if issubclass(w.category, IdentifiabilityWarning))
    if boot.n_failed:
        notes.append(f"{boot.n_failed}/{boot.n_resamples} bootstrap resamples did not converge and are excluded from the intervals")
    loss_label = f"{result.loss.label()} on {result.space} residuals"

    # -- the largest-compute runs: mean excess, with parameter and run-to-run uncertainty --
    Nk, Dk, Lk, Ck = N_all[keep], D_all[keep], L_all[keep], C_all[keep]
    fitted = law.predict(np.c_[Nk, Dk], result.theta)  # in this table's order (the shared fit sorts its runs)
    excess = 100.0 * (np.log(Lk) - np.log(fitted))  # percent; > 0: worse than the law
    cut = float(np.quantile(Ck, 1.0 - top_share))
    top = Ck >= cut
    n_top = int(top.sum())
    theta_b = np.column_stack([boot.samples[n] for n in law.param_names])  # (R, 5) successful resamples
    # bootstrap parameters x model sizes resampled (runs of one size share their errors); the wall test quotes the same
    gm = top_excess_with_parameters(law, result.theta, theta_b, Nk, Dk, Lk, top, ci=ci, seed=boot_seed)
    n_groups = gm.n_groups
    ex_mean, ex_low, ex_high = float(excess[top].mean()), gm.low, gm.high
    decision = chinchilla_decision(n_top, ex_low, ex_high)
    verdict, reason = decision.verdict, decision.reason

    # -- numbers --
    a_est, (a_lo, a_hi) = boot.estimate["a"], boot.interval("a")
    numbers = [
        Number(
            "mean excess of the largest runs", ex_mean, ex_low, ex_high, "%", ci,
            f"100 (log L_obs - log L_fit) averaged over the {n_top} fitted runs with the top {100 * top_share:g}% of compute "
            f"(>= {cut:.2g} FLOP); > 0: worse than the law; interval: bootstrap parameters x {n_groups} model sizes resampled",
        ),
        Number("a", a_est, a_lo, a_hi, "", ci, f"{_NOTES['a']}; {boot.n_resamples} bootstrap resamples, the one interval of a for these runs in the report"),
    ]
    for name in law.param_names:
        lo, hi = boot.interval(name)
        numbers.append(Number(name, result.params[name], lo, hi, _UNITS[name], ci, _NOTES[name]))

    # -- figures --
    figures = [
        _loss_figure(law, result, boot, N_all, D_all, L_all, C_all, excluded, cut, drop_highest, ci),
        _residual_figure(Nk, Ck, excess, top, cut, ex_mean, ex_low, ex_high, ci, N_all),
    ]

    # -- tables --
    comparison = []
    for name in (*law.param_names, "a"):
        lo, hi = boot.interval(name)
        # a is not printed by either source: its column values are derived from their alpha and beta, and the row says so
        label = "a = beta / (alpha + beta) (published columns: derived from their alpha and beta)" if name == "a" else name
        row: dict[str, Any] = {"parameter": label, "this fit": boot.estimate[name], "low": lo, "high": hi}
        for who, p in PUBLISHED.items():
            row[who] = p["beta"] / (p["alpha"] + p["beta"]) if name == "a" else p[name]
        comparison.append(row)
    top_rows = [
        {"params": float(n), "tokens": float(d), "compute": float(c), "loss": float(l), "fitted loss": float(p), "excess %": float(e)}
        for n, d, c, l, p, e in sorted(
            zip(Nk[top], Dk[top], Ck[top], Lk[top], fitted[top], excess[top]), key=lambda r: -r[2]
        )
    ]
    excluded_rows = [{"params": float(N_all[i]), "tokens": float(D_all[i]), "compute": float(C_all[i]), "loss": float(L_all[i])} for i in np.flatnonzero(excluded)]

    pct = f"{100 * ci:g}%"
    summary = (
        f"Chinchilla's law fitted to {int(keep.sum())} of Hoffmann et al.'s runs gives a compute-optimal exponent "
        f"a = {numbers[1].text()} ({boot.n_resamples} resamples); in sample, its {n_top} largest-compute runs sit {numbers[0].text()}% from it: {reason.split('; ')[0]}, so {verdict}."
    )
    method = (
        f"Data: the {len(table)} training runs of Hoffmann et al. (2022) as extracted from their Figure 4 by Besiroglu et al. "
        f"(2024) (N total parameters, D = C / (6N) tokens, final loss in nats per token). As in Besiroglu et al., the "
        f"{drop_highest} highest-loss runs are left out of the fit (drawn as open diamonds).\n\n"
        f"Fit: L(N, D) = E + A / N^alpha + B / D^beta by {loss_label} (summed), a variable-projection search over a grid of "
        f"exponents and Levenberg-Marquardt refinement. Intervals: {boot.n_resamples} bootstrap resamples of runs, each refitted "
        f"with its own multi-start search; {pct} percentile intervals. The compute-optimal exponent a = beta / (alpha + beta) "
        f"is computed for every resample.\n\n"
        f"Verdict (an in-sample check of the largest runs): the mean excess 100 (log L_obs - log L_fit) of the fitted runs with "
        f"the top {100 * top_share:g}% of compute. Its interval combines the bootstrap parameters with a cluster resample of those "
        f"runs by model size ({n_groups} sizes; runs of one size share their errors). Fewer than {MIN_TOP} runs withhold the "
        f"verdict. {decision_text(decision)} Out-of-sample tests (fit below a compute cut-off, predict the runs above it) are the "
        f"wall tests of scalewatch.analyses.pretraining (pretraining.wall_test)."
    )
    citations = (*((data_citation,) if data_citation else ()), *_CITATIONS)
    return Finding(
        key=KEY,
        question="pretraining",
        title="Chinchilla's law refitted to Hoffmann et al.'s runs",
        verdict=verdict,
        summary=summary,
        numbers=numbers,
        figures=figures,
        tables=[
            ("Constants: this fit and the published ones", comparison),
            (f"The {n_top} largest-compute runs", top_rows),
            (f"Runs left out of the fit ({drop_highest} highest losses)", excluded_rows),
        ],
        method=method,
        data_sources=(source,),
        citations=citations,
        loss_label=loss_label,
        notes=notes,
        headline="mean excess of the largest runs",
        rule=decision,
    )


def _size_bins(N_all: np.ndarray, k: int = 6) -> tuple[np.ndarray, list[str], tuple[str, ...]]:
    """Bin index per run by log10 N (k equal-width bins), bin labels and colours."""
    logn = np.log10(N_all)
    edges = np.linspace(logn.min(), logn.max(), k + 1)
    idx = np.clip(np.searchsorted(edges, logn, side="right") - 1, 0, k - 1)
    labels = [f"N {_count(10 ** edges[i])}-{_count(10 ** edges[i + 1])}" for i in range(k)]
    return idx, labels, sequential_colors(k)


def _loss_figure(law, result, boot, N_all, D_all, L_all, C_all, excluded, cut, drop_highest, ci):
    bins, labels, colors = _size_bins(N_all)
    theta = result.theta
    traces: list[dict[str, Any]] = []
    # compute-optimal frontier with its bootstrap band
    Cg = np.geomspace(C_all.min() / 1.5, C_all.max() * 4, 80)
    theta_b = np.column_stack([boot.samples[n] for n in law.param_names])
    Lb = _optimal_loss(theta_b, Cg)
    lo, hi = np.nanquantile(Lb, [(1 - ci) / 2, (1 + ci) / 2], axis=0)
    traces += band(Cg, lo, hi, f"frontier, {100 * ci:g}% interval", color="#24292f", opacity=0.14)
    traces.append(curve(Cg, _optimal_loss(theta[None, :], Cg)[0], "compute-optimal frontier L*(C)", color="#24292f", width=2.5))
    for b in range(len(labels)):
        sel = (bins == b) & ~excluded
        if not sel.any():
            continue
        n_rep = float(np.exp(np.mean(np.log(N_all[bins == b]))))
        c_line = np.geomspace(C_all[sel].min() / 1.3, C_all[sel].max() * 1.3, 40)
        fitted = law.predict(np.c_[np.full_like(c_line, n_rep), c_line / (6.0 * n_rep)], theta)
        traces.append(curve(c_line, fitted, f"fit at N = {_count(n_rep)}", color=colors[b], dash="dot", width=1.5,
                            group=labels[b], showlegend=False))
        text = [f"N = {_count(n)}, D = {d:.3g}" for n, d in zip(N_all[sel], D_all[sel])]
        traces.append(points(C_all[sel], L_all[sel], labels[b], color=colors[b], text=text, group=labels[b]))
    if excluded.any():
        text = [f"N = {_count(n)}, D = {d:.3g}" for n, d in zip(N_all[excluded], D_all[excluded])]
        traces.append(points(C_all[excluded], L_all[excluded], f"left out ({drop_highest} highest losses)", color=PALETTE[1],
                             held_out=True, text=text))
    return figure(
        "Loss against training compute, by model size",
        traces,
        x_title="training compute C = 6ND (FLOP)",
        y_title="final loss (nats/token)",
        shapes=[vrect(cut, float(C_all.max()) * 1.1)],
        height=500,
        caption=(
            "Each point is a run, coloured by model size; dotted lines are the fitted law at each size class's typical N "
            "as D grows. The black line is the compute-optimal frontier L*(C) of the fitted law with its bootstrap band. "
            "Open diamonds: runs left out of the fit. Shaded: the largest-compute runs the verdict is about."
        ),
    )


def _residual_figure(Nk, Ck, excess, top, cut, ex_mean, ex_low, ex_high, ci, N_all):
    bins, labels, colors = _size_bins(N_all)
    logn_edges = np.linspace(np.log10(N_all).min(), np.log10(N_all).max(), len(labels) + 1)
    kb = np.clip(np.searchsorted(logn_edges, np.log10(Nk), side="right") - 1, 0, len(labels) - 1)
    traces: list[dict[str, Any]] = []
    for b in range(len(labels)):
        sel = kb == b
        if sel.any():
            traces.append(points(Ck[sel], excess[sel], labels[b], color=colors[b], size=6, group=labels[b]))
    c_mid = float(np.exp(np.mean(np.log(Ck[top]))))
    traces.append(points(
        [c_mid], [ex_mean], f"mean of the largest runs ({100 * ci:g}% interval)", color=PALETTE[1], size=11,
        error_y={"type": "data", "symmetric": False, "array": [ex_high - ex_mean], "arrayminus": [ex_mean - ex_low],
                 "thickness": 2.5, "width": 8, "color": PALETTE[1]},
        marker={"size": 12, "symbol": "diamond", "color": PALETTE[1], "line": {"width": 1, "color": "white"}},
    ))
    return figure(
        "Residuals against compute",
        traces,
        x_title="training compute C (FLOP)",
        y_title="excess loss over the law (%)",
        y_log=False,
        shapes=[hline(0.0), vrect(cut, float(Ck.max()) * 1.1)],
        height=420,
        caption=(
            "Residuals of the fitted runs in percent of loss; above zero a run is worse than the law predicts. The diamond "
            "with error bars is the largest runs' mean excess and its interval (bootstrap parameters and resampled runs)."
        ),
    )


@analysis(KEY, question="pretraining", requires=(DATASET,), title="Chinchilla's law refitted to Hoffmann et al.'s runs")
def chinchilla_fit(ctx: Any) -> Finding:
    """Chinchilla's law refitted to Hoffmann et al.'s runs, with bootstrap intervals."""
    ds = ctx.dataset(DATASET)
    return chinchilla_fit_finding(
        ds.runs.runs, n_boot=ctx.pick(*CHINCHILLA_N_BOOT), seed=ctx.seed, source=ds.name, data_citation=ds.citation
    )
