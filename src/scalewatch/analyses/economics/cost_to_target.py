"""``test-time.cost_to_target``: dollars to reach a target coverage, a larger model sampled less or a smaller one sampled more."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalewatch import seeds
from scalewatch.analyses.economics._common import (
    _CITE_BROWN,
    _CITE_COTTIER,
    _CITE_JONES,
    _CITE_KAPLAN,
    _CITE_SARDANA,
    _HARDWARE,
    _LLMONKEYS,
    _MODELS,
    KEY_COST,
    _sci,
)
from scalewatch.analyses.economics.assumptions import Assumption, _as_assumption, _positive
from scalewatch.analyses.economics.costs import DEFAULTS, Hardware, hardware
from scalewatch.analyses.testtime import model_label
from scalewatch.analyses.testtime.exchange import exchange_rate
from scalewatch.findings import Decision, Finding, Number, Result, analysis
from scalewatch.findings.rules import decision_text, rule
from scalewatch.plots import band, curve, figure, sequential_colors, vline

__all__ = [
    "TOKENS_PER_SAMPLE",
    "CostToTarget",
    "cost_to_target",
    "cost_decision",
    "cost_verdict",
    "cost_to_target_finding",
    "cost_to_target_analysis",
]


#: tokens generated per sample of a MATH solution: not recorded by the llmonkeys data
TOKENS_PER_SAMPLE = Assumption(
    "tokens per sample", 256.0, 128.0, 512.0, "tokens",
    "assumption: generation lengths are not in the llmonkeys data; a MATH solution of a few hundred tokens",
)


@dataclass(frozen=True)
class CostToTarget(Result):
    """Two routes to a target coverage and their costs: sample the smallest model more, or train the largest and sample it less.

    Attributes
    ----------
    target : float
        Target coverage.
    demand : float
        Problems solved over the deployment (the reference demand).
    options : pandas.DataFrame
        Per model reaching the target within the data: ``model, params,
        k_star, train_flop, train_usd`` (+ ``_low``/``_high``),
        ``infer_flop`` (per problem), ``infer_usd`` (+ range), ``total_usd``
        at ``demand`` (+ range).
    test_route, pretrain_route : str
        The cheapest of the smaller models at ``demand`` (sampled more), and
        the largest model (trained most, sampled least).
    ratio : tuple of float
        Total cost of the largest model over the cheapest smaller one at
        ``demand``: (estimate, low, high); > 1 means sampling a smaller model
        more is cheaper.
    p_test_cheaper : float
        Share of draws in which some smaller model is cheaper at ``demand``.
    break_even : tuple of float
        Demand above which the largest model becomes the cheapest (estimate,
        low, high); ``inf`` when a smaller model is cheaper per problem, so
        the largest never wins.
    curves : dict
        ``demand`` grid and, per option, total cost with its range (figures).
    extrapolated : dict of str -> (estimate, low, high)
        Pretraining pushed along the fitted iso-coverage line
        (log10 k* against log10 training compute) until one sample reaches
        the target: ``train_flop``, ``params`` (at the family's training
        tokens), ``total_usd`` at ``demand`` and ``ratio`` (its total over the
        test-time route's). An extrapolation beyond the largest model.
    assumptions : tuple of Assumption
    ci : float
    n_draws : int
    notes : tuple of str
    """

    target: float
    demand: float
    options: Any = field(repr=False)
    test_route: str
    pretrain_route: str
    ratio: tuple[float, float, float]
    p_test_cheaper: float
    break_even: tuple[float, float, float]
    curves: Mapping[str, Any] = field(repr=False)
    extrapolated: Mapping[str, tuple[float, float, float]] = field(default_factory=dict)
    assumptions: tuple[Assumption, ...] = ()
    ci: float = 0.95
    n_draws: int = 0
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        from scalewatch.findings import json_safe

        return json_safe({
            "target": self.target, "demand": self.demand, "test_route": self.test_route, "pretrain_route": self.pretrain_route,
            "ratio": list(self.ratio), "p_test_cheaper": self.p_test_cheaper, "break_even": list(self.break_even),
            "options": self.options.to_dict(orient="records"), "assumptions": [a.to_dict() for a in self.assumptions],
            "ci": self.ci, "n_draws": self.n_draws, "notes": list(self.notes),
            "interval": "percentiles over paired problem resamples (k*) and the cost assumptions, draw by draw",
        })

    def report(self) -> str:
        e, lo, hi = self.ratio
        lines = [
            f"[[Cost to coverage {self.target:g}]] at {self.demand:.3g} problems",
            f"    test-time route   {self.test_route} (a smaller model, sampled more)",
            f"    pretraining route {self.pretrain_route} (the largest model, sampled least)",
            f"    cost ratio        pretraining / test-time = {e:.3g} [{lo:.3g}, {hi:.3g}]  (P(test-time cheaper) = {self.p_test_cheaper:.2f})",
            f"    largest wins from {self.break_even[0]:.3g} [{self.break_even[1]:.3g}, {self.break_even[2]:.3g}] problems (inf: never)",
        ]
        for r in self.options.itertuples():
            lines.append(f"    {r.model:<28} k* = {r.k_star:9.4g}  train {r.train_usd:10.4g} USD  per problem {r.infer_usd:.3g} USD")
        lines += [f"    note: {n}" for n in self.notes]
        return "\n".join(lines)


def cost_to_target(
    exchange: Any,
    target: float,
    *,
    demand: float = 1e9,
    tokens_per_sample: Any = None,
    mfu: Any = None,
    inference_mfu: Any = None,
    gpu_hour_price: Any = None,
    hardware_name: str | Hardware = "H100",
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> CostToTarget:
    r"""Dollars to reach a target coverage by sampling a small model more versus training a larger one.

    For each model of an :class:`~scalewatch.analyses.testtime.ExchangeRate`
    that reaches the target within the data (k* interpolated):

    .. math:: \text{total}(Q) = 6 N D \cdot \$_{\text{train}} + Q \cdot 2 N T k^* \cdot \$_{\text{inf}},
              \quad \$ = \frac{p}{3600\, R\, u}\ \text{per FLOP}

    with Q problems, T tokens per sample, price p per GPU-hour and utilisation
    u (training or inference). The pretraining route is the largest such
    model (most training, fewest samples); the test-time route the cheapest of
    the smaller ones at the given demand. Draws pair each problem resample's
    k* with a draw of the cost assumptions.

    Parameters
    ----------
    exchange : ExchangeRate
        From :func:`scalewatch.analyses.testtime.exchange_rate` with
        ``n_resamples > 0`` and ``target`` among its targets.
    target : float
        Target coverage.
    demand : float, default 1e9
        Problems solved over the deployment (Sardana et al. 2024 call ~1B
        requests "reasonably large").
    tokens_per_sample, mfu, inference_mfu, gpu_hour_price
        Assumptions (numbers, (low, value, high) or :class:`Assumption`);
        defaults :data:`TOKENS_PER_SAMPLE` and :data:`DEFAULTS`.
    hardware_name : str or Hardware, default "H100"
    ci : float, default 0.95
    seed : int, Generator or None, default 0

    Returns
    -------
    CostToTarget

    Raises
    ------
    ValueError
        Target not in ``exchange``, no resamples, fewer than two models reach
        the target within the data.
    """
    # Long by design: one estimation, checked inputs first, then each step on the previous step's arrays;
    # its parts share most of their local state, so helpers would take a dozen arguments each.
    import pandas as pd

    func = "cost_to_target"
    key = next((t for t in exchange.k_draws if math.isclose(t, target)), None)
    if key is None:
        raise ValueError(f"{func}(target={target!r}) is not a target of this exchange rate (with resamples); targets: {list(exchange.k_draws)}.")
    D_ = _positive(demand, "demand", func)
    hw = hardware(hardware_name)
    A = {
        "tokens_per_sample": _as_assumption(tokens_per_sample, TOKENS_PER_SAMPLE, func, "tokens_per_sample"),
        "mfu": _as_assumption(mfu, DEFAULTS["mfu"], func, "mfu"),
        "inference_mfu": _as_assumption(inference_mfu, DEFAULTS["inference_mfu"], func, "inference_mfu"),
        "gpu_hour_price": _as_assumption(gpu_hour_price, DEFAULTS["gpu_hour_price"], func, "gpu_hour_price"),
    }
    pts = exchange.points[np.isclose(exchange.points["target"], key)].reset_index(drop=True)
    order = [exchange.models.index(m) for m in pts["model"]]
    K = exchange.k_draws[key][:, order]  # (R, M) k* draws
    use = pts["interpolated"].to_numpy()
    if use.sum() < 2:
        raise ValueError(f"{func}: fewer than two models reach coverage {target:g} within the sampled k; choose a lower target.")
    pts, K = pts[use].reset_index(drop=True), K[:, use]
    R = K.shape[0]
    rng = seeds.rng(seed)
    d = {k: a.sample(R, rng) for k, a in A.items()}
    c = {k: a.value for k, a in A.items()}
    N = pts["params"].to_numpy(dtype=float)
    Ctr = pts["train_flop"].to_numpy(dtype=float)

    def costs(k_star, T, mfu, inf_mfu, price):
        usd_train = price / (3600.0 * hw.peak_flops * mfu)  # USD per training FLOP
        usd_inf = price / (3600.0 * hw.peak_flops * inf_mfu)
        train = Ctr * usd_train
        infer = 2.0 * N * T * k_star * usd_inf  # per problem
        return train, infer, 2.0 * N * T * k_star

    tr0, in0, fl0 = costs(pts["k_star"].to_numpy(dtype=float), c["tokens_per_sample"], c["mfu"], c["inference_mfu"], c["gpu_hour_price"])
    col = lambda v: np.asarray(v)[:, None]  # noqa: E731  (R,) -> (R, 1)
    trd, ind, _ = costs(K, col(d["tokens_per_sample"]), col(d["mfu"]), col(d["inference_mfu"]), col(d["gpu_hour_price"]))
    q = ((1 - ci) / 2, (1 + ci) / 2)
    tot0, totd = tr0 + D_ * in0, trd + D_ * ind
    l_i = int(np.argmax(N))  # the pretraining route: the largest model, fewest samples
    others = [i for i in range(len(N)) if i != l_i]
    s_i = others[int(np.argmin(tot0[others]))]  # the test-time route: the cheapest smaller model, more samples
    ratio_d = totd[:, l_i] / totd[:, others].min(axis=1)

    def break_even(tr: np.ndarray, inf_: np.ndarray) -> np.ndarray:
        """Demand above which the largest model is the cheapest; inf if some smaller model is cheaper per problem."""
        with np.errstate(divide="ignore", invalid="ignore"):
            be = np.where(inf_[..., others] > inf_[..., [l_i]], (tr[..., [l_i]] - tr[..., others]) / (inf_[..., others] - inf_[..., [l_i]]), np.inf)
        return np.max(np.maximum(be, 0.0), axis=-1)

    be0, be_d = float(break_even(tr0, in0)), break_even(trd, ind)
    options = pd.DataFrame({
        "model": pts["model"], "params": N, "k_star": pts["k_star"], "train_flop": Ctr,
        "train_usd": tr0, "train_usd_low": np.quantile(trd, q[0], axis=0), "train_usd_high": np.quantile(trd, q[1], axis=0),
        "infer_flop": fl0, "infer_usd": in0, "infer_usd_low": np.quantile(ind, q[0], axis=0), "infer_usd_high": np.quantile(ind, q[1], axis=0),
        "total_usd": tot0, "total_usd_low": np.quantile(totd, q[0], axis=0), "total_usd_high": np.quantile(totd, q[1], axis=0),
    })
    grid = np.geomspace(1.0, 1e13, 60)
    curves = {"demand": grid}
    for i, m in enumerate(pts["model"]):
        tg = trd[:, i, None] + grid[None, :] * ind[:, i, None]
        curves[m] = (tr0[i] + grid * in0[i], np.quantile(tg, q[0], axis=0), np.quantile(tg, q[1], axis=0))
    # -- pretraining pushed along the fitted iso-coverage line until k* = 1 (an extrapolation) --
    x = np.log10(Ctr)
    tokens_d = float(np.mean(Ctr / (6.0 * N)))  # the family's training tokens (C = 6ND)

    def one_sample(log_k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xm = x.mean()
        slope = ((log_k - log_k.mean(axis=-1, keepdims=True)) @ (x - xm)) / ((x - xm) @ (x - xm))
        icpt = log_k.mean(axis=-1) - slope * xm
        with np.errstate(divide="ignore", invalid="ignore"):
            c1 = np.where(slope < 0, 10.0 ** (-icpt / slope), np.inf)  # log10 k* = 0
        return c1, c1 / (6.0 * tokens_d)

    c1_0, n1_0 = one_sample(np.log10(pts["k_star"].to_numpy(dtype=float)))
    c1_d, n1_d = one_sample(np.log10(K))
    usd_tr0 = c["gpu_hour_price"] / (3600.0 * hw.peak_flops * c["mfu"])
    usd_in0 = c["gpu_hour_price"] / (3600.0 * hw.peak_flops * c["inference_mfu"])
    usd_trd = d["gpu_hour_price"] / (3600.0 * hw.peak_flops * d["mfu"])
    usd_ind = d["gpu_hour_price"] / (3600.0 * hw.peak_flops * d["inference_mfu"])
    tot1_0 = float(c1_0 * usd_tr0 + D_ * 2.0 * n1_0 * c["tokens_per_sample"] * usd_in0)
    tot1_d = c1_d * usd_trd + D_ * 2.0 * n1_d * d["tokens_per_sample"] * usd_ind
    best_d = totd[:, others].min(axis=1)

    def iv(est: float, draws: np.ndarray) -> tuple[float, float, float]:
        return float(est), float(np.quantile(draws, q[0], method="inverted_cdf")), float(np.quantile(draws, q[1], method="inverted_cdf"))

    extrap = {
        "train_flop": iv(float(c1_0), c1_d), "params": iv(float(n1_0), n1_d), "total_usd": iv(tot1_0, tot1_d),
        "ratio": iv(tot1_0 / float(tot0[s_i]), tot1_d / best_d),
    }
    notes = [
        "training cost is what each model's run would cost to buy now (for the existing Pythia models it is sunk)",
        "coverage assumes an oracle verifier; a learned verifier adds its own forward passes and levels off (test-time.selection)",
        f"per-FLOP prices: H100 on-demand price / (3600 s x {hw.peak_flops:.4g} FLOP/s x utilisation), training and inference utilisations apart",
    ]
    return CostToTarget(
        target=float(key), demand=D_, options=options, test_route=str(pts["model"].iloc[s_i]), pretrain_route=str(pts["model"].iloc[l_i]),
        ratio=(float(tot0[l_i] / tot0[s_i]), float(np.quantile(ratio_d, q[0])), float(np.quantile(ratio_d, q[1]))),
        p_test_cheaper=float(np.mean(ratio_d > 1.0)),
        # order statistics (no interpolation), so that 'never' (inf) draws stay inf
        break_even=(be0, float(np.quantile(be_d, q[0], method="inverted_cdf")), float(np.quantile(be_d, q[1], method="inverted_cdf"))),
        curves=curves, extrapolated=extrap, assumptions=tuple(A.values()), ci=float(ci), n_draws=int(R), notes=tuple(notes),
    )


def cost_decision(ratio: tuple[float, float, float]) -> Decision:
    """The written rule ``economics.cost_ratio`` on the cost of the largest model over the cheapest smaller one.

    The interval ``(estimate, low, high)`` (a ratio, x) is judged in log10 against parity (1x) with a margin of 0.1
    (x1.26): wholly above, "test-time cheaper"; wholly below, "pretraining cheaper"; inside, "depends"; wider than
    1.5 decades or straddling the margin, "inconclusive".

    Examples
    --------
    >>> [cost_decision(r).verdict for r in ((2.7, 2.0, 4.7), (0.5, 0.3, 0.7), (1.1, 0.8, 1.5), (1.0, 0.9, 1.1))]
    ['test-time cheaper', 'pretraining cheaper', 'inconclusive', 'depends']
    """
    _, lo, hi = ratio
    r = rule("economics.cost_ratio")
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= 0:
        return r.decide(None, None)
    return r.decide(math.log10(lo), math.log10(hi))


def cost_verdict(ratio: tuple[float, float, float]) -> tuple[str, str]:
    """``(verdict, reason)`` of :func:`cost_decision`.

    Examples
    --------
    >>> cost_verdict((2.7, 2.0, 4.7))[0], cost_verdict((0.5, 0.3, 0.7))[0], cost_verdict((1.0, 0.9, 1.1))[0]
    ('test-time cheaper', 'pretraining cheaper', 'depends')
    """
    d = cost_decision(ratio)
    return d.verdict, d.reason


def cost_to_target_finding(
    per_problem: Any,
    runs: Any,
    *,
    targets: Sequence[float] = (0.25, 0.5, 0.75),
    headline_target: float = 0.5,
    demand: float = 1e9,
    tokens_per_sample: Any = None,
    mfu: Any = None,
    inference_mfu: Any = None,
    gpu_hour_price: Any = None,
    n_resamples: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    source: str = _LLMONKEYS,
    data_citation: str | None = None,
) -> Finding:
    r"""Dollars to a target coverage by sampling more versus training larger, as a finding.

    Parameters
    ----------
    per_problem, runs : DataFrame
        As in :func:`scalewatch.analyses.testtime.exchange_finding`.
    targets : sequence of float
        Target coverages.
    headline_target : float, default 0.5
        The target of the verdict (one of ``targets``).
    demand : float, default 1e9
        Problems solved over the deployment.
    tokens_per_sample, mfu, inference_mfu, gpu_hour_price
        Cost assumptions (numbers, (low, value, high) or Assumption); see
        :func:`scalewatch.analyses.economics.cost_to_target`.
    n_resamples, ci, seed
        Paired problem resamples, level, seed.
    source, data_citation : str

    Returns
    -------
    Finding
        ``test-time.cost_to_target``.
    """
    # Long by design: one finding's numbers, figures, tables and text, written in the order the report shows them;
    # split further, one recipe would be scattered over helpers that each serve it once.
    if headline_target not in targets:
        raise ValueError(f"cost_to_target_finding(headline_target={headline_target!r}) must be one of targets={list(targets)}.")
    rng = np.random.default_rng(seed) if not isinstance(seed, np.random.Generator) else seed
    models = runs.rename(columns={"run_id": "model"}) if "run_id" in runs.columns else runs
    ex = exchange_rate(per_problem, models, targets=targets, n_resamples=n_resamples, ci=ci, seed=rng)
    results = {}
    notes = list(ex.notes)
    for t in targets:
        try:
            results[t] = cost_to_target(ex, t, demand=demand, tokens_per_sample=tokens_per_sample, mfu=mfu, inference_mfu=inference_mfu,
                                        gpu_hour_price=gpu_hour_price, ci=ci, seed=rng)
        except ValueError as exc:
            notes.append(f"coverage {t:g}: {exc}")
    if headline_target not in results:
        raise ValueError(f"cost_to_target_finding: coverage {headline_target:g} is reached by fewer than two models within the data.")
    head = results[headline_target]
    decision = cost_decision(head.ratio)
    shown, reason = decision.verdict, decision.reason
    numbers = []
    for t, r in results.items():
        e, lo, hi = r.ratio
        numbers.append(Number(
            f"cost of the largest model over a smaller one sampled more (coverage {t:g})", e, lo, hi, "x", ci,
            f"{model_label(r.pretrain_route)} vs {model_label(r.test_route)} at {_sci(demand)} problems, training plus inference; > 1: sampling the "
            "smaller model is cheaper; interval over problem resamples and the cost assumptions",
        ))
    for t, r in results.items():
        o = r.options.set_index("model")
        for m, role in ((r.test_route, "test-time route"), (r.pretrain_route, "pretraining route")):
            numbers.append(Number(
                f"USD per problem, {role} (coverage {t:g}, {model_label(m)})", float(o.loc[m, "infer_usd"]),
                float(o.loc[m, "infer_usd_low"]), float(o.loc[m, "infer_usd_high"]), "USD", ci,
                f"k* = {o.loc[m, 'k_star']:.0f} samples x 2 N T FLOP at an H100's inference price per FLOP",
            ))
    ex1 = head.extrapolated
    largest = head.options.set_index("model").loc[head.pretrain_route]
    numbers.append(Number(
        f"training compute for one sample to reach coverage {headline_target:g} (extrapolated)", *ex1["train_flop"], "FLOP", ci,
        f"the fitted iso-coverage line (log10 k* on log10 6ND) pushed to k* = 1: {math.log10(ex1['train_flop'][0] / largest['train_flop']):.1f} "
        f"decades beyond {model_label(head.pretrain_route)}, a {ex1['params'][0]:.2g}-parameter model at the family's 300B tokens; an extrapolation",
    ))
    numbers.append(Number(
        f"cost of that pretraining route over the test-time route (coverage {headline_target:g})", *ex1["ratio"], "x", ci,
        f"training plus {_sci(demand)} single-sample answers, over the cheapest smaller model sampled k* times",
    ))
    be = head.break_even
    numbers.append(Number(
        f"demand from which the largest model is cheapest (coverage {headline_target:g})", be[0] if math.isfinite(be[0]) else None,
        be[1] if math.isfinite(be[1]) and math.isfinite(be[2]) else None, be[2] if math.isfinite(be[1]) and math.isfinite(be[2]) else None,
        "problems", ci,
        "never: a smaller model is cheaper per problem, so more demand only widens its lead" if not math.isfinite(be[0])
        else "break-even of training cost against per-problem savings" + ("" if math.isfinite(be[2]) else "; in some draws never"),
    ))

    # figure: total cost against demand at the headline target
    colors = sequential_colors(len(head.options))
    traces: list[dict[str, Any]] = []
    grid = head.curves["demand"]
    for col, m in zip(colors, head.options["model"]):
        c0, lo, hi = head.curves[m]
        lab = model_label(m)
        traces += band(grid, lo, hi, f"{lab} range", color=col, opacity=0.10, group=lab, showlegend=False)
        k = float(head.options.set_index("model").loc[m, "k_star"])
        traces.append(curve(grid, c0, f"{lab} (k* = {k:,.0f})", color=col, group=lab, width=2.5 if m in (head.test_route, head.pretrain_route) else 1.5))
    fig = figure(
        f"Total cost to coverage {headline_target:g} on MATH against demand", traces,
        x_title="problems solved over the deployment", y_title="training + inference cost (USD, H100 on-demand)", shapes=[vline(demand)],
        height=480,
        caption=("Each line is one Pythia model: its training run (6ND FLOP at the training price per FLOP) plus the samples it needs per "
                 "problem (2 N T k* FLOP at the inference price per FLOP). Where lines cross, the cheaper route changes; the vertical line is "
                 "the reference demand. Bands: problem resamples and cost assumptions."),
    )
    table = []
    for t, r in results.items():
        for row in r.options.itertuples():
            table.append({"target": t, "model": model_label(row.model), "params": row.params, "k*": row.k_star, "train FLOP": row.train_flop,
                          "train USD": row.train_usd, "FLOP per problem": row.infer_flop, "USD per problem": row.infer_usd,
                          f"total USD at {_sci(demand)}": row.total_usd, "low": row.total_usd_low, "high": row.total_usd_high})
    assumptions = [a.to_dict() for a in head.assumptions]
    head_number = numbers[list(results).index(headline_target)]
    summary = (
        f"To reach coverage {headline_target:g} on these MATH problems (oracle verifier) {_sci(demand)} times, training and sampling "
        f"{model_label(head.pretrain_route)} costs {head_number.text()}x as much as sampling {model_label(head.test_route)} more: {reason.split('; ')[0]}, so {shown}."
    )
    method = (
        "Routes to a target coverage within the Pythia family (N total parameters, D = 300B tokens): every model that reaches the target within "
        "the sampled 10,000 samples per problem, with k* from its Brown-law fit (test-time.exchange_rate). Cost of a route at demand Q: "
        "6ND x training USD/FLOP + Q x 2 N T k* x inference USD/FLOP (Kaplan et al. 2020 FLOP counts), with USD/FLOP = H100 on-demand "
        "price / (3600 s x 9.894e14 FLOP/s x utilisation). Pretraining pushed further: the least-squares line of log10 k* on log10 "
        "training compute across those models, extended to k* = 1 (one sample reaches the target), at the family's 300B training tokens; "
        "an extrapolation, shown as such.\n\n"
        "Assumptions (central [range]): "
        + "; ".join(f"{a['name']} {a['value']:g}" + ("" if a["low"] is None else f" [{a['low']:.3g}, {a['high']:.3g}]") + f" {a['unit']} ({a['source']})"
                    for a in assumptions)
        + ".\n\n"
        f"Intervals: {ex.n_resamples} paired problem resamples (k* of every model refitted) paired draw by draw with draws of the assumptions "
        "(observed values resampled, others log-triangular); percentile intervals. They show how much the answer moves, not sampling error "
        "alone.\n\n"
        "Verdict at the headline target: the cost of the largest model over the cheapest smaller model, in log10, by the written "
        f"rule. {decision_text(decision)} Limits: coverage assumes an oracle "
        "verifier (a learned verifier costs its own forward passes and levels off, test-time.selection); 'pretraining' here means the existing "
        "larger Pythia models at fixed data, not a compute-optimal frontier run."
    )
    citations = (*((data_citation,) if data_citation else ()), _CITE_BROWN, _CITE_JONES, _CITE_KAPLAN, _CITE_COTTIER, _CITE_SARDANA)
    return Finding(
        key=KEY_COST, question="test-time", title="Dollars to a target score: sample more or train larger",
        verdict=shown, summary=summary, numbers=numbers, figures=[fig],
        tables=[("Routes per target coverage", table), ("Cost assumptions", assumptions)],
        method=method, data_sources=(source, f"{_HARDWARE} and {_MODELS} (default prices and utilisation, copied into the code)"),
        citations=citations, notes=[*notes, *head.notes],
        headline=f"cost of the largest model over a smaller one sampled more (coverage {headline_target:g})", rule=decision,
    )


@analysis(KEY_COST, question="test-time", requires=(_LLMONKEYS,), title="Dollars to a target score: sample more or train larger")
def cost_to_target_analysis(ctx: Any) -> Finding:
    """Dollars to a target coverage by sampling a smaller model more or training a larger one."""
    ds = ctx.dataset(_LLMONKEYS)
    return cost_to_target_finding(
        ds.tables["per_problem"], ds.runs.runs, n_resamples=ctx.pick(1000, 200), seed=ctx.seed, source=ds.name, data_citation=ds.citation
    )
