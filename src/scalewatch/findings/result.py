"""The protocol every analysis result follows, and the mixin that implements the common part.

An analysis result is an immutable value (a frozen dataclass) with
``to_dict()``, ``report()``, ``_repr_html_()`` and, when it answers a question,
``to_finding()``. :class:`Result` gives all of them from what the class
declares, so that each result class states only what is particular to it:

* ``FINDING_KEY`` and ``QUESTION`` (class attributes): the key and question of its finding;
* :meth:`~Result.numbers` and :meth:`~Result.figures`: the numbers behind the verdict
  and the figures that show them;
* :meth:`~Result.sentence` (the finding's summary) and :meth:`~Result.method`
  (how the verdict was reached; the finding adds the rule's ``reason``);
* :meth:`~Result.finding_parts`: the rest of its :class:`~scalewatch.findings.Finding`
  (title, tables, notes, data, citations, ...);
* ``verdict`` and ``reason`` (attributes or properties) when it has a verdict.

A class that writes its own ``to_dict`` or ``report`` keeps it (they are the
result's own record and text); the mixin fills in what is missing: the
finding, the notebook display, ``to_json`` and, for classes without their own,
``to_dict`` (the JSON-safe dataclass fields) and ``report`` (the finding's text,
else the ``to_dict`` entries).

Examples
--------
>>> from dataclasses import dataclass
>>> from scalewatch.findings import Number, Result
>>> @dataclass(frozen=True)
... class Toy(Result):
...     FINDING_KEY = "sweep.toy"
...     QUESTION = "sweep"
...     excess: float
...     verdict: str = "holds"
...     def numbers(self):
...         return [Number("excess", self.excess, self.excess - 1, self.excess + 1, "%")]
...     def sentence(self):
...         return "The toy holds."
...     def method(self):
...         return "None at all."
...     def finding_parts(self):
...         return {"title": "A toy"}
>>> Toy(0.5).to_finding().headline_number.text(unit=True)
'0.5 [-0.5, 1.5] %'
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import fields, is_dataclass
from typing import Any, ClassVar

from scalewatch.findings.finding import Figure, Finding, Number
from scalewatch.findings.jsonsafe import json_safe

__all__ = ["Result", "DecidedResult"]


class Result:
    """Mixin of analysis results: finding, report, notebook HTML and JSON from declared parts.

    Attributes
    ----------
    FINDING_KEY : str or None
        Key of the result's finding (``"<question>.<name>"``); ``None`` for
        results that are a step of an analysis rather than an answer.
    QUESTION : str or None
        The question the finding answers (:data:`scalewatch.findings.QUESTIONS`).
    """

    FINDING_KEY: ClassVar[str | None] = None
    QUESTION: ClassVar[str | None] = None

    # -- what a result class states ----------------------------------------------
    def numbers(self) -> Sequence[Number | Mapping[str, Any]]:
        """The numbers behind the verdict, with their intervals (default: none)."""
        return ()

    def figures(self) -> Sequence[Figure] | Mapping[str, Any]:
        """The figures of the finding (a list of Figures, or name -> plotly spec; default: none)."""
        return ()

    def sentence(self) -> str:
        """The finding's one-sentence summary."""
        raise NotImplementedError(f"{type(self).__name__} states no summary sentence; give summary= in finding_parts().")

    def method(self) -> str:
        """How the verdict was reached (data, model, loss, resampling, the rule)."""
        raise NotImplementedError(f"{type(self).__name__} states no method; give method= in finding_parts().")

    def finding_parts(self) -> Mapping[str, Any]:
        """The fields of the finding particular to this result (anything :class:`Finding` takes but its key and question).

        ``verdict``, ``summary`` (:meth:`sentence`), ``method`` (:meth:`method`
        and, when the result has one, ``"Verdict reached: <reason>."``),
        ``numbers`` and ``figures`` default to the result's own.
        """
        raise NotImplementedError(f"{type(self).__name__} is a step of an analysis and makes no Finding of its own.")

    # -- what the mixin gives ------------------------------------------------------
    @property
    def has_finding(self) -> bool:
        """Whether this result answers a question (has a :meth:`to_finding`)."""
        return self.FINDING_KEY is not None

    def to_finding(self, key: str | None = None) -> Finding:
        """This result as a :class:`~scalewatch.findings.Finding` (``key``: another key of the same question)."""
        if not self.has_finding:
            raise NotImplementedError(f"{type(self).__name__} is a step of an analysis and makes no Finding of its own.")
        parts = dict(self.finding_parts())
        if "verdict" not in parts:
            parts["verdict"] = getattr(self, "verdict")
        if "summary" not in parts:
            parts["summary"] = self.sentence()
        if "numbers" not in parts:
            parts["numbers"] = self.numbers()
        if "figures" not in parts:
            parts["figures"] = self.figures()
        if "method" not in parts:
            reason = getattr(self, "reason", "")
            parts["method"] = self.method() + (f"\n\nVerdict reached: {reason}." if reason else "")
        return Finding(key=key or self.FINDING_KEY, question=self.QUESTION, **parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe record of the result: its dataclass fields shown in ``repr`` (tables as lists of rows)."""
        if not is_dataclass(self):  # pragma: no cover - every result class is a dataclass
            raise TypeError(f"{type(self).__name__} is not a dataclass; write its to_dict().")
        out = {}
        for f in fields(self):
            if f.repr:
                v = getattr(self, f.name)
                out[f.name] = v.to_dict("records") if hasattr(v, "columns") and hasattr(v, "to_dict") else _plain(v)
        return json_safe(out)

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON text (``kwargs`` go to :func:`json.dumps`)."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    def report(self) -> str:
        """A text report: the finding's, or (results without one) the entries of :meth:`to_dict`."""
        if self.has_finding:
            return self.to_finding().report()
        d = self.to_dict()
        width = max((len(k) for k in d), default=0)
        lines = [f"[[{type(self).__name__}]]"]
        lines += [f"    {k:<{width}}  {_short(v)}" for k, v in d.items()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        if self.has_finding:
            return self.to_finding()._repr_html_()
        return f"<pre class='scalewatch-result'>{html.escape(self.report())}</pre>"


def _plain(v: Any) -> Any:
    """Nested results by their own ``to_dict``."""
    to_dict = getattr(v, "to_dict", None)
    if callable(to_dict) and not isinstance(v, type):
        return to_dict()
    return v


def _short(v: Any, width: int = 100) -> str:
    text = json.dumps(v, allow_nan=False, default=str)
    return text if len(text) <= width else text[: width - 3] + "..."


class DecidedResult(Result):
    """A :class:`Result` whose verdict is a written rule's :class:`~scalewatch.findings.rules.Decision`.

    The class declares a ``decision`` field; ``verdict`` and ``reason`` are
    the decision's, and the finding carries the rule (``rule=``) unless
    :meth:`finding_parts` gives one.
    """

    @property
    def verdict(self) -> str:
        """The rule's verdict."""
        return self.decision.verdict  # type: ignore[attr-defined]

    @property
    def reason(self) -> str:
        """Why the rule gave it: the interval, the margin and the outcome, in one sentence."""
        return self.decision.reason  # type: ignore[attr-defined]

    def to_finding(self, key: str | None = None) -> Finding:
        finding = super().to_finding(key)
        if finding.rule is None:
            from dataclasses import replace

            return replace(finding, rule=self.decision)  # type: ignore[attr-defined]
        return finding
