"""The self-check (自查) with one-vote veto: conditions answered, derived or unknown → a verdict.

Before application (``mode="apply"``) the gates run in this order, each with its reasons:
vetoed (any condition that blocks application or naming is answered yes) → incomplete (a
blocking condition unanswered, indicator data missing, or an incomplete pack) → not_ready
(a binding indicator not met) → ready. After naming (``mode="monitor"``) the same
conditions raise warnings and revocation triggers instead: revocation → warning →
incomplete → keep.

Pure: tables in, tables out. Loops run over the catalogue's conditions (about ten), never
over regions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import polars as pl

from ecozone.catalogue.vetoes import VetoCatalogue, VetoCondition
from ecozone.dataset import ANSWER_SCHEMA, INCIDENT_SCHEMA, Schema
from ecozone.engine.assess import Assessment
from ecozone.engine.explain import exact, num_text
from ecozone.engine.trend import window_stats
from ecozone.errors import Location, UsageError
from ecozone.vocabulary import ANSWER, EFFECT, MONITOR_VERDICT

__all__ = ["ANSWERS", "MONITOR_VERDICTS", "SelfCheck", "selfcheck"]

Mode = Literal["apply", "monitor"]
ANSWERS = ANSWER.codes
MONITOR_VERDICTS = MONITOR_VERDICT.codes



@dataclass(frozen=True)
class SelfCheck:
    """``checklist``: one row per (region, condition). ``regions``: the verdict and its reasons."""

    assessment: Assessment
    catalogue: VetoCatalogue | None
    mode: Mode
    as_of: dt.date
    checklist: pl.DataFrame
    regions: pl.DataFrame


def selfcheck(
    assessment: Assessment,
    catalogue: VetoCatalogue | None,
    observations: pl.DataFrame,
    answers: pl.DataFrame | None = None,
    incidents: pl.DataFrame | None = None,
    *,
    as_of: dt.date | None = None,
    mode: Mode = "apply",
) -> SelfCheck:
    """Answer every condition of ``catalogue`` for every assessed region and give the verdict."""
    as_of = as_of or dt.date(assessment.year + 1, 12, 31)
    answers = answers if answers is not None else pl.DataFrame(schema=ANSWER_SCHEMA)
    incidents = incidents if incidents is not None else pl.DataFrame(schema=INCIDENT_SCHEMA)
    regions = assessment.regions.select("region")
    rows: list[pl.DataFrame] = []
    if catalogue is not None:
        for condition in catalogue.conditions:
            if mode not in condition.modes:
                continue
            found = _answer(condition, catalogue, assessment, observations, incidents, regions, as_of, mode)
            rows.append(_with_user_answer(condition, found, answers, mode, catalogue.parameters.blocking_effects))
    checklist = pl.concat(rows) if rows else pl.DataFrame(schema=_CHECKLIST_SCHEMA)
    verdicts = _verdicts(assessment, checklist, catalogue, mode)
    return SelfCheck(assessment, catalogue, mode, as_of, checklist, verdicts)


_CHECKLIST_SCHEMA: Schema = {
    "region": pl.String, "condition": pl.String, "wording": pl.String, "answered_by": pl.String,
    "answer": pl.String, "derived": pl.Boolean, "derived_answer": pl.String, "discrepancy": pl.String,
    "overridden": pl.Boolean, "override_reason": pl.String,
    "effects": pl.List(pl.String), "effect_text": pl.String, "blocking": pl.Boolean,
    "window_years": pl.Int64, "window_text": pl.String, "evidence": pl.String, "evidence_required": pl.String,
    "triggered_by": pl.String, "order": pl.Int64,
}


# --- answering each condition ----------------------------------------------------------


def _answer(
    condition: VetoCondition, catalogue: VetoCatalogue, assessment: Assessment, observations: pl.DataFrame,
    incidents: pl.DataFrame, regions: pl.DataFrame, as_of: dt.date, mode: Mode,
) -> pl.DataFrame:
    """Per region: the derived answer (or null) and what triggered it."""
    empty = regions.with_columns(derived_answer=pl.lit(None, dtype=pl.String),
                                 triggered_by=pl.lit(None, dtype=pl.String))
    if condition.answered_by == "incidents":
        return _incidents(condition, incidents, regions, as_of, mode, assessment.year)
    if condition.derived is None:
        return empty
    kind = condition.derived.kind
    if kind == "state":
        return _state(condition, observations, regions, assessment.year)
    if kind == "assigned_missed":
        return _assigned_missed(condition, assessment, regions)
    if kind == "decline":
        return _decline(condition, catalogue, observations, regions, assessment)
    return _binding_not_met(assessment, regions)


def _yes_no(hit: pl.Expr, known: pl.Expr) -> pl.Expr:
    return pl.when(hit).then(pl.lit("yes")).when(known).then(pl.lit("no")).otherwise(pl.lit("unknown"))


def _incidents(condition: VetoCondition, incidents: pl.DataFrame, regions: pl.DataFrame, as_of: dt.date,
               mode: Mode, year: int) -> pl.DataFrame:
    """An incident counts when its official grade is listed and it falls inside the window."""
    if mode == "monitor":  # after naming: any such incident in the year under review
        inside = pl.col("date").is_between(dt.date(year, 1, 1), dt.date(year, 12, 31))
    else:
        # N years back from the self-check date, that date included and the day N years before it not:
        # with as-of 2024-12-31 a 3-year window holds 2022-01-01 … 2024-12-31 (exactly three years)
        years = condition.window() or 0
        start = _years_before(as_of, years)
        inside = (pl.col("date") > start) & (pl.col("date") <= as_of)
    counted = incidents.filter(pl.col("grade").is_in(list(condition.grades)) & inside)
    listed = counted.group_by("region").agg(
        triggered_by=pl.format("{}（{}级，{}，{}）", pl.col("name").fill_null("事件"), pl.col("grade"),
                               pl.col("date").cast(pl.String), pl.col("document").fill_null("无文号")).str.join("；")
    )
    return regions.join(listed, on="region", how="left").with_columns(
        derived_answer=pl.when(pl.col("triggered_by").is_not_null()).then(pl.lit("yes"))
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (29 February falls back to 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _state(condition: VetoCondition, observations: pl.DataFrame, regions: pl.DataFrame, year: int) -> pl.DataFrame:
    assert condition.derived is not None
    metric = condition.derived.metrics[0]
    states = observations.filter((pl.col("metric") == metric) & (pl.col("year") == year)).select("region", "state")
    hit = pl.col("state").is_in(list(condition.derived.states))
    return regions.join(states, on="region", how="left").select(
        "region",
        derived_answer=_yes_no(hit, pl.col("state").is_not_null()),
        triggered_by=pl.when(hit).then(pl.format("{}年填报：{}", pl.lit(year), pl.col("state"))),
    )


def _assigned_missed(condition: VetoCondition, assessment: Assessment, regions: pl.DataFrame) -> pl.DataFrame:
    assert condition.derived is not None
    leaves = assessment.leaves.filter(
        (pl.col("kind") == "assigned") & pl.col("metric").is_in(list(condition.derived.metrics))
        & pl.col("status").is_in(["met", "not_met"])
    )
    missed = pl.col("status") == "not_met"
    per_region = leaves.group_by("region").agg(
        hit=missed.any(),
        triggered_by=pl.format("{}为{}（目标 {}）", _metric_names(assessment), num_text(pl.col("value")),
                               num_text(pl.col("target"))).filter(missed).str.join("；"),
    )
    return regions.join(per_region, on="region", how="left").select(
        "region",
        derived_answer=_yes_no(pl.col("hit").fill_null(False), pl.col("hit").is_not_null()),
        triggered_by=pl.when(pl.col("hit")).then(pl.col("triggered_by")),
    )


def _decline(condition: VetoCondition, catalogue: VetoCatalogue, observations: pl.DataFrame,
             regions: pl.DataFrame, assessment: Assessment) -> pl.DataFrame:
    """Quality moving the wrong way faster than the tolerance (% of the window mean per year)."""
    assert condition.derived is not None
    metrics = list(condition.derived.metrics)
    first, last = assessment.window
    stats = window_stats(observations.lazy(), metrics, last, last - first + 1).collect()
    directions = pl.DataFrame({
        "metric": metrics,
        "sign": [-1.0 if assessment.standard.metric(m).direction == "lower" else 1.0 for m in metrics],
    })
    change = pl.col("sign") * pl.col("slope") / pl.col("window_mean").abs() * 100
    # as for the indicators' trends: without the window's base year the change cannot be judged (unknown)
    judged = stats.join(directions, on="metric").with_columns(change=exact(change)).filter(
        pl.col("change").is_not_null() & pl.col("base_value").is_not_null())
    falling = pl.col("change") < -catalogue.parameters.decline_tolerance
    per_region = judged.group_by("region").agg(
        hit=falling.any(),
        triggered_by=pl.format("{}年均变化 {}%", _metric_names(assessment), num_text(pl.col("change")))
        .filter(falling).str.join("；"),
    )
    return regions.join(per_region, on="region", how="left").select(
        "region",
        derived_answer=_yes_no(pl.col("hit").fill_null(False), pl.col("hit").is_not_null()),
        triggered_by=pl.when(pl.col("hit")).then(
            pl.format("{}–{}年：{}", pl.lit(first), pl.lit(last), pl.col("triggered_by"))),
    )


def _metric_names(assessment: Assessment) -> pl.Expr:
    """The ``metric`` column as the metrics' Chinese names (a reason never shows an id)."""
    names = {m: metric.name for m, metric in assessment.standard.metrics.items()}
    return pl.col("metric").replace_strict(names, default=pl.col("metric"), return_dtype=pl.String)


def _binding_not_met(assessment: Assessment, regions: pl.DataFrame) -> pl.DataFrame:
    gates = assessment.indicators.filter(pl.col("gates") & (pl.col("status") != "not_applicable"))
    missed = pl.col("status") == "not_met"
    per_region = gates.group_by("region").agg(
        hit=missed.any(), decided=pl.col("status").is_in(["met", "not_met"]).all(),
        triggered_by=pl.format("第{}项", pl.col("indicator_id")).filter(missed).str.join("、"),
    )
    return regions.join(per_region, on="region", how="left").select(
        "region",
        derived_answer=_yes_no(pl.col("hit").fill_null(False), pl.col("decided").fill_null(False)),
        triggered_by=pl.when(pl.col("hit")).then(pl.format("约束性指标未达标：{}", pl.col("triggered_by"))),
    )


def _with_user_answer(condition: VetoCondition, found: pl.DataFrame, answers: pl.DataFrame, mode: Mode,
                      blocking_effects: tuple[str, ...]) -> pl.DataFrame:
    """Combine the derived answer with the user's; a "no" over a derived "yes" needs a reason."""
    given = answers.filter(pl.col("condition") == condition.id).drop("condition").unique("region", keep="last")
    rows = found.join(given, on="region", how="left")
    derived_yes = pl.col("derived_answer") == "yes"
    refused = rows.filter(derived_yes & (pl.col("answer") == "no")
                          & pl.col("override_reason").fill_null("").str.strip_chars().eq(""))
    if refused.height:
        region = refused["region"][0]
        raise UsageError(
            f"地区 {region} 的「{condition.wording}」由数据推算为「是」（{refused['triggered_by'][0]}），"
            "回答「否」必须填写推翻理由",
            Location(field=f"vetoes.{condition.id}.override_reason"),
            expected="在推翻理由一栏说明依据（如上级核定文件），或改回「是」",
        )
    overridden = (derived_yes & (pl.col("answer") == "no")).fill_null(False)
    declared_yes = (pl.col("answer") == "yes").fill_null(False)
    # a declared 是 always stands (the county knows what the figures do not); an answer that disagrees with
    # the figures is kept and the disagreement shown beside it, never settled silently either way
    answer = (
        pl.when(declared_yes).then(pl.lit("yes"))
        .when(overridden).then(pl.lit("no"))
        .when(pl.col("derived_answer").is_in(["yes", "no"])).then(pl.col("derived_answer"))
        .otherwise(pl.col("answer").fill_null("unknown"))
    )
    derived_said = pl.format("数据推算为{}", pl.col("derived_answer").replace_strict(
        dict(ANSWER), default="", return_dtype=pl.String))
    discrepancy = (
        pl.when(declared_yes & (pl.col("derived_answer") == "no"))
        .then(pl.format("自查回答为是，{}", derived_said))
        .when(overridden).then(pl.format("自查回答为否（推翻理由：{}），{}（{}）", pl.col("override_reason"),
                                         derived_said, pl.col("triggered_by")))
    )
    effects = list(condition.effects.apply if mode == "apply" else condition.effects.monitor)
    evidence = pl.concat_str(
        [pl.col("document"), pl.col("date"), pl.col("note"), pl.col("file")], separator="；", ignore_nulls=True
    )
    return rows.select(
        "region",
        condition=pl.lit(condition.id),
        wording=pl.lit(condition.wording),
        answered_by=pl.lit(condition.answered_by),
        answer=answer,
        derived=(pl.col("derived_answer").is_in(["yes", "no"]) & ~overridden & ~declared_yes).fill_null(False),
        derived_answer=pl.col("derived_answer"),
        discrepancy=discrepancy,
        overridden=overridden.fill_null(False),
        override_reason=pl.when(overridden).then(pl.col("override_reason")),
        effects=pl.lit(effects, dtype=pl.List(pl.String)),
        effect_text=pl.lit("、".join(EFFECT[e] for e in effects) or "仅提示"),
        blocking=pl.lit(bool(set(blocking_effects) & set(effects))) if mode == "apply" else pl.lit(bool(effects)),
        window_years=pl.lit(condition.window(), dtype=pl.Int64),
        window_text=pl.lit(condition.window_text()),
        evidence=pl.when(evidence != "").then(evidence),
        evidence_required=pl.lit(condition.evidence),
        triggered_by=pl.col("triggered_by"),
        order=pl.lit(0, dtype=pl.Int64),
    )


# --- verdicts --------------------------------------------------------------------------


def _verdicts(assessment: Assessment, checklist: pl.DataFrame, catalogue: VetoCatalogue | None,
              mode: Mode) -> pl.DataFrame:
    yes, unknown = pl.col("answer") == "yes", pl.col("answer") == "unknown"
    effects = pl.col("effects")
    label = pl.format("{}（{}）", pl.col("wording"),
                      pl.coalesce("triggered_by", "evidence", pl.lit("自查回答：是")))
    per_region = checklist.group_by("region").agg(
        blocked=pl.col("condition").filter(yes & pl.col("blocking")),
        blocked_text=label.filter(yes & pl.col("blocking")),
        unanswered=pl.col("wording").filter(unknown & (pl.col("blocking") | (pl.lit(mode) == "monitor"))),
        # after naming a W+RV condition warns first (revocation follows a failed rectification);
        # an RV-only condition (data fraud, failed rectification) revokes at once
        warned=label.filter(yes & effects.list.contains("W")),
        revoked=label.filter(yes & effects.list.contains("RV") & ~effects.list.contains("W")),
        disputed=pl.format("{}（{}）", pl.col("wording"), pl.col("discrepancy")).filter(
            pl.col("discrepancy").is_not_null()),
    )
    regions = assessment.regions.join(per_region, on="region", how="left")
    empty = pl.lit([], dtype=pl.List(pl.String))
    regions = regions.with_columns(
        pl.col(c).fill_null(empty) for c in ("blocked", "blocked_text", "unanswered", "warned", "revoked", "disputed"))
    no_catalogue = pl.lit(catalogue is None)
    has = {c: pl.col(c).list.len() > 0 for c in ("blocked", "unanswered", "warned", "revoked", "disputed")}
    indicators = pl.col("verdict")
    if mode == "apply":
        verdict = (
            pl.when(has["blocked"]).then(pl.lit("vetoed"))
            .when(has["unanswered"] | no_catalogue | (indicators == "incomplete")).then(pl.lit("incomplete"))
            .otherwise(indicators)
        )
    else:
        verdict = (
            pl.when(has["revoked"]).then(pl.lit("revocation"))
            .when(has["warned"]).then(pl.lit("warning"))
            .when(has["unanswered"] | no_catalogue).then(pl.lit("incomplete"))
            .otherwise(pl.lit("keep"))
        )
    reason = pl.Struct({"code": pl.String, "message": pl.String, "indicators": pl.List(pl.String)})

    def item(code: str, condition: pl.Expr, message: pl.Expr) -> pl.Expr:
        return pl.when(condition).then(pl.struct(code=pl.lit(code), message=message, indicators=empty))

    veto_reasons = pl.concat_list([
        # after naming nothing is vetoed: a hit is a warning or a revocation, said by the items below
        item("veto_hit", has["blocked"] & pl.lit(mode == "apply"),
             pl.format("一票否决：{}", pl.col("blocked_text").list.join("；"))),
        item("veto_unanswered", has["unanswered"],
             pl.format("否决项自查未完成（未回答）：{}", pl.col("unanswered").list.join("；"))),
        item("veto_catalogue_missing", no_catalogue, pl.lit("本标准未关联否决项目录，否决项无法自查")),
        item("monitor_revocation" if mode == "monitor" else "veto_revocation_risk", has["revoked"],
             pl.format("撤销情形：{}", pl.col("revoked").list.join("；"))),
        item("monitor_warning" if mode == "monitor" else "veto_warning", has["warned"],
             pl.format("警告情形：{}", pl.col("warned").list.join("；"))),
        item("veto_discrepancy", has["disputed"],
             pl.format("待核实：自查回答与数据推算不一致：{}", pl.col("disputed").list.join("；"))),
    ]).list.drop_nulls()
    # The indicator reasons follow the veto reasons. Their "ready" notes hold only when the
    # final verdict is still ready (in apply mode) — in monitor mode they never apply.
    ready_only = ["all_gates_met", "unverified_targets"]
    keep_ready_notes = pl.col("_final") == "ready"
    base = pl.when(keep_ready_notes).then(pl.col("reasons")).otherwise(
        pl.col("reasons").list.eval(pl.element().filter(~pl.element().struct.field("code").is_in(ready_only))))
    combined = pl.concat_list([veto_reasons.cast(pl.List(reason)), base.cast(pl.List(reason))])
    return (
        regions.with_columns(indicator_verdict=pl.col("verdict"), _final=verdict)
        .with_columns(reasons=combined)
        .with_columns(verdict=pl.col("_final"))
        .drop("_final", "blocked", "blocked_text", "unanswered", "warned", "revoked", "disputed")
    )
