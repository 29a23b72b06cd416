"""The 佐证材料清单 of a pack: data beside the pack, checked against it, feeding the 牵头部门 everywhere it is shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecozone.catalogue import load_standard
from ecozone.catalogue.evidence import load_evidence_file
from ecozone.errors import PackError

SHIPPED = Path(__file__).resolve().parents[2] / "src" / "ecozone" / "catalogue" / "data" / "evidence" / "mee-2019.yaml"


def test_every_indicator_of_mee_2019_has_a_lead_department_and_evidence() -> None:
    standard = load_standard("mee-2019")
    evidence = standard.evidence
    assert evidence is not None and not evidence.provenance.verified  # the product's suggestion, said as such
    assert set(evidence.indicators) == {i.id for i in standard.standard.indicators}
    forest = next(i for i in standard.standard.indicators if i.name == "林草覆盖率")
    assert standard.lead_department(forest) == "林业和草原局"
    assert "林草" in (standard.data_source(forest) or "")


def test_the_list_by_department_names_each_department_once_per_indicator_and_role() -> None:
    evidence = load_standard("mee-2019").evidence
    assert evidence is not None
    by_department = evidence.by_department()
    assert ("11", "牵头") in by_department["林业和草原局"] and ("11", "配合") in by_department["统计局"]
    leads = [i for rows in by_department.values() for i, role in rows if role == "牵头"]
    assert sorted(leads, key=float) == sorted(evidence.indicators, key=float)  # one lead each


def test_the_lead_department_reaches_the_weak_points() -> None:
    from ecozone import api

    standard = load_standard("mee-2019")
    dataset = api.load_dataset(Path(__file__).resolve().parents[2] / "examples" / "shizhou", standard=standard)
    weak = api.evaluate(standard, dataset, vetoes=True).outlook.weak_points
    sewage = weak.filter((weak["region"] == "990104") & (weak["indicator_id"] == "29")).row(0, named=True)
    assert sewage["lead_department"] == "住房和城乡建设局"


@pytest.mark.parametrize(("change", "said"), [
    (("lead: 林业和草原局", "lead: 林业局"), "部门「林业局」不在 departments 列表中"),
    (('  "40":', '  "41":'), "没有第 41 项指标"),
    (("kind: 统计公报, what: 国民经济", "what: 国民经济"), "kind"),
])
def test_a_wrong_evidence_file_is_refused_with_its_line(tmp_path: Path, change: tuple[str, str], said: str) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    assert change[0] in text
    broken = tmp_path / "mee-2019.yaml"
    broken.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    ids = frozenset(i.id for i in load_standard("mee-2019").standard.indicators)
    with pytest.raises(PackError) as caught:
        load_evidence_file(broken, ids)
    assert said in caught.value.message and "第 " in caught.value.message and "行" in caught.value.message
