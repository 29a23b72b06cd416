"""The whole country: a synthetic panel (synth) and the batch of every county-level unit (batch)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecozone.cli.app import app, err, out, real
from ecozone.cli.excel import years_option
from ecozone.cli.printing import plain_row
from ecozone.vocabulary import FINAL_VERDICT

if TYPE_CHECKING:
    from ecozone.catalogue import LoadedStandard
    from ecozone.national.batch import BatchResult

__all__ = ["batch", "synth"]

# The batch holds one chunk of figures at a time, but jemalloc (polars' allocator) kept a chunk's freed pages
# resident while the next was read: one arena per thread, and freed pages returned only after 0.5 + 1 s (polars'
# defaults). One arena and short decays: national peak 388 → 321 MB at the same speed (benchmarks/README.md,
# 2026-12-05, fifth session). jemalloc reads this once, when polars loads.
BATCH_ALLOCATOR = "narenas:1,dirty_decay_ms:100,muzzy_decay_ms:0"


@app.command()
def synth(
    output: Annotated[Path, typer.Option("--output", "-o", help="写出的数据文件夹（regions 等 .parquet）")],
    regions: Annotated[str, typer.Option("--regions", help="all，或逗号分隔的省级代码前两位，如 52,53")] = "all",
    years: Annotated[str, typer.Option("--years", help="年份范围")] = "2014-2023",
    standard: Annotated[str, typer.Option("--standard", "-s", help="按哪个标准包的统计量生成")] = "mee-2019",
    seed: Annotated[int, typer.Option("--seed", help="随机种子（相同种子得到相同数据）")] = 1,
) -> None:
    """生成合成的全国面板（真实的区划代码，虚构的数值），用于性能测试和压力测试。"""
    import polars as pl

    from ecozone._files import atomic_path
    from ecozone.catalogue import load_standard
    from ecozone.national.synth import synthetic_panel

    provinces = None if regions == "all" else [p.strip()[:2] for p in regions.split(",") if p.strip()]
    panel = synthetic_panel(load_standard(standard), provinces, years_option(years), seed)
    output.mkdir(parents=True, exist_ok=True)
    # the data files' form (docs/data-format.md): one value column, a number or a state's text
    figures = panel.observations.select("region", "year", "metric", value=pl.coalesce(
        pl.col("value").cast(pl.String), pl.col("state")), source="source", note="note")
    for name, frame in (("regions", panel.regions), ("observations", figures), ("assigned", panel.assigned)):
        assert frame is not None
        with atomic_path(output / f"{name}.parquet") as tmp:
            frame.write_parquet(tmp)
    out.print(f"已写入 {output}/：地区 {panel.regions.height:,} 个，数值 {panel.observations.height:,} 条"
              f"（合成数据，非真实统计）")


@app.command()
def batch(
    path: Annotated[Path, typer.Argument(help="数据文件夹（regions 与 observations，.parquet 或 .csv）")],
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="逐地区逐指标的结果：.parquet、.csv 或 .xlsx（按扩展名）")],
    standard: Annotated[str, typer.Option("--standard", "-s", help="标准编号")] = "mee-2019",
    year: Annotated[int | None, typer.Option("--year", help="评价年度（默认：最近有数据的年份）")] = None,
    top: Annotated[int, typer.Option("--top", help="全国最常见的短板列出几项")] = 10,
    profiles: Annotated[Path | None, typer.Option(
        "--profiles", help="只给数据文件时：地区属性表（code 及地形、区域、沿海等列），名称级别取自区划登记表")] = None,
) -> None:
    """批量评估（全国或一省的全部县）：按省分块评估并显示进度，写出结果 Parquet，打印分省结论与全国常见短板。"""
    if "polars" not in sys.modules:  # too late once polars is loaded (a batch called inside another program)
        # after any inherited setting, so these keys hold: a parent process that loaded polars passes polars' own
        # defaults down in this variable
        given = os.environ.get("_RJEM_MALLOC_CONF")
        os.environ["_RJEM_MALLOC_CONF"] = f"{given},{BATCH_ALLOCATOR}" if given else BATCH_ALLOCATOR
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ecozone.catalogue import load_standard
    from ecozone.national.batch import check_output, open_batch_panel, run_batch
    from ecozone.regions.register import load_register

    check_output(output)  # before reading a national panel, not after
    loaded = load_standard(standard)
    panel = open_batch_panel(path, loaded, profiles)
    names = dict(zip(load_register()["code"], load_register()["name"], strict=True))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=real(err), transient=False) as progress:
        task = progress.add_task("读取与评估", total=panel.regions.height)

        def advance(provinces: list[str], done: int) -> None:
            label = "、".join(names.get(f"{p}0000", p) for p in provinces[:3]) + ("等" if len(provinces) > 3 else "")
            progress.update(task, description=f"已评估 {label}")
            progress.advance(task, done)

        result = run_batch(loaded, panel, year, output, advance)
    if result.read is not None and (unread := [y for y in panel.years if not result.read[0] <= y <= result.read[1]]):
        first, last = result.read
        err.print(f"评价 {result.year} 年只用 {first}–{last} 年的数据（判定期及其前一年），已逐条读取检查；"
                  f"其他年份（{_years_text(unread)}）的数据未读取、未检查。")
    if result.unknown:
        err.print(f"提示：{len(result.unknown)} 个地区代码不在区划登记表（统计用区划代码 2023）中，"
                  f"如 {'、'.join(result.unknown[:5])}；照常评估，分省汇总按代码前两位。", style="yellow")
        if result.retired:
            err.print(f"其中 {len(result.retired)} 个是已撤销、无法按名称对应新代码的旧代码"
                      f"（如 {'、'.join(result.retired[:3])}），其数据不会并入现行地区；"
                      "请按国务院批复改用现行代码。", style="yellow")
    _print_batch_summary(result, names, top, loaded)
    err.print(f"已写入 {output}（{result.rows:,} 行：地区 × 指标）")


def _years_text(years: list[int]) -> str:
    """2014–2019, or 2014、2016 when they are not consecutive."""
    if years == list(range(years[0], years[-1] + 1)) and len(years) > 2:
        return f"{years[0]}–{years[-1]} 年"
    return "、".join(map(str, years)) + " 年"


def _print_batch_summary(result: BatchResult, names: dict[str, str], top: int, loaded: LoadedStandard) -> None:
    from rich.table import Table

    from ecozone.national.batch import common_weak_points, verdicts_by_province

    counts = verdicts_by_province(result.verdicts)
    order = counts.columns[1:]
    table = Table(title=f"{loaded.id} {result.year} 年：分省结论（地区数）")
    table.add_column("省级")
    for verdict in order:
        table.add_column(FINAL_VERDICT[verdict], justify="right")
    for row in counts.iter_rows(named=True):
        plain_row(table, names.get(row["province"], row["province"]), *(f"{row[v]:,}" for v in order))
    plain_row(table, "全国", *(f"{counts[v].sum():,}" for v in order),
              styles=dict.fromkeys(range(len(order) + 1), "bold"))
    out.print(table)
    weak = Table(title=f"全国最常见的约束性短板（前 {top} 项）")
    for column in ("序号", "指标", "未达标地区数", "占比"):
        weak.add_column(column)
    total = result.verdicts.height
    for row in common_weak_points(result.weak, top).iter_rows(named=True):
        plain_row(weak, str(row["number"]), row["name"], f"{row['regions']:,}", f"{row['regions'] / total:.1%}")
    out.print(weak)
