"""The registry of analyses: what the report runs.

An analysis is a function ``(ctx) -> Finding | list[Finding]`` registered with
:func:`analysis` (a decorator) or :func:`register`, under a stable key, the
question it answers and the datasets it needs. The analyses themselves live in
:mod:`scalewatch.analyses` (its ``ANALYSIS_MODULES`` lists the modules that
register them); :func:`import_modules` imports such modules so that their
decorators run, and reports a module that fails to import instead of skipping
it silently. The report (:mod:`scalewatch.reporting`) only consumes the registry.

This module imports nothing heavy: analysis modules import it at start-up.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scalewatch.findings.vocabulary import KEY_PATTERN, QUESTIONS, check_question

__all__ = [
    "Analysis",
    "ImportFailure",
    "analysis",
    "register",
    "unregister",
    "registered",
    "import_modules",
]


@dataclass(frozen=True)
class Analysis:
    """A registered analysis.

    Attributes
    ----------
    key : str
        Stable id, ``"<question>.<name>"``.
    question : str
        One of :data:`scalewatch.findings.QUESTIONS`.
    requires : tuple of str
        Names of the public datasets it reads (``scalewatch datasets list``);
        it runs only when all are on this machine (mirror or cache).
    func : callable
        ``func(ctx) -> Finding | list[Finding]``; ``ctx`` is a :class:`~scalewatch.reporting.Context`.
    title : str
        Shown while it runs and in the report when it raised or was skipped.
    """

    key: str
    question: str
    requires: tuple[str, ...]
    func: Callable[..., Any] = field(repr=False, compare=False)
    title: str = ""

    @property
    def module(self) -> str:
        """The module that defines the analysis function."""
        return str(getattr(self.func, "__module__", "?"))

    @property
    def question_rank(self) -> int:
        """Place of its question in :data:`~scalewatch.findings.QUESTIONS` (the report's order)."""
        return QUESTIONS.index(self.question)

    @property
    def origin(self) -> str:
        """``module.function`` that implements it."""
        return f"{getattr(self.func, '__module__', '?')}.{getattr(self.func, '__qualname__', '?')}"


@dataclass(frozen=True)
class ImportFailure:
    """An analysis module that could not be imported (see :func:`import_modules`)."""

    module: str
    error: str
    traceback: str = field(repr=False, default="")


# key -> Analysis, in registration order
_REGISTRY: dict[str, Analysis] = {}


def _check_requires(requires: Any, key: str) -> tuple[str, ...]:
    if isinstance(requires, str):
        requires = (requires,)
    if not isinstance(requires, Sequence):
        raise TypeError(f"analysis({key!r}, requires=...) takes a tuple of dataset names; got {type(requires).__name__}.")
    out = []
    for r in requires:
        if not isinstance(r, str) or not r.strip():
            raise TypeError(f"analysis({key!r}, requires=...) takes dataset names (str); got {r!r}.")
        out.append(r)
    return tuple(dict.fromkeys(out))


def _identity(func: Callable[..., Any]) -> tuple[Any, ...]:
    """Same module, name and source line: the same function (e.g. its module was reloaded)."""
    code = getattr(func, "__code__", None)
    where = (code.co_filename, code.co_firstlineno) if code is not None else (id(func),)
    return (getattr(func, "__module__", None), getattr(func, "__qualname__", None), *where)


def register(
    func: Callable[..., Any],
    key: str,
    question: str,
    requires: Sequence[str] | str = (),
    *,
    title: str | None = None,
) -> Analysis:
    """Register ``func(ctx) -> Finding | list[Finding]`` as an analysis of the report.

    Parameters
    ----------
    func : callable
        The analysis; it receives a :class:`~scalewatch.reporting.Context`.
    key : str
        Stable id ``"<question>.<name>"`` (lower case, digits, ``.``, ``_``, ``-``).
    question : str
        One of :data:`scalewatch.findings.QUESTIONS`.
    requires : sequence of str
        Dataset names it reads through ``ctx.dataset(name)``.
    title : str, optional
        Human name (default: the first line of ``func``'s docstring, else the key).

    Returns
    -------
    Analysis

    Raises
    ------
    ValueError
        Unknown question, malformed key, or a key already registered by another function.
    TypeError
        ``func`` not callable, ``requires`` not dataset names.
    """
    if not callable(func):
        raise TypeError(f"register(func=...) takes a function (ctx) -> Finding; got {type(func).__name__}.")
    check_question(question, f"analysis({key!r}, question=...)")
    if not isinstance(key, str) or not KEY_PATTERN.match(key) or not key.startswith(question + "."):
        raise ValueError(
            f"analysis(key={key!r}): a key is '<question>.<name>' in lower case letters, digits, '.', '_' or '-', "
            f"starting with the question {question!r}."
        )
    reqs = _check_requires(requires, key)
    if title is None:
        doc = (getattr(func, "__doc__", None) or "").strip().splitlines()
        title = doc[0].strip().rstrip(".") if doc else key
    entry = Analysis(key=key, question=question, requires=reqs, func=func, title=title)
    old = _REGISTRY.get(key)
    if old is not None and _identity(old.func) != _identity(func):
        raise ValueError(
            f"analysis key {key!r} is already registered by {old.origin}; {entry.origin} needs a key of its own."
        )
    _REGISTRY[key] = entry  # same function registered again (a module reload): replaced
    return entry


def analysis(
    key: str, question: str, requires: Sequence[str] | str = (), *, title: str | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator form of :func:`register`; the function is returned unchanged.

    Examples
    --------
    >>> from scalewatch.findings import analysis
    >>> @analysis("pretraining.my_check", question="pretraining", requires=("chinchilla-hoffmann2022",))
    ... def my_check(ctx):
    ...     '''My check of the Chinchilla runs.'''
    ...     runs = ctx.dataset("chinchilla-hoffmann2022").runs.runs
    ...     ...
    >>> from scalewatch.findings import unregister; unregister("pretraining.my_check")
    """

    def deco(func: Callable[..., Any]) -> Callable[..., Any]:
        register(func, key, question, requires, title=title)
        return func

    return deco


def unregister(key: str) -> None:
    """Remove an analysis (tests, notebooks). Unknown keys raise ``KeyError``."""
    try:
        del _REGISTRY[key]
    except KeyError:
        raise KeyError(f"no analysis {key!r} is registered; registered: {sorted(_REGISTRY)}") from None


def registered() -> tuple[Analysis, ...]:
    """Registered analyses, ordered by question (:data:`QUESTIONS`) and then registration."""
    order = {q: i for i, q in enumerate(QUESTIONS)}
    return tuple(sorted(_REGISTRY.values(), key=lambda a: order[a.question]))


def import_modules(modules: Sequence[str]) -> tuple[tuple[Analysis, ...], tuple[ImportFailure, ...]]:
    """Import analysis modules so that they register; return the analyses and the failures.

    Parameters
    ----------
    modules : sequence of str
        Module names (:data:`scalewatch.analyses.ANALYSIS_MODULES` for the report's).

    Returns
    -------
    analyses : tuple of Analysis
        Everything registered (also by modules imported earlier).
    failures : tuple of ImportFailure
        Modules that raised on import (the report shows each as an error).
    """
    failures = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - any import error becomes an error row of the report
            failures.append(ImportFailure(name, f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    return registered(), tuple(failures)
