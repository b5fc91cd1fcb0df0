"""Colours of the report's figures: a colour-blind-safe palette and an ordered scale."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["PALETTE", "sequential_colors", "rgba"]

#: qualitative colours (Okabe & Ito 2008, colour-blind safe), then a few more
PALETTE: tuple[str, ...] = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#882255", "#44AA99", "#999933", "#332288",
)

# viridis, 9 stops (matplotlib's colour map, sampled evenly), for ordered groups such as model sizes
_VIRIDIS = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725")


def sequential_colors(k: int) -> tuple[str, ...]:
    """``k`` colours along viridis (dark to light, stopping short of the pale yellow end), for ordered groups."""
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"sequential_colors(k={k!r}); use an integer >= 1.")
    stops = _VIRIDIS[:-1]  # the last stop is too pale on white
    if k == 1:
        return (stops[3],)
    return tuple(_mix(stops, i / (k - 1)) for i in range(k))


def _mix(stops: Sequence[str], t: float) -> str:
    x = t * (len(stops) - 1)
    i = min(int(x), len(stops) - 2)
    f = x - i
    a, b = (tuple(int(s[j : j + 2], 16) for j in (1, 3, 5)) for s in (stops[i], stops[i + 1]))
    return "#" + "".join(f"{round(u + (v - u) * f):02x}" for u, v in zip(a, b))


def rgba(color: str, alpha: float) -> str:
    """``color`` (``"#rrggbb"`` or ``"rgb(r,g,b)"``) with opacity ``alpha``; other colour strings unchanged."""
    if color.startswith("#") and len(color) == 7:
        r, g, b = (int(color[j : j + 2], 16) for j in (1, 3, 5))
        return f"rgba({r},{g},{b},{alpha:g})"
    if color.startswith("rgb(") and color.endswith(")"):
        return "rgba(" + color[4:-1] + f",{alpha:g})"
    return color


