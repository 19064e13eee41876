"""CSL-JSON in and out: the format Zotero, pandoc and citeproc read and write.

:func:`parse_csl_json` reads a CSL-JSON array into a catalog; :func:`to_csl_json` writes
entries back. What comes in goes out: every CSL variable wsskg does not model is kept in the
entry's ``extra`` map (structured values such as ``accessed`` as JSON text) and written back
under its own name; what CSL has no variable for (BibTeX fields such as ``urldate``, ``eprint``,
``annote``) travels in CSL's ``custom`` object, so BibTeX -> CSL-JSON -> BibTeX keeps it too.
The field table is in ``docs/interop.md``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from wsskg.catalog import Catalog, Entry, Link, link_kind, slugify, strip_arxiv_version, unique_id
from wsskg.errors import ImportFailed

__all__ = ["parse_csl_json", "to_csl_json", "csl_item", "looks_like_csl", "BIB_TO_CSL", "CSL_TO_BIB"]

_ID_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.:+\-]*")

#: BibTeX entry type -> CSL type; the reverse table picks the first BibTeX type for each.
BIB_TO_CSL = {
    "article": "article-journal", "inproceedings": "paper-conference", "conference": "paper-conference",
    "book": "book", "incollection": "chapter", "inbook": "chapter", "phdthesis": "thesis",
    "mastersthesis": "thesis", "thesis": "thesis", "techreport": "report", "report": "report",
    "manual": "report", "misc": "document", "unpublished": "manuscript", "online": "webpage",
    "proceedings": "book", "periodical": "periodical", "dataset": "dataset", "software": "software",
    "patent": "patent", "booklet": "pamphlet", "collection": "book", "electronic": "webpage",
}
CSL_TO_BIB = {
    "article-journal": "article", "paper-conference": "inproceedings", "book": "book", "chapter": "incollection",
    "thesis": "phdthesis", "report": "techreport", "document": "misc", "manuscript": "unpublished",
    "webpage": "online", "periodical": "periodical", "dataset": "dataset", "software": "software",
    "patent": "patent", "pamphlet": "booklet", "article": "misc", "post-weblog": "online", "post": "online",
    "article-magazine": "article", "article-newspaper": "article", "review": "article",
    "review-book": "article", "entry-encyclopedia": "incollection", "entry-dictionary": "incollection",
    "entry": "incollection", "speech": "misc", "interview": "misc", "motion_picture": "misc",
    "broadcast": "misc", "song": "misc", "graphic": "misc", "map": "misc", "legal_case": "misc",
    "legislation": "misc", "bill": "misc", "treaty": "misc", "personal_communication": "misc",
    "standard": "techreport", "figure": "misc", "event": "misc", "collection": "book", "classic": "book",
    "regulation": "misc", "hearing": "misc", "performance": "misc",
}
#: CSL variables (CSL 1.0.2): an ``extra`` key with one of these names is written as that
#: variable, not inside ``custom``.
CSL_VARIABLES = frozenset("""
abstract accessed annote archive archive_collection archive_location archive-place authority
call-number chapter-number citation-key citation-label citation-number collection-number
collection-title container-title container-title-short dimensions division DOI edition event
event-date event-title event-place first-reference-note-number genre ISBN ISSN issue issued
jurisdiction keyword language license locator medium note number number-of-pages
number-of-volumes original-date original-publisher original-publisher-place original-title
page page-first part-number part-title PMCID PMID printing-number publisher publisher-place
references reviewed-genre reviewed-title scale section source status submitted supplement-number
title title-short URL version volume volume-title year-suffix author chair collection-editor
compiler composer container-author contributor curator director editor editorial-director
editor-translator executive-producer guest host illustrator interviewer narrator organizer
original-author performer producer recipient reviewed-author script-writer series-creator
translator available-date
""".split())
#: CSL variables wsskg models (they are never taken into ``extra``).
_MODELLED = {"id", "type", "title", "author", "editor", "container-title", "issued", "volume", "issue",
             "number", "page", "publisher", "publisher-place", "edition", "collection-title", "ISBN",
             "ISSN", "language", "DOI", "URL", "abstract", "note", "keyword", "custom"}
#: Record attributes CSL has no variable for; they travel in ``custom`` under these names.
_CUSTOM_ATTRS = ("venue_field", "file")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_JOURNAL_TYPES = ("article", "periodical", "suppperiodical")


# -- names ----------------------------------------------------------------------------------------

def _name_to_csl(name: str) -> dict:
    """A wsskg name (``First Last`` or BibTeX's comma form ``von Last, Jr, First``) as CSL."""
    from wsskg.formats.bibtex import CORPORATE_RE

    name = " ".join(name.split())
    if "," in name:
        parts = [p.strip() for p in name.split(",")]
        if len(parts) == 2:
            return {"family": parts[0], "given": parts[1]} if parts[1] else {"family": parts[0]}
        if len(parts) == 3:
            d = {"family": parts[0], "suffix": parts[1]}
            if parts[2]:
                d["given"] = parts[2]
            return d
        return {"literal": name}
    words = name.split(" ")
    if len(words) == 1 or CORPORATE_RE.search(name):
        return {"literal": name}
    return {"given": " ".join(words[:-1]), "family": words[-1]}


def _name_from_csl(d: Any) -> str | None:
    """A CSL name object as a wsskg name; the comma form whenever ``First Last`` would not
    split back into the same family name."""
    if isinstance(d, str):
        return d.strip() or None
    if not isinstance(d, dict):
        return None
    if d.get("literal"):
        return str(d["literal"]).strip()
    family = " ".join(str(d.get(k) or "").strip() for k in ("dropping-particle", "non-dropping-particle", "family"))
    family = " ".join(family.split())
    given = " ".join(str(d.get("given") or "").split())
    suffix = " ".join(str(d.get("suffix") or "").split())
    if not family:
        return given or None
    if suffix:
        return f"{family}, {suffix}, {given}"
    if " " in family or not family[:1].isupper():
        return f"{family}, {given}" if given else family
    return f"{given} {family}" if given else family


# -- dates ----------------------------------------------------------------------------------------

def _month_number(month: str | None) -> int | None:
    if not month:
        return None
    m = month.strip()
    if m.isdigit() and 1 <= int(m) <= 12:
        return int(m)
    for i, name in enumerate(_MONTHS):
        if m.lower() in (name.lower(), name[:3].lower()):
            return i + 1
    return None


# -- export -----------------------------------------------------------------------------------------

def csl_item(e: Entry, work_title: str | None = None) -> dict:
    """One entry as a CSL-JSON item (see the module docstring and ``docs/interop.md``);
    ``work_title``: the work's title when the list only gave a label (``work_titles``)."""
    from wsskg.formats.bibtex import arxiv_from, main_url, bib_record, latex_to_text

    kind, key, _ = bib_record(e)
    born_here = e.entry_type is None
    title = (e.canonical_title or work_title or e.title) if born_here else (e.title or e.canonical_title)
    venue = (e.canonical_venue or e.venue) if born_here else (e.venue or e.canonical_venue)
    year = (e.canonical_year or e.year) if born_here else (e.year or e.canonical_year)
    title = " ".join((title or "").replace("**", "").split())
    venue = " ".join((venue or "").replace("**", "").split())
    extra = dict(e.extra or {})
    custom: dict[str, Any] = {}
    csl_type = extra.pop("csl_type", None) or BIB_TO_CSL.get(kind, "document")
    d: dict[str, Any] = {"id": key, "type": csl_type}
    if CSL_TO_BIB.get(csl_type) != kind:
        custom["entry_type"] = kind
    if title:
        d["title"] = title
    if e.authors:
        d["author"] = [_name_to_csl(a) for a in e.authors]
    if e.editors:
        d["editor"] = [_name_to_csl(a) for a in e.editors]
    if venue:
        d["container-title"] = venue
    if year:
        parts = [year]
        month = _month_number(e.month)
        if month:
            parts.append(month)
        d["issued"] = {"date-parts": [parts]}
    if e.month and (not year or e.month not in _MONTHS):
        custom["month"] = e.month  # "jun", "6", "Spring": kept as written
    if e.volume:
        d["volume"] = latex_to_text(e.volume)
    if e.number:
        d["issue" if kind in _JOURNAL_TYPES else "number"] = latex_to_text(e.number)
    if e.pages:
        d["page"] = e.pages.replace("---", "-").replace("--", "-")
        if re.sub(r"(?<=\d)-(?=\d)", "--", d["page"]) != e.pages:
            custom["pages"] = e.pages  # BibTeX pages that CSL's page range would not give back
    for attr, var in (("publisher", "publisher"), ("address", "publisher-place"), ("edition", "edition"),
                      ("series", "collection-title"), ("isbn", "ISBN"), ("issn", "ISSN"), ("language", "language")):
        if getattr(e, attr):
            d[var] = getattr(e, attr)
    if e.doi:
        d["DOI"] = e.doi
    url = main_url(e)
    if url:
        d["URL"] = url
    if e.abstract:
        d["abstract"] = e.abstract
    notes = [n for n in e.notes if n and n.strip()]
    if notes:
        d["note"] = "\n\n".join(notes)
    if e.tags:
        d["keyword"] = ("; " if any("," in t for t in e.tags) else ", ").join(e.tags)
    for attr in _CUSTOM_ATTRS:
        if getattr(e, attr):
            custom[attr] = getattr(e, attr)
    if e.as_written:  # BibTeX -> CSL-JSON -> BibTeX gives the BibTeX back as it was written
        custom["as_written"] = dict(e.as_written)
    if e.arxiv_id and "eprint" not in {k.lower() for k in extra}:
        said = {"journal": venue, "note": d.get("note", "")}
        if arxiv_from(said, e.doi, [url] if url else []) != strip_arxiv_version(e.arxiv_id):
            custom["eprint"] = strip_arxiv_version(e.arxiv_id)
            custom["archivePrefix"] = "arXiv"
    if e.status in ("read", "reading") and "readstatus" not in {k.lower() for k in extra}:
        custom["readstatus"] = {"read": "read", "reading": "skimmed"}[e.status]
    for k, v in extra.items():
        if k in _KEPT_AS_GIVEN:
            if k not in d or _still_true(k, _structured(v), d[k]):
                d[k] = _structured(v)
        elif k in CSL_VARIABLES and k not in _MODELLED:
            d[k] = _structured(v)
        else:  # no CSL variable, or one wsskg models (a BibTeX "note = {}" the model left in extra)
            custom[k] = v
    if custom:
        d["custom"] = custom
    return d


#: Variables whose imported structure (name particles, suffixes, a day or season in a date) is
#: kept in ``extra`` and written back as it came while it still says what the model says.
_KEPT_AS_GIVEN = ("author", "editor", "issued")


def _still_true(var: str, given: Any, derived: Any) -> bool:
    if var == "issued":
        return _csl_year(given) == _csl_year(derived)
    if not isinstance(given, list):
        return False
    return [_name_from_csl(x) for x in given] == [_name_from_csl(x) for x in derived]


def _csl_year(issued: Any) -> int | None:
    """The year of a CSL date: its date-parts, else the first four-digit year of raw/literal."""
    parts = _date_parts(issued)
    if parts and str(parts[0]).strip().isdigit():
        y = int(str(parts[0]).strip())
        return y if 1000 <= y <= 2999 else None
    if isinstance(issued, dict):
        m = re.search(r"(?<!\d)([12]\d{3})(?!\d)", str(issued.get("raw") or issued.get("literal") or ""))
        return int(m.group(1)) if m else None
    return None


def _structured(v: str) -> Any:
    """An ``extra`` value that held a CSL structure (``accessed``, a name list) as JSON text."""
    if isinstance(v, str) and v[:1] in "[{":
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def to_csl_json(entries: list[Entry], siblings: list[Entry] | None = None) -> str:
    """CSL-JSON (an array) for every ``kind == "paper"`` entry, in order; ``siblings`` as for
    :func:`wsskg.formats.bibtex.to_bibtex`."""
    from wsskg.formats.bibtex import work_titles

    titles = work_titles(entries, siblings)
    items = [csl_item(e, titles.get(e.id)) for e in entries if e.kind == "paper"]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


# -- import -------------------------------------------------------------------------------------------

def looks_like_csl(data: Any) -> bool:
    """Is parsed JSON a CSL-JSON array (objects with a ``type`` or an ``id`` and a ``title``)?"""
    if isinstance(data, dict):
        data = [data] if "type" in data and "wsskg" not in data else None
    if not isinstance(data, list) or not data:
        return False
    objs = [x for x in data if isinstance(x, dict)]
    return bool(objs) and all(("type" in x or ("id" in x and "title" in x)) for x in objs[:50])


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _date_parts(v: Any) -> list:
    if isinstance(v, dict):
        parts = v.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list):
            return parts[0]
    return []


def _item_entry(item: dict, taken: set[str], topic: str | None, keywords_as_topics: bool) -> tuple[Entry, list[str]]:
    from wsskg.formats.bibtex import arxiv_from, topic_path

    problems: list[str] = []
    d = dict(item)
    custom = d.pop("custom", None)
    custom = dict(custom) if isinstance(custom, dict) else {}
    key = _text(d.pop("id", "")).strip()
    csl_type = _text(d.pop("type", "")).strip() or "document"
    kind = _text(custom.pop("entry_type", "")) or CSL_TO_BIB.get(csl_type, "misc")
    as_written = custom.pop("as_written", None)
    if not isinstance(as_written, dict) or not all(isinstance(v, str) for v in as_written.values()):
        as_written = {}
    extra: dict[str, str] = {}
    if BIB_TO_CSL.get(kind, "document") != csl_type:
        extra["csl_type"] = csl_type
    title = " ".join(_text(d.pop("title", "")).split())
    names: dict[str, list[str]] = {}
    for var in ("author", "editor"):
        given = d.pop(var, None) or []
        names[var] = [n for n in (_name_from_csl(x) for x in given) if n] if isinstance(given, list) else []
        if given and [_name_to_csl(n) for n in names[var]] != given:
            extra[var] = _text(given)  # particles, suffixes, literal names: written back as they came
    authors, editors = names["author"], names["editor"]
    venue = " ".join(_text(d.pop("container-title", "")).split()) or None
    issued = d.pop("issued", None)
    parts = _date_parts(issued)
    year, month = _csl_year(issued), None
    if year and len(parts) > 1 and str(parts[1]).strip().isdigit() and 1 <= int(str(parts[1]).strip()) <= 12:
        month = _MONTHS[int(str(parts[1]).strip()) - 1]
    if issued is not None and (not parts or len(parts) > 2 or (isinstance(issued, dict) and set(issued) - {"date-parts"})):
        extra["issued"] = _text(issued)  # a day, a season, a literal or raw date: kept as it came
    if _text(custom.get("month")):
        month = _text(custom.pop("month"))
    number = d.pop("issue", None)
    if number is None:
        number = d.pop("number", None)
    pages = _text(custom.get("pages", ""))
    if pages:
        custom.pop("pages")
    else:
        pages = re.sub(r"(?<=\d)-(?=\d)", "--", _text(d.pop("page", "")))
    d.pop("page", None)
    typed = {}
    for var, attr in (("publisher", "publisher"), ("publisher-place", "address"), ("edition", "edition"),
                      ("collection-title", "series"), ("ISBN", "isbn"), ("ISSN", "issn"), ("language", "language"),
                      ("volume", "volume")):
        v = _text(d.pop(var, "")).strip()
        if v:
            typed[attr] = v
    doi = _text(d.pop("DOI", "")).strip() or None
    url = _text(d.pop("URL", "")).strip()
    abstract = _text(d.pop("abstract", "")).strip() or None
    note = _text(d.pop("note", "")).strip()
    kw = d.pop("keyword", "")
    if isinstance(kw, list):  # not CSL, but some tools write a list
        tags = list(dict.fromkeys(_text(t).strip() for t in kw if _text(t).strip()))
    else:
        kw = _text(kw)
        sep = ";" if ";" in kw else ","
        tags = list(dict.fromkeys(t.strip() for t in kw.split(sep) if t.strip()))
    for attr in _CUSTOM_ATTRS:
        if attr in custom:
            typed[attr] = _text(custom.pop(attr))
    status = {"read": "read", "skimmed": "reading"}.get(_text(custom.get("readstatus")).lower(), "unread")
    if status != "unread":
        custom.pop("readstatus")
    for k, v in list(d.items()) + list(custom.items()):
        if k not in extra:
            extra[k] = _text(v)
    said = {**{k.lower(): v for k, v in extra.items()}, "journal": venue or "", "note": note}
    arxiv = arxiv_from(said, doi, [url] if url else [])
    topics = [p for p in dict.fromkeys(topic_path(t) for t in tags) if p] if keywords_as_topics else []
    eid = key if _ID_RE.fullmatch(key) else slugify(title or key or "entry", year)
    eid = unique_id(eid, taken)
    if topic and topic not in topics:
        topics.append(topic)
    entry = Entry(
        id=eid, title=title, kind="paper", status=status, topics=topics, form="bullet", venue=venue, year=year,
        links=[Link(url=url, kind=link_kind(url))] if url else [], notes=[note] if note else [],
        arxiv_id=arxiv, doi=doi, authors=authors, abstract=abstract, entry_type=kind, citekey=key or None,
        tags=tags, editors=editors, month=month, number=_text(number).strip() or None,
        pages=pages or None, extra=extra, as_written={str(k): v for k, v in as_written.items()}, **typed,
    )
    if not title:
        problems.append("has no title")
    return entry, problems


def parse_csl_json(text: str, source: str = "refs.json", topic: str | None = None,
                   keywords_as_topics: bool = False) -> tuple[Catalog, list[str]]:
    """Parse CSL-JSON ``text`` into a catalog, one entry per item (items are never merged).

    Returns ``(catalog, problems)`` like :func:`wsskg.formats.bibtex.parse_bibtex`; items that
    are not objects are reported by their position and skipped. Entries get the topic ``topic``,
    else one named after the file. Raises :class:`ImportFailed` for text that is not JSON or
    not CSL-JSON."""
    from pathlib import PurePath

    from wsskg.formats.bibtex import topic_objects

    try:
        data = json.loads(text)
    except ValueError as e:
        raise ImportFailed(f"{source}: not valid JSON ({e})") from None
    if isinstance(data, dict) and looks_like_csl(data):
        data = [data]
    if not isinstance(data, list) or (data and not looks_like_csl(data)):
        raise ImportFailed(f"{source}: not CSL-JSON (expected an array of items with 'id' and 'type')")
    if topic is not None:
        topic = "/".join(s.strip() for s in topic.split("/") if s.strip()) or None
    fallback = (PurePath(source).stem.strip() if source else "").replace("/", "-") or "Imported"
    problems: list[str] = []
    entries: list[Entry] = []
    taken: set[str] = set()
    seen_keys: dict[str, int] = {}
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            problems.append(f"{source}: item #{i}: skipped, not an object ({type(item).__name__})")
            continue
        e, ps = _item_entry(item, taken, topic or None, keywords_as_topics)
        if not e.topics:
            e.topics.append(topic or fallback)
        if e.citekey and e.citekey in seen_keys:
            problems.append(f"{source}: item #{i}: id {e.citekey!r} was already used by item #{seen_keys[e.citekey]}; "
                            f"both kept, this one as {e.id}")
        elif e.citekey and e.id != e.citekey:
            problems.append(f"{source}: item #{i}: id {e.citekey!r} is not a valid wsskg id; id {e.id} "
                            "(the CSL id is kept for export)")
        if e.citekey:
            seen_keys.setdefault(e.citekey, i)
        problems.extend(f"{source}: item #{i} ({e.citekey or e.id}): {p}" for p in ps)
        entries.append(e)
    catalog = Catalog(entries=entries)
    catalog.topics = topic_objects([t for e in entries for t in e.topics])
    return catalog, problems
