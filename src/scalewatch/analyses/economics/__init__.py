r"""What test-time compute costs against pretraining, in dollars, and the debate's own numbers rechecked.

Two findings of the report:

``test-time.cost_to_target`` (:func:`cost_to_target_finding`)
    Dollars to reach a target coverage on MATH within the Pythia family: train
    the largest model and sample it least, or sample a smaller model more
    (:func:`scalewatch.analyses.economics.cost_to_target`), at a reference demand
    of 10^9 problems, with intervals over problem resamples and the cost
    assumptions; and pretraining pushed along the fitted iso-coverage line
    until one sample suffices (an extrapolation). Verdict (proposed
    vocabulary): *test-time cheaper* when the cost ratio (largest model over
    the cheapest smaller one) is above 1 over its whole interval, *pretraining
    cheaper* when below 1, *depends* when it straddles 1.
``test-time.debate_numbers`` (:func:`debate_numbers_finding`)
    The debate's numbers recomputed with their assumptions shown: what $1B
    buys in H100s; o1's price against GPT-4o's, per token and per task; the
    claim that inference costs fell three orders of magnitude in under two
    years, against what the data measure; a frontier training run's cost and
    how many reasoning tasks cost as much; and Sardana et al.'s
    inference-aware allocation. Verdict (proposed vocabulary): *depends*:
    whether reasoning at test time is cheaper than a larger pretraining run
    turns on the number of tasks served (the finding gives the break-even).
"""

from scalewatch.analyses.economics._common import KEY_COST, KEY_DEBATE
from scalewatch.analyses.economics.assumptions import HOURS_PER_YEAR, Assumption, Component, CostEstimate
from scalewatch.analyses.economics.costs import (
    DEFAULTS,
    HARDWARE,
    Hardware,
    cluster_for_budget,
    defaults_from_data,
    hardware,
    inference_cost,
    inference_flop_cost,
    training_cost,
)
from scalewatch.analyses.economics.allocation import HOFFMANN_2022, InferenceAwareAllocation, inference_aware_allocation
from scalewatch.analyses.economics.prices import (
    API_PRICES,
    REASONING_TOKENS,
    ApiPrice,
    PriceDecline,
    api_price,
    price_decline,
    reasoning_premium,
)
from scalewatch.analyses.economics.cost_to_target import (
    TOKENS_PER_SAMPLE,
    CostToTarget,
    cost_to_target,
    cost_to_target_analysis,
    cost_to_target_finding,
    cost_verdict,
)
from scalewatch.analyses.economics.debate import (
    FRONTIER_RUN_FLOP,
    LLAMA31_405B_GPU_HOURS,
    debate_numbers,
    debate_numbers_finding,
)

__all__ = [
    "KEY_COST",
    "KEY_DEBATE",
    "HOURS_PER_YEAR",
    "Assumption",
    "Component",
    "CostEstimate",
    "Hardware",
    "HARDWARE",
    "hardware",
    "DEFAULTS",
    "defaults_from_data",
    "training_cost",
    "inference_cost",
    "inference_flop_cost",
    "cluster_for_budget",
    "HOFFMANN_2022",
    "InferenceAwareAllocation",
    "inference_aware_allocation",
    "ApiPrice",
    "API_PRICES",
    "api_price",
    "REASONING_TOKENS",
    "reasoning_premium",
    "PriceDecline",
    "price_decline",
    "TOKENS_PER_SAMPLE",
    "CostToTarget",
    "cost_to_target",
    "cost_verdict",
    "cost_to_target_finding",
    "cost_to_target_analysis",
    "FRONTIER_RUN_FLOP",
    "LLAMA31_405B_GPU_HOURS",
    "debate_numbers_finding",
    "debate_numbers",
]
