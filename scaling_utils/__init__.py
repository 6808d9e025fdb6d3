"""scaling_utils: the helper package of the book *Scaling Laws, Reproduced*.

Modules
-------
laws
    Functional forms (Kaplan, Chinchilla, Muennighoff's data-constrained law), the
    compute-optimal frontier, Kaplan's overfitting measure, unit conversions.
fit
    The Chinchilla Approach 3 fit, its bootstrap, log-log power-law fits.
data
    The data registry: transcribed tables, generated tables, and third-party files
    fetched by pinned URL and SHA-256.
entropy
    A Markov source with an exactly known entropy rate, n-gram and compressor bounds,
    bits/character and nats/token conversions.
overfitting
    Model-wise double descent (random features, min-norm and ridge solutions) and the
    repeated-data experiment.
compute
    FLOP, accelerator time, energy, CO2e, money and memory of training and inference.
extrapolation
    Learning-curve forms (Alabdulmohsin et al.'s M1-M4, a power law with a floor, a broken
    power law), the benchmark protocol of extrapolation errors, backtests on training runs.
emergence
    Exact match vs per-token metrics, sigmoid and broken power-law fits with bootstrap
    intervals, fit-small-predict-large.
groups
    Group-wise error rates, disparity measures, binomial intervals and per-group
    scaling fits.
plotting
    The book's seaborn theme and log-log plotting helpers (imports matplotlib
    only when called).
"""
from . import compute, data, emergence, entropy, extrapolation, fit, groups, laws, overfitting, plotting

__version__ = "0.2.0"

__all__ = [
    "compute",
    "data",
    "emergence",
    "entropy",
    "extrapolation",
    "fit",
    "groups",
    "laws",
    "overfitting",
    "plotting",
    "__version__",
]
