"""``python -m ecozone.cli``: the same program as the ``ecozone`` command."""

from ecozone.cli import run

run()
