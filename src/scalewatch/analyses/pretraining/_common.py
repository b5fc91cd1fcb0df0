"""Shared pieces of the pretraining findings: law names, citations, published constants, numbers and tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scalewatch.findings import Number, finite
from scalewatch.plots import floats

__all__ = [
    "VERDICTS",
    "CITATIONS",
    "PUBLISHED_R_D_STAR",
    "PUBLISHED_R_N_STAR",
    "KAPLAN_A",
    "CHINCHILLA_A",
    "PORIAN_KAPLAN_A",
    "chinchilla_bootstrap",
    "CHINCHILLA_N_BOOT",
]


VERDICTS = ("holds", "beats the law", "falls short of the law", "bends", "breaks", "inconclusive")


#: how the laws are named in sentences and titles
_DISPLAY: Mapping[str, str] = {
    "chinchilla": "Chinchilla",
    "kaplan_nd": "Kaplan L(N, D)",
    "data_constrained": "data-constrained",
    "saturating": "saturating power",
    "broken": "broken power",
    "broken2": "two-break power",
}


def _display(law: str) -> str:
    return _DISPLAY.get(law, law)


#: Muennighoff et al. (2023), sec. 5 / README of github.com/huggingface/datablations (C4 fit).
PUBLISHED_R_D_STAR = 15.4


PUBLISHED_R_N_STAR = 5.3


#: compute-optimal exponents a of N_opt ~ C^a: Kaplan et al. (2020) sec. 6.1 (0.73), Hoffmann et al. (2022)
#: Table 2 (0.50, 0.49, 0.46 for Approaches 1-3), Porian et al. (2024) Figure 1 (their reproduction of Kaplan: 0.88)
KAPLAN_A = 0.73


CHINCHILLA_A = 0.5


PORIAN_KAPLAN_A = 0.88


CITATIONS: Mapping[str, str] = {
    "hoffmann2022": "Hoffmann et al. (2022), 'Training Compute-Optimal Large Language Models', arXiv:2203.15556",
    "kaplan2020": "Kaplan et al. (2020), 'Scaling Laws for Neural Language Models', arXiv:2001.08361",
    "besiroglu2024": "Besiroglu et al. (2024), 'Chinchilla Scaling: A replication attempt', arXiv:2404.10102",
    "caballero2022": "Caballero et al. (2022), 'Broken Neural Scaling Laws', arXiv:2210.14891",
    "gadre2024": "Gadre et al. (2024), 'Language models scale reliably with over-training and on downstream tasks', arXiv:2403.08540",
    "muennighoff2023": "Muennighoff et al. (2023), 'Scaling Data-Constrained Language Models', arXiv:2305.16264",
    "porian2024": "Porian et al. (2024), 'Resolving Discrepancies in Compute-Optimal Scaling of Language Models', arXiv:2406.19146",
    "andrews1993": "Andrews (1993), 'Tests for parameter instability and structural change with unknown change point', Econometrica 61(4)",
    "hansen1996": "Hansen (1996), 'Inference when a nuisance parameter is not identified under the null hypothesis', Econometrica 64(2)",
    "tashman2000": "Tashman (2000), 'Out-of-sample tests of forecasting accuracy: an analysis and review', Int. J. Forecasting 16(4)",
    "efron1993": "Efron & Tibshirani (1993), 'An Introduction to the Bootstrap', Chapman & Hall",
}


#: marks the reason of a verdict withheld for too few fitted runs per parameter
_FEW_RUNS = "the smallest fit behind these numbers"


def _errors(y: Any, lo: Any, hi: Any) -> dict[str, Any]:
    """A plotly ``error_y`` for intervals [lo, hi] around y."""
    y, lo, hi = (np.asarray(v, dtype=float) for v in (y, lo, hi))
    return {"type": "data", "symmetric": False, "array": floats(hi - y), "arrayminus": floats(y - lo), "thickness": 1.5, "width": 3}


def _number(name: str, value: Any, low: Any = None, high: Any = None, unit: str = "", note: str = "", ci: float = 0.95) -> Number:
    """A :class:`~scalewatch.findings.Number`; without an interval the note says what the number is."""
    lo, hi = finite(low), finite(high)
    if lo is None or hi is None:
        lo = hi = None
    v = finite(value)
    if (lo is None or v is None) and not note:
        note = "a point estimate" if v is not None else "not estimable on these runs"
    return Number(name, v, lo, hi, unit, ci if lo is not None else None, note)


def _pvalue_upper(observed: float, draws: np.ndarray) -> float:
    """One-sided p-value of ``observed`` against draws under the law (upper tail)."""
    return float((1 + np.sum(draws >= observed)) / (draws.size + 1))


def _offset_interval(observed: float, draws: np.ndarray, ci: float) -> tuple[float, float]:
    """Interval of the systematic offset: observed minus the central range of the null draws."""
    a = 1 - ci
    lo, hi = np.quantile(draws, [a / 2, 1 - a / 2])
    return float(observed - hi), float(observed - lo)


_LOSS_LABEL = "Huber (delta=0.001) on log residuals"




#: bootstrap resamples of the report's one Chinchilla fit to Hoffmann et al.'s runs (full, fast); every finding
#: that quotes its constants or the compute-optimal exponent a takes them from :func:`chinchilla_bootstrap`
CHINCHILLA_N_BOOT = (1000, 200)


#: (data digest, n_boot, seed, ci) -> (FitResult, BootstrapResult): one bootstrap per fit in a report
_BOOTSTRAPS: dict[tuple[Any, ...], tuple[Any, Any]] = {}


def chinchilla_bootstrap(N: Any, D: Any, L: Any, *, n_boot: int, seed: int | None, ci: float = 0.95) -> tuple[Any, Any]:
    """Chinchilla's law fitted to runs ``(N, D, L)`` and bootstrapped once per process: every finding that quotes it shares it.

    The compute-optimal exponent :math:`a = \\beta / (\\alpha + \\beta)` is a derived quantity of every resample, so
    a report that quotes ``a`` from these runs gives it one interval (issue 16, item 6). The runs are put in a canonical
    order (by N, D, L) and the result is cached by a digest of them, ``n_boot``, ``seed`` and ``ci``: callers with the
    same runs in any order get the same fit and resamples; ``seed`` must be an int (or None: not cached). The report's
    resample count is :data:`CHINCHILLA_N_BOOT`.

    Parameters
    ----------
    N, D, L : array-like
        Parameters, tokens and final loss of the runs the law is fitted to.
    n_boot : int
        Bootstrap resamples of runs (the finding states the count).
    seed : int or None
        Seed of the fit's multi-start search and of the bootstrap.
    ci : float, default 0.95
        Level of the percentile intervals.

    Returns
    -------
    (FitResult, BootstrapResult)
        The fit (Huber loss on log residuals, as Besiroglu et al. 2024) and its bootstrap, with ``"a"`` derived.

    References
    ----------
    Efron & Tibshirani (1993), An Introduction to the Bootstrap (percentile intervals).
    """
    import hashlib

    from scalewatch.fitting import bootstrap, fit
    from scalewatch.laws import Chinchilla

    arrays = [np.asarray(v, dtype=np.float64).ravel() for v in (N, D, L)]
    order = np.lexsort((arrays[2], arrays[1], arrays[0]))  # the same runs in any order are the same fit
    arrays = [np.ascontiguousarray(a[order]) for a in arrays]
    digest = hashlib.sha256(b"".join(a.tobytes() for a in arrays)).hexdigest()
    key = (digest, int(n_boot), seed, float(ci))
    if seed is not None and key in _BOOTSTRAPS:
        return _BOOTSTRAPS[key]
    rng = np.random.default_rng(seed)
    result = fit(Chinchilla(), {"N": arrays[0], "D": arrays[1], "loss": arrays[2]}, seed=rng)
    boot = bootstrap(result, int(n_boot), ci=ci, seed=rng, derived={"a": lambda p: p["beta"] / (p["alpha"] + p["beta"])})
    if seed is not None:
        _BOOTSTRAPS[key] = (result, boot)
    return result, boot
