"""The synthetic-data experiment: checker, diversity measures, one tiny round end to end, resume after a kill."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scalewatch.experiments.selfplay import (
    Interrupted,
    SelfPlayConfig,
    _label,
    check_sums,
    distinct_ngram_ratio,
    read_records,
    run_selfplay,
    strip_timing,
    tail_share,
)

TINY = dict(seeds=(0,), rounds=2, arms=("verified", "unverified"), seed_problems=60, pool_problems=12, heldout_per_digit=6,
            k=3, model=(1, 2, 16), seed_steps=6, round_steps=4, batch_size=4, generations=2, text_bytes=150_000,
            text_context=24, text_steps=4, text_samples=8)


def test_checker_rejects_wrong_answers():
    a, b = [12, 99, 5, 305], [34, 1, 5, 7]
    assert check_sums(a, b, ["64", "001", "01", "213"]).all()
    wrong = ["46", "0010", "1", "312"]  # not reversed, leading zero, missing digit, digits swapped
    assert not check_sums(a, b, wrong).any()
    assert not check_sums([1], [1], [" 2"]).any()
    with pytest.raises(ValueError, match="one of each"):
        check_sums([1, 2], [3], ["4"])


def test_labels_of_each_arm():
    a, b = np.array([12, 20]), np.array([34, 30])
    samples = [["64", "46", "46", "x"], ["05", "05", "06", "05"]]
    lines, st = _label("verified", a, b, samples)
    assert lines == ["12+34=64\n", "20+30=05\n"] and st["label precision"] == 1.0
    lines, st = _label("majority", a, b, samples)  # the majority of problem 0 is wrong
    assert lines == ["12+34=46\n", "20+30=05\n"] and st["label precision"] == 0.5
    lines, _ = _label("unverified", a, b, samples)  # every distinct well-formed sample; 'x' dropped
    assert sorted(lines) == sorted(["12+34=46\n", "12+34=64\n", "20+30=05\n", "20+30=06\n"])
    assert st["acceptance rate"] == pytest.approx((1 / 4 + 3 / 4) / 2)
    assert _label("ground_truth", a, b, None)[0] == ["12+34=64\n", "20+30=05\n"]


def test_distinct_ngrams_on_constructed_text():
    assert distinct_ngram_ratio([b"abcdef"], 2) == 1.0
    assert distinct_ngram_ratio([b"aaaaa"], 2) == 0.25  # 4 bigrams, one distinct
    assert distinct_ngram_ratio([b"abab", b"abab"], 2) == pytest.approx(2 / 6)
    assert np.isnan(distinct_ngram_ratio([b"a"], 2))


def test_tail_share_on_constructed_text():
    ref = np.array([0] * 90 + [1] * 6 + [2] * 4, dtype=np.uint8)
    assert tail_share(ref, ref, tail=0.1) == (pytest.approx(0.1), pytest.approx(0.1))
    collapsed = np.zeros(50, dtype=np.uint8)
    assert tail_share(collapsed, ref, tail=0.1)[0] == 0.0
    assert tail_share(np.array([2, 2], dtype=np.uint8), ref, tail=0.05)[0] == 1.0  # tail = {2} alone (4%)


def test_config_round_trip_and_errors():
    cfg = SelfPlayConfig(**TINY)
    assert SelfPlayConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    with pytest.raises(ValueError, match="unknown settings"):
        SelfPlayConfig.from_dict({"round": 3})
    with pytest.raises(ValueError, match="subset of"):
        SelfPlayConfig(arms=("oracle",))


def test_tiny_run_end_to_end_and_resume_after_kill(tmp_path):
    cfg = SelfPlayConfig(**TINY)
    full = run_selfplay(cfg, tmp_path / "full")
    keys = {(r["part"], r["arm"], r["round"]) for r in full.records}
    assert keys == {("closed", "seed", 0), ("closed", "verified", 1), ("closed", "verified", 2), ("closed", "unverified", 1),
                    ("closed", "unverified", 2), ("open", "human", 0), ("open", "synthetic", 1), ("open", "synthetic", 2),
                    ("open", "mixed", 1), ("open", "mixed", 2)}
    for r in full.records:
        assert r["train FLOPs"] > 0
        if r["part"] == "closed":
            assert 0.0 <= r["pass@1"] <= 1.0 and {"pass@1 d2", "pass@1 d3"} <= set(r)
        else:
            assert np.isfinite(r["heldout loss"]) and 0 < r["distinct-4"] <= 1
    ver = [r for r in full.records if r["arm"] == "verified"]
    assert all(r["generation FLOPs"] > 0 and (r["labels kept"] == 0 or r["label precision"] == 1.0) for r in ver)
    # a kill after 3 records (mid-chain), then a kill after 4 more, then resume to the end
    part = tmp_path / "part"
    for stop in (3, 4):
        with pytest.raises(Interrupted):
            run_selfplay(cfg, part, stop_after=stop)
    assert len(read_records(part / "results.jsonl")) == 7
    resumed = run_selfplay(cfg, part)
    assert len(resumed.records) == len(full.records)  # nothing lost, nothing duplicated
    assert strip_timing(resumed.records) == strip_timing(full.records)
    # a different configuration in the same folder is refused
    with pytest.raises(ValueError, match="another configuration"):
        run_selfplay(SelfPlayConfig(**{**TINY, "k": 2}), part)


def test_cli_runs_a_config_and_refuses_a_bad_one(tmp_path, capsys):
    import subprocess
    import sys

    from scalewatch.cli import main

    code = ("import sys\nfrom scalewatch.cli import main\n"
            "for argv in (['experiment', '--help'], ['experiment', 'selfplay', '--help']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False"
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({**SelfPlayConfig(**TINY).to_dict(), "rounds": 1, "generations": 0}))
    assert main(["experiment", "selfplay", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 0
    assert "3 records" in capsys.readouterr().out  # seed model + 2 arms x 1 round
    assert main(["experiment", "selfplay", "--config", str(cfg), "--out", str(tmp_path / "q"), "--address", "auto"]) == 1
    assert "error: run_selfplay(address='auto'): an address is for executor='ray' only" in capsys.readouterr().err
    cfg.write_text(json.dumps({"rounds": 0}))
    assert main(["experiment", "selfplay", "--config", str(cfg), "--out", str(tmp_path / "p")]) != 0
    assert "rounds" in capsys.readouterr().err


def test_scratch_mode_retrains_at_the_same_size(tmp_path):
    cfg = SelfPlayConfig(**{**TINY, "mode": "scratch", "rounds": 1, "generations": 0})
    res = run_selfplay(cfg, tmp_path / "s")
    rec = {r["arm"]: r for r in res.records}
    seed_rec = rec["seed"]
    # retraining from scratch costs the seed model's training compute every round
    assert rec["verified"]["train FLOPs"] == seed_rec["train FLOPs"]


@pytest.mark.parametrize(("kw", "match"), [
    ({"executor": "slurm"}, r"run_selfplay\(executor='slurm'\): must be one of local, ray"),
    ({"workers": 0}, r"run_selfplay\(workers=0\): must be an int >= 1"),
    ({"address": "auto"}, r"run_selfplay\(address='auto'\): an address is for executor='ray' only"),
])
def test_bad_executor_arguments_are_refused_before_any_work(tmp_path, kw, match):
    with pytest.raises(ValueError, match=match):
        run_selfplay(SelfPlayConfig(**TINY), tmp_path / "x", **kw)
    assert not (tmp_path / "x").exists()


def test_ray_missing_is_a_clear_error(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(ImportError, match=r"run_selfplay\(executor='ray'\) needs Ray, which is not installed"):
        run_selfplay(SelfPlayConfig(**TINY), tmp_path / "x", executor="ray")


def test_process_pool_gives_the_in_process_records_and_a_killed_worker_resumes(tmp_path, monkeypatch):
    """Seeds and arms run in parallel in a spawn pool; a worker killed after saving a round's checkpoint
    (before its record reached the parent) breaks the pool; the rerun loses and duplicates nothing."""
    from concurrent.futures.process import BrokenProcessPool

    cfg = SelfPlayConfig(**{**TINY, "seeds": (0, 1), "generations": 1})
    ref = run_selfplay(cfg, tmp_path / "ref")
    pooled = run_selfplay(cfg, tmp_path / "pool", workers=2)
    assert strip_timing(pooled.records) == strip_timing(ref.records)
    monkeypatch.setenv("_SCALEWATCH_TEST_KILL_ROUND", str(tmp_path / "killed"))
    with pytest.raises(BrokenProcessPool):
        run_selfplay(cfg, tmp_path / "kill", workers=2)
    assert (tmp_path / "killed").is_file()
    before = read_records(tmp_path / "kill" / "results.jsonl")
    assert 0 < len(before) < len(ref.records)
    resumed = run_selfplay(cfg, tmp_path / "kill", workers=2)  # the marker exists: no second kill
    keys = [(r["part"], r["arm"], r["seed"], r["round"]) for r in read_records(tmp_path / "kill" / "results.jsonl")]
    assert len(keys) == len(set(keys)) == len(ref.records)
    assert strip_timing(resumed.records) == strip_timing(ref.records)


def test_larger_model_arm_spends_the_verified_chains_compute(tmp_path):
    from scalewatch.experiments import ModelConfig

    cfg = SelfPlayConfig(**{**TINY, "arms": ("verified", "larger_model"), "generations": 0})
    assert "larger_model" in SelfPlayConfig().arms  # the default (committed) run compares with it
    res = run_selfplay(cfg, tmp_path / "l")
    rec = {(r["arm"], r["round"]): r for r in res.records}
    small = ModelConfig(n_layer=1, n_head=2, d_model=16, context=cfg.arith_context)
    wide = ModelConfig(n_layer=1, n_head=2, d_model=32, context=cfg.arith_context)
    per_step = wide.flops_per_token() * cfg.batch_size * cfg.arith_context
    spent = rec[("seed", 0)]["train FLOPs"]
    for r in (1, 2):
        ver, big = rec[("verified", r)], rec[("larger_model", r)]
        spent += ver["train FLOPs"] + ver["generation FLOPs"]  # the verified chain's total up to round r
        assert big["compute budget"] == pytest.approx(spent, rel=1e-12)
        assert spent - per_step < big["train FLOPs"] <= spent  # whole steps of the wider model
        assert big["generation FLOPs"] == 0.0 and big["params"] == wide.params() > 3 * small.params()
        assert 0.0 <= big["pass@1"] <= 1.0
