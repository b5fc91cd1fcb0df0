"""Run data: the run schema, validation, importers and the run registry.

A scaling study is a :class:`RunSet`: three tables (runs, benchmark scores,
loss curves) with explicit units (raw counts, FLOP, nats per token). Build one
with :func:`validate_runs` from DataFrames, or with an importer
(:func:`read_runs`, :func:`from_dataframe`, :func:`from_mlflow`); keep runs
and dataset tables in a :class:`Registry` (an embedded DuckDB file).
"""

from __future__ import annotations

from scalewatch.data._importers import (
    FORMATS,
    derive_run_ids,
    from_dataframe,
    from_mlflow,
    is_mlflow_uri,
    read_runs,
    suggest_field,
    write_runs,
)
from scalewatch.data._registry import ENV_DB, RUN_FILTERS, ImportSummary, Registry, default_registry_path
from scalewatch.data._schema import (
    COLUMN_ALIASES,
    CURVE_COLUMNS,
    LOSS_UNITS,
    PARAMS_KINDS,
    REQUIRED_RUN_COLUMNS,
    RUN_COLUMNS,
    SCORE_COLUMNS,
    ColumnSpec,
    RunSet,
)
from scalewatch.data._validate import COMPUTE_UNITS, COUNT_UNITS, LOSS_SPLITS, UNIT_KEYS, validate_runs

__all__ = [
    # schema
    "RunSet",
    "ColumnSpec",
    "COLUMN_ALIASES",
    "RUN_COLUMNS",
    "SCORE_COLUMNS",
    "CURVE_COLUMNS",
    "REQUIRED_RUN_COLUMNS",
    "PARAMS_KINDS",
    "LOSS_UNITS",
    "LOSS_SPLITS",
    "UNIT_KEYS",
    "COUNT_UNITS",
    "COMPUTE_UNITS",
    # validation and import
    "validate_runs",
    "read_runs",
    "from_dataframe",
    "from_mlflow",
    "is_mlflow_uri",
    "write_runs",
    "derive_run_ids",
    "suggest_field",
    "FORMATS",
    # registry
    "Registry",
    "ImportSummary",
    "default_registry_path",
    "ENV_DB",
    "RUN_FILTERS",
]
