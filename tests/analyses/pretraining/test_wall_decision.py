"""The wall test's written verdict (wall_decision) on constructed held-out tables."""

from __future__ import annotations

import pandas as pd
import pytest

from scalewatch.analyses.pretraining import wall_decision


def _held(low: float, high: float, covered: int = 68, n: int = 72, *more: tuple[float, float, int, int]) -> pd.DataFrame:
    rows = [(1e20, n, low, high, covered), *((1e21 + i, m[3], m[0], m[1], m[2]) for i, m in enumerate(more))]
    return pd.DataFrame(rows, columns=["cutoff", "n_test", "low", "high", "covered"])


QUIET = dict(top_interval=(-0.4, 0.3), break_detected=False, break_p=0.4)


@pytest.mark.parametrize(
    ("held", "kw", "verdict", "outcome"),
    [
        (_held(-0.5, 0.5), QUIET, "holds", "inside"),  # equivalence, calibrated, no break
        (_held(-2.5, -1.2), QUIET, "beats the law", "favourable"),  # favourable miss: not "holds"
        (_held(1.2, 2.5), QUIET, "falls short of the law", "unfavourable"),
        (_held(-2.5, 2.5), QUIET, "inconclusive", "too wide"),
        (_held(-1.21, 0.03), QUIET, "inconclusive", "straddles"),
        (_held(-0.5, 0.5, 45), QUIET, "inconclusive", "miscalibrated"),  # 62% of runs in 95% intervals
        # another cut-off far short of nominal withholds the verdict too
        (_held(-0.5, 0.5, 68, 72, (-0.5, 0.5, 2, 24)), QUIET, "inconclusive", "miscalibrated"),
        # a significant i.i.d. break withholds "holds" until a robust break test rules
        (_held(-0.5, 0.5), {**QUIET, "break_detected": True, "break_p": 0.004}, "inconclusive", "overruled"),
        (_held(-0.5, 0.5), {**QUIET, "break_p": 0.01}, "inconclusive", "overruled"),
        (_held(-0.5, 0.5), {**QUIET, "break_detected": True, "break_p": 0.004, "robust_break": False}, "holds", "inside"),
        # the top runs alone beyond the margin: bends; with a detected break: breaks
        (_held(-0.5, 0.5), {**QUIET, "top_interval": (1.2, 2.0)}, "bends", "unfavourable"),
        (_held(4.1, 11.3, 0, 21), {**QUIET, "top_interval": (1.2, 2.0), "break_detected": True, "break_p": 0.01}, "breaks", "unfavourable"),
        (_held(-0.5, 0.5, 4, 4), QUIET, "inconclusive", "overruled"),  # fewer than 5 held-out runs
    ],
)
def test_wall_decision(held, kw, verdict, outcome):
    d = wall_decision(held, nominal=0.95, **kw)
    assert (d.verdict, d.outcome) == (verdict, outcome), d.reason
    if outcome == "miscalibrated":
        assert d.calibration is not None and d.calibration.far_short
    if outcome == "overruled" and kw.get("break_p", 1) < 0.05:
        assert "robust break test" in d.reason
