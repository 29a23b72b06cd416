"""The register of named places in the store: imported from a list (named.csv or xlsx), never deleted by an
import that does not mention a place, every change audited; and each named place's standing, read live from the
store's figures and answers by the same monitoring as ``ecozone monitor``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecozone import api
from ecozone.catalogue import LoadedStandard
from ecozone.errors import Location, UsageError
from ecozone.io.named import NAMED_SCHEMA, read_named
from ecozone.store.models import AuditRecord, NamedPlace, Region, SelfAssessment
from ecozone.store.permissions import scope_prefix
from ecozone.store.repository import Actor, evaluable_dataset

__all__ = ["NamedRow", "import_named", "named_board", "named_in_scope", "named_table", "self_assessments",
           "standings_in_scope", "submit_self_assessment"]


def import_named(session: Session, actor: Actor, path: Path) -> tuple[int, int]:
    """Add or update the listed titles (by region and title); (added, changed). Refused whole if any row is not
    the actor's to set (the province or the prefecture of the region) or is malformed."""
    known = {code for code in session.scalars(select(Region.code))}
    listed = read_named(path, known)
    for region in listed["region"].unique().to_list():
        actor.require("map", region)  # the board's keepers: prefecture and province
    stored = {(p.region, p.title): p for p in session.scalars(select(NamedPlace).where(
        NamedPlace.region.in_(listed["region"].unique().to_list())))}
    added = changed = 0
    for row in listed.iter_rows(named=True):
        current = stored.get((row["region"], row["title"]))
        new = {k: row[k] for k in ("batch", "named_on", "document", "source")}
        said = _as_text(new)  # as the audit keeps it, and as the stored one is compared
        if current is None:
            session.add(NamedPlace(region=row["region"], title=row["title"], **new))
            old = None
            added += 1
        else:
            old = _as_text({k: getattr(current, k) for k in new})
            if old == said:
                continue
            for key, value in new.items():
                setattr(current, key, value)
            changed += 1
        session.add(AuditRecord(user=actor.name, entity="named", region=row["region"], key={"title": row["title"]},
                                old=old, new=said, reason=f"导入已命名名单 {path.name}"))
    session.flush()
    return added, changed


def _as_text(values: dict[str, object]) -> dict[str, str | None]:
    return {key: str(value) if value is not None else None for key, value in values.items()}


def named_in_scope(session: Session, actor: Actor) -> list[NamedPlace]:
    prefix = scope_prefix(actor.role, actor.region)
    return [p for p in session.scalars(select(NamedPlace).where(NamedPlace.region.startswith(prefix))
                                       .order_by(NamedPlace.region)) if actor.may("view", p.region).allowed]


def named_table(places: list[NamedPlace]) -> pl.DataFrame:
    return pl.DataFrame([{"region": p.region, "title": p.title, "batch": p.batch, "named_on": p.named_on,
                          "document": p.document, "source": p.source} for p in places], schema=NAMED_SCHEMA)


def standings_in_scope(session: Session, actor: Actor, standard: LoadedStandard, region: str | None = None,
                       today: dt.date | None = None) -> api.Monitoring | None:
    """The named places of the scope (or one region) read by ``api.monitor`` from the store's data; None when no
    place of the scope is named or no year since naming has data."""
    places = [p for p in named_in_scope(session, actor) if region is None or p.region == region]
    if not places:
        return None
    dataset = evaluable_dataset(session, actor, standard, region=region)
    if not dataset.years or max(dataset.years) < min(p.named_on.year for p in places):
        return None
    latest = self_assessments(session, actor, [p.region for p in places])
    submitted = pl.DataFrame([{"region": s.region, "year": s.year, "verdict": s.verdict, "reason": s.reason}
                              for s in latest.values()],
                             schema={"region": pl.String, "year": pl.Int32, "verdict": pl.String, "reason": pl.String})
    return api.monitor(dataset, standard, named_table(places), today, submitted)


@dataclass(frozen=True)
class NamedRow:
    """One named place on the named-places board: its standing (a row of ``Monitoring.standings``), its name, the
    latest year whose self-assessment was submitted, and its ledger's open and overdue problems."""

    standing: dict[str, Any]
    name: str
    submitted_year: int | None
    open_findings: int
    overdue_findings: int


def named_board(session: Session, actor: Actor, standings: pl.DataFrame, findings: dict[str, dict[str, int]],
                standing: str | None = None) -> list[NamedRow]:
    """The named places of the scope in the order their next step falls due (revoked places last), optionally
    only those of one standing."""
    regions = standings["region"].unique().to_list()
    names = {code: name for code, name in session.execute(
        select(Region.code, Region.name).where(Region.code.in_(regions)))}
    submitted: dict[str, int] = {}
    for region, year in self_assessments(session, actor, regions):
        submitted[region] = max(year, submitted.get(region, year))
    rows = standings if standing is None else standings.filter(pl.col("standing") == standing)
    return [NamedRow(row, names.get(row["region"], row["region"]), submitted.get(row["region"]),
                     findings.get(row["region"], {}).get("open", 0), findings.get(row["region"], {}).get("overdue", 0))
            for row in rows.sort("next_due", "region", nulls_last=True).iter_rows(named=True)]


def self_assessments(session: Session, actor: Actor, regions: list[str]) -> dict[tuple[str, int], SelfAssessment]:
    """The latest submitted self-assessment of each (region, year)."""
    found: dict[tuple[str, int], SelfAssessment] = {}
    for row in session.scalars(select(SelfAssessment).where(SelfAssessment.region.in_(regions))
                               .order_by(SelfAssessment.id)):
        if actor.may("view", row.region).allowed:
            found[(row.region, row.year)] = row  # a later submission for the year supersedes
    return found


def submit_self_assessment(session: Session, actor: Actor, standard: LoadedStandard, region: str, year: int
                           ) -> SelfAssessment:
    """Freeze a named place's self-assessment of ``year`` (monitor mode, as ``ecozone monitor`` judges it) with the
    rules' fingerprint; audited."""
    from ecozone.reports.results_json import evaluation_to_dict

    actor.require("submit", region)
    place = session.scalar(select(NamedPlace).where(NamedPlace.region == region).order_by(NamedPlace.named_on))
    if place is None:
        raise UsageError(f"{region} 不在已命名名单中，没有命名后的年度自评估", Location(field="地区"),
                         expected="先由州（市）或省导入已命名名单")
    dataset = evaluable_dataset(session, actor, standard, region=region)
    if not place.named_on.year <= year <= max(dataset.years, default=0):
        raise UsageError(f"{year} 年不能提交自评估", Location(field="年度"),
                         expected=f"命名当年（{place.named_on.year}）至最近有数据的年度")
    evaluation = api.monitor_year(dataset, standard, year)
    row = api.yearly_verdicts(evaluation, year).row(0, named=True)
    kept = SelfAssessment(region=region, year=year, standard_id=standard.id, pack_hash=standard.hash,
                          verdict=row["verdict"], reason=row["reason"], snapshot=evaluation_to_dict(evaluation),
                          created_by=actor.name)
    session.add(kept)
    session.add(AuditRecord(user=actor.name, entity="self_assessment", region=region, key={"year": year}, old=None,
                            new={"verdict": row["verdict"], "pack_hash": standard.hash}, reason="提交年度自评估"))
    session.flush()
    return kept
