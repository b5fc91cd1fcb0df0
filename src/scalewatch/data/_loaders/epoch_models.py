"""epoch-ai-models: Epoch AI's database of AI models (June 2025 snapshot) and training-cost estimates.

Runs are the 1,892 models of ``data/All ML Systems - full view.csv`` (byte for
byte upstream). What the database calls ``Training dataset size (datapoints)``
is counted in different units (tokens, words, images, ...); scalewatch keeps it
as ``tokens`` only for language models whose ``Dataset size notes`` speak of
tokens and not of words (column ``dataset_size_unit`` of the table ``models``
records that decision), and leaves it empty otherwise, and for fine-tuned
models (a ``Base model`` is named), whose dataset size is the fine-tuning data
while their compute includes pretraining. Where ``Epochs`` is
recorded, tokens = dataset size x epochs and the dataset size is ``unique_tokens``
(this matches Epoch's own compute estimates, C ~ 6 N D x epochs); elsewhere one
pass is assumed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scalewatch.data._loaders._tables import Col, Parsed, curves_frame, parse_dollars, runs_frame, scores_frame

NAME = "epoch-ai-models"
FULL_VIEW = "all_ml_systems_full_view.csv"
_FRONTIER_RULES = ("top_n", "window_percentile", "backward_window_percentile", "residual_from_trend")

# upstream column -> (name here, dtype, unit, doc)
_MODEL_FIELDS = (
    ("Model", "model", "string", "", "model name (upstream key)"),
    ("Domain", "domain", "string", "", "comma-separated domains, e.g. 'Language' or 'Multimodal,Language,Vision'"),
    ("Task", "task", "string", "", "comma-separated tasks"),
    ("Organization", "organization", "string", "", "developer(s)"),
    ("Organization categorization", "organization_categorization", "string", "", "Industry, Academia, ..."),
    ("Country (of organization)", "country", "string", "", "country of the developer(s)"),
    ("Publication date", "publication_date", "datetime64[ns]", "", "publication or release date"),
    (
        "Notability criteria",
        "notability_criteria",
        "string",
        "",
        "why the model is 'notable' (empty: not in the notable subset)",
    ),
    ("Parameters", "parameters", "float64", "count", "parameters"),
    ("Training compute (FLOP)", "training_compute", "float64", "FLOP", "training compute"),
    ("Training compute lower bound", "training_compute_lower", "float64", "FLOP", "lower bound of training compute"),
    ("Training compute upper bound", "training_compute_upper", "float64", "FLOP", "upper bound of training compute"),
    (
        "Training compute estimation method",
        "training_compute_estimation_method",
        "string",
        "",
        "how Epoch estimated the compute",
    ),
    (
        "Training dataset size (datapoints)",
        "dataset_size",
        "float64",
        "datapoints",
        "training dataset size in the database's 'datapoints' (unit varies, see dataset_size_unit)",
    ),
    ("Epochs", "epochs", "float64", "", "passes over the training dataset"),
    ("Training time (hours)", "training_time_hours", "float64", "h", "wall-clock training time"),
    ("Training hardware", "training_hardware", "string", "", "accelerators used"),
    ("Hardware quantity", "hardware_quantity", "float64", "count", "number of accelerators"),
    ("Hardware utilization", "hardware_utilization", "float64", "", "model FLOP utilisation (fraction)"),
    ("Training chip-hours", "training_chip_hours", "float64", "h", "accelerator-hours"),
    (
        "Training compute cost (2023 USD)",
        "training_compute_cost_2023_usd",
        "float64",
        "USD (2023)",
        "Epoch's cost estimate",
    ),
    ("Training power draw (W)", "training_power_draw_w", "float64", "W", "power draw of the training cluster"),
    ("Batch size", "batch_size", "float64", "", "batch size (as recorded; units vary)"),
    ("Confidence", "confidence", "string", "", "Epoch's confidence: Confident, Likely, Speculative, Unknown"),
    ("Model accessibility", "model_accessibility", "string", "", "open weights, API access, unreleased, ..."),
    ("Foundation model", "foundation_model", "boolean", "", "marked as a foundation model ('checked' upstream)"),
    ("Base model", "base_model", "string", "", "model it was fine-tuned from"),
    ("Finetune compute (FLOP)", "finetune_compute", "float64", "FLOP", "fine-tuning compute"),
    ("Post-training compute (FLOP)", "post_training_compute", "float64", "FLOP", "post-training compute"),
    ("Last modified", "last_modified", "datetime64[ns]", "", "last edit of the record"),
)
MODEL_COLUMNS = (
    Col("run_id", "string", "", "run of this model", required=True),
    *(Col(name, dtype, unit, doc, required=(name == "model")) for _, name, dtype, unit, doc in _MODEL_FIELDS),
    Col(
        "dataset_size_unit",
        "string",
        "",
        "'tokens' or 'words' as judged by scalewatch from Dataset size notes (language models only), else 'other'",
        required=True,
    ),
)
COST_COLUMNS = (
    Col("model", "string", "", "model name (joins models.model)", required=True),
    Col("cloud_cost_usd", "float64", "USD", "amortised cloud-rental cost estimate"),
    Col("hardware_acquisition_cost_usd", "float64", "USD", "hardware acquisition cost estimate"),
    Col("hardware_capex_energy_cost_usd", "float64", "USD", "amortised hardware capex plus energy estimate"),
)
COST_UPDATED_COLUMNS = (
    Col("model", "string", "", "model name", required=True),
    Col("cost_usd", "float64", "USD", "single cost estimate of upstream's later streamlined analysis", required=True),
)
FRONTIER_COLUMNS = (
    Col("rule", "string", "", f"frontier selection rule, one of {list(_FRONTIER_RULES)}", required=True),
    Col("threshold", "Int64", "", "the rule's parameter (n for top_n, a percentile otherwise)", required=True),
    Col("model", "string", "", "model selected as frontier", required=True),
)


def _dataset_size_unit(domain: pd.Series, notes: pd.Series) -> pd.Series:
    language = domain.fillna("").str.split(",").map(lambda parts: "Language" in parts)
    text = notes.fillna("").str.lower()
    says_tokens = text.str.contains("token", regex=False)
    says_words = text.str.contains(r"\bwords?\b", regex=True)
    unit = pd.Series("other", index=domain.index, dtype="string")
    unit[language & says_tokens & ~says_words] = "tokens"
    unit[language & says_words & ~says_tokens] = "words"
    return unit


def load(get: Callable[..., Path]) -> Parsed:
    raw = pd.read_csv(get(FULL_VIEW), encoding="utf-8-sig", dtype={"Finetune compute (FLOP)": "float64"})
    # Upstream names are unique except 'P-LLama3' (two records); number repeats "name (2)".
    nth = raw.groupby("Model").cumcount()
    model_key = raw["Model"].where(nth == 0, raw["Model"] + " (" + (nth + 1).astype(str) + ")")
    run_id = NAME + ":" + model_key

    models = pd.DataFrame({"run_id": run_id})
    for upstream, name, *_ in _MODEL_FIELDS:
        models[name] = raw[upstream]
    models["training_compute_cost_2023_usd"] = parse_dollars(raw["Training compute cost (2023 USD)"])
    models["foundation_model"] = raw["Foundation model"].eq("checked")
    models["publication_date"] = pd.to_datetime(raw["Publication date"], format="%Y-%m-%d")
    models["last_modified"] = pd.to_datetime(raw["Last modified"], format="%Y-%m-%d %H:%M")
    models["dataset_size_unit"] = _dataset_size_unit(raw["Domain"], raw["Dataset size notes"])

    # A fine-tuned model's dataset size is its fine-tuning data, while its compute includes the
    # base model's pretraining: its D is unknown here.
    size = models["dataset_size"].where((models["dataset_size_unit"] == "tokens") & models["base_model"].isna())
    epochs = models["epochs"].where(size.notna())
    notable = raw["Notability criteria"].notna()
    tags = [
        ",".join(t for t in [*(d.split(",") if isinstance(d, str) else []), "notable" if n else ""] if t)
        for d, n in zip(raw["Domain"], notable, strict=True)
    ]
    runs = runs_frame(
        {
            "run_id": run_id,
            "model_id": model_key,
            "params": models["parameters"],
            "params_kind": models["parameters"].notna().map({True: "total", False: pd.NA}),
            "tokens": size * epochs.fillna(1.0),
            "unique_tokens": size.where(epochs.notna()),
            "epochs": epochs,
            "compute": models["training_compute"],
            "compute_estimated": models["training_compute"].notna().map({True: False, False: pd.NA}),
            "release_date": models["publication_date"],
            "cost_usd": models["training_compute_cost_2023_usd"],
            "tags": tags,
        }
    )

    costs = pd.read_csv(get("model_costs.csv")).rename(
        columns={
            "Model": "model",
            "Cloud_Cost": "cloud_cost_usd",
            "Hardware_Acquisition_Cost": "hardware_acquisition_cost_usd",
            "Hardware_Capex_Energy_Cost": "hardware_capex_energy_cost_usd",
        }
    )
    costs_updated = pd.read_csv(get("model_costs_updated.csv")).rename(columns={"Model": "model", "Cost": "cost_usd"})
    frontier = [
        (rule, int(threshold), model)
        for rule in _FRONTIER_RULES
        for threshold, names in json.loads(get(f"frontier_systems_by_{rule}.json").read_text(encoding="utf-8")).items()
        for model in names
    ]
    n_tokens = int(runs["tokens"].notna().sum())
    return Parsed(
        runs=runs,
        scores=scores_frame(),
        curves=curves_frame(),
        tables={
            "models": models,
            "costs": costs,
            "costs_updated": costs_updated,
            "frontier": pd.DataFrame(frontier, columns=["rule", "threshold", "model"]),
        },
        columns={
            "models": MODEL_COLUMNS,
            "costs": COST_COLUMNS,
            "costs_updated": COST_UPDATED_COLUMNS,
            "frontier": FRONTIER_COLUMNS,
        },
        notes=(
            f"tokens are filled for {n_tokens} language models whose dataset size is in tokens "
            "(see models.dataset_size_unit) "
            "and that are not fine-tunes of a base model; tokens = dataset size x epochs where epochs are recorded, "
            "else one pass is assumed",
            "cost_usd is Epoch's training compute cost in 2023 US dollars",
            "params are the database's parameter counts (total; all experts for mixture-of-experts models, so their "
            "compute is well below 6 N D)",
            "the two records named 'P-LLama3' become runs 'P-LLama3' and 'P-LLama3 (2)'",
        ),
    )
