"""The public API: what the CLI, the reports and the web app call."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from pathlib import Path
from typing import Literal

import polars as pl

from ecozone.catalogue import LoadedStandard, load_metrics, load_standard
from ecozone.catalogue.vetoes import load_veto_catalogue
from ecozone.engine import Assessment, assess
from ecozone.engine.selfcheck import SelfCheck, selfcheck
from ecozone.engine.weakpoints import Outlook, outlook
from ecozone.errors import InputError, Location, UsageError
from ecozone.io.excel_import import WorkbookImport, is_workbook, read_workbook, workbook_standard_id
from ecozone.io.tables import Dataset, read_dataset

__all__ = [
    "assess_dataset",
    "check_workbook",
    "judged_year",
    "judged_year_among",
    "load_dataset",
    "outlook_for",
    "selfcheck_dataset",
    "standard_for",
    "what_if",
    "write_region_reports",
]


def load_dataset(
    path: Path | str,
    regions: Path | str | None = None,
    *,
    standard: LoadedStandard | None = None,
    accept_warnings: bool = False,
) -> Dataset:
    """Read a workbook, a dataset folder (regions + observations [+ assigned]) or one figures file.

    A workbook with any error, or with warnings that need confirmation while
    ``accept_warnings`` is false, raises an InputError naming the first one.
    """
    if is_workbook(path):
        report = check_workbook(path, standard)
        blocking = report.problems.errors or ([] if accept_warnings else report.problems.to_confirm)
        if blocking:
            first = blocking[0]
            if first.needs_confirmation and not report.problems.errors:
                raise first.as_error(len(blocking) - 1).with_hint(
                    "确认数值无误后，加 --accept-warnings 重新运行"
                )
            raise first.as_error(len(report.problems.items) - 1)
        assert report.dataset is not None
        return report.dataset
    return read_dataset(path, load_metrics(), regions)


def check_workbook(path: Path | str, standard: LoadedStandard | None = None) -> WorkbookImport:
    """Validate a filled workbook without assessing it: every problem, with sheet and cell."""
    if standard is None:
        recorded = workbook_standard_id(Path(path))  # the hidden sheet only: no second full read
        if recorded:
            # a template from a pack this installation does not have is checked without it
            with contextlib.suppress(UsageError):
                standard = load_standard(recorded)
    return read_workbook(path, load_metrics(), standard)


def standard_for(path: Path | str, standard_id: str | None) -> LoadedStandard:
    """The pack named on the command line, else the one recorded in the workbook."""
    if standard_id:
        return load_standard(standard_id)
    if is_workbook(path):
        recorded = workbook_standard_id(Path(path))
        if recorded:
            return load_standard(recorded)
    raise UsageError("未指定标准", Location(field="--standard"), expected="--standard mee-2019 等标准编号")




def judged_year(standard: LoadedStandard, dataset: Dataset, year: int | None = None) -> int:
    """The year to judge: the one asked for, else the pack's rule (default: latest with data)."""
    return judged_year_among(standard, dataset.years, year)


def judged_year_among(standard: LoadedStandard, years: list[int], year: int | None = None) -> int:
    """As ``judged_year``, given the years that have data (a panel read in chunks knows them before its figures)."""
    if not years:
        raise UsageError("还没有任何数据：数据表中没有填写任何年份的数值", Location(field="observations"),
                         expected="至少填写评价年度的数据")
    wanted = year if year is not None else standard.standard.parameters.judged_year
    if wanted == "latest":
        return years[-1]
    assert isinstance(wanted, int)
    if wanted not in years:
        raise UsageError(
            f"{wanted} 年没有任何数据",
            Location(field="--year"),
            expected="数据中已有的年份：" + "、".join(map(str, years)),
        )
    return wanted


def assess_dataset(
    standard: LoadedStandard | str, dataset: Dataset, year: int | None = None, *, years: list[int] | None = None
) -> Assessment:
    """Assess every region of ``dataset`` against a standard (a pack id or a loaded pack).

    ``years``: the years with data in the whole panel, when ``dataset`` is one chunk of it (a chunk
    may lack the judged year altogether; its regions are then simply missing that year's figures).
    """
    loaded = load_standard(standard) if isinstance(standard, str) else standard
    regions = dataset.regions
    if regions.height == 0:
        raise UsageError("地区登记表为空", Location(field="regions"))
    levels = list(loaded.standard.levels)
    outside = regions.filter(~pl.col("level").is_in(levels))
    if outside.height:
        first = outside.row(0, named=True)
        raise UsageError(
            f"地区「{first['name']}」（{first['code']}）的级别为{first['level']}，"
            f"标准 {loaded.id} 只适用于{'、'.join(levels)}级"
            + (f"（另有 {outside.height - 1} 个地区同样不适用）" if outside.height > 1 else ""),
            Location(field="level"),
            expected=f"级别为{'、'.join(levels)}的地区，或换用适用于该级别的标准",
        )
    judged = judged_year_among(loaded, years if years is not None else dataset.years, year)
    return assess(loaded, regions, dataset.observations, judged,
                  dataset.assigned if dataset.assigned is not None else _no_assigned())


def _no_assigned() -> pl.DataFrame:
    return pl.DataFrame(schema={"region": pl.String, "year": pl.Int32, "metric": pl.String,
                                "target": pl.Float64})


def selfcheck_dataset(
    standard: LoadedStandard | str,
    dataset: Dataset,
    year: int | None = None,
    *,
    mode: Literal["apply", "monitor"] = "apply",
    as_of: dt.date | None = None,
) -> SelfCheck:
    """Assess, then answer every veto condition and give the self-check verdict per region."""
    loaded = load_standard(standard) if isinstance(standard, str) else standard
    assessment = assess_dataset(loaded, dataset, year)
    catalogue = load_veto_catalogue(loaded.standard.veto_catalogue) if loaded.standard.veto_catalogue else None
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


def outlook_for(assessment: Assessment, dataset: Dataset) -> Outlook:
    """Trends, scores and weak points for an assessment of ``dataset``."""
    return outlook(assessment, dataset.observations)


def what_if(dataset: Dataset, changes: list[str], year: int) -> Dataset:
    """Apply ``--set [REGION:]METRIC=VALUE[@YEAR]`` changes to a copy of the figures.

    Without a region the change applies to every region; without a year, to ``year``.
    """
    metrics = load_metrics()
    rows = []
    for change in changes:
        match = re.fullmatch(r"(?:(\d{6}):)?([a-z0-9_]+)=([^@]+)(?:@(\d{4}))?", change.strip())
        if not match:
            raise UsageError(f"无法识别的假设「{change}」", Location(field="--set"),
                             expected="统计量=数值[@年份]，或 地区代码:统计量=数值[@年份]，"
                                      "如 urban_sewage_treatment_rate=88@2023")
        region, metric_id, raw, at = match.groups()
        metric = metrics.get(metric_id)
        if metric is None:
            raise UsageError(f"未知的统计量「{metric_id}」", Location(field="--set"), expected="统计量登记表中的编号")
        value: float | None = None
        state: str | None = None
        if metric.kind == "number":
            try:
                value = float(raw)
            except ValueError:
                raise UsageError(f"「{raw}」不是数字", Location(field="--set"), expected="数字") from None
        elif raw in metric.states:
            state = raw
        else:
            raise UsageError(f"「{raw}」不是「{metric.name}」的可选状态", Location(field="--set"),
                             expected="、".join(metric.states))
        targets = [region] if region else dataset.regions["code"].to_list()
        if region and region not in set(dataset.regions["code"].to_list()):
            raise UsageError(f"地区代码「{region}」不在数据中", Location(field="--set"), expected="数据中的地区代码")
        for code in targets:
            rows.append({"region": code, "year": int(at) if at else year, "metric": metric_id, "value": value,
                         "state": state, "source": f"假设（--set {change}）", "note": None})
    if not rows:
        return dataset
    changed = pl.DataFrame(rows, schema=dataset.observations.schema)
    kept = dataset.observations.join(changed.select("region", "year", "metric"), on=["region", "year", "metric"],
                                     how="anti")
    return Dataset(dataset.regions, pl.concat([kept, changed]), dataset.assigned, dataset.answers, dataset.incidents)


def write_region_reports(
    assessment: Assessment,
    dataset: Dataset,
    checked: SelfCheck | None,
    formats: list[str],
    regions: list[str] | None,
    folder: Path,
    template: Path | None = None,
) -> dict[str, dict[str, Path]]:
    """Write each region's reports (html/pdf/docx/xlsx) into ``folder``; returns region → format → file."""
    # reports pull in matplotlib and WeasyPrint: import them only when a report is asked for
    from ecozone.engine.plan import plan
    from ecozone.io.excel_results import write_results_workbook
    from ecozone.reports import build_context, write_reports
    from ecozone.reports.charts import board_heatmap

    view = outlook_for(assessment, dataset)
    schedule = plan(view, checked.regions if checked else None)
    names = dict(zip(assessment.regions["region"], assessment.regions["name"], strict=True))
    heatmap = board_heatmap(assessment.indicators, names) if "xlsx" in formats else None

    def workbook(target: Path) -> None:
        write_results_workbook(assessment, target, checked, schedule, {"指标判定矩阵": heatmap} if heatmap else None)

    written = {}
    for code in regions or assessment.regions["region"].to_list():
        context = build_context(assessment, code, view, dataset.observations, checked, schedule)
        stem = f"{names.get(code, code)}{code}_{assessment.standard.id}_{assessment.year}"
        written[code] = write_reports(formats, context, folder, stem, template=template, workbook=workbook)
    return written
