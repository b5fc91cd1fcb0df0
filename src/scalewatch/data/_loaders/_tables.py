"""Building blocks shared by the loaders: typed frames, table checks, parsed results."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.data._schema import CURVE_COLUMNS, RUN_COLUMNS, SCORE_COLUMNS, ColumnSpec
from scalewatch.errors import DataValidationError

# A table column: ColumnSpec(name, dtype, unit, doc, required); required here means
# "no missing values" (and, for numbers, finite).
Col = ColumnSpec


@dataclass(frozen=True)
class Parsed:
    """What a loader returns: run tables (unvalidated) and documented side tables."""

    runs: pd.DataFrame
    scores: pd.DataFrame
    curves: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    columns: dict[str, tuple[ColumnSpec, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def _is_scalar(value: Any) -> bool:
    return value is pd.NA or np.isscalar(value)


def typed_frame(specs: tuple[ColumnSpec, ...], data: dict[str, Any]) -> pd.DataFrame:
    """A DataFrame with exactly the columns of ``specs`` (missing ones all-NA), cast to their dtypes.

    Values may be sequences (one per row) or scalars (repeated on every row).
    """
    unknown = set(data) - {c.name for c in specs}
    if unknown:  # a loader bug, not a data problem
        raise KeyError(f"columns not in the table spec: {sorted(unknown)}")
    lengths = {len(v) for v in data.values() if v is not None and not _is_scalar(v)}
    if len(lengths) > 1:
        raise ValueError(f"columns of different lengths {sorted(lengths)}")
    n = lengths.pop() if lengths else 0
    out = {}
    for c in specs:
        value = data.get(c.name)
        if value is None:
            series = pd.Series(index=range(n), dtype=c.dtype)
        elif _is_scalar(value):
            series = _cast(pd.Series([value] * n, dtype=object), c.dtype)
        else:
            series = _cast(
                (value if isinstance(value, pd.Series) else pd.Series(value)).reset_index(drop=True), c.dtype
            )
        out[c.name] = series
    return pd.DataFrame(out)


def _cast(series: pd.Series, dtype: str) -> pd.Series:
    if dtype.startswith("datetime64"):
        return pd.to_datetime(series, errors="raise").astype(dtype)
    if dtype == "string":
        return series.astype("string")
    if dtype in ("float64", "Int64"):
        return pd.to_numeric(series, errors="raise").astype(dtype)
    return series.astype(dtype)


def runs_frame(data: dict[str, Any]) -> pd.DataFrame:
    """A runs table with every schema column (see :data:`~scalewatch.data._schema.RUN_COLUMNS`)."""
    return typed_frame(RUN_COLUMNS, data)


def scores_frame(data: dict[str, Any] | None = None) -> pd.DataFrame:
    """A scores table with every schema column."""
    return typed_frame(SCORE_COLUMNS, data or {})


def curves_frame(data: dict[str, Any] | None = None) -> pd.DataFrame:
    """A curves table with every schema column."""
    return typed_frame(CURVE_COLUMNS, data or {})


def check_table(dataset: str, name: str, df: pd.DataFrame, specs: tuple[ColumnSpec, ...]) -> pd.DataFrame:
    """Check a side table against its spec and return it with spec order and dtypes.

    Raises
    ------
    DataValidationError
        If a column is missing, a required column has missing values, or a
        number is not finite.
    """
    where = f"dataset {dataset!r}, table {name!r}"
    missing = [c.name for c in specs if c.name not in df.columns]
    if missing:
        raise DataValidationError(f"{where}: columns {missing} are missing; expected {[c.name for c in specs]}")
    extra = [c for c in df.columns if c not in {s.name for s in specs}]
    if extra:
        raise DataValidationError(f"{where}: undocumented columns {extra}")
    out = pd.DataFrame({c.name: _cast(df[c.name].reset_index(drop=True), c.dtype) for c in specs})
    for c in specs:
        col = out[c.name]
        if c.required and col.isna().any():
            row = int(np.flatnonzero(col.isna().to_numpy())[0])
            raise DataValidationError(
                f"{where}: column {c.name!r} has {int(col.isna().sum())} missing values (first at row {row})"
            )
        if c.dtype in ("float64", "Int64"):
            values = col.to_numpy(dtype="float64", na_value=np.nan)
            bad = np.isinf(values)
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise DataValidationError(
                    f"{where}: column {c.name!r} has {int(bad.sum())} infinite values (first at row {row})"
                )
    return out


def to_json(mapping: dict[str, Any]) -> str:
    """Compact, key-sorted JSON of a run's configuration, NA values left out."""
    clean = {}
    for key, value in mapping.items():
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            continue
        if isinstance(value, np.generic):
            value = value.item()
        clean[key] = value
    return json.dumps(clean, sort_keys=True, separators=(",", ":"))


_PERCENT = re.compile(r"^\s*(-?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*%\s*$")


def parse_percent(series: pd.Series) -> pd.Series:
    """Strings such as ``'77.0%'`` as fractions (0.77); empty cells stay NA; anything else is an error."""
    text = series.astype("string").str.strip()
    match = text.str.extract(_PERCENT, expand=False)
    bad = text.notna() & (text != "") & match.isna()
    if bad.any():
        raise DataValidationError(f"value {text[bad].iloc[0]!r} is not a percentage such as '77.0%'")
    return pd.to_numeric(match, errors="raise").astype("float64") / 100.0


def parse_dollars(series: pd.Series) -> pd.Series:
    """Strings such as ``'$6770000.00'`` as floats (USD); empty cells stay NA."""
    text = series.astype("string").str.strip().str.replace(r"^\$", "", regex=True).str.replace(",", "", regex=False)
    return pd.to_numeric(text.replace("", pd.NA), errors="raise").astype("float64")


def slug(text: str) -> str:
    """Lower-case snake_case name of a column header such as ``'Release price (USD)'``."""
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")
