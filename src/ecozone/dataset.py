"""The one input contract: what every adapter hands the evaluation about places.

A ``Dataset`` is the same whether it came from CSV/Parquet, a filled workbook, the web form,
the API or the store; each table has one schema, declared here. ``answers is None`` means the
self-check was not asked (a folder without ``vetoes.csv``); an empty answers table means it was
asked and nothing is answered yet, which the self-check reports as 资料不全.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

import polars as pl

from ecozone.regions.profile import FLAGS

__all__ = [
    "ANSWER_SCHEMA",
    "ASSIGNED_SCHEMA",
    "INCIDENT_SCHEMA",
    "OBSERVATION_SCHEMA",
    "REGION_SCHEMA",
    "Dataset",
    "Schema",
]

Schema = dict[str, pl.DataType | type[pl.DataType]]

REGION_SCHEMA: Schema = {
    "code": pl.String, "name": pl.String, "level": pl.String, "parent": pl.String, "terrain": pl.String,
    "zone": pl.String, "city_size": pl.String, **{flag: pl.Boolean for flag in FLAGS},
}
OBSERVATION_SCHEMA: Schema = {
    "region": pl.String, "year": pl.Int32, "metric": pl.String, "value": pl.Float64, "state": pl.String,
    "source": pl.String, "note": pl.String,
}
ASSIGNED_SCHEMA: Schema = {
    "region": pl.String, "year": pl.Int32, "metric": pl.String, "target": pl.Float64, "source": pl.String,
}
ANSWER_SCHEMA: Schema = {
    "region": pl.String, "condition": pl.String, "answer": pl.String, "document": pl.String,
    "date": pl.String, "note": pl.String, "file": pl.String, "override_reason": pl.String,
}
INCIDENT_SCHEMA: Schema = {
    "region": pl.String, "date": pl.Date, "grade": pl.String, "name": pl.String, "document": pl.String,
}


@dataclass(frozen=True)
class Dataset:
    """Everything an evaluation reads about places: profiles, figures, assigned targets, veto answers, incidents."""

    regions: pl.DataFrame
    observations: pl.DataFrame
    assigned: pl.DataFrame | None = None
    answers: pl.DataFrame | None = None  # self-check answers (否决项自查); None: not asked
    incidents: pl.DataFrame | None = None  # environmental incidents with their official grade
    # incidents a file marks 删除: only a store acts on them (an explicit removal, never an absence)
    incidents_removed: pl.DataFrame | None = None

    @property
    def years(self) -> list[int]:
        """The years that have at least one figure, oldest first."""
        return sorted(self.observations["year"].unique().to_list())

    @property
    def asks_selfcheck(self) -> bool:
        """Whether the data carry the self-check (answers or incidents, even empty)."""
        return self.answers is not None or self.incidents is not None

    def with_observations(self, observations: pl.DataFrame) -> Dataset:
        return replace(self, observations=observations)

    def with_answers(self, answers: pl.DataFrame | None, incidents: pl.DataFrame | None) -> Dataset:
        return replace(self, answers=answers, incidents=incidents)

    def restricted_to(self, codes: Collection[str]) -> Dataset:
        """The same data for these regions only."""
        keep = list(codes)

        def only(frame: pl.DataFrame | None) -> pl.DataFrame | None:
            return None if frame is None else frame.filter(pl.col("region").is_in(keep))

        return replace(self, regions=self.regions.filter(pl.col("code").is_in(keep)),
                       observations=self.observations.filter(pl.col("region").is_in(keep)),
                       assigned=only(self.assigned), answers=only(self.answers), incidents=only(self.incidents),
                       incidents_removed=only(self.incidents_removed))

    def answering(self, conditions: Collection[str]) -> Dataset:
        """Only the answers to these conditions: a stored answer to a question the standard's catalogue does
        not ask (left by an older catalogue) is not evaluated, instead of failing the county's page."""
        if self.answers is None:
            return self
        return replace(self, answers=self.answers.filter(pl.col("condition").is_in(list(conditions))))

    @classmethod
    def empty(cls) -> Dataset:
        """No regions and no figures (a store with nothing in scope)."""
        return cls(pl.DataFrame(schema=REGION_SCHEMA), pl.DataFrame(schema=OBSERVATION_SCHEMA))
