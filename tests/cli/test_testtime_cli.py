"""`scalewatch testtime ...` end to end: reports, JSON and one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalewatch._cli import testtime as testtime_cli
from scalewatch.cli import app, main


@pytest.fixture(scope="module", autouse=True)
def _registered():
    # until cli.py registers the group itself (one line: _testtime.register(app)), add it here once
    if not any(getattr(g, "name", None) == "testtime" for g in app.registered_groups):
        testtime_cli.register(app)


@pytest.fixture
def counts_csv(tmp_path):
    rng = np.random.default_rng(0)
    p = rng.beta(0.3, 6.0, size=80)
    rows = [{"model": m, "problem": i, "n": 1000, "c": int(rng.binomial(1000, min(1.0, q * s)))}
            for m, s in (("small", 1.0), ("big", 4.0)) for i, q in enumerate(p)]
    path = tmp_path / "counts.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    models = tmp_path / "models.csv"
    pd.DataFrame({"model": ["small", "big"], "params": [1e8, 1e9], "tokens": [3e11, 3e11]}).to_csv(models, index=False)
    return path, models


def test_passk_report_and_json(counts_csv, capsys):
    path, _ = counts_csv
    assert main(["testtime", "passk", str(path), "--k", "1,10,100", "--bootstrap", "50"]) == 0
    out = capsys.readouterr().out
    assert "[[Coverage curves]] 2 model(s), k = 1 .. 100" in out and "[[big]]" in out
    assert main(["testtime", "passk", str(path), "--k", "1,1000", "--bootstrap", "0", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    got = {(r["model"], r["k"]): r["coverage"] for r in d["curves"]}
    c = pd.read_csv(path)
    assert got[("small", 1)] == pytest.approx((c[c.model == "small"].c / 1000).mean())


def test_fit_compare_and_verifier(counts_csv, capsys):
    path, _ = counts_csv
    assert main(["testtime", "fit", str(path), "--model", "big", "--budget", "1e5", "--target", "0.5", "--bootstrap", "50"]) == 0
    out = capsys.readouterr().out
    assert "[[Coverage law]] big: brown" in out and "at 100,000 samples:" in out and "samples for coverage 0.5" in out
    assert main(["testtime", "fit", str(path), "--json", "--bootstrap", "20"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert set(d) == {"small", "big"} and d["big"]["coverage_at_budget"][0] > d["big"]["coverage"][-1]
    assert main(["testtime", "compare", str(path), "--fit-up-to", "32", "--laws", "brown,logistic"]) == 0
    assert "[[fit on k <= 32]]" in capsys.readouterr().out
    assert main(["testtime", "verifier", str(path), "--fpr", "0.01", "--k", "1,100"]) == 0
    out = capsys.readouterr().out
    assert "[[Best-of-n with a verifier]] tpr 0.9, fpr 0.01" in out and "plateau" in out


def test_exchange_command(counts_csv, capsys):
    path, models = counts_csv
    assert main(["testtime", "exchange", str(path), "--models", str(models), "--targets", "0.3", "--bootstrap", "50", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["slopes"][0]["target"] == 0.3 and d["slopes"][0]["samples_per_10x"] > 1


def test_vote_and_bestof_on_per_sample_files(tmp_path, capsys):
    votes = tmp_path / "answers.csv"
    pd.DataFrame({"problem": [1, 1, 1, 2, 2, 2], "answer": ["4", "4", "5", "x", "y", "y"], "reference": ["4"] * 3 + ["x"] * 3}).to_csv(votes, index=False)
    assert main(["testtime", "vote", str(votes), "--k", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["majority_accuracy"] == 0.5
    scored = tmp_path / "scored.csv"
    pd.DataFrame({"problem": [1, 1, 1], "correct": [1, 0, 0], "score": [0.2, 0.9, 0.1]}).to_csv(scored, index=False)
    assert main(["testtime", "bestof", str(scored), "--k", "1,3"]) == 0
    out = capsys.readouterr().out
    assert "best-of-1 over 1 problems: 0.3333" in out and "best-of-3 over 1 problems: 0.0000" in out


def test_errors_are_one_line(counts_csv, tmp_path, capsys):
    path, _ = counts_csv
    assert main(["testtime", "passk", str(path), "--k", "1,5000"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: coverage_curves(ks=...) asks for k=5000") and err.count("\n") == 1
    assert main(["testtime", "fit", str(path), "--law", "weibull"]) == 1
    assert "coverage law 'weibull' is not known" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"problem": [1], "n": [10], "c": [11]}).to_csv(bad, index=False)
    assert main(["testtime", "passk", str(bad)]) == 1
    assert "c=11 with n=10" in capsys.readouterr().err
    assert main(["testtime", "vote", str(bad), "--k", "1"]) == 2  # missing columns: a usage error
    assert main(["testtime", "show", "nonsense"]) == 2


def test_show_runs_a_registered_finding(capsys):
    assert main(["testtime", "show", "exchange", "--fast"]) == 0
    out = capsys.readouterr().out
    assert "[[Finding]] test-time.exchange_rate" in out and "Jones (2021)" in out
