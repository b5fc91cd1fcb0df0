"""The written verdict rules on constructed cases, and the exact binomial interval against scipy."""

from __future__ import annotations

import pytest
from scipy import stats

from scalewatch.findings import RULES, Finding, Number, Rule, calibration, clopper_pearson, rule

LOSS = Rule("test.loss", "held-out excess", "%", margin=1.0, gate=4.0, favourable="below")
SCORE = Rule("test.score", "forecast error", "points", margin=3.0, gate=12.0, favourable="above")


@pytest.mark.parametrize(
    ("r", "interval", "verdict", "outcome"),
    [
        (LOSS, (-0.4, 0.6), "holds", "inside"),  # equivalence
        (LOSS, (-3.0, -1.2), "beats the law", "favourable"),  # favourable miss: not "holds"
        (LOSS, (1.0, 2.5), "falls short of the law", "unfavourable"),  # unfavourable miss (touching the margin)
        (LOSS, (-0.5, 1.5), "inconclusive", "straddles"),
        (LOSS, (-2.5, 2.5), "inconclusive", "too wide"),  # wider than the gate
        (SCORE, (19.7, 24.2), "beats the law", "favourable"),  # a law under-predicting coverage does not hold
        (SCORE, (-8.0, -4.0), "falls short of the law", "unfavourable"),
        (SCORE, (-4.0, 3.0), "inconclusive", "straddles"),
    ],
)
def test_decide(r: Rule, interval: tuple[float, float], verdict: str, outcome: str) -> None:
    d = r.decide(*interval)
    assert (d.verdict, d.outcome) == (verdict, outcome)
    assert d.holds == (outcome == "inside")
    assert d.to_dict()["rule"]["margin"] == r.margin


def test_neither_direction_names_one_label() -> None:
    r = Rule("test.n", "shift", "", margin=0.1, gate=1.0, favourable="neither", unfavourable_label="bends")
    assert r.decide(0.2, 0.3).verdict == r.decide(-0.3, -0.2).verdict == "bends"


def test_miscalibrated_intervals_are_inconclusive() -> None:
    cal = calibration(45, 72, nominal=0.95)  # 62%: far short of 95%
    assert cal.far_short
    d = LOSS.decide(-0.5, 0.5, calibration=cal)
    assert (d.verdict, d.outcome) == ("inconclusive", "miscalibrated")
    assert "62%" in d.reason
    ok = calibration(64, 72, nominal=0.9)
    assert not ok.far_short and LOSS.decide(-0.5, 0.5, calibration=ok).verdict == "holds"
    # a miss wholly beyond the margin is what empties the intervals: it keeps its direction, and says why
    for lo, hi, verdict in ((1.5, 3.0, "falls short of the law"), (-3.0, -1.5, "beats the law")):
        d = LOSS.decide(lo, hi, calibration=cal)
        assert d.verdict == verdict and "62%" in d.reason and "misses them by more than the margin" in d.reason
    # ... but not one that straddles the margin, nor one wider than the gate
    assert LOSS.decide(0.5, 1.5, calibration=cal).outcome == "miscalibrated"
    assert LOSS.decide(1.5, 6.0, calibration=cal).outcome == "miscalibrated"
    assert "unless the interval lies wholly outside the margin" in LOSS.text()


def test_no_interval_is_inconclusive() -> None:
    assert LOSS.decide(None, None).outcome == "no interval"
    assert LOSS.decide(float("nan"), 1.0).verdict == "inconclusive"


@pytest.mark.parametrize(("k", "n"), [(0, 400), (1, 400), (20, 400), (62, 100), (100, 100), (5, 7), (0, 1)])
def test_clopper_pearson_matches_scipy(k: int, n: int) -> None:
    lo, hi = clopper_pearson(k, n, 0.95)
    assert lo == pytest.approx(stats.beta.ppf(0.025, k, n - k + 1) if k else 0.0, abs=1e-12)
    assert hi == pytest.approx(stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0, abs=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"margin": 0.0}, "margin must be > 0"),
        ({"gate": -1.0}, "gate must be > 0"),
        ({"favourable": "up"}, "allowed: 'below', 'above', 'neither'"),
    ],
)
def test_bad_rules_are_refused(kwargs: dict, message: str) -> None:
    base = {"name": "x", "quantity": "q", "unit": "%", "margin": 1.0, "gate": 2.0, "favourable": "below"}
    with pytest.raises(ValueError, match=message):
        Rule(**{**base, **kwargs})


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="low > high"):
        LOSS.decide(1.0, 0.0)
    with pytest.raises(ValueError, match="0 <= successes <= n"):
        clopper_pearson(5, 3)
    with pytest.raises(KeyError, match="known rules"):
        rule("no.such.rule")


def test_every_registered_rule_has_a_reason_for_its_margin() -> None:
    assert RULES
    for r in RULES.values():
        assert r.why, r.name
        assert r.name in r.text()


def test_finding_carries_its_rule_and_refuses_a_different_verdict() -> None:
    d = LOSS.decide(-3.0, -1.5)
    kwargs = dict(key="pretraining.x", question="pretraining", title="t", summary="s", method="m",
                  numbers=[Number("excess", -2.2, -3.0, -1.5, unit="%")])
    f = Finding(verdict="beats the law", rule=d, **kwargs)
    assert f.to_dict()["rule"]["outcome"] == "favourable"
    assert Finding.from_dict(f.to_dict()) == f
    assert "[[Rule]]" in f.report()
    with pytest.raises(ValueError, match="differs from its rule's verdict"):
        Finding(verdict="holds", rule=d, **kwargs)


# -- the rules of the report's blocks, each on constructed cases ----------------------------------------------------
# (rule, interval for: equivalence, favourable miss, unfavourable miss, too wide) and the verdict each gives.
# "favourable" is the side where the law under-predicts progress (or, for the cost rules, where test-time is cheaper).
BLOCK_CASES = {
    "pretraining.top_excess": (
        [(-0.4, 0.6), (-3.0, -1.2), (1.2, 2.5), (-2.5, 2.5)],
        ["holds", "beats the law", "bends", "inconclusive"],
    ),
    "capabilities.heldout_score_excess": (
        [(-1.0, 1.5), (3.0, 12.0), (-12.0, -3.0), (-15.0, 15.0)],
        ["in step", "ahead", "decoupling", "inconclusive"],
    ),
    "test-time.decade_gain": (  # inside 0 +/- 1 point: the last decade added nothing, a plateau
        [(-0.2, 0.5), (10.0, 14.0), (-5.0, -2.0), (0.0, 20.0)],
        ["breaks", "still rising", "breaks", "inconclusive"],
    ),
    "test-time.selection_gap": (
        [(-1.0, 2.0), (-9.0, -6.0), (52.2, 62.5), (0.0, 30.0)],
        ["holds", "beats the law", "bends", "inconclusive"],
    ),
    "test-time.exchange_rate": (  # log10 of the test-time FLOP replaced by 10x training compute
        [(-0.05, 0.05), (-0.5, -0.2), (0.2, 0.5), (-0.6, 0.6)],
        ["depends", "test-time cheaper", "pretraining cheaper", "inconclusive"],
    ),
    "economics.cost_ratio": (  # log10 of pretraining-route cost over test-time-route cost
        [(-0.05, 0.05), (0.3, 0.7), (-0.7, -0.3), (-1.0, 1.0)],
        ["depends", "test-time cheaper", "pretraining cheaper", "inconclusive"],
    ),
    "capabilities.rise_width": (  # the shape of a benchmark's rise: sharp below 0.25, smooth above 0.5
        [(0.3, 0.45), (0.6, 1.4), (0.05, 0.2), (0.0, 12.0)],
        ["unclear", "smooth", "sharp", "unclear"],
    ),
    "trends.detection_lead": (
        [(-0.5, 0.5), (1.5, 3.0), (-3.0, -1.1), (-3.0, 3.0)],
        ["not detectable", "plateau detectable in advance", "not detectable", "inconclusive"],
    ),
}


@pytest.mark.parametrize("name", sorted(BLOCK_CASES))
def test_block_rules_on_constructed_cases(name: str) -> None:
    r = rule(name)
    intervals, verdicts = BLOCK_CASES[name]
    outcomes = ["inside", "favourable", "unfavourable", "too wide"]
    for (lo, hi), verdict, outcome in zip(intervals, verdicts, outcomes, strict=True):
        d = r.decide(lo, hi)
        assert (d.verdict, d.outcome) == (verdict, outcome), (name, lo, hi, d.reason)
    # straddling the margin and far-short coverage are inconclusive for every rule
    c, m = r.center, r.margin
    assert r.decide(c + 0.5 * m, c + 1.5 * m).verdict == r.undecided
    bad = calibration(10, 40, nominal=0.9)
    assert r.decide(c - 0.1 * m, c + 0.1 * m, calibration=bad).outcome == "miscalibrated"
    assert r.why and r.text().startswith(f"Verdict rule {name}:")


def test_overrule_withholds_the_verdict_and_says_why() -> None:
    from scalewatch.findings.rules import decision_text, overrule

    d = rule("loss.heldout_excess").decide(-0.5, 0.5)
    o = overrule(d, "a break is detected (p = 0.004)")
    assert (o.verdict, o.outcome) == ("inconclusive", "overruled") and "p = 0.004" in o.reason and "'holds'" in o.reason
    assert overrule(rule("loss.heldout_excess").decide(-3.0, 3.0), "x").outcome == "too wide"  # already undecided
    assert "Verdict rule loss.heldout_excess" in decision_text(o) and "'inconclusive'." in decision_text(o)
    with pytest.raises(ValueError, match="needs the condition"):
        overrule(d, " ")


@pytest.mark.parametrize(
    ("pre", "cap", "tt", "expected"),
    [
        ("falls short of the law", "decoupling", "breaks", "a wall"),
        ("bends", "decoupling", "pretraining cheaper", "a wall"),
        ("falls short of the law", "decoupling", "test-time cheaper", "not settled"),  # test-time compensates
        ("holds", "in step", "inconclusive", "no wall seen"),
        ("beats the law", "ahead", "bends", "no wall seen"),
        ("inconclusive", "ahead", "test-time cheaper", "not settled"),
        ("holds", "inconclusive", "test-time cheaper", "not settled"),
        ("not measured", "not measured", "not measured", "not settled"),
    ],
)
def test_overall_rule(pre: str, cap: str, tt: str, expected: str) -> None:
    from scalewatch.findings.rules import OVERALL_RULE, overall_verdict

    verdict, reason = overall_verdict(pre, cap, tt)
    assert verdict == expected and reason
    assert f"'{expected}'" in OVERALL_RULE or expected == "a wall"


def test_the_docs_page_prints_the_rules_the_report_uses() -> None:
    from pathlib import Path

    from scalewatch.findings.rules import rules_markdown

    page = Path(__file__).resolve().parents[2] / "docs" / "verdict-rules.md"
    assert page.read_text(encoding="utf-8") == rules_markdown(), "regenerate docs/verdict-rules.md (command at its top)"
    for name in RULES:
        assert f"`{name}`" in page.read_text(encoding="utf-8")


def test_overall_rule_counts_a_failing_coverage_law_as_test_time_not_compensating() -> None:
    from scalewatch.findings.rules import overall_verdict

    assert overall_verdict("breaks", "decoupling", "test-time cheaper")[0] == "not settled"
    assert overall_verdict("breaks", "decoupling", "test-time cheaper", coverage_law="breaks")[0] == "a wall"
