"""The rules in force (适用规则) as data: for each application year, which 规程, which indicator table per level
and which veto catalogue — with provenance, and stand-ins said aloud where a table of the regime is not known.

``data/regimes.yaml`` holds them. The year whose figures are judged is ``application_lag_years`` before the
application (自评 uses the previous year's figures), so a command given a judged year finds the regime of the
application that year's figures serve.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from ecozone.catalogue.library import load_standard
from ecozone.catalogue.load import LoadedStandard, _data_dir, _parse
from ecozone.catalogue.model import Provenance, Strict
from ecozone.catalogue.vetoes import load_veto_catalogue
from ecozone.errors import Location, PackError, UsageError

__all__ = ["Monitoring", "Regime", "RegimeFile", "RulesChoice", "check_regimes", "load_regimes", "rules_in_force"]

Level = Literal["县", "市"]


class LevelRule(Strict):
    pack: str | None
    stand_in: str | None = None  # used meanwhile when the regime's own table is not known
    note: str | None = None


class Regime(Strict):
    id: str
    title: str
    document: str | None = None
    in_force_from: dt.date | None = None
    application_years: tuple[int, int | None]  # first and last (None: still in force)
    levels: dict[Level, LevelRule]
    vetoes: str | None = None
    vetoes_stand_in: str | None = None
    vetoes_note: str | None = None
    provenance: Provenance

    def covers(self, year: int) -> bool:
        first, last = self.application_years
        return first <= year and (last is None or year <= last)

    def years_text(self) -> str:
        first, last = self.application_years
        return f"{first}–{last} 年申报" if last is not None else f"{first} 年起申报"


class Monitoring(Strict):
    """The life after naming, as far as it is known: the 复核 calendar and the rectification period."""

    review_after_years: int = Field(ge=1, le=20)
    review_cycle_years: int = Field(ge=1, le=10)
    review_provenance: Provenance
    rectification_years: int | None = Field(default=None, ge=1, le=5)
    assumed_rectification_years: int = Field(ge=1, le=5)
    rectification_note: str

    @property
    def rectification(self) -> tuple[int, bool]:
        """(years to rectify after a warning, whether that is an assumption)."""
        if self.rectification_years is not None:
            return self.rectification_years, False
        return self.assumed_rectification_years, True


class RegimeFile(Strict):
    format: Literal[1]
    title: str
    application_lag_years: int = Field(ge=0, le=3)
    provenance: Provenance
    monitoring: Monitoring
    regimes: tuple[Regime, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _no_overlap(self) -> RegimeFile:
        ordered = sorted(self.regimes, key=lambda r: r.application_years[0])
        for before, after in itertools.pairwise(ordered):
            last = before.application_years[1]
            if last is None or last >= after.application_years[0]:
                raise ValueError(f"{before.id} 与 {after.id} 的适用申报年度重叠")
        return self


@cache
def load_regimes(path: Path | None = None) -> RegimeFile:
    """The regime file (shipped, or ``path``), checked: no two regimes claim one application year."""
    path = path or _data_dir() / "regimes.yaml"
    found, _data, _lines = _parse(RegimeFile, path.read_text(encoding="utf-8"), str(path))
    assert isinstance(found, RegimeFile)
    return found


@dataclass(frozen=True)
class RulesChoice:
    """The rules chosen for an application: the standard to evaluate with (its veto catalogue the regime's) and,
    in Chinese, why — and what is only a stand-in or unverified."""

    standard: LoadedStandard
    regime: Regime
    application_year: int
    said: list[str]
    warnings: list[str]


def rules_in_force(application_year: int, level: str, regimes: RegimeFile | None = None) -> RulesChoice:
    """The rules for an application in ``application_year`` by a region of ``level``."""
    regimes = regimes or load_regimes()
    regime = next((r for r in regimes.regimes if r.covers(application_year)), None)
    if regime is None:
        known = "、".join(r.years_text() for r in regimes.regimes)
        raise UsageError(f"规则文件中没有 {application_year} 年申报适用的规则", Location(field="--year"),
                         expected=f"已登记：{known}；或用 --standard 指定标准")
    rule = regime.levels.get(level)  # type: ignore[call-overload]
    pack_id = rule.pack or rule.stand_in if rule is not None else None
    if rule is None or pack_id is None:
        why = rule.note if rule is not None and rule.note else f"{level}级指标未登记"
        raise UsageError(f"{application_year} 年申报适用「{regime.title}」，其{level}级指标表不可用：{why}",
                         Location(field="--standard"), expected="用 --standard 指定标准，或导入该指标表后登记")
    loaded = load_standard(pack_id)
    vetoes = regime.vetoes or regime.vetoes_stand_in
    said = [f"{application_year} 年申报适用「{regime.title}」"
            f"（{regime.document or '文号未见'}{f'，{regime.in_force_from} 起' if regime.in_force_from else ''}，"
            f"{regime.years_text()}；依据：{regime.provenance.source}，{regime.provenance.confidence}）",
            f"指标：{loaded.id}（{loaded.standard.title}）；否决项目录：{vetoes or '无'}"]
    warnings = []
    if rule.pack is None:
        warnings.append(f"该规则的{level}级指标表未入库，暂以 {pack_id} 代替：{rule.note or ''}——结论仅供参考")
    elif not loaded.standard.complete:
        warnings.append(f"{pack_id} 不完整（{loaded.standard.title}），评估结论为资料不全处须补齐标准")
    if regime.vetoes is None:
        warnings.append(f"该规则的否决项目录未入库：{regime.vetoes_note or ''}"
                        + (f"（暂以 {vetoes} 代替）" if vetoes else "，自查无法完成"))
    if not regime.provenance.verified:
        warnings.append(f"适用年度的划分未经核实（{regime.provenance.note or regime.provenance.confidence}）")
    return RulesChoice(loaded.with_vetoes(vetoes), regime, application_year, said, warnings)


def check_regimes(regimes: RegimeFile) -> None:
    """Every pack and catalogue a regime names exists and covers its level (a broken file fails its test, not a
    user's command)."""
    for regime in regimes.regimes:
        for level, rule in regime.levels.items():
            for pack_id in (rule.pack, rule.stand_in):
                if pack_id is not None and level not in load_standard(pack_id).standard.levels:
                    raise PackError(f"{regime.id}：{pack_id} 不适用于{level}级", Location(field=f"{regime.id}.levels"))
        for catalogue in (regime.vetoes, regime.vetoes_stand_in):
            if catalogue is not None:
                load_veto_catalogue(catalogue)
