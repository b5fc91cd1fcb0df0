"""The report as one self-contained HTML page.

Everything the page needs is inside it: the CSS, plotly.js (read once from the
installed ``plotly`` package and inlined once), and each figure's JSON. No CDN,
no web fonts (the system font stack), no network at all: the page works from
``file://`` on an offline machine. Each figure is a ``<div class="plot">``
with one ``Plotly.newPlot`` call of its own.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from scalewatch.findings import TONES, Figure, Finding, number_html, numbers_table_html, thaw
from scalewatch.findings.display import BADGE_STYLE
from scalewatch.plots import PALETTE

# the page draws a scalewatch.reporting.Report and its Outcomes; it does not import them (run.py imports this
# module to render a Report), so both are typed by what the page reads from them
Report = Any
Outcome = Any

__all__ = ["render", "verdict_table_html", "plotly_js", "FIGURE_ID_PREFIX"]

#: id of figure i is f"{FIGURE_ID_PREFIX}{i}"
FIGURE_ID_PREFIX = "sw-fig-"
#: rows of a table shown in the page (findings.json has them all)
MAX_TABLE_ROWS = 200

_FONT = '-apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif'
_MONO = 'ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace'

_AXIS = {
    "gridcolor": "#eef1f4",
    "linecolor": "#8c959f",
    "zerolinecolor": "#d0d7de",
    "showline": True,
    "ticks": "outside",
    "tickcolor": "#8c959f",
    "ticklen": 4,
    "automargin": True,
    "title": {"standoff": 10, "font": {"size": 13}},
}

# a plotly_white-like template as an object (plotly.js does not know template names)
_TEMPLATE = {"layout": {"colorway": list(PALETTE), "xaxis": _AXIS, "yaxis": _AXIS, "hovermode": "closest"}}

_BASE_LAYOUT: dict[str, Any] = {
    "template": _TEMPLATE,
    "font": {"family": _FONT, "size": 13, "color": "#1f2328"},
    "margin": {"l": 64, "r": 16, "t": 36, "b": 52},  # t: room for the mode bar above the legend
    "height": 440,
    "autosize": True,
    "paper_bgcolor": "#ffffff",
    "plot_bgcolor": "#ffffff",
    "legend": {"bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 12}, "itemsizing": "constant"},
    "hoverlabel": {"font": {"family": _FONT, "size": 12}},
}

_CONFIG = {
    "responsive": True,
    "displaylogo": False,
    "typesetMath": False,  # never look for MathJax (it would be a network fetch)
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    "toImageButtonOptions": {"format": "svg"},
}

_TONE_LABEL = {"ok": "green", "warn": "amber", "bad": "red", "info": "blue", "unknown": "grey"}


def plotly_js() -> tuple[str, str]:
    """(source, version) of the plotly.js bundled with the installed ``plotly`` package."""
    from importlib import resources

    try:
        src = (resources.files("plotly") / "package_data" / "plotly.min.js").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError, OSError):  # a layout change in plotly: ask it
        from plotly.offline import get_plotlyjs

        src = get_plotlyjs()
    m = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", src[:400])
    # an inline script ends at the first "</script", wherever it is; a JS string can spell it "<\/script"
    src = re.sub(r"</(script)", r"<\\/\1", src, flags=re.IGNORECASE)
    return src, (m.group(1) if m else "unknown")


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), Mapping) else v
    return out


def _render_spec(fig: Figure) -> dict[str, Any]:
    """The figure as drawn: the report's look underneath, the figure's own layout on top, its title in HTML."""
    spec = thaw(fig.spec)
    layout = dict(spec.get("layout") or {})
    layout.pop("title", None)  # shown above the plot in HTML
    if not isinstance(layout.get("template"), Mapping):
        layout.pop("template", None)  # a template *name* means nothing to plotly.js: use ours
    layout = _merge(_BASE_LAYOUT, layout)
    return {"data": spec["data"], "layout": layout}


def _script_json(obj: Any) -> str:
    """JSON that is safe inside <script>: '<', '>' and '&' escaped, so nothing can end or confuse the element."""
    text = json.dumps(obj, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _inline(text: str) -> str:
    """Escape, then `code` spans."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(text))


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{_inline(' '.join(p.split()))}</p>" for p in re.split(r"\n\s*\n", text.strip()) if p.strip())


def _anchor(key: str) -> str:
    return "f-" + re.sub(r"[^a-z0-9_-]+", "-", key.lower())


def _badge(verdict: str, tone: str) -> str:
    return f"<span class='badge tone-{tone}' title='{_e(TONES.get(tone, tone))}'>{_e(verdict)}</span>"


def _cell(v: Any) -> str:
    if v is None:
        return "<span class='none'>&ndash;</span>"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10000 else str(v)
    if isinstance(v, float):
        a = abs(v)
        text = f"{v:.4g}" if (a == 0 or 1e-3 <= a < 1e5) else f"{v:.3e}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")
        return number_html(text)
    if isinstance(v, (list, tuple, Mapping)):
        return f"<code>{_e(json.dumps(thaw(v)))}</code>"
    return _e(v)


def _data_table(title: str, rows: Sequence[Mapping[str, Any]]) -> str:
    cols: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    numeric = {c for c in cols if all(isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool) or r.get(c) is None for r in rows)}
    head = "".join(f"<th class='{'num' if c in numeric else ''}'>{_e(c)}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td class='{'num' if c in numeric else ''}'>{_cell(r.get(c))}</td>" for c in cols) + "</tr>"
        for r in rows[:MAX_TABLE_ROWS]
    )
    more = (
        f"<p class='more'>{len(rows) - MAX_TABLE_ROWS} more rows in <code>findings.json</code>.</p>"
        if len(rows) > MAX_TABLE_ROWS else ""
    )
    n = len(rows)
    return (
        f"<details class='data-table'><summary>{_e(title)} <span class='count'>{n} row{'s' if n != 1 else ''}</span></summary>"
        f"<div class='table-wrap'><table class='data'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{more}</details>"
    )


class _Figures:
    """Numbers the figures of the page and collects their JSON."""

    def __init__(self) -> None:
        self.specs: list[tuple[str, dict[str, Any]]] = []

    def add(self, fig: Figure) -> str:
        fid = f"{FIGURE_ID_PREFIX}{len(self.specs) + 1}"
        spec = _render_spec(fig)
        self.specs.append((fid, spec))
        height = int(spec["layout"].get("height") or 440)
        caption = f"<p class='caption'>{_inline(fig.caption)}</p>" if fig.caption else ""
        return (
            f"<figure class='plot-figure'><figcaption class='plot-title'>{_e(fig.title)}</figcaption>"
            f"<div class='plot' id='{fid}' style='height:{height}px' role='img' aria-label='{_e(fig.title)}'></div>{caption}</figure>"
        )

    def scripts(self) -> str:
        if not self.specs:
            return ""
        data = "".join(f"<script type='application/json' id='{fid}-spec'>{_script_json(spec)}</script>\n" for fid, spec in self.specs)
        calls = "\n".join(f"draw({json.dumps(fid)}, function (s) {{ return Plotly.newPlot({json.dumps(fid)}, s.data, s.layout, CONFIG); }});" for fid, _ in self.specs)
        return (
            data
            + "<script>\n(function () {\n"
            + f"var CONFIG = {_script_json(_CONFIG)};\n"
            + "function draw(id, plot) {\n"
            + "  var el = document.getElementById(id);\n"
            + "  try { plot(JSON.parse(document.getElementById(id + '-spec').textContent)); }\n"
            + "  catch (err) { el.className += ' plot-error'; el.textContent = 'This figure could not be drawn: ' + err; console.error('scalewatch figure ' + id + ': ' + err); }\n"
            + "}\n"
            + calls
            + "\n})();\n</script>\n"
        )


_OVERALL_TONE = {"a wall": "bad", "no wall seen": "ok", "not settled": "unknown"}


def _synthesis_section(report: Report) -> str:
    """The answer first: the overall sentence, then one row per debate question (scalewatch.analyses.synthesis)."""
    if not report.findings:
        return ""
    from scalewatch.findings import VERDICTS, verdict_tone

    syn = report.synthesis
    rows = []
    for a in syn.answers:
        tone = verdict_tone(a.key, a.verdict) if a.key in VERDICTS and a.verdict != "not measured" else "unknown"
        nums = "".join(
            f"<div class='kn-name'>{_e(n['number'])}</div><div class='kn-value'>{number_html(n['text'])}</div>" for n in a.numbers
        ) or "<span class='none'>&ndash;</span>"
        link = f"<div class='key'><a href='#{_anchor(a.decided_by)}'>{_e(a.decided_by)}</a></div>" if a.decided_by else ""
        rows.append(
            f"<tr class='row-{tone}'><td class='question-text'>{_e(a.question)}{link}</td><td class='verdict'>{_badge(a.verdict, tone)}"
            f"<div class='key'>{_e(a.evidence)} evidence</div></td><td class='summary'>{_e(a.why)}"
            f"<div class='more'>Would change it: {_e(a.would_change)}</div></td><td class='kn'>{nums}</td></tr>"
        )
    problems = "".join(f"<p class='error-text'>{_e(p)}</p>" for p in syn.problems)
    return (
        "<section id='synthesis'><h2>The answer first</h2>"
        f"<p class='lead'>{_badge(syn.verdict, _OVERALL_TONE.get(syn.verdict, 'unknown'))} {_e(syn.sentence)}</p>"
        "<div class='table-wrap'><table class='verdicts synthesis'><colgroup><col style='width:21%'><col style='width:132px'><col>"
        "<col style='width:240px'></colgroup><thead><tr><th>question</th><th>verdict</th><th>why, and what would change it</th>"
        "<th class='num'>deciding numbers</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>"
        f"<p class='legend'>Overall rule: {_e(syn.rule)} Per question: {_e(syn.question_rule)}</p>{problems}</section>"
    )


def _verdict_table(report: Report) -> str:
    rows = []
    for o in report.outcomes:
        if o.status == "ok":
            for f in o.findings:
                head = f.headline_number
                if head is None:
                    number = "<span class='none'>&ndash;</span>"
                else:
                    ci = f" <span class='ci'>{100 * head.ci:g}%</span>" if head.ci else ""
                    number = (
                        f"<div class='kn-name'>{_e(head.name)}</div><div class='kn-value'>{number_html(head.text())}"
                        f"{(' <span class=unit>' + _e(head.unit) + '</span>') if head.unit else ''}{ci}</div>"
                    )
                rows.append(
                    f"<tr class='row-{f.tone}'><td class='q'>{_e(f.question)}</td>"
                    f"<td class='finding'><a href='#{_anchor(f.key)}'>{_e(f.title)}</a><div class='key'>{_e(f.key)}</div></td>"
                    f"<td class='verdict'>{_badge(f.verdict, f.tone)}</td><td class='summary'>{_inline(f.summary)}</td>"
                    f"<td class='kn'>{number}</td></tr>"
                )
        elif o.status == "error":
            rows.append(
                f"<tr class='row-error'><td class='q'>{_e(o.question or 'module')}</td>"
                f"<td class='finding'><a href='#{_anchor(o.key)}'>{_e(o.title)}</a><div class='key'>{_e(o.key)}</div></td>"
                f"<td class='verdict'><span class='badge tone-error'>error</span></td>"
                f"<td class='summary error-text'>{_e(o.error)}</td><td class='kn'><span class='none'>&ndash;</span></td></tr>"
            )
    if not rows:
        return "<p class='empty'>No analysis produced a finding: see the skipped analyses below for the data they need.</p>"
    legend = " ".join(f"{_badge(_TONE_LABEL[t], t)} {_e(meaning)}" for t, meaning in TONES.items())
    return (
        "<div class='table-wrap'><table class='verdicts'><colgroup><col style='width:104px'><col style='width:21%'>"
        "<col style='width:132px'><col><col style='width:210px'></colgroup><thead><tr><th>question</th><th>finding</th>"
        "<th>verdict</th><th>summary</th><th class='num'>key number</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>"
        f"<p class='legend'>Verdict colours: {legend}.</p>"
    )


def _skipped(report: Report) -> str:
    if not report.skipped:
        return ""
    rows = "".join(
        f"<tr><td><b>{_e(o.title)}</b><div class='key'>{_e(o.key)}</div></td>"
        f"<td>{'<br>'.join(f'<code>{_e(m)}</code>' for m in o.missing)}</td>"
        f"<td>{'<br>'.join(_inline(h) for h in o.how)}</td></tr>"
        for o in report.skipped
    )
    if report.runs:
        return (
            "<section id='skipped'><h2>Skipped: not applicable to these runs</h2>"
            "<p class='muted'>These analyses did not run because the runs lack what they need.</p>"
            "<div class='table-wrap'><table class='skipped'><thead><tr><th>analysis</th><th>needs</th><th>why</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div></section>"
        )
    return (
        "<section id='skipped'><h2>Skipped: data not on this machine</h2>"
        "<p class='muted'>These analyses did not run because a dataset they need is neither in the mirror nor in the download cache "
        "(the report never downloads).</p>"
        "<div class='table-wrap'><table class='skipped'><thead><tr><th>analysis</th><th>missing dataset</th><th>how to get it</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div></section>"
    )


def _finding_section(f: Finding, outcome: Outcome, figs: _Figures) -> str:
    parts = [
        f"<section class='finding' id='{_anchor(f.key)}'>",
        f"<div class='finding-head'><span class='qtag'>{_e(f.question)}</span>{_badge(f.verdict, f.tone)}</div>",
        f"<h2>{_e(f.title)}</h2>",
        f"<p class='summary-line'>{_inline(f.summary)}</p>",
    ]
    if f.loss_label:
        parts.append(f"<p class='loss'>Fitting loss: <b>{_e(f.loss_label)}</b></p>")
    parts.extend(figs.add(fig) for fig in f.figures)
    if f.numbers:
        parts.append("<h3>Numbers</h3>")
        parts.append(f"<div class='table-wrap'>{numbers_table_html(f.numbers)}</div>")
    if f.tables:
        parts.append("<h3>Tables</h3>")
        parts.extend(_data_table(t, rows) for t, rows in f.tables)
    parts.append("<h3>Method</h3>")
    parts.append(f"<div class='method'>{_paragraphs(f.method)}</div>")
    notes = list(f.notes) + [f"warning while running: {w}" for w in outcome.warnings]
    if notes:
        parts.append("<h3>Notes</h3><ul class='notes'>" + "".join(f"<li>{_inline(n)}</li>" for n in notes) + "</ul>")
    if f.data_sources or f.citations:
        parts.append("<h3>Data and references</h3>")
        if f.data_sources:
            parts.append("<p class='sources'>Data: " + ", ".join(f"<code>{_e(s)}</code>" for s in f.data_sources) + "</p>")
        if f.citations:
            parts.append("<ol class='citations'>" + "".join(f"<li>{_inline(c)}</li>" for c in f.citations) + "</ol>")
    parts.append(f"<p class='footnote'>finding <code>{_e(f.key)}</code> &middot; analysis <code>{_e(outcome.key)}</code> &middot; {outcome.seconds:.1f} s</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _error_section(o: Outcome) -> str:
    warn = "".join(f"<li>{_e(w)}</li>" for w in o.warnings)
    return (
        f"<section class='finding error-section' id='{_anchor(o.key)}'>"
        f"<div class='finding-head'><span class='qtag'>{_e(o.question or 'module')}</span><span class='badge tone-error'>error</span></div>"
        f"<h2>{_e(o.title)}</h2><p class='summary-line error-text'>{_e(o.error)}</p>"
        + (f"<h3>Warnings before the error</h3><ul class='notes'>{warn}</ul>" if warn else "")
        + (f"<details><summary>Traceback</summary><pre>{_e(o.traceback)}</pre></details>" if o.traceback else "")
        + f"<p class='footnote'>analysis <code>{_e(o.key)}</code> &middot; {o.seconds:.1f} s</p></section>"
    )


def _data_sources(report: Report) -> str:
    """The datasets the report read: source and commit, where read, licence and the attribution to give."""
    if not report.data_versions:
        return ""
    rows = "".join(
        f"<tr><td><code>{_e(d['name'])}</code></td><td><code>{_e(d['repository'])}</code> @ <code>{_e(d['commit'][:12])}</code></td>"
        f"<td>{_e(d['local'])}</td><td>{_e(d['license'])}</td><td>{_e(d['citation'])}</td></tr>"
        for d in report.data_versions
    )
    snap = (
        f"<p>Read from the data snapshot <code>{_e(report.snapshot)}</code> embedded in scalewatch (built from the pinned "
        "upstream files; each file checked against its sha256). Licence texts: <code>scalewatch/data/snapshot/LICENSES/</code>.</p>"
        if report.snapshot
        else ""
    )
    return (
        "<section id='data-sources'><h2>Data sources and attribution</h2>"
        f"{snap}<div class='table-wrap'><table class='sources'><thead><tr><th>dataset</th><th>upstream @ commit</th><th>read from</th>"
        f"<th>licence</th><th>attribution</th></tr></thead><tbody>{rows}</tbody></table></div></section>"
    )


def render(report: Report) -> str:
    """The report as a self-contained HTML page (a str)."""
    js, js_version = plotly_js()
    figs = _Figures()
    sections = []
    for o in report.outcomes:
        if o.status == "ok":
            sections.extend(_finding_section(f, o, figs) for f in o.findings)
        elif o.status == "error":
            sections.append(_error_section(o))
    n_f, n_e, n_s = len(report.findings), len(report.errors), len(report.skipped)
    created = report.created.replace("T", " ").replace("+00:00", " UTC")
    meta = [
        f"scalewatch {_e(report.version)}",
        f"generated {_e(created)}",
        f"seed {report.seed}",
        *(["<b>fast mode</b> (fewer resamples)"] if report.fast else []),
        *([f"data: {', '.join(_e(d) for d in report.data)}"] if report.data else []),
        *([f"runs: {', '.join(_e(d) for d in report.runs)}"] if report.runs else []),
        *([f"only: {', '.join(_e(d) for d in report.only)}"] if report.only else []),
        f"{n_f} finding{'s' if n_f != 1 else ''}",
        f"<span class='{'err' if n_e else ''}'>{n_e} error{'s' if n_e != 1 else ''}</span>",
        f"{n_s} skipped",
        *([f"data snapshot {_e(report.snapshot)}"] if report.snapshot else []),
        f"{report.seconds:.1f} s",
    ]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="scalewatch {_e(report.version)}">
<title>Is AI scaling hitting a wall? scalewatch report, {_e(created[:10])}</title>
<style>{_CSS}</style>
<script>/* plotly.js v{js_version} (MIT licence), inlined from the installed plotly package */
{js}
</script>
</head>
<body>
<main>
<header>
<div class="eyebrow">scalewatch report</div>
<h1>Is AI scaling hitting a wall?</h1>
<p class="meta">{' &middot; '.join(meta)}</p>
</header>
{_synthesis_section(report)}
<section id="verdicts">
<h2>Verdicts</h2>
{_verdict_table(report)}
</section>
{_skipped(report)}
{''.join(sections)}
{_data_sources(report)}
<footer>
<p>Every number carries its interval (the level is shown next to it) or a note saying why it has none. The same content as data:
<code>findings.json</code> beside this page. Figures are interactive: hover for values, drag to zoom, double-click to reset.</p>
<p>scalewatch {_e(report.version)} &middot; plotly.js {js_version}</p>
</footer>
</main>
{figs.scripts()}</body>
</html>
"""


_CSS = (
    """
:root { --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --line: #eaeef2; --soft: #f6f8fa; --link: #0969da; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #fff; color: var(--fg); font-family: FONT; font-size: 15px; line-height: 1.55;
  -webkit-font-smoothing: antialiased; }
main { max-width: 1120px; margin: 0 auto; padding: 40px 32px 72px; }
a { color: var(--link); text-decoration: none; } a:hover { text-decoration: underline; }
header { margin-bottom: 28px; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; font-weight: 600; color: var(--muted); }
h1 { font-size: 32px; line-height: 1.2; margin: 4px 0 8px; letter-spacing: -0.015em; font-weight: 700; }
h2 { font-size: 22px; line-height: 1.3; margin: 0 0 12px; letter-spacing: -0.01em; font-weight: 650; }
h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .07em; color: var(--muted); margin: 30px 0 10px; font-weight: 650; }
p { margin: 0 0 10px; }
.meta { color: var(--muted); font-size: 13.5px; margin: 0; }
.meta .err { color: #a40e26; font-weight: 600; }
.muted, .legend, .footnote, .more { color: var(--muted); font-size: 13px; }
.legend { margin-top: 10px; line-height: 2; }
.legend .badge { margin-left: 8px; }
code { font-family: MONO; font-size: .86em; background: var(--soft); border: 1px solid var(--line); padding: 0 4px; border-radius: 4px; }
pre { font-family: MONO; font-size: 12px; background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 12px; overflow: auto; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th { text-align: left; font-size: 11.5px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); font-weight: 650;
  border-bottom: 2px solid var(--border); padding: 8px 10px; white-space: nowrap; }
td { border-bottom: 1px solid var(--line); padding: 10px 10px; vertical-align: top; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
sup { font-size: .72em; line-height: 0; vertical-align: .45em; }
.none { color: #8c959f; }
.ci { color: var(--muted); font-size: 11.5px; margin-left: 2px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 12.5px; font-weight: 650; line-height: 1.5;
  white-space: nowrap; border: 1px solid transparent; }
.tone-ok { background: #dafbe1; color: #116329; border-color: #aceebb; }
.tone-warn { background: #fff1c2; color: #7d4e00; border-color: #f5d77a; }
.tone-bad { background: #ffebe9; color: #a40e26; border-color: #ffcecb; }
.tone-info { background: #ddf4ff; color: #0550ae; border-color: #b6e3ff; }
.tone-unknown { background: #eaeef2; color: #424a53; border-color: #d1d9e0; }
.tone-error { background: #a40e26; color: #fff; }
table.verdicts { table-layout: fixed; min-width: 860px; }
table.verdicts td { padding: 12px 10px; overflow-wrap: anywhere; }
table.verdicts td.q { color: var(--muted); font-size: 13px; }
table.verdicts td.finding { font-weight: 600; overflow-wrap: normal; }
table.verdicts td.verdict .badge { white-space: normal; text-align: center; }
table.verdicts td.summary { font-size: 14px; overflow-wrap: break-word; }
table.verdicts td.kn { text-align: right; }
.kn-name { color: var(--muted); font-size: 12.5px; line-height: 1.35; margin-bottom: 2px; overflow-wrap: break-word; }
.kn-value { font-variant-numeric: tabular-nums; font-weight: 600; }
.kn-value .unit { font-weight: 400; color: var(--muted); }
.key { font-family: MONO; font-size: 11.5px; color: var(--muted); font-weight: 400; margin-top: 2px; overflow-wrap: anywhere; }
tr.row-error td { background: #fff8f8; }
.error-text { color: #a40e26; }
section { margin-top: 36px; }
section.finding { border-top: 1px solid var(--border); padding-top: 30px; margin-top: 48px; }
.finding-head { display: flex; gap: 10px; align-items: center; margin-bottom: 8px; }
.qtag { text-transform: uppercase; letter-spacing: .07em; font-size: 12px; font-weight: 650; color: var(--muted); }
.summary-line { font-size: 16.5px; line-height: 1.5; max-width: 880px; }
.loss { color: var(--muted); font-size: 13.5px; }
figure.plot-figure { margin: 22px 0 26px; }
.plot-title { font-weight: 650; font-size: 15px; margin-bottom: 6px; }
.plot { width: 100%; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
.plot-error { padding: 20px; color: #a40e26; background: #fff8f8; }
.caption { color: var(--muted); font-size: 13.5px; margin: 8px 2px 0; max-width: 900px; }
table.numbers td.name { font-weight: 600; width: 34%; min-width: 200px; }
table.sources td { overflow-wrap: anywhere; }
table.numbers td.note { color: var(--muted); font-size: 13px; min-width: 260px; }
table.numbers td.unit { color: var(--muted); white-space: nowrap; }
.method { max-width: 900px; }
ul.notes, ol.citations { padding-left: 22px; margin: 0; } ul.notes li, ol.citations li { margin-bottom: 4px; }
ol.citations { font-size: 14px; }
details.data-table { margin: 8px 0; border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
details.data-table summary { cursor: pointer; font-weight: 600; }
details.data-table .count { color: var(--muted); font-weight: 400; font-size: 13px; margin-left: 6px; }
details.data-table table { margin-top: 8px; font-size: 13px; }
details.data-table td, details.data-table th { padding: 5px 8px; }
details summary { cursor: pointer; }
footer { margin-top: 64px; padding-top: 18px; border-top: 1px solid var(--border); color: var(--muted); font-size: 13px; }
@media (max-width: 720px) { main { padding: 24px 14px 48px; } h1 { font-size: 26px; } }
""".replace("FONT", _FONT).replace("MONO", _MONO)
)


def verdict_table_html(report: Report) -> str:
    """The verdict table as a small HTML fragment with inline styles (a notebook's display of a report).

    One row per finding (question, key, verdict badge, key number) and per
    analysis that raised; then the counts. The full page is :func:`render`.
    """
    rows = []
    for r in report.rows():
        style = BADGE_STYLE.get(r["tone"], "background:#ffebe9;color:#a40e26")
        rows.append(
            f"<tr><td>{_e(r['question'])}</td><td><code>{_e(r['key'])}</code></td>"
            f"<td><span style='{style};padding:1px 7px;border-radius:9px'>{_e(r['verdict'])}</span></td>"
            f"<td>{number_html(r['number'] or r['summary'])}</td></tr>"
        )
    n_f, n_e, n_s = len(report.findings), len(report.errors), len(report.skipped)
    table = (
        "<table><thead><tr><th>question</th><th>finding</th><th>verdict</th><th>key number</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows else "<p>No findings: no analysis had its data.</p>"
    )
    return (
        f"<div class='scalewatch-report'>{table}<p><small>{n_f} finding{'s' if n_f != 1 else ''}, "
        f"{n_e} error{'s' if n_e != 1 else ''}, {n_s} skipped in {report.seconds:.1f} s; "
        "<code>report.write(folder)</code> writes the interactive page.</small></p></div>"
    )
