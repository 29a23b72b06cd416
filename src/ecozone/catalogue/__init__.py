"""Standards as data: the pack format, the strict loader and the shipped packs."""

from ecozone.catalogue.library import list_standards, load_standard, load_standard_file
from ecozone.catalogue.load import LoadedStandard, load_metrics
from ecozone.catalogue.model import Indicator, Metric, Standard

__all__ = [
    "Indicator",
    "LoadedStandard",
    "Metric",
    "Standard",
    "list_standards",
    "load_metrics",
    "load_standard",
    "load_standard_file",
]
