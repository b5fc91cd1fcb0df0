"""``capabilities.decoupling``: fit the link on older or smaller models, predict newer or larger ones."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.capabilities._common import QUESTION, _LINK_LOSS, _PAPERS, _n_boot, _pts
from scalewatch.analyses.capabilities.scores import (
    CHANCE,
    GADRE_SUBSET,
    OBSSCALING_BENCHMARKS,
    epoch_release_scores,
    gadre_scores,
    obsscaling_scores,
    pythia_scores,
)
from scalewatch.analyses.capabilities.sigmoid import LinkFit, fit_link
from scalewatch.findings import Figure, Finding, Number, Result, analysis, finite, records
from scalewatch.plots import PALETTE, figure, hline, points

__all__ = [
    "decoupling_verdict",
    "DecouplingResult",
    "decoupling_test",
    "DecouplingAnalysis",
    "decoupling_analysis",
    "report_decoupling",
]


def decoupling_verdict(estimate: float, low: float, high: float, n_heldout: int, *, tolerance: float = 0.02, min_heldout: int = 5) -> tuple[str, str]:
    """Verdict of a held-out test of a link, by an explicit rule.

    Parameters
    ----------
    estimate, low, high : float
        Mean excess of the held-out models (observed minus predicted score,
        fraction) and its interval.
    n_heldout : int
        Held-out (model, benchmark) scores.
    tolerance : float, default 0.02
        Equivalence margin: two score points.
    min_heldout : int, default 5
        Fewer held-out scores give "inconclusive".

    Returns
    -------
    (str, str)
        **in step** when the interval lies within +/- ``tolerance``
        (equivalence); otherwise **ahead** when it lies above 0,
        **decoupling** when it lies below 0, **inconclusive** when it
        straddles 0.

    Examples
    --------
    >>> decoupling_verdict(0.005, -0.01, 0.015, 40)[0]
    'in step'
    >>> decoupling_verdict(0.08, 0.05, 0.11, 40)[0], decoupling_verdict(-0.06, -0.09, -0.03, 40)[0]
    ('ahead', 'decoupling')
    >>> decoupling_verdict(0.01, -0.04, 0.06, 40)[0]
    'inconclusive'
    """
    if n_heldout < min_heldout or not (math.isfinite(low) and math.isfinite(high)):
        return "inconclusive", f"{n_heldout} held-out scores (need {min_heldout}) or no interval"
    if -tolerance <= low and high <= tolerance:
        return "in step", f"interval [{low:+.3f}, {high:+.3f}] within +/-{tolerance:g} of the prediction"
    if low > 0:
        return "ahead", f"interval [{low:+.3f}, {high:+.3f}] above the prediction"
    if high < 0:
        return "decoupling", f"interval [{low:+.3f}, {high:+.3f}] below the prediction"
    return "inconclusive", f"interval [{low:+.3f}, {high:+.3f}] straddles 0 and exceeds +/-{tolerance:g}"


@dataclass(frozen=True, eq=False)
class DecouplingResult(Result):
    """Held-out test of links: fit on older or smaller models, predict the newer or larger ones.

    Attributes
    ----------
    label : str
        Name of the scenario.
    x_name, by : str
        The link's scale variable, and the variable that splits old from new.
    per_benchmark : pandas.DataFrame
        ``benchmark, cutoff, n_train, n_heldout, excess, low, high, verdict``
        ``link_status, included`` (excess: mean observed minus predicted
        score of the held-out models; benchmarks whose training link is at
        chance or has no signal are shown with ``included = False`` and left
        out of the mean).
    predictions : pandas.DataFrame
        One row per held-out score: ``model, benchmark, x, by, observed,
        predicted, lo, hi, excess``.
    excess, interval : float, (float, float)
        Mean over the included benchmarks of the per-benchmark mean excess,
        and its interval.
    verdict, reason : str
        :func:`decoupling_verdict` of ``excess``.
    links : dict
        benchmark -> the :class:`LinkFit` on the training models.
    """

    label: str
    x_name: str
    by: str
    per_benchmark: pd.DataFrame = field(repr=False)
    predictions: pd.DataFrame = field(repr=False)
    excess: float
    interval: tuple[float, float]
    n_heldout: int
    verdict: str
    reason: str
    tolerance: float
    ci: float
    n_boot: int
    links: dict[str, LinkFit] = field(repr=False, default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    note: str = ""

    def sentence(self) -> str:
        n_used = int(self.per_benchmark["included"].astype(bool).sum()) if len(self.per_benchmark) else 0
        if not n_used:
            return f"{self.label}: no benchmark had enough training and held-out models and an informative link ({self.verdict})."
        left = len(self.per_benchmark) - n_used
        extra = f"; {left} benchmark(s) whose training link is at chance or without signal are shown but not averaged" if left else ""
        return (
            f"{self.label}: the {self.n_heldout} held-out scores sit {100 * self.excess:+.1f} points "
            f"[{100 * self.interval[0]:+.1f}, {100 * self.interval[1]:+.1f}] from the link fitted on the rest "
            f"(mean over {n_used} benchmarks{extra}): {self.verdict}."
        )

    @property
    def n_benchmarks(self) -> int:
        """Benchmarks whose held-out excess enters the mean."""
        return int(self.per_benchmark["included"].astype(bool).sum()) if len(self.per_benchmark) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "x": self.x_name,
            "by": self.by,
            "excess": finite(self.excess),
            "interval": [finite(v) for v in self.interval],
            "n_heldout": int(self.n_heldout),
            "verdict": self.verdict,
            "reason": self.reason,
            "tolerance": self.tolerance,
            "ci": self.ci,
            "n_boot": int(self.n_boot),
            "per_benchmark": records(self.per_benchmark),
            "skipped": dict(self.skipped),
            "note": self.note,
        }

    def report(self) -> str:
        lines = [f"[[Decoupling]] {self.label}: {self.verdict}", f"    {self.sentence()}", f"    rule: {self.reason}"]
        if self.note:
            lines.append(f"    note: {self.note}")
        lines.append("    benchmark                     cutoff        train  held-out  excess (points) [interval]      verdict")
        for r in self.per_benchmark.itertuples():
            cut = str(r.cutoff)[:10] if not isinstance(r.cutoff, float) else f"{r.cutoff:.4g}"
            lines.append(
                f"    {r.benchmark:<29} {cut:<13} {r.n_train:>5}  {r.n_heldout:>8}  {100 * r.excess:+7.2f} [{100 * r.low:+.2f}, {100 * r.high:+.2f}]   {r.verdict}"
            )
        for b, why in self.skipped.items():
            lines.append(f"    skipped {b}: {why}")
        return "\n".join(lines)


def _cutoff_of(values: pd.Series, holdout: float) -> Any:
    """The value at the (1 - holdout) quantile of the distinct values (dates or numbers)."""
    vals = np.sort(pd.unique(values.dropna()))
    if len(vals) == 0:
        return None
    i = int(math.floor((1.0 - holdout) * (len(vals) - 1)))
    return vals[i]


def _held_out_benchmark(
    name: str, sub: pd.DataFrame, *, x: str, by: str, cutoff: Any, holdout: float, heldout_filter: Any, min_train: int,
    min_heldout: int, floors: Any, inc: bool, x_name: str | None, n_boot: int, ci: float, seed: Any, groups: str | None,
    link_kwargs: Mapping[str, Any], tolerance: float, rng: np.random.Generator,
) -> str | tuple[dict[str, Any], pd.DataFrame, np.ndarray | None, LinkFit]:
    """One benchmark of :func:`decoupling_test`: the link fitted below the cut-off, its held-out excess and predictions.

    Returns the reason when the benchmark is skipped, else (its row, its predictions, the resampled mean
    excess or None when it is not tested, its link).
    """
    a = 1.0 - ci
    e_draw = None
    cut = cutoff if cutoff is not None else _cutoff_of(sub[by], holdout)
    if cut is None:
        return "no scores"
    train = sub[sub[by] <= cut]
    test = sub[sub[by] > cut]
    if heldout_filter is not None:
        test = test[np.asarray(heldout_filter(test), dtype=bool)]
    if len(train) < min_train or len(test) < min_heldout:
        return f"{len(train)} training and {len(test)} held-out scores (need {min_train} and {min_heldout})"
    fl = floors.get(name) if isinstance(floors, Mapping) else floors
    link = fit_link(
        train[x].to_numpy(float), train["value"].to_numpy(float), floor=fl, increasing=inc, benchmark=name,
        x_name=x_name or x, n_boot=n_boot, ci=ci, seed=seed, groups=None if groups is None else train[groups].to_numpy(),
        **link_kwargs,
    )
    if not link.converged:
        return f"the link on the training models did not converge ({'; '.join(link.notes)[:120]})"
    xt = test[x].to_numpy(float)
    yt = test["value"].to_numpy(float)
    pred = link.predict(xt)
    m = len(yt)
    exc = float(np.mean(yt - pred))
    # A link at chance (or without signal) on the training models predicts chance for everything:
    # its held-out excess is shown, but it tests nothing about the link, so it is not averaged.
    included = link.status in ("tracking", "saturated", "uncertain")
    samp = link.predict_samples(xt)  # (B, m)
    B = len(samp)
    band = np.quantile(samp, [a / 2, 1 - a / 2], axis=0) if B > 1 else np.vstack([pred, pred])
    lo = hi = math.nan
    if included and B > 1:
        idx = rng.integers(0, m, size=(B, m))
        e_draw = np.mean(yt[idx] - np.take_along_axis(samp, idx, axis=1), axis=1)  # (B,)
        lo, hi = (float(v) for v in np.quantile(e_draw, [a / 2, 1 - a / 2]))
    if included:
        v, _ = decoupling_verdict(exc, lo, hi, m, tolerance=tolerance, min_heldout=min_heldout)
    else:
        v = f"not tested (link {link.status})"
    row = (
        {
            "benchmark": name,
            "cutoff": cut if not isinstance(cut, (np.floating, np.integer)) else float(cut),
            "n_train": len(train),
            "n_heldout": m,
            "excess": exc,
            "low": lo,
            "high": hi,
            "verdict": v,
            "link_status": link.status,
            "included": included,
        }
    )
    pred_table = (
        pd.DataFrame(
            {
                "model": test["model"].astype(str).to_numpy() if "model" in test.columns else np.arange(m).astype(str),
                "benchmark": name,
                "x": xt,
                "by": test[by].to_numpy(),
                "observed": yt,
                "predicted": pred,
                "lo": band[0],
                "hi": band[1],
                "excess": yt - pred,
            }
        )
    )
    return row, pred_table, e_draw, link


def _pooled_excess(per: pd.DataFrame, draws: list[np.ndarray], ci: float) -> tuple[float, tuple[float, float], int]:
    """Mean held-out excess over the tested benchmarks, its interval (averaged resamples) and the number of held-out scores."""
    a = 1.0 - ci
    used = per[per["included"].astype(bool)] if len(per) else per
    if len(used):
        excess = float(used["excess"].mean())
        L = min((len(d) for d in draws), default=0)
        if L > 1 and len(draws) == len(used):
            avg = np.mean(np.vstack([d[:L] for d in draws]), axis=0)
            interval = (float(np.quantile(avg, a / 2)), float(np.quantile(avg, 1 - a / 2)))
        else:
            interval = (math.nan, math.nan)
        n_held = int(used["n_heldout"].sum())
    else:
        excess, interval, n_held = math.nan, (math.nan, math.nan), 0
    return excess, interval, n_held


def decoupling_test(
    table: pd.DataFrame,
    *,
    x: str,
    by: str,
    cutoff: Any = None,
    holdout: float = 0.25,
    heldout_filter: Any = None,
    floors: Mapping[str, float | None] | float | None = None,
    increasing: bool | None = None,
    benchmarks: Sequence[str] | None = None,
    tolerance: float = 0.02,
    n_boot: int = 200,
    ci: float = 0.95,
    seed: int = 0,
    min_train: int = 8,
    min_heldout: int = 2,
    groups: str | None = None,
    label: str = "",
    x_name: str | None = None,
    note: str = "",
    **link_kwargs: Any,
) -> DecouplingResult:
    r"""Fit each benchmark's link on the models at or below a cut-off, predict those above it.

    Parameters
    ----------
    table : pandas.DataFrame
        Long score table: ``model``, ``benchmark``, ``value`` and the
        columns ``x`` and ``by``.
    x : str
        Scale variable of the link (e.g. ``"loss"``, ``"log10_compute"``).
    by : str
        What separates old from new: ``"release_date"``, ``"compute"``,
        ``"params"``, ...; models with ``by`` greater than the cut-off are
        held out.
    cutoff : scalar, optional
        The cut-off, in units of ``by`` (a date string or Timestamp for
        dates). Default: per benchmark, the (1 - ``holdout``) quantile of the
        distinct values of ``by``.
    holdout : float, default 0.25
        Share held out when ``cutoff`` is None.
    heldout_filter : callable(DataFrame) -> bool array, optional
        Keeps only some of the held-out rows (e.g. final checkpoints).
    floors, increasing, benchmarks :
        As in :func:`fit_links`.
    tolerance : float, default 0.02
        Equivalence margin of :func:`decoupling_verdict` (score fraction).
    n_boot : int, default 200
        Bootstrap resamples of each training fit; each resample also
        resamples the held-out models.
    ci : float, default 0.95
        Interval level.
    seed : int, default 0
        Seed of all resampling.
    min_train, min_heldout : int
        Benchmarks with fewer training or held-out scores are skipped.
    groups : str, optional
        Column whose values the training bootstrap draws together (e.g. the
        model, for several checkpoints or versions per model).
    label, x_name, note : str
        Labels for reports.
    **link_kwargs
        ``loss``, ``delta`` for :func:`fit_link`.

    Returns
    -------
    DecouplingResult

    Notes
    -----
    For benchmark :math:`b` with held-out models :math:`i \in H_b`, the mean
    excess is :math:`\bar e_b = |H_b|^{-1} \sum_i (y_i - \hat y_b(x_i))`.
    Its interval comes from pairing every bootstrap resample of the training
    fit with a resample (with replacement) of the held-out models, so it
    holds both the link's parameter uncertainty and the scatter of the
    held-out models. The overall excess averages :math:`\bar e_b` over
    benchmarks with equal weights; its interval averages the per-benchmark
    draws (resample r of every benchmark together; the benchmarks' training
    resamples are independent, which ignores their correlation through
    shared models).
    """
    for col in (x, by, "benchmark", "value", groups):
        if col is not None and col not in table.columns:
            raise ValueError(f"decoupling_test: the table has no column {col!r} (columns: {list(table.columns)}).")
    if not 0 < holdout < 1:
        raise ValueError(f"decoupling_test(holdout={holdout!r}): use a share between 0 and 1, e.g. 0.25.")
    df = table[np.isfinite(pd.to_numeric(table[x], errors="coerce").to_numpy(dtype=float)) & table[by].notna() & table["value"].notna()]
    is_date = pd.api.types.is_datetime64_any_dtype(df[by])
    if cutoff is not None and is_date:
        cutoff = pd.Timestamp(cutoff)
    inc = ("loss" not in x.lower()) if increasing is None else bool(increasing)
    names = list(benchmarks) if benchmarks is not None else sorted(df["benchmark"].astype(str).unique())
    rng = np.random.default_rng(seed)
    rows, preds, draws, links, skipped = [], [], [], {}, {}
    for name in names:
        got = _held_out_benchmark(
            name, df[df["benchmark"].astype(str) == name], x=x, by=by, cutoff=cutoff, holdout=holdout,
            heldout_filter=heldout_filter, min_train=min_train, min_heldout=min_heldout, floors=floors, inc=inc,
            x_name=x_name, n_boot=n_boot, ci=ci, seed=seed, groups=groups, link_kwargs=link_kwargs, tolerance=tolerance, rng=rng,
        )
        if isinstance(got, str):
            skipped[name] = got
            continue
        row, pred_table, e_draw, links[name] = got
        rows.append(row)
        preds.append(pred_table)
        if e_draw is not None:
            draws.append(e_draw)
    per = pd.DataFrame(rows, columns=["benchmark", "cutoff", "n_train", "n_heldout", "excess", "low", "high", "verdict", "link_status", "included"])
    excess, interval, n_held = _pooled_excess(per, draws, ci)
    verdict, reason = decoupling_verdict(excess, interval[0], interval[1], n_held, tolerance=tolerance)
    return DecouplingResult(
        label=label or f"{x} link, held out by {by}",
        x_name=x_name or x,
        by=by,
        per_benchmark=per,
        predictions=pd.concat(preds, ignore_index=True) if preds else pd.DataFrame(columns=["model", "benchmark", "x", "by", "observed", "predicted", "lo", "hi", "excess"]),
        excess=excess,
        interval=interval,
        n_heldout=n_held,
        verdict=verdict,
        reason=reason,
        tolerance=float(tolerance),
        ci=float(ci),
        n_boot=int(n_boot),
        links=links,
        skipped=skipped,
        note=note,
    )


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
        h = self.scenarios[self.headline]
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
            "are shown but not averaged (a link at chance predicts chance and tests nothing). Verdict rule (per scenario): in step when the interval lies within "
            f"+/-{100 * h.tolerance:g} points; ahead when it lies above 0; decoupling when below 0; inconclusive otherwise "
            f"or with fewer than 5 held-out scores. The finding's verdict is the {self.headline} scenario's, because the "
            "question asks about the newest models."
        )

    def finding_parts(self) -> dict[str, Any]:
        """Title, summary, tables, method, data and citations of :meth:`to_finding`."""
        return _decoupling_finding_parts(self)


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
    verdict, reason = scen[headline].verdict, f"{headline} scenario: {scen[headline].reason}"
    return DecouplingAnalysis(
        scenarios=scen, headline=headline, verdict=verdict, reason=reason, n_boot=nb, seed=seed, fast=fast,
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
    )


_DECOUPLING_DATA = ("epoch-benchmark-stitching", "epoch-ai-models", "obsscaling", "gadre-overtraining-scaling", "pythia-evals")


@analysis("capabilities.decoupling", question=QUESTION, requires=_DECOUPLING_DATA)
def report_decoupling(ctx: Any) -> Finding:
    """Newer and larger models against the link fitted on older and smaller ones."""
    return decoupling_analysis(fast=ctx.fast, seed=ctx.seed).to_finding()
