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
