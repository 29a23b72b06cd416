"""The assessment: (standard, profiles, figures, year) → statuses, gaps, verdicts.

Pure and vectorised: whole tables in, whole tables out, no I/O. The shape of the work:

1. every (region, leaf criterion) pair, with the target its profile selects;
2. the judged year's figures, the window statistics and the higher level's targets joined on;
3. each leaf judged by its kind with one ``when/then`` chain;
4. composite criteria (all / any / case) folded bottom-up with ``group_by``;
5. units (indicators or sub-items) with applicability; indicators; a verdict per region.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ecozone.catalogue.load import LoadedStandard
from ecozone.engine.criteria import OP_TEXT, TREND_TEXT, CompiledStandard, compile_standard
from ecozone.engine.trend import TREND_METHOD, window_stats

__all__ = ["STATUSES", "VERDICTS", "Assessment", "assess"]

STATUSES = ("met", "not_met", "not_applicable", "missing", "needs_review")
VERDICTS = ("ready", "not_ready", "incomplete")

STATUS_TEXT = {
    "met": "达标",
    "not_met": "未达标",
    "not_applicable": "不适用",
    "missing": "缺数据",
    "needs_review": "待核实",
}

# Folding order. For "all": the worst child decides; for "any": the best child decides.
_WORST_FIRST = ["not_met", "needs_review", "missing", "met"]
_BEST_FIRST = ["met", "needs_review", "missing", "not_met"]


@dataclass(frozen=True)
class Assessment:
    """The result of one run. Every table carries the standard id and the pack hash."""

    standard: LoadedStandard
    year: int
    window: tuple[int, int]
    items: pl.DataFrame
    indicators: pl.DataFrame
    regions: pl.DataFrame

    @property
    def trend_method(self) -> str:
        return TREND_METHOD


def assess(
    standard: LoadedStandard,
    profiles: pl.DataFrame,
    observations: pl.DataFrame,
    year: int,
    assigned: pl.DataFrame | None = None,
) -> Assessment:
    """Judge every region of ``profiles`` against ``standard`` for ``year``.

    ``profiles``: code, name, level, terrain, zone, city_size and the flag columns.
    ``observations``: region, year, metric, value (Float64), state (String), source.
    ``assigned``: region, year, metric, target — targets set by the higher level.
    """
    compiled = compile_standard(standard)
    params = standard.standard.parameters
    window = params.trend_window
    obs = observations.lazy()

    leaves = _region_leaves(compiled, profiles.lazy())
    leaves = _join_figures(compiled, leaves, obs, assigned, year, window)
    leaves = _judge_leaves(leaves, year, window, params.stable_tolerance, params.outlier_factor)
    judged = leaves.collect()

    units = _fold_units(compiled, profiles.lazy(), judged.lazy()).collect()
    indicators = _indicators(compiled, units.lazy()).collect()
    regions = _verdicts(compiled, profiles.lazy(), indicators.lazy()).collect()

    stamp = [pl.lit(standard.id).alias("standard_id"), pl.lit(standard.hash).alias("standard_hash")]
    return Assessment(
        standard=standard,
        year=year,
        window=(year - window + 1, year),
        items=units.with_columns(stamp),
        indicators=indicators.with_columns(stamp),
        regions=regions.with_columns(stamp),
    )


# --- 1. region × leaf ------------------------------------------------------------------


def _region_leaves(compiled: CompiledStandard, profiles: pl.LazyFrame) -> pl.LazyFrame:
    none_f = pl.lit(None, dtype=pl.Float64)
    none_s = pl.lit(None, dtype=pl.String)
    per_leaf = [
        profiles.select(
            region=pl.col("code"),
            leaf_id=pl.lit(leaf_id, dtype=pl.Int64),
            active=guard,
            target=compiled.targets.get(leaf_id, (none_f, none_s))[0],
            basis=compiled.targets.get(leaf_id, (none_f, none_s))[1],
        )
        for leaf_id, guard in compiled.guards.items()
    ]
    return (
        pl.concat(per_leaf)
        .filter(pl.col("active"))
        .drop("active")
        .join(compiled.leaves.lazy(), on="leaf_id")
    )


# --- 2. figures ------------------------------------------------------------------------


def _join_figures(
    compiled: CompiledStandard,
    leaves: pl.LazyFrame,
    obs: pl.LazyFrame,
    assigned: pl.DataFrame | None,
    year: int,
    window: int,
) -> pl.LazyFrame:
    current = obs.filter(pl.col("year") == year).select("region", "metric", "value", "state", "source")
    numeric = compiled.metrics_of(("trend", "delta", "threshold", "assigned"))
    stats = window_stats(obs, numeric, year, window)
    leaves = leaves.join(current, on=["region", "metric"], how="left").join(
        stats, on=["region", "metric"], how="left"
    )
    if assigned is not None:
        given = assigned.lazy().filter(pl.col("year") == year).select(
            "region", "metric", assigned_target=pl.col("target")
        )
        leaves = leaves.join(given, on=["region", "metric"], how="left")
    else:
        leaves = leaves.with_columns(assigned_target=pl.lit(None, dtype=pl.Float64))
    is_assigned = pl.col("kind") == "assigned"
    return leaves.with_columns(
        target=pl.when(is_assigned).then(pl.col("assigned_target")).otherwise(pl.col("target")),
        basis=pl.when(is_assigned).then(pl.lit("上级下达目标")).otherwise(pl.col("basis")),
    )


# --- 3. judging each leaf --------------------------------------------------------------


def _compare(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    op = pl.col("op")
    return (
        pl.when(op == ">=").then(left >= right)
        .when(op == ">").then(left > right)
        .when(op == "<=").then(left <= right)
        .when(op == "<").then(left < right)
        .otherwise(left == right)
    )


def _num(expr: pl.Expr) -> pl.Expr:
    """A number as short Chinese-report text: 2 decimals at most, no trailing .0."""
    return expr.round(2).cast(pl.String).str.replace(r"\.0$", "")


def _op_text() -> pl.Expr:
    return pl.col("op").replace_strict(OP_TEXT, default="", return_dtype=pl.String)


def _judge_leaves(
    leaves: pl.LazyFrame, year: int, window: int, tolerance: float, outlier_factor: float
) -> pl.LazyFrame:
    kind = pl.col("kind")
    value, target, base = pl.col("value"), pl.col("target"), pl.col("base_value")
    sign = pl.col("sign")
    base_year = year - window + 1

    # good-direction yearly change, in % of the window mean (or raw when the mean is 0)
    change_pct = sign * pl.col("slope") / pl.col("window_mean").abs() * 100
    stable = (
        pl.when(pl.col("window_mean") == 0)
        .then(sign * pl.col("slope") >= 0)
        .otherwise(change_pct >= -tolerance)
    )
    trend_ok = (
        pl.when(pl.col("rule") == "not_worse").then(sign * (value - base) >= 0)
        .when(pl.col("rule") == "stable_or_better").then(stable)
        .otherwise(sign * pl.col("slope") > 0)
    )
    ok = (
        pl.when(kind == "state").then(pl.col("accept").list.contains(pl.col("state")))
        .when(kind.is_in(["threshold", "assigned"])).then(_compare(value, target))
        .when(kind == "trend").then(trend_ok)
        .otherwise(_compare(value - base, pl.col("delta_value")))
    )
    no_value = pl.when(kind == "state").then(pl.col("state").is_null()).otherwise(value.is_null())
    no_target = kind.is_in(["threshold", "assigned"]) & target.is_null()
    no_base = kind.is_in(["trend", "delta"]) & base.is_null()
    ratio = value / pl.col("history_median")
    outlier = (
        (kind != "state")
        & (pl.col("history_median") > 0)
        & ((ratio > outlier_factor) | (ratio < 1 / outlier_factor))
    ).fill_null(False)

    status = (
        pl.when(no_value | no_target | no_base).then(pl.lit("missing"))
        .when(outlier).then(pl.lit("needs_review"))
        .when(ok).then(pl.lit("met"))
        .otherwise(pl.lit("not_met"))
    )
    # margin to target in the good direction: negative means short of the target
    gap = (
        pl.when(pl.col("op").is_in([">=", ">"])).then(value - target)
        .when(pl.col("op").is_in(["<=", "<"])).then(target - value)
        .otherwise(-(value - target).abs())
    )
    leaves = leaves.with_columns(
        status=status,
        gap=pl.when(kind.is_in(["threshold", "assigned"])).then(gap),
        change_pct=change_pct,
    )
    return leaves.with_columns(
        leaf_text=_leaf_text(year, base_year, outlier_factor),
        target_display=_target_display(),
    )


def _gap_unit() -> pl.Expr:
    return pl.when(pl.col("metric_unit") == "%").then(pl.lit("个百分点")).otherwise(pl.col("metric_unit"))


def _leaf_text(year: int, base_year: int, outlier_factor: float) -> pl.Expr:
    """The Chinese explanation of one leaf: the value, the target and why, the outcome."""
    name, unit = pl.col("metric_name"), pl.col("metric_unit")
    kind, status = pl.col("kind"), pl.col("status")
    verdict = pl.col("status").replace_strict(
        {"met": "达标", "not_met": "未达标"}, default="", return_dtype=pl.String
    )
    value_text = pl.format("{}年{}为{}{}", pl.lit(year), name, _num(pl.col("value")), unit)
    shortfall = pl.when(pl.col("gap") < 0).then(
        pl.format("，差{}{}", _num(-pl.col("gap")), _gap_unit())
    ).otherwise(pl.lit(""))
    basis = pl.when(pl.col("basis").is_null()).then(pl.lit("")).otherwise(
        pl.format("（{}）", pl.col("basis"))
    )
    compare_text = pl.format(
        "{}，目标{}{}{}{}{}，{}。",
        value_text, _op_text(), _num(pl.col("target")), unit, basis, shortfall, verdict,
    )
    state_text = pl.format(
        "{}年{}：{}（要求：{}），{}。",
        pl.lit(year), name, pl.col("state"), pl.col("accept").list.join("或"), verdict,
    )
    trend_text = pl.format(
        "{}{}–{}年由{}变为{}{}，年均变化{}%（{}），{}。",
        name, pl.lit(base_year), pl.lit(year), _num(pl.col("base_value")), _num(pl.col("value")), unit,
        _num(pl.col("change_pct")),
        pl.col("rule").replace_strict(TREND_TEXT, default="", return_dtype=pl.String), verdict,
    )
    delta_text = pl.format(
        "{}{}–{}年变化{}（要求变化{}{}），{}。",
        name, pl.lit(base_year), pl.lit(year), _num(pl.col("value") - pl.col("base_value")),
        _op_text(), _num(pl.col("delta_value")), verdict,
    )
    missing_text = (
        pl.when(pl.col("value").is_null() & pl.col("state").is_null())
        .then(pl.format("缺少{}年{}数据。", pl.lit(year), name))
        .when((kind == "assigned") & pl.col("target").is_null())
        .then(pl.format("缺少上级下达的{}年{}目标。", pl.lit(year), name))
        .when(kind == "threshold")
        .then(pl.format("{}：未找到适用的目标值，请核对区域属性（地形、区域、城市规模等）。", name))
        .otherwise(pl.format("缺少{}年（判定期首年）{}数据，无法判断变化。", pl.lit(base_year), name))
    )
    review_text = pl.format(
        "{}，与本地区此前{}年中位数{}{}相差{}倍以上，请核实（可能单位或小数点有误）。",
        value_text, pl.lit(year - base_year + 1), _num(pl.col("history_median")), unit,
        pl.lit(f"{outlier_factor:g}"),
    )
    return (
        pl.when(status == "missing").then(missing_text)
        .when(status == "needs_review").then(review_text)
        .when(kind == "state").then(state_text)
        .when(kind.is_in(["threshold", "assigned"])).then(compare_text)
        .when(kind == "trend").then(trend_text)
        .otherwise(delta_text)
    )


def _target_display() -> pl.Expr:
    kind = pl.col("kind")
    return (
        pl.when(kind.is_in(["threshold", "assigned"]) & pl.col("target").is_not_null())
        .then(pl.format("{}{}", _op_text(), _num(pl.col("target"))))
        .when(kind == "state").then(pl.col("accept").list.join("或"))
        .when(kind == "trend").then(pl.col("rule").replace_strict(TREND_TEXT, default="", return_dtype=pl.String))
        .when(kind == "delta").then(pl.format("变化{}{}", _op_text(), _num(pl.col("delta_value"))))
    )


# --- 4. folding criteria into units ----------------------------------------------------


def _rank(order: list[str]) -> pl.Expr:
    return pl.col("status").replace_strict(
        {s: i for i, s in enumerate(order)}, default=None, return_dtype=pl.Int8
    )


def _fold_criteria(compiled: CompiledStandard, leaves: pl.LazyFrame) -> pl.LazyFrame:
    """Fold leaf statuses up through all/any/case nodes to one status per (region, unit)."""
    rows = leaves.select("region", "unit_id", "parent_id", "status")
    nodes = compiled.nodes.lazy()
    for depth in range(compiled.max_depth, -1, -1):
        level = nodes.filter(pl.col("depth") == depth).select(
            node_id="node_id", combine="combine", node_parent="parent_id"
        )
        folded = (
            rows.join(level, left_on="parent_id", right_on="node_id")
            .group_by("region", "unit_id", "parent_id")
            .agg(
                worst=_rank(_WORST_FIRST).min(),
                best=_rank(_BEST_FIRST).min(),
                combine=pl.col("combine").first(),
                node_parent=pl.col("node_parent").first(),
            )
            .select(
                "region",
                "unit_id",
                parent_id=pl.col("node_parent"),
                status=pl.when(pl.col("combine") == "any")
                .then(pl.col("best").replace_strict(dict(enumerate(_BEST_FIRST)), return_dtype=pl.String))
                .otherwise(pl.col("worst").replace_strict(dict(enumerate(_WORST_FIRST)), return_dtype=pl.String)),
            )
        )
        rows = pl.concat([rows, folded], how="vertical_relaxed")
    return rows.filter(pl.col("parent_id").is_null()).select("region", "unit_id", "status")


def _fold_units(compiled: CompiledStandard, profiles: pl.LazyFrame, leaves: pl.LazyFrame) -> pl.LazyFrame:
    roots = _fold_criteria(compiled, leaves)
    primary = (
        leaves.sort("order")
        .group_by("region", "unit_id")
        .agg(
            value=pl.col("value").first(),
            state=pl.col("state").first(),
            source=pl.col("source").drop_nulls().first(),
            target_value=pl.col("target").first(),
            target_basis=pl.col("basis").first(),
            gap=pl.col("gap").first(),
            explanation=pl.col("leaf_text").str.join(""),
            leaf_statuses=pl.col("status"),
        )
    )
    applicable = pl.concat(
        [
            profiles.select(region=pl.col("code"), unit_id=pl.lit(unit_id), applicable=expr)
            for unit_id, expr in compiled.applicable.items()
        ]
    )
    units = (
        applicable.join(compiled.units.lazy(), on="unit_id")
        .join(roots, on=["region", "unit_id"], how="left")
        .join(primary, on=["region", "unit_id"], how="left")
    )
    status = (
        pl.when(~pl.col("applicable")).then(pl.lit("not_applicable"))
        .when(pl.col("status").is_null()).then(pl.lit("missing"))
        .otherwise(pl.col("status"))
    )
    explanation = (
        pl.when(~pl.col("applicable")).then(pl.col("not_applicable_text") + pl.lit("。"))
        .when(pl.col("explanation").is_null()).then(pl.lit("未找到适用的判定规则，请核对区域属性（级别、地形、区域等）。"))
        .otherwise(pl.col("explanation"))
    )
    target_value = pl.col("target_value")
    return units.with_columns(
        status=status,
        explanation=explanation,
        relative_gap=pl.when(target_value.abs() > 0).then(pl.col("gap") / target_value.abs()),
        target_basis=pl.when(pl.col("applicable")).then(pl.col("target_basis")),
    ).drop("applicable", "not_applicable_text", "leaf_statuses")


# --- 5. indicators and verdicts --------------------------------------------------------


def _indicators(compiled: CompiledStandard, units: pl.LazyFrame) -> pl.LazyFrame:
    applicable = pl.col("status") != "not_applicable"
    item_summary = pl.format("{} {}：{}", pl.col("item_id"), pl.col("unit_name"),
                             pl.col("status").replace_strict(STATUS_TEXT, return_dtype=pl.String))
    grouped = units.sort("unit_order").group_by("region", "indicator_id").agg(
        any_applicable=applicable.any(),
        worst=_rank(_WORST_FIRST).filter(applicable).min(),
        first_status=pl.col("status").first(),
        value=pl.col("value").first(),
        state=pl.col("state").first(),
        source=pl.col("source").first(),
        target_value=pl.col("target_value").first(),
        target_basis=pl.col("target_basis").first(),
        target_text=pl.col("target_text").first(),
        gap=pl.col("gap").first(),
        relative_gap=pl.col("relative_gap").first(),
        unit_explanation=pl.col("explanation").first(),
        item_explanation=item_summary.filter(applicable).str.join("；"),
        na_explanation=pl.col("explanation").first(),
    )
    joined = grouped.join(compiled.indicators.lazy(), on="indicator_id")
    has_items = pl.col("has_items")
    status = (
        pl.when(~pl.col("any_applicable")).then(pl.lit("not_applicable"))
        .otherwise(pl.col("worst").replace_strict(dict(enumerate(_WORST_FIRST)), return_dtype=pl.String))
    )
    single = [
        pl.when(~has_items).then(pl.col(c)).alias(c)
        for c in ("value", "state", "source", "target_value", "target_basis", "gap", "relative_gap")
    ]
    return joined.with_columns(
        *single,
        status=status,
        target_text=pl.when(~has_items).then(pl.col("target_text"))
        .otherwise(pl.col("indicator_target_text").fill_null(pl.lit("见各分项"))),
        explanation=pl.when(~pl.col("any_applicable")).then(pl.col("na_explanation"))
        .when(has_items).then(pl.format("分项：{}。", pl.col("item_explanation")))
        .otherwise(pl.col("unit_explanation")),
    ).select(
        "region", "indicator_id", "number", "name", "domain", "task", "attribute", "gates",
        "verified", "confidence", "has_items", "status", "value", "state",
        unit="indicator_unit", target_text="target_text", target_value="target_value",
        target_basis="target_basis", gap="gap", relative_gap="relative_gap",
        source="source", explanation="explanation",
    ).sort("region", "number")


def _ids(condition: pl.Expr) -> pl.Expr:
    return pl.col("indicator_id").filter(condition).sort_by(pl.col("number").filter(condition))


def _verdicts(compiled: CompiledStandard, profiles: pl.LazyFrame, indicators: pl.LazyFrame) -> pl.LazyFrame:
    pack = compiled.standard.standard
    status, gates = pl.col("status"), pl.col("gates")
    reference = pl.col("attribute") == "reference"
    undecided = status.is_in(["missing", "needs_review"])
    per_region = indicators.group_by("region").agg(
        gate_not_met=_ids(gates & (status == "not_met")),
        gate_missing=_ids(gates & (status == "missing")),
        gate_review=_ids(gates & (status == "needs_review")),
        unverified_met=_ids(~pl.col("verified") & (status == "met")),
        reference_not_met=_ids(~gates & (status == "not_met")),
        reference_open=_ids(~gates & undecided),
        ref_applicable=(reference & (status != "not_applicable")).sum(),
        ref_met=(reference & (status == "met")).sum(),
        ref_undecided=(reference & undecided).sum(),
        applicable=(status != "not_applicable").sum(),
        met=(status == "met").sum(),
        not_met=(status == "not_met").sum(),
        missing=(status == "missing").sum(),
        needs_review=(status == "needs_review").sum(),
    )
    share = pack.pass_rule.reference_min_share
    if share is None:
        ref_fails = pl.lit(False)
        ref_open = pl.lit(False)
    else:
        needed = pl.col("ref_applicable") * share
        ref_fails = (pl.col("ref_met") + pl.col("ref_undecided")) < needed
        ref_open = ~ref_fails & (pl.col("ref_met") < needed)
    not_met = pl.col("gate_not_met").list.len() > 0
    open_ = (pl.col("gate_missing").list.len() + pl.col("gate_review").list.len() > 0) | ref_open
    nothing_judged = pl.col("applicable").fill_null(0) == 0
    verdict = (
        pl.when(not_met | ref_fails).then(pl.lit("not_ready"))
        .when(open_ | nothing_judged | pl.lit(not pack.complete)).then(pl.lit("incomplete"))
        .otherwise(pl.lit("ready"))
    )
    reasons = _reasons(pack.complete, pack.missing_rows, share)
    return (
        profiles.select(region="code", name="name", level="level")
        .join(per_region, on="region", how="left")
        .with_columns(verdict=verdict)
        .with_columns(reasons=reasons)
        .sort("region")
    )


def _reason(condition: pl.Expr, code: str, message: pl.Expr, ids: pl.Expr) -> pl.Expr:
    return pl.when(condition).then(pl.struct(code=pl.lit(code), message=message, indicators=ids))


def _reasons(complete: bool, missing_rows: str | None, share: float | None) -> pl.Expr:
    def listed(col: str) -> pl.Expr:
        return pl.col(col).list.join("、")

    def has(col: str) -> pl.Expr:
        return pl.col(col).list.len() > 0

    empty = pl.lit([], dtype=pl.List(pl.String))
    parts = [
        _reason(pl.col("applicable").fill_null(0) == 0, "nothing_applicable",
                pl.lit("本标准没有适用于该地区的指标，无法判定"), empty),
        _reason(has("gate_not_met"), "binding_not_met",
                pl.format("约束性指标未达标：第{}项", listed("gate_not_met")), pl.col("gate_not_met")),
        _reason(has("gate_missing"), "binding_missing",
                pl.format("约束性指标缺数据：第{}项", listed("gate_missing")), pl.col("gate_missing")),
        _reason(has("gate_review"), "binding_needs_review",
                pl.format("约束性指标数据待核实：第{}项", listed("gate_review")), pl.col("gate_review")),
    ]
    if share is not None:
        parts.append(
            _reason(pl.col("ref_met") < pl.col("ref_applicable") * share, "reference_share",
                    pl.format("参考性指标达标{}项/适用{}项，低于要求的{}%",
                              pl.col("ref_met"), pl.col("ref_applicable"), pl.lit(round(share * 100, 1))),
                    empty)
        )
    parts += [
        _reason(has("reference_not_met"), "reference_not_met",
                pl.format("参考性指标未达标{}：第{}项",
                          pl.lit("（标准未规定参考性指标最低达标比例，不影响申报资格）" if share is None else ""),
                          listed("reference_not_met")),
                pl.col("reference_not_met")),
        _reason(has("reference_open"), "reference_missing",
                pl.format("参考性指标缺数据或待核实：第{}项", listed("reference_open")), pl.col("reference_open")),
    ]
    if not complete:
        parts.append(
            _reason(pl.lit(True), "standard_incomplete",
                    pl.lit(f"所用指标表不完整，不能判定为可申报：{missing_rows}"), empty)
        )
    parts.append(
        _reason((pl.col("verdict") == "ready") & has("unverified_met"), "unverified_targets",
                pl.format("可申报；其中第{}项的指标值未经正式文本核实", listed("unverified_met")),
                pl.col("unverified_met"))
    )
    parts.append(
        _reason(pl.col("verdict") == "ready", "all_gates_met",
                pl.format("适用的{}项指标中{}项达标，约束性指标全部达标", pl.col("applicable"), pl.col("met")),
                empty)
    )
    return pl.concat_list(parts).list.drop_nulls()
