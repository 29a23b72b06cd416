"""The public API: what the CLI, the reports and the web app call."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ecozone.catalogue import LoadedStandard, load_metrics, load_standard
from ecozone.engine import Assessment, assess
from ecozone.errors import Location, UsageError
from ecozone.io.tables import Dataset, read_dataset

__all__ = ["assess_dataset", "judged_year", "load_dataset"]


def load_dataset(path: Path | str, regions: Path | str | None = None) -> Dataset:
    """Read a dataset folder (regions + observations [+ assigned]) or one figures file."""
    return read_dataset(path, load_metrics(), regions)


def judged_year(standard: LoadedStandard, dataset: Dataset, year: int | None = None) -> int:
    """The year to judge: the one asked for, else the pack's rule (default: latest with data)."""
    years = dataset.years
    if not years:
        raise UsageError("数据中没有任何年份的数值", Location(field="observations"))
    wanted = year if year is not None else standard.standard.parameters.judged_year
    if wanted == "latest":
        return years[-1]
    assert isinstance(wanted, int)
    if wanted not in years:
        raise UsageError(
            f"{wanted} 年没有任何数据",
            Location(field="--year"),
            expected="数据中已有的年份：" + "、".join(map(str, years)),
        )
    return wanted


def assess_dataset(
    standard: LoadedStandard | str, dataset: Dataset, year: int | None = None
) -> Assessment:
    """Assess every region of ``dataset`` against a standard (a pack id or a loaded pack)."""
    loaded = load_standard(standard) if isinstance(standard, str) else standard
    regions = dataset.regions
    if regions.height == 0:
        raise UsageError("地区登记表为空", Location(field="regions"))
    levels = list(loaded.standard.levels)
    outside = regions.filter(~pl.col("level").is_in(levels))
    if outside.height:
        first = outside.row(0, named=True)
        raise UsageError(
            f"地区「{first['name']}」（{first['code']}）的级别为{first['level']}，"
            f"标准 {loaded.id} 只适用于{'、'.join(levels)}级"
            + (f"（另有 {outside.height - 1} 个地区同样不适用）" if outside.height > 1 else ""),
            Location(field="level"),
            expected=f"级别为{'、'.join(levels)}的地区，或换用适用于该级别的标准",
        )
    return assess(loaded, regions, dataset.observations, judged_year(loaded, dataset, year),
                  dataset.assigned if dataset.assigned is not None else _no_assigned())


def _no_assigned() -> pl.DataFrame:
    return pl.DataFrame(schema={"region": pl.String, "year": pl.Int32, "metric": pl.String,
                                "target": pl.Float64})
