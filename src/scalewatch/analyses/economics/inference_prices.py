r"""``test-time.inference_prices``: how fast the cheapest price at a fixed score falls, Epoch's fits reproduced.

Epoch AI (Cottier et al. 2025) fit, for each benchmark and score threshold
(the score of a reference model such as GPT-4), the yearly factor by which the
cheapest model scoring at least the threshold got cheaper. This module redoes
those fits from their raw price and score table (``epoch-llm-inference-prices``
table ``prices``), shows ours next to theirs (table ``results``) and tests the
debate's claim that inference prices "fell by almost three orders of magnitude
in less than two years" at fixed capability against the spread over
benchmarks and thresholds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalewatch import seeds
from scalewatch.analyses.economics._common import _PRICES
from scalewatch.findings import DecidedResult, Decision, Number, analysis
from scalewatch.findings.rules import decision_text, rule
from scalewatch.plots import PALETTE, error_bars, figure, hline, points

__all__ = [
    "KEY_PRICES",
    "BENCH_COLUMNS",
    "REASONING_MODELS",
    "cheapest_frontier",
    "PriceTrend",
    "price_trend",
    "InferencePriceTrends",
    "inference_price_trends",
    "price_claim_decision",
    "inference_prices_analysis",
]

KEY_PRICES = "test-time.inference_prices"

_CITE_EPOCH = (
    "Cottier et al. (2025), 'LLM inference prices have fallen rapidly but unequally across tasks', Epoch AI data insight, "
    "https://epoch.ai/data-insights/llm-inference-price-trends (fits: results/default/lowest_price_models_above_previous_frontier, "
    "epoch-research/llm-benchmark-efficiency @ 34b92331)"
)

#: benchmark name in Epoch's results -> score column of the ``prices`` table
BENCH_COLUMNS: Mapping[str, str] = {
    "MMLU": "mmlu",
    "GPQA Diamond": "gpqa_diamond",
    "MATH-500": "math_500",
    "MATH 5": "math_5",
    "HumanEval": "humaneval",
    "LMSys Chatbot Arena ELO": "lmsys_chatbot_arena_elo",
}

#: reasoning models of the price table; Epoch's fits leave them out (inferred: with o1-mini kept, two of
#: the 21 fits take a model that Epoch's fit_data does not list; without the five, all 21 model lists match)
REASONING_MODELS: tuple[str, ...] = ("o1-preview", "o1-mini", "o1", "o3-mini", "DeepSeek-R1")

#: the claim tested: "fell by almost three orders of magnitude in less than two years"
CLAIM_OOM, CLAIM_YEARS = 3.0, 2.0

_DAYS_PER_YEAR = 365.0  # Epoch's fits: days / 365 (365.25 moves the factors by ~0.2%)


def cheapest_frontier(prices: Any, bench: str, threshold: float, start: Any, *, exclude: Sequence[str] = REASONING_MODELS) -> Any:
    """The models that were the cheapest yet among those scoring at least ``threshold`` on ``bench``.

    Rule (inferred from Epoch's ``fit_data`` and checked against it): candidates are the rows of
    ``prices`` with a score >= ``threshold`` released on or after ``start`` (the reference model's
    release), reasoning models excluded; in order of release date (the cheaper first within a day),
    a row enters when its price is strictly below every earlier entrant's. A price cut of an existing
    model is its own row (GPT-3's $60 -> $20 of 2022-09-01).

    Parameters
    ----------
    prices : DataFrame
        The ``prices`` table of ``epoch-llm-inference-prices``.
    bench : str
        A key of :data:`BENCH_COLUMNS`.
    threshold : float
        Score threshold (percent, or Elo for the arena).
    start : date-like
        First release date considered.
    exclude : sequence of str
        Model names left out (default :data:`REASONING_MODELS`).

    Returns
    -------
    DataFrame
        ``model, release_date, usd_per_mtok, score`` of the entrants, in date order.

    Raises
    ------
    ValueError
        Unknown ``bench``.
    """
    import pandas as pd

    if bench not in BENCH_COLUMNS:
        raise ValueError(f"cheapest_frontier(bench={bench!r}) is not known; allowed: {list(BENCH_COLUMNS)}.")
    col = BENCH_COLUMNS[bench]
    d = prices[prices[col].notna() & (prices[col] >= threshold) & (prices["release_date"] >= pd.Timestamp(start))
               & ~prices["model"].isin(list(exclude))]
    d = d.sort_values(["release_date", "usd_per_mtok"], kind="stable")
    p = d["usd_per_mtok"].to_numpy(dtype=float)
    prev = np.minimum.accumulate(np.r_[np.inf, p[:-1]])
    keep = d[p < prev]
    return pd.DataFrame({"model": keep["model"].astype(str).to_numpy(), "release_date": keep["release_date"].to_numpy(),
                         "usd_per_mtok": keep["usd_per_mtok"].to_numpy(dtype=float), "score": keep[col].to_numpy(dtype=float)})


@dataclass(frozen=True)
class PriceTrend:
    """One log-linear fit of the cheapest price at a score threshold on the date.

    Attributes
    ----------
    bench, threshold_model : str
    threshold : float
    n : int
        Models in the fit.
    slope, stderr : float
        OLS slope of ln(USD per M tokens) on years, and its standard error.
    factor, factor_low, factor_high : float
        Yearly price-fall factor exp(-slope) and its t-interval at level ``ci``.
    r_squared : float
    ci : float
    models : tuple of str
    """

    bench: str
    threshold_model: str
    threshold: float
    n: int
    slope: float
    stderr: float
    factor: float
    factor_low: float
    factor_high: float
    r_squared: float
    ci: float
    models: tuple[str, ...]

    @property
    def oom_over_claim(self) -> tuple[float, float, float]:
        """Orders of magnitude of price fall over the claim's two years: (estimate, low, high)."""
        f = CLAIM_YEARS
        return f * math.log10(self.factor), f * math.log10(self.factor_low), f * math.log10(self.factor_high)


def price_trend(frontier: Any, *, bench: str = "", threshold_model: str = "", threshold: float = float("nan"), ci: float = 0.90) -> PriceTrend:
    r"""Least-squares fit of the log price on the date; the yearly fall factor with its t-interval.

    .. math:: \ln p_i = a + b\, t_i + \varepsilon_i, \qquad \text{factor} = e^{-b},
              \quad [e^{-(b + t_{n-2} s_b)},\ e^{-(b - t_{n-2} s_b)}]

    with :math:`t_i` in years (days / 365) and :math:`t_{n-2}` the Student quantile at ``(1 + ci) / 2``,
    as Epoch's fits (their ``price_reduction_factor_per_year_90_ci``).

    Parameters
    ----------
    frontier : DataFrame
        From :func:`cheapest_frontier` (``release_date``, ``usd_per_mtok``, ``model``).
    bench, threshold_model, threshold : labels carried into the result.
    ci : float, default 0.90

    Returns
    -------
    PriceTrend

    Raises
    ------
    ValueError
        Fewer than 3 models (no interval).
    """
    from scipy import stats

    n = len(frontier)
    if n < 3:
        raise ValueError(f"price_trend({bench} >= {threshold_model}): {n} models on the cheapest frontier; a t-interval needs at least 3.")
    t = (frontier["release_date"] - frontier["release_date"].min()).dt.days.to_numpy(dtype=float) / _DAYS_PER_YEAR
    y = np.log(frontier["usd_per_mtok"].to_numpy(dtype=float))
    tm = t.mean()
    sxx = float((t - tm) @ (t - tm))
    b = float((t - tm) @ (y - y.mean()) / sxx)
    resid = y - y.mean() - b * (t - tm)
    se = math.sqrt(float(resid @ resid) / (n - 2) / sxx)
    tq = float(stats.t.ppf((1 + ci) / 2, n - 2))
    r2 = 1.0 - float(resid @ resid) / float((y - y.mean()) @ (y - y.mean()))
    return PriceTrend(bench, threshold_model, float(threshold), n, b, se, math.exp(-b), math.exp(-(b + tq * se)), math.exp(-(b - tq * se)),
                      r2, float(ci), tuple(frontier["model"]))


def price_claim_decision(median_oom: tuple[float, float, float]) -> Decision:
    """Rule ``economics.price_fall_two_years`` on the median two-year fall across benchmark-threshold pairs.

    Examples
    --------
    >>> price_claim_decision((3.1, 2.7, 3.4)).verdict, price_claim_decision((1.5, 1.0, 2.0)).verdict
    ('holds', 'falls short of the law')
    """
    _, lo, hi = median_oom
    r = rule("economics.price_fall_two_years")
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return r.decide(None, None)
    return r.decide(lo, hi)


@dataclass(frozen=True)
class InferencePriceTrends(DecidedResult):
    """Epoch's per-benchmark price-decline fits, ours beside theirs, and the three-orders claim tested.

    Attributes
    ----------
    table : DataFrame
        Per benchmark-threshold pair: ours (factor, low, high, n, r2) and Epoch's, ``same_models``
        (our entrants equal Epoch's ``fit_data``), ``ours_in_their_ci``, ``oom_2yr`` (+ low/high).
    median_oom : tuple of float
        Median over pairs of the two-year fall in orders of magnitude (estimate, low, high); the
        interval draws each pair's slope from its t-distribution and resamples pairs.
    share_claim, share_claim_sure, share_claim_refuted : float
        Shares of pairs whose two-year factor is >= 1000 (point), whose lower end is, and whose upper end is not.
    share_claim_interval : tuple of float
        Interval of ``share_claim`` over the same draws as ``median_oom``.
    with_reasoning : DataFrame
        The pairs whose fit changes when reasoning models are kept.
    decision : Decision
    ci, n_resamples : float, int
    """

    FINDING_KEY = KEY_PRICES
    QUESTION = "test-time"

    table: Any = field(repr=False)
    median_oom: tuple[float, float, float]
    share_claim: float
    share_claim_interval: tuple[float, float]
    share_claim_sure: float
    share_claim_refuted: float
    with_reasoning: Any = field(repr=False)
    decision: Decision = field(repr=False)
    ci: float = 0.90
    n_resamples: int = 0
    source: str = _PRICES
    data_citation: str = ""

    @property
    def n_pairs(self) -> int:
        return len(self.table)

    @property
    def n_within(self) -> int:
        return int(self.table["ours_in_their_ci"].sum())

    def numbers(self) -> list[Number]:
        t = self.table
        e, lo, hi = self.median_oom
        k = self.n_pairs
        out = [
            Number("median two-year price fall at fixed score, over benchmark-threshold pairs (ours)", e, lo, hi, "orders of magnitude", self.ci,
                   f"{k} pairs of Epoch's design refitted from the raw prices; 2 x log10 of the yearly factor; interval: each pair's slope "
                   "drawn from its t-distribution, pairs resampled"),
            Number("pairs whose two-year fall reaches 1000x (ours)", 100 * self.share_claim, 100 * self.share_claim_interval[0],
                   100 * self.share_claim_interval[1], "%", self.ci,
                   f"{round(self.share_claim * k)} of {k}: yearly factor >= 31.6; interval over the draws of the median's interval"),
            Number("pairs whose two-year fall reaches 1000x over their whole 90% interval (ours)", 100 * self.share_claim_sure, unit="%", ci=None,
                   note=f"{round(self.share_claim_sure * k)} of {k}: lower end of the yearly factor >= 31.6"),
            Number("pairs whose two-year fall stays below 1000x over their whole 90% interval (ours)", 100 * self.share_claim_refuted, unit="%",
                   ci=None, note=f"{round(self.share_claim_refuted * k)} of {k}: upper end of the yearly factor < 31.6"),
            Number("our fits inside Epoch's published 90% intervals", float(self.n_within), unit="pairs", ci=None,
                   note=f"of {k}; {int(t['same_models'].sum())} of {k} with exactly Epoch's models"),
            Number("smallest yearly price-fall factor (ours)", float(t["factor"].min()), unit="x/yr", ci=None,
                   note=f"{t.loc[t['factor'].idxmin(), 'bench']} >= {t.loc[t['factor'].idxmin(), 'threshold_model']}"),
            Number("largest yearly price-fall factor (ours)", float(t["factor"].max()), unit="x/yr", ci=None,
                   note=f"{t.loc[t['factor'].idxmax(), 'bench']} >= {t.loc[t['factor'].idxmax(), 'threshold_model']}"),
        ]
        for r in t.itertuples():
            out.append(Number(f"yearly price-fall factor, {r.bench} >= {r.threshold_model} (ours)", r.factor, r.factor_low, r.factor_high, "x/yr",
                              self.ci, f"{r.n} models; Epoch published {r.epoch_factor:.3g} [{r.epoch_low:.3g}, {r.epoch_high:.3g}] (90% CI)"))
            out.append(Number(f"yearly price-fall factor, {r.bench} >= {r.threshold_model} (published)", r.epoch_factor, r.epoch_low, r.epoch_high,
                              "x/yr", 0.90, "Epoch AI, lowest_price_models_results.csv (the data insight's fits)"))
        return out

    def figures(self) -> list[Any]:
        t = self.table.reset_index(drop=True)
        lab = [f"{b} >= {m}" for b, m in zip(t["bench"], t["threshold_model"])]
        x = np.arange(len(t), dtype=float)
        ours = points(x - 0.12, t["factor"], "ours (90% t-interval)", color=PALETTE[0], text=lab,
                      error_y=error_bars(t["factor"], t["factor_low"], t["factor_high"]))
        theirs = points(x + 0.12, t["epoch_factor"], "Epoch, published (90% CI)", color=PALETTE[1], text=lab, held_out=True,
                        error_y=error_bars(t["epoch_factor"], t["epoch_low"], t["epoch_high"]))
        claim = 10 ** (CLAIM_OOM / CLAIM_YEARS)
        return [figure(
            "Yearly fall of the cheapest price at a fixed score: ours and Epoch's", [ours, theirs],
            x_title="benchmark >= threshold model (index; hover for names)", y_title="price-fall factor per year", x_log=False,
            shapes=[hline(claim)], height=460,
            caption=(f"Each pair: the cheapest model scoring at least the reference model's score, fitted log-linearly on the date. "
                     f"The dashed line is {claim:.1f}x per year, the pace of 'three orders of magnitude in two years'."),
        )]

    def sentence(self) -> str:
        e, lo, hi = self.median_oom
        k = self.n_pairs
        return (
            f"Our refits of Epoch's {k} price trends fall inside their 90% intervals for {self.n_within} of {k}; the median pair falls "
            f"{e:.1f} [{lo:.1f}, {hi:.1f}] orders of magnitude in two years and {round(self.share_claim * k)} of {k} reach 1000x "
            f"({round(self.share_claim_sure * k)} over their whole interval, {round(self.share_claim_refuted * k)} stay below), so "
            f"'almost three orders in under two years' is {self.verdict}."
        )

    def method(self) -> str:
        return (
            "Data: Epoch AI's price list (USD per million tokens, one blended price per model or price change; the list prices in it equal "
            "3/4 input + 1/4 output, e.g. GPT-4 $37.5 from $30/$60) with benchmark scores from Artificial Analysis and Epoch. For each of "
            "Epoch's benchmark-threshold pairs (threshold = a reference model's score, from its release date): the models that were the "
            "cheapest yet among those at or above the threshold (cheapest_frontier; rule inferred from Epoch's fit_data and checked "
            "model by model; reasoning models left out as Epoch's lists imply), least squares of ln price on years (days/365), yearly factor "
            "exp(-slope) with a 90% Student-t interval, as Epoch's. Claim: two-year fall = 2 log10(factor) orders of magnitude; its median "
            f"over pairs with a {self.n_resamples}-draw interval (each pair's slope from its t-distribution, pairs resampled with "
            "replacement). Pairs share models (MATH-500 and MATH level 5 above GPT-4o have the same four), so the interval is optimistic. "
            f"{decision_text(self.decision)}"
        )

    def finding_parts(self) -> Mapping[str, Any]:
        t = self.table
        rows = [{"benchmark": r.bench, "threshold model": r.threshold_model, "threshold": r.threshold, "models (ours)": r.n,
                 "factor/yr (ours)": round(r.factor, 3), "low": round(r.factor_low, 3), "high": round(r.factor_high, 3),
                 "factor/yr (Epoch)": round(r.epoch_factor, 3), "Epoch low": round(r.epoch_low, 3), "Epoch high": round(r.epoch_high, 3),
                 "same models": bool(r.same_models), "ours in Epoch's CI": bool(r.ours_in_their_ci),
                 "OOM in 2 yr (ours)": round(r.oom_2yr, 2)} for r in t.itertuples()]
        notes = ["pairs are not independent: they share the cheap models of 2024 (Gemini 1.5 Flash, Phi 4, Llama 3.1 8B)",
                 "prices are list prices as blended by Epoch (3:1 input:output); reasoning tokens and output length per task are not in them"]
        for r in self.with_reasoning.itertuples():
            notes.append(f"with reasoning models kept, {r.bench} >= {r.threshold_model} takes {r.added} and gives {r.factor:.3g} "
                         f"[{r.factor_low:.3g}, {r.factor_high:.3g}] x/yr")
        return {
            "title": "Inference prices at fixed capability: Epoch's fits reproduced, and the 1000x claim",
            "tables": [("Price-fall factors per benchmark and threshold: ours and Epoch's", rows)],
            "data_sources": (self.source,),
            "citations": (*((self.data_citation,) if self.data_citation else ()), _CITE_EPOCH),
            "notes": notes,
            "headline": "median two-year price fall at fixed score, over benchmark-threshold pairs (ours)",
            "rule": self.decision,
        }


def inference_price_trends(
    ds: Any = None, *, ci: float = 0.90, n_resamples: int = 4000, seed: int | np.random.Generator | None = 0,
) -> InferencePriceTrends:
    """Refit Epoch's price-decline trends and test the three-orders claim.

    Parameters
    ----------
    ds : Dataset, optional
        ``epoch-llm-inference-prices`` (default: loaded by name).
    ci : float, default 0.90
        Level of the intervals (Epoch's).
    n_resamples : int, default 4000
        Draws of the interval of the median.
    seed : int, Generator or None, default 0

    Returns
    -------
    InferencePriceTrends
    """
    import pandas as pd
    from scipy import stats

    from scalewatch.data import datasets

    ds = ds if ds is not None else datasets.load(_PRICES)
    prices, published, fit_data = ds.tables["prices"], ds.tables["results"], ds.tables["fit_data"]
    rows, extra = [], []
    for r in published.itertuples():
        fr = cheapest_frontier(prices, r.bench, r.score_low, r.start_date)
        tr = price_trend(fr, bench=r.bench, threshold_model=r.threshold_model, threshold=r.score_low, ci=ci)
        theirs = fit_data[(fit_data["bench"] == r.bench) & (fit_data["threshold_model"] == r.threshold_model)]
        same = (len(theirs) == len(fr) and np.allclose(theirs["usd_per_mtok"].to_numpy(dtype=float), fr["usd_per_mtok"].to_numpy())
                and (theirs["release_date"].to_numpy() == fr["release_date"].to_numpy()).all())
        rows.append({"bench": r.bench, "threshold_model": r.threshold_model, "threshold": r.score_low, "n": tr.n, "slope": tr.slope,
                     "stderr": tr.stderr, "factor": tr.factor, "factor_low": tr.factor_low, "factor_high": tr.factor_high,
                     "r2": tr.r_squared, "epoch_n": int(r.sample_size), "epoch_factor": float(r.factor_per_year),
                     "epoch_low": float(r.factor_low), "epoch_high": float(r.factor_high), "epoch_r2": float(r.r_squared),
                     "same_models": bool(same), "ours_in_their_ci": bool(r.factor_low <= tr.factor <= r.factor_high),
                     "oom_2yr": tr.oom_over_claim[0], "oom_2yr_low": tr.oom_over_claim[1], "oom_2yr_high": tr.oom_over_claim[2]})
        fr_all = cheapest_frontier(prices, r.bench, r.score_low, r.start_date, exclude=())
        if list(fr_all["model"]) != list(fr["model"]):
            ta = price_trend(fr_all, ci=ci)
            extra.append({"bench": r.bench, "threshold_model": r.threshold_model, "added": ", ".join(sorted(set(fr_all["model"]) - set(fr["model"]))),
                          "factor": ta.factor, "factor_low": ta.factor_low, "factor_high": ta.factor_high})
    table = pd.DataFrame(rows)
    # the median two-year fall: each pair's slope from its t-distribution, pairs resampled
    rng = seeds.rng(seed)
    k = len(table)
    df = (table["n"].to_numpy() - 2).astype(float)
    b = table["slope"].to_numpy(dtype=float)
    se = table["stderr"].to_numpy(dtype=float)
    draws_b = b[None, :] + se[None, :] * stats.t.rvs(df[None, :], size=(n_resamples, k), random_state=rng)
    idx = rng.integers(0, k, size=(n_resamples, k))
    oom_d = CLAIM_YEARS * (-draws_b / math.log(10.0))
    res_d = np.take_along_axis(oom_d, idx, axis=1)
    med_d = np.median(res_d, axis=1)
    share_d = np.mean(res_d >= CLAIM_OOM, axis=1)
    q = ((1 - ci) / 2, (1 + ci) / 2)
    med = (float(np.median(table["oom_2yr"])), float(np.quantile(med_d, q[0])), float(np.quantile(med_d, q[1])))
    need = 10 ** (CLAIM_OOM / CLAIM_YEARS)
    return InferencePriceTrends(
        table=table, median_oom=med, share_claim=float(np.mean(table["factor"] >= need)),
        share_claim_interval=(float(np.quantile(share_d, q[0])), float(np.quantile(share_d, q[1]))),
        share_claim_sure=float(np.mean(table["factor_low"] >= need)), share_claim_refuted=float(np.mean(table["factor_high"] < need)),
        with_reasoning=pd.DataFrame(extra, columns=["bench", "threshold_model", "added", "factor", "factor_low", "factor_high"]),
        decision=price_claim_decision(med), ci=float(ci), n_resamples=int(n_resamples), source=ds.name, data_citation=ds.citation or "",
    )


@analysis(KEY_PRICES, question="test-time", requires=(_PRICES,), title="Inference prices at fixed capability: Epoch's fits reproduced, and the 1000x claim")
def inference_prices_analysis(ctx: Any) -> Any:
    """Epoch's price-decline fits redone from the raw prices; the three-orders claim tested."""
    return inference_price_trends(ctx.dataset(_PRICES), n_resamples=ctx.pick(4000, 1000), seed=ctx.seed).to_finding()
