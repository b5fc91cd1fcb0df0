"""Wall time of `scalewatch report`: cold and warm, one process (--jobs 1) and every core, side by side in one run.

Each measurement is a fresh `python -m scalewatch.cli report` in a subprocess (start-up, imports, data checks
and writing index.html and findings.json included). A cold run gets a new, empty report cache folder
(SCALEWATCH_REPORT_CACHE_DIR); a warm run reuses the folder a cold run of the same settings filled. A
"durations known" run gets an empty folder holding only an earlier report's record of how long each analysis
took, which a parallel report uses to start the longest first (as after a code or data change); a first
report uses the durations shipped in the package (src/scalewatch/reporting/durations.json, rewritten by this
script from its --jobs 1 runs).

The reference is today's one-process report: ``--jobs 1`` on an empty cache. Cold runs alternate between the
reference and ``--jobs N`` so that both see the same stretches of a shared machine; the load average
(``uptime``) before and after every run is recorded. Every run's findings.json, with its timing fields left
out, must be byte for byte the same.

Usage::

    SCALEWATCH_DATA_MIRROR=../shared/data nice -n 10 python benchmarks/bench_report.py [--repeats 2] [--warm 3] [--fast]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402

TIMING_FIELDS = ("created", "seconds", "jobs", "cached")


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _content(path: Path) -> str:
    d = json.loads(path.read_text(encoding="utf-8"))
    d = {k: v for k, v in d.items() if k not in TIMING_FIELDS}
    d["analyses"] = [{k: v for k, v in a.items() if k not in TIMING_FIELDS} for a in d["analyses"]]
    return json.dumps(d)


def run(jobs: int, cache: Path, out: Path, fast: bool) -> dict:
    env = {**os.environ, "SCALEWATCH_REPORT_CACHE_DIR": str(cache)}
    cmd = [sys.executable, "-m", "scalewatch.cli", "report", "--jobs", str(jobs), "--out", str(out), *(["--fast"] if fast else [])]
    before = _load()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    d = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return {"wall": wall, "load": f"{before} -> {_load()}", "findings": len(d["findings"]),
            "cached": sum(a.get("cached", False) for a in d["analyses"]), "content": _content(out / "findings.json")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=2, help="cold runs of each setting (alternating)")
    ap.add_argument("--warm", type=int, default=3, help="warm runs of each setting")
    ap.add_argument("--fast", action="store_true", help="time `scalewatch report --fast` instead")
    ap.add_argument("--no-write", action="store_true", help="print, do not write RESULTS.md")
    args = ap.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    uptime_start = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    cold: dict[int, list[dict]] = {1: [], cores: []}
    warm: dict[int, list[dict]] = {1: [], cores: []}
    known: list[dict] = []  # cold outcomes, but the durations of an earlier report kept (a rerun after a code change)
    filled: Path | None = None
    for r in range(args.repeats):
        for jobs in (1, cores, "known") if r % 2 == 0 else ("known", cores, 1):
            if jobs == "known":
                if filled is None:  # no earlier report yet: take the durations of a first, untimed one
                    filled = work / "cache-first"
                    run(1, filled, work / "out-first", args.fast)
                cache = work / f"cache-known-{r}"
                (cache / "_durations").mkdir(parents=True)
                shutil.copy(filled / "_durations" / "seconds.json", cache / "_durations" / "seconds.json")
                res = run(cores, cache, work / f"out-known-{r}", args.fast)
                print(f"cold --jobs {cores}, durations known: {res['wall']:.1f} s (load {res['load']})", flush=True)
                known.append(res)
                continue
            cache = work / f"cache-cold-{jobs}-{r}"
            res = run(jobs, cache, work / f"out-{jobs}-{r}", args.fast)
            print(f"cold --jobs {jobs}: {res['wall']:.1f} s (load {res['load']})", flush=True)
            cold[jobs].append(res)
            filled = cache
    assert filled is not None
    for w in range(args.warm):
        for jobs in (1, cores):
            res = run(jobs, filled, work / f"warm-{jobs}-{w}", args.fast)
            print(f"warm --jobs {jobs}: {res['wall']:.2f} s, {res['cached']} analyses cached (load {res['load']})", flush=True)
            warm[jobs].append(res)
    uptime_end = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    contents = {res["content"] for runs in (*cold.values(), *warm.values(), known) for res in runs}
    same = len(contents) == 1

    def med(rs: list[dict]) -> float:
        return statistics.median(r["wall"] for r in rs)

    def rng(rs: list[dict]) -> str:
        return f"{min(r['wall'] for r in rs):.1f}-{max(r['wall'] for r in rs):.1f}"

    ref = med(cold[1])
    n_analyses = len(json.loads((work / "out-1-0" / "findings.json").read_text())["analyses"])
    rows = [
        ("cold, `--jobs 1` (reference: one process, empty cache)", cold[1], "1x"),
        (f"cold, `--jobs {cores}` (all cores, empty cache: a first report)", cold[cores], f"**{ref / med(cold[cores]):.2f}x faster**"),
        (f"cold, `--jobs {cores}`, longest first (no outcome cached, the durations of an earlier report kept: "
         "a report after a code or data change)", known, f"**{ref / med(known):.2f}x faster**"),
        ("warm, `--jobs 1` (cache filled by a cold run)", warm[1], f"{ref / med(warm[1]):.0f}x faster"),
        (f"warm, `--jobs {cores}`", warm[cores], f"{ref / med(warm[cores]):.0f}x faster"),
    ]
    lines = [
        f"`scalewatch report{' --fast' if args.fast else ''}` end to end in a subprocess (imports, data checks, "
        f"{n_analyses} analyses, {cold[1][0]['findings']} findings, index.html and findings.json written), "
        f"median of {args.repeats} cold and {args.warm} warm runs per setting; cold runs alternate between the settings.",
        "",
        "| run | wall time (median) | range | vs reference | load average before -> after (each run) |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for label, rs, ratio in rows:
        lines.append(f"| {label} | {med(rs):.2f} s | {rng(rs)} s | {ratio} | {'; '.join(r['load'] for r in rs)} |")
    lines += [
        "",
        f"Targets (issue 21, item 3): cold at least 1.8x faster on 2 cores than `--jobs 1`: "
        f"{'met' if cores >= 2 and ref / med(cold[cores]) >= 1.8 else 'not met'} on a first report ({ref / med(cold[cores]):.2f}x), "
        f"{'met' if cores >= 2 and ref / med(known) >= 1.8 else 'not met'} once durations are known ({ref / med(known):.2f}x); "
        f"warm under 3 s: {'met' if med(warm[cores]) < 3 else 'not met'} ({med(warm[cores]):.2f} s).",
        f"findings.json identical (timing fields left out) across all {sum(len(v) for v in (*cold.values(), *warm.values(), known))} runs: "
        f"{'yes' if same else 'NO'}.",
        f"Load: the machine is shared with other jobs; `uptime` at start: `{uptime_start}`; at end: `{uptime_end}`. "
        "Run niced (`nice -n 10`); rerun on a quiet machine for cleaner numbers.",
        f"Command: `nice -n 10 python benchmarks/bench_report.py --repeats {args.repeats} --warm {args.warm}{' --fast' if args.fast else ''}` "
        "(with `SCALEWATCH_DATA_MIRROR` set).",
    ]
    body = "\n".join(lines)
    print(body)
    if not same:
        print("findings.json differs between runs", file=sys.stderr)
    if not args.no_write:
        write_section("report wall time (benchmarks/bench_report.py)", body)
        if not args.fast:
            write_durations([work / f"out-1-{r}" / "findings.json" for r in range(args.repeats)])


def write_durations(paths: list[Path]) -> None:
    """The shipped durations (src/scalewatch/reporting/durations.json): median seconds per analysis of the
    cold --jobs 1 runs, the order a parallel report starts analyses in before it has timed its own."""
    per: dict[str, list[float]] = {}
    for path in paths:
        for a in json.loads(path.read_text(encoding="utf-8"))["analyses"]:
            if a["status"] == "ok" and a.get("seconds") is not None:
                per.setdefault(a["key"], []).append(float(a["seconds"]))
    out = {
        "format": 1,
        "what": "seconds each analysis of `scalewatch report` took with --jobs 1 on an empty cache, on the reference "
        "machine of benchmarks/RESULTS.md; a parallel report starts the longest first by these until it has timed its "
        "own (scheduling only, never a result)",
        "command": "SCALEWATCH_DATA_MIRROR=../shared/data python benchmarks/bench_report.py",
        "seconds": {k: round(statistics.median(v), 3) for k, v in per.items()},
    }
    target = Path(__file__).resolve().parents[1] / "src" / "scalewatch" / "reporting" / "durations.json"
    target.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
