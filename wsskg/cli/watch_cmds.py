"""``wsskg suggest-topic`` and ``wsskg watch``: thin commands over :mod:`wsskg.suggest` and
:mod:`wsskg.watch`.

The library modules and the API clients are imported inside the command bodies, so importing
this module (which ``wsskg --help`` does) costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from wsskg.cli.app import CatalogOpt, JsonOpt, echo, err, print_json, read_catalog, write_path


def register(app: typer.Typer) -> None:
    app.command("suggest-topic")(suggest_topic_cmd)
    app.command("watch")(watch_cmd)


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


def watch_cmd(
    ids: Optional[List[str]] = typer.Argument(None, metavar="ID", help="With --add or --reject: candidate ids "
                                              "(arXiv id or S2 paperId, as `wsskg watch` shows them)."),
    topic: Optional[List[str]] = typer.Option(None, "--topic", "-t", metavar="TOPIC",
                                              help="Watch only this topic (repeatable); with --add: file under it."),
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE", help="Papers published since DATE "
                                        "(YYYY-MM-DD, YYYY-MM or YYYY); default: the last complete watch."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="Show at most N candidates."),
    add: bool = typer.Option(False, "--add", help="File the candidates ID... in the catalog (unread, evidence as a note)."),
    reject: bool = typer.Option(False, "--reject", help="Reject the candidates ID...: they never come back."),
    offline: bool = typer.Option(False, "--offline", help="Use the cache only; the last-watch date does not move."),
    timeout: Optional[float] = typer.Option(None, "--timeout", metavar="SECONDS", help="Stop asking after this many "
                                            "seconds in all; what was found is shown."),
    json_out: bool = JsonOpt,
    catalog: Optional[Path] = CatalogOpt,
) -> None:
    """Watch arXiv and Semantic Scholar for new papers on the list's topics, each with its
    evidence and a proposed topic; then --add or --reject them.

    Candidates come from arXiv queries built from each topic's own papers (their characteristic
    words, within their arXiv categories) and from Semantic Scholar papers citing the topic's
    papers (enrich first: citations need S2 ids). Papers already in the list (same id or title)
    and rejected ones never come back. Published since the last complete watch (the first
    watch: since 1 January of the list's newest year) unless --since. State (last watch,
    rejected, pending candidates) is kept in <catalog>.watch.json beside the catalog. Same
    cache, rate limits and time limits as `enrich`. Exit status 3 when some requests failed.

    Examples:

    \b
      wsskg watch
      wsskg watch --topic affinity --since 2024-01 --limit 5
      wsskg watch --add 2103.01001 2004.01003
      wsskg watch --add 2103.01001 --topic context
      wsskg watch --reject 2105.01007
    """
    from wsskg import watch as w

    path = write_path(catalog)
    if add and reject:
        raise typer.BadParameter("use --add or --reject, not both", param_hint="--add / --reject")
    if (add or reject) and not ids:
        raise typer.BadParameter("give the candidate ids to act on", param_hint="ID")
    if ids and not (add or reject):
        raise typer.BadParameter("candidate ids go with --add or --reject", param_hint="ID")
    if add or reject:
        if reject and topic:
            raise typer.BadParameter("--topic goes with --add or a watch, not --reject", param_hint="--topic")
        if add and topic and len(topic) > 1:
            raise typer.BadParameter("--add files under one topic", param_hint="--topic")
        if add:
            results = w.add(path, ids, topic=topic[0] if topic else None, offline=offline)
        else:
            results = w.reject(path, ids)
        if json_out:
            print_json([r.to_json() for r in results])
        else:
            for r in results:
                echo(r.message, err=not r.ok)
        if not all(r.ok for r in results):
            raise typer.Exit(1)
        return
    if since is not None:
        w.parse_date(since)  # a bad date fails before anything is asked
    update, close = _progress_for(json_out)
    try:
        report = w.watch(path, topic=topic or None, since=since, limit=limit, offline=offline, progress=update,
                         timeout=timeout)
    finally:
        close()
    if json_out:
        print_json(report.to_dict())
    else:
        _print_report(report)
    if report.failed:
        raise typer.Exit(3)


def _progress_for(json_out: bool):
    from wsskg.cli.enrich_cmds import enrich_progress

    return (None, lambda: None) if json_out else enrich_progress("watch")


def _print_report(report) -> None:
    for why in report.notices:
        err(why)
    for why in report.failed:
        err(f"failed: {why}")
    if not report.candidates:
        err(f"nothing new since {report.since}")
    for i, c in enumerate(report.candidates, 1):
        when = c.published or (str(c.year) if c.year else "")
        mark = "" if c.new else "  (pending)"
        echo(f"{i:>2}. {c.id}  {c.title}" + (f"  ({when})" if when else "") + mark)
        echo(f"    topic: {c.proposed_topic or '?'}" + (
            "  (or " + ", ".join(a["topic"].rsplit("/", 1)[-1] for a in c.alternatives) + ")" if c.alternatives else ""))
        for ev in c.evidence:
            echo(f"    - {ev}")
    echo(report.summary())
    if report.candidates:
        echo("add: wsskg watch --add ID...   reject: wsskg watch --reject ID...")
