"""The demand trends and the data-wall year (the stock: test_stock.py)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from scalewatch import laws
from scalewatch.analyses.datawall import (
    DataStockAssumptions,
    Estimate,
)
from scalewatch.analyses.datawall.demand import (
    R_D_STAR,
    DemandAssumptions,
    GrowthTrend,
    data_demand,
    fit_growth,
    repetition_relief,
)
from scalewatch.analyses.datawall.wall import data_wall, verdict_for


def test_repetition_relief_follows_the_data_constrained_law():
    # Muennighoff et al. (2023), eq. 5: D' = U (1 + R* (1 - exp(-R_D / R*))), R_D = epochs - 1
    assert R_D_STAR == laws.DataConstrained.published["R_D_star"]
    assert repetition_relief(1.0) == pytest.approx(1.0)
    assert repetition_relief(4.0) == pytest.approx(1 + R_D_STAR * (1 - math.exp(-3 / R_D_STAR)))
    assert float(repetition_relief(4.0)) == pytest.approx(3.7257, abs=1e-4)  # 4 epochs are worth ~3.7 fresh ones
    assert repetition_relief(1e6) == pytest.approx(1 + R_D_STAR, rel=1e-6)  # saturates at U (1 + R*)
    with pytest.raises(ValueError, match=">= 1"):
        repetition_relief(0.5)


def test_fit_growth_recovers_a_planted_growth_rate_with_an_interval():
    rng = np.random.default_rng(0)
    t = np.sort(rng.uniform(2015, 2025, 80))
    y = 1e20 * 4.0 ** (t - 2015) * np.exp(0.5 * rng.standard_normal(t.size))
    g = fit_growth(t, y, n_boot=500, seed=1)
    est, lo, hi = g.growth_per_year()
    assert lo < 4.0 < hi and hi / lo < 1.3
    assert g.t0 == pytest.approx(t.max())
    v = g.value_at([2030.0])
    assert v["low"][0] < 1e20 * 4.0**15 < v["high"][0]
    with pytest.raises(ValueError, match="at least 3"):
        fit_growth([2020.0, 2021.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="> 0"):
        fit_growth([2020.0, 2021.0, 2022.0], [1.0, 0.0, 2.0])


def test_verdict_thresholds():
    assert verdict_for(0.95, 2030) == "wall before 2030"
    assert verdict_for(0.05, 2030) == "no wall before 2030"
    assert verdict_for(0.5, 2030) == "inconclusive"
    with pytest.raises(ValueError, match="probability"):
        verdict_for(1.5, 2030)


def test_demand_assumptions_validate():
    with pytest.raises(ValueError, match="positive"):
        DemandAssumptions(overtrain=0.0)
    with pytest.raises(TypeError, match="integer"):
        DemandAssumptions(top_k=2.5)
    with pytest.raises(ValueError, match="epochs"):
        DemandAssumptions(relief_epochs=0.5)
    assert DemandAssumptions().replace(verdict_year=2035).verdict_year == 2035


# -- the real data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demand():
    return data_demand(DemandAssumptions(n_boot=300, law_bootstrap=30), seed=0)


def test_demand_trends_on_epoch_data(demand):
    gc = demand.compute.growth_per_year()
    gd = demand.dataset.growth_per_year()
    # frontier language-model compute grew several-fold a year since 2020; datasets about 2x a year
    assert 3.5 < gc[0] < 8 and gc[1] < gc[0] < gc[2]
    assert 1.5 < gd[0] < 3.5 and gd[1] < gd[0] < gd[2]
    # the Chinchilla refit of Besiroglu et al. (2024): alpha 0.3478, beta 0.3658 -> b = 0.4875
    b = demand.law_quantity("b")
    assert b[0] == pytest.approx(0.3478 / (0.3478 + 0.3658), abs=0.01)
    assert b[1] < b[0] < b[2]
    # Llama 3.1-405B (3.8e25 FLOP, 15.6T tokens) is among the frontier models
    assert "Llama 3.1-405B" in set(demand.frontier["model"])
    opt = demand.optimal_tokens([demand.compute.t0])
    assert 1e12 < opt["median"][0] < 1e14


def test_wall_year_formula_on_a_known_case(demand):
    # a fixed stock and no scatter: the wall year is exactly t0 + (ln S - level) / rate
    S = np.full(50, 300e12)
    rate = math.log(2.0)
    level = math.log(15e12)
    fixed = GrowthTrend("d", "tokens", 2025.0, level, rate, np.tile([level, rate], (10, 1)), demand.dataset.points, 0.9)
    from dataclasses import replace

    from scalewatch.analyses.datawall.wall import _wall_samples

    w = _wall_samples(S, replace(demand, dataset=fixed), np.random.default_rng(0))
    assert np.allclose(w["dataset trend"], 2025.0 + math.log(20.0) / math.log(2.0))


def test_data_wall_on_real_data_is_consistent_and_editable(demand):
    stock = DataStockAssumptions(n_samples=4000)
    wall = data_wall(stock, demand, seed=0, sensitivity_starts=(2020.0,))
    med, lo, hi = wall.year_summary()
    # Villalobos et al. (2024) project full use of the stock between 2026 and 2032 (median 2028)
    assert 2026 <= med <= 2032 and lo < med < hi
    assert 0.0 < wall.p_before(2030) < 1.0
    assert wall.verdict in ("wall before 2030", "no wall before 2030", "inconclusive")
    assert wall.verdict == wall.decision.verdict == verdict_for(wall.p_before(2030), 2030)
    assert wall.decision.rule.name == "data.wall_year"
    # one interval for the pooled wall year: the one the rule judges (10%-90%), in the numbers and in to_dict
    assert (lo - 2030, hi - 2030) == pytest.approx((wall.decision.low, wall.decision.high), abs=1e-9)
    pooled = [n for n in wall.numbers() if n["name"] == "wall year (pooled)"]
    assert len(pooled) == 1 and pooled[0]["ci"] == 0.8 and (pooled[0]["low"], pooled[0]["high"]) == pytest.approx((lo, hi))
    assert wall.to_dict()["wall_year"]["pooled"]["ci"] == 0.8
    # repetition: ln(3.73) / growth rate of demand, a year or two
    r = wall.relief_summary()
    assert 0.5 < r[0] < 4
    # ten times the stock pushes the dataset-trend wall by ln(10) / g_D years, draw by draw
    ten = data_wall(
        stock.replace(human_text=Estimate("human_text_stock", 3e15, 1e15, 1e16, unit="tokens"), extensions=()),
        demand,
        seed=0,
        sensitivity_starts=(2020.0,),
    )
    shift = np.median(ten.wall_years["dataset trend"]) - np.median(wall.wall_years["dataset trend"])
    assert shift == pytest.approx(math.log(10) / demand.dataset.rate, rel=0.15)
    again = data_wall(stock, demand, seed=0, sensitivity_starts=(2020.0,))
    np.testing.assert_array_equal(again.wall_years["pooled"], wall.wall_years["pooled"])  # seeded end to end
    d = wall.to_dict()
    json.dumps(d)
    assert d["verdict"] == wall.verdict and d["stock"]["assumptions"]["human_text"]["median"] == 300e12
    assert "Data wall" in wall.report()


def test_registered_analysis_runs_in_the_report_and_gives_a_valid_finding():
    from scalewatch.findings import Finding
    from scalewatch.reporting import run_report

    report = run_report(modules=["scalewatch.analyses.datawall"], only=["data.wall"], fast=True)
    (outcome,) = report.outcomes
    assert outcome.status == "ok" and outcome.warnings == (), outcome.error
    assert set(outcome.requires) == {"epoch-ai-models", "chinchilla-hoffmann2022"}
    (f,) = outcome.findings
    assert f.key == "data.wall" and f.question == "data"
    assert f.verdict in ("wall before 2030", "no wall before 2030", "inconclusive")
    head = f.headline_number
    assert head.name == "wall year (pooled)" and head.has_interval and head.low < head.value < head.high
    # a share of draws, and the published year (its range is the paper's, not an interval of ours)
    assert sorted(n.name for n in f.numbers if not n.has_interval) == ["P(wall by 2030)", "wall year, published (Villalobos et al. 2024)"]
    assert f.rule is not None and f.rule["verdict"] == f.verdict
    assert {fig.title for fig in f.figures} >= {"Usable stock of training tokens", "Year demand meets the stock"}
    assert any("Villalobos" in c for c in f.citations) and "epoch-ai-models" in f.data_sources
    assert Finding.from_dict(json.loads(f.to_json())) == f


def test_demand_counts_unique_tokens_not_dataset_size_times_epochs(demand):
    fr = demand.frontier.set_index("model")
    meena = fr.loc["Meena"]
    # Meena: 40B words (53B tokens) for 164 epochs; demand is its unique text, not 8.7T tokens seen
    assert meena["tokens"] == meena["unique_tokens"] == pytest.approx(40e9 * 4 / 3)
    assert meena["tokens_seen"] == pytest.approx(40e9 * 4 / 3 * 164)
    assert demand.assumptions.demand_measure == "unique"
    assert (fr["tokens"].dropna() <= fr["tokens_seen"].dropna() + 1).all()
    with pytest.raises(ValueError, match="demand_measure"):
        DemandAssumptions(demand_measure="epochs")


def test_scenarios_show_how_each_choice_moves_the_year_and_quote_villalobos(demand):
    from scalewatch.analyses.datawall.wall import VILLALOBOS_2024, wall_rule

    wall = data_wall(DataStockAssumptions(n_samples=4000), demand, seed=0, sensitivity_starts=())
    sc = wall.scenarios.set_index("kind")
    assert list(sc.index) == ["baseline", "measure", "repetition", "published"]
    assert sc.loc["baseline", "median"] == pytest.approx(wall.year_summary()[0])
    # repetition relief applied once (stock x 3.73) buys ln(3.73) / growth rate of demand: it moves the year later
    assert sc.loc["repetition", "shift_years"] > 0.5
    assert sc.loc["measure", "demand"] == "seen" and sc.loc["measure", "shift_years"] != 0
    # Villalobos et al. (2024), abstract: "between 2026 and 2032"; median 2028
    assert (VILLALOBOS_2024["median"], VILLALOBOS_2024["low"], VILLALOBOS_2024["high"]) == (2028.0, 2026.0, 2032.0)
    assert sc.loc["published", "median"] == 2028.0
    assert wall_rule(2035).decide(1.0, 4.0).verdict == "no wall before 2035"
    assert wall_rule().decide(-4.0, -1.0).verdict == "wall before 2030"
    assert wall_rule().decide(-2.9, 0.1).verdict == "inconclusive"
    json.dumps(wall.to_dict())


def test_the_law_draws_are_the_reports_one_chinchilla_bootstrap():
    # one bootstrap per fit (issue 16, item 6): with the report's seed and resample count, b = 1 - a of every
    # resample is the one pretraining.chinchilla_fit quotes a from
    from scalewatch.analyses.datawall.demand import DemandAssumptions, data_demand
    from scalewatch.analyses.pretraining import CHINCHILLA_N_BOOT, chinchilla_bootstrap
    from scalewatch.analyses.pretraining.data import chinchilla_runs

    dm = data_demand(DemandAssumptions(n_boot=50, law_bootstrap=CHINCHILLA_N_BOOT[1]), seed=1, law_seed=0)
    runs, _ = chinchilla_runs()
    _, bs = chinchilla_bootstrap(runs["params"], runs["tokens"], runs["loss"], n_boot=CHINCHILLA_N_BOOT[1], seed=0)
    assert dm.law_failed == bs.n_failed == 0 and dm.law_draws["b"].size == CHINCHILLA_N_BOOT[1]
    assert np.allclose(dm.law_draws["b"], 1.0 - np.asarray(bs.samples["a"]), rtol=0, atol=1e-12)
