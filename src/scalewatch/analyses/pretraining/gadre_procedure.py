r"""Gadre et al.'s (2024) own loss extrapolation, repeated step by step on their released runs.

Their over-training law (arXiv:2403.08540) writes the loss of a run with
compute :math:`C = 6ND` and token multiplier :math:`M = D/N` (tokens per
parameter) as

.. math:: L(C, M) = E + \left(a M^{\eta} + b M^{-\eta}\right) C^{-\eta},

a Chinchilla law with one exponent for parameters and tokens. Their
repository (``mlfoundations/scaling``, ``scaling/shared.py`` and
``scaling/laws.py``, commit ``79adc26``, unchanged at ``a003c49``; its README:
"the default configurations from Table 2 in our paper") fits it per training
set to five runs: the 0.011B, 0.079B, 0.154B and 0.411B models at M = 20 and
the 0.011B model at M = 320, with the C4 validation loss, by least squares on
the loss (``scipy.optimize.curve_fit``, Levenberg-Marquardt) from a grid of
4 x 4 x 2 x 4 = 128 starts, keeping the fit of smallest residual RMS. The fit
is parametrised there as :math:`\alpha N^{\beta'} + \beta\, 6^{\beta'/2} (MN)^{\beta'} + E`,
which is the law above with :math:`\eta = -\beta'/2`, :math:`a = \alpha\,6^{\eta}`,
:math:`b = \beta`. The fitted law then predicts the 1.4B and 6.9B runs; the
error is :math:`|\hat L - L| / L`.

:data:`GADRE_REPO_PRINTED` holds the two relative errors that the authors'
notebook prints for RedPajama (the paper's Figure 1 targets); the paper's
own text could not be consulted here, so nothing from it is quoted.

References
----------
Gadre et al. (2024), "Language models scale reliably with over-training and on
downstream tasks", arXiv:2403.08540; code and data https://github.com/mlfoundations/scaling.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["GADRE_REPO_PRINTED", "GADRE_REPO_SOURCE", "GADRE_FIT_RUNS", "gadre_procedure", "gadre_loss"]

#: where the printed numbers are: the authors' notebook output, not the paper's text
GADRE_REPO_SOURCE = (
    "mlfoundations/scaling, scaling_explorer.ipynb, output of the cell '''reproduce figure 1''' (commit "
    "79adc26378fb1286fd9a31d0e40e86663d48dcf1, unchanged at a003c4913793ac2ae7ef87b28ecb562955d026d5)"
)

#: published (printed in the authors' repository, see GADRE_REPO_SOURCE): relative error of the C4 eval loss
#: predicted for the RedPajama targets, exactly as printed
GADRE_REPO_PRINTED: Mapping[str, Mapping[str, Any]] = MappingProxyType({
    "rpj 1.4B M=640": MappingProxyType({
        "train_dataset": "rpj", "model": "open_lm_1b", "tok_mult": 640.0, "value_pct": 0.7103,
        "text": "relative error predicting (open_lm_1b, M=640.0) C4 eval loss: 0.7103%",
    }),
    "rpj 6.9B M=20": MappingProxyType({
        "train_dataset": "rpj", "model": "open_lm_7b", "tok_mult": 20.0, "value_pct": 0.7320,
        "text": "relative error predicting (open_lm_7b, M=20.0) C4 eval loss: 0.7320%",
    }),
})

#: the five fitting runs of the authors' default configuration: (parameters, tokens per parameter)
GADRE_FIT_RUNS = ((10569312, 20.0), (78914048, 20.0), (153677376, 20.0), (411616256, 20.0), (10569312, 320.0))

#: the authors' start grid (alpha, beta, exponent, E) in their parametrisation
_STARTS = [(a, b, c, e) for a in (1e2, 3e2, 1e3, 3e3) for b in (1e2, 3e2, 1e3, 3e3) for c in (-0.1, -0.3) for e in (0.0, 1.0, 2.0, 10.0)]


def _repo_form(x: np.ndarray, alpha: float, beta: float, expo: float, E: float) -> np.ndarray:
    N, M = x
    return alpha * np.power(N, expo) + beta * np.power(6.0, expo / 2) * np.power(M * N, expo) + E


def gadre_loss(N: Any, M: Any, params: Mapping[str, float]) -> np.ndarray:
    r"""The over-training law :math:`E + (a M^{\eta} + b M^{-\eta}) C^{-\eta}` with :math:`C = 6 M N^2`.

    Parameters
    ----------
    N : array_like
        Parameters.
    M : array_like
        Tokens per parameter (D / N; 20 is compute-optimal).
    params : mapping
        ``E``, ``a``, ``b``, ``eta``.

    Returns
    -------
    numpy.ndarray
    """
    missing = sorted({"E", "a", "b", "eta"} - set(params))
    if missing:
        raise ValueError(f"gadre_loss(params=...) lacks {missing}; give E, a, b and eta (got {sorted(params)}).")
    N, M = np.asarray(N, float), np.asarray(M, float)
    C = 6.0 * M * N**2
    eta = float(params["eta"])
    return float(params["E"]) + (float(params["a"]) * M**eta + float(params["b"]) * M**-eta) * C**-eta


def _fit(N: np.ndarray, M: np.ndarray, y: np.ndarray) -> tuple[dict[str, float], float]:
    from scipy.optimize import curve_fit

    best, best_rms = None, math.inf
    x = np.vstack([N, M]).astype(np.float64)
    for p0 in _STARTS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                p, _ = curve_fit(_repo_form, x, y, p0=p0, maxfev=10000)
            except (RuntimeError, ValueError):
                continue
            r = y - _repo_form(x, *p)
        rms = float(np.sqrt(np.sum(r**2) / (r.size - 2)))
        if np.isfinite(rms) and rms < best_rms:
            best, best_rms = p, rms
    if best is None:
        raise RuntimeError("gadre_procedure: no start of the authors' grid converged on these runs.")
    alpha, beta, expo, E = (float(v) for v in best)
    eta = -expo / 2
    return {"E": E, "a": alpha * 6.0**eta, "b": beta, "eta": eta}, best_rms


def gadre_procedure(df: pd.DataFrame, *, min_target_params: float = 1e9) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit Gadre et al.'s law to their five default runs per training set and predict the large runs.

    Parameters
    ----------
    df : DataFrame
        Gadre et al.'s runs: ``train_dataset``, ``params``, ``tokens``, ``loss`` (C4 validation),
        ``chinchilla_multiplier`` (tokens per parameter / 20).
    min_target_params : float, default 1e9
        Runs with at least this many parameters are predicted (the 1.4B and 6.9B models).

    Returns
    -------
    fits : pandas.DataFrame
        One row per training set: ``E``, ``a``, ``b``, ``eta``, ``rms`` (residual RMS with n - 2 degrees
        of freedom, as the authors select), ``n_fit``.
    predictions : pandas.DataFrame
        One row per target run: ``train_dataset``, ``params``, ``tokens``, ``tok_mult``, ``observed``,
        ``predicted``, ``rel_error_pct`` (100 |predicted - observed| / observed, the authors' measure),
        ``signed_error_pct``, ``published_pct`` (the authors' printed value where there is one, else NaN).

    Raises
    ------
    ValueError
        A column is missing, or a training set lacks one of the five fitting runs.
    """
    need = {"train_dataset", "params", "tokens", "loss", "chinchilla_multiplier"}
    missing = sorted(need - set(df.columns))
    if missing:
        raise ValueError(f"gadre_procedure(df): missing columns {missing}; it needs {sorted(need)} (Gadre et al.'s runs, "
                         "as pretraining.data.gadre_runs gives them).")
    printed = {(v["train_dataset"], v["tok_mult"], v["model"]): v["value_pct"] for v in GADRE_REPO_PRINTED.values()}
    fit_rows, pred_rows = [], []
    for name, q in df.groupby("train_dataset", sort=True):
        tm = 20.0 * q["chinchilla_multiplier"].to_numpy(float)
        N = q["params"].to_numpy(float)
        sel = np.zeros(len(q), bool)
        for n, m in GADRE_FIT_RUNS:
            hit = (N == float(n)) & np.isclose(tm, m)
            if hit.sum() != 1:
                raise ValueError(f"gadre_procedure: training set {name!r} has {int(hit.sum())} runs with N = {n} and "
                                 f"M = {m:g} tokens per parameter; the authors' fit needs exactly one of each of "
                                 f"{list(GADRE_FIT_RUNS)}.")
            sel |= hit
        y = q["loss"].to_numpy(float)
        par, rms = _fit(N[sel], tm[sel], y[sel])
        fit_rows.append({"train_dataset": str(name), **par, "rms": rms, "n_fit": int(sel.sum())})
        tgt = N >= min_target_params
        pred = gadre_loss(N[tgt], tm[tgt], par)
        for n, t, m, obs, pr in zip(N[tgt], q["tokens"].to_numpy(float)[tgt], tm[tgt], y[tgt], pred):
            model = "open_lm_7b" if n > 5e9 else "open_lm_1b"
            pred_rows.append({
                "train_dataset": str(name), "params": float(n), "tokens": float(t), "tok_mult": float(m),
                "observed": float(obs), "predicted": float(pr), "rel_error_pct": float(100 * abs(pr - obs) / obs),
                "signed_error_pct": float(100 * (pr - obs) / obs),
                "published_pct": float(printed.get((str(name), float(m), model), math.nan)),
            })
    return pd.DataFrame(fit_rows), pd.DataFrame(pred_rows)
