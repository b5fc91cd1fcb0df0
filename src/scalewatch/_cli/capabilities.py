"""``scalewatch capabilities ...``: does lower loss still buy capabilities?

Commands on a user's own benchmark table (CSV, Parquet or JSON lines; wide:
one row per model and one column per benchmark, or long: ``model,
benchmark, value``):

* ``links``: a sigmoid link per benchmark from loss or log-compute;
* ``pca``: principal components of the benchmark matrix (Ruan et al. 2024);
* ``decoupling``: fit on older or smaller models, predict the newer ones;
* ``emergence``: one task under a discontinuous and a continuous metric.

``show`` runs the analyses on the public datasets. Heavy imports happen
inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from scalewatch._cli._tables import emit, read_table

app = typer.Typer(
    name="capabilities",
    help="Does lower loss still buy capabilities? Loss/compute-to-benchmark links, PCA, decoupling, emergence.",
    no_args_is_help=True,
)

_ANALYSES = ("links", "observational", "decoupling", "emergence")
_LOG_COLUMNS = ("compute", "params", "tokens")  # scale columns used through their log10


def register(app_: typer.Typer) -> None:
    """Add the ``capabilities`` command group to ``app_``."""
    app_.add_typer(app, name="capabilities")


def _split(text: Optional[str]) -> Optional[list[str]]:
    if text is None:
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    return items or None


def _floors(spec: Optional[str], chance: Optional[float]):
    """``--floor MMLU=0.25,GSM8K=0`` and ``--chance 0.25`` -> floors for fit_links."""
    if spec is None:
        return chance
    out: dict[str, float | None] = {}
    for item in _split(spec) or []:
        name, sep, value = item.rpartition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{item!r}: write BENCHMARK=FLOOR, e.g. MMLU=0.25 (or BENCHMARK=fit).", param_hint="--floor")
        if value.strip().lower() in ("fit", "none", ""):
            out[name.strip()] = None
            continue
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise typer.BadParameter(f"{item!r}: the floor {value!r} is not a number; e.g. MMLU=0.25.", param_hint="--floor") from None
    if chance is not None:
        return _Default(out, chance)
    return out


class _Default(dict):
    """Floors with a default for benchmarks not named."""

    def __init__(self, named: dict, default: float) -> None:
        super().__init__(named)
        self.default = default

    def get(self, key, fallback=None):  # type: ignore[override]
        return super().get(key, self.default)


def _x_column(df, x: str) -> tuple[str, str]:
    """The column to use for ``--x`` (log10 of compute, params or tokens) and its label."""
    import numpy as np

    if x not in df.columns:
        raise typer.BadParameter(f"--x {x!r} is not a column of the table (columns: {', '.join(map(str, df.columns))}).", param_hint="--x")
    if x in _LOG_COLUMNS:
        vals = df[x].astype(float).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            df[f"log10_{x}"] = np.where(vals > 0, np.log10(np.where(vals > 0, vals, 1.0)), np.nan)
        return f"log10_{x}", f"log10 {x}"
    return x, x


@app.command("links")
def links_command(
    file: str = typer.Argument(..., metavar="FILE", help="Benchmark table: wide (model, compute|loss, one column per benchmark) or long (model, benchmark, value)."),
    x: str = typer.Option(..., "--x", help="Scale column: loss, or compute/params/tokens (used as log10), or any numeric column."),
    benchmarks: Optional[str] = typer.Option(None, "--benchmarks", help="Comma-separated benchmarks (default: all)."),
    floor: Optional[str] = typer.Option(None, "--floor", help="Chance levels, e.g. MMLU=0.25,GSM8K=0 (BENCHMARK=fit fits it)."),
    chance: Optional[float] = typer.Option(None, "--chance", help="One chance level for every benchmark not named in --floor."),
    decreasing: Optional[bool] = typer.Option(None, "--decreasing/--increasing", help="Scores fall (loss) or rise (compute) with x; default: falling when x is a loss."),
    loss: str = typer.Option("lsq", "--loss", help="lsq | huber"),
    delta: Optional[float] = typer.Option(None, "--delta", help="Huber threshold in score units (e.g. 0.05)."),
    n_boot: int = typer.Option(200, "--bootstrap", help="Bootstrap resamples per link (0 = none)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the resampling."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Fit a sigmoid link (chance floor, ceiling) per benchmark, with bootstrap intervals."""
    from scalewatch.analyses.capabilities import fit_links
    from scalewatch.analyses.capabilities.scores import long_scores

    df = long_scores(read_table(file))
    col, label = _x_column(df, x)
    inc = None if decreasing is None else not decreasing
    result = fit_links(
        df, x=col, floors=_floors(floor, chance), increasing=inc, benchmarks=_split(benchmarks), x_name=label,
        source=Path(file).name, loss=loss, delta=delta, n_boot=n_boot, seed=seed,
    )
    emit(result, as_json)


@app.command("pca")
def pca_command(
    file: str = typer.Argument(..., metavar="FILE", help="Benchmark table (wide or long)."),
    benchmarks: Optional[str] = typer.Option(None, "--benchmarks", help="Comma-separated benchmarks (default: all)."),
    impute: bool = typer.Option(False, "--impute/--complete", help="Fill missing scores by PCA imputation (Ruan et al.) instead of dropping models."),
    standardize: bool = typer.Option(False, "--standardize", help="Scale each benchmark to unit variance first (Ruan et al. do not)."),
    n_boot: int = typer.Option(1000, "--bootstrap", help="Bootstrap resamples of the models for the variance-explained intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed of the resampling."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Principal components of the models x benchmarks matrix (observational scaling)."""
    from scalewatch.analyses.capabilities import benchmark_matrix, impute_pca, principal_components
    from scalewatch.analyses.capabilities.scores import long_scores

    df = long_scores(read_table(file))
    names = _split(benchmarks) or sorted(df["benchmark"].unique())
    M = benchmark_matrix(df, names, model="model")
    n_missing = int(M.isna().sum().sum())
    if impute:
        filled, n_iter = impute_pca(M, 1)
        note = f"{n_missing} missing cells imputed (PCA, 1 component, {n_iter} iterations)"
        result = principal_components(filled, standardize=standardize, n_boot=n_boot, seed=seed, imputed_cells=n_missing, note=note)
    else:
        dropped = int(M.isna().any(axis=1).sum())
        result = principal_components(M.dropna(), standardize=standardize, n_boot=n_boot, seed=seed, note=f"complete-case: {dropped} models with a missing score dropped")
    emit(result, as_json)


@app.command("decoupling")
def decoupling_command(
    file: str = typer.Argument(..., metavar="FILE", help="Benchmark table (wide or long) with the --x and --by columns."),
    x: str = typer.Option(..., "--x", help="Scale column of the link: loss, compute/params (log10), ..."),
    by: str = typer.Option(..., "--by", help="Column separating old from new: release_date, compute, params, ..."),
    cutoff: Optional[str] = typer.Option(None, "--cutoff", help="Models with --by above this are held out (a date like 2024-01-01, or a number). Default: per benchmark, the newest/largest --holdout share."),
    holdout: float = typer.Option(0.25, "--holdout", help="Share held out when --cutoff is not given."),
    benchmarks: Optional[str] = typer.Option(None, "--benchmarks", help="Comma-separated benchmarks (default: all)."),
    floor: Optional[str] = typer.Option(None, "--floor", help="Chance levels, e.g. MMLU=0.25,GSM8K=0."),
    chance: Optional[float] = typer.Option(None, "--chance", help="One chance level for every benchmark not named in --floor."),
    tolerance: float = typer.Option(0.02, "--tolerance", help="Equivalence margin of the verdict, score fraction (0.02 = two points)."),
    n_boot: int = typer.Option(200, "--bootstrap", help="Bootstrap resamples of each training fit."),
    seed: int = typer.Option(0, "--seed", help="Seed of the resampling."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Fit each link on older/smaller models and predict the newer/larger ones: in step, decoupling or ahead?"""
    import pandas as pd

    from scalewatch.analyses.capabilities.holdout import decoupling_test
    from scalewatch.analyses.capabilities.scores import long_scores

    df = long_scores(read_table(file))
    col, label = _x_column(df, x)
    if by not in df.columns:
        raise typer.BadParameter(f"--by {by!r} is not a column of the table (columns: {', '.join(map(str, df.columns))}).", param_hint="--by")
    cut: object = None
    if "date" in by.lower():
        df[by] = pd.to_datetime(df[by], errors="coerce")
        if cutoff is not None:
            try:
                cut = pd.Timestamp(cutoff)
            except ValueError:
                raise typer.BadParameter(f"--cutoff {cutoff!r} is not a date; e.g. 2024-01-01.", param_hint="--cutoff") from None
    elif cutoff is not None:
        try:
            cut = float(cutoff)
        except ValueError:
            raise typer.BadParameter(f"--cutoff {cutoff!r} is not a number; e.g. 1e23.", param_hint="--cutoff") from None
    result = decoupling_test(
        df, x=col, by=by, cutoff=cut, holdout=holdout, floors=_floors(floor, chance), benchmarks=_split(benchmarks),
        tolerance=tolerance, n_boot=n_boot, seed=seed, x_name=label, label=f"{Path(file).name}: held out by {by}",
    )
    emit(result, as_json)


@app.command("emergence")
def emergence_command(
    file: str = typer.Argument(..., metavar="FILE", help="One row per model with the --x column and the two metric columns."),
    x: str = typer.Option(..., "--x", help="Scale column: compute/params (log10) or any numeric column."),
    discontinuous: str = typer.Option(..., "--discontinuous", help="Column of the discontinuous metric (exact match, accuracy)."),
    continuous: Optional[str] = typer.Option(None, "--continuous", help="Column of the continuous metric (log-likelihood, BLEU, Brier, edit distance)."),
    lower_is_better: bool = typer.Option(False, "--lower-is-better", help="The continuous metric falls as models improve (perplexity, Brier, edit distance)."),
    n_boot: int = typer.Option(200, "--bootstrap", help="Bootstrap resamples of the models."),
    seed: int = typer.Option(0, "--seed", help="Seed of the resampling."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Emergence or metric artefact: how sharply one task rises under two metrics (Schaeffer et al. 2023)."""
    from scalewatch.analyses.capabilities import compare_metrics

    df = read_table(file)
    col, _ = _x_column(df, x)
    for name, flag in ((discontinuous, "--discontinuous"), (continuous, "--continuous")):
        if name is not None and name not in df.columns:
            raise typer.BadParameter(f"{flag} {name!r} is not a column of the table (columns: {', '.join(map(str, df.columns))}).", param_hint=flag)
    keep = [col, discontinuous] + ([continuous] if continuous else [])
    d = df[keep].apply(lambda s: s.astype(float)).dropna()
    result = compare_metrics(
        d[col], d[discontinuous], None if continuous is None else d[continuous], task=Path(file).stem, series=f"x = {x}",
        names=(discontinuous, continuous or ""), continuous_higher_is_better=not lower_is_better, n_boot=n_boot, seed=seed,
    )
    emit(result, as_json)


@app.command("show")
def show_command(
    analysis: str = typer.Argument(..., metavar="ANALYSIS", help="links | observational | decoupling | emergence"),
    fast: bool = typer.Option(False, "--fast", help="40 bootstrap resamples instead of 200 (same data and rules, noisier intervals)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the resampling."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Run one of the capability analyses on the public datasets and print its report."""
    if analysis not in _ANALYSES:
        raise typer.BadParameter(f"{analysis!r} is not an analysis; use one of {', '.join(_ANALYSES)}.", param_hint="ANALYSIS")
    from scalewatch.analyses import capabilities as cap

    fn = {
        "links": cap.links_analysis,
        "observational": cap.observational_analysis,
        "decoupling": cap.decoupling_analysis,
        "emergence": cap.emergence_analysis,
    }[analysis]
    emit(fn(fast=fast, seed=seed), as_json)
