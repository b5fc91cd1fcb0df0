"""Run data: the run schema, validation, importers and the run registry.

A scaling study is a :class:`RunSet`: three tables (runs, benchmark scores,
loss curves) with explicit units (raw counts, FLOP, nats per token). Build one
with :func:`validate_runs` from DataFrames, or with an importer.
"""

from __future__ import annotations

from scalewatch.data._schema import (
    CURVE_COLUMNS,
    LOSS_UNITS,
    PARAMS_KINDS,
    REQUIRED_RUN_COLUMNS,
    RUN_COLUMNS,
    SCORE_COLUMNS,
    ColumnSpec,
    RunSet,
)
from scalewatch.data._validate import validate_runs

__all__ = [
    "RunSet",
    "validate_runs",
    "ColumnSpec",
    "RUN_COLUMNS",
    "SCORE_COLUMNS",
    "CURVE_COLUMNS",
    "REQUIRED_RUN_COLUMNS",
    "PARAMS_KINDS",
    "LOSS_UNITS",
]
