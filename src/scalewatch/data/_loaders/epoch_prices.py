"""epoch-llm-inference-prices: LLM API prices with benchmark scores, and Epoch AI's price-decline fits (2025).

No runs: four tables. ``prices`` joins the two price lists (Artificial
Analysis' models and Epoch's additions) with a ``source`` column; ``results``
is Epoch's own published fit per benchmark and score threshold (the yearly
factor by which the cheapest model at or above the threshold gets cheaper,
with its 90% interval parsed from upstream's ``"[low, high]"`` text);
``fit_data`` the models entering those fits; ``eval_tokens`` the tokens each
model used to run a benchmark.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scalewatch.data._loaders._tables import Col, Parsed, curves_frame, runs_frame, scores_frame
from scalewatch.errors import DataValidationError

NAME = "epoch-llm-inference-prices"

_BENCHES = ("MMLU", "GPQA Diamond", "HumanEval", "MATH-500", "LMSys Chatbot Arena ELO", "MATH 5")

PRICE_COLUMNS = (
    Col("model", "string", "", "model name as Epoch lists it", required=True),
    Col("release_date", "datetime64[ns]", "", "release date (of the price, for Epoch's additions)", required=True),
    Col("usd_per_mtok", "float64", "USD", "price per million tokens, one number per model as Epoch used it", required=True),
    *(Col(b.lower().replace(" ", "_").replace("-", "_").replace(".", ""), "float64", "", f"{b} score (percent; Elo for the arena)")
      for b in _BENCHES),  # fmt: skip
    Col("source", "string", "", "'artificial-analysis' or 'epoch' (models not in Artificial Analysis)", required=True),
)
RESULT_COLUMNS = (
    Col("bench", "string", "", "benchmark", required=True),
    Col("threshold_model", "string", "", "model whose score sets the threshold", required=True),
    Col("score_low", "float64", "", "lower end of the score range (the threshold)", required=True),
    Col("score_high", "float64", "", "upper end of the score range (empty: none, upstream's inf)"),
    Col("sample_size", "Int64", "count", "models in the fit", required=True),
    Col("start_date", "datetime64[ns]", "", "first model's date", required=True),
    Col("end_date", "datetime64[ns]", "", "last model's date", required=True),
    Col("factor_per_year", "float64", "x/year", "published: yearly price-reduction factor", required=True),
    Col("factor_low", "float64", "x/year", "published: 90% interval, low", required=True),
    Col("factor_high", "float64", "x/year", "published: 90% interval, high", required=True),
    Col("r_squared", "float64", "", "published R^2 of the fit", required=True),
)
FIT_DATA_COLUMNS = (
    Col("bench", "string", "", "benchmark", required=True),
    Col("threshold_model", "string", "", "model whose score sets the threshold", required=True),
    Col("model", "string", "", "model entering the fit", required=True),
    Col("release_date", "datetime64[ns]", "", "release date", required=True),
    Col("usd_per_mtok", "float64", "USD", "price per million tokens", required=True),
    Col("benchmark_score", "float64", "", "its score", required=True),
)
EVAL_COLUMNS = (
    Col("model", "string", "", "model", required=True),
    Col("task", "string", "", "benchmark run", required=True),
    Col("epochs", "Int64", "", "repetitions of the benchmark", required=True),
    Col("total_samples", "Int64", "count", "samples", required=True),
    Col("input_tokens", "Int64", "count", "input tokens", required=True),
    Col("output_tokens", "Int64", "count", "output tokens", required=True),
    Col("total_tokens", "Int64", "count", "all tokens", required=True),
)


def _pair(text: str, where: str) -> tuple[float, float]:
    """``"[1.5, 3]"`` -> (1.5, 3.0), by ``ast.literal_eval`` of a two-number list (``inf`` allowed, as upstream writes it)."""
    try:
        value = ast.literal_eval(text.replace("inf", "1e999"))  # 1e999 is a float literal that overflows to inf
        low, high = (float(v) for v in value)
    except (ValueError, SyntaxError, TypeError) as exc:
        raise DataValidationError(f"dataset {NAME!r}: {where} {text!r} is not a [low, high] pair ({exc})") from None
    return low, high


def _prices(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "model": frame["Model Name"],
            "release_date": pd.to_datetime(frame["Release Date"]),
            "usd_per_mtok": frame["USD per 1M Tokens"],
            **{b.lower().replace(" ", "_").replace("-", "_").replace(".", ""): frame[b] for b in _BENCHES},
            "source": source,
        }
    )
    return out


def load(get: Callable[..., Path]) -> Parsed:
    aa = pd.read_csv(get("aa_data_with_math5.csv"))
    extra = pd.read_csv(get("epoch_ai_price_data_not_in_aa_with_benchmarks.csv"))
    prices = pd.concat([_prices(aa, "artificial-analysis"), _prices(extra, "epoch")], ignore_index=True)
    res = pd.read_csv(get("lowest_price_models_results.csv"))
    ranges = [_pair(t, "performance_range") for t in res["performance_range"]]
    cis = [_pair(t, "price_reduction_factor_per_year_90_ci") for t in res["price_reduction_factor_per_year_90_ci"]]
    results = pd.DataFrame(
        {
            "bench": res["bench"],
            "threshold_model": res["threshold_model"],
            "score_low": [r[0] for r in ranges],
            "score_high": [r[1] if r[1] != float("inf") else float("nan") for r in ranges],
            "sample_size": res["sample_size"],
            "start_date": pd.to_datetime(res["start_date"]),
            "end_date": pd.to_datetime(res["end_date"]),
            "factor_per_year": res["price_reduction_factor_per_year"],
            "factor_low": [c[0] for c in cis],
            "factor_high": [c[1] for c in cis],
            "r_squared": res["r_squared"],
        }
    )
    data = pd.read_csv(get("lowest_price_models_data.csv"))
    fit_data = pd.DataFrame(
        {
            "bench": data["bench"],
            "threshold_model": data["threshold_model"],
            "model": data["Model Name"],
            "release_date": pd.to_datetime(data["Release Date"]),
            "usd_per_mtok": data["USD per 1M Tokens"],
            "benchmark_score": data["benchmark_score"],
        }
    )
    ev = pd.read_csv(get("epoch_ai_eval_data.csv"))
    eval_tokens = ev.rename(columns={"Model": "model", "Task": "task"})[[c.name for c in EVAL_COLUMNS]]
    return Parsed(
        runs=runs_frame({}),
        scores=scores_frame(),
        curves=curves_frame(),
        tables={"prices": prices, "results": results, "fit_data": fit_data, "eval_tokens": eval_tokens},
        columns={"prices": PRICE_COLUMNS, "results": RESULT_COLUMNS, "fit_data": FIT_DATA_COLUMNS, "eval_tokens": EVAL_COLUMNS},
        notes=(
            "prices: one USD per 1M tokens per model as Epoch used it (how input and output prices were blended is not "
            "stated upstream); scores in percent, the arena in Elo",
            "results: Epoch AI's own published price-decline factors (cite as published); fit_data: the models they used",
        ),
    )
