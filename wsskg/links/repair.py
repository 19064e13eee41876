"""Repairs of the links a check found moved or dead, proposed with their evidence, made on request.

* A permanent redirect becomes the URL it leads to (a renamed GitHub repository its new name),
  unless it leads to a site's front page: a removed page redirected home is not a move.
* A dead paper link becomes the work's own identifier from enrichment, in the order that keeps
  the link's role (a PDF link an open-access PDF first, an abstract link the arXiv abstract
  first): arXiv PDF, arXiv abstract, DOI, Semantic Scholar page. Each candidate is checked
  first; one that does not answer is not proposed.
* A dead link with no replacement is reported, never removed.

:func:`apply_repairs` makes them in catalog.yaml through :func:`wsskg.store.editing` (the
locked, atomic edit every writer uses): the URL changes in the entries' links, in the verbatim
lines of their mentions and in the list's other lines, so ``wsskg export`` gives the list back
with only those URLs changed, which is checked before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from wsskg.catalog import Catalog, Entry, link_kind, strip_arxiv_version
from wsskg.errors import WsskgError
from wsskg.export import to_markdown
from wsskg.links.check import Checker, LinkResult
from wsskg.links.sites import LinkSite, replace_url, url_spans
from wsskg.store import editing

#: Where a work's identifiers lead, by the kind of link they replace (first choice first).
ARXIV_PDF = "https://arxiv.org/pdf/{}"
ARXIV_ABS = "https://arxiv.org/abs/{}"
DOI_URL = "https://doi.org/{}"
S2_PAGE = "https://www.semanticscholar.org/paper/{}"
#: Link kinds a work's identifiers may stand in for (a dead code or video link is not a paper).
PAPER_LINK_KINDS = ("paper", "pdf")


@dataclass
class Repair:
    """One URL to change (``new_url``), or to report (``new_url`` None: no replacement found).
    ``evidence`` says why, line by line; ``applied`` is set by :func:`apply_repairs`."""

    url: str
    new_url: str | None
    reason: str
    evidence: list[str] = field(default_factory=list)
    entries: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    applied: bool = False

    def to_dict(self) -> dict:
        return {"url": self.url, "new_url": self.new_url, "reason": self.reason, "evidence": list(self.evidence),
                "entries": list(self.entries), "lines": list(self.lines), "applied": self.applied}


def _front_page(old: str, new: str) -> bool:
    """Does ``new`` send a deep link to the site's front page (a removed page, not a move)?"""
    return urlsplit(new).path in ("", "/") and urlsplit(old).path not in ("", "/")


def _provenance(e: Entry) -> str:
    m = e.match or {}
    if not m:
        return "from enrichment"
    how = f"matched by {m.get('by') or 'id'}"
    if m.get("by") == "title" and m.get("score") is not None:
        how += f" (score {m['score']})"
    return f"from enrichment ({m.get('source') or '?'}, {how})"


def candidates(e: Entry, url: str) -> list[tuple[str, str]]:
    """The URLs the work's own identifiers give for its dead link ``url``, best first, each
    with where the identifier comes from; empty for a link that is not the paper's."""
    link = next((ln for ln in e.links if ln.url == url), None)
    if e.kind != "paper" or link is None:
        return []
    kind = link_kind(url)
    if kind not in PAPER_LINK_KINDS and not (link.label == "" and kind == "web"):
        return []  # a code, video or labelled web link: the work's ids do not stand in for it
    src = _provenance(e)
    ax = strip_arxiv_version(e.arxiv_id) if e.arxiv_id else None
    pdf = [(ARXIV_PDF.format(ax), f"arXiv {ax} {src}, open-access PDF")] if ax else []
    rest = []
    if ax:
        rest.append((ARXIV_ABS.format(ax), f"arXiv {ax} {src}"))
    if e.doi:
        rest.append((DOI_URL.format(e.doi), f"DOI {e.doi} {src}"))
    if e.s2_id:
        rest.append((S2_PAGE.format(e.s2_id), f"Semantic Scholar {e.s2_id} {src}"))
    got = pdf + rest if kind == "pdf" else rest + pdf
    return [(u, why) for u, why in got if u != url]


def _answers(res: LinkResult) -> str | None:
    """How a candidate answered, when it will do: the page is there, or its resolver resolved
    it to a publisher that walls off bots (a DOI is good even when the publisher says 403)."""
    if res.status in ("ok", "redirected"):
        return f"answers {res.code}" + (f" (via {res.final_url})" if res.final_url else "")
    if res.status == "blocked" and res.chain:
        return f"resolves to {res.chain[-1][1]} (which answers {res.code}: a wall for bots)"
    return None


def plan_repairs(catalog: Catalog, sites: dict[str, LinkSite], results: list[LinkResult],
                 checker: Checker | None = None,
                 progress: Callable[[int, int], None] | None = None) -> list[Repair]:
    """The repairs for the moved and dead links among ``results`` (``sites`` says where they
    stand). Replacement candidates are checked with ``checker`` (its cache and settings)."""
    checker = checker or Checker()
    by_id = catalog.by_id()
    out: list[Repair] = []
    dead: list[tuple[LinkResult, LinkSite, list[tuple[str, str]] | None]] = []
    for res in results:
        s = sites.get(res.url) or LinkSite(res.url)
        if res.status == "redirected" and res.moved_to:
            hops = " -> ".join(f"{c} {u}" for c, u in res.chain)
            if _front_page(res.url, res.moved_to):
                out.append(Repair(res.url, None, f"redirected to the site's front page {res.moved_to}: "
                                  "a removed page? fix by hand", [hops], s.entries, s.lines))
            else:
                out.append(Repair(res.url, res.moved_to, f"moved permanently to {res.moved_to}", [hops],
                                  s.entries, s.lines))
        elif res.status == "dead":
            sets = {tuple(candidates(by_id[eid], res.url)) for eid in s.entries if eid in by_id}
            sets.discard(())
            dead.append((res, s, list(next(iter(sets))) if len(sets) == 1 else None if sets else []))
    asked = checker.check([u for _, _, cands in dead for u, _ in cands or []], progress=progress)
    for res, s, cands in dead:
        why = f"dead ({res.detail or res.code})"
        if cands is None:
            out.append(Repair(res.url, None, why + "; held by several works with other identifiers: fix by hand",
                              [], s.entries, s.lines))
            continue
        tried: list[str] = []
        for u, source in cands:
            verdict = _answers(asked[u])
            if verdict is not None:
                out.append(Repair(res.url, u, why + "; replaced by the work's own identifier",
                                  [source, f"{u} {verdict}"] + [f"not {t}" for t in tried], s.entries, s.lines))
                break
            tried.append(f"{u} ({asked[u].status}: {asked[u].detail or asked[u].code})")
        else:
            evidence = [f"tried {t}" for t in tried] or ["the work has no arXiv id, DOI or Semantic Scholar id "
                                                         "(run `wsskg enrich`), or the link is not its paper"]
            out.append(Repair(res.url, None, why + "; no replacement: fix by hand", evidence, s.entries, s.lines))
    order = {r.url: i for i, r in enumerate(results)}
    return sorted(out, key=lambda r: order.get(r.url, 0))


def _replace_everywhere(cat: Catalog, old: str, new: str) -> bool:
    """URL ``old`` made ``new`` wherever the catalog holds it; whether anything changed."""
    changed = False

    def swap(text: str) -> str:
        nonlocal changed
        got = replace_url(text, old, new)
        changed = changed or got != text
        return got

    for e in cat.entries:
        for ln in e.links:
            if ln.url == old:
                ln.url, ln.kind, changed = new, link_kind(new), True
            if ln.label:
                ln.label = swap(ln.label)
        for mn in e.mentions:
            mn.text = swap(mn.text)
        e.comment = swap(e.comment)
        e.notes = [swap(n) for n in e.notes]
        for r in e.results:
            r.note = swap(r.note)
        if e.wrong_link.get("url") == old:
            e.wrong_link = {}  # the link that named another paper is gone
    cat.layout = [swap(x) if isinstance(x, str) else x for x in cat.layout]
    for p in cat.intro:
        p.text = swap(p.text)
    if cat.preamble:
        cat.preamble = swap(cat.preamble)
    for t in cat.topics:
        for p in t.prose:
            p.text = swap(p.text)
    return changed


def apply_repairs(path: Path, repairs: list[Repair]) -> list[Repair]:
    """Make the repairs that have a new URL in the catalog file ``path`` (locked, atomic; edits
    made meanwhile are kept). Returns those applied (a URL no longer in the catalog is not).

    Raises :class:`WsskgError`, writing nothing, when the export would change anywhere but in
    those URLs (a URL the list writes differently from its link, say)."""
    todo = [r for r in repairs if r.new_url and r.new_url != r.url]
    done: list[Repair] = []
    if not todo:
        return done
    with editing(path) as cat:
        before = to_markdown(cat)
        for r in todo:
            if not any(url_spans(before, r.url)):
                # the list does not write it as the link says (or it is gone): the export would not change
                r.evidence.append("not applied: the exported list does not hold this URL as written")
                continue
            if _replace_everywhere(cat, r.url, r.new_url):
                done.append(r)
        expected = before
        for r in done:
            expected = replace_url(expected, r.url, r.new_url)
        if to_markdown(cat) != expected:
            raise WsskgError("the repairs would change the exported list beyond their URLs; nothing was "
                             "written (fix these links by hand)")
    for r in done:
        r.applied = True
    return done
