"""``test-time.unmeasured_claims``: the debate's claims that no open data in scalewatch can measure, with the best quoted figure.

Each row names the claim, the best figure we know of with its citation
(always labelled *quoted*: it is the source's number, never a measurement of
ours), why scalewatch cannot measure it, and what data would settle it. The
verdict is "inconclusive" by rule ``economics.quoted_claim``: there is no
interval to judge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scalewatch.findings import DecidedResult, Decision, analysis
from scalewatch.findings.rules import decision_text, rule

__all__ = ["KEY_UNMEASURED", "QuotedClaim", "QUOTED_CLAIMS", "UnmeasuredClaims", "unmeasured_claims", "unmeasured_claims_analysis"]

KEY_UNMEASURED = "test-time.unmeasured_claims"


@dataclass(frozen=True)
class QuotedClaim:
    """A claim of the debate with no open data here.

    Attributes
    ----------
    claim : str
        The claim as made, and by whom.
    quoted : str
        The best available published figure (quoted, not measured).
    citation : str
        Where the figure is printed.
    why_not : str
        Why scalewatch cannot measure it.
    would_settle : str
        The data that would.
    nearest : str
        What the report measures nearest to it (a finding key), or "".
    """

    claim: str
    quoted: str
    citation: str
    why_not: str
    would_settle: str
    nearest: str = ""

    def row(self) -> dict[str, str]:
        return {"claim": self.claim, "best available figure (quoted, not measured)": self.quoted, "citation": self.citation,
                "why not measured here": self.why_not, "data that would settle it": self.would_settle,
                "nearest measurement in this report": self.nearest or "none"}


#: the debate's claims without open data (issue 19, item 8)
QUOTED_CLAIMS: tuple[QuotedClaim, ...] = (
    QuotedClaim(
        "'Having a bot think for 20 seconds in a hand of poker gave the same boost as scaling the model 100,000x' (Noam Brown)",
        "100,000x model scale and training for 20 s of search per hand is the claim itself; no table behind it is published. "
        "Nearest published relation: on Hex, test-time (MCTS) and train-time compute trade off along a fitted frontier",
        "Brown, TED AI talk, San Francisco, October 2024 (the claim); Jones (2021), 'Scaling Scaling Laws with Board Games', "
        "arXiv:2104.03113 (the Hex trade-off, abstract and Section on train-test trade-off)",
        "no open poker data: Libratus/Pluribus strength against search time and blueprint size is not released",
        "exploitability or win rate (mbb/hand) of one poker agent family on a grid of blueprint sizes / training iterations and "
        "search times, with match logs",
        "test-time.exchange_rate (the LLM analogue on Pythia/MATH)",
    ),
    QuotedClaim(
        "OpenAI spends about $10B a year to operate (2024)",
        "up to about $8.5B of 2024 costs (about $7B of compute for training and inference, about $1.5B of staff) and a loss of "
        "up to about $5B on about $3.7B revenue (press reports of internal figures, unaudited)",
        "The Information, 'Why OpenAI Could Lose $5 Billion This Year' (July 2024); The New York Times (September 2024) on "
        "OpenAI's fundraising documents ($3.7B 2024 revenue, about $5B loss)",
        "OpenAI is private and publishes no financial statements; the figures are journalists' readings of internal documents",
        "audited 2024 financial statements (or investor filings) splitting compute for training and inference, staff and other costs",
        "test-time.debate_numbers (what a 3.8e25-FLOP run and o1's premium cost at list prices)",
    ),
    QuotedClaim(
        "YouTube's speech could supply a large share of new training tokens (how much of it is usable speech)",
        "no published measurement of the usable (clear, transcribable) speech share of YouTube; the quoted scale figure is "
        "'more than 500 hours of video uploaded every minute' (a platform statement)",
        "YouTube / Google statements (2019 onward), as quoted in press coverage; Whisper's 680,000 hours of weakly supervised "
        "audio (Radford et al. 2022, arXiv:2212.04356) is the largest published speech training set",
        "no sample of YouTube audio with speech detection is open; the data wall finding counts text stocks only",
        "a random, duration-weighted sample of YouTube videos with voice-activity detection, language ID and transcript "
        "quality, to turn hours uploaded into usable tokens",
        "data.wall (text stocks)",
    ),
    QuotedClaim(
        "Data filtering reaches equal quality with less data (DCLM)",
        "DCLM-Baseline 7B: 64% 5-shot MMLU after 2.6T tokens, 6.6 points above MAP-Neo with 40% less compute; comparable to "
        "Mistral-7B-v0.3 and Llama 3 8B on MMLU (63% and 66%) and similar on 53 tasks with 6.6x less compute than Llama 3 8B",
        "Li et al. (2024), 'DataComp-LM: In search of the next generation of training sets for language models', "
        "arXiv:2406.11794 (abstract)",
        "the comparisons are between different models (architectures, token counts, recipes); DCLM's per-run results at each "
        "scale are not in the mirror",
        "matched runs (same model, same compute) on filtered and unfiltered pools at several scales, with held-out loss and scores, "
        "to fit how the filter's gain scales",
        "pretraining.repetition (data-constrained law on datablations runs)",
    ),
)


@dataclass(frozen=True)
class UnmeasuredClaims(DecidedResult):
    """The claims without open data, as one table; verdict "inconclusive" by rule ``economics.quoted_claim``."""

    FINDING_KEY = KEY_UNMEASURED
    QUESTION = "test-time"

    claims: tuple[QuotedClaim, ...] = QUOTED_CLAIMS
    decision: Decision = field(default_factory=lambda: rule("economics.quoted_claim").decide(None, None), repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The claims as rows, with the rule's decision."""
        return {"claims": [c.row() for c in self.claims], "decision": self.decision.to_dict()}

    def sentence(self) -> str:
        return (f"{len(self.claims)} claims of the debate (poker search worth 100,000x scale, OpenAI's ~$10B costs, YouTube's usable speech, "
                "DCLM's equal quality with less data) have no open data here: the table quotes the best published figure of each, "
                "never as a measurement, and names the data that would settle it.")

    def method(self) -> str:
        return ("For each claim: the best figure we know of, with where it is printed, labelled quoted; why scalewatch cannot measure "
                "it; the data that would; the nearest finding of this report. " + decision_text(self.decision))

    def finding_parts(self) -> Mapping[str, Any]:
        return {
            "title": "Claims we could not measure",
            "tables": [("Claims without open data (figures quoted, not measured)", [c.row() for c in self.claims])],
            "citations": tuple(dict.fromkeys(c.citation for c in self.claims)),
            "notes": ["every figure in this table is the source's, not ours; none enters a verdict of the report"],
            "rule": self.decision,
        }


def unmeasured_claims() -> UnmeasuredClaims:
    """The table of :data:`QUOTED_CLAIMS`.

    Examples
    --------
    >>> unmeasured_claims().to_finding().verdict
    'inconclusive'
    """
    return UnmeasuredClaims()


@analysis(KEY_UNMEASURED, question="test-time", title="Claims we could not measure")
def unmeasured_claims_analysis(ctx: Any) -> Any:
    """The debate's claims without open data, with the best quoted figure of each."""
    return unmeasured_claims().to_finding()
