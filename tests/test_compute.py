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
