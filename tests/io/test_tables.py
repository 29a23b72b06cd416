"""Reading registers and figures: good files load, bad files say where and what."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ecozone.catalogue import load_metrics
from ecozone.errors import InputError
from ecozone.io.tables import _read_text_table, read_dataset, read_observations, read_regions
from tests.conftest import FIXTURES, SAMPLE

BAD = FIXTURES / "bad" / "data"

# case folder → (file, line, field, fragments of the Chinese message)
EXPECTED = {
    "region_code_5_digits": ("regions.csv", 3, "code", ["地区代码不是6位数字", "「99010」"]),
    "bad_level": ("regions.csv", 2, "level", ["级别无法识别", "「乡」"]),
    "bad_terrain": ("regions.csv", 2, "terrain", ["地形取值无法识别", "山区、丘陵、平原"]),
    "bad_flag": ("regions.csv", 2, "coastal", ["「沿海」应为是或否", "「可能」"]),
    "value_not_number": ("observations.csv", 3, "value", ["不是数字", "「六十二」"]),
    "unknown_metric": ("observations.csv", 2, "metric", ["未知的统计量", "「forest_cover_rate」"]),
    "percent_over_max": ("observations.csv", 3, "value", ["超过合理上限", "「615」"]),
    "unknown_state": ("observations.csv", 2, "value", ["状态值不在", "「已建成」"]),
    "region_not_registered": ("observations.csv", 3, "region", ["「990109」不在地区登记表中"]),
    "duplicate_figure": ("observations.csv", 2, "metric", ["出现多次"]),
    "bad_year": ("observations.csv", 2, "year", ["年份", "「2023年」"]),
    "missing_column": ("observations.csv", 1, None, ["缺少列「metric」"]),
    "obs_region_code_letters": ("observations.csv", 2, "region", ["「99010A」"]),
}


def test_every_bad_folder_has_an_expectation() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_input_names_file_row_and_field(case: str) -> None:
    file, line, field, fragments = EXPECTED[case]
    with pytest.raises(InputError) as caught:
        read_dataset(BAD / case, load_metrics())
    error = caught.value
    assert error.location.file == str(BAD / case / file)
    assert error.location.line == line
    assert error.location.field == field
    for fragment in fragments:
        assert fragment in error.message
    assert error.expected  # every error says what was expected


def test_sample_loads_with_typed_columns() -> None:
    dataset = read_dataset(SAMPLE, load_metrics())
    assert dataset.regions.height == 8
    assert dataset.observations.schema["value"] == pl.Float64
    assert dataset.observations.schema["year"] == pl.Int32
    states = dataset.observations.filter(pl.col("metric") == "eco_plan")
    assert states["value"].is_null().all() and states["state"].is_not_null().all()
    assert dataset.assigned is not None and dataset.assigned.height > 0
    assert dataset.years == [2019, 2020, 2021, 2022, 2023]


def test_excel_style_csv_in_gb18030_with_percent_signs_and_chinese_yes(tmp_path: Path) -> None:
    (tmp_path / "regions.csv").write_bytes(
        "code,name,level,terrain,coastal\n990101,测试县,县级市,山区,是\n".encode("gb18030")
    )
    (tmp_path / "observations.csv").write_bytes(
        "region,year,metric,value\n990101,2023,forest_grass_coverage,62.5%\n"
        "990101,2023,water_intensity,\"1,234.5\"\n".encode("gb18030")
    )
    dataset = read_dataset(tmp_path, load_metrics())
    region = dataset.regions.row(0, named=True)
    assert region["level"] == "县" and region["coastal"] is True and region["name"] == "测试县"
    values = dict(zip(dataset.observations["metric"], dataset.observations["value"], strict=True))
    assert values == {"forest_grass_coverage": 62.5, "water_intensity": 1234.5}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_long_csv_is_read_in_its_encoding_wherever_its_chinese_text_begins(tmp_path: Path, encoding: str) -> None:
    """A UTF-8 file is handed to polars as bytes after a check a megabyte at a time: Chinese text first met past the
    first megabyte (a GB18030 file whose early rows are plain digits), or a character cut by a megabyte's edge, must
    not fool it. Each way, the names read back as written."""
    name = "测试县"
    head = "code,name\n990000,"
    cut = "x" * ((1 << 20) - 1 - len(head) - len("\n990999,"))  # UTF-8: 测's three bytes across the first edge
    plain = "".join(f"99{n:04d},x\n" for n in range(110_000))  # 1.1 MB of digits before any Chinese
    for text in (f"{head}{cut}\n", f"code,name\n{plain}"):
        body = f"{text}990999,{name}\n"
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(body.encode(encoding))
        frame = _read_text_table(path)
        assert frame.height == body.count("\n") - 1 and frame["name"][-1] == name


def test_parquet_reads_like_csv(tmp_path: Path) -> None:
    regions = read_regions(SAMPLE / "regions.csv")
    raw = pl.read_csv(SAMPLE / "observations.csv", infer_schema=False)
    raw.write_parquet(tmp_path / "observations.parquet")
    regions.write_parquet(tmp_path / "regions.parquet")
    from_parquet = read_observations(tmp_path / "observations.parquet", load_metrics())
    from_csv = read_observations(SAMPLE / "observations.csv", load_metrics())
    assert from_parquet.equals(from_csv)
    assert read_regions(tmp_path / "regions.parquet").equals(regions)


def test_a_typed_parquet_year_reads_like_a_text_one_and_a_bad_one_is_named_as_written(tmp_path: Path) -> None:
    raw = pl.read_csv(SAMPLE / "observations.csv", infer_schema=False)
    raw.with_columns(pl.col("year").cast(pl.Int32)).write_parquet(tmp_path / "typed.parquet")
    raw.write_parquet(tmp_path / "text.parquet")
    typed = read_observations(tmp_path / "typed.parquet", load_metrics())
    assert typed.equals(read_observations(tmp_path / "text.parquet", load_metrics()))
    assert typed.schema["year"] == pl.Int32
    for year, said in ((1989, "年份「1989」不在"), (" 二〇二三 ", "年份不是有效的四位整数：「 二〇二三 」")):
        bad = raw.with_columns(year=pl.when(pl.int_range(pl.len()) == 4).then(pl.lit(str(year)))
                               .otherwise(pl.col("year")))
        bad = bad.with_columns(pl.col("year").cast(pl.Int32)) if isinstance(year, int) else bad
        bad.write_parquet(tmp_path / "bad.parquet")
        with pytest.raises(InputError) as caught:
            read_observations(tmp_path / "bad.parquet", load_metrics())
        assert said in caught.value.message
        assert (caught.value.location.line, caught.value.location.field) == (5, "year")


def test_parquet_errors_name_the_row_as_parquet_counts_it(tmp_path: Path) -> None:
    """A Parquet file has no header line: its first figure is row 1, one less than the same CSV's line."""
    case = BAD / "region_not_registered"
    for name in ("regions", "observations"):
        pl.read_csv(case / f"{name}.csv", infer_schema=False).write_parquet(tmp_path / f"{name}.parquet")
    with pytest.raises(InputError) as caught:
        read_dataset(tmp_path, load_metrics())
    csv_line = EXPECTED["region_not_registered"][1]
    assert caught.value.location.file == str(tmp_path / "observations.parquet")
    assert caught.value.location.line == csv_line - 1


def test_a_regions_register_kept_in_excel_with_chinese_headers(tmp_path: Path) -> None:
    import xlsxwriter

    from ecozone.errors import InputError
    from ecozone.io.tables import read_regions

    path = tmp_path / "登记表.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("地区")
    for i, row in enumerate([["地区代码", "名称", "级别", "上级代码", "地形", "区域", "沿海"],
                             [522732, "三都水族自治县", "县", 522700, "山区", "西部", "否"], [],
                             [522701, "都匀市", "县级市", 522700, "丘陵", "西部", "是"]]):
        sheet.write_row(i, 0, row)
    book.close()
    regions = read_regions(path)
    assert regions["code"].to_list() == ["522732", "522701"] and regions["level"].to_list() == ["县", "县"]
    assert regions["coastal"].to_list() == [False, True] and regions["terrain"].to_list() == ["山区", "丘陵"]
    csv = tmp_path / "登记表.csv"
    csv.write_text("地区代码,名称,级别\n522732,三都水族自治县,乡\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_regions(csv)
    assert caught.value.location.line == 2 and caught.value.location.field == "level"
