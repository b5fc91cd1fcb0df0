"""The registry of analyses: decorator, validation, the module list, import failures never silent."""

from __future__ import annotations

import importlib

import pytest
from factories import make_finding

from scalewatch.analyses import ANALYSIS_MODULES, load_analyses
from scalewatch.findings import analysis, register, registered, unregister
from scalewatch.reporting import run_report


@pytest.fixture
def cleanup():
    keys: list[str] = []
    yield keys
    for k in keys:
        if any(a.key == k for a in registered()):
            unregister(k)


def test_decorator_registers_and_returns_the_function(cleanup):
    @analysis("sweep.toy_check", question="sweep", requires="chinchilla-hoffmann2022")
    def toy_check(ctx):
        """A toy check.

        More detail."""
        return make_finding()

    cleanup.append("sweep.toy_check")
    entry = next(a for a in registered() if a.key == "sweep.toy_check")
    assert entry.func is toy_check and callable(toy_check)
    assert entry.requires == ("chinchilla-hoffmann2022",)
    assert entry.title == "A toy check"
    assert entry.origin.endswith("toy_check")
    # registering the same function again (a module reload) replaces it quietly
    register(toy_check, "sweep.toy_check", "sweep")


def test_registered_orders_by_question(cleanup):
    register(lambda ctx: None, "trends.toy_b", "trends", title="b")
    register(lambda ctx: None, "pretraining.toy_a", "pretraining", title="a")
    cleanup.extend(["trends.toy_b", "pretraining.toy_a"])
    keys = [a.key for a in registered()]
    assert keys.index("pretraining.toy_a") < keys.index("trends.toy_b")


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        (("pretraining.x", "economics"), {}, ValueError, "question='economics' is not one of"),
        (("x", "pretraining"), {}, ValueError, r"a key is '<question>.<name>'.*starting with the question 'pretraining'"),
        (("data.x", "pretraining"), {}, ValueError, "starting with the question 'pretraining'"),
        (("pretraining.x", "pretraining"), {"requires": [3]}, TypeError, "takes dataset names"),
        (("pretraining.x", "pretraining"), {"requires": 3}, TypeError, "takes a tuple of dataset names"),
    ],
)
def test_register_rejects_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        register(lambda ctx: None, *args, **kwargs)


def test_register_rejects_a_key_taken_by_another_function(cleanup):
    register(lambda ctx: 1, "sweep.taken", "sweep")
    cleanup.append("sweep.taken")
    with pytest.raises(ValueError, match="'sweep.taken' is already registered by .*needs a key of its own"):
        register(lambda ctx: 2, "sweep.taken", "sweep")
    with pytest.raises(TypeError, match="takes a function"):
        register("not callable", "sweep.other", "sweep")  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="no analysis 'sweep.nope' is registered"):
        unregister("sweep.nope")


@pytest.mark.parametrize("module", ANALYSIS_MODULES)
def test_every_listed_module_exists_and_registers_an_analysis(module):
    importlib.import_module(module)
    assert any(a.func.__module__ == module for a in registered()), f"{module} is listed but registers no analysis"


def test_a_listed_module_that_fails_to_import_is_an_error_not_a_silent_skip(cleanup):
    _, failures = load_analyses(["scalewatch.analyses.does_not_exist"])
    assert len(failures) == 1 and failures[0].module == "scalewatch.analyses.does_not_exist"
    assert failures[0].error.startswith("ModuleNotFoundError: No module named 'scalewatch.analyses.does_not_exist'")
    register(lambda ctx: make_finding(key="sweep.toy", question="sweep"), "sweep.toy_ok", "sweep", title="ok")
    cleanup.append("sweep.toy_ok")
    report = run_report(modules=["scalewatch.analyses.does_not_exist"], only=["sweep.toy_ok"])
    errors = report.errors
    assert [o.key for o in errors] == ["import:scalewatch.analyses.does_not_exist"]
    assert "No module named" in errors[0].error and errors[0].traceback
    assert [r["verdict"] for r in report.rows()] == ["holds", "error"]
