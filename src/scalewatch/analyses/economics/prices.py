"""API prices: the price list, the premium of reasoning models and how fast prices fall."""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalewatch import seeds
from scalewatch.analyses.capabilities.size import mmlu_by_model, size_decline
from scalewatch.analyses.economics.assumptions import _DRAWS, Assumption, CostEstimate, _as_assumption, _propagate
from scalewatch.analyses.trends import year_fraction
from scalewatch.findings import Result

__all__ = [
    "ApiPrice",
    "API_PRICES",
    "api_price",
    "REASONING_TOKENS",
    "reasoning_premium",
    "PriceDecline",
    "price_decline",
    "epoch_blended_price",
]


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
    epoch_model : str
        The row of ``epoch-llm-inference-prices`` (table ``prices``: name and
        release date) holding this price, blended 3:1 by Epoch; ``""`` when the
        dataset does not cover it. Blended comparisons use the dataset's price;
        the input and output prices here stay quoted figures (the dataset has
        only the blend).
    """

    model: str
    date: str
    usd_per_m_input: float
    usd_per_m_output: float
    source: str
    mmlu: float | None = None
    mmlu_source: str = ""
    epoch_model: str = ""

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
             "OpenAI API pricing: $0.02 / 1K tokens for Davinci models from 2022-09-01, the price at text-davinci-003's release (2022-11-28)",
             epoch_model="GPT-3 175B (davinci)@2022-09-01"),
    ApiPrice("gpt-3.5-turbo", "2023-03-01", 2.0, 2.0,
             "OpenAI, 'Introducing ChatGPT and Whisper APIs' (2023-03-01): $0.002 / 1K tokens",
             0.700, "OpenAI (2023), GPT-4 Technical Report, arXiv:2303.08774, Table 2 (GPT-3.5)", "GPT-3.5 Turbo"),
    ApiPrice("gpt-4 (8K)", "2023-03-14", 30.0, 60.0,
             "OpenAI, 'GPT-4' (2023-03-14): $0.03 / 1K prompt and $0.06 / 1K completion tokens",
             0.864, "OpenAI (2023), GPT-4 Technical Report, arXiv:2303.08774, Table 2", "GPT-4-0314"),
    ApiPrice("gpt-4o", "2024-05-13", 5.0, 15.0,
             "OpenAI, 'Hello GPT-4o' (2024-05-13): $5 / $15 per million input / output tokens",
             0.887, "OpenAI, 'Hello GPT-4o' (2024-05-13): MMLU 88.7% 0-shot chain-of-thought (87.2% 5-shot)", "GPT-4o-2024-05"),
    ApiPrice("gpt-4o-mini", "2024-07-18", 0.15, 0.60,
             "OpenAI, 'GPT-4o mini: advancing cost-efficient intelligence' (2024-07-18): $0.15 / $0.60 per million tokens",
             0.820, "OpenAI, 'GPT-4o mini' (2024-07-18): MMLU 82.0%", "GPT-4o-mini"),
    ApiPrice("gpt-4o-2024-08-06", "2024-08-06", 2.50, 10.00,
             "OpenAI, 'Introducing Structured Outputs in the API' (2024-08-06): gpt-4o-2024-08-06 at $2.50 / $10.00 per million tokens",
             0.887, "as gpt-4o", "GPT-4o-2024-08"),
    ApiPrice("o1-preview", "2024-09-12", 15.0, 60.0,
             "OpenAI API pricing at o1-preview's release (2024-09-12): $15 / $60 per million input / output tokens; reasoning tokens billed as output",
             epoch_model="o1-preview"),
    ApiPrice("o1", "2024-12-17", 15.0, 60.0,
             "OpenAI, 'OpenAI o1 and new tools for developers' (2024-12-17): o1 at $15 / $60 per million tokens", epoch_model="o1"),
)


def epoch_blended_price(price: ApiPrice, prices: Any) -> tuple[float, str] | None:
    """The dataset's blended price of ``price`` (``epoch-llm-inference-prices`` table ``prices``) and its label, or ``None``.

    ``epoch_model`` is a model name, optionally ``"name@YYYY-MM-DD"`` to pick one price change
    (GPT-3's $20 of 2022-09-01); without a date the first listed price is used.
    """
    if not price.epoch_model:
        return None
    name, _, date = price.epoch_model.partition("@")
    rows = prices[prices["model"] == name]
    if date:
        rows = rows[rows["release_date"] == date]
    if rows.empty:
        return None
    row = rows.sort_values("release_date").iloc[0]
    return float(row["usd_per_mtok"]), f"epoch-llm-inference-prices: {name}, {row['release_date']:%Y-%m-%d}, ${float(row['usd_per_mtok']):g}/M (3:1 blend)"


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


@dataclass(frozen=True)
class PriceDecline(Result):
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
        from scalewatch.findings import json_safe

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


def _trend(x: np.ndarray, y: np.ndarray) -> float:
    xm = x.mean()
    return float(((x - xm) @ (y - y.mean())) / ((x - xm) @ (x - xm)))


def price_decline(
    hardware_ds: Any = None,
    benchmarks_ds: Any = None,
    models_ds: Any = None,
    prices_ds: Any = None,
    *,
    threshold: float = 0.65,
    since: str = "2020-01-01",
    years: float = 2.0,
    n_resamples: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    size_n_boot: int | None = None,
    size_seed: int | None = None,
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
    prices_ds : Dataset, optional
        ``epoch-llm-inference-prices``: the blended list prices of the price
        pairs where it covers the model (default: loaded by name; the quoted
        prices of :data:`API_PRICES` otherwise).
    threshold : float, default 0.65
        MMLU accuracy defining "fixed capability" (GPT-3.5 scored 0.70).
    since : str, default "2020-01-01"
        First price date used.
    years : float, default 2.0
        Horizon of the claim being checked.
    n_resamples : int, default 1000
    ci : float, default 0.95
    seed : int, Generator or None, default 0
    size_n_boot, size_seed : int, optional
        Resamples and seed of the model-size decline
        (:func:`scalewatch.analyses.capabilities.size.size_decline`); default
        ``n_resamples`` and a seed drawn from ``seed``. A report passes
        :data:`~scalewatch.analyses.capabilities.size.SIZE_N_BOOT` and its own
        seed, as ``capabilities.model_size`` does, so the decline has one interval.

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
    # Long by design: one estimation, checked inputs first, then each step on the previous step's arrays;
    # its parts share most of their local state, so helpers would take a dozen arguments each.
    import pandas as pd

    from scalewatch.data import datasets

    func = "price_decline"
    if not 0 < threshold < 1:
        raise ValueError(f"{func}(threshold={threshold!r}) is an MMLU accuracy in (0, 1), e.g. 0.65.")
    hw = hardware_ds if hardware_ds is not None else datasets.load("epoch-ml-hardware")
    bs = benchmarks_ds if benchmarks_ds is not None else datasets.load("epoch-benchmark-stitching")
    md = models_ds if models_ds is not None else datasets.load("epoch-ai-models")
    rng = seeds.rng(seed)
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
    xh = year_fraction(hpts["date"])
    yh = np.log10(hpts["usd_per_1e18_flop"].to_numpy())
    hw_rate = -_trend(xh, yh)
    hb = np.empty(n_resamples)
    for r in range(n_resamples):
        i = rng.integers(0, len(xh), len(xh))
        hb[r] = -_trend(xh[i], yh[i]) if np.ptp(xh[i]) > 0 else np.nan
    hb = hb[np.isfinite(hb)]

    # -- model size: smallest model at MMLU >= threshold (the same computation, draws and interval as capabilities.model_size) --
    per = mmlu_by_model(bs, md)
    sd = size_decline(per, threshold, n_boot=n_resamples if size_n_boot is None else int(size_n_boot), ci=ci,
                      seed=int(rng.integers(2**31)) if size_seed is None else int(size_seed))
    if len(sd["records"]) < 3:
        raise ValueError(f"{func}(threshold={threshold}): only {len(sd['records'])} record-setting models reach MMLU >= {threshold}; try a lower threshold.")
    rec = per.iloc[sd["records"]].rename(columns={"score": "mmlu"})
    size_rate, sb = sd["rate"], sd["draws"]
    if sd["n_failed"]:
        notes.append(f"{sd['n_failed']}/{sd['n_boot']} model resamples had fewer than 3 record setters and were left out")
    m = min(len(hb), len(sb))
    comb = hb[:m] + sb[:m]
    spts = rec.assign(date=pd.to_datetime(rec["date"]).dt.strftime("%Y-%m-%d"))[["model", "date", "params", "mmlu"]].reset_index(drop=True)

    # -- published list-price pairs, blended 3:1 input:output --
    pt = (prices_ds if prices_ds is not None else datasets.load("epoch-llm-inference-prices")).tables["prices"]

    def blended(p: ApiPrice) -> tuple[float, str]:
        got = epoch_blended_price(p, pt)
        return got if got is not None else (p.blended(), f"quoted: {p.source}")

    pairs = []
    for old, new in (("gpt-4 (8K)", "gpt-4o-mini"), ("gpt-4 (8K)", "gpt-4o-2024-08-06"), ("gpt-3.5-turbo", "gpt-4o-mini"), ("text-davinci-003", "gpt-4o-mini")):
        a, b = api_price(old), api_price(new)
        (pa, sa), (pb, sb_) = blended(a), blended(b)
        ratio = pa / pb
        pairs.append({"older": old, "newer": new, "older_date": a.date, "newer_date": b.date, "months": 12 * (b.year - a.year),
                      "older_usd_per_m": pa, "newer_usd_per_m": pb, "ratio": ratio, "oom": math.log10(ratio),
                      "older_mmlu": a.mmlu, "newer_mmlu": b.mmlu, "older_price_source": sa, "newer_price_source": sb_})
    notes.append("blended price = 3/4 input + 1/4 output per million tokens (a 3:1 input:output mix), from epoch-llm-inference-prices "
                 "where it lists the model (Epoch's blend; OpenAI's quoted input/output prices give the same to rounding)")
    notes.append("parameters are total parameters: for mixtures of experts the FLOP per token follow the active ones")
    return PriceDecline(
        hardware_rate=hw_rate, hardware_low=float(np.quantile(hb, q[0])), hardware_high=float(np.quantile(hb, q[1])),
        size_rate=size_rate, size_low=sd["low"], size_high=sd["high"],
        combined_rate=hw_rate + size_rate, combined_low=float(np.quantile(comb, q[0])), combined_high=float(np.quantile(comb, q[1])),
        years=float(years), hardware_points=hpts, size_points=spts, list_price_pairs=pd.DataFrame(pairs), threshold=float(threshold),
        ci=float(ci), n_resamples=int(n_resamples), notes=tuple(notes),
    )
