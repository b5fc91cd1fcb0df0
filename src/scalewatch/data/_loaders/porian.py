"""porian-compute-optimal-isoflops: isoFLOP points of Porian et al. (2024).

Upstream ships xz-compressed pandas pickles, which scalewatch never unpickles;
the mirror's CSVs were flattened from them with a restricted unpickler
(mirror-only). Each isoFLOP point is a run. The same training runs appear under
several N conventions (``param_count``) and loss splits, so runs of different
configurations are not independent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scalewatch.data._loaders._tables import Col, Parsed, curves_frame, runs_frame, scores_frame, to_json
from scalewatch.errors import DataValidationError

NAME = "porian-compute-optimal-isoflops"
_CONFIG = ("dataset", "hparams", "warmup", "decay", "param_count", "loss_type")
# What N counts under each upstream `param_count`: `kaplan` is non-embedding parameters;
# `standard` adds the output layer but not the input embedding, and `attention` is an
# effective size (standard + seq_len*width*depth): neither is a total count.
_PARAMS_KIND = {"kaplan": "non_embedding", "standard": "unknown", "attention": "unknown"}

OPTIMAL_COLUMNS = (
    *(Col(c, "string", "", f"configuration: {c}", required=True) for c in _CONFIG),
    Col("config_id", "string", "", "configuration key, as in the runs' tags", required=True),
    Col("upstream_label", "string", "", "upstream legend label (empty for some configurations)"),
    Col("flops", "float64", "FLOP", "compute budget", required=True),
    Col(
        "n_star",
        "float64",
        "count",
        "compute-optimal N under the configuration's param_count "
        "(empty where upstream has no estimate: 4 smallest budgets)",
    ),
    Col("t_star", "float64", "count", "compute-optimal training tokens"),
    Col("multiplier_star", "float64", "", "t_star / n_star (tokens per parameter)"),
    Col("loss_star", "float64", "nats/token", "loss at the optimum"),
    Col("n_star_std", "float64", "", "upstream bootstrap std of log n_star"),
    Col("t_star_std", "float64", "", "upstream bootstrap std of log t_star"),
    Col("loss_star_std", "float64", "", "upstream bootstrap std of log loss_star"),
)


def _config_id(df: pd.DataFrame) -> pd.Series:
    return df[list(_CONFIG)].astype(str).agg("-".join, axis=1)


def load(get: Callable[..., Path]) -> Parsed:
    pts = pd.read_csv(
        get("isoflop_points.csv"), dtype={c: "string" for c in (*_CONFIG, "upstream_label", "source_file")}
    )
    cfg = _config_id(pts)
    run_id = NAME + ":" + cfg + "/C=" + pts["flops"].map("{:.4g}".format) + "/N=" + pts["params"].map("{:.10g}".format)
    if run_id.duplicated().any():
        raise DataValidationError(f"dataset {NAME!r}: duplicate isoFLOP point {run_id[run_id.duplicated()].iloc[0]!r}")
    unknown = set(pts["param_count"]) - set(_PARAMS_KIND)
    if unknown:
        raise DataValidationError(f"dataset {NAME!r}: unknown param_count {sorted(unknown)}")
    configs = [
        to_json(
            {
                **{c: row[c] for c in _CONFIG},
                "upstream_label": row["upstream_label"],
                "source_file": row["source_file"],
                "config_row": int(row["config_row"]),
            }
        )
        for row in pts.to_dict("records")
    ]
    runs = runs_frame(
        {
            "run_id": run_id,
            "model_id": run_id.str.removeprefix(NAME + ":"),
            "params": pts["params"],
            "params_kind": pts["param_count"].map(_PARAMS_KIND),
            "tokens": pts["tokens"],
            # The budget is the design variable; tokens were set so that flops = 6 N D exactly.
            "compute": pts["flops"],
            "compute_estimated": False,
            "loss": pts["loss"],
            "loss_split": pts["loss_type"],
            "loss_unit": "nats",
            "tags": pts[list(_CONFIG)].astype(str).agg(",".join, axis=1),
            "config": configs,
        }
    )
    opt = pd.read_csv(get("isoflop_optimal_pairs.csv"), dtype={c: "string" for c in (*_CONFIG, "upstream_label")})
    opt["config_id"] = _config_id(opt)
    return Parsed(
        runs=runs,
        scores=scores_frame(),
        curves=curves_frame(),
        tables={"optimal_pairs": opt[[c.name for c in OPTIMAL_COLUMNS]]},
        columns={"optimal_pairs": OPTIMAL_COLUMNS},
        notes=(
            "params follow each configuration's param_count: 'kaplan' = non-embedding (params_kind "
            "'non_embedding'); 'standard' (output layer included, input embedding not) and 'attention' "
            "(effective size with an attention term) are neither total nor non-embedding (params_kind 'unknown')",
            "the same training runs appear under several param_count / loss_type configurations",
            "loss_split follows upstream's choice per configuration (train or val)",
        ),
    )
