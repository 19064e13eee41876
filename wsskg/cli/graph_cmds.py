"""Graph commands: ``next``, ``discover``, ``stats`` and ``graph``, registered on the main app.

networkx, matplotlib and the graph modules are imported inside the commands, so importing
this module (which ``wsskg --help`` does) costs nothing.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from wsskg.cli.app import (CatalogOpt, ForceOpt, JsonOpt, echo, err, print_data, print_json, progress_bar, read_catalog,
                           read_index, write_path)
from wsskg.errors import WsskgError

FORMAT_CHOICES = ("graphml", "gexf", "json", "dot", "html")


class Direction(str, Enum):
    cited = "cited"
    citing = "citing"


class Format(str, Enum):
    graphml = "graphml"
    gexf = "gexf"
    json = "json"
    dot = "dot"
    html = "html"


class Status(str, Enum):
    unread = "unread"
    reading = "reading"
    read = "read"


def _style(text: str, **kw) -> tuple:
    """A part for :func:`echo` styled on a colour terminal."""
    return (text, kw)


def _clip(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _bar(done: int, total: int, width: int = 20) -> str:
    full, empty = ("█", "░") if _utf8() else ("#", "-")
    n = round(width * done / total) if total else 0
    return full * n + empty * (width - n)


def _utf8() -> bool:
    enc = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    return enc in ("utf8", "utf_8") or not enc


def next_cmd(
    limit: int = typer.Option(10, "--limit", "-n", min=1, help="How many papers to suggest."),
    topic: Optional[str] = typer.Option(None, "--topic", "-t", help="Only papers in this topic (name or path)."),
    catalog: Optional[Path] = CatalogOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Suggest unread papers to read next, ranked from the graph, each with its reason.

    The ranking is a personalised PageRank seeded on the papers you have read (and, half as
    strongly, the ones you are reading), walking citation edges (when the catalog is enriched)
    and topic edges.

    Example: wsskg next --limit 5 --topic affinity
    """
    from wsskg.index import has_citations, next_papers

    _, idx = read_index(catalog)  # the walk and its ranking are cached in the index
    picks = next_papers(idx, limit=limit, topic=topic)
    if as_json:
        print_json(picks)
        return
    if not picks:
        echo("Nothing left to suggest: every paper" + (f" in {topic}" if topic else "") + " is read or being read.")
        return
    width = len(str(len(picks)))
    for i, p in enumerate(picks, 1):
        year = f" ({p['year']})" if p.get("year") else ""
        echo(f"{i:>{width}}. ", _style(p['id'], bold=True), f"{year}  {_clip(p['title'], 70)}")
        echo(f"{' ' * width}   {p['reason']}")
    echo(f"\nMark one read with: wsskg read {picks[0]['id']}")
    if not has_citations(idx):
        echo("These follow topics only: `wsskg enrich` fetches references and citations, so suggestions "
             "also weigh what your read papers cite and what cites them, and `wsskg discover` can name "
             "the classics the list is missing.")


def discover_cmd(
    direction: Direction = typer.Option(
        Direction.cited, "--direction", "-d", help="cited: outside papers the catalog cites most; "
        "citing: newer outside papers that cite many catalog papers."),
    topic: Optional[str] = typer.Option(None, "--topic", "-t", help="Count only catalog papers in this topic."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="How many papers to list."),
    offline: bool = typer.Option(False, "--offline", help="With --direction citing: use cached citations only."),
    catalog: Optional[Path] = CatalogOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Find papers outside the catalog that it is most connected to, with the command to add each.

    --direction cited (default) lists the classics the list is missing: papers that many
    catalog papers cite (needs reference data from `wsskg enrich`). --direction citing first
    fetches who cites the catalog's papers (batched and cached) and lists newer papers that
    cite many of them.

    Example: wsskg discover --direction citing --topic affinity --limit 10
    """
    from wsskg import index

    direction = Direction(direction).value
    if direction == "citing":
        from wsskg.enrich import fetch_citations

        _report_fetch(fetch_citations(write_path(catalog), refs=None, offline=offline))
    _, idx = read_index(catalog)  # counted in SQL over the index's citation rows
    found = index.discover(idx, direction=direction, topic=topic, limit=limit)
    cited_data = index.has_citations(idx)
    if as_json:
        print_json(found)
        return
    if not found:
        if not cited_data:
            if direction == "cited":
                hint = "run `wsskg enrich` first to fetch references"
            else:
                hint = "papers need a Semantic Scholar id (run `wsskg enrich`) before their citations can be fetched"
                if offline:
                    hint += "; --offline used cached citations only"
            echo(f"No citation data in this catalog: {hint}.")
        else:
            echo("No outside papers found" + (f" for topic {topic}" if topic else "") + ".")
        return
    width = len(str(len(found)))
    for i, f in enumerate(found, 1):
        year = f" ({f['year']})" if f.get("year") else ""
        echo(f"{i:>{width}}. {_clip(f['title'], 78)}{year}")
        echo(f"{' ' * width}   {f['evidence']}")
        echo(f"{' ' * width}   ", _style(f['add'], fg='green'))


def _report_fetch(result) -> None:
    """One line on stderr about a citation fetch (when it returned a report)."""
    filled = getattr(result, "filled", None)
    if filled is None:
        return
    bits = [f"citations fetched for {len(filled)} papers"]
    for attr, what in (("failed", "failed"), ("offline_missing", "not cached (offline)"),
                       ("skipped", "without a Semantic Scholar id")):
        n = len(getattr(result, attr, None) or [])
        if n:
            bits.append(f"{n} {what}")
    err("wsskg: " + ", ".join(bits))


def stats_cmd(
    plot: Optional[Path] = typer.Option(None, "--plot", help="Also write a matplotlib figure (PNG, SVG or PDF). An "
                                        "existing file is replaced only if wsskg wrote it and it is unchanged since."),
    force: bool = ForceOpt,
    catalog: Optional[Path] = CatalogOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Reading progress per topic, papers per year, and the most-cited papers in the catalog.

    Example: wsskg stats --plot progress.png
    """
    from wsskg.recommend import stats

    cat_path, cat = read_catalog(catalog)
    protect = []
    if plot is not None:
        from wsskg.outputs import catalog_files, check_output

        protect = catalog_files(cat_path)
        check_output(plot, protect=protect, force=force)  # refuse before the work
    st = stats(cat)
    if plot is not None:
        write_plot(st, plot, protect=protect, force=force)
    if as_json:
        print_json(st)
        return
    t = st["totals"]
    echo(_style(st["title"] or "Catalog", bold=True))
    pct = f" ({100 * t['read'] / t['entries']:.0f} %)" if t["entries"] else ""
    echo(f"{t['entries']} entries ({t['papers']} papers): {t['read']} read{pct}, "
               f"{t['reading']} reading, {t['unread']} unread\n")
    echo(_style("Progress per topic", bold=True))
    names = [("  " * tp["depth"]) + _clip(tp["name"], 40 - 2 * tp["depth"]) for tp in st["topics"]]
    w = min(max((len(n) for n in names), default=10), 40)
    for name, tp in zip(names, st["topics"]):
        if not tp["total"]:
            continue
        echo(f"  {name:<{w}}  {_bar(tp['read'], tp['total'])}  {tp['read']:>3}/{tp['total']:<3}")
    if st["years"]:
        echo("\n", _style("Papers per year", bold=True))
        most = max(c for _, c in st["years"])
        for year, c in st["years"]:
            echo(f"  {year}  {_bar(c, most, 30).rstrip('░-')} {c}")
    if st["papers_without_year"]:
        n = st["papers_without_year"]
        echo(("\n" if not st["years"] else "") + f"  ({n} paper{'s' if n != 1 else ''} without a year, not counted above)")
    if st["most_cited"]:
        echo("\n", _style("Most-cited catalog papers", bold=True))
        for m in st["most_cited"]:
            bits = []
            if m["catalog_citing"]:
                n = m["catalog_citing"]
                bits.append(f"cited by {n} catalog paper{'s' if n != 1 else ''}")
            if m["citation_count"]:
                bits.append(f"{m['citation_count']} citations overall")
            echo(f"  {m['id']}  {_clip(m['title'], 50)}  ({', '.join(bits)})")
    else:
        echo("\nNo citation data yet: `wsskg enrich` fetches it.")
    if plot is not None:
        err(f"wrote {plot}")


def write_plot(st: dict, path: Path, protect=(), force: bool = False) -> Path:
    """A figure of reading progress per topic and papers per year (matplotlib, headless)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise WsskgError("--plot needs matplotlib: pip install 'wsskg[plot]'") from None
    topics = [tp for tp in st["topics"] if tp["total"]]
    fig, (ax1, ax2) = plt.subplots(
        1, 2, figsize=(13, max(4.0, 0.28 * len(topics) + 1.5)), gridspec_kw={"width_ratios": [3, 2]})
    labels = [("  " * tp["depth"]) + tp["name"] for tp in topics]
    ys = list(range(len(topics)))[::-1]
    ax1.barh(ys, [tp["total"] for tp in topics], color="#dfe3ea", label="in topic")
    ax1.barh(ys, [tp["read"] for tp in topics], color="#3b6fd8", label="read")
    ax1.set_yticks(ys, labels, fontsize=8)
    ax1.set_xlabel("entries")
    ax1.set_title("Reading progress per topic")
    ax1.legend(loc="lower right")
    years = st["years"]
    if years:
        ax2.bar([y for y, _ in years], [c for _, c in years], color="#3b6fd8")
    ax2.set_xlabel("year")
    ax2.set_ylabel("papers")
    ax2.set_title("Papers per year")
    fig.suptitle(st.get("title") or "wsskg catalog")
    fig.tight_layout()
    try:
        import io

        from wsskg.outputs import write_output

        buf = io.BytesIO()
        fig.savefig(buf, dpi=120, format=path.suffix.lstrip(".").lower() or None)
        write_output(path, buf.getvalue(), protect=protect, force=force)
    except (OSError, ValueError) as e:
        raise WsskgError(f"cannot write {path}: {e}") from None
    finally:
        plt.close(fig)
    return path


def graph_cmd(
    fmt: Format = typer.Option(
        Format.html, "--format", "-f", help="graphml (Gephi, Cytoscape), gexf (Gephi), json (node-link), "
        "dot (Graphviz) or html (interactive page, works offline)."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write; '-' prints it. An existing FILE is "
                                "replaced only if wsskg wrote it and it is unchanged since; never the catalog or its sidecar."),
    force: bool = ForceOpt,
    topic: Optional[str] = typer.Option(None, "--topic", "-t", help="Only entries in this topic (and subtopics)."),
    status: Optional[Status] = typer.Option(None, "--status", "-s", help="Only entries with this status."),
    external: bool = typer.Option(True, "--external/--no-external", help="Include papers outside the catalog."),
    catalog: Optional[Path] = CatalogOpt,
) -> None:
    """Export the citation and topic graph for Gephi, Cytoscape or Graphviz, or as an HTML page.

    Example: wsskg graph --format html -o graph.html --topic "Reading List"
    """
    from wsskg.catalog import resolve_topic
    from wsskg.graph import build_graph, filter_graph, graph_parts
    from wsskg.graph_export import export_graph, graph_pieces
    from wsskg.outputs import catalog_files, check_output

    fmt = Format(fmt).value
    status = Status(status).value if status is not None else None
    streamed = fmt in ("graphml", "gexf") and not (topic or status)
    report = None
    if streamed:  # the whole graph, written from the index's rows: no abstracts, no networkx graph
        import gc

        from wsskg.files import gc_paused

        cat_path, idx = read_index(catalog)
        # three steps of about the same time at 100,000 papers (3-4 s each): rows, graph, file
        report = idx.work_progress(progress_bar("writing the graph")) if str(output) != "-" else None
        if report:
            report(0, 3)
        try:
            with gc_paused():  # 10,000s of long-lived objects: see files.gc_paused
                cat = idx.graph_catalog()
            gc.freeze()  # (this command's process: the collector never rescans them)
        finally:
            idx.close()
        if report:
            report(1, 3)
    else:
        cat_path, cat = read_catalog(catalog)
    protect = catalog_files(cat_path)
    if str(output) != "-":
        check_output(output, protect=protect, force=force)  # refuse before building the graph
    path = resolve_topic(cat, topic) if topic else None
    if streamed:
        with gc_paused():
            G = graph_parts(cat, include_external=external)
        gc.freeze()
        if report:
            report(2, 3)
    else:
        G = filter_graph(build_graph(cat, include_external=external), topic=path, status=status)
    title = cat.title or "wsskg catalog"
    if path or status:
        title += " — " + ", ".join(x for x in (path, status) if x)
    if str(output) == "-":
        for piece in graph_pieces(G, fmt, title=title):
            print_data(piece)
        return
    export_graph(G, output, fmt, title=title, protect=protect, force=force)
    if report:
        report(3, 3)
    err(f"wrote {output}: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges ({fmt})")


def register(app: typer.Typer) -> None:
    app.command("next")(next_cmd)
    app.command("discover")(discover_cmd)
    app.command("stats")(stats_cmd)
    app.command("graph")(graph_cmd)
