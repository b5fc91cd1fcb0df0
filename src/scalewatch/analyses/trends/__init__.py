r"""Can a plateau be seen coming? Trend models, out-of-sample comparison and plateau backtests.

For any dated series a user brings (:func:`as_series` reads a table):

:func:`fit_trend`
    One model (exponential, logistic or piecewise; on the linear scale the
    exponential is a straight line, ``"linear"``) with bootstrap intervals,
    readable quantities (growth per year, ceiling, break year) and forecasts.
:func:`compare_trends`
    All three models on the whole series (AIC and Akaike weights), compared
    out of sample (fitted before a cut-off, scored after it: error, interval
    coverage, CRPS), plus the slowdown test.
:func:`backtest_trends`
    Rolling origins: what each model forecast from each origin year, how good
    that was, and when a slowdown first became detectable at a stated
    confidence.

The registered finding, :func:`plateau_study`, runs the backtests on real
histories: CPU clock frequency and single-thread performance, which stalled
in the mid-2000s (the reference plateaus), transistor counts (a control that
kept growing), and two AI series, the training compute of frontier models and
a capability index stitched from benchmarks.

Verdicts
--------
:data:`VERDICTS`: **plateau detectable in advance** when, on every reference
series, the slowdown test detected the slowdown (and kept detecting it) from
an origin before the lower end of the onset's interval; **not detectable**
when on every reference series it first did so at or after the onset
estimate (or never); **inconclusive** otherwise. The onset is the break year
of the piecewise model fitted to the whole history.

References
----------
Andrews (1993), Econometrica 61(4); Davies (1987), Biometrika 74(1); Shao
(2010), JASA 105(489); Gneiting & Raftery (2007), JASA 102(477); Tashman
(2000), Int. J. Forecasting 16(4); Horowitz et al. and Rupp,
microprocessor-trend-data (CC BY 4.0); Sevilla et al. (2022), "Compute
Trends Across Three Eras of Machine Learning", arXiv:2202.05924; Epoch AI
(2024), "Training compute of frontier AI models grows by 4-5x per year"; Ho
et al. (2025), "A Rosetta Stone for AI Benchmarks" (Epoch AI).
"""

# Each module's __all__ is its public API; the package exports their union (one list of names, in the module).
import sys as _sys

from scalewatch.analyses.trends.series import *  # noqa: F403
from scalewatch.analyses.trends.fit import *  # noqa: F403
from scalewatch.analyses.trends.models import *  # noqa: F403
from scalewatch.analyses.trends.forecast import *  # noqa: F403
from scalewatch.analyses.trends.compare import *  # noqa: F403
from scalewatch.analyses.trends.backtest import *  # noqa: F403
from scalewatch.analyses.trends.data import *  # noqa: F403
from scalewatch.analyses.trends.plateau import *  # noqa: F403

_MODULES = ('series', 'fit', 'models', 'forecast', 'compare', 'backtest', 'data', 'plateau')
__all__ = list(dict.fromkeys(name for module in _MODULES for name in _sys.modules[f"{__name__}.{module}"].__all__))
