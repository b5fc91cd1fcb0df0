"""The run schema: column names, units and dtypes of scalewatch's three run tables.

A scaling study is three tables, kept apart so that each stays rectangular:

``runs``    one row per training run (a model trained on some tokens).
``scores``  one row per (run, benchmark, metric, shots) score.
``curves``  one row per (run, step) point of a loss curve.

Units are explicit and fixed: parameters and tokens are raw counts (not
billions), compute is in FLOP, loss is in nats per token unless ``loss_unit``
says ``"bits"``, cost is in US dollars.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import pandas as pd

__all__ = [
    "RUN_COLUMNS",
    "SCORE_COLUMNS",
    "CURVE_COLUMNS",
    "REQUIRED_RUN_COLUMNS",
    "PARAMS_KINDS",
    "LOSS_UNITS",
    "ColumnSpec",
    "RunSet",
]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a run table: its dtype, unit and meaning."""

    name: str
    dtype: str  # pandas dtype name used on read and in the registry
    unit: str
    doc: str
    required: bool = False


# fmt: off
RUN_COLUMNS: Final[tuple[ColumnSpec, ...]] = (
    ColumnSpec("run_id", "string", "", "unique key of the run within the registry", required=True),
    ColumnSpec("model_id", "string", "", "name of the model (checkpoint) that the run produced", required=True),
    ColumnSpec("family", "string", "", "model family (e.g. Pythia, Llama-2)"),
    ColumnSpec("params", "float64", "count", "parameters N, a raw count (not millions or billions)"),
    ColumnSpec("params_kind", "string", "", "what N counts: 'total', 'non_embedding' or 'unknown'"),
    ColumnSpec("tokens", "float64", "count", "training tokens D seen, a raw count, repeats included"),
    ColumnSpec("unique_tokens", "float64", "count", "unique training tokens U_D"),
    ColumnSpec("epochs", "float64", "", "passes over the unique tokens, D / U_D"),
    ColumnSpec("compute", "float64", "FLOP", "training compute C"),
    ColumnSpec("compute_estimated", "boolean", "", "True when C was filled in as 6 N D (Kaplan et al. 2020)"),
    ColumnSpec("loss", "float64", "nats/token", "final loss (see loss_split and loss_unit)"),
    ColumnSpec("loss_split", "string", "", "which split the loss is on: 'train', 'val' or 'test'"),
    ColumnSpec("loss_unit", "string", "", "'nats' (per token) or 'bits' (per token)"),
    ColumnSpec("release_date", "datetime64[ns]", "", "public release date of the model"),
    ColumnSpec("cost_usd", "float64", "USD", "training cost"),
    ColumnSpec("source", "string", "", "where the run came from: dataset name or file path"),
    ColumnSpec("citation", "string", "", "reference to cite for this run"),
    ColumnSpec("tags", "string", "", "comma-separated free tags"),
    ColumnSpec("config", "string", "", "JSON of the run's full configuration (sweeps store it here)"),
)
SCORE_COLUMNS: Final[tuple[ColumnSpec, ...]] = (
    ColumnSpec("run_id", "string", "", "run the score belongs to", required=True),
    ColumnSpec("benchmark", "string", "", "benchmark name, e.g. 'mmlu'", required=True),
    ColumnSpec("metric", "string", "", "metric name, e.g. 'acc', 'acc_norm', 'exact_match'", required=True),
    ColumnSpec("shots", "Int64", "", "number of in-context examples (empty if unknown)"),
    ColumnSpec("value", "float64", "", "the score", required=True),
)
CURVE_COLUMNS: Final[tuple[ColumnSpec, ...]] = (
    ColumnSpec("run_id", "string", "", "run the curve belongs to", required=True),
    ColumnSpec("step", "Int64", "", "optimizer step", required=True),
    ColumnSpec("tokens", "float64", "count", "tokens seen at that step"),
    ColumnSpec("loss", "float64", "nats/token", "loss at that step (same split and unit as the run)", required=True),
)
# fmt: on

REQUIRED_RUN_COLUMNS: Final[tuple[str, ...]] = tuple(c.name for c in RUN_COLUMNS if c.required)
PARAMS_KINDS: Final[tuple[str, ...]] = ("total", "non_embedding", "unknown")
LOSS_UNITS: Final[tuple[str, ...]] = ("nats", "bits")


def _empty(columns: tuple[ColumnSpec, ...]) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in columns})


@dataclass(frozen=True)
class RunSet:
    """A validated scaling study: runs, their benchmark scores and loss curves.

    Build one with :func:`scalewatch.data.validate_runs` (or an importer),
    which checks every value; the constructor itself does not validate.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per run, columns of :data:`RUN_COLUMNS`.
    scores : pandas.DataFrame
        One row per score, columns of :data:`SCORE_COLUMNS`.
    curves : pandas.DataFrame
        One row per loss-curve point, columns of :data:`CURVE_COLUMNS`.
    """

    runs: pd.DataFrame = field(default_factory=lambda: _empty(RUN_COLUMNS))
    scores: pd.DataFrame = field(default_factory=lambda: _empty(SCORE_COLUMNS))
    curves: pd.DataFrame = field(default_factory=lambda: _empty(CURVE_COLUMNS))

    def __len__(self) -> int:
        return len(self.runs)

    def __repr__(self) -> str:
        return f"RunSet({len(self.runs)} runs, {len(self.scores)} scores, {len(self.curves)} curve points)"
