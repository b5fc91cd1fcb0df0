"""`scalewatch capabilities ...` end to end, through the CLI's own error handling."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import typer

from scalewatch import cli
from scalewatch._cli import capabilities as cap_cli


@pytest.fixture()
def run(monkeypatch):
    """``main(argv)`` of a root app that has the capabilities group (whether or not cli.py registers it yet)."""
    root = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

    @root.callback()
    def _root() -> None:
        pass

    cap_cli.register(root)
    monkeypatch.setattr(cli, "app", root)
    return cli.main


@pytest.fixture()
def table(tmp_path):
    """40 models with compute and release dates; the 10 newest score 8 points above the compute link."""
    rng = np.random.default_rng(0)
    n = 40
    lc = rng.uniform(20.0, 25.0, n)
    dates = pd.Timestamp("2022-01-01") + pd.to_timedelta(np.sort(rng.uniform(0, 900, n)), unit="D")
    lc = lc[np.argsort(rng.random(n))]
    mmlu = 0.25 + 0.6 / (1 + np.exp(-1.5 * (lc - 23.0))) + rng.normal(0, 0.01, n)
    gsm = 0.8 / (1 + np.exp(-2.0 * (lc - 23.5))) + rng.normal(0, 0.01, n)
    newest = np.arange(n) >= n - 10
    mmlu[newest] += 0.08
    gsm[newest] += 0.08
    df = pd.DataFrame({"model": [f"m{i}" for i in range(n)], "compute": 10**lc, "release_date": dates, "MMLU": mmlu, "GSM8K": gsm})
    df.loc[3, "MMLU"] = np.nan
    path = tmp_path / "bench.csv"
    df.to_csv(path, index=False)
    return path


def test_links_report_and_json(run, table, capsys):
    assert run(["capabilities", "links", str(table), "--x", "compute", "--floor", "MMLU=0.25,GSM8K=0", "--bootstrap", "30"]) == 0
    out = capsys.readouterr().out
    assert "[[Links]] 2 benchmarks vs log10 compute (bench.csv)" in out and "[[Link]] MMLU vs log10 compute" in out
    assert run(["capabilities", "links", str(table), "--x", "compute", "--chance", "0.1", "--floor", "MMLU=0.25", "--bootstrap", "0", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    floors = {link["benchmark"]: link["fixed_floor"] for link in d["links"]}
    assert floors == {"MMLU": 0.25, "GSM8K": 0.1}
    assert d["links"][0]["n"] + d["links"][1]["n"] == 79  # one missing score dropped


def test_pca_complete_and_imputed(run, table, capsys):
    assert run(["capabilities", "pca", str(table), "--bootstrap", "20", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["n_models"] == 39 and d["imputed_cells"] == 0 and abs(d["cumulative"][-1] - 1.0) < 1e-12
    assert run(["capabilities", "pca", str(table), "--impute", "--bootstrap", "20", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["n_models"] == 40 and d["imputed_cells"] == 1


def test_decoupling_finds_the_newest_models_ahead(run, table, capsys):
    assert run(["capabilities", "decoupling", str(table), "--x", "compute", "--by", "release_date", "--floor", "MMLU=0.25,GSM8K=0", "--bootstrap", "60", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["verdict"] == "ahead" and d["interval"][0] > 0
    assert run(["capabilities", "decoupling", str(table), "--x", "compute", "--by", "release_date", "--cutoff", "2023-06-01", "--chance", "0", "--bootstrap", "20"]) == 0
    assert "2023-06-01" in capsys.readouterr().out


def test_emergence_command(run, tmp_path, capsys):
    x = np.linspace(20, 25, 30)
    p = 0.3 + 0.69 * (x - 20) / 5
    path = tmp_path / "task.csv"
    pd.DataFrame({"compute": 10**x, "exact_match": p**20, "edit_distance": 20 * (1 - p)}).to_csv(path, index=False)
    args = ["capabilities", "emergence", str(path), "--x", "compute", "--discontinuous", "exact_match", "--continuous", "edit_distance", "--lower-is-better", "--bootstrap", "50", "--json"]
    assert run(args) == 0
    assert json.loads(capsys.readouterr().out)["label"] == "metric artefact"


def test_show_runs_an_analysis_on_the_public_data(run, capsys):
    assert run(["capabilities", "show", "emergence", "--fast", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["verdict"] in ("in step", "decoupling", "ahead", "inconclusive") and d["pairs"]


def test_errors_are_one_line(run, table, tmp_path, capsys):
    # library errors: exit 1, one line on stderr
    assert run(["capabilities", "links", str(table), "--x", "compute", "--benchmarks", "MMLU,HumanEval"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: fit_links(benchmarks=...): ['HumanEval'] not in the table")
    # usage errors: exit 2 and the reason
    assert run(["capabilities", "links", str(table), "--x", "flops"]) == 2
    assert "'flops' is not a column of the table" in capsys.readouterr().err
    assert run(["capabilities", "links", str(table), "--x", "compute", "--floor", "MMLU"]) == 2
    assert "write BENCHMARK=FLOOR" in capsys.readouterr().err
    assert run(["capabilities", "show", "everything"]) == 2
    assert "use one of links, observational, decoupling, emergence" in capsys.readouterr().err
    assert run(["capabilities", "pca", str(tmp_path / "missing.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert run(["capabilities", "decoupling", str(table), "--x", "compute", "--by", "release_date", "--cutoff", "soon"]) == 2
    assert "is not a date" in capsys.readouterr().err


def test_importing_the_command_group_stays_light():
    code = (
        "import sys; import scalewatch._cli.capabilities\n"
        "print([m for m in ('pandas', 'scipy', 'plotly', 'numpy') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
