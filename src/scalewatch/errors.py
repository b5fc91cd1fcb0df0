"""Exceptions and warnings raised by scalewatch.

Every error subclasses a builtin (``ValueError``, ``TypeError``, ``RuntimeError``)
so that callers who do not know scalewatch can still catch it, and
:class:`ScalewatchError` so that the CLI can turn any of them into a one-line
message and a non-zero exit code.

Messages follow one template: what was given, what is allowed, and how to fix
it when the fix is known.
"""

from __future__ import annotations

__all__ = [
    "ScalewatchError",
    "DataValidationError",
    "DatasetUnavailableError",
    "RegistryError",
    "FitError",
    "ScalewatchWarning",
    "DataWarning",
    "IdentifiabilityWarning",
    "one_line",
]


class ScalewatchError(Exception):
    """Base class of every error scalewatch raises on purpose."""


class DataValidationError(ScalewatchError, ValueError):
    """Input data break the run schema (bad value, unit, column or duplicate)."""


class DatasetUnavailableError(ScalewatchError, RuntimeError):
    """A public dataset is neither cached, nor in the mirror, nor downloadable."""


class RegistryError(ScalewatchError, RuntimeError):
    """The run registry could not be opened, read or written."""


class FitError(ScalewatchError, RuntimeError):
    """A fit failed: the solver stopped without a usable optimum."""


class ScalewatchWarning(UserWarning):
    """Base class of scalewatch's warnings."""


class DataWarning(ScalewatchWarning):
    """Data are accepted but look suspicious (for example C far from 6ND)."""


class IdentifiabilityWarning(ScalewatchWarning):
    """The data cannot pin down the law's parameters well."""


def one_line(exc: BaseException, limit: int = 300, *, with_type: bool = False) -> str:
    """An exception as one line of at most ``limit`` characters, for error tables and messages.

    By default the message with its whitespace collapsed (the type's name when
    there is no message); ``with_type=True`` gives ``"Type: first line"``, as
    the report's error rows show it.
    """
    text = str(exc).strip()
    if with_type:
        first = text.splitlines()[0].strip() if text else ""
        text = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    else:
        text = " ".join(text.split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
