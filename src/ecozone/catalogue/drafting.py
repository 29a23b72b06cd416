"""A draft pack from the rows of the ministry's own table: each row's 指标值 read into a rule
(``catalogue.target_text``), each name matched to the metric register, the whole laid out as the three tables of the
pack workbook (``catalogue.tabular``) that ``standards import`` reads back.

Nothing here is verified: every indicator's provenance says 草稿 and where in the notice it was read. What could
not be read is left blank and listed (``Draft.pending``) with the original text, for a person to fill in; a name that
matches no metric gets a proposed new metric. The rows come from ``io.notice``; this module does no I/O.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import TypeAdapter, ValidationError

from ecozone.catalogue.model import Criterion, Metric, Parameters, PassRule
from ecozone.catalogue.tabular import ATTRIBUTES, HEADER_LABELS, NO, header_fields, rule_rows
from ecozone.catalogue.target_text import Branch, Clause, Leaf, Node, Variants, falls, parse_target
from ecozone.regions.profile import FLAGS

__all__ = ["FIELDS", "Draft", "DraftReport", "Notice", "NoticeRow", "Pending", "draft_standard", "level_in_title",
           "match_metric", "serial_number"]

# the columns of a ministry table, in the wordings seen (2016, 2019, 2024 tables), compared without spaces
FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "domain": ("领域", "建设领域", "系统", "类别"),
    "task": ("任务", "重点任务", "建设任务", "主要任务"),
    "number": ("序号", "编号", "指标序号"),
    "name": ("指标名称", "指标", "具体指标", "名称", "指标项"),
    "unit": ("单位", "计量单位", "指标单位"),
    "target": ("指标值", "目标值", "标准值", "指标值(目标值)", "建设标准", "指标要求", "考核要求"),
    "attribute": ("指标属性", "属性", "指标类型", "类型", "性质"),
    "scope": ("适用范围", "适用", "适用对象", "适用地区", "适用层级"),
    "note": ("备注", "说明", "注"),
}
_ATTRIBUTE_WORDS: Final = {"约束性": "binding", "约束": "binding", "参考性": "reference", "参考": "reference",
                           "预期性": "reference"}
_REQUIRES: Final = {"沿海": "coastal", "草原": "grassland", "受污染耕地": "contaminated_farmland",
                    "农村黑臭水体": "rural_black_odorous_water", "干旱半干旱": "arid", "青藏高原": "plateau"}
# which variant of a target is tried first: the narrowest classes before terrain (as mee-2019 row 11 reads, INF)
_PRECEDENCE: Final = ("plateau", "arid", "coastal", "grassland", "contaminated_farmland", "rural_black_odorous_water")
CLOSE: Final = 0.6  # a name this similar to a registered metric's is proposed as that metric, with its score
_CRITERION: Final = TypeAdapter(Criterion)


@dataclass(frozen=True)
class NoticeRow:
    """One row of the ministry's table as read (merged cells already carried down), and where it was."""

    where: str
    domain: str = ""
    task: str = ""
    number: str = ""
    name: str = ""
    unit: str = ""
    target: str = ""
    attribute: str = ""
    scope: str = ""
    note: str = ""


@dataclass(frozen=True)
class Notice:
    """The rows of a notice's indicator table(s), its title and document number as found in its text, and which
    columns the table has (a 2024 table has no 指标属性)."""

    file: str
    rows: tuple[NoticeRow, ...]
    title: str | None = None
    document: str | None = None
    columns: frozenset[str] = frozenset(FIELDS)
    footnotes: tuple[str, ...] = ()  # 「注：…」 under the table, kept with the pack's provenance


@dataclass(frozen=True)
class Pending:
    """A cell left for a person: where in the notice, which indicator, what, the original text, why, and where in the
    draft workbook to fill it in."""

    where: str
    subject: str
    what: str
    text: str
    why: str
    fill: str


@dataclass
class DraftReport:
    rows: int = 0
    indicators: int = 0
    rules: int = 0           # indicators without sub-items, and sub-items: each has a rule to read
    full: int = 0            # read whole: the rule and every metric
    partly: int = 0          # the rule read, a metric or a direction left to fill in
    failed: int = 0          # the 指标值 not understood
    exact: int = 0           # metrics matched by name
    close: int = 0           # by a close name (score shown in the pending list)
    proposed: int = 0        # no registered metric fits: a new one proposed

    def lines(self) -> list[str]:
        share = f"{self.full / self.rules:.0%}" if self.rules else "—"
        return [f"读到 {self.rows} 行，{self.indicators} 项指标，需判定的指标和分项 {self.rules} 个。",
                f"指标值：完全读出 {self.full} 个（{share}），部分读出 {self.partly} 个，未能读出 {self.failed} 个。",
                f"统计量：按名称对应 {self.exact} 个，相近名称对应 {self.close} 个，建议新增 {self.proposed} 个。"]


@dataclass
class Draft:
    """The pack workbook's three tables as rows (``catalogue.tabular``'s keys), what is left to fill, the metrics
    proposed, and the cells left blank for a person: (sheet, row index in its table, column key)."""

    header: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    pending: list[Pending]
    proposals: list[dict[str, Any]]
    report: DraftReport
    todo: set[tuple[str, int, str]] = field(default_factory=set)


@dataclass(frozen=True)
class Match:
    metric: str | None
    score: float
    how: str  # exact / close / none


# --- the draft ---------------------------------------------------------------------------------


def draft_standard(notice: Notice, metrics: Mapping[str, Metric], *, pack_id: str, title: str | None = None,
                   issuer: str | None = None, document: str | None = None) -> Draft:
    """The draft pack of a notice's rows."""
    build = _Build(notice, metrics)
    for group in _groups(notice.rows):
        build.indicator(group)
    build.report.rows = len(notice.rows)
    header = build.header(pack_id, title or notice.title, issuer, document or notice.document)
    return Draft(header, build.indicators, build.rules, build.pending, build.proposals, build.report, build.todo)


def _groups(rows: Sequence[NoticeRow]) -> list[list[NoticeRow]]:
    """An indicator's rows: its own, and its sub-items' under the same 序号 (a merged cell, or left blank)."""
    groups: list[list[NoticeRow]] = []
    for row in rows:
        if groups and row.number and row.number == groups[-1][0].number:
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


class _Build:
    def __init__(self, notice: Notice, metrics: Mapping[str, Metric]) -> None:
        self.notice = notice
        self.metrics = metrics
        self.indicators: list[dict[str, Any]] = []
        self.rules: list[dict[str, Any]] = []
        self.pending: list[Pending] = []
        self.proposals: list[dict[str, Any]] = []
        self.report = DraftReport()
        self.todo: set[tuple[str, int, str]] = set()
        self.domains: list[str] = []
        self.levels: set[str] = set()
        self.numbers: list[int] = []

    # one indicator -----------------------------------------------------------------------------

    def indicator(self, group: list[NoticeRow]) -> None:
        first = group[0]
        items = _items(group)
        number = serial_number(first.number)
        ident = str(number) if number is not None else first.number or str(len(self.indicators) + 1)
        name, starred = _name(first.name.split("\n")[0] if items and len(group) == 1 else first.name)
        if number is not None:
            self.numbers.append(number)
        domain = _strip_numbering(first.domain)
        if domain and domain not in self.domains:
            self.domains.append(domain)
        levels, requires, scope_note = _scope(first.scope, first.note, self.notice.title)
        self.levels.update(levels)
        row_index = len(self.indicators)
        subject = f"第{ident}项 {name}"
        attribute = self._attribute(first, row_index, subject)
        notes = ["草稿：由 ecozone 从原文读取，待核对"]
        if starred:
            notes.append("名称带 *")
            self._leave(first.where, subject, "适用条件", first.name, "名称带 *，其含义原文未说明",
                        f"「指标」表第{row_index + 2}行「适用条件」", ("指标", row_index, "requires"))
        if scope_note:
            notes.append(scope_note)
        self.report.indicators += 1
        row: dict[str, Any] = {
            "id": ident, "parent": None, "number": number, "domain": domain,
            "task": _strip_numbering(first.task) or None,
            "name": name, "unit": _unit(first.unit) if not items else "-", "attribute": attribute,
            "levels": "、".join(levels), "requires": "、".join(FLAGS[r] for r in requires) or None,
            "target_text": None if items else _target_text(first.target), "source": f"{self.notice.file} {first.where}",
            "confidence": "UNV", "verified": NO,
        }
        self.indicators.append(row)
        if number is None:
            self._leave(first.where, subject, "序号", first.number, "序号不是整数",
                        f"「指标」表第{row_index + 2}行「序号」", ("指标", row_index, "number"))
        if not items:
            notes += self._rule(ident, None, name, [name], row["unit"], first.target, first.where, subject)
        else:
            parent_name = name
            for k, (item_name, unit, target, where) in enumerate(items, start=1):
                item_id = f"{ident}.{k}"
                clean_name, item_starred = _name(item_name)
                if item_starred:
                    self._leave(where, f"{item_id} {clean_name}", "适用条件", item_name, "名称带 *，其含义原文未说明",
                                f"「指标」表第{len(self.indicators) + 2}行「适用条件」",
                                ("指标", len(self.indicators), "requires"))
                self.indicators.append({"id": item_id, "parent": ident, "name": clean_name, "unit": _unit(unit),
                                        "target_text": _target_text(target)})
                notes += self._rule(ident, item_id, clean_name, [clean_name, parent_name + clean_name], _unit(unit),
                                    target, where, f"{item_id} {clean_name}")
        row["note"] = "；".join(dict.fromkeys(notes))

    def _attribute(self, row: NoticeRow, index: int, subject: str) -> str:
        if "attribute" not in self.notice.columns or not any(r.attribute.strip() for r in self.notice.rows):
            return ATTRIBUTES["none"]  # the 2024 tables have no 约束性/参考性 column (or leave it empty throughout)
        word = re.sub(r"\s+", "", row.attribute)
        code = _ATTRIBUTE_WORDS.get(word)
        if code is None:
            self._leave(row.where, subject, "属性", row.attribute, "不是「约束性」或「参考性」",
                        f"「指标」表第{index + 2}行「属性」", ("指标", index, "attribute"))
            return ""
        return ATTRIBUTES[code]

    # one rule -----------------------------------------------------------------------------------

    def _rule(self, indicator: str, item: str | None, name: str, names: list[str], unit: str, target: str,
              where: str, subject: str) -> list[str]:
        """Read one 指标值 into rule rows; what could not be read is left and listed. Returns notes for the row."""
        self.report.rules += 1
        parsed = parse_target(target)
        owner = f"「判定规则」表 指标编号 {indicator}" + (f" 分项 {item}" if item else "")
        if parsed.node is None:
            self.report.failed += 1
            self._leave(where, subject, "指标值", target, parsed.why or "未能识别", owner + "（整条规则）")
            return list(parsed.notes)
        resolve = _Resolve(self, names, unit, subject, where)
        data = resolve.node(parsed.node)
        try:
            criterion = _CRITERION.validate_python(data)
        except ValidationError as exc:  # a shape the grammar allows but a pack does not: said, not guessed
            self.report.failed += 1
            self._leave(where, subject, "指标值", target, f"读出的规则不成立（{exc.errors()[0]['msg']}）",
                        owner + "（整条规则）")
            return list(parsed.notes)
        first = len(self.rules)
        self.rules.extend(rule_rows(indicator, item, criterion, "1", self.metrics))
        for index in range(first, len(self.rules)):
            rule = self.rules[index]
            if "metric" in rule and not rule["metric"]:
                self.todo.add(("判定规则", index, "metric"))
                if rule.get("op"):  # a bare number's direction is its quantity's, not yet known
                    self.todo.add(("判定规则", index, "op"))
        if resolve.left:
            self.report.partly += 1
        else:
            self.report.full += 1
        return [*parsed.notes, *resolve.notes]

    def _leave(self, where: str, subject: str, what: str, text: str, why: str, fill: str,
               cell: tuple[str, int, str] | None = None) -> None:
        self.pending.append(Pending(where, subject, what, text, why, fill))
        if cell is not None:
            self.todo.add(cell)

    # the header ---------------------------------------------------------------------------------

    def header(self, pack_id: str, title: str | None, issuer: str | None, document: str | None) -> list[dict[str, Any]]:
        numbers = sorted(set(self.numbers))
        missing = [n for n in range(1, (numbers[-1] if numbers else 0) + 1) if n not in numbers]
        if issuer is None and document and document.startswith("环"):
            issuer = "生态环境部"  # 环生态〔2019〕76号, 环办生态〔2024〕4号: the ministry's prefixes (INF)
        values: dict[str, Any] = {
            "format": 1, "id": pack_id, "title": title, "document": document, "issuer": issuer, "date": None,
            "levels": "、".join(level for level in ("市", "县") if level in self.levels) or "市、县",
            "domains": "、".join(self.domains), "complete": NO if missing else "是",
            "missing_rows": f"原文中未读到第 {'、'.join(map(str, missing))} 项" if missing else None,
            "veto_catalogue": None, "provenance.source": f"{self.notice.file}（ecozone standards draft 读取）",
            "provenance.confidence": "UNV", "provenance.verified": NO,
            "provenance.note": "草稿：由 ecozone 从原文读取，逐项核对后再标为已核实"
                               + "".join(f"；原文{note}" for note in self.notice.footnotes),
        }
        defaults = {"pass_rule": PassRule(), "parameters": Parameters()}
        rows = []
        for index, (path, _) in enumerate(header_fields()):
            key = ".".join(map(str, path))
            if key in values:
                value = values[key]
            else:
                value = defaults[str(path[0])]
                for part in path[1:]:
                    value = getattr(value, str(part))
                value = NO if value is False else "是" if value is True else value
            rows.append({"key": key, "label": HEADER_LABELS[path], "value": value})
            if key in ("title", "issuer") and not value:
                self._leave(self.notice.file, "标准信息", HEADER_LABELS[path], "", "原文中未找到",
                            f"「标准信息」表「{HEADER_LABELS[path]}」", ("标准信息", index, "value"))
        return rows


class _Resolve:
    """A parsed 指标值 with metrics: each leaf's quantity found in the register (by the name the table gives, or the
    one the words name), a bare number's direction from it; what is not found left blank and listed."""

    def __init__(self, build: _Build, names: list[str], unit: str, subject: str, where: str) -> None:
        self.build, self.names, self.unit, self.subject, self.where = build, names, unit, subject, where
        self.left = False
        self.notes: list[str] = []
        self._own: dict[tuple[str, str | None], str] = {}

    def node(self, node: Node) -> dict[str, Any]:
        if isinstance(node, Leaf):
            return self.leaf(node)
        if isinstance(node, Clause):
            return {"kind": node.kind, "of": [self.node(p) for p in node.parts]}
        return self.variants(node)

    def variants(self, node: Variants) -> dict[str, Any]:
        branches = [(b, self.node(b.node)) for b in node.branches]
        if all(_is_plain_threshold(d) for _, d in branches) and _same(d["metric"] for _, d in branches) \
                and _same(d["op"] for _, d in branches):
            return _targets(branches)
        heads = [d["of"][0] if d["kind"] == "all" else None for _, d in branches]
        tails = [d["of"][1:] if d["kind"] == "all" else None for _, d in branches]
        if all(h is not None and _is_plain_threshold(h) for h in heads) and _same(map(repr, tails)) \
                and _same(h["metric"] for h in heads if h) and _same(h["op"] for h in heads if h):
            # 「≥55 且不降低；干旱半干旱地区 ≥35 且不降低」: the threshold varies, the rest is the same everywhere
            return {"kind": "all", "of": [_targets([(b, h) for (b, _), h in zip(branches, heads, strict=True)
                                                    if h is not None]), *(tails[0] or [])]}
        return {"kind": "case", "cases": [{"when": dict(b.when), "label": b.label, "then": d} for b, d in branches]}

    def leaf(self, leaf: Leaf) -> dict[str, Any]:
        if leaf.kind == "state":
            metric = self.metric("state", leaf.state, leaf.text)
            return {"kind": "state", "metric": metric, "accept": [leaf.state or leaf.text]}
        if leaf.kind == "compound":  # met or not as a whole: the register's 符合 / 不符合 states
            metric = self.metric("state", "符合", leaf.text)
            self.notes.append(f"「{leaf.text}」按「符合/不符合」判定")
            return {"kind": "state", "metric": metric, "accept": ["符合"]}
        if leaf.subject:  # 「用水总量不超过控制目标值」: a quantity of its own
            metric = self.metric("number", None, leaf.subject, [leaf.subject])
        else:
            metric = self.metric("number", None, leaf.text)
        if leaf.kind == "assigned":
            return {"kind": "assigned", "metric": metric}
        if leaf.kind == "trend":
            if falls(leaf) and metric and self.build.metrics[metric].direction == "higher":
                self.notes.append(f"「{leaf.text}」而 {metric} 越高越好：请核对")
                self.left = True
            return {"kind": "trend", "metric": metric, "rule": leaf.rule}
        op = leaf.op
        if op is None:  # 「100」: the direction of a bare number is the quantity's
            direction = self.build.metrics[metric].direction if metric else None
            op = ">=" if direction != "lower" else "<="
        if leaf.kind == "delta":
            return {"kind": "delta", "metric": metric, "op": op, "value": leaf.value}
        return {"kind": "threshold", "metric": metric, "op": op, "value": leaf.value}

    def metric(self, kind: str, state: str | None, text: str, names: list[str] | None = None) -> str:
        key = (kind, state if names is None else "|".join(names))
        if key in self._own:
            return self._own[key]
        found = match_metric(names or self.names, self.build.metrics, kind, state, self.unit if not names else None)
        report = self.build.report
        if found.metric is not None and found.how == "exact":
            report.exact += 1
        elif found.metric is not None:
            report.close += 1
            self.notes.append(f"统计量按相近名称对应为 {found.metric}（{self.build.metrics[found.metric].name}，"
                              f"相似度 {found.score:.2f}）")
        else:
            report.proposed += 1
            self.left = True
            proposal = _proposal((names or self.names)[0], kind, state, self.unit, len(self.build.proposals) + 1)
            self.build.proposals.append(proposal)
            self.build.pending.append(Pending(
                self.where, self.subject, "统计量", text,
                f"统计量登记表中没有相符的{'状态型' if kind == 'state' else '数值型'}统计量"
                f"{'（状态「' + state + '」）' if state else ''}；建议新增「{proposal['name']}」",
                "「判定规则」表「统计量」（先登记统计量，见「建议新增统计量」表）"))
        self._own[key] = found.metric or ""
        return found.metric or ""


# --- matching names to the register -------------------------------------------------------------


def match_metric(names: Sequence[str], metrics: Mapping[str, Metric], kind: str, state: str | None = None,
                 unit: str | None = None) -> Match:
    """The registered metric whose name is nearest to one of ``names`` (exact first, then by similarity ≥ ``CLOSE``),
    among those of the right kind — and, for a state, those that have that state; two equally near: none."""
    wanted = [_words(n) for n in names if n]
    scored: list[tuple[float, str]] = []
    for metric_id, metric in metrics.items():
        if metric.kind != kind or (state is not None and state not in metric.states):
            continue
        candidates = {_words(metric.name), _words(re.sub(r"[（(].*?[）)]", "", metric.name))}
        score = 0.0
        for name in wanted:
            for candidate in candidates:
                if name == candidate:
                    score = max(score, 1.0)
                    continue
                ratio = difflib.SequenceMatcher(None, name, candidate).ratio()
                if candidate and (candidate in name or name in candidate):
                    ratio = max(ratio, 0.8 + 0.15 * min(len(name), len(candidate)) / max(len(name), len(candidate)))
                score = max(score, ratio)
        if unit and metric.unit == unit and score < 1.0:
            score += 0.02
        scored.append((score, metric_id))
    scored.sort(reverse=True)
    if not scored or scored[0][0] < CLOSE:
        return Match(None, scored[0][0] if scored else 0.0, "none")
    best, metric_id = scored[0]
    if len(scored) > 1 and scored[1][0] == best and best < 1.0:
        return Match(None, best, "none")  # two equally near: a person decides
    return Match(metric_id, min(best, 1.0), "exact" if best >= 1.0 else "close")


def _words(text: str) -> str:
    return re.sub(r"[\s*＊·:：]", "", unicodedata.normalize("NFKC", text))


def _proposal(name: str, kind: str, state: str | None, unit: str, n: int) -> dict[str, Any]:
    states = [state, f"未{state}" if state != "符合" else "不符合"] if kind == "state" and state else []
    return {"id": f"new_metric_{n}", "name": name, "unit": unit or "-", "kind": "状态" if kind == "state" else "数值",
            "states": "、".join(states), "direction": "" if kind == "state" else "（请填：越高越好 / 越低越好）"}


# --- rows of the table -------------------------------------------------------------------------


def _parent(group: list[NoticeRow]) -> bool:
    """The first row names the indicator only (环境空气质量), its sub-items follow."""
    return len(group) > 1 and not group[0].target.strip()


def _items(group: list[NoticeRow]) -> list[tuple[str, str, str, str]]:
    """(name, unit, target, where) of each sub-item: rows under a parent row, or the lines of one row whose name cell
    stacks the indicator and its sub-items (「生物多样性保护\\n国家重点保护野生动植物保护率\\n…」)."""
    if len(group) > 1:
        rows = group[1:] if _parent(group) else group
        found, unit, target = [], "", ""
        for row in rows:  # a unit or 指标值 merged across sub-items is given once in a PDF or a spreadsheet
            unit, target = row.unit or unit, row.target or target
            found.append((row.name, row.unit or unit, row.target or target, row.where))
        return found
    row = group[0]
    names = row.name.split("\n")
    k = len(names) - 1
    if k < 2:
        return []
    units, targets = row.unit.split("\n"), row.target.split("\n")
    if len(targets) not in (1, k) or len(units) not in (1, k):
        return []
    return [(names[i + 1], units[i] if len(units) == k else units[0],
             targets[i] if len(targets) == k else targets[0], row.where) for i in range(k)]


def serial_number(text: str) -> int | None:
    """A 序号 cell as a number (「３」, 「3.」, 「3、」 → 3), or None when it is not one."""
    clean = unicodedata.normalize("NFKC", text or "").strip().rstrip(".、")
    return int(clean) if clean.isdigit() else None


def level_in_title(title: str | None) -> str | None:
    """The level a table's title names: 「生态文明建设示范区（市）建设指标」 → 市."""
    found = re.search(r"[（(](市|县)[）)]", title or "")
    return found.group(1) if found else None


def _name(text: str) -> tuple[str, bool]:
    """The name on one line, a trailing * (the 2024 tables' mark) taken off and said."""
    clean = re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）").replace("＊", "*")  # Ⅲ stays Ⅲ
    starred = clean.endswith("*")
    return clean.rstrip("*"), starred


def _unit(text: str) -> str:
    clean = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    clean = clean.replace("ug/m3", "μg/m³").replace("μg/m3", "μg/m³").replace("µg/m³", "μg/m³")
    return "-" if clean in ("", "—", "–", "/", "无") else clean


def _target_text(text: str) -> str:
    """The 指标值 as the pack keeps it: one line, clauses joined with ；."""
    return "；".join(line.strip() for line in text.split("\n") if line.strip())


def _strip_numbering(text: str) -> str:
    clean = re.sub(r"\s+", "", text)
    return re.sub(r"^(?:[一二三四五六七八九十]+[、.]|[（(][一二三四五六七八九十]+[）)])", "", clean)


def _scope(scope: str, note: str, title: str | None = None) -> tuple[list[str], list[str], str | None]:
    """适用范围 (市县 / 市 / 县) and the features a place must have (仅适用于沿海地区) from 适用范围 and 备注; without
    a 适用范围, the level a title names (「生态文明建设示范区（市）建设指标」)."""
    text = re.sub(r"\s+", "", scope)
    titled = level_in_title(title)
    levels = [level for level in ("市", "县") if level in text] or ([titled] if titled else ["市", "县"])
    requires = [flag for word, flag in _REQUIRES.items() if word in text + note]
    said = None if text or not scope else "适用范围未填，按市、县均适用"
    return levels, requires, said


def _is_plain_threshold(data: dict[str, Any]) -> bool:
    return data.get("kind") == "threshold" and "value" in data


def _same(values: Any) -> bool:
    return len(set(values)) <= 1


def _targets(branches: Sequence[tuple[Branch, dict[str, Any]]]) -> dict[str, Any]:
    """A threshold with one target per variant, the narrowest classes first, 其他地区 last."""
    def rank(branch: Branch) -> int:
        keys = [k for k, _ in branch.when]
        if not keys:
            return len(_PRECEDENCE) + 1
        return min((_PRECEDENCE.index(k) for k in keys if k in _PRECEDENCE), default=len(_PRECEDENCE))

    ordered = sorted(branches, key=lambda pair: rank(pair[0]))
    first = ordered[0][1]
    return {"kind": "threshold", "metric": first["metric"], "op": first["op"],
            "targets": [{"when": dict(b.when), "value": d["value"], "label": b.label} for b, d in ordered]}

