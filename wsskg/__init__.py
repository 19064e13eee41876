"""wsskg: a literature knowledge graph for a curated reading list.

The library is usable on its own; ``wsskg.cli`` is a thin shell over it. ``wsskg.open(path)``
gives the catalog file as one object (:class:`wsskg.library.Library`); every query goes through
the derived index (``wsskg.index``), as the CLI's do (``docs/architecture.md``). Data flows:
``formats`` (Markdown, BibTeX, CSL-JSON in) -> ``catalog`` model (``store`` reads and writes
catalog.yaml) -> ``enrich`` over ``sources`` (arXiv, Semantic Scholar) -> ``graph`` ->
queries (``search``, ``recommend``, ``check``, ``suggest``, ``watch``) -> ``exporters``.

The names in :data:`__all__` are the public API (``docs/python-api.md``). They are loaded on
first use, so ``import wsskg`` stays cheap (no networkx, no API clients, no typer). Where a
module and a function would share a name (``wsskg.search``, ``wsskg.enrich``, ``wsskg.watch``)
the function is exported under a longer name (``search_catalog``...), because importing the
module would otherwise replace the function on this package.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> (module, attribute)
_API: dict[str, tuple[str, str]] = {
    # the catalog as one object: lib = wsskg.open("catalog.yaml"); lib.search(...)
    "open": ("wsskg.library", "open"),
    "Library": ("wsskg.library", "Library"),
    # sources in
    "read_markdown": ("wsskg.formats.markdown", "read_markdown"),
    "parse_markdown": ("wsskg.formats.markdown", "parse_markdown"),
    "parse_bibtex": ("wsskg.formats.bibtex", "parse_bibtex"),
    "parse_csl_json": ("wsskg.formats.csl_json", "parse_csl_json"),
    # the model and its file
    "Catalog": ("wsskg.catalog", "Catalog"),
    "Entry": ("wsskg.catalog", "Entry"),
    "resolve": ("wsskg.library", "resolve"),
    "load_catalog": ("wsskg.store", "load_catalog"),
    "save_catalog": ("wsskg.store", "save_catalog"),
    "editing": ("wsskg.store", "editing"),
    "set_status": ("wsskg.store", "set_status"),
    "merge_into": ("wsskg.merge", "merge_into"),
    "same_work": ("wsskg.identity", "same_work"),
    # enrichment
    "enrich_catalog": ("wsskg.enrich", "enrich"),
    "add_paper": ("wsskg.enrich", "add_paper"),
    # graph and queries
    "build_graph": ("wsskg.graph", "build_graph"),
    "search_catalog": ("wsskg.library", "search"),
    "filter_entries": ("wsskg.search", "filter_entries"),
    "neighbourhood": ("wsskg.library", "neighbourhood"),
    "check_catalog": ("wsskg.check", "check_catalog"),
    "next_papers": ("wsskg.library", "next_papers"),
    "discover": ("wsskg.library", "discover"),
    "stats": ("wsskg.recommend", "stats"),
    "suggest_topics": ("wsskg.suggest", "suggest_topics"),
    "watch_papers": ("wsskg.watch", "watch"),
    "check_links": ("wsskg.links", "check_links"),
    "plan_repairs": ("wsskg.links", "plan_repairs"),
    "apply_repairs": ("wsskg.links", "apply_repairs"),
    # out
    "export_catalog": ("wsskg.exporters", "export"),
    "export_formats": ("wsskg.exporters", "names"),
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    try:
        module, attr = _API[name]
    except KeyError:
        raise AttributeError(f"module 'wsskg' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
