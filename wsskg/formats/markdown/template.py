"""Template induction: learn each list's own record template, then read every record with it.

A list repeats one template tens or hundreds of times (the same separators, the same order of
title, venue, year, authors and links), so the fields of a record are decided from all the records
that share its *shape*, not from positions written in code:

1. each record is cut into typed segments (:mod:`~wsskg.formats.markdown.segments`) and the
   segments into *units*: a link with a name, a bold/italic/code span, a bracket, paren or
   【】 group, a run of plain text (its comma/stop/dash parts kept), a generic link (``[pdf]``);
2. records are grouped by their shape (the kinds of their units, emoji and generic links folded);
3. per group, the unit that most members' content says is the title (long, distinct, title-cased,
   not a name list, not a venue) becomes the group's title slot; a member whose own best guess
   disagrees is read with the group's slot when that slot holds text for it;
4. every other unit is read by its content: a year, a venue (a known venue word, or a short part
   with a year or an acronym), an author list, a short name (``ABBR:`` before the title, a
   ``Name: Title`` prefix that is one name, a ``(ABBR)`` after it, a 【Name】 group).

The recognisers (``bullets``, ``headings``, ``records``) still say *where* a record is; this
module says *what* it holds, and how sure it is (``confidence``, which ``check`` reports when low).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import lru_cache
from dataclasses import dataclass, field

from wsskg.formats.markdown.fields import split_title
from wsskg.formats.markdown.segments import CACHE_SIZE, Seg, is_generic, is_name_list, segment, title_case_share, years_in
from wsskg.text import SMALL_WORDS, clean_title, strip_markup
from wsskg.venues import VENUE_CORE, year_of

#: A group needs this many records before its slots outvote a member's own reading.
MIN_GROUP = 3
#: Share of a group's records whose best title unit must agree for that unit to be the slot.
SLOT_AGREEMENT = 0.5
#: Below this a record's reading is reported as unsure (``check``).
LOW_CONFIDENCE = 0.5
#: A record whose shape too few others share is read on its own: at most this sure.
ALONE_CONFIDENCE = 0.6
#: A venue without a year must stand within this many pieces after the title.
NEAR_PARTS = 2
#: How many lines of a record are searched for its title when the first holds none.
TITLE_LINES = 4

_KNOWN_VENUE = re.compile(rf"^(?:{VENUE_CORE})$")
_ACRONYM = re.compile(r"^[A-Z][A-Za-z]*[A-Z][A-Za-z0-9]*(?:[-'’ ]?\d{2,4})?$|^[A-Z]{2,}[a-z]?$")
_VENUE_QUALIFIER = re.compile(r"\b(?:workshops?|oral|spotlight|poster|findings|highlight|best paper.*)\b", re.I)
_STATUS_WORDS = re.compile(r"^(?:preprint|unpublished|tech(?:nical)? report|book|under review|in press|to appear|"
                           r"accepted|submitted|thesis|phd thesis|manuscript|blog|blog post)$", re.I)
_NOT_SHORT_NAMES = {"sok", "survey", "tutorial", "review", "position", "demo", "overview", "perspective",
                    "introduction", "note", "editorial", "abstract", "commentary", "preface", "keynote",
                    "paper", "code", "project", "link", "pdf", "arxiv", "github", "new", "update", "news"}
_YEAR_ONLY = re.compile(r"^\s*[(\[]?\s*(?:19|20)\d\d(?:[-./]\d{1,2})?\s*[)\]]?\s*$")
_LABELLED = re.compile(r"^\s*(?:\*\*)?(?P<label>[^\W\d][\w ()'’/-]{0,20}?)\s*(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*", re.U)


@dataclass
class Unit:
    kind: str  # link, bold, ital, code, bracket, paren, corner, quote, text, generic, emoji, nl
    text: str
    line: int
    parts: list[str] = field(default_factory=list)  # a text run's comma/stop/dash parts
    seps: list[str] = field(default_factory=list)  # the separator after each part
    url: str | None = None
    style: str = ""


@dataclass(frozen=True)
class Style:
    """What a whole list does the same way, decided from all its records at once."""

    authors_first: bool = False  # ``Authors: Title, Venue``: a lone name before ``:``/``.`` is the author
    colon_comments: bool = True  # ``Title: comment``: the colon after a plain title ends it


@dataclass
class Reading:
    """What a record holds, as its template reads it."""

    title: str = ""
    short_name: str | None = None
    venue: str | None = None
    year: int | None = None
    authors: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # each URL's link text
    confidence: float = 0.0
    score: float = 0.0  # the title unit's own title score
    kind: str | None = None  # what a ``Type: Benchmark`` label says the work is
    full_title: str = ""  # the title with the short name the list wrote before it
    slot: str = ""  # which unit held the title (``link#0``, ``bold#0``, ``text#1``)


def _words_in_parens(text: str) -> bool:
    """``(almost)``, ``(5th Edition)``: words of the text around them, not a name, venue or year."""
    t = text.strip()
    return bool(t) and not years_in(t) and not venue_like(t) and not _ACRONYM.match(t) \
        and any(w[:1].islower() for w in t.split())


def units_of(segs: list[Seg]) -> list[Unit]:
    out: list[Unit] = []
    glue = False  # the last text part goes on after words in parentheses
    spaced = False  # whether white space ended the last text part
    for s in segs:
        last = out[-1] if out else None
        if s.kind == "paren" and last is not None and last.kind == "text" and last.line == s.line \
                and not last.seps[-1].strip() and _words_in_parens(s.text):
            group = f"{' ' if spaced else ''}({s.text})"
            last.parts[-1] += group
            last.text += group
            glue = True
            continue
        spaced = s.kind == "text" and s.raw[-1:].isspace()
        if s.kind == "text" and glue and last is not None and last.kind == "text" and last.line == s.line:
            last.parts[-1] += " " + s.text
            last.text += " " + s.text
            last.seps[-1] = s.sep
            glue = False
            continue
        glue = False
        if s.kind == "text":
            if out and out[-1].kind == "text" and out[-1].line == s.line:
                out[-1].parts.append(s.text)
                out[-1].seps.append(s.sep)
                out[-1].text += ", " + s.text
                continue
            out.append(Unit("text", s.text, s.line, parts=[s.text], seps=[s.sep]))
        elif s.kind == "link":
            kind = "generic" if (not s.text or is_generic(s.text)) else "link"
            out.append(Unit(kind, s.text, s.line, url=s.url, style=s.style))
        else:
            out.append(Unit(s.kind, s.text, s.line))
    return out


def shape(units: list[Unit]) -> tuple:
    """The record's shape: unit kinds in order, emoji and runs of generic links folded."""
    sig: list[str] = []
    for u in units:
        if u.kind == "emoji":
            continue
        k = u.kind
        if k == "generic" and sig and sig[-1] == "generic":
            continue
        sig.append(k)
        if len(sig) >= 8:
            break
    while sig and sig[-1] in ("generic", "nl"):
        sig.pop()
    return tuple(sig)


# -- content: what a piece of text looks like ------------------------------------------------------

@lru_cache(maxsize=CACHE_SIZE)
def venue_like(text: str) -> bool:
    """A venue as lists write it: a known venue word, or a short part with a year and a name
    (``SIGACT News 2001``, ``ECML-PKDD 2023``), or one acronym (``JAIR``, ``ESORICS'23``)."""
    t = strip_markup(text).strip(" .,;:()[]")
    if not t or len(t) > 60:
        return False
    if _KNOWN_VENUE.match(t):
        return True
    words = t.split()
    ys = years_in(t)
    rest = re.sub(r"(?:19|20)\d\d", "", t).strip(" ,.'’-")
    if ys and rest and len(words) <= 7 and not is_name_list(rest) and title_case_share(rest) >= 0.5:
        return True
    if len(words) <= 2 and all(_ACRONYM.match(w.strip(",.")) for w in words):
        return True
    if re.fullmatch(r"[A-Z][A-Za-z&.\- ]{1,30}['’]\d{2}", t):  # ``ESORICS'23``
        return True
    return False


@lru_cache(maxsize=CACHE_SIZE)
def title_score(text: str, kind: str) -> float:
    """How much a piece of text reads like a title (0: not at all)."""
    t = strip_markup(text).strip(" .,;:")
    if not t or is_generic(t) or _YEAR_ONLY.match(t) or _STATUS_WORDS.match(t):
        return 0.0
    t = _TRAILING_DATE.sub("", t) or t  # ``PointCNN (2018)``, ``Title (2018 CVPR)``: judged without it
    words = t.split()
    if len(words) < 2:
        if kind == "bold" and re.fullmatch(r"[A-Za-z0-9][\w\-+.]{2,30}", t) and re.search(r"[a-z][A-Z]|[A-Z]{2}|\d", t):
            return 0.5  # ``<b>PointCNN (2018)</b>``: a work known by its name alone
        return 0.05 if kind in ("link", "bold") and len(t) >= 3 else 0.0
    if venue_like(t) and len(words) <= 4:
        return 0.0
    if is_name_list(t) and (_INITIAL.search(t) or _ETAL_PART.search(t) or len(re.split(r",|;|\band\b", t)) >= 4):
        return 0.05  # ``A. Smith, B. Jones``; a title's own ``X and Y, Z`` reads like names too
    if re.search(r"https?://", t):
        return 0.0
    s = min(len(words), 12) / 12 + 0.4 * title_case_share(t)
    if kind == "link":
        s += 0.3
    elif kind in ("bold", "quote"):
        s += 0.25
    elif kind == "ital":
        s += 0.05
    elif kind in ("code", "bracket", "corner", "paren"):
        s -= 0.4
    if len(words) > 30:
        s -= 0.5
    return max(s, 0.0)


# -- one record ------------------------------------------------------------------------------------

def _title_text(u: Unit, style: Style = Style()) -> str:
    """The title inside a unit: a text run without its author and venue parts."""
    if u.kind != "text":
        return u.text
    names, parts = split_authors(u, style)
    if not parts:
        parts = list(u.parts)
    # venue, year and author parts at the end
    while len(parts) > 1 and (_tail_part(parts[-1]) or (len(parts) > 2 and _YEAR_ONLY.match(parts[-1])
                                                       and _venue_before_year(parts[-2]))):
        if _YEAR_ONLY.match(parts[-1]) and len(parts) > 2 and _venue_before_year(parts[-2]):
            parts.pop()  # ``Title, Computational Humour, 1993``: the venue goes with its year
        parts.pop()
    return ", ".join(parts)


def _tail_part(p: str) -> bool:
    """A part that ends a citation after its title: a venue with a year, a year, names, a status."""
    return bool((venue_like(p) and (years_in(p) or _KNOWN_VENUE.match(p.strip(" .")))) or _YEAR_ONLY.match(p)
                or is_name_list_part(p) or _ETAL_PART.search(p) or _STATUS_WORDS.match(p.strip(" .")))


_ETAL_PART = re.compile(r"\bet\.?\s*al\b", re.I)
_INITIAL = re.compile(r"(?<![\w.])[A-Z]\.(?:\s|[A-Z]\.|$)|(?<=\s)[A-Z](?=,|$)")


def split_authors(u: Unit, style: Style = Style()) -> tuple[list[str], list[str]]:
    """A text run's leading author list and the parts after it: name parts ended by a full stop
    or a colon (``A, B. Title`` / ``A et al.: Title``), never a title's own commas. In a list
    written authors first, one name before ``:`` or ``.`` and names ended by a comma count too."""
    parts = list(u.parts)
    for k, (p, sep) in enumerate(zip(u.parts, u.seps)):
        head = p.split(":", 1)[0]
        if not is_name_list_part(head):
            if style.authors_first and k and len(parts) > k:
                return parts[:k], parts[k:]  # ``A and B, Title, Venue``
            break
        if ":" in p:
            if k or _ETAL_PART.search(head) or (style.authors_first and len(head.split()) >= 2):
                return parts[:k] + [head], [p.split(":", 1)[1].strip()] + parts[k + 1:]
            break  # ``Deep TEN: Texture ...``: a name and a title, not authors
        if sep in (".", ":") and (k or _ETAL_PART.search(p) or len(p.split()) >= 2) and k + 1 < len(parts):
            return parts[:k + 1], parts[k + 1:]
        if sep not in (",", "，", ";"):
            break
    return [], parts


@lru_cache(maxsize=CACHE_SIZE)
def is_name_list_part(p: str) -> bool:
    """One comma part of an author list: ``A. Smith``, ``Smith``, ``John Lafferty``, ``et al.``."""
    p = p.strip(" .")
    if _ETAL_PART.search(p):
        return True
    names = [x for x in re.split(r"\s+(?:and|&)\s+", p) if x]
    return is_name_list(p + ", " + p) and all(len(x.split()) <= 4 for x in names) and not venue_like(p)


_TRAILING_DATE = re.compile(r"\s*[(\[][^()\[\]]*\b(?:19|20)\d\d\b[^()\[\]]*[)\]]\s*$")
#: Units that frame a record (tags, header groups) rather than name it: a title below them wins.
HEADER_KINDS = ("corner", "code", "bracket", "paren")


def best_unit(units: list[Unit], style: Style = Style()) -> tuple[int, float]:
    best, score = -1, 0.0
    first_line = [i for i, u in enumerate(units) if u.line == 0]
    pools = [first_line, [i for i, u in enumerate(units) if 0 < u.line < TITLE_LINES]]
    for pool in pools:
        for i in pool:
            u = units[i]
            if u.kind in ("generic", "emoji", "nl"):
                continue
            s = title_score(_title_text(u, style), u.kind)
            if s > score:
                best, score = i, s
        if score >= 0.5 and units[best].kind not in HEADER_KINDS:
            break  # a group in a header line (``【Org】``, `` `tag` ``) gives way to a title below it
    return best, score


def slot_key(units: list[Unit], i: int) -> str:
    u = units[i]
    n = sum(1 for x in units[:i] if x.kind == u.kind and x.line == u.line)
    return f"{u.line}:{u.kind}#{n}"


def find_slot(units: list[Unit], key: str) -> int:
    line, rest = key.split(":", 1)
    kind, n = rest.split("#")
    same = [i for i, u in enumerate(units) if u.kind == kind and u.line == int(line)]
    return same[int(n)] if int(n) < len(same) else -1


def read(units: list[Unit], ti: int, confidence: float, style: Style = Style(),
         venue_slots: frozenset = frozenset()) -> Reading:
    """Read a record given the index of its title unit; ``venue_slots``: the units its group
    holds venues in (``[ChemRXiv]`` where the others write ``[ICML 2023]``)."""
    r = Reading(confidence=confidence, urls=[u.url for u in units if u.url], labels=[u.text for u in units if u.url])
    if ti < 0:
        return r
    tu = units[ti]
    raw_title = _title_text(tu, style)
    r.slot = slot_key(units, ti)
    if tu.kind == "text":
        used = set(raw_title.split(", "))
        left = [p for p in tu.parts if p not in used]
        for k, p in enumerate(left):
            if k + 1 < len(left) and _YEAR_ONLY.match(left[k + 1]) and r.venue is None and _venue_before_year(p):
                r.venue = venue_tail(p)
                continue
            _fill_venue_year(r, p, near=k < NEAR_PARTS)  # ``Title, CACM 1978``: the run's own venue part
        # ``Title: comment`` / ``Title: CVPR2018. comment``: the list's own separator after a plain
        # title (a one-word head is a short name, read below, not a title)
        head, venue, year, comment = split_title(raw_title)
        if head and head != raw_title and (venue or year or (style.colon_comments and len(head.split()) > 1)):
            raw_title = head
            if venue:
                _fill_venue_year(r, venue)
            r.year = r.year or year
    m = re.search(r"\s*\((?:19|20)\d\d\s*$", raw_title)
    if m and len(raw_title[:m.start()].split()) >= 2:  # ``Title (2023`` with the paren never closed
        r.year = r.year or years_in(m.group(0))[0]
        raw_title = raw_title[:m.start()]
    # a trailing ``(2018 CVPR)`` / ``(IRN)`` / ``[ABBR]`` group inside the title unit
    for _ in range(2):
        m = re.search(r"\s*[(\[]([^()\[\]]{1,40})[)\]]\s*[.)]*\s*$", raw_title)
        if not m or not raw_title[:m.start()].strip() or (len(raw_title[:m.start()].split()) < 2
                                                          and not years_in(m.group(1))):
            break
        inner = m.group(1).strip()
        name = not years_in(inner) and not _KNOWN_VENUE.match(inner) and bool(
            _ACRONYM.match(inner) or re.fullmatch(r"[A-Z][\w\-+]{1,15}", inner) and not inner.istitle())
        if name:  # ``Title (IRN)``: the work's name; a venue would carry its year or be a known one
            r.short_name = r.short_name or inner
            raw_title = raw_title[:m.start()]
            continue
        if _fill_venue_year(r, inner) or _YEAR_ONLY.match(inner):
            raw_title = raw_title[:m.start()]
            continue
        break
    # a trailing ``, CVPR 2019`` inside a bold or link title
    m = re.search(r"[,.]\s*([^,.]{2,40})\s*$", raw_title)
    if m and tu.kind != "text" and venue_like(m.group(1)) and years_in(m.group(1)):
        _fill_venue_year(r, m.group(1))
        raw_title = raw_title[:m.start()]
    # the short name: a ``Name:`` or ``Name -`` unit just before the title, or the title's prefix
    pk = next((k for k in range(ti - 1, -1, -1) if units[k].kind != "emoji"), None)
    prev = units[pk] if pk is not None else None
    if prev is not None and prev.line == tu.line and prev.kind in ("text", "bold", "code", "bracket") \
            and re.fullmatch(r"[^\s:]{1,25}(?:\s[^\s:]{1,15}){0,2}\s*[:：\-–]?", prev.text.strip()) \
            and not _YEAR_ONLY.match(prev.text) and slot_key(units, pk) not in venue_slots \
            and (prev.text.rstrip().endswith((":", "：")) or not venue_like(prev.text.rstrip(":：-– "))) \
            and not (years_in(prev.text) or _KNOWN_VENUE.match(prev.text.rstrip(":：-– "))):
        name = prev.text.strip().rstrip(":：-– ").strip()
        if name and re.search(r"[A-Z0-9]", name) and not name.isdigit() and name.lower() not in _NOT_SHORT_NAMES and not is_generic(name) \
                and not is_name_list(name):
            r.short_name = r.short_name or name
    r.full_title = _keep_quotes(raw_title, clean_title(raw_title))
    r.score = title_score(r.full_title, tu.kind)
    title, prefix = split_short_name(r.full_title)
    if prefix and (r.short_name is None or r.short_name == prefix):
        r.short_name = prefix
    r.title = title
    # every other unit by its content
    rest = [u for k, u in enumerate(units) if k != ti]
    distance = 0  # content pieces between the title and this one
    for k, u in enumerate(units):
        if k == ti or u.kind in ("generic", "emoji", "nl", "link"):
            continue
        pieces = u.parts if u.kind == "text" else [u.text]
        before = k < ti
        if u.kind == "text" and u.line == tu.line and before and not r.authors:
            names, _ = split_authors(u, style)
            if names:
                r.authors = [strip_markup(p).strip(" .") for p in names if not _ETAL_PART.search(p)]
        if slot_key(units, k) in venue_slots and r.venue is None and u.kind != "text":
            v = strip_markup(u.text).strip(" .,;:")
            if v and not _STATUS_WORDS.match(v) and title_score(v, "text") < VENUE_SLOT_TITLE:
                _fill_venue_year(r, v) or _set_venue(r, v)
                continue
        if u.kind in ("paren", "bracket") and not before and distance == 0 and r.short_name is None \
                and _ACRONYM.match(u.text.strip()) and not years_in(u.text) and not _KNOWN_VENUE.match(u.text.strip()):
            r.short_name = u.text.strip()  # ``Title (IRN), CVPR 2019``: the work's name after its title
            distance += 1
            continue
        for j, p in enumerate(pieces):
            typed = _TYPE_LABEL.match(strip_markup(p))
            if typed:
                r.kind = _TYPE_KINDS.get(typed.group(1).lower(), r.kind)
                continue
            if u.kind == "corner" and not years_in(p) and r.short_name is None and 0 < len(p.split()) <= CORNER_NAME_WORDS \
                    and not _LABELLED.match(p):
                r.short_name = p.strip()
                continue
            if not before:
                distance += 1
            if not before and j + 1 < len(pieces) and _YEAR_ONLY.match(pieces[j + 1]) and r.venue is None \
                    and _venue_before_year(p):
                r.venue = venue_tail(p)  # ``JAIR, 2019`` / ``Machine Learning, 1997``
                continue
            if before and (p.rstrip().endswith((":", "：")) or (not years_in(p) and not _KNOWN_VENUE.match(p.strip()))):
                continue  # ``**FZN:**``, `` `SVOS` `` before the title: a name or tag, not a venue
            _fill_venue_year(r, p, near=before or distance <= NEAR_PARTS)
        if u.kind in ("ital", "text") and not r.authors:
            txt = _VENUE_AT_END.sub("", u.text)
            if is_name_list(txt):
                r.authors = [a.strip() for a in re.split(r"\s*(?:,|;|\band\b)\s*", _ETAL_PART.sub("", txt).strip(" .,"))
                             if a.strip()]
    if r.year is None:
        for u in rest:
            ys = years_in(u.text) if u.kind not in ("link", "generic") else []
            if ys and u.kind in ("paren", "bracket", "code", "corner", "text", "ital", "bold"):
                r.year = ys[0]
                break
    return r


_VENUE_AT_END = re.compile(r"\s*[*_`]*\s*[,.]?\s*[A-Z][\w\- ]{1,30}\s*(?:19|20)\d\d\s*[*_`]*\s*\.?\s*$")


_AFTER_NAMES = re.compile(r"^.*(?:\bet\.?\s*al\.|\b[A-Z][\w'’-]+\s+[A-Z]\.)\s+(?=[A-Za-z])")
_VOLUME = re.compile(r"\s+\d[\d.:()\s-]*$")


def venue_tail(p: str) -> str:
    """The venue at the end of a part: after the authors' ``et al.`` or last initial, without
    volume and pages (``Lowe R, et al. arXiv`` -> ``arXiv``; ``Science 364.6443: 859-865`` ->
    ``Science``)."""
    t = strip_markup(p).strip(" .,;:")
    t = _AFTER_NAMES.sub("", t)
    return _VOLUME.sub("", t).strip(" .,;:") or t


def _set_venue(r: Reading, v: str) -> bool:
    """The group's venue slot holds ``v``: a venue the content alone would not call one."""
    r.venue = re.sub(r"\s*[-']?\s*(?:19|20)?\d\d$", "", v).strip() or v if not years_in(v) else v
    if r.year is None and years_in(v):
        r.year = years_in(v)[0]
    return True


def _venue_before_year(p: str) -> bool:
    """A part that names a venue because a year follows it: short, capitalised, no name list."""
    t = venue_tail(p)
    words = t.split()
    if _KNOWN_VENUE.match(t):
        return True
    return 0 < len(words) <= 5 and t[:1].isupper() and title_case_share(t) >= 0.6 and not is_name_list(t) \
        and not _STATUS_WORDS.match(t)


#: The first 【】 group after the date names the work, in up to this many words.
CORNER_NAME_WORDS = 6
#: ``Type: Benchmark``, ``Kind: Toolkit``: the record says what the work is.
_TYPE_LABEL = re.compile(r"^\s*(?:type|kind|category)\s*[:：]\s*(?:an?\s+)?(?:interactive\s+)?([a-z]+)", re.I)
_TYPE_KINDS = {"benchmark": "dataset", "benchmarks": "dataset", "dataset": "dataset", "datasets": "dataset",
               "corpus": "dataset", "tool": "code", "toolkit": "code", "library": "code", "framework": "code",
               "blog": "blog", "tutorial": "talk", "course": "talk", "talk": "talk", "demo": "resource",
               "product": "resource", "service": "resource"}
#: ``Accepted to CVPR 2024``, ``Published in TPAMI``: the words before a venue.
_ACCEPTED = re.compile(r"^(?:(?:accepted|published|presented|appear(?:s|ed)?|to appear)(?:\s+(?:as|at|by|in|to|on))+"
                       r"(?:\s+(?:an?|the))?(?:\s+(?:oral|poster|spotlight|paper))?(?:\s+(?:at|in))?)\s+", re.I)


def _fill_venue_year(r: Reading, piece: str, near: bool = True) -> bool:
    """Take a venue and year from ``piece`` when it is one; a published venue outranks a
    preprint server (``arXiv 2019, ICLR 2020`` -> ICLR 2020). A bare acronym with no year
    (``TOSEM``) is a venue only ``near`` the title: further on it is a word of a note (``HED``)."""
    p = _ACCEPTED.sub("", strip_markup(piece).strip(" .,;:()[]"))
    if not p:
        return False
    if _YEAR_ONLY.match(p):
        if r.year is None:
            r.year = years_in(p)[0] if years_in(p) else None
        return True
    if not venue_like(p):
        return False
    if not near and not years_in(p) and not _KNOWN_VENUE.match(p):
        return False
    sub = [x.strip() for x in re.split(r"\s*[,;]\s*", p) if x.strip()]
    if all(_STATUS_WORDS.match(re.sub(r"\s*(?:19|20)\d\d\s*", "", x).strip(" .")) for x in sub):
        if r.year is None and years_in(p):
            r.year = years_in(p)[0]  # ``Unpublished 2017``: a year, no venue
        return True
    for x in sub:
        if not venue_like(x) and not _YEAR_ONLY.match(x):
            continue
        name = re.sub(r"\s*[(\[]?(?:19|20)\d\d[)\]]?\s*", " ", x).strip(" ,.'’-")
        name = _VENUE_QUALIFIER.sub("", name).strip() if name.lower() not in ("workshop",) else name
        y = years_in(x)[0] if years_in(x) else year_of(x)
        preprint = re.match(r"(?i)arxiv|corr|preprint|biorxiv|chemrxiv|medrxiv", name or "")
        if name and (r.venue is None or (re.match(r"(?i)arxiv|corr|preprint", r.venue) and not preprint)):
            v = x.strip(" ,.;:()[]*_`")  # as the list writes it, year included
            r.venue = re.sub(r"^(?:19|20)\d\d\s+(?=\D)", "", v)  # ``(2018 CVPR)``: the name first
            if y:
                r.year = y
        elif r.year is None and y:
            r.year = y
    return True


_OPEN_QUOTE = "\"“‘'«"
_CLOSE_QUOTE = {"\"": "\"", "“": "”", "‘": "’", "'": "'", "«": "»"}


def _keep_quotes(raw: str, cleaned: str) -> str:
    """``"Do Anything Now": Characterizing ...``: a quote that opens the title and closes inside
    it belongs to the title (cleaning takes only quotes that wrap all of it)."""
    t = strip_markup(raw).strip()
    if not t or t[0] not in _OPEN_QUOTE:
        return cleaned
    close = t.find(_CLOSE_QUOTE[t[0]], 1)
    if 0 < close < len(t.rstrip(" .,;:")) - 1 and cleaned and not cleaned.startswith(t[0]):
        return t[0] + cleaned
    return cleaned


def _name_word(w: str) -> bool:
    """A word only a name is made of: an acronym, camel case, letters with digits (``wav2vec``),
    not a version (``v2``, ``2.0``)."""
    if re.fullmatch(r"v?\d+(?:\.\d+)*", w, re.I):
        return False
    return bool(_ACRONYM.match(w) or re.search(r"[a-z][A-Z]", w) or (re.search(r"\d", w) and re.search(r"[A-Za-z]{2}", w)))


def split_short_name(title: str) -> tuple[str, str | None]:
    """``QMIX: Monotonic Value ...`` -> (``Monotonic Value ...``, ``QMIX``): a one-name prefix
    (one word, or a few words holding an acronym) is the work's short name; a phrase
    (``The Lottery Ticket Hypothesis in Denoising: ...``) stays in the title."""
    m = re.match(r"^(?P<p>[^:：]{1,40}?)\s*[:：]\s+(?P<rest>\S.{8,})$", title) \
        or re.match(r"^(?P<p>[A-Za-z0-9][\w\-+.&']{1,24})[:：](?P<rest>[A-Za-z]\S*(?:\s+\S+){2,})$", title)
    if not m:
        d = re.match(r"^(?P<p>[^\s:：–—-][^:：–—]{0,30}?)\s+[–—-]\s+(?P<rest>[A-Z]\S*(?:\s+\S+){2,})$", title)
        if d and any(_ACRONYM.match(w) or re.search(r"[a-z][A-Z]|\d", w) for w in d.group("p").split()) \
                and len(d.group("p").split()) <= 3:
            return d.group("rest").strip(), d.group("p").strip()  # ``Speech ReaLLM – Real-time ...``
        return title, None
    p, rest = m.group("p").strip(), m.group("rest").strip()
    words = p.split()
    if p.lower() in _NOT_SHORT_NAMES or p[:1] in "\"“'‘" or len(rest.split()) < 2:
        return title, None
    if len(words) == 1 and re.match(r"^[A-Za-z0-9][\w\-+.&']*$", p) and not p.islower():
        return rest, p
    if len(words) == 1 and re.search(r"\d|-", p):
        return rest, p
    core = [w for w in words if not re.fullmatch(r"v?\d+(?:\.\d+)*", w, re.I)]
    if len(core) == 1 < len(words) <= 2 and core[0][:1].isupper():
        return rest, p  # ``Decoar 2.0: Deep contextualized ...``: a name and its version
    if 2 <= len(words) <= 3 and any(_name_word(w) for w in words) \
            and not any(w[:1].islower() and w.lower() not in SMALL_WORDS and not re.search(r"\d|[a-z][A-Z]", w)
                        for w in words):
        return rest, p
    return title, None


# -- the list ------------------------------------------------------------------------------------

def induce(records: list[list[str]]) -> list[Reading]:
    """Read every record of a list (each a list of source lines) with its group's template."""
    units = [units_of(segment(lines)) for lines in records]
    shapes = [shape(u) for u in units]
    style = list_style(units)
    own = [best_unit(u, style) for u in units]
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, s in enumerate(shapes):
        groups[s].append(i)
    readings: list[Reading] = [Reading()] * len(records)
    for members in groups.values():
        votes = Counter(slot_key(units[i], own[i][0]) for i in members if own[i][0] >= 0)
        slot, agree = (votes.most_common(1)[0] if votes else ("", 0))
        group_ok = len(members) >= MIN_GROUP and agree >= SLOT_AGREEMENT * len(members)
        venue_slots = _venue_slots([units[i] for i in members], slot) if group_ok else frozenset()
        for i in members:
            ti, score = own[i]
            conf = ALONE_CONFIDENCE * min(1.0, score)  # a shape no other record shares: a guess
            if group_ok:
                gi = find_slot(units[i], slot)
                if gi >= 0 and title_score(_title_text(units[i][gi], style), units[i][gi].kind) > 0:
                    ti = gi
                conf = min(1.0, 0.5 + agree / len(members) / 2)
            readings[i] = read(units[i], ti, conf, style, venue_slots)
    return readings


#: A group's slot holds venues when this share of its members have a venue with a year there.
VENUE_SLOT_SHARE = 0.5
#: A venue slot's text that reads this much like a title is a title, not a venue.
VENUE_SLOT_TITLE = 0.9


def _venue_slots(members: list[list[Unit]], title_slot: str) -> frozenset:
    """The units (slot keys) where most of a group write a venue with its year."""
    counts: Counter = Counter()
    for us in members:
        for k, u in enumerate(us):
            if u.kind in ("bracket", "paren", "code", "corner", "bold", "ital") and venue_like(u.text) \
                    and years_in(u.text):
                counts[slot_key(us, k)] += 1
    return frozenset(key for key, n in counts.items()
                     if key != title_slot and n >= VENUE_SLOT_SHARE * len(members))


#: A list is written authors first when this share of its plain-text records open with an author list.
AUTHORS_FIRST_SHARE = 0.25
#: A list ends titles at a colon when this share of its ``Title: rest`` records go on with a comment.
COLON_COMMENT_SHARE = 0.5


def list_style(units: list[list[Unit]]) -> Style:
    """The list's habits, from all its records: authors before titles; ``Title: comment``."""
    runs = [next((u for u in us if u.kind == "text" and u.line == 0), None) for us in units]
    runs = [u for u in runs if u is not None and len(u.parts) > 1]
    authors = sum(1 for u in runs if split_authors(u)[0])
    colon = comments = 0
    for us in units:
        t = next((u for u in us if u.kind == "text" and u.line == 0), None)
        if t is None:
            continue
        text = _title_text(t)  # without its authors and its closing venue and year
        m = re.search(r"[^\s:]:\s+(\S.*)$", text)
        if not m or ":" in m.group(1):
            continue
        colon += 1
        tail = m.group(1)
        comments += bool((tail[:1].islower() and "," in tail) or venue_like(tail.split(",")[0].split(". ")[0])
                         or years_in(tail))
    return Style(authors_first=bool(runs) and authors >= AUTHORS_FIRST_SHARE * len(runs),
                 colon_comments=not colon or comments >= COLON_COMMENT_SHARE * colon)


#: A record no recogniser claimed is one when its title reads at least this well.
RECORD_SCORE = 0.5


def read_record(lines: list[str]) -> Reading | None:
    """A block no recogniser claimed, read on its own: a record when it has a title and paper
    evidence (a year, a venue or a link), else None (prose)."""
    r = induce([lines])[0]
    if not r.title or r.score < RECORD_SCORE or reads_as_prose(r.title):
        return None
    if not (r.year or r.venue or r.urls):
        return None
    return r


#: A title has at most this many words (a longer run is the list's prose).
TITLE_MAX_WORDS = 30


def reads_as_prose(text: str) -> bool:
    """``This section covers papers describing consensus algorithms ... Many of these``: a
    passage of the list's own, not the title of a work."""
    return len(text.split()) > TITLE_MAX_WORDS or bool(re.search(r"[a-z]{3}\. [A-Z][a-z]", text))


#: A detail line has at most this many words besides its links, tags, venue and year.
DETAIL_WORDS = 2


def is_detail_line(line: str) -> bool:
    """A line that only adds to the record above it: links, a venue or year tag, emoji
    (``🕝 **[CVPR'24]** **[[PDF]](url)** **[[Code]](url)**``), not a title of its own."""
    units = units_of(segment([line]))
    if not units or not any(u.url or years_in(u.text) or venue_like(u.text) for u in units):
        return False
    if any(u.kind in ("bold", "link", "text") and title_score(_title_text(u), u.kind) >= RECORD_SCORE for u in units):
        return False  # it names a work of its own
    first = next((u for u in units if u.kind not in ("emoji", "nl")), None)
    if "|" in strip_markup(line) or (first is not None and first.kind == "link"):
        return False  # a table row, a named link: a record of its own, not details of one
    words = 0
    for u in units:
        if u.kind in ("generic", "emoji", "nl") or (u.url and u.kind == "link" and len(u.text.split()) <= 2):
            continue
        for p in (u.parts if u.kind == "text" else [u.text]):
            if venue_like(p) or _YEAR_ONLY.match(p):
                continue
            words += len(strip_markup(p).split())
    return words <= DETAIL_WORDS
