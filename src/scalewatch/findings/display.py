"""HTML for numbers: the notebook display of a finding and the report's number tables.

Only the markup of a list of :class:`~scalewatch.findings.Number` s lives here
(the report's page is :mod:`scalewatch.reporting`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from scalewatch.findings.format import interval_parts

__all__ = ["number_html", "numbers_table_html", "BADGE_STYLE"]

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


