"""The Chinese explanation of each judged leaf: the value, the target and why, the outcome.

Built with polars string expressions over whole tables; each kind's text is evaluated only
on that kind's rows (see ``assess._judge_leaves``).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ecozone.catalogue.describe import OP_TEXT, TREND_TEXT

__all__ = ["EXACT_DECIMALS", "LeafTexts", "exact", "num_text"]

# Boundaries are judged on computed quantities (a yearly change in %, a ratio to the history, a change
# from the base year) rounded to this many decimals: far below any published precision (targets and
# tolerances have at most 2 decimals, figures are entered with at most 4) and far above binary residue
# (~1e-13 at these sizes), so 80.4 → 79.6 (−0.5 %/yr exactly) is judged like 50.25 → 49.75.
EXACT_DECIMALS = 6


def exact(expr: pl.Expr) -> pl.Expr:
    """A computed quantity as the rule's arithmetic means it (see EXACT_DECIMALS)."""
    return expr.round(EXACT_DECIMALS)


def num_text(expr: pl.Expr) -> pl.Expr:
    """A number as report text: up to 4 decimals with trailing zeros dropped, so a value that misses its
    target by 0.0049 does not print equal to it; below 1, at least two significant digits; "—" for no number."""
    finite = pl.when(expr.is_finite()).then(expr) + 0.0  # + 0.0: a change rounded to nothing reads 0, never -0
    tiny = finite.abs() < 0.001
    # polars writes a float as its shortest round-trip text, so the only trailing zero is a whole number's ".0"
    # (the same texts as stripping zeros after a regex test, in a third of the time) — but writes 3.6e-6 for the
    # very small, which are written through a decimal instead (null, so free, for every other row)
    small = pl.when(tiny).then(finite.round_sig_figs(2)).cast(pl.Decimal(38, 12)).cast(pl.String)
    return pl.coalesce(
        small.str.strip_chars_end("0").str.strip_suffix("."),
        finite.round(4).cast(pl.String).str.strip_suffix(".0"),
    ).fill_null("—")


def op_text() -> pl.Expr:
    return pl.col("op").replace_strict(OP_TEXT, default="", return_dtype=pl.String)


@dataclass(frozen=True)
class LeafTexts:
    """The Chinese explanation of one leaf: the value, the target and why, the outcome."""

    year: int
    base_year: int
    outlier_factor: float

    def for_kind(self, kind: str) -> pl.Expr:
        status = pl.col("status")
        body = {
            "threshold": self.compare, "assigned": self.compare, "state": self.state,
            "trend": self.trend, "delta": self.delta,
        }[kind]()
        # a request to check a figure (needs_review) is ``review``, built apart on its few rows
        return pl.when(status == "missing").then(self.missing(kind)).otherwise(body)

    @staticmethod
    def verdict() -> pl.Expr:
        return pl.when(pl.col("status") == "met").then(pl.lit("达标")).otherwise(pl.lit("未达标"))

    def value_text(self) -> pl.Expr:
        return pl.format("{}年{}为{}{}", pl.lit(self.year), pl.col("metric_name"), num_text(pl.col("value")),
                         pl.col("metric_unit"))

    def compare(self) -> pl.Expr:
        gap_unit = pl.when(pl.col("metric_unit") == "%").then(pl.lit("个百分点")).otherwise(pl.col("metric_unit"))
        shortfall = pl.when(pl.col("gap") < 0).then(pl.format("，差{}{}", num_text(-pl.col("gap")), gap_unit))
        basis = pl.format("（{}）", pl.col("basis"))
        return pl.concat_str(
            [self.value_text(), pl.lit("，目标"), op_text(), num_text(pl.col("target")), pl.col("metric_unit"),
             basis, shortfall, pl.lit("，"), self.verdict(), pl.lit("。")],
            ignore_nulls=True,
        )

    def state(self) -> pl.Expr:
        return pl.format("{}年{}：{}（要求：{}），{}。", pl.lit(self.year), pl.col("metric_name"), pl.col("state"),
                         pl.col("accept_text"), self.verdict())

    def trend(self) -> pl.Expr:
        return pl.format(
            "{}{}–{}年由{}变为{}{}，年均变化{}%（{}），{}。",
            pl.col("metric_name"), pl.lit(self.base_year), pl.lit(self.year), num_text(pl.col("base_value")),
            num_text(pl.col("value")), pl.col("metric_unit"),
            pl.when(pl.col("change_pct").is_null() & (pl.col("slope") == 0)).then(pl.lit("0"))
            .otherwise(num_text(pl.col("change_pct"))),
            pl.col("rule").replace_strict(TREND_TEXT, default="", return_dtype=pl.String), self.verdict(),
        )

    def delta(self) -> pl.Expr:
        return pl.format(
            "{}{}–{}年变化{}（要求变化{}{}），{}。",
            pl.col("metric_name"), pl.lit(self.base_year), pl.lit(self.year),
            num_text(pl.col("value") - pl.col("base_value")), op_text(), num_text(pl.col("delta_value")),
            self.verdict(),
        )

    def missing(self, kind: str) -> pl.Expr:
        name = pl.col("metric_name")
        no_figure = pl.format("缺少{}年{}数据。", pl.lit(self.year), name)
        no_value = pl.col("state").is_null() if kind == "state" else pl.col("value").is_null()
        if kind == "assigned":
            other = pl.format("缺少上级下达的{}年{}目标。", pl.lit(self.year), name)
        elif kind == "threshold":
            other = pl.format("{}：未找到适用的目标值，请核对区域属性（地形、区域、城市规模等）。", name)
        elif kind in ("trend", "delta"):
            other = pl.format("缺少{}年（判定期首年）{}数据，无法判断变化。", pl.lit(self.base_year), name)
        else:
            other = no_figure
        return pl.when(no_value).then(no_figure).otherwise(other)

    def review(self) -> pl.Expr:
        window = pl.format(
            "{}{}–{}年的数值在{}{}与{}{}之间，相差超过{}倍，请核实各年数值（可能单位或小数点有误）。",
            pl.col("metric_name"), pl.lit(self.base_year), pl.lit(self.year), num_text(pl.col("window_min")),
            pl.col("metric_unit"), num_text(pl.col("window_max")), pl.col("metric_unit"),
            pl.lit(f"{self.outlier_factor:g}"),
        )
        return pl.when(pl.col("window_slip")).then(window).otherwise(self.judged_year_review())

    def judged_year_review(self) -> pl.Expr:
        return pl.format(
            "{}，与本地区此前{}年均值{}{}相差超过{}倍，请核实（可能单位或小数点有误）。",
            self.value_text(), pl.lit(self.year - self.base_year + 1), num_text(pl.col("history_mean")),
            pl.col("metric_unit"), pl.lit(f"{self.outlier_factor:g}"),
        )
