"""Veto catalogues (否决项目录): the conditions of a version of the management rules, as data.

Each condition says how it is answered (a question, the list of incidents with their
official grades, or derived from the figures), its lookback window (``null`` when the rules
do not say, with the assumption used shown beside it), its effect before application and
after naming, the evidence it asks for, and where it comes from.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from ecozone.catalogue.load import _data_dir, _nearest, _parse, load_metrics
from ecozone.catalogue.model import Provenance, Strict
from ecozone.errors import Location, PackError, UsageError

__all__ = ["GRADES", "VetoCatalogue", "VetoCondition", "condition_ids", "list_veto_catalogues",
           "load_veto_catalogue"]

Effect = Literal["BA", "BN", "W", "RV"]
GRADES = ("Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ")
Grade = Literal["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ"]
Mode = Literal["apply", "monitor"]


class Effects(Strict):
    apply: tuple[Effect, ...] = ()
    monitor: tuple[Effect, ...] = ()


class Derivation(Strict):
    """How a condition follows from the figures.

    ``assigned_missed``: an assigned (上级下达) target on one of ``metrics`` not met in the judged year.
    ``decline``: one of ``metrics`` moving the wrong way faster than the catalogue's tolerance.
    ``state``: the judged-year state of ``metrics[0]`` is one of ``states``.
    ``binding_not_met``: an applicable binding indicator not met (after naming: 指标反弹).
    """

    kind: Literal["assigned_missed", "decline", "state", "binding_not_met"]
    metrics: tuple[str, ...] = ()
    states: tuple[str, ...] = ()


class VetoCondition(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    wording: str
    answered_by: Literal["question", "incidents", "derived"]
    modes: tuple[Mode, ...] = ("apply", "monitor")
    grades: tuple[Grade, ...] = ()
    window_years: int | None = Field(default=None, ge=0)
    assumed_window_years: int | None = Field(default=None, ge=0)
    window_note: str | None = None
    effects: Effects
    evidence: str
    derived: Derivation | None = None
    provenance: Provenance

    @model_validator(mode="after")
    def _consistent(self) -> VetoCondition:
        if (self.answered_by == "derived") != (self.derived is not None):
            raise ValueError("answered_by: derived 的条件须且只须给出 derived（派生规则）")
        if self.answered_by == "incidents" and not self.grades:
            raise ValueError("answered_by: incidents 的条件须列出计入的事件级别 grades")
        if self.window_years is None and self.answered_by == "incidents" and self.assumed_window_years is None:
            raise ValueError("回溯期限未知时须给出 assumed_window_years（并在 window_note 中说明依据）")
        return self

    def window(self) -> int | None:
        return self.window_years if self.window_years is not None else self.assumed_window_years

    def window_text(self) -> str:
        if self.window_years is not None:
            return f"近{self.window_years}年"
        if self.assumed_window_years is not None:
            return f"原文未规定，按近{self.assumed_window_years}年（假定）"
        if self.answered_by == "derived":
            return "评价年度"
        return self.window_note or "—"


class VetoParameters(Strict):
    # which effects stop an application before it is made (一票否决); the rules' own reading, stated per catalogue
    blocking_effects: tuple[Effect, ...] = Field(min_length=1)
    decline_tolerance: float = Field(default=0.5, ge=0)
    notes: str | None = None


class VetoCatalogue(Strict):
    format: Literal[1]
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    document: str | None = None
    date: dt.date | None = None
    parameters: VetoParameters
    provenance: Provenance
    conditions: tuple[VetoCondition, ...] = Field(min_length=1)

    def condition(self, condition_id: str) -> VetoCondition:
        for condition in self.conditions:
            if condition.id == condition_id:
                return condition
        raise KeyError(condition_id)


def _catalogue_files() -> dict[str, Path]:
    return {p.stem: p for p in sorted((_data_dir() / "vetoes").glob("*.yaml"))}


def list_veto_catalogues() -> list[str]:
    return list(_catalogue_files())


@cache
def load_veto_catalogue(catalogue_id: str) -> VetoCatalogue:
    """Load a shipped veto catalogue by id, or a catalogue file by path; errors name file and line."""
    files = _catalogue_files()
    if catalogue_id in files:
        path = files[catalogue_id]
    elif catalogue_id.endswith((".yaml", ".yml")):
        path = Path(catalogue_id)
    else:
        raise UsageError(f"没有编号为「{catalogue_id}」的否决项目录", Location(field="veto_catalogue"),
                         expected="、".join(files))
    file = str(path)
    catalogue, _data, lines = _parse(VetoCatalogue, path.read_text(encoding="utf-8"), file)
    assert isinstance(catalogue, VetoCatalogue)
    metrics = load_metrics()
    seen: set[str] = set()
    for i, condition in enumerate(catalogue.conditions):
        where = ("conditions", i)
        if condition.id in seen:
            raise PackError(f"条件编号「{condition.id}」重复", Location(file=file, line=_nearest(lines, where),
                                                                  field=f"conditions[{i}].id"))
        seen.add(condition.id)
        for metric in condition.derived.metrics if condition.derived else ():
            if metric not in metrics:
                raise PackError(f"未知的统计量「{metric}」",
                                Location(file=file, line=_nearest(lines, (*where, "derived")),
                                         field=f"conditions[{i}].derived.metrics"),
                                expected="catalogue/data/metrics.yaml 中登记的统计量编号")
    return catalogue


def condition_ids(catalogue_id: str | None, *, questions_only: bool = False) -> set[str]:
    """The condition ids of a catalogue (none without one); ``questions_only``: those a user answers."""
    if not catalogue_id:
        return set()
    return {c.id for c in load_veto_catalogue(catalogue_id).conditions
            if not questions_only or c.answered_by == "question"}
