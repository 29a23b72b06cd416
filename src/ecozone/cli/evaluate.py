"""Commands that evaluate a dataset: assess, selfcheck, weakpoints, board, plan, report.

Each loads the dataset, applies ``--set`` hypotheses, calls ``api.evaluate`` once, and prints
what the ``Evaluation`` holds.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecozone.cli.app import (
    Format,
    FormatOption,
    Mode,
    OutputOption,
    SetOption,
    StandardOption,
    YearOption,
    app,
    emit,
    emit_json,
    err,
    fmt,
    out,
    real,
)
from ecozone.cli.printing import (
    plain_row,
    print_assessment,
    print_evidence_gaps,
    print_header,
    print_matrix,
    print_selfcheck,
)
from ecozone.errors import Location, UsageError
from ecozone.vocabulary import FINAL_VERDICT, PLAN_STATUS, STANDING, STATUS, TREND_CLASS, WEAK_CLASS

if TYPE_CHECKING:
    from rich.console import Console

    from ecozone.catalogue.regimes import RulesChoice
    from ecozone.evaluation import Evaluation
    from ecozone.evaluation import Mode as EvaluationMode

__all__ = ["prepare"]

AcceptOption = Annotated[
    bool, typer.Option("--accept-warnings", help="确认工作簿中需要确认的警告（如疑似小数的百分比）无误")
]


def prepare(path: Path, standard: str | None, year: int | None, sets: list[str] | None, *,
            accept_warnings: bool = False, regions: Path | None = None, vetoes: bool | None = None,
            mode: EvaluationMode = "apply", as_of: dt.date | None = None) -> Evaluation:
    """Load, apply what-ifs, evaluate once (with the self-check whenever the data carry it)."""
    from ecozone import api

    loaded, chosen = api.standard_for(path, standard, year)
    _say_rules(chosen)
    dataset = api.load_dataset(path, regions, standard=loaded, accept_warnings=accept_warnings)
    if sets:
        dataset = api.what_if(dataset, sets, api.judged_year(loaded, dataset, year), standard=loaded)
        err.print(f"假设分析：以下结果含 {len(sets)} 项假设数值（--set），不是填报数据。", style="yellow")
    return api.evaluate(loaded, dataset, year, mode=mode, as_of=as_of, vetoes=vetoes)


def _say_rules(chosen: RulesChoice | None) -> None:
    """No --standard: say which rules the regime file chose and why, and what is only a stand-in."""
    if chosen is None:
        return
    from rich.text import Text

    for line in chosen.said:
        err.print(Text.assemble(("适用规则：", "cyan"), line))
    for line in chosen.warnings:
        err.print(f"注意：{line}", style="yellow")


def _console(output: Path | None, width: int = 160) -> Console:
    from rich.console import Console

    return Console(record=True, width=width, markup=False) if output else out


@app.command()
def assess(
    path: Annotated[Path, typer.Argument(help="填报工作簿（.xlsx/.xls/.ods）、数据文件夹或数据文件")],
    standard: Annotated[
        str | None, typer.Option("--standard", "-s",
                                 help="标准编号，如 mee-2019，或标准包文件路径；省略时用工作簿记录的标准，"
                                      "否则按评价年度从适用规则文件选择并说明理由")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", "-y", help="评价年度（默认：数据中最近的年度）")] = None,
    regions: Annotated[Path | None, typer.Option("--regions", help="地区登记表（PATH 为单个数据文件时需要）")] = None,
    fmt_: Annotated[
        Format, typer.Option("--format", "-f", help="输出格式（-o 以 .xlsx 结尾时写结果工作簿）")
    ] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="写入文件：.json、.xlsx 或文本")] = None,
    accept_warnings: AcceptOption = False,
    sets: SetOption = None,
) -> None:
    """按标准逐项评估一个或多个地区，给出每项指标的判定、差距和理由，以及每个地区的结论。"""
    from ecozone.reports.results_json import evaluation_to_dict

    evaluation = prepare(path, standard, year, sets, accept_warnings=accept_warnings, regions=regions)
    if output is not None and output.suffix.lower() == ".xlsx":
        from ecozone.reports.workbook import write_results_workbook

        write_results_workbook(evaluation, output)
        err.print(f"已写入结果工作簿 {output}")
        return
    if fmt_ is Format.json:
        emit_json(evaluation_to_dict(evaluation), output)
        return
    console = _console(output)
    print_assessment(console, evaluation)
    if not evaluation.vetoes_checked:
        console.print("未提供否决项自查回答：以上结论只针对指标。完整自查请用 ecozone selfcheck。", style="dim")
    emit(console, output)


@app.command()
def compare(
    path: Annotated[Path, typer.Argument(help="填报工作簿或数据文件夹")],
    against: Annotated[str, typer.Option(
        "--against", help="对比的规则：标准编号（如 mee-2024-city），或申报年度（如 2026，按适用规则文件选择）")],
    standard: StandardOption = None,
    year: YearOption = None,
    fmt_: FormatOption = Format.table,
    output: OutputOption = None,
) -> None:
    """同一份数据在两套规则下的结论对比：每个地区的结论变化及原因，判定发生变化的指标（按统计量对应）及理由。"""
    from rich.table import Table
    from rich.text import Text

    from ecozone import api

    base, chosen = api.standard_for(path, standard, year)
    dataset = api.load_dataset(path, standard=base)
    other, other_chosen = api.rules_named(against, dataset, year)
    _say_rules(chosen)
    _say_rules(other_chosen)
    result = api.compare_rules(dataset, base, other, year)
    if fmt_ is Format.json:
        emit_json({"a": {"standard": base.id, "vetoes": base.standard.veto_catalogue, "hash": base.hash},
                   "b": {"standard": other.id, "vetoes": other.standard.veto_catalogue, "hash": other.hash},
                   "year": result.a.year, "verdicts": result.verdicts.to_dicts(),
                   "indicators": result.indicators.to_dicts()}, output)
        return
    console = _console(output)
    names = {"a": f"{base.id}（否决项 {base.standard.veto_catalogue or '无'}）",
             "b": f"{other.id}（否决项 {other.standard.veto_catalogue or '无'}）"}
    console.print(Text.assemble(("规则对比", "bold"),
                                f"  评价年度 {result.a.year}：A = {names['a']}，B = {names['b']}"))
    table = Table(title="各地结论")
    for column in ("代码", "名称", "A 结论", "B 结论", "B 的理由（结论变化时）"):
        table.add_column(column, overflow="fold")
    for row in result.verdicts.iter_rows(named=True):
        plain_row(table, row["region"], row["name"], FINAL_VERDICT[row["verdict_a"]], FINAL_VERDICT[row["verdict_b"]],
                  row["reason_b"] if row["changed"] else "", styles={3: "bold"} if row["changed"] else None)
    console.print(table)
    if result.indicators.height == 0:
        console.print("两套规则下各项指标的判定相同（结论的变化来自否决项或完整性）。")
        emit(console, output)
        return
    moved = Table(title=f"判定变化的指标（{result.indicators.height} 项）")
    for column in ("地区", "A 中的指标", "A 判定", "B 中的指标", "B 判定", "理由"):
        moved.add_column(column, overflow="fold")
    for row in result.indicators.iter_rows(named=True):
        plain_row(moved, result.a.names.get(row["region"], row["region"]),
                  f"{row['unit_id_a']} {row['unit_name_a']}" if row["unit_id_a"] else "（无此项）",
                  STATUS.get(row["status_a"], "—"),
                  f"{row['unit_id_b']} {row['unit_name_b']}" if row["unit_id_b"] else "（无此项）",
                  STATUS.get(row["status_b"], "—"), row["why"] or "")
    console.print(moved)
    emit(console, output)


@app.command()
def monitor(
    path: Annotated[Path, typer.Argument(help="数据文件夹或工作簿（含各年数据与否决项自查回答）")],
    named: Annotated[Path | None, typer.Option("--named", help="已命名名单 named.csv（默认：数据文件夹中的 named.csv）")
                     ] = None,
    standard: StandardOption = None,
    fmt_: FormatOption = Format.table,
    output: OutputOption = None,
) -> None:
    """命名后：逐年自评估（警告与撤销情形），每个已命名地区的现状（正常、警告（黄牌）、限期整改、撤销（红牌））、
    整改期限、下次复核，以及从命名起的时间线。"""
    from rich.table import Table

    from ecozone import api
    from ecozone.io.named import read_named

    listed = named if named is not None else (path / "named.csv" if path.is_dir() else None)
    if listed is None or not listed.is_file():
        raise UsageError(f"找不到已命名名单「{listed or 'named.csv'}」", Location(field="--named"),
                         expected="named.csv（列：region、title、batch、named_on、document、source）")
    loaded, chosen = api.standard_for(path, standard)
    _say_rules(chosen)
    dataset = api.load_dataset(path, standard=loaded)
    register = read_named(listed, set(dataset.regions["code"].to_list()))
    result = api.monitor(dataset, loaded, register)
    if fmt_ is Format.json:
        emit_json({"standard": loaded.id, "standings": result.standings.to_dicts(),
                   "timeline": result.timeline.to_dicts(), "yearly": result.yearly.to_dicts()}, output)
        return
    console = _console(output)
    names = dict(zip(dataset.regions["code"].to_list(), dataset.regions["name"].to_list(), strict=True))
    table = Table(title="已命名地区现状")
    for column in ("地区", "称号", "命名日期", "现状", "整改期限", "原因", "下次复核（预计）", "下次到期"):
        table.add_column(column, overflow="fold")
    for row in result.standings.sort("next_due", nulls_last=True).iter_rows(named=True):
        deadline = f"{row['deadline']}{'（假定）' if row['deadline_assumed'] else ''}" if row["deadline"] else "—"
        due = f"{row['next_due']} {row['next_due_what']}" if row["next_due"] else "—"
        plain_row(table, f"{names[row['region']]}（{row['region']}）", row["title"], str(row["named_on"]),
                  STANDING[row["standing"]], deadline, row["reason"] or "", str(row["next_review"]), due)
    console.print(table)
    for (region,), events in result.timeline.group_by("region", maintain_order=True):
        history = Table(title=f"{names[str(region)]}（{region}）时间线")
        for column in ("日期", "事件", "说明"):
            history.add_column(column, overflow="fold")
        for event in events.iter_rows(named=True):
            plain_row(history, str(event["on"]), event["event"], event["detail"])
        console.print(history)
    emit(console, output)


@app.command()
def selfcheck(
    path: Annotated[Path, typer.Argument(help="填报工作簿或数据文件夹（含 vetoes.csv / incidents.csv）")],
    standard: StandardOption = None,
    year: Annotated[int | None, typer.Option("--year", "-y", help="评价年度（默认：数据中最近的年度）")] = None,
    mode: Annotated[Mode, typer.Option("--mode", help="apply 申报前自查；monitor 命名后年度自评")] = Mode.apply,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="自查日期，决定事件回溯期（默认：评价年度次年12月31日）")
    ] = None,
    fmt_: FormatOption = Format.table,
    output: OutputOption = None,
    accept_warnings: Annotated[bool, typer.Option("--accept-warnings", help="确认工作簿中需要确认的警告")] = False,
    sets: SetOption = None,
) -> None:
    """申报前自查（一票否决）：逐项列出否决条件的回答、依据和影响，给出每个地区能否推荐及原因。"""
    from ecozone import api
    from ecozone.reports.results_json import evaluation_to_dict

    evaluation = prepare(path, standard, year, sets, accept_warnings=accept_warnings, vetoes=True,
                         mode="monitor" if mode is Mode.monitor else "apply", as_of=_date_option(as_of))
    if fmt_ is Format.json:
        emit_json(evaluation_to_dict(evaluation, with_outlook=False), output)
        return
    console = _console(output)
    print_selfcheck(console, evaluation)
    listed = api.listed_evidence(path)  # evidence.csv or the workbook's 佐证材料 sheet, if the data have one
    if listed is not None:
        print_evidence_gaps(console, evaluation, api.evidence_gaps(evaluation, listed))
    emit(console, output)


def _date_option(text: str | None) -> dt.date | None:
    if text is None:
        return None
    from ecozone.io.answers import parse_date

    parsed = parse_date(text)
    if parsed is None:
        raise UsageError(f"日期「{text}」无法识别", Location(field="--as-of"), expected="如 2024-12-31")
    return parsed


@app.command()
def weakpoints(
    path: Annotated[Path, typer.Argument(help="填报工作簿或数据文件夹")],
    standard: StandardOption = None,
    year: YearOption = None,
    top: Annotated[int, typer.Option("--top", help="每个地区显示前 N 项")] = 10,
    fmt_: FormatOption = Format.table,
    output: OutputOption = None,
    sets: SetOption = None,
) -> None:
    """短板弱项：每个地区按 约束性未达标 → 缺数据 → 参考性未达标 → 风险（余量小、趋势背离）排序。"""
    from rich.table import Table

    from ecozone import api

    evaluation = prepare(path, standard, year, sets)
    view = evaluation.outlook
    method = evaluation.methods["outlook"]
    listed = api.listed_evidence(path)
    gaps = api.evidence_gaps(evaluation, listed) if listed is not None else None
    if fmt_ is Format.json:
        emit_json({"standard": evaluation.standard.id, "year": evaluation.year, "method": method,
                   "weak_points": view.weak_points.to_dicts(),
                   **({"evidence_missing": {code: [m["id"] for m in found] for code, found in gaps.items()}}
                      if gaps is not None else {})}, output)
        return
    console = _console(output)
    print_header(console, evaluation)
    for (region,), rows in view.weak_points.group_by("region", maintain_order=True):
        shown = min(top, rows.height)
        name = evaluation.names[str(region)]
        lacking = {m["id"] for m in gaps.get(str(region), [])} if gaps is not None else None
        table = Table(title=f"{name}（{region}）短板弱项（共 {rows.height} 项，显示前 {shown} 项）")
        columns = ["序", "类别", "指标", "判定", "数值", "目标", "差距", "趋势", "预计达标", "牵头部门"]
        for column in columns + (["佐证材料"] if lacking is not None else []):
            table.add_column(column, overflow="fold")
        for w in rows.head(top).iter_rows(named=True):
            cells = [str(w["rank"]), WEAK_CLASS[w["weak_class"]], f"{w['unit_id']} {w['unit_name']}",
                     STATUS[w["status"]], fmt(w["value"]), fmt(w["target"]), fmt(w["gap"]),
                     TREND_CLASS.get(w["trend_class"] or "", "—"), fmt(w["projected_year"]),
                     w["lead_department"] or "（标准包未登记）"]
            if lacking is not None:
                cells.append("缺" if str(w["unit_id"]).split(".")[0] in lacking else "有")
            plain_row(table, *cells)
        console.print(table)
    if gaps is not None:
        print_evidence_gaps(console, evaluation, gaps)
    console.print(method, style="dim")
    emit(console, output)


@app.command()
def board(
    path: Annotated[Path, typer.Argument(help="填报工作簿或数据文件夹（一个州的全部县）")],
    standard: StandardOption = None,
    year: YearOption = None,
    fmt_: FormatOption = Format.table,
    output: OutputOption = None,
    sets: SetOption = None,
) -> None:
    """州（市）总览：地区 × 指标判定矩阵、多地共有的短板、分领域达标数、得分排名（得分不改变结论）。"""
    from rich.table import Table
    from rich.text import Text

    evaluation = prepare(path, standard, year, sets)
    shared, domains = evaluation.shared_weak_points, evaluation.domain_counts
    if fmt_ is Format.json:
        emit_json({
            "standard": evaluation.standard.id, "year": evaluation.year, "score_method": evaluation.methods["score"],
            "matrix": evaluation.indicators.select("region", "indicator_id", "status").to_dicts(),
            "shared_weak_points": shared.to_dicts(), "by_domain": domains.to_dicts(),
            "ranking": evaluation.ranking.to_dicts(),
        }, output)
        return
    console = _console(output, 200)
    print_header(console, evaluation)
    print_matrix(console, evaluation)
    table = Table(title="多地共有的短板（宜由州级统筹）")
    for column in ("指标", "类别", "涉及地区数", "地区"):
        table.add_column(column, overflow="fold")
    for row in shared.iter_rows(named=True):
        plain_row(table, f"{row['unit_id']} {row['unit_name']}", WEAK_CLASS[row["weak_class"]], str(row["regions"]),
                  "、".join(row["names"]))
    console.print(table if shared.height else Text("没有多地共有的短板。", style="green"))
    table = Table(title="分领域达标情况（达标 / 适用）")
    table.add_column("地区")
    domain_names = domains["domain"].unique(maintain_order=True).to_list()
    for domain in domain_names:
        table.add_column(domain)
    for (name,), rows in domains.group_by("region_name", maintain_order=True):
        cells = {r["domain"]: f"{r['met']}/{r['applicable']}" for r in rows.iter_rows(named=True)}
        plain_row(table, str(name), *(cells.get(d, "—") for d in domain_names))
    console.print(table)
    table = Table(title="得分排名（得分仅供排序参考，不改变申报结论）")
    for column in ("名次", "地区", "结论", "总分", "覆盖率"):
        table.add_column(column)
    for i, row in enumerate(evaluation.ranking.iter_rows(named=True), start=1):
        plain_row(table, str(i), row["name"], FINAL_VERDICT[row["verdict"]], fmt(row["overall"]),
                  f"{row['coverage']:.0%}" if row["coverage"] is not None else "—")
    console.print(table)
    console.print(evaluation.methods["score"], style="dim")
    emit(console, output)


@app.command()
def plan(
    path: Annotated[Path, typer.Argument(help="填报工作簿或数据文件夹（一个州的全部县）")],
    standard: StandardOption = None,
    year: YearOption = None,
    from_year: Annotated[int | None, typer.Option("--from-year", help="最早申报年份（默认：评价年度次年）")] = None,
    cap: Annotated[int | None, typer.Option("--cap", help="每年最多推荐的地区数（总量控制）", min=1)] = None,
    fmt_: FormatOption = Format.table,
    output: OutputOption = None,
    sets: SetOption = None,
) -> None:
    """分期分批：按当前趋势推算每个地区最早可申报的年份，按年分批；说明无法排期的原因。"""
    from rich.table import Table

    evaluation = prepare(path, standard, year, sets)
    result = evaluation.replan(from_year=from_year, cap=cap)
    method = evaluation.methods["outlook"]
    if fmt_ is Format.json:
        emit_json({"standard": evaluation.standard.id, "year": evaluation.year, "cap": cap, "method": method,
                   "vetoes_checked": evaluation.vetoes_checked, "plan": result.to_dicts()}, output)
        return
    console = _console(output)
    print_header(console, evaluation)
    if not evaluation.vetoes_checked:
        console.print("未提供否决项自查回答：排期未考虑否决项。", style="yellow")
    table = Table(title="分期分批申报计划" + (f"（每年最多 {cap} 个）" if cap else ""))
    for column in ("批次", "年份", "地区", "当前结论", "排期", "说明"):
        table.add_column(column, overflow="fold")
    for row in result.iter_rows(named=True):
        plain_row(table, fmt(row["batch"]) or "—", fmt(row["planned_year"]) or "—", f"{row['name']}（{row['region']}）",
                  FINAL_VERDICT[row["verdict"]], PLAN_STATUS[row["plan_status"]], row["reason"])
    console.print(table)
    console.print(method, style="dim")
    emit(console, output)


@app.command()
def report(
    path: Annotated[Path, typer.Argument(help="填报工作簿或数据文件夹")],
    formats: Annotated[
        list[str] | None, typer.Option("--format", "-f", help="docx、xlsx、pdf、html（可多次给出；默认四种）")
    ] = None,
    region: Annotated[list[str] | None, typer.Option("--region", "-r", help="地区代码（默认：全部地区）")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="报告写入的文件夹")] = Path("ecozone-reports"),
    standard: StandardOption = None,
    year: YearOption = None,
    template: Annotated[Path | None, typer.Option("--template", help="自定义 Word 模板（字段同内置模板）")] = None,
    sets: SetOption = None,
) -> None:
    """写出上交用的报告：自评报告（Word）、指标完成情况表（Excel）、PDF 和单文件网页（HTML），内容一致。"""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ecozone import api
    from ecozone.reports import FORMATS

    evaluation = prepare(path, standard, year, sets)
    codes = region or evaluation.regions["region"].to_list()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=real(err), transient=True, disable=len(codes) < 2) as bar:
        task = bar.add_task("写出报告", total=len(codes))

        def done(code: str) -> None:
            bar.update(task, description=f"已写出 {evaluation.names.get(code, code)}", advance=1)

        written = api.write_region_reports(evaluation, formats or list(FORMATS), codes, output, template,
                                           progress=done)
    for region_code, files in written.items():
        out.print(f"{region_code}：" + "、".join(str(p) for p in files.values()))


@app.command()
def dossier(
    path: Annotated[Path, typer.Argument(help="填报工作簿或数据文件夹")],
    region: Annotated[str, typer.Option("--region", "-r", help="地区代码，如 990104")],
    output: Annotated[Path, typer.Option("--output", "-o", help="写出的申报材料 .zip")],
    evidence: Annotated[Path | None, typer.Option(
        "--evidence",
        help="佐证材料清单 evidence.csv（默认：数据文件夹中的 evidence.csv，或工作簿的「佐证材料」表）")] = None,
    standard: StandardOption = None,
    year: YearOption = None,
) -> None:
    """申报材料包：自评报告（Word、PDF）、指标完成情况表与否决项自查（Excel）、按指标编号归档的佐证材料、
    目录（每个文件的出具单位、文号、日期、sha256）和尚缺的佐证材料清单。同样的数据和材料得到完全相同的 zip。"""
    from ecozone import api
    from ecozone.reports.dossier import write_dossier

    evaluation = prepare(path, standard, year, None, vetoes=True)
    evaluation.region(region)  # a code not in the data is said before anything is written
    table = api.listed_evidence(path, evidence)
    made = write_dossier(evaluation, region, table, output)
    out.print(f"已写出 {made.path}：{made.files} 个文件，其中佐证材料 {made.evidence} 个；"
              f"尚缺佐证材料的指标 {made.missing} 项（见「04 尚缺的佐证材料.xlsx」）")
    out.print(f"sha256 {made.sha256}")
