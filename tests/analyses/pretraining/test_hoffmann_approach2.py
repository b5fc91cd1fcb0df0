"""Hoffmann et al.'s Approach 2 reproduced on the extracted Chinchilla runs, one procedural choice at a time."""

from __future__ import annotations

import pytest

from scalewatch.analyses import pretraining as pt
from scalewatch.fitting import quiet_fit
from scalewatch.laws import Chinchilla


@pytest.fixture(scope="module")
def repro():
    ch, _ = pt.chinchilla_runs()
    fit = quiet_fit(Chinchilla(), ch, [], seed=0)
    return pt.approach2_reproduction(ch, fit.params, n_boot=100, seed=0).set_index(["tolerance_decades", "variant"])


def test_published_exponents_are_quoted_as_printed():
    # Hoffmann et al. (2022), Table 2
    assert dict(pt.HOFFMANN_PUBLISHED_A) == {"approach 1": 0.50, "approach 2": 0.49, "approach 3": 0.46}


def test_the_papers_procedure_with_runs_moved_to_their_budget_reproduces_049(repro):
    for tol in (0.08, 0.12, 0.3):
        moved = repro.loc[(tol, "all points, runs moved to their budget")]
        # measured 0.502 [0.49, 0.53] at every tolerance: the published 0.49 is inside
        assert moved.a == pytest.approx(0.50, abs=0.015) and moved.contains_published
        assert moved.budgets_used == 9
    # without the move the paper's procedure sits above 0.49 (0.52-0.55), and our default window is unstable
    paper = repro.xs("all points (the paper's procedure)", level="variant")
    assert (paper["a"] > 0.51).all()
    window = repro.xs("window of 5 sizes (our default)", level="variant")
    assert window["a"].max() - window["a"].min() > 0.05
    assert repro.loc[(0.12, "window of 5 sizes (our default)")].a == pytest.approx(0.572, abs=0.01)
