"""Fits by the dozen: :func:`fit` and :func:`bootstrap` with their expected warnings kept as notes.

The analyses fit many subsets of the runs (backtest cut-offs, resamples,
benchmarks, trend origins); that a subset does not pin a parameter down is
part of its result, listed in its notes, not a warning to the caller.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from scalewatch.errors import IdentifiabilityWarning
from scalewatch.fitting._bootstrap import BootstrapResult, bootstrap
from scalewatch.fitting._fit import fit
from scalewatch.fitting._result import FitResult
from scalewatch.laws import Law

__all__ = ["quiet_fit", "quiet_bootstrap"]


def quiet_fit(law: Law, data: Any, notes: list[str] | None = None, **kwargs: Any) -> FitResult:
    """:func:`~scalewatch.fitting.fit` with its IdentifiabilityWarnings turned into notes.

    Parameters
    ----------
    law, data, **kwargs
        As :func:`~scalewatch.fitting.fit`.
    notes : list of str, optional
        Receives the message of every :class:`~scalewatch.errors.IdentifiabilityWarning`
        (dropped when None).

    Returns
    -------
    FitResult

    Notes
    -----
    Any other warning passes through unchanged. Floating-point warnings of the
    solver on extreme trial steps (``inf - inf`` while a break point or a
    ceiling runs off to infinity) are silenced: the solver rejects those steps
    itself.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IdentifiabilityWarning)
        with np.errstate(all="ignore"):
            result = fit(law, data, **kwargs)
    for w in caught:
        if issubclass(w.category, IdentifiabilityWarning):
            if notes is not None:
                notes.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result


def quiet_bootstrap(result: FitResult, n: int, seed: Any, **kwargs: Any) -> BootstrapResult:
    """:func:`~scalewatch.fitting.bootstrap` with the solver's floating-point warnings silenced (see :func:`quiet_fit`)."""
    with np.errstate(all="ignore"):
        return bootstrap(result, n, seed=seed, **kwargs)
