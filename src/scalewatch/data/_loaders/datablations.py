"""datablations-runs: final validation losses of Muennighoff et al. (2023).

Both tables are derived in code from the dict literals of the upstream
notebook ``utils/parametric_fit.ipynb`` (:mod:`._derive`): ``datablations_runs.csv``
(every run, from its first cell) and ``notebook_stage2_runs.csv`` (the 182 runs of
the authors' stage-2 fit, cell 25). Runs whose loss the notebook records as 0
had not finished: they are kept out of ``runs`` and listed in the table
``unfinished``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scalewatch.data._loaders._tables import Col, Parsed, curves_frame, runs_frame, scores_frame, to_json

NAME = "datablations-runs"

UNFINISHED_COLUMNS = (
    Col("run_name", "string", "", "run key as written in the notebook", required=True),
    Col("params", "float64", "count", "parameters N (notebook's PARAMS_MAP)", required=True),
    Col("tokens", "float64", "count", "planned training tokens D", required=True),
    Col("unique_tokens", "float64", "count", "unique tokens U_D", required=True),
    Col("epochs", "float64", "", "tokens / unique_tokens", required=True),
)


STAGE2_COLUMNS = (
    Col("run_name", "string", "", "run key as written in the notebook's cell 25", required=True),
    Col("params", "float64", "count", "parameters N (the cell's PARAMS_MAP)", required=True),
    Col("tokens", "float64", "count", "training tokens D", required=True),
    Col("unique_tokens", "float64", "count", "unique tokens U_D", required=True),
    Col("epochs", "float64", "", "D / U_D", required=True),
    Col("loss", "float64", "nats", "final validation loss", required=True),
)


def load(get: Callable[..., Path]) -> Parsed:
    raw = pd.read_csv(get("datablations_runs.csv"), dtype={"run_name": "string", "note": "string"})
    done = raw[raw["val_loss"].notna()].reset_index(drop=True)
    unfinished = raw[raw["val_loss"].isna()].reset_index(drop=True)
    tags = [
        ",".join(t for t, on in (("deduplicated", d == 1), ("used_in_notebook_fit", u == 1)) if on)
        for d, u in zip(done["deduplicated_data"], done["used_in_notebook_fit"], strict=True)
    ]
    configs = [
        to_json(
            {
                "seed": None if pd.isna(s) else int(s),
                "note": note,
                "deduplicated_data": int(d),
                "used_in_notebook_fit": int(u),
            }
        )
        for s, note, d, u in zip(
            done["seed"], done["note"], done["deduplicated_data"], done["used_in_notebook_fit"], strict=True
        )
    ]
    runs = runs_frame(
        {
            "run_id": NAME + ":" + done["run_name"],
            "model_id": done["run_name"],
            # PARAMS_MAP counts all parameters, embeddings included (the 7.1M model is mostly
            # its 50k x 128 embedding). `4b284b12bc4opt2` keeps the notebook's 4.2465e9 although
            # its note says 3.09e9 (see the `config` column).
            "params": done["params"],
            "params_kind": "total",
            "tokens": done["tokens"],
            "unique_tokens": done["unique_tokens"],
            "epochs": done["epochs"],
            "loss": done["val_loss"],
            "loss_split": "val",
            "loss_unit": "nats",
            "tags": tags,
            "config": configs,
        }
    )
    return Parsed(
        runs=runs,
        scores=scores_frame(),
        curves=curves_frame(),
        tables={
            "unfinished": unfinished[[c.name for c in UNFINISHED_COLUMNS]],
            "notebook_stage2": pd.read_csv(get("notebook_stage2_runs.csv"), dtype={"run_name": "string"}),
        },
        columns={"unfinished": UNFINISHED_COLUMNS, "notebook_stage2": STAGE2_COLUMNS},
        notes=(
            f"{len(unfinished)} runs had not finished (loss recorded as 0 upstream): kept out of runs, "
            "see table 'unfinished'",
            f"{int((done['deduplicated_data'] == 1).sum())} runs on deduplicated data are tagged 'deduplicated' "
            "(the upstream fit leaves them out; use tag 'used_in_notebook_fit' to reproduce it)",
        ),
    )
