"""ecozone — 生态文明建设示范区指标评估.

The public surface: load a standard pack, read a dataset, assess it. Everything else
(CLI, reports, web) is built on these names.
"""

from ecozone.api import assess_dataset, check_workbook, judged_year, load_dataset, selfcheck_dataset
from ecozone.catalogue import LoadedStandard, list_standards, load_standard, load_standard_file
from ecozone.engine import STATUSES, VERDICTS, Assessment, assess
from ecozone.errors import EcozoneError, InputError, PackError, UsageError
from ecozone.io import Dataset, assessment_to_dict

__all__ = [
    "STATUSES",
    "VERDICTS",
    "Assessment",
    "Dataset",
    "EcozoneError",
    "InputError",
    "LoadedStandard",
    "PackError",
    "UsageError",
    "assess",
    "assess_dataset",
    "assessment_to_dict",
    "check_workbook",
    "judged_year",
    "list_standards",
    "load_dataset",
    "load_standard",
    "load_standard_file",
    "selfcheck_dataset",
]

__version__ = "0.1.0"
