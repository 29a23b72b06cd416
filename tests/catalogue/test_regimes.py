"""The rules in force as data: every application year maps to one regime, every pack and catalogue it names exists
and covers its level, stand-ins and unverified choices are said, and a broken file is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecozone.catalogue.regimes import check_regimes, load_regimes, rules_in_force
from ecozone.errors import PackError, UsageError


def test_the_shipped_regimes_name_packs_and_catalogues_that_exist() -> None:
    regimes = load_regimes()
    check_regimes(regimes)
    years = [y for r in regimes.regimes for y in range(r.application_years[0], (r.application_years[1] or 2030) + 1)]
    assert len(years) == len(set(years))  # no year claimed twice


@pytest.mark.parametrize(("year", "level", "pack", "vetoes", "stand_in"), [
    (2020, "县", "mee-2019", "mgmt-2019", False),
    (2022, "县", "mee-2019", "mgmt-2019", True),  # the 2021 revision's table is not known
    (2025, "市", "mee-2024-city", "mgmt-2024", False),
    (2025, "县", "mee-2019", "mgmt-2024", True),  # the 2024 county table is not known
    (2026, "县", "mee-2019", "mgmt-2025", True),
])
def test_an_application_year_gets_its_rules_and_says_what_is_only_a_stand_in(
        year: int, level: str, pack: str, vetoes: str, stand_in: bool) -> None:
    chosen = rules_in_force(year, level)
    assert (chosen.standard.id, chosen.standard.standard.veto_catalogue) == (pack, vetoes)
    assert f"{year} 年申报适用" in chosen.said[0]
    assert any("暂以" in w and "结论仅供参考" in w for w in chosen.warnings) is stand_in
    assert any("未经核实" in w for w in chosen.warnings)  # the year ranges are inferred


def test_a_stand_in_judged_with_another_catalogue_has_its_own_fingerprint() -> None:
    chosen = rules_in_force(2026, "县")
    assert chosen.standard.hash != rules_in_force(2020, "县").standard.hash  # same indicators, other vetoes


def test_a_year_or_level_without_rules_is_a_chinese_refusal() -> None:
    with pytest.raises(UsageError, match="没有 2015 年申报适用的规则"):
        rules_in_force(2015, "县")
    with pytest.raises(UsageError, match="市级指标表不可用：2016 年示范市指标未入库"):
        rules_in_force(2018, "市")


def test_overlapping_years_are_refused(tmp_path: Path) -> None:
    import ecozone.catalogue

    shipped = (Path(ecozone.catalogue.__file__).parent / "data" / "regimes.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "regimes.yaml"
    broken.write_text(shipped.replace("application_years: [2019, 2020]", "application_years: [2018, 2020]"),
                      encoding="utf-8")
    with pytest.raises(PackError, match="重叠"):
        load_regimes(broken)
