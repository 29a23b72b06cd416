"""The shipped packs: they load, they say what they cover, and they never claim more."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ecozone import list_standards, load_standard
from ecozone.catalogue import load_metrics, load_standard_file
from ecozone.catalogue.library import find_pack
from ecozone.catalogue.load import _leaves_of_indicator

SRC = Path(__file__).resolve().parents[2] / "src" / "ecozone"


def test_three_packs_ship() -> None:
    assert set(list_standards()) >= {"mee-2019", "mee-2024-city", "mee-2016-county"}


@pytest.mark.parametrize("standard_id", list_standards())
def test_every_pack_loads_with_a_stable_hash(standard_id: str) -> None:
    first = load_standard(standard_id)
    again = load_standard_file(find_pack(standard_id).path)  # bypass the cache: a fresh parse
    assert first.hash == again.hash and first.hash.startswith("sha256:")


def test_mee_2019_has_40_indicators_with_their_sub_items() -> None:
    pack = load_standard("mee-2019").standard
    assert [i.number for i in pack.indicators] == list(range(1, 41))
    items = {i.id: [s.id for s in i.items] for i in pack.indicators if i.items}
    assert items == {
        "7": ["7.1", "7.2"], "8": ["8.1", "8.2", "8.3"], "12": ["12.1", "12.2", "12.3"],
        "13": ["13.1", "13.2"], "17": ["17.1", "17.2"], "25": ["25.1", "25.2", "25.3"],
        "34": ["34.1", "34.2"], "35": ["35.1", "35.2", "35.3"],
    }
    attributes = [i.attribute for i in pack.indicators]
    assert attributes.count("binding") + attributes.count("reference") == 40
    # 适用范围: 市-only and 县-only rows as published
    only = {i.id: i.applies_to.levels for i in pack.indicators if len(i.applies_to.levels) == 1}
    assert only == {"23": ("市",), "24": ("市",), "31": ("市",), "35": ("市",), "36": ("市",),
                    "25": ("县",), "28": ("县",), "32": ("县",)}


def test_mee_2019_marks_unverified_rows() -> None:
    pack = load_standard("mee-2019").standard
    # only row 1's target was seen in a public copy; every other row is an unverified transcription
    assert [i.id for i in pack.indicators if i.provenance.verified] == ["1"]
    assert all(i.provenance.confidence == "UNV" for i in pack.indicators[1:])


@pytest.mark.parametrize("standard_id", ["mee-2024-city", "mee-2016-county"])
def test_partial_packs_are_marked_incomplete(standard_id: str) -> None:
    pack = load_standard(standard_id).standard
    assert pack.complete is False and pack.missing_rows


def test_partial_packs_hold_only_the_known_rows() -> None:
    assert len(load_standard("mee-2024-city").standard.indicators) == 13
    assert len(load_standard("mee-2016-county").standard.indicators) == 6


def test_no_pack_sets_a_reference_share_without_a_source() -> None:
    for standard_id in list_standards():
        assert load_standard(standard_id).standard.pass_rule.reference_min_share is None


def test_every_metric_a_pack_reads_is_registered() -> None:
    metrics = load_metrics()
    for standard_id in list_standards():
        for indicator in load_standard(standard_id).standard.indicators:
            for leaf in _leaves_of_indicator(indicator):
                assert leaf.metric in metrics


def test_no_indicator_target_is_written_in_python() -> None:
    """Targets live in the packs. A comparison with a bare number in src/ is a smell."""
    pattern = re.compile(r"(>=|<=|>|<)\s*(55|60|80|85|90|95|100|4\.5)\b")
    offenders = [
        f"{path.relative_to(SRC)}:{n}"
        for path in SRC.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
