"""scaling_utils: the helper package of the book *Scaling Laws, Reproduced*.

Modules
-------
laws
    Functional forms (Kaplan, Chinchilla), the compute-optimal frontier, unit
    conversions.
fit
    The Chinchilla Approach 3 fit, its bootstrap, log-log power-law fits.
data
    The data registry: transcribed tables and third-party files fetched by
    pinned URL and SHA-256.
plotting
    The book's seaborn theme and log-log plotting helpers (imports matplotlib
    only when called).
"""
from . import data, fit, laws, plotting

__version__ = "0.1.0"

__all__ = ["data", "fit", "laws", "plotting", "__version__"]
