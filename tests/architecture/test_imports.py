"""The layers hold: no import cycle, no private name imported across packages, the import-linter contracts kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import import_graph as imports  # tests/architecture/import_graph.py (pytest puts this folder on sys.path)
import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_are_kept() -> None:
    from importlinter.cli import lint_imports

    # the contracts of pyproject.toml: the layers and the forbidden imports (function-local ones count)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0


def test_no_import_cycle_between_modules() -> None:
    found = imports.cycles()
    detail = []
    g = imports.graph()
    for comp in found:
        inside = set(comp)
        detail += [str(e) for e in imports.edges() if e.importer in inside and e.target in inside and e.target != e.importer]
    assert not found, "import cycles (function-local imports count):\n" + "\n".join(detail)
    assert len(g) > 100  # the graph was read (every module of the package)


def test_no_private_import_across_packages() -> None:
    bad = imports.private_violations()
    assert not bad, "private names imported from outside their package:\n" + "\n".join(map(str, bad))


def test_cycle_finder_finds_function_local_cycles() -> None:
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert imports.cycles(g) == [["a", "b", "c"]]
    assert imports.cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize(
    ("target", "name", "scope"),
    [
        ("scalewatch.analyses.testtime.passk", "_rng", "scalewatch.analyses.testtime"),  # a private helper: its package's
        ("scalewatch.data._loaders._catalog", "DatasetInfo", "scalewatch.data"),  # a private module: its package's
        ("scalewatch._version", "__version__", "scalewatch"),
        ("scalewatch.analyses.testtime", "checked_verdict", None),
        ("scalewatch.findings", "__all__", None),  # dunder names are public
    ],
)
def test_private_scope(target: str, name: str, scope: str | None) -> None:
    assert imports.private_scope(target, name) == scope


def test_edges_include_function_local_imports() -> None:
    local = [e for e in imports.edges() if e.local and e.importer == "scalewatch.reporting.run"]
    assert any(e.target == "scalewatch.reporting.page" for e in local)  # Report.to_html imports the page lazily


def test_light_packages_import_no_numpy() -> None:
    code = (
        "import sys; import scalewatch, scalewatch.findings, scalewatch.analyses, scalewatch.reporting; "
        "heavy = sorted(m for m in ('numpy', 'pandas', 'plotly', 'torch') if m in sys.modules); print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
