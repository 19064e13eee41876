"""The ``wsskg`` command line: a thin shell over the library.

Every command parses options, calls one library function, and prints. Library errors
(:class:`wsskg.errors.WsskgError`) become one line on stderr and an exit code here, in
:class:`_Group.invoke`, and nowhere else. Heavy imports (networkx, the API clients) happen
inside the commands that need them, so ``wsskg --help`` stays fast.

Command groups for enrichment and the graph live in ``cli_enrich.py`` and ``cli_graph.py``
and register themselves on :data:`app` through their ``register(app)`` function.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, List, Optional

import click
import typer
from typer.core import TyperGroup

from wsskg import __version__
from wsskg.errors import WsskgError


class _Group(TyperGroup):
    """Turns library errors into one line on stderr and the error's exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WsskgError as e:
            click.echo(f"Error: {e}", err=True)
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            click.echo("Interrupted; the catalog was left as it was before the last save.", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:  # `wsskg list | head`
            sys.stderr.close()
            raise typer.Exit(0) from None


app = typer.Typer(
    cls=_Group,
    help="wsskg: your reading list as a knowledge graph. Import a Markdown list, search it by topic, "
    "mark papers read, enrich from arXiv and Semantic Scholar, export it again.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

CatalogOpt = typer.Option(
    None, "--catalog", "-c", help="Catalog file (default: $WSSKG_CATALOG, then ./catalog.yaml).",
    envvar=None, show_default=False,
)
JsonOpt = typer.Option(False, "--json", help="Print JSON for scripts instead of a table.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"wsskg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """wsskg: your reading list as a knowledge graph."""


# -- shared plumbing for commands ------------------------------------------------------------------

def err(message: str) -> None:
    click.echo(message, err=True)


def use_color() -> bool:
    """Colour only on a terminal and only when NO_COLOR is unset."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def console():
    from rich.console import Console

    return Console(no_color=not use_color(), highlight=False, soft_wrap=False,
                   force_terminal=None if use_color() else False)


def print_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def read_catalog(catalog_opt: Optional[Path]):
    """The catalog for a read-only command: the user's, or the bundled default (said on stderr)."""
    from wsskg.config import bundled_catalog, find_catalog
    from wsskg.store import load_catalog

    path, exists = find_catalog(catalog_opt)
    if not exists:
        if catalog_opt or os.environ.get("WSSKG_CATALOG"):
            from wsskg.errors import CatalogError

            raise CatalogError("file not found (run `wsskg init` to create it)", path=path)
        err(f"wsskg: no {path.name} here; using the bundled default catalog (run `wsskg init` to get your own copy)")
        path = bundled_catalog()
    return path, load_catalog(path)


def write_path(catalog_opt: Optional[Path]) -> Path:
    """The catalog file a writing command changes; it must exist."""
    from wsskg.config import find_catalog
    from wsskg.errors import CatalogError

    path, exists = find_catalog(catalog_opt)
    if not exists:
        raise CatalogError("no catalog here; run `wsskg init` (copies the default list) or `wsskg init --empty`", path=path)
    return path


def main() -> None:
    """Console-script entry point."""
    app(prog_name="wsskg")


def _register_extensions() -> None:
    import importlib

    for name in ("wsskg.cli_enrich", "wsskg.cli_graph"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            continue
        module.register(app)


_register_extensions()
