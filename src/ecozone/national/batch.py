"""The national batch: every county-level unit evaluated a chunk of provinces at a time.

Each chunk goes through the one evaluation (``evaluation.evaluate``) with the panel's years, so
a region is judged exactly as ``ecozone assess`` would judge it alone. The results are one row
per (region, indicator) with the region's verdict, and a summary by province.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ecozone._files import atomic_path
from ecozone.api import load_dataset
from ecozone.catalogue import LoadedStandard, load_metrics
from ecozone.dataset import Dataset
from ecozone.engine.trend import years_read
from ecozone.errors import Location, UsageError
from ecozone.evaluation import evaluate, judged_year_among
from ecozone.national.panel import (
    BULK,
    Panel,
    open_figures_file,
    open_panel,
    panel_of,
    reads_in_chunks,
)
from ecozone.regions.register import fill_zones, follow_code_changes, retired_codes, unknown_codes
from ecozone.vocabulary import STATUS, VERDICT

__all__ = ["OUTPUT_FORMATS", "BatchResult", "check_output", "common_weak_points", "open_batch_panel", "run_batch",
           "verdicts_by_province", "write_parts"]

# called with (provinces in the chunk, regions done in it) as each chunk finishes
Progress = Callable[[list[str], int], None]


@dataclass(frozen=True)
class BatchResult:
    year: int
    verdicts: pl.DataFrame  # one row per region
    weak: pl.DataFrame  # per gating indicator: regions where it is not met (indicator_id, number, name, regions)
    rows: int  # (region, indicator) rows written
    read: tuple[int, int] | None  # the first and last year whose figures were read (None: every year was)
    unknown: list[str]  # codes not in the register (judged all the same)
    retired: list[str]  # of those, withdrawn codes that cannot be followed to a current one ("code name")


def open_batch_panel(path: Path, standard: LoadedStandard, profiles: Path | None = None) -> Panel:
    """A dataset folder (its figures one file or Parquet partitions), one bare figures file (Parquet or CSV), or a
    workbook."""
    metrics = load_metrics()
    if reads_in_chunks(path):
        return open_panel(path, metrics)
    if path.is_file() and path.suffix.lower() in (".parquet", ".csv"):  # a bare figures file: the register
        return open_figures_file(path, metrics, profiles)
    return panel_of(load_dataset(path, standard=standard, accept_warnings=BULK))  # a workbook, read whole


def run_batch(standard: LoadedStandard, panel: Panel, year: int | None = None, output: Path | None = None,
              progress: Progress | None = None) -> BatchResult:
    """Evaluate every region of ``panel``; write the indicator rows to ``output`` when given.

    Each chunk's rows leave memory as the chunk finishes (a part file beside the output, joined into it at the end
    by a streaming copy), so what the batch holds is one chunk, the verdicts and the weak-point counts — not the
    country's indicator rows."""
    unknown = unknown_codes(panel.regions["code"])
    retired = [f"{code} {retired_codes()[code]}" for code in unknown if code in retired_codes()]
    judged = judged_year_among(standard, panel.years, year)
    read = years_read(judged, standard.standard.parameters.trend_window)
    if output is not None:
        check_output(output)
    regions_out, weak_parts, rows = [], [], 0
    with tempfile.TemporaryDirectory(prefix=".ecozone-batch-", dir=output.parent if output else None) as folder:
        parts: list[Path] = []
        for chunk in _read_ahead(panel.chunks(read)):  # one chunk judged while the next is read
            part = Dataset(fill_zones(chunk.regions), follow_code_changes(chunk.observations), chunk.assigned)
            evaluation = evaluate(standard, part, judged, vetoes=False, years=panel.years)
            regions_out.append(evaluation.regions)
            indicators = evaluation.indicators.join(
                evaluation.regions.select("region", region_name="name", verdict="verdict"), on="region")
            weak_parts.append(indicators.filter((pl.col("status") == "not_met") & pl.col("gates"))
                              .group_by("indicator_id", "number", "name").agg(regions=pl.len()))
            rows += indicators.height
            if output is not None:
                parts.append(Path(folder) / f"{len(parts):05d}.parquet")
                _coded(indicators).write_parquet(parts[-1])
            del evaluation, indicators
            if progress is not None:
                progress(chunk.regions["code"].str.slice(0, 2).unique(maintain_order=True).to_list(),
                         chunk.regions.height)
        if output is not None:
            write_parts(parts, output)
    weak = (pl.concat(weak_parts).group_by("indicator_id", "number", "name").agg(pl.col("regions").sum())
            if weak_parts else pl.DataFrame(schema={"indicator_id": pl.String, "number": pl.Int64,
                                                    "name": pl.String, "regions": pl.UInt32}))
    return BatchResult(judged, pl.concat(regions_out), weak, rows, read if panel.by_year else None, unknown,
                       retired)


def _read_ahead(chunks: Iterator[Dataset]) -> Iterator[Dataset]:
    """The chunks in order, the next one read (and validated) on a second thread while the caller judges this one.

    Reading is mostly polars work that releases the GIL, judging mostly Python driving polars: on two cores the
    national batch goes 3.25–3.38 → 2.76–3.08 s, holding one more chunk of figures (not of results). A reading error
    is raised here, in order, when its chunk is due."""
    with ThreadPoolExecutor(1, thread_name_prefix="ecozone-read") as reader:
        due = reader.submit(next, chunks, None)
        while (chunk := due.result()) is not None:
            due = reader.submit(next, chunks, None)
            yield chunk


OUTPUT_FORMATS = (".parquet", ".csv", ".xlsx")


def check_output(output: Path) -> None:
    """Refuse, before any work, an output whose extension names no format the batch writes."""
    if output.suffix.lower() not in OUTPUT_FORMATS:
        raise UsageError(f"不支持的结果文件类型「{output.suffix or '（无扩展名）'}」", Location(file=str(output)),
                         expected="、".join(OUTPUT_FORMATS) + "（按扩展名决定格式）")


def _coded(indicators: pl.DataFrame) -> pl.DataFrame:
    """Status and verdict as the codebook's Enums: a reader of the Parquet sees the closed set and its order."""
    return indicators.with_columns(pl.col("status").cast(STATUS.dtype), pl.col("verdict").cast(VERDICT.dtype))


def write_parts(parts: list[Path], output: Path) -> None:
    """Part files joined into the format the extension names, without holding them all: Parquet by a streaming
    copy; CSV (UTF-8 with a BOM, so Excel reads the Chinese) appended part by part; an Excel workbook, which holds
    at most a million rows anyway, in one go."""
    check_output(output)
    suffix = output.suffix.lower()
    with atomic_path(output) as tmp:
        if suffix == ".parquet":
            if parts:
                pl.scan_parquet(parts).sink_parquet(tmp)
            else:
                pl.DataFrame().write_parquet(tmp)
        elif suffix == ".csv":
            with tmp.open("wb") as fh:
                fh.write(b"\xef\xbb\xbf")
                for k, part in enumerate(parts):
                    pl.read_parquet(part).select(pl.exclude(pl.List)).write_csv(fh, include_header=k == 0)
        else:
            frame = pl.read_parquet(parts) if parts else pl.DataFrame()
            frame.select(pl.exclude(pl.List)).write_excel(tmp, worksheet="结果", autofit=False)


def verdicts_by_province(verdicts: pl.DataFrame) -> pl.DataFrame:
    """Regions per verdict and province (code ``pp0000``), verdict columns in the codebook's order."""
    counts = (verdicts.with_columns(province=pl.col("region").str.slice(0, 2) + "0000")
              .pivot(on="verdict", index="province", values="region", aggregate_function="len")
              .fill_null(0).sort("province"))
    return counts.select("province", *(v for v in VERDICT.codes if v in counts.columns))


def common_weak_points(weak: pl.DataFrame, top: int) -> pl.DataFrame:
    """The binding indicators most often not met (from ``BatchResult.weak``), with how many regions miss each."""
    return weak.sort("regions", "number", descending=[True, False]).head(top)
