"""The one evaluation: (standard, dataset, year) → every result any adapter shows.

``evaluate`` runs the assessment, and the self-check whenever the dataset carries it, once.
The outlook (trends, scores, weak points), the plan and the board are computed from that on
first use and kept. The CLI, the JSON, the results workbook, the reports, the web pages, the
store's snapshots and the batch all read the same ``Evaluation``; none of them decides a
verdict, a label or a reason of its own. In particular ``regions`` is *the* verdict table:
the self-check's when it ran, the indicators' otherwise, always with ``indicator_verdict``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import polars as pl

from ecozone.catalogue import LoadedStandard
from ecozone.catalogue.vetoes import load_veto_catalogue
from ecozone.dataset import Dataset
from ecozone.engine import Assessment, assess
from ecozone.engine.board import domain_counts, shared_weak_points
from ecozone.engine.plan import plan as make_plan
from ecozone.engine.selfcheck import SelfCheck, selfcheck
from ecozone.engine.trend import TREND_METHOD, outlook_method
from ecozone.engine.weakpoints import SCORE_METHOD, Outlook, outlook
from ecozone.errors import InputError, Location, UsageError
from ecozone.vocabulary import STATUS

__all__ = ["Evaluation", "Mode", "evaluate", "judged_year_among"]

Mode = Literal["apply", "monitor"]


@dataclass(frozen=True)
class Evaluation:
    """Everything known about a dataset under one standard and year. Pure; computed once."""

    standard: LoadedStandard
    dataset: Dataset
    assessment: Assessment
    checked: SelfCheck | None  # None: the dataset carries no self-check (answers and incidents absent)

    @property
    def year(self) -> int:
        return self.assessment.year

    @property
    def mode(self) -> Mode:
        return self.checked.mode if self.checked is not None else "apply"

    @property
    def vetoes_checked(self) -> bool:
        return self.checked is not None

    @cached_property
    def regions(self) -> pl.DataFrame:
        """One row per region: the verdict every adapter shows, its reasons, and the indicator verdict."""
        if self.checked is not None:
            return self.checked.regions
        return self.assessment.regions.with_columns(indicator_verdict=pl.col("verdict"))

    @property
    def indicators(self) -> pl.DataFrame:
        return self.assessment.indicators

    @cached_property
    def names(self) -> dict[str, str]:
        return dict(zip(self.assessment.regions["region"], self.assessment.regions["name"], strict=True))

    def region(self, code: str) -> dict[str, Any]:
        """The verdict row of one region; a code not evaluated is the user's error, named."""
        rows = self.regions.filter(pl.col("region") == code)
        if rows.height == 0:
            raise UsageError(f"地区代码「{code}」不在评估结果中", Location(field="--region"),
                             expected="、".join(self.regions["region"].to_list()))
        return rows.row(0, named=True)

    @cached_property
    def outlook(self) -> Outlook:
        return outlook(self.assessment, self.dataset.observations)

    @cached_property
    def plan(self) -> pl.DataFrame:
        return self.replan()

    def replan(self, *, from_year: int | None = None, cap: int | None = None) -> pl.DataFrame:
        """The application plan with other options (the default one is ``plan``)."""
        return make_plan(self.outlook, self.checked.regions if self.checked else None, from_year=from_year, cap=cap)

    @cached_property
    def shared_weak_points(self) -> pl.DataFrame:
        return shared_weak_points(self.outlook)

    @cached_property
    def domain_counts(self) -> pl.DataFrame:
        return domain_counts(self.assessment)

    @cached_property
    def ranking(self) -> pl.DataFrame:
        """Regions by overall score (a ranking for reference; it never changes a verdict)."""
        return (self.regions.select("region", "name", "verdict")
                .join(self.outlook.scores.select("region", "overall", "coverage"), on="region", how="left")
                .sort("overall", descending=True, nulls_last=True))

    def missing_evidence(self, region: str, given: Collection[str]) -> list[dict[str, str]]:
        """Applicable indicators the standard's evidence list asks documents for and none was ``given`` (a file
        for a sub-item such as 7.1 counts for its indicator), weakest first, each with its status, lead
        department and the documents to bring: the one list behind the region page's 提示, ``check``'s and
        ``selfcheck``'s notes, the weak points' mark and the dossier's 尚缺 sheet. Never a verdict."""
        catalogue = self.standard.evidence
        if catalogue is None:
            return []
        covered = {g.split(".")[0] for g in given}
        rows = self.indicators.filter((pl.col("region") == region) & (pl.col("status") != "not_applicable"))
        order = {"not_met": 0, "missing": 1, "needs_review": 2, "met": 3}
        wanted = sorted(((r["indicator_id"], r["name"], r["status"]) for r in rows.iter_rows(named=True)
                         if r["indicator_id"] not in covered and catalogue.of(r["indicator_id"]) is not None),
                        key=lambda w: (order.get(w[2], 4), float(w[0])))
        return [{"id": indicator_id, "indicator": f"第{indicator_id}项 {title}", "status": STATUS[status],
                 "lead": catalogue.indicators[indicator_id].lead,
                 "documents": "\n".join(f"{e.kind}：{e.what}（{e.issuer or '—'}）{'（必须）' if e.required else ''}"
                                         for e in catalogue.indicators[indicator_id].evidence)}
                for indicator_id, title, status in wanted]

    @cached_property
    def methods(self) -> dict[str, str]:
        """The methods in words, with the parameters of the pack that produced these results."""
        return {"judging": TREND_METHOD, "outlook": outlook_method(self.standard.standard.parameters.outlook),
                "score": SCORE_METHOD}


def evaluate(
    standard: LoadedStandard,
    dataset: Dataset,
    year: int | None = None,
    *,
    mode: Mode = "apply",
    as_of: dt.date | None = None,
    vetoes: bool | None = None,
    years: list[int] | None = None,
) -> Evaluation:
    """Assess every region of ``dataset``, and self-check it when it carries answers or incidents.

    ``vetoes``: True runs the self-check even without answers (every question then counts as
    unanswered); False never runs it; None (default) runs it when the dataset carries it.
    ``years``: the years with data in the whole panel, when ``dataset`` is one chunk of it.
    """
    _check_levels(standard, dataset)
    judged = judged_year_among(standard, years if years is not None else dataset.years, year)
    assigned = dataset.assigned if dataset.assigned is not None else pl.DataFrame(
        schema={"region": pl.String, "year": pl.Int32, "metric": pl.String, "target": pl.Float64})
    assessment = assess(standard, dataset.regions, dataset.observations, judged, assigned)
    run_check = dataset.asks_selfcheck if vetoes is None else vetoes
    checked = _selfcheck(standard, dataset, assessment, mode, as_of) if run_check else None
    return Evaluation(standard, dataset, assessment, checked)


def judged_year_among(standard: LoadedStandard, years: list[int], year: int | None = None) -> int:
    """The year to judge: the one asked for, else the pack's rule (default: latest with data)."""
    if not years:
        raise UsageError("还没有任何数据：数据表中没有填写任何年份的数值", Location(field="observations"),
                         expected="至少填写评价年度的数据")
    wanted = year if year is not None else standard.standard.parameters.judged_year
    if wanted == "latest":
        return years[-1]
    assert isinstance(wanted, int)
    if wanted not in years:
        raise UsageError(f"{wanted} 年没有任何数据", Location(field="--year"),
                         expected="数据中已有的年份：" + "、".join(map(str, years)))
    return wanted


def _check_levels(standard: LoadedStandard, dataset: Dataset) -> None:
    regions = dataset.regions
    if regions.height == 0:
        raise UsageError("地区登记表为空", Location(field="regions"))
    levels = list(standard.standard.levels)
    outside = regions.filter(~pl.col("level").is_in(levels))
    if outside.height:
        first = outside.row(0, named=True)
        raise UsageError(
            f"地区「{first['name']}」（{first['code']}）的级别为{first['level']}，"
            f"标准 {standard.id} 只适用于{'、'.join(levels)}级"
            + (f"（另有 {outside.height - 1} 个地区同样不适用）" if outside.height > 1 else ""),
            Location(field="level"),
            expected=f"级别为{'、'.join(levels)}的地区，或换用适用于该级别的标准",
        )


def _selfcheck(standard: LoadedStandard, dataset: Dataset, assessment: Assessment, mode: Mode,
               as_of: dt.date | None) -> SelfCheck:
    catalogue_id = standard.standard.veto_catalogue
    catalogue = load_veto_catalogue(catalogue_id) if catalogue_id else None
    if catalogue is not None and dataset.answers is not None:
        known = {c.id for c in catalogue.conditions}
        unknown = dataset.answers.filter(~pl.col("condition").is_in(list(known)))
        if unknown.height:
            raise InputError(
                f"未知的否决条件编号「{unknown['condition'][0]}」（地区 {unknown['region'][0]}）",
                Location(field="condition"), expected="、".join(sorted(known)),
            )
    for frame, label in ((dataset.answers, "否决项回答"), (dataset.incidents, "突发环境事件")):
        if frame is not None:
            stray = frame.filter(~pl.col("region").is_in(dataset.regions["code"].implode()))
            if stray.height:
                raise InputError(f"{label}中的地区代码「{stray['region'][0]}」不在地区登记表中",
                                 Location(field="region"), expected="地区登记表中的代码")
    return selfcheck(assessment, catalogue, dataset.observations, dataset.answers, dataset.incidents,
                     as_of=as_of, mode=mode)
