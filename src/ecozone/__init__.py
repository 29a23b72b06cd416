"""ecozone — 生态文明建设示范区指标评估.

The public surface (documented in docs/api.md): load a standard pack, read a dataset, evaluate it
once, and read every result from that one ``Evaluation``. The CLI, the reports and the web app
are built on these names.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

# name → the module that defines it; imported on first use, so `import ecozone.cli` (and `ecozone --help`) does
# not load polars, pydantic or the report stack before a command needs them
_HOMES = {
    **dict.fromkeys(("assess_dataset", "check_workbook", "judged_year", "load_dataset", "selfcheck_dataset",
                     "what_if", "write_region_reports"), "ecozone.api"),
    **dict.fromkeys(("LoadedStandard", "list_standards", "load_standard", "load_standard_file"), "ecozone.catalogue"),
    "Dataset": "ecozone.dataset",
    **dict.fromkeys(("STATUSES", "VERDICTS", "Assessment", "assess"), "ecozone.engine"),
    **dict.fromkeys(("EcozoneError", "InputError", "Location", "PackError", "ScopeError", "UsageError"),
                    "ecozone.errors"),
    **dict.fromkeys(("Evaluation", "evaluate"), "ecozone.evaluation"),
    "evaluation_to_dict": "ecozone.reports.results_json",
    **dict.fromkeys(("ANSWER", "ATTRIBUTE", "EFFECT", "FINAL_VERDICT", "STATUS", "TREND_CLASS", "VERDICT",
                     "WEAK_CLASS"), "ecozone.vocabulary"),
}

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'ecozone' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # once found, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


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
