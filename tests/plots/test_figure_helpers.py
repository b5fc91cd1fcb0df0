"""The figure helpers: log-log scatter, fitted curve, interval band, held-out points marked differently."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from scalewatch.findings import Figure
from scalewatch.plots import band, curve, figure, fit_figure, hline, points, sequential_colors, vrect


def test_fit_figure_draws_band_curve_points_and_held_out():
    x = np.geomspace(1e18, 1e22, 10)
    y = 2.0 + 30 * x**-0.1
    fig = fit_figure(
        "Loss", x=x, y=y, fit_x=x, fit_y=y, low=y - 0.01, high=y + 0.01, held_out=x > 2e21,
        x_title="C (FLOP)", y_title="L", caption="c",
    )
    assert isinstance(fig, Figure) and fig.caption == "c"
    data, layout = fig.spec["data"], fig.spec["layout"]
    assert [t["name"] for t in data] == ["95% interval", "95% interval", "fit", "runs", "held out"]
    lower, upper, fit, seen, held = data
    assert upper["fill"] == "tonexty" and lower["showlegend"] is False  # the band: two traces, one legend entry
    assert fit["mode"] == "lines"
    assert seen["marker"]["symbol"] == "circle" and held["marker"]["symbol"] == "diamond-open"
    assert len(seen["x"]) == 8 and len(held["x"]) == 2
    assert layout["xaxis"]["type"] == layout["yaxis"]["type"] == "log"
    assert layout["xaxis"]["title"]["text"] == "C (FLOP)"
    json.dumps(fig.to_dict(), allow_nan=False)


def test_fit_figure_without_band_or_held_out_and_its_errors():
    fig = fit_figure("L", x=[1, 2], y=[3, 4], fit_x=[1, 2], fit_y=[3, 4], x_title="x", y_title="y", x_log=False)
    assert [t["name"] for t in fig.spec["data"]] == ["fit", "runs"]
    assert fig.spec["layout"]["xaxis"]["type"] == "linear"
    with pytest.raises(ValueError, match="held_out has shape"):
        fit_figure("L", x=[1, 2], y=[3, 4], fit_x=[1], fit_y=[1], held_out=[True], x_title="x", y_title="y")
    with pytest.raises(ValueError, match="give both low and high"):
        fit_figure("L", x=[1, 2], y=[3, 4], fit_x=[1], fit_y=[1], low=[0], x_title="x", y_title="y")
    with pytest.raises(ValueError, match="x has shape"):
        fit_figure("L", x=[1, 2], y=[3], fit_x=[1], fit_y=[1], x_title="x", y_title="y")


def test_trace_helpers_and_shapes():
    p = points([1, 2], [3, np.nan], "runs", color="#112233", text=["a", "b"], group="g")
    assert p["y"] == [3.0, None] and p["marker"]["color"] == "#112233" and p["legendgroup"] == "g"
    assert "%{text}" in p["hovertemplate"]
    c = curve([1, 2], [3, 4], "fit", dash="dot")
    assert c["line"]["dash"] == "dot"
    lo, hi = band([1, 2], [0, 1], [2, 3], "band", color="#0072B2", opacity=0.2)
    assert hi["fillcolor"] == "rgba(0,114,178,0.2)" and hi["fill"] == "tonexty"
    fig = figure("t", [p, c], x_title="x", y_title="y", shapes=[hline(0), vrect(1, 2)], height=300)
    assert fig.spec["layout"]["height"] == 300 and len(fig.spec["layout"]["shapes"]) == 2
    with pytest.raises(ValueError, match="got no traces"):
        figure("t", [], x_title="x", y_title="y")


@pytest.mark.parametrize("k", [1, 2, 6, 12])
def test_sequential_colors(k):
    cols = sequential_colors(k)
    assert len(cols) == k and all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in cols)
    assert len(set(cols)) == k
