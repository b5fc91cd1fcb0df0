"""The report: run every registered analysis and write one self-contained HTML page.

>>> from scalewatch.report import run_report
>>> report = run_report(fast=True)            # doctest: +SKIP
>>> print(report.summary())                    # doctest: +SKIP
>>> report.write("scalewatch-report")          # doctest: +SKIP  (index.html + findings.json)

Adding an analysis
------------------
Write ``scalewatch/analyses/<question>.py`` with a function that takes a
:class:`Context` and returns a :class:`~scalewatch.analyses.Finding` (or a list
of them), decorate it, and name the module in :data:`ANALYSIS_MODULES`::

    from scalewatch.analyses import Finding, Number
    from scalewatch.report import analysis

    @analysis("capabilities.links", question="capabilities", requires=("pythia-evals",))
    def links(ctx):
        '''Benchmark scores against loss.'''
        runs = ctx.dataset("pythia-evals").runs
        ...
        return Finding(key="capabilities.links", question="capabilities", ...)

The report runs it when every dataset in ``requires`` is on this machine
(mirror or download cache; it never downloads), lists it as skipped with how
to get the data otherwise, and shows an error row with the message if it
raises. Nothing in the report's code changes.

Importing this package is cheap (no NumPy, pandas or plotly): analysis modules
import :func:`analysis` from it at start-up.
"""

from scalewatch.report._registry import (
    ANALYSIS_MODULES,
    Analysis,
    ImportFailure,
    analysis,
    load_analyses,
    register,
    registered,
    unregister,
)
from scalewatch.report._run import Context, Outcome, Report, data_status, run_report

__all__ = [
    "analysis",
    "register",
    "unregister",
    "registered",
    "load_analyses",
    "ANALYSIS_MODULES",
    "Analysis",
    "ImportFailure",
    "Context",
    "Outcome",
    "Report",
    "run_report",
    "data_status",
]
