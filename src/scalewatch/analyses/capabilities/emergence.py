"""``capabilities.emergence``: emergence or metric artefact, on Pythia and the obsscaling emergent tasks."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.capabilities._common import _LINK_LOSS, _PAPERS, QUESTION, _err, _link_traces, _n_boot
from scalewatch.analyses.capabilities.metrics import (
    PAIR_LABELS,
    SHARP_MAX,
    SMOOTH_MIN,
    MetricPair,
    compare_metrics,
    pairs_table,
)
from scalewatch.analyses.capabilities.scores import obsscaling_scores, pythia_scores
from scalewatch.findings import Figure, Finding, Number, Result, analysis, finite
from scalewatch.plots import PALETTE, figure, hline, points

__all__ = ["emergence_verdict", "EmergenceAnalysis", "emergence_analysis", "report_emergence"]


def emergence_verdict(labels: Sequence[str]) -> tuple[str, str]:
    """Verdict of the emergence analysis in this question's vocabulary.

    Parameters
    ----------
    labels : sequence of str
        One :data:`PAIR_LABELS` entry per (task, series).

    Returns
    -------
    (str, str)
        **decoupling** when some task stays sharp under a continuous metric
        and none is a metric artefact (capabilities that jump rather than
        follow scale); **in step** when at least one pair is testable and
        every testable pair is a metric artefact or smooth under both (the
        underlying capability follows scale smoothly); **inconclusive**
        otherwise (no testable pair, unresolved pairs, or both kinds).

    Examples
    --------
    >>> emergence_verdict(["metric artefact", "smooth under both", "untestable"])[0]
    'in step'
    >>> emergence_verdict(["smooth under both", "unresolved"])[0]
    'inconclusive'
    """
    tested = [lab for lab in labels if lab != "untestable"]
    n_art = sum(lab == "metric artefact" for lab in tested)
    n_real = sum(lab == "emergent under both" for lab in tested)
    n_smooth = sum(lab == "smooth under both" for lab in tested)
    if not tested:
        return "inconclusive", "no task has both a discontinuous and a continuous metric in the data"
    if n_real and not n_art:
        return "decoupling", f"{n_real}/{len(tested)} testable task(s) stay sharp under a continuous metric"
    if n_art + n_smooth == len(tested):
        return "in step", f"all {len(tested)} testable task(s) are metric artefacts ({n_art}) or smooth under both metrics ({n_smooth})"
    return "inconclusive", (
        f"of {len(tested)} testable task(s): {n_art} metric artefact, {n_real} emergent under both, {n_smooth} smooth under both, "
        f"{len(tested) - n_art - n_real - n_smooth} unresolved"
    )


_OBS_EMERGENT = (
    # task, discontinuous metric, continuous metric (None: the data have none)
    ("ipa_transliterate", "exact_match", "bleu"),
    ("arithmetic_3ds", "acc", None),
    ("arithmetic_3da", "acc", None),
    ("arithmetic_2dm", "acc", None),
    ("arithmetic_2da", "acc", None),
    ("word_unscrambling", "exact_match", None),
    ("parsinlu_qa", "acc", None),
)


@dataclass(frozen=True, eq=False)
class EmergenceAnalysis(Result):
    """Outcome of :func:`emergence_analysis`.

    Attributes
    ----------
    pairs : tuple of MetricPair
        One per (task, series); label ``"untestable"`` where the data hold
        only a discontinuous metric.
    gaps : tuple of str
        What the datasets lack for this test, said plainly.
    """

    FINDING_KEY = "capabilities.emergence"
    QUESTION = "capabilities"

    pairs: tuple[MetricPair, ...]
    gaps: tuple[str, ...]
    verdict: str
    reason: str
    n_boot: int = 0
    seed: int = 0
    fast: bool = False
    seconds: float = math.nan

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(PAIR_LABELS, 0)
        for p in self.pairs:
            out[p.label] += 1
        return out

    def sentence(self) -> str:
        c = self.counts()
        tested = [p for p in self.pairs if p.label != "untestable"]
        desc = "; ".join(
            f"{p.task} ({p.series}): {p.discontinuous.metric} r = {p.discontinuous.relative_width:.2f} "
            f"[{p.discontinuous.interval[0]:.2f}, {p.discontinuous.interval[1]:.2f}] vs {p.continuous.metric} r = "
            f"{p.continuous.relative_width:.2f} [{p.continuous.interval[0]:.2f}, {p.continuous.interval[1]:.2f}] -> {p.label}"
            for p in tested
            if p.continuous is not None
        )
        sharp = [p for p in self.pairs if p.label == "untestable" and p.discontinuous.shape == "sharp"]
        return (
            f"{len(tested)} task(s) have both a discontinuous and a continuous metric on the same models ({desc or 'none'}); "
            f"{c['untestable']} task(s) have only a discontinuous metric ({len(sharp)} of them look sharp): {self.verdict}."
        )

    def summary(self) -> str:
        """One sentence (at most 400 characters) for the report."""
        tested = [p for p in self.pairs if p.continuous is not None]
        single = [p for p in self.pairs if p.continuous is None]
        sharp = sum(p.discontinuous.shape == "sharp" for p in single)
        parts = [
            f"{p.task}: {p.discontinuous.metric} r = {p.discontinuous.relative_width:.2f}, {p.continuous.metric} r = "
            f"{p.continuous.relative_width:.2f} ({p.label})"
            for p in tested
        ]
        head = "; ".join(parts) if parts else "no task has a continuous metric in the data"
        text = (
            f"Relative width r of the rise with compute (small = emergent-looking): {head}; {len(single)} task(s) have only a "
            f"discontinuous metric ({sharp} sharp), so they cannot separate a metric artefact from a real jump."
        )
        if len(text) > 400:
            c = self.counts()
            text = (
                f"Of {len(tested)} tasks measured under two metrics, {c['metric artefact']} are metric artefacts, "
                f"{c['emergent under both']} stay sharp under both and {c['smooth under both']} are smooth under both; "
                f"{len(single)} task(s) have only a discontinuous metric ({sharp} sharp)."
            )
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "sentence": self.sentence(),
            "summary": self.summary(),
            "counts": self.counts(),
            "pairs": [p.to_dict() for p in self.pairs],
            "gaps": list(self.gaps),
            "thresholds": {"sharp_max": SHARP_MAX, "smooth_min": SMOOTH_MIN},
            "n_boot": int(self.n_boot),
            "seed": self.seed,
            "fast": self.fast,
            "seconds": finite(self.seconds),
        }

    def report(self) -> str:
        lines = [f"[[Capabilities: emergence]] {self.verdict}", f"    {self.sentence()}", f"    rule: {self.reason}"]
        lines += [p.report() for p in self.pairs]
        lines += [f"    gap: {g}" for g in self.gaps]
        return "\n".join(lines)

    def figures(self) -> dict[str, Figure]:
        figs: dict[str, Figure] = {}
        for p in self.pairs:
            if p.continuous is None:
                continue
            traces = []
            for i, sh in enumerate((p.discontinuous, p.continuous)):
                if sh.link.fit is not None:
                    traces += _link_traces(sh.link, PALETTE[i], f"{sh.metric} ({sh.shape}, r = {sh.relative_width:.2f})")
            if not traces:
                continue
            key = re.sub(r"[^a-z0-9]+", "_", f"emergence {p.task} {p.series}".lower()).strip("_")
            figs[key] = figure(
                f"{p.task} ({p.series}): one task under two metrics",
                traces, x_title="log10 training compute (FLOP)", y_title="metric rescaled to [0, 1] (higher is better)", x_log=False, y_log=False,
                caption="r: share of the compute range over which the fitted sigmoid rises from 10% to 90%; small r looks emergent.",
            )
        single = [p for p in self.pairs if p.continuous is None]
        if single:
            r = [p.discontinuous.relative_width for p in single]
            figs["emergence_single_metric"] = figure(
                "Tasks with a discontinuous metric only: how sharply they rise",
                [points([p.task for p in single], r, "relative 10-90% width, 95% interval", color=PALETTE[0],
                        error_y=_err(r, [p.discontinuous.interval[0] for p in single], [p.discontinuous.interval[1] for p in single]))],
                x_title="task", y_title="relative width r", x_log=False, y_log=False,
                shapes=[hline(SHARP_MAX), hline(SMOOTH_MIN, dash="dot")],
                caption=f"Below {SHARP_MAX}: sharp (looks emergent); above {SMOOTH_MIN}: smooth. No continuous metric exists in the data for these tasks.",
            )
        return figs

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"emergence_pairs": pairs_table(self.pairs)}

    def method(self) -> str:
        return (
            "Each metric is rescaled to [0, 1] over the models (flipped where lower is better: perplexity) and fitted with "
            "a four-parameter sigmoid in log10 training compute (floor and ceiling free within [-0.25, 1.25]); its relative "
            "width r is the share of the observed compute range over which the curve rises from 10% to 90% "
            f"(2 ln 9 / k over the range), with a {self.n_boot}-resample bootstrap interval (models resampled). Sharp: "
            f"upper end of the interval <= {SHARP_MAX}; smooth: lower end >= {SMOOTH_MIN}; unclear otherwise (also for fits "
            "with R^2 < 0.3). Pairs on the same models: metric artefact (sharp under the discontinuous metric, smooth under "
            "the continuous one; Schaeffer et al. 2023), emergent under both, smooth under both, unresolved. Data: Pythia's "
            "16 fully trained models (LAMBADA last-word accuracy against log perplexity of the same evaluation); the "
            "obsscaling emergent-capability table (Ruan et al. 2024; BIG-bench tasks; exact match against BLEU for IPA "
            "transliteration, the only task with a continuous metric; models with compute). Verdict rule: decoupling when "
            "some task stays sharp under a continuous metric and none is a metric artefact; in step when every testable "
            "task is a metric artefact or smooth under both; inconclusive otherwise."
        )

    def finding_parts(self) -> dict[str, Any]:
        """Title, summary, tables, method, data and citations of :meth:`to_finding`."""
        return _emergence_finding_parts(self)


def emergence_analysis(*, fast: bool = False, n_boot: int | None = None, seed: int = 0) -> EmergenceAnalysis:
    """Emergence or metric artefact on Pythia and the obsscaling emergent-capability table.

    Parameters
    ----------
    fast : bool, default False
        40 bootstrap resamples per curve instead of 200 (same data, method
        and verdict rule).
    n_boot : int, optional
        Bootstrap resamples per curve (default 200).
    seed : int, default 0
        Seed of the resampling.

    Returns
    -------
    EmergenceAnalysis
    """
    t0 = time.perf_counter()
    nb = _n_boot(n_boot, fast)
    pairs: list[MetricPair] = []
    p = pythia_scores()
    lam = p[(p["benchmark"] == "lambada_openai") & p["final"]]
    pairs.append(
        compare_metrics(
            lam["log10_compute"], lam["value"], np.log(lam["lambada_ppl"].to_numpy(float)), task="lambada_openai",
            series="Pythia, 16 fully trained models", names=("accuracy", "log perplexity"), continuous_higher_is_better=False,
            n_boot=nb, seed=seed,
        )
    )
    o = obsscaling_scores(benchmarks=[t for t, _, _ in _OBS_EMERGENT])
    o = o[np.isfinite(o["log10_compute"])]
    for task, dm, cm in _OBS_EMERGENT:
        sub = o[o["benchmark"] == task]
        w = sub.pivot_table(index="model", columns="metric", values="value", aggfunc="first")
        lc = sub.drop_duplicates("model").set_index("model")["log10_compute"]
        cols = [dm] + ([cm] if cm else [])
        w = w[cols].join(lc).dropna()
        cont = None
        if cm:
            cont = w[cm].to_numpy(float) / (100.0 if cm == "bleu" else 1.0)  # BLEU on 0-100 upstream
        pairs.append(
            compare_metrics(
                w["log10_compute"], w[dm], cont, task=task, series="obsscaling models with compute",
                names=(dm.replace("_", " "), cm or ""), n_boot=nb, seed=seed,
                note="" if cm else "the obsscaling emergent table holds only this discontinuous metric for the task",
            )
        )
    gaps = (
        "pythia-evals: the multiple-choice tasks (ARC, PIQA, SciQ, WinoGrande, WSC, LogiQA, MMLU) carry accuracy only; "
        "no log-likelihood of the correct answer or Brier score, so they cannot be tested",
        "obsscaling: of the seven emergent BIG-bench tasks only IPA transliteration has a continuous metric (BLEU); the "
        "arithmetic, word-unscrambling and ParsiNLU tasks are accuracy or exact match only (untestable)",
        "gadre-overtraining-scaling: downstream tasks are scored by accuracy only; no per-task continuous metric",
    )
    verdict, reason = emergence_verdict([pp.label for pp in pairs])
    return EmergenceAnalysis(
        pairs=tuple(pairs), gaps=gaps, verdict=verdict, reason=reason, n_boot=nb, seed=seed, fast=fast, seconds=time.perf_counter() - t0
    )


def _emergence_finding_parts(result: Any) -> dict[str, Any]:
    numbers = []
    for p in result.pairs:
        if p.continuous is None:
            continue
        for sh in (p.discontinuous, p.continuous):
            numbers.append(
                Number(f"{p.task}, {sh.metric}: relative width of the rise", sh.relative_width, *sh.interval, unit="share of compute range",
                       note=f"{p.series}; {sh.shape}; pair: {p.label}")
            )
    single = [p for p in result.pairs if p.continuous is None]
    numbers.append(Number("tasks with a discontinuous metric only (untestable)", len(single), unit="tasks",
                          note="count; " + ", ".join(f"{p.task} r = {p.discontinuous.relative_width:.2f}" for p in single)))
    sharp = [p.task for p in single if p.discontinuous.shape == "sharp"]
    notes = list(result.gaps)
    notes.append(f"single-metric tasks that look sharp: {', '.join(sharp) if sharp else 'none'} (rule: upper end of r's interval <= {SHARP_MAX})")
    return dict(
        title="Emergence or metric artefact?",
        verdict=result.verdict,
        summary=result.summary(),
        numbers=numbers,
        figures=list(result.figures().values()),
        tables={"tasks and metrics": pairs_table(result.pairs)},
        method=result.method(),
        data_sources=["pythia-evals", "obsscaling"],
        citations=[_PAPERS[k] for k in ("schaeffer", "wei", "ruan", "pythia", "efron")],
        loss_label=_LINK_LOSS,
        notes=notes,
        headline=numbers[0].name if numbers else None,
    )


@analysis("capabilities.emergence", question=QUESTION, requires=("pythia-evals", "obsscaling"))
def report_emergence(ctx: Any) -> Finding:
    """Emergence or metric artefact."""
    return emergence_analysis(fast=ctx.fast, seed=ctx.seed).to_finding()
