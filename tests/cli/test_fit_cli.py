"""`scalewatch fit` end to end, and the CLI's error handling."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd

from scalewatch import laws
from scalewatch.cli import main


def test_fit_dataset_json_matches_the_library(capsys):
    assert main(["fit", "chinchilla-hoffmann2022", "--drop-highest", "5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["law"] == "chinchilla"
    assert out["loss"]["label"] == "Huber (delta=0.001)" and out["loss"]["space"] == "log"
    assert abs(out["params"]["alpha"] - 0.3473) < 1e-3
    assert out["n_obs"] == 240


def test_fit_file_with_bootstrap_prints_report_and_intervals(tmp_path, capsys):
    N, D = np.meshgrid(np.geomspace(1e7, 1e10, 6), np.geomspace(1e9, 1e12, 6))
    truth = dict(E=1.7, A=400.0, B=1500.0, alpha=0.34, beta=0.36)
    L = laws.Chinchilla()(np.c_[N.ravel(), D.ravel()], **truth)
    L = L * np.exp(0.01 * np.random.default_rng(0).standard_normal(L.size))
    path = tmp_path / "runs.csv"
    pd.DataFrame({"run_id": [f"r{i}" for i in range(L.size)], "model_id": [f"m{i}" for i in range(L.size)], "params": N.ravel(), "tokens": D.ravel(), "loss": L}).to_csv(path, index=False)
    assert main(["fit", str(path), "--bootstrap", "100", "--loss", "lsq"]) == 0
    out = capsys.readouterr().out
    assert "least squares on log residuals" in out
    assert "[[Bootstrap]] chinchilla, 100 resamples of runs" in out
    assert "0/100 resamples did not converge" in out


def test_fit_errors_are_one_line(capsys):
    assert main(["fit", "chinchilla-hoffmann2022", "--law", "nope"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: unknown law 'nope'; known laws: ")
    assert main(["fit", "no-such-thing"]) == 2
    assert "is neither an existing file nor a dataset name" in capsys.readouterr().err


def test_help_is_fast_and_does_not_import_heavy_modules():
    code = (
        "import sys, time; t = time.perf_counter(); from scalewatch.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'plotly', 'pandas', 'scipy', 'duckdb') if m in sys.modules]\n"
        "print(heavy, time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    heavy, seconds = out.rsplit(" ", 1)
    assert heavy == "[]"
    assert float(seconds) < 1.0
