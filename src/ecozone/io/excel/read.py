"""Read a filled workbook (.xlsx, .xls, .ods) into a dataset, collecting every problem.

Reading is done by calamine (python-calamine), which is fast and reads the values Excel
cached for formulas. openpyxl is used only to find formulas that have no cached value,
and only when the sheet contains formulas at all. Each problem names the sheet and cell.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import polars as pl
from python_calamine import CalamineSheet, CalamineWorkbook, SheetVisibleEnum
from xlsxwriter.utility import xl_col_to_name

from ecozone.catalogue import LoadedStandard
from ecozone.catalogue.model import Metric
from ecozone.catalogue.vetoes import condition_ids
from ecozone.dataset import ANSWER_SCHEMA, INCIDENT_SCHEMA, Dataset
from ecozone.engine.plan_rows import figure_plan
from ecozone.errors import InputError, Location
from ecozone.io.answers import (
    REMOVE_EXPECTED,
    normalise_answer,
    normalise_grade,
    parse_date,
    parse_remove,
    split_removed,
)
from ecozone.io.evidence_files import evidence_frame, evidence_row
from ecozone.io.excel import layout as L
from ecozone.io.excel.formats import SheetLook, sheet_look
from ecozone.io.excel.guard import cell_text, guard_workbook, open_workbook
from ecozone.io.problems import ERROR, NOTE, WARNING, Problem, ProblemList
from ecozone.io.tables import validate_regions
from ecozone.io.validate import FIRST_YEAR, check_figures, parse_number, year_problem

__all__ = ["WorkbookImport", "read_workbook", "workbook_standard_id"]

MAX_ROWS: Final = 200_000
_DATES: Final = (dt.date, dt.time, dt.timedelta)  # dt.datetime is a dt.date
_YEAR_HEADER = re.compile(r"^(\d{3,6})(?:\.0)?\s*年?$")  # a mistyped year is a year column in error


@dataclass
class WorkbookImport:
    """What an import found: the dataset (only when there is no error) and every problem."""

    file: str
    dataset: Dataset | None
    problems: ProblemList
    standard_id: str | None
    cells: pl.DataFrame | None = None  # the figures as read, for diagnostics and tests
    # where a value of a profile or an assigned target was read: ("region", code, field) or
    # ("assigned", region, year, metric) → (sheet, cell); an adapter names the cell of a refusal with it
    places: dict[tuple[Any, ...], tuple[str, str]] = field(default_factory=dict)
    # the 佐证材料 sheet's files, checked (rows as evidence.csv gives them); None: the workbook has no such sheet
    evidence: pl.DataFrame | None = None


# --- cells -----------------------------------------------------------------------------


_COLUMN_NAMES: Final = [xl_col_to_name(c) for c in range(256)]  # the template's columns and room beyond


def _cell(row0: int, col0: int) -> str:
    name = _COLUMN_NAMES[col0] if col0 < len(_COLUMN_NAMES) else xl_col_to_name(col0)
    return f"{name}{row0 + 1}"


def _blank_row(row: list[Any]) -> bool:
    """No cell of the row holds anything (a space is nothing, as in ``cell_text``); cheaper than texts."""
    return all(v is None or v == "" or (isinstance(v, str) and not v.strip()) for v in row)


@dataclass
class _Sheet:
    name: str
    grid: list[list[Any]]
    header: dict[str, int]
    merged: list[tuple[tuple[int, int], tuple[int, int]]]

    def col(self, header: str) -> int | None:
        return self.header.get(cell_text(header))  # headers are compared in NFKC form, like every cell


def _load(book: CalamineWorkbook, name: str, file: str, max_rows: int) -> _Sheet:
    sheet: CalamineSheet = book.get_sheet_by_name(name)
    if sheet.total_height > max_rows:
        raise InputError(f"工作表「{name}」有 {sheet.total_height} 行，超过 {max_rows} 行的上限",
                         Location(file=file, sheet=name), expected="拆分为多个工作簿，或改用 CSV/Parquet 长表导入")
    grid = sheet.to_python(skip_empty_area=False)
    header = {cell_text(v): i for i, v in enumerate(grid[0])} if grid else {}
    merged = list(sheet.merged_cell_ranges or [])
    return _Sheet(name, grid, header, merged)


def _find_sheet(book: CalamineWorkbook, wanted: str, signature: tuple[str, ...], exclude: tuple[str, ...],
                problems: ProblemList, file: str, *, required: bool, max_rows: int) -> _Sheet | None:
    """Find a sheet by name, or else by its header row (a clerk may have renamed it)."""
    names = book.sheet_names
    if wanted in names:
        return _load(book, wanted, file, max_rows)
    for name in names:
        first = book.get_sheet_by_name(name).to_python(nrows=1)
        headers = {cell_text(v) for v in (first[0] if first else [])}
        if {cell_text(h) for h in signature} <= headers and not ({cell_text(h) for h in exclude} & headers):
            problems.add(Problem(WARNING, "sheet_renamed", f"工作表「{name}」已改名，按表头识别为「{wanted}」",
                                 f"工作表名「{wanted}」", file=file, sheet=name))
            return _load(book, name, file, max_rows)
    if required:
        problems.add(Problem(ERROR, "missing_sheet", f"找不到工作表「{wanted}」", "使用 ecozone template 生成的工作簿",
                             file=file, sheet=wanted))
    return None


def _fill_merged(sheet: _Sheet, columns: set[int], problems: ProblemList, file: str) -> None:
    """Merged cells keep their value in the top-left cell: spread it over the fixed columns;
    a merged area over data cells would hide figures, so it is an error."""
    for (r0, c0), (r1, c1) in sheet.merged:
        if r0 == 0:
            continue
        if all(c in columns for c in range(c0, c1 + 1)):
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    sheet.grid[r][c] = sheet.grid[r0][c0]
            area = f"{_cell(r0, c0)}:{_cell(r1, c1)}"
            problems.add(Problem(NOTE, "merged_filled", f"合并单元格 {area} 已按左上角内容逐行填入",
                                 file=file, sheet=sheet.name, cell=_cell(r0, c0)))
        else:
            problems.add(Problem(ERROR, "merged_data", f"数据单元格 {_cell(r0, c0)}:{_cell(r1, c1)} 被合并",
                                 "每个年份单元格单独填写，取消合并", file=file, sheet=sheet.name, cell=_cell(r0, c0)))


# --- the import ------------------------------------------------------------------------


def read_workbook(
    path: Path | str,
    metrics: Mapping[str, Metric],
    standard: LoadedStandard | None = None,
    *,
    max_rows: int = MAX_ROWS,
) -> WorkbookImport:
    """Read and check a filled workbook. Raises only for a file that cannot be read at all."""
    path = Path(path)
    file = str(path)
    guard_workbook(path)
    book = open_workbook(path)
    problems = ProblemList()
    standard_id = _meta_standard(book)
    regions_sheet = _find_sheet(book, L.SHEET_REGIONS, ("地区代码", "级别"), (L.COL_METRIC,), problems, file,
                                required=True, max_rows=max_rows)
    figures_sheet = _find_sheet(book, L.SHEET_FIGURES, (L.COL_REGION, L.COL_METRIC, L.COL_DOMAIN), (), problems,
                                file, required=True, max_rows=max_rows)
    assigned_sheet = _find_sheet(book, L.SHEET_ASSIGNED, (L.COL_REGION, L.COL_METRIC), (L.COL_DOMAIN, "数据来源"),
                                 problems, file, required=False, max_rows=max_rows)
    sources_sheet = _find_sheet(book, L.SHEET_SOURCES, (L.COL_REGION, "数据来源"), (), problems, file,
                                required=False, max_rows=max_rows)
    if regions_sheet is None or figures_sheet is None:
        return WorkbookImport(file, None, problems, standard_id)

    places: dict[tuple[Any, ...], tuple[str, str]] = {}
    profiles = _regions(regions_sheet, problems, file, places)
    known = set(profiles["code"].to_list()) if profiles is not None else set()
    cells = _figure_cells(figures_sheet, metrics, known, problems, file)
    if cells is not None and path.suffix.lower() in (".xlsx", ".xlsm"):
        look = sheet_look(path, figures_sheet.name)
        if look.has_formulas:
            _formulas_without_values(path, figures_sheet, cells, problems, file)
        cells = _as_shown(cells, look.percent, metrics)
        _hidden_parts(figures_sheet, look, problems, file)
    _hidden_sheets(book, problems, file)
    observations = None
    if cells is not None:
        observations = _observations(cells, metrics, problems, file, figures_sheet.name)
        if profiles is not None and standard is not None:
            _check_against_standard(cells, profiles, standard, problems, file, figures_sheet.name)
    assigned = _assigned(assigned_sheet, metrics, known, problems, file, places) if assigned_sheet else None
    if observations is not None and sources_sheet is not None:
        observations = _attach_sources(observations, sources_sheet)
    answers = incidents = removed = None
    vetoes_sheet = _find_sheet(book, L.SHEET_VETOES, (L.COL_REGION, L.COL_CONDITION, "回答"), (), problems, file,
                               required=False, max_rows=max_rows)
    if vetoes_sheet is not None:
        conditions = condition_ids(standard.standard.veto_catalogue) if standard is not None else None
        answers = _answers(vetoes_sheet, known, conditions, problems, file)
    incidents_sheet = _find_sheet(book, L.SHEET_INCIDENTS, (L.COL_REGION, "发生日期", "级别"), (), problems, file,
                                  required=False, max_rows=max_rows)
    if incidents_sheet is not None:
        incidents, removed = _incidents(incidents_sheet, known, problems, file)
    evidence_sheet = _find_sheet(book, L.SHEET_EVIDENCE, (L.COL_REGION, L.COL_EVIDENCE_FILE), (), problems, file,
                                 required=False, max_rows=max_rows)
    evidence = (_evidence(evidence_sheet, known, problems, file, path.parent.resolve())
                if evidence_sheet is not None else None)
    dataset = None
    if not problems.errors and profiles is not None and observations is not None:
        dataset = Dataset(regions=profiles, observations=observations, assigned=assigned, answers=answers,
                          incidents=incidents, incidents_removed=removed)
    return WorkbookImport(file, dataset, problems, standard_id, cells, places, evidence)


def _evidence(sheet: _Sheet, known: set[str], problems: ProblemList, file: str, folder: Path) -> pl.DataFrame:
    """The listed evidence files, each checked as evidence.csv's rows are (one checker); a bad row is an error at
    its cell and is left out."""
    columns = {key: sheet.col(header) for header, key in L.EVIDENCE_SHEET_COLUMNS.items()}
    rows = []
    for r, row in enumerate(sheet.grid[1:], start=1):
        if _blank_row(row):
            continue
        given = {key: cell_text(row[col]) if col is not None and col < len(row) else None
                 for key, col in columns.items()}
        try:
            if given["region"] not in known:
                raise InputError(f"地区代码「{given['region']}」不在「地区信息」表中", Location(field="region"),
                                 expected="先在「地区信息」表登记该地区")
            rows.append(evidence_row(given, folder, "本工作簿"))
        except InputError as exc:
            column = columns.get(exc.location.field or "") or 0
            problems.add(Problem(ERROR, "bad_evidence", exc.problem, exc.expected, file=file, sheet=sheet.name,
                                 cell=_cell(r, column)))
    return evidence_frame(rows)


def _as_shown(cells: pl.DataFrame, percent: set[str], metrics: Mapping[str, Metric]) -> pl.DataFrame:
    """A number the cell shows as a percentage (87.96 % is stored as 0.8796) read as the clerk sees it,
    for the metrics measured in %: the value 87.96, the text "87.96%"."""
    if not percent:
        return cells
    shares = [key for key, metric in metrics.items() if metric.unit == "%"]
    shown = pl.col("cell").is_in(list(percent)) & pl.col("metric").is_in(shares) & pl.col("number").is_not_null()
    scaled = (pl.col("number") * 100).round(10)
    return cells.with_columns(
        number=pl.when(shown).then(scaled).otherwise(pl.col("number")),
        text=pl.when(shown).then(pl.format("{}%", scaled.cast(pl.String).str.strip_suffix(".0")))
        .otherwise(pl.col("text")),
    )


def _hidden_parts(sheet: _Sheet, look: SheetLook, problems: ProblemList, file: str) -> None:
    """Hidden or filtered-out rows and hidden columns that hold figures: imported like any other, said once."""
    filled = [r for r in look.hidden_rows if r - 1 < len(sheet.grid) and not _blank_row(sheet.grid[r - 1])]
    if filled:
        message = f"有 {len(filled)} 行被隐藏或被筛选掉（如第 {filled[0]} 行）：这些行的数据照常导入并参与评估"
        problems.add(Problem(NOTE, "hidden_rows", message,
                             "不需要某行数据时，清空该行的数值，而不是隐藏它", file=file, sheet=sheet.name,
                             cell=f"A{filled[0]}"))
    for text, col in sheet.header.items():
        if col in look.hidden_columns and any(col < len(row) and cell_text(row[col]) for row in sheet.grid[1:]):
            problems.add(Problem(NOTE, "hidden_column", f"列「{text}」被隐藏：其中的数据照常导入并参与评估",
                                 file=file, sheet=sheet.name, cell=_cell(0, col)))


def _hidden_sheets(book: CalamineWorkbook, problems: ProblemList, file: str) -> None:
    ours = {L.SHEET_REGIONS, L.SHEET_FIGURES, L.SHEET_ASSIGNED, L.SHEET_SOURCES, L.SHEET_VETOES, L.SHEET_INCIDENTS}
    for meta in book.sheets_metadata:
        if meta.name in ours and meta.visible != SheetVisibleEnum.Visible:
            problems.add(Problem(NOTE, "hidden_sheet", f"工作表「{meta.name}」被隐藏：其内容照常导入",
                                 file=file, sheet=meta.name))


def workbook_standard_id(path: Path) -> str | None:
    """The standard a template was generated for (from its hidden sheet), if any."""
    guard_workbook(path)
    return _meta_standard(open_workbook(path))


def _meta_standard(book: CalamineWorkbook) -> str | None:
    if L.SHEET_META not in book.sheet_names:
        return None
    try:
        first = book.get_sheet_by_name(L.SHEET_META).to_python(nrows=1)
        return str(json.loads(str(first[0][0]))["standard"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _regions(sheet: _Sheet, problems: ProblemList, file: str,
             places: dict[tuple[Any, ...], tuple[str, str]]) -> pl.DataFrame | None:
    columns: dict[str, int] = {}
    for header, column in L.REGION_COLUMNS.items():
        index = sheet.col(header)
        if index is not None:
            columns[column] = index
    for required in ("code", "name", "level"):
        if required not in columns:
            label = next(h for h, c in L.REGION_COLUMNS.items() if c == required)
            problems.add(Problem(ERROR, "missing_column", f"缺少列「{label}」", "模板原有的表头",
                                 file=file, sheet=sheet.name, cell="A1"))
            return None
    _fill_merged(sheet, set(columns.values()), problems, file)
    rows: list[dict[str, Any]] = []
    for r, row in enumerate(sheet.grid[1:], start=1):
        if _blank_row(row):
            continue
        texts = {column: cell_text(row[i]) if i < len(row) else "" for column, i in columns.items()}
        rows.append({"_row": r + 1, **texts})
        places.update({("region", texts["code"], column): (sheet.name, _cell(r, i)) for column, i in columns.items()})
    schema = {"_row": pl.Int64, **{column: pl.String for column in columns}}
    frame = pl.DataFrame(rows, schema=schema)
    profiles, groups = validate_regions(frame)
    for group in groups:
        for failure in group:
            problems.add(Problem(ERROR, "bad_profile", failure.problem, failure.expected, file=file, sheet=sheet.name,
                                 cell=_cell(failure.row - 1, columns.get(failure.field, 0)), field=failure.field))
    return profiles if not any(groups) else None


def _year_columns(sheet: _Sheet, problems: ProblemList, file: str) -> dict[int, int]:
    """Year headers → column index; a year the validator refuses is an error at its header, in its words."""
    years: dict[int, int] = {}
    this_year = dt.date.today().year
    for text, col in sheet.header.items():
        match = _YEAR_HEADER.match(text)
        if not match:
            continue
        year = int(match.group(1))
        refused = year_problem(year)
        if refused:
            problems.add(Problem(ERROR, "bad_year", refused, f"{FIRST_YEAR}–{this_year} 之间的年份（不能填将来的年份）",
                                 file=file, sheet=sheet.name, cell=_cell(0, col)))
            continue
        years[year] = col
    if not years:
        problems.add(Problem(ERROR, "no_years", "找不到年份列", "表头中的年份，如 2023",
                             file=file, sheet=sheet.name, cell="A1"))
    return years


def _figure_cells(
    sheet: _Sheet, metrics: Mapping[str, Metric], known_regions: set[str], problems: ProblemList, file: str
) -> pl.DataFrame | None:
    """The figures sheet as one row per (sheet row, year): region, metric, raw value, cell."""
    needed = (L.COL_REGION, L.COL_METRIC)
    missing = [h for h in needed if sheet.col(h) is None]
    if missing:
        problems.add(Problem(ERROR, "missing_column", f"缺少列「{missing[0]}」", "模板原有的表头（勿改表头文字）",
                             file=file, sheet=sheet.name, cell="A1"))
        return None
    years = _year_columns(sheet, problems, file)
    c_region, c_metric = sheet.col(L.COL_REGION), sheet.col(L.COL_METRIC)
    assert c_region is not None and c_metric is not None
    c_id, c_name, c_note = sheet.col(L.COL_ID), sheet.col(L.COL_NAME), sheet.col(L.COL_NOTE)
    c_source, c_confirm = sheet.col(L.COL_SOURCE), sheet.col(L.COL_CONFIRM)
    fixed = {c for c in (c_region, sheet.col(L.COL_REGION_NAME), c_id, sheet.col(L.COL_DOMAIN), c_name,
                         sheet.col(L.COL_UNIT), sheet.col(L.COL_TARGET), c_metric) if c is not None}
    _fill_merged(sheet, fixed, problems, file)

    def at(row: list[Any], col: int | None) -> Any:
        return row[col] if col is not None and col < len(row) else None

    # column-wise: one list per field and per year column, turned into a frame once (a dict per cell cost
    # most of a 100-county check)
    base: dict[str, list[Any]] = {k: [] for k in ("_row", "region", "metric", "unit_id", "name", "row_source",
                                                   "note", "region_cell", "metric_cell", "confirmed")}
    values: dict[int, list[Any]] = {year: [] for year in years}
    for r, row in enumerate(sheet.grid[1:], start=1):
        if _blank_row(row):
            continue
        for key, col in (("region", c_region), ("metric", c_metric), ("unit_id", c_id), ("name", c_name),
                         ("row_source", c_source), ("note", c_note)):
            base[key].append(cell_text(at(row, col)))
        base["_row"].append(r)
        base["region_cell"].append(_cell(r, c_region))
        base["metric_cell"].append(_cell(r, c_metric))
        base["confirmed"].append(None if c_confirm is None else _confirmed(at(row, c_confirm)))
        for year, col in years.items():
            values[year].append(at(row, col))
    rows_frame = pl.DataFrame(base, schema={"_row": pl.Int64, "region": pl.String, "metric": pl.String,
                                            "unit_id": pl.String, "name": pl.String, "row_source": pl.String,
                                            "note": pl.String, "region_cell": pl.String, "metric_cell": pl.String,
                                            "confirmed": pl.Boolean})
    per_year = [
        rows_frame.with_columns(
            year=pl.lit(year, dtype=pl.Int32), _col=pl.lit(col, dtype=pl.Int32),
            cell=pl.format("{}{}", pl.lit(xl_col_to_name(col)), pl.col("_row") + 1),
            number=pl.Series([float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
                              for v in values[year]], dtype=pl.Float64),
            text=pl.Series(["" if v is None else cell_text(v) for v in values[year]], dtype=pl.String),
            date=pl.Series([isinstance(v, _DATES) for v in values[year]], dtype=pl.Boolean),
        )
        for year, col in years.items()
    ]
    cells = (pl.concat(per_year).sort("_row", "_col").drop("_col") if per_year
             else rows_frame.with_columns(year=pl.lit(None, dtype=pl.Int32), cell=pl.lit(None, dtype=pl.String),
                                          number=pl.lit(None, dtype=pl.Float64), text=pl.lit(None, dtype=pl.String),
                                          date=pl.lit(None, dtype=pl.Boolean)).clear())
    _unfilled(cells, problems, file, sheet.name)
    # a cell formatted as a date shows 1900-03-25 for 85: what was typed cannot be told from it
    _add(problems, cells, pl.col("date"), ERROR, "date_in_figure",
         "单元格是日期（或时间）格式，读到「{text}」，不是数字",
         "把该单元格的格式改为「常规」或「数值」，再重新填写数字", file, sheet.name, "cell")
    rows = cells.unique("_row", keep="first").sort("_row")
    _add(problems, rows, ~pl.col("region").str.contains(r"^\d{6}$"), ERROR, "bad_region_code",
         "地区代码不是6位数字：「{region}」", "GB/T 2260 的6位代码，与「地区信息」一致",
         file, sheet.name, "region_cell")
    _add(problems, rows, pl.col("region").str.contains(r"^\d{6}$") & ~pl.col("region").is_in(list(known_regions)),
         ERROR, "unknown_region", "地区代码「{region}」不在「地区信息」表中", "先在「地区信息」表登记该地区",
         file, sheet.name, "region_cell")
    _add(problems, rows, ~pl.col("metric").is_in(list(metrics)), ERROR, "unknown_metric",
         "无法识别的指标行（统计量编号「{metric}」）", "保持模板生成的「统计量编号（勿改）」列不变",
         file, sheet.name, "metric_cell")
    duplicated = pl.struct("region", "metric").is_duplicated() & (
        pl.col("_row") != pl.col("_row").min().over("region", "metric"))
    _add(problems, rows, duplicated, ERROR, "duplicate_row", "同一地区的同一指标行出现多次（{metric}）",
         "每个地区每个统计量只保留一行", file, sheet.name, "metric_cell")
    return cells


def _confirmed(value: Any) -> bool:
    text = cell_text(value)
    return normalise_answer(text) == "yes" or text in ("√", "✓", "确认")


# How a clerk confirms a value that looks wrong, in the words of the workbook they hold; a workbook
# made before the 确认无误 column existed is confirmed outside it.
_CONFIRM_IN_ROW = f"；如数值确实如此，在本行「{L.COL_CONFIRM}」列选「{L.CONFIRM_YES}」后保存，再检查"
_CONFIRM_OUTSIDE = "；如数值确实如此：网页导入时勾选「我已核对上述警告」，命令行评估时加 --accept-warnings"


def _unfilled(cells: pl.DataFrame, problems: ProblemList, file: str, sheet: str) -> None:
    """Say how much of the latest year is still blank, per region: a check is not a pass."""
    if cells.height == 0:
        return
    latest = cells.select(pl.col("year").max()).item()
    blank = (
        cells.filter((pl.col("year") == latest) & (pl.col("text") == ""))
        .group_by("region", maintain_order=True)
        .agg(n=pl.len(), first=pl.col("cell").first())
    )
    for region, n, first in blank.iter_rows():
        problems.add(Problem(NOTE, "unfilled", f"地区 {region} 的 {latest} 年有 {n} 项尚未填写（将按缺数据处理）",
                             file=file, sheet=sheet, cell=first))


def _add(problems: ProblemList, frame: pl.DataFrame, bad: pl.Expr, severity: Any, code: str, message: str,
         expected: str | None, file: str, sheet: str, cell_column: str, *, confirm: bool = False) -> None:
    """One problem per row where ``bad`` holds; ``message`` may name columns as {column}."""
    for row in frame.filter(bad.fill_null(False)).iter_rows(named=True):
        problems.add(Problem(severity, code, message.format(**row), expected, file=file, sheet=sheet,
                             cell=row[cell_column], needs_confirmation=confirm))


def _observations(
    cells: pl.DataFrame, metrics: Mapping[str, Metric], problems: ProblemList, file: str, sheet: str
) -> pl.DataFrame:
    """Every filled cell through the one validator; its findings become problems at their cells."""
    frame = cells.filter((pl.col("text") != "") & ~pl.col("date") & pl.col("metric").is_in(list(metrics)))
    frame = frame.with_row_index("_key")
    frame = frame.with_columns(pl.col("_key").cast(pl.Int64))
    checked = check_figures(frame.select("_key", "region", "year", "metric", "text", "number"), metrics)
    located = checked.findings.join(frame.select("_key", "cell", "confirmed"), on="_key")
    for finding in located.iter_rows(named=True):
        if finding["confirm"] and finding["confirmed"]:
            message = f"{finding['message']}：已在「{L.COL_CONFIRM}」列确认，按所填数值导入"
            problems.add(Problem(NOTE, "confirmed", message, file=file, sheet=sheet, cell=finding["cell"]))
            continue
        expected = finding["expected"]
        if finding["confirm"]:
            expected = (expected or "") + (_CONFIRM_OUTSIDE if finding["confirmed"] is None else _CONFIRM_IN_ROW)
        problems.add(Problem(finding["severity"], finding["code"], finding["message"], expected,
                             file=file, sheet=sheet, cell=finding["cell"], needs_confirmation=finding["confirm"]))
    kept = checked.figures.filter(~pl.col("explicit")).join(frame.select("_key", "row_source", "note"), on="_key")
    return kept.select(
        "region", "year", "metric", "value", "state",
        source=pl.when(pl.col("row_source") != "").then(pl.col("row_source")),
        note=pl.when(pl.col("note") != "").then(pl.col("note")),
    ).unique(["region", "year", "metric"], keep="first", maintain_order=True)


def _check_against_standard(
    cells: pl.DataFrame, profiles: pl.DataFrame, standard: LoadedStandard, problems: ProblemList, file: str,
    sheet: str,
) -> None:
    """Rows for indicators that do not apply to the region (wrong template or changed profile)."""
    plan = figure_plan(standard, profiles).select("region", "metric").unique()
    rows = (
        cells.filter((pl.col("text") != "") & pl.col("region").is_in(profiles["code"].implode())
                     & pl.col("metric").is_in(list(standard.metrics)))
        .unique(["_row"])
        .join(plan, on=["region", "metric"], how="anti")
    )
    _add(problems, rows, pl.lit(True), WARNING, "not_applicable_row",
         "按「地区信息」中的属性，此行指标对该地区不适用，数据将不参与评估（{metric}）",
         "核对地区属性，或删除此行", file, sheet, "metric_cell")


def _assigned(
    sheet: _Sheet, metrics: Mapping[str, Metric], known: set[str], problems: ProblemList, file: str,
    places: dict[tuple[Any, ...], tuple[str, str]],
) -> pl.DataFrame | None:
    c_region, c_metric = sheet.col(L.COL_REGION), sheet.col(L.COL_METRIC)
    if c_region is None or c_metric is None:
        problems.add(Problem(ERROR, "missing_column", "缺少列「地区代码」或「统计量编号（勿改）」", "模板原有的表头",
                             file=file, sheet=sheet.name, cell="A1"))
        return None
    years = _year_columns(sheet, problems, file)
    records = []
    for r, row in enumerate(sheet.grid[1:], start=1):
        for year, col in years.items():
            value = row[col] if col < len(row) else None
            if cell_text(value) == "":
                continue
            records.append({"region": cell_text(row[c_region]), "metric": cell_text(row[c_metric]), "year": year,
                            "cell": _cell(r, col), "text": cell_text(value),
                            "number": float(value) if isinstance(value, int | float) and not isinstance(value, bool)
                            else None})
    schema = {"region": pl.String, "metric": pl.String, "year": pl.Int32, "cell": pl.String, "text": pl.String,
              "number": pl.Float64}
    frame = pl.DataFrame(records, schema=schema).with_columns(
        target=pl.coalesce(pl.col("number"), parse_number(pl.col("text"))))
    for record in records:
        places[("assigned", record["region"], record["year"], record["metric"])] = (sheet.name, str(record["cell"]))
    _add(problems, frame, pl.col("target").is_null(), ERROR, "not_a_number", "上级目标不是数字：「{text}」",
         "数字，单位与指标相同", file, sheet.name, "cell")
    _add(problems, frame, ~pl.col("region").is_in(list(known)), ERROR, "unknown_region",
         "地区代码「{region}」不在「地区信息」表中", "先在「地区信息」表登记该地区", file, sheet.name, "cell")
    _add(problems, frame, ~pl.col("metric").is_in(list(metrics)), ERROR, "unknown_metric",
         "无法识别的指标行（统计量编号「{metric}」）", "保持「统计量编号（勿改）」列不变", file, sheet.name, "cell")
    return frame.filter(pl.col("target").is_not_null()).select(
        "region", "year", "metric", "target", source=pl.lit(None, dtype=pl.String))


def _attach_sources(observations: pl.DataFrame, sheet: _Sheet) -> pl.DataFrame:
    """Sources given per (region, metric[, year]) on the sources sheet replace the row's source."""
    c_region, c_metric = sheet.col(L.COL_REGION), sheet.col(L.COL_METRIC)
    c_year, c_source, c_note = sheet.col("年份"), sheet.col("数据来源"), sheet.col("备注")
    if c_region is None or c_metric is None or c_source is None:
        return observations
    rows = []
    for row in sheet.grid[1:]:
        def at(col: int | None, row: list[Any] = row) -> str:
            return cell_text(row[col]) if col is not None and col < len(row) else ""
        if at(c_region) and at(c_metric) and at(c_source):
            year = at(c_year)
            rows.append({"region": at(c_region), "metric": at(c_metric),
                         "year": int(year) if year.isdigit() else None, "given_source": at(c_source),
                         "given_note": at(c_note) or None})
    if not rows:
        return observations
    given = pl.DataFrame(rows, schema={"region": pl.String, "metric": pl.String, "year": pl.Int32,
                                       "given_source": pl.String, "given_note": pl.String})
    by_year = given.filter(pl.col("year").is_not_null())
    any_year = given.filter(pl.col("year").is_null()).drop("year").unique(["region", "metric"], keep="last")
    out = observations.join(by_year, on=["region", "metric", "year"], how="left").join(
        any_year, on=["region", "metric"], how="left", suffix="_any")
    return out.with_columns(
        source=pl.coalesce("given_source", "given_source_any", "source"),
        note=pl.coalesce("given_note", "given_note_any", "note"),
    ).select(observations.columns)


def _formulas_without_values(path: Path, sheet: _Sheet, cells: pl.DataFrame, problems: ProblemList,
                             file: str) -> None:
    """Formulas whose cached value is missing read as blank: say so instead of 'no data'."""
    from openpyxl import load_workbook  # only when the workbook has formulas: it is slow

    book = load_workbook(path, read_only=True, data_only=False)
    try:
        blanks = set(cells.filter(pl.col("text") == "")["cell"].to_list())
        for row in book[sheet.name].iter_rows():
            for cell in row:
                coordinate = getattr(cell, "coordinate", None)
                if coordinate in blanks and isinstance(cell.value, str) and cell.value.startswith("="):
                    problems.add(Problem(WARNING, "formula_without_value",
                                         f"公式「{cell.value}」没有计算结果（按缺数据处理）",
                                         "在 Excel/WPS 中打开、重新计算并保存后再导入，或直接填数值",
                                         file=file, sheet=sheet.name, cell=coordinate))
    finally:
        book.close()


def _answers(sheet: _Sheet, known: set[str], conditions: set[str] | None, problems: ProblemList,
             file: str) -> pl.DataFrame | None:
    """The self-check sheet: a blank answer is "unknown" for a question and "use the figures" when derived."""
    columns = {name: sheet.col(name) for name in L.VETO_COLUMNS}
    rows = []
    for r, row in enumerate(sheet.grid[1:], start=1):
        def at(name: str, row: list[Any] = row) -> str:
            col = columns[name]
            return cell_text(row[col]) if col is not None and col < len(row) else ""
        region, condition, raw = at(L.COL_REGION), at(L.COL_CONDITION), at("回答")
        if not region and not condition:
            continue
        answer = normalise_answer(raw)
        if answer is None:
            problems.add(Problem(ERROR, "bad_answer", f"回答「{raw}」无法识别", "是、否 或 不清楚", file=file,
                                 sheet=sheet.name, cell=_cell(r, columns["回答"] or 0)))
            continue
        if region not in known:
            problems.add(Problem(ERROR, "unknown_region", f"地区代码「{region}」不在「地区信息」表中",
                                 "先在「地区信息」表登记该地区", file=file, sheet=sheet.name,
                                 cell=_cell(r, columns[L.COL_REGION] or 0)))
            continue
        if conditions is not None and condition not in conditions:
            problems.add(Problem(ERROR, "unknown_condition", f"无法识别的否决条件编号「{condition}」",
                                 "保持模板生成的「条件编号（勿改）」列不变", file=file, sheet=sheet.name,
                                 cell=_cell(r, columns[L.COL_CONDITION] or 0)))
            continue
        if raw == "":
            continue  # unanswered: the self-check reports it as unknown, or uses the derived answer
        rows.append({"region": region, "condition": condition, "answer": answer,
                     "document": at("文号") or None, "date": at("日期") or None, "note": at("说明") or None,
                     "file": at("附件路径") or None, "override_reason": at("推翻理由") or None})
    return pl.DataFrame(rows, schema=ANSWER_SCHEMA)


def _incidents(sheet: _Sheet, known: set[str], problems: ProblemList,
               file: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the incidents listed, those marked 删除); a workbook made before the 删除 column lists only."""
    columns = {name: sheet.col(name) for name in L.INCIDENT_COLUMNS}
    rows = []
    for r, row in enumerate(sheet.grid[1:], start=1):
        def at(name: str, row: list[Any] = row) -> Any:
            col = columns[name]
            return row[col] if col is not None and col < len(row) else None
        region = cell_text(at(L.COL_REGION))
        if _blank_row(row):
            continue
        grade = normalise_grade(cell_text(at("级别")))
        remove = parse_remove(cell_text(at(L.COL_INCIDENT_REMOVE)))
        date = parse_date(at("发生日期")) or parse_date(cell_text(at("发生日期")))
        def problem(code: str, message: str, expected: str, column: str, r: int = r) -> Problem:
            return Problem(ERROR, code, message, expected, file=file, sheet=sheet.name,
                           cell=_cell(r, columns[column] or 0))

        if region not in known:
            problems.add(problem("unknown_region", f"地区代码「{region}」不在「地区信息」表中",
                                 "先在「地区信息」表登记该地区", L.COL_REGION))
        elif grade is None:
            problems.add(problem("bad_grade", f"事件级别「{cell_text(at('级别'))}」无法识别",
                                 "Ⅰ、Ⅱ、Ⅲ、Ⅳ（或 特别重大、重大、较大、一般）", "级别"))
        elif date is None:
            problems.add(problem("bad_date", f"日期「{cell_text(at('发生日期'))}」无法识别", "如 2023-05-01",
                                 "发生日期"))
        elif remove is None:
            problems.add(problem("bad_remove", f"「删除」列的「{cell_text(at(L.COL_INCIDENT_REMOVE))}」无法识别",
                                 REMOVE_EXPECTED, L.COL_INCIDENT_REMOVE))
        else:
            rows.append({"region": region, "date": date, "grade": grade, "name": cell_text(at("事件名称")) or None,
                         "document": cell_text(at("定级文件")) or None, "remove": remove})
    return split_removed(pl.DataFrame(rows, schema={**INCIDENT_SCHEMA, "remove": pl.Boolean}))
