r"""The :class:`Finding`: what every analysis returns, and what the report shows.

A finding is an immutable, JSON-serialisable value: a verdict on one question
("is the pretraining law bending?"), a one-sentence summary, the numbers behind
it with their intervals, interactive figures (plain plotly JSON), tables, the
method, the data and the citations. The HTML report, ``findings.json`` and the
terminal summary all come from :meth:`Finding.to_dict`.

Questions and verdicts
----------------------
Each question has a small verdict vocabulary (:data:`VERDICTS`); a verdict
outside it is a ``ValueError``. ``YEAR`` in a vocabulary entry stands for a
four-digit year ("wall before 2030"). Every verdict has a *tone*
(:func:`verdict_tone`) that the report colours: ``"ok"`` (no sign of a wall),
``"warn"`` (slowing), ``"bad"`` (a wall), ``"info"`` (a statement about
method rather than about a wall) and ``"unknown"`` (inconclusive).

Figures
-------
:func:`points`, :func:`curve` and :func:`band` make plotly traces (plain
dicts); :func:`figure` assembles them into a :class:`Figure` (log-log axes by
default) and :func:`fit_figure` draws the common one: observed points, a fitted
curve with its interval band, and held-out points marked differently. Plotly
itself is never imported.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any

__all__ = [
    "QUESTIONS",
    "VERDICTS",
    "TONES",
    "Number",
    "Figure",
    "Finding",
    "verdict_tone",
    "check_verdict",
    "format_interval",
    "json_safe",
    "PALETTE",
    "sequential_colors",
    "points",
    "curve",
    "band",
    "hline",
    "vline",
    "vrect",
    "figure",
    "fit_figure",
]

#: the questions scalewatch answers, in the order the report shows them
QUESTIONS: tuple[str, ...] = ("pretraining", "capabilities", "test-time", "data", "trends", "synthetic-data", "sweep")

#: allowed verdicts per question -> tone of each (``YEAR`` matches any four-digit year).
#: Tones: ok = no sign of a wall, warn = slowing, bad = a wall, info = a statement about
#: method, unknown = the data cannot tell.
_VOCABULARY: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "pretraining": MappingProxyType(
            {
                "holds": "ok",
                "beats the law": "ok",
                "falls short of the law": "warn",
                "bends": "warn",
                "breaks": "bad",
                "inconclusive": "unknown",
            }
        ),
        "capabilities": MappingProxyType({"in step": "ok", "decoupling": "warn", "ahead": "ok", "inconclusive": "unknown"}),
        "test-time": MappingProxyType(
            {
                "holds": "ok",
                "beats the law": "ok",
                "falls short of the law": "warn",
                "bends": "warn",
                "breaks": "bad",
                "test-time cheaper": "ok",
                "pretraining cheaper": "info",
                "depends": "info",
                "inconclusive": "unknown",
            }
        ),
        "data": MappingProxyType({"wall before YEAR": "bad", "no wall before YEAR": "ok", "inconclusive": "unknown"}),
        "trends": MappingProxyType(
            {"plateau detectable in advance": "info", "not detectable": "warn", "inconclusive": "unknown"}
        ),
        "synthetic-data": MappingProxyType(
            {"helps": "ok", "does not help": "warn", "hurts": "bad", "inconclusive": "unknown"}
        ),
        "sweep": MappingProxyType(
            {
                "holds": "ok",
                "beats the law": "ok",
                "falls short of the law": "warn",
                "bends": "warn",
                "breaks": "bad",
                "inconclusive": "unknown",
            }
        ),
    }
)

#: question -> allowed verdicts (``YEAR`` stands for a four-digit year)
VERDICTS: Mapping[str, tuple[str, ...]] = MappingProxyType({q: tuple(v) for q, v in _VOCABULARY.items()})

#: every tone a verdict can have, and what it means (the report colours them)
TONES: Mapping[str, str] = MappingProxyType(
    {
        "ok": "no sign of a wall",
        "warn": "slowing",
        "bad": "a wall",
        "info": "a statement about method",
        "unknown": "the data cannot tell",
    }
)

_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]*[a-z0-9]$")


def _pattern(entry: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(entry).replace("YEAR", r"\d{4}") + "$")


_PATTERNS: Mapping[str, tuple[tuple[re.Pattern[str], str], ...]] = MappingProxyType(
    {q: tuple((_pattern(v), tone) for v, tone in vs.items()) for q, vs in _VOCABULARY.items()}
)


def _check_question(question: Any, where: str = "Finding(question=...)") -> str:
    if not isinstance(question, str):
        raise TypeError(f"{where} takes a str, one of {', '.join(QUESTIONS)}; got {type(question).__name__}.")
    if question not in QUESTIONS:
        raise ValueError(f"{where}: question={question!r} is not one of {', '.join(repr(q) for q in QUESTIONS)}.")
    return question


def check_verdict(question: str, verdict: str) -> str:
    """Check ``verdict`` against the vocabulary of ``question``; return it.

    Parameters
    ----------
    question : str
        One of :data:`QUESTIONS`.
    verdict : str
        The verdict; ``YEAR`` entries of the vocabulary match a four-digit year.

    Returns
    -------
    str
        ``verdict`` unchanged.

    Raises
    ------
    ValueError
        If the question is unknown or the verdict is not in its vocabulary.
    TypeError
        If either is not a string.

    Examples
    --------
    >>> check_verdict("data", "wall before 2030")
    'wall before 2030'
    """
    _check_question(question)
    if not isinstance(verdict, str):
        raise TypeError(f"Finding(verdict=...) takes a str; got {type(verdict).__name__}.")
    if not any(p.match(verdict) for p, _ in _PATTERNS[question]):
        allowed = ", ".join(repr(v) for v in VERDICTS[question])
        raise ValueError(
            f"Finding(verdict={verdict!r}) is not a verdict of question {question!r}; allowed: {allowed}"
            + (" (YEAR: a four-digit year)." if any("YEAR" in v for v in VERDICTS[question]) else ".")
        )
    return verdict


def verdict_tone(question: str, verdict: str) -> str:
    """The tone of a verdict: ``"ok"``, ``"warn"``, ``"bad"``, ``"info"`` or ``"unknown"`` (see :data:`TONES`).

    Examples
    --------
    >>> verdict_tone("pretraining", "bends"), verdict_tone("data", "no wall before 2030")
    ('warn', 'ok')
    """
    check_verdict(question, verdict)
    return next(tone for p, tone in _PATTERNS[question] if p.match(verdict))


# =============================================================================
# JSON-safe, immutable containers
# =============================================================================


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


def _freeze(obj: Any, where: str) -> Any:
    """``obj`` as an immutable JSON-safe value: dicts read-only, lists tuples, NaN None."""
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return _FrozenDict((str(k), _freeze(v, f"{where}[{k!r}]")) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return tuple(_freeze(v, f"{where}[{i}]") for i, v in enumerate(obj))
    if type(obj).__name__ in ("NaTType", "NAType"):  # pandas' missing values
        return None
    if isinstance(obj, (_dt.datetime, _dt.date)):
        return obj.isoformat()
    to_plotly = getattr(obj, "to_plotly_json", None)
    if callable(to_plotly):  # a plotly graph object
        return _freeze(to_plotly(), where)
    if hasattr(obj, "dtype") and callable(getattr(obj, "tolist", None)):  # numpy arrays and scalars, pandas Series
        if getattr(obj.dtype, "kind", "") == "M":  # datetime64: ISO text (tolist would give nanosecond integers)
            import numpy as np

            return _freeze(np.datetime_as_string(np.asarray(obj)).tolist(), where)
        value = obj.tolist()
        if value is not obj:
            return _freeze(value, where)
    raise TypeError(
        f"{where} is a {type(obj).__name__}, which is not JSON-serialisable; use numbers, strings, lists and dicts."
    )


def _thaw(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {k: _thaw(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return [_thaw(v) for v in obj]
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
    return _thaw(_freeze(obj, "value"))


def _num(x: Any, where: str) -> float | None:
    if x is None:
        return None
    kind = getattr(getattr(x, "dtype", None), "kind", "")
    if isinstance(x, (int, float)) and not isinstance(x, bool) and kind != "b":
        v = float(x)
    elif kind in ("i", "u", "f") and getattr(x, "ndim", None) == 0:  # a NumPy scalar
        v = float(x)
    else:
        raise TypeError(f"{where} takes a real number or None; got {type(x).__name__} ({x!r}).")
    return v if math.isfinite(v) else None


def _text(x: Any, where: str, *, empty: bool = True) -> str:
    if not isinstance(x, str):
        raise TypeError(f"{where} takes a str; got {type(x).__name__}.")
    if not empty and not x.strip():
        raise ValueError(f"{where} is empty; say it in words.")
    return x


def _texts(x: Any, where: str) -> tuple[str, ...]:
    if x is None:
        return ()
    if isinstance(x, str):
        x = (x,)
    out = []
    for i, v in enumerate(x):
        if hasattr(v, "__fspath__"):
            v = str(v)
        out.append(_text(v, f"{where}[{i}]", empty=False).strip())
    return tuple(dict.fromkeys(out))  # unique, in order


# =============================================================================
# Number
# =============================================================================


def _sig(ref: float, width: float | None) -> int:
    """Significant digits that resolve an interval of ``width`` around values as large as ``ref``."""
    if not width or not math.isfinite(width) or width <= 0 or ref == 0:
        return 4
    return max(2, min(7, math.floor(math.log10(abs(ref))) - math.floor(math.log10(width)) + 2))


def _fmt(v: float, sig: int) -> str:
    a = abs(v)
    if v == 0:
        return "0"
    if 1e-3 <= a < 1e5:
        decimals = max(0, sig - 1 - math.floor(math.log10(a)))
        return f"{v:.{decimals}f}"
    mant, exp = f"{v:.{max(sig, 2) - 1}e}".split("e")
    mant = mant.rstrip("0").rstrip(".") if "." in mant else mant
    return f"{mant}e{int(exp)}"


def _fixed(v: float, decimals: int) -> str:
    text = f"{v:.{decimals}f}"
    if float(text) == 0.0:
        return "0" if v == 0 else _fmt(v, 2)  # an estimate that rounds to zero keeps two significant digits
    return text


def _plain(v: float) -> str:
    """A number without an interval: four significant digits, trailing zeros dropped."""
    a = abs(v)
    if 1e-3 <= a < 1e5 or v == 0:
        if v == int(v):
            return str(int(v))
        text = f"{v:.{max(0, 3 - math.floor(math.log10(a)))}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return _fmt(v, 4)


def _parts(value: float | None, low: float | None, high: float | None) -> tuple[str, str | None, str | None]:
    """Formatted estimate, low and high, with as many digits as the interval resolves (the same for all three).

    Two significant digits of the interval's half-width set the last digit shown.
    """
    vals = [v for v in (value, low, high) if v is not None]
    if not vals:
        return "n/a", None, None
    have = low is not None and high is not None
    half = 0.5 * (high - low) if have else 0.0  # type: ignore[operator]
    ref = max(abs(v) for v in vals)
    if half <= 0:
        fmt = _plain
    elif 1e-3 <= ref < 1e5:
        d = min(8, max(0, 1 - math.floor(math.log10(half))))
        fmt = lambda v: _fixed(v, d)  # noqa: E731
    else:
        sig = _sig(ref, 2 * half)
        fmt = lambda v: _fmt(v, sig)  # noqa: E731
    head = "n/a" if value is None else fmt(value)
    if not have:
        return head, None, None
    return head, fmt(low), fmt(high)  # type: ignore[arg-type]


def format_interval(value: float | None, low: float | None = None, high: float | None = None) -> str:
    """``value [low, high]`` with as many digits as the interval resolves.

    Examples
    --------
    >>> format_interval(0.34731, 0.31619, 0.37228)
    '0.347 [0.316, 0.372]'
    >>> format_interval(2.1e22, 1.4e22, 3.3e22)
    '2.1e22 [1.4e22, 3.3e22]'
    >>> format_interval(2029.34, 2027.12, 2031.87)
    '2029.3 [2027.1, 2031.9]'
    >>> format_interval(None)
    'n/a'
    """
    head, lo, hi = _parts(value, low, high)
    return head if lo is None else f"{head} [{lo}, {hi}]"


@dataclass(frozen=True)
class Number:
    """A reported number with its interval.

    Parameters
    ----------
    name : str
        What it is ("alpha", "wall year (dataset trend)").
    value : float or None
        The estimate. ``None`` (NaN and infinities become ``None``) only with a
        ``note`` saying why there is none.
    low, high : float or None
        The interval at level ``ci``; both or neither. Without an interval a
        ``note`` must say why (a count, a p-value, a share of draws, ...).
    unit : str
        Unit ("" for dimensionless, "tokens", "FLOP", "x/yr", "%", ...).
    ci : float or None, default 0.95
        Level of the interval, in (0, 1); set to ``None`` when there is no interval.
    note : str
        How it was estimated, or why there is no value or interval.

    Raises
    ------
    ValueError
        Only one of low/high, low > high, ci outside (0, 1), or a missing
        value or interval without a note.
    TypeError
        Non-numeric values, non-string name, unit or note.

    Examples
    --------
    >>> Number("alpha", 0.3473, 0.3162, 0.3723).text()
    '0.347 [0.316, 0.372]'
    """

    name: str
    value: float | None
    low: float | None = None
    high: float | None = None
    unit: str = ""
    ci: float | None = 0.95
    note: str = ""

    def __post_init__(self) -> None:
        name = _text(self.name, "Number(name=...)", empty=False)
        where = f"Number({name!r}"
        value = _num(self.value, f"{where}, value=...)")
        low = _num(self.low, f"{where}, low=...)")
        high = _num(self.high, f"{where}, high=...)")
        unit = _text(self.unit, f"{where}, unit=...)")
        note = _text(self.note, f"{where}, note=...)").strip()
        if (low is None) != (high is None):
            raise ValueError(f"{where}): give both low and high of the interval, or neither (got low={low}, high={high}).")
        if low is not None and high is not None and low > high:
            raise ValueError(f"{where}): low={low} > high={high}; pass the interval in order (it is never swapped silently).")
        ci = self.ci
        if low is None:
            ci = None
        else:
            if ci is None or isinstance(ci, bool) or not isinstance(ci, (int, float)):
                raise ValueError(f"{where}): an interval needs its level, ci=0.95 for example; got ci={ci!r}.")
            if not 0 < float(ci) < 1:
                raise ValueError(f"{where}): ci={ci!r} must lie in (0, 1), e.g. 0.95.")
            ci = float(ci)
        if value is None and not note:
            raise ValueError(f"{where}): value is None (or not finite) and there is no note; say why in note=...")
        if low is None and not note:
            raise ValueError(
                f"{where}): has no interval and no note; give low and high, or say why there is none in note=..."
            )
        for attr, v in (("name", name), ("value", value), ("low", low), ("high", high), ("unit", unit), ("ci", ci), ("note", note)):
            object.__setattr__(self, attr, v)

    @property
    def has_interval(self) -> bool:
        return self.low is not None

    def text(self, *, unit: bool = False) -> str:
        """``value [low, high]`` (and the unit when ``unit=True``)."""
        out = format_interval(self.value, self.low, self.high)
        return f"{out} {self.unit}".rstrip() if unit and self.unit else out

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "low": self.low, "high": self.high, "unit": self.unit, "ci": self.ci, "note": self.note}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Number:
        """Inverse of :meth:`to_dict` (also takes the plain dicts analyses build)."""
        unknown = set(d) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"Number.from_dict: unknown field(s) {sorted(unknown)}; allowed: {[f.name for f in fields(cls)]}.")
        if "name" not in d or "value" not in d:
            raise ValueError(f"Number.from_dict needs 'name' and 'value'; got {sorted(d)}.")
        return cls(**d)

    def __str__(self) -> str:
        ci = f" ({100 * self.ci:g}% interval)" if self.ci else ""
        return f"{self.name} = {self.text(unit=True)}{ci}"


# =============================================================================
# Figure
# =============================================================================


@dataclass(frozen=True)
class Figure:
    """An interactive figure: a plotly figure as plain JSON (``{"data": [...], "layout": {...}}``).

    Parameters
    ----------
    title : str
        Shown above the plot (the report drops ``layout.title`` so it is not shown twice).
    spec : mapping, or a plotly ``go.Figure``
        The figure. Stored read-only and JSON-safe: NumPy arrays become
        tuples, NaN becomes ``None`` (a gap), graph objects their JSON.
    caption : str
        What to look at, in a sentence or two.

    Raises
    ------
    ValueError
        If ``spec`` has no ``data`` list of traces or a trace is not a mapping.
    TypeError
        If ``spec`` holds something that is not JSON-serialisable.
    """

    title: str
    spec: Mapping[str, Any]
    caption: str = ""

    def __post_init__(self) -> None:
        title = _text(self.title, "Figure(title=...)", empty=False)
        caption = _text(self.caption, f"Figure({title!r}, caption=...)").strip()
        spec = self.spec
        if callable(getattr(spec, "to_plotly_json", None)):
            spec = spec.to_plotly_json()
        if not isinstance(spec, Mapping):
            raise TypeError(f"Figure({title!r}, spec=...) takes a plotly figure dict {{'data': [...], 'layout': {{...}}}}; got {type(spec).__name__}.")
        data = spec.get("data")
        if not isinstance(data, (list, tuple)) or not data:
            raise ValueError(f"Figure({title!r}, spec=...) needs a non-empty 'data' list of traces; got {type(data).__name__}.")
        for i, tr in enumerate(data):
            if not isinstance(tr, Mapping):
                raise ValueError(f"Figure({title!r}): spec['data'][{i}] is a {type(tr).__name__}; each trace is a dict.")
        layout = spec.get("layout", {})
        if not isinstance(layout, Mapping):
            raise ValueError(f"Figure({title!r}): spec['layout'] must be a dict; got {type(layout).__name__}.")
        frozen = _freeze({**spec, "layout": layout}, f"Figure({title!r}).spec")
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "caption", caption)
        object.__setattr__(self, "spec", frozen)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "spec": _thaw(self.spec), "caption": self.caption}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Figure:
        return cls(title=d["title"], spec=d["spec"], caption=d.get("caption", ""))

    def __repr__(self) -> str:
        return f"Figure({self.title!r}, {len(self.spec['data'])} traces)"


# =============================================================================
# Finding
# =============================================================================


def _as_numbers(x: Any) -> tuple[Number, ...]:
    if x is None:
        return ()
    if isinstance(x, (Number, Mapping)):
        x = (x,)
    out = []
    for i, n in enumerate(x):
        if isinstance(n, Number):
            out.append(n)
        elif isinstance(n, Mapping):
            out.append(Number.from_dict(n))
        else:
            raise TypeError(f"Finding(numbers=...)[{i}] is a {type(n).__name__}; use Number(...) or a dict with its fields.")
    names = [n.name for n in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"Finding(numbers=...) names {dup} more than once; each number needs its own name.")
    return tuple(out)


def _title_of(spec: Any, default: str) -> str:
    layout = spec.get("layout", {}) if isinstance(spec, Mapping) else {}
    t = layout.get("title") if isinstance(layout, Mapping) else None
    if isinstance(t, Mapping):
        t = t.get("text")
    return t if isinstance(t, str) and t.strip() else default


def _as_figures(x: Any) -> tuple[Figure, ...]:
    if x is None:
        return ()
    if isinstance(x, Figure):
        return (x,)
    if isinstance(x, Mapping):  # {name: spec} as the analyses' figures() give
        if "data" in x and "layout" in x:
            raise TypeError("Finding(figures=...) got one bare plotly spec; wrap it: figures=[Figure(title, spec, caption)].")
        return tuple(
            v if isinstance(v, Figure) else Figure(_title_of(v, str(k).replace("_", " ")), v) for k, v in x.items()
        )
    out = []
    for i, f in enumerate(x):
        if isinstance(f, Figure):
            out.append(f)
        elif isinstance(f, Mapping) and "spec" in f:
            out.append(Figure.from_dict(f))
        else:
            raise TypeError(f"Finding(figures=...)[{i}] is a {type(f).__name__}; use Figure(title, spec, caption).")
    return tuple(out)


def _rows(rows: Any, where: str) -> tuple[Mapping[str, Any], ...]:
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):  # a DataFrame
        rows = rows.to_dict(orient="records")
    if isinstance(rows, Mapping) or isinstance(rows, str) or not isinstance(rows, Iterable):
        raise TypeError(f"{where} takes a list of dicts (one per row) or a DataFrame; got {type(rows).__name__}.")
    out = []
    for i, r in enumerate(rows):
        if not isinstance(r, Mapping):
            raise TypeError(f"{where}[{i}] is a {type(r).__name__}; each row is a dict of column -> value.")
        out.append(_freeze(r, f"{where}[{i}]"))
    return tuple(out)


def _as_tables(x: Any) -> tuple[tuple[str, tuple[Mapping[str, Any], ...]], ...]:
    if x is None:
        return ()
    if isinstance(x, Mapping):
        items: Iterable[Any] = x.items()
    else:
        items = x
    out = []
    for i, item in enumerate(items):
        if isinstance(item, Mapping) and "title" in item and "rows" in item:
            item = (item["title"], item["rows"])
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise TypeError(f"Finding(tables=...)[{i}] must be a (title, rows) pair; got {type(item).__name__}.")
        title = _text(item[0], f"Finding(tables=...)[{i}] title", empty=False)
        out.append((title, _rows(item[1], f"Finding(tables=...)[{title!r}]")))
    return tuple(out)


@dataclass(frozen=True)
class Finding:
    """One answer to one question, with the evidence. Immutable and JSON-serialisable.

    Parameters
    ----------
    key : str
        Stable id ``"<question>.<name>"``, lower case (``"pretraining.chinchilla_fit"``).
    question : str
        One of :data:`QUESTIONS`.
    title : str
        A short headline.
    verdict : str
        One of ``VERDICTS[question]`` (checked; ``YEAR`` is a four-digit year).
    summary : str
        One plain sentence: what was tested and what came out.
    numbers : sequence of Number (or of dicts with its fields)
        The numbers behind the verdict, with intervals where possible.
    figures : sequence of Figure, or mapping name -> plotly spec
        Interactive figures.
    tables : sequence of (title, rows), or mapping title -> rows
        ``rows``: a list of dicts or a DataFrame.
    method : str
        How the verdict was reached: data, model, loss, resampling, the rule.
        Blank lines separate paragraphs.
    data_sources : sequence of str
        Dataset names or file paths.
    citations : sequence of str
        Papers and data to cite.
    loss_label : str, optional
        The fitting loss where a fit is involved (``"Huber (delta=0.001) on log residuals"``).
    notes : sequence of str
        Caveats (rows dropped, warnings, failed resamples).
    headline : str, optional
        Name of the number the verdict table shows; default the first number.
    rule : Decision or mapping, optional
        The written verdict rule that decided the verdict and what it found
        (:meth:`scalewatch.findings.Decision.to_dict`); its verdict must equal
        ``verdict``.

    Raises
    ------
    ValueError
        Unknown question, a verdict outside the question's vocabulary, a
        malformed key, a summary that is not one line, duplicate number names,
        an unknown ``headline``.
    TypeError
        Fields of the wrong type.

    Examples
    --------
    >>> f = Finding(
    ...     key="pretraining.example", question="pretraining", title="An example",
    ...     verdict="holds", summary="A law fitted to ten runs predicts the largest one within 1%.",
    ...     numbers=[Number("alpha", 0.34, 0.31, 0.37)], method="Least squares on log loss.",
    ... )
    >>> f.headline_number.text()
    '0.340 [0.310, 0.370]'
    >>> Finding.from_dict(f.to_dict()) == f
    True
    """

    key: str
    question: str
    title: str
    verdict: str
    summary: str
    numbers: tuple[Number, ...] = ()
    figures: tuple[Figure, ...] = ()
    tables: tuple[tuple[str, tuple[Mapping[str, Any], ...]], ...] = ()
    method: str = ""
    data_sources: tuple[str, ...] = ()
    citations: tuple[str, ...] = ()
    loss_label: str | None = None
    notes: tuple[str, ...] = ()
    headline: str | None = None
    rule: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        question = _check_question(self.question)
        key = _text(self.key, "Finding(key=...)", empty=False)
        if not _KEY_RE.match(key) or not key.startswith(question + "."):
            raise ValueError(
                f"Finding(key={key!r}): a key is '<question>.<name>' in lower case letters, digits, '.', '_' or '-', "
                f"e.g. {question + '.' + re.sub(r'[^a-z0-9_.-]+', '_', key.lower()).strip('._-')!r}."
            )
        where = f"Finding({key!r}"
        title = _text(self.title, f"{where}, title=...)", empty=False).strip()
        verdict = check_verdict(question, self.verdict)
        summary = _text(self.summary, f"{where}, summary=...)", empty=False).strip()
        if "\n" in summary:
            raise ValueError(f"{where}, summary=...) is one plain sentence on one line; move detail to method=... or notes=...")
        if len(summary) > 400:
            raise ValueError(f"{where}, summary=...) has {len(summary)} characters; keep it to one sentence (<= 400), detail goes in method=...")
        method = _text(self.method, f"{where}, method=...)", empty=False).strip()
        loss_label = self.loss_label
        if loss_label is not None:
            loss_label = _text(loss_label, f"{where}, loss_label=...)", empty=False).strip()
        numbers = _as_numbers(self.numbers)
        headline = self.headline
        if headline is not None and headline not in {n.name for n in numbers}:
            raise ValueError(f"{where}, headline={headline!r}) names no number; numbers: {[n.name for n in numbers]}.")
        rule = self.rule
        if rule is not None:
            if callable(getattr(rule, "to_dict", None)) and not isinstance(rule, Mapping):  # a rules.Decision
                rule = rule.to_dict()
            if not isinstance(rule, Mapping) or "verdict" not in rule or "rule" not in rule:
                raise TypeError(f"{where}, rule=...) takes a rules.Decision (or its to_dict()); got {type(self.rule).__name__}.")
            if rule["verdict"] != verdict:
                raise ValueError(
                    f"{where}, verdict={verdict!r}) differs from its rule's verdict {rule['verdict']!r}; "
                    "the verdict must be the one the written rule gives."
                )
            rule = _freeze(rule, f"{where}, rule=...)")
        values = {
            "key": key,
            "question": question,
            "title": title,
            "verdict": verdict,
            "summary": summary,
            "numbers": numbers,
            "figures": _as_figures(self.figures),
            "tables": _as_tables(self.tables),
            "method": method,
            "data_sources": _texts(self.data_sources, f"{where}, data_sources=...)"),
            "citations": _texts(self.citations, f"{where}, citations=...)"),
            "loss_label": loss_label,
            "notes": _texts(self.notes, f"{where}, notes=...)"),
            "headline": headline,
            "rule": rule,
        }
        for k, v in values.items():
            object.__setattr__(self, k, v)

    # -- use -------------------------------------------------------------------
    @property
    def tone(self) -> str:
        """The verdict's tone (see :data:`TONES`)."""
        return verdict_tone(self.question, self.verdict)

    @property
    def headline_number(self) -> Number | None:
        """The number the verdict table shows: ``headline``, else the first one."""
        if not self.numbers:
            return None
        if self.headline is None:
            return self.numbers[0]
        return self.number(self.headline)

    def number(self, name: str) -> Number:
        """The number called ``name``."""
        for n in self.numbers:
            if n.name == name:
                return n
        raise KeyError(f"{self.key} has no number {name!r}; numbers: {[n.name for n in self.numbers]}")

    # -- describe ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe dict; :meth:`from_dict` inverts it."""
        return {
            "key": self.key,
            "question": self.question,
            "title": self.title,
            "verdict": self.verdict,
            "summary": self.summary,
            "numbers": [n.to_dict() for n in self.numbers],
            "figures": [f.to_dict() for f in self.figures],
            "tables": [{"title": t, "rows": _thaw(rows)} for t, rows in self.tables],
            "method": self.method,
            "data_sources": list(self.data_sources),
            "citations": list(self.citations),
            "loss_label": self.loss_label,
            "notes": list(self.notes),
            "headline": self.headline,
            "rule": _thaw(self.rule) if self.rule is not None else None,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Finding:
        """A Finding from :meth:`to_dict`'s output (e.g. read back from ``findings.json``)."""
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise ValueError(f"Finding.from_dict: unknown field(s) {sorted(unknown)}; allowed: {sorted(names)}.")
        return cls(**dict(d))

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON text (``kwargs`` go to :func:`json.dumps`)."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    def report(self) -> str:
        """An aligned text report: verdict, numbers with intervals, method, data and citations."""
        import textwrap

        def wrap(text: str, indent: str = "    ") -> list[str]:
            out: list[str] = []
            for i, para in enumerate(p for p in text.split("\n\n") if p.strip()):
                if i:
                    out.append("")
                out.extend(textwrap.wrap(" ".join(para.split()), 88, initial_indent=indent, subsequent_indent=indent))
            return out

        lines = [
            f"[[Finding]] {self.key}: {self.title}",
            f"    question    {self.question}",
            f"    verdict     {self.verdict}",
            *textwrap.wrap(self.summary, 88, initial_indent="    summary     ", subsequent_indent=" " * 16),
        ]
        if self.loss_label:
            lines.append(f"    loss        {self.loss_label}")
        if self.numbers:
            lines.append("[[Numbers]]")
            width = max(len(n.name) for n in self.numbers)
            for n in self.numbers:
                ci = f"({100 * n.ci:g}%)" if n.ci else ""
                note = f"  {n.note}" if n.note and not n.has_interval else ""
                lines.append(f"    {n.name:<{width}}  {n.text(unit=True):<34} {ci}{note}".rstrip())
        if self.figures:
            lines.append("[[Figures]]")
            lines.extend(f"    {f.title}" for f in self.figures)
        if self.tables:
            lines.append("[[Tables]]")
            lines.extend(f"    {t} ({len(rows)} rows)" for t, rows in self.tables)
        if self.rule is not None:
            lines.append("[[Rule]]")
            lines.extend(wrap(f"{self.rule['rule']['text']} Here: {self.rule['reason']}."))
        lines.append("[[Method]]")
        lines.extend(wrap(self.method))
        if self.notes:
            lines.append("[[Notes]]")
            lines.extend(f"    - {n}" for n in self.notes)
        if self.data_sources:
            lines.append("[[Data]]")
            lines.extend(f"    {s}" for s in self.data_sources)
        if self.citations:
            lines.append("[[Citations]]")
            lines.extend(f"    {c}" for c in self.citations)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        figs = "".join(f"<li>{html.escape(f.title)}</li>" for f in self.figures)
        return (
            f"<div class='scalewatch-finding'><b>{html.escape(self.title)}</b> "
            f"<span style='{_BADGE_STYLE[self.tone]};padding:1px 7px;border-radius:9px'>{html.escape(self.verdict)}</span>"
            f"<br><small>{html.escape(self.key)} ({html.escape(self.question)})</small>"
            f"<p>{html.escape(self.summary)}</p>{numbers_table_html(self.numbers)}"
            + (f"<p>Figures (interactive in <code>scalewatch report</code>):</p><ul>{figs}</ul>" if figs else "")
            + (f"<p><small>loss: {html.escape(self.loss_label)}</small></p>" if self.loss_label else "")
            + "</div>"
        )

    def __repr__(self) -> str:
        head = self.headline_number
        num = f", {head.name}={head.text()}" if head is not None else ""
        return f"Finding({self.key!r}, verdict={self.verdict!r}{num})"


_BADGE_STYLE = {
    "ok": "background:#dafbe1;color:#116329",
    "warn": "background:#fff1c2;color:#7d4e00",
    "bad": "background:#ffebe9;color:#a40e26",
    "info": "background:#ddf4ff;color:#0550ae",
    "unknown": "background:#eaeef2;color:#424a53",
}


def number_html(text: str) -> str:
    """Escape a formatted number and write ``1.2e13`` as 1.2×10<sup>13</sup>."""
    return re.sub(r"(\d(?:\.\d+)?)e(-?\d+)", r"\1×10<sup>\2</sup>", html.escape(text))


def numbers_table_html(numbers: Sequence[Number]) -> str:
    """The numbers as an HTML table: name, estimate, interval, unit, note."""
    if not numbers:
        return ""
    rows = []
    for n in numbers:
        est, lo, hi = _parts(n.value, n.low, n.high)
        if lo is None:
            interval = "<span class='none'>none</span>"
        else:
            interval = f"{number_html(f'[{lo}, {hi}]')} <span class='ci'>{100 * n.ci:g}%</span>"  # type: ignore[operator]
        rows.append(
            f"<tr><td class='name'>{html.escape(n.name)}</td><td class='num'>{number_html(est)}</td>"
            f"<td class='num interval'>{interval}</td>"
            f"<td class='unit'>{html.escape(n.unit)}</td><td class='note'>{html.escape(n.note)}</td></tr>"
        )
    return (
        "<table class='numbers'><thead><tr><th>quantity</th><th class='num'>estimate</th>"
        "<th class='num'>interval</th><th>unit</th><th>note</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


# =============================================================================
# Figure helpers (plain plotly JSON; plotly is never imported)
# =============================================================================

#: qualitative colours (Okabe & Ito 2008, colour-blind safe), then a few more
PALETTE: tuple[str, ...] = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#882255", "#44AA99", "#999933", "#332288",
)

# viridis, 9 stops (matplotlib's colour map, sampled evenly), for ordered groups such as model sizes
_VIRIDIS = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725")


def sequential_colors(k: int) -> tuple[str, ...]:
    """``k`` colours along viridis (dark to light, stopping short of the pale yellow end), for ordered groups."""
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"sequential_colors(k={k!r}); use an integer >= 1.")
    stops = _VIRIDIS[:-1]  # the last stop is too pale on white
    if k == 1:
        return (stops[3],)
    return tuple(_mix(stops, i / (k - 1)) for i in range(k))


def _mix(stops: Sequence[str], t: float) -> str:
    x = t * (len(stops) - 1)
    i = min(int(x), len(stops) - 2)
    f = x - i
    a, b = (tuple(int(s[j : j + 2], 16) for j in (1, 3, 5)) for s in (stops[i], stops[i + 1]))
    return "#" + "".join(f"{round(u + (v - u) * f):02x}" for u, v in zip(a, b))


def _rgba(color: str, alpha: float) -> str:
    if color.startswith("#") and len(color) == 7:
        r, g, b = (int(color[j : j + 2], 16) for j in (1, 3, 5))
        return f"rgba({r},{g},{b},{alpha:g})"
    if color.startswith("rgb(") and color.endswith(")"):
        return "rgba(" + color[4:-1] + f",{alpha:g})"
    return color


def _values(x: Any) -> list[Any]:
    out = json_safe(list(x) if not hasattr(x, "tolist") else x)
    return out if isinstance(out, list) else [out]


def points(
    x: Any,
    y: Any,
    name: str,
    *,
    color: str | None = None,
    held_out: bool = False,
    text: Any = None,
    size: int = 7,
    group: str | None = None,
    showlegend: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """Observed points as a scatter trace; ``held_out=True`` draws them as open diamonds.

    Parameters
    ----------
    x, y : array-like
        Coordinates (NaN becomes a gap).
    name : str
        Legend entry.
    color : str, optional
        Marker colour (``"#rrggbb"``); default plotly's colour cycle.
    held_out : bool
        Points the fit did not see (held out, excluded): open diamonds with a thick outline.
    text : array-like, optional
        Hover text per point.
    size : int
        Marker size in px.
    group : str, optional
        Legend group (toggle together with a curve).
    **extra
        Further trace attributes (``error_y``, ``customdata``, ...).
    """
    marker: dict[str, Any] = {"size": size + (2 if held_out else 0)}
    if held_out:
        marker.update(symbol="diamond-open", line={"width": 2})
    else:
        marker.update(symbol="circle", opacity=0.85, line={"width": 0.5, "color": "white"})
    if color is not None:
        marker["color"] = color
    tr: dict[str, Any] = {"type": "scatter", "mode": "markers", "name": name, "x": _values(x), "y": _values(y), "marker": marker, "showlegend": showlegend}
    if text is not None:
        tr["text"] = [str(t) for t in text]
        tr["hovertemplate"] = "%{text}<br>x=%{x:.4g}<br>y=%{y:.4g}<extra>" + html.escape(name) + "</extra>"
    if group is not None:
        tr["legendgroup"] = group
    tr.update(extra)
    return tr


def curve(
    x: Any, y: Any, name: str, *, color: str | None = None, dash: str | None = None, width: float = 2.0,
    group: str | None = None, showlegend: bool = True, **extra: Any,
) -> dict[str, Any]:
    """A fitted or predicted curve as a line trace (``dash``: "dash", "dot", ...)."""
    line: dict[str, Any] = {"width": width}
    if color is not None:
        line["color"] = color
    if dash is not None:
        line["dash"] = dash
    tr: dict[str, Any] = {"type": "scatter", "mode": "lines", "name": name, "x": _values(x), "y": _values(y), "line": line, "showlegend": showlegend}
    if group is not None:
        tr["legendgroup"] = group
    tr.update(extra)
    return tr


def band(x: Any, low: Any, high: Any, name: str, *, color: str = "#0072B2", opacity: float = 0.18, group: str | None = None, showlegend: bool = True) -> list[dict[str, Any]]:
    """Two traces that shade the interval between ``low`` and ``high`` (put them before the curve)."""
    fill = _rgba(color, opacity)
    lower = {"type": "scatter", "mode": "lines", "name": name, "x": _values(x), "y": _values(low), "line": {"width": 0, "color": fill},
             "showlegend": False, "hoverinfo": "skip"}
    upper = {"type": "scatter", "mode": "lines", "name": name, "x": _values(x), "y": _values(high), "line": {"width": 0, "color": fill},
             "fill": "tonexty", "fillcolor": fill, "showlegend": showlegend, "hoverinfo": "skip"}
    if group is not None:
        lower["legendgroup"] = upper["legendgroup"] = group
    return [lower, upper]


def hline(y: float, *, dash: str = "dash", color: str = "#6e7781") -> dict[str, Any]:
    """A horizontal line across the plot (a layout shape)."""
    return {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": y, "y1": y, "line": {"dash": dash, "width": 1, "color": color}}


def vline(x: float, *, dash: str = "dash", color: str = "#6e7781") -> dict[str, Any]:
    """A vertical line across the plot (a layout shape)."""
    return {"type": "line", "yref": "paper", "y0": 0, "y1": 1, "x0": x, "x1": x, "line": {"dash": dash, "width": 1, "color": color}}


def vrect(x0: float, x1: float, *, color: str = "rgba(213,94,0,0.08)") -> dict[str, Any]:
    """A shaded vertical strip (a layout shape), e.g. the region a verdict is about."""
    return {"type": "rect", "yref": "paper", "y0": 0, "y1": 1, "x0": x0, "x1": x1, "fillcolor": color, "line": {"width": 0}, "layer": "below"}


def figure(
    title: str,
    traces: Sequence[Mapping[str, Any]],
    *,
    x_title: str,
    y_title: str,
    x_log: bool = True,
    y_log: bool = True,
    caption: str = "",
    shapes: Sequence[Mapping[str, Any]] = (),
    height: int | None = None,
    layout: Mapping[str, Any] | None = None,
) -> Figure:
    """Traces -> a :class:`Figure` with titled axes, log-log by default.

    Parameters
    ----------
    title, caption : str
        Shown above and below the plot by the report.
    traces : sequence of dict
        From :func:`points`, :func:`curve`, :func:`band` or plain plotly traces.
    x_title, y_title : str
        Axis titles, with units.
    x_log, y_log : bool, default True
        Logarithmic axes.
    shapes : sequence of dict
        Layout shapes (:func:`hline`, :func:`vline`, :func:`vrect`).
    height : int, optional
        Plot height in px (the report's default is 440).
    layout : mapping, optional
        Further layout attributes, merged last.
    """
    lay: dict[str, Any] = {
        "xaxis": {"title": {"text": x_title}, "type": "log" if x_log else "linear"},
        "yaxis": {"title": {"text": y_title}, "type": "log" if y_log else "linear"},
    }
    if x_log:
        lay["xaxis"]["exponentformat"] = "power"
    if y_log:
        lay["yaxis"]["exponentformat"] = "power"
    if shapes:
        lay["shapes"] = list(shapes)
    if height is not None:
        lay["height"] = int(height)
    if layout:
        lay.update(layout)
    traces = list(traces)
    if not traces:
        raise ValueError(f"figure({title!r}) got no traces; pass at least one (points, curve or band).")
    return Figure(title, {"data": traces, "layout": lay}, caption)


def fit_figure(
    title: str,
    *,
    x: Any,
    y: Any,
    fit_x: Any,
    fit_y: Any,
    low: Any = None,
    high: Any = None,
    held_out: Any = None,
    x_title: str,
    y_title: str,
    caption: str = "",
    name: str = "runs",
    fit_name: str = "fit",
    band_name: str | None = None,
    x_log: bool = True,
    y_log: bool = True,
    color: str = PALETTE[0],
    fit_color: str = "#24292f",
) -> Figure:
    """The common figure: observed points, a fitted curve with its interval band, held-out points marked.

    Parameters
    ----------
    x, y : array-like
        Observations.
    fit_x, fit_y : array-like
        The fitted curve.
    low, high : array-like, optional
        Interval of the curve at ``fit_x`` (e.g. bootstrap percentiles).
    held_out : array-like of bool, optional
        True for observations the fit did not use: drawn as open diamonds.
    band_name : str, optional
        Legend entry of the band (default ``"95% interval"``).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.geomspace(1, 100, 8); y = 2 * x ** -0.3
    >>> fig = fit_figure("Loss", x=x, y=y, fit_x=x, fit_y=y, held_out=x > 50, x_title="C", y_title="L")
    >>> [t["name"] for t in fig.spec["data"]]
    ['fit', 'runs', 'held out']
    """
    import numpy as np

    xv, yv = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xv.shape != yv.shape:
        raise ValueError(f"fit_figure({title!r}): x has shape {xv.shape} but y {yv.shape}.")
    mask = np.zeros(xv.shape, dtype=bool) if held_out is None else np.asarray(held_out, dtype=bool)
    if mask.shape != xv.shape:
        raise ValueError(f"fit_figure({title!r}): held_out has shape {mask.shape}; it needs one flag per point {xv.shape}.")
    traces: list[dict[str, Any]] = []
    if (low is None) != (high is None):
        raise ValueError(f"fit_figure({title!r}): give both low and high of the band, or neither.")
    if low is not None:
        traces += band(fit_x, low, high, band_name or "95% interval", color=fit_color, opacity=0.15)
    traces.append(curve(fit_x, fit_y, fit_name, color=fit_color))
    traces.append(points(xv[~mask], yv[~mask], name, color=color))
    if mask.any():
        traces.append(points(xv[mask], yv[mask], "held out", color=PALETTE[1], held_out=True))
    return figure(title, traces, x_title=x_title, y_title=y_title, x_log=x_log, y_log=y_log, caption=caption)
