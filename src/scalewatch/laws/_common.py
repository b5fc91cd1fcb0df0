"""Small helpers shared by the laws of the catalogue (private).

Numerically stable pieces (softplus and its relatives), input checks with
one-line messages, and the normalisation of instance options (input names,
fixed parameters) so that every law stays a hashable frozen value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from scalewatch.laws._base import Law, Param

__all__ = [
    "log_positive",
    "normalise_inputs",
    "normalise_fixed",
    "ones",
    "softplus",
]


def ones(pred: np.ndarray) -> np.ndarray:
    """A Jacobian column of ones shaped like ``pred`` (a read-only view; stacking copies it)."""
    return np.broadcast_to(np.ones((), dtype=np.float64), pred.shape)


def log_positive(law: "Law", X: np.ndarray, columns: Iterable[int] | None = None) -> tuple[np.ndarray, ...]:
    """Logs of the given input columns of ``X`` (n, k), after checking they are > 0.

    Raises
    ------
    ValueError
        Naming the input, the first offending row and its value.
    """
    cols = range(X.shape[1]) if columns is None else columns
    out = []
    for j in cols:
        col = X[:, j]
        bad = np.flatnonzero(~(col > 0))
        if bad.size:
            i = int(bad[0])
            raise ValueError(
                f"{law.name}: input {law.inputs[j]!r} must be > 0 (it enters through its logarithm); "
                f"row {i} has {col[i]!r}. Drop that row or fix its value."
            )
        out.append(np.log(col))
    return tuple(out)


def softplus(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Stable :math:`s = \log(1 + e^z)`, :math:`\sigma = s'(z)` and :math:`s - z\sigma`.

    All three without overflow or cancellation for any finite ``z``: with
    :math:`t = e^{-|z|} \le 1`, :math:`s = \max(z, 0) + \log1p(t)` and
    :math:`s - z\sigma = \log1p(t) + |z|\, t / (1 + t)` (both terms >= 0).
    """
    t = np.exp(-np.abs(z))
    l1p = np.log1p(t)
    s = np.maximum(z, 0.0) + l1p
    inv = 1.0 / (1.0 + t)
    sig = np.where(z >= 0, inv, t * inv)
    rest = l1p + np.abs(z) * t * inv
    return s, sig, rest


def normalise_inputs(law_name: str, inputs: "str | Iterable[str]", k: int) -> tuple[str, ...]:
    """Input names as a tuple of ``k`` distinct identifiers (a lone string is one name)."""
    names = (inputs,) if isinstance(inputs, str) else tuple(inputs)
    if len(names) != k or not all(isinstance(n, str) and n.isidentifier() for n in names) or len(set(names)) != k:
        raise ValueError(
            f"{law_name}(inputs={inputs!r}): give {k} distinct column name(s) such as "
            f"{('x',) if k == 1 else tuple(f'x{i + 1}' for i in range(k))}; they name the data columns the law reads."
        )
    return names


def normalise_fixed(
    law_name: str, fixed: "Mapping[str, float] | Iterable[tuple[str, float]]", params: "tuple[Param, ...]"
) -> tuple[tuple[str, float], ...]:
    """``fixed`` as sorted (name, value) pairs in parameter order, checked against ``params``.

    Pairs rather than a dict keep the law hashable, like every other frozen value.
    """
    items = dict(fixed.items() if isinstance(fixed, Mapping) else fixed)
    by_name = {p.name: p for p in params}
    unknown = [n for n in items if n not in by_name]
    if unknown:
        raise ValueError(
            f"{law_name}(fixed=...) names unknown parameter(s) {unknown}; allowed: {list(by_name)}."
        )
    out = []
    for p in params:
        if p.name not in items:
            continue
        v = items[p.name]
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise TypeError(f"{law_name}(fixed={{{p.name!r}: {v!r}}}): the value must be a number.") from None
        inside = p.lower <= v <= p.upper and (p.scale != "log" or v > 0)
        if not (math.isfinite(v) and inside):
            raise ValueError(
                f"{law_name}(fixed={{{p.name!r}: {v!r}}}): the value must be finite and inside the "
                f"bounds [{p.lower:g}, {p.upper:g}]{' (and > 0)' if p.scale == 'log' else ''}."
            )
        out.append((p.name, v))
    return tuple(out)
