"""The fitting engine: robust losses, the batched multi-start solver, bootstrap,
model comparison and compute-optimal allocation."""

from scalewatch.fitting._allocation import (
    FLOP_PER_PARAM_TOKEN,
    Allocation,
    AllocationLaw,
    compute_optimal,
    envelope_allocation,
    isoflop_allocation,
)
from scalewatch.fitting._bootstrap import BootstrapResult, bootstrap, default_threads
from scalewatch.fitting._compare import (
    Comparison,
    CVResult,
    HoldoutResult,
    compare,
    cross_validate,
    leave_largest_out,
)
from scalewatch.fitting._design import INPUT_ALIASES, design_from
from scalewatch.fitting._fit import fit
from scalewatch.fitting._losses import Huber, HuberLikelihood, LeastSquares, Loss
from scalewatch.fitting._ols import OLS, ols
from scalewatch.fitting._quiet import quiet_bootstrap, quiet_fit
from scalewatch.fitting._result import FitResult

__all__ = [
    "fit",
    "quiet_fit",
    "quiet_bootstrap",
    "design_from",
    "INPUT_ALIASES",
    "ols",
    "OLS",
    "FitResult",
    "bootstrap",
    "default_threads",
    "BootstrapResult",
    "Loss",
    "LeastSquares",
    "Huber",
    "HuberLikelihood",
    "compute_optimal",
    "Allocation",
    "envelope_allocation",
    "isoflop_allocation",
    "AllocationLaw",
    "FLOP_PER_PARAM_TOKEN",
    "compare",
    "Comparison",
    "cross_validate",
    "CVResult",
    "leave_largest_out",
    "HoldoutResult",
]
