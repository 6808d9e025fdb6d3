"""What training and running a model costs: FLOP, accelerator time, energy, CO2e, money, memory.

The chain of this module follows the chapter *Compute cost* (``chapters/compute_cost.ipynb``)::

    FLOP --(peak rate x utilisation)--> accelerator-hours --(power x PUE)--> MWh
         --(grid intensity)--> tCO2e;     accelerator-hours --(price)--> USD

Every assumption (utilisation, power draw, PUE, grid intensity, price) is a required
keyword argument: nothing is hidden in a module constant, so a reader always sees what a
number rests on.  Training FLOP ``C = 6 N D`` and the FLOP <-> PF-day conversions live in
:mod:`scaling_utils.laws` (:func:`~scaling_utils.laws.training_flops`,
:func:`~scaling_utils.laws.flop_to_pf_days`).

Two additions sit beside the chain: :func:`growth_rate` (with :func:`decimal_year`), the
log-linear trend of a quantity over calendar time with a pairs-bootstrap interval, for the
chapter *Trends*; and :func:`inference_optimal`, the model that reaches a loss for the least
training plus lifetime inference FLOP (Sardana & Frankle 2023), for *Compute cost*.

Every result of the chain is a positive amount: one that overflows to inf or underflows to 0
(inputs near the float range) raises a ValueError naming the arguments instead of being
returned.

Units used throughout: FLOP; TFLOP/s (1e12 FLOP/s) for peak rates; hours; kW for power;
MWh for energy; kg CO2e per kWh for grid intensity (numerically equal to t CO2e per MWh);
t (metric tonnes) CO2e; USD; GB = 1e9 bytes; GB/s for memory bandwidth.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from . import laws
from ._interval import BootstrapInterval, percentile_interval
from ._validate import (
    ArgumentTypeError,
    as_float_array,
    as_positive_array,
    check_broadcastable,
    check_choice,
    check_finite_result,
    check_positive_int,
    check_positive_scalar,
    check_probability,
    check_same_length,
    check_scalar,
)

__all__ = [
    "KG_PER_LB",
    "lbs_to_kg",
    "kg_to_lbs",
    "forward_flops_per_token",
    "attention_flop_fraction",
    "inference_flops",
    "gpu_hours",
    "model_flops_utilisation",
    "energy_mwh",
    "emissions_tco2e",
    "cost_usd",
    "weight_memory_gb",
    "decode_tokens_per_second",
    "loss_at_budget",
    "budget_for_loss",
    "training_cost",
    "TrainingCost",
    "decimal_year",
    "growth_rate",
    "GrowthRate",
    "inference_optimal",
    "InferenceOptimal",
]

#: One international avoirdupois pound in kilograms (exact by definition, 1959).
KG_PER_LB = 0.45359237


def _broadcast(**arrays):
    """Check that 1-D array arguments of more than one value have equal lengths, and that
    all the arrays broadcast together (grids of higher dimension included)."""
    long = {k: v for k, v in arrays.items() if np.ndim(v) == 1 and np.size(v) > 1}
    if len(long) > 1:
        check_same_length(**long)
    check_broadcastable(**arrays)


def _finite(formula, *names, what="The result"):
    """Evaluate ``formula()`` with floating-point warnings off, then require a finite,
    non-zero result: every quantity here is a positive amount, so an overflow to inf or an
    underflow to 0 means the inputs were out of range, and the error names them."""
    with np.errstate(all="ignore"):
        out = formula()
    check_finite_result(out, *names, what=what)
    if np.any(np.asarray(out) == 0):
        args = ", ".join(f"`{n}`" for n in names)
        raise ValueError(
            f"{what} underflows to 0 with these values of {args}; pass magnitudes within "
            "the float range (about 1e-308 to 1e308)."
        )
    return laws._scalar_or_array(out)


def lbs_to_kg(lbs):
    """Convert pounds to kilograms (1 lb = 0.45359237 kg).

    Parameters
    ----------
    lbs : array_like
        Mass in pounds, > 0.

    Returns
    -------
    numpy.ndarray or float

    Notes
    -----
    Strubell et al. (2019) report CO2e in pounds. Chapter: *Compute cost*.
    """
    lbs = as_positive_array("lbs", lbs)
    return _finite(lambda: lbs * KG_PER_LB, "lbs")


def kg_to_lbs(kg):
    """Convert kilograms to pounds (1 lb = 0.45359237 kg).

    Parameters
    ----------
    kg : array_like
        Mass in kilograms, > 0.

    Returns
    -------
    numpy.ndarray or float

    Notes
    -----
    Inverse of :func:`lbs_to_kg`. Chapter: *Compute cost*.
    """
    kg = as_positive_array("kg", kg)
    return _finite(lambda: kg / KG_PER_LB, "kg")


def forward_flops_per_token(N, *, n_layer, n_ctx, d_attn):
    r"""Forward-pass FLOP per token with the attention term, ``2 N + 2 n_layer n_ctx d_attn``.

    Parameters
    ----------
    N : array_like
        Non-embedding parameters, > 0.
    n_layer : array_like
        Number of layers, > 0.
    n_ctx : array_like
        Context length in tokens, > 0.
    d_attn : array_like
        Dimension of the attention output (usually ``d_model``), > 0.

    Returns
    -------
    numpy.ndarray or float
        FLOP per token of one forward pass. Training costs about three times this
        (the backward pass is about twice the forward), which with the attention term
        dropped is the familiar ``6 N``.

    Raises
    ------
    ValueError
        Non-positive or NaN inputs, or arrays of different lengths.

    Notes
    -----
    Kaplan et al. (2020), Section 2.1 and Table 1: ``C_forward ≈ 2N + 2 n_layer n_ctx d_attn``.
    That convention counts one multiply-add per query-key product. Hoffmann et al. (2022),
    Appendix F, also count the attention-times-values product ("Softmax @ query reductions")
    in full, which doubles the term (pass ``d_attn=2 * d_model`` to get it); they add a
    softmax term, the embeddings and the final logits as well. Chapter: *Compute cost*.
    """
    N = as_positive_array("N", N)
    n_layer = as_positive_array("n_layer", n_layer)
    n_ctx = as_positive_array("n_ctx", n_ctx)
    d_attn = as_positive_array("d_attn", d_attn)
    _broadcast(N=N, n_layer=n_layer, n_ctx=n_ctx, d_attn=d_attn)
    return _finite(lambda: 2.0 * N + 2.0 * n_layer * n_ctx * d_attn,
                   "N", "n_layer", "n_ctx", "d_attn", what="The forward FLOP per token")


def attention_flop_fraction(N, *, n_layer, n_ctx, d_attn):
    """Share of forward FLOP per token spent in the context-dependent attention term.

    ``2 n_layer n_ctx d_attn / (2 N + 2 n_layer n_ctx d_attn)``: how much ``C = 6 N D``
    underestimates the compute (as a fraction of the full count).

    Parameters
    ----------
    N, n_layer, n_ctx, d_attn : array_like
        As in :func:`forward_flops_per_token`.

    Returns
    -------
    numpy.ndarray or float
        A number in (0, 1).

    Notes
    -----
    Kaplan et al. (2020), Section 2.1: with ``N ≈ 12 n_layer d_model**2`` the ratio of the
    attention term to ``2N`` is ``n_ctx / (12 d_model)``, small when
    ``d_model > n_ctx / 12``. Chapter: *Compute cost*.
    """
    total = np.asarray(forward_flops_per_token(N, n_layer=n_layer, n_ctx=n_ctx, d_attn=d_attn))
    N = as_positive_array("N", N)
    with np.errstate(all="ignore"):  # total is finite and > 0 (checked above)
        out = (total - 2.0 * N) / total
    return laws._scalar_or_array(out)


def inference_flops(N, n_tokens, *, flop_per_parameter_token=2.0):
    """Inference compute ``2 N`` FLOP per generated or scored token.

    Parameters
    ----------
    N : array_like
        Parameters used per token (for a mixture of experts, the *active* parameters), > 0.
    n_tokens : array_like
        Tokens processed, > 0.
    flop_per_parameter_token : float, default 2
        One multiply and one add per parameter per token (the forward pass only).

    Returns
    -------
    numpy.ndarray or float
        FLOP.

    Notes
    -----
    Kaplan et al. (2020), Section 2.1 (forward pass ``≈ 2N``), attention term neglected.
    Chapter: *Compute cost*.
    """
    N = as_positive_array("N", N)
    n_tokens = as_positive_array("n_tokens", n_tokens)
    k = check_positive_scalar("flop_per_parameter_token", flop_per_parameter_token)
    _broadcast(N=N, n_tokens=n_tokens)
    return _finite(lambda: k * N * n_tokens, "N", "n_tokens", "flop_per_parameter_token",
                   what="The inference compute")


def _check_fraction(name, value):
    value = check_positive_scalar(name, value)
    if value > 1:
        raise ValueError(
            f"`{name}` is a fraction of the peak rate and must be in (0, 1], got {value!r}; "
            "pass e.g. 0.4 for 40%, not 40."
        )
    return value


def gpu_hours(C, *, peak_tflops, utilisation):
    """Accelerator-hours to execute ``C`` FLOP at a stated share of the peak rate.

    ``hours = C / (peak_tflops * 1e12 * utilisation * 3600)``.

    Parameters
    ----------
    C : array_like
        FLOP to execute, > 0.
    peak_tflops : float
        Peak dense rate of one accelerator at the training precision, TFLOP/s
        (e.g. A100 SXM BF16: 312; H100 SXM BF16: 989.4).
    utilisation : float
        Model FLOP utilisation (MFU), the achieved share of the peak, in (0, 1].

    Returns
    -------
    numpy.ndarray or float
        Accelerator-hours (divide by the number of accelerators for wall-clock hours).

    Notes
    -----
    MFU as defined by Chowdhery et al. (2022, PaLM, Section 4.1): model FLOP per second
    achieved divided by the peak. Chapter: *Compute cost*.
    """
    C = as_positive_array("C", C)
    peak = check_positive_scalar("peak_tflops", peak_tflops)
    u = _check_fraction("utilisation", utilisation)
    return _finite(lambda: C / (peak * 1e12 * u * 3600.0), "C", "peak_tflops", "utilisation",
                   what="The accelerator-hours")


def model_flops_utilisation(C, *, gpu_hours, peak_tflops):
    """Achieved share of the peak rate: ``C / (gpu_hours * 3600 * peak_tflops * 1e12)``.

    Parameters
    ----------
    C : array_like
        Model FLOP of the run (e.g. ``6 N D``), > 0.
    gpu_hours : array_like
        Accelerator-hours the run took, > 0.
    peak_tflops : float
        Peak dense rate of one accelerator, TFLOP/s.

    Returns
    -------
    numpy.ndarray or float
        MFU; a value above 1 means the inputs are inconsistent.

    Notes
    -----
    Inverse of :func:`gpu_hours`; Chowdhery et al. (2022), Section 4.1. Chapter:
    *Compute cost*.
    """
    C = as_positive_array("C", C)
    hours = as_positive_array("gpu_hours", gpu_hours)
    peak = check_positive_scalar("peak_tflops", peak_tflops)
    _broadcast(C=C, gpu_hours=hours)
    return _finite(lambda: C / (hours * 3600.0 * peak * 1e12), "C", "gpu_hours", "peak_tflops",
                   what="The model FLOP utilisation")


def energy_mwh(gpu_hours, *, power_kw, pue):
    """Facility energy of a run: ``gpu_hours * power_kw * pue / 1000`` MWh.

    Parameters
    ----------
    gpu_hours : array_like
        Accelerator-hours, > 0.
    power_kw : float
        Average power drawn per accelerator (including its share of host, memory and
        network if you want those counted), kW.
    pue : float
        Power usage effectiveness of the data centre, >= 1 (facility energy / IT energy).

    Returns
    -------
    numpy.ndarray or float
        MWh.

    Notes
    -----
    Patterson et al. (2021), Section 2 (energy = hours x processors x average power x PUE).
    Chapter: *Compute cost*.
    """
    hours = as_positive_array("gpu_hours", gpu_hours)
    power = check_positive_scalar("power_kw", power_kw)
    pue = check_positive_scalar("pue", pue)
    if pue < 1:
        raise ValueError(
            f"`pue` is facility energy over IT energy and cannot be below 1, got {pue!r}; "
            "pass 1.0 for an ideal data centre."
        )
    return _finite(lambda: hours * power * pue / 1000.0, "gpu_hours", "power_kw", "pue",
                   what="The energy")


def emissions_tco2e(energy_mwh, *, kg_co2e_per_kwh):
    """Operational emissions: ``energy_mwh * kg_co2e_per_kwh`` tonnes CO2e.

    (1 MWh at 1 kg/kWh is 1,000 kg = 1 t, so the units cancel to tonnes.)

    Parameters
    ----------
    energy_mwh : array_like
        Energy, MWh, > 0.
    kg_co2e_per_kwh : float
        Carbon intensity of the electricity, kg CO2e per kWh, > 0.

    Returns
    -------
    numpy.ndarray or float
        t CO2e (metric tonnes).

    Notes
    -----
    Patterson et al. (2021), Section 2 and Table 4. Chapter: *Compute cost*.
    """
    energy = as_positive_array("energy_mwh", energy_mwh)
    intensity = check_positive_scalar("kg_co2e_per_kwh", kg_co2e_per_kwh)
    return _finite(lambda: energy * intensity, "energy_mwh", "kg_co2e_per_kwh",
                   what="The emissions")


def cost_usd(gpu_hours, *, usd_per_gpu_hour):
    """Rental cost ``gpu_hours * usd_per_gpu_hour`` in US dollars.

    Parameters
    ----------
    gpu_hours : array_like
        Accelerator-hours, > 0.
    usd_per_gpu_hour : float
        Price of one accelerator-hour, USD, > 0 (an assumption: prices vary by provider,
        contract and year).

    Returns
    -------
    numpy.ndarray or float

    Notes
    -----
    Chapter: *Compute cost*.
    """
    hours = as_positive_array("gpu_hours", gpu_hours)
    price = check_positive_scalar("usd_per_gpu_hour", usd_per_gpu_hour)
    return _finite(lambda: hours * price, "gpu_hours", "usd_per_gpu_hour", what="The cost")


def weight_memory_gb(N, *, bits_per_parameter=16.0):
    """Memory to hold the weights: ``N * bits_per_parameter / 8 / 1e9`` GB.

    Parameters
    ----------
    N : array_like
        Parameters, > 0.
    bits_per_parameter : float, default 16
        16 for BF16/FP16, 8 or 4 after quantisation.

    Returns
    -------
    numpy.ndarray or float
        GB (1e9 bytes); weights only, no activations, KV cache or optimiser state.

    Notes
    -----
    Chapter: *Compute cost* (section on efficiency).
    """
    N = as_positive_array("N", N)
    bits = check_positive_scalar("bits_per_parameter", bits_per_parameter)
    return _finite(lambda: N * bits / 8.0 / 1e9, "N", "bits_per_parameter",
                   what="The weight memory")


def decode_tokens_per_second(N, *, bits_per_parameter, bandwidth_gb_per_s):
    """Upper bound on batch-1 decoding speed when reading the weights is the bottleneck.

    Generating one token reads every weight once, so at batch size 1 the rate is at most
    ``bandwidth / weight bytes``.

    Parameters
    ----------
    N : array_like
        Parameters, > 0.
    bits_per_parameter : float
        Bits per stored weight.
    bandwidth_gb_per_s : float
        Memory bandwidth of the device(s), GB/s.

    Returns
    -------
    numpy.ndarray or float
        Tokens per second (an upper bound: KV-cache reads and overheads are ignored).

    Notes
    -----
    A roofline argument; chapter: *Compute cost* (section on efficiency).
    """
    bandwidth = check_positive_scalar("bandwidth_gb_per_s", bandwidth_gb_per_s)
    memory = np.asarray(weight_memory_gb(N, bits_per_parameter=bits_per_parameter))
    return _finite(lambda: bandwidth / memory, "N", "bits_per_parameter", "bandwidth_gb_per_s",
                   what="The decoding rate")


def _chinchilla_parts(E, A, B, alpha, beta):
    """Validated ``E`` and the frontier constants ``K, gamma, a`` (finite, K > 0)."""
    E, A, B, alpha, beta = laws._check_chinchilla_params(E, A, B, alpha, beta)
    with np.errstate(all="ignore"):  # an overflow is caught just below, with a named error
        a = beta / (alpha + beta)
        # np.power, not **: on Python floats ** raises OverflowError instead of giving inf.
        G = np.power(alpha * A / (beta * B), 1.0 / (alpha + beta))
        gamma = alpha * beta / (alpha + beta)
        # reducible loss on the frontier: K * (C/6)**(-gamma)
        K = A * np.power(G, -alpha) * (1.0 + alpha / beta)
    names = ("A", "B", "alpha", "beta")
    check_finite_result([K, gamma], *names, what="The frontier's coefficient K")
    if K == 0 or gamma == 0:
        raise ValueError(
            "The frontier's coefficient K or exponent gamma underflows to 0 with these values "
            f"of {', '.join(f'`{n}`' for n in names)}; pass magnitudes within the float range."
        )
    return E, float(K), float(gamma), float(a)


def loss_at_budget(C, *, E, A, B, alpha, beta):
    r"""Loss of the compute-optimal model for a FLOP budget ``C`` (with ``C = 6 N D``).

    On the frontier the reducible loss is a power law in compute:
    ``L(C) = E + K (C/6)**(-gamma)`` with ``gamma = alpha beta / (alpha + beta)`` and
    ``K = A G**(-alpha) (1 + alpha/beta)``, ``G`` as in
    :func:`scaling_utils.laws.compute_optimal`.

    Parameters
    ----------
    C : array_like
        Training FLOP, > 0.
    E, A, B, alpha, beta : float
        Parameters of the Chinchilla law (e.g. a fit's ``params``).

    Returns
    -------
    numpy.ndarray or float
        Loss (nats/token) of ``N_opt(C)`` trained on ``D_opt(C)`` tokens.

    Notes
    -----
    Hoffmann et al. (2022), eq. 2 evaluated on the frontier of eq. 4. Chapter:
    *Compute cost*.
    """
    C = as_positive_array("C", C)
    E, K, gamma, _ = _chinchilla_parts(E, A, B, alpha, beta)
    return _finite(lambda: E + K * (C / 6.0) ** (-gamma), "C", "E", "A", "B", "alpha", "beta",
                   what="The loss")


def budget_for_loss(L, *, E, A, B, alpha, beta):
    """Smallest training FLOP (compute-optimally spent) that reaches loss ``L``.

    Inverse of :func:`loss_at_budget`: ``C = 6 ((L - E) / K)**(-1/gamma)``.

    Parameters
    ----------
    L : array_like
        Target loss, nats/token; must be above ``E`` (no budget reaches ``E``).
    E, A, B, alpha, beta : float
        Parameters of the Chinchilla law.

    Returns
    -------
    numpy.ndarray or float
        FLOP.

    Raises
    ------
    ValueError
        If any ``L <= E``.

    Notes
    -----
    Hoffmann et al. (2022), eqs. 2 and 4. Chapter: *Compute cost*.
    """
    L = as_positive_array("L", L)
    E, K, gamma, _ = _chinchilla_parts(E, A, B, alpha, beta)
    if np.any(L <= E):
        worst = float(np.min(L))
        raise ValueError(
            f"`L` must be above the irreducible loss `E` = {E:.4g} (no budget reaches it), "
            f"but its smallest value is {worst!r}; ask for a loss above E."
        )
    return _finite(lambda: 6.0 * ((L - E) / K) ** (-1.0 / gamma), "L", "E", "A", "B", "alpha",
                   "beta", what="The budget")


@dataclass(frozen=True)
class TrainingCost:
    """Result of :func:`training_cost`: one training run's compute turned into resources.

    Attributes
    ----------
    flop : float
        Training FLOP.
    pf_days : float
        The same in PF-days.
    gpu_hours : float
        Accelerator-hours at the stated utilisation.
    energy_mwh : float
        Facility energy.
    tco2e : float
        Operational emissions, metric tonnes CO2e.
    usd : float
        Rental cost.
    assumptions : dict
        Every keyword argument the numbers rest on.
    """

    flop: float
    pf_days: float
    gpu_hours: float
    energy_mwh: float
    tco2e: float
    usd: float
    assumptions: dict

    def to_dict(self):
        """The results (without the assumptions) as a plain dict."""
        return {
            "flop": self.flop,
            "pf_days": self.pf_days,
            "gpu_hours": self.gpu_hours,
            "energy_mwh": self.energy_mwh,
            "tco2e": self.tco2e,
            "usd": self.usd,
        }

    def summary(self):
        """A short, readable text summary with the assumptions."""
        assumed = ", ".join(f"{k} = {v:g}" for k, v in self.assumptions.items())
        return "\n".join(
            [
                f"Training cost of {self.flop:.3g} FLOP ({self.pf_days:,.0f} PF-days)",
                f"  accelerator-hours = {self.gpu_hours:,.0f}",
                f"  energy = {self.energy_mwh:,.0f} MWh   emissions = {self.tco2e:,.0f} t CO2e",
                f"  cost = {self.usd:,.0f} USD",
                f"  assuming {assumed}",
            ]
        )

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"


def training_cost(C, *, peak_tflops, utilisation, power_kw, pue, kg_co2e_per_kwh, usd_per_gpu_hour):
    """Turn a FLOP budget into accelerator-hours, energy, emissions and money.

    Parameters
    ----------
    C : float
        Training FLOP, > 0.
    peak_tflops, utilisation : float
        See :func:`gpu_hours`.
    power_kw, pue : float
        See :func:`energy_mwh`.
    kg_co2e_per_kwh : float
        See :func:`emissions_tco2e`.
    usd_per_gpu_hour : float
        See :func:`cost_usd`.

    Returns
    -------
    TrainingCost

    Notes
    -----
    Chains :func:`gpu_hours`, :func:`energy_mwh`, :func:`emissions_tco2e` and
    :func:`cost_usd` as in Patterson et al. (2021), Section 2. All assumptions are required
    keywords. Chapter: *Compute cost*.
    """
    C = check_positive_scalar("C", C)
    assumptions = {
        name: check_positive_scalar(name, value)
        for name, value in (("peak_tflops", peak_tflops), ("utilisation", utilisation),
                            ("power_kw", power_kw), ("pue", pue),
                            ("kg_co2e_per_kwh", kg_co2e_per_kwh),
                            ("usd_per_gpu_hour", usd_per_gpu_hour))
    }
    hours = gpu_hours(C, peak_tflops=peak_tflops, utilisation=utilisation)
    energy = energy_mwh(hours, power_kw=power_kw, pue=pue)
    return TrainingCost(
        flop=C,
        pf_days=laws.flop_to_pf_days(C),
        gpu_hours=hours,
        energy_mwh=energy,
        tco2e=emissions_tco2e(energy, kg_co2e_per_kwh=kg_co2e_per_kwh),
        usd=cost_usd(hours, usd_per_gpu_hour=usd_per_gpu_hour),
        assumptions=assumptions,
    )


# =========================================================================== trends over time
# Added for the chapter *Trends* (chapters/trends.ipynb): log-linear growth of a positive
# quantity (training compute, cost, hardware FLOP/s per dollar, data) over calendar time.

#: Largest number of bootstrap resamples :func:`growth_rate` accepts.
MAX_BOOT = 100_000

#: Largest share of degenerate resamples (every resampled date equal: no slope) before
#: :func:`growth_rate` reports no interval.
MAX_DEGENERATE_SHARE = 0.05

#: Decimal years beyond +-10,000 are refused (they are not calendar years).
_MAX_ABS_YEAR = 10_000.0

_LOG10_2 = math.log10(2.0)

_DATE_HELP = ("pass dates (numpy datetime64, pandas Timestamps, datetime.date, or strings such as "
              "'2020-06-15') or decimal years as floats (e.g. 2020.45)")


def _is_real_number(v):
    return isinstance(v, (numbers.Real, np.number)) and not isinstance(v, (bool, np.bool_))


def _float_years(name, arr):
    years = as_float_array(name, arr, allow_empty=True)
    big = np.abs(years) > _MAX_ABS_YEAR
    if big.any():
        first = int(np.flatnonzero(big.ravel())[0])
        raise ValueError(
            f"`{name}` holds the decimal year {float(years.ravel()[first])!r} (flat index "
            f"{first}), beyond +-10,000; numbers are read as decimal years (2020.5 is 1 July "
            f"2020), so {_DATE_HELP}."
        )
    return years


def _parse_dates(name, flat):
    """Decimal years of a 1-D object/str/datetime64 array of dates (pandas parses them)."""
    import pandas as pd

    def convert(values, **kw):
        return pd.to_datetime(values, utc=True, **kw)

    try:
        try:
            idx = convert(list(flat) if flat.dtype.kind != "M" else flat)
        except (ValueError, TypeError) as exc:
            if isinstance(exc, pd.errors.OutOfBoundsDatetime):
                raise
            idx = convert(list(flat), format="mixed")
    except pd.errors.OutOfBoundsDatetime:
        raise ValueError(
            f"`{name}` holds a date outside the range pandas can hold; pass decimal years "
            "(floats) for such dates."
        ) from None
    except (ValueError, TypeError, OverflowError):
        for i, v in enumerate(flat):
            try:
                convert([v])
            except (ValueError, TypeError, OverflowError):
                raise ValueError(
                    f"`{name}` could not be read as dates: element {i} "
                    f"({(repr(str(v)) if isinstance(v, str) else repr(v))[:40]}) is not a date "
                    f"pandas can parse; {_DATE_HELP}."
                ) from None
        raise ValueError(
            f"`{name}` could not be read as dates (mixed formats or time zones); {_DATE_HELP}."
        ) from None
    if idx.isna().any():
        first = int(np.flatnonzero(np.asarray(idx.isna()))[0])
        raise ValueError(
            f"`{name}` contains {int(idx.isna().sum())} missing date(s) (NaT; first at index "
            f"{first}); drop those rows before calling."
        )
    t = idx.tz_convert(None).to_numpy()      # pandas' own unit (s, ms, us or ns): no overflow
    year = t.astype("datetime64[Y]")
    start_day = year.astype("datetime64[D]")
    days_in_year = ((year + 1).astype("datetime64[D]") - start_day) / np.timedelta64(1, "D")
    elapsed_days = (t - start_day) / np.timedelta64(1, "D")
    return year.astype(np.int64) + 1970 + elapsed_days / days_in_year


def _decimal_years(name, dates, *, allow_scalar):
    """The one date helper: ``dates`` (any accepted type) as float decimal years.

    Returns ``(years, was_scalar)``; ``years`` is a 1-D float array.
    """
    import datetime

    if dates is None:
        raise ArgumentTypeError(f"`{name}` is None; {_DATE_HELP}.")
    if isinstance(dates, (bool, np.bool_)):
        raise ArgumentTypeError(f"`{name}` must be dates or decimal years, got the bool {dates!r}.")
    if isinstance(dates, (bytes, bytearray, dict, set, frozenset, complex, np.complexfloating)):
        raise ArgumentTypeError(
            f"`{name}` must be dates or decimal years, got a {type(dates).__name__}; {_DATE_HELP}."
        )
    scalar = isinstance(dates, (str, datetime.date, np.datetime64)) or _is_real_number(dates)
    if scalar:
        arr = np.empty(1, dtype=object)
        arr[0] = dates
    else:
        try:
            # Lists keep each element's type (numpy would turn [2010.0, "2012-01-01"] into strings).
            arr = np.array(dates, dtype=object) if isinstance(dates, (list, tuple)) else np.asarray(dates)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"`{name}` must be a flat sequence of dates; could not convert it: {exc}") from None
        if arr.ndim == 0:
            scalar = True
            arr = arr.reshape(1)
    if scalar and not allow_scalar:
        raise ValueError(
            f"`{name}` must be a sequence of dates (one per observation), got a single value "
            f"{dates!r:.40}; pass a list or an array."
        )
    if arr.ndim != 1:
        raise ValueError(
            f"`{name}` must be one-dimensional (one date per observation), got shape {arr.shape}; "
            "a nested list or a 2-D array is not flattened."
        )
    kind = arr.dtype.kind
    if kind == "b":
        raise ArgumentTypeError(f"`{name}` must be dates or decimal years, got booleans.")
    if kind in "iufc":
        years = _float_years(name, arr)
    elif kind == "m":
        raise ArgumentTypeError(
            f"`{name}` holds time differences (dtype {arr.dtype}), not dates; add them to a "
            "start date first, or pass decimal years."
        )
    elif kind in "SV":
        raise ArgumentTypeError(f"`{name}` must be dates or decimal years, got bytes; decode them first.")
    elif arr.size == 0:
        years = np.array([], dtype=float)
    elif kind == "M" or kind == "U":
        years = _parse_dates(name, arr)
    else:  # object: numbers, or dates, but not both
        is_number = np.array([_is_real_number(v) for v in arr])
        if is_number.all():
            years = _float_years(name, arr.astype(object))
        else:
            for i, v in enumerate(arr):
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    raise ValueError(
                        f"`{name}` contains a missing value (None or NaN) at index {i}; drop "
                        "those rows before calling."
                    )
                if is_number[i] or not isinstance(v, (str, datetime.date, np.datetime64)):
                    what = ("mixes numbers (decimal years) with dates" if is_number.any()
                            else f"holds the {type(v).__name__} {v!r:.40}")
                    raise ArgumentTypeError(
                        f"`{name}` {what} (index {i}); {_DATE_HELP}, all of one kind."
                    )
            years = _parse_dates(name, arr)
    return np.asarray(years, dtype=float).reshape(-1), scalar


def decimal_year(dates):
    """Dates as decimal years: ``year + (day_of_year - 1 + fraction of the day) / days_in_year``.

    1 January 2020 00:00 is 2020.0; 1 July 2020 00:00 is 2020 + 182/366 = 2020.497 (2020 is a
    leap year); 31 December 2021 12:00 is 2021 + 364.5/365.  Every function of this module
    that takes dates converts them here, so a trend fitted on Timestamps and one fitted on
    the same dates as decimal years are the same fit.

    Parameters
    ----------
    dates : date, str, float or array_like of them
        numpy ``datetime64``, pandas ``Timestamp`` / ``DatetimeIndex`` / datetime Series,
        ``datetime.date`` or ``datetime.datetime``, strings pandas can parse
        (``"2020-06-15"``), or numbers, which are taken to be decimal years already and
        returned unchanged.  One kind per call (numbers and dates are not mixed).
        Time-zone-aware dates are converted to UTC.

    Returns
    -------
    float or numpy.ndarray
        A float for a single date, a 1-D array otherwise.

    Raises
    ------
    ValueError
        Unparseable or missing dates, dates pandas cannot hold (pass decimal years),
        numbers beyond +-10,000, NaN, or more than one dimension.
    TypeError
        None, booleans, bytes, time differences, or numbers mixed with dates.

    Notes
    -----
    The convention of Epoch AI's trend analyses (Sevilla et al. 2022, arXiv:2202.05924), who
    regress log compute on the publication date in years. Chapter: *Trends*.
    """
    years, scalar = _decimal_years("dates", dates, allow_scalar=True)
    return float(years[0]) if scalar else years


def _check_rng(rng):
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, (int, np.integer)) or rng < 0:
        raise ArgumentTypeError(
            f"`rng` must be a non-negative int seed or a numpy.random.Generator, got "
            f"{type(rng).__name__} {rng!r:.40}; e.g. rng=0 or rng=np.random.default_rng(0)."
        )
    return np.random.default_rng(int(rng))


@dataclass(frozen=True)
class GrowthRate:
    """Result of :func:`growth_rate`: a log-linear trend ``log10(value) = intercept + slope * year``.

    Attributes
    ----------
    per_year : float
        Multiplicative growth per year, ``10**slope`` (4.2 means 4.2x a year; below 1 for a
        decreasing quantity).
    doubling_months : float
        ``12 log10(2) / slope``.  **Negative for a decreasing quantity: then
        ``-doubling_months`` is the halving time** (the summary says "halves every").
        Infinite when the slope is exactly 0 (then ``success`` is False).
    slope : float
        log10 of the value per year (OLS).
    intercept : float
        log10 of the trend value at decimal year 0 (an extrapolation: use :meth:`predict`).
    n : int
        Number of points.
    success : bool
        False when the trend is not identified: the interval of the slope includes 0 (the
        doubling time is then unbounded, and its interval is reported as ``(nan, nan)``), more
        than 5% of the resamples are degenerate (every resampled date equal; then no interval
        is reported), the slope is 0, or an interval end overflows.
    message : str
    confidence : float
    n_boot : int
    degenerate_share : float
        Share of resamples whose dates were all equal (no slope); they are left out.
    residual_sd : float
        Standard deviation of the log10 residuals (dex), ``n - 2`` degrees of freedom.
    years, values : numpy.ndarray
        The points (dates as decimal years, see :func:`decimal_year`).
    boot_slopes : numpy.ndarray
        Slopes of the non-degenerate resamples.
    intervals : dict
        ``{"slope", "per_year", "doubling_months"}`` -> :class:`~scaling_utils.fit.BootstrapInterval`;
        read them with :meth:`interval`.
    """

    per_year: float
    doubling_months: float
    slope: float
    intercept: float
    n: int
    success: bool
    message: str
    confidence: float
    n_boot: int
    degenerate_share: float
    residual_sd: float
    years: np.ndarray = field(repr=False)
    values: np.ndarray = field(repr=False)
    boot_slopes: np.ndarray = field(repr=False)
    intervals: dict = field(repr=False)

    #: Names :meth:`interval` accepts.
    INTERVALS = ("per_year", "doubling_months", "slope")

    def interval(self, name):
        """The bootstrap ``(low, high)`` interval of ``"per_year"``, ``"doubling_months"`` or ``"slope"``.

        A :class:`~scaling_utils.fit.BootstrapInterval` (a tuple that also carries the
        Monte-Carlo error of each end).  ``(nan, nan)`` with a ``reason`` when there is none:
        more than 5% degenerate resamples, or, for ``"doubling_months"``, a slope interval
        that includes 0 (the set of doubling times is then two half-lines, unbounded in both
        signs, not an interval).  For a decreasing quantity both ends of the doubling-time
        interval are negative (minus the halving times).
        """
        name = check_choice("name", name, self.INTERVALS)
        return self.intervals[name]

    def predict(self, date):
        """Trend value at ``date`` (any type :func:`decimal_year` accepts; a float for one date).

        Available whether or not ``success`` is True: the point estimate of the trend exists
        even when its slope is not distinguishable from 0.
        """
        x, scalar = _decimal_years("date", date, allow_scalar=True)
        if x.size == 0:
            raise ValueError("`date` is empty; pass at least one date.")
        centre = float(np.mean(self.years))
        with np.errstate(all="ignore"):
            out = 10.0 ** (float(np.mean(np.log10(self.values))) + self.slope * (x - centre))
        check_finite_result(out, "date", what="The predicted value")
        if np.any(out == 0):
            raise ValueError("The predicted value underflows to 0 at this `date`; pass a date "
                             "nearer the data.")
        return float(out[0]) if scalar else out

    def summary(self):
        """The trend, its intervals and the verdict, as text."""
        pct = f"{self.confidence:.0%}"
        iv = {k: (v.text() if v.defined else "undefined, see the message")
              for k, v in self.intervals.items()}
        if np.isfinite(self.doubling_months) and self.doubling_months < 0:
            time_line = (f"  halves every {-self.doubling_months:.3g} months "
                         f"(doubling_months = {self.doubling_months:.3g}; {pct}: {iv['doubling_months']})")
        else:
            time_line = f"  doubling time = {self.doubling_months:.3g} months ({pct}: {iv['doubling_months']})"
        return "\n".join([
            f"Log-linear trend of {self.n} points, {self.years.min():.2f} to {self.years.max():.2f} "
            "(OLS of log10 value on decimal year)",
            f"  growth = {self.per_year:.3g}x per year ({pct}: {iv['per_year']})",
            time_line,
            f"  slope = {self.slope:.4g} log10/yr ({pct}: {iv['slope']}), residual SD = "
            f"{self.residual_sd:.3g} dex",
            f"  pairs bootstrap: {self.n_boot} resamples, {self.degenerate_share:.1%} degenerate",
            f"  success = {self.success} ({self.message})",
        ])

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        import html

        return "<pre>" + html.escape(self.summary()) + "</pre>"

    def plot(self, ax=None):
        """The points and the trend line on a log y axis, decimal years on x."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5.5, 3.8))
        ax.scatter(self.years, self.values, s=10, color="k", label="points")
        grid = np.linspace(float(self.years.min()), float(self.years.max()), 200)
        label = (f"{self.per_year:.2g}x/yr" if self.doubling_months > 0
                 else f"{self.per_year:.2g}x/yr (halving)")
        ax.plot(grid, self.predict(grid), color="C0", label=f"trend: {label}")
        ax.set_yscale("log")
        ax.set_xlabel("year")
        ax.set_ylabel("value")
        ax.legend(fontsize=8)
        return ax


def _bootstrap_slopes(x, y, n_boot, gen):
    """Slopes of ``n_boot`` case resamples of ``(x, y)`` (NaN where all dates are equal)."""
    n = x.size
    out = np.empty(n_boot)
    rows = max(1, 2_000_000 // n)
    for start in range(0, n_boot, rows):
        m = min(rows, n_boot - start)
        idx = gen.integers(0, n, size=(m, n))
        xb, yb = x[idx], y[idx]
        xc = xb - xb.mean(axis=1, keepdims=True)
        with np.errstate(all="ignore"):
            s = (xc * (yb - yb.mean(axis=1, keepdims=True))).sum(axis=1) / (xc * xc).sum(axis=1)
        s[np.ptp(xb, axis=1) == 0] = np.nan
        out[start:start + m] = s
    out[~np.isfinite(out)] = np.nan
    return out


def _mapped_interval(iv, func, slope_deriv, confidence, reason=""):
    """A BootstrapInterval of ``func(slope)`` for a monotone ``func``, errors by the delta method."""
    if reason or not iv.defined:
        return BootstrapInterval(math.nan, math.nan, confidence=confidence, n_samples=iv.n_samples,
                                 reason=reason or iv.reason)
    with np.errstate(all="ignore"):
        ends = sorted([(func(iv.lower), abs(slope_deriv(iv.lower)) * iv.lower_error),
                       (func(iv.upper), abs(slope_deriv(iv.upper)) * iv.upper_error)])
    return BootstrapInterval(ends[0][0], ends[1][0], lower_error=ends[0][1], upper_error=ends[1][1],
                             confidence=confidence, n_samples=iv.n_samples)


def growth_rate(dates, values, *, confidence=0.95, n_boot=2000, rng=0):
    r"""Log-linear trend of a positive quantity over time, with a pairs-bootstrap interval.

    Ordinary least squares of ``log10(value)`` on the date in decimal years
    (:func:`decimal_year`): ``log10(value) = intercept + slope * year``, so the quantity
    grows by ``per_year = 10**slope`` a year and doubles every
    ``doubling_months = 12 log10(2) / slope`` months.

    Parameters
    ----------
    dates : array_like
        One date per point: numpy ``datetime64``, pandas Timestamps (or a datetime Series /
        ``DatetimeIndex``), ``datetime.date``/``datetime.datetime``, strings pandas can parse,
        or decimal years as numbers (see :func:`decimal_year` for the convention).  At least
        two distinct dates.
    values : array_like
        The quantity at each date (FLOP, USD, FLOP/s per dollar, tokens): finite and > 0.
    confidence : float, default 0.95
        Level of the percentile intervals.
    n_boot : int, default 2000
        Bootstrap resamples (at least 100, at most 100,000).
    rng : int or numpy.random.Generator, default 0
        Seed of ``numpy.random.default_rng(rng)``, or a generator.

    Returns
    -------
    GrowthRate
        ``per_year``, ``doubling_months`` (negative for a decreasing quantity: minus the
        halving time), ``slope``, ``intercept``, :meth:`~GrowthRate.interval`,
        :meth:`~GrowthRate.predict`, ``success``, ``message``, ``summary()``, ``plot()``.

    Raises
    ------
    ValueError
        Non-positive, NaN or infinite values; fewer than 3 points; all dates equal;
        unparseable or missing dates; ``dates`` and ``values`` of different lengths;
        ``confidence`` not in (0, 1); ``n_boot`` below 100; a growth rate beyond the float
        range (dates a few seconds apart read as years).
    TypeError
        ``n_boot`` not an integer, ``rng`` not a seed or generator, dates of a wrong type.

    Notes
    -----
    The method of Sevilla et al. (2022), *Compute Trends Across Three Eras of Machine
    Learning* (arXiv:2202.05924), who fit log-linear trends of training compute on
    publication date and report their slopes as doubling times (about 20 months before 2010,
    about 6 months after).  Chapter: *Trends*.

    The interval is a *pairs* (case) bootstrap: whole ``(date, value)`` points are resampled
    with replacement and the line refitted (Efron & Tibshirani 1993, *An Introduction to the
    Bootstrap*, sec. 9.5; Freedman 1981).  The dates are not a design fixed in advance but
    come with the systems sampled, and the scatter around the trend is neither constant nor
    independent of the date (a few eras, outliers, changing selection), so resampling the
    residuals onto fixed dates, which assumes homoscedastic errors around a correct line,
    would understate the uncertainty.  Resamples whose dates are all equal have no slope;
    they are left out, and if they are more than 5% of the resamples (likely below about 5
    distinct dates) no interval is reported and ``success`` is False.  Percentile intervals
    of ``per_year`` and ``doubling_months`` are the slope's ends mapped through the
    (monotone) transformations, so they are consistent with it; when the slope's interval
    includes 0 the doubling time is unbounded in both signs, the doubling-time interval is
    ``(nan, nan)`` and ``success`` is False.  The interval covers the trend's uncertainty
    given the points, not the choice of points (which systems count as notable).
    """
    years, _ = _decimal_years("dates", dates, allow_scalar=False)
    y_raw = as_float_array("values", values, allow_empty=True, ndim=1)
    check_same_length(dates=years, values=y_raw)
    n = years.size
    if n < 3:
        raise ValueError(
            f"`dates` and `values` hold {n} point(s); a trend with a bootstrap interval needs at "
            "least 3 (pass more points)."
        )
    bad = y_raw <= 0
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"`values` must be > 0 (the trend is fitted to log10 of them), but {int(bad.sum())} "
            f"are <= 0 (first: {float(y_raw[first])!r} at index {first}); drop those rows."
        )
    if np.ptp(years) == 0:
        raise ValueError(
            f"`dates` are all equal ({years[0]:.6g}); a trend over time needs at least two "
            "distinct dates."
        )
    confidence = check_probability("confidence", confidence)
    n_boot = check_positive_int("n_boot", n_boot, minimum=100, maximum=MAX_BOOT)
    gen = _check_rng(rng)

    y = np.log10(y_raw)
    centre = float(years.mean())
    x = years - centre
    with np.errstate(all="ignore"):
        sxx = float(np.sum(x * x))
        slope = float(np.sum(x * (y - y.mean())) / sxx)
        per_year = float(np.power(10.0, slope))
    if sxx == 0 or not math.isfinite(slope) or not math.isfinite(per_year) or per_year == 0:
        raise ValueError(
            f"The growth per year is beyond the float range: `dates` span only "
            f"{float(np.ptp(years)):.3g} years for `values` that change by a factor of "
            f"10**{float(np.ptp(y)):.3g}; numbers are read as decimal years, so pass dates in years."
        )
    intercept = float(y.mean() - slope * centre)
    with np.errstate(divide="ignore"):
        doubling = 12.0 * _LOG10_2 / slope if slope != 0 else math.inf
    resid = y - (y.mean() + slope * x)
    residual_sd = float(np.sqrt(np.sum(resid**2) / (n - 2))) if n > 2 else math.nan

    boot = _bootstrap_slopes(x, y, n_boot, gen)
    degenerate = float(np.mean(np.isnan(boot)))
    boot = boot[~np.isnan(boot)]
    messages = []
    if degenerate > MAX_DEGENERATE_SHARE:
        reason = (f"{degenerate:.1%} of the resamples have all dates equal (more than "
                  f"{MAX_DEGENERATE_SHARE:.0%}): too few distinct dates for a pairs bootstrap")
        slope_iv = BootstrapInterval(math.nan, math.nan, confidence=confidence, n_samples=boot.size,
                                     reason=reason)
        messages.append(f"no interval: {reason}")
    else:
        reason = ""
        slope_iv = percentile_interval(boot, confidence)
    per_year_iv = _mapped_interval(slope_iv, lambda s: float(np.power(10.0, s)),
                                   lambda s: math.log(10) * float(np.power(10.0, s)), confidence,
                                   reason)
    spans_zero = slope_iv.defined and slope_iv.lower <= 0 <= slope_iv.upper
    doubling_reason = reason or (
        f"the {confidence:.0%} interval of the slope ({slope_iv.lower:.3g} to {slope_iv.upper:.3g} "
        "log10/yr) includes 0, so the doubling time is unbounded in both signs" if spans_zero else "")
    doubling_iv = _mapped_interval(slope_iv, lambda s: 12.0 * _LOG10_2 / s,
                                   lambda s: 12.0 * _LOG10_2 / s**2, confidence, doubling_reason)
    if slope == 0:
        messages.append("the slope is 0: the values do not change, no doubling time")
    elif spans_zero:
        messages.append(f"trend not identified: {doubling_reason}; the doubling-time interval is "
                        "(nan, nan)")
    if not reason and not (per_year_iv.defined and doubling_iv.defined) and not spans_zero:
        messages.append("an interval end is beyond the float range (resamples with nearly "
                        "equal dates)")
    success = not messages
    if success:
        messages.append(f"ok: the {confidence:.0%} interval of the slope excludes 0")
    return GrowthRate(
        per_year=float(per_year), doubling_months=float(doubling), slope=slope, intercept=intercept,
        n=int(n), success=success, message="; ".join(messages), confidence=confidence,
        n_boot=n_boot, degenerate_share=degenerate, residual_sd=residual_sd,
        years=years, values=y_raw, boot_slopes=boot,
        intervals={"slope": slope_iv, "per_year": per_year_iv, "doubling_months": doubling_iv},
    )


# =========================================================================== inference-aware allocation
# Added for the chapter *Compute cost* (section on inference): Sardana & Frankle's
# training-plus-inference optimum on the Chinchilla law.

@dataclass(frozen=True)
class InferenceOptimal:
    """Result of :func:`inference_optimal`: the model that reaches ``loss`` for the least
    training-plus-inference FLOP, beside the Chinchilla-optimal model of the same loss.

    Every quantity is a float when ``inference_tokens`` was a single number, a 1-D array
    (one value per demand) otherwise.

    Attributes
    ----------
    loss : float
        Target loss (nats/token).
    inference_tokens : float or numpy.ndarray
        Lifetime inference tokens ``D_inf``.
    N, D : float or numpy.ndarray
        Parameters and training tokens of the optimum (``L(N, D) = loss``).
    tokens_per_parameter : float or numpy.ndarray
        ``D / N``.
    train_flops, inference_flops, total_flops : float or numpy.ndarray
        ``6 N D``, ``2 N D_inf`` and their sum.
    chinchilla_N, chinchilla_D, chinchilla_tokens_per_parameter, chinchilla_train_flops : float
        The Chinchilla-optimal model of the same loss (the optimum at ``D_inf = 0``).
    chinchilla_total_flops : float or numpy.ndarray
        That model's training plus the same inference, ``6 N_c D_c + 2 N_c D_inf``.
    saving : float or numpy.ndarray
        ``1 - total_flops / chinchilla_total_flops``: the share of lifetime compute saved by
        training the smaller model longer (0 at ``D_inf = 0``).
    params : dict
        ``E, A, B, alpha, beta`` used.
    success : bool
    message : str
    """

    loss: float
    inference_tokens: object
    N: object
    D: object
    tokens_per_parameter: object
    train_flops: object
    inference_flops: object
    total_flops: object
    chinchilla_N: float
    chinchilla_D: float
    chinchilla_tokens_per_parameter: float
    chinchilla_train_flops: float
    chinchilla_total_flops: object
    saving: object
    params: dict
    success: bool
    message: str

    def to_frame(self):
        """One row per inference demand, as a pandas DataFrame."""
        import pandas as pd

        cols = ("inference_tokens", "N", "D", "tokens_per_parameter", "train_flops",
                "inference_flops", "total_flops", "chinchilla_total_flops", "saving")
        return pd.DataFrame({c: np.atleast_1d(getattr(self, c)) for c in cols})

    def summary(self):
        """The optimum for each demand beside the Chinchilla-optimal model, as text."""
        lines = [
            f"Inference-optimal models for loss {self.loss:.4g} "
            f"(E={self.params['E']:g}, A={self.params['A']:g}, B={self.params['B']:g}, "
            f"alpha={self.params['alpha']:g}, beta={self.params['beta']:g})",
            f"  Chinchilla-optimal: N = {self.chinchilla_N:.3g}, D = {self.chinchilla_D:.3g} "
            f"({self.chinchilla_tokens_per_parameter:.3g} tokens/parameter), "
            f"training {self.chinchilla_train_flops:.3g} FLOP",
        ]
        for _, r in self.to_frame().iterrows():
            lines.append(
                f"  D_inf = {r.inference_tokens:.3g}: N = {r.N:.3g}, D = {r.D:.3g} "
                f"({r.tokens_per_parameter:.3g} tokens/parameter), total {r.total_flops:.3g} FLOP "
                f"({r.saving:.1%} less than the Chinchilla-optimal model's {r.chinchilla_total_flops:.3g})"
            )
        lines.append(f"  success = {self.success} ({self.message})")
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        import html

        return "<pre>" + html.escape(self.summary()) + "</pre>"

    def plot(self, ax=None):
        """N and D of the optimum against the inference demand (log-log), Chinchilla's as lines."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5.5, 3.8))
        frame = self.to_frame()
        frame = frame[frame.inference_tokens > 0]
        ax.plot(frame.inference_tokens, frame.N, "o-", color="C0", label="N (parameters)")
        ax.plot(frame.inference_tokens, frame.D, "s-", color="C1", label="D (training tokens)")
        ax.axhline(self.chinchilla_N, color="C0", ls=":", label="Chinchilla-optimal N")
        ax.axhline(self.chinchilla_D, color="C1", ls=":", label="Chinchilla-optimal D")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("lifetime inference tokens")
        ax.set_ylabel("count")
        ax.legend(fontsize=8)
        return ax


def _data_share(log_d_inf, log_r, E, A, B, alpha, beta):
    """Solve the optimality condition for ``t = log w``, ``q = q0 w`` the data term's share.

    Returns ``(log q, converged)``.  See :func:`inference_optimal`, Notes.
    """
    from scipy.optimize import brentq

    log_q0 = math.log(alpha) - math.log(alpha + beta)
    const = math.log(3.0) + math.log(alpha) - math.log(beta) + (math.log(B) - log_r) / beta - log_d_inf

    def h(t):
        log_q = log_q0 + t
        return const - (1.0 / beta + 1.0) * log_q + math.log(-math.expm1(t))

    t_hi = -1e-3
    while h(t_hi) > 0:
        if t_hi > -1e-300:    # h > 0 arbitrarily close to w = 1: negligible demand
            return log_q0 + t_hi, True
        t_hi *= 1e-3
    t_lo = -1.0
    while h(t_lo) <= 0:
        t_lo *= 2.0
        if t_lo < -1e6:       # not reached for any float D_inf; a guard against a hang
            return math.nan, False
    t, info = brentq(h, t_lo, t_hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, full_output=True,
                     maxiter=500)
    return log_q0 + t, bool(info.converged)


def inference_optimal(loss, inference_tokens, *, E, A, B, alpha, beta):
    r"""The model that reaches ``loss`` for the least training plus lifetime inference FLOP.

    Solves

    .. math::

        \min_{N, D}\; 6 N D + 2 N D_\mathrm{inf}
        \quad\text{subject to}\quad E + \frac{A}{N^\alpha} + \frac{B}{D^\beta} = \ell

    for a target loss :math:`\ell` and a lifetime inference demand :math:`D_\mathrm{inf}`
    tokens.  With no inference (``D_inf = 0``) this is the Chinchilla-optimal model of that
    loss; as demand grows the optimum is a smaller model trained on more tokens.

    Parameters
    ----------
    loss : float
        Target loss :math:`\ell` (nats/token); must be above ``E``.
    inference_tokens : float or array_like
        Lifetime inference tokens, >= 0: one number, or a 1-D array (one optimum each).
    E, A, B, alpha, beta : float
        Parameters of the Chinchilla law, e.g. ``**laws.HOFFMANN_2022`` (Hoffmann et al.'s
        fit, the constants Sardana & Frankle use) or the book's refit.

    Returns
    -------
    InferenceOptimal
        ``N``, ``D``, ``tokens_per_parameter``, ``train_flops``, ``inference_flops``,
        ``total_flops``, the Chinchilla-optimal counterpart (``chinchilla_N``, ...,
        ``chinchilla_total_flops``), ``saving``, ``success``, ``message``, ``summary()``.

    Raises
    ------
    ValueError
        ``loss <= E`` (no model reaches the irreducible loss); negative, NaN or infinite
        ``inference_tokens``; bad law parameters; a result beyond the float range.

    Notes
    -----
    Sardana & Frankle (2023; Sardana, Portes, Doubov & Frankle, ICML 2024), *Beyond
    Chinchilla-Optimal: Accounting for Inference in Language Model Scaling Laws*,
    arXiv:2401.00448: the training-plus-inference objective above on the Chinchilla loss
    (Hoffmann et al. 2022, eq. 2), training at ``6 N`` and inference at ``2 N`` FLOP per
    token (section and equation numbers not verified here).  They solve it numerically; here
    it is solved on the constraint curve.  Write ``r = loss - E`` and
    ``q = B D**-beta / r``, the share of the reducible loss left to the data term; the
    constraint gives ``N = (A / (r (1 - q)))**(1/alpha)`` and ``D = (B / (r q))**(1/beta)``,
    so the problem is one-dimensional (``A / N**alpha < r`` holds by construction).  Setting
    the derivative of the total FLOP along the curve to 0 gives

    ``3 D(q) (alpha (1 - q) - beta q) / (beta q) = D_inf``,

    whose left side decreases strictly from +inf (``q -> 0``) to 0 at
    ``q = alpha / (alpha + beta)``, the Chinchilla optimum (where
    ``alpha A N**-alpha = beta B D**-beta``).  So for ``D_inf > 0`` there is exactly one
    stationary point, the minimum, with ``q`` below Chinchilla's: it is found by bracketed
    root-finding (Brent) in ``log q``, which cannot miss it.  The Chinchilla counterpart is
    :func:`budget_for_loss` allocated by :func:`scaling_utils.laws.compute_optimal`.
    Chapter: *Compute cost* (inference-aware allocation).
    """
    E, A, B, alpha, beta = laws._check_chinchilla_params(E, A, B, alpha, beta)
    loss = check_scalar("loss", loss)
    if loss <= E:
        raise ValueError(
            f"`loss` = {loss!r} is unreachable: it must be above the irreducible loss `E` = {E!r} "
            "(no finite model reaches E); ask for a loss above E."
        )
    d_inf = as_float_array("inference_tokens", inference_tokens, ndim=(0, 1))
    scalar = d_inf.ndim == 0
    d_inf = d_inf.reshape(-1)
    if np.any(d_inf < 0):
        raise ValueError(
            f"`inference_tokens` must be >= 0 (a number of tokens), got {float(d_inf.min())!r}; "
            "pass 0 for no inference."
        )
    names = ("loss", "inference_tokens", "E", "A", "B", "alpha", "beta")
    log_r = math.log(loss - E)
    log_q = np.empty(d_inf.size)
    converged = True
    for i, d in enumerate(d_inf):
        if d == 0:
            log_q[i] = math.log(alpha) - math.log(alpha + beta)
        else:
            log_q[i], ok = _data_share(math.log(d), log_r, E, A, B, alpha, beta)
            converged &= ok
    if not converged:
        raise ValueError("The optimality condition has no root in the float range for these "
                         "values of " + ", ".join(f"`{n}`" for n in names) + ".")
    with np.errstate(all="ignore"):
        N = np.exp((math.log(A) - log_r - np.log(-np.expm1(log_q))) / alpha)
        D = np.exp((math.log(B) - log_r - log_q) / beta)
    N = np.asarray(_finite(lambda: N, *names, what="The optimal N"))
    D = np.asarray(_finite(lambda: D, *names, what="The optimal D"))
    train = np.asarray(_finite(lambda: 6.0 * N * D, *names, what="The training FLOP"))
    with np.errstate(all="ignore"):
        infer = 2.0 * N * d_inf
    check_finite_result(infer, *names, what="The inference FLOP")
    total = np.asarray(_finite(lambda: train + infer, *names, what="The total FLOP"))
    try:
        C_chin = budget_for_loss(loss, E=E, A=A, B=B, alpha=alpha, beta=beta)
        N_c, D_c = laws.compute_optimal(C_chin, A=A, B=B, alpha=alpha, beta=beta)
    except ValueError:
        raise ValueError(
            "The Chinchilla-optimal model of this loss is beyond the float range for these "
            "values of " + ", ".join(f"`{n}`" for n in names if n != "inference_tokens")
            + "; ask for a loss further above E or check the law's parameters."
        ) from None
    chin_total = np.asarray(_finite(lambda: C_chin + 2.0 * N_c * d_inf, *names,
                                    what="The Chinchilla-optimal model's total FLOP"))
    saving = 1.0 - total / chin_total
    # Rounding can leave the optimum an ulp above Chinchilla's at tiny demand.
    saving = np.maximum(saving, 0.0)

    def out(a):
        a = np.asarray(a, dtype=float)
        return float(a[0]) if scalar else a

    return InferenceOptimal(
        loss=loss, inference_tokens=out(d_inf), N=out(N), D=out(D),
        tokens_per_parameter=out(_finite(lambda: D / N, *names, what="The tokens per parameter")),
        train_flops=out(train), inference_flops=out(infer), total_flops=out(total),
        chinchilla_N=float(N_c), chinchilla_D=float(D_c),
        chinchilla_tokens_per_parameter=float(D_c / N_c), chinchilla_train_flops=float(C_chin),
        chinchilla_total_flops=out(chin_total), saving=out(saving),
        params={"E": E, "A": A, "B": B, "alpha": alpha, "beta": beta},
        success=True, message="ok: unique stationary point found by bracketed root-finding",
    )
