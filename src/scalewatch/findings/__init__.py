"""Findings: the value every analysis returns, and the rules its verdict follows.

:mod:`scalewatch.findings.rules` holds the written verdict rules (margins,
width gates, coverage checks) that every verdict of the report follows.
Importing this package imports no NumPy, pandas or plotly.
"""

from scalewatch.findings.rules import (
    OUTCOMES,
    RULES,
    Calibration,
    Decision,
    Rule,
    calibration,
    clopper_pearson,
    rule,
)

__all__ = ["Rule", "Decision", "Calibration", "calibration", "clopper_pearson", "RULES", "rule", "OUTCOMES"]
