"""The held-out test of a link: fit it on older or smaller models, predict the newer or larger ones."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.capabilities.sigmoid import LinkFit, fit_link
from scalewatch.findings import Result, finite, records

__all__ = ["decoupling_verdict", "DecouplingResult", "decoupling_test"]


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
        The written rule ``capabilities.heldout_score_excess`` (margin
        ``tolerance``, in points): **in step** when the interval lies within
        +/- ``tolerance`` (equivalence); **ahead** / **decoupling** when it
        lies wholly above / below the margin; **inconclusive** when it
        straddles the margin or is wider than 20 points.

    Examples
    --------
    >>> decoupling_verdict(0.005, -0.01, 0.015, 40)[0]
    'in step'
    >>> decoupling_verdict(0.08, 0.05, 0.11, 40)[0], decoupling_verdict(-0.06, -0.09, -0.03, 40)[0]
    ('ahead', 'decoupling')
    >>> decoupling_verdict(0.01, -0.04, 0.06, 40)[0]
    'inconclusive'
    """
    from dataclasses import replace

    from scalewatch.findings.rules import overrule, rule

    r = rule("capabilities.heldout_score_excess")
    if abs(100.0 * tolerance - r.margin) > 1e-12:
        r = replace(r, margin=100.0 * tolerance)
    if not (math.isfinite(low) and math.isfinite(high)):
        return "inconclusive", f"{n_heldout} held-out scores, no interval"
    d = r.decide(100.0 * low, 100.0 * high)
    if n_heldout < min_heldout:
        d = overrule(d, f"{n_heldout} held-out scores (need {min_heldout})")
    return d.verdict, d.reason


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
