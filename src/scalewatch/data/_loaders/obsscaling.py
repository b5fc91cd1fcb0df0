"""obsscaling: 148 base models of Ruan, Maddison & Hashimoto (2024), with benchmark scores.

All seven upstream ``eval_results/*.csv`` files are byte-for-byte copies. Runs are
the base models of ``base_llm_benchmark_eval.csv``; their scores come from that
file, ``base_llm_emergent_capability_eval.csv`` and ``base_llm_leaderboard_v2_eval.csv``.
The post-training and instruction-tuned files become tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scalewatch.data._loaders._tables import Col, Parsed, curves_frame, runs_frame, scores_frame
from scalewatch.errors import DataValidationError

NAME = "obsscaling"
_MAIN_BENCHMARKS = ("MMLU", "ARC-C", "HellaSwag", "Winograd", "TruthfulQA", "GSM8K", "XWinograd", "HumanEval")
_TASK = re.compile(r"^(?P<task>.+)_(?P<shots>\d+)_(?P<metric>acc|exact_match|bleu)$")
_POST = re.compile(r"^(?P<task>.+)_(?P<shots>\d+)_(?P<metric>exact_match),(?P<filter>[^,]+)(?P<norm>,norm)?$")

POST_TRAINING_COLUMNS = (
    Col("run_id", "string", "", "run (base model) the score belongs to", required=True),
    Col(
        "task",
        "string",
        "",
        "lm-eval-harness task, e.g. 'gsm8k_cot' or 'bbh_fewshot_boolean_expressions'",
        required=True,
    ),
    Col("shots", "Int64", "", "in-context examples", required=True),
    Col("metric", "string", "", "metric ('exact_match')", required=True),
    Col("filter", "string", "", "answer-extraction filter, e.g. 'strict-match', 'maj@5'", required=True),
    Col(
        "normalized",
        "boolean",
        "",
        "True for upstream's ',norm' columns (normalised scores; may be negative; "
        "see upstream base_llm_post_training.ipynb)",
        required=True,
    ),
    Col("value", "float64", "", "score as upstream; -1 and negative normalised values occur", required=True),
)
INSTRUCT_MODEL_COLUMNS = (
    Col("model", "string", "", "instruction-tuned model (API name or Hugging Face id)", required=True),
    Col("family", "string", "", "model family label", required=True),
    Col("params", "float64", "count", "parameters (nominal total; empty for API models)"),
    Col("tokens", "float64", "count", "pretraining tokens"),
    Col("compute", "float64", "FLOP", "pretraining compute (upstream's 6 N D)"),
)
INSTRUCT_SCORE_COLUMNS = (
    Col("model", "string", "", "instruction-tuned model, joins instruct_models", required=True),
    Col(
        "benchmark",
        "string",
        "",
        "upstream column name, e.g. 'Arena-Elo', 'MMLU', 'ABench-OA', 'ABoard-Avg_PR'",
        required=True,
    ),
    Col(
        "value",
        "float64",
        "",
        "score as upstream: Arena-Elo and MTBench rescaled to [0, 1] upstream, the other "
        "instruct benchmarks fractions; AgentBench/AgentBoard scores on upstream's 0-100 scales",
        required=True,
    ),
    Col("source_file", "string", "", "upstream file of the score", required=True),
)


def _long(wide: pd.DataFrame, id_col: str) -> pd.DataFrame:
    out = wide.melt(id_vars=[id_col], var_name="column", value_name="value")
    return out[out["value"].notna()].reset_index(drop=True)


def load(get: Callable[..., Path]) -> Parsed:
    base = pd.read_csv(get("base_llm_benchmark_eval.csv"))
    sub10 = set(pd.read_csv(get("base_llm_benchmark_eval_sub_10b.csv"))["Model"])
    run_id = NAME + ":" + base["Model"]
    ids = dict(zip(base["Model"], run_id, strict=True))
    runs = runs_frame(
        {
            "run_id": run_id,
            "model_id": base["Model"],
            "family": base["Model Family"],
            # Nominal sizes as the model cards state them (7.0 for Llama-2-7B), total parameters.
            "params": base["Model Size (B)"] * 1e9,
            "params_kind": "total",
            "tokens": base["Pretraining Data Size (T)"] * 1e12,
            "compute": base["FLOPs (1E21)"] * 1e21,
            # Upstream's FLOPs column is 6 N D (within 5 %) wherever it is filled.
            "compute_estimated": base["FLOPs (1E21)"].notna().map({True: True, False: pd.NA}),
            "tags": ["sub_10b" if m in sub10 else "" for m in base["Model"]],
        }
    )

    parts = []
    main = _long(base[["Model", *_MAIN_BENCHMARKS]], "Model")
    parts.append(
        pd.DataFrame(
            {
                "model": main["Model"],
                "benchmark": main["column"],
                "metric": "accuracy",
                "shots": pd.NA,
                "value": main["value"],
            }
        )
    )
    emergent = _long(pd.read_csv(get("base_llm_emergent_capability_eval.csv")), "Model")
    fields = emergent["column"].str.extract(_TASK)
    if fields["task"].isna().any():
        raise DataValidationError(
            f"dataset {NAME!r}: unexpected emergent-task column {emergent['column'][fields['task'].isna()].iloc[0]!r}"
        )
    parts.append(
        pd.DataFrame(
            {
                "model": emergent["Model"],
                "benchmark": fields["task"],
                "metric": fields["metric"],
                "shots": fields["shots"].astype("int64"),
                "value": emergent["value"],
            }
        )
    )
    v2 = _long(pd.read_csv(get("base_llm_leaderboard_v2_eval.csv")), "Model")
    parts.append(
        pd.DataFrame(
            {"model": v2["Model"], "benchmark": v2["column"], "metric": "score", "shots": pd.NA, "value": v2["value"]}
        )
    )
    s = pd.concat(parts, ignore_index=True)
    unknown = set(s["model"]) - set(ids)
    if unknown:
        raise DataValidationError(f"dataset {NAME!r}: scores for models not in the base table: {sorted(unknown)[:3]}")
    scores = scores_frame(
        {
            "run_id": s["model"].map(ids),
            "benchmark": s["benchmark"],
            "metric": s["metric"],
            "shots": s["shots"],
            "value": s["value"],
        }
    )

    post = _long(pd.read_csv(get("base_llm_post_training_eval.csv")), "Model")
    pf = post["column"].str.extract(_POST)
    if pf["task"].isna().any():
        raise DataValidationError(
            f"dataset {NAME!r}: unexpected post-training column {post['column'][pf['task'].isna()].iloc[0]!r}"
        )
    post_training = pd.DataFrame(
        {
            "run_id": post["Model"].map(ids),
            "task": pf["task"],
            "shots": pf["shots"],
            "metric": pf["metric"],
            "filter": pf["filter"],
            "normalized": pf["norm"].notna(),
            "value": post["value"],
        }
    )

    inst = pd.read_csv(get("instruct_llm_benchmark_eval.csv"))
    instruct_models = pd.DataFrame(
        {
            "model": inst["Model"],
            "family": inst["Model Family"],
            "params": inst["Model Size (B)"] * 1e9,
            "tokens": inst["Pretraining Data Size (T)"] * 1e12,
            "compute": inst["FLOPs (1E21)"] * 1e21,
        }
    )
    bench = _long(
        inst.drop(columns=["Model Family", "Model Size (B)", "Pretraining Data Size (T)", "FLOPs (1E21)"]), "Model"
    )
    agent = _long(pd.read_csv(get("instruct_llm_agent_eval.csv")), "Model")
    instruct_scores = pd.concat(
        [
            pd.DataFrame(
                {
                    "model": bench["Model"],
                    "benchmark": bench["column"],
                    "value": bench["value"],
                    "source_file": "instruct_llm_benchmark_eval.csv",
                }
            ),
            pd.DataFrame(
                {
                    "model": agent["Model"],
                    "benchmark": agent["column"],
                    "value": agent["value"],
                    "source_file": "instruct_llm_agent_eval.csv",
                }
            ),
        ],
        ignore_index=True,
    )
    return Parsed(
        runs=runs,
        scores=scores,
        curves=curves_frame(),
        tables={"post_training": post_training, "instruct_models": instruct_models, "instruct_scores": instruct_scores},
        columns={
            "post_training": POST_TRAINING_COLUMNS,
            "instruct_models": INSTRUCT_MODEL_COLUMNS,
            "instruct_scores": INSTRUCT_SCORE_COLUMNS,
        },
        notes=(
            "params are nominal model-card sizes (e.g. 7e9 for Llama-2-7B), total parameters",
            f"tokens and compute are missing for {int(base['FLOPs (1E21)'].isna().sum())} models; "
            "compute is upstream's 6 N D",
            f"{len(sub10)} models of the upstream sub-10B table are tagged 'sub_10b'",
            "ipa_transliterate scores with metric 'bleu' are BLEU on 0-100; other scores are fractions",
        ),
    )
