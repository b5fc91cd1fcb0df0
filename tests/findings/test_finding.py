"""Finding, Number and Figure: validation with clear errors, immutability, JSON round trip."""

from __future__ import annotations

import dataclasses
import importlib
import json
import pickle

import numpy as np
import pandas as pd
import pytest
from factories import make_finding

from scalewatch.findings import (
    QUESTIONS,
    TONES,
    VERDICTS,
    Figure,
    Finding,
    Number,
    check_verdict,
    format_interval,
    json_safe,
    verdict_tone,
)


# -- Number ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        (("x", 1.0, 0.5, None), {}, ValueError, "both low and high"),
        (("x", 1.0, 2.0, 1.0), {}, ValueError, r"low=2.0 > high=1.0; pass the interval in order"),
        (("x", 1.0, 0.5, 1.5), {"ci": 1.5}, ValueError, r"ci=1.5 must lie in \(0, 1\)"),
        (("x", 1.0, 0.5, 1.5), {"ci": None}, ValueError, "an interval needs its level"),
        (("x", None), {}, ValueError, "value is None .* say why in note="),
        (("x", float("nan")), {}, ValueError, "not finite"),
        (("x", 1.0), {}, ValueError, "has no interval and no note"),
        (("x", "1.0"), {"note": "n"}, TypeError, r"takes a real number or None; got str"),
        (("x", True), {"note": "n"}, TypeError, "got bool"),
        (("x", np.array([1.0, 2.0])), {"note": "n"}, TypeError, "got ndarray"),
        (("", 1.0), {"note": "n"}, ValueError, r"Number\(name=...\) is empty"),
        ((3, 1.0), {"note": "n"}, TypeError, r"Number\(name=...\) takes a str"),
    ],
)
def test_number_rejects_bad_values_with_a_clear_message(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        Number(*args, **kwargs)


def test_number_normalises_numpy_nan_and_interval_level():
    n = Number("x", np.float32(1.5), np.int64(1), np.float64(2.0), "tokens")
    assert (n.value, n.low, n.high, n.ci) == (1.5, 1.0, 2.0, 0.95)
    assert type(n.value) is float and type(n.low) is float
    p = Number("p", 0.03, note="one-sided p-value")
    assert p.ci is None and not p.has_interval  # no interval: no level either
    missing = Number("lead time", float("inf"), note="the slowdown was never detected")
    assert missing.value is None and missing.text() == "n/a"
    assert str(n) == "x = 1.50 [1.00, 2.00] tokens (95% interval)"


@pytest.mark.parametrize(
    "value, low, high, text",
    [
        (0.34731, 0.31619, 0.37228, "0.347 [0.316, 0.372]"),
        (477.8, 281.7, 731.8, "478 [282, 732]"),
        (2029.34, 2027.12, 2031.87, "2029.3 [2027.1, 2031.9]"),
        (-0.045, -0.55, 0.52, "-0.04 [-0.55, 0.52]"),
        (2.1e22, 1.4e22, 3.3e22, "2.1e22 [1.4e22, 3.3e22]"),
        (0.031, None, None, "0.031"),
        (240.0, None, None, "240"),
        (1.4e12, None, None, "1.4e12"),
    ],
)
def test_format_interval_shows_the_digits_the_interval_resolves(value, low, high, text):
    assert format_interval(value, low, high) == text


# -- verdicts ----------------------------------------------------------------------------------------------------
def test_every_question_has_a_vocabulary_with_inconclusive_and_known_tones():
    assert set(VERDICTS) == set(QUESTIONS)
    assert VERDICTS["pretraining"] == ("holds", "beats the law", "falls short of the law", "bends", "breaks", "inconclusive")
    assert VERDICTS["synthetic-data"] == ("helps", "does not help", "hurts", "inconclusive")
    for q, verdicts in VERDICTS.items():
        assert "inconclusive" in verdicts
        for v in verdicts:
            assert verdict_tone(q, v.replace("YEAR", "2030")) in TONES
    assert [verdict_tone("pretraining", v) for v in ("holds", "bends", "breaks", "inconclusive")] == ["ok", "warn", "bad", "unknown"]
    # a law that misses in the favourable direction does not hold, but it is no sign of a wall either
    assert [verdict_tone("pretraining", v) for v in ("beats the law", "falls short of the law")] == ["ok", "warn"]
    assert verdict_tone("data", "wall before 2030") == "bad"


@pytest.mark.parametrize(
    "question, verdict, ok",
    [
        ("data", "wall before 2030", True),
        ("data", "no wall before 2041", True),
        ("data", "wall before soon", False),
        ("data", "wall before 20300", False),
        ("pretraining", "Holds", False),
        ("capabilities", "decoupling", True),
        ("trends", "plateau detectable in advance", True),
    ],
)
def test_check_verdict_matches_year_templates(question, verdict, ok):
    if ok:
        assert check_verdict(question, verdict) == verdict
    else:
        with pytest.raises(ValueError, match=f"not a verdict of question '{question}'; allowed: "):
            check_verdict(question, verdict)


@pytest.mark.parametrize("module", ["pretraining", "capabilities", "datawall", "trends"])
def test_question_modules_use_the_same_vocabulary(module):
    """Each question module's own VERDICTS constant agrees with the Finding's vocabulary."""
    mod = importlib.import_module(f"scalewatch.analyses.{module}")
    question = getattr(mod, "QUESTION", "pretraining")
    assert set(mod.VERDICTS) == set(VERDICTS[question])


# -- Finding -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "over, error, match",
    [
        ({"question": "economics"}, ValueError, "question='economics' is not one of 'pretraining'"),
        ({"question": 3}, TypeError, "takes a str"),
        ({"verdict": "plateaus"}, ValueError, r"verdict='plateaus'\) is not a verdict of question 'pretraining'; allowed: 'holds', 'beats the law'"),
        ({"key": "toy"}, ValueError, r"a key is '<question>.<name>'.*e.g. 'pretraining.toy'"),
        ({"key": "pretraining.Toy"}, ValueError, "lower case"),
        ({"key": "data.toy"}, ValueError, "e.g. 'pretraining.data.toy'"),
        ({"summary": "line one.\nline two."}, ValueError, "one plain sentence on one line"),
        ({"summary": "x" * 401}, ValueError, "401 characters"),
        ({"summary": "  "}, ValueError, "is empty"),
        ({"method": ""}, ValueError, r"method=...\) is empty"),
        ({"title": None}, TypeError, r"title=...\) takes a str"),
        ({"numbers": [Number("a", 1.0, note="n"), Number("a", 2.0, note="n")]}, ValueError, r"names \['a'\] more than once"),
        ({"numbers": [1.0]}, TypeError, r"numbers=...\)\[0\] is a float; use Number"),
        ({"numbers": [{"name": "a", "value": 1.0, "note": "n", "sd": 2}]}, ValueError, r"unknown field\(s\) \['sd'\]"),
        ({"headline": "beta"}, ValueError, r"headline='beta'\) names no number"),
        ({"figures": {"data": [], "layout": {}}}, TypeError, "one bare plotly spec; wrap it"),
        ({"figures": [{"data": [{"x": [1]}]}]}, TypeError, r"use Figure\(title, spec, caption\)"),
        ({"tables": [("t", {"a": 1})]}, TypeError, "list of dicts"),
        ({"tables": [("t", [[1, 2]])]}, TypeError, r"\[0\] is a list; each row is a dict"),
        ({"tables": [("t", [{"a": object()}])]}, TypeError, r"\['a'\] is a object, which is not JSON-serialisable"),
        ({"data_sources": [""]}, ValueError, "is empty"),
    ],
)
def test_finding_rejects_bad_fields_with_a_clear_message(over, error, match):
    with pytest.raises(error, match=match):
        make_finding(**over)


@pytest.mark.parametrize(
    "spec, error, match",
    [
        ({"layout": {}}, ValueError, "needs a non-empty 'data' list"),
        ({"data": [1]}, ValueError, r"spec\['data'\]\[0\] is a int"),
        ({"data": [{"x": [1]}], "layout": []}, ValueError, "spec\\['layout'\\] must be a dict"),
        ({"data": [{"x": {1, 2}}]}, TypeError, r"spec\['data'\]\[0\]\['x'\] is a set"),
        ("figure", TypeError, "takes a plotly figure dict"),
    ],
)
def test_figure_rejects_bad_specs(spec, error, match):
    with pytest.raises(error, match=match):
        Figure("t", spec)


def test_finding_is_immutable_all_the_way_down():
    f = make_finding()
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.verdict = "breaks"  # type: ignore[misc]
    spec = f.figures[0].spec
    with pytest.raises(TypeError, match="a Finding is immutable"):
        spec["layout"]["title"] = "changed"
    with pytest.raises(TypeError, match="a Finding is immutable"):
        f.tables[0][1][0].update(N=1)
    assert isinstance(spec["data"][0]["x"], tuple)
    assert pickle.loads(pickle.dumps(f)) == f


def test_finding_to_dict_is_json_and_round_trips():
    f = make_finding()
    d = f.to_dict()
    text = json.dumps(d, allow_nan=False)  # NaN would fail here: it must have become null
    back = Finding.from_dict(json.loads(text))
    assert back == f
    assert d["tables"][0]["rows"][1] == {"N": 2e8, "loss": None, "date": "2024-02-01T00:00:00"}
    assert d["numbers"][1] == {"name": "p-value", "value": 0.031, "low": None, "high": None, "unit": "", "ci": None, "note": "slowdown test, one-sided"}
    assert d["figures"][0]["spec"]["layout"]["xaxis"]["type"] == "log"
    assert type(d["figures"][0]["spec"]["data"]) is list and type(d["figures"][0]["spec"]) is dict  # plain, not frozen


def test_finding_takes_the_forms_the_analyses_build():
    """Numbers as plain dicts (ci None without an interval), figures as {name: spec}, tables as {name: DataFrame}."""
    spec = {"data": [{"type": "scatter", "x": np.arange(3), "y": np.array([1.0, np.nan, 3.0])}], "layout": {"title": {"text": "From the spec"}}}
    f = make_finding(
        numbers=[{"name": "n", "value": np.float64(2.0), "low": None, "high": None, "unit": "", "ci": None, "note": "count"}],
        figures={"stock": spec, "untitled": {"data": [{"x": [1]}], "layout": {}}},
        tables={"frontier": pd.DataFrame({"model": ["a"], "tokens": [np.int64(5)]})},
        data_sources="epoch-ai-models",
    )
    assert [fig.title for fig in f.figures] == ["From the spec", "untitled"]
    assert f.figures[0].spec["data"][0]["y"] == (1.0, None, 3.0)
    assert f.tables == (("frontier", ({"model": "a", "tokens": 5},)),)
    assert f.data_sources == ("epoch-ai-models",)
    assert f.headline_number is not None and f.headline_number.name == "n"


def test_headline_and_number_lookup():
    f = make_finding(headline="p-value")
    assert f.headline_number.name == "p-value"
    assert f.number("alpha").value == 0.3473
    with pytest.raises(KeyError, match="no number 'beta'"):
        f.number("beta")
    assert make_finding(numbers=()).headline_number is None


def test_report_text_and_html_describe_the_finding():
    f = make_finding(title="Toy <i>title</i>")
    text = f.report()
    assert text.startswith("[[Finding]] pretraining.toy: Toy <i>title</i>")
    assert "verdict     holds" in text
    assert "alpha          0.347 [0.316, 0.372]" in text
    assert "p-value        0.031" in text and "slowdown test, one-sided" in text
    assert "loss        least squares on log residuals" in text
    assert "[[Method]]" in text and "[[Citations]]" in text
    page = f._repr_html_()
    assert "Toy &lt;i&gt;title&lt;/i&gt;" in page and "<i>title" not in page
    assert "0.347" in page and "holds" in page
    assert repr(f) == "Finding('pretraining.toy', verdict='holds', alpha=0.347 [0.316, 0.372])"


def test_json_safe_converts_numpy_dates_and_nan():
    out = json_safe({"a": np.array([1.0, np.nan]), "b": np.datetime64("2024-05-01"), "c": pd.Timestamp("2024-01-02"), "d": pd.NA, "e": (1, 2)})
    assert out == {"a": [1.0, None], "b": "2024-05-01", "c": "2024-01-02T00:00:00", "d": None, "e": [1, 2]}
    with pytest.raises(TypeError, match=r"value\['x'\] is a complex"):
        json_safe({"x": 1j})


def test_figures_keep_a_seeded_subset_of_huge_point_clouds():
    import numpy as np

    from scalewatch.findings import Figure
    from scalewatch.findings.finding import MAX_TRACE_POINTS

    n = MAX_TRACE_POINTS + 7000
    x = np.arange(n, dtype=float)
    spec = {"data": [
        {"type": "scatter", "mode": "markers", "x": x, "y": 2 * x, "text": [f"run {i}" for i in range(n)],
         "marker": {"color": list(range(n)), "size": 5}},
        {"type": "scatter", "mode": "lines", "x": x, "y": x},  # a line: evenly spaced points, both ends
        {"type": "scatter", "mode": "markers", "x": x[:50], "y": x[:50]},  # a small cloud is untouched
    ]}
    f = Figure("runs", spec, "What to look at.")
    big, line, small = f.spec["data"]
    assert len(big["x"]) == len(big["y"]) == len(big["text"]) == len(big["marker"]["color"]) == MAX_TRACE_POINTS
    assert all(y == 2 * xx and t == f"run {int(xx)}" for xx, y, t in zip(big["x"], big["y"], big["text"]))  # same points
    assert list(big["x"]) == sorted(big["x"]) and big["marker"]["size"] == 5
    assert len(line["x"]) == MAX_TRACE_POINTS and line["x"][0] == 0 and line["x"][-1] == n - 1 and len(small["x"]) == 50
    assert np.ptp(np.diff(line["x"])) <= 1  # evenly spaced
    assert f.caption.startswith("What to look at. Traces of more than 5,000 points show 5,000 of them")
    assert f"(of up to {n:,}: a seeded random subset" in f.caption
    again = Figure("runs", spec, "What to look at.")
    assert again.spec == f.spec  # seeded
    assert Figure("runs", f.spec, f.caption).caption == f.caption  # a round trip adds nothing


def test_long_tables_keep_their_first_rows_and_say_how_many():
    from scalewatch.findings.finding import MAX_TABLE_ROWS

    rows = [{"run": i, "loss": 2.0 + i * 1e-6} for i in range(MAX_TABLE_ROWS + 500)]
    f = make_finding(tables=[("The largest runs", rows), ("Short", rows[:3])])
    (title, kept), (short, three) = f.tables
    assert title == "The largest runs (the first 1,000 of 1,500 rows)" and len(kept) == MAX_TABLE_ROWS
    assert kept[0]["run"] == 0 and kept[-1]["run"] == MAX_TABLE_ROWS - 1
    assert short == "Short" and len(three) == 3
