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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from scalewatch.data._schema import CURVE_COLUMNS, RUN_COLUMNS, SCORE_COLUMNS, RunSet
from scalewatch.data._validate import _Table, _validate
from scalewatch.errors import DataValidationError

__all__ = [
    "FORMATS",
    "read_runs",
    "from_dataframe",
    "from_mlflow",
    "write_runs",
    "side_file",
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
        dtype = {c: "string" for c in header.columns if mapping.get(str(c), str(c)) in _STRING_FIELDS}
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
        raise DataValidationError(f"{path.name}: not a valid CSV file: {_one_line(exc)}") from None
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            f"{path.name}: byte {exc.start} is not UTF-8 text; save the file as UTF-8"
        ) from None


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
        raise DataValidationError(f"{path.name}: not a valid Parquet file: {_one_line(exc)}") from None
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
            raise DataValidationError(f"{path.name} line {lineno}: not valid JSON: {_one_line(exc)}") from None
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


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


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
) -> tuple[RunSet, list[str]]:
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
    renamed = {field: column for column, field in checked.items()}
    return _validate(_Table("runs", runs, source, labels, renamed), score_table, curve_table, units,
                     stacklevel=stacklevel + 1)


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
) -> tuple[RunSet, list[str]]:
    if not isinstance(runs, pd.DataFrame):
        raise TypeError(f"from_dataframe(runs=...) must be a pandas DataFrame, got {type(runs).__name__}")
    checked = _check_mapping(mapping)
    frame = _apply_mapping(runs, checked, source)
    renamed = {field: column for column, field in checked.items()}
    tables = []
    for name, df in (("scores", scores), ("curves", curves)):
        if df is not None and not isinstance(df, pd.DataFrame):
            raise TypeError(f"from_dataframe({name}=...) must be a pandas DataFrame, got {type(df).__name__}")
        tables.append(None if df is None else _Table(name, df, f"{source} ({name})"))
    return _validate(_Table("runs", frame, source, None, renamed), tables[0], tables[1], units,
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
) -> tuple[RunSet, list[str]]:
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
            raise DataValidationError(f"MLflow store {uri}: cannot be read: {_one_line(exc)[:300]}") from None
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
                for key, value in flat.items():
                    if key.startswith(("tags.", "params.", "metrics.")) or key in used:
                        continue
                    if key in _FIELDS and key not in checked.values():
                        row[key] = value
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
    return runset, sorted(set(ignored) | unknown)


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
