"""The questions scalewatch answers, the verdicts each allows, and their tones.

Each question has a small verdict vocabulary (:data:`VERDICTS`); a verdict
outside it is a ``ValueError``. ``YEAR`` in a vocabulary entry stands for a
four-digit year ("wall before 2030"). Every verdict has a *tone*
(:func:`verdict_tone`) that the report colours: ``"ok"`` (no sign of a wall),
``"warn"`` (slowing), ``"bad"`` (a wall), ``"info"`` (a statement about
method rather than about a wall) and ``"unknown"`` (inconclusive).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["QUESTIONS", "VERDICTS", "TONES", "KEY_PATTERN", "check_question", "check_verdict", "verdict_tone"]

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
        "capabilities": MappingProxyType(
            {
                "in step": "ok",
                "decoupling": "warn",
                "ahead": "ok",
                # parameter counts (capabilities.model_size): statements about model size, not capabilities
                "size on trend": "info",
                "size growing slower": "info",
                "size growing faster": "info",
                "inconclusive": "unknown",
            }
        ),
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

#: what a finding or analysis key looks like: ``"<question>.<name>"`` in lower case
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.\-]*[a-z0-9]$")


def _pattern(entry: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(entry).replace("YEAR", r"\d{4}") + "$")


_PATTERNS: Mapping[str, tuple[tuple[re.Pattern[str], str], ...]] = MappingProxyType(
    {q: tuple((_pattern(v), tone) for v, tone in vs.items()) for q, vs in _VOCABULARY.items()}
)


def check_question(question: Any, where: str = "Finding(question=...)") -> str:
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
    check_question(question)
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


