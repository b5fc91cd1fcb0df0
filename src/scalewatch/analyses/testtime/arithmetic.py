"""``test-time.own_arithmetic``: the coverage law on small transformers trained by scalewatch (package data)."""

from __future__ import annotations

from typing import Any

import numpy as np

from scalewatch.analyses.testtime._common import KEY_OWN
from scalewatch.analyses.testtime.coverage_finding import coverage_law_finding
from scalewatch.findings import Finding, analysis

__all__ = []


@analysis(KEY_OWN, question="test-time", title="Coverage against samples on our own models (arithmetic)")
def own_arithmetic_analysis(ctx: Any) -> Finding:
    """Brown et al.'s coverage law on small transformers trained here, sampled 256 times per held-out arithmetic problem.

    The data are committed with the package (``scalewatch/experiments/data/testtime``, made by
    ``python -m scalewatch.experiments._arith``), so this analysis needs no download.
    """
    from scalewatch.experiments import load_arithmetic_testtime

    res = load_arithmetic_testtime()
    n = int(res.per_problem["num_samples"].min())
    ks = tuple(2**i for i in range(int(np.log2(n)) + 1))
    return coverage_law_finding(
        res.per_problem, res.runs, ks=ks, budget=4096, fit_up_to=max(ks) // 16, compare_up_to=(max(ks) // 32, max(ks) // 16),
        n_resamples=ctx.pick(1000, 200), seed=ctx.seed, source="scalewatch-arith (this repository's own sweep)",
        models="scalewatch-trained", task="held-out arithmetic", key=KEY_OWN,
        title="Coverage against samples on our own models (arithmetic)",
    )
