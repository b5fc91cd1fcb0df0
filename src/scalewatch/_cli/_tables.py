"""What every analysis command shares: reading the user's table, parsing number lists, printing a result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer


def read_table(path: str | Path):
    """A table from CSV/TSV, Parquet, JSON lines or JSON, by suffix; a missing file or unknown suffix is a usage error."""
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise typer.BadParameter(f"{str(path)!r} does not exist; pass a CSV, TSV, Parquet or JSON-lines file.", param_hint="FILE")
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt"):
        return pd.read_csv(p)
    if suffix == ".tsv":
        return pd.read_csv(p, sep="\t")
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(p)
    if suffix in (".jsonl", ".ndjson"):
        return pd.read_json(p, lines=True)
    if suffix == ".json":
        return pd.read_json(p)
    raise typer.BadParameter(
        f"{p.name!r}: unknown file type {suffix or '(none)'}; use .csv, .tsv, .parquet, .json or .jsonl.", param_hint="FILE"
    )


def floats(text: Optional[str], flag: str, example: str = "0.25,0.5") -> Optional[list[float]]:
    """``"0.25,0.5"`` -> ``[0.25, 0.5]`` (None stays None); anything else is a usage error that shows ``example``."""
    if text is None:
        return None
    try:
        return [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise typer.BadParameter(f"{text!r}: write comma-separated numbers, e.g. {example}.", param_hint=flag) from None


def emit(result: Any, as_json: bool) -> None:
    """Print a result: its ``to_dict()`` as JSON with ``--json``, else its ``report()``."""
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        typer.echo(result.report())
