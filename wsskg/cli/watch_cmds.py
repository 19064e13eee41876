"""``wsskg suggest-topic`` and ``wsskg watch``: thin commands over :mod:`wsskg.suggest` and
:mod:`wsskg.watch`.

The library modules and the API clients are imported inside the command bodies, so importing
this module (which ``wsskg --help`` does) costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from wsskg.cli.app import CatalogOpt, JsonOpt, echo, err, print_json, read_catalog


def register(app: typer.Typer) -> None:
    app.command("suggest-topic")(suggest_topic_cmd)


def suggest_topic_cmd(
    ref: Optional[str] = typer.Argument(None, metavar="[REF]", help="An entry: id, arXiv id, DOI or title."),
    title: Optional[str] = typer.Option(None, "--title", help="Free text instead of an entry: a title (or any words)."),
    abstract: Optional[str] = typer.Option(None, "--abstract", help="With --title: the abstract, if known."),
    top: int = typer.Option(3, "-n", "--top", min=1, help="How many topics to propose."),
    json_out: bool = JsonOpt,
    catalog: Optional[Path] = CatalogOpt,
) -> None:
    """Propose topics for an entry (or a title) from the list itself: the topics whose papers it
    is closest to, with a score and the evidence.

    Closeness is TF-IDF over titles, notes, abstracts, authors and venues as this catalog uses
    them, and citations when the catalog is enriched. An entry already in the catalog is judged
    as a newcomer: it is left out of its own topics. Only leaf topics that hold papers are
    proposed. Accuracy on held-out papers: docs/watch.md.

    Examples:

    \b
      wsskg suggest-topic psa-2018
      wsskg suggest-topic --title "Affinity propagation for weakly supervised segmentation"
      wsskg suggest-topic 1803.10464 -n 5 --json
    """
    from wsskg.catalog import resolve
    from wsskg.errors import WsskgError
    from wsskg.suggest import suggest_topics, text_entry

    if (ref is None) == (title is None):
        raise typer.BadParameter("give an entry (REF) or --title TEXT, not both", param_hint="REF / --title")
    if abstract and title is None:
        raise typer.BadParameter("--abstract goes with --title", param_hint="--abstract")
    _, cat = read_catalog(catalog)
    if title is not None:
        if not title.strip():
            raise typer.BadParameter("the title is empty", param_hint="--title")
        entry = text_entry(title, abstract)
    else:
        entry = resolve(cat, ref)
    got = suggest_topics(cat, entry, k=top)
    if not got:
        raise WsskgError("the catalog has no topic holding papers to learn from")
    if json_out:
        print_json({"entry": None if title is not None else entry.id,
                    "title": entry.display_title if ref is not None else title,
                    "topics_now": list(entry.topics) if ref is not None else [],
                    "suggestions": [s.to_json() for s in got]})
        return
    if ref is not None:
        now = ", ".join(t.rsplit("/", 1)[-1] for t in entry.topics) or "none"
        echo(f"{entry.id}: {entry.display_title}  (filed under: {now})")
    for i, s in enumerate(got, 1):
        echo(f"{i}. {s.topic}  score {s.score:.3f}")
        for ev in s.evidence:
            echo(f"     {ev}")
    if all(s.score == 0 for s in got):
        err("nothing in common with any topic: these are only the largest topics")
