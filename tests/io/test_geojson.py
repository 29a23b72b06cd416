"""A user's county boundaries: refused with a located Chinese reason when malformed, matched by code or name."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecozone.errors import InputError
from ecozone.io.geojson import MAX_MAP_BYTES, read_boundaries

REGIONS = {"990104": "石门县", "990105": "松岭县", "990106": "金川县"}
APPROVAL = "GS（2099）0001号"


def square(x: float = 109.0, y: float = 28.0) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + 1, y], [x + 1, y - 1], [x, y - 1], [x, y]]]}


def collection(*features: dict[str, Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False).encode()


def feature(properties: dict[str, Any], geometry: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry or square()}


def test_features_match_by_code_or_by_name_and_only_geometry_and_code_are_kept() -> None:
    data = collection(feature({"adcode": 990104, "name": "石门县", "人口": 12}),
                      feature({"code": "990105000000"}),  # a 12-digit statistical code starts with the county's
                      feature({"name": "金川县"}),
                      feature({"name": "邻县", "adcode": 430000}))
    kept = read_boundaries(data, "县界.geojson", "GS(2099)1号", REGIONS)
    assert kept.matched == ["990104", "990105", "990106"] and kept.unmatched == ["邻县"] and kept.without == []
    assert kept.approval == "GS（2099）1号"  # one way of writing it, whichever brackets were typed
    first = kept.geojson["features"][0]
    assert first["properties"] == {"ecozone_code": "990104", "name": "石门县"}  # 人口 is not kept
    assert kept.geojson["features"][1]["properties"]["name"] == "松岭县"  # named from the store when the file has none


def test_a_region_without_a_feature_is_listed() -> None:
    kept = read_boundaries(collection(feature({"adcode": "990104"})), "a.geojson", APPROVAL, REGIONS)
    assert kept.without == ["990105", "990106"]


@pytest.mark.parametrize(("approval", "said"), [
    ("", "没有填写审图号"), ("2099-1", "审图号「2099-1」格式不对"), ("GS 2099 1", "格式不对")])
def test_a_map_without_a_proper_approval_number_is_refused_before_it_is_read(approval: str, said: str) -> None:
    with pytest.raises(InputError) as caught:
        read_boundaries(b"not even json", "a.geojson", approval, REGIONS)
    assert said in caught.value.message and "字段「审图号」" in caught.value.message
    assert "GS（2024）0650号" in caught.value.message  # what is expected, with an example


@pytest.mark.parametrize(("data", "said"), [
    (b"{", "不是可读的 GeoJSON 文件"),
    ("\ufeff{}".encode("utf-16"), "不是可读的 GeoJSON 文件"),
    (b"[" * 100_000 + b"]" * 100_000, "不是可读的 GeoJSON 文件"),  # nesting deep enough to exhaust a recursive parser
    (json.dumps({"type": "Feature"}).encode(), "最外层不是 FeatureCollection"),
    (collection(), "要素数为 0"),
    (collection(feature({"adcode": "990104"}, {"type": "Point", "coordinates": [109, 28]})), "几何类型为 Point"),
    (collection(feature({"adcode": "990104"}, {"type": "Polygon", "coordinates": [[[500000.0, 3100000.0]] * 4]})),
     "超出经纬度范围"),
    (collection(feature({"adcode": "990104"}, {"type": "Polygon", "coordinates": [[["109", 28]] * 4]})),
     "不是 [经度, 纬度]"),
    (collection(feature({"adcode": "990104"}, {"type": "Polygon", "coordinates": [[]]})), "坐标结构不合"),
    (collection(feature({"adcode": "990104"}, {"type": "Polygon", "coordinates": [[[109, float("nan")]] * 4]})),
     "不是可读的 GeoJSON 文件"),  # NaN is not JSON; Python's parser would take it, ours refuses it as unreadable
    (collection(feature({"adcode": "110101", "name": "东城区"})), "没有一个要素能对应到您权限范围内的地区"),
])
def test_a_malformed_map_is_refused_with_where_and_what(data: bytes, said: str) -> None:
    with pytest.raises(InputError) as caught:
        read_boundaries(data, "县界.geojson", APPROVAL, REGIONS)
    assert said in caught.value.message and "文件 县界.geojson" in caught.value.message


def test_the_feature_at_fault_is_named() -> None:
    data = collection(feature({"adcode": "990104"}), feature({"adcode": "990105"}, {"type": "LineString",
                                                                                   "coordinates": [[109, 28]]}))
    with pytest.raises(InputError) as caught:
        read_boundaries(data, "县界.geojson", APPROVAL, REGIONS)
    assert "features 第 2 个要素" in caught.value.message


def test_a_map_over_the_size_limit_is_refused_unparsed() -> None:
    with pytest.raises(InputError) as caught:
        read_boundaries(b" " * (MAX_MAP_BYTES + 1), "大.geojson", APPROVAL, REGIONS)
    assert "地图文件太大" in caught.value.message
