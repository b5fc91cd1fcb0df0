"""The parallel report: the same findings.json as the one-process report, groups that share a fit, its errors."""

from __future__ import annotations

import json

import pytest
from factories import TOY_ANALYSES, make_finding

from scalewatch.cli import main
from scalewatch.findings import Analysis
from scalewatch.reporting import TIMING_FIELDS, run_report
from scalewatch.reporting._parallel import SHARED, groups

# quick analyses of several questions, with the two that share one Chinchilla bootstrap (about 10 s in all, --fast)
SUBSET = ("pretraining.chinchilla_fit", "pretraining.allocation", "test-time.*", "capabilities.observational_scaling",
          "data.wall", "sweep.*", "synthetic-data.*")


def _without_timings(d):
    d = {k: v for k, v in d.items() if k not in TIMING_FIELDS}
    d["analyses"] = [{k: v for k, v in a.items() if k not in TIMING_FIELDS} for a in d["analyses"]]
    return d


def test_jobs_2_writes_the_findings_json_of_jobs_1(tmp_path, capsys):
    args = ["report", "--fast", "--no-cache", *[x for k in SUBSET for x in ("--only", k)]]
    assert main([*args, "--jobs", "1", "--out", str(tmp_path / "one")]) == 0
    assert main([*args, "--jobs", "2", "--out", str(tmp_path / "two")]) == 0
    capsys.readouterr()
    one = json.loads((tmp_path / "one" / "findings.json").read_text(encoding="utf-8"))
    two = json.loads((tmp_path / "two" / "findings.json").read_text(encoding="utf-8"))
    assert (one["jobs"], two["jobs"]) == (1, 2)
    assert len(one["findings"]) >= 10 and not any(a["status"] == "error" for a in two["analyses"])
    assert json.dumps(_without_timings(one)) == json.dumps(_without_timings(two))
    # the timing fields are exactly what differs: the rest is byte for byte the same
    assert set(one) - set(_without_timings(one)) == {"created", "seconds", "jobs"}


def test_analyses_sharing_a_bootstrap_form_one_group_in_report_order():
    fake = [Analysis(k, k.split(".")[0], (), lambda ctx: None) for k in
            ("pretraining.chinchilla_fit", "pretraining.wall_test", "pretraining.allocation", "test-time.selection")]
    assert [[a.key for a in g] for g in groups(fake)] == [
        ["pretraining.chinchilla_fit", "pretraining.allocation"], ["pretraining.wall_test"], ["test-time.selection"],
    ]
    assert [[a.key for a in g] for g in groups(fake[1:])] == [[a.key] for a in fake[1:]]
    assert ("pretraining.chinchilla_fit", "pretraining.allocation") in SHARED.values()
    # transitive: a shares with b, b with c -> one group
    chain = {"x": ("test-time.a", "test-time.b"), "y": ("test-time.b", "test-time.c")}
    abc = [Analysis(f"test-time.{n}", "test-time", (), lambda ctx: None) for n in "cab"]
    assert [[a.key for a in g] for g in groups(abc, chain)] == [["test-time.c", "test-time.a", "test-time.b"]]


def test_parallel_report_runs_unpicklable_analyses_here_and_reports_each_once():
    # lambdas cannot travel to a worker: they run in this process; module-level toy analyses go to a worker
    local = Analysis("sweep.local_lambda", "sweep", (), lambda ctx: make_finding(key="sweep.local_lambda", question="sweep"), "here")
    calls = []
    rep = run_report(analyses=[*TOY_ANALYSES, local], jobs=2, progress=lambda i, n, a, o: calls.append((i, n, a.key, o)))
    serial = run_report(analyses=[*TOY_ANALYSES, local], jobs=1)
    assert json.dumps(rep.to_dict(timings=False)) == json.dumps(serial.to_dict(timings=False))
    done = [(i, k) for i, n, k, o in calls if o is not None]
    assert sorted(k for _, k in done) == sorted(a.key for a in [*TOY_ANALYSES, local])  # each finished analysis once
    assert [i for i, _ in done] == list(range(1, len(done) + 1))
    assert {o.key for o in rep.errors} == {a.key for a in TOY_ANALYSES if a.func.__name__ == "boom"}


def test_a_finding_key_taken_twice_is_an_error_of_the_later_analysis_in_both_modes():
    twice = [Analysis(f"sweep.dup_{i}", "sweep", (), _dup, f"dup {i}") for i in (1, 2)]
    for jobs in (1, 2):
        rep = run_report(analyses=twice, jobs=jobs)
        assert [o.status for o in rep.outcomes] == ["ok", "error"]
        assert "['sweep.dup'] that another finding already has" in rep.outcomes[1].error


def _dup(ctx):
    return make_finding(key="sweep.dup", question="sweep")


@pytest.mark.parametrize("jobs, err", [(0, ValueError), (-2, ValueError), (1.5, TypeError), (True, TypeError)])
def test_jobs_must_be_a_positive_int(jobs, err):
    with pytest.raises(err, match=r"run_report\(jobs="):
        run_report(analyses=TOY_ANALYSES, jobs=jobs)


def test_cli_rejects_jobs_with_runs(tmp_path, capsys):
    runs = tmp_path / "r.csv"
    runs.write_text("params,tokens,loss\n1e8,2e9,3.0\n", encoding="utf-8")
    assert main(["report", "--runs", str(runs), "--jobs", "2", "--out", str(tmp_path / "o")]) != 0
    assert "--jobs and --no-cache apply to the report on the public datasets" in capsys.readouterr().err


def _threads_seen(ctx):
    import os
    import time

    from scalewatch.fitting import default_threads

    time.sleep(0.2)  # long enough that the worker takes its share
    text = f"{os.environ.get('OPENBLAS_NUM_THREADS')} {default_threads()} {os.getpid()}"
    return make_finding(key=ctx.key, question="sweep", summary=text)


def test_each_process_of_a_parallel_report_runs_one_thread_and_the_environment_is_restored(monkeypatch):
    import os

    monkeypatch.delenv("SCALEWATCH_THREADS", raising=False)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "7")
    probes = [Analysis(f"sweep.threads_{i}", "sweep", (), _threads_seen, f"threads {i}") for i in range(4)]
    rep = run_report(analyses=probes, jobs=2)
    seen = [f.summary.split() for f in rep.findings]
    assert len(seen) == 4 and {(blas, threads) for blas, threads, _ in seen} == {("1", "1")}
    assert len({pid for *_, pid in seen}) == 2  # this process and one worker
    assert os.environ["OPENBLAS_NUM_THREADS"] == "7" and "SCALEWATCH_THREADS" not in os.environ
    serial = run_report(analyses=probes, jobs=1)  # one process: the caller's settings
    assert {tuple(f.summary.split()[:2]) for f in serial.findings} == {("7", "2")}


def test_parallel_report_starts_the_longest_analyses_first_by_their_last_durations(tmp_path):
    from scalewatch.reporting._cache import ReportCache

    def quick(key):
        return Analysis(key, "sweep", (), lambda ctx: make_finding(key=ctx.key, question="sweep"), key)

    probes = [quick(f"sweep.{n}") for n in ("a", "b", "c", "d")]
    store = ReportCache(tmp_path, seed=0, fast=False)
    store.save_durations({"sweep.a": 1.0, "sweep.b": 5.0, "sweep.d": 2.0})
    assert store.durations() == {"sweep.a": 1.0, "sweep.b": 5.0, "sweep.d": 2.0}
    started = []
    rep = run_report(analyses=probes, jobs=2, cache=True, cache_dir=tmp_path,
                     progress=lambda i, n, a, o: started.append(a.key) if o is None else None)
    # c has no duration yet (it may be long): first; then b, d, a by their last durations
    assert started == ["sweep.c", "sweep.b", "sweep.d", "sweep.a"]
    assert [o.key for o in rep.outcomes] == ["sweep.a", "sweep.b", "sweep.c", "sweep.d"]  # the report keeps its order
    # analyses outside the package (these lambdas) are never recorded: the durations are as seeded
    assert store.durations() == {"sweep.a": 1.0, "sweep.b": 5.0, "sweep.d": 2.0}
    # one process: the report's own order
    started.clear()
    run_report(analyses=probes, jobs=1, cache=True, cache_dir=tmp_path, progress=lambda i, n, a, o: started.append(a.key) if o is None else None)
    assert started == ["sweep.a", "sweep.b", "sweep.c", "sweep.d"]


def test_shipped_durations_name_the_default_reports_analyses():
    from scalewatch.reporting._cache import shipped_durations
    from scalewatch.reporting.run import load_analyses

    took = shipped_durations()
    analyses, failures = load_analyses()
    keys = {a.key for a in analyses}
    assert not failures and took and set(took) <= keys  # no stale key (regenerate with benchmarks/bench_report.py)
    assert all(v >= 0 for v in took.values())
    assert max(took, key=took.get).startswith("pretraining.")  # the longest on the reference machine
