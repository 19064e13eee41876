"""``wsskg check``: what a careful reader of the list would flag.

Schema problems stop loading altogether (``CatalogError``); these are the softer findings on a
valid catalog:

* **errors**: two entries that are different works (by :func:`wsskg.identity.same_work`) share a
  paper link or arXiv id: one link in the list is wrong (CIAN and FickleNet on one arXiv id);
* **warnings**: likely duplicates that were kept apart (and no ``not-same`` decision says so),
  papers without any link;
* **info**: the merges the importer made, one per entry with several mentions, with the
  evidence that joined each mention, so the user can undo one with ``wsskg split``; and the
  lines the list's template reads unsurely (a shape few other lines share), whose fields are the
  importer's best guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from wsskg.catalog import Catalog, normalize_title
from wsskg.formats.markdown.template import LOW_CONFIDENCE, induce
from wsskg.identity import conflict, paper_keys, same_work


@dataclass
class Finding:
    level: str  # "error", "warning" or "info"
    code: str
    message: str
    entries: list[str]

    def to_json(self) -> dict:
        return {"level": self.level, "code": self.code, "message": self.message, "entries": self.entries}


def _similar(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return fuzz.ratio(a, b)


def _decided_apart(catalog: Catalog, a, b) -> bool:
    names_a = {a.id, *a.aliases, *(m.key for m in a.mentions)}
    names_b = {b.id, *b.aliases, *(m.key for m in b.mentions)}
    for d in catalog.decisions:
        pair = d.get("not_same")
        if pair and ((pair[0] in names_a and pair[1] in names_b) or (pair[0] in names_b and pair[1] in names_a)):
            return True
    return False


def _describe_link(key: str) -> str:
    return f"arXiv {key[6:]}" if key.startswith("arxiv:") else key


def check_catalog(catalog: Catalog) -> list[Finding]:
    findings: list[Finding] = []
    # the merges the importer made, with their evidence
    for e in catalog.entries:
        joined = [m for m in e.mentions if m.evidence]
        if joined:
            first = e.mentions[0]
            parts = [f"{first.form} line {first.line}"] + [f"{m.form} line {m.line} ({m.evidence})" for m in joined]
            findings.append(Finding("info", "merged", f"{e.id} ({e.display_title}) is one work mentioned "
                                    f"{len(e.mentions)} times: " + "; ".join(parts), [e.id]))
    # one paper link or id on entries that are different works: a wrong link in the list
    by_key: dict[str, list] = {}
    for e in catalog.entries:
        for k in paper_keys(e):
            by_key.setdefault(k, []).append(e)
    reported: set[frozenset] = set()
    for key, es in by_key.items():
        uniq = list({e.id: e for e in es}.values())
        if len(uniq) < 2:
            continue
        ids = frozenset(e.id for e in uniq)
        if ids in reported:
            continue
        reported.add(ids)
        a, b = uniq[0], uniq[1]
        why = conflict(a, b) or ("kept apart by the user" if _decided_apart(catalog, a, b) else
                                 "nothing but the link agrees" if same_work(a, b) is None else "")
        if not why:
            findings.append(Finding(
                "warning", "likely-duplicate",
                f"{a.id} and {b.id} look like one work (they share {_describe_link(key)}); "
                f"`wsskg merge {a.id} {b.id}` joins them", [a.id, b.id]))
            continue
        titles = "; ".join(f"{e.id} ({e.display_title})" for e in uniq)
        findings.append(Finding(
            "error", "shared-arxiv-id" if key.startswith("arxiv:") else "shared-link",
            f"{_describe_link(key)} is linked from {len(uniq)} different works: {titles} ({why}); "
            "one link is probably wrong (if they are one work: `wsskg merge`)",
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
                if _similar(na, nb) >= 92 and frozenset((a.id, b.id)) not in reported \
                        and not _decided_apart(catalog, a, b) and not conflict(a, b):
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
    findings += unsure_readings(catalog)
    return findings


def unsure_readings(catalog: Catalog) -> list[Finding]:
    """Entries whose line fits the list's template badly: its title, venue or year are the
    importer's best guess (``wsskg edit`` them if they are wrong)."""
    mentions = [(e, m) for e in catalog.entries if e.kind == "paper"
                for m in e.mentions[:1] if m.text and not m.doc and m.form not in ("row", "code")]
    readings = induce([m.text.rstrip("\n").split("\n") for _, m in mentions])
    out = []
    for (e, m), r in zip(mentions, readings):
        if r.title and r.confidence < LOW_CONFIDENCE:
            out.append(Finding("info", "unsure", f"{e.id} ({e.display_title}): line {m.line} fits the list's template "
                               f"badly (confidence {r.confidence:.2f}); check its title, venue and year", [e.id]))
    return out
