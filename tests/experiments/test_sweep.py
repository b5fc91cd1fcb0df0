"""run_sweep: runs land in the registry with their full config, finished runs are never redone,
a sweep killed mid-run resumes from its checkpoint, and every executor gives the same numbers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the experiments need torch: pip install 'scalewatch[experiments]'")

from scalewatch.data import Registry  # noqa: E402
from scalewatch.experiments import SweepEvent, run_id_for, run_sweep  # noqa: E402

# the same corpus and plan in this process and in the subprocess that gets killed
SETUP = """
from scalewatch.experiments import plan_grid, stdlib_corpus
corpus = stdlib_corpus(max_bytes=300_000)
plan = plan_grid([3000, 7000], [8192, 12288], context=32, eval_tokens=512, min_steps=8)
"""


def setup() -> tuple:
    ns: dict = {}
    exec(SETUP, ns)  # noqa: S102 - fixed test code, shared with the subprocess
    return ns["corpus"], ns["plan"]


def losses(db: Path) -> dict[str, float]:
    with Registry(db) as reg:
        runs = reg.runs().runs
    return dict(zip(runs["run_id"], runs["loss"], strict=True))


def test_sweep_records_runs_and_skips_finished_ones(tmp_path: Path) -> None:
    corpus, plan = setup()
    db = tmp_path / "sweep.duckdb"
    events: list[SweepEvent] = []
    result = run_sweep(plan, corpus, db, progress=events.append)
    assert len(result.trained) == len(plan) == 4 and result.skipped == () and result.resumed == ()
    assert [e.kind for e in events].count("done") == 4 and events[0].kind == "plan"
    assert {e.kind for e in events} == {"plan", "start", "step", "done"}
    with Registry(db) as reg:
        rs = reg.runs()
    runs = rs.runs.set_index("run_id")
    assert list(runs.index) == [run_id_for(r.spec, corpus) for r in plan.runs] == list(result.run_ids)
    for run in plan.runs:
        row = runs.loc[run_id_for(run.spec, corpus)]
        assert row["params"] == run.spec.model.params() and row["params_kind"] == "non_embedding"
        assert row["tokens"] == run.spec.tokens_seen
        assert row["compute"] == 6 * row["params"] * row["tokens"] and bool(row["compute_estimated"])
        assert row["loss_split"] == "val" and row["loss_unit"] == "nats" and row["family"] == "scalewatch-sweep"
        cfg = json.loads(row["config"])
        assert cfg["spec"]["seed"] == 0 and cfg["spec"]["model"]["d_model"] == run.spec.model.d_model
        assert cfg["corpus"]["sha256"] == corpus.sha256 and cfg["corpus"]["python_version"]
        assert cfg["versions"]["torch"] and cfg["versions"]["python"] and cfg["threads"] == 1
        curve = rs.curves[rs.curves["run_id"] == row.name]
        assert curve["step"].iloc[0] == 0 and curve["loss"].iloc[-1] == row["loss"]
    assert not (tmp_path / "sweep.duckdb.checkpoints").exists()  # removed once every run is stored
    again = run_sweep(plan, corpus, db)
    assert again.trained == () and set(again.skipped) == set(result.run_ids)
    with Registry(db) as reg:
        assert len(reg) == 4 and len(reg.history()) == 4  # one import per run, none redone


def test_killed_sweep_resumes_without_redoing_finished_runs(tmp_path: Path) -> None:
    corpus, plan = setup()
    db, marker = tmp_path / "sweep.duckdb", tmp_path / "paused"
    code = SETUP + f"\nfrom scalewatch.experiments import run_sweep\nrun_sweep(plan, corpus, {str(db)!r})\n"
    env = {**os.environ, "_SCALEWATCH_TEST_PAUSE_TRAIN": str(marker)}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            if proc.poll() is not None:
                pytest.fail(f"the sweep exited before pausing: {proc.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("the sweep did not reach its pause point within 120 s")
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    assert proc.returncode == -signal.SIGKILL
    ids = [run_id_for(r.spec, corpus) for r in plan.runs]
    assert list(losses(db)) == ids[:1]  # the first run finished and was stored
    checkpoint = tmp_path / "sweep.duckdb.checkpoints" / f"{ids[1]}.pt"
    assert checkpoint.is_file()  # the second was killed mid-run

    resumed = run_sweep(plan, corpus, db)
    assert resumed.skipped == (ids[0],) and resumed.resumed == (ids[1],)
    assert resumed.trained == tuple(ids[1:])
    assert resumed.results[0].resumed_from > 0
    with Registry(db) as reg:
        assert len(reg) == 4 and len(reg.history()) == 4
        assert reg.runs().runs["run_id"].is_unique
    # the same numbers as a sweep that was never interrupted
    fresh = tmp_path / "fresh.duckdb"
    run_sweep(plan, corpus, fresh)
    assert losses(fresh) == losses(db)


def test_process_pool_gives_the_in_process_numbers(tmp_path: Path) -> None:
    corpus, plan = setup()
    plan = type(plan)(runs=plan.runs[:2], kind=plan.kind, description=plan.description)
    run_sweep(plan, corpus, tmp_path / "a.duckdb")
    pooled = run_sweep(plan, corpus, tmp_path / "b.duckdb", workers=2)
    assert len(pooled.trained) == 2
    assert losses(tmp_path / "a.duckdb") == losses(tmp_path / "b.duckdb")


@pytest.mark.parametrize(("kw", "err", "match"), [
    ({"executor": "slurm"}, ValueError, r"executor='slurm'\): must be one of local, ray"),
    ({"workers": 0}, ValueError, r"workers=0\): must be an int >= 1"),
    ({"address": "auto"}, ValueError, r"address='auto'\): an address is for executor='ray' only"),
])
def test_bad_sweep_arguments(tmp_path: Path, kw: dict, err: type, match: str) -> None:
    corpus, plan = setup()
    with pytest.raises(err, match=match):
        run_sweep(plan, corpus, tmp_path / "x.duckdb", **kw)


def test_ray_missing_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, plan = setup()
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(ImportError, match=r"needs Ray, which is not installed; pip install 'scalewatch\[cluster\]'"):
        run_sweep(plan, corpus, tmp_path / "x.duckdb", executor="ray")
