"""The Ray executor against a real local Ray (``ray.init(num_cpus=2)``): the same numbers as in-process,
and a worker killed mid-sweep (or mid-round) is rerun by Ray from its checkpoint, with no run or round
lost or duplicated. Skipped, with the reason, where Ray is not installed."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the experiments need torch: pip install 'scalewatch[experiments]'")
ray = pytest.importorskip("ray", reason="the Ray executor needs ray: pip install 'scalewatch[cluster]'")

from scalewatch.data import Registry  # noqa: E402
from scalewatch.experiments import plan_grid, run_id_for, run_sweep, stdlib_corpus  # noqa: E402
from scalewatch.experiments.selfplay import SelfPlayConfig, read_records, run_selfplay, strip_timing  # noqa: E402

pytestmark = pytest.mark.slow  # starting Ray takes 10-25 s, once for this module

TINY_SELFPLAY = dict(seeds=(0, 1), rounds=2, arms=("verified", "ground_truth"), seed_problems=60, pool_problems=12,
                     heldout_per_digit=6, k=3, model=(1, 2, 16), seed_steps=6, round_steps=4, batch_size=4, generations=1,
                     text_bytes=150_000, text_context=24, text_steps=4, text_samples=8)


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """A local two-CPU Ray cluster for the module (run_sweep / run_selfplay find it initialised)."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def small_sweep() -> tuple:
    corpus = stdlib_corpus(max_bytes=300_000)
    plan = plan_grid([3000, 7000], [8192], context=32, eval_tokens=512, min_steps=8)
    return corpus, plan


def losses(db: Path) -> dict[str, float]:
    with Registry(db) as reg:
        runs = reg.runs().runs
    return dict(zip(runs["run_id"], runs["loss"], strict=True))


def test_ray_sweep_gives_the_in_process_numbers(tmp_path: Path, local_ray: None) -> None:
    corpus, plan = small_sweep()
    run_sweep(plan, corpus, tmp_path / "local.duckdb")
    result = run_sweep(plan, corpus, tmp_path / "ray.duckdb", executor="ray")
    assert set(result.trained) == set(result.run_ids) and len(result.run_ids) == 2
    assert losses(tmp_path / "local.duckdb") == losses(tmp_path / "ray.duckdb")
    with Registry(tmp_path / "ray.duckdb") as reg:
        cfg = reg.runs().runs["config"].iloc[0]
    assert '"executor": "ray"' in cfg


def _kill_when_paused(marker: Path, killed: list[int], deadline_s: float = 120.0) -> None:
    """Wait for the paused run's marker, then SIGKILL the Ray worker process that wrote its pid."""
    end = time.monotonic() + deadline_s
    pid_file = Path(str(marker) + ".pid")
    while time.monotonic() < end:
        if marker.is_file() and pid_file.is_file():
            pid = int(pid_file.read_text())
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            return
        time.sleep(0.05)


def test_killed_ray_worker_mid_sweep_resumes_from_its_checkpoint(tmp_path: Path, local_ray: None,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, plan = small_sweep()
    run_sweep(plan, corpus, tmp_path / "local.duckdb")
    db, marker = tmp_path / "ray.duckdb", tmp_path / "paused"
    # the second run writes `marker` after its first mid-run checkpoint and sleeps (run_sweep's test hook)
    monkeypatch.setenv("_SCALEWATCH_TEST_PAUSE_TRAIN", str(marker))
    killed: list[int] = []
    watcher = threading.Thread(target=_kill_when_paused, args=(marker, killed), daemon=True)
    watcher.start()
    result = run_sweep(plan, corpus, db, executor="ray")
    watcher.join(timeout=5)
    assert len(killed) == 1 and killed[0] != os.getpid()  # a Ray worker died mid-run ...
    paused = next(r for r in result.results if r.resumed_from > 0)  # ... and its retry started from the checkpoint
    assert 0 < paused.resumed_from < paused.spec.steps
    ids = [run_id_for(r.spec, corpus) for r in plan.runs]
    with Registry(db) as reg:
        runs = reg.runs().runs
        assert sorted(runs["run_id"]) == sorted(ids) and runs["run_id"].is_unique  # none lost, none twice
        assert len(reg.history()) == len(ids)  # one import per run
    assert losses(db) == losses(tmp_path / "local.duckdb")  # the numbers of an uninterrupted sweep
    assert not (tmp_path / "ray.duckdb.checkpoints").exists()


def test_selfplay_on_ray_with_a_killed_worker(tmp_path: Path, local_ray: None, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = SelfPlayConfig(**TINY_SELFPLAY)
    ref = run_selfplay(cfg, tmp_path / "local")
    # the first round to finish kills its own Ray worker after saving its checkpoint, before returning its record
    monkeypatch.setenv("_SCALEWATCH_TEST_KILL_ROUND", str(tmp_path / "killed"))
    res = run_selfplay(cfg, tmp_path / "ray", executor="ray")
    assert (tmp_path / "killed").is_file()  # a worker did die; Ray reran its round
    keys = [(r["part"], r["arm"], r["seed"], r["round"]) for r in read_records(tmp_path / "ray" / "results.jsonl")]
    assert len(keys) == len(set(keys)) == len(ref.records)  # no round lost, none twice
    assert strip_timing(res.records) == strip_timing(ref.records)
