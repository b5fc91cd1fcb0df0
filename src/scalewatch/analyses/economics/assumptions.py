r"""What compute costs: training from FLOP, inference from tokens or FLOP, and the debate's own numbers.

Training cost
-------------
From training compute :math:`C` (FLOP), the accelerator's dense peak
throughput :math:`R` (FLOP/s, BF16 tensor), the model FLOP utilisation
:math:`u` and a price per accelerator-hour :math:`p`:

.. math:: H = \frac{C}{3600\, R\, u}\ \text{accelerator-hours},\qquad
          \text{cloud cost} = H\, p.

The owner's view amortises the hardware and pays for energy (Cottier et al.
2024): :math:`H (P_{\text{server}}\, o_{\text{net}} / L) + E\, p_E` with
:math:`P_{\text{server}}` the server price per accelerator, :math:`o_{\text{net}}`
the cluster-interconnect overhead, :math:`L` the hardware lifetime in hours and
energy :math:`E = H \cdot \text{TDP} \cdot s \cdot f \cdot \text{PUE}` (server
power per chip :math:`s` x TDP, fraction :math:`f` of it drawn on average).

Inference cost
--------------
Per task from tokens and list prices, :math:`t_{in} p_{in} + t_{out} p_{out}`;
or from FLOP, :math:`2 N` per token (Kaplan et al. 2020, sec. 2.1), at an
inference utilisation.

Cluster size
------------
What a budget :math:`B` buys (:func:`cluster_for_budget`): servers only,
:math:`B / (P_{\text{server}}\, o_{\text{net}})`; or all-in, when the budget also
pays for the datacenter, its power and the staff,
:math:`B\, s_{\text{srv}} (1 - s_{\text{staff}}) / (P_{\text{server}}\, o_{\text{net}})`
with the servers' share of a datacenter's cost of ownership (Epoch AI 2026)
and R&D staff's share of development cost (Cottier et al. 2024), both quoted.

Uncertainty
-----------
Every input is an :class:`Assumption` with a central value and a range:
either observed values (prices in Epoch's database, utilisations of real
training runs), which draws resample, or a (low, value, high) triple, drawn
from a triangular distribution on a log scale. Costs are computed at the
central values; their intervals are percentiles of a seeded Monte Carlo over
the assumptions. These intervals say how much the answer moves over plausible
inputs; they are not sampling confidence intervals.

Defaults (:data:`DEFAULTS`) come from the ``epoch-ml-hardware`` and
``epoch-ai-models`` snapshots (and :func:`defaults_from_data` recomputes them
from the data) or from Epoch's ``training-cost-trends`` code (Cottier et al.
2024), each with its source. Published API prices (:data:`API_PRICES`) are
literature figures with their dates.

References
----------
Cottier, Rahman, Fattorini, Maslej, Besiroglu & Owen (2024), "The rising costs
of training frontier AI models", arXiv:2405.21015; code
https://github.com/epoch-research/training-cost-trends (``hardware.py``,
``energy.py``, ``constants.py``).
Kaplan et al. (2020), arXiv:2001.08361, sec. 2.1 (C = 6ND; 2N FLOP per token
at inference).
Sardana, Portes, Doubov & Frankle (2024), "Beyond Chinchilla-Optimal:
Accounting for Inference in Language Model Scaling Laws", ICML,
arXiv:2401.00448.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from scalewatch import seeds
from scalewatch.findings import Result

__all__ = ["HOURS_PER_YEAR", "Assumption", "Component", "CostEstimate"]


HOURS_PER_YEAR = 24 * 365.25


_DRAWS = 4000  # Monte Carlo draws over the assumptions


def _positive(x: Any, name: str, func: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)) or not math.isfinite(float(x)) or float(x) <= 0:
        raise ValueError(f"{func}({name}={x!r}) must be a positive number.")
    return float(x)


@dataclass(frozen=True)
class Assumption:
    """An input of a cost calculation: a central value, its range, its unit and where it comes from.

    Parameters
    ----------
    name : str
        What it is ("H100 price per hour").
    value : float
        Central value, used for the estimate.
    low, high : float, optional
        Range; draws come from a triangular distribution with mode ``value``
        on ``scale`` (log by default). Omit both for a fixed value.
    unit : str
    source : str
        Citation or dataset, with the date.
    values : tuple of float, optional
        Observed values (offers, measured utilisations); when given, draws
        resample them and ``low``/``high`` default to their range.
    scale : {"log", "linear"}, default "log"

    Examples
    --------
    >>> a = Assumption("utilisation", 0.4, 0.3, 0.5)
    >>> bool(np.all((a.sample(100, np.random.default_rng(0)) >= 0.3)))
    True
    >>> Assumption.from_values("price", [2.0, 3.0, 10.0], unit="USD/h").value
    3.0
    """

    name: str
    value: float
    low: float | None = None
    high: float | None = None
    unit: str = ""
    source: str = ""
    values: tuple[float, ...] = ()
    scale: str = "log"

    def __post_init__(self) -> None:
        where = f"Assumption({self.name!r}"
        v = float(self.value)
        if not math.isfinite(v):
            raise ValueError(f"{where}, value={self.value!r}) must be finite.")
        vals = tuple(float(x) for x in self.values)
        low, high = self.low, self.high
        if vals:
            low = min(vals) if low is None else low
            high = max(vals) if high is None else high
        if (low is None) != (high is None):
            raise ValueError(f"{where}): give both low and high, or neither (a fixed value).")
        if low is not None:
            low, high = float(low), float(high)  # type: ignore[arg-type]
            if not low <= v <= high:
                raise ValueError(f"{where}): need low <= value <= high; got {low} <= {v} <= {high}.")
        if self.scale not in ("log", "linear"):
            raise ValueError(f"{where}, scale={self.scale!r}): allowed scales are 'log' and 'linear'.")
        if self.scale == "log" and (v <= 0 or (low is not None and low <= 0)):
            raise ValueError(f"{where}): scale='log' needs positive values; use scale='linear' for values <= 0.")
        object.__setattr__(self, "value", v)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "values", vals)

    @classmethod
    def from_values(cls, name: str, values: Sequence[float], *, unit: str = "", source: str = "", scale: str = "log") -> Assumption:
        """The median of observed ``values`` as the central value, their range as the range; draws resample them."""
        vals = np.asarray([float(v) for v in values], dtype=np.float64)
        vals = vals[np.isfinite(vals)]
        if vals.size == 0:
            raise ValueError(f"Assumption.from_values({name!r}): no finite values.")
        return cls(name, float(np.median(vals)), unit=unit, source=source, values=tuple(vals.tolist()), scale=scale)

    @property
    def fixed(self) -> bool:
        return self.low is None or self.low == self.high

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws: resampled observed values, a log- (or linear-) triangular draw, or the fixed value."""
        if self.values:
            return rng.choice(np.asarray(self.values), size=n, replace=True)
        if self.fixed:
            return np.full(n, self.value)
        lo, mode, hi = self.low, self.value, self.high
        if self.scale == "log":
            lo, mode, hi = math.log(lo), math.log(mode), math.log(hi)  # type: ignore[arg-type]
            return np.exp(rng.triangular(lo, mode, hi, size=n))
        return rng.triangular(lo, mode, hi, size=n)

    def at(self, value: float) -> Assumption:
        """The same assumption set to one value by the user (no range)."""
        was = f" (default: {self.value:g} {self.unit}".rstrip() + ")" if self.source else ""
        return replace(self, value=float(value), low=None, high=None, values=(), source="given" + was)

    def text(self) -> str:
        rng = "" if self.fixed else f" [{self.low:.4g}, {self.high:.4g}]"
        return f"{self.value:.4g}{rng} {self.unit}".rstrip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "value": self.value, "low": self.low, "high": self.high, "unit": self.unit,
            "source": self.source, "n_values": len(self.values), "scale": self.scale,
            "draws": "resampled observed values" if self.values else ("fixed" if self.fixed else f"triangular on a {self.scale} scale"),
        }


def _as_assumption(x: Any, default: Assumption, func: str, name: str) -> Assumption:
    """A user's number, (low, value, high) triple or Assumption -> Assumption (the default when None)."""
    if x is None:
        return default
    if isinstance(x, Assumption):
        return x
    if isinstance(x, (tuple, list)) and len(x) == 3:
        lo, v, hi = (float(t) for t in x)
        return Assumption(default.name, v, lo, hi, default.unit, "given", scale=default.scale)
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{func}({name}=...) takes a number, a (low, value, high) triple or an Assumption; got {type(x).__name__}.")
    if not math.isfinite(float(x)) or (default.scale == "log" and float(x) <= 0):
        raise ValueError(f"{func}({name}={x!r}) must be a positive number ({default.unit}).")
    return default.at(float(x))


@dataclass(frozen=True)
class Component:
    """One computed quantity of a cost estimate: value at the central assumptions, and its range."""

    name: str
    value: float
    low: float
    high: float
    unit: str
    note: str = ""

    def text(self) -> str:
        from scalewatch.findings import format_interval

        return f"{format_interval(self.value, self.low, self.high)} {self.unit}".rstrip()


@dataclass(frozen=True)
class CostEstimate(Result):
    """Computed quantities, the assumptions behind them and how their ranges were propagated.

    Attributes
    ----------
    title : str
    components : tuple of Component
    assumptions : tuple of Assumption
    ci : float
        Level of the ranges (percentiles of the Monte Carlo over assumptions).
    n_draws : int
    seed : int or None
    notes : tuple of str
    draws : mapping of str -> numpy.ndarray
        The Monte Carlo draws of every component (to combine estimates draw by draw).
    """

    title: str
    components: tuple[Component, ...]
    assumptions: tuple[Assumption, ...]
    ci: float
    n_draws: int
    seed: Any = None
    notes: tuple[str, ...] = ()
    draws: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def __getitem__(self, name: str) -> Component:
        for c in self.components:
            if c.name == name:
                return c
        raise KeyError(f"{self.title} has no component {name!r}; components: {[c.name for c in self.components]}")

    def numbers(self, names: Sequence[str] | Mapping[str, str] | None = None) -> list[Any]:
        """The components as report :class:`~scalewatch.findings.Number` s (interval over assumptions).

        Parameters
        ----------
        names : sequence of str, or mapping component -> displayed name, optional
            Which components (default all), and what to call them.
        """
        from scalewatch.findings import Number

        shown = dict(names) if isinstance(names, Mapping) else {n: n for n in (names or [c.name for c in self.components])}
        out = []
        for c in self.components:
            if c.name not in shown:
                continue
            note = (c.note + "; " if c.note else "") + "interval: range over the assumptions (Monte Carlo), not sampling error"
            if c.low == c.high:
                out.append(Number(shown[c.name], c.value, unit=c.unit, note=(c.note + "; " if c.note else "") + "exact under the stated inputs (no range)"))
            else:
                out.append(Number(shown[c.name], c.value, c.low, c.high, c.unit, self.ci, note))
        return out

    def to_dict(self) -> dict[str, Any]:
        from scalewatch.findings import json_safe

        return json_safe({
            "title": self.title, "ci": self.ci, "n_draws": self.n_draws, "seed": self.seed,
            "interval": "percentiles of a Monte Carlo over the assumptions' ranges",
            "components": [c.__dict__ for c in self.components],
            "assumptions": [a.to_dict() for a in self.assumptions], "notes": list(self.notes),
        })

    def report(self) -> str:
        pct = f"{100 * self.ci:g}%"
        w = max(len(c.name) for c in self.components)
        lines = [f"[[{self.title}]]"]
        lines += [f"    {c.name:<{w}}  {c.text()}" for c in self.components]
        lines.append(f"[[Assumptions]] ({pct} ranges from {self.n_draws} draws over these)")
        wa = max(len(a.name) for a in self.assumptions)
        lines += [f"    {a.name:<{wa}}  {a.text():<34} {a.source}" for a in self.assumptions]
        lines += [f"    note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"CostEstimate({self.title!r}, " + ", ".join(f"{c.name}={c.value:.4g}" for c in self.components[:3]) + ")"


def _propagate(
    title: str,
    fn: Callable[..., Mapping[str, Any]],
    assumptions: Mapping[str, Assumption],
    units: Mapping[str, str],
    *,
    notes_of: Mapping[str, str] | None = None,
    n_draws: int,
    ci: float,
    seed: Any,
    notes: Sequence[str] = (),
) -> CostEstimate:
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or n_draws < 100:
        raise ValueError(f"{title}: n_draws={n_draws!r} must be an integer >= 100 (4000 by default).")
    if isinstance(ci, bool) or not isinstance(ci, (int, float)) or not 0 < ci < 1:
        raise ValueError(f"{title}: ci={ci!r} must be a level between 0 and 1, e.g. 0.95.")
    rng = seeds.rng(seed)
    central = fn(**{k: a.value for k, a in assumptions.items()})
    draws = fn(**{k: a.sample(int(n_draws), rng) for k, a in assumptions.items()})
    q = ((1 - ci) / 2, (1 + ci) / 2)
    comps, kept = [], {}
    for name, unit in units.items():
        d = np.broadcast_to(np.asarray(draws[name], dtype=np.float64), (int(n_draws),))
        kept[name] = np.array(d)
        lo, hi = (float(v) for v in np.quantile(d, q))
        v = float(central[name])
        if all(a.fixed for a in assumptions.values()):
            lo = hi = v
        comps.append(Component(name, v, min(lo, v), max(hi, v), unit, (notes_of or {}).get(name, "")))
    return CostEstimate(title, tuple(comps), tuple(assumptions.values()), float(ci), int(n_draws), seeds.seed_label(seed), tuple(notes), kept)
