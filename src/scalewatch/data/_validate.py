"""Validation: turn a user's run tables into a canonical :class:`RunSet`, or say what is wrong.

Every problem becomes a one-line :class:`~scalewatch.errors.DataValidationError`
that names the source, the row, the column, the value and the fix. Rows are
numbered as the user sees them: 1-based data rows (the header is not a row).
Suspicious but usable data (compute far from 6ND) give a
:class:`~scalewatch.errors.DataWarning` instead.

Everything here is vectorised: row-level messages are only formatted for the
rows that fail, so validating a million-row file costs a few column passes.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import numpy as np
import pandas as pd

from scalewatch.data._schema import (
    CURVE_COLUMNS,
    LOSS_UNITS,
    PARAMS_KINDS,
    RUN_COLUMNS,
    SCORE_COLUMNS,
    ColumnSpec,
    RunSet,
)
from scalewatch.errors import DataValidationError, DataWarning

__all__ = [
    "validate_runs",
    "COUNT_UNITS",
    "COMPUTE_UNITS",
    "UNIT_KEYS",
    "LOSS_SPLITS",
    "MAX_LOSS_NATS",
    "COMPUTE_TOLERANCE",
    "SCORE_COLUMN_PREFIX",
]

# Multipliers that turn a declared unit into a raw count.
COUNT_UNITS: Final[Mapping[str, float]] = {
    "count": 1.0,
    "thousands": 1e3,
    "millions": 1e6,
    "billions": 1e9,
    "trillions": 1e12,
}
# Compute may also be given in petaFLOP/s-days, the unit of Kaplan et al. (2020)
# and of OpenAI's "AI and Compute": 1 PF-day = 1e15 FLOP/s * 86400 s = 8.64e19 FLOP.
COMPUTE_UNITS: Final[Mapping[str, float]] = {"flop": 1.0, **COUNT_UNITS, "pf_days": 8.64e19}
# Which unit names each `units=` key accepts.
UNIT_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "params": tuple(COUNT_UNITS),
    "tokens": tuple(COUNT_UNITS),  # also applies to unique_tokens and curve tokens unless they are given
    "unique_tokens": tuple(COUNT_UNITS),
    "compute": tuple(COMPUTE_UNITS),
    "loss": LOSS_UNITS,
    "cost_usd": tuple(COUNT_UNITS),
}
LOSS_SPLITS: Final[tuple[str, ...]] = ("train", "val", "test")

# A column whose largest value is below this probably is in millions or billions,
# not a raw count: no language model in a scaling study has fewer than 1e5
# parameters or trains on fewer than 1e6 tokens; 6 * 1e5 * 1e6 = 6e11 FLOP, so a
# compute column below 1e9 is in some other unit (PF-days, 1e21 FLOP, ...).
_AMBIGUOUS_BELOW: Final[Mapping[str, float]] = {
    "params": 1e5,
    "tokens": 1e6,
    "unique_tokens": 1e6,
    "compute": 1e9,
}
# Per-token cross-entropy above 20 nats would mean a model worse than uniform over
# e^20 ~ 5e8 tokens, far beyond any vocabulary: the number is a summed loss or a
# perplexity, not a per-token loss.
MAX_LOSS_NATS: Final[float] = 20.0
# C and 6ND may differ by this factor before a DataWarning (MoE, recomputation and
# attention FLOPs legitimately move C by tens of percent, never by 2x).
COMPUTE_TOLERANCE: Final[float] = 2.0
# Relative tolerance between a given `epochs` and tokens / unique_tokens.
_EPOCHS_RTOL: Final[float] = 0.01
# Wide score columns: "score:<benchmark>:<metric>[:<shots>]".
SCORE_COLUMN_PREFIX: Final[str] = "score:"

_LN2: Final[float] = math.log(2.0)
_NUMERIC_SUFFIX = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([kKmMbBtT])\s*$")
_SUFFIX_SCALE = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}
_LOSS_UNIT_ALIASES = {
    "nats": "nats",
    "nat": "nats",
    "nats/token": "nats",
    "nats_per_token": "nats",
    "bits": "bits",
    "bit": "bits",
    "bits/token": "bits",
    "bits_per_token": "bits",
}
_SPLIT_ALIASES = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "eval": "val",
    "dev": "val",
    "test": "test",
}
_SPECS: Final[Mapping[str, Mapping[str, ColumnSpec]]] = {
    "runs": {c.name: c for c in RUN_COLUMNS},
    "scores": {c.name: c for c in SCORE_COLUMNS},
    "curves": {c.name: c for c in CURVE_COLUMNS},
}
_MAX_SHOWN: Final[int] = 3  # rows quoted in an aggregated warning


@dataclass(frozen=True)
class _Table:
    """One input table and how to name its rows in messages."""

    name: str  # "runs", "scores" or "curves"
    frame: pd.DataFrame
    source: str  # e.g. "runs.csv" or "runs.csv (scores)"
    labels: Sequence[str] | None = None  # per-row labels; default "row <i+1>"
    renamed: Mapping[str, str] | None = None  # field -> the user's column it was mapped from

    def where(self, i: int, column: str | None = None) -> str:
        label = self.labels[i] if self.labels is not None else f"row {i + 1}"
        return f"{self.source} {label}{self.column(column)}"

    def column(self, name: str | None) -> str:
        """", column 'x'" as the user named it (with the field it was mapped to)."""
        if name is None:
            return ""
        if self.renamed and name in self.renamed:
            return f", column '{self.renamed[name]}' (mapped to '{name}')"
        return f", column '{name}'"


class _Problems:
    """Collects problems; raises the first with a count of the rest."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        self.messages.append(message)

    def raise_if_any(self) -> None:
        if not self.messages:
            return
        first = self.messages[0]
        rest = len(self.messages) - 1
        if rest:
            first = f"{first} ({rest} more problem{'s' if rest > 1 else ''} after this one)"
        raise DataValidationError(first)


def _fmt(value: Any) -> str:
    """A value as the user would recognise it in their file."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(float(value))
    if isinstance(value, (np.integer,)):
        return str(int(value))
    return repr(value)


def _first_rows(mask: np.ndarray) -> np.ndarray:
    return np.flatnonzero(mask)


def _isin(series: pd.Series, values: Any) -> np.ndarray:
    """``series.isin(values)`` as a bool array; NA is never in.

    Through object arrays: pandas' python-storage string ``isin`` loops in Python
    (seconds for 1e5 ids), the object path hashes in C.
    """
    left = series.astype(object).where(series.notna(), None)
    right = pd.Series(list(values) if not isinstance(values, (pd.Series, pd.Index)) else values).astype(object)
    return (left.isin(right.dropna().to_numpy()) & series.notna()).to_numpy(dtype=bool)


# -- column conversion -----------------------------------------------------------------


def _is_missing_scalar(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, (float, np.floating)) and math.isnan(v)


def _to_text(value: Any) -> Any:
    """One cell of a string column: lists become comma-separated, dicts JSON."""
    if _is_missing_scalar(value):
        return pd.NA
    if isinstance(value, str):
        value = value.strip()
        return value if value else pd.NA
    if isinstance(value, Mapping):
        return json.dumps(dict(value), sort_keys=True, default=str)
    if isinstance(value, (list, tuple, np.ndarray)):
        return ",".join(str(v).strip() for v in value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))  # an id column read as float: 17.0 -> "17"
    return str(value)


def _string_column(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.StringDtype) or series.dtype == object or pd.api.types.is_string_dtype(series):
        values = series.astype(object)
        # fast path: plain strings only
        if all(isinstance(v, str) or _is_missing_scalar(v) for v in values):
            out = series.astype("string").str.strip()
            return out.mask(out == "", pd.NA)
        return pd.Series([_to_text(v) for v in values], index=series.index, dtype="string")
    return pd.Series([_to_text(v) for v in series.astype(object)], index=series.index, dtype="string")


def _numeric_column(table: _Table, column: str, problems: _Problems, *, hint: str) -> pd.Series:
    """Parse a float column; text that is not a number, NaN or inf is a problem."""
    series = table.frame[column]
    if pd.api.types.is_bool_dtype(series):
        problems.add(
            f"{table.where(0, column)}: value {_fmt(series.iloc[0])} is a boolean; {hint}"
        )
        return pd.Series(np.nan, index=series.index, dtype="float64")
    if pd.api.types.is_numeric_dtype(series):
        out = series.astype("float64")  # NaN in a numeric column is pandas' missing marker: missing
    else:
        raw = series.astype(object)
        text = pd.Series(
            [None if _is_missing_scalar(v) else (v.strip() if isinstance(v, str) else v) for v in raw],
            index=series.index,
            dtype=object,
        )
        text = text.where(text != "", None)
        out = pd.to_numeric(text, errors="coerce").astype("float64")
        present = text.notna().to_numpy()
        lowered = text.map(lambda v: v.lower() if isinstance(v, str) else v)
        nan_text = present & lowered.isin(["nan", "+nan", "-nan", "na", "n/a", "null", "none"]).to_numpy()
        for i in _first_rows(nan_text):
            problems.add(
                f"{table.where(i, column)}: value {_fmt(text.iloc[i])} is not a number; "
                "leave the cell empty for a missing value"
            )
        bad = present & ~nan_text & out.isna().to_numpy()
        for i in _first_rows(bad):
            v = text.iloc[i]
            m = _NUMERIC_SUFFIX.match(v) if isinstance(v, str) else None
            if m is not None:
                raw_count = float(m.group(1)) * _SUFFIX_SCALE[m.group(2).lower()]
                problems.add(
                    f"{table.where(i, column)}: value {_fmt(v)} has a unit suffix; write the raw count "
                    f"{raw_count:.6g} (or plain numbers with the unit declared, "
                    f"e.g. units={{'{column}': 'billions'}}, CLI: --units {column}=billions)"
                )
            else:
                problems.add(f"{table.where(i, column)}: value {_fmt(v)} is not a number; {hint}")
    values = out.to_numpy()
    for i in _first_rows(np.isinf(values)):
        problems.add(
            f"{table.where(i, column)}: value {_fmt(values[i])} is not finite; {hint}"
        )
    return out.where(~np.isinf(values), np.nan)


def _check_positive(table: _Table, column: str, values: pd.Series, problems: _Problems, *, hint: str,
                    allow_zero: bool = False) -> None:
    arr = values.to_numpy(dtype="float64", na_value=np.nan)
    bad = (arr < 0) if allow_zero else (arr <= 0)
    for i in _first_rows(bad):
        problems.add(
            f"{table.where(i, column)}: value {_fmt(arr[i])} is "
            f"{'negative' if allow_zero else 'not positive'}; {hint} (fix the row or drop it)"
        )


def _integer_column(table: _Table, column: str, problems: _Problems, *, what: str) -> pd.Series:
    values = _numeric_column(table, column, problems, hint=f"{what} must be a whole number >= 0")
    arr = values.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(arr) & ((arr != np.round(arr)) | (arr < 0))
    for i in _first_rows(bad):
        problems.add(f"{table.where(i, column)}: value {_fmt(arr[i])} is not a whole number >= 0; {what} must be one")
    arr = np.where(bad, np.nan, arr)
    return pd.Series(pd.array(np.where(np.isnan(arr), 0, arr).astype("int64"), dtype="Int64"),
                     index=values.index).mask(np.isnan(arr))


def _boolean_column(table: _Table, column: str, problems: _Problems) -> pd.Series:
    series = table.frame[column]
    if pd.api.types.is_bool_dtype(series):
        return series.astype("boolean")
    out: list[Any] = []
    for i, v in enumerate(series.astype(object)):
        if _is_missing_scalar(v):
            out.append(pd.NA)
            continue
        key = str(v).strip().lower()
        if key in _TRUE:
            out.append(True)
        elif key in _FALSE:
            out.append(False)
        elif key == "":
            out.append(pd.NA)
        else:
            problems.add(f"{table.where(i, column)}: value {_fmt(v)} is not true or false; write true or false")
            out.append(pd.NA)
    return pd.Series(out, index=series.index, dtype="boolean")


def _date_column(table: _Table, column: str, problems: _Problems) -> pd.Series:
    series = table.frame[column]
    if pd.api.types.is_datetime64_any_dtype(series):
        out = series
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_convert("UTC").dt.tz_localize(None)
        return out.astype("datetime64[ns]")
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        # Decimal years (2023 or 2023.5), as in Epoch AI's tables.
        arr = series.to_numpy(dtype="float64", na_value=np.nan)
        bad = ~np.isnan(arr) & ((arr < 1900) | (arr > 2200))
        for i in _first_rows(bad):
            problems.add(
                f"{table.where(i, column)}: value {_fmt(arr[i])} is not a date; write an ISO date "
                "(2023-07-18) or a decimal year between 1900 and 2200"
            )
        arr = np.where(bad, np.nan, arr)
        years = np.floor(arr)
        start = pd.to_datetime(pd.Series(years).map(lambda y: f"{int(y)}-01-01" if not np.isnan(y) else None))
        days = pd.to_timedelta((arr - years) * 365.25, unit="D")
        return pd.Series((start + days).to_numpy(), index=series.index).astype("datetime64[ns]")
    text = _string_column(series)
    parsed = pd.to_datetime(text, errors="coerce", format="mixed", utc=True)
    bad = text.notna().to_numpy() & parsed.isna().to_numpy()
    for i in _first_rows(bad):
        problems.add(
            f"{table.where(i, column)}: value {_fmt(text.iloc[i])} is not a date; write an ISO date (2023-07-18)"
        )
    return parsed.dt.tz_localize(None).astype("datetime64[ns]")


def _choice_column(table: _Table, column: str, problems: _Problems, *, aliases: Mapping[str, str],
                   allowed: Sequence[str], what: str) -> pd.Series:
    text = _string_column(table.frame[column])
    key = text.str.lower().str.replace("-", "_").str.replace(" ", "_")
    mapped = key.map(lambda v: aliases.get(v, v) if isinstance(v, str) else v).astype("string")
    bad = mapped.notna().to_numpy() & ~mapped.isin(list(allowed)).fillna(False).to_numpy(dtype=bool)
    for i in _first_rows(bad):
        problems.add(
            f"{table.where(i, column)}: value {_fmt(text.iloc[i])} is not a known {what}; "
            f"allowed: {', '.join(allowed)}"
        )
    return mapped


# -- tables ----------------------------------------------------------------------------------


def _check_frame(obj: Any, argument: str) -> pd.DataFrame:
    if not isinstance(obj, pd.DataFrame):
        raise TypeError(f"validate_runs({argument}=...) must be a pandas DataFrame, got {type(obj).__name__}")
    return obj


def _prepare_columns(table: _Table, problems: _Problems) -> tuple[pd.DataFrame, list[str]]:
    """Name columns as strings, refuse duplicate and missing required ones; drop unknown ones."""
    frame = table.frame
    names = [str(c).strip() for c in frame.columns]
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    dups = [n for n, k in seen.items() if k > 1]
    if dups:
        problems.add(
            f"{table.source}: column '{dups[0]}' appears {seen[dups[0]]} times; keep one column per field "
            "(rename or drop the others)"
        )
        problems.raise_if_any()
    frame = frame.set_axis(names, axis=1).reset_index(drop=True)
    if table.name == "runs":
        # One id is enough: most files name a run by its model; the other id is copied
        # (duplicates are still refused below, so a model trained twice needs run_ids).
        if "run_id" not in frame.columns and "model_id" in frame.columns:
            frame = frame.assign(run_id=frame["model_id"])
        elif "model_id" not in frame.columns and "run_id" in frame.columns:
            frame = frame.assign(model_id=frame["run_id"])
    specs = _SPECS[table.name]
    missing = [c.name for c in specs.values() if c.required and c.name not in frame.columns]
    if missing:
        present = ", ".join(repr(n) for n in names) or "none"
        problems.add(
            f"{table.source}: required column '{missing[0]}' is missing (columns present: {present}); "
            f"add it, or map one of yours onto it (mapping={{'yourcolumn': '{missing[0]}'}}, "
            f"CLI: --map yourcolumn={missing[0]})"
        )
        problems.raise_if_any()
    unknown = [n for n in names if n not in specs and not (table.name == "runs" and n.startswith(SCORE_COLUMN_PREFIX))]
    return frame, unknown


def _check_units(units: Mapping[str, str] | None) -> dict[str, str]:
    if units is None:
        return {}
    if not isinstance(units, Mapping):
        raise TypeError(f"units must be a mapping such as {{'params': 'billions'}}, got {type(units).__name__}")
    out: dict[str, str] = {}
    for key, value in units.items():
        if key not in UNIT_KEYS:
            raise DataValidationError(
                f"units: unknown key {key!r}; allowed keys: {', '.join(UNIT_KEYS)} "
                "(e.g. units={'params': 'billions'})"
            )
        unit = str(value).strip().lower().replace("-", "_").replace(" ", "_")
        if key == "loss":
            unit = _LOSS_UNIT_ALIASES.get(unit, unit)
        if unit == "pf_day" or unit == "petaflop_days":
            unit = "pf_days"
        if unit not in UNIT_KEYS[key]:
            raise DataValidationError(
                f"units: {key}={value!r} is not a known unit; allowed for {key}: {', '.join(UNIT_KEYS[key])}"
            )
        out[key] = unit
    return out


def _scale_counts(table: _Table, frame: pd.DataFrame, column: str, units: Mapping[str, str], problems: _Problems,
                  *, unit_key: str | None = None, check_ambiguous: bool = True) -> None:
    """Multiply a count column by its declared unit, or refuse it if it looks scaled."""
    key = unit_key or column
    declared = units.get(column, units.get(key))
    values = frame[column]
    if declared is not None:
        scale = COMPUTE_UNITS[declared] if column == "compute" else COUNT_UNITS[declared]
        frame[column] = values * scale
        return
    if not check_ambiguous or column not in _AMBIGUOUS_BELOW:
        return
    arr = values.to_numpy(dtype="float64", na_value=np.nan)
    if np.isnan(arr).all():
        return
    i = int(np.nanargmax(arr))
    threshold = _AMBIGUOUS_BELOW[column]
    if arr[i] < threshold:
        example = "pf_days" if column == "compute" else "billions"
        problems.add(
            f"{table.where(i, column)}: value {_fmt(arr[i])} is the largest in the column and below {threshold:.0e}, "
            f"so '{column}' looks like it is not a raw count (millions? billions?); write raw counts, or declare "
            f"the unit (units={{'{column}': '{example}'}}, CLI: --units {column}={example}; "
            f"use '{'flop' if column == 'compute' else 'count'}' if the values really are raw)"
        )


def _wide_scores(table: _Table, problems: _Problems) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Melt "score:<benchmark>:<metric>[:<shots>]" columns into long score rows."""
    frame, source = table.frame, table.source
    cols = [c for c in frame.columns if c.startswith(SCORE_COLUMN_PREFIX)]
    if not cols:
        return frame, None
    parts: list[pd.DataFrame] = []
    for col in cols:
        fields = col[len(SCORE_COLUMN_PREFIX):].split(":")
        if len(fields) not in (2, 3) or not all(f.strip() for f in fields):
            problems.add(
                f"{source}: column {col!r} is not a score column; name it "
                "'score:<benchmark>:<metric>' or 'score:<benchmark>:<metric>:<shots>'"
            )
            continue
        shots: Any = pd.NA
        if len(fields) == 3:
            try:
                shots = int(fields[2])
            except ValueError:
                problems.add(f"{source}: column {col!r}: shots {fields[2]!r} is not a whole number")
                continue
        part = pd.DataFrame(
            {
                "run_id": frame["run_id"],
                "benchmark": fields[0].strip(),
                "metric": fields[1].strip(),
                "shots": pd.Series([shots] * len(frame), dtype="Int64", index=frame.index),
                # checked here, under the column name the user wrote
                "value": _numeric_column(table, col, problems, hint="a score must be a finite number"),
                "_row": np.arange(len(frame)),
            }
        )
        parts.append(part[part["value"].notna()])
    problems.raise_if_any()
    long = pd.concat(parts, ignore_index=True) if parts else None
    return frame.drop(columns=cols), long


def _validate_run_table(table: _Table, units: Mapping[str, str], problems: _Problems,
                        *, stacklevel: int) -> tuple[pd.DataFrame, pd.Series]:
    """Canonical runs frame and, per run, the loss multiplier that converted it to nats."""
    frame = table.frame
    n = len(frame)
    out: dict[str, pd.Series] = {}

    # strings
    for name in ("run_id", "model_id", "family", "source", "citation", "tags", "config"):
        out[name] = (_string_column(frame[name]) if name in frame
                     else pd.Series(pd.NA, index=frame.index, dtype="string"))
    # tags: "a, b," -> "a,b", so that a tag filter can split on commas
    tags = out["tags"].str.split(",").map(
        lambda parts: ",".join(p.strip() for p in parts if p.strip()) if isinstance(parts, list) else parts
    )
    out["tags"] = tags.astype("string").mask(tags.astype("string") == "", pd.NA)
    for name in ("run_id", "model_id"):
        for i in _first_rows(out[name].isna().to_numpy()):
            problems.add(
                f"{table.where(i, name)}: value is empty; every run needs a {name} (fill it in or drop the row)"
            )

    # numbers, checked in the user's units before any scaling
    hints = {
        "params": "parameters N must be a raw count > 0",
        "tokens": "training tokens D must be a raw count > 0",
        "unique_tokens": "unique tokens must be a raw count > 0",
        "epochs": "epochs must be a number > 0",
        "compute": "compute C must be in FLOP and > 0",
        "loss": "the loss must be a per-token cross-entropy > 0",
        "cost_usd": "cost must be in US dollars and >= 0",
    }
    for name, hint in hints.items():
        if name in frame:
            values = _numeric_column(table, name, problems, hint=hint)
            _check_positive(table, name, values, problems, hint=hint, allow_zero=name == "cost_usd")
            out[name] = values
        else:
            out[name] = pd.Series(np.nan, index=frame.index, dtype="float64")

    # categorical strings
    if "params_kind" in frame:
        kind = _choice_column(table, "params_kind", problems,
                              aliases={"nonembedding": "non_embedding", "non_embed": "non_embedding"},
                              allowed=PARAMS_KINDS, what="parameter kind")
        out["params_kind"] = kind.fillna("unknown")
    else:
        out["params_kind"] = pd.Series("unknown", index=frame.index, dtype="string")
    if "loss_split" in frame:
        out["loss_split"] = _choice_column(table, "loss_split", problems, aliases=_SPLIT_ALIASES,
                                           allowed=LOSS_SPLITS, what="loss split")
    else:
        out["loss_split"] = pd.Series(pd.NA, index=frame.index, dtype="string")

    # loss unit: per row, else units["loss"], else nats
    declared_loss = units.get("loss")
    if "loss_unit" in frame:
        raw_unit = _string_column(frame["loss_unit"])
        key = raw_unit.str.lower().str.replace(" ", "_")
        unit = key.map(lambda v: _LOSS_UNIT_ALIASES.get(v, v) if isinstance(v, str) else v).astype("string")
        bad = unit.notna().to_numpy() & ~unit.isin(list(LOSS_UNITS)).fillna(False).to_numpy(dtype=bool)
        for i in _first_rows(bad):
            v = raw_unit.iloc[i]
            extra = ""
            if "byte" in str(v).lower() or str(v).lower() in {"bpb", "bpc"}:
                extra = ("; bits per byte (or character) cannot become a per-token loss without the "
                         "tokenizer's bytes per token, so convert it first")
            problems.add(f"{table.where(i, 'loss_unit')}: value {_fmt(v)} is not a loss unit; allowed: "
                         f"{', '.join(LOSS_UNITS)} (per token){extra}")
        if declared_loss is not None:
            clash = unit.notna().to_numpy() & ~bad & (unit != declared_loss).fillna(False).to_numpy(dtype=bool)
            for i in _first_rows(clash):
                problems.add(
                    f"{table.where(i, 'loss_unit')}: value {_fmt(raw_unit.iloc[i])} contradicts the declared "
                    f"units={{'loss': '{declared_loss}'}}; drop one of the two"
                )
        unit = unit.fillna(declared_loss or "nats")
    else:
        unit = pd.Series(declared_loss or "nats", index=frame.index, dtype="string")
    loss_scale = pd.Series(np.where(unit.to_numpy(dtype=object) == "bits", _LN2, 1.0), index=frame.index)
    problems.raise_if_any()

    # declared units, or refusal of counts that look like millions or billions
    num = pd.DataFrame({k: out[k] for k in ("params", "tokens", "unique_tokens", "compute", "cost_usd")})
    for name in ("params", "tokens", "compute", "cost_usd"):
        if name in frame or name in units:
            _scale_counts(table, num, name, units, problems, check_ambiguous=name in frame)
    if "unique_tokens" in frame:
        _scale_counts(table, num, "unique_tokens", units, problems, unit_key="tokens")
    for name in num.columns:
        out[name] = num[name]

    # loss: bits -> nats (x ln 2), then plausibility
    loss = out["loss"] * loss_scale
    arr = loss.to_numpy(dtype="float64", na_value=np.nan)
    for i in _first_rows(arr > MAX_LOSS_NATS):
        problems.add(
            f"{table.where(i, 'loss')}: value {_fmt(float(out['loss'].iloc[i]))} "
            f"({arr[i]:.4g} nats/token) is implausibly large (> {MAX_LOSS_NATS:g} nats/token); "
            "give the mean per-token loss, not a loss summed over a sequence or a perplexity "
            "(divide by the sequence length, or take log(perplexity))"
        )
    out["loss"] = loss
    out["loss_unit"] = pd.Series("nats", index=frame.index, dtype="string").mask(loss.isna())

    # compute: fill with 6ND where missing (Kaplan et al. 2020, eq. 2.1: C ~ 6 N D FLOP)
    if "compute_estimated" in frame:
        est = _boolean_column(table, "compute_estimated", problems)
    else:
        est = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    six_nd = 6.0 * out["params"] * out["tokens"]
    fill = out["compute"].isna() & six_nd.notna()
    out["compute"] = out["compute"].where(~fill, six_nd)
    est = est.mask(fill, True)
    est = est.mask(est.isna() & out["compute"].notna(), False)
    out["compute_estimated"] = est.astype("boolean")

    # epochs = D / U_D, or U_D = D / epochs
    ratio = out["tokens"] / out["unique_tokens"]
    given_epochs = out["epochs"]
    out["epochs"] = given_epochs.where(given_epochs.notna(), ratio)
    fill_u = out["unique_tokens"].isna() & given_epochs.notna() & out["tokens"].notna()
    out["unique_tokens"] = out["unique_tokens"].where(~fill_u, out["tokens"] / given_epochs)

    # other columns
    if "release_date" in frame:
        out["release_date"] = _date_column(table, "release_date", problems)
    else:
        out["release_date"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    if table.source:
        out["source"] = out["source"].fillna(table.source)

    # duplicate run ids
    ids = out["run_id"]
    dup = ids.duplicated(keep=False).to_numpy() & ids.notna().to_numpy()
    if dup.any():
        first_of: dict[str, int] = {}
        for i in _first_rows(dup):
            rid = ids.iloc[i]
            if rid not in first_of:
                first_of[rid] = i
                continue
            j = first_of[rid]
            same = frame.iloc[[j]].reset_index(drop=True).equals(frame.iloc[[i]].reset_index(drop=True))
            problems.add(
                f"{table.source} {_label(table, j)} and {_label(table, i)}{table.column('run_id')}: value {_fmt(rid)} "
                f"appears twice; run ids must be unique "
                f"({'the rows are identical: drop one' if same else 'rename one run or drop one row'})"
            )
    problems.raise_if_any()

    # aggregated warnings: usable data that look wrong
    given_c = out["compute"].where(~out["compute_estimated"].fillna(False).astype(bool))
    c_ratio = (given_c / six_nd).to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        off = (c_ratio > COMPUTE_TOLERANCE) | (c_ratio < 1.0 / COMPUTE_TOLERANCE)
    if off.any():
        rows = _first_rows(off)
        shown = "; ".join(
            f"{_label(table, i)}: C={given_c.iloc[i]:.3g} FLOP, 6ND={six_nd.iloc[i]:.3g}, ratio {c_ratio[i]:.3g}"
            for i in rows[:_MAX_SHOWN]
        )
        more = f"; and {len(rows) - _MAX_SHOWN} more" if len(rows) > _MAX_SHOWN else ""
        warnings.warn(
            f"{table.source}: column 'compute' differs from 6ND by more than {COMPUTE_TOLERANCE:g}x in "
            f"{len(rows)} of {n} rows ({shown}{more}); check that C is in FLOP (declare units={{'compute': "
            "'pf_days'} for PF-days) and what N counts (params_kind)",
            DataWarning,
            stacklevel=stacklevel,
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        e_off = (np.abs(given_epochs.to_numpy(dtype="float64", na_value=np.nan) / ratio.to_numpy(
            dtype="float64", na_value=np.nan) - 1.0) > _EPOCHS_RTOL)
    if e_off.any():
        rows = _first_rows(e_off)
        i = rows[0]
        warnings.warn(
            f"{table.source} {_label(table, i)}, column 'epochs': value {_fmt(float(given_epochs.iloc[i]))} "
            f"differs from tokens / unique_tokens = {ratio.iloc[i]:.4g} ({len(rows)} rows like this); "
            "the given epochs are kept, check which of the three columns is wrong",
            DataWarning,
            stacklevel=stacklevel,
        )

    result = pd.DataFrame({c.name: out[c.name].astype(c.dtype) for c in RUN_COLUMNS})
    return result.reset_index(drop=True), loss_scale


def _label(table: _Table, i: int) -> str:
    return table.labels[i] if table.labels is not None else f"row {i + 1}"


def _validate_scores(table: _Table, run_ids: pd.Series, problems: _Problems) -> pd.DataFrame:
    frame = table.frame
    out: dict[str, pd.Series] = {}
    for name in ("run_id", "benchmark", "metric"):
        out[name] = _string_column(frame[name])
        for i in _first_rows(out[name].isna().to_numpy()):
            problems.add(f"{table.where(i, name)}: value is empty; every score needs a {name}")
    if "shots" in frame:
        out["shots"] = _integer_column(table, "shots", problems, what="shots (in-context examples)")
    else:
        out["shots"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    value = _numeric_column(table, "value", problems, hint="a score must be a finite number")
    for i in _first_rows(value.isna().to_numpy() & frame["value"].map(_is_missing_scalar).to_numpy(dtype=bool)):
        problems.add(f"{table.where(i, 'value')}: value is empty; give the score or drop the row")
    out["value"] = value
    known = _isin(out["run_id"], run_ids)
    for i in _first_rows(out["run_id"].notna().to_numpy() & ~known):
        problems.add(
            f"{table.where(i, 'run_id')}: value {_fmt(out['run_id'].iloc[i])} is not a run in the runs table; "
            "add the run or fix the id"
        )
    problems.raise_if_any()
    result = pd.DataFrame({c.name: out[c.name].astype(c.dtype) for c in SCORE_COLUMNS})
    key = result[["run_id", "benchmark", "metric", "shots"]].astype(object).fillna(-1)
    dup = key.duplicated(keep="first").to_numpy()
    for i in _first_rows(dup):
        r = result.iloc[i]
        problems.add(
            f"{table.where(i)}: the score ({r['run_id']!r}, {r['benchmark']!r}, {r['metric']!r}, shots "
            f"{'unknown' if pd.isna(r['shots']) else int(r['shots'])}) appears twice; keep one row per "
            "run, benchmark, metric and shots"
        )
    problems.raise_if_any()
    return result


def _validate_curves(table: _Table, runs: pd.DataFrame, loss_scale: pd.Series, units: Mapping[str, str],
                     problems: _Problems) -> pd.DataFrame:
    frame = table.frame
    out: dict[str, pd.Series] = {}
    out["run_id"] = _string_column(frame["run_id"])
    for i in _first_rows(out["run_id"].isna().to_numpy()):
        problems.add(f"{table.where(i, 'run_id')}: value is empty; every curve point needs a run_id")
    out["step"] = _integer_column(table, "step", problems, what="the optimizer step")
    for i in _first_rows(out["step"].isna().to_numpy() & frame["step"].map(_is_missing_scalar).to_numpy(dtype=bool)):
        problems.add(f"{table.where(i, 'step')}: value is empty; every curve point needs a step")
    if "tokens" in frame:
        tokens = _numeric_column(table, "tokens", problems, hint="tokens seen must be a raw count >= 0")
        _check_positive(table, "tokens", tokens, problems, hint="tokens seen must be a raw count >= 0",
                        allow_zero=True)
        declared = units.get("tokens")
        out["tokens"] = tokens * (COUNT_UNITS[declared] if declared else 1.0)
    else:
        out["tokens"] = pd.Series(np.nan, index=frame.index, dtype="float64")
    loss = _numeric_column(table, "loss", problems, hint="the loss must be a per-token cross-entropy > 0")
    _check_positive(table, "loss", loss, problems, hint="the loss must be a per-token cross-entropy > 0")
    for i in _first_rows(loss.isna().to_numpy() & frame["loss"].map(_is_missing_scalar).to_numpy(dtype=bool)):
        problems.add(f"{table.where(i, 'loss')}: value is empty; give the loss or drop the point")
    scale_of = dict(zip(runs["run_id"].astype(object), loss_scale.to_numpy(), strict=True))
    known = _isin(out["run_id"], list(scale_of))
    for i in _first_rows(out["run_id"].notna().to_numpy() & ~known):
        problems.add(
            f"{table.where(i, 'run_id')}: value {_fmt(out['run_id'].iloc[i])} is not a run in the runs table; "
            "add the run or fix the id"
        )
    problems.raise_if_any()
    # curve losses share their run's unit (bits -> nats by x ln 2)
    scale = out["run_id"].astype(object).map(scale_of).astype("float64")
    nats = loss * scale.to_numpy()
    arr = nats.to_numpy(dtype="float64", na_value=np.nan)
    for i in _first_rows(arr > MAX_LOSS_NATS):
        problems.add(
            f"{table.where(i, 'loss')}: value {_fmt(float(loss.iloc[i]))} is implausibly large "
            f"(> {MAX_LOSS_NATS:g} nats/token); give the mean per-token loss, not a summed loss or a perplexity"
        )
    out["loss"] = nats
    result = pd.DataFrame({c.name: out[c.name].astype(c.dtype) for c in CURVE_COLUMNS})
    dup = result[["run_id", "step"]].duplicated(keep="first").to_numpy()
    for i in _first_rows(dup):
        problems.add(
            f"{table.where(i, 'step')}: run {result['run_id'].iloc[i]!r} has step {int(result['step'].iloc[i])} "
            "twice; keep one point per run and step"
        )
    problems.raise_if_any()
    return result


def _validate(
    runs: _Table,
    scores: _Table | None,
    curves: _Table | None,
    units: Mapping[str, str] | None,
    *,
    stacklevel: int,
) -> tuple[RunSet, list[str]]:
    """Validate the three tables; return the RunSet and the runs columns that were left out."""
    problems = _Problems()
    checked_units = _check_units(units)
    frame, unknown = _prepare_columns(runs, problems)
    runs = replace(runs, frame=frame)
    frame, wide = _wide_scores(runs, problems)
    runs = replace(runs, frame=frame)
    run_frame, loss_scale = _validate_run_table(runs, checked_units, problems, stacklevel=stacklevel + 1)

    score_frames: list[pd.DataFrame] = []
    if scores is not None:
        sframe, _ = _prepare_columns(scores, problems)
        score_frames.append(_validate_scores(_Table("scores", sframe, scores.source, scores.labels),
                                             run_frame["run_id"], problems))
    if wide is not None:
        labels = [f"{_label(runs, int(i))}" for i in wide["_row"]]
        wtable = _Table("scores", wide.drop(columns="_row"), runs.source, labels)
        score_frames.append(_validate_scores(wtable, run_frame["run_id"], problems))
    if len(score_frames) == 2:
        both = pd.concat(score_frames, ignore_index=True)
        dup = both[["run_id", "benchmark", "metric", "shots"]].astype(object).fillna(-1).duplicated()
        if dup.any():
            r = both[dup.to_numpy()].iloc[0]
            raise DataValidationError(
                f"{runs.source}: the score ({r['run_id']!r}, {r['benchmark']!r}, {r['metric']!r}) is given both "
                "in a score column and in the scores table; keep one"
            )
    score_frame = (pd.concat(score_frames, ignore_index=True) if score_frames
                   else RunSet().scores)
    if curves is not None:
        cframe, _ = _prepare_columns(curves, problems)
        curve_frame = _validate_curves(_Table("curves", cframe, curves.source, curves.labels), run_frame,
                                       loss_scale, checked_units, problems)
    else:
        curve_frame = RunSet().curves
    return RunSet(runs=run_frame, scores=score_frame.reset_index(drop=True),
                  curves=curve_frame.reset_index(drop=True)), unknown


def validate_runs(
    runs: pd.DataFrame,
    scores: pd.DataFrame | None = None,
    curves: pd.DataFrame | None = None,
    *,
    source: str = "<DataFrame>",
    units: Mapping[str, str] | None = None,
) -> RunSet:
    """Check run tables and return them as a canonical :class:`RunSet`.

    The input is never modified. The result has exactly the columns of
    :data:`~scalewatch.data.RUN_COLUMNS` (and of the score and curve schemas),
    in order and with their dtypes; optional columns that are missing are added
    as NA and columns the schema does not know are left out.

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per run. Needs ``run_id`` or ``model_id`` (the missing one is
        copied from the other); every other column of
        :data:`~scalewatch.data.RUN_COLUMNS` is optional. Columns named
        ``score:<benchmark>:<metric>`` or ``score:<benchmark>:<metric>:<shots>``
        become rows of the scores table.
    scores : pandas.DataFrame, optional
        Long-form scores: ``run_id, benchmark, metric, value`` and optionally ``shots``.
    curves : pandas.DataFrame, optional
        Loss curves: ``run_id, step, loss`` and optionally ``tokens``; the loss is
        in the unit of its run.
    source : str, default "<DataFrame>"
        Name used in messages (a file name, say) and stored in the ``source``
        column where the input does not give one.
    units : mapping of str to str, optional
        Units of the input columns. ``params``, ``tokens``, ``unique_tokens`` and
        ``cost_usd``: one of ``"count"`` (the default), ``"thousands"``,
        ``"millions"``, ``"billions"``, ``"trillions"``; ``tokens`` also applies
        to ``unique_tokens`` and curve tokens. ``compute``: ``"flop"`` (default),
        the same multiples, or ``"pf_days"`` (8.64e19 FLOP). ``loss``: ``"nats"``
        (default) or ``"bits"`` per token; a ``loss_unit`` column sets it per row.

    Returns
    -------
    RunSet
        Tokens and parameters as raw counts, compute in FLOP, losses in nats per
        token. ``compute`` is filled in as 6 N D where missing (with
        ``compute_estimated`` True), ``epochs`` as ``tokens / unique_tokens`` (or
        ``unique_tokens`` as ``tokens / epochs``), ``params_kind`` as
        ``"unknown"``, ``source`` as ``source``.

    Raises
    ------
    DataValidationError
        On the first problem found, with the row, column, value and fix, and a
        count of further problems. Rows are numbered from 1 over the data rows
        (the header is not a row). Problems: a missing required column, a
        duplicated column or run id, an empty id, a value that is not a number,
        NaN or infinite, a non-positive N, D, C, epochs or loss, a negative cost,
        a loss above 20 nats/token, an unknown loss unit, split or parameter
        kind, counts that look like millions or billions (the largest ``params``
        below 1e5, ``tokens`` below 1e6, ``compute`` below 1e9) unless their
        unit is declared, a unit suffix such as ``"7B"``, a bad date, scores or
        curve points of unknown runs, and duplicate scores or curve steps.
    TypeError
        If a table is not a DataFrame or ``units`` is not a mapping.

    Warns
    -----
    DataWarning
        If a given compute differs from 6 N D by more than 2x, or a given
        ``epochs`` from ``tokens / unique_tokens`` by more than 1%.

    Notes
    -----
    C = 6 N D counts a forward (2 N D) and a backward pass (4 N D) over D tokens
    (Kaplan et al. 2020, sec. 2.1); it ignores attention FLOPs. Bits become nats
    by multiplying with ln 2.

    Examples
    --------
    >>> import pandas as pd
    >>> from scalewatch.data import validate_runs
    >>> df = pd.DataFrame({"run_id": ["a"], "model_id": ["m"], "params": [7.0],
    ...                    "tokens": [140.0], "loss": [2.9]})
    >>> rs = validate_runs(df, units={"params": "millions", "tokens": "millions"})
    >>> print(f"{rs.runs['compute'].iloc[0]:.3g} FLOP, estimated: {rs.runs['compute_estimated'].iloc[0]}")
    5.88e+15 FLOP, estimated: True
    """
    run_table = _Table("runs", _check_frame(runs, "runs"), source)
    score_table = None if scores is None else _Table("scores", _check_frame(scores, "scores"), f"{source} (scores)")
    curve_table = None if curves is None else _Table("curves", _check_frame(curves, "curves"), f"{source} (curves)")
    runset, _ = _validate(run_table, score_table, curve_table, units, stacklevel=3)
    return runset
