"""The Epoch AI tables (issue 16): row counts, values against the raw files, strict parsing.

The registry-wide checks (pinned hash, hash mismatch and missing-file messages, licence and
citation present) run on these entries in tests/test_data.py like on every third-party file.
Here: each loader returns every row of its file, the values the trends chapter quotes are the
file's own, and a cell that does not parse is an error rather than a silent NaN.
"""
import csv
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scaling_utils import data

MIRROR = os.environ.get("SCALING_UTILS_DATA_MIRROR")
pytestmark = pytest.mark.skipif(not MIRROR or not Path(MIRROR, "epoch_model_costs.csv").is_file(),
                                reason="needs the data mirror (SCALING_UTILS_DATA_MIRROR)")

ROWS = {  # name: (rows, columns), as the files have them (MANIFEST.json; counted with csv)
    "epoch_models": (1892, 57),
    "epoch_hardware": (5775, 53),
    "epoch_hardware_prices": (591, 13),
    "epoch_model_costs": (82, 4),
    "epoch_model_costs_updated": (61, 2),
    "epoch_dataset_sizes": (80, 5),
}


def _raw_rows(name):
    """The file's rows as the csv module reads them (no pandas), keyed by column name.

    The hardware file starts with a byte-order mark (utf-8-sig) and has one row holding only a
    name: its missing cells read as "" (blank), as pandas reads them as NaN.
    """
    path = Path(MIRROR, data.REGISTRY[name].filename)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [{key: value or "" for key, value in row.items()} for row in csv.DictReader(handle, restval="")]


@pytest.mark.parametrize("name", sorted(ROWS))
def test_every_row_and_column_of_the_file(name):
    frame = data.load(name)
    assert frame.shape == ROWS[name]
    assert len(_raw_rows(name)) == ROWS[name][0]


def test_gpt4_costs_are_the_files():
    """Cottier et al.'s three estimates for GPT-4 (2023 USD), read from the file with csv."""
    costs = data.load("epoch_model_costs").set_index("Model")
    raw = {row["Model"]: row for row in _raw_rows("epoch_model_costs")}["GPT-4"]
    for column in ("Cloud_Cost", "Hardware_Acquisition_Cost", "Hardware_Capex_Energy_Cost"):
        assert costs.loc["GPT-4", column] == float(raw[column])
    # The rounded values the issue quotes: cloud $78.6M, acquisition $778M, amortised $40.7M.
    assert round(costs.loc["GPT-4", "Cloud_Cost"] / 1e6, 1) == 78.6
    assert round(costs.loc["GPT-4", "Hardware_Acquisition_Cost"] / 1e6) == 778
    assert round(costs.loc["GPT-4", "Hardware_Capex_Energy_Cost"] / 1e6, 1) == 40.7


def test_dollar_amounts_are_parsed_not_dropped():
    """Epoch writes some amounts as '$6770000.00': every non-blank cell becomes a number."""
    models = data.load("epoch_models")
    raw = _raw_rows("epoch_models")
    column = "Training compute cost (2023 USD)"
    written = [row[column] for row in raw if row[column].strip()]
    assert written and all(text.startswith("$") for text in written)
    assert models[column].notna().sum() == len(written)
    gpt4 = [row for row in raw if row["Model"] == "GPT-4"]
    assert len(gpt4) == 1
    assert models.loc[models["Model"] == "GPT-4", column].item() == float(gpt4[0][column].lstrip("$"))
    hardware = data.load("epoch_hardware")
    price = "Release price (USD)"
    assert hardware[price].notna().sum() == sum(1 for row in _raw_rows("epoch_hardware") if row[price].strip())
    assert hardware.columns[0] == "Hardware name"  # the byte-order mark is not part of the name


def test_dates_and_numbers_have_their_types():
    models = data.load("epoch_models")
    assert pd.api.types.is_datetime64_any_dtype(models["Publication date"])
    assert models["Publication date"].notna().all()
    gpt3 = models[models["Model"] == "GPT-3 175B (davinci)"]
    assert len(gpt3) == 1
    assert gpt3["Publication date"].item() == pd.Timestamp("2020-05-28")
    raw = {row["Model"]: row for row in _raw_rows("epoch_models")}["GPT-3 175B (davinci)"]
    assert gpt3["Training compute (FLOP)"].item() == float(raw["Training compute (FLOP)"])
    sizes = data.load("epoch_dataset_sizes")
    assert pd.api.types.is_datetime64_any_dtype(sizes["date"])
    assert sizes["dataset"].dtype == float and (sizes["dataset"] > 0).all()


def test_a_cell_that_does_not_parse_is_an_error():
    postprocess = data.REGISTRY["epoch_model_costs_updated"].postprocess
    good = pd.DataFrame({"Model": ["a", "b", "c"], "Cost": ["1.5", "", "$2,000.00"]})
    out = postprocess(good)
    assert out["Cost"].iloc[0] == 1.5 and np.isnan(out["Cost"].iloc[1]) and out["Cost"].iloc[2] == 2000.0
    with pytest.raises(ValueError, match=r"column 'Cost' are not a number.*about"):
        postprocess(pd.DataFrame({"Model": ["a"], "Cost": ["about 3M"]}))
    dated = data.REGISTRY["epoch_dataset_sizes"].postprocess
    frame = pd.DataFrame({"system": ["x"], "category": ["Language"], "date": ["March 2023"],
                          "comp": [1.0], "dataset": [2.0]})
    with pytest.raises(ValueError, match=r"column 'date' are not a date YYYY-MM-DD"):
        dated(frame)


def test_a_missing_column_names_the_file():
    postprocess = data.REGISTRY["epoch_model_costs"].postprocess
    with pytest.raises(ValueError, match=r"epoch_model_costs.csv lacks column\(s\) \['Cloud_Cost'"):
        postprocess(pd.DataFrame({"Model": ["a"]}))
