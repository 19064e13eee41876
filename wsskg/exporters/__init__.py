"""Every export format in one registry, behind one signature and one selection path.

An exporter is ``callable(catalog, entries, **options) -> str``: ``catalog`` is the catalog
*as selected* (its ``entries`` are the selected ones, its topics those they use, when a filter
is given), ``entries`` the same selected entries in catalog order, ``options`` what the
format understands (``external`` for the graph formats; ``everything``, the whole catalog's
entries, which BibTeX and CSL-JSON use to name works a list row only labelled). :func:`export` does the selection
(:func:`select`: status, topic, tag -- the same filters as ``wsskg list``) once for all formats,
so no format filters on its own and every format answers a filter the same way.

``wsskg export --format`` takes its choices from :data:`EXPORTERS`. The Markdown writer lives in
``wsskg.export``, the graph writers in ``wsskg.graph_export``, BibTeX and CSL-JSON in
``wsskg.formats``; this module only wraps them.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Callable, NamedTuple

from wsskg.errors import WsskgError

if TYPE_CHECKING:  # the catalog model is imported when an export runs, not for `wsskg --help`
    from wsskg.catalog import Catalog, Entry


class Exporter(NamedTuple):  # (a NamedTuple: dataclasses would add 15 ms to `wsskg --help`)
    name: str
    write: Callable[..., str]
    help: str
    suffix: str
    bulky: bool = True  # needs the sidecar (abstracts, references) loaded


EXPORTERS: dict[str, Exporter] = {}


def register(name: str, help: str, suffix: str, bulky: bool = True):
    """Decorator: add ``fn(catalog, entries, **options) -> str`` to :data:`EXPORTERS`."""
    def deco(fn: Callable[..., str]) -> Callable[..., str]:
        EXPORTERS[name] = Exporter(name, fn, help, suffix, bulky)
        return fn
    return deco


def names() -> list[str]:
    return list(EXPORTERS)


def get(name: str) -> Exporter:
    try:
        return EXPORTERS[name]
    except KeyError:
        raise WsskgError(f"unknown export format {name!r}; choose one of {', '.join(EXPORTERS)}") from None


def select(catalog: Catalog, status: str | None = None, topic: str | None = None,
           tag: str | None = None, since: str | None = None) -> tuple[Catalog, list[Entry]]:
    """The catalog narrowed to the entries that pass the filters, and those entries.

    ``topic`` may be any name :func:`wsskg.catalog.resolve_topic` accepts. Without filters the
    catalog itself is returned. With filters, a shallow copy keeps the title, intro and the
    topics the selected entries use (with their ancestors; for ``topic``, the topic's subtree).
    ``since`` (``YYYY-MM-DD``) keeps entries added on or after that day (``Entry.added``)."""
    from wsskg.catalog import resolve_topic
    from wsskg.search import filter_entries

    if not (status or topic or tag or since):
        return catalog, list(catalog.entries)
    path = resolve_topic(catalog, topic) if topic else None
    entries = filter_entries(catalog, topic=path, status=status, tag=tag)
    if since:
        entries = [e for e in entries if e.added and e.added >= since]
    used: set[str] = set()
    for e in entries:
        for t in e.topics:
            parts = t.split("/")
            used.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    if path:
        used = {t for t in used if t == path or t.startswith(path + "/")}
    sub = copy.copy(catalog)
    sub.layout = []  # a selection is rendered from its entries, not the imported file given back
    sub.entries = entries
    sub.topics = [t for t in catalog.topics if t.path in used]
    return sub, entries


def export(catalog: Catalog, fmt: str, status: str | None = None, topic: str | None = None,
           tag: str | None = None, since: str | None = None, **options) -> str:
    """The text of ``catalog`` (narrowed by the filters) in format ``fmt``."""
    from wsskg.catalog import resolve_topic

    exporter = get(fmt)
    path = resolve_topic(catalog, topic) if topic else None
    sub, entries = select(catalog, status=status, topic=path, tag=tag, since=since)
    return exporter.write(sub, entries, topic_path=path, everything=catalog.entries, **options)


# -- the formats ----------------------------------------------------------------------------------------

@register("markdown", "the categorized reading list", ".md", bulky=False)
def _markdown(catalog: Catalog, entries: list[Entry], topic_path: str | None = None, **options) -> str:
    from wsskg.export import to_markdown

    catalog = _named(catalog)
    # a topic selection starts at that topic's heading (no title, intro or table of contents)
    return to_markdown(catalog, topic=topic_path, checkboxes=bool(options.get("checkboxes")))


def _named(catalog: Catalog) -> Catalog:
    """The catalog with every untitled record (a BibTeX/CSL entry without a title, and no link
    to show instead) given its citekey as the line's text, so the list never has a bare ``- ``."""
    bare = [i for i, e in enumerate(catalog.entries)
            if not (e.title or "").strip() and not e.links and e.entry_type is not None]
    if not bare:
        return catalog
    named = copy.copy(catalog)
    named.entries = list(catalog.entries)
    for i in bare:
        e = copy.copy(catalog.entries[i])
        e.title = e.citekey or e.id
        named.entries[i] = e
    return named


@register("json", "the catalog as JSON (topics and entries, same shape with or without filters)", ".json")
def _json(catalog: Catalog, entries: list[Entry], **options) -> str:
    from wsskg.export import to_json

    return to_json(catalog)


@register("csv", "one row per entry", ".csv", bulky=False)
def _csv(catalog: Catalog, entries: list[Entry], **options) -> str:
    from wsskg.export import to_csv

    return to_csv(entries)


@register("bibtex", "BibTeX: every field and citekey as imported", ".bib")
def _bibtex(catalog: Catalog, entries: list[Entry], everything: list[Entry] | None = None, **options) -> str:
    from wsskg.formats.bibtex import to_bibtex

    return to_bibtex(entries, siblings=everything)


@register("csl-json", "CSL-JSON (Zotero, pandoc, citeproc)", ".json")
def _csl_json(catalog: Catalog, entries: list[Entry], everything: list[Entry] | None = None, **options) -> str:
    from wsskg.formats.csl_json import to_csl_json

    return to_csl_json(entries, siblings=everything)


def _graph(fmt: str):
    def write(catalog: Catalog, entries: list[Entry], **options) -> str:
        from wsskg.graph import build_graph
        from wsskg.graph_export import render_graph

        G = build_graph(catalog, include_external=options.get("external", True))
        return render_graph(G, fmt, title=catalog.title or "wsskg catalog")
    return write


for _fmt, _name, _help, _suffix in (
    ("graphml", "graphml", "the citation and topic graph as GraphML (Gephi, Cytoscape)", ".graphml"),
    ("gexf", "gexf", "the graph as GEXF (Gephi)", ".gexf"),
    ("dot", "dot", "the graph as DOT (Graphviz)", ".dot"),
    ("json", "graph-json", "the graph as node-link JSON (networkx)", ".json"),
    ("html", "html", "the graph as one offline HTML page", ".html"),
):
    register(_name, _help, _suffix)(_graph(_fmt))
