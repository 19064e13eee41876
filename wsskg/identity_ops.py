"""The user's identity decisions, applied to a catalog: merge two entries, split mentions off
an entry, record that two entries are different works.

Every decision is also recorded in ``catalog.decisions`` by *mention key* (the id a mention
alone would get), so it outlives a re-import of the list and is respected by ``import --merge``
(:mod:`wsskg.merge`) and by the importer's identity pass.
"""

from __future__ import annotations

from wsskg.catalog import Catalog, Entry, unique_id
from wsskg.errors import WsskgError


def _key(e: Entry) -> str:
    return e.mentions[0].key if e.mentions and e.mentions[0].key else e.id


def _record(catalog: Catalog, kind: str, a: str, b: str) -> None:
    other = "not_same" if kind == "same" else "same"
    catalog.decisions = [d for d in catalog.decisions
                         if not (other in d and set(d[other]) == {a, b}) and not (kind in d and set(d[kind]) == {a, b})]
    catalog.decisions.append({kind: [a, b]})


def merge_entries(catalog: Catalog, keep: Entry, other: Entry) -> list[str]:
    """Fold ``other`` into ``keep`` (all its mentions, links, topics, notes...); ``other``'s id
    becomes an alias of ``keep``. Returns the fields that changed."""
    from wsskg.merge import merge_entry

    if keep is other:
        raise WsskgError(f"{keep.id} and {other.id} are already one entry")
    changed = merge_entry(keep, other)
    for m in keep.mentions:
        if m in other.mentions or any(m.line == o.line and m.doc == o.doc for o in other.mentions):
            m.evidence = m.evidence or "merged by the user"
    for name in (other.id, *other.aliases):
        if name != keep.id and name not in keep.aliases:
            keep.aliases.append(name)
    names_keep = {keep.id, *keep.aliases, *(m.key for m in keep.mentions)}
    names_other = {other.id, *other.aliases, *(m.key for m in other.mentions)}
    catalog.decisions = [d for d in catalog.decisions if not (
        "not_same" in d and ((d["not_same"][0] in names_keep and d["not_same"][1] in names_other)
                             or (d["not_same"][1] in names_keep and d["not_same"][0] in names_other)))]
    _record(catalog, "same", _key(keep), _key(other))
    catalog.entries.remove(other)
    for t in catalog.topics:
        for p in t.prose:
            if p.after == other.id:
                p.after = keep.id
    return changed


def not_same(catalog: Catalog, a: Entry, b: Entry) -> None:
    """Record that ``a`` and ``b`` are different works (re-import and ``--merge`` keep them apart)."""
    if a is b:
        raise WsskgError(f"{a.id} is one entry; use `wsskg split {a.id}` to separate its mentions")
    _record(catalog, "not_same", _key(a), _key(b))


def split_entry(catalog: Catalog, e: Entry, lines: list[int] | None = None) -> list[Entry]:
    """Move mentions of ``e`` (those at ``lines``; by default all but the first) into entries of
    their own, read again from their own text, and record that they are not ``e``."""
    if len(e.mentions) < 2:
        raise WsskgError(f"{e.id} has only {len(e.mentions)} mention; nothing to split")
    if lines:
        known = {m.line for m in e.mentions}
        bad = [n for n in lines if n not in known]
        if bad:
            raise WsskgError(f"{e.id} has no mention at line {bad[0]}; its mentions are at lines "
                             + ", ".join(str(m.line) for m in e.mentions))
        moving = [m for m in e.mentions if m.line in lines]
    else:
        moving = e.mentions[1:]
    if len(moving) == len(e.mentions):
        raise WsskgError(f"splitting every mention off {e.id} would leave it empty; keep one")
    staying = [m for m in e.mentions if m not in moving]
    for m in moving:
        for s in staying:
            _record(catalog, "not_same", s.key or e.id, m.key or e.id)
    fresh = _reread(catalog, e, moving)
    e.mentions = staying
    leaving = {m.key for m in moving} - {m.key for m in staying}
    e.aliases = [a for a in e.aliases if a not in leaving]
    taken = {x.id for x in catalog.entries} | {a for x in catalog.entries for a in x.aliases}
    pos = catalog.entries.index(e) + 1
    out = []
    for new in fresh:
        new.id = unique_id(new.id, taken)
        new.aliases = [a for a in new.aliases if a not in taken]
        e.aliases = [a for a in e.aliases if a != new.id]
        for m in new.mentions:
            m.evidence = ""
        catalog.entries.insert(pos, new)
        pos += 1
        out.append(new)
    return out


def _reread(catalog: Catalog, e: Entry, moving: list) -> list[Entry]:
    """Entries for the ``moving`` mentions, read from the imported file (its layout) with the
    recorded decisions, so they get the fields their own lines give."""
    from wsskg.formats.markdown import parse_markdown

    texts = {m.line: m.text for x in catalog.entries for m in x.mentions if not m.doc}
    out: list[Entry] = []
    if catalog.layout and all(not m.doc for m in moving):
        doc = "".join(x if isinstance(x, str) else texts.get(x, "") for x in catalog.layout)
        again = parse_markdown(doc, catalog.decisions)
        lines = {m.line for m in moving}
        for x in again.entries:
            mine = [m for m in x.mentions if m.line in lines]
            if mine:
                x.mentions = mine
                x.status = "unread" if not any(m.form == "checkbox" for m in mine) else x.status
                out.append(x)
        if out:
            return out
    for m in moving:  # no layout: a bare entry per mention, titled by its first line
        from wsskg.formats.markdown.fields import extract

        f = extract(m.text.split("\n", 1)[0].lstrip("-*+ 0123456789.").strip())
        title = f.title or m.text.strip()[:80]
        new = Entry(id=m.key or e.id, title=title, short_name=f.short_name, venue=f.venue, year=f.year,
                    links=f.links, topics=[m.topic], mentions=[m])
        out.append(new)
    return out
