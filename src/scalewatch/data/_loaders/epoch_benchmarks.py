"""epoch-benchmark-stitching: model versions and benchmark scores behind Epoch AI's
"A Rosetta Stone for AI Benchmarks" (benchmark stitching).

All 41 files are byte-for-byte upstream copies. Runs are the 574 model versions
(with release dates). Scores follow upstream's ``data_loader.py``: for each
external benchmark one main column, converted to a fraction, and the maximum
over repeated reports of the same (model version, benchmark); Epoch's own runs
use ``Best score (across scorers)``. BoolQ (a SuperGLUE subtask) and MCBench (an
arena win rate), which upstream leaves out, are only in the table ``external``.
METR's 50 % time horizon is kept as metric ``time_horizon_minutes``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scalewatch.data._loaders._tables import Col, Parsed, curves_frame, parse_percent, runs_frame, scores_frame

NAME = "epoch-benchmark-stitching"

# file stem -> (benchmark name as upstream, main column, how to read it, in upstream's stitching set)
# how: "%" = strings such as '77.0%'; "/100" = numbers on 0-100; "/10" = numbers on 0-10; "minutes" = as is.
_EXTERNAL = {
    "aider_polyglot": ("Aider polyglot", "Percent correct", "/100", True),
    "anli": ("ANLI", "Score", "%", True),
    "arc_agi": ("ARC-AGI", "Score", "%", True),
    "arc_ai2": ("ARC AI2", "Challenge score", "%", True),
    "balrog": ("Balrog", "Average progress", "%", True),
    "bbh": ("BBH", "Average", "%", True),
    "boolq": ("BoolQ", "Score", "%", False),
    "cadeval": ("CadEval", "Overall pass (%)", "%", True),
    "csqa2": ("CSQA2", "Score", "%", True),
    "cybench": ("Cybench", "Unguided % Solved", "%", True),
    "deepresearch": ("DeepResearch Bench", "Average score", "%", True),
    "factorio_learning_environment": ("Factorio learning environment", "Lab Success %", "%", True),
    "fictionlivebench": ("Fiction.LiveBench", "16k token score", "%", True),
    "geobench": ("GeoBench", "ACW Country %", "%", True),
    "gsm8k": ("GSM8K", "EM", "%", True),
    "gso_bench": ("GSO-Bench", "Score OPT@1", "%", True),
    "hellaswag": ("HellaSwag", "Overall accuracy", "%", True),
    "lambada": ("LAMBADA", "Score", "%", True),
    "lech_mazur_writing": ("Lech Mazur Writing", "Mean score", "/10", True),
    "livebench": ("LiveBench", "Global average", "/100", True),
    "mcbench": ("MCBench", "Win rate", "%", False),
    "metr": ("METR", "Time horizon", "minutes", True),
    "mmlu": ("MMLU", "EM", "%", True),
    "openbookqa": ("OpenBookQA", "Accuracy", "%", True),
    "os_world": ("OSWorld", "Score", "/100", True),
    "osuniverse": ("OSUniverse", "Weighted Score", "%", True),
    "piqa": ("PIQA", "Score", "%", True),
    "scienceqa": ("ScienceQA", "Score", "%", True),
    "simple_bench": ("SimpleBench", "Score (AVG@5)", "%", True),
    "superglue": ("SuperGLUE", "Score", "%", True),
    "terminal_bench": ("Terminal Bench", "Accuracy mean", "%", True),
    "the_agent_company": ("The Agent Company", "% Resolved", "%", True),
    "triviaqa": ("TriviaQA", "EM", "%", True),
    "videomme": ("VideoMME", "Overall (no subtitles)", "%", True),
    "vpct": ("VPCT", "Correct", "%", True),
    "weirdml": ("WeirdML", "Accuracy", "%", True),
    "winogrande": ("Winogrande", "Accuracy", "%", True),
}

VERSION_COLUMNS = (
    Col("run_id", "string", "", "run of this model version", required=True),
    Col("version", "string", "", "model version id (upstream `id`)", required=True),
    Col("model", "string", "", "model name, as in Epoch's AI-models database"),
    Col("release_date", "datetime64[ns]", "", "version release date"),
    Col("hugging_face_developer_id", "string", "", "Hugging Face organisation"),
    Col("display_name", "string", "", "display name"),
    Col("link", "string", "", "link to the release"),
    Col("notes", "string", "", "upstream notes"),
)
EXTERNAL_COLUMNS = (
    Col("benchmark", "string", "", "benchmark name as in upstream's data_loader.py", required=True),
    Col("column", "string", "", "the file's main score column that `value` comes from", required=True),
    Col("record_id", "string", "", "upstream record id (Airtable 'rec...'), where the file has one"),
    Col("model_version", "string", "", "model version the score is for (joins model_versions.version)"),
    Col("name", "string", "", "system name as reported (may include the agent or scaffold)"),
    Col("value", "float64", "", "the score: a fraction, or minutes where unit is 'minutes'"),
    Col("unit", "string", "", "'fraction' or 'minutes' (METR time horizon)", required=True),
    Col("shots", "string", "", "in-context examples as written upstream ('5', '25-shot', ...)"),
    Col("source", "string", "", "who reported the score"),
    Col("source_link", "string", "", "where it was reported"),
    Col("in_upstream_fit", "boolean", "", "whether upstream's data_loader.py uses this benchmark", required=True),
)
EPOCH_RUN_COLUMNS = (
    Col("record_id", "string", "", "Epoch evaluation id", required=True),
    Col("benchmark", "string", "", "task, e.g. 'GPQA diamond'", required=True),
    Col("model_version", "string", "", "model version (joins model_versions.version)", required=True),
    Col("best_score", "float64", "", "best score across scorers (fraction)", required=True),
    Col("scores", "string", "", "per-scorer 'scorer:mean±stderr'"),
    Col("task_version", "string", "", "task version"),
    Col("started_at", "string", "", "start time as written upstream"),
    Col("status", "string", "", "evaluation status", required=True),
)
BENCHMARK_COLUMNS = (
    Col("benchmark", "string", "", "benchmark name", required=True),
    Col("optimized_for", "boolean", "", "whether labs optimise for it (upstream's judgement)", required=True),
    Col("is_coding", "boolean", "", "coding benchmark", required=True),
    Col("is_math", "boolean", "", "maths benchmark", required=True),
    Col("release_date", "datetime64[ns]", "", "benchmark release date", required=True),
    Col("source", "string", "", "reference for the release date"),
)
DISTILLED_COLUMNS = (
    Col("model", "string", "", "model version", required=True),
    Col("distilled", "boolean", "", "judged to be distilled from a larger model", required=True),
    Col("confidence", "string", "", "low, medium or high", required=True),
    Col("notes", "string", "", "reasoning"),
)


def _first(df: pd.DataFrame, *names: str) -> pd.Series:
    for name in names:
        if name in df.columns:
            return df[name]
    return pd.Series(pd.NA, index=df.index, dtype="string")


def _main_value(series: pd.Series, how: str) -> pd.Series:
    if how == "%":
        return parse_percent(series)
    value = pd.to_numeric(series, errors="raise").astype("float64")
    return {"/100": value / 100.0, "/10": value / 10.0, "minutes": value}[how]


def load(get: Callable[..., Path]) -> Parsed:
    mv = pd.read_csv(get("model_versions.csv"), encoding="utf-8-sig")
    versions = pd.DataFrame(
        {
            "run_id": NAME + ":" + mv["id"],
            "version": mv["id"],
            "model": mv["Model"],
            "release_date": pd.to_datetime(mv["Version release date"], format="%Y-%m-%d"),
            "hugging_face_developer_id": mv["Hugging Face developer id"],
            "display_name": mv["Display name"],
            "link": mv["Link"],
            "notes": mv["Notes"],
        }
    )
    runs = runs_frame(
        {
            "run_id": versions["run_id"],
            "model_id": versions["version"],
            "family": versions["model"],
            "release_date": versions["release_date"],
        }
    )

    br = pd.read_csv(get("benchmarks_runs.csv"), encoding="utf-8-sig")
    epoch_runs = pd.DataFrame(
        {
            "record_id": br["id"],
            "benchmark": br["task"],
            "model_version": br["model"],
            "best_score": br["Best score (across scorers)"],
            "scores": br["Scores"],
            "task_version": br["task version"],
            "started_at": br["started_at"],
            "status": br["Status"],
        }
    )
    parts = []
    for stem, (benchmark, column, how, used) in _EXTERNAL.items():
        df = pd.read_csv(
            get(f"external_benchmark_{stem}.csv"),
            encoding="utf-8-sig",
            dtype={column: "string"} if how == "%" else None,
        )
        parts.append(
            pd.DataFrame(
                {
                    "benchmark": benchmark,
                    "column": column,
                    "record_id": _first(df, "UUID", "id", "ID"),  # livebench's `id` is a model name
                    "model_version": _first(df, "Model version"),
                    "name": _first(df, "Name", "Agent", "Model"),
                    "value": _main_value(df[column], how),
                    "unit": "minutes" if how == "minutes" else "fraction",
                    "shots": _first(df, "Shots").astype("string"),
                    "source": _first(df, "Source"),
                    "source_link": _first(df, "Source link", "Source link (site from table)"),
                    "in_upstream_fit": used,
                }
            )
        )
    external = pd.concat(parts, ignore_index=True)

    known = set(versions["version"])
    usable = external[external["in_upstream_fit"] & external["value"].notna() & external["model_version"].isin(known)]
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "model_version": epoch_runs["model_version"],
                    "benchmark": epoch_runs["benchmark"],
                    "metric": "score",
                    "value": epoch_runs["best_score"],
                }
            ),
            pd.DataFrame(
                {
                    "model_version": usable["model_version"],
                    "benchmark": usable["benchmark"],
                    "metric": usable["unit"].map({"fraction": "score", "minutes": "time_horizon_minutes"}),
                    "value": usable["value"],
                }
            ),
        ],
        ignore_index=True,
    )
    # Upstream keeps the maximum of repeated reports of one (model version, benchmark).
    best = long.groupby(["model_version", "benchmark", "metric"], as_index=False, sort=True)["value"].max()
    scores = scores_frame(
        {
            "run_id": NAME + ":" + best["model_version"],
            "benchmark": best["benchmark"],
            "metric": best["metric"],
            "value": best["value"],
        }
    )

    bo = pd.read_csv(get("benchmark_optim.csv"))
    benchmarks = pd.DataFrame(
        {
            "benchmark": bo["benchmark"],
            "optimized_for": bo["optimized_for"],
            "is_coding": bo["is_coding"],
            "is_math": bo["is_math"],
            "release_date": pd.to_datetime(bo["benchmark_release_date"], format="%Y/%m/%d"),
            "source": bo["source"],
        }
    )
    distilled = pd.read_csv(get("distilled_models.csv"))
    n_dropped = int(
        (external["in_upstream_fit"] & external["value"].notna() & ~external["model_version"].isin(known)).sum()
    )
    return Parsed(
        runs=runs,
        scores=scores,
        curves=curves_frame(),
        tables={
            "model_versions": versions,
            "external": external,
            "epoch_runs": epoch_runs,
            "benchmarks": benchmarks,
            "distilled": distilled,
        },
        columns={
            "model_versions": VERSION_COLUMNS,
            "external": EXTERNAL_COLUMNS,
            "epoch_runs": EPOCH_RUN_COLUMNS,
            "benchmarks": BENCHMARK_COLUMNS,
            "distilled": DISTILLED_COLUMNS,
        },
        notes=(
            "scores: one main column per benchmark as a fraction, maximum over repeated reports "
            "(upstream data_loader.py)",
            f"{n_dropped} external scores name no known model version and stay only in table 'external'",
            "BoolQ and MCBench are left out of scores as upstream does; METR is metric 'time_horizon_minutes'",
            "release dates are as upstream (upstream's analysis patches a few, e.g. gemini-exp-1206)",
        ),
    )
