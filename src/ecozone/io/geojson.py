"""County boundaries as a user supplies them: a GeoJSON FeatureCollection with its 审图号.

A map of China's administrative areas may be published only with a 审图号 from the mapping
authority, so ecozone draws real boundaries only from a file the user brings, and shows that
number under the map. The file is bounded before it is parsed, every coordinate is checked,
and each feature is matched to a region of the user's scope by its code (adcode, code,
区划代码) or, failing that, its name. What is kept is the geometry and the matched code: the
file's other properties are dropped.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from ecozone.errors import InputError, Location

__all__ = ["APPROVAL_EXAMPLE", "MAX_MAP_BYTES", "BoundaryMap", "read_boundaries"]

MAX_MAP_BYTES = 20 * 1024 * 1024
MAX_FEATURES = 5_000
MAX_POINTS = 3_000_000
APPROVAL_EXAMPLE = "GS（2024）0650号 或 湘S（2023）123号"
# 国家 GS(年份)编号号, 省级 简称+S(年份)编号号; either bracket, spaces tolerated
_APPROVAL = re.compile(r"^(GS|[\u4e00-\u9fff]{1,2}S)\s*[（(]\s*(\d{4})\s*[）)]\s*(\d{1,6})\s*号$")
_CODE_KEYS = ("adcode", "code", "区划代码", "行政区划代码", "ADCODE", "CODE", "Code")
_NAME_KEYS = ("name", "名称", "NAME", "Name")
_SHAPES = {"Polygon": 2, "MultiPolygon": 3}
LONGITUDE, LATITUDE = 180.0, 90.0  # the largest absolute degrees  # nesting depth of positions under "coordinates"


@dataclass
class BoundaryMap:
    """The map as kept: the normalised FeatureCollection and what matched."""

    approval: str
    filename: str
    geojson: dict[str, Any]
    matched: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # features that name no region in scope
    without: list[str] = field(default_factory=list)  # regions in scope with no feature

    def to_json(self) -> bytes:
        return json.dumps({"approval": self.approval, "filename": self.filename, "geojson": self.geojson,
                           "matched": self.matched, "unmatched": self.unmatched, "without": self.without},
                          ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes) -> BoundaryMap:
        kept = json.loads(data)
        return cls(kept["approval"], kept["filename"], kept["geojson"], kept["matched"], kept["unmatched"],
                   kept["without"])


def read_boundaries(data: bytes, filename: str, approval: str, regions: dict[str, str]) -> BoundaryMap:
    """Check ``data`` (GeoJSON bytes) against the regions in scope (code → name) and normalise it."""
    where = Location(file=filename)
    number = _approval(approval)
    if len(data) > MAX_MAP_BYTES:
        raise InputError(f"地图文件太大（{len(data) / 1048576:.1f} MB）", where,
                         expected=f"不超过 {MAX_MAP_BYTES // 1048576} MB；可先用 mapshaper 等工具简化边界")
    try:
        document = json.loads(data.decode("utf-8-sig"), parse_constant=_not_json)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(f"不是可读的 GeoJSON 文件（{type(exc).__name__}）", where,
                         expected="UTF-8 编码的 GeoJSON（.geojson 或 .json），类型为 FeatureCollection") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" or not isinstance(
            document.get("features"), list):
        raise InputError("GeoJSON 的最外层不是 FeatureCollection", Location(file=filename, field="type"),
                         expected='{"type": "FeatureCollection", "features": [...]}')
    features = document["features"]
    if not features or len(features) > MAX_FEATURES:
        raise InputError(f"要素数为 {len(features)}", Location(file=filename, field="features"),
                         expected=f"1 至 {MAX_FEATURES} 个县级行政区边界")
    by_name = {name: code for code, name in regions.items()}
    kept: list[dict[str, Any]] = []
    matched: list[str] = []
    unmatched: list[str] = []
    points = 0
    for index, feature in enumerate(features, start=1):
        at = Location(file=filename, field=f"features 第 {index} 个要素")
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in _SHAPES:
            shape = geometry.get("type") if isinstance(geometry, dict) else None
            raise InputError(f"几何类型为 {shape or '空'}", at, expected="Polygon 或 MultiPolygon（县界面要素）")
        points += _check_positions(geometry.get("coordinates"), _SHAPES[geometry["type"]], at)
        if points > MAX_POINTS:
            raise InputError(f"边界点数超过 {MAX_POINTS:,} 个", Location(file=filename),
                             expected="简化后的边界（可用 mapshaper 等工具简化，县级示意图几千个点即可）")
        properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        code, label = _match(properties, regions, by_name)
        if code is None:
            unmatched.append(label or f"第 {index} 个要素")
        elif code not in matched:
            matched.append(code)
        kept.append({"type": "Feature", "properties": {"ecozone_code": code or f"?{index}", "name": label or ""},
                     "geometry": {"type": geometry["type"], "coordinates": geometry["coordinates"]}})
    if not matched:
        raise InputError("没有一个要素能对应到您权限范围内的地区", Location(file=filename, field="properties"),
                         expected="每个要素的 properties 中有 adcode / code / 区划代码（6 位代码）"
                                  f"或 name（与地区名称相同），如 {next(iter(regions), '990104')}")
    without = [code for code in regions if code not in matched]
    return BoundaryMap(number, filename, {"type": "FeatureCollection", "features": kept}, matched, unmatched, without)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")  # NaN and Infinity: Python's parser takes them, JSON has none


def _approval(text: str) -> str:
    found = _APPROVAL.match(text.strip().replace(" ", ""))
    if found is None:
        raise InputError(f"审图号「{text.strip()[:40]}」格式不对" if text.strip() else "没有填写审图号",
                         Location(field="审图号"),
                         expected=f"地图的审图号，如 {APPROVAL_EXAMPLE}；公开使用的地图须经审核并标注审图号")
    return f"{found.group(1)}（{found.group(2)}）{found.group(3)}号"


def _match(properties: dict[str, Any], regions: dict[str, str],
           by_name: dict[str, str]) -> tuple[str | None, str | None]:
    name = next((str(properties[k]) for k in _NAME_KEYS if properties.get(k) not in (None, "")), None)
    for key in _CODE_KEYS:
        value = properties.get(key)
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value or "")
        if text[:6] in regions and len(text) in (6, 9, 12):  # 6 digits, or a longer code that starts with it
            return text[:6], name or regions[text[:6]]
    if name is not None and name in by_name:
        return by_name[name], name
    return None, name


def _check_positions(coordinates: Any, depth: int, at: Location) -> int:
    """Count the positions under ``coordinates``, refusing a malformed or out-of-range one; iterative, so a
    hostile nesting cannot exhaust the stack."""
    count = 0
    stack: list[tuple[Any, int]] = [(coordinates, depth)]
    while stack:
        node, level = stack.pop()
        if not isinstance(node, list) or (level > 0 and not node):
            raise InputError("坐标结构不合 GeoJSON 规范", at, expected="Polygon 为环的数组，环为 [经度, 纬度] 的数组")
        if level == 0:
            if len(node) < 2 or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in node[:2]):
                raise InputError(f"坐标 {str(node)[:40]} 不是 [经度, 纬度]", at,
                                 expected="两个数字，如 [109.48, 27.95]")
            lon, lat = float(node[0]), float(node[1])
            if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= LONGITUDE and abs(lat) <= LATITUDE):
                raise InputError(f"坐标 [{node[0]}, {node[1]}] 超出经纬度范围", at,
                                 expected="WGS84 或 GCJ-02 经纬度（经度 −180～180，纬度 −90～90），不是投影坐标")
            count += 1
            continue
        stack.extend((child, level - 1) for child in node)
    return count
