r"""The laws of Kaplan et al. (2020): L(N), L(D), L(C_min) and L(N, D).

Each single-input law is :math:`L(X) = (X_c / X)^{\alpha_X}`; the constant
:math:`X_c` is huge (~1e13) and enters through :math:`\alpha \log X_c`, so it
is searched on log scale. Kaplan's published constants are kept in each
class's ``published`` mapping for reference and comparison; they are never
used as fitted defaults.

Units (as in the paper): N counts *non-embedding* parameters, D tokens, loss
is in nats/token on WebText2. C is in FLOP, scalewatch's unit; Kaplan quote
:math:`C_c` in PF-days (1 PF-day = 1e15 x 86400 = 8.64e19 FLOP), converted here.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar

import numpy as np

from scalewatch.laws._base import Law, Param
from scalewatch.laws._common import log_positive

__all__ = ["KaplanN", "KaplanD", "KaplanC", "KaplanND", "PF_DAY"]

#: FLOP in one petaflop/s-day: 1e15 FLOP/s x 86400 s (Kaplan et al. 2020, section 1.3).
PF_DAY = 8.64e19

_CITATION = "Kaplan et al. (2020), 'Scaling Laws for Neural Language Models', arXiv:2001.08361"
_ALPHA_GRID = (0.02, 0.05, 0.1, 0.2, 0.5)


@dataclass(frozen=True)
class _KaplanOne(Law):
    """L(X) = (Xc / X)^alpha for one input X; subclasses name X and the constants."""

    _const: ClassVar[str] = "Xc"
    _alpha: ClassVar[str] = "alphaX"
    _const_grid: ClassVar[tuple[float, ...]] = ()
    _const_doc: ClassVar[str] = ""

    @property
    def parameters(self) -> tuple[Param, ...]:
        return (
            Param(self._const, 0.0, np.inf, "log", self._const_grid, self._const_doc),
            Param(self._alpha, 0.0, 3.0, "linear", _ALPHA_GRID, "exponent"),
        )

    def prepare(self, X: np.ndarray) -> np.ndarray:
        (log_x,) = log_positive(self, X)
        return log_x  # (n,)

    def evaluate(self, features, theta, jac=False):
        log_x = features
        xc, alpha = theta[..., 0, None], theta[..., 1, None]
        gap = np.log(xc) - log_x  # log(Xc / X), (..., n)
        pred = np.exp(alpha * gap)
        if not jac:
            return pred, None
        return pred, np.stack([alpha / xc * pred, gap * pred], axis=-1)


@dataclass(frozen=True)
class KaplanN(_KaplanOne):
    r"""Loss of a model of N non-embedding parameters trained to convergence.

    .. math:: L(N) = (N_c / N)^{\alpha_N}

    Published (Kaplan et al. 2020, eq. 1.1): :math:`\alpha_N \approx 0.076`,
    :math:`N_c \approx 8.8 \times 10^{13}` non-embedding parameters (loss in
    nats/token on WebText2); see :attr:`published`.

    References
    ----------
    Kaplan et al. (2020), arXiv:2001.08361, eq. 1.1.

    Examples
    --------
    >>> law = KaplanN()
    >>> round(float(law.predict({"N": [1e9]}, law.published)[0]), 4)
    2.3756
    """

    name: ClassVar[str] = "kaplan_n"
    inputs: ClassVar[tuple[str, ...]] = ("N",)
    formula: ClassVar[str] = "L = (Nc / N)^alphaN"
    citation: ClassVar[str] = _CITATION + ", eq. 1.1"
    published: ClassVar[MappingProxyType] = MappingProxyType({"Nc": 8.8e13, "alphaN": 0.076})
    _const: ClassVar[str] = "Nc"
    _alpha: ClassVar[str] = "alphaN"
    _const_grid: ClassVar[tuple[float, ...]] = (1e10, 1e12, 1e14, 1e16)
    _const_doc: ClassVar[str] = "critical size, non-embedding parameters"


@dataclass(frozen=True)
class KaplanD(_KaplanOne):
    r"""Loss of a large model trained on D tokens with early stopping.

    .. math:: L(D) = (D_c / D)^{\alpha_D}

    Published (Kaplan et al. 2020, eq. 1.2): :math:`\alpha_D \approx 0.095`,
    :math:`D_c \approx 5.4 \times 10^{13}` tokens; see :attr:`published`.

    References
    ----------
    Kaplan et al. (2020), arXiv:2001.08361, eq. 1.2.
    """

    name: ClassVar[str] = "kaplan_d"
    inputs: ClassVar[tuple[str, ...]] = ("D",)
    formula: ClassVar[str] = "L = (Dc / D)^alphaD"
    citation: ClassVar[str] = _CITATION + ", eq. 1.2"
    published: ClassVar[MappingProxyType] = MappingProxyType({"Dc": 5.4e13, "alphaD": 0.095})
    _const: ClassVar[str] = "Dc"
    _alpha: ClassVar[str] = "alphaD"
    _const_grid: ClassVar[tuple[float, ...]] = (1e10, 1e12, 1e14, 1e16)
    _const_doc: ClassVar[str] = "critical dataset size, tokens"


@dataclass(frozen=True)
class KaplanC(_KaplanOne):
    r"""Loss at compute-efficient training with minimum compute C, in FLOP.

    .. math:: L(C) = (C_c / C)^{\alpha_C}

    Published (Kaplan et al. 2020, eq. 1.3, the :math:`C_{min}` fit):
    :math:`\alpha_C^{min} \approx 0.050`,
    :math:`C_c^{min} \approx 3.1 \times 10^{8}` PF-days
    :math:`= 3.1 \times 10^{8} \times 8.64 \times 10^{19} \approx 2.68 \times 10^{28}` FLOP.
    :attr:`published` holds ``Cc`` in FLOP (the unit of this law's input);
    ``published_pf_days`` keeps the paper's unit. Rescaling C by any factor is
    absorbed by ``Cc``, so a fit in PF-days gives ``Cc`` in PF-days.

    References
    ----------
    Kaplan et al. (2020), arXiv:2001.08361, eq. 1.3 (C_min, with the PF-day
    defined in section 1.3).
    """

    name: ClassVar[str] = "kaplan_c"
    inputs: ClassVar[tuple[str, ...]] = ("C",)
    formula: ClassVar[str] = "L = (Cc / C)^alphaC"
    citation: ClassVar[str] = _CITATION + ", eq. 1.3 (C_min)"
    published: ClassVar[MappingProxyType] = MappingProxyType({"Cc": 3.1e8 * PF_DAY, "alphaC": 0.050})
    published_pf_days: ClassVar[MappingProxyType] = MappingProxyType({"Cc": 3.1e8, "alphaC": 0.050})
    _const: ClassVar[str] = "Cc"
    _alpha: ClassVar[str] = "alphaC"
    _const_grid: ClassVar[tuple[float, ...]] = (1e22, 1e25, 1e28, 1e31)
    _const_doc: ClassVar[str] = "critical compute, FLOP"


@dataclass(frozen=True)
class KaplanND(Law):
    r"""Loss from non-embedding parameters N and tokens D, with overfitting.

    .. math:: L(N, D) = \left[\left(\frac{N_c}{N}\right)^{\alpha_N / \alpha_D} + \frac{D_c}{D}\right]^{\alpha_D}

    Recovers :class:`KaplanN` as :math:`D \to \infty` and :class:`KaplanD` as
    :math:`N \to \infty`. Evaluated as
    :math:`\exp(\alpha_D\, \mathrm{logaddexp}(u, v))` with
    :math:`u = (\alpha_N/\alpha_D) \log(N_c/N)` and :math:`v = \log(D_c/D)`,
    which neither overflows nor loses the smaller term. Both exponents are
    searched on log scale: :math:`\alpha_D` divides, so it must stay > 0.

    Published (Kaplan et al. 2020, Table 2, fit of eq. 1.5):
    :math:`\alpha_N = 0.076`, :math:`\alpha_D = 0.103`,
    :math:`N_c = 6.4 \times 10^{13}`, :math:`D_c = 1.8 \times 10^{13}`;
    see :attr:`published`.

    References
    ----------
    Kaplan et al. (2020), arXiv:2001.08361, eq. 1.5 and Table 2.
    """

    name: ClassVar[str] = "kaplan_nd"
    inputs: ClassVar[tuple[str, ...]] = ("N", "D")
    formula: ClassVar[str] = "L = ((Nc / N)^(alphaN / alphaD) + Dc / D)^alphaD"
    citation: ClassVar[str] = _CITATION + ", eq. 1.5 (constants: Table 2)"
    published: ClassVar[MappingProxyType] = MappingProxyType(
        {"Nc": 6.4e13, "Dc": 1.8e13, "alphaN": 0.076, "alphaD": 0.103}
    )

    @property
    def parameters(self) -> tuple[Param, ...]:
        grid = (1e10, 1e12, 1e14, 1e16)
        return (
            Param("Nc", 0.0, np.inf, "log", grid, "critical size, non-embedding parameters"),
            Param("Dc", 0.0, np.inf, "log", grid, "critical dataset size, tokens"),
            Param("alphaN", 0.0, 3.0, "log", (0.05, 0.1, 0.2, 0.4), "model-size exponent"),
            Param("alphaD", 0.0, 3.0, "log", (0.05, 0.1, 0.2, 0.4), "data exponent"),
        )

    def prepare(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return log_positive(self, X)  # log N, log D: (n,), (n,)

    def evaluate(self, features, theta, jac=False):
        log_n, log_d = features
        nc, dc, an, ad = (theta[..., i, None] for i in range(4))
        gap_n = np.log(nc) - log_n  # log(Nc / N)
        ratio = an / ad
        u = ratio * gap_n
        v = np.log(dc) - log_d  # log(Dc / D)
        s = np.logaddexp(u, v)  # log of the bracket
        pred = np.exp(ad * s)
        if not jac:
            return pred, None
        wu = np.exp(u - s)  # share of the N term in the bracket, in [0, 1]
        wv = np.exp(v - s)
        cols = [
            pred * wu * an / nc,  # dL/dNc
            pred * ad * wv / dc,  # dL/dDc
            pred * wu * gap_n,  # dL/dalphaN
            pred * (s - wu * u),  # dL/dalphaD
        ]
        return pred, np.stack(cols, axis=-1)
