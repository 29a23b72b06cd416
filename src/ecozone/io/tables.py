"""Region registers and figures from CSV or Parquet, checked cell by cell.

Files arrive from spreadsheets: CSV saved by Excel in GB18030 or UTF-8 with a BOM,
numbers with thousands separators or a trailing %, 是/否 for yes/no. Every value is read
as text first and converted here, so a bad cell gives an error naming file, row and
column rather than a type error from deep inside a library. Checks are vectorised: each
rule is one mask over the whole column, and the error names the first bad row and how
many more there are.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ecozone.catalogue.model import Metric
from ecozone.dataset import Dataset
from ecozone.errors import ConfirmationNeeded, InputError, Location
from ecozone.io.answers import read_answers, read_incidents
from ecozone.io.excel.guard import EXCEL_SUFFIXES, cell_text, guard_workbook, open_workbook
from ecozone.io.validate import FIRST_YEAR, check_figures, metric_position, parse_number
from ecozone.regions.profile import ENUM_COLUMNS, ENUM_LABELS, FLAGS

__all__ = ["assigned_from_text", "decoded", "observations_from_text", "read_assigned", "read_dataset",
           "read_observations", "read_regions", "regions_from_register"]

_LEVEL_ALIASES = {"市": "市", "地级市": "市", "地级": "市", "州": "市", "盟": "市",
                  "县": "县", "县级市": "县", "区": "县", "旗": "县", "县级": "县"}
_TRUE = {"是", "true", "1", "yes", "y", "t"}
_FALSE = {"否", "false", "0", "no", "n", "f", ""}

MAX_TABLE_ROWS = 200_000
_OBS_COLUMNS = {"region": "地区代码", "year": "年份", "metric": "统计量", "value": "数值或状态"}
_ASSIGNED_COLUMNS = {"region": "地区代码", "year": "年份", "metric": "统计量", "target": "目标值"}


# --- reading text tables ---------------------------------------------------------------


def _read_text_table(path: Path, regions: Collection[str] | None = None,
                     years: tuple[int, int] | None = None) -> pl.DataFrame:
    """Any CSV or Parquet file as an all-text frame with a 1-based ``_row`` (file row).

    ``regions``: only the rows of these region codes (a Parquet file is then scanned, not read whole;
    the rows keep their numbers in the file). ``years``: only the rows of these years, first and last, and the
    rows whose year is no year at all (left for the checks to name).
    """
    if not path.exists():
        raise InputError("文件不存在", Location(file=str(path)))
    if path.suffix.lower() == ".parquet":
        try:
            scan = pl.scan_parquet(path, row_index_name="_row", row_index_offset=1)
            if regions is not None and "region" in scan.collect_schema():
                scan = scan.filter(pl.col("region").cast(pl.String).is_in(list(regions)))
            if years is not None and "year" in scan.collect_schema():
                scan = scan.filter(_in_years(years))
            # cast while scanning: the typed columns are never held beside their text
            return scan.select(pl.exclude("_row").cast(pl.String).fill_null(""), pl.col("_row")).collect()
        except Exception as exc:  # polars raises several kinds for a damaged file
            raise InputError(f"无法读取 Parquet 文件：{exc}", Location(file=str(path))) from None
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return _read_workbook_table(path, regions)
    if path.suffix.lower() != ".csv":
        raise InputError("不支持的文件类型", Location(file=str(path)), expected=".csv、.parquet 或 .xlsx/.xls/.ods")
    try:
        frame = pl.read_csv(_csv_content(path), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"CSV 格式错误：{exc}", Location(file=str(path))) from None
    frame = frame.rename({c: _HEADERS.get(c.strip(), c.strip()) for c in frame.columns})
    # row 1 is the header, so data row i sits on file row i + 1
    # empty cells arrive as null in some polars versions and "" in others: make them ""
    frame = frame.with_columns(pl.all().fill_null("").str.strip_chars()).with_row_index("_row", offset=2)
    return _rows_of(frame, regions, years)


def _rows_of(frame: pl.DataFrame, regions: Collection[str] | None = None,
             years: tuple[int, int] | None = None) -> pl.DataFrame:
    """The rows of a text table read whole that belong to these regions and years (see ``_read_text_table``)."""
    if regions is not None and "region" in frame.columns:
        frame = frame.filter(pl.col("region").is_in(list(regions)))
    if years is not None and "year" in frame.columns:
        frame = frame.filter(_in_years(years))
    return frame


def _year_number() -> pl.Expr:
    """A text or integer year column as a number, null where it holds no plain year (「二〇一七」)."""
    return pl.col("year").cast(pl.String).str.strip_chars().cast(pl.Int32, strict=False)


def _in_years(years: tuple[int, int]) -> pl.Expr:
    """A row of those years, or one whose year cannot be read (its check must still see it)."""
    year = _year_number()
    return year.is_null() | year.is_between(*years)


# the headers a clerk writes, in Chinese (as the template and the docs name the columns)
_HEADERS: dict[str, str] = {
    "地区代码": "code", "代码": "code", "名称": "name", "地区名称": "name", "级别": "level", "上级代码": "parent",
    "地形": "terrain", "区域": "zone", "城市规模": "city_size", **{label: flag for flag, label in FLAGS.items()},
}


def _read_workbook_table(path: Path, regions: Collection[str] | None) -> pl.DataFrame:
    """A table on a workbook's first sheet (a regions register kept in Excel): checked before parsing, every
    cell as the text the clerk sees, headers in Chinese or English, ``_row`` the sheet's row number."""
    guard_workbook(path)
    sheet = open_workbook(path).get_sheet_by_index(0)
    rows = sheet.to_python(skip_empty_area=False, nrows=MAX_TABLE_ROWS + 1)
    if len(rows) > MAX_TABLE_ROWS:
        raise InputError(f"工作表超过 {MAX_TABLE_ROWS:,} 行", Location(file=str(path), sheet=sheet.name),
                         expected="一个地区一行的登记表")
    if not rows:
        raise InputError("工作表是空的", Location(file=str(path), sheet=sheet.name), expected="第一行为表头")
    header = [_HEADERS.get(cell_text(h), cell_text(h)) for h in rows[0]]
    columns = [h or f"_{i}" for i, h in enumerate(header)]
    records = [([cell_text(v) for v in row] + [""] * len(header))[:len(header)] for row in rows[1:]]
    kept = [(number, record) for number, record in enumerate(records, start=2) if any(record)]
    frame = pl.DataFrame([r for _, r in kept], schema=columns, orient="row").with_columns(
        _row=pl.Series([n for n, _ in kept], dtype=pl.UInt32))
    if regions is not None and "code" in frame.columns:
        frame = frame.filter(pl.col("code").is_in(list(regions)))
    return frame


def _require_columns(frame: pl.DataFrame, columns: Mapping[str, str], file: str) -> None:
    for column, label in columns.items():
        if column not in frame.columns:
            raise InputError(
                f"缺少列「{column}」（{label}）",
                Location(file=file, line=1),
                expected="表头包含 " + "、".join(columns),
            )


@dataclass(frozen=True)
class Failure:
    """One bad cell: the frame's ``_row``, the column, what is wrong (with the value), what is expected."""

    row: int
    field: str
    problem: str
    expected: str


def failures(frame: pl.DataFrame, bad: pl.Expr, field: str, problem: str, expected: str) -> list[Failure]:
    """Every row where ``bad`` holds, as failures naming the offending value."""
    hits = frame.filter(bad.fill_null(False)).select("_row", field)
    return [
        Failure(int(row), field, f"{problem}：「{'' if value is None else value}」", expected)
        for row, value in hits.iter_rows()
    ]


def raise_first(groups: list[list[Failure]], file: str) -> None:
    """Raise for the first failure of the first failing check, with how many rows share it."""
    for group in groups:
        if group:
            first = group[0]
            more = f"（另有 {len(group) - 1} 行同样的问题）" if len(group) > 1 else ""
            raise InputError(first.problem + more, Location(file=file, line=first.row, field=first.field),
                             expected=first.expected)


def _fail_first(
    frame: pl.DataFrame, bad: pl.Expr, file: str, field: str, problem: str, expected: str
) -> None:
    raise_first([failures(frame, bad, field, problem, expected)], file)


def _given(column: str) -> pl.Expr:
    """A text column with its empty cells as null (nothing was given)."""
    return pl.when(pl.col(column) != "").then(pl.col(column))


def _repeated(metrics: Mapping[str, Metric]) -> pl.Expr:
    """Rows whose (region, year, metric) another row shares, once the three are checked (a 6-digit code, a year, a
    known metric): the three packed into one integer (code · 2²² + year · 2¹⁰ + the metric's position), which
    hashes in a third of the time and a third of the memory of a struct of the three (400,000 figures: 20 against
    55 ms, 19 against 65 MB)."""
    assert len(metrics) < 2**10, "a metric's position must fit in 10 bits"
    position = metric_position(metrics).cast(pl.Int64)
    return (pl.col("region").cast(pl.Int64) * 2**22 + pl.col("year").cast(pl.Int64) * 2**10 + position).is_duplicated()


_CODE_EXPECTED = "GB/T 2260 的6位行政区划代码，如 330106"


def _bad_code(column: str, *, allow_empty: bool = False) -> pl.Expr:
    code = pl.col(column)  # empty cells were read as "", never null
    bad = ~code.str.contains(r"^\d{6}$")
    return bad & (code != "") if allow_empty else bad


def _check_code(frame: pl.DataFrame, column: str, file: str, *, allow_empty: bool = False) -> None:
    _fail_first(frame, _bad_code(column, allow_empty=allow_empty), file, column, "地区代码不是6位数字", _CODE_EXPECTED)




def _parse_year(frame: pl.DataFrame, file: str) -> pl.DataFrame:
    """Assigned targets' years: a four-digit year from FIRST_YEAR; targets may be set for coming years."""
    year = pl.col("year").cast(pl.Int32, strict=False)
    _fail_first(frame, year.is_null() | ~year.is_between(FIRST_YEAR, dt.date.today().year + 15), file, "year",
                "年份不是有效的四位整数", f"{FIRST_YEAR} 年以后的年份，如 2023")
    return frame.with_columns(year=year)


# --- regions ---------------------------------------------------------------------------


def read_regions(path: Path | str) -> pl.DataFrame:
    """The region register: code, name, level, parent, terrain, zone, city_size, flags."""
    path = Path(path)
    file = str(path)
    frame = _read_text_table(path)
    _require_columns(frame, {"code": "地区代码", "name": "名称", "level": "级别"}, file)
    profiles, problems = validate_regions(frame)
    raise_first(problems, file)
    return profiles


def validate_regions(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[list[Failure]]]:
    """Check an all-text register (with ``_row``) and convert it; failures grouped by check.

    The converted frame is only meaningful when there are no failures.
    """
    for optional in ("parent", "terrain", "zone", "city_size", *FLAGS):
        if optional not in frame.columns:
            frame = frame.with_columns(pl.lit("").alias(optional))
    groups = [
        failures(frame, _bad_code("code"), "code", "地区代码不是6位数字", _CODE_EXPECTED),
        failures(frame, _bad_code("parent", allow_empty=True), "parent", "上级代码不是6位数字", _CODE_EXPECTED),
        failures(frame, pl.col("code").is_duplicated() & (pl.col("code") != ""), "code", "地区代码重复",
                 "每个地区只出现一次"),
        failures(frame, pl.col("name") == "", "name", "地区名称为空", "地区名称"),
        failures(frame, ~pl.col("level").is_in(list(_LEVEL_ALIASES)), "level", "级别无法识别",
                 "、".join(_LEVEL_ALIASES)),
    ]
    frame = frame.with_columns(level=pl.col("level").replace_strict(_LEVEL_ALIASES, default=None))
    for column, allowed in ENUM_COLUMNS.items():
        if column == "level":
            continue
        cell = pl.col(column)
        groups.append(failures(frame, (cell != "") & ~cell.is_in(list(allowed)), column,
                               f"{ENUM_LABELS[column]}取值无法识别", "、".join(allowed) + "，或留空"))
        frame = frame.with_columns(_given(column))
    for flag, label in FLAGS.items():
        cell = pl.col(flag).str.to_lowercase()
        groups.append(failures(frame, ~cell.is_in(list(_TRUE | _FALSE)), flag, f"「{label}」应为是或否",
                               "是/否（或 true/false、1/0；留空视为否）"))
        frame = frame.with_columns(cell.is_in(list(_TRUE)).alias(flag))
    profiles = frame.with_columns(
        parent=_given("parent")
    ).select("code", "name", "level", "parent", "terrain", "zone", "city_size", *FLAGS)
    return profiles, groups


# --- figures ---------------------------------------------------------------------------


def read_observations(path: Path | str, metrics: Mapping[str, Metric],
                      regions: Collection[str] | None = None, *, accept_warnings: bool = False,
                      years: tuple[int, int] | None = None) -> pl.DataFrame:
    """Figures in long form: region, year, metric, value (number or state), source, note.

    Every value passes ``io.validate.check_figures`` (the validator the workbook, the web form and the
    API use). ``accept_warnings=False`` refuses a value that needs confirmation (a share typed as a
    fraction) until the user confirms. ``regions``: only these regions' figures (one chunk of a
    national file); rows keep their file numbers. ``years`` (first, last): only these years' figures, the
    others neither read nor checked (the national batch reads what its judgement uses).
    """
    path = Path(path)
    return observations_from_text(_read_text_table(path, regions, years), str(path), metrics,
                                  accept_warnings=accept_warnings)


def observations_from_text(frame: pl.DataFrame, file: str, metrics: Mapping[str, Metric], *,
                           accept_warnings: bool = False) -> pl.DataFrame:
    """``read_observations``'s checks on rows already read as text (a file's cells and their ``_row``), such as a
    chunk of a national CSV read once; errors name ``file`` and the row."""
    _require_columns(frame, _OBS_COLUMNS, file)
    for optional in ("source", "note"):
        if optional not in frame.columns:
            frame = frame.with_columns(pl.lit("").alias(optional))
    _check_code(frame, "region", file)
    checked = check_figures(
        frame.select(pl.col("_row").cast(pl.Int64).alias("_key"), "region", "year", "metric",
                     text=pl.col("value"), number=pl.lit(None, dtype=pl.Float64), source=_given("source"),
                     note=_given("note")),
        metrics,
    )
    raise_first_finding(checked.errors, file)
    if not accept_warnings:
        raise_first_finding(checked.to_confirm, file, hint="确认数值无误后，加 --accept-warnings 重新运行")
    # 无 / 不适用 carry no figure; a national file rarely has one, and a filter would copy every column
    figures = checked.figures.filter(~pl.col("explicit")) if checked.figures["explicit"].any() else checked.figures
    _fail_first(figures.with_columns(_row=pl.col("_key")), _repeated(metrics),
                file, "metric", "同一地区、年份、统计量出现多次", "每个地区每年每个统计量只填一行")
    return figures.select("region", "year", "metric", "value", "state", "source", "note")


def raise_first_finding(findings: pl.DataFrame, file: str, hint: str | None = None) -> None:
    """Raise the validator's first finding (by file row) as an InputError, with how many rows share it."""
    if findings.height == 0:
        return
    first = findings.row(0, named=True)
    same = findings.filter(pl.col("code") == first["code"]).height - 1
    more = f"（另有 {same} 行同样的问题）" if same else ""
    where = Location(file=file, line=int(first["_key"]), field=first["field"])
    if hint:
        raise ConfirmationNeeded(first["message"] + more, where, expected=first["expected"]).with_hint(hint)
    raise InputError(first["message"] + more, where, expected=first["expected"])


def read_assigned(path: Path | str, metrics: Mapping[str, Metric],
                  regions: Collection[str] | None = None, years: tuple[int, int] | None = None) -> pl.DataFrame:
    """Targets set by the higher level (完成上级下达的目标): region, year, metric, target. ``regions``: only
    theirs (a Parquet file is filtered while it is read, as the batch reads a chunk); ``years``: only these."""
    path = Path(path)
    return assigned_from_text(_read_text_table(path, regions, years), str(path), metrics)


def assigned_from_text(frame: pl.DataFrame, file: str, metrics: Mapping[str, Metric]) -> pl.DataFrame:
    """``read_assigned``'s checks on rows already read as text; errors name ``file`` and the row."""
    _require_columns(frame, _ASSIGNED_COLUMNS, file)
    if "source" not in frame.columns:
        frame = frame.with_columns(source=pl.lit(""))
    _check_code(frame, "region", file)
    frame = _parse_year(frame, file)
    numeric = [k for k, m in metrics.items() if m.kind == "number"]
    _fail_first(frame, ~pl.col("metric").is_in(numeric), file, "metric",
                "未知的统计量或非数值型统计量", "统计量登记表中数值型统计量的编号")
    frame = frame.with_columns(_target=parse_number(pl.col("target")))  # parsed once, checked and kept
    _fail_first(frame, pl.col("_target").is_null(), file, "target", "目标值不是数字", "数字，如 85")
    _fail_first(frame, _repeated(metrics), file, "metric",
                "同一地区、年份、统计量的目标出现多次", "每个地区每年每个统计量只填一个目标")
    return frame.select("region", "year", "metric", target="_target",
                        source=_given("source"))


# --- a dataset folder ------------------------------------------------------------------


def _find(folder: Path, stem: str) -> Path | None:
    for suffix in (".csv", ".parquet", ""):  # "": a folder of partitions, observations/52.parquet …
        candidate = folder / f"{stem}{suffix}"
        if candidate.exists():
            return candidate
    return None


def partition_files(folder: Path) -> list[Path]:
    """The Parquet partitions of a figures folder (e.g. one per province), in name order."""
    parts = sorted(folder.glob("*.parquet"))
    if not parts:
        raise InputError("文件夹中没有 .parquet 分区文件", Location(file=str(folder)),
                         expected="如 observations/52.parquet、observations/53.parquet")
    return parts


def read_known_observations(path: Path, metrics: Mapping[str, Metric], regions: pl.DataFrame, *,
                            accept_warnings: bool = False, years: tuple[int, int] | None = None) -> pl.DataFrame:
    """One figures file, every region in it checked against the register; errors name this file."""
    frame = read_observations(path, metrics, accept_warnings=accept_warnings, years=years)
    _check_known_regions(frame, regions, str(path))
    return frame


def read_dataset(
    path: Path | str, metrics: Mapping[str, Metric], regions_path: Path | str | None = None, *,
    accept_warnings: bool = False,
) -> Dataset:
    """A folder with regions + observations (+ assigned), or one figures file plus a register."""
    path = Path(path)
    if path.is_dir():
        regions_file = Path(regions_path) if regions_path else _find(path, "regions")
        obs_file = _find(path, "observations")
        assigned_file = _find(path, "assigned")
        if regions_file is None or obs_file is None:
            raise InputError(
                "文件夹中缺少 regions 或 observations 文件",
                Location(file=str(path)),
                expected="regions.csv（或 .parquet）和 observations.csv（或 .parquet），可另有 assigned.csv",
            )
    else:
        if regions_path is None:
            raise InputError(
                "只给出了数据文件，未给出地区登记表",
                Location(file=str(path)),
                expected="一个包含 regions.csv 和 observations.csv 的文件夹，或用 --regions 指定地区登记表",
            )
        regions_file, obs_file = Path(regions_path), path
        assigned_file = _find(path.parent, "assigned")
    regions = read_regions(regions_file)
    files = partition_files(obs_file) if obs_file.is_dir() else [obs_file]
    observations = pl.concat([read_known_observations(file, metrics, regions, accept_warnings=accept_warnings)
                              for file in files])
    assigned = read_assigned(assigned_file, metrics) if assigned_file else None
    if assigned is not None:
        _check_known_regions(assigned, regions, str(assigned_file))
    folder = path if path.is_dir() else path.parent
    answers_file = next((folder / n for n in ("vetoes.csv", "vetoes.yaml", "vetoes.yml") if (folder / n).exists()),
                        None)
    incidents_file = folder / "incidents.csv"
    answers = read_answers(answers_file) if answers_file else None
    incidents, removed = read_incidents(incidents_file) if incidents_file.exists() else (None, None)
    return Dataset(regions=regions, observations=observations, assigned=assigned, answers=answers,
                   incidents=incidents, incidents_removed=removed)


def _check_known_regions(frame: pl.DataFrame, regions: pl.DataFrame, file: str) -> None:
    first_row = 1 if file.lower().endswith(".parquet") else 2  # as _read_text_table numbers rows
    unknown = frame.with_row_index("_row", offset=first_row).filter(
        ~pl.col("region").is_in(regions["code"].implode())
    )
    if unknown.height:
        first = unknown.row(0, named=True)
        raise InputError(
            f"地区代码「{first['region']}」不在地区登记表中"
            + (f"（另有 {unknown.height - 1} 行）" if unknown.height > 1 else ""),
            Location(file=file, line=int(first["_row"]), field="region"),
            expected="地区登记表 regions 中的代码",
        )


def regions_from_register(codes: list[str], profiles: Path | None = None) -> pl.DataFrame:
    """Profiles from the national register: for a bare figures file, or a template for any county.

    Code, name, level and parent come from the register; terrain, zone, city size and the flags from
    the user's profile file (CSV or Parquet with a ``code`` column); a blank zone from the province.
    """
    from ecozone.regions.register import fill_zones, load_register, retired_codes

    register = load_register().filter(pl.col("code").is_in(codes), pl.col("level") != "省")
    missing = sorted(set(codes) - set(register["code"].to_list()))
    if missing:
        retired = [f"{code}（{retired_codes()[code]}，已撤销）" for code in missing if code in retired_codes()]
        examples = retired[:3] or missing[:5]
        raise InputError(f"{len(missing)} 个地区代码不在区划登记表（统计用区划代码 2023）中，"
                         f"如 {'、'.join(examples)}", Location(field="region"),
                         expected="地级或县级单位的现行代码（已撤销的旧代码请按国务院批复改为现行代码）；"
                                  "或改用数据文件夹，自带 regions 地区登记表")
    frame = register.select("code", "name", "level", pl.col("parent").fill_null(""))
    file = "区划登记表"
    if profiles is not None:
        file = str(profiles)
        given = _read_text_table(profiles)
        if "code" not in given.columns:
            raise InputError("属性表缺少 code（地区代码）列", Location(file=file, field="code"))
        extra = [c for c in given.columns if c not in ("code", "name", "level", "parent", "_row")]
        frame = frame.join(given.select("code", "_row", *extra), on="code", how="left")
    if "_row" not in frame.columns:
        frame = frame.with_columns(_row=pl.lit(None, pl.UInt32))
    frame = frame.with_columns(pl.exclude("_row").cast(pl.String).fill_null(""), pl.col("_row").fill_null(0))
    validated, problems = validate_regions(frame)
    raise_first(problems, file)
    return fill_zones(validated)


def _csv_content(path: Path) -> bytes | io.StringIO:
    """A CSV for polars to parse: its bytes when they are UTF-8 (polars reads them and drops a BOM itself), else
    its text as ``decoded`` reads it. A national file (150 MB) is then held once, not also as a Python string and
    its StringIO copy (the national panel as CSV through `ecozone batch`: 1.43 → 0.71 GB peak)."""
    raw = path.read_bytes()
    checker = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(raw), 1 << 20):  # checked a megabyte at a time, nothing of it kept
            checker.decode(raw[start:start + (1 << 20)])
        checker.decode(b"", final=True)
    except UnicodeDecodeError:
        return io.StringIO(decoded(path))
    return raw


def decoded(path: Path) -> str:
    """A CSV's text as Excel (GB18030) or a UTF-8 editor saved it."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError("无法识别文件编码", Location(file=str(path)), expected="UTF-8 或 GB18030 编码的 CSV")
