"""Capabilities: verdict rules, the decoupling test, user tables, and the analyses on the public datasets."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from scalewatch.analyses import capabilities as cap

# -- verdict rules -------------------------------------------------------------


@pytest.mark.parametrize(
    ("estimate", "low", "high", "n", "expected"),
    [
        (0.004, -0.012, 0.019, 30, "in step"),
        (0.010, 0.004, 0.016, 30, "in step"),  # significant but within the margin: equivalent
        (0.080, 0.030, 0.120, 30, "ahead"),
        (-0.080, -0.120, -0.030, 30, "decoupling"),
        (0.010, -0.040, 0.060, 30, "inconclusive"),
        (0.080, 0.030, 0.120, 3, "inconclusive"),  # too few held-out scores
        (0.080, math.nan, math.nan, 30, "inconclusive"),
    ],
)
def test_decoupling_verdict(estimate, low, high, n, expected):
    verdict, reason = cap.decoupling_verdict(estimate, low, high, n)
    assert verdict == expected and verdict in cap.VERDICTS
    assert reason


@pytest.mark.parametrize(
    ("slope", "curv", "r2", "expected"),
    [
        ((0.2, 0.3), (0.01, 0.05), 0.8, "in step"),
        ((0.2, 0.3), (-0.05, -0.01), 0.8, "decoupling"),
        ((-0.05, 0.3), (-0.01, 0.05), 0.8, "inconclusive"),
        ((0.2, 0.3), (-0.01, 0.05), 0.5, "inconclusive"),
    ],
)
def test_observational_verdict(slope, curv, r2, expected):
    assert cap.observational_verdict(slope, curv, r2)[0] == expected


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["metric artefact", "smooth under both", "untestable"], "in step"),
        (["emergent under both", "smooth under both"], "decoupling"),
        (["emergent under both", "metric artefact"], "inconclusive"),
        (["smooth under both", "unresolved"], "inconclusive"),
        (["untestable", "untestable"], "inconclusive"),
    ],
)
def test_emergence_verdict(labels, expected):
    assert cap.emergence_verdict(labels)[0] == expected


# -- decoupling test on synthetic models ---------------------------------------


def _models(shift: float, n: int = 120, seed: int = 0) -> pd.DataFrame:
    """Models released over three years; the newest quarter scores ``shift`` above the compute link."""
    rng = np.random.default_rng(seed)
    lc = rng.uniform(21.0, 25.5, n)
    dates = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.uniform(0, 1095, n), unit="D")
    rows = []
    for b, (fl, c, k, x0) in {"MMLU": (0.25, 0.9, 1.2, 23.5), "GSM8K": (0.0, 0.85, 1.5, 24.0)}.items():
        y = fl + (c - fl) / (1 + np.exp(-k * (lc - x0))) + rng.normal(0, 0.01, n)
        new = dates > dates.sort_values()[int(0.75 * n)]
        y = np.where(new, y + shift, y)
        rows.append(pd.DataFrame({"model": [f"m{i}" for i in range(n)], "benchmark": b, "value": y, "log10_compute": lc, "release_date": dates}))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize(("shift", "expected"), [(0.0, "in step"), (0.08, "ahead"), (-0.08, "decoupling")])
def test_decoupling_test_detects_a_shift_of_the_newest_models(shift, expected):
    res = cap.decoupling_test(_models(shift), x="log10_compute", by="release_date", floors={"MMLU": 0.25, "GSM8K": 0.0}, n_boot=100, seed=0)
    assert res.verdict == expected, res.report()
    assert res.excess == pytest.approx(shift, abs=0.01)
    lo, hi = res.interval
    assert lo < res.excess < hi
    assert set(res.per_benchmark["benchmark"]) == {"MMLU", "GSM8K"}
    assert res.n_heldout == int(res.per_benchmark["n_heldout"].sum())
    assert (res.predictions["by"] > res.per_benchmark["cutoff"].min()).all()
    json.dumps(res.to_dict())


def test_decoupling_test_with_a_fixed_cutoff_and_filter():
    df = _models(0.0)
    res = cap.decoupling_test(
        df, x="log10_compute", by="release_date", cutoff="2023-01-01", floors=0.0, n_boot=30,
        heldout_filter=lambda t: t["log10_compute"].to_numpy() > 23.0,
    )
    assert (res.per_benchmark["cutoff"] == pd.Timestamp("2023-01-01")).all()
    assert (res.predictions["x"] > 23.0).all()
    assert (pd.to_datetime(res.predictions["by"]) > pd.Timestamp("2023-01-01")).all()


def test_decoupling_test_leaves_links_at_chance_out_of_the_mean():
    df = _models(0.0)
    flat = df[df["benchmark"] == "MMLU"].assign(benchmark="hard", value=0.25 + np.random.default_rng(5).normal(0, 0.005, 120))
    res = cap.decoupling_test(pd.concat([df, flat]), x="log10_compute", by="release_date", floors={"MMLU": 0.25, "GSM8K": 0.0, "hard": 0.25}, n_boot=40)
    row = res.per_benchmark.set_index("benchmark").loc["hard"]
    assert not row["included"] and row["verdict"].startswith("not tested") and math.isnan(row["low"])
    assert res.n_benchmarks == 2


def test_decoupling_test_errors():
    df = _models(0.0)
    with pytest.raises(ValueError, match="no column 'date'"):
        cap.decoupling_test(df, x="log10_compute", by="date")
    with pytest.raises(ValueError, match=r"holdout=1.5\): use a share between 0 and 1"):
        cap.decoupling_test(df, x="log10_compute", by="release_date", holdout=1.5)


# -- user tables -----------------------------------------------------------------


def test_long_scores_from_wide_and_long_tables():
    wide = pd.DataFrame({"model": ["a", "b"], "family": ["F", "F"], "compute": [1e21, 1e23], "MMLU": [0.3, np.nan], "GSM8K": [0.1, 0.5]})
    long = cap.long_scores(wide)
    assert sorted(long["benchmark"]) == ["GSM8K", "GSM8K", "MMLU"]  # the missing score is dropped
    assert set(long.columns) >= {"model", "benchmark", "value", "family", "compute", "log10_compute"}
    assert long.loc[long["model"] == "b", "log10_compute"].iloc[0] == pytest.approx(23.0)
    again = cap.long_scores(long.drop(columns=["log10_compute"]))
    assert len(again) == 3 and "log10_compute" in again.columns
    with pytest.raises(ValueError, match="found no benchmark columns"):
        cap.long_scores(pd.DataFrame({"model": ["a"], "compute": [1e21]}))
    with pytest.raises(ValueError, match=r"\['HumanEval'\] are not columns"):
        cap.long_scores(wide, benchmarks=["HumanEval"])
    with pytest.raises(ValueError, match=r"\['family'\] are not numeric"):
        cap.long_scores(wide, benchmarks=["family"])


# -- the public datasets ---------------------------------------------------------


def test_obsscaling_scores_drop_the_implausible_compute_of_btlm():
    o = cap.obsscaling_scores()
    btlm = o[o["model"] == "cerebras/btlm-3b-8k-base"]
    assert len(btlm) == 8 and btlm["log10_compute"].isna().all()
    llama = o[(o["model"] == "meta-llama/Llama-2-7b-hf") & (o["benchmark"] == "MMLU")].iloc[0]
    assert llama["log10_compute"] == pytest.approx(np.log10(84e21))  # upstream 6ND: 6 x 7e9 x 2e12
    assert llama["value"] == pytest.approx(0.4379609636092418)


def test_pythia_scores_compute_is_6ND_at_each_checkpoint():
    p = cap.pythia_scores()
    row = p[(p["model"] == "pythia-1b@step143000") & (p["benchmark"] == "lambada_openai")].iloc[0]
    assert row["final"] and row["floor"] == 0.0
    # 1,011,781,632 total parameters x 143000 steps x 2,097,152 tokens per step (Biderman et al. 2023)
    assert row["compute"] == pytest.approx(6 * row["params"] * 143000 * 2097152)
    assert set(p["benchmark"]) == set(cap.CHANCE["pythia-evals"])
    assert (p["step"] > 0).all()


def test_epoch_release_scores_join_compute_and_dates():
    e = cap.epoch_release_scores(["MMLU"])
    assert len(e) >= 30 and (e["benchmark"] == "MMLU").all()
    assert e["compute"].gt(0).all() and e["release_date"].notna().all()
    gpt4 = e[e["model"] == "gpt-4-0613"].iloc[0]
    assert gpt4["base_model"] == "GPT-4" and 24.5 < gpt4["log10_compute"] < 25.7


@pytest.fixture(scope="module")
def links():
    return cap.links_analysis(fast=True)


@pytest.fixture(scope="module")
def observational():
    return cap.observational_analysis(fast=True)


@pytest.fixture(scope="module")
def decoupling():
    return cap.decoupling_analysis(fast=True)


@pytest.fixture(scope="module")
def emergence():
    return cap.emergence_analysis(fast=True)


def _check_common(result, key):
    import plotly.graph_objects as go

    from scalewatch.findings import VERDICTS, Finding

    assert result.verdict in cap.VERDICTS
    assert set(cap.VERDICTS) == set(VERDICTS[cap.QUESTION])  # the Finding class knows this vocabulary
    d = json.loads(json.dumps(result.to_dict()))
    assert d["verdict"] == result.verdict and d["sentence"].endswith(".") and d["summary"] == result.summary()
    figs = result.figures()
    assert figs
    for f in figs.values():
        go.Figure(dict(f.to_dict()["spec"]))  # raises on any property plotly does not know
    assert result.method() and result.report().startswith("[[Capabilities")
    for name, table in result.tables().items():
        assert isinstance(table, pd.DataFrame), name
    finding = result.to_finding()
    assert finding.key == key and finding.question == "capabilities" and finding.verdict == result.verdict
    assert len(finding.summary) <= 400 and "\n" not in finding.summary
    assert finding.numbers and finding.figures and finding.citations and finding.data_sources
    # every number has an interval or says why not
    assert all(n.has_interval or n.note for n in finding.numbers)
    assert Finding.from_dict(json.loads(finding.to_json())) == finding
    return finding


def test_links_analysis_on_the_public_datasets(links):
    finding = _check_common(links, "capabilities.links")
    # the verdict is decided by the pooled frontier slope on the compute axis, not by counting significant links
    head = finding.headline_number
    pc = links.pooled["compute"]
    assert head.name == "pooled frontier slope, compute axis" and head.low <= head.value <= head.high
    assert (head.value, head.low, head.high) == (pc.estimate, *pc.deciding) and head.unit == "points per decade of compute"
    assert pc.deciding[0] <= min(pc.low, pc.boot_low) and pc.n_boot == links.n_boot  # Hartung-Knapp and model bootstrap
    assert finding.rule["rule"]["name"] == "capabilities.frontier_slope_compute" and finding.verdict == finding.rule["verdict"]
    assert pc.tau2 >= 0 and finding.number("between-benchmark variance tau^2, compute axis").value == pc.tau2
    # one link per task and axis: Ruan et al.'s MMLU, ARC-C and WinoGrande over Pythia's; Gadre's plain HellaSwag
    fr = links.frontier.set_index(["dataset", "benchmark"])
    for dropped in (("pythia", "mmlu"), ("pythia", "arc_challenge"), ("pythia", "winogrande"), ("gadre", "hellaswag_zeroshot")):
        assert not fr.loc[dropped, "pooled"] and fr.loc[dropped, "why"].startswith("duplicate of"), dropped
    pooled = links.frontier[links.frontier["pooled"]]
    assert not pooled.duplicated(["axis", "task"]).any()
    assert pc.k == int((pooled["axis"] == "compute").sum()) and links.pooled["loss"].k == int((pooled["axis"] == "loss").sum())
    assert set(links.sets) == {"gadre", "pythia", "obsscaling"}
    hs = links.sets["gadre"]["hellaswag"]
    # Gadre et al.'s HellaSwag (10-shot) follows C4 loss closely and still rises at the lowest loss
    assert hs.fixed_floor == 0.25 and hs.r2 > 0.95 and hs.status == "tracking"
    assert hs.intervals["slope"][0] > 0.2  # at least 20 points per nat
    # Pythia's MMLU never leaves chance (Biderman et al. 2023)
    assert links.sets["pythia"]["mmlu"].status == "at chance"
    assert len(links.family_offsets) >= 10 and {"family", "offset", "low", "high"} <= set(links.family_offsets.columns)


def test_observational_analysis_reproduces_ruan_et_al(observational):
    finding = _check_common(observational, "capabilities.observational_scaling")
    pc3 = finding.number("variance explained by PC-1 to PC-3 (124 complete models)")
    assert abs(pc3.value - 97.4) < 0.1 and pc3.low < pc3.value < pc3.high
    np.testing.assert_allclose(observational.complete.cumulative[:3], cap.RUAN_CUMULATIVE, atol=0.006)
    assert len(observational.complete.models) == 124
    assert observational.imputed.imputed_cells == observational.n_missing_cells == 40
    assert len(observational.imputed.models) == 148
    t = observational.trends
    assert t.slope_interval[0] > 0 and t.n_families >= 20
    assert observational.verdict == "in step"


def test_decoupling_analysis_on_the_public_datasets(decoupling):
    finding = _check_common(decoupling, "capabilities.decoupling")
    assert finding.headline_number.name.startswith("newest quarter by release date")
    assert set(decoupling.scenarios) == {"release date", "compute", "gadre size", "pythia size"}
    assert decoupling.headline == "release date"
    rel = decoupling.scenarios["release date"]
    # the newest GPQA and MATH results sit far above what the older models' compute link predicts
    per = rel.per_benchmark.set_index("benchmark")
    assert per.loc["GPQA diamond", "low"] > 0.1 and per.loc["MATH level 5", "low"] > 0.1
    assert decoupling.verdict == rel.verdict == "ahead"
    assert decoupling.scenarios["gadre size"].per_benchmark["n_heldout"].iloc[0] == 9  # 1.4B and 6.9B runs


def test_emergence_analysis_says_what_the_data_lack(emergence):
    finding = _check_common(emergence, "capabilities.emergence")
    assert any("gadre-overtraining-scaling" in n for n in finding.notes)  # the gap is said, not skipped
    lam = emergence.pairs[0]
    assert lam.task == "lambada_openai" and lam.continuous is not None
    assert lam.label == "smooth under both"  # Pythia's LAMBADA rises smoothly with size under both metrics
    assert any(p.label == "untestable" for p in emergence.pairs)
    assert len(emergence.gaps) == 3 and any("gadre" in g for g in emergence.gaps)
    assert emergence.counts()["untestable"] == sum(p.continuous is None for p in emergence.pairs)


def test_fast_and_seed_are_recorded(links):
    assert links.fast and links.n_boot == 40 and links.seed == 0
    with pytest.raises(ValueError, match="n_boot=-1"):
        cap.links_analysis(n_boot=-1)


def test_the_four_analyses_are_registered_with_the_report():
    from scalewatch.findings import registered
    from scalewatch.reporting import Context

    mine = {a.key: a for a in registered() if a.question == "capabilities"}
    assert set(mine) == {"capabilities.links", "capabilities.observational_scaling", "capabilities.decoupling", "capabilities.emergence",
                         "capabilities.model_size", "capabilities.generation_gains", "capabilities.unseen_tasks"}
    assert set(mine["capabilities.decoupling"].requires) >= {"epoch-benchmark-stitching", "epoch-ai-models"}
    a = mine["capabilities.observational_scaling"]
    finding = a.func(Context(key=a.key, question=a.question, requires=a.requires, seed=0, fast=True))
    assert finding.key == a.key and finding.verdict == "in step"


def test_ruan_shares_are_quoted_unverified_and_kept_apart_from_ours(observational):
    # the words could not be checked against the paper's text, so nothing of Ruan et al.'s is labelled "published"
    assert cap.RUAN_QUOTED["PC-1"]["text"] == "nearly 80%"
    assert cap.RUAN_QUOTED["PC-1 to PC-3"]["text"] == "~97%"
    assert not hasattr(cap, "RUAN_PUBLISHED")
    assert "Sec 3.2 & 3.3" in cap.RUAN_PCA_LOCATION and "4d6e1e43fd2635d04654aa77d1df9d5266ea0382" in cap.RUAN_PCA_LOCATION
    finding = observational.to_finding()
    quoted = finding.number("variance explained by PC-1 to PC-3, quoted, unverified (Ruan et al. 2024)")
    assert quoted.value == 97.0 and "~97%" in quoted.note and "not labelled published" in quoted.note
    ours = finding.number("variance explained by PC-1 to PC-3 (124 complete models)")
    assert "ours" in ours.note and ours.has_interval
    assert not any("published" in n.name for n in finding.numbers)
    assert observational.to_dict()["pca_location"] == cap.RUAN_PCA_LOCATION
    assert '"nearly 80%"' in finding.summary and "(ours" in finding.summary


@pytest.mark.parametrize("key", ["capabilities.model_size", "capabilities.generation_gains", "capabilities.unseen_tasks"])
def test_issue19_findings_through_the_report(key):
    """The findings of issue 19 (items 1, 3, 6) as the report runs them: rule, figures plotly accepts, numbers, round trip."""
    import time

    import plotly.graph_objects as go

    from scalewatch.findings import Finding, registered
    from scalewatch.reporting import Context

    a = {x.key: x for x in registered()}[key]
    t0 = time.perf_counter()
    finding = a.func(Context(key=a.key, question=a.question, requires=a.requires, seed=0, fast=True))
    assert time.perf_counter() - t0 < 20  # a few seconds on an idle core
    assert finding.key == key and finding.rule is not None and finding.rule["verdict"] == finding.verdict
    assert finding.numbers and finding.figures and finding.citations and finding.data_sources
    assert all(n.has_interval or n.note for n in finding.numbers)
    assert not any("published" in (n.note or "") for n in finding.numbers)  # all are our recomputations
    for f in finding.figures:
        go.Figure(dict(f.to_dict()["spec"]))
    assert Finding.from_dict(json.loads(finding.to_json())) == finding
