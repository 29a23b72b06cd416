"""``python -m ecozone`` runs the same CLI as the ``ecozone`` command."""

from ecozone.cli import run

run()
