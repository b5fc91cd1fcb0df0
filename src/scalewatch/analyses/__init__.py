"""Analyses: each answers one question about scaling and returns a :class:`Finding`.

The value every analysis returns, and the report shows, is defined here:

* :class:`Finding`: key, question, verdict (from the question's vocabulary,
  :data:`VERDICTS`), a one-sentence summary, :class:`Number` s with intervals,
  :class:`Figure` s (plain plotly JSON), tables, method, data and citations;
  immutable, with ``to_dict()``, ``report()`` and ``_repr_html_()``.
* figure helpers: :func:`points`, :func:`curve`, :func:`band`, :func:`figure`
  and :func:`fit_figure` (log-log points, fitted curve, interval band, held-out
  points marked).

The analyses themselves live in ``scalewatch.analyses.<question>`` modules and
register with :func:`scalewatch.report.analysis`; importing this package does
not import them (nor NumPy, pandas or plotly).
"""

from scalewatch.analyses._finding import (
    PALETTE,
    QUESTIONS,
    TONES,
    VERDICTS,
    Figure,
    Finding,
    Number,
    band,
    check_verdict,
    curve,
    figure,
    fit_figure,
    format_interval,
    hline,
    json_safe,
    points,
    sequential_colors,
    verdict_tone,
    vline,
    vrect,
)

__all__ = [
    "Finding",
    "Number",
    "Figure",
    "QUESTIONS",
    "VERDICTS",
    "TONES",
    "check_verdict",
    "verdict_tone",
    "format_interval",
    "json_safe",
    "PALETTE",
    "sequential_colors",
    "points",
    "curve",
    "band",
    "hline",
    "vline",
    "vrect",
    "figure",
    "fit_figure",
]
