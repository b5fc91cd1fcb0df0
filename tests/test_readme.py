"""The README's quick start is what CI runs, and its examples name real commands."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_ci_runs_the_readme_test_command_unchanged():
    blocks = _bash_blocks((ROOT / "README.md").read_text())
    assert len(blocks) >= 2, "the README quick start needs two bash blocks: the main job and the tests"
    test_command = blocks[1]
    assert "\n" not in test_command, f"the README test command should be one line, got {test_command!r}"
    ci_lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines, f".ci/run does not run the README test command {test_command!r}"


def test_readme_main_command_runs_the_report_on_a_fresh_venv():
    main = _bash_blocks((ROOT / "README.md").read_text())[0]
    assert main.startswith("python3 -m venv .venv"), main
    assert "scalewatch report" in main
    # it runs on the embedded snapshot: no mirror, no path outside the repository
    assert "SCALEWATCH_DATA_MIRROR" not in main and "../" not in main, main
    ci = (ROOT / ".ci" / "run").read_text()
    assert f"env -u SCALEWATCH_DATA_MIRROR bash -c '{main}'" in ci, "CI must run the README main command without a mirror"


def test_readme_shows_real_output_not_placeholders():
    text = (ROOT / "README.md").read_text()
    assert "PLACEHOLDER" not in text, "fill the README's expected output with a real run"


def test_readme_cli_examples_name_existing_commands():
    from typer.main import get_command

    from scalewatch.cli import app

    cli = get_command(app)
    text = (ROOT / "README.md").read_text()
    used = set(re.findall(r"^scalewatch ([a-z][a-z-]*)", text, flags=re.M))
    assert used, "the README should show CLI examples"
    missing = sorted(used - set(cli.commands))  # type: ignore[attr-defined]
    assert not missing, f"README uses commands the CLI lacks: {missing}"


def test_readme_python_examples_use_only_public_names():
    import ast
    import importlib

    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "the README should show Python examples"
    seen = 0
    for block in blocks:
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.ImportFrom):
                mods, names = [node.module or ""], [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                mods, names = [a.name for a in node.names], []
            else:
                continue
            for mod in mods:
                assert not any(part.startswith("_") for part in mod.split(".")), f"README imports a private module: {mod}"
                module = importlib.import_module(mod)
                for name in names:
                    assert not name.startswith("_"), f"README imports a private name: {mod}.{name}"
                    assert hasattr(module, name), f"README imports {mod}.{name}, which does not exist"
                seen += 1
    assert seen >= 3
