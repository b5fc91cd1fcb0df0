r"""Does lower loss still buy capabilities? Links, observational scaling, decoupling, emergence.

If pretraining loss keeps falling, do benchmark scores keep rising in step,
or are capabilities decoupling from loss? And is "emergence" real or a
property of the metric? Four analyses answer with numbers and intervals:

:func:`links_analysis`
    Sigmoid links from loss or log-compute to each benchmark, with a chance
    floor and a ceiling, bootstrapped: Gadre et al.'s 104 models (C4
    validation loss -> 17 downstream tasks), Pythia's sizes and checkpoints
    (log10 compute -> nine zero-shot tasks) and Ruan et al.'s 148 public
    models (log10 compute -> eight benchmarks, pooled over families, with the
    families' offsets).
:func:`observational_analysis`
    Principal components of the obsscaling benchmark matrix (Ruan et al.
    2024): variance explained on the complete models (reproducing their ~84,
    94, 97 %) and with their imputation of missing scores, and the
    capability score PC-1 against log10 compute within families.
:func:`decoupling_analysis`
    Fit the link on older or smaller models, predict newer or larger ones:
    the newest models by release date (Epoch AI's benchmark hub joined with
    its compute estimates), the largest by compute (obsscaling), and the
    largest model sizes of controlled suites (Gadre et al., Pythia).
:func:`emergence_analysis`
    The same models under a discontinuous and a continuous metric (Schaeffer
    et al. 2023): Pythia's LAMBADA accuracy against its perplexity, and the
    obsscaling emergent tasks (exact match against BLEU where the data have
    both; the tasks with one metric only are reported as untestable).

Each analysis returns a frozen result with ``report()``, ``to_dict()``,
``figures()``, ``tables()``, ``method()`` and ``to_finding()``; the four are
registered with the report (``scalewatch report``) under the keys
``capabilities.links``, ``capabilities.observational_scaling``,
``capabilities.decoupling`` and ``capabilities.emergence``. In the default
mode they take 7 to 9 s together on two shared cores, data loading included;
``fast=True`` (40 bootstrap resamples instead of 200, 200 instead of 1000 for
the PCA; same data and rules) about 5 to 6 s.

The building blocks work on a user's own benchmark table:
:func:`fit_links`, :func:`decoupling_test`, :func:`principal_components`,
:func:`impute_pca`, :func:`family_trends`, :func:`compare_metrics` and
:func:`long_scores` (wide or long table -> the long form they take).

Verdicts
--------
One vocabulary, :data:`VERDICTS`: **in step** (scores follow loss or compute
as the link predicts), **decoupling** (scores fall short of it, or stop
responding), **ahead** (scores beat it) and **inconclusive**. Each analysis
states its rule in its method text; the rules are the functions
:func:`links_verdict`, :func:`observational_verdict`,
:func:`decoupling_verdict` and :func:`emergence_verdict`.

References
----------
Ruan, Maddison & Hashimoto (2024), arXiv:2405.10938; Gadre et al. (2024),
arXiv:2403.08540; Biderman et al. (2023), arXiv:2304.01373; Schaeffer,
Miranda & Koyejo (2023), arXiv:2304.15004; Wei et al. (2022),
arXiv:2206.07682; Owen (2024), arXiv:2401.04757; Epoch AI (2025), "A Rosetta
Stone for AI Benchmarks" (benchmark hub) and "Data on AI Models".
"""

from scalewatch.analyses.capabilities._common import QUESTION, VERDICTS
from scalewatch.analyses.capabilities.scores import (
    CHANCE,
    GADRE_SUBSET,
    OBSSCALING_BENCHMARKS,
    epoch_release_scores,
    gadre_scores,
    long_scores,
    obsscaling_scores,
    pythia_scores,
)
from scalewatch.analyses.capabilities.sigmoid import K_MAX_Z, STATUSES, LinkFit, fit_link, link_status
from scalewatch.analyses.capabilities.links import (
    LinkSet,
    LinksAnalysis,
    fit_links,
    links_analysis,
    links_verdict,
    report_links,
)
from scalewatch.analyses.capabilities.pca import PCAResult, benchmark_matrix, impute_pca, principal_components
from scalewatch.analyses.capabilities.observational import (
    RUAN_CUMULATIVE,
    ObservationalAnalysis,
    TrendResult,
    family_trends,
    observational_analysis,
    observational_verdict,
    report_observational,
)
from scalewatch.analyses.capabilities.decoupling import DecouplingAnalysis, decoupling_analysis, report_decoupling
from scalewatch.analyses.capabilities.holdout import DecouplingResult, decoupling_test, decoupling_verdict
from scalewatch.analyses.capabilities.metrics import (
    PAIR_LABELS,
    SHARP_MAX,
    SMOOTH_MIN,
    MetricPair,
    Sharpness,
    compare_metrics,
    pair_label,
    pairs_table,
    shape_label,
    sharpness,
)
from scalewatch.analyses.capabilities.emergence import (
    EmergenceAnalysis,
    emergence_analysis,
    emergence_verdict,
    report_emergence,
)

__all__ = [
    "QUESTION",
    "VERDICTS",
    "GADRE_SUBSET",
    "OBSSCALING_BENCHMARKS",
    "CHANCE",
    "gadre_scores",
    "pythia_scores",
    "obsscaling_scores",
    "epoch_release_scores",
    "long_scores",
    "STATUSES",
    "LinkFit",
    "link_status",
    "fit_link",
    "K_MAX_Z",
    "LinkSet",
    "fit_links",
    "links_verdict",
    "LinksAnalysis",
    "links_analysis",
    "report_links",
    "benchmark_matrix",
    "impute_pca",
    "PCAResult",
    "principal_components",
    "TrendResult",
    "family_trends",
    "observational_verdict",
    "ObservationalAnalysis",
    "observational_analysis",
    "RUAN_CUMULATIVE",
    "report_observational",
    "DecouplingAnalysis",
    "decoupling_analysis",
    "report_decoupling",
    "decoupling_verdict",
    "DecouplingResult",
    "decoupling_test",
    "SHARP_MAX",
    "SMOOTH_MIN",
    "PAIR_LABELS",
    "shape_label",
    "pair_label",
    "Sharpness",
    "sharpness",
    "MetricPair",
    "compare_metrics",
    "pairs_table",
    "emergence_verdict",
    "EmergenceAnalysis",
    "emergence_analysis",
    "report_emergence",
]
