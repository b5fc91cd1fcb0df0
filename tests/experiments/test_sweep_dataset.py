"""The committed sweep: loadable by name from package data, complete, and read by the report."""

from __future__ import annotations

import json

from scalewatch import datasets
from scalewatch.experiments._data import SWEEP_DATA_DIR


def test_committed_sweep_loads_by_name() -> None:
    ds = datasets.load("scalewatch-sweep")
    runs = ds.runs.runs
    assert ds.name == "scalewatch-sweep" and len(runs) >= 20
    assert set(runs["params_kind"]) == {"non_embedding"} and set(runs["loss_split"]) == {"val"}
    assert (runs["compute"] == 6 * runs["params"] * runs["tokens"]).all()
    configs = [json.loads(c) for c in runs["config"]]
    budgets = {c["plan"]["budget"] for c in configs}
    assert len(budgets) >= 4 and all(sum(c["plan"]["budget"] == b for c in configs) >= 5 for b in budgets)
    assert len({c["corpus"]["sha256"] for c in configs}) == 1  # one corpus, hash recorded (not pinned here)
    assert all("seed" in c["spec"] and c["versions"]["torch"] for c in configs)
    assert set(ds.runs.curves["run_id"]) == set(runs["run_id"])
    assert "train_loss" in ds.tables["curves_full"].columns
    assert "scalewatch sweep run" in (SWEEP_DATA_DIR / "PROVENANCE.md").read_text()


def test_report_runs_the_sweep_analysis() -> None:
    from scalewatch.reporting import run_report

    report = run_report(only=("sweep.*",), fast=True)
    assert [f.key for f in report.findings] == ["sweep.chinchilla", "sweep.learning_curves"]
    finding = report.findings[0]
    assert finding.key == "sweep.chinchilla" and finding.question == "sweep"
    from scalewatch.findings import VERDICTS

    assert finding.verdict in VERDICTS["sweep"] and finding.rule["verdict"] == finding.verdict
    names = {n.name for n in finding.numbers}
    assert {"held-out mean excess", "alpha", "beta", "E", "a (IsoFLOP minima)"} <= names
