"""Alembic environment: the URL comes from ecozone's configuration, the metadata from the models."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from ecozone.store.models import Base

config = context.config
target_metadata = Base.metadata

engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
try:
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()  # a migration must not leave connections open
