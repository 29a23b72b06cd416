"""Benchmark: the four reports for one county, and the board workbook for 100 counties.

    python -m benchmarks.reports          (from the repository root)

Prints figures; never part of the test run. Targets ([5/10]): one county's four reports ≤ 3 s; the sample's
eight counties in parallel, proportional to one county × 8 / cores.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import polars as pl
from tests.conftest import SAMPLE

from ecozone import api, load_standard
from ecozone.dataset import Dataset
from ecozone.reports.charts import board_heatmap
from ecozone.reports.workbook import write_results_workbook


def _floors(folder: Path) -> dict[str, float]:
    """Each format's library writing a one-line document in the same run: what the format costs at least."""
    from docx import Document
    from openpyxl import Workbook
    from weasyprint import HTML

    folder.mkdir(parents=True, exist_ok=True)
    writers = {
        "docx": lambda: _saved(Document(), folder / "floor.docx"),
        "xlsx": lambda: _saved(Workbook(), folder / "floor.xlsx"),
        "pdf": lambda: HTML(string="<p>石门县</p>").write_pdf(folder / "floor.pdf"),
    }
    floors = {}
    for fmt, write in writers.items():
        write()  # warm
        start = time.perf_counter()
        write()
        floors[fmt] = max(time.perf_counter() - start, 1e-4)
    return floors


def _saved(document: object, path: Path) -> None:
    document.save(path)  # type: ignore[attr-defined]


def main() -> None:
    dataset = api.load_dataset(SAMPLE)
    run = api.evaluate(load_standard("mee-2019"), dataset, vetoes=True)
    with tempfile.TemporaryDirectory() as tmp:
        for attempt in ("first (imports, font load)", "second"):
            start = time.perf_counter()
            api.write_region_reports(run, ["docx", "xlsx", "pdf", "html"], ["990104"], Path(tmp) / attempt)
            print(f"four reports for one county, {attempt}: {time.perf_counter() - start:.2f} s")
        codes = run.regions["region"].to_list()
        for workers in (1, None):
            start = time.perf_counter()
            api.write_region_reports(run, ["docx", "xlsx", "pdf", "html"], codes, Path(tmp) / f"all-{workers}",
                                     workers=workers)
            label = "one process" if workers == 1 else "one process per core"
            print(f"four reports for each of {len(codes)} counties, {label}: {time.perf_counter() - start:.2f} s")
        floors = _floors(Path(tmp))
        for fmt in ("docx", "xlsx", "pdf", "html"):
            start = time.perf_counter()
            api.write_region_reports(run, [fmt], ["990104"], Path(tmp) / fmt)
            took = time.perf_counter() - start
            floor = f"; floor {floors[fmt]:.3f} s, ratio {took / floors[fmt]:.0f}×" if fmt in floors else ""
            print(f"  {fmt} alone: {took:.2f} s{floor}")

        # a board of 100 counties: the sample's eight counties repeated under new codes
        copies = []
        for k in range(13):
            code = pl.col("code").str.slice(0, 4) + pl.lit(f"{k:02d}") + pl.col("code").str.slice(5, 1)
            copies.append(dataset.regions.with_columns(code=code, name=pl.col("name") + str(k)))
        regions = pl.concat(copies).head(100)
        mapping = {}
        for k in range(13):
            for original in dataset.regions["code"]:
                mapping[original[:4] + f"{k:02d}" + original[5]] = original
        observations = pl.concat([
            dataset.observations.filter(pl.col("region") == original).with_columns(region=pl.lit(new))
            for new, original in mapping.items() if new in set(regions["code"])
        ])
        assigned = pl.concat([
            dataset.assigned.filter(pl.col("region") == original).with_columns(region=pl.lit(new))
            for new, original in mapping.items() if new in set(regions["code"])
        ]) if dataset.assigned is not None else None
        board = Dataset(regions, observations, assigned)
        start = time.perf_counter()
        result = api.evaluate(load_standard("mee-2019"), board)
        write_results_workbook(result, Path(tmp) / "board.xlsx",
                               {"指标判定矩阵": board_heatmap(result.indicators, result.names)}, with_plan=True)
        print(f"board workbook for {result.regions.height} counties (assess + outlook + workbook): "
              f"{time.perf_counter() - start:.2f} s, {(Path(tmp) / 'board.xlsx').stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
