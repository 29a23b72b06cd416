"""Benchmark: importing a prefecture's board workbook and a national tidy file.

    python -m benchmarks.excel_import [--regions 100]      (from the repository root)

Prints figures; never part of the test run. Target: the 100-region workbook validates in
under 2 s on the 2-core machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import polars as pl
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from ecozone import load_standard
from ecozone.catalogue import load_metrics
from ecozone.engine import assess
from ecozone.io.excel import layout as L
from ecozone.io.excel.read import read_workbook
from ecozone.io.excel.template import write_template
from ecozone.io.tables import read_dataset
from ecozone.regions.profile import FLAGS, TERRAINS, ZONES

YEARS = [2019, 2020, 2021, 2022, 2023]


def board(n: int, path: Path) -> None:
    """A filled board workbook of ``n`` counties (995001 …: codes the sample does not use)."""
    rng = random.Random(3)
    profiles = pl.DataFrame(
        {"code": [f"995{i:03d}" for i in range(1, n + 1)], "name": [f"测试县{i}" for i in range(n)],
         "level": ["县"] * n,
         "parent": ["990100"] * n, "terrain": rng.choices(TERRAINS, k=n), "zone": rng.choices(ZONES, k=n),
         "city_size": [None] * n, **{flag: [flag == "coastal" and i % 10 == 0 for i in range(n)] for flag in FLAGS}},
        schema_overrides={"city_size": pl.String},
    )
    standard = load_standard("mee-2019")
    write_template(standard, profiles, YEARS, path)
    metrics = load_metrics()
    book = load_workbook(path)
    for name in (L.SHEET_FIGURES, L.SHEET_ASSIGNED):
        sheet = book[name]
        header = {c.value: c.column for c in sheet[1]}
        for row in sheet.iter_rows(min_row=2):
            metric = metrics[row[header[L.COL_METRIC] - 1].value]
            for year in YEARS:
                value = metric.states[0] if metric.kind == "state" else round(rng.uniform(40, 100), 2)
                sheet.cell(row=row[0].row, column=header[str(year)], value=value)
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--regions", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    metrics = load_metrics()
    standard = load_standard("mee-2019")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "board.xlsx"
        start = time.perf_counter()
        board(args.regions, path)
        print(f"board workbook: {args.regions} regions × 5 years, {path.stat().st_size / 1024:.0f} KB "
              f"(built in {time.perf_counter() - start:.1f} s)")
        timings = []
        for _ in range(args.runs):
            start = time.perf_counter()
            report = read_workbook(path, metrics, standard)
            timings.append(time.perf_counter() - start)
        assert report.dataset is not None, report.problems.sorted()[:3]
        rows = report.cells.height if report.cells is not None else 0
        floor = []
        for _ in range(args.runs):  # the floor: calamine reading every sheet of the same file, nothing checked
            start = time.perf_counter()
            book = CalamineWorkbook.from_path(str(path))
            for name in book.sheet_names:
                book.get_sheet_by_name(name).to_python()
            floor.append(time.perf_counter() - start)
        ratio = statistics.median(timings) / statistics.median(floor)
        print(f"validate + import (ecozone check): median {statistics.median(timings):.2f} s, "
              f"min {min(timings):.2f} s over {args.runs} runs; {rows:,} cells, "
              f"{len(report.problems.items)} problems; floor (raw read) {statistics.median(floor):.2f} s, "
              f"ratio {ratio:.1f}×")
        start = time.perf_counter()
        result = assess(standard, report.dataset.regions, report.dataset.observations, 2023, report.dataset.assigned)
        print(f"assess the imported board: {time.perf_counter() - start:.2f} s, {result.regions.height} verdicts")

        from ecozone.national.synth import synthetic_panel

        panel = synthetic_panel(standard, None, list(range(2019, 2024)))
        profiles, observations = panel.regions, panel.observations
        folder = Path(tmp) / "national"
        folder.mkdir()
        profiles.select("code", "name", "level", "terrain", "zone", "city_size",
                        *[pl.col(f).cast(pl.String) for f in FLAGS]).write_csv(folder / "regions.csv")
        tidy = observations.select("region", "year", "metric",
                                   value=pl.coalesce(pl.col("value").cast(pl.String), pl.col("state")))
        tidy.write_csv(folder / "observations.csv")
        start = time.perf_counter()
        dataset = read_dataset(folder, metrics)
        print(f"tidy CSV import, {profiles.height:,} regions: {dataset.observations.height:,} rows "
              f"({(folder / 'observations.csv').stat().st_size / 1024 / 1024:.0f} MB) in "
              f"{time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
