"""One permission check, used everywhere, that can say why it refused.

Scope follows the administrative code (GB/T 2260): a county user's scope is its own code,
a prefecture reviewer's the codes sharing its first four digits, a province admin's the
codes sharing its first two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ecozone.vocabulary import ROLE

__all__ = ["ACTIONS", "ROLES", "Decision", "can", "scope_prefix"]

Role = Literal["county", "prefecture", "province"]
ROLES: tuple[Role, ...] = ("county", "prefecture", "province")
ACTIONS = {"view": "查看", "edit": "填报", "load": "整体载入", "submit": "提交", "review": "审核退回/通过",
           "recommend": "推荐", "map": "上传县界地图"}
_ALLOWED: dict[str, set[str]] = {
    "county": {"view", "edit", "load", "submit"},
    "prefecture": {"view", "review", "map"},
    "province": {"view", "load", "recommend", "map"},
}
_PREFIX = {"county": 6, "prefecture": 4, "province": 2}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    why: str


def scope_prefix(role: str, region: str) -> str:
    return region[: _PREFIX[role]]


def can(role: str, home: str, action: str, region: str) -> Decision:
    """May a user of ``role`` whose home region is ``home`` do ``action`` on ``region``?"""
    if role not in _PREFIX:
        return Decision(False, f"未知的角色「{role}」")
    prefix = scope_prefix(role, home)
    if not (len(region) == 6 and region.isdigit()):  # 990104x or 9901 merely start like a code
        return Decision(False, f"「{region}」不是6位地区代码")
    if not region.startswith(prefix):
        return Decision(False, f"{ROLE[role]}（{home}）只能访问代码以 {prefix} 开头的地区，{region} 不在范围内")
    if action not in _ALLOWED[role]:
        return Decision(False, f"{ROLE[role]}不能「{ACTIONS.get(action, action)}」")
    return Decision(True, f"{ROLE[role]}（{home}）可以「{ACTIONS.get(action, action)}」{region}")
