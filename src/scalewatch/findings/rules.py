r"""The written verdict rules: one place decides what "holds" means.

Every verdict of the report comes from a :class:`Rule` applied to an interval,
never from a threshold written inside an analysis. A rule names the quantity
it judges (an error of a law: held-out excess, forecast error, coverage
shortfall, ...), its unit, the reference value the quantity would take if the
law were right (``center``, 0 for an error), a **practical margin** and an
**interval-width gate**. With the interval ``[lo, hi]`` of the quantity:

* ``lo > center - margin`` and ``hi < center + margin``: the interval lies
  inside the margin, an equivalence test in the style of the two one-sided
  tests (TOST; Schuirmann 1987): the law **holds** to within the margin;
* ``lo >= center + margin`` or ``hi <= center - margin``: the interval lies
  wholly outside the margin, and the verdict names the direction. A law that
  misses in the *favourable* direction (it under-predicts progress) does not
  hold: it is "beats the law", not "holds";
* the interval is wider than ``gate`` or straddles ``center +/- margin``:
  **inconclusive** (the data cannot tell at this margin).

Where a finding extrapolates, the interval it judges must be calibrated:
:func:`calibration` compares the empirical coverage of held-out points with
the nominal level (Clopper-Pearson interval of the coverage) and a rule given
a calibration that falls far short of nominal returns "inconclusive", unless
the interval lies wholly outside the margin: a miss that large is what empties
the intervals, so the verdict keeps its direction.

This module is pure Python (no NumPy): the report, the docs and every analysis
use the same rules, and :data:`RULES` lists the margins in one table.

References
----------
Schuirmann, D. J. (1987). A comparison of the two one-sided tests procedure and
the power approach for assessing the equivalence of average bioavailability.
Journal of Pharmacokinetics and Biopharmaceutics 15(6), 657-680.
Clopper, C. J. and Pearson, E. S. (1934). The use of confidence or fiducial
limits illustrated in the case of the binomial. Biometrika 26(4), 404-413.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

__all__ = [
    "Rule",
    "Decision",
    "Calibration",
    "calibration",
    "clopper_pearson",
    "RULES",
    "rule",
    "OUTCOMES",
    "overrule",
    "decision_text",
    "OVERALL_RULE",
    "QUESTION_RULE",
    "rules_markdown",
    "overall_verdict",
]

#: what a decision can find, and what it means
OUTCOMES: Mapping[str, str] = MappingProxyType(
    {
        "inside": "the interval lies inside the margin",
        "favourable": "the interval lies outside the margin, in the favourable direction",
        "unfavourable": "the interval lies outside the margin, in the unfavourable direction",
        "straddles": "the interval straddles the margin",
        "too wide": "the interval is wider than the gate",
        "miscalibrated": "the intervals cover far fewer held-out points than their nominal level",
        "no interval": "there is no interval to judge",
        "overruled": "another written condition (a significant break, too few runs) withholds the verdict the interval alone gives",
    }
)

_DIRECTIONS = ("below", "above", "neither")


def _finite(x: Any, where: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"{where} takes a number; got {type(x).__name__} {x!r}.")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{where} must be finite; got {x!r}.")
    return x


def _fmt(x: float) -> str:
    return f"{x:.3g}"


@dataclass(frozen=True)
class Decision:
    """What a :class:`Rule` decided about one interval.

    Attributes
    ----------
    verdict : str
        The verdict the rule gives (from its labels).
    outcome : str
        One of :data:`OUTCOMES`.
    reason : str
        One sentence: the interval, the margin and why this verdict.
    rule : Rule
        The rule that decided.
    low, high : float or None
        The interval judged.
    calibration : Calibration or None
        The coverage check the rule was given, if any.
    """

    verdict: str
    outcome: str
    reason: str
    rule: Rule
    low: float | None
    high: float | None
    calibration: Calibration | None = None

    @property
    def holds(self) -> bool:
        """True only when the interval lies inside the margin (and the intervals are calibrated)."""
        return self.outcome == "inside"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe dict: the rule, the interval judged, the outcome and the reason."""
        return {
            "rule": self.rule.to_dict(),
            "verdict": self.verdict,
            "outcome": self.outcome,
            "reason": self.reason,
            "low": self.low,
            "high": self.high,
            "calibration": None if self.calibration is None else self.calibration.to_dict(),
        }


@dataclass(frozen=True)
class Rule:
    """A written verdict rule: a quantity, its margin, its width gate and the labels of each outcome.

    Parameters
    ----------
    name : str
        Stable id of the rule (``"pretraining.heldout_excess"``).
    quantity : str
        What is judged, in words ("mean held-out excess of the loss over the law").
    unit : str
        Unit of the quantity and of ``margin`` and ``gate`` ("%", "points", ...).
    margin : float
        Practical margin, > 0: the law holds when the interval lies inside
        ``center +/- margin``.
    gate : float
        Widest interval that may decide, > 0: a wider one is inconclusive.
    favourable : {"below", "above", "neither"}
        Which side of the margin means the law *under-predicts progress*
        (for a loss excess: "below", the runs reach a lower loss than
        predicted; for a score error: "above"). "neither" when no side is
        better.
    center : float, default 0
        The value the quantity takes when the law is exactly right.
    inside, favourable_label, unfavourable_label, undecided : str
        Verdicts for each outcome; ``favourable_label`` is used for both
        sides when ``favourable="neither"`` unless ``unfavourable_label`` differs.

    Raises
    ------
    ValueError
        A margin or gate that is not positive, or an unknown ``favourable``.

    Examples
    --------
    >>> r = Rule("example", "held-out excess", "%", margin=1.0, gate=3.0, favourable="below")
    >>> r.decide(-0.4, 0.5).verdict
    'holds'
    >>> r.decide(-3.0, -1.5).verdict     # the law under-predicts progress: it does not hold
    'beats the law'
    >>> r.decide(1.2, 2.0).verdict
    'falls short of the law'
    >>> r.decide(-0.5, 1.5).verdict      # straddles the margin
    'inconclusive'
    """

    name: str
    quantity: str
    unit: str
    margin: float
    gate: float
    favourable: str
    center: float = 0.0
    inside: str = "holds"
    favourable_label: str = "beats the law"
    unfavourable_label: str = "falls short of the law"
    undecided: str = "inconclusive"
    why: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        where = f"Rule({self.name!r}"
        margin = _finite(self.margin, f"{where}, margin=...)")
        gate = _finite(self.gate, f"{where}, gate=...)")
        if margin <= 0:
            raise ValueError(f"{where}, margin={margin!r}): the practical margin must be > 0, e.g. 1.0 (in {self.unit or 'the unit'}).")
        if gate <= 0:
            raise ValueError(f"{where}, gate={gate!r}): the width gate must be > 0, e.g. 4 x the margin.")
        if self.favourable not in _DIRECTIONS:
            raise ValueError(f"{where}, favourable={self.favourable!r}): allowed: {', '.join(map(repr, _DIRECTIONS))}.")
        object.__setattr__(self, "margin", margin)
        object.__setattr__(self, "gate", gate)
        object.__setattr__(self, "center", _finite(self.center, f"{where}, center=...)"))

    # -- decide ------------------------------------------------------------------
    def _side_label(self, side: str) -> tuple[str, str]:
        """(verdict, outcome) for an interval wholly ``side`` ('below'/'above') of the margin."""
        if self.favourable == "neither":
            return self.unfavourable_label, "unfavourable"
        if side == self.favourable:
            return self.favourable_label, "favourable"
        return self.unfavourable_label, "unfavourable"

    def decide(self, low: float | None, high: float | None, *, calibration: Calibration | None = None) -> Decision:
        """Apply the rule to the interval ``[low, high]`` of the quantity.

        Parameters
        ----------
        low, high : float or None
            The interval (both or neither; ``None`` or NaN gives "inconclusive",
            outcome "no interval").
        calibration : Calibration, optional
            The empirical coverage of the intervals this one was sized like;
            when it falls far short of nominal the verdict is "inconclusive",
            unless ``[low, high]`` lies wholly outside the margin (and within the
            gate): the miss then explains the low coverage and keeps its direction.

        Returns
        -------
        Decision
        """
        unit = f" {self.unit}" if self.unit and self.unit != "%" else self.unit
        if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
            return Decision(self.undecided, "no interval", f"no interval of the {self.quantity} to judge", self, None, None, calibration)
        low, high = float(low), float(high)
        if low > high:
            raise ValueError(f"Rule({self.name!r}).decide(low={low}, high={high}): low > high; pass the interval in order.")
        span = f"[{_fmt(low)}, {_fmt(high)}]{unit}"
        lo_m, hi_m = self.center - self.margin, self.center + self.margin
        band = f"{_fmt(self.center)} +/- {_fmt(self.margin)}{unit}"
        beyond = (low >= hi_m or high <= lo_m) and high - low <= self.gate
        if calibration is not None and calibration.far_short and beyond:
            # a miss beyond the margin pushes the held-out points out of intervals sized for a law that holds:
            # the low coverage is the miss itself, and the verdict names its direction
            side = self.decide(low, high)
            return Decision(
                side.verdict, side.outcome,
                f"{side.reason}; the intervals cover {calibration.text()} of held-out points against a nominal "
                f"{100 * calibration.nominal:g}%, because the law misses them by more than the margin",
                self, low, high, calibration,
            )
        if calibration is not None and calibration.far_short:
            return Decision(
                self.undecided,
                "miscalibrated",
                f"the intervals cover {calibration.text()} of held-out points against a nominal "
                f"{100 * calibration.nominal:g}%, so {span} cannot be trusted",
                self,
                low,
                high,
                calibration,
            )
        if high - low > self.gate:
            return Decision(
                self.undecided, "too wide", f"{span} is {_fmt(high - low)}{unit} wide, wider than the gate of {_fmt(self.gate)}{unit}",
                self, low, high, calibration,
            )
        if low > lo_m and high < hi_m:
            return Decision(self.inside, "inside", f"{span} lies inside {band}", self, low, high, calibration)
        if low >= hi_m:
            verdict, outcome = self._side_label("above")
            return Decision(verdict, outcome, f"{span} lies wholly above {band}", self, low, high, calibration)
        if high <= lo_m:
            verdict, outcome = self._side_label("below")
            return Decision(verdict, outcome, f"{span} lies wholly below {band}", self, low, high, calibration)
        return Decision(self.undecided, "straddles", f"{span} straddles the margin {band}", self, low, high, calibration)

    # -- describe ----------------------------------------------------------------
    def text(self) -> str:
        """The rule in one paragraph, for a finding's method text and the docs."""
        unit = f" {self.unit}" if self.unit and self.unit != "%" else self.unit
        band = f"{_fmt(self.center)} +/- {_fmt(self.margin)}{unit}"
        if self.favourable == "neither":
            sides = f"'{self.unfavourable_label}' when it lies wholly outside it"
        else:
            fav = self.favourable
            other = "above" if fav == "below" else "below"
            why_fav = " (the law under-predicts progress, so it does not hold)" if self.favourable_label == "beats the law" else ""
            sides = (
                f"'{self.favourable_label}' when it lies wholly {fav} it{why_fav}, "
                f"'{self.unfavourable_label}' when wholly {other}"
            )
        return (
            f"Verdict rule {self.name}: '{self.inside}' when the interval of the {self.quantity} lies inside {band} "
            f"(an equivalence test); {sides}; '{self.undecided}' when the interval is wider than {_fmt(self.gate)}{unit}, "
            f"straddles the margin, or the intervals' empirical coverage of held-out points falls far short of nominal "
            f"(unless the interval lies wholly outside the margin: a miss that large is what empties the intervals, and the "
            f"verdict names its direction)."
            + (f" Why this margin: {self.why}" if self.why else "")
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe dict of the rule's settings and its text."""
        return {
            "name": self.name,
            "quantity": self.quantity,
            "unit": self.unit,
            "center": self.center,
            "margin": self.margin,
            "gate": self.gate,
            "favourable": self.favourable,
            "labels": {
                "inside": self.inside,
                "favourable": self.favourable_label,
                "unfavourable": self.unfavourable_label,
                "undecided": self.undecided,
            },
            "text": self.text(),
        }


# -- coverage ----------------------------------------------------------------------


def _binom_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed in log space (exact for the n of a backtest)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    lp, lq = math.log(p), math.log1p(-p)
    lg = math.lgamma(n + 1)
    terms = [lg - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * lp + (n - i) * lq for i in range(k, n + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def clopper_pearson(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) interval of a binomial proportion.

    .. math:: P(X \\ge k;\\, p_{lo}) = \\tfrac{1-\\gamma}{2}, \\qquad P(X \\le k;\\, p_{hi}) = \\tfrac{1-\\gamma}{2}

    Parameters
    ----------
    successes, n : int
        Counts, ``0 <= successes <= n``, ``n >= 1``.
    level : float, default 0.95
        Confidence level in (0, 1).

    Returns
    -------
    (float, float)
        Lower and upper bound (0 and 1 at the edges).

    References
    ----------
    Clopper and Pearson (1934), Biometrika 26(4), 404-413.

    Examples
    --------
    >>> lo, hi = clopper_pearson(0, 400)
    >>> round(hi, 5)                    # the "rule of three" 3/n is close: 0.0075
    0.00918
    """
    for name, v in (("successes", successes), ("n", n)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"clopper_pearson({name}=...) takes an int; got {type(v).__name__} {v!r}.")
    if n < 1 or not 0 <= successes <= n:
        raise ValueError(f"clopper_pearson(successes={successes}, n={n}): need n >= 1 and 0 <= successes <= n.")
    level = _finite(level, "clopper_pearson(level=...)")
    if not 0 < level < 1:
        raise ValueError(f"clopper_pearson(level={level}) must lie in (0, 1), e.g. 0.95.")
    tail = (1 - level) / 2

    def solve(f: Any, target: float) -> float:  # f increases in p; root of f(p) = target by bisection (1e-18)
        a, b = 0.0, 1.0
        for _ in range(60):
            m = 0.5 * (a + b)
            if f(m) < target:
                a = m
            else:
                b = m
        return 0.5 * (a + b)

    low = 0.0 if successes == 0 else solve(lambda p: _binom_sf(successes, n, p), tail)
    # P(X <= k; p) = tail  <=>  P(X >= k + 1; p) = 1 - tail, which increases in p
    high = 1.0 if successes == n else solve(lambda p: _binom_sf(successes + 1, n, p), 1 - tail)
    return low, high


@dataclass(frozen=True)
class Calibration:
    """Empirical coverage of a set of prediction intervals on held-out points.

    Attributes
    ----------
    covered, n : int
        Held-out points inside their interval, and all held-out points.
    nominal : float
        Nominal level of the intervals (0.9 for 90% intervals).
    low, high : float
        Clopper-Pearson 95% interval of the coverage (points are treated as
        independent here; see ``note`` where they are not).
    tolerance : float
        How far below nominal the coverage may fall: the intervals are
        *far short* when ``high < nominal - tolerance``.
    note : str
        How the held-out points were chosen (rolling origin, groups, ...).
    """

    covered: int
    n: int
    nominal: float
    low: float
    high: float
    tolerance: float
    note: str = ""

    @property
    def empirical(self) -> float:
        """Share of held-out points inside their interval."""
        return self.covered / self.n

    @property
    def far_short(self) -> bool:
        """True when even the upper end of the coverage interval is below ``nominal - tolerance``."""
        return self.high < self.nominal - self.tolerance

    def text(self) -> str:
        """``"62% [50, 73]"``: empirical coverage and its interval, in percent."""
        return f"{100 * self.empirical:.0f}% [{100 * self.low:.0f}, {100 * self.high:.0f}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "covered": self.covered,
            "n": self.n,
            "nominal_coverage": self.nominal,
            "empirical_coverage": self.empirical,
            "empirical_coverage_low": self.low,
            "empirical_coverage_high": self.high,
            "tolerance": self.tolerance,
            "far_short": self.far_short,
            "note": self.note,
        }


def calibration(covered: int, n: int, nominal: float, *, tolerance: float = 0.10, note: str = "") -> Calibration:
    """Check prediction intervals by their empirical coverage of held-out points.

    Parameters
    ----------
    covered, n : int
        Held-out points inside their interval, and all of them (``n >= 1``).
    nominal : float
        The intervals' nominal level, in (0, 1).
    tolerance : float, default 0.10
        Shortfall allowed before the intervals count as *far short* of
        nominal: with 0.10, nominal 90% intervals must be able to cover at
        least 80% (the upper end of the Clopper-Pearson interval of the
        coverage must reach it).
    note : str
        How the held-out points were chosen.

    Returns
    -------
    Calibration
    """
    nominal = _finite(nominal, "calibration(nominal=...)")
    if not 0 < nominal < 1:
        raise ValueError(f"calibration(nominal={nominal}) must lie in (0, 1), e.g. 0.9.")
    tolerance = _finite(tolerance, "calibration(tolerance=...)")
    if not 0 <= tolerance < nominal:
        raise ValueError(f"calibration(tolerance={tolerance}) must lie in [0, nominal={nominal}).")
    low, high = clopper_pearson(covered, n)
    return Calibration(covered, n, nominal, low, high, tolerance, note)


# -- the rules of the report -----------------------------------------------------------

_RULES: dict[str, Rule] = {}


def _add(r: Rule) -> Rule:
    if r.name in _RULES:
        raise KeyError(f"rule {r.name!r} is defined twice")
    _RULES[r.name] = r
    return r


_add(
    Rule(
        "loss.heldout_excess",
        "mean held-out excess of the loss over the law's prediction",
        "%",
        margin=1.0,
        gate=4.0,
        favourable="below",
        why="doubling compute lowers the loss of a compute-optimal model by about 1% at the scale of Chinchilla's "
        "largest runs (a reducible loss of about 0.2 of 2.0 nats, falling about 10% per doubling), the smallest "
        "change a scaling study acts on.",
    )
)
_add(
    Rule(
        "score.forecast_error",
        "forecast error of a score (observed minus predicted)",
        "points",
        margin=3.0,
        gate=12.0,
        favourable="above",
        why="3 points of accuracy or coverage is about the spread between reruns of one benchmark evaluation.",
    )
)

# -- rules of pretraining: fits, backtests, the wall and break tests, allocation --

_add(
    Rule(
        "pretraining.top_excess",
        "mean excess of the loss of the largest-compute runs over the law fitted to all runs (in sample)",
        "%",
        margin=1.0,
        gate=4.0,
        favourable="below",
        unfavourable_label="bends",
        why="the same 1% of loss as loss.heldout_excess (about one doubling of compute at Chinchilla's scale); this is an "
        "in-sample check, so 'holds' here says only that the law describes the runs it was fitted to.",
    )
)


_add(
    Rule(
        "pretraining.allocation_exponent",
        "compute-optimal exponent a (N_opt ~ C^a) on Chinchilla's runs, Approach 3 (95% bootstrap interval)",
        "",
        center=0.5,
        margin=0.05,
        gate=0.2,
        favourable="below",
        favourable_label="data-heavy (a < 0.45)",
        unfavourable_label="parameter-heavy (a > 0.55, Kaplan-like)",
        why="Hoffmann et al.'s three approaches give 0.46-0.50 (Table 2): 0.05 is the spread between methods on the same "
        "runs; Kaplan et al.'s 0.73 is far outside it. 'holds' means N and D should grow in equal proportion.",
    )
)

# -- rules of learning curves: a law fitted to whole loss curves --
_add(
    Rule(
        "curves.heldout_final",
        "mean excess of the final loss of the largest models over the law fitted to the whole loss curves of the "
        "smaller ones (bootstrap by run, combined with a resample of the held-out runs)",
        "%",
        margin=1.0,
        gate=4.0,
        favourable="below",
        why="the same 1% of loss as loss.heldout_excess (about one doubling of compute at Chinchilla's scale): a law fitted "
        "to curves is useful for planning only if it predicts a larger model's final loss as well as a fit to final losses "
        "must.",
    )
)


def overrule(decision: Decision, reason: str) -> Decision:
    """The decision withheld: the rule's "inconclusive" label, with ``reason`` and what the interval alone gave.

    For the written conditions that outrank an interval (a significant break
    in the wall test that the robust break test has not ruled out; too few
    fitted runs per parameter). A decision that is already undecided is
    returned with the reason added.

    Examples
    --------
    >>> d = rule("loss.heldout_excess").decide(-0.5, 0.5)
    >>> o = overrule(d, "a break is detected (p = 0.004)")
    >>> o.verdict, o.outcome
    ('inconclusive', 'overruled')
    """
    if not isinstance(decision, Decision):
        raise TypeError(f"overrule(decision=...) takes a rules.Decision; got {type(decision).__name__}.")
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("overrule(reason=...) needs the condition that withholds the verdict, in words.")
    r = decision.rule
    outcome = "overruled" if decision.verdict != r.undecided else decision.outcome
    text = f"{reason.strip()}; the interval alone gives '{decision.verdict}' ({decision.reason})"
    return Decision(r.undecided, outcome, text, r, decision.low, decision.high, decision.calibration)


def decision_text(decision: Decision) -> str:
    """The paragraph a finding's method text gives its verdict: the rule, its margin and what it found here.

    Examples
    --------
    >>> print(decision_text(rule("score.forecast_error").decide(19.7, 24.2)).split(". Here: ")[1])
    [19.7, 24.2] points lies wholly above 0 +/- 3 points: 'beats the law'.
    """
    cal = ""
    if decision.calibration is not None:
        c = decision.calibration
        cal = (
            f" Calibration: {c.covered} of {c.n} held-out points inside their {100 * c.nominal:g}% intervals, "
            f"empirical coverage {c.text()} (95% Clopper-Pearson){'; ' + c.note if c.note else ''}."
        )
    return f"{decision.rule.text()}{cal} Here: {decision.reason}: '{decision.verdict}'."



# -- rules of pretraining: repetition (data-constrained law) and over-training --
_add(
    Rule(
        "repetition.heldout_rms",
        "RMS held-out excess of the loss over the data-constrained law fitted to runs of at most 4 epochs "
        "(runs of more epochs; bootstrap interval over those runs)",
        "%",
        margin=2.0,
        gate=8.0,
        favourable="neither",
        why="the law is meant to predict repeated-data runs as well as Chinchilla's law predicts single-epoch "
        "runs, about 1-2% RMS on the datablations runs (seed-to-seed spread about 0.1%); a law that misses by "
        "more cannot be used to plan a data-constrained run.",
    )
)
_add(
    Rule(
        "overtraining.excess_trend",
        "pooled within-model trend of the held-out excess over the law in log2 M (per training set and model size "
        "its own offset; interval: union of the delete-one-model jackknife with refits and the parameter bootstrap)",
        "% per doubling of M",
        margin=0.25,
        gate=2.0,
        favourable="below",
        unfavourable_label="bends",
        why="0.25% per doubling adds up to about 1.25% over the five doublings from M = 1 to 32, the 1% margin of "
        "loss.heldout_excess at the far end of Gadre et al.'s grid; an interval wider than 2% per doubling (10% over "
        "the grid) cannot tell a law that holds from one that bends.",
    )
)
_add(
    Rule(
        "repetition.constant_identified",
        "log10 of the fitted R* over the published R* (profile-likelihood interval; open when the runs do "
        "not identify R*)",
        "",
        margin=0.477,
        gate=2.0,
        favourable="neither",
        unfavourable_label="inconclusive",
        why="a constant within a factor 3 of the published value changes the effective data of a 4-epoch run "
        "by under 10%; an interval open on one side (profile flat to the end of the range searched) or wider "
        "than a factor 100 means the runs do not pin the constant down, so the law cannot be said to hold on it.",
    )
)


# -- rules of capabilities --

_add(
    Rule(
        "capabilities.heldout_score_excess",
        "mean held-out excess of benchmark scores over the link fitted on older or smaller models (observed minus predicted)",
        "points",
        margin=2.0,
        gate=20.0,
        favourable="above",
        inside="in step",
        favourable_label="ahead",
        unfavourable_label="decoupling",
        why="2 points of accuracy is below the spread between reruns of one benchmark evaluation; an interval 20 points wide "
        "spans most of a benchmark's useful range.",
    )
)
_add(
    Rule(
        "capabilities.frontier_slope_compute",
        "random-effects pooled frontier slope of benchmark scores against log10 training compute (DerSimonian-Laird, "
        "one link per benchmark, Hartung-Knapp interval over benchmarks)",
        "points per decade",
        margin=1.0,
        gate=10.0,
        favourable="above",
        inside="decoupling",
        favourable_label="in step",
        unfavourable_label="decoupling",
        why="less than 1 point of accuracy per tenfold compute is a plateau in practice: 1 point is about the spread "
        "between reruns of one benchmark evaluation, and a decade of compute is the step between model generations. "
        "'in step': scores still rise with compute at the largest models; 'decoupling': they no longer do (inside "
        "the margin) or fall. An interval 10 points per decade wide spans from a plateau to the steepest rises observed.",
    )
)
_add(
    Rule(
        "capabilities.frontier_slope_loss",
        "random-effects pooled frontier slope of benchmark scores per nat of validation-loss decrease (DerSimonian-Laird, "
        "one link per benchmark, Hartung-Knapp interval over benchmarks)",
        "points per nat",
        margin=3.0,
        gate=30.0,
        favourable="above",
        inside="decoupling",
        favourable_label="in step",
        unfavourable_label="decoupling",
        why="3 points per nat is the compute rule's 1 point per decade converted at the rate the C4 loss falls near the "
        "lowest-loss runs of Gadre et al. (2024), about 0.29 nats per decade of compute (lower envelope of their 104 "
        "models, largest four compute bins). 'in step': lower loss still buys points; 'decoupling': it no longer does.",
    )
)


_add(
    Rule(
        "capabilities.rise_width",
        "relative width of a benchmark's rise with scale (share of the observed scale range over which the fitted sigmoid "
        "goes from 10% to 90% of its rise)",
        "share",
        center=0.375,
        margin=0.125,
        gate=10.0,
        favourable="above",
        inside="unclear",
        favourable_label="smooth",
        unfavourable_label="sharp",
        undecided="unclear",
        why="a rise over at most a quarter of the observed range looks like a jump ('sharp'), one over at least half of it "
        "is gradual ('smooth'); between, or straddling either bound, the shape is unclear. These are the shapes the "
        "emergence finding compares between a discontinuous and a continuous metric of one task (Schaeffer et al. 2023); "
        "the gate is not used (a wide interval straddles a bound).",
    )
)

_add(
    Rule(
        "capabilities.generation_gain",
        "latest flagship generation's capability gain per decade of training compute minus the earlier generations' "
        "slope in its lineage (inverse-variance pooled over lineages; bootstrap over benchmarks and model versions)",
        "index per decade",
        margin=0.1,
        gate=1.0,
        favourable="above",
        inside="in step",
        favourable_label="ahead",
        unfavourable_label="decoupling",
        why="0.1 units of the stitched index (Winogrande logits) per decade is about a quarter of what a decade of compute "
        "bought the flagship lineages before their latest generation (0.3-0.4), the smallest change that alters a "
        "forecast of the next generation; an interval 1 unit per decade wide spans from no gain to twice the usual one. "
        "'decoupling': the latest generation bought less capability per decade of compute; 'ahead': more; 'in step': "
        "the same to within the margin.",
    )
)
_add(
    Rule(
        "capabilities.size_break",
        "change of the trend of log10 parameter count at the break date (frontier language models; Huber-robust segmented "
        "regression, bootstrap over models)",
        "OOM/yr",
        margin=0.1,
        gate=1.0,
        favourable="above",
        inside="size on trend",
        favourable_label="size growing faster",
        unfavourable_label="size growing slower",
        why="0.1 orders of magnitude per year (26% per year) is about a tenth of the 2018-2022 growth of frontier model size (about 0.8 OOM/yr) "
        "and the smallest change that alters a five-year extrapolation by more than a factor of 3. "
        "'size growing slower': model size grows slower after the break (downward pressure); 'size growing faster': faster; "
        "'size on trend': no break. A statement about parameter counts, not about capabilities (so not 'decoupling').",
    )
)
_add(
    Rule(
        "capabilities.unseen_task_slope",
        "ARC-AGI score gained per decade of training compute minus the median gain of the standard benchmarks on the same "
        "kind of models (bootstrap over models)",
        "points per decade",
        margin=3.0,
        gate=40.0,
        favourable="above",
        inside="in step",
        favourable_label="ahead",
        unfavourable_label="decoupling",
        why="3 points per decade is the spread between reruns of one benchmark evaluation over a decade of compute "
        "(score.forecast_error's margin); a 40-point-wide interval spans most of the benchmarks' range. "
        "'decoupling': ARC-AGI gains less per decade than the standard benchmarks; 'ahead': more; 'in step': alike.",
    )
)


# -- rules of test-time compute and economics --

# score.forecast_error (above) judges the coverage laws' forecasts one decade of samples ahead.
_add(
    Rule(
        "test-time.decade_gain",
        "coverage gained over the last decade of samples",
        "points",
        margin=1.0,
        gate=12.0,
        favourable="above",
        inside="breaks",
        favourable_label="still rising",
        unfavourable_label="breaks",
        why="a decade more samples adding less than one point of coverage is a plateau: the law's c -> 1 does not happen. "
        "Only the 'breaks' outcome decides the finding; otherwise score.forecast_error does.",
    )
)
_add(
    Rule(
        "test-time.selection_gap",
        "gap between oracle coverage and the coverage a verifier or vote can select, at the largest budget",
        "points",
        margin=5.0,
        gate=20.0,
        favourable="below",
        unfavourable_label="bends",
        why="5 points is the size of the gains test-time methods are reported for on MATH-style benchmarks; a plateau further "
        "below coverage means selection, not sampling, limits test-time compute.",
    )
)
_add(
    Rule(
        "test-time.exchange_rate",
        "log10 of the test-time FLOP replaced by 10x training compute, at equal coverage (0: break-even)",
        "log10 x",
        margin=0.1,
        gate=1.0,
        favourable="below",
        inside="depends",
        favourable_label="test-time cheaper",
        unfavourable_label="pretraining cheaper",
        why="0.1 in log10 is a factor 1.26, within the uncertainty of the FLOP accounting (2N per generated token, 6ND per "
        "training token, no batching or memory costs); 'below' means a 10x larger run saves less test-time FLOP than its larger "
        "forward pass costs (the law of test-time compute is not at stake here, the labels name the cheaper route).",
    )
)
_add(
    # the single-target rule's margin, gate and labels, applied over the whole curve (one place sets them)
    replace(
        _RULES["test-time.exchange_rate"],
        name="test-time.exchange_curve",
        quantity="log10 of the test-time FLOP replaced by 10x training compute, at every target coverage the data support "
        "(at least 3 models reach it within the sampled k; pointwise intervals), judged over the whole curve (0: break-even)",
        why="test-time.exchange_rate's margin (x1.26) and gate, applied target by target, then to the whole curve: "
        "'test-time cheaper' only when the interval lies wholly below -0.1 at every supported target, 'pretraining cheaper' "
        "only when wholly above +0.1 at every one, 'depends' when every interval lies inside the margin (break-even "
        "throughout) or when some lie wholly below and others wholly above (the cheaper route depends on the target; the "
        "finding names the target where the estimate crosses break-even, with its bootstrap interval), 'inconclusive' "
        "otherwise. The rate at one target picked from a curve that moves with the target would make the verdict a choice "
        "of target (at 0.25 and 0.75 the Pythia/MATH answer differs).",
    )
)
_add(
    Rule(
        "economics.cost_ratio",
        "log10 of the dollar cost of the pretraining route (largest model) over the test-time route (a smaller model sampled "
        "more) to a target score",
        "log10 x",
        margin=0.1,
        gate=1.5,
        favourable="above",
        inside="depends",
        favourable_label="test-time cheaper",
        unfavourable_label="pretraining cheaper",
        why="0.1 in log10 (x1.26) is within the uncertainty of GPU prices and utilisation assumed; 'above' means the largest "
        "model costs more than the smaller one sampled more.",
    )
)

_add(
    Rule(
        "economics.price_fall_two_years",
        "median over benchmark-threshold pairs of the two-year fall of the cheapest price at a fixed score (Epoch's design, "
        "refitted), against the claim 'almost three orders of magnitude in under two years'",
        "orders of magnitude",
        margin=0.5,
        gate=3.0,
        favourable="above",
        center=3.0,
        why="'almost three' reads as 2.5 to 3.5 orders of magnitude; above 3.5 prices fell faster than claimed ('beats the law'), "
        "below 2.5 slower ('falls short'); an interval wider than 3 orders cannot tell 100x from 100,000x.",
    )
)
_add(
    Rule(
        "economics.cluster_on_trend",
        "log10 of the largest reported training cluster over the trend of record clusters fitted to the earlier records, at "
        "its date (prediction interval)",
        "log10 x",
        margin=0.301,
        gate=2.0,
        favourable="above",
        why="a factor 2 (0.3 in log10) either side of the trend is on trend: record clusters scatter by about that much "
        "around their fitted line; above it the cluster is ahead of the trend.",
    )
)
_add(
    Rule(
        "economics.cost_growth_reproduced",
        "log10 of our yearly growth factor of frontier training costs over Cottier et al.'s published 2.4x (Epoch's "
        "top-10 frontier models, amortised hardware and energy, 2016-2023; our 90% t-interval)",
        "log10 x",
        margin=0.0792,
        gate=0.5,
        favourable="above",
        favourable_label="beats the law",
        unfavourable_label="falls short of the law",
        why="0.079 in log10 is the factor 1.2 from 2.4x to 2.9x, the upper end of the published 90% interval: our growth "
        "reproduces the paper when its interval lies within that factor of 2.4x.",
    )
)
_add(
    Rule(
        "economics.marginal_point_ratio",
        "log10 of the dollars for one further point of coverage by training a larger model (fixed samples per problem) over "
        "those by sampling one model more, at the headline coverage",
        "log10 x",
        margin=0.1,
        gate=1.5,
        favourable="above",
        inside="depends",
        favourable_label="test-time cheaper",
        unfavourable_label="pretraining cheaper",
        why="as economics.cost_ratio: 0.1 in log10 (x1.26) is within the uncertainty of GPU prices and utilisation; 'above' "
        "means the next point costs more by training larger.",
    )
)
_add(
    Rule(
        "economics.quoted_claim",
        "a quoted figure with no open data behind it",
        "",
        margin=1.0,
        gate=1.0,
        favourable="neither",
        why="a claim with no open data is never measured here: the rule has no interval to judge and always says 'inconclusive'.",
    )
)


# -- rules of data wall and trends --
_add(
    Rule(
        "data.wall_year",
        "year frontier demand for unique training tokens meets the usable stock, minus the verdict year "
        "(central 80% interval of the pooled Monte Carlo draws: 10% and 90% quantiles)",
        "years",
        margin=0.01,
        gate=200.0,
        favourable="above",
        inside="inconclusive",
        favourable_label="no wall before 2030",
        unfavourable_label="wall before 2030",
        why="the question is only whether the stock is used up before the verdict year: 'wall before' when at least "
        "90% of draws meet the stock by then (the 90% quantile lies before it), 'no wall before' when at most 10% do "
        "(the 10% quantile lies after it); the margin is a rounding tolerance; draws that never meet the stock count as "
        "100 years late, so the width gate (200 years) only stops intervals that span centuries. The labels name the default verdict year 2030; data_wall(...) restates "
        "them for another verdict_year.",
    )
)


# -- rules of synthetic data --

_add(
    Rule(
        "synthetic.verified_gain",
        "held-out greedy pass@1 (mean over difficulties) after the last round of self-training with an exact checker, "
        "minus that of the same training compute spent on the seed data alone (paired by seed; Student-t 95% interval "
        "over seeds)",
        "points",
        margin=2.0,
        gate=40.0,
        favourable="above",
        inside="does not help",
        favourable_label="helps",
        unfavourable_label="hurts",
        why="synthetic data helps when the checker-filtered samples raise held-out accuracy beyond what the seed data "
        "gives at the same training compute; 2 points of pass@1 is the smallest gain worth a round of sampling on a few "
        "hundred held-out problems; the gate (40 points) stops intervals from a handful of seeds that span most of the "
        "scale.",
    )
)


# -- rules of the synthesis at the top of the report --

#: how the synthesis answers each debate question from its findings (scalewatch.analyses.synthesis)
QUESTION_RULE = (
    "Each question's verdict is that of its most direct finding in the report (for pretraining: the out-of-sample wall "
    "test, not the in-sample fit); the question's other findings support or dissent but do not override it; 'not "
    "measured' when none ran. Its deciding numbers are that finding's headline number and its empirical coverage where it "
    "has one. Evidence is 'strong' when the direct finding decided by its written rule and no other finding of the "
    "question decided the opposite way, 'moderate' when another disagrees, 'weak' when the direct finding is "
    "inconclusive, 'none' when not measured."
)

#: the rule that turns the per-question verdicts of the synthesis into its one overall sentence
OVERALL_RULE = (
    "'a wall' only if the pretraining law falls short at the top (or bends or breaks) AND capabilities stop rising with "
    "loss (decoupling) AND test-time compute does not compensate (its coverage law falls short or breaks, or pretraining is "
    "the cheaper route); 'no wall seen' only if the pretraining law holds or beats the law at the top AND capabilities are "
    "in step with or ahead of loss; 'not settled' otherwise."
)


def overall_verdict(pretraining: str, capabilities: str, test_time: str, coverage_law: str | None = None) -> tuple[str, str]:
    """The synthesis's answer to "Is AI scaling hitting a wall?" from three per-question verdicts (:data:`OVERALL_RULE`).

    Parameters
    ----------
    pretraining : str
        Synthesis verdict on "Does the pretraining law hold at the top?" ("holds", "beats the law",
        "falls short of the law", "bends", "breaks", "inconclusive", "not measured").
    capabilities : str
        On "Does lower loss still buy capabilities?" ("in step", "ahead", "decoupling", "inconclusive", ...).
    test_time : str
        On "Is test-time compute the better thing to scale?" ("test-time cheaper", "holds", "beats the law",
        "falls short of the law", "breaks", "pretraining cheaper", "inconclusive", ...).
    coverage_law : str, optional
        The verdict of the coverage law of test-time sampling (``test-time.coverage_law``): "falls short of the
        law", "bends" or "breaks" also mean that test-time compute does not compensate.

    Returns
    -------
    verdict, reason : str
        ``"a wall"``, ``"no wall seen"`` or ``"not settled"``, and which clause of the rule decided.

    Examples
    --------
    >>> overall_verdict("holds", "in step", "inconclusive")[0]
    'no wall seen'
    >>> overall_verdict("falls short of the law", "decoupling", "breaks")[0]
    'a wall'
    >>> overall_verdict("inconclusive", "ahead", "test-time cheaper")[0]
    'not settled'
    """
    pre_short = pretraining in ("falls short of the law", "bends", "breaks")
    pre_ok = pretraining in ("holds", "beats the law")
    cap_stop = capabilities == "decoupling"
    cap_ok = capabilities in ("in step", "ahead")
    tt_fails = test_time in ("falls short of the law", "bends", "breaks", "pretraining cheaper") or coverage_law in (
        "falls short of the law", "bends", "breaks"
    )
    if pre_short and cap_stop and tt_fails:
        return "a wall", "the pretraining law falls short at the top, capabilities stop rising and test-time compute does not compensate"
    if pre_ok and cap_ok:
        return "no wall seen", f"the pretraining law {pretraining} at the top and capabilities are {capabilities} with loss"
    missing = []
    if not pre_ok:
        missing.append(f"the pretraining law at the top is '{pretraining}', not 'holds'")
    if not cap_ok:
        missing.append(f"capabilities are '{capabilities}', not 'in step'")
    return "not settled", "; ".join(missing) + " (and the conditions for 'a wall' are not all met)"


# trends (can a plateau be seen coming?) are judged here, after the synthesis, by the developer of analyses/trends
_add(
    Rule(
        "trends.detection_lead",
        "lead time of a slowdown test over a real plateau's onset (years before the onset that the test first fires for good; "
        "negative: after the onset)",
        "years",
        margin=1.0,
        gate=4.0,
        favourable="above",
        inside="not detectable",
        favourable_label="plateau detectable in advance",
        unfavourable_label="not detectable",
        why="a year's warning is the shortest that changes an investment plan (a frontier training run is planned about a "
        "year ahead); detection within a year of the onset is not 'in advance'.",
    )
)


#: every rule of the report, by name (the docs print this table)
RULES: Mapping[str, Rule] = MappingProxyType(_RULES)


def rules_markdown() -> str:
    """The page ``docs/verdict-rules.md``: every rule of :data:`RULES`, its margin and gate, and the synthesis rules.

    ``tests/findings/test_rules.py`` checks that the page in the repository is this text, so the docs and the report
    use the same rules.
    """
    lines = [
        "# Verdict rules",
        "",
        "Generated from `scalewatch.findings.rules` (`python -c \"from scalewatch.findings.rules import rules_markdown; "
        "print(rules_markdown(), end='')\" > docs/verdict-rules.md`). Every verdict of the report comes from one of these "
        "rules applied to an interval; a finding carries its rule, margin and decision in `findings.json` (`rule`).",
        "",
        "| rule | quantity | unit | centre | margin | width gate | inside | favourable side | unfavourable side |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in RULES.values():
        fav = "-" if r.favourable == "neither" else f"{r.favourable}: {r.favourable_label}"
        lines.append(
            f"| `{r.name}` | {r.quantity} | {r.unit} | {_fmt(r.center)} | {_fmt(r.margin)} | {_fmt(r.gate)} | {r.inside} | "
            f"{fav} | {r.unfavourable_label} |"
        )
    lines += ["", "## Why each margin", ""]
    lines += [f"- `{r.name}`: {r.why or 'not stated'}" for r in RULES.values()]
    lines += [
        "",
        "## Coverage",
        "",
        "Where a finding has held-out coverage, the interval is judged only if the empirical coverage of the held-out points "
        "(with its Clopper-Pearson 95% interval) can reach the nominal level minus 10 points; otherwise the verdict is "
        "'inconclusive' (outcome 'miscalibrated').",
        "",
        "## The synthesis",
        "",
        f"Per question: {QUESTION_RULE}",
        "",
        f"Overall (\"Is AI scaling hitting a wall?\"): {OVERALL_RULE}",
        "",
    ]
    return "\n".join(lines)


# -- rules of the break test and calibrated intervals --

_add(
    Rule(
        "pretraining.break_slope",
        "change of the loss's slope along compute beyond the break (robust break test)",
        "% of loss per decade",
        margin=1.0,
        gate=10.0,
        favourable="below",
        inside="no break",
        favourable_label="bends down",
        unfavourable_label="breaks",
        why="1% of loss per decade of compute is about a tenth of the loss's own fall per decade at Chinchilla's "
        "scale (about 10%); a smaller change of slope would not change a compute plan. A break is claimed only "
        "when the robust break test (the law plus a smooth term in log tokens per parameter, no change along "
        "compute) rejects and the broken law predicts held-out runs better.",
    )
)
_add(
    Rule(
        "pretraining.interval_coverage",
        "empirical minus nominal coverage of held-out runs by calibrated prediction intervals",
        "points",
        margin=5.0,
        gate=30.0,
        favourable="neither",
        inside="calibrated",
        favourable_label="miscalibrated",
        unfavourable_label="miscalibrated",
        why="nominal 90% intervals that cover 85-95% of held-out runs are usable; the gate of 30 points is about "
        "the width of a Clopper-Pearson interval of a coverage measured on 25 runs.",
    )
)


def break_verdict(
    *,
    p_iid: float,
    p_robust: float,
    level: float,
    oos_wins: bool,
    slope_low: float | None,
    slope_high: float | None,
) -> Decision:
    """The break verdict: a break only when it survives the robust null *and* predicts held-out runs.

    Parameters
    ----------
    p_iid, p_robust : float
        p-values of the break test under the i.i.d. null (the law exactly right)
        and under the robust null (the law plus a smooth term in log tokens per
        parameter, no change along compute).
    level : float
        Significance level, in (0, 1).
    oos_wins : bool
        The broken law, estimated below a cut-off, predicts the runs above it better (by the test's margin).
    slope_low, slope_high : float or None
        Interval of the change of slope beyond the break, % of loss per decade.

    Returns
    -------
    Decision
        Of rule ``pretraining.break_slope``: "breaks" (slope interval wholly
        above +1%/decade, towards a wall), "bends down" (wholly below -1%),
        "no break" (robust test not significant and the slope interval inside
        +/-1%), else "inconclusive". When only the i.i.d. test rejects, the
        reason says the apparent bend is explained by the law's shape misfit.

    Examples
    --------
    >>> break_verdict(p_iid=0.004, p_robust=0.4, level=0.05, oos_wins=False, slope_low=-0.6, slope_high=0.7).verdict
    'no break'
    >>> break_verdict(p_iid=0.001, p_robust=0.002, level=0.05, oos_wins=True, slope_low=2.0, slope_high=6.0).verdict
    'breaks'
    >>> break_verdict(p_iid=0.001, p_robust=0.002, level=0.05, oos_wins=False, slope_low=2.0, slope_high=6.0).verdict
    'inconclusive'
    """
    from dataclasses import replace

    level = _finite(level, "break_verdict(level=...)")
    if not 0 < level < 1:
        raise ValueError(f"break_verdict(level={level}) must lie in (0, 1), e.g. 0.05.")
    r = rule("pretraining.break_slope")
    d = r.decide(slope_low, slope_high)
    tests = f"i.i.d. p = {_fmt(p_iid)}, robust p = {_fmt(p_robust)} (level {_fmt(level)})"
    if not p_robust < level:
        shape = (
            "; the i.i.d. test rejects, but the apparent bend is explained by the law's shape misfit in tokens per "
            "parameter (the robust null, which allows it, does not reject)"
            if p_iid < level
            else ""
        )
        if d.outcome == "inside":
            return replace(d, verdict=r.inside, reason=f"no break: {tests}{shape}; slope change {d.reason}")
        return replace(d, verdict=r.undecided, reason=f"no significant break ({tests}){shape}, but the slope change {d.reason}: a break of practical size is not ruled out")
    if not oos_wins:
        return replace(d, verdict=r.undecided, reason=f"a kink is significant in sample ({tests}) but the broken law does not predict the held-out runs better, so no break is claimed; slope change {d.reason}")
    return replace(d, reason=f"the break survives the robust null ({tests}) and predicts held-out runs better; slope change {d.reason}")


def coverage_verdict(covered: int, n: int, nominal: float) -> Decision:
    """Whether calibrated intervals are calibrated: rule ``pretraining.interval_coverage`` on the Clopper-Pearson interval.

    The interval judged is ``100 (CP interval of the coverage - nominal)``, in points.

    Examples
    --------
    >>> coverage_verdict(450, 500, 0.9).verdict
    'calibrated'
    >>> coverage_verdict(120, 200, 0.9).verdict
    'miscalibrated'
    """
    lo, hi = clopper_pearson(covered, n)
    return rule("pretraining.interval_coverage").decide(100 * (lo - nominal), 100 * (hi - nominal))


def rule(name: str) -> Rule:
    """The rule called ``name`` (see :data:`RULES`).

    Raises
    ------
    KeyError
        Unknown name (the message lists the known ones).
    """
    try:
        return RULES[name]
    except KeyError:
        raise KeyError(f"no verdict rule {name!r}; known rules: {', '.join(RULES)}") from None
