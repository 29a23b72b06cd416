"""The boundary map of a prefecture (or province): the user's GeoJSON, checked, kept with its 审图号.

It is kept as a stored file of kind ``map`` under the uploader's home region; the newest one is
the map shown. Older ones stay in the store (a backup restores them too), they are simply not shown.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecozone.io.geojson import BoundaryMap, read_boundaries
from ecozone.store.models import StoredFile
from ecozone.store.repository import Actor, regions_in_scope, save_file

__all__ = ["current_map", "save_map"]

KIND = "map"


def save_map(session: Session, actor: Actor, data: bytes, filename: str, approval: str) -> BoundaryMap:
    """Check the GeoJSON against the regions in the actor's scope and keep it as the map shown."""
    actor.require("map", actor.region)  # before the file is parsed
    regions = {r.code: r.name for r in regions_in_scope(session, actor) if r.code != actor.region}
    boundaries = read_boundaries(data, filename, approval, regions)
    save_file(session, actor, KIND, actor.region, filename, boundaries.to_json(), "application/geo+json")
    return boundaries


def current_map(session: Session, actor: Actor) -> BoundaryMap | None:
    """The newest map kept for the actor's home region, if any."""
    actor.require("view", actor.region)
    data = session.scalar(select(StoredFile.data).where(StoredFile.kind == KIND, StoredFile.region == actor.region)
                          .order_by(StoredFile.id.desc()).limit(1))
    return BoundaryMap.from_json(data) if data is not None else None
