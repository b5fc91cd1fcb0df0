"""Frontier clusters and training costs from epoch-ai-models: Cottier et al.'s 2.4x per year reproduced."""

from __future__ import annotations

import numpy as np
import pytest

from scalewatch.analyses.economics import (
    COTTIER_GROWTH,
    cluster_decision,
    cluster_trend,
    cost_growth_decision,
    frontier_models,
    log_linear_trend,
    training_cost_trend,
)
from scalewatch.data import datasets


@pytest.fixture(scope="module")
def md():
    return datasets.load("epoch-ai-models")


@pytest.fixture(scope="module")
def costs(md):
    return training_cost_trend(md, n_draws=1000, n_boot=300, seed=0)


def test_log_linear_trend_recovers_a_rate_and_refuses_bad_input() -> None:
    rng = np.random.default_rng(0)
    x = np.linspace(2016, 2024, 40)
    y = 10 ** (0.4 * (x - 2016) + 6 + rng.normal(0, 0.1, x.size))
    tr = log_linear_trend(x, y)
    e, lo, hi = tr.factor(0.9)
    assert lo < 10**0.4 < hi and e == pytest.approx(10**0.4, rel=0.05)
    yr, ylo, yhi = tr.year_reaching(10.0, 2000, np.random.default_rng(1))
    assert ylo < yr < yhi and yr == pytest.approx(2026.0, abs=0.3)
    with pytest.raises(ValueError, match="positive"):
        log_linear_trend([1, 2, 3], [1.0, 0.0, 2.0])
    with pytest.raises(ValueError, match="at least 3"):
        log_linear_trend([1, 2], [1.0, 2.0])


def test_the_frontier_lists_are_disjoint_per_n(md) -> None:
    f = md.tables["frontier"]
    top = f[f["rule"] == "top_n"]
    assert top["model"].duplicated().sum() == 0  # each n lists the models it adds: the top-10 set is a union
    assert {"GPT-4", "Gemini 1.0 Ultra"} <= frontier_models(md, top_n=10)


def test_cottier_growth_is_reproduced_within_its_interval(costs) -> None:
    e, lo, hi = costs.reproduction
    assert COTTIER_GROWTH[1] <= e <= COTTIER_GROWTH[2]  # measured 2.47 [2.13, 2.87] on 61 top-10 models, 2016-2023
    assert e == pytest.approx(2.47, abs=0.02) and costs.n_reproduction == 61
    assert costs.verdict == "holds" == cost_growth_decision(costs.reproduction).verdict
    v = costs.variants.set_index("variant")
    earlier = v.loc["earlier measurement: model_costs_updated, all dates"]
    assert int(earlier["n"]) == 61 and 2.6 < earlier["factor"] < 3.0  # the series behind the earlier 2.77x


def test_cost_projections_are_ordered_and_cost_grows_slower_than_compute(costs) -> None:
    years = [costs.year_cost[c] for c in (1e10, 1e11, 1e12)]
    assert all(lo < e < hi for e, lo, hi in years)
    assert years[0][0] < years[1][0] < years[2][0]
    assert 2028 < years[0][0] < 2034
    share, lo, hi = costs.cost_share
    assert 0 < lo < share < hi < 1  # cheaper FLOP: cost grows slower than compute
    f = costs.to_finding()
    assert f.key == "test-time.training_costs" and any("(published)" in n.name for n in f.numbers)


def test_grok3_against_the_record_cluster_trend(md) -> None:
    c = cluster_trend(md, n_draws=1000, seed=0)
    assert c.test_accelerators == 100_000
    for s in (c.h100e, c.counts):
        assert list(s.records["model"])[-1] == "Grok-3"
        e, lo, hi = s.log_ratio
        assert lo < e < hi
    assert list(c.h100e.records["model"])[:2] == ["AlphaZero", "GPT-3 175B (davinci)"]
    assert c.h100e.records["value"].iloc[-1] == pytest.approx(1e5)  # H100s are their own unit
    # measured: 4.4x [1.4, 14] the earlier trend in H100-equivalents, 1.5x [0.4, 5.0] in accelerator counts
    assert 0 < c.h100e.log_ratio[1] and c.counts.log_ratio[1] < 0 < c.counts.log_ratio[2]
    assert c.verdict == cluster_decision(c.h100e.log_ratio).verdict
    ye, ylo, yhi = c.h100e.year_target[1e6]
    assert 2026 < ye < 2036 and ylo < ye < yhi
    with pytest.raises(ValueError, match="not a record cluster"):
        cluster_trend(md, test_model="Llama 3.1-405B", n_draws=10)
    assert cluster_decision((0.0, -0.2, 0.25)).verdict == "holds"


def test_claims_we_could_not_measure_are_quoted_never_measured() -> None:
    from scalewatch.analyses.economics import QUOTED_CLAIMS, unmeasured_claims

    f = unmeasured_claims().to_finding()
    assert f.key == "test-time.unmeasured_claims" and f.verdict == "inconclusive"
    assert not f.numbers  # nothing here is a measurement
    assert len(QUOTED_CLAIMS) == 4 and all(c.citation and c.would_settle for c in QUOTED_CLAIMS)
    (title, rows), = f.tables if isinstance(f.tables, (list, tuple)) else list(f.tables.items())
    assert "quoted" in title and {"100,000x" in r["best available figure (quoted, not measured)"] for r in rows} == {True, False}


def test_every_new_result_round_trips_to_json(md, costs) -> None:
    import json

    from scalewatch.analyses.economics import inference_price_trends, unmeasured_claims

    for r in (costs, cluster_trend(md, n_draws=100, seed=0), inference_price_trends(n_resamples=100), unmeasured_claims()):
        d = json.loads(r.to_json())
        assert d and isinstance(d, dict)
        assert r.to_finding().to_dict()["key"].startswith("test-time.")
    g, lo, hi = costs.flop_per_dollar_growth
    assert 1 < lo < g < hi  # a dollar buys more training FLOP each year
