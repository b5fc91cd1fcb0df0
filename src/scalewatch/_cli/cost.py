"""``scalewatch cost ...``: what training and inference cost, with every assumption shown and editable.

* ``train FLOP``: GPU-hours, cloud rental and the owner's hardware plus energy;
* ``infer``: one task from tokens and list prices (``--model`` for a published
  price), or from FLOP (``--params``);
* ``cluster``: accelerators a capital budget buys ("$1B buys ~25K H100s");
* ``reasoning``: a reasoning model against its sibling, per token and per task;
* ``allocate``: inference-aware model size (Sardana et al. 2024);
* ``decline``: how fast the cost per token at fixed capability fell, from the data;
* ``prices``: the published API prices used.

Assumptions take a number (fixed) or LOW:VALUE:HIGH (a range, propagated by
Monte Carlo). Heavy imports happen inside the commands.
"""

from __future__ import annotations

import json
from typing import Optional

import typer

from scalewatch._cli._tables import emit

app = typer.Typer(
    name="cost",
    help="What compute costs: training from FLOP, inference from tokens or FLOP, clusters, reasoning premiums, allocation.",
    no_args_is_help=True,
)


def register(app_: typer.Typer) -> None:
    """Add the ``cost`` command group to ``app_``."""
    app_.add_typer(app, name="cost")


def _assumption(text: Optional[str], flag: str):
    """``0.4`` -> 0.4; ``0.3:0.4:0.5`` -> (0.3, 0.4, 0.5); None -> None (the default)."""
    if text is None:
        return None
    parts = text.split(":")
    try:
        vals = [float(p) for p in parts]
    except ValueError:
        raise typer.BadParameter(f"{text!r}: give a number or LOW:VALUE:HIGH, e.g. 0.3:0.4:0.5.", param_hint=flag) from None
    if len(vals) == 1:
        return vals[0]
    if len(vals) == 3:
        return tuple(vals)
    raise typer.BadParameter(f"{text!r}: give a number or LOW:VALUE:HIGH (three numbers).", param_hint=flag)


_A = "a number, or LOW:VALUE:HIGH"


@app.command("train")
def train_command(
    flop: float = typer.Argument(..., metavar="FLOP", help="Training compute, e.g. 3.8e25 (6ND)."),
    hardware: str = typer.Option("H100", "--hardware", help="H100 | H200 | A100 | B200"),
    mfu: Optional[str] = typer.Option(None, "--mfu", help=f"Model FLOP utilisation ({_A}); default from Epoch's data."),
    price: Optional[str] = typer.Option(None, "--price", help=f"USD per GPU-hour ({_A}); default H100 on-demand offers."),
    server_price: Optional[str] = typer.Option(None, "--server-price", help=f"Server price per GPU, USD ({_A})."),
    lifetime: Optional[str] = typer.Option(None, "--lifetime", help=f"Hardware lifetime, years ({_A})."),
    pue: Optional[str] = typer.Option(None, "--pue", help=f"Power usage effectiveness ({_A})."),
    electricity: Optional[str] = typer.Option(None, "--electricity", help=f"USD per kWh ({_A})."),
    draws: int = typer.Option(4000, "--draws", help="Monte Carlo draws over the assumptions."),
    seed: int = typer.Option(0, "--seed", help="Seed of the draws."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Cost of a training run: GPU-hours, cloud rental, and amortised hardware plus energy (Cottier et al. 2024)."""
    from scalewatch.analyses.economics.costs import training_cost

    result = training_cost(
        flop, hardware_name=hardware, mfu=_assumption(mfu, "--mfu"), gpu_hour_price=_assumption(price, "--price"),
        server_price=_assumption(server_price, "--server-price"), lifetime_years=_assumption(lifetime, "--lifetime"),
        pue=_assumption(pue, "--pue"), electricity=_assumption(electricity, "--electricity"), n_draws=draws, seed=seed,
    )
    emit(result, as_json)


@app.command("infer")
def infer_command(
    tokens_in: Optional[str] = typer.Option(None, "--tokens-in", help=f"Input tokens per task ({_A})."),
    tokens_out: Optional[str] = typer.Option(None, "--tokens-out", help=f"Output tokens per task, reasoning included ({_A})."),
    price_in: Optional[str] = typer.Option(None, "--price-in", help=f"USD per million input tokens ({_A})."),
    price_out: Optional[str] = typer.Option(None, "--price-out", help=f"USD per million output tokens ({_A})."),
    model: Optional[str] = typer.Option(None, "--model", help="Use a published price (see `scalewatch cost prices`)."),
    params: Optional[float] = typer.Option(None, "--params", help="Instead of prices: parameters N, cost from 2N FLOP per token."),
    tokens: Optional[str] = typer.Option(None, "--tokens", help=f"With --params: tokens processed ({_A})."),
    hardware: str = typer.Option("H100", "--hardware", help="With --params: H100 | H200 | A100 | B200"),
    mfu: Optional[str] = typer.Option(None, "--mfu", help=f"With --params: inference utilisation ({_A})."),
    price: Optional[str] = typer.Option(None, "--price", help=f"With --params: USD per GPU-hour ({_A})."),
    draws: int = typer.Option(4000, "--draws", help="Monte Carlo draws over the assumptions."),
    seed: int = typer.Option(0, "--seed", help="Seed of the draws."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Cost of inference: one task from tokens and list prices, or tokens from FLOP (--params)."""
    from scalewatch.analyses.economics.costs import inference_cost, inference_flop_cost
    from scalewatch.analyses.economics.prices import api_price

    if params is not None:
        if tokens is None:
            raise typer.BadParameter("with --params give --tokens (tokens processed), e.g. --tokens 1e6.", param_hint="--tokens")
        result = inference_flop_cost(params, _assumption(tokens, "--tokens"), hardware_name=hardware, inference_mfu=_assumption(mfu, "--mfu"),
                                     gpu_hour_price=_assumption(price, "--price"), n_draws=draws, seed=seed)
        emit(result, as_json)
        return
    pin, pout = _assumption(price_in, "--price-in"), _assumption(price_out, "--price-out")
    if model is not None:
        p = api_price(model)
        pin = p.usd_per_m_input if pin is None else pin
        pout = p.usd_per_m_output if pout is None else pout
    missing = [f for f, v in (("--tokens-in", tokens_in), ("--tokens-out", tokens_out), ("--price-in", pin), ("--price-out", pout)) if v is None]
    if missing:
        raise typer.BadParameter(f"give {', '.join(missing)} (or --model for published prices, or --params for a FLOP estimate).", param_hint=missing[0])
    result = inference_cost(_assumption(tokens_in, "--tokens-in"), _assumption(tokens_out, "--tokens-out"), price_in=pin, price_out=pout,
                            n_draws=draws, seed=seed)
    emit(result, as_json)


@app.command("cluster")
def cluster_command(
    budget: float = typer.Option(1e9, "--budget", help="Capital budget, USD."),
    server_price: Optional[str] = typer.Option(None, "--server-price", help=f"Server price per GPU, USD ({_A}); default Epoch's H100 quotes."),
    interconnect: Optional[str] = typer.Option(None, "--interconnect", help=f"Cluster network overhead ({_A})."),
    draws: int = typer.Option(4000, "--draws", help="Monte Carlo draws over the assumptions."),
    seed: int = typer.Option(0, "--seed", help="Seed of the draws."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """How many H100s a budget buys (servers and cluster network; not buildings, power plant or staff)."""
    from scalewatch.analyses.economics.costs import cluster_for_budget

    emit(cluster_for_budget(budget, server_price=_assumption(server_price, "--server-price"),
                             interconnect=_assumption(interconnect, "--interconnect"), n_draws=draws, seed=seed), as_json)


@app.command("reasoning")
def reasoning_command(
    reasoner: str = typer.Option("o1", "--reasoner", help="Reasoning model (published price)."),
    baseline: str = typer.Option("gpt-4o-2024-08-06", "--baseline", help="Model compared against (published price)."),
    tokens_in: Optional[str] = typer.Option("1000", "--tokens-in", help=f"Input tokens per task ({_A})."),
    tokens_out: Optional[str] = typer.Option("500", "--tokens-out", help=f"Visible output tokens per task ({_A})."),
    reasoning_tokens: Optional[str] = typer.Option(None, "--reasoning-tokens", help=f"Hidden reasoning tokens per task ({_A}); default 300:3000:30000."),
    draws: int = typer.Option(4000, "--draws", help="Monte Carlo draws over the assumptions."),
    seed: int = typer.Option(0, "--seed", help="Seed of the draws."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """A reasoning model's premium over its sibling: list prices per token, and per task with reasoning tokens."""
    from scalewatch.analyses.economics.prices import reasoning_premium

    emit(reasoning_premium(reasoner=reasoner, baseline=baseline, tokens_in=_assumption(tokens_in, "--tokens-in"),
                            tokens_out=_assumption(tokens_out, "--tokens-out"), reasoning_tokens=_assumption(reasoning_tokens, "--reasoning-tokens"),
                            n_draws=draws, seed=seed), as_json)


@app.command("allocate")
def allocate_command(
    inference_tokens: float = typer.Option(..., "--inference-tokens", help="Tokens served over the model's lifetime, e.g. 2e12."),
    params: Optional[float] = typer.Option(None, "--params", help="Match the loss of the Chinchilla-optimal model of this size, e.g. 13e9."),
    loss: Optional[float] = typer.Option(None, "--loss", help="Or give the target loss (nats/token)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Inference-aware allocation: the (N, D) minimising training plus lifetime inference FLOP (Sardana et al. 2024)."""
    from scalewatch.analyses.economics.allocation import inference_aware_allocation

    result = inference_aware_allocation(loss, inference_tokens, reference_params=params)
    emit(result, as_json)


@app.command("decline")
def decline_command(
    threshold: float = typer.Option(0.65, "--threshold", help="MMLU accuracy that defines fixed capability."),
    years: float = typer.Option(2.0, "--years", help="Horizon of the claim checked."),
    n_boot: int = typer.Option(1000, "--bootstrap", help="Bootstrap resamples."),
    seed: int = typer.Option(0, "--seed", help="Seed of the resampling."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """How fast the cost per token at fixed capability fell: hardware price per FLOP and model size, from Epoch's data."""
    from scalewatch.analyses.economics.prices import price_decline

    emit(price_decline(threshold=threshold, years=years, n_resamples=n_boot, seed=seed), as_json)


@app.command("prices")
def prices_command(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """The published API prices used (literature figures, with dates and sources)."""
    from scalewatch.analyses.economics.prices import API_PRICES

    if as_json:
        typer.echo(json.dumps([p.__dict__ for p in API_PRICES], indent=2))
        return
    for p in API_PRICES:
        mmlu = f"MMLU {p.mmlu:.3f}" if p.mmlu is not None else ""
        typer.echo(f"{p.model:<20} {p.date}  ${p.usd_per_m_input:>6g} in  ${p.usd_per_m_output:>6g} out per M tokens  {mmlu}")
        typer.echo(f"    {p.source}")
