"""A national panel, read a chunk of regions at a time so that memory holds one chunk of figures.

The figures may be one Parquet file (scanned once per chunk of whole provinces, only that chunk's
rows read), one CSV file (read once as text, its rows checked a chunk at a time), a folder of Parquet
partitions (``observations/52.parquet`` …) read a few partitions at a time, or a workbook read whole and
then cut. Files are read for the years the judgement uses (``engine.trend.years_read``): the figures of
other years are neither read into the judgement nor checked. Partitions must split by region: every year
of a region in one file. A region whose figures turn up in two chunks is an error, as a trend cut in two
would be silently wrong.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ecozone.catalogue.model import Metric
from ecozone.dataset import Dataset
from ecozone.errors import InputError, Location
from ecozone.io.tables import (
    _check_known_regions,
    _find,
    _in_years,
    _read_text_table,
    _rows_of,
    _year_number,
    assigned_from_text,
    observations_from_text,
    partition_files,
    read_known_observations,
    read_regions,
    regions_from_register,
)

__all__ = ["Panel", "open_figures_file", "open_panel", "panel_of", "reads_in_chunks", "regions_from_register"]


# Figures judged at once: chunks are sized by rows, not counted, so one engine call's working set does not grow with
# the country (a panel 16 times the national one is 16 times the chunks, not 16 times the chunk); the national
# panel (0.6 M figures of the judged years) is 5 chunks. With the results streamed out chunk by chunk
# (``national.batch``) and the batch's allocator settings (``cli.national.BATCH_ALLOCATOR``), peak memory is one
# chunk's: national 400,000 rows 321 MB, 350,000 273 MB (+3 % time), 300,000 268 MB (+8 %) (benchmarks/README.md,
# 2026-12-05, fifth session).
# Since the batch reads the next chunk while it judges one (``national.batch._read_ahead``), one more chunk of
# figures is held: 350,000 rows 304–309 MB, 300,000 285–295 MB, 250,000 256–262 MB (2026-12-06, seventh session).
# Since a Parquet panel is read for the judged years only (4 of the national panel's 10), a chunk of the same rows
# holds 2.5 times the regions, and the engine's working set follows regions: 300,000 rows 281–298 MB, 200,000
# 235–261 MB, 150,000 215–224 MB, all within noise of 1.41–1.51 s (7 runs each, eighth session).
CHUNK_ROWS = 150_000  # ECOZONE_CHUNK_ROWS overrides it (a machine with little memory, or a test of chunking)

# National statistics are read in bulk: a value needing a clerk's confirmation (a share typed as a
# fraction) is taken as it is, as ``--accept-warnings`` would; errors still stop the batch.
BULK = True


# the first and last year to read, or None for every year
Years = tuple[int, int] | None


@dataclass(frozen=True)
class Panel:
    regions: pl.DataFrame
    years: list[int]  # every year with a figure in the panel
    # the panel's chunks, their figures (and targets) of those years at least; a panel already in memory gives all
    chunks: Callable[[Years], Iterator[Dataset]]
    by_year: bool = False  # whether chunks read only the years asked for (a Parquet panel) or had read every year


def reads_in_chunks(path: Path) -> bool:
    """A dataset folder whose figures are one Parquet or CSV file, or a folder of Parquet partitions."""
    figures = _find(path, "observations") if path.is_dir() else None
    return figures is not None and (figures.is_dir() or figures.suffix.lower() in (".parquet", ".csv"))


def panel_of(dataset: Dataset, parts: int | None = None) -> Panel:
    """A dataset already in memory, cut into chunks of whole provinces."""
    chunks = parts or _parts_for(dataset.observations.height)
    return Panel(dataset.regions, dataset.years, lambda years: _cut(dataset, chunks))


def _parts_for(rows: int) -> int:
    size = int(os.environ.get("ECOZONE_CHUNK_ROWS") or CHUNK_ROWS)
    return max(1, -(-rows // max(size, 1)))


class _Table:
    """A figures or targets file read a chunk of regions and years at a time, its rows checked chunk by chunk: a
    Parquet file is scanned for each chunk; a CSV, which cannot be scanned by region, is read once as text."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.text = None if file.suffix.lower() == ".parquet" else _read_text_table(file)
        if self.text is None:
            _scan(file)  # a damaged file or a missing column is said now, not at the first chunk
        else:
            _required(self.text.columns, file)

    def lazy(self) -> pl.LazyFrame:
        return _scan(self.file) if self.text is None else self.text.lazy()

    def codes(self) -> list[str]:
        return (self.lazy().select(pl.col("region").cast(pl.String)).unique().collect(engine="streaming")
                ["region"].to_list())

    def years(self) -> list[int]:
        return _years([self.lazy()])

    def rows(self, years: Years) -> int:
        """Rows of those years (only the year column read; from a Parquet file's metadata when every year)."""
        count: int = (self.lazy().filter(_in_years(years)) if years else self.lazy()).select(pl.len()).collect().item()
        return count

    def cells(self, codes: Collection[str], years: Years) -> pl.DataFrame:
        """The rows of these regions and years as text, numbered as in the file."""
        if self.text is None:
            return _read_text_table(self.file, codes, years)
        # one chunk: polars 2.1 panics ("i < self.len()") validating a filtered many-chunk string column
        return _rows_of(self.text, codes, years).rechunk()

    def check_regions(self, regions: pl.DataFrame) -> None:
        """Every region of the file is in the register: only the region column is read."""
        column = self.lazy().select(pl.col("region").cast(pl.String))
        codes = column.unique().collect(engine="streaming")  # the distinct codes, not a column as long as the file
        if codes.filter(~pl.col("region").is_in(regions["code"].implode())).height:
            _check_known_regions(column.collect(), regions, str(self.file))  # to name the first row, count them


def open_panel(path: Path, metrics: Mapping[str, Metric], parts: int | None = None) -> Panel:
    """A dataset folder whose figures are one file or Parquet partitions (``reads_in_chunks``): regions read now,
    figures and targets chunk by chunk."""
    figures = _find(path, "observations")
    assert figures is not None and reads_in_chunks(path), "open_panel needs reads_in_chunks(path)"
    regions_file = _find(path, "regions")
    if regions_file is None:
        raise InputError("文件夹中缺少 regions 文件", Location(file=str(path)),
                         expected="regions.csv 或 regions.parquet")
    regions = read_regions(regions_file)
    assigned_file = _find(path, "assigned")
    targets = _Table(assigned_file) if assigned_file is not None and assigned_file.is_file() else None
    source = _Table(figures) if figures.is_file() else None  # else partitions, each checked as it is read
    for table in (source, targets):
        if table is not None:
            table.check_regions(regions)
    if source is not None:
        return Panel(regions, source.years(), lambda years: _slices(
            regions, targets, source, metrics, parts or _parts_for(source.rows(years)), {}, years), by_year=True)
    files = partition_files(figures)
    _one_file_per_region(files)
    return Panel(regions, _years([_scan(f) for f in files]), lambda years: _partitions(
        regions, targets, files, metrics, parts or _parts_for(sum(_Table(f).rows(years) for f in files)), years),
        by_year=True)


def open_figures_file(file: Path, metrics: Mapping[str, Metric], profiles: Path | None = None,
                      parts: int | None = None) -> Panel:
    """A bare figures file (Parquet or CSV): regions from the register (old codes followed), figures chunk by
    chunk."""
    from ecozone.regions.register import current_codes

    source = _Table(file)
    codes = source.codes()
    renamed = current_codes(codes)
    regions = regions_from_register(sorted({renamed.get(code, code) for code in codes}), profiles)
    return Panel(regions, source.years(), lambda years: _slices(
        regions, None, source, metrics, parts or _parts_for(source.rows(years)), renamed, years), by_year=True)


def _scan(file: Path) -> pl.LazyFrame:
    try:
        scan = pl.scan_parquet(file)
        columns = scan.collect_schema().names()
    except Exception as exc:  # polars raises several kinds for a damaged file
        raise InputError(f"无法读取 Parquet 文件：{exc}", Location(file=str(file))) from None
    _required(columns, file)
    return scan


def _required(columns: list[str], file: Path) -> None:
    """A figures or targets file names its region and year columns; the rest is checked with the rows."""
    missing = [c for c in ("region", "year") if c not in columns]
    if missing:
        raise InputError(f"缺少列「{missing[0]}」", Location(file=str(file), line=1),
                         expected="表头包含 region、year、metric、value")


def _years(tables: list[pl.LazyFrame]) -> list[int]:
    years = pl.concat([t.select(_year_number()) for t in tables])
    return years.unique().collect(engine="streaming")["year"].drop_nulls().sort().to_list()


def _one_file_per_region(files: list[Path]) -> None:
    """Before any figure is read: a region in two partitions would have its series cut (two columns read)."""
    where = (pl.scan_parquet(files, include_file_paths="_file").select("region", "_file").unique()
             .group_by("region").agg(pl.col("_file").sort()).filter(pl.col("_file").list.len() > 1).head(1).collect())
    if where.height:
        region, found = where.row(0)
        raise InputError(f"地区 {region} 的数据分散在两个分区文件中：{Path(found[0]).name}、{Path(found[1]).name}",
                         Location(file=found[1], field="region"),
                         expected="按地区分区（如每省或每州一个文件），一个地区的全部年份在同一个文件")


def _cut(dataset: Dataset, parts: int) -> Iterator[Dataset]:
    for group in _province_groups(dataset.regions, parts):
        yield _subset(group, dataset.observations, dataset.assigned)


def _slices(regions: pl.DataFrame, assigned: _Table | None, figures: _Table, metrics: Mapping[str, Metric],
            parts: int, renamed: Mapping[str, str], years: Years) -> Iterator[Dataset]:
    """The figures (and targets) read and checked a chunk of provinces at a time."""
    for group in _province_groups(regions, parts):
        own = set(group["code"].to_list())
        codes = own | {old for old, new in renamed.items() if new in own}  # figures still under a withdrawn code
        yield Dataset(group, observations_from_text(figures.cells(codes, years), str(figures.file), metrics,
                                                    accept_warnings=BULK), _targets(assigned, own, years, metrics))


def _targets(assigned: _Table | None, codes: Collection[str], years: Years,
             metrics: Mapping[str, Metric]) -> pl.DataFrame | None:
    return assigned_from_text(assigned.cells(codes, years), str(assigned.file), metrics) if assigned else None


def _province_groups(regions: pl.DataFrame, parts: int) -> Iterator[pl.DataFrame]:
    """Whole provinces, grouped into about ``parts`` chunks of similar size; a province larger than a chunk is cut
    between its prefectures (a region's years never are), so no chunk outgrows the memory it was sized for.

    The engine is vectorised: one call per province would pay its fixed cost 31 times (5.7 s against
    3 s for the national panel); one call for everything would show no progress.
    """
    size = max(1, -(-regions.height // parts))
    by_province = []
    for province in regions.with_columns(_p=pl.col("code").str.slice(0, 2)).partition_by("_p", maintain_order=True):
        if province.height <= size:
            by_province.append(province)
            continue
        by_province.extend(province.with_columns(_p=pl.col("code").str.slice(0, 4))
                           .partition_by("_p", maintain_order=True))
    groups: list[list[pl.DataFrame]] = [[]]
    for province in by_province:
        if groups[-1] and sum(p.height for p in groups[-1]) + province.height > size:
            groups.append([])
        groups[-1].append(province.drop("_p"))
    for group in groups:
        if group:
            yield pl.concat(group)


def _partitions(regions: pl.DataFrame, assigned: _Table | None, files: list[Path],
                metrics: Mapping[str, Metric], parts: int, years: Years) -> Iterator[Dataset]:
    size = sum(f.stat().st_size for f in files) / parts
    groups: list[list[Path]] = [[]]
    for file in files:
        if groups[-1] and sum(f.stat().st_size for f in groups[-1]) + file.stat().st_size > size:
            groups.append([])
        groups[-1].append(file)
    seen: dict[str, Path] = {}
    for group in groups:
        frames = []
        for file in group:
            frame = read_known_observations(file, metrics, regions, accept_warnings=BULK, years=years)
            for code in frame["region"].unique().to_list():
                seen[code] = file
            frames.append(frame)
        figures = pl.concat(frames)
        own = regions.filter(pl.col("code").is_in(figures["region"].unique().implode()))
        yield _subset(own, figures, _targets(assigned, own["code"].to_list(), years, metrics))
    rest = regions.filter(~pl.col("code").is_in(list(seen)))
    if rest.height:  # registered regions without a single figure: assessed too, as missing everything
        yield _subset(rest, pl.DataFrame(schema=figures.schema), _targets(assigned, rest["code"].to_list(), years,
                                                                          metrics))


def _subset(regions: pl.DataFrame, figures: pl.DataFrame, assigned: pl.DataFrame | None) -> Dataset:
    codes = regions["code"].implode()
    return Dataset(regions, figures.filter(pl.col("region").is_in(codes)),
                   assigned.filter(pl.col("region").is_in(codes)) if assigned is not None else None)
