"""The county's report as a workbook (XlsxWriter): the same rows and words as the Word and PDF report,
one sheet per part, set up to print on A4 with the header row repeated.

The results workbook of a whole evaluation (``workbook.py``: board, matrix, a sheet per region) is a
different document; this one is what one county hands in beside its 自评报告.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ecozone._text import wrapped_lines
from ecozone.reports.fonts import OFFICE

__all__ = ["write_report_workbook"]

LINE_HEIGHT = 14.5  # points per line of 10.5-pt 宋体
_FILLS = {"met": "#E2EFDA", "not_met": "#FCE4D6", "missing": "#FFF2CC", "needs_review": "#FFF2CC",
          "not_applicable": "#EDEDED"}


def write_report_workbook(context: dict[str, Any], path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    base = {"font_name": OFFICE["table"], "font_size": 10.5, "valign": "top", "text_wrap": True, "border": 1}
    formats = {
        "title": book.add_format({"font_name": OFFICE["title"], "font_size": 16, "bold": True, "align": "center",
                                  "valign": "vcenter"}),
        "note": book.add_format({"font_name": OFFICE["table"], "font_size": 10.5, "text_wrap": True, "valign": "top"}),
        "head": book.add_format({**base, "font_name": OFFICE["heading"], "align": "center", "valign": "vcenter",
                                 "bg_color": "#EEEEEE"}),
        "cell": book.add_format(base),
        **{code: book.add_format({**base, "bg_color": fill}) for code, fill in _FILLS.items()},
    }
    region, year = context["region"]["name"], context["year"]
    _sheet(book, formats, "指标完成情况表", f"{region}生态文明建设示范区建设指标完成情况表（{year} 年）",
           [("序号", 6), ("领域", 8), ("指标", 24), ("属性", 7), ("指标值（标准原文）", 22), ("本地区适用目标", 18),
            (f"{year} 年现状值", 14), ("达标情况", 8), ("差距", 16), ("趋势", 9), ("核对", 5)],
           [([i["id"], i.get("domain", "") if not i["level"] else "", ("　" if i["level"] else "") + i["name"],
              i.get("attribute", "") if not i["level"] else "", i["target"], i["applied"], i["value"], i["status"],
              i["gap"], i["trend"], i.get("verified", "") if not i["level"] else ""], i["status_code"])
            for i in context["annex"]])
    _sheet(book, formats, "短板弱项", f"{region}短板弱项与措施方向（{year} 年）",
           [("序号", 6), ("指标", 26), ("类别", 14), ("现状值", 14), ("目标", 18), ("差距", 16), ("趋势", 10),
            ("预计达标", 9), ("数据来源/牵头部门", 16), ("措施方向", 36)],
           [([str(n), f"{w['id']} {w['name']}", w["class"], w["value"], w["target"], w["gap"], w["trend"],
              w["projected_year"], w["lead_department"], w["direction"]], None)
            for n, w in enumerate(context["weak_points"] + context["watch"], start=1)],
           note=f"「达标但余量小」：已达标，但余量不足目标的 {context['risk_margin']}。{context['methods']['outlook']}")
    if context["vetoes"]:
        _sheet(book, formats, "否决项自查", f"{region}否决项自查（{year} 年）",
               [("否决情形", 40), ("是否存在", 8), ("判断依据", 10), ("影响", 14), ("回溯期限", 16), ("佐证", 40)],
               [([v["wording"], v["answer"], v["source"], v["effect"], v["window"],
                  v["evidence"] + (f"（推翻理由：{v['override_reason']}）" if v["override_reason"] else "")], None)
                for v in context["vetoes"]])
    _sheet(book, formats, "判定依据", f"{region}指标判定依据（{year} 年）",
           [("序号", 6), ("指标", 24), ("现状值与数据来源", 24), ("判定规则", 40), ("说明", 60)],
           [([i["id"], i["name"], f"{i['value']}（{i['source']}）", i["rule"], i["explanation"]], None)
            for i in context["annex"]],
           note=f"自评结论：{context['verdict']['text']}。{context['standard']['verification_note']}"
                f"{context['methods']['judging']}。"
                + (f"报告生成时间：{context['generated']}。" if context["generated"] else ""))
    book.close()


def _sheet(book: xlsxwriter.Workbook, formats: dict[str, Any], name: str, title: str,
           columns: list[tuple[str, float]], rows: list[tuple[list[str], str | None]], *, note: str = "") -> None:
    sheet: Worksheet = book.add_worksheet(name)
    last = len(columns) - 1
    sheet.merge_range(0, 0, 0, last, title, formats["title"])
    sheet.set_row(0, 30)
    for col, (header, width) in enumerate(columns):
        sheet.set_column(col, col, width)
        sheet.write(1, col, header, formats["head"])
    for r, (values, status) in enumerate(rows, start=2):
        style = formats.get(status or "", formats["cell"])
        for col, value in enumerate(values):
            sheet.write_string(r, col, str(value), style if col else formats["cell"])
        sheet.set_row(r, _height(values, columns))  # Excel and WPS do not grow a row for wrapped text
    end = len(rows) + 1
    if note:
        sheet.merge_range(end + 2, 0, end + 2, last, note, formats["note"])
        sheet.set_row(end + 2, LINE_HEIGHT * wrapped_lines(note, sum(w for _, w in columns)))
    sheet.freeze_panes(2, 0)
    sheet.set_paper(9)  # A4
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(1)
    sheet.set_margins(left=0.6, right=0.6, top=0.7, bottom=0.7)
    sheet.set_footer("&C— &P —")
    sheet.print_area(0, 0, end + (3 if note else 0), last)


def _height(values: list[str], columns: list[tuple[str, float]]) -> float:
    """Points for the row's tallest cell."""
    return LINE_HEIGHT * max(wrapped_lines(str(v), width) for v, (_, width) in zip(values, columns, strict=True))
