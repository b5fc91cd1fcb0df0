"""The ``sweep.chinchilla`` analysis: synthetic IsoFLOP runs from a known law, and the committed sweep."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalewatch.analyses.sweep import isoflop_minima, sweep_finding, sweep_verdict
from scalewatch.findings import Finding

TRUE = {"E": 0.9, "A": 60.0, "B": 300.0, "alpha": 0.4, "beta": 0.35}


def synthetic(noise: float = 0.003, bend: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """4 budgets x 5 sizes around the optimum, losses from TRUE with multiplicative noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in (1e11, 3e11, 1e12, 3e12):
        n_opt = np.sqrt(c / (6 * 200))
        for n in n_opt * np.geomspace(0.25, 4, 5):
            d = c / (6 * n)
            loss = TRUE["E"] + TRUE["A"] * n ** -TRUE["alpha"] + TRUE["B"] * d ** -TRUE["beta"]
            loss *= np.exp(noise * rng.standard_normal()) * (1 + bend * (c == 3e12))
            rows.append({"params": n, "tokens": d, "loss": loss, "compute": 6 * n * d,
                         "config": json.dumps({"plan": {"budget": c}})})
    return pd.DataFrame(rows)


def test_a_law_that_holds_is_found_to_hold() -> None:
    # "holds" is an equivalence test (interval inside 0 +/- 1%): with 0.3% noise one seed's interval reaches 1.6%
    # (inconclusive, as it should be); with 0.1% noise the interval is narrow enough to show the law holds
    assert sweep_finding(synthetic(), n_boot=30, seed=0).verdict in ("holds", "inconclusive")
    f = sweep_finding(synthetic(noise=0.001), n_boot=30, seed=0)
    assert isinstance(f, Finding) and f.question == "sweep" and f.verdict == "holds"
    nums = {n.name: n for n in f.numbers}
    assert abs(nums["held-out mean excess"].value) < 1.0
    assert nums["held-out mean absolute error"].value < 1.5
    assert nums["alpha"].value == pytest.approx(TRUE["alpha"], abs=0.15)
    a_true = TRUE["beta"] / (TRUE["alpha"] + TRUE["beta"])
    assert nums["a (law)"].value == pytest.approx(a_true, abs=0.1)
    assert len(f.figures) == 2 and f.to_dict()["verdict"] == "holds"


def test_a_bend_at_the_largest_budget_is_found() -> None:
    f = sweep_finding(synthetic(bend=0.08), n_boot=30, seed=0)
    assert f.verdict == "falls short of the law" and f.rule["outcome"] == "unfavourable"
    assert {n.name: n for n in f.numbers}["held-out mean excess"].value > 5


def test_isoflop_minima_recover_the_optimum() -> None:
    n = np.geomspace(1e3, 1e5, 7)
    loss = 2.0 + 0.1 * (np.log(n) - np.log(1e4)) ** 2
    (m,) = isoflop_minima(n, loss, np.full(7, 1e12))
    assert m["n_opt"] == pytest.approx(1e4) and m["loss_opt"] == pytest.approx(2.0) and m["bracketed"]


def test_verdict_rules_and_errors() -> None:
    assert sweep_verdict(2, -1, 1)[0] == "inconclusive"
    assert sweep_verdict(6, -8, 8)[0] == "inconclusive"
    assert sweep_verdict(6, -3, -0.5)[0] == "inconclusive"  # straddles the 1% margin
    assert sweep_verdict(6, -3, -1.5)[0] == "beats the law"  # favourable miss: not "holds"
    assert sweep_verdict(6, 1.5, 3)[0] == "falls short of the law"
    assert sweep_verdict(6, -0.5, 0.5)[0] == "holds"
    with pytest.raises(ValueError, match="need at least 2"):
        sweep_finding(synthetic().iloc[:5], n_boot=30)
    with pytest.raises(ValueError, match=r"n_boot=5"):
        sweep_finding(synthetic(), n_boot=5)
