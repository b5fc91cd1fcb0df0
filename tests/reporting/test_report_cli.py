"""`scalewatch report` end to end, its errors, and a --help that imports nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from factories import make_finding

from scalewatch.cli import main
from scalewatch.findings import register, unregister


def test_report_end_to_end(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["report", "--out", str(out), "--fast", "--seed", "3", "--data", "chinchilla-hoffmann2022",
                 "--only", "pretraining.chinchilla_fit"]) == 0
    captured = capsys.readouterr()
    assert "pretraining.chinchilla_fit" in captured.out and "mean excess of the largest runs" in captured.out
    assert f"report: {(out / 'index.html').resolve()}" in captured.out
    assert captured.err == ""  # no progress display when stderr is not a terminal
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Chinchilla&#x27;s law refitted" in page and "Plotly.newPlot(" in page
    data = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert data["seed"] == 3 and data["fast"] is True and data["data"] == ["chinchilla-hoffmann2022"]
    assert [f["key"] for f in data["findings"]] == ["pretraining.chinchilla_fit"]


@pytest.fixture
def failing_analysis():
    def boom(ctx):
        raise RuntimeError("toy failure")

    register(boom, "sweep.cli_boom", "sweep", title="boom")
    register(lambda ctx: make_finding(key="sweep.cli_ok", question="sweep"), "sweep.cli_ok", "sweep", title="ok")
    yield
    unregister("sweep.cli_boom")
    unregister("sweep.cli_ok")


def test_an_analysis_that_raises_is_reported_and_exits_1(tmp_path, capsys, failing_analysis):
    assert main(["report", "--out", str(tmp_path), "--only", "sweep.cli_*"]) == 1
    captured = capsys.readouterr()
    assert "error" in captured.out and "RuntimeError: toy failure" in captured.out  # in the verdict table
    assert captured.err.strip() == "error: 1 analysis(es) raised (sweep.cli_boom); the report shows the messages"
    assert "RuntimeError: toy failure" in (tmp_path / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", "nope"], "error: dataset name='nope' is not known"),
        (["--only", "nothing.*"], "error: --only nothing.* matches no analysis"),
    ],
)
def test_bad_selection_is_a_one_line_error(tmp_path, capsys, args, message):
    assert main(["report", "--out", str(tmp_path), *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert not (tmp_path / "index.html").exists()


def test_list_shows_analyses_and_their_data(capsys):
    assert main(["report", "--list"]) == 0
    out = capsys.readouterr().out
    assert "pretraining.chinchilla_fit" in out and "chinchilla-hoffmann2022 (here)" in out


def test_help_imports_no_plotting_or_dataframes():
    code = (
        "import sys\n"
        "from scalewatch.cli import main\n"
        "main(['--help']); main(['report', '--help'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'plotly', 'numpy', 'scipy'})\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out
    assert "--data" in out and "--fast" in out and "--out" in out
