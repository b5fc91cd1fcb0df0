"""The report's figures: plotly traces, layouts and colours as plain JSON (plotly is never imported).

:func:`points`, :func:`curve`, :func:`band`, :func:`scatter`, :func:`histogram`
and :func:`error_bars` make traces; :func:`hline`, :func:`vline` and
:func:`vrect` layout shapes; :func:`figure` assembles traces into a
:class:`scalewatch.findings.Figure` (log-log axes by default) and
:func:`fit_figure` draws the common one: observed points, a fitted curve with
its interval band, held-out points marked differently. :data:`PALETTE` and
:func:`sequential_colors` are the colours.

Every analysis and the report use these; importing the package imports NumPy
but not plotly.
"""

from scalewatch.plots.colors import PALETTE, rgba, sequential_colors
from scalewatch.plots.layout import TITLED_LAYOUT, figure, fit_figure, hline, spec, titled_spec, vline, vrect
from scalewatch.plots.traces import band, curve, error_bars, floats, histogram, points, scatter, values

__all__ = [
    "PALETTE",
    "sequential_colors",
    "rgba",
    "points",
    "curve",
    "band",
    "scatter",
    "histogram",
    "error_bars",
    "values",
    "floats",
    "hline",
    "vline",
    "vrect",
    "spec",
    "titled_spec",
    "figure",
    "fit_figure",
    "TITLED_LAYOUT",
]
