"""`ecozone synth` and `ecozone batch` through the real console script, on two provinces."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from ecozone.national.synth import SYNTHETIC_SOURCE
from ecozone.regions.register import load_register, unknown_codes

ECOZONE = str(Path(sys.executable).with_name("ecozone"))


def run(*args: str, chunk_rows: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ECOZONE_CHUNK_ROWS": str(chunk_rows)} if chunk_rows else None
    return subprocess.run([ECOZONE, *args], capture_output=True, text=True, timeout=300, env=env)


def _ningxia(tmp_path: Path) -> Path:
    """A small synthetic panel: 宁夏's 22 county-level units, 2021–2023."""
    panel = tmp_path / "panel"
    made = run("synth", "--regions", "64", "--years", "2021-2023", "-o", str(panel))
    assert made.returncode == 0, made.stderr
    return panel


def _partition(panel: Path, by: pl.Expr) -> Path:
    """Replace observations.parquet by a folder with one file per value of ``by``."""
    figures = pl.read_parquet(panel / "observations.parquet")
    (panel / "observations.parquet").unlink()
    parts = panel / "observations"
    parts.mkdir()
    for (key,), frame in figures.group_by(by):
        frame.write_parquet(parts / f"{key}.parquet")
    return parts


def test_synth_then_batch_covers_every_county_and_summarises(tmp_path: Path) -> None:
    panel = tmp_path / "panel"
    made = run("synth", "--regions", "52,64", "--years", "2019-2023", "-o", str(panel), "--seed", "3")
    assert made.returncode == 0, made.stderr
    regions = pl.read_parquet(panel / "regions.parquet")
    expected = load_register().filter(pl.col("kind") == "县级", pl.col("code").str.slice(0, 2).is_in(["52", "64"]))
    assert sorted(regions["code"].to_list()) == sorted(expected["code"].to_list())
    assert unknown_codes(regions["code"]) == []  # the register resolves every code of the panel
    assert (pl.read_parquet(panel / "observations.parquet")["source"] == SYNTHETIC_SOURCE).all()

    again = run("synth", "--regions", "52,64", "--years", "2019-2023", "-o", str(tmp_path / "again"), "--seed", "3")
    assert again.returncode == 0
    assert pl.read_parquet(tmp_path / "again" / "observations.parquet").equals(
        pl.read_parquet(panel / "observations.parquet"))  # same seed, same panel

    results = tmp_path / "results.parquet"
    done = run("batch", str(panel), "-o", str(results))
    assert done.returncode == 0, done.stderr
    assert "贵州省" in done.stdout and "宁夏回族自治区" in done.stdout and "全国" in done.stdout
    assert "全国最常见的约束性短板" in done.stdout
    assert f"{regions.height}/{regions.height}" in done.stderr  # the progress bar reached the end
    table = pl.read_parquet(results)
    # the codes as the codebook's closed sets (a reader of the file sees every status and verdict that can occur)
    assert table.schema["status"] == pl.Enum(["met", "not_met", "missing", "needs_review", "not_applicable"])
    assert table.schema["verdict"] == pl.Enum(["ready", "not_ready", "incomplete", "vetoed"])
    assert set(table["region"].unique().to_list()) == set(regions["code"].to_list())
    assert table.group_by("region").len()["len"].unique().to_list() == [40]  # every indicator of mee-2019
    # like a real country: leaders that could apply, most places with weak points, a few with data gaps
    shares = table.select("region", "verdict").unique()["verdict"].value_counts(normalize=True)
    share = dict(zip(shares["verdict"], shares["proportion"], strict=True))
    assert set(share) == {"ready", "not_ready", "incomplete"}
    assert 0.05 < share["ready"] < 0.4 and share["not_ready"] > 0.5 and share["incomplete"] < 0.15


def test_batch_reads_a_folder_of_province_partitions_and_names_a_bad_one(tmp_path: Path) -> None:
    panel = _ningxia(tmp_path)
    whole = run("batch", str(panel), "-o", str(tmp_path / "whole.parquet"))
    assert whole.returncode == 0, whole.stderr
    parts = _partition(panel, pl.col("region").str.slice(0, 4))
    done = run("batch", str(panel), "-o", str(tmp_path / "r.parquet"))
    assert done.returncode == 0, done.stderr
    columns = ["region", "indicator_id", "status", "verdict"]
    chunked = pl.read_parquet(tmp_path / "r.parquet").select(columns).sort(columns[:2])
    assert chunked.equals(pl.read_parquet(tmp_path / "whole.parquet").select(columns).sort(columns[:2]))
    broken = pl.read_parquet(parts / "6401.parquet").with_columns(
        value=pl.when(pl.int_range(pl.len()) == 4).then(pl.lit("很多")).otherwise(pl.col("value")))
    broken.write_parquet(parts / "6401.parquet")
    refused = run("batch", str(panel), "-o", str(tmp_path / "r2.parquet"))
    # the fifth record: a Parquet file has no header row
    assert refused.returncode == 1 and "6401.parquet" in refused.stderr and "第 5 行" in refused.stderr
    assert not (tmp_path / "r2.parquet").exists()


def test_a_region_split_across_partitions_is_refused(tmp_path: Path) -> None:
    panel = _ningxia(tmp_path)
    _partition(panel, pl.col("year"))  # split by year: a region's series cut in three
    refused = run("batch", str(panel), "-o", str(tmp_path / "r.parquet"))
    assert refused.returncode == 1 and "分散在两个分区文件中" in refused.stderr and "按地区分区" in refused.stderr
    assert not (tmp_path / "r.parquet").exists()


def test_a_bare_figures_file_takes_names_from_the_register_and_attributes_from_a_profile_file(tmp_path: Path) -> None:
    panel = _ningxia(tmp_path)
    regions = pl.read_parquet(panel / "regions.parquet")
    profiles = tmp_path / "属性.csv"
    regions.select("code", "terrain", *[pl.col(f).cast(pl.String) for f in ("coastal", "arid")]).write_csv(profiles)
    done = run("batch", str(panel / "observations.parquet"), "--profiles", str(profiles), "-o",
               str(tmp_path / "r.parquet"))
    assert done.returncode == 0, done.stderr
    table = pl.read_parquet(tmp_path / "r.parquet")
    assert set(table["region"]) == set(regions["code"]) and "宁夏回族自治区" in done.stdout
    names = dict(table.select("region", "region_name").unique().iter_rows())
    assert names["640104"] == load_register().filter(pl.col("code") == "640104")["name"][0]

    bad = tmp_path / "坏属性.csv"
    bad.write_text("code,terrain\n640104,高山\n", encoding="utf-8")
    refused = run("batch", str(panel / "observations.parquet"), "--profiles", str(bad),
                  "-o", str(tmp_path / "x.parquet"))
    assert refused.returncode == 1 and "坏属性.csv" in refused.stderr and "第 2 行" in refused.stderr
    assert "高山" in refused.stderr and not (tmp_path / "x.parquet").exists()


def test_a_series_recorded_under_a_withdrawn_code_follows_its_county(tmp_path: Path) -> None:
    """遵义县 (520321) became 播州区 (520304) in 2016: figures filed under the old code count for 播州区."""
    panel = tmp_path / "panel"
    assert run("synth", "--regions", "52", "--years", "2021-2023", "-o", str(panel)).returncode == 0
    figures = pl.read_parquet(panel / "observations.parquet")
    regions = pl.read_parquet(panel / "regions.parquet")
    profiles = tmp_path / "属性.csv"
    regions.select("code", "terrain").write_csv(profiles)
    current = run("batch", str(panel / "observations.parquet"), "--profiles", str(profiles),
                  "-o", str(tmp_path / "current.parquet"))
    assert current.returncode == 0, current.stderr

    old = figures.with_columns(region=pl.when((pl.col("region") == "520304") & (pl.col("year") < 2023))
                               .then(pl.lit("520321")).otherwise(pl.col("region")))
    old.write_parquet(tmp_path / "old.parquet")
    followed = run("batch", str(tmp_path / "old.parquet"), "--profiles", str(profiles),
                   "-o", str(tmp_path / "followed.parquet"))
    assert followed.returncode == 0, followed.stderr
    columns = ["region", "indicator_id", "status", "verdict"]
    assert pl.read_parquet(tmp_path / "followed.parquet").select(columns).sort(columns[:2]).equals(
        pl.read_parquet(tmp_path / "current.parquet").select(columns).sort(columns[:2]))

    merged_away = figures.with_columns(region=pl.col("region").replace({"520304": "130421"}))  # 邯郸县, merged 2016
    merged_away.write_parquet(tmp_path / "merged.parquet")
    refused = run("batch", str(tmp_path / "merged.parquet"), "-o", str(tmp_path / "x.parquet"))
    assert refused.returncode == 1 and "130421（邯郸县，已撤销）" in refused.stderr


def test_one_figures_file_read_a_chunk_at_a_time_still_names_the_row_in_the_file(tmp_path: Path) -> None:
    panel = tmp_path / "panel"  # 青海 and 宁夏: two chunks of whole provinces
    assert run("synth", "--regions", "63,64", "--years", "2022-2023", "-o", str(panel)).returncode == 0
    figures = pl.read_parquet(panel / "observations.parquet")
    last = figures["region"].max()  # in the last chunk read, so the row is counted in the whole file, not the chunk
    row = figures.with_row_index().filter(pl.col("region") == last)["index"][5]
    figures.with_columns(value=pl.when(pl.int_range(pl.len()) == row).then(pl.lit("很多")).otherwise(pl.col("value"))
                         ).write_parquet(panel / "observations.parquet")
    refused = run("batch", str(panel), "-o", str(tmp_path / "r.parquet"), chunk_rows=figures.height // 2)
    assert refused.returncode == 1 and "observations.parquet" in refused.stderr
    assert f"第 {row + 1} 行" in refused.stderr and "很多" in refused.stderr
    assert not (tmp_path / "r.parquet").exists()


def test_edge_series_mixed_into_a_national_panel_never_stop_the_batch(tmp_path: Path) -> None:
    """Flat, all-zero, tied and sign-changing series (issue [2/10]) in two provinces' panel, through the batch."""
    made = run("synth", "--regions", "64,52", "--years", "2014-2023", "-o", str(tmp_path / "panel"))
    assert made.returncode == 0, made.stderr
    figures = pl.read_parquet(tmp_path / "panel" / "observations.parquet")
    codes = figures["region"].unique().sort().to_list()
    edges = {  # one kind of edge series per county, cycling over the panel's counties
        "flat": [4.43] * 10, "zero_slope": [4.43, None, 4.35, 4.45] * 2 + [4.43, 4.45], "zeros": [0.0] * 10,
        "tie": [80.4, 80.0, 79.6] * 3 + [79.6], "sign": [1.0, -1.0, 0.5, 4.6, -2.0, 0.0, 3.0, -0.5, 1.0, 4.6],
        "point": [None] * 9 + [4.45],
    }
    metrics = ("land_use_intensity_decline_rate", "good_air_days_ratio", "surface_water_below5_ratio")
    changed = []
    for i, code in enumerate(codes):
        series = list(edges.values())[i % len(edges)]
        metric = metrics[i % len(metrics)]
        for year, value in zip(range(2014, 2024), series, strict=True):
            shown = None if value is None else value if metric == metrics[0] else max(value, 0.0)  # shares ≥ 0
            changed.append({"region": code, "year": year, "metric": metric,
                            "value": None if shown is None else str(shown)})
    edits = pl.DataFrame(changed, schema={"region": pl.String, "year": figures.schema["year"], "metric": pl.String,
                                          "value": pl.String})
    kept = figures.join(edits.select("region", "year", "metric"), on=["region", "year", "metric"], how="anti")
    mixed = pl.concat([kept, edits.filter(pl.col("value").is_not_null()).with_columns(
        source=pl.lit("边界序列（测试）"), note=pl.lit(None, dtype=pl.String)).select(figures.columns)],
        how="vertical_relaxed")
    mixed.write_parquet(tmp_path / "panel" / "observations.parquet")
    done = run("batch", str(tmp_path / "panel"), "-o", str(tmp_path / "results.parquet"))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    table = pl.read_parquet(tmp_path / "results.parquet")
    assert table["region"].n_unique() == len(codes)
    assert not table["explanation"].str.contains("NaN|inf").any()


def test_the_output_format_follows_the_extension(tmp_path: Path) -> None:
    panel = _ningxia(tmp_path)
    for name in ("结果.csv", "结果.xlsx"):
        done = run("batch", str(panel), "-o", str(tmp_path / name))
        assert done.returncode == 0, done.stderr
    csv = (tmp_path / "结果.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf") and "indicator_id" in csv.decode("utf-8-sig").splitlines()[0]
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "结果.xlsx", read_only=True)["结果"]
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    assert "verdict" in header and "status" in header
    refused = run("batch", str(panel), "-o", str(tmp_path / "结果.txt"))
    assert refused.returncode == 1 and "不支持的结果文件类型" in refused.stderr and not (tmp_path / "结果.txt").exists()


def test_chunks_are_sized_by_rows_and_give_the_same_results_as_one(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A panel twice the chunk size is read in (at least) two chunks, cut between provinces or, inside a province
    larger than a chunk, between prefectures — never inside a region — and judged exactly as in one."""
    from ecozone.catalogue import load_metrics
    from ecozone.national.panel import open_panel

    panel = tmp_path / "panel"
    assert run("synth", "--regions", "63,64", "--years", "2021-2023", "-o", str(panel)).returncode == 0
    rows = pl.scan_parquet(panel / "observations.parquet").select(pl.len()).collect().item()
    monkeypatch.setenv("ECOZONE_CHUNK_ROWS", str(rows // 2))
    chunks = list(open_panel(panel, load_metrics()).chunks(None))  # every year
    monkeypatch.delenv("ECOZONE_CHUNK_ROWS")  # the commands below say their own
    assert len(chunks) >= 2 and sum(c.observations.height for c in chunks) == rows
    seen = [code for c in chunks for code in c.observations["region"].unique().to_list()]
    assert len(seen) == len(set(seen))  # a region's years are never cut between chunks (a province may be)
    assert run("batch", str(panel), "-o", str(tmp_path / "two.parquet"), chunk_rows=rows // 2).returncode == 0
    assert run("batch", str(panel), "-o", str(tmp_path / "one.parquet")).returncode == 0
    columns = ["region", "indicator_id", "status", "verdict"]
    two = pl.read_parquet(tmp_path / "two.parquet").select(columns).sort(columns[:2])
    assert two.equals(pl.read_parquet(tmp_path / "one.parquet").select(columns).sort(columns[:2]))


@pytest.mark.parametrize("layout", ["file", "partitions", "csv"])
def test_the_batch_reads_and_checks_the_years_its_judgement_uses(tmp_path: Path, layout: str) -> None:
    """Judging 2023 reads 2020–2023 (the window and the year before it), whatever the panel's format: a slip in a
    2017 figure neither stops the batch nor changes a result, and the batch says which years it read and which it
    did not; a slip in 2021 still stops it, named by its line in the file; so does a year that is no year at all."""
    panel = tmp_path / "panel"
    assert run("synth", "--regions", "64", "--years", "2016-2023", "-o", str(panel)).returncode == 0
    figures = pl.read_parquet(panel / "observations.parquet")
    clean = run("batch", str(panel), "-o", str(tmp_path / "clean.parquet"))
    assert clean.returncode == 0, clean.stderr
    assert "只用 2020–2023 年的数据" in clean.stderr and "其他年份（2016–2019 年）的数据未读取、未检查" in clean.stderr
    if layout == "csv":  # figures and targets as a clerk's CSV files beside the register
        pl.read_parquet(panel / "assigned.parquet").write_csv(panel / "assigned.csv")
        (panel / "assigned.parquet").unlink()

    def broken(year: int, *, column: str = "value", text: str = "很多") -> int:
        """Write the panel with one cell of that year changed; the line the batch must name."""
        row = figures.with_row_index().filter(pl.col("year") == year)["index"][3]
        changed = figures.with_columns(pl.col(column).cast(pl.String)).with_columns(
            pl.when(pl.int_range(pl.len()) == row).then(pl.lit(text)).otherwise(pl.col(column)).alias(column))
        (panel / "observations.parquet").unlink(missing_ok=True)
        (panel / "observations.csv").unlink(missing_ok=True)
        shutil.rmtree(panel / "observations", ignore_errors=True)
        if layout == "file":
            changed.write_parquet(panel / "observations.parquet")
            return row + 1  # a Parquet file has no header line
        if layout == "csv":
            changed.write_csv(panel / "observations.csv")
            return row + 2  # under the header
        (panel / "observations").mkdir()  # one file per prefecture: the row is counted in its own file
        numbered = changed.with_row_index("_n")
        for (key,), frame in numbered.group_by(pl.col("region").str.slice(0, 4), maintain_order=True):
            frame.drop("_n").write_parquet(panel / "observations" / f"{key}.parquet")
            if row in frame["_n"]:
                in_file = frame["_n"].to_list().index(row)
        return in_file + 1

    broken(2017)
    old_slip = run("batch", str(panel), "-o", str(tmp_path / "old.parquet"))
    assert old_slip.returncode == 0, old_slip.stderr
    assert "其他年份（2016–2019 年）的数据未读取、未检查" in old_slip.stderr
    columns = ["region", "indicator_id", "status", "verdict", "value", "target_value", "explanation"]
    assert pl.read_parquet(tmp_path / "old.parquet").select(columns).sort(columns[:2]).equals(
        pl.read_parquet(tmp_path / "clean.parquet").select(columns).sort(columns[:2]))

    line = broken(2021)
    refused = run("batch", str(panel), "-o", str(tmp_path / "new.parquet"))
    assert refused.returncode == 1 and f"第 {line} 行" in refused.stderr and "很多" in refused.stderr
    assert not (tmp_path / "new.parquet").exists()

    line = broken(2017, column="year", text="二〇一七")
    refused = run("batch", str(panel), "-o", str(tmp_path / "year.parquet"))
    assert refused.returncode == 1 and f"第 {line} 行" in refused.stderr and "二〇一七" in refused.stderr
