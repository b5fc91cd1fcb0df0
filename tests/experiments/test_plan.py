"""Sweep plans: IsoFLOP arithmetic (D = C / 6N with non-embedding N), grids, rules and time estimates."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("torch", reason="the experiments need torch: pip install 'scalewatch[experiments]'")

from scalewatch.experiments import Throughput, lr_for_width, plan_grid, plan_isoflop, preset  # noqa: E402


def test_isoflop_runs_cost_their_budget() -> None:
    plan = plan_isoflop([1e10, 1e11], sizes_per_budget=3, spread=3.0, context=32)
    assert plan.kind == "isoflop" and len(plan) == 6
    for run in plan.runs:
        n, d = run.spec.model.params(), run.spec.tokens_seen
        assert run.params == n and run.tokens == d and run.compute == 6.0 * n * d
        # D = C / (6N), rounded to whole batches of batch_size * context tokens
        assert abs(d - run.budget / (6.0 * n)) <= run.spec.batch_size * 32 / 2 + 1
        assert run.model_flops > run.compute  # the output head and attention cost extra
    assert plan.total_flops == pytest.approx(sum(r.compute for r in plan.runs))
    assert plan.total_flops == pytest.approx(3 * 1e10 + 3 * 1e11, rel=0.02)
    sizes = [r.params for r in plan.runs if r.budget == 1e11]
    assert sizes == sorted(sizes) and sizes[-1] / sizes[0] > 4  # spread x3 either side of the centre


def test_isoflop_centre_and_explicit_sizes() -> None:
    (run,) = plan_isoflop([1.2e10], sizes_per_budget=1, tokens_per_param=20, context=32).runs
    assert run.target_params == pytest.approx(math.sqrt(1.2e10 / 120))
    plan = plan_isoflop([1e11], sizes=[5e3, 2e4], context=32)
    assert [r.target_params for r in plan.runs] == [5e3, 2e4]


def test_grid_and_rules() -> None:
    plan = plan_grid([5e3, 2e4], [1e5, 2e5], context=32, seed=7)
    assert plan.kind == "grid" and len(plan) == 4 and {r.spec.seed for r in plan.runs} == {7}
    assert {r.budget for r in plan.runs} == {None}
    for r in plan.runs:
        assert r.spec.lr == lr_for_width(r.spec.model.d_model) == min(1e-2, 0.25 / r.spec.model.d_model)
        assert r.spec.warmup == 0.05 and r.spec.min_lr_ratio == 0.1
    table = plan.table()
    assert list(table.columns[:6]) == ["budget", "n_layer", "d_model", "n_head", "params", "tokens"]
    assert (table["compute"] == 6 * table["params"] * table["tokens"]).all()


def test_small_runs_get_smaller_batches() -> None:
    (run,) = plan_grid([5e3], [32 * 32 * 20], context=32, min_steps=100).runs
    assert run.spec.batch_size == 8  # 32 and 16 would give fewer than 100 steps


def test_estimate_seconds() -> None:
    plan = plan_grid([5e3, 2e4], [1e5, 2e5], context=32)
    slow, fast = Throughput(1e9), Throughput(2e9)
    assert plan.estimate_seconds(slow) == pytest.approx(2 * plan.estimate_seconds(fast))
    assert plan.estimate_seconds(1e9) == pytest.approx(plan.estimate_seconds(slow))
    assert plan.estimate_seconds(slow, workers=2) < plan.estimate_seconds(slow)
    assert plan.estimate_seconds(slow) == pytest.approx(sum(slow.seconds(r) for r in plan.runs))
    with pytest.raises(ValueError, match="throughput=-1"):
        plan.estimate_seconds(-1)


def test_default_preset_is_four_budgets_of_five_or_more_sizes() -> None:
    plan = preset("default")
    budgets = sorted({r.budget for r in plan.runs})
    assert budgets == [1e11, 3e11, 1e12, 3e12]
    assert all(sum(r.budget == b for r in plan.runs) >= 5 for b in budgets)
    with pytest.raises(ValueError, match="preset 'huge' is unknown; choose one of default, tiny"):
        preset("huge")


@pytest.mark.parametrize(("call", "match"), [
    (lambda: plan_isoflop([1e5]), r"budgets=\.\.\.\): 100000 is not allowed; each value must be >= 1e\+08"),
    (lambda: plan_isoflop([]), r"budgets=\[\]\): give at least one value"),
    (lambda: plan_isoflop([1e11, 1e11]), r"repeated values"),
    (lambda: plan_isoflop([1e11], spread=0.5), r"spread=0.5"),
    (lambda: plan_isoflop(["x"]), r"must be a list of numbers"),
    (lambda: plan_isoflop([1e9], sizes=[1e6], context=32), r"less than one batch"),
    (lambda: plan_grid([10], [1e5]), r"sizes=\.\.\.\): 10 is not allowed"),
])
def test_bad_plans_raise_one_clear_error(call, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=match):
        call()
