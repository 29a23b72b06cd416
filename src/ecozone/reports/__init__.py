"""Reports people hand in: one context built from the results, rendered to Word, Excel, PDF and HTML."""

from ecozone.reports.context import build_context
from ecozone.reports.render import FORMATS, write_reports

__all__ = ["FORMATS", "build_context", "write_reports"]
