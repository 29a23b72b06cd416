"""Trends, weak points, plans: golden trend classes, properties, and the sample's plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ecozone import load_standard
from ecozone.dataset import Dataset
from ecozone.engine import assess
from ecozone.engine.plan import plan
from ecozone.engine.trend import classify_trends
from ecozone.engine.weakpoints import outlook
from tests.engine.test_properties import WITH_EXTRA

PARAMS = load_standard("mee-2019").standard.parameters.outlook
TRENDS = Path(__file__).resolve().parents[1] / "cases" / "outlook" / "trends.yaml"
CASES = yaml.safe_load(TRENDS.read_text(encoding="utf-8"))


def _classify(series: dict[int, float], target: float | None, sign: float = 1.0, method: str = "linear",
              bounded: bool = True) -> dict[str, Any]:
    units = pl.DataFrame({"region": ["990001"], "unit_id": ["1"], "metric": ["m"], "target": [target],
                          "sign": [sign], "bounded": [bounded], "method": [method]},
                         schema_overrides={"target": pl.Float64})
    observations = pl.DataFrame({"region": "990001", "metric": "m", "year": list(series),
                                 "value": [float(v) for v in series.values()]},
                                schema_overrides={"year": pl.Int32})
    return classify_trends(units, observations, 2023, PARAMS).row(0, named=True)


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["name"] for c in CASES["cases"]])
def test_trend_class(case: dict[str, Any]) -> None:
    row = _classify(case["series"], case.get("target"), case.get("sign", 1.0), case.get("method", "linear"),
                    case.get("bounded", True))
    expect = case["expect"]
    assert row["trend_class"] == expect["class"], row
    if "projected_year" in expect:
        assert row["projected_year"] == expect["projected_year"], row
    if "points" in expect:
        assert row["n_points"] == expect["points"]


series_values = st.lists(st.floats(min_value=1, max_value=99, allow_nan=False), min_size=3, max_size=8)


@settings(max_examples=60, deadline=None)
@given(values=series_values, sign=st.sampled_from([1.0, -1.0]), method=st.sampled_from(["linear", "cagr"]))
def test_a_series_already_at_target_is_never_moving_away(values: list[float], sign: float, method: str) -> None:
    target = values[-1] - sign * 0.5  # the last value beats the target by half a unit
    row = _classify(dict(zip(range(2024 - len(values), 2024), values, strict=True)), target, sign, method)
    assert row["trend_class"] == "achieved"


@settings(max_examples=60, deadline=None)
@given(values=series_values, target=st.floats(min_value=1, max_value=99), sign=st.sampled_from([1.0, -1.0]),
       method=st.sampled_from(["linear", "cagr"]))
def test_the_projected_year_is_never_before_the_last_observation(values: list[float], target: float, sign: float,
                                                                  method: str) -> None:
    row = _classify(dict(zip(range(2024 - len(values), 2024), values, strict=True)), target, sign, method)
    if row["projected_year"] is not None:
        assert row["projected_year"] >= row["last_year"]
    if row["trend_class"] == "moving_away":
        assert row["projected_year"] is None


def test_adding_a_not_applicable_indicator_never_changes_a_plan(sample: Dataset) -> None:
    plans = []
    for standard in (load_standard("mee-2019"), WITH_EXTRA):
        result = assess(standard, sample.regions, sample.observations, 2023, sample.assigned)
        plans.append(plan(outlook(result, sample.observations)).drop("priority"))
    assert plans[0].equals(plans[1])


def test_weak_points_rank_binding_before_reference_before_risks(sample: Dataset) -> None:
    result = assess(load_standard("mee-2019"), sample.regions, sample.observations, 2023, sample.assigned)
    weak = outlook(result, sample.observations).weak_points.filter(pl.col("region") == "990105")
    classes = weak["weak_class"].to_list()
    assert classes[:3] == ["binding_not_met", "reference_not_met", "reference_not_met"]
    assert weak["unit_id"].to_list()[:1] == ["10"] and weak["rank"].to_list() == list(range(1, weak.height + 1))
    order = {"binding_not_met": 0, "binding_missing": 1, "reference_not_met": 2, "risk_margin": 3, "risk_trend": 4}
    assert [order[c] for c in classes] == sorted(order[c] for c in classes)


def test_plan_on_the_sample_with_a_cap(sample: Dataset) -> None:
    result = assess(load_standard("mee-2019"), sample.regions, sample.observations, 2023, sample.assigned)
    view = outlook(result, sample.observations)
    free = plan(view).filter(pl.col("plan_status") == "planned")
    capped = plan(view, cap=1).filter(pl.col("plan_status") == "planned")
    assert free["planned_year"].value_counts()["count"].max() >= 1
    assert capped["planned_year"].value_counts()["count"].max() == 1  # never more than the cap a year
    shimen = plan(view).filter(pl.col("region") == "990104").row(0, named=True)
    assert shimen["plan_status"] == "planned" and shimen["planned_year"] == 2030  # 82→85 at +0.5 a year
    songling = plan(view).filter(pl.col("region") == "990105").row(0, named=True)
    assert songling["plan_status"] == "cannot_plan" and "变差" in songling["reason"]


def test_domain_scores_follow_the_tables_order_every_time(sample: Dataset) -> None:
    """Each region's scores by domain are listed in the order the standard's table gives the domains, so the same
    figures give the same JSON and report byte for byte (hash grouping listed them in a new order on each run)."""
    standard = load_standard("mee-2019")
    table_order = list(dict.fromkeys(i.domain for i in standard.standard.indicators))
    result = assess(standard, sample.regions, sample.observations, 2023, sample.assigned)
    for _ in range(5):
        scores = outlook(result, sample.observations).scores
        for row in scores.iter_rows(named=True):
            listed = [d["domain"] for d in row["by_domain"]]
            assert listed == [d for d in table_order if d in listed], row["region"]
