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

import datetime as _dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

__all__ = [
    "Assumption",
    "Component",
    "CostEstimate",
    "Hardware",
    "HARDWARE",
    "hardware",
    "DEFAULTS",
    "defaults_from_data",
    "training_cost",
    "inference_cost",
    "inference_flop_cost",
    "cluster_for_budget",
    "ApiPrice",
    "API_PRICES",
    "api_price",
    "reasoning_premium",
    "InferenceAwareAllocation",
    "inference_aware_allocation",
    "HOFFMANN_2022",
    "PriceDecline",
    "price_decline",
    "CostToTarget",
    "cost_to_target",
    "TOKENS_PER_SAMPLE",
    "REASONING_TOKENS",
    "HOURS_PER_YEAR",
]

HOURS_PER_YEAR = 24 * 365.25
_DRAWS = 4000  # Monte Carlo draws over the assumptions


def _rng(seed: Any) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _seed_label(seed: Any) -> Any:
    return int(seed) if isinstance(seed, (int, np.integer)) else (None if seed is None else "generator")


def _positive(x: Any, name: str, func: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)) or not math.isfinite(float(x)) or float(x) <= 0:
        raise ValueError(f"{func}({name}={x!r}) must be a positive number.")
    return float(x)


# =============================================================================
# assumptions and estimates
# =============================================================================


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
        from scalewatch.analyses._finding import format_interval

        return f"{format_interval(self.value, self.low, self.high)} {self.unit}".rstrip()


@dataclass(frozen=True)
class CostEstimate:
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
        """The components as report :class:`~scalewatch.analyses.Number` s (interval over assumptions).

        Parameters
        ----------
        names : sequence of str, or mapping component -> displayed name, optional
            Which components (default all), and what to call them.
        """
        from scalewatch.analyses._finding import Number

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
        from scalewatch.analyses._finding import json_safe

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
    rng = _rng(seed)
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
    return CostEstimate(title, tuple(comps), tuple(assumptions.values()), float(ci), int(n_draws), _seed_label(seed), tuple(notes), kept)


# =============================================================================
# hardware and defaults
# =============================================================================


@dataclass(frozen=True)
class Hardware:
    """An accelerator: dense peak BF16/FP16 tensor throughput and TDP.

    Attributes
    ----------
    name : str
        As in Epoch's chip database.
    peak_flops : float
        Dense (no sparsity) Tensor-FP16/BF16 peak, FLOP/s.
    tdp_w : float
        Thermal design power of the chip, W.
    chip_to_server_power : float
        Server power per chip / chip TDP (CPUs, memory, network, fans).
    source : str
    """

    name: str
    peak_flops: float
    tdp_w: float
    chip_to_server_power: float
    source: str


_CHIP_SOURCE = "Epoch AI ML hardware database (epoch-ml-hardware, June 2025), Tensor-FP16/BF16 performance and TDP"
# chip-to-server power: DGX H100 10.2 kW / 8 GPUs / 0.7 kW = 1.82; DGX A100 6.5 kW / 8 / 0.4 kW = 2.03;
# 1.8 for others (training-cost-trends energy.py, chip_to_server_power)
#: accelerators by name (values as in the epoch-ml-hardware snapshot; see :func:`hardware`)
HARDWARE: Mapping[str, Hardware] = {
    "NVIDIA H100 SXM5 80GB": Hardware("NVIDIA H100 SXM5 80GB", 9.894e14, 700.0, (10.2 / 8) / 0.7, _CHIP_SOURCE),
    "NVIDIA H200 SXM": Hardware("NVIDIA H200 SXM", 9.895e14, 700.0, 1.8, _CHIP_SOURCE),
    "NVIDIA A100 SXM4 80 GB": Hardware("NVIDIA A100 SXM4 80 GB", 3.12e14, 400.0, (6.5 / 8) / 0.4, _CHIP_SOURCE),
    "NVIDIA B200": Hardware("NVIDIA B200", 2.25e15, 1000.0, 1.8, _CHIP_SOURCE),
}
_HW_ALIASES = {"h100": "NVIDIA H100 SXM5 80GB", "h200": "NVIDIA H200 SXM", "a100": "NVIDIA A100 SXM4 80 GB", "b200": "NVIDIA B200"}


def hardware(name: str | Hardware = "H100") -> Hardware:
    """An accelerator by name or short alias (``"H100"``, ``"A100"``, ``"H200"``, ``"B200"``).

    Examples
    --------
    >>> hardware("H100").peak_flops
    989400000000000.0
    """
    if isinstance(name, Hardware):
        return name
    key = _HW_ALIASES.get(str(name).lower(), str(name))
    try:
        return HARDWARE[key]
    except KeyError:
        raise ValueError(
            f"hardware {name!r} is not known; use one of {sorted(_HW_ALIASES)} or {sorted(HARDWARE)}, or pass Hardware(...)."
        ) from None


_EPOCH_COST_CODE = "Epoch training-cost-trends (Cottier et al. 2024, arXiv:2405.21015)"

# The data-derived central values and ranges are copied from the dataset snapshots so the
# library works without them; tests check them against defaults_from_data().
#: default assumptions; every cost function takes these names as keyword arguments
DEFAULTS: Mapping[str, Assumption] = {
    "mfu": Assumption(
        "training utilisation (MFU)", 0.38, 0.19195, 0.5772, "",
        "epoch-ai-models: median and 2.5-97.5% of the 61 training runs with a reported hardware utilisation in (0, 1]",
        scale="linear",
    ),
    "inference_mfu": Assumption(
        "inference utilisation", 0.2, 0.05, 0.5, "",
        "assumption: decoding is memory-bound at small batch; prefill reaches 76% MFU in Pope et al. (2022), arXiv:2211.05102",
    ),
    "gpu_hour_price": Assumption(
        "H100 price per GPU-hour", 3.49, 2.45, 12.29, "USD/h",
        "epoch-ml-hardware hardware_prices: median and range of 16 on-demand H100 SXM5 offers, 2024-01 to 2025-03 (nominal USD)",
    ),
    "server_price": Assumption(
        "H100 server price per GPU", 34918.56, 28750.0, 46875.0, "USD",
        "epoch-ml-hardware hardware_prices: median and range of 12 DGX/HGX H100 8-GPU server prices / 8, 2022-09 to 2025-03",
    ),
    "interconnect": Assumption(
        "cluster interconnect overhead", 1.15, 1.10, 1.25, "x",
        f"{_EPOCH_COST_CODE}, constants.py CLUSTER_INTERCONNECT_COST_OVERHEAD = 1.15 (range assumed)",
    ),
    "lifetime_years": Assumption(
        "hardware lifetime", 5.0, 3.0, 6.0, "years",
        f"{_EPOCH_COST_CODE}, hardware.py get_server_lifetime: 5 years from 2023 (3-6 years across hyperscalers)",
    ),
    "pue": Assumption(
        "power usage effectiveness", 1.25, 1.1, 1.5, "",
        f"{_EPOCH_COST_CODE}, energy.py: 1.1 hyperscalers, 1.25 others; colocation 1.5-1.6 (SemiAnalysis)",
    ),
    "tdp_fraction": Assumption(
        "average power / server TDP", 0.75, 0.5, 1.0, "",
        f"{_EPOCH_COST_CODE}, energy.py server_TDP_fraction for GPUs, 90% CI 0.5-1.0",
        scale="linear",
    ),
    "electricity": Assumption(
        "electricity price", 0.0806, 0.05, 0.12, "USD/kWh",
        f"US industrial average 2023 (EIA), as in {_EPOCH_COST_CODE}, energy.py; range assumed",
    ),
}


def defaults_from_data(hardware_ds: Any = None, models_ds: Any = None) -> dict[str, Assumption]:
    """Recompute the data-derived defaults (utilisation, H100 prices) from the dataset snapshots.

    Parameters
    ----------
    hardware_ds : Dataset, optional
        ``epoch-ml-hardware`` (default: loaded).
    models_ds : Dataset, optional
        ``epoch-ai-models`` (default: loaded).

    Returns
    -------
    dict of str -> Assumption
        ``mfu``, ``gpu_hour_price`` and ``server_price`` with their observed
        values attached (draws resample them).
    """
    from scalewatch.data import datasets

    hw = hardware_ds if hardware_ds is not None else datasets.load("epoch-ml-hardware")
    md = models_ds if models_ds is not None else datasets.load("epoch-ai-models")
    u = md.tables["models"]["hardware_utilization"].dropna()
    u = u[(u > 0) & (u <= 1)].to_numpy(dtype=np.float64)
    pr = hw.tables["prices"]
    h = pr[pr["hardware_model"] == "NVIDIA H100 SXM5 80GB"]
    od = h[h["price_per_chip_hour_on_demand"].notna() & (h["price_date"] >= "2024-01-01")]
    od = od.drop_duplicates(["vendor", "price_date", "price_per_chip_hour_on_demand"])  # one offer per vendor and day
    sv = h[h["price_purchase"].notna() & (h["n_gpus"] == 8)]  # server quotes (DGX/HGX) already divided by 8 upstream
    mfu = DEFAULTS["mfu"]
    return {
        "mfu": replace(mfu, value=float(np.median(u)), low=float(np.quantile(u, 0.025)), high=float(np.quantile(u, 0.975)),
                       values=tuple(u.tolist())),
        "gpu_hour_price": Assumption.from_values(
            DEFAULTS["gpu_hour_price"].name, od["price_per_chip_hour_on_demand"].to_numpy(dtype=float),
            unit="USD/h", source=DEFAULTS["gpu_hour_price"].source),
        "server_price": Assumption.from_values(
            DEFAULTS["server_price"].name, sv["price_purchase"].to_numpy(dtype=float),
            unit="USD", source=DEFAULTS["server_price"].source),
    }


# =============================================================================
# training and inference cost
# =============================================================================


def training_cost(
    flop: float,
    *,
    hardware_name: str | Hardware = "H100",
    mfu: Any = None,
    gpu_hour_price: Any = None,
    server_price: Any = None,
    interconnect: Any = None,
    lifetime_years: Any = None,
    pue: Any = None,
    tdp_fraction: Any = None,
    electricity: Any = None,
    n_draws: int = _DRAWS,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> CostEstimate:
    r"""Cost of a training run of ``flop`` FLOP: GPU-hours, cloud rental, and the owner's hardware plus energy.

    .. math:: H = C / (3600\,R\,u),\quad \text{cloud} = H p,\quad
              \text{owner} = H\,\frac{P_s o_{net}}{8766 L} + H\,\text{TDP}\, s f\,\text{PUE}\, p_E

    Parameters
    ----------
    flop : float
        Training compute C (e.g. 6ND).
    hardware_name : str or Hardware, default "H100"
        Accelerator (:func:`hardware`).
    mfu, gpu_hour_price, server_price, interconnect, lifetime_years, pue, tdp_fraction, electricity
        Override a default (:data:`DEFAULTS`): a number (fixed), a
        (low, value, high) triple or an :class:`Assumption`.
    n_draws : int, default 4000
        Monte Carlo draws over the assumptions.
    ci : float, default 0.95
    seed : int, Generator or None, default 0

    Returns
    -------
    CostEstimate
        Components ``gpu_hours``, ``cloud_usd``, ``hardware_usd`` (amortised),
        ``energy_mwh``, ``energy_usd``, ``owner_usd``.

    References
    ----------
    Cottier et al. (2024), arXiv:2405.21015 (amortised hardware plus
    energy; cloud rental).

    Examples
    --------
    >>> est = training_cost(3.8e25, mfu=0.4, gpu_hour_price=2.0)  # Llama 3.1 405B's compute at 40% MFU
    >>> round(est["gpu_hours"].value / 1e6, 1)  # million H100-hours
    26.7
    """
    func = "training_cost"
    C = _positive(flop, "flop", func)
    hw = hardware(hardware_name)
    A = {
        "mfu": _as_assumption(mfu, DEFAULTS["mfu"], func, "mfu"),
        "gpu_hour_price": _as_assumption(gpu_hour_price, DEFAULTS["gpu_hour_price"], func, "gpu_hour_price"),
        "server_price": _as_assumption(server_price, DEFAULTS["server_price"], func, "server_price"),
        "interconnect": _as_assumption(interconnect, DEFAULTS["interconnect"], func, "interconnect"),
        "lifetime_years": _as_assumption(lifetime_years, DEFAULTS["lifetime_years"], func, "lifetime_years"),
        "pue": _as_assumption(pue, DEFAULTS["pue"], func, "pue"),
        "tdp_fraction": _as_assumption(tdp_fraction, DEFAULTS["tdp_fraction"], func, "tdp_fraction"),
        "electricity": _as_assumption(electricity, DEFAULTS["electricity"], func, "electricity"),
    }
    if not 0 < A["mfu"].value <= 1:
        raise ValueError(f"{func}(mfu={A['mfu'].value!r}) is a utilisation in (0, 1].")

    def fn(mfu, gpu_hour_price, server_price, interconnect, lifetime_years, pue, tdp_fraction, electricity):
        hours = C / (3600.0 * hw.peak_flops * mfu)
        hw_usd = hours * server_price * interconnect / (lifetime_years * HOURS_PER_YEAR)
        mwh = hours * hw.tdp_w * hw.chip_to_server_power * tdp_fraction * pue / 1e6
        energy_usd = mwh * 1000.0 * electricity
        return {"gpu_hours": hours, "cloud_usd": hours * gpu_hour_price, "hardware_usd": hw_usd,
                "energy_mwh": mwh, "energy_usd": energy_usd, "owner_usd": hw_usd + energy_usd}

    units = {"gpu_hours": "GPU-h", "cloud_usd": "USD", "hardware_usd": "USD", "energy_mwh": "MWh", "energy_usd": "USD", "owner_usd": "USD"}
    return _propagate(
        f"Training cost of {C:.3g} FLOP on {hw.name}", fn, A, units, n_draws=n_draws, ci=ci, seed=seed,
        notes_of={
            "gpu_hours": f"C / (3600 x {hw.peak_flops:.4g} FLOP/s x MFU)",
            "cloud_usd": "GPU-hours x on-demand price (rental; includes the provider's margin, power and facility)",
            "hardware_usd": "GPU-hours x server price per GPU x interconnect overhead / lifetime (amortised capex)",
            "energy_mwh": f"GPU-hours x {hw.tdp_w:g} W TDP x {hw.chip_to_server_power:.2f} server/chip power x average fraction x PUE",
            "owner_usd": "amortised hardware + energy (Cottier et al. 2024's hardware capex + energy method)",
        },
        notes=(f"peak {hw.peak_flops:.4g} FLOP/s and TDP {hw.tdp_w:g} W: {hw.source}",),
    )


def inference_cost(
    tokens_in: Any,
    tokens_out: Any,
    *,
    price_in: Any,
    price_out: Any,
    n_draws: int = _DRAWS,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> CostEstimate:
    r"""Cost of one task from its tokens and per-million-token prices: :math:`(t_{in} p_{in} + t_{out} p_{out}) / 10^6`.

    Parameters
    ----------
    tokens_in, tokens_out : float, (low, value, high) or Assumption
        Input and output tokens per task (output includes hidden reasoning
        tokens, which are billed as output).
    price_in, price_out : float, (low, value, high) or Assumption
        USD per million tokens.

    Returns
    -------
    CostEstimate
        Component ``usd_per_task``.

    Examples
    --------
    >>> inference_cost(1000, 500, price_in=2.5, price_out=10.0)["usd_per_task"].value  # GPT-4o, Aug 2024 prices
    0.0075
    """
    func = "inference_cost"
    dflt = {
        "tokens_in": Assumption("input tokens per task", 1.0, unit="tokens"),
        "tokens_out": Assumption("output tokens per task", 1.0, unit="tokens"),
        "price_in": Assumption("input price", 1.0, unit="USD/M tokens"),
        "price_out": Assumption("output price", 1.0, unit="USD/M tokens"),
    }
    given = {"tokens_in": tokens_in, "tokens_out": tokens_out, "price_in": price_in, "price_out": price_out}
    A = {k: _as_assumption(v, dflt[k], func, k) for k, v in given.items()}

    def fn(tokens_in, tokens_out, price_in, price_out):
        return {"usd_per_task": (tokens_in * price_in + tokens_out * price_out) / 1e6}

    return _propagate("Inference cost per task (tokens x list price)", fn, A, {"usd_per_task": "USD"}, n_draws=n_draws, ci=ci, seed=seed)


def inference_flop_cost(
    params: float,
    tokens: Any,
    *,
    hardware_name: str | Hardware = "H100",
    inference_mfu: Any = None,
    gpu_hour_price: Any = None,
    n_draws: int = _DRAWS,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> CostEstimate:
    r"""Cost of generating ``tokens`` tokens with an N-parameter model, from FLOP: :math:`2 N t` FLOP at an inference utilisation.

    Parameters
    ----------
    params : float
        Parameters N (active parameters for a mixture of experts).
    tokens : float, (low, value, high) or Assumption
        Tokens processed (prompt + generated).
    hardware_name, inference_mfu, gpu_hour_price
        As in :func:`training_cost` (``inference_mfu`` defaults to
        :data:`DEFAULTS` ``["inference_mfu"]``).

    Returns
    -------
    CostEstimate
        Components ``flop``, ``gpu_hours``, ``usd``.

    Examples
    --------
    >>> est = inference_flop_cost(1e10, 1e6, inference_mfu=0.5, gpu_hour_price=3.6)
    >>> est["flop"].value, round(est["usd"].value, 6)  # 2e16 FLOP at 4.947e14 FLOP/s effective
    (2e+16, 0.040429)
    """
    func = "inference_flop_cost"
    N = _positive(params, "params", func)
    hw = hardware(hardware_name)
    A = {
        "tokens": _as_assumption(tokens, Assumption("tokens", 1.0, unit="tokens"), func, "tokens"),
        "inference_mfu": _as_assumption(inference_mfu, DEFAULTS["inference_mfu"], func, "inference_mfu"),
        "gpu_hour_price": _as_assumption(gpu_hour_price, DEFAULTS["gpu_hour_price"], func, "gpu_hour_price"),
    }

    def fn(tokens, inference_mfu, gpu_hour_price):
        flop = 2.0 * N * tokens
        hours = flop / (3600.0 * hw.peak_flops * inference_mfu)
        return {"flop": flop, "gpu_hours": hours, "usd": hours * gpu_hour_price}

    return _propagate(
        f"Inference cost of a {N:.3g}-parameter model (2N FLOP per token)", fn, A,
        {"flop": "FLOP", "gpu_hours": "GPU-h", "usd": "USD"}, n_draws=n_draws, ci=ci, seed=seed,
    )


def cluster_for_budget(
    budget: float = 1e9,
    *,
    server_price: Any = None,
    interconnect: Any = None,
    n_draws: int = _DRAWS,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> CostEstimate:
    r"""How many accelerators a capital budget buys: :math:`n = B / (P_{server} \cdot o_{net})`.

    Counts servers (DGX/HGX, per GPU) and the cluster interconnect; leaves out
    the building, power and cooling plant, and staff.

    Parameters
    ----------
    budget : float, default 1e9
        USD.
    server_price, interconnect
        As in :func:`training_cost`.

    Returns
    -------
    CostEstimate
        Components ``gpus`` and ``usd_per_gpu``.

    Examples
    --------
    >>> est = cluster_for_budget(1e9, server_price=40_000, interconnect=1.0)
    >>> est["gpus"].value
    25000.0
    """
    func = "cluster_for_budget"
    B = _positive(budget, "budget", func)
    A = {
        "server_price": _as_assumption(server_price, DEFAULTS["server_price"], func, "server_price"),
        "interconnect": _as_assumption(interconnect, DEFAULTS["interconnect"], func, "interconnect"),
    }

    def fn(server_price, interconnect):
        per = server_price * interconnect
        return {"gpus": B / per, "usd_per_gpu": per}

    return _propagate(
        f"Accelerators bought with {B:.3g} USD", fn, A, {"gpus": "GPUs", "usd_per_gpu": "USD"}, n_draws=n_draws, ci=ci, seed=seed,
        notes_of={"gpus": "budget / (server price per GPU x interconnect overhead)"},
        notes=("servers and cluster network only: the datacenter building, power and cooling plant, and staff are not included",),
    )


# =============================================================================
# published API prices (literature figures)
# =============================================================================


@dataclass(frozen=True)
class ApiPrice:
    """A published per-token API price, as announced, with its date and source.

    Attributes
    ----------
    model : str
    date : str
        ISO date the price took effect.
    usd_per_m_input, usd_per_m_output : float
        USD per million tokens.
    source : str
    mmlu : float or None
        MMLU accuracy reported by the developer (setting in ``mmlu_source``),
        for comparing at equal capability; ``None`` when not published.
    mmlu_source : str
    """

    model: str
    date: str
    usd_per_m_input: float
    usd_per_m_output: float
    source: str
    mmlu: float | None = None
    mmlu_source: str = ""

    def blended(self, input_share: float = 0.75) -> float:
        """USD per million tokens at ``input_share`` input tokens (3:1 by default)."""
        return input_share * self.usd_per_m_input + (1.0 - input_share) * self.usd_per_m_output

    @property
    def year(self) -> float:
        d = _dt.date.fromisoformat(self.date)
        return d.year + (d.timetuple().tm_yday - 0.5) / 365.25


#: literature figures: list prices as announced by OpenAI (USD per million tokens), with dates
API_PRICES: tuple[ApiPrice, ...] = (
    ApiPrice("text-davinci-003", "2022-11-28", 20.0, 20.0,
             "OpenAI API pricing: $0.02 / 1K tokens for Davinci models from 2022-09-01, the price at text-davinci-003's release (2022-11-28)"),
    ApiPrice("gpt-3.5-turbo", "2023-03-01", 2.0, 2.0,
             "OpenAI, 'Introducing ChatGPT and Whisper APIs' (2023-03-01): $0.002 / 1K tokens",
             0.700, "OpenAI (2023), GPT-4 Technical Report, arXiv:2303.08774, Table 2 (GPT-3.5)"),
    ApiPrice("gpt-4 (8K)", "2023-03-14", 30.0, 60.0,
             "OpenAI, 'GPT-4' (2023-03-14): $0.03 / 1K prompt and $0.06 / 1K completion tokens",
             0.864, "OpenAI (2023), GPT-4 Technical Report, arXiv:2303.08774, Table 2"),
    ApiPrice("gpt-4o", "2024-05-13", 5.0, 15.0,
             "OpenAI, 'Hello GPT-4o' (2024-05-13): $5 / $15 per million input / output tokens",
             0.887, "OpenAI, 'Hello GPT-4o' (2024-05-13): MMLU 88.7% 0-shot chain-of-thought (87.2% 5-shot)"),
    ApiPrice("gpt-4o-mini", "2024-07-18", 0.15, 0.60,
             "OpenAI, 'GPT-4o mini: advancing cost-efficient intelligence' (2024-07-18): $0.15 / $0.60 per million tokens",
             0.820, "OpenAI, 'GPT-4o mini' (2024-07-18): MMLU 82.0%"),
    ApiPrice("gpt-4o-2024-08-06", "2024-08-06", 2.50, 10.00,
             "OpenAI, 'Introducing Structured Outputs in the API' (2024-08-06): gpt-4o-2024-08-06 at $2.50 / $10.00 per million tokens",
             0.887, "as gpt-4o"),
    ApiPrice("o1-preview", "2024-09-12", 15.0, 60.0,
             "OpenAI API pricing at o1-preview's release (2024-09-12): $15 / $60 per million input / output tokens; reasoning tokens billed as output"),
    ApiPrice("o1", "2024-12-17", 15.0, 60.0,
             "OpenAI, 'OpenAI o1 and new tools for developers' (2024-12-17): o1 at $15 / $60 per million tokens"),
)


def api_price(model: str) -> ApiPrice:
    """The published price of ``model`` from :data:`API_PRICES`.

    Examples
    --------
    >>> api_price("o1").usd_per_m_output
    60.0
    """
    for p in API_PRICES:
        if p.model == model:
            return p
    raise ValueError(f"no published price for {model!r}; known: {[p.model for p in API_PRICES]}.")


#: hidden reasoning tokens per task: "a few hundred to tens of thousands" (OpenAI reasoning guide, 2024)
REASONING_TOKENS = Assumption(
    "reasoning tokens per task", 3000.0, 300.0, 30000.0, "tokens",
    "OpenAI, 'Reasoning models' guide (2024): 'from a few hundred to tens of thousands of reasoning tokens'; central value assumed",
)


def reasoning_premium(
    *,
    reasoner: str | ApiPrice = "o1",
    baseline: str | ApiPrice = "gpt-4o-2024-08-06",
    tokens_in: Any = 1000.0,
    tokens_out: Any = 500.0,
    reasoning_tokens: Any = None,
    n_draws: int = _DRAWS,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> CostEstimate:
    r"""How much more a reasoning model costs than its non-reasoning sibling, per token and per task.

    Per token the ratio is the ratio of list prices. Per task the reasoner
    also bills its hidden reasoning tokens as output:

    .. math:: \frac{t_{in} p^R_{in} + (t_{out} + t_{reason}) p^R_{out}}{t_{in} p^B_{in} + t_{out} p^B_{out}}

    Parameters
    ----------
    reasoner, baseline : str or ApiPrice
        Models of :data:`API_PRICES` (default o1 vs gpt-4o-2024-08-06).
    tokens_in, tokens_out : float, (low, value, high) or Assumption
        Visible tokens per task (the same for both).
    reasoning_tokens : float, (low, value, high) or Assumption
        Hidden reasoning tokens per task (default :data:`REASONING_TOKENS`).

    Returns
    -------
    CostEstimate
        ``input_price_ratio``, ``output_price_ratio``, ``baseline_usd``,
        ``reasoner_usd``, ``task_cost_ratio``.

    Examples
    --------
    >>> r = reasoning_premium(reasoning_tokens=0)
    >>> r["input_price_ratio"].value, r["output_price_ratio"].value, r["task_cost_ratio"].value
    (6.0, 6.0, 6.0)
    """
    func = "reasoning_premium"
    R = reasoner if isinstance(reasoner, ApiPrice) else api_price(reasoner)
    Bp = baseline if isinstance(baseline, ApiPrice) else api_price(baseline)
    A = {
        "tokens_in": _as_assumption(tokens_in, Assumption("input tokens per task", 1000.0, unit="tokens"), func, "tokens_in"),
        "tokens_out": _as_assumption(tokens_out, Assumption("visible output tokens per task", 500.0, unit="tokens"), func, "tokens_out"),
    }
    if isinstance(reasoning_tokens, (int, float)) and not isinstance(reasoning_tokens, bool) and reasoning_tokens == 0:
        A["reasoning_tokens"] = Assumption("reasoning tokens per task", 0.0, unit="tokens", source="given", scale="linear")
    else:
        A["reasoning_tokens"] = _as_assumption(reasoning_tokens, REASONING_TOKENS, func, "reasoning_tokens")

    def fn(tokens_in, tokens_out, reasoning_tokens):
        base = (tokens_in * Bp.usd_per_m_input + tokens_out * Bp.usd_per_m_output) / 1e6
        reas = (tokens_in * R.usd_per_m_input + (tokens_out + reasoning_tokens) * R.usd_per_m_output) / 1e6
        one = np.ones_like(np.asarray(base, dtype=float))
        return {
            "input_price_ratio": one * R.usd_per_m_input / Bp.usd_per_m_input,
            "output_price_ratio": one * R.usd_per_m_output / Bp.usd_per_m_output,
            "baseline_usd": base, "reasoner_usd": reas, "task_cost_ratio": reas / base,
        }

    return _propagate(
        f"{R.model} vs {Bp.model}", fn, A,
        {"input_price_ratio": "x", "output_price_ratio": "x", "baseline_usd": "USD", "reasoner_usd": "USD", "task_cost_ratio": "x"},
        n_draws=n_draws, ci=ci, seed=seed,
        notes=(f"{R.model}: ${R.usd_per_m_input:g} / ${R.usd_per_m_output:g} per M tokens ({R.source})",
               f"{Bp.model}: ${Bp.usd_per_m_input:g} / ${Bp.usd_per_m_output:g} per M tokens ({Bp.source})"),
    )


# =============================================================================
# inference-aware allocation (Sardana et al. 2024)
# =============================================================================

#: Chinchilla's fitted law, Hoffmann et al. (2022) eq. 10 (Approach 3), as used by Sardana et al.
HOFFMANN_2022: Mapping[str, float] = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


@dataclass(frozen=True)
class InferenceAwareAllocation:
    """The (N, D) that reach a loss with the least training plus lifetime-inference FLOP, against Chinchilla's.

    Attributes
    ----------
    loss : float
        Target loss (nats/token).
    inference_tokens : float
        Tokens processed over the model's lifetime.
    n, d : float
        Inference-aware optimum: parameters and training tokens.
    train_flop, inference_flop, total_flop : float
        6 N D, 2 N D_inf and their sum at the optimum.
    chinchilla_n, chinchilla_d, chinchilla_total_flop : float
        The training-compute-optimal (N, D) at the same loss, and its total
        with the same inference demand.
    saving_flop, saving_share : float
        Total FLOP saved against Chinchilla-optimal, absolute and as a share.
    law : dict
        Constants of L(N, D) = E + A N^-alpha + B D^-beta.
    """

    loss: float
    inference_tokens: float
    n: float
    d: float
    train_flop: float
    inference_flop: float
    total_flop: float
    chinchilla_n: float
    chinchilla_d: float
    chinchilla_total_flop: float
    saving_flop: float
    saving_share: float
    law: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "law"}
        d["law"] = dict(self.law)
        d["formula"] = "min over N of 6 N D(N) + 2 N D_inf subject to E + A N^-alpha + B D^-beta = loss"
        return d

    def report(self) -> str:
        return "\n".join([
            f"[[Inference-aware allocation]] loss {self.loss:.4f}, {self.inference_tokens:.3g} inference tokens",
            f"    optimum       N = {self.n:.4g}, D = {self.d:.4g} ({self.d / self.n:.0f} tokens/param)",
            f"    FLOP          train {self.train_flop:.4g} + inference {self.inference_flop:.4g} = {self.total_flop:.4g}",
            f"    Chinchilla    N = {self.chinchilla_n:.4g}, D = {self.chinchilla_d:.4g}: total {self.chinchilla_total_flop:.4g}",
            f"    saving        {self.saving_flop:.4g} FLOP ({100 * self.saving_share:.1f}%)",
        ])


def _tokens_for_loss(N: np.ndarray, loss: float, p: Mapping[str, float]) -> np.ndarray:
    gap = loss - p["E"] - p["A"] * N ** (-p["alpha"])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap > 0, (p["B"] / gap) ** (1.0 / p["beta"]), np.inf)


def inference_aware_allocation(
    loss: float | None = None,
    inference_tokens: float = 0.0,
    *,
    law: Mapping[str, float] = HOFFMANN_2022,
    reference_params: float | None = None,
) -> InferenceAwareAllocation:
    r"""Minimise training plus lifetime inference FLOP at a fixed loss (Sardana et al. 2024).

    .. math:: \min_N\ 6 N D(N) + 2 N D_{inf},\quad
              D(N) = \Bigl(\frac{B}{\ell - E - A N^{-\alpha}}\Bigr)^{1/\beta}

    Parameters
    ----------
    loss : float, optional
        Target loss; or give ``reference_params`` instead.
    inference_tokens : float, default 0
        Lifetime inference tokens :math:`D_{inf}` (0 gives Chinchilla's optimum).
    law : mapping, default :data:`HOFFMANN_2022`
        ``E, A, B, alpha, beta`` of a Chinchilla-form law (e.g. a
        ``scalewatch.fit`` result's ``params``).
    reference_params : float, optional
        Use the loss of the Chinchilla-optimal model with this many parameters
        (Sardana et al.'s framing: "a 13B-quality model").

    Returns
    -------
    InferenceAwareAllocation

    Raises
    ------
    ValueError
        A loss at or below E (unreachable), neither or both of ``loss`` and
        ``reference_params``.

    References
    ----------
    Sardana, Portes, Doubov & Frankle (2024), arXiv:2401.00448, Fig. 1
    (there: 13B-quality with 2T inference tokens -> a 7B model, 17% fewer FLOP,
    with the authors' own fitted constants; with Hoffmann et al.'s constants the
    optimum is 8.0B and the saving 10%).

    Examples
    --------
    >>> a = inference_aware_allocation(reference_params=13e9, inference_tokens=2e12)
    >>> round(a.chinchilla_n / 1e9, 1), round(a.n / 1e9, 1), round(100 * a.saving_share, 1)
    (13.0, 8.0, 10.1)
    """
    from scipy.optimize import minimize_scalar

    func = "inference_aware_allocation"
    missing = sorted({"E", "A", "B", "alpha", "beta"} - set(law))
    if missing:
        raise ValueError(f"{func}(law=...) needs E, A, B, alpha and beta; missing {missing}.")
    p = {k: float(law[k]) for k in ("E", "A", "B", "alpha", "beta")}
    if not (isinstance(inference_tokens, (int, float)) and inference_tokens >= 0):
        raise ValueError(f"{func}(inference_tokens={inference_tokens!r}) must be a number of tokens >= 0.")
    a_exp = p["beta"] / (p["alpha"] + p["beta"])
    G = (p["alpha"] * p["A"] / (p["beta"] * p["B"])) ** (1.0 / (p["alpha"] + p["beta"]))
    if (loss is None) == (reference_params is None):
        raise ValueError(f"{func}: give either loss=... or reference_params=... (the Chinchilla-optimal model whose loss to match).")
    if reference_params is not None:
        N0 = _positive(reference_params, "reference_params", func)
        D0 = (N0 / G) ** (1.0 / a_exp) / N0  # Chinchilla-optimal: N = G (C/6)^a, D = (C/6) / N
        loss = p["E"] + p["A"] * N0 ** -p["alpha"] + p["B"] * D0 ** -p["beta"]
    ell = float(loss)  # type: ignore[arg-type]
    if ell <= p["E"]:
        raise ValueError(f"{func}(loss={ell}) is at or below the irreducible loss E={p['E']}; no model reaches it.")
    n_min = (p["A"] / (ell - p["E"])) ** (1.0 / p["alpha"])  # below this N even infinite data falls short

    def total(log_n: float, d_inf: float) -> float:
        N = math.exp(log_n)
        return float(6.0 * N * _tokens_for_loss(np.array(N), ell, p) + 2.0 * N * d_inf)

    bounds = (math.log(n_min) + 1e-9, math.log(n_min) + 40.0)
    best = minimize_scalar(total, bounds=bounds, args=(float(inference_tokens),), method="bounded", options={"xatol": 1e-10})
    chin = minimize_scalar(total, bounds=bounds, args=(0.0,), method="bounded", options={"xatol": 1e-10})
    N, Nc = math.exp(best.x), math.exp(chin.x)
    D, Dc = float(_tokens_for_loss(np.array(N), ell, p)), float(_tokens_for_loss(np.array(Nc), ell, p))
    tot_c = 6.0 * Nc * Dc + 2.0 * Nc * inference_tokens
    tot = 6.0 * N * D + 2.0 * N * inference_tokens
    return InferenceAwareAllocation(
        loss=ell, inference_tokens=float(inference_tokens), n=N, d=D, train_flop=6.0 * N * D, inference_flop=2.0 * N * inference_tokens,
        total_flop=tot, chinchilla_n=Nc, chinchilla_d=Dc, chinchilla_total_flop=tot_c, saving_flop=tot_c - tot,
        saving_share=(tot_c - tot) / tot_c, law=p,
    )


# =============================================================================
# "inference costs fell three orders of magnitude": what the data support
# =============================================================================


@dataclass(frozen=True)
class PriceDecline:
    """Decline of the cost per token at fixed capability, from hardware prices and model sizes.

    Attributes
    ----------
    hardware_rate, hardware_low, hardware_high : float
        Orders of magnitude per year by which the on-demand price per peak
        FLOP fell (positive = cheaper).
    size_rate, size_low, size_high : float
        Orders of magnitude per year by which the smallest model reaching the
        MMLU threshold shrank (FLOP per token is 2N).
    combined_rate, combined_low, combined_high : float
        Their sum: OOM per year of the cost per token at the threshold.
    years : float
        Horizon of the claim (2).
    hardware_points, size_points : pandas.DataFrame
        The prices and the record-setting models used.
    list_price_pairs : pandas.DataFrame
        Published price pairs (:data:`API_PRICES`): older, newer, months, blended ratio, OOM.
    threshold : float
    ci : float
    n_resamples : int
    notes : tuple of str
    """

    hardware_rate: float
    hardware_low: float
    hardware_high: float
    size_rate: float
    size_low: float
    size_high: float
    combined_rate: float
    combined_low: float
    combined_high: float
    years: float
    hardware_points: Any = field(repr=False)
    size_points: Any = field(repr=False)
    list_price_pairs: Any = field(repr=False)
    threshold: float = 0.65
    ci: float = 0.95
    n_resamples: int = 0
    notes: tuple[str, ...] = ()

    @property
    def over_horizon(self) -> tuple[float, float, float]:
        """OOM over ``years``: (estimate, low, high)."""
        return self.combined_rate * self.years, self.combined_low * self.years, self.combined_high * self.years

    def to_dict(self) -> dict[str, Any]:
        from scalewatch.analyses._finding import json_safe

        keys = ("hardware_rate", "hardware_low", "hardware_high", "size_rate", "size_low", "size_high",
                "combined_rate", "combined_low", "combined_high", "years", "threshold", "ci", "n_resamples")
        out = {k: getattr(self, k) for k in keys}
        out.update(hardware_points=self.hardware_points.to_dict(orient="records"), size_points=self.size_points.to_dict(orient="records"),
                   list_price_pairs=self.list_price_pairs.to_dict(orient="records"), notes=list(self.notes), unit="orders of magnitude per year")
        return json_safe(out)

    def report(self) -> str:
        e, lo, hi = self.over_horizon
        return "\n".join([
            f"[[Price decline]] cost per token at MMLU >= {self.threshold:g}",
            f"    hardware     {self.hardware_rate:.3f} [{self.hardware_low:.3f}, {self.hardware_high:.3f}] OOM/yr (on-demand price per peak FLOP)",
            f"    model size   {self.size_rate:.3f} [{self.size_low:.3f}, {self.size_high:.3f}] OOM/yr (smallest model at the threshold)",
            f"    combined     {self.combined_rate:.3f} [{self.combined_low:.3f}, {self.combined_high:.3f}] OOM/yr",
            f"    over {self.years:g} yr   {e:.2f} [{lo:.2f}, {hi:.2f}] orders of magnitude",
            *[f"    list price   {r.older} -> {r.newer}: {r.ratio:.3g}x in {r.months:.0f} months" for r in self.list_price_pairs.itertuples()],
            *[f"    note: {n}" for n in self.notes],
        ])


def _decimal_year(dates: Any) -> np.ndarray:
    import pandas as pd

    d = pd.to_datetime(pd.Series(dates))
    return (d.dt.year + (d.dt.day_of_year - 0.5) / 365.25).to_numpy(dtype=np.float64)


def _trend(x: np.ndarray, y: np.ndarray) -> float:
    xm = x.mean()
    return float(((x - xm) @ (y - y.mean())) / ((x - xm) @ (x - xm)))


def price_decline(
    hardware_ds: Any = None,
    benchmarks_ds: Any = None,
    models_ds: Any = None,
    *,
    threshold: float = 0.65,
    since: str = "2020-01-01",
    years: float = 2.0,
    n_resamples: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> PriceDecline:
    r"""How fast the cost per token at fixed capability fell, in what the data can measure.

    Cost per token at a capability level = (FLOP per token, :math:`2N` for the
    smallest model at that level) x (price per FLOP). Two trends, each a
    least-squares line of :math:`\log_{10}` against the date, add up:

    * **hardware**: on-demand price per accelerator-hour divided by the chip's
      dense peak BF16 throughput (``epoch-ml-hardware``), for data-centre
      accelerators with a Tensor-FP16/BF16 peak (GeForce, RTX, Quadro and Titan
      cards left out), prices dated from ``since``;
    * **model size**: the smallest model (``epoch-ai-models`` parameters) to
      reach MMLU >= ``threshold`` (``epoch-benchmark-stitching``, median of the
      reported scores per model), at each date it set a record.

    Intervals: bootstrap of price rows and of models (the record setters are
    recomputed in every resample), independently; combined draw by draw.
    Intervals are percentile intervals at level ``ci``.

    Parameters
    ----------
    hardware_ds, benchmarks_ds, models_ds : Dataset, optional
        Default: loaded by name.
    threshold : float, default 0.65
        MMLU accuracy defining "fixed capability" (GPT-3.5 scored 0.70).
    since : str, default "2020-01-01"
        First price date used.
    years : float, default 2.0
        Horizon of the claim being checked.
    n_resamples : int, default 1000
    ci : float, default 0.95
    seed : int, Generator or None, default 0

    Returns
    -------
    PriceDecline

    Notes
    -----
    Not measured: providers' margins, batching and serving software,
    quantisation, distillation beyond what parameter counts show, and
    mixture-of-experts (parameters here are total, not active). Published
    list-price pairs (:data:`API_PRICES`) are shown next to the measured trend.
    """
    import pandas as pd

    from scalewatch.data import datasets

    func = "price_decline"
    if not 0 < threshold < 1:
        raise ValueError(f"{func}(threshold={threshold!r}) is an MMLU accuracy in (0, 1), e.g. 0.65.")
    hw = hardware_ds if hardware_ds is not None else datasets.load("epoch-ml-hardware")
    bs = benchmarks_ds if benchmarks_ds is not None else datasets.load("epoch-benchmark-stitching")
    md = models_ds if models_ds is not None else datasets.load("epoch-ai-models")
    rng = _rng(seed)
    q = ((1 - ci) / 2, (1 + ci) / 2)
    notes = []

    # -- hardware: USD per 1e18 peak FLOP, on demand --
    chips = hw.tables["chips"][["hardware_name", "tensor_fp16_bf16_flops"]].dropna()
    chips = chips.drop_duplicates("hardware_name")
    pr = hw.tables["prices"]
    pr = pr[pr["price_per_chip_hour_on_demand"].notna() & pr["price_date"].notna() & (pr["price_date"] >= since)]
    pr = pr.merge(chips, left_on="hardware_model", right_on="hardware_name", how="inner")
    # data-centre accelerators only: consumer and workstation cards are priced for another market
    pr = pr[~pr["hardware_model"].str.contains("GeForce|RTX|Quadro|TITAN|Titan", regex=True, na=False)]
    pr = pr.drop_duplicates(["hardware_model", "vendor", "price_date", "price_per_chip_hour_on_demand"])
    hpts = pd.DataFrame({
        "hardware": pr["hardware_model"].to_numpy(), "date": pr["price_date"].dt.strftime("%Y-%m-%d").to_numpy(),
        "vendor": pr["vendor"].to_numpy(),
        "usd_per_hour": pr["price_per_chip_hour_on_demand"].to_numpy(dtype=float),
        "usd_per_1e18_flop": pr["price_per_chip_hour_on_demand"].to_numpy(dtype=float) / (3600.0 * pr["tensor_fp16_bf16_flops"].to_numpy(dtype=float)) * 1e18,
    })
    if len(hpts) < 5:
        raise ValueError(f"{func}: only {len(hpts)} priced accelerators with a BF16 peak since {since}; need 5.")
    xh = _decimal_year(hpts["date"])
    yh = np.log10(hpts["usd_per_1e18_flop"].to_numpy())
    hw_rate = -_trend(xh, yh)
    hb = np.empty(n_resamples)
    for r in range(n_resamples):
        i = rng.integers(0, len(xh), len(xh))
        hb[r] = -_trend(xh[i], yh[i]) if np.ptp(xh[i]) > 0 else np.nan
    hb = hb[np.isfinite(hb)]

    # -- model size: smallest model at MMLU >= threshold --
    ex = bs.tables["external"]
    mm = ex[(ex["benchmark"] == "MMLU") & ex["value"].notna()]
    mv = bs.tables["model_versions"][["version", "model", "release_date"]]
    j = mm.merge(mv, left_on="model_version", right_on="version", how="inner")
    j = j.merge(md.tables["models"][["model", "parameters", "publication_date"]], on="model", how="inner")
    j = j[j["parameters"].notna()]
    j["date"] = j["release_date"].fillna(j["publication_date"])
    per = j.groupby("model", as_index=False).agg(mmlu=("value", "median"), params=("parameters", "first"), date=("date", "min"))
    per = per[per["date"].notna()].sort_values("date", kind="stable").reset_index(drop=True)
    years_m = _decimal_year(per["date"])
    params_m = per["params"].to_numpy(dtype=float)
    ok_m = per["mmlu"].to_numpy(dtype=float) >= threshold

    def setters(sel: np.ndarray) -> np.ndarray:
        """Indices (date order) of the models that were the smallest yet to reach the threshold."""
        sel = sel[ok_m[sel]]
        if sel.size == 0:
            return sel
        prev = np.minimum.accumulate(np.r_[np.inf, params_m[sel][:-1]])
        return sel[params_m[sel] < prev]

    rec_idx = setters(np.arange(len(per)))
    if len(rec_idx) < 3:
        raise ValueError(f"{func}(threshold={threshold}): only {len(rec_idx)} record-setting models reach MMLU >= {threshold}; try a lower threshold.")
    rec = per.iloc[rec_idx]
    size_rate = -_trend(years_m[rec_idx], np.log10(params_m[rec_idx]))
    sb = np.full(n_resamples, np.nan)
    for r in range(n_resamples):
        rr = setters(np.unique(rng.integers(0, len(per), len(per))))  # copies of a model never set a second record: unique is exact
        if len(rr) >= 3 and np.ptp(years_m[rr]) > 0:
            sb[r] = -_trend(years_m[rr], np.log10(params_m[rr]))
    n_bad = int(np.sum(~np.isfinite(sb)))
    sb = sb[np.isfinite(sb)]
    if n_bad:
        notes.append(f"{n_bad}/{n_resamples} model resamples had fewer than 3 record setters and were left out")
    m = min(len(hb), len(sb))
    comb = hb[:m] + sb[:m]
    spts = rec.assign(date=pd.to_datetime(rec["date"]).dt.strftime("%Y-%m-%d"))[["model", "date", "params", "mmlu"]].reset_index(drop=True)

    # -- published list-price pairs, blended 3:1 input:output --
    pairs = []
    for old, new in (("gpt-4 (8K)", "gpt-4o-mini"), ("gpt-4 (8K)", "gpt-4o-2024-08-06"), ("gpt-3.5-turbo", "gpt-4o-mini"), ("text-davinci-003", "gpt-4o-mini")):
        a, b = api_price(old), api_price(new)
        ratio = a.blended() / b.blended()
        pairs.append({"older": old, "newer": new, "older_date": a.date, "newer_date": b.date, "months": 12 * (b.year - a.year),
                      "older_usd_per_m": a.blended(), "newer_usd_per_m": b.blended(), "ratio": ratio, "oom": math.log10(ratio),
                      "older_mmlu": a.mmlu, "newer_mmlu": b.mmlu})
    notes.append("blended price = 3/4 input + 1/4 output per million tokens (a 3:1 input:output mix)")
    notes.append("parameters are total parameters: for mixtures of experts the FLOP per token follow the active ones")
    return PriceDecline(
        hardware_rate=hw_rate, hardware_low=float(np.quantile(hb, q[0])), hardware_high=float(np.quantile(hb, q[1])),
        size_rate=size_rate, size_low=float(np.quantile(sb, q[0])), size_high=float(np.quantile(sb, q[1])),
        combined_rate=hw_rate + size_rate, combined_low=float(np.quantile(comb, q[0])), combined_high=float(np.quantile(comb, q[1])),
        years=float(years), hardware_points=hpts, size_points=spts, list_price_pairs=pd.DataFrame(pairs), threshold=float(threshold),
        ci=float(ci), n_resamples=int(n_resamples), notes=tuple(notes),
    )


# =============================================================================
# cost to reach a target coverage: sample a small model more, or train a larger one
# =============================================================================

#: tokens generated per sample of a MATH solution: not recorded by the llmonkeys data
TOKENS_PER_SAMPLE = Assumption(
    "tokens per sample", 256.0, 128.0, 512.0, "tokens",
    "assumption: generation lengths are not in the llmonkeys data; a MATH solution of a few hundred tokens",
)


@dataclass(frozen=True)
class CostToTarget:
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
        from scalewatch.analyses._finding import json_safe

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

    For each model of an :class:`~scalewatch.analyses._exchange.ExchangeRate`
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
        From :func:`scalewatch.analyses._exchange.exchange_rate` with
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
    rng = _rng(seed)
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
