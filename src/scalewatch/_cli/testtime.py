"""``scalewatch testtime ...``: repeated sampling on a user's own results.

Commands on a per-problem counts file (CSV, Parquet or JSON lines: one row per
(model, problem) with columns ``model`` (optional), ``problem``, ``n``
samples, ``c`` correct; llmonkeys names ``run_id``, ``problem_idx``,
``num_samples``, ``num_correct`` work too):

* ``passk``: coverage curves (mean unbiased pass@k) with problem-bootstrap intervals;
* ``fit``: a coverage law per model, extrapolated to a budget;
* ``compare``: coverage laws fitted on small k, scored on the larger k;
* ``verifier``: best-of-n with an imperfect verifier, from each problem's success rate;
* ``exchange``: samples and test-time FLOP that 10x training compute replaces.

On per-sample files: ``vote`` (majority@k from answers) and ``bestof``
(best-of-k from verifier scores). ``show`` runs the report's test-time
findings on the public data. Heavy imports happen inside the commands.
"""

from __future__ import annotations

import json
from typing import Optional

import typer

from scalewatch._cli._tables import emit, floats, read_table

app = typer.Typer(
    name="testtime",
    help="Test-time compute: pass@k and coverage laws, majority vote, imperfect verifiers, the train/test exchange rate.",
    no_args_is_help=True,
)

_SHOW = {
    "coverage": "test-time.coverage_law",
    "selection": "test-time.selection",
    "exchange": "test-time.exchange_rate",
    "cost": "test-time.cost_to_target",
    "debate": "test-time.debate_numbers",
}


def register(app_: typer.Typer) -> None:
    """Add the ``testtime`` command group to ``app_``."""
    app_.add_typer(app, name="testtime")


def _ints(text: Optional[str], flag: str) -> Optional[list[int]]:
    if text is None:
        return None
    out = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            value = float(item)
        except ValueError:
            raise typer.BadParameter(f"{item!r} is not a number; write e.g. 1,10,100.", param_hint=flag) from None
        if value != int(value):
            raise typer.BadParameter(f"{item!r} is not a whole number of samples.", param_hint=flag)
        out.append(int(value))
    return out or None


def _columns(spec: Optional[str]) -> Optional[dict[str, str]]:
    """``--columns c=n_correct,n=n_samples`` -> {"c": "n_correct", "n": "n_samples"}."""
    if spec is None:
        return None
    out = {}
    for item in spec.split(","):
        role, sep, col = item.partition("=")
        if not sep or role.strip() not in ("model", "problem", "n", "c"):
            raise typer.BadParameter(f"{item!r}: write ROLE=COLUMN with ROLE one of model, problem, n, c.", param_hint="--columns")
        out[role.strip()] = col.strip()
    return out


@app.command("passk")
def passk_command(
    file: str = typer.Argument(..., metavar="FILE", help="Per-problem counts: [model,] problem, n, c."),
    k: Optional[str] = typer.Option(None, "--k", help="Comma-separated k values (default: powers of two up to n, and n)."),
    columns: Optional[str] = typer.Option(None, "--columns", help="Other column names, e.g. c=n_correct,n=n_samples."),
    n_boot: int = typer.Option(1000, "--bootstrap", help="Resamples of problems for the intervals (0 = none)."),
    ci: float = typer.Option(0.95, "--ci", help="Level of the intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed of the resampling."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Coverage (mean unbiased pass@k, Chen et al. 2021) against k per model, with intervals."""
    from scalewatch.analyses.testtime.passk import coverage_curves

    emit(coverage_curves(read_table(file), _ints(k, "--k"), columns=_columns(columns), n_resamples=n_boot, ci=ci, seed=seed), as_json)


@app.command("fit")
def fit_command(
    file: str = typer.Argument(..., metavar="FILE", help="Per-problem counts ([model,] problem, n, c) or a curve (k, coverage[, model])."),
    law: str = typer.Option("brown", "--law", help="brown | brown_plateau | beta | logistic | power_failure"),
    model: Optional[str] = typer.Option(None, "--model", help="Fit only this model (default: every model)."),
    k: Optional[str] = typer.Option(None, "--k", help="Comma-separated k values of the curve built from counts."),
    fit_up_to: Optional[int] = typer.Option(None, "--fit-up-to", help="Use only k <= this (to test extrapolation)."),
    budget: float = typer.Option(1e5, "--budget", help="Samples per problem to extrapolate coverage to."),
    target: Optional[float] = typer.Option(None, "--target", help="Also report the samples needed to reach this coverage."),
    columns: Optional[str] = typer.Option(None, "--columns", help="Other column names, e.g. c=n_correct."),
    n_boot: int = typer.Option(1000, "--bootstrap", help="Resamples of problems for the intervals (0 = none)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the resampling."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Fit a coverage law c(k) per model (default Brown et al.'s exp(-a k^-b)) and extrapolate it."""
    from scalewatch.analyses.testtime.coverage import fit_coverage, fit_coverage_models

    data = read_table(file)
    kw = dict(ks=_ints(k, "--k"), fit_up_to=fit_up_to, columns=_columns(columns), n_resamples=n_boot, seed=seed)
    fits = {model: fit_coverage(data, law, model=model, **kw)} if model else fit_coverage_models(data, law, **kw)
    out = {}
    lines = []
    for name, f in fits.items():
        est, lo, hi = f.extrapolate(budget)
        extra = {"budget": budget, "coverage_at_budget": [est, lo, hi]}
        lines += [f.report(), f"    at {budget:,.0f} samples: {est:.4f} [{lo:.4f}, {hi:.4f}]"]
        if target is not None:
            kk, klo, khi = f.k_for(target)
            extra["target"] = target
            extra["samples_for_target"] = [kk, klo, khi]
            lines.append(f"    samples for coverage {target:g}: {kk:,.4g} [{klo:,.4g}, {khi:,.4g}]")
        out[name] = {**f.to_dict(), **extra}
    if as_json:
        typer.echo(json.dumps(out, indent=2, default=str))
    else:
        typer.echo("\n".join(lines))


@app.command("compare")
def compare_command(
    file: str = typer.Argument(..., metavar="FILE", help="Per-problem counts or coverage curves."),
    fit_up_to: str = typer.Option("100,1000", "--fit-up-to", help="Comma-separated cut-offs: fit on k <= cut-off, score on the larger k."),
    laws: Optional[str] = typer.Option(None, "--laws", help="Comma-separated laws (default: all)."),
    k: Optional[str] = typer.Option(None, "--k", help="Comma-separated k values of the curve built from counts."),
    columns: Optional[str] = typer.Option(None, "--columns", help="Other column names, e.g. c=n_correct."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Compare coverage laws out of sample: fit on small k, score on the larger k."""
    from scalewatch.analyses.testtime.coverage import compare_coverage_laws
    from scalewatch.analyses.testtime.laws import COVERAGE_LAWS

    names = tuple(t.strip() for t in laws.split(",")) if laws else tuple(COVERAGE_LAWS)
    cuts = tuple(_ints(fit_up_to, "--fit-up-to") or ())
    emit(compare_coverage_laws(read_table(file), names, fit_up_to=cuts, ks=_ints(k, "--k"), columns=_columns(columns)), as_json)


@app.command("verifier")
def verifier_command(
    file: str = typer.Argument(..., metavar="FILE", help="Per-problem counts: [model,] problem, n, c."),
    tpr: float = typer.Option(0.9, "--tpr", help="Verifier's true-positive rate (accepts a correct sample)."),
    fpr: float = typer.Option(0.05, "--fpr", help="Verifier's false-positive rate (accepts a wrong sample)."),
    k: Optional[str] = typer.Option("1,10,100,1000", "--k", help="Comma-separated numbers of samples."),
    columns: Optional[str] = typer.Option(None, "--columns", help="Other column names, e.g. c=n_correct."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Best-of-n with an imperfect verifier per model: success at each k and its plateau, against coverage."""
    import numpy as np

    from scalewatch.analyses.testtime.passk import pass_at_k_matrix, per_problem_counts
    from scalewatch.analyses.testtime.selection import verifier_best_of_k, verifier_plateau

    counts = per_problem_counts(read_table(file), columns=_columns(columns), func="scalewatch testtime verifier")
    ks = np.asarray(_ints(k, "--k") or [1])
    out = {}
    lines = [f"[[Best-of-n with a verifier]] tpr {tpr:g}, fpr {fpr:g}"]
    for m, g in counts.groupby("model", sort=False):
        p = g["c"].to_numpy() / g["n"].to_numpy()
        nmin = int(g["n"].min())
        bo = verifier_best_of_k(p[:, None], ks[None, :], tpr=tpr, fpr=fpr).mean(axis=0)
        plat = float(verifier_plateau(p, tpr=tpr, fpr=fpr).mean())
        ok = ks <= nmin
        cov = np.full(ks.shape, np.nan)
        if ok.any():
            cov[ok] = pass_at_k_matrix(g["n"].to_numpy(), g["c"].to_numpy(), ks[ok]).mean(axis=0)
        out[str(m)] = {"k": ks.tolist(), "best_of_k": bo.tolist(), "coverage": [None if np.isnan(v) else float(v) for v in cov], "plateau": plat}
        lines.append(f"[[{m}]] plateau {plat:.4f} (k -> infinity); coverage limit {float(np.mean(p > 0)):.4f}")
        lines += [f"    k = {int(kk):>7}   best-of-k {b:.4f}   coverage {'n/a' if np.isnan(c) else f'{c:.4f}'}" for kk, b, c in zip(ks, bo, cov)]
    if as_json:
        typer.echo(json.dumps({"tpr": tpr, "fpr": fpr, "models": out}, indent=2))
    else:
        typer.echo("\n".join(lines))


@app.command("exchange")
def exchange_command(
    file: str = typer.Argument(..., metavar="FILE", help="Per-problem counts of several models on the same problems."),
    models: str = typer.Option(..., "--models", help="Table of the models: model, params and tokens (training tokens) or train_flop."),
    targets: str = typer.Option("0.25,0.5,0.75", "--targets", help="Comma-separated target coverages."),
    tokens_per_sample: float = typer.Option(256.0, "--tokens-per-sample", help="Tokens per sample, for the test-time FLOP."),
    k: Optional[str] = typer.Option(None, "--k", help="Comma-separated k values of the curves."),
    columns: Optional[str] = typer.Option(None, "--columns", help="Other column names, e.g. c=n_correct."),
    n_boot: int = typer.Option(1000, "--bootstrap", help="Paired resamples of problems."),
    seed: int = typer.Option(0, "--seed", help="Seed of the resampling."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """How many samples (and test-time FLOP) 10x training compute replaces at equal coverage (Jones 2021)."""
    from scalewatch.analyses.testtime.exchange import exchange_rate

    result = exchange_rate(
        read_table(file), read_table(models), targets=floats(targets, "--targets"), tokens_per_sample=tokens_per_sample,
        ks=_ints(k, "--k"), columns=_columns(columns), n_resamples=n_boot, seed=seed,
    )
    emit(result, as_json)


def _per_sample(path: str, need: tuple[str, ...]):
    df = read_table(path)
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise typer.BadParameter(f"{path!r} has no column(s) {missing}; columns: {list(df.columns)}.", param_hint="FILE")
    return df


@app.command("vote")
def vote_command(
    file: str = typer.Argument(..., metavar="FILE", help="One row per sample: problem, answer, reference (the correct answer)."),
    k: int = typer.Option(..., "--k", help="Samples per vote."),
    draws: int = typer.Option(1000, "--draws", help="Random subsets of k per problem (seeded)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the subsets."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Majority@k from your own sampled answers: draw k answers per problem, vote, compare with the reference."""
    from scalewatch.analyses.testtime.selection import majority_at_k

    df = _per_sample(file, ("problem", "answer", "reference"))
    groups = list(df.groupby("problem", sort=False))
    acc, se = majority_at_k([g["answer"].tolist() for _, g in groups], [g["reference"].iloc[0] for _, g in groups], k, n_draws=draws, seed=seed)
    if as_json:
        typer.echo(json.dumps({"k": k, "majority_accuracy": acc, "mc_stderr": se, "problems": len(groups), "draws": draws, "seed": seed}))
    else:
        typer.echo(f"majority@{k} over {len(groups)} problems: {acc:.4f} (Monte Carlo s.e. {se:.4f}, {draws} subsets per problem)")


@app.command("bestof")
def bestof_command(
    file: str = typer.Argument(..., metavar="FILE", help="One row per sample: problem, correct (true/false or 1/0), score (verifier)."),
    k: str = typer.Option(..., "--k", help="Comma-separated numbers of samples."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Best-of-k from your own verifier scores: exact and unbiased (the top-scored of k random samples)."""
    from scalewatch.analyses.testtime.selection import best_of_k

    df = _per_sample(file, ("problem", "correct", "score"))
    groups = [g for _, g in df.groupby("problem", sort=False)]
    correct = [g["correct"].astype(bool).tolist() for g in groups]
    scores = [g["score"].astype(float).tolist() for g in groups]
    ks = _ints(k, "--k") or []
    vals = {kk: best_of_k(correct, scores, kk) for kk in ks}
    if as_json:
        typer.echo(json.dumps({"problems": len(groups), "best_of_k": {str(kk): v for kk, v in vals.items()}}))
    else:
        typer.echo("\n".join(f"best-of-{kk} over {len(groups)} problems: {v:.4f}" for kk, v in vals.items()))


@app.command("show")
def show_command(
    analysis: str = typer.Argument(..., metavar="ANALYSIS", help="coverage | selection | exchange | cost | debate"),
    fast: bool = typer.Option(False, "--fast", help="Fewer resamples (same data and rules, noisier intervals)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the resampling."),
    as_json: bool = typer.Option(False, "--json", help="Print the finding as JSON."),
) -> None:
    """Run one of the report's test-time findings on the public datasets and print it."""
    if analysis not in _SHOW:
        raise typer.BadParameter(f"{analysis!r} is not an analysis; use one of {', '.join(_SHOW)}.", param_hint="ANALYSIS")
    from scalewatch.reporting import run_report

    mod = "scalewatch.analyses.economics" if analysis in ("cost", "debate") else "scalewatch.analyses.testtime"
    report = run_report(modules=[mod], only=[_SHOW[analysis]], fast=fast, seed=seed)
    (outcome,) = report.outcomes
    if outcome.status == "skipped":
        from scalewatch.errors import DatasetUnavailableError

        raise DatasetUnavailableError(f"{_SHOW[analysis]} needs {', '.join(outcome.missing)}: {'; '.join(outcome.how)}")
    if outcome.status == "error":
        from scalewatch.errors import ScalewatchError

        raise ScalewatchError(f"{_SHOW[analysis]} raised {outcome.error}")
    (finding,) = outcome.findings
    typer.echo(finding.to_json(indent=2) if as_json else finding.report())
