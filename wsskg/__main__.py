"""``python -m wsskg`` runs the CLI."""

from wsskg.cli import main

main()
