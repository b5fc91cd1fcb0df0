r"""The stock of usable training text as a Monte Carlo over cited, editable inputs.

Every uncertain input is an :class:`Estimate`: a median and a central
interval at a stated confidence (e.g. 300T tokens, 90% interval 100T to
1000T), a scale on which it is uncertain, a unit and the source it comes
from. An :class:`Extension` is a further source of text estimated as a
product of such factors (video minutes x share with speech x words per
minute x tokens per word x share kept by a quality filter). The stock is the
sum of the human-text stock and the extensions, sampled jointly (the inputs
are independent), and set against a reference dataset (Llama 3's 15T tokens).

Distribution of an estimate
---------------------------
On its scale :math:`g` (``log`` for positive magnitudes, ``logit`` for
shares in (0, 1), ``linear`` otherwise) an estimate is a two-piece normal
with mode and median :math:`g(m)` and standard deviations
:math:`\sigma_- = (g(m) - g(lo)) / z` below and
:math:`\sigma_+ = (g(hi) - g(m)) / z` above, :math:`z = \Phi^{-1}((1 + ci)/2)`,
so that its median and both interval ends are exactly the stated ones even
when the interval is asymmetric (300T in [100T, 1000T] is: the upper end is
further on a log scale). A quantile :math:`q` is
:math:`g^{-1}(g(m) + \sigma_\pm \Phi^{-1}(q))`. An estimate with
lo = median = hi is a fixed value.

References
----------
Villalobos et al. (2024), "Will we run out of data? Limits of LLM scaling
based on human-generated data", ICML 2024, arXiv:2211.04325 (v2).
Grattafiori et al. / Meta AI (2024), "The Llama 3 Herd of Models",
arXiv:2407.21783. John (1982), "The three-parameter two-piece normal family
of distributions", Commun. Stat. Theory Methods 11(8) (two-piece normal).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.special import expit, logit, ndtri

from scalewatch.findings import Result

__all__ = [
    "Estimate",
    "Extension",
    "TOKENS_PER_WORD",
    "VILLALOBOS_STOCK",
    "LLAMA3_TOKENS",
    "YOUTUBE_TRANSCRIPTS",
    "DataStockAssumptions",
    "DataStock",
    "data_stock",
]


_SCALES = ("log", "logit", "linear")


def _forward(scale: str, x: Any) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if scale == "log":
        return np.log(x)
    if scale == "logit":
        return logit(x)
    return x


def _inverse(scale: str, z: np.ndarray) -> np.ndarray:
    if scale == "log":
        return np.exp(z)
    if scale == "logit":
        return expit(z)
    return z


@dataclass(frozen=True)
class Estimate:
    """An uncertain input: median, central interval, scale, unit and source.

    Parameters
    ----------
    name : str
        Short identifier (``"human_text_stock"``).
    median, low, high : float
        The median and the ends of the central ``ci`` interval; ``low <=
        median <= high`` (all equal: a fixed value).
    ci : float, default 0.9
        Confidence of the interval ``[low, high]``.
    scale : {"log", "logit", "linear"}, default "log"
        Scale on which the uncertainty is a two-piece normal (see the module
        notes): "log" for positive magnitudes, "logit" for shares in (0, 1).
    unit : str
        Unit of the values.
    source : str
        Citation, or "assumption" with the reasoning.

    Examples
    --------
    >>> e = Estimate("stock", 300e12, 100e12, 1000e12, unit="tokens")
    >>> [f"{v:.3g}" for v in e.quantile([0.05, 0.5, 0.95])]
    ['1e+14', '3e+14', '1e+15']
    """

    name: str
    median: float
    low: float
    high: float
    ci: float = 0.9
    scale: str = "log"
    unit: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if self.scale not in _SCALES:
            raise ValueError(f"Estimate({self.name!r}, scale={self.scale!r}): allowed scales are {_SCALES}.")
        if not 0 < self.ci < 1:
            raise ValueError(f"Estimate({self.name!r}, ci={self.ci!r}): use a confidence level between 0 and 1, e.g. 0.9.")
        vals = (self.low, self.median, self.high)
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in vals):
            raise ValueError(f"Estimate({self.name!r}): low, median and high must be finite numbers; got {vals}.")
        if not self.low <= self.median <= self.high:
            raise ValueError(
                f"Estimate({self.name!r}): need low <= median <= high; got low={self.low:g}, median={self.median:g}, "
                f"high={self.high:g}. Bounds are never swapped silently: pass them in order."
            )
        if self.scale == "log" and self.low <= 0:
            raise ValueError(f"Estimate({self.name!r}, scale='log') needs low > 0; got {self.low:g}. Use scale='linear'.")
        if self.scale == "logit" and not (0 < self.low and self.high < 1):
            raise ValueError(
                f"Estimate({self.name!r}, scale='logit') is for shares strictly between 0 and 1; got [{self.low:g}, {self.high:g}]."
            )

    @property
    def _z(self) -> float:
        return float(ndtri(0.5 + self.ci / 2))

    @property
    def sigmas(self) -> tuple[float, float]:
        """Standard deviations below and above the median, on the estimate's scale."""
        gm, gl, gh = (float(_forward(self.scale, v)) for v in (self.median, self.low, self.high))
        return (gm - gl) / self._z, (gh - gm) / self._z

    def quantile(self, q: Any) -> np.ndarray:
        """Exact quantiles of the two-piece normal on the estimate's scale, in natural units."""
        q = np.asarray(q, dtype=np.float64)
        if np.any((q <= 0) | (q >= 1)):
            raise ValueError(f"Estimate.quantile(q=...) needs probabilities strictly between 0 and 1; got {q.tolist()}.")
        zq = ndtri(q)
        s_lo, s_hi = self.sigmas
        gm = float(_forward(self.scale, self.median))
        return _inverse(self.scale, gm + np.where(zq < 0, s_lo, s_hi) * zq)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` independent draws, by inversion of uniform draws."""
        u = rng.random(n)
        u = np.clip(u, 1e-300, 1 - 1e-16)  # rng.random can return exactly 0
        return self.quantile(u)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "median": self.median,
            "low": self.low,
            "high": self.high,
            "ci": self.ci,
            "scale": self.scale,
            "unit": self.unit,
            "source": self.source,
        }

    def describe(self) -> str:
        pct = f"{100 * self.ci:g}%"
        return f"{self.name} = {self.median:.4g} [{self.low:.4g}, {self.high:.4g}] {self.unit} ({pct}, {self.scale} scale); {self.source}"


@dataclass(frozen=True)
class Extension:
    """A further source of training text, estimated as a product of uncertain factors.

    Parameters
    ----------
    name : str
        Short identifier (``"youtube_transcripts"``).
    factors : tuple of Estimate
        Multiplied together; the product must be in tokens.
    description : str
        One line on what is counted.

    Examples
    --------
    >>> podcasts = Extension(
    ...     "podcasts",
    ...     (Estimate("hours", 5e7, 2e7, 1e8, unit="h", source="assumption"),
    ...      Estimate("tokens_per_hour", 12_000, 9_000, 15_000, unit="tokens/h", source="assumption")),
    ...     "spoken-word podcasts, transcribed")
    >>> f"{podcasts.median_product:.2g}"
    '6e+11'
    """

    name: str
    factors: tuple[Estimate, ...]
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "factors", tuple(self.factors))
        if not self.factors or not all(isinstance(f, Estimate) for f in self.factors):
            raise TypeError(f"Extension({self.name!r}, factors=...) takes a non-empty sequence of Estimate values.")

    @property
    def median_product(self) -> float:
        """Product of the factors' medians (the median of the product when all are on the log scale)."""
        return float(np.prod([f.median for f in self.factors]))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        out = np.ones(n)
        for f in self.factors:
            out = out * f.sample(n, rng)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "factors": [f.to_dict() for f in self.factors]}


#: Tokens per English word for BPE tokenizers: "one token is about 3/4 of a word"
#: (OpenAI, "What are tokens and how to count them?", help.openai.com).
TOKENS_PER_WORD = 4.0 / 3.0


#: Effective stock of public human-generated text, quality- and repetition-adjusted.
VILLALOBOS_STOCK = Estimate(
    "human_text_stock",
    median=300e12,
    low=100e12,
    high=1000e12,
    ci=0.9,
    scale="log",
    unit="tokens",
    source=(
        "Villalobos et al. (2024), 'Will we run out of data? Limits of LLM scaling based on human-generated data', "
        "ICML 2024, arXiv:2211.04325v2: effective stock of public human text ~3e14 tokens, 90% CI 1e14-1e15; "
        "it counts only text of training quality and already allows for training several epochs"
    ),
)


#: Llama 3's pre-training set, the reference the stock is compared with.
LLAMA3_TOKENS = 15e12


_LLAMA3_SOURCE = (
    "Grattafiori et al. / Meta AI (2024), 'The Llama 3 Herd of Models', arXiv:2407.21783: "
    "pre-trained on about 15T multilingual tokens"
)


#: Worked extension: transcripts of the speech in YouTube videos.
YOUTUBE_TRANSCRIPTS = Extension(
    "youtube_transcripts",
    (
        Estimate(
            "video_minutes",
            median=150e9,
            low=70e9,
            high=300e9,
            scale="log",
            unit="minutes",
            source=(
                "about 13 billion public YouTube videos at the end of 2023 (Zuckerman 2023, 'How big is YouTube?', "
                "ethanzuckerman.com, from the random sample of McGrady et al. 2023, J. Quant. Descr. Digit. Media 3) "
                "times an assumed ~11 minutes each: about 150 billion minutes"
            ),
        ),
        Estimate(
            "speech_share",
            median=0.4,
            low=0.2,
            high=0.6,
            scale="logit",
            unit="share of minutes",
            source="assumption: share of minutes with transcribable human speech (music, games, silence and noise excluded)",
        ),
        Estimate(
            "words_per_minute",
            median=150.0,
            low=120.0,
            high=180.0,
            scale="log",
            unit="words/minute",
            source="assumption: typical rate of conversational English speech, about 150 words per minute",
        ),
        Estimate(
            "tokens_per_word",
            median=TOKENS_PER_WORD,
            low=1.25,
            high=1.6,
            scale="log",
            unit="tokens/word",
            source="OpenAI's rule of thumb of 3/4 word per token for English; higher for other languages (assumption)",
        ),
        Estimate(
            "quality_share",
            median=0.3,
            low=0.1,
            high=0.6,
            scale="logit",
            unit="share kept",
            source=(
                "assumption: share kept after quality filtering and deduplication; web-text pipelines keep roughly a "
                "tenth of raw Common Crawl (Penedo et al. 2023, RefinedWeb, arXiv:2306.01116), transcripts are "
                "assumed cleaner"
            ),
        ),
    ),
    "speech in YouTube videos, transcribed and filtered",
)


@dataclass(frozen=True)
class DataStockAssumptions:
    """Inputs of the stock model; every field is editable with :meth:`replace`.

    Parameters
    ----------
    human_text : Estimate
        Effective stock of public human text (default: Villalobos et al. 2024).
    extensions : tuple of Extension
        Further sources added to the stock (default: YouTube transcripts).
    reference_tokens : float
        Dataset the stock is compared with, in tokens (default: Llama 3's 15T).
    reference_label, reference_source : str
        Its name and citation.
    n_samples : int
        Monte Carlo draws.

    Examples
    --------
    >>> a = DataStockAssumptions()
    >>> a.replace(extensions=()).extensions
    ()
    """

    human_text: Estimate = VILLALOBOS_STOCK
    extensions: tuple[Extension, ...] = (YOUTUBE_TRANSCRIPTS,)
    reference_tokens: float = LLAMA3_TOKENS
    reference_label: str = "Llama 3 (15T tokens)"
    reference_source: str = _LLAMA3_SOURCE
    n_samples: int = 20_000  # Monte Carlo draws: the 5% quantile to about 1% of its value

    def __post_init__(self) -> None:
        object.__setattr__(self, "extensions", tuple(self.extensions))
        if not isinstance(self.human_text, Estimate):
            raise TypeError(f"DataStockAssumptions(human_text=...) takes an Estimate; got {type(self.human_text).__name__}.")
        if not all(isinstance(e, Extension) for e in self.extensions):
            raise TypeError("DataStockAssumptions(extensions=...) takes a sequence of Extension values.")
        names = [self.human_text.name, *(e.name for e in self.extensions)]
        if len(set(names)) != len(names):
            raise ValueError(f"DataStockAssumptions: component names must be distinct; got {names}.")
        if not (math.isfinite(self.reference_tokens) and self.reference_tokens > 0):
            raise ValueError(f"DataStockAssumptions(reference_tokens={self.reference_tokens!r}); use a positive number of tokens, e.g. 15e12.")
        if isinstance(self.n_samples, bool) or not isinstance(self.n_samples, (int, np.integer)) or self.n_samples < 100:
            raise ValueError(f"DataStockAssumptions(n_samples={self.n_samples!r}); use an integer >= 100, e.g. 20000.")

    def replace(self, **changes: Any) -> "DataStockAssumptions":
        """A copy with ``changes`` applied (validated again)."""
        unknown = [k for k in changes if k not in self.__dataclass_fields__]
        if unknown:
            raise ValueError(f"DataStockAssumptions.replace(): unknown field(s) {unknown}; fields: {list(self.__dataclass_fields__)}.")
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "human_text": self.human_text.to_dict(),
            "extensions": [e.to_dict() for e in self.extensions],
            "reference_tokens": self.reference_tokens,
            "reference_label": self.reference_label,
            "reference_source": self.reference_source,
            "n_samples": int(self.n_samples),
        }


@dataclass(frozen=True, eq=False)
class DataStock(Result):
    """Monte Carlo distribution of the usable stock of training tokens. Immutable.

    Attributes
    ----------
    assumptions : DataStockAssumptions
        The inputs.
    components : dict
        name -> samples (n,) in tokens, one per component (human text and
        each extension), drawn independently.
    total : ndarray (n,)
        Their sum, in tokens.
    ci : float
        Level of the reported intervals.
    seed : int or None
        The seed the samples came from.
    """

    assumptions: DataStockAssumptions
    components: Mapping[str, np.ndarray] = field(repr=False)
    total: np.ndarray = field(repr=False)
    ci: float = 0.9
    seed: Any = 0

    def summary(self, samples: np.ndarray) -> tuple[float, float, float]:
        """(median, low, high) of ``samples`` at level ``ci``."""
        lo, med, hi = np.quantile(samples, [(1 - self.ci) / 2, 0.5, (1 + self.ci) / 2])
        return float(med), float(lo), float(hi)

    @property
    def ratio_to_reference(self) -> np.ndarray:
        """Stock over the reference dataset (how many Llama-3-sized datasets the stock holds)."""
        return self.total / self.assumptions.reference_tokens

    def share(self, name: str) -> tuple[float, float, float]:
        """Share of the total stock contributed by component ``name``."""
        try:
            part = self.components[name]
        except KeyError:
            raise KeyError(f"no component {name!r}; components: {list(self.components)}") from None
        return self.summary(part / self.total)

    def to_dict(self) -> dict[str, Any]:
        def d(v: tuple[float, float, float]) -> dict[str, float]:
            return {"median": v[0], "low": v[1], "high": v[2]}

        return {
            "assumptions": self.assumptions.to_dict(),
            "ci": self.ci,
            "seed": self.seed if isinstance(self.seed, (int, type(None))) else "generator",
            "unit": "tokens",
            "total": d(self.summary(self.total)),
            "components": {k: d(self.summary(v)) for k, v in self.components.items()},
            "shares": {k: d(self.share(k)) for k in self.components},
            "ratio_to_reference": d(self.summary(self.ratio_to_reference)),
        }

    def report(self) -> str:
        pct = f"{100 * self.ci:g}%"
        a = self.assumptions
        lines = [f"[[Data stock]] usable training tokens, {a.n_samples} Monte Carlo draws (seed {self.seed}), {pct} intervals"]
        for name, v in self.components.items():
            med, lo, hi = self.summary(v)
            lines.append(f"    {name:<22} {med:<10.3g} [{lo:.3g}, {hi:.3g}] tokens")
        med, lo, hi = self.summary(self.total)
        lines.append(f"    {'total':<22} {med:<10.3g} [{lo:.3g}, {hi:.3g}] tokens")
        med, lo, hi = self.summary(self.ratio_to_reference)
        lines.append(f"    {'x ' + a.reference_label:<22} {med:<10.3g} [{lo:.3g}, {hi:.3g}]")
        lines.append("[[Inputs]]")
        lines.append(f"    {a.human_text.describe()}")
        for ext in a.extensions:
            lines.append(f"    {ext.name}: {ext.description}")
            for f in ext.factors:
                lines.append(f"      {f.describe()}")
        lines.append(f"    reference: {a.reference_label}; {a.reference_source}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        med, lo, hi = self.summary(self.total)
        return f"DataStock(median {med:.3g} tokens, {100 * self.ci:g}% [{lo:.3g}, {hi:.3g}])"


def data_stock(
    assumptions: DataStockAssumptions | None = None,
    *,
    ci: float = 0.9,
    seed: int | np.random.Generator | None = 0,
) -> DataStock:
    """Sample the usable stock of training tokens.

    Parameters
    ----------
    assumptions : DataStockAssumptions, optional
        Inputs; default :class:`DataStockAssumptions` () (Villalobos et al.
        2024 plus YouTube transcripts, against Llama 3's 15T tokens).
    ci : float, default 0.9
        Level of the reported intervals (the 90% of Villalobos et al.).
    seed : int, Generator or None, default 0
        Seed of the Monte Carlo.

    Returns
    -------
    DataStock

    Examples
    --------
    >>> s = data_stock()
    >>> med, lo, hi = s.summary(s.total)
    >>> 250e12 < med < 400e12
    True
    """
    a = DataStockAssumptions() if assumptions is None else assumptions
    if not isinstance(a, DataStockAssumptions):
        raise TypeError(f"data_stock(assumptions=...) takes a DataStockAssumptions; got {type(a).__name__}.")
    if not 0 < ci < 1:
        raise ValueError(f"data_stock(ci={ci!r}); use a level between 0 and 1, e.g. 0.9.")
    rng = np.random.default_rng(seed)
    n = int(a.n_samples)
    components = {a.human_text.name: a.human_text.sample(n, rng)}
    for ext in a.extensions:
        components[ext.name] = ext.sample(n, rng)
    total = np.sum(np.vstack(list(components.values())), axis=0)
    return DataStock(
        assumptions=a,
        components=components,
        total=total,
        ci=ci,
        seed=seed if isinstance(seed, (int, type(None))) else "generator",
    )
