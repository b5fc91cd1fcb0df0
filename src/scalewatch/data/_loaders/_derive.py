r"""Derived tables, rebuilt in code from files anyone can download at the pinned commit.

Some tables the loaders read are not upstream files but were derived from them:
the Datablations runs live in a notebook's dict literals, the Pythia results in
672 lm-eval-harness JSON files, the Large Language Monkeys counts in a Hugging
Face dataset. Each :class:`Derivation` names its raw inputs (pinned by sha256 in
:mod:`._raw_pins`, downloadable from ``raw.githubusercontent.com``) and a pure
function from those inputs to the derived files' bytes. The functions
reproduce the pinned derived files **byte for byte** (the tests check it on
the mirror), so a table derived on a user's machine passes the same sha256 pin
as the one in the embedded snapshot.

Safety: notebooks are parsed with :mod:`ast` (``ast.literal_eval`` of dict
literals; nothing is executed) and :mod:`tokenize` (for the inline comments);
downloads are never unpickled (Porian et al.'s pickles are derived only in an
isolated maintainer step, see ``scripts/derive_porian.md``).
"""

from __future__ import annotations

import ast
import io
import json
import math
import re
import tokenize
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scalewatch.data._loaders._raw_pins import RAW_PINS
from scalewatch.errors import DataValidationError

__all__ = [
    "Derivation",
    "DERIVATIONS",
    "derivation_of",
    "notebook_literals",
    "datablations_runs_csv",
    "datablations_stage2_csv",
    "pythia_tables",
    "pythia_models_csv",
    "monkeys_tables",
]

# pandas writes CSV lines with the csv module's default terminator (the pinned files use it)
_EOL = "\r\n"
_EOL_MONKEYS = "\n"  # the pinned monkeys tables were written with plain newlines


@dataclass(frozen=True)
class Derivation:
    """How derived files of a dataset are rebuilt from pinned raw upstream files.

    Attributes
    ----------
    dataset : str
        Dataset the derived files belong to.
    outputs : tuple of str
        Paths (inside the dataset) of the files :attr:`build` returns.
    inputs : tuple of str
        Raw upstream paths read (keys of ``RAW_PINS[dataset]``); empty when the
        table is computed from figures quoted in code.
    how : str
        One sentence for the manifest: what was read and how.
    build : callable
        ``build(raw) -> {output path: bytes}``, where ``raw(path) -> Path``
        gives a verified local copy of a raw input.
    downloadable : bool
        False where the inputs cannot be fetched and derived on a user's
        machine (pickles, or a source without pinned hashes).
    """

    dataset: str
    outputs: tuple[str, ...]
    inputs: tuple[str, ...]
    how: str
    build: Callable[[Callable[[str], Path]], dict[str, bytes]]
    downloadable: bool = True


# -- Datablations: dict literals of utils/parametric_fit.ipynb ---------------------------------------


def notebook_literals(source: str, names: Sequence[str]) -> dict[str, object]:
    """The values of top-level assignments ``NAME = <literal>`` in Python source, by ``ast.literal_eval``.

    Parameters
    ----------
    source : str
        Python source (one notebook cell).
    names : sequence of str
        Names that must be assigned a literal.

    Raises
    ------
    DataValidationError
        If a name is missing, or assigned anything but a literal (a call, a
        name, an operator: ``ast.literal_eval`` refuses to evaluate code).
    """
    tree = ast.parse(source)
    found: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in names:
                try:
                    found[name] = ast.literal_eval(node.value)
                except ValueError as exc:
                    raise DataValidationError(
                        f"notebook assignment {name} = ... is not a literal ({exc}); only dict/list/number/string "
                        "literals are read, nothing is evaluated"
                    ) from None
    missing = [n for n in names if n not in found]
    if missing:
        raise DataValidationError(f"notebook cell assigns no literal to {missing}; it assigns {sorted(found)}")
    return found


def _inline_comments(source: str, dict_name: str) -> dict[str, str]:
    """Comment text at the end of each ``"key": value,`` line of the dict literal ``dict_name``."""
    notes: dict[str, str] = {}
    key: tuple[str, int] | None = None
    inside = False
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string == dict_name:
            inside = True
        if not inside:
            continue
        if tok.type == tokenize.STRING:
            key = (ast.literal_eval(tok.string), tok.start[0])
        elif tok.type == tokenize.COMMENT and key is not None and key[1] == tok.start[0]:
            notes[key[0]] = tok.string.lstrip("#").strip()
        elif tok.type == tokenize.OP and tok.string == "}":
            break
    return notes


def _decode_run(name: str, pmap: Mapping[str, float], tokmap: Mapping[str, float]) -> tuple[float, float, float]:
    """(N, D, U_D) of a run name (tags already removed), by the notebook's get_params / get_tokens / get_unique_tokens."""

    def billions(text: str) -> float:
        return float(tokmap[text] if text in tokmap else float(text.replace("b", ".").strip("."))) * 1e9

    start = 2
    while name[:start] not in pmap:  # the notebook's get_params
        start += 1
        if start > len(name):
            raise DataValidationError(f"datablations run name {name!r} starts with no PARAMS_MAP key")
    end = -4 if name[-1] in "bm" or name[-2] not in "bm" else -3  # the notebook's get_unique_tokens
    while name[end:].count("b") > 1 or name[end:].count("m") > 1:
        end += 1
    return float(pmap[name[:start]]), billions(name[start:end]), billions(name[end:])


def _cell_runs(notebook: bytes, cell: int) -> tuple[str, dict, dict, dict]:
    cells = json.loads(notebook)["cells"]
    source = "".join(cells[cell]["source"])
    lit = notebook_literals(source, ("NAMES_TO_VAL_LOSSES", "TOKENS_MAP", "PARAMS_MAP"))
    losses, tokmap, pmap = lit["NAMES_TO_VAL_LOSSES"], lit["TOKENS_MAP"], lit["PARAMS_MAP"]
    if not (isinstance(losses, dict) and isinstance(tokmap, dict) and isinstance(pmap, dict)):
        raise DataValidationError(f"datablations notebook cell {cell}: the run tables are not dict literals")
    return source, losses, tokmap, pmap


def datablations_runs_csv(notebook: bytes) -> bytes:
    r"""``datablations_runs.csv`` from the upstream notebook's bytes (its first code cell).

    Run names are decoded by the notebook's own rules (``get_params``,
    ``get_unique_tokens``, ``get_tokens``: the name is model size, total tokens
    and unique tokens, with seed/opt/c4 tags removed); ``epochs`` = tokens /
    unique tokens rounded to 6 decimals; a loss recorded as 0 (unfinished) is
    left empty.
    """
    first = next(i for i, c in enumerate(json.loads(notebook)["cells"]) if c.get("cell_type") == "code")
    source, losses, tokmap, pmap = _cell_runs(notebook, first)
    notes = _inline_comments(source, "NAMES_TO_VAL_LOSSES")
    rows = []
    for name, loss in losses.items():
        short = name.removesuffix("dedup")
        for tag in ("op2", "seed1", "seed2", "seed3", "seed4", "opt1", "opt", "c4", "v2"):
            short = short.replace(tag, "")
        params, tokens, unique = _decode_run(short, pmap, tokmap)
        seed = next((int(s[-1]) for s in ("seed1", "seed2", "seed3", "seed4") if s in name), None)
        dedup = name.endswith("dedup")
        rows.append(
            {
                "run_name": name,
                "params": params,
                "tokens": tokens,
                "unique_tokens": unique,
                "epochs": round(tokens / unique, 6),
                "val_loss": float(loss) if loss != 0 else None,
                "seed": seed,
                "deduplicated_data": int(dedup),
                "used_in_notebook_fit": int(loss != 0 and not dedup),
                "note": notes.get(name),
            }
        )
    frame = pd.DataFrame(rows)
    frame["seed"] = frame["seed"].astype("Int64")
    return frame.to_csv(index=False, lineterminator=_EOL).encode()


#: the notebook cell that defines the runs of the authors' stage-2 (R_D*, R_N*) fit
#: ("Custom data loading with outliers removed"; Muennighoff et al. 2023, appendix)
STAGE2_CELL = 25


def datablations_stage2_csv(notebook: bytes) -> bytes:
    """``notebook_stage2_runs.csv``: the 182 runs of the stage-2 fit, from cell 25's dict literals.

    Runs with loss 0 (unfinished) or whose name ends in ``dedup`` are left
    out, as the notebook's next cell does; names are decoded as they stand
    (this cell's names carry no seed or shape tags). Columns: run_name,
    params (N), tokens (D), unique_tokens (U_D), epochs (D / U_D, full
    precision), loss (validation loss, nats), in the notebook's order.
    """
    _, losses, tokmap, pmap = _cell_runs(notebook, STAGE2_CELL)
    rows = []
    for name, loss in losses.items():
        if loss != 0 and not name.endswith("dedup"):
            params, tokens, unique = _decode_run(name, pmap, tokmap)
            rows.append(
                {"run_name": name, "params": params, "tokens": tokens, "unique_tokens": unique,
                 "epochs": tokens / unique, "loss": float(loss)}
            )  # fmt: skip
    return pd.DataFrame(rows).to_csv(index=False, lineterminator=_EOL).encode()


def _datablations(raw: Callable[[str], Path]) -> dict[str, bytes]:
    notebook = raw("utils/parametric_fit.ipynb").read_bytes()
    return {"datablations_runs.csv": datablations_runs_csv(notebook), "notebook_stage2_runs.csv": datablations_stage2_csv(notebook)}


# -- Pythia: model shapes (quoted) and the lm-eval-harness JSON files --------------------------------

#: Pythia model shapes (layers, width, heads, model-parallel size) as given in the Pythia README's
#: model table and the configs under models/ (Biderman et al. 2023, Table 1), quoted.
PYTHIA_SHAPES: Mapping[str, tuple[int, int, int, int]] = {
    "70m": (6, 512, 8, 1),
    "160m": (12, 768, 12, 1),
    "410m": (24, 1024, 16, 1),
    "1b": (16, 2048, 8, 1),
    "1.4b": (24, 2048, 16, 1),
    "2.8b": (32, 2560, 32, 1),
    "6.9b": (32, 4096, 32, 2),
    "12b": (36, 5120, 40, 4),
}
_PYTHIA_VOCAB = 50277  # GPT-NeoX tokenizer; padded to a multiple of 128 x model-parallel size
_TOKENS_PER_STEP = 1024 * 2048  # sequences x context per optimizer step (README)
_FINAL_STEP = 143_000


def pythia_models_csv() -> bytes:
    r"""``pythia_models.csv``: the 16 Pythia models, parameter counts computed from their shapes.

    GPT-NeoX with untied input and output embeddings:
    total = 2 V d + L (12 d^2 + 13 d) + 2 d and non-embedding = L (12 d^2 + 13 d) + 2 d,
    with V the vocabulary padded to a multiple of 128 x model-parallel size.
    These reproduce the Pythia paper's counts (70M: 70,426,624; 12B: 11,846,072,320).
    """
    rows = []
    for size, (layers, width, heads, mp) in PYTHIA_SHAPES.items():
        pad = 128 * mp
        vocab = math.ceil(_PYTHIA_VOCAB / pad) * pad
        body = layers * (12 * width**2 + 13 * width) + 2 * width
        for deduped in (0, 1):
            model = f"pythia-{size}" + ("-deduped" if deduped else "")
            # the standard 1B model's results were evaluated in bf16 and live in their own folder upstream
            eval_dir = "pythia-1b-bf16" if model == "pythia-1b" else model
            rows.append(
                {
                    "model": model,
                    "size": size,
                    "deduped": deduped,
                    "n_layers": layers,
                    "d_model": width,
                    "n_heads": heads,
                    "model_parallel_size": mp,
                    "padded_vocab": vocab,
                    "params_total": 2 * vocab * width + body,
                    "params_nonembedding": body,
                    "tokens_per_step": _TOKENS_PER_STEP,
                    "final_step": _FINAL_STEP,
                    "final_tokens": _FINAL_STEP * _TOKENS_PER_STEP,
                    "eval_dir": eval_dir,
                }
            )
    return pd.DataFrame(rows).to_csv(index=False, lineterminator=_EOL).encode()


_SUMMARY_TASKS = {
    "lambada_openai_acc": ("lambada_openai", "acc"),
    "lambada_openai_ppl": ("lambada_openai", "ppl"),
    "piqa_acc": ("piqa", "acc"),
    "winogrande_acc": ("winogrande", "acc"),
    "wsc_acc": ("wsc", "acc"),
    "arc_easy_acc": ("arc_easy", "acc"),
    "arc_challenge_acc": ("arc_challenge", "acc"),
    "sciq_acc": ("sciq", "acc"),
    "logiqa_acc": ("logiqa", "acc"),
}
_METRICS = ("acc", "acc_norm", "ppl")


def pythia_eval_files(models_csv: bytes) -> list[str]:
    """Raw upstream paths of the evaluation JSON files, in the order the tables list them."""
    models = pd.read_csv(io.BytesIO(models_csv))
    return [
        path
        for eval_dir in models["eval_dir"]
        for shots in ("zero-shot", "five-shot")
        for path in sorted(p for p in RAW_PINS["pythia-evals"] if p.startswith(f"evals/pythia-v1/{eval_dir}/{shots}/"))
    ]


def pythia_tables(raw: Callable[[str], Path]) -> dict[str, bytes]:
    """``pythia_models.csv``, ``pythia_evals_long.csv`` and ``pythia_evals_summary.csv`` from the raw JSON files.

    Each file's checkpoint and shot count are read from its own ``config``
    block (``revision=stepN``, ``num_fewshot``), never from its name. Long
    table: every ``acc``/``acc_norm``/``ppl`` result with its stderr, files in
    name order, tasks sorted, metrics in file order; ``crows_pairs_*`` (bias)
    tasks left out. Summary: one row per (model, shots, step), with the MMLU
    macro average over the 57 ``hendrycksTest-*`` subtasks.
    """
    models_csv = pythia_models_csv()
    models = pd.read_csv(io.BytesIO(models_csv))
    model_of = {f"evals/pythia-v1/{d}/": m for d, m in zip(models["eval_dir"], models["model"], strict=True)}
    rows = []
    for path in pythia_eval_files(models_csv):
        model = model_of[path.rsplit("/", 2)[0] + "/"]
        result = json.loads(raw(path).read_bytes())
        match = re.search(r"revision=step(\d+)", result["config"]["model_args"])
        if match is None:
            raise DataValidationError(f"pythia-evals: {path} names no checkpoint (revision=stepN) in its config")
        step, shots = int(match.group(1)), int(result["config"]["num_fewshot"])
        for task, values in sorted(result["results"].items()):
            if task.startswith("crows_pairs"):
                continue
            for metric in (k for k in values if k in _METRICS):
                rows.append((model, step, shots, task, metric, values[metric], values.get(metric + "_stderr")))
    long = pd.DataFrame(rows, columns=["model", "step", "num_fewshot", "task", "metric", "value", "stderr"])

    summary_rows = []
    for (model, step, shots), group in long.groupby(["model", "step", "num_fewshot"], sort=False):
        value = dict(zip(zip(group["task"], group["metric"], strict=True), group["value"], strict=True))
        mmlu = [v for (t, m), v in value.items() if t.startswith("hendrycksTest-") and m == "acc"]
        summary_rows.append(
            {
                "model": model,
                "step": step,
                "num_fewshot": shots,
                **{col: value.get(key) for col, key in _SUMMARY_TASKS.items()},
                # a plain left-to-right sum, as the pinned table was computed
                "mmlu_acc_macro_avg": sum(mmlu) / len(mmlu) if mmlu else None,
                "mmlu_n_subtasks": len(mmlu),
            }
        )
    summary = pd.DataFrame(summary_rows).merge(
        models[["model", "size", "deduped", "params_total", "params_nonembedding", "tokens_per_step"]],
        on="model",
        how="left",
        validate="many_to_one",
    )
    summary["tokens_seen"] = summary["step"] * summary["tokens_per_step"]
    order = {m: i for i, m in enumerate(models["model"])}
    summary = summary.assign(_order=summary["model"].map(order)).sort_values(
        ["_order", "num_fewshot", "step"], kind="stable"
    )
    columns = ["model", "size", "deduped", "params_total", "params_nonembedding", "step", "tokens_seen", "num_fewshot"]
    columns += [*_SUMMARY_TASKS, "mmlu_acc_macro_avg", "mmlu_n_subtasks"]
    return {
        "pythia_models.csv": models_csv,
        "pythia_evals_long.csv": long.to_csv(index=False, lineterminator=_EOL).encode(),
        "pythia_evals_summary.csv": summary[columns].to_csv(index=False, lineterminator=_EOL).encode(),
    }


# -- Large Language Monkeys: ScalingIntelligence/monkey_business on the Hugging Face Hub -------------

#: the seven Pythia subsets of monkey_business with MATH samples, in table order
MONKEY_MODELS = ("70M", "160M", "410M", "1B", "2.8B", "6.9B", "12B")
MONKEY_DATASET = "ScalingIntelligence/monkey_business"
_COVERAGE_K = (*(2**i for i in range(14)), 10_000)


def _pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of one problem, 1 - C(n-c, k) / C(n, k) (Chen et al. 2021), as a stable product."""
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def monkeys_tables(subsets: Mapping[str, pd.DataFrame]) -> dict[str, bytes]:
    """Per-problem counts and the coverage curve from monkey_business rows.

    Parameters
    ----------
    subsets : mapping of str to DataFrame
        ``"MATH_Pythia-<size>"`` -> the subset's rows, in the dataset's
        documented format: ``orig_dset_idx`` (problem index in the MATH test
        set) and ``is_corrects`` (one bool per sample).

    Returns
    -------
    dict
        ``pythia_math_per_problem_counts.csv`` (model, benchmark,
        problem_idx, num_samples, num_correct: problems in subset order) and
        ``pythia_math_coverage_curve.csv`` (mean unbiased pass@k over problems
        for k = 1, 2, 4, ..., 8192, 10000).

    Raises
    ------
    DataValidationError
        If a subset is missing or lacks the two columns.
    """
    counts = []
    for size in MONKEY_MODELS:
        name = f"MATH_Pythia-{size}"
        if name not in subsets:
            raise DataValidationError(f"monkey_business: subset {name!r} is missing; got {sorted(subsets)}")
        rows = subsets[name]
        missing = {"orig_dset_idx", "is_corrects"} - set(rows.columns)
        if missing:
            raise DataValidationError(f"monkey_business {name}: columns {sorted(missing)} missing; got {list(rows.columns)}")
        for idx, flags in zip(rows["orig_dset_idx"], rows["is_corrects"], strict=True):
            counts.append((f"Pythia-{size}", "MATH", int(idx), len(flags), int(sum(bool(f) for f in flags))))
    table = pd.DataFrame(counts, columns=["model", "benchmark", "problem_idx", "num_samples", "num_correct"])
    curve = []
    for model, group in table.groupby("model", sort=False):
        for k in _COVERAGE_K:
            values = [_pass_at_k(n, c, k) for n, c in zip(group["num_samples"], group["num_correct"], strict=True)]
            curve.append((model, "MATH", k, sum(values) / len(values), len(values)))
    coverage = pd.DataFrame(curve, columns=["model", "benchmark", "k", "coverage", "n_problems"])
    return {
        "pythia_math_per_problem_counts.csv": table.to_csv(index=False, lineterminator=_EOL_MONKEYS).encode(),
        "pythia_math_coverage_curve.csv": coverage.to_csv(index=False, lineterminator=_EOL_MONKEYS).encode(),
    }


def _monkeys_from_download(raw: Callable[[str], Path]) -> dict[str, bytes]:
    subsets = {f"MATH_Pythia-{s}": pd.read_parquet(raw(f"MATH_Pythia-{s}")) for s in MONKEY_MODELS}
    return monkeys_tables(subsets)


DERIVATIONS: tuple[Derivation, ...] = (
    Derivation(
        dataset="datablations-runs",
        outputs=("datablations_runs.csv", "notebook_stage2_runs.csv"),
        inputs=("utils/parametric_fit.ipynb",),
        how="dict literals NAMES_TO_VAL_LOSSES, TOKENS_MAP, PARAMS_MAP of the notebook's first code cell (all runs) "
        "and of cell 25 (the stage-2 fit's runs), read with ast.literal_eval, run names decoded by the notebook's rules",
        build=_datablations,
    ),
    Derivation(
        dataset="pythia-evals",
        outputs=("pythia_models.csv", "pythia_evals_long.csv", "pythia_evals_summary.csv"),
        inputs=tuple(sorted(p for p in RAW_PINS["pythia-evals"])),
        how="672 lm-eval-harness JSON files flattened (checkpoint and shots from each file's config); model "
        "table computed from the quoted model shapes",
        build=pythia_tables,
    ),
    Derivation(
        dataset="llmonkeys-pythia-math",
        outputs=("pythia_math_per_problem_counts.csv", "pythia_math_coverage_curve.csv"),
        inputs=tuple(f"MATH_Pythia-{s}" for s in MONKEY_MODELS),
        how=f"sum of is_corrects per problem of the {MONKEY_DATASET} subsets MATH_Pythia-* (Hugging Face Hub); "
        "coverage = mean unbiased pass@k",
        build=_monkeys_from_download,
        # the Hub's parquet files are not pinned by sha256 here: the derived tables ship in the snapshot
        downloadable=False,
    ),
    Derivation(
        dataset="porian-compute-optimal-isoflops",
        outputs=("isoflop_points.csv", "isoflop_optimal_pairs.csv"),
        inputs=(),
        how="flattened from upstream's xz-compressed pandas pickles by a maintainer in an isolated step "
        "(scripts/derive_porian.md); scalewatch never unpickles a download",
        build=lambda raw: {},
        downloadable=False,
    ),
)


def derivation_of(dataset: str, path: str) -> Derivation | None:
    """The derivation that produces ``dataset/path``, or None for a file copied from upstream."""
    return next((d for d in DERIVATIONS if d.dataset == dataset and path in d.outputs), None)
