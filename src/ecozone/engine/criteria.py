"""Compile a standard pack into tables and profile expressions the engine can vectorise.

A pack is a tree per indicator: indicator → sub-items (units) → criterion nodes → leaves.
The engine never walks that tree per region or per observation. Instead the tree is
flattened once per pack into

* ``units``:  one row per judged unit (an indicator without items, or one sub-item);
* ``nodes``:  one row per composite criterion (all / any / case) with its parent;
* ``leaves``: one row per leaf criterion (threshold, state, trend, assigned, delta);

plus, per leaf, polars expressions over the region-profile table that give the target
that applies (variant by terrain, zone, level, …) and whether the leaf is active (the
branch of a ``case`` that the profile selects). Loops here run over the catalogue (tens
of rows), never over regions or figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from typing import Literal

import polars as pl

from ecozone.catalogue.describe import OP_TEXT, TREND_TEXT
from ecozone.catalogue.load import LoadedStandard
from ecozone.catalogue.model import (
    AllOf,
    AnyOf,
    Applicability,
    Assigned,
    CaseOf,
    Criterion,
    Delta,
    Indicator,
    State,
    Threshold,
    Trend,
    When,
)
from ecozone.regions.profile import FLAGS

__all__ = ["OP_TEXT", "TREND_TEXT", "CompiledStandard", "compile_standard", "when_expr"]

def when_expr(when: When) -> pl.Expr:
    """A boolean expression over the profile table: True where every given field holds."""
    parts: list[pl.Expr] = []
    for key, value in when.model_dump(exclude_none=True).items():
        if key in FLAGS:
            parts.append(pl.col(key) == pl.lit(bool(value)))
        else:
            parts.append(pl.col(key).eq(pl.lit(str(value))).fill_null(False))
    if not parts:
        return pl.lit(True)
    return reduce(lambda a, b: a & b, parts)


def applicability_expr(applies: Applicability) -> pl.Expr:
    expr = pl.col("level").is_in(list(applies.levels))
    for flag in applies.requires:
        expr = expr & pl.col(flag)
    return expr


def _not_applicable_text(applies: Applicability) -> str:
    return "不适用：本项仅适用于" + applicability_text(applies) + "。"


def applicability_text(applies: Applicability) -> str:
    text = "、".join(applies.levels) + "级"
    if applies.requires:
        text += "且" + "、".join(FLAGS[f] for f in applies.requires)
    return text


@dataclass
class _Builder:
    standard: LoadedStandard
    units: list[dict[str, object]] = field(default_factory=list)
    nodes: list[dict[str, object]] = field(default_factory=list)
    leaves: list[dict[str, object]] = field(default_factory=list)
    guards: dict[int, pl.Expr] = field(default_factory=dict)
    targets: dict[int, tuple[pl.Expr, pl.Expr]] = field(default_factory=dict)
    applicable: dict[int, pl.Expr] = field(default_factory=dict)
    next_id: int = 0
    leaf_pos: int = 0
    indicator_ids: list[str] = field(default_factory=list)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def add_indicator(self, indicator: Indicator) -> None:
        self._add_units(indicator)
        self.indicator_ids.append(indicator.id)

    def _add_units(self, indicator: Indicator) -> None:
        levels = self.standard.standard.levels
        base = applicability_expr(indicator.applies_to) & pl.col("level").is_in(list(levels))
        if indicator.criterion is not None:
            unit = self._add_unit(indicator, indicator.id, None, indicator.name, indicator.unit,
                                  indicator.target_text or "", indicator.criterion, base, indicator.applies_to)
            self.applicable[unit] = base
            return
        for item in indicator.items:
            extra = applicability_expr(item.applies_to) if item.applies_to else pl.lit(True)
            unit = self._add_unit(indicator, item.id, item.id, item.name, item.unit, item.target_text,
                                  item.criterion, base & extra, item.applies_to or indicator.applies_to)
            self.applicable[unit] = base & extra

    def _add_unit(
        self,
        indicator: Indicator,
        unit_id: str,
        item_id: str | None,
        name: str,
        unit: str,
        target_text: str,
        criterion: Criterion,
        applicable: pl.Expr,
        applies_to: Applicability,
    ) -> int:
        levels = [lv for lv in applies_to.levels if lv in self.standard.standard.levels]
        applies = applies_to.model_copy(update={"levels": tuple(levels)})
        self.leaf_pos = 0
        self.units.append(
            {
                "unit_id": unit_id,
                "_u": len(self.units),
                "_i": len(self.indicator_ids),
                "indicator_id": indicator.id,
                "item_id": item_id,
                "unit_name": name,
                "unit": unit,
                "target_text": target_text,
                "not_applicable_text": _not_applicable_text(applies),
                "levels": list(applies.levels),
                "requires": list(applies.requires),
            }
        )
        # a leaf of a unit that does not apply is never judged: applicability is its first guard
        self._add_criterion(criterion, parent=None, guard=applicable, depth=0)
        return len(self.units) - 1

    def _add_criterion(self, criterion: Criterion, parent: int | None, guard: pl.Expr, depth: int,
                       branch: str | None = None) -> None:
        """``branch``: the label of the case (县级) a leaf belongs to, for the target shown to that place."""
        if isinstance(criterion, AllOf | AnyOf | CaseOf):
            node_id = self.new_id()
            self.nodes.append(
                {"node_id": node_id, "parent_id": parent, "_u": len(self.units) - 1,
                 "combine": criterion.kind, "depth": depth}
            )
            if isinstance(criterion, CaseOf):
                taken: pl.Expr = pl.lit(False)
                for case in criterion.cases:
                    hit = when_expr(case.when)
                    self._add_criterion(case.then, node_id, guard & hit & ~taken, depth + 1, case.label or "")
                    taken = taken | hit
            else:
                for child in criterion.of:
                    self._add_criterion(child, node_id, guard, depth + 1, branch)
            return
        self._add_leaf(criterion, parent, guard, branch)

    def _add_leaf(
        self,
        leaf: Threshold | State | Trend | Assigned | Delta,
        parent: int | None,
        guard: pl.Expr,
        branch: str | None = None,
    ) -> None:
        leaf_id = self.new_id()
        metric = self.standard.metric(leaf.metric)
        sign = -1.0 if metric.direction == "lower" else 1.0
        op: str | None = None
        if isinstance(leaf, Threshold | Delta):
            op = leaf.op
        elif isinstance(leaf, Assigned):
            op = leaf.op or (">=" if sign > 0 else "<=")
        self.leaves.append(
            {
                "leaf_id": leaf_id,
                "parent_id": parent,
                "_u": len(self.units) - 1,
                "pos": self.leaf_pos,
                "kind": leaf.kind,
                "metric": leaf.metric,
                "metric_name": metric.name,
                "metric_unit": "" if metric.unit == "-" else metric.unit,
                "sign": sign,
                # the metric's best possible value (a share's 100 %, a rate's 0): reaching it is never a slip
                "best": metric.max if sign > 0 else metric.min,
                "op": op,
                "rule": leaf.rule if isinstance(leaf, Trend) else None,
                "delta_value": leaf.value if isinstance(leaf, Delta) else None,
                "accept": list(leaf.accept) if isinstance(leaf, State) else [],
                "branch": branch,
            }
        )
        self.leaf_pos += 1
        self.guards[leaf_id] = guard
        if isinstance(leaf, Threshold):
            self.targets[leaf_id] = _variant_exprs(leaf)


def _variant_exprs(leaf: Threshold) -> tuple[pl.Expr, pl.Expr]:
    """The target value and the reason it applies, chosen by the first matching variant."""
    variants = leaf.variants()
    value: pl.Expr = pl.lit(None, dtype=pl.Float64)
    basis: pl.Expr = pl.lit(None, dtype=pl.String)
    for variant in reversed(variants):
        hit = when_expr(variant.when)
        value = pl.when(hit).then(pl.lit(variant.value, dtype=pl.Float64)).otherwise(value)
        label = None if leaf.value is not None else variant.basis()  # a uniform target needs no reason
        basis = pl.when(hit).then(pl.lit(label, dtype=pl.String)).otherwise(basis)
    return value, basis


@dataclass(frozen=True)
class CompiledStandard:
    """A pack flattened for the engine. Built once per pack and reused for every batch."""

    standard: LoadedStandard
    units: pl.DataFrame
    nodes: pl.DataFrame
    leaves: pl.DataFrame
    indicators: pl.DataFrame
    guards: dict[int, pl.Expr]
    targets: dict[int, tuple[pl.Expr, pl.Expr]]
    applicable: dict[int, pl.Expr]
    metrics: pl.DataFrame

    @property
    def max_depth(self) -> int:
        return int(self.nodes["depth"].max() or 0) if self.nodes.height else 0  # type: ignore[arg-type]

    @property
    def max_leaves_per_unit(self) -> int:
        return int(self.leaves["pos"].max() or 0) + 1  # type: ignore[arg-type]

    def metrics_of(self, kinds: tuple[Literal["trend", "delta", "threshold", "assigned"], ...]) -> list[str]:
        return self.leaves.filter(pl.col("kind").is_in(list(kinds)))["metric"].unique().to_list()


_cache: dict[str, CompiledStandard] = {}


def compile_standard(standard: LoadedStandard) -> CompiledStandard:
    """Flatten a pack; cached by the pack's content hash."""
    cached = _cache.get(standard.hash)
    if cached is not None:
        return cached
    builder = _Builder(standard)
    for indicator in standard.standard.indicators:
        builder.add_indicator(indicator)
    indicators = pl.DataFrame(
        [
            {
                "_i": n,
                "indicator_id": ind.id,
                "number": ind.number,
                "name": ind.name,
                "domain": ind.domain,
                "task": ind.task,
                "indicator_unit": ind.unit,
                "attribute": ind.attribute,
                "verified": ind.provenance.verified,
                "confidence": ind.provenance.confidence,
                "has_items": bool(ind.items),
                "indicator_target_text": ind.target_text,
                "not_applicable_text": _not_applicable_text(
                    ind.applies_to.model_copy(
                        update={"levels": tuple(lv for lv in ind.applies_to.levels if lv in standard.standard.levels)}
                    )
                ),
                "gates": ind.attribute == "binding"
                or (ind.attribute == "none" and standard.standard.pass_rule.none_attribute_gates),
            }
            for n, ind in enumerate(standard.standard.indicators)
        ]
    )
    metric_ids = sorted({str(leaf["metric"]) for leaf in builder.leaves})
    metrics = pl.DataFrame({"metric": metric_ids, "_m": list(range(len(metric_ids)))})
    compiled = CompiledStandard(
        standard=standard,
        units=pl.DataFrame(builder.units, schema_overrides={"item_id": pl.String}),
        nodes=pl.DataFrame(
            builder.nodes,
            schema={"node_id": pl.Int64, "parent_id": pl.Int64, "_u": pl.Int64,
                    "combine": pl.String, "depth": pl.Int64},
        ),
        leaves=pl.DataFrame(
            builder.leaves,
            schema_overrides={"parent_id": pl.Int64, "op": pl.String, "rule": pl.String,
                              "delta_value": pl.Float64, "best": pl.Float64, "accept": pl.List(pl.String),
                              "branch": pl.String},
        ).join(metrics, on="metric"),
        indicators=indicators,
        guards=builder.guards,
        targets=builder.targets,
        applicable=builder.applicable,
        metrics=metrics,
    )
    _cache[standard.hash] = compiled
    return compiled
