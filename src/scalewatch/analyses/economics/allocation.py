"""Inference-aware allocation (Sardana et al. 2024): the model size that minimises training plus inference compute."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from scalewatch.analyses.economics.assumptions import _positive
from scalewatch.findings import Result

__all__ = ["HOFFMANN_2022", "InferenceAwareAllocation", "inference_aware_allocation"]


#: Chinchilla's fitted law, Hoffmann et al. (2022) eq. 10 (Approach 3), as used by Sardana et al.
HOFFMANN_2022: Mapping[str, float] = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


@dataclass(frozen=True)
class InferenceAwareAllocation(Result):
    """The (N, D) that reach a loss with the least training plus lifetime-inference FLOP, against Chinchilla's.

    Attributes
    ----------
    loss : float
        Target loss (nats/token).
    inference_tokens : float
        Tokens processed over the model's lifetime.
    n, d : float
        Inference-aware optimum: parameters and training tokens.
    train_flop, inference_flop, total_flop : float
        6 N D, 2 N D_inf and their sum at the optimum.
    chinchilla_n, chinchilla_d, chinchilla_total_flop : float
        The training-compute-optimal (N, D) at the same loss, and its total
        with the same inference demand.
    saving_flop, saving_share : float
        Total FLOP saved against Chinchilla-optimal, absolute and as a share.
    law : dict
        Constants of L(N, D) = E + A N^-alpha + B D^-beta.
    """

    loss: float
    inference_tokens: float
    n: float
    d: float
    train_flop: float
    inference_flop: float
    total_flop: float
    chinchilla_n: float
    chinchilla_d: float
    chinchilla_total_flop: float
    saving_flop: float
    saving_share: float
    law: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "law"}
        d["law"] = dict(self.law)
        d["formula"] = "min over N of 6 N D(N) + 2 N D_inf subject to E + A N^-alpha + B D^-beta = loss"
        return d

    def report(self) -> str:
        return "\n".join([
            f"[[Inference-aware allocation]] loss {self.loss:.4f}, {self.inference_tokens:.3g} inference tokens",
            f"    optimum       N = {self.n:.4g}, D = {self.d:.4g} ({self.d / self.n:.0f} tokens/param)",
            f"    FLOP          train {self.train_flop:.4g} + inference {self.inference_flop:.4g} = {self.total_flop:.4g}",
            f"    Chinchilla    N = {self.chinchilla_n:.4g}, D = {self.chinchilla_d:.4g}: total {self.chinchilla_total_flop:.4g}",
            f"    saving        {self.saving_flop:.4g} FLOP ({100 * self.saving_share:.1f}%)",
        ])


def _tokens_for_loss(N: np.ndarray, loss: float, p: Mapping[str, float]) -> np.ndarray:
    gap = loss - p["E"] - p["A"] * N ** (-p["alpha"])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap > 0, (p["B"] / gap) ** (1.0 / p["beta"]), np.inf)


def inference_aware_allocation(
    loss: float | None = None,
    inference_tokens: float = 0.0,
    *,
    law: Mapping[str, float] = HOFFMANN_2022,
    reference_params: float | None = None,
) -> InferenceAwareAllocation:
    r"""Minimise training plus lifetime inference FLOP at a fixed loss (Sardana et al. 2024).

    .. math:: \min_N\ 6 N D(N) + 2 N D_{inf},\quad
              D(N) = \Bigl(\frac{B}{\ell - E - A N^{-\alpha}}\Bigr)^{1/\beta}

    Parameters
    ----------
    loss : float, optional
        Target loss; or give ``reference_params`` instead.
    inference_tokens : float, default 0
        Lifetime inference tokens :math:`D_{inf}` (0 gives Chinchilla's optimum).
    law : mapping, default :data:`HOFFMANN_2022`
        ``E, A, B, alpha, beta`` of a Chinchilla-form law (e.g. a
        ``scalewatch.fit`` result's ``params``).
    reference_params : float, optional
        Use the loss of the Chinchilla-optimal model with this many parameters
        (Sardana et al.'s framing: "a 13B-quality model").

    Returns
    -------
    InferenceAwareAllocation

    Raises
    ------
    ValueError
        A loss at or below E (unreachable), neither or both of ``loss`` and
        ``reference_params``.

    References
    ----------
    Sardana, Portes, Doubov & Frankle (2024), arXiv:2401.00448, Fig. 1
    (there: 13B-quality with 2T inference tokens -> a 7B model, 17% fewer FLOP,
    with the authors' own fitted constants; with Hoffmann et al.'s constants the
    optimum is 8.0B and the saving 10%).

    Examples
    --------
    >>> a = inference_aware_allocation(reference_params=13e9, inference_tokens=2e12)
    >>> round(a.chinchilla_n / 1e9, 1), round(a.n / 1e9, 1), round(100 * a.saving_share, 1)
    (13.0, 8.0, 10.1)
    """
    from scipy.optimize import minimize_scalar

    func = "inference_aware_allocation"
    missing = sorted({"E", "A", "B", "alpha", "beta"} - set(law))
    if missing:
        raise ValueError(f"{func}(law=...) needs E, A, B, alpha and beta; missing {missing}.")
    p = {k: float(law[k]) for k in ("E", "A", "B", "alpha", "beta")}
    if not (isinstance(inference_tokens, (int, float)) and inference_tokens >= 0):
        raise ValueError(f"{func}(inference_tokens={inference_tokens!r}) must be a number of tokens >= 0.")
    a_exp = p["beta"] / (p["alpha"] + p["beta"])
    G = (p["alpha"] * p["A"] / (p["beta"] * p["B"])) ** (1.0 / (p["alpha"] + p["beta"]))
    if (loss is None) == (reference_params is None):
        raise ValueError(f"{func}: give either loss=... or reference_params=... (the Chinchilla-optimal model whose loss to match).")
    if reference_params is not None:
        N0 = _positive(reference_params, "reference_params", func)
        D0 = (N0 / G) ** (1.0 / a_exp) / N0  # Chinchilla-optimal: N = G (C/6)^a, D = (C/6) / N
        loss = p["E"] + p["A"] * N0 ** -p["alpha"] + p["B"] * D0 ** -p["beta"]
    ell = float(loss)  # type: ignore[arg-type]
    if ell <= p["E"]:
        raise ValueError(f"{func}(loss={ell}) is at or below the irreducible loss E={p['E']}; no model reaches it.")
    n_min = (p["A"] / (ell - p["E"])) ** (1.0 / p["alpha"])  # below this N even infinite data falls short

    def total(log_n: float, d_inf: float) -> float:
        N = math.exp(log_n)
        return float(6.0 * N * _tokens_for_loss(np.array(N), ell, p) + 2.0 * N * d_inf)

    bounds = (math.log(n_min) + 1e-9, math.log(n_min) + 40.0)
    best = minimize_scalar(total, bounds=bounds, args=(float(inference_tokens),), method="bounded", options={"xatol": 1e-10})
    chin = minimize_scalar(total, bounds=bounds, args=(0.0,), method="bounded", options={"xatol": 1e-10})
    N, Nc = math.exp(best.x), math.exp(chin.x)
    D, Dc = float(_tokens_for_loss(np.array(N), ell, p)), float(_tokens_for_loss(np.array(Nc), ell, p))
    tot_c = 6.0 * Nc * Dc + 2.0 * Nc * inference_tokens
    tot = 6.0 * N * D + 2.0 * N * inference_tokens
    return InferenceAwareAllocation(
        loss=ell, inference_tokens=float(inference_tokens), n=N, d=D, train_flop=6.0 * N * D, inference_flop=2.0 * N * inference_tokens,
        total_flop=tot, chinchilla_n=Nc, chinchilla_d=Dc, chinchilla_total_flop=tot_c, saving_flop=tot_c - tot,
        saving_share=(tot_c - tot) / tot_c, law=p,
    )
