"""Golden cases: region profile + figures → expected status per indicator and verdict.

The cases live in ``tests/cases/*.yaml`` so that someone who knows the standards, not the
code, can read and extend them (the OpenFisca way). Each case may start from a county of
the bundled sample (``from_sample``) and change only what it is about.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from ecozone import load_standard
from ecozone.dataset import Dataset
from ecozone.engine import Assessment, assess
from tests.conftest import assigned_frame, observation_frame, profile_frame

CASES = Path(__file__).resolve().parents[1] / "cases"
CODE = "990999"


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in doc["cases"]:
            standard = case.get("standard", doc["standard"])
            params.append(pytest.param(standard, case, id=f"{path.stem}: {case['name']}"))
    return params


def _from_sample(sample: Dataset, code: str) -> tuple[dict[str, Any], pl.DataFrame, pl.DataFrame]:
    region = sample.regions.filter(pl.col("code") == code).row(0, named=True)
    obs = sample.observations.filter(pl.col("region") == code).with_columns(region=pl.lit(CODE))
    assert sample.assigned is not None
    given = sample.assigned.filter(pl.col("region") == code).with_columns(region=pl.lit(CODE))
    return {**region, "code": CODE}, obs, given


def _overlay(base: pl.DataFrame, extra: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Replace base rows by extra rows with the same keys; a None figure deletes the row."""
    if extra.height == 0:
        return base
    kept = base.join(extra.select(keys), on=keys, how="anti")
    return pl.concat([kept, extra.select(base.columns)], how="vertical_relaxed")


def _deleted(figures: dict[str, dict[int, Any]]) -> pl.DataFrame:
    rows = [{"metric": m, "year": int(y)} for m, by_year in figures.items() for y, v in by_year.items() if v is None]
    return pl.DataFrame(rows, schema={"metric": pl.String, "year": pl.Int32})


def run_case(case: dict[str, Any], standard_id: str, sample: Dataset) -> Assessment:
    figures = case.get("figures", {})
    targets = case.get("assigned", {})
    if "from_sample" in case:
        profile, obs, given = _from_sample(sample, case["from_sample"])
        profile.update(case.get("region", {}))
        obs = _overlay(obs, observation_frame({CODE: figures}), ["region", "year", "metric"])
        obs = obs.join(_deleted(figures), on=["metric", "year"], how="anti")
        given = _overlay(given, assigned_frame({CODE: targets}), ["region", "year", "metric"])
    else:
        profile = {"code": CODE, **case.get("region", {})}
        obs = observation_frame({CODE: figures})
        given = assigned_frame({CODE: targets})
    return assess(load_standard(standard_id), profile_frame([profile]), obs, case.get("year", 2023), given)


@pytest.mark.parametrize(("standard_id", "case"), _load_cases())
def test_golden_case(standard_id: str, case: dict[str, Any], sample: Dataset) -> None:
    result = run_case(case, standard_id, sample)
    expect = case["expect"]
    indicators = {r["indicator_id"]: r for r in result.indicators.iter_rows(named=True)}
    items = {r["item_id"]: r for r in result.items.iter_rows(named=True) if r["item_id"]}
    for indicator_id, status in expect.get("indicators", {}).items():
        row = indicators[str(indicator_id)]
        assert row["status"] == status, f"指标 {indicator_id}: {row['explanation']}"
    for item_id, status in expect.get("items", {}).items():
        row = items[str(item_id)]
        assert row["status"] == status, f"分项 {item_id}: {row['explanation']}"
    for indicator_id, target in expect.get("targets", {}).items():
        assert indicators[str(indicator_id)]["target_value"] == pytest.approx(target)
    for indicator_id, basis in expect.get("basis", {}).items():
        assert indicators[str(indicator_id)]["target_basis"] == basis
    for indicator_id, gap in expect.get("gaps", {}).items():
        assert indicators[str(indicator_id)]["gap"] == pytest.approx(gap)
    for indicator_id, fragment in expect.get("explains", {}).items():
        assert fragment in indicators[str(indicator_id)]["explanation"]
    for indicator_id, fragment in expect.get("explains_once", {}).items():
        assert indicators[str(indicator_id)]["explanation"].count(fragment) == 1, indicators[str(indicator_id)]
    region = result.regions.row(0, named=True)
    if "verdict" in expect:
        assert region["verdict"] == expect["verdict"], region["reasons"]
    for code in expect.get("reasons", []):
        assert code in [r["code"] for r in region["reasons"]], region["reasons"]
