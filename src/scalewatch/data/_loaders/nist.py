"""nist-strd-nonlinear: the 27 NIST StRD nonlinear-regression problems with certified values.

Parsed from the NIST ``.dat`` files themselves (lmfit-py's byte-for-byte copies
with trailing whitespace stripped): the header's line ranges locate the
starting values, certified values and data. ``x`` holds the predictor (``x1``
for Nelson, whose second predictor is ``x2``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scalewatch.data._loaders._pins import PINS
from scalewatch.data._loaders._tables import Col, Parsed, curves_frame, runs_frame, scores_frame
from scalewatch.errors import DataValidationError

NAME = "nist-strd-nonlinear"

PROBLEM_COLUMNS = (
    Col("problem", "string", "", "NIST dataset name, e.g. 'Misra1a'", required=True),
    Col("difficulty", "string", "", "NIST's level of difficulty: Lower, Average or Higher", required=True),
    Col("model_class", "string", "", "e.g. 'Exponential Class'", required=True),
    Col(
        "formula",
        "string",
        "",
        "model as NIST writes it, lines joined, e.g. 'y = b1*(1-exp[-b2*x])  +  e'",
        required=True,
    ),
    Col("n_params", "Int64", "", "number of parameters b1..bK", required=True),
    Col("n_observations", "Int64", "", "rows of data", required=True),
    Col("degrees_of_freedom", "Int64", "", "n_observations - n_params", required=True),
    Col("residual_sum_of_squares", "float64", "", "certified residual sum of squares", required=True),
    Col("residual_std_dev", "float64", "", "certified residual standard deviation", required=True),
    Col("residual_sum_of_squares_str", "string", "", "NIST's exact text of the certified RSS", required=True),
    Col("residual_std_dev_str", "string", "", "NIST's exact text of the certified residual SD", required=True),
    Col("data_columns", "string", "", "comma-separated data columns of the file ('y,x' or 'y,x1,x2')", required=True),
    Col("reference", "string", "", "the dataset's own reference (cite it with NIST StRD)", required=True),
)
PARAMETER_COLUMNS = (
    Col("problem", "string", "", "NIST dataset name", required=True),
    Col("name", "string", "", "parameter, b1..bK", required=True),
    Col("start1", "float64", "", "NIST starting point 1", required=True),
    Col("start2", "float64", "", "NIST starting point 2", required=True),
    Col("certified_value", "float64", "", "certified estimate", required=True),
    Col("certified_std_dev", "float64", "", "certified standard deviation of the estimate", required=True),
    Col("certified_value_str", "string", "", "NIST's exact 11-digit text of the estimate", required=True),
    Col("certified_std_dev_str", "string", "", "NIST's exact text of the standard deviation", required=True),
)
DATA_COLUMNS = (
    Col("problem", "string", "", "NIST dataset name", required=True),
    Col("obs", "Int64", "", "observation number, 1-based, in file order", required=True),
    Col("y", "float64", "", "response", required=True),
    Col("x", "float64", "", "predictor (x1 for Nelson)", required=True),
    Col("x2", "float64", "", "second predictor (Nelson only)"),
)

_RANGE = re.compile(r"(Starting Values|Certified Values|Data)\s+\(lines\s+(\d+)\s+to\s+(\d+)\)", re.I)
_PARAM = re.compile(r"^\s*(b\d+)\s*=\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$")
_PARAM_COUNT = re.compile(r"^\s*(\d+)\s+Parameters?\b")


def _after_colon(lines: list[str], label: str) -> str:
    for line in lines:
        if line.startswith(label):
            return line.split(":", 1)[1].strip()
    raise DataValidationError(f"dataset {NAME!r}: no '{label}' line")


def parse_dat(name: str, text: str) -> tuple[dict, list[dict], pd.DataFrame]:
    """Parse one NIST StRD ``.dat`` file into (problem row, parameter rows, data frame)."""
    lines = text.splitlines()
    ranges = {m[1].lower(): (int(m[2]), int(m[3])) for m in _RANGE.finditer("\n".join(lines[:12]))}
    first_param, _ = ranges["starting values"]
    data_first, data_last = ranges["data"]

    model_at = next(i for i, line in enumerate(lines) if line.startswith("Model:"))
    model_class = lines[model_at].split(":", 1)[1].strip()
    count = _PARAM_COUNT.match(lines[model_at + 1])
    if count is None:
        raise DataValidationError(f"dataset {NAME!r}: {name}.dat has no parameter count after 'Model:'")
    n_params = int(count[1])
    formula_lines, i = [], model_at + 2
    while not lines[i].strip():
        i += 1
    while lines[i].strip():
        formula_lines.append(lines[i].strip())
        i += 1
    difficulty = next(line.split()[0] for line in lines[:first_param] if "Level of Difficulty" in line)

    params = []
    for line in lines[first_param - 1 : first_param - 1 + n_params]:
        m = _PARAM.match(line)
        if m is None:
            raise DataValidationError(f"dataset {NAME!r}: {name}.dat parameter line {line.strip()!r} is malformed")
        params.append(
            {
                "problem": name,
                "name": m[1],
                "start1": float(m[2]),
                "start2": float(m[3]),
                "certified_value": float(m[4]),
                "certified_std_dev": float(m[5]),
                "certified_value_str": m[4],
                "certified_std_dev_str": m[5],
            }
        )

    header = lines[data_first - 2].split(":", 1)[1].split()
    values = [[float(v) for v in line.split()] for line in lines[data_first - 1 : data_last]]
    if any(len(v) != len(header) for v in values):
        raise DataValidationError(f"dataset {NAME!r}: {name}.dat data rows do not all have columns {header}")
    raw = pd.DataFrame(values, columns=header)
    data = pd.DataFrame(
        {
            "problem": name,
            "obs": range(1, len(raw) + 1),
            "y": raw["y"],
            "x": raw["x"] if "x" in raw else raw["x1"],
            "x2": raw.get("x2"),
        }
    )

    stats = lines[first_param - 1 + n_params :]
    rss = _after_colon(stats, "Residual Sum of Squares")
    rsd = _after_colon(stats, "Residual Standard Deviation")
    n_obs = int(_after_colon(stats, "Number of Observations"))
    if n_obs != len(data):
        raise DataValidationError(f"dataset {NAME!r}: {name}.dat has {len(data)} data rows, header says {n_obs}")
    ref_at = next(i for i, line in enumerate(lines) if line.startswith("Reference:"))
    reference = [lines[ref_at].split(":", 1)[1].strip()]
    for line in lines[ref_at + 1 :]:
        if not line.strip() or line.startswith("Data:"):
            break
        reference.append(line.strip())
    problem = {
        "problem": name,
        "difficulty": difficulty,
        "model_class": model_class,
        "formula": " ".join(formula_lines),
        "n_params": n_params,
        "n_observations": n_obs,
        "degrees_of_freedom": int(_after_colon(stats, "Degrees of Freedom")),
        "residual_sum_of_squares": float(rss),
        "residual_std_dev": float(rsd),
        "residual_sum_of_squares_str": rss,
        "residual_std_dev_str": rsd,
        "data_columns": ",".join(header),
        "reference": " ".join(reference),
    }
    return problem, params, data


def load(get: Callable[..., Path]) -> Parsed:
    problems, params, data = [], [], []
    for path in sorted(p for p in PINS[NAME] if p.endswith(".dat")):
        problem, rows, frame = parse_dat(path.removesuffix(".dat"), get(path).read_text(encoding="ascii"))
        problems.append(problem)
        params.extend(rows)
        data.append(frame)
    return Parsed(
        runs=runs_frame({}),
        scores=scores_frame(),
        curves=curves_frame(),
        tables={
            "problems": pd.DataFrame(problems),
            "parameters": pd.DataFrame(params),
            "data": pd.concat(data, ignore_index=True),
        },
        columns={"problems": PROBLEM_COLUMNS, "parameters": PARAMETER_COLUMNS, "data": DATA_COLUMNS},
        notes=("data are not training runs: use the tables (one row per problem, parameter and observation)",),
    )
