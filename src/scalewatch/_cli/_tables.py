"""Reading a user's table for the analysis commands (one reader for every command group)."""

from __future__ import annotations

from pathlib import Path

import typer


def read_table(path: str):
    """A table from CSV, Parquet, JSON lines or JSON; a missing file or unknown suffix is a usage error."""
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise typer.BadParameter(f"{path!r} does not exist; pass a CSV, Parquet or JSON-lines file.", param_hint="FILE")
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt"):
        return pd.read_csv(p)
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(p)
    if suffix in (".jsonl", ".ndjson"):
        return pd.read_json(p, lines=True)
    if suffix == ".json":
        return pd.read_json(p)
    raise typer.BadParameter(f"{path!r}: unknown file type {suffix!r}; use .csv, .parquet or .jsonl.", param_hint="FILE")
