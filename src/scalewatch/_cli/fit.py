"""``scalewatch fit ...``: fit a scaling law to a file or a public dataset."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    """Add the ``fit`` command to ``app``."""
    app.command("fit")(fit_command)


def _load_runs(source: str):
    """A file path (CSV, Parquet, JSON lines) or the name of a public dataset -> runs table."""
    from scalewatch.data import datasets

    path = Path(source)
    if path.exists():
        from scalewatch.data import read_runs

        return read_runs(path).runs
    names = datasets.names()
    if source in names:
        return datasets.load(source).runs.runs
    raise typer.BadParameter(
        f"{source!r} is neither an existing file nor a dataset name; datasets: {', '.join(names)}.",
        param_hint="FILE_OR_DATASET",
    )


def fit_command(
    source: str = typer.Argument(..., metavar="FILE_OR_DATASET", help="A runs file (csv, parquet, jsonl) or a dataset name (see `scalewatch datasets list`)."),
    law: str = typer.Option("chinchilla", "--law", help="Law to fit (see `scalewatch fit --list-laws`)."),
    loss: str = typer.Option("huber", "--loss", help="huber | lsq | huber_likelihood"),
    delta: Optional[float] = typer.Option(None, "--delta", help="Huber threshold (default 1e-3 on log residuals)."),
    space: Optional[str] = typer.Option(None, "--space", help="log | linear residuals (default log)."),
    starts: Optional[str] = typer.Option(None, "--starts", help="auto | grid | hoffmann | an integer number of Sobol starts."),
    drop_highest: int = typer.Option(0, "--drop-highest", help="Drop the K highest-loss runs first (Epoch's Chinchilla replication drops 5)."),
    n_boot: int = typer.Option(0, "--bootstrap", help="Bootstrap resamples for intervals (0 = none)."),
    groups: str = typer.Option("runs", "--groups", help="Bootstrap unit: runs, or a law input such as N (whole model sizes)."),
    seed: int = typer.Option(0, "--seed", help="Seed of random starts and resampling."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
) -> None:
    """Fit a scaling law (default: Chinchilla, Huber delta 1e-3 on log loss) and print the report."""
    import warnings

    from scalewatch.errors import IdentifiabilityWarning
    from scalewatch.fitting import bootstrap, fit
    from scalewatch.laws import get as get_law

    law_obj = get_law(law)
    runs = _load_runs(source)
    needed = [c for c in ("loss",) if c in runs.columns]
    runs = runs.dropna(subset=needed) if needed else runs
    if drop_highest:
        runs = runs.sort_values("loss").iloc[: len(runs) - drop_highest]
    start_arg: object = starts
    if starts is not None and starts.isdigit():
        start_arg = int(starts)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IdentifiabilityWarning)
        result = fit(law_obj, runs, loss=loss, delta=delta, space=space, starts=start_arg, seed=seed)
    for w in caught:
        if not as_json:
            typer.echo(f"warning: {w.message}", err=True)
    boot = None
    if n_boot:
        boot = _bootstrap_with_progress(bootstrap, result, n_boot, groups, seed, show=sys.stderr.isatty() and not as_json)
    if as_json:
        out = result.to_dict()
        if boot is not None:
            out["bootstrap"] = boot.to_dict()
        typer.echo(json.dumps(out, indent=2))
        return
    typer.echo(result.report())
    if boot is not None:
        typer.echo(boot.report())


def _bootstrap_with_progress(bootstrap, result, n_boot, groups, seed, show):
    if not show:
        return bootstrap(result, n_boot, groups=groups, seed=seed)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("bootstrap"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeRemainingColumn(), transient=True) as bar:
        task = bar.add_task("bootstrap", total=n_boot)
        return bootstrap(result, n_boot, groups=groups, seed=seed, progress=lambda done, total: bar.update(task, completed=done))
