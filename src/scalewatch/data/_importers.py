"""Importers: runs from CSV, Parquet, JSON lines, DataFrames and MLflow; and the writer for export.

File formats
------------
CSV and Parquet
    One row per run, one column per field of :data:`~scalewatch.data.RUN_COLUMNS`.
    Scores may come as wide columns named ``score:<benchmark>:<metric>`` or
    ``score:<benchmark>:<metric>:<shots>``, or as a long-form side file; loss
    curves only as a side file. Side files sit beside the runs file and are
    found by name: ``runs.csv`` -> ``runs.scores.csv`` (columns ``run_id,
    benchmark, metric, shots, value``) and ``runs.curves.csv`` (``run_id, step,
    tokens, loss``), in the same format as the runs file.
JSON lines (``.jsonl``, ``.ndjson``)
    One JSON object per line and run, with optional nested lists ``"scores":
    [{"benchmark": ..., "metric": ..., "shots": ..., "value": ...}]`` and
    ``"curve": [{"step": ..., "tokens": ..., "loss": ...}]``.

Missing values are empty cells (CSV; ``NA``, ``N/A``, ``null`` and ``None``
are read as empty too), nulls (JSON, Parquet) or NaN (a DataFrame, where NaN is
pandas' missing marker). In files a written ``NaN`` or infinity is refused: it
usually is a diverged run, not a missing value.

A column mapping renames the user's columns onto fields before validation:
``mapping={"n_params": "params", "val_loss": "loss"}``. Columns that neither
match a field nor are mapped are left out and reported by the registry's
import summary.
"""

from __future__ import annotations

import json
import math
import os
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from scalewatch.data._schema import (
    ALIAS_LOSS_SPLIT,
    COLUMN_ALIASES,
    CURVE_COLUMNS,
    DERIVED_ID_PREFIX,
    RUN_COLUMNS,
    SCORE_COLUMNS,
    UNIT_HINTS,
    RunSet,
)
from scalewatch.data._validate import _Table, _validate
from scalewatch.errors import DataValidationError, one_line

__all__ = [
    "FORMATS",
    "read_runs",
    "from_dataframe",
    "from_mlflow",
    "write_runs",
    "side_file",
    "derive_run_ids",
    "suggest_field",
]

# File suffix -> format name.
_SUFFIXES: Final[Mapping[str, str]] = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
FORMATS: Final[tuple[str, ...]] = ("csv", "parquet", "jsonl")
_FIELDS: Final[tuple[str, ...]] = tuple(c.name for c in RUN_COLUMNS)
_STRING_FIELDS: Final[frozenset[str]] = frozenset(c.name for c in RUN_COLUMNS if c.dtype == "string")
_NUMERIC_FIELDS: Final[frozenset[str]] = frozenset(
    c.name for cols in (RUN_COLUMNS, SCORE_COLUMNS, CURVE_COLUMNS) for c in cols if c.dtype in ("float64", "Int64")
)
# Text read as a missing value in CSV; "NaN" is deliberately not among them.
_CSV_NA: Final[list[str]] = ["", "NA", "N/A", "n/a", "null", "NULL", "None"]
_SCORE_TARGET = re.compile(r"^score:[^:]+:[^:]+(:\d+)?$")
_NESTED_SCORES = ("scores",)
_NESTED_CURVES = ("curve", "curves")


def _format_of(path: Path, format: str | None) -> str:
    if format is not None:
        fmt = format.lower().lstrip(".")
        if fmt in ("ndjson", "json_lines"):
            fmt = "jsonl"
        if fmt not in FORMATS:
            raise DataValidationError(f"format={format!r} is not supported; allowed: {', '.join(FORMATS)}")
        return fmt
    fmt_or_none = _SUFFIXES.get(path.suffix.lower())
    if fmt_or_none is None:
        raise DataValidationError(
            f"{path.name}: unknown file type {path.suffix or '(no suffix)'!r}; allowed: "
            f"{', '.join(_SUFFIXES)} (or pass format= / --format)"
        )
    return fmt_or_none


def side_file(path: str | Path, table: str) -> Path:
    """The side file of a runs file: ``runs.csv`` -> ``runs.scores.csv`` for ``table="scores"``."""
    path = Path(path)
    return path.with_name(f"{path.stem}.{table}{path.suffix}")


# -- column mapping ------------------------------------------------------------------------


def _check_mapping(mapping: Mapping[str, str] | None) -> dict[str, str]:
    if mapping is None:
        return {}
    if not isinstance(mapping, Mapping):
        raise TypeError(f"mapping must be a dict such as {{'n_params': 'params'}}, got {type(mapping).__name__}")
    out: dict[str, str] = {}
    targets: dict[str, str] = {}
    for column, field in mapping.items():
        column, field = str(column).strip(), str(field).strip()
        if field not in _FIELDS and not _SCORE_TARGET.match(field):
            raise DataValidationError(
                f"mapping {column!r} -> {field!r}: {field!r} is not a run field; allowed: {', '.join(_FIELDS)}, "
                "or score:<benchmark>:<metric>[:<shots>]"
            )
        if field in targets:
            raise DataValidationError(
                f"mapping: columns {targets[field]!r} and {column!r} are both mapped to {field!r}; map one column "
                "per field"
            )
        targets[field] = column
        out[column] = field
    return out


def _apply_mapping(frame: pd.DataFrame, mapping: Mapping[str, str], source: str) -> pd.DataFrame:
    """Rename mapped columns onto fields; refuse mapped columns that are absent or clash."""
    if not mapping:
        return frame
    columns = [str(c) for c in frame.columns]
    for column, field in mapping.items():
        if column not in columns:
            raise DataValidationError(
                f"{source}: column {column!r} named in the mapping ({column}={field}) is not in the file; "
                f"columns are: {', '.join(repr(c) for c in columns)}"
            )
        if field in columns and field not in mapping:
            raise DataValidationError(
                f"{source}: column {column!r} is mapped to {field!r} but the file already has a column {field!r}; "
                f"drop one of them or map {field!r} elsewhere"
            )
    return frame.rename(columns=dict(mapping))


# -- readers -------------------------------------------------------------------------------


def _read_csv(path: Path, mapping: Mapping[str, str]) -> pd.DataFrame:
    try:
        header = pd.read_csv(path, nrows=0)
        # ids and names stay text ("007" is not 7); everything else is inferred
        dtype = {c: "string" for c in header.columns if _target_of(str(c), mapping) in _STRING_FIELDS}
        with warnings.catch_warnings():
            # index_col=False: a first row with extra cells must not silently become the index;
            # pandas then warns that it drops cells, which is an error here
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(path, dtype=dtype, keep_default_na=False, na_values=_CSV_NA, index_col=False)
    except pd.errors.ParserWarning:
        raise DataValidationError(_long_row_message(path)) from None
    except pd.errors.EmptyDataError:
        raise DataValidationError(f"{path.name}: the file is empty; a runs CSV needs a header row") from None
    except pd.errors.ParserError as exc:
        raise DataValidationError(f"{path.name}: not a valid CSV file: {one_line(exc)}") from None
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            f"{path.name}: byte {exc.start} is not UTF-8 text; save the file as UTF-8"
        ) from None


def _target_of(column: str, mapping: Mapping[str, str]) -> str:
    """The field a column will be read as: mapped, a field itself, or a known alias."""
    if column in mapping:
        return mapping[column]
    if column in _FIELDS:
        return column
    hit = _ALIAS_OF.get(_normalise(column)[0])
    return hit[0] if hit is not None else column


def _long_row_message(path: Path) -> str:
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        width = len(next(rows))
        for lineno, row in enumerate(rows, start=2):
            if len(row) > width:
                return (f"{path.name}: not a valid CSV file: line {lineno} (data row {lineno - 1}) has {len(row)} "
                        f"fields but the header has {width}; remove the extra delimiters or name the columns")
    return f"{path.name}: not a valid CSV file: a row has more fields than the header"  # pragma: no cover


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataValidationError(f"{path.name}: not a valid Parquet file: {one_line(exc)}") from None
    # Parquet keeps null and NaN apart; a NaN written to a file is refused like CSV's "NaN".
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_floating(col.type):
            nan = pc.fill_null(pc.is_nan(col), False).to_numpy(zero_copy_only=False)
            if nan.any():
                i = int(np.flatnonzero(nan)[0])
                raise DataValidationError(
                    f"{path.name} row {i + 1}, column {name!r}: value NaN is not a number; store a null for "
                    "a missing value"
                )
    return table.to_pandas()


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON; write null for a missing value")


def _read_jsonl(path: Path) -> tuple[pd.DataFrame, list[str], pd.DataFrame | None, list[str], pd.DataFrame | None,
                                     list[str]]:
    """Runs, scores and curve rows of a JSON-lines file, each with row labels ("line 7")."""
    records: list[dict[str, Any]] = []
    labels: list[str] = []
    score_rows: list[dict[str, Any]] = []
    score_labels: list[str] = []
    curve_rows: list[dict[str, Any]] = []
    curve_labels: list[str] = []
    saw_scores = saw_curves = False
    try:
        lines = path.read_text(encoding="utf-8").split("\n")  # JSON lines end at \n only
    except UnicodeDecodeError as exc:
        raise DataValidationError(f"{path.name}: byte {exc.start} is not UTF-8 text; save the file as UTF-8") from None
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line, parse_constant=_reject_constant)
        except ValueError as exc:
            raise DataValidationError(f"{path.name} line {lineno}: not valid JSON: {one_line(exc)}") from None
        if not isinstance(obj, dict):
            raise DataValidationError(
                f"{path.name} line {lineno}: a {type(obj).__name__} where a JSON object (one run) was expected"
            )
        label = f"line {lineno}"
        nested: dict[str, Any] = {}
        for key in (*_NESTED_SCORES, *_NESTED_CURVES):
            if key in obj:
                nested[key] = obj.pop(key)
        run_id = obj.get("run_id")
        if "run_id" not in obj:
            # an aliased id column ("id"), else a placeholder that the friendly step resolves by position
            alias = next((k for k in obj if _target_of(str(k), {}) == "run_id"), None)
            run_id = obj[alias] if alias is not None else f"{_TEMP_ID}{len(records)}"
        for key, value in nested.items():
            if value is None:
                continue
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise DataValidationError(
                    f"{path.name} {label}, field {key!r}: must be a list of objects, got {json.dumps(value)[:60]}"
                )
            is_scores = key in _NESTED_SCORES
            saw_scores |= is_scores
            saw_curves |= not is_scores
            for k, item in enumerate(value, start=1):
                row = {"run_id": run_id, **item}
                if is_scores:
                    score_rows.append(row)
                    score_labels.append(f"{label}, score {k}")
                else:
                    curve_rows.append(row)
                    curve_labels.append(f"{label}, curve point {k}")
        records.append(obj)
        labels.append(label)
    if not records:
        raise DataValidationError(f"{path.name}: the file has no runs (no JSON objects)")
    runs = pd.DataFrame.from_records(records)
    scores = pd.DataFrame.from_records(score_rows, columns=_columns_of(score_rows, SCORE_COLUMNS)) \
        if saw_scores else None
    curves = pd.DataFrame.from_records(curve_rows, columns=_columns_of(curve_rows, CURVE_COLUMNS)) \
        if saw_curves else None
    return runs, labels, scores, score_labels, curves, curve_labels


def _columns_of(rows: list[dict[str, Any]], spec: tuple[Any, ...]) -> list[str]:
    names = [c.name for c in spec if c.required]
    for row in rows:
        for key in row:
            if key not in names:
                names.append(key)
    return names


def _read_frame(path: Path, fmt: str, mapping: Mapping[str, str]) -> pd.DataFrame:
    if fmt == "csv":
        return _read_csv(path, mapping)
    if fmt == "parquet":
        return _read_parquet(path)
    frame, _, _, _, _, _ = _read_jsonl(path)
    return frame


def _exists(path: Path) -> Path:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise IsADirectoryError(f"{path}: is a directory, not a runs file")
    return path


def _load_runs(
    path: str | os.PathLike[str],
    *,
    mapping: Mapping[str, str] | None,
    units: Mapping[str, str] | None,
    scores: str | os.PathLike[str] | None,
    curves: str | os.PathLike[str] | None,
    format: str | None = None,
    stacklevel: int,
) -> tuple[RunSet, _ImportInfo]:
    path = _exists(Path(path))
    fmt = _format_of(path, format)
    checked = _check_mapping(mapping)
    source = path.name
    score_table = curve_table = None
    if fmt == "jsonl":
        runs, labels, sframe, slabels, cframe, clabels = _read_jsonl(path)
        if sframe is not None:
            score_table = _Table("scores", sframe, source, slabels)
        if cframe is not None:
            curve_table = _Table("curves", cframe, source, clabels)
    else:
        runs = _read_csv(path, checked) if fmt == "csv" else _read_parquet(path)
        labels = None
    runs = _apply_mapping(runs, checked, source)
    friendly = _friendly(runs, checked, units, source)
    runs = friendly.frame
    if fmt == "jsonl":  # nested scores and curves of runs without an id: placeholders by position
        of = {f"{_TEMP_ID}{i}": rid for i, rid in enumerate(runs["run_id"].astype(object))}
        for table in (score_table, curve_table):
            if table is not None and "run_id" in table.frame.columns:
                col = table.frame["run_id"].astype(object)
                table.frame["run_id"] = col.map(lambda v: of.get(v, v) if isinstance(v, str) else v)
    for name, given, current in (("scores", scores, score_table), ("curves", curves, curve_table)):
        side = Path(given) if given is not None else side_file(path, name)
        if given is None and (current is not None or not side.is_file()):
            continue
        _exists(side)
        side_fmt = _format_of(side, None)
        frame = _read_frame(side, side_fmt, {})
        table = _Table(name, frame, side.name)
        if name == "scores":
            score_table = table
        else:
            curve_table = table
    return _finish(_Table("runs", runs, source, labels, friendly.renamed), score_table, curve_table, friendly,
                   stacklevel=stacklevel + 1)


@dataclass(frozen=True)
class _ImportInfo:
    """What an importer noticed: columns left out (with suggestions), notes, how many run ids it derived."""

    ignored: list[str]
    notes: tuple[str, ...] = ()
    derived_ids: int = 0


def _finish(runs: _Table, scores: _Table | None, curves: _Table | None, friendly: _Friendly, *,
            stacklevel: int) -> tuple[RunSet, _ImportInfo]:
    runset, ignored = _validate(runs, scores, curves, friendly.units, stacklevel=stacklevel + 1)
    if friendly.temp_ids:
        runset = _derive_ids(runset, friendly, runs.source)
    shown = []
    for column in ignored:
        field = suggest_field(column)
        shown.append(f"{column} (did you mean {field}?)" if field is not None and field not in runs.frame.columns
                     else column)
    return runset, _ImportInfo(shown, friendly.notes, len(runset) if friendly.temp_ids else 0)


def read_runs(
    path: str | os.PathLike[str],
    *,
    mapping: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    scores: str | os.PathLike[str] | None = None,
    curves: str | os.PathLike[str] | None = None,
    format: str | None = None,
) -> RunSet:
    """Read and validate runs from a CSV, Parquet or JSON-lines file.

    Parameters
    ----------
    path : str or path-like
        The runs file; its suffix picks the format (``.csv``, ``.parquet``,
        ``.pq``, ``.jsonl``, ``.ndjson``) unless ``format`` is given.
    mapping : mapping of str to str, optional
        The file's column names -> run fields, e.g. ``{"n_params": "params"}``;
        a target may also be ``score:<benchmark>:<metric>[:<shots>]``.
    units : mapping of str to str, optional
        Units of the file's columns, see :func:`~scalewatch.data.validate_runs`.
    scores, curves : str or path-like, optional
        Long-form side files. Default: ``<stem>.scores<suffix>`` and
        ``<stem>.curves<suffix>`` beside ``path`` when they exist (a JSON-lines
        file carries them nested instead).
    format : {"csv", "parquet", "jsonl"}, optional
        Overrides the suffix.

    Returns
    -------
    RunSet
        Validated runs; ``source`` is the file name where the file gives none.

    Raises
    ------
    FileNotFoundError
        If a file does not exist.
    DataValidationError
        If the format is unknown, the file cannot be parsed, the mapping names
        an unknown field or an absent column, or any value is invalid (see
        :func:`~scalewatch.data.validate_runs`). Messages name the file and
        row (1-based data rows; "line N" for JSON lines).

    Examples
    --------
    >>> from scalewatch.data import read_runs
    >>> runs = read_runs("runs.csv", mapping={"n_params": "params"})  # doctest: +SKIP
    """
    runset, _ = _load_runs(path, mapping=mapping, units=units, scores=scores, curves=curves, format=format,
                           stacklevel=3)
    return runset


def _from_dataframe(
    runs: pd.DataFrame,
    *,
    mapping: Mapping[str, str] | None,
    units: Mapping[str, str] | None,
    scores: pd.DataFrame | None,
    curves: pd.DataFrame | None,
    source: str,
    stacklevel: int,
) -> tuple[RunSet, _ImportInfo]:
    if not isinstance(runs, pd.DataFrame):
        raise TypeError(f"from_dataframe(runs=...) must be a pandas DataFrame, got {type(runs).__name__}")
    checked = _check_mapping(mapping)
    frame = _apply_mapping(runs, checked, source)
    friendly = _friendly(frame, checked, units, source)
    tables = []
    for name, df in (("scores", scores), ("curves", curves)):
        if df is not None and not isinstance(df, pd.DataFrame):
            raise TypeError(f"from_dataframe({name}=...) must be a pandas DataFrame, got {type(df).__name__}")
        tables.append(None if df is None else _Table(name, df, f"{source} ({name})"))
    return _finish(_Table("runs", friendly.frame, source, None, friendly.renamed), tables[0], tables[1], friendly,
                   stacklevel=stacklevel + 1)


def from_dataframe(
    runs: pd.DataFrame,
    *,
    mapping: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    scores: pd.DataFrame | None = None,
    curves: pd.DataFrame | None = None,
    source: str = "<DataFrame>",
) -> RunSet:
    """Validate runs held in DataFrames, renaming columns by ``mapping`` first.

    Like :func:`~scalewatch.data.validate_runs` plus a column mapping. NaN in a
    DataFrame is read as a missing value.

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per run.
    mapping : mapping of str to str, optional
        Column name -> run field, e.g. ``{"n_params": "params"}``.
    units : mapping of str to str, optional
        See :func:`~scalewatch.data.validate_runs`.
    scores, curves : pandas.DataFrame, optional
        Long-form scores and loss curves (schema names, not mapped).
    source : str, default "<DataFrame>"
        Name used in messages and stored where ``source`` is missing.

    Returns
    -------
    RunSet

    Raises
    ------
    DataValidationError
        If the mapping or any value is invalid.
    TypeError
        If a table is not a DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> from scalewatch.data import from_dataframe
    >>> df = pd.DataFrame({"name": ["pythia-70m"], "n": [7.0e7], "d": [3.0e11]})
    >>> rs = from_dataframe(df, mapping={"name": "run_id", "n": "params", "d": "tokens"},
    ...                     source="pythia")  # doctest: +SKIP
    """
    runset, _ = _from_dataframe(runs, mapping=mapping, units=units, scores=scores, curves=curves, source=source,
                                stacklevel=3)
    return runset


# -- friendly inputs: column aliases, units from names and magnitudes, derived run ids -------------

_TRACKER_PREFIX = re.compile(r"^(metrics|metric|params|param|summary|config|tags|attributes)[./]", re.I)
_PAREN_HINT = re.compile(r"^(.*?)\s*[\(\[]\s*([^()\[\]]+?)\s*[\)\]]\s*$")
_SEPARATORS = re.compile(r"[\s/\-.]+")
_HINT_KIND: Final[Mapping[str, tuple[str, ...]]] = {
    "params": ("count",), "tokens": ("count",), "unique_tokens": ("count",), "cost_usd": ("count",),
    "compute": ("count", "compute"), "loss": ("loss",),
}
_BITS_NAMES: Final[frozenset[str]] = frozenset({"bpb", "val_bpb", "bits_per_byte"})
# alias -> (field, rank): the rank orders several columns naming one field
_ALIAS_OF: Final[Mapping[str, tuple[str, int]]] = {
    alias: (field, rank) for field, aliases in COLUMN_ALIASES.items() for rank, alias in enumerate(aliases)
}
# tokens per parameter D/N that a real language-model run can have: Chinchilla-optimal is ~20,
# the most over-trained public models ~1e4 (SmolLM-135M on 2T tokens: ~1.5e4); 0.5 allows
# the shortest isoFLOP runs. Used only to tell millions from billions when exactly one fits.
_TPP_PLAUSIBLE: Final[tuple[float, float]] = (0.5, 3.0e4)
_SCALE_CANDIDATES: Final[Mapping[str, float]] = {"millions": 1e6, "billions": 1e9}
_TEMP_ID = "\x00row"


def _normalise(name: str) -> tuple[str, str | None]:
    """(alias key, unit hint) of a column name: ``"metrics.val_loss"`` -> ``("val_loss", None)``,
    ``"params (B)"`` -> ``("params", "b")``, ``"n_params_b"`` -> ``("n_params", "b")``."""
    text = str(name).strip()
    text = _TRACKER_PREFIX.sub("", text)
    hint = None
    m = _PAREN_HINT.match(text)
    if m is not None:
        text, hint = m.group(1), _SEPARATORS.sub("_", m.group(2).strip().lower())
    key = _SEPARATORS.sub("_", text.strip().lower()).strip("_")
    if hint is None and key not in _ALIAS_OF and "_" in key:
        base, _, tail = key.rpartition("_")
        # "compute_pf_days" style hints have an underscore of their own
        for hint_text in sorted((h for h in UNIT_HINTS if "_" in h), key=len, reverse=True):
            if key.endswith("_" + hint_text) and key[: -len(hint_text) - 1] in _ALIAS_OF:
                return key[: -len(hint_text) - 1], hint_text
        if tail in UNIT_HINTS and base in _ALIAS_OF:
            return base, tail
    return key, hint


def suggest_field(column: str) -> str | None:
    """The run field a column name probably means (a known alias, else the closest name), or None."""
    import difflib

    key, _ = _normalise(column)
    if key in _ALIAS_OF:
        return _ALIAS_OF[key][0]
    close = difflib.get_close_matches(key, list(_ALIAS_OF), n=1, cutoff=0.75)
    return _ALIAS_OF[close[0]][0] if close else None


def _alias_plan(columns: Sequence[str], mapping: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str],
                                                                                str | None, list[str]]:
    """Renames (column -> field), units read from the names, the loss split an alias implies, notes."""
    taken = set(mapping.values()) | {c for c in columns if c in _FIELDS and c not in mapping}
    candidates: dict[str, list[tuple[int, str, str | None, str]]] = {}
    for column in columns:
        if column in mapping or column in _FIELDS or _SCORE_TARGET.match(column) or \
                column.startswith("score:"):
            continue
        key, hint = _normalise(column)
        hit = _ALIAS_OF.get(key)
        if hit is None:
            continue
        field, rank = hit
        if hint is not None and (hint not in UNIT_HINTS or UNIT_HINTS[hint][0] not in _HINT_KIND.get(field, ())):
            continue  # "loss_b" is not a loss in billions: leave the column alone
        candidates.setdefault(field, []).append((rank, column, hint, key))
    renames: dict[str, str] = {}
    units: dict[str, str] = {}
    split: str | None = None
    notes: list[str] = []
    for field, found in candidates.items():
        found.sort()
        if field in taken:
            others = ", ".join(repr(c) for _, c, _, _ in found)
            notes.append(f"column {others} left out: the file already has a column for '{field}'")
            continue
        _, column, hint, key = found[0]
        renames[column] = field
        if len(found) > 1:
            notes.append(f"'{field}' read from column {column!r}; also named by "
                         f"{', '.join(repr(c) for _, c, _, _ in found[1:])}, left out")
        if hint is not None:
            units[field] = UNIT_HINTS[hint][1]
        elif field == "loss" and key in _BITS_NAMES:
            units[field] = "bits"
        if field == "loss":
            split = ALIAS_LOSS_SPLIT.get(key)
    return renames, units, split, notes


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray | None:
    if column not in frame.columns:
        return None
    values = pd.to_numeric(frame[column], errors="coerce")
    if not pd.api.types.is_numeric_dtype(values):  # pragma: no cover - to_numeric gives numbers
        return None
    arr = values.to_numpy(dtype="float64", na_value=np.nan)
    return arr if np.isfinite(arr).any() else None


def _declared_scale(field: str, units: Mapping[str, str], arr: np.ndarray | None) -> float | None:
    """The multiplier of a count column when it is known (declared, or raw by magnitude), else None."""
    from scalewatch.data._validate import COMPUTE_UNITS, COUNT_UNITS

    unit = units.get(field) or (units.get("tokens") if field == "unique_tokens" else None)
    if unit is not None:
        return (COMPUTE_UNITS if field == "compute" else COUNT_UNITS).get(unit)
    threshold = {"params": 1e5, "tokens": 1e6, "compute": 1e9}[field]
    if arr is not None and np.nanmax(arr) >= threshold:
        return 1.0
    return None


def _units_from_magnitude(frame: pd.DataFrame, units: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Units of params, tokens or compute columns that look scaled, where only one unit makes sense.

    N in millions or billions is told apart by tokens per parameter (only one of the
    two puts every run's D/N inside 0.5-3e4); D likewise by N; C by 6 N D (the unit
    that brings C within 2x of 6 N D for every run). Nothing is decided otherwise:
    the validator then asks for ``units=``.
    """
    out: dict[str, str] = {}
    notes: list[str] = []
    n, d, c = _numbers(frame, "params"), _numbers(frame, "tokens"), _numbers(frame, "compute")
    sn, sd = _declared_scale("params", units, n), _declared_scale("tokens", units, d)
    lo, hi = _TPP_PLAUSIBLE

    def pick(ratio_of: Any) -> str | None:
        fits = []
        for unit, scale in _SCALE_CANDIDATES.items():
            with np.errstate(divide="ignore", invalid="ignore"):
                r = ratio_of(scale)
            r = r[np.isfinite(r)]
            if r.size and ((r >= lo) & (r <= hi)).all():
                fits.append(unit)
        return fits[0] if len(fits) == 1 else None

    if n is not None and sn is None and d is not None and sd is not None:
        unit = pick(lambda s: d * sd / (n * s))
        if unit is not None:
            out["params"] = unit
            sn = _SCALE_CANDIDATES[unit]
            notes.append(f"column 'params' read as {unit} of parameters: only then is every run's tokens per "
                         f"parameter within {lo:g}-{hi:g} (declare --units params=... to say otherwise)")
    if d is not None and sd is None and n is not None and sn is not None:
        unit = pick(lambda s: d * s / (n * sn))
        if unit is not None:
            out["tokens"] = unit
            sd = _SCALE_CANDIDATES[unit]
            notes.append(f"column 'tokens' read as {unit} of tokens: only then is every run's tokens per "
                         f"parameter within {lo:g}-{hi:g} (declare --units tokens=... to say otherwise)")
    if c is not None and "compute" not in units and np.nanmax(c) < 1e9 and n is not None and d is not None \
            and sn is not None and sd is not None:
        from scalewatch.data._validate import COMPUTE_TOLERANCE, COMPUTE_UNITS

        six_nd = 6.0 * n * sn * d * sd
        fits = []
        for unit, scale in COMPUTE_UNITS.items():
            with np.errstate(divide="ignore", invalid="ignore"):
                r = c * scale / six_nd
            r = r[np.isfinite(r)]
            if r.size and ((r <= COMPUTE_TOLERANCE) & (r >= 1 / COMPUTE_TOLERANCE)).all():
                fits.append(unit)
        if len(fits) == 1:
            out["compute"] = fits[0]
            notes.append(f"column 'compute' read as {fits[0]}: only then is it within "
                         f"{COMPUTE_TOLERANCE:g}x of 6ND for every run (declare --units compute=... to say otherwise)")
    return out, notes


@dataclass(frozen=True)
class _Friendly:
    """What the friendly-input step did to a runs table before validation."""

    frame: pd.DataFrame
    units: dict[str, str]
    renamed: dict[str, str]  # field -> the user's column
    notes: tuple[str, ...]
    temp_ids: bool  # run ids to derive from the row content after validation
    derive_model: bool  # model_id copies the derived run id


def _friendly(frame: pd.DataFrame, mapping: Mapping[str, str], units: Mapping[str, str] | None,
              source: str) -> _Friendly:
    """Recognise aliased columns and unit hints, detect unambiguous units, mark run ids to derive."""
    columns = [str(c) for c in frame.columns]
    renames, name_units, split, notes = _alias_plan(columns, mapping)
    if renames:
        frame = frame.rename(columns=renames)
    declared = dict(units or {})
    notes += [f"column {c!r} read as '{f}'" for c, f in renames.items() if f not in name_units]
    for field, unit in name_units.items():
        key = field
        if key in declared:
            if declared[key] != unit:
                notes.append(f"column {next(c for c, f in renames.items() if f == field)!r} suggests {unit}; "
                             f"the declared units {key}={declared[key]} are used")
            continue
        declared[key] = unit
        column = next(c for c, f in renames.items() if f == field)
        if field == "loss" and unit == "bits":
            per = " per byte" if _normalise(column)[0] in _BITS_NAMES else ""
            notes.append(f"column {column!r} read as 'loss' in bits{per}, converted to nats (x ln 2)")
        else:
            notes.append(f"column {column!r} read as '{field}' in {unit}")
    if split is not None and "loss_split" not in frame.columns:
        frame = frame.assign(loss_split=split)
    # a RunSet holds canonical units; units from magnitude only fill in what nobody said
    magnitude, more = _units_from_magnitude(frame, declared)
    for k, v in magnitude.items():
        declared.setdefault(k, v)
    notes += more
    temp = False
    derive_model = False
    model_dup = "model_id" in frame.columns and frame["model_id"].astype(object).duplicated().any()
    if "run_id" not in frame.columns and ("model_id" not in frame.columns or model_dup):
        temp = True
        derive_model = "model_id" not in frame.columns
        frame = frame.assign(run_id=[f"{_TEMP_ID}{i}" for i in range(len(frame))])
    elif "run_id" not in frame.columns:
        frame = frame.assign(run_id=frame["model_id"])  # one id is enough: the model names the run
    renamed = {f: c for c, f in {**dict(mapping), **renames}.items()}
    return _Friendly(frame, declared, renamed, tuple(dict.fromkeys(notes)), temp, derive_model)


def _canonical_text(runs: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """One string per row: ``name=value`` of the row's non-missing fields, in column order, values canonical.

    A missing value contributes nothing, so a column that is empty for a row
    (or absent from the file) does not change that row's text.
    """
    joined = pd.Series("", index=runs.index, dtype=object)
    for name in columns:
        s = runs[name]
        present = s.notna().to_numpy()
        if not present.any():
            continue
        if pd.api.types.is_float_dtype(s.dtype):
            text = pd.Series([repr(float(v)) for v in s.to_numpy(dtype="float64", na_value=np.nan)], index=s.index)
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            text = s.astype(object).map(lambda v: "" if pd.isna(v) else pd.Timestamp(v).isoformat())
        else:
            text = s.astype(object).map(lambda v: "" if v is None or v is pd.NA else str(v))
        joined = joined + pd.Series(np.where(present, "\x1f" + name + "=" + text.astype(str).to_numpy(dtype=object),
                                             ""), index=s.index, dtype=object)
    return joined.tolist()


def derive_run_ids(runs: pd.DataFrame, *, exclude: Sequence[str] = ("run_id", "source")) -> list[str]:
    """Deterministic run ids from each row's content: ``"row-"`` + 16 hex digits of SHA-256.

    The content is every canonical run field but ``exclude`` (the id itself and
    the ``source``, so that a renamed copy of a file gives the same ids) that
    the row has, in schema order, as ``name=value`` joined by the unit
    separator; floats by ``repr`` (exact); missing values are left out.
    """
    import hashlib

    columns = [c.name for c in RUN_COLUMNS if c.name not in exclude and c.name in runs.columns]
    return [DERIVED_ID_PREFIX + hashlib.sha256(t.encode("utf-8")).hexdigest()[:16]
            for t in _canonical_text(runs, columns)]


def _derive_ids(runset: RunSet, friendly: _Friendly, source: str) -> RunSet:
    """Replace the temporary run ids of ``runset`` with ids derived from the validated rows."""
    runs = runset.runs
    exclude = ("run_id", "source") + (("model_id",) if friendly.derive_model else ())
    ids = derive_run_ids(runs, exclude=exclude)
    new = pd.Series(ids, index=runs.index, dtype="string")
    dup = new.duplicated(keep=False).to_numpy()
    if dup.any():
        rows = np.flatnonzero(dup)
        first = rows[0]
        second = next(r for r in rows[1:] if ids[r] == ids[first])
        raise DataValidationError(
            f"{source} row {first + 1} and row {second + 1}: the rows are identical and the file has no run_id "
            "column to tell them apart; drop one, or add a run_id column (or --map yourcolumn=run_id)"
        )
    of = dict(zip(runs["run_id"].astype(object), ids, strict=True))
    runs = runs.assign(run_id=new)
    if friendly.derive_model:
        runs = runs.assign(model_id=new)
    scores = runset.scores.assign(run_id=runset.scores["run_id"].astype(object).map(of).astype("string")) \
        if len(runset.scores) else runset.scores
    curves = runset.curves.assign(run_id=runset.curves["run_id"].astype(object).map(of).astype("string")) \
        if len(runset.curves) else runset.curves
    return RunSet(runs=runs, scores=scores, curves=curves)


# -- MLflow ----------------------------------------------------------------------------------


@contextmanager
def _mlflow_env(uri: str) -> Iterator[None]:
    # MLflow 3 refuses the file store unless this is set; reading an existing
    # store is the use it keeps supporting ("maintenance mode").
    key = "MLFLOW_ALLOW_FILE_STORE"
    old = os.environ.get(key)
    if uri.startswith("file:") and old is None:
        os.environ[key] = "true"
    try:
        with warnings.catch_warnings():
            # MLflow's own SQLAlchemy and Pydantic deprecations are not the user's to fix.
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(mlflow|sqlalchemy|pydantic)")
            warnings.filterwarnings("ignore", category=FutureWarning, module=r"mlflow")
            warnings.filterwarnings("ignore", message=r".*(noload|deprecat).*", category=Warning,
                                    module=r"mlflow")
            yield
    finally:
        if uri.startswith("file:") and old is None:
            os.environ.pop(key, None)


def _tracking_uri(tracking_uri: str | os.PathLike[str]) -> str:
    text = os.fspath(tracking_uri)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text) or text.startswith(("sqlite:", "file:")):
        return text
    path = Path(text).resolve()
    if path.suffix in (".db", ".sqlite", ".sqlite3"):
        return f"sqlite:///{path}"
    return path.as_uri()


def is_mlflow_uri(text: str | os.PathLike[str]) -> bool:
    """True for an MLflow store: ``sqlite:///...``, ``file:...``, a ``.db`` file or an ``mlruns`` folder."""
    text = os.fspath(text)
    if text.startswith(("sqlite:", "file:")):
        return True
    path = Path(text)
    if path.suffix in (".db", ".sqlite", ".sqlite3") and path.is_file():
        return True
    return path.is_dir() and (path.name == "mlruns" or (path / "0" / "meta.yaml").is_file()
                              or any(path.glob("*/meta.yaml")))


def _from_mlflow(
    tracking_uri: str | os.PathLike[str],
    *,
    experiment: str | None,
    mapping: Mapping[str, str] | None,
    units: Mapping[str, str] | None,
    include_unfinished: bool,
    stacklevel: int,
) -> tuple[RunSet, _ImportInfo]:
    try:
        from mlflow.entities import ViewType
        from mlflow.tracking import MlflowClient
    except ImportError as exc:
        raise ImportError(
            "reading MLflow runs needs mlflow-skinny (and sqlalchemy and alembic for an sqlite store): "
            "pip install mlflow-skinny sqlalchemy alembic"
        ) from exc
    uri = _tracking_uri(tracking_uri)
    checked = _check_mapping(mapping)
    with _mlflow_env(uri):
        try:
            client = MlflowClient(tracking_uri=uri)
            experiments = client.search_experiments(view_type=ViewType.ACTIVE_ONLY)
        except Exception as exc:  # MLflow raises its own and SQLAlchemy's errors
            raise DataValidationError(f"MLflow store {uri}: cannot be read: {one_line(exc)}") from None
        if experiment is not None:
            chosen = [e for e in experiments if e.name == experiment or e.experiment_id == experiment]
            if not chosen:
                names = ", ".join(repr(e.name) for e in experiments) or "none"
                raise DataValidationError(
                    f"MLflow store {uri}: no experiment {experiment!r}; experiments are: {names}"
                )
            experiments = chosen
        names = {e.experiment_id: e.name for e in experiments}
        rows: list[dict[str, Any]] = []
        labels: list[str] = []
        curve_rows: list[dict[str, Any]] = []
        curve_labels: list[str] = []
        unknown: set[str] = set()
        aliased: set[str] = set()
        found: set[str] = set()  # mapping keys seen in at least one run
        loss_key = next((k for k, v in checked.items() if v == "loss"), None)
        tokens_key = next((k for k, v in checked.items() if v == "tokens"), None)
        page: str | None = None
        while True:
            result = client.search_runs(list(names), run_view_type=ViewType.ACTIVE_ONLY, max_results=1000,
                                        page_token=page, order_by=["attributes.start_time ASC"])
            for run in result:
                if not include_unfinished and run.info.status != "FINISHED":
                    continue
                flat: dict[str, Any] = {}
                # later sources win on bare-name clashes: tags < params < metrics
                for prefix, values in (("tags", run.data.tags), ("params", run.data.params),
                                       ("metrics", run.data.metrics)):
                    for key, value in values.items():
                        if prefix == "tags" and key.startswith("mlflow."):
                            continue
                        flat[f"{prefix}.{key}"] = value
                        flat[key] = value
                run_name = run.data.tags.get("mlflow.runName") or run.info.run_name or run.info.run_id
                row: dict[str, Any] = {"run_id": run.info.run_id, "model_id": run_name,
                                       "source": f"mlflow:{names[run.info.experiment_id]}"}
                used: set[str] = set()
                for column, field in checked.items():
                    if column in flat:
                        row[field] = flat[column]
                        used.add(_bare(column))
                        found.add(column)
                best: dict[str, int] = {}
                for key, value in flat.items():
                    if key.startswith(("tags.", "params.", "metrics.")) or key in used:
                        continue
                    if key in _FIELDS and key not in checked.values():
                        row[key] = value
                        best[key] = -1
                        continue
                    # a name common in the wild ("val_loss", "n_params", "tokens_seen"), best-ranked alias first
                    hit = _ALIAS_OF.get(_normalise(key)[0])
                    if hit is not None and hit[0] not in checked.values() and hit[0] not in ("run_id", "model_id") \
                            and hit[1] < best.get(hit[0], 1 << 30):
                        row[hit[0]] = value
                        best[hit[0]] = hit[1]
                        aliased.add(f"{key} -> {hit[0]}")
                    else:
                        unknown.add(key)
                rows.append(row)
                label = f"run {run_name!r} ({run.info.run_id})"
                labels.append(label)
                # the loss history becomes the run's curve
                lkey = _bare(loss_key) if loss_key else ("loss" if "loss" in run.data.metrics else None)
                if lkey is not None and lkey in run.data.metrics:
                    history = client.get_metric_history(run.info.run_id, lkey)
                    tokens_at: dict[int, float] = {}
                    tkey = _bare(tokens_key) if tokens_key else "tokens"
                    if tkey in run.data.metrics:
                        tokens_at = {m.step: m.value for m in client.get_metric_history(run.info.run_id, tkey)}
                    # the latest value per step wins, as in MLflow's own "latest metric"
                    by_step = {m.step: m for m in sorted(history, key=lambda m: (m.step, m.timestamp))}
                    for step, m in sorted(by_step.items()):
                        curve_rows.append({"run_id": run.info.run_id, "step": step,
                                           "tokens": tokens_at.get(step, np.nan), "loss": m.value})
                        curve_labels.append(f"{label}, metric {lkey!r} step {step}")
            page = result.token
            if not page:
                break
    source = f"MLflow {uri}"
    missing = [k for k in checked if k not in found]
    if rows and missing:
        keys = ", ".join(sorted(repr(k) for k in unknown)) or "none"
        raise DataValidationError(
            f"{source}: the mapping names {missing[0]!r} but no run has a param, metric or tag of that name; "
            f"unmapped keys are: {keys}"
        )
    if not rows:
        raise DataValidationError(
            f"{source}: no {'active' if include_unfinished else 'finished'} runs"
            f"{'' if experiment is None else f' in experiment {experiment!r}'}"
        )
    runs = pd.DataFrame.from_records(rows)
    curves = pd.DataFrame.from_records(curve_rows, columns=["run_id", "step", "tokens", "loss"]) if curve_rows \
        else None
    runset, ignored = _validate(
        _Table("runs", runs, source, labels, {field: column for column, field in checked.items()}),
        None,
        None if curves is None else _Table("curves", curves, source, curve_labels),
        units,
        stacklevel=stacklevel + 1,
    )
    notes = tuple(f"MLflow key {a} (a common name)" for a in sorted(aliased))
    return runset, _ImportInfo(sorted(set(ignored) | unknown), notes)


def _bare(key: str) -> str:
    for prefix in ("metrics.", "params.", "tags."):
        if key.startswith(prefix):
            return key[len(prefix):]
    return key


def from_mlflow(
    tracking_uri: str | os.PathLike[str],
    *,
    experiment: str | None = None,
    mapping: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    include_unfinished: bool = False,
) -> RunSet:
    """Read runs from a local MLflow tracking store (file or sqlite backend).

    Each MLflow run becomes one run: ``run_id`` is MLflow's run id,
    ``model_id`` the run name, ``source`` ``"mlflow:<experiment>"``. Params,
    latest metric values and tags whose names equal a run field are taken as
    that field; ``mapping`` maps other names (``"n_params"`` or, to say where
    it lives, ``"params.n_params"``, ``"metrics.val_loss"``, ``"tags.family"``).
    The full history of the metric taken as ``loss`` becomes the run's loss
    curve, with tokens from the history of the ``tokens`` metric where logged
    at the same steps.

    Parameters
    ----------
    tracking_uri : str or path-like
        ``sqlite:///path/mlflow.db``, ``file:///path/mlruns``, or a path (a
        ``.db`` file or an ``mlruns`` folder).
    experiment : str, optional
        Experiment name or id; default all active experiments.
    mapping : mapping of str to str, optional
        MLflow key -> run field, e.g. ``{"val_loss": "loss", "n_params": "params"}``.
    units : mapping of str to str, optional
        See :func:`~scalewatch.data.validate_runs`.
    include_unfinished : bool, default False
        Also take runs whose status is not FINISHED (their "final" loss is not final).

    Returns
    -------
    RunSet

    Raises
    ------
    ImportError
        If ``mlflow-skinny`` (and for sqlite, ``sqlalchemy`` and ``alembic``) is
        not installed: ``pip install mlflow-skinny sqlalchemy alembic``.
    DataValidationError
        If the store cannot be read, the experiment does not exist, there are no
        runs, or a value is invalid (messages name the run).

    Notes
    -----
    MLflow 3 refuses file stores unless ``MLFLOW_ALLOW_FILE_STORE`` is set; this
    function sets it for the duration of the read if unset.
    """
    runset, _ = _from_mlflow(tracking_uri, experiment=experiment, mapping=mapping, units=units,
                             include_unfinished=include_unfinished, stacklevel=3)
    return runset


# -- writer ----------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _write_frame(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:  # pragma: no cover - jsonl is written nested by write_runs
        raise AssertionError(fmt)


def write_runs(runset: RunSet, path: str | os.PathLike[str], *, format: str | None = None) -> list[Path]:
    """Write a RunSet to a file that :func:`read_runs` reads back unchanged.

    Parameters
    ----------
    runset : RunSet
        The runs to write.
    path : str or path-like
        Output file; its suffix picks the format unless ``format`` is given.
    format : {"csv", "parquet", "jsonl"}, optional
        Overrides the suffix.

    Returns
    -------
    list of pathlib.Path
        The files written: for CSV and Parquet the runs file plus the side files
        ``<stem>.scores<suffix>`` and ``<stem>.curves<suffix>`` when there are
        scores or curves (or when such a file already exists, so that a stale
        one is never read back); for JSON lines one file with nested lists.

    Raises
    ------
    DataValidationError
        If the format is unknown.
    """
    if not isinstance(runset, RunSet):
        raise TypeError(f"write_runs(runset=...) must be a RunSet, got {type(runset).__name__}")
    path = Path(path)
    fmt = _format_of(path, format)
    if fmt == "jsonl":
        scores = runset.scores.groupby("run_id", sort=False) if len(runset.scores) else None
        curves = runset.curves.groupby("run_id", sort=False) if len(runset.curves) else None
        score_of = {k: g for k, g in scores} if scores is not None else {}
        curve_of = {k: g for k, g in curves} if curves is not None else {}
        with path.open("w", encoding="utf-8") as handle:
            for record in runset.runs.to_dict(orient="records"):
                obj = {k: _jsonable(v) for k, v in record.items()}
                rid = record["run_id"]
                if rid in score_of:
                    obj["scores"] = [{k: _jsonable(v) for k, v in r.items() if k != "run_id"}
                                     for r in score_of[rid].to_dict(orient="records")]
                if rid in curve_of:
                    obj["curve"] = [{k: _jsonable(v) for k, v in r.items() if k != "run_id"}
                                    for r in curve_of[rid].to_dict(orient="records")]
                handle.write(json.dumps(obj, allow_nan=False) + "\n")
        return [path]
    _write_frame(runset.runs, path, fmt)
    written = [path]
    for name, frame in (("scores", runset.scores), ("curves", runset.curves)):
        side = side_file(path, name)
        if len(frame) or side.exists():
            _write_frame(frame, side, fmt)
            written.append(side)
    return written
