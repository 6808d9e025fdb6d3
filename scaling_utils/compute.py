"""What training and running a model costs: FLOP, accelerator time, energy, CO2e, money, memory.

The chain of this module follows the chapter *Compute cost* (``chapters/compute_cost.ipynb``)::

    FLOP --(peak rate x utilisation)--> accelerator-hours --(power x PUE)--> MWh
         --(grid intensity)--> tCO2e;     accelerator-hours --(price)--> USD

Every assumption (utilisation, power draw, PUE, grid intensity, price) is a required
keyword argument: nothing is hidden in a module constant, so a reader always sees what a
number rests on.  Training FLOP ``C = 6 N D`` and the FLOP <-> PF-day conversions live in
:mod:`scaling_utils.laws` (:func:`~scaling_utils.laws.training_flops`,
:func:`~scaling_utils.laws.flop_to_pf_days`).

Every result is a positive amount: one that overflows to inf or underflows to 0 (inputs near
the float range) raises a ValueError naming the arguments instead of being returned.

Units used throughout: FLOP; TFLOP/s (1e12 FLOP/s) for peak rates; hours; kW for power;
MWh for energy; kg CO2e per kWh for grid intensity (numerically equal to t CO2e per MWh);
t (metric tonnes) CO2e; USD; GB = 1e9 bytes; GB/s for memory bandwidth.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import laws
from ._validate import (
    as_positive_array,
    check_broadcastable,
    check_finite_result,
    check_positive_scalar,
    check_same_length,
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
