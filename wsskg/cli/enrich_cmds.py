"""``wsskg enrich`` and ``wsskg add``: thin commands over :mod:`wsskg.enrich`.

Only this module imports typer; the client libraries are imported inside the command bodies
(through ``wsskg.enrich``), so ``wsskg --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from wsskg.cli.app import CatalogOpt, JsonOpt, echo, err, print_json, write_path

_SOURCES = ("arxiv", "s2", "all")


def enrich_progress(label: str = "enrich"):
    """A progress callback and a closer: a rich bar on a terminal, plain lines otherwise."""
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       TextColumn("{task.description}"), console=Console(stderr=True), transient=True)
        task = None

        def update(done: int, total: int, message: str) -> None:
            nonlocal task
            if task is None:
                bar.start()
                task = bar.add_task(message, total=total)
            bar.update(task, completed=done, total=total, description=message)

        return update, bar.stop

    def plain(done: int, total: int, message: str) -> None:
        err(f"[{done}/{total}] {message}")

    return plain, lambda: None


def register(app: typer.Typer) -> None:
    @app.command("enrich")
    def enrich_cmd(
        source: str = typer.Option("all", "--source", metavar="arxiv|s2|all", help="Where to look: arxiv, s2 or all."),
        topic: Optional[str] = typer.Option(None, "--topic", "-t", metavar="TOPIC", help="Only entries under this topic."),
        only: Optional[List[str]] = typer.Option(None, "--only", metavar="REF", help="Only this entry (repeatable): id, arXiv id, DOI or title."),
        refresh: bool = typer.Option(False, "--refresh", help="Ask again even when cached or already enriched."),
        offline: bool = typer.Option(False, "--offline", help="Use the cache only; report what it could not fill."),
        timeout: Optional[float] = typer.Option(None, "--timeout", metavar="SECONDS", min=0.001,
                                                help="Stop asking after this many seconds in all (what was found is saved)."),
        json_out: bool = JsonOpt,
        catalog: Optional[Path] = CatalogOpt,
    ) -> None:
        """Fill ids, authors, canonical title/year/venue, abstract, citation count and references
        of paper entries from arXiv and Semantic Scholar.

        Entries with an arXiv id (or arxiv.org link) or DOI are looked up by id, in batches; the
        others by title, and only a close, unambiguous title match whose year and venue agree
        with the list is taken. Code repos and concept-like titles are skipped. A list link
        whose paper is not the one the list names (another title; a short name the paper never
        calls itself) is kept but marked wrong_link, its id cleared, and the work looked up by
        title or short name with its year and venue instead. What the list
        says (title, venue, year, notes, links, status) is never changed. Answers are cached
        ($WSSKG_CACHE_DIR), the catalog is saved after every batch (an interrupted run resumes),
        S2_API_KEY is used when set. Exit status 3 when some lookups failed.

        Examples:

        \b
          wsskg enrich
          wsskg enrich --topic context --source s2
          wsskg enrich --only non-local-neural-2018 --refresh
          wsskg enrich --offline --json
          wsskg enrich --timeout 600
        """
        from wsskg.enrich import enrich

        if source not in _SOURCES:
            raise typer.BadParameter(f"expected one of {', '.join(_SOURCES)}", param_hint="--source")
        path = write_path(catalog)
        update, close = enrich_progress() if not json_out else (None, lambda: None)
        try:
            report = enrich(path, source=source, topic=topic, only=only or None, refresh=refresh,
                            offline=offline, progress=update, timeout=timeout)
        finally:
            close()
        if json_out:
            print_json(report.to_dict())
        else:
            for eid, link, why in report.wrong_links:
                err(f"wrong link: {eid}: {link}: {why}")
            for eid, why in report.unmatched:
                err(f"unmatched: {eid}: {why}")
            for eid, why in report.failed:
                err(f"failed: {eid}: {why}")
            if report.offline_missing:
                err(f"offline, not in the cache: {', '.join(report.offline_missing)}")
            for (kept, merged), why in report.same_works:
                err(f"merged: {merged} into {kept} (one work: {why})")
            for ids, why in report.not_merged:
                err(f"not merged: {' / '.join(ids)} ({why})")
            for text in report.notices:
                err(f"note: {text}")
            echo(report.summary())
        if report.failed:
            raise typer.Exit(3)

    @app.command("add")
    def add_cmd(
        ref: str = typer.Argument(..., help="arXiv id/URL, DOI, S2 paperId or exact title."),
        topic: Optional[str] = typer.Option(None, "--topic", "-t", metavar="TOPIC", help="File it under this topic."),
        json_out: bool = JsonOpt,
        catalog: Optional[Path] = CatalogOpt,
    ) -> None:
        """Add a paper by arXiv id or URL, DOI, Semantic Scholar id or exact title, with its
        metadata. A paper already in the catalog (same arXiv id, DOI, S2 id or title) is not
        added twice.

        Examples:

        \b
          wsskg add 1711.07971 --topic context
          wsskg add 10.1109/CVPR.2017.177
          wsskg add "Non-local Neural Networks"
        """
        from wsskg.enrich import add_paper

        path = write_path(catalog)
        entry = add_paper(path, ref, topic=topic)
        if json_out:
            print_json(entry.to_json())
        else:
            year = f" ({entry.year})" if entry.year else ""
            echo(f"added {entry.id}: {entry.title}{year}")
