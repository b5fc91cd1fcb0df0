"""``capabilities.links``: links from loss and compute to benchmark scores, per benchmark, bootstrapped."""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.capabilities._common import _LINK_LOSS, _PAPERS, QUESTION, _err, _link_traces, _n_boot, _pts
from scalewatch.analyses.capabilities.scores import (
    _PYTHIA_COLUMNS,
    CHANCE,
    GADRE_SUBSET,
    OBSSCALING_BENCHMARKS,
    gadre_scores,
    obsscaling_scores,
    pythia_scores,
)
from scalewatch.analyses.capabilities.pooling import POOLING_CITATIONS, Pooled, dersimonian_laird, se_from_interval, model_bootstrap
from scalewatch.analyses.capabilities.sigmoid import STATUSES, LinkFit, _derived, fit_link
from scalewatch.findings import Decision, Figure, Finding, Number, Result, analysis, finite, records
from scalewatch.findings.rules import decision_text, overrule, rule
from scalewatch.plots import PALETTE, figure, hline, points

__all__ = [
    "LinkSet",
    "fit_links",
    "frontier_slopes",
    "pool_frontier",
    "frontier_decision",
    "AXIS_RULES",
    "LinksAnalysis",
    "links_analysis",
    "report_links",
]


@dataclass(frozen=True, eq=False)
class LinkSet(Result):
    """Links of several benchmarks against one scale variable.

    Attributes
    ----------
    links : tuple of LinkFit
        One per benchmark, in the order fitted.
    x_name : str
        What x is.
    source : str
        Where the data came from (dataset name or "user table").
    skipped : dict
        benchmark -> why it was not fitted (too few points, ...).
    seconds : float
        Wall time of the fits and bootstraps.
    draw_keys : dict
        benchmark -> digest of the resampling units (sorted group labels) its bootstrap drew from, or None
        without ``groups``: links with one key (and one seed and number of resamples) drew the same
        resamples of the models, so their draws can be paired (:func:`pool_frontier`).
    """

    links: tuple[LinkFit, ...]
    x_name: str
    source: str = ""
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: float = math.nan
    draw_keys: dict[str, str | None] = field(default_factory=dict, repr=False)

    def __iter__(self) -> Iterator[LinkFit]:
        return iter(self.links)

    def __len__(self) -> int:
        return len(self.links)

    def __getitem__(self, benchmark: str) -> LinkFit:
        for link in self.links:
            if link.benchmark == benchmark:
                return link
        raise KeyError(f"no link for benchmark {benchmark!r}; have {[link.benchmark for link in self.links]}")

    @property
    def benchmarks(self) -> tuple[str, ...]:
        return tuple(link.benchmark for link in self.links)

    def counts(self) -> dict[str, int]:
        """Number of links per status (every status of :data:`STATUSES`, zeros included)."""
        out = dict.fromkeys(STATUSES, 0)
        for link in self.links:
            out[link.status] += 1
        return out

    def table(self) -> pd.DataFrame:
        """One row per link: benchmark, status, n, R^2, and each frontier quantity with its interval."""
        rows = []
        for link in self.links:
            row: dict[str, Any] = {"benchmark": link.benchmark, "status": link.status, "n": link.n, "r2": link.r2, "rmse": link.rmse}
            for key in ("floor", "ceiling", "frontier_score", "progress", "slope", "width"):
                row[key] = link.estimates.get(key, math.nan)
                lo, hi = link.intervals.get(key, (math.nan, math.nan))
                row[key + "_low"], row[key + "_high"] = lo, hi
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "x": self.x_name,
            "source": self.source,
            "counts": self.counts(),
            "links": [link.to_dict() for link in self.links],
            "skipped": dict(self.skipped),
            "seconds": finite(self.seconds),
        }

    def report(self) -> str:
        counts = ", ".join(f"{v} {k}" for k, v in self.counts().items() if v)
        head = [f"[[Links]] {len(self.links)} benchmarks vs {self.x_name}" + (f" ({self.source})" if self.source else "") + f": {counts or 'none'}"]
        body = [link.report() for link in self.links]
        tail = [f"[[Skipped]] {b}: {why}" for b, why in self.skipped.items()]
        return "\n".join(head + body + tail)

    def __repr__(self) -> str:
        return f"LinkSet({len(self.links)} links vs {self.x_name}: {self.counts()})"


def fit_links(
    table: pd.DataFrame,
    *,
    x: str,
    y: str = "value",
    benchmark: str = "benchmark",
    floors: Mapping[str, float | None] | float | None = None,
    increasing: bool | None = None,
    benchmarks: Sequence[str] | None = None,
    x_name: str | None = None,
    min_points: int = 8,
    source: str = "",
    groups: str | None = None,
    **kwargs: Any,
) -> LinkSet:
    """Fit a sigmoid link per benchmark of a long score table.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per (model, benchmark) score, with columns ``x``, ``y`` and
        ``benchmark``.
    x : str
        Column holding the scale variable (already transformed: pass log10
        compute, not compute).
    y : str, default "value"
        Column holding the scores.
    benchmark : str, default "benchmark"
        Column naming the benchmark.
    floors : mapping, float or None
        Chance level per benchmark (a benchmark missing from the mapping, or
        mapped to None, gets a fitted floor), or one floor for all.
    increasing : bool or None
        Direction of the links; ``None`` means True unless ``x`` contains
        "loss".
    benchmarks : sequence of str, optional
        Benchmarks to fit, in this order (default: all, sorted).
    x_name : str, optional
        Label of x in reports (default: the column name).
    min_points : int, default 8
        Benchmarks with fewer finite points are skipped (listed in ``skipped``).
    source : str
        Label of the data's origin.
    groups : str, optional
        Column whose values are the bootstrap's resampling unit (e.g. the
        model, when the table holds several checkpoints per model).
    **kwargs
        Passed to :func:`fit_link` (``loss``, ``delta``, ``n_boot``, ``ci``, ``seed``).

    Returns
    -------
    LinkSet
    """
    if not hasattr(table, "columns"):
        raise TypeError(f"fit_links(table=...) takes a pandas DataFrame; got {type(table).__name__}.")
    for col, arg in ((x, "x"), (y, "y"), (benchmark, "benchmark"), (groups, "groups")):
        if col is not None and col not in table.columns:
            raise ValueError(f"fit_links({arg}={col!r}): the table has no such column (columns: {list(table.columns)}).")
    t0 = time.perf_counter()
    inc = ("loss" not in x.lower()) if increasing is None else bool(increasing)
    names = list(benchmarks) if benchmarks is not None else sorted(table[benchmark].dropna().astype(str).unique())
    known = set(table[benchmark].astype(str))
    unknown = [b for b in names if b not in known]
    if unknown:
        raise ValueError(f"fit_links(benchmarks=...): {unknown} not in the table's {benchmark!r} column (have {sorted(known)[:10]}...).")
    links, skipped, keys = [], {}, {}
    for name in names:
        sub = table[table[benchmark].astype(str) == name]
        xv = pd.to_numeric(sub[x], errors="coerce").to_numpy(dtype=np.float64)
        yv = pd.to_numeric(sub[y], errors="coerce").to_numpy(dtype=np.float64)
        ok = np.isfinite(xv) & np.isfinite(yv)
        if ok.sum() < min_points:
            skipped[name] = f"{int(ok.sum())} points with finite {x} and score; need {min_points}"
            continue
        if isinstance(floors, Mapping):
            fl = floors.get(name)
        else:
            fl = floors
        labels = sub[groups].to_numpy()[ok] if groups is not None else None
        keys[name] = None if labels is None else hashlib.sha1("\n".join(sorted(set(map(str, labels)))).encode()).hexdigest()[:16]
        links.append(fit_link(xv[ok], yv[ok], floor=fl, increasing=inc, benchmark=name, x_name=x_name or x, groups=labels, **kwargs))
    return LinkSet(links=tuple(links), x_name=x_name or x, source=source, skipped=skipped, seconds=time.perf_counter() - t0,
                   draw_keys={lk.benchmark: keys.get(lk.benchmark) for lk in links})


#: axis -> the written rule judging its pooled frontier slope
AXIS_RULES = {"compute": "capabilities.frontier_slope_compute", "loss": "capabilities.frontier_slope_loss"}

#: unit of each axis's slope (score points per unit of x in the improving direction)
AXIS_UNITS = {"compute": "points per decade of compute", "loss": "points per nat of loss decrease"}

#: (dataset, benchmark) -> the task's common name where the datasets spell one task differently; every
#: other name is lower-cased. Ruan et al.'s "Winograd" column is WinoGrande (5-shot, Open LLM Leaderboard),
#: not Gadre et al.'s "winograd" (WSC273), which sits on the other axis anyway.
_SAME_TASK = {
    ("obsscaling", "Winograd"): "winogrande",
    ("obsscaling", "ARC-C"): "arc_challenge",
    ("gadre", "hellaswag_zeroshot"): "hellaswag",
}

#: smallest standard error (points per unit of x) a link enters the pool with: a saturated link whose
#: bootstrap slopes are all about 0 would otherwise get an infinite weight
_SE_FLOOR = 1e-4


def _axis(s: LinkSet) -> str:
    return "loss" if "loss" in s.x_name.lower() else "compute"


def frontier_slopes(sets: Mapping[str, LinkSet], ci: float = 0.95) -> pd.DataFrame:
    """One row per link: its frontier slope in points, standard error, axis, and whether it enters the pool.

    Duplicates (one task in two datasets on one axis, or two evaluations of one task) are reduced to one
    link per task per axis, chosen before any slope is looked at: the link whose data reach furthest
    along the axis (highest compute, lowest loss: the slope asked for is the one at the largest models),
    then the plainly named evaluation over its variant (``hellaswag`` over ``hellaswag_zeroshot``).
    Links without a bootstrap interval of the slope (at chance, no signal, failed) do not enter.

    Parameters
    ----------
    sets : mapping label -> LinkSet
        The link sets (label = dataset).
    ci : float, default 0.95
        Level of the links' percentile intervals (for the normal-equivalent standard error,
        :func:`~scalewatch.analyses.capabilities.pooling.se_from_interval`).

    Returns
    -------
    pandas.DataFrame
        Columns ``axis, dataset, benchmark, task, status, frontier_x, slope, low, high, se, pooled, why, draws``
        (slopes in points per unit of x in the improving direction; ``draws``: links with one value drew the
        same resamples of the models, "" where unknown or a resample failed).
    """
    rows = []
    for label, s in sets.items():
        axis = _axis(s)
        for lk in s:
            lo, hi = lk.intervals.get("slope", (math.nan, math.nan))
            slope = _pts(lk.estimates.get("slope", math.nan))
            has = bool(lk.n_boot) and math.isfinite(lo) and math.isfinite(hi) and math.isfinite(slope)
            rows.append({
                "axis": axis, "dataset": label, "benchmark": lk.benchmark,
                "task": _SAME_TASK.get((label, lk.benchmark), lk.benchmark.lower()),
                "status": lk.status, "frontier_x": float(lk.frontier_x), "slope": slope,
                "low": _pts(lo), "high": _pts(hi),
                "se": max(_SE_FLOOR, se_from_interval(_pts(lo), _pts(hi), ci)) if has else math.nan,
                "pooled": has, "why": "pooled" if has else f"{lk.status}: no bootstrap interval of the slope",
                "draws": f"{label}:{s.draw_keys.get(lk.benchmark)}" if s.draw_keys.get(lk.benchmark) and not lk.n_failed else "",
            })
    cols = ["axis", "dataset", "benchmark", "task", "status", "frontier_x", "slope", "low", "high", "se", "pooled", "why", "draws"]
    t = pd.DataFrame(rows, columns=cols)
    for (axis, task), g in t.groupby(["axis", "task"], sort=False):
        if len(g) < 2:
            continue
        reach = g["frontier_x"] if axis == "compute" else -g["frontier_x"]
        plain = (g["benchmark"].str.lower() == task).astype(int)
        keep = g.assign(_r=reach, _p=plain).sort_values(["_r", "_p"], ascending=False, kind="stable").index[0]
        kept = f"{t.at[keep, 'dataset']} {t.at[keep, 'benchmark']}"
        for i in g.index:
            if i != keep:
                t.at[i, "pooled"] = False
                why = "reaches further along the axis" if reach[i] < reach[keep] else "the plain evaluation, not its variant"
                t.at[i, "why"] = f"duplicate of {kept} (kept: {why})"
    t["pooled"] = t["pooled"].astype(bool)
    return t


def _slope_draws(link: LinkFit) -> np.ndarray | None:
    """The link's bootstrap draws of its frontier slope, in points (None without a bootstrap)."""
    if link.samples is None or link.fit is None or len(link.samples) < 2:
        return None
    zf = (link.frontier_x - link.centre) / link.span
    return _pts(1.0) * _derived(link.fit.law, link.samples, zf, link.span)["slope"]


def pool_frontier(table: pd.DataFrame, sets: Mapping[str, LinkSet] | None = None, *, ci: float = 0.95) -> dict[str, Pooled]:
    """DerSimonian-Laird pooled frontier slope per axis of a :func:`frontier_slopes` table (axes with >= 2 links).

    With ``sets`` (the link sets the table came from), each axis also gets the model-bootstrap interval
    (:func:`~scalewatch.analyses.capabilities.pooling.model_bootstrap`: the pooled estimate recomputed on
    each bootstrap resample of the models, paired by resample so that links drawn from one set of models
    keep their dependence), over as many resamples as every pooled link has.
    """
    out = {}
    for axis in ("compute", "loss"):
        g = table[(table["axis"] == axis) & table["pooled"]]
        if len(g) < 2:
            continue
        p = dersimonian_laird(g["slope"].to_numpy(float), g["se"].to_numpy(float), ci=ci)
        if sets is not None:
            draws = [_slope_draws(sets[r.dataset][r.benchmark]) for r in g.itertuples()]
            if all(d is not None for d in draws):
                b = min(len(d) for d in draws)
                d = np.vstack([x[:b] for x in draws])
                if b >= 2 and np.all(np.isfinite(d)):
                    lo, hi, nb = model_bootstrap(d, g["se"].to_numpy(float), ci=ci)
                    p = dataclasses.replace(p, boot_low=lo, boot_high=hi, n_boot=nb)
        out[axis] = p
    return out


def frontier_decision(pooled: Mapping[str, Pooled]) -> tuple[Decision, dict[str, Decision]]:
    """The finding's decision and each axis's, by the rules of :data:`AXIS_RULES` on each axis's ``Pooled.deciding`` interval.

    The deciding interval is the hull of the Hartung-Knapp interval and, where computed, the two-way
    model-bootstrap interval (which keeps the dependence through shared models).

    The compute axis decides (its rule ``capabilities.frontier_slope_compute``); the loss axis's verdict
    (rule ``capabilities.frontier_slope_loss``) withholds it ("inconclusive") when it is decided and differs.

    Examples
    --------
    >>> from scalewatch.analyses.capabilities.pooling import dersimonian_laird
    >>> d, _ = frontier_decision({"compute": dersimonian_laird([3.0, 4.0, 5.0], [0.3, 0.3, 0.3])})
    >>> d.verdict
    'in step'
    """
    per = {axis: rule(AXIS_RULES[axis]).decide(*p.deciding) for axis, p in pooled.items()}
    if "compute" not in per:
        return overrule(rule(AXIS_RULES["compute"]).decide(None, None), "fewer than 2 compute links with a slope interval"), per
    d = per["compute"]
    other = per.get("loss")
    undecided = d.rule.undecided
    if other is not None and other.verdict != undecided and d.verdict != undecided and other.verdict != d.verdict:
        d = overrule(d, f"the loss axis disagrees ('{other.verdict}': {other.reason})")
    return d, per


@dataclass(frozen=True, eq=False)
class LinksAnalysis(Result):
    """Outcome of :func:`links_analysis`: link sets per dataset, family offsets, verdict.

    Attributes
    ----------
    sets : dict
        Label -> :class:`LinkSet` (``"gadre"``: C4 loss; ``"pythia"``: log10
        compute over sizes and checkpoints; ``"obsscaling"``: log10 compute
        over public models).
    family_offsets : pandas.DataFrame
        obsscaling families with at least 3 models: mean residual of their
        models from the pooled compute links (``offset``, score fraction,
        positive = better than compute predicts; each model's residual is
        its mean over the benchmarks) with a t interval over the models.
    plateaus : int
        Saturated links whose ceiling interval lies below 0.9 (descriptive; decides nothing).
    frontier : pandas.DataFrame
        :func:`frontier_slopes`: every link's frontier slope, which enter the pool and why not.
    pooled : dict
        Axis ("compute", "loss") -> :class:`~scalewatch.analyses.capabilities.pooling.Pooled`.
    axis_decisions : dict
        Axis -> the decision of its rule (:data:`AXIS_RULES`); ``decision`` is :func:`frontier_decision`'s.
    frontier_only : Pooled or None
        The compute axis pooled over Ruan et al.'s public models only (their frontier, about 10^25.5 FLOP,
        lies three decades beyond Pythia's): a sensitivity, decides nothing.
    """

    FINDING_KEY = "capabilities.links"
    QUESTION = "capabilities"

    sets: dict[str, LinkSet]
    family_offsets: pd.DataFrame = field(repr=False)
    verdict: str = "inconclusive"
    reason: str = ""
    decision: Any = field(default=None, repr=False)
    plateaus: int = 0
    n_boot: int = 0
    seed: int = 0
    fast: bool = False
    seconds: float = math.nan
    sources: tuple[str, ...] = ()
    frontier: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    pooled: dict[str, Pooled] = field(default_factory=dict)
    axis_decisions: dict[str, Any] = field(default_factory=dict, repr=False)
    frontier_only: Pooled | None = None

    def _pooled_text(self, axis: str) -> str:
        p = self.pooled.get(axis)
        if p is None:
            return f"no pooled {axis} slope (fewer than 2 links with an interval)"
        lo, hi = p.deciding
        return f"{p.estimate:.2g} {AXIS_UNITS[axis]} [{lo:.2g}, {hi:.2g}] ({p.k} benchmarks, tau^2 {p.tau2:.2g})"

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for s in self.sets.values():
            for k, v in s.counts().items():
                out[k] += v
        return out

    def sentence(self) -> str:
        c = self.counts()
        return (
            f"Pooled over benchmarks (random effects, DerSimonian-Laird; one link per benchmark and axis), scores gain "
            f"{self._pooled_text('compute')} at each dataset's largest models, and {self._pooled_text('loss')} at Gadre et al.'s "
            f"lowest losses: {self.verdict}. Of {sum(c.values())} links, {c['at chance'] + c['no signal'] + c['failed']} "
            "have no slope interval (at chance or no signal) and do not enter."
        )

    def summary(self) -> str:
        """One sentence (at most 400 characters) for the report."""
        fo = self.frontier_only
        alone = f"; Ruan et al.'s public models alone {fo.estimate:.2g} [{fo.low:.2g}, {fo.high:.2g}]" if fo is not None else ""
        return (
            f"Pooled over benchmarks (random effects), scores gain {self._pooled_text('compute')} at each dataset's largest "
            f"models{alone}, and {self._pooled_text('loss')} at the lowest losses of Gadre et al.'s models."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "sentence": self.sentence(),
            "summary": self.summary(),
            "counts": self.counts(),
            "plateaus": int(self.plateaus),
            "pooled": {k: v.to_dict() for k, v in self.pooled.items()},
            "axis_decisions": {k: v.to_dict() if hasattr(v, "to_dict") else v for k, v in self.axis_decisions.items()},
            "frontier_slopes": records(self.frontier),
            "frontier_only": None if self.frontier_only is None else self.frontier_only.to_dict(),
            "sets": {k: v.to_dict() for k, v in self.sets.items()},
            "family_offsets": records(self.family_offsets),
            "n_boot": int(self.n_boot),
            "seed": self.seed,
            "fast": self.fast,
            "seconds": finite(self.seconds),
        }

    def report(self) -> str:
        lines = [f"[[Capabilities: links]] {self.verdict}", f"    {self.sentence()}", f"    rule: {self.reason}"]
        for axis, p in self.pooled.items():
            lines.append(
                f"    pooled {axis}: {p.estimate:.3g} {AXIS_UNITS[axis]}, Hartung-Knapp [{p.low:.3g}, {p.high:.3g}], "
                f"DerSimonian-Laird [{p.dl_low:.3g}, {p.dl_high:.3g}], model bootstrap [{p.boot_low:.3g}, {p.boot_high:.3g}] "
                f"({p.n_boot} resamples), perfectly correlated errors [{p.dep_low:.3g}, {p.dep_high:.3g}]; "
                f"k {p.k}, tau^2 {p.tau2:.3g}, Q {p.q:.3g}, I^2 {100 * p.i2:.0f}%"
            )
        fr = self.frontier
        why = {(r.dataset, r.benchmark): r.why for r in fr.itertuples()} if len(fr) else {}
        for label, s in self.sets.items():
            lines.append(f"--- {label} ---")
            t = s.table()
            for r in t.itertuples():
                w = why.get((label, r.benchmark), "")
                mark = f"  [not pooled: {w}]" if w.startswith("duplicate") else ""
                lines.append(
                    f"    {r.benchmark:<26} {r.status:<10} R^2 {r.r2:5.2f}  frontier {r.frontier_score:.3f} [{r.frontier_score_low:.3f}, {r.frontier_score_high:.3f}]"
                    f"  slope {r.slope:.3f} [{r.slope_low:.3f}, {r.slope_high:.3f}]  ceiling {r.ceiling:.3f} [{r.ceiling_low:.3f}, {r.ceiling_high:.3f}]"
                    + mark
                )
            for b, why in s.skipped.items():
                lines.append(f"    skipped {b}: {why}")
        if len(self.family_offsets):
            lines.append("--- obsscaling families: mean residual from the pooled compute links ---")
            for r in self.family_offsets.itertuples():
                lines.append(f"    {r.family:<18} {r.models:>2} models  {100 * r.offset:+6.1f} points [{100 * r.low:+.1f}, {100 * r.high:+.1f}]")
        return "\n".join(lines)

    def figures(self) -> dict[str, Figure]:
        """Data and fitted links with 95 % bands, one figure per dataset (the eight most informative links each)."""
        figs: dict[str, Figure] = {}
        titles = {
            "gadre": ("C4 validation loss (nats/token)", "Gadre et al. (2024): downstream accuracy against validation loss",
                      "Lower loss is to the left; a curve still climbing at the left edge means lower loss still buys points."),
            "pythia": ("log10 training compute (FLOP, 6ND)", "Pythia, all sizes and checkpoints: zero-shot accuracy against compute",
                       "Every checkpoint of the 16 models; benchmarks at chance level are not drawn."),
            "obsscaling": ("log10 training compute (FLOP, 6ND)", "Ruan et al. (2024) public models: accuracy against compute, families pooled",
                           "Pooled over 40+ families whose compute efficiency differs (see the family offsets)."),
        }
        order = {st: i for i, st in enumerate(STATUSES)}
        for label, s in self.sets.items():
            shown = sorted((lk for lk in s.links if lk.fit is not None), key=lambda lk: (order[lk.status], -(lk.r2 if math.isfinite(lk.r2) else -1.0)))[:8]
            if not shown:
                continue
            traces = []
            for i, link in enumerate(shown):
                traces += _link_traces(link, PALETTE[i % len(PALETTE)], f"{link.benchmark} ({link.status})")
            x_title, title, caption = titles.get(label, (s.x_name, label, ""))
            figs[f"links_{label}"] = figure(title, traces, x_title=x_title, y_title="score (fraction)", x_log=False, y_log=False, caption=caption)
        fr = self.frontier
        for axis, p in self.pooled.items():
            g = fr[(fr["axis"] == axis) & fr["pooled"]]
            names = [f"{r.dataset} {r.benchmark}" for r in g.itertuples()] + ["pooled (random effects)"]
            y = np.append(g["slope"].to_numpy(float), p.estimate)
            lo = np.append(g["low"].to_numpy(float), p.deciding[0])
            hi = np.append(g["high"].to_numpy(float), p.deciding[1])
            margin = rule(AXIS_RULES[axis]).margin
            figs[f"frontier_slopes_{axis}"] = figure(
                f"Frontier slope per benchmark and pooled, {axis} axis",
                [points(names, y, "frontier slope, 95% interval", color=PALETTE[0], error_y=_err(y, lo, hi))],
                x_title="benchmark", y_title=AXIS_UNITS[axis], x_log=False, y_log=False,
                shapes=[hline(0.0), hline(margin)],
                caption=f"One link per task; the last point is the DerSimonian-Laird pooled slope with the interval that decides "
                f"(hull of Hartung-Knapp and model bootstrap). Lines: 0 and the rule's margin ({margin:g} {AXIS_UNITS[axis]}).",
            )
        fo = self.family_offsets
        if len(fo):
            y = 100 * fo["offset"].to_numpy(float)
            figs["family_offsets"] = figure(
                "obsscaling families: mean score above (+) or below (-) the pooled compute links",
                [points(list(fo["family"]), y, "family mean residual, 95% interval", color=PALETTE[0], error_y=_err(y, 100 * fo["low"], 100 * fo["high"]))],
                x_title="family", y_title="score points", x_log=False, y_log=False, shapes=[hline(0.0)],
                caption="Positive: the family scores above what its training compute predicts under the pooled links.",
            )
        return figs

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {f"links_{k}": v.table() for k, v in self.sets.items()}
        if len(self.family_offsets):
            out["family_offsets"] = self.family_offsets
        return out

    def method(self) -> str:
        return (
            "Per benchmark, a sigmoid y = f + (c - f) / (1 + exp(-/+ k (x - x0))) is fitted by least squares on linear "
            "residuals (scalewatch.fit, multi-start variable projection; x standardised to its observed span, steepness "
            "capped so that the 10-90% rise is at least 4.4% of that span). The floor f is the chance level (Gadre et al.'s "
            "random baselines; 0.25 for four-way and 0.5 for two-way multiple choice; 0 for open-ended tasks), fitted where "
            "no single chance level exists (TruthfulQA MC2). x is the C4 validation loss for Gadre et al.'s 104 models "
            "(17-task subset of their paper), log10 of 6ND training FLOP for Pythia (16 models, every zero-shot checkpoint "
            "after step 0) and for Ruan et al.'s public models (pooled over families; FLOP is upstream's 6ND). "
            f"Intervals: {self.n_boot} bootstrap resamples of the models (Pythia: whole models with all their checkpoints), "
            "each refitted (percentile, 95%); links with "
            "no signal or at chance on the full data are not bootstrapped. At the frontier (lowest loss, highest compute) each link reports its score, "
            "progress (share of the floor-to-ceiling rise achieved), slope and headroom. Status, in this order: failed (no "
            "convergence), at chance (frontier score less than 3 points above the floor, or progress interval below 0.1), "
            "no signal (R^2 < 0.3), saturated (progress interval above 0.9), tracking (progress interval below 0.9), "
            "uncertain (progress interval straddles 0.9). Family offsets: each obsscaling model's mean residual from the pooled "
            "links over the benchmarks, averaged per family with a t interval over the family's models. "
            "Pooled frontier slope, one axis at a time (compute: Pythia and Ruan et al.'s models; loss: Gadre et al.'s): one link per "
            "task and axis (a task in two datasets keeps the link reaching the larger models: Ruan et al.'s MMLU, ARC-C and "
            "WinoGrande over Pythia's; of Gadre et al.'s two HellaSwag evaluations the plain, 10-shot one over hellaswag_zeroshot); "
            "links without a bootstrap interval (at chance, no signal) do not enter. Each slope's standard error is its 95% "
            "percentile interval's width over 2 x 1.96. The slopes are pooled by the DerSimonian-Laird random-effects model "
            "(DerSimonian & Laird 1986: moment estimate of the between-benchmark variance tau^2, weights 1/(se^2 + tau^2)) with "
            "the Hartung-Knapp interval (t with k - 1 degrees of freedom; never narrower than the DerSimonian-Laird one, "
            "Roever, Knapp & Friede 2015), which assumes independent sampling errors. The benchmarks of one dataset are "
            "scored on the same models, so their errors are correlated: every link is bootstrapped by model with one seed, "
            "so links scored on the same set of models drew the same resamples, and the pooled slope is recomputed on each "
            "paired resample (model bootstrap, percentile interval; it keeps that dependence, and is conditional on these "
            "benchmarks). Links whose set of models differs (a few models missing) are paired with the others only by "
            "resample number, i.e. as independent. The finding also gives the interval under perfectly correlated sampling "
            "errors (the widest any dependence allows). Verdict: the compute axis's pooled slope by its written rule, on the "
            "hull of the Hartung-Knapp and model-bootstrap intervals; a loss-axis verdict that is decided and differs "
            "withholds it. "
            + (decision_text(self.decision) if self.decision is not None else "")
        )

    def finding_parts(self) -> dict[str, Any]:
        """Title, summary, tables, method, data and citations of :meth:`to_finding`."""
        return _links_finding_parts(self)


def _family_offsets(sets: LinkSet, table: pd.DataFrame, min_models: int = 3, ci: float = 0.95) -> pd.DataFrame:
    from scipy.special import stdtrit  # Student t quantile; scipy.stats costs half a second to import

    parts = []
    for link in sets:
        sub = table[(table["benchmark"] == link.benchmark) & np.isfinite(table["log10_compute"])]
        if link.fit is None or sub.empty:
            continue
        parts.append(sub.assign(resid=sub["value"].to_numpy(float) - link.predict(sub["log10_compute"].to_numpy(float))))
    if not parts:
        return pd.DataFrame(columns=["family", "models", "n", "offset", "low", "high"])
    res = pd.concat(parts, ignore_index=True)
    # one number per model (its mean residual over the benchmarks): a model's benchmarks are not
    # independent draws, so the interval is over models
    per_model = res.groupby(["family", "model"], sort=True).agg(resid=("resid", "mean"), n=("resid", "size")).reset_index()
    rows = []
    for fam, g in per_model.groupby("family", sort=True):
        if len(g) < min_models:
            continue
        r = g["resid"].to_numpy(float)
        se = r.std(ddof=1) / math.sqrt(len(r))
        tq = float(stdtrit(len(r) - 1, 0.5 + ci / 2))
        rows.append({"family": fam, "models": len(r), "n": int(g["n"].sum()), "offset": r.mean(), "low": r.mean() - tq * se, "high": r.mean() + tq * se})
    if not rows:
        return pd.DataFrame(columns=["family", "models", "n", "offset", "low", "high"])
    return pd.DataFrame(rows).sort_values("offset").reset_index(drop=True)


def links_analysis(*, fast: bool = False, n_boot: int | None = None, seed: int = 0, gadre_tasks: Sequence[str] | None = GADRE_SUBSET) -> LinksAnalysis:
    """Sigmoid links from loss or compute to benchmark scores on three public datasets.

    Parameters
    ----------
    fast : bool, default False
        40 bootstrap resamples per link instead of 200 (noisier intervals;
        same data, method and verdict rule).
    n_boot : int, optional
        Bootstrap resamples per link (default 200; 40 when ``fast``).
    seed : int, default 0
        Seed of the resampling.
    gadre_tasks : sequence of str or None, default :data:`GADRE_SUBSET`
        Gadre et al.'s tasks to link to the loss (None: all 46; about three
        times slower).

    Returns
    -------
    LinksAnalysis
    """
    t0 = time.perf_counter()
    nb = _n_boot(n_boot, fast)
    g = gadre_scores(gadre_tasks)
    gtasks = list(dict.fromkeys(g["benchmark"])) if gadre_tasks is None else list(gadre_tasks)
    gfloors = g.drop_duplicates("benchmark").set_index("benchmark")["floor"].to_dict()
    sets = {
        # groups="model": one score per model and task, so the same resampling as of rows, but drawn per model, so that
        # the tasks' resamples coincide (the pooled slope's bootstrap keeps their dependence)
        "gadre": fit_links(g, x="loss", floors=gfloors, increasing=False, benchmarks=list(gtasks), x_name="C4 validation loss",
                           source="gadre-overtraining-scaling", groups="model", n_boot=nb, seed=seed)
    }
    p = pythia_scores()
    pb = list(_PYTHIA_COLUMNS.values())
    # the checkpoints of one model are not independent: the bootstrap draws whole models
    sets["pythia"] = fit_links(
        p, x="log10_compute", floors=CHANCE["pythia-evals"], increasing=True, benchmarks=pb, x_name="log10 compute",
        source="pythia-evals", groups="size_model", n_boot=nb, seed=seed,
    )
    o = obsscaling_scores()
    o = o[np.isfinite(o["log10_compute"])]
    ob = list(OBSSCALING_BENCHMARKS)
    sets["obsscaling"] = fit_links(o, x="log10_compute", floors=CHANCE["obsscaling"], increasing=True, benchmarks=ob, x_name="log10 compute",
                                   source="obsscaling", groups="model", n_boot=nb, seed=seed)
    offsets = _family_offsets(sets["obsscaling"], o)
    plateaus = sum(
        1
        for s in sets.values()
        for link in s
        if link.status == "saturated" and link.intervals.get("ceiling", (math.nan, math.nan))[1] < 0.9
    )
    frontier = frontier_slopes(sets)
    pooled = pool_frontier(frontier, sets)
    ruan = frontier[(frontier["dataset"] == "obsscaling") & frontier["pooled"]]
    frontier_only = dersimonian_laird(ruan["slope"].to_numpy(float), ruan["se"].to_numpy(float)) if len(ruan) >= 2 else None
    decision, per_axis = frontier_decision(pooled)
    verdict, reason = decision.verdict, decision.reason
    return LinksAnalysis(
        sets=sets,
        family_offsets=offsets,
        verdict=verdict,
        reason=reason,
        decision=decision,
        plateaus=plateaus,
        frontier=frontier,
        pooled=pooled,
        axis_decisions=per_axis,
        frontier_only=frontier_only,
        n_boot=nb,
        seed=seed,
        fast=fast,
        seconds=time.perf_counter() - t0,
        sources=("gadre-overtraining-scaling", "pythia-evals", "obsscaling"),
    )


def _link_numbers(label: str, s: LinkSet, unit: str, k: int = 2) -> list[Number]:
    """Slope at the frontier of the ``k`` best-fitting informative links of a set."""
    inf = [lk for lk in s.links if lk.status in ("tracking", "saturated", "uncertain") and lk.n_boot]
    inf.sort(key=lambda lk: -lk.r2)
    out = []
    for lk in inf[:k]:
        lo, hi = lk.intervals["slope"]
        out.append(
            Number(
                f"{label} {lk.benchmark}: gain at the frontier",
                _pts(lk.estimates["slope"]), _pts(lo), _pts(hi), unit=unit, ci=lk.ci,
                note=f"status {lk.status}; R^2 {lk.r2:.2f}; frontier score {_pts(lk.estimates['frontier_score']):.1f} points",
            )
        )
    return out


def _pooled_numbers(result: Any) -> list[Number]:
    out = []
    for axis in ("compute", "loss"):
        p = result.pooled.get(axis)
        if p is None:
            continue
        d = result.axis_decisions.get(axis)
        fr = result.frontier
        g = fr[(fr["axis"] == axis) & fr["pooled"]] if len(fr) else fr
        keyed = g[g["draws"] != ""] if len(g) else g
        paired = int(keyed["draws"].duplicated(keep=False).sum()) if len(keyed) else 0
        lo, hi = p.deciding
        out.append(
            Number(
                f"pooled frontier slope, {axis} axis", p.estimate, lo, hi, unit=AXIS_UNITS[axis], ci=p.ci,
                note=(f"DerSimonian-Laird random effects over {p.k} benchmarks; interval: the hull of the Hartung-Knapp "
                      f"{100 * p.ci:g}% interval [{p.low:.3g}, {p.high:.3g}] and the model bootstrap's; "
                      f"DerSimonian-Laird normal interval [{p.dl_low:.3g}, {p.dl_high:.3g}]; model bootstrap "
                      f"[{p.boot_low:.3g}, {p.boot_high:.3g}] ({p.n_boot} paired resamples; {paired} of {p.k} links share "
                      f"their resamples with another, the rest count as independent); with perfectly correlated sampling "
                      f"errors [{p.dep_low:.3g}, {p.dep_high:.3g}]"
                      + (f"; rule {d.rule.name}: {d.verdict}" if d is not None else "")),
            )
        )
        out.append(
            Number(f"between-benchmark variance tau^2, {axis} axis", p.tau2, unit=f"({AXIS_UNITS[axis]})^2",
                   note=f"DerSimonian-Laird moment estimate; Cochran's Q {p.q:.3g} on {p.k - 1} df, I^2 {100 * p.i2:.0f}%"),
        )
    fo = result.frontier_only
    if fo is not None:
        out.append(
            Number("pooled frontier slope, compute axis, Ruan et al.'s public models only", fo.estimate, fo.low, fo.high,
                   unit=AXIS_UNITS["compute"], ci=fo.ci,
                   note=f"sensitivity, decides nothing: the {fo.k} obsscaling benchmarks alone (frontier about 10^25.5 FLOP, "
                   f"Pythia's 10^22.3); DerSimonian-Laird, Hartung-Knapp interval; tau^2 {fo.tau2:.3g}"),
        )
    return out


def _links_finding_parts(result: Any) -> dict[str, Any]:
    c = result.counts()
    informative = c["tracking"] + c["saturated"] + c["uncertain"]
    count_note = (f"count, of {informative} informative links (tracking, saturated or uncertain), duplicates included; "
                  "descriptive, decides nothing (links share models)")
    numbers = [
        *_pooled_numbers(result),
        Number("informative links still rising at the frontier", c["tracking"], unit="links", note=count_note),
        Number("informative links saturated", c["saturated"], unit="links", note=count_note),
        Number("links at chance or without signal", c["at chance"] + c["no signal"] + c["failed"], unit="links", note=f"count, of {sum(c.values())} links"),
    ]
    units = {"gadre": "points per nat of C4 loss", "pythia": "points per decade of compute", "obsscaling": "points per decade of compute"}
    for label, s in result.sets.items():
        numbers += _link_numbers(label, s, units.get(label, "points per unit of x"))
    fo = result.family_offsets
    if len(fo):
        for _, r in pd.concat([fo.head(1), fo.tail(1)]).iterrows():
            numbers.append(
                Number(
                    f"obsscaling family offset, {r['family']}", _pts(r["offset"]), _pts(r["low"]), _pts(r["high"]), unit="points",
                    note=f"mean residual of its {int(r['models'])} models from the pooled compute links (t interval over models)",
                )
            )
    notes = []
    for label, s in result.sets.items():
        chance = [lk.benchmark for lk in s if lk.status in ("at chance", "no signal", "failed")]
        if chance:
            notes.append(f"{label}: {', '.join(chance)} at chance or without signal (no slope, not bootstrapped)")
        failed = sum(lk.n_failed for lk in s)
        boots = sum(lk.n_boot for lk in s)
        if boots:
            notes.append(f"{label}: {failed}/{boots} bootstrap resamples failed (excluded)")
        for b, why in s.skipped.items():
            notes.append(f"{label}: {b} skipped ({why})")
    notes.append("obsscaling: BTLM-3B's compute is left out (upstream lists 627 T tokens; its model card says 627 B)")
    notes.append("compute axis: the pool mixes two frontiers, Pythia's largest models (about 10^22.3 FLOP) and Ruan et al.'s "
                 "(about 10^25.5); the pooled slope over Ruan et al.'s benchmarks alone is given as a sensitivity")
    dropped = result.frontier[result.frontier["why"].str.startswith("duplicate")] if len(result.frontier) else result.frontier
    for r in dropped.itertuples():
        notes.append(f"{r.dataset} {r.benchmark}: not pooled, {r.why}")
    tables = {"frontier slopes per benchmark (pooled or why not)": result.frontier}
    tables.update({f"links, {k}": v.table() for k, v in result.sets.items()})
    if len(fo):
        tables["obsscaling family offsets"] = fo
    return dict(
        title="Links from loss and compute to benchmark scores",
        verdict=result.verdict,
        summary=result.summary(),
        numbers=numbers,
        figures=list(result.figures().values()),
        tables=tables,
        method=result.method(),
        data_sources=list(result.sources),
        citations=[_PAPERS[k] for k in ("gadre", "pythia", "ruan", "owen", "efron")] + list(POOLING_CITATIONS),
        loss_label=_LINK_LOSS,
        notes=notes,
        headline="pooled frontier slope, compute axis" if "compute" in result.pooled else "informative links still rising at the frontier",
        rule=result.decision,
    )


_LINK_DATA = ("gadre-overtraining-scaling", "pythia-evals", "obsscaling")


@analysis("capabilities.links", question=QUESTION, requires=_LINK_DATA)
def report_links(ctx: Any) -> Finding:
    """Links from loss and compute to benchmark scores."""
    return links_analysis(fast=ctx.fast, seed=ctx.seed).to_finding()
