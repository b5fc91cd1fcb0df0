"""The wall test's written verdict (wall_decision) on constructed held-out tables and break results."""

from __future__ import annotations

import pandas as pd
import pytest

from scalewatch.analyses.pretraining import wall_decision


def _held(low: float, high: float, covered: int = 66, n: int = 72, *more: tuple[float, float, int, int]) -> pd.DataFrame:
    """A held-out table: the first row is the highest cut-off (the top of the range), ``more`` rows are lower cut-offs."""
    rows = [(1e21, n, low, high, covered), *((3e20 - i, m[3], m[0], m[1], m[2]) for i, m in enumerate(more))]
    return pd.DataFrame(rows, columns=["cutoff", "n_test", "low", "high", "covered"])


QUIET = dict(top_interval=(-0.4, 0.3))
#: no break under either null
NO_BREAK = dict(iid_p=0.4, robust_p=0.5, break_slope=(-0.5, 0.6), break_wins=False, break_at=1e20)
#: the i.i.d. test fires, the robust null does not: shape misfit
IID_ONLY = dict(iid_p=0.004, robust_p=0.4, break_slope=(-0.6, 0.7), break_wins=False, break_at=1.7e20)
#: a wall-ward break that survives the robust null and wins out of sample, in the top of the range (at or above the lowest cut-off)
ROBUST_TOP = dict(iid_p=0.001, robust_p=0.001, break_slope=(2.0, 6.0), break_wins=True, break_at=1.5e21)
#: the same far below the top (Chinchilla's runs: 1.9e19, slope +2.25 [+1.39, +3.07] %/decade)
ROBUST_LOW = dict(iid_p=0.001, robust_p=0.001, break_slope=(1.39, 3.07), break_wins=True, break_at=1.9e19)
TWO = (-0.5, 0.5, 65, 72)  # a lower cut-off that also holds


@pytest.mark.parametrize(
    ("held", "kw", "verdict", "outcome"),
    [
        (_held(-0.5, 0.5), QUIET, "holds", "inside"),  # equivalence, calibrated, no break test
        (_held(-0.5, 0.5), {**QUIET, **NO_BREAK}, "holds", "inside"),
        (_held(-2.5, -1.2), QUIET, "beats the law", "favourable"),  # favourable miss: not "holds"
        (_held(1.2, 2.5), QUIET, "falls short of the law", "unfavourable"),
        (_held(-2.5, 2.5), QUIET, "inconclusive", "too wide"),
        (_held(-1.21, 0.03), QUIET, "inconclusive", "straddles"),
        (_held(-0.5, 0.5, 45), QUIET, "inconclusive", "miscalibrated"),  # 62% of runs inside 90% intervals
        # a lower cut-off far short of nominal withholds the verdict too
        (_held(-0.5, 0.5, 22, 24, (-0.5, 0.5, 40, 72)), QUIET, "inconclusive", "miscalibrated"),
        # the top of the range (highest cut-off) decides; a lower cut-off falling short withholds "holds"
        (_held(-0.5, 0.5, 22, 24, (-1.2, -0.3, 65, 72)), QUIET, "holds", "inside"),
        (_held(-0.5, 0.5, 22, 24, (1.2, 2.0, 65, 72)), QUIET, "inconclusive", "overruled"),
        # i.i.d.-only rejection: the bend is shape misfit, it withholds nothing
        (_held(-0.5, 0.5), {**QUIET, **IID_ONLY}, "holds", "inside"),
        # a robust wall-ward break at the top: breaks, whether or not the held-out interval already shows it
        (_held(-0.5, 0.5), {**QUIET, **ROBUST_TOP}, "breaks", "unfavourable"),
        (_held(1.2, 2.5), {**QUIET, **ROBUST_TOP}, "breaks", "unfavourable"),
        # the miss pushes the held-out runs out of their intervals: the low coverage is the miss itself
        (_held(4.1, 11.3, 0, 21), {**QUIET, **ROBUST_TOP}, "breaks", "unfavourable"),
        # a robust break far below the top, the top on the law: not "holds", not "breaks" (documented outcome)
        (_held(-0.5, 0.5, 23, 24, TWO), {**QUIET, **ROBUST_LOW}, "inconclusive", "overruled"),
        # ... but with the top falling short it is a break
        (_held(1.2, 2.5, 23, 24, TWO), {**QUIET, **ROBUST_LOW}, "breaks", "unfavourable"),
        # ... also when that miss pushes the held-out runs out of their intervals: a hinge below them moves them all
        (_held(4.1, 6.3, 2, 21, TWO), {**QUIET, **ROBUST_LOW}, "breaks", "unfavourable"),
        # a miss beyond the margin empties the intervals: the low coverage is the miss itself, the direction stands
        (_held(4.1, 6.3, 2, 21), {**QUIET, **NO_BREAK}, "falls short of the law", "unfavourable"),
        (_held(-6.3, -4.1, 2, 21), {**QUIET, **NO_BREAK}, "beats the law", "favourable"),
        # ... but not a miss whose interval straddles the margin
        (_held(0.2, 2.3, 2, 21), {**QUIET, **NO_BREAK}, "inconclusive", "miscalibrated"),
        # a significant robust kink that does not predict held-out runs better still withholds "holds"
        (_held(-0.5, 0.5), {**QUIET, **ROBUST_TOP, "break_wins": False}, "inconclusive", "overruled"),
        # the top runs alone beyond the margin: bends
        (_held(-0.5, 0.5), {**QUIET, **NO_BREAK, "top_interval": (1.2, 2.0)}, "bends", "unfavourable"),
        (_held(-0.5, 0.5, 4, 4), QUIET, "inconclusive", "overruled"),  # fewer than 5 held-out runs
        # unbounded calibrated intervals (too few groups) cover trivially: no verdict from them
        (_held(-0.5, 0.5, 72, 72).assign(bounded=False), QUIET, "inconclusive", "overruled"),
    ],
)
def test_wall_decision(held, kw, verdict, outcome):
    d = wall_decision(held, nominal=0.9, **kw)
    assert (d.verdict, d.outcome) == (verdict, outcome), d.reason
    if outcome == "miscalibrated":
        assert d.calibration is not None and d.calibration.far_short


def test_wall_decision_reasons_name_the_break_and_its_place():
    d = wall_decision(_held(-0.5, 0.5, 23, 24, TWO), nominal=0.9, **QUIET, **ROBUST_LOW)
    assert "below the top of the range" in d.reason and "1.9e+19" in d.reason and "'holds'" in d.reason
    d = wall_decision(_held(-0.5, 0.5), nominal=0.9, **QUIET, **IID_ONLY)
    assert "shape misfit" in d.reason and "robust null does not" in d.reason
    d = wall_decision(_held(-0.5, 0.5), nominal=0.9, **QUIET, **ROBUST_TOP)
    assert "at the top of the range" in d.reason
    # the largest runs decide, and the reason says so
    assert "the largest runs" in wall_decision(_held(-0.5, 0.5), nominal=0.9, **QUIET).reason
