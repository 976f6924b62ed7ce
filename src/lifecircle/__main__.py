"""``python -m lifecircle`` runs the ``lifecircle`` command."""

from lifecircle.cli import run

run()
