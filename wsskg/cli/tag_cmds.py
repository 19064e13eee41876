"""``wsskg tag`` and ``wsskg untag``: the user's own labels on entries, beside the topics.

Tags are free words (BibTeX ``keywords``, Zotero tags); topics are the list's headings. A tag
change edits only the ``tags`` lines of the entries it touches (``wsskg.store.edit_field``).
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from wsskg.cli.app import CatalogOpt, JsonOpt, short, echo, print_json, write_path


def _clean(tags: List[str]) -> list[str]:
    from wsskg.errors import WsskgError

    out = []
    for t in tags:
        t = " ".join(t.split())
        if not t:
            raise WsskgError("a tag cannot be empty")
        if t not in out:
            out.append(t)
    return out


def _report(results, tags: list[str], verb: str, json_out: bool) -> None:
    if json_out:
        print_json([{"id": e.id, "tags": list(e.tags), "changed": changed} for e, changed in results])
        return
    for e, changed in results:
        note = "" if changed else " (nothing to change)"
        echo(f"{verb} {', '.join(tags)}: {e.id}  {short(e.display_title, 70)}  [{', '.join(e.tags)}]{note}")


def register(app: typer.Typer) -> None:
    @app.command()
    def tag(
        ref: str = typer.Argument(..., help="An entry id, an arXiv id or URL, a DOI, or a title fragment.", show_default=False),
        tags: List[str] = typer.Argument(..., help="Tags to add (quote a tag with spaces).", show_default=False),
        json_out: bool = JsonOpt,
        catalog: Optional[Path] = CatalogOpt,
    ) -> None:
        """Add tags to an entry (tags are your labels; topics stay the list's headings).

        Examples:

        \b
          wsskg tag adaptive-affinity-field-2018 to-cite crf
          wsskg list --tag to-cite
        """
        from wsskg.store import edit_field

        wanted = _clean(tags)

        def add(e) -> bool:
            new = [t for t in wanted if t not in e.tags]
            e.tags = list(e.tags) + new
            return bool(new)

        _report(edit_field(write_path(catalog), [ref], "tags", add), wanted, "tagged", json_out)

    @app.command()
    def untag(
        ref: str = typer.Argument(..., help="An entry id, an arXiv id or URL, a DOI, or a title fragment.", show_default=False),
        tags: List[str] = typer.Argument(..., help="Tags to remove.", show_default=False),
        json_out: bool = JsonOpt,
        catalog: Optional[Path] = CatalogOpt,
    ) -> None:
        """Remove tags from an entry.

        Examples:

        \b
          wsskg untag adaptive-affinity-field-2018 to-cite
        """
        from wsskg.store import edit_field

        unwanted = _clean(tags)

        def drop(e) -> bool:
            kept = [t for t in e.tags if t not in unwanted]
            changed = len(kept) != len(e.tags)
            e.tags = kept
            return changed

        _report(edit_field(write_path(catalog), [ref], "tags", drop), unwanted, "untagged", json_out)
