"""Unit tests for :mod:`scaling_utils.compute`.

Certified values come from /work/shared/data/PUBLISHED_FIGURES.md ("Compute cost"):
GPT-3 175B, 174.6e9 parameters x 300e9 tokens -> 3.14e23 FLOP, 3,640 PF-days (Brown et al.
2020, Table D.1 [S]); Strubell et al. (2019) NAS 626,155 lbs against a car's lifetime
126,000 lbs -> 4.97 [S]; peak BF16 rates A100 SXM 312 and H100 SXM 989.4 TFLOP/s -> 3.17 [S];
Patterson et al. (2021) Table 4, GPT-3: 1,287 MWh, 552 tCO2e [S].
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaling_utils import compute, laws

ASSUME = dict(peak_tflops=312.0, utilisation=0.4, power_kw=0.4, pue=1.1,
              kg_co2e_per_kwh=0.4, usd_per_gpu_hour=2.0)
REFIT = {"E": 1.8172, "A": 477.84, "B": 2143.86, "alpha": 0.3473, "beta": 0.3672}


# ------------------------------------------------------------------ certified values
def test_gpt3_175b_compute_certified():
    C = laws.training_flops(174.6e9, 300e9)
    assert C == pytest.approx(3.14e23, rel=0.01)
    assert laws.flop_to_pf_days(C) == pytest.approx(3640, rel=0.01)
    cost = compute.training_cost(C, **ASSUME)
    assert cost.pf_days == pytest.approx(3638, abs=1)


def test_strubell_five_cars_certified():
    assert 626_155 / 126_000 == pytest.approx(4.97, abs=0.005)
    nas_t = compute.lbs_to_kg(626_155) / 1000
    car_t = compute.lbs_to_kg(126_000) / 1000
    assert nas_t / car_t == pytest.approx(4.97, abs=0.005)
    assert nas_t == pytest.approx(284.0, abs=0.1)


def test_peak_ratio_and_gpu_hours():
    a100 = compute.gpu_hours(3.14e23, peak_tflops=312, utilisation=0.5)
    h100 = compute.gpu_hours(3.14e23, peak_tflops=989.4, utilisation=0.5)
    assert a100 / h100 == pytest.approx(3.17, abs=0.005)
    # by hand: 3.14e23 / (312e12 * 0.5 * 3600)
    assert a100 == pytest.approx(3.14e23 / (312e12 * 0.5 * 3600), rel=1e-12)


def test_patterson_gpt3_energy_and_emissions():
    # Patterson et al. (2021), Table 4 [P]: 10,000 V100 for 14.8 days at 330 W, PUE 1.10,
    # 0.429 kg/kWh must reproduce the table's 1,287 MWh and 552.1 tCO2e within 1%.
    energy = compute.energy_mwh(10_000 * 14.8 * 24, power_kw=0.330, pue=1.1)
    assert energy == pytest.approx(1287, rel=0.01)
    assert compute.emissions_tco2e(1287, kg_co2e_per_kwh=0.429) == pytest.approx(552.1, rel=0.01)


def test_gpt3_mfu_matches_patterson_measured_throughput():
    # Certified value: Table D.1's 6ND (174.6e9 x 300e9 x 6) over Table 4's V100-hours at the
    # 125 TFLOP/s peak (Table 4, footnote 12) equals Table 4's "measured" 24.6 TFLOP/s / 125
    # within 1% (a consistency check: that figure is Table 4's total FLOP over its chip-time).
    C = 6 * 174.6e9 * 300e9
    mfu = compute.model_flops_utilisation(C, gpu_hours=10_000 * 14.8 * 24, peak_tflops=125)
    assert mfu == pytest.approx(24.6 / 125, rel=0.01)
    assert compute.gpu_hours(C, peak_tflops=125, utilisation=mfu) == pytest.approx(10_000 * 14.8 * 24, rel=1e-12)


def test_strubell_nas_estimate_over_patterson_measurement():
    # Patterson et al. (2021), Section 4.1: the NAS estimate was "88X" off in emissions; Table 4
    # measures the search at 3.2 tCO2e against the estimate's 626,155 lbs (= 284 t).
    assert compute.lbs_to_kg(626_155) / 1000 / 3.2 == pytest.approx(88, abs=2)


def test_unit_conversions_round_trip():
    assert compute.KG_PER_LB == 0.45359237
    assert compute.kg_to_lbs(compute.lbs_to_kg(126_000)) == pytest.approx(126_000, rel=1e-12)
    np.testing.assert_allclose(compute.lbs_to_kg([1.0, 2.0]), [0.45359237, 0.90718474])


def test_attention_term_gpt3():
    # Kaplan: attention share ~ n_ctx / (12 d_model) of 2N when N = 12 n_layer d_model^2.
    n_layer, d_model, n_ctx = 96, 12288, 2048
    N = 12 * n_layer * d_model**2
    frac = compute.attention_flop_fraction(N, n_layer=n_layer, n_ctx=n_ctx, d_attn=d_model)
    ratio = n_ctx / (12 * d_model)
    assert frac == pytest.approx(ratio / (1 + ratio), rel=1e-12)
    per_token = compute.forward_flops_per_token(N, n_layer=n_layer, n_ctx=n_ctx, d_attn=d_model)
    assert per_token == pytest.approx(2 * N * (1 + ratio), rel=1e-12)
    # Counting QK^T and attention-times-V in full (Hoffmann et al. 2022, Appendix F) doubles the
    # term (d_attn -> 2 d_model):
    # the share rises, but by less than 2x because it saturates.
    frac_both = compute.attention_flop_fraction(N, n_layer=n_layer, n_ctx=n_ctx, d_attn=2 * d_model)
    assert frac_both == pytest.approx(2 * ratio / (1 + 2 * ratio), rel=1e-12)
    assert frac < frac_both < 2 * frac


def test_inference_memory_and_bandwidth():
    assert compute.inference_flops(175e9, 1000) == pytest.approx(3.5e14)
    assert compute.weight_memory_gb(175e9) == pytest.approx(350.0)
    assert compute.weight_memory_gb(175e9, bits_per_parameter=4) == pytest.approx(87.5)
    assert compute.decode_tokens_per_second(7e9, bits_per_parameter=16,
                                            bandwidth_gb_per_s=1400) == pytest.approx(100.0)
    np.testing.assert_allclose(compute.inference_flops([1e9, 2e9], [10, 10]), [2e10, 4e10])


def test_mfu_inverts_gpu_hours():
    hours = compute.gpu_hours(1e22, peak_tflops=989.4, utilisation=0.37)
    assert compute.model_flops_utilisation(1e22, gpu_hours=hours, peak_tflops=989.4) == pytest.approx(0.37)


def test_training_cost_result_object():
    cost = compute.training_cost(1e23, **ASSUME)
    assert dataclasses.is_dataclass(cost)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cost.flop = 0.0
    hours = 1e23 / (312e12 * 0.4 * 3600)
    assert cost.gpu_hours == pytest.approx(hours)
    assert cost.energy_mwh == pytest.approx(hours * 0.4 * 1.1 / 1000)
    assert cost.tco2e == pytest.approx(cost.energy_mwh * 0.4)
    assert cost.usd == pytest.approx(hours * 2.0)
    assert cost.assumptions == ASSUME
    text = cost.summary()
    assert "PF-days" in text and "usd_per_gpu_hour = 2" in text
    assert str(cost) == text and cost._repr_html_().startswith("<pre>")
    assert set(cost.to_dict()) == {"flop", "pf_days", "gpu_hours", "energy_mwh", "tco2e", "usd"}


# ------------------------------------------------------------------ frontier algebra
def test_loss_at_budget_matches_compute_optimal():
    for C in (1e20, 5.76e23, 1e26):
        N_opt, D_opt = laws.compute_optimal(C, **{k: v for k, v in REFIT.items() if k != "E"})
        direct = laws.chinchilla_loss(N_opt, D_opt, **REFIT)
        assert compute.loss_at_budget(C, **REFIT) == pytest.approx(direct, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=1e17, max_value=1e28))
def test_budget_for_loss_inverts_loss_at_budget(C):
    L = compute.loss_at_budget(C, **REFIT)
    assert compute.budget_for_loss(L, **REFIT) == pytest.approx(C, rel=1e-6)


def test_loss_at_budget_decreases_towards_E():
    C = np.geomspace(1e18, 1e30, 20)
    L = compute.loss_at_budget(C, **REFIT)
    assert np.all(np.diff(L) < 0) and np.all(L > REFIT["E"])


# ------------------------------------------------------------------ bad input
BAD_CALLS = [
    (lambda v: compute.lbs_to_kg(v), "lbs"),
    (lambda v: compute.kg_to_lbs(v), "kg"),
    (lambda v: compute.forward_flops_per_token(v, n_layer=1, n_ctx=1, d_attn=1), "N"),
    (lambda v: compute.forward_flops_per_token(1e9, n_layer=v, n_ctx=1, d_attn=1), "n_layer"),
    (lambda v: compute.attention_flop_fraction(1e9, n_layer=1, n_ctx=v, d_attn=1), "n_ctx"),
    (lambda v: compute.attention_flop_fraction(1e9, n_layer=1, n_ctx=1, d_attn=v), "d_attn"),
    (lambda v: compute.inference_flops(v, 1), "N"),
    (lambda v: compute.inference_flops(1e9, v), "n_tokens"),
    (lambda v: compute.inference_flops(1e9, 1, flop_per_parameter_token=v), "flop_per_parameter_token"),
    (lambda v: compute.gpu_hours(v, peak_tflops=312, utilisation=0.4), "C"),
    (lambda v: compute.gpu_hours(1e20, peak_tflops=v, utilisation=0.4), "peak_tflops"),
    (lambda v: compute.gpu_hours(1e20, peak_tflops=312, utilisation=v), "utilisation"),
    (lambda v: compute.model_flops_utilisation(1e20, gpu_hours=v, peak_tflops=312), "gpu_hours"),
    (lambda v: compute.energy_mwh(v, power_kw=0.4, pue=1.1), "gpu_hours"),
    (lambda v: compute.energy_mwh(1.0, power_kw=v, pue=1.1), "power_kw"),
    (lambda v: compute.energy_mwh(1.0, power_kw=0.4, pue=v), "pue"),
    (lambda v: compute.emissions_tco2e(v, kg_co2e_per_kwh=0.4), "energy_mwh"),
    (lambda v: compute.emissions_tco2e(1.0, kg_co2e_per_kwh=v), "kg_co2e_per_kwh"),
    (lambda v: compute.cost_usd(v, usd_per_gpu_hour=2), "gpu_hours"),
    (lambda v: compute.cost_usd(1.0, usd_per_gpu_hour=v), "usd_per_gpu_hour"),
    (lambda v: compute.weight_memory_gb(v), "N"),
    (lambda v: compute.weight_memory_gb(1e9, bits_per_parameter=v), "bits_per_parameter"),
    (lambda v: compute.decode_tokens_per_second(1e9, bits_per_parameter=16, bandwidth_gb_per_s=v),
     "bandwidth_gb_per_s"),
    (lambda v: compute.loss_at_budget(v, **REFIT), "C"),
    (lambda v: compute.budget_for_loss(v, **REFIT), "L"),
    (lambda v: compute.training_cost(v, **ASSUME), "C"),
    (lambda v: compute.training_cost(1e20, **{**ASSUME, "usd_per_gpu_hour": v}), "usd_per_gpu_hour"),
]


@pytest.mark.parametrize("bad", [np.nan, 0.0, -1.0])
@pytest.mark.parametrize("call, name", BAD_CALLS)
def test_bad_values_name_the_argument(call, name, bad):
    with pytest.raises(ValueError, match=f"`{name}`"):
        call(bad)


def test_nan_in_array_is_reported_with_advice():
    with pytest.raises(ValueError, match=r"`C` contains 1 NaN.*drop or impute"):
        compute.gpu_hours([1e20, np.nan], peak_tflops=312, utilisation=0.4)


@pytest.mark.parametrize(
    "call",
    [
        lambda: compute.inference_flops([1e9, 2e9, 3e9], [1, 2]),
        lambda: compute.forward_flops_per_token([1e9, 2e9], n_layer=[1, 2, 3], n_ctx=2048, d_attn=1),
        lambda: compute.model_flops_utilisation([1e20, 2e20], gpu_hours=[1.0, 2.0, 3.0], peak_tflops=312),
    ],
)
def test_mismatched_lengths(call):
    with pytest.raises(ValueError, match="Mismatched lengths.*one value per observation"):
        call()


def test_utilisation_given_as_percent_is_refused():
    with pytest.raises(ValueError, match=r"`utilisation`.*0\.4 for 40%"):
        compute.gpu_hours(1e20, peak_tflops=312, utilisation=40)


def test_pue_below_one_is_refused():
    with pytest.raises(ValueError, match="`pue`.*cannot be below 1"):
        compute.energy_mwh(1.0, power_kw=0.4, pue=0.9)


def test_loss_below_floor_is_refused():
    with pytest.raises(ValueError, match="`L` must be above the irreducible loss"):
        compute.budget_for_loss([2.0, 1.8], **REFIT)


def test_bad_chinchilla_params_are_refused():
    with pytest.raises(ValueError, match="`alpha`"):
        compute.loss_at_budget(1e20, **{**REFIT, "alpha": -0.3})
    with pytest.raises(ValueError, match="`E`"):
        compute.budget_for_loss(2.0, **{**REFIT, "E": math.nan})


def test_scalar_in_scalar_out():
    assert isinstance(compute.gpu_hours(1e20, peak_tflops=312, utilisation=0.4), float)
    assert isinstance(compute.lbs_to_kg(1.0), float)


# --------------------------------------------------------------------------- fuzz-harness findings
_COST = dict(peak_tflops=312.0, utilisation=0.4, power_kw=0.4, pue=1.1, kg_co2e_per_kwh=0.4,
             usd_per_gpu_hour=2.0)


@pytest.mark.parametrize(
    "func, kwargs, arg",
    [
        (compute.inference_flops, dict(N=1e308, n_tokens=1e10), "N"),
        (compute.forward_flops_per_token, dict(N=1e9, n_layer=1e308, n_ctx=2048, d_attn=1e3),
         "n_layer"),
        (compute.cost_usd, dict(gpu_hours=1e308, usd_per_gpu_hour=2.0), "gpu_hours"),
        (compute.energy_mwh, dict(gpu_hours=1e3, power_kw=1e308, pue=1.1), "power_kw"),
        (compute.weight_memory_gb, dict(N=1e308, bits_per_parameter=16.0), "N"),
        (compute.kg_to_lbs, dict(kg=1e308), "kg"),
        (compute.loss_at_budget, dict(C=1e21, **{**laws.HOFFMANN_2022, "A": 1e308}), "A"),
        (compute.budget_for_loss, dict(L=2.0, **{**laws.HOFFMANN_2022, "beta": 1e308}), "beta"),
    ],
)
def test_overflow_is_a_named_error(func, kwargs, arg):
    # Were a silent inf, or OverflowError/ZeroDivisionError from Python's float power.
    with pytest.raises(ValueError, match=f"`{arg}`"):
        func(**kwargs)


def test_underflow_to_zero_is_a_named_error():
    # 1e308 TFLOP/s made the accelerator-hours 0.0, which then failed in energy_mwh with a
    # message about `gpu_hours`, an argument training_cost does not have.
    with pytest.raises(ValueError, match=r"underflows to 0.*`peak_tflops`"):
        compute.training_cost(3e23, **{**_COST, "peak_tflops": 1e308})


@pytest.mark.parametrize("arg", sorted(_COST))
def test_training_cost_checks_every_assumption_by_name(arg):
    # A 2-D assumption used to fail in float() with "float() argument must be ... not 'list'".
    with pytest.raises(ValueError, match=f"`{arg}`"):
        compute.training_cost(3e23, **{**_COST, arg: [[1.0, 1.0], [1.0, 1.0]]})
    with pytest.raises(TypeError, match=f"`{arg}` is None"):
        compute.training_cost(3e23, **{**_COST, arg: None})
    assert compute.training_cost(3e23, **_COST).assumptions == _COST


def test_budget_for_loss_names_E_when_it_is_too_large():
    with pytest.raises(ValueError, match=r"`L` must be above the irreducible loss `E`"):
        compute.budget_for_loss(2.0, **{**laws.HOFFMANN_2022, "E": 1e308})


# =========================================================================== growth_rate (issue 16)
# Planted trends: log10(value) = 18 + slope * (year - 2010) + N(0, sigma) dex, dates uniform.
def _planted(slope, *, n=80, sigma=0.3, seed=0, start=2010.0, end=2024.0):
    rng = np.random.default_rng(seed)
    years = np.sort(rng.uniform(start, end, n))
    return years, 10.0 ** (18.0 + slope * (years - start) + rng.normal(0.0, sigma, n))


SIX_MONTHS = 2 * math.log10(2)          # slope (log10/yr) of a 6-month doubling time: 4x a year


def test_growth_rate_recovers_planted_doubling_time():
    years, values = _planted(SIX_MONTHS, seed=1)
    g = compute.growth_rate(years, values)
    assert g.success and g.n == 80
    assert g.doubling_months == pytest.approx(6.0, rel=0.05)
    assert g.per_year == pytest.approx(4.0, rel=0.1)
    assert g.doubling_months == pytest.approx(12 * math.log10(2) / g.slope, rel=1e-12)
    assert g.per_year == pytest.approx(10**g.slope, rel=1e-12)
    lo, hi = g.interval("doubling_months")
    assert lo < 6.0 < hi and hi - lo < 1.0
    lo_s, hi_s = g.interval("slope")
    assert g.interval("per_year") == pytest.approx((10**lo_s, 10**hi_s), rel=1e-12)
    assert (lo, hi) == pytest.approx((12 * math.log10(2) / hi_s, 12 * math.log10(2) / lo_s), rel=1e-12)
    # OLS by hand, and predict on the fitted line.
    slope, intercept = np.polyfit(years, np.log10(values), 1)
    assert g.slope == pytest.approx(slope, rel=1e-9) and g.intercept == pytest.approx(intercept, rel=1e-9)
    assert g.predict(2015.0) == pytest.approx(10 ** (intercept + slope * 2015.0), rel=1e-9)
    np.testing.assert_allclose(g.predict([2012.0, 2020.0]), 10 ** (intercept + slope * np.array([2012.0, 2020.0])),
                               rtol=1e-9)
    assert isinstance(g.predict("2015-01-01"), float)


def test_growth_rate_interval_covers_at_the_nominal_rate():
    # 200 seeded data sets of 30 points, 0.3 dex scatter; 95% intervals from n_boot=200
    # resamples.  Binomial SD of the coverage at 95% over 200 repetitions is 1.5 points; the
    # pairs-bootstrap percentile interval undercovers slightly at n = 30.  Allowed: 88%-99%.
    covered = 0
    for seed in range(200):
        years, values = _planted(SIX_MONTHS, n=30, seed=1000 + seed)
        lo, hi = compute.growth_rate(years, values, n_boot=200, rng=seed).interval("doubling_months")
        covered += lo <= 6.0 <= hi
    assert 0.88 <= covered / 200 <= 0.99, covered


def test_decreasing_quantity_has_a_negative_doubling_time_read_as_halving():
    years, values = _planted(-SIX_MONTHS, seed=2)
    g = compute.growth_rate(years, values)
    assert g.success and g.per_year < 1
    assert g.doubling_months == pytest.approx(-6.0, rel=0.05)
    lo, hi = g.interval("doubling_months")
    assert lo < -6.0 < hi < 0
    assert "halves every" in g.summary()


def test_flat_trend_is_not_identified_and_has_no_doubling_interval():
    years, values = _planted(0.0, sigma=1.0, seed=3)
    g = compute.growth_rate(years, values)
    assert g.interval("slope").lower < 0 < g.interval("slope").upper
    assert not g.success and "includes 0" in g.message and "(nan, nan)" in g.message
    lo, hi = g.interval("doubling_months")
    assert math.isnan(lo) and math.isnan(hi) and "unbounded" in g.interval("doubling_months").reason
    assert g.interval("per_year").lower < 1 < g.interval("per_year").upper


def test_too_few_distinct_dates_for_a_pairs_bootstrap():
    # 3 points: a resample has all dates equal with probability 3 / 27 = 11% > 5%.
    g = compute.growth_rate([2000.0, 2001.0, 2002.0], [1.0, 2.0, 4.0])
    assert g.per_year == pytest.approx(2.0) and g.doubling_months == pytest.approx(12.0)
    assert not g.success and g.degenerate_share == pytest.approx(1 / 9, abs=0.02)
    assert all(math.isnan(v) for name in compute.GrowthRate.INTERVALS for v in g.interval(name))


def test_exact_line_gives_zero_width_interval():
    years = np.arange(2000.0, 2010.0)
    g = compute.growth_rate(years, 3.0 * 2.0 ** (years - 2000))
    assert g.success and g.doubling_months == pytest.approx(12.0, rel=1e-12)
    assert g.interval("doubling_months") == pytest.approx((12.0, 12.0), rel=1e-9)


def test_decimal_year_convention():
    assert compute.decimal_year("2020-01-01") == 2020.0
    assert compute.decimal_year("2020-07-01") == pytest.approx(2020 + 182 / 366, rel=1e-15)
    assert compute.decimal_year("2021-07-01") == pytest.approx(2021 + 181 / 365, rel=1e-15)
    assert compute.decimal_year("2021-12-31 12:00") == pytest.approx(2021 + 364.5 / 365, rel=1e-15)
    assert compute.decimal_year(2019.25) == 2019.25
    np.testing.assert_array_equal(compute.decimal_year([2019, 2020.5]), [2019.0, 2020.5])


def test_every_date_type_gives_the_same_result():
    import datetime

    import pandas as pd

    days = ["2012-03-01", "2014-06-15", "2015-01-31", "2017-11-02", "2019-05-20", "2020-02-29",
            "2021-08-08", "2023-12-31"]
    values = [1e20, 3e21, 2e22, 5e23, 8e23, 1e25, 2e25, 3e26]
    stamps = pd.to_datetime(days)
    forms = {
        "str": days,
        "datetime64": np.array(days, dtype="datetime64[D]"),
        "Timestamp list": list(stamps),
        "DatetimeIndex": stamps,
        "Series": pd.Series(stamps),
        "date": [datetime.date.fromisoformat(d) for d in days],
        "datetime": [datetime.datetime.fromisoformat(d) for d in days],
        "tz-aware": list(stamps.tz_localize("UTC")),
        "decimal years": compute.decimal_year(days),
    }
    ref = compute.growth_rate(forms["decimal years"], values, n_boot=200)
    for name, dates in forms.items():
        g = compute.growth_rate(dates, values, n_boot=200)
        assert g.slope == pytest.approx(ref.slope, rel=1e-12), name
        assert g.intercept == pytest.approx(ref.intercept, rel=1e-12), name
        assert g.interval("doubling_months") == pytest.approx(ref.interval("doubling_months"), rel=1e-12), name
        assert g.predict(dates[3]) == pytest.approx(ref.predict(forms["decimal years"][3]), rel=1e-12), name


def test_growth_rate_is_seeded():
    years, values = _planted(SIX_MONTHS, n=20, seed=4)
    a = compute.growth_rate(years, values, n_boot=300, rng=7)
    b = compute.growth_rate(years, values, n_boot=300, rng=np.random.default_rng(7))
    c = compute.growth_rate(years, values, n_boot=300, rng=8)
    assert tuple(a.interval("slope")) == tuple(b.interval("slope")) != tuple(c.interval("slope"))


def test_growth_rate_result_object():
    import matplotlib.pyplot as plt

    g = compute.growth_rate(*_planted(SIX_MONTHS, n=20, seed=5), n_boot=200)
    assert dataclasses.is_dataclass(g)
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.slope = 0.0
    text = g.summary()
    assert "per year" in text and "doubling time" in text and "pairs bootstrap" in text
    assert str(g) == text and g._repr_html_().startswith("<pre>")
    ax = g.plot()
    assert ax.get_yscale() == "log"
    plt.close("all")


_GOOD = dict(dates=[2010.0, 2012.0, 2014.0, 2016.0, 2018.0], values=[1.0, 3.0, 10.0, 30.0, 100.0])


@pytest.mark.parametrize(
    "change, exc, pattern",
    [
        ({"values": [1.0, 3.0, 0.0, 30.0, 100.0]}, ValueError, r"`values` must be > 0"),
        ({"values": [1.0, 3.0, -2.0, 30.0, 100.0]}, ValueError, r"`values` must be > 0"),
        ({"values": [1.0, 3.0, np.nan, 30.0, 100.0]}, ValueError, r"`values` contains 1 NaN"),
        ({"values": [1.0, 3.0, np.inf, 30.0, 100.0]}, ValueError, r"`values` contains 1 NaN or infinite"),
        ({"dates": [2010.0, 2012.0], "values": [1.0, 2.0]}, ValueError, r"2 point\(s\).*at least 3"),
        ({"dates": [2010.0] * 5}, ValueError, r"`dates` are all equal"),
        ({"dates": ["2010-01-01", "2012-01-01", "not a date", "2016-01-01", "2018-01-01"]},
         ValueError, r"`dates` could not be read as dates: element 2 \('not a date'\)"),
        ({"dates": ["2010-01-01", None, "2014-01-01", "2016-01-01", "2018-01-01"]},
         ValueError, r"`dates` contains a missing value"),
        ({"dates": [2010.0, "2012-01-01", 2014.0, 2016.0, 2018.0]}, TypeError, r"`dates` mixes numbers"),
        ({"dates": [2010.0, 2012.0, 2014.0]}, ValueError, r"Mismatched lengths: `dates` has 3, `values` has 5"),
        ({"dates": 2010.0}, ValueError, r"`dates` must be a sequence"),
        ({"dates": [[2010.0, 2012.0], [2014.0, 2016.0]]}, ValueError, r"`dates` must be one-dimensional"),
        ({"dates": [2010.0, 2012.0, 1e9, 2016.0, 2018.0]}, ValueError, r"`dates` holds the decimal year"),
        ({"dates": [2010.0, 2010 + 1e-13, 2010 + 2e-13, 2010 + 3e-13, 2010 + 4e-13]}, ValueError,
         r"beyond the float range: `dates` span only"),
        ({"confidence": 95}, ValueError, r"`confidence` must be strictly between 0 and 1"),
        ({"confidence": 0.0}, ValueError, r"`confidence`"),
        ({"n_boot": 50}, ValueError, r"`n_boot` must be an integer >= 100"),
        ({"n_boot": 200.0}, TypeError, r"`n_boot` must be an integer"),
        ({"n_boot": 10**12}, ValueError, r"`n_boot` must be an integer between 100 and 100000"),
        ({"rng": -1}, TypeError, r"`rng` must be a non-negative int seed"),
        ({"rng": "seed"}, TypeError, r"`rng`"),
        ({"rng": 0.5}, TypeError, r"`rng`"),
    ],
)
def test_growth_rate_bad_input(change, exc, pattern):
    with pytest.raises(exc, match=pattern):
        compute.growth_rate(**{**_GOOD, **change})


def test_growth_rate_bad_interval_name_and_date():
    g = compute.growth_rate(**_GOOD, n_boot=100)
    with pytest.raises(ValueError, match="`name`"):
        g.interval("doubling")
    with pytest.raises(ValueError, match="`date` could not be read as dates"):
        g.predict("yesterday-ish")
    # Dates outside pandas' nanosecond range (1677-2262) keep their coarser unit, not wrap round.
    assert compute.decimal_year("1200-07-01") == pytest.approx(1200 + 182 / 366, rel=1e-15)
    assert compute.decimal_year(np.datetime64("2500-01-01")) == 2500.0


# =========================================================================== inference_optimal (issue 16)
HOFF = dict(laws.HOFFMANN_2022)


def _brute_force(loss, d_inf, *, E, A, B, alpha, beta, n=400_001):
    """Least total FLOP over a log grid of N on the constraint curve (D from the constraint)."""
    N_min = (A / (loss - E)) ** (1 / alpha)
    N = N_min * np.geomspace(1 + 1e-9, 1e4, n)
    D = (B / (loss - E - A / N**alpha)) ** (1 / beta)
    total = 6 * N * D + 2 * N * d_inf
    i = int(np.argmin(total))
    assert 0 < i < n - 1        # an interior minimum of the grid
    return N[i], D[i], total[i]


@pytest.mark.parametrize("params", [HOFF, REFIT], ids=["hoffmann", "refit"])
@pytest.mark.parametrize("d_inf", [1e9, 2e12, 1e14, 1e16])
def test_inference_optimal_matches_brute_force(params, d_inf):
    # Tolerances: the grid's log spacing is 2.3e-5, so the grid's minimum total FLOP is within
    # about 1e-9 of the true one (the minimum is flat) and its argmin N within about 1e-3.
    loss = 2.1
    r = compute.inference_optimal(loss, d_inf, **params)
    N, D, total = _brute_force(loss, d_inf, **params)
    assert r.success
    assert r.total_flops <= total * (1 + 1e-12)
    assert r.total_flops == pytest.approx(total, rel=1e-8)
    assert r.N == pytest.approx(N, rel=2e-3) and r.D == pytest.approx(D, rel=2e-3)
    # On the constraint curve, and the bookkeeping is consistent.
    assert laws.chinchilla_loss(r.N, r.D, **params) == pytest.approx(loss, rel=1e-12)
    assert r.train_flops == pytest.approx(6 * r.N * r.D, rel=1e-12)
    assert r.inference_flops == pytest.approx(2 * r.N * d_inf, rel=1e-12)
    assert r.tokens_per_parameter == pytest.approx(r.D / r.N, rel=1e-12)
    assert r.chinchilla_total_flops == pytest.approx(r.chinchilla_train_flops + 2 * r.chinchilla_N * d_inf)
    assert 0 <= r.saving == pytest.approx(1 - r.total_flops / r.chinchilla_total_flops)


@pytest.mark.parametrize("params", [HOFF, REFIT], ids=["hoffmann", "refit"])
def test_zero_inference_is_the_chinchilla_optimum(params):
    loss = 2.05
    r = compute.inference_optimal(loss, 0.0, **params)
    C = compute.budget_for_loss(loss, **params)
    N_opt, D_opt = laws.compute_optimal(C, **params)
    assert r.N == pytest.approx(N_opt, rel=1e-9) and r.D == pytest.approx(D_opt, rel=1e-9)
    assert r.N == pytest.approx(r.chinchilla_N, rel=1e-9)
    assert r.train_flops == pytest.approx(C, rel=1e-9) and r.inference_flops == 0
    assert r.tokens_per_parameter == pytest.approx(laws.tokens_per_parameter(C, **params), rel=1e-9)
    assert r.saving == pytest.approx(0.0, abs=1e-12)
    # A negligible demand is the same optimum.
    tiny = compute.inference_optimal(loss, 1e-3, **params)
    assert tiny.N == pytest.approx(N_opt, rel=1e-9)


def test_more_inference_means_a_smaller_model_trained_longer():
    d_inf = np.geomspace(1e8, 1e17, 19)
    r = compute.inference_optimal(2.0, d_inf, **HOFF)
    assert isinstance(r.N, np.ndarray) and r.N.shape == (19,)
    assert np.all(np.diff(r.N) < 0) and np.all(np.diff(r.D) > 0)
    assert np.all(np.diff(r.tokens_per_parameter) > 0)
    assert np.all(np.diff(r.saving) > 0) and np.all(r.N < r.chinchilla_N)
    # Vectorised equals one call per demand.
    for i in (0, 9, 18):
        one = compute.inference_optimal(2.0, d_inf[i], **HOFF)
        assert isinstance(one.N, float) and one.N == pytest.approx(r.N[i], rel=1e-12)
    assert len(r.to_frame()) == 19 and "tokens/parameter" in r.summary()


def test_inference_optimal_result_object():
    import matplotlib.pyplot as plt

    r = compute.inference_optimal(2.0, [0.0, 1e12, 1e14], **HOFF)
    assert dataclasses.is_dataclass(r)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.N = 1.0
    assert str(r) == r.summary() and r._repr_html_().startswith("<pre>")
    assert "Chinchilla-optimal" in r.summary() and r.params == HOFF
    r.plot()
    plt.close("all")


@pytest.mark.parametrize(
    "kwargs, exc, pattern",
    [
        (dict(loss=1.69), ValueError, r"`loss` = 1.69 is unreachable.*irreducible loss `E`"),
        (dict(loss=1.5), ValueError, r"`loss` = 1.5 is unreachable"),
        (dict(loss=math.nan), ValueError, r"`loss`"),
        (dict(loss=[2.0, 2.1]), ValueError, r"`loss` must be a single number"),
        (dict(inference_tokens=-1.0), ValueError, r"`inference_tokens` must be >= 0"),
        (dict(inference_tokens=[1e12, math.nan]), ValueError, r"`inference_tokens` contains 1 NaN"),
        (dict(inference_tokens=[[1e12]]), ValueError, r"`inference_tokens` must be 0-D or 1-D"),
        (dict(inference_tokens=1e308), ValueError, r"not finite.*`inference_tokens`"),
        (dict(inference_tokens=None), TypeError, r"`inference_tokens` is None"),
        (dict(E=-1.0), ValueError, r"`E`"),
        (dict(alpha=0.0), ValueError, r"`alpha` must be > 0"),
        (dict(beta=math.inf), ValueError, r"`beta`"),
        (dict(A="x"), TypeError, r"`A`"),
    ],
)
def test_inference_optimal_bad_input(kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        compute.inference_optimal(**{"loss": 2.0, "inference_tokens": 1e12, **HOFF, **kwargs})
