r"""Does lower loss still buy capabilities? Links, observational scaling, decoupling, emergence.

If pretraining loss keeps falling, do benchmark scores keep rising in step,
or are capabilities decoupling from loss? And is "emergence" real or a
property of the metric? Four analyses answer with numbers and intervals:

:func:`links_analysis`
    Sigmoid links from loss or log-compute to each benchmark, with a chance
    floor and a ceiling, bootstrapped: Gadre et al.'s 104 models (C4
    validation loss -> 17 downstream tasks), Pythia's sizes and checkpoints
    (log10 compute -> nine zero-shot tasks) and Ruan et al.'s 148 public
    models (log10 compute -> eight benchmarks, pooled over families, with the
    families' offsets).
:func:`observational_analysis`
    Principal components of the obsscaling benchmark matrix (Ruan et al.
    2024): variance explained on the complete models (reproducing their ~84,
    94, 97 %) and with their imputation of missing scores, and the
    capability score PC-1 against log10 compute within families.
:func:`decoupling_analysis`
    Fit the link on older or smaller models, predict newer or larger ones:
    the newest models by release date (Epoch AI's benchmark hub joined with
    its compute estimates), the largest by compute (obsscaling), and the
    largest model sizes of controlled suites (Gadre et al., Pythia).
:func:`emergence_analysis`
    The same models under a discontinuous and a continuous metric (Schaeffer
    et al. 2023): Pythia's LAMBADA accuracy against its perplexity, and the
    obsscaling emergent tasks (exact match against BLEU where the data have
    both; the tasks with one metric only are reported as untestable).

Each analysis returns a frozen result with ``report()``, ``to_dict()``,
``figures()``, ``tables()``, ``method()`` and ``to_finding()``; the four are
registered with the report (``scalewatch report``) under the keys
``capabilities.links``, ``capabilities.observational_scaling``,
``capabilities.decoupling`` and ``capabilities.emergence``. In the default
mode they take 7 to 9 s together on two shared cores, data loading included;
``fast=True`` (40 bootstrap resamples instead of 200, 200 instead of 1000 for
the PCA; same data and rules) about 5 to 6 s.

The building blocks work on a user's own benchmark table:
:func:`fit_links`, :func:`decoupling_test`, :func:`principal_components`,
:func:`impute_pca`, :func:`family_trends`, :func:`compare_metrics` and
:func:`long_scores` (wide or long table -> the long form they take).

Verdicts
--------
One vocabulary, :data:`VERDICTS`: **in step** (scores follow loss or compute
as the link predicts), **decoupling** (scores fall short of it, or stop
responding), **ahead** (scores beat it) and **inconclusive**. Each analysis
states its rule in its method text; the rules are the functions
:func:`links_verdict`, :func:`observational_verdict`,
:func:`decoupling_verdict` and :func:`emergence_verdict`.

References
----------
Ruan, Maddison & Hashimoto (2024), arXiv:2405.10938; Gadre et al. (2024),
arXiv:2403.08540; Biderman et al. (2023), arXiv:2304.01373; Schaeffer,
Miranda & Koyejo (2023), arXiv:2304.15004; Wei et al. (2022),
arXiv:2206.07682; Owen (2024), arXiv:2401.04757; Epoch AI (2025), "A Rosetta
Stone for AI Benchmarks" (benchmark hub) and "Data on AI Models".
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses._emergence import (
    PAIR_LABELS,
    SHARP_MAX,
    SMOOTH_MIN,
    MetricPair,
    Sharpness,
    compare_metrics,
    pairs_table,
    sharpness,
)
from scalewatch.analyses._finding import PALETTE, Figure, Finding, Number, band, curve, figure, hline, points
from scalewatch.analyses._links import STATUSES, LinkFit, LinkSet, fit_link, fit_links, link_status
from scalewatch.analyses._obsscaling import (
    PCAResult,
    TrendResult,
    benchmark_matrix,
    family_trends,
    impute_pca,
    principal_components,
)
from scalewatch.report import analysis

__all__ = [
    "VERDICTS",
    "QUESTION",
    "STATUSES",
    "PAIR_LABELS",
    "GADRE_SUBSET",
    "CHANCE",
    "OBSSCALING_BENCHMARKS",
    # building blocks
    "LinkFit",
    "LinkSet",
    "fit_link",
    "fit_links",
    "link_status",
    "PCAResult",
    "TrendResult",
    "benchmark_matrix",
    "impute_pca",
    "principal_components",
    "family_trends",
    "Sharpness",
    "MetricPair",
    "sharpness",
    "compare_metrics",
    "pairs_table",
    "DecouplingResult",
    "decoupling_test",
    "long_scores",
    # verdict rules
    "links_verdict",
    "observational_verdict",
    "decoupling_verdict",
    "emergence_verdict",
    # data
    "gadre_scores",
    "pythia_scores",
    "obsscaling_scores",
    "epoch_release_scores",
    # analyses
    "LinksAnalysis",
    "ObservationalAnalysis",
    "DecouplingAnalysis",
    "EmergenceAnalysis",
    "links_analysis",
    "observational_analysis",
    "decoupling_analysis",
    "emergence_analysis",
]

#: the question these analyses answer (the report groups findings by it)
QUESTION = "capabilities"

#: verdicts of this question
VERDICTS = ("in step", "decoupling", "ahead", "inconclusive")

#: Gadre et al.'s 17-task subset (upstream scaling/constants.py ``SUBSET``): tasks on which
#: their small models are above chance, the set their "average top-1 error" is taken over
GADRE_SUBSET = (
    "bigbench_operators",
    "pubmed_qa_labeled",
    "hellaswag_zeroshot",
    "boolq",
    "arc_easy",
    "coqa",
    "bigbench_dyck_languages",
    "lambada_openai",
    "bigbench_novel_concepts",
    "winograd",
    "bigbench_cs_algorithms",
    "commonsense_qa",
    "bigbench_qa_wikidata",
    "hellaswag",
    "copa",
    "squad",
    "piqa",
)

#: the eight benchmarks of Ruan et al.'s main table (upstream ``ALL_BENCHMARK_METRIC_LIST``)
OBSSCALING_BENCHMARKS = ("MMLU", "ARC-C", "HellaSwag", "Winograd", "TruthfulQA", "GSM8K", "XWinograd", "HumanEval")

#: chance level (score of uniform guessing) per benchmark and source; None: no fixed chance level, the floor is fitted
CHANCE: Mapping[str, Mapping[str, float | None]] = {
    # Pythia's lm-eval-harness tasks (Biderman et al. 2023): 4-way ARC, SciQ, LogiQA, MMLU; 2-way PIQA,
    # WinoGrande, WSC; LAMBADA is open-ended last-word prediction (chance 0).
    "pythia-evals": {
        "lambada_openai": 0.0,
        "piqa": 0.5,
        "winogrande": 0.5,
        "wsc": 0.5,
        "arc_easy": 0.25,
        "arc_challenge": 0.25,
        "sciq": 0.25,
        "logiqa": 0.25,
        "mmlu": 0.25,
    },
    # Ruan et al.'s table: 4-way MMLU, ARC-C, HellaSwag; 2-way Winograd(e), XWinograd; GSM8K and HumanEval
    # are open-ended (0). TruthfulQA is the Open LLM Leaderboard's MC2 score, which has no single chance
    # level (questions have different numbers of true and false answers): fitted.
    "obsscaling": {
        "MMLU": 0.25,
        "ARC-C": 0.25,
        "HellaSwag": 0.25,
        "Winograd": 0.5,
        "TruthfulQA": None,
        "GSM8K": 0.0,
        "XWinograd": 0.5,
        "HumanEval": 0.0,
    },
    # Epoch AI's benchmark hub (fractions): 4-way MMLU, GPQA diamond, HellaSwag, ARC (AI2), OpenBookQA;
    # 2-way Winogrande, PIQA; open-ended MATH, GSM8K, AIME-style, TriviaQA, LAMBADA. BBH mixes tasks with
    # different chance levels: fitted.
    "epoch-benchmark-stitching": {
        "MMLU": 0.25,
        "GPQA diamond": 0.25,
        "MATH level 5": 0.0,
        "GSM8K": 0.0,
        "HellaSwag": 0.25,
        "Winogrande": 0.5,
        "ARC AI2": 0.25,
        "PIQA": 0.5,
        "OTIS Mock AIME 2024-2025": 0.0,
        "BBH": None,
        "TriviaQA": 0.0,
        "LAMBADA": 0.0,
        "OpenBookQA": 0.25,
    },
}

_PYTHIA_COLUMNS = {
    "lambada_openai_acc": "lambada_openai",
    "piqa_acc": "piqa",
    "winogrande_acc": "winogrande",
    "wsc_acc": "wsc",
    "arc_easy_acc": "arc_easy",
    "arc_challenge_acc": "arc_challenge",
    "sciq_acc": "sciq",
    "logiqa_acc": "logiqa",
    "mmlu_acc_macro_avg": "mmlu",
}
#: more pretraining tokens than any model of the obsscaling table could have seen (100 T; the largest
#: published sets of 2024 are about 15-18 T): such counts are unit slips and their compute is dropped
_MAX_PLAUSIBLE_TOKENS = 1e14
_PYTHIA_FINAL_STEP = 143000  # last checkpoint of every Pythia model (Biderman et al. 2023, README)

#: column names a wide user table may hold besides its benchmark columns
_RESERVED = {
    "model", "model_id", "run_id", "family", "params", "tokens", "compute", "loss", "release_date", "date",
    "log10_compute", "log10_params", "x", "by", "step", "shots", "tags", "source", "citation", "config",
    "params_kind", "unique_tokens", "epochs", "compute_estimated", "loss_split", "loss_unit", "cost_usd",
}


# =============================================================================
# small helpers
# =============================================================================


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _nums(xs: Any) -> list[float | None]:
    return [_num(x) for x in np.asarray(xs, dtype=float).ravel()]


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for r in df.to_dict("records"):
        row = {}
        for k, v in r.items():
            if isinstance(v, (pd.Timestamp, np.datetime64)):
                row[str(k)] = None if pd.isna(v) else str(pd.Timestamp(v).date())
            elif isinstance(v, (bool, np.bool_)):
                row[str(k)] = bool(v)
            elif isinstance(v, (int, np.integer)):
                row[str(k)] = int(v)
            elif isinstance(v, (float, np.floating)):
                row[str(k)] = _num(v)
            elif v is None or (not isinstance(v, str) and pd.isna(v)):
                row[str(k)] = None
            else:
                row[str(k)] = str(v)
        out.append(row)
    return out


def _err(y: Any, low: Any, high: Any) -> dict[str, Any]:
    """Asymmetric error bars (plotly ``error_y``) from an interval."""
    yy, lo, hi = (np.asarray(v, dtype=float) for v in (y, low, high))
    return {"type": "data", "symmetric": False, "array": _nums(hi - yy), "arrayminus": _nums(yy - lo)}


def _link_traces(link: LinkFit, color: str, label: str) -> list[dict[str, Any]]:
    """Data points, fitted curve and 95 % band of one link (x in natural units)."""
    xs = link.centre + link.fit.X[:, 0] * link.span  # the fit saw standardised x
    c = link.curve(40)
    return [
        *band(c["x"], c["low"], c["high"], f"{label} band", color=color, group=label, showlegend=False),
        curve(c["x"], c["score"], label, color=color, group=label),
        points(xs, link.fit.y, label, color=color, group=label, showlegend=False, size=4),
    ]


def _n_boot(n_boot: int | None, fast: bool, default: int = 200, fast_default: int = 40) -> int:
    if n_boot is not None:
        if not (isinstance(n_boot, (int, np.integer)) and n_boot >= 0):
            raise ValueError(f"n_boot={n_boot!r}; use a non-negative integer (e.g. 200), or None for the default.")
        return int(n_boot)
    return fast_default if fast else default


def _load(name: str):
    from scalewatch.data import datasets

    return datasets.load(name)


# =============================================================================
# data
# =============================================================================


def gadre_scores(tasks: Sequence[str] | None = GADRE_SUBSET) -> pd.DataFrame:
    """Gadre et al.'s 104 models: C4 validation loss against each downstream task.

    Parameters
    ----------
    tasks : sequence of str or None, default :data:`GADRE_SUBSET`
        Tasks to keep (None: all 46).

    Returns
    -------
    pandas.DataFrame
        One row per (model, task): ``model, benchmark, value`` (accuracy,
        fraction), ``loss`` (C4 validation loss, nats/token), ``params``
        (total), ``tokens``, ``compute`` (6 N D), ``log10_compute``,
        ``train_data`` (C4, RedPajama or RefinedWeb) and ``floor`` (the task's
        random baseline from upstream ``eval_metadata.csv``, as a fraction).
    """
    ds = _load("gadre-overtraining-scaling")
    runs = ds.runs.runs[["run_id", "model_id", "params", "tokens", "compute", "loss", "tags"]]
    floors = (ds.tables["tasks"].set_index("task")["random_baseline"].astype(float) / 100.0).to_dict()
    df = ds.runs.scores[["run_id", "benchmark", "value"]].merge(runs, on="run_id", how="inner", validate="many_to_one")
    if tasks is not None:
        unknown = sorted(set(tasks) - set(df["benchmark"].astype(str)))
        if unknown:
            raise ValueError(f"gadre_scores(tasks=...): unknown task(s) {unknown}; see datasets.load('gadre-overtraining-scaling').tables['tasks'].")
        df = df[df["benchmark"].astype(str).isin(list(tasks))]
    return pd.DataFrame(
        {
            "model": df["model_id"].astype(str).to_numpy(),
            "benchmark": df["benchmark"].astype(str).to_numpy(),
            "value": df["value"].astype(float).to_numpy(),
            "loss": df["loss"].astype(float).to_numpy(),
            "params": df["params"].astype(float).to_numpy(),
            "tokens": df["tokens"].astype(float).to_numpy(),
            "compute": df["compute"].astype(float).to_numpy(),
            "log10_compute": np.log10(df["compute"].astype(float).to_numpy()),
            "train_data": df["tags"].astype(str).to_numpy(),
            "floor": df["benchmark"].astype(str).map(floors).to_numpy(dtype=float),
        }
    )


def pythia_scores(*, shots: int = 0) -> pd.DataFrame:
    """Pythia's 16 models at every checkpoint: zero-shot accuracies against compute.

    Compute is :math:`6 N D` with N the total parameters (untied embeddings
    included) and D the tokens seen at the checkpoint (step x 2,097,152);
    step 0 (no tokens) is left out.

    Parameters
    ----------
    shots : int, default 0
        In-context examples (0 or 5; five-shot results exist for fewer checkpoints).

    Returns
    -------
    pandas.DataFrame
        One row per (checkpoint, task): ``model`` (e.g. ``pythia-1b@step3000``),
        ``size_model`` (``pythia-1b``), ``benchmark`` (``arc_easy``, ...,
        ``mmlu`` = macro average over the 57 subjects), ``value``,
        ``params``, ``tokens``, ``compute``, ``log10_compute``, ``step``,
        ``final`` (last checkpoint), ``deduped``, ``floor`` (chance level)
        and ``lambada_ppl`` (LAMBADA perplexity of the same checkpoint).
    """
    ds = _load("pythia-evals")
    summ = ds.tables["summary"]
    summ = summ[summ["shots"].astype(int) == int(shots)]
    if summ.empty:
        raise ValueError(f"pythia_scores(shots={shots}): no results with that many shots; use 0 or 5.")
    runs = ds.runs.runs.set_index("run_id")[["params", "tokens", "compute", "tags"]]
    summ = summ.join(runs, on="run_id", how="inner")
    summ = summ[summ["compute"].notna()]
    long = summ.melt(
        id_vars=["run_id", "params", "tokens", "compute", "tags", "lambada_openai_ppl"],
        value_vars=list(_PYTHIA_COLUMNS),
        var_name="column",
        value_name="value",
    )
    model = long["run_id"].astype(str).str.removeprefix("pythia-evals:")
    step = model.str.extract(r"@step(\d+)$")[0].astype(int)
    bench = long["column"].map(_PYTHIA_COLUMNS)
    return pd.DataFrame(
        {
            "model": model.to_numpy(),
            "size_model": model.str.replace(r"@step\d+$", "", regex=True).to_numpy(),
            "benchmark": bench.to_numpy(),
            "value": long["value"].astype(float).to_numpy(),
            "params": long["params"].astype(float).to_numpy(),
            "tokens": long["tokens"].astype(float).to_numpy(),
            "compute": long["compute"].astype(float).to_numpy(),
            "log10_compute": np.log10(long["compute"].astype(float).to_numpy()),
            "step": step.to_numpy(),
            "final": (step == _PYTHIA_FINAL_STEP).to_numpy(),
            "deduped": (long["tags"].astype(str) == "deduped").to_numpy(),
            "floor": bench.map(CHANCE["pythia-evals"]).to_numpy(dtype=float),
            "lambada_ppl": long["lambada_openai_ppl"].astype(float).to_numpy(),
        }
    )


def obsscaling_scores(benchmarks: Sequence[str] = OBSSCALING_BENCHMARKS) -> pd.DataFrame:
    """Ruan et al.'s 148 base models: benchmark accuracies with family, size and compute.

    Returns
    -------
    pandas.DataFrame
        One row per (model, benchmark): ``model`` (Hugging Face id),
        ``family``, ``benchmark``, ``metric``, ``value`` (fraction; BLEU on
        0-100 for ``ipa_transliterate``/``bleu``), ``params``, ``tokens``,
        ``compute`` (upstream's 6 N D; missing for 25 models, and set missing
        for BTLM-3B, whose upstream token count of 627 T is the model card's
        627 B in the wrong unit) and ``log10_compute``. The main benchmarks have metric ``accuracy``; the
        emergent tasks keep upstream's ``acc``, ``exact_match`` or ``bleu``.
    """
    ds = _load("obsscaling")
    runs = ds.runs.runs[["run_id", "model_id", "family", "params", "tokens", "compute"]]
    sc = ds.runs.scores
    if benchmarks is not None:
        sc = sc[sc["benchmark"].astype(str).isin(list(benchmarks))]
    df = sc.merge(runs, on="run_id", how="inner", validate="many_to_one")
    comp = df["compute"].astype(float).to_numpy()
    # Upstream lists cerebras/btlm-3b-8k-base with 627 T tokens and 1.13e25 FLOP; its model card says 627 B
    # tokens (1.13e22 FLOP). No model of the table was trained on more than 100 T tokens, so larger token
    # counts are taken as unit slips: their compute is set missing (the model stays in the benchmark
    # matrix) rather than corrected by guesswork.
    implausible = df["tokens"].astype(float).to_numpy() > _MAX_PLAUSIBLE_TOKENS
    comp = np.where(implausible, np.nan, comp)
    with np.errstate(divide="ignore", invalid="ignore"):
        lc = np.where(comp > 0, np.log10(np.where(comp > 0, comp, 1.0)), np.nan)
    return pd.DataFrame(
        {
            "model": df["model_id"].astype(str).to_numpy(),
            "family": df["family"].astype(str).to_numpy(),
            "benchmark": df["benchmark"].astype(str).to_numpy(),
            "metric": df["metric"].astype(str).to_numpy(),
            "value": df["value"].astype(float).to_numpy(),
            "params": df["params"].astype(float).to_numpy(),
            "tokens": df["tokens"].astype(float).to_numpy(),
            "compute": comp,
            "log10_compute": lc,
        }
    )


def epoch_release_scores(benchmarks: Sequence[str] | None = None, *, min_models: int = 30) -> pd.DataFrame:
    """Epoch AI's benchmark hub joined with its compute estimates: scores, compute and release dates.

    Each model version of the benchmark hub (``model_versions``) names its
    model as in Epoch's AI-models database; that model's training compute is
    attached. The release date is the version's (``Version release date``),
    else the model's publication date.

    Parameters
    ----------
    benchmarks : sequence of str, optional
        Benchmarks to keep; default: every benchmark with a chance level in
        :data:`CHANCE` and at least ``min_models`` versions with compute and
        a release date.
    min_models : int, default 30
        Minimum number of usable versions for a benchmark to be kept by default.

    Returns
    -------
    pandas.DataFrame
        One row per (model version, benchmark): ``model`` (version id),
        ``base_model``, ``benchmark``, ``value`` (fraction), ``compute``,
        ``log10_compute``, ``release_date``, ``distilled`` (True where
        Epoch judges the model distilled from a larger one, else False or
        missing) and ``floor``.
    """
    hub = _load("epoch-benchmark-stitching")
    models = _load("epoch-ai-models").runs.runs[["model_id", "compute", "release_date"]]
    models = models.rename(columns={"model_id": "base_model", "release_date": "published"})
    mv = hub.tables["model_versions"][["run_id", "version", "model", "release_date"]].rename(columns={"model": "base_model"})
    mv = mv.merge(models.drop_duplicates("base_model"), on="base_model", how="left", validate="many_to_one")
    mv["release"] = mv["release_date"].fillna(mv["published"])
    distilled = hub.tables["distilled"].drop_duplicates("model").set_index("model")["distilled"]
    sc = hub.runs.scores
    sc = sc[sc["metric"].astype(str) == "score"]
    df = sc.merge(mv, on="run_id", how="inner", validate="many_to_one")
    df = df[df["compute"].notna() & (df["compute"] > 0) & df["release"].notna()]
    chance = CHANCE["epoch-benchmark-stitching"]
    if benchmarks is None:
        counts = df.groupby("benchmark").size()
        benchmarks = [b for b in chance if counts.get(b, 0) >= min_models]
    else:
        unknown = sorted(set(benchmarks) - set(df["benchmark"].astype(str)))
        if unknown:
            raise ValueError(f"epoch_release_scores(benchmarks=...): no usable scores for {unknown}.")
    df = df[df["benchmark"].astype(str).isin(list(benchmarks))]
    return pd.DataFrame(
        {
            "model": df["version"].astype(str).to_numpy(),
            "base_model": df["base_model"].astype(str).to_numpy(),
            "benchmark": df["benchmark"].astype(str).to_numpy(),
            "value": df["value"].astype(float).to_numpy(),
            "compute": df["compute"].astype(float).to_numpy(),
            "log10_compute": np.log10(df["compute"].astype(float).to_numpy()),
            "release_date": pd.to_datetime(df["release"]).to_numpy(),
            "distilled": df["version"].astype(str).map(distilled).astype("boolean").to_numpy(),
            "floor": df["benchmark"].astype(str).map(chance).astype(float).to_numpy(),
        }
    )


def long_scores(
    table: pd.DataFrame,
    *,
    model: str = "model",
    benchmarks: Sequence[str] | None = None,
    benchmark: str = "benchmark",
    value: str = "value",
) -> pd.DataFrame:
    """A user's benchmark table in the long form the analyses take.

    Parameters
    ----------
    table : pandas.DataFrame
        Either long (columns ``benchmark`` and ``value``, one row per
        (model, benchmark)) or wide (one row per model, one column per
        benchmark). Other columns (``family``, ``compute``, ``loss``,
        ``release_date``, ...) are carried along.
    model : str, default "model"
        Column naming the model (created from the row number when absent).
    benchmarks : sequence of str, optional
        For a wide table, the benchmark columns; default: every numeric
        column not in the reserved names (``params, tokens, compute, loss,
        release_date, family, ...``).
    benchmark, value : str
        Column names of a long table.

    Returns
    -------
    pandas.DataFrame
        Columns ``model, benchmark, value`` plus the carried columns; a
        ``log10_compute`` column is added when ``compute`` is present.

    Raises
    ------
    ValueError
        No benchmark columns, or benchmark columns that are not numeric.

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"model": ["a", "b"], "compute": [1e21, 1e22], "MMLU": [0.3, 0.5]})
    >>> long_scores(wide)[["model", "benchmark", "value", "log10_compute"]].values.tolist()
    [['a', 'MMLU', 0.3, 21.0], ['b', 'MMLU', 0.5, 22.0]]
    """
    if not hasattr(table, "columns"):
        raise TypeError(f"long_scores(table=...) takes a pandas DataFrame; got {type(table).__name__}.")
    df = table.copy()
    if model not in df.columns:
        df[model] = [f"model {i}" for i in range(len(df))]
    if benchmark in df.columns and value in df.columns:
        out = df.rename(columns={model: "model", benchmark: "benchmark", value: "value"})
        out["benchmark"] = out["benchmark"].astype(str)
    else:
        if benchmarks is None:
            benchmarks = [c for c in df.columns if c not in _RESERVED and c != model and pd.api.types.is_numeric_dtype(df[c])]
        else:
            missing = [b for b in benchmarks if b not in df.columns]
            if missing:
                raise ValueError(f"long_scores(benchmarks=...): {missing} are not columns of the table (columns: {list(df.columns)}).")
            bad = [b for b in benchmarks if not pd.api.types.is_numeric_dtype(df[b])]
            if bad:
                raise ValueError(f"long_scores: benchmark column(s) {bad} are not numeric; scores must be numbers (fractions).")
        if not benchmarks:
            raise ValueError(
                "long_scores: found no benchmark columns; pass a long table with 'benchmark' and 'value' columns, "
                "or name the score columns with benchmarks=[...]."
            )
        carry = [c for c in df.columns if c not in benchmarks and c != model]
        out = df.melt(id_vars=[model, *carry], value_vars=list(benchmarks), var_name="benchmark", value_name="value")
        out = out.rename(columns={model: "model"})
    out["value"] = pd.to_numeric(out["value"], errors="coerce")
    out = out[out["value"].notna()].reset_index(drop=True)
    if "compute" in out.columns and "log10_compute" not in out.columns:
        comp = pd.to_numeric(out["compute"], errors="coerce").to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["log10_compute"] = np.where(comp > 0, np.log10(np.where(comp > 0, comp, 1.0)), np.nan)
    return out


# =============================================================================
# verdict rules
# =============================================================================


def links_verdict(counts: Mapping[str, int], plateaus: int, *, share: float = 0.5) -> tuple[str, str]:
    """Verdict of the link analysis, by an explicit rule.

    Parameters
    ----------
    counts : mapping status -> number of links
        Over all link sets (see :data:`STATUSES`).
    plateaus : int
        Saturated links whose ceiling interval lies below 0.9: scores that
        stopped rising well short of a perfect score.
    share : float, default 0.5
        Share of the informative links needed.

    Returns
    -------
    (str, str)
        Verdict and the rule that gave it. Informative links are those that
        left chance with a usable fit (tracking, saturated or uncertain).
        **in step** when at least ``share`` of them still rise at the
        frontier (tracking); **decoupling** when at least ``share`` of them
        are plateaus below 0.9; **inconclusive** otherwise, and when no link
        is informative.

    Examples
    --------
    >>> links_verdict({"tracking": 12, "saturated": 3, "uncertain": 2, "no signal": 2}, plateaus=3)[0]
    'in step'
    >>> links_verdict({"tracking": 1, "saturated": 5}, plateaus=5)[0]
    'decoupling'
    >>> links_verdict({"at chance": 4}, plateaus=0)[0]
    'inconclusive'
    """
    tracking = int(counts.get("tracking", 0))
    informative = tracking + int(counts.get("saturated", 0)) + int(counts.get("uncertain", 0))
    if informative == 0:
        return "inconclusive", "no link left chance level with a usable fit"
    if tracking >= share * informative:
        return "in step", f"{tracking}/{informative} informative links still rise at the frontier (>= {share:.0%})"
    if plateaus >= share * informative:
        return "decoupling", f"{plateaus}/{informative} informative links plateau below a 0.9 score (>= {share:.0%})"
    return "inconclusive", f"{tracking}/{informative} tracking and {plateaus}/{informative} plateaus: neither reaches {share:.0%}"


def decoupling_verdict(estimate: float, low: float, high: float, n_heldout: int, *, tolerance: float = 0.02, min_heldout: int = 5) -> tuple[str, str]:
    """Verdict of a held-out test of a link, by an explicit rule.

    Parameters
    ----------
    estimate, low, high : float
        Mean excess of the held-out models (observed minus predicted score,
        fraction) and its interval.
    n_heldout : int
        Held-out (model, benchmark) scores.
    tolerance : float, default 0.02
        Equivalence margin: two score points.
    min_heldout : int, default 5
        Fewer held-out scores give "inconclusive".

    Returns
    -------
    (str, str)
        **in step** when the interval lies within +/- ``tolerance``
        (equivalence); otherwise **ahead** when it lies above 0,
        **decoupling** when it lies below 0, **inconclusive** when it
        straddles 0.

    Examples
    --------
    >>> decoupling_verdict(0.005, -0.01, 0.015, 40)[0]
    'in step'
    >>> decoupling_verdict(0.08, 0.05, 0.11, 40)[0], decoupling_verdict(-0.06, -0.09, -0.03, 40)[0]
    ('ahead', 'decoupling')
    >>> decoupling_verdict(0.01, -0.04, 0.06, 40)[0]
    'inconclusive'
    """
    if n_heldout < min_heldout or not (math.isfinite(low) and math.isfinite(high)):
        return "inconclusive", f"{n_heldout} held-out scores (need {min_heldout}) or no interval"
    if -tolerance <= low and high <= tolerance:
        return "in step", f"interval [{low:+.3f}, {high:+.3f}] within +/-{tolerance:g} of the prediction"
    if low > 0:
        return "ahead", f"interval [{low:+.3f}, {high:+.3f}] above the prediction"
    if high < 0:
        return "decoupling", f"interval [{low:+.3f}, {high:+.3f}] below the prediction"
    return "inconclusive", f"interval [{low:+.3f}, {high:+.3f}] straddles 0 and exceeds +/-{tolerance:g}"


def observational_verdict(slope_interval: tuple[float, float], curvature_interval: tuple[float, float], within_r2: float, *, min_r2: float = 0.7) -> tuple[str, str]:
    """Verdict of the capability-versus-compute trend, by an explicit rule.

    Returns
    -------
    (str, str)
        **decoupling** when the curvature interval lies below 0 (each decade
        of compute buys less capability at the top); **in step** when the
        shared slope's interval lies above 0 and the pooled model explains at
        least ``min_r2`` of the within-family variance; **inconclusive**
        otherwise. A positive curvature is reported but not turned into
        "ahead": a capability score built from bounded accuracies is convex
        where the smallest models sit at chance.

    Examples
    --------
    >>> observational_verdict((0.2, 0.3), (0.03, 0.06), 0.8)[0]
    'in step'
    >>> observational_verdict((0.2, 0.3), (-0.06, -0.01), 0.8)[0]
    'decoupling'
    """
    if curvature_interval[1] < 0:
        return "decoupling", f"curvature interval [{curvature_interval[0]:.3g}, {curvature_interval[1]:.3g}] below 0"
    if slope_interval[0] > 0 and within_r2 >= min_r2:
        return "in step", (
            f"slope interval [{slope_interval[0]:.3g}, {slope_interval[1]:.3g}] above 0 and within-family R^2 "
            f"{within_r2:.2f} >= {min_r2:g}"
        )
    return "inconclusive", f"slope interval [{slope_interval[0]:.3g}, {slope_interval[1]:.3g}], within-family R^2 {within_r2:.2f}"


def emergence_verdict(labels: Sequence[str]) -> tuple[str, str]:
    """Verdict of the emergence analysis in this question's vocabulary.

    Parameters
    ----------
    labels : sequence of str
        One :data:`PAIR_LABELS` entry per (task, series).

    Returns
    -------
    (str, str)
        **decoupling** when some task stays sharp under a continuous metric
        and none is a metric artefact (capabilities that jump rather than
        follow scale); **in step** when at least one pair is testable and
        every testable pair is a metric artefact or smooth under both (the
        underlying capability follows scale smoothly); **inconclusive**
        otherwise (no testable pair, unresolved pairs, or both kinds).

    Examples
    --------
    >>> emergence_verdict(["metric artefact", "smooth under both", "untestable"])[0]
    'in step'
    >>> emergence_verdict(["smooth under both", "unresolved"])[0]
    'inconclusive'
    """
    tested = [lab for lab in labels if lab != "untestable"]
    n_art = sum(lab == "metric artefact" for lab in tested)
    n_real = sum(lab == "emergent under both" for lab in tested)
    n_smooth = sum(lab == "smooth under both" for lab in tested)
    if not tested:
        return "inconclusive", "no task has both a discontinuous and a continuous metric in the data"
    if n_real and not n_art:
        return "decoupling", f"{n_real}/{len(tested)} testable task(s) stay sharp under a continuous metric"
    if n_art + n_smooth == len(tested):
        return "in step", f"all {len(tested)} testable task(s) are metric artefacts ({n_art}) or smooth under both metrics ({n_smooth})"
    return "inconclusive", (
        f"of {len(tested)} testable task(s): {n_art} metric artefact, {n_real} emergent under both, {n_smooth} smooth under both, "
        f"{len(tested) - n_art - n_real - n_smooth} unresolved"
    )


# =============================================================================
# decoupling test (generic)
# =============================================================================


@dataclass(frozen=True, eq=False)
class DecouplingResult:
    """Held-out test of links: fit on older or smaller models, predict the newer or larger ones.

    Attributes
    ----------
    label : str
        Name of the scenario.
    x_name, by : str
        The link's scale variable, and the variable that splits old from new.
    per_benchmark : pandas.DataFrame
        ``benchmark, cutoff, n_train, n_heldout, excess, low, high, verdict``
        ``link_status, included`` (excess: mean observed minus predicted
        score of the held-out models; benchmarks whose training link is at
        chance or has no signal are shown with ``included = False`` and left
        out of the mean).
    predictions : pandas.DataFrame
        One row per held-out score: ``model, benchmark, x, by, observed,
        predicted, lo, hi, excess``.
    excess, interval : float, (float, float)
        Mean over the included benchmarks of the per-benchmark mean excess,
        and its interval.
    verdict, reason : str
        :func:`decoupling_verdict` of ``excess``.
    links : dict
        benchmark -> the :class:`LinkFit` on the training models.
    """

    label: str
    x_name: str
    by: str
    per_benchmark: pd.DataFrame = field(repr=False)
    predictions: pd.DataFrame = field(repr=False)
    excess: float
    interval: tuple[float, float]
    n_heldout: int
    verdict: str
    reason: str
    tolerance: float
    ci: float
    n_boot: int
    links: dict[str, LinkFit] = field(repr=False, default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    note: str = ""

    def sentence(self) -> str:
        n_used = int(self.per_benchmark["included"].astype(bool).sum()) if len(self.per_benchmark) else 0
        if not n_used:
            return f"{self.label}: no benchmark had enough training and held-out models and an informative link ({self.verdict})."
        left = len(self.per_benchmark) - n_used
        extra = f"; {left} benchmark(s) whose training link is at chance or without signal are shown but not averaged" if left else ""
        return (
            f"{self.label}: the {self.n_heldout} held-out scores sit {100 * self.excess:+.1f} points "
            f"[{100 * self.interval[0]:+.1f}, {100 * self.interval[1]:+.1f}] from the link fitted on the rest "
            f"(mean over {n_used} benchmarks{extra}): {self.verdict}."
        )

    @property
    def n_benchmarks(self) -> int:
        """Benchmarks whose held-out excess enters the mean."""
        return int(self.per_benchmark["included"].astype(bool).sum()) if len(self.per_benchmark) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "x": self.x_name,
            "by": self.by,
            "excess": _num(self.excess),
            "interval": [_num(v) for v in self.interval],
            "n_heldout": int(self.n_heldout),
            "verdict": self.verdict,
            "reason": self.reason,
            "tolerance": self.tolerance,
            "ci": self.ci,
            "n_boot": int(self.n_boot),
            "per_benchmark": _records(self.per_benchmark),
            "skipped": dict(self.skipped),
            "note": self.note,
        }

    def report(self) -> str:
        lines = [f"[[Decoupling]] {self.label}: {self.verdict}", f"    {self.sentence()}", f"    rule: {self.reason}"]
        if self.note:
            lines.append(f"    note: {self.note}")
        lines.append("    benchmark                     cutoff        train  held-out  excess (points) [interval]      verdict")
        for r in self.per_benchmark.itertuples():
            cut = str(r.cutoff)[:10] if not isinstance(r.cutoff, float) else f"{r.cutoff:.4g}"
            lines.append(
                f"    {r.benchmark:<29} {cut:<13} {r.n_train:>5}  {r.n_heldout:>8}  {100 * r.excess:+7.2f} [{100 * r.low:+.2f}, {100 * r.high:+.2f}]   {r.verdict}"
            )
        for b, why in self.skipped.items():
            lines.append(f"    skipped {b}: {why}")
        return "\n".join(lines)


def _cutoff_of(values: pd.Series, holdout: float) -> Any:
    """The value at the (1 - holdout) quantile of the distinct values (dates or numbers)."""
    vals = np.sort(pd.unique(values.dropna()))
    if len(vals) == 0:
        return None
    i = int(math.floor((1.0 - holdout) * (len(vals) - 1)))
    return vals[i]


def decoupling_test(
    table: pd.DataFrame,
    *,
    x: str,
    by: str,
    cutoff: Any = None,
    holdout: float = 0.25,
    heldout_filter: Any = None,
    floors: Mapping[str, float | None] | float | None = None,
    increasing: bool | None = None,
    benchmarks: Sequence[str] | None = None,
    tolerance: float = 0.02,
    n_boot: int = 200,
    ci: float = 0.95,
    seed: int = 0,
    min_train: int = 8,
    min_heldout: int = 2,
    groups: str | None = None,
    label: str = "",
    x_name: str | None = None,
    note: str = "",
    **link_kwargs: Any,
) -> DecouplingResult:
    r"""Fit each benchmark's link on the models at or below a cut-off, predict those above it.

    Parameters
    ----------
    table : pandas.DataFrame
        Long score table: ``model``, ``benchmark``, ``value`` and the
        columns ``x`` and ``by``.
    x : str
        Scale variable of the link (e.g. ``"loss"``, ``"log10_compute"``).
    by : str
        What separates old from new: ``"release_date"``, ``"compute"``,
        ``"params"``, ...; models with ``by`` greater than the cut-off are
        held out.
    cutoff : scalar, optional
        The cut-off, in units of ``by`` (a date string or Timestamp for
        dates). Default: per benchmark, the (1 - ``holdout``) quantile of the
        distinct values of ``by``.
    holdout : float, default 0.25
        Share held out when ``cutoff`` is None.
    heldout_filter : callable(DataFrame) -> bool array, optional
        Keeps only some of the held-out rows (e.g. final checkpoints).
    floors, increasing, benchmarks :
        As in :func:`fit_links`.
    tolerance : float, default 0.02
        Equivalence margin of :func:`decoupling_verdict` (score fraction).
    n_boot : int, default 200
        Bootstrap resamples of each training fit; each resample also
        resamples the held-out models.
    ci : float, default 0.95
        Interval level.
    seed : int, default 0
        Seed of all resampling.
    min_train, min_heldout : int
        Benchmarks with fewer training or held-out scores are skipped.
    groups : str, optional
        Column whose values the training bootstrap draws together (e.g. the
        model, for several checkpoints or versions per model).
    label, x_name, note : str
        Labels for reports.
    **link_kwargs
        ``loss``, ``delta`` for :func:`fit_link`.

    Returns
    -------
    DecouplingResult

    Notes
    -----
    For benchmark :math:`b` with held-out models :math:`i \in H_b`, the mean
    excess is :math:`\bar e_b = |H_b|^{-1} \sum_i (y_i - \hat y_b(x_i))`.
    Its interval comes from pairing every bootstrap resample of the training
    fit with a resample (with replacement) of the held-out models, so it
    holds both the link's parameter uncertainty and the scatter of the
    held-out models. The overall excess averages :math:`\bar e_b` over
    benchmarks with equal weights; its interval averages the per-benchmark
    draws (resample r of every benchmark together; the benchmarks' training
    resamples are independent, which ignores their correlation through
    shared models).
    """
    for col in (x, by, "benchmark", "value", groups):
        if col is not None and col not in table.columns:
            raise ValueError(f"decoupling_test: the table has no column {col!r} (columns: {list(table.columns)}).")
    if not 0 < holdout < 1:
        raise ValueError(f"decoupling_test(holdout={holdout!r}): use a share between 0 and 1, e.g. 0.25.")
    df = table[np.isfinite(pd.to_numeric(table[x], errors="coerce").to_numpy(dtype=float)) & table[by].notna() & table["value"].notna()]
    is_date = pd.api.types.is_datetime64_any_dtype(df[by])
    if cutoff is not None and is_date:
        cutoff = pd.Timestamp(cutoff)
    inc = ("loss" not in x.lower()) if increasing is None else bool(increasing)
    names = list(benchmarks) if benchmarks is not None else sorted(df["benchmark"].astype(str).unique())
    rng = np.random.default_rng(seed)
    a = 1.0 - ci
    rows, preds, draws, links, skipped = [], [], [], {}, {}
    for name in names:
        sub = df[df["benchmark"].astype(str) == name]
        cut = cutoff if cutoff is not None else _cutoff_of(sub[by], holdout)
        if cut is None:
            skipped[name] = "no scores"
            continue
        train = sub[sub[by] <= cut]
        test = sub[sub[by] > cut]
        if heldout_filter is not None:
            test = test[np.asarray(heldout_filter(test), dtype=bool)]
        if len(train) < min_train or len(test) < min_heldout:
            skipped[name] = f"{len(train)} training and {len(test)} held-out scores (need {min_train} and {min_heldout})"
            continue
        fl = floors.get(name) if isinstance(floors, Mapping) else floors
        link = fit_link(
            train[x].to_numpy(float), train["value"].to_numpy(float), floor=fl, increasing=inc, benchmark=name,
            x_name=x_name or x, n_boot=n_boot, ci=ci, seed=seed, groups=None if groups is None else train[groups].to_numpy(),
            **link_kwargs,
        )
        if not link.converged:
            skipped[name] = f"the link on the training models did not converge ({'; '.join(link.notes)[:120]})"
            continue
        links[name] = link
        xt = test[x].to_numpy(float)
        yt = test["value"].to_numpy(float)
        pred = link.predict(xt)
        m = len(yt)
        exc = float(np.mean(yt - pred))
        # A link at chance (or without signal) on the training models predicts chance for everything:
        # its held-out excess is shown, but it tests nothing about the link, so it is not averaged.
        included = link.status in ("tracking", "saturated", "uncertain")
        samp = link.predict_samples(xt)  # (B, m)
        B = len(samp)
        band = np.quantile(samp, [a / 2, 1 - a / 2], axis=0) if B > 1 else np.vstack([pred, pred])
        lo = hi = math.nan
        if included and B > 1:
            idx = rng.integers(0, m, size=(B, m))
            e_draw = np.mean(yt[idx] - np.take_along_axis(samp, idx, axis=1), axis=1)  # (B,)
            lo, hi = (float(v) for v in np.quantile(e_draw, [a / 2, 1 - a / 2]))
            draws.append(e_draw)
        if included:
            v, _ = decoupling_verdict(exc, lo, hi, m, tolerance=tolerance, min_heldout=min_heldout)
        else:
            v = f"not tested (link {link.status})"
        rows.append(
            {
                "benchmark": name,
                "cutoff": cut if not isinstance(cut, (np.floating, np.integer)) else float(cut),
                "n_train": len(train),
                "n_heldout": m,
                "excess": exc,
                "low": lo,
                "high": hi,
                "verdict": v,
                "link_status": link.status,
                "included": included,
            }
        )
        preds.append(
            pd.DataFrame(
                {
                    "model": test["model"].astype(str).to_numpy() if "model" in test.columns else np.arange(m).astype(str),
                    "benchmark": name,
                    "x": xt,
                    "by": test[by].to_numpy(),
                    "observed": yt,
                    "predicted": pred,
                    "lo": band[0],
                    "hi": band[1],
                    "excess": yt - pred,
                }
            )
        )
    per = pd.DataFrame(rows, columns=["benchmark", "cutoff", "n_train", "n_heldout", "excess", "low", "high", "verdict", "link_status", "included"])
    used = per[per["included"].astype(bool)] if len(per) else per
    if len(used):
        excess = float(used["excess"].mean())
        L = min((len(d) for d in draws), default=0)
        if L > 1 and len(draws) == len(used):
            avg = np.mean(np.vstack([d[:L] for d in draws]), axis=0)
            interval = (float(np.quantile(avg, a / 2)), float(np.quantile(avg, 1 - a / 2)))
        else:
            interval = (math.nan, math.nan)
        n_held = int(used["n_heldout"].sum())
    else:
        excess, interval, n_held = math.nan, (math.nan, math.nan), 0
    verdict, reason = decoupling_verdict(excess, interval[0], interval[1], n_held, tolerance=tolerance)
    return DecouplingResult(
        label=label or f"{x} link, held out by {by}",
        x_name=x_name or x,
        by=by,
        per_benchmark=per,
        predictions=pd.concat(preds, ignore_index=True) if preds else pd.DataFrame(columns=["model", "benchmark", "x", "by", "observed", "predicted", "lo", "hi", "excess"]),
        excess=excess,
        interval=interval,
        n_heldout=n_held,
        verdict=verdict,
        reason=reason,
        tolerance=float(tolerance),
        ci=float(ci),
        n_boot=int(n_boot),
        links=links,
        skipped=skipped,
        note=note,
    )


# =============================================================================
# 1. links
# =============================================================================


@dataclass(frozen=True, eq=False)
class LinksAnalysis:
    """Outcome of :func:`links_analysis`: link sets per dataset, family offsets, verdict.

    Attributes
    ----------
    sets : dict
        Label -> :class:`LinkSet` (``"gadre"``: C4 loss; ``"pythia"``: log10
        compute over sizes and checkpoints; ``"obsscaling"``: log10 compute
        over public models).
    family_offsets : pandas.DataFrame
        obsscaling families with at least 3 models: mean residual of their
        models from the pooled compute links (``offset``, score fraction,
        positive = better than compute predicts; each model's residual is
        its mean over the benchmarks) with a t interval over the models.
    plateaus : int
        Saturated links whose ceiling interval lies below 0.9.
    """

    sets: dict[str, LinkSet]
    family_offsets: pd.DataFrame = field(repr=False)
    verdict: str = "inconclusive"
    reason: str = ""
    plateaus: int = 0
    n_boot: int = 0
    seed: int = 0
    fast: bool = False
    seconds: float = math.nan
    sources: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for s in self.sets.values():
            for k, v in s.counts().items():
                out[k] += v
        return out

    def sentence(self) -> str:
        c = self.counts()
        parts = []
        g = self.sets.get("gadre")
        if g is not None and len(g):
            tr = [link for link in g if link.status == "tracking"]
            if tr:
                med = float(np.median([link.estimates["slope"] for link in tr]))
                parts.append(
                    f"on Gadre et al.'s 104 models, {len(tr)} of {len(g)} tasks still gain at their lowest loss "
                    f"(median {100 * med:.0f} points per nat of C4 loss)"
                )
        informative = c["tracking"] + c["saturated"] + c["uncertain"]
        return (
            f"Of {sum(c.values())} sigmoid links from loss or compute to benchmark scores, {c['tracking']} still rise at the "
            f"frontier, {c['saturated']} have saturated ({self.plateaus} of them below a 0.9 score), {c['uncertain']} are "
            f"uncertain, {c['at chance']} have not left chance and {c['no signal'] + c['failed']} show no usable signal"
            + (f"; {parts[0]}" if parts else "")
            + f": {self.verdict} ({c['tracking']}/{informative} informative links tracking)."
        )

    def summary(self) -> str:
        """One sentence (at most 400 characters) for the report."""
        c = self.counts()
        informative = c["tracking"] + c["saturated"] + c["uncertain"]
        g = self.sets.get("gadre")
        tail = ""
        if g is not None and len(g):
            n_tr = sum(lk.status == "tracking" for lk in g)
            tail = f"; on Gadre et al.'s models {n_tr} of {len(g)} tasks still gain at the lowest C4 loss"
        return (
            f"Of {informative} sigmoid links from loss or compute to benchmark scores that left chance, {c['tracking']} still "
            f"rise at the frontier, {c['saturated']} have saturated ({self.plateaus} below a 0.9 score) and {c['uncertain']} "
            f"are uncertain{tail}."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "sentence": self.sentence(),
            "summary": self.summary(),
            "counts": self.counts(),
            "plateaus": int(self.plateaus),
            "sets": {k: v.to_dict() for k, v in self.sets.items()},
            "family_offsets": _records(self.family_offsets),
            "n_boot": int(self.n_boot),
            "seed": self.seed,
            "fast": self.fast,
            "seconds": _num(self.seconds),
        }

    def report(self) -> str:
        lines = [f"[[Capabilities: links]] {self.verdict}", f"    {self.sentence()}", f"    rule: {self.reason}"]
        for label, s in self.sets.items():
            lines.append(f"--- {label} ---")
            t = s.table()
            for r in t.itertuples():
                lines.append(
                    f"    {r.benchmark:<26} {r.status:<10} R^2 {r.r2:5.2f}  frontier {r.frontier_score:.3f} [{r.frontier_score_low:.3f}, {r.frontier_score_high:.3f}]"
                    f"  slope {r.slope:.3f} [{r.slope_low:.3f}, {r.slope_high:.3f}]  ceiling {r.ceiling:.3f} [{r.ceiling_low:.3f}, {r.ceiling_high:.3f}]"
                )
            for b, why in s.skipped.items():
                lines.append(f"    skipped {b}: {why}")
        if len(self.family_offsets):
            lines.append("--- obsscaling families: mean residual from the pooled compute links ---")
            for r in self.family_offsets.itertuples():
                lines.append(f"    {r.family:<18} {r.models:>2} models  {100 * r.offset:+6.1f} points [{100 * r.low:+.1f}, {100 * r.high:+.1f}]")
        return "\n".join(lines)

    def figures(self) -> dict[str, Figure]:
        """Data and fitted links with 95 % bands, one figure per dataset (the eight most informative links each)."""
        figs: dict[str, Figure] = {}
        titles = {
            "gadre": ("C4 validation loss (nats/token)", "Gadre et al. (2024): downstream accuracy against validation loss",
                      "Lower loss is to the left; a curve still climbing at the left edge means lower loss still buys points."),
            "pythia": ("log10 training compute (FLOP, 6ND)", "Pythia, all sizes and checkpoints: zero-shot accuracy against compute",
                       "Every checkpoint of the 16 models; benchmarks at chance level are not drawn."),
            "obsscaling": ("log10 training compute (FLOP, 6ND)", "Ruan et al. (2024) public models: accuracy against compute, families pooled",
                           "Pooled over 40+ families whose compute efficiency differs (see the family offsets)."),
        }
        order = {st: i for i, st in enumerate(STATUSES)}
        for label, s in self.sets.items():
            shown = sorted((lk for lk in s.links if lk.fit is not None), key=lambda lk: (order[lk.status], -(lk.r2 if math.isfinite(lk.r2) else -1.0)))[:8]
            if not shown:
                continue
            traces = []
            for i, link in enumerate(shown):
                traces += _link_traces(link, PALETTE[i % len(PALETTE)], f"{link.benchmark} ({link.status})")
            x_title, title, caption = titles.get(label, (s.x_name, label, ""))
            figs[f"links_{label}"] = figure(title, traces, x_title=x_title, y_title="score (fraction)", x_log=False, y_log=False, caption=caption)
        fo = self.family_offsets
        if len(fo):
            y = 100 * fo["offset"].to_numpy(float)
            figs["family_offsets"] = figure(
                "obsscaling families: mean score above (+) or below (-) the pooled compute links",
                [points(list(fo["family"]), y, "family mean residual, 95% interval", color=PALETTE[0], error_y=_err(y, 100 * fo["low"], 100 * fo["high"]))],
                x_title="family", y_title="score points", x_log=False, y_log=False, shapes=[hline(0.0)],
                caption="Positive: the family scores above what its training compute predicts under the pooled links.",
            )
        return figs

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {f"links_{k}": v.table() for k, v in self.sets.items()}
        if len(self.family_offsets):
            out["family_offsets"] = self.family_offsets
        return out

    def method(self) -> str:
        return (
            "Per benchmark, a sigmoid y = f + (c - f) / (1 + exp(-/+ k (x - x0))) is fitted by least squares on linear "
            "residuals (scalewatch.fit, multi-start variable projection; x standardised to its observed span, steepness "
            "capped so that the 10-90% rise is at least 4.4% of that span). The floor f is the chance level (Gadre et al.'s "
            "random baselines; 0.25 for four-way and 0.5 for two-way multiple choice; 0 for open-ended tasks), fitted where "
            "no single chance level exists (TruthfulQA MC2). x is the C4 validation loss for Gadre et al.'s 104 models "
            "(17-task subset of their paper), log10 of 6ND training FLOP for Pythia (16 models, every zero-shot checkpoint "
            "after step 0) and for Ruan et al.'s public models (pooled over families; FLOP is upstream's 6ND). "
            f"Intervals: {self.n_boot} bootstrap resamples of the models (Pythia: whole models with all their checkpoints), "
            "each refitted (percentile, 95%); links with "
            "no signal or at chance on the full data are not bootstrapped. At the frontier (lowest loss, highest compute) each link reports its score, "
            "progress (share of the floor-to-ceiling rise achieved), slope and headroom. Status, in this order: failed (no "
            "convergence), at chance (frontier score less than 3 points above the floor, or progress interval below 0.1), "
            "no signal (R^2 < 0.3), saturated (progress interval above 0.9), tracking (progress interval below 0.9), "
            "uncertain (progress interval straddles 0.9). Family offsets: each obsscaling model's mean residual from the pooled "
            "links over the benchmarks, averaged per family with a t interval over the family's models. Verdict rule: in step when at least half of the informative links "
            "(tracking, saturated, uncertain) are tracking; decoupling when at least half are plateaus (saturated with a ceiling "
            "interval below 0.9); inconclusive otherwise."
        )

    def to_finding(self) -> Finding:
        """This analysis as a :class:`~scalewatch.analyses._finding.Finding` (key ``capabilities.links``)."""
        return _links_finding(self)


def _family_offsets(sets: LinkSet, table: pd.DataFrame, min_models: int = 3, ci: float = 0.95) -> pd.DataFrame:
    from scipy.special import stdtrit  # Student t quantile; scipy.stats costs half a second to import

    parts = []
    for link in sets:
        sub = table[(table["benchmark"] == link.benchmark) & np.isfinite(table["log10_compute"])]
        if link.fit is None or sub.empty:
            continue
        parts.append(sub.assign(resid=sub["value"].to_numpy(float) - link.predict(sub["log10_compute"].to_numpy(float))))
    if not parts:
        return pd.DataFrame(columns=["family", "models", "n", "offset", "low", "high"])
    res = pd.concat(parts, ignore_index=True)
    # one number per model (its mean residual over the benchmarks): a model's benchmarks are not
    # independent draws, so the interval is over models
    per_model = res.groupby(["family", "model"], sort=True).agg(resid=("resid", "mean"), n=("resid", "size")).reset_index()
    rows = []
    for fam, g in per_model.groupby("family", sort=True):
        if len(g) < min_models:
            continue
        r = g["resid"].to_numpy(float)
        se = r.std(ddof=1) / math.sqrt(len(r))
        tq = float(stdtrit(len(r) - 1, 0.5 + ci / 2))
        rows.append({"family": fam, "models": len(r), "n": int(g["n"].sum()), "offset": r.mean(), "low": r.mean() - tq * se, "high": r.mean() + tq * se})
    if not rows:
        return pd.DataFrame(columns=["family", "models", "n", "offset", "low", "high"])
    return pd.DataFrame(rows).sort_values("offset").reset_index(drop=True)


def links_analysis(*, fast: bool = False, n_boot: int | None = None, seed: int = 0, gadre_tasks: Sequence[str] | None = GADRE_SUBSET) -> LinksAnalysis:
    """Sigmoid links from loss or compute to benchmark scores on three public datasets.

    Parameters
    ----------
    fast : bool, default False
        40 bootstrap resamples per link instead of 200 (noisier intervals;
        same data, method and verdict rule).
    n_boot : int, optional
        Bootstrap resamples per link (default 200; 40 when ``fast``).
    seed : int, default 0
        Seed of the resampling.
    gadre_tasks : sequence of str or None, default :data:`GADRE_SUBSET`
        Gadre et al.'s tasks to link to the loss (None: all 46; about three
        times slower).

    Returns
    -------
    LinksAnalysis
    """
    t0 = time.perf_counter()
    nb = _n_boot(n_boot, fast)
    g = gadre_scores(gadre_tasks)
    gtasks = list(dict.fromkeys(g["benchmark"])) if gadre_tasks is None else list(gadre_tasks)
    gfloors = g.drop_duplicates("benchmark").set_index("benchmark")["floor"].to_dict()
    sets = {
        "gadre": fit_links(g, x="loss", floors=gfloors, increasing=False, benchmarks=list(gtasks), x_name="C4 validation loss", source="gadre-overtraining-scaling", n_boot=nb, seed=seed)
    }
    p = pythia_scores()
    pb = list(_PYTHIA_COLUMNS.values())
    # the checkpoints of one model are not independent: the bootstrap draws whole models
    sets["pythia"] = fit_links(
        p, x="log10_compute", floors=CHANCE["pythia-evals"], increasing=True, benchmarks=pb, x_name="log10 compute",
        source="pythia-evals", groups="size_model", n_boot=nb, seed=seed,
    )
    o = obsscaling_scores()
    o = o[np.isfinite(o["log10_compute"])]
    ob = list(OBSSCALING_BENCHMARKS)
    sets["obsscaling"] = fit_links(o, x="log10_compute", floors=CHANCE["obsscaling"], increasing=True, benchmarks=ob, x_name="log10 compute", source="obsscaling", n_boot=nb, seed=seed)
    offsets = _family_offsets(sets["obsscaling"], o)
    plateaus = sum(
        1
        for s in sets.values()
        for link in s
        if link.status == "saturated" and link.intervals.get("ceiling", (math.nan, math.nan))[1] < 0.9
    )
    counts = dict.fromkeys(STATUSES, 0)
    for s in sets.values():
        for k, v in s.counts().items():
            counts[k] += v
    verdict, reason = links_verdict(counts, plateaus)
    return LinksAnalysis(
        sets=sets,
        family_offsets=offsets,
        verdict=verdict,
        reason=reason,
        plateaus=plateaus,
        n_boot=nb,
        seed=seed,
        fast=fast,
        seconds=time.perf_counter() - t0,
        sources=("gadre-overtraining-scaling", "pythia-evals", "obsscaling"),
    )


# =============================================================================
# 2. observational scaling
# =============================================================================

#: cumulative variance explained by the first three PCs on the complete models, as the issue and
#: Ruan et al. (2024, sec. 3.2, fig. 2) report them: about 84, 94 and 97 %
RUAN_CUMULATIVE = (0.84, 0.94, 0.97)


@dataclass(frozen=True, eq=False)
class ObservationalAnalysis:
    """Outcome of :func:`observational_analysis`.

    Attributes
    ----------
    complete : PCAResult
        PCA of the models with all benchmarks (the paper's variance figures).
    imputed : PCAResult
        PCA of all models after :func:`impute_pca` (one component, clipped to [0, 1]).
    trends : TrendResult
        PC-1 (of ``imputed``) against log10 compute, per family and pooled.
    n_models, n_missing_cells, n_without_compute : int
        Models in the table, missing benchmark cells, models without compute.
    """

    complete: PCAResult
    imputed: PCAResult
    trends: TrendResult
    n_models: int
    n_missing_cells: int
    n_without_compute: int
    verdict: str = "inconclusive"
    reason: str = ""
    seed: int = 0
    fast: bool = False
    seconds: float = math.nan
    capability: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def sentence(self) -> str:
        c = self.complete.cumulative
        ci = self.complete.cumulative_intervals
        t = self.trends
        return (
            f"On the {len(self.complete.models)} complete models the first three principal components of {len(self.complete.benchmarks)} "
            f"benchmarks explain {100 * c[0]:.1f}% [{100 * ci[0, 0]:.1f}, {100 * ci[0, 1]:.1f}], {100 * c[1]:.1f}% and {100 * c[2]:.1f}% "
            f"of the variance (Ruan et al.: about 84, 94, 97%); within {t.n_families} families the capability score PC-1 rises "
            f"{t.slope:.3f} [{t.slope_interval[0]:.3f}, {t.slope_interval[1]:.3f}] per decade of compute (within-family R^2 "
            f"{t.within_r2:.2f}, curvature {t.curvature:+.3f} [{t.curvature_interval[0]:+.3f}, {t.curvature_interval[1]:+.3f}]): {self.verdict}."
        )

    def summary(self) -> str:
        """One sentence (at most 400 characters) for the report."""
        c = 100 * self.complete.cumulative
        t = self.trends
        return (
            f"Three principal components of {len(self.complete.benchmarks)} benchmarks explain {c[0]:.1f}%, {c[1]:.1f}% and "
            f"{c[2]:.1f}% of the variance over {len(self.complete.models)} complete models (Ruan et al.: about 84, 94, 97%), "
            f"and within {t.n_families} families PC-1 rises {t.slope:.3f} [{t.slope_interval[0]:.3f}, {t.slope_interval[1]:.3f}] "
            f"per decade of compute (within-family R^2 {t.within_r2:.2f})."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "sentence": self.sentence(),
            "summary": self.summary(),
            "complete": self.complete.to_dict(),
            "imputed": self.imputed.to_dict(),
            "trends": self.trends.to_dict(),
            "reference_cumulative": list(RUAN_CUMULATIVE),
            "n_models": int(self.n_models),
            "n_missing_cells": int(self.n_missing_cells),
            "n_without_compute": int(self.n_without_compute),
            "seed": self.seed,
            "fast": self.fast,
            "seconds": _num(self.seconds),
        }

    def report(self) -> str:
        return "\n".join(
            [
                f"[[Capabilities: observational scaling]] {self.verdict}",
                f"    {self.sentence()}",
                f"    rule: {self.reason}",
                self.complete.report(),
                self.imputed.report(),
                self.trends.report(),
            ]
        )

    def figures(self) -> dict[str, Figure]:
        k = len(self.complete.cumulative)
        pcs = [f"PC-{i + 1}" for i in range(k)]
        ci = self.complete.cumulative_intervals
        cum = 100 * self.complete.cumulative
        var_fig = figure(
            "Cumulative variance explained by the principal components of the benchmark matrix",
            [
                curve(pcs, cum, f"complete models ({len(self.complete.models)})", color=PALETTE[0], mode="lines+markers", error_y=_err(cum, 100 * ci[:, 0], 100 * ci[:, 1])),
                curve(pcs, 100 * self.imputed.cumulative, f"all models, imputed ({len(self.imputed.models)})", color=PALETTE[1], dash="dash"),
                points(pcs[:3], [100 * v for v in RUAN_CUMULATIVE], "Ruan et al. (2024), approx.", color=PALETTE[2], held_out=True),
            ],
            x_title="component", y_title="cumulative share of variance (%)", x_log=False, y_log=False,
            caption="Raw (unstandardised) scores as in the paper; error bars: bootstrap over models.",
        )
        traces = []
        cap = self.capability
        fams = list(self.trends.per_family["family"])
        for i, fam in enumerate(fams):
            g = cap[cap["family"] == fam].dropna(subset=["log10_compute"]).sort_values("log10_compute")
            traces.append(curve(g["log10_compute"], g["PC-1"], str(fam), color=PALETTE[i % len(PALETTE)], mode="lines+markers", text=list(g["model"])))
        trend_fig = figure(
            "Capability score (PC-1) against training compute, per family",
            traces, x_title="log10 training compute (FLOP, 6ND)", y_title="PC-1", x_log=False, y_log=False,
            caption="Within a family PC-1 rises roughly linearly in log compute; families are shifted by their compute efficiency.",
        )
        return {"pca_variance": var_fig, "pc1_vs_compute": trend_fig}

    def tables(self) -> dict[str, pd.DataFrame]:
        load = self.complete.loadings.iloc[:3].T.reset_index().rename(columns={"index": "benchmark"})
        return {"pc_loadings": load, "family_slopes": self.trends.per_family}

    def method(self) -> str:
        return (
            f"Benchmark matrix: the {len(self.complete.benchmarks)} benchmarks of Ruan et al.'s main table "
            f"({', '.join(self.complete.benchmarks)}), {self.n_models} base models, {self.n_missing_cells} missing cells. "
            "PCA of the raw (unstandardised, centred) scores as in the paper (upstream perform_pca, standardize=False), "
            f"first on the {len(self.complete.models)} models with every benchmark (complete-case), then on all models after "
            "the paper's imputation (standardise each benchmark, fill missing cells with the mean, replace them by a "
            "one-component PCA reconstruction until they stop moving, clip to [0, 1]; upstream pca_impute). Intervals on "
            f"the variance explained: {self.complete.n_boot} bootstrap resamples of the models (percentile). Capability "
            "trend: PC-1 of the imputed PCA against log10 compute (upstream's 6ND), per family with at least 3 models of "
            "distinct compute (OLS, t intervals), and pooled with one offset per family, a shared slope and a curvature "
            f"term in (log10 C - mean)^2 ({self.n_without_compute} models without compute left out); pooled intervals from "
            f"{self.trends.n_boot} cluster-bootstrap resamples of the families. Verdict rule: decoupling when the curvature "
            "interval lies below 0; in step when the slope interval lies above 0 and the pooled model explains at least 70% "
            "of the within-family variance; inconclusive otherwise. A positive curvature is not read as 'ahead': PC-1 of "
            "bounded accuracies is convex where the smallest models sit at chance."
        )

    def to_finding(self) -> Finding:
        """This analysis as a Finding (key ``capabilities.observational_scaling``)."""
        return _observational_finding(self)


def observational_analysis(*, fast: bool = False, n_boot: int | None = None, seed: int = 0) -> ObservationalAnalysis:
    """Ruan et al.'s observational scaling on their data: PCA, imputation, PC-1 against compute.

    Parameters
    ----------
    fast : bool, default False
        200 instead of 1000 bootstrap resamples.
    n_boot : int, optional
        Bootstrap resamples of the PCA (models) and of the trend (families).
    seed : int, default 0
        Seed of the resampling.

    Returns
    -------
    ObservationalAnalysis
    """
    t0 = time.perf_counter()
    nb = _n_boot(n_boot, fast, default=1000, fast_default=200)
    o = obsscaling_scores(OBSSCALING_BENCHMARKS)
    M = benchmark_matrix(o, list(OBSSCALING_BENCHMARKS), model="model")
    n_missing = int(M.isna().sum().sum())
    complete = principal_components(M.dropna(), n_boot=nb, seed=seed, note=f"complete-case: {int(M.isna().any(axis=1).sum())} models with a missing score dropped")
    filled, n_iter = impute_pca(M, 1)
    imputed = principal_components(filled, n_boot=nb, seed=seed, imputed_cells=n_missing, note=f"{n_missing} missing cells imputed (PCA, 1 component, {n_iter} iterations)")
    info = o.drop_duplicates("model").set_index("model")[["family", "log10_compute"]]
    cap = info.join(imputed.scores[["PC-1"]], how="inner").reset_index()
    trends = family_trends(cap, score="PC-1", x="log10_compute", n_boot=nb, seed=seed)
    verdict, reason = observational_verdict(trends.slope_interval, trends.curvature_interval, trends.within_r2)
    return ObservationalAnalysis(
        complete=complete,
        imputed=imputed,
        trends=trends,
        n_models=len(M),
        n_missing_cells=n_missing,
        n_without_compute=int(cap["log10_compute"].isna().sum()),
        verdict=verdict,
        reason=reason,
        seed=seed,
        fast=fast,
        seconds=time.perf_counter() - t0,
        capability=cap,
    )


# =============================================================================
# 3. decoupling
# =============================================================================


@dataclass(frozen=True, eq=False)
class DecouplingAnalysis:
    """Outcome of :func:`decoupling_analysis`: held-out tests on four datasets.

    Attributes
    ----------
    scenarios : dict
        Label -> :class:`DecouplingResult`: ``"release date"`` (Epoch AI,
        newest quarter of model versions per benchmark), ``"compute"``
        (obsscaling, top quarter of compute), ``"gadre size"`` (Gadre et al.,
        1.4B and 6.9B models from the four smaller sizes), ``"pythia size"``
        (fully trained 2.8B-12B Pythia models from every checkpoint of the
        smaller ones).
    headline : str
        The scenario that gives the verdict: the release-date test (the
        question asks about the *newest* models) when it has a result.
    by_distillation : pandas.DataFrame
        Release-date scenario: mean held-out excess of the versions Epoch
        judges distilled from a larger model and of the others (``group, n,
        excess, low, high``; intervals from the held-out scatter only).
    """

    scenarios: dict[str, DecouplingResult]
    headline: str
    verdict: str
    reason: str
    n_boot: int = 0
    seed: int = 0
    fast: bool = False
    seconds: float = math.nan
    n_distilled: int = 0
    by_distillation: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def sentence(self) -> str:
        h = self.scenarios[self.headline]
        others = "; ".join(
            f"{k}: {100 * r.excess:+.1f} [{100 * r.interval[0]:+.1f}, {100 * r.interval[1]:+.1f}] points ({r.verdict})"
            for k, r in self.scenarios.items()
            if k != self.headline
        )
        return (
            f"Newest models against the compute link fitted on older ones: {100 * h.excess:+.1f} points "
            f"[{100 * h.interval[0]:+.1f}, {100 * h.interval[1]:+.1f}] over {h.n_heldout} held-out scores on "
            f"{h.n_benchmarks} benchmarks ({self.verdict}{self._distillation_clause()})" + (f"; {others}." if others else ".")
        )

    def summary(self) -> str:
        """One sentence (at most 400 characters) for the report."""

        def iv(r: DecouplingResult) -> str:
            return f"{100 * r.excess:+.1f} [{100 * r.interval[0]:+.1f}, {100 * r.interval[1]:+.1f}]"

        h = self.scenarios[self.headline]
        what = "Model versions in the newest quarter by release date" if self.headline == "release date" else "The models with the most compute"
        others = [(k, r) for k, r in self.scenarios.items() if k in ("gadre size", "pythia size") and r.n_benchmarks]
        tail = ""
        if others:
            tail = "; the largest models of controlled suites: " + ", ".join(
                f"{'Gadre et al.' if k == 'gadre size' else 'Pythia'} {iv(r)}" for k, r in others
            ) + " points"
        return (
            f"{what} score {iv(h)} points against the compute link fitted on the rest ({h.n_heldout} held-out scores, "
            f"{h.n_benchmarks} benchmarks){tail}."
        )

    def _distillation_clause(self) -> str:
        d = self.by_distillation
        if not len(d) or self.headline != "release date" or (d["n"] == 0).any():
            return ""
        parts = [f"{g} {100 * e:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}]" for g, e, lo, hi in d[["group", "excess", "low", "high"]].itertuples(index=False)]
        return "; " + ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "headline": self.headline,
            "sentence": self.sentence(),
            "summary": self.summary(),
            "scenarios": {k: v.to_dict() for k, v in self.scenarios.items()},
            "n_distilled_heldout": int(self.n_distilled),
            "by_distillation": _records(self.by_distillation),
            "n_boot": int(self.n_boot),
            "seed": self.seed,
            "fast": self.fast,
            "seconds": _num(self.seconds),
        }

    def report(self) -> str:
        lines = [f"[[Capabilities: decoupling]] {self.verdict} (headline: {self.headline})", f"    {self.sentence()}", f"    rule: {self.reason}"]
        lines += [r.report() for r in self.scenarios.values()]
        for r in self.by_distillation.itertuples():
            lines.append(f"    release date, {r.group}: n {r.n}, {100 * r.excess:+.1f} points [{100 * r.low:+.1f}, {100 * r.high:+.1f}]")
        return "\n".join(lines)

    def figures(self) -> dict[str, Figure]:
        figs: dict[str, Figure] = {}
        for key, r in self.scenarios.items():
            p = r.predictions
            if not len(p):
                continue
            is_date = pd.api.types.is_datetime64_any_dtype(p["by"])
            traces = []
            for i, (b, g) in enumerate(p.groupby("benchmark", sort=True)):
                xv = [str(pd.Timestamp(v).date()) for v in g["by"]] if is_date else g["by"].to_numpy(float)
                y = 100 * g["excess"].to_numpy(float)
                traces.append(points(xv, y, str(b), color=PALETTE[i % len(PALETTE)], text=list(g["model"])))
            figs[f"decoupling_{key.replace(' ', '_')}"] = figure(
                f"{r.label}: observed minus predicted score",
                traces, x_title=r.by.replace("_", " "), y_title="observed - predicted (score points)", x_log=not is_date, y_log=False,
                shapes=[hline(0.0)], caption="Above zero: the held-out model beats what the link fitted on the others predicts.",
            )
        return figs

    def tables(self) -> dict[str, pd.DataFrame]:
        rows = []
        for k, r in self.scenarios.items():
            rows.append({"scenario": k, "x": r.x_name, "by": r.by, "benchmarks": r.n_benchmarks, "n_heldout": r.n_heldout, "excess": r.excess, "low": r.interval[0], "high": r.interval[1], "verdict": r.verdict})
        out = {"decoupling_scenarios": pd.DataFrame(rows)}
        if len(self.by_distillation):
            out["decoupling_release_date_by_distillation"] = self.by_distillation
        for k, r in self.scenarios.items():
            out[f"decoupling_{k.replace(' ', '_')}"] = r.per_benchmark
        return out

    def method(self) -> str:
        h = self.scenarios[self.headline]
        return (
            "For each benchmark the sigmoid link (chance floor, fitted ceiling; see the links finding) is fitted to the "
            "older or smaller models only and predicts the held-out ones; excess = observed - predicted score. Release "
            "date: Epoch AI's benchmark hub (model versions with their release dates) joined by model name with the "
            "training compute of Epoch's AI-models database; per benchmark the newest quarter of versions is held out "
            f"({self.n_distilled} held-out scores belong to models Epoch judges distilled, reported apart; post-trained "
            "and reasoning versions are included as published). Compute: obsscaling base models, top quarter of compute per benchmark "
            "held out, pooled over families. Size: Gadre et al.'s 1.4B and 6.9B models predicted from the four smaller "
            "sizes with the link from C4 loss to the average accuracy over their 17-task subset (as in their paper); Pythia's fully trained 2.8B, 6.9B and 12B models predicted from every "
            f"checkpoint of the 70M-1.4B models with the compute link. Intervals: {self.n_boot} bootstrap resamples of "
            "the training fit (whole models drawn: a Pythia model with all its checkpoints, an Epoch model with all its "
            "versions), each paired with a resample of the held-out models (percentile, 95%); the overall excess "
            "averages the benchmarks with equal weight; benchmarks whose training link sits at chance or has no signal "
            "are shown but not averaged (a link at chance predicts chance and tests nothing). Verdict rule (per scenario): in step when the interval lies within "
            f"+/-{100 * h.tolerance:g} points; ahead when it lies above 0; decoupling when below 0; inconclusive otherwise "
            f"or with fewer than 5 held-out scores. The finding's verdict is the {self.headline} scenario's, because the "
            "question asks about the newest models."
        )

    def to_finding(self) -> Finding:
        """This analysis as a Finding (key ``capabilities.decoupling``)."""
        return _decoupling_finding(self)


def decoupling_analysis(*, fast: bool = False, n_boot: int | None = None, seed: int = 0, tolerance: float = 0.02) -> DecouplingAnalysis:
    """Do the newest or largest models fall short of, match, or beat their link's prediction?

    Parameters
    ----------
    fast : bool, default False
        40 bootstrap resamples per training fit instead of 200 (same data,
        method and verdict rule).
    n_boot : int, optional
        Bootstrap resamples per training fit (default 200).
    seed : int, default 0
        Seed of the resampling.
    tolerance : float, default 0.02
        Equivalence margin of the verdict (score fraction).

    Returns
    -------
    DecouplingAnalysis
    """
    t0 = time.perf_counter()
    nb = _n_boot(n_boot, fast)
    scen: dict[str, DecouplingResult] = {}
    e = epoch_release_scores()
    scen["release date"] = decoupling_test(
        e, x="log10_compute", by="release_date", floors=CHANCE["epoch-benchmark-stitching"], increasing=True, tolerance=tolerance,
        n_boot=nb, seed=seed, groups="base_model", label="Epoch AI hub, newest quarter of model versions by release date", x_name="log10 compute",
    )
    by_dist = _distillation_split(scen["release date"], e, seed=seed)
    n_dist = int(by_dist.loc[by_dist["group"] == "distilled", "n"].sum()) if len(by_dist) else 0
    o = obsscaling_scores(OBSSCALING_BENCHMARKS)
    o = o[np.isfinite(o["log10_compute"])]
    scen["compute"] = decoupling_test(
        o, x="log10_compute", by="compute", floors=CHANCE["obsscaling"], increasing=True, tolerance=tolerance, n_boot=nb, seed=seed,
        label="obsscaling, top quarter of compute", x_name="log10 compute",
        note="pooled over families: part of the excess is the held-out families' compute efficiency",
    )
    # Gadre et al. extrapolate the *average* accuracy over their 17-task subset from loss; so do we
    # (one link; its floor is the mean of the tasks' random baselines).
    g = gadre_scores(GADRE_SUBSET)
    avg = g.groupby("model", sort=True).agg(value=("value", "mean"), floor=("floor", "mean"), loss=("loss", "first"), params=("params", "first"))
    avg = avg.reset_index().assign(benchmark=f"{len(GADRE_SUBSET)}-task average")
    scen["gadre size"] = decoupling_test(
        avg, x="loss", by="params", cutoff=5e8, floors=float(avg["floor"].iloc[0]), increasing=False, tolerance=tolerance, n_boot=nb,
        seed=seed, min_heldout=2, label="Gadre et al., 1.4B and 6.9B models from the four smaller sizes (C4 loss -> 17-task average accuracy)",
        x_name="C4 validation loss",
    )
    p = pythia_scores()
    scen["pythia size"] = decoupling_test(
        p, x="log10_compute", by="params", cutoff=2e9, heldout_filter=lambda t: t["final"].to_numpy(), floors=CHANCE["pythia-evals"],
        increasing=True, tolerance=tolerance, n_boot=nb, seed=seed, groups="size_model",
        label="Pythia, fully trained 2.8B-12B models from all checkpoints of 70M-1.4B (compute link)", x_name="log10 compute",
    )
    headline = "release date" if scen["release date"].n_benchmarks else "compute"
    verdict, reason = scen[headline].verdict, f"{headline} scenario: {scen[headline].reason}"
    return DecouplingAnalysis(
        scenarios=scen, headline=headline, verdict=verdict, reason=reason, n_boot=nb, seed=seed, fast=fast,
        seconds=time.perf_counter() - t0, n_distilled=n_dist, by_distillation=by_dist,
    )


def _distillation_split(result: DecouplingResult, table: pd.DataFrame, *, seed: int = 0, n_draws: int = 2000, ci: float = 0.95) -> pd.DataFrame:
    """Held-out excess of distilled and other model versions (benchmarks in the mean only).

    The interval resamples the held-out scores of the group (their scatter
    only; the links' parameter uncertainty is in the scenario's interval).
    """
    p = result.predictions
    if not len(p):
        return pd.DataFrame(columns=["group", "n", "excess", "low", "high"])
    used = set(result.per_benchmark.loc[result.per_benchmark["included"].astype(bool), "benchmark"])
    p = p[p["benchmark"].isin(used)]
    flag = p["model"].map(table.drop_duplicates("model").set_index("model")["distilled"])
    distilled = flag.fillna(False).astype(bool).to_numpy()
    rng = np.random.default_rng(seed)
    a = 1.0 - ci
    rows = []
    for group, mask in (("distilled", distilled), ("not distilled or unknown", ~distilled)):
        e = p.loc[mask, "excess"].to_numpy(float)
        if e.size == 0:
            rows.append({"group": group, "n": 0, "excess": math.nan, "low": math.nan, "high": math.nan})
            continue
        draws = e[rng.integers(0, e.size, size=(n_draws, e.size))].mean(axis=1)
        lo, hi = np.quantile(draws, [a / 2, 1 - a / 2])
        rows.append({"group": group, "n": int(e.size), "excess": float(e.mean()), "low": float(lo), "high": float(hi)})
    return pd.DataFrame(rows)


# =============================================================================
# 4. emergence
# =============================================================================

_OBS_EMERGENT = (
    # task, discontinuous metric, continuous metric (None: the data have none)
    ("ipa_transliterate", "exact_match", "bleu"),
    ("arithmetic_3ds", "acc", None),
    ("arithmetic_3da", "acc", None),
    ("arithmetic_2dm", "acc", None),
    ("arithmetic_2da", "acc", None),
    ("word_unscrambling", "exact_match", None),
    ("parsinlu_qa", "acc", None),
)


@dataclass(frozen=True, eq=False)
class EmergenceAnalysis:
    """Outcome of :func:`emergence_analysis`.

    Attributes
    ----------
    pairs : tuple of MetricPair
        One per (task, series); label ``"untestable"`` where the data hold
        only a discontinuous metric.
    gaps : tuple of str
        What the datasets lack for this test, said plainly.
    """

    pairs: tuple[MetricPair, ...]
    gaps: tuple[str, ...]
    verdict: str
    reason: str
    n_boot: int = 0
    seed: int = 0
    fast: bool = False
    seconds: float = math.nan

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(PAIR_LABELS, 0)
        for p in self.pairs:
            out[p.label] += 1
        return out

    def sentence(self) -> str:
        c = self.counts()
        tested = [p for p in self.pairs if p.label != "untestable"]
        desc = "; ".join(
            f"{p.task} ({p.series}): {p.discontinuous.metric} r = {p.discontinuous.relative_width:.2f} "
            f"[{p.discontinuous.interval[0]:.2f}, {p.discontinuous.interval[1]:.2f}] vs {p.continuous.metric} r = "
            f"{p.continuous.relative_width:.2f} [{p.continuous.interval[0]:.2f}, {p.continuous.interval[1]:.2f}] -> {p.label}"
            for p in tested
            if p.continuous is not None
        )
        sharp = [p for p in self.pairs if p.label == "untestable" and p.discontinuous.shape == "sharp"]
        return (
            f"{len(tested)} task(s) have both a discontinuous and a continuous metric on the same models ({desc or 'none'}); "
            f"{c['untestable']} task(s) have only a discontinuous metric ({len(sharp)} of them look sharp): {self.verdict}."
        )

    def summary(self) -> str:
        """One sentence (at most 400 characters) for the report."""
        tested = [p for p in self.pairs if p.continuous is not None]
        single = [p for p in self.pairs if p.continuous is None]
        sharp = sum(p.discontinuous.shape == "sharp" for p in single)
        parts = [
            f"{p.task}: {p.discontinuous.metric} r = {p.discontinuous.relative_width:.2f}, {p.continuous.metric} r = "
            f"{p.continuous.relative_width:.2f} ({p.label})"
            for p in tested
        ]
        head = "; ".join(parts) if parts else "no task has a continuous metric in the data"
        text = (
            f"Relative width r of the rise with compute (small = emergent-looking): {head}; {len(single)} task(s) have only a "
            f"discontinuous metric ({sharp} sharp), so they cannot separate a metric artefact from a real jump."
        )
        if len(text) > 400:
            c = self.counts()
            text = (
                f"Of {len(tested)} tasks measured under two metrics, {c['metric artefact']} are metric artefacts, "
                f"{c['emergent under both']} stay sharp under both and {c['smooth under both']} are smooth under both; "
                f"{len(single)} task(s) have only a discontinuous metric ({sharp} sharp)."
            )
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "sentence": self.sentence(),
            "summary": self.summary(),
            "counts": self.counts(),
            "pairs": [p.to_dict() for p in self.pairs],
            "gaps": list(self.gaps),
            "thresholds": {"sharp_max": SHARP_MAX, "smooth_min": SMOOTH_MIN},
            "n_boot": int(self.n_boot),
            "seed": self.seed,
            "fast": self.fast,
            "seconds": _num(self.seconds),
        }

    def report(self) -> str:
        lines = [f"[[Capabilities: emergence]] {self.verdict}", f"    {self.sentence()}", f"    rule: {self.reason}"]
        lines += [p.report() for p in self.pairs]
        lines += [f"    gap: {g}" for g in self.gaps]
        return "\n".join(lines)

    def figures(self) -> dict[str, Figure]:
        figs: dict[str, Figure] = {}
        for p in self.pairs:
            if p.continuous is None:
                continue
            traces = []
            for i, sh in enumerate((p.discontinuous, p.continuous)):
                if sh.link.fit is not None:
                    traces += _link_traces(sh.link, PALETTE[i], f"{sh.metric} ({sh.shape}, r = {sh.relative_width:.2f})")
            if not traces:
                continue
            key = re.sub(r"[^a-z0-9]+", "_", f"emergence {p.task} {p.series}".lower()).strip("_")
            figs[key] = figure(
                f"{p.task} ({p.series}): one task under two metrics",
                traces, x_title="log10 training compute (FLOP)", y_title="metric rescaled to [0, 1] (higher is better)", x_log=False, y_log=False,
                caption="r: share of the compute range over which the fitted sigmoid rises from 10% to 90%; small r looks emergent.",
            )
        single = [p for p in self.pairs if p.continuous is None]
        if single:
            r = [p.discontinuous.relative_width for p in single]
            figs["emergence_single_metric"] = figure(
                "Tasks with a discontinuous metric only: how sharply they rise",
                [points([p.task for p in single], r, "relative 10-90% width, 95% interval", color=PALETTE[0],
                        error_y=_err(r, [p.discontinuous.interval[0] for p in single], [p.discontinuous.interval[1] for p in single]))],
                x_title="task", y_title="relative width r", x_log=False, y_log=False,
                shapes=[hline(SHARP_MAX), hline(SMOOTH_MIN, dash="dot")],
                caption=f"Below {SHARP_MAX}: sharp (looks emergent); above {SMOOTH_MIN}: smooth. No continuous metric exists in the data for these tasks.",
            )
        return figs

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"emergence_pairs": pairs_table(self.pairs)}

    def method(self) -> str:
        return (
            "Each metric is rescaled to [0, 1] over the models (flipped where lower is better: perplexity) and fitted with "
            "a four-parameter sigmoid in log10 training compute (floor and ceiling free within [-0.25, 1.25]); its relative "
            "width r is the share of the observed compute range over which the curve rises from 10% to 90% "
            f"(2 ln 9 / k over the range), with a {self.n_boot}-resample bootstrap interval (models resampled). Sharp: "
            f"upper end of the interval <= {SHARP_MAX}; smooth: lower end >= {SMOOTH_MIN}; unclear otherwise (also for fits "
            "with R^2 < 0.3). Pairs on the same models: metric artefact (sharp under the discontinuous metric, smooth under "
            "the continuous one; Schaeffer et al. 2023), emergent under both, smooth under both, unresolved. Data: Pythia's "
            "16 fully trained models (LAMBADA last-word accuracy against log perplexity of the same evaluation); the "
            "obsscaling emergent-capability table (Ruan et al. 2024; BIG-bench tasks; exact match against BLEU for IPA "
            "transliteration, the only task with a continuous metric; models with compute). Verdict rule: decoupling when "
            "some task stays sharp under a continuous metric and none is a metric artefact; in step when every testable "
            "task is a metric artefact or smooth under both; inconclusive otherwise."
        )

    def to_finding(self) -> Finding:
        """This analysis as a Finding (key ``capabilities.emergence``)."""
        return _emergence_finding(self)


def emergence_analysis(*, fast: bool = False, n_boot: int | None = None, seed: int = 0) -> EmergenceAnalysis:
    """Emergence or metric artefact on Pythia and the obsscaling emergent-capability table.

    Parameters
    ----------
    fast : bool, default False
        40 bootstrap resamples per curve instead of 200 (same data, method
        and verdict rule).
    n_boot : int, optional
        Bootstrap resamples per curve (default 200).
    seed : int, default 0
        Seed of the resampling.

    Returns
    -------
    EmergenceAnalysis
    """
    t0 = time.perf_counter()
    nb = _n_boot(n_boot, fast)
    pairs: list[MetricPair] = []
    p = pythia_scores()
    lam = p[(p["benchmark"] == "lambada_openai") & p["final"]]
    pairs.append(
        compare_metrics(
            lam["log10_compute"], lam["value"], np.log(lam["lambada_ppl"].to_numpy(float)), task="lambada_openai",
            series="Pythia, 16 fully trained models", names=("accuracy", "log perplexity"), continuous_higher_is_better=False,
            n_boot=nb, seed=seed,
        )
    )
    o = obsscaling_scores(benchmarks=[t for t, _, _ in _OBS_EMERGENT])
    o = o[np.isfinite(o["log10_compute"])]
    for task, dm, cm in _OBS_EMERGENT:
        sub = o[o["benchmark"] == task]
        w = sub.pivot_table(index="model", columns="metric", values="value", aggfunc="first")
        lc = sub.drop_duplicates("model").set_index("model")["log10_compute"]
        cols = [dm] + ([cm] if cm else [])
        w = w[cols].join(lc).dropna()
        cont = None
        if cm:
            cont = w[cm].to_numpy(float) / (100.0 if cm == "bleu" else 1.0)  # BLEU on 0-100 upstream
        pairs.append(
            compare_metrics(
                w["log10_compute"], w[dm], cont, task=task, series="obsscaling models with compute",
                names=(dm.replace("_", " "), cm or ""), n_boot=nb, seed=seed,
                note="" if cm else "the obsscaling emergent table holds only this discontinuous metric for the task",
            )
        )
    gaps = (
        "pythia-evals: the multiple-choice tasks (ARC, PIQA, SciQ, WinoGrande, WSC, LogiQA, MMLU) carry accuracy only; "
        "no log-likelihood of the correct answer or Brier score, so they cannot be tested",
        "obsscaling: of the seven emergent BIG-bench tasks only IPA transliteration has a continuous metric (BLEU); the "
        "arithmetic, word-unscrambling and ParsiNLU tasks are accuracy or exact match only (untestable)",
        "gadre-overtraining-scaling: downstream tasks are scored by accuracy only; no per-task continuous metric",
    )
    verdict, reason = emergence_verdict([pp.label for pp in pairs])
    return EmergenceAnalysis(
        pairs=tuple(pairs), gaps=gaps, verdict=verdict, reason=reason, n_boot=nb, seed=seed, fast=fast, seconds=time.perf_counter() - t0
    )


# =============================================================================
# Findings
# =============================================================================

_PAPERS = {
    "ruan": "Ruan, Maddison & Hashimoto (2024), Observational Scaling Laws and the Predictability of Language Model Performance, arXiv:2405.10938",
    "gadre": "Gadre et al. (2024), Language models scale reliably with over-training and on downstream tasks, arXiv:2403.08540",
    "pythia": "Biderman et al. (2023), Pythia: A Suite for Analyzing Large Language Models Across Training and Scaling, ICML 2023, arXiv:2304.01373",
    "owen": "Owen (2024), How predictable is language model benchmark performance?, arXiv:2401.04757",
    "schaeffer": "Schaeffer, Miranda & Koyejo (2023), Are Emergent Abilities of Large Language Models a Mirage?, NeurIPS 2023, arXiv:2304.15004",
    "wei": "Wei et al. (2022), Emergent Abilities of Large Language Models, TMLR, arXiv:2206.07682",
    "epoch_hub": "Epoch AI (2025), A Rosetta Stone for AI Benchmarks (benchmark hub), https://github.com/epoch-research/benchmark-stitching",
    "epoch_models": "Epoch AI, Data on AI Models, https://epoch.ai/data/ai-models",
    "efron": "Efron & Tibshirani (1993), An Introduction to the Bootstrap, ch. 13",
}

_LINK_LOSS = "least squares on linear residuals (score units)"


def _pts(v: float) -> float:
    """A score fraction in points (percentage points)."""
    return 100.0 * float(v)


def _link_numbers(label: str, s: LinkSet, unit: str, k: int = 2) -> list[Number]:
    """Slope at the frontier of the ``k`` best-fitting informative links of a set."""
    inf = [lk for lk in s.links if lk.status in ("tracking", "saturated", "uncertain") and lk.n_boot]
    inf.sort(key=lambda lk: -lk.r2)
    out = []
    for lk in inf[:k]:
        lo, hi = lk.intervals["slope"]
        out.append(
            Number(
                f"{label} {lk.benchmark}: gain at the frontier",
                _pts(lk.estimates["slope"]), _pts(lo), _pts(hi), unit=unit, ci=lk.ci,
                note=f"status {lk.status}; R^2 {lk.r2:.2f}; frontier score {_pts(lk.estimates['frontier_score']):.1f} points",
            )
        )
    return out


def _links_finding(result: LinksAnalysis) -> Finding:
    c = result.counts()
    informative = c["tracking"] + c["saturated"] + c["uncertain"]
    count_note = f"count, of {informative} informative links (tracking, saturated or uncertain); a count has no interval"
    numbers = [
        Number("informative links still rising at the frontier", c["tracking"], unit="links", note=count_note),
        Number("informative links saturated", c["saturated"], unit="links", note=count_note),
        Number("saturated links with a ceiling below 0.9", result.plateaus, unit="links", note="count; ceiling interval entirely below a 0.9 score"),
        Number("links at chance or without signal", c["at chance"] + c["no signal"] + c["failed"], unit="links", note=f"count, of {sum(c.values())} links"),
    ]
    units = {"gadre": "points per nat of C4 loss", "pythia": "points per decade of compute", "obsscaling": "points per decade of compute"}
    for label, s in result.sets.items():
        numbers += _link_numbers(label, s, units.get(label, "points per unit of x"))
    fo = result.family_offsets
    if len(fo):
        for _, r in pd.concat([fo.head(1), fo.tail(1)]).iterrows():
            numbers.append(
                Number(
                    f"obsscaling family offset, {r['family']}", _pts(r["offset"]), _pts(r["low"]), _pts(r["high"]), unit="points",
                    note=f"mean residual of its {int(r['models'])} models from the pooled compute links (t interval over models)",
                )
            )
    notes = []
    for label, s in result.sets.items():
        chance = [lk.benchmark for lk in s if lk.status in ("at chance", "no signal", "failed")]
        if chance:
            notes.append(f"{label}: {', '.join(chance)} at chance or without signal (no slope, not bootstrapped)")
        failed = sum(lk.n_failed for lk in s)
        boots = sum(lk.n_boot for lk in s)
        if boots:
            notes.append(f"{label}: {failed}/{boots} bootstrap resamples failed (excluded)")
        for b, why in s.skipped.items():
            notes.append(f"{label}: {b} skipped ({why})")
    notes.append("obsscaling: BTLM-3B's compute is left out (upstream lists 627 T tokens; its model card says 627 B)")
    tables = {f"links, {k}": v.table() for k, v in result.sets.items()}
    if len(fo):
        tables["obsscaling family offsets"] = fo
    return Finding(
        key="capabilities.links",
        question=QUESTION,
        title="Links from loss and compute to benchmark scores",
        verdict=result.verdict,
        summary=result.summary(),
        numbers=numbers,
        figures=list(result.figures().values()),
        tables=tables,
        method=result.method(),
        data_sources=list(result.sources),
        citations=[_PAPERS[k] for k in ("gadre", "pythia", "ruan", "owen", "efron")],
        loss_label=_LINK_LOSS,
        notes=notes,
        headline="informative links still rising at the frontier",
    )


def _observational_finding(result: ObservationalAnalysis) -> Finding:
    c, ci = result.complete.cumulative, result.complete.cumulative_intervals
    n_c = len(result.complete.models)
    t = result.trends
    numbers = [
        Number("PC-1 gain per decade of compute (shared slope)", t.slope, *t.slope_interval, unit="PC-1 units per decade", ci=t.ci,
               note=f"pooled over {t.n_families} families with family offsets; families resampled"),
        Number(f"variance explained by PC-1 ({n_c} complete models)", _pts(c[0]), _pts(ci[0, 0]), _pts(ci[0, 1]), unit="%", ci=result.complete.ci),
        Number(f"variance explained by PC-1 to PC-2 ({n_c} complete models)", _pts(c[1]), _pts(ci[1, 0]), _pts(ci[1, 1]), unit="%", ci=result.complete.ci),
        Number(f"variance explained by PC-1 to PC-3 ({n_c} complete models)", _pts(c[2]), _pts(ci[2, 0]), _pts(ci[2, 1]), unit="%", ci=result.complete.ci),
        Number(
            f"variance explained by PC-1 ({len(result.imputed.models)} models, imputed)", _pts(result.imputed.cumulative[0]),
            _pts(result.imputed.cumulative_intervals[0, 0]), _pts(result.imputed.cumulative_intervals[0, 1]), unit="%", ci=result.imputed.ci,
        ),
        Number("curvature of PC-1 in log10 compute", t.curvature, *t.curvature_interval, unit="PC-1 units per decade^2", ci=t.ci,
               note="coefficient of (log10 C - mean)^2; positive where the smallest models sit at chance"),
        Number("within-family R^2 of the pooled trend", t.within_r2, note="share of the within-family variance explained; no interval"),
        Number("missing benchmark cells imputed", result.n_missing_cells, unit="cells",
               note=f"count, of {result.n_models} x {len(result.complete.benchmarks)} cells; one-component PCA imputation"),
    ]
    notes = [
        f"reference (Ruan et al. 2024): about {', '.join(f'{100 * v:.0f}%' for v in RUAN_CUMULATIVE)} for the first three components",
        f"{result.n_without_compute} models without compute are in the PCA but not in the trend",
        "BTLM-3B's compute is left out (upstream lists 627 T tokens; its model card says 627 B)",
    ]
    return Finding(
        key="capabilities.observational_scaling",
        question=QUESTION,
        title="Observational scaling: one capability score, linear in log compute",
        verdict=result.verdict,
        summary=result.summary(),
        numbers=numbers,
        figures=list(result.figures().values()),
        tables={"PC loadings (complete models)": result.tables()["pc_loadings"], "PC-1 against log10 compute, per family": t.per_family},
        method=result.method(),
        data_sources=["obsscaling"],
        citations=[_PAPERS["ruan"], "Cameron & Trivedi (2005), Microeconometrics, sec. 11.6 (cluster bootstrap)"],
        notes=notes,
        headline="PC-1 gain per decade of compute (shared slope)",
    )


def _decoupling_finding(result: DecouplingAnalysis) -> Finding:
    names = {
        "release date": "newest quarter by release date (Epoch AI hub): mean excess",
        "compute": "top quarter by compute (obsscaling): mean excess",
        "gadre size": "1.4B and 6.9B models from smaller ones (Gadre et al.): mean excess",
        "pythia size": "2.8B-12B models from smaller ones (Pythia): mean excess",
    }
    numbers = []
    for key, r in result.scenarios.items():
        lo, hi = r.interval
        numbers.append(
            Number(names.get(key, f"{key}: mean excess"), _pts(r.excess) if math.isfinite(r.excess) else None,
                   _pts(lo) if math.isfinite(lo) else None, _pts(hi) if math.isfinite(hi) else None, unit="score points", ci=r.ci,
                   note=f"{r.n_heldout} held-out scores, {r.n_benchmarks} benchmarks; verdict {r.verdict}"
                   if math.isfinite(lo) else f"no interval: {r.reason}")
        )
    for row in result.by_distillation.itertuples():
        if row.n:
            numbers.append(
                Number(f"newest quarter by release date, {row.group}: mean excess", _pts(row.excess), _pts(row.low), _pts(row.high),
                       unit="score points", note=f"{row.n} held-out scores; interval from their scatter only")
            )
    notes = []
    for key, r in result.scenarios.items():
        left = r.per_benchmark[~r.per_benchmark["included"].astype(bool)] if len(r.per_benchmark) else r.per_benchmark
        for row in left.itertuples():
            notes.append(f"{key}: {row.benchmark} not averaged (training link {row.link_status}); its held-out excess is {_pts(row.excess):+.1f} points")
        for b, why in r.skipped.items():
            notes.append(f"{key}: {b} skipped ({why})")
        if r.note:
            notes.append(f"{key}: {r.note}")
    tables = {"scenarios": result.tables()["decoupling_scenarios"]}
    for key, r in result.scenarios.items():
        tables[f"per benchmark, {key}"] = r.per_benchmark
    if len(result.by_distillation):
        tables["newest models by distillation"] = result.by_distillation
    return Finding(
        key="capabilities.decoupling",
        question=QUESTION,
        title="Do newer and larger models match what their compute or loss predicts?",
        verdict=result.verdict,
        summary=result.summary(),
        numbers=numbers,
        figures=list(result.figures().values()),
        tables=tables,
        method=result.method(),
        data_sources=["epoch-benchmark-stitching", "epoch-ai-models", "obsscaling", "gadre-overtraining-scaling", "pythia-evals"],
        citations=[_PAPERS[k] for k in ("epoch_hub", "epoch_models", "ruan", "gadre", "pythia", "owen", "efron")],
        loss_label=_LINK_LOSS,
        notes=notes,
        headline=numbers[0].name,
    )


def _emergence_finding(result: EmergenceAnalysis) -> Finding:
    numbers = []
    for p in result.pairs:
        if p.continuous is None:
            continue
        for sh in (p.discontinuous, p.continuous):
            numbers.append(
                Number(f"{p.task}, {sh.metric}: relative width of the rise", sh.relative_width, *sh.interval, unit="share of compute range",
                       note=f"{p.series}; {sh.shape}; pair: {p.label}")
            )
    single = [p for p in result.pairs if p.continuous is None]
    numbers.append(Number("tasks with a discontinuous metric only (untestable)", len(single), unit="tasks",
                          note="count; " + ", ".join(f"{p.task} r = {p.discontinuous.relative_width:.2f}" for p in single)))
    sharp = [p.task for p in single if p.discontinuous.shape == "sharp"]
    notes = list(result.gaps)
    notes.append(f"single-metric tasks that look sharp: {', '.join(sharp) if sharp else 'none'} (rule: upper end of r's interval <= {SHARP_MAX})")
    return Finding(
        key="capabilities.emergence",
        question=QUESTION,
        title="Emergence or metric artefact?",
        verdict=result.verdict,
        summary=result.summary(),
        numbers=numbers,
        figures=list(result.figures().values()),
        tables={"tasks and metrics": pairs_table(result.pairs)},
        method=result.method(),
        data_sources=["pythia-evals", "obsscaling"],
        citations=[_PAPERS[k] for k in ("schaeffer", "wei", "ruan", "pythia", "efron")],
        loss_label=_LINK_LOSS,
        notes=notes,
        headline=numbers[0].name if numbers else None,
    )


# -- registration with the report (scalewatch report runs these) -----------------

_LINK_DATA = ("gadre-overtraining-scaling", "pythia-evals", "obsscaling")
_DECOUPLING_DATA = ("epoch-benchmark-stitching", "epoch-ai-models", "obsscaling", "gadre-overtraining-scaling", "pythia-evals")


@analysis("capabilities.links", question=QUESTION, requires=_LINK_DATA)
def report_links(ctx: Any) -> Finding:
    """Links from loss and compute to benchmark scores."""
    return links_analysis(fast=ctx.fast, seed=ctx.seed).to_finding()


@analysis("capabilities.observational_scaling", question=QUESTION, requires=("obsscaling",))
def report_observational(ctx: Any) -> Finding:
    """Observational scaling: principal components and capability against compute."""
    return observational_analysis(fast=ctx.fast, seed=ctx.seed).to_finding()


@analysis("capabilities.decoupling", question=QUESTION, requires=_DECOUPLING_DATA)
def report_decoupling(ctx: Any) -> Finding:
    """Newer and larger models against the link fitted on older and smaller ones."""
    return decoupling_analysis(fast=ctx.fast, seed=ctx.seed).to_finding()


@analysis("capabilities.emergence", question=QUESTION, requires=("pythia-evals", "obsscaling"))
def report_emergence(ctx: Any) -> Finding:
    """Emergence or metric artefact."""
    return emergence_analysis(fast=ctx.fast, seed=ctx.seed).to_finding()
