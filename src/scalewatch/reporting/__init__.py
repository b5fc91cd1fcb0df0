"""The report: run every registered analysis and write one self-contained HTML page.

>>> import scalewatch
>>> report = scalewatch.report(fast=True)      # doctest: +SKIP
>>> print(report.summary())                    # doctest: +SKIP
>>> report.write("scalewatch-report")          # doctest: +SKIP  (index.html + findings.json)

Adding an analysis
------------------
Write a module in ``scalewatch/analyses/<question>/`` with a function that
takes a :class:`Context` and returns a :class:`~scalewatch.findings.Finding`
(or a list of them), decorate it, and name the module in
:data:`scalewatch.analyses.ANALYSIS_MODULES`::

    from scalewatch.findings import Finding, Number, analysis

    @analysis("capabilities.links", question="capabilities", requires=("pythia-evals",))
    def links(ctx):
        '''Benchmark scores against loss.'''
        runs = ctx.dataset("pythia-evals").runs
        ...
        return Finding(key="capabilities.links", question="capabilities", ...)

The report runs it when every dataset in ``requires`` is on this machine
(mirror or download cache; it never downloads), lists it as skipped with how
to get the data otherwise, and shows an error row with the message if it
raises. Nothing in the report's code changes: the report only consumes the
registry (:mod:`scalewatch.findings.registry`).

Importing this package is cheap (no NumPy, pandas or plotly).
"""

from scalewatch.analyses import ANALYSIS_MODULES, load_analyses
from scalewatch.reporting.run import TIMING_FIELDS, Context, Outcome, Report, data_status, data_versions, run_report
from scalewatch.reporting._parallel import default_jobs
from scalewatch.reporting.runs import RUN_ANALYSES, report, runs_report

__all__ = [
    "report",
    "run_report",
    "runs_report",
    "RUN_ANALYSES",
    "load_analyses",
    "ANALYSIS_MODULES",
    "Context",
    "Outcome",
    "Report",
    "data_status",
    "data_versions",
    "TIMING_FIELDS",
    "default_jobs",
]
