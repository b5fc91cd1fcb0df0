"""``capabilities.decoupling``: fit the link on older or smaller models, predict newer or larger ones."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.capabilities._common import _LINK_LOSS, _PAPERS, QUESTION, _n_boot, _pts
from scalewatch.analyses.capabilities.holdout import DecouplingResult, decoupling_test
from scalewatch.analyses.capabilities.scores import (
    CHANCE,
    GADRE_SUBSET,
    OBSSCALING_BENCHMARKS,
    epoch_release_scores,
    gadre_scores,
    obsscaling_scores,
    pythia_scores,
)
from scalewatch.findings import Decision, Figure, Finding, Number, Result, analysis, finite, records
from scalewatch.findings.rules import decision_text, overrule, rule
from scalewatch.plots import PALETTE, figure, hline, points

__all__ = ["DecouplingAnalysis", "decoupling_analysis", "report_decoupling"]


@dataclass(frozen=True, eq=False)
class DecouplingAnalysis(Result):
    """Outcome of :func:`decoupling_analysis`: held-out tests on four datasets.

    Attributes
    ----------
    scenarios : dict
        Label -> :class:`DecouplingResult`: ``"release date"`` (Epoch AI,
        newest quarter of model versions per benchmark), ``"compute"``
        (obsscaling, top quarter of compute), ``"gadre size"`` (Gadre et al.,
        1.4B and 6.9B models from the four smaller sizes), ``"pythia size"``
        (fully trained 2.8B-12B Pythia models from every checkpoint of the
        smaller ones).
    headline : str
        The scenario that gives the verdict: the release-date test (the
        question asks about the *newest* models) when it has a result.
    by_distillation : pandas.DataFrame
        Release-date scenario: mean held-out excess of the versions Epoch
        judges distilled from a larger model and of the others (``group, n,
        excess, low, high``; intervals from the held-out scatter only).
    """

    FINDING_KEY = "capabilities.decoupling"
    QUESTION = "capabilities"

    scenarios: dict[str, DecouplingResult]
    headline: str
    verdict: str
    reason: str
    decision: Any = field(default=None, repr=False)
    n_boot: int = 0
    seed: int = 0
    fast: bool = False
    seconds: float = math.nan
    n_distilled: int = 0
    by_distillation: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def sentence(self) -> str:
        h = self.scenarios[self.headline]
        others = "; ".join(
            f"{k}: {100 * r.excess:+.1f} [{100 * r.interval[0]:+.1f}, {100 * r.interval[1]:+.1f}] points ({r.verdict})"
            for k, r in self.scenarios.items()
            if k != self.headline
        )
        return (
            f"Newest models against the compute link fitted on older ones: {100 * h.excess:+.1f} points "
            f"[{100 * h.interval[0]:+.1f}, {100 * h.interval[1]:+.1f}] over {h.n_heldout} held-out scores on "
            f"{h.n_benchmarks} benchmarks ({self.verdict}{self._distillation_clause()})" + (f"; {others}." if others else ".")
        )

    def summary(self) -> str:
        """One sentence (at most 400 characters) for the report."""

        def iv(r: DecouplingResult) -> str:
            return f"{100 * r.excess:+.1f} [{100 * r.interval[0]:+.1f}, {100 * r.interval[1]:+.1f}]"

        h = self.scenarios[self.headline]
        what = "Model versions in the newest quarter by release date" if self.headline == "release date" else "The models with the most compute"
        others = [(k, r) for k, r in self.scenarios.items() if k in ("gadre size", "pythia size") and r.n_benchmarks]
        tail = ""
        if others:
            tail = "; the largest models of controlled suites: " + ", ".join(
                f"{'Gadre et al.' if k == 'gadre size' else 'Pythia'} {iv(r)}" for k, r in others
            ) + " points"
        return (
            f"{what} score {iv(h)} points against the compute link fitted on the rest ({h.n_heldout} held-out scores, "
            f"{h.n_benchmarks} benchmarks){tail}."
        )

    def _distillation_clause(self) -> str:
        d = self.by_distillation
        if not len(d) or self.headline != "release date" or (d["n"] == 0).any():
            return ""
        parts = [f"{g} {100 * e:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}]" for g, e, lo, hi in d[["group", "excess", "low", "high"]].itertuples(index=False)]
        return "; " + ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "headline": self.headline,
            "sentence": self.sentence(),
            "summary": self.summary(),
            "scenarios": {k: v.to_dict() for k, v in self.scenarios.items()},
            "n_distilled_heldout": int(self.n_distilled),
            "by_distillation": records(self.by_distillation),
            "n_boot": int(self.n_boot),
            "seed": self.seed,
            "fast": self.fast,
            "seconds": finite(self.seconds),
        }

    def report(self) -> str:
        lines = [f"[[Capabilities: decoupling]] {self.verdict} (headline: {self.headline})", f"    {self.sentence()}", f"    rule: {self.reason}"]
        lines += [r.report() for r in self.scenarios.values()]
        for r in self.by_distillation.itertuples():
            lines.append(f"    release date, {r.group}: n {r.n}, {100 * r.excess:+.1f} points [{100 * r.low:+.1f}, {100 * r.high:+.1f}]")
        return "\n".join(lines)

    def figures(self) -> dict[str, Figure]:
        figs: dict[str, Figure] = {}
        for key, r in self.scenarios.items():
            p = r.predictions
            if not len(p):
                continue
            is_date = pd.api.types.is_datetime64_any_dtype(p["by"])
            traces = []
            for i, (b, g) in enumerate(p.groupby("benchmark", sort=True)):
                xv = [str(pd.Timestamp(v).date()) for v in g["by"]] if is_date else g["by"].to_numpy(float)
                y = 100 * g["excess"].to_numpy(float)
                traces.append(points(xv, y, str(b), color=PALETTE[i % len(PALETTE)], text=list(g["model"])))
            figs[f"decoupling_{key.replace(' ', '_')}"] = figure(
                f"{r.label}: observed minus predicted score",
                traces, x_title=r.by.replace("_", " "), y_title="observed - predicted (score points)", x_log=not is_date, y_log=False,
                shapes=[hline(0.0)], caption="Above zero: the held-out model beats what the link fitted on the others predicts.",
            )
        return figs

    def tables(self) -> dict[str, pd.DataFrame]:
        rows = []
        for k, r in self.scenarios.items():
            rows.append({"scenario": k, "x": r.x_name, "by": r.by, "benchmarks": r.n_benchmarks, "n_heldout": r.n_heldout, "excess": r.excess, "low": r.interval[0], "high": r.interval[1], "verdict": r.verdict})
        out = {"decoupling_scenarios": pd.DataFrame(rows)}
        if len(self.by_distillation):
            out["decoupling_release_date_by_distillation"] = self.by_distillation
        for k, r in self.scenarios.items():
            out[f"decoupling_{k.replace(' ', '_')}"] = r.per_benchmark
        return out

    def method(self) -> str:
        return (
            "For each benchmark the sigmoid link (chance floor, fitted ceiling; see the links finding) is fitted to the "
            "older or smaller models only and predicts the held-out ones; excess = observed - predicted score. Release "
            "date: Epoch AI's benchmark hub (model versions with their release dates) joined by model name with the "
            "training compute of Epoch's AI-models database; per benchmark the newest quarter of versions is held out "
            f"({self.n_distilled} held-out scores belong to models Epoch judges distilled, reported apart; post-trained "
            "and reasoning versions are included as published). Compute: obsscaling base models, top quarter of compute per benchmark "
            "held out, pooled over families. Size: Gadre et al.'s 1.4B and 6.9B models predicted from the four smaller "
            "sizes with the link from C4 loss to the average accuracy over their 17-task subset (as in their paper); Pythia's fully trained 2.8B, 6.9B and 12B models predicted from every "
            f"checkpoint of the 70M-1.4B models with the compute link. Intervals: {self.n_boot} bootstrap resamples of "
            "the training fit (whole models drawn: a Pythia model with all its checkpoints, an Epoch model with all its "
            "versions), each paired with a resample of the held-out models (percentile, 95%); the overall excess "
            "averages the benchmarks with equal weight; benchmarks whose training link sits at chance or has no signal "
            "are shown but not averaged (a link at chance predicts chance and tests nothing). The finding's verdict is the {self.headline} "
            "scenario's (the question asks about the newest models), decided by the written rule (the per-scenario verdicts "
            "in the table use the same margin). " + (decision_text(self.decision) if self.decision is not None else "")
        )

    def finding_parts(self) -> dict[str, Any]:
        """Title, summary, tables, method, data and citations of :meth:`to_finding`."""
        return _decoupling_finding_parts(self)


def decoupling_decision(result: DecouplingResult, *, min_heldout: int = 5) -> Decision:
    """The written rule ``capabilities.heldout_score_excess`` on a scenario's mean held-out excess (score points).

    Parameters
    ----------
    result : DecouplingResult
        The scenario; its ``interval`` (score fraction) is judged in points.
    min_heldout : int, default 5
        Fewer held-out scores withhold the verdict.

    Returns
    -------
    Decision
        "in step" inside +/- 2 points, "ahead" / "decoupling" wholly above / below, "inconclusive" otherwise.
    """
    r = rule("capabilities.heldout_score_excess")
    lo, hi = result.interval
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return r.decide(None, None)
    tol = float(getattr(result, "tolerance", 0.02))
    if abs(100.0 * tol - r.margin) > 1e-12:  # a caller's own margin: the same rule, that margin
        from dataclasses import replace

        r = replace(r, margin=100.0 * tol)
    d = r.decide(100.0 * lo, 100.0 * hi)
    if result.n_heldout < min_heldout:
        return overrule(d, f"{result.n_heldout} held-out scores, fewer than {min_heldout}")
    return d


def decoupling_analysis(*, fast: bool = False, n_boot: int | None = None, seed: int = 0, tolerance: float = 0.02) -> DecouplingAnalysis:
    """Do the newest or largest models fall short of, match, or beat their link's prediction?

    Parameters
    ----------
    fast : bool, default False
        40 bootstrap resamples per training fit instead of 200 (same data,
        method and verdict rule).
    n_boot : int, optional
        Bootstrap resamples per training fit (default 200).
    seed : int, default 0
        Seed of the resampling.
    tolerance : float, default 0.02
        Equivalence margin of the verdict (score fraction).

    Returns
    -------
    DecouplingAnalysis
    """
    t0 = time.perf_counter()
    nb = _n_boot(n_boot, fast)
    scen: dict[str, DecouplingResult] = {}
    e = epoch_release_scores()
    scen["release date"] = decoupling_test(
        e, x="log10_compute", by="release_date", floors=CHANCE["epoch-benchmark-stitching"], increasing=True, tolerance=tolerance,
        n_boot=nb, seed=seed, groups="base_model", label="Epoch AI hub, newest quarter of model versions by release date", x_name="log10 compute",
    )
    by_dist = _distillation_split(scen["release date"], e, seed=seed)
    n_dist = int(by_dist.loc[by_dist["group"] == "distilled", "n"].sum()) if len(by_dist) else 0
    o = obsscaling_scores(OBSSCALING_BENCHMARKS)
    o = o[np.isfinite(o["log10_compute"])]
    scen["compute"] = decoupling_test(
        o, x="log10_compute", by="compute", floors=CHANCE["obsscaling"], increasing=True, tolerance=tolerance, n_boot=nb, seed=seed,
        label="obsscaling, top quarter of compute", x_name="log10 compute",
        note="pooled over families: part of the excess is the held-out families' compute efficiency",
    )
    # Gadre et al. extrapolate the *average* accuracy over their 17-task subset from loss; so do we
    # (one link; its floor is the mean of the tasks' random baselines).
    g = gadre_scores(GADRE_SUBSET)
    avg = g.groupby("model", sort=True).agg(value=("value", "mean"), floor=("floor", "mean"), loss=("loss", "first"), params=("params", "first"))
    avg = avg.reset_index().assign(benchmark=f"{len(GADRE_SUBSET)}-task average")
    scen["gadre size"] = decoupling_test(
        avg, x="loss", by="params", cutoff=5e8, floors=float(avg["floor"].iloc[0]), increasing=False, tolerance=tolerance, n_boot=nb,
        seed=seed, min_heldout=2, label="Gadre et al., 1.4B and 6.9B models from the four smaller sizes (C4 loss -> 17-task average accuracy)",
        x_name="C4 validation loss",
    )
    p = pythia_scores()
    scen["pythia size"] = decoupling_test(
        p, x="log10_compute", by="params", cutoff=2e9, heldout_filter=lambda t: t["final"].to_numpy(), floors=CHANCE["pythia-evals"],
        increasing=True, tolerance=tolerance, n_boot=nb, seed=seed, groups="size_model",
        label="Pythia, fully trained 2.8B-12B models from all checkpoints of 70M-1.4B (compute link)", x_name="log10 compute",
    )
    headline = "release date" if scen["release date"].n_benchmarks else "compute"
    decision = decoupling_decision(scen[headline])
    verdict, reason = decision.verdict, f"{headline} scenario: {decision.reason}"
    return DecouplingAnalysis(
        scenarios=scen, headline=headline, verdict=verdict, reason=reason, decision=decision, n_boot=nb, seed=seed, fast=fast,
        seconds=time.perf_counter() - t0, n_distilled=n_dist, by_distillation=by_dist,
    )


def _distillation_split(result: DecouplingResult, table: pd.DataFrame, *, seed: int = 0, n_draws: int = 2000, ci: float = 0.95) -> pd.DataFrame:
    """Held-out excess of distilled and other model versions (benchmarks in the mean only).

    The interval resamples the held-out scores of the group (their scatter
    only; the links' parameter uncertainty is in the scenario's interval).
    """
    p = result.predictions
    if not len(p):
        return pd.DataFrame(columns=["group", "n", "excess", "low", "high"])
    used = set(result.per_benchmark.loc[result.per_benchmark["included"].astype(bool), "benchmark"])
    p = p[p["benchmark"].isin(used)]
    flag = p["model"].map(table.drop_duplicates("model").set_index("model")["distilled"])
    distilled = flag.fillna(False).astype(bool).to_numpy()
    rng = np.random.default_rng(seed)
    a = 1.0 - ci
    rows = []
    for group, mask in (("distilled", distilled), ("not distilled or unknown", ~distilled)):
        e = p.loc[mask, "excess"].to_numpy(float)
        if e.size == 0:
            rows.append({"group": group, "n": 0, "excess": math.nan, "low": math.nan, "high": math.nan})
            continue
        draws = e[rng.integers(0, e.size, size=(n_draws, e.size))].mean(axis=1)
        lo, hi = np.quantile(draws, [a / 2, 1 - a / 2])
        rows.append({"group": group, "n": int(e.size), "excess": float(e.mean()), "low": float(lo), "high": float(hi)})
    return pd.DataFrame(rows)


def _decoupling_finding_parts(result: Any) -> dict[str, Any]:
    names = {
        "release date": "newest quarter by release date (Epoch AI hub): mean excess",
        "compute": "top quarter by compute (obsscaling): mean excess",
        "gadre size": "1.4B and 6.9B models from smaller ones (Gadre et al.): mean excess",
        "pythia size": "2.8B-12B models from smaller ones (Pythia): mean excess",
    }
    numbers = []
    for key, r in result.scenarios.items():
        lo, hi = r.interval
        numbers.append(
            Number(names.get(key, f"{key}: mean excess"), _pts(r.excess) if math.isfinite(r.excess) else None,
                   _pts(lo) if math.isfinite(lo) else None, _pts(hi) if math.isfinite(hi) else None, unit="score points", ci=r.ci,
                   note=f"{r.n_heldout} held-out scores, {r.n_benchmarks} benchmarks; verdict {r.verdict}"
                   if math.isfinite(lo) else f"no interval: {r.reason}")
        )
    for row in result.by_distillation.itertuples():
        if row.n:
            numbers.append(
                Number(f"newest quarter by release date, {row.group}: mean excess", _pts(row.excess), _pts(row.low), _pts(row.high),
                       unit="score points", note=f"{row.n} held-out scores; interval from their scatter only")
            )
    notes = []
    for key, r in result.scenarios.items():
        left = r.per_benchmark[~r.per_benchmark["included"].astype(bool)] if len(r.per_benchmark) else r.per_benchmark
        for row in left.itertuples():
            notes.append(f"{key}: {row.benchmark} not averaged (training link {row.link_status}); its held-out excess is {_pts(row.excess):+.1f} points")
        for b, why in r.skipped.items():
            notes.append(f"{key}: {b} skipped ({why})")
        if r.note:
            notes.append(f"{key}: {r.note}")
    tables = {"scenarios": result.tables()["decoupling_scenarios"]}
    for key, r in result.scenarios.items():
        tables[f"per benchmark, {key}"] = r.per_benchmark
    if len(result.by_distillation):
        tables["newest models by distillation"] = result.by_distillation
    return dict(
        title="Do newer and larger models match what their compute or loss predicts?",
        verdict=result.verdict,
        summary=result.summary(),
        numbers=numbers,
        figures=list(result.figures().values()),
        tables=tables,
        method=result.method(),
        data_sources=["epoch-benchmark-stitching", "epoch-ai-models", "obsscaling", "gadre-overtraining-scaling", "pythia-evals"],
        citations=[_PAPERS[k] for k in ("epoch_hub", "epoch_models", "ruan", "gadre", "pythia", "owen", "efron")],
        loss_label=_LINK_LOSS,
        notes=notes,
        headline=numbers[0].name,
        rule=result.decision,
    )


_DECOUPLING_DATA = ("epoch-benchmark-stitching", "epoch-ai-models", "obsscaling", "gadre-overtraining-scaling", "pythia-evals")


@analysis("capabilities.decoupling", question=QUESTION, requires=_DECOUPLING_DATA)
def report_decoupling(ctx: Any) -> Finding:
    """Newer and larger models against the link fitted on older and smaller ones."""
    return decoupling_analysis(fast=ctx.fast, seed=ctx.seed).to_finding()
