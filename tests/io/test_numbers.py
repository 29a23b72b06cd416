"""How a figure's text becomes a number: the plain cast and the forgiving rules must agree on every kind of cell."""

import polars as pl
import pytest

from ecozone.io.validate import parse_number

CASES = [
    ("85", 85.0), ("-5", -5.0), ("0.85", 0.85), (".5", 0.5), ("1e3", 1000.0),  # read by the plain cast
    (" 85 ", 85.0), ("８５", 85.0), ("85%", 85.0), ("８５．５％", 85.5), ("1,234.5", 1234.5), ("1，234", 1234.0),
    ("12,345,678", 12345678.0),  # read by the forgiving rules
    ("0,85", None), ("8,5", None), ("1,0.5", None),  # a comma that is not a thousands separator
    ("nan", None), ("NaN", None), ("inf", None), ("-inf", None), ("1e999", None),  # not finite
    ("", None), ("无", None), ("abc", None), (None, None),
]


@pytest.mark.parametrize(("text", "number"), CASES)
def test_each_kind_of_cell_reads_as_a_spreadsheet_user_means_it(text: str | None, number: float | None) -> None:
    read = pl.DataFrame({"text": [text]}, schema={"text": pl.String}).select(parse_number(pl.col("text")))
    assert read.item() == number


def test_a_column_mixing_plain_and_forgiving_cells_keeps_each_row_its_own_value() -> None:
    texts = [text for text, _ in CASES]
    read = pl.DataFrame({"text": texts}, schema={"text": pl.String}).select(parse_number(pl.col("text")))
    assert read.to_series().to_list() == [number for _, number in CASES]
