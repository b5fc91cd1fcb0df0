"""Public datasets by name: pins, fetching (mirror, cache, download), parsing and known values.

The mirror is ../shared/data (tests/conftest.py); the network is never used:
download tests replace the download function.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalewatch import datasets
from scalewatch.data import RUN_COLUMNS, SCORE_COLUMNS
from scalewatch.data._loaders import _fetch
from scalewatch.errors import DatasetUnavailableError

NAMES = datasets.names()


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """No mirror, an empty cache, and a network that refuses every download (URLs tried are recorded)."""
    tried: list[str] = []

    def refuse(url: str, dest: Path) -> None:
        tried.append(url)
        raise ConnectionError(f"Failed to resolve 'raw.githubusercontent.com' for {url}")

    monkeypatch.delenv("SCALEWATCH_DATA_MIRROR", raising=False)
    monkeypatch.setenv("SCALEWATCH_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("SCALEWATCH_SNAPSHOT", "off")  # and no embedded snapshot: nothing on this machine
    monkeypatch.setattr(_fetch, "download", refuse)
    return tried


@pytest.fixture
def fake_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mirror: Path) -> list[str]:
    """No mirror, an empty cache, and a 'network' that serves each pinned URL from the mirror's copy."""
    served = {}
    for name in NAMES:
        for spec in datasets.info(name).files:
            if spec.url is not None:
                served[spec.url] = mirror / spec.dataset / spec.path
    fetched: list[str] = []

    def serve(url: str, dest: Path) -> None:
        fetched.append(url)
        Path(dest).write_bytes(served[url].read_bytes())

    monkeypatch.delenv("SCALEWATCH_DATA_MIRROR", raising=False)
    monkeypatch.setenv("SCALEWATCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SCALEWATCH_SNAPSHOT", "off")  # what is local comes only from the 'downloads'
    monkeypatch.setattr(_fetch, "download", serve)
    return fetched


# -- the registry table of pins ------------------------------------------------------------------


def _provenance_prefixes(folder: Path) -> dict[str, str]:
    text = (folder / "PROVENANCE.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| *([^| ]+) *\|.*\| *([0-9a-f]{16}) *\|\s*$", text, re.M))


@pytest.mark.parametrize("name", NAMES)
def test_pins_match_mirror_and_provenance(name: str, mirror: Path) -> None:
    meta = datasets.info(name)
    in_mirror = [s for s in meta.files if (mirror / s.dataset / s.path).is_file()]
    for spec in in_mirror:
        path = mirror / spec.dataset / spec.path
        assert hashlib.sha256(path.read_bytes()).hexdigest() == spec.sha256, spec.path
        prefix = _provenance_prefixes(mirror / spec.dataset).get(spec.path)
        if prefix is not None:
            assert spec.sha256.startswith(prefix), spec.path
    # only tables this project derives from raw upstream files may be missing from the mirror
    assert {s.path for s in meta.files} - {s.path for s in in_mirror} <= {"notebook_stage2_runs.csv"}
    assert datasets.local_status(name) == ("mirror+snapshot" if len(in_mirror) < len(meta.files) else "mirror")


def test_chinchilla_pin_is_the_full_hash_in_provenance(mirror: Path) -> None:
    (spec,) = datasets.info("chinchilla-hoffmann2022").files
    assert f"`{spec.sha256}`" in (mirror / "chinchilla-hoffmann2022" / "PROVENANCE.md").read_text(encoding="utf-8")


def test_upstream_urls_are_raw_github_at_the_commit_with_quoted_spaces() -> None:
    spec = next(f for f in datasets.info("epoch-ai-models").files if f.path == "all_ml_systems_full_view.csv")
    assert spec.url == (
        "https://raw.githubusercontent.com/epoch-research/training-cost-trends/"
        "107575861481c1450a065ee1ee6680120a636647/data/All%20ML%20Systems%20-%20full%20view.csv"
    )
    gadre = datasets.info("gadre-overtraining-scaling")
    assert all(f.url.startswith("https://raw.githubusercontent.com/mlfoundations/scaling/a003c49") for f in gadre.files)
    assert len(gadre.files) == 104 + 104 + 2


@pytest.mark.parametrize(
    ("name", "derived", "fetchable"),
    [
        ("chinchilla-hoffmann2022", False, True), ("datablations-runs", True, True),
        ("gadre-overtraining-scaling", False, True), ("obsscaling", False, True), ("pythia-evals", True, True),
        ("llmonkeys-pythia-math", True, False), ("porian-compute-optimal-isoflops", True, False),
        ("epoch-ai-models", False, True), ("epoch-ml-hardware", False, True),
        ("epoch-benchmark-stitching", False, True), ("microprocessor-trend-data", False, True),
        ("nist-strd-nonlinear", False, True), ("epoch-llm-inference-prices", False, True),
    ],
)  # fmt: skip
def test_derived_tables_and_what_can_be_fetched(name: str, derived: bool, fetchable: bool) -> None:
    meta = datasets.info(name)
    assert bool(meta.derived_files) is derived and meta.fetchable is fetchable
    # porian's upstream is pickles: no file of it may ever be downloaded
    if name == "porian-compute-optimal-isoflops":
        assert all(f.url is None for f in meta.files)
    assert not any(f.url and f.url.endswith((".pickle", ".pkl", ".xz")) for f in meta.files)


def test_every_dataset_has_citation_license_and_source() -> None:
    assert len(NAMES) == 13
    for name in NAMES:
        meta = datasets.info(name)
        assert meta.citation and meta.license and meta.source_url.startswith("https://")
        # the data source is cited along with the paper
        assert f"github.com/{meta.repository}" in meta.citation or meta.source_url in meta.citation, name


def test_unknown_name_suggests_the_close_one() -> None:
    with pytest.raises(ValueError, match=r"name='pythia-eval' is not known; did you mean 'pythia-evals'\?"):
        datasets.load("pythia-eval")


# -- every dataset loads and validates -----------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_load_validates_and_documents(name: str) -> None:
    ds = datasets.load(name)
    meta = datasets.info(name)
    assert (ds.name, ds.citation, ds.license, ds.source_url) == (name, meta.citation, meta.license, meta.source_url)
    main = ds.runs.runs if meta.rows_of == "runs" else ds.tables[meta.rows_of]
    assert len(main) == meta.rows
    runs = ds.runs.runs
    assert list(runs.columns) == [c.name for c in RUN_COLUMNS]
    assert [str(t) for t in runs.dtypes] == [c.dtype for c in RUN_COLUMNS]
    assert list(ds.runs.scores.columns) == [c.name for c in SCORE_COLUMNS]
    assert runs["run_id"].is_unique
    assert (runs["source"] == name).all() and (runs["citation"] == meta.citation).all()
    assert runs["run_id"].str.startswith(name + ":").all()
    assert set(ds.runs.scores["run_id"]) <= set(runs["run_id"])
    for col in ("params", "tokens", "compute", "loss"):
        values = runs[col].dropna().to_numpy()
        assert np.isfinite(values).all() and (values > 0).all(), col
    assert set(ds.tables) == set(ds.columns)
    for table, df in ds.tables.items():
        specs = ds.columns[table]
        assert list(df.columns) == [c.name for c in specs], table
        assert [str(t) for t in df.dtypes] == [c.dtype for c in specs], table
        for c in specs:
            assert c.doc, (table, c.name)
            if c.required:
                assert df[c.name].notna().all(), (table, c.name)
            if c.dtype == "float64":
                assert not np.isinf(df[c.name].to_numpy()).any(), (table, c.name)
    doc = ds.describe()
    assert len(doc) == sum(len(s) for s in ds.columns.values())


@pytest.mark.parametrize(
    ("name", "params_kinds"),
    [
        ("chinchilla-hoffmann2022", {"total"}), ("datablations-runs", {"total"}),
        ("gadre-overtraining-scaling", {"total"}), ("obsscaling", {"total"}), ("pythia-evals", {"total"}),
        ("llmonkeys-pythia-math", {"total"}), ("porian-compute-optimal-isoflops", {"non_embedding", "unknown"}),
        ("epoch-ai-models", {"total", "unknown"}),
    ],
)  # fmt: skip
def test_params_kind(name: str, params_kinds: set[str]) -> None:
    assert set(datasets.load(name).runs.runs["params_kind"]) == params_kinds


def test_load_returns_independent_copies() -> None:
    a = datasets.load("chinchilla-hoffmann2022")
    a.runs.runs.loc[0, "loss"] = 99.0
    b = datasets.load("chinchilla-hoffmann2022")
    assert b.runs.runs.loc[0, "loss"] == pytest.approx(5.005581996196243)


def test_second_load_reuses_the_parsed_dataset(monkeypatch: pytest.MonkeyPatch) -> None:
    datasets.load("pythia-evals")
    calls: list[str] = []
    real = _fetch.local_copy
    monkeypatch.setattr("scalewatch.data.datasets.local_copy", lambda spec: calls.append(spec.path) or real(spec))
    assert len(datasets.load("pythia-evals").runs.scores) == 86_016
    assert calls == []


# -- known values, against the PROVENANCE files ---------------------------------------------------


def test_chinchilla() -> None:
    runs = datasets.load("chinchilla-hoffmann2022").runs.runs
    assert runs["run_id"].iloc[[0, -1]].tolist() == ["chinchilla-hoffmann2022:row000", "chinchilla-hoffmann2022:row244"]
    np.testing.assert_allclose(runs["tokens"], runs["compute"] / (6 * runs["params"]), rtol=1e-12)
    assert runs["params"].iloc[0] == pytest.approx(6795600349.289497)
    assert runs["compute"].iloc[0] == pytest.approx(9.993852799709755e18)
    assert (runs["loss_split"] == "train").all() and not runs["compute_estimated"].any()


def test_datablations_keeps_unfinished_runs_out(mirror: Path) -> None:
    ds = datasets.load("datablations-runs")
    runs = ds.runs.runs
    assert len(runs) == 308 and len(ds.tables["unfinished"]) == 9
    assert runs["tags"].str.contains("deduplicated").sum() == 12
    assert runs["tags"].str.contains("used_in_notebook_fit").sum() == 296
    assert any("9 runs had not finished" in n for n in ds.notes)
    assert "datablations-runs:3b926b400m" not in set(runs["run_id"])
    row = runs.set_index("model_id").loc["2b84b4b"]
    assert (row["params"], row["tokens"], row["unique_tokens"], row["loss"]) == (2.81e9, 4e9, 4e9, 3.265024)
    opt2 = json.loads(runs.set_index("model_id").loc["4b284b12bc4opt2", "config"])
    assert opt2["note"] == "Params: 3.089856e9"


def test_gadre_parsed_from_raw_json_matches_mirror_tables(mirror: Path) -> None:
    ds = datasets.load("gadre-overtraining-scaling")
    runs = ds.runs.runs.set_index("model_id")
    flat = pd.read_csv(mirror / "gadre-overtraining-scaling" / "gadre_runs.csv").set_index("name")
    assert len(runs) == 104 and set(runs.index) == set(flat.index)
    runs = runs.loc[flat.index]
    np.testing.assert_array_equal(runs["params"], flat["params"])
    np.testing.assert_array_equal(runs["tokens"], flat["tokens"])
    np.testing.assert_allclose(runs["compute"], flat["flops_6ND"].astype(float), rtol=1e-15)  # ints beyond int64
    np.testing.assert_array_equal(runs["loss"], flat["loss_c4_val"])
    assert [json.loads(c)["params_no_embed"] for c in runs["config"]] == flat["params_no_embed"].tolist()
    assert runs["tags"].value_counts().to_dict() == {"rpj": 35, "rw_original": 35, "c4_original": 34}
    losses = ds.tables["losses"].pivot(index="run_id", columns="val_set", values="loss")
    losses.index = losses.index.str.removeprefix("gadre-overtraining-scaling:")
    for val_set in losses.columns:
        np.testing.assert_array_equal(losses.loc[flat.index, val_set], flat[f"loss_{val_set}"])
    scores = ds.runs.scores
    long = pd.read_csv(mirror / "gadre-overtraining-scaling" / "gadre_downstream_long.csv")
    assert len(scores) == len(long) == 4784
    got = scores.assign(name=scores["run_id"].str.removeprefix("gadre-overtraining-scaling:"))
    merged = long.merge(got, left_on=["name", "task"], right_on=["name", "benchmark"], validate="one_to_one")
    np.testing.assert_array_equal(merged["accuracy"], merged["value"])
    assert scores.set_index("benchmark").loc["mmlu", "shots"].iloc[0] == 5


def test_obsscaling() -> None:
    ds = datasets.load("obsscaling")
    runs = ds.runs.runs.set_index("model_id")
    llama = runs.loc["meta-llama/Llama-2-7b-hf"]
    assert (llama["params"], llama["tokens"], llama["compute"], llama["family"]) == (7e9, 2e12, 8.4e22, "Llama-2")
    assert runs["compute"].isna().sum() == 25 and runs["family"].nunique() == 47
    assert (runs["tags"] == "sub_10b").sum() == 92
    scores = ds.runs.scores
    assert scores.query("metric == 'accuracy'")["benchmark"].nunique() == 8
    emergent = scores.query("benchmark == 'arithmetic_3ds' and run_id == 'obsscaling:meta-llama/Llama-2-7b-hf'")
    assert emergent[["metric", "shots", "value"]].values.tolist() == [["acc", 2, 0.859]]
    post = ds.tables["post_training"]
    assert post["normalized"].any() and (post["value"] < 0).any()
    assert set(ds.tables["instruct_scores"]["source_file"]) == {
        "instruct_llm_benchmark_eval.csv",
        "instruct_llm_agent_eval.csv",
    }


def test_pythia() -> None:
    ds = datasets.load("pythia-evals")
    runs = ds.runs.runs.set_index("model_id")
    assert len(runs) == 16 * 27
    final = runs.loc["pythia-70m@step143000"]
    assert final["params"] == 70_426_624 and final["params_kind"] == "total"
    assert final["tokens"] == 299_892_736_000 == 143_000 * 2_097_152
    assert runs.loc["pythia-12b-deduped@step143000", "params"] == 11_846_072_320
    assert json.loads(final["config"])["params_nonembedding"] == 18_915_328
    assert runs.loc["pythia-70m@step0", "tokens"] != runs.loc["pythia-70m@step0", "tokens"]  # NaN: 0 tokens seen
    scores = ds.runs.scores
    assert len(scores) == 86_016
    five = scores.query("run_id == 'pythia-evals:pythia-70m@step143000' and shots == 5")
    assert len(five) and not five["benchmark"].str.startswith("crows_pairs").any()
    assert set(ds.tables["models"]["params_total"]) >= {70_426_624, 11_846_072_320}
    assert ds.tables["baselines"]["model"].nunique() == 13


def test_llmonkeys(mirror: Path) -> None:
    ds = datasets.load("llmonkeys-pythia-math")
    runs = ds.runs.runs.set_index("model_id")
    assert list(runs.index) == [
        "Pythia-70M",
        "Pythia-160M",
        "Pythia-410M",
        "Pythia-1B",
        "Pythia-2.8B",
        "Pythia-6.9B",
        "Pythia-12B",
    ]
    assert runs.loc["Pythia-70M", "params"] == 70_426_624 and runs["loss"].isna().all()
    counts = ds.tables["per_problem"]
    assert len(counts) == 896 and (counts["num_samples"] == 10_000).all()
    coverage = ds.tables["coverage"]
    assert len(coverage) == 105 and len(ds.runs.scores) == 105
    # pass@1 is the mean fraction correct over the 128 problems
    first = coverage.query("k == 1").set_index("run_id")["coverage"]
    mean = (counts["num_correct"] / counts["num_samples"]).groupby(counts["run_id"]).mean()
    np.testing.assert_allclose(first.loc[mean.index], mean, rtol=0, atol=1e-10)


def test_porian() -> None:
    ds = datasets.load("porian-compute-optimal-isoflops")
    runs = ds.runs.runs
    np.testing.assert_allclose(runs["compute"], 6 * runs["params"] * runs["tokens"], rtol=1e-9)
    kaplan = runs["tags"].str.split(",").str[4] == "kaplan"
    assert kaplan.sum() == 107 + 104 + 113
    assert (runs.loc[kaplan, "params_kind"] == "non_embedding").all()
    assert (runs.loc[~kaplan, "params_kind"] == "unknown").all()
    assert runs["compute"].min() == 1.25e16 and runs["compute"].max() == 2.56e19
    assert len(ds.tables["optimal_pairs"]) == 177


def test_epoch_ai_models_units() -> None:
    ds = datasets.load("epoch-ai-models")
    runs = ds.runs.runs
    models = ds.tables["models"]
    assert len(runs) == len(models) == 1892
    assert {"epoch-ai-models:P-LLama3", "epoch-ai-models:P-LLama3 (2)"} <= set(runs["run_id"])
    has_tokens = runs["tokens"].notna().to_numpy()
    assert has_tokens.sum() > 100
    # tokens only for language models whose dataset size is in tokens, never for fine-tunes
    assert (models.loc[has_tokens, "dataset_size_unit"] == "tokens").all()
    assert models.loc[has_tokens, "domain"].str.contains("Language").all()
    assert models.loc[has_tokens, "base_model"].isna().all()
    assert runs["cost_usd"].notna().sum() == 160
    assert runs["release_date"].min() == pd.Timestamp("1950-07-02")
    assert sorted(ds.tables["frontier"]["rule"].unique()) == [
        "backward_window_percentile",
        "residual_from_trend",
        "top_n",
        "window_percentile",
    ]
    # compute far from 6ND (mixture-of-experts, ...) is recorded as a note, not raised at every load
    assert any(n.startswith("validation: ") and "6ND" in n for n in ds.notes)


def test_epoch_hardware_repairs_the_split_record() -> None:
    ds = datasets.load("epoch-ml-hardware")
    chips = ds.tables["chips"]
    assert len(chips) == 5774 and chips["hardware_name"].notna().all()
    fe = chips.set_index("hardware_name").loc["NVIDIA GeForce RTX 2080 Ti Founders Edition"]
    assert fe["fp64_flops"] == 4.447e11 and fe["release_date"] == pd.Timestamp("2018-09-20")
    assert len(ds.tables["prices"]) == 591
    ppi = ds.tables["ppi"]
    assert len(ppi) == 295 and ppi["index"].iloc[0] == 100.0 and ppi["date"].iloc[0] == pd.Timestamp("2000-12-01")
    assert len(ds.runs) == 0


def test_epoch_benchmark_stitching() -> None:
    ds = datasets.load("epoch-benchmark-stitching")
    assert len(ds.runs.runs) == 574
    ext = ds.tables["external"]
    assert len(ext) == 2558 and ext["benchmark"].nunique() == 37
    fractions = ext.query("unit == 'fraction'")["value"].dropna()
    assert fractions.between(0, 1).all()
    scores = ds.runs.scores
    # repeated reports of one (model version, benchmark) keep the best, as upstream's data_loader.py does
    gsm = ext.query("model_version == 'Baichuan-2-13B-Base' and benchmark == 'GSM8K'")["value"]
    assert len(gsm) == 4
    got = scores.query("run_id == 'epoch-benchmark-stitching:Baichuan-2-13B-Base' and benchmark == 'GSM8K'")["value"]
    assert got.tolist() == [gsm.max()]
    assert not scores["benchmark"].isin(["BoolQ", "MCBench"]).any()
    assert (scores.query("benchmark == 'METR'")["metric"] == "time_horizon_minutes").all()
    assert len(ds.tables["epoch_runs"]) == 541


def test_microprocessor_parsed_from_dat_matches_mirror_csv(mirror: Path) -> None:
    ds = datasets.load("microprocessor-trend-data")
    folder = mirror / "microprocessor-trend-data"
    series = ds.tables["series"]
    flat = pd.read_csv(folder / "microprocessor_trends_50yrs_long.csv")
    assert len(series) == len(flat) == 465
    pd.testing.assert_frame_equal(series, flat, check_dtype=False)
    procs = ds.tables["processors"]
    flat = pd.read_csv(folder / "newdata_processors_2011_2021.csv")
    pd.testing.assert_frame_equal(procs, flat, check_dtype=False)


def test_nist_certified_values_equal_the_json(mirror: Path) -> None:
    ds = datasets.load("nist-strd-nonlinear")
    certified = json.loads((mirror / "nist-strd-nonlinear" / "nist_strd_certified_values.json").read_text())
    problems = ds.tables["problems"].set_index("problem")
    params = ds.tables["parameters"]
    data = ds.tables["data"]
    assert sorted(problems.index) == sorted(certified) and len(certified) == 27
    for name, ref in certified.items():
        p = problems.loc[name]
        for key in (
            "difficulty",
            "model_class",
            "formula",
            "n_params",
            "n_observations",
            "degrees_of_freedom",
            "residual_sum_of_squares",
            "residual_std_dev",
            "residual_sum_of_squares_str",
            "residual_std_dev_str",
        ):
            assert p[key] == ref[key], (name, key)
        assert p["data_columns"].split(",") == ref["data_columns"]
        got = params.query("problem == @name").drop(columns="problem").to_dict("records")
        assert got == ref["parameters"], name
        assert (
            (data["problem"] == name).sum() == ref["n_observations"] == ref["data_lines"][1] - ref["data_lines"][0] + 1
        )
    misra = params.query("problem == 'Misra1a'").set_index("name")
    assert misra.loc["b1", "certified_value"] == 2.3894212918e02 and misra.loc["b1", "start1"] == 500
    nelson = data.query("problem == 'Nelson'")
    assert nelson["x2"].notna().all() and data.query("problem != 'Nelson'")["x2"].isna().all()


# -- where files come from: mirror, cache, download; and the errors ------------------------------


def test_mirror_hash_mismatch_names_file_and_both_hashes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bad = tmp_path / "mirror" / "chinchilla-hoffmann2022" / "svg_extracted_data.csv"
    bad.parent.mkdir(parents=True)
    bad.write_text("x,y\n1,2\n")
    monkeypatch.setenv("SCALEWATCH_DATA_MIRROR", str(tmp_path / "mirror"))
    expected = datasets.info("chinchilla-hoffmann2022").files[0].sha256
    actual = hashlib.sha256(b"x,y\n1,2\n").hexdigest()
    with pytest.raises(DatasetUnavailableError) as info:
        datasets.load("chinchilla-hoffmann2022")
    message = str(info.value)
    assert str(bad) in message and f"expected {expected}" in message and f"got {actual}" in message
    assert "\n" not in message
    assert datasets.local_status("chinchilla-hoffmann2022") == "bad hash"


def test_nothing_on_this_machine_says_what_was_tried_and_how_to_fetch(offline: list[str], tmp_path: Path) -> None:
    with pytest.raises(DatasetUnavailableError) as info:
        datasets.load("chinchilla-hoffmann2022")
    message = str(info.value)
    assert offline == []  # loading never downloads
    assert "\n" not in message
    assert "no mirror (SCALEWATCH_DATA_MIRROR unset)" in message
    assert str(tmp_path / "empty-cache") in message and "embedded snapshot (not listed)" in message
    assert "run `scalewatch datasets fetch chinchilla-hoffmann2022` to download it" in message
    assert datasets.local_status("chinchilla-hoffmann2022") == "no"


def test_offline_with_an_empty_mirror_names_the_mirror_path(
    offline: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCALEWATCH_DATA_MIRROR", str(tmp_path / "no-such-mirror"))
    expected = "tried mirror .*" + re.escape("no-such-mirror/nist-strd-nonlinear/Bennett5.dat (missing)")
    with pytest.raises(DatasetUnavailableError, match=expected):
        datasets.load("nist-strd-nonlinear")


def test_fetch_of_a_failed_download_says_what_to_do(offline: list[str], tmp_path: Path) -> None:
    (spec,) = datasets.info("chinchilla-hoffmann2022").files
    with pytest.raises(DatasetUnavailableError) as info:
        datasets.fetch("chinchilla-hoffmann2022")
    message = str(info.value)
    assert offline == [spec.url] and spec.url in message and "Failed to resolve" in message and "go online" in message
    assert not list((tmp_path / "empty-cache").rglob("*.csv"))  # nothing half-written is left in the cache


@pytest.mark.parametrize("name", ["llmonkeys-pythia-math", "porian-compute-optimal-isoflops"])
def test_snapshot_only_datasets_are_never_fetched(name: str, offline: list[str]) -> None:
    with pytest.raises(DatasetUnavailableError, match="ships in the embedded snapshot"):
        datasets.fetch(name)
    assert offline == []  # neither the Hub nor a pickle is ever downloaded


def test_fetch_is_verified_and_cached(fake_network: list[str], tmp_path: Path) -> None:
    assert datasets.local_status("microprocessor-trend-data") == "no"
    datasets.fetch("microprocessor-trend-data")
    ds = datasets.load("microprocessor-trend-data")
    assert len(ds.tables["series"]) == 465 and ds.origin == "cache"
    assert len(fake_network) == 6
    assert all(
        u.startswith("https://raw.githubusercontent.com/karlrupp/microprocessor-trend-data/f2121ab")
        for u in fake_network
    )
    assert datasets.local_status("microprocessor-trend-data") == "cache"
    cached = tmp_path / "cache" / "datasets" / "microprocessor-trend-data" / "cores.dat"
    assert cached.is_file()
    assert not list(cached.parent.glob("*.part"))
    datasets.fetch("microprocessor-trend-data")  # all cached: nothing downloaded again
    assert len(fake_network) == 6


def test_corrupt_cache_copy_is_an_error_that_says_how_to_repair(fake_network: list[str], tmp_path: Path) -> None:
    datasets.fetch("chinchilla-hoffmann2022")
    cached = tmp_path / "cache" / "datasets" / "chinchilla-hoffmann2022" / "svg_extracted_data.csv"
    cached.write_text("truncated")
    with pytest.raises(DatasetUnavailableError, match=re.escape(f"cached file {cached} is corrupted")) as info:
        datasets.load("chinchilla-hoffmann2022")
    assert "delete it to use the embedded snapshot" in str(info.value)
    assert datasets.local_status("chinchilla-hoffmann2022") == "bad hash"


def test_download_with_other_bytes_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SCALEWATCH_DATA_MIRROR", raising=False)
    monkeypatch.setenv("SCALEWATCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_fetch, "download", lambda url, dest: Path(dest).write_text("<html>rate limited</html>"))
    (spec,) = datasets.info("chinchilla-hoffmann2022").files
    with pytest.raises(
        DatasetUnavailableError,
        match=f"{re.escape(spec.url)} does not match its pinned sha256 "
        f"\\(expected {spec.sha256}, got [0-9a-f]{{64}}\\)",
    ):
        datasets.fetch("chinchilla-hoffmann2022")
    assert not any(p.is_file() for p in (tmp_path / "cache" / "datasets").rglob("*"))


def test_cache_dir_defaults_to_the_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import platformdirs

    monkeypatch.delenv("SCALEWATCH_CACHE_DIR", raising=False)
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda app: str(tmp_path / app))
    assert _fetch.cache_dir() == tmp_path / "scalewatch" / "datasets"


def test_inference_prices_quote_epochs_published_factors() -> None:
    ds = datasets.load("epoch-llm-inference-prices")
    res = ds.tables["results"]
    assert len(res) == 21 and len(ds.tables["prices"]) == 73
    mmlu = res[(res["bench"] == "MMLU") & (res["threshold_model"] == "GPT-3")].iloc[0]
    # as printed in Epoch's lowest_price_models_results.csv: 11.77x per year, 90% CI [8.29, 16.72]
    assert (mmlu.factor_per_year, mmlu.factor_low, mmlu.factor_high) == pytest.approx((11.772872667426151, 8.287354506876559, 16.724339561970456))
    assert (mmlu.score_low, mmlu.score_high, mmlu.sample_size) == (43.9, 100.0, 9)
    assert res["score_high"].isna().sum() == 4  # upstream's open upper end (inf)
    assert set(ds.tables["prices"]["source"]) == {"artificial-analysis", "epoch"}
