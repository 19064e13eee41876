"""The identity pass: mentions that name the same work become one entry.

Pairs of mentions that share a title, name, anchor, link or id are tested with
:func:`wsskg.identity.same_work`; groups are joined only when no member of one conflicts with a
member of the other (:func:`wsskg.identity.conflict`), so a wrong link or a repeated short name
never chains two works together. The user's recorded decisions (``wsskg merge``/``split``)
override the evidence both ways. Each joining mention keeps the evidence that joined it.
"""

from __future__ import annotations

import re

from wsskg.catalog import STATUS_RANK, Entry, Link, Mention, arxiv_id_from_url, slugify, unique_id
from wsskg.formats.markdown.fields import title_case
from wsskg.formats.markdown.mention import Candidate
from wsskg.identity import conflict, group_pairs, is_full_title, same_work
from wsskg.text import normalize_title, strip_markup

_TALK = re.compile(r"\btalks?\b|tutorial|lecture|keynote|\bcourses?\b|seminar|presentation", re.I)
_BLOG = re.compile(r"\bblogs?\b|\bblog posts?\b|\barticles?\b|\bnews\b", re.I)
_DATASET = re.compile(r"dataset|data set|corpus|corpora", re.I)
_CHALLENGE = re.compile(r"challenge|competition|leaderboard|contest", re.I)
_LIST = re.compile(r"awesome|other lists|related lists|\blists?\b|resources? list", re.I)
_CODE_TOPIC = re.compile(r"\bcodes?\b|implementation|framework|librar|tool|starter", re.I)
_CONCEPT = re.compile(r"resource|metric|loss|annotation|result|methods|tool", re.I)


def _listing(c: Candidate) -> bool:
    """Is the mention filed under a topic of lists, blogs, talks or courses?"""
    name = c.topic.rsplit("/", 1)[-1]
    return bool(_LIST.search(name) or _BLOG.search(name) or _TALK.search(name))


def _key_base(c: Candidate) -> str:
    if c.form in ("row", "code") and c.fields.short_name:
        return c.fields.short_name
    return c.fields.full_title or c.fields.title


def mention_key(c: Candidate) -> str:
    """The id this mention alone would get: its own title (a row's or code line's label) and
    its own line's year, as the reader has always named entries."""
    base = _key_base(c)
    if not base.strip(" *"):
        url = c.fields.links[0].url if c.fields.links else "entry"
        parts = [p for p in re.sub(r"^https?://(www\.)?", "", url).rstrip("/").split("/") if p]
        if parts and parts[0] in ("github.com", "gitlab.com", "bitbucket.org") and len(parts) >= 3:
            parts = parts[2:3]
        else:
            parts = parts[-2:]
        base = " ".join(parts)
    return slugify(base, c.fields.year)


class _Groups:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def members(self, i: int, n: int) -> list[int]:
        r = self.find(i)
        return [j for j in range(n) if self.find(j) == r]


def group(cands: list[Candidate], decisions: list[dict] | None = None) -> tuple[list[list[int]], dict[int, str]]:
    """Groups of candidate indices (first mention order) and the evidence that joined each."""
    n = len(cands)
    g = _Groups(n)
    keys = [mention_key(c) for c in cands]
    evidence: dict[int, str] = {}
    not_same: set[frozenset] = set()
    forced: list[tuple[str, str]] = []
    for d in decisions or []:
        if "not_same" in d:
            not_same.add(frozenset(d["not_same"]))
        elif "same" in d:
            forced.append(tuple(d["same"]))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}

    def blocked(ra: int, rb: int) -> bool:
        ka = {keys[i] for i in members[ra]}
        kb = {keys[i] for i in members[rb]}
        return any(frozenset((x, y)) in not_same for x in ka for y in kb)

    def join(a: int, b: int, why: str) -> None:
        ra, rb = g.find(a), g.find(b)
        if ra == rb:
            return
        if rb < ra:
            ra, rb = rb, ra
        g.parent[rb] = ra
        members[ra] = sorted(members[ra] + members.pop(rb))
        later = max(a, b)
        evidence.setdefault(later, why)

    for x, y in forced:
        xs = [i for i in range(n) if keys[i] == x]
        ys = [i for i in range(n) if keys[i] == y]
        if xs and ys:
            join(xs[0], ys[0], "merged by the user")
    for a, b in group_pairs(cands):
        ra, rb = g.find(a), g.find(b)
        if ra == rb or blocked(ra, rb):
            continue
        ca, cb = cands[a], cands[b]
        if ca.topic == cb.topic and not ca.paperish and not cb.paperish and ca.form != "row":
            continue  # twice in one section without paper evidence: the list meant two things
        if ca.paperish != cb.paperish and _listing(cb if ca.paperish else ca):
            continue  # a bare link under "Reading lists"/"Blogs" names a page about the work, not it
        ev = same_work(ca, cb)
        if ev is None:
            continue
        if any(conflict(cands[i], cands[j]) for i in members[ra] for j in members[rb]):
            continue
        join(a, b, str(ev))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(g.find(i), []).append(i)
    return sorted(groups.values(), key=lambda m: m[0]), evidence


_FORM_RANK = {"checkbox": 6, "bullet": 5, "numbered": 5, "record": 5, "heading": 5, "line": 3, "code": 2,
              "prose": 2, "row": 1}


def build_entry(cands: list[Candidate], members: list[int], evidence: dict[int, str], lines: dict[int, str],
                linked_list: bool = False) -> Entry:
    """One entry from the group's mentions (see the module docstring of ``reader``)."""
    group = [cands[i] for i in members]
    full = [c for c in group if is_full_title(c.fields.title, c.fields.short_name)]
    pool = full or group
    best = max(pool, key=lambda c: (_FORM_RANK.get(c.form, 0), _caps(c.fields.title), -c.order))
    e = Entry(id="", title=best.fields.title)
    # the id: the best mention's own name (a code line's or row's label) with the first year
    # any mention of that same name gives, as the reader has always named entries
    base = _key_base(best)
    same_name = [c for c in group if normalize_title(_key_base(c)) == normalize_title(base)]
    own_year = next((c.fields.year for c in same_name if c.fields.year), None)
    e.id = slugify(base, own_year) if base.strip(" *") else mention_key(best)
    e.short_name = next((c.fields.short_name for c in group if c.fields.short_name
                         and normalize_title(c.fields.short_name) != normalize_title(e.title)), None)
    e.status = max((c.status for c in group), key=lambda s: STATUS_RANK[s])
    forms = [c.form for c in group]
    e.form = "checkbox" if "checkbox" in forms else ("bullet" if any(f in ("bullet", "numbered", "record", "heading")
                                                                     for f in forms) else "line")
    for c in group:
        if c.topic not in e.topics:
            e.topics.append(c.topic)
    for c in sorted(group, key=lambda c: (c is not best, c.order)):
        f = c.fields
        e.venue = e.venue or f.venue
        e.year = e.year or f.year
        if f.authors and not e.authors:
            e.authors = list(f.authors)
        for ln in f.links:
            if ln.label == "" and not f.title_linked:
                continue
            if any(x.url == ln.url for x in e.links):
                continue
            if ln.label == "" and any(x.label == "" for x in e.links):
                ln = Link(url=ln.url, label=ln.url, kind=ln.kind)
            e.links.append(ln)
        if f.comment and f.comment != e.comment:
            if not e.comment:
                e.comment = f.comment
            elif f.comment not in e.notes and f.comment not in e.comment:
                e.notes.append(f.comment)
        for n_ in c.notes:
            if n_ not in e.notes:
                e.notes.append(n_)
        e.results.extend(c.results)
    for c in group:  # the venue/year of the enclosing heading, when the lines give none
        e.venue = e.venue or c.context_venue
        e.year = e.year or c.context_year
    e.links.sort(key=lambda ln: 0 if ln.label == "" else 1)
    for ln in e.links:
        aid = arxiv_id_from_url(ln.url)
        if aid and ln.kind in ("paper", "pdf"):
            e.arxiv_id = aid
            break
    for i in members:
        c = cands[i]
        e.mentions.append(Mention(topic=c.topic, form=c.form, line=c.start + 1, text=lines[i],
                                  key=mention_key(c), evidence=evidence.get(i, "")))
    e.kind = kind_of(e, group, linked_list)
    return e


def _caps(title: str) -> int:
    return sum(1 for w in title.split() if w[:1].isupper())


def kind_of(e: Entry, group: list[Candidate], linked_list: bool = False) -> str:
    """What the entry is: the topic names say talk/blog/dataset/challenge/list; paper evidence
    (venue, year, paper link, a results row) says paper; a repository link says code. In a list
    whose works mostly link their paper (``linked_list``), a work with neither a paper link nor a
    venue is what its links say it is (a blog post, a talk, a repository, a page)."""
    names = [t.rsplit("/", 1)[-1] for t in e.topics]
    paper_link = any(_paper_link(ln) for ln in e.links)
    in_table = any(c.form == "row" for c in group)
    said = next((c.fields.kind for c in group if c.fields.kind), None)
    if said is not None and not paper_link:
        return said  # ``【Type: Benchmark】`` and no paper: the list says what it is
    own = _kind_from_evidence(e, paper_link)
    if own is not None:
        return own
    for rx, kind in ((_TALK, "talk"), (_BLOG, "blog"), (_DATASET, "dataset"), (_CHALLENGE, "challenge")):
        if kind == "challenge" and (paper_link or e.venue):
            continue  # "Cooperation and competition": a topic's word, not a contest
        if names and all(rx.search(n) for n in names):
            return kind
    first = e.links[0] if e.links else None
    if first and first.kind == "code" and re.search(r"/awesome[-_]", first.url, re.I) and not paper_link:
        return "list"
    if names and all(_LIST.search(n) for n in names) and not paper_link and not e.venue:
        return "list"
    if linked_list and not paper_link and not e.venue and not e.arxiv_id and not in_table:
        if e.links:
            return _kind_of_links(e)
        if not e.year:
            return "resource"  # ``[ ] Add newly published papers``: a to-do, a note
    if in_table or e.venue or e.year or e.arxiv_id or paper_link or any(c.form in ("record", "heading") for c in group):
        return "paper"
    words = e.title.split()
    repo_like = len(words) <= 3 or not title_case(e.title)
    if any(c.form == "code" for c in group) or (first and first.kind == "code" and repo_like):
        return "code"
    if names and all(_CODE_TOPIC.search(n) for n in names) and repo_like:
        return "code"
    if names and all(_CONCEPT.search(n) for n in names):
        return "resource"
    if (not e.links and len(words) >= 3 and e.title[:1].isupper() and title_case(e.title)) or \
            (len(words) >= 4 and e.title[:1].isupper()):
        return "paper"
    return "resource"


#: Link texts that say a link is a talk or its slides, a blog post, or a news page.
_TALK_LABEL = re.compile(r"^(?:slides?|talk|video|youtube|recording|keynote|lecture|tutorial)$", re.I)
_BLOG_URL = re.compile(r"(?:^|[./])(?:blog|medium|substack|wordpress|blogspot)[./]|/(?:blog|posts?|news|articles?)/", re.I)
#: A venue or title word that says the work is a book, a standard or a status, not a paper.
_NOT_PAPER_VENUE = re.compile(r"^(?:book|textbook|standard|thesis|phd thesis|lecture notes?|course)\b", re.I)
_NOT_PAPER_TITLE = re.compile(r"^(?:IEEE|ISO|IETF|RFC)\s+(?:Std|Standard)\b|^\d{4}[./-]\d{1,2}(?:[./-]\d{1,2})?\s*[-–:]", re.I)
_STATUS_PART = re.compile(r"[,.]\s*(?:Book|Textbook|Standard|Lecture Notes|Course)(?:\s+(?:19|20)\d\d)?\s*(?:[\[(.,]|$)")
#: A list is one of linked papers when this share of its works link a paper.
LINKED_LIST_SHARE = 0.5


def _kind_from_evidence(e: Entry, paper_link: bool) -> str | None:
    """A kind the entry's own words say, whatever its links: a book, a standard, a release note,
    a talk (only slides and talk links)."""
    if e.venue and _NOT_PAPER_VENUE.match(e.venue):
        return "resource"
    if any(_STATUS_PART.search(m.text.split("\n", 1)[0]) for m in e.mentions[:1]):
        return "resource"  # ``Readings in Database Systems (5th Edition), Book 2015``
    if _NOT_PAPER_TITLE.match(e.title or ""):
        return "resource"
    if e.links and not paper_link and not e.venue and all(_BLOG_URL.search(ln.url) for ln in e.links):
        return "blog"
    if e.links and not e.venue and all(ln.kind == "video" or _TALK_LABEL.match(strip_markup(ln.label or "").strip("[] "))
                                       for ln in e.links):
        return "talk"  # a recording and its slides
    return None


def _kind_of_links(e: Entry) -> str:
    first = e.links[0]
    if first.kind == "code":
        return "code"
    if first.kind == "video":
        return "talk"
    if _BLOG_URL.search(first.url):
        return "blog"
    return "resource"


#: Link texts that say the link is the paper, whatever its host (``[[paper]](chemrxiv...)``).
_PAPER_LABEL = re.compile(r"^(?:paper|pdf|arxiv|article|preprint|full text|publication)\b", re.I)


def _paper_link(ln) -> bool:
    return ln.kind in ("paper", "pdf") or bool(_PAPER_LABEL.match(strip_markup(ln.label or "").strip("[] ")))


def linked_list(cands: list[Candidate]) -> bool:
    """Do most of the list's works (its non-table mentions) link their paper?"""
    works = [c for c in cands if c.form != "row"]
    linked = sum(1 for c in works if any(_paper_link(ln) for ln in c.fields.links))
    return bool(works) and linked >= LINKED_LIST_SHARE * len(works)


def assemble(cands: list[Candidate], lines: dict[int, str], decisions: list[dict] | None = None) -> list[Entry]:
    """Entries in order of first mention, with unique ids (other mentions' ids as aliases)."""
    groups, evidence = group(cands, decisions)
    taken: set[str] = set()
    entries = []
    linked = linked_list(cands)
    for members in groups:
        e = build_entry(cands, members, evidence, lines, linked)
        e.id = unique_id(e.id, taken)
        entries.append(e)
    ids = set(taken)
    for e in entries:
        for m in e.mentions:
            if m.key and m.key != e.id and m.key not in e.aliases and m.key not in ids:
                e.aliases.append(m.key)
    return entries
