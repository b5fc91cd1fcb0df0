"""Analyses: one package per question, each answering it with :class:`~scalewatch.findings.Finding` s.

=================  ==========================================================================
package            question
=================  ==========================================================================
``pretraining``    Does the pretraining scaling law still hold at large scale?
``capabilities``   Does lower loss still buy capabilities?
``testtime``       Is test-time compute a better thing to scale?
``economics``      What it costs, in dollars (test-time against pretraining)
``datawall``       Are we running out of data?
``trends``         Can a plateau be seen coming?
``sweep``          Does the law hold on runs we trained ourselves?
``synthetic``      Does synthetic data help (with and without a verifier)?
=================  ==========================================================================

Each package exports its public functions and result types
(``scalewatch.analyses.pretraining.wall_test``, ...). The analyses register
with :func:`scalewatch.findings.analysis`; :data:`ANALYSIS_MODULES` names the
modules that do, in the order the report shows their findings within a
question, and :func:`load_analyses` imports them. Importing this package
imports none of them (nor NumPy, pandas or plotly): ``analyses.pretraining``
and the others load on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from scalewatch.findings.registry import Analysis, ImportFailure, import_modules

__all__ = [
    "ANALYSIS_MODULES",
    "load_analyses",
    "pretraining",
    "capabilities",
    "testtime",
    "economics",
    "datawall",
    "trends",
    "sweep",
]

#: The modules whose analyses the report runs, in the order their findings appear
#: within a question. Add a module here when it registers analyses (each name must
#: exist: a module that fails to import becomes an error row of the report).
ANALYSIS_MODULES: tuple[str, ...] = (
    "scalewatch.analyses.pretraining.fit",
    "scalewatch.analyses.pretraining.wall",
    "scalewatch.analyses.pretraining.overtraining",
    "scalewatch.analyses.pretraining.repetition",
    "scalewatch.analyses.pretraining.allocation",
    "scalewatch.analyses.capabilities.links",
    "scalewatch.analyses.capabilities.observational",
    "scalewatch.analyses.capabilities.decoupling",
    "scalewatch.analyses.capabilities.emergence",
    "scalewatch.analyses.capabilities.size",
    "scalewatch.analyses.capabilities.generations",
    "scalewatch.analyses.capabilities.unseen",
    "scalewatch.analyses.testtime.coverage_finding",
    "scalewatch.analyses.testtime.selection_finding",
    "scalewatch.analyses.testtime.exchange",
    "scalewatch.analyses.testtime.arithmetic",
    "scalewatch.analyses.economics.cost_to_target",
    "scalewatch.analyses.economics.debate",
    "scalewatch.analyses.economics.inference_prices",
    "scalewatch.analyses.economics.marginal",
    "scalewatch.analyses.economics.frontier",
    "scalewatch.analyses.economics.unmeasured",
    "scalewatch.analyses.datawall.wall",
    "scalewatch.analyses.trends.plateau",
    "scalewatch.analyses.sweep",
    "scalewatch.analyses.curves",
    "scalewatch.analyses.synthetic",
)

_PACKAGES = ("pretraining", "capabilities", "testtime", "economics", "datawall", "trends", "sweep")

if TYPE_CHECKING:  # pragma: no cover
    from scalewatch.analyses import capabilities, datawall, economics, pretraining, sweep, testtime, trends


def load_analyses(modules: Sequence[str] | None = None) -> tuple[tuple[Analysis, ...], tuple[ImportFailure, ...]]:
    """Import the analysis modules so that they register; return the analyses and the failures.

    Parameters
    ----------
    modules : sequence of str, optional
        Module names; default :data:`ANALYSIS_MODULES`.

    Returns
    -------
    analyses : tuple of Analysis
        Everything registered (also by modules imported earlier), ordered by
        question, then by the module's place in :data:`ANALYSIS_MODULES`
        (whatever order the modules happened to be imported in), then by
        registration.
    failures : tuple of ImportFailure
        Listed modules that raised on import (the report shows each as an error).
    """
    found, failures = import_modules(ANALYSIS_MODULES if modules is None else modules)
    place = {m: i for i, m in enumerate(ANALYSIS_MODULES)}
    # registered() is ordered by question and registration: a stable sort keeps both and adds the listed order
    ranked = sorted(enumerate(found), key=lambda t: (t[1].question_rank, place.get(t[1].module, len(place)), t[0]))
    return tuple(a for _, a in ranked), failures


def __getattr__(name: str) -> Any:
    if name in _PACKAGES:
        module = importlib.import_module(f"scalewatch.analyses.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'scalewatch.analyses' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
