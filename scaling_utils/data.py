"""Registry, loading and verification of every dataset the book uses.

The book uses three kinds of data, and each kind enters the project its own way:

1. **Transcribed tables** (``kind == "transcribed"``): numbers typed in from papers
   (Kaplan et al. 2020 constants, Hoffmann et al. 2022 Tables 2 and 3, GPT-3 Tables 2.1
   and D.1, published Chinchilla fits).  They are committed as small CSVs under the
   repository's ``data/<name>/<name>.csv``, each next to a ``README.md`` that gives the
   source (paper, table or figure, page), the licence, the units of every column and a
   verification mark.  One row per published number; derived columns say so.
2. **Data the project generates itself** (``kind == "generated"``): the output of the
   project's own experiments that are too slow to run inside a chapter.  The CSV is
   committed under ``data/<name>/<name>.csv`` together with its generator script
   (``scripts/``); a test reruns a slice of the generator and compares.
3. **Third-party files** (``kind == "third_party"``): published data files from other
   repositories.  They are *never* committed.  Each is registered by a commit-pinned URL
   and its SHA-256, downloaded on first use with :func:`pooch.retrieve` into a cache
   folder, and its hash is checked again on every load.

Every kind is pinned by SHA-256 in this registry and checked on every :func:`load`, so
committed data cannot change silently either: a changed number, a typo that turns a
column into strings, a renamed column, deleted rows or a web page saved in place of a
CSV all make :func:`load` raise a ``ValueError`` naming the file.  After a deliberate,
reviewed change to a committed CSV, re-pin it from the repository root with
``python scripts/pin_data.py <name>`` (``make pin-data`` re-pins every committed table;
``make data`` reruns the generators and re-pins what they rewrote).

Two environment variables change where third-party files come from:

``SCALING_UTILS_DATA_MIRROR`` (:data:`MIRROR_ENV`)
    A folder holding the third-party files under their registered file names.  When set,
    files are read from there and the network is never used (tests and CI set it to
    ``../shared/data/third_party``).  The hash is still checked on every load.  Set but
    empty is an error, not a request to download.
``SCALING_UTILS_CACHE`` (:data:`CACHE_ENV`)
    The download cache folder.  Default: ``pooch.os_cache("scaling_utils")``.  Set but
    empty is an error, as is a file standing where the folder should be.

Downloads give up quickly: each try waits at most ``DOWNLOAD_TIMEOUT`` seconds for
the server and a timeout or dropped connection is tried ``DOWNLOAD_ATTEMPTS`` times
in all, then a ``ConnectionError`` says what happened.  A failed or interrupted download
leaves nothing in the cache.

Examples
--------
>>> from scaling_utils import data
>>> data.available()[["name", "kind"]]          # doctest: +SKIP
>>> points = data.load("chinchilla_points")     # doctest: +SKIP
>>> points.columns.tolist()                     # doctest: +SKIP
['N', 'D', 'C', 'loss']
"""
from __future__ import annotations

import difflib
import hashlib
import io
import lzma
import os
import pickle
import shutil
import sys
import tempfile
import urllib.parse
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Mapping

import pandas as pd

from . import _pythia
from ._validate import as_positive_array

__all__ = [
    "MIRROR_ENV",
    "CACHE_ENV",
    "DATA_DIR",
    "DOWNLOAD_TIMEOUT",
    "DOWNLOAD_ATTEMPTS",
    "ThirdPartyFile",
    "TranscribedTable",
    "GeneratedTable",
    "ThirdPartyCollection",
    "REGISTRY",
    "PICKLE_ALLOWED_GLOBALS",
    "available",
    "fetch",
    "load",
    "read_pickle_allowlisted",
]

#: Environment variable naming a folder that holds the third-party files (no network).
MIRROR_ENV = "SCALING_UTILS_DATA_MIRROR"
#: Environment variable naming the download cache folder.
CACHE_ENV = "SCALING_UTILS_CACHE"
#: Folder of the committed (transcribed and generated) datasets: the repository's ``data/``.
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
#: Seconds a download waits for the server: to connect, then for each next piece of data.
DOWNLOAD_TIMEOUT = 4.0
#: Tries per download when the server times out or drops the connection (1 retry).
DOWNLOAD_ATTEMPTS = 2

_PROJECT_DATA_LICENCE = (
    "CC-BY-4.0 for the CSV transcribed by this project; the numbers are facts "
    "reported in the cited paper"
)


# --------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class ThirdPartyFile:
    """A third-party data file, registered by pinned URL and SHA-256 (never committed).

    Attributes
    ----------
    name : str
        Dataset name passed to :func:`load`.
    filename : str
        File name in the mirror folder and in the cache.
    url : str
        Commit-pinned download address.
    sha256 : str
        Hex SHA-256 of the file's bytes.
    licence, citation, description, used_in : str
        Metadata shown by :func:`available`.
    postprocess : callable
        Turns the raw :class:`pandas.DataFrame` read from the file into what
        :func:`load` returns.
    reader : {"csv", "pandas_pickle_xz"}
        How the verified bytes are read: :func:`pandas.read_csv`, or xz-decompressed and
        unpickled by :func:`read_pickle_allowlisted` (never plain ``pickle``).
    """

    name: str
    filename: str
    url: str
    sha256: str
    licence: str
    citation: str
    description: str
    used_in: str
    postprocess: Callable[[pd.DataFrame], pd.DataFrame]
    reader: str = "csv"

    kind = "third_party"


class _CommittedCSV:
    """Mixin for datasets committed as ``data/<name>/<name>.csv`` with a pinned SHA-256."""

    @property
    def path(self) -> Path:
        """Path of the committed CSV."""
        return DATA_DIR / self.name / f"{self.name}.csv"


@dataclass(frozen=True)
class TranscribedTable(_CommittedCSV):
    """A small table transcribed from a paper and committed as ``data/<name>/<name>.csv``.

    Attributes
    ----------
    name : str
        Dataset name passed to :func:`load` (also the folder and file stem).
    sha256 : str
        Pinned hex SHA-256 of the committed CSV's bytes, checked on every :func:`load`.
        Rewritten only by ``python scripts/pin_data.py <name>`` after a reviewed change.
    citation, description, used_in, licence : str
        Metadata shown by :func:`available`.
    """

    name: str
    sha256: str
    citation: str
    description: str
    used_in: str
    licence: str = _PROJECT_DATA_LICENCE

    kind = "transcribed"


@dataclass(frozen=True)
class GeneratedTable(_CommittedCSV):
    """Data this project generates itself, committed with its generator.

    The CSV lives at ``data/<name>/<name>.csv`` beside a README; ``generator`` is the
    repository-relative path of the script that rewrites it (a test reruns a slice of it
    and checks the committed numbers).

    Attributes
    ----------
    name : str
        Dataset name passed to :func:`load` (also the folder and file stem).
    sha256 : str
        Pinned hex SHA-256 of the committed CSV's bytes, checked on every :func:`load`.
        ``make data`` reruns the generator and re-pins it (``scripts/pin_data.py``).
    generator : str
        Script that regenerates the CSV, e.g. ``"scripts/known_entropy_sweep.py"``.
    citation, description, used_in, licence : str
        Metadata shown by :func:`available`.
    """

    name: str
    sha256: str
    generator: str
    citation: str
    description: str
    used_in: str
    licence: str = "CC-BY-4.0 (generated by this project)"

    kind = "generated"


@dataclass(frozen=True)
class ThirdPartyCollection(_CommittedCSV):
    """Many third-party files loaded as one dataset (never committed): e.g. Pythia's 432 evaluations.

    The project commits only an *index*, ``data/<name>/<name>.csv`` with one row per file
    (``file``: its path in the mirror and the cache, ``url``: its commit-pinned address,
    ``sha256``, ``bytes``), written by ``generator`` from the mirror's ``MANIFEST.json``.
    The index itself is pinned by ``sha256`` like a committed table (re-pin it with
    ``python scripts/pin_data.py <name>``); every file is downloaded on first use (a
    progress bar counts them), and every file's hash is checked on every :func:`load`.

    Attributes
    ----------
    name : str
        Dataset name passed to :func:`load` (also the index's folder and file stem).
    sha256 : str
        Pinned hex SHA-256 of the committed index.
    url : str
        The commit-pinned folder the files come from (shown by :func:`available`).
    generator : str
        Script that writes the index, e.g. ``"scripts/pythia_index.py"``.
    parse : callable
        Turns ``[(file, bytes), ...]`` of verified files into what :func:`load` returns.
    raw_parse : callable
        The same for ``load(name, raw=True)``: the files' contents before tidying.
    licence, citation, description, used_in : str
        Metadata shown by :func:`available`.
    """

    name: str
    sha256: str
    url: str
    generator: str
    licence: str
    citation: str
    description: str
    used_in: str
    parse: Callable[[list], pd.DataFrame]
    raw_parse: Callable[[list], pd.DataFrame]

    kind = "third_party"


def _chinchilla_points(raw: pd.DataFrame) -> pd.DataFrame:
    """Return ``N, D, C, loss`` from Besiroglu et al.'s ``svg_extracted_data.csv``.

    ``D = C / (6 N)`` tokens, as in the replication.  All rows, in file order.
    """
    needed = ["Model Size", "Training FLOP", "loss"]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise ValueError(
            f"svg_extracted_data.csv lacks column(s) {missing}; found {list(raw.columns)}. "
            "The file is not the registered one."
        )
    N = as_positive_array("Model Size", raw["Model Size"])
    C = as_positive_array("Training FLOP", raw["Training FLOP"])
    loss = as_positive_array("loss", raw["loss"])
    return pd.DataFrame({"N": N, "D": C / (6.0 * N), "C": C, "loss": loss})


def _raw(raw: pd.DataFrame) -> pd.DataFrame:
    """Return the file's columns unchanged."""
    return raw


# --------------------------------------------------------------------------- pickles
#: The only globals a registered pickle may name: what a pandas DataFrame of numpy arrays,
#: Series and nested DataFrames needs (Porian et al.'s files name exactly these).  Unpickling
#: calls whatever a pickle names, so anything else is refused before it is imported.
PICKLE_ALLOWED_GLOBALS = frozenset({
    ("builtins", "slice"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"),
    ("pandas._libs.internals", "_unpickle_block"),
    ("pandas.core.frame", "DataFrame"),
    ("pandas.core.series", "Series"),
    ("pandas.core.indexes.base", "Index"),
    ("pandas.core.indexes.base", "_new_Index"),
    ("pandas.core.indexes.range", "RangeIndex"),
    ("pandas.core.internals.managers", "BlockManager"),
    ("pandas.core.internals.managers", "SingleBlockManager"),
    # What pandas 3 writes for a frame of its own (public aliases, and the string column
    # labels' StringArray): read_pickle_allowlisted must read back a frame pandas pickled.
    ("pandas", "DataFrame"),
    ("pandas", "Series"),
    ("pandas", "Index"),
    ("pandas", "RangeIndex"),
    ("pandas", "StringDtype"),
    ("pandas.arrays", "StringArray"),
    ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked"),
})

#: Largest decompressed pickle accepted (bytes): a guard against a decompression bomb.
PICKLE_MAX_BYTES = 64 * 2**20


class _AllowListUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the (module, name) pairs of PICKLE_ALLOWED_GLOBALS."""

    def find_class(self, module, name):
        if (module, name) not in PICKLE_ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(
                f"the pickle names the global {module}.{name}, which is not on the allow-list "
                "scaling_utils.data.PICKLE_ALLOWED_GLOBALS; refusing to load it (unpickling "
                "would call it)"
            )
        if module.startswith("numpy.core."):  # numpy 2 renamed numpy.core to numpy._core
            module = "numpy._core." + module[len("numpy.core."):]
        return super().find_class(module, name)


def read_pickle_allowlisted(path, *, compression: str = "xz"):
    """Unpickle ``path`` (xz-compressed by default) through the allow-list unpickler.

    Parameters
    ----------
    path : str or pathlib.Path
        A pickle file.  Only pass hash-verified bytes: :func:`load` calls this after
        :func:`fetch` has checked the registered SHA-256.
    compression : {"xz", None}
        ``"xz"`` for an ``.xz`` file (decompressed with ``lzma``), None for a plain pickle.

    Returns
    -------
    object
        The unpickled object (for the registered files, a :class:`pandas.DataFrame`).

    Raises
    ------
    ValueError
        The pickle names a global outside :data:`PICKLE_ALLOWED_GLOBALS` (nothing it names
        is called), is corrupt, or decompresses to more than 64 MB.
    """
    if not (compression is None or (isinstance(compression, str) and compression == "xz")):
        raise ValueError(f"`compression` must be 'xz' or None, got {_shown(compression)}.")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"`path` must be a str or pathlib.Path of a pickle file, got {_shown(path)}.")
    if not Path(path).is_file():
        raise ValueError(f"`path` {str(path)!r} is not a file; pass the path of a pickle file.")
    raw = Path(path).read_bytes()
    if compression is None and raw.startswith(b"\xfd7zXZ\x00"):
        raise ValueError(f"`path` {str(path)!r} is xz-compressed; pass `compression`='xz'.")
    if compression == "xz":
        decompressor = lzma.LZMADecompressor()
        try:
            raw = decompressor.decompress(raw, max_length=PICKLE_MAX_BYTES + 1)
        except lzma.LZMAError as exc:
            raise ValueError(f"`path` {str(path)!r} is not a valid xz file: {exc}") from None
        if len(raw) > PICKLE_MAX_BYTES:
            raise ValueError(f"`path` {str(path)!r} decompresses to more than {PICKLE_MAX_BYTES // 2**20} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return _AllowListUnpickler(io.BytesIO(raw)).load()
    except pickle.UnpicklingError as exc:
        raise ValueError(f"`path` {str(path)!r}: {exc}") from None
    except (EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise ValueError(f"`path` {str(path)!r} is not a readable pickle ({type(exc).__name__}: {exc})") from None


#: Porian et al.'s file order: one row per training setting, the steps from Kaplan's setup
#: towards Hoffmann's (summary_df rows 0-4; the attention and tuned files are variants).
_PORIAN_SETTING = ["dataset", "hparams", "warmup", "decay", "param_count", "val"]


def _porian_points(raw: pd.DataFrame) -> pd.DataFrame:
    """One row per training run of Porian et al.'s pickled frame (the IsoFLOP points).

    Columns: ``step`` (the row of the file, 0 = Kaplan's setup), the setting columns
    (``dataset, hparams, warmup, decay, param_count, val``), ``C`` (the budget label,
    FLOP), ``N`` (parameters as counted by the setting's ``param_count``), ``D`` (tokens)
    and ``loss`` (NaN where the run's loss is missing in the file).  The points are the
    file's ``data.orig_n``, ``orig_t`` and ``orig_loss`` per budget; the authors' own
    interpolations and fits (``optimal_pairs``, ``fit_results``) are left out: load with
    ``raw=True`` to see them.
    """
    missing = [c for c in _PORIAN_SETTING + ["data"] if c not in raw.columns]
    if missing:
        raise ValueError(f"the Porian et al. pickle lacks column(s) {missing}; the file is not the registered one.")
    frames = []
    for step, row in enumerate(raw.itertuples(index=False)):
        budgets = row.data
        for budget in budgets.itertuples(index=False):
            n = pd.Series(budget.orig_n, dtype=float).to_numpy()
            frame = pd.DataFrame({
                "C": float(budget.flops), "N": n,
                "D": pd.Series(budget.orig_t, dtype=float).to_numpy(),
                "loss": pd.Series(budget.orig_loss, dtype=float).to_numpy(),
            })
            for col in reversed(_PORIAN_SETTING):
                frame.insert(0, col, getattr(row, col))
            frame.insert(0, "step", step)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


_MISFITTING_COLUMNS = ["loss", "C4 Eval Loss", "N", "N_no_emb", "D", "C", "C_no_emb", "C_6ND",
                       "C_6ND_no_emb", "model", "total_epochs", "peak_lr", "sweep"]


def _misfitting(raw: pd.DataFrame) -> pd.DataFrame:
    """The (Mis)Fitting file's columns, after checking the ones the book uses.

    The FLOP columns (``C``, ``C_no_emb``, ``C_6ND``, ``C_6ND_no_emb``) hold integers beyond
    the int64 range, which pandas reads as Python objects; they become floats (53-bit
    mantissa: about 16 significant digits, far more than the counts are accurate to).
    """
    missing = [c for c in _MISFITTING_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"the (Mis)Fitting file lacks column(s) {missing}; found {list(raw.columns)}.")
    out = raw.copy()
    for col in ("C", "C_no_emb", "C_6ND", "C_6ND_no_emb"):
        out[col] = pd.to_numeric(out[col]).astype(float)
    return out


_MISFITTING_CITE = "Li, Kudugunta, Zettlemoyer (2025), (Mis)Fitting: A Survey of Scaling Laws, ICLR 2025"
_MISFITTING_COMMIT = "1f3708c0a12df0effb0ee906b1da5f9f0ff4f4f1"
_MISFITTING_LICENCE = "none stated in the source repository; downloaded from its original location, never redistributed"
_PORIAN_CITE = ("Porian, Wortsman, Jitsev, Schmidt, Carmon (2024), Resolving Discrepancies in "
                "Compute-Optimal Scaling of Language Models, NeurIPS 2024, arXiv:2406.19146")
_PORIAN_COMMIT = "0dc60d91b8a525858a3067fc9e4a46ff5374cc6f"
_PORIAN_LICENCE = "MIT (the LICENSE text is MIT; its copyright line is an unedited template)"


def _misfitting_file(name: str, filename: str, upstream: str, sha256: str, description: str,
                     used_in: str = "compute_optimal") -> ThirdPartyFile:
    return ThirdPartyFile(
        name=name, filename=filename,
        url=f"https://raw.githubusercontent.com/hadasah/scaling_laws/{_MISFITTING_COMMIT}/data/{upstream}",
        sha256=sha256, licence=_MISFITTING_LICENCE, citation=_MISFITTING_CITE,
        description=description + "; the file's columns, FLOP columns as floats",
        used_in=used_in, postprocess=_misfitting,
    )


def _porian(name: str, filename: str, upstream: str, sha256: str, description: str) -> ThirdPartyFile:
    return ThirdPartyFile(
        name=name, filename=filename,
        url=f"https://raw.githubusercontent.com/formll/resolving-scaling-law-discrepancies/{_PORIAN_COMMIT}/data/{upstream}",
        sha256=sha256, licence=_PORIAN_LICENCE, citation=_PORIAN_CITE,
        description=description + "; one row per run: step, setting, C (budget), N, D, loss",
        used_in="compute_optimal", postprocess=_porian_points, reader="pandas_pickle_xz",
    )


_ALABDULMOHSIN_CITE = (
    "Alabdulmohsin, Neyshabur, Zhai (2022), Revisiting Neural Scaling Laws in Language and "
    "Vision, NeurIPS 2022, arXiv:2209.06640; data redistributed by Lee et al. (2025), nslpfn"
)
_ALABDULMOHSIN_COMMIT = "10a5a60911a2a22ef453d8b4ddf1408b6a6075d9"
_BENCHMARK_COLUMNS = ["Domain", "Task", "Model", "Seen Examples", "Loss", "Training"]


def _learning_curves(raw: pd.DataFrame) -> pd.DataFrame:
    """Check a learning-curve benchmark file's columns and return them, rows as in the file.

    Duplicate rows are kept (every language-model curve is stored four times):
    :func:`scaling_utils.extrapolation.curve_table` counts them and
    :func:`scaling_utils.extrapolation.benchmark` drops them.
    """
    missing = [c for c in _BENCHMARK_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"the benchmark file lacks column(s) {missing}; found {list(raw.columns)}. "
                         "The file is not the registered one.")
    out = raw[_BENCHMARK_COLUMNS].copy()
    out["Training"] = out["Training"].astype(int)
    return out


def _learning_curve_file(name: str, filename: str, sha256: str, description: str) -> ThirdPartyFile:
    return ThirdPartyFile(
        name=name, filename=filename,
        url=f"https://raw.githubusercontent.com/DongWooLee-Eli/nslpfn/{_ALABDULMOHSIN_COMMIT}/data/{filename}",
        sha256=sha256,
        licence=("Apache-2.0 (original, google-research/google-research, folder "
                 "revisiting_neural_scaling_laws/data); MIT (the redistributing repository)"),
        citation=_ALABDULMOHSIN_CITE,
        description=description + ("; columns Domain, Task, Model, Seen Examples (x), Loss (y), Training "
                                   "(1 = fit, 0 = held out, always at larger x)"),
        used_in="extrapolation", postprocess=_learning_curves,
    )


_OBS_CITE = (
    "Ruan, Maddison, Hashimoto (2024), Observational Scaling Laws and the Predictability "
    "of Language Model Performance, arXiv:2405.10938"
)
_OBS_COMMIT = "4d6e1e43fd2635d04654aa77d1df9d5266ea0382"

_PYTHIA_COMMIT = "a19eecb807ec2c79a39ebf18108816e6ffffc1d5"

_ENTRIES = [
    ThirdPartyFile(
        name="chinchilla_points",
        filename="svg_extracted_data.csv",
        url=(
            "https://raw.githubusercontent.com/epoch-research/analyzing-chinchilla/"
            "92258837425e1b5f2851d624287f0120583a3d0e/data/svg_extracted_data.csv"
        ),
        sha256="193478df4e90f040016431996c45682659306840ecdadf83cfb9cd5ca0aa1b30",
        licence=(
            "none stated in the source repository (measurements read off Figure 4 of "
            "Hoffmann et al. 2022); downloaded from its original location, never "
            "redistributed"
        ),
        citation=(
            "Besiroglu, Erdil, Barnett, You (2024), Chinchilla Scaling: A replication "
            "attempt, arXiv:2404.10102; data: Hoffmann et al. (2022), Training "
            "Compute-Optimal Large Language Models, arXiv:2203.15556, Figure 4"
        ),
        description=(
            "245 Chinchilla training runs read off Hoffmann et al. Figure 4: N parameters, "
            "D = C/(6N) tokens (derived), C training FLOP, final loss (nats/token)"
        ),
        used_in="power_laws, compute_optimal, extrapolation, compute_cost, claims_audit",
        postprocess=_chinchilla_points,
    ),
    ThirdPartyFile(
        name="obs_scaling_benchmarks",
        filename="base_llm_benchmark_eval.csv",
        url=(
            "https://raw.githubusercontent.com/ryoungj/ObsScaling/"
            f"{_OBS_COMMIT}/eval_results/base_llm_benchmark_eval.csv"
        ),
        sha256="511996815735a4c46251dc585dcc525e370d148201f86561e6f927f9df2d0db8",
        licence="Apache-2.0",
        citation=_OBS_CITE,
        description=(
            "148 base LLMs: family, size (B params), pretraining data (T tokens), "
            "FLOPs (1E21, = 6ND, blank where unknown) and 8 benchmark scores; raw columns"
        ),
        used_in="compute_cost, emergence, claims_audit",
        postprocess=_raw,
    ),
    ThirdPartyFile(
        name="obs_scaling_emergent",
        filename="base_llm_emergent_capability_eval.csv",
        url=(
            "https://raw.githubusercontent.com/ryoungj/ObsScaling/"
            f"{_OBS_COMMIT}/eval_results/base_llm_emergent_capability_eval.csv"
        ),
        sha256="a156beee73c39b7833c3c53535c473939105512d85e90b0143be7325e516ef7c",
        licence="Apache-2.0",
        citation=_OBS_CITE,
        description=(
            "84 base LLMs on 2-shot BIG-bench / GPT-3 arithmetic tasks (exact match, "
            "accuracy, BLEU); raw columns"
        ),
        used_in="emergence, claims_audit",
        postprocess=_raw,
    ),
    _misfitting_file("misfitting_runs", "misfitting_scaling_results_last_ckpt.csv",
                     "scaling_results_last_ckpt_only.csv",
                     "cd96b9eb8e5b2adc80e6739a642dd8554590edc96234d36859ab6ed0f5c30562",
                     "261 training runs (11 sizes 12M-1B, 5 peak learning rates, 40 sweeps), last "
                     "checkpoint only: final train loss, C4 eval loss, N with and without embeddings, "
                     "D tokens, C as counted and as 6ND, epochs, peak_lr, sweep",
                     used_in="compute_optimal, extrapolation, claims_audit"),
    _misfitting_file("misfitting_checkpoints", "misfitting_scaling_results.csv", "scaling_results.csv",
                     "193b4b7665365112605417e2ef06d55efe599cfa08412354e3ae42c3af7a9f58",
                     "4,852 checkpoints of the 261 misfitting_runs (portion_steps_elapsed, "
                     "current_steps, current_epoch), same columns"),
    _learning_curve_file("learning_curves_vision", "benchmark.vision.csv",
                         "23b00692d71e58aa5a2a941e831d57688e0977fdcf5f5125ff7b64283b5d9e83",
                         "Alabdulmohsin et al.'s learning-curve benchmark, image classification: 72 curves "
                         "(few-shot error of 6 ViT, BiT and MiX models on 12 tasks) against examples seen"),
    _learning_curve_file("learning_curves_language", "benchmark.lang.csv",
                         "63c346db00a66b692e1ea9a0f71a2f2b267e55f74be5b863a92e199dffbf0983",
                         "Alabdulmohsin et al.'s learning-curve benchmark, language: 5 NMT (log-perplexity, "
                         "one held-out point each), 5 language-model (validation loss rescaled to [0, 1], "
                         "every curve stored 4 times) and 10 BIG-bench curves"),
    _porian("porian2024_rw", "porian2024_summary_df.pickle.xz", "summary_df.pickle.xz",
            "afbf07ec92d23182f56a44dd43599f2a7e9716fd70492fbc0a35f6093272b74f",
            "Porian et al. IsoFLOP runs on RefinedWeb, 5 settings from Kaplan's setup to tuned "
            "hyper-parameters (11-12 budgets 1.25e16-2.56e19 FLOP)"),
    _porian("porian2024_owt2", "porian2024_summary_df_owt2.pickle.xz", "summary_df_owt2.pickle.xz",
            "7aed67d1ad9bc1d7b0518e3814cee1129216b423b4538d4b724873dd670cff30",
            "Porian et al. IsoFLOP runs on OpenWebText2, the same 5 settings"),
    _porian("porian2024_rw_attention", "porian2024_summary_df_att.pickle.xz", "summary_df_att.pickle.xz",
            "40218b8320817bf3c34f82c57aaa28c53ccb5feb9bb3928ee6fc70868ac22af7",
            "Porian et al. RefinedWeb runs with attention FLOPs counted, 4 settings"),
    _porian("porian2024_rw_kaplan_tuned", "porian2024_summary_df_kaplan_tuned_hparams.pickle.xz",
            "summary_df_kaplan_tuned_hparams.pickle.xz",
            "09b6b91c9c6fa0e4c2684dcbed82475ee62d6c4fc60db5ca2ce5653b08f0ae55",
            "Porian et al. RefinedWeb runs in Kaplan's setup with tuned hyper-parameters, 1 setting"),
    TranscribedTable(
        name="kaplan_constants",
        sha256="aa08602333e639c3ecaf234ea7e6dbf0583df4fb9056b2ee816fca369ad54c26",
        citation=(
            "Kaplan et al. (2020), Scaling Laws for Neural Language Models, "
            "arXiv:2001.08361 (Section 1.2, eqs. 1.1-1.7, Tables 2-3, eqs. 4.4, 6.8)"
        ),
        description=(
            "Fitted constants of the Kaplan power laws (size, data, compute, size+data, "
            "size+steps, critical batch) and related facts, one row per number"
        ),
        used_in="power_laws, overfitting",
    ),
    TranscribedTable(
        name="chinchilla_published_fits",
        sha256="9fbcd2b47c8da4a177797136e1cff41a3923900c3eb0c3ab825c2486052af2db",
        citation=(
            "Hoffmann et al. (2022), arXiv:2203.15556, Section 3.3; Besiroglu et al. "
            "(2024), Chinchilla Scaling: A replication attempt, arXiv:2404.10102"
        ),
        description=(
            "Published Approach-3 fits L = E + A/N^alpha + B/D^beta (Hoffmann rounded and "
            "unrounded; Besiroglu fit; Besiroglu bootstrap estimates with SE and 95% CI, "
            "marked [U]), long format"
        ),
        used_in="power_laws, entropy_floors",
    ),
    TranscribedTable(
        name="hoffmann_table2",
        sha256="e39a29896820bcd41a3f74c1b86345ebc856766c2e4522928eae9f57b659e7a3",
        citation="Hoffmann et al. (2022), arXiv:2203.15556, Table 2",
        description=(
            "Exponent a of N_opt proportional to C^a with 10th-90th percentile interval "
            "for Approaches 1-3 and Kaplan et al."
        ),
        used_in="power_laws, compute_optimal",
    ),
    TranscribedTable(
        name="alabdulmohsin2022_tables",
        sha256="377c9e17232e174f04fc7a728446a4a53f46f92477778c185ea02ac259b79a2b",
        citation=("Alabdulmohsin, Neyshabur, Zhai (2022), Revisiting Neural Scaling Laws in Language "
                  "and Vision, NeurIPS 2022, arXiv:2209.06640, Tables 2 and 3"),
        description=("Published extrapolation RMSE (of the log loss) of estimators M1-M4 on the 5 NMT, "
                     "5 language-model and 10 BIG-bench curves, keyed like the benchmark files"),
        used_in="extrapolation",
    ),
    TranscribedTable(
        name="hoffmann_table3",
        sha256="41fcb98ebf303c3cd489f66b9068c887dfdca3faf07df143e02637318e36531c",
        citation="Hoffmann et al. (2022), arXiv:2203.15556, Table 3",
        description=(
            "Approach-1 compute-optimal projections: parameters, FLOPs, tokens, and "
            "tokens_per_parameter (derived)"
        ),
        used_in="power_laws, compute_optimal, claims_audit",
    ),
    TranscribedTable(
        name="gpt3_table_d1",
        sha256="d930484b944d9502dbed70a709f53b390bd2988afe9d5e34016d0b6211e0478c",
        citation=(
            "Brown et al. (2020), Language Models are Few-Shot Learners, "
            "arXiv:2005.14165, Appendix D, Table D.1"
        ),
        description=(
            "Training compute of GPT-3 models, T5-11B, BERT-Large, RoBERTa-Large: "
            "parameters, tokens, PF-days, FLOP"
        ),
        used_in="compute_cost, claims_audit",
    ),
    TranscribedTable(
        name="gpt3_table_2_1",
        sha256="d43b95539cd50c29dcc2e49df174fb7307b3d13aec93be58f5a98801b0f89d9c",
        citation=(
            "Brown et al. (2020), Language Models are Few-Shot Learners, "
            "arXiv:2005.14165, Section 2.1, Table 2.1"
        ),
        description=(
            "Sizes, architectures and learning hyper-parameters of the 8 GPT-3 models "
            "([U]: transcribed from memory, not checked against the PDF)"
        ),
        used_in="compute_cost, claims_audit",
    ),
    # --- power_laws generated entries ---
    GeneratedTable(
        name="hoffmann_mean_objective",
        sha256="2c249e16d2428cadb8e1737506d505736b9773002db454db8911713ea2aa64c4",
        generator="scripts/hoffmann_mean_objective.py",
        citation=(
            "This project (chapter Power laws): the Approach 3 fit of Hoffmann et al. (2022) "
            "with the mean of the Huber losses and SciPy's default L-BFGS-B tolerances, "
            "the failure mode described by Besiroglu et al. (2024), arXiv:2404.10102"
        ),
        description=(
            "4,500 rows, one per start of the Hoffmann grid: start, end point (E, A, B, "
            "alpha, beta), mean Huber objective, iterations, evaluations and SciPy's "
            "success flag and message, on the 240 chinchilla_points runs"
        ),
        used_in="power_laws",
    ),
    # --- extrapolation entries ---
    GeneratedTable(
        name="extrapolation_benchmark",
        sha256="9eafadc3f2598d740a8fd668d663c70d2247d8d68a784be048d50c78c4efa489",
        generator="scripts/extrapolation_benchmark.py",
        citation=("Generated by this project: the protocol of Alabdulmohsin, Neyshabur, Zhai (2022), "
                  "arXiv:2209.06640, run on their 92 learning curves"),
        description=("Extrapolation error (RMSE of log loss on the held-out points) of 6 forms on each of "
                     "the 92 benchmark curves, local search, plus M2 and M4 with the global search"),
        used_in="extrapolation",
    ),
    GeneratedTable(
        name="extrapolation_coverage",
        sha256="7e49b33c5f09f32deda89c6cbfbbc6e89ce51903c7529dcf4790dd9704bab219",
        generator="scripts/extrapolation_benchmark.py",
        citation="Generated by this project from Alabdulmohsin et al.'s (2022) learning curves",
        description=("Share of held-out points inside each form's bootstrap 95% prediction interval, "
                     "for a seeded sample of 32 benchmark curves (200 resamples each)"),
        used_in="extrapolation",
    ),
    # --- entropy_floors entries ---
    GeneratedTable(
        name="known_entropy_sweep",
        sha256="be4438ea8be8aaaa928b6abd6dc3881c7fe6fff26ed6928d9ffc1487e1061e0a",
        generator="scripts/known_entropy_sweep.py",
        citation=(
            "This project (chapter Entropy floors): n-gram models trained on "
            "scaling_utils.entropy.default_source(), a Markov source with exact entropy rate"
        ),
        description=(
            "90 runs: context length (order), N free parameters, D training symbols, tuned "
            "Dirichlet concentration, validation loss, exact population loss and exact "
            "misspecification floor (nats/symbol)"
        ),
        used_in="entropy_floors, claims_audit",
    ),
    TranscribedTable(
        name="entropy_estimates",
        sha256="aca018494eccf02dbd5f0ec814f2ba7e10887a0149b9bbb251caff1652995dda",
        citation=(
            "Shannon (1951); Cover and King (1978); Brown et al. (1992); Hutter Prize and "
            "Large Text Compression Benchmark (enwik9); Kaplan et al. (2020), "
            "arXiv:2001.08361; Muennighoff et al. (2023), arXiv:2305.16264; Villalobos et "
            "al. (2024), arXiv:2211.04325"
        ),
        description=(
            "Published estimates of the entropy of English, fitted irreducible losses and "
            "the stock of public text, one row per number, with units, corpus and "
            "verification mark"
        ),
        used_in="entropy_floors, claims_audit",
    ),
    TranscribedTable(
        name="pile_bits_per_byte",
        sha256="59ad1faeefd3e010f14ca72e363301856f9faaec598ca20de99cae34066ef734",
        citation="Hoffmann et al. (2022), arXiv:2203.15556, Table A5",
        description=(
            "Chinchilla and Gopher bits per byte on nine subsets of the Pile"
        ),
        used_in="entropy_floors",
    ),
    # --- overfitting entries ---
    TranscribedTable(
        name="muennighoff_2023",
        sha256="aa7f3c93b91bc00ff1a08001aa1e21c57d3e9405e8a483c87ebe4d0eb55d97b5",
        citation=(
            "Muennighoff et al. (2023), Scaling Data-Constrained Language Models, "
            "arXiv:2305.16264; unrounded fit and check values from the authors' README "
            "(huggingface/datablations, section Parametric Fit)"
        ),
        description=(
            "Data-constrained scaling law: unrounded constants (log A, log B, log E, alpha, "
            "beta, R_D*, R_N*), the paper's rounded values, and the README's two check "
            "losses L(N, D, U_D); long format"
        ),
        used_in="overfitting",
    ),
    # --- compute_cost entries ---
    TranscribedTable(
        name="patterson_2021_table4",
        sha256="6aa9786ca786d8b7de48d7e7d50e01c6d48c9d2b883fc42eb6468319dbbc4ba2",
        citation=(
            "Patterson et al. (2021), Carbon Emissions and Large Neural Network Training, "
            "arXiv:2104.10350, Table 4"
        ),
        description=(
            "Energy (MWh) and net operational emissions (tCO2e) of GPT-3, T5, GShard-600B and "
            "Switch Transformer, the GPT-3 inputs (processors, days, W, PUE, kgCO2e/kWh, "
            "measured TFLOP/s) and the measured Evolved Transformer NAS emissions [P]; long format"
        ),
        used_in="compute_cost, claims_audit",
    ),
    TranscribedTable(
        name="strubell_2019_table3",
        sha256="cdd4745089f3d7a311e6dab423e5ef9a7aeadef52e046fcd49f51b9baa2b2fb4",
        citation=(
            "Strubell, Ganesh, McCallum (2019), Energy and Policy Considerations for Deep "
            "Learning in NLP, ACL 2019, doi:10.18653/v1/P19-1355, Tables 1 and 3"
        ),
        description=(
            "Estimated CO2e (lbs) and hardware-hours of NAS, BERT-base, Transformer-big, "
            "and the car-lifetime comparison (126,000 lbs); long format"
        ),
        used_in="compute_cost, claims_audit",
    ),
    TranscribedTable(
        name="accelerator_peak_rates",
        sha256="057b92a5c421983f7de3829683a34372e0b975b84115e1a7c7ef2eb02a48ae3a",
        citation="NVIDIA datasheets for the A100 SXM, H100 SXM and V100 SXM2",
        description=(
            "Peak dense tensor TFLOP/s (A100 312, H100 989.4 [S]; V100 125 [P]), max power "
            "(V100 [P], others [U]) and memory bandwidth [U]; long format"
        ),
        used_in="compute_cost, claims_audit",
    ),
    # --- emergence entries ---
    TranscribedTable(
        name="gpt3_arithmetic",
        sha256="5045a8acc116ca620f7e62e39884943fa11090dc49803bfeb3387310fd87a1df",
        citation=(
            "Brown et al. (2020), Language Models are Few-Shot Learners, "
            "arXiv:2005.14165, Section 3.9.1 (Figure 3.10)"
        ),
        description=(
            "GPT-3 175B few-shot accuracy (%) on 2-digit addition/subtraction, 3-digit "
            "addition/subtraction and 2-digit multiplication ([S]), with problem counts ([P])"
        ),
        used_in="emergence, claims_audit",
    ),
    # --- bias entries ---
    TranscribedTable(
        name="gender_shades",
        sha256="1708e7df279f6862b7e46ae8e52d356ed206f53307b116adf0f76b3f99cec635",
        citation=(
            "Buolamwini & Gebru (2018), Gender Shades: Intersectional Accuracy Disparities "
            "in Commercial Gender Classification, PMLR 81:77-91, Table 4"
        ),
        description=(
            "Error rates (%) of Microsoft, Face++ and IBM gender classifiers on the four "
            "skin-type x gender subgroups of the 1,270-face PPB benchmark ([S]; subgroup "
            "sizes not transcribed, [U])"
        ),
        used_in="bias, claims_audit",
    ),
    TranscribedTable(
        name="stereoset",
        sha256="438ffa9c0b06fc6608932afe39d6ff45c61d3d0ad7a4e64eeadb415207836c8d",
        citation=(
            "Nadeem, Bethke & Reddy (2021), StereoSet: Measuring stereotypical bias in "
            "pretrained language models, ACL 2021, doi:10.18653/v1/2021.acl-long.416"
        ),
        description=(
            "StereoSet LM score, stereotype score and ICAT of GPT-2 small/medium/large: "
            "test set as the paper prints it ([S]) and dev-set evaluator output ([P]); "
            "BERT and RoBERTa dev-set scores ([P]); parameter counts [U]"
        ),
        used_in="bias, claims_audit",
    ),
    GeneratedTable(
        name="representation_sweep",
        sha256="bb89d5c09788bb6a33cad1505b43a0fbbe2c3b717b384bac13a2421943873dca",
        generator="scripts/representation_sweep.py",
        citation="This project: chapter 'Does scale fix bias?' (chapters/bias.ipynb)",
        description=(
            "Per-group exact error of group-blind and group-aware logistic regressions on "
            "two synthetic Gaussian groups, by total size (100-25,600), minority share "
            "(0.5-0.05) and seed (0-19)"
        ),
        used_in="bias, claims_audit",
    ),
]

_ENTRIES.append(ThirdPartyCollection(
    name="pythia_evals",
    sha256="cdbce0cfdc4514fd1a8b0ee281d44536ca6e2f130f749a43f5ef9ffcc4c82f29",
    url=f"https://raw.githubusercontent.com/EleutherAI/pythia/{_PYTHIA_COMMIT}/evals/pythia-v1/",
    generator="scripts/pythia_index.py",
    licence="Apache-2.0 (EleutherAI/pythia)",
    citation=("Biderman et al. (2023), Pythia: A Suite for Analyzing Large Language Models Across "
              "Training and Scaling, ICML 2023, arXiv:2304.01373; files from EleutherAI/pythia "
              "evals/pythia-v1; parameter counts from the Pythia model cards"),
    description=("Zero-shot LM Evaluation Harness scores of the 16 Pythia models (70M-12B, standard "
                 "and deduplicated Pile) at 27 checkpoints each (steps 0-143,000): 432 files, one "
                 "tidy row per model, step, task and metric (LAMBADA acc and ppl, ARC, PIQA, SciQ, "
                 "WinoGrande, WSC, LogiQA, 57 MMLU subjects, CrowS-Pairs by language and category) "
                 "with its standard error, tokens seen and training compute 6 N tokens"),
    used_in="emergence, bias, claims_audit",
    parse=_pythia.tidy,
    raw_parse=_pythia.as_read,
))


# --------------------------------------------------------------------------- Epoch AI
_EPOCH_COSTS_COMMIT = "263c40a159307e917213d1dc433c617e47d55bfe"
_EPOCH_STOCK_COMMIT = "83da8edaa853f036f1bbd521df9e789335d64b3b"
_EPOCH_LICENCE = ("CC-BY-4.0 as Epoch AI states for its data (the repository itself has no LICENSE "
                  "file); downloaded from its original location, never redistributed")
_COTTIER_CITE = ("Cottier, Rahman, Fattorini, Maslej, Owen (2024), The rising costs of training "
                 "frontier AI models, arXiv:2405.21015")


def _epoch_table(filename: str, *, dates: tuple[str, ...], numbers: tuple[str, ...]):
    """A post-processor for an Epoch AI table: check the columns the book uses, parse dates and numbers.

    The file's columns are all kept, in file order, and every row (none dropped or reordered).
    ``dates`` become ``datetime64`` and ``numbers`` floats (Epoch writes some prices as
    ``$1,234.00``); a blank cell becomes NaT or NaN, and a cell that does not parse is an error,
    never a silent NaN.  Anything else is left as read.
    """
    def postprocess(raw: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in (*dates, *numbers) if c not in raw.columns]
        if missing:
            raise ValueError(f"{filename} lacks column(s) {missing}; found {list(raw.columns)}. "
                             "The file is not the registered one.")
        out = raw.copy()
        for col in dates:
            parsed = pd.to_datetime(out[col], errors="coerce", format="%Y-%m-%d")
            _refuse_unparsed(filename, col, out[col], parsed, "a date YYYY-MM-DD")
            out[col] = parsed
        for col in numbers:
            text = out[col].astype("string").str.replace(r"^\$|,", "", regex=True).str.strip()
            parsed = pd.to_numeric(text, errors="coerce").astype(float)
            _refuse_unparsed(filename, col, out[col], parsed, "a number (a leading $ and thousands commas allowed)")
            out[col] = parsed
        return out
    postprocess.__doc__ = (f"{filename}: dates {list(dates)} as datetime64, numbers {list(numbers)} "
                           "as floats, every other column as read.")
    return postprocess


def _refuse_unparsed(filename: str, column: str, raw: pd.Series, parsed: pd.Series, expected: str) -> None:
    """Raise if a non-blank cell of ``raw`` did not parse: a value is never turned into NaN silently."""
    lost = parsed.isna() & raw.notna() & (raw.astype("string").str.strip() != "")
    if lost.any():
        examples = raw[lost].astype(str).unique()[:3].tolist()
        raise ValueError(f"{filename}: {int(lost.sum())} value(s) of column {column!r} are not {expected}, "
                         f"e.g. {examples}. The file is not the registered one, or its format changed.")


def _epoch_file(name: str, filename: str, upstream: str, sha256: str, citation: str, description: str,
                *, dates: tuple[str, ...], numbers: tuple[str, ...], commit: str = _EPOCH_COSTS_COMMIT,
                repo: str = "training-cost-trends", licence: str = _EPOCH_LICENCE) -> ThirdPartyFile:
    return ThirdPartyFile(
        name=name, filename=filename,
        url=f"https://raw.githubusercontent.com/epoch-research/{repo}/{commit}/{upstream}",
        sha256=sha256, licence=licence, citation=citation, description=description,
        used_in="", postprocess=_epoch_table(filename, dates=dates, numbers=numbers),
    )


_ENTRIES += [
    _epoch_file(
        "epoch_models", "epoch_all_ml_systems.csv", "data/All%20ML%20Systems%20-%20full%20view.csv",
        "74509130a942f476053447d26cd9a3805a03d48b8feffef714826c5e340c9ec2",
        ("Epoch AI, Data on Notable AI Models (the snapshot used by Cottier et al. 2024, "
         "epoch-research/training-cost-trends); method: Sevilla et al. (2022), Compute Trends "
         "Across Three Eras of Machine Learning, arXiv:2202.05924"),
        ("1,892 machine-learning systems, 57 columns as published (Model, Domain, Organization, "
         "Publication date, Parameters, Training compute (FLOP), Training dataset size (datapoints), "
         "Notability criteria, Training hardware, Hardware quantity, Training time (hours), "
         "Training compute cost (2023 USD), ...); dates parsed, the numeric columns as floats"),
        dates=("Publication date",),
        numbers=("Parameters", "Training compute (FLOP)", "Training dataset size (datapoints)",
                 "Training time (hours)", "Hardware quantity", "Training compute cost (2023 USD)"),
    ),
    _epoch_file(
        "epoch_hardware", "epoch_ml_hardware.csv", "data/Chip%20dataset-Grid%20view.csv",
        "4a5e453104abfc894c47af64957c8a8e8cb0281c9af44975772318a5eacab5cc",
        "Epoch AI, Data on Machine Learning Hardware (snapshot in epoch-research/training-cost-trends)",
        ("5,775 accelerator records, 53 columns as published (Hardware name, Manufacturer, Type, "
         "Release date, Release price (USD), FLOP/s by precision, memory, bandwidth, TDP (W), ...); "
         "release date parsed, price, FLOP/s and TDP as floats"),
        dates=("Release date",),
        numbers=("Release price (USD)", "FP32 (single precision) performance (FLOP/s)",
                 "FP16 (half precision) performance (FLOP/s)", "TF32 (TensorFloat-32) performance (FLOP/s)",
                 "Tensor-FP16/BF16 performance (FLOP/s)", "INT8 performance (OP/s)",
                 "FP8 performance (FLOP/s)", "Memory bandwidth (byte/s)", "TDP (W)"),
    ),
    _epoch_file(
        "epoch_hardware_prices", "epoch_hardware_prices.csv", "data/Hardware%20prices.csv",
        "e397345924db0a6bf83bd39d27c1fc7e9ec298339261c6e5d35f535abc898d2f", _COTTIER_CITE,
        ("591 price records of ML hardware: price date, hardware model, vendor, cloud price per "
         "chip-hour (on demand, 1- and 3-year commitments) and purchase price (USD)"),
        dates=("Price date",),
        numbers=("Price per chip-hour (on-demand)", "Price per chip-hour (1-year CUD)",
                 "Price per chip-hour (3-year CUD)", "Price (hardware purchase)"),
    ),
    _epoch_file(
        "epoch_model_costs", "epoch_model_costs.csv", "model_costs.csv",
        "e5399d8502b66ab7689656d75a6b45bfaf6612617571fdcf59e88a597918f8b0", _COTTIER_CITE,
        ("Training cost of 82 frontier models by three methods (2023 USD): Cloud_Cost, "
         "Hardware_Acquisition_Cost, Hardware_Capex_Energy_Cost (amortised hardware and energy); "
         "blank where a method was not applied"),
        dates=(), numbers=("Cloud_Cost", "Hardware_Acquisition_Cost", "Hardware_Capex_Energy_Cost"),
    ),
    _epoch_file(
        "epoch_model_costs_updated", "epoch_model_costs_updated.csv", "model_costs_updated.csv",
        "33feeed452f35e4f7be16c72bcc65768c4f9e9afa066b0aa9f4ab8d8f5d65d09", _COTTIER_CITE,
        "Updated amortised training cost of 61 frontier models (Cost, 2023 USD)",
        dates=(), numbers=("Cost",),
    ),
    _epoch_file(
        "epoch_dataset_sizes", "epoch_dataset_sizes.csv", "data/dataset_sizes.csv",
        "e2d19e6be9d4b0a79acef394cb4f63108bd62f95cbf20fc7c5ccdd15f1ef5106",
        ("Villalobos, Ho, Sevilla, Besiroglu, Heim, Hobbhahn (2024), Will we run out of data? "
         "Limits of LLM scaling based on human-generated data, ICML 2024, arXiv:2211.04325"),
        ("Training-set sizes of 80 notable language models: system, category, date, comp "
         "(training compute, FLOP), dataset (training-set size, tokens)"),
        dates=("date",), numbers=("comp", "dataset"),
        commit=_EPOCH_STOCK_COMMIT, repo="data-stock",
        licence="none stated in the source repository; downloaded from its original location, never redistributed",
    ),
]

#: Every registered dataset by name (read-only).
REGISTRY: Mapping[str, ThirdPartyFile | TranscribedTable | GeneratedTable] = MappingProxyType(
    {entry.name: entry for entry in _ENTRIES}
)


# --------------------------------------------------------------------------- helpers
def _short_repr(value) -> str:
    """``repr(value)`` cut to about 80 characters; never fails (huge ints, odd objects)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"<an int of {value.bit_length()} bits>"
    try:
        text = repr(value)
    except Exception:  # e.g. a huge int inside a list (int-to-str conversion limit)
        return f"<a {type(value).__name__}>"
    return text if len(text) <= 80 else f"{text[:60]}... ({len(text)} characters)"


def _shown(value) -> str:
    """``value`` described for an error message: its type and a short repr."""
    return f"{type(value).__name__} {_short_repr(value)}"


def _check_name(name) -> ThirdPartyFile | TranscribedTable | GeneratedTable:
    """Return the registry entry for ``name`` or raise a helpful ValueError."""
    known = ", ".join(sorted(REGISTRY))
    if not isinstance(name, str):
        raise ValueError(
            f"`name` must be a dataset name (a str), got {_shown(name)}; "
            f"known datasets: {known}."
        )
    if not name.strip():
        raise ValueError(
            f"`name` must be a dataset name, got the blank str {_short_repr(name)}; "
            f"known datasets: {known}."
        )
    try:
        return REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(REGISTRY), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"Unknown dataset {_short_repr(name)} for `name`.{hint} Known datasets: {known} "
            "(see scaling_utils.data.available())."
        ) from None


def _check_bool(argname: str, value) -> bool:
    """Return ``value`` if it is True or False, else raise a ValueError naming ``argname``."""
    if not isinstance(value, bool):
        raise ValueError(f"`{argname}` must be True or False, got {_shown(value)}.")
    return value


def _check_url(url) -> str | None:
    """Return ``url`` if it is None or an ``http(s)://host/...`` address, else raise."""
    if url is None:
        return None
    if not isinstance(url, str):
        raise ValueError(
            f"`url` must be an http:// or https:// address (a str) or None, got {_shown(url)}."
        )
    parts = urllib.parse.urlsplit(url) if url.isprintable() else None
    if (
        parts is None
        or any(ch.isspace() for ch in url)
        or parts.scheme not in ("http", "https")
        or not parts.netloc
    ):
        raise ValueError(
            f"`url` must be an http:// or https:// address with a host and no spaces, "
            f"e.g. 'https://example.org/file.csv', got {_shown(url)}; pass None to use "
            "the registered, commit-pinned URL."
        )
    return url


def _sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_committed(entry: TranscribedTable | GeneratedTable) -> pd.DataFrame:
    """Read a committed CSV after checking its bytes against the pinned SHA-256."""
    path = entry.path
    if not path.is_file():
        raise FileNotFoundError(
            f"The {entry.kind} dataset {entry.name!r} should be at {path}, which does not "
            "exist. Install scaling_utils from a checkout of the book's repository "
            "(pip install -e .) so that its data/ folder is present."
        )
    raw = path.read_bytes()  # hash and parse the same bytes
    actual = hashlib.sha256(raw).hexdigest()
    if actual != entry.sha256:
        raise _pin_mismatch(entry, path, actual)
    return pd.read_csv(io.BytesIO(raw))


def _pin_mismatch(entry: TranscribedTable | GeneratedTable, path: Path, actual: str) -> ValueError:
    """The error for a committed CSV whose bytes differ from its pinned hash."""
    if getattr(entry, "generator", None):
        deliberate = (
            f"If you reran its generator ({entry.generator}) on purpose and reviewed the "
            "new rows, re-pin it"
        )
    else:
        deliberate = (
            "If the change is deliberate and was reviewed against the cited source, "
            "re-pin it"
        )
    return ValueError(
        f"The committed {entry.kind} table {str(path)!r} does not match the SHA-256 pinned "
        f"for dataset {entry.name!r} in scaling_utils/data.py (expected "
        f"{entry.sha256 or '(not pinned yet)'}, got {actual}). The file changed after it "
        "was pinned: an edited number, a typo, a renamed column, lost rows or a web page "
        f"saved in its place all look like this. {deliberate} by running "
        f"`python scripts/pin_data.py {entry.name}` from the repository root. Otherwise "
        f"restore the committed file with `git checkout -- data/{entry.name}/{entry.name}.csv`."
    )


def _cache_dir() -> Path:
    """The download cache folder (``$SCALING_UTILS_CACHE`` or pooch's OS cache)."""
    env = os.environ.get(CACHE_ENV)
    if env is None:
        import pooch

        return Path(pooch.os_cache("scaling_utils"))
    if not env.strip():
        raise ValueError(
            f"{CACHE_ENV} is set but empty ({env!r}), so it names no folder. Either point "
            f"it at a folder for downloaded data files (export {CACHE_ENV}=/path/to/folder) "
            f"or unset it (unset {CACHE_ENV}) to use the default cache folder."
        )
    return Path(env).expanduser()


def _mirror_dir(value: str) -> Path:
    """The mirror folder named by ``$SCALING_UTILS_DATA_MIRROR`` (never blank, a folder)."""
    if not value.strip():
        raise ValueError(
            f"{MIRROR_ENV} is set but empty ({value!r}), so it names no folder; nothing was "
            "downloaded. Either point it at a folder holding the third-party files (export "
            f"{MIRROR_ENV}=/path/to/folder) or unset it (unset {MIRROR_ENV}) to download "
            "them from their registered URLs."
        )
    folder = Path(value).expanduser()
    if not folder.is_dir():
        what = "is not a folder (it is a file)" if folder.exists() else "does not exist"
        raise ValueError(
            f"{MIRROR_ENV} is set to {str(folder)!r}, which {what}. Point it at the folder "
            f"holding the third-party files, or unset it (unset {MIRROR_ENV}) to download "
            "them from their registered URLs."
        )
    return folder


def _from_mirror(entry: ThirdPartyFile, mirror: str) -> Path:
    folder = _mirror_dir(mirror)
    path = folder / entry.filename
    if not path.is_file():
        raise ValueError(
            f"{MIRROR_ENV} is set to {str(folder)!r}, but that folder has no file "
            f"{entry.filename!r} (needed for dataset {entry.name!r}). Put the file there, "
            f"or unset {MIRROR_ENV} to download it from {entry.url}."
        )
    actual = _sha256(path)
    if actual != entry.sha256:
        raise ValueError(
            f"The mirror copy of {entry.filename!r} at {str(path.resolve())!r} does not "
            f"match its registered SHA-256 (expected {entry.sha256}, got {actual}): it is "
            f"not the registered file or it was corrupted. Restore it from {entry.url}, or "
            f"unset {MIRROR_ENV} and call "
            f"scaling_utils.data.load({entry.name!r}, refetch=True) to download a fresh copy."
        )
    return path


def _check_cache_paths(entry: ThirdPartyFile, folder: Path) -> Path:
    """Return ``<cache>/<file>``; raise a clear OSError if something is in the way."""
    for ancestor in (folder, *folder.parents):  # the nearest part of the path that exists
        if ancestor.exists():
            if not ancestor.is_dir():
                raise NotADirectoryError(
                    f"The download cache folder {str(folder)!r} cannot be used: "
                    f"{str(ancestor)!r} is a file, not a folder. Move that file away, or "
                    f"set {CACHE_ENV} to a folder elsewhere (export {CACHE_ENV}=/path/to/"
                    "folder)."
                )
            break
    path = folder / entry.filename
    if path.exists() and not path.is_file():
        raise IsADirectoryError(
            f"The cache path {str(path)!r} for {entry.filename!r} (dataset {entry.name!r}) "
            "is a folder or other non-file, so the file cannot be read or saved there. "
            f"Remove it, or set {CACHE_ENV} to a folder elsewhere."
        )
    return path


def _make_download_dir(folder: Path) -> Path:
    """Create the cache folder and a private temporary folder inside it for one download."""
    advice = (
        f"Set {CACHE_ENV} to a folder you can write to, or set {MIRROR_ENV} to a folder "
        "that already holds the third-party files."
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".download-", dir=folder))
    except PermissionError as exc:
        raise PermissionError(
            f"The download cache folder {str(folder)!r} is not writable "
            f"({exc.strerror or exc}). {advice}"
        ) from exc
    except OSError as exc:
        raise OSError(
            f"Cannot write to the download cache folder {str(folder)!r}: {exc}. {advice}"
        ) from exc


def _is_timeout(exc: Exception) -> bool:
    import requests

    return isinstance(exc, requests.exceptions.Timeout) or "timed out" in str(exc)


def _network_error(entry: ThirdPartyFile, url: str, failures: list[Exception]) -> ConnectionError:
    """The error after every download attempt timed out or lost the connection."""
    n = len(failures)
    attempts = f"{n} attempt{'s' if n != 1 else ''}"
    if all(_is_timeout(exc) for exc in failures):
        what = (
            f"timed out after {attempts} (no data for {DOWNLOAD_TIMEOUT:g} s each: the "
            "server does not answer, or the network is down)"
        )
    else:
        what = f"failed after {attempts} (the connection was refused, reset or dropped)"
    return ConnectionError(
        f"Downloading {entry.filename!r} for dataset {entry.name!r} from {url} {what}. "
        f"Last error: {failures[-1]}. Check the network connection and try again later, "
        f"or set {MIRROR_ENV} to a folder holding {entry.filename!r} (nothing is then "
        "downloaded)."
    )


def _retrieve(entry: ThirdPartyFile, url: str, folder: Path) -> Path:
    """Download ``url`` into ``folder`` with pooch, verifying the registered hash.

    Each attempt waits at most ``DOWNLOAD_TIMEOUT`` seconds for the server; a
    timeout or a dropped connection is retried, up to ``DOWNLOAD_ATTEMPTS`` tries.
    """
    import pooch
    import requests

    transient = (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                 requests.exceptions.ChunkedEncodingError)
    failures: list[Exception] = []
    for _ in range(DOWNLOAD_ATTEMPTS):
        try:
            return Path(pooch.retrieve(
                url,
                known_hash=f"sha256:{entry.sha256}",
                fname=entry.filename,
                path=folder,
                downloader=pooch.HTTPDownloader(timeout=DOWNLOAD_TIMEOUT, progressbar=False),
                progressbar=False,
            ))
        except requests.exceptions.InvalidURL as exc:  # a ValueError too: not a hash mismatch
            raise ValueError(
                f"Cannot download {entry.filename!r} for dataset {entry.name!r}: {url!r} is not a "
                f"valid address ({exc}). Check the registered URL, or set {MIRROR_ENV} to a folder "
                "holding the file."
            ) from exc
        except ValueError as exc:  # pooch's hash mismatch (pooch deletes the file)
            raise ValueError(
                f"Downloaded {entry.filename!r} for dataset {entry.name!r} from {url}, but "
                f"its SHA-256 does not match the registered {entry.sha256}; the file was "
                f"not saved. The server sent different bytes (a moved or changed file, a "
                f"truncated transfer, or a proxy error page). Check the URL, or set "
                f"{MIRROR_ENV} to a folder holding the registered file. Details: {exc}"
            ) from exc
        except transient as exc:  # worth one more try
            failures.append(exc)
        except Exception as exc:  # HTTP errors (404, 500...): trying again would not help
            raise ConnectionError(
                f"Could not download {entry.filename!r} for dataset {entry.name!r} from "
                f"{url}: {exc}. Check the URL and the network connection, or set "
                f"{MIRROR_ENV} to a folder holding the file."
            ) from exc
    raise _network_error(entry, url, failures) from failures[-1]


def _download(entry: ThirdPartyFile, url: str, target: Path) -> None:
    """Download ``url`` to ``target``, verified; on any failure leave nothing behind."""
    # Download into a private temporary folder, then move into place, so that a failed,
    # refused or interrupted (Ctrl-C) download never leaves a partial or wrong file.
    tmpdir = _make_download_dir(target.parent)
    try:
        os.replace(_retrieve(entry, url, tmpdir), target)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _from_cache(entry: ThirdPartyFile, url: str, refetch: bool) -> Path:
    path = _check_cache_paths(entry, _cache_dir())
    if path.exists() and not refetch:
        actual = _sha256(path)
        if actual != entry.sha256:
            raise ValueError(
                f"The cached file {entry.filename!r} at {str(path.resolve())!r} does not "
                f"match its registered SHA-256 (expected {entry.sha256}, got {actual}); it "
                f"is corrupted or was changed. To fix it, delete it or call "
                f"scaling_utils.data.load({entry.name!r}, refetch=True)."
            )
        return path
    _download(entry, url, path)
    actual = _sha256(path)  # verify again what is now on disk
    if actual != entry.sha256:
        raise ValueError(
            f"The downloaded file {entry.filename!r} at {str(path)!r} has SHA-256 "
            f"{actual}, expected {entry.sha256}. Delete it and try again, or call "
            f"scaling_utils.data.load({entry.name!r}, refetch=True)."
        )
    return path


# --------------------------------------------------------------------------- collections
_INDEX_COLUMNS = ["file", "url", "sha256", "bytes"]


def _collection_index(entry: ThirdPartyCollection) -> pd.DataFrame:
    """The committed, hash-pinned index of a collection's files."""
    index = _read_committed(entry)
    if list(index.columns) != _INDEX_COLUMNS or index["file"].duplicated().any():
        raise ValueError(
            f"The index {str(entry.path)!r} of dataset {entry.name!r} must have the columns "
            f"{_INDEX_COLUMNS} and one row per file; found {list(index.columns)}. Rewrite it with "
            f"`python {entry.generator}`.")
    return index


def _members(entry: ThirdPartyCollection, index: pd.DataFrame) -> list[ThirdPartyFile]:
    """One :class:`ThirdPartyFile` per indexed file (its ``filename`` is its path)."""
    return [ThirdPartyFile(name=entry.name, filename=row.file, url=row.url, sha256=row.sha256,
                           licence=entry.licence, citation=entry.citation,
                           description=entry.description, used_in=entry.used_in, postprocess=_raw)
            for row in index.itertuples(index=False)]


def _verified(member: ThirdPartyFile, path: Path, where: str, advice: str) -> bytes:
    """The bytes of ``path``, which must hash to the member's registered SHA-256."""
    raw = path.read_bytes()
    actual = hashlib.sha256(raw).hexdigest()
    if actual != member.sha256:
        raise ValueError(
            f"The {where} copy of {member.filename!r} (dataset {member.name!r}) at "
            f"{str(path.resolve())!r} does not match its registered SHA-256 (expected "
            f"{member.sha256}, got {actual}): it is not the registered file or it was "
            f"corrupted. {advice}")
    return raw


class _Progress:
    """A one-line progress bar on standard error for a collection's first download."""

    def __init__(self, name: str, total: int):
        self.name, self.total, self.done, self.stream = name, total, 0, sys.stderr

    def step(self) -> None:
        self.done += 1
        filled = round(30 * self.done / self.total)
        end = "\n" if self.done == self.total else ""
        self.stream.write(f"\rDownloading {self.name}: [{'#' * filled}{'.' * (30 - filled)}] "
                          f"{self.done}/{self.total} files{end}")
        self.stream.flush()


def _collection_files(entry: ThirdPartyCollection, refetch: bool) -> tuple[Path, list[tuple[str, bytes]]]:
    """The folder a collection's files are in, and ``(file, bytes)`` of each, all verified."""
    members = _members(entry, _collection_index(entry))
    mirror = os.environ.get(MIRROR_ENV)
    if mirror is not None:  # set, even if empty: never go online
        folder = _mirror_dir(mirror)
        files = []
        for member in members:
            path = folder / member.filename
            if not path.is_file():
                raise ValueError(
                    f"{MIRROR_ENV} is set to {str(folder)!r}, but that folder has no file "
                    f"{member.filename!r} (one of the {len(members)} files of dataset "
                    f"{entry.name!r}). Put the file there, or unset {MIRROR_ENV} to download it "
                    f"from {member.url}.")
            advice = f"Restore it from {member.url}, or unset {MIRROR_ENV} to download the files."
            files.append((member.filename, _verified(member, path, "mirror", advice)))
        return folder, files
    folder = _cache_dir()
    missing = [m for m in members if refetch or not (folder / m.filename).is_file()]
    progress = _Progress(entry.name, len(missing)) if missing else None
    for member in missing:
        target = folder / member.filename
        single = ThirdPartyFile(**{**member.__dict__, "filename": target.name})
        _check_cache_paths(single, target.parent)
        _download(single, member.url, target)
        progress.step()
    advice = (f"Delete it, or call scaling_utils.data.load({entry.name!r}, refetch=True) to "
              "download every file again.")
    return folder, [(m.filename, _verified(m, folder / m.filename, "cached", advice)) for m in members]


# --------------------------------------------------------------------------- public API
def fetch(name: str, *, refetch: bool = False, url: str | None = None) -> Path:
    """Return the local, hash-verified path of a registered third-party file.

    Parameters
    ----------
    name : str
        A third-party dataset name (``kind == "third_party"`` in :func:`available`).
    refetch : bool, default False
        Download again even if a cached copy exists (use it to repair a corrupted cache).
        Has no effect when the mirror variable is set: the mirror is only read.
    url : str, optional
        Download from this ``http://`` or ``https://`` address instead of the registered,
        commit-pinned URL.  The file must still have the registered SHA-256.  Not used
        when the mirror variable ``SCALING_UTILS_DATA_MIRROR`` is set.

    Returns
    -------
    pathlib.Path
        Path of the verified file: ``$SCALING_UTILS_DATA_MIRROR/<file>`` if that variable
        is set, otherwise ``<cache>/<file>``, downloaded on first use.

    Raises
    ------
    ValueError
        Unknown, transcribed or generated ``name``; a bad argument; the mirror variable
        set but empty, or naming something that is not a folder; a missing mirror file;
        a file (mirror, cache or fresh download) whose SHA-256 differs from the
        registered one (nothing is saved).
    ConnectionError
        The download failed: an HTTP error, or the server did not answer within
        ``DOWNLOAD_TIMEOUT`` seconds (or dropped the connection) on each of
        ``DOWNLOAD_ATTEMPTS`` tries (about 8 s in all).
    OSError
        The cache cannot be used: ``NotADirectoryError`` if a file stands where the cache
        folder should be, ``IsADirectoryError`` if ``<cache>/<file>`` is a folder,
        ``PermissionError`` if the cache is not writable.  Set ``SCALING_UTILS_CACHE``
        to another folder.

    Notes
    -----
    Follows the project's data rule (``../shared/data/README.md``): third-party files are
    registered by pinned URL and SHA-256, never committed, and verified on every load.
    Downloads use :func:`pooch.retrieve` with :class:`pooch.HTTPDownloader` into a
    private temporary folder in the cache, moved into place only once verified: a
    failed or interrupted download (including Ctrl-C) leaves nothing behind.
    """
    entry = _check_name(name)
    refetch = _check_bool("refetch", refetch)
    url = _check_url(url)
    if isinstance(entry, ThirdPartyCollection):
        if url is not None:
            raise ValueError(
                f"`url` replaces the address of a single file; {name!r} is a collection of files, "
                "each with its own registered URL. Pass url=None.")
        return _collection_files(entry, refetch)[0]
    if not isinstance(entry, ThirdPartyFile):
        raise ValueError(
            f"{name!r} is a {entry.kind} dataset committed at {entry.path}; there is "
            f"nothing to fetch. Use scaling_utils.data.load({name!r})."
        )
    mirror = os.environ.get(MIRROR_ENV)
    if mirror is not None:  # set, even if empty: never go online
        return _from_mirror(entry, mirror)
    return _from_cache(entry, url or entry.url, refetch)


def load(name: str, *, refetch: bool = False, raw: bool = False) -> pd.DataFrame:
    """Load a registered dataset as a :class:`pandas.DataFrame`.

    Parameters
    ----------
    name : str
        Dataset name; see :func:`available` for the list.
    refetch : bool, default False
        For third-party files, download again even if a cached copy exists.  Ignored for
        transcribed tables.
    raw : bool, default False
        For third-party files, return the file's frame as read (CSV columns, or the
        unpickled frame of a Porian et al. pickle with its nested IsoFLOP frames and the
        authors' fits), before the registry's tidying.  Ignored for committed tables.

    Returns
    -------
    pandas.DataFrame
        A fresh frame (safe to modify).  ``chinchilla_points`` has columns exactly
        ``N`` (parameters), ``D`` (tokens, derived as ``C / (6 N)``), ``C`` (training
        FLOP) and ``loss`` (nats/token), all 245 rows in file order.  The Observational
        Scaling Laws files keep their raw columns (``obs_scaling_benchmarks``: 148 rows;
        ``obs_scaling_emergent``: 84 rows).  ``misfitting_runs`` (261 runs) and
        ``misfitting_checkpoints`` (4,852 checkpoints) keep their raw columns; the four
        ``porian2024_*`` pickles become one row per run (``step``, setting columns, ``C``,
        ``N``, ``D``, ``loss``), unpickled only through :func:`read_pickle_allowlisted`.
        Transcribed and generated tables are read as committed, after their bytes are
        checked against the pinned SHA-256; their columns are described in
        ``data/<name>/README.md``.

    Raises
    ------
    ValueError
        Unknown ``name`` (the message lists the known names and suggests the closest);
        bad arguments; a third-party file failing its hash check; or a committed CSV that
        does not match its pinned SHA-256 (an edited number, a typo, a renamed column,
        lost rows, a web page saved in its place).  The message names the file, both
        hashes and the command that re-pins it after a reviewed change,
        ``python scripts/pin_data.py <name>``.
    FileNotFoundError
        A committed CSV is missing (the package is not installed from the repository).
    ConnectionError, OSError
        As for :func:`fetch`, when a third-party file must be downloaded.

    See Also
    --------
    fetch : where a third-party file comes from, and how it is verified.
    available : the registry as a table.
    """
    entry = _check_name(name)
    refetch = _check_bool("refetch", refetch)
    raw = _check_bool("raw", raw)
    if isinstance(entry, ThirdPartyCollection):
        files = _collection_files(entry, refetch)[1]  # every file hash-verified before parsing
        return entry.raw_parse(files) if raw else entry.parse(files)
    if isinstance(entry, ThirdPartyFile):
        path = fetch(name, refetch=refetch)  # hash-verified before it is parsed or unpickled
        frame = read_pickle_allowlisted(path) if entry.reader == "pandas_pickle_xz" else pd.read_csv(path)
        return frame if raw else entry.postprocess(frame)
    return _read_committed(entry)


def available() -> pd.DataFrame:
    """List every registered dataset.

    Returns
    -------
    pandas.DataFrame
        One row per dataset, sorted by ``name``, with columns ``name``, ``kind``
        (``"transcribed"``, ``"generated"`` or ``"third_party"``), ``description``,
        ``source`` (citation), ``licence``, ``url`` (pinned download address; for
        generated tables, the generator script; empty for transcribed tables),
        ``sha256`` (the registered hash: for third-party files the one every download
        must match, for transcribed and generated tables the pin that :func:`load` checks
        the committed CSV against; never a hash of whatever is on disk) and ``used_in``
        (comma-separated chapter names).
    """
    rows = []
    for entry in REGISTRY.values():
        url = getattr(entry, "url", None) or getattr(entry, "generator", "")
        rows.append(
            {
                "name": entry.name,
                "kind": entry.kind,
                "description": entry.description,
                "source": entry.citation,
                "licence": entry.licence,
                "url": url,
                "sha256": entry.sha256,
                "used_in": entry.used_in,
            }
        )
    return pd.DataFrame(rows).sort_values("name", ignore_index=True, kind="stable")
