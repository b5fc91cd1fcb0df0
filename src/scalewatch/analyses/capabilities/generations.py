r"""``capabilities.generation_gains``: is each flagship generation's jump smaller than the last?

The claim checked: "Orion's jump is far smaller than GPT-3 to GPT-4". For each
lab lineage with at least three flagship generations in the data (OpenAI
GPT-3 -> 3.5 -> 4 -> 4o -> 4.5, Anthropic Claude 2 -> 3 -> 3.5 -> 3.7, Google
PaLM -> PaLM 2 -> Gemini 1.5 Pro, Meta LLaMA -> Llama 2 -> 3 -> 3.1 -> 4,
DeepSeek LLM -> V2 -> V3) this module measures the capability gained per
generation and per decade of training compute.

Capability is the benchmark-stitching index (Epoch AI's "Rosetta Stone";
:func:`scalewatch.analyses.trends.stitch_capabilities`): every score is
:math:`\sigma(\alpha_b (C_m - D_b))`, fitted jointly over all model versions
from 2019 (the earliest dated versions; the trends finding starts in late
2022). With the benchmarks' difficulty :math:`D_b` and slope
:math:`\alpha_b` of that fit held fixed, each version's capability is
re-estimated from any weighted subset of its scores,

.. math:: \hat C_m(w) = \arg\min_C \sum_b w_b\,[\sigma(\alpha_b (C - D_b)) - y_{mb}]^2 + \tfrac{\lambda}{2} C^2,

which (at the joint optimum) gives back the stitched index for ``w = 1`` and
places versions the joint fit leaves out (GPT-3 ``davinci``, with two scores
and no release date) on the same scale. A bootstrap draw resamples the
benchmarks (weights = multiplicities; Efron & Tibshirani 1993), the versions
within each generation, and each generation's log10 training compute from a
normal distribution whose spread follows Epoch AI's confidence label (our
assumption: 0.1, 0.25, 0.5 decades for Confident, Likely, Speculative).

Domains: the same estimate with only the coding, only the maths, or only the
other ("language": knowledge, reading, reasoning) benchmarks, by upstream's
``is_coding`` and ``is_math`` flags, tests "better at language, not at
coding".

Verdict (rule ``capabilities.generation_gain``): for each lineage whose latest
generation has at least 0.3 decades more training compute than the one before
(a smaller step makes gain per decade a ratio of noise), the difference
``latest slope - earlier slope``, where the latest slope is the gain of the
last step per decade and the earlier slope is the least-squares slope of
capability on log10 compute over the earlier generations (which must span 0.3
decades); the lineages are pooled with inverse-variance weights and the pooled
difference is judged.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch import seeds
from scalewatch.analyses.capabilities._common import _PAPERS, QUESTION, _err, _n_boot
from scalewatch.findings import DecidedResult, Decision, Finding, Number, analysis, rule
from scalewatch.plots import PALETTE, figure, points

__all__ = ["LINEAGES", "COMPUTE_SD", "StitchedScores", "stitched_scores", "reestimate", "GenerationGains", "generation_gains",
           "report_generation_gains"]

#: lineage -> flagship generations: (label, model versions in epoch-benchmark-stitching, model in epoch-ai-models for compute)
LINEAGES: dict[str, tuple[tuple[str, tuple[str, ...], str], ...]] = {
    "OpenAI": (
        ("GPT-3", ("davinci", "text-davinci-001"), "GPT-3 175B (davinci)"),
        ("GPT-3.5", ("text-davinci-002", "text-davinci-003", "gpt-3.5-turbo-0613", "gpt-3.5-turbo-1106", "gpt-3.5-turbo-0125"), "GPT-3.5"),
        ("GPT-4", ("gpt-4-0314", "gpt-4-0613"), "GPT-4"),
        ("GPT-4o", ("gpt-4o-2024-05-13", "gpt-4o-2024-08-06", "gpt-4o-2024-11-20"), "GPT-4o"),
        ("GPT-4.5", ("gpt-4.5-preview-2025-02-27",), "GPT-4.5"),
    ),
    "Anthropic": (
        ("Claude 2", ("claude-2.0",), "Claude 2"),
        ("Claude 3 Opus", ("claude-3-opus-20240229",), "Claude 3 Opus"),
        ("Claude 3.5 Sonnet", ("claude-3-5-sonnet-20240620", "claude-3-5-sonnet-20241022"), "Claude 3.5 Sonnet"),
        ("Claude 3.7 Sonnet", ("claude-3-7-sonnet-20250219",), "Claude 3.7 Sonnet"),
    ),
    "Google": (
        ("PaLM", ("PaLM 540B",), "PaLM (540B)"),
        ("PaLM 2", ("PaLM 2-L",), "PaLM 2"),
        ("Gemini 1.5 Pro", ("gemini-1.5-pro-001", "gemini-1.5-pro-002"), "Gemini 1.5 Pro"),
    ),
    "Meta": (
        ("LLaMA", ("LLaMA-65B",), "LLaMA-65B"),
        ("Llama 2", ("Llama-2-70b-chat", "Llama-2-70b-chat-hf"), "Llama 2-70B"),
        ("Llama 3", ("Meta-Llama-3-70B-Instruct", "Meta-Llama-3-70B"), "Llama 3-70B"),
        ("Llama 3.1", ("Llama-3.1-405B-Instruct", "Llama-3.1-405B"), "Llama 3.1-405B"),
        ("Llama 4", ("Llama-4-Maverick-17B-128E-Instruct",), "Llama 4 Maverick"),
    ),
    "DeepSeek": (
        ("DeepSeek LLM", ("deepseek-llm-67b-chat",), "DeepSeek LLM 67B"),
        ("DeepSeek-V2", ("DeepSeek-V2",), "DeepSeek-V2 (MoE-236B)"),
        ("DeepSeek-V3", ("DeepSeek-V3",), "DeepSeek-V3"),
    ),
}

#: spread (sd, decades) of log10 training compute by Epoch AI's confidence label: our assumption, not Epoch's
COMPUTE_SD = {"Confident": 0.1, "Likely": 0.25, "Speculative": 0.5}

#: smallest step of log10 training compute (decades) for which a gain per decade is reported and judged
MIN_STEP = 0.3

_DOMAINS = ("all", "language", "coding", "math")
_GRID = np.linspace(-6.0, 10.0, 321)
_RIDGE = 1e-4


@dataclass(frozen=True, eq=False)
class StitchedScores:
    """Scores of chosen versions with the stitched benchmark parameters (rows sorted by version).

    Attributes
    ----------
    versions : tuple of str
    rows : pandas.DataFrame
        version, v (index into ``versions``), benchmark, b (index into ``benchmarks``), y, domain.
    benchmarks : pandas.DataFrame
        benchmark, difficulty, slope, domain.
    stitched : pandas.DataFrame
        The joint fit's capabilities (version, capability, release_date, n_benchmarks).
    """

    versions: tuple[str, ...]
    rows: pd.DataFrame
    benchmarks: pd.DataFrame
    stitched: pd.DataFrame


def _domain(is_coding: bool, is_math: bool) -> str:
    return "coding" if is_coding else "math" if is_math else "language"


def stitched_scores(versions: Any, *, start: str = "2019-01-01") -> StitchedScores:
    """The scores of ``versions`` on the benchmarks of the stitched index (fitted from ``start``).

    Parameters
    ----------
    versions : iterable of str
        Model versions of ``epoch-benchmark-stitching`` (``model_versions.version``).
    start : str, default "2019-01-01"
        First release date of the joint fit.
    """
    from scalewatch.analyses.trends import stitch_capabilities
    from scalewatch.data.datasets import load

    st = stitch_capabilities(start=start)
    ds = load("epoch-benchmark-stitching")
    flags = ds.tables["benchmarks"].set_index("benchmark")
    bm = st.benchmarks.copy()
    bm["domain"] = [_domain(bool(flags["is_coding"].get(b, False)), bool(flags["is_math"].get(b, False))) for b in bm["benchmark"]]
    s = ds.runs.scores
    s = s[s["metric"] == "score"].assign(version=lambda d: d["run_id"].str.split(":", n=1).str[1])
    vs = tuple(dict.fromkeys(versions))
    known = set(ds.tables["model_versions"]["version"])
    bad = [v for v in vs if v not in known]
    if bad:
        raise ValueError(f"stitched_scores: unknown model versions {bad}; see load('epoch-benchmark-stitching').tables['model_versions'].")
    s = s[s["version"].isin(vs) & s["benchmark"].isin(set(bm["benchmark"]))]
    s = s.groupby(["version", "benchmark"], as_index=False)["value"].max()
    b_idx = {b: i for i, b in enumerate(bm["benchmark"])}
    v_idx = {v: i for i, v in enumerate(vs)}
    rows = pd.DataFrame({"version": s["version"], "v": s["version"].map(v_idx), "benchmark": s["benchmark"],
                         "b": s["benchmark"].map(b_idx), "y": s["value"].astype(float)})
    rows["domain"] = bm["domain"].to_numpy()[rows["b"].to_numpy()]
    rows = rows.sort_values(["v", "b"]).reset_index(drop=True)
    return StitchedScores(vs, rows, bm.reset_index(drop=True), st.capabilities)


def _loss_table(sc: StitchedScores) -> np.ndarray:
    """Squared error of every score row at every grid capability (rows x grid)."""
    D = sc.benchmarks["difficulty"].to_numpy(float)[sc.rows["b"].to_numpy()]
    a = sc.benchmarks["slope"].to_numpy(float)[sc.rows["b"].to_numpy()]
    pred = 0.5 * (1.0 + np.tanh(0.5 * a[:, None] * (_GRID[None, :] - D[:, None])))
    return (pred - sc.rows["y"].to_numpy(float)[:, None]) ** 2


def reestimate(sc: StitchedScores, weights: np.ndarray, *, table: np.ndarray | None = None) -> np.ndarray:
    r"""Capability of every version from its weighted scores, benchmark parameters fixed.

    Minimises :math:`\sum_b w_b [\sigma(\alpha_b (C - D_b)) - y_b]^2 + \lambda C^2 / 2` (:math:`\lambda = 10^{-4}`, the
    stitched fit's ridge) on a grid of step 0.05, refined by the parabola through the three grid points around the
    minimum.

    Parameters
    ----------
    sc : StitchedScores
    weights : numpy.ndarray
        One weight per row of ``sc.rows`` (0 drops a score).
    table : numpy.ndarray, optional
        :func:`_loss_table` of ``sc`` (passed to save recomputing it).

    Returns
    -------
    numpy.ndarray
        One capability per version; NaN where its weights sum to 0.
    """
    E = _loss_table(sc) if table is None else table
    w = np.asarray(weights, dtype=np.float64)
    v = sc.rows["v"].to_numpy()
    L = np.zeros((len(sc.versions), _GRID.size))
    np.add.at(L, v, w[:, None] * E)
    L += 0.5 * _RIDGE * _GRID[None, :] ** 2
    wsum = np.bincount(v, weights=w, minlength=len(sc.versions))
    k = np.clip(np.argmin(L, axis=1), 1, _GRID.size - 2)
    r = np.arange(L.shape[0])
    l0, l1, l2 = L[r, k - 1], L[r, k], L[r, k + 1]
    den = l0 - 2 * l1 + l2
    shift = np.where(den > 0, 0.5 * (l0 - l2) / np.where(den > 0, den, 1.0), 0.0)
    C = _GRID[k] + np.clip(shift, -1.0, 1.0) * (_GRID[1] - _GRID[0])
    return np.where(wsum > 0, C, np.nan)


@dataclass(frozen=True, eq=False)
class GenerationGains(DecidedResult):
    """Outcome of :func:`generation_gains`.

    Attributes
    ----------
    generations : pandas.DataFrame
        One row per (lineage, generation, domain): capability and interval, log10 compute, confidence, n benchmarks.
    steps : pandas.DataFrame
        One row per (lineage, step, domain): gain and interval, decades of compute, gain per decade and interval.
    lineages : pandas.DataFrame
        Per lineage: earlier slope, latest slope, relative change with intervals, judged (bool), why not.
    pooled : tuple of float
        Inverse-variance weighted mean over the judged lineages of latest minus earlier gain per decade: (estimate, low, high), compute fixed at
        Epoch's central estimates.
    pooled_compute_noise : tuple of float
        Its interval when each generation's log10 compute is also drawn (:data:`COMPUTE_SD`).
    decision : Decision
    """

    FINDING_KEY = "capabilities.generation_gains"
    QUESTION = "capabilities"

    generations: pd.DataFrame = field(repr=False)
    steps: pd.DataFrame = field(repr=False)
    lineages: pd.DataFrame = field(repr=False)
    pooled: tuple[float, float, float]
    decision: Decision = field(repr=False)
    pooled_compute_noise: tuple[float, float] = (math.nan, math.nan)
    start: str = "2019-01-01"
    n_boot: int = 0
    ci: float = 0.95
    seed: int = 0
    seconds: float = math.nan

    def _step(self, lineage: str, to: str, domain: str = "all") -> Any:
        s = self.steps
        sel = s[(s["lineage"] == lineage) & (s["to"] == to) & (s["domain"] == domain)]
        return sel.iloc[0] if len(sel) else None

    def numbers(self) -> list[Number]:
        e, lo, hi = self.pooled
        out = [Number("latest generation's gain per decade of compute minus the earlier generations' (pooled over lineages)",
                      e, lo, hi, unit="index per decade", ci=self.ci,
                      note=f"ours; lineages judged: {', '.join(self.lineages.loc[self.lineages['judged'], 'lineage'])}"),
               Number("the same, with Epoch's compute estimates uncertain (sensitivity)", e, *self.pooled_compute_noise,
                      unit="index per decade", ci=self.ci, note="ours; log10 compute drawn with sd 0.1 / 0.25 / 0.5 decades by confidence label")]
        for r in self.lineages.itertuples():
            if r.judged:
                out.append(Number(f"{r.lineage}: latest step ({r.latest}) gain per decade minus earlier generations'", r.change,
                                  r.change_low, r.change_high, unit="index per decade", ci=self.ci,
                                  note=f"ours; earlier slope {r.earlier_slope:.3f}, latest {r.latest_slope:.3f} index per decade"))
        for r in self.steps[(self.steps["domain"] == "all")].sort_values("lineage", key=lambda c: c != "OpenAI (claim)", kind="stable").itertuples():
            out.append(Number(f"{r.lineage} {r.frm} -> {r.to}: capability gain", r.gain, r.gain_low, r.gain_high, unit="index", ci=self.ci,
                              note=f"ours; {r.decades:+.2f} decades of training compute" if math.isfinite(r.decades) else "ours; compute unknown"))
            if math.isfinite(r.per_decade):
                out.append(Number(f"{r.lineage} {r.frm} -> {r.to}: gain per decade of compute", r.per_decade, r.per_decade_low, r.per_decade_high,
                                  unit="index per decade", ci=self.ci, note="ours"))
        for lin, to in (("OpenAI", "GPT-4"), ("OpenAI", "GPT-4.5")):
            rows = {d: self._step(lin, to, d) for d in ("language", "coding", "math", "coding - language")}
            for d, r in rows.items():
                if r is not None and math.isfinite(r.gain):
                    what = "coding gain minus language gain" if d == "coding - language" else f"gain on {d} benchmarks"
                    has = math.isfinite(r.gain_low)
                    out.append(Number(f"{lin} {r.frm} -> {to}: {what}", r.gain, r.gain_low if has else None, r.gain_high if has else None,
                                      unit="index", ci=self.ci if has else None,
                                      note=f"ours; {d.split(' ')[0]} benchmarks scored: {r.n_bench_from} for {r.frm}, {r.n_bench_to} for {to}"
                                      + ("" if has else " (one benchmark: no interval)")))
        g = self.generations
        gpt3 = g[(g["generation"] == "GPT-3") & (g["domain"] == "all")]
        if len(gpt3):
            out.append(Number("GPT-3 on the stitched index", float(gpt3["capability"].iloc[0]), float(gpt3["low"].iloc[0]),
                              float(gpt3["high"].iloc[0]), unit="index", ci=self.ci, note="ours; davinci and text-davinci-001 placed on the index"))
        return out

    def sentence(self) -> str:
        e, lo, hi = self.pooled
        a = self._step("OpenAI (claim)", "GPT-4")
        b = self._step("OpenAI (claim)", "GPT-4.5")
        txt = ""
        if a is not None and b is not None:
            txt = (f"GPT-3 -> GPT-4 gained {a.gain:.2f} [{a.gain_low:.2f}, {a.gain_high:.2f}] index units ({a.per_decade:.2f} per decade "
                   f"of compute), GPT-4 -> GPT-4.5 {b.gain:.2f} [{b.gain_low:.2f}, {b.gain_high:.2f}] ({b.per_decade:.2f} per decade; "
                   "the claim's steps); judged per lineage, ")
        return (txt + f"the latest generations' gain per decade differs from their lineages' earlier slope by {e:+.2f} "
                f"[{lo:+.2f}, {hi:+.2f}] ({self.verdict}).")

    def method(self) -> str:
        return (
            f"Stitched capability index of epoch-benchmark-stitching fitted on all versions released from {self.start} "
            "(scalewatch.analyses.trends.stitch_capabilities: sigma(alpha_b (C_m - D_b)) by least squares, Winogrande anchor, "
            "ridge 1e-4); with D_b and alpha_b fixed, each flagship version's capability is re-estimated from its weighted "
            "scores (grid search with parabolic refinement), which places versions outside the joint fit (GPT-3 davinci) on "
            "the same scale. A generation's capability is the mean over its versions; training compute from epoch-ai-models. "
            f"{self.n_boot} bootstrap draws resample the benchmarks and the versions within each generation, compute fixed at "
            "Epoch's central estimates; a sensitivity also draws each generation's log10 compute (normal, sd by Epoch's "
            "confidence label: 0.1 / 0.25 / 0.5 decades for Confident / Likely / Speculative: our assumption); percentile "
            f"intervals at {self.ci:g}. Gain per decade only for steps of at "
            f"least {MIN_STEP} decades of compute. Per lineage: earlier slope = least-squares slope of capability on log10 "
            "compute over the generations before the latest; change = latest step's gain per decade minus earlier slope; "
            "lineages whose latest step adds, or whose earlier generations span, less than 0.3 decades of compute are reported, "
            "not judged; the judged lineages are pooled with inverse-variance weights (of their bootstrap draws). Domains: the same "
            "estimate from coding-only, maths-only or the other benchmarks (upstream's is_coding / is_math flags). "
            + rule("capabilities.generation_gain").text()
        )

    def figures(self) -> list[Any]:
        g = self.generations[self.generations["domain"] == "all"]
        tr = []
        for i, (lin, d) in enumerate(g.groupby("lineage", sort=False)):
            d = d[np.isfinite(d["log10_compute"])]
            tr.append(points(10.0 ** d["log10_compute"], d["capability"], lin, color=PALETTE[i % len(PALETTE)], text=d["generation"],
                             mode="lines+markers", error_y=_err(d["capability"], d["low"], d["high"])))
        fig1 = figure("Capability index of flagship generations against training compute", tr, x_title="training compute (FLOP)",
                      y_title="stitched capability index (Winogrande logits)", x_log=True, y_log=False,
                      caption=f"Each point a generation (mean of its versions); bars: {100 * self.ci:g}% bootstrap interval over benchmarks, versions and compute.")
        s = self.steps[(self.steps["lineage"] == "OpenAI") & self.steps["domain"].isin(["language", "coding", "math"])]
        tr2 = []
        for i, (dom, d) in enumerate(s.groupby("domain")):
            d = d[np.isfinite(d["gain"])]
            if len(d):
                tr2.append(points(d["frm"] + " -> " + d["to"], d["gain"], dom, color=PALETTE[(i + 1) % len(PALETTE)],
                                  error_y=_err(d["gain"], d["gain_low"], d["gain_high"])))
        figs = [fig1]
        if tr2:
            figs.append(figure("OpenAI generation gains by domain", tr2, x_title="step", y_title="capability gain (index)", x_log=False, y_log=False,
                               caption="Capability re-estimated from the coding, maths or other (language) benchmarks only; missing where a generation has none."))
        return figs

    def finding_parts(self) -> dict[str, Any]:
        return dict(
            title="Is each flagship generation's jump smaller than the last?",
            tables={"lineages": self.lineages, "steps": self.steps, "generations": self.generations},
            data_sources=["epoch-benchmark-stitching", "epoch-ai-models"],
            citations=[_PAPERS["epoch_hub"], _PAPERS["epoch_models"], _PAPERS["efron"]],
            loss_label="least squares on benchmark scores (stitched index)",
            notes=[
                "GPT-3 is davinci (two scores) and text-davinci-001 (InstructGPT on GPT-3, twelve scores), both on GPT-3's compute",
                "GPT-3.5 Turbo has no compute estimate; its versions take GPT-3.5's (Speculative)",
                "generations without a compute estimate in the June 2025 snapshot (Claude 4, Gemini 2.x, GPT-5, Grok 3) are left out",
                "compute of frontier closed models is Epoch AI's estimate, mostly labelled Speculative",
                "the index is in Winogrande logit units, not rescaled to Epoch's ECI",
            ],
            headline="latest generation's gain per decade of compute minus the earlier generations' (pooled over lineages)",
            rule=self.decision,
        )


def generation_gains(*, start: str = "2019-01-01", fast: bool = False, n_boot: int | None = None, ci: float = 0.95,
                     seed: int = 0) -> GenerationGains:
    """Capability gain per flagship generation and per decade of training compute, by lineage and domain.

    Parameters
    ----------
    start : str, default "2019-01-01"
        First release date of the stitched fit.
    fast : bool, default False
        100 bootstrap draws instead of 400.
    n_boot : int, optional
    ci : float, default 0.95
    seed : int, default 0

    Returns
    -------
    GenerationGains
    """
    from scalewatch.data.datasets import load

    t0 = time.perf_counter()
    if not 0 < ci < 1:
        raise ValueError(f"generation_gains(ci={ci!r}); give a level in (0, 1), e.g. 0.95.")
    nb = _n_boot(n_boot, fast, default=400, fast_default=100)
    rng = seeds.rng(seed)
    q = ((1 - ci) / 2, (1 + ci) / 2)
    versions = [v for gens in LINEAGES.values() for _, vs, _ in gens for v in vs]
    sc = stitched_scores(versions, start=start)
    E = _loss_table(sc)
    models = load("epoch-ai-models").tables["models"].drop_duplicates("model").set_index("model")
    gens = [(lin, lab, vs, mod) for lin, gs in LINEAGES.items() for lab, vs, mod in gs]
    x0 = np.array([np.log10(models.loc[m, "training_compute"]) if m in models.index and pd.notna(models.loc[m, "training_compute"]) else np.nan
                   for *_, m in gens])
    conf = [str(models.loc[m, "confidence"]) if m in models.index else "Unknown" for *_, m in gens]
    sd = np.array([COMPUTE_SD.get(c, 0.5) for c in conf])
    vidx = [np.array([sc.versions.index(v) for v in vs]) for _, _, vs, _ in gens]
    B = len(sc.benchmarks)
    rb = sc.rows["b"].to_numpy()
    dom_mask = {d: np.ones(len(sc.rows)) if d == "all" else (sc.rows["domain"].to_numpy() == d).astype(float) for d in _DOMAINS}
    nbench = {d: np.bincount(sc.rows["v"].to_numpy(), weights=dom_mask[d], minlength=len(sc.versions)) for d in _DOMAINS}

    def gen_caps(C: np.ndarray, pick: list[np.ndarray]) -> np.ndarray:
        out = np.full(len(gens), np.nan)
        for i, ii in enumerate(pick):
            c = C[ii]
            c = c[np.isfinite(c)]
            if c.size:
                out[i] = c.mean()
        return out

    est = {d: gen_caps(reestimate(sc, dom_mask[d], table=E), vidx) for d in _DOMAINS}
    draws = {d: np.full((nb, len(gens)), np.nan) for d in _DOMAINS}
    xd = np.broadcast_to(x0, (nb, len(gens)))
    x_noisy = x0[None, :] + rng.normal(size=(nb, len(gens))) * sd[None, :]  # sensitivity: Epoch's compute estimates uncertain
    for r in range(nb):
        w_b = np.bincount(rng.integers(0, B, B), minlength=B).astype(float)
        pick = [ii[rng.integers(0, ii.size, ii.size)] for ii in vidx]
        for d in _DOMAINS:
            draws[d][r] = gen_caps(reestimate(sc, w_b[rb] * dom_mask[d], table=E), pick)

    def qs(a: np.ndarray) -> tuple[float, float]:
        a = a[np.isfinite(a)]
        return (float(np.quantile(a, q[0])), float(np.quantile(a, q[1]))) if a.size >= max(10, nb // 4) else (math.nan, math.nan)

    grow, srow = [], []
    for d in _DOMAINS:
        for i, (lin, lab, vs, mod) in enumerate(gens):
            lo, hi = qs(draws[d][:, i])
            grow.append({"lineage": lin, "generation": lab, "domain": d, "capability": est[d][i], "low": lo, "high": hi, "log10_compute": x0[i],
                         "confidence": conf[i], "versions": ", ".join(vs), "n_benchmarks": int(max(nbench[d][vidx[i]]))})
        k = 0
        for lin, gs in LINEAGES.items():
            for j in range(1, len(gs)):
                a, b = k + j - 1, k + j
                gain = est[d][b] - est[d][a]
                gd = draws[d][:, b] - draws[d][:, a]
                dx = x0[b] - x0[a]
                ok = math.isfinite(dx) and dx >= MIN_STEP
                pd_draw = gd / (xd[:, b] - xd[:, a]) if ok else np.full(nb, np.nan)
                glo, ghi = qs(gd)
                plo, phi = qs(pd_draw) if ok else (math.nan, math.nan)
                if d != "all" and min(nbench[d][vidx[a]].max(), nbench[d][vidx[b]].max()) < 2:
                    glo = ghi = plo = phi = math.nan  # one benchmark: resampling benchmarks cannot give an interval
                srow.append({"lineage": lin, "frm": gs[j - 1][0], "to": gs[j][0], "domain": d, "gain": gain, "gain_low": glo, "gain_high": ghi,
                             "decades": dx, "per_decade": gain / dx if ok else math.nan, "per_decade_low": plo, "per_decade_high": phi,
                             "n_bench_from": int(max(nbench[d][vidx[a]])), "n_bench_to": int(max(nbench[d][vidx[b]]))})
            k += len(gs)
    k = 0
    for lin, gs in LINEAGES.items():  # "better at language, not at coding": coding gain minus language gain, draw by draw
        for j in range(1, len(gs)):
            a, b = k + j - 1, k + j
            gd = (draws["coding"][:, b] - draws["coding"][:, a]) - (draws["language"][:, b] - draws["language"][:, a])
            glo, ghi = qs(gd)
            if min(nbench["coding"][vidx[a]].max(), nbench["coding"][vidx[b]].max()) < 2:
                glo = ghi = math.nan
            srow.append({"lineage": lin, "frm": gs[j - 1][0], "to": gs[j][0], "domain": "coding - language",
                         "gain": (est["coding"][b] - est["coding"][a]) - (est["language"][b] - est["language"][a]), "gain_low": glo,
                         "gain_high": ghi, "decades": x0[b] - x0[a], "per_decade": math.nan, "per_decade_low": math.nan,
                         "per_decade_high": math.nan, "n_bench_from": int(max(nbench["coding"][vidx[a]])),
                         "n_bench_to": int(max(nbench["coding"][vidx[b]]))})
        k += len(gs)
    labels = [g[1] for g in gens]
    for frm, to in (("GPT-3", "GPT-4"), ("GPT-4", "GPT-4.5")):  # the claim's comparison: GPT-3 -> GPT-4 against Orion (GPT-4.5)
        a, b = labels.index(frm), labels.index(to)
        gd = draws["all"][:, b] - draws["all"][:, a]
        dx = x0[b] - x0[a]
        glo, ghi = qs(gd)
        srow.append({"lineage": "OpenAI (claim)", "frm": frm, "to": to, "domain": "all", "gain": est["all"][b] - est["all"][a],
                     "gain_low": glo, "gain_high": ghi, "decades": dx, "per_decade": (est["all"][b] - est["all"][a]) / dx,
                     "per_decade_low": glo / dx, "per_decade_high": ghi / dx, "n_bench_from": int(max(nbench["all"][vidx[a]])),
                     "n_bench_to": int(max(nbench["all"][vidx[b]]))})
    generations, steps = pd.DataFrame(grow), pd.DataFrame(srow)

    lrows, changes, noisy = [], [], []
    k = 0
    for lin, gs in LINEAGES.items():
        idx = np.arange(k, k + len(gs))
        k += len(gs)
        idx = idx[np.isfinite(x0[idx])]
        row = {"lineage": lin, "latest": " -> ".join(g[0] for g in gs if g[0] in {gens[i][1] for i in idx[-2:]}), "n_generations": int(idx.size),
               "earlier_slope": math.nan, "latest_slope": math.nan, "change": math.nan, "change_low": math.nan, "change_high": math.nan,
               "judged": False, "why_not": ""}
        if idx.size < 3:
            row["why_not"] = "fewer than 3 generations with a compute estimate"
        elif x0[idx[-1]] - x0[idx[-2]] < MIN_STEP:
            row["why_not"] = f"the latest step adds {x0[idx[-1]] - x0[idx[-2]]:+.2f} decades of compute (< {MIN_STEP})"
        elif np.ptp(x0[idx[:-1]]) < MIN_STEP:
            row["why_not"] = f"the earlier generations span {np.ptp(x0[idx[:-1]]):.2f} decades of compute (< {MIN_STEP})"
        else:
            def change(C: np.ndarray, X: np.ndarray) -> np.ndarray:
                e_x, e_c = X[..., idx[:-1]], C[..., idx[:-1]]
                xm = e_x - e_x.mean(axis=-1, keepdims=True)
                early = (xm * (e_c - e_c.mean(axis=-1, keepdims=True))).sum(-1) / (xm * xm).sum(-1)
                late = (C[..., idx[-1]] - C[..., idx[-2]]) / (X[..., idx[-1]] - X[..., idx[-2]])
                return np.stack([early, late, late - early], axis=-1)

            e = change(est["all"], x0)
            dr = change(draws["all"], xd)
            lo, hi = qs(dr[:, 2])
            row.update(earlier_slope=float(e[0]), latest_slope=float(e[1]), change=float(e[2]), change_low=lo, change_high=hi, judged=True)
            changes.append(dr[:, 2])
            noisy.append(change(draws["all"], x_noisy)[:, 2])
        lrows.append(row)
    lineages = pd.DataFrame(lrows)
    plo = phi = nlo = nhi = est_pool = math.nan
    if changes:  # fixed-effect pooling: each lineage weighted by the inverse variance of its bootstrap draws
        ch = np.vstack(changes)
        wts = 1.0 / np.array([np.nanvar(c) for c in ch])
        wts /= wts.sum()
        lineages.loc[lineages["judged"], "weight"] = wts
        est_pool = float(wts @ lineages.loc[lineages["judged"], "change"].to_numpy(float))
        plo, phi = qs(wts @ ch)
        nlo, nhi = qs(wts @ np.vstack(noisy))
    decision = rule("capabilities.generation_gain").decide(plo if math.isfinite(plo) else None, phi if math.isfinite(phi) else None)
    return GenerationGains(generations=generations, steps=steps, lineages=lineages, pooled=(est_pool, plo, phi), decision=decision,
                           pooled_compute_noise=(nlo, nhi),
                           start=start, n_boot=nb, ci=ci, seed=seed, seconds=time.perf_counter() - t0)


@analysis("capabilities.generation_gains", question=QUESTION, requires=("epoch-benchmark-stitching", "epoch-ai-models"))
def report_generation_gains(ctx: Any) -> Finding:
    """Capability gain per flagship generation and per decade of training compute."""
    return generation_gains(fast=ctx.fast, seed=ctx.seed).to_finding()
