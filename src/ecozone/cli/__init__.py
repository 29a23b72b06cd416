"""The command line: parse, call the public API, print. No rule lives here.

Importing the package registers every command on ``app`` (one module per group of commands).
"""

from ecozone.cli import demo, evaluate, excel, national, standards, store
from ecozone.cli.app import app, main, run

__all__ = ["app", "demo", "evaluate", "excel", "main", "national", "run", "standards", "store"]
