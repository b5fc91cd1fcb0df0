r"""What test-time compute costs against pretraining, in dollars, and the debate's own numbers rechecked.

Two findings of the report:

``test-time.cost_to_target`` (:func:`cost_to_target_finding`)
    Dollars to reach a target coverage on MATH within the Pythia family: train
    the largest model and sample it least, or sample a smaller model more
    (:func:`scalewatch.analyses.economics.cost_to_target`), at a reference demand
    of 10^9 problems, with intervals over problem resamples and the cost
    assumptions; and pretraining pushed along the fitted iso-coverage line
    until one sample suffices (an extrapolation). Verdict (proposed
    vocabulary): *test-time cheaper* when the cost ratio (largest model over
    the cheapest smaller one) is above 1 over its whole interval, *pretraining
    cheaper* when below 1, *depends* when it straddles 1.
``test-time.debate_numbers`` (:func:`debate_numbers_finding`)
    The debate's numbers recomputed with their assumptions shown: what $1B
    buys in H100s; o1's price against GPT-4o's, per token and per task; the
    claim that inference costs fell three orders of magnitude in under two
    years, against what the data measure; a frontier training run's cost and
    how many reasoning tasks cost as much; and Sardana et al.'s
    inference-aware allocation. Verdict (proposed vocabulary): *depends*:
    whether reasoning at test time is cheaper than a larger pretraining run
    turns on the number of tasks served (the finding gives the break-even).
"""

# Each module's __all__ is its public API; the package exports their union (one list of names, in the module).
import sys as _sys

from scalewatch.analyses.economics._common import *  # noqa: F403
from scalewatch.analyses.economics.assumptions import *  # noqa: F403
from scalewatch.analyses.economics.costs import *  # noqa: F403
from scalewatch.analyses.economics.allocation import *  # noqa: F403
from scalewatch.analyses.economics.prices import *  # noqa: F403
from scalewatch.analyses.economics.cost_to_target import *  # noqa: F403
from scalewatch.analyses.economics.debate import *  # noqa: F403
from scalewatch.analyses.economics.inference_prices import *  # noqa: F403
from scalewatch.analyses.economics.marginal import *  # noqa: F403
from scalewatch.analyses.economics.frontier import *  # noqa: F403
from scalewatch.analyses.economics.unmeasured import *  # noqa: F403

_MODULES = ('_common', 'assumptions', 'costs', 'allocation', 'prices', 'cost_to_target', 'debate', 'inference_prices', 'marginal', 'frontier', 'unmeasured')
__all__ = list(dict.fromkeys(name for module in _MODULES for name in _sys.modules[f"{__name__}.{module}"].__all__))
