"""Criteria in words: the rule of an indicator as a reader of the pack would say it."""

from __future__ import annotations

from typing import Final

from ecozone.catalogue.model import AllOf, AnyOf, Assigned, CaseOf, Criterion, State, Threshold, Trend

__all__ = ["OP_TEXT", "TREND_TEXT", "describe"]

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
