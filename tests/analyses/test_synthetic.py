"""synthetic-data.selfplay: the finding from constructed records, and from the committed run."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scalewatch.analyses.synthetic import KEY, RULE, closed_curves, open_curves, seed_interval, selfplay_finding
from scalewatch.experiments.selfplay import SelfPlayConfig, SelfPlayResult
from scalewatch.findings.rules import rule


def _records(verified_gain: float, seeds=(0, 1, 2)) -> list[dict]:
    recs = []
    for s in seeds:
        base = 0.2 + 0.01 * s
        recs.append({"part": "closed", "arm": "seed", "seed": s, "round": 0, "pass@1": base, "pass@1 d2": base,
                     "pass@1 d3": 0.0, "train FLOPs": 1e12, "generation FLOPs": 0.0})
        for arm, g in (("verified", verified_gain), ("unverified", -0.05), ("seed_only", 0.05)):
            for r in (1, 2):
                recs.append({"part": "closed", "arm": arm, "seed": s, "round": r, "pass@1": base + g * r / 2 + 0.001 * s,
                             "pass@1 d2": base, "pass@1 d3": 0.01 * r, "train FLOPs": 1e11,
                             "generation FLOPs": 1e10 if arm != "seed_only" else 0.0, "acceptance rate": 0.1})
        recs.append({"part": "open", "arm": "human", "seed": s, "round": 0, "heldout loss": 2.0, "distinct-4": 0.7,
                     "tail share": 0.05, "byte entropy (bits)": 5.0, "train FLOPs": 1e12, "generation FLOPs": 1e10})
        for arm, dl in (("synthetic", 0.3), ("mixed", 0.02)):
            for g in (1, 2):
                recs.append({"part": "open", "arm": arm, "seed": s, "round": g, "heldout loss": 2.0 + dl * g + 0.01 * s,
                             "distinct-4": 0.7 - 0.1 * g, "tail share": 0.05 - 0.01 * g, "byte entropy (bits)": 5.0,
                             "train FLOPs": 1e12, "generation FLOPs": 1e10})
    return recs


CFG = SelfPlayConfig(rounds=2, arms=("verified", "unverified", "seed_only"), generations=2)


def test_seed_interval_is_student_t():
    m, lo, hi = seed_interval([1.0, 2.0, 3.0])
    assert m == 2.0 and hi - m == pytest.approx(4.302652729911275 * 1.0 / math.sqrt(3))
    assert math.isnan(seed_interval([1.0])[1])


def test_helps_when_the_checker_beats_the_seed_data():
    f = selfplay_finding(SelfPlayResult(CFG, tuple(_records(0.2))))
    assert f.key == KEY and f.question == "synthetic-data"
    assert f.verdict == "helps" == rule(RULE).decide(f.headline_number.low, f.headline_number.high).verdict
    assert f.headline_number.value == pytest.approx(15.0, abs=1e-9)  # 20 - 5 points
    nums = {n.name: n for n in f.numbers}
    assert nums["synthetic: held-out loss change by generation 2 (ours)"].value == pytest.approx(0.61)  # + 0.01 s averaged over seeds
    assert nums["mixed: held-out loss change by generation 2 (ours)"].value == pytest.approx(0.05)
    assert len(f.figures) == 3  # closed and open side by side, and diversity


def test_does_not_help_and_hurts():
    assert selfplay_finding(SelfPlayResult(CFG, tuple(_records(0.05)))).verdict == "does not help"
    assert selfplay_finding(SelfPlayResult(CFG, tuple(_records(-0.2)))).verdict == "hurts"
    one_seed = selfplay_finding(SelfPlayResult(CFG, tuple(_records(0.2, seeds=(0,)))))
    assert one_seed.verdict == "inconclusive"


def test_curves_put_the_seed_model_at_round_zero():
    cc = closed_curves(_records(0.2))
    assert set(cc[cc["round"] == 0]["arm"]) == {"verified", "unverified", "seed_only"}
    v = cc[cc["arm"] == "verified"].sort_values("round")
    assert np.all(np.diff(v["cumulative FLOPs"]) == pytest.approx(1.1e11))
    oc = open_curves(_records(0.2))
    assert oc[(oc["arm"] == "synthetic") & (oc["generation"] == 2)]["heldout loss"].iloc[0] == pytest.approx(2.61)


def test_committed_run_gives_the_registered_finding():
    from scalewatch.experiments.selfplay import DATA_DIR, load_selfplay

    if not (DATA_DIR / "results.jsonl").is_file():
        pytest.skip("no committed selfplay run")
    res = load_selfplay()
    f = selfplay_finding(res)
    assert f.verdict in ("helps", "does not help", "hurts", "inconclusive")
    import json

    from scalewatch.findings import Finding

    assert Finding.from_dict(json.loads(json.dumps(f.to_dict()))).verdict == f.verdict
    n = len(res.config.seeds)
    assert sum(r["part"] == "closed" for r in res.records) == n * (1 + res.config.rounds * len(res.config.arms))
    assert sum(r["part"] == "open" for r in res.records) == n * (1 + res.config.generations * len(res.config.text_arms))
