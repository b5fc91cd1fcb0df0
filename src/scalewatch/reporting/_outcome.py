"""What one analysis gives the report: its context, its outcome, running it, and the outcome as plain JSON data.

:func:`execute` runs one analysis in the process it is called in (the
one-process report, or a worker of :mod:`scalewatch.reporting._parallel`);
:func:`outcome_record` and :func:`outcome_from_record` are the JSON-safe form
in which a worker sends an outcome back and the disk cache
(:mod:`scalewatch.reporting._cache`) keeps it.
"""

from __future__ import annotations

import time
import traceback
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scalewatch.errors import one_line
from scalewatch.findings import Analysis, Finding

__all__ = ["Context", "Outcome", "TIMING_FIELDS", "execute", "outcome_record", "outcome_from_record"]

#: fields of ``findings.json`` (top level and per analysis) that differ between runs of the same report:
#: ``Report.to_dict(timings=False)`` leaves them out
TIMING_FIELDS: tuple[str, ...] = ("created", "seconds", "jobs", "cached")


@dataclass(frozen=True)
class Context:
    """What an analysis gets: its datasets, the seed and the ``fast`` flag.

    Attributes
    ----------
    key, question : str
        The running analysis.
    requires : tuple of str
        The datasets it declared; :meth:`dataset` loads only these.
    seed : int
        Seed to hand to every random step (resampling, random starts).
    fast : bool
        Fewer resamples for a quick look (tests, ``scalewatch report --fast``);
        the numbers are noisier, the method and the verdict rule the same.
    """

    key: str
    question: str
    requires: tuple[str, ...]
    seed: int = 0
    fast: bool = False

    def dataset(self, name: str) -> Any:
        """The public dataset ``name`` (a :class:`scalewatch.data.datasets.Dataset`), read locally.

        Raises
        ------
        ValueError
            If the analysis did not declare ``name`` in ``requires`` (the report
            decides what to run from ``requires``, so it must be complete).
        """
        if name not in self.requires:
            raise ValueError(
                f"analysis {self.key!r} reads dataset {name!r} but declares requires={self.requires!r}; "
                f"add {name!r} to its requires=(...)."
            )
        from scalewatch.data import datasets

        return datasets.load(name)

    def pick(self, full: Any, fast: Any) -> Any:
        """``fast`` in fast mode, else ``full`` (e.g. ``ctx.pick(1000, 200)`` resamples)."""
        return fast if self.fast else full


@dataclass(frozen=True)
class Outcome:
    """What became of one analysis: its findings, the error it raised, or why it was skipped.

    Attributes
    ----------
    key, question, title : str
        The analysis (``question`` is ``None`` for a module that failed to import).
    status : {"ok", "error", "skipped"}
    findings : tuple of Finding
        Empty unless ``status == "ok"``.
    error : str
        ``"TypeError: message"`` when it raised.
    traceback : str
        The full traceback when it raised.
    missing : tuple of str
        Datasets not on this machine when skipped; ``how`` says how to get each.
    warnings : tuple of str
        Warnings it raised (shown in the report, never dropped).
    seconds : float
        Wall time (to read it back when ``cached``).
    cached : bool
        Read from the report's disk cache (:mod:`scalewatch.reporting._cache`) instead of run.
    """

    key: str
    question: str | None
    title: str
    status: str
    findings: tuple[Finding, ...] = ()
    error: str = ""
    traceback: str = field(default="", repr=False)
    missing: tuple[str, ...] = ()
    how: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    cached: bool = False

    def to_dict(self, *, timings: bool = True) -> dict[str, Any]:
        """JSON-safe record; ``timings=False`` leaves out what differs from run to run (``seconds``, ``cached``)."""
        out = {
            "key": self.key,
            "question": self.question,
            "title": self.title,
            "status": self.status,
            "findings": [f.key for f in self.findings],
            "error": self.error or None,
            "traceback": self.traceback or None,
            "requires": list(self.requires),
            "missing": [{"dataset": m, "how": h} for m, h in zip(self.missing, self.how)],
            "warnings": list(self.warnings),
            "seconds": round(self.seconds, 3),
            "cached": self.cached,
        }
        if not timings:
            for k in TIMING_FIELDS:
                out.pop(k, None)
        return out


def _as_findings(a: Analysis, result: Any) -> tuple[Finding, ...]:
    if isinstance(result, Finding):
        found: tuple[Any, ...] = (result,)
    elif isinstance(result, (list, tuple)):
        found = tuple(result)
    else:
        raise TypeError(f"analysis {a.key!r} returned a {type(result).__name__}; it must return a Finding or a list of Findings.")
    if not found:
        raise ValueError(f"analysis {a.key!r} returned no finding.")
    for f in found:
        if not isinstance(f, Finding):
            raise TypeError(f"analysis {a.key!r} returned a {type(f).__name__} among its findings; each must be a Finding.")
        if f.question != a.question:
            raise ValueError(f"analysis {a.key!r} (question {a.question!r}) returned finding {f.key!r} of question {f.question!r}.")
    return found


def execute(a: Analysis, seed: int, fast: bool) -> Outcome:
    """Run analysis ``a`` here and now: its outcome (``"ok"`` or ``"error"``), warnings and wall time.

    What a worker process of the parallel report runs. Whether a finding key is
    taken by an earlier analysis is decided afterwards, in report order (:func:`_dedupe`).
    """
    ctx = Context(key=a.key, question=a.question, requires=a.requires, seed=seed, fast=fast)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            findings = _as_findings(a, a.func(ctx))
            dup = sorted(k for k in {f.key for f in findings} if sum(f.key == k for f in findings) > 1)
            if dup:
                raise ValueError(f"analysis {a.key!r} returned finding key(s) {dup} that another finding already has.")
        except Exception as exc:  # noqa: BLE001 - shown as an error row, never dropped
            return Outcome(
                a.key, a.question, a.title, "error", error=one_line(exc, with_type=True), traceback=traceback.format_exc(),
                requires=a.requires, warnings=_warning_texts(caught), seconds=time.perf_counter() - t0,
            )
    return Outcome(a.key, a.question, a.title, "ok", findings=findings, requires=a.requires,
                   warnings=_warning_texts(caught), seconds=time.perf_counter() - t0)


def _warning_texts(caught: Sequence[warnings.WarningMessage]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))


def outcome_record(outcome: Any) -> dict[str, Any]:
    """An :class:`~scalewatch.reporting.Outcome` as plain JSON-safe data (findings through ``Finding.to_dict``)."""
    return {
        "key": outcome.key,
        "question": outcome.question,
        "title": outcome.title,
        "status": outcome.status,
        "findings": [f.to_dict() for f in outcome.findings],
        "error": outcome.error,
        "traceback": outcome.traceback,
        "missing": list(outcome.missing),
        "how": list(outcome.how),
        "requires": list(outcome.requires),
        "warnings": list(outcome.warnings),
        "seconds": float(outcome.seconds),
    }


def outcome_from_record(record: Mapping[str, Any], *, cached: bool = False, seconds: float | None = None) -> Any:
    """The :class:`~scalewatch.reporting.Outcome` that :func:`outcome_record` wrote.

    Raises
    ------
    ValueError, TypeError, KeyError
        For a record that is not one (a finding that does not validate, a missing field).
    """
    return Outcome(
        key=str(record["key"]),
        question=None if record["question"] is None else str(record["question"]),
        title=str(record["title"]),
        status=str(record["status"]),
        findings=tuple(Finding.from_dict(f) for f in record["findings"]),
        error=str(record["error"]),
        traceback=str(record["traceback"]),
        missing=tuple(str(m) for m in record["missing"]),
        how=tuple(str(h) for h in record["how"]),
        requires=tuple(str(r) for r in record["requires"]),
        warnings=tuple(str(w) for w in record["warnings"]),
        seconds=float(record["seconds"] if seconds is None else seconds),
        cached=cached,
    )
