"""The report in a real browser: headless Chromium opens it from file://, offline, without a JavaScript error,
and every plot renders.

Needs Debian's ``chromium`` (``apt-get install -y chromium``) and the Python package ``playwright``
(``pip install playwright``; its own browser download, ``playwright install``, is not used). A missing
browser fails this test with those instructions: it never skips.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: where the lead looks at the real report
SCREENSHOT = Path("/tmp/scalewatch-report.png")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} not found: the browser test needs Debian's chromium. Install it with\n"
            "    sudo apt-get update && sudo apt-get install -y chromium\n"
            "(scripts/test.sh does this when run as root)."
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser test needs the Python package playwright: pip install playwright (no `playwright install` needed)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _open(browser, index: Path, shot: Path):
    """Open the page offline; return (errors, network requests, plots per div) after every plot drew."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: errors.append(f"console.{msg.type}: {msg.text}") if msg.type in ("error", "assert") else None)

    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:", "about:")):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(index.resolve().as_uri(), wait_until="load")
    n = page.evaluate("document.querySelectorAll('div.plot').length")
    page.wait_for_function(
        "Array.from(document.querySelectorAll('div.plot')).every(d => d.querySelector('svg.main-svg'))", timeout=30_000
    )
    drawn = page.evaluate("Array.from(document.querySelectorAll('div.plot')).map(d => d.querySelectorAll('svg.main-svg').length)")
    pwned = page.evaluate("window.__pwned === undefined")
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    return errors, requests, n, drawn, pwned


@pytest.mark.slow
@pytest.mark.parametrize("which", ["real", "combined"])
def test_report_renders_offline_without_errors(browser, request, tmp_path, which):
    report, index = request.getfixturevalue(f"{which}_report")
    shot = tmp_path / f"{which}.png"
    errors, requests, n, drawn, not_pwned = _open(browser, index, shot)
    assert errors == [], f"JavaScript errors in {index}: {errors}"
    assert requests == [], f"the report tried to reach the network: {requests}"
    assert n == sum(len(f.figures) for f in report.findings) > 0
    assert all(k >= 1 for k in drawn), f"plots without an svg.main-svg: {drawn}"
    assert not_pwned, "a string of a finding ran as a script"
    assert shot.stat().st_size > 20_000
    if which == "real":
        shutil.copyfile(shot, SCREENSHOT)
