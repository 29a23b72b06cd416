"""Properties that must hold for any figures, not just the golden ones."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ecozone import load_standard
from ecozone.catalogue import LoadedStandard
from ecozone.catalogue.model import Applicability, Indicator, Provenance, Threshold
from ecozone.dataset import Dataset
from ecozone.engine import assess
from tests.conftest import assigned_frame, observation_frame, profile_frame

STANDARD = load_standard("mee-2019")
RANK = {"not_met": 0, "met": 1}
percent = st.floats(min_value=0, max_value=100, allow_nan=False)


def _status(value: float, terrain: str) -> str:
    region = profile_frame([{"code": "990001", "terrain": terrain}])
    obs = observation_frame({"990001": {"forest_grass_coverage": {2023: value}}})
    result = assess(STANDARD, region, obs, 2023, assigned_frame({}))
    return str(result.indicators.filter(pl.col("indicator_id") == "11")["status"].item())


@settings(max_examples=40, deadline=None)
@given(low=percent, high=percent, terrain=st.sampled_from(["山区", "丘陵", "平原"]))
def test_ge_threshold_is_monotone_in_the_value(low: float, high: float, terrain: str) -> None:
    low, high = sorted((low, high))
    assert RANK[_status(low, terrain)] <= RANK[_status(high, terrain)]


def _with_inland_coastal_indicator(loaded: LoadedStandard) -> LoadedStandard:
    extra = Indicator(
        id="99",
        number=99,
        domain="生态安全",
        name="测试用沿海指标",
        unit="%",
        attribute="binding",
        applies_to=Applicability(requires=("coastal",)),
        target_text="≥50",
        criterion=Threshold(kind="threshold", metric="coastal_water_good_ratio", op=">=", value=50),
        provenance=Provenance(source="测试", confidence="USER", verified=False),
    )
    pack = loaded.standard.model_copy(update={"indicators": (*loaded.standard.indicators, extra)})
    return LoadedStandard(pack, loaded.metrics, "test")


WITH_EXTRA = _with_inland_coastal_indicator(STANDARD)


@settings(max_examples=25, deadline=None)
@given(
    codes=st.lists(st.sampled_from(["990101", "990104", "990105", "990106", "990108"]), min_size=1, unique=True),
    drop=st.lists(st.integers(min_value=0, max_value=2000), max_size=30),
    coastal_value=st.one_of(st.none(), percent),
)
def test_a_not_applicable_indicator_never_changes_a_verdict(
    sample: Dataset, codes: list[str], drop: list[int], coastal_value: float | None
) -> None:
    regions = sample.regions.filter(pl.col("code").is_in(codes))
    obs = sample.observations.filter(pl.col("region").is_in(codes))
    obs = obs.with_row_index("i").filter(~pl.col("i").is_in(drop)).drop("i")
    if coastal_value is not None:  # figures for an indicator that does not apply are ignored
        extra = observation_frame({codes[0]: {"coastal_water_good_ratio": {2023: coastal_value}}})
        obs = pl.concat([obs, extra.select(obs.columns)])
    year = max(obs["year"].to_list())
    before = assess(STANDARD, regions, obs, year, sample.assigned)
    after = assess(WITH_EXTRA, regions, obs, year, sample.assigned)
    assert before.regions["verdict"].to_list() == after.regions["verdict"].to_list()
    statuses = after.indicators.filter(pl.col("indicator_id") == "99")["status"].unique().to_list()
    assert statuses == ["not_applicable"]


@settings(max_examples=25, deadline=None)
@given(drop=st.lists(st.integers(min_value=0, max_value=1700), min_size=1, max_size=200))
def test_missing_data_is_never_met(sample: Dataset, drop: list[int]) -> None:
    obs = sample.observations.with_row_index("i").filter(~pl.col("i").is_in(drop)).drop("i")
    result = assess(STANDARD, sample.regions, obs, 2023, sample.assigned)
    present = obs.filter(pl.col("year") == 2023).select("region", "metric").unique()
    met = result.items.filter(pl.col("status") == "met").select("region", "unit_id")
    # every met unit must have its figures for the judged year
    needed = (
        result.items.select("region", "unit_id")
        .join(_unit_metrics(), on="unit_id")
        .join(met, on=["region", "unit_id"], how="semi")
    )
    lacking = needed.join(present, on=["region", "metric"], how="anti")
    # a met "any" may rest on one branch; only single-metric units must have their figure
    single = _unit_metrics().group_by("unit_id").agg(pl.col("metric").n_unique().alias("n")).filter(pl.col("n") == 1)
    assert lacking.join(single, on="unit_id", how="semi").height == 0
    gated_missing = result.indicators.filter(pl.col("gates") & (pl.col("status") == "missing"))["region"]
    verdicts = result.regions.filter(pl.col("region").is_in(gated_missing.implode()))["verdict"]
    assert verdicts.is_in(["not_ready", "incomplete"]).all()


def _unit_metrics() -> pl.DataFrame:
    from ecozone.engine.criteria import compile_standard

    compiled = compile_standard(STANDARD)
    return compiled.leaves.join(compiled.units, on="_u").select("unit_id", "metric").unique()
