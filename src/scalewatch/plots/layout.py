"""Figures: plotly layouts and shapes, and the assembly of traces into a :class:`~scalewatch.findings.Figure`.

:func:`spec` is the one layout builder (titled axes, log-log by default);
:func:`figure` wraps its spec in a :class:`~scalewatch.findings.Figure` with a
title and a caption; :func:`fit_figure` draws the common figure of a fit.
The trend and data-wall figures carry their title inside the spec and a
horizontal legend (:data:`TITLED_LAYOUT`, ``spec(..., title=...)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from scalewatch.findings.finding import Figure
from scalewatch.plots.colors import PALETTE
from scalewatch.plots.traces import band, curve, points

__all__ = ["spec", "titled_spec", "figure", "fit_figure", "hline", "vline", "vrect", "TITLED_LAYOUT"]

#: layout of the figures that carry their own title (trends, data wall): a horizontal legend
#: and the plotly_white look (the report replaces a template name by its own template)
TITLED_LAYOUT: Mapping[str, Any] = {"legend": {"orientation": "h"}, "template": "plotly_white"}


def hline(y: float, *, dash: str = "dash", color: str = "#6e7781") -> dict[str, Any]:
    """A horizontal line across the plot (a layout shape)."""
    return {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": y, "y1": y, "line": {"dash": dash, "width": 1, "color": color}}


def vline(x: float, *, dash: str = "dash", color: str = "#6e7781") -> dict[str, Any]:
    """A vertical line across the plot (a layout shape)."""
    return {"type": "line", "yref": "paper", "y0": 0, "y1": 1, "x0": x, "x1": x, "line": {"dash": dash, "width": 1, "color": color}}


def vrect(x0: float, x1: float, *, color: str = "rgba(213,94,0,0.08)", layer: str | None = "below") -> dict[str, Any]:
    """A shaded vertical strip (a layout shape), e.g. the region a verdict is about (``layer=None``: plotly's default, above)."""
    out = {"type": "rect", "yref": "paper", "y0": 0, "y1": 1, "x0": x0, "x1": x1, "fillcolor": color, "line": {"width": 0}}
    if layer is not None:
        out["layer"] = layer
    return out


def spec(
    traces: Sequence[Mapping[str, Any]],
    *,
    x_title: str,
    y_title: str,
    x_log: bool = True,
    y_log: bool = True,
    shapes: Sequence[Mapping[str, Any]] | None = (),
    height: int | None = None,
    layout: Mapping[str, Any] | None = None,
    title: str | None = None,
    power_ticks: bool = True,
) -> dict[str, Any]:
    """Traces -> a plotly figure as a JSON dict ``{"data": [...], "layout": {...}}``, log-log by default.

    Parameters
    ----------
    traces : sequence of dict
        From :func:`~scalewatch.plots.points`, :func:`~scalewatch.plots.curve`,
        :func:`~scalewatch.plots.band` or plain plotly traces.
    x_title, y_title : str
        Axis titles, with units.
    x_log, y_log : bool, default True
        Logarithmic axes.
    shapes : sequence of dict
        Layout shapes (:func:`hline`, :func:`vline`, :func:`vrect`).
    height : int, optional
        Plot height in px (the report's default is 440).
    layout : mapping, optional
        Further layout attributes, merged last (e.g. :data:`TITLED_LAYOUT`).
    title : str, optional
        A title inside the layout (the report shows it above the plot).
    power_ticks : bool, default True
        Write log-axis ticks as powers of ten (10^3) instead of plotly's SI prefixes.
    """
    lay: dict[str, Any] = {}
    if title is not None:
        lay["title"] = {"text": title}
    lay["xaxis"] = {"title": {"text": x_title}, "type": "log" if x_log else "linear"}
    lay["yaxis"] = {"title": {"text": y_title}, "type": "log" if y_log else "linear"}
    if power_ticks and x_log:
        lay["xaxis"]["exponentformat"] = "power"
    if power_ticks and y_log:
        lay["yaxis"]["exponentformat"] = "power"
    if shapes:
        lay["shapes"] = list(shapes)
    if height is not None:
        lay["height"] = int(height)
    if layout:
        lay.update({k: dict(v) if isinstance(v, Mapping) else v for k, v in layout.items()})  # never share a preset's dicts
    return {"data": list(traces), "layout": lay}


def titled_spec(
    title: str,
    traces: Sequence[Mapping[str, Any]],
    x_title: str,
    y_title: str,
    *,
    x_log: bool = False,
    y_log: bool = False,
    shapes: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """:func:`spec` of a figure that carries its own title (the trend and data-wall figures).

    Linear axes by default, plotly's exponent ticks and :data:`TITLED_LAYOUT`;
    a :class:`~scalewatch.findings.Finding` given ``{name: spec}`` takes the
    figure's title from the spec.
    """
    return spec(traces, title=title, x_title=x_title, y_title=y_title, x_log=x_log, y_log=y_log, shapes=shapes,
                power_ticks=False, layout=TITLED_LAYOUT)


def figure(
    title: str,
    traces: Sequence[Mapping[str, Any]],
    *,
    x_title: str,
    y_title: str,
    x_log: bool = True,
    y_log: bool = True,
    caption: str = "",
    shapes: Sequence[Mapping[str, Any]] = (),
    height: int | None = None,
    layout: Mapping[str, Any] | None = None,
) -> Figure:
    """Traces -> a :class:`~scalewatch.findings.Figure` with titled axes, log-log by default.

    Parameters
    ----------
    title, caption : str
        Shown above and below the plot by the report.
    traces, x_title, y_title, x_log, y_log, shapes, height, layout
        As :func:`spec`.
    """
    traces = list(traces)
    if not traces:
        raise ValueError(f"figure({title!r}) got no traces; pass at least one (points, curve or band).")
    return Figure(
        title,
        spec(traces, x_title=x_title, y_title=y_title, x_log=x_log, y_log=y_log, shapes=shapes, height=height, layout=layout),
        caption,
    )


def fit_figure(
    title: str,
    *,
    x: Any,
    y: Any,
    fit_x: Any,
    fit_y: Any,
    low: Any = None,
    high: Any = None,
    held_out: Any = None,
    x_title: str,
    y_title: str,
    caption: str = "",
    name: str = "runs",
    fit_name: str = "fit",
    band_name: str | None = None,
    x_log: bool = True,
    y_log: bool = True,
    color: str = PALETTE[0],
    fit_color: str = "#24292f",
) -> Figure:
    """The common figure: observed points, a fitted curve with its interval band, held-out points marked.

    Parameters
    ----------
    x, y : array-like
        Observations.
    fit_x, fit_y : array-like
        The fitted curve.
    low, high : array-like, optional
        Interval of the curve at ``fit_x`` (e.g. bootstrap percentiles).
    held_out : array-like of bool, optional
        True for observations the fit did not use: drawn as open diamonds.
    band_name : str, optional
        Legend entry of the band (default ``"95% interval"``).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.geomspace(1, 100, 8); y = 2 * x ** -0.3
    >>> fig = fit_figure("Loss", x=x, y=y, fit_x=x, fit_y=y, held_out=x > 50, x_title="C", y_title="L")
    >>> [t["name"] for t in fig.spec["data"]]
    ['fit', 'runs', 'held out']
    """
    xv, yv = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xv.shape != yv.shape:
        raise ValueError(f"fit_figure({title!r}): x has shape {xv.shape} but y {yv.shape}.")
    mask = np.zeros(xv.shape, dtype=bool) if held_out is None else np.asarray(held_out, dtype=bool)
    if mask.shape != xv.shape:
        raise ValueError(f"fit_figure({title!r}): held_out has shape {mask.shape}; it needs one flag per point {xv.shape}.")
    traces: list[dict[str, Any]] = []
    if (low is None) != (high is None):
        raise ValueError(f"fit_figure({title!r}): give both low and high of the band, or neither.")
    if low is not None:
        traces += band(fit_x, low, high, band_name or "95% interval", color=fit_color, opacity=0.15)
    traces.append(curve(fit_x, fit_y, fit_name, color=fit_color))
    traces.append(points(xv[~mask], yv[~mask], name, color=color))
    if mask.any():
        traces.append(points(xv[mask], yv[mask], "held out", color=PALETTE[1], held_out=True))
    return figure(title, traces, x_title=x_title, y_title=y_title, x_log=x_log, y_log=y_log, caption=caption)
