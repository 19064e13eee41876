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
import re
import sys
from pathlib import Path
from typing import Any, List, Optional

import typer
from typer.core import TyperGroup

from wsskg import __version__
from wsskg.errors import WsskgError


class _Group(TyperGroup):
    """Turns library errors into one line on stderr and the error's exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except WsskgError as e:
            typer.echo(f"Error: {e}", err=True)
            raise typer.Exit(e.exit_code) from None
        except OSError as e:  # a file the user named cannot be read or written
            where = f"{e.filename}: " if e.filename else ""
            typer.echo(f"Error: {where}{e.strerror or e}", err=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted; the catalog was left as it was before the last save.", err=True)
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

def shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def err(message: str) -> None:
    typer.echo(message, err=True)


def use_color() -> bool:
    """Colour only on a terminal and only when NO_COLOR is unset."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def print_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def read_catalog(catalog_opt: Optional[Path], bulky: bool = True):
    """The catalog for a read-only command: the user's, or the bundled default (said on stderr).
    ``bulky=False`` skips the sidecar (abstracts, references) for commands that do not show them."""
    from wsskg.config import bundled_catalog, find_catalog
    from wsskg.store import load_catalog

    path, exists = find_catalog(catalog_opt)
    if not exists:
        if catalog_opt or os.environ.get("WSSKG_CATALOG"):
            from wsskg.errors import CatalogError

            raise CatalogError("file not found (run `wsskg init` to create it)", path=path)
        err(f"wsskg: no {path.name} here; using the bundled default catalog (run `wsskg init` to get your own copy)")
        path = bundled_catalog()
    return path, load_catalog(path, bulky=bulky)


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


# C0/C1 controls (ESC starts terminal escape sequences: clear screen, set the window title,
# OSC 8 links), DEL and bidi overrides: a title from a list, BibTeX file or API must not drive
# the terminal. Shown as U+FFFD in tables and `show`; exports keep the text as it is.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    return _CONTROL.sub("\ufffd", text)


def _short(text: str, width: int) -> str:
    text = " ".join(safe(text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_entries(entries: list, extra: Optional[list] = None) -> None:
    """A readable table: id, status, year, title, topics (plain text when not a terminal)."""
    if not entries:
        err("no entries match")
        return
    color = use_color()
    id_w = min(max(len(e.id) for e in entries), 40)
    title_w = 72
    typer.echo(f"{'ID':<{id_w}}  {'STATUS':<7} {'YEAR':<4}  {'TITLE':<{title_w}}  TOPICS")
    for i, e in enumerate(entries):
        status = f"{e.status:<7}"
        if color and _STATUS_STYLE[e.status]:
            status = typer.style(status, fg=_STATUS_STYLE[e.status])
        year = str(e.year or e.canonical_year or "")
        topics = ", ".join(t.rsplit("/", 1)[-1] for t in e.topics)
        line = f"{e.id:<{id_w}}  {status} {year:<4}  {_short(e.display_title, title_w):<{title_w}}  {topics}"
        if extra and extra[i]:
            line += f"  [{extra[i]}]"
        typer.echo(line)


def _entry_details(e, catalog) -> None:
    def row(name: str, value: Any) -> None:
        if value not in (None, "", [], {}):
            typer.echo(safe(f"{name + ':':<15}{value}"))

    title = safe(e.display_title)
    typer.echo(typer.style(title, bold=True) if use_color() else title)
    row("id", e.id)
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
    if e.abstract:
        row("abstract", _short(e.abstract, 400))


# -- core commands ---------------------------------------------------------------------------------

StatusOpt = typer.Option(None, "--status", "-s", help="Only entries with this status: unread, reading or read.")
TopicOpt = typer.Option(None, "--topic", "-t", help="Only entries under this topic (a path like 'Reading List/affinity' or its last part).")


def _check_status(status: Optional[str], kind: Optional[str] = None) -> None:
    from wsskg.catalog import KINDS, STATUSES

    if status is not None and status not in STATUSES:
        raise typer.BadParameter(f"unknown status {status!r}; use one of {', '.join(STATUSES)}", param_hint="--status")
    if kind is not None and kind not in KINDS:
        raise typer.BadParameter(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}", param_hint="--kind")


@app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="A Markdown reading list (.md) or a BibTeX file (.bib).", show_default=False),
    merge: bool = typer.Option(False, "--merge", help="Merge into the existing catalog instead of creating it."),
    force: bool = typer.Option(False, "--force", help="Replace an existing catalog (it is rewritten from FILE)."),
    topic: Optional[str] = typer.Option(None, "--topic", "-t", help="BibTeX only: file every entry under this topic."),
    catalog: Optional[Path] = CatalogOpt,
) -> None:
    """Import a reading list into the catalog.

    Examples:

    \b
      wsskg import README.md            (creates ./catalog.yaml)
      wsskg import more-papers.md --merge
      wsskg import refs.bib --merge --topic Zotero
    """
    from wsskg.config import find_catalog
    from wsskg.errors import CatalogError, ImportFailed
    from wsskg.store import editing, locked, save_catalog

    if not file.exists():
        raise ImportFailed(f"{file}: no such file")
    if file.suffix.lower() in (".bib", ".bibtex"):
        from wsskg.bibtex import parse_bibtex

        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as e:
            raise ImportFailed(f"{file}: not UTF-8 text ({e.reason})") from None
        incoming, problems = parse_bibtex(text, source=str(file), topic=topic)
        for p in problems:
            err(p)
    else:
        from wsskg.markdown import read_markdown

        incoming = read_markdown(file)
    path, exists = find_catalog(catalog)
    n_topics = len(incoming.topics)
    if merge:
        if not exists:
            raise CatalogError("nothing to merge into; run `wsskg init` first or import without --merge", path=path)
        from wsskg.merge import merge_into

        with editing(path) as base:
            report = merge_into(base, incoming)
        for line in report.lines():
            typer.echo(line)
        typer.echo(f"Merged {file} into {shown(path)}: {report.summary()}")
        return
    if exists and not force:
        raise CatalogError("already exists; use --merge to add to it or --force to replace it", path=path)
    with locked(path):
        save_catalog(path, incoming, lock=False)
    kinds = {k: sum(1 for e in incoming.entries if e.kind == k) for k in ("paper", "code", "resource")}
    read = sum(1 for e in incoming.entries if e.status == "read")
    typer.echo(
        f"Imported {len(incoming.entries)} entries ({kinds['paper']} papers, {kinds['code']} code, "
        f"{kinds['resource']} other; {read} read) in {n_topics} topics from {file} -> {shown(path)}"
    )


@app.command()
def init(
    empty: bool = typer.Option(False, "--empty", help="Start with an empty catalog instead of the default list."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing catalog."),
    catalog: Optional[Path] = CatalogOpt,
) -> None:
    """Create a catalog: a copy of the bundled default reading list, or an empty one.

    Examples:

    \b
      wsskg init            (./catalog.yaml from the default list)
      wsskg init --empty -c ~/papers/catalog.yaml
    """
    from wsskg.catalog import Catalog
    from wsskg.config import bundled_catalog, find_catalog
    from wsskg.errors import CatalogError
    from wsskg.store import atomic_write, locked, render

    path, exists = find_catalog(catalog)
    if exists and not force:
        raise CatalogError("already exists; use --force to overwrite it", path=path)
    with locked(path):
        data = render(Catalog()).encode() if empty else bundled_catalog().read_bytes()
        atomic_write(path, data)
    typer.echo(f"Created {shown(path)}" + (" (empty)" if empty else " from the default reading list"))


@app.command("list")
def list_cmd(
    topic: Optional[str] = TopicOpt,
    status: Optional[str] = StatusOpt,
    kind: Optional[str] = typer.Option(None, "--kind", "-k", help="Only paper, code or resource entries."),
    year: Optional[int] = typer.Option(None, "--year", "-y", help="Only entries from this year."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="Show at most N entries."),
    json_out: bool = JsonOpt,
    catalog: Optional[Path] = CatalogOpt,
) -> None:
    """List entries in catalog order.

    Examples:

    \b
      wsskg list --status unread --topic affinity
    """
    from wsskg.search import filter_entries

    _check_status(status, kind)
    _, cat = read_catalog(catalog, bulky=json_out)
    entries = filter_entries(cat, topic=topic, status=status, year=year, kind=kind)
    if limit:
        entries = entries[:limit]
    if json_out:
        print_json([e.to_json() for e in entries])
    else:
        print_entries(entries)


@app.command()
def topics(json_out: bool = JsonOpt, catalog: Optional[Path] = CatalogOpt) -> None:
    """The topic tree with read/total counts per topic.

    Examples:

    \b
      wsskg topics
    """
    from wsskg.search import topic_counts

    _, cat = read_catalog(catalog, bulky=False)
    rows = topic_counts(cat)
    if json_out:
        print_json(rows)
        return
    width = max((len(r["name"]) + 2 * r["depth"] for r in rows), default=10)
    for r in rows:
        name = "  " * r["depth"] + r["name"]
        progress = f"{r['read']}/{r['total']} read" if r["total"] else "-"
        typer.echo(f"{name:<{width}}  {progress}")


@app.command()
def search(
    query: str = typer.Argument(..., help="Words to look for: a topic name, title words, an author, a venue."),
    topic: Optional[str] = TopicOpt,
    status: Optional[str] = StatusOpt,
    year: Optional[int] = typer.Option(None, "--year", "-y", help="Only entries from this year."),
    kind: Optional[str] = typer.Option(None, "--kind", "-k", help="Only paper, code or resource entries."),
    limit: int = typer.Option(20, "--limit", "-n", help="Show at most N results."),
    json_out: bool = JsonOpt,
    catalog: Optional[Path] = CatalogOpt,
) -> None:
    """Search by topic first, then by title, notes, venue and abstract (typo tolerant).

    Examples:

    \b
      wsskg search affinity
      wsskg search saliancy --status unread
    """
    from wsskg.search import search as run_search

    _check_status(status, kind)
    _, cat = read_catalog(catalog)
    hits = run_search(cat, query, topic=topic, status=status, year=year, kind=kind, limit=limit)
    if json_out:
        print_json([h.to_json() for h in hits])
        return
    if not hits:
        err(f"nothing matches {query!r}")
        raise typer.Exit(1)
    print_entries([h.entry for h in hits])


@app.command()
def show(
    ref: str = typer.Argument(..., help="An entry id, an arXiv id or URL, a DOI, or a title fragment."),
    json_out: bool = JsonOpt,
    catalog: Optional[Path] = CatalogOpt,
) -> None:
    """Everything about one entry, and its neighbourhood in the graph.

    Examples:

    \b
      wsskg show adaptive-affinity-field-2018
      wsskg show 1803.10464
    """
    from wsskg.catalog import resolve

    _, cat = read_catalog(catalog)
    e = resolve(cat, ref)
    hood = _neighbourhood(cat, e)
    if json_out:
        d = e.to_json()
        if hood is not None:
            d["neighbourhood"] = hood
        print_json(d)
        return
    _entry_details(e, cat)
    if hood:
        _print_neighbourhood(hood)


def _neighbourhood(cat, e):
    try:
        from wsskg.graph import neighbourhood
    except ImportError:
        return None
    return neighbourhood(cat, e.id)


def _print_neighbourhood(hood: dict) -> None:
    for key, label in (("cites", "cites"), ("cited_by", "cited by"), ("unread_neighbours", "read next")):
        items = hood.get(key) or []
        for item in items[:8]:
            if isinstance(item, dict):
                text = f"{item.get('id') or item.get('s2_id') or ''} {item.get('title', '')}".strip()
                if item.get("reason"):
                    text += f"  ({item['reason']})"
            else:
                text = str(item)
            typer.echo(f"{label + ':':<15}{_short(text, 110)}")


def _set_status(refs: List[str], status: str, catalog: Optional[Path]) -> None:
    from wsskg.store import set_status

    path = write_path(catalog)
    changes = set_status(path, refs, status)
    for e, old in changes:
        note = "" if old != status else " (already)"
        typer.echo(f"{status}: {e.id}  {_short(e.display_title, 80)}{note}")


RefsArg = typer.Argument(..., help="Entry ids, arXiv ids or title fragments.", show_default=False)


@app.command()
def read(refs: List[str] = RefsArg, catalog: Optional[Path] = CatalogOpt) -> None:
    """Mark papers read (records today's date).

    Examples:

    \b
      wsskg read adaptive-affinity-field-2018 1803.10464
    """
    _set_status(refs, "read", catalog)


@app.command()
def reading(refs: List[str] = RefsArg, catalog: Optional[Path] = CatalogOpt) -> None:
    """Mark papers as being read (in progress).

    Examples:

    \b
      wsskg reading "Normalized Cut Loss"
    """
    _set_status(refs, "reading", catalog)


@app.command()
def unread(refs: List[str] = RefsArg, catalog: Optional[Path] = CatalogOpt) -> None:
    """Mark papers unread again.

    Examples:

    \b
      wsskg unread non-local-neural-2018
    """
    _set_status(refs, "unread", catalog)


@app.command()
def check(json_out: bool = JsonOpt, catalog: Optional[Path] = CatalogOpt) -> None:
    """Validate the catalog: schema problems, wrong or shared links, likely duplicates, papers
    without links. Exits 1 when it finds errors (2 when the file does not load at all).

    Examples:

    \b
      wsskg check
    """
    from wsskg.check import check_catalog

    path, cat = read_catalog(catalog, bulky=False)
    findings = check_catalog(cat)
    errors = [f for f in findings if f.level == "error"]
    if json_out:
        print_json([f.to_json() for f in findings])
    else:
        for f in findings:
            typer.echo(f"{f.level}: [{f.code}] {f.message}")
        warnings = len(findings) - len(errors)
        typer.echo(f"{shown(path)}: {len(cat.entries)} entries, {len(errors)} errors, {warnings} warnings")
    if errors:
        raise typer.Exit(1)


@app.command()
def export(
    fmt: str = typer.Option("markdown", "--format", "-f", help="markdown, json, csv or bibtex."),
    status: Optional[str] = StatusOpt,
    topic: Optional[str] = TopicOpt,
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to FILE (atomically) instead of stdout."),
    catalog: Optional[Path] = CatalogOpt,
) -> None:
    """Export the categorized reading list (Markdown), or the entries as JSON, CSV or BibTeX.

    Examples:

    \b
      wsskg export -o README.md
      wsskg export --status unread
      wsskg export --format bibtex -o refs.bib
    """
    from wsskg import export as ex
    from wsskg.catalog import resolve_topic
    from wsskg.search import filter_entries

    _check_status(status)
    _, cat = read_catalog(catalog, bulky=fmt not in ("markdown", "csv"))
    topic_path = resolve_topic(cat, topic) if topic else None
    entries = filter_entries(cat, topic=topic_path, status=status)
    if fmt == "markdown":
        text = ex.to_markdown(cat, status=status, topic=topic_path)
    elif fmt == "json":
        text = ex.to_json(cat) if not (status or topic) else ex.to_json(cat, entries)
    elif fmt == "csv":
        text = ex.to_csv(entries)
    elif fmt == "bibtex":
        from wsskg.bibtex import to_bibtex

        text = to_bibtex(entries)
    else:
        raise typer.BadParameter(f"unknown format {fmt!r}; use markdown, json, csv or bibtex", param_hint="--format")
    if output:
        from wsskg.store import atomic_write

        atomic_write(output, text.encode("utf-8"))
        err(f"wrote {output}")
    else:
        typer.echo(text, nl=False)


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
