"""The HTML page: self-contained and offline, plotly.js once, one newPlot per figure, everything escaped."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from scalewatch.findings import Finding
from scalewatch.reporting.page import FIGURE_ID_PREFIX, plotly_js


class _Page(HTMLParser):
    """Collects the tags, attributes, script bodies and style text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self._in: tuple[str, dict[str, str | None]] | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag in ("script", "style"):
            self._in, self._buf = (tag, a), []

    def handle_endtag(self, tag):
        if self._in is not None and tag == self._in[0]:
            body = "".join(self._buf)
            (self.scripts.append((self._in[1], body)) if tag == "script" else self.styles.append(body))
            self._in = None

    def handle_data(self, data):
        if self._in is not None:
            self._buf.append(data)


@pytest.fixture(scope="module", params=["real", "combined"])
def page(request):
    report, index = request.getfixturevalue(f"{request.param}_report")
    text = index.read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(text)
    return report, index, text, parsed


def test_no_external_resources(page):
    _, _, text, parsed = page
    for tag, attrs in parsed.tags:
        for attr in ("src", "href", "data", "poster", "srcset"):
            value = attrs.get(attr) or ""
            assert not re.match(r"\s*(https?:)?//", value), f"<{tag} {attr}={value!r}> would fetch from the network"
        if tag == "link":
            pytest.fail(f"<link {attrs}>: the page must not link stylesheets or fonts")
    css = "\n".join(parsed.styles)
    assert "url(" not in css and "@import" not in css and "@font-face" not in css
    # plotly.js itself names map-tile and font servers (used only by map traces); the rest of the page names none
    rest = text.replace(plotly_js()[0], "")
    assert "fonts.googleapis" not in rest and "cdn.plot.ly" not in rest and "<script src" not in rest


def test_plotly_js_is_inlined_exactly_once(page):
    _, _, text, parsed = page
    js, version = plotly_js()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    for start in (0, len(js) // 2, len(js) - 2000):  # head, middle and tail of the bundle: each once
        assert text.count(js[start : start + 2000]) == 1
    bundles = [body for attrs, body in parsed.scripts if "Plotly" in body and len(body) > 1_000_000]
    assert len(bundles) == 1
    assert not any(attrs.get("src") for attrs, _ in parsed.scripts)


def test_every_figure_div_has_its_spec_and_one_newplot_call(page):
    report, _, text, parsed = page
    divs = [a["id"] for t, a in parsed.tags if t == "div" and "plot" in (a.get("class") or "").split()]
    assert len(divs) == sum(len(f.figures) for f in report.findings) > 0
    assert divs == [f"{FIGURE_ID_PREFIX}{i}" for i in range(1, len(divs) + 1)]
    specs = {a["id"]: body for a, body in parsed.scripts if a.get("type") == "application/json"}
    for fid in divs:
        assert text.count(f"Plotly.newPlot({json.dumps(fid)},") == 1
        spec = json.loads(specs[f"{fid}-spec"])
        assert spec["data"] and isinstance(spec["layout"]["template"], dict)  # a template object, never a name
        assert "title" not in spec["layout"]  # shown once, in HTML
    assert text.count("Plotly.newPlot(") == len(divs)


def test_page_structure_and_verdict_table(page):
    report, _, text, _ = page
    assert "<title>Is AI scaling hitting a wall? scalewatch report" in text
    assert f"scalewatch {report.version}" in text and report.created[:10] in text
    table = text[text.index("<table class='verdicts'>") : text.index("</table>", text.index("<table class='verdicts'>"))]
    for f in report.findings:
        assert f"href='#f-{f.key.replace('.', '-')}'" in table and f"badge tone-{f.tone}" in table
        assert f"id='f-{f.key.replace('.', '-')}'" in text  # its section
    for o in report.errors:
        assert "tone-error" in table and o.error.split(":")[0] in table
    assert text.index("id=\"verdicts\"") < text.index("class='finding'")  # verdicts first
    if report.findings:  # ... after the answer first: the synthesis opens the page
        assert text.index("id='synthesis'") < text.index("id=\"verdicts\"")
        assert report.synthesis.sentence.split(":")[0] in text


def test_hostile_strings_are_escaped(combined_report):
    _, index = combined_report
    text = index.read_text(encoding="utf-8")
    assert "window.__pwned" in text  # present as text...
    assert "<script>window.__pwned" not in text  # ...never as markup
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned" in text
    assert "<b>bold</b>" not in text and "&lt;b&gt;bold&lt;/b&gt;" in text


def test_errors_and_skipped_are_shown_with_their_reasons(combined_report):
    report, index = combined_report
    text = index.read_text(encoding="utf-8")
    assert [o.key for o in report.errors] == ["sweep.boom"]
    assert "RuntimeError: toy failure: the solver exploded" in text
    assert "second line of detail" in text  # in the traceback
    assert "Skipped: data not on this machine" in text and "<code>pythia-evals</code>" in text
    plain = re.sub(r"<[^>]+>", "", text)
    (skipped,) = report.skipped
    assert skipped.how[0].replace("`", "") in plain  # e.g. "mirror-only: set SCALEWATCH_DATA_MIRROR to ..."


def test_findings_json_holds_every_finding(page):
    report, index, _, _ = page
    data = json.loads((index.parent / "findings.json").read_text(encoding="utf-8"))
    assert data["scalewatch"] == report.version and data["fast"] is True
    assert [Finding.from_dict(d) for d in data["findings"]] == list(report.findings)
    assert {a["key"]: a["status"] for a in data["analyses"]} == {o.key: o.status for o in report.outcomes}
