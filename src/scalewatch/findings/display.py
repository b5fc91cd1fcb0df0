"""How a finding shows itself: its text report, its notebook HTML and the HTML of its numbers.

The functions take a :class:`~scalewatch.findings.Finding` (or its numbers) and
read its fields; the report's page is :mod:`scalewatch.reporting`.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Sequence
from typing import Any

from scalewatch.findings.format import interval_parts

__all__ = ["number_html", "numbers_table_html", "finding_text", "finding_html", "BADGE_STYLE"]

#: inline style of a verdict badge per tone (the notebook display; the report has its own CSS)
BADGE_STYLE = {
    "ok": "background:#dafbe1;color:#116329",
    "warn": "background:#fff1c2;color:#7d4e00",
    "bad": "background:#ffebe9;color:#a40e26",
    "info": "background:#ddf4ff;color:#0550ae",
    "unknown": "background:#eaeef2;color:#424a53",
}


def number_html(text: str) -> str:
    """Escape a formatted number and write ``1.2e13`` as 1.2×10<sup>13</sup>."""
    return re.sub(r"(\d(?:\.\d+)?)e(-?\d+)", r"\1×10<sup>\2</sup>", html.escape(text))


def numbers_table_html(numbers: Sequence[Any]) -> str:
    """The numbers (:class:`~scalewatch.findings.Number` s) as an HTML table: name, estimate, interval, unit, note."""
    if not numbers:
        return ""
    rows = []
    for n in numbers:
        est, lo, hi = interval_parts(n.value, n.low, n.high)
        if lo is None:
            interval = "<span class='none'>none</span>"
        else:
            interval = f"{number_html(f'[{lo}, {hi}]')} <span class='ci'>{100 * n.ci:g}%</span>"  # type: ignore[operator]
        rows.append(
            f"<tr><td class='name'>{html.escape(n.name)}</td><td class='num'>{number_html(est)}</td>"
            f"<td class='num interval'>{interval}</td>"
            f"<td class='unit'>{html.escape(n.unit)}</td><td class='note'>{html.escape(n.note)}</td></tr>"
        )
    return (
        "<table class='numbers'><thead><tr><th>quantity</th><th class='num'>estimate</th>"
        "<th class='num'>interval</th><th>unit</th><th>note</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def finding_text(finding: Any) -> str:
    """A :class:`~scalewatch.findings.Finding` as an aligned text report: verdict, numbers, method, data, citations."""

    def wrap(text: str, indent: str = "    ") -> list[str]:
        out: list[str] = []
        for i, para in enumerate(p for p in text.split("\n\n") if p.strip()):
            if i:
                out.append("")
            out.extend(textwrap.wrap(" ".join(para.split()), 88, initial_indent=indent, subsequent_indent=indent))
        return out

    lines = [
        f"[[Finding]] {finding.key}: {finding.title}",
        f"    question    {finding.question}",
        f"    verdict     {finding.verdict}",
        *textwrap.wrap(finding.summary, 88, initial_indent="    summary     ", subsequent_indent=" " * 16),
    ]
    if finding.loss_label:
        lines.append(f"    loss        {finding.loss_label}")
    if finding.numbers:
        lines.append("[[Numbers]]")
        width = max(len(n.name) for n in finding.numbers)
        for n in finding.numbers:
            ci = f"({100 * n.ci:g}%)" if n.ci else ""
            note = f"  {n.note}" if n.note and not n.has_interval else ""
            lines.append(f"    {n.name:<{width}}  {n.text(unit=True):<34} {ci}{note}".rstrip())
    if finding.figures:
        lines.append("[[Figures]]")
        lines.extend(f"    {f.title}" for f in finding.figures)
    if finding.tables:
        lines.append("[[Tables]]")
        lines.extend(f"    {t} ({len(rows)} rows)" for t, rows in finding.tables)
    if finding.rule is not None:
        lines.append("[[Rule]]")
        lines.extend(wrap(f"{finding.rule['rule']['text']} Here: {finding.rule['reason']}."))
    lines.append("[[Method]]")
    lines.extend(wrap(finding.method))
    if finding.notes:
        lines.append("[[Notes]]")
        lines.extend(f"    - {n}" for n in finding.notes)
    if finding.data_sources:
        lines.append("[[Data]]")
        lines.extend(f"    {s}" for s in finding.data_sources)
    if finding.citations:
        lines.append("[[Citations]]")
        lines.extend(f"    {c}" for c in finding.citations)
    return "\n".join(lines)


def finding_html(finding: Any) -> str:
    """A :class:`~scalewatch.findings.Finding` as a small HTML block (its notebook display)."""
    figs = "".join(f"<li>{html.escape(f.title)}</li>" for f in finding.figures)
    return (
        f"<div class='scalewatch-finding'><b>{html.escape(finding.title)}</b> "
        f"<span style='{BADGE_STYLE[finding.tone]};padding:1px 7px;border-radius:9px'>{html.escape(finding.verdict)}</span>"
        f"<br><small>{html.escape(finding.key)} ({html.escape(finding.question)})</small>"
        f"<p>{html.escape(finding.summary)}</p>{numbers_table_html(finding.numbers)}"
        + (f"<p>Figures (interactive in <code>scalewatch report</code>):</p><ul>{figs}</ul>" if figs else "")
        + (f"<p><small>loss: {html.escape(finding.loss_label)}</small></p>" if finding.loss_label else "")
        + "</div>"
    )
