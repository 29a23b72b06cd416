"""Excel for the clerk: template (the workbook to fill) and check (every problem, located)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecozone.cli.app import app, out
from ecozone.cli.printing import plain_row
from ecozone.cli.sample import sample_path
from ecozone.errors import Location, UsageError

if TYPE_CHECKING:
    pass

__all__ = ["check", "template", "years_option"]

@app.command()
def template(
    standard: Annotated[str, typer.Option("--standard", "-s", help="标准编号，如 mee-2019")],
    output: Annotated[Path, typer.Option("--output", "-o", help="生成的填报工作簿 .xlsx")],
    region: Annotated[
        list[str] | None, typer.Option("--region", "-r", help="地区代码或名称（可多次给出），如 522732 或 "
                                                            "三都水族自治县；未给 --regions 时查示例与全国区划登记表")
    ] = None,
    regions: Annotated[
        Path | None, typer.Option("--regions", help="地区登记表 regions.csv（默认：内置示例登记表）")
    ] = None,
    years: Annotated[str | None, typer.Option("--years", help="年份范围，如 2019-2023（默认：近5年）")] = None,
) -> None:
    """生成填报工作簿：说明、地区信息、指标数据（按地区适用的指标和目标）、上级目标、来源与备注。"""
    import polars as pl

    from ecozone import api
    from ecozone.catalogue import load_standard
    from ecozone.io.excel.template import write_template

    loaded = load_standard(standard)
    register = api.template_regions(region, regions, sample_path() / "regions.csv")
    levels = list(loaded.standard.levels)
    outside = register.filter(~pl.col("level").is_in(levels))
    if outside.height:
        raise UsageError(
            f"地区「{outside['name'][0]}」的级别为{outside['level'][0]}，"
            f"标准 {loaded.id} 只适用于{'、'.join(levels)}级",
            Location(field="--region"), expected="级别相符的地区",
        )
    span = years_option(years)
    counts = write_template(loaded, register, span, output)
    out.print(
        f"已生成 {output}：{counts['regions']} 个地区，指标数据 {counts['figure_rows']} 行，"
        f"上级目标 {counts['assigned_rows']} 行，不适用指标 {counts['omitted_rows']} 项（见「不适用指标」表），"
        f"年份 {span[0]}–{span[-1]}"
    )


def years_option(text: str | None) -> list[int]:
    """A year range as typed (2019-2023, 2019–2023); default: the five years before this one."""
    if text is None:
        this_year = dt.date.today().year
        return list(range(this_year - 5, this_year))
    parts = text.replace("—", "-").replace("–", "-").split("-")
    try:
        first, last = (int(parts[0]), int(parts[-1]))
    except ValueError:
        raise UsageError(f"年份范围「{text}」无法识别", Location(field="--years"), expected="如 2019-2023") from None
    if not 1990 <= first <= last <= 2100 or last - first > 30:
        raise UsageError(f"年份范围「{text}」不合理", Location(field="--years"), expected="如 2019-2023，最多30年")
    return list(range(first, last + 1))


@app.command()
def check(
    path: Annotated[Path, typer.Argument(help="填报工作簿（.xlsx/.xls/.ods）")],
    standard: Annotated[
        str | None, typer.Option("--standard", "-s", help="标准编号（默认：工作簿生成时的标准）")
    ] = None,
    errors_out: Annotated[
        Path | None, typer.Option("--errors-out", help="写一份标出问题单元格的工作簿副本（含错误清单）")
    ] = None,
) -> None:
    """只检查不评估：列出工作簿中的全部问题（级别、工作表、单元格、问题、应为）。有错误时退出码为 1。"""
    from rich.table import Table

    from ecozone import api
    from ecozone.catalogue import load_standard
    from ecozone.io.excel.marked_copy import write_errors_workbook

    loaded = load_standard(standard) if standard else None
    report = api.check_workbook(path, loaded)
    problems = report.problems
    counts = problems.counts()
    if problems.items:
        table = Table(title=f"检查结果：错误 {counts['错误']} 个，警告 {counts['警告']} 个，提示 {counts['提示']} 个")
        for column in ("级别", "位置", "问题", "应为"):
            table.add_column(column, overflow="fold")
        style = {"错误": "red", "警告": "yellow", "提示": "cyan"}
        for problem in problems.sorted():
            plain_row(table, problem.severity, problem.where, problem.message, problem.expected or "",
                      styles={0: style[problem.severity]})
        out.print(table)
    else:
        out.print("检查通过：没有发现问题。", style="green")
    if errors_out is not None:
        marked = write_errors_workbook(path, problems, errors_out)
        out.print(f"已写入 {errors_out}（标出 {marked} 个单元格，另有「错误清单」工作表）")
    if problems.errors:
        raise typer.Exit(1)
    if problems.to_confirm:
        out.print("有需要确认的警告：数值确实如此时，在该行「确认无误」列选「是」并保存"
                  "（或评估时加 --accept-warnings）。", style="yellow")
