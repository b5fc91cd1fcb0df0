"""llmonkeys-pythia-math: repeated sampling of 7 Pythia models on 128 MATH problems (Brown et al. 2024).

The per-problem counts are derived from the ``monkey_business`` dataset on the
Hugging Face Hub (:func:`._derive.monkeys_tables`; ``scalewatch datasets fetch``
derives them again from the Hub's parquet files); the coverage curve is
computed from them here (:func:`._derive.coverage_curve`). Runs are the seven models, without loss; their
parameter counts and training tokens come from ``pythia-evals/pythia_models.csv``
(the standard, non-deduplicated Pythia models; both variants have the same sizes).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scalewatch.data._loaders._derive import coverage_curve
from scalewatch.data._loaders._tables import Col, Parsed, curves_frame, runs_frame, scores_frame
from scalewatch.errors import DataValidationError

NAME = "llmonkeys-pythia-math"

PER_PROBLEM_COLUMNS = (
    Col("run_id", "string", "", "run (model) that drew the samples", required=True),
    Col("benchmark", "string", "", "'MATH'", required=True),
    Col("problem_idx", "Int64", "", "index of the problem in the MATH test set (orig_dset_idx)", required=True),
    Col("num_samples", "Int64", "count", "samples drawn (10,000)", required=True),
    Col("num_correct", "Int64", "count", "samples judged correct", required=True),
)
COVERAGE_COLUMNS = (
    Col("run_id", "string", "", "run (model)", required=True),
    Col("benchmark", "string", "", "'MATH'", required=True),
    Col("k", "Int64", "count", "samples per problem", required=True),
    Col(
        "coverage",
        "float64",
        "",
        "mean over problems of the unbiased pass@k estimator 1 - C(n-c, k)/C(n, k)",
        required=True,
    ),
    Col("n_problems", "Int64", "count", "problems averaged over (128)", required=True),
)


def load(get: Callable[..., Path]) -> Parsed:
    counts = pd.read_csv(get("pythia_math_per_problem_counts.csv"))
    coverage = coverage_curve(counts)
    pythia = pd.read_csv(get("pythia_models.csv", dataset="pythia-evals"))
    pythia = pythia[pythia["deduped"] == 0].set_index("size")

    names = pd.Series(pd.unique(counts["model"]), dtype="string")
    sizes = names.str.removeprefix("Pythia-").str.lower()
    unknown = sorted(set(sizes) - set(pythia.index))
    if unknown:
        raise DataValidationError(f"dataset {NAME!r}: Pythia sizes {unknown} are not in pythia-evals/pythia_models.csv")
    run_of = dict(zip(names, NAME + ":" + names, strict=True))
    runs = runs_frame(
        {
            "run_id": names.map(run_of),
            "model_id": names,
            "family": "Pythia",
            "params": pythia.loc[sizes, "params_total"].to_numpy(dtype="float64"),
            "params_kind": "total",
            "tokens": pythia.loc[sizes, "final_tokens"].to_numpy(dtype="float64"),
        }
    )
    scores = scores_frame(
        {
            "run_id": coverage["model"].map(run_of),
            "benchmark": coverage["benchmark"],
            "metric": "pass@" + coverage["k"].astype(str),
            "value": coverage["coverage"],
        }
    )
    per_problem = counts.assign(run_id=counts["model"].map(run_of))[[c.name for c in PER_PROBLEM_COLUMNS]]
    cov = coverage.assign(run_id=coverage["model"].map(run_of))[[c.name for c in COVERAGE_COLUMNS]]
    return Parsed(
        runs=runs,
        scores=scores,
        curves=curves_frame(),
        tables={"per_problem": per_problem, "coverage": cov},
        columns={"per_problem": PER_PROBLEM_COLUMNS, "coverage": COVERAGE_COLUMNS},
        notes=(
            "runs have no loss: the data are per-problem sample counts (table 'per_problem')",
            "scores hold the coverage curve as metric 'pass@k' (table 'coverage' has the same numbers)",
            "params and tokens come from pythia-evals/pythia_models.csv; Pythia-1.4B is not in this source",
        ),
    )
