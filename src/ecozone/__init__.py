"""ecozone — 生态文明建设示范区指标评估.

The public surface (documented in docs/api.md): load a standard pack, read a dataset, evaluate it
once, and read every result from that one ``Evaluation``. The CLI, the reports and the web app
are built on these names.
"""

from ecozone.api import (
    assess_dataset,
    check_workbook,
    judged_year,
    load_dataset,
    selfcheck_dataset,
    what_if,
    write_region_reports,
)
from ecozone.catalogue import LoadedStandard, list_standards, load_standard, load_standard_file
from ecozone.dataset import Dataset
from ecozone.engine import STATUSES, VERDICTS, Assessment, assess
from ecozone.errors import EcozoneError, InputError, Location, PackError, ScopeError, UsageError
from ecozone.evaluation import Evaluation, evaluate
from ecozone.reports.results_json import evaluation_to_dict
from ecozone.vocabulary import ANSWER, ATTRIBUTE, EFFECT, FINAL_VERDICT, STATUS, TREND_CLASS, VERDICT, WEAK_CLASS

__all__ = [
    "ANSWER",
    "ATTRIBUTE",
    "EFFECT",
    "FINAL_VERDICT",
    "STATUS",
    "STATUSES",
    "TREND_CLASS",
    "VERDICT",
    "VERDICTS",
    "WEAK_CLASS",
    "Assessment",
    "Dataset",
    "EcozoneError",
    "Evaluation",
    "InputError",
    "LoadedStandard",
    "Location",
    "PackError",
    "ScopeError",
    "UsageError",
    "assess",
    "assess_dataset",
    "check_workbook",
    "evaluate",
    "evaluation_to_dict",
    "judged_year",
    "list_standards",
    "load_dataset",
    "load_standard",
    "load_standard_file",
    "selfcheck_dataset",
    "what_if",
    "write_region_reports",
]

__version__ = "0.1.0"
