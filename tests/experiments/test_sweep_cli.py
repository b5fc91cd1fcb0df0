"""``scalewatch sweep plan / run``: output, resumption and one-line errors; ``--help`` never imports torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scalewatch.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_help_does_not_import_torch() -> None:
    code = ("import sys\nfrom scalewatch.cli import main\n"
            "for argv in (['--help'], ['sweep', '--help'], ['sweep', 'run', '--help']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "print('torch' in sys.modules, 'ray' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False False"


def test_plan_prints_runs_compute_and_time(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch", reason="scalewatch sweep needs torch: pip install 'scalewatch[experiments]'")
    code, out, err = run(capsys, "sweep", "plan", "--budgets", "1e10,3e10", "--sizes-per-budget", "2",
                         "--context", "32", "--throughput", "1e10")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["budget", "layers", "d_model"] and len(lines) == 1 + 4 + 2
    assert "total compute 7.99e+10 FLOP (6ND, non-embedding N)" in out  # 2 x 1e10 + 2 x 3e10
    assert "estimated time:" in out and "1e+10 FLOP/s" in out


def test_run_trains_resumes_and_exports(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="scalewatch sweep needs torch: pip install 'scalewatch[experiments]'")
    db, out_dir = tmp_path / "s.duckdb", tmp_path / "export"
    args = ["sweep", "run", "--sizes", "3000,7000", "--tokens", "8192", "--context", "32",
            "--corpus-bytes", "300000", "--db", db]
    code, out, err = run(capsys, *args, "--out", out_dir)
    assert code == 0, err
    assert "2 runs: 2 trained (0 from a checkpoint), 0 already in the registry" in out
    assert err.count("done sw-") == 2 and "val loss" in err  # not a terminal: one line per finished run
    assert sorted(p.name for p in out_dir.iterdir()) == ["PROVENANCE.md", "curves.csv", "runs.csv"]
    prov = (out_dir / "PROVENANCE.md").read_text()
    assert "scalewatch sweep run --sizes 3000,7000 --tokens 8192 --context 32 --seed 0" in prov and "sha256" in prov
    from scalewatch.experiments import load_sweep

    runset, curves = load_sweep(out_dir)
    assert len(runset.runs) == 2 and "train_loss" in curves.columns
    code, out, _ = run(capsys, *args)
    assert code == 0 and "0 trained (0 from a checkpoint), 2 already in the registry" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--budgets", "1e11,abc"], "error: --budgets '1e11,abc': 'abc' is not a number; write a comma-separated list"),
    (["--budgets", "1e5"], "error: plan_isoflop(budgets=...): 100000 is not allowed; each value must be >= 1e+08"),
    (["--budgets", "1e11", "--tokens", "1e6"], "error: --budgets (IsoFLOP) and --tokens (grid) exclude each other"),
    (["--tokens", "1e6"], "error: --tokens makes a grid and needs --sizes too"),
    (["--preset", "huge"], "error: preset 'huge' is unknown; choose one of default, tiny"),
    (["--sizes", "1e4"], "error: --sizes needs --budgets (IsoFLOP) or --tokens (grid)"),
])
def test_bad_options_are_one_line_errors(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    pytest.importorskip("torch", reason="scalewatch sweep needs torch: pip install 'scalewatch[experiments]'")
    code, out, err = run(capsys, "sweep", "plan", *args, "--throughput", "1e10")
    assert code == 1 and out == ""
    assert err.startswith(message) and err.count("\n") == 1


def test_run_rejects_a_bad_executor(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="scalewatch sweep needs torch: pip install 'scalewatch[experiments]'")
    code, out, err = run(capsys, "sweep", "run", "--preset", "tiny", "--corpus-bytes", "300000",
                         "--db", tmp_path / "x.duckdb", "--executor", "slurm")
    assert code == 1 and err.strip() == "error: run_sweep(executor='slurm'): must be one of local, ray"
