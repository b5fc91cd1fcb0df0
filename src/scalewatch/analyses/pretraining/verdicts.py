"""The written verdict rule of the wall test: :func:`wall_verdict` (the other pretraining rules live in findings.rules)."""

from __future__ import annotations

from scalewatch.analyses.pretraining._common import _FEW_RUNS

__all__ = ["wall_verdict"]


def wall_verdict(
    *,
    n_test: int,
    heldout_excess: float,
    heldout_p: float,
    top_excess: float,
    top_p: float,
    break_detected: bool = False,
    level: float = 0.05,
    min_test: int = 5,
    n_fit: int | None = None,
    n_params: int | None = None,
    min_fit_per_param: float = 3.0,
) -> tuple[str, str]:
    """The verdict of a wall test from its numbers (p-values), with the reason in words.

    The report's wall test is decided by :func:`~scalewatch.analyses.pretraining.wall_decision` (written rules
    with margins, calibrated intervals and the robust break test); this p-value rule is kept for the over-training
    and repetition tests' reports and for users' own numbers.

    Parameters
    ----------
    n_test : int
        Held-out runs (at the cut-off holding out the most).
    heldout_excess, heldout_p : float
        Mean held-out excess (percent) and its one-sided p-value for
        "systematically above the law" (already corrected for several cut-offs).
    top_excess, top_p : float
        The same for the runs at the top of the range.
    break_detected : bool
        The calibrated break test's decision.
    level : float
        Significance level.
    min_test : int
        Fewest held-out runs for a verdict other than "inconclusive".
    n_fit, n_params : int, optional
        Runs in the smallest fit behind the test, and the law's parameters.
    min_fit_per_param : float, default 3
        With fewer fitted runs per parameter the verdict is "inconclusive" (the
        reason says what the numbers alone would give): a bootstrap of so few
        runs often draws no more distinct runs than parameters, and its
        interval then follows the solver's path along flat directions rather
        than the data.

    Returns
    -------
    verdict : str
        One of :data:`VERDICTS`.
    reason : str
        Which rule fired.

    Examples
    --------
    >>> wall_verdict(n_test=3, heldout_excess=0.0, heldout_p=0.5, top_excess=0.0, top_p=0.5)[0]
    'inconclusive'
    >>> wall_verdict(n_test=40, heldout_excess=2.0, heldout_p=0.001, top_excess=3.0, top_p=0.01, break_detected=True)[0]
    'breaks'
    >>> wall_verdict(n_test=40, heldout_excess=0.1, heldout_p=0.4, top_excess=2.5, top_p=0.01)[0]
    'bends'
    >>> wall_verdict(n_test=40, heldout_excess=-1.0, heldout_p=0.99, top_excess=-0.5, top_p=0.9)[0]
    'holds'
    >>> wall_verdict(n_test=40, heldout_excess=0.1, heldout_p=0.4, top_excess=2.5, top_p=0.01, n_fit=10, n_params=5)[0]
    'inconclusive'
    """
    if not (0 < level < 1):
        raise ValueError(f"wall_verdict(level={level!r}); use a probability between 0 and 1.")
    if n_fit is not None and n_params is not None and n_fit < min_fit_per_param * n_params:
        verdict, reason = wall_verdict(
            n_test=n_test, heldout_excess=heldout_excess, heldout_p=heldout_p, top_excess=top_excess, top_p=top_p,
            break_detected=break_detected, level=level, min_test=min_test,
        )
        if verdict == "inconclusive":
            return verdict, reason
        return "inconclusive", (
            f"the numbers alone would read '{verdict}' ({reason}), but {_FEW_RUNS} has only {n_fit} runs for "
            f"{n_params} parameters, fewer than {min_fit_per_param:g} per parameter: its bootstrap resamples often "
            "hold no more distinct runs than parameters, so the interval is not a reliable measure of the uncertainty"
        )
    if n_test < min_test:
        return "inconclusive", f"only {n_test} held-out run(s), fewer than the {min_test} a verdict needs"
    top_sig = bool(top_excess > 0 and top_p < level)
    held_sig = bool(heldout_excess > 0 and heldout_p < level)
    if break_detected and top_sig:
        return "breaks", (
            f"a break is detected (significant and better out of sample) and the top runs sit {top_excess:+.2f}% "
            f"above the law (p = {top_p:.3g} < {level:g})"
        )
    if top_sig or held_sig:
        parts = []
        if top_sig:
            parts.append(f"the top runs sit {top_excess:+.2f}% above the law (p = {top_p:.3g})")
        if held_sig:
            parts.append(f"held-out runs sit {heldout_excess:+.2f}% above the prediction (p = {heldout_p:.3g})")
        tail = "" if not break_detected else " (a break was detected, but the top runs are not above the law)"
        return "bends", " and ".join(parts) + ", with no detected break" + tail
    return "holds", f"no systematic positive excess (held-out p = {heldout_p:.3g}, top p = {top_p:.3g})"
