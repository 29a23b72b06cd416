"""Tables back into a pack: assembled into the pack's data, checked with the loader's own rules.

The rows come from ``catalogue.tabular``'s three tables. The data is validated by the same pydantic
model and reference checks as a YAML pack; every path of the data remembers the cell it came from, so
each error names its sheet and cell. A few mistakes only a table can make (a node without its parent,
an unknown word in a condition, a sub-item row with an indicator's columns) are said here, at the cell.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, get_args, get_origin

from pydantic import ValidationError

from ecozone.catalogue.describe import OP_TEXT
from ecozone.catalogue.load import LoadedStandard, PathKey, _nearest, check_references, validation_error
from ecozone.catalogue.model import Metric, Standard
from ecozone.catalogue.tabular import (
    ATTRIBUTES,
    HEADER_SHEET,
    INDICATOR_COLUMNS,
    INDICATOR_SHEET,
    KINDS,
    NO,
    RULE_COLUMNS,
    RULE_SHEET,
    TREND_METHODS,
    TREND_RULES,
    VARIANT,
    YES,
    Row,
    Tables,
    header_fields,
)
from ecozone.errors import Location, PackError
from ecozone.regions.profile import ENUM_COLUMNS, FLAGS

__all__ = ["standard_from_tables"]

_OPS_IN = {**{v: k for k, v in OP_TEXT.items()}, **{k: k for k in OP_TEXT}, "=": "=="}
_SPLIT = re.compile(r"[、,，;；\s]+")
_NODE = re.compile(r"^1(\.[1-9]\d*)*$")


# --- tables → pack --------------------------------------------------------------------


class _Builder:
    """Assembles the pack's data from rows, remembering which cell each path came from."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.cells: dict[PathKey, Location] = {}
        # rule cells by owner (indicator, item) and path inside the criterion, until the criterion's place is known
        self.pending: dict[tuple[str, str | None], dict[PathKey, Location]] = {}

    def at(self, row: Row, key: str, sheet: str) -> Location:
        return Location(file=self.file, sheet=sheet, cell=row.cells.get(key), line=None if key in row.cells
                        else row.number)

    def mark(self, path: PathKey, row: Row, key: str, sheet: str) -> None:
        self.cells[path] = self.at(row, key, sheet)

    def where(self, path: PathKey) -> Location:
        return _nearest(self.cells, path) or Location(file=self.file)

    def fail(self, problem: str, row: Row, key: str, sheet: str, expected: str | None = None) -> PackError:
        return PackError(problem, self.at(row, key, sheet), expected=expected)


def standard_from_tables(tables: Tables, file: str, metrics: Mapping[str, Metric]) -> LoadedStandard:
    """The pack the tables describe, checked as the YAML loader checks a pack file."""
    build = _Builder(file)
    data: dict[str, Any] = _header_data(tables.header, build)
    data["indicators"] = _indicators_data(tables, build)
    try:
        standard = Standard.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, data, build.where) from None
    check_references(standard, build.where, metrics)
    return LoadedStandard(standard, metrics, file)


def _header_data(rows: list[Row], build: _Builder) -> dict[str, Any]:
    known = {".".join(map(str, path)): (path, annotation) for path, annotation in header_fields()}
    data: dict[str, Any] = {}
    for row in rows:
        key = row.text("key")
        if not key:
            continue
        if key not in known:
            raise build.fail(f"未知的字段「{key}」", row, "key", HEADER_SHEET, expected="、".join(known))
        path, annotation = known[key]
        raw = row.values.get("value")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            build.mark(path, row, "value", HEADER_SHEET)  # a required field left blank is said at its cell
            continue  # blank: the field keeps its default
        node = data
        for part in path[:-1]:
            node = node.setdefault(str(part), {})
        node[str(path[-1])] = _header_value(raw, annotation, row, build)
        build.mark(path, row, "value", HEADER_SHEET)
    return data


def _header_value(raw: Any, annotation: Any, row: Row, build: _Builder) -> Any:
    if annotation is bool:
        return _yes_no(raw, row, "value", HEADER_SHEET, build)
    if get_origin(annotation) is tuple or tuple in (get_origin(a) for a in get_args(annotation)):
        return _parts(str(raw))
    if isinstance(raw, str):
        return raw.strip()
    return raw


def _parts(text: str) -> list[str]:
    """A cell listing several values: 市、县 / 市,县 / 市；县."""
    return [part for part in _SPLIT.split(text.strip()) if part]


def _yes_no(raw: Any, row: Row, key: str, sheet: str, build: _Builder) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip()
    if text in (YES, "true", "True", "TRUE", "1"):
        return True
    if text in (NO, "false", "False", "FALSE", "0"):
        return False
    raise build.fail(f"应填 是 或 否，而不是「{text}」", row, key, sheet, expected="是 / 否")


def _indicators_data(tables: Tables, build: _Builder) -> list[dict[str, Any]]:
    criteria = _criteria(tables.rules, build)
    indicators: list[dict[str, Any]] = []
    position: dict[str, int] = {}
    for row in tables.indicators:
        if not any(row.text(c.key) for c in INDICATOR_COLUMNS if not c.read_only):
            continue  # an empty line
        if not row.text("id"):
            raise build.fail("缺少编号", row, "id", INDICATOR_SHEET, expected="指标或分项的编号")
        parent = row.text("parent")
        if not parent:
            i = len(indicators)
            if row.text("id") in position:
                raise build.fail(f"指标编号「{row.text('id')}」重复", row, "id", INDICATOR_SHEET,
                                 expected="每个指标编号唯一")
            position[row.text("id")] = i
            indicators.append(_indicator_data(row, ("indicators", i), criteria, build))
            continue
        if parent not in position:
            raise build.fail(f"所属指标「{parent}」不在它之前的指标行中", row, "parent", INDICATOR_SHEET,
                             expected="先列指标，再在其下列分项")
        i = position[parent]
        items = indicators[i].setdefault("items", [])
        items.append(_item_data(row, parent, ("indicators", i, "items", len(items)), criteria, build))
    used = {(ind["id"], None) for ind in indicators} | {
        (ind["id"], item["id"]) for ind in indicators for item in ind.get("items", [])}
    for key, (_, first) in criteria.items():
        if key not in used:
            what = f"指标「{key[0]}」的分项「{key[1]}」" if key[1] else f"指标「{key[0]}」"
            raise build.fail(f"{what}不在「指标」表中", first, "item" if key[1] else "indicator",
                             RULE_SHEET, expected="「指标」表中已有的指标（及分项）编号")
    return indicators


_INDICATOR_ONLY = ("number", "domain", "task", "attribute", "explanation", "trend_method", "score_floor",
                   "data_source", "lead_department", "source", "confidence", "verified", "note")


def _indicator_data(row: Row, path: PathKey, criteria: Mapping[tuple[str, str | None], tuple[Any, Row]],
                    build: _Builder) -> dict[str, Any]:
    sheet = INDICATOR_SHEET
    data: dict[str, Any] = {}
    for key in ("id", "number", "domain", "task", "name", "unit", "target_text", "explanation", "score_floor",
                "data_source", "lead_department"):
        value = row.values.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        data[key] = value if key in ("number", "score_floor") else row.text(key)
        build.mark((*path, key), row, key, sheet)
    build.mark(path, row, "id", sheet)
    data["attribute"] = _choice(row, "attribute", ATTRIBUTES, build)
    build.mark((*path, "attribute"), row, "attribute", sheet)
    if row.text("trend_method"):
        data["trend_method"] = _choice(row, "trend_method", TREND_METHODS, build)
        build.mark((*path, "trend_method"), row, "trend_method", sheet)
    applies = _applies_data(row, path, build)
    if applies is not None:
        data["applies_to"] = applies
    provenance: dict[str, Any] = {"source": row.text("source"), "confidence": row.text("confidence") or None,
                                  "verified": _yes_no(row.values.get("verified") or NO, row, "verified", sheet, build)}
    _check_provenance(row, provenance, build)
    if row.text("note"):
        provenance["note"] = row.text("note")
    data["provenance"] = {k: v for k, v in provenance.items() if v is not None}
    for key, cell in (("source", "source"), ("confidence", "confidence"), ("verified", "verified"), ("note", "note")):
        build.mark((*path, "provenance", key), row, cell, sheet)
    build.mark((*path, "provenance"), row, "source", sheet)
    _attach_criterion(data, (row.text("id"), None), path, row, criteria, build)
    return data


def _attach_criterion(data: dict[str, Any], owner: tuple[str, str | None], path: PathKey, row: Row,
                      criteria: Mapping[tuple[str, str | None], tuple[Any, Row]], build: _Builder) -> None:
    """The rule written for this indicator (or sub-item) in 判定规则, its cells moved under its place here."""
    build.mark((*path, "criterion"), row, "rule", INDICATOR_SHEET)  # where to say a rule is missing
    found = criteria.get(owner)
    if found is not None:
        data["criterion"] = found[0]
        for inner, location in build.pending.pop(owner, {}).items():
            build.cells[(*path, "criterion", *inner)] = location


def _check_provenance(row: Row, provenance: Mapping[str, Any], build: _Builder) -> None:
    """The model's rule for a verified row, said at the cell to fix (the model can only name the provenance)."""
    if not provenance["source"]:
        raise build.fail("缺少来源", row, "source", INDICATOR_SHEET,
                         expected="指标值所依据的文件、页码或条款；未核对的写明抄自何处" + (
                             "（已核实的须写明来源）" if provenance["verified"] else ""))
    if provenance["verified"] and provenance["confidence"] in ("UNV", "UNKNOWN"):
        raise build.fail(f"已核实的可信度不能是 {provenance['confidence']}（未核实 / 未知）", row, "confidence",
                         INDICATOR_SHEET, expected="V1（一份公开文本）、V2（两份以上）或 USER（本单位核对）")


def _item_data(row: Row, parent: str, path: PathKey, criteria: Mapping[tuple[str, str | None], tuple[Any, Row]],
               build: _Builder) -> dict[str, Any]:
    sheet = INDICATOR_SHEET
    for key in _INDICATOR_ONLY:
        if row.text(key):
            column = next(c.title for c in INDICATOR_COLUMNS if c.key == key)
            raise build.fail(f"分项行不填「{column}」（分项沿用所属指标的）", row, key, sheet,
                             expected="留空")
    data: dict[str, Any] = {}
    for key in ("id", "name", "unit", "target_text"):
        if row.text(key):
            data[key] = row.text(key)
            build.mark((*path, key), row, key, sheet)
    build.mark(path, row, "id", sheet)
    applies = _applies_data(row, path, build)
    if applies is not None:
        data["applies_to"] = applies
    _attach_criterion(data, (parent, row.text("id")), path, row, criteria, build)
    return data


def _applies_data(row: Row, path: PathKey, build: _Builder) -> dict[str, Any] | None:
    levels, requires = row.text("levels"), row.text("requires")
    if not levels and not requires:
        return None
    data: dict[str, Any] = {}
    if levels:
        data["levels"] = _parts(levels)
        build.mark((*path, "applies_to", "levels"), row, "levels", INDICATOR_SHEET)
    if requires:
        by_label = {label: flag for flag, label in FLAGS.items()}
        flags = []
        for part in _parts(requires):
            if part not in by_label and part not in FLAGS:
                raise build.fail(f"未知的适用条件「{part}」", row, "requires", INDICATOR_SHEET,
                                 expected="、".join(FLAGS.values()))
            flags.append(by_label.get(part, part))
        data["requires"] = flags
    build.mark((*path, "applies_to"), row, "levels" if levels else "requires", INDICATOR_SHEET)
    return data


def _choice(row: Row, key: str, labels: Mapping[str, str], build: _Builder) -> str:
    text = row.text(key)
    by_label = {label: code for code, label in labels.items()}
    if text in by_label:
        return by_label[text]
    if text in labels:
        return text
    column = next(c.title for c in (*INDICATOR_COLUMNS, *RULE_COLUMNS) if c.key == key)
    sheet = INDICATOR_SHEET if key in ("attribute", "trend_method") else RULE_SHEET
    raise build.fail(f"「{column}」的值「{text}」不在可选范围内" if text else f"缺少「{column}」", row, key, sheet,
                     expected="、".join(labels.values()))


# --- rule trees -----------------------------------------------------------------------


def _criteria(rows: list[Row], build: _Builder) -> dict[tuple[str, str | None], tuple[Any, Row]]:
    """(indicator, item) → (criterion data, its root row). Cells are remembered by path inside the criterion
    and moved under the indicator's path once it is known (``_attach_criterion``)."""
    groups: dict[tuple[str, str | None], dict[str, Row]] = {}
    for row in rows:
        if not any(row.text(c.key) for c in RULE_COLUMNS if not c.read_only):
            continue
        indicator, node = row.text("indicator"), row.text("node")
        if not indicator:
            raise build.fail("缺少指标编号", row, "indicator", RULE_SHEET, expected="「指标」表中的指标编号")
        if not _NODE.match(node):
            raise build.fail(f"节点「{node}」格式不对" if node else "缺少节点", row, "node", RULE_SHEET,
                             expected="1、1.1、1.2、1.2.1 这样的层级编号")
        nodes = groups.setdefault((indicator, row.text("item") or None), {})
        if node in nodes:
            raise build.fail(f"节点「{node}」重复（首次在第 {nodes[node].number} 行）", row, "node", RULE_SHEET,
                             expected="同一指标（分项）内每个节点只出现一次")
        parent = node.rpartition(".")[0]
        if parent and parent not in nodes:
            raise build.fail(f"节点「{node}」的上级「{parent}」不在它之前", row, "node", RULE_SHEET,
                             expected="先列上级节点，再列下级")
        nodes[node] = row
    found = {}
    for key, nodes in groups.items():
        if "1" not in nodes:
            first = next(iter(nodes.values()))
            raise build.fail("缺少根节点「1」", first, "node", RULE_SHEET,
                             expected="每个指标（分项）的规则从节点 1 开始")
        found[key] = (_node(nodes, "1", (), build, key), nodes["1"])
    return found


def _node(nodes: Mapping[str, Row], node: str, path: PathKey, build: _Builder,
          owner: tuple[str, str | None]) -> dict[str, Any]:
    row = nodes[node]
    children = [n for n in nodes if n.rpartition(".")[0] == node]
    kind = _choice(row, "kind", {**KINDS, "variant": VARIANT}, build)
    if kind == "variant":
        raise build.fail("「分类目标」只能是「门槛值」的下级", row, "kind", RULE_SHEET)
    # an error about the node as a whole: for a threshold it is the target, given neither as value nor variants
    _remember(build, owner, path, row, "value" if kind == "threshold" else "node")
    data: dict[str, Any] = {"kind": kind}
    _remember(build, owner, (*path, "kind"), row, "kind")
    if kind in ("all", "any"):
        data["of"] = [_child(nodes, c, (*path, "of", k), build, owner) for k, c in enumerate(children)]
    elif kind == "case":
        data["cases"] = [_case(nodes, c, (*path, "cases", k), build, owner) for k, c in enumerate(children)]
    else:
        if children and kind != "threshold":
            raise build.fail(f"「{KINDS[kind]}」规则不能有下级节点（{children[0]}）", nodes[children[0]], "node",
                             RULE_SHEET, expected="只有全部满足、任一满足、按条件和带分类目标的门槛值有下级")
        data |= _leaf(row, kind, path, build, owner)
        if children:
            data["targets"] = [_variant(nodes[c], (*path, "targets", k), build, owner) for k, c in enumerate(children)]
    return data


def _child(nodes: Mapping[str, Row], node: str, path: PathKey, build: _Builder,
           owner: tuple[str, str | None]) -> dict[str, Any]:
    row = nodes[node]
    if row.text("condition") or row.text("label"):
        raise build.fail("只有「按条件」的分支和「分类目标」填条件、标签", row,
                         "condition" if row.text("condition") else "label", RULE_SHEET, expected="留空")
    return _node(nodes, node, path, build, owner)


def _case(nodes: Mapping[str, Row], node: str, path: PathKey, build: _Builder,
          owner: tuple[str, str | None]) -> dict[str, Any]:
    row = nodes[node]
    case: dict[str, Any] = {"when": _when(row, build), "then": _node(nodes, node, (*path, "then"), build, owner)}
    if row.text("label"):
        case["label"] = row.text("label")
    _remember(build, owner, path, row, "condition")
    _remember(build, owner, (*path, "when"), row, "condition")
    return case


def _variant(row: Row, path: PathKey, build: _Builder, owner: tuple[str, str | None]) -> dict[str, Any]:
    if row.text("kind") != VARIANT:
        raise build.fail(f"「门槛值」的下级只能是「{VARIANT}」", row, "kind", RULE_SHEET, expected=VARIANT)
    target: dict[str, Any] = {"when": _when(row, build), "value": _number(row, "value", build)}
    if row.text("label"):
        target["label"] = row.text("label")
    for key in ("when", "value", "label"):
        _remember(build, owner, (*path, key), row, "condition" if key == "when" else key)
    _remember(build, owner, path, row, "node")
    return target


def _leaf(row: Row, kind: str, path: PathKey, build: _Builder, owner: tuple[str, str | None]) -> dict[str, Any]:
    data: dict[str, Any] = {"metric": row.text("metric") or None}
    _remember(build, owner, (*path, "metric"), row, "metric")
    if kind in ("threshold", "delta", "assigned") and row.text("op"):
        data["op"] = _op(row, build)
    if kind in ("threshold", "delta") and row.text("value"):
        data["value"] = _number(row, "value", build)
    if kind == "state":
        data["accept"] = _parts(row.text("accept"))
        for k in range(len(data["accept"])):
            _remember(build, owner, (*path, "accept", k), row, "accept")
        _remember(build, owner, (*path, "accept"), row, "accept")
    if kind == "trend":
        data["rule"] = _choice(row, "trend", TREND_RULES, build)
    for key, column in (("op", "op"), ("value", "value"), ("rule", "trend")):
        _remember(build, owner, (*path, key), row, column)
    return {k: v for k, v in data.items() if v is not None}


def _when(row: Row, build: _Builder) -> dict[str, Any]:
    by_value = {value: column for column, values in ENUM_COLUMNS.items() for value in values}
    by_flag = {label: flag for flag, label in FLAGS.items()}
    when: dict[str, Any] = {}
    for part in (p for p in _parts(row.text("condition")) if p != "通用"):
        if part in by_value:
            when[by_value[part]] = part
        elif part in by_flag:
            when[by_flag[part]] = True
        elif part.startswith("非") and part[1:] in by_flag:
            when[by_flag[part[1:]]] = False
        else:
            vocabulary = [v for values in ENUM_COLUMNS.values() for v in values] + list(FLAGS.values())
            raise build.fail(f"条件中的「{part}」无法识别", row, "condition", RULE_SHEET,
                             expected="、".join(vocabulary) + "；否定在特征前加 非")
    return when


def _op(row: Row, build: _Builder) -> str:
    text = row.text("op")
    if text not in _OPS_IN:
        raise build.fail(f"比较符「{text}」无法识别", row, "op", RULE_SHEET, expected="≥、>、≤、<、=")
    return _OPS_IN[text]


def _number(row: Row, key: str, build: _Builder) -> float | None:
    raw = row.values.get(key)
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise build.fail("应为数字", row, key, RULE_SHEET, expected="数字，如 60 或 0.5")
    if isinstance(raw, int | float):
        return float(raw)
    try:
        return float(str(raw).strip().replace(",", ""))
    except ValueError:
        raise build.fail(f"「{raw}」不是数字", row, key, RULE_SHEET, expected="数字，如 60 或 0.5") from None


def _remember(build: _Builder, owner: tuple[str, str | None], path: PathKey, row: Row, key: str) -> None:
    build.pending.setdefault(owner, {})[path] = build.at(row, key, RULE_SHEET)
