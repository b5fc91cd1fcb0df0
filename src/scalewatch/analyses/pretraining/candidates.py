"""The candidate laws of the backtests and break tests, by name, with their fitting settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.fitting import FitResult, design_from
from scalewatch.laws import BrokenPowerLaw, Chinchilla, DataConstrained, KaplanND, Law, SaturatingPowerLaw

__all__ = ["LAW_NAMES", "LawSpec", "resolve_laws"]


#: names accepted in ``laws=``, with the law each stands for
LAW_NAMES: Mapping[str, str] = {
    "chinchilla": "Chinchilla L(N, D) = E + A/N^alpha + B/D^beta (Hoffmann et al. 2022)",
    "kaplan_nd": "Kaplan L(N, D) = ((Nc/N)^(alphaN/alphaD) + Dc/D)^alphaD (Kaplan et al. 2020)",
    "data_constrained": "data-constrained L(N, D, U_D) (Muennighoff et al. 2023)",
    "saturating": "saturating power law L(x) = E + A x^-alpha in `by`, on the frontier",
    "broken": "broken power law with one break in `by` (Caballero et al. 2022), on the frontier",
    "broken2": "broken power law with two breaks in `by`, on the frontier",
}


@dataclass(frozen=True)
class LawSpec:
    """A candidate law of a backtest: its label, the Law value and which runs it is fitted to."""

    label: str
    law: Law
    scope: str  # "runs" (all runs) or "frontier" (the lower envelope of loss against `by`)
    starts: Any = None  # starts= of scalewatch.fit; None: the law's default global search

    @property
    def min_train(self) -> int:
        """Training runs needed: the parameters plus three, so residuals keep some spread."""
        return self.law.n_params + 3


def resolve_laws(laws: Any, by: str, *, what: str = "backtest") -> tuple[LawSpec, ...]:
    """Turn ``laws=`` (names or Law values) into :class:`LawSpec` values."""
    if isinstance(laws, (str, Law)):
        laws = (laws,)
    try:
        items = list(laws)
    except TypeError:
        raise TypeError(f"{what}(laws=...) takes law names or Law values; got {type(laws).__name__}.") from None
    if not items:
        raise ValueError(f"{what}(laws=()) is empty; name at least one law, e.g. laws=('chinchilla',).")
    specs = []
    for item in items:
        if isinstance(item, Law):
            scope = "frontier" if len(item.inputs) == 1 else "runs"
            specs.append(LawSpec(item.name, item, scope))
            continue
        if not isinstance(item, str):
            raise TypeError(f"{what}(laws=...) takes law names or Law values; got {item!r} ({type(item).__name__}).")
        if item == "chinchilla":
            specs.append(LawSpec(item, Chinchilla(), "runs"))
        elif item in ("kaplan_nd", "kaplan"):
            specs.append(LawSpec("kaplan_nd", KaplanND(), "runs"))
        elif item == "data_constrained":
            specs.append(LawSpec(item, DataConstrained(), "runs", _data_constrained_starts()))
        elif item == "saturating":
            specs.append(LawSpec(item, SaturatingPowerLaw(inputs=(by,)), "frontier"))
        elif item == "broken":
            specs.append(LawSpec(item, BrokenPowerLaw(n_breaks=1, inputs=(by,)), "frontier"))
        elif item == "broken2":
            specs.append(LawSpec(item, BrokenPowerLaw(n_breaks=2, inputs=(by,)), "frontier"))
        else:
            raise ValueError(f"{what}(laws=[{item!r}, ...]): unknown law name; known names: {', '.join(LAW_NAMES)} (or pass a Law).")
    labels = [s.label for s in specs]
    dup = sorted({lab for lab in labels if labels.count(lab) > 1})
    if dup:
        raise ValueError(f"{what}(laws=...) names {dup} more than once.")
    return tuple(specs)


def _data_constrained_starts() -> np.ndarray:
    """Starts for the data-constrained law: the authors' published constants and a coarse grid.

    The law's full 729-point exponent grid costs about a second per fit; the
    published C4 constants (Muennighoff et al. 2023) plus every 50th point of
    the default grid reach the same optimum on the datablations runs in a
    tenth of the time. The published values are prior knowledge, not data of
    the backtest, so no held-out information leaks into the training fits.
    """
    law = DataConstrained()
    pub = np.array([law.published[k] for k in law.param_names])
    return np.vstack([pub, law.default_grid()[::50]])


def _design(res: FitResult, rows: pd.DataFrame) -> np.ndarray:
    """Inputs of ``res.law`` for ``rows``, read the way :func:`scalewatch.fit` reads them."""
    return design_from(res.law, rows, None)
