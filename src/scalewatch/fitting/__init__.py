"""The fitting engine: robust losses, the batched multi-start solver, bootstrap,
model comparison and compute-optimal allocation."""

from scalewatch.fitting._bootstrap import BootstrapResult, bootstrap
from scalewatch.fitting._fit import fit
from scalewatch.fitting._losses import Huber, HuberLikelihood, LeastSquares, Loss
from scalewatch.fitting._result import FitResult

__all__ = ["fit", "FitResult", "bootstrap", "BootstrapResult", "Loss", "LeastSquares", "Huber", "HuberLikelihood"]
