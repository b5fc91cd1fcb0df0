r"""``synthetic-data.selfplay``: does synthetic data help where answers can be checked, and not where they cannot?

The data are scalewatch's own run of :mod:`scalewatch.experiments.selfplay`
(committed in ``scalewatch/experiments/data/selfplay`` with the command, seeds
and versions that made it; no training happens in the report):

* **closed domain** (arithmetic, exact checker): a seed model trained on a
  limited ground-truth set; each round it samples ``k`` answers to fresh
  unlabelled problems (some harder than the seed set) and is fine-tuned on the
  seed set plus the labels kept. Arms: ``verified`` (keep what the checker
  accepts; expert iteration / STaR), ``majority`` and ``unverified`` (no
  checker), ``ground_truth`` (the same pool with true labels: the same compute
  on more human data), ``seed_only`` (the same training compute on the seed data),
  ``larger_model`` (the verified loop's *total* compute, generation included,
  spent on a model of twice the width trained from scratch on the seed set).
* **open domain** (text, no verifier): generation 0 trained on human text,
  each later generation trained from scratch on samples of the previous one,
  all synthetic or mixed with a fixed share of human text.

Verdict (rule ``synthetic.verified_gain``): the paired difference, over
seeds, of held-out greedy pass@1 after the last round between the verified
loop and ``seed_only``,

.. math:: \Delta_s = 100\,[\mathrm{pass@1}_s(\text{verified}, R) - \mathrm{pass@1}_s(\text{seed only}, R)],

with the Student-t interval :math:`\bar\Delta \pm t_{0.975, S-1}\, s_\Delta / \sqrt S`.
The gain per unit compute divides the verified loop's gain over the seed
model by the FLOPs it spent after the seed model (generation and training).

References
----------
Anthony et al. (2017), arXiv:1705.08439; Zelikman et al. (2022), arXiv:2203.14465; Silver et al. (2017), Nature 550;
Shumailov et al. (2024), Nature 631; Gerstgrasser et al. (2024), arXiv:2404.01413.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from scalewatch.findings import Finding, Number, analysis
from scalewatch.findings.rules import decision_text, rule
from scalewatch.plots import band, curve, figure, sequential_colors

__all__ = ["KEY", "RULE", "selfplay_finding", "seed_interval", "closed_curves", "open_curves"]

KEY = "synthetic-data.selfplay"
RULE = "synthetic.verified_gain"
_CI = 0.95
_CITATIONS = (
    "Anthony, Tian and Barber (2017), 'Thinking Fast and Slow with Deep Learning and Tree Search', arXiv:1705.08439 (expert iteration)",
    "Zelikman et al. (2022), 'STaR: Bootstrapping Reasoning With Reasoning', arXiv:2203.14465",
    "Silver et al. (2017), 'Mastering the game of Go without human knowledge', Nature 550, 354-359",
    "Shumailov et al. (2024), 'AI models collapse when trained on recursively generated data', Nature 631, 755-759",
    "Gerstgrasser et al. (2024), 'Is Model Collapse Inevitable? Breaking the Curse of Recursion by Accumulating Real "
    "and Synthetic Data', arXiv:2404.01413",
)
_ARM_LABEL = {"verified": "verified (checker)", "majority": "majority vote", "unverified": "unverified (every sample)",
              "ground_truth": "more ground truth", "seed_only": "seed data only",
              "larger_model": "larger model, same total compute", "synthetic": "all synthetic",
              "mixed": "mixed with human text"}


def seed_interval(values: Any, ci: float = _CI) -> tuple[float, float, float]:
    r"""Mean and Student-t interval over seeds: :math:`\bar x \pm t_{(1+ci)/2, S-1}\, s / \sqrt S`.

    One seed gives ``(x, nan, nan)`` (no interval).

    Examples
    --------
    >>> m, lo, hi = seed_interval([1.0, 2.0, 3.0])
    >>> m, round(lo, 3), round(hi, 3)
    (2.0, -0.484, 4.484)
    """
    from scipy import stats

    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if x.size < 2:
        return m, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + ci / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return m, m - half, m + half


def _num(name: str, value: float, low: float | None, high: float | None, unit: str, ci: float | None, note: str) -> Number:
    """A Number whose NaNs (one seed: no interval) become None."""
    def ok(x: float | None) -> float | None:
        return None if x is None or not math.isfinite(x) else float(x)

    lo, hi = ok(low), ok(high)
    if lo is None or hi is None:
        lo = hi = None
    return Number(name, ok(value), lo, hi, unit, ci if lo is not None else None, note)


def _with_seed_round(df: Any, arms: Any) -> Any:
    """Closed records of every arm, with the seed model's record as each arm's round 0."""
    import pandas as pd

    seed = df[df["arm"] == "seed"]
    parts = [df[df["arm"] != "seed"]]
    for arm in arms:
        parts.append(seed.assign(arm=arm))
    return pd.concat(parts, ignore_index=True)


def closed_curves(records: Any, column: str = "pass@1") -> Any:
    """Per (arm, round): mean ``column`` over seeds, its interval, and the mean cumulative FLOPs."""
    import pandas as pd

    df = pd.DataFrame([r for r in records if r["part"] == "closed"])
    arms = [a for a in df["arm"].unique() if a != "seed"]
    df = _with_seed_round(df, arms).sort_values(["arm", "seed", "round"])
    df["flops"] = df["train FLOPs"] + df["generation FLOPs"]
    df["cumulative FLOPs"] = df.groupby(["arm", "seed"])["flops"].cumsum()
    # larger_model trains a fresh model each round on that round's whole budget: its compute is the round's, not a sum
    fresh = (df["arm"] == "larger_model") & (df["round"] > 0)
    df.loc[fresh, "cumulative FLOPs"] = df.loc[fresh, "flops"]
    rows = []
    for (arm, rnd), g in df.groupby(["arm", "round"], sort=True):
        m, lo, hi = seed_interval(100 * g[column])
        row = {"arm": arm, "round": int(rnd), "seeds": len(g), f"{column} (%)": m, "low": lo, "high": hi,
               "cumulative FLOPs": float(g["cumulative FLOPs"].mean())}
        for extra in ("pass@1 d2", "pass@1 d3", "acceptance rate", "label precision", "labels kept"):
            if extra in g and int(rnd) > 0:
                row[extra] = float(g[extra].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def open_curves(records: Any, column: str = "heldout loss") -> Any:
    """Per (arm, generation): mean ``column`` over seeds and its interval (generation 0 is the human-trained model)."""
    import pandas as pd

    df = pd.DataFrame([r for r in records if r["part"] == "open"])
    if df.empty:
        return pd.DataFrame()
    arms = [a for a in df["arm"].unique() if a != "human"]
    human = df[df["arm"] == "human"]
    df = pd.concat([df[df["arm"] != "human"]] + [human.assign(arm=a) for a in arms], ignore_index=True)
    rows = []
    for (arm, gen), g in df.groupby(["arm", "round"], sort=True):
        m, lo, hi = seed_interval(g[column])
        rows.append({"arm": arm, "generation": int(gen), "seeds": len(g), column: m, "low": lo, "high": hi})
    return pd.DataFrame(rows)


def _paired(records: Any, arm_a: str, arm_b: str, rnd: int, column: str = "pass@1") -> tuple[float, float, float]:
    by = {(r["arm"], r["seed"], r["round"]): r for r in records if r["part"] == "closed"}
    seeds = sorted({r["seed"] for r in records if r["part"] == "closed"})

    def val(arm: str, s: int) -> float:
        r = by.get((arm, s, rnd)) if rnd > 0 else by.get(("seed", s, 0))
        return math.nan if r is None else float(r[column])

    return seed_interval([100 * (val(arm_a, s) - val(arm_b, s)) for s in seeds])


def _gain(records: Any, arm: str, rnd: int, column: str = "pass@1") -> tuple[float, float, float]:
    by = {(r["arm"], r["seed"], r["round"]): r for r in records if r["part"] == "closed"}
    seeds = sorted({r["seed"] for r in records if r["part"] == "closed"})
    return seed_interval([100 * (by[(arm, s, rnd)][column] - by[("seed", s, 0)][column]) for s in seeds
                          if (arm, s, rnd) in by and ("seed", s, 0) in by])


def _open_change(records: Any, arm: str, column: str) -> tuple[float, float, float]:
    by = {(r["arm"], r["seed"], r["round"]): r for r in records if r["part"] == "open"}
    last = max((r["round"] for r in records if r["part"] == "open" and r["arm"] == arm), default=0)
    seeds = sorted({r["seed"] for r in records if r["part"] == "open"})
    return seed_interval([by[(arm, s, last)][column] - by[("human", s, 0)][column] for s in seeds
                          if (arm, s, last) in by and ("human", s, 0) in by])


def _band_figure(table: Any, x: str, y: str, title: str, x_title: str, y_title: str, caption: str,
                 clip: tuple[float, float] | None = None) -> Any:
    traces: list[dict[str, Any]] = []
    arms = list(dict.fromkeys(table["arm"]))
    colors = sequential_colors(max(len(arms), 2))
    for k, arm in enumerate(arms):
        g = table[table["arm"] == arm].sort_values(x)
        name = _ARM_LABEL.get(arm, arm)
        if g["low"].notna().all():
            lo, hi = g["low"], g["high"]
            if clip is not None:
                lo, hi = lo.clip(*clip), hi.clip(*clip)
            traces.extend(band(g[x], lo, hi, f"{name} (95% over seeds)", color=colors[k], group=arm,
                               showlegend=False))
        traces.append(curve(g[x], g[y], name, color=colors[k], group=arm, mode="lines+markers"))
    return figure(title, traces, x_title=x_title, y_title=y_title, x_log=False, y_log=False, caption=caption, height=420)


def selfplay_finding(result: Any) -> Finding:
    """The finding from a :class:`~scalewatch.experiments.selfplay.SelfPlayResult` (records and config)."""
    recs = list(result.records)
    cfg = result.config
    R = int(cfg.rounds)
    closed = [r for r in recs if r["part"] == "closed"]
    seeds = sorted({r["seed"] for r in closed})
    arms = [a for a in cfg.arms]
    r = rule(RULE)
    if "verified" in arms and "seed_only" in arms:
        head = _paired(recs, "verified", "seed_only", R)
    else:
        head = (math.nan, math.nan, math.nan)
    decision = r.decide(head[1], head[2]) if math.isfinite(head[1]) else r.decide(None, None)
    verdict = decision.verdict
    numbers = [_num("verified minus seed-only pass@1 (ours)", head[0], head[1], head[2], "points", _CI,
                      f"after round {R}, paired over {len(seeds)} seeds; the rule's quantity")]
    gains = {}
    for arm in arms:
        gains[arm] = _gain(recs, arm, R)
        numbers.append(_num(f"{arm} gain over the seed model (ours)", *gains[arm], "points", _CI,
                              f"held-out greedy pass@1 after round {R} minus the seed model's"))
    if "unverified" in arms and "verified" in arms:
        numbers.append(_num("verified minus unverified pass@1 (ours)", *_paired(recs, "verified", "unverified", R),
                              "points", _CI, "paired over seeds"))
    if "larger_model" in arms and "verified" in arms:
        numbers.append(_num("verified minus larger model at the same total compute, pass@1 (ours)",
                              *_paired(recs, "verified", "larger_model", R), "points", _CI,
                              "paired over seeds; the larger model spends the verified loop's FLOPs, generation included"))
    d3 = {arm: _gain(recs, arm, R, "pass@1 d3") for arm in arms}
    if "verified" in arms:
        numbers.append(_num("verified gain on 3-digit problems (ours)", *d3["verified"], "points", _CI,
                              "the problems harder than most of the seed set"))
    cc = closed_curves(recs)
    extra_flops = {arm: float(cc[(cc["arm"] == arm) & (cc["round"] == R)]["cumulative FLOPs"].iloc[0]
                              - cc[(cc["arm"] == arm) & (cc["round"] == 0)]["cumulative FLOPs"].iloc[0])
                   for arm in arms if ((cc["arm"] == arm) & (cc["round"] == R)).any()}
    per_flop = {arm: gains[arm][0] / (extra_flops[arm] / 1e12) for arm in extra_flops if extra_flops[arm] > 0}
    for arm in ("verified", "unverified", "ground_truth"):
        if arm in per_flop:
            numbers.append(_num(f"{arm} gain per TFLOP (ours)", per_flop[arm], None, None, "points/TFLOP", None,
                                  f"{extra_flops[arm]:.3g} FLOP of generation and training after the seed model"))
    seed_flops = float(np.mean([x["train FLOPs"] for x in closed if x["arm"] == "seed"]))
    numbers.append(_num("seed model training FLOPs", seed_flops, None, None, "FLOP", None, "mean over seeds"))
    oc = open_curves(recs)
    open_lines = []
    for arm in cfg.text_arms:
        if not any(x["part"] == "open" and x["arm"] == arm for x in recs):
            continue
        dl = _open_change(recs, arm, "heldout loss")
        dn = _open_change(recs, arm, f"distinct-{cfg.ngram}")
        dt = _open_change(recs, arm, "tail share")
        numbers.append(_num(f"{arm}: held-out loss change by generation {cfg.generations} (ours)", *dl, "nats/byte", _CI,
                              "loss on real human text, last generation minus generation 0"))
        numbers.append(_num(f"{arm}: distinct-{cfg.ngram} change (ours)", *dn, "", _CI, "samples, last generation minus generation 0"))
        numbers.append(_num(f"{arm}: tail share change (ours)", *dt, "", _CI,
                              f"share of sampled bytes among the human text's rarest {100 * cfg.tail:g}%"))
        open_lines.append(f"{_ARM_LABEL[arm]} {dl[0]:+.3f} nats/byte")
    figures = [
        _band_figure(cc, "round", "pass@1 (%)", "Closed domain (arithmetic, exact checker): held-out pass@1 by round",
                     "round of self-training (0 = seed model)", "held-out greedy pass@1 (%)",
                     f"Mean over {len(seeds)} seeds with Student-t 95% bands; {cfg.heldout_per_digit} held-out problems per "
                     f"difficulty ({', '.join(str(d) for d in cfg.eval_digits)}-digit operands), averaged; bands drawn "
                     "within 0-100%.", clip=(0.0, 100.0)),
    ]
    if not oc.empty:
        figures.append(_band_figure(
            oc, "generation", "heldout loss", "Open domain (text, no verifier): held-out loss on human text by generation",
            "generation (0 = trained on human text)", "held-out loss (nats/byte)",
            f"Each generation trained from scratch on {cfg.text_samples} samples of the previous one; 'mixed' draws "
            f"{100 * cfg.human_fraction:g}% of every batch from the human text. Mean over seeds, 95% bands."))
        div = open_curves(recs, f"distinct-{cfg.ngram}")
        figures.append(_band_figure(
            div, "generation", f"distinct-{cfg.ngram}", f"Open domain: diversity of samples (distinct {cfg.ngram}-grams)",
            "generation", f"distinct {cfg.ngram}-gram ratio of samples", "Mean over seeds, 95% bands."))
    cc_rows = cc.assign(arm=cc["arm"].map(lambda a: _ARM_LABEL.get(a, a)))
    tables = [("Closed domain per round (means over seeds)", cc_rows)]
    if not oc.empty:
        import pandas as pd

        o = pd.DataFrame([x for x in recs if x["part"] == "open"])
        cols = ["heldout loss", f"distinct-{cfg.ngram}", "tail share", "byte entropy (bits)"]
        tables.append(("Open domain per generation (means over seeds)",
                       o.groupby(["arm", "round"], sort=True)[cols].mean().reset_index().rename(columns={"round": "generation"})))
    cpu = float(sum(x.get("seconds", 0.0) for x in recs))
    v = gains.get("verified", (math.nan,) * 3)
    u = gains.get("unverified", (math.nan,) * 3)
    big_text = ""
    if "larger_model" in arms and "verified" in arms:
        big = _paired(recs, "verified", "larger_model", R)
        big_text = f", {big[0]:+.1f} over a wider model at equal compute"
    summary = (
        f"On our own tiny models, {R} rounds of self-training with an exact checker move held-out pass@1 by "
        f"{v[0]:+.1f} points over the seed model ({head[0]:+.1f} over the same compute on the seed data"
        f"{big_text}) against "
        f"{u[0]:+.1f} without the checker; recursive training on text changes held-out loss by "
        f"{'; '.join(open_lines) or 'n/a'}: {verdict}."
    )
    method = (
        f"Data: committed run of scalewatch.experiments.selfplay ({len(recs)} records, seeds {seeds}, "
        f"{cpu / 60:.1f} CPU minutes recorded; command and versions in experiments/data/selfplay/PROVENANCE.md). "
        f"Models: byte-level transformers of shape (layers, heads, width) = {tuple(cfg.model)}.\n\n"
        f"Closed domain: seed model trained {cfg.seed_steps} steps on {cfg.seed_problems} ground-truth sums "
        f"({100 * cfg.seed_hard_share:g}% with {max(cfg.pool_digits)}-digit operands, the rest 1-2 digits); each round samples "
        f"k = {cfg.k} answers at T = {cfg.temperature} to {cfg.pool_problems} fresh problems with "
        f"{'/'.join(str(d) for d in cfg.pool_digits)}-digit operands, keeps labels by arm and {cfg.mode}s "
        f"({cfg.round_steps} steps) on the seed set plus every label kept so far. Held-out problems never appear in "
        "training. FLOPs: 6N + attention per training token; a third of that per position for generation without a "
        "cache.\n\n"
        f"Open domain: generation 0 trained {cfg.text_steps} steps on {cfg.text_bytes:,} bytes of the Python standard "
        f"library; generation g trained from scratch on {cfg.text_samples} samples of {cfg.text_context - 1} bytes from "
        f"generation g - 1 (all synthetic, or {100 * cfg.human_fraction:g}% human text in every batch).\n\n"
        f"Verdict: {decision_text(decision)}"
    )
    notes = [
        "A laptop-sized experiment: models of tens of thousands of parameters, a few hundred problems and five seeds; "
        "it shows the mechanism, not the size of the effect at frontier scale.",
        "The seed set holds a few hard (3-digit) examples: without any, the seed model solves no 3-digit problem and the "
        "checker has nothing to keep (STaR likewise starts from a few-shot prompt).",
        "The 'ground truth' arm spends the same training compute on true labels of the same pool and no generation "
        "compute: an upper bound for what the checker can keep.",
    ]
    if big_text:
        # the wider model's own level says what its comparison means
        wide = seed_interval([100 * r["pass@1"] for r in recs if r["part"] == "closed" and r["arm"] == "larger_model" and r["round"] == R])
        base = seed_interval([100 * r["pass@1"] for r in recs if r["part"] == "closed" and r["arm"] == "seed" and r["round"] == 0])
        notes.append(
            f"The wider model, trained from scratch on the verified loop's total compute, reaches {wide[0]:.1f}% pass@1 "
            f"[{wide[1]:.1f}, {wide[2]:.1f}] after round {R}, against {base[0]:.1f}% for the seed model: at this budget a model "
            "twice as wide is under-trained, so its comparison says that this compute buys more as self-training than as a "
            "fresh, larger model here, not that self-training beats scale in general."
        )
    return Finding(
        key=KEY,
        question="synthetic-data",
        title="Self-training with and without a verifier, and recursive training on text (our own runs)",
        verdict=verdict,
        summary=summary,
        numbers=numbers,
        figures=figures,
        tables=tables,
        method=method,
        data_sources=("scalewatch/experiments/data/selfplay",),
        citations=_CITATIONS,
        notes=notes,
        headline=numbers[0].name,
        rule=decision,
    )


@analysis(KEY, question="synthetic-data", title="Self-training with and without a verifier, and recursive training on text")
def synthetic_selfplay(ctx: Any) -> Finding:
    """Synthetic data on our own models (committed package data; no training in the report)."""
    from scalewatch.experiments.selfplay import load_selfplay

    return selfplay_finding(load_selfplay())
