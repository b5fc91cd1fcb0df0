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

:func:`generation_gains`
    Capability gained per flagship generation and per decade of training
    compute in each lab lineage (OpenAI from GPT-3 to GPT-4.5, Anthropic,
    Google, Meta, DeepSeek) on the stitched benchmark index from 2019, by
    domain (language, coding, maths) (``capabilities.generation_gains``).
:func:`model_size_analysis`
    Parameter counts of frontier and notable language models over time
    (segmented Huber regression with a break at 2023) and the smallest model
    reaching an MMLU score (``capabilities.model_size``).
:func:`unseen_tasks`
    ARC-AGI against the standard benchmarks: points per decade of training
    compute, per decade of thinking budget and from low to high reasoning
    effort (``capabilities.unseen_tasks``).

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
responding), **ahead** (scores beat it) and **inconclusive**; the trend of
model size itself (``capabilities.model_size``) says **size on trend**, **size
growing slower** or **size growing faster**, about parameter counts rather than
capabilities. Each analysis
states its rule in its method text; the rules are the functions
:func:`frontier_decision` (the pooled frontier slope, :mod:`~scalewatch.analyses.capabilities.pooling`),
:func:`observational_verdict`, :func:`decoupling_verdict` and :func:`emergence_verdict`.

References
----------
Ruan, Maddison & Hashimoto (2024), arXiv:2405.10938; Gadre et al. (2024),
arXiv:2403.08540; Biderman et al. (2023), arXiv:2304.01373; Schaeffer,
Miranda & Koyejo (2023), arXiv:2304.15004; Wei et al. (2022),
arXiv:2206.07682; Owen (2024), arXiv:2401.04757; Epoch AI (2025), "A Rosetta
Stone for AI Benchmarks" (benchmark hub) and "Data on AI Models".
"""

# Each module's __all__ is its public API; the package exports their union (one list of names, in the module).
import sys as _sys

from scalewatch.analyses.capabilities._common import *  # noqa: F403
from scalewatch.analyses.capabilities.scores import *  # noqa: F403
from scalewatch.analyses.capabilities.sigmoid import *  # noqa: F403
from scalewatch.analyses.capabilities.pooling import *  # noqa: F403
from scalewatch.analyses.capabilities.links import *  # noqa: F403
from scalewatch.analyses.capabilities.pca import *  # noqa: F403
from scalewatch.analyses.capabilities.observational import *  # noqa: F403
from scalewatch.analyses.capabilities.decoupling import *  # noqa: F403
from scalewatch.analyses.capabilities.holdout import *  # noqa: F403
from scalewatch.analyses.capabilities.metrics import *  # noqa: F403
from scalewatch.analyses.capabilities.emergence import *  # noqa: F403
from scalewatch.analyses.capabilities.size import *  # noqa: F403
from scalewatch.analyses.capabilities.generations import *  # noqa: F403
from scalewatch.analyses.capabilities.unseen import *  # noqa: F403

_MODULES = ('_common', 'scores', 'sigmoid', 'pooling', 'links', 'pca', 'observational', 'decoupling', 'holdout', 'metrics', 'emergence', 'size', 'generations', 'unseen')
__all__ = list(dict.fromkeys(name for module in _MODULES for name in _sys.modules[f"{__name__}.{module}"].__all__))
