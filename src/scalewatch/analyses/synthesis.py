r"""The answer first: one verdict per debate question, and one sentence on "Is AI scaling hitting a wall?".

The synthesis is built from the report's findings (it runs no analysis of its
own, and imports nothing but :mod:`scalewatch.findings`): the reporting layer
calls :func:`synthesize` on every finding of a run and puts the result at the
top of the HTML page, the terminal summary and ``findings.json``.

For each question of the debate (:data:`QUESTIONS`) the synthesis names the
findings that answer it, in order of how directly they do. Its rule
(:data:`scalewatch.findings.rules.QUESTION_RULE`):

* the question's **verdict** is that of its first listed finding present in
  the report (the direct test); the others support or dissent but do not
  override it (an in-sample fit cannot answer "at the top" when the
  out-of-sample test is inconclusive); "not measured" when none is present;
* the **deciding numbers** are that finding's headline number and, where it
  has one, its empirical coverage (a number with "coverage" in its name);
* the **strength of evidence** is *strong* when the direct test decided by its
  written rule and no other listed finding decided the opposite way,
  *moderate* when another one disagrees (or the direct verdict has no written
  rule), *weak* when the direct test is inconclusive, *none* when not measured;
* **what would change it** follows from the outcome of the deciding rule
  (miscalibrated intervals, a break the robust test has not ruled on, an
  interval too wide or straddling the margin, or the margin itself).

The overall answer follows from the pretraining, capabilities and test-time
verdicts by :func:`scalewatch.findings.rules.overall_verdict`
(:data:`~scalewatch.findings.rules.OVERALL_RULE`).

:func:`verdict_problems` lists findings whose verdict contradicts their own
numbers ("holds" next to a coverage far below nominal or a significant break);
the report's tests assert it finds none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scalewatch.findings import Finding
from scalewatch.findings.rules import OVERALL_RULE, QUESTION_RULE, overall_verdict

__all__ = [
    "QUESTIONS",
    "Question",
    "Answer",
    "Synthesis",
    "synthesize",
    "verdict_problems",
]


@dataclass(frozen=True)
class Question:
    """A question of the debate and the findings that answer it, the most direct first.

    Attributes
    ----------
    key : str
        Short id ("pretraining", "capabilities", ...).
    text : str
        The question in words.
    findings : tuple of str
        Finding keys, the most direct test first.
    measured : str
        What the findings measure, for the reader.
    """

    key: str
    text: str
    findings: tuple[str, ...]
    measured: str = ""


#: the debate's questions, in the order the report asks them
QUESTIONS: tuple[Question, ...] = (
    Question(
        "pretraining",
        "Does the pretraining law hold at the top?",
        ("pretraining.wall_test", "pretraining.chinchilla_fit", "sweep.chinchilla"),
        "Chinchilla's law fitted below a compute cut-off and scored on the larger runs (held-out excess and coverage).",
    ),
    Question(
        "capabilities",
        "Does lower loss still buy capabilities?",
        ("capabilities.links", "capabilities.decoupling", "capabilities.observational_scaling", "capabilities.generation_gains",
         "capabilities.unseen_tasks"),
        "Links from loss or compute to benchmark scores: do they still rise at the frontier, and do the newest models "
        "score what their compute predicts?",
    ),
    Question(
        "test-time",
        "Is test-time compute the better thing to scale?",
        ("test-time.cost_to_target", "test-time.exchange_rate", "test-time.selection", "test-time.coverage_law",
         "test-time.cost_per_point", "test-time.inference_prices", "test-time.training_costs", "test-time.frontier_clusters",
         "test-time.unmeasured_claims"),
        "Dollars and FLOP to a target coverage by sampling a smaller model more or using a larger one (oracle verifier); "
        "how much of that coverage a real verifier can select.",
    ),
    Question(
        "data",
        "Are we running out of data?",
        ("data.wall",),
        "The year frontier training sets reach the usable stock of public text, if trends continue.",
    ),
    Question(
        "trends",
        "Can a plateau be seen coming?",
        ("trends.plateau_backtests",),
        "Slowdown tests backtested on real plateaus (CPU clock and single-thread performance).",
    ),
    Question(
        "synthetic-data",
        "Does synthetic data help?",
        ("synthetic-data.selfplay",),
        "Self-training of our own small models on checker-filtered samples (arithmetic) against the same compute on the "
        "seed data, without the checker, and recursive training on text without a verifier (held-out loss, diversity).",
    ),
)

_UNDECIDED = ("inconclusive",)
#: verdicts that point the opposite way from each family of verdicts (for "another finding disagrees")
_SIDE = {
    "holds": "ok", "beats the law": "ok", "in step": "ok", "ahead": "ok", "test-time cheaper": "ok",
    "plateau detectable in advance": "ok",
    "falls short of the law": "bad", "bends": "bad", "breaks": "bad", "decoupling": "bad", "pretraining cheaper": "bad",
    "not detectable": "bad",
}
_CHANGE = {
    "miscalibrated": "prediction intervals calibrated out of sample (by backtests over run groups) whose empirical coverage "
    "of held-out runs reaches the nominal level",
    "overruled": "the condition that withheld the verdict resolved (for the wall test: a misspecification-robust break test "
    "that rules the apparent break in or out)",
    "too wide": "more data (runs, models or benchmarks), narrowing the interval below the rule's width gate",
    "straddles": "more data (runs, models or benchmarks), narrowing the interval so that it falls on one side of the margin",
    "no interval": "an interval for the deciding quantity",
    "inside": "new data (larger scale, newer models) whose interval leaves the margin",
    "favourable": "new data whose interval comes back inside, or crosses, the margin",
    "unfavourable": "new data whose interval comes back inside, or crosses, the margin",
}


@dataclass(frozen=True)
class Answer:
    """The synthesis of one question: verdict, deciding numbers, strength of evidence, what would change it."""

    key: str
    question: str
    verdict: str
    decided_by: str | None
    numbers: tuple[Mapping[str, Any], ...]
    evidence: str
    why: str
    would_change: str
    findings: tuple[Mapping[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "question": self.question,
            "verdict": self.verdict,
            "decided_by": self.decided_by,
            "numbers": [dict(n) for n in self.numbers],
            "evidence": self.evidence,
            "why": self.why,
            "would_change": self.would_change,
            "findings": [dict(f) for f in self.findings],
        }

    def text(self) -> str:
        nums = "; ".join(f"{n['finding']}: {n['number']} = {n['text']}" for n in self.numbers)
        return f"{self.question} {self.verdict} ({self.evidence} evidence{'; ' + nums if nums else ''})"


@dataclass(frozen=True)
class Synthesis:
    """The answer first: one :class:`Answer` per question and the overall verdict with the rule that gave it."""

    answers: tuple[Answer, ...]
    verdict: str
    sentence: str
    reason: str
    rule: str = OVERALL_RULE
    question_rule: str = QUESTION_RULE
    problems: tuple[str, ...] = field(default=())

    def answer(self, key: str) -> Answer:
        for a in self.answers:
            if a.key == key:
                return a
        raise KeyError(f"no question {key!r} in the synthesis; questions: {[a.key for a in self.answers]}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": "Is AI scaling hitting a wall?",
            "verdict": self.verdict,
            "sentence": self.sentence,
            "reason": self.reason,
            "rule": self.rule,
            "question_rule": self.question_rule,
            "answers": [a.to_dict() for a in self.answers],
            "problems": list(self.problems),
        }

    def text(self) -> str:
        """The terminal's synthesis: the overall sentence, then one line per question."""
        w = max(len(a.question) for a in self.answers)
        lines = [self.sentence, ""]
        for a in self.answers:
            nums = "; ".join(f"{n['number']} = {n['text']}" for n in a.numbers)
            lines.append(f"{a.question:<{w}}  {a.verdict:<22}  {a.evidence:<8}  {nums}")
        lines += ["", f"Rule: {self.rule}"]
        return "\n".join(lines)


def _decision(f: Finding) -> Mapping[str, Any] | None:
    return f.rule if isinstance(f.rule, Mapping) else None


def _deciding_numbers(f: Finding, d: Mapping[str, Any] | None) -> tuple[dict[str, Any], ...]:
    out = []
    head = f.headline_number
    if head is not None:
        out.append({"finding": f.key, "number": head.name, "text": head.text(unit=True), "value": head.value,
                    "low": head.low, "high": head.high, "unit": head.unit})
    # an interval's coverage decides only where the finding's rule judged it (its decision ``d`` carries the
    # calibration); elsewhere (e.g. the trend backtests' forecast coverage) it is context, not a deciding number
    judged = bool(d and d.get("calibration"))
    cov = next((n for n in f.numbers if "coverage" in n.name and "parameter-only" not in n.name and n is not head
                and re.search(r"\d+(\.\d+)?%", n.name)), None) if judged else None
    if cov is not None:
        out.append({"finding": f.key, "number": cov.name, "text": cov.text(unit=True), "value": cov.value,
                    "low": cov.low, "high": cov.high, "unit": cov.unit})
    return tuple(out[:2])


def _break_clause(f: Finding, level: float = 0.05) -> str:
    """What a significant break in the direct finding would need, naming which null its p-value is under."""
    for n in f.numbers:
        name = n.name.lower()
        if "break test p-value" in name and n.value is not None and n.value < level:
            null = "robust null" if "robust" in name else "i.i.d. null"
            return (f"; and where the break sits: it survives the {null} (p = {n.value:.2g}) and withholds 'holds' "
                    "until the largest runs or a wider compute range settle it")
    return ""


def _answer(q: Question, by_key: Mapping[str, Finding]) -> Answer:
    present = [by_key[k] for k in q.findings if k in by_key]
    listed = tuple({"finding": f.key, "verdict": f.verdict} for f in present)
    if not present:
        why = q.measured if not q.findings else f"none of {', '.join(q.findings)} ran in this report"
        return Answer(q.key, q.text, "not measured", None, (), "none", why,
                      "an analysis of it" if not q.findings else f"running {q.findings[0]} on its data", listed)
    f = present[0]  # the direct test decides; the others support or dissent
    d = _decision(f)
    outcome = (d.get("outcome") if d else "") or ""
    why = f"{f.key}: {d['reason']}" if d else f"{f.key}: {f.summary} (a verdict not decided by a written rule)"
    others = [g for g in present[1:] if g.verdict not in _UNDECIDED]
    if f.verdict in _UNDECIDED:
        evidence = "weak"
        if others:
            why += "; indirectly, " + ", ".join(f"{g.key} says '{g.verdict}'" for g in others)
        change = _CHANGE.get(outcome, "a narrower interval, on one side of the threshold the finding judges it against")
    else:
        side = _SIDE.get(f.verdict)
        dissent = [g for g in others if _SIDE.get(g.verdict) not in (None, side)]
        evidence = "strong" if not dissent and d is not None else "moderate"
        if dissent:
            why += "; but " + ", ".join(f"{g.key} says '{g.verdict}'" for g in dissent)
        change = _CHANGE.get(outcome, "new data whose interval crosses the finding's threshold")
    change += _break_clause(f)
    return Answer(q.key, q.text, f.verdict, f.key, _deciding_numbers(f, d), evidence, why, change, listed)


def synthesize(findings: Iterable[Finding], *, questions: Sequence[Question] = QUESTIONS) -> Synthesis:
    """The synthesis of a report's findings (see the module docstring for its rule).

    Parameters
    ----------
    findings : iterable of Finding
        Every finding of the report.
    questions : sequence of Question, default :data:`QUESTIONS`

    Returns
    -------
    Synthesis

    Examples
    --------
    >>> from scalewatch.findings import Finding, Number
    >>> f = Finding(key="pretraining.wall_test", question="pretraining", title="t", verdict="holds",
    ...             summary="s.", numbers=[Number("x", 0.1, -0.2, 0.3, "%")], method="m")
    >>> synthesize([f]).answer("pretraining").verdict
    'holds'
    >>> synthesize([f]).verdict
    'not settled'
    """
    fs = list(findings)
    by_key: dict[str, Finding] = {}
    for f in fs:
        by_key.setdefault(f.key, f)
    # a report on the user's runs names its findings "<key>.<source>" (pretraining.wall_test.my-runs-csv):
    # each stands for its key, the first source in report order
    for f in fs:
        base = f.key.rsplit(".", 1)[0]
        if base != f.key and any(base in q.findings for q in questions):
            by_key.setdefault(base, f)
    answers = tuple(_answer(q, by_key) for q in questions)
    got = {a.key: a.verdict for a in answers}
    cov = by_key.get("test-time.coverage_law")
    verdict, reason = overall_verdict(got.get("pretraining", "not measured"), got.get("capabilities", "not measured"),
                                      got.get("test-time", "not measured"), None if cov is None else cov.verdict)
    lead = {"a wall": "Yes, a wall", "no wall seen": "No wall seen", "not settled": "Not settled"}[verdict]
    sentence = f"Is AI scaling hitting a wall? {lead}: {reason}."
    return Synthesis(answers, verdict, sentence, reason, problems=tuple(verdict_problems(fs)))


def _nominal(name: str) -> float | None:
    m = re.search(r"(\d+(?:\.\d+)?)% (?:prediction )?intervals?", name)
    return float(m.group(1)) / 100 if m else None


def verdict_problems(findings: Iterable[Finding], *, tolerance: float = 0.10, level: float = 0.05) -> list[str]:
    """Findings whose verdict contradicts their own numbers; an empty list when every verdict is consistent.

    A finding that says "holds" (or "beats the law") is a problem when one of its coverage numbers (a name with
    "coverage" and a nominal level such as "95% prediction intervals") has an upper end (or, without an interval,
    a value) below nominal minus ``tolerance``, or when it reports a break-test p-value below ``level``.

    Examples
    --------
    >>> from scalewatch.findings import Finding, Number
    >>> f = Finding(key="pretraining.x", question="pretraining", title="t", verdict="holds", summary="s.", method="m",
    ...             numbers=[Number("held-out coverage of 95% prediction intervals", 0.62, 0.50, 0.73)])
    >>> verdict_problems([f])
    ["pretraining.x says 'holds' but held-out coverage of 95% prediction intervals = 0.62 [0.50, 0.73] is far below nominal 95%"]
    """
    out = []
    for f in findings:
        if f.verdict not in ("holds", "beats the law"):
            continue
        for n in f.numbers:
            low_name = n.name.lower()
            if "coverage" in low_name and n.value is not None:
                nominal = _nominal(n.name)
                top = n.high if n.high is not None else n.value
                if nominal is not None and top < nominal - tolerance:
                    out.append(f"{f.key} says '{f.verdict}' but {n.name} = {n.text()} is far below nominal {100 * nominal:g}%")
            if "break test p-value" in low_name and n.value is not None and n.value < level:
                out.append(f"{f.key} says '{f.verdict}' but {n.name} = {n.text()} (< {level:g}): a break is detected")
    return out
