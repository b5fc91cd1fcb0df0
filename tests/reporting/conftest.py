"""Shared pieces of the report tests: two reports built once (the toy findings are in ``tests/factories.py``).

``real_report``: the registered ``pretraining.chinchilla_fit`` on the mirror's data (fast).
``combined_report``: that finding plus toy findings (every figure kind, hostile strings),
an analysis that raises, and one skipped for missing data, i.e. every kind of row.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import TOY_ANALYSES, boom, chinchilla_analysis

from scalewatch.findings import Analysis
from scalewatch.reporting import Report, run_report


@pytest.fixture(scope="session")
def real_report(tmp_path_factory) -> tuple[Report, Path]:
    """The registered Chinchilla finding on the mirror's data, fast, written to a temp folder."""
    report = run_report(analyses=[chinchilla_analysis()], fast=True, seed=0)
    out = tmp_path_factory.mktemp("real-report")
    return report, report.write(out)


@pytest.fixture(scope="session")
def combined_report(tmp_path_factory) -> tuple[Report, Path]:
    """Every kind of row: real and toy findings, an error, and an analysis skipped for missing data."""
    main = run_report(analyses=[chinchilla_analysis(), *TOY_ANALYSES], fast=True, seed=0)
    empty = tmp_path_factory.mktemp("empty-mirror")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCALEWATCH_DATA_MIRROR", str(empty))
        mp.setenv("SCALEWATCH_CACHE_DIR", str(empty / "cache"))
        mp.setenv("SCALEWATCH_SNAPSHOT", "off")  # no embedded snapshot either: the data are missing
        missing = run_report(analyses=[Analysis("capabilities.needs_pythia", "capabilities", ("pythia-evals",), boom, "Needs Pythia")])
    report = Report(
        outcomes=main.outcomes + missing.outcomes, created=main.created, version=main.version, seed=0, fast=True, seconds=main.seconds
    )
    out = tmp_path_factory.mktemp("combined-report")
    return report, report.write(out)

