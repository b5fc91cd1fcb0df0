"""Benchmark: fit time and peak memory from 240 to 10 million points, against scipy.

Run:  nice -n 10 python benchmarks/bench_fit_scale.py   (about 10 minutes on 2 cores;
``--sizes 240,2400`` for a quick look). Writes the "fit at scale" section of
benchmarks/RESULTS.md.

Data: n points of a Chinchilla law (E = 1.7, A = 400, B = 1500, alpha = 0.34,
beta = 0.36) at log-uniform N in [1e7, 1e10] and D in [1e9, 1e12], loss times
exp(0.01 z), z standard normal (seed 0): the shape of whole loss curves of many
runs, where n is in the millions. Objective: the default fit's, Huber (delta 1e-3)
on log-loss residuals, summed.

Each measurement runs in its own process, so its peak resident memory
(``ru_maxrss``) is its own: the engine's ``fit(Chinchilla(), (X, y))`` with the
default ``strategy="auto"`` (the full variable-projection search up to 20,000
points, a stratified-subsample search plus full-data refinement above), and the
reference, one ``scipy.optimize.minimize(method="L-BFGS-B")`` with the analytic
gradient of :mod:`scalewatch.fitting._reference`, started from the point the
engine's final refinement started from (its best start). The scipy multi-start
loop (4500 starts of Hoffmann et al.) runs where feasible: in full at 240 points;
at 2,400 points every 10th start is run and the time multiplied by 10 (marked).
``strategy="full"`` runs up to 240k points as a check that the large-n strategy
reaches the full search's optimum.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TRUTH = dict(E=1.7, A=400.0, B=1500.0, alpha=0.34, beta=0.36)


def make_data(n: int, seed: int = 0):
    from scalewatch import laws

    rng = np.random.default_rng(seed)
    X = np.empty((n, 2))
    X[:, 0] = np.exp(rng.uniform(np.log(1e7), np.log(1e10), n))
    X[:, 1] = np.exp(rng.uniform(np.log(1e9), np.log(1e12), n))
    y = laws.Chinchilla()(X, **TRUTH)
    y *= np.exp(0.01 * rng.standard_normal(n))
    return X, y


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KB on Linux


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return float(line.split()[1]) / 1024.0
    return float("nan")


# -- one measurement per process -------------------------------------------------------


def run_engine(n: int, strategy: str) -> dict:
    from scalewatch import laws
    from scalewatch.errors import IdentifiabilityWarning
    from scalewatch.fitting import _fit, fit

    warnings.simplefilter("ignore", IdentifiabilityWarning)
    X, y = make_data(n)
    fit(laws.Chinchilla(), make_data(240, seed=1))  # warm-up: imports, caches
    before = current_rss_mb()
    seen = {}
    inner_sub, inner_run = _fit.subsample_search, _fit.run_search

    def record_sub(*a, **k):  # records the search's best start (for scipy's start)
        out = inner_sub(*a, **k)
        seen["sub"] = out[0]
        return out

    def record_run(*a, **k):
        out = inner_run(*a, **k)
        seen.setdefault("run", out[0])
        return out

    _fit.subsample_search, _fit.run_search = record_sub, record_run
    t0 = time.perf_counter()
    res = fit(laws.Chinchilla(), (X, y), strategy=strategy)
    seconds = time.perf_counter() - t0
    search = seen.get("sub", seen.get("run"))
    start = search.start_u[0]  # internal u: log E, log A, log B, alpha, beta
    return {"seconds": seconds, "objective": res.objective, "peak_mb": rss_mb(), "before_mb": before,
            "start": start.tolist(), "label": res.starts, "params": res.params}


def run_scipy(n: int, start: list[float]) -> dict:
    from scipy.optimize import minimize

    from scalewatch.fitting._reference import _objective

    X, y = make_data(n)
    log_n, log_d, log_l = np.log(X[:, 0]), np.log(X[:, 1]), np.log(y)
    w = np.ones(n)
    del X, y
    before = current_rss_mb()
    le, la, lb, alpha, beta = start
    x0 = np.array([la, lb, le, alpha, beta])  # the reference's order: log A, log B, log E, alpha, beta
    t0 = time.perf_counter()
    r = minimize(_objective, x0, args=(log_n, log_d, log_l, 1e-3, w), jac=True, method="L-BFGS-B")
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "objective": float(r.fun), "nit": int(r.nit), "nfev": int(r.nfev),
            "peak_mb": rss_mb(), "before_mb": before}


def run_scipy_loop(n: int, every: int) -> dict:
    from scalewatch.fitting._reference import hoffmann_grid, reference_chinchilla_fit

    X, y = make_data(n)
    grid = hoffmann_grid()[::every]
    t0 = time.perf_counter()
    ref = reference_chinchilla_fit(X[:, 0], X[:, 1], y, starts=grid)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds * every, "measured_s": seconds, "starts": len(grid), "every": every,
            "objective": ref.objective, "peak_mb": rss_mb()}


def child(kind: str, n: int, extra: str) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--n", str(n), "--extra", extra]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1], "peak_mb": math.nan, "seconds": math.nan}
    return json.loads(out.stdout.strip().splitlines()[-1])


def slope(ns, ts) -> float:
    ok = [(math.log(a), math.log(b)) for a, b in zip(ns, ts) if b == b and b > 0]
    if len(ok) < 2:
        return math.nan
    x, t = np.array(ok).T
    return float(np.polyfit(x, t, 1)[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="240,2400,24000,240000,2400000,10000000")
    ap.add_argument("--full-up-to", type=int, default=240_000, help="largest n also fitted with strategy='full'")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--extra", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        if args.child == "engine":
            out = run_engine(args.n, args.extra or "auto")
        elif args.child == "scipy":
            out = run_scipy(args.n, json.loads(args.extra))
        else:
            out = run_scipy_loop(args.n, int(args.extra))
        print(json.dumps(out))
        return

    sizes = [int(float(s)) for s in args.sizes.split(",")]
    rows = []
    for n in sizes:
        t = time.perf_counter()
        eng = child("engine", n, "auto")
        ref = child("scipy", n, json.dumps(eng["start"])) if "start" in eng else {"error": "no start"}
        full = child("engine", n, "full") if n <= args.full_up_to else None
        loop = child("loop", n, "1" if n <= 240 else "10") if n <= 2400 else None
        rows.append((n, eng, ref, full, loop))
        print(f"n={n}: engine {eng.get('seconds', float('nan')):.3f} s {eng.get('peak_mb', float('nan')):.0f} MB; "
              f"scipy {ref.get('seconds', float('nan')):.3f} s; full {full and full.get('seconds')}; loop {loop and loop.get('seconds')} "
              f"({time.perf_counter() - t:.0f} s)", file=sys.stderr, flush=True)

    def fmt_t(x):
        return "-" if x is None or x != x else (f"{x * 1e3:.1f} ms" if x < 1 else f"{x:.2f} s")

    lines = ["| n | engine (auto) | peak RSS (before fit) | scipy L-BFGS-B, same start | scipy / engine | scipy peak RSS | "
             "engine full search | objective: auto vs full, vs scipy | scipy 4500-start loop |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |"]
    for n, eng, ref, full, loop in rows:
        e_t, r_t = eng.get("seconds", math.nan), ref.get("seconds", math.nan)
        rel_full = "-" if not full or "objective" not in full else f"{(eng['objective'] - full['objective']) / full['objective']:+.1e}"
        rel_ref = "-" if "objective" not in ref else f"{(eng['objective'] - ref['objective']) / ref['objective']:+.1e}"
        loop_s = "-" if not loop else (fmt_t(loop["seconds"]) + ("" if loop["every"] == 1 else f" (est.: {loop['starts']} starts x {loop['every']})"))
        strat = "subsample" if "subsample" in eng.get("label", "") else "full"
        ref_cell = fmt_t(r_t) + (f" ({ref['nit']} it.)" if "nit" in ref else f" ({ref.get('error', '')})")
        lines.append(
            f"| {n:,} | {fmt_t(e_t)} ({strat}) | {eng.get('peak_mb', math.nan):,.0f} MB ({eng.get('before_mb', math.nan):,.0f}) | "
            f"{ref_cell} | {r_t / e_t:.2f}x | {ref.get('peak_mb', math.nan):,.0f} MB | "
            f"{fmt_t(full.get('seconds')) if full else '-'} | {rel_full}, {rel_ref} | {loop_s} |"
        )
    ns = [r[0] for r in rows]
    big = [i for i, n in enumerate(ns) if n >= 24_000]
    g_e = slope(ns, [r[1].get("seconds", math.nan) for r in rows])
    g_r = slope(ns, [r[2].get("seconds", math.nan) for r in rows])
    g_e_big = slope([ns[i] for i in big], [rows[i][1].get("seconds", math.nan) for i in big])
    g_r_big = slope([ns[i] for i in big], [rows[i][2].get("seconds", math.nan) for i in big])
    at240k = [r for r in rows if r[0] == 240_000]
    verdict = ""
    if at240k:
        _, eng, ref, _, _ = at240k[0]
        ratio = ref.get("seconds", math.nan) / eng.get("seconds", math.nan)
        verdict = (f"Target (issue 21): at 240k points the whole engine fit is never slower than one scipy L-BFGS-B call "
                   f"from the same start: scipy / engine = {ratio:.2f}x ({'met' if ratio >= 1 else 'NOT met'}).")
    big_rows = [r for r in rows if r[0] >= 10_000_000]
    if big_rows:
        pk = big_rows[0][1].get("peak_mb", math.nan)
        verdict += f" Peak memory at {big_rows[0][0]:,} points: {pk:,.0f} MB of the process, data included (target < 2,048 MB: {'met' if pk < 2048 else 'NOT met'})."
    body = f"""
Data: n points of Chinchilla's law (E 1.7, A 400, B 1500, alpha 0.34, beta 0.36), log-uniform N in [1e7, 1e10] and D in [1e9, 1e12], loss x exp(0.01 z). Objective: the default fit's (Huber delta 1e-3 on log-loss residuals, summed). Every measurement is its own process: peak RSS (`ru_maxrss`) is that process's whole peak, data and interpreter included; in brackets the RSS just before the fit (data loaded). Engine: `fit(Chinchilla(), (X, y))` with the defaults (`strategy="auto"`: full variable-projection search up to 20,000 points; above, that search on a 4096-point stratified subsample, then its best distinct optima refined on all points, chunks of 65,536). Reference: one `scipy.optimize.minimize(method="L-BFGS-B")`, analytic gradient, from the point the engine's final refinement started from. The objective column gives (auto - full) / full and (auto - scipy) / scipy.

{chr(10).join(lines)}

Growth exponent (slope of log time vs log n): engine {g_e:.2f} over all sizes, {g_e_big:.2f} from 24k up; scipy single L-BFGS-B {g_r:.2f} over all sizes, {g_r_big:.2f} from 24k up.
{verdict}

Command: `nice -n 10 python benchmarks/bench_fit_scale.py --sizes {args.sizes}`.
"""
    print(body)
    if not args.no_write:
        sys.path.insert(0, str(HERE))
        from _results import write_section

        write_section("fit at scale (benchmarks/bench_fit_scale.py)", body)


if __name__ == "__main__":
    main()
