"""The report on the user's own runs: every run-level analysis that applies, per source, side by side.

>>> import scalewatch
>>> rep = scalewatch.report(runs="my_runs.csv", fast=True)        # doctest: +SKIP
>>> rep.write("my-report")                                         # doctest: +SKIP

For each source (a runs file, an MLflow store, the registry or a public
dataset, see :mod:`scalewatch.data.runs`) the analyses of
:mod:`scalewatch.analyses.pretraining` that work on any runs table are run on
its runs:

==========================  ==========================================================  =============================
analysis                    what it does                                                needs
==========================  ==========================================================  =============================
``chinchilla_fit``          Chinchilla's law with bootstrap intervals; largest runs     params, tokens, loss; 10 runs
``wall_test``               four laws backtested from rolling compute cut-offs, the     params, tokens, loss; 12 runs
                            calibrated break test, top-run residuals
``allocation``              compute-optimal exponent a and tokens per parameter,        params, tokens, loss; 10 runs
                            with bootstrap intervals
``overtraining``            fit near 20 tokens per parameter, predict over-trained runs 8 runs at 10-20 tokens per
                                                                                        parameter, 3 at >= 80
``repetition``              the data-constrained law (Muennighoff et al. 2023)          unique_tokens; runs of > 4 epochs
``learning_curves``         Chinchilla's law fitted to whole loss curves, backtested    curves (run_id plus step or
                            on the largest models' final loss                           tokens) of 7 or more runs
==========================  ==========================================================  =============================

An analysis that does not apply is listed as skipped with the reason ("needs
column unique_tokens"). Finding keys are the analysis' key with the source
appended (``pretraining.wall_test.my-runs-csv``). With ``compare=`` the public
dataset's runs are a further source and ``pretraining.runs.compare`` puts the
fitted constants, the allocation exponent and the held-out error of every
source in one table and one figure.

Timings (2 shared cores, synthetic runs from Chinchilla's law with 1% noise,
``scalewatch report --runs FILE``): 100 runs 4.7 s with ``--fast``, 8.5 s
without; 10,000 runs 65 s with ``--fast`` (fit 25 s, wall test 18 s,
allocation 13 s, over-training 7 s), 209 s without (peak memory 7 GB, in the
1000-resample bootstrap of the fit). A million runs: importing the file (no
run ids: each derived from its row) takes 12 s, re-importing it (adds nothing)
13 s; the report at that size is not practical (its bootstraps refit every run).
"""

from __future__ import annotations

import datetime as _dt
import re
import time
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from scalewatch._version import __version__
from scalewatch.errors import one_line
from scalewatch.findings import Finding, Number
from scalewatch.reporting.run import Outcome, ProgressFn, Report, _warning_texts, run_report

__all__ = ["RUN_ANALYSES", "runs_report", "MIN_RUNS", "report"]

#: the run-level analyses, in report order: name -> title
RUN_ANALYSES: Mapping[str, str] = {
    "chinchilla_fit": "Chinchilla's law fitted to {name}",
    "wall_test": "Wall test on {name}: backtest, breaks, top runs",
    "allocation": "Compute-optimal allocation of {name}",
    "overtraining": "Over-training on {name}",
    "repetition": "Repeated data on {name}: the data-constrained law",
    "learning_curves": "Learning curves of {name}",
}
#: complete runs (params, tokens and loss) each analysis needs: 5 constants to fit plus the largest runs to judge
MIN_RUNS: Mapping[str, int] = {"chinchilla_fit": 10, "wall_test": 12, "allocation": 10, "overtraining": 12,
                               "repetition": 12}
# Over-training needs runs near compute-optimal (M = tokens per parameter / 20 <= 1) to fit and runs well
# beyond it (M >= 4, 80 tokens per parameter) to predict; Gadre et al. (2024) go to M = 32.
_MIN_M, _NEAR_M, _FAR_M = 0.5, 1.0, 4.0
# Repetition: the data-constrained backtest fits runs of at most 4 epochs (Muennighoff et al. 2023) and
# predicts the others.
_EPOCH_CUTOFF = 4.0
_QUESTION = "pretraining"
_PUBLIC_CHINCHILLA = "chinchilla-hoffmann2022"


class _Skip(Exception):
    """An analysis that does not apply to these runs; the message is the reason."""


@dataclass(frozen=True)
class _Step:
    key: str  # what the progress callback shows
    title: str


def _slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-") or "runs"
    slug, k = base, 2
    while slug in taken:
        slug, k = f"{base}-{k}", k + 1
    taken.add(slug)
    return slug


def _complete(runset: Any) -> Any:
    runs = runset.runs
    return runs.dropna(subset=["params", "tokens", "loss"]).reset_index(drop=True)


def _need_runs(df: Any, analysis: str) -> None:
    need = MIN_RUNS[analysis]
    if len(df) < need:
        raise _Skip(f"needs columns params, tokens and loss on at least {need} runs; {len(df)} runs have all three")


def _dataset_like(src: Any, df: Any) -> Any:
    """What the pretraining analyses take: a name and a runs table (a public dataset keeps its own name)."""
    from types import SimpleNamespace

    from scalewatch.data import RunSet

    runset = RunSet(runs=df)
    if src.kind == "dataset":
        return SimpleNamespace(name=src.name, runs=runset, citation=src.citation)
    return SimpleNamespace(name=src.name, runs=runset, citation="")


def _retitle(finding: Finding, key: str, title: str, name: str) -> Finding:
    return replace(finding, key=key, title=title, data_sources=(name, *[s for s in finding.data_sources if s != name]))


# -- the analyses -----------------------------------------------------------------------------


def _chinchilla_fit(src: Any, df: Any, seed: int, fast: bool, store: dict[str, Any]) -> Finding:
    from scalewatch.analyses.pretraining import chinchilla_fit_finding

    _need_runs(df, "chinchilla_fit")
    public = src.kind == "dataset" and src.name == _PUBLIC_CHINCHILLA
    f = chinchilla_fit_finding(df, n_boot=200 if fast else 1000, seed=seed, drop_highest=5 if public else 0,
                               source=src.name, data_citation=src.citation or None)
    if not public:
        paragraphs = f.method.split("\n\n")
        paragraphs[0] = (f"Data: the {len(df)} runs of `{src.name}` with parameters N, training tokens D and a final loss "
                         "(nats per token); every run is fitted (none is left out).")
        summary = f.summary.replace("of Hoffmann et al.'s runs", f"runs of {src.name}")
        f = replace(f, method="\n\n".join(paragraphs), summary=summary if len(summary) <= 400 else f.summary,
                    tables=tuple(t for t in f.tables if not t[0].startswith("Runs left out")))
    store["fit"] = {n.name: n for n in f.numbers}
    return f


def _wall_test(src: Any, df: Any, seed: int, fast: bool, store: dict[str, Any]) -> Finding:
    from scalewatch.analyses.pretraining import wall_test

    _need_runs(df, "wall_test")
    if df["compute"].nunique() < 6:
        raise _Skip(f"needs runs at 6 or more compute budgets to hold out the largest; {df['compute'].nunique()} given")
    try:
        result = wall_test(_dataset_like(src, df), fast=fast, seed=seed)
    except ValueError as exc:
        # the backtest's own check: too few runs (or frontier runs) below the compute cut-off for some law
        if "needs at least" not in str(exc):
            raise
        raise _Skip(f"needs more runs below the backtest's compute cut-off: {str(exc).split(': ', 1)[-1]}") from None
    h = result.heldout.iloc[0]
    store["heldout"] = {"rmse_pct": float(h.rmse_pct), "excess_pct": float(h.excess_pct), "low": float(h.low),
                        "high": float(h.high), "n_test": int(h.n_test), "cutoff": float(h.cutoff)}
    return result.to_finding()


def _allocation(src: Any, df: Any, seed: int, fast: bool, store: dict[str, Any]) -> Finding:
    import numpy as np

    from scalewatch.findings.rules import rule
    from scalewatch.fitting import bootstrap, compute_optimal, fit
    from scalewatch.laws import Chinchilla

    _need_runs(df, "allocation")
    if src.kind == "dataset" and src.name == _PUBLIC_CHINCHILLA:
        df = df.sort_values("loss", kind="stable").iloc[:-5]  # as the default report: Besiroglu et al. drop 5 runs
    rng = np.random.default_rng(seed)
    n_boot = 100 if fast else 400
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # identifiability warnings are reported by the fit finding
        res = fit(Chinchilla(), df, seed=rng)
        boot = bootstrap(res, n_boot, seed=rng)
    c_max = float(df["compute"].max())
    budgets = [c_max, 10.0 * c_max, 1e23]
    al = compute_optimal(res, budgets, bootstrap=boot)
    a_lo, a_hi = (float(v) for v in al.intervals["a"])
    t_lo, t_hi = (np.asarray(v, dtype=float) for v in al.intervals["tokens_per_param"])
    n_lo, n_hi = (np.asarray(v, dtype=float) for v in al.intervals["n_opt"])
    decision = rule("pretraining.allocation_exponent").decide(a_lo, a_hi)
    verdict, reason = decision.verdict, decision.reason
    store["allocation"] = (float(al.a), a_lo, a_hi)
    tpp = df["tokens"].to_numpy(float) / df["params"].to_numpy(float)
    numbers = [
        Number("a (N_opt ~ C^a)", al.a, a_lo, a_hi, "", 0.95, "Approach 3: a = beta / (alpha + beta) of the fitted law; "
               f"{n_boot} bootstrap resamples of runs, percentile interval"),
    ]
    for k, c in enumerate(budgets):
        numbers.append(Number(f"tokens per parameter at {c:.3g} FLOP", float(al.tokens_per_param[k]), float(t_lo[k]),
                              float(t_hi[k]), "tokens/param", 0.95, "D_opt / N_opt of the fitted law"))
        numbers.append(Number(f"N_opt at {c:.3g} FLOP", float(al.n_opt[k]), float(n_lo[k]), float(n_hi[k]), "params",
                              0.95, "compute-optimal parameters under C = 6ND"))
    rows = [{"compute (FLOP)": c, "N_opt": float(al.n_opt[k]), "D_opt": float(al.d_opt[k]),
             "tokens per parameter": float(al.tokens_per_param[k]), "low": float(t_lo[k]), "high": float(t_hi[k])}
            for k, c in enumerate(budgets)]
    summary = (f"Chinchilla's law fitted to the {len(df)} runs of {src.name} allocates compute as N_opt ~ C^a with "
               f"a = {numbers[0].text()} and {numbers[1].text()} tokens per parameter at the largest budget: {verdict}.")
    if len(summary) > 400:
        summary = f"Compute-optimal exponent a = {numbers[0].text()}: {verdict}."
    method = (
        "Approach 3 of Hoffmann et al. (2022): fit L(N, D) = E + A / N^alpha + B / D^beta (Huber on log loss), then "
        "minimise it under C = 6ND: N_opt = G (C/6)^a with a = beta / (alpha + beta) (their eq. 4). Intervals: "
        f"{n_boot} bootstrap resamples of runs, each refitted, percentile 95%.\n\n"
        f"Budgets: the largest run's compute ({c_max:.3g} FLOP), ten times it (an extrapolation) and 1e23 FLOP. The runs "
        f"span {np.min(tpp):.3g} to {np.max(tpp):.3g} tokens per parameter.\n\n"
        f"{decision.rule.text()} Here: {reason}."
    )
    return Finding(
        key="pretraining.allocation", question=_QUESTION, title=f"Compute-optimal allocation of {src.name}",
        verdict=verdict, summary=summary, numbers=numbers, tables=[("Compute-optimal allocation per budget", rows)],
        method=method, data_sources=(src.name,), rule=decision,
        citations=("Hoffmann et al. (2022), Training Compute-Optimal Large Language Models, arXiv:2203.15556",),
        loss_label=f"{res.loss.label()} on {res.space} residuals",
    )


def _overtraining(src: Any, df: Any, seed: int, fast: bool, store: dict[str, Any]) -> Finding:
    import numpy as np

    from scalewatch.analyses.pretraining import overtraining_test

    _need_runs(df, "overtraining")
    m = df["tokens"].to_numpy(float) / df["params"].to_numpy(float) / 20.0
    # the test fits runs with 0.5 <= M <= 1 (shorter ones end inside their warmup, Gadre et al.) and predicts the rest
    near, far = int(((m >= _MIN_M) & (m <= _NEAR_M)).sum()), int((m >= _FAR_M).sum())
    if near < 8 or far < 3:
        raise _Skip(
            f"needs runs near compute-optimal ({20 * _MIN_M:g}-{20 * _NEAR_M:g} tokens per parameter: 8 or more, to fit) "
            f"and over-trained ({20 * _FAR_M:g} or more: 3 or more, to predict); these runs span {20 * np.min(m):.3g} "
            f"to {20 * np.max(m):.3g} tokens per parameter ({near} and {far})"
        )
    # "far" runs: M at or above the power of two below the median over-trained M (at most 16, Gadre et al.'s choice)
    far_m = min(16.0, float(2.0 ** np.floor(np.log2(np.quantile(m[m >= _FAR_M], 0.5)))))
    # without a chinchilla_multiplier column the test puts M = tokens per parameter / 20 on its power-of-two grid
    result = overtraining_test(_dataset_like(src, df), far_multiplier=far_m, fast=fast, seed=seed)
    return result.to_finding()


def _repetition(src: Any, df: Any, seed: int, fast: bool, store: dict[str, Any]) -> Finding:
    from scalewatch.analyses.pretraining import repetition_test

    if df["unique_tokens"].notna().sum() == 0:
        raise _Skip("needs column unique_tokens (or epochs): the data-constrained law needs the unique tokens U_D")
    sub = df[df["unique_tokens"].notna()].reset_index(drop=True)
    _need_runs(sub, "repetition")
    n_rep = int((sub["epochs"] > _EPOCH_CUTOFF).sum())
    if n_rep < 3:
        raise _Skip(f"needs 3 or more runs of more than {_EPOCH_CUTOFF:g} epochs to test the law out of sample; "
                    f"{n_rep} given")
    return repetition_test(_dataset_like(src, sub), fast=fast, seed=seed).to_finding()


def _learning_curves(src: Any, df: Any, seed: int, fast: bool, store: dict[str, Any]) -> Finding:
    from scalewatch.analyses.curves import learning_curve_finding

    curves = src.runset.curves
    if not len(curves):
        raise _Skip("needs loss curves: several rows per run (run_id plus step or tokens columns), a curves side file "
                    "(runs.curves.csv: run_id, step, tokens, loss), 'curve' lists in JSON lines, or an MLflow loss history")
    if curves["tokens"].isna().all():
        raise _Skip("needs tokens seen at each curve point (column tokens of the curves); only steps are given")
    with_curves = df[df["run_id"].astype(str).isin(set(curves["run_id"].astype(str)))]
    if with_curves["run_id"].nunique() < 7:
        raise _Skip(f"needs curves of at least 7 runs with params (6 to fit, a larger one to predict); "
                    f"{with_curves['run_id'].nunique()} given")
    try:
        return learning_curve_finding(with_curves, curves, n_boot=200 if fast else 1000, seed=seed, source=src.name,
                                      question=_QUESTION, key=f"{_QUESTION}.learning_curves")
    except ValueError as exc:
        if "needs curves of at least" not in str(exc):
            raise
        raise _Skip(f"needs curves of more runs: {str(exc).split(': ', 1)[-1]}") from None


_ANALYSES: Mapping[str, Callable[..., Finding]] = {
    "chinchilla_fit": _chinchilla_fit,
    "wall_test": _wall_test,
    "allocation": _allocation,
    "overtraining": _overtraining,
    "repetition": _repetition,
    "learning_curves": _learning_curves,
}


# -- comparison -------------------------------------------------------------------------------


def _compare_finding(names: Sequence[str], stores: Sequence[dict[str, Any]]) -> Finding:
    """One table and one figure: the constants, allocation exponent and held-out error of each source."""
    import numpy as np

    from scalewatch.findings.rules import rule
    from scalewatch.plots import PALETTE, figure, points

    params = ("E", "A", "B", "alpha", "beta")
    rows: list[dict[str, Any]] = []
    for label in (*params, "a (allocation exponent)", "held-out RMS excess %", "held-out mean excess %"):
        row: dict[str, Any] = {"quantity": label}
        for name, store in zip(names, stores, strict=True):
            fit, al, ho = store.get("fit", {}), store.get("allocation"), store.get("heldout")
            if label in params and label in fit:
                n = fit[label]
                row[name], row[f"{name} interval"] = n.value, f"[{n.low:.4g}, {n.high:.4g}]" if n.low is not None else None
            elif label.startswith("a (") and al is not None:
                row[name], row[f"{name} interval"] = al[0], f"[{al[1]:.4g}, {al[2]:.4g}]"
            elif label.startswith("held-out RMS") and ho is not None:
                row[name], row[f"{name} interval"] = ho["rmse_pct"], f"{ho['n_test']} runs above {ho['cutoff']:.3g} FLOP"
            elif label.startswith("held-out mean") and ho is not None:
                row[name], row[f"{name} interval"] = ho["excess_pct"], f"[{ho['low']:.3g}, {ho['high']:.3g}]"
            else:
                row[name], row[f"{name} interval"] = None, None
        rows.append(row)
    import html

    labels = ("alpha", "beta", "a")
    traces = []
    width = 0.5 / max(1, len(names))  # sources side by side around each constant
    for k, (name, store) in enumerate(zip(names, stores, strict=True)):
        fit, al = store.get("fit", {}), store.get("allocation")
        xs, ys, lo, hi = [], [], [], []
        for j, label in enumerate(labels[:2]):
            if label in fit and fit[label].low is not None:
                xs.append(j), ys.append(fit[label].value), lo.append(fit[label].low), hi.append(fit[label].high)
        if al is not None:
            xs.append(2), ys.append(al[0]), lo.append(al[1]), hi.append(al[2])
        if xs:
            y = np.asarray(ys, dtype=float)
            x = np.asarray(xs, dtype=float) + (k - (len(names) - 1) / 2) * width
            # plotly renders a trace name as HTML: a user's source name is escaped
            traces.append(points(x, ys, html.escape(name), color=PALETTE[k % len(PALETTE)], size=10, error_y={
                "type": "data", "symmetric": False, "array": list(np.asarray(hi) - y), "arrayminus": list(y - np.asarray(lo)),
                "thickness": 2, "width": 6}))
    if not traces:
        raise ValueError("no source has fitted exponents to compare (every chinchilla_fit and allocation was skipped)")
    fig = figure("Fitted exponents and the allocation exponent, per source", traces, x_title="constant",
                 y_title="estimate (95% interval)", x_log=False, y_log=False, height=380,
                 layout={"xaxis": {"title": {"text": "constant"}, "type": "linear", "tickvals": [0, 1, 2], "ticktext": ["alpha", "beta", "a = beta / (alpha + beta)"],
                                   "range": [-0.6, 2.6]}},
                 caption="Each source's Chinchilla exponents alpha and beta and its compute-optimal exponent "
                         "a = beta / (alpha + beta), with 95% bootstrap intervals; overlapping intervals agree.")
    estimates = {n: s["allocation"] for n, s in zip(names, stores, strict=True) if s.get("allocation") is not None}
    # the rule judges the first source's exponent (the user's runs); the others are the comparison
    decision = rule("pretraining.allocation_exponent").decide(*next(iter(estimates.values()))[1:]) if estimates else None
    verdict, reason = (decision.verdict, decision.reason) if decision else ("inconclusive", "no source gave an allocation")
    numbers = []
    for name, (a, lo, hi) in estimates.items():
        numbers.append(Number(f"a (N_opt ~ C^a), {name}", a, lo, hi, "", 0.95, "bootstrap percentile interval"))
    if not numbers:
        numbers.append(Number("sources compared", float(len(names)), note="no allocation could be fitted"))
    return Finding(
        key="pretraining.runs.compare", question=_QUESTION, title="Your runs next to the public runs",
        verdict=verdict,
        summary=f"Fitted constants, compute-optimal exponent and held-out error of {len(names)} sources side by side: "
                f"{reason}.",
        numbers=numbers, figures=[fig], tables=[("Fitted constants, allocation and held-out error per source", rows)],
        method=("Each source is fitted the same way (Chinchilla's law, Huber on log loss, bootstrap intervals; the "
                "held-out error is the wall test's first cut-off). The verdict is the rule pretraining.allocation_exponent "
                "on the first source's exponent (your runs); the other sources are the comparison."),
        data_sources=tuple(names),
        **({"rule": decision} if decision is not None else {}),
    )


# -- the runner -------------------------------------------------------------------------------


def runs_report(
    runs: Any,
    *,
    compare: Sequence[str] | str | None = None,
    only: Sequence[str] | None = None,
    seed: int = 0,
    fast: bool = False,
    mapping: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    where: str | None = None,
    db: Any = None,
    wait: float = 10.0,
    on_wait: Callable[[str], None] | None = None,
    progress: Callable[..., None] | None = None,
) -> Report:
    """Every run-level analysis that applies, on each source of runs; a :class:`Report`.

    Parameters
    ----------
    runs : SOURCE, sequence of SOURCE, or mapping name -> SOURCE
        Runs files, ``mlflow:PATH``, ``registry[:KEY=VALUE,...]``, public
        dataset names, RunSets or DataFrames (:func:`scalewatch.data.runs.open_runs`);
        a mapping names each source in the report.
    compare : str or sequence of str, optional
        Public datasets of runs to add as further sources, with the side-by-side
        finding ``pretraining.runs.compare``.
    only : sequence of str, optional
        Only these analyses (names of :data:`RUN_ANALYSES`).
    seed : int, default 0
        Seed of every resampling.
    fast : bool, default False
        Fewer resamples.
    mapping, units, where, db, wait, on_wait
        Passed to :func:`~scalewatch.data.runs.open_runs` for every source.
    progress : callable(index, total, step, outcome), optional
        Called before (``outcome=None``) and after each analysis.

    Returns
    -------
    Report
        Its ``runs`` names the sources; skipped outcomes say why in ``how``.

    Raises
    ------
    ValueError
        An unknown analysis in ``only``; a source that names nothing (from
        :func:`~scalewatch.data.runs.open_runs`).
    """
    from scalewatch.data.runs import open_runs

    t0 = time.perf_counter()
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"report(seed={seed!r}) takes an int.")
    if isinstance(runs, Mapping):  # name -> source: the names the report gives them
        named: list[tuple[Any, str | None]] = [(v, str(k)) for k, v in runs.items()]
    else:
        named = [(r, None) for r in (list(runs) if isinstance(runs, (list, tuple)) else [runs])]
    given = [r for r, _ in named]
    if not given:
        raise ValueError("report(runs=...) names no source; give a runs file, 'registry' or a dataset name.")
    extra = [compare] if isinstance(compare, str) else list(compare or ())
    chosen = list(only or RUN_ANALYSES)
    unknown = [a for a in chosen if a not in RUN_ANALYSES]
    if unknown:
        raise ValueError(f"only={unknown[0]!r} is not a run-level analysis; allowed: {', '.join(RUN_ANALYSES)}.")
    sources = [open_runs(s, mapping=mapping, units=units, where=where, db=db, wait=wait, on_wait=on_wait, name=label)
               for s, label in named]
    sources += [open_runs(name) for name in extra]
    outcomes: list[Outcome] = []
    stores: list[dict[str, Any]] = []
    taken: set[str] = set()
    total = len(sources) * len(chosen) + (1 if extra else 0)
    i = 0
    for src in sources:
        slug = _slug(src.name, taken)
        df = _complete(src.runset)
        store: dict[str, Any] = {}
        stores.append(store)
        for name in chosen:
            key = f"{_QUESTION}.{name}.{slug}"
            title = RUN_ANALYSES[name].format(name=src.name)
            step = _Step(key, title)
            if progress is not None:
                progress(i, total, step, None)
            outcome = _run_one(_ANALYSES[name], src, df, seed, fast, store, key, title)
            outcomes.append(outcome)
            i += 1
            if progress is not None:
                progress(i, total, step, outcome)
    if extra:
        key = f"{_QUESTION}.runs.compare"
        step = _Step(key, "Your runs next to the public runs")
        if progress is not None:
            progress(i, total, step, None)
        outcomes.append(_run_compare([s.name for s in sources], stores, key))
        if progress is not None:
            progress(total, total, step, outcomes[-1])
    return Report(
        outcomes=tuple(outcomes),
        created=_dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        version=__version__,
        seed=seed,
        fast=fast,
        only=tuple(only or ()),
        seconds=time.perf_counter() - t0,
        runs=tuple(s.name for s in sources),
    )


def _run_one(func: Callable[..., Finding], src: Any, df: Any, seed: int, fast: bool, store: dict[str, Any],
             key: str, title: str) -> Outcome:
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            finding = func(src, df, seed, fast, store)
            finding = _retitle(finding, key, title, src.name)
        except _Skip as why:
            return Outcome(key, _QUESTION, title, "skipped", missing=(str(why).split(":")[0].split(";")[0],),
                           how=(str(why),), seconds=time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001 - shown as an error row, never dropped
            return Outcome(key, _QUESTION, title, "error", error=one_line(exc, with_type=True), traceback=traceback.format_exc(),
                           warnings=_warning_texts(caught), seconds=time.perf_counter() - t0)
    return Outcome(key, _QUESTION, title, "ok", findings=(finding,), warnings=_warning_texts(caught),
                   seconds=time.perf_counter() - t0)


def _run_compare(names: Sequence[str], stores: Sequence[dict[str, Any]], key: str) -> Outcome:
    t0 = time.perf_counter()
    title = "Your runs next to the public runs"
    try:
        finding = _compare_finding(names, stores)
    except Exception as exc:  # noqa: BLE001
        return Outcome(key, _QUESTION, title, "error", error=one_line(exc, with_type=True), traceback=traceback.format_exc(),
                       seconds=time.perf_counter() - t0)
    return Outcome(key, _QUESTION, title, "ok", findings=(finding,), seconds=time.perf_counter() - t0)

def report(
    runs: Any = None,
    *,
    only: Sequence[str] | str | None = None,
    seed: int = 0,
    fast: bool = False,
    data: Sequence[str] | str | None = None,
    compare: Sequence[str] | str | None = None,
    progress: ProgressFn | None = None,
    **sources: Any,
) -> Report:
    """The report: every analysis whose data are on this machine, run and collected; or the report on your runs.

    ``scalewatch.report(...)`` is this function; :func:`run_report` takes the
    same arguments plus the registry overrides that tests and notebooks use.
    With ``runs`` it is :func:`scalewatch.reporting.runs.runs_report`: every
    run-level analysis that applies to those runs.

    Parameters
    ----------
    runs : SOURCE, RunSet, DataFrame or a list of them, optional
        Your runs: a runs file (CSV, Parquet, JSON lines; ``run_id``
        optional), ``"mlflow:PATH"``, ``"registry"`` or
        ``"registry:family=mygpt"``, or a public dataset name. Then ``only``
        names run-level analyses (``"wall_test"``) and ``data`` must be unset.
    compare : str or sequence of str, optional
        With ``runs``: public datasets whose runs are analysed alongside and
        compared in one table (``"chinchilla-hoffmann2022"``).
    **sources
        With ``runs``: ``mapping``, ``units``, ``where``, ``db``, ``wait`` for
        :func:`scalewatch.data.runs.open_runs`.
    only : str or sequence of str, optional
        Only analyses whose key matches one of these glob patterns (``"test-time.*"``).
    seed : int, default 0
        Seed of every resampling and random start.
    fast : bool, default False
        Fewer resamples: a quick look, noisier intervals (same method and rules).
    data : str or sequence of str, optional
        Only analyses that use one of these datasets.
    progress : callable(index, total, analysis, outcome), optional
        Called before each analysis (``outcome=None``) and after it.

    Returns
    -------
    Report
        ``summary()`` for the verdict table, ``write(folder)`` for
        ``index.html`` and ``findings.json``; shown as its verdict table in a notebook.

    Examples
    --------
    >>> import scalewatch
    >>> rep = scalewatch.report(only="test-time.*", fast=True)   # doctest: +SKIP
    >>> rep.write("my-report")                                    # doctest: +SKIP
    """
    if runs is not None:
        if data:
            raise ValueError("report(runs=..., data=...): data selects public-dataset analyses; with runs, add a public "
                             "dataset as compare=NAME instead.")
        return runs_report(runs, compare=compare, only=(only,) if isinstance(only, str) else only, seed=seed, fast=fast,
                           progress=progress, **sources)
    if compare or sources:
        named = ", ".join(["compare", *sources] if compare else list(sources))
        raise ValueError(f"report({named}=...) applies to a report on your runs; give runs=SOURCE too.")
    return run_report(
        only=(only,) if isinstance(only, str) else only,
        data=(data,) if isinstance(data, str) else data,
        seed=seed,
        fast=fast,
        progress=progress,
    )
