"""`scalewatch cost ...` end to end: every assumption editable, JSON, one-line errors."""

from __future__ import annotations

import json

import pytest

from scalewatch._cli import cost as cost_cli
from scalewatch.cli import app, main

H100 = 9.894e14


@pytest.fixture(scope="module", autouse=True)
def _registered():
    # until cli.py registers the group itself (one line: _cost.register(app)), add it here once
    if not any(getattr(g, "name", None) == "cost" for g in app.registered_groups):
        cost_cli.register(app)


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_train_with_fixed_and_ranged_assumptions(capsys):
    assert main(["cost", "train", "1e24", "--mfu", "0.5", "--price", "2", "--json"]) == 0
    d = _json(capsys)
    comp = {c["name"]: c for c in d["components"]}
    hours = 1e24 / (3600 * H100 * 0.5)
    assert comp["gpu_hours"]["value"] == pytest.approx(hours) and comp["gpu_hours"]["low"] == comp["gpu_hours"]["high"]
    assert comp["cloud_usd"]["value"] == pytest.approx(2 * hours)
    assert main(["cost", "train", "1e24", "--mfu", "0.3:0.4:0.5", "--price", "2"]) == 0
    out = capsys.readouterr().out
    assert "training utilisation (MFU)     0.4 [0.3, 0.5]" in out and "given" in out


def test_infer_by_published_price_and_by_flop(capsys):
    assert main(["cost", "infer", "--model", "o1", "--tokens-in", "1000", "--tokens-out", "3500", "--json"]) == 0
    assert _json(capsys)["components"][0]["value"] == pytest.approx((1000 * 15 + 3500 * 60) / 1e6)
    assert main(["cost", "infer", "--params", "1e10", "--tokens", "1e6", "--mfu", "0.25", "--price", "4", "--json"]) == 0
    usd = {c["name"]: c for c in _json(capsys)["components"]}["usd"]["value"]
    assert usd == pytest.approx(2e16 / (3600 * H100 * 0.25) * 4)


def test_cluster_reasoning_allocate_decline_prices(capsys):
    assert main(["cost", "cluster", "--server-price", "40000", "--interconnect", "1", "--json"]) == 0
    assert {c["name"]: c["value"] for c in _json(capsys)["components"]}["gpus"] == 25_000
    assert main(["cost", "reasoning", "--reasoning-tokens", "0", "--json"]) == 0
    assert {c["name"]: c["value"] for c in _json(capsys)["components"]}["task_cost_ratio"] == 6.0
    assert main(["cost", "allocate", "--params", "13e9", "--inference-tokens", "2e12", "--json"]) == 0
    d = _json(capsys)
    assert d["n"] == pytest.approx(8.02e9, rel=0.01) and d["chinchilla_n"] == pytest.approx(13e9, rel=1e-6)
    assert main(["cost", "decline", "--bootstrap", "50"]) == 0
    assert "[[Price decline]] cost per token at MMLU >= 0.65" in capsys.readouterr().out
    assert main(["cost", "prices"]) == 0
    assert "o1 " in capsys.readouterr().out


def test_errors_are_one_line(capsys):
    assert main(["cost", "train", "1e24", "--mfu", "high"]) == 2
    assert "give a number or LOW:VALUE:HIGH" in capsys.readouterr().err
    assert main(["cost", "train", "1e24", "--mfu", "0.5:0.4:0.6"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Assumption('training utilisation (MFU)'): need low <= value <= high") and err.count("\n") == 1
    assert main(["cost", "train", "0"]) == 1
    assert "training_cost(flop=0.0) must be a positive number" in capsys.readouterr().err
    assert main(["cost", "infer", "--tokens-in", "10"]) == 2
    assert main(["cost", "allocate", "--inference-tokens", "1e9"]) == 1
    assert "give either loss" in capsys.readouterr().err
