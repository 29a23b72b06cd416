"""A pack as three tables a reviewer can read and edit, and back.

- 标准信息: one row per field of the pack's header (title, document, pass rule, parameters …);
- 指标: one row per indicator and per sub-item (a sub-item names its indicator in 所属指标);
- 判定规则: one row per node of each criterion tree. Node ``1`` is the root; ``1.2`` is the second
  child of ``1``. A 全部满足 / 任一满足 node's children are its parts; a 按条件 node's children are its
  branches, each with the 条件 under which it applies; a 门槛值 node without a 目标值 has 分类目标
  children, one per variant, the first whose 条件 holds applying.

Columns marked read-only are written for the reader and ignored when read back; reading back is
``from_tables.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from ecozone.catalogue.describe import OP_TEXT, describe
from ecozone.catalogue.load import LoadedStandard, PathKey, _leaves
from ecozone.catalogue.model import (
    AllOf,
    AnyOf,
    Assigned,
    CaseOf,
    Criterion,
    Indicator,
    Metric,
    Standard,
    State,
    SubItem,
    Threshold,
    Trend,
    When,
)
from ecozone.regions.profile import FLAGS
from ecozone.vocabulary import ATTRIBUTE

__all__ = [
    "HEADER_SHEET",
    "INDICATOR_COLUMNS",
    "INDICATOR_SHEET",
    "RULE_COLUMNS",
    "RULE_SHEET",
    "Column",
    "Row",
    "Tables",
    "header_fields",
    "rule_rows",
    "tables_of",
]

HEADER_SHEET = "标准信息"
INDICATOR_SHEET = "指标"
RULE_SHEET = "判定规则"

YES, NO = "是", "否"
ATTRIBUTES = dict(ATTRIBUTE)
TREND_METHODS = {"cagr": "复合增长率", "linear": "线性"}
TREND_RULES = {"not_worse": "不降低", "stable_or_better": "保持稳定或持续改善", "better": "持续改善"}
KINDS = {"threshold": "门槛值", "state": "状态", "trend": "趋势", "assigned": "上级目标", "delta": "变化量",
         "all": "全部满足", "any": "任一满足", "case": "按条件"}
VARIANT = "分类目标"
CONFIDENCES = ("V2", "V1", "SEC", "INF", "UNV", "UNKNOWN", "USER")


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int = 14
    choices: tuple[str, ...] = ()
    read_only: bool = False
    note: str = ""


INDICATOR_COLUMNS: tuple[Column, ...] = (
    Column("id", "编号", 8, note="指标编号（包内唯一）；分项如 25.1"),
    Column("parent", "所属指标", 9, note="分项填所属指标的编号；指标行留空"),
    Column("number", "序号", 6, note="指标在表中的序号（整数）；分项留空"),
    Column("domain", "领域", 12, note="须是「标准信息」中领域之一"),
    Column("task", "任务", 14),
    Column("name", "名称", 28),
    Column("unit", "单位", 10, note="无单位填 -"),
    Column("direction", "方向", 9, read_only=True, note="由统计量决定（只读）"),
    Column("attribute", "属性", 8, tuple(ATTRIBUTES.values())),
    Column("levels", "适用级别", 9, note="市、县 中的一个或两个；分项留空表示同所属指标"),
    Column("requires", "适用条件", 16, note="地区须具备的特征，如 沿海、草原地区；多个用顿号分隔"),
    Column("target_text", "指标值原文", 30, note="正式文本中的指标值，原样抄录"),
    Column("rule", "规则说明", 36, read_only=True, note="由「判定规则」表生成（只读）"),
    Column("explanation", "指标解释", 30),
    Column("trend_method", "趋势方法", 10, tuple(TREND_METHODS.values()), note="留空：百分比用线性，其余用复合增长率"),
    Column("score_floor", "计分下限", 9, note="得 0 分的数值；留空按统计量下限"),
    Column("data_source", "数据来源", 20),
    Column("lead_department", "牵头部门", 16),
    Column("source", "来源", 30, note="核对所依据的文件、页码或条款"),
    Column("confidence", "可信度", 9, CONFIDENCES,
           note="V2 两份以上公开文本；V1 一份；INF 推断；UNV 未核实转录；UNKNOWN 未知；USER 用户录入"),
    Column("verified", "已核实", 7, (YES, NO), note="已与正式文本核对：是 / 否"),
    Column("note", "核实说明", 24),
)

RULE_COLUMNS: tuple[Column, ...] = (
    Column("indicator", "指标编号", 9),
    Column("item", "分项编号", 9, note="分项的规则填分项编号；指标的规则留空"),
    Column("node", "节点", 8, note="1 为根；1.2 为 1 的第 2 个下级"),
    Column("kind", "类型", 11, (*KINDS.values(), VARIANT)),
    Column("condition", "条件", 18, note="按条件的分支与分类目标：如 山区、西部、沿海；否定写 非沿海"),
    Column("label", "标签", 14, note="条件的显示名（可空）"),
    Column("metric", "统计量", 26, note="统计量编号，见「统计量」表"),
    Column("metric_name", "统计量名称", 22, read_only=True, note="只读"),
    Column("op", "比较", 6, tuple(OP_TEXT.values())),
    Column("value", "目标值", 9, note="门槛值、分类目标、变化量的数值"),
    Column("accept", "可取状态", 16, note="状态规则达标的状态值，多个用顿号分隔"),
    Column("trend", "趋势规则", 16, tuple(TREND_RULES.values())),
)

HEADER_LABELS: dict[PathKey, str] = {
    ("format",): "格式版本",
    ("id",): "编号",
    ("title",): "标准名称",
    ("document",): "文号",
    ("issuer",): "发布机关",
    ("date",): "发布日期",
    ("levels",): "适用级别",
    ("domains",): "领域",
    ("complete",): "指标表完整",
    ("missing_rows",): "缺少的指标",
    ("pass_rule", "reference_min_share"): "参考性指标最低达标比例",
    ("pass_rule", "none_attribute_gates"): "无属性栏的指标也作门槛",
    ("parameters", "judged_year"): "评价年度",
    ("parameters", "trend_window"): "趋势判定期（年）",
    ("parameters", "stable_tolerance"): "保持稳定允许的年均变差（%）",
    ("parameters", "outlier_factor"): "待核实倍数",
    ("parameters", "outlook", "horizon_years"): "展望年数",
    ("parameters", "outlook", "min_points"): "趋势最少年数",
    ("parameters", "outlook", "on_track_ratio"): "按期达标比率",
    ("parameters", "outlook", "acceleration_ratio"): "需加速比率",
    ("parameters", "outlook", "progress_cutoff"): "进展阈值（%/年）",
    ("parameters", "outlook", "risk_margin"): "临界余量",
    ("parameters", "outlook", "score_floor"): "计分下限规则",
    ("parameters", "notes"): "参数说明",
    ("veto_catalogue",): "否决项目录",
    ("provenance", "source"): "来源",
    ("provenance", "confidence"): "可信度",
    ("provenance", "verified"): "已核实",
    ("provenance", "note"): "来源说明",
}


@dataclass(frozen=True)
class Row:
    """One row as read back: values by column key, the sheet row number and each key's cell."""

    values: Mapping[str, Any]
    number: int
    cells: Mapping[str, str]

    def text(self, key: str) -> str:
        value = self.values.get(key)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()


@dataclass
class Tables:
    header: list[Row] = field(default_factory=list)      # values: key (dotted), label, value
    indicators: list[Row] = field(default_factory=list)
    rules: list[Row] = field(default_factory=list)


# --- pack → tables --------------------------------------------------------------------


def header_fields() -> list[tuple[PathKey, type[Any] | Any]]:
    """Every field of the pack's header, nested models flattened, with its annotation."""
    return list(_fields(Standard, ()))


def _fields(model: type[BaseModel], base: PathKey) -> Iterator[tuple[PathKey, Any]]:
    for name, info in model.model_fields.items():
        if name == "indicators":
            continue
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _fields(annotation, (*base, name))
        else:
            yield (*base, name), annotation


def tables_of(loaded: LoadedStandard) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The pack as rows: header (key, label, value), indicators and sub-items, rule nodes."""
    standard = loaded.standard
    header = []
    for path, _ in header_fields():
        value: Any = standard
        for part in path:
            value = getattr(value, str(part))
        header.append({"key": ".".join(map(str, path)), "label": HEADER_LABELS[path], "value": _cell_value(value)})
    indicators: list[dict[str, Any]] = []
    rules: list[dict[str, Any]] = []
    for indicator in standard.indicators:
        indicators.append(_indicator_row(indicator, loaded.metrics))
        for item in indicator.items:
            indicators.append(_item_row(indicator, item, loaded.metrics))
        if indicator.criterion is not None:
            rules.extend(rule_rows(indicator.id, None, indicator.criterion, "1", loaded.metrics))
        for item in indicator.items:
            rules.extend(rule_rows(indicator.id, item.id, item.criterion, "1", loaded.metrics))
    return header, indicators, rules


def _cell_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, tuple):
        return "、".join(map(str, value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _direction(criteria: Sequence[Criterion], metrics: Mapping[str, Metric]) -> str:
    kinds = {_metric_direction(metrics[leaf.metric]) for c in criteria for leaf in _leaves(c)}
    return kinds.pop() if len(kinds) == 1 else "、".join(sorted(kinds))


def _metric_direction(metric: Metric) -> str:
    if metric.kind == "state":
        return "状态"
    return "越高越好" if metric.direction == "higher" else "越低越好"


def _applies(levels: Sequence[str], requires: Sequence[str]) -> dict[str, Any]:
    return {"levels": "、".join(levels), "requires": "、".join(FLAGS[f] for f in requires) or None}


def _indicator_row(indicator: Indicator, metrics: Mapping[str, Metric]) -> dict[str, Any]:
    criteria = [indicator.criterion] if indicator.criterion else [i.criterion for i in indicator.items]
    rule = describe(indicator.criterion) if indicator.criterion else f"分项全部达标（{len(indicator.items)} 项）"
    provenance = indicator.provenance
    return {
        "id": indicator.id, "parent": None, "number": indicator.number, "domain": indicator.domain,
        "task": indicator.task, "name": indicator.name, "unit": indicator.unit,
        "direction": _direction(criteria, metrics), "attribute": ATTRIBUTES[indicator.attribute],
        **_applies(indicator.applies_to.levels, indicator.applies_to.requires),
        "target_text": indicator.target_text, "rule": rule, "explanation": indicator.explanation,
        "trend_method": TREND_METHODS.get(indicator.trend_method or ""), "score_floor": indicator.score_floor,
        "data_source": indicator.data_source, "lead_department": indicator.lead_department,
        "source": provenance.source, "confidence": provenance.confidence,
        "verified": YES if provenance.verified else NO, "note": provenance.note,
    }


def _item_row(indicator: Indicator, item: SubItem, metrics: Mapping[str, Metric]) -> dict[str, Any]:
    applies = _applies(item.applies_to.levels, item.applies_to.requires) if item.applies_to else {}
    return {"id": item.id, "parent": indicator.id, "name": item.name, "unit": item.unit,
            "direction": _direction([item.criterion], metrics), **applies, "target_text": item.target_text,
            "rule": describe(item.criterion)}


def when_text(when: When) -> str | None:
    """A condition as the 条件 cell shows it: 山区、西部、沿海、非草原地区 (blank when it always holds)."""
    return when.label() if when.model_dump(exclude_none=True) else None


def rule_rows(indicator: str, item: str | None, criterion: Criterion, node: str, metrics: Mapping[str, Metric],
               condition: str | None = None, label: str | None = None) -> Iterator[dict[str, Any]]:
    row: dict[str, Any] = {"indicator": indicator, "item": item, "node": node, "kind": KINDS[criterion.kind],
                           "condition": condition, "label": label}
    if isinstance(criterion, AllOf | AnyOf):
        yield row
        for k, child in enumerate(criterion.of, 1):
            yield from rule_rows(indicator, item, child, f"{node}.{k}", metrics)
        return
    if isinstance(criterion, CaseOf):
        yield row
        for k, case in enumerate(criterion.cases, 1):
            yield from rule_rows(indicator, item, case.then, f"{node}.{k}", metrics, when_text(case.when), case.label)
        return
    row |= {"metric": criterion.metric, "metric_name": metrics[criterion.metric].name if criterion.metric in metrics
            else None}
    if isinstance(criterion, Threshold):
        yield row | {"op": OP_TEXT[criterion.op], "value": criterion.value}
        for k, target in enumerate(criterion.targets, 1):
            yield {"indicator": indicator, "item": item, "node": f"{node}.{k}", "kind": VARIANT,
                   "condition": when_text(target.when), "label": target.label, "value": target.value}
    elif isinstance(criterion, State):
        yield row | {"accept": "、".join(criterion.accept)}
    elif isinstance(criterion, Trend):
        yield row | {"trend": TREND_RULES[criterion.rule]}
    elif isinstance(criterion, Assigned):
        yield row | {"op": OP_TEXT[criterion.op] if criterion.op else None}
    else:
        yield row | {"op": OP_TEXT[criterion.op], "value": criterion.value}
