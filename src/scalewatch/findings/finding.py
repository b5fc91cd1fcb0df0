"""The :class:`Finding`: what every analysis returns, and what the report shows.

A finding is an immutable, JSON-serialisable value: a verdict on one question
("is the pretraining law bending?"), a one-sentence summary, the numbers behind
it with their intervals (:class:`Number`), interactive figures (:class:`Figure`,
plain plotly JSON), tables, the method, the data and the citations. The HTML
report, ``findings.json`` and the terminal summary all come from
:meth:`Finding.to_dict`. The questions and their verdicts are in
:mod:`scalewatch.findings.vocabulary`; the figure helpers in :mod:`scalewatch.plots`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from scalewatch.findings.display import finding_html, finding_text
from scalewatch.findings.format import format_interval
from scalewatch.findings.jsonsafe import freeze, thaw
from scalewatch.findings.vocabulary import KEY_PATTERN, check_question, check_verdict, verdict_tone

__all__ = ["Number", "Figure", "Finding"]


def _real(x: Any, where: str) -> float | None:
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
        value = _real(self.value, f"{where}, value=...)")
        low = _real(self.low, f"{where}, low=...)")
        high = _real(self.high, f"{where}, high=...)")
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


#: most points of one marker trace a figure keeps (a million runs would make a 250 MB report);
#: a line keeps about as many, evenly spaced along its order
MAX_TRACE_POINTS = 5000
#: most rows of one table a finding keeps (the first ones, in the analysis's order)
MAX_TABLE_ROWS = 1000


def _thin_traces(data: Any) -> tuple[list[Any], list[int]]:
    """Traces of more than :data:`MAX_TRACE_POINTS` points cut down: markers to a seeded random subset (in
    order), lines to evenly spaced points (both ends kept).

    Every per-point list of a thinned trace (``x``, ``y``, ``text``, ``customdata``, ``marker.color``,
    ``error_y.array``, ...: any list of the trace's length, one level down at most) keeps the same points.
    Returns the traces and the point counts of the traces thinned.
    """
    import random

    def seq(v: Any) -> Any:
        return v.tolist() if callable(getattr(v, "tolist", None)) and not isinstance(v, (str, bytes)) else v

    out, thinned = [], []
    for tr in data:
        x = seq(tr.get("x"))
        n = len(x) if isinstance(x, (list, tuple)) else 0
        if n <= MAX_TRACE_POINTS or tr.get("type", "scatter") not in ("scatter", "scattergl"):
            out.append(tr)
            continue
        m = MAX_TRACE_POINTS
        if "lines" in str(tr.get("mode", "markers")):
            keep = sorted({round(i * (n - 1) / (m - 1)) for i in range(m)})
        else:
            keep = sorted(random.Random(0).sample(range(n), m))

        def cut(v: Any, depth: int) -> Any:
            v = seq(v)
            if isinstance(v, (list, tuple)) and len(v) == n:
                return [v[i] for i in keep]
            if isinstance(v, Mapping) and depth < 1:
                return {k: cut(u, depth + 1) for k, u in v.items()}
            return v

        out.append({k: cut(v, 0) for k, v in tr.items()})
        thinned.append(n)
    return out, thinned


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
        data, thinned = _thin_traces(data)
        if thinned:
            caption = (caption + " " if caption else "") + (
                f"Traces of more than {MAX_TRACE_POINTS:,} points show {MAX_TRACE_POINTS:,} of them (of up to "
                f"{max(thinned):,}: a seeded random subset of points, evenly spaced points of lines), so that the "
                "report stays small; every number uses all of them.")
        frozen = freeze({**spec, "data": data, "layout": layout}, f"Figure({title!r}).spec")
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "caption", caption)
        object.__setattr__(self, "spec", frozen)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "spec": thaw(self.spec), "caption": self.caption}

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
        out.append(freeze(r, f"{where}[{i}]"))
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
        rows = item[1]
        if isinstance(rows, (list, tuple)) and len(rows) > MAX_TABLE_ROWS:
            # a report of a million runs must stay a page: the first rows, in the analysis's order, and the count
            title = f"{title} (the first {MAX_TABLE_ROWS:,} of {len(rows):,} rows)"
            rows = rows[:MAX_TABLE_ROWS]
        out.append((title, _rows(rows, f"Finding(tables=...)[{title!r}]")))
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
        question = check_question(self.question)
        key = _text(self.key, "Finding(key=...)", empty=False)
        if not KEY_PATTERN.match(key) or not key.startswith(question + "."):
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
            rule = freeze(rule, f"{where}, rule=...)")
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
            "tables": [{"title": t, "rows": thaw(rows)} for t, rows in self.tables],
            "method": self.method,
            "data_sources": list(self.data_sources),
            "citations": list(self.citations),
            "loss_label": self.loss_label,
            "notes": list(self.notes),
            "headline": self.headline,
            "rule": thaw(self.rule) if self.rule is not None else None,
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
        return finding_text(self)

    def _repr_html_(self) -> str:
        return finding_html(self)

    def __repr__(self) -> str:
        head = self.headline_number
        num = f", {head.name}={head.text()}" if head is not None else ""
        return f"Finding({self.key!r}, verdict={self.verdict!r}{num})"


