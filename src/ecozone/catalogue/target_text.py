"""A 指标值 as the ministry writes it, read into the shape of a rule: thresholds (≥60, 不低于60, 60以上), the
variants of a target (山区 ≥60；丘陵地区 ≥40), assigned targets (完成上级规定的考核任务), trends (不降低,
保持稳定或持续改善, 持续下降), states (建立, 有效开展), a change (ΔEQI>-1), compound requirements (面积不减少，
性质不改变，功能不降低) and their 且 / 或 combinations.

The result names no metric: a leaf says only whether it is about the indicator's own quantity or about one it
names (「用水总量不超过控制目标值」 names 用水总量). ``catalogue.drafting`` picks the metrics. A text this module
cannot read gives None and the reason, never a guess.

How the words are read is a product choice, written down here and in docs/pack-format.md:
- a bare number (「100」) is a threshold whose direction follows the quantity (≥ when higher is better);
- clauses separated by ；, a line break or ，且 all apply; clauses led by a condition (山区, 市, 干旱半干旱地区 …)
  are the variants of one target, and a clause without one among them is the target for 其他地区;
- 「保持稳定或持续改善」 is one trend, not an 或 of two.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Final, Literal

__all__ = ["CONDITIONS", "DEFAULT_LABEL", "Branch", "Clause", "Leaf", "Parsed", "Variants", "falls", "parse_target"]

# --- what a text reads as ----------------------------------------------------------------

LeafKind = Literal["threshold", "state", "trend", "assigned", "delta", "compound"]


@dataclass(frozen=True)
class Leaf:
    """One requirement. ``subject``: the quantity the words name (用水总量), None for the indicator's own.
    ``op`` None on a threshold: a bare number, its direction to follow the quantity's."""

    kind: LeafKind
    op: str | None = None
    value: float | None = None
    rule: str | None = None          # trend: not_worse / stable_or_better / better
    state: str | None = None         # state: the word the table uses
    symbol: str | None = None        # delta: the quantity's symbol (EQI)
    subject: str | None = None
    text: str = ""


@dataclass(frozen=True)
class Clause:
    """An 且 (``all``) or 或 (``any``) of parts."""

    kind: Literal["all", "any"]
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Branch:
    """One variant: the condition's fields (as ``When``), its label, and what applies there."""

    when: tuple[tuple[str, str | bool], ...]
    label: str
    node: Node


@dataclass(frozen=True)
class Variants:
    """Targets that differ by place, in the table's order; a branch without condition (其他地区) is last."""

    branches: tuple[Branch, ...]


Node = Leaf | Clause | Variants


@dataclass(frozen=True)
class Parsed:
    """``node`` None when the text could not be read; ``why`` then says what was not understood."""

    text: str
    node: Node | None
    why: str | None = None
    notes: tuple[str, ...] = field(default=())


# --- the words -----------------------------------------------------------------------------

DEFAULT_LABEL: Final = "其他地区"
# a condition as the table words it → (the When fields, the label the pack shows); longest wording first
CONDITIONS: Final[tuple[tuple[str, tuple[tuple[tuple[str, str | bool], ...], ...], tuple[str, ...]], ...]] = (
    ("超大、特大城市", ((("city_size", "超大城市"),), (("city_size", "特大城市"),)), ("超大城市", "特大城市")),
    ("超大/特大城市", ((("city_size", "超大城市"),), (("city_size", "特大城市"),)), ("超大城市", "特大城市")),
    ("超大城市", ((("city_size", "超大城市"),),), ("超大城市",)),
    ("特大城市", ((("city_size", "特大城市"),),), ("特大城市",)),
    ("中小城市", ((("city_size", "中小城市"),),), ("中小城市",)),
    ("大城市", ((("city_size", "大城市"),),), ("大城市",)),
    ("青藏高原地区", ((("plateau", True),),), ("青藏高原地区",)),
    ("青藏高原", ((("plateau", True),),), ("青藏高原地区",)),
    ("干旱、半干旱地区", ((("arid", True),),), ("干旱半干旱地区",)),
    ("干旱半干旱地区", ((("arid", True),),), ("干旱半干旱地区",)),
    ("干旱半干旱区", ((("arid", True),),), ("干旱半干旱地区",)),
    ("山区", ((("terrain", "山区"),),), ("山区",)),
    ("山地", ((("terrain", "山区"),),), ("山区",)),
    ("丘陵地区", ((("terrain", "丘陵"),),), ("丘陵地区",)),
    ("丘陵区", ((("terrain", "丘陵"),),), ("丘陵地区",)),
    ("丘陵", ((("terrain", "丘陵"),),), ("丘陵地区",)),
    ("平原地区", ((("terrain", "平原"),),), ("平原地区",)),
    ("平原区", ((("terrain", "平原"),),), ("平原地区",)),
    ("平原", ((("terrain", "平原"),),), ("平原地区",)),
    ("东部地区", ((("zone", "东部"),),), ("东部地区",)),
    ("中部地区", ((("zone", "中部"),),), ("中部地区",)),
    ("西部地区", ((("zone", "西部"),),), ("西部地区",)),
    ("东部", ((("zone", "东部"),),), ("东部地区",)),
    ("中部", ((("zone", "中部"),),), ("中部地区",)),
    ("西部", ((("zone", "西部"),),), ("西部地区",)),
    ("沿海地区", ((("coastal", True),),), ("沿海地区",)),
    ("草原地区", ((("grassland", True),),), ("草原地区",)),
    ("地级市", ((("level", "市"),),), ("市级",)),
    ("市级", ((("level", "市"),),), ("市级",)),
    ("县级", ((("level", "县"),),), ("县级",)),
    ("市", ((("level", "市"),),), ("市级",)),
    ("县", ((("level", "县"),),), ("县级",)),
    ("其他地区", ((),), (DEFAULT_LABEL,)),
    ("其他", ((),), (DEFAULT_LABEL,)),
)

_OPS: Final = {"≥": ">=", "≤": "<=", ">=": ">=", "<=": "<=", ">": ">", "<": "<", "=": "==", "≧": ">=", "≦": "<=",
               "不低于": ">=", "不少于": ">=", "不小于": ">=", "达到": ">=", "高于": ">", "大于": ">",
               "不高于": "<=", "不超过": "<=", "不大于": "<=", "不多于": "<=", "低于": "<", "小于": "<"}
_AFTER: Final = {"及以上": ">=", "以上": ">=", "及以下": "<=", "以下": "<="}
_NUMBER: Final = r"-?\d+(?:\.\d+)?"
_THRESHOLD: Final = re.compile(
    rf"^(?P<op>{'|'.join(sorted(map(re.escape, _OPS), key=len, reverse=True))})?\s*(?P<num>{_NUMBER})\s*%?\s*"
    rf"(?P<after>{'|'.join(sorted(map(re.escape, _AFTER), key=len, reverse=True))})?$")
_DELTA: Final = re.compile(rf"^Δ\s*(?P<sym>[A-Za-z][A-Za-z0-9.]*)\s*(?P<op>>=|<=|≥|≤|>|<)\s*(?P<num>{_NUMBER})$")
_TRENDS: Final = (  # whole phrases, longest first
    ("保持稳定或持续改善", "stable_or_better"), ("保持稳定或逐步改善", "stable_or_better"),
    ("稳定或持续改善", "stable_or_better"), ("保持稳定或改善", "stable_or_better"), ("稳定或改善", "stable_or_better"),
    ("不降低", "not_worse"), ("不下降", "not_worse"), ("不减少", "not_worse"), ("不恶化", "not_worse"),
    ("不变差", "not_worse"), ("保持稳定", "not_worse"),
    ("持续改善", "better"), ("持续提高", "better"), ("持续提升", "better"), ("持续下降", "better"),
    ("逐步下降", "better"), ("逐年下降", "better"), ("逐步提高", "better"), ("逐年提高", "better"),
    ("稳步提高", "better"), ("持续减少", "better"), ("逐步减少", "better"),
)
_LONGEST_TRENDS: Final = tuple(sorted(_TRENDS, key=lambda pair: len(pair[0]), reverse=True))
_FALLING: Final = ("下降", "减少")  # a trend worded as falling: only right for a quantity where lower is better
_ASSIGNED: Final = re.compile(
    r"^(?P<subject>[\u4e00-\u9fffA-Za-z0-9.]*?)(?:完成|达到|不超过|不突破|满足|控制在)"
    r"(?P<rest>(?:上级|国家|省|省级|市级|年度)[\u4e00-\u9fff]*?(?:目标|任务|计划|要求|目标值)"
    r"|[\u4e00-\u9fff]*?控制目标值?|[\u4e00-\u9fff]*?管控目标)$")
_CLAUSE_OF_COMPOUND: Final = re.compile(r"^[\u4e00-\u9fff]{1,8}不(?:减少|改变|降低|下降|增加|突破|减损)$")
_STATE: Final = re.compile(r"^[\u4e00-\u9fff]{1,10}$")
_AND: Final = re.compile(r"\s*(?:并且|而且|且|并)\s*")
_OR: Final = re.compile(r"\s*或\s*")
_AND_AT_END: Final = re.compile(r"\s*(?:并且|而且|且|并|,)\s*$")
MAX_TEXT: Final = 500  # a 指标值 cell; longer is not a target but a paragraph


def parse_target(text: str) -> Parsed:
    """The rule a 指标值 text states, or None with the reason."""
    raw = text or ""
    if len(raw) > MAX_TEXT:
        return Parsed(raw, None, f"指标值有 {len(raw)} 字，不像一个指标值")
    clean = normalize(raw)
    if not clean:
        return Parsed(raw, None, "指标值为空")
    notes: list[str] = []
    aside = re.search(r"\(([^()]*)\)$", clean)
    if aside and not re.search(r"[≥≤<>=\d]", aside.group(1)):  # 「…（原文残缺，推断）」: a remark, not a target
        notes.append(aside.group(1))
        clean = clean[:aside.start()].strip()
    node = _expression(clean, notes)
    if node is None:
        return Parsed(raw, None, f"未能识别「{clean}」", tuple(notes))
    return Parsed(raw, node, None, tuple(notes))


def normalize(text: str) -> str:
    """Full-width forms folded (NFKC), minus signs and deltas unified, spaces around punctuation dropped; the
    Chinese separators kept as ASCII , ; for the grammar."""
    folded = unicodedata.normalize("NFKC", text).replace("−", "-").replace("–", "-").replace("△", "Δ")
    folded = folded.replace("∆", "Δ").replace("，", ",").replace("；", ";").replace("、", "、")
    folded = re.sub(r"[ \t\u3000]+", " ", folded)
    folded = re.sub(r"\s*([,;:、()])\s*", r"\1", folded)
    return folded.strip(" ;,。.")


def _expression(text: str, notes: list[str]) -> Node | None:
    compound = _compound(text)
    if compound is not None:
        return compound
    pieces = [p for p in re.split(r"[;\n]|,(?=\s*(?:且|并且|而且))", text) if p.strip()]
    clauses: list[tuple[tuple[tuple[tuple[str, str | bool], ...], ...], tuple[str, ...], str, bool]] = []
    for piece in pieces:
        for part in _variant_pieces(piece.strip()):
            joined = part.startswith(("且", "并且", "而且"))
            body = _AND.sub("", part, count=1) if joined else part
            whens, labels, rest = _condition(body)
            clauses.append((whens, labels, rest, joined))
    conditioned = [c for c in clauses if c[0] and not c[3]]
    if not conditioned:  # every clause applies
        parts = [_body(rest, notes) for _, _, rest, _ in clauses]
        if any(p is None for p in parts):
            return None
        return _all([p for p in parts if p is not None])
    branches: list[Branch] = []
    common: list[Node] = []
    for whens, labels, rest, joined in clauses:
        node = _body(rest, notes)
        if node is None:
            return None
        if joined:  # 「…，且用水总量不超过控制目标值」: applies whatever the variant
            common.append(node)
        elif not whens:
            branches.append(Branch((), DEFAULT_LABEL, node))
        else:
            branches.extend(Branch(when, label, node) for when, label in zip(whens, labels, strict=True))
    defaults = [b for b in branches if not b.when]
    if len(defaults) > 1:
        notes.append("有多处没有条件的目标")
        return None
    ordered = tuple([b for b in branches if b.when] + defaults)
    variants = Variants(ordered)
    return _all([variants, *common]) if common else variants


def _variant_pieces(piece: str) -> list[str]:
    """「山区≥60,丘陵区≥40」: commas between variants, as the 2016 tables write them; a comma inside one
    requirement (「完成上级规定的考核任务,保持稳定或持续改善」) is an 且."""
    parts = [p for p in piece.split(",") if p]
    if len(parts) > 1 and sum(1 for p in parts if _condition(p)[0]) >= 2:
        return parts
    return [piece.replace(",", "且")] if len(parts) > 1 else [piece]


def _condition(text: str) -> tuple[tuple[tuple[tuple[str, str | bool], ...], ...], tuple[str, ...], str]:
    """The condition leading a clause (its When fields, its labels) and the rest; none when the rest would not
    read as a requirement (「市场…」 is not 市)."""
    for words, whens, labels in CONDITIONS:
        if text.startswith(words):
            rest = text[len(words):].lstrip(" :：")
            if rest and (rest[0] in "≥≤><=≧≦-Δ" or rest[0].isdigit() or rest[:2] in _OPS or text[len(words)] in " :："
                         or _leaf(rest, []) is not None or _AND.split(rest, maxsplit=1)[0] != rest):
                if words in ("其他地区", "其他"):
                    return (), (), rest
                return whens, labels, rest
    return (), (), text


def _body(text: str, notes: list[str]) -> Node | None:
    """且 binds looser than 或: 「完成上级规定的考核任务且≥90或持续提高」 is assigned AND (≥90 OR rising)."""
    whole = _leaf(text, notes)
    if whole is not None:
        return whole
    for phrase, _ in _LONGEST_TRENDS:  # 「完成上级规定的考核任务保持稳定或持续改善」: a line break lost in a PDF
        if text.endswith(phrase) and len(text) > len(phrase):
            head = _body(_AND_AT_END.sub("", text[:-len(phrase)]), notes)
            if head is not None:
                return _all([head, Leaf("trend", rule=dict(_TRENDS)[phrase], text=phrase)])
    ands = [p for p in _AND.split(text) if p]
    if len(ands) > 1:
        parts = [_body(p, notes) for p in ands]
        return None if any(p is None for p in parts) else _all([p for p in parts if p is not None])
    ors = [p for p in _OR.split(text) if p]
    if len(ors) > 1:
        leaves = [_leaf(p, notes) for p in ors]
        if any(leaf is None for leaf in leaves):
            return None
        return Clause("any", tuple(leaf for leaf in leaves if leaf is not None))
    return None


def _leaf(text: str, notes: list[str]) -> Leaf | None:
    text = text.strip()
    for phrase, rule in _TRENDS:
        if text == phrase:
            return Leaf("trend", rule=rule, text=text)
    match = _THRESHOLD.match(text)
    if match:
        op = _AFTER[match["after"]] if match["after"] else _OPS.get(match["op"] or "")
        return Leaf("threshold", op=op, value=float(match["num"]), text=text)
    match = _DELTA.match(text)
    if match:
        return Leaf("delta", op=_OPS[match["op"]], value=float(match["num"]), symbol=match["sym"], text=text)
    match = _ASSIGNED.match(text)
    if match:
        return Leaf("assigned", subject=match["subject"] or None, text=text)
    if _STATE.match(text) and not text.startswith(("完成", "达到")):
        return Leaf("state", state=text, text=text)
    return None


def _compound(text: str) -> Leaf | None:
    """「面积不减少，性质不改变，功能不降低」: several 「X不Y」 clauses — one requirement met or not as a whole."""
    clauses = [c for c in re.split(r"[,、;]", text) if c]
    if len(clauses) >= 2 and all(_CLAUSE_OF_COMPOUND.match(c) for c in clauses):
        return Leaf("compound", text=text)
    return None


def _all(parts: list[Node]) -> Node:
    return parts[0] if len(parts) == 1 else Clause("all", tuple(parts))


def falls(leaf: Leaf) -> bool:
    """A trend worded as falling (持续下降): it says the quantity is one where lower is better."""
    return leaf.kind == "trend" and any(word in leaf.text for word in _FALLING)
