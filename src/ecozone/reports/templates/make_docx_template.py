"""Build the shipped Word template (report.docx) with python-docx; its fields are docxtpl tags.

Run after changing the layout:  python -m ecozone.reports.templates.make_docx_template
The field names are those of reports/context.py; a bureau's own template may use any of them.
The layout follows GB/T 9704 where it applies to a report: A4, 版心 156 × 225 mm, title 2号 宋体
(Windows ships no 小标宋), 一级标题 3号黑体, 二级标题 3号楷体, text 3号仿宋 at a fixed 28 pt line,
tables 五号宋体, page numbers 「— 1 —」 4号 on the outer side; the 附件 in a landscape section.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from ecozone.reports.fonts import OFFICE

OUT = Path(__file__).with_name("report.docx")
LATIN = "Times New Roman"
PORTRAIT_WIDTH = 156  # mm of text width on an A4 page with the GB/T 9704 margins
LANDSCAPE_WIDTH = 237


def _fonts(style: Any, east: str, size: float, *, bold: bool = False) -> None:
    style.font.name = LATIN
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for key in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(key), LATIN)
    fonts.set(qn("w:eastAsia"), east)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(theme)) is not None:
            del fonts.attrib[qn(theme)]


def _styles(doc: Any) -> None:
    normal = doc.styles["Normal"]
    _fonts(normal, OFFICE["body"], 16)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.first_line_indent = Pt(32)
    normal.paragraph_format.space_after = Pt(0)
    for name, east, size, bold, align in (("Title", OFFICE["title"], 22, True, WD_ALIGN_PARAGRAPH.CENTER),
                                          ("Heading 1", OFFICE["heading"], 16, False, None),
                                          ("Heading 2", OFFICE["kai"], 16, False, None)):
        style = doc.styles[name]
        _fonts(style, east, size, bold=bold)
        fmt = style.paragraph_format
        fmt.first_line_indent = Pt(0) if name == "Title" else Pt(32)
        fmt.space_before, fmt.space_after = Pt(6), Pt(6)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(36 if name == "Title" else 28)
        fmt.keep_with_next = True
        if align is not None:
            fmt.alignment = align
    table = doc.styles.add_style("表格文字", WD_STYLE_TYPE.PARAGRAPH)
    table.base_style = normal
    _fonts(table, OFFICE["table"], 10.5)
    table.paragraph_format.first_line_indent = Pt(0)
    table.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    head = doc.styles.add_style("表头", WD_STYLE_TYPE.PARAGRAPH)
    head.base_style = table
    _fonts(head, OFFICE["heading"], 10.5)
    head.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    plain = doc.styles.add_style("居中", WD_STYLE_TYPE.PARAGRAPH)
    plain.base_style = normal
    plain.paragraph_format.first_line_indent = Pt(0)
    plain.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture = doc.styles.add_style("图片", WD_STYLE_TYPE.PARAGRAPH)
    picture.base_style = plain
    picture.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE  # an exact line height clips a picture
    title = doc.styles["Title"].element.get_or_add_pPr()
    for border in title.findall(qn("w:pBdr")):  # Word's default title has a rule under it; a 公文 title has none
        title.remove(border)
    note = doc.styles.add_style("说明", WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = normal
    _fonts(note, OFFICE["body"], 12)
    note.paragraph_format.line_spacing = Pt(20)


def _page(section: Any, *, landscape: bool) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    if landscape:
        section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = (
            Mm(28), Mm(26), Mm(30), Mm(30))
    else:
        section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = (
            Mm(37), Mm(35), Mm(28), Mm(26))
    section.footer_distance = Mm(25) if not landscape else Mm(15)


def _page_number(paragraph: Any, align: Any) -> None:
    """「— 1 —」 with a PAGE field, 4号 宋体."""
    paragraph.alignment = align
    paragraph.paragraph_format.first_line_indent = Pt(0)
    for text, field in (("— ", None), (None, "PAGE"), (" —", None)):
        run = paragraph.add_run(text or "")
        run.font.size = Pt(14)
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), OFFICE["table"])
        if field:
            for kind, instr in (("begin", None), (None, f" {field} "), ("end", None)):
                if kind:
                    char = OxmlElement("w:fldChar")
                    char.set(qn("w:fldCharType"), kind)
                    run._element.append(char)
                else:
                    code = OxmlElement("w:instrText")
                    code.set(qn("xml:space"), "preserve")
                    code.text = instr
                    run._element.append(code)


def _footers(doc: Any) -> None:
    doc.settings.odd_and_even_pages_header_footer = True
    for section in doc.sections:
        section.footer.is_linked_to_previous = False
        _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
        section.even_page_footer.is_linked_to_previous = False
        _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _row_flags(row: Any, *, header: bool) -> None:
    props = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader" if header else "w:cantSplit")
    flag.set(qn("w:val"), "true")
    props.append(flag)


def _table(doc: Any, headers: list[str], loop: str, cells: list[str], widths: list[float], total: float) -> None:
    """A table whose header row repeats on every page, whose rows never split, with widths (parts of
    ``total`` mm) set for Chinese text."""
    table = doc.add_table(rows=3, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    scale = total / sum(widths)
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
        cell.paragraphs[0].style = doc.styles["表头"]
    _row_flags(table.rows[0], header=True)
    table.rows[1].cells[0].text = "{%tr for " + loop + " %}"
    row = table.add_row()
    for cell, text in zip(row.cells, cells, strict=True):
        cell.text = text
        cell.paragraphs[0].style = doc.styles["表格文字"]
    _row_flags(row, header=False)
    table._tbl.remove(row._tr)
    table.rows[2]._tr.addprevious(row._tr)
    table.rows[3].cells[0].text = "{%tr endfor %}"
    for r in table.rows:
        for cell, width in zip(r.cells, widths, strict=True):
            cell.width = Mm(width * scale)
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(int(Mm(width * scale).twips)))


def _para(doc: Any, text: str, style: str | None = None) -> None:
    paragraph = doc.add_paragraph(text)
    if style:
        paragraph.style = doc.styles[style]


def main() -> None:
    doc = Document()
    _styles(doc)
    _page(doc.sections[0], landscape=False)
    title = doc.add_paragraph("{{ region.name }}生态文明建设示范区建设自评报告", style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, "（评价年度：{{ year }} 年）", "居中")
    _para(doc, "依据：《{{ standard.title }}》（{{ standard.document }}）。"
          "{% if generated %}报告生成时间：{{ generated }}。{% endif %}")
    _para(doc, "自评结论：{{ verdict.text }}"
          "{% if verdict.indicators_only %}（仅依指标判定，未进行否决项自查）{% endif %}", "居中")
    doc.add_heading("一、结论与理由", level=1)
    _para(doc, "{{ region.name }}对照{{ standard.title }}，适用指标 {{ counts.applicable }} 项："
          "达标 {{ counts.met }} 项，未达标 {{ counts.not_met }} 项，缺数据 {{ counts.missing }} 项，"
          "待核实 {{ counts.needs_review }} 项。")
    _para(doc, "{%p for reason in reasons %}")
    _para(doc, "{{ loop.index }}. {{ reason }}")
    _para(doc, "{%p endfor %}")
    doc.add_heading("二、分领域完成情况", level=1)
    _table(doc, ["领域", "适用", "达标", "未达标", "缺数据/待核实"], "d in domains",
           ["{{ d.name }}", "{{ d.applicable }}", "{{ d.met }}", "{{ d.not_met }}", "{{ d.missing }}"],
           [4, 2, 2, 2, 3], PORTRAIT_WIDTH)
    _para(doc, "{{ charts.domains }}", "图片")
    doc.add_heading("三、短板弱项与措施方向", level=1)
    _para(doc, "{%p if weak_points %}")
    _table(doc, ["序号", "指标", "现状与目标", "趋势", "数据来源/牵头部门", "措施方向"], "w in weak_points",
           ["{{ loop.index }}", "{{ w.id }} {{ w.name }}（{{ w.class }}）",
            "现状 {{ w.value }}；目标 {{ w.target }}{% if w.gap != '—' %}；{{ w.gap }}{% endif %}",
            "{{ w.trend }}{% if w.projected_year != '—' %}，预计 {{ w.projected_year }} 年达标{% endif %}",
            "{{ w.lead_department }}", "{{ w.direction }}"],
           [1.2, 3.4, 3.6, 2.2, 2.4, 4], PORTRAIT_WIDTH)
    _para(doc, "{{ charts.gaps or '' }}", "图片")
    _para(doc, "{%p for img in charts.series %}")
    _para(doc, "{{ img }}", "图片")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p else %}")
    _para(doc, "适用指标均已达标，没有未达标、缺数据或趋势变差的指标。")
    _para(doc, "{%p endif %}")
    _para(doc, "{%p if watch %}")
    doc.add_heading("（二）需关注的指标（已达标，但余量不足目标的 {{ risk_margin }}）", level=2)
    _table(doc, ["序号", "指标", "现状值", "目标", "余量"], "w in watch",
           ["{{ loop.index }}", "{{ w.id }} {{ w.name }}", "{{ w.value }}", "{{ w.target }}", "{{ w.gap }}"],
           [1.2, 5, 3, 4, 3], PORTRAIT_WIDTH)
    _para(doc, "{%p endif %}")
    _para(doc, "{% if plan %}分期分批：{{ plan.status }}。{{ plan.reason }}{% endif %}")
    _para(doc, "{{ methods.outlook }}", "说明")
    doc.add_heading("四、否决项自查", level=1)
    _para(doc, "{%p if vetoes %}")
    _table(doc, ["否决情形", "是否存在", "判断依据", "影响", "回溯期限", "佐证"], "v in vetoes",
           ["{{ v.wording }}", "{{ v.answer }}", "{{ v.source }}", "{{ v.effect }}", "{{ v.window }}",
            "{{ v.evidence }}{% if v.override_reason %}（推翻理由：{{ v.override_reason }}）{% endif %}"],
           [4.4, 1.4, 1.6, 2.2, 2.2, 3.6], PORTRAIT_WIDTH)
    _para(doc, "{%p else %}")
    _para(doc, "未提供否决项自查回答。")
    _para(doc, "{%p endif %}")
    _para(doc, "{{ standard.verification_note }}", "说明")

    annex = doc.add_section(WD_SECTION.NEW_PAGE)
    _page(annex, landscape=True)
    doc.add_heading("附件一", level=1)
    _para(doc, "{{ region.name }}生态文明建设示范区建设指标完成情况表（{{ year }} 年）", "居中")
    _table(doc, ["序号", "领域", "指标", "属性", "指标值（标准原文）", "本地区适用目标", "{{ year }} 年现状值",
                 "达标情况", "差距", "趋势", "核对"], "i in annex",
           ["{{ i.id }}", "{{ i.domain if not i.level else '' }}", "{{ '　' if i.level else '' }}{{ i.name }}",
            "{{ i.attribute if not i.level else '' }}", "{{ i.target }}", "{{ i.applied }}", "{{ i.value }}",
            "{{ i.status }}", "{{ i.gap }}", "{{ i.trend }}", "{{ i.verified if not i.level else '' }}"],
           [5, 5, 15, 6, 15, 12, 10, 7, 12, 8, 5], LANDSCAPE_WIDTH)
    doc.add_heading("附件二", level=1).paragraph_format.page_break_before = True
    _para(doc, "判定依据", "居中")
    _table(doc, ["序号", "指标", "现状值与数据来源", "判定规则", "说明"], "i in annex",
           ["{{ i.id }}", "{{ i.name }}", "{{ i.value }}（{{ i.source }}）", "{{ i.rule }}", "{{ i.explanation }}"],
           [5, 16, 16, 28, 35], LANDSCAPE_WIDTH)
    _para(doc, "{{ methods.judging }}。标准包：{{ standard.id }}，内容指纹 {{ standard.hash }}。", "说明")
    _footers(doc)
    doc.save(str(OUT))
    print("written", OUT)


if __name__ == "__main__":
    main()
