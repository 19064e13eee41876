"""``wsskg merge``, ``wsskg split`` and ``wsskg not-same``: the user's word on which entries
are one work. Thin commands over :mod:`wsskg.identity_ops`; decisions are recorded in
catalog.yaml and outlive a re-import."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from wsskg.cli.app import CatalogOpt, write_path


def register(app: typer.Typer) -> None:
    @app.command("merge")
    def merge_cmd(
        keep: str = typer.Argument(..., help="The entry to keep (id, alias, short name, arXiv id or title)."),
        other: str = typer.Argument(..., help="The entry that is the same work: folded into KEEP."),
        catalog: Optional[Path] = CatalogOpt,
    ) -> None:
        """Make two entries one work: OTHER's mentions, links, topics and notes join KEEP, and
        OTHER's id becomes an alias of KEEP. Recorded, so a re-import keeps them together.

        Examples:

        \b
          wsskg merge cian-2019 ficklenet-2019
        """
        from wsskg.catalog import resolve
        from wsskg.identity_ops import merge_entries
        from wsskg.store import editing

        path = write_path(catalog)
        with editing(path) as cat:
            a, b = resolve(cat, keep), resolve(cat, other)
            merge_entries(cat, a, b)
        typer.echo(f"merged {b.id} into {a.id} ({len(a.mentions)} mentions)")

    @app.command("split")
    def split_cmd(
        ref: str = typer.Argument(..., help="The entry whose mentions are not all one work."),
        line: Optional[List[int]] = typer.Option(None, "--line", "-l", help="Split off the mention at this line of the imported list (repeatable); default: all but the first."),
        catalog: Optional[Path] = CatalogOpt,
    ) -> None:
        """Split mentions off an entry the importer joined: each becomes an entry of its own,
        read again from its own lines. Recorded, so a re-import keeps them apart.

        Examples:

        \b
          wsskg split learning-pixel-level --line 45
        """
        from wsskg.catalog import resolve
        from wsskg.identity_ops import split_entry
        from wsskg.store import editing

        path = write_path(catalog)
        with editing(path) as cat:
            e = resolve(cat, ref)
            new = split_entry(cat, e, list(line or []))
        for x in new:
            typer.echo(f"split {x.id} ({x.display_title}) off {e.id}")

    @app.command("not-same")
    def not_same_cmd(
        a: str = typer.Argument(..., help="One entry."),
        b: str = typer.Argument(..., help="Another entry that is a different work."),
        catalog: Optional[Path] = CatalogOpt,
    ) -> None:
        """Record that two entries are different works, so re-import and ``import --merge``
        never join them (``check`` stops calling them likely duplicates).

        Examples:

        \b
          wsskg not-same cian-2019 ficklenet-2019
        """
        from wsskg.catalog import resolve
        from wsskg.identity_ops import not_same
        from wsskg.store import editing

        path = write_path(catalog)
        with editing(path) as cat:
            x, y = resolve(cat, a), resolve(cat, b)
            not_same(cat, x, y)
        typer.echo(f"recorded: {x.id} and {y.id} are different works")
