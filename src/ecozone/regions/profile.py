"""The vocabulary of a region profile.

A profile row describes one place: its GB/T 2260 code, its level, and the attributes the
standards use to pick a target (terrain, zone, city size) or to decide whether an
indicator applies at all (coastal, grassland, …). Packs may only name values from here,
so a typo in a pack (``terrain: 高原``) is caught when the pack loads.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

Level = Literal["市", "县"]
Terrain = Literal["山区", "丘陵", "平原"]
Zone = Literal["东部", "中部", "西部"]
CitySize = Literal["超大城市", "特大城市", "大城市", "中小城市"]
Flag = Literal[
    "coastal",
    "arid",
    "plateau",
    "grassland",
    "contaminated_farmland",
    "rural_black_odorous_water",
]

LEVELS: Final[tuple[str, ...]] = get_args(Level)
"""市 = 地级市 and above; 县 = 县, 县级市 and 区 (the 2019 table's 适用范围 uses these two)."""

TERRAINS: Final[tuple[str, ...]] = get_args(Terrain)
ZONES: Final[tuple[str, ...]] = get_args(Zone)
CITY_SIZES: Final[tuple[str, ...]] = get_args(CitySize)

FLAGS: Final[dict[str, str]] = {  # keys are exactly get_args(Flag)
    "coastal": "沿海",
    "arid": "干旱半干旱地区",
    "plateau": "青藏高原地区",
    "grassland": "草原地区",
    "contaminated_farmland": "有受污染耕地",
    "rural_black_odorous_water": "有纳入清单的较大面积农村黑臭水体",
}
"""Yes/no attributes of a place, with their Chinese names (column name → label)."""

ENUM_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "level": LEVELS,
    "terrain": TERRAINS,
    "zone": ZONES,
    "city_size": CITY_SIZES,
}

ENUM_LABELS: Final[dict[str, str]] = {
    "level": "级别",
    "terrain": "地形",
    "zone": "区域",
    "city_size": "城市规模",
}

PROFILE_COLUMNS: Final = ("code", "name", "level", "parent", "terrain", "zone", "city_size", *FLAGS)

assert tuple(FLAGS) == get_args(Flag)
