"""The judgement defects (tests/fixtures/defects, copied from shared/defects with its README), each run
through the installed CLI as a user runs it, each giving what a user expects."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import run
from tests.conftest import FIXTURES

DEFECTS = FIXTURES / "defects"


def _json(*args: str) -> dict[str, Any]:
    result = run(*args, "--standard", "mee-2019", "--format", "json")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _units(region: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every indicator and sub-item of a region by id."""
    found = {}
    for indicator in region["indicators"]:
        found[indicator["id"]] = indicator
        for item in indicator.get("items") or []:
            found[item["id"]] = item
    return found


def _regions(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["code"]: r for r in document["regions"]}


@pytest.mark.parametrize("folder", ["b1-crash-zero-slope", "b1-crash-zero-slope-b"])
def test_b1_a_flat_series_never_crashes_a_command(folder: str, tmp_path: Path) -> None:
    path = str(DEFECTS / folder)
    for command in (["assess"], ["weakpoints"], ["board"], ["plan"]):
        result = run(*command, path, "--standard", "mee-2019", "--format", "json")
        assert result.returncode == 0 and "Traceback" not in result.stderr, (command, result.stderr)
    reported = run("report", path, "--standard", "mee-2019", "--format", "html", "-o", str(tmp_path))
    assert reported.returncode == 0, reported.stderr
    flat = [u for r in _json("assess", path)["regions"] for u in _units(r).values()
            if u.get("trend") and u["trend"]["slope"] == 0]
    assert flat, "the flat series is judged"
    for unit in flat:  # flat: stagnation or limited progress, and no target year
        assert unit["trend"]["class"] in ("stagnation", "limited", "achieved", "insufficient_data")
        assert unit["trend"]["projected_year"] is None or unit["trend"]["class"] == "achieved"


def test_b2_a_declared_yes_stands_and_the_disagreement_is_shown() -> None:
    document = _json("selfcheck", str(DEFECTS / "b2-derived-yes-dropped"), "--accept-warnings")
    qinglan = _regions(document)["990101"]
    assert qinglan["verdict"] == "vetoed"
    plan = next(v for v in qinglan["vetoes"] if v["id"] == "plan_in_force")
    assert plan["answer"] == "yes" and plan["derived_answer"] == "no" and not plan["derived"]
    assert "自查回答为是" in plan["discrepancy"] and "数据推算为否" in plan["discrepancy"]
    assert any(r["code"] == "veto_discrepancy" and "待核实" in r["message"] for r in qinglan["reasons"])


@pytest.mark.parametrize("mode", ["apply", "monitor"])
def test_b3_a_missing_base_year_cannot_be_judged_as_a_decline(mode: str) -> None:
    path = str(DEFECTS / "b3-decline-without-base")
    region = _json("selfcheck", path, "--mode", mode, "--year", "2023")["regions"][0]
    decline = next(v for v in region["vetoes"] if v["id"] == "quality_decline")
    assert decline["answer"] == "unknown" and decline["triggered_by"] is None
    assert not any(r["code"] in ("monitor_warning", "veto_warning") for r in region["reasons"])
    air = _units(_json("assess", path, "--year", "2023")["regions"][0])["7.1"]
    assert air["status"] == "missing"  # the indicator says the same: no base year, no judgement


def test_b4_a_tie_at_the_stability_tolerance_is_judged_alike_whatever_the_scale() -> None:
    regions = _regions(_json("assess", str(DEFECTS / "b4-trend-tie"), "--year", "2023"))
    statuses = {code: _units(r)["7.1"]["status"] for code, r in regions.items()}
    assert statuses == {"990001": "met", "990002": "met"}  # exactly −0.5 %/yr is "not worse than −0.5"


def test_b5_exactly_five_times_is_not_more_than_five_times() -> None:
    regions = _regions(_json("assess", str(DEFECTS / "b5-outlier-tie"), "--year", "2023"))
    statuses = {code: _units(r)["14"]["status"] for code, r in regions.items()}
    assert statuses == {"990001": "not_met", "990002": "not_met"}  # judged, not 待核实, both alike


def test_b6_zero_and_sign_changes_are_never_suspicious() -> None:
    regions = _regions(_json("assess", str(DEFECTS / "b6-zero-outlier"), "--year", "2023"))
    assert _units(regions["990001"])["8.2"]["status"] == "met"  # 劣Ⅴ类 falling to 0 %: the goal
    assert _units(regions["990002"])["3"]["status"] == "not_met"  # 0 % share: judged, not "suspicious"
    assert _units(regions["990003"])["22"]["status"] == "met"  # history through 0 and back
    assert all(u["status"] != "needs_review" for r in regions.values() for u in _units(r).values())


def test_b7_an_ill_formed_comma_is_a_located_error() -> None:
    result = run("assess", str(DEFECTS / "b7-comma"), "--standard", "mee-2019")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "第 2 行" in result.stderr and "「0,85」中的逗号无法判断是千分位还是小数点" in result.stderr
    assert "另有 2 行" in result.stderr


def test_b8_a_slip_in_the_base_year_is_caught_like_one_in_the_judged_year() -> None:
    regions = _regions(_json("assess", str(DEFECTS / "b8-base-year-slip"), "--year", "2023"))
    slipped = _units(regions["990001"])["7.1"]
    assert slipped["status"] == "needs_review" and "9.2%与90%之间" in slipped["explanation"]
    assert _units(regions["990002"])["7.1"]["status"] == "not_met"  # a real decline stays a decline


def test_b9_chinese_text_only_with_enough_digits() -> None:
    path = str(DEFECTS / "b9-nan-text")
    document = _json("assess", path, "--year", "2023")
    texts = [u["explanation"] for r in document["regions"] for u in _units(r).values()]
    texts += [x["message"] for r in document["regions"] for x in r["reasons"]]
    assert not any("NaN" in t or "nan" in t or "inf" in t for t in texts)
    assert not any(re.search(r"[a-z]+_[a-z_]+", t) for t in texts), "a metric id in a Chinese text"
    assert "年均变化0%" in _units(document["regions"][0])["8.2"]["explanation"]
    monitor = _json("selfcheck", path, "--mode", "monitor", "--year", "2023")
    assert not any("一票否决" in x["message"] for r in monitor["regions"] for x in r["reasons"])


def test_b9_a_value_that_misses_by_a_hair_is_printed_with_its_digits(tmp_path: Path) -> None:
    folder = tmp_path / "hair"
    shutil.copytree(DEFECTS / "b4-trend-tie", folder)
    (folder / "observations.csv").write_text(
        "region,year,metric,value\n990001,2023,forest_grass_coverage,59.9951\n", encoding="utf-8")
    (folder / "assigned.csv").unlink()
    region = _json("assess", str(folder), "--year", "2023")["regions"][0]
    forest = _units(region)["11"]
    assert forest["status"] == "not_met" and "59.9951%" in forest["explanation"]


def test_b10_a_window_of_three_years_is_exactly_three_years(tmp_path: Path) -> None:
    path = str(DEFECTS / "b10-window-edge")
    regions = _regions(_json("selfcheck", path, "--year", "2023", "--as-of", "2024-12-31"))
    for code in ("990001", "990002"):  # 2021-12-31 and 2021-12-30: before the three years
        incident = next(v for v in regions[code]["vetoes"] if v["id"] == "major_incident")
        assert incident["triggered_by"] is None and regions[code]["verdict"] != "vetoed"
    folder = tmp_path / "inside"
    shutil.copytree(DEFECTS / "b10-window-edge", folder)
    (folder / "incidents.csv").write_text("region,date,grade,name,document\n990001,2022-01-01,Ⅱ,事件甲,文号\n",
                                          encoding="utf-8")
    inside = _regions(_json("selfcheck", str(folder), "--year", "2023", "--as-of", "2024-12-31"))["990001"]
    assert inside["verdict"] == "vetoed"  # the first day of the three years counts


def test_b6_reaching_the_best_value_is_never_suspicious(tmp_path: Path) -> None:
    """15 % for three years, then 100 % (the goal of a share): met; then 99 %, 6.6 times: still 待核实."""
    folder = tmp_path / "goal"
    shutil.copytree(DEFECTS / "b5-outlier-tie", folder)
    rows = ["region,year,metric,value"] + [f"{code},{year},hazardous_waste_disposal_rate,15"
                                           for code in ("990001", "990002") for year in (2020, 2021, 2022)]
    rows += ["990001,2023,hazardous_waste_disposal_rate,100", "990002,2023,hazardous_waste_disposal_rate,99"]
    (folder / "observations.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    regions = _regions(_json("assess", str(folder), "--year", "2023"))
    assert _units(regions["990001"])["14"]["status"] == "met"
    assert _units(regions["990002"])["14"]["status"] == "needs_review"
