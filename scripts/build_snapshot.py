#!/usr/bin/env python3
"""Build the embedded data snapshot (src/scalewatch/data/snapshot/) from the pinned upstream files.

    python scripts/build_snapshot.py [--source ../shared/data] [--out src/scalewatch/data/snapshot] [--check]

--source is a folder laid out like the data mirror (<dataset>/<file>, raw upstream inputs of derived
tables under <dataset>/raw/). Every input is checked against its sha256 pin first; the build is
deterministic, so --check rebuilds into a temporary folder and fails if any byte differs from --out
(CI runs this check through tests/data/test_snapshot.py).
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "scalewatch" / "data" / "snapshot")
    parser.add_argument("--check", action="store_true", help="rebuild in a temporary folder and compare with --out")
    args = parser.parse_args()
    from scalewatch.data.snapshot_tools import build_snapshot, notice

    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            build_snapshot(args.source, Path(tmp) / "snapshot")
            cmp = filecmp.dircmp(Path(tmp) / "snapshot", args.out)
            bad = cmp.diff_files + cmp.left_only + cmp.right_only + cmp.subdirs["LICENSES"].diff_files
            if bad:
                print(f"snapshot differs from a rebuild: {sorted(bad)}", file=sys.stderr)
                return 1
        print(f"{args.out}: identical to a rebuild from {args.source}")
        return 0
    manifest = build_snapshot(args.source, args.out, progress=print)
    (ROOT / "DATA_LICENSES.md").write_text(notice(manifest), encoding="utf-8")
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"snapshot {manifest['version']}: {size:,} bytes in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
