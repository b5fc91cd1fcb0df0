"""run_report: selection, data availability, errors shown (never dropped), warnings kept, determinism."""

from __future__ import annotations

import json
import re
import warnings

import pytest
from factories import chinchilla_analysis, make_finding

from scalewatch.errors import IdentifiabilityWarning
from scalewatch.findings import Analysis, Finding
from scalewatch.reporting import Report, run_report

CHIN = "chinchilla-hoffmann2022"


def toy(key="pretraining.toy", question="pretraining", requires=(), func=None, title="toy"):
    return Analysis(key, question, tuple(requires), func or (lambda ctx: make_finding()), title)


def test_ok_error_and_skipped_outcomes(tmp_path, monkeypatch):
    def boom(ctx):
        raise ZeroDivisionError("division by zero in the toy\nmore")

    analyses = [toy(), toy("sweep.boom", "sweep", func=boom, title="boom")]
    report = run_report(analyses=analyses)
    assert [o.status for o in report.outcomes] == ["ok", "error"]
    err = report.errors[0]
    assert err.error == "ZeroDivisionError: division by zero in the toy"  # one line
    assert "Traceback" in err.traceback and "more" in err.traceback
    assert [r["verdict"] for r in report.rows()] == ["holds", "error"]
    # a dataset that is in none of mirror, cache and snapshot: skipped, with how to get it
    monkeypatch.setenv("SCALEWATCH_DATA_MIRROR", str(tmp_path / "no-mirror"))
    monkeypatch.setenv("SCALEWATCH_CACHE_DIR", str(tmp_path / "no-cache"))
    monkeypatch.setenv("SCALEWATCH_SNAPSHOT", "off")
    porian = "porian-compute-optimal-isoflops"
    report = run_report(analyses=[toy(requires=(CHIN,)), toy("data.snapshot_only", "data", requires=(porian,))])
    assert [o.status for o in report.outcomes] == ["skipped", "skipped"]
    first, second = report.skipped
    assert first.missing == (CHIN,) and f"scalewatch datasets fetch {CHIN}" in first.how[0]
    assert "ships only in the embedded snapshot" in second.how[0] and "reinstall scalewatch" in second.how[0]
    assert f"skipped pretraining.toy: needs {CHIN}" in report.summary()


@pytest.mark.parametrize(
    "result, match",
    [
        (None, "returned a NoneType; it must return a Finding or a list of Findings"),
        ([], "returned no finding"),
        ([make_finding(), "x"], "returned a str among its findings"),
        (make_finding(key="data.toy", question="data", verdict="inconclusive"), "returned finding 'data.toy' of question 'data'"),
        ([make_finding(), make_finding()], r"finding key\(s\) \['pretraining.toy'\] that another finding already has"),
    ],
)
def test_bad_return_values_become_error_rows(result, match):
    report = run_report(analyses=[toy(func=lambda ctx: result)])
    assert report.outcomes[0].status == "error"
    assert report.errors[0].error.split(": ", 1)[1].startswith("analysis 'pretraining.toy'")
    assert re.search(match, report.errors[0].error)


def test_duplicate_finding_keys_across_analyses_are_an_error():
    report = run_report(analyses=[toy(), toy("pretraining.toy2")])
    assert [o.status for o in report.outcomes] == ["ok", "error"]


def test_an_undeclared_dataset_is_an_error():
    def sneaky(ctx):
        ctx.dataset("nist-strd-nonlinear")

    report = run_report(analyses=[toy(func=sneaky, requires=(CHIN,))])
    assert "reads dataset 'nist-strd-nonlinear' but declares requires=('chinchilla-hoffmann2022',)" in report.errors[0].error


def test_an_unknown_required_dataset_is_an_error_row():
    report = run_report(analyses=[toy(requires=("no-such-data",))])
    assert report.outcomes[0].status == "error" and "dataset name='no-such-data' is not known" in report.errors[0].error


def test_context_gives_data_seed_and_fast():
    seen = {}

    def look(ctx):
        seen.update(seed=ctx.seed, fast=ctx.fast, n=ctx.pick(1000, 10), rows=len(ctx.dataset(CHIN).runs.runs))
        return make_finding()

    run_report(analyses=[toy(func=look, requires=(CHIN,))], seed=7, fast=True)
    assert seen == {"seed": 7, "fast": True, "n": 10, "rows": 245}
    with pytest.raises(TypeError, match="takes an int"):
        run_report(analyses=[toy()], seed=1.5)  # type: ignore[arg-type]


def test_warnings_are_kept_with_the_outcome_not_raised():
    def warns(ctx):
        warnings.warn("exponents poorly identified", IdentifiabilityWarning)
        warnings.warn("exponents poorly identified", IdentifiabilityWarning)
        return make_finding()

    report = run_report(analyses=[toy(func=warns)])  # filterwarnings=error would raise if it leaked
    assert report.outcomes[0].warnings == ("IdentifiabilityWarning: exponents poorly identified",)


def test_selection_by_data_and_only():
    analyses = [toy(requires=(CHIN,)), toy("trends.toy", "trends", requires=("microprocessor-trend-data",),
                                            func=lambda ctx: make_finding(key="trends.toy", question="trends", verdict="inconclusive"))]
    report = run_report(analyses=analyses, data=["microprocessor-trend-data"])
    assert [o.key for o in report.outcomes] == ["trends.toy"]
    report = run_report(analyses=analyses, only=["pretraining.*"])
    assert [o.key for o in report.outcomes] == ["pretraining.toy"]
    with pytest.raises(ValueError, match="dataset name='chinchila' is not known; .*chinchilla-hoffmann2022"):
        run_report(analyses=analyses, data=["chinchila"])
    with pytest.raises(ValueError, match="no selected analysis uses --data nist-strd-nonlinear; the analyses use: pretraining.toy: chinchilla"):
        run_report(analyses=analyses, data=["nist-strd-nonlinear"])
    with pytest.raises(ValueError, match=r"--only capabilities.\* matches no analysis; registered: pretraining.toy, trends.toy"):
        run_report(analyses=analyses, only=["capabilities.*"])


def test_progress_is_called_before_and_after_each_analysis():
    calls = []
    run_report(analyses=[toy(), toy("sweep.toy", "sweep", func=lambda ctx: make_finding(key="sweep.toy", question="sweep"))],
               progress=lambda i, n, a, o: calls.append((i, n, a.key, None if o is None else o.status)))
    assert calls == [(0, 2, "pretraining.toy", None), (1, 2, "pretraining.toy", "ok"), (1, 2, "sweep.toy", None), (2, 2, "sweep.toy", "ok")]


def test_report_to_dict_and_write(tmp_path):
    report = run_report(analyses=[toy()], seed=3)
    d = report.to_dict()
    assert d["seed"] == 3 and d["verdicts"][0]["verdict"] == "holds" and d["analyses"][0]["status"] == "ok"
    assert Finding.from_dict(d["findings"][0]) == report.findings[0]
    index = report.write(tmp_path / "out")
    assert index.name == "index.html" and (tmp_path / "out" / "findings.json").is_file()
    assert json.loads((tmp_path / "out" / "findings.json").read_text())["findings"][0]["key"] == "pretraining.toy"
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file; give a folder"):
        report.write(tmp_path / "file")


def test_the_real_finding_is_deterministic_given_the_seed():
    a = run_report(analyses=[chinchilla_analysis()], fast=True, seed=1)
    b = run_report(analyses=[chinchilla_analysis()], fast=True, seed=1)
    assert isinstance(a, Report) and a.findings[0].to_dict() == b.findings[0].to_dict()
