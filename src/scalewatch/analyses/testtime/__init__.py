r"""Test-time compute: repeated-sampling laws, selecting an answer, and the train/test exchange rate.

Three findings of the report, all on Brown et al.'s (2024) repeated sampling of
seven Pythia models on 128 MATH problems (10,000 samples per problem;
``llmonkeys-pythia-math``):

``test-time.coverage_law`` (:func:`coverage_law_finding`)
    Coverage (pass@k with an oracle verifier, the unbiased estimator of Chen et
    al. 2021) against the number of samples k, Brown et al.'s exponentiated
    power law :math:`c = \exp(-a k^{-b})` fitted per model with
    problem-bootstrap intervals, extrapolated to a budget, and compared out of
    sample with four alternatives (:mod:`.coverage`). Verdict: does coverage
    keep rising as the law fitted on k <= 1,000 predicts one decade ahead?
    *breaks* when the last decade adds less than 1 point of coverage, *bends*
    when the observed coverage falls below the forecast (whole interval below
    zero), *holds* otherwise; *inconclusive* with fewer than 3 models or an
    interval wider than 10 points.
``test-time.selection`` (:func:`selection_finding`)
    Without an oracle one answer must be picked. The data have counts of
    correct samples, not answer distributions, so majority vote is bracketed
    by what the counts alone imply and illustrated on seeded simulated answer
    distributions; best-of-n with an imperfect verifier follows in closed form
    from each problem's success rate (:mod:`.selection`). Verdict: *bends* when
    the verifier's plateau lies more than 5 points below coverage (whole
    interval), *holds* when within 5 points, else *inconclusive*.
``test-time.exchange_rate`` (:func:`exchange_finding`)
    How many samples, and how much test-time FLOP, 10x training compute
    replaces at equal coverage (Jones 2021's iso-performance contours;
    :mod:`.exchange`), as a curve over target coverages 0.1 to 0.9.
    Verdict (rule ``test-time.exchange_curve``, on the whole curve):
    *test-time cheaper* only when at every target the data support the
    interval lies below break-even (the larger model needs more test-time
    FLOP to the same coverage), *pretraining cheaper* only when above at
    every target, *depends* when break-even throughout or when the side
    changes with the target (the crossing target is named),
    *inconclusive* otherwise.

The pure computations live in the private modules; the functions here turn
them into :class:`~scalewatch.findings.Finding` s and register them.
"""

# Each module's __all__ is its public API; the package exports their union (one list of names, in the module).
import sys as _sys

from scalewatch.analyses.testtime._common import *  # noqa: F403
from scalewatch.analyses.testtime.passk import *  # noqa: F403
from scalewatch.analyses.testtime.selection import *  # noqa: F403
from scalewatch.analyses.testtime.selection_finding import *  # noqa: F403
from scalewatch.analyses.testtime.laws import *  # noqa: F403
from scalewatch.analyses.testtime.coverage import *  # noqa: F403
from scalewatch.analyses.testtime.coverage_finding import *  # noqa: F403
from scalewatch.analyses.testtime.exchange import *  # noqa: F403

_MODULES = ('_common', 'passk', 'selection', 'selection_finding', 'laws', 'coverage', 'coverage_finding', 'exchange')
__all__ = list(dict.fromkeys(name for module in _MODULES for name in _sys.modules[f"{__name__}.{module}"].__all__))
