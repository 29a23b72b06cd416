"""One permission check, used everywhere, that can say why it refused.

An expert (评审专家) is scoped to the regions of an assignment, a list. Otherwise scope follows the
administrative code (GB/T 2260): a county user's scope is its own code,
a prefecture reviewer's the codes sharing its first four digits, a province admin's the
codes sharing its first two. A department account (州林草局, 某县统计局) is scoped twice: by its home
region's level (a prefecture's department covers the prefecture's counties) and by the indicators it
answers for — it enters and sees those indicators' figures and evidence, nothing else.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from ecozone.vocabulary import ROLE

__all__ = ["ACTIONS", "ROLES", "Decision", "can", "covers", "number_key", "scope_prefix"]

Role = Literal["county", "prefecture", "province", "department", "expert"]
ROLES: tuple[Role, ...] = ("county", "prefecture", "province", "department", "expert")
ACTIONS = {"view": "查看", "edit": "填报", "load": "整体载入", "submit": "提交", "review": "审核退回/通过",
           "recommend": "推荐", "map": "上传县界地图", "request": "向部门发数据请求、采纳或退回",
           "respond": "答复数据请求", "findings": "记录评审与问题、复核销号", "rectify": "整改问题台账中的问题"}
_ALLOWED: dict[str, set[str]] = {
    "county": {"view", "edit", "load", "submit", "request", "rectify"},
    "prefecture": {"view", "review", "map", "request", "findings"},
    "province": {"view", "load", "recommend", "map", "request", "findings"},
    "department": {"view", "edit", "respond"},
    "expert": {"view", "findings"},
}
_PREFIX = {"county": 6, "prefecture": 4, "province": 2}
# what a department may do only with an indicator (or metric) of its own named
_SUBJECT_BOUND = {"view", "edit"}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    why: str


def scope_prefix(role: str, region: str) -> str:
    if role == "expert":  # an expert's scope is a list of regions, not a code prefix: no prefix matches
        return "-"
    if role == "department":  # as wide as its home's level: 990100 (a 州's bureau) covers 9901xx
        return region[:2] if region.endswith("0000") else region[:4] if region.endswith("00") else region
    return region[: _PREFIX[role]]


def covers(subject: str, within: Collection[str]) -> bool:
    """Is an indicator (7.1 counts as 7), or a metric, among the ones named?"""
    return subject in within or subject.split(".")[0] in within


def number_key(indicator: str) -> tuple[int, ...]:
    """An indicator number's sort key: 7 < 7.1 < 12."""
    return tuple(int(part) if part.isdigit() else 0 for part in indicator.split("."))


def can(role: str, home: str, action: str, region: str, subject: str | None = None,
        within: Collection[str] = ()) -> Decision:
    """May a user of ``role`` whose home region is ``home`` do ``action`` on ``region``?

    For a department account, ``within`` are the indicators and metrics it answers for and ``subject`` the one
    the action touches; it may view or edit nothing without one of its own named.
    """
    if role not in _ALLOWED:
        return Decision(False, f"未知的角色「{role}」")
    prefix = scope_prefix(role, home)
    if not (len(region) == 6 and region.isdigit()):  # 990104x or 9901 merely start like a code
        return Decision(False, f"「{region}」不是6位地区代码")
    if role == "expert":  # ``within``: the regions of the assignment
        if region not in within:
            assigned = "、".join(sorted(within)) or "无"
            return Decision(False, f"评审专家只能访问分派的地区（{assigned}），{region} 不在其中")
    elif not region.startswith(prefix):
        return Decision(False, f"{ROLE[role]}（{home}）只能访问代码以 {prefix} 开头的地区，{region} 不在范围内")
    if action not in _ALLOWED[role]:
        return Decision(False, f"{ROLE[role]}不能「{ACTIONS.get(action, action)}」")
    if role == "department" and action in _SUBJECT_BOUND and (subject is None or not covers(subject, within)):
        own = "、".join(sorted((w for w in within if w[:1].isdigit()), key=number_key)) or "无"
        asked = f"「{subject}」" if subject else "其他指标"
        return Decision(False, f"部门账号只能{ACTIONS[action]}分派给本部门的指标（第 {own} 项），{asked}不在其中")
    return Decision(True, f"{ROLE[role]}（{home}）可以「{ACTIONS.get(action, action)}」{region}")
