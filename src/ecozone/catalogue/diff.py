"""What changed between two packs: indicators added, removed, renamed, re-targeted, re-classed.

Packs number their indicators differently (2016's 第3项 is not 2019's), so indicators are paired by
what they measure: first by the same set of metrics, then by the same name. A pair whose names differ
is a rename; a pair whose rule, target text, attribute, unit or applicability differ is a change. Last,
indicators that share some metric are paired (规划环评执行率 became 依法开展规划环境影响评价, which reads
the same rate and a new state). What is left is removed or added.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ecozone.catalogue.describe import describe
from ecozone.catalogue.load import LoadedStandard, _leaves_of_indicator
from ecozone.catalogue.model import Indicator
from ecozone.catalogue.tabular import ATTRIBUTES

__all__ = ["Change", "PackDiff", "diff_standards"]

@dataclass(frozen=True)
class Change:
    what: str                  # name / target / rule / attribute / unit / applies_to / items
    before: str
    after: str


@dataclass(frozen=True)
class Pair:
    a_id: str
    b_id: str
    a_name: str
    b_name: str
    metrics: list[str]
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class Only:
    id: str
    name: str
    metrics: list[str]


@dataclass
class PackDiff:
    a: str
    b: str
    a_complete: bool
    b_complete: bool
    removed: list[Only]
    added: list[Only]
    renamed: list[Pair]
    changed: list[Pair]
    unchanged: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        """The diff in Chinese, one line per change, for a terminal or a report."""
        out = [f"{self.a} → {self.b}：删除 {len(self.removed)} 项，新增 {len(self.added)} 项，"
               f"改名 {len(self.renamed)} 项，内容变化 {len(self.changed)} 项，未变 {self.unchanged} 项。"]
        for side, complete in ((self.a, self.a_complete), (self.b, self.b_complete)):
            if not complete:
                out.append(f"注意：{side} 指标表不完整，其中未录入的指标会显示为删除或新增。")
        out += [f"删除：{o.id} {o.name}（{'、'.join(o.metrics)}）" for o in self.removed]
        out += [f"新增：{o.id} {o.name}（{'、'.join(o.metrics)}）" for o in self.added]
        out += [f"改名：{p.a_id} {p.a_name} → {p.b_id} {p.b_name}" for p in self.renamed]
        for pair in self.renamed + self.changed:
            for change in pair.changes:
                if change.what != "名称":
                    out.append(f"{change.what}变化：{pair.b_id} {pair.b_name}：{change.before} → {change.after}")
        return out


def _metrics(indicator: Indicator) -> frozenset[str]:
    return frozenset(leaf.metric for leaf in _leaves_of_indicator(indicator))


def _rule(indicator: Indicator) -> str:
    if indicator.criterion is not None:
        return describe(indicator.criterion)
    return "；".join(f"{item.id} {item.name}: {describe(item.criterion)}" for item in indicator.items)


def _applies(indicator: Indicator) -> str:
    text = "、".join(indicator.applies_to.levels)
    return text + (f"（须{'、'.join(indicator.applies_to.requires)}）" if indicator.applies_to.requires else "")


def _spaceless(text: str) -> str:
    """A 指标值 compared without its spaces: 「平原地区 ≥18」 and 「平原地区≥18」 are one text (a PDF drops the space
    where a line wraps; transcriptions add them)."""
    return "".join(text.split())


def _changes(a: Indicator, b: Indicator) -> list[Change]:
    found = []
    for what, before, after in (
        ("名称", a.name, b.name),
        ("统计量", "、".join(sorted(_metrics(a))), "、".join(sorted(_metrics(b)))),
        ("指标值", a.target_text or "", b.target_text or ""),
        ("判定规则", _rule(a), _rule(b)),
        ("属性", ATTRIBUTES[a.attribute], ATTRIBUTES[b.attribute]),
        ("单位", a.unit, b.unit),
        ("适用范围", _applies(a), _applies(b)),
    ):
        if (before != after) if what != "指标值" else (_spaceless(before) != _spaceless(after)):
            found.append(Change(what, before, after))
    return found


def diff_standards(a: LoadedStandard, b: LoadedStandard) -> PackDiff:
    left = list(a.standard.indicators)
    right = list(b.standard.indicators)
    pairs: list[tuple[Indicator, Indicator]] = []
    for match in (lambda x, y: _metrics(x) == _metrics(y) and x.name == y.name,
                  lambda x, y: _metrics(x) == _metrics(y),
                  lambda x, y: x.name == y.name,
                  lambda x, y: bool(_metrics(x) & _metrics(y))):  # partly the same quantities: rewritten
        for x in list(left):
            y = next((y for y in right if match(x, y)), None)
            if y is not None:
                pairs.append((x, y))
                left.remove(x)
                right.remove(y)
    renamed, changed, unchanged = [], [], 0
    for x, y in sorted(pairs, key=lambda p: p[1].number):
        pair = Pair(x.id, y.id, x.name, y.name, sorted(_metrics(y)), _changes(x, y))
        if x.name != y.name:
            renamed.append(pair)
        elif pair.changes:
            changed.append(pair)
        else:
            unchanged += 1
    return PackDiff(
        a=a.id, b=b.id, a_complete=a.standard.complete, b_complete=b.standard.complete,
        removed=[Only(x.id, x.name, sorted(_metrics(x))) for x in left],
        added=[Only(y.id, y.name, sorted(_metrics(y))) for y in right],
        renamed=renamed, changed=changed, unchanged=unchanged,
    )
