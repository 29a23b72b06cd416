"""Figures in: CSV/Parquet tables, filled workbooks, answers and incidents, each checked by ``io.validate``."""

from ecozone.io.tables import read_assigned, read_dataset, read_observations, read_regions

__all__ = ["read_assigned", "read_dataset", "read_observations", "read_regions"]
