"""How a number reads in an explanation: exact enough that a miss never prints equal to its target, never longer
than it needs to be."""

import polars as pl
import pytest

from ecozone.engine.explain import num_text

CASES = [
    (85.0, "85"), (100.0, "100"), (0.0, "0"), (-0.0, "0"), (23.98, "23.98"), (79.6, "79.6"), (-5.5, "-5.5"),
    (1200.0, "1200"), (19.99512, "19.9951"), (19.99999, "20"),  # four decimals at most
    (0.0049, "0.0049"), (0.00049, "0.00049"), (0.000123, "0.00012"),  # below 1: two significant digits kept
    (1e-5, "0.00001"), (3.6e-6, "0.0000036"), (-1e-8, "-0.00000001"),  # never 3.6e-6 in a report
    (float("nan"), "—"), (float("inf"), "—"), (float("-inf"), "—"), (None, "—"),
]


@pytest.mark.parametrize(("value", "text"), CASES)
def test_a_number_reads_as_the_report_prints_it(value: float | None, text: str) -> None:
    said = pl.DataFrame({"v": [value]}, schema={"v": pl.Float64}).select(num_text(pl.col("v"))).item()
    assert said == text
