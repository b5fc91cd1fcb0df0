"""The outcome of :func:`~scalewatch.analyses.pretraining.break_test`: statistics, break location and slope, out-of-sample check."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.findings import Result
from scalewatch.fitting import FitResult

__all__ = ["BreakTestResult"]


@dataclass(frozen=True, eq=False)
class BreakTestResult(Result):
    """Outcome of :func:`break_test`. Immutable.

    Attributes
    ----------
    law : str
        The law the breaks are tested against.
    by : str
        The variable the breaks are in (its log is the break axis).
    n_runs : int
        Runs the test used.
    stat1, p1 : float
        sup-F of one break and its wild-bootstrap p-value.
    stat2, p2 : float
        sup-F of two breaks and its p-value (NaN with ``max_breaks=1``).
    p_value : float
        Combined p-value: ``p1`` with one break allowed, else
        ``min(1, 2 min(p1, p2))`` (Bonferroni).
    n_breaks : int
        1 or 2: the alternative with the smaller p-value.
    break_at : tuple of float
        Estimated break location(s) in units of ``by``.
    break_interval : tuple of float
        Percentile interval of the one-break location (units of ``by``).
    slope_change : float
        One-break hinge coefficient as percent of loss per decade of ``by``
        (> 0: the loss falls slower than the law beyond the break).
    slope_interval : tuple of float
        Its percentile interval.
    oos : dict
        Out-of-sample check: ``cutoff``, ``n_train``, ``n_test``,
        ``rmse_law_pct``, ``rmse_broken_pct``, ``wins``, ``evaluable``.
    detected : bool
        The break rule's decision: ``robust_detected`` (a break is claimed only
        when it survives the robust null).
    iid_detected : bool
        ``p_value < level`` (i.i.d. null) and the broken law wins out of sample by ``margin``.
    robust_detected : bool
        ``p_robust < level`` and the broken law wins out of sample by ``margin``.
    p_robust, p1_robust, p2_robust : float
        p-values under the robust null: the law plus a polynomial of degree
        ``shape_degree`` in log(D/N), no change along ``by``; wild cluster
        bootstrap (signs flipped per group of ``n_groups``); combined as ``p_value``.
    misfit_sd_pct : float
        SD (percent of loss) of the fitted smooth term in log(D/N), net of what
        the law's own parameters absorb: the law's shape misfit that the robust null allows.
    shape_curve : pandas.DataFrame
        Sorted by ``tokens_per_param``: ``residual_pct``, the law's residual
        (log loss, percent), and ``shape_pct``, their least-squares polynomial
        of degree ``shape_degree`` in log D/N (a function of D/N alone): what
        explains an apparent bend when only the i.i.d. test fires.
    break_at_robust, slope_change_robust, slope_interval_robust : float, float, tuple
        The one-break location and slope change (% of loss per decade) beyond
        the shape term, with a wild-cluster-bootstrap percentile interval: the
        interval the break rule (``pretraining.break_slope``) judges.
    profile : pandas.DataFrame
        The one-break F statistic at each candidate break (``break_at``, ``F``).
    """

    law: str
    by: str
    scope: str
    n_runs: int
    stat1: float
    p1: float
    stat2: float
    p2: float
    p_value: float
    n_breaks: int
    break_at: tuple[float, ...]
    break_interval: tuple[float, float]
    slope_change: float
    slope_interval: tuple[float, float]
    oos: dict[str, Any]
    detected: bool
    level: float
    margin: float
    n_boot: int
    ci: float
    trim: float
    seed: int | None
    loss: str
    profile: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = field(repr=False, default=())
    fit: FitResult | None = field(repr=False, default=None)
    iid_detected: bool = False
    robust_detected: bool = False
    p_robust: float = math.nan
    p1_robust: float = math.nan
    p2_robust: float = math.nan
    stat1_robust: float = math.nan
    shape_degree: int = -1
    n_groups: int = 0
    misfit_sd_pct: float = math.nan
    shape_curve: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    break_at_robust: float = math.nan
    slope_change_robust: float = math.nan
    slope_interval_robust: tuple[float, float] = (math.nan, math.nan)

    def decision(self) -> Any:
        """The break verdict by rule ``pretraining.break_slope`` (:func:`scalewatch.findings.rules.break_verdict`).

        Judges the robust model's slope interval; the held-out check is the robust rule's
        (law + shape term + hinge against law + shape term) where it could be evaluated, else the law-only one.
        """
        from scalewatch.findings.rules import break_verdict

        o = self.oos
        wins = bool(o.get("robust_wins", False)) if o.get("robust_evaluable") else bool(o.get("evaluable", False) and o.get("wins", False))
        lo, hi = self.slope_interval_robust
        ok = math.isfinite(lo) and math.isfinite(hi)
        return break_verdict(p_iid=float(self.p_value), p_robust=float(self.p_robust), level=float(self.level), oos_wins=wins,
                             slope_low=float(lo) if ok else None, slope_high=float(hi) if ok else None)

    @property
    def explained_by_shape(self) -> bool:
        """True when the i.i.d. test fires (p_value < level) but the robust null does not: the bend is shape misfit."""
        return bool(self.p_value < self.level and not self.p_robust < self.level)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe summary."""
        return {
            "law": self.law,
            "by": self.by,
            "scope": self.scope,
            "n_runs": self.n_runs,
            "stat1": _f(self.stat1),
            "p1": _f(self.p1),
            "stat2": _f(self.stat2),
            "p2": _f(self.p2),
            "p_value": _f(self.p_value),
            "n_breaks": self.n_breaks,
            "break_at": [_f(b) for b in self.break_at],
            "break_interval": [_f(b) for b in self.break_interval],
            "slope_change_pct_per_decade": _f(self.slope_change),
            "slope_interval": [_f(b) for b in self.slope_interval],
            "oos": {k: (_f(v) if isinstance(v, float) else v) for k, v in self.oos.items()},
            "detected": bool(self.detected),
            "iid_detected": bool(self.iid_detected),
            "robust_detected": bool(self.robust_detected),
            "p_robust": _f(self.p_robust),
            "p1_robust": _f(self.p1_robust),
            "p2_robust": _f(self.p2_robust),
            "stat1_robust": _f(self.stat1_robust),
            "robust_null": self.robust_null(),
            "shape_degree": self.shape_degree,
            "n_groups": self.n_groups,
            "misfit_sd_pct": _f(self.misfit_sd_pct),
            "explained_by_shape": self.explained_by_shape,
            "decision": self.decision().to_dict(),
            "break_at_robust": _f(self.break_at_robust),
            "slope_change_robust_pct_per_decade": _f(self.slope_change_robust),
            "slope_interval_robust": [_f(b) for b in self.slope_interval_robust],
            "level": self.level,
            "margin": self.margin,
            "n_boot": self.n_boot,
            "ci": self.ci,
            "trim": self.trim,
            "seed": self.seed,
            "loss": self.loss,
            "notes": list(self.notes),
        }

    def report(self) -> str:
        pct = f"{100 * self.ci:g}%"
        o = self.oos
        lines = [
            f"[[Break test]] {self.law} + hinge(s) in log {self.by}, {self.n_runs} runs ({self.scope})",
            f"    one break   sup-F {self.stat1:.3g}, p = {self.p1:.3g} (wild bootstrap, {self.n_boot} draws)",
        ]
        if np.isfinite(self.stat2):
            lines.append(f"    two breaks  sup-F {self.stat2:.3g}, p = {self.p2:.3g}")
        lines += [
            f"    combined    p = {self.p_value:.3g} (level {self.level:g}; i.i.d. null)",
            f"    robust      p = {self.p_robust:.3g} ({self.robust_null()}); slope {self.slope_change_robust:+.3g}% per decade "
            f"[{self.slope_interval_robust[0]:+.3g}, {self.slope_interval_robust[1]:+.3g}] beyond {self.break_at_robust:.3g}",
            f"    location    {', '.join(f'{b:.3g}' for b in self.break_at)}; one-break {pct} interval "
            f"[{self.break_interval[0]:.3g}, {self.break_interval[1]:.3g}]",
            f"    slope       {self.slope_change:+.3g}% of loss per decade beyond the break [{self.slope_interval[0]:+.3g}, {self.slope_interval[1]:+.3g}]",
        ]
        if o.get("evaluable"):
            lines.append(
                f"    held out    {self.by} > {o['cutoff']:.3g}: {o['n_test']} runs, RMS excess law {o['rmse_law_pct']:.3g}% vs "
                f"with break {o['rmse_broken_pct']:.3g}% ({'wins' if o['wins'] else 'does not win'} by {100 * self.margin:g}%)"
            )
        else:
            lines.append(f"    held out    not evaluable ({o.get('reason', '')})")
        lines.append(f"    detected    {self.detected} (robust null; i.i.d. null alone: {self.iid_detected})")
        if self.explained_by_shape:
            lines.append(f"    shape       the apparent bend is explained by the law's misfit in tokens per parameter (SD {self.misfit_sd_pct:.2g}% of loss)")
        return "\n".join(lines)

    def robust_null(self) -> str:
        """The robust null in words."""
        shape = f"a degree-{self.shape_degree} polynomial in log(D/N)" if self.shape_degree >= 0 else "a level term"
        return f"{self.law} plus {shape}, no change along {self.by}; wild cluster bootstrap over {self.n_groups} groups"

    def __repr__(self) -> str:
        return f"BreakTestResult({self.law} in {self.by}: p={self.p_value:.3g}, robust p={self.p_robust:.3g}, detected={self.detected})"


def _f(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None
