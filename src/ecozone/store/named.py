"""The register of named places in the store: imported from a list (named.csv or xlsx), never deleted by an
import that does not mention a place, every change audited; and each named place's standing, read live from the
store's figures and answers by the same monitoring as ``ecozone monitor``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecozone import api
from ecozone.catalogue import LoadedStandard
from ecozone.io.named import NAMED_SCHEMA, read_named
from ecozone.store.models import AuditRecord, NamedPlace, Region
from ecozone.store.permissions import scope_prefix
from ecozone.store.repository import Actor, evaluable_dataset

__all__ = ["import_named", "named_in_scope", "named_table", "standings_in_scope"]


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
        if current is None:
            session.add(NamedPlace(region=row["region"], title=row["title"], **new))
            old = None
            added += 1
        else:
            old = {k: str(getattr(current, k)) if getattr(current, k) is not None else None for k in new}
            if old == {k: str(v) if v is not None else None for k, v in new.items()}:
                continue
            for key, value in new.items():
                setattr(current, key, value)
            changed += 1
        session.add(AuditRecord(user=actor.name, entity="named", region=row["region"], key={"title": row["title"]},
                                old=old, new={k: str(v) if v is not None else None for k, v in new.items()},
                                reason=f"导入已命名名单 {path.name}"))
    session.flush()
    return added, changed


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
    return api.monitor(dataset, standard, named_table(places), today)
