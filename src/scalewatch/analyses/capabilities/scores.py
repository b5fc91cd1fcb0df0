"""Benchmark scores as one long table: the loaders of Gadre et al., Pythia, obsscaling and Epoch AI's hub."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "GADRE_SUBSET",
    "OBSSCALING_BENCHMARKS",
    "CHANCE",
    "gadre_scores",
    "pythia_scores",
    "obsscaling_scores",
    "epoch_release_scores",
    "long_scores",
]


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


def _load(name: str):
    from scalewatch.data import datasets

    return datasets.load(name)


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
