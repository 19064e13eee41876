"""Matching: is this record the paper the list names? Pure functions, no I/O, no server.

Everything the run decides about a candidate record lives here, so it can be tested with
plain dicts: title acceptance (:func:`choose`, with the per-word rule :func:`words_agree`),
year/venue agreement (:func:`contradiction`), whether a lookup by id found the paper the
list names (:func:`id_conflict`), and which ids an entry carries (:func:`entry_arxiv_id`,
:func:`entry_doi`, :func:`s2_key`).

Records are the plain dicts the source wrappers return (``wsskg.sources.arxiv`` /
``wsskg.sources.s2``): ``title``, ``year``, ``venue``, ``venue_names``, ``journal_ref``,
``paperId``, ``arxiv_id``, ``doi``...
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wsskg.identity import WORD_TYPO, words_agree  # noqa: F401  (the one title-word rule; re-exported)
from wsskg.venues import venue_key  # noqa: F401  (the one venue table; re-exported)
from wsskg.catalog import Entry, arxiv_id_from_url, normalize_title, strip_arxiv_version

TITLE_THRESHOLD = 90.0  # rapidfuzz ratio of normalised titles
NEAR = 75.0  # below the threshold but worth naming in the "nearest" reason
AMBIGUITY_MARGIN = 5.0  # a clearly higher score decides between close candidates
NAME_SCORE = 0.0  # ``match.score`` of a paper found by its short name (no title to compare)

def record_venue_keys(rec: dict) -> set[str]:
    """Known venues a record names (``arxiv`` included)."""
    names = list(rec.get("venue_names") or []) + [rec.get("venue"), rec.get("journal_ref")]
    return {k for k in (venue_key(n) for n in names if n) if k}


def title_score(list_title: str, candidate_title: str) -> float:
    """Similarity 0-100 of two titles after :func:`~wsskg.catalog.normalize_title`."""
    from rapidfuzz import fuzz

    return round(fuzz.ratio(normalize_title(list_title), normalize_title(candidate_title)), 1)


@dataclass
class Decision:
    """The outcome of :func:`choose`: a record and its score, or the reason there is none."""

    record: dict | None = None
    score: float | None = None
    reason: str = ""
    ambiguous: bool = False


def year_of(rec: dict) -> int | None:
    y = rec.get("year")
    return y if isinstance(y, int) else None


PREPRINT_LEAD = 3  # a journal version commonly follows its preprint by up to this many years


def is_preprint(rec: dict) -> bool:
    """An arXiv record, or an S2 record whose only venue is arXiv/CoRR (or none)."""
    if "primary_category" in rec:
        return True
    return not (record_venue_keys(rec) - {"arxiv"}) and not rec.get("journal_ref")


def contradiction(entry: Entry, rec: dict) -> str | None:
    """Why the record's year or venue cannot be the list's paper, or None.

    The years may differ by one (a preprint in December, the conference the next summer);
    a preprint may also come up to :data:`PREPRINT_LEAD` years before the list's year, when
    the list names the journal version (STC: arXiv 2015, TPAMI 2017)."""
    y = year_of(rec)
    if entry.year and y and not (entry.year - 1 <= y <= entry.year + 1):
        if not (is_preprint(rec) and entry.year - PREPRINT_LEAD <= y < entry.year):
            return f"year {y}, the list says {entry.year}"
    lv = venue_key(entry.venue)
    if lv and lv != "arxiv":
        keys = record_venue_keys(rec) - {"arxiv"}
        if keys and lv not in keys:
            return f"venue {rec.get('venue') or rec.get('journal_ref')!r}, the list says {entry.venue!r}"
    return None


def record_identity(rec: dict) -> str:
    """A key under which two records of the same work (say, two arXiv versions) are one."""
    return (rec.get("paperId") or (rec.get("arxiv_id") and "ax:" + rec["arxiv_id"]) or
            (rec.get("doi") and "doi:" + rec["doi"].lower()) or
            f"t:{normalize_title(rec.get('title') or '')}:{rec.get('year')}")


def full_titles(entry: Entry) -> list[str]:
    """The titles a paper may carry for an entry: its title, and ``Name: Title`` when the list
    gave the work's name apart (``SeGAN`` + ``Segmenting and Generating the Invisible``)."""
    name = getattr(entry, "short_name", None)
    titles = [entry.title]
    if name and normalize_title(name) not in normalize_title(entry.title):
        titles.append(f"{name}: {entry.title}")
    return titles


def choose(entry: Entry, candidates: list[dict]) -> Decision:
    """Pick the one candidate that is the entry's paper, or explain why none is."""
    forms = full_titles(entry)
    close: list[tuple[float, dict]] = []
    near: list[tuple[float, dict]] = []
    contradicted: list[str] = []
    for rec in candidates:
        if not rec.get("title"):
            continue
        cand = normalize_title(rec["title"])
        score, listed = max((title_score(t, rec["title"]), t) for t in forms)
        norm = normalize_title(listed)
        if score >= TITLE_THRESHOLD and words_agree(norm, cand):
            why = contradiction(entry, rec)
            if why:
                contradicted.append(f"{rec['title']!r} ({why})")
            else:
                close.append((score, rec))
        elif score >= NEAR:
            near.append((score, rec))
    # the same work reached twice (e.g. one record per arXiv version) counts once
    unique: dict[str, tuple[float, dict]] = {}
    for score, rec in close:
        key = record_identity(rec)
        if key not in unique or unique[key][0] < score:
            unique[key] = (score, rec)
    pool = sorted(unique.values(), key=lambda sr: -sr[0])
    if len(pool) == 1:
        return Decision(pool[0][1], pool[0][0])
    if len(pool) > 1:
        lv = venue_key(entry.venue)
        for narrow in (
            lambda r: entry.year is not None and year_of(r) == entry.year,
            lambda r: lv is not None and lv in record_venue_keys(r),
        ):
            picked = [sr for sr in pool if narrow(sr[1])]
            if len(picked) == 1:
                return Decision(picked[0][1], picked[0][0])
        if pool[0][0] - pool[1][0] >= AMBIGUITY_MARGIN:
            return Decision(pool[0][1], pool[0][0])
        shown = "; ".join(f"{r['title']!r} ({r.get('year') or '?'}, {r.get('venue') or r.get('journal_ref') or 'no venue'})"
                          for _, r in pool[:3])
        return Decision(reason=f"{len(pool)} close candidates, cannot tell which: {shown}", ambiguous=True)
    if contradicted:
        return Decision(reason="close title but " + "; ".join(contradicted[:2]))
    if near:
        s, r = max(near, key=lambda sr: sr[0])
        return Decision(reason=f"no close title; nearest {r['title']!r} (score {s:.0f})")
    return Decision(reason="no candidate with this title")


def id_conflict(entry: Entry, rec_title: str | None, what: str, rec: dict | None = None) -> str | None:
    """Why the paper found by id is not the one the list names, or None when it may be.

    A long list title must resemble the found one. A short name ("FickleNet", "DSRG") must be
    in the found title or its abstract, or abbreviate the title ("Deep Seeded Region
    Growing"): a name that the paper never calls itself is another paper's link."""
    from rapidfuzz import fuzz

    listed = normalize_title(entry.title)
    found = normalize_title(rec_title or "")
    if not listed or not found or re.match(r"^https?://", entry.title.strip()):
        return None
    words = listed.split()
    if len(words) >= 4:
        if max(fuzz.ratio(listed, found), fuzz.token_set_ratio(listed, found)) >= 60:
            return None
        return f"the list says {entry.title!r} but {what} is {rec_title!r}"
    m = re.match(r"^\s*([^:]{1,40}):", rec_title or "")
    head = normalize_title(m.group(1)) if m else ""
    if _head_is_typo_of(entry.title, rec_title or ""):
        return None  # "WegSeg" for "WebSeg: ...": a typo of the paper's own name
    name = short_name(entry)
    if name:
        if names_paper(name, dict(rec or {}, title=rec_title)):
            return None
        return f"the list calls it {entry.title!r} but {what} is {rec_title!r}, which neither names nor abbreviates it"
    if not head or len(head.split()) > 2 or head in listed or listed in found.split():
        return None
    return f"the list calls it {entry.title!r} but {what} is {rec_title!r}"


# -- short names ("FickleNet", "DSRG") -------------------------------------------------------------

_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-+][A-Za-z0-9]+)*$")


def short_name(entry: Entry) -> str | None:
    """The entry's short name when its title is one (one word written like a name, with two
    capitals or a digit: ``FickleNet``, ``DSRG``, ``GuidedSeg``; not ``Graph`` or ``psa``)."""
    given = getattr(entry, "short_name", None)  # set by the importer when the list gives one
    if given and normalize_title(entry.title or "") in ("", normalize_title(given)):
        return str(given)  # a full title beside it is what to look for, not the name
    title = re.sub(r"(\*\*|__)(.+?)\1", r"\2", entry.title or "").strip()
    if not _NAME_RE.match(title) or len(title) < 3:
        return None
    caps = sum(1 for ch in title if ch.isupper())
    return title if caps >= 2 or any(ch.isdigit() for ch in title) else None


def abbreviates(name: str, title: str) -> bool:
    """Whether ``name`` is made of the starts of consecutive title words, stop words
    skippable: DSRG = Deep Seeded Region Growing, SeeNet = SElf-Erasing NETwork (the
    importer's rule, :func:`wsskg.identity.initials_fit`)."""
    from wsskg.identity import initials_fit

    return initials_fit(name, title)


def names_paper(name: str, rec: dict) -> bool:
    """Whether a record is a paper that calls itself ``name``: the name as words of its title,
    abstract or TLDR, or an abbreviation of its title."""
    norm = normalize_title(name)
    if not norm:
        return False
    pat = re.compile(rf"(?:^| ){re.escape(norm)}(?: |$)")
    title = normalize_title(rec.get("title") or "")
    if pat.search(title) or (len(norm) >= 6 and norm.replace(" ", "") in title.replace(" ", "")):
        return True
    for text in (rec.get("abstract"), rec.get("tldr")):  # "multi-dilated convolution (MDC)"
        if text and pat.search(normalize_title(text[:5000])):
            return True
    return abbreviates(name, rec.get("title") or "")


def _head_is_typo_of(name: str, title: str) -> bool:
    """The title's "Name:" prefix is ``name`` up to a typo ("WebSeg: ..." for "WegSeg")."""
    from wsskg.identity import lead_name, names_agree

    lead = lead_name(title or "")
    return bool(lead) and names_agree(name, lead)


def choose_by_name(entry: Entry, name: str, candidates: list[dict]) -> Decision:
    """The one candidate that calls itself ``name`` and whose year/venue agree with the list;
    the list must give a year or a venue (a bare name is too little to go on)."""
    if not entry.year and not venue_key(entry.venue):
        return Decision(reason=f"only a short name ({name!r}) and no year or venue to confirm it")
    named = [r for r in candidates if r.get("title") and names_paper(name, r)]
    fits = [r for r in named if not contradiction(entry, r)]
    unique: dict[str, dict] = {}
    for r in fits:
        unique.setdefault(record_identity(r), r)
    pool = list(unique.values())
    if len(pool) > 1:
        lv = venue_key(entry.venue)
        for narrow in (lambda r: entry.year is not None and year_of(r) == entry.year,
                       lambda r: lv is not None and lv in record_venue_keys(r)):
            picked = [r for r in pool if narrow(r)]
            if len(picked) == 1:
                pool = picked
                break
    if len(pool) == 1:
        return Decision(pool[0], NAME_SCORE)
    if pool:
        shown = "; ".join(f"{r['title']!r} ({r.get('year') or '?'})" for r in pool[:3])
        return Decision(reason=f"{len(pool)} papers call themselves {name!r}: {shown}", ambiguous=True)
    if named:
        r = named[0]
        return Decision(reason=f"{r['title']!r} is named {name!r} but {contradiction(entry, r)}")
    return Decision(reason=f"no paper calls itself {name!r}")


def concept_like(entry: Entry) -> str | None:
    """Why an id-less entry's title is not worth a title search, or None."""
    words = normalize_title(entry.title).split()
    if len(words) < 3:
        return "title too short to be a paper title (a concept or a name)"
    if not re.search(r"[A-Z]", entry.title) and not entry.venue and not entry.year:
        return "reads like a concept or a note, not a paper title"
    return None


# -- ids of an entry ---------------------------------------------------------------------------------

def _wrong(e: Entry, kind: str) -> str:
    return str((getattr(e, "wrong_link", None) or {}).get(kind) or "").lower()


def entry_arxiv_id(e: Entry) -> str | None:
    """The entry's arXiv id without version: the field, else the first arxiv.org link; never
    the id of a link found to name another paper (``wrong_link``)."""
    wrong = _wrong(e, "arxiv_id")
    for ax in [e.arxiv_id] + [arxiv_id_from_url(ln.url) for ln in e.links]:
        if ax and strip_arxiv_version(ax).lower() != wrong:
            return strip_arxiv_version(ax)
    return None


def entry_doi(e: Entry) -> str | None:
    """The entry's DOI: the field, else the first doi.org link (never a wrong link's)."""
    wrong = _wrong(e, "doi")
    cands = [e.doi] + [m.group(1) for ln in e.links
                       for m in [re.search(r"doi\.org/(10\.\d{4,9}/[^\s?#]+)", ln.url, re.I)] if m]
    for d in cands:
        if d and d.lower() != wrong:
            return d
    return None


def s2_key(e: Entry, arxiv_id: str | None = None, doi: str | None = None) -> str | None:
    """The id to ask the S2 batch endpoint for an entry."""
    if e.s2_id:
        return e.s2_id
    ax = arxiv_id or entry_arxiv_id(e)
    if ax:
        return f"ARXIV:{ax}"
    d = doi or entry_doi(e)
    if d:
        return f"DOI:{d}"
    return None


# -- one work, several entries --------------------------------------------------------------------

def described(e: Entry):
    """``e`` as :func:`wsskg.identity.same_work` reads a description, with what enrichment
    found: its arXiv id and DOI (never a wrong link's) and its S2 id as a Semantic Scholar
    paper link, so two entries enriched to one record share a paper key."""
    from types import SimpleNamespace

    from wsskg.catalog import Link

    links = [ln for ln in e.links if not (getattr(e, "wrong_link", None) or {}).get("url") == ln.url]
    if e.s2_id:
        links.append(Link(url=f"https://www.semanticscholar.org/paper/{e.s2_id}", kind="paper"))
    return SimpleNamespace(id=e.id, title=e.title, short_name=getattr(e, "short_name", None), venue=e.venue,
                           year=e.year, links=links, arxiv_id=entry_arxiv_id(e), doi=entry_doi(e),
                           anchors=(), refs=())


def shared_ids(a: Entry, b: Entry) -> str | None:
    """The enrichment id two entries share (S2 id, arXiv id, DOI), as words, or None."""
    if a.s2_id and a.s2_id == b.s2_id:
        return f"same Semantic Scholar id {a.s2_id}"
    ax = entry_arxiv_id(a)
    if ax and ax == entry_arxiv_id(b):
        return f"same arXiv id {ax}"
    doi = entry_doi(a)
    if doi and doi.lower() == (entry_doi(b) or "").lower():
        return f"same DOI {doi}"
    return None


def same_work_pairs(entries: list[Entry]) -> list[tuple[Entry, Entry, str]]:
    """Pairs of paper entries that share an enrichment id and that the one "same work" test
    (:func:`wsskg.identity.same_work`) accepts, in list order, with the evidence. A shared id
    with disagreeing titles or names is no pair: that is a wrong link (``check`` reports it)."""
    from wsskg.identity import same_work

    papers = [e for e in entries if e.kind == "paper"]
    by_key: dict[str, list[Entry]] = {}
    for e in papers:
        for key in (f"s2:{e.s2_id}" if e.s2_id else None, f"ax:{entry_arxiv_id(e)}" if entry_arxiv_id(e) else None,
                    f"doi:{(entry_doi(e) or '').lower()}" if entry_doi(e) else None):
            if key:
                by_key.setdefault(key, []).append(e)
    pairs: list[tuple[Entry, Entry, str]] = []
    seen: set[tuple[str, str]] = set()
    order = {id(e): i for i, e in enumerate(entries)}
    for members in by_key.values():
        members = sorted({id(e): e for e in members}.values(), key=lambda e: order[id(e)])
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if (a.id, b.id) in seen:
                    continue
                seen.add((a.id, b.id))
                ev = same_work(described(a), described(b))
                if ev:
                    pairs.append((a, b, f"{shared_ids(a, b)}; {ev}"))
    return sorted(pairs, key=lambda p: (order[id(p[0])], order[id(p[1])]))
