"""One-input power laws: y = A x^-alpha and L = E + A x^-alpha."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from scalewatch.laws._base import Law, Param
from scalewatch.laws._common import log_positive, normalise_inputs, ones

__all__ = ["PowerLaw", "SaturatingPowerLaw"]

# Coefficients span many decades (A = y x^alpha): the exp(0), exp(5), ..., exp(25)
# grid of Hoffmann et al. (2022), Appendix D.2, searched on log scale.
_COEF_GRID = tuple(float(np.exp(a)) for a in (0.0, 5.0, 10.0, 15.0, 20.0, 25.0))
_E_GRID = tuple(float(np.exp(e)) for e in (-1.0, -0.5, 0.0, 0.5, 1.0))
# Loss exponents seen in practice are 0.05-0.5 (Kaplan et al. 2020; Hoffmann et al. 2022).
_EXPONENT_GRID = (0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.0)


@dataclass(frozen=True)
class PowerLaw(Law):
    r"""Pure power law in one input.

    .. math:: y = A\, x^{-\alpha}

    A straight line of slope :math:`-\alpha` on log-log axes. ``alpha`` may be
    negative (a growing quantity). Rescaling the input, :math:`x \to c\,x`,
    leaves the curve unchanged if :math:`A \to A\, c^{\alpha}`.

    Parameters
    ----------
    inputs : str or tuple of one str, default ``("x",)``
        Name of the data column holding x (for example ``"N"`` or ``"C"``).

    References
    ----------
    The single-variable laws of Kaplan et al. (2020), arXiv:2001.08361, eqs.
    1.1-1.3, are of this form with :math:`A = X_c^{\alpha}`
    (see :class:`KaplanN`).

    Examples
    --------
    >>> law = PowerLaw()
    >>> round(float(law({"x": [100.0]}, A=10.0, alpha=0.5)[0]), 12)
    1.0
    """

    name: ClassVar[str] = "power_law"
    formula: ClassVar[str] = "y = A x^-alpha"
    citation: ClassVar[str] = "power law on log-log axes; cf. Kaplan et al. (2020), arXiv:2001.08361, eqs. 1.1-1.3"
    linear_params: ClassVar[tuple[str, ...]] = ("A",)
    inputs: tuple[str, ...] = field(default=("x",), kw_only=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", normalise_inputs(type(self).__name__, self.inputs, 1))

    @property
    def parameters(self) -> tuple[Param, ...]:
        return (
            Param("A", 0.0, np.inf, "log", _COEF_GRID, "coefficient, units of y x x^alpha"),
            Param("alpha", -np.inf, np.inf, "linear", (-0.5, *_EXPONENT_GRID), "exponent; > 0 for a decreasing law"),
        )

    def prepare(self, X: np.ndarray) -> np.ndarray:
        (log_x,) = log_positive(self, X)
        return log_x  # (n,)

    def evaluate(self, features, theta, jac=False):
        log_x = features
        A, alpha = theta[..., 0, None], theta[..., 1, None]
        px = np.exp(-alpha * log_x)  # x^-alpha, (..., n)
        pred = A * px
        if not jac:
            return pred, None
        return pred, np.stack([px, -log_x * pred], axis=-1)


@dataclass(frozen=True)
class SaturatingPowerLaw(Law):
    r"""Power law that levels off at an irreducible value.

    .. math:: L = E + A\, x^{-\alpha}

    The one-input reduction of Chinchilla's law: E is the irreducible loss
    (nats/token) and :math:`A x^{-\alpha}` the reducible part. Rescaling
    :math:`x \to c\,x` is absorbed by :math:`A \to A\, c^{\alpha}` with E unchanged.

    Parameters
    ----------
    inputs : str or tuple of one str, default ``("x",)``
        Name of the data column holding x (``"N"``, ``"D"`` or ``"C"``).

    References
    ----------
    Hoffmann et al. (2022), arXiv:2203.15556, eq. 2 with one input held
    infinite; Henighan et al. (2020), "Scaling Laws for Autoregressive
    Generative Modeling", arXiv:2010.14701, eq. 1.1.

    Examples
    --------
    >>> law = SaturatingPowerLaw()
    >>> round(float(law({"x": [100.0]}, E=1.5, A=10.0, alpha=0.5)[0]), 12)
    2.5
    """

    name: ClassVar[str] = "saturating_power_law"
    formula: ClassVar[str] = "L = E + A x^-alpha"
    citation: ClassVar[str] = "Henighan et al. (2020), arXiv:2010.14701, eq. 1.1; Hoffmann et al. (2022), eq. 2"
    linear_params: ClassVar[tuple[str, ...]] = ("E", "A")
    inputs: tuple[str, ...] = field(default=("x",), kw_only=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", normalise_inputs(type(self).__name__, self.inputs, 1))

    @property
    def parameters(self) -> tuple[Param, ...]:
        return (
            Param("E", 0.0, np.inf, "log", _E_GRID, "irreducible loss, units of L"),
            Param("A", 0.0, np.inf, "log", _COEF_GRID, "coefficient, units of L x x^alpha"),
            Param("alpha", 0.0, 3.0, "linear", _EXPONENT_GRID, "exponent"),
        )

    def prepare(self, X: np.ndarray) -> np.ndarray:
        (log_x,) = log_positive(self, X)
        return log_x  # (n,)

    def evaluate(self, features, theta, jac=False):
        log_x = features
        E, A, alpha = (theta[..., i, None] for i in range(3))
        px = np.exp(-alpha * log_x)
        term = A * px
        pred = E + term
        if not jac:
            return pred, None
        return pred, np.stack([ones(pred), px, -log_x * term], axis=-1)
