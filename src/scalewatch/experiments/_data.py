"""The committed sweep: export a sweep's runs as small CSV files, and load them back as a dataset.

``scalewatch sweep run --preset default --out DIR`` writes, into ``DIR``:

``runs.csv``        one row per run, the columns of :data:`~scalewatch.data.RUN_COLUMNS`
                    (``config`` holds the full run configuration as JSON);
``curves.csv``      ``run_id, step, tokens, loss, train_loss`` (validation loss
                    at each evaluation; train loss averaged since the previous one);
``PROVENANCE.md``   the regenerating command, machine, date, versions and corpus hash.

The package ships the default sweep under ``scalewatch/experiments/data/sweep-default``;
:func:`load_sweep` reads it (no download) and ``scalewatch.datasets.load("scalewatch-sweep")``
returns it as a :class:`~scalewatch.data.datasets.Dataset`.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from scalewatch.data import CURVE_COLUMNS, RUN_COLUMNS, Registry, RunSet, validate_runs

__all__ = ["DATASET_NAME", "SWEEP_DATA_DIR", "export_sweep", "load_sweep", "sweep_dataset"]

DATASET_NAME = "scalewatch-sweep"
#: folder of the committed default sweep (package data)
SWEEP_DATA_DIR = Path(__file__).resolve().parent / "data" / "sweep-default"
_UNITS = {"params": "count", "tokens": "count", "compute": "flop"}


def export_sweep(
    registry: Registry | str | os.PathLike[str],
    out: str | os.PathLike[str],
    run_ids: Sequence[str],
    *,
    command: str,
    notes: Sequence[str] = (),
) -> list[Path]:
    """Write the runs ``run_ids`` of ``registry`` as ``runs.csv``, ``curves.csv`` and ``PROVENANCE.md`` in ``out``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from scalewatch.experiments._sweep import _open

    with _open(registry) as reg:
        rs = reg.runs(run_id=list(run_ids))
    if len(rs.runs) != len(set(run_ids)):
        missing = sorted(set(run_ids) - set(rs.runs["run_id"].astype(str)))
        raise ValueError(f"export_sweep: {len(missing)} run(s) are not in the registry (e.g. {missing[0]}); "
                         "finish the sweep first")
    order = {rid: i for i, rid in enumerate(run_ids)}
    runs = rs.runs.sort_values("run_id", key=lambda s: s.map(order)).reset_index(drop=True)
    train_loss: dict[tuple[str, int], float | None] = {}
    for rid, cfg in zip(runs["run_id"], runs["config"], strict=True):
        for step, value in json.loads(cfg)["train_curve"]:
            train_loss[(rid, int(step))] = value
    curves = rs.curves.copy()
    curves["train_loss"] = [train_loss.get((r, int(s))) for r, s in zip(curves["run_id"], curves["step"],
                                                                         strict=True)]
    curves = curves.sort_values(["run_id", "step"], key=lambda s: s.map(order) if s.name == "run_id" else s)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "runs.csv", folder / "curves.csv", folder / "PROVENANCE.md"]
    runs.to_csv(paths[0], index=False)  # full precision: compute is exactly 6 N D
    curves.to_csv(paths[1], index=False, float_format="%.8g")
    paths[2].write_text(_provenance(runs, command, notes))
    return paths


def _provenance(runs: pd.DataFrame, command: str, notes: Sequence[str]) -> str:
    cfgs = [json.loads(c) for c in runs["config"]]
    first = cfgs[0]
    corpus = first["corpus"]
    versions = first["versions"]
    wall = sum(c["wall_seconds"] for c in cfgs)
    tps = [c["tokens_per_second"] for c in cfgs]
    cpus = os.cpu_count()
    budgets = sorted({c["plan"]["budget"] for c in cfgs if c["plan"]["budget"] is not None})
    lines = [
        "# scalewatch-sweep: provenance",
        "",
        "Small byte-level transformers trained by scalewatch itself on the Python standard library's",
        "sources (IsoFLOP design), to test a scaling law on data whose every detail is known.",
        "",
        "## Regenerate",
        "",
        "```bash",
        command,
        "```",
        "",
        "Runs are deterministic for a given machine, thread count, Python (the corpus is its stdlib)",
        "and torch version; another platform gives slightly different losses and a different corpus hash.",
        "",
        "## Recorded",
        "",
        f"- runs: {len(runs)}; compute budgets (6ND, non-embedding N): {', '.join(f'{b:.0e}' for b in budgets)} FLOP",
        f"- params: {int(runs['params'].min()):,} to {int(runs['params'].max()):,} non-embedding;"
        f" tokens: {int(runs['tokens'].min()):,} to {int(runs['tokens'].max()):,}",
        f"- corpus: {corpus['name']}, sha256 {corpus['sha256']}, {corpus['train_bytes']:,} train /"
        f" {corpus['val_bytes']:,} validation bytes; split: {corpus['split']}",
        f"- Python {versions['python']}, torch {versions['torch']}, numpy {versions['numpy']},"
        f" scalewatch {versions['scalewatch']}",
        f"- machine: {versions['platform']} ({versions['machine']}), {cpus} CPU cores,"
        f" {first['threads']} torch thread(s) per run, executor {first['executor']}, device {first['device']}",
        f"- training time: {wall / 60:.1f} min in all (sum of run wall times);"
        f" throughput {min(tps):,.0f} to {max(tps):,.0f} tokens/s",
        f"- exported: {pd.Timestamp.now(tz='UTC').strftime('%Y-%m-%d %H:%M UTC')} on {platform.node() or 'unknown'}",
        "",
        "## Files",
        "",
        "- `runs.csv`: one row per run, scalewatch's run schema; loss is the final validation loss in nats",
        "  per byte; `params` is non-embedding (`params_kind`), `compute` = 6 N D (`compute_estimated`);",
        "  `config` is the run's full configuration (spec, seed, corpus, versions, timing) as JSON.",
        "- `curves.csv`: validation loss (and mean training loss since the previous point) at each evaluation.",
    ]
    if notes:
        lines += ["", "## Notes", "", *[f"- {n}" for n in notes]]
    return "\n".join(lines) + "\n"


def load_sweep(path: str | os.PathLike[str] | None = None) -> tuple[RunSet, pd.DataFrame]:
    """Read an exported sweep (default: the committed one) as a validated RunSet plus the full curves table.

    Returns
    -------
    (RunSet, pandas.DataFrame)
        The runs with their validation-loss curves, and ``curves.csv`` as read
        (with the ``train_loss`` column).

    Raises
    ------
    FileNotFoundError
        If ``runs.csv`` or ``curves.csv`` is missing (the message names the folder).
    """
    folder = Path(path) if path is not None else SWEEP_DATA_DIR
    files = {name: folder / f"{name}.csv" for name in ("runs", "curves")}
    for name, p in files.items():
        if not p.is_file():
            raise FileNotFoundError(f"sweep data {folder}: no {p.name}; regenerate it with "
                                    "`scalewatch sweep run --preset default --out DIR`")
    dtypes = {c.name: c.dtype for c in RUN_COLUMNS if c.dtype in ("string",)}
    runs = pd.read_csv(files["runs"], dtype=dtypes)
    curves_full = pd.read_csv(files["curves"], dtype={"run_id": "string"})
    curves = curves_full[[c.name for c in CURVE_COLUMNS]]
    runset = validate_runs(runs, curves=curves, source=DATASET_NAME, units=_UNITS)
    return runset, curves_full


def sweep_dataset() -> Any:
    """The committed sweep as a :class:`~scalewatch.data.datasets.Dataset` named ``"scalewatch-sweep"``."""
    from types import MappingProxyType

    from scalewatch.data import ColumnSpec as Col
    from scalewatch.data.datasets import Dataset, DatasetInfo

    runset, curves_full = load_sweep()
    citation = "scalewatch-sweep: small byte-level transformers trained by scalewatch (see PROVENANCE.md)"
    runs = runset.runs.assign(citation=citation)
    info = DatasetInfo(
        name=DATASET_NAME,
        title="IsoFLOP sweep of tiny transformers on the Python stdlib, trained by scalewatch (package data)",
        citation=citation,
        license="MIT (scalewatch); corpus: Python standard library, PSF licence",
        source_url=str(SWEEP_DATA_DIR),
        repository="",
        commit="",
        files=(),
        rows=len(runs),
        rows_of="runs",
        params_kind="non_embedding",
    )
    columns = (
        Col("run_id", "string", "", "run", required=True),
        Col("step", "Int64", "", "optimizer step", required=True),
        Col("tokens", "float64", "count", "training tokens seen"),
        Col("loss", "float64", "nats/token", "validation loss", required=True),
        Col("train_loss", "float64", "nats/token", "mean training loss since the previous point (empty at step 0)"),
    )
    provenance = SWEEP_DATA_DIR / "PROVENANCE.md"
    return Dataset(
        name=DATASET_NAME,
        citation=citation,
        license=info.license,
        source_url=info.source_url,
        runs=RunSet(runs=runs, scores=runset.scores, curves=runset.curves),
        tables=MappingProxyType({"curves_full": curves_full}),
        columns=MappingProxyType({"curves_full": columns}),
        notes=(f"package data; provenance in {provenance}",),
        info=info,
    )
