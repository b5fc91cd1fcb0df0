r"""``test-time.cost_per_point``: dollars for each further point of coverage, by sampling more or by training larger.

The o1 chart's argument is "linear gains for exponential cost". Here it is
in dollars, on the Pythia family's MATH coverage (llmonkeys data, Brown et
al. 2024 coverage law per model):

* **repeated sampling**: one model (default the largest, Pythia-12B) sampled
  :math:`k^*(c)` times per problem; the per-problem cost is
  :math:`2 N T k^*(c)` FLOP at the inference price per FLOP;
* **training a larger model**: a fixed budget of :math:`k_0` samples per
  problem and the training compute :math:`C(c)` whose model reaches coverage
  :math:`c` with them, read off the iso-coverage line of the family
  (:math:`\log_{10} k^*` against :math:`\log_{10} C` across the models that
  reach :math:`c` within the data), at the family's 300B training tokens;
  its cost is :math:`C(c)` at the training price per FLOP plus the
  :math:`k_0` samples of a model of :math:`N = C / 6D` parameters.

Both at a demand of :math:`Q` problems: the dollars of one further point of
coverage between neighbouring targets, as one curve per route with
intervals over paired problem resamples and the cost assumptions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalewatch import seeds
from scalewatch.analyses.economics._common import _CITE_BROWN, _CITE_JONES, _CITE_KAPLAN, _LLMONKEYS, _sci
from scalewatch.analyses.economics.assumptions import _as_assumption, _positive
from scalewatch.analyses.economics.cost_to_target import TOKENS_PER_SAMPLE
from scalewatch.analyses.economics.costs import DEFAULTS, hardware
from scalewatch.analyses.testtime import model_label
from scalewatch.analyses.testtime.exchange import exchange_rate
from scalewatch.findings import DecidedResult, Decision, Number, analysis
from scalewatch.findings.rules import decision_text, rule
from scalewatch.plots import PALETTE, band, curve, figure

__all__ = ["KEY_COST_PER_POINT", "COVERAGE_GRID", "MarginalPointCost", "marginal_point_cost", "marginal_point_decision",
           "cost_per_point_analysis"]

KEY_COST_PER_POINT = "test-time.cost_per_point"

#: targets of the coverage grid: their midpoints are 0.15, 0.20, ..., 0.80
COVERAGE_GRID: tuple[float, ...] = tuple(round(0.125 + 0.05 * i, 3) for i in range(15))


def marginal_point_decision(ratio: tuple[float, float, float]) -> Decision:
    """Rule ``economics.marginal_point_ratio`` on (training larger) / (sampling more) dollars per further point.

    Examples
    --------
    >>> marginal_point_decision((5.0, 2.0, 10.0)).verdict, marginal_point_decision((0.2, 0.1, 0.5)).verdict
    ('test-time cheaper', 'pretraining cheaper')
    """
    _, lo, hi = ratio
    r = rule("economics.marginal_point_ratio")
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= 0:
        return r.decide(None, None)
    return r.decide(math.log10(lo), math.log10(hi))


@dataclass(frozen=True)
class MarginalPointCost(DecidedResult):
    """Dollars per further point of coverage against coverage, sampling more vs training larger.

    Attributes
    ----------
    curves : DataFrame
        Per midpoint coverage: ``coverage, sampling_usd`` (+ ``_low``/``_high``), ``training_usd`` (+ range),
        ``train_flop`` (route B's training compute at the upper target), ``extrapolated`` (outside the training compute of the
        models on the iso-coverage lines).
    model : str
        The model sampled more.
    k_fixed : float
        Samples per problem of the training route.
    demand : float
    growth : dict route -> (estimate, low, high)
        Factor by which the dollars per point multiply per 10 points of coverage.
    ratio : tuple of float
        Training route over sampling route at the headline coverage.
    headline : float
    decision : Decision
    ci : float
    n_draws : int
    """

    FINDING_KEY = KEY_COST_PER_POINT
    QUESTION = "test-time"

    curves: Any = field(repr=False)
    model: str
    k_fixed: float
    demand: float
    growth: Mapping[str, tuple[float, float, float]]
    ratio: tuple[float, float, float]
    headline: float
    decision: Decision = field(repr=False)
    ci: float = 0.95
    n_draws: int = 0
    source: str = _LLMONKEYS
    data_citation: str = ""

    def _row(self, c: float) -> Any:
        cv = self.curves
        return cv.iloc[int(np.argmin(np.abs(cv["coverage"].to_numpy() - c)))]

    def numbers(self) -> list[Number]:
        lab = model_label(self.model)
        out = [Number(f"training larger over sampling more, dollars per further point at coverage {self.headline:g}", *self.ratio, "x", self.ci,
                      f"> 1: a further point costs more by training a larger model (sampled {self.k_fixed:g}x) than by sampling {lab} more; "
                      f"at {_sci(self.demand)} problems")]
        for c in (0.2, self.headline, 0.75):
            r = self._row(c)
            out.append(Number(f"USD per further point of coverage at {r.coverage:.2f}, sampling {lab} more", r.sampling_usd, r.sampling_usd_low,
                              r.sampling_usd_high, "USD", self.ci, f"{_sci(self.demand)} problems; interval over problem resamples and costs"))
            out.append(Number(f"USD per further point of coverage at {r.coverage:.2f}, training a larger model", r.training_usd, r.training_usd_low,
                              r.training_usd_high, "USD", self.ci,
                              f"training compute {r.train_flop:.2g} FLOP" + (" (outside the models of the iso-coverage lines: an extrapolation)"
                                                                               if r.extrapolated else "")))
        for route, g in self.growth.items():
            out.append(Number(f"growth of the dollars per point per 10 points of coverage, {route}", *g, "x", self.ci,
                              "least squares of log10 USD per point on coverage over the grid, x 10 points"))
        return out

    def figures(self) -> list[Any]:
        cv = self.curves
        x = cv["coverage"].to_numpy()
        lab = model_label(self.model)
        traces = [
            *band(x, cv["sampling_usd_low"], cv["sampling_usd_high"], "sampling more, interval", color=PALETTE[0], showlegend=False),
            curve(x, cv["sampling_usd"], f"sampling {lab} more", color=PALETTE[0]),
            *band(x, cv["training_usd_low"], cv["training_usd_high"], "training larger, interval", color=PALETTE[1], showlegend=False),
            curve(x, cv["training_usd"], f"training a larger model ({self.k_fixed:g} samples)", color=PALETTE[1]),
        ]
        return [figure(f"Dollars per further point of MATH coverage ({_sci(self.demand)} problems)", traces, x_title="coverage (oracle verifier)",
                       y_title="USD per further point of coverage", x_log=False, height=460,
                       caption="Each curve: the cost of going one point of coverage higher, between neighbouring targets 5 points apart. "
                               "A straight line on this log axis is 'linear gains for exponential cost'. Bands: problem resamples and cost assumptions.")]

    def sentence(self) -> str:
        r = self._row(self.headline)
        gs, gt = self.growth["sampling more"], self.growth["training larger"]
        return (f"At coverage {r.coverage:.2f} one more point costs {r.sampling_usd:.3g} USD by sampling {model_label(self.model)} more and "
                f"{r.training_usd:.3g} USD by training larger ({self.ratio[0]:.2g}x [{self.ratio[1]:.2g}, {self.ratio[2]:.2g}]), and the price "
                f"of a point multiplies by {gs[0]:.2g}x and {gt[0]:.2g}x per 10 points: exponential cost for linear gains on both routes.")

    def method(self) -> str:
        return (
            f"Coverage law c = exp(-a k^-b) per Pythia model on 128 MATH problems (Brown et al. 2024, test-time.exchange_rate), k*(c) on the "
            f"grid {COVERAGE_GRID[0]:g} to {COVERAGE_GRID[-1]:g} in steps of 0.05. Sampling route: {model_label(self.model)}, per-problem cost "
            f"2 N T k*(c) FLOP at the inference price per FLOP; dollars per further point = demand x (cost(c + 0.025) - cost(c - 0.025)) / 5. "
            f"Training route: the least-squares iso-coverage line log10 k* on log10 6ND across the models reaching c within the data, solved for "
            f"k* = {self.k_fixed:g}: training compute C(c), model N = C / (6 x 300B tokens), cost C x training USD/FLOP + demand x 2 N T "
            f"{self.k_fixed:g} x inference USD/FLOP; the same difference. Training sunk for the sampled model; training cost counted for the "
            f"larger one (it is the purchase). Prices per FLOP: H100 on-demand price / (3600 s x peak x utilisation), as test-time.cost_to_target. "
            f"Intervals: {self.n_draws} paired problem resamples (k* of every model at every target from the same resample) with draws of the "
            f"cost assumptions; percentile intervals. {decision_text(self.decision)}"
        )

    def finding_parts(self) -> Mapping[str, Any]:
        return {
            "title": "Dollars per further point of accuracy: sampling more or training larger",
            "tables": [("Dollars per further point of coverage", self.curves.round(6))],
            "data_sources": (self.source, "epoch-ml-hardware and epoch-ai-models (default prices and utilisation, copied into the code)"),
            "citations": (*((self.data_citation,) if self.data_citation else ()), _CITE_BROWN, _CITE_JONES, _CITE_KAPLAN),
            "notes": ["coverage assumes an oracle verifier (test-time.selection shows what a learned one selects)",
                      "the iso-coverage lines use the models that reach every target of the grid within the data (Pythia-2.8B to 12B); "
                      "where the training compute for the fixed samples lies outside theirs, the training route extrapolates (column extrapolated)"],
            "headline": f"training larger over sampling more, dollars per further point at coverage {self.headline:g}",
            "rule": self.decision,
        }


def marginal_point_cost(
    exchange: Any,
    *,
    model: str | None = None,
    k_fixed: float = 100.0,
    demand: float = 1e9,
    headline: float = 0.5,
    min_models: int = 3,
    tokens_per_sample: Any = None,
    mfu: Any = None,
    inference_mfu: Any = None,
    gpu_hour_price: Any = None,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    source: str = _LLMONKEYS,
    data_citation: str = "",
) -> MarginalPointCost:
    r"""Dollars per further point of coverage, by sampling one model more or training a larger one.

    Parameters
    ----------
    exchange : ExchangeRate
        From :func:`scalewatch.analyses.testtime.exchange_rate` on a grid of targets (e.g.
        :data:`COVERAGE_GRID`) with ``n_resamples > 0``.
    model : str, optional
        The model sampled more (default the largest).
    k_fixed : float, default 100
        Samples per problem of the training route.
    demand : float, default 1e9
        Problems solved.
    headline : float, default 0.5
        Coverage of the verdict (the nearest midpoint).
    min_models : int, default 3
        Fewest models on every iso-coverage line; the grid stops at the first target fewer reach within the data.
    tokens_per_sample, mfu, inference_mfu, gpu_hour_price
        Cost assumptions as in :func:`~scalewatch.analyses.economics.cost_to_target`.
    ci : float, default 0.95
    seed : int, Generator or None, default 0

    Returns
    -------
    MarginalPointCost

    Raises
    ------
    ValueError
        Fewer than three targets where the sampled model and two models reach the target within the data.
    """
    import pandas as pd

    func = "marginal_point_cost"
    Q = _positive(demand, "demand", func)
    k0 = _positive(k_fixed, "k_fixed", func)
    hw = hardware("H100")
    A = {
        "tokens_per_sample": _as_assumption(tokens_per_sample, TOKENS_PER_SAMPLE, func, "tokens_per_sample"),
        "mfu": _as_assumption(mfu, DEFAULTS["mfu"], func, "mfu"),
        "inference_mfu": _as_assumption(inference_mfu, DEFAULTS["inference_mfu"], func, "inference_mfu"),
        "gpu_hour_price": _as_assumption(gpu_hour_price, DEFAULTS["gpu_hour_price"], func, "gpu_hour_price"),
    }
    pts = exchange.points
    first = pts[np.isclose(pts["target"], pts["target"].iloc[0])].set_index("model")
    names = list(exchange.models)
    N = first.loc[names, "params"].to_numpy(dtype=float)
    C = first.loc[names, "train_flop"].to_numpy(dtype=float)
    m = names[int(np.argmax(N))] if model is None else model
    if m not in names:
        raise ValueError(f"{func}(model={model!r}) is not a model of the exchange rate; models: {names}.")
    mi = names.index(m)
    D = float(np.mean(C / (6.0 * N)))  # the family's training tokens
    targets = sorted(t for t in exchange.k_draws)
    # one set of models for every iso-coverage line (those reaching every kept target within the data), so that
    # differences between neighbouring targets do not jump when a small model drops out
    keep, K0, KD = [], [], []
    common = np.ones(len(names), dtype=bool)
    for t in targets:
        p = pts[np.isclose(pts["target"], t)].set_index("model").loc[names]
        ok = common & p["interpolated"].to_numpy(dtype=bool)
        if not ok[mi] or ok.sum() < min_models:
            break
        common = ok
        keep.append(t)
        K0.append(p["k_star"].to_numpy(dtype=float))
        KD.append(exchange.k_draws[t])
    if len(keep) < 3:
        raise ValueError(f"{func}: only {len(keep)} targets are reached within the data by {m} and {min_models - 1} other models; "
                         "give a finer or lower grid, or a smaller min_models.")
    tg = np.asarray(keep)
    K0a = np.stack(K0)  # (T, M)
    KDa = np.stack(KD, axis=1)  # (R, T, M)
    OK = np.broadcast_to(common, K0a.shape)  # (T, M)
    R = KDa.shape[0]
    rng = seeds.rng(seed)
    d = {k: a.sample(R, rng)[:, None] for k, a in A.items()}
    c0 = {k: a.value for k, a in A.items()}
    x = np.log10(C)

    def routes(K: np.ndarray, T: Any, mfu: Any, imfu: Any, price: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per target: sampling cost per problem, training-route total at demand, training compute. K: (..., T, M)."""
        usd_tr = price / (3600.0 * hw.peak_flops * mfu)
        usd_in = price / (3600.0 * hw.peak_flops * imfu)
        samp = 2.0 * N[mi] * T * K[..., mi] * usd_in
        lk = np.log10(K)
        w = OK.astype(float)  # only models reaching the target within the data
        n_w = w.sum(axis=-1)
        xm = (w * x).sum(axis=-1) / n_w
        ym = (w * lk).sum(axis=-1) / n_w
        sxy = (w * (x - xm[..., None]) * (lk - ym[..., None])).sum(axis=-1)
        sxx = (w * (x - xm[..., None]) ** 2).sum(axis=-1)
        slope = sxy / sxx
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            logc = np.where(slope < 0, xm + (math.log10(k0) - ym) / slope, np.inf)
            Cb = 10.0**logc
        train = Cb * usd_tr + Q * 2.0 * (Cb / (6.0 * D)) * T * k0 * usd_in
        return samp, train, Cb

    s0, t0, cb0 = routes(K0a, c0["tokens_per_sample"], c0["mfu"], c0["inference_mfu"], c0["gpu_hour_price"])
    sd, td, _ = routes(KDa, d["tokens_per_sample"], d["mfu"], d["inference_mfu"], d["gpu_hour_price"])
    pts_per_step = 100.0 * np.diff(tg)
    ms0, mt0 = Q * np.diff(s0) / pts_per_step, np.diff(t0) / pts_per_step
    msd = Q * np.diff(sd, axis=-1) / pts_per_step
    with np.errstate(invalid="ignore"):
        mtd = np.diff(td, axis=-1) / pts_per_step
    mtd = np.where(np.isnan(mtd), np.inf, mtd)  # a draw whose iso-coverage line does not fall never reaches the target: inf
    q = ((1 - ci) / 2, (1 + ci) / 2)
    mid = (tg[1:] + tg[:-1]) / 2

    def qs(a: np.ndarray, level: float) -> np.ndarray:
        return np.quantile(a, level, axis=0, method="inverted_cdf")  # order statistics: inf draws stay inf

    curves = pd.DataFrame({
        "coverage": mid, "sampling_usd": ms0, "sampling_usd_low": qs(msd, q[0]), "sampling_usd_high": qs(msd, q[1]),
        "training_usd": mt0, "training_usd_low": qs(mtd, q[0]), "training_usd_high": qs(mtd, q[1]),
        "train_flop": cb0[1:], "extrapolated": (cb0[1:] > C[common].max()) | (cb0[1:] < C[common].min()),
    })
    h = int(np.argmin(np.abs(mid - headline)))
    rd = mtd[:, h] / msd[:, h]
    ratio = (float(mt0[h] / ms0[h]), float(np.quantile(rd, q[0], method="inverted_cdf")), float(np.quantile(rd, q[1], method="inverted_cdf")))

    def growth(est: np.ndarray, draws: np.ndarray) -> tuple[float, float, float]:
        pos = est > 0
        xs = 100.0 * mid[pos]

        def slope(y: np.ndarray) -> np.ndarray:
            """Least-squares slope of log10 y on coverage points; NaN for a draw with a non-positive difference."""
            with np.errstate(divide="ignore", invalid="ignore"):
                ly = np.log10(np.where((y > 0) & np.isfinite(y), y, np.nan))
            xm = xs.mean()
            return ((xs - xm) * (ly - ly.mean(axis=-1, keepdims=True))).sum(axis=-1) / ((xs - xm) @ (xs - xm))

        b0 = float(slope(est[pos]))
        bd = slope(draws[:, pos])
        bd = bd[np.isfinite(bd)]
        return 10 ** (10 * b0), float(10 ** (10 * np.quantile(bd, q[0]))), float(10 ** (10 * np.quantile(bd, q[1])))

    return MarginalPointCost(
        curves=curves, model=m, k_fixed=k0, demand=Q, growth={"sampling more": growth(ms0, msd), "training larger": growth(mt0, mtd)},
        ratio=ratio, headline=float(mid[h]), decision=marginal_point_decision(ratio), ci=float(ci), n_draws=int(R), source=source,
        data_citation=data_citation,
    )


@analysis(KEY_COST_PER_POINT, question="test-time", requires=(_LLMONKEYS,), title="Dollars per further point of accuracy: sampling more or training larger")
def cost_per_point_analysis(ctx: Any) -> Any:
    """Dollars for each further point of MATH coverage, sampling more vs training a larger model."""
    ds = ctx.dataset(_LLMONKEYS)
    runs = ds.runs.runs.rename(columns={"run_id": "model"}) if "run_id" in ds.runs.runs.columns else ds.runs.runs
    ex = exchange_rate(ds.tables["per_problem"], runs, targets=COVERAGE_GRID, n_resamples=ctx.pick(1000, 200), seed=ctx.seed)
    return marginal_point_cost(ex, seed=ctx.seed, source=ds.name, data_citation=ds.citation or "").to_finding()

