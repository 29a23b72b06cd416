"""The fill-in workbook's layout, shared by the template writer and the importer.

One place names every sheet and column, so what the template writes is exactly what the
importer looks for. Columns are found by their header text, not their position, so a
clerk who inserts or moves a column does not break the import.
"""

from __future__ import annotations

from typing import Final

from ecozone.regions.profile import FLAGS

TEMPLATE_VERSION: Final = 1

SHEET_GUIDE: Final = "说明"
SHEET_REGIONS: Final = "地区信息"
SHEET_FIGURES: Final = "指标数据"
SHEET_OMITTED: Final = "不适用指标"  # what the template leaves out for each region, and why
SHEET_ASSIGNED: Final = "上级目标"
SHEET_SOURCES: Final = "来源与备注"
SHEET_VETOES: Final = "否决项自查"
SHEET_INCIDENTS: Final = "突发环境事件"
SHEET_EVIDENCE: Final = "佐证材料"
SHEET_META: Final = "_ecozone"

# region sheet: header → register column
REGION_COLUMNS: Final[dict[str, str]] = {
    "地区代码": "code",
    "地区名称": "name",
    "级别": "level",
    "上级代码": "parent",
    "地形": "terrain",
    "区域": "zone",
    "城市规模": "city_size",
    **{label: flag for flag, label in FLAGS.items()},
}

# figures and assigned-target sheets: fixed columns before and after the year columns
COL_REGION: Final = "地区代码"
COL_REGION_NAME: Final = "地区名称"
COL_ID: Final = "序号"
COL_DOMAIN: Final = "领域"
COL_NAME: Final = "指标名称"
COL_UNIT: Final = "单位"
COL_TARGET: Final = "适用目标"
COL_SOURCE: Final = "数据来源/牵头部门"
COL_NOTE: Final = "备注"
COL_CONFIRM: Final = "确认无误"  # 是: the row's values that look wrong (a share typed as 0.85) are as meant
CONFIRM_YES: Final = "是"
COL_METRIC: Final = "统计量编号（勿改）"

FIGURE_COLUMNS_BEFORE: Final = (
    COL_REGION, COL_REGION_NAME, COL_ID, COL_DOMAIN, COL_NAME, COL_UNIT, COL_TARGET, COL_SOURCE,
)
FIGURE_COLUMNS_AFTER: Final = (COL_CONFIRM, COL_NOTE, COL_METRIC)

# omitted-indicators sheet (written for the reader; the importer does not read it)
OMITTED_COLUMNS: Final = (COL_REGION, COL_REGION_NAME, COL_ID, COL_NAME, "不适用原因")

# sources sheet
SOURCE_COLUMNS: Final = (COL_REGION, COL_METRIC, "年份", "数据来源", "备注")

# what a clerk may write instead of a figure

# self-check sheets
COL_CONDITION: Final = "条件编号（勿改）"
VETO_COLUMNS: Final = (COL_REGION, COL_REGION_NAME, COL_CONDITION, "条件", "回溯期限", "影响", "回答",
                       "文号", "日期", "说明", "附件路径", "推翻理由")
# 删除 = 是 deletes the stored incident the row describes; an incident a file leaves out stays stored
COL_INCIDENT_REMOVE: Final = "删除"
INCIDENT_COLUMNS: Final = (COL_REGION, "发生日期", "级别", "事件名称", "定级文件", COL_INCIDENT_REMOVE)


# evidence sheet: header → evidence.csv column (the same list, in the workbook)
COL_EVIDENCE_FILE: Final = "文件路径（相对于本工作簿所在文件夹）"
EVIDENCE_SHEET_COLUMNS: Final[dict[str, str]] = {
    COL_REGION: "region", "指标序号或否决项编号": "indicator", "年度": "year", COL_EVIDENCE_FILE: "file",
    "材料类型": "kind", "出具单位": "issuer", "文号": "document", "日期": "date",
}


LINE_HEIGHT: Final = 13.5  # points per line of 10-pt 宋体


