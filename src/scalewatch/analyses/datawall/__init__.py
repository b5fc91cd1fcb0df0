r"""Are we running out of data? The stock of usable text against the demand of frontier training.

Three parts, each with cited, editable inputs and intervals:

:func:`data_stock`
    Monte Carlo of the usable stock of training tokens: the effective stock
    of public human text (about 300T tokens, 90% interval 100T to 1000T;
    Villalobos et al. 2024) plus worked extensions such as YouTube transcripts
    (minutes x share with speech x words per minute x tokens per word x share
    kept by a quality filter), set against Llama 3's 15T tokens.
:func:`data_demand`
    From Epoch AI's database, the growth per year of the training compute and
    the dataset size of frontier language models, and the tokens a fitted
    Chinchilla law calls compute-optimal at the projected compute.
:func:`data_wall`
    The year demand meets the stock, as a distribution over the stock, the
    trends and the law, along two routes (the dataset-size trend and the
    compute-optimal tokens of the compute trend), and the relief that
    repeating data buys (effective data of the data-constrained law).

Model
-----
Frontier models are language models in the top ``top_k`` by training compute
among those released on or before their date (Epoch AI's frontier
definition). A model's demand on the stock is the *unique* tokens it trained
on, dataset size x min(epochs, 1): dataset size x epochs would count Meena's
164 passes over 53B tokens as 8.7T tokens of text (``demand_measure="seen"``
keeps that choice as a scenario). Log compute and log demand are regressed on
release year from ``start`` on (ordinary least squares; intervals from 1,000 case
bootstrap resamples of the models):

.. math:: \ln C(t) = \ell_C + g_C (t - t_0), \qquad \ln D(t) = \ell_D + g_D (t - t_0),

with :math:`t_0` the last release. The compute-optimal tokens of the fitted
law (Hoffmann et al. 2022, eq. 4; C = 6 N D) are

.. math:: D_{opt}(C) = G^{-1} (C / 6)^{b}, \qquad b = \frac{\alpha}{\alpha + \beta},
          \qquad G = \left(\frac{\alpha A}{\beta B}\right)^{1/(\alpha + \beta)},

times :math:`\sqrt{k}` when models are trained on k times the compute-optimal
tokens per parameter (at fixed C, :math:`N D = C/6` and :math:`D/N = k\,D_{opt}/N_{opt}`).
The stock S is met when demand reaches it:

.. math:: t^*_{data} = t_0 + \frac{\ln S - \ell_D}{g_D}, \qquad
          t^*_{compute} = t_0 + \frac{\ln S + \ln G - b(\ell_C - \ln 6) - \tfrac12 \ln k}{b\, g_C}.

Each Monte Carlo draw takes one stock sample, one bootstrap draw of each
trend and one bootstrap draw of the law, so the wall year's distribution
carries all four uncertainties; the verdict pools the two routes equally.

Repetition: with U unique tokens trained for E epochs, the data-constrained
law's effective data is :math:`D' = U (1 + R_D^* (1 - e^{-(E - 1)/R_D^*}))`
(Muennighoff et al. 2023, eq. 5, :math:`R_D^* = 15.39`). Villalobos et al.'s
stock already allows for several epochs, so by default the wall is computed
against the stock as published (``stock_epochs = 1``), and the relief of
repetition, :math:`D'/U` at ``relief_epochs`` (4: "up to 4 epochs ... is
almost as good as new data", Muennighoff et al.), is reported as the years it
would buy a stock counted in unique tokens: :math:`\ln(D'/U)` divided by the
growth rate of demand.

Repetition is applied once, as its own scenario (``DataWall.scenarios``: the
wall year with demand counted as tokens seen, with the stock multiplied by
:math:`D'/U` at ``relief_epochs``, and Villalobos et al.'s published median
2028, range 2026-2032, each against the baseline).

Verdicts
--------
The written rule ``data.wall_year`` (:mod:`scalewatch.findings.rules`):
"wall before YEAR" when at least 90% of the pooled wall years fall before
``verdict_year`` (default 2030), "no wall before YEAR" when at most 10% do,
else "inconclusive". It answers "if the trends continue,
is the public text stock used up before YEAR?", not "will progress stop".

References
----------
Villalobos et al. (2024), arXiv:2211.04325v2. Muennighoff et al. (2023),
"Scaling Data-Constrained Language Models", arXiv:2305.16264. Hoffmann et al.
(2022), arXiv:2203.15556. Besiroglu et al. (2024), "Chinchilla Scaling: A
replication attempt", arXiv:2404.10102. Epoch AI (2024), "Training compute of
frontier AI models grows by 4-5x per year"; Epoch AI, "Data on AI Models"
(June 2025 snapshot). Grattafiori et al. / Meta AI (2024), arXiv:2407.21783.
"""

# Each module's __all__ is its public API; the package exports their union (one list of names, in the module).
import sys as _sys

from scalewatch.analyses.datawall.stock import *  # noqa: F403
from scalewatch.analyses.datawall.demand import *  # noqa: F403
from scalewatch.analyses.datawall.wall import *  # noqa: F403

_MODULES = ('stock', 'demand', 'wall')
__all__ = list(dict.fromkeys(name for module in _MODULES for name in _sys.modules[f"{__name__}.{module}"].__all__))
