r"""Test-time compute: repeated-sampling laws, selecting an answer, and the train/test exchange rate.

Three findings of the report, all on Brown et al.'s (2024) repeated sampling of
seven Pythia models on 128 MATH problems (10,000 samples per problem;
``llmonkeys-pythia-math``):

``test-time.coverage_law`` (:func:`coverage_law_finding`)
    Coverage (pass@k with an oracle verifier, the unbiased estimator of Chen et
    al. 2021) against the number of samples k, Brown et al.'s exponentiated
    power law :math:`c = \exp(-a k^{-b})` fitted per model with
    problem-bootstrap intervals, extrapolated to a budget, and compared out of
    sample with four alternatives (:mod:`.coverage`). Verdict: does coverage
    keep rising as the law fitted on k <= 1,000 predicts one decade ahead?
    *breaks* when the last decade adds less than 1 point of coverage, *bends*
    when the observed coverage falls below the forecast (whole interval below
    zero), *holds* otherwise; *inconclusive* with fewer than 3 models or an
    interval wider than 10 points.
``test-time.selection`` (:func:`selection_finding`)
    Without an oracle one answer must be picked. The data have counts of
    correct samples, not answer distributions, so majority vote is bracketed
    by what the counts alone imply and illustrated on seeded simulated answer
    distributions; best-of-n with an imperfect verifier follows in closed form
    from each problem's success rate (:mod:`.selection`). Verdict: *bends* when
    the verifier's plateau lies more than 5 points below coverage (whole
    interval), *holds* when within 5 points, else *inconclusive*.
``test-time.exchange_rate`` (:func:`exchange_finding`)
    How many samples, and how much test-time FLOP, 10x training compute
    replaces at equal coverage (Jones 2021's iso-performance contours;
    :mod:`.exchange`). Verdict (proposed vocabulary): *test-time cheaper*
    when 10x training compute saves less than 10x test-time FLOP (whole
    interval below 1: the smaller model sampled more is cheaper even before
    its cheaper training), *depends* when it saves more (a larger model wins
    above some query volume), *inconclusive* otherwise.

The pure computations live in the private modules; the functions here turn
them into :class:`~scalewatch.findings.Finding` s and register them.
"""

from scalewatch.analyses.testtime._common import (
    DATASET,
    KEY_COVERAGE,
    KEY_EXCHANGE,
    KEY_OWN,
    KEY_SELECTION,
    MAX_WIDTH_PP,
    MIN_GAIN_PP,
    PROPOSED_VERDICTS,
    SELECTION_GAP_PP,
    checked_verdict,
    model_label,
)
from scalewatch.analyses.testtime.passk import (
    DEFAULT_KS,
    CoverageCurves,
    coverage_curves,
    pass_at_k,
    pass_at_k_matrix,
    per_problem_counts,
)
from scalewatch.analyses.testtime.selection import (
    AnswerDistributions,
    best_of_k,
    majority_at_k,
    majority_vote_accuracy,
    majority_vote_limit,
    simulate_answer_distributions,
    verifier_best_of_k,
    verifier_plateau,
)
from scalewatch.analyses.testtime.selection_finding import selection_analysis, selection_finding, selection_verdict
from scalewatch.analyses.testtime.laws import COVERAGE_LAWS, CoverageLaw, coverage_law
from scalewatch.analyses.testtime.coverage import (
    CoverageFit,
    LawComparison,
    compare_coverage_laws,
    fit_coverage,
    fit_coverage_models,
)
from scalewatch.analyses.testtime.coverage_finding import (
    CoverageEvidence,
    coverage_evidence,
    coverage_law_analysis,
    coverage_law_finding,
    coverage_verdict,
)
from scalewatch.analyses.testtime.exchange import (
    FORWARD_FLOP_PER_PARAM_TOKEN,
    JONES_2021_HEX,
    TRAIN_FLOP_PER_PARAM_TOKEN,
    ExchangeRate,
    exchange_analysis,
    exchange_finding,
    exchange_rate,
    exchange_verdict,
)

__all__ = [
    "model_label",
    "checked_verdict",
    "DATASET",
    "KEY_COVERAGE",
    "KEY_SELECTION",
    "KEY_EXCHANGE",
    "PROPOSED_VERDICTS",
    "KEY_OWN",
    "MAX_WIDTH_PP",
    "MIN_GAIN_PP",
    "SELECTION_GAP_PP",
    "DEFAULT_KS",
    "pass_at_k",
    "pass_at_k_matrix",
    "CoverageCurves",
    "coverage_curves",
    "per_problem_counts",
    "AnswerDistributions",
    "simulate_answer_distributions",
    "majority_vote_limit",
    "majority_vote_accuracy",
    "majority_at_k",
    "verifier_best_of_k",
    "verifier_plateau",
    "best_of_k",
    "selection_verdict",
    "selection_finding",
    "selection_analysis",
    "CoverageLaw",
    "COVERAGE_LAWS",
    "coverage_law",
    "CoverageFit",
    "fit_coverage_models",
    "fit_coverage",
    "LawComparison",
    "compare_coverage_laws",
    "coverage_verdict",
    "CoverageEvidence",
    "coverage_evidence",
    "coverage_law_finding",
    "coverage_law_analysis",
    "JONES_2021_HEX",
    "FORWARD_FLOP_PER_PARAM_TOKEN",
    "TRAIN_FLOP_PER_PARAM_TOKEN",
    "ExchangeRate",
    "exchange_rate",
    "exchange_verdict",
    "exchange_finding",
    "exchange_analysis",
]
