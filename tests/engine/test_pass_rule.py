"""The pack's pass rule: a minimum share of reference indicators, when a source gives one."""

from __future__ import annotations

import polars as pl

from ecozone import load_standard
from ecozone.catalogue import LoadedStandard
from ecozone.catalogue.model import PassRule
from ecozone.dataset import Dataset
from ecozone.engine import assess


def _with_share(share: float) -> LoadedStandard:
    loaded = load_standard("mee-2019")
    pack = loaded.standard.model_copy(update={"pass_rule": PassRule(reference_min_share=share)})
    return LoadedStandard(pack, loaded.metrics, "test")


def _verdict(standard: LoadedStandard, sample: Dataset, code: str, drop: list[str] | None = None) -> dict:
    regions = sample.regions.filter(pl.col("code") == code)
    obs = sample.observations.filter(pl.col("region") == code)
    if drop:
        obs = obs.filter(~((pl.col("metric").is_in(drop)) & (pl.col("year") == 2023)))
    result = assess(standard, regions, obs, 2023, sample.assigned)
    return result.regions.row(0, named=True)


def test_a_reference_share_turns_a_reference_shortfall_into_not_ready(sample: Dataset) -> None:
    # 云溪县 meets everything; set its satisfaction below target: one reference indicator short
    regions = sample.regions.filter(pl.col("code") == "990102")
    obs = sample.observations.filter(pl.col("region") == "990102").with_columns(
        value=pl.when((pl.col("metric") == "public_satisfaction") & (pl.col("year") == 2023))
        .then(70.0).otherwise(pl.col("value"))
    )
    lenient = assess(load_standard("mee-2019"), regions, obs, 2023, sample.assigned).regions.row(0, named=True)
    strict = assess(_with_share(1.0), regions, obs, 2023, sample.assigned).regions.row(0, named=True)
    assert lenient["verdict"] == "ready"
    assert strict["verdict"] == "not_ready"
    assert "reference_share" in [r["code"] for r in strict["reasons"]]


def test_undecided_reference_data_leaves_the_share_open(sample: Dataset) -> None:
    row = _verdict(_with_share(1.0), sample, "990101", drop=["public_satisfaction"])
    assert row["verdict"] == "incomplete"


def test_a_share_that_is_met_keeps_ready(sample: Dataset) -> None:
    assert _verdict(_with_share(0.8), sample, "990101")["verdict"] == "ready"
