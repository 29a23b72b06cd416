"""The region register: the vendored code list, zones by province, and codes that change over time."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from ecozone.errors import InputError
from ecozone.regions.register import (
    CODE_CHANGES_SCHEMA,
    _check_changes,
    code_changes,
    fill_zones,
    follow_code_changes,
    load_register,
    register_source,
    unknown_codes,
    zone_of_province,
)


def test_the_register_holds_what_its_source_says() -> None:
    register = load_register()
    counts = dict(register.group_by("kind").len().iter_rows())
    assert counts == register_source()["counts"]
    assert register["code"].is_unique().all() and register["code"].str.contains(r"^\d{6}$").all()
    parents = set(register["code"].to_list())
    orphans = register.filter(pl.col("parent").is_not_null() & ~pl.col("parent").is_in(list(parents)))
    assert orphans.height == 0
    assert register.filter(pl.col("code") == "520000")["name"][0] == "贵州省"
    # a county directly under a province (湖北 仙桃市) hangs from the province
    assert register.filter(pl.col("code") == "429004").select("level", "parent").row(0) == ("县", "420000")


def test_every_province_has_a_zone_and_the_grouping_is_the_three_belt_one() -> None:
    provinces = load_register().filter(pl.col("level") == "省")
    assert provinces["zone"].null_count() == 0
    assert (zone_of_province("520102"), zone_of_province("210000"), zone_of_province("230100")) == \
        ("西部", "东部", "中部")
    assert dict(provinces.group_by("zone").len().iter_rows()) == {"东部": 11, "中部": 8, "西部": 12}
    assert zone_of_province("710000") is None  # 台湾 is not in the register's 31


def test_a_blank_zone_is_taken_from_the_province_and_a_given_one_kept() -> None:
    profiles = pl.DataFrame({"code": ["520102", "210102", "110101"], "zone": [None, None, "西部"]})
    assert fill_zones(profiles)["zone"].to_list() == ["西部", "东部", "西部"]


def _changes(rows: list[tuple[str, str]]) -> pl.DataFrame:
    return pl.DataFrame([{"old_code": a, "new_code": b, "effective": dt.date(2019, 1, 9), "kind": "merge",
                          "old_name": None, "new_name": None, "source": "测试", "verified": False} for a, b in rows],
                        schema=CODE_CHANGES_SCHEMA)


def _series(code: str, years: range, metric: str = "forest_grass_coverage") -> pl.DataFrame:
    return pl.DataFrame({"region": [code] * len(years), "year": list(years), "metric": [metric] * len(years),
                         "value": [60.0 + i for i in range(len(years))]})


def test_a_ten_year_series_follows_its_county_to_the_new_code() -> None:
    before = _series("371202", range(2014, 2019))  # 莱芜市莱城区, before the 2019 merge
    after = _series("370116", range(2019, 2024))   # 济南市莱芜区
    followed = follow_code_changes(pl.concat([before, after]))
    assert followed["region"].unique().to_list() == ["370116"]
    assert followed.sort("year")["year"].to_list() == list(range(2014, 2024))
    assert unknown_codes(pl.concat([before, after])["region"]) == []


def test_chains_are_followed_and_clashes_are_refused() -> None:
    chained = follow_code_changes(_series("000001", range(2014, 2016)), _changes([("000001", "000002"),
                                                                                  ("000002", "000003")]))
    assert chained["region"].unique().to_list() == ["000003"]
    both = pl.concat([_series("000001", range(2020, 2022)), _series("000002", range(2020, 2022))])
    with pytest.raises(InputError) as caught:
        follow_code_changes(both, _changes([("000001", "000003"), ("000002", "000003")]))
    assert "000003 2020" in caught.value.message and "000001" in caught.value.message
    with pytest.raises(InputError, match="成环"):
        _check_changes(_changes([("000001", "000002"), ("000002", "000001")]), "测试.csv")


def test_codes_outside_the_register_are_reported() -> None:
    assert unknown_codes(pl.Series(["520102", "999999", "371202"])) == ["999999"]


def test_the_shipped_code_changes_lead_to_registered_counties() -> None:
    changes = code_changes()
    register = load_register()
    assert changes.height > 200  # 2014–2023: every county whose code changed and whose successor is named after it
    assert changes["new_code"].is_in(register["code"].implode()).all()
    assert not changes["old_code"].is_in(register["code"].implode()).any()  # an old code is no current code
    assert set(changes["kind"].unique().to_list()) <= {"rename", "successor", "merge"}


@pytest.mark.parametrize(("old", "new", "name"), [
    ("110228", "110118", "密云区"),   # 密云县 → 密云区 (2015)
    ("510124", "510117", "郫都区"),   # 郫县 → 郫都区 (2016): a successor with a longer name
    ("542623", "540481", "米林市"),   # 米林县: code changed twice (2015 地区 → 林芝市, 2023 县 → 市); the chain ends
])
def test_a_decade_of_figures_under_old_codes_follows_the_county(old: str, new: str, name: str) -> None:
    series = pl.concat([_series(old, range(2014, 2017)), _series(new, range(2017, 2024))])
    followed = follow_code_changes(series)
    assert followed["region"].unique().to_list() == [new]
    assert followed["year"].sort().to_list() == list(range(2014, 2024))
    assert load_register().filter(pl.col("code") == new)["name"][0] == name
