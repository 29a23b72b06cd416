"""Build the shipped Word template (report.docx) with python-docx; its fields are docxtpl tags.

Run after changing the layout:  python -m ecozone.reports.templates.make_docx_template
The field names are those of reports/context.py; a bureau's own template may use any of them.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

OUT = Path(__file__).with_name("report.docx")
FONT = "WenQuanYi Zen Hei"


def _table(doc, headers: list[str], loop: str, cells: list[str]) -> None:  # type: ignore[no-untyped-def]
    table = doc.add_table(rows=3, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for " + loop + " %}"
    row = table.add_row()
    for cell, text in zip(row.cells, cells, strict=True):
        cell.text = text
    table._tbl.remove(row._tr)
    table.rows[2]._tr.addprevious(row._tr)
    table.rows[3].cells[0].text = "{%tr endfor %}"


def main() -> None:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    title = doc.add_heading("{{ region.name }}生态文明建设示范区建设自评报告", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph("评价年度：{{ year }} 年　　依据：《{{ standard.title }}》（{{ standard.document }}，"
                      "标准编号 {{ standard.id }}）　　生成日期：{{ generated }}")
    doc.add_paragraph("结论：{{ verdict.text }}{% if verdict.indicators_only %}（仅指标，未进行否决项自查）{% endif %}")
    doc.add_paragraph("{{ standard.verification_note }}内容指纹：{{ standard.hash }}")
    doc.add_heading("一、结论与理由", level=1)
    doc.add_paragraph("{% for reason in reasons %}{{ loop.index }}. {{ reason }}\n{% endfor %}")
    doc.add_paragraph("适用指标 {{ counts.applicable }} 项：达标 {{ counts.met }} 项，未达标 {{ counts.not_met }} 项，"
                      "缺数据 {{ counts.missing }} 项，待核实 {{ counts.needs_review }} 项。"
                      "得分 {{ score.overall }}（覆盖率 {{ score.coverage }}，仅供排序参考）。")
    doc.add_heading("二、分领域完成情况", level=1)
    _table(doc, ["领域", "适用", "达标", "未达标", "缺数据/待核实"], "d in domains",
           ["{{ d.name }}", "{{ d.applicable }}", "{{ d.met }}", "{{ d.not_met }}", "{{ d.missing }}"])
    doc.add_paragraph("{{ charts.domains }}")
    doc.add_heading("三、短板弱项与措施方向", level=1)
    _table(doc, ["序", "类别", "指标", "数值", "目标", "差距", "趋势", "牵头部门"], "w in weak_points",
           ["{{ w.rank }}", "{{ w.class }}", "{{ w.id }} {{ w.name }}", "{{ w.value }}", "{{ w.target }}",
            "{{ w.gap }}", "{{ w.trend }}", "{{ w.lead_department }}"])
    doc.add_paragraph("{% if plan %}分期分批：{{ plan.status }}，{{ plan.year }} 年。{{ plan.reason }}{% endif %}")
    doc.add_paragraph("{{ methods.outlook }}")
    doc.add_heading("四、否决项自查", level=1)
    doc.add_paragraph("{% if not vetoes %}未提供否决项自查回答。{% endif %}")
    _table(doc, ["条件", "回答", "来源", "影响", "回溯期限", "依据"], "v in vetoes or []",
           ["{{ v.wording }}", "{{ v.answer }}", "{{ v.source }}", "{{ v.effect }}", "{{ v.window }}",
            "{{ v.evidence }}"])
    doc.add_heading("附件一：指标完成情况表", level=1)
    _table(doc, ["序号", "领域", "指标", "属性", "指标值", "数值", "判定", "差距", "核实"], "i in indicators",
           ["{{ i.id }}", "{{ i.domain }}", "{{ i.name }}", "{{ i.attribute }}", "{{ i.target }}",
            "{{ i.value }}", "{{ i.status }}", "{{ i.gap }}", "{{ i.verified }}"])
    doc.add_heading("附件二：判定依据", level=1)
    _table(doc, ["序号", "数值与来源", "适用目标及依据", "判定规则", "说明"], "i in indicators",
           ["{{ i.id }}", "{{ i.value }}（{{ i.source }}）", "{{ i.target_value }}（{{ i.basis }}）",
            "{{ i.rule }}", "{{ i.explanation }}"])
    doc.add_paragraph("规则版本：{{ standard.id }}，内容指纹 {{ standard.hash }}。{{ methods.score }}")
    doc.save(str(OUT))
    print("written", OUT)


if __name__ == "__main__":
    main()
