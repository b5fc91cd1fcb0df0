"""The law catalogue: each scaling law is a small immutable value.

>>> from scalewatch import laws
>>> laws.Chinchilla().param_names
('E', 'A', 'B', 'alpha', 'beta')
"""

from scalewatch.laws._base import Law, Param, as_design
from scalewatch.laws._chinchilla import Chinchilla

__all__ = ["Law", "Param", "as_design", "Chinchilla"]
