"""Compare two ``findings.json`` files of ``scalewatch report``, ignoring timings.

Usage::

    python scripts/compare_findings.py BEFORE/findings.json AFTER/findings.json [--max 50]

Exit status 0 when the two are identical apart from the run's timings
(``created``, ``seconds`` and each analysis' ``seconds``), 1 otherwise; every
difference is printed with its JSON path, and numbers with their absolute and
relative change. Used to check that a refactoring moves no number
(``scalewatch report --out DIR`` before and after).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any, Iterator

#: keys that hold wall-clock values: they differ between any two runs
TIMING_KEYS = frozenset({"created", "seconds"})


def _strip(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in TIMING_KEYS}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def differences(a: Any, b: Any, path: str = "$") -> Iterator[str]:
    """Lines describing where ``a`` and ``b`` differ (nothing when equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in b:
                yield f"{path}.{k}: only in before"
            elif k not in a:
                yield f"{path}.{k}: only in after"
            else:
                yield from differences(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            yield f"{path}: {len(a)} items before, {len(b)} after"
        for i, (u, v) in enumerate(zip(a, b)):
            yield from differences(u, v, f"{path}[{i}]")
    elif a != b or type(a) is not type(b):
        if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b)):
            rel = abs(b - a) / abs(a) if a else math.inf
            yield f"{path}: {a!r} -> {b!r} (change {b - a:+.3g}, relative {rel:.2g})"
        else:
            yield f"{path}: {str(a)[:160]!r} -> {str(b)[:160]!r}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--max", type=int, default=50, help="print at most this many differences")
    args = parser.parse_args(argv)
    before, after = (_strip(json.loads(p.read_text(encoding="utf-8"))) for p in (args.before, args.after))
    diffs = list(differences(before, after))
    for line in diffs[: args.max]:
        print(line)
    if len(diffs) > args.max:
        print(f"... and {len(diffs) - args.max} more")
    n = len(before.get("findings", []))
    print(f"{len(diffs)} difference(s) in {n} findings (timings ignored)" if diffs else f"identical: {n} findings (timings ignored)")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
