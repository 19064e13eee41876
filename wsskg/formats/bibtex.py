"""BibTeX in and out.

:func:`parse_bibtex` reads what Zotero, JabRef, Better BibTeX, pubs or papis export (with
bibtexparser; LaTeX is decoded to Unicode with pylatexenc) into a :class:`Catalog`.
:func:`to_bibtex` writes the paper entries of a catalog as BibTeX that bibtexparser and
``biber --tool`` read back; ``parse_bibtex(to_bibtex(entries))`` gives the same entries on the
fields BibTeX carries (id, title, authors, year, venue, doi, arXiv id, url, abstract,
keywords/topics, notes).

Field mapping (import):

==================================  =========================================================
BibTeX                              Entry
==================================  =========================================================
citekey                             ``id`` (when it is a valid id, else a slug of the title)
title                               ``title`` (LaTeX decoded, braces removed)
author                              ``authors`` ("Last, First" -> "First Last")
year / date                         ``year``
booktitle / journal / journaltitle  ``venue`` (first present; then ``howpublished``, then
/ howpublished / publisher          ``publisher``/``school``/``institution`` for books/theses)
doi                                 ``doi`` (a ``https://doi.org/`` prefix is dropped)
eprint + archivePrefix=arXiv,       ``arxiv_id`` (also from an arxiv.org ``url``, an arXiv
arxivid, arXiv DOI, url             DOI ``10.48550/arXiv.*`` or ``arXiv:ID`` in journal/note)
url                                 ``links`` (one link, kind from the URL)
abstract                            ``abstract``
keywords                            ``topics`` (each keyword a topic path; ``A/B`` nests)
note, annote                        ``notes``
readstatus (JabRef)                 ``status`` (read -> read, skimmed -> reading)
==================================  =========================================================

Export writes the same fields back (``canonical_*`` values first, ``**`` markers stripped):
``@inproceedings``/``@article``/``@misc`` chosen from the venue (:func:`entry_type`), arXiv
``eprint``/``archivePrefix`` (and ``primaryClass`` when ``match`` records one), ``readstatus``
for read/reading entries (JabRef reads it; BibTeX and biber ignore it -- ``biber
--validate-datamodel`` warns about it). BibTeX has one ``url``: the first paper/pdf link,
else the first web link, else any link; further links (code, videos) are not exported.

Every entry also gets the import topic ``topic`` when one is given; without it, entries that
have no keywords get a topic named after the file (``refs.bib`` -> ``refs``; ``Imported``
when there is no file name), so no entry is left without a topic.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from contextlib import contextmanager
from pathlib import PurePath
from typing import Iterator

import bibtexparser
from bibtexparser import model as bibmodel
from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)

from wsskg.catalog import (
    ARXIV_ID_RE,
    Catalog,
    Entry,
    Link,
    Topic,
    arxiv_id_from_url,
    link_kind,
    slugify,
    strip_arxiv_version,
    unique_id,
)
from wsskg.errors import ImportFailed

__all__ = ["parse_bibtex", "to_bibtex", "latex_to_text", "escape_latex", "entry_type"]

_ID_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.:+\-]*")

# -- LaTeX -> Unicode ------------------------------------------------------------------------------

_DECODER = None


def _decoder():
    """A pylatexenc converter that also knows the text-mode symbol macros :func:`escape_latex`
    writes (pylatexenc drops ``\\textbraceleft`` and maps ``\\textasciicircum`` to U+02C6)."""
    global _DECODER
    if _DECODER is None:
        from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

        specs = {
            "textbraceleft": "{", "textbraceright": "}", "textbackslash": "\\",
            "textasciitilde": "~", "textasciicircum": "^", "textless": "<", "textgreater": ">",
            "textbar": "|", "textquotedbl": '"', "textunderscore": "_", "textdollar": "$",
        }
        db_text = get_default_latex_context_db()
        db_text.add_context_category(
            "wsskg-symbols",
            prepend=True,
            macros=[MacroTextSpec(name, simplify_repl=repl) for name, repl in specs.items()],
            environments=[],
            specials=[],
        )
        _DECODER = LatexNodes2Text(latex_context=db_text, math_mode="text")
    return _DECODER


def latex_to_text(value: str, paragraphs: bool = False) -> str:
    """Decode a BibTeX field value to plain Unicode: ``{\\"u}`` -> ``ü``, ``\\&`` -> ``&``,
    protecting braces removed, whitespace collapsed (blank lines kept when ``paragraphs``)."""
    if not value:
        return ""
    if "\\" in value or "{" in value or "$" in value or "~" in value or "-" in value or "`" in value or "'" in value:
        try:
            text = _decoder().latex_to_text(value)
        except Exception:  # pylatexenc is tolerant, but never let one field sink an import
            text = value.replace("{", "").replace("}", "")
    else:
        text = value
    text = unicodedata.normalize("NFC", text.replace("\u00a0", " "))
    if paragraphs:
        paras = re.split(r"\n[ \t]*\n\s*", text.strip())
        return "\n\n".join(" ".join(p.split()) for p in paras if p.strip())
    return " ".join(text.split())


# -- Unicode -> LaTeX -------------------------------------------------------------------------------

_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\u00a0": " ",
}
#: Character pairs TeX turns into ligatures (``--`` -> en dash, ````` -> a quote, ``?``` -> ¿).
_LIGATURE_RE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[?!])(?=`)")


def escape_latex(text: str, protect_case: bool = False) -> str:
    """Escape ``text`` for a braced BibTeX field so LaTeX, biber and :func:`latex_to_text`
    give back ``text``. Braces are written as ``\\textbraceleft{}``/``\\textbraceright{}`` so the
    field's braces always balance. With ``protect_case``, words with a capital after their
    first letter (``CNN``, ``DeepLab``) are wrapped in braces so styles keep their case."""
    text = " ".join((text or "").split()).replace("\x00", "")
    text = _LIGATURE_RE.sub("\x00", text)  # a marker for "{}" between ligature characters
    out = []
    for word in text.split(" "):
        esc = "".join(_ESCAPES.get(ch, ch) for ch in word).replace("\x00", "{}")
        if protect_case and any(ch.isupper() for ch in word[1:]):
            esc = "{" + esc + "}"
        out.append(esc)
    return " ".join(out)


def _escape_paragraphs(text: str) -> str:
    paras = [p for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return "\n\n".join(escape_latex(p) for p in paras)


def _verbatim(value: str) -> str:
    """A URL/DOI/eprint for a braced field: verbatim, braces and spaces percent-encoded."""
    return value.strip().replace("{", "%7B").replace("}", "%7D").replace(" ", "%20").replace("\\", "%5C")


# -- reading ------------------------------------------------------------------------------------------

@contextmanager
def _quiet_bibtexparser() -> Iterator[None]:
    """bibtexparser logs every failed block; we report them ourselves, with line numbers."""
    names = ["bibtexparser", "bibtexparser.splitter"] + [
        n for n in list(logging.root.manager.loggerDict) if n.startswith("bibtexparser.")
    ]
    loggers = [logging.getLogger(n) for n in dict.fromkeys(names)]
    old = [lg.disabled for lg in loggers]
    for lg in loggers:
        lg.disabled = True
    try:
        yield
    finally:
        for lg, was in zip(loggers, old):
            lg.disabled = was


def _plain(raw: str) -> str:
    """Unescape a verbatim-ish field (url, doi, eprint): ``\\url{}`` wrapper, ``\\_`` and braces."""
    v = raw.strip()
    m = re.fullmatch(r"\\url\{(.*)\}", v, re.S)
    if m:
        v = m.group(1)
    v = re.sub(r"\\([_%&#$~])", r"\1", v)
    return v.replace("{", "").replace("}", "").strip()


def _clean_doi(raw: str) -> str | None:
    v = _plain(raw)
    v = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", v, flags=re.I).strip()
    return v or None


def _arxiv_from(fields: dict[str, str], doi: str | None, urls: list[str]) -> str | None:
    prefix = _plain(fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    eprint = _plain(fields.get("eprint") or "")
    eprint = re.sub(r"^arxiv:\s*", "", eprint, flags=re.I)
    if eprint and (prefix == "arxiv" or (not prefix and ARXIV_ID_RE.match(eprint))):
        if ARXIV_ID_RE.match(eprint):
            return strip_arxiv_version(eprint)
    for name in ("arxivid", "arxiv"):
        v = re.sub(r"^arxiv:\s*", "", _plain(fields.get(name) or ""), flags=re.I)
        if v and ARXIV_ID_RE.match(v):
            return strip_arxiv_version(v)
    if doi:
        m = re.match(r"10\.48550/arxiv\.(.+)$", doi, re.I)
        if m and ARXIV_ID_RE.match(m.group(1)):
            return strip_arxiv_version(m.group(1))
    for u in urls:
        ax = arxiv_id_from_url(u)
        if ax:
            return strip_arxiv_version(ax)
    for name in ("journal", "note", "number", "howpublished"):
        m = re.search(r"arxiv:\s*(\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z.\-]+/\d{7})", fields.get(name) or "", re.I)
        if m:
            return strip_arxiv_version(m.group(1))
    return None


def _year(fields: dict[str, str]) -> tuple[int | None, str | None]:
    """(year, problem): the year from ``year`` or a biblatex ``date``."""
    for name in ("year", "date"):
        raw = _plain(fields.get(name) or "")
        if not raw:
            continue
        m = re.search(r"(?<!\d)([12]\d{3})(?!\d)", raw)
        if m:
            return int(m.group(1)), None
        return None, f"{name} {raw!r} is not a year; left out"
    return None, None


def _authors(raw: str) -> list[str]:
    out = []
    for person in split_multiple_persons_names(raw or ""):
        if not person.strip():
            continue
        try:
            parts = parse_single_name_into_parts(person, strict=False)
            words = [*parts.first, *parts.von, *parts.last, *parts.jr]
            name = " ".join(latex_to_text(w) for w in words)
        except (InvalidNameError, Exception):  # "Too many commas": keep the text as it is
            name = latex_to_text(person)
        name = " ".join(name.split())
        if name:
            out.append(name)
    return out


def _keywords(raw: str) -> list[str]:
    text = latex_to_text(raw)
    if not text:
        return []
    sep = ";" if ";" in text else ","
    topics = []
    for kw in text.split(sep):
        path = "/".join(seg.strip() for seg in kw.split("/") if seg.strip())
        if path and path not in topics:
            topics.append(path)
    return topics


def _venue(fields: dict[str, str], entry_type: str) -> str | None:
    names = ["booktitle", "journal", "journaltitle", "eventtitle"]
    for name in names:
        v = latex_to_text(fields.get(name) or "")
        if v:
            return v
    how = fields.get("howpublished") or ""
    if how and not re.match(r"\s*(\\url\{|https?://)", how):
        v = latex_to_text(how)
        if v:
            return v
    if entry_type in ("book", "phdthesis", "mastersthesis", "thesis", "techreport", "report", "manual"):
        for name in ("school", "institution", "publisher", "organization"):
            v = latex_to_text(fields.get(name) or "")
            if v:
                return v
    return None


def _entry_from_fields(key: str, entry_type: str, fields: dict[str, str], taken: set[str],
                       topic: str | None, fallback_topic: str) -> tuple[Entry, list[str]]:
    problems: list[str] = []
    title = latex_to_text(fields.get("title") or "")
    year, year_problem = _year(fields)
    if year_problem:
        problems.append(year_problem)
    doi = _clean_doi(fields["doi"]) if fields.get("doi") else None
    urls = []
    for name in ("url", "howpublished"):
        v = fields.get(name) or ""
        if name == "howpublished" and not re.match(r"\s*(\\url\{|https?://)", v):
            continue
        u = _plain(v)
        if u and u not in urls:
            urls.append(u)
    arxiv = _arxiv_from(fields, doi, urls)
    topics = _keywords(fields.get("keywords") or fields.get("keyword") or "")
    extra_topic = topic or (None if topics else fallback_topic)
    if extra_topic and extra_topic not in topics:
        topics.append(extra_topic)
    notes = [n for n in (latex_to_text(fields.get(k) or "", paragraphs=True) for k in ("note", "annote")) if n]
    status = {"read": "read", "skimmed": "reading"}.get(_plain(fields.get("readstatus") or "").lower(), "unread")

    eid = key.strip()
    if not _ID_RE.fullmatch(eid):
        eid = slugify(title or eid, year)
    eid = unique_id(eid, taken)
    entry = Entry(
        id=eid,
        title=title,
        kind="paper",
        status=status,
        topics=topics,
        form="bullet",
        venue=_venue(fields, entry_type),
        year=year,
        links=[Link(url=u, kind=link_kind(u)) for u in urls],
        notes=notes,
        arxiv_id=arxiv,
        doi=doi,
        authors=_authors(fields.get("author") or ""),
        abstract=latex_to_text(fields.get("abstract") or "", paragraphs=True) or None,
    )
    if not title:
        problems.append("has no title")
    return entry, problems


class _BadValue(ValueError):
    pass


_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_DEFAULT_MACROS = {name[:3].lower(): name for name in _MONTH_NAMES}


def _expand(raw: str, macros: dict[str, str], field: str) -> str:
    """The value of a raw field: ``{...}``, ``"..."``, a number, a ``@string`` macro (the
    month macros ``jan``..``dec`` are predefined) or a ``#`` concatenation of those.

    Raises :class:`_BadValue` for text after a closing brace or quote that is not a ``#``
    (the usual sign of a missing comma: bibtexparser would swallow the next field)."""
    parts: list[str] = []
    i, n = 0, len(raw)
    while True:
        while i < n and raw[i].isspace():
            i += 1
        if i >= n:
            raise _BadValue(f"field {field!r} has an empty value")
        c = raw[i]
        if c in "{\"":
            close = "}" if c == "{" else '"'
            depth, j = 0, i + 1
            while j < n:
                ch = raw[j]
                if ch == "\\" and j + 1 < n:
                    j += 2
                    continue
                if ch == "{":
                    depth += 1
                elif ch == "}" and (depth > 0 or close == "}"):
                    if depth == 0:
                        break
                    depth -= 1
                elif ch == close and depth == 0:
                    break
                j += 1
            if j >= n:
                raise _BadValue(f"field {field!r}: unbalanced braces or quotes")
            parts.append(raw[i + 1:j])
            i = j + 1
        else:
            j = i
            while j < n and not raw[j].isspace() and raw[j] != "#":
                j += 1
            word = raw[i:j]
            if word.isdigit():
                parts.append(word)
            elif word.lower() in macros:
                parts.append(macros[word.lower()])
            else:
                raise _BadValue(f"field {field!r}: undefined @string macro {word!r}")
            i = j
        while i < n and raw[i].isspace():
            i += 1
        if i >= n:
            return "".join(parts)
        if raw[i] != "#":
            nxt = re.match(r"([A-Za-z][\w-]*)\s*=", raw[i:])
            if nxt:
                raise _BadValue(f"missing comma between fields {field!r} and {nxt.group(1)!r}")
            raise _BadValue(f"field {field!r}: unexpected text {raw[i:i + 20]!r} after the value")
        i += 1


def _fields_of(block: bibmodel.Entry, macros: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in block.fields:
        v = f.value if isinstance(f.value, str) else str(f.value)
        key = f.key.strip().lower()
        if key not in out:
            out[key] = _expand(v, macros, key)
    return out


def _head(raw: str) -> str:
    """``@article{key,...``: how problem lines name an entry."""
    m = re.match(r"\s*(@\w+\s*[{(][^,\n]{0,60},?)", raw or "")
    first = m.group(1) if m else " ".join((raw or "@?").strip().split())[:40]
    return first + "..."


def _topic_objects(paths: list[str]) -> list[Topic]:
    topics: list[Topic] = []
    seen: set[str] = set()
    for path in paths:
        segs = path.split("/")
        for i in range(1, len(segs) + 1):
            p = "/".join(segs[:i])
            if p not in seen:
                seen.add(p)
                topics.append(Topic(path=p, name=segs[i - 1], level=min(1 + i, 6)))
    return topics


def parse_bibtex(text: str, source: str = "refs.bib", topic: str | None = None) -> tuple[Catalog, list[str]]:
    """Parse BibTeX ``text`` into a catalog of paper entries (``form="bullet"``).

    Returns ``(catalog, problems)``: one line per problem, ``<source>:<line>: <what>`` --
    malformed entries (skipped; the rest imports), duplicate entries (same DOI/arXiv id/title,
    merged into the first), renamed citekeys, fields that could not be read. ``source`` names
    the file in those lines and in the fallback topic. Raises :class:`ImportFailed` when the
    text holds no BibTeX at all.
    """
    from wsskg.merge import merge_into

    if topic is not None:
        topic = "/".join(s.strip() for s in topic.split("/") if s.strip()) or None
    fallback = PurePath(source).stem.strip() if source else ""
    fallback = fallback.replace("/", "-") or "Imported"

    with _quiet_bibtexparser():
        try:
            library = bibtexparser.parse_string(text, parse_stack=[])
        except Exception as e:  # the splitter gave up on the whole text
            raise ImportFailed(f"{source}: not readable as BibTeX: {e}") from e

    problems: list[str] = []
    parsed: list[tuple[Entry, int, str]] = []  # entry, 1-based line, head
    taken: set[str] = set()
    macros = dict(_DEFAULT_MACROS)

    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, bibmodel.String):
            try:
                macros[block.key.strip().lower()] = _expand(str(block.value), macros, block.key)
            except _BadValue as e:
                problems.append(f"{source}:{line}: skipped @string {block.key}: {e}")
            continue
        if isinstance(block, bibmodel.DuplicateBlockKeyBlock):
            inner = block.ignore_error_block
            if isinstance(inner, bibmodel.String):  # @string defined twice: the later one wins
                try:
                    macros[inner.key.strip().lower()] = _expand(str(inner.value), macros, inner.key)
                except _BadValue as e:
                    problems.append(f"{source}:{line}: skipped @string {inner.key}: {e}")
                continue
            if not isinstance(inner, bibmodel.Entry):
                continue
            entry_block = inner  # the same citekey twice: import it anyway
        elif isinstance(block, bibmodel.ParsingFailedBlock):
            err = block.error
            reason = getattr(err, "abort_reason", None) or str(err) or type(err).__name__
            problems.append(f"{source}:{line}: skipped malformed entry {_head(block.raw)}: {reason.strip()}")
            continue
        elif isinstance(block, bibmodel.Entry):
            entry_block = block
        else:
            continue  # @preamble, @comment, text between entries
        head = _head(block.raw)
        try:
            fields = _fields_of(entry_block, macros)
        except _BadValue as e:
            problems.append(f"{source}:{line}: skipped malformed entry {head}: {e}")
            continue
        entry, field_problems = _entry_from_fields(
            entry_block.key, entry_block.entry_type.lower(), fields, taken, topic, fallback
        )
        if entry.id != entry_block.key:
            why = "is taken" if _ID_RE.fullmatch(entry_block.key) else "is not a valid id"
            problems.append(f"{source}:{line}: citekey {entry_block.key!r} {why}; imported as {entry.id}")
        problems.extend(f"{source}:{line}: {head} {p}" for p in field_problems)
        parsed.append((entry, line, head))

    if not parsed and not library.failed_blocks and text.strip() and "@" not in text:
        raise ImportFailed(f"{source}: no BibTeX entries found")

    catalog = Catalog()
    report = merge_into(catalog, Catalog(entries=[e for e, _, _ in parsed]))
    # topics in order of first use by the (merged) entries, parents first
    catalog.topics = _topic_objects([t for e in catalog.entries for t in e.topics])
    for outcome, (_, line, head) in zip(report.outcomes, parsed):
        if outcome.action != "added":
            problems.append(
                f"{source}:{line}: merged duplicate {head} into {outcome.base_id} ({outcome.reason})"
            )
    return catalog, [" ".join(p.split()) for p in problems]  # one line each, whatever the input held


# -- writing ----------------------------------------------------------------------------------------------

_CONFERENCE_RE = re.compile(
    r"(?<![A-Za-z])(?:CVPR|ICCV|ECCV|NIPS|NeurIPS|BMVC|ICML|ICLR|AAAI|IJCAI|WACV|KDD|ACCV|MICCAI|ACL|"
    r"EMNLP|NAACL|COLING|SIGGRAPH|SIGIR|ICASSP|ICIP|ICPR|ICRA|IROS|CoRL|UAI|AISTATS|COLT|ACM\s?MM|"
    r"3DV|WWW|CIKM|WSDM|ICDM|SDM)(?![A-Za-z])"
    r"|\b(?:workshops?|conference|proceedings|symposium|congress|meeting)\b",
    re.I,
)
_JOURNAL_RE = re.compile(
    r"(?<![A-Za-z])(?:TPAMI|PAMI|T-PAMI|TIP|IJCV|TMM|TNNLS|TCSVT|TOG|TVCG|CVIU|JMLR|TMLR|TGRS|TMI|MedIA|PR)(?![A-Za-z])"
    r"|\b(?:journal|transactions|letters|magazine|review|neurocomputing|pattern recognition|"
    r"image and vision computing|machine vision and applications|medical image analysis)\b"
    r"|^(?:nature|science|cell)\b",
    re.I,
)


def entry_type(venue: str | None) -> str:
    """``inproceedings``, ``article`` or ``misc`` for a venue string."""
    v = venue or ""
    if not v or re.search(r"\barxiv\b|\bcorr\b|preprint", v, re.I):
        return "misc"
    if _CONFERENCE_RE.search(v):
        return "inproceedings"
    if _JOURNAL_RE.search(v):
        return "article"
    return "misc"


def _strip_md(text: str) -> str:
    return " ".join((text or "").replace("**", "").split())


#: Words that mark an author as an organisation: written in braces so it is not split into
#: first and last names by BibTeX/biber.
_CORPORATE_RE = re.compile(
    r"\b(?:group|team|consortium|collaboration|committee|association|institute|university|"
    r"laboratory|lab|project|initiative|society|foundation|inc|ltd|corporation|google|microsoft|openai)\b",
    re.I,
)


def _author_field(authors: list[str]) -> str:
    out = []
    for a in authors:
        a = " ".join(a.split())
        if not a:
            continue
        esc = escape_latex(a)
        if "," in a or re.search(r"\sand\s", a, re.I) or _CORPORATE_RE.search(a):
            esc = "{" + esc + "}"
        out.append(esc)
    return " and ".join(out)


def _primary_class(e: Entry) -> str | None:
    for key in ("primary_class", "primaryClass", "arxiv_primary_category", "primary_category"):
        v = e.match.get(key) if isinstance(e.match, dict) else None
        if isinstance(v, str) and re.fullmatch(r"[a-z\-]+(?:\.[A-Za-z\-]+)?", v):
            return v
    return None


#: JabRef's ``readstatus`` field; plain BibTeX and biber ignore it.
_READSTATUS = {"read": "read", "reading": "skimmed"}


def _bib_entry(e: Entry) -> str:
    title = _strip_md(e.canonical_title or e.title)
    venue = _strip_md(e.canonical_venue or e.venue or "")
    year = e.canonical_year or e.year
    kind = entry_type(venue)
    fields: list[tuple[str, str]] = []
    if title:
        fields.append(("title", escape_latex(title, protect_case=True)))
    if e.authors:
        fields.append(("author", _author_field(e.authors)))
    if venue:
        fields.append(({"inproceedings": "booktitle", "article": "journal"}.get(kind, "howpublished"),
                       escape_latex(venue)))
    if year:
        fields.append(("year", str(year)))
    if e.doi:
        fields.append(("doi", _verbatim(e.doi)))
    if e.arxiv_id:
        fields.append(("eprint", _verbatim(strip_arxiv_version(e.arxiv_id))))
        fields.append(("archivePrefix", "arXiv"))
        pc = _primary_class(e)
        if pc:
            fields.append(("primaryClass", pc))
    url = _main_url(e)
    if url:
        fields.append(("url", _verbatim(url)))
    if e.topics:
        sep = "; " if any("," in t for t in e.topics) else ", "
        fields.append(("keywords", sep.join(escape_latex(t) for t in e.topics)))
    notes = [n for n in e.notes if n and n.strip()]
    if notes:
        fields.append(("note", _escape_paragraphs(notes[0])))
        if len(notes) > 1:
            fields.append(("annote", _escape_paragraphs("\n\n".join(notes[1:]))))
    if e.abstract:
        fields.append(("abstract", _escape_paragraphs(e.abstract)))
    if e.status in _READSTATUS:
        fields.append(("readstatus", _READSTATUS[e.status]))
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    return f"@{kind}{{{e.id},\n{body},\n}}\n" if fields else f"@{kind}{{{e.id},\n}}\n"


def _main_url(e: Entry) -> str | None:
    """The URL for ``url``: the first paper/pdf link, else the first web link, else any."""
    for kinds in (("paper", "pdf"), ("web",), ("code", "video")):
        for ln in e.links:
            if ln.kind in kinds and ln.url.strip():
                return ln.url.strip()
    return None


def to_bibtex(entries: list[Entry]) -> str:
    """BibTeX for every ``kind == "paper"`` entry, in order, citekey = entry id."""
    return "\n".join(_bib_entry(e) for e in entries if e.kind == "paper")
