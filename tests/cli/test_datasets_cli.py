"""``scalewatch datasets list / info / fetch``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scalewatch import datasets
from scalewatch.cli import app, main
from scalewatch.data._loaders import _fetch

runner = CliRunner()


@pytest.fixture
def no_local_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No mirror, an empty cache, and no network."""

    def refuse(url: str, dest: Path) -> None:
        raise ConnectionError("Network is unreachable")

    monkeypatch.delenv("SCALEWATCH_DATA_MIRROR", raising=False)
    monkeypatch.setenv("SCALEWATCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_fetch, "download", refuse)


def test_list_table_shows_every_dataset_with_rows_license_citation_and_local_copy() -> None:
    result = runner.invoke(app, ["datasets", "list"])
    assert result.exit_code == 0, result.output
    out = result.output
    for name in datasets.names():
        assert name in out
    for text in (
        "245 runs",
        "1,745 runs",
        "5,774 chips",
        "465 series",
        "27 problems",
        "Apache-2.0",
        "CC BY 4.0",
        "arXiv:2203.15556",
        "citation",
        "license",
    ):
        assert text in out
    assert out.count("│ mirror") == 13  # datablations: mirror+snapshot (its stage-2 table is derived here)
    assert "92258837425e" in out  # the commit each dataset is pinned to


def test_list_without_mirror_reads_every_dataset_from_the_embedded_snapshot(no_local_data: None) -> None:
    result = runner.invoke(app, ["datasets", "list"])
    assert result.exit_code == 0, result.output
    assert result.output.count("embedded snapshot") == 13
    # the package's own sweep needs neither mirror nor network
    assert "scalewatch-sweep" in result.output and "package data (scalewatch's own runs)" in result.output


def test_list_without_any_local_copy_says_how_to_get_each(no_local_data: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCALEWATCH_SNAPSHOT", "off")
    result = runner.invoke(app, ["datasets", "list", "--json"])
    assert result.exit_code == 0, result.output
    records = [r for r in json.loads(result.output) if r["local"] != "package"]
    assert [r["local"] for r in records] == ["no"] * 13
    assert sorted(r["name"] for r in records if not r["fetchable"]) == ["llmonkeys-pythia-math", "porian-compute-optimal-isoflops"]
    result = runner.invoke(app, ["datasets", "info", "porian-compute-optimal-isoflops"])
    assert "read from: no: reinstall scalewatch (snapshot only)" in result.output


def test_list_json() -> None:
    result = runner.invoke(app, ["datasets", "list", "--json"])
    assert result.exit_code == 0, result.output
    records = {r["name"]: r for r in json.loads(result.output)}
    assert list(records) == [*datasets.names(), *datasets.PACKAGE_DATASETS]
    sweep = records["scalewatch-sweep"]
    assert (sweep["rows"], sweep["rows_of"], sweep["local"], sweep["files"] if "files" in sweep else ()) == (
        len(datasets.load("scalewatch-sweep").runs.runs), "runs", "package", ()
    )
    chin = records["chinchilla-hoffmann2022"]
    assert (chin["rows"], chin["rows_of"], chin["local"], chin["fetchable"]) == (245, "runs", "mirror", True)
    assert records["porian-compute-optimal-isoflops"]["fetchable"] is False
    assert records["datablations-runs"]["derived_files"] == ["datablations_runs.csv", "notebook_stage2_runs.csv"]
    assert records["nist-strd-nonlinear"]["license"].startswith("public domain")
    assert all(r["citation"] for r in records.values())


def test_info_lists_pinned_files_with_hash_and_url() -> None:
    result = runner.invoke(app, ["datasets", "info", "epoch-ai-models"])
    assert result.exit_code == 0, result.output
    spec = next(f for f in datasets.info("epoch-ai-models").files if f.path == "all_ml_systems_full_view.csv")
    assert f"all_ml_systems_full_view.csv  sha256 {spec.sha256}  {spec.url}" in result.output
    assert "%20full%20view.csv" in result.output
    result = runner.invoke(app, ["datasets", "info", "llmonkeys-pythia-math", "--json"])
    record = json.loads(result.output)
    assert {f["dataset"] for f in record["files"]} == {"llmonkeys-pythia-math", "pythia-evals"}
    assert all(f["url"] is None for f in record["files"])


def test_info_of_package_data_points_at_its_folder() -> None:
    result = runner.invoke(app, ["datasets", "info", "scalewatch-sweep"])
    assert result.exit_code == 0, result.output
    assert "read from: package data (scalewatch's own runs)" in result.output
    assert "sweep-default" in result.output and "PROVENANCE.md" in result.output
    assert datasets.local_status("scalewatch-sweep") == "package" and datasets.fetch("scalewatch-sweep") == []


def test_unknown_name_is_a_usage_error() -> None:
    result = runner.invoke(app, ["datasets", "info", "pythia-eval"])
    assert result.exit_code == 2
    text = " ".join(result.output.replace("\u2502", " ").split())  # rich draws the message in a box
    assert "Invalid value for NAME: dataset name='pythia-eval' is not known; did you mean 'pythia-evals'?" in text


def test_fetch_needs_names_or_all() -> None:
    result = runner.invoke(app, ["datasets", "fetch"])
    assert result.exit_code == 2
    assert "give dataset names or --all" in result.output


def test_fetch_downloads_into_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mirror: Path) -> None:
    monkeypatch.delenv("SCALEWATCH_DATA_MIRROR", raising=False)
    monkeypatch.setenv("SCALEWATCH_CACHE_DIR", str(tmp_path / "cache"))
    sources = {f.url: mirror / f.dataset / f.path for f in datasets.info("nist-strd-nonlinear").files}
    monkeypatch.setattr(_fetch, "download", lambda url, dest: Path(dest).write_bytes(sources[url].read_bytes()))
    result = runner.invoke(app, ["datasets", "fetch", "nist-strd-nonlinear"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "nist-strd-nonlinear: 27 files, cache"
    assert len(list((tmp_path / "cache" / "datasets" / "nist-strd-nonlinear").glob("*.dat"))) == 27


def test_fetch_all_offline_fails_with_one_line(no_local_data: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["datasets", "fetch", "--all"]) == 1
    err = capsys.readouterr().err
    # the first fetchable dataset fails offline with the library's one-line message
    assert err.startswith("error: dataset 'chinchilla-hoffmann2022': cannot download https://raw.githubusercontent.com/")
    assert err.count("\n") == 1 and "Network is unreachable" in err and "go online" in err


def test_offline_fetch_is_one_line_on_stderr_and_exit_1(
    no_local_data: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["datasets", "fetch", "datablations-runs"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    # a derived table is derived from its raw upstream input, which must be downloaded
    assert captured.err.startswith("error: dataset 'datablations-runs': cannot download ")
    assert "utils/parametric_fit.ipynb" in captured.err and captured.err.count("\n") == 1
