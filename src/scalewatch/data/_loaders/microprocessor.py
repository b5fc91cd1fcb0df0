"""microprocessor-trend-data: 50 years of microprocessor trends (Horowitz et al.; K. Rupp).

Parsed from the upstream files themselves: the five ``50yrs/*.dat`` series and
``newdata.txt`` (byte-for-byte copies). Units are those of upstream's
``plot.gnuplot``; note the different units of the two tables (thousands of
transistors and MHz in ``series``, billions and GHz in ``processors``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scalewatch.data._loaders._tables import Col, Parsed, curves_frame, runs_frame, scores_frame
from scalewatch.errors import DataValidationError

NAME = "microprocessor-trend-data"

# file -> (metric, unit); units from upstream 50yrs/plot.gnuplot.
SERIES = {
    "cores.dat": ("logical_cores", "count"),
    "frequency.dat": ("frequency_mhz", "MHz"),
    "specint.dat": ("specint_x1000", "SPECint x 10^3"),
    "transistors.dat": ("transistors_thousands", "thousands"),
    "watts.dat": ("typical_power_w", "W"),
}
SERIES_COLUMNS = (
    Col("metric", "string", "", f"one of {[m for m, _ in SERIES.values()]}", required=True),
    Col(
        "unit",
        "string",
        "",
        "unit of `value`: count, MHz, 'SPECint x 10^3', thousands (of transistors), W",
        required=True,
    ),
    Col("year", "float64", "year", "fractional year", required=True),
    Col("value", "float64", "", "the measurement, in `unit`", required=True),
    Col(
        "block",
        "Int64",
        "",
        "data block in the file: 0 = Horowitz et al. data up to ~2010 digitised from their plot; "
        "higher = blocks added by Rupp (separated by '####' upstream)",
        required=True,
    ),
    Col("note", "string", "", "inline comment (e.g. processor name)"),
    Col("source_file", "string", "", "upstream file", required=True),
)
PROCESSOR_COLUMNS = (
    Col("name", "string", "", "processor", required=True),
    Col("year", "float64", "year", "fractional year", required=True),
    Col("transistors_billion", "float64", "billions", "transistor count in billions"),
    Col(
        "specint2006_equiv",
        "float64",
        "SPECint2006",
        "single-thread SPECint2006 (post-2017: SPECint2017 x 9.0, per upstream)",
    ),
    Col("frequency_ghz", "float64", "GHz", "clock"),
    Col("tdp_w", "float64", "W", "thermal design power"),
    Col("threads", "Int64", "count", "logical cores (SMT threads counted separately)"),
    Col("note", "string", "", "inline comment or source URL"),
)
_NEWDATA = re.compile(
    r"^(?P<name>.+?)\s+(?P<year>\d{4}\.\d+)\s+(?P<tr>\S+)\s+(?P<spec>\S+)\s+(?P<freq>\S+)\s+(?P<tdp>\S+)"
    r"\s+(?P<threads>\S+)"
    r"\s*(?:#\s*(?P<note>.*?))?\s*$"
)


def _series(path: Path, name: str) -> pd.DataFrame:
    metric, unit = SERIES[name]
    rows, block = [], 0
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text:
            continue
        if text.startswith("####"):
            block += 1
            continue
        if text.startswith("#"):
            continue
        data, _, note = text.partition("#")
        fields = data.split()
        if len(fields) != 2:
            raise DataValidationError(
                f"dataset {NAME!r}: {name} line {lineno} has {len(fields)} fields, expected 2 (year value)"
            )
        rows.append((metric, unit, float(fields[0]), float(fields[1]), block, note.strip() or None, name))
    return pd.DataFrame(rows, columns=[c.name for c in SERIES_COLUMNS])


def _number(text: str) -> float | None:
    return None if text == "??" else float(text)


def _processors(path: Path) -> pd.DataFrame:
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _NEWDATA.match(line)
        if m is None:
            raise DataValidationError(
                f"dataset {NAME!r}: newdata.txt line {lineno} is not 'name year transistors specint freq tdp threads'"
            )
        threads = _number(m["threads"])
        rows.append(
            (
                m["name"],
                float(m["year"]),
                _number(m["tr"]),
                _number(m["spec"]),
                _number(m["freq"]),
                _number(m["tdp"]),
                None if threads is None else int(threads),
                m["note"] or None,
            )
        )
    return pd.DataFrame(rows, columns=[c.name for c in PROCESSOR_COLUMNS])


def load(get: Callable[..., Path]) -> Parsed:
    series = pd.concat([_series(get(name), name) for name in SERIES], ignore_index=True)
    return Parsed(
        runs=runs_frame({}),
        scores=scores_frame(),
        curves=curves_frame(),
        tables={"series": series, "processors": _processors(get("newdata.txt"))},
        columns={"series": SERIES_COLUMNS, "processors": PROCESSOR_COLUMNS},
        notes=(
            "data up to 2010 digitised by Horowitz et al. from their plot (block 0); later points added by K. Rupp",
            "'??' in newdata.txt is a missing value",
        ),
    )
