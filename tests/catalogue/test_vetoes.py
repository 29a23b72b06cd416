"""Veto catalogues: the shipped ones load and say what they do not know; bad ones are located."""

from __future__ import annotations

import pytest

from ecozone import list_standards, load_standard
from ecozone.catalogue.vetoes import list_veto_catalogues, load_veto_catalogue
from ecozone.errors import PackError
from tests.conftest import FIXTURES


def test_shipped_catalogues_cover_rules_section_3() -> None:
    assert set(list_veto_catalogues()) == {"mgmt-2019", "mgmt-2024", "mgmt-2025"}
    common = {"major_incident", "major_eco_damage", "inspection_unrectified", "summoned_or_restricted",
              "quality_target_missed", "quality_decline", "indicator_rebound", "rectification_failed", "data_fraud",
              "public_notice_objection"}
    expected = {"mgmt-2019": common | {"plan_in_force"},
                # rules.md §7: the 2021 application conditions add 指示批示 整改不力 (INF for 2024 on)
                "mgmt-2024": common | {"plan_in_force", "instruction_unrectified"},
                # the 2025 revision no longer asks for a plan (SEC; the condition void: INF)
                "mgmt-2025": common | {"instruction_unrectified"}}
    for catalogue_id in list_veto_catalogues():
        catalogue = load_veto_catalogue(catalogue_id)
        assert {c.id for c in catalogue.conditions} == expected[catalogue_id]
        assert not any(c.provenance.verified for c in catalogue.conditions)  # none checked against the text


def test_the_2024_catalogue_reads_the_2021_conditions_as_seen_in_chinese() -> None:
    catalogue = load_veto_catalogue("mgmt-2024")
    assert "重大生态环境问题" in catalogue.condition("inspection_unrectified").wording
    assert catalogue.condition("summoned_or_restricted").wording.startswith("因重特大突发环境事件负有责任")
    incident = catalogue.condition("major_incident")  # an incident alone warns before applying; it blocks no more
    assert not set(incident.effects.apply) & set(catalogue.parameters.blocking_effects)


def test_unknown_windows_stay_unknown_and_show_the_assumption() -> None:
    incident = load_veto_catalogue("mgmt-2019").condition("major_incident")
    assert incident.window_years is None and incident.assumed_window_years == 3
    assert incident.window_text() == "原文未规定，按近3年（假定）"
    assert load_veto_catalogue("mgmt-2019").condition("summoned_or_restricted").window_text() == "近3年"


def test_each_pack_names_its_catalogue() -> None:
    named = {s: load_standard(s).standard.veto_catalogue for s in list_standards()}
    assert named == {"mee-2019": "mgmt-2019", "mee-2024-city": "mgmt-2024", "mee-2016-county": None}


@pytest.mark.parametrize(("name", "fragment", "line"), [
    ("unknown_metric.yaml", "未知的统计量「good_air_days」", 9),
    ("incidents_without_window.yaml", "assumed_window_years", 6),
])
def test_bad_catalogues_are_located(name: str, fragment: str, line: int) -> None:
    with pytest.raises(PackError) as caught:
        load_veto_catalogue(str(FIXTURES / "bad" / "vetoes" / name))
    assert fragment in caught.value.message and caught.value.location.line == line
