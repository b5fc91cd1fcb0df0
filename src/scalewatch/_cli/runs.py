"""``scalewatch runs ...``: import, list, export and remove runs in the run registry.

Thin by design: each command parses its arguments and calls
:mod:`scalewatch.data`. pandas and DuckDB are imported inside the commands so
that ``scalewatch --help`` stays fast.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path
from typing import Any

import typer

from scalewatch.errors import DataValidationError

app = typer.Typer(help="Import, list and export training runs in the run registry.", no_args_is_help=True)

_DB_HELP = "Registry file (default: $SCALEWATCH_DB, else registry.duckdb in the user data directory)."
_COUNT = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([kKmMbBtT]?)\s*$")
_SCALE = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}


def _pairs(values: list[str] | None, option: str, example: str) -> dict[str, str] | None:
    """``["a=b", ...]`` -> ``{"a": "b"}``; the last ``=`` splits, so column names may contain one."""
    if not values:
        return None
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.rpartition("=")
        if not sep or not key.strip() or not value.strip():
            raise DataValidationError(f"{option} {item!r}: expected KEY=VALUE (e.g. {option} {example})")
        out[key.strip()] = value.strip()
    return out


def _count(value: str | None, option: str) -> float | None:
    """A bound such as ``1e9``, ``1.3B`` or ``70M`` as a raw number."""
    if value is None:
        return None
    m = _COUNT.match(value)
    if m is None:
        raise DataValidationError(f"{option} {value!r}: not a number; write e.g. 1e9, 1.3B or 70M")
    return float(m.group(1)) * _SCALE[m.group(2).lower()]


def _echo_warnings(caught: list[warnings.WarningMessage]) -> None:
    for w in caught:
        typer.echo(f"warning: {w.message}", err=True)


def _filters(
    family: list[str] | None,
    source: list[str] | None,
    model: list[str] | None,
    tag: list[str] | None,
    min_params: str | None,
    max_params: str | None,
    min_tokens: str | None,
    max_tokens: str | None,
    min_compute: str | None,
    max_compute: str | None,
) -> dict[str, Any]:
    return {
        "family": family or None,
        "source": source or None,
        "model_id": model or None,
        "tag": tag or None,
        "min_params": _count(min_params, "--min-params"),
        "max_params": _count(max_params, "--max-params"),
        "min_tokens": _count(min_tokens, "--min-tokens"),
        "max_tokens": _count(max_tokens, "--max-tokens"),
        "min_compute": _count(min_compute, "--min-compute"),
        "max_compute": _count(max_compute, "--max-compute"),
    }


# Shared filter options (typer has no option groups; these keep the three commands in step).
_FAMILY = typer.Option(None, "--family", help="Model family (case-insensitive); repeat for several.")
_SOURCE = typer.Option(None, "--source", help="Source (file name, dataset, mlflow:<experiment>); repeatable.")
_MODEL = typer.Option(None, "--model", help="Model id; repeatable.")
_TAG = typer.Option(None, "--tag", help="Runs carrying this tag; repeatable (any of them).")
_MIN_PARAMS = typer.Option(None, "--min-params", help="Smallest N, a raw count (1e9, 1.3B, 70M).")
_MAX_PARAMS = typer.Option(None, "--max-params", help="Largest N.")
_MIN_TOKENS = typer.Option(None, "--min-tokens", help="Smallest D, a raw count.")
_MAX_TOKENS = typer.Option(None, "--max-tokens", help="Largest D.")
_MIN_COMPUTE = typer.Option(None, "--min-compute", help="Smallest C in FLOP.")
_MAX_COMPUTE = typer.Option(None, "--max-compute", help="Largest C in FLOP.")
_DB = typer.Option(None, "--db", help=_DB_HELP, dir_okay=False)
_WAIT = typer.Option(10.0, "--wait", metavar="SECONDS", min=0.0,
                     help="Wait this long for another process using the registry (an import) to finish; 0: fail at once.")


def _say(message: str) -> None:
    typer.echo(message, err=True)


@app.command("import")
def import_(
    file: str = typer.Argument(..., help="CSV, Parquet or JSON-lines file, or an MLflow store "
                                         "(sqlite:///mlflow.db, a .db file or an mlruns folder)."),
    map_: list[str] | None = typer.Option(
        None, "--map", help="COLUMN=FIELD: read the file's COLUMN as the run field FIELD; repeatable."
    ),
    units: list[str] | None = typer.Option(
        None, "--units", help="FIELD=UNIT, e.g. params=billions, compute=pf_days, loss=bits; repeatable."
    ),
    scores: Path | None = typer.Option(None, "--scores", help="Long-form scores file (default <stem>.scores.<ext>)."),
    curves: Path | None = typer.Option(None, "--curves", help="Loss-curve file (default <stem>.curves.<ext>)."),
    format_: str | None = typer.Option(None, "--format", help="csv, parquet or jsonl (default: from the suffix)."),
    experiment: str | None = typer.Option(None, "--experiment", help="MLflow experiment name or id (default all)."),
    db: Path | None = _DB,
    wait: float = _WAIT,
    as_json: bool = typer.Option(False, "--json", help="Print the import summary as JSON."),
) -> None:
    """Import runs from FILE into the registry, all or nothing; re-importing adds nothing."""
    from scalewatch.data import Registry, is_mlflow_uri

    mapping = _pairs(map_, "--map", "n_params=params")
    unit_map = _pairs(units, "--units", "params=billions")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if is_mlflow_uri(file):
            if scores is not None or curves is not None or format_ is not None:
                raise DataValidationError("--scores, --curves and --format do not apply to an MLflow store")
            try:
                with Registry(db, wait=wait, on_wait=_say) as reg:
                    summary = reg.import_mlflow(file, experiment=experiment, mapping=mapping, units=unit_map)
            except ImportError as exc:  # mlflow-skinny is optional
                typer.echo(f"error: {exc}", err=True)
                raise typer.Exit(1) from None
        else:
            if experiment is not None:
                raise DataValidationError(f"--experiment applies to an MLflow store only, and {file} is not one")
            with Registry(db, wait=wait, on_wait=_say) as reg:
                summary = reg.import_runs(file, mapping=mapping, units=unit_map, scores=scores, curves=curves,
                                          format=format_)
    _echo_warnings(caught)
    typer.echo(json.dumps(summary.to_dict()) if as_json else str(summary))


def _json_safe(value: Any) -> Any:
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if hasattr(value, "item"):
        return _json_safe(value.item())
    return value


def _num(value: Any) -> str:
    return "" if value is None else f"{float(value):.4g}"


@app.command("list")
def list_(
    family: list[str] | None = _FAMILY,
    source: list[str] | None = _SOURCE,
    model: list[str] | None = _MODEL,
    tag: list[str] | None = _TAG,
    min_params: str | None = _MIN_PARAMS,
    max_params: str | None = _MAX_PARAMS,
    min_tokens: str | None = _MIN_TOKENS,
    max_tokens: str | None = _MAX_TOKENS,
    min_compute: str | None = _MIN_COMPUTE,
    max_compute: str | None = _MAX_COMPUTE,
    db: Path | None = _DB,
    wait: float = _WAIT,
    as_json: bool = typer.Option(False, "--json", help="Print the runs as a JSON list of objects (all fields)."),
) -> None:
    """List the runs in the registry (N and D raw counts, C in FLOP, loss in nats/token)."""
    from scalewatch.data import Registry, default_registry_path

    filters = _filters(family, source, model, tag, min_params, max_params, min_tokens, max_tokens,
                       min_compute, max_compute)
    path = db if db is not None else default_registry_path()
    if not Path(path).exists():
        typer.echo(f"no registry at {path} yet; import runs with: scalewatch runs import FILE", err=True)
        typer.echo("[]" if as_json else "", nl=as_json)
        return
    with Registry(path, read_only=True, wait=wait, on_wait=_say) as reg:
        runs = reg.runs(**filters).runs
    if as_json:
        records = [{k: _json_safe(v) for k, v in r.items()} for r in runs.to_dict(orient="records")]
        typer.echo(json.dumps(records))
        return
    header = ("run_id", "model_id", "family", "params", "tokens", "compute", "loss", "source")
    rows = [
        (
            str(r.run_id), str(r.model_id), "" if r.family is None else str(r.family),
            _num(r.params), _num(r.tokens), _num(r.compute) + ("*" if r.compute_estimated else ""),
            _num(r.loss), "" if r.source is None else str(r.source),
        )
        # NA -> None, so that missing cells test falsy without pandas' ambiguous NA
        for r in runs.astype(object).where(runs.notna(), None).itertuples(index=False)
    ]
    widths = [max([len(h), *(len(row[k]) for row in rows)]) for k, h in enumerate(header)]
    typer.echo("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row in rows:
        typer.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    note = "; * compute estimated as 6ND" if any(r[5].endswith("*") for r in rows) else ""
    typer.echo(f"{len(rows)} runs{note}", err=True)


@app.command("export")
def export(
    out: Path = typer.Argument(..., help="Output file (.csv, .parquet or .jsonl)."),
    format_: str | None = typer.Option(None, "--format", help="csv, parquet or jsonl (default: from the suffix)."),
    family: list[str] | None = _FAMILY,
    source: list[str] | None = _SOURCE,
    model: list[str] | None = _MODEL,
    tag: list[str] | None = _TAG,
    min_params: str | None = _MIN_PARAMS,
    max_params: str | None = _MAX_PARAMS,
    min_tokens: str | None = _MIN_TOKENS,
    max_tokens: str | None = _MAX_TOKENS,
    min_compute: str | None = _MIN_COMPUTE,
    max_compute: str | None = _MAX_COMPUTE,
    db: Path | None = _DB,
    wait: float = _WAIT,
) -> None:
    """Write the registry's runs to OUT; CSV and Parquet get side files for scores and curves."""
    from scalewatch.data import Registry, write_runs

    filters = _filters(family, source, model, tag, min_params, max_params, min_tokens, max_tokens,
                       min_compute, max_compute)
    with Registry(db, read_only=True, wait=wait, on_wait=_say) as reg:
        runset = reg.runs(**filters)
    written = write_runs(runset, out, format=format_)
    typer.echo(f"{len(runset)} runs written to {', '.join(str(p) for p in written)}")


@app.command("remove")
def remove(
    run_ids: list[str] = typer.Argument(..., help="Run ids to remove, with their scores and curves."),
    db: Path | None = _DB,
    wait: float = _WAIT,
) -> None:
    """Remove runs from the registry, all or nothing."""
    from scalewatch.data import Registry

    with Registry(db, wait=wait, on_wait=_say) as reg:
        n = reg.remove_runs(run_ids)
    typer.echo(f"{n} runs removed")
