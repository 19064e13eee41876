"""The ``wsskg`` command line: a thin shell over the library (see ``app.py``)."""

from wsskg.cli.app import app
from wsskg.cli import catalog_cmds  # noqa: F401  (registers the core commands, in help order)
from wsskg.cli import enrich_cmds, graph_cmds, identity_cmds, links_cmds, tag_cmds, watch_cmds

enrich_cmds.register(app)
graph_cmds.register(app)
tag_cmds.register(app)
watch_cmds.register(app)
identity_cmds.register(app)
links_cmds.register(app)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="wsskg")


__all__ = ["app", "main"]
