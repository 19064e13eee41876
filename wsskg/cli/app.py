"""The ``wsskg`` command line: a thin shell over the library.

Every command parses options, calls one library function, and prints. Library errors
(:class:`wsskg.errors.WsskgError`) become one line on stderr and an exit code here, in
:class:`_Group.invoke`, and nowhere else. Heavy imports (networkx, the API clients) happen
inside the commands that need them, and only the command being run is turned into a click
command (:class:`_Typer`), so ``wsskg --help`` stays fast.

This module holds the app, the shared options and the output helpers; the commands live in
``catalog_cmds.py`` (import, list, search, read, check, export...), ``enrich_cmds.py`` and
``graph_cmds.py``, and register themselves on :data:`app` when ``wsskg.cli`` is imported.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
from collections.abc import Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any, Callable, Optional, Tuple, Union

import typer
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandInfo

from wsskg import __version__
from wsskg.errors import WsskgError
from wsskg.outputs import FORCE_HELP
from wsskg.table import entry_tail, render, safe

#: Every command's typer record (function, name, help), in registration order, which is the
#: order ``wsskg --help`` lists them in. :meth:`_Typer.command` fills it; :class:`_Commands`
#: turns a record into a click command when that command is first looked up.
_REGISTERED: list[CommandInfo] = []


class _Typer(typer.Typer):
    """``typer.Typer`` whose commands are built on demand.

    typer turns every registered command into a click command (signature, type hints, one
    click parameter per option) each time the program starts: about 24 ms for wsskg's two
    dozen commands, a quarter of ``wsskg --help`` and all of it wasted on a run that uses one
    command. ``app.command()`` here records the command in :data:`_REGISTERED` instead of
    typer's ``registered_commands``, and :class:`_Group` builds a command only when asked for
    it by name (the one on the command line; all of them for completion or ``docs/cli.md``).
    """

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        record = super().command(*args, **kwargs)

        def decorator(f: Callable[..., Any]) -> Callable[..., Any]:
            record(f)
            _REGISTERED.append(self.registered_commands.pop())
            return f

        return decorator


def _command_name(info: CommandInfo) -> str:
    """The name typer gives the command (``typer.main.get_command_from_info``'s rule)."""
    return info.name or typer.main.get_command_name(info.callback.__name__)


class _Commands(MutableMapping):
    """The group's subcommands by name, as typer's ``TyperGroup.commands`` dict is, except that
    a command registered through :class:`_Typer` becomes a click command on first look-up."""

    def __init__(self, infos: list[CommandInfo], built: MutableMapping, build: Callable[[CommandInfo], Any]) -> None:
        self._slots: dict[str, Any] = {_command_name(info): info for info in infos}
        self._slots.update(built)
        self._build = build

    def __getitem__(self, name: str) -> Any:
        slot = self._slots[name]
        if isinstance(slot, CommandInfo):
            slot = self._slots[name] = self._build(slot)
        return slot

    def __setitem__(self, name: str, command: Any) -> None:
        self._slots[name] = command

    def __delitem__(self, name: str) -> None:
        del self._slots[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._slots)

    def __len__(self) -> int:
        return len(self._slots)

    def summary(self, name: str) -> Any:
        """A command fit for a help listing (name, help, hidden, deprecated) without building
        it: a parameterless click command with the help typer would give the real one (its
        rule in ``get_command_from_info``; tests/test_startup.py compares the two listings)."""
        slot = self._slots[name]
        if not isinstance(slot, CommandInfo):
            return slot
        doc = inspect.cleandoc(slot.help) if slot.help is not None else inspect.getdoc(slot.callback)
        return TyperCommand(name, help=doc, short_help=slot.short_help, hidden=slot.hidden, deprecated=slot.deprecated)


class _Group(TyperGroup):
    """The root command. Builds a subcommand only when it is looked up by name (see
    :class:`_Typer`), and turns library errors into one line on stderr and the error's exit
    code."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = _Commands(_REGISTERED, self.commands, self._build)

    def _build(self, info: CommandInfo) -> Any:
        # `app` is the one _Typer below, whose root this group is
        return typer.main.get_command_from_info(
            info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=self.rich_markup_mode
        )

    def list_commands(self, ctx: Any) -> list[str]:
        """The names in registration order (typer's own version reads ``commands.items()``,
        which would build them all)."""
        return list(self.commands)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """typer's command listing, from each command's name and help alone."""
        listed = {name: self.commands.summary(name) for name in self.list_commands(ctx)}
        TyperGroup(commands=listed, rich_markup_mode=self.rich_markup_mode).format_commands(ctx, formatter)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except WsskgError as e:
            err(f"Error: {e}")
            raise typer.Exit(e.exit_code) from None
        except BrokenPipeError:  # `wsskg list | head`: the reader is gone; not an error
            # (before OSError, which it is a kind of). Point stdout at /dev/null so the
            # interpreter's final flush does not fail again.
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            raise typer.Exit(0) from None
        except OSError as e:  # a file the user named cannot be read or written
            where = f"{e.filename}: " if e.filename else ""
            err(f"Error: {where}{e.strerror or e}")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err("Interrupted; the catalog was left as it was before the last save.")
            raise typer.Exit(130) from None


app = _Typer(
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
#: ``--force`` for commands that write an output file (see :mod:`wsskg.outputs` for the rule).
ForceOpt = typer.Option(False, "--force", help=FORCE_HELP)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"wsskg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
    catalog: Optional[Path] = typer.Option(
        None, "--catalog", "-c", show_default=False,
        help="Catalog file for the command that follows (same as the command's own --catalog)."),
) -> None:
    """wsskg: your reading list as a knowledge graph."""
    if catalog is not None:
        # `wsskg -c X import F` as well as `wsskg import F -c X`: the command's own option wins;
        # the environment variable every command already reads carries it, for this command only
        from wsskg.config import CATALOG_ENV

        old = os.environ.get(CATALOG_ENV)
        os.environ[CATALOG_ENV] = str(catalog)

        def restore() -> None:
            if old is None:
                os.environ.pop(CATALOG_ENV, None)
            else:
                os.environ[CATALOG_ENV] = old

        ctx.call_on_close(restore)


# -- shared plumbing for commands ------------------------------------------------------------------

def shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def err(message: str) -> None:
    """One line on stderr (through :func:`echo`: no terminal controls from the data)."""
    echo(message, err=True)


def use_color() -> bool:
    """Colour only on a terminal and only when NO_COLOR is unset."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _json_text(obj: Any) -> str:
    """``obj`` as indented JSON. C1 controls and bidi overrides, which ``json.dumps`` leaves
    raw, are written as ``\\uXXXX`` escapes: the same JSON value, harmless on a terminal."""
    import json

    text = json.dumps(obj, ensure_ascii=False, indent=2, default=str)
    return _JSON_UNSAFE.sub(lambda m: "\\u%04x" % ord(m.group()), text)


def print_json(obj: Any) -> None:
    """JSON for scripts (see :func:`_json_text`)."""
    typer.echo(_json_text(obj))


def print_json_list(chunks: Iterable[list]) -> None:
    """A JSON list of the items of ``chunks``, written chunk by chunk: the same text as
    :func:`print_json` of the whole list, without holding it (``list --json`` of 100,000
    entries). An item's lines are indented one level (JSON strings hold no raw newline)."""
    first = True
    for chunk in chunks:
        if not chunk:
            continue
        text = ",\n".join("  " + _json_text(item).replace("\n", "\n  ") for item in chunk)
        typer.echo(("[\n" if first else ",\n") + text, nl=False)
        first = False
    typer.echo("[]" if first else "\n]")


def read_catalog(catalog_opt: Optional[Path], bulky: bool = True):
    """The catalog for a read-only command: the user's, or the bundled default (said on stderr).
    ``bulky=False`` skips the sidecar (abstracts, references) for commands that do not show them."""
    import gc

    from wsskg.store import load_catalog

    path = _read_path(catalog_opt)
    catalog = load_catalog(path, bulky=bulky, index=True)
    # the catalog's objects live as long as this process: moved to the collector's permanent
    # generation, no later collection walks them again (0.1 s each at 10,000 papers). Here, in
    # the CLI's own process, and not in the library, where the caller's cycles would never be
    # collected afterwards.
    gc.freeze()
    return path, catalog


def _read_path(catalog_opt: Optional[Path]) -> Path:
    from wsskg.config import bundled_catalog, find_catalog

    path, exists = find_catalog(catalog_opt)
    if not exists:
        if catalog_opt or os.environ.get("WSSKG_CATALOG"):
            from wsskg.errors import CatalogError

            raise CatalogError("file not found (run `wsskg init` to create it)", path=path)
        err(f"wsskg: no {path.name} here; using the bundled default catalog (run `wsskg init` to get your own copy)")
        path = bundled_catalog()
    return path


def read_index(catalog_opt: Optional[Path]):
    """The derived index (``wsskg.index``) of the catalog a query command reads, brought up to
    date first (with a progress bar on a terminal when that takes a while)."""
    from wsskg.index import open_index

    path = _read_path(catalog_opt)
    return path, open_index(path, progress=index_progress)


def progress_bar(label: str) -> Callable[[int, int], None]:
    """A ``progress(done, total)`` drawing ``label [####----]  40%`` on stderr: a bar on a
    terminal, nothing in a pipe or log."""

    def progress(done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        width = 30
        n = width * done // max(total, 1)
        sys.stderr.write(f"\r{label} [{'#' * n}{'-' * (width - n)}] {100 * done // max(total, 1):3d}%")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return progress


#: Indexing progress (the index's builds, and the citation tables and walk built on first use).
index_progress = progress_bar("indexing catalog")


def write_path(catalog_opt: Optional[Path]) -> Path:
    """The catalog file a writing command changes; it must exist."""
    from wsskg.config import find_catalog
    from wsskg.errors import CatalogError

    path, exists = find_catalog(catalog_opt)
    if not exists:
        raise CatalogError("no catalog here; run `wsskg init` (copies the default list) or `wsskg init --empty`", path=path)
    return path


# -- output helpers --------------------------------------------------------------------------------

_STATUS_STYLE = {"read": "green", "reading": "yellow", "unread": None}


# A title from a list, BibTeX file or API must not drive the terminal: `safe` (wsskg.table)
# shows its control characters as U+FFFD in tables and `show`; exports keep the text as it is.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


Part = Union[str, Tuple[str, dict]]


def echo(*parts: Part, err: bool = False, nl: bool = True) -> None:
    """The one way commands print a line: every part is neutralised with :func:`safe` (titles,
    topic names, ids, list titles and messages all come from files and APIs), and a part
    given as ``(text, style)`` is styled (``typer.style`` keywords) only on a colour terminal."""
    color = not err and use_color()
    out = []
    for part in parts:
        if isinstance(part, tuple):
            text, style = part
            text = safe(str(text))
            out.append(typer.style(text, **style) if color else text)
        else:
            out.append(safe(str(part)))
    typer.echo("".join(out), err=err, nl=nl)


def print_data(text: str) -> None:
    """An export printed to stdout: exact bytes into a pipe or file, neutralised on a terminal."""
    typer.echo(text if not sys.stdout.isatty() else safe(text), nl=False)


def short(text: str, width: int) -> str:
    text = " ".join(safe(text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_entries(entries: list) -> None:
    """A readable table (``wsskg.table``) of :class:`~wsskg.catalog.Entry` objects."""
    print_table([(e.id, e.status, entry_tail(e)) for e in entries])


def print_table(rows: list) -> None:
    """The table of ``(id, status, tail)`` rows (:func:`wsskg.table.render`), in one write
    (10,000 echo calls cost more than the query behind them); statuses coloured on a colour
    terminal."""
    if not rows:
        err("no entries match")
        return
    style = None
    if use_color():
        def style(cell: str, status: str) -> str:
            fg = _STATUS_STYLE.get(status)
            return typer.style(cell, fg=fg) if fg else cell
    typer.echo(render(rows, style))


def entry_details(e, catalog) -> None:
    def row(name: str, value: Any) -> None:
        if value not in (None, "", [], {}):
            echo(f"{name + ':':<15}{value}")

    echo((e.display_title, {"bold": True}))
    row("id", e.id)
    row("short name", e.short_name)
    row("aliases", ", ".join(e.aliases))
    row("kind", e.kind)
    row("status", e.status + (f" (read on {e.read_on})" if e.read_on else ""))
    row("topics", "; ".join(e.topics))
    row("venue", e.venue or e.canonical_venue)
    row("year", e.year or e.canonical_year)
    if e.canonical_title and e.canonical_title != e.title:
        row("canonical", e.canonical_title)
    row("authors", ", ".join(e.authors))
    row("arXiv", e.arxiv_id)
    row("DOI", e.doi)
    row("S2", e.s2_id)
    if getattr(e, "wrong_link", None):
        from wsskg.enrich.writer import describe_wrong_link

        row("wrong link", describe_wrong_link(e))
    row("citations", e.citation_count)
    for ln in e.links:
        label = ln.label if ln.label and ln.label != ln.url else ln.kind
        row("link", f"{ln.url}  ({label})")
    row("comment", e.comment)
    for n in e.notes:
        row("note", n)
    for r in e.results:
        vals = ", ".join(f"{k} {v}" for k, v in r.values.items())
        row("result", f"{r.table.rsplit('/', 1)[-1]}: {vals}" + (f" ({r.note})" if r.note else ""))
    for m in e.mentions:
        where = f"{m.doc}:" if m.doc else "line "
        row("mention", f"{where}{m.line} {m.form} in {m.topic}" + (f"  [{m.evidence}]" if m.evidence else ""))
    if e.abstract:
        row("abstract", short(e.abstract, 400))
