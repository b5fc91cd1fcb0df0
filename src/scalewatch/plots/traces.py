"""Plotly traces as plain JSON dicts: points, curves, interval bands, error bars, histograms.

Every helper returns ``dict`` s that :func:`scalewatch.plots.figure` (or
:class:`scalewatch.findings.Figure`) takes as they are; plotly itself is never
imported. Coordinates pass through :func:`values` (JSON-safe, integers stay
integers, NaN becomes ``None``, i.e. a gap in the line).
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from scalewatch.findings.jsonsafe import finite, json_safe
from scalewatch.plots.colors import rgba

__all__ = ["values", "floats", "scatter", "points", "curve", "band", "error_bars", "histogram"]


def values(x: Any) -> list[Any]:
    """Coordinates as a JSON-safe list (NumPy arrays through ``tolist``; NaN and infinities ``None``)."""
    out = json_safe(list(x) if not hasattr(x, "tolist") else x)
    return out if isinstance(out, list) else [out]


def floats(xs: Any) -> list[float | None]:
    """Every element of an array-like as a float, flattened; NaN, infinities and non-numbers ``None``."""
    return [finite(x) for x in np.asarray(xs, dtype=float).ravel()]


def scatter(x: Any, y: Any, name: str, *, mode: str = "markers", text: Any = None, **extra: Any) -> dict[str, Any]:
    """A bare scatter trace (``mode``: "markers", "lines", "lines+markers"); ``extra``: further trace attributes.

    :func:`points` and :func:`curve` are the styled forms the report uses for
    observations and fitted curves.
    """
    tr: dict[str, Any] = {"type": "scatter", "mode": mode, "name": name, "x": values(x), "y": values(y)}
    if text is not None:
        tr["text"] = [str(t) for t in text]
    tr.update(extra)
    return tr


def points(
    x: Any,
    y: Any,
    name: str,
    *,
    color: str | None = None,
    held_out: bool = False,
    text: Any = None,
    size: int = 7,
    group: str | None = None,
    showlegend: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """Observed points as a scatter trace; ``held_out=True`` draws them as open diamonds.

    Parameters
    ----------
    x, y : array-like
        Coordinates (NaN becomes a gap).
    name : str
        Legend entry.
    color : str, optional
        Marker colour (``"#rrggbb"``); default plotly's colour cycle.
    held_out : bool
        Points the fit did not see (held out, excluded): open diamonds with a thick outline.
    text : array-like, optional
        Hover text per point.
    size : int
        Marker size in px.
    group : str, optional
        Legend group (toggle together with a curve).
    **extra
        Further trace attributes (``error_y``, ``customdata``, ``mode``, ...).
    """
    marker: dict[str, Any] = {"size": size + (2 if held_out else 0)}
    if held_out:
        marker.update(symbol="diamond-open", line={"width": 2})
    else:
        marker.update(symbol="circle", opacity=0.85, line={"width": 0.5, "color": "white"})
    if color is not None:
        marker["color"] = color
    tr = scatter(x, y, name, text=text, marker=marker, showlegend=showlegend)
    if text is not None:
        tr["hovertemplate"] = "%{text}<br>x=%{x:.4g}<br>y=%{y:.4g}<extra>" + html.escape(name) + "</extra>"
    if group is not None:
        tr["legendgroup"] = group
    tr.update(extra)
    return tr


def curve(
    x: Any, y: Any, name: str, *, color: str | None = None, dash: str | None = None, width: float = 2.0,
    group: str | None = None, showlegend: bool = True, **extra: Any,
) -> dict[str, Any]:
    """A fitted or predicted curve as a line trace (``dash``: "dash", "dot", ...)."""
    line: dict[str, Any] = {"width": width}
    if color is not None:
        line["color"] = color
    if dash is not None:
        line["dash"] = dash
    tr = scatter(x, y, name, mode="lines", line=line, showlegend=showlegend)
    if group is not None:
        tr["legendgroup"] = group
    tr.update(extra)
    return tr


def band(
    x: Any,
    low: Any,
    high: Any,
    name: str,
    *,
    color: str = "#0072B2",
    opacity: float = 0.18,
    group: str | None = None,
    showlegend: bool | None = True,
    hover: bool = False,
) -> list[dict[str, Any]]:
    """Two traces that shade the interval between ``low`` and ``high`` (put them before the curve).

    Parameters
    ----------
    color : str
        ``"#rrggbb"`` or ``"rgb(...)"`` (shaded at ``opacity``), or an ``"rgba(...)"`` fill used as it is.
    showlegend : bool or None
        Legend entry of the band; ``None`` leaves it to plotly (shown).
    hover : bool, default False
        Hover labels on the upper edge (the lower edge never has one).
    """
    fill = rgba(color, opacity)
    lower = scatter(x, low, name, mode="lines", line={"width": 0, "color": fill}, showlegend=False, hoverinfo="skip")
    upper = scatter(x, high, name, mode="lines", line={"width": 0, "color": fill}, fill="tonexty", fillcolor=fill)
    if showlegend is not None:
        upper["showlegend"] = showlegend
    if not hover:
        upper["hoverinfo"] = "skip"
    if group is not None:
        lower["legendgroup"] = upper["legendgroup"] = group
    return [lower, upper]


def error_bars(y: Any, low: Any, high: Any, **style: Any) -> dict[str, Any]:
    """Asymmetric error bars (a plotly ``error_y`` or ``error_x``) for intervals ``[low, high]`` around ``y``.

    ``style``: further attributes (``thickness``, ``width``, ``color``).
    """
    yy, lo, hi = (np.asarray(v, dtype=float) for v in (y, low, high))
    return {"type": "data", "symmetric": False, "array": floats(hi - yy), "arrayminus": floats(yy - lo), **style}


def histogram(samples: Any, name: str, *, bins: int = 60, log10: bool = False, **extra: Any) -> dict[str, Any]:
    """A bar trace of the density of ``samples`` (binned here, so the figure stays small).

    Non-finite samples are dropped; ``log10=True`` bins the decimal log of the positive ones.
    """
    v = np.asarray(samples, dtype=float)
    v = v[np.isfinite(v)]
    if log10:
        v = np.log10(v[v > 0])
    dens, edges = np.histogram(v, bins=bins, density=True)
    tr = {"type": "bar", "name": name, "x": floats(0.5 * (edges[1:] + edges[:-1])), "y": floats(dens), "opacity": 0.6}
    tr.update(extra)
    return tr
