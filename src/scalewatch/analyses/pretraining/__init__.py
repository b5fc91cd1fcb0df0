r"""Does the pretraining law hold at scale? Wall tests on public runs.

Five questions, each answered with numbers, intervals and a verdict:

:func:`wall_test`
    Extrapolation backtest (fit below a compute cut-off, predict the runs
    above it; several cut-offs), a calibrated break test, and the residuals
    of the largest runs. Default data: Hoffmann et al.'s isoFLOP runs.
:func:`overtraining_test`
    Does the law hold far from the compute-optimal ratio? Fit on runs near
    20 tokens per parameter, predict runs trained on up to 32 times more
    (Gadre et al. 2024).
:func:`repetition_test`
    Repeated data (Muennighoff et al. 2023): the data-constrained law's
    constants against the published ones, and whether repetition explains the
    deviations of multi-epoch runs from Chinchilla's law.
:func:`allocation_test`
    Compute-optimal allocation with intervals on each dataset, and why
    Kaplan-style and Chinchilla-style allocations disagree (Porian et al. 2024).

The building blocks are public too: :func:`backtest`, :func:`break_test`,
:func:`calibrate_break_test`, :func:`top_residuals` and :func:`frontier`
work on a user's own runs.

Verdicts
--------
Every verdict comes from a written rule of :mod:`scalewatch.findings.rules`,
stated in the finding's method text and in ``findings.json``. The *excess* of
a run is :math:`100 (\log L_{obs} - \log \hat L)` percent, positive when the
run is worse than the law predicts (the direction of a wall). The wall test
(:func:`wall_decision`) judges the **top of the range**:

* the held-out mean excess at the highest cut-off with at least 5 held-out
  runs, by ``loss.heldout_excess`` (margin 1% of loss), with the empirical
  coverage of the calibrated (rolling-origin conformal) intervals passed to the
  rule: intervals that cover far fewer held-out runs than nominal give
  "inconclusive";
* a break is claimed only when it survives the misspecification-robust null
  (the law plus a smooth term in log tokens per parameter) and predicts
  held-out runs better (``pretraining.break_slope``); an i.i.d.-only
  rejection is reported as shape misfit; a robust break below the top withholds
  "holds" (the law's compute trend changes inside the range) unless the
  largest runs also fall short, which gives "breaks";
* "holds" only when the interval of the error lies inside the margin; a law
  that under-predicts progress "beats the law".

The over-training and repetition tests (no break test; their "top of the
range" is the most over-trained or most repeated runs) decide with written rules of :mod:`scalewatch.findings.rules`: over-training with
``overtraining.excess_trend`` (the pooled within-model trend of the excess in
log2 M, :func:`pooled_trend`), repetition with ``repetition.heldout_rms`` (the
held-out RMS excess of the data-constrained law) and, before any "holds",
``repetition.constant_identified`` (each R* pinned down by its profile
likelihood, :func:`profile_fit`). :func:`muennighoff2023` repeats the authors'
own stage-2 fit from their notebook.
The allocation test is judged by the rule ``pretraining.allocation_exponent``:
the interval of the exponent a of :math:`N_{opt} \propto C^a` on Chinchilla's
runs (Approach 3) inside 0.5 +- 0.05 (an equivalence test) is "holds".

Registered findings
-------------------
``pretraining.wall_test`` (chinchilla-hoffmann2022), ``pretraining.overtraining``
(gadre-overtraining-scaling), ``pretraining.repetition`` (datablations-runs) and
``pretraining.allocation`` (all four pretraining datasets, with
porian-compute-optimal-isoflops). With ``ctx.fast`` they use fewer bootstrap
resamples, one backtest cut-off and a smaller break-test calibration; the rules
are the same.
"""

# Each module's __all__ is its public API; the package exports their union (one list of names, in the module).
import sys as _sys

from scalewatch.analyses.pretraining._common import *  # noqa: F403
from scalewatch.analyses.pretraining.verdicts import *  # noqa: F403
from scalewatch.analyses.pretraining.data import *  # noqa: F403
from scalewatch.analyses.pretraining.candidates import *  # noqa: F403
from scalewatch.analyses.pretraining.intervals import *  # noqa: F403
from scalewatch.analyses.pretraining.backtest import *  # noqa: F403
from scalewatch.analyses.pretraining.backtest_report import *  # noqa: F403
from scalewatch.analyses.pretraining.break_result import *  # noqa: F403
from scalewatch.analyses.pretraining.breaks import *  # noqa: F403
from scalewatch.analyses.pretraining.calibration import *  # noqa: F403
from scalewatch.analyses.pretraining.residuals import *  # noqa: F403
from scalewatch.analyses.pretraining.fit import *  # noqa: F403
from scalewatch.analyses.pretraining.wall import *  # noqa: F403
from scalewatch.analyses.pretraining.overtraining import *  # noqa: F403
from scalewatch.analyses.pretraining.muennighoff import *  # noqa: F403
from scalewatch.analyses.pretraining.repetition import *  # noqa: F403
from scalewatch.analyses.pretraining.allocation import *  # noqa: F403

_MODULES = ('_common', 'verdicts', 'data', 'candidates', 'intervals', 'backtest', 'backtest_report', 'break_result', 'breaks', 'calibration', 'residuals', 'fit', 'wall', 'overtraining', 'muennighoff', 'repetition', 'allocation')
__all__ = list(dict.fromkeys(name for module in _MODULES for name in _sys.modules[f"{__name__}.{module}"].__all__))
