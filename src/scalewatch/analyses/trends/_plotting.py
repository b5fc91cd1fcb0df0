"""(temporary) the trend figure helpers."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = []


def num(x: Any) -> float | None:
    """A JSON-safe float (None for NaN and infinities)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def nums(xs: Any) -> list[float | None]:
    return [num(x) for x in np.asarray(xs, dtype=float).ravel()]


def figure(title: str, traces: list[dict[str, Any]], x_title: str, y_title: str, *, y_log: bool = False, x_log: bool = False, shapes: list | None = None) -> dict[str, Any]:
    """A plotly figure as a JSON dict."""
    layout: dict[str, Any] = {
        "title": {"text": title},
        "xaxis": {"title": {"text": x_title}, "type": "log" if x_log else "linear"},
        "yaxis": {"title": {"text": y_title}, "type": "log" if y_log else "linear"},
        "legend": {"orientation": "h"},
        "template": "plotly_white",
    }
    if shapes:
        layout["shapes"] = shapes
    return {"data": traces, "layout": layout}


def scatter(x: Any, y: Any, name: str, *, mode: str = "markers", text: Any = None, **extra: Any) -> dict[str, Any]:
    tr: dict[str, Any] = {"type": "scatter", "mode": mode, "name": name, "x": nums(x), "y": nums(y)}
    if text is not None:
        tr["text"] = [str(t) for t in text]
    tr.update(extra)
    return tr


def band(x: Any, low: Any, high: Any, name: str, color: str) -> list[dict[str, Any]]:
    """Two traces that shade the area between ``low`` and ``high``."""
    return [
        {"type": "scatter", "mode": "lines", "x": nums(x), "y": nums(low), "line": {"width": 0, "color": color}, "showlegend": False, "hoverinfo": "skip", "name": name},
        {"type": "scatter", "mode": "lines", "x": nums(x), "y": nums(high), "line": {"width": 0, "color": color}, "fill": "tonexty", "fillcolor": color, "name": name},
    ]


def histogram(samples: Any, name: str, *, bins: int = 60, log10: bool = False, **extra: Any) -> dict[str, Any]:
    """A bar trace of the density of ``samples`` (binned here, so the figure stays small)."""
    v = np.asarray(samples, dtype=float)
    v = v[np.isfinite(v)]
    if log10:
        v = np.log10(v[v > 0])
    dens, edges = np.histogram(v, bins=bins, density=True)
    tr = {"type": "bar", "name": name, "x": nums(0.5 * (edges[1:] + edges[:-1])), "y": nums(dens), "opacity": 0.6}
    tr.update(extra)
    return tr


def vline(x: float, dash: str = "dot", color: str = "grey") -> dict[str, Any]:
    return {"type": "line", "yref": "paper", "y0": 0, "y1": 1, "x0": x, "x1": x, "line": {"dash": dash, "width": 1, "color": color}}


def hline(y: float, dash: str = "dot", color: str = "grey") -> dict[str, Any]:
    return {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": y, "y1": y, "line": {"dash": dash, "width": 1, "color": color}}


def vrect(x0: float, x1: float, color: str = "rgba(200,0,0,0.08)") -> dict[str, Any]:
    return {"type": "rect", "yref": "paper", "y0": 0, "y1": 1, "x0": x0, "x1": x1, "fillcolor": color, "line": {"width": 0}}
