"""pythia-evals: the 16 Pythia models at every evaluated checkpoint (Biderman et al. 2023).

One run per (model, checkpoint): ``tokens`` is the tokens seen at that step
(step x 2,097,152). Pythia's checkpoints carry no training loss here, so
``loss`` is empty; the lm-eval-harness results are the scores. The mirror's
three CSVs were flattened from upstream's 672 JSON files (mirror-only); the
OPT/BLOOM baseline JSONs are byte-for-byte upstream copies.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scalewatch.data._loaders._pins import PINS
from scalewatch.data._loaders._tables import Col, Parsed, curves_frame, runs_frame, scores_frame, to_json

NAME = "pythia-evals"

MODEL_COLUMNS = (
    Col("model", "string", "", "model name, e.g. 'pythia-70m-deduped'", required=True),
    Col("size", "string", "", "size label, e.g. '70m'", required=True),
    Col("deduped", "boolean", "", "trained on the deduplicated Pile", required=True),
    Col("n_layers", "Int64", "", "transformer layers", required=True),
    Col("d_model", "Int64", "", "model width", required=True),
    Col("n_heads", "Int64", "", "attention heads", required=True),
    Col("padded_vocab", "Int64", "", "vocabulary size after padding", required=True),
    Col("params_total", "Int64", "count", "all parameters, untied input and output embeddings included", required=True),
    Col("params_nonembedding", "Int64", "count", "parameters without the two embedding matrices", required=True),
    Col("tokens_per_step", "Int64", "count", "tokens per optimizer step (1024 x 2048)", required=True),
    Col("final_step", "Int64", "", "last checkpoint step", required=True),
    Col("final_tokens", "Int64", "count", "tokens seen at the last checkpoint", required=True),
)
EVAL_COLUMNS = (
    Col("run_id", "string", "", "run (model at checkpoint)", required=True),
    Col("task", "string", "", "lm-eval-harness task", required=True),
    Col("metric", "string", "", "'acc', 'acc_norm' or 'ppl' (perplexity)", required=True),
    Col("shots", "Int64", "", "in-context examples (from the result's own config)", required=True),
    Col("value", "float64", "", "the result", required=True),
    Col("stderr", "float64", "", "upstream's standard error of the result"),
)
SUMMARY_COLUMNS = (
    Col("run_id", "string", "", "run (model at checkpoint)", required=True),
    Col("shots", "Int64", "", "in-context examples", required=True),
    *(
        Col(
            c,
            "float64",
            "",
            f"{c.removesuffix('_acc').removesuffix('_ppl')} "
            f"{'perplexity' if c.endswith('_ppl') else 'accuracy (fraction)'}",
            required=True,
        )
        for c in (
            "lambada_openai_acc",
            "lambada_openai_ppl",
            "piqa_acc",
            "winogrande_acc",
            "wsc_acc",
            "arc_easy_acc",
            "arc_challenge_acc",
            "sciq_acc",
            "logiqa_acc",
        )
    ),
    Col(
        "mmlu_acc_macro_avg",
        "float64",
        "",
        "unweighted mean accuracy over the 57 hendrycksTest subtasks",
        required=True,
    ),
)
BASELINE_COLUMNS = (
    Col("model", "string", "", "baseline model, e.g. 'opt-1.3b', 'bloom-560m'", required=True),
    Col("task", "string", "", "lm-eval-harness task", required=True),
    Col("metric", "string", "", "'acc', 'acc_norm' or 'ppl'", required=True),
    Col("shots", "Int64", "", "in-context examples", required=True),
    Col("value", "float64", "", "the result", required=True),
    Col("stderr", "float64", "", "upstream's standard error of the result"),
)


def _run_ids(model: pd.Series, step: pd.Series) -> pd.Series:
    return NAME + ":" + model + "@step" + step.astype("int64").astype(str)


def load(get: Callable[..., Path]) -> Parsed:
    models = pd.read_csv(get("pythia_models.csv"))
    models["deduped"] = models["deduped"].astype(bool)
    summary = pd.read_csv(get("pythia_evals_summary.csv"))
    long = pd.read_csv(get("pythia_evals_long.csv"), dtype={"model": "string", "task": "string", "metric": "string"})

    ckpt = summary.drop_duplicates(["model", "step"]).sort_values(["params_total", "deduped", "step"], kind="stable")
    ckpt = ckpt.merge(
        models[["model", "n_layers", "d_model", "n_heads"]], on="model", how="left", validate="many_to_one"
    )
    run_id = _run_ids(ckpt["model"], ckpt["step"])
    configs = [
        to_json(
            {
                "step": int(st),
                "deduped": bool(d),
                "params_nonembedding": int(pn),
                "n_layers": int(nl),
                "d_model": int(dm),
                "n_heads": int(nh),
            }
        )
        for st, d, pn, nl, dm, nh in zip(
            ckpt["step"],
            ckpt["deduped"],
            ckpt["params_nonembedding"],
            ckpt["n_layers"],
            ckpt["d_model"],
            ckpt["n_heads"],
            strict=True,
        )
    ]
    runs = runs_frame(
        {
            "run_id": run_id,
            "model_id": run_id.str.removeprefix(NAME + ":"),
            "family": "Pythia",
            # Total parameters, untied embeddings included: pythia-70m = 70,426,624.
            "params": ckpt["params_total"].astype("float64"),
            "params_kind": "total",
            # Step 0 is the random initialisation: 0 tokens seen, which the run schema cannot hold
            # (D > 0); its tokens stay empty and its step is in `config`.
            "tokens": ckpt["tokens_seen"].astype("float64").where(ckpt["step"] > 0),
            "tags": ["deduped" if d else "" for d in ckpt["deduped"]],
            "config": configs,
        }
    )
    long_ids = _run_ids(long["model"], long["step"])
    scores = scores_frame(
        {
            "run_id": long_ids,
            "benchmark": long["task"],
            "metric": long["metric"],
            "shots": long["num_fewshot"],
            "value": long["value"],
        }
    )
    evals = pd.DataFrame(
        {
            "run_id": long_ids,
            "task": long["task"],
            "metric": long["metric"],
            "shots": long["num_fewshot"],
            "value": long["value"],
            "stderr": long["stderr"],
        }
    )
    summary_table = summary.assign(run_id=_run_ids(summary["model"], summary["step"]), shots=summary["num_fewshot"])
    summary_table = summary_table[[c.name for c in SUMMARY_COLUMNS]]

    rows = []
    for path in sorted(p for p in PINS[NAME] if p.startswith("baselines/")):
        doc = json.loads(get(path).read_text(encoding="utf-8"))
        model = path.removeprefix("baselines/").removesuffix(".json")
        shots = doc["config"]["num_fewshot"]
        for task, result in doc["results"].items():
            for metric, value in result.items():
                if not metric.endswith("_stderr"):
                    rows.append((model, task, metric, shots, value, result.get(metric + "_stderr")))
    baselines = pd.DataFrame(rows, columns=[c.name for c in BASELINE_COLUMNS])
    return Parsed(
        runs=runs,
        scores=scores,
        curves=curves_frame(),
        tables={
            "models": models[[c.name for c in MODEL_COLUMNS]],
            "evals": evals,
            "summary": summary_table,
            "baselines": baselines,
        },
        columns={
            "models": MODEL_COLUMNS,
            "evals": EVAL_COLUMNS,
            "summary": SUMMARY_COLUMNS,
            "baselines": BASELINE_COLUMNS,
        },
        notes=(
            "one run per (model, checkpoint); no training loss is published with these evaluations",
            "step-0 checkpoints (random initialisation, 0 tokens seen) have empty tokens: the run schema needs D > 0",
            "table 'evals' repeats the scores with upstream's standard errors",
        ),
    )
