"""The public API: what the CLI, the reports and the web app call."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import polars as pl

from ecozone.catalogue import LoadedStandard, load_metrics, load_standard
from ecozone.catalogue.regimes import RulesChoice, load_regimes, rules_in_force
from ecozone.catalogue.vetoes import load_veto_catalogue
from ecozone.dataset import Dataset
from ecozone.engine import Assessment
from ecozone.engine.selfcheck import SelfCheck
from ecozone.errors import ConfirmationNeeded, Location, UsageError
from ecozone.evaluation import Evaluation, evaluate, judged_year_among
from ecozone.io.excel.guard import is_workbook
from ecozone.io.problems import NOTE, WARNING, Problem
from ecozone.io.tables import read_dataset
from ecozone.io.validate import INPUT_SCHEMA, check_figures

if TYPE_CHECKING:
    from ecozone.catalogue.drafting import Draft
    from ecozone.io.excel.read import WorkbookImport

__all__ = [
    "assess_dataset",
    "check_workbook",
    "compare_rules",
    "draft_pack",
    "evaluate",
    "evidence_gaps",
    "judged_year",
    "judged_year_among",
    "listed_evidence",
    "load_dataset",
    "monitor",
    "monitor_year",
    "rules_named",
    "selfcheck_dataset",
    "standard_for",
    "what_if",
    "write_region_reports",
    "yearly_verdicts",
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
        report = check_workbook(path, standard, completeness=False)
        blocking = report.problems.errors or ([] if accept_warnings else report.problems.to_confirm)
        if blocking:
            first = blocking[0]
            if first.needs_confirmation and not report.problems.errors:
                raise first.as_error(len(blocking) - 1).with_hint(
                    "确认数值无误后，在该行「确认无误」列选「是」，或加 --accept-warnings 重新运行"
                )
            raise first.as_error(len(report.problems.items) - 1)
        assert report.dataset is not None
        return report.dataset
    return read_dataset(path, load_metrics(), regions, accept_warnings=accept_warnings)


def check_workbook(path: Path | str, standard: LoadedStandard | None = None, *,
                   completeness: bool = True) -> WorkbookImport:
    """Validate a filled workbook: every problem, with sheet and cell.

    ``completeness``: also say everything the evaluation will conclude about completeness (a binding
    indicator without data, a veto question unanswered, an incomplete pack), at the cell to fill, so that a
    check that passes means the assessment will not say 资料不全 for a reason the check did not name.
    """
    from ecozone.io.excel.read import read_workbook, workbook_standard_id

    if standard is None:
        recorded = workbook_standard_id(Path(path))  # the hidden sheet only: no second full read
        if recorded:
            # a template from a pack this installation does not have is checked without it
            with contextlib.suppress(UsageError):
                standard = load_standard(recorded)
    report = read_workbook(path, load_metrics(), standard)
    if standard is not None and report.dataset is not None and report.dataset.years:
        evaluation = evaluate(standard, report.dataset)
        if completeness:
            report.problems.extend(_completeness(evaluation, report, str(path)))
        if report.evidence is not None:  # a workbook with a 佐证材料 sheet: what it still lacks, as notes
            report.problems.extend(_evidence_gaps(evaluation, report.evidence, str(path)))
    return report


def _evidence_gaps(evaluation: Evaluation, evidence: pl.DataFrame, file: str) -> list[Problem]:
    """One note per region: the applicable indicators the evidence list asks documents for and the 佐证材料 sheet
    names none — never a verdict (the dossier lists them as 尚缺)."""
    from ecozone.io.excel import layout as L

    found = []
    gaps = evidence_gaps(evaluation, evidence)
    for region in evaluation.regions.iter_rows(named=True):
        missing = gaps[region["region"]]
        if missing:
            named = "、".join(m["indicator"] for m in missing[:5]) + ("等" if len(missing) > 5 else "")
            found.append(Problem(NOTE, "evidence_missing",
                                 f"{region['name']}（{region['region']}）还有 {len(missing)} 项指标没有列出佐证材料："
                                 f"{named}（不影响判定；申报材料包中单列）",
                                 "在「佐证材料」表列出文件；每项应提供的材料见 ecozone standards evidence",
                                 file=file, sheet=L.SHEET_EVIDENCE))
    return found


def evidence_gaps(evaluation: Evaluation, evidence: pl.DataFrame) -> dict[str, list[dict[str, str]]]:
    """Per region of the evaluation, the indicators the listed ``evidence`` leaves without a document."""
    return {code: evaluation.missing_evidence(code, set(
        evidence.filter(pl.col("region") == code)["indicator"].to_list())) for code in evaluation.regions["region"]}


def listed_evidence(path: Path, listed: Path | None = None) -> pl.DataFrame | None:
    """The evidence files listed for a data source, checked: ``listed`` (an evidence.csv) if given, else the data
    folder's evidence.csv, else a workbook's 佐证材料 sheet; None when there is no list."""
    from ecozone.io.evidence_files import read_evidence_table
    from ecozone.io.excel.read import read_workbook

    if listed is not None:
        if not listed.is_file():
            raise UsageError(f"找不到佐证材料清单「{listed}」", Location(field="--evidence"),
                             expected="evidence.csv 的路径（列见 docs/data-format.md）")
        return read_evidence_table(listed)
    if path.is_dir():
        return read_evidence_table(path / "evidence.csv") if (path / "evidence.csv").is_file() else None
    if is_workbook(path):
        report = read_workbook(path, load_metrics())
        bad = [p for p in report.problems.errors if p.code == "bad_evidence"]
        if bad:
            raise bad[0].as_error(len(bad) - 1)
        return report.evidence
    return None


_INCOMPLETE = ("binding_missing", "binding_needs_review", "standard_incomplete", "nothing_applicable",
               "veto_unanswered", "veto_catalogue_missing")


def _completeness(evaluation: Evaluation, report: WorkbookImport, file: str) -> list[Problem]:
    """The evaluation's reasons for 资料不全, each as a warning at the cell (or sheet) where it is mended."""
    from ecozone.io.excel import layout as L

    cells = report.cells
    found = []
    for region in evaluation.regions.filter(pl.col("verdict") == "incomplete").iter_rows(named=True):
        for reason in region["reasons"]:
            if reason["code"] not in _INCOMPLETE:
                continue
            sheet, cell = L.SHEET_FIGURES, None
            if reason["code"].startswith("veto"):
                sheet = L.SHEET_VETOES
            elif reason["indicators"] and cells is not None:
                first = str(reason["indicators"][0])
                at = cells.filter((pl.col("region") == region["region"]) & (pl.col("year") == evaluation.year)
                                  & ((pl.col("unit_id") == first) | pl.col("unit_id").str.starts_with(first + ".")))
                cell = at["cell"][0] if at.height else None
            found.append(Problem(WARNING, reason["code"],
                                 f"{region['name']}（{region['region']}）：{reason['message']}——评估结论将为资料不全",
                                 "补齐后再评估" if cell or sheet != L.SHEET_FIGURES else "恢复被删除的指标行后补齐数据",
                                 file=file, sheet=sheet, cell=cell))
    return found


def template_regions(wanted: list[str] | None, regions_file: Path | None, default_file: Path) -> pl.DataFrame:
    """The profiles a template is made for.

    With ``regions_file`` (the user's register): its regions, or those of them named by code or name.
    Without: each wanted code or name from ``default_file`` (the bundled sample) when it is there, else
    from the national register (any county, city or district in 统计用区划代码 2023; terrain, coastal and
    the other attributes the register does not know are left for the clerk to choose in 地区信息).
    """
    from ecozone.io.tables import read_regions, regions_from_register
    from ecozone.regions.register import resolve_regions

    if regions_file is not None:
        register = read_regions(regions_file)
        if not wanted:
            return register
        by_name = {name: code for code, name in zip(register["code"], register["name"], strict=True)}
        codes = [by_name.get(w.strip(), w.strip()) for w in wanted]
        unknown = [w for w, c in zip(wanted, codes, strict=True) if c not in set(register["code"].to_list())]
        if unknown:
            raise UsageError(f"地区「{unknown[0]}」不在地区登记表 {regions_file} 中", Location(field="--region"),
                             expected="该登记表中的代码或名称")
        return register.filter(pl.col("code").is_in(codes))
    if not wanted:
        raise UsageError("请用 --region 指定地区（代码或名称），或用 --regions 给出地区登记表",
                         Location(field="--region"))
    sample = read_regions(default_file)
    known = set(sample["code"].to_list())
    own = [w.strip() for w in wanted if w.strip() in known]
    national = resolve_regions([w for w in wanted if w.strip() not in known])
    frames = [sample.filter(pl.col("code").is_in(own))]
    if national:
        frames.append(regions_from_register(national))
    return pl.concat(frames, how="vertical_relaxed")


def standard_for(path: Path | str, standard_id: str | None, year: int | None = None) -> tuple[LoadedStandard,
                                                                                           RulesChoice | None]:
    """The pack named on the command line, else the one recorded in the workbook, else the rules in force for the
    application the judged year's figures serve (``year``, else the latest with data), from the regime file —
    returned with the choice, whose reasons and warnings the caller says."""
    if standard_id:
        return load_standard(standard_id), None
    if is_workbook(path):
        from ecozone.io.excel.read import workbook_standard_id  # the workbook reader (xlsxwriter: ~40 ms) only here

        recorded = workbook_standard_id(Path(path))
        if recorded:
            return load_standard(recorded), None
    dataset = load_dataset(path)
    level = _single_level(dataset, "--standard")
    years = dataset.years
    if not years:
        raise UsageError("还没有任何数据，无法确定适用的规则", Location(field="--standard"),
                         expected="--standard mee-2019 等标准编号")
    judged = year if year is not None else years[-1]
    choice = rules_in_force(judged + load_regimes().application_lag_years, level)
    return choice.standard, choice


def _single_level(dataset: Dataset, option: str) -> str:
    """The one level (县 or 市) of the data's regions, whose rules the regime file gives; refused for a mix."""
    levels = sorted(set(dataset.regions["level"].drop_nulls().to_list()))
    if len(levels) != 1:
        raise UsageError(f"数据中有{'、'.join(levels) or '未登记'}级地区，适用的指标表不同，无法自动选择标准",
                         Location(field=option), expected="用 --standard 指定标准，或按级别分开评估")
    return str(levels[0])


def rules_named(text: str, dataset: Dataset, year: int | None = None) -> tuple[LoadedStandard, RulesChoice | None]:
    """Rules named on a command line: a pack id (or file), or an application year (four digits) whose rules in force
    the regime file gives for the data's level."""
    if not (len(text) == 4 and text.isdigit()):
        return load_standard(text), None
    choice = rules_in_force(int(text), _single_level(dataset, "--against"))
    return choice.standard, choice


@dataclass(frozen=True)
class RulesComparison:
    """The same data under two rules: the two evaluations, each region's verdicts, the indicators that moved."""

    a: Evaluation
    b: Evaluation
    verdicts: pl.DataFrame
    indicators: pl.DataFrame


def compare_rules(dataset: Dataset, a: LoadedStandard, b: LoadedStandard, year: int | None = None) -> RulesComparison:
    """Evaluate ``dataset`` under ``a`` and under ``b`` (the same judged year) and say what changes."""
    from ecozone.engine.compare import changed_indicators, changed_verdicts

    first = evaluate(a, dataset, year)
    second = evaluate(b, dataset, first.year)
    return RulesComparison(first, second, changed_verdicts(first.regions, second.regions),
                           changed_indicators(first.assessment, a, second.assessment, b))


@dataclass(frozen=True)
class Monitoring:
    """Named places after naming: each year's self-assessment verdict, the standing now, and the timeline."""

    yearly: pl.DataFrame
    standings: pl.DataFrame
    timeline: pl.DataFrame


def monitor(dataset: Dataset, standard: LoadedStandard, named: pl.DataFrame, today: dt.date | None = None,
            submitted: pl.DataFrame | None = None) -> Monitoring:
    """Evaluate every year since the earliest naming (monitor mode: warnings and revocation, not application
    gates) and read the standings and timelines of the named places from them. ``submitted``: annual
    self-assessments as submitted (region, year, verdict, reason) — they stand for their years instead of the live
    evaluation, and the timeline says so."""
    from ecozone.engine.monitoring import standings

    today = today or dt.date.today()
    if named.height == 0:
        raise UsageError("已命名名单是空的", Location(field="--named"), expected="至少一个已命名的地区")
    years = [y for y in dataset.years if y >= min(named["named_on"]).year]
    if not years:
        raise UsageError("命名之后还没有任何年度的数据", Location(field="observations"),
                         expected=f"{min(named['named_on']).year} 年及以后的数据")
    places = dataset.restricted_to(named["region"].unique().to_list())
    yearly = pl.concat([yearly_verdicts(monitor_year(places, standard, year), year) for year in years])
    yearly = yearly.with_columns(submitted=pl.lit(False))
    if submitted is not None and submitted.height:
        given = submitted.select("region", pl.col("year").cast(pl.Int32), "verdict", "reason",
                                 submitted=pl.lit(True))
        yearly = pl.concat([yearly.join(given, on=["region", "year"], how="anti"), given]).sort("region", "year")
    current, timeline = standings(named, yearly, load_regimes().monitoring, today)
    return Monitoring(yearly, current, timeline)


def monitor_year(dataset: Dataset, standard: LoadedStandard, year: int) -> Evaluation:
    """The annual self-assessment of ``year`` after naming: monitor mode, as at that year's end; an incident
    answered 是 with its date counts in its own year, as the engine counts listed incidents after naming (the
    answers are one self-check, not one per year)."""
    catalogue_id = standard.standard.veto_catalogue
    events = ({c.id for c in load_veto_catalogue(catalogue_id).conditions if c.answered_by == "incidents"}
              if catalogue_id else set())
    return evaluate(standard, _answers_known_in(dataset, year, events), year, mode="monitor", vetoes=True,
                    as_of=dt.date(year, 12, 31))


def yearly_verdicts(evaluation: Evaluation, year: int) -> pl.DataFrame:
    """(region, year, verdict, reason): the reason behind the verdict, a monitor finding before the rest."""
    return evaluation.regions.select(
        "region", pl.lit(year, pl.Int32).alias("year"), "verdict",
        reason=pl.col("reasons").list.eval(
            pl.element().sort_by(pl.element().struct.field("code").str.starts_with("monitor_").not_())
        ).list.first().struct.field("message"))


def _answers_known_in(dataset: Dataset, year: int, events: set[str]) -> Dataset:
    if dataset.answers is None:
        return dataset
    dated = pl.col("date").cast(pl.String).str.to_date(strict=False)
    elsewhere = (pl.col("condition").is_in(sorted(events)) & (pl.col("answer") == "yes") & dated.is_not_null()
                 & (dated.dt.year() != year))
    kept = dataset.answers.with_columns(  # that event is another year's: for this year the answer is no
        answer=pl.when(elsewhere).then(pl.lit("no")).otherwise("answer"),
        note=pl.when(elsewhere).then(pl.format("所答事件发生于 {}，不在 {} 年", pl.col("date"), pl.lit(year)))
        .otherwise("note"))
    return dataset.with_answers(kept, dataset.incidents)


def draft_pack(notice: Path | str, output: Path | str, *, pack_id: str | None = None, title: str | None = None,
               issuer: str | None = None, document: str | None = None) -> list[tuple[Path, Draft]]:
    """Read a notice's indicator table(s) (Word, PDF, spreadsheet, CSV) into draft pack workbooks that
    ``standards import`` reads once a person has filled what was left (``Draft.pending``). A notice with several
    tables (the 市 and the 县 table) gives one workbook each: ``草稿-市.xlsx``, ``草稿-县.xlsx`` (or ``-2``, ``-3``)."""
    from ecozone.catalogue.drafting import draft_standard, level_in_title
    from ecozone.io.notice import read_notices
    from ecozone.io.pack_workbook import write_draft_workbook

    path, output = Path(notice), Path(output)
    found = read_notices(path)
    metrics = load_metrics()
    base = pack_id or draft_id(path)
    written = []
    for k, part in enumerate(found, start=1):
        level = level_in_title(part.title) if len(found) > 1 else None
        suffix = "" if len(found) == 1 else f"-{level or k}"
        ident = base if len(found) == 1 else f"{base}-{ {'市': 'city', '县': 'county'}.get(level or '', str(k)) }"
        draft = draft_standard(part, metrics, pack_id=ident, title=title, issuer=issuer, document=document)
        target = output.with_name(f"{output.stem}{suffix}{output.suffix}")
        write_draft_workbook(draft, metrics, target, path.name)
        written.append((target, draft))
    return written


def draft_id(path: Path) -> str:
    """A pack id from the notice's file name (mee-2019.docx → mee-2019-draft), or ``draft``."""
    stem = re.sub(r"[^a-z0-9-]+", "-", path.stem.lower()).strip("-")
    return f"{stem}-draft" if re.fullmatch(r"[a-z][a-z0-9-]*", stem) else "draft"


def judged_year(standard: LoadedStandard, dataset: Dataset, year: int | None = None) -> int:
    """The year to judge: the one asked for, else the pack's rule (default: latest with data)."""
    return judged_year_among(standard, dataset.years, year)


def assess_dataset(
    standard: LoadedStandard | str, dataset: Dataset, year: int | None = None, *, years: list[int] | None = None
) -> Assessment:
    """The indicator assessment of ``dataset`` (the evaluation without the self-check)."""
    loaded = load_standard(standard) if isinstance(standard, str) else standard
    return evaluate(loaded, dataset, year, vetoes=False, years=years).assessment


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
    checked = evaluate(loaded, dataset, year, mode=mode, as_of=as_of, vetoes=True).checked
    assert checked is not None
    return checked


def what_if(dataset: Dataset, changes: list[str], year: int, *, accept_warnings: bool = False,
            standard: LoadedStandard | None = None) -> Dataset:
    """Apply ``--set [REGION:]METRIC=VALUE[@YEAR]`` hypotheses to a copy of the figures.

    METRIC is a metric id, its Chinese name, or (with ``standard``) an indicator's number (29, 7.1) when
    that indicator reads one metric; VALUE passes the same validator as every figure.
    Without a region the change applies to every region; without a year, to ``year``. Each changed
    figure's source says it is a hypothesis (假设).
    """
    metrics = load_metrics()
    by_name = {m.name: key for key, m in metrics.items()}
    if standard is not None:  # an indicator (or sub-item) number that reads exactly one metric
        from ecozone.engine.criteria import compile_standard

        compiled = compile_standard(standard)
        per_unit = compiled.leaves.join(compiled.units.select("_u", "unit_id"), on="_u").group_by("unit_id").agg(
            pl.col("metric").unique())
        by_name |= {u: ms[0] for u, ms in per_unit.iter_rows() if len(ms) == 1}
    rows: list[dict[str, object]] = []
    for change in changes:
        match = re.fullmatch(r"(?:(\d{6})[:：])?([^=＝@]+)[=＝]([^@]+)(?:@(\d+))?", change.strip())
        if not match:
            raise UsageError(f"无法识别的假设「{change}」", Location(field="--set"),
                             expected="统计量=数值[@年份]，或 地区代码:统计量=数值[@年份]，"
                                      "如 urban_sewage_treatment_rate=88@2023 或 城镇污水处理率=88")
        region, named, raw, at = (part.strip() if part else part for part in match.groups())
        metric_id = named if named in metrics else by_name.get(named)
        if metric_id is None:
            raise UsageError(f"未知的统计量或指标「{named}」", Location(field="--set"),
                             expected="统计量编号或名称，或只读一个统计量的指标序号（如 29），"
                                      "可用 `ecozone standards show 标准编号` 查看")
        if region and region not in set(dataset.regions["code"].to_list()):
            raise UsageError(f"地区代码「{region}」不在数据中", Location(field="--set"), expected="数据中的地区代码")
        for code in [region] if region else dataset.regions["code"].to_list():
            rows.append({"_key": len(rows), "region": code, "year": at or str(year), "metric": metric_id,
                         "text": raw, "number": None, "_change": change})
    if not rows:
        return dataset
    cells = pl.DataFrame(rows, schema={**INPUT_SCHEMA, "_change": pl.String})
    checked = check_figures(cells, metrics, history=dataset.observations)  # _change is carried to the figures
    blocking = checked.errors if checked.errors.height or accept_warnings else checked.to_confirm
    if blocking.height:
        first = blocking.row(0, named=True)
        change = cells["_change"][first["_key"]]
        error_type = ConfirmationNeeded if first["confirm"] else UsageError
        raise error_type(f"假设「{change}」：{first['message']}", Location(field="--set"), expected=first["expected"])
    changed = checked.figures.filter(~pl.col("explicit")).select(
        "region", "year", "metric", "value", "state",
        source=pl.format("假设（--set {}）", pl.col("_change")), note=pl.lit(None, dtype=pl.String),
    ).unique(["region", "year", "metric"], keep="last", maintain_order=True)
    kept = dataset.observations.join(changed.select("region", "year", "metric"), on=["region", "year", "metric"],
                                     how="anti")
    return dataset.with_observations(pl.concat([kept, changed.cast(dataset.observations.schema)]))


def write_region_reports(
    evaluation: Evaluation,
    formats: list[str],
    regions: list[str] | None,
    folder: Path,
    template: Path | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> dict[str, dict[str, Path]]:
    """Write each region's reports (html/pdf/docx/xlsx) into ``folder``; returns region → format → file.

    The contexts are built here, once; several regions are rendered in parallel processes (``workers``,
    default: one per core, at most one per region). ``progress`` is told each region's code when it is done."""
    # reports pull in matplotlib and WeasyPrint: import them only when a report is asked for
    from ecozone.reports import build_context, write_reports
    from ecozone.reports.render import check_docx_template

    codes = regions or evaluation.regions["region"].to_list()
    jobs = {code: (formats, build_context(evaluation, code), folder,
                   f"{evaluation.names.get(code, code)}{code}_{evaluation.standard.id}_{evaluation.year}")
            for code in codes}
    if template is not None and "docx" in formats and jobs:  # refused once, before any process starts
        check_docx_template(template, next(iter(jobs.values()))[1])
    workers = min(workers or os.cpu_count() or 1, len(codes))
    written: dict[str, dict[str, Path]] = {}
    if workers <= 1:
        for code, (fmts, context, target, stem) in jobs.items():
            written[code] = write_reports(fmts, context, target, stem, template=template)
            if progress:
                progress(code)
        return written
    # imported here: the process machinery costs every command ~15 ms at start, and only reports use it
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawned, not forked: a fork of a process running polars' thread pool can deadlock
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(write_reports, fmts, context, target, stem, template=template): code
                   for code, (fmts, context, target, stem) in jobs.items()}
        for future in as_completed(futures):
            written[futures[future]] = future.result()
            if progress:
                progress(futures[future])
    return {code: written[code] for code in codes}
