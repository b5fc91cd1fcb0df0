"""`scalewatch report --runs FILE` with several rows per run: the learning-curve fit runs instead of being skipped."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalewatch.cli import main
from scalewatch.data.runs import open_runs
from scalewatch.errors import DataValidationError
from scalewatch.reporting import runs_report

E, A, B, ALPHA, BETA = 1.82, 482.0, 2085.0, 0.3478, 0.3658


def curves_frame(noise: float = 0.0005, seed: int = 0) -> pd.DataFrame:
    """One row per logged step: 12 runs (6 sizes x 20 and 80 tokens per parameter), 8 steps each."""
    rng = np.random.default_rng(seed)
    rows = []
    k = 0
    for n in np.geomspace(1e7, 1e9, 6):
        for tpp in (20, 80):
            for j, d in enumerate(np.geomspace(tpp * n / 20, tpp * n, 8)):
                loss = (E + A / n**ALPHA + B / d**BETA) * np.exp(noise * rng.standard_normal())
                rows.append({"run_id": f"run-{k}", "n_params": n, "step": 500 * (j + 1), "tokens_seen": d,
                             "val_loss": loss})
            k += 1
    return pd.DataFrame(rows).sample(frac=1.0, random_state=1)  # any row order


@pytest.fixture
def curves_csv(tmp_path: Path) -> Path:
    path = tmp_path / "my_curves.csv"
    curves_frame().to_csv(path, index=False)
    return path


def test_long_file_becomes_runs_and_curves(curves_csv: Path) -> None:
    src = open_runs(str(curves_csv))
    runs, curves = src.runset.runs, src.runset.curves
    frame = curves_frame()
    assert len(runs) == 12 and len(curves) == len(frame)
    last = frame.sort_values("step").groupby("run_id").tail(1).set_index("run_id")
    got = runs.set_index("run_id")
    assert got.loc[last.index, "loss"].to_numpy() == pytest.approx(last["val_loss"].to_numpy())
    assert got.loc[last.index, "tokens"].to_numpy() == pytest.approx(last["tokens_seen"].to_numpy())
    assert curves.groupby("run_id")["step"].apply(lambda s: s.is_monotonic_increasing).all()


def test_repeated_run_ids_without_steps_are_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    curves_frame().drop(columns=["step", "tokens_seen"]).assign(tokens=1e9).drop(columns=["tokens"]).to_csv(path, index=False)
    with pytest.raises(DataValidationError, match="appears twice; run ids must be unique"):
        open_runs(str(path))


def test_runs_report_fits_the_curves(curves_csv: Path) -> None:
    rep = runs_report(str(curves_csv), only=["learning_curves"], fast=True)
    (outcome,) = rep.outcomes
    assert outcome.status == "ok", outcome.error or outcome.how
    (f,) = outcome.findings
    assert f.key == "pretraining.learning_curves.my-curves-csv"
    assert f.verdict == "holds", f.rule["reason"]
    assert f.number("alpha (curves)").value == pytest.approx(ALPHA, abs=0.03)
    # steps at >= 20% of the final tokens (spaced by 20^(1/7) = 1.53x): the last 4 of 8 per run
    assert f.number("curve points fitted").value == 12 * 4


def test_too_few_curves_are_skipped_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "few.csv"
    frame = curves_frame()
    frame[frame["run_id"].isin([f"run-{k}" for k in range(5)])].to_csv(path, index=False)
    rep = runs_report(str(path), only=["learning_curves"], fast=True)
    (outcome,) = rep.outcomes
    assert outcome.status == "skipped"
    assert outcome.how[0].startswith("needs curves of at least 7 runs with params")


def test_cli_report_runs_with_curves(curves_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rep"
    code = main(["report", "--runs", str(curves_csv), "--fast", "--only", "learning_curves", "--out", str(out)])
    text, err = capsys.readouterr()
    assert code == 0, err
    assert "pretraining.learning_curves.my-curves-csv" in text and "0 errors, 0 skipped" in text
    data = json.loads((out / "findings.json").read_text())
    keys = [f["key"] for f in data["findings"]]
    assert keys == ["pretraining.learning_curves.my-curves-csv"]
    assert data["findings"][0]["verdict"] == "holds"
    assert (out / "index.html").is_file()
