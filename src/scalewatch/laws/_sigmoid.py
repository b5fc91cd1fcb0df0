r"""Sigmoid link from a scale variable (loss or log-compute) to a benchmark score."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from scipy.special import expit

from scalewatch.laws._base import Law, Param
from scalewatch.laws._common import normalise_inputs

__all__ = ["Sigmoid"]

# Midpoints for the two usual choices of x: a loss in nats (about 1 to 6) or
# log10 of training FLOP (about 18 to 26).
_X0_GRID = (1.0, 2.0, 3.0, 4.5, 6.0, 18.0, 21.0, 24.0)
_K_GRID = (0.3, 1.0, 3.0, 10.0)


@dataclass(frozen=True)
class Sigmoid(Law):
    r"""Benchmark score as a logistic function of a scale variable x.

    .. math:: y = \mathrm{floor} + (\mathrm{ceiling} - \mathrm{floor})\, \sigma(\pm k\, (x - x_0))

    with :math:`\sigma(u) = 1 / (1 + e^{-u})`, the sign + when ``increasing``
    (x = log-compute: scores rise with x) and - otherwise (x = loss: scores
    fall as loss rises). ``floor`` is the score far on the weak side (chance
    level for multiple choice), ``ceiling`` the score far on the strong side,
    ``x0`` the midpoint and ``k > 0`` the steepness in units of 1/x. Fixing
    the direction keeps ``k`` positive, so the fit cannot swap floor and
    ceiling and flip the sign of k to draw the same curve.

    Predictions can be 0 or negative in floating point (``positive = False``),
    so fit this law with ``space="linear"``.

    Parameters
    ----------
    floor : float or None, default None
        Fixed floor (e.g. ``0.25`` for four-way multiple choice); the law then
        has parameters ``ceiling, k, x0`` only. ``None`` fits the floor.
    increasing : bool, default True
        Direction of the curve in x (see above).
    score_range : (float, float), default (0.0, 1.0)
        Bounds of floor and ceiling; ``(0.0, 100.0)`` for percentages.
    inputs : str or tuple of one str, default ``("x",)``
        Name of the data column holding x.

    References
    ----------
    Ruan, Maddison & Hashimoto (2024), "Observational Scaling Laws and the
    Predictability of Language Model Performance", arXiv:2405.10938 (a
    sigmoid link from a scale variable to benchmark accuracy); Owen (2024),
    "How predictable is language model benchmark performance?",
    arXiv:2401.04757 (sigmoids of log-compute with a chance-level floor).
    This is the generic four-parameter logistic; see those papers for their
    exact parametrisations.

    Examples
    --------
    >>> law = Sigmoid(floor=0.25)
    >>> law.param_names
    ('ceiling', 'k', 'x0')
    >>> float(law({"x": [3.0]}, ceiling=0.75, k=2.0, x0=3.0)[0])
    0.5
    """

    name: ClassVar[str] = "sigmoid"
    output: ClassVar[str] = "score"
    citation: ClassVar[str] = (
        "four-parameter logistic link as in Ruan et al. (2024), arXiv:2405.10938, and Owen (2024), arXiv:2401.04757"
    )
    positive: ClassVar[bool] = False

    floor: float | None = None
    increasing: bool = True
    score_range: tuple[float, float] = (0.0, 1.0)
    inputs: tuple[str, ...] = field(default=("x",), kw_only=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", normalise_inputs("Sigmoid", self.inputs, 1))
        if not isinstance(self.increasing, bool):
            raise TypeError(f"Sigmoid(increasing={self.increasing!r}): pass True or False.")
        try:
            lo, hi = (float(v) for v in self.score_range)
        except (TypeError, ValueError):
            raise TypeError(
                f"Sigmoid(score_range={self.score_range!r}): pass two numbers (lowest, highest), e.g. (0.0, 1.0)."
            ) from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(
                f"Sigmoid(score_range={self.score_range!r}): need finite lowest < highest, e.g. (0.0, 1.0) or (0.0, 100.0)."
            )
        object.__setattr__(self, "score_range", (lo, hi))
        if self.floor is not None:
            try:
                f = float(self.floor)
            except (TypeError, ValueError):
                raise TypeError(f"Sigmoid(floor={self.floor!r}): the floor must be a number or None.") from None
            if not (lo <= f <= hi):
                raise ValueError(
                    f"Sigmoid(floor={self.floor!r}): the floor must lie in score_range [{lo:g}, {hi:g}]; "
                    "e.g. floor=0.25 for four-way multiple choice scored in [0, 1]."
                )
            object.__setattr__(self, "floor", f)

    @property
    def parameters(self) -> tuple[Param, ...]:
        lo, hi = self.score_range
        span = hi - lo
        ps = []
        if self.floor is None:
            ps.append(Param("floor", lo, hi, "linear", (lo, lo + 0.25 * span), "score far on the weak side"))
        ps += [
            Param("ceiling", lo, hi, "linear", tuple(lo + t * span for t in (0.5, 0.75, 1.0)), "score far on the strong side"),
            Param("k", 0.0, np.inf, "log", _K_GRID, "steepness, 1/units of x"),
            Param("x0", -np.inf, np.inf, "linear", _X0_GRID, "midpoint, units of x"),
        ]
        return tuple(ps)

    @property
    def formula(self) -> str:  # type: ignore[override]
        floor = "floor" if self.floor is None else f"{self.floor:g}"
        sign = "-" if self.increasing else ""
        return f"y = {floor} + (ceiling - {floor}) / (1 + exp({sign}k ({self.inputs[0]} - x0)))"

    @property
    def linear_params(self) -> tuple[str, ...]:
        return ("ceiling",) if self.floor is not None else ("floor", "ceiling")

    def describe(self) -> str:
        direction = "increasing" if self.increasing else "decreasing"
        text = super().describe() + f"\ndirection: {direction} in {self.inputs[0]}"
        if self.floor is not None:
            text += f"\nfixed: floor={self.floor:g}"
        return text

    def prepare(self, X: np.ndarray) -> np.ndarray:
        return X[:, 0].copy()  # (n,)

    def evaluate(self, features, theta, jac=False):
        x = features
        if self.floor is None:
            floor = theta[..., 0, None]
            rest = theta[..., 1:]
        else:
            floor = self.floor
            rest = theta
        ceiling, k, x0 = rest[..., 0, None], rest[..., 1, None], rest[..., 2, None]
        sign = 1.0 if self.increasing else -1.0
        dx = x - x0
        u = sign * k * dx
        sig = expit(u)
        height = ceiling - floor
        pred = floor + height * sig
        if not jac:
            return pred, None
        slope = height * sig * expit(-u) * sign  # d pred / d(k (x - x0)) with the sign
        cols = [sig, slope * dx, -slope * k]
        if self.floor is None:
            cols.insert(0, expit(-u))
        cols = [np.broadcast_to(c, pred.shape) for c in cols]
        return pred, np.stack(cols, axis=-1)
