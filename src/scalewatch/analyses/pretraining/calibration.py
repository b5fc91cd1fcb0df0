"""Calibration of the break test: its false-alarm and detection rates on synthetic isoFLOP designs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.pretraining.break_result import _f
from scalewatch.analyses.pretraining.breaks import _LN10, _check_level, _seed_repr, break_test
from scalewatch.analyses.pretraining.data import runs_table
from scalewatch.findings import Result
from scalewatch.laws import Chinchilla, Law

__all__ = ["CalibrationResult", "synthetic_isoflop_design", "calibrate_break_test", "HOFFMANN_CONSTANTS"]


@dataclass(frozen=True, eq=False)
class CalibrationResult(Result):
    """False-alarm and detection rates of the break rule on synthetic runs. Immutable.

    Attributes
    ----------
    false_alarm_rate, detection_rate : float
        Share of null datasets (no break) and of planted-break datasets on
        which a break was *detected* (significant and winning out of sample).
    false_alarm_interval, detection_interval : tuple of float
        95% Clopper-Pearson intervals of the two rates.
    significant_rate_null, significant_rate_break : float
        The same shares for the significance part alone (``p < level``).
    p_null, p_break : ndarray
        Combined p-values per synthetic dataset.
    """

    n_datasets: int
    level: float
    false_alarm_rate: float
    false_alarm_interval: tuple[float, float]
    detection_rate: float
    detection_interval: tuple[float, float]
    significant_rate_null: float
    significant_rate_break: float
    break_at: float
    break_slope_pct_per_decade: float
    noise: str
    design: str
    law: str
    seed: int | None
    p_null: np.ndarray = field(repr=False)
    p_break: np.ndarray = field(repr=False)
    detected_null: np.ndarray = field(repr=False)
    detected_break: np.ndarray = field(repr=False)
    located: np.ndarray = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_datasets": self.n_datasets,
            "level": self.level,
            "false_alarm_rate": self.false_alarm_rate,
            "false_alarm_interval": list(self.false_alarm_interval),
            "detection_rate": self.detection_rate,
            "detection_interval": list(self.detection_interval),
            "significant_rate_null": self.significant_rate_null,
            "significant_rate_break": self.significant_rate_break,
            "break_at": self.break_at,
            "break_slope_pct_per_decade": self.break_slope_pct_per_decade,
            "noise": self.noise,
            "design": self.design,
            "law": self.law,
            "seed": self.seed,
            "median_located_break": _f(np.nanmedian(self.located)) if np.any(np.isfinite(self.located)) else None,
        }

    def report(self) -> str:
        return "\n".join(
            [
                f"[[Break-test calibration]] {self.n_datasets} synthetic datasets each way, level {self.level:g}",
                f"    design      {self.design}; truth {self.law}; noise {self.noise}",
                f"    false alarm {self.false_alarm_rate:.3f} [{self.false_alarm_interval[0]:.3f}, {self.false_alarm_interval[1]:.3f}]"
                f" (significant alone {self.significant_rate_null:.3f})",
                f"    detection   {self.detection_rate:.3f} [{self.detection_interval[0]:.3f}, {self.detection_interval[1]:.3f}]"
                f" for a break at {self.break_at:.3g} of {self.break_slope_pct_per_decade:+.3g}% per decade"
                f" (significant alone {self.significant_rate_break:.3f})",
            ]
        )

    def __repr__(self) -> str:
        return f"CalibrationResult(false alarm {self.false_alarm_rate:.3f}, detection {self.detection_rate:.3f}, {self.n_datasets} datasets each)"


def _clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    from scipy.special import betaincinv  # scipy.stats would cost ~1 s of import time

    a = 1 - level
    lo = 0.0 if k == 0 else float(betaincinv(k, n - k + 1, a / 2))
    hi = 1.0 if k == n else float(betaincinv(k + 1, n - k, 1 - a / 2))
    return lo, hi


#: Hoffmann et al. (2022), Approach 3 constants (eq. 10): the default synthetic truth.
HOFFMANN_CONSTANTS: Mapping[str, float] = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def synthetic_isoflop_design(budgets: Sequence[float] = tuple(np.geomspace(1e18, 1e21, 8)), sizes_per_budget: int = 7) -> pd.DataFrame:
    r"""An isoFLOP design like Hoffmann et al.'s: at each budget, model sizes around the optimum.

    For each FLOP budget C, ``sizes_per_budget`` model sizes spaced evenly in
    log N from a quarter to four times the Chinchilla-optimal size
    :math:`N_{opt} = \sqrt{C / (6 \cdot 20)}` (20 tokens per parameter), and
    D = C / (6 N).
    """
    rows = []
    for C in budgets:
        n_opt = math.sqrt(C / (6 * 20))
        for N in np.geomspace(n_opt / 4, n_opt * 4, sizes_per_budget):
            rows.append({"params": N, "tokens": C / (6 * N), "compute": C})
    return pd.DataFrame(rows)


def calibrate_break_test(
    n_datasets: int = 40,
    *,
    design: Any = None,
    law: Law | None = None,
    truth: Mapping[str, float] | None = None,
    noise: float | np.ndarray = 0.01,
    by: str = "compute",
    break_at: float | None = None,
    break_slope: float = 3.0,
    level: float = 0.05,
    margin: float = 0.05,
    max_breaks: int = 2,
    n_boot: int = 199,
    seed: int | np.random.Generator | None = 0,
) -> CalibrationResult:
    r"""False-alarm and detection rates of :func:`break_test` on synthetic runs.

    ``n_datasets`` datasets are drawn from the law without a break and as many
    with one planted break; the full decision rule (significance and the
    out-of-sample win) runs on each.

    Parameters
    ----------
    n_datasets : int, default 40
        Synthetic datasets of each kind.
    design : DataFrame, Dataset or mapping, optional
        The runs' inputs (N, D, and ``by``); default
        :func:`synthetic_isoflop_design` (8 budgets from 1e18 to 1e21 FLOP, 7 sizes each).
    law : Law, optional
        Truth and null law; default :class:`~scalewatch.laws.Chinchilla`.
    truth : mapping, optional
        True parameters; default Hoffmann et al.'s Approach 3 constants.
    noise : float or array, default 0.01
        Scatter of log loss: a Gaussian standard deviation, or an array of
        residuals (log scale) resampled with replacement, e.g. a real fit's.
    by : str, default "compute"
        The break axis.
    break_at : float, optional
        Planted break location in units of ``by``; default the geometric
        middle of the design's range.
    break_slope : float, default 3.0
        Planted change of slope, percent of loss per decade of ``by`` beyond
        the break (positive: the loss falls slower, the direction of a wall).
    level, margin, max_breaks :
        As in :func:`break_test`.
    n_boot : int, default 199
        Wild-bootstrap draws per test.
    seed : int, Generator or None, default 0
        Seed of the synthetic noise and of every test.

    Returns
    -------
    CalibrationResult

    Notes
    -----
    Each synthetic fit starts from the true parameters rather than a global
    search: on these well-posed designs the search finds the same optimum, and
    the calibration stays cheap enough to run in every report.
    """
    if isinstance(n_datasets, bool) or not isinstance(n_datasets, (int, np.integer)) or n_datasets < 5:
        raise ValueError(f"calibrate_break_test(n_datasets={n_datasets!r}); use an integer >= 5 (20-40 for a quick check).")
    level = _check_level("calibrate_break_test", "level", level)
    law = law if law is not None else Chinchilla()
    if not isinstance(law, Law):
        raise TypeError(f"calibrate_break_test(law=...) takes a Law; got {type(law).__name__}.")
    truth = dict(truth if truth is not None else (HOFFMANN_CONSTANTS if isinstance(law, Chinchilla) else {}))
    theta = law.theta_array(truth)
    if design is None:
        design_df = synthetic_isoflop_design()
        design_desc = "isoFLOP design, 8 budgets 1e18-1e21 FLOP x 7 sizes (N_opt/4 to 4 N_opt)"
    else:
        design_df = _with_dummy_loss(design)
        design_desc = f"the design of the given runs ({len(design_df)} runs)"
    if by not in design_df.columns:
        raise ValueError(f"calibrate_break_test(by={by!r}): the design has no such column ({list(design_df.columns)}).")
    from scalewatch.fitting import design_from

    X = design_from(law, design_df, None)
    base = law.predict(X, theta)
    t = np.log(design_df[by].to_numpy(float))
    tb = float(np.log(break_at)) if break_at is not None else 0.5 * (t.min() + t.max())
    slope = break_slope / 100.0 / _LN10  # per e-fold of `by`
    planted = slope * np.maximum(t - tb, 0.0)
    rng = np.random.default_rng(seed)
    if np.ndim(noise) == 0:
        if not (float(noise) > 0):
            raise ValueError(f"calibrate_break_test(noise={noise!r}); use a positive standard deviation of log loss, e.g. 0.01.")
        draw = lambda: rng.normal(0.0, float(noise), size=len(base))  # noqa: E731
        noise_desc = f"Gaussian, sd {float(noise):g} in log loss"
    else:
        pool = np.asarray(noise, dtype=float)
        pool = pool[np.isfinite(pool)]
        if pool.size < 5:
            raise ValueError("calibrate_break_test(noise=<array>) needs at least 5 finite residuals to resample.")
        pool = pool - np.median(pool)
        draw = lambda: rng.choice(pool, size=len(base), replace=True)  # noqa: E731
        noise_desc = f"resampled residuals ({pool.size}, median-centred)"
    starts = theta[None, :]
    p_null, p_brk, d_null, d_brk, located = [], [], [], [], []
    for kind in ("null", "break"):
        for _ in range(int(n_datasets)):
            logy = np.log(base) + draw() + (planted if kind == "break" else 0.0)
            df = design_df.assign(loss=np.exp(logy))
            res = break_test(
                df, law, by=by, scope="runs", max_breaks=max_breaks, level=level, margin=margin,
                n_boot=n_boot, starts=starts, out_of_sample="if_significant", seed=rng,
            )
            if kind == "null":
                p_null.append(res.p_value)
                d_null.append(res.detected)
            else:
                p_brk.append(res.p_value)
                d_brk.append(res.detected)
                located.append(res.break_at[0] if res.n_breaks == 1 else np.nan)
    p_null_a, p_brk_a = np.array(p_null), np.array(p_brk)
    d_null_a, d_brk_a = np.array(d_null, dtype=bool), np.array(d_brk, dtype=bool)
    n = int(n_datasets)
    return CalibrationResult(
        n_datasets=n,
        level=level,
        false_alarm_rate=float(d_null_a.mean()),
        false_alarm_interval=_clopper_pearson(int(d_null_a.sum()), n),
        detection_rate=float(d_brk_a.mean()),
        detection_interval=_clopper_pearson(int(d_brk_a.sum()), n),
        significant_rate_null=float(np.mean(p_null_a < level)),
        significant_rate_break=float(np.mean(p_brk_a < level)),
        break_at=float(np.exp(tb)),
        break_slope_pct_per_decade=float(break_slope),
        noise=noise_desc,
        design=design_desc,
        law=f"{law.name} " + ", ".join(f"{k}={v:.4g}" for k, v in zip(law.param_names, theta)),
        seed=_seed_repr(seed),
        p_null=p_null_a,
        p_break=p_brk_a,
        detected_null=d_null_a,
        detected_break=d_brk_a,
        located=np.array(located, dtype=float),
    )


def _with_dummy_loss(design: Any) -> pd.DataFrame:
    if isinstance(design, pd.DataFrame) and "loss" not in design.columns:
        design = design.assign(loss=1.0)
    elif isinstance(design, Mapping) and "loss" not in design:
        design = {**design, "loss": np.ones(len(next(iter(design.values()))))}
    return runs_table(design, what="calibrate_break_test(design=...)")
