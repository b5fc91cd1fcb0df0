r"""Are we running out of data? The stock of usable text against the demand of frontier training.

Three parts, each with cited, editable inputs and intervals:

:func:`data_stock`
    Monte Carlo of the usable stock of training tokens: the effective stock
    of public human text (about 300T tokens, 90% interval 100T to 1000T;
    Villalobos et al. 2024) plus worked extensions such as YouTube transcripts
    (minutes x share with speech x words per minute x tokens per word x share
    kept by a quality filter), set against Llama 3's 15T tokens.
:func:`data_demand`
    From Epoch AI's database, the growth per year of the training compute and
    the dataset size of frontier language models, and the tokens a fitted
    Chinchilla law calls compute-optimal at the projected compute.
:func:`data_wall`
    The year demand meets the stock, as a distribution over the stock, the
    trends and the law, along two routes (the dataset-size trend and the
    compute-optimal tokens of the compute trend), and the relief that
    repeating data buys (effective data of the data-constrained law).

Model
-----
Frontier models are language models in the top ``top_k`` by training compute
among those released on or before their date (Epoch AI's frontier
definition). Log compute and log training tokens are regressed on release
year from ``start`` on (ordinary least squares; intervals from 1,000 case
bootstrap resamples of the models):

.. math:: \ln C(t) = \ell_C + g_C (t - t_0), \qquad \ln D(t) = \ell_D + g_D (t - t_0),

with :math:`t_0` the last release. The compute-optimal tokens of the fitted
law (Hoffmann et al. 2022, eq. 4; C = 6 N D) are

.. math:: D_{opt}(C) = G^{-1} (C / 6)^{b}, \qquad b = \frac{\alpha}{\alpha + \beta},
          \qquad G = \left(\frac{\alpha A}{\beta B}\right)^{1/(\alpha + \beta)},

times :math:`\sqrt{k}` when models are trained on k times the compute-optimal
tokens per parameter (at fixed C, :math:`N D = C/6` and :math:`D/N = k\,D_{opt}/N_{opt}`).
The stock S is met when demand reaches it:

.. math:: t^*_{data} = t_0 + \frac{\ln S - \ell_D}{g_D}, \qquad
          t^*_{compute} = t_0 + \frac{\ln S + \ln G - b(\ell_C - \ln 6) - \tfrac12 \ln k}{b\, g_C}.

Each Monte Carlo draw takes one stock sample, one bootstrap draw of each
trend and one bootstrap draw of the law, so the wall year's distribution
carries all four uncertainties; the verdict pools the two routes equally.

Repetition: with U unique tokens trained for E epochs, the data-constrained
law's effective data is :math:`D' = U (1 + R_D^* (1 - e^{-(E - 1)/R_D^*}))`
(Muennighoff et al. 2023, eq. 5, :math:`R_D^* = 15.39`). Villalobos et al.'s
stock already allows for several epochs, so by default the wall is computed
against the stock as published (``stock_epochs = 1``), and the relief of
repetition, :math:`D'/U` at ``relief_epochs`` (4: "up to 4 epochs ... is
almost as good as new data", Muennighoff et al.), is reported as the years it
would buy a stock counted in unique tokens: :math:`\ln(D'/U)` divided by the
growth rate of demand.

Verdicts
--------
:data:`VERDICTS`: "wall before YEAR" when at least 90% of the pooled wall
years fall at or before ``verdict_year`` (default 2030), "no wall before YEAR"
when at most 10% do, else "inconclusive". It answers "if the trends continue,
is the public text stock used up before YEAR?", not "will progress stop".

References
----------
Villalobos et al. (2024), arXiv:2211.04325v2. Muennighoff et al. (2023),
"Scaling Data-Constrained Language Models", arXiv:2305.16264. Hoffmann et al.
(2022), arXiv:2203.15556. Besiroglu et al. (2024), "Chinchilla Scaling: A
replication attempt", arXiv:2404.10102. Epoch AI (2024), "Training compute of
frontier AI models grows by 4-5x per year"; Epoch AI, "Data on AI Models"
(June 2025 snapshot). Grattafiori et al. / Meta AI (2024), arXiv:2407.21783.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses._datastock import (
    LLAMA3_TOKENS,
    TOKENS_PER_WORD,
    VILLALOBOS_STOCK,
    YOUTUBE_TRANSCRIPTS,
    DataStock,
    DataStockAssumptions,
    Estimate,
    Extension,
    data_stock,
)
from scalewatch.analyses._trendmodels import band, figure, histogram, num, scatter, top_k_at_release, vline, year_fraction
from scalewatch.laws import DataConstrained
from scalewatch.report import analysis

__all__ = [
    "Estimate",
    "Extension",
    "DataStockAssumptions",
    "DataStock",
    "data_stock",
    "DemandAssumptions",
    "GrowthTrend",
    "fit_growth",
    "DataDemand",
    "data_demand",
    "DataWall",
    "data_wall",
    "repetition_relief",
    "R_D_STAR",
    "VERDICTS",
    "verdict_for",
    "TOKENS_PER_WORD",
    "VILLALOBOS_STOCK",
    "LLAMA3_TOKENS",
    "YOUTUBE_TRANSCRIPTS",
    "KEY",
    "QUESTION",
    "datawall_finding",
]

#: the finding's key and the question it answers
KEY = "data.wall"
QUESTION = "data"

#: verdict vocabulary; YEAR is the assumption's verdict_year
VERDICTS = ("wall before YEAR", "no wall before YEAR", "inconclusive")

#: R_D* of the data-constrained law: repetitions after which repeated data's value decays by 1/e
#: (Muennighoff et al. 2023, fitted value 15.39; the law catalogue's published constant)
R_D_STAR = float(DataConstrained.published["R_D_star"])


def repetition_relief(epochs: Any, r_star: float = R_D_STAR) -> np.ndarray:
    r"""Effective data per unique token after ``epochs`` passes: :math:`D'/U = 1 + R^* (1 - e^{-(E-1)/R^*})`.

    Muennighoff et al. (2023), eq. 5 with :math:`R_D = E - 1` repetitions.

    >>> round(float(repetition_relief(4.0)), 4)
    3.7257
    """
    e = np.asarray(epochs, dtype=np.float64)
    if np.any(e < 1):
        raise ValueError(f"repetition_relief(epochs={e.tolist()}): epochs count passes over the data and must be >= 1.")
    if not r_star > 0:
        raise ValueError(f"repetition_relief(r_star={r_star!r}); use a positive R_D*, e.g. {R_D_STAR}.")
    return 1.0 + r_star * (-np.expm1(-(e - 1.0) / r_star))


@dataclass(frozen=True)
class DemandAssumptions:
    """Inputs of the demand model; every field is editable with :meth:`replace`.

    Parameters
    ----------
    start : float, default 2020.0
        First release year in the trend fits: GPT-3 (Brown et al. 2020) opened
        the era of single-pass, web-scale pretraining; earlier language models
        were trained for many epochs on small corpora.
    top_k : int, default 10
        Frontier: top ``top_k`` by training compute at release (Epoch AI 2024).
    domain : str, default "Language"
        Models whose Epoch domain lists this.
    tokens_per_word : float
        Conversion of dataset sizes recorded in words (OpenAI's 4/3 tokens per word).
    n_boot : int, default 1000
        Case-bootstrap resamples of each trend fit.
    law_bootstrap : int, default 200
        Bootstrap resamples of the Chinchilla fit that gives the compute-optimal tokens.
    overtrain : float, default 1.0
        Tokens per parameter as a multiple of the compute-optimal ratio
        (demand scales by its square root at fixed compute).
    stock_epochs : float, default 1.0
        Epochs applied to the stock for the wall itself (1: none, because the
        cited effective stock already allows for repetition).
    relief_epochs : float, default 4.0
        Epochs for the repetition-relief sensitivity (Muennighoff et al. 2023).
    r_star : float
        :math:`R_D^*` of the data-constrained law (15.39, Muennighoff et al. 2023).
    verdict_year : int, default 2030
        The year the verdict is about.
    """

    start: float = 2020.0
    top_k: int = 10
    domain: str = "Language"
    tokens_per_word: float = TOKENS_PER_WORD
    n_boot: int = 1000
    law_bootstrap: int = 200
    overtrain: float = 1.0
    stock_epochs: float = 1.0
    relief_epochs: float = 4.0
    r_star: float = R_D_STAR
    verdict_year: int = 2030

    def __post_init__(self) -> None:
        for name in ("top_k", "n_boot", "law_bootstrap", "verdict_year"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"DemandAssumptions({name}={v!r}) takes an integer.")
        if self.top_k < 1 or self.n_boot < 20 or self.law_bootstrap < 10:
            raise ValueError(
                f"DemandAssumptions: need top_k >= 1, n_boot >= 20 and law_bootstrap >= 10; got {self.top_k}, {self.n_boot}, {self.law_bootstrap}."
            )
        for name in ("overtrain", "tokens_per_word", "r_star"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ValueError(f"DemandAssumptions({name}={v!r}); use a positive number.")
        for name in ("stock_epochs", "relief_epochs"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and v >= 1):
                raise ValueError(f"DemandAssumptions({name}={v!r}); epochs are passes over the data, >= 1.")

    def replace(self, **changes: Any) -> "DemandAssumptions":
        """A copy with ``changes`` applied (validated again)."""
        unknown = [k for k in changes if k not in self.__dataclass_fields__]
        if unknown:
            raise ValueError(f"DemandAssumptions.replace(): unknown field(s) {unknown}; fields: {list(self.__dataclass_fields__)}.")
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


# =============================================================================
# Growth trends
# =============================================================================


@dataclass(frozen=True, eq=False)
class GrowthTrend:
    """A log-linear trend of a quantity against release year, with bootstrap draws. Immutable.

    :math:`\\ln y = \\ell + g (t - t_0)`; ``draws`` holds (ell, g) per resample.
    """

    label: str
    unit: str
    t0: float
    level: float  # ln y at t0
    rate: float  # g, ln units per year
    draws: np.ndarray = field(repr=False)  # (B, 2): level, rate
    points: pd.DataFrame = field(repr=False)  # year, value, model
    ci: float = 0.9

    @property
    def n(self) -> int:
        return len(self.points)

    def growth_per_year(self) -> tuple[float, float, float]:
        """Factor per year e^g, with its interval."""
        lo, hi = np.quantile(np.exp(self.draws[:, 1]), [(1 - self.ci) / 2, (1 + self.ci) / 2])
        return float(math.exp(self.rate)), float(lo), float(hi)

    def value_at(self, years: Any) -> dict[str, np.ndarray]:
        """Trend value (median over draws) and interval at ``years`` (natural units)."""
        t = np.atleast_1d(np.asarray(years, dtype=np.float64))
        ln = self.draws[:, :1] + self.draws[:, 1:] * (t[None, :] - self.t0)
        lo, med, hi = np.quantile(ln, [(1 - self.ci) / 2, 0.5, (1 + self.ci) / 2], axis=0)
        return {"year": t, "median": np.exp(med), "low": np.exp(lo), "high": np.exp(hi)}

    def to_dict(self) -> dict[str, Any]:
        g = self.growth_per_year()
        return {
            "label": self.label,
            "unit": self.unit,
            "n": self.n,
            "t0": self.t0,
            "value_at_t0": math.exp(self.level),
            "growth_per_year": {"value": g[0], "low": g[1], "high": g[2], "ci": self.ci},
            "method": f"OLS of ln value on release year; case bootstrap, {len(self.draws)} resamples",
        }


def fit_growth(
    years: Any, values: Any, *, label: str = "", unit: str = "", models: Any = None, n_boot: int = 1000, ci: float = 0.9, seed: Any = 0
) -> GrowthTrend:
    """Log-linear trend of ``values`` (> 0) on ``years`` by least squares, with a case bootstrap.

    Raises
    ------
    ValueError
        Fewer than 3 points, non-positive values, or all at one date.
    """
    t = np.asarray(years, dtype=np.float64)
    y = np.asarray(values, dtype=np.float64)
    if t.shape != y.shape or t.ndim != 1:
        raise ValueError(f"fit_growth: years and values must be 1-d of equal length; got {t.shape} and {y.shape}.")
    ok = np.isfinite(t) & np.isfinite(y)
    t, y = t[ok], y[ok]
    if t.size < 3:
        raise ValueError(f"fit_growth({label or 'values'}): {t.size} usable point(s); a trend needs at least 3.")
    if np.any(y <= 0):
        raise ValueError(f"fit_growth({label or 'values'}): values must be > 0 (their log is fitted).")
    if np.ptp(t) == 0:
        raise ValueError(f"fit_growth({label or 'values'}): all points share one date; no trend can be fitted.")
    z = np.log(y)
    t0 = float(t.max())

    def ols(T: np.ndarray, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tm, zm = T.mean(axis=-1, keepdims=True), Z.mean(axis=-1, keepdims=True)
        sxx = np.sum((T - tm) ** 2, axis=-1)
        g = np.sum((T - tm) * (Z - zm), axis=-1) / np.where(sxx > 0, sxx, np.nan)
        return zm[..., 0] + g * (t0 - tm[..., 0]), g

    level, rate = ols(t, z)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, t.size, size=(int(n_boot), t.size))
    lv, rt = ols(t[idx], z[idx])
    good = np.isfinite(lv) & np.isfinite(rt)  # a resample with a single date has no slope
    names = np.asarray(models)[ok] if models is not None else np.full(t.size, "")
    return GrowthTrend(
        label=label,
        unit=unit,
        t0=t0,
        level=float(level),
        rate=float(rate),
        draws=np.column_stack([lv[good], rt[good]]),
        points=pd.DataFrame({"year": t, "value": y, "model": names}),
        ci=ci,
    )


# =============================================================================
# Demand
# =============================================================================


@dataclass(frozen=True, eq=False)
class DataDemand:
    """Frontier trends and the compute-optimal tokens they imply. Immutable.

    Attributes
    ----------
    compute, dataset : GrowthTrend
        Training compute (FLOP) and training tokens of frontier language models.
    law : FitResult
        Chinchilla fitted to Hoffmann et al.'s runs (Besiroglu et al. 2024 replication).
    law_draws : dict
        "G", "b" (and the law's parameters): bootstrap draws (R,).
    frontier : DataFrame
        The frontier models used: model, year, compute, tokens.
    """

    assumptions: DemandAssumptions
    compute: GrowthTrend
    dataset: GrowthTrend
    law: Any = field(repr=False)
    law_draws: dict[str, np.ndarray] = field(repr=False)
    law_failed: int
    frontier: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    def law_quantity(self, name: str) -> tuple[float, float, float]:
        """(estimate, low, high) of "G", "b" or a law parameter."""
        p = self.law.params
        est = _allocation_constants(p)[name] if name in ("G", "b") else p[name]
        lo, hi = np.quantile(self.law_draws[name], [(1 - self.compute.ci) / 2, (1 + self.compute.ci) / 2])
        return float(est), float(lo), float(hi)

    def optimal_tokens(self, years: Any, n: int = 4000, seed: Any = 0) -> dict[str, np.ndarray]:
        """Compute-optimal training tokens at the trend's compute in ``years`` (median and interval)."""
        t = np.atleast_1d(np.asarray(years, dtype=np.float64))
        rng = np.random.default_rng(seed)
        ic = rng.integers(0, len(self.compute.draws), n)
        il = rng.integers(0, len(self.law_draws["b"]), n)
        ln_c = self.compute.draws[ic, :1] + self.compute.draws[ic, 1:] * (t[None, :] - self.compute.t0)
        ln_d = _ln_optimal_tokens(ln_c, self.law_draws["G"][il, None], self.law_draws["b"][il, None], self.assumptions.overtrain)
        ci = self.compute.ci
        lo, med, hi = np.quantile(ln_d, [(1 - ci) / 2, 0.5, (1 + ci) / 2], axis=0)
        return {"year": t, "median": np.exp(med), "low": np.exp(lo), "high": np.exp(hi)}

    def to_dict(self) -> dict[str, Any]:
        b = self.law_quantity("b")
        G = self.law_quantity("G")
        gc = self.compute.rate
        return {
            "assumptions": self.assumptions.to_dict(),
            "compute": self.compute.to_dict(),
            "dataset": self.dataset.to_dict(),
            "law": {
                "name": "chinchilla",
                "fitted_to": "Hoffmann et al. (2022) runs, five highest-loss runs dropped (Besiroglu et al. 2024)",
                "params": {k: float(v) for k, v in self.law.params.items()},
                "b": {"value": b[0], "low": b[1], "high": b[2]},
                "G": {"value": G[0], "low": G[1], "high": G[2]},
                "bootstrap": {"n_resamples": int(self.assumptions.law_bootstrap), "n_failed": int(self.law_failed)},
            },
            "optimal_tokens_growth_per_year": math.exp(b[0] * gc),
            "n_frontier_models": int(len(self.frontier)),
            "notes": list(self.notes),
        }


def _allocation_constants(p: Any) -> dict[str, Any]:
    """G and b of Hoffmann et al.'s eq. 4 from Chinchilla parameters (arrays or floats)."""
    alpha, beta = np.asarray(p["alpha"], dtype=np.float64), np.asarray(p["beta"], dtype=np.float64)
    A, B = np.asarray(p["A"], dtype=np.float64), np.asarray(p["B"], dtype=np.float64)
    with np.errstate(all="ignore"):
        G = (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))
        b = alpha / (alpha + beta)
    return {"G": G, "b": b}


def _ln_optimal_tokens(ln_c: np.ndarray, G: np.ndarray, b: np.ndarray, overtrain: float) -> np.ndarray:
    """ln D_opt(C) = -ln G + b (ln C - ln 6) + ln(k) / 2."""
    return -np.log(G) + b * (ln_c - math.log(6.0)) + 0.5 * math.log(overtrain)


def _frontier_table(a: DemandAssumptions) -> tuple[pd.DataFrame, list[str]]:
    """Frontier language models: top_k by compute at release, with their training tokens where recorded."""
    from scalewatch.data.datasets import load

    m = load("epoch-ai-models").tables["models"]
    m = m[m["training_compute"].notna() & m["publication_date"].notna()]
    m = m[m["domain"].fillna("").str.split(",").map(lambda parts: a.domain in [p.strip() for p in parts])]
    year = year_fraction(m["publication_date"])
    front = top_k_at_release(year, m["training_compute"].to_numpy(dtype=np.float64), a.top_k)
    f = m[front & (year >= a.start)].copy()
    f["year"] = year[front & (year >= a.start)]
    size = f["dataset_size"].where(f["base_model"].isna())  # a fine-tune's dataset is its fine-tuning data
    size = size.where(f["dataset_size_unit"] != "words", size * a.tokens_per_word)
    f["tokens"] = size * f["epochs"].fillna(1.0)
    notes = [
        f"{len(f)} frontier {a.domain.lower()} models released from {a.start:g} (top {a.top_k} by training compute at release, "
        "Epoch AI 'Data on AI Models', June 2025 snapshot)",
        f"{int(f['tokens'].notna().sum())} of them record a dataset size: training tokens = dataset size x epochs "
        f"(one pass where epochs are not recorded); sizes in words x {a.tokens_per_word:.3g} tokens per word; sizes whose "
        "unit the notes leave open are taken as tokens; fine-tunes are left out",
    ]
    out = f[["model", "year", "training_compute", "tokens", "dataset_size_unit"]].rename(columns={"training_compute": "compute"})
    return out.sort_values("year").reset_index(drop=True), notes


def data_demand(assumptions: DemandAssumptions | None = None, *, ci: float = 0.9, seed: int | np.random.Generator | None = 0) -> DataDemand:
    """Frontier compute and dataset trends and the compute-optimal tokens of a fitted Chinchilla law.

    Parameters
    ----------
    assumptions : DemandAssumptions, optional
        Inputs (see :class:`DemandAssumptions`).
    ci : float, default 0.9
        Level of the intervals.
    seed : int, Generator or None, default 0
        Seed of every bootstrap.

    Returns
    -------
    DataDemand
    """
    from scalewatch.analyses._pretraining_data import chinchilla_runs
    from scalewatch.errors import IdentifiabilityWarning
    from scalewatch.fitting import bootstrap, fit
    from scalewatch.laws import Chinchilla

    a = DemandAssumptions() if assumptions is None else assumptions
    if not isinstance(a, DemandAssumptions):
        raise TypeError(f"data_demand(assumptions=...) takes a DemandAssumptions; got {type(a).__name__}.")
    rng = np.random.default_rng(seed)
    frontier, notes = _frontier_table(a)
    compute = fit_growth(
        frontier["year"], frontier["compute"], label="training compute of frontier language models", unit="FLOP",
        models=frontier["model"], n_boot=a.n_boot, ci=ci, seed=int(rng.integers(2**63)),
    )
    ds = frontier.dropna(subset=["tokens"])
    dataset = fit_growth(
        ds["year"], ds["tokens"], label="training tokens of frontier language models", unit="tokens",
        models=ds["model"], n_boot=a.n_boot, ci=ci, seed=int(rng.integers(2**63)),
    )
    runs, note = chinchilla_runs()
    notes.append(note)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IdentifiabilityWarning)
        with np.errstate(all="ignore"):
            law_fit = fit(Chinchilla(), runs)
            bs = bootstrap(law_fit, a.law_bootstrap, ci=ci, seed=int(rng.integers(2**63)), derived={
                "G": lambda p: _allocation_constants(p)["G"],
                "b": lambda p: _allocation_constants(p)["b"],
            })
    notes.extend(f"Chinchilla fit: {w.message}" for w in caught if issubclass(w.category, IdentifiabilityWarning))
    draws = {k: np.asarray(v, dtype=np.float64) for k, v in bs.samples.items()}
    ok = np.isfinite(draws["G"]) & np.isfinite(draws["b"]) & (draws["G"] > 0) & (draws["b"] > 0)
    draws = {k: v[ok] for k, v in draws.items()}
    return DataDemand(
        assumptions=a,
        compute=compute,
        dataset=dataset,
        law=law_fit,
        law_draws=draws,
        law_failed=int(bs.n_failed + (~ok).sum()),
        frontier=frontier,
        notes=tuple(notes),
    )


# =============================================================================
# The wall
# =============================================================================


#: what the data-wall finding cites
CITATIONS = (
    "Villalobos, Ho, Sevilla, Besiroglu, Heim & Hobbhahn (2024), 'Will we run out of data? Limits of LLM scaling based on human-generated data', ICML 2024, arXiv:2211.04325",
    "Grattafiori et al. / Meta AI (2024), 'The Llama 3 Herd of Models', arXiv:2407.21783",
    "Muennighoff et al. (2023), 'Scaling Data-Constrained Language Models', arXiv:2305.16264",
    "Hoffmann et al. (2022), 'Training Compute-Optimal Large Language Models', arXiv:2203.15556",
    "Besiroglu, Erdil, Barnett & You (2024), 'Chinchilla Scaling: A replication attempt', arXiv:2404.10102",
    "Epoch AI (2024), 'Training compute of frontier AI models grows by 4-5x per year'; Epoch AI, 'Data on AI Models' (June 2025 snapshot)",
    "Brown et al. (2020), 'Language Models are Few-Shot Learners', arXiv:2005.14165",
    "Zuckerman (2023), 'How big is YouTube?'; McGrady et al. (2023), 'Dialing for Videos: A Random Sample of YouTube', J. Quant. Descr. Digit. Media 3",
    "Penedo et al. (2023), 'The RefinedWeb Dataset for Falcon LLM', arXiv:2306.01116",
    "Kaplan et al. (2020), 'Scaling Laws for Neural Language Models', arXiv:2001.08361 (C = 6 N D)",
)


def verdict_for(p_before: float, year: int) -> str:
    """The verdict for probability ``p_before`` that the stock is met at or before ``year``."""
    if not 0 <= p_before <= 1:
        raise ValueError(f"verdict_for(p_before={p_before!r}); a probability in [0, 1].")
    if p_before >= 0.9:
        return f"wall before {year}"
    if p_before <= 0.1:
        return f"no wall before {year}"
    return "inconclusive"


@dataclass(frozen=True, eq=False)
class DataWall:
    """When does demand meet the stock? Distributions, relief and sensitivity. Immutable.

    Attributes
    ----------
    stock : DataStock
    demand : DataDemand
    wall_years : dict
        Route -> wall-year samples: "dataset trend", "compute-optimal" and
        "pooled" (both routes, equal weight).
    relief_factor : float
        Effective data per unique token at ``relief_epochs`` (data-constrained law).
    relief_years : dict
        Route -> samples of the years that relief would buy.
    sensitivity : DataFrame
        Median wall year of each route when the trends start in other years.
    verdict : str
        See the module notes.
    """

    stock: DataStock = field(repr=False)
    demand: DataDemand = field(repr=False)
    wall_years: dict[str, np.ndarray] = field(repr=False)
    relief_factor: float
    relief_years: dict[str, np.ndarray] = field(repr=False)
    sensitivity: pd.DataFrame = field(repr=False)
    verdict: str
    seed: Any = 0
    seconds: float = math.nan

    @property
    def ci(self) -> float:
        return self.stock.ci

    def year_summary(self, route: str = "pooled") -> tuple[float, float, float]:
        """(median, low, high) wall year of ``route``."""
        v = self.wall_years[route]
        v = v[np.isfinite(v)]
        lo, med, hi = np.quantile(v, [(1 - self.ci) / 2, 0.5, (1 + self.ci) / 2])
        return float(med), float(lo), float(hi)

    def p_before(self, year: float, route: str = "pooled") -> float:
        """Share of draws in which demand meets the stock at or before ``year`` (non-growing trends never do)."""
        v = self.wall_years[route]
        return float(np.mean(np.where(np.isfinite(v), v <= year, False)))

    def relief_summary(self, route: str = "pooled") -> tuple[float, float, float]:
        v = self.relief_years[route]
        v = v[np.isfinite(v)]
        lo, med, hi = np.quantile(v, [(1 - self.ci) / 2, 0.5, (1 + self.ci) / 2])
        return float(med), float(lo), float(hi)

    def to_dict(self) -> dict[str, Any]:
        a = self.demand.assumptions

        def d(v: tuple[float, float, float]) -> dict[str, float]:
            return {"median": v[0], "low": v[1], "high": v[2], "ci": self.ci}

        return {
            "key": KEY,
            "verdict": self.verdict,
            "verdict_year": a.verdict_year,
            "p_wall_before_verdict_year": self.p_before(a.verdict_year),
            "p_wall_before": {str(y): self.p_before(y) for y in (2026, 2028, 2030, 2032, 2035)},
            "wall_year": {route: d(self.year_summary(route)) for route in self.wall_years},
            "repetition": {
                "relief_epochs": a.relief_epochs,
                "r_star": a.r_star,
                "effective_data_per_unique_token": self.relief_factor,
                "years_gained": {route: d(self.relief_summary(route)) for route in self.relief_years},
                "stock_epochs": a.stock_epochs,
            },
            "sensitivity": _records(self.sensitivity),
            "stock": self.stock.to_dict(),
            "demand": self.demand.to_dict(),
            "seed": self.seed if isinstance(self.seed, (int, type(None))) else "generator",
            "seconds": self.seconds,
        }

    def report(self) -> str:
        a = self.demand.assumptions
        pct = f"{100 * self.ci:g}%"
        gc, gd = self.demand.compute.growth_per_year(), self.demand.dataset.growth_per_year()
        b = self.demand.law_quantity("b")
        lines = [
            f"[[Data wall]] verdict: {self.verdict} (P(wall by {a.verdict_year}) = {self.p_before(a.verdict_year):.2f})",
            f"    frontier compute growth     {gc[0]:.3g}x/yr [{gc[1]:.3g}, {gc[2]:.3g}] ({self.demand.compute.n} models from {a.start:g})",
            f"    frontier dataset growth     {gd[0]:.3g}x/yr [{gd[1]:.3g}, {gd[2]:.3g}] ({self.demand.dataset.n} models)",
            f"    compute-optimal exponent b  {b[0]:.3f} [{b[1]:.3f}, {b[2]:.3f}] (D_opt ~ C^b, Chinchilla refit)",
        ]
        for route in self.wall_years:
            med, lo, hi = self.year_summary(route)
            lines.append(f"    wall year ({route:<16}) {med:.1f} [{lo:.1f}, {hi:.1f}] {pct}")
        med, lo, hi = self.relief_summary()
        lines.append(
            f"    repetition ({a.relief_epochs:g} epochs)       x{self.relief_factor:.3g} effective data per unique token: "
            f"+{med:.2f} yr [{lo:.2f}, {hi:.2f}] if the stock counted unique tokens"
        )
        lines.append("[[Sensitivity]] median wall year by first release year of the trends")
        for row in self.sensitivity.itertuples():
            lines.append(f"    start {row.start:g}: dataset trend {row.dataset_trend:.1f}, compute-optimal {row.compute_optimal:.1f}")
        return "\n".join([self.stock.report(), *lines])

    # -- finding pieces -----------------------------------------------------------------
    def numbers(self) -> list[dict[str, Any]]:
        """The headline numbers, each with its interval where one exists (plain dicts)."""
        a = self.demand.assumptions
        st = self.stock
        ci = self.ci
        out = []
        med, lo, hi = st.summary(st.total)
        out.append(_n("usable stock", med, lo, hi, "tokens", ci, "human text (Villalobos et al. 2024) plus extensions, Monte Carlo"))
        for name, v in st.components.items():
            m, l, h = st.summary(v)
            out.append(_n(f"stock: {name}", m, l, h, "tokens", ci, "Monte Carlo of the cited inputs"))
        m, l, h = st.summary(st.ratio_to_reference)
        out.append(_n(f"stock / {st.assumptions.reference_label}", m, l, h, "x", ci, st.assumptions.reference_source))
        for label, trend in (("frontier compute growth", self.demand.compute), ("frontier dataset growth", self.demand.dataset)):
            g = trend.growth_per_year()
            out.append(_n(label, g[0], g[1], g[2], "x/yr", ci, f"{trend.n} frontier {a.domain.lower()} models from {a.start:g}; OLS, case bootstrap"))
        b = self.demand.law_quantity("b")
        out.append(_n("compute-optimal data exponent b", b[0], b[1], b[2], "", ci, "D_opt ~ C^b; Chinchilla refit to Hoffmann et al.'s runs"))
        for route in self.wall_years:
            m, l, h = self.year_summary(route)
            out.append(_n(f"wall year ({route})", m, l, h, "year", ci, "demand meets the stock if the trends continue"))
        out.append(_n(f"P(wall by {a.verdict_year})", self.p_before(a.verdict_year), None, None, "", None, "share of pooled Monte Carlo draws"))
        m, l, h = self.relief_summary()
        out.append(_n(f"repetition relief ({a.relief_epochs:g} epochs)", m, l, h, "years", ci,
                      f"x{self.relief_factor:.3g} effective data per unique token (Muennighoff et al. 2023); years gained "
                      "if the stock counted unique tokens"))
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """Inputs of the stock, the frontier models and the sensitivity of the wall year to the trends' start."""
        a = self.stock.assumptions
        rows = [("human text", a.human_text.name, a.human_text.median, a.human_text.low, a.human_text.high, a.human_text.ci, a.human_text.unit, a.human_text.source)]
        for ext in a.extensions:
            for f in ext.factors:
                rows.append((ext.name, f.name, f.median, f.low, f.high, f.ci, f.unit, f.source))
        inputs = pd.DataFrame(rows, columns=["component", "input", "median", "low", "high", "ci", "unit", "source"])
        return {"stock_inputs": inputs, "frontier_models": self.demand.frontier.copy(), "sensitivity": self.sensitivity.copy()}

    def figures(self) -> dict[str, dict[str, Any]]:
        """Plotly figures (JSON dicts): the stock distribution, demand against stock, and the wall year."""
        st, dm = self.stock, self.demand
        traces = [histogram(v, name, log10=True) for name, v in st.components.items()]
        traces.append(histogram(st.total, "total", log10=True))
        fig = figure("Usable stock of training tokens (Monte Carlo)", traces, "log10 tokens", "density",
                     shapes=[vline(math.log10(st.assumptions.reference_tokens), "dash", "red")])
        fig["layout"]["barmode"] = "overlay"
        figs = {"stock": fig}

        years = np.linspace(dm.dataset.points["year"].min(), 2036.0, 60)
        dtrend = dm.dataset.value_at(years)
        opt = dm.optimal_tokens(years)
        lo, med, hi = np.quantile(st.total, [(1 - self.ci) / 2, 0.5, (1 + self.ci) / 2])
        pts = dm.dataset.points
        traces = [
            scatter(pts["year"], pts["value"], "frontier models (training tokens)", text=pts["model"], marker={"size": 6, "color": "black"}),
            *band(years, dtrend["low"], dtrend["high"], "dataset-size trend", "rgba(31,119,180,0.15)"),
            scatter(years, dtrend["median"], "dataset-size trend", mode="lines", line={"color": "rgb(31,119,180)"}),
            *band(years, opt["low"], opt["high"], "compute-optimal tokens", "rgba(255,127,14,0.15)"),
            scatter(years, opt["median"], "compute-optimal tokens", mode="lines", line={"color": "rgb(255,127,14)"}),
            *band([years[0], years[-1]], [lo, lo], [hi, hi], f"stock ({100 * self.ci:g}%)", "rgba(44,160,44,0.15)"),
            scatter([years[0], years[-1]], [med, med], "stock (median)", mode="lines", line={"color": "rgb(44,160,44)", "dash": "dash"}),
        ]
        figs["demand_vs_stock"] = figure("Demand for training tokens against the stock", traces, "year", "tokens", y_log=True)
        traces = [histogram(v, route, bins=50) for route, v in self.wall_years.items() if route != "pooled"]
        fig = figure("Year demand meets the stock", traces, "year", "density", shapes=[vline(dm.assumptions.verdict_year, "dash", "red")])
        fig["layout"]["barmode"] = "overlay"
        figs["wall_year"] = fig
        return figs

    def to_finding(self):
        """This analysis as a :class:`~scalewatch.analyses.Finding` (question "data")."""
        from scalewatch.analyses._finding import Figure, Finding, format_interval

        a = self.demand.assumptions
        st = self.stock
        pct = f"{100 * self.ci:g}%"
        med, lo, hi = self.year_summary()
        smed, slo, shi = st.summary(st.total)
        ratio = st.summary(st.ratio_to_reference)[0]
        gc, gd = self.demand.compute.growth_per_year()[0], self.demand.dataset.growth_per_year()[0]
        p = self.p_before(a.verdict_year)
        summary = (
            f"If frontier trends continue (compute {gc:.1f}x/yr, training sets {gd:.1f}x/yr), training sets reach the usable "
            f"stock of public text ({format_interval(smed, slo, shi)} tokens, {ratio:.0f}x Llama 3's) in "
            f"{format_interval(med, lo, hi)} ({pct}); {100 * p:.0f}% of draws reach it by {a.verdict_year}."
        )
        figs = self.figures()
        captions = {
            "stock": ("Usable stock of training tokens",
                      "Monte Carlo densities of the human-text stock (Villalobos et al. 2024), the YouTube-transcript extension "
                      "and their sum, on log10 tokens; the dashed line is Llama 3's 15T tokens."),
            "demand_vs_stock": ("Frontier demand for training tokens against the stock",
                                "Training tokens of frontier language models, the extrapolated dataset-size trend and the "
                                f"compute-optimal tokens of the extrapolated compute trend ({pct} bands), against the stock's "
                                f"{pct} interval: where the bands meet, the stock is used up."),
            "wall_year": ("Year demand meets the stock",
                          f"Monte Carlo distribution of the wall year along both routes; the dashed line is {a.verdict_year}, "
                          "the year of the verdict."),
        }
        figures = [Figure(captions[k][0], spec, captions[k][1]) for k, spec in figs.items()]
        tables = self.tables()
        method = (
            "Stock: a Monte Carlo over independent inputs, each a two-piece normal on a log (magnitudes) or logit (shares) "
            "scale that reproduces its cited median and interval exactly: the effective stock of public human text "
            "(Villalobos et al. 2024: 3e14 tokens, 90% interval 1e14-1e15, quality-filtered and allowing several epochs) "
            "plus YouTube transcripts (video minutes x share with speech x words per minute x tokens per word x share kept "
            f"by a quality filter). {st.assumptions.n_samples} draws."
            "\n\n"
            f"Demand: frontier models are the {a.domain.lower()} models in the top {a.top_k} by training compute at their "
            f"release (Epoch AI's definition), released from {a.start:g} (GPT-3 opened single-pass web-scale pretraining). "
            "Log compute and log training tokens (dataset size x epochs; words x 4/3) are regressed on release year by "
            f"least squares, {a.n_boot} case-bootstrap resamples. Compute-optimal tokens D_opt = G^-1 (C/6)^b come from "
            "Chinchilla refitted to Hoffmann et al.'s runs (Huber, delta 1e-3, log loss; the five highest-loss runs "
            f"dropped as Besiroglu et al. 2024 do), {a.law_bootstrap} bootstrap resamples"
            + (f", times sqrt({a.overtrain:g}) for overtraining" if a.overtrain != 1 else "")
            + "."
            "\n\n"
            "Wall year: t0 + (ln S - ln D(t0)) / g along two routes, the dataset-size trend and the compute-optimal tokens "
            "of the compute trend; every draw combines a stock sample with one bootstrap draw of each trend and of the law, "
            f"and the two routes are pooled with equal weight. Verdict: 'wall before {a.verdict_year}' when at least 90% "
            f"of pooled draws meet the stock by then, 'no wall before {a.verdict_year}' when at most 10% do, else "
            "'inconclusive'. Repetition: the data-constrained law's effective data D'/U = 1 + R*(1 - exp(-(E-1)/R*)) with "
            f"R* = {a.r_star:.4g} (Muennighoff et al. 2023) at {a.relief_epochs:g} epochs, reported as years gained "
            "(ln(D'/U) / growth rate of demand) because the cited stock already allows for repetition"
            + (f"; the wall itself uses {a.stock_epochs:g} epochs on the stock" if a.stock_epochs != 1 else "")
            + "."
        )
        notes = list(self.demand.notes)
        sens = self.sensitivity
        if len(sens):
            notes.append(
                "median wall year when the trends start in other years: "
                + "; ".join(f"{r.start:g}: {r.dataset_trend:.1f} (dataset trend), {r.compute_optimal:.1f} (compute-optimal)" for r in sens.itertuples())
            )
        notes.append(
            "the verdict assumes the trends continue; it says when the public text stock would be used up, not that "
            "progress stops (synthetic data, other modalities and better data efficiency are outside this model)"
        )
        if self.demand.law_failed:
            notes.append(f"{self.demand.law_failed}/{a.law_bootstrap} bootstrap resamples of the Chinchilla fit failed or gave no finite allocation (excluded)")
        return Finding(
            key=KEY,
            question=QUESTION,
            title="Data wall: when frontier demand for training tokens meets the stock of public text",
            verdict=self.verdict,
            summary=summary,
            numbers=self.numbers(),
            figures=figures,
            tables={
                "stock inputs (editable: DataStockAssumptions)": tables["stock_inputs"],
                "frontier language models used for the trends": tables["frontier_models"],
                "wall year by first release year of the trends": tables["sensitivity"],
            },
            method=method,
            data_sources=("epoch-ai-models", "chinchilla-hoffmann2022"),
            citations=CITATIONS,
            loss_label="least squares on log compute and log tokens (trends); Huber (delta=0.001) on log loss (Chinchilla)",
            notes=tuple(notes),
            headline="wall year (pooled)",
        )

    def __repr__(self) -> str:
        med, lo, hi = self.year_summary()
        return f"DataWall({self.verdict!r}: wall year {med:.1f} [{lo:.1f}, {hi:.1f}])"


def _n(name: str, value: Any, low: Any, high: Any, unit: str, ci: float | None, note: str) -> dict[str, Any]:
    return {"name": name, "value": num(value), "low": num(low), "high": num(high), "unit": unit, "ci": ci, "note": note}


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in rec.items()} for rec in df.to_dict(orient="records")]


def _wall_samples(S: np.ndarray, demand: DataDemand, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Wall-year samples of both routes for stock samples S (tokens)."""
    n = S.size
    a = demand.assumptions
    lnS = np.log(S * repetition_relief(a.stock_epochs, a.r_star))
    dd = demand.dataset.draws[rng.integers(0, len(demand.dataset.draws), n)]
    cd = demand.compute.draws[rng.integers(0, len(demand.compute.draws), n)]
    il = rng.integers(0, len(demand.law_draws["b"]), n)
    G, b = demand.law_draws["G"][il], demand.law_draws["b"][il]
    with np.errstate(divide="ignore", invalid="ignore"):
        t_data = np.where(dd[:, 1] > 0, demand.dataset.t0 + (lnS - dd[:, 0]) / dd[:, 1], np.inf)
        ln_d0 = _ln_optimal_tokens(cd[:, 0], G, b, a.overtrain)  # compute-optimal tokens at the compute trend's t0
        rate = b * cd[:, 1]
        t_comp = np.where(rate > 0, demand.compute.t0 + (lnS - ln_d0) / rate, np.inf)
    return {"dataset trend": t_data, "compute-optimal": t_comp, "pooled": np.concatenate([t_data, t_comp])}


def data_wall(
    stock: DataStockAssumptions | DataStock | None = None,
    demand: DemandAssumptions | DataDemand | None = None,
    *,
    ci: float = 0.9,
    seed: int | np.random.Generator | None = 0,
    sensitivity_starts: tuple[float, ...] = (2018.0, 2019.0, 2020.0, 2021.0),
) -> DataWall:
    """The year frontier demand for training tokens meets the usable stock, as a distribution.

    Parameters
    ----------
    stock : DataStockAssumptions or DataStock, optional
        Stock inputs (or an already sampled stock); default the cited ones.
    demand : DemandAssumptions or DataDemand, optional
        Demand inputs (or an already fitted demand); default the cited ones.
    ci : float, default 0.9
        Level of the intervals.
    seed : int, Generator or None, default 0
        Seed of every Monte Carlo draw and bootstrap.
    sensitivity_starts : tuple of float
        First release years for the sensitivity table (trend refits only).

    Returns
    -------
    DataWall

    Examples
    --------
    >>> wall = data_wall(demand=DemandAssumptions(n_boot=200, law_bootstrap=20), sensitivity_starts=())
    >>> median, low, high = wall.year_summary()
    >>> 2026 < median < 2032, wall.verdict in ("wall before 2030", "no wall before 2030", "inconclusive")
    (True, True)
    """
    t_start = time.perf_counter()
    rng = np.random.default_rng(seed)
    if isinstance(stock, DataStock):
        st = stock
    else:
        st = data_stock(stock, ci=ci, seed=int(rng.integers(2**63)))
    dm = demand if isinstance(demand, DataDemand) else data_demand(demand, ci=ci, seed=int(rng.integers(2**63)))
    a = dm.assumptions
    mc = np.random.default_rng(int(rng.integers(2**63)))
    walls = _wall_samples(st.total, dm, mc)
    relief = float(repetition_relief(a.relief_epochs, a.r_star))
    ln_relief = math.log(relief)
    il = mc.integers(0, len(dm.law_draws["b"]), len(dm.compute.draws))
    years = {
        "dataset trend": ln_relief / dm.dataset.draws[:, 1],
        "compute-optimal": ln_relief / (dm.law_draws["b"][il] * dm.compute.draws[:, 1]),
    }
    years = {k: np.where(np.isfinite(v) & (v > 0), v, np.nan) for k, v in years.items()}
    years["pooled"] = np.concatenate([years["dataset trend"], years["compute-optimal"]])
    rows = []
    for start in sensitivity_starts:
        if start == a.start:
            w = walls
        else:
            frontier, _ = _frontier_table(a.replace(start=start))
            sub = np.random.default_rng(int(rng.integers(2**63)))
            try:
                c = fit_growth(frontier["year"], frontier["compute"], n_boot=200, ci=ci, seed=sub)
                dsf = frontier.dropna(subset=["tokens"])
                dset = fit_growth(dsf["year"], dsf["tokens"], n_boot=200, ci=ci, seed=sub)
            except ValueError:
                continue
            w = _wall_samples(st.total[:4000], replace(dm, compute=c, dataset=dset), sub)
        rows.append((start, float(np.nanmedian(w["dataset trend"])), float(np.nanmedian(w["compute-optimal"]))))
    sens = pd.DataFrame(rows, columns=["start", "dataset_trend", "compute_optimal"])
    p = float(np.mean(np.where(np.isfinite(walls["pooled"]), walls["pooled"] <= a.verdict_year, False)))
    return DataWall(
        stock=st,
        demand=dm,
        wall_years=walls,
        relief_factor=relief,
        relief_years=years,
        sensitivity=sens,
        verdict=verdict_for(p, a.verdict_year),
        seed=seed if isinstance(seed, (int, type(None))) else "generator",
        seconds=time.perf_counter() - t_start,
    )


def datawall_finding(*, fast: bool = False, seed: int = 0):
    """:func:`data_wall` with the cited defaults, as a Finding.

    ``fast`` cuts the Monte Carlo and the bootstraps (4,000 draws, 300 trend and
    30 law resamples) for tests; the default takes about a second.
    """
    if fast:
        stock = DataStockAssumptions(n_samples=4000)
        demand = DemandAssumptions(n_boot=300, law_bootstrap=30)
        return data_wall(stock, demand, seed=seed, sensitivity_starts=(2019.0, 2020.0, 2021.0)).to_finding()
    return data_wall(seed=seed).to_finding()


@analysis(KEY, question=QUESTION, requires=("epoch-ai-models", "chinchilla-hoffmann2022"))
def data_wall_analysis(ctx):
    """Data wall: when frontier demand for training tokens meets the stock of public text."""
    return datawall_finding(fast=ctx.fast, seed=ctx.seed)
