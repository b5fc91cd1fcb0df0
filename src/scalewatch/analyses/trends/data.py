"""The histories the plateau study backtests: microprocessors, frontier compute and a stitched capability index."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scalewatch.analyses.trends.series import TrendSeries, as_series, top_k_at_release, year_fraction

__all__ = [
    "microprocessor_series",
    "frontier_compute_series",
    "stitch_capabilities",
    "capability_series",
    "Stitched",
]


_MICRO_LABELS = {
    "frequency_mhz": ("CPU clock frequency", "MHz"),
    "specint_x1000": ("single-thread performance (SPECint x 10^3)", "SPECint x 10^3"),
    "transistors_thousands": ("transistors per microprocessor (thousands)", "thousands"),
    "typical_power_w": ("typical microprocessor power", "W"),
    "logical_cores": ("logical cores per microprocessor", "count"),
}


def microprocessor_series(metric: str = "frequency_mhz") -> TrendSeries:
    """One metric of microprocessor-trend-data (Horowitz et al.; K. Rupp) as a log-scale series."""
    from scalewatch.data.datasets import load

    if metric not in _MICRO_LABELS:
        raise ValueError(f"microprocessor_series(metric={metric!r}); metrics: {list(_MICRO_LABELS)}.")
    table = load("microprocessor-trend-data").tables["series"]
    rows = table[table["metric"] == metric]
    label, unit = _MICRO_LABELS[metric]
    s = as_series(rows, date_column="year", value_column="value", scale="log", label=label, unit=unit)
    return TrendSeries(
        t=s.t,
        y=s.y,
        scale="log",
        label=label,
        unit=unit,
        t_ref=s.t_ref,
        notes=(
            "microprocessor-trend-data: data up to 2010 by M. Horowitz, F. Labonte, O. Shacham, K. Olukotun, "
            "L. Hammond and C. Batten; 2010-2021 by K. Rupp (CC BY 4.0)",
        ),
    )


def frontier_compute_series(*, top_k: int = 10, start: float = 2010.0, domain: str | None = None) -> TrendSeries:
    """Training compute (FLOP) of frontier models: the top ``top_k`` by compute at their release.

    Parameters
    ----------
    top_k : int, default 10
        Frontier definition of Epoch AI (2024): top 10 by training compute at release.
    start : float, default 2010.0
        First year kept (the deep-learning era; Sevilla et al. 2022).
    domain : str, optional
        Keep models whose ``domain`` lists this (e.g. "Language"); default all.
    """
    from scalewatch.data.datasets import load

    m = load("epoch-ai-models").tables["models"]
    m = m[m["training_compute"].notna() & m["publication_date"].notna()]
    if domain is not None:
        m = m[m["domain"].fillna("").str.split(",").map(lambda parts: domain in [p.strip() for p in parts])]
    t = year_fraction(m["publication_date"])
    c = m["training_compute"].to_numpy(dtype=np.float64)
    keep = top_k_at_release(t, c, top_k) & (t >= start)
    label = f"training compute of frontier {'AI' if domain is None else domain.lower()} models (top {top_k} at release)"
    frame = pd.DataFrame({"year": t[keep], "compute": c[keep]})
    s = as_series(frame, date_column="year", value_column="compute", scale="log", label=label, unit="FLOP")
    return TrendSeries(
        t=s.t,
        y=s.y,
        scale="log",
        label=label,
        unit="FLOP",
        t_ref=s.t_ref,
        notes=(
            f"epoch-ai-models (Epoch AI, June 2025 snapshot): {int(keep.sum())} models with training compute from {start:g}, "
            f"each in the top {top_k} by compute among models released on or before its date",
        ),
    )


# upstream benchmark-stitching data_loader.py corrects these release dates (typos upstream)
_DATE_FIXES = {"gemini-exp-1206": "2024-12-06", "LLaMA-13B": "2023-02-24", "LLaMA-33B": "2023-02-24"}


@dataclass(frozen=True, eq=False)
class Stitched:
    """Capabilities of model versions on a common latent scale (a stitched index)."""

    capabilities: pd.DataFrame  # version, model, release_date, year, capability, n_benchmarks
    benchmarks: pd.DataFrame  # benchmark, difficulty, slope, n_models
    anchor: str
    n_scores: int
    cost: float
    n_iter: int
    converged: bool


def _stitch_fit(mi: np.ndarray, bi: np.ndarray, y: np.ndarray, M: int, B: int, anchor: int, max_iter: int = 400, ridge: float = 0.0):
    r"""Least squares of :math:`\sigma(\alpha_b (C_m - D_b))` on scores, anchor benchmark D = 0, alpha = 1.

    Levenberg-Marquardt on the normal equations, with the capabilities C
    eliminated by their Schur complement: their block of the Gauss-Newton
    matrix is diagonal (each score involves one model), so every step solves
    one (2B - 2)-square system instead of an (M + 2B - 2)-square one.
    """
    from scipy import sparse

    free = np.array([b for b in range(B) if b != anchor])
    col = np.full(B, -1)
    col[free] = np.arange(free.size)
    nb = free.size
    rows = np.arange(y.size)
    m_ok = bi != anchor

    def unpack(p):
        C = p[:M]
        D = np.zeros(B)
        D[free] = p[M : M + nb]
        a = np.ones(B)
        a[free] = p[M + nb :]
        return C, D, a

    prior = np.concatenate([np.zeros(M + nb), np.ones(nb)])  # ridge centre: C = D = 0, alpha = 1

    def cost(p):
        C, D, a = unpack(p)
        r = 0.5 * (1.0 + np.tanh(0.5 * a[bi] * (C[mi] - D[bi]))) - y
        return 0.5 * float(r @ r) + 0.5 * ridge * float(np.sum((p - prior) ** 2))

    def linear(p):
        C, D, a = unpack(p)
        s = 0.5 * (1.0 + np.tanh(0.5 * a[bi] * (C[mi] - D[bi])))
        g = s * (1.0 - s)
        jc = g * a[bi]  # d r / d C_m
        jd = -jc  # d r / d D_b
        ja = g * (C[mi] - D[bi])  # d r / d alpha_b
        r = s - y
        JB = sparse.csr_matrix(
            (np.concatenate([jd[m_ok], ja[m_ok]]), (np.concatenate([rows[m_ok], rows[m_ok]]), np.concatenate([col[bi][m_ok], nb + col[bi][m_ok]]))),
            shape=(y.size, 2 * nb),
        )
        JC = sparse.csr_matrix((jc, (rows, mi)), shape=(y.size, M))
        hcc = np.bincount(mi, weights=jc * jc, minlength=M)
        # sparse products throughout: dense BLAS calls of this size are slow on busy shared
        # machines (multithreaded OpenBLAS contends with other processes)
        hcb = (JC.T @ JB).tocsr()
        hbb = (JB.T @ JB).toarray()
        gc = np.bincount(mi, weights=jc * r, minlength=M) + ridge * (p[:M] - prior[:M])
        gb = JB.T @ r + ridge * (p[M:] - prior[M:])
        return r, hcc + ridge, hcb, hbb + ridge * np.eye(2 * nb), gc, gb

    p = np.concatenate([np.zeros(M), np.zeros(nb), np.ones(nb)])
    f = cost(p)
    lam, converged, it = 1e-3, False, 0
    for it in range(1, max_iter + 1):
        r, hcc, hcb, hbb, gc, gb = linear(p)
        dbb = np.diag(hbb).copy()
        while True:
            dc = hcc * (1.0 + lam) + 1e-12
            S = hbb + lam * np.diag(np.maximum(dbb, 1e-12)) - (hcb.T @ sparse.diags(1.0 / dc) @ hcb).toarray()
            rhs = -gb + hcb.T @ (gc / dc)
            try:
                db = np.linalg.solve(S, rhs)
            except np.linalg.LinAlgError:
                lam *= 10.0
                continue
            dcap = (-gc - hcb @ db) / dc
            pn = p + np.concatenate([dcap, db])
            fn = cost(pn)
            if fn <= f:
                lam = max(lam / 3.0, 1e-12)
                break
            lam *= 4.0
            if lam > 1e12:
                return p, f, it, True  # no further descent: a stationary point to working precision
        small = f - fn <= 1e-12 * max(f, 1e-300)
        p, f = pn, fn
        if small:
            converged = True
            break
    return p, f, it, converged


@functools.lru_cache(maxsize=4)
def stitch_capabilities(
    *, start: str = "2022-11-01", min_benchmarks: int = 4, anchor: str = "Winogrande", ridge: float = 1e-4
) -> Stitched:
    r"""A capability index from benchmark scores, as in Epoch AI's benchmark stitching.

    Every score of model m on benchmark b is modelled as
    :math:`\sigma(\alpha_b (C_m - D_b))` (capability C, difficulty D, slope
    :math:`\alpha`), fitted by least squares with the anchor benchmark fixed at
    D = 0, alpha = 1, as upstream's ``fit.py`` does. Data choices follow
    upstream's ``data_loader.py``: the benchmarks it uses, the maximum of
    repeated reports, model versions released on or after 2022-11-01 with
    scores on more than 3 benchmarks, its three release-date corrections and
    the exclusion of 'Mistral Large'.

    One departure: a weak ridge, ``ridge`` times half the squared distance of
    (C, D, alpha) from (0, 0, 1), is added to the least-squares cost. Without
    it the fit reproduces upstream's optimum (cost 3.4796 on this snapshot)
    only after ~500 iterations, while one benchmark with nearly constant
    scores drifts to a slope of 1e-4 and a difficulty of 1e4; with 1e-4 it
    converges in ~80 iterations and the ranking of the frontier is unchanged
    (the index shifts by a few tenths, a choice of origin on this latent
    scale).

    The index is in logit units of the anchor benchmark (Winogrande); it is
    not rescaled to Epoch's published ECI.
    """
    from scalewatch.data.datasets import load

    ds = load("epoch-benchmark-stitching")
    scores = ds.runs.scores
    versions = ds.tables["model_versions"][["version", "model", "release_date"]].copy()
    for v, d in _DATE_FIXES.items():
        versions.loc[versions["version"] == v, "release_date"] = pd.Timestamp(d)
    versions = versions[versions["model"] != "Mistral Large"]
    s = scores[scores["metric"] == "score"].copy()
    s["version"] = s["run_id"].str.split(":", n=1).str[1]
    s = s.merge(versions, on="version", how="inner")
    s = s[s["release_date"] >= pd.Timestamp(start)]
    count = s.groupby("version")["benchmark"].nunique()
    s = s[s["version"].isin(count[count >= min_benchmarks].index)]
    if anchor not in set(s["benchmark"]):
        raise ValueError(f"stitch_capabilities(anchor={anchor!r}): no scores on that benchmark; benchmarks: {sorted(set(s['benchmark']))}.")
    mi, model_ids = pd.factorize(s["version"], sort=True)
    bi, bench_ids = pd.factorize(s["benchmark"], sort=True)
    y = s["value"].to_numpy(dtype=np.float64)
    a_idx = list(bench_ids).index(anchor)
    p, cost, it, ok = _stitch_fit(mi, bi, y, len(model_ids), len(bench_ids), a_idx, max_iter=300, ridge=ridge)
    M, B = len(model_ids), len(bench_ids)
    C = p[:M]
    free = [b for b in range(B) if b != a_idx]
    D = np.zeros(B)
    D[free] = p[M : M + B - 1]
    a = np.ones(B)
    a[free] = p[M + B - 1 :]
    meta = versions.drop_duplicates("version").set_index("version")
    caps = pd.DataFrame(
        {
            "version": np.asarray(model_ids, dtype=object),
            "model": meta.loc[np.asarray(model_ids), "model"].to_numpy(),
            "release_date": meta.loc[np.asarray(model_ids), "release_date"].to_numpy(),
            "capability": C,
            "n_benchmarks": np.bincount(mi, minlength=M),
        }
    )
    caps["year"] = year_fraction(caps["release_date"])
    benches = pd.DataFrame({"benchmark": np.asarray(bench_ids, dtype=object), "difficulty": D, "slope": a, "n_models": np.bincount(bi, minlength=B)})
    return Stitched(caps.sort_values("release_date").reset_index(drop=True), benches, anchor, int(y.size), float(cost), int(it), bool(ok))


def capability_series(*, top_k: int = 3) -> TrendSeries:
    """The stitched capability index of frontier models (top ``top_k`` at release), linear scale."""
    st = stitch_capabilities()
    c = st.capabilities
    keep = top_k_at_release(c["year"].to_numpy(), c["capability"].to_numpy(), top_k)
    label = f"stitched capability index of frontier models (top {top_k} at release)"
    frame = pd.DataFrame({"year": c["year"][keep], "capability": c["capability"][keep]})
    s = as_series(frame, date_column="year", value_column="capability", scale="linear", label=label, unit="index (Winogrande logits)")
    return TrendSeries(
        t=s.t,
        y=s.y,
        scale="linear",
        label=label,
        unit=s.unit,
        t_ref=s.t_ref,
        notes=(
            f"epoch-benchmark-stitching: {st.n_scores} scores of {len(c)} model versions on {len(st.benchmarks)} benchmarks, "
            f"stitched as upstream's fit.py (anchor {st.anchor}); {int(keep.sum())} frontier versions",
        ),
    )
