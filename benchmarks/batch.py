"""Benchmark: `ecozone batch` end to end on the synthetic national panel, Parquet in → Parquet out.

    python -m benchmarks.batch [--years 2014-2023] [--runs 3]

Generates the panel (2,851 county-level units × 10 years, not timed), then times the batch command's
own function (reading, following code changes, assessing province by province, writing, printing
the summary) and, as a floor measured in the same run on the same machine, one polars pass that
reads the same observations file and takes a mean per region. Prints both and their ratio, so a
regression shows whatever the machine's speed. Target: under 5 s. Never part of the test run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import tempfile
import time
from pathlib import Path

import polars as pl

from ecozone.catalogue import load_standard
from ecozone.cli import national as cli


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", default="2014-2023")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        panel = Path(folder) / "panel"
        with contextlib.redirect_stdout(io.StringIO()):
            cli.synth(output=panel, regions="all", years=args.years, standard="mee-2019", seed=1)
        rows = pl.scan_parquet(panel / "observations.parquet").select(pl.len()).collect().item()
        print(f"panel: {pl.read_parquet(panel / 'regions.parquet').height:,} regions, {rows:,} observations; "
              f"polars {pl.__version__}, {pl.thread_pool_size()} threads")
        load_standard("mee-2019")
        batch, floor = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            (pl.scan_parquet(panel / "observations.parquet").group_by("region")
             .agg(pl.col("value").cast(pl.Float64, strict=False).mean()).collect())
            floor.append(time.perf_counter() - start)
            start = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                cli.batch(path=panel, output=Path(folder) / "results.parquet", standard="mee-2019", year=None, top=10)
            batch.append(time.perf_counter() - start)
        b, f = statistics.median(batch), statistics.median(floor)
        print(f"batch end to end   median {b:6.2f} s  (runs: {', '.join(f'{x:.2f}' for x in batch)})  target < 5 s  "
              f"{'met' if b < 5 else 'NOT met'}")
        print(f"floor (read + mean) median {f:6.2f} s   ratio batch/floor {b / f:5.1f}×")


if __name__ == "__main__":
    main()
