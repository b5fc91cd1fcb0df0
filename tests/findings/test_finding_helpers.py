"""The findings layer's shared helpers: JSON-safe tables and numbers, formatting, and the Result mixin."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from scalewatch.findings import Finding, Number, Result, finite, number_record, records, significant


def test_records_make_table_rows_json_safe():
    df = pd.DataFrame({
        "n": np.array([1, 2], dtype=np.int64), "x": [1.23456, np.nan], "ok": np.array([True, False]),
        "when": pd.to_datetime(["2024-03-05", None]), "name": ["a", "b"],
    })
    rows = records(df, ["name", "n", "x", "ok", "when"], {"x": "value"}, digits=3)
    assert rows == [
        {"name": "a", "n": 1, "value": 1.23, "ok": True, "when": "2024-03-05"},
        {"name": "b", "n": 2, "value": None, "ok": False, "when": None},
    ]
    assert all(type(r["n"]) is int and type(r["ok"]) is bool for r in rows)
    json.dumps(rows, allow_nan=False)
    assert records([{"d": dt.date(2020, 1, 2), "v": np.float64(np.inf)}]) == [{"d": "2020-01-02", "v": None}]


def test_finite_number_record_and_significant():
    assert finite(np.float32(2.5)) == 2.5 and finite(np.nan) is None and finite("x") is None
    rec = number_record("wall year", np.float64(2029.3), 2027.0, np.inf, "year", 0.9, "toy")
    assert rec == {"name": "wall year", "value": 2029.3, "low": 2027.0, "high": None, "unit": "year", "ci": 0.9, "note": "toy"}
    assert significant(1234.5678, 3) == "1.23e+03" and significant(np.inf) == "inf"


@dataclass(frozen=True)
class _Toy(Result):
    FINDING_KEY = "sweep.toy_result"
    QUESTION = "sweep"

    excess: float
    verdict: str = "holds"
    reason: str = "the excess is inside the margin"

    def sentence(self) -> str:
        return f"The toy's excess is {self.excess:+.1f}%."

    def method(self) -> str:
        return "Nothing at all."

    def numbers(self):
        return [Number("excess", self.excess, self.excess - 1, self.excess + 1, "%")]

    def finding_parts(self):
        return {"title": "A toy result"}


@dataclass(frozen=True)
class _Step(Result):
    n: int
    table: pd.DataFrame


def test_result_builds_its_finding_from_declared_parts():
    f = _Toy(0.5).to_finding()
    assert isinstance(f, Finding) and f.key == "sweep.toy_result" and f.verdict == "holds"
    assert f.summary == "The toy's excess is +0.5%."
    assert f.method == "Nothing at all.\n\nVerdict reached: the excess is inside the margin."
    assert f.headline_number.text(unit=True) == "0.5 [-0.5, 1.5] %"
    assert _Toy(0.5).to_finding(key="sweep.other").key == "sweep.other"
    assert _Toy(0.5).report() == f.report() and "A toy result" in _Toy(0.5)._repr_html_()


def test_a_result_without_a_finding_still_reports_and_serialises():
    s = _Step(3, pd.DataFrame({"a": [1.0, np.nan]}))
    assert not s.has_finding
    assert s.to_dict() == {"n": 3, "table": [{"a": 1.0}, {"a": None}]}
    assert json.loads(s.to_json()) == s.to_dict()
    assert s.report().startswith("[[_Step]]") and s._repr_html_().startswith("<pre")
    with pytest.raises(NotImplementedError, match="makes no Finding of its own"):
        s.to_finding()
