"""Reports people hand in: one context built from the results, rendered to Word, Excel, PDF and HTML.

The names load their modules on first use: ``reports.results_json`` (the JSON of ``ecozone assess -f json``) must not
pull in the Word, PDF and chart stack.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

__all__ = ["FORMATS", "build_context", "write_reports"]

_HOMES = {"build_context": "ecozone.reports.context", "FORMATS": "ecozone.reports.render",
          "write_reports": "ecozone.reports.render"}

if TYPE_CHECKING:
    from ecozone.reports.context import build_context
    from ecozone.reports.render import FORMATS, write_reports


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'ecozone.reports' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
