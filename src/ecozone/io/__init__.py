"""Adapters for figures and results: CSV/Parquet tables in, JSON out (Excel arrives later)."""

from ecozone.io.results_json import assessment_to_dict
from ecozone.io.tables import Dataset, read_assigned, read_dataset, read_observations, read_regions

__all__ = [
    "Dataset",
    "assessment_to_dict",
    "read_assigned",
    "read_dataset",
    "read_observations",
    "read_regions",
]
