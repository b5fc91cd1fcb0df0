"""Findings: the value every analysis returns, the verdicts it may give, and the registry of analyses.

* :class:`Finding` (key, question, verdict, one-sentence summary,
  :class:`Number` s with intervals, :class:`Figure` s as plain plotly JSON,
  tables, method, data, citations, and the :class:`Decision` of the written rule
  that gave the verdict); immutable, with ``to_dict()``, ``report()`` and
  ``_repr_html_()``;
* the vocabulary: :data:`QUESTIONS`, :data:`VERDICTS` per question and their
  :data:`TONES` (:func:`check_verdict`, :func:`verdict_tone`);
* the verdict rules (:mod:`scalewatch.findings.rules`: :class:`Rule`,
  :class:`Decision`, :func:`calibration`, :func:`clopper_pearson`, :data:`RULES`);
* :class:`Result`, the mixin of analysis results (finding, report, notebook
  display and JSON from declared numbers and figures);
* the registry: :func:`analysis` (a decorator), :func:`register`,
  :func:`registered`, :func:`unregister`, :func:`import_modules`;
* JSON freezing (:func:`json_safe`, :func:`freeze`, :func:`thaw`,
  :func:`finite`) and number formatting (:func:`format_interval`,
  :func:`significant`).

This is the bottom layer of the package: importing it imports no NumPy, pandas
or plotly, and it writes no HTML page (the report's page is
:mod:`scalewatch.reporting`; the figure helpers are :mod:`scalewatch.plots`).
"""

from scalewatch.findings.display import number_html, numbers_table_html
from scalewatch.findings.finding import Figure, Finding, Number
from scalewatch.findings.format import format_interval, interval_parts, significant
from scalewatch.findings.jsonsafe import finite, freeze, json_safe, number_record, records, thaw
from scalewatch.findings.registry import (
    Analysis,
    ImportFailure,
    analysis,
    import_modules,
    register,
    registered,
    unregister,
)
from scalewatch.findings.result import DecidedResult, Result
from scalewatch.findings.rules import (
    OUTCOMES,
    RULES,
    Calibration,
    Decision,
    Rule,
    calibration,
    clopper_pearson,
    rule,
)
from scalewatch.findings.vocabulary import (
    KEY_PATTERN,
    QUESTIONS,
    TONES,
    VERDICTS,
    check_question,
    check_verdict,
    verdict_tone,
)

__all__ = [
    "Finding",
    "Number",
    "Figure",
    "Result",
    "DecidedResult",
    "QUESTIONS",
    "VERDICTS",
    "TONES",
    "KEY_PATTERN",
    "check_question",
    "check_verdict",
    "verdict_tone",
    "Rule",
    "Decision",
    "Calibration",
    "calibration",
    "clopper_pearson",
    "RULES",
    "rule",
    "OUTCOMES",
    "analysis",
    "register",
    "unregister",
    "registered",
    "import_modules",
    "Analysis",
    "ImportFailure",
    "json_safe",
    "freeze",
    "thaw",
    "finite",
    "records",
    "number_record",
    "format_interval",
    "interval_parts",
    "significant",
    "number_html",
    "numbers_table_html",
]
