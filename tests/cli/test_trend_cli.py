"""`scalewatch trend FILE` end to end: report, JSON, backtest and one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalewatch._cli import trend as trend_cli
from scalewatch.cli import app, main


@pytest.fixture(scope="module", autouse=True)
def _registered():
    # until cli.py registers the command itself (one line: _trend.register(app)), add it here once
    if not any(getattr(c, "name", None) == "trend" for c in app.registered_commands):
        trend_cli.register(app)


@pytest.fixture
def clock_csv(tmp_path):
    rng = np.random.default_rng(0)
    years = np.arange(1985, 2020, 0.5)
    mhz = np.exp(np.where(years < 2004, 0.3 * (years - 2004), 0.0) + 8 + 0.1 * rng.standard_normal(years.size))
    dates = pd.to_datetime([f"{int(y)}-{1 + int(round((y % 1) * 12)):02d}-01" for y in years])
    path = tmp_path / "clock.csv"
    pd.DataFrame({"released": dates.strftime("%Y-%m-%d"), "mhz": mhz}).to_csv(path, index=False)
    return path


def test_trend_report_with_forecast(clock_csv, capsys):
    code = main(["trend", str(clock_csv), "--date-column", "released", "--value-column", "mhz", "--bootstrap", "30", "--forecast", "2030"])
    assert code == 0
    out = capsys.readouterr().out
    assert "[[Trend comparison]] mhz: 70 values" in out
    assert "[[Out of sample]]" in out and "[[Slowdown test]]" in out and "(detected at 95%)" in out
    assert "[[Forecast]]" in out and "piecewise     2030.00" in out


def test_trend_json_with_backtest_matches_the_library(clock_csv, capsys):
    from scalewatch.analyses.trends.compare import compare_trends

    args = ["trend", str(clock_csv), "--date-column", "released", "--value-column", "mhz", "--bootstrap", "20"]
    assert main([*args, "--backtest", "--origins", "2000,2008", "--horizon", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    lib = compare_trends(pd.read_csv(clock_csv), date_column="released", value_column="mhz", n_boot=20, seed=0)
    assert out["comparison"]["fits"]["piecewise"]["params"] == pytest.approx(lib.to_dict()["fits"]["piecewise"]["params"])
    assert out["comparison"]["slowdown_test"]["detected"] is True
    assert out["backtest"]["origins"] == [2000.0, 2008.0]
    assert out["backtest"]["timing"] in ("after onset", "ambiguous", "in advance", "never detected")


def test_trend_linear_scale_and_model_subset(tmp_path, capsys):
    path = tmp_path / "index.csv"
    t = np.linspace(2023, 2026, 25)
    pd.DataFrame({"year": t, "eci": 1.0 + 0.4 * (t - 2023) + 0.02 * np.sin(9 * t)}).to_csv(path, index=False)
    assert main(["trend", str(path), "--date-column", "year", "--value-column", "eci", "--scale", "linear", "--models", "linear,piecewise", "--bootstrap", "20", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["comparison"]["fits"]) == {"linear", "piecewise"}
    assert out["comparison"]["fits"]["linear"]["quantities"]["slope_per_year"]["value"] == pytest.approx(0.4, abs=0.02)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--date-column", "when"], "error: compare_trends(date_column='when'): no such column; columns: ['released', 'mhz']."),
        (["--date-column", "released", "--value-column", "mhz", "--scale", "linear", "--models", "exponential"], "error: compare_trends(models=...) names 'exponential'"),
        (["--date-column", "released", "--value-column", "mhz", "--holdout", "1.5"], "error: compare_trends(holdout=1.5)"),
    ],
)
def test_trend_errors_are_one_line(clock_csv, capsys, extra, message):
    assert main(["trend", str(clock_csv), *extra]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(message)


def test_trend_rejects_missing_and_unknown_files(tmp_path, capsys):
    assert main(["trend", str(tmp_path / "nope.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
    odd = tmp_path / "data.xlsx"
    odd.write_text("x")
    assert main(["trend", str(odd)]) == 2
    assert "unknown file type .xlsx" in capsys.readouterr().err
