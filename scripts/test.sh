#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh machine, then run it.
#   - a virtual environment in .venv with scalewatch, its test extras, torch (CPU, pinned) and ray
#   - Debian's chromium for the real-browser report test (installed when missing and we are root)
#   - the public datasets from the mirror in $SCALEWATCH_DATA_MIRROR (default: ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# torch first, pinned: the CPU build installs quickly; an unpinned torch pulls the CUDA build (gigabytes)
.venv/bin/python -m pip install -q 'torch==2.13.0'
.venv/bin/python -m pip install -q -e '.[test,experiments,cluster]'
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing: install Debian's chromium (sudo apt-get install chromium) for the browser test" >&2
  fi
fi
export SCALEWATCH_DATA_MIRROR="${SCALEWATCH_DATA_MIRROR:-$(cd .. && pwd)/shared/data}"
exec .venv/bin/python -m pytest "$@"
