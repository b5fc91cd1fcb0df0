"""Benchmark: scalewatch's global Chinchilla fit and bootstrap vs the common way.

Run:  python benchmarks/bench_fit.py   (needs the chinchilla-hoffmann2022 dataset:
set SCALEWATCH_DATA_MIRROR or be online). Writes the "fitting engine" section of
benchmarks/RESULTS.md.

Reference ("the common way"): one scipy L-BFGS-B call per start over the
4500-point grid of Hoffmann et al. (2022), same data (Epoch's extraction, five
highest-loss runs dropped), same objective (Huber delta 1e-3 on log loss,
summed; analytic gradient). Engine: ``scalewatch.fit`` (variable-projection
search) and ``starts="hoffmann"`` (all 4500 starts in one batch), then
``scalewatch.bootstrap`` with 4000 resamples, each a multi-start search.

This machine is shared and its speed drifts by tens of percent within minutes,
so the reference grid runs in blocks with engine fits timed between them: the
ratio compares the two under the same conditions, not a fast minute with a slow one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402

from scalewatch import datasets, laws  # noqa: E402
from scalewatch.errors import IdentifiabilityWarning  # noqa: E402
from scalewatch.fitting import bootstrap, fit  # noqa: E402
from scalewatch.fitting._problem import Problem  # noqa: E402
from scalewatch.fitting._fit import _profile_grid  # noqa: E402
from scalewatch.fitting._reference import hoffmann_grid, reference_chinchilla_fit  # noqa: E402
from scalewatch.fitting._search import profile_search  # noqa: E402


def chinchilla_data():
    runs = datasets.load("chinchilla-hoffmann2022").runs.runs
    runs = runs.sort_values("loss").iloc[:-5]  # drop the five highest-loss runs, as Epoch did
    return {"N": runs["params"].to_numpy(float), "D": runs["tokens"].to_numpy(float), "loss": runs["loss"].to_numpy(float)}


def timed(fn, repeats):
    times = []
    out = None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, statistics.median(times), times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resamples", type=int, default=4000)
    ap.add_argument("--repeats", type=int, default=3, help="engine fits timed after each reference block")
    ap.add_argument("--blocks", type=int, default=10, help="blocks the reference grid is run in")
    ap.add_argument("--checks", type=int, default=500, help="resamples checked against a full search")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = ap.parse_args()
    warnings.simplefilter("ignore", IdentifiabilityWarning)
    d = chinchilla_data()
    law = laws.Chinchilla()

    fit(law, d)  # warm-up (imports, caches)
    # The reference runs in blocks of its grid with engine fits timed between the
    # blocks, so both sample the same stretches of this (shared, noisy) machine.
    grid = hoffmann_grid()
    blocks = np.array_split(np.arange(len(grid)), args.blocks)
    t_ref, ref_f, ref_best, fit_times = 0.0, np.inf, None, []
    for block in blocks:
        t0 = time.perf_counter()
        part = reference_chinchilla_fit(d["N"], d["D"], d["loss"], starts=grid[block])
        t_ref += time.perf_counter() - t0
        if part.objective < ref_f:
            ref_f, ref_best = part.objective, part
        res, _, times = timed(lambda: fit(law, d), args.repeats)
        fit_times += times
    ref = ref_best
    t_fit = statistics.median(fit_times)
    res_h, t_hoff, _ = timed(lambda: fit(law, d, starts="hoffmann"), 3)
    rel = (res.objective - ref.objective) / ref.objective
    rel_h = (res_h.objective - ref.objective) / ref.objective

    # Bootstrap against single-start refits, two ways, same number of resamples:
    # (1) the Epoch replication's style (Besiroglu et al. 2024, data_analysis.ipynb): each
    #     resample is the runs drawn with replacement, refitted by one scipy BFGS call from a
    #     fixed start, Hoffmann et al.'s fit (406.4, 410.7, 1.69, 0.34, 0.28); their gradient
    #     came from autograd, ours is analytic (numpy), which makes the reference faster;
    # (2) the strongest single start we know: L-BFGS-B (analytic gradient) warm-started at
    #     the full-data optimum, resamples as multinomial weights.
    # Both run in blocks with an engine bootstrap timed after each block, as above.
    from scipy.optimize import minimize

    from scalewatch.fitting._reference import _objective

    p = res.params
    x_warm = np.array([np.log(p["A"]), np.log(p["B"]), np.log(p["E"]), p["alpha"], p["beta"]])
    x_hoff = np.array([np.log(406.4), np.log(410.7), np.log(1.69), 0.34, 0.28])
    ln, ld, ll = np.log(d["N"]), np.log(d["D"]), np.log(d["loss"])
    nn = len(ll)
    ref_rng = np.random.default_rng(0)
    idx_ref = ref_rng.integers(0, nn, size=(args.resamples, nn))
    Wref = ref_rng.multinomial(nn, np.full(nn, 1.0 / nn), size=args.resamples).astype(float)
    ones = np.ones(nn)
    t_epoch, t_warm, boot_times, boot = 0.0, 0.0, [], None
    epoch_fail = 0
    for block in np.array_split(np.arange(args.resamples), 5):
        t0 = time.perf_counter()
        for i in block:
            j = idx_ref[i]
            r = minimize(_objective, x_hoff, args=(ln[j], ld[j], ll[j], 1e-3, ones), jac=True, method="BFGS")
            epoch_fail += not r.success
        t_epoch += time.perf_counter() - t0
        t0 = time.perf_counter()
        for w in Wref[block]:
            minimize(_objective, x_warm, args=(ln, ld, ll, 1e-3, w), jac=True, method="L-BFGS-B")
        t_warm += time.perf_counter() - t0
        boot, _, times = timed(lambda: bootstrap(res, args.resamples, seed=0), 1)
        boot_times += times
    t_boot = statistics.median(boot_times)

    # quality of the per-resample search: full variable-projection search on 100 resamples
    rng = np.random.default_rng(1)
    prob = Problem(law, res.X, res.y, res.loss, res.space)
    n = len(res.y)
    grid = _profile_grid(law, rng)
    worse = 0
    m = args.checks
    from scalewatch.fitting._bootstrap import _solve_chunk, _starts

    W = rng.multinomial(n, np.full(n, 1.0 / n), size=m).astype(float)
    U, ok = _solve_chunk(prob, W, _starts(prob, res, res.weights, 4), 0, 2, 200)
    f_boot = prob.objective(U, W)
    for i in range(m):
        full = profile_search(prob, W[i], grid)
        if f_boot[i] > full.f * (1 + 1e-9):
            worse += 1

    body = f"""
Data: chinchilla-hoffmann2022 (Epoch AI extraction of Hoffmann et al. Fig. 4), 240 runs after dropping the 5 highest-loss runs.
Objective: Huber (delta = 1e-3) on log-loss residuals, summed; A, B, E on log scale.

| what | time | objective | vs reference |
| --- | --- | --- | --- |
| reference: 4500 x scipy L-BFGS-B (analytic gradient), Python loop | {t_ref:.2f} s (in {args.blocks} blocks) | {ref.objective:.15g} | 1x |
| `fit(Chinchilla())` (variable projection, 225 exponent pairs, 12 refined) | {t_fit * 1e3:.1f} ms (median of {len(fit_times)}; range {min(fit_times) * 1e3:.1f}-{max(fit_times) * 1e3:.1f}) | {res.objective:.15g} | **{t_ref / t_fit:,.0f}x faster**, objective {rel:+.2e} relative |
| `fit(..., starts="hoffmann")` (all 4500 starts, one batch) | {t_hoff:.2f} s (median of 3) | {res_h.objective:.15g} | {t_ref / t_hoff:,.0f}x faster, objective {rel_h:+.2e} relative |
| reference bootstrap (1), Epoch's style: {args.resamples} x scipy BFGS from Hoffmann et al.'s fit, runs drawn with replacement | {t_epoch:.2f} s (in 5 blocks) | {epoch_fail}/{args.resamples} not converged | 1x |
| reference bootstrap (2): {args.resamples} x scipy L-BFGS-B warm-started at the full-data optimum | {t_warm:.2f} s (in 5 blocks) | | {t_epoch / t_warm:.1f}x faster than (1) |
| `bootstrap(fit, {args.resamples})`, each resample a multi-start search, 2 threads | {t_boot:.2f} s (median of 5; range {min(boot_times):.2f}-{max(boot_times):.2f}) | {boot.n_failed}/{args.resamples} failed | **{t_epoch / t_boot:.1f}x faster** than (1) (target 30x: {"met" if t_epoch / t_boot >= 30 else "not met"}); {t_warm / t_boot:.1f}x faster than (2) |

Fitted (engine): E = {res.params['E']:.4f}, A = {res.params['A']:.1f}, B = {res.params['B']:.1f}, alpha = {res.params['alpha']:.4f}, beta = {res.params['beta']:.4f}.
Bootstrap 95% percentile intervals: alpha [{boot.intervals['alpha'][0]:.4f}, {boot.intervals['alpha'][1]:.4f}], beta [{boot.intervals['beta'][0]:.4f}, {boot.intervals['beta'][1]:.4f}], E [{boot.intervals['E'][0]:.4f}, {boot.intervals['E'][1]:.4f}].
Per-resample search check: on {m} resamples, the bootstrap's search was worse than a full 225-point variable-projection search (by more than 1e-9 relative) on {worse}/{m}.

Each engine bootstrap resample starts from the full-data optima and the best grid points (5 starts), converges the best and follows the runner-up until it joins the best's basin; reference (1) is what the issue's "single-start refits" means (one start per resample, as in the Epoch replication); (2) is a single warm start, no search, and the fastest scipy way we know.

The reference grid runs in {args.blocks} blocks with {args.repeats} engine fits timed after each, so both are measured over the same stretches of this shared machine (its speed drifts by tens of percent within minutes).
Command: `python benchmarks/bench_fit.py` (with `SCALEWATCH_DATA_MIRROR` set, or online).
"""
    print(body)
    if not args.no_write:
        write_section("fitting engine (benchmarks/bench_fit.py)", body)


if __name__ == "__main__":
    main()
