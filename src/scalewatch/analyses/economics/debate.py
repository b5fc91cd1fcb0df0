"""``test-time.debate_numbers``: the debate's numbers recomputed with their assumptions shown."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from scalewatch.analyses.capabilities.size import SIZE_N_BOOT
from scalewatch.analyses.economics._common import (
    _BENCH,
    _CITE_COTTIER,
    _CITE_EPOCH_PRICES,
    _CITE_HOFFMANN,
    _CITE_KAPLAN,
    _CITE_LLAMA3,
    _CITE_SARDANA,
    _HARDWARE,
    _MODELS,
    _PRICES,
    KEY_DEBATE,
    _money,
    _sci,
)
from scalewatch.analyses.economics.allocation import inference_aware_allocation
from scalewatch.analyses.economics.costs import cluster_for_budget, training_cost
from scalewatch.analyses.economics.prices import API_PRICES, epoch_blended_price, price_decline, reasoning_premium
from scalewatch.analyses.testtime import checked_verdict
from scalewatch.findings import Finding, Number, analysis
from scalewatch.plots import PALETTE, figure, points

__all__ = ["FRONTIER_RUN_FLOP", "LLAMA31_405B_GPU_HOURS", "debate_numbers_finding", "debate_numbers"]


#: training compute of Llama 3.1 405B, FLOP (Meta, 'The Llama 3 Herd of Models', arXiv:2407.21783)
FRONTIER_RUN_FLOP = 3.8e25


_CITE_EPOCH_DC = ("Epoch AI (2026), 'Servers account for 60% of the total cost of ownership of a one-gigawatt AI data center', data "
                  "insight, 14 May 2026, https://epoch.ai/data-insights/ai-datacenter-cost-breakdown")


#: H100-80GB hours Meta reports for training Llama 3.1 405B (Llama 3.1 model card, 'Training Factors', July 2024)
LLAMA31_405B_GPU_HOURS = 30.84e6


def debate_numbers_finding(
    hardware_ds: Any = None,
    benchmarks_ds: Any = None,
    models_ds: Any = None,
    prices_ds: Any = None,
    *,
    budget: float = 1e9,
    frontier_flop: float = FRONTIER_RUN_FLOP,
    reasoning_tokens: Any = None,
    tokens_in: float = 1000.0,
    tokens_out: float = 500.0,
    mmlu_threshold: float = 0.65,
    n_resamples: int = 1000,
    n_draws: int = 4000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    size_n_boot: int | None = None,
) -> Finding:
    r"""The debate's own numbers, each recomputed with its assumptions shown.

    Parameters
    ----------
    hardware_ds, benchmarks_ds, models_ds : Dataset, optional
        ``epoch-ml-hardware``, ``epoch-benchmark-stitching``,
        ``epoch-ai-models`` (default: loaded by name).
    prices_ds : Dataset, optional
        ``epoch-llm-inference-prices``: blended list prices where it covers the model (default: loaded by name).
    budget : float, default 1e9
        Capital budget of the cluster claim (USD).
    frontier_flop : float, default 3.8e25
        Training compute of the frontier run compared (Llama 3.1 405B).
    reasoning_tokens : float, (low, value, high) or Assumption, optional
        Hidden reasoning tokens per task (default 3,000 [300, 30,000]).
    tokens_in, tokens_out : float, default 1000, 500
        Visible tokens per task.
    mmlu_threshold : float, default 0.65
        Capability level of the price-decline check.
    n_resamples, n_draws, ci, seed
        Bootstrap resamples (price decline), Monte Carlo draws (costs), level, seed.
    size_n_boot : int, optional
        Resamples of the model-size decline (default ``n_resamples``); the report passes
        :data:`~scalewatch.analyses.capabilities.size.SIZE_N_BOOT`, as ``capabilities.model_size`` uses.

    Returns
    -------
    Finding
        ``test-time.debate_numbers``.
    """
    # Long by design: one finding's numbers, figures, tables and text, written in the order the report shows them;
    # split further, one recipe would be scattered over helpers that each serve it once.
    from scalewatch.data import datasets

    rng = np.random.default_rng(seed) if not isinstance(seed, np.random.Generator) else seed
    hw = hardware_ds if hardware_ds is not None else datasets.load(_HARDWARE)
    bs = benchmarks_ds if benchmarks_ds is not None else datasets.load(_BENCH)
    md = models_ds if models_ds is not None else datasets.load(_MODELS)
    pd_ = prices_ds if prices_ds is not None else datasets.load(_PRICES)
    notes: list[str] = []

    cluster_rng = copy.deepcopy(rng)  # the all-in scenario draws the same server prices and overheads as the servers-only one
    cluster = cluster_for_budget(budget, n_draws=n_draws, ci=ci, seed=rng)
    prem = reasoning_premium(tokens_in=tokens_in, tokens_out=tokens_out, reasoning_tokens=reasoning_tokens, n_draws=n_draws, ci=ci, seed=rng)
    prem_launch = reasoning_premium(baseline="gpt-4o", tokens_in=tokens_in, tokens_out=tokens_out, reasoning_tokens=0, n_draws=n_draws, ci=ci, seed=rng)
    # the model-size part shares capabilities.model_size's draws (same resamples and seed): one interval in a report
    size_seed = int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None
    decline = price_decline(hw, bs, md, pd_, threshold=mmlu_threshold, n_resamples=n_resamples, ci=ci, seed=rng,
                            size_n_boot=size_n_boot, size_seed=size_seed)
    train = training_cost(frontier_flop, n_draws=n_draws, ci=ci, seed=rng)
    alloc = inference_aware_allocation(reference_params=13e9, inference_tokens=2e12)
    all_in = cluster_for_budget(budget, scenario="all-in", n_draws=n_draws, ci=ci, seed=cluster_rng)
    # tasks at which o1's premium over GPT-4o adds up to one frontier pretraining run (draw by draw)
    extra = prem.draws["reasoner_usd"] - prem.draws["baseline_usd"]
    tasks_d = train.draws["cloud_usd"] / extra
    tasks0 = train["cloud_usd"].value / (prem["reasoner_usd"].value - prem["baseline_usd"].value)
    q = ((1 - ci) / 2, (1 + ci) / 2)
    tasks_lo, tasks_hi = (float(v) for v in np.quantile(tasks_d, q))
    oom, oom_lo, oom_hi = decline.over_horizon
    gpt4_mini = decline.list_price_pairs.iloc[0]

    numbers = [
        Number("tasks at which o1's premium equals a frontier training run", tasks0, tasks_lo, tasks_hi, "tasks", ci,
               f"cloud cost of {_sci(frontier_flop)} FLOP on H100s / (o1 - GPT-4o cost per task); range over the assumptions"),
        *cluster.numbers({"gpus": f"H100s bought with {_money(budget)}", "usd_per_gpu": "cost per H100 in a cluster"}),
        *all_in.numbers({"gpus": f"H100s bought with {_money(budget)}, all-in (datacenter, power, network, staff)",
                         "usd_per_gpu": "all-in cost per H100 over the servers' life",
                         "hardware_share": "share of an all-in budget that buys servers and network"}),
        Number("o1 / GPT-4o price per input token", prem["input_price_ratio"].value, unit="x",
               note="list prices $15 vs $2.50 per million (o1 Dec 2024; gpt-4o-2024-08-06); exact, no interval"),
        Number("o1 / GPT-4o price per output token", prem["output_price_ratio"].value, unit="x",
               note="list prices $60 vs $10 per million; exact, no interval"),
        Number("o1 / GPT-4o at its May 2024 launch price, per output token", prem_launch["output_price_ratio"].value, unit="x",
               note="against GPT-4o's launch price ($5 / $15): 3x input, 4x output; exact, no interval"),
        *prem.numbers({"task_cost_ratio": "o1 / GPT-4o cost per task"}),
        Number(f"fall in cost per token at MMLU >= {mmlu_threshold:g} over {decline.years:g} years (data)", oom, oom_lo, oom_hi,
               "orders of magnitude", ci,
               "hardware price per FLOP plus the size of the smallest model at the threshold, both fitted to Epoch's data; bootstrap"),
        Number("of which hardware price per FLOP, per year", decline.hardware_rate, decline.hardware_low, decline.hardware_high, "OOM/yr", ci,
               "on-demand price per peak BF16 FLOP of data-centre accelerators, since 2020"),
        Number("of which smaller models at equal MMLU, per year", decline.size_rate, decline.size_low, decline.size_high, "OOM/yr", ci,
               f"parameters of the record-setting smallest models at MMLU >= {mmlu_threshold:g}"),
        Number(f"GPT-4 -> GPT-4o mini list price ({gpt4_mini['months']:.0f} months)", float(gpt4_mini["oom"]), unit="orders of magnitude",
               note=f"blended 3:1 price ${gpt4_mini['older_usd_per_m']:.3g} -> ${gpt4_mini['newer_usd_per_m']:.3g} per M tokens; "
                    f"MMLU {gpt4_mini['older_mmlu']:.3f} -> {gpt4_mini['newer_mmlu']:.3f} (not equal capability); published prices, no interval"),
        *train.numbers({"gpu_hours": f"training {_sci(frontier_flop)} FLOP: H100-hours", "cloud_usd": f"training {_sci(frontier_flop)} FLOP: cloud cost",
                        "owner_usd": f"training {_sci(frontier_flop)} FLOP: owner's cost (hardware + energy)"}),
        Number("Llama 3.1 405B H100-hours reported by Meta", LLAMA31_405B_GPU_HOURS, unit="GPU-h",
               note="Llama 3.1 model card (July 2024); compare with the estimate above at the median utilisation; published, no interval"),
        Number("inference-aware model size, 13B quality and 2T inference tokens", alloc.n, unit="parameters",
               note="Sardana et al. (2024): min 6ND + 2N D_inf at the loss of a Chinchilla-optimal 13B, Hoffmann et al.'s constants; "
                    "exact under them (Sardana et al.'s own fit gives 7B)"),
        Number("inference-aware saving, 13B quality and 2T inference tokens", 100 * alloc.saving_share, unit="%",
               note=f"{alloc.saving_flop:.2g} FLOP of {alloc.chinchilla_total_flop:.2g} (Sardana et al. report 17% with their fit); exact under Hoffmann's constants"),
    ]
    claim_held = oom_hi >= 3.0
    decline_text = (
        f"the data support {oom:.1f} [{oom_lo:.1f}, {oom_hi:.1f}] orders of magnitude in two years at MMLU >= {mmlu_threshold:g} "
        + ("(3 is inside the interval)" if claim_held else "(3 is above the interval)")
    )
    notes.append(
        "'inference costs fell about three orders of magnitude in under two years': " + decline_text + f"; list prices fell "
        f"{gpt4_mini['ratio']:.0f}x from GPT-4 to GPT-4o mini in {gpt4_mini['months']:.0f} months at lower MMLU; the rest of a 1000x fall "
        "would have to come from margins, serving software, quantisation and distillation, which these data do not measure "
        "(Epoch reports 9x-900x per year depending on the task and threshold; test-time.inference_prices refits their 21 trends)"
    )
    notes += list(decline.notes) + list(cluster.notes) + list(all_in.notes)
    verdict = checked_verdict("depends", notes)
    from scalewatch.findings import format_interval

    g = cluster["gpus"]
    ga = all_in["gpus"]
    claim = 25_000.0  # "about 25K H100s for $1B"

    def inside(c: Any) -> str:
        return "inside" if c.low <= claim <= c.high else "outside"

    r = prem["task_cost_ratio"]
    summary = (
        f"{_money(budget)} buys {format_interval(g.value, g.low, g.high)} H100s in servers and network, "
        f"{format_interval(ga.value, ga.low, ga.high)} all-in (the claimed ~25K: {inside(g)}, {inside(ga)}); o1 costs "
        f"{prem['output_price_ratio'].value:g}x GPT-4o per token, {format_interval(r.value, r.low, r.high)}x per task with reasoning "
        f"tokens, so its premium equals a {_sci(frontier_flop)}-FLOP training run after {format_interval(tasks0, tasks_lo, tasks_hi)} "
        f"tasks; and {decline_text}."
    )
    if len(summary) > 400:  # the decline clause is repeated in the notes
        summary = summary[: summary.rindex("; and the data support")] + "."

    # figures
    hp = decline.hardware_points
    yrs = hp["date"].str.slice(0, 4).astype(int) + (hp["date"].str.slice(5, 7).astype(int) - 0.5) / 12
    fig_hw = figure(
        "Price per FLOP of data-centre accelerators (on demand)",
        [points(yrs, hp["usd_per_1e18_flop"], "offers", color=PALETTE[0], text=hp["hardware"].tolist())],
        x_title="year", y_title="USD per 1e18 peak BF16 FLOP", x_log=False,
        caption=f"On-demand cloud prices divided by peak throughput (Epoch's databases); trend {decline.hardware_rate:.2f} orders of magnitude per year.",
    )
    sp = decline.size_points
    syr = sp["date"].str.slice(0, 4).astype(int) + (sp["date"].str.slice(5, 7).astype(int) - 0.5) / 12
    lp = [p for p in API_PRICES if p.mmlu is not None]
    fig_size = figure(
        f"Smallest model at MMLU >= {mmlu_threshold:g}, and published prices",
        [
            points(syr, sp["params"], "record-setting smallest model (parameters)", color=PALETTE[0], text=sp["model"].tolist()),
            points([p.year for p in lp], [(epoch_blended_price(p, pd_.tables["prices"]) or (p.blended(),))[0] * 1e9 for p in lp], "list price x 1e9 (USD per M tokens, 3:1)", color=PALETTE[1],
                   text=[f"{p.model}: MMLU {p.mmlu:.3f}" for p in lp], held_out=True),
        ],
        x_title="year", y_title="parameters; price x 1e9", x_log=False,
        caption="Blue: models that were the smallest yet to reach the MMLU threshold. Orange: OpenAI list prices, 3:1 blend from epoch-llm-inference-prices (scaled to share the axis).",
    )
    scen = []
    for label, est, pays in (("servers only", cluster, "servers (DGX/HGX per GPU) and the cluster network"),
                             ("all-in", all_in, "servers and network, the datacenter building and its power and cooling plant (amortised), "
                                                "energy and other operating costs, and R&D staff")):
        n, c = est["gpus"], est["usd_per_gpu"]
        scen.append({"scenario": label, "H100s": round(n.value), "H100s low": round(n.low), "H100s high": round(n.high),
                     "USD per H100": round(c.value), "USD per H100 low": round(c.low), "USD per H100 high": round(c.high),
                     "share of the budget on servers and network": 1.0 if est is cluster else round(est["hardware_share"].value, 3),
                     "claimed ~25K inside the range": inside(n) == "inside", "the budget pays for": pays})
    tables = [
        (f"What {_money(budget)} buys in H100s: servers only and all-in ({100 * ci:g}% ranges over the assumptions)", scen),
        ("Assumptions of the cluster and training costs", [a.to_dict() for a in (*all_in.assumptions, *train.assumptions[:1], *train.assumptions[2:])]),
        ("Published API prices (quoted figures, each with its source and date; blended price from epoch-llm-inference-prices where it lists the model)", [
            {"model": p.model, "date": p.date, "USD per M input (quoted)": p.usd_per_m_input, "USD per M output (quoted)": p.usd_per_m_output,
             "USD per M, 3:1 blend (Epoch data)": None if (e := epoch_blended_price(p, pd_.tables["prices"])) is None else e[0],
             "MMLU (developer, quoted)": p.mmlu, "source": p.source} for p in API_PRICES]),
        ("Published price pairs", decline.list_price_pairs.round(4)),
        ("Smallest models at the MMLU threshold", sp),
        ("o1 against GPT-4o per task", [{"quantity": c.name, "value": c.value, "low": c.low, "high": c.high, "unit": c.unit} for c in prem.components]),
    ]
    method = (
        f"Each number is computed from stated inputs (Python API: scalewatch.analyses.economics; CLI: scalewatch cost ...), intervals are "
        f"percentiles of {n_draws} Monte Carlo draws over the inputs' ranges (observed prices and utilisations resampled, other ranges "
        "log-triangular) or bootstrap resamples of data.\n\n"
        "Cluster, two scenarios. Servers only: budget / (server price per H100 x cluster interconnect overhead 1.15). Server prices are "
        "Epoch's DGX/HGX quotes divided by 8 (median of 12, 2022-2025); Cottier et al. (2024) use the same overhead; buildings, power "
        "plant and staff are not included. All-in: the budget also pays for the datacenter, its power and the staff, so only the share "
        "s_srv (1 - s_staff) buys servers and network: s_srv = 0.60 [0.50, 0.70], the servers' share of an AI datacenter's annual cost of "
        "ownership (Epoch AI 2026, quoted: '$5 billion per year, or 60% of the total', 5-year IT and 14-year facility lives; the range is "
        "ours, from their quoted 3- and 7-year sensitivity), and s_staff = 0.39 [0.29, 0.49], R&D staff's share of a frontier model's "
        "development cost (Cottier et al. 2024, quoted: 'R&D staff costs are substantial at 29-49%'; midpoint ours). The claim 'about "
        "25K H100s for $1B' is checked against the range of each scenario.\n\n"
        "o1 vs GPT-4o: OpenAI list prices as announced (see table); per task the reasoner also pays for hidden reasoning tokens at the output "
        f"price ({tokens_in:g} input and {tokens_out:g} visible output tokens; reasoning tokens 3,000 [300, 30,000], 'from a few hundred to "
        "tens of thousands' per OpenAI's guide).\n\n"
        "Training cost: GPU-hours = FLOP / (3600 x 9.894e14 x MFU), MFU from the 61 runs in Epoch's database with one (median 0.38); cloud "
        "cost at H100 on-demand prices (16 offers 2024-2025, median $3.49/h); owner cost = amortised servers (5-year life) + energy "
        "(700 W x 1.82 server/chip x 0.75 average x PUE 1.25 x $0.081/kWh), Cottier et al.'s method.\n\n"
        f"Price decline: cost per token at fixed capability = 2N FLOP x price per FLOP. The hardware trend is the least-squares slope of "
        f"log10(on-demand price / peak FLOP) on the date; the model trend the slope of log10 N of the models that were the smallest yet to "
        f"reach MMLU >= {mmlu_threshold:g} (Epoch's benchmark and model databases); bootstrap of price rows and models. Published price "
        "pairs are listed beside it.\n\n"
        "Inference-aware allocation (Sardana et al. 2024): minimise 6 N D + 2 N D_inf over N at the loss of a Chinchilla-optimal 13B model, "
        "with Hoffmann et al.'s constants.\n\n"
        "Verdict: 'depends', by construction and not by a written rule of scalewatch.findings.rules: this finding recomputes the "
        "debate's numbers rather than testing a law; whether paying for reasoning at test time beats a larger pretraining run turns "
        "on the number of tasks served, and the first number is that break-even for o1 against one 3.8e25-FLOP run. The synthesis "
        "does not use this finding."
    )
    citations = (_CITE_COTTIER, _CITE_EPOCH_PRICES, _CITE_EPOCH_DC, _CITE_LLAMA3, _CITE_SARDANA, _CITE_HOFFMANN, _CITE_KAPLAN,
                 "OpenAI API prices as announced: see the 'Published API prices' table for each source and date",
                 "Epoch AI, ML hardware database and hardware price database (June 2025 snapshot)",
                 "Epoch AI, benchmarking hub data ('A Rosetta Stone for AI Benchmarks', Nov 2025) and AI models database")
    return Finding(
        key=KEY_DEBATE, question="test-time", title="The debate's numbers, recomputed",
        verdict=verdict, summary=summary, numbers=numbers, figures=[fig_hw, fig_size], tables=tables, method=method,
        data_sources=(_HARDWARE, _BENCH, _MODELS, _PRICES), citations=citations, notes=notes,
        headline="tasks at which o1's premium equals a frontier training run",
    )


@analysis(KEY_DEBATE, question="test-time", requires=(_HARDWARE, _BENCH, _MODELS, _PRICES), title="The debate's numbers, recomputed")
def debate_numbers(ctx: Any) -> Finding:
    """The debate's cost numbers recomputed with their assumptions shown."""
    return debate_numbers_finding(
        ctx.dataset(_HARDWARE), ctx.dataset(_BENCH), ctx.dataset(_MODELS), ctx.dataset(_PRICES),
        n_resamples=ctx.pick(1000, 200), n_draws=ctx.pick(4000, 1000), seed=ctx.seed, size_n_boot=ctx.pick(*SIZE_N_BOOT),
    )
