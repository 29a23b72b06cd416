"""Pydantic v2 models of a standard pack and of the metric register.

The YAML format is documented in ``docs/pack-format.md``; these models are its schema.
Every model forbids unknown keys, so a misspelt key is an error, never silently ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ecozone.regions.profile import FLAGS, CitySize, Flag, Level, Terrain, Zone

Op = Literal[">=", ">", "<=", "<", "=="]
Confidence = Literal["V2", "V1", "SEC", "INF", "UNV", "UNKNOWN", "USER"]
Attribute = Literal["binding", "reference", "none"]
Direction = Literal["higher", "lower"]
TrendRule = Literal["not_worse", "stable_or_better", "better"]
class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provenance(Strict):
    """Where a row of the standard comes from, and how sure we are of it."""

    source: str
    confidence: Confidence
    verified: bool
    note: str | None = None

    @model_validator(mode="after")
    def _verified_says_against_what(self) -> Provenance:
        if self.verified and not self.source.strip():
            raise ValueError("已核实的须写明来源（文件、页码或条款）")
        if self.verified and self.confidence in ("UNV", "UNKNOWN"):
            raise ValueError(f"已核实的可信度不能是 {self.confidence}（未核实 / 未知）")
        return self


class Metric(Strict):
    """A measured quantity. Observations are keyed by metric id, not by indicator."""

    name: str
    unit: str = "-"
    kind: Literal["number", "state"] = "number"
    direction: Direction | None = None
    min: float | None = None
    max: float | None = None
    states: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _kind_fits(self) -> Metric:
        if self.kind == "state" and not self.states:
            raise ValueError("状态型统计量必须列出 states（可取的状态值）")
        if self.kind == "number" and self.states:
            raise ValueError("数值型统计量不能有 states")
        if self.kind == "number" and self.direction is None:
            raise ValueError("数值型统计量必须给出 direction（higher 或 lower）")
        return self


class When(Strict):
    """A condition on a region profile. Every given field must hold; absent fields match all."""

    level: Level | None = None
    terrain: Terrain | None = None
    zone: Zone | None = None
    city_size: CitySize | None = None
    coastal: bool | None = None
    arid: bool | None = None
    plateau: bool | None = None
    grassland: bool | None = None
    contaminated_farmland: bool | None = None
    rural_black_odorous_water: bool | None = None

    def label(self) -> str:
        parts: list[str] = []
        for key, value in self.model_dump(exclude_none=True).items():
            if key in FLAGS:
                parts.append(FLAGS[key] if value else f"非{FLAGS[key]}")
            else:
                parts.append(str(value))
        return "、".join(parts) or "通用"


class Target(Strict):
    """One variant of a threshold: the value that applies when ``when`` holds."""

    when: When = Field(default_factory=When)
    value: float
    label: str | None = None

    def basis(self) -> str:
        return self.label or self.when.label()


class Threshold(Strict):
    kind: Literal["threshold"]
    metric: str
    op: Op
    value: float | None = None
    targets: tuple[Target, ...] = ()

    @model_validator(mode="after")
    def _one_target_form(self) -> Threshold:
        if (self.value is None) == (not self.targets):
            raise ValueError("threshold 须且只须给出 value（统一目标）或 targets（分类目标）之一")
        return self

    def variants(self) -> tuple[Target, ...]:
        """The targets in order of precedence; the first whose condition holds applies."""
        if self.value is not None:
            return (Target(value=self.value, label="统一目标"),)
        return self.targets


class State(Strict):
    kind: Literal["state"]
    metric: str
    accept: tuple[str, ...] = Field(min_length=1)


class Trend(Strict):
    kind: Literal["trend"]
    metric: str
    rule: TrendRule


class Assigned(Strict):
    kind: Literal["assigned"]
    metric: str
    op: Op | None = None


class Delta(Strict):
    kind: Literal["delta"]
    metric: str
    op: Op
    value: float


class AllOf(Strict):
    kind: Literal["all"]
    of: tuple[Criterion, ...] = Field(min_length=1)


class AnyOf(Strict):
    kind: Literal["any"]
    of: tuple[Criterion, ...] = Field(min_length=1)


class Case(Strict):
    when: When = Field(default_factory=When)
    then: Criterion
    label: str | None = None


class CaseOf(Strict):
    """A criterion that differs in kind by profile, e.g. 市: ≥100 %, 县: 开展."""

    kind: Literal["case"]
    cases: tuple[Case, ...] = Field(min_length=1)


Leaf = Threshold | State | Trend | Assigned | Delta
Criterion = Annotated[
    Threshold | State | Trend | Assigned | Delta | AllOf | AnyOf | CaseOf,
    Field(discriminator="kind"),
]


class Applicability(Strict):
    """Where an indicator applies: levels (适用范围) and features the place must have."""

    levels: tuple[Level, ...] = ("市", "县")
    requires: tuple[Flag, ...] = ()


class SubItem(Strict):
    id: str
    name: str
    unit: str = "-"
    target_text: str
    criterion: Criterion
    applies_to: Applicability | None = None


class Indicator(Strict):
    id: str
    number: int
    domain: str
    task: str | None = None
    name: str
    unit: str = "-"
    attribute: Attribute
    applies_to: Applicability = Field(default_factory=Applicability)
    target_text: str | None = None
    criterion: Criterion | None = None
    items: tuple[SubItem, ...] = ()
    explanation: str | None = None
    trend_method: Literal["cagr", "linear"] | None = None  # default: linear for %, CAGR otherwise
    score_floor: float | None = None  # the value scored 0 (default: the outlook's score_floor rule)
    data_source: str | None = None
    lead_department: str | None = None
    provenance: Provenance

    @model_validator(mode="after")
    def _criterion_or_items(self) -> Indicator:
        if (self.criterion is None) == (not self.items):
            raise ValueError("指标须且只须给出 criterion（判定规则）或 items（分项）之一")
        if self.criterion is not None and self.target_text is None:
            raise ValueError("有判定规则的指标须给出 target_text（指标值原文）")
        return self


class PassRule(Strict):
    """How indicator statuses become a verdict. Binding indicators always gate."""

    reference_min_share: float | None = Field(default=None, ge=0, le=1)
    none_attribute_gates: bool = True


class Outlook(Strict):
    """Constants of the outlook (trend, weak points, plan, score), after methods.md.

    The ratio and growth cut-offs are the StatCan / Open SDG progress method's; the horizon,
    risk margin and score floor are product choices, stated in every report.
    """

    horizon_years: int = Field(default=3, ge=1)  # target year = judged year + horizon
    min_points: int = Field(default=3, ge=2)
    on_track_ratio: float = 0.95
    acceleration_ratio: float = 0.60
    progress_cutoff: float = 0.5  # % a year, before the natural-limit correction
    risk_margin: float = Field(default=0.05, ge=0)  # met, but within this share of the target
    score_floor: Literal["metric_min"] = "metric_min"


class Parameters(Strict):
    """Judging parameters the sources leave open; shown in every report."""

    judged_year: Literal["latest"] | int = "latest"
    trend_window: int = Field(default=3, ge=2)
    stable_tolerance: float = Field(default=0.5, ge=0)
    outlier_factor: float = Field(default=5.0, gt=1)
    outlook: Outlook = Field(default_factory=Outlook)
    notes: str | None = None


class Standard(Strict):
    format: Literal[1]
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    document: str | None = None
    issuer: str
    date: dt.date | None = None
    levels: tuple[Level, ...]
    domains: tuple[str, ...]
    complete: bool
    missing_rows: str | None = None
    pass_rule: PassRule = Field(default_factory=PassRule)
    parameters: Parameters = Field(default_factory=Parameters)
    veto_catalogue: str | None = None
    provenance: Provenance
    indicators: tuple[Indicator, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _incomplete_says_what(self) -> Standard:
        if not self.complete and not self.missing_rows:
            raise ValueError("不完整的标准须在 missing_rows 中写明缺少哪些指标")
        return self

    def indicator(self, indicator_id: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise KeyError(indicator_id)

    @property
    def unverified_indicators(self) -> list[str]:
        return [i.id for i in self.indicators if not i.provenance.verified]


AllOf.model_rebuild()
AnyOf.model_rebuild()
Case.model_rebuild()
SubItem.model_rebuild()
Indicator.model_rebuild()


# --- evidence requirements (佐证材料清单): a companion file per pack, see catalogue/evidence.py ----------


class EvidenceItem(Strict):
    kind: str = Field(min_length=1, max_length=20)  # 批复文件, 监测报告, 统计资料, 会议纪要, 照片 …
    what: str = Field(min_length=1)
    issuer: str | None = None
    required: bool = False  # a missing file counts against the indicator only where the pack says so


class IndicatorEvidence(Strict):
    lead: str
    support: tuple[str, ...] = ()
    data_source: str | None = None
    evidence: tuple[EvidenceItem, ...] = Field(min_length=1)


class EvidenceCatalogue(Strict):
    format: Literal[1]
    pack: str
    title: str
    provenance: Provenance
    departments: tuple[str, ...] = Field(min_length=1)
    indicators: dict[str, IndicatorEvidence]

    def of(self, indicator_id: str) -> IndicatorEvidence | None:
        return self.indicators.get(indicator_id)

    def by_department(self) -> dict[str, list[tuple[str, str]]]:
        """Department → (indicator id, role 牵头/配合) in indicator order: a consultant's 资料清单 by department."""
        found: dict[str, list[tuple[str, str]]] = {d: [] for d in self.departments}
        for indicator_id, need in self.indicators.items():
            found[need.lead].append((indicator_id, "牵头"))
            for department in need.support:
                found[department].append((indicator_id, "配合"))
        return {d: rows for d, rows in found.items() if rows}
