"""The data stock: cited estimates as two-piece normals, extensions, the Monte Carlo of usable tokens."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import norm

from scalewatch.analyses.datawall import (
    LLAMA3_TOKENS,
    VILLALOBOS_STOCK,
    YOUTUBE_TRANSCRIPTS,
    DataStockAssumptions,
    Estimate,
    Extension,
    data_stock,
)

# -- Estimate ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "est",
    [
        Estimate("stock", 300e12, 100e12, 1000e12, ci=0.9, scale="log"),
        Estimate("share", 0.4, 0.2, 0.6, ci=0.9, scale="logit"),
        Estimate("rate", 150.0, 120.0, 200.0, ci=0.8, scale="linear"),
    ],
)
def test_estimate_reproduces_its_median_and_interval_exactly_and_by_sampling(est):
    q = est.quantile([(1 - est.ci) / 2, 0.5, (1 + est.ci) / 2])
    np.testing.assert_allclose(q, [est.low, est.median, est.high], rtol=1e-12)
    draws = est.sample(200_000, np.random.default_rng(1))
    emp = np.quantile(draws, [(1 - est.ci) / 2, 0.5, (1 + est.ci) / 2])
    np.testing.assert_allclose(emp, [est.low, est.median, est.high], rtol=0.02)


def test_estimate_is_a_two_piece_normal_on_its_scale():
    # the upper tail of 300T [100T, 1000T] is wider on a log scale: ln(10/3) > ln 3
    est = VILLALOBOS_STOCK
    s_lo, s_hi = est.sigmas
    z = norm.ppf(0.95)
    assert s_lo == pytest.approx(math.log(3.0) / z)
    assert s_hi == pytest.approx(math.log(10.0 / 3.0) / z)
    # the 25% quantile lies on the lower half-normal
    assert est.quantile(0.25) == pytest.approx(300e12 * math.exp(s_lo * norm.ppf(0.25)))


def test_fixed_estimate_has_no_spread():
    est = Estimate("k", 2.0, 2.0, 2.0)
    assert np.all(est.sample(10, np.random.default_rng(0)) == 2.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(median=1.0, low=2.0, high=3.0), "need low <= median <= high"),
        (dict(median=1.0, low=-1.0, high=3.0), r"scale='log'\) needs low > 0"),
        (dict(median=0.5, low=0.1, high=1.0, scale="logit"), "strictly between 0 and 1"),
        (dict(median=1.0, low=0.5, high=2.0, scale="sqrt"), "allowed scales"),
        (dict(median=1.0, low=0.5, high=2.0, ci=1.5), "confidence level between 0 and 1"),
    ],
)
def test_estimate_rejects_bad_inputs_with_a_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Estimate("x", **kwargs)


def test_estimate_quantile_rejects_probabilities_outside_the_open_interval():
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        VILLALOBOS_STOCK.quantile([0.0, 0.5])


# -- the stock ---------------------------------------------------------------------------------


def test_defaults_are_the_cited_literature_values():
    # Villalobos et al. (2024): ~300T tokens, 90% CI 100T-1000T; Llama 3: ~15T tokens (Meta 2024)
    a = DataStockAssumptions()
    assert (a.human_text.median, a.human_text.low, a.human_text.high, a.human_text.ci) == (300e12, 100e12, 1000e12, 0.9)
    assert "Villalobos" in a.human_text.source and "2211.04325" in a.human_text.source
    assert a.reference_tokens == LLAMA3_TOKENS == 15e12 and "2407.21783" in a.reference_source
    minutes = YOUTUBE_TRANSCRIPTS.factors[0]
    assert minutes.name == "video_minutes" and minutes.median == 150e9
    assert all(f.source for f in YOUTUBE_TRANSCRIPTS.factors)


def test_stock_is_text_plus_extensions_and_set_against_llama3():
    s = data_stock(seed=0)
    np.testing.assert_allclose(s.total, s.components["human_text_stock"] + s.components["youtube_transcripts"])
    med, lo, hi = s.summary(s.components["human_text_stock"])
    assert med == pytest.approx(300e12, rel=0.03) and lo == pytest.approx(100e12, rel=0.05) and hi == pytest.approx(1000e12, rel=0.06)
    # YouTube: 150e9 min x 0.4 x 150 wpm x 4/3 tokens/word x 0.3 ~ 3.6T tokens, about 1% of the text stock
    yt = s.summary(s.components["youtube_transcripts"])[0]
    assert 2e12 < yt < 5e12
    share = s.share("youtube_transcripts")
    assert 0.003 < share[0] < 0.03
    ratio = s.summary(s.ratio_to_reference)
    assert ratio[0] == pytest.approx(s.summary(s.total)[0] / 15e12)
    assert 15 < ratio[0] < 25


def test_stock_is_reproducible_by_seed_and_editable():
    a = DataStockAssumptions(n_samples=2000)
    np.testing.assert_array_equal(data_stock(a, seed=3).total, data_stock(a, seed=3).total)
    assert not np.array_equal(data_stock(a, seed=3).total, data_stock(a, seed=4).total)
    # a user's own stock: text only, ten times larger
    big = a.replace(extensions=(), human_text=Estimate("human_text_stock", 3e15, 1e15, 1e16, unit="tokens"))
    s = data_stock(big, seed=3)
    assert list(s.components) == ["human_text_stock"]
    assert s.summary(s.total)[0] == pytest.approx(3e15, rel=0.05)
    with pytest.raises(ValueError, match="unknown field"):
        a.replace(stock=1)


def test_extension_is_the_product_of_its_factors():
    ext = Extension("podcasts", (Estimate("hours", 5e7, 5e7, 5e7), Estimate("tokens_per_hour", 1.2e4, 1.2e4, 1.2e4)))
    assert ext.median_product == pytest.approx(6e11)
    assert np.all(ext.sample(5, np.random.default_rng(0)) == pytest.approx(6e11))
    with pytest.raises(TypeError, match="sequence of Estimate"):
        Extension("bad", (1.0,))
    with pytest.raises(ValueError, match="distinct"):
        DataStockAssumptions(extensions=(ext, ext))


def test_stock_to_dict_is_json_safe():
    d = data_stock(DataStockAssumptions(n_samples=500), seed=0).to_dict()
    text = json.dumps(d)
    assert "Villalobos" in text and d["unit"] == "tokens"


# -- repetition and trends ------------------------------------------------------------------------


def test_component_shares_add_up_to_the_whole_stock():
    st = data_stock(DataStockAssumptions(n_samples=2000), seed=3)
    total = sum(st.components[name] for name in st.components)
    np.testing.assert_allclose(total, st.total, rtol=1e-12)
    np.testing.assert_allclose(st.ratio_to_reference, st.total / LLAMA3_TOKENS)
    with pytest.raises(KeyError, match=r"no component 'books'; components: \["):
        st.share("books")


def test_assumptions_are_edited_by_name_and_checked():
    a = DataStockAssumptions()
    assert a.replace(reference_tokens=30e12).reference_tokens == 30e12 and a.reference_tokens == LLAMA3_TOKENS
    with pytest.raises(ValueError, match=r"unknown field\(s\) \['stok'\]"):
        a.replace(stok=1.0)
    with pytest.raises(ValueError, match=r"n_samples=10\); use an integer >= 100"):
        DataStockAssumptions(n_samples=10)
    with pytest.raises(TypeError, match="takes a non-empty sequence of Estimate values"):
        Extension("nothing", ())
