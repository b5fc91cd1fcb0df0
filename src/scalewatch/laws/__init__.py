"""The law catalogue: each scaling law is a small immutable value.

Every law knows its formula, inputs, parameters (bounds, search scale and
default starting grid), citation, and gives vectorised predictions with
analytic Jacobians.

=======================  ===================  ==============================================
law                      inputs               reference
=======================  ===================  ==============================================
:class:`PowerLaw`        x                    y = A x^-alpha
:class:`SaturatingPowerLaw`  x                L = E + A x^-alpha
:class:`KaplanN`         N                    Kaplan et al. (2020), eq. 1.1
:class:`KaplanD`         D                    Kaplan et al. (2020), eq. 1.2
:class:`KaplanC`         C (FLOP)             Kaplan et al. (2020), eq. 1.3
:class:`KaplanND`        N, D                 Kaplan et al. (2020), eq. 1.5
:class:`Chinchilla`      N, D                 Hoffmann et al. (2022), eq. 2
:class:`DataConstrained` N, D, U_D            Muennighoff et al. (2023), eqs. 5-7
:class:`BrokenPowerLaw`  x                    Caballero et al. (2022), eq. 1
:class:`Sigmoid`         x                    four-parameter logistic link to scores
:func:`custom`           any                  a user's own Python function
=======================  ===================  ==============================================

>>> from scalewatch import laws
>>> laws.Chinchilla().param_names
('E', 'A', 'B', 'alpha', 'beta')
>>> laws.BrokenPowerLaw(n_breaks=1).param_names
('a', 'b', 'c0', 'c1', 'd1', 'f1')
>>> laws.get("broken_power_law", n_breaks=2).n_params
9
"""

from scalewatch.laws._base import Law, Param, as_design
from scalewatch.laws._bnsl import BrokenPowerLaw
from scalewatch.laws._chinchilla import Chinchilla
from scalewatch.laws._custom import CustomLaw, custom
from scalewatch.laws._data_constrained import DataConstrained
from scalewatch.laws._kaplan import PF_DAY, KaplanC, KaplanD, KaplanN, KaplanND
from scalewatch.laws._power import PowerLaw, SaturatingPowerLaw
from scalewatch.laws._registry import catalogue, get
from scalewatch.laws._sigmoid import Sigmoid

__all__ = [
    "Law",
    "Param",
    "as_design",
    "Chinchilla",
    "PowerLaw",
    "SaturatingPowerLaw",
    "KaplanN",
    "KaplanD",
    "KaplanC",
    "KaplanND",
    "PF_DAY",
    "DataConstrained",
    "BrokenPowerLaw",
    "Sigmoid",
    "CustomLaw",
    "custom",
    "catalogue",
    "get",
]
