"""``data.wall``: the year the demand for tokens meets the stock, as a distribution, and the verdict."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.datawall._wall_report import CITATIONS, wall_figures, wall_finding_parts
from scalewatch.analyses.datawall.demand import (
    DataDemand,
    DemandAssumptions,
    _frontier_table,
    _ln_optimal_tokens,
    data_demand,
    fit_growth,
    repetition_relief,
)
from scalewatch.analyses.datawall.stock import DataStock, DataStockAssumptions, data_stock
from scalewatch.findings import Result, analysis, number_record, records
from scalewatch.findings.rules import Decision, Rule, rule

__all__ = [
    "KEY",
    "QUESTION",
    "VERDICTS",
    "verdict_for",
    "wall_rule",
    "VILLALOBOS_2024",
    "DataWall",
    "data_wall",
    "datawall_finding",
    "CITATIONS",
    "data_wall_analysis",
]


#: the finding's key and the question it answers
KEY = "data.wall"


QUESTION = "data"


#: verdict vocabulary; YEAR is the assumption's verdict_year
VERDICTS = ("wall before YEAR", "no wall before YEAR", "inconclusive")


def verdict_for(p_before: float, year: int) -> str:
    """The verdict for probability ``p_before`` that the stock is met at or before ``year``."""
    if not 0 <= p_before <= 1:
        raise ValueError(f"verdict_for(p_before={p_before!r}); a probability in [0, 1].")
    if p_before >= 0.9:
        return f"wall before {year}"
    if p_before <= 0.1:
        return f"no wall before {year}"
    return "inconclusive"


#: published: Villalobos et al. (2024), "Will we run out of data?", ICML 2024, arXiv:2211.04325v2: the abstract
#: projects that models "will be trained on datasets roughly equal in size to the available stock of public
#: human text data between 2026 and 2032", with a median year of 2028 for full use of the effective stock
VILLALOBOS_2024 = {
    "median": 2028.0,
    "low": 2026.0,
    "high": 2032.0,
    "text": "median 2028; datasets reach the stock of public human text 'between 2026 and 2032' (abstract)",
    "citation": "Villalobos et al. (2024), arXiv:2211.04325v2, abstract (2026-2032) and their projection's median (2028)",
}

#: draws in which demand never meets the stock (a trend that does not grow) count as this many years after the verdict year
_NEVER = 100.0


def wall_rule(verdict_year: int = 2030) -> Rule:
    """The written rule ``data.wall_year`` (findings.rules), with its labels restated for ``verdict_year``."""
    base = rule("data.wall_year")
    if verdict_year == 2030:
        return base
    return replace(base, favourable_label=f"no wall before {verdict_year}", unfavourable_label=f"wall before {verdict_year}")


#: level of the pooled wall year's interval: the central 80% (10% and 90% quantiles) that the rule data.wall_year judges
VERDICT_CI = 0.8


def _decide(pooled: np.ndarray, verdict_year: int) -> tuple[Decision, float, float]:
    """The rule's decision on the 10%-90% interval of (wall year - verdict year) over the pooled draws."""
    x = np.where(np.isfinite(pooled), pooled - verdict_year, _NEVER)
    lo, hi = (float(v) for v in np.quantile(x, [(1 - VERDICT_CI) / 2, (1 + VERDICT_CI) / 2]))
    return wall_rule(verdict_year).decide(lo, hi), lo, hi


@dataclass(frozen=True, eq=False)
class DataWall(Result):
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
    scenarios : DataFrame
        The wall year (pooled median and interval, and per route) under each
        choice: demand in unique tokens (the default), demand as tokens seen
        (dataset size x epochs), repetition relief applied once (stock x D'/U
        at ``relief_epochs``), and Villalobos et al.'s published projection.
    decision : Decision
        The rule ``data.wall_year`` applied to the pooled draws.
    verdict : str
        ``decision.verdict``.
    """

    FINDING_KEY = KEY
    QUESTION = QUESTION

    stock: DataStock = field(repr=False)
    demand: DataDemand = field(repr=False)
    wall_years: dict[str, np.ndarray] = field(repr=False)
    relief_factor: float
    relief_years: dict[str, np.ndarray] = field(repr=False)
    sensitivity: pd.DataFrame = field(repr=False)
    verdict: str
    scenarios: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    decision: Decision | None = field(repr=False, default=None)
    seed: Any = 0
    seconds: float = math.nan

    @property
    def ci(self) -> float:
        return self.stock.ci

    def year_ci(self, route: str = "pooled") -> float:
        """Level of ``route``'s wall-year interval: the pooled one is the rule's central 80%, the routes' the report's level."""
        return VERDICT_CI if route == "pooled" else self.ci

    def year_summary(self, route: str = "pooled") -> tuple[float, float, float]:
        """(median, low, high) wall year of ``route`` at level :meth:`year_ci`.

        The pooled interval is the one the verdict judges (rule ``data.wall_year``: the 10% and 90% quantiles, a
        draw in which demand never meets the stock counted as 100 years after the verdict year), so the report
        quotes the pooled wall year with one interval; a route's interval drops such draws.
        """
        v = self.wall_years[route]
        ci = self.year_ci(route)
        q = [(1 - ci) / 2, 0.5, (1 + ci) / 2]
        if route == "pooled":
            year = self.demand.assumptions.verdict_year
            lo, med, hi = np.quantile(np.where(np.isfinite(v), v, year + _NEVER), q)
        else:
            lo, med, hi = np.quantile(v[np.isfinite(v)], q)
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

        def d(v: tuple[float, float, float], ci: float | None = None) -> dict[str, float]:
            return {"median": v[0], "low": v[1], "high": v[2], "ci": self.ci if ci is None else ci}

        return {
            "key": KEY,
            "verdict": self.verdict,
            "verdict_year": a.verdict_year,
            "p_wall_before_verdict_year": self.p_before(a.verdict_year),
            "p_wall_before": {str(y): self.p_before(y) for y in (2026, 2028, 2030, 2032, 2035)},
            "wall_year": {route: d(self.year_summary(route), self.year_ci(route)) for route in self.wall_years},
            "repetition": {
                "relief_epochs": a.relief_epochs,
                "r_star": a.r_star,
                "effective_data_per_unique_token": self.relief_factor,
                "years_gained": {route: d(self.relief_summary(route)) for route in self.relief_years},
                "stock_epochs": a.stock_epochs,
            },
            "sensitivity": records(self.sensitivity),
            "scenarios": records(self.scenarios),
            "published": {k: v for k, v in VILLALOBOS_2024.items()},
            "rule": None if self.decision is None else self.decision.to_dict(),
            "stock": self.stock.to_dict(),
            "demand": self.demand.to_dict(),
            "seed": self.seed if isinstance(self.seed, (int, type(None))) else "generator",
            "seconds": self.seconds,
        }

    def report(self) -> str:
        a = self.demand.assumptions
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
            lines.append(f"    wall year ({route:<16}) {med:.1f} [{lo:.1f}, {hi:.1f}] {100 * self.year_ci(route):g}%")
        med, lo, hi = self.relief_summary()
        lines.append(
            f"    repetition ({a.relief_epochs:g} epochs)       x{self.relief_factor:.3g} effective data per unique token: "
            f"+{med:.2f} yr [{lo:.2f}, {hi:.2f}] if the stock counted unique tokens"
        )
        lines.append("[[Scenarios]] pooled wall year: median [interval], shift from the baseline")
        for row in self.scenarios.itertuples():
            lines.append(f"    {row.scenario:<58} {row.median:.1f} [{row.low:.1f}, {row.high:.1f}]  {row.shift_years:+.1f} yr")
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
        out.append(number_record("usable stock", med, lo, hi, "tokens", ci, "human text (Villalobos et al. 2024) plus extensions, Monte Carlo"))
        for name, v in st.components.items():
            m, l, h = st.summary(v)
            out.append(number_record(f"stock: {name}", m, l, h, "tokens", ci, "Monte Carlo of the cited inputs"))
        m, l, h = st.summary(st.ratio_to_reference)
        out.append(number_record(f"stock / {st.assumptions.reference_label}", m, l, h, "x", ci, st.assumptions.reference_source))
        for label, trend in (("frontier compute growth", self.demand.compute), ("frontier dataset growth", self.demand.dataset)):
            g = trend.growth_per_year()
            out.append(number_record(label, g[0], g[1], g[2], "x/yr", ci, f"{trend.n} frontier {a.domain.lower()} models from {a.start:g}; OLS, case bootstrap"))
        b = self.demand.law_quantity("b")
        out.append(number_record("compute-optimal data exponent b", b[0], b[1], b[2], "", ci, "D_opt ~ C^b; Chinchilla refit to Hoffmann et al.'s runs"))
        for route in self.wall_years:
            m, l, h = self.year_summary(route)
            out.append(number_record(f"wall year ({route})", m, l, h, "year", self.year_ci(route),
                                     "demand meets the stock if the trends continue"
                                     + ("; central 80% of the pooled draws, the interval the rule data.wall_year judges" if route == "pooled" else "")))
        out.append(number_record(f"P(wall by {a.verdict_year})", self.p_before(a.verdict_year), None, None, "", None, "share of pooled Monte Carlo draws"))
        for row in self.scenarios.itertuples():
            if row.kind == "published":
                out.append(number_record("wall year, published (Villalobos et al. 2024)", row.median, None, None, "year", None,
                                         VILLALOBOS_2024["text"] + "; the range is the paper's, not an interval of ours"))
            elif row.kind != "baseline":
                out.append(number_record(f"wall year, scenario: {row.scenario}", row.median, row.low, row.high, "year", ci,
                                         f"pooled routes; {row.shift_years:+.1f} years from the baseline"))
        m, l, h = self.relief_summary()
        out.append(number_record(f"repetition relief ({a.relief_epochs:g} epochs)", m, l, h, "years", ci,
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
        return {"stock_inputs": inputs, "frontier_models": self.demand.frontier.copy(), "sensitivity": self.sensitivity.copy(),
                "scenarios": self.scenarios.copy()}

    def __repr__(self) -> str:
        med, lo, hi = self.year_summary()
        return f"DataWall({self.verdict!r}: wall year {med:.1f} [{lo:.1f}, {hi:.1f}])"

    def figures(self) -> dict[str, dict[str, Any]]:
        """Plotly figures (JSON dicts), by name."""
        return wall_figures(self)

    def finding_parts(self) -> dict[str, Any]:
        """Title, summary, captioned figures, tables, method, data and citations of :meth:`to_finding`."""
        return wall_finding_parts(self)


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
    law_seed = int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None  # the report's seed
    dm = demand if isinstance(demand, DataDemand) else data_demand(demand, ci=ci, seed=int(rng.integers(2**63)), law_seed=law_seed)
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
    scenarios = _scenarios(st, dm, walls, mc, ci)
    decision, _, _ = _decide(walls["pooled"], a.verdict_year)
    return DataWall(
        stock=st,
        demand=dm,
        wall_years=walls,
        relief_factor=relief,
        relief_years=years,
        sensitivity=sens,
        verdict=decision.verdict,
        scenarios=scenarios,
        decision=decision,
        seed=seed if isinstance(seed, (int, type(None))) else "generator",
        seconds=time.perf_counter() - t_start,
    )


def _summary_row(kind: str, scenario: str, demand: str, repetition: str, w: dict[str, np.ndarray], ci: float) -> dict[str, Any]:
    def med(v: np.ndarray) -> float:
        v = v[np.isfinite(v)]
        return float(np.median(v)) if v.size else math.nan

    v = w["pooled"][np.isfinite(w["pooled"])]
    lo, m, hi = np.quantile(v, [(1 - ci) / 2, 0.5, (1 + ci) / 2]) if v.size else (math.nan,) * 3
    return {"kind": kind, "scenario": scenario, "demand": demand, "repetition": repetition, "median": float(m), "low": float(lo),
            "high": float(hi), "dataset_trend": med(w["dataset trend"]), "compute_optimal": med(w["compute-optimal"])}


def _scenarios(st: DataStock, dm: DataDemand, walls: dict[str, np.ndarray], rng: np.random.Generator, ci: float) -> pd.DataFrame:
    """The wall year under each accounting choice, one change at a time from the baseline (the configured demand)."""
    from scalewatch.analyses.datawall.demand import DEMAND_MEASURES

    a = dm.assumptions
    other = "seen" if a.demand_measure == "unique" else "unique"
    rows = [_summary_row("baseline", f"baseline: demand as {DEMAND_MEASURES[a.demand_measure].split(' (')[0]}, "
                         + ("no repetition relief" if a.stock_epochs == 1 else f"stock at {a.stock_epochs:g} epochs"),
                         a.demand_measure, f"{a.stock_epochs:g} epoch(s)", walls, ci)]
    frontier, _ = _frontier_table(a.replace(demand_measure=other))
    dsf = frontier.dropna(subset=["tokens"])
    try:
        dset = fit_growth(dsf["year"], dsf["tokens"], n_boot=len(dm.dataset.draws), ci=ci, seed=int(rng.integers(2**63)))
        w = _wall_samples(st.total, replace(dm, dataset=dset, assumptions=a.replace(demand_measure=other)), np.random.default_rng(int(rng.integers(2**63))))
        rows.append(_summary_row("measure", f"demand as {DEMAND_MEASURES[other].split(' (')[0]}",
                                 other, f"{a.stock_epochs:g} epoch(s)", w, ci))
    except ValueError:
        pass
    if a.relief_epochs != a.stock_epochs:
        relief = float(repetition_relief(a.relief_epochs, a.r_star))
        w = _wall_samples(st.total, replace(dm, assumptions=a.replace(stock_epochs=a.relief_epochs)), np.random.default_rng(int(rng.integers(2**63))))
        rows.append(_summary_row("repetition", f"repetition relief once: stock x {relief:.3g} (up to {a.relief_epochs:g} epochs, Muennighoff et al.)",
                                 a.demand_measure, f"{a.relief_epochs:g} epochs", w, ci))
    v = VILLALOBOS_2024
    rows.append({"kind": "published", "scenario": "published: Villalobos et al. (2024)", "demand": "their dataset-size projection",
                 "repetition": "their effective stock", "median": v["median"], "low": v["low"], "high": v["high"],
                 "dataset_trend": math.nan, "compute_optimal": math.nan})
    out = pd.DataFrame(rows)
    out["shift_years"] = out["median"] - out.loc[0, "median"]
    return out


def datawall_finding(*, fast: bool = False, seed: int = 0):
    """:func:`data_wall` with the cited defaults, as a Finding.

    ``fast`` cuts the Monte Carlo and the bootstraps (4,000 draws, 300 trend and
    200 law resamples, the report's fast count) for tests; the default takes a few seconds.
    """
    from scalewatch.analyses.pretraining import CHINCHILLA_N_BOOT

    if fast:
        stock = DataStockAssumptions(n_samples=4000)
        demand = DemandAssumptions(n_boot=300, law_bootstrap=CHINCHILLA_N_BOOT[1])
        return data_wall(stock, demand, seed=seed, sensitivity_starts=(2019.0, 2020.0, 2021.0)).to_finding()
    return data_wall(seed=seed).to_finding()


@analysis(KEY, question=QUESTION, requires=("epoch-ai-models", "chinchilla-hoffmann2022"))
def data_wall_analysis(ctx):
    """Data wall: when frontier demand for training tokens meets the stock of public text."""
    return datawall_finding(fast=ctx.fast, seed=ctx.seed)
