"""The catalog as one object, in the sqlite-utils / llm style: ``lib = wsskg.open("catalog.yaml")``,
then ``lib.search(...)``, ``lib.resolve(...)``, ``lib.read(...)``, ``lib.import_file(...)``,
``lib.export(format=...)``, ``lib.enrich(...)``, ``lib.graph()``.

Every query goes through the derived index (:mod:`wsskg.index`), opened the same way the CLI
opens it, so the CLI and the library give the same answers from the same code. The function API
over a :class:`~wsskg.catalog.Catalog` in memory (:func:`search`, :func:`neighbourhood`,
:func:`next_papers`, :func:`discover`) asks the same queries of an index built in memory from
that catalog; :func:`resolve` applies the index's rule (``wsskg.catalog.resolve_with``) to the
entries in memory, so the entry it returns is the caller's to edit.
"""

from __future__ import annotations

import os
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from wsskg.catalog import Catalog, Entry
from wsskg.errors import CatalogError, ImportFailed

Progress = Callable[[int, int], None]


# -- the function API over a Catalog in memory -----------------------------------------------------

def search(catalog: Catalog, query: str, topic: str | None = None, status: str | None = None,
           year: int | None = None, kind: str | None = None, limit: int | None = 20, mode: str | None = None,
           tag: str | None = None) -> list:
    """Ranked search of ``catalog`` (``wsskg search``): a list of :class:`wsskg.search.Hit`."""
    from wsskg.index import memory_index

    with closing(memory_index(catalog)) as idx:
        return idx.search(query, topic=topic, status=status, year=year, kind=kind, limit=limit, mode=mode, tag=tag)


def resolve(catalog: Catalog, ref: str) -> Entry:
    """The entry ``ref`` names (an id, alias, short name, arXiv id or URL, DOI, S2 id or title
    fragment): the entry object of ``catalog`` itself, so a caller may edit it. The rule is
    :func:`wsskg.catalog.resolve_with`, the index's too."""
    from wsskg.catalog import resolve as resolve_in

    return resolve_in(catalog, ref)


def neighbourhood(catalog: Catalog, ref: str, limit: int = 5) -> dict:
    """What one paper is connected to (``wsskg show``'s second half)."""
    from wsskg.index import memory_index

    with closing(memory_index(catalog)) as idx:
        return idx.neighbourhood(idx.resolve(ref), limit=limit)


def next_papers(catalog: Catalog, limit: int = 10, topic: str | None = None) -> list[dict]:
    """Unread papers to read next, best first, each with its reasons (``wsskg next``)."""
    from wsskg import index

    with closing(index.memory_index(catalog)) as idx:
        return index.next_papers(idx, limit=limit, topic=topic)


def discover(catalog: Catalog, direction: str = "cited", topic: str | None = None, limit: int = 20) -> list[dict]:
    """Outside papers the catalog is most connected to (``wsskg discover``)."""
    from wsskg import index

    with closing(index.memory_index(catalog)) as idx:
        return index.discover(idx, direction=direction, topic=topic, limit=limit)


# -- importing -------------------------------------------------------------------------------------

@dataclass
class ImportResult:
    """What :meth:`Library.import_file` did: ``problems`` (lines about records it could not
    read), and either a merge report (``merge``) or the imported catalog's counts."""

    path: Path
    source: Path
    catalog: Catalog
    problems: list[str] = field(default_factory=list)
    merge: Any = None

    @property
    def counts(self) -> dict[str, int]:
        """entries, papers, code, other, read, topics."""
        entries = self.catalog.entries
        papers = sum(1 for e in entries if e.kind == "paper")
        code = sum(1 for e in entries if e.kind == "code")
        return {"entries": len(entries), "papers": papers, "code": code, "other": len(entries) - papers - code,
                "read": sum(1 for e in entries if e.status == "read"), "topics": len(self.catalog.topics)}


def read_source(file: Path, fmt: str | None = None, topic: str | None = None, keywords_as_topics: bool = False,
                decisions: list[dict] | None = None) -> tuple[Catalog, list[str], str]:
    """A file to import, read by the reader its format needs: ``(catalog, problems, format)``."""
    from wsskg.formats.detect import BIBLIOGRAPHY_FORMATS, IMPORT_FORMATS, detect_format, read_bibliography

    file = Path(file)
    if not file.exists():
        raise ImportFailed(f"{file}: no such file")
    if fmt is not None and fmt not in IMPORT_FORMATS:
        raise ImportFailed(f"unknown format {fmt!r}; use {', '.join(IMPORT_FORMATS)}")
    fmt = fmt or detect_format(file)
    if fmt in BIBLIOGRAPHY_FORMATS:
        incoming, problems = read_bibliography(file, fmt, topic=topic, keywords_as_topics=keywords_as_topics)
        return incoming, list(problems), fmt
    from wsskg.formats.markdown import read_markdown

    return read_markdown(file, decisions=decisions), [], fmt


class Library:
    """One catalog file and its derived index. Use :func:`open`; close it (or use ``with``)
    to release the index's database connection."""

    def __init__(self, path: str | os.PathLike, progress: Progress | None = None,
                 cache: str | os.PathLike | None = None):
        self.path = Path(path)
        #: ``progress(done, total)`` for long work (an index build, the citation tables)
        self.progress = progress
        #: where the derived index is kept (default: ``$WSSKG_CACHE_DIR``, else the user cache dir)
        self.cache = Path(cache) if cache is not None else None
        self._index = None

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<wsskg.Library {str(self.path)!r}>"

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None

    @property
    def index(self):
        """The derived index (:class:`wsskg.index.CatalogIndex`), brought up to date with the
        files before each use (a look at their stat when nothing changed)."""
        from wsskg.index import open_index

        if self._index is None:
            self._index = open_index(self.path, progress=self.progress, cache=self.cache)
        else:
            self._index.sync(progress=self.progress)
        return self._index

    # -- reading ---------------------------------------------------------------------------------
    def catalog(self, bulky: bool = True) -> Catalog:
        """The whole catalog in memory (``bulky``: with abstracts and references)."""
        from wsskg.store import load_catalog

        return load_catalog(self.path, bulky=bulky, cache=self.cache)

    def search(self, query: str, topic: str | None = None, status: str | None = None, year: int | None = None,
               kind: str | None = None, limit: int | None = 20, mode: str | None = None, tag: str | None = None) -> list:
        """Ranked hits (:class:`wsskg.search.Hit`: ``entry``, ``score``, ``why``). ``mode``:
        keyword, meaning or hybrid (default: hybrid with the optional model, else keyword)."""
        return self.index.search(query, topic=topic, status=status, year=year, kind=kind, limit=limit, mode=mode,
                                 progress=self.progress, tag=tag)

    def list(self, topic: str | None = None, status: str | None = None, year: int | None = None,
             kind: str | None = None, limit: int | None = None, tag: str | None = None) -> list[Entry]:
        """Entries in catalog order that pass the filters (``wsskg list``)."""
        idx = self.index
        if topic:
            from wsskg.catalog import resolve_topic

            topic = resolve_topic(idx.skeleton(), topic)
        return idx.filter_entries(topic=topic, status=status, year=year, kind=kind, limit=limit, tag=tag,
                                  bulky=True)

    def topics(self) -> list[dict]:
        """The topic tree with read/total counts (``wsskg topics``)."""
        return self.index.topic_counts()

    def resolve(self, ref: str) -> Entry:
        """The entry ``ref`` names, with its abstract and references."""
        idx = self.index
        return idx.get(idx.resolve(ref).id)

    def neighbourhood(self, ref: str, limit: int = 5) -> dict:
        """What one paper is connected to (``wsskg show``)."""
        idx = self.index
        return idx.neighbourhood(idx.resolve(ref), limit=limit)

    def next(self, limit: int = 10, topic: str | None = None) -> list[dict]:
        """Unread papers to read next (``wsskg next``)."""
        from wsskg import index

        return index.next_papers(self.index, limit=limit, topic=topic)

    def discover(self, direction: str = "cited", topic: str | None = None, limit: int = 20) -> list[dict]:
        """Outside papers the catalog is most connected to, from the citations it holds
        (``wsskg discover``; :meth:`fetch_citations` first for ``direction="citing"``)."""
        from wsskg import index

        return index.discover(self.index, direction=direction, topic=topic, limit=limit)

    def has_citations(self) -> bool:
        from wsskg import index

        return index.has_citations(self.index)

    def stats(self) -> dict:
        """Reading progress, papers per year, the most-cited papers (``wsskg stats``)."""
        from wsskg.recommend import stats

        return stats(self.catalog())

    def check(self) -> list:
        """Findings about the catalog (``wsskg check``)."""
        from wsskg.check import check_catalog

        return check_catalog(self.catalog(bulky=False))

    def graph(self, include_external: bool = True):
        """The networkx citation + topic graph."""
        from wsskg.graph import build_graph

        return build_graph(self.catalog(), include_external=include_external)

    def export(self, format: str = "markdown", status: str | None = None, topic: str | None = None,
               tag: str | None = None, since: str | None = None, **options: Any) -> str:
        """The catalog (narrowed by the filters) as text in ``format`` (see :func:`wsskg.export_formats`)."""
        from wsskg import exporters

        exporters.get(format)  # an unknown format fails before the catalog is read
        return exporters.export(self.catalog(bulky=exporters.get(format).bulky), format, status=status,
                                topic=topic, tag=tag, since=since, **options)

    # -- writing ---------------------------------------------------------------------------------
    def read(self, refs: list[str] | str, status: str = "read") -> list[tuple[Entry, str]]:
        """Mark entries read (or ``reading``/``unread``): ``[(entry, old status), ...]``."""
        from wsskg.store import set_status

        return set_status(self.path, [refs] if isinstance(refs, str) else list(refs), status)

    def import_file(self, file: str | os.PathLike, merge: bool = False, force: bool = False, fmt: str | None = None,
                    topic: str | None = None, keywords_as_topics: bool = False) -> ImportResult:
        """Import a Markdown list, BibTeX or CSL-JSON file: create the catalog, replace it
        (``force``) or merge into it (``merge``; a bibliography's records merge only on
        agreeing evidence)."""
        from wsskg.store import editing, locked, save_catalog

        file = Path(file)
        from wsskg.outputs import catalog_files, same_file

        if any(same_file(file, p) for p in catalog_files(self.path)):
            raise ImportFailed(f"{file}: is this catalog (or its sidecar); import reads a reading list or a "
                               "bibliography into it")
        exists = self.path.exists()
        decisions = self._decisions() if exists and force else None
        incoming, problems, fmt = read_source(file, fmt, topic, keywords_as_topics, decisions)
        result = ImportResult(path=self.path, source=file, catalog=incoming, problems=problems)
        if merge:
            if not exists:
                raise CatalogError("nothing to merge into; run `wsskg init` first or import without --merge",
                                   path=self.path)
            from wsskg.formats.detect import BIBLIOGRAPHY_FORMATS

            with editing(self.path) as base:
                if fmt in BIBLIOGRAPHY_FORMATS:
                    from wsskg.formats.evidence import merge_records

                    result.merge = merge_records(base, incoming)
                else:
                    from wsskg.merge import merge_into

                    result.merge = merge_into(base, incoming, source=file.name)
            return result
        if exists and not force:
            raise CatalogError("already exists; use --merge to add to it or --force to replace it", path=self.path)
        with locked(self.path):
            save_catalog(self.path, incoming, lock=False, fresh=True, progress=self.progress, index=True,
                         cache=self.cache)
        return result

    def _decisions(self) -> list[dict]:
        """The identity decisions of the catalog a re-import replaces (they outlive the import)."""
        try:
            return self.catalog(bulky=False).decisions
        except CatalogError:
            return []

    def enrich(self, **options: Any):
        """Fill ids, authors, abstracts and references from arXiv and Semantic Scholar
        (:func:`wsskg.enrich_catalog`'s options); returns its report."""
        from wsskg.enrich import enrich

        return enrich(self.path, **options)

    def fetch_citations(self, **options: Any):
        """Fetch who cites the catalog's papers (cached; ``offline=True`` reads the cache only)."""
        from wsskg.enrich import fetch_citations

        return fetch_citations(self.path, **options)


def open(path: str | os.PathLike = "catalog.yaml", progress: Progress | None = None,  # noqa: A001
         cache: str | os.PathLike | None = None) -> Library:
    """The catalog at ``path`` as a :class:`Library` (the file need not exist before an import).
    Its queries keep a derived index in ``cache`` (default: ``$WSSKG_CACHE_DIR``, else the user
    cache dir); nothing is written there before the first query or import."""
    return Library(path, progress=progress, cache=cache)
