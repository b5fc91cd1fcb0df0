"""Randomness as a ``seed`` argument: one way to turn a seed into a generator, and to record it.

Every random step of scalewatch (resampling, random starts, simulations,
sampling from trained models) takes ``seed``: an int (reproducible), a NumPy
``SeedSequence`` or ``Generator`` (to share one stream between steps), or
``None`` (fresh entropy, not reproducible).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["rng", "seed_label"]


def rng(seed: Any) -> np.random.Generator:
    """A NumPy ``Generator`` for ``seed``: a Generator is used as it is, anything else seeds a new one.

    Raises
    ------
    TypeError
        For a seed that is not None, an int, a SeedSequence or a Generator
        (a bool or a float, for example).

    Examples
    --------
    >>> float(rng(0).random()) == float(rng(0).random())
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer, np.random.SeedSequence))):
        raise TypeError(f"seed={seed!r}: give an int, a numpy SeedSequence or Generator.")
    return np.random.default_rng(seed)


def seed_label(seed: Any) -> Any:
    """A JSON-safe record of the seed: the int, ``None``, or ``"generator"`` (a Generator is not reproducible from its repr)."""
    return int(seed) if isinstance(seed, (int, np.integer)) else (None if seed is None else "generator")
