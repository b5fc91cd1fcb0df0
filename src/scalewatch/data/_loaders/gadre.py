"""gadre-overtraining-scaling: 104 open_lm models of Gadre et al. (2024).

Read from the upstream files themselves (``exp_data/models/*.json``,
``exp_data/evals/*_heavy.json``, ``exp_data/eval_metadata.csv``, ``exp_data/grid.json``),
which the mirror keeps byte for byte under ``raw/exp_data/``; the mirror's
flattened CSVs are not needed (the tests check that both agree).

Main loss of a run: the C4 validation loss (``c4_val``), as in the paper's fits;
the other seven evaluation losses are in the table ``losses``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scalewatch.data._loaders._pins import PINS
from scalewatch.data._loaders._tables import Col, Parsed, curves_frame, runs_frame, scores_frame, to_json
from scalewatch.errors import DataValidationError

NAME = "gadre-overtraining-scaling"
MAIN_LOSS = "c4_val"

# Folder of each evaluation set under `training/eval_data/` -> name used here (and in the
# mirror's gadre_runs.csv as `loss_<name>`).
_VAL_SETS = {
    "val_tok_mult/openlm": "openlm_val",
    "c4_val": "c4_val",
    "val_tok_mult/paloma_c4_en": "paloma_c4_en",
    "val_tok_mult/paloma_dolma_100_programing_languages": "paloma_dolma_100_programing_languages",
    "val_tok_mult/paloma_falcon-refinedweb": "paloma_falcon_refinedweb",
    "val_tok_mult/paloma_ptb": "paloma_ptb",
    "val_tok_mult/paloma_redpajama": "paloma_redpajama",
    "val_tok_mult/de-en": "de_en_100",
}

LOSS_COLUMNS = (
    Col("run_id", "string", "", "run the loss belongs to", required=True),
    Col("val_set", "string", "", f"evaluation set, one of {sorted(set(_VAL_SETS.values()))}", required=True),
    Col("loss", "float64", "nats/token", "final-checkpoint loss on that set", required=True),
    Col("loss_tokens_lower_95", "float64", "nats/token", "lower end of upstream's 95% interval over tokens"),
    Col("loss_tokens_upper_95", "float64", "nats/token", "upper end of upstream's 95% interval over tokens"),
    Col("loss_sequences_lower_95", "float64", "nats/token", "lower end of upstream's 95% interval over sequences"),
    Col("loss_sequences_upper_95", "float64", "nats/token", "upper end of upstream's 95% interval over sequences"),
    Col("eval_tokens", "Int64", "count", "tokens evaluated", required=True),
)
TASK_COLUMNS = (
    Col("task", "string", "", "task name, as in the scores' `benchmark`", required=True),
    Col("category", "string", "", "task category (world knowledge, ...)", required=True),
    Col("task_type", "string", "", "multiple choice, language modeling, ...", required=True),
    Col("shots", "Int64", "", "in-context examples", required=True),
    Col("n_datapoints", "Int64", "count", "examples in the task", required=True),
    Col("random_baseline", "float64", "percent", "accuracy of random guessing, in percent (0-100)", required=True),
    Col("description", "string", "", "upstream description"),
)
GRID_COLUMNS = (
    Col(
        "key",
        "string",
        "",
        "upstream hyperparameter-search key (shape-batch-lr-wd-?-tokens-warmup-cooldown; "
        "fields not documented upstream)",
        required=True,
    ),
    Col("loss", "float64", "nats/token", "final loss of that search run", required=True),
)


def _val_set(paths: list[str]) -> str:
    folder = paths[0].removeprefix("training/eval_data/").rsplit("/", 1)[0]
    try:
        return _VAL_SETS[folder]
    except KeyError:
        raise DataValidationError(f"dataset {NAME!r}: unknown evaluation set {paths[0]!r}") from None


def load(get: Callable[..., Path]) -> Parsed:
    model_files = sorted(p for p in PINS[NAME] if p.startswith("raw/exp_data/models/"))
    run_rows, loss_rows = [], []
    for path in model_files:
        doc = json.loads(get(path).read_text(encoding="utf-8"))
        hp = doc["hyperparameters"]
        name = doc["name"]
        run_id = f"{NAME}:{name}"
        losses = {}
        for res in doc["results"]:
            val_set = _val_set(res["val_data"])
            losses[val_set] = res["loss"]
            loss_rows.append(
                {
                    "run_id": run_id,
                    "val_set": val_set,
                    "loss": res["loss"],
                    "loss_tokens_lower_95": res.get("loss_tokens_lower_95"),
                    "loss_tokens_upper_95": res.get("loss_tokens_upper_95"),
                    "loss_sequences_lower_95": res.get("loss_sequences_lower_95"),
                    "loss_sequences_upper_95": res.get("loss_sequences_upper_95"),
                    "eval_tokens": res["tokens"],
                }
            )
        config = {k: v for k, v in hp.items() if k not in ("fsdp_flags", "params", "tokens", "model")}
        config["model_config"] = hp["model"].rsplit("/", 1)[-1].removesuffix(".json")
        config["train_dataset"] = doc["dataset_name"]
        run_rows.append(
            {
                "run_id": run_id,
                "model_id": name,
                "params": float(hp["params"]),
                "tokens": float(hp["tokens"]),
                "loss": losses[MAIN_LOSS],
                "tags": doc["dataset_name"],
                "config": to_json(config),
            }
        )
    raw = pd.DataFrame(run_rows)
    runs = runs_frame(
        {
            "run_id": raw["run_id"],
            "model_id": raw["model_id"],
            "family": "open_lm",
            # `params` counts embeddings too; `params_no_embed` is in `config`.
            "params": raw["params"],
            "params_kind": "total",
            "tokens": raw["tokens"],
            # Upstream gives no FLOP count; 6 N D (Kaplan et al. 2020) as in the paper.
            "compute": 6.0 * raw["params"] * raw["tokens"],
            "compute_estimated": True,
            "loss": raw["loss"],
            "loss_split": "val",
            "loss_unit": "nats",
            "tags": raw["tags"],
            "config": raw["config"],
        }
    )

    meta = pd.read_csv(get("raw/exp_data/eval_metadata.csv"))
    tasks = pd.DataFrame(
        {
            "task": meta["Eval Task"],
            "category": meta["Task Category"],
            "task_type": meta["Task Type"],
            "shots": meta["#shots"],
            "n_datapoints": meta["#datapoints"],
            "random_baseline": meta["Random baseline"].astype("float64"),
            "description": meta["Description"],
        }
    )
    shots = dict(zip(tasks["task"], tasks["shots"], strict=True))
    score_rows = []
    for path in sorted(p for p in PINS[NAME] if p.startswith("raw/exp_data/evals/")):
        name = path.rsplit("/", 1)[-1].removeprefix("evaluation_").removesuffix("_heavy.json")
        doc = json.loads(get(path).read_text(encoding="utf-8"))
        for task, value in doc["eval_metrics"]["icl"].items():
            score_rows.append((f"{NAME}:{name}", task, shots.get(task), value))
    s = pd.DataFrame(score_rows, columns=["run_id", "benchmark", "shots", "value"])
    scores = scores_frame(
        {
            "run_id": s["run_id"],
            "benchmark": s["benchmark"],
            "metric": "accuracy",
            "shots": s["shots"],
            "value": s["value"],
        }
    )

    grid = json.loads(get("raw/exp_data/grid.json").read_text(encoding="utf-8"))
    return Parsed(
        runs=runs,
        scores=scores,
        curves=curves_frame(),
        tables={
            "losses": pd.DataFrame(loss_rows),
            "tasks": tasks,
            "grid": pd.DataFrame({"key": list(grid), "loss": list(grid.values())}),
        },
        columns={"losses": LOSS_COLUMNS, "tasks": TASK_COLUMNS, "grid": GRID_COLUMNS},
        notes=(
            f"loss is the C4 validation loss ({MAIN_LOSS}); the other evaluation losses are in table 'losses'",
            "compute is 6 N D (N total parameters); upstream reports no FLOP count",
        ),
    )
