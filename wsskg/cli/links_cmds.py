"""``wsskg links``: a thin command over :mod:`wsskg.links` (imported inside the command, so
``wsskg --help`` does not load it)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from wsskg.cli.app import CatalogOpt, JsonOpt, echo, err, print_json, progress_bar, read_catalog, shown, write_path

#: ``--format`` values: plain lines, or GitHub Actions annotations on the list file's lines.
FORMATS = ("text", "github")


def register(app: typer.Typer) -> None:
    app.command("links")(links_cmd)


def links_cmd(
    topic: Optional[str] = typer.Option(None, "--topic", "-t", metavar="TOPIC", help="Only the links of this topic."),
    everything: bool = typer.Option(False, "--all", help="Also the URLs of the list's other lines (intro, "
                                    "navigation, badges)."),
    fail_on: str = typer.Option("dead", "--fail-on", metavar="VERDICTS", help="Exit 1 when a link has one of "
                                "these verdicts (comma-separated: dead, flaky, blocked, invalid, redirected; or "
                                "none)."),
    recheck: bool = typer.Option(False, "--recheck", help="Ask every server again, ignoring cached verdicts."),
    fix: bool = typer.Option(False, "--fix", help="Propose repairs of moved and dead links, with the evidence."),
    apply: bool = typer.Option(False, "--apply", help="With --fix: make the repairs in the catalog."),
    fmt: str = typer.Option("text", "--format", metavar="FORMAT", help="text, or github: annotations "
                            "(::error file=...,line=...::) for GitHub Actions."),
    list_file: str = typer.Option("README.md", "--file", metavar="NAME", help="The list's file name in "
                                  "annotations."),
    connections: int = typer.Option(32, "--connections", min=1, help="Open connections in all."),
    per_host: int = typer.Option(2, "--per-host", min=1, help="Open connections to one host."),
    pace: float = typer.Option(0.2, "--pace", min=0.0, metavar="SECONDS", help="Seconds between two request "
                               "starts to one host."),
    request_timeout: float = typer.Option(20.0, "--request-timeout", min=0.1, metavar="SECONDS",
                                          help="One request's deadline, connect to last header byte."),
    timeout: Optional[float] = typer.Option(None, "--timeout", min=0.1, metavar="SECONDS", help="Stop asking "
                                            "after this many seconds in all; links not checked by then are flaky."),
    cache_hours: float = typer.Option(24.0, "--cache-hours", min=0.0, help="How long a verdict is reused."),
    json_out: bool = JsonOpt,
    catalog: Optional[Path] = CatalogOpt,
) -> None:
    """Check every link of the list: ok, redirected (moved permanently), dead (404, 410, no such
    host), flaky (timeouts, 5xx; retried), blocked (403, 429: bot walls), invalid (not a URL).

    Polite: a few connections per host, a pace per host, Retry-After honoured, HEAD before GET.
    Verdicts are cached for --cache-hours (in the cache dir), so a second run soon after asks no
    server. --fix proposes repairs: a moved link becomes its new URL, a dead paper link the
    work's own arXiv, DOI or Semantic Scholar link from enrichment (checked first); a dead link
    with no replacement is reported, never removed. --fix --apply writes them to the catalog,
    changing only those URLs (`wsskg export` then gives the list back with the new links).

    Exit status: 1 when a link has a verdict of --fail-on (default: dead; after --apply, only
    the links not repaired count), 0 otherwise. Guide and a CI workflow: docs/links.md.

    Examples:

    \b
      wsskg links
      wsskg links --topic affinity --json
      wsskg links --format github --fail-on dead,invalid
      wsskg links --fix
      wsskg links --fix --apply && wsskg export -o README.md --force
    """
    from wsskg.links import CheckSettings, apply_repairs, check_links, parse_fail_on, plan_repairs

    failing_verdicts = parse_fail_on(fail_on)
    if fmt not in FORMATS:
        raise typer.BadParameter(f"expected one of {', '.join(FORMATS)}", param_hint="--format")
    if apply and not fix:
        raise typer.BadParameter("--apply goes with --fix", param_hint="--apply")
    if apply:
        from wsskg.store import load_catalog

        path = write_path(catalog)
        cat = load_catalog(path)
    else:
        path, cat = read_catalog(catalog)
    settings = CheckSettings.from_env(connections=connections, per_host=per_host, pace=pace, timeout=request_timeout,
                                      run_timeout=timeout)
    quiet = json_out or fmt == "github"
    report = check_links(cat, topic=topic, everything=everything, settings=settings, recheck=recheck,
                         lifetime=cache_hours * 3600, progress=None if quiet else progress_bar("checking links"))
    repairs = plan_repairs(cat, report.sites, report.results, report.checker) if fix else []
    applied = apply_repairs(path, repairs) if apply else []
    fixed = {r.url for r in applied}
    failing = [r for r in report.failing(failing_verdicts) if r.url not in fixed]
    if json_out:
        links = report.to_json()
        print_json({"links": links, "repairs": [r.to_dict() for r in repairs]} if fix else links)
    elif fmt == "github":
        _annotations(report, failing_verdicts, fixed, list_file)
    else:
        _print_text(report)
    if fix and not json_out:
        _print_repairs(repairs, apply)
    if not json_out:
        err(report.summary() + (f"; {len(applied)} repaired in {path.name}" if apply else ""))
        if applied:
            err(f"write the list: wsskg export -c {shown(path)} -o {list_file} --force")
    if failing:
        raise typer.Exit(1)


def _print_text(report) -> None:
    for r in report.results:
        if r.status == "ok":
            continue
        s = report.sites.get(r.url)
        where = ""
        if s is not None and s.lines:
            where = "  line " + ", ".join(map(str, s.lines[:5])) + (" ..." if len(s.lines) > 5 else "")
        ids = f"  [{', '.join(s.entries[:3])}]" if s is not None and s.entries else ""
        echo(f"{r.status:<10} {r.url}" + (f"  ({r.detail})" if r.detail else "") + where + ids)


def _escape(text: str, prop: bool = False) -> str:
    """GitHub workflow-command escaping (a property also escapes ``:`` and ``,``)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def _annotations(report, failing_verdicts, fixed: set, list_file: str) -> None:
    """One annotation per line a link stands on: ``error`` for a failing verdict, ``notice`` for
    a moved link, ``warning`` for the rest that are not ok."""
    for r in report.results:
        if r.status == "ok" or r.url in fixed:
            continue
        level = "error" if r.status in failing_verdicts else "notice" if r.status == "redirected" else "warning"
        s = report.sites.get(r.url)
        places = (s.places if s is not None else []) or [("", 0)]
        message = _escape(f"{r.status} link {r.url}" + (f" ({r.detail})" if r.detail else ""))
        title = _escape(f"{r.status} link", prop=True)
        for doc, line in places:
            props = f"file={_escape(doc or list_file, prop=True)}" + (f",line={line}" if line else "")
            echo(f"::{level} {props},title={title}::{message}")


def _print_repairs(repairs, applied: bool) -> None:
    if not repairs:
        err("nothing to repair")
        return
    for r in repairs:
        where = f"line {', '.join(map(str, r.lines))}: " if r.lines else ""
        echo(f"{where}{r.url}")
        echo(f"  -> {r.new_url}" + ("  (applied)" if r.applied else "") if r.new_url else "  -> (no replacement)")
        echo(f"     {r.reason}")
        for ev in r.evidence:
            echo(f"     - {ev}")
    if not applied and any(r.new_url for r in repairs):
        err("make these repairs: wsskg links --fix --apply")
