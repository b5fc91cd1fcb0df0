"""ARC-AGI against the standard benchmarks (capabilities.unseen_tasks)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scalewatch.analyses.capabilities.unseen import ARC, is_reasoning, thinking_budget, unseen_tasks
from scalewatch.findings import rule


@pytest.mark.parametrize(
    ("version", "expected"),
    [("o1-2024-12-17_medium", True), ("DeepSeek-R1-0528", True), ("gpt-5-2025-08-07_high", True), ("gemini-2.5-pro", True),
     ("gpt-4o-2024-11-20", False), ("claude-3-7-sonnet-20250219", False), ("Llama-4-Maverick-17B-128E-Instruct", False),
     ("gemini-1.5-pro-002", False)],
)
def test_is_reasoning(version, expected):
    assert is_reasoning(version) is expected


def test_thinking_budget():
    assert thinking_budget("gemini-2.5-flash-preview-04-17 (24K thinking)") == ("gemini-2.5-flash-preview-04-17", 24000.0)
    assert thinking_budget("o3-2025-04-16_high") is None


@pytest.fixture(scope="module")
def unseen():
    return unseen_tasks(fast=True, seed=0)


def test_unseen_tasks_finding(unseen):
    f = unseen.to_finding()
    assert f.key == "capabilities.unseen_tasks" and f.verdict == unseen.decision.verdict
    assert unseen.decision.rule == rule("capabilities.unseen_task_slope")
    s = unseen.slopes.set_index(["measure", "benchmark"])
    # ARC-AGI's scores in the data: no model without reasoning above 40%; effort raises it by well over 10 points
    assert unseen.points_arc.loc[~unseen.points_arc["reasoning"], "score"].max() < 0.4
    assert s.loc[("effort low -> high", ARC), "low"] > 10
    tc = s.loc[("training compute", ARC)]
    assert tc["low"] <= tc["estimate"] <= tc["high"] and tc["n"] >= 4
    assert {"training compute", "thinking budget", "effort low -> high"} <= set(unseen.comparison["measure"])
    assert np.isfinite(unseen.shift.set_index("benchmark").loc[ARC, "shift"])
    json.dumps(f.to_dict())
