"""``wsskg check``: what a careful reader of the list would flag.

Schema problems stop loading altogether (``CatalogError``); these are the softer findings on a
valid catalog: entries with clearly different titles sharing one arXiv id or URL (a wrong link
in the list), likely duplicates that were not merged, papers without any link, and entries
filed under a topic that the topic list does not have.
"""

from __future__ import annotations

from dataclasses import dataclass

from wsskg.catalog import Catalog, normalize_title, strip_arxiv_version


@dataclass
class Finding:
    level: str  # "error" or "warning"
    code: str
    message: str
    entries: list[str]

    def to_json(self) -> dict:
        return {"level": self.level, "code": self.code, "message": self.message, "entries": self.entries}


def _similar(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return fuzz.ratio(a, b)


def check_catalog(catalog: Catalog) -> list[Finding]:
    findings: list[Finding] = []
    # shared arXiv ids / URLs between entries with different titles
    by_arxiv: dict[str, list] = {}
    by_url: dict[str, list] = {}
    for e in catalog.entries:
        if e.arxiv_id:
            by_arxiv.setdefault(strip_arxiv_version(e.arxiv_id), []).append(e)
        for ln in e.links:
            if ln.kind in ("paper", "pdf"):
                by_url.setdefault(ln.url.rstrip("/"), []).append(e)
    reported: set[frozenset] = set()
    for aid, es in by_arxiv.items():
        if len(es) > 1:
            key = frozenset(e.id for e in es)
            reported.add(key)
            titles = "; ".join(f"{e.id} ({e.display_title})" for e in es)
            findings.append(Finding(
                "error", "shared-arxiv-id",
                f"arXiv {aid} is linked from {len(es)} entries with different titles: {titles}; "
                "one link is probably wrong (or they are the same paper: merge them by hand)",
                [e.id for e in es]))
    for url, es in by_url.items():
        uniq = list({e.id: e for e in es}.values())
        key = frozenset(e.id for e in uniq)
        if len(uniq) > 1 and key not in reported:
            reported.add(key)
            findings.append(Finding(
                "error", "shared-link",
                f"{url} is linked from {len(uniq)} entries with different titles: "
                + "; ".join(f"{e.id} ({e.display_title})" for e in uniq),
                [e.id for e in uniq]))
    # likely duplicates: near-identical normalised titles that were kept apart
    papers = [(e, normalize_title(e.title)) for e in catalog.entries if e.kind == "paper" and e.title]
    by_first: dict[str, list] = {}
    for e, n in papers:
        if len(n) >= 12:
            by_first.setdefault(n[:6], []).append((e, n))
    for group in by_first.values():
        for i, (a, na) in enumerate(group):
            for b, nb in group[i + 1:]:
                if _similar(na, nb) >= 92 and frozenset((a.id, b.id)) not in reported:
                    findings.append(Finding(
                        "warning", "likely-duplicate",
                        f"{a.id} and {b.id} have nearly the same title ({a.title!r} / {b.title!r})",
                        [a.id, b.id]))
    # links that enrichment found to name another paper (wsskg.enrich marks them)
    from wsskg.enrich.writer import describe_wrong_link

    for e in catalog.entries:
        if describe_wrong_link(e):
            findings.append(Finding("error", "wrong-link", f"{e.id} ({e.display_title}): {describe_wrong_link(e)}", [e.id]))
    # papers with no link at all
    nolink = [e for e in catalog.entries if e.kind == "paper" and not e.links and not e.arxiv_id and not e.doi]
    for e in nolink:
        findings.append(Finding("warning", "no-link", f"{e.id} ({e.display_title}) has no link", [e.id]))
    return findings
