"""The demand for training tokens: frontier growth trends and the compute-optimal tokens of a fitted law."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.datawall.stock import TOKENS_PER_WORD
from scalewatch.analyses.trends.series import top_k_at_release, year_fraction
from scalewatch.findings import Result
from scalewatch.laws import DataConstrained

__all__ = [
    "R_D_STAR",
    "DEMAND_MEASURES",
    "repetition_relief",
    "DemandAssumptions",
    "GrowthTrend",
    "fit_growth",
    "DataDemand",
    "data_demand",
]


#: R_D* of the data-constrained law: repetitions after which repeated data's value decays by 1/e
#: (Muennighoff et al. 2023, fitted value 15.39; the law catalogue's published constant)
R_D_STAR = float(DataConstrained.published["R_D_star"])


#: what a frontier model takes from the stock, by ``DemandAssumptions.demand_measure``
DEMAND_MEASURES = {
    "unique": "unique tokens: dataset size x min(epochs, 1)",
    "seen": "tokens seen: dataset size x epochs (repeated passes counted as new text)",
}


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
    law_bootstrap : int, default 1000
        Bootstrap resamples of the Chinchilla fit that gives the compute-optimal tokens (the report's
        count, ``CHINCHILLA_N_BOOT``: the same resamples as every other finding that quotes that fit).
    overtrain : float, default 1.0
        Tokens per parameter as a multiple of the compute-optimal ratio
        (demand scales by its square root at fixed compute).
    stock_epochs : float, default 1.0
        Epochs applied to the stock for the wall itself (1: none, because the
        cited effective stock already allows for repetition).
    relief_epochs : float, default 4.0
        Epochs for the repetition-relief scenario (Muennighoff et al. 2023).
    demand_measure : {"unique", "seen"}, default "unique"
        What a frontier model's demand on the stock is: ``"unique"``, the
        unique tokens it trained on (dataset size x min(epochs, 1)), or
        ``"seen"``, dataset size x epochs (counts every repeated pass as new
        text: Meena's 40B words x 164 epochs would count as 8.7T tokens, its
        unique text is 53B tokens). Repetition enters once, as its own
        scenario (:func:`~scalewatch.analyses.datawall.data_wall`'s ``scenarios``).
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
    law_bootstrap: int = 1000
    overtrain: float = 1.0
    stock_epochs: float = 1.0
    relief_epochs: float = 4.0
    r_star: float = R_D_STAR
    verdict_year: int = 2030
    demand_measure: str = "unique"

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
        if self.demand_measure not in DEMAND_MEASURES:
            raise ValueError(
                f"DemandAssumptions(demand_measure={self.demand_measure!r}); allowed: "
                + ", ".join(f"{k!r} ({v})" for k, v in DEMAND_MEASURES.items()) + "."
            )
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


@dataclass(frozen=True, eq=False)
class GrowthTrend(Result):
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


@dataclass(frozen=True, eq=False)
class DataDemand(Result):
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
    epochs = f["epochs"].fillna(1.0)
    f["unique_tokens"] = size * np.minimum(epochs, 1.0)
    f["tokens_seen"] = size * epochs
    f["tokens"] = f["unique_tokens"] if a.demand_measure == "unique" else f["tokens_seen"]
    notes = [
        f"{len(f)} frontier {a.domain.lower()} models released from {a.start:g} (top {a.top_k} by training compute at release, "
        "Epoch AI 'Data on AI Models', June 2025 snapshot)",
        f"{int(f['tokens'].notna().sum())} of them record a dataset size: demand = {DEMAND_MEASURES[a.demand_measure]} "
        f"(one pass where epochs are not recorded); sizes in words x {a.tokens_per_word:.3g} tokens per word; sizes whose "
        "unit the notes leave open are taken as tokens; fine-tunes are left out",
    ]
    out = f[["model", "year", "training_compute", "tokens", "unique_tokens", "tokens_seen", "dataset_size_unit"]].rename(
        columns={"training_compute": "compute"}
    )
    return out.sort_values("year").reset_index(drop=True), notes


def data_demand(
    assumptions: DemandAssumptions | None = None, *, ci: float = 0.9, seed: int | np.random.Generator | None = 0, law_seed: int | None = None,
) -> DataDemand:
    """Frontier compute and dataset trends and the compute-optimal tokens of a fitted Chinchilla law.

    Parameters
    ----------
    assumptions : DemandAssumptions, optional
        Inputs (see :class:`DemandAssumptions`).
    ci : float, default 0.9
        Level of the intervals.
    seed : int, Generator or None, default 0
        Seed of every bootstrap.
    law_seed : int, optional
        Seed of the Chinchilla fit's bootstrap (default: drawn from ``seed``). The fit and its resamples are
        :func:`scalewatch.analyses.pretraining.chinchilla_bootstrap`'s, so with the report's seed and
        ``law_bootstrap`` equal to its resample count they are the report's one bootstrap of that fit.

    Returns
    -------
    DataDemand
    """
    from scalewatch.analyses.pretraining import chinchilla_bootstrap
    from scalewatch.analyses.pretraining.data import chinchilla_runs
    from scalewatch.errors import IdentifiabilityWarning

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
        ds["year"], ds["tokens"], label=f"{DEMAND_MEASURES[a.demand_measure].split(':')[0]} of frontier language models", unit="tokens",
        models=ds["model"], n_boot=a.n_boot, ci=ci, seed=int(rng.integers(2**63)),
    )
    runs, note = chinchilla_runs()
    notes.append(note)
    drawn = int(rng.integers(2**63))  # drawn either way, so the stream after it does not depend on law_seed
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IdentifiabilityWarning)
        with np.errstate(all="ignore"):
            # the report's one bootstrap of this fit (shared with pretraining.chinchilla_fit and the allocation finding)
            law_fit, bs = chinchilla_bootstrap(runs["params"], runs["tokens"], runs["loss"], n_boot=a.law_bootstrap,
                                               seed=drawn if law_seed is None else int(law_seed), ci=ci)
    notes.extend(f"Chinchilla fit: {w.message}" for w in caught if issubclass(w.category, IdentifiabilityWarning))
    draws = {k: np.asarray(v, dtype=np.float64) for k, v in bs.samples.items()}
    draws.update(_allocation_constants(draws))  # G and b of every resample
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
