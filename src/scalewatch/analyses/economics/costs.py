"""What compute costs: hardware, the default cost assumptions, training, inference and cluster costs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from scalewatch.analyses.economics.assumptions import (
    _DRAWS,
    HOURS_PER_YEAR,
    Assumption,
    CostEstimate,
    _as_assumption,
    _positive,
    _propagate,
)

__all__ = [
    "Hardware",
    "HARDWARE",
    "hardware",
    "DEFAULTS",
    "defaults_from_data",
    "training_cost",
    "inference_cost",
    "inference_flop_cost",
    "cluster_for_budget",
    "CLUSTER_SCENARIOS",
]


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
_EPOCH_DC_TCO = ("Epoch AI, 'Servers account for 60% of the total cost of ownership of a one-gigawatt AI data center' (data insight, "
                 "14 May 2026, https://epoch.ai/data-insights/ai-datacenter-cost-breakdown; Michael and Cottier's cost model, "
                 "GB200 NVL72 servers, US hyperscaler)")
_COTTIER_SHARES = ("Cottier et al. (2024), arXiv:2405.21015, as Epoch AI summarise it in 'How much does it cost to train frontier AI "
                   "models?' (https://epoch.ai/blog/how-much-does-it-cost-to-train-frontier-ai-models)")

#: scenarios of :func:`cluster_for_budget`
CLUSTER_SCENARIOS = ("servers", "all-in")


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
    # the all-in cluster scenario (cluster_for_budget(scenario="all-in")): the quoted figures, then what we derive from them
    "server_share": Assumption(
        "servers' share of an AI datacenter's annual cost of ownership", 0.60, 0.50, 0.70, "",
        f"{_EPOCH_DC_TCO}: quoted 'Servers dominate this cost at $5 billion per year, or 60% of the total' ($8.5B per year: $38B "
        "CapEx annualised over 5-year IT and 14-year facility lives, plus $0.9B per year OpEx, energy $0.6B of it); range ours from "
        "their quoted lifespan sensitivity ('3 years raises the total annual cost to $12B; ... 7 years lowers the cost to $7B'): "
        "servers' $25B (5 years x $5B) over 3 years is $8.3B of $11.8B (0.70), over 7 years $3.6B of $7.1B (0.50)",
        scale="linear",
    ),
    "staff_share": Assumption(
        "R&D staff share of a frontier model's development cost", 0.39, 0.29, 0.49, "",
        f"{_COTTIER_SHARES}: quoted 'most of the development cost is for the hardware at 47\u201367%, but R&D staff costs are "
        "substantial at 29\u201349%, with the remaining 2\u20136% going to energy consumption' (GPT-3, OPT-175B, GPT-4, Gemini Ultra); "
        "central value ours (the midpoint)",
        scale="linear",
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
    scenario: str = "servers",
    server_price: Any = None,
    interconnect: Any = None,
    server_share: Any = None,
    staff_share: Any = None,
    n_draws: int = _DRAWS,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> CostEstimate:
    r"""How many accelerators a budget buys, servers only or all-in.

    .. math:: n_{servers} = \frac{B}{P_{server}\, o_{net}}, \qquad
              n_{all\text{-}in} = \frac{B\, s_{srv}\, (1 - s_{staff})}{P_{server}\, o_{net}}

    ``"servers"`` counts servers (DGX/HGX, per GPU) and the cluster interconnect and leaves out everything else.
    ``"all-in"`` lets the budget pay for the cluster over its servers' life as an owner pays for it: the servers are a
    share :math:`s_{srv}` of an AI datacenter's cost of ownership (servers and network, the building and its power and
    cooling plant amortised over their own life, energy and other operating costs; Epoch AI 2026, quoted), and that
    cost of ownership is the share :math:`1 - s_{staff}` of the whole that is not R&D staff (Cottier et al. 2024,
    quoted). Every all-in draw is the servers-only draw times :math:`s_{srv} (1 - s_{staff}) < 1`, so it always buys
    fewer accelerators.

    Parameters
    ----------
    budget : float, default 1e9
        USD.
    scenario : {"servers", "all-in"}, default "servers"
    server_price, interconnect
        As in :func:`training_cost`.
    server_share, staff_share : float, (low, value, high) or Assumption, optional
        Only with ``scenario="all-in"`` (default :data:`DEFAULTS` ``["server_share"]``, 0.60 [0.50, 0.70], and
        ``["staff_share"]``, 0.39 [0.29, 0.49]); shares in (0, 1).

    Returns
    -------
    CostEstimate
        Components ``gpus`` and ``usd_per_gpu`` (all-in: also ``hardware_share``, the share of the budget that buys
        servers and network).

    Raises
    ------
    ValueError
        An unknown scenario, shares outside (0, 1), or shares given to the servers-only scenario.

    References
    ----------
    Cottier et al. (2024), arXiv:2405.21015; Epoch AI (2026), "Servers account for 60% of the total cost of ownership
    of a one-gigawatt AI data center".

    Examples
    --------
    >>> est = cluster_for_budget(1e9, server_price=40_000, interconnect=1.0)
    >>> est["gpus"].value
    25000.0
    >>> cluster_for_budget(1e9, scenario="all-in", server_price=40_000, interconnect=1.0, server_share=0.6, staff_share=0.4)["gpus"].value
    9000.0
    """
    func = "cluster_for_budget"
    B = _positive(budget, "budget", func)
    if scenario not in CLUSTER_SCENARIOS:
        raise ValueError(f"{func}(scenario={scenario!r}): allowed: {', '.join(map(repr, CLUSTER_SCENARIOS))}.")
    A = {
        "server_price": _as_assumption(server_price, DEFAULTS["server_price"], func, "server_price"),
        "interconnect": _as_assumption(interconnect, DEFAULTS["interconnect"], func, "interconnect"),
    }
    if scenario == "servers":
        if server_share is not None or staff_share is not None:
            raise ValueError(f"{func}(server_share=..., staff_share=...) belong to scenario='all-in'; got scenario='servers'.")

        def fn(server_price, interconnect):
            per = server_price * interconnect
            return {"gpus": B / per, "usd_per_gpu": per}

        return _propagate(
            f"Accelerators bought with {B:.3g} USD (servers and network)", fn, A, {"gpus": "GPUs", "usd_per_gpu": "USD"},
            n_draws=n_draws, ci=ci, seed=seed,
            notes_of={"gpus": "budget / (server price per GPU x interconnect overhead)"},
            notes=("servers and cluster network only: the datacenter building, power and cooling plant, and staff are not included",),
        )
    for name, x in (("server_share", server_share), ("staff_share", staff_share)):
        a = _as_assumption(x, DEFAULTS[name], func, name)
        lo = a.value if a.low is None else a.low
        hi = a.value if a.high is None else a.high
        if not 0 < lo <= hi < 1:
            raise ValueError(f"{func}({name}=...) is a share strictly between 0 and 1; got {a.text()}.")
        A[name] = a

    def fn_all(server_price, interconnect, server_share, staff_share):
        hw = server_share * (1.0 - staff_share)
        per = server_price * interconnect / hw
        return {"gpus": B / per, "usd_per_gpu": per, "hardware_share": hw}

    return _propagate(
        f"Accelerators bought with {B:.3g} USD (all-in: datacenter, power, network and staff)", fn_all, A,
        {"gpus": "GPUs", "usd_per_gpu": "USD", "hardware_share": ""}, n_draws=n_draws, ci=ci, seed=seed,
        notes_of={"gpus": "budget x servers' share of the cost of ownership x (1 - staff share) / (server price per GPU x interconnect "
                          "overhead)",
                  "usd_per_gpu": "all-in cost per GPU over the servers' life",
                  "hardware_share": "share of the budget that buys servers and network (ours, from the two quoted shares)"},
        notes=(
            "all-in: the servers' 60% share of cost of ownership is Epoch's for GB200 NVL72 servers in a 1 GW US hyperscaler "
            "datacenter, applied here to H100 servers; whether its 'servers' include the cluster network the quoted text does not say "
            "(if the network is counted apart, the all-in count is up to 1.15x higher)",
            "all-in: the staff share is Cottier et al.'s share of a model's development cost, which has no building in it; applied to "
            "a total that has one, it slightly overstates staff (understates the count)",
        ),
    )
