"""User packs written on top of another pack (`extends`): merged as documented, errors in the overlay file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ecozone.catalogue import list_standards, load_standard
from ecozone.errors import EcozoneError


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ECOZONE_STANDARDS_PATH", str(tmp_path))
    return tmp_path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_overlay_changes_only_what_it_says(folder: Path) -> None:
    write(folder, "city-gz", """\
extends: mee-2024-city
id: city-gz
title: 市级指标（本单位核对版）
complete: true
parameters: {trend_window: 4}
indicators:
  - {id: "2", number: 2, domain: 目标责任, name: 生态文明建设目标评价考核制度, attribute: none, target_text: 建立,
     criterion: {kind: state, metric: eco_assessment_system, accept: [建立]},
     provenance: {source: 环办生态〔2024〕4号 附件 第2项, confidence: V1, verified: true}}
  - {id: "14", number: 14, domain: 生态经济, name: 单位地区生产总值能耗, attribute: none,
     target_text: 完成上级规定的目标任务, criterion: {kind: assigned, metric: energy_intensity},
     provenance: {source: 环办生态〔2024〕4号 附件 第14项, confidence: V1, verified: true}}
verifications:
  "5": {source: 环办生态〔2024〕4号 附件 第5项, confidence: V1, verified: true}
""")
    base, pack = load_standard("mee-2024-city"), load_standard("city-gz")
    assert "city-gz" in list_standards() and pack.extends == "mee-2024-city"
    assert pack.standard.complete and pack.standard.missing_rows is None  # complete: true drops missing_rows
    assert pack.standard.parameters.trend_window == 4
    assert pack.standard.parameters.stable_tolerance == base.standard.parameters.stable_tolerance  # merged by key
    assert [i.id for i in pack.standard.indicators] == [i.id for i in base.standard.indicators] + ["14"]
    assert pack.standard.indicator("2").name == "生态文明建设目标评价考核制度"
    assert pack.standard.indicator("5").provenance.verified and not base.standard.indicator("5").provenance.verified
    assert pack.standard.indicator("6") == base.standard.indicator("6")
    assert pack.hash != base.hash


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ("extends: mee-2019\nid: mee-2019\n", 2, "编号须与所扩展的标准「mee-2019」不同"),
    ("extends: mee-2019\nid: x-a\nverifications:\n  \"99\": {source: s, confidence: V1, verified: true}\n", 4,
     "核实记录中的指标「99」不在标准中"),
    ("extends: mee-2019\nid: x-a\nverifications:\n  \"11\": {source: s, confidence: UNV, verified: true}\n", 4,
     "可信度不能是 UNV"),
    ("extends: mee-2019\nid: x-a\nindicators:\n  - {id: \"11\", number: 11, domain: 花园, name: n, attribute: none,\n"
     "     target_text: t, criterion: {kind: trend, metric: forest_grass_coverage, rule: better},\n"
     "     provenance: {source: s, confidence: USER, verified: false}}\n", 4, "领域「花园」不在本标准的 domains 中"),
])
def test_a_mistake_in_an_overlay_is_named_at_its_line(folder: Path, text: str, line: int, fragment: str) -> None:
    path = write(folder, "x-a", text)
    with pytest.raises(EcozoneError) as caught:
        load_standard("x-a")
    assert caught.value.location.file == str(path) and caught.value.location.line == line
    assert fragment in caught.value.message


def test_an_overlay_follows_its_base_when_the_base_is_edited(folder: Path) -> None:
    write(folder, "base-a", "extends: mee-2019\nid: base-a\ntitle: 第一版\n")
    write(folder, "top-a", "extends: base-a\nid: top-a\n")
    assert load_standard("top-a").standard.title == "第一版"
    path = write(folder, "base-a", "extends: mee-2019\nid: base-a\ntitle: 第二版\n")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a later modification time, surely
    assert load_standard("top-a").standard.title == "第二版"
