"""How the data wall is shown: its figures with captions, the summary sentence, the method text and the tables."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from scalewatch.findings import Figure, format_interval
from scalewatch.plots import band, histogram, scatter, titled_spec, vline

__all__ = ["CITATIONS", "wall_figures", "wall_finding_parts"]

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


def wall_figures(result: Any) -> dict[str, dict[str, Any]]:
    """Plotly figures (JSON dicts): the stock distribution, demand against stock, and the wall year."""
    st, dm = result.stock, result.demand
    traces = [histogram(v, name, log10=True) for name, v in st.components.items()]
    traces.append(histogram(st.total, "total", log10=True))
    fig = titled_spec("Usable stock of training tokens (Monte Carlo)", traces, "log10 tokens", "density",
                      shapes=[vline(math.log10(st.assumptions.reference_tokens), dash="dash", color="red")])
    fig["layout"]["barmode"] = "overlay"
    figs = {"stock": fig}

    years = np.linspace(dm.dataset.points["year"].min(), 2036.0, 60)
    dtrend = dm.dataset.value_at(years)
    opt = dm.optimal_tokens(years)
    lo, med, hi = np.quantile(st.total, [(1 - result.ci) / 2, 0.5, (1 + result.ci) / 2])
    pts = dm.dataset.points
    traces = [
        scatter(pts["year"], pts["value"], "frontier models (training tokens)", text=pts["model"], marker={"size": 6, "color": "black"}),
        *band(years, dtrend["low"], dtrend["high"], "dataset-size trend", color="rgba(31,119,180,0.15)", showlegend=None, hover=True),
        scatter(years, dtrend["median"], "dataset-size trend", mode="lines", line={"color": "rgb(31,119,180)"}),
        *band(years, opt["low"], opt["high"], "compute-optimal tokens", color="rgba(255,127,14,0.15)", showlegend=None, hover=True),
        scatter(years, opt["median"], "compute-optimal tokens", mode="lines", line={"color": "rgb(255,127,14)"}),
        *band([years[0], years[-1]], [lo, lo], [hi, hi], f"stock ({100 * result.ci:g}%)", color="rgba(44,160,44,0.15)", showlegend=None, hover=True),
        scatter([years[0], years[-1]], [med, med], "stock (median)", mode="lines", line={"color": "rgb(44,160,44)", "dash": "dash"}),
    ]
    figs["demand_vs_stock"] = titled_spec("Demand for training tokens against the stock", traces, "year", "tokens", y_log=True)
    traces = [histogram(v, route, bins=50) for route, v in result.wall_years.items() if route != "pooled"]
    fig = titled_spec("Year demand meets the stock", traces, "year", "density", shapes=[vline(dm.assumptions.verdict_year, dash="dash", color="red")])
    fig["layout"]["barmode"] = "overlay"
    figs["wall_year"] = fig
    return figs


def wall_finding_parts(result: Any) -> dict[str, Any]:
    """The fields of the finding but its key, question, verdict and numbers (:meth:`~scalewatch.findings.Result.to_finding`)."""

    a = result.demand.assumptions
    st = result.stock
    pct = f"{100 * result.ci:g}%"
    med, lo, hi = result.year_summary()
    smed, slo, shi = st.summary(st.total)
    ratio = st.summary(st.ratio_to_reference)[0]
    gc, gd = result.demand.compute.growth_per_year()[0], result.demand.dataset.growth_per_year()[0]
    p = result.p_before(a.verdict_year)
    summary = (
        f"If frontier trends continue (compute {gc:.1f}x/yr, unique training tokens {gd:.1f}x/yr), demand reaches the usable "
        f"stock of public text ({format_interval(smed, slo, shi)} tokens, {ratio:.0f}x Llama 3's) in "
        f"{format_interval(med, lo, hi)} ({100 * result.year_ci():g}%, the interval the verdict judges; Villalobos et al. 2024: "
        f"median 2028, 2026-2032); {100 * p:.0f}% of draws "
        f"reach it by {a.verdict_year}."
    )
    fragile = None
    near = [f"{end} end {v:.2f}" for end, v in (("lower", lo), ("upper", hi)) if abs(v - a.verdict_year) < 0.25]
    if near:
        # rounding can hide which side of the verdict year an end lies on, and the verdict turns on it
        fragile = (f"fragile: the judged interval's {' and '.join(near)} lies within a quarter year of {a.verdict_year}, so the "
                   f"verdict turns on a few per cent of the Monte Carlo draws (P(wall by {a.verdict_year}) = {p:.3f}, the rule "
                   "asks 0.9 for 'wall' and at most 0.1 for 'no wall')")
    figs = result.figures()
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
    tables = result.tables()
    method = (
        "Stock: a Monte Carlo over independent inputs, each a two-piece normal on a log (magnitudes) or logit (shares) "
        "scale that reproduces its cited median and interval exactly: the effective stock of public human text "
        "(Villalobos et al. 2024: 3e14 tokens, 90% interval 1e14-1e15, quality-filtered and allowing several epochs) "
        "plus YouTube transcripts (video minutes x share with speech x words per minute x tokens per word x share kept "
        f"by a quality filter). {st.assumptions.n_samples} draws."
        "\n\n"
        f"Demand: frontier models are the {a.domain.lower()} models in the top {a.top_k} by training compute at their "
        f"release (Epoch AI's definition), released from {a.start:g} (GPT-3 opened single-pass web-scale pretraining). "
        "Log compute and log demand are regressed on release year by least squares; demand is the unique tokens a model "
        "trained on (dataset size x min(epochs, 1); words x 4/3), not dataset size x epochs, which would count Meena's "
        "164 passes over 53B tokens as 8.7T tokens of text; "
        f"{a.n_boot} case-bootstrap resamples. Compute-optimal tokens D_opt = G^-1 (C/6)^b come from "
        "Chinchilla refitted to Hoffmann et al.'s runs (Huber, delta 1e-3, log loss; the five highest-loss runs "
        f"dropped as Besiroglu et al. 2024 do), {a.law_bootstrap} bootstrap resamples"
        + (f", times sqrt({a.overtrain:g}) for overtraining" if a.overtrain != 1 else "")
        + "."
        "\n\n"
        "Wall year: t0 + (ln S - ln D(t0)) / g along two routes, the dataset-size trend and the compute-optimal tokens "
        "of the compute trend; every draw combines a stock sample with one bootstrap draw of each trend and of the law, "
        "and the two routes are pooled with equal weight. "
        + (result.decision.rule.text() if result.decision is not None else "")
        + " Repetition is applied once, as its own scenario: the data-constrained law's effective data "
        f"D'/U = 1 + R*(1 - exp(-(E-1)/R*)) with R* = {a.r_star:.4g} (Muennighoff et al. 2023) at {a.relief_epochs:g} "
        "epochs multiplies the stock (the scenario table shows the wall year with it, with demand counted as tokens "
        "seen instead of unique tokens, and Villalobos et al.'s published projection); it is also reported as years "
        "gained (ln(D'/U) / growth rate of demand). The baseline does not apply it because the cited stock may already "
        "allow for some repetition: the relief scenario is an upper bound, not to be stacked on another allowance"
        + (f"; the wall itself uses {a.stock_epochs:g} epochs on the stock" if a.stock_epochs != 1 else "")
        + "."
    )
    notes = list(result.demand.notes)
    if fragile:
        notes.insert(0, fragile)
    sens = result.sensitivity
    if len(sens):
        notes.append(
            "median wall year when the trends start in other years: "
            + "; ".join(f"{r.start:g}: {r.dataset_trend:.1f} (dataset trend), {r.compute_optimal:.1f} (compute-optimal)" for r in sens.itertuples())
        )
    notes.append(
        "the verdict assumes the trends continue; it says when the public text stock would be used up, not that "
        "progress stops (synthetic data, other modalities and better data efficiency are outside this model)"
    )
    if result.demand.law_failed:
        notes.append(f"{result.demand.law_failed}/{a.law_bootstrap} bootstrap resamples of the Chinchilla fit failed or gave no finite allocation (excluded)")
    return dict(
        title="Data wall: when frontier demand for training tokens meets the stock of public text",
        summary=summary,
        figures=figures,
        tables={
            "stock inputs (editable: DataStockAssumptions)": tables["stock_inputs"],
            "frontier language models used for the trends": tables["frontier_models"],
            "wall year by first release year of the trends": tables["sensitivity"],
            "wall year under each choice (demand measure, repetition) and the published projection": tables["scenarios"],
        },
        rule=result.decision,
        method=method,
        data_sources=("epoch-ai-models", "chinchilla-hoffmann2022"),
        citations=CITATIONS,
        loss_label="least squares on log compute and log tokens (trends); Huber (delta=0.001) on log loss (Chinchilla)",
        notes=tuple(notes),
        headline="wall year (pooled)",
    )
