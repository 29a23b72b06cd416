"""Each 指标值 form the ministry's tables use, read into the shape of a rule — and what is not a target refused
with its reason, never guessed."""

from __future__ import annotations

import pytest

from ecozone.catalogue.target_text import Branch, Clause, Leaf, Variants, parse_target


def shape(node: object) -> object:
    """A parsed node as plain tuples, to compare with what a reader of the table expects."""
    if isinstance(node, Leaf):
        if node.kind == "threshold":
            return ("threshold", node.op, node.value)
        if node.kind == "trend":
            return ("trend", node.rule)
        if node.kind == "state":
            return ("state", node.state)
        if node.kind == "assigned":
            return ("assigned", node.subject)
        if node.kind == "delta":
            return ("delta", node.symbol, node.op, node.value)
        return ("compound",)
    if isinstance(node, Clause):
        return (node.kind, *[shape(p) for p in node.parts])
    assert isinstance(node, Variants)
    return ("variants", *[(dict(b.when), b.label, shape(b.node)) for b in node.branches])


@pytest.mark.parametrize(("text", "expected"), [
    ("≥20", ("threshold", ">=", 20.0)),
    ("≥ 4.5", ("threshold", ">=", 4.5)),
    ("＞80%", ("threshold", ">", 80.0)),            # full-width, a percent sign
    ("不低于20%", ("threshold", ">=", 20.0)),         # the 2016 wording
    ("60%以上", ("threshold", ">=", 60.0)),
    ("不高于0.7", ("threshold", "<=", 0.7)),
    ("25以下", ("threshold", "<=", 25.0)),
    ("100", ("threshold", None, 100.0)),           # a bare number: its direction is the quantity's
    ("建立", ("state", "建立")),
    ("有效开展", ("state", "有效开展")),
    ("划定并遵守", ("state", "划定并遵守")),         # 并 inside a state is not an 且
    ("不明显", ("state", "不明显")),
    ("不降低", ("trend", "not_worse")),
    ("保持稳定或持续改善", ("trend", "stable_or_better")),  # one trend, not an 或 of two
    ("逐步下降", ("trend", "better")),
    ("持续提高", ("trend", "better")),
    ("完成上级规定的考核任务", ("assigned", None)),
    ("完成上级管控目标", ("assigned", None)),
    ("完成年度审核计划", ("assigned", None)),
    ("ΔEQI > −1", ("delta", "EQI", ">", -1.0)),
    ("△EQI>-1", ("delta", "EQI", ">", -1.0)),
    ("面积不减少，性质不改变，功能不降低", ("compound",)),
    ("生态功能不降低、性质不改变", ("compound",)),
])
def test_one_requirement(text: str, expected: object) -> None:
    parsed = parse_target(text)
    assert parsed.node is not None, parsed.why
    assert shape(parsed.node) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("完成上级规定的考核任务；保持稳定或持续改善", ("all", ("assigned", None), ("trend", "stable_or_better"))),
    ("完成上级规定的考核任务，保持稳定或持续改善", ("all", ("assigned", None), ("trend", "stable_or_better"))),
    # a line break a PDF lost between the two
    ("完成上级规定的考核任务保持稳定或持续改善", ("all", ("assigned", None), ("trend", "stable_or_better"))),
    ("完成上级规定的考核任务，且≥90或持续提高",
     ("all", ("assigned", None), ("any", ("threshold", ">=", 90.0), ("trend", "better")))),
    ("≥25 或持续提高（原文截断，推断）", ("any", ("threshold", ">=", 25.0), ("trend", "better"))),
    ("≤0.70 且能源消耗总量不超过控制目标值",
     ("all", ("threshold", "<=", 0.7), ("assigned", "能源消耗总量"))),
])
def test_combinations(text: str, expected: object) -> None:
    parsed = parse_target(text)
    assert parsed.node is not None, parsed.why
    assert shape(parsed.node) == expected


def test_variants_by_terrain_in_2019_and_2016_wording_read_alike() -> None:
    a = parse_target("山区 ≥60；丘陵地区 ≥40；平原地区 ≥18；干旱半干旱地区 ≥35；青藏高原地区 ≥70")
    b = parse_target("山区≥60%，丘陵区≥40%，平原区≥18%，干旱半干旱区≥35%，青藏高原≥70%")
    assert shape(a.node) == shape(b.node) == ("variants",
        ({"terrain": "山区"}, "山区", ("threshold", ">=", 60.0)),
        ({"terrain": "丘陵"}, "丘陵地区", ("threshold", ">=", 40.0)),
        ({"terrain": "平原"}, "平原地区", ("threshold", ">=", 18.0)),
        ({"arid": True}, "干旱半干旱地区", ("threshold", ">=", 35.0)),
        ({"plateau": True}, "青藏高原地区", ("threshold", ">=", 70.0)))


def test_a_clause_without_condition_is_the_other_places_target_and_comes_last() -> None:
    parsed = parse_target("≥55 且不降低；干旱半干旱地区 ≥35 且不降低")
    assert isinstance(parsed.node, Variants)
    assert [(dict(b.when), b.label) for b in parsed.node.branches] == [({"arid": True}, "干旱半干旱地区"),
                                                                       ({}, "其他地区")]
    assert shape(parsed.node.branches[1].node) == ("all", ("threshold", ">=", 55.0), ("trend", "not_worse"))


def test_levels_city_sizes_and_a_requirement_for_every_variant() -> None:
    levels = parse_target("市 100；县 开展")
    assert shape(levels.node) == ("variants", ({"level": "市"}, "市级", ("threshold", None, 100.0)),
                                  ({"level": "县"}, "县级", ("state", "开展")))
    sizes = parse_target("超大、特大城市 ≥70；大城市 ≥60；中小城市 ≥50")
    assert isinstance(sizes.node, Variants)
    assert [b.label for b in sizes.node.branches] == ["超大城市", "特大城市", "大城市", "中小城市"]
    zones = parse_target("东部 ≤50；中部 ≤70；西部 ≤80，且用水总量不超过控制目标值")
    assert isinstance(zones.node, Clause) and isinstance(zones.node.parts[0], Variants)
    assert [b.label for b in zones.node.parts[0].branches] == ["东部地区", "中部地区", "西部地区"]
    assert shape(zones.node.parts[1]) == ("assigned", "用水总量")


@pytest.mark.parametrize(("text", "why"), [
    ("", "指标值为空"),
    ("详见附件2的计算方法说明，由省级生态环境部门核定", "未能识别"),
    ("≥", "未能识别"),
    ("山区 ≥60；≥40；≥18", "未能识别"),          # two places without a condition: which is 其他地区?
    ("x" * 600, "不像一个指标值"),
])
def test_what_is_not_a_target_is_refused_with_its_reason(text: str, why: str) -> None:
    parsed = parse_target(text)
    assert parsed.node is None and why in (parsed.why or "")


def test_branches_keep_the_tables_words_as_labels_only_in_canonical_form() -> None:
    """「丘陵区」 and 「丘陵地区」 are one class: the label is the class's, so two wordings give one rule."""
    parsed = parse_target("丘陵区≥40，平原≥18")
    assert isinstance(parsed.node, Variants)
    assert all(isinstance(b, Branch) for b in parsed.node.branches)
    assert [b.label for b in parsed.node.branches] == ["丘陵地区", "平原地区"]
