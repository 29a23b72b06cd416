"""Regenerate the bundled sample: 示例州, a FICTIONAL prefecture with 8 fictional counties.

Nothing here describes a real place. Codes 9901xx lie outside GB/T 2260 (no province uses
the prefix 99). Figures are plausible county-level values for 2019–2023, built so that the
demo shows every verdict: three counties ready, three not ready on a binding indicator,
one incomplete for missing figures, one incomplete for a figure that needs review.

Run from the repository root:  python examples/make_sample.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

OUT = Path(__file__).parent / "shizhou"
YEARS = range(2019, 2024)
SOURCE = "示例数据（虚构）"

# code, name, terrain, zone, coastal, arid — all fictional
COUNTIES = [
    ("990101", "青岚县", "山区", "西部", False, False),
    ("990102", "云溪县", "丘陵", "西部", False, False),
    ("990103", "望潮县", "平原", "西部", True, False),
    ("990104", "石门县", "山区", "西部", False, False),
    ("990105", "松岭县", "丘陵", "西部", False, False),
    ("990106", "金川县", "山区", "西部", False, False),
    ("990107", "柳河县", "平原", "西部", False, True),
    ("990108", "鹤鸣县", "丘陵", "西部", False, False),
]

# metric: (value in 2019, change per year); a good county's path
NUMBERS = {
    "eco_performance_weight": (20, 1),
    "env_info_disclosure_rate": (100, 0),
    "good_air_days_ratio": (91.0, 0.8),
    "pm25_concentration": (34.0, -1.5),
    "surface_water_class3_ratio": (86.0, 1.5),
    "surface_water_below5_ratio": (4.0, -0.8),
    "black_odorous_elimination_ratio": (80.0, 5.0),
    "eco_index": (63.0, 0.3),
    "forest_grass_coverage": (64.0, 0.4),
    "key_species_protection_rate": (96.0, 0.5),
    "endemic_aquatic_retention_rate": (92.0, 0.5),
    "hazardous_waste_disposal_rate": (100, 0),
    "river_lake_shoreline_protection_rate": (88.0, 1.0),
    "energy_intensity": (0.62, -0.02),
    "water_intensity": (78.0, -3.0),
    "land_use_intensity_decline_rate": (4.8, 0.1),
    "straw_utilization_rate": (89.0, 0.8),
    "manure_utilization_rate": (76.0, 1.2),
    "film_recovery_rate": (80.0, 1.0),
    "industrial_solid_waste_utilization_rate": (78.0, 1.0),
    "drinking_source_quality_ratio": (100, 0),
    "village_drinking_water_qualified_rate": (100, 0),
    "urban_sewage_treatment_rate": (87.0, 1.2),
    "urban_msw_harmless_rate": (94.0, 1.0),
    "rural_sanitary_toilet_rate": (72.0, 3.0),
    "green_building_ratio": (45.0, 3.0),
    "green_procurement_ratio": (82.0, 1.5),
    "cadre_training_ratio": (100, 0),
    "public_satisfaction": (84.0, 1.0),
    "public_participation": (80.0, 1.5),
}
COASTAL_NUMBERS = {
    "coastal_water_good_ratio": (82.0, 1.5),
    "natural_shoreline_retention_rate": (36.0, 0.2),
    "shoreline_restored_length": (2.0, 0.5),
    "coastal_wetland_restored_area": (40.0, 8.0),
}
STATES = {
    "eco_plan": "制定实施",
    "major_task_deployment": "有效开展",
    "river_chief_system": "全面实施",
    "planning_eia_state": "开展",
    "invasive_species": "不明显",
    "soil_risk_list_system": "建立",
    "eco_emergency_mechanism": "建立",
    "eco_redline_status": "符合",
    "protected_areas_status": "符合",
    "msw_sorting_action": "实施",
    "rural_waste_collection": "实施",
}
# targets set by the higher level: this fraction of the way from the county's value,
# on the lenient side, so a good county meets them
ASSIGNED = [
    "good_air_days_ratio", "pm25_concentration", "surface_water_class3_ratio",
    "surface_water_below5_ratio", "black_odorous_elimination_ratio",
    "river_lake_shoreline_protection_rate", "energy_intensity", "water_intensity",
    "rural_sanitary_toilet_rate",
]
COASTAL_ASSIGNED = ["coastal_water_good_ratio", "natural_shoreline_retention_rate",
                    "shoreline_restored_length", "coastal_wetland_restored_area"]
LOWER_IS_BETTER = {"pm25_concentration", "surface_water_below5_ratio", "energy_intensity",
                   "water_intensity"}
BOUNDED = {m for m in NUMBERS if m not in {"pm25_concentration", "energy_intensity",
                                           "water_intensity", "land_use_intensity_decline_rate"}}

# What makes each county differ from the good path: metric → {year: value}
OVERRIDES: dict[str, dict[str, dict[int, float | str | None]]] = {
    # 石门县: sewage treatment stuck below the county target (binding); green building short (reference)
    "990104": {"urban_sewage_treatment_rate": {y: 80.0 + 0.5 * i for i, y in enumerate(YEARS)},
               "green_building_ratio": {y: 38.0 + 2.0 * i for i, y in enumerate(YEARS)}},
    # 松岭县: ecological index falling (binding: ≥55 and not declining); forest cover and green
    # building short (reference) — green building is a weak point 石门县 shares: a prefecture action
    "990105": {"eco_index": {y: 60.0 - 0.6 * i for i, y in enumerate(YEARS)},
               "forest_grass_coverage": {y: 36.0 + 0.3 * i for i, y in enumerate(YEARS)},
               "green_building_ratio": {y: 40.0 + 1.5 * i for i, y in enumerate(YEARS)}},
    # 金川县: the 2023 figures for two binding indicators were never reported
    "990106": {"village_drinking_water_qualified_rate": {2023: None},
               "river_chief_system": {2023: None}},
    # 柳河县 (arid): green procurement short (binding); arid-zone eco index target applies
    "990107": {"green_procurement_ratio": {y: 66.0 + 1.0 * i for i, y in enumerate(YEARS)},
               "eco_index": {y: 41.0 + 0.2 * i for i, y in enumerate(YEARS)},
               "forest_grass_coverage": {y: 37.0 + 0.2 * i for i, y in enumerate(YEARS)}},
    # 鹤鸣县: 2023 waste treatment typed with a slipped decimal point (9.7 for 97): plausible alone, an outlier
    "990108": {"urban_msw_harmless_rate": {2023: 9.7}},
    # 云溪县: hills, forest-grass cover above the 丘陵 target
    "990102": {"forest_grass_coverage": {y: 46.0 + 0.5 * i for i, y in enumerate(YEARS)}},
}


def _series(metric: str, start: float, step: float, rng: random.Random) -> dict[int, float]:
    out = {}
    for i, year in enumerate(YEARS):
        value = start + step * i
        if step:
            value += rng.uniform(-0.15, 0.15) * abs(step)
        if metric in BOUNDED:
            value = min(value, 100.0)
        out[year] = round(value, 2)
    return out


def main() -> None:
    rng = random.Random(20261128)
    OUT.mkdir(exist_ok=True)
    with (OUT / "regions.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "name", "level", "parent", "terrain", "zone", "city_size",
                         "coastal", "arid", "plateau", "grassland"])
        for code, name, terrain, zone, coastal, arid in COUNTIES:
            writer.writerow([code, name, "县", "990100", terrain, zone, "",
                             "是" if coastal else "否", "是" if arid else "否", "否", "否"])
    observations: list[list[object]] = []
    assigned: list[list[object]] = []
    for code, _name, _terrain, _zone, coastal, _arid in COUNTIES:
        numbers = dict(NUMBERS) | (COASTAL_NUMBERS if coastal else {})
        overrides = OVERRIDES.get(code, {})
        for metric, (start, step) in numbers.items():
            series = _series(metric, start, step, rng) | overrides.get(metric, {})
            for year, value in series.items():
                if value is not None:
                    observations.append([code, year, metric, value, SOURCE, ""])
            if metric in ASSIGNED or (coastal and metric in COASTAL_ASSIGNED):
                for year, value in series.items():
                    base = value if value is not None and value > 1 else start
                    lenient = 1.02 if metric in LOWER_IS_BETTER else 0.98
                    assigned.append([code, year, metric, round(float(base) * lenient, 2), "示例：州下达目标（虚构）"])
        for metric, state in STATES.items():
            for year in YEARS:
                value = overrides.get(metric, {}).get(year, state)
                if value is not None:
                    observations.append([code, year, metric, value, SOURCE, ""])
    with (OUT / "observations.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["region", "year", "metric", "value", "source", "note"])
        writer.writerows(observations)
    with (OUT / "assigned.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["region", "year", "metric", "target", "source"])
        writer.writerows(assigned)
    write_selfcheck()
    print(f"{len(COUNTIES)} counties, {len(observations)} figures, {len(assigned)} assigned targets → {OUT}")


# Self-check answers (否决项自查). Every county answers every question, except 望潮县, which has
# left the inspection question open; 云溪县 had a 重大（Ⅱ级） incident in 2022, inside the window.
QUESTIONS = ["major_incident", "major_eco_damage", "inspection_unrectified", "summoned_or_restricted",
             "data_fraud", "public_notice_objection"]
INCIDENTS = [
    ("990102", "2022-07-15", "Ⅱ", "示例河化工厂泄漏事件（虚构）", "示例环应〔2022〕3号"),
    ("990101", "2018-04-02", "Ⅱ", "示例尾矿库渗漏事件（虚构，已超出回溯期）", "示例环应〔2018〕1号"),
    ("990104", "2023-09-09", "Ⅲ", "示例河油污事件（虚构，较大级别不计入）", "示例环应〔2023〕5号"),
]


def write_selfcheck() -> None:
    with (OUT / "vetoes.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["region", "condition", "answer", "document", "date", "note", "file", "override_reason"])
        for code, *_ in COUNTIES:
            for condition in QUESTIONS:
                if code == "990103" and condition == "inspection_unrectified":
                    writer.writerow([code, condition, "不清楚", "", "", "整改销号材料尚在核实（虚构）", "", ""])
                    continue
                if code == "990102" and condition == "major_incident":
                    writer.writerow([code, condition, "是", "示例环应〔2022〕3号", "2022-07-15", "", "", ""])
                    continue
                writer.writerow([code, condition, "否", f"示例自查〔2024〕{code[-2:]}号", "2024-03-01",
                                 "经自查未发现（虚构）", "", ""])
    with (OUT / "incidents.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["region", "date", "grade", "name", "document"])
        writer.writerows(INCIDENTS)


if __name__ == "__main__":
    main()
