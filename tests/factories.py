"""Findings and analyses for tests: one toy finding with every field, toy analyses and the real Chinchilla analysis.

Importable from every test folder (``from factories import make_finding``): the suite's top
``conftest.py`` lives beside this file, so pytest puts this folder on ``sys.path``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalewatch.findings import Analysis, Finding, Number, registered
from scalewatch.plots import figure, fit_figure, points

#: a string that would end a <script> element if the page did not escape it
HOSTILE = "</script><script>window.__pwned = 1</script> <b>bold</b> & \u2028"


def make_finding(**over) -> Finding:
    x = np.geomspace(1e18, 1e22, 12)
    y = 1.8 + 50 * x**-0.1
    base = dict(
        key="pretraining.toy",
        question="pretraining",
        title="A toy finding",
        verdict="holds",
        summary="A toy law fitted to twelve points predicts the two largest within their interval.",
        numbers=[
            Number("alpha", 0.3473, 0.3162, 0.3723, "", 0.95, "model-size exponent"),
            Number("p-value", 0.031, note="slowdown test, one-sided"),
            Number("not estimable", None, note="fewer than five held-out runs"),
        ],
        figures=[
            fit_figure(
                "Loss against compute", x=x, y=y, fit_x=x, fit_y=y, low=y * 0.98, high=y * 1.02,
                held_out=x > 3e21, x_title="compute (FLOP)", y_title="loss (nats/token)", caption="Open diamonds: held out.",
            )
        ],
        tables=[("runs", pd.DataFrame({"N": [1e8, 2e8], "loss": [3.1, np.nan], "date": pd.to_datetime(["2024-01-01", "2024-02-01"])}))],
        method="Least squares on log loss.\n\nPercentile bootstrap, 200 resamples.",
        data_sources=("chinchilla-hoffmann2022",),
        citations=("Hoffmann et al. (2022), arXiv:2203.15556",),
        loss_label="least squares on log residuals",
    )
    base.update(over)
    return Finding(**base)


def _toy_data(ctx):
    """A toy data-wall finding: a linear-axis figure, hostile strings, numbers as plain dicts."""
    rng = np.random.default_rng(ctx.seed)
    years = np.arange(2000, 2024, dtype=float)
    linear = figure(
        "A linear-axis figure with a hostile trace name",
        [points(years, rng.normal(size=years.size), HOSTILE), {"type": "bar", "x": ["a", "b"], "y": [1, 2], "name": "bars"}],
        x_title="year", y_title="value", x_log=False, y_log=False, caption=f"caption with {HOSTILE}",
    )
    return make_finding(
        key="data.toy",
        question="data",
        title=f"Toy data wall {HOSTILE}",
        verdict="wall before 2031",
        summary=f"A toy finding whose summary holds markup: {HOSTILE}.",
        figures=[linear],
        numbers=[{"name": "wall year", "value": 2029.3, "low": 2027.1, "high": 2031.9, "unit": "year", "ci": 0.9, "note": "toy"}],
    )


def _toy_trends(ctx):
    """A toy trends finding whose figure is a dict spec with a template *name* and a layout title."""
    years = np.arange(2000, 2024, dtype=float)
    spec = {
        "data": [{"type": "scatter", "mode": "lines", "x": years, "y": np.where(years > 2020, np.nan, years)}],
        "layout": {"title": {"text": "Dict spec title"}, "template": "plotly_white", "yaxis": {"type": "log"}},
    }
    return [
        make_finding(key="trends.toy", question="trends", title="Toy trends", verdict="not detectable", figures={"dict_spec": spec}),
        make_finding(key="trends.toy_plain", question="trends", title="Toy without figures", verdict="inconclusive", figures=(), tables=()),
    ]


def boom(ctx):
    """An analysis that raises."""
    raise RuntimeError("toy failure: the solver exploded\nsecond line of detail")


TOY_ANALYSES = (
    Analysis("data.toy", "data", (), _toy_data, "Toy data wall"),
    Analysis("trends.toys", "trends", (), _toy_trends, "Toy trends"),
    Analysis("sweep.boom", "sweep", (), boom, "An analysis that raises"),
)


def chinchilla_analysis() -> Analysis:
    import scalewatch.analyses.pretraining.fit  # noqa: F401 - registers it

    return next(a for a in registered() if a.key == "pretraining.chinchilla_fit")
