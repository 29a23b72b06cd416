"""Criteria in words: the rule of an indicator as a reader of the pack would say it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ecozone.catalogue.model import AllOf, AnyOf, Assigned, CaseOf, Criterion, Metric, State, Threshold, Trend

__all__ = ["OP_TEXT", "TREND_TEXT", "describe", "describe_words"]

OP_TEXT: Final[dict[str, str]] = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}

TREND_TEXT: Final[dict[str, str]] = {
    "not_worse": "不降低（较判定期首年不变差）",
    "stable_or_better": "保持稳定或持续改善",
    "better": "持续改善",
}


def describe(criterion: Criterion) -> str:
    """One line per criterion, metric ids included, e.g. ``(good_air_days_ratio 完成上级下达目标 且 …)``."""
    if isinstance(criterion, AllOf | AnyOf):
        joiner = " 且 " if isinstance(criterion, AllOf) else " 或 "
        return "(" + joiner.join(describe(c) for c in criterion.of) + ")"
    if isinstance(criterion, CaseOf):
        return "；".join(f"{c.label or c.when.label()}: {describe(c.then)}" for c in criterion.cases)
    if isinstance(criterion, Threshold):
        variants = criterion.variants()
        targets = "，".join(
            f"{t.basis() + ' ' if len(variants) > 1 else ''}{OP_TEXT[criterion.op]}{t.value:g}" for t in variants
        )
        return f"{criterion.metric} {targets}"
    if isinstance(criterion, State):
        return f"{criterion.metric} ∈ {{{'、'.join(criterion.accept)}}}"
    if isinstance(criterion, Trend):
        return f"{criterion.metric} {TREND_TEXT[criterion.rule]}"
    if isinstance(criterion, Assigned):
        return f"{criterion.metric} 完成上级下达目标"
    return f"Δ{criterion.metric} {OP_TEXT[criterion.op]}{criterion.value:g}"


def describe_words(criterion: Criterion, metrics: Mapping[str, Metric]) -> str:
    """The rule as a report states it: metric names and units, no ids or symbols of the pack format, e.g.
    「城镇污水处理率：市级 ≥95%，县级 ≥85%」 or 「优良天数比例完成上级下达目标，且保持稳定或持续改善」."""
    return _words(criterion, metrics, None)


def _words(criterion: Criterion, metrics: Mapping[str, Metric], said: str | None) -> str:
    """``said``: the metric the sentence already names (「…，且保持稳定」 instead of naming it twice)."""
    if isinstance(criterion, AllOf | AnyOf):
        joiner = "，且" if isinstance(criterion, AllOf) else "，或"
        parts, named = [], said
        for part in criterion.of:
            parts.append(_words(part, metrics, named))
            named = getattr(part, "metric", named)
        return joiner.join(parts)
    if isinstance(criterion, CaseOf):
        return "；".join(f"{c.label or c.when.label()}：{_words(c.then, metrics, None)}" for c in criterion.cases)
    metric = metrics.get(criterion.metric)
    name = "" if said == criterion.metric else (metric.name if metric is not None else criterion.metric)
    unit = "" if metric is None or metric.unit in ("-", "") else metric.unit
    if isinstance(criterion, Threshold):
        variants = criterion.variants()
        targets = "，".join(
            f"{t.basis() + ' ' if len(variants) > 1 else ''}{OP_TEXT[criterion.op]}{t.value:g}{unit}" for t in variants)
        return f"{name}{'：' if len(variants) > 1 else ' '}{targets}".strip()
    if isinstance(criterion, State):
        return f"{name}为" + "或".join(f"「{a}」" for a in criterion.accept)
    if isinstance(criterion, Trend):
        return f"{name}{TREND_TEXT[criterion.rule]}"
    if isinstance(criterion, Assigned):
        return f"{name}完成上级下达目标"
    return f"{name}较判定期首年变化 {OP_TEXT[criterion.op]}{criterion.value:g}{unit}"
