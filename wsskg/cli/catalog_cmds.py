"""The catalog commands: import, init, list, topics, search, show, read/reading/unread, check, export."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from wsskg.exporters import names as export_formats
from wsskg.cli.app import (
    CatalogOpt,
    ForceOpt,
    JsonOpt,
    entry_details,
    index_progress,
    short,
    app,
    echo,
    err,
    print_data,
    print_entries,
    print_json,
    print_json_list,
    print_table,
    read_catalog,
    read_index,
    shown,
    write_path,
)


# -- core commands ---------------------------------------------------------------------------------

StatusOpt = typer.Option(None, "--status", "-s", help="Only entries with this status: unread, reading or read.")
TopicOpt = typer.Option(None, "--topic", "-t", help="Only entries under this topic (a path like 'Reading List/affinity' or its last part).")
TagOpt = typer.Option(None, "--tag", help="Only entries with this tag (case-insensitive).")
EXPORT_FORMATS = export_formats()  # the exporter registry's names (cheap: no writer is imported)


def _check_status(status: Optional[str], kind: Optional[str] = None) -> None:
    from wsskg.catalog import KINDS, STATUSES

    if status is not None and status not in STATUSES:
        raise typer.BadParameter(f"unknown status {status!r}; use one of {', '.join(STATUSES)}", param_hint="--status")
    if kind is not None and kind not in KINDS:
        raise typer.BadParameter(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}", param_hint="--kind")


@app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="A Markdown reading list (.md), a BibTeX file (.bib) or CSL-JSON (.json).", show_default=False),
    merge: bool = typer.Option(False, "--merge", help="Merge into the existing catalog instead of creating it."),
    force: bool = typer.Option(False, "--force", help="Replace an existing catalog (it is rewritten from FILE)."),
    topic: Optional[str] = typer.Option(None, "--topic", "-t", help="BibTeX/CSL-JSON only: file every entry under this topic."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="markdown, bibtex or csl-json (default: from the file name)."),
    keywords_as_topics: bool = typer.Option(False, "--keywords-as-topics", help="BibTeX/CSL-JSON only: also file entries under their keywords (they are always tags)."),
    catalog: Optional[Path] = CatalogOpt,
) -> None:
    """Import a reading list into the catalog.

    Examples:

    \b
      wsskg import README.md            (creates ./catalog.yaml)
      wsskg import more-papers.md --merge
      wsskg import refs.bib --merge --topic Zotero
      wsskg import zotero.json --format csl-json
    """
    from wsskg.config import find_catalog
    from wsskg.formats.detect import IMPORT_FORMATS
    from wsskg.library import Library

    if fmt is not None and fmt not in IMPORT_FORMATS:
        raise typer.BadParameter(f"unknown format {fmt!r}; use {', '.join(IMPORT_FORMATS)}", param_hint="--format")
    path, _ = find_catalog(catalog)
    with Library(path, progress=index_progress) as lib:
        result = lib.import_file(file, merge=merge, force=force, fmt=fmt, topic=topic,
                                 keywords_as_topics=keywords_as_topics)
    for p in result.problems:
        err(p)
    if result.merge is not None:
        for line in result.merge.lines():
            echo(line)
        echo(f"Merged {file} into {shown(path)}: {result.merge.summary()}")
        return
    n = result.counts
    echo(
        f"Imported {n['entries']} entries ({n['papers']} papers, {n['code']} code, "
        f"{n['other']} other; {n['read']} read) in {n['topics']} topic{'' if n['topics'] == 1 else 's'} "
        f"from {file} -> {shown(path)}"
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
    from wsskg.store import atomic_write, check_writable, locked, render

    path, exists = find_catalog(catalog)
    if exists and not force:
        raise CatalogError("already exists; use --force to overwrite it", path=path)
    with locked(path):
        check_writable(path)
        data = render(Catalog()).encode() if empty else bundled_catalog().read_bytes()
        atomic_write(path, data)
    echo(f"Created {shown(path)}" + (" (empty)" if empty else " from the default reading list"))


@app.command("list")
def list_cmd(
    topic: Optional[str] = TopicOpt,
    status: Optional[str] = StatusOpt,
    kind: Optional[str] = typer.Option(None, "--kind", "-k", help="Only paper, code or resource entries."),
    year: Optional[int] = typer.Option(None, "--year", "-y", help="Only entries from this year."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="Show at most N entries."),
    tag: Optional[str] = TagOpt,
    json_out: bool = JsonOpt,
    catalog: Optional[Path] = CatalogOpt,
) -> None:
    """List entries in catalog order.

    Examples:

    \b
      wsskg list --status unread --topic affinity
    """
    _check_status(status, kind)
    _, idx = read_index(catalog)
    if topic:  # the same names `export --topic` takes (a fragment, a last part, any case)
        from wsskg.catalog import resolve_topic

        topic = resolve_topic(idx.skeleton(), topic)
    filters = dict(topic=topic, status=status, year=year, kind=kind, limit=limit, tag=tag)
    if json_out:
        print_json_list([e.to_json() for e in part] for part in idx.filter_chunks(bulky=True, **filters))
    else:
        print_table(idx.table_rows(**filters))


@app.command()
def topics(json_out: bool = JsonOpt, catalog: Optional[Path] = CatalogOpt) -> None:
    """The topic tree with read/total counts per topic.

    Examples:

    \b
      wsskg topics
    """
    _, idx = read_index(catalog)
    rows = idx.topic_counts()
    if json_out:
        print_json(rows)
        return
    width = max((len(r["name"]) + 2 * r["depth"] for r in rows), default=10)
    for r in rows:
        name = "  " * r["depth"] + r["name"]
        progress = f"{r['read']}/{r['total']} read" if r["total"] else "-"
        echo(f"{name:<{width}}  {progress}")


@app.command()
def search(
    query: str = typer.Argument(..., help="Words to look for: a topic name, title words, an author, a venue."),
    topic: Optional[str] = TopicOpt,
    status: Optional[str] = StatusOpt,
    year: Optional[int] = typer.Option(None, "--year", "-y", help="Only entries from this year."),
    kind: Optional[str] = typer.Option(None, "--kind", "-k", help="Only paper, code or resource entries."),
    limit: int = typer.Option(20, "--limit", "-n", help="Show at most N results."),
    mode: Optional[str] = typer.Option(
        None, "--mode", "-m", show_default=False,
        help="keyword, meaning or hybrid (both rankings fused). Default: hybrid when the optional "
        "model is installed (pip install 'wsskg[meaning]'), else keyword."),
    tag: Optional[str] = TagOpt,
    json_out: bool = JsonOpt,
    catalog: Optional[Path] = CatalogOpt,
) -> None:
    """Search by topic first, then by title, notes, venue and abstract (typo tolerant).

    Examples:

    \b
      wsskg search affinity
      wsskg search saliancy --status unread
    """
    from wsskg import meaning

    _check_status(status, kind)
    if mode is not None and mode not in meaning.MODES:
        raise typer.BadParameter(f"unknown mode {mode!r}; use one of {', '.join(meaning.MODES)}", param_hint="--mode")
    chosen = mode or meaning.default_mode()
    _, idx = read_index(catalog)
    hits = idx.search(query, topic=topic, status=status, year=year, kind=kind, limit=limit, mode=chosen,
                      progress=index_progress, tag=tag)
    if mode is not None or chosen != "keyword":
        err(f"wsskg: {chosen} search" + ("" if chosen == "keyword" else f" ({meaning.MODEL_NAME})"))
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
    _, idx = read_index(catalog)
    e = idx.get(idx.resolve(ref).id)
    hood = idx.neighbourhood(e)
    if json_out:
        d = e.to_json()
        if hood is not None:
            d["neighbourhood"] = hood
        print_json(d)
        return
    entry_details(e, None)
    if hood:
        _print_neighbourhood(hood)


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
            echo(f"{label + ':':<15}{short(text, 110)}")


def _set_status(refs: List[str], status: str, catalog: Optional[Path]) -> None:
    from wsskg.store import set_status

    path = write_path(catalog)
    changes = set_status(path, refs, status)
    for e, old in changes:
        note = "" if old != status else " (already)"
        echo(f"{status}: {e.id}  {short(e.display_title, 80)}{note}")


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
            echo(f"{f.level}: [{f.code}] {f.message}")
        warnings = sum(1 for f in findings if f.level == "warning")
        merges = sum(1 for f in findings if f.code == "merged")
        echo(f"{shown(path)}: {len(cat.entries)} entries, {len(errors)} errors, {warnings} warnings"
             + (f", {merges} merged works" if merges else ""))
    if errors:
        raise typer.Exit(1)


@app.command()
def export(
    fmt: str = typer.Option("markdown", "--format", "-f", help="One of: " + ", ".join(EXPORT_FORMATS) + "."),
    status: Optional[str] = StatusOpt,
    topic: Optional[str] = TopicOpt,
    tag: Optional[str] = TagOpt,
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE", help="Only entries added (by add or watch "
                                        "--add) on or after DATE: a \"new this month\" list."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to FILE (atomically) instead of stdout. "
                                          "An existing FILE is replaced only if wsskg wrote it and it is unchanged since; "
                                          "never the catalog or its sidecar."),
    checkboxes: bool = typer.Option(False, "--checkboxes", help="Markdown: give list items without a checkbox one ([ ] or [x] by status)."),
    force: bool = ForceOpt,
    catalog: Optional[Path] = CatalogOpt,
) -> None:
    """Export the categorized reading list (Markdown), the entries (JSON, CSV, BibTeX,
    CSL-JSON) or the graph (GraphML, GEXF, DOT, node-link JSON, HTML).

    A list imported from Markdown comes back as it was, byte for byte; only the checkboxes
    follow the statuses (a list without checkboxes gets none unless --checkboxes).

    Examples:

    \b
      wsskg export -o README.md
      wsskg export --status unread
      wsskg export --format bibtex --tag to-cite -o refs.bib
      wsskg export --since 2026-11-01
    """
    from wsskg import exporters

    _check_status(status)
    if since is not None:
        from wsskg.watch import parse_date

        since = parse_date(since).isoformat()
    if fmt not in exporters.EXPORTERS:
        raise typer.BadParameter(f"unknown format {fmt!r}; use one of {', '.join(exporters.names())}", param_hint="--format")
    cat_path, cat = read_catalog(catalog, bulky=exporters.get(fmt).bulky)
    if output:
        from wsskg.outputs import catalog_files, check_output

        check_output(output, protect=catalog_files(cat_path), force=force)  # refuse before the work
    text = exporters.export(cat, fmt, status=status, topic=topic, tag=tag, since=since, checkboxes=checkboxes)
    if output:
        from wsskg.outputs import catalog_files, write_output

        write_output(output, text.encode("utf-8"), protect=catalog_files(cat_path), force=force)
        err(f"wrote {output}")
    else:
        print_data(text)
