"""JSON freezing: values as immutable, JSON-safe Python (read-only dicts, tuples, None for NaN).

:func:`freeze` makes the read-only form a :class:`~scalewatch.findings.Finding`
stores, :func:`thaw` the plain dicts and lists of its ``to_dict()``, and
:func:`json_safe` both in one step. :func:`finite` is the number-by-number
form, :func:`records` the rows of a table and :func:`number_record` the plain
form of a reported number, as the analyses put them into findings. NumPy is never
imported here: values that carry a NumPy dtype are converted through their own
``tolist()``.
"""

from __future__ import annotations

import datetime as _dt
import math
import sys
from collections.abc import Mapping
from typing import Any

__all__ = ["freeze", "thaw", "json_safe", "finite", "records", "number_record"]

class _FrozenDict(dict):
    """A read-only dict: JSON-serialisable as it is, and immutable like the finding that holds it."""

    __slots__ = ()

    def _readonly(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a Finding is immutable: its figures and tables are read-only; build a new Finding instead.")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _readonly  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (_FrozenDict, (dict(self),))

    def __copy__(self) -> _FrozenDict:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _FrozenDict:
        return self


def freeze(obj: Any, where: str = "value") -> Any:
    """``obj`` as an immutable JSON-safe value: dicts read-only, lists tuples, NaN None.

    Parameters
    ----------
    obj : any
        Numbers, strings, dicts, lists, NumPy arrays and scalars, dates,
        pandas' missing values, plotly graph objects.
    where : str
        How the error message names ``obj`` (``"Figure('x').spec"``).

    Raises
    ------
    TypeError
        For anything that is not JSON-serialisable (the message says where in ``obj``).
    """
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return _FrozenDict((str(k), freeze(v, f"{where}[{k!r}]")) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return tuple(freeze(v, f"{where}[{i}]") for i, v in enumerate(obj))
    if type(obj).__name__ in ("NaTType", "NAType"):  # pandas' missing values
        return None
    if isinstance(obj, (_dt.datetime, _dt.date)):
        return obj.isoformat()
    to_plotly = getattr(obj, "to_plotly_json", None)
    if callable(to_plotly):  # a plotly graph object
        return freeze(to_plotly(), where)
    if hasattr(obj, "dtype") and callable(getattr(obj, "tolist", None)):  # numpy arrays and scalars, pandas Series
        if getattr(obj.dtype, "kind", "") == "M":  # datetime64: ISO text (tolist would give nanosecond integers)
            np = sys.modules["numpy"]  # an object with a NumPy dtype: NumPy is loaded already

            return freeze(np.datetime_as_string(np.asarray(obj)).tolist(), where)
        value = obj.tolist()
        if value is not obj:
            return freeze(value, where)
    raise TypeError(
        f"{where} is a {type(obj).__name__}, which is not JSON-serialisable; use numbers, strings, lists and dicts."
    )


def thaw(obj: Any) -> Any:
    """The plain form of a :func:`freeze` d value: dicts and lists again."""
    if isinstance(obj, Mapping):
        return {k: thaw(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return [thaw(v) for v in obj]
    return obj


def json_safe(obj: Any) -> Any:
    """``obj`` as plain JSON-safe Python: dicts, lists, str, int, float, bool, None.

    NumPy arrays and scalars become lists and numbers, NaN and infinities become
    ``None``, dates ISO strings, plotly graph objects their JSON dicts.

    Raises
    ------
    TypeError
        For anything else (the message says where in ``obj`` it sits).

    Examples
    --------
    >>> json_safe({"x": (1, float("nan"))})
    {'x': [1, None]}
    """
    return thaw(freeze(obj, "value"))


def finite(x: Any) -> float | None:
    """``x`` as a JSON-safe float: ``None`` for NaN, infinities and anything that is not a number.

    Examples
    --------
    >>> finite(2), finite(float("inf")), finite("n/a")
    (2.0, None, None)
    """
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _cell(v: Any, digits: int | None) -> Any:
    if v is None or type(v).__name__ in ("NaTType", "NAType"):
        return None
    if isinstance(v, _dt.datetime):  # pandas' Timestamp too: the date
        return v.date().isoformat()
    if isinstance(v, _dt.date):
        return v.isoformat()
    kind = getattr(getattr(v, "dtype", None), "kind", "")
    if kind == "M":  # numpy.datetime64
        np = sys.modules["numpy"]  # an object with a NumPy dtype: NumPy is loaded already
        return None if np.isnat(v) else str(np.datetime_as_string(v, unit="D"))
    if isinstance(v, bool) or kind == "b":
        return bool(v)
    if isinstance(v, int) or kind in ("i", "u"):
        return int(v)
    if isinstance(v, float) or kind == "f":
        x = finite(v)
        return float(f"{x:.{digits}g}") if x is not None and digits else x
    if isinstance(v, (str, list, tuple, dict)):
        return v
    item = getattr(v, "item", None)
    return item() if callable(item) else str(v)


def records(
    table: Any, columns: Any = None, rename: Mapping[str, str] | None = None, *, digits: int | None = None
) -> list[dict[str, Any]]:
    """The rows of a table (a DataFrame, or a list of dicts) as JSON-safe dicts, for a finding's tables.

    Parameters
    ----------
    table : pandas.DataFrame or list of dict
    columns : sequence of str, optional
        The columns to keep, in this order (default: all).
    rename : mapping, optional
        Column -> name shown.
    digits : int, optional
        Round floats to this many significant digits.

    Returns
    -------
    list of dict
        NumPy scalars as Python numbers, NaN and infinities ``None``, dates
        (``datetime``, ``Timestamp``, ``datetime64``) as ``"YYYY-MM-DD"``,
        missing values ``None``, other objects their ``str``.

    Examples
    --------
    >>> records([{"a": 1.23456, "b": float("nan")}], digits=3)
    [{'a': 1.23, 'b': None}]
    """
    rows = table.to_dict("records") if hasattr(table, "to_dict") and hasattr(table, "columns") else list(table)
    names = None if columns is None else list(columns)
    out = []
    for row in rows:
        keys = names if names is not None else list(row)
        out.append({str((rename or {}).get(k, k)): _cell(row[k], digits) for k in keys})
    return out


def number_record(
    name: str, value: Any, low: Any = None, high: Any = None, unit: str = "", ci: float | None = 0.95, note: str = ""
) -> dict[str, Any]:
    """A reported number as a plain dict with the fields of :class:`~scalewatch.findings.Number` (non-finite values ``None``).

    Checked when the finding is built (:meth:`Number.from_dict`).
    """
    return {"name": name, "value": finite(value), "low": finite(low), "high": finite(high), "unit": unit, "ci": ci, "note": note}
