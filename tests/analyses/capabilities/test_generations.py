"""Generation gains on the stitched capability index (capabilities.generation_gains)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scalewatch.analyses.capabilities.generations import LINEAGES, generation_gains, reestimate, stitched_scores
from scalewatch.findings import rule


def test_reestimate_gives_back_the_joint_fit():
    """At the joint optimum each version's capability is its own argmin with the benchmarks fixed."""
    vs = ["gpt-4-0613", "gpt-4o-2024-11-20", "LLaMA-65B", "claude-3-opus-20240229", "DeepSeek-V3"]
    sc = stitched_scores(vs)
    C = reestimate(sc, np.ones(len(sc.rows)))
    joint = sc.stitched.set_index("version").loc[vs, "capability"].to_numpy()
    np.testing.assert_allclose(C, joint, atol=0.02)


def test_reestimate_places_versions_outside_the_joint_fit_and_drops_empty_ones():
    sc = stitched_scores(["davinci", "text-davinci-001"])
    assert "davinci" not in set(sc.stitched["version"])  # no release date, two scores: not in the joint fit
    C = reestimate(sc, np.ones(len(sc.rows)))
    assert np.isfinite(C).all() and C[0] < C[1] + 0.5
    w = (sc.rows["version"] != "davinci").to_numpy(float)
    assert np.isnan(reestimate(sc, w)[0])


def test_stitched_scores_rejects_unknown_versions():
    with pytest.raises(ValueError, match="unknown model versions"):
        stitched_scores(["gpt-17"])


@pytest.fixture(scope="module")
def gains():
    return generation_gains(fast=True, seed=0)


def test_generation_gains_finding(gains):
    f = gains.to_finding()
    assert f.key == "capabilities.generation_gains" and f.verdict == gains.decision.verdict
    assert gains.decision.rule == rule("capabilities.generation_gain")
    assert sum(len(g) >= 3 for g in LINEAGES.values()) == len(LINEAGES)
    g = gains.generations[gains.generations["domain"] == "all"].set_index("generation")
    # the index starts with GPT-3 and rises along OpenAI's flagships
    caps = g.loc[["GPT-3", "GPT-3.5", "GPT-4", "GPT-4o", "GPT-4.5"], "capability"].to_numpy()
    assert np.all(np.diff(caps) > 0)
    e, lo, hi = gains.pooled
    assert lo <= e <= hi
    judged = gains.lineages[gains.lineages["judged"]]
    assert "OpenAI" in set(judged["lineage"]) and np.isclose(judged["weight"].sum(), 1.0)
    assert {"language", "coding", "math", "coding - language"} <= set(gains.steps["domain"])
    json.dumps(f.to_dict())
