r"""Emergence or metric artefact? Sharpness of the same models under two metrics.

Schaeffer, Miranda & Koyejo (2023) argue that "emergent" abilities, scores
that sit at zero and then jump at some scale, are often made by the metric:
a discontinuous metric (exact match, multiple-choice accuracy) of a
smoothly improving model looks sudden, while a continuous metric of the same
outputs (token edit distance, log-likelihood, BLEU) improves smoothly.

The test here puts a number on "sudden". Each metric is rescaled to [0, 1]
over the observed models (:math:`u = (y - y_{min}) / (y_{max} - y_{min})`,
after flipping metrics where lower is better, such as perplexity) and fitted
with a four-parameter sigmoid in the scale variable x (log10 compute, or a
capability score). Its *relative width*

.. math:: r = \frac{2 \ln 9 / k}{x_{max} - x_{min}}

is the share of the observed scale range over which the curve rises from 10 %
to 90 % of the way. With a 95 % bootstrap interval :math:`[r_{lo}, r_{hi}]`:

* **sharp** (looks emergent): :math:`r_{hi} \le 0.25`, the whole rise within a
  quarter of the range;
* **smooth**: :math:`r_{lo} \ge 0.5`;
* **unclear**: otherwise.

For a pair of metrics on the same models:

* **metric artefact**: sharp under the discontinuous metric, smooth under the
  continuous one (Schaeffer et al.'s claim);
* **emergent under both**: sharp under both (the jump survives a continuous
  metric);
* **smooth under both**: neither looks emergent;
* **unresolved**: any other combination.

A task with only a discontinuous metric in the data is reported as
**untestable**: its sharpness is measured, but nothing tells whether a
continuous metric would be smooth.

The steepness is capped as in :mod:`scalewatch.analyses.capabilities.sigmoid`, so the
sharpest resolvable curve has :math:`r \approx 0.044`.

References
----------
Schaeffer, Miranda & Koyejo (2023), "Are Emergent Abilities of Large Language
Models a Mirage?", NeurIPS 2023, arXiv:2304.15004. Wei et al. (2022),
"Emergent Abilities of Large Language Models", TMLR, arXiv:2206.07682.
Ruan, Maddison & Hashimoto (2024), arXiv:2405.10938, sec. 5 (emergent
capabilities as smooth sigmoids of a capability score).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.capabilities.sigmoid import LinkFit, fit_link
from scalewatch.findings import Result, finite
from scalewatch.findings.rules import rule

__all__ = [
    "SHARP_MAX",
    "SMOOTH_MIN",
    "PAIR_LABELS",
    "shape_label",
    "pair_label",
    "Sharpness",
    "sharpness",
    "MetricPair",
    "compare_metrics",
    "pairs_table",
]


#: a curve is "sharp" when the upper end of its relative-width interval is at most this
SHARP_MAX = rule("capabilities.rise_width").center - rule("capabilities.rise_width").margin  # 0.25


#: a curve is "smooth" when the lower end of its relative-width interval is at least this
SMOOTH_MIN = rule("capabilities.rise_width").center + rule("capabilities.rise_width").margin  # 0.5


#: labels of a (discontinuous, continuous) pair, and of a task with one metric only
PAIR_LABELS = ("metric artefact", "emergent under both", "smooth under both", "unresolved", "untestable")


def shape_label(low: float, high: float) -> str:
    """``"sharp"``, ``"smooth"`` or ``"unclear"`` from the interval of the relative width (rule ``capabilities.rise_width``).

    Sharp when the interval's upper end is at most :data:`SHARP_MAX`, smooth when its lower end is at least
    :data:`SMOOTH_MIN`, unclear otherwise (or without an interval).

    Examples
    --------
    >>> shape_label(0.05, 0.2), shape_label(0.6, 1.4), shape_label(0.2, 0.9)
    ('sharp', 'smooth', 'unclear')
    """
    return rule("capabilities.rise_width").decide(low, high).verdict


def pair_label(discontinuous: str, continuous: str | None) -> str:
    """Label of a metric pair from the shapes of its two curves (see the module docstring).

    Examples
    --------
    >>> pair_label("sharp", "smooth"), pair_label("sharp", "sharp"), pair_label("sharp", None)
    ('metric artefact', 'emergent under both', 'untestable')
    """
    if continuous is None:
        return "untestable"
    if discontinuous == "sharp" and continuous == "smooth":
        return "metric artefact"
    if discontinuous == "sharp" and continuous == "sharp":
        return "emergent under both"
    if discontinuous == "smooth" and continuous == "smooth":
        return "smooth under both"
    return "unresolved"


@dataclass(frozen=True, eq=False)
class Sharpness(Result):
    """How abruptly one metric rises with scale.

    Attributes
    ----------
    metric : str
        Metric label (e.g. ``"exact match"``).
    n : int
        Models.
    x_range : (float, float)
        Observed scale range.
    y_range : (float, float)
        Observed metric range (original units, before rescaling).
    relative_width, interval : float, (float, float)
        Share of the x-range over which the fitted sigmoid rises from 10 % to
        90 %, and its bootstrap interval.
    width : float
        The same in units of x (decades, for log10 compute).
    shape : str
        ``"sharp"``, ``"smooth"`` or ``"unclear"`` (:func:`shape_label`).
    link : LinkFit
        The fitted sigmoid on the rescaled metric.
    """

    metric: str
    n: int
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    relative_width: float
    interval: tuple[float, float]
    width: float
    shape: str
    higher_is_better: bool
    link: LinkFit = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "n": int(self.n),
            "x_range": [finite(v) for v in self.x_range],
            "y_range": [finite(v) for v in self.y_range],
            "relative_width": finite(self.relative_width),
            "interval": [finite(v) for v in self.interval],
            "width": finite(self.width),
            "shape": self.shape,
            "higher_is_better": self.higher_is_better,
            "r2": finite(self.link.r2),
            "notes": list(self.link.notes),
        }


def sharpness(
    x: Any,
    y: Any,
    *,
    metric: str = "metric",
    higher_is_better: bool = True,
    n_boot: int = 200,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> Sharpness:
    r"""Relative width of the 10-90 % rise of a metric over the scale range.

    Parameters
    ----------
    x, y : array-like (n,)
        Scale (log10 compute, say) and the metric of the same models.
    metric : str
        Label.
    higher_is_better : bool, default True
        False for metrics that fall as models improve (perplexity, loss,
        edit distance); they are flipped before rescaling.
    n_boot : int, default 200
        Bootstrap resamples of the models.
    ci : float, default 0.95
        Interval level.
    seed : int, Generator or None, default 0
        Seed of the resampling.

    Returns
    -------
    Sharpness

    Raises
    ------
    ValueError
        Fewer than 6 finite points, or a metric without spread.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(20.0, 24.0, 30)
    >>> step = (x > 22.5).astype(float) * 0.8                  # jumps within one gap between models
    >>> sharpness(x, step, n_boot=0).relative_width < 0.1
    True
    >>> sharpness(x, 0.1 * (x - 20.0), n_boot=0).relative_width > 0.5  # a straight line
    True
    """
    xv = np.asarray(x, dtype=np.float64).reshape(-1)
    yv = np.asarray(y, dtype=np.float64).reshape(-1)
    if xv.shape != yv.shape:
        raise ValueError(f"sharpness({metric!r}): x has {xv.size} values and y has {yv.size}.")
    ok = np.isfinite(xv) & np.isfinite(yv)
    xv, yv = xv[ok], yv[ok]
    if xv.size < 6:
        raise ValueError(f"sharpness({metric!r}): {xv.size} models with finite values; need at least 6.")
    lo, hi = float(yv.min()), float(yv.max())
    if not hi > lo:
        raise ValueError(f"sharpness({metric!r}): every model scores {lo:g}; a flat metric has no shape.")
    u = (yv - lo) / (hi - lo)
    if not higher_is_better:
        u = 1.0 - u
    # Floor and ceiling are fitted within a margin around the observed range so that a straight
    # line is fitted as a wide sigmoid (floor and ceiling beyond the data) rather than forced to bend.
    link = fit_link(xv, u, floor=None, increasing=True, score_range=(-0.25, 1.25), benchmark=metric, x_name="x", n_boot=n_boot, ci=ci, seed=seed)
    span = link.x_range[1] - link.x_range[0]
    w = link.estimates["width"]
    wl, wh = link.intervals.get("width", (math.nan, math.nan))
    if not n_boot or not (math.isfinite(wl) and math.isfinite(wh)):
        wl = wh = w  # no bootstrap: the label comes from the point estimate
    rel = w / span
    rlo, rhi = wl / span, wh / span
    return Sharpness(
        metric=metric,
        n=int(xv.size),
        x_range=link.x_range,
        y_range=(lo, hi),
        relative_width=float(rel),
        interval=(float(rlo), float(rhi)),
        width=float(w),
        # no shape without a fit that follows the data (no convergence, or R^2 < 0.3)
        shape=shape_label(rlo, rhi) if link.status not in ("failed", "no signal") else "unclear",
        higher_is_better=bool(higher_is_better),
        link=link,
    )


@dataclass(frozen=True, eq=False)
class MetricPair(Result):
    """A task measured on the same models by a discontinuous and (where available) a continuous metric.

    Attributes
    ----------
    task : str
        Task name.
    series : str
        Which models and which x (e.g. ``"obsscaling, x = log10 compute"``).
    discontinuous : Sharpness
        Exact match, accuracy, ...
    continuous : Sharpness or None
        Log-likelihood, BLEU, ...; None when the data have none.
    label : str
        One of :data:`PAIR_LABELS`.
    note : str
        Why a pair is untestable, or other caveats.
    """

    task: str
    series: str
    discontinuous: Sharpness
    continuous: Sharpness | None
    label: str
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "series": self.series,
            "label": self.label,
            "discontinuous": self.discontinuous.to_dict(),
            "continuous": None if self.continuous is None else self.continuous.to_dict(),
            "note": self.note,
        }

    def report(self) -> str:
        def one(s: Sharpness | None) -> str:
            if s is None:
                return "none in the data"
            return f"{s.metric}: r = {s.relative_width:.3f} [{s.interval[0]:.3f}, {s.interval[1]:.3f}] -> {s.shape}"

        lines = [
            f"[[Emergence]] {self.task} ({self.series}): {self.label}",
            f"    discontinuous  {one(self.discontinuous)}",
            f"    continuous     {one(self.continuous)}",
        ]
        if self.note:
            lines.append(f"    note: {self.note}")
        return "\n".join(lines)


def compare_metrics(
    x: Any,
    discontinuous: Any,
    continuous: Any | None = None,
    *,
    task: str = "task",
    series: str = "",
    names: Sequence[str] = ("discontinuous", "continuous"),
    continuous_higher_is_better: bool = True,
    note: str = "",
    **kwargs: Any,
) -> MetricPair:
    """Sharpness of the same models under a discontinuous and a continuous metric, and the pair's label.

    Parameters
    ----------
    x : array-like (n,)
        Scale of each model (log10 compute, or a capability score).
    discontinuous : array-like (n,)
        Exact match or accuracy of the models.
    continuous : array-like (n,) or None
        A continuous metric of the same models; None when there is none
        (the pair is then ``"untestable"``).
    task, series : str
        Labels.
    names : (str, str)
        Names of the two metrics.
    continuous_higher_is_better : bool, default True
        False for perplexity, loss or edit distance.
    note : str
        Caveat recorded with the pair.
    **kwargs
        ``n_boot``, ``ci``, ``seed`` for :func:`sharpness`.

    Returns
    -------
    MetricPair
    """
    d = sharpness(x, discontinuous, metric=names[0], **kwargs)
    c = None
    if continuous is not None:
        c = sharpness(x, continuous, metric=names[1], higher_is_better=continuous_higher_is_better, **kwargs)
    label = pair_label(d.shape, None if c is None else c.shape)
    if c is None and not note:
        note = "the data hold no continuous metric for this task"
    return MetricPair(task=task, series=series, discontinuous=d, continuous=c, label=label, note=note)


def pairs_table(pairs: Sequence[MetricPair]) -> pd.DataFrame:
    """One row per pair: task, series, label and both relative widths with intervals."""
    rows = []
    for p in pairs:
        row: dict[str, Any] = {"task": p.task, "series": p.series, "label": p.label}
        for role, s in (("discontinuous", p.discontinuous), ("continuous", p.continuous)):
            row[f"{role}_metric"] = None if s is None else s.metric
            row[f"{role}_r"] = math.nan if s is None else s.relative_width
            row[f"{role}_r_low"] = math.nan if s is None else s.interval[0]
            row[f"{role}_r_high"] = math.nan if s is None else s.interval[1]
            row[f"{role}_shape"] = None if s is None else s.shape
        rows.append(row)
    return pd.DataFrame(rows)
