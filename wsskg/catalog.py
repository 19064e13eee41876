"""The catalog model: plain dataclasses for topics and entries, their dict form, and validation.

Nothing here does I/O; ``wsskg.store`` reads and writes files, ``wsskg.formats.markdown`` builds a
catalog from a reading list. The dict form is what ``catalog.yaml`` holds: empty fields are
left out so the file stays pleasant to read and ``git diff`` stays small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Iterable, Iterator

from wsskg.errors import AmbiguousReference, CatalogError, PaperNotFound, WsskgError
from wsskg.text import STOP_WORDS, normalize_title  # noqa: F401  (re-exported)

FORMAT_VERSION = 1
#: What an entry is. Navigation (a table of contents) and badges are never entries.
KINDS = ("paper", "code", "dataset", "challenge", "talk", "blog", "list", "resource")
STATUSES = ("unread", "reading", "read")
#: How far along a status is, for "the more advanced of two" decisions (merging duplicates).
STATUS_RANK = {s: i for i, s in enumerate(STATUSES)}
#: How the list wrote an entry: ``checkbox`` (``- [ ]``), ``bullet`` (``-``/``*``/``+``),
#: ``line`` (a paragraph line). Table rows are not a form: an entry with ``results`` for a
#: topic is a row of that topic's results table.
FORMS = ("checkbox", "bullet", "line")
#: How one mention of a work is written: a list item (``bullet``, ``checkbox``, ``numbered``), a
#: table ``row``, a ``heading`` with the lines under it, a multi-line ``record`` (title line,
#: indented link lines, authors), a ``code`` line (``[repo](url) description``), a paper link in
#: ``prose``, or a paragraph ``line``.
MENTION_FORMS = ("bullet", "checkbox", "numbered", "row", "heading", "record", "code", "prose", "line")
LINK_KINDS = ("paper", "pdf", "code", "web", "video")
#: Fields kept out of catalog.yaml, in the sidecar file (see ``wsskg.store``).
BULKY_FIELDS = ("abstract", "references", "cited_by")

_ARXIV_NEW = r"\d{4}\.\d{4,5}"
_ARXIV_OLD = r"[a-z][a-z.\-]+/\d{7}"
ARXIV_ID_RE = re.compile(rf"^(?:{_ARXIV_NEW}|{_ARXIV_OLD})(?:v\d+)?$", re.I)
_ARXIV_URL_RE = re.compile(
    rf"arxiv\.org/(?:abs|pdf|ftp/arxiv/papers/\d{{4}})/({_ARXIV_NEW}|{_ARXIV_OLD})(?:v\d+)?", re.I
)


@dataclass
class Link:
    """One URL of an entry, with the text the list gave it (``code``, ``part 1``) and its kind.

    An empty label means the link was on the entry's title (``[Title](url)``); a label equal to
    the URL means the list wrote the bare URL."""

    url: str
    label: str = ""
    kind: str = "web"

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"url": self.url}
        if self.label:
            d["label"] = self.label
        d["kind"] = self.kind
        return d


@dataclass
class Result:
    """One row of a results table (e.g. the seed's Top Works): the scores the list reported."""

    table: str  # topic path of the table
    values: dict[str, str] = field(default_factory=dict)  # column -> cell text ("61.4")
    bold: list[str] = field(default_factory=list)  # columns the list set in bold
    note: str = ""

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"table": self.table, "values": dict(self.values)}
        if self.bold:
            d["bold"] = list(self.bold)
        if self.note:
            d["note"] = self.note
        return d


@dataclass
class Prose:
    """Free text under a heading, kept verbatim, placed after ``after`` (an entry id) or first."""

    text: str
    after: str | None = None

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"text": self.text}
        if self.after:
            d["after"] = self.after
        return d


@dataclass
class Mention:
    """One place the imported list names the work: its topic, form and 1-based line number.

    ``text`` is the mention's lines verbatim (the exporter gives them back byte for byte),
    ``key`` the id the mention alone would get (user decisions refer to it, so they survive a
    re-import), ``evidence`` why the identity pass joined it to the entry ("" for the first),
    ``doc`` the file it came from when that is not the catalog's own list (``import --merge``)."""

    topic: str
    form: str
    line: int
    text: str = ""
    key: str = ""
    evidence: str = ""
    doc: str = ""

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"topic": self.topic, "form": self.form, "line": self.line}
        for name in ("key", "evidence", "doc", "text"):
            if getattr(self, name):
                d[name] = getattr(self, name)
        return d


@dataclass
class Topic:
    """A heading of the list. ``path`` is the names from the top joined by ``/``."""

    path: str
    name: str
    level: int = 2
    anchor: str | None = None  # set when the list used an HTML heading with an id
    prose: list[Prose] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # set for a results-table topic

    @property
    def parent(self) -> str | None:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else None

    @property
    def depth(self) -> int:
        return self.path.count("/")

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"path": self.path}
        if self.name != self.path.rsplit("/", 1)[-1]:
            d["name"] = self.name
        d["level"] = self.level
        if self.anchor:
            d["anchor"] = self.anchor
        if self.columns:
            d["columns"] = list(self.columns)
        if self.prose:
            d["prose"] = [p.to_dict() for p in self.prose]
        return d


@dataclass
class Entry:
    """A paper, code repository or other resource of the list.

    ``title``, ``venue``, ``notes`` and ``links`` are what the list said and are never rewritten
    by enrichment; enrichment fills the id fields, ``authors``, ``canonical_title`` and friends.
    """

    id: str
    title: str
    kind: str = "paper"
    short_name: str | None = None  # the list's acronym for it (``WSGCN``, ``psa``)
    aliases: list[str] = field(default_factory=list)  # other ids it was known by (resolve finds them)
    status: str = "unread"
    read_on: str | None = None
    added: str | None = None  # YYYY-MM-DD, set by `wsskg add` / `wsskg watch --add` (for export --since)
    topics: list[str] = field(default_factory=list)
    form: str = "checkbox"
    venue: str | None = None
    year: int | None = None
    links: list[Link] = field(default_factory=list)
    comment: str = ""  # the list's remark on the entry's own line ("Title: comment")
    notes: list[str] = field(default_factory=list)  # sub-bullets and continuation lines
    results: list[Result] = field(default_factory=list)
    arxiv_id: str | None = None
    s2_id: str | None = None
    doi: str | None = None
    authors: list[str] = field(default_factory=list)
    canonical_title: str | None = None
    canonical_venue: str | None = None
    canonical_year: int | None = None
    citation_count: int | None = None
    match: dict[str, Any] = field(default_factory=dict)  # provenance of enrichment
    mentions: list[Mention] = field(default_factory=list)  # every place the list names it
    #: a link of the list that enrichment found to name another paper: ``{url, id, reason}``;
    #: the link stays in ``links`` as the list wrote it, its id is not used (wsskg.enrich)
    wrong_link: dict[str, Any] = field(default_factory=dict)
    abstract: str | None = None  # bulky: stored in the sidecar
    references: list[str] = field(default_factory=list)  # bulky: S2 paperIds it cites
    cited_by: list[str] = field(default_factory=list)  # bulky: S2 paperIds that cite it
    # -- the bibliographic record (BibTeX / CSL-JSON import; written back on export) -----------
    entry_type: str | None = None  # BibTeX entry type as imported ("article"); None: chosen on export
    citekey: str | None = None  # the citation key, written back unchanged (the id may differ)
    tags: list[str] = field(default_factory=list)  # the user's tags (BibTeX keywords, Zotero tags)
    editors: list[str] = field(default_factory=list)
    volume: str | None = None
    number: str | None = None
    pages: str | None = None
    month: str | None = None
    publisher: str | None = None
    address: str | None = None
    edition: str | None = None
    series: str | None = None
    isbn: str | None = None
    issn: str | None = None
    language: str | None = None
    file: str | None = None  # Zotero/JabRef attachment field, verbatim
    venue_field: str | None = None  # the BibTeX field ``venue`` came from, when not the type's usual one
    extra: dict[str, str] = field(default_factory=dict)  # every other field, name -> raw value
    #: BibTeX fields as the imported file wrote them (name -> value with its braces), where that
    #: differs from what wsskg would write: written back while the entry still says the same
    as_written: dict[str, str] = field(default_factory=dict)

    @property
    def display_title(self) -> str:
        """The title for tables and graphs: the list's wording without Markdown emphasis."""
        title = self.title
        if "**" in title or "__" in title:  # the regular expression only where it can match
            title = re.sub(r"(\*\*|__)(.+?)\1", r"\2", title)
        title = title.strip()
        return title or (self.links[0].url if self.links else self.id)

    def to_dict(self, bulky: bool = False) -> dict:
        """The entry as catalog.yaml writes it: fixed key order, empty fields left out."""
        d: dict[str, Any] = {"id": self.id, "title": self.title, "kind": self.kind, "status": self.status}
        if self.short_name:
            d["short_name"] = self.short_name
        if self.aliases:
            d["aliases"] = list(self.aliases)
        if self.read_on:
            d["read_on"] = self.read_on
        if self.added:
            d["added"] = self.added
        d["topics"] = list(self.topics)
        if self.form != "checkbox":
            d["form"] = self.form
        for name in ("venue", "year", "arxiv_id", "s2_id", "doi"):
            value = getattr(self, name)
            if value is not None:
                d[name] = value
        if self.authors:
            d["authors"] = list(self.authors)
        if self.links:
            d["links"] = [link.to_dict() for link in self.links]
        if self.comment:
            d["comment"] = self.comment
        if self.notes:
            d["notes"] = list(self.notes)
        if self.results:
            d["results"] = [r.to_dict() for r in self.results]
        for name in ("canonical_title", "canonical_venue", "canonical_year", "citation_count"):
            value = getattr(self, name)
            if value is not None:
                d[name] = value
        if self.match:
            d["match"] = dict(self.match)
        if self.mentions:
            d["mentions"] = [m.to_dict() for m in self.mentions]
        if self.wrong_link:
            d["wrong_link"] = dict(self.wrong_link)
        d.update(self.record_dict())
        if bulky:
            if self.abstract:
                d["abstract"] = self.abstract
            if self.references:
                d["references"] = list(self.references)
            if self.cited_by:
                d["cited_by"] = list(self.cited_by)
        return d

    def record_dict(self) -> dict:
        """The bibliographic record fields that are set, in :data:`RECORD_FIELDS` order."""
        d: dict[str, Any] = {}
        for name in RECORD_FIELDS:
            value = getattr(self, name)
            if value:
                d[name] = dict(value) if isinstance(value, dict) else list(value) if isinstance(value, list) else value
        return d

    def to_json(self) -> dict:
        """The entry for ``--json`` output: every documented key present, even when empty."""
        d = self.to_dict(bulky=True)
        for name in ("short_name", "venue", "year", "arxiv_id", "s2_id", "doi", "abstract", "read_on"):
            d.setdefault(name, getattr(self, name))
        for name in ("aliases", "authors", "links", "notes"):
            d.setdefault(name, [])
        d["mentions"] = [{"topic": m.topic, "form": m.form, "line": m.line} for m in self.mentions]
        d.setdefault("comment", self.comment)
        d.setdefault("tags", [])
        d.setdefault("citekey", self.citekey)
        return d


#: The bibliographic record fields of :class:`Entry`, in catalog.yaml order (see ``wsskg.formats``).
RECORD_FIELDS = ("entry_type", "citekey", "tags", "editors", "volume", "number", "pages", "month", "publisher",
                 "address", "edition", "series", "isbn", "issn", "language", "file", "venue_field", "extra",
                 "as_written")
_RECORD_LISTS = ("tags", "editors")
_RECORD_MAPS = ("extra", "as_written")


@dataclass
class Catalog:
    """The whole reading list: document title and intro, topics in order, entries in order."""

    title: str | None = None
    intro: list[Prose] = field(default_factory=list)  # prose under the title, before any topic
    preamble: str | None = None  # lines before the title (badges)
    toc: bool = False  # the list had a table of contents: export regenerates one
    topics: list[Topic] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    #: Papers outside the catalog that catalog papers cite or are cited by, keyed by S2
    #: paperId: ``{title, year, venue, authors, arxiv_id, doi, citation_count}``. Bulky: sidecar.
    external: dict[str, dict] = field(default_factory=dict)
    #: The imported file as it was: verbatim text runs (str) and mentions (int: the ``line`` of
    #: an entry's mention). Joined, they give the file back byte for byte (``wsskg.export``).
    layout: list[str | int] = field(default_factory=list)
    #: The user's identity decisions, kept across re-imports: ``{"same": [key, key]}`` and
    #: ``{"not_same": [key, key]}`` where a key is an entry id, alias or mention key.
    decisions: list[dict] = field(default_factory=list)

    # -- lookups -------------------------------------------------------------------------
    def by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.entries}

    def get(self, entry_id: str) -> Entry | None:
        for e in self.entries:
            if e.id == entry_id:
                return e
        return None

    def topic(self, path: str) -> Topic | None:
        for t in self.topics:
            if t.path == path:
                return t
        return None

    def entries_in(self, topic_path: str, recursive: bool = False) -> list[Entry]:
        pre = topic_path + "/"
        return [
            e
            for e in self.entries
            if any(t == topic_path or (recursive and t.startswith(pre)) for t in e.topics)
        ]

    def to_dict(self, bulky: bool = False) -> dict:
        d = self.header_dict()
        d["entries"] = [e.to_dict(bulky=bulky) for e in self.entries]
        return d

    def header_dict(self) -> dict:
        """Everything catalog.yaml holds before ``entries:`` (the derived index stores it
        apart from the entry rows)."""
        d: dict[str, Any] = {"wsskg": FORMAT_VERSION}
        if self.title is not None:
            d["title"] = self.title
        if self.preamble:
            d["preamble"] = self.preamble
        if self.intro:
            d["intro"] = [p.to_dict() for p in self.intro]
        if self.toc:
            d["toc"] = True
        d["topics"] = [t.to_dict() for t in self.topics]
        if self.decisions:
            d["decisions"] = [dict(x) for x in self.decisions]
        if self.layout:
            d["layout"] = list(self.layout)
        return d


# -- text helpers used by the importers, search and reference resolution -------------------

# Title folding and the stop words live in ``wsskg.text``, venues in ``wsskg.venues``;
# re-exported here because most modules import them with the model.
_STOP = STOP_WORDS


def slugify(title: str, year: int | None = None, words: int = 3) -> str:
    """A short typable id: the first significant title words, and the year when known."""
    norm = normalize_title(title[:500])
    parts: list[str] = []
    for w in norm.split():
        w = re.sub(r"[^a-z0-9]", "", w)
        if w and w not in _STOP:
            parts.append(w)
            if len(parts) == words:
                break
    if not parts:
        parts = [re.sub(r"[^a-z0-9]", "", w) for w in norm.split()[:words]]
        parts = [p for p in parts if p] or ["entry"]
    slug = "-".join(parts)
    if year:
        slug += f"-{year}"
    if not slug[0].isalpha():
        slug = "e" + slug
    return slug


def unique_id(base: str, taken: set[str]) -> str:
    """``base``, or ``base-b``, ``base-c``... whichever is free; records the choice in ``taken``."""
    if base not in taken:
        taken.add(base)
        return base
    n = 2
    while True:
        suffix = _alpha(n)
        cand = f"{base}-{suffix}"
        if cand not in taken:
            taken.add(cand)
            return cand
        n += 1


def _alpha(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(97 + r) + s
    return s


def arxiv_id_from_url(url: str) -> str | None:
    """The arXiv id (without version) of an arxiv.org abs/pdf URL, else None."""
    m = _ARXIV_URL_RE.search(url or "")
    if not m:
        return None
    return m.group(1).removesuffix(".pdf")


def strip_arxiv_version(arxiv_id: str) -> str:
    """``1234.5678v2`` -> ``1234.5678`` (a version suffix dropped; called per entry in graph work:
    string methods, not a regular expression)."""
    s = arxiv_id.strip()
    i = s.rfind("v")
    return s[:i] if i >= 0 and s[i + 1:].isdecimal() else s


def link_kind(url: str) -> str:
    """Classify a URL: ``paper`` (an abstract page), ``pdf``, ``code``, ``video`` or ``web``."""
    u = url.lower()
    host = re.sub(r"^[a-z]+://", "", u).split("/", 1)[0]
    if host.removeprefix("www.") in ("github.com", "gitlab.com", "bitbucket.org"):
        return "code"
    if "youtube.com" in host or "youtu.be" in host or "vimeo.com" in host or "iqiyi.com" in host:
        return "video"
    path = u.split("?", 1)[0].split("#", 1)[0]
    if path.endswith(".pdf") or "arxiv.org/pdf/" in u or "/ftp/arxiv/papers/" in u:
        return "pdf"
    if any(h in host for h in PAPER_HOSTS) or "/doi/" in path:
        return "paper"
    return "web"


#: Hosts whose pages are papers (abstract pages, proceedings): ``link_kind`` says ``paper``.
PAPER_HOSTS = (
    "arxiv.org", "doi.org", "semanticscholar.org", "ieeexplore", "sciencedirect", "dl.acm.org",
    "openaccess.thecvf.com", "thecvf.com", "springer", "openreview.net", "aaai.org", "papers.nips.cc",
    "proceedings.neurips.cc", "proceedings.mlr.press", "aclweb.org", "aclanthology", "ecva.net", "bmva.org",
    "ijcai.org",
)


# -- validation and the dict form ------------------------------------------------------------

def _err(msg: str, path: object, line: int | None = None) -> CatalogError:
    return CatalogError(msg, path=path, line=line)


def from_dict(data: Any, path: object = "catalog.yaml", line_of: "callable | None" = None,
              progress: "callable | None" = None) -> Catalog:
    """Build and validate a :class:`Catalog` from the parsed YAML.

    Raises :class:`CatalogError` naming the entry and the problem; ``line_of(entry_id)`` gives
    the line of an entry for the message when the caller knows the text; ``progress(done,
    total)`` hears of the entries validated, every :data:`_PROGRESS_STEP`.
    """
    where = (lambda eid: line_of(eid) if (line_of and eid) else None)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _err(f"expected a mapping at the top level, found {type(data).__name__}", path, 1)
    version = data.get("wsskg", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise _err(f"unsupported catalog format version {version!r} (this wsskg reads {FORMAT_VERSION})", path)
    unknown = set(data) - {"wsskg", "title", "preamble", "intro", "toc", "topics", "entries", "layout", "decisions"}
    if unknown:
        raise _err(f"unknown top-level key(s): {', '.join(sorted(map(str, unknown)))}", path)

    cat = Catalog(
        title=_opt_str(data.get("title"), "title", path),
        preamble=_opt_str(data.get("preamble"), "preamble", path),
        intro=[_prose(p, path, "intro") for p in _list(data.get("intro"), "intro", path)],
        toc=bool(data.get("toc", False)),
        layout=_layout(data.get("layout"), path),
        decisions=_decisions(data.get("decisions"), path),
    )
    seen_topics: set[str] = set()
    for i, t in enumerate(_list(data.get("topics"), "topics", path)):
        if not isinstance(t, dict) or not isinstance(t.get("path"), str) or not t["path"].strip():
            raise _err(f"topic #{i + 1}: needs a non-empty 'path'", path)
        tp = t["path"]
        if tp in seen_topics:
            raise _err(f"duplicate topic path {tp!r}", path)
        seen_topics.add(tp)
        level = t.get("level", 2)
        if not isinstance(level, int) or not 1 <= level <= 6:
            raise _err(f"topic {tp!r}: level must be 1..6, got {level!r}", path)
        cat.topics.append(
            Topic(
                path=tp,
                name=_topic_name(t.get("name"), tp, path),
                level=level,
                anchor=_opt_str(t.get("anchor"), f"topic {tp!r} anchor", path),
                columns=[str(c) for c in _list(t.get("columns"), f"topic {tp!r} columns", path)],
                prose=[_prose(p, path, f"topic {tp!r}") for p in _list(t.get("prose"), f"topic {tp!r} prose", path)],
            )
        )

    ids: dict[str, int] = {}
    for i, raw in enumerate(_list(data.get("entries"), "entries", path)):
        if not isinstance(raw, dict):
            raise _err(f"entry #{i + 1}: expected a mapping, found {type(raw).__name__}", path)
        eid = raw.get("id")
        if not isinstance(eid, str) or not _ID_RE.fullmatch(eid):
            raise _err(
                f"entry #{i + 1}: id must be a word of letters, digits and - _ . : + starting with a letter, got {eid!r}",
                path,
                where(eid if isinstance(eid, str) else None),
            )
        if eid in ids:
            raise _err(f"duplicate id {eid!r} (entries #{ids[eid] + 1} and #{i + 1})", path, where(eid))
        ids[eid] = i
        cat.entries.append(_entry(raw, eid, path, where(eid), seen_topics))
        if progress is not None and (i + 1) % _PROGRESS_STEP == 0:
            progress(i + 1, len(data["entries"]))
    return cat


#: Entries validated between two progress reports.
_PROGRESS_STEP = 2000


#: What an entry id may be: a word of letters, digits and ``- _ . : +`` starting with a letter.
_ID_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.:+\-]*")
#: The keys an entry of catalog.yaml may have (computed once: validation runs per entry).
_ENTRY_FIELDS = frozenset(f.name for f in fields(Entry))


def parse_entry(raw: dict, path: object = "catalog.yaml") -> Entry:
    """One entry from its mapping as catalog.yaml holds it, checked the way a whole catalog's
    entries are (topics are taken as declared)."""
    return _entry(raw, raw.get("id"), path, None, set(raw.get("topics") or ()))


def _entry(raw: dict, eid: str, path: object, line: int | None, topics: set[str]) -> Entry:
    def bad(msg: str) -> CatalogError:
        return _err(f"entry {eid!r}: {msg}", path, line)

    unknown = raw.keys() - _ENTRY_FIELDS
    if unknown:
        raise bad(f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
    title = raw.get("title", "")
    if title is None:
        title = ""
    if not isinstance(title, str):
        raise bad(f"title must be text, got {type(title).__name__}")
    kind = raw.get("kind", "paper")
    if kind not in KINDS:
        raise bad(f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    status = raw.get("status", "unread")
    if status not in STATUSES:
        raise bad(f"unknown status {status!r} (expected one of {', '.join(STATUSES)})")
    form = raw.get("form", "checkbox")
    if form not in FORMS and form not in MENTION_FORMS:
        raise bad(f"unknown form {form!r} (expected one of {', '.join(FORMS)})")
    mentions = []
    for j, m in enumerate(raw.get("mentions") or []):
        if not isinstance(m, dict) or not isinstance(m.get("topic"), str) or m.get("form") not in MENTION_FORMS \
                or not isinstance(m.get("line"), int) or isinstance(m.get("line"), bool):
            raise bad(f"mention #{j + 1} needs a topic, a form ({', '.join(MENTION_FORMS)}) and a line number")
        mentions.append(Mention(topic=m["topic"], form=m["form"], line=m["line"], text=str(m.get("text") or ""),
                                key=str(m.get("key") or ""), evidence=str(m.get("evidence") or ""),
                                doc=str(m.get("doc") or "")))
    aliases = raw.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise bad("aliases must be a list of ids")
    entry_topics = raw.get("topics") or []
    if not isinstance(entry_topics, list) or not all(isinstance(t, str) for t in entry_topics):
        raise bad("topics must be a list of topic paths")
    for t in entry_topics:
        if t not in topics:
            raise bad(f"topic {t!r} is not in the topics list")
    year = raw.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 1000 <= year <= 2999):
        raise bad(f"year must be a 4-digit number, got {year!r}")
    read_on = raw.get("read_on")
    if read_on is not None:
        read_on = str(read_on)  # YAML may give a date object
    added = raw.get("added")
    if added is not None:
        added = str(added)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", added):
            raise bad(f"added must be a date YYYY-MM-DD, got {added!r}")
    links = []
    for j, ln in enumerate(raw.get("links") or []):
        if isinstance(ln, str):
            ln = {"url": ln}
        if not isinstance(ln, dict) or not isinstance(ln.get("url"), str):
            raise bad(f"link #{j + 1} needs a 'url'")
        lk = ln.get("kind") or link_kind(ln["url"])
        if lk not in LINK_KINDS:
            raise bad(f"link #{j + 1}: unknown kind {lk!r} (expected one of {', '.join(LINK_KINDS)})")
        links.append(Link(url=ln["url"], label=str(ln.get("label") or ""), kind=lk))
    results = []
    for j, r in enumerate(raw.get("results") or []):
        if not isinstance(r, dict) or not isinstance(r.get("table"), str):
            raise bad(f"result #{j + 1} needs a 'table'")
        values = r.get("values") or {}
        if not isinstance(values, dict):
            raise bad(f"result #{j + 1}: values must be a mapping")
        results.append(
            Result(
                table=r["table"],
                values={str(k): _cell(v) for k, v in values.items()},
                bold=[str(b) for b in r.get("bold") or []],
                note=str(r.get("note") or ""),
            )
        )
    notes = raw.get("notes") or []
    if not isinstance(notes, list):
        raise bad("notes must be a list")
    authors = raw.get("authors") or []
    if not isinstance(authors, list):
        raise bad("authors must be a list")
    refs = raw.get("references") or []
    if not isinstance(refs, list):
        raise bad("references must be a list")
    cited_by = raw.get("cited_by") or []
    if not isinstance(cited_by, list):
        raise bad("cited_by must be a list")
    arxiv_id = raw.get("arxiv_id")
    if arxiv_id is not None:
        arxiv_id = str(arxiv_id)
        if not ARXIV_ID_RE.match(arxiv_id):
            raise bad(f"arxiv_id {arxiv_id!r} is not an arXiv identifier")
    match = raw.get("match") or {}
    if not isinstance(match, dict):
        raise bad("match must be a mapping")
    wrong_link = raw.get("wrong_link") or {}
    if not isinstance(wrong_link, dict):
        raise bad("wrong_link must be a mapping")
    return Entry(
        id=eid,
        title=title,
        kind=kind,
        short_name=_opt_scalar(raw.get("short_name")),
        aliases=list(aliases),
        status=status,
        read_on=read_on,
        added=added,
        topics=list(entry_topics),
        form=form,
        venue=_opt_scalar(raw.get("venue")),
        year=year,
        links=links,
        comment=str(raw.get("comment") or ""),
        notes=[str(n) for n in notes],
        results=results,
        arxiv_id=arxiv_id,
        s2_id=_opt_scalar(raw.get("s2_id")),
        doi=_opt_scalar(raw.get("doi")),
        authors=[str(a) for a in authors],
        canonical_title=_opt_scalar(raw.get("canonical_title")),
        canonical_venue=_opt_scalar(raw.get("canonical_venue")),
        canonical_year=raw.get("canonical_year"),
        citation_count=raw.get("citation_count"),
        match=dict(match),
        mentions=mentions,
        wrong_link=dict(wrong_link),
        abstract=_opt_scalar(raw.get("abstract")),
        references=[str(r) for r in refs],
        cited_by=[str(r) for r in cited_by],
        **_record(raw, bad),
    )


def _layout(v: Any, path: object) -> list[str | int]:
    items = _list(v, "layout", path)
    for x in items:
        if isinstance(x, bool) or not isinstance(x, (str, int)):
            raise _err("layout items must be text or a mention's line number", path)
    return list(items)


def _decisions(v: Any, path: object) -> list[dict]:
    out = []
    for d in _list(v, "decisions", path):
        if not isinstance(d, dict) or len(d) != 1 or next(iter(d)) not in ("same", "not_same") \
                or not isinstance(next(iter(d.values())), list) or len(next(iter(d.values()))) != 2:
            raise _err("decisions are {same: [a, b]} or {not_same: [a, b]}", path)
        out.append({k: [str(x) for x in val] for k, val in d.items()})
    return out


def _record(raw: dict, bad) -> dict:
    """The bibliographic record fields of an entry mapping, validated (see :data:`RECORD_FIELDS`)."""
    out: dict[str, Any] = {}
    for name in RECORD_FIELDS:
        v = raw.get(name)
        if v is None:
            continue
        if name in _RECORD_LISTS:
            if not isinstance(v, list) or any(isinstance(x, (dict, list)) or x is None for x in v):
                raise bad(f"{name} must be a list of text")
            out[name] = [str(x) for x in v]
        elif name in _RECORD_MAPS:
            if not isinstance(v, dict) or any(isinstance(x, (dict, list)) or x is None for x in v.values()):
                raise bad(f"{name} must be a mapping of field names to text")
            out[name] = {str(k): _cell(x) for k, x in v.items()}
        else:
            if isinstance(v, (dict, list)):
                raise bad(f"{name} must be text, got {type(v).__name__}")
            out[name] = _cell(v)
    return out


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _topic_name(v: Any, tp: str, path: object) -> str:
    """A topic's name: the last part of its path unless the file says otherwise (``""`` too:
    an empty Markdown heading stays empty)."""
    name = _opt_str(v, f"topic {tp!r} name", path)
    return tp.rsplit("/", 1)[-1] if name is None else name


def _opt_scalar(v: Any) -> str | None:
    return None if v is None else str(v)


def _opt_str(v: Any, what: str, path: object) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str):
        raise _err(f"{what} must be text, got {type(v).__name__}", path)
    return v


def _list(v: Any, what: str, path: object) -> list:
    if v is None:
        return []
    if not isinstance(v, list):
        raise _err(f"{what} must be a list, got {type(v).__name__}", path)
    return v


def _prose(p: Any, path: object, where: str) -> Prose:
    if isinstance(p, str):
        return Prose(text=p)
    if not isinstance(p, dict) or not isinstance(p.get("text"), str):
        raise _err(f"{where}: prose items need a 'text'", path)
    return Prose(text=p["text"], after=p.get("after"))


# -- topics ---------------------------------------------------------------------------------------------

def topic_name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def resolve_topic(catalog: Catalog, name: str) -> str:
    """The topic path ``name`` means: a full path, or a unique last component or fragment,
    case-insensitively (``affinity`` -> ``Reading List/affinity``)."""
    wanted = (name or "").strip().strip("/")
    paths = _all_topic_paths(catalog)
    if wanted in paths:
        return wanted
    low = wanted.lower()
    for test in (
        lambda p: p.lower() == low,
        lambda p: topic_name(p).lower() == low,
        lambda p: p.lower().endswith("/" + low),
        lambda p: low in p.lower(),
    ):
        hits = [p for p in paths if test(p)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            shown = ", ".join(repr(h) for h in hits[:8])
            raise WsskgError(f"topic {name!r} matches {len(hits)} topics: {shown}; give more of the path")
    some = ", ".join(topic_name(p) for p in paths[:12])
    raise WsskgError(f"no topic matches {name!r}" + (f"; topics include: {some}" if some else "; the catalog has no topics")
                     + "; see `wsskg topics`")


def _all_topic_paths(catalog: Catalog) -> list[str]:
    seen: dict[str, None] = {}
    for t in catalog.topics:
        seen.setdefault(t.path)
    for e in catalog.entries:
        for p in e.topics:
            seen.setdefault(p)
    return list(seen)



# -- reference resolution -----------------------------------------------------------------------

#: The kinds of look-up :func:`resolve_with` asks of its ``find``, in the order it asks them.
LOOKUPS = ("id", "id_lower", "alias", "short_name", "arxiv", "doi", "s2", "title", "title_part")


def resolve_with(ref: str, find: Callable[[str, str], list[Entry]], closest: Callable[[str], list[str]]) -> Entry:
    """The one rule of what ``ref`` names, over any store of entries: ``find(kind, value)``
    answers one look-up (a kind of :data:`LOOKUPS`; ``value`` is already lower-cased, an
    arXiv id without version, or a normalised title) with the matching entries in list order,
    ``closest(ref)`` names the nearest entries for the error. An id, then the same id in
    another case, an alias (an id it had before identities were merged), its short name, an
    arXiv id or URL, a DOI, an S2 id, an exact (normalised) title, a title fragment. Raises
    :class:`AmbiguousReference` listing the candidates, or :class:`PaperNotFound`."""
    ref = (ref or "").strip()
    if not ref:
        raise PaperNotFound(ref)
    hits = find("id", ref)
    if hits:
        return hits[0]
    lowered = ref.lower()
    for kind in ("id_lower", "alias", "short_name"):
        hits = find(kind, lowered)
        if len(hits) == 1:
            return hits[0]
    ax = arxiv_id_from_url(ref) or (strip_arxiv_version(ref) if ARXIV_ID_RE.match(ref) else None)
    if ax:
        hits = find("arxiv", ax)
        if len(hits) > 1:
            raise AmbiguousReference(ref, [candidate_line(e) for e in hits])
        if hits:
            return hits[0]
    for kind in ("doi", "s2"):
        hits = find(kind, lowered)
        if len(hits) == 1:
            return hits[0]
    norm = normalize_title(ref)
    if norm:
        for kind in ("title", "title_part"):
            hits = find(kind, norm)
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                raise AmbiguousReference(ref, [candidate_line(e) for e in hits])
    raise PaperNotFound(ref, closest(ref))


def resolve(catalog: Catalog, ref: str) -> Entry:
    """The entry of ``catalog`` that ``ref`` names (:func:`resolve_with`'s rule, looked up in
    the entries in memory: for code that edits them; queries ask the index)."""
    entries = catalog.entries

    def find(kind: str, v: str) -> list[Entry]:
        # one comprehension per look-up (a test function called per entry was 2-3x slower)
        if kind == "id":
            return [e for e in entries if e.id == v]
        if kind == "id_lower":
            return [e for e in entries if e.id.lower() == v]
        if kind == "alias":
            return [e for e in entries if any(a.lower() == v for a in e.aliases)]
        if kind == "short_name":
            return [e for e in entries if e.short_name and e.short_name.lower() == v]
        if kind == "arxiv":
            return [e for e in entries if e.arxiv_id and strip_arxiv_version(e.arxiv_id) == v]
        if kind == "doi":
            return [e for e in entries if (e.doi or "").lower() == v]
        if kind == "s2":
            return [e for e in entries if (e.s2_id or "").lower() == v]
        if kind == "title":
            return [e for e in entries if normalize_title(e.title) == v
                    or (e.canonical_title and normalize_title(e.canonical_title) == v)]
        if kind == "title_part":
            return [e for e in entries if v in normalize_title(e.title)
                    or (e.canonical_title and v in normalize_title(e.canonical_title))]
        raise ValueError(f"unknown look-up {kind!r}")

    return resolve_with(ref, find, lambda r: closest(catalog, r))


def describe(e: Entry) -> str:
    """An entry in a "did you mean" list: its id and (shortened) title."""
    title = e.display_title
    if len(title) > 60:
        title = title[:57] + "..."
    return f"{e.id} ({title})"


def candidate_line(e: Entry) -> str:
    """One candidate of an ambiguous reference: id, year, title (one per line in the error)."""
    year = e.year if e.year is not None else e.canonical_year
    title = e.display_title
    if len(title) > 70:
        title = title[:67] + "..."
    return f"{e.id}  {year or '----'}  {title}"


def closest(catalog: Catalog, ref: str, limit: int = 3) -> list[str]:
    """The entries whose id or title is nearest to ``ref`` (for "did you mean")."""
    from rapidfuzz import fuzz, process

    choices = {e.id: f"{e.id} {normalize_title(e.title)}" for e in catalog.entries}
    found = process.extract(ref.lower(), choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=50)
    by_id = catalog.by_id()
    return [describe(by_id[key]) for _, _, key in found]


def iter_urls(catalog: Catalog) -> Iterator[str]:
    """Every URL the catalog holds: links, and URLs inside notes, prose and results notes."""
    for p in catalog.intro:
        yield from find_urls(p.text)
    if catalog.preamble:
        yield from find_urls(catalog.preamble)
    for t in catalog.topics:
        for p in t.prose:
            yield from find_urls(p.text)
    for e in catalog.entries:
        yield from entry_urls(e)


def entry_urls(e: Entry) -> Iterator[str]:
    """Every URL of one entry: its links, and URLs inside link labels, comment, notes and
    results notes."""
    for ln in e.links:
        yield ln.url
        if ln.label != ln.url:
            yield from find_urls(ln.label)
    yield from find_urls(e.comment)
    for n in e.notes:
        yield from find_urls(n)
    for r in e.results:
        yield from find_urls(r.note)


_URL_RE = re.compile(r"https?://[^\s<>()\[\]\"'`,]+(?:\([^\s<>()]*\)[^\s<>()\[\]\"'`,]*)*")


def find_urls(text: str) -> Iterable[str]:
    """http(s) URLs in free text (trailing punctuation trimmed)."""
    for m in _URL_RE.finditer(text or ""):
        yield m.group(0).rstrip(".;:!?*")
