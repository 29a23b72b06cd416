"""The one validator of figures: every adapter's values pass here, and get the same verdict and words.

CSV/Parquet, the workbook, the web form, the API and ``--set`` all hand their cells over as a long
table (region, year, metric, the text as typed and, for a spreadsheet number cell, the number). The
validator decides, for every cell, the same way whoever typed it:

- **refuse** (错误): not a number, ``nan``/``inf``, a comma that is neither a thousands separator nor
  anything else (``85,5``), below the metric's floor, above its ceiling, a state not offered, a year
  that is not a four-digit year between ``FIRST_YEAR`` and this year, an unknown metric;
- **warn and ask** (警告, needs confirmation): a share typed as a fraction (``0.85`` for 85 %);
- **warn** (警告): a cell marked 不适用 (applicability comes from the region's profile);
- **note** (提示): a cell marked 无 (no data).

Each finding carries the adapter's own row key, and the adapter turns it into its own location
(file + row, sheet + cell, form field, JSON pointer); the message and the expectation are the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

import polars as pl

from ecozone.catalogue.model import Metric

__all__ = [
    "ERROR",
    "FIRST_YEAR",
    "NOTE",
    "NOT_APPLICABLE",
    "NO_DATA",
    "WARNING",
    "FigureCheck",
    "check_figures",
    "metric_position",
    "parse_number",
    "year_problem",
]

Severity = Literal["错误", "警告", "提示"]
ERROR: Final[Severity] = "错误"
WARNING: Final[Severity] = "警告"
NOTE: Final[Severity] = "提示"

FIRST_YEAR: Final = 1990  # the earliest year of any series the standards look at (2016's tables start 2010s)
NO_DATA: Final = ("无", "暂无", "缺")
NOT_APPLICABLE: Final = ("不适用", "/", "—")

INPUT_SCHEMA: Final = {"_key": pl.Int64, "region": pl.String, "year": pl.String, "metric": pl.String,
                       "text": pl.String, "number": pl.Float64}
FINDING_SCHEMA: Final = {"_key": pl.Int64, "field": pl.String, "severity": pl.String, "code": pl.String,
                         "message": pl.String, "expected": pl.String, "confirm": pl.Boolean}
_NUMBER_EXPECTED = "数字，如 85 或 85%（可带千分位逗号，如 1,234.5）"
# thousands separators in groups of three (1,234 or 1,234.5); any other comma is ambiguous
_GROUPED = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?%?$"


@dataclass(frozen=True)
class FigureCheck:
    """``figures``: one row per input row (``_key``) with value / state, and ``explicit`` for 无 / 不适用
    (no figure). ``findings``: one row per problem, the adapter's ``_key`` and the field it concerns."""

    figures: pl.DataFrame
    findings: pl.DataFrame

    @property
    def errors(self) -> pl.DataFrame:
        return self.findings.filter(pl.col("severity") == ERROR)

    @property
    def to_confirm(self) -> pl.DataFrame:
        return self.findings.filter(pl.col("confirm"))


def parse_number(text: pl.Expr) -> pl.Expr:
    """Numbers as spreadsheets write them: full-width digits, thousands separators, a trailing %.

    ``nan`` and ``inf`` are not numbers (a figure must be finite); a comma counts only as a
    thousands separator in groups of three. Most cells are plain numbers: a plain cast reads those, and the
    text rules (NFKC, regular expressions; ~0.3 s per million cells) run only on the others' text — a null
    text costs them nothing.
    """
    plain = text.cast(pl.Float64, strict=False)
    read = plain.is_finite().fill_null(False)
    cleaned = pl.when(~read).then(text).str.normalize("NFKC").str.replace_all("，", ",").str.replace_all(r"\s", "")
    grouped = cleaned.str.contains(_GROUPED) | ~cleaned.str.contains(",")
    value = cleaned.str.replace_all(",", "").str.strip_suffix("%").cast(pl.Float64, strict=False)
    return pl.when(read).then(plain).when(grouped & value.is_finite()).then(value)


def year_problem(year: int, *, today: dt.date | None = None) -> str | None:
    """Why ``year`` cannot carry a figure, or None (the same rule as ``check_figures``)."""
    last = (today or dt.date.today()).year
    return None if FIRST_YEAR <= year <= last else f"年份「{year}」不在 {FIRST_YEAR}–{last} 之间"


def check_figures(
    cells: pl.DataFrame,
    metrics: Mapping[str, Metric],
    *,
    history: pl.DataFrame | None = None,
    today: dt.date | None = None,
) -> FigureCheck:
    """Validate every cell of ``cells`` (columns of ``INPUT_SCHEMA``; ``year`` may be text or an integer).
    Any other column of ``cells`` (a file's source and note) is carried to ``figures`` unchecked.

    ``history``: other figures of the same regions (region, year, metric, value) that a probable
    fraction is compared with, when ``cells`` holds only the edited ones (a web edit).
    """
    last_year = (today or dt.date.today()).year
    # the year as given stays beside the parsed one for the message (a column alias, not a copy); a year column
    # that is already a whole number is not written out as text and parsed back
    given = pl.col("_year_text")
    whole = cells.schema["year"].is_integer()
    frame = cells.with_columns(pl.col("year").alias("_year_text"), pl.col("text").fill_null("").str.strip_chars())
    frame = frame.with_columns(year=given.cast(pl.Int32, strict=False) if whole
                               else given.cast(pl.String).str.strip_chars().cast(pl.Int32, strict=False))
    table = _metric_table(metrics)
    frame = frame.with_columns(_metric_columns(table))
    frame = _parsed(frame, table.select("metric", "_states"))
    known = pl.col("_kind").is_not_null()
    is_number = pl.col("_kind") == "number"
    value, text = pl.col("value"), pl.col("text")
    number_cell = known & is_number & pl.col("_filled") & ~pl.col("_explicit")
    flags = {
        "bad_year_text": pl.col("year").is_null(),
        "year_range": pl.col("year").is_not_null() & ~pl.col("year").is_between(FIRST_YEAR, last_year),
        "unknown_metric": ~known,
        "no_data": pl.col("_no_data") & known,
        "not_applicable": pl.col("_na") & known,
        "not_finite": number_cell & pl.col("_not_finite"),
        "comma": number_cell & pl.col("_comma") & ~pl.col("_not_finite"),
        "not_a_number": number_cell & value.is_null() & ~pl.col("_comma") & ~pl.col("_not_finite"),
        "below": number_cell & (value < pl.col("_min")),
        "above": number_cell & (value > pl.col("_max")),
        # a share typed as a fraction: only such values are compared with their series (below)
        "fraction": number_cell & (pl.col("_unit") == "%") & (value > 0) & (value <= 1),
        "bad_state": pl.col("_bad_state"),
    }
    frame = frame.with_columns(**{f"_f_{k}": v.fill_null(False) for k, v in flags.items()})
    suspects = frame.filter(pl.any_horizontal(pl.col(f"_f_{k}") for k in flags))  # the few rows with a finding
    suspects = _fraction_slips(suspects, frame, history).join(
        table.select("metric", _offered=pl.col("_states").list.join("、")), on="metric", how="left")
    checks: list[tuple[str, str, Severity, str, pl.Expr, pl.Expr, bool]] = [
        ("bad_year_text", "year", ERROR, "bad_year", pl.format("年份不是有效的四位整数：「{}」",
                                                                   pl.col("_year_text").cast(pl.String)),
         pl.lit(f"{FIRST_YEAR}–{last_year} 之间的年份，如 2023"), False),
        ("year_range", "year", ERROR, "bad_year",
         pl.format("年份「{}」不在 {}–{} 之间", pl.col("year"), pl.lit(FIRST_YEAR), pl.lit(last_year)),
         pl.lit(f"{FIRST_YEAR}–{last_year} 之间的年份（不能填将来的年份）"), False),
        ("unknown_metric", "metric", ERROR, "unknown_metric", pl.format("未知的统计量：「{}」", pl.col("metric")),
         pl.lit("统计量登记表中的编号，可用 `ecozone standards show 标准编号` 查看"), False),
        ("no_data", "value", NOTE, "no_data", pl.format("填写了「{}」：按缺数据处理", text), pl.lit(None), False),
        ("not_applicable", "value", WARNING, "marked_not_applicable",
         pl.format("填写了「{}」：是否适用由地区属性决定，此格按缺数据处理", text),
         pl.lit("如确不适用，请核对地区信息中的级别、沿海等属性"), False),
        ("not_finite", "value", ERROR, "not_a_number", pl.format("不是数字：「{}」", text),
         pl.lit("有限的数字（nan、inf 不是数值）；没有数据填「无」"), False),
        ("comma", "value", ERROR, "ambiguous_comma", pl.format("「{}」中的逗号无法判断是千分位还是小数点", text),
         pl.lit("小数点用「.」，如 85.5；千分位逗号每三位一组，如 1,234.5"), False),
        ("not_a_number", "value", ERROR, "not_a_number", pl.format("不是数字：「{}」", text),
         pl.lit(_NUMBER_EXPECTED), False),
        ("below", "value", ERROR, "below_minimum", pl.format("数值低于合理下限：「{}」", _shown()),
         pl.format("不小于 {}（比例、率不能为负）", _bound("_min")), False),
        ("above", "value", ERROR, "above_maximum", pl.format("数值超过合理上限：「{}」", _shown()),
         pl.when(pl.col("_unit") == "%").then(pl.format("不大于 {}（百分比填 0–100）", _bound("_max")))
         .otherwise(pl.format("不大于 {}", _bound("_max"))), False),
        ("fraction", "value", WARNING, "probable_fraction",
         pl.format("数值「{}」疑似把百分比填成了小数（如 0.85 应为 85）", _shown()),
         pl.lit("百分比填 0–100（如 85）"), True),  # each adapter says how to confirm
        ("bad_state", "value", ERROR, "bad_state", pl.format("状态值不在可选范围内：「{}」", text),
         pl.col("_offered"), False),
    ]
    findings = pl.concat([
        suspects.filter(pl.col(f"_f_{flag}")).select(
            "_key", field=pl.lit(field), severity=pl.lit(severity), code=pl.lit(code),
            message=message.cast(pl.String), expected=expected.cast(pl.String), confirm=pl.lit(confirm))
        for flag, field, severity, code, message, expected, confirm in checks
    ], how="vertical_relaxed").cast(FINDING_SCHEMA)  # type: ignore[arg-type]
    carried = [c for c in cells.columns if c not in INPUT_SCHEMA]
    figures = frame.select("_key", "region", "year", "metric", "value", "state", *carried,
                           explicit=pl.col("_explicit"), filled=pl.col("_filled"))
    return FigureCheck(figures, findings.sort("_key", maintain_order=True))


def _parsed(frame: pl.DataFrame, states: pl.DataFrame) -> pl.DataFrame:
    """Value and state of every cell, and the text's flags (无, 不适用, a stray comma, nan, a state not offered).

    Most cells are plain numbers: the text rules (NFKC, regular expressions; ~1 s per million cells) run
    only on the text of the others — a null text costs those rules nothing — so the order of the rows is
    kept without a sort.
    """
    text = pl.col("text")
    given = pl.when(pl.col("number").is_finite()).then(pl.col("number"))
    plain = pl.coalesce(given, text.cast(pl.Float64, strict=False))
    known, is_number = pl.col("_kind").is_not_null(), pl.col("_kind") == "number"
    no_data, not_applicable = text.is_in(list(NO_DATA)), text.is_in(list(NOT_APPLICABLE))
    explicit = (no_data | not_applicable).fill_null(False)
    filled = (text != "") | pl.col("number").is_not_null()
    frame = frame.with_columns(_plainv=plain, _explicit=explicit, _filled=filled, _no_data=no_data, _na=not_applicable)
    number_cell = known & is_number & pl.col("_filled") & ~pl.col("_explicit")
    rest = pl.when(number_cell & ~pl.col("_plainv").is_finite().fill_null(False)).then(text)  # null for most rows
    normal = rest.str.normalize("NFKC").str.replace_all("，", ",")
    offered = states.explode("_states").select(pl.format("{}\x00{}", "metric", "_states").alias("pair"))["pair"]
    state_cell = known & ~is_number & pl.col("_filled") & ~pl.col("_explicit")
    return frame.with_columns(
        value=pl.when(number_cell).then(pl.coalesce(pl.when(pl.col("_plainv").is_finite()).then(pl.col("_plainv")),
                                                    parse_number(rest))),
        state=pl.when(state_cell).then(text),
        _comma=(normal.str.contains(",") & ~normal.str.replace_all(r"\s", "").str.contains(_GROUPED)).fill_null(False),
        _not_finite=rest.str.to_lowercase().str.replace_all(r"[\s+-]", "").is_in(["nan", "inf", "infinity"])
        .fill_null(False),
        _bad_state=(state_cell & ~pl.format("{}\x00{}", "metric", pl.when(state_cell).then(text))
                    .is_in(offered.implode())).fill_null(False),
    ).drop("_plainv")


def _fraction_slips(suspects: pl.DataFrame, frame: pl.DataFrame, history: pl.DataFrame | None) -> pl.DataFrame:
    """Of the values that might be a share typed as a fraction (0.85 for 85 %), keep those whose series says
    so: another year of the same series is about 100× larger (a unit slip, not a falling series such as
    4 → 0.8 % 劣Ⅴ类), or the whole series is below 1 for a share where larger is better (coverage, rates)."""
    candidates = suspects.filter(pl.col("_f_fraction"))
    if candidates.height == 0:
        return suspects
    pairs = candidates.select("region", "metric").unique()
    series = [frame.join(pairs, on=["region", "metric"], how="semi").select("region", "metric", "value")]
    if history is not None and history.height:
        series.append(history.join(pairs, on=["region", "metric"], how="semi").select("region", "metric", "value"))
    maxima = pl.concat(series, how="vertical_relaxed").group_by("region", "metric").agg(_row_max=pl.col("value").max())
    row_max, value = pl.col("_row_max"), pl.col("value")
    slip = pl.when(row_max > 1).then(row_max / value >= 20).otherwise(pl.col("_direction") == "higher")
    return suspects.join(maxima, on=["region", "metric"], how="left").with_columns(
        _f_fraction=pl.col("_f_fraction") & slip.fill_null(False))


def metric_position(metrics: Iterable[str]) -> pl.Expr:
    """A cell's metric as its position among ``metrics`` (null for an unknown one): a cast to an Enum of them."""
    return pl.col("metric").cast(pl.Enum(list(metrics)), strict=False).to_physical()


def _metric_columns(table: pl.DataFrame) -> list[pl.Expr]:
    """Each cell's metric's kind, unit, direction and bounds (null for an unknown metric), looked up by the metric's
    position in ``table``: a join would copy every column of the cells (37 MB and 20 ms for 400,000 figures), and
    the states, a list per row, are looked up only for the few suspect rows."""
    position = metric_position(table["metric"])
    return [pl.lit(table[column]).gather(position).alias(column)
            for column in ("_kind", "_unit", "_direction", "_min", "_max")]


def _bound(column: str) -> pl.Expr:
    """A metric's bound as written in the register (100, not 100.0)."""
    return pl.col(column).cast(pl.String).str.strip_suffix(".0")


def _shown() -> pl.Expr:
    """The value as the user typed it (a number cell shows its number)."""
    return pl.when(pl.col("text") != "").then(pl.col("text")).otherwise(pl.col("number").cast(pl.String))


def _metric_table(metrics: Mapping[str, Metric]) -> pl.DataFrame:
    return pl.DataFrame(
        {"metric": list(metrics), "_kind": [m.kind for m in metrics.values()],
         "_unit": [m.unit for m in metrics.values()], "_direction": [m.direction for m in metrics.values()],
         "_min": [m.min for m in metrics.values()], "_max": [m.max for m in metrics.values()],
         "_states": [list(m.states) for m in metrics.values()]},
        # joined onto every cell: categories (4 bytes a row) rather than text
        schema_overrides={"_min": pl.Float64, "_max": pl.Float64, "_states": pl.List(pl.String),
                          "_kind": pl.Categorical, "_direction": pl.Categorical, "_unit": pl.Categorical},
    )
