"""Excel in and out: templates, validated import, the errors workbook, the results workbook.

Fixtures are real workbooks under tests/fixtures/excel/ (regenerate with make_fixtures.py).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

import ecozone
from ecozone.catalogue import load_metrics
from ecozone.errors import InputError
from ecozone.io.excel import layout as L
from ecozone.io.excel.marked_copy import ERROR_SHEET, write_errors_workbook
from ecozone.io.excel.read import WorkbookImport, read_workbook
from ecozone.io.excel.template import write_template
from ecozone.reports.workbook import write_results_workbook
from tests.conftest import FIXTURES, SAMPLE

EXCEL = FIXTURES / "excel"
MEE_2019 = ecozone.load_standard("mee-2019")


def check(name: str) -> WorkbookImport:
    return read_workbook(EXCEL / name, load_metrics(), MEE_2019)


def found(report: WorkbookImport) -> set[tuple[str, str, str | None]]:
    return {(p.severity, p.code, p.cell) for p in report.problems.items}


def value_of(report: WorkbookImport, metric: str, year: int) -> float | str | None:
    assert report.dataset is not None
    row = report.dataset.observations.filter((pl.col("metric") == metric) & (pl.col("year") == year))
    if row.height == 0:
        return None
    return row["value"].item() if row["value"].item() is not None else row["state"].item()


# --- template --------------------------------------------------------------------------


def test_template_has_the_sheets_rows_and_targets_for_each_region(tmp_path: Path, sample) -> None:
    regions = sample.regions.filter(pl.col("code").is_in(["990101", "990103", "990107"]))
    target = tmp_path / "t.xlsx"
    counts = write_template(MEE_2019, regions, [2021, 2022, 2023], target)
    book = CalamineWorkbook.from_path(str(target))
    assert book.sheet_names[:6] == [L.SHEET_GUIDE, L.SHEET_REGIONS, L.SHEET_FIGURES, L.SHEET_OMITTED,
                                    L.SHEET_ASSIGNED, L.SHEET_SOURCES]
    figures = book.get_sheet_by_name(L.SHEET_FIGURES).to_python()
    header = figures[0]
    assert header[8:11] == ["2021", "2022", "2023"]
    rows = {(r[0], r[2]): r for r in figures[1:]}
    # applicable rows only: the coastal county gets the coastal indicators, inland ones do not
    assert ("990103", "9") in rows and ("990101", "9") not in rows
    assert ("990101", "23") not in rows  # 市-only
    # the target that applies to each region, with the reason
    assert rows[("990101", "11")][6] == "≥60%（山区）"
    assert rows[("990107", "11")][6] == "≥35%（干旱半干旱地区）"
    assert rows[("990101", "7.1")][6].endswith("（上级目标填「上级目标」表）")
    assert counts["regions"] == 3 and counts["figure_rows"] == len(figures) - 1
    # a county reads its own branch of a 市/县 target, not the whole 「市 100；县 开展」
    assert rows[("990101", "6")][6] == "开展（县级）"
    # a published name that is a change names the figure to fill, in the unit of that figure
    assert rows[("990101", "7.2")][4] == "环境空气质量：PM2.5浓度下降幅度（填各年PM2.5浓度，升降幅度由系统计算）"
    assert rows[("990101", "7.2")][5] == "μg/m³"
    assert "（填各年地表水水质达到或优于Ⅲ类比例" in rows[("990101", "8.1")][4]
    assert rows[("990101", "11")][4] == "林草覆盖率"  # a name that is the figure stays as published
    # what is left out of each region's rows is listed with the profile field that rules it out
    omitted = {(r[0], r[2]): r[4] for r in book.get_sheet_by_name(L.SHEET_OMITTED).to_python()[1:]}
    assert omitted[("990101", "9")].endswith("本地区「沿海」为「否」") and ("990103", "9") not in omitted
    assert omitted[("990101", "23")].endswith("本地区「级别」为「县」")
    from ecozone.engine.criteria import compile_standard

    units = set(compile_standard(MEE_2019).units["unit_id"])
    for code in ("990101", "990103", "990107"):  # every unit is either asked for or explained
        asked = {unit for (region, unit) in rows if region == code}
        explained = {unit for (region, unit) in omitted if region == code}
        assert not asked & explained and asked | explained == units, code
    assert counts["omitted_rows"] == len(omitted)
    profile = book.get_sheet_by_name(L.SHEET_REGIONS).to_python()
    assert profile[0][:3] == ["地区代码", "地区名称", "级别"] and profile[3][7] == "否"


def test_template_validation_dropdowns_and_protection(tmp_path: Path, sample) -> None:
    target = tmp_path / "t.xlsx"
    write_template(MEE_2019, sample.regions.head(1), [2022, 2023], target)
    book = load_workbook(target)
    figures = book[L.SHEET_FIGURES]
    assert figures.protection.sheet is True and figures.freeze_panes == "I2"
    assert figures["I2"].protection.locked is False and figures["E2"].protection.locked is True
    rules = {str(v.sqref): v for v in figures.data_validations.dataValidation}
    plan_row = rules["I2:J2"]  # eco_plan: a state dropdown
    assert plan_row.type == "list" and "制定实施" in plan_row.formula1 and "无" in plan_row.formula1
    number_row = rules["I4:J4"]  # eco_performance_weight: a number between 0 and 100
    assert number_row.type == "custom" and "ISNUMBER(I4)" in number_row.formula1 and "I4<=100" in number_row.formula1
    regions = book[L.SHEET_REGIONS]
    terrain = next(v for v in regions.data_validations.dataValidation if str(v.sqref).startswith("E"))
    assert "山区" in terrain.formula1


# --- the round trip --------------------------------------------------------------------


@pytest.mark.parametrize("fresh", [False, True], ids=["committed fixture", "generated and filled now"])
def test_filled_template_assesses_like_the_tidy_csv(sample, tmp_path: Path, fresh: bool) -> None:
    if fresh:  # the whole round trip in this test: template → openpyxl fills it → import
        from tests.fixtures.excel.make_fixtures import filled

        filled(tmp_path / "filled.xlsx")
        report = read_workbook(tmp_path / "filled.xlsx", load_metrics(), MEE_2019)
    else:
        report = check("filled.xlsx")
    assert report.problems.items == []
    assert report.standard_id == "mee-2019"
    assert report.dataset is not None
    from_excel = ecozone.assess_dataset(MEE_2019, report.dataset)
    one = sample.regions.filter(pl.col("code") == "990101")
    tidy = ecozone.Dataset(one, sample.observations.filter(pl.col("region") == "990101"), sample.assigned)
    from_csv = ecozone.assess_dataset(MEE_2019, tidy)
    assert from_excel.regions["verdict"].to_list() == from_csv.regions["verdict"].to_list() == ["ready"]
    columns = ["indicator_id", "status", "value", "state", "target_value", "gap", "explanation"]
    assert from_excel.indicators.select(columns).equals(from_csv.indicators.select(columns))


# --- bad input, one fixture each -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("text_in_number.xlsx", ("错误", "not_a_number", "M4")),
        ("negative_share.xlsx", ("错误", "below_minimum", "M4")),
        ("share_over_100.xlsx", ("错误", "above_maximum", "M14")),
        ("year_out_of_range.xlsx", ("错误", "bad_year", "M1")),
        ("bad_state.xlsx", ("错误", "bad_state", "M2")),
        ("duplicate_row.xlsx", ("错误", "duplicate_row", "O43")),
        ("unknown_row.xlsx", ("错误", "unknown_metric", "O14")),
        ("merged_cells.xlsx", ("错误", "merged_data", "K3")),
    ],
)
def test_bad_cells_are_errors_with_their_cell(name: str, expected: tuple[str, str, str]) -> None:
    report = check(name)
    assert expected in found(report)
    assert report.dataset is None  # nothing imported while an error stands
    problem = next(p for p in report.problems.items if p.code == expected[1])
    assert problem.sheet in (L.SHEET_FIGURES,) and problem.expected


def test_messages_quote_the_bad_value_and_say_what_is_expected() -> None:
    problem = next(p for p in check("text_in_number.xlsx").problems.items if p.code == "not_a_number")
    assert problem.message == "不是数字：「二十五」" and "85%" in (problem.expected or "")
    problem = next(p for p in check("share_over_100.xlsx").problems.items if p.code == "above_maximum")
    assert "150" in problem.message and "0–100" in (problem.expected or "")


def test_region_code_not_six_digits_and_not_registered() -> None:
    report = check("bad_region_code.xlsx")
    assert {("错误", "bad_region_code", "A4"), ("错误", "unknown_region", "A5")} <= found(report)


def test_percent_written_three_ways() -> None:
    report = check("percent_forms.xlsx")
    # "64.9%" as text and full-width "２２" are accepted; 0.65 in a percent row must be confirmed
    assert found(report) == {("警告", "probable_fraction", "M14")}
    assert report.problems.to_confirm and report.dataset is not None
    assert value_of(report, "forest_grass_coverage", 2022) == 64.9
    assert value_of(report, "eco_performance_weight", 2021) == 22


def test_a_probable_fraction_blocks_assess_until_confirmed() -> None:
    with pytest.raises(InputError) as caught:
        ecozone.load_dataset(EXCEL / "percent_forms.xlsx", standard=MEE_2019)
    assert caught.value.location.cell == "M14" and "--accept-warnings" in caught.value.message
    dataset = ecozone.load_dataset(EXCEL / "percent_forms.xlsx", standard=MEE_2019, accept_warnings=True)
    assert dataset.observations.height > 0


def test_thousands_separator() -> None:
    report = check("thousands.xlsx")
    assert report.problems.items == [] and value_of(report, "water_intensity", 2023) == 1234.5


def test_blank_versus_explicit_no_data_and_not_applicable() -> None:
    report = check("blank_and_explicit.xlsx")
    assert found(report) == {("提示", "no_data", "M4"), ("警告", "marked_not_applicable", "M14")}
    assert value_of(report, "eco_performance_weight", 2023) is None  # "无" is missing, never zero
    assert value_of(report, "forest_grass_coverage", 2022) is None   # blank
    assert value_of(report, "forest_grass_coverage", 2023) is None   # "不适用" does not override the profile


def test_renamed_indicator_text_still_imports_by_metric() -> None:
    report = check("unknown_row.xlsx")
    # row 15's name was edited by hand: its figures still import (rows are keyed by metric id)
    assert not [p for p in report.problems.items if p.cell and p.cell.endswith("15")]


def test_renamed_and_reordered_sheets_are_found_by_header() -> None:
    report = check("renamed_sheets.xlsx")
    assert found(report) == {("警告", "sheet_renamed", None)}
    assert report.dataset is not None and value_of(report, "eco_plan", 2023) == "制定实施"


def test_merged_region_cells_are_spread_and_noted() -> None:
    report = check("merged_cells.xlsx")
    assert ("提示", "merged_filled", "A2") in found(report)
    assert not [p for p in report.problems.items if p.code == "unknown_region"]


def test_formulas_use_cached_values_and_warn_without_one() -> None:
    cached = read_workbook(EXCEL / "formula_cached.xlsx", load_metrics())
    assert cached.problems.items == [] and value_of(cached, "eco_performance_weight", 2023) == 25
    missing = check("formula_no_value.xlsx")
    # the formula's cell reads as blank: warned about, and counted among the unfilled
    assert found(missing) == {("警告", "formula_without_value", "M4"), ("提示", "unfilled", "M4")}
    assert value_of(missing, "eco_performance_weight", 2023) is None


def test_a_workbook_saved_by_wps() -> None:
    report = check("wps.xlsx")
    assert report.problems.items == [] and report.dataset is not None


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("encrypted.xlsx", "打开密码"),
        ("corrupted.xlsx", "文件已损坏"),
        ("zip_bomb.xlsx", "疑似异常文件"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(name: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        check(name)
    assert fragment in caught.value.message and name in caught.value.message


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.xlsx"
    with big.open("wb") as fh:
        fh.truncate(60 * 1024 * 1024)
    with pytest.raises(InputError) as caught:
        read_workbook(big, load_metrics())
    assert "超过 50 MB" in caught.value.message


def test_a_huge_sheet_is_refused_by_row_count() -> None:
    with pytest.raises(InputError) as caught:
        read_workbook(EXCEL / "filled.xlsx", load_metrics(), max_rows=20)
    assert caught.value.location.sheet is not None and "行的上限" in caught.value.message


# --- the errors workbook ---------------------------------------------------------------


def test_errors_workbook_marks_cells_and_lists_problems(tmp_path: Path) -> None:
    report = check("bad_region_code.xlsx")
    target = tmp_path / "errors.xlsx"
    marked = write_errors_workbook(EXCEL / "bad_region_code.xlsx", report.problems, target)
    assert marked == 2
    book = load_workbook(target)
    assert book.sheetnames[0] == ERROR_SHEET
    cell = book[L.SHEET_FIGURES]["A4"]
    assert cell.fill.fgColor.rgb.endswith("FFC7CE") and "6位数字" in cell.comment.text
    listed = [row for row in book[ERROR_SHEET].iter_rows(min_row=2, values_only=True)]
    assert ("错误", L.SHEET_FIGURES, "A4") in [r[:3] for r in listed]
    # the user's own data is kept
    assert book[L.SHEET_FIGURES]["M2"].value == "制定实施"


def test_the_error_list_names_region_indicator_and_year_of_each_cell(tmp_path: Path) -> None:
    source = tmp_path / "bad.xlsx"
    book = load_workbook(EXCEL / "filled.xlsx")
    book[L.SHEET_FIGURES]["M14"] = "约65"  # indicator 11 林草覆盖率, 2023
    book[L.SHEET_FIGURES]["L14"] = 0.6  # 2022: a share that looks like a fraction
    book.save(source)
    target = tmp_path / "errors.xlsx"
    write_errors_workbook(source, ecozone.check_workbook(source, MEE_2019).problems, target)
    sheet = load_workbook(target)[ERROR_SHEET]
    assert [c.value for c in sheet[1]] == ["级别", "工作表", "单元格", "地区", "指标或条目", "年份", "问题", "应为"]
    rows = {r[2]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["M14"][:6] == ("错误", L.SHEET_FIGURES, "M14", "990101 青岚县", "林草覆盖率", 2023)
    assert rows["L14"][0] == "警告" and rows["L14"][5] == 2022 and "「确认无误」" not in rows["L14"][7]
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"


# --- the results workbook --------------------------------------------------------------


def test_results_workbook_has_board_matrix_and_region_sheets(tmp_path: Path) -> None:
    result = ecozone.evaluate(MEE_2019, ecozone.load_dataset(SAMPLE), vetoes=False)
    target = tmp_path / "results.xlsx"
    write_results_workbook(result, target)
    book = load_workbook(target)
    assert book.sheetnames[:2] == ["总表", "指标矩阵"] and len(book.sheetnames) == 2 + 8
    board = {row[0]: row for row in book["总表"].iter_rows(min_row=3, values_only=True)}
    assert board["990104"][2] == "暂不具备" and board["990101"][2] == "可申报"
    assert book["总表"]["C3"].fill.fgColor.rgb.endswith("C6EFCE")  # green for ready
    shimen = book["石门县990104"]
    row = next(r for r in shimen.iter_rows(min_row=3) if r[0].value == "29")
    assert row[4].value == "未达标" and row[4].fill.fgColor.rgb.endswith("FFC7CE") and row[9].value == -3


@pytest.mark.parametrize("name", ["filled.xls", "filled.ods"])
def test_xls_and_ods_read_like_xlsx(name: str) -> None:
    other = check(name)
    xlsx = check("filled.xlsx")
    assert other.problems.items == [] and other.dataset is not None and xlsx.dataset is not None
    columns = ["region", "year", "metric", "value", "state"]
    assert other.dataset.observations.select(columns).sort(columns[:3]).equals(
        xlsx.dataset.observations.select(columns).sort(columns[:3])
    )


# --- the self-check sheets -------------------------------------------------------------


def test_template_carries_the_self_check_sheets(tmp_path: Path, sample) -> None:
    target = tmp_path / "t.xlsx"
    write_template(MEE_2019, sample.regions.head(2), [2023], target)
    book = load_workbook(target)
    vetoes = book[L.SHEET_VETOES]
    header = [c.value for c in vetoes[1]]
    assert header == list(L.VETO_COLUMNS)
    conditions = {row[2] for row in vetoes.iter_rows(min_row=2, values_only=True)}
    assert {"major_incident", "data_fraud", "plan_in_force"} <= conditions
    assert vetoes.max_row - 1 == 2 * 11  # every condition for each region
    answer_rule = next(v for v in vetoes.data_validations.dataValidation if "是" in (v.formula1 or ""))
    assert "不清楚" in answer_rule.formula1
    assert [c.value for c in book[L.SHEET_INCIDENTS][1]] == list(L.INCIDENT_COLUMNS)


def test_self_check_answers_and_incidents_are_read_from_the_workbook() -> None:
    report = check("incident_in_window.xlsx")
    assert report.dataset is not None and report.dataset.answers is not None
    answers = dict(zip(report.dataset.answers["condition"], report.dataset.answers["answer"], strict=True))
    assert answers["data_fraud"] == "no" and "major_incident" not in answers
    incidents = report.dataset.incidents
    assert incidents is not None and incidents.row(0, named=True)["grade"] == "Ⅱ"
    checked = ecozone.selfcheck_dataset(MEE_2019, report.dataset)
    assert checked.regions["verdict"].to_list() == ["vetoed"]


def test_filled_workbook_passes_the_self_check() -> None:
    report = check("filled.xlsx")
    assert report.dataset is not None
    assert ecozone.selfcheck_dataset(MEE_2019, report.dataset).regions["verdict"].to_list() == ["ready"]


@pytest.mark.parametrize(("name", "expected"), [
    ("bad_answer.xlsx", ("错误", "bad_answer", "G11")),
    ("bad_incident_grade.xlsx", ("错误", "bad_grade", "C102")),
])
def test_bad_self_check_cells(name: str, expected: tuple[str, str, str]) -> None:
    report = check(name)
    assert expected in found(report) and report.dataset is None


def test_the_error_workbook_marks_a_problem_inside_a_merged_range(tmp_path: Path) -> None:
    """A bad code typed once into merged A2:A6 is a problem at every row it covers; the marked copy is still
    written, the note on the range's visible (top-left) cell."""
    source = tmp_path / "merged.xlsx"
    book = load_workbook(EXCEL / "merged_cells.xlsx")
    book[L.SHEET_FIGURES]["A2"] = "99010"
    book.save(source)
    report = read_workbook(source, load_metrics(), MEE_2019)
    assert {p.cell for p in report.problems.errors if p.code == "bad_region_code"} >= {"A2", "A3", "A6"}
    target = tmp_path / "merged.errors.xlsx"
    write_errors_workbook(source, report.problems, target)
    marked = load_workbook(target)[L.SHEET_FIGURES]
    assert marked["A2"].comment is not None and "6位数字" in marked["A2"].comment.text
    assert marked["A2"].fill.fgColor.rgb.endswith("FFC7CE")


def test_a_drop_down_list_is_not_taken_for_a_formula() -> None:
    """Every template has drop-down lists (<formula1> in the sheet XML): no second, slow read for them."""
    from ecozone.io.excel.formats import sheet_look

    assert not sheet_look(EXCEL / "filled.xlsx", L.SHEET_FIGURES).has_formulas
    for name in ("formula_cached.xlsx", "formula_no_value.xlsx"):
        assert sheet_look(EXCEL / name, L.SHEET_FIGURES).has_formulas


def test_a_percentage_typed_the_excel_way_is_read_as_shown(tmp_path: Path) -> None:
    """Typing 87.96% stores 0.8796 with a percent format; the clerk sees 87.96 %, and so does the check."""
    source = tmp_path / "percent.xlsx"
    book = load_workbook(EXCEL / "filled.xlsx")
    sheet = book[L.SHEET_FIGURES]
    sheet["M14"] = 0.8796  # indicator 11 (forest_grass_coverage, %), 2023
    sheet["M14"].number_format = "0.00%"
    sheet["L14"] = 0.65
    sheet["L14"].number_format = "0%"  # built-in percent format (id 9)
    book.save(source)
    report = read_workbook(source, load_metrics(), MEE_2019)
    assert not [p for p in report.problems.items if p.code == "probable_fraction"]
    assert value_of(report, "forest_grass_coverage", 2023) == 87.96
    assert value_of(report, "forest_grass_coverage", 2022) == 65
    result = ecozone.evaluate(MEE_2019, ecozone.load_dataset(source))
    forest = result.indicators.filter((pl.col("region") == "990101") & (pl.col("indicator_id") == "11"))
    assert forest["status"].item() == "met" and "87.96%" in forest["explanation"].item()


def test_a_number_shown_as_a_wrong_percentage_is_refused_as_shown(tmp_path: Path) -> None:
    """24.04 in a cell formatted 0.00% shows 2404.00 % in Excel: the error quotes what the clerk sees."""
    source = tmp_path / "shown.xlsx"
    book = load_workbook(EXCEL / "filled.xlsx")
    book[L.SHEET_FIGURES]["M4"].number_format = "0.00%"
    book.save(source)
    problem = next(p for p in read_workbook(source, load_metrics(), MEE_2019).problems.errors if p.cell == "M4")
    assert problem.code == "above_maximum" and "「2404%」" in problem.message and "不大于 100（" in problem.expected


@pytest.mark.parametrize("name", [*sorted(p.name for p in EXCEL.glob("*.xls*")), "filled.ods"])
def test_a_check_that_passes_means_no_unnamed_incomplete_verdict(name: str) -> None:
    """For every fixture workbook: a county the assessment will call 资料不全 is named by check, with why."""
    from ecozone.errors import EcozoneError

    try:
        report = ecozone.check_workbook(EXCEL / name, MEE_2019)
    except EcozoneError:
        return  # refused as a file (encrypted, corrupted, a zip bomb): nothing is assessed either
    if report.problems.errors or report.dataset is None:
        return  # check did not pass: assess refuses too
    result = ecozone.evaluate(MEE_2019, report.dataset)
    named = {(p.code, p.message.split("（")[0]) for p in report.problems.items if p.severity == "警告"}
    for region in result.regions.filter(pl.col("verdict") == "incomplete").iter_rows(named=True):
        for reason in region["reasons"]:
            if reason["code"] in ("binding_missing", "binding_needs_review", "standard_incomplete",
                                  "veto_unanswered", "veto_catalogue_missing", "nothing_applicable"):
                assert (reason["code"], region["name"]) in named, (name, region["name"], reason["message"])


def test_check_names_a_deleted_row_an_unanswered_veto_and_an_emptied_incident_sheet(tmp_path: Path) -> None:
    source = tmp_path / "gaps.xlsx"
    book = load_workbook(EXCEL / "filled.xlsx")
    figures = book[L.SHEET_FIGURES]
    deleted = next(r[0].row for r in figures.iter_rows(min_row=2) if r[2].value == "4")  # indicator 4, binding
    figures.delete_rows(deleted)
    vetoes = book[L.SHEET_VETOES]
    header = {cell.value: cell.column for cell in vetoes[1]}
    for row in vetoes.iter_rows(min_row=2):
        row[header["回答"] - 1].value = None  # every question left unanswered
    incidents = book[L.SHEET_INCIDENTS]
    incidents.delete_rows(2, incidents.max_row)
    book.save(source)
    report = ecozone.check_workbook(source, MEE_2019)
    codes = {p.code for p in report.problems.items if p.severity == "警告"}
    assert {"binding_missing", "veto_unanswered"} <= codes
    missing = next(p for p in report.problems.items if p.code == "binding_missing")
    assert "第4项" in missing.message and "资料不全" in missing.message
    assert ecozone.evaluate(MEE_2019, ecozone.load_dataset(source)).regions["verdict"][0] == "incomplete"


def test_the_template_prints_on_a4_landscape_one_page_wide_with_its_header(tmp_path: Path) -> None:
    target = tmp_path / "t.xlsx"
    write_template(MEE_2019, ecozone.load_dataset(SAMPLE).regions.head(1), [2021, 2022, 2023], target)
    book = load_workbook(target)
    for name in (L.SHEET_REGIONS, L.SHEET_FIGURES, L.SHEET_ASSIGNED, L.SHEET_VETOES):
        sheet = book[name]
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9, name
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0, name
        assert sheet.print_title_rows == "$1:$1", name
    figures = book[L.SHEET_FIGURES]
    header = [c.value for c in figures[1]]
    assert figures.print_area.endswith(f"${figures.cell(1, header.index(L.COL_NOTE) + 1).column_letter}$42")
    long_name = next(r[0].row for r in figures.iter_rows(min_row=2) if r[2].value == "8.1")
    # Excel and WPS do not grow a row on opening: a wrapped name needs the height written in the file
    assert figures.row_dimensions[long_name].height >= 3 * 13.5
    short = next(r[0].row for r in figures.iter_rows(min_row=2) if r[2].value == "4")  # 河长制：one line each
    assert figures.row_dimensions[short].height is None  # a one-line row keeps the default


def test_free_text_keeps_its_full_width_punctuation_and_numbers_lose_theirs(tmp_path: Path) -> None:
    source = tmp_path / "text.xlsx"
    book = load_workbook(EXCEL / "filled.xlsx")
    sheet = book[L.SHEET_FIGURES]
    header = {cell.value: cell.column for cell in sheet[1]}
    sheet.cell(row=14, column=header[L.COL_NOTE], value="已核实，来源：统计年鉴（2023）！")
    sheet["M14"] = "６４．９％"  # typed with a Chinese input method
    book.save(source)
    report = read_workbook(source, load_metrics(), MEE_2019)
    assert report.dataset is not None
    row = report.dataset.observations.filter((pl.col("metric") == "forest_grass_coverage") & (pl.col("year") == 2023))
    assert row["value"].item() == 64.9 and row["note"].item() == "已核实，来源：统计年鉴（2023）！"


def _fresh_filled(tmp_path: Path) -> tuple[Path, object, dict[str, int]]:
    """A template generated and filled now (it carries every column of today's layout)."""
    from tests.fixtures.excel.make_fixtures import filled

    source = tmp_path / "filled.xlsx"
    filled(source)
    book = load_workbook(source)
    sheet = book[L.SHEET_FIGURES]
    return source, book, {cell.value: cell.column for cell in sheet[1]}


def _row_of(sheet, header: dict[str, int], metric: str) -> int:  # type: ignore[no-untyped-def]
    return next(r[0].row for r in sheet.iter_rows(min_row=2) if r[header[L.COL_METRIC] - 1].value == metric)


def test_a_value_that_looks_wrong_is_confirmed_in_the_workbook_itself(tmp_path: Path) -> None:
    """A clerk confirms 0.65 % in the row's 确认无误 column; check and assess then take it without any flag."""
    source, book, header = _fresh_filled(tmp_path)
    sheet = book[L.SHEET_FIGURES]  # type: ignore[index]
    row = _row_of(sheet, header, "forest_grass_coverage")
    sheet.cell(row=row, column=header["2023"], value=0.65)
    book.save(source)  # type: ignore[attr-defined]
    report = ecozone.check_workbook(source, MEE_2019)
    (warning,) = report.problems.to_confirm
    assert warning.cell == f"{sheet.cell(row=row, column=header['2023']).column_letter}{row}"
    assert "「确认无误」列选「是」" in (warning.expected or "") and "--accept-warnings" not in (warning.expected or "")
    with pytest.raises(InputError):
        ecozone.load_dataset(source, standard=MEE_2019)

    sheet.cell(row=row, column=header[L.COL_CONFIRM], value="是")
    book.save(source)  # type: ignore[attr-defined]
    report = ecozone.check_workbook(source, MEE_2019)
    assert not report.problems.to_confirm
    assert [p.code for p in report.problems.items if p.cell == warning.cell] == ["confirmed"]
    dataset = ecozone.load_dataset(source, standard=MEE_2019)
    value = dataset.observations.filter((pl.col("metric") == "forest_grass_coverage") & (pl.col("year") == 2023))
    assert value["value"].item() == 0.65


def test_a_workbook_without_the_confirm_column_says_how_to_confirm_elsewhere() -> None:
    (warning,) = check("percent_forms.xlsx").problems.to_confirm  # made before the column existed
    assert "勾选" in (warning.expected or "") and "--accept-warnings" in (warning.expected or "")


def test_a_date_formatted_figure_cell_is_an_error_at_its_cell_and_marked(tmp_path: Path) -> None:
    """A cell copied with a date format shows 1900-03-25 for 85: the check names it instead of guessing."""
    import datetime as dt

    source = tmp_path / "date.xlsx"
    book = load_workbook(EXCEL / "filled.xlsx")
    book[L.SHEET_FIGURES]["M14"] = dt.datetime(1900, 3, 25)
    book[L.SHEET_FIGURES]["M14"].number_format = "yyyy-mm-dd"
    book.save(source)
    report = ecozone.check_workbook(source, MEE_2019)
    (problem,) = [p for p in report.problems.errors if p.cell == "M14"]
    assert problem.code == "date_in_figure" and "1900-03-25" in problem.message and "常规" in (problem.expected or "")
    write_errors_workbook(source, report.problems, tmp_path / "errors.xlsx")
    assert "日期" in load_workbook(tmp_path / "errors.xlsx")[L.SHEET_FIGURES]["M14"].comment.text
    with pytest.raises(InputError) as caught:
        ecozone.load_dataset(source, standard=MEE_2019)
    assert caught.value.location.cell == "M14"


def test_hidden_rows_columns_and_sheets_are_imported_and_said(tmp_path: Path) -> None:
    source = tmp_path / "hidden.xlsx"
    book = load_workbook(EXCEL / "filled.xlsx")
    figures = book[L.SHEET_FIGURES]
    figures.row_dimensions[14].hidden = True  # 林草覆盖率
    figures.column_dimensions["K"].hidden = True  # the 2021 column
    book[L.SHEET_VETOES].sheet_state = "hidden"
    book.save(source)
    report = ecozone.check_workbook(source, MEE_2019)
    notes = {p.code: p for p in report.problems.items if p.severity == "提示"}
    assert notes["hidden_rows"].cell == "A14" and "照常导入" in notes["hidden_rows"].message
    assert notes["hidden_column"].cell == "K1" and "2021" in notes["hidden_column"].message
    assert notes["hidden_sheet"].sheet == L.SHEET_VETOES
    assert not report.problems.errors
    # hidden is not deleted: the figures still count
    assert value_of(report, "forest_grass_coverage", 2023) == value_of(check("filled.xlsx"), "forest_grass_coverage",
                                                                        2023)
    assert report.dataset is not None and report.dataset.answers is not None and report.dataset.answers.height


def test_text_formatted_numbers_and_a_moved_column_read_as_typed(tmp_path: Path) -> None:
    source = tmp_path / "moved.xlsx"
    book = load_workbook(EXCEL / "filled.xlsx")
    figures = book[L.SHEET_FIGURES]
    figures["M14"].number_format = "@"
    figures["M14"] = "64.9"  # a number typed into a text-formatted cell is stored as text
    figures.insert_cols(1)  # a clerk inserts a column of their own before everything
    figures["A1"] = "我的标记"
    book.save(source)
    report = ecozone.check_workbook(source, MEE_2019)
    assert not report.problems.errors and value_of(report, "forest_grass_coverage", 2023) == 64.9
    result = ecozone.evaluate(MEE_2019, ecozone.load_dataset(source, standard=MEE_2019))
    assert result.regions["verdict"].to_list() == ecozone.evaluate(
        MEE_2019, ecozone.load_dataset(EXCEL / "filled.xlsx")).regions["verdict"].to_list()


def test_an_edited_condition_id_is_an_error_at_its_cell(tmp_path: Path) -> None:
    source = tmp_path / "condition.xlsx"
    book = load_workbook(EXCEL / "filled.xlsx")
    vetoes = book[L.SHEET_VETOES]
    header = {cell.value: cell.column for cell in vetoes[1]}
    cell = vetoes.cell(row=2, column=header[L.COL_CONDITION])
    cell.value = "我改过的编号"
    book.save(source)
    report = ecozone.check_workbook(source, MEE_2019)
    (problem,) = [p for p in report.problems.errors if p.code == "unknown_condition"]
    assert problem.cell == cell.coordinate and "我改过的编号" in problem.message
    with pytest.raises(InputError):
        ecozone.load_dataset(source, standard=MEE_2019)


# --- the 佐证材料 sheet ------------------------------------------------------------------


def test_the_evidence_sheet_lists_files_beside_the_workbook_checked_like_evidence_csv(tmp_path: Path) -> None:
    """A clerk lists the PDFs beside the workbook; a path out of the folder, a program, an unknown county and an
    unknown indicator are errors at their cells; what is still missing is a note per county, not a verdict; the
    dossier made from the workbook carries the listed files, as from evidence.csv."""
    import shutil
    import subprocess
    import sys
    import zipfile

    from tests.fixtures.excel.make_fixtures import filled

    book_path = tmp_path / "石门县.xlsx"
    filled(book_path, "990104")
    shutil.copytree(SAMPLE / "佐证材料", tmp_path / "佐证材料")
    (tmp_path / "佐证材料" / "说明.exe").write_bytes(b"MZ\x90\x00")
    book = load_workbook(book_path)
    sheet = book[L.SHEET_EVIDENCE]
    assert [c.value for c in sheet[1]] == list(L.EVIDENCE_SHEET_COLUMNS)
    good = ["990104", "11", 2023, "佐证材料/990104_林草资源监测2023.pdf", "统计资料", "石门县林业和草原局",
            "石林字〔2024〕3号", "2024-02-20"]
    bad = [["990104", "29", 2023, "../石门县.xlsx"], ["990104", "29", 2023, "佐证材料/说明.exe"],
           ["990199", "11", 2023, "佐证材料/990104_林草资源监测2023.pdf"]]
    for r, row in enumerate([good, *bad], start=2):
        for c, value in enumerate(row, start=1):
            sheet.cell(row=r, column=c, value=value)
    book.save(book_path)
    report = ecozone.check_workbook(book_path, MEE_2019)
    errors = {(p.cell, p.message.split("：")[0][:12]) for p in report.problems.errors}
    assert {cell for cell, _ in errors} == {"D3", "D4", "A5"}, report.problems.items
    said = " ".join(p.message for p in report.problems.errors)
    assert "不在 本工作簿 所在文件夹之内" in said and "可以执行或含宏" in said and "990199" in said
    assert report.evidence is not None and report.evidence["indicator"].to_list() == ["11"]
    # mend the sheet: what is still missing is said as one note, and the dossier holds the listed PDF
    book = load_workbook(book_path)
    book[L.SHEET_EVIDENCE].delete_rows(3, 3)
    book.save(book_path)
    report = ecozone.check_workbook(book_path, MEE_2019)
    assert report.problems.errors == []
    notes = [p for p in report.problems.items if p.code == "evidence_missing"]
    assert len(notes) == 1 and notes[0].severity == "提示" and "石门县（990104）还有" in notes[0].message
    assert "第11项" not in notes[0].message  # listed
    target = tmp_path / "申报材料.zip"
    done = subprocess.run([str(Path(sys.executable).with_name("ecozone")), "dossier", str(book_path), "-r", "990104",
                           "-o", str(target)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    names = zipfile.ZipFile(target).namelist()
    assert "03 佐证材料/11 第11项 林草覆盖率/001 990104_林草资源监测2023.pdf" in names
