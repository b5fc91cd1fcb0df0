"""The public API: the top-level names, the question packages and the report function."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

QUESTION_PACKAGES = ("pretraining", "capabilities", "testtime", "economics", "datawall", "trends")


def test_the_top_level_names():
    import scalewatch
    import scalewatch.data.datasets as data_datasets
    import scalewatch.datasets
    from scalewatch import analyses, bootstrap, datasets, fit, laws, report  # noqa: F401

    assert callable(scalewatch.report) and callable(fit) and callable(bootstrap)
    assert datasets is scalewatch.datasets and datasets.load is data_datasets.load  # one module of functions, two names
    assert set(data_datasets.__all__) <= set(dir(scalewatch.datasets))
    assert analyses.pretraining.wall_test is importlib.import_module("scalewatch.analyses.pretraining.wall").wall_test


def test_import_scalewatch_datasets_works_in_a_fresh_interpreter():
    code = "import scalewatch.datasets as d; print('chinchilla-hoffmann2022' in d.names())"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "True"


@pytest.mark.parametrize("name", QUESTION_PACKAGES)
def test_each_question_package_exports_public_names_that_exist(name):
    pkg = importlib.import_module(f"scalewatch.analyses.{name}")
    assert pkg.__all__ and not [n for n in pkg.__all__ if n.startswith("_")]
    missing = [n for n in pkg.__all__ if not hasattr(pkg, n)]
    assert not missing
    assert len(set(pkg.__all__)) == len(pkg.__all__)


def test_report_is_a_function_returning_a_report_with_notebook_html():
    from factories import make_finding

    import scalewatch
    from scalewatch.findings import analysis, unregister
    from scalewatch.reporting import Report

    @analysis("sweep.api_toy", question="sweep")
    def toy(ctx):
        """A toy."""
        return make_finding(key="sweep.api_toy", question="sweep")

    try:
        rep = scalewatch.report(only="sweep.api_toy", seed=3)
    finally:
        unregister("sweep.api_toy")
    assert isinstance(rep, Report) and rep.seed == 3 and [f.key for f in rep.findings] == ["sweep.api_toy"]
    html = rep._repr_html_()
    assert "sweep.api_toy" in html and "holds" in html and "report.write(folder)" in html


def test_the_report_order_does_not_depend_on_import_order():
    from scalewatch.analyses import ANALYSIS_MODULES, load_analyses

    importlib.import_module("scalewatch.analyses.economics")  # imports test-time modules first
    analyses, failures = load_analyses()
    assert not failures
    keys = [a.key for a in analyses if a.question == "test-time"]
    assert keys[:4] == ["test-time.coverage_law", "test-time.selection", "test-time.exchange_rate", "test-time.own_arithmetic"]
    assert all(any(a.module == m for a in analyses) for m in ANALYSIS_MODULES)
