"""Terminal tables of an ``Evaluation``: every verdict and label comes from the evaluation and the codebook."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecozone.cli.app import fmt
from ecozone.vocabulary import ANSWER, ANSWERED_BY, ATTRIBUTE, FINAL_VERDICT, STATUS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from ecozone.evaluation import Evaluation

__all__ = ["plain_row", "print_assessment", "print_board", "print_evidence_gaps", "print_header", "print_matrix",
           "print_prescreen", "print_selfcheck"]

VERDICT_STYLE = {"ready": "green", "not_ready": "red", "incomplete": "yellow", "vetoed": "magenta",
                 "keep": "green", "warning": "yellow", "revocation": "red"}
ANSWER_STYLE = {"yes": "red", "no": "green", "unknown": "yellow"}
STATUS_STYLE = {"met": "green", "not_met": "red", "missing": "yellow", "needs_review": "yellow",
                "not_applicable": "dim"}
STATUS_SYMBOL = {"met": "●", "not_met": "✗", "missing": "?", "needs_review": "!", "not_applicable": "·"}
# notes that only restate a verdict already shown (kept in JSON and reports, not in the one-line summary)
_QUIET_REASONS = ("unverified_targets", "all_gates_met")


def plain_row(table: Table, *cells: str | Text, styles: Mapping[int, str] | None = None) -> None:
    """Add a row with its colours: the CLI's consoles read no markup (``cli.app``), so a cell's colour comes from
    ``styles`` (its position → a rich style), and a ``Text`` cell keeps its own."""
    from rich.text import Text

    table.add_row(*(cell if isinstance(cell, Text) else Text(cell, style=(styles or {}).get(n, ""))
                    for n, cell in enumerate(cells)))


def print_header(console: Console, evaluation: Evaluation) -> None:
    from rich.text import Text

    result = evaluation.assessment
    pack = result.standard.standard
    console.print(Text.assemble((pack.title, "bold"),
                                f"（{pack.id}，{pack.document or '文号未见'}）  评价年度 {result.year}"))
    console.print(f"内容指纹 {result.standard.hash}", highlight=False)  # a hash, not numbers to colour
    if not pack.complete:
        console.print(f"注意：本标准包不完整（{pack.missing_rows}），任何地区都不会被判定为可申报。", style="yellow")
    unverified = len(pack.unverified_indicators)
    if unverified:
        console.print(f"注意：{unverified} 项指标的指标值未经正式文本核实（核实列标 ✗）。", style="yellow")
    console.print(f"趋势判定：{result.window[0]}–{result.window[1]} 年，{result.trend_method}")


def print_board(console: Console, evaluation: Evaluation) -> None:
    """One line per region: the evaluation's verdict, the counts, the reasons."""
    from rich.table import Table

    table = Table(title=f"评估总表（{evaluation.year} 年，{evaluation.standard.id}）")
    for column in ("代码", "名称", "结论", "适用", "达标", "未达标", "缺数据", "待核实", "短板数", "理由"):
        table.add_column(column, overflow="fold")
    for row in evaluation.regions.iter_rows(named=True):
        weak = (row["not_met"] or 0) + (row["missing"] or 0) + (row["needs_review"] or 0)
        reasons = "；".join(r["message"] for r in row["reasons"] if r["code"] not in _QUIET_REASONS)
        plain_row(
            table, row["region"], row["name"], FINAL_VERDICT[row["verdict"]],
            *(str(row[k] or 0) for k in ("applicable", "met", "not_met", "missing", "needs_review")),
            str(weak), reasons, styles={2: VERDICT_STYLE[row["verdict"]]},
        )
    console.print(table)


def print_assessment(console: Console, evaluation: Evaluation) -> None:
    """The board, then one table per region under the same verdict the board shows."""
    import polars as pl
    from rich.table import Table

    print_header(console, evaluation)
    print_board(console, evaluation)
    indicators = evaluation.indicators
    for region in evaluation.regions.iter_rows(named=True):
        title = f"{region['name']}（{region['region']}）：{FINAL_VERDICT[region['verdict']]}"
        if region["indicator_verdict"] != region["verdict"]:
            title += f"（指标结论：{FINAL_VERDICT[region['indicator_verdict']]}）"
        table = Table(title=title, show_lines=False)
        for column in ("序号", "指标", "属性", "判定", "数值", "指标值", "差距", "说明", "核实"):
            table.add_column(column, overflow="fold")
        for row in indicators.filter(pl.col("region") == region["region"]).iter_rows(named=True):
            value = row["state"] if row["value"] is None else fmt(row["value"])
            plain_row(
                table, row["indicator_id"], row["name"], ATTRIBUTE[row["attribute"]], STATUS[row["status"]],
                value or "", row["target_text"] or "", fmt(row["gap"]), row["explanation"] or "",
                "✓" if row["verified"] else "✗", styles={3: STATUS_STYLE[row["status"]]},
            )
        console.print(table)
        for reason in region["reasons"]:
            console.print(f"  · {reason['message']}")


def print_selfcheck(console: Console, evaluation: Evaluation) -> None:
    import polars as pl
    from rich.table import Table
    from rich.text import Text

    checked = evaluation.checked
    assert checked is not None
    print_header(console, evaluation)
    title = "申报前自查" if checked.mode == "apply" else "命名后年度自评"
    catalogue = checked.catalogue
    named = ("未关联", "red")
    if catalogue is not None:
        named = (f"{catalogue.title}（{catalogue.id}，{catalogue.document or '文号未见'}）", "")
    console.print(Text.assemble((title, "bold"), f"：自查日期 {checked.as_of}；否决项目录 ", named))
    for region in evaluation.regions.iter_rows(named=True):
        rows = checked.checklist.filter(pl.col("region") == region["region"])
        table = Table(title=f"{region['name']}（{region['region']}）：{FINAL_VERDICT[region['verdict']]}")
        for column in ("条件", "回答", "来源", "影响", "回溯期限", "依据 / 触发数据"):
            table.add_column(column, overflow="fold")
        indicator_ok = region["indicator_verdict"] == "ready"
        plain_row(table, "约束性指标全部达标",
                  ANSWER["yes"] if indicator_ok else FINAL_VERDICT[region["indicator_verdict"]], "指标评估", "不得申报",
                  "评价年度", f"达标 {region['met'] or 0} / 适用 {region['applicable'] or 0}",
                  styles={1: "green" if indicator_ok else "red"})
        for item in rows.iter_rows(named=True):
            source = ANSWERED_BY[item["answered_by"]]
            if item["overridden"]:
                source += f"（已推翻：{item['override_reason']}）"
            basis = Text(item["triggered_by"] or item["evidence"] or "")
            if item["discrepancy"]:  # the declared answer stands; the figures' answer is shown beside it
                basis.append(f"{'；' if basis.plain else ''}待核实：{item['discrepancy']}", style="yellow")
            plain_row(table, item["wording"], ANSWER[item["answer"]], source, item["effect_text"],
                      item["window_text"], basis, styles={1: ANSWER_STYLE[item["answer"]]})
        console.print(table)
        for reason in region["reasons"]:
            console.print(f"  · {reason['message']}")
    print_prescreen(console, evaluation)


def print_prescreen(console: Console, evaluation: Evaluation) -> None:
    from rich.table import Table

    apply = evaluation.mode == "apply"
    table = Table(title="推荐预审：可推荐 / 暂停" if apply else "年度自评总表")
    for column in ("代码", "名称", "结论", "指标结论", "原因"):
        table.add_column(column, overflow="fold")
    for row in evaluation.regions.iter_rows(named=True):
        reasons = "；".join(r["message"] for r in row["reasons"]
                           if r["code"] not in (*_QUIET_REASONS, "reference_not_met"))
        plain_row(table, row["region"], row["name"], FINAL_VERDICT[row["verdict"]],
                  FINAL_VERDICT[row["indicator_verdict"]], reasons or "—", styles={2: VERDICT_STYLE[row["verdict"]]})
    console.print(table)


def print_matrix(console: Console, evaluation: Evaluation) -> None:
    import polars as pl
    from rich.table import Table
    from rich.text import Text

    indicators = evaluation.indicators
    first = evaluation.regions["region"][0]
    ids = indicators.filter(pl.col("region") == first)["indicator_id"].to_list()
    legend = Text("  ").join(Text.assemble((STATUS_SYMBOL[code], STATUS_STYLE[code]), f" {label}")
                             for code, label in STATUS.items())
    table = Table(title=Text.assemble("判定矩阵（", legend, "）"), padding=(0, 0))
    table.add_column("地区", no_wrap=True)
    for indicator_id in ids:
        table.add_column(indicator_id, justify="center")
    for (region,), rows in indicators.group_by("region", maintain_order=True):
        statuses = rows["status"].to_list()
        plain_row(table, evaluation.names[str(region)], *(STATUS_SYMBOL[s] for s in statuses),
                  styles={n + 1: STATUS_STYLE[s] for n, s in enumerate(statuses)})
    console.print(table)


def print_evidence_gaps(console: Console, evaluation: Evaluation, gaps: dict[str, list[dict[str, str]]]) -> None:
    """One 提示 per region: the applicable indicators still without evidence (never a verdict)."""
    from rich.text import Text

    for code, missing in gaps.items():
        name = evaluation.names[code]
        if not missing:
            console.print(Text.assemble(("提示", "cyan"), f" {name}（{code}）：佐证材料清单要求的材料都已列出。"))
            continue
        named = "、".join(m["indicator"] for m in missing[:6]) + ("等" if len(missing) > 6 else "")
        console.print(Text.assemble(("提示", "cyan"), f" {name}（{code}）还有 {len(missing)} 项指标没有佐证材料："
                                    f"{named}（不影响判定；申报材料包中单列，"
                                    "每项应提供的材料见 ecozone standards evidence）"))
