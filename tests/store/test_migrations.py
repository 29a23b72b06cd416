"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL: a column or a constraint
added to a model without its migration (or the other way round) is found here, not in a user's upgrade."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ecozone.store import db
from ecozone.store.models import Base


def test_the_migrated_schema_is_the_models(database_url: str) -> None:
    db.upgrade(database_url)
    engine = db.engine_for(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []
