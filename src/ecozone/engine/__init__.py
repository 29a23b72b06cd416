"""The engine: pure, vectorised judging. No files, no database, no printing."""

from ecozone.engine.assess import STATUSES, VERDICTS, Assessment, assess

__all__ = ["STATUSES", "VERDICTS", "Assessment", "assess"]
