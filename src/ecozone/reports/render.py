"""Render a report context to HTML, PDF (WeasyPrint from that HTML), Word (docxtpl) or Excel."""

from __future__ import annotations

import base64
import io
from importlib import resources
from pathlib import Path
from typing import Any

from ecozone._files import atomic_path
from ecozone.errors import Location, UsageError
from ecozone.reports import charts
from ecozone.reports.fonts import css_families, embedded_font_css, font_file_css
from ecozone.reports.report_workbook import write_report_workbook

__all__ = ["FORMATS", "check_docx_template", "lint_docx_template", "render_html", "write_reports"]

FORMATS = ("docx", "xlsx", "pdf", "html")


def _templates() -> Path:
    return Path(str(resources.files("ecozone.reports") / "templates"))


def _charts(context: dict[str, Any]) -> dict[str, Any]:
    gaps = charts.weak_gap_chart(context)
    series = [charts.series_chart(w) for w in context["weak_points"] if w["class_code"] != "risk_margin"][:4]
    return {"domains": charts.domain_chart(context), "gaps": gaps, "series": [s for s in series if s]}


def render_html(context: dict[str, Any], images: dict[str, Any] | None = None, *, for_print: bool = False) -> str:
    """One self-contained HTML page: charts as data: URIs, the font subsets embedded, no URL.

    ``for_print``: the page WeasyPrint lays out into the PDF names the font files instead (WeasyPrint subsets
    them itself with HarfBuzz), which spares it tokenising a megabyte of base64 in the style sheet."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from markupsafe import Markup

    images = images or _charts(context)
    encoded = {
        "domains": base64.b64encode(images["domains"]).decode("ascii"),
        "gaps": base64.b64encode(images["gaps"]).decode("ascii") if images["gaps"] else None,
        "series": [base64.b64encode(s).decode("ascii") for s in images["series"]],
    }
    env = Environment(loader=FileSystemLoader(_templates()), autoescape=select_autoescape(["html", "j2"]))
    template = env.get_template("report.html.j2")
    fonts = {role: Markup(family) for role, family in css_families().items()}  # CSS, not text
    if for_print:
        return template.render(**context, charts=encoded, font_css=Markup(font_file_css()), fonts=fonts)
    draft = template.render(**context, charts=encoded, font_css="", fonts=fonts)
    # subset the fonts to exactly the characters on the page, template text included
    font_css = Markup(embedded_font_css(draft))
    return template.render(**context, charts=encoded, font_css=font_css, fonts=fonts)


def _write_pdf(html: str, path: Path) -> None:
    from weasyprint import HTML

    HTML(string=html).write_pdf(path)


def lint_docx_template(template: Path, context: dict[str, Any]) -> list[str]:
    """Fields the template uses that the context does not provide."""
    from docxtpl import DocxTemplate

    document = DocxTemplate(str(template))
    return sorted(document.get_undeclared_template_variables(context={**context, "charts": {}}))


def check_docx_template(template: Path, context: dict[str, Any]) -> None:
    """Refuse a Word template that uses a field the context does not provide, naming the fields."""
    unknown = lint_docx_template(template, context)
    if unknown:
        raise UsageError(
            f"Word 模板中有未定义的字段：{'、'.join(unknown)}",
            Location(file=str(template)),
            expected="报告字段：" + "、".join(sorted(context)),
        )


def _write_docx(context: dict[str, Any], path: Path, images: dict[str, Any], template: Path | None = None) -> None:
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    source = template or _templates() / "report.docx"
    if template is not None:  # the shipped template's fields are the context's (tested), a bureau's may not be
        check_docx_template(source, context)
    document = DocxTemplate(str(source))

    def picture(data: bytes, width: float) -> InlineImage:
        # from memory: no temporary file left behind, and no random file name written into the document
        return InlineImage(document, io.BytesIO(data), width=Mm(width))

    pictures = {"domains": picture(images["domains"], 150),
                "gaps": picture(images["gaps"], 150) if images["gaps"] else None,
                "series": [picture(s, 120) for s in images["series"]]}
    document.render({**context, "charts": pictures}, autoescape=True)
    document.save(str(path))



def write_reports(
    formats: list[str],
    context: dict[str, Any],
    folder: Path | str,
    stem: str,
    *,
    template: Path | None = None,
) -> dict[str, Path]:
    """Write the reports asked for, all from the one context; charts and HTML are made once and shared."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError(f"不支持的报告格式「{unknown[0]}」", Location(field="--format"), expected="、".join(FORMATS))
    images = _charts(context) if {"html", "pdf", "docx"} & set(formats) else {}
    html = render_html(context, images) if "html" in formats else ""
    printed = render_html(context, images, for_print=True) if "pdf" in formats else ""
    written: dict[str, Path] = {}
    for fmt in formats:
        path = Path(folder) / f"{stem}.{fmt}"
        with atomic_path(path) as tmp:
            if fmt == "html":
                tmp.write_text(html, encoding="utf-8")
            elif fmt == "pdf":
                _write_pdf(printed, tmp)
            elif fmt == "docx":
                _write_docx(context, tmp, images, template)
            else:
                write_report_workbook(context, tmp)
        written[fmt] = path
    return written
