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
    "COLUMN_ALIASES",
    "UNIT_HINTS",
    "DERIVED_ID_PREFIX",
    "ALIAS_LOSS_SPLIT",
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


#: Prefix of a run id derived from the row's content: "row-" + 16 hex digits of SHA-256.
DERIVED_ID_PREFIX: Final[str] = "row-"

# Column names common in the wild -> run field. Names are compared after
# normalising: lower case, a tracker prefix dropped ("metrics.", "summary/",
# "config.", as MLflow and W&B exports write them), a unit hint dropped
# ("params (B)", "tokens_b", "loss_bits", see UNIT_HINTS) and runs of
# spaces, "/", "-" and "." turned into "_" ("eval/loss" -> "eval_loss").
# Where several columns name one field, the first in this order wins (a
# validation loss before a training loss); the others are left out and named.
# fmt: off
COLUMN_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "run_id": ("run_id", "runid", "id", "run", "run_uuid", "wandb_id"),
    "model_id": ("model_id", "model", "model_name", "name", "run_name", "runname", "mlflow_runname", "display_name"),
    "family": ("family", "model_family", "series", "group"),
    "params": ("params", "n", "n_params", "num_params", "nparams", "parameters", "n_parameters", "num_parameters",
               "param_count", "model_params", "model_size", "total_params"),
    "tokens": ("tokens", "d", "tokens_seen", "train_tokens", "training_tokens", "num_tokens", "n_tokens",
               "total_tokens", "tokens_trained", "trainer_tokens_seen", "data_tokens"),
    "unique_tokens": ("unique_tokens", "u", "u_d", "unique_data", "unique_tokens_seen"),
    "epochs": ("epochs", "n_epochs", "num_epochs", "epoch"),
    "compute": ("compute", "c", "flops", "flop", "train_flops", "training_flops", "total_flops", "compute_flops",
                "training_compute"),
    "loss": ("loss", "val_loss", "eval_loss", "validation_loss", "valid_loss", "test_loss", "final_loss",
             "val_bpb", "bpb", "bits_per_byte", "l", "train_loss", "training_loss"),
    "cost_usd": ("cost_usd", "cost", "usd"),
    "tags": ("tags", "tag"),
    "release_date": ("release_date", "date", "released"),
}
# fmt: on

#: the loss split a loss alias implies (kept unless the file has a loss_split column)
ALIAS_LOSS_SPLIT: Final[dict[str, str]] = {
    "val_loss": "val", "eval_loss": "val", "validation_loss": "val", "valid_loss": "val", "val_bpb": "val",
    "test_loss": "test", "train_loss": "train", "training_loss": "train",
}

# Unit hints in a column name -> (field kind, unit of scalewatch.data.validate_runs(units=...)).
# A hint is a trailing "_<hint>" or "(<hint>)": "params_m", "n_params_b", "params (B)", "loss_bits",
# "compute (PF-days)". "bpb" (bits per byte) names the loss itself and means bits.
UNIT_HINTS: Final[dict[str, tuple[str, str]]] = {
    "k": ("count", "thousands"), "thousands": ("count", "thousands"),
    "m": ("count", "millions"), "mil": ("count", "millions"), "mn": ("count", "millions"),
    "millions": ("count", "millions"), "million": ("count", "millions"),
    "b": ("count", "billions"), "bn": ("count", "billions"), "billions": ("count", "billions"),
    "billion": ("count", "billions"), "g": ("count", "billions"),
    "t": ("count", "trillions"), "trillions": ("count", "trillions"), "trillion": ("count", "trillions"),
    "bits": ("loss", "bits"), "bit": ("loss", "bits"), "nats": ("loss", "nats"), "nat": ("loss", "nats"),
    "pf_days": ("compute", "pf_days"), "pfdays": ("compute", "pf_days"), "pf_day": ("compute", "pf_days"),
    "petaflop_days": ("compute", "pf_days"), "pfs_days": ("compute", "pf_days"),
    "flop": ("compute", "flop"), "flops": ("compute", "flop"),
}


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
