"""The registry table of public datasets: source, commit, licence, citation and pinned files.

Only metadata lives here (the hashes are in :mod:`._pins`); every number a
loader returns is read from a pinned file. ``upstream`` maps a file of the
mirror to its path in the upstream repository at ``commit``; files left out of
it were derived from upstream files, in code (:mod:`._derive`), and ship in the
embedded snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from scalewatch.data._loaders._derive import derivation_of
from scalewatch.data._loaders._fetch import FileSpec
from scalewatch.data._loaders._pins import PINS


@dataclass(frozen=True)
class DatasetInfo:
    """What scalewatch knows about a public dataset before loading it.

    Attributes
    ----------
    name : str
        Name to pass to :func:`scalewatch.datasets.load`.
    title : str
        One-line description.
    citation : str
        What to cite: the paper and the data source.
    license : str
        Licence of the data as published upstream (with caveats where upstream is unclear).
    source_url : str
        Upstream repository (or dataset page) at the pinned commit.
    repository, commit : str
        Upstream GitHub ``owner/name`` and the commit files are pinned to.
    files : tuple of FileSpec
        Every file the loader reads, with its sha256 and upstream path (None: derived, see :mod:`._derive`).
    rows : int
        Rows of the main table: runs, or the table named by ``rows_of``.
    rows_of : str
        ``"runs"`` or the name of the main table (for datasets without runs).
    params_kind : str
        What the runs' ``params`` count: ``total``, ``non_embedding``, ``mixed``
        (per run, see its ``params_kind``) or ``-`` (no runs with parameters).
    """

    name: str
    title: str
    citation: str
    license: str
    source_url: str
    repository: str
    commit: str
    files: tuple[FileSpec, ...]
    rows: int
    rows_of: str
    params_kind: str

    @property
    def derived_files(self) -> tuple[str, ...]:
        """Paths of the files derived from upstream files in code rather than copied byte for byte."""
        return tuple(f.path for f in self.files if f.upstream is None)

    @property
    def fetchable(self) -> bool:
        """True when every file can be downloaded (or derived from downloads) at the pinned commit.

        False for tables derived from sources this version cannot pin (the Hugging
        Face Hub) or never unpickles (Porian et al.'s pickles): they ship only in
        the embedded snapshot.
        """
        for f in self.files:
            if f.upstream is None:
                der = derivation_of(f.dataset, f.path)
                if der is None or not der.downloadable:
                    return False
        return True

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe types (files as path, sha256 and URL)."""
        return {
            "name": self.name,
            "title": self.title,
            "rows": self.rows,
            "rows_of": self.rows_of,
            "citation": self.citation,
            "license": self.license,
            "source_url": self.source_url,
            "repository": self.repository,
            "commit": self.commit,
            "params_kind": self.params_kind,
            "derived_files": list(self.derived_files),
            "fetchable": self.fetchable,
            "files": [{"path": f.path, "dataset": f.dataset, "sha256": f.sha256, "url": f.url} for f in self.files],
        }


def _add(
    name: str,
    *,
    title: str,
    citation: str,
    license: str,
    repository: str,
    commit: str,
    upstream: Mapping[str, str],
    rows: int,
    rows_of: str = "runs",
    params_kind: str,
    source_url: str | None = None,
    extra: tuple[tuple[str, str], ...] = (),
) -> None:
    """Build a dataset's record from its pins and add it to the catalogue."""
    files = [
        FileSpec(path=path, sha256=sha, upstream=upstream.get(path), dataset=name, repository=repository, commit=commit)
        for path, sha in PINS[name].items()
    ]
    unknown = set(upstream) - set(PINS[name])
    if unknown:  # a typo in the table below
        raise KeyError(f"{name}: upstream paths for unpinned files {sorted(unknown)}")
    for other, path in extra:  # a file of another dataset (read as that dataset pins it)
        spec = next(f for f in _CATALOG[other].files if f.path == path)
        files.append(spec)
    info = DatasetInfo(
        name=name,
        title=title,
        citation=citation,
        license=license,
        source_url=source_url or f"https://github.com/{repository}/tree/{commit}",
        repository=repository,
        commit=commit,
        files=tuple(files),
        rows=rows,
        rows_of=rows_of,
        params_kind=params_kind,
    )
    _CATALOG[name] = info


_CATALOG: dict[str, DatasetInfo] = {}
_EPOCH_COSTS = ("epoch-research/training-cost-trends", "107575861481c1450a065ee1ee6680120a636647")

_add(
    "chinchilla-hoffmann2022",
    title="Chinchilla training runs: 245 final losses read off Hoffmann et al. (2022), Figure 4",
    citation=(
        "Hoffmann et al. (2022), Training Compute-Optimal Large Language Models, arXiv:2203.15556 (Figure 4); "
        "data extracted by Besiroglu, Erdil, Barnett and You (2024), Chinchilla Scaling: A replication attempt, "
        "arXiv:2404.10102, https://github.com/epoch-research/analyzing-chinchilla"
    ),
    license="no licence file upstream; factual data read off a published figure, used with attribution (cite both)",
    repository="epoch-research/analyzing-chinchilla",
    commit="92258837425e1b5f2851d624287f0120583a3d0e",
    upstream={"svg_extracted_data.csv": "data/svg_extracted_data.csv"},
    rows=245,
    params_kind="total",
)
_add(
    "datablations-runs",
    title="Data-constrained scaling: final validation losses of repeated-data runs (Muennighoff et al. 2023)",
    citation=(
        "Muennighoff, Rush, Barak, Le Scao, Piktus, Tazi, Pyysalo, Wolf and Raffel (2023), Scaling "
        "Data-Constrained Language Models, NeurIPS 2023, arXiv:2305.16264; data: "
        "https://github.com/huggingface/datablations (utils/parametric_fit.ipynb)"
    ),
    license="Apache-2.0",
    repository="huggingface/datablations",
    commit="13701315b163f1c54642b94ad237b2699187c3ee",
    upstream={},  # derived from utils/parametric_fit.ipynb (_derive.datablations_runs_csv)
    rows=308,
    params_kind="total",
)
_add(
    "gadre-overtraining-scaling",
    title="Over-training testbed: 104 open_lm models, 8 eval losses, 46 downstream tasks (Gadre et al. 2024)",
    citation=(
        "Gadre et al. (2024), Language models scale reliably with over-training and on downstream tasks, "
        "arXiv:2403.08540; data: https://github.com/mlfoundations/scaling (exp_data/)"
    ),
    license="MIT (Copyright (c) 2024 mlfoundations)",
    repository="mlfoundations/scaling",
    commit="a003c4913793ac2ae7ef87b28ecb562955d026d5",
    upstream={p: "exp_data/" + p.removeprefix("raw/exp_data/") for p in PINS["gadre-overtraining-scaling"]},
    rows=104,
    params_kind="total",
)
_add(
    "obsscaling",
    title="Observational scaling laws: 148 base models with size, data, compute and benchmark scores",
    citation=(
        "Ruan, Maddison and Hashimoto (2024), Observational Scaling Laws and the Predictability of Language "
        "Model Performance, arXiv:2405.10938; data: https://github.com/ryoungj/ObsScaling (eval_results/)"
    ),
    license="Apache-2.0",
    repository="ryoungj/ObsScaling",
    commit="4d6e1e43fd2635d04654aa77d1df9d5266ea0382",
    upstream={p: "eval_results/" + p for p in PINS["obsscaling"]},
    rows=148,
    params_kind="total",
)
_add(
    "pythia-evals",
    title="Pythia: lm-eval-harness results of 16 models at 27 checkpoints (Biderman et al. 2023)",
    citation=(
        "Biderman et al. (2023), Pythia: A Suite for Analyzing Large Language Models Across Training and "
        "Scaling, ICML 2023, arXiv:2304.01373; data: https://github.com/EleutherAI/pythia (evals/)"
    ),
    license="Apache-2.0",
    repository="EleutherAI/pythia",
    commit="a19eecb807ec2c79a39ebf18108816e6ffffc1d5",
    upstream={
        p: "evals/" + ("opt/" if "/opt-" in p else "bloom/") + p.removeprefix("baselines/")
        for p in PINS["pythia-evals"]
        if p.startswith("baselines/")
    },
    rows=432,
    params_kind="total",
)
_add(
    "llmonkeys-pythia-math",
    title="Large Language Monkeys: per-problem correct samples of 7 Pythia models on 128 MATH problems",
    citation=(
        "Brown, Juravsky, Ehrlich, Clark, Le, Re and Mirhoseini (2024), Large Language Monkeys: Scaling "
        "Inference Compute with Repeated Sampling, arXiv:2407.21787; data: "
        "https://huggingface.co/datasets/ScalingIntelligence/monkey_business, counts as processed by "
        "Schaeffer et al. (2025), How Do Large Language Monkeys Get Their Power (Laws)?, ICML 2025"
    ),
    license="MIT (ScalingIntelligence/monkey_business dataset card); the counts are derived from that dataset",
    repository="RylanSchaeffer/KoyejoLab-Large-How-Do-Language-Monkey-Power-Get-Their-Power",
    commit="cd078aef2a13e4310fab204860b99c4c39c25d40",
    source_url="https://huggingface.co/datasets/ScalingIntelligence/monkey_business",
    upstream={},  # derived from the monkey_business subsets on the Hub (_derive.monkeys_tables)
    rows=7,
    params_kind="total",
    extra=(("pythia-evals", "pythia_models.csv"),),
)
_add(
    "porian-compute-optimal-isoflops",
    title="IsoFLOP training runs behind the Kaplan/Chinchilla reconciliation (Porian et al. 2024)",
    citation=(
        "Porian, Wortsman, Jitsev, Schmidt and Carmon (2024), Resolving Discrepancies in Compute-Optimal "
        "Scaling of Language Models, NeurIPS 2024, arXiv:2406.19146; data: "
        "https://github.com/formll/resolving-scaling-law-discrepancies (data/*.pickle.xz)"
    ),
    license="MIT (the licence's copyright line names 'Scott Chacon and others'; check before redistributing)",
    repository="formll/resolving-scaling-law-discrepancies",
    commit="0dc60d91b8a525858a3067fc9e4a46ff5374cc6f",
    upstream={},  # flattened from pickles by a maintainer; scalewatch never unpickles (snapshot only)
    rows=1745,
    params_kind="mixed",
)
_add(
    "epoch-ai-models",
    title="Epoch AI's AI-models database (June 2025 snapshot) with frontier training-cost estimates",
    citation=(
        "Epoch AI, Data on AI Models, https://epoch.ai/data/ai-models (snapshot of 2025-06-20 in "
        "https://github.com/epoch-research/training-cost-trends); Cottier, Rahman, Fattorini, Maslej, "
        "Besiroglu and Owen (2024), The rising costs of training frontier AI models, arXiv:2405.21015"
    ),
    license="Apache-2.0 (repository licence at the pinned commit)",
    repository=_EPOCH_COSTS[0],
    commit=_EPOCH_COSTS[1],
    upstream={
        "all_ml_systems_full_view.csv": "data/All ML Systems - full view.csv",
        "model_costs.csv": "model_costs.csv",
        "model_costs_updated.csv": "model_costs_updated.csv",
        **{
            f"frontier_systems_by_{r}.json": f"data/frontier_systems_by_{r}.json"
            for r in ("top_n", "window_percentile", "backward_window_percentile", "residual_from_trend")
        },
    },
    rows=1892,
    params_kind="total",
)
_add(
    "epoch-ml-hardware",
    title="Epoch AI's ML hardware (chip) and hardware price databases (June 2025), and a PPI to deflate prices",
    citation=(
        "Epoch AI, ML hardware database and hardware price database, as used in Cottier et al. (2024), "
        "arXiv:2405.21015 (https://github.com/epoch-research/training-cost-trends); US Bureau of Labor "
        "Statistics, PPI PCU518210518210 via FRED"
    ),
    license="Apache-2.0 (Epoch CSVs); public domain (BLS series)",
    repository=_EPOCH_COSTS[0],
    commit=_EPOCH_COSTS[1],
    upstream={
        "chip_dataset_grid_view.csv": "data/Chip dataset-Grid view.csv",
        "hardware_prices.csv": "data/Hardware prices.csv",
        "PCU518210518210.csv": "data/PCU518210518210.csv",
    },
    rows=5774,
    rows_of="chips",
    params_kind="-",
)
_add(
    "epoch-benchmark-stitching",
    title="Benchmark scores of 574 model versions behind Epoch AI's benchmark stitching (Nov 2025)",
    citation=(
        "Epoch AI (2025), A Rosetta Stone for AI Benchmarks (benchmark stitching), "
        "https://github.com/epoch-research/benchmark-stitching; external scores as reported by the sources "
        "named in each row"
    ),
    license="MIT (Copyright (c) 2025 Epoch AI)",
    repository="epoch-research/benchmark-stitching",
    commit="f87d3cc8e8a8f8471be475ebce58fb9a73b4e756",
    upstream={p: "data/" + p for p in PINS["epoch-benchmark-stitching"]},
    rows=574,
    params_kind="-",
)
_add(
    "epoch-llm-inference-prices",
    title="LLM API prices with benchmark scores, and Epoch AI's price-decline fits per benchmark and threshold (2025)",
    citation=(
        "Epoch AI (2025), LLM inference prices have fallen rapidly but unequally across tasks (data insight), "
        "https://epoch.ai/data-insights/llm-inference-price-trends; data: "
        "https://github.com/epoch-research/llm-benchmark-efficiency (prices from Artificial Analysis and Epoch AI)"
    ),
    license="no licence file upstream; factual figures (list prices, dates, scores) used with attribution "
    "(Epoch AI publishes its data under CC BY 4.0)",
    repository="epoch-research/llm-benchmark-efficiency",
    commit="34b923314338360d1b1bbed6ec30d9299e54fdae",
    upstream={
        "aa_data_with_math5.csv": "data/aa_data_with_math5.csv",
        "epoch_ai_eval_data.csv": "data/epoch_ai_eval_data.csv",
        "epoch_ai_price_data_not_in_aa_with_benchmarks.csv": "data/epoch_ai_price_data_not_in_aa_with_benchmarks.csv",
        "lowest_price_models_results.csv": "results/default/lowest_price_models_above_previous_frontier/lowest_price_models_results.csv",
        "lowest_price_models_data.csv": "results/default/lowest_price_models_above_previous_frontier/lowest_price_models_data.csv",
    },
    rows=73,
    rows_of="prices",
    params_kind="-",
)
_add(
    "microprocessor-trend-data",
    title="50 years of microprocessor trends: transistors, single-thread performance, clock, power, cores",
    citation=(
        "K. Rupp, Microprocessor Trend Data, https://github.com/karlrupp/microprocessor-trend-data; "
        "original data up to 2010 collected by M. Horowitz, F. Labonte, O. Shacham, K. Olukotun, "
        "L. Hammond and C. Batten; data for 2010-2021 by K. Rupp"
    ),
    license="CC BY 4.0",
    repository="karlrupp/microprocessor-trend-data",
    commit="f2121ab2b83a156b114fe34e62e1edeca98e8e38",
    upstream={p: (p if p == "newdata.txt" else "50yrs/" + p) for p in PINS["microprocessor-trend-data"]},
    rows=465,
    rows_of="series",
    params_kind="-",
)
_add(
    "nist-strd-nonlinear",
    title="NIST StRD nonlinear regression: 27 problems with certified parameter values",
    citation=(
        "NIST/ITL Statistical Reference Datasets, Nonlinear Regression, "
        "https://www.itl.nist.gov/div898/strd/nls/nls_main.shtml (plus each problem's own reference); "
        "files as copied in https://github.com/lmfit/lmfit-py (NIST_STRD/)"
    ),
    license="public domain (US Government work, 17 U.S.C. 105)",
    repository="lmfit/lmfit-py",
    commit="fe389bbbd1fe936cd73742bd81fc6fce7ac92858",
    upstream={p: "NIST_STRD/" + p for p in PINS["nist-strd-nonlinear"]},
    rows=27,
    rows_of="problems",
    params_kind="-",
)

CATALOG: Mapping[str, DatasetInfo] = MappingProxyType(_CATALOG)
