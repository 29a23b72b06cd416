"""Rebuild the example provincial pack the way a provincial bureau would: export, edit in Excel, import.

示例省 and its table are FICTIONAL: no province has published this. It shows what the workflow makes
possible — a province takes the national county table, raises some targets, adds two indicators of
its own, drops one that does not apply, and gets a pack that ecozone loads and assesses with.

Run from the repository root:  python examples/province-pack/build.py
The Excel step is done here with openpyxl, one edit per cell, as a reviewer would type it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).parent
EXPORTED = HERE / "mee-2019-导出.xlsx"
EDITED = HERE / "shili-2025-county.xlsx"
PACK = HERE / "shili-2025-county.yaml"
ECOZONE = [sys.executable, "-m", "ecozone"]
SOURCE = "示例省生态环境厅《示例省生态文明建设示范县建设指标》（虚构，仅作示例）"


def column(sheet: Worksheet, title: str) -> int:
    return [c.value for c in sheet[1]].index(title) + 1


def row_of(sheet: Worksheet, first: str, third: str | None = None) -> int:
    """The row whose first column is ``first`` (and third column ``third``: the rule sheet's node)."""
    for row in sheet.iter_rows(min_row=2):
        if str(row[0].value) == first and (third is None or str(row[2].value) == third):
            return row[0].row
    raise KeyError(first)


def variant_of(sheet: Worksheet, indicator: str, condition: str) -> int:
    """The rule row of one variant target, found by its condition (山区, 丘陵 …)."""
    for row in sheet.iter_rows(min_row=2):
        if str(row[0].value) == indicator and row[3].value == "分类目标" and row[4].value == condition:
            return row[0].row
    raise KeyError((indicator, condition))


def put(sheet: Worksheet, row: int, title: str, value: object) -> None:
    sheet.cell(row=row, column=column(sheet, title)).value = value


def append(sheet: Worksheet, values: dict[str, object]) -> None:
    row = sheet.max_row + 1
    for title, value in values.items():
        put(sheet, row, title, value)


def edit(exported: Path, edited: Path) -> None:
    book = load_workbook(exported)
    header = book["标准信息"]
    for key, value in {
        "id": "shili-2025-county",
        "title": "示例省生态文明建设示范县建设指标（虚构示例）",
        "document": None,
        "issuer": "示例省生态环境厅（虚构）",
        "date": "2025-03-01",
        "levels": "县",
        "provenance.source": SOURCE,
        "provenance.confidence": "USER",
        "provenance.verified": "否",
        "provenance.note": "虚构的省级标准，由国家 2019 年县级指标经 ecozone standards export / import 改写而成",
    }.items():
        put(header, row_of(header, key), "值", value)

    indicators, rules = book["指标"], book["判定规则"]
    # 林草覆盖率: the province asks more of its mountain and hill counties
    for condition, target in (("山区", 65), ("丘陵", 45)):
        put(rules, variant_of(rules, "11", condition), "目标值", target)
    put(indicators, row_of(indicators, "11"), "指标值原文",
        "山区 ≥65；丘陵地区 ≥45；平原地区 ≥18；干旱半干旱地区 ≥35；青藏高原地区 ≥70")
    # 河湖岸线保护率 becomes binding in this province
    put(indicators, row_of(indicators, "19"), "属性", "约束性")
    # two provincial indicators
    common = {"属性": "参考性", "适用级别": "县", "来源": SOURCE, "可信度": "USER", "已核实": "否"}
    append(indicators, {"编号": "41", "序号": 41, "领域": "生态生活", "任务": "人居环境改善",
                        "名称": "声环境功能区夜间达标率", "单位": "%", "指标值原文": "≥85", **common})
    append(indicators, {"编号": "42", "序号": 42, "领域": "生态安全", "任务": "生态系统保护",
                        "名称": "生物多样性调查", "单位": "-", "指标值原文": "开展", **common})
    append(rules, {"指标编号": "41", "节点": "1", "类型": "门槛值", "统计量": "night_noise_compliance_rate",
                   "比较": "≥", "目标值": 85})
    append(rules, {"指标编号": "42", "节点": "1", "类型": "状态", "统计量": "biodiversity_survey", "可取状态": "开展"})
    # every row now rests on the provincial document, not on the national transcription
    for row in range(2, indicators.max_row + 1):
        if indicators.cell(row=row, column=1).value and not indicators.cell(row=row, column=2).value:
            put(indicators, row, "来源", SOURCE)
            put(indicators, row, "可信度", "USER")
            put(indicators, row, "已核实", "否")
            put(indicators, row, "核实说明", None)
    book.save(edited)


def main() -> None:
    subprocess.run([*ECOZONE, "standards", "export", "mee-2019", "-o", str(EXPORTED)], check=True)
    edit(EXPORTED, EDITED)
    EXPORTED.unlink()
    subprocess.run([*ECOZONE, "standards", "import", str(EDITED), "-o", str(PACK)], check=True)


if __name__ == "__main__":
    main()
