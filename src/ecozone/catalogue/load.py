"""The strict loader: YAML → validated models, every error naming file, line and field.

PyYAML silently keeps the last of two duplicate keys and forgets line numbers once it has
built Python objects, so we compose the node tree ourselves: duplicates become errors and
each value's line is remembered by its path, ready for pydantic's error locations.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ecozone.catalogue.model import (
    AllOf,
    AnyOf,
    CaseOf,
    Criterion,
    EvidenceCatalogue,
    Indicator,
    Metric,
    Standard,
    State,
)
from ecozone.errors import Location, PackError

__all__ = [
    "LoadedStandard",
    "check_references",
    "compose_file",
    "load_metrics",
    "pack_hash",
    "standard_from_data",
    "validation_error",
    "yaml_where",
]

PathKey = tuple[str | int, ...]
T = TypeVar("T")

_PYDANTIC_PROBLEMS = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段（标准格式中没有这个键）",
    "literal_error": "取值不在允许范围内",
    "union_tag_invalid": "未知的判定规则类型 kind",
    "union_tag_not_found": "判定规则缺少 kind",
    "string_type": "类型错误，应为文本",
    "bool_type": "类型错误，应为 true 或 false",
    "bool_parsing": "类型错误，应为 true 或 false",
    "int_type": "类型错误，应为整数",
    "int_parsing": "类型错误，应为整数",
    "float_type": "类型错误，应为数字",
    "float_parsing": "类型错误，应为数字",
    "tuple_type": "类型错误，应为列表",
    "model_type": "类型错误，应为键值映射",
    "model_attributes_type": "类型错误，应为键值映射",
    "dict_type": "类型错误，应为键值映射",
    "date_type": "类型错误，应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "类型错误，应为日期（YYYY-MM-DD）",
    "too_short": "列表不能为空",
    "string_pattern_mismatch": "格式不符",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "greater_than": "数值过小",
}


class _NoAliasLoader(yaml.SafeLoader):
    """A pack never needs YAML aliases (``*name``), and they are how a 464-byte file becomes billions of
    nodes (or a loop): refused where they appear. Nesting is bounded too."""

    MAX_DEPTH = 40

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.YAMLError(f"第 {event.start_mark.line + 1} 行使用了 YAML 别名（*{event.anchor}）："
                                 "标准包不允许别名")
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > self.MAX_DEPTH:
                raise yaml.YAMLError(f"嵌套超过 {self.MAX_DEPTH} 层")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", None)  # libyaml: a pack composes in 6 ms instead of 80


def _refuse_aliases(text: str) -> None:
    """The C composer cannot be told to refuse aliases or deep nesting, so its event stream is read first (4 ms for
    a pack) with the same limits as ``_NoAliasLoader``."""
    depth = 0
    for event in yaml.parse(text, Loader=_FAST_LOADER):
        if isinstance(event, yaml.AliasEvent):
            line = event.start_mark.line + 1 if event.start_mark is not None else "?"
            raise yaml.YAMLError(f"第 {line} 行使用了 YAML 别名（*{event.anchor}）："
                                 "标准包不允许别名")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > _NoAliasLoader.MAX_DEPTH:
                raise yaml.YAMLError(f"嵌套超过 {_NoAliasLoader.MAX_DEPTH} 层")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _compose(text: str, file: str) -> tuple[Any, dict[PathKey, int]]:
    """Parse YAML into plain data plus a map from each path to its 1-based line (libyaml when present; its marks
    carry the lines, so errors keep their place)."""
    try:
        if _FAST_LOADER is not None:
            _refuse_aliases(text)
            root = yaml.compose(text, Loader=_FAST_LOADER)
        else:
            root = yaml.compose(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise PackError(
            f"YAML 语法错误：{getattr(exc, 'problem', exc)}",
            Location(file=file, line=line),
        ) from exc
    lines: dict[PathKey, int] = {}
    if root is None:
        raise PackError("文件为空", Location(file=file), expected="一个标准包的 YAML 映射")
    return _build(root, (), lines, file, yaml.SafeLoader("")), lines


def _build(
    node: yaml.Node, path: PathKey, lines: dict[PathKey, int], file: str, scalars: yaml.SafeLoader
) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(scalars.construct_object(key_node))
            if key in out:
                raise PackError(
                    f"键「{key}」重复（首次出现在第 {lines[(*path, key)]} 行）",
                    Location(file=file, line=key_node.start_mark.line + 1, field=_dotted((*path, key))),
                    expected="每个键在同一层只出现一次",
                )
            out[key] = _build(value_node, (*path, key), lines, file, scalars)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, (*path, i), lines, file, scalars) for i, child in enumerate(node.value)]
    return scalars.construct_object(node)


def _dotted(path: PathKey) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _locate(data: Any, loc: tuple[int | str, ...]) -> PathKey:
    """Follow a pydantic error location through the raw data, skipping union tags."""
    path: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            node = node[part]
            path.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and part not in node:
            # a union tag (e.g. "threshold") or a missing key: report the missing key only
            if part == loc[-1]:
                path.append(part)
            continue
    return tuple(path)


def _nearest(found: Mapping[PathKey, T], path: PathKey) -> T | None:
    """What is recorded for ``path`` or, failing that, for its nearest recorded parent (a line, a cell)."""
    for end in range(len(path), -1, -1):
        if path[:end] in found:
            return found[path[:end]]
    return None


def _own_errors(exc: ValidationError) -> list[Any]:
    """The errors worth showing: drop follow-on errors on a parent of another error's location."""
    errors = exc.errors()
    locs = [tuple(e["loc"]) for e in errors]
    return [
        e for e, loc in zip(errors, locs, strict=True)
        if not any(other != loc and other[: len(loc)] == loc for other in locs)
    ] or errors


def _expected_text(raw: str) -> str:
    """pydantic's "'a', 'b' or 'c'" as a Chinese list: a、b、c."""
    return raw.replace("' or '", "、").replace("', '", "、").strip("'")


Where = Callable[[PathKey], Location]
"""Where a path of the pack's data was written: a YAML line, or a workbook cell."""


def yaml_where(data: Any, lines: Mapping[PathKey, int], file: str) -> Where:
    return lambda path: Location(file=file, line=_nearest(lines, path), field=_with_indicator(data, path))


def validation_error(exc: ValidationError, data: Any, where: Where) -> PackError:
    """pydantic's first own error, in Chinese, at the place ``where`` gives for its path."""
    errors = _own_errors(exc)
    first = errors[0]
    path = _locate(data, tuple(first["loc"]))
    problem = _PYDANTIC_PROBLEMS.get(first["type"])
    if first["type"] == "value_error":
        problem = str(first.get("ctx", {}).get("error", first["msg"]))
    elif problem is None:
        problem = first["msg"]
    expected = None
    ctx = first.get("ctx") or {}
    if "expected" in ctx:
        expected = _expected_text(str(ctx["expected"]))
    elif "expected_tags" in ctx:
        expected = _expected_text(str(ctx["expected_tags"]))
    if first["type"] == "union_tag_invalid":
        problem += f"：「{ctx.get('tag', '')}」"
    elif first["type"] == "literal_error":
        problem += f"：「{first['input']}」"
    more = len(errors) - 1
    if more:
        problem += f"（另有 {more} 处错误，修正后重新检查）"
    return PackError(problem, where(path), expected=expected)


def _with_indicator(data: Any, path: PathKey) -> str:
    dotted = _dotted(path)
    if len(path) >= 2 and path[0] == "indicators" and isinstance(path[1], int):
        try:
            return f"{dotted}（指标 {data['indicators'][path[1]]['id']}）"
        except (KeyError, IndexError, TypeError):
            pass
    return dotted


def _parse(model: type[BaseModel], text: str, file: str) -> tuple[Any, Any, dict[PathKey, int]]:
    data, lines = _compose(text, file)
    try:
        return model.model_validate(data), data, lines
    except ValidationError as exc:
        raise validation_error(exc, data, yaml_where(data, lines, file)) from None


# --- metrics --------------------------------------------------------------------------


def _data_dir() -> Path:
    return Path(str(resources.files("ecozone.catalogue") / "data"))


@cache
def load_metrics(path: Path | None = None) -> dict[str, Metric]:
    """The metric register: id → Metric. Shared by all packs, so one dataset serves many."""
    path = path or _data_dir() / "metrics.yaml"
    data, lines = _compose(path.read_text(encoding="utf-8"), str(path))
    if not isinstance(data, dict):
        raise PackError("统计量登记表应为映射", Location(file=str(path), line=1))
    metrics: dict[str, Metric] = {}
    for key, raw in data.items():
        try:
            metrics[key] = Metric.model_validate(raw)
        except ValidationError as exc:
            own_lines = {k[1:]: v for k, v in lines.items() if k[:1] == (key,)}
            err = validation_error(exc, raw, yaml_where(raw, own_lines, str(path)))
            raise PackError(
                err.problem,
                Location(file=str(path), line=err.location.line, field=f"{key}.{err.location.field}"),
                err.expected,
            ) from None
    return metrics


# --- standards ------------------------------------------------------------------------


class LoadedStandard:
    """A validated pack with its metrics and a content hash (the rules' fingerprint)."""

    def __init__(self, standard: Standard, metrics: Mapping[str, Metric], source: str,
                 extends: str | None = None) -> None:
        self.standard = standard
        self.metrics = dict(metrics)
        self.source = source
        self.extends = extends  # the pack this one was written on top of (an overlay), if any
        self.hash = pack_hash(standard, self.metrics)
        # the 佐证材料清单 (companion file; not part of the rules' fingerprint: it changes no judgement)
        self.evidence: EvidenceCatalogue | None = None

    def with_vetoes(self, catalogue: str | None) -> LoadedStandard:
        """The same indicators judged with another veto catalogue (the one the rules in force name); its own
        fingerprint, since the catalogue is part of the rules."""
        if catalogue == self.standard.veto_catalogue:
            return self
        other = LoadedStandard(self.standard.model_copy(update={"veto_catalogue": catalogue}), self.metrics,
                               self.source, self.extends)
        other.evidence = self.evidence
        return other

    def lead_department(self, indicator: Indicator) -> str | None:
        """The pack's own 牵头部门 for the indicator, else the evidence list's."""
        need = self.evidence.of(indicator.id) if self.evidence is not None else None
        return indicator.lead_department or (need.lead if need is not None else None)

    def unit_ids(self) -> list[str]:
        """Every indicator id and every sub-item id (7.1), in the table's order."""
        return [*(i.id for i in self.standard.indicators), *(s.id for i in self.standard.indicators for s in i.items)]

    def metrics_of(self, indicator_id: str) -> tuple[str, ...]:
        """The metrics an indicator (or one sub-item, 7.1) reads, in the order its rules name them."""
        found: list[str] = []
        for indicator in self.standard.indicators:
            if indicator.id == indicator_id:
                found += [leaf.metric for leaf in _leaves_of_indicator(indicator)]
            found += [leaf.metric for item in indicator.items if item.id == indicator_id
                      for leaf in _leaves(item.criterion)]
        return tuple(dict.fromkeys(found))

    def data_source(self, indicator: Indicator) -> str | None:
        need = self.evidence.of(indicator.id) if self.evidence is not None else None
        return indicator.data_source or (need.data_source if need is not None else None)

    @property
    def verified_count(self) -> int:
        return sum(1 for i in self.standard.indicators if i.provenance.verified)

    @property
    def id(self) -> str:
        return self.standard.id

    def metric(self, metric_id: str) -> Metric:
        return self.metrics[metric_id]


def pack_hash(standard: Standard, metrics: Mapping[str, Metric]) -> str:
    """sha256 over the canonical JSON of the pack and the metrics it reads."""
    used = sorted({leaf.metric for ind in standard.indicators for leaf in _leaves_of_indicator(ind)})
    payload = {
        "standard": standard.model_dump(mode="json"),
        "metrics": {m: metrics[m].model_dump(mode="json") for m in used},
    }
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _leaves(criterion: Criterion) -> Iterator[Any]:
    if isinstance(criterion, AllOf | AnyOf):
        for child in criterion.of:
            yield from _leaves(child)
    elif isinstance(criterion, CaseOf):
        for case in criterion.cases:
            yield from _leaves(case.then)
    else:
        yield criterion


def _leaves_of_indicator(indicator: Indicator) -> Iterator[Any]:
    if indicator.criterion is not None:
        yield from _leaves(indicator.criterion)
    for item in indicator.items:
        yield from _leaves(item.criterion)


def compose_file(path: Path | str) -> tuple[Any, dict[PathKey, int], str]:
    """A pack file's YAML, composed strictly: (data, the line of every path, the file's name)."""
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PackError("文件不存在", Location(file=file)) from None
    except UnicodeDecodeError:
        raise PackError("文件不是 UTF-8 编码", Location(file=file), expected="UTF-8 编码的 YAML") from None
    data, lines = _compose(text, file)
    return data, lines, file


def standard_from_data(data: Any, where: Where, file: str, metrics: Mapping[str, Metric],
                       extends: str | None = None) -> LoadedStandard:
    """Check a composed pack (the model, then the references) and load it; errors located by ``where``."""
    try:
        standard = Standard.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, data, where) from None
    check_references(standard, where, metrics)
    return LoadedStandard(standard, metrics, file, extends=extends)


def check_references(standard: Standard, where: Where, metrics: Mapping[str, Metric]) -> None:
    """Checks pydantic cannot make alone: ids unique, metrics known, states in vocabulary."""
    if standard.veto_catalogue is not None:
        shipped = {p.stem for p in (_data_dir() / "vetoes").glob("*.yaml")}
        if standard.veto_catalogue not in shipped:
            raise PackError(
                f"未知的否决项目录「{standard.veto_catalogue}」",
                where(("veto_catalogue",)),
                expected="、".join(sorted(shipped)),
            )
    seen: dict[str, int] = {}
    for i, indicator in enumerate(standard.indicators):
        if indicator.id in seen:
            raise PackError(f"指标编号「{indicator.id}」重复", where(("indicators", i, "id")),
                            expected="每个指标编号唯一")
        seen[indicator.id] = i
        if indicator.domain not in standard.domains:
            raise PackError(
                f"领域「{indicator.domain}」不在本标准的 domains 中",
                where(("indicators", i, "domain")),
                expected="、".join(standard.domains),
            )
        for sub_path, criterion in _criteria_with_paths(indicator, ("indicators", i)):
            _check_leaf(criterion, sub_path, where, metrics)


def _criteria_with_paths(indicator: Indicator, base: PathKey) -> Iterator[tuple[PathKey, Any]]:
    if indicator.criterion is not None:
        yield from _walk(indicator.criterion, (*base, "criterion"))
    for j, item in enumerate(indicator.items):
        yield from _walk(item.criterion, (*base, "items", j, "criterion"))


def _walk(criterion: Criterion, path: PathKey) -> Iterator[tuple[PathKey, Any]]:
    if isinstance(criterion, AllOf | AnyOf):
        for k, child in enumerate(criterion.of):
            yield from _walk(child, (*path, "of", k))
    elif isinstance(criterion, CaseOf):
        for k, case in enumerate(criterion.cases):
            yield from _walk(case.then, (*path, "cases", k, "then"))
    else:
        yield path, criterion


def _check_leaf(leaf: Any, path: PathKey, where: Where, metrics: Mapping[str, Metric]) -> None:
    at_metric = where((*path, "metric"))
    metric = metrics.get(leaf.metric)
    if metric is None:
        raise PackError(
            f"未知的统计量「{leaf.metric}」",
            at_metric,
            expected="catalogue/data/metrics.yaml 中登记的统计量编号",
        )
    wants_state = isinstance(leaf, State)
    if wants_state != (metric.kind == "state"):
        raise PackError(
            f"判定规则 {leaf.kind} 不能用于{'数值' if metric.kind == 'number' else '状态'}型统计量「{leaf.metric}」",
            at_metric,
            expected="state 规则配状态型统计量，其余规则配数值型统计量",
        )
    if isinstance(leaf, State):
        for k, accepted in enumerate(leaf.accept):
            if accepted not in metric.states:
                raise PackError(
                    f"状态值「{accepted}」不是统计量「{leaf.metric}」的可取状态",
                    where((*path, "accept", k)),
                    expected="、".join(metric.states),
                )
