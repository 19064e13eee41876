"""BibTeX in and out, losing nothing.

:func:`parse_bibtex` reads what Zotero, JabRef, Better BibTeX, pubs or papis export into a
:class:`Catalog`, one entry per BibTeX entry (entries the file keeps apart are never merged):

* the entry type (``entry_type``) and the citation key (``citekey``) as written; the wsskg id is
  the citekey when it is a valid id, else a slug of the title (the citekey is still used on
  export);
* the fields wsskg models as typed attributes -- title, author, editor, year, month, the venue
  (journal/booktitle/...), volume, number, pages, publisher, address, edition, series, isbn,
  issn, language, doi, url, note, abstract, file, keywords (as ``tags``), JabRef's readstatus --
  with LaTeX decoded to Unicode for prose and kept verbatim for numbers and identifiers;
* every other field, verbatim (macros expanded), in ``extra``.

Each field's text as the file wrote it is kept in ``as_written`` where it differs from what the
export would write from the decoded entry. :func:`to_bibtex` writes all of it back, under the same
citekey and type: a field as the file wrote it while the entry still says what that text says
(:func:`_model_field`, :data:`_READ`), else from the entry (:data:`_WRITE`); so an unchanged
library comes back as it was written. Entries born in a Markdown list get a type from their venue.
The field table and what is still normalised are in ``docs/interop.md``.

The reader is our own (:func:`_scan`): each value is read once into literal parts and macro
names; undefined ``@string`` macros are kept as their name with a warning naming the entry
and line; a malformed entry is reported with its line and reading resumes at the next entry
(one that only reads with ``\\{`` as an escaped brace is read so);
a value that expands beyond :data:`MAX_VALUE_CHARS` is an error. LaTeX is decoded by a small
exact decoder for what bibliographies hold (:func:`_fast_decode`) and by pylatexenc for the rest.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import PurePath
from typing import Iterator

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
from wsskg.venues import CONFERENCES, JOURNALS, venue_words_re

__all__ = ["parse_bibtex", "to_bibtex", "latex_to_text", "escape_latex", "entry_type"]

_ID_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.:+\-]*")

# -- LaTeX -> Unicode ------------------------------------------------------------------------------

_DECODER = None


def _decoder():
    """A pylatexenc converter that also knows the text-mode symbol macros :func:`escape_latex`
    writes (pylatexenc drops ``\\textbraceleft`` and maps ``\\textasciicircum`` to U+02C6) and
    keeps the text of the font-style macros it would drop (:data:`_TEXT_STYLES`)."""
    global _DECODER
    if _DECODER is None:
        from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

        db_text = get_default_latex_context_db()
        db_text.add_context_category(
            "wsskg-symbols",
            prepend=True,
            macros=[MacroTextSpec(name, simplify_repl=repl) for name, repl in _SYMBOLS.items()]
            + [MacroTextSpec(name, discard=False) for name in _TEXT_STYLES],
            environments=[],
            specials=[],
        )
        _DECODER = LatexNodes2Text(latex_context=db_text, math_mode="text")
    return _DECODER


#: Text-mode symbol macros decoded by both decoders (the first eleven are what
#: :func:`escape_latex` writes).
_SYMBOLS = {
    "textbraceleft": "{", "textbraceright": "}", "textbackslash": "\\",
    "textasciitilde": "~", "textasciicircum": "^", "textless": "<", "textgreater": ">",
    "textbar": "|", "textquotedbl": '"', "textunderscore": "_", "textdollar": "$",
    "textendash": "\u2013", "textemdash": "\u2014", "ldots": "\u2026", "dots": "\u2026",
    "textquoteleft": "\u2018", "textquoteright": "\u2019", "textquotedblleft": "\u201c",
    "textquotedblright": "\u201d",
}
#: Font-style macros whose argument is text (pylatexenc would drop it: ``\\textup{The good place}``).
_TEXT_STYLES = ("textup", "textmd", "textsf", "texttt", "mbox")
#: Accent commands and the combining mark each puts on its argument.
_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}
#: Letter macros (``\\ss``, ``\\o``...), and the dotless i/j as accent arguments.
_LETTERS = {
    "ss": "\u00df", "o": "\u00f8", "O": "\u00d8", "ae": "\u00e6", "AE": "\u00c6", "oe": "\u0153",
    "OE": "\u0152", "aa": "\u00e5", "AA": "\u00c5", "l": "\u0142", "L": "\u0141", "i": "\u0131",
    "j": "\u0237", "dh": "\u00f0", "DH": "\u00d0", "th": "\u00fe", "TH": "\u00de", "dj": "\u0111",
    "ng": "\u014b",
}
_ESCAPED = set("&%$#_{} ")
_CONTROL = re.compile(r"\\([A-Za-z]+|.)", re.S)
#: Runs of characters the fast decoder copies as they are.
_PLAIN_RUN = re.compile(r"[^\\{}\-`'~?!$]+")
_LIGATURES = (("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"), ("''", "\u201d"), ("?`", "\u00bf"),
              ("!`", "\u00a1"))


def _fast_decode(s: str) -> str | None:
    """Decode the LaTeX that bibliographies mostly hold (accents, letter and symbol macros,
    escaped specials, ligatures, protecting braces) exactly as pylatexenc does, ~50x faster;
    None when ``s`` holds anything else (math, other macros), which pylatexenc then decodes."""
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        m = _PLAIN_RUN.match(s, i)
        if m:
            out.append(m.group())
            i = m.end()
            continue
        c = s[i]
        if c == "\\":
            m = _CONTROL.match(s, i)
            if not m:
                return None
            name, j = m.group(1), m.end()
            if name.isalpha():
                while j < n and s[j] in " \t\n":
                    j += 1
            if name in _ACCENTS:
                arg, j = _accent_arg(s, j)
                if arg is None:
                    return None
                out.append(unicodedata.normalize("NFC", arg + _ACCENTS[name]))
            elif name in _LETTERS:
                out.append(_LETTERS[name])
            elif name in _SYMBOLS:
                out.append(_SYMBOLS[name])
            elif name in _ESCAPED:
                out.append(name)
            else:
                return None
            if name.isalpha() and s.startswith("{}", j):
                j += 2
            i = j
        elif c in "{}":
            i += 1
        elif c == "$":
            return None
        elif c == "~":
            out.append("\u00a0")
            i += 1
        else:
            for lig, rep in _LIGATURES:
                if s.startswith(lig, i):
                    out.append(rep)
                    i += len(lig)
                    break
            else:
                out.append(c)
                i += 1
    return "".join(out)


def _accent_arg(s: str, j: int) -> tuple[str | None, int]:
    """The letter an accent applies to at ``s[j:]`` (``e``, ``{e}``, ``\\i``, ``{\\i}``) and the end."""
    braced = s.startswith("{", j)
    k = j + 1 if braced else j
    if s.startswith(("\\i", "\\j"), k) and not s[k + 2:k + 3].isalpha():
        letter, k = s[k + 1], k + 2
    elif k < len(s) and s[k].isalpha():
        letter, k = s[k], k + 1
    else:
        return None, j
    if braced:
        if not s.startswith("}", k):
            return None, j
        k += 1
    return letter, k


_NEEDS_DECODING = re.compile(r"[\\{}$~`'\-?!]")


@functools.lru_cache(maxsize=1 << 16)
def latex_to_text(value: str, paragraphs: bool = False) -> str:
    """Decode a BibTeX field value to plain Unicode: ``{\\"u}`` -> ``ü``, ``\\&`` -> ``&``,
    protecting braces removed, whitespace collapsed (blank lines kept when ``paragraphs``).

    The common cases are decoded by :func:`_fast_decode`; anything else by pylatexenc."""
    if not value:
        return ""
    if _NEEDS_DECODING.search(value):
        text = _fast_decode(value)
        if text is None:
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
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
#: Character pairs TeX turns into ligatures (``--`` -> en dash, ````` -> a quote, ``?``` -> ¿).
_LIGATURE_RE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[?!])(?=`)")
#: An ASCII word (between single spaces) with a capital after its first character.
_ASCII_INNER_CAPITAL_WORD = re.compile(r"(?<![^ ])([^ ][^ A-Z]*[A-Z][^ ]*)")
_LIGATURE_ANY = re.compile(r"--|``|''|[?!]`")


def escape_latex(text: str, protect_case: bool = False) -> str:
    """Escape ``text`` for a braced BibTeX field so LaTeX, biber and :func:`latex_to_text`
    give back ``text``. Braces are written as ``\\textbraceleft{}``/``\\textbraceright{}`` so the
    field's braces always balance. With ``protect_case``, words with a capital after their
    first letter (``CNN``, ``DeepLab``) are wrapped in braces so styles keep their case."""
    text = " ".join((text or "").split())
    if "\x00" in text:
        text = text.replace("\x00", "")
    if _LIGATURE_ANY.search(text):  # (the expression tries every position: only where it can match)
        text = _LIGATURE_RE.sub("\x00", text)  # a marker for "{}" between ligature characters
    if not protect_case:
        return _translated(text)  # (abstracts: str.translate, not a lookup per character)
    if text.isascii():  # (escapes add no capital and no space: the words of the escaped text)
        return _ASCII_INNER_CAPITAL_WORD.sub(r"{\1}", _translated(text))
    return " ".join("{" + _translated(word) + "}" if _inner_capital(word) else _translated(word)
                    for word in text.split(" "))


def _translated(text: str) -> str:
    text = text.translate(_ESCAPE_TABLE)
    return text.replace("\x00", "{}") if "\x00" in text else text


def _inner_capital(word: str) -> bool:
    """Has ``word`` an upper-case letter after its first character?"""
    rest = word[1:]
    if rest.isascii():
        return rest.lower() != rest
    return any(ch.isupper() for ch in rest)


def _escape_paragraphs(text: str) -> str:
    paras = [p for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return "\n\n".join(escape_latex(p) for p in paras)


def _verbatim(value: str) -> str:
    """A URL/DOI/eprint for a braced field: verbatim, braces and spaces percent-encoded."""
    return value.strip().replace("{", "%7B").replace("}", "%7D").replace(" ", "%20").replace("\\", "%5C")


# -- reading ------------------------------------------------------------------------------------------

_URL_WRAP_RE = re.compile(r"\\url\{(.*)\}", re.S)
_ESCAPED_CHAR_RE = re.compile(r"\\([_%&#$~])")


def _plain(raw: str) -> str:
    """Unescape a verbatim-ish field (url, doi, eprint): ``\\url{}`` wrapper, ``\\_`` and braces."""
    v = raw.strip()
    if "\\" not in v and "{" not in v and "}" not in v:
        return v
    m = _URL_WRAP_RE.fullmatch(v)
    if m:
        v = m.group(1)
    v = _ESCAPED_CHAR_RE.sub(r"\1", v)
    return v.replace("{", "").replace("}", "").strip()


_DOI_PREFIX_RE = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)


def _clean_doi(raw: str) -> str | None:
    v = _DOI_PREFIX_RE.sub("", _plain(raw)).strip()
    return v or None


_ARXIV_PREFIX_RE = re.compile(r"^arxiv:\s*", re.I)
_ARXIV_DOI_RE = re.compile(r"10\.48550/arxiv\.(.+)$", re.I)
_ARXIV_IN_TEXT_RE = re.compile(r"arxiv:\s*(\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z.\-]+/\d{7})", re.I)


def arxiv_from(fields: dict[str, str], doi: str | None, urls: list[str]) -> str | None:
    prefix = _plain(fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    eprint = _ARXIV_PREFIX_RE.sub("", _plain(fields.get("eprint") or ""))
    if eprint and (prefix == "arxiv" or (not prefix and ARXIV_ID_RE.match(eprint))):
        if ARXIV_ID_RE.match(eprint):
            return strip_arxiv_version(eprint)
    for name in ("arxivid", "arxiv"):
        v = _ARXIV_PREFIX_RE.sub("", _plain(fields.get(name) or ""))
        if v and ARXIV_ID_RE.match(v):
            return strip_arxiv_version(v)
    if doi:
        m = _ARXIV_DOI_RE.match(doi)
        if m and ARXIV_ID_RE.match(m.group(1)):
            return strip_arxiv_version(m.group(1))
    for u in urls:
        if "arxiv" in u.lower():
            ax = arxiv_id_from_url(u)
            if ax:
                return strip_arxiv_version(ax)
    for name in ("journal", "note", "number", "howpublished"):
        v = fields.get(name) or ""
        m = _ARXIV_IN_TEXT_RE.search(v) if "arxiv" in v.lower() else None
        if m:
            return strip_arxiv_version(m.group(1))
    return None


_YEAR_RE = re.compile(r"(?<!\d)([12]\d{3})(?!\d)")


def _names(raw: str) -> list[str]:
    """BibTeX names as text that the exporter writes back to the same name parts.

    A plain name (one-word last name, no "von", no "Jr") reads ``First Last``; any other is kept
    in BibTeX's comma form ``von Last, Jr, First`` (``Ortiz Segovia, Maria V.``, ``Van Gool,
    Luc``), because ``Maria V. Ortiz Segovia`` would come back with last name ``Segovia``."""
    out = []
    for person in _split_names(raw or ""):
        if not person.strip():
            continue
        simple = _simple_name(person)
        if simple is not None:
            out.append(simple)
            continue
        try:
            if "\\~" in person:  # a tilde accent, not a tie between two names
                person = _TILDE_ACCENT_RE.sub(r"{\\~\1}", person)
            parts = parse_single_name_into_parts(person, strict=False)
            first = " ".join(latex_to_text(w) for w in parts.first)
            von = " ".join(latex_to_text(w) for w in parts.von)
            last = " ".join(latex_to_text(w) for w in parts.last)
            jr = " ".join(latex_to_text(w) for w in parts.jr)
            compound = bool(von or jr or len(parts.last) > 1 or (" " in last and first))
            if compound:
                name = ", ".join(p for p in (" ".join(x for x in (von, last) if x), jr, first) if p)
            else:
                name = " ".join(x for x in (first, last) if x)
        except (InvalidNameError, Exception):  # "Too many commas": keep the text as it is
            name = latex_to_text(person)
        name = " ".join(name.split())
        if name:
            out.append(name)
    return out


_AND_RE = re.compile(r"\s+and\s+", re.I)
_TILDE_ACCENT_RE = re.compile(r"\\~(\w|\{\w\})")
_SIMPLE_NAMES = re.compile(r"[^{}\\~]*")


def _split_names(raw: str) -> list[str]:
    """Names split on ``and``: a plain split when no braces can hide an ``and``."""
    if "{" not in raw and "\\" not in raw:
        return _AND_RE.split(raw.strip())
    return split_multiple_persons_names(raw)


def _simple_name(person: str) -> str | None:
    """:func:`_names` for the common shapes (``Last, First``, ``First Last`` with capitalised
    words, no braces or macros) without the general name parser; None for any other shape."""
    if not _SIMPLE_NAMES.fullmatch(person):
        return None
    person = " ".join(person.split())
    if person.count(",") == 1:
        last, first = (p.strip() for p in person.split(","))
        if not last or not first:
            return None
        if " " in last:  # compound or "von" last name: the comma form, as given
            return latex_to_text(f"{last}, {first}")
        return latex_to_text(f"{first} {last}")
    if "," in person:
        return None
    words = person.split(" ")
    if all(w[:1].isupper() for w in words):
        return latex_to_text(person)
    return None


def family_name(name: str) -> str:
    """The family name of an author as wsskg writes names (``Van Gool, Luc`` -> ``Van Gool``,
    ``Luc Van Gool`` -> ``Gool``), folded for comparison (case, accents)."""
    fam = name.split(",", 1)[0] if "," in name else (name.split() or [""])[-1]
    fam = unicodedata.normalize("NFKD", fam.lower())
    return "".join(ch for ch in fam if ch.isalnum())


def _split_keywords(raw: str) -> list[str]:
    """Keywords as tags: split on ``;`` when there is one, else on ``,``; duplicates dropped."""
    text = latex_to_text(raw)
    if not text:
        return []
    sep = ";" if ";" in text else ","
    tags: list[str] = []
    for kw in text.split(sep):
        kw = kw.strip()
        if kw and kw not in tags:
            tags.append(kw)
    return tags


def topic_path(tag: str) -> str:
    return "/".join(seg.strip() for seg in tag.split("/") if seg.strip())


#: Where the venue goes for each entry type (and comes from first); other types use howpublished.
_USUAL_VENUE = {
    "article": "journal", "periodical": "journal", "suppperiodical": "journal",
    "inproceedings": "booktitle", "conference": "booktitle", "incollection": "booktitle",
    "inbook": "booktitle", "suppbook": "booktitle", "bookinbook": "booktitle", "inreference": "booktitle",
}
_VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "howpublished")
#: Typed fields decoded from LaTeX to Unicode (and escaped again on export).
DECODED_FIELDS = ("publisher", "address", "edition", "series", "language")
#: Typed fields kept verbatim, as the file wrote them (numbers, ranges, identifiers, paths).
VERBATIM_FIELDS = ("volume", "number", "pages", "isbn", "issn", "file")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_DEFAULT_MACROS = {name[:3].lower(): name for name in _MONTH_NAMES}
_READSTATUS_IN = {"read": "read", "skimmed": "reading"}


def usual_venue_field(kind: str | None) -> str:
    """The BibTeX field that holds the venue for an entry type (``journal``, ``booktitle``...)."""
    return _USUAL_VENUE.get((kind or "").lower(), "howpublished")


_URLISH_RE = re.compile(r"\s*(\\url\{|https?://)")
_PLAIN_YEAR_RE = re.compile(r"[12]\d{3}")


def _is_url(v: str) -> bool:
    return bool(_URLISH_RE.match(v or ""))


def _entry_from_fields(key: str, kind: str, fields: dict[str, str], taken: set[str], topic: str | None,
                       fallback_topic: str, keywords_as_topics: bool,
                       spelled: dict[str, str] | None = None) -> tuple[Entry, list[str]]:
    """One entry from its expanded raw fields: typed attributes for the fields wsskg models,
    ``extra`` (verbatim) for every other one, so that :func:`to_bibtex` writes them all back."""
    problems: list[str] = []
    f = {k: v for k, v in fields.items() if v.strip()}
    empty = {k: v for k, v in fields.items() if not v.strip()}  # kept as written, in extra
    title = latex_to_text(f["title"]) if "title" in f else ""
    authors = _names(f["author"]) if "author" in f else []
    editors = _names(f["editor"]) if "editor" in f else []
    for name, said in (("title", title), ("author", authors), ("editor", editors)):
        if said:  # (a value that decodes to nothing, "{{}}", stays in extra as written)
            f.pop(name, None)

    year = None
    for name in ("year", "date"):
        m = _YEAR_RE.search(_plain(f.get(name) or ""))
        if m:
            year = int(m.group(1))
            break
    raw_year = _plain(f.get("year") or "")
    if "date" not in f and _PLAIN_YEAR_RE.fullmatch(raw_year):
        f.pop("year")  # a plain year is the typed ``year``; anything else stays in extra as written
    elif raw_year and not _YEAR_RE.search(raw_year):
        problems.append(f"year {raw_year!r} is not a year; kept as written")
    month = latex_to_text(f["month"]) if "month" in f else None
    if month:
        f.pop("month")

    venue = venue_field = None
    usual = usual_venue_field(kind)
    for name in (usual, *(n for n in _VENUE_FIELDS if n != usual)):
        v = f.get(name) or ""
        if not v or (name == "howpublished" and _is_url(v)):
            continue
        text = latex_to_text(v)
        if text:
            venue, venue_field = text, (None if name == usual else name)
            f.pop(name)
            break

    typed: dict[str, str] = {}
    for name in VERBATIM_FIELDS:
        if name in f:
            typed[name] = f.pop(name)
    for name in DECODED_FIELDS:
        if name in f:
            text = latex_to_text(f[name])
            if text:  # (a value that decodes to nothing, "{{}}", stays in extra as written)
                typed[name] = text
                f.pop(name)

    doi = _clean_doi(f["doi"]) if "doi" in f else None
    if doi:
        f.pop("doi")
    urls: list[str] = []
    u = _plain(f["url"]) if "url" in f else ""
    if u:
        urls.append(u)
        f.pop("url")
    how = f.get("howpublished") or ""
    if _is_url(how):  # a URL in howpublished stays there (and is a link)
        u = _plain(how)
        if u and u not in urls:
            urls.append(u)
    arxiv = arxiv_from(fields, doi, urls)
    tags = _split_keywords(f["keywords"]) if "keywords" in f else []
    if tags:
        f.pop("keywords")
    topics = [p for p in dict.fromkeys(topic_path(t) for t in tags) if p] if keywords_as_topics else []
    extra_topic = topic or (None if topics else fallback_topic)
    if extra_topic and extra_topic not in topics:
        topics.append(extra_topic)
    notes = []
    note = latex_to_text(f["note"], paragraphs=True) if "note" in f else ""
    if note:
        notes.append(f.pop("note") and note)
    abstract = latex_to_text(f["abstract"], paragraphs=True) if "abstract" in f else None
    if abstract:
        f.pop("abstract")
    status = "unread"
    rs = _plain(f.get("readstatus") or "").lower()
    if rs in _READSTATUS_IN:
        status = _READSTATUS_IN[rs]
        f.pop("readstatus")

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
        venue=venue,
        year=year,
        links=[Link(url=u, kind=link_kind(u)) for u in urls],
        notes=notes,
        arxiv_id=arxiv,
        doi=doi,
        authors=authors,
        abstract=abstract or None,
        entry_type=kind,
        citekey=key,
        tags=tags,
        editors=editors,
        month=month or None,
        venue_field=venue_field,
        extra={(spelled or {}).get(k, k): v for k, v in fields.items() if k in f or k in empty},
        **typed,
    )
    if not title:
        problems.append("has no title")
    return entry, problems


class _BadValue(ValueError):
    pass


#: The longest value a field or @string may expand to (characters). A few nested @strings
#: can otherwise double their way to gigabytes from a 1 KB file.
MAX_VALUE_CHARS = 1_000_000


class _Macro(str):
    """A bare word in a value: a ``@string`` macro (or month) name to expand."""


# -- the scanner ----------------------------------------------------------------------------------------
#
# A small BibTeX reader of our own rather than bibtexparser's splitter: it was a third of the
# import time at 10,000 entries (0.7 s of 1.6 s), and its blocks still had to be scanned again
# to expand macros, find missing commas and give line numbers. This one reads each value once,
# into literal parts and macro names, with the same rules as before (BibTeX's own: braces
# balance, a quoted value ends at a quote outside braces, ``#`` concatenates).

_AT_RE = re.compile(r"@[ \t]*([A-Za-z][\w-]*)\s*([{(])?")
_SPACE_RE = re.compile(r"(?:\s+|%[^\n]*(?:\n|$))*")
_NAME_RE = re.compile(r"[^\s=,{}()\"#%]+")
_FIELD_HEAD_RE = re.compile(r"\s*([^\s=,{}()\"#%]+)\s*=\s*")
#: A citation key: anything but space, a comma or a brace (``O'Hara_1999``, ``Dobrovol'skii_1963``);
#: a parenthesised entry's key also ends at ``)``.
_KEY_RE = re.compile(r"[^\s,{}]*")
_PAREN_KEY_RE = re.compile(r"[^\s,{}()]*")
#: Braces always count, as in BibTeX (``\\{`` too); in a quoted value ``\\"`` does not end it
#: (BibTeX would; files written by hand rely on it).
_BRACE_RE = re.compile(r"[{}]")
_QUOTED_RE = re.compile(r"\\\"|[{}\"]")
_NUMBER_RE = re.compile(r"\d+")
_WORD_RE = re.compile(r"[^\s#,{}()\"=]+")
#: A line that starts a new entry (``@article{``): a value never runs past it, so an unclosed
#: brace costs one entry, not the rest of the file (a value holding such a line is cut there).
_NEXT_ENTRY_RE = re.compile(r"\n[ \t]*@[ \t]*[A-Za-z][\w-]*[ \t]*[{(]")


_WS_RE = re.compile(r"\s*")


def _skip(text: str, i: int) -> int:
    """The index of the next character that is not space or a ``%`` comment line."""
    i = _WS_RE.match(text, i).end()
    if i < len(text) and text[i] == "%":
        return _SPACE_RE.match(text, i).end()
    return i


def _braced(text: str, i: int, limit: int) -> tuple[str, int]:
    """The content of the ``{...}`` at ``text[i]`` and the index after it."""
    j = text.find("}", i + 1, limit)
    if j >= 0 and text.find("{", i + 1, j) < 0:
        return text[i + 1:j], j + 1  # no inner braces: most values
    depth = 0
    for m in _BRACE_RE.finditer(text, i + 1, limit):
        c = m.group()
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return text[i + 1:m.start()], m.end()
            depth -= 1
    raise _BadValue("unbalanced braces")


def _quoted(text: str, i: int, limit: int) -> tuple[str, int]:
    depth = 0
    for m in _QUOTED_RE.finditer(text, i + 1, limit):
        c = m.group()
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                raise _BadValue("unbalanced braces in a quoted value")
            depth -= 1
        elif c == '"' and depth == 0:
            return text[i + 1:m.start()], m.end()
    raise _BadValue("unclosed quote")


def _value(text: str, i: int, limit: int, field: str) -> tuple[list[str], int]:
    """The parts of the value at ``text[i]`` (``str`` literals, :class:`_Macro` names) and the
    index after it (after any whitespace)."""
    parts, i, _ = _value_span(text, i, limit, field)
    return parts, i


def _value_span(text: str, i: int, limit: int, field: str) -> tuple[list[str], int, int]:
    """:func:`_value`, and also the index where the value's text ends (before the whitespace)."""
    parts: list[str] = []
    while True:
        i = _skip(text, i)
        c = text[i] if i < limit else ""
        if c == "{":
            part, i = _braced(text, i, limit)
        elif c == '"':
            part, i = _quoted(text, i, limit)
        else:
            m = _WORD_RE.match(text, i, limit)
            if not m:
                raise _BadValue(f"field {field!r} has an empty value")
            word = m.group()
            part = word if word.isdigit() else _Macro(word)
            i = m.end()
        parts.append(part)
        end = i
        i = _skip(text, i)
        if i < limit and text[i] == "#":
            i += 1
            continue
        return parts, i, end


def _scan_value(raw: str, field: str) -> list[str]:
    """The parts of a whole raw value (``{a} # b``), refusing text after it."""
    parts, i = _value(raw, 0, len(raw), field)
    if i < len(raw):
        _after_value(raw, i, field)
    return parts


def _after_value(text: str, i: int, field: str) -> None:
    nxt = re.match(r"([A-Za-z][\w-]*)\s*=", text[i:i + 80])
    if nxt:
        raise _BadValue(f"missing comma between fields {field!r} and {nxt.group(1)!r}")
    raise _BadValue(f"field {field!r}: unexpected text {text[i:i + 20]!r} after the value")


class _Block:
    """One ``@...`` block: its type, line, head (for messages), key and raw fields, or the
    reason it could not be read."""

    __slots__ = ("kind", "line", "head", "key", "fields", "error", "name", "parts")

    def __init__(self, kind: str, line: int, head: str):
        self.kind, self.line, self.head = kind, line, head
        self.key = ""
        self.fields: list[tuple[str, list[str], str]] = []  # (name, parts, the value as written)
        self.error: str | None = None
        self.name = ""
        self.parts: list[str] = []


def _scan(text: str) -> Iterator[_Block]:
    """The blocks of a BibTeX text, in order. Text outside ``@`` blocks is ignored (as bibtex
    does); a block that cannot be read is yielded with ``error`` set and reading resumes at the
    next line that starts an entry."""
    import bisect

    newlines = [m.start() for m in re.finditer("\n", text)]
    n = len(text)
    i = 0
    while True:
        at = text.find("@", i)
        if at < 0:
            return
        m = _AT_RE.match(text, at)
        if not m:
            i = at + 1
            continue
        kind = m.group(1).lower()
        line = bisect.bisect_left(newlines, at) + 1
        nxt = _NEXT_ENTRY_RE.search(text, m.end())
        limit = nxt.start() if nxt else n
        head = _head(text[at:at + 120])
        block = _Block(kind, line, head)
        opener = m.group(2)
        if kind == "comment":  # skipped, with its braces
            i = m.end()
            if opener == "{":
                try:
                    _, i = _braced(text, m.end() - 1, limit)
                except _BadValue:
                    i = limit
            elif opener == "(":
                j = text.find(")", m.end(), limit)
                i = j + 1 if j >= 0 else limit
            continue
        if not opener:  # "me@example.org" in text between entries: not an entry (bibtex skips it too)
            i = m.end()
            continue
        close = "}" if opener == "{" else ")"
        try:
            i = _block_body(text, m.end(), limit, close, block)
        except _BadValue as e:
            block, i = _escaped_braces_body(text, at, m.end(), limit, close, block, e)
        yield block


#: Stand-ins for ``\{`` and ``\}`` (same length) when a block is read again with escaped braces.
_ESCAPED_BRACES = {"\\{": "\\\x01", "\\}": "\\\x02"}
_RESTORE_BRACES = str.maketrans({"\x01": "{", "\x02": "}"})


def _escaped_braces_body(text: str, at: int, start: int, limit: int, close: str, block: _Block,
                         error: _BadValue) -> tuple[_Block, int]:
    """A block BibTeX's brace counting cannot read, read again with ``\\{`` and ``\\}`` as
    escaped characters, as bibtexparser and JabRef read them (JabRef writes ``Thi\\{'ebaux``);
    the block with ``error`` set when that fails too. Returns the block and where reading goes on."""
    part = text[at:limit]
    if "\\{" not in part and "\\}" not in part:
        block.error = str(error)
        return block, limit
    for esc, stand_in in _ESCAPED_BRACES.items():
        part = part.replace(esc, stand_in)
    again = _Block(block.kind, block.line, block.head)
    try:
        end = _block_body(part, start - at, len(part), close, again)
    except _BadValue:
        block.error = str(error)
        return block, limit
    again.key = again.key.translate(_RESTORE_BRACES)
    again.parts = [type(p)(p.translate(_RESTORE_BRACES)) for p in again.parts]
    again.fields = [(name, [type(p)(p.translate(_RESTORE_BRACES)) for p in parts], raw.translate(_RESTORE_BRACES))
                    for name, parts, raw in again.fields]
    return again, at + end


def _block_body(text: str, i: int, limit: int, close: str, block: _Block) -> int:
    """Read the inside of a block after its opening delimiter; returns the index after it."""
    if block.kind == "preamble":
        _, j = _value(text, i, limit, "@preamble")
        j = _skip(text, j)
        if j >= limit or text[j] != close:
            raise _BadValue("@preamble is not closed")
        return j + 1
    if block.kind == "string":
        i = _skip(text, i)
        m = _NAME_RE.match(text, i, limit)
        if not m:
            raise _BadValue("@string without a name")
        block.name = m.group()
        i = _skip(text, m.end())
        if i >= limit or text[i] != "=":
            raise _BadValue(f"expected '=' after @string {block.name}")
        block.parts, i = _value(text, i + 1, limit, "@string " + block.name)
        if i < limit and text[i] == ",":
            i = _skip(text, i + 1)
        if i >= limit or text[i] != close:
            _after_value(text, i, "@string " + block.name)
        return i + 1
    i = _skip(text, i)
    m = (_KEY_RE if close == "}" else _PAREN_KEY_RE).match(text, i, limit)
    block.key = m.group()
    i = _skip(text, m.end())
    if i < limit and text[i] == close:  # @misc{key}
        return i + 1
    if i >= limit or text[i] != ",":
        raise _BadValue("expected a comma after the citekey")
    i += 1
    while True:
        m = _FIELD_HEAD_RE.match(text, i, limit)  # the common "  name = " in one step
        if m:
            name, start = m.group(1), m.end()
            parts, i, end = _value_span(text, start, limit, name)
            block.fields.append((name, parts, text[start:end]))
        else:
            i = _skip(text, i)
            if i >= limit:
                raise _BadValue("the entry is not closed (a missing '}'?)")
            if text[i] == close:
                return i + 1
            m = _NAME_RE.match(text, i, limit)
            if not m:
                raise _BadValue(f"unexpected {text[i:i + 20]!r} where a field name should be")
            name = m.group()
            i = _skip(text, m.end())
            if i >= limit or text[i] != "=":
                raise _BadValue(f"expected '=' after field {name!r}")
            start = _skip(text, i + 1)
            parts, i, end = _value_span(text, start, limit, name)
            block.fields.append((name, parts, text[start:end]))
        if i < limit and text[i] == ",":
            i += 1
        elif i < limit and text[i] == close:
            return i + 1
        else:
            _after_value(text, i, name)


class _Expander:
    """Expands values (literals, numbers, ``@string`` macros, ``#`` concatenation), collecting
    a warning for each undefined macro (kept as its name, as bibtex does) and refusing any value
    longer than :data:`MAX_VALUE_CHARS`."""

    def __init__(self) -> None:
        self.macros: dict[str, str] = dict(_DEFAULT_MACROS)
        self.undefined: list[str] = []

    def parts(self, parts: list[str], field: str) -> str:
        if len(parts) == 1 and not isinstance(parts[0], _Macro):
            value = parts[0]
            if len(value) > MAX_VALUE_CHARS:
                raise self._too_long(field)
            return value
        out: list[str] = []
        size = 0
        for part in parts:
            if isinstance(part, _Macro):
                low = part.lower()
                if low in self.macros:
                    part = self.macros[low]
                else:
                    self.undefined.append(f"undefined @string macro {str(part)!r} in field {field!r}; "
                                          f"kept as the text {str(part)!r}")
            size += len(part)
            if size > MAX_VALUE_CHARS:
                raise self._too_long(field)
            out.append(str(part))
        return "".join(out)

    def portable(self, parts: list[str]) -> bool:
        """Can the value be written back as the file wrote it, without the file's ``@string``
        definitions (which are not kept)? Yes when its only macros are the month names."""
        if len(parts) == 1 and not isinstance(parts[0], _Macro):
            return True  # (most values: one literal)
        return all(not isinstance(p, _Macro) or self.macros.get(p.lower(), "") == _DEFAULT_MACROS.get(p.lower())
                   for p in parts)

    @staticmethod
    def _too_long(field: str) -> ImportFailed:
        return ImportFailed(f"field {field!r} expands to more than {MAX_VALUE_CHARS:,} characters "
                            "(nested @string macros?); refusing to import")

    def __call__(self, raw: str, field: str) -> str:
        """Expand a raw value as the file wrote it (``{A} # jan``). Raises :class:`_BadValue`
        for text after the value that is not a ``#`` (the sign of a missing comma)."""
        return self.parts(_scan_value(raw, field), field)

    def define(self, name: str, raw: str) -> None:
        self.macros[name.strip().lower()] = self(raw, "@string " + name.strip())


_HEAD_RE = re.compile(r"\s*(@\w+\s*[{(][^,\n]{0,60},?)")


def _head(raw: str) -> str:
    """``@article{key,...``: how problem lines name an entry."""
    m = _HEAD_RE.match(raw or "")
    first = m.group(1) if m else " ".join((raw or "@?").strip().split())[:40]
    return first + "..."


def topic_objects(paths: list[str]) -> list[Topic]:
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


def parse_bibtex(text: str, source: str = "refs.bib", topic: str | None = None,
                 keywords_as_topics: bool = False) -> tuple[Catalog, list[str]]:
    """Parse BibTeX ``text`` into a catalog of paper entries (``form="bullet"``), one entry per
    BibTeX entry: entries the file keeps apart are never merged, whatever they share.

    Returns ``(catalog, problems)``: one line per problem, ``<source>:<line>: <what>`` --
    malformed entries (skipped; the rest imports), undefined macros (kept as their name),
    citekeys that are not valid ids or appear twice (the id differs, ``citekey`` is kept), fields
    given twice. ``source`` names the file in those lines and in the fallback topic (the topic
    of entries that get no other: ``refs.bib`` -> ``refs``). ``keywords_as_topics`` also files
    each entry under its keywords (they are always its ``tags``). Raises
    :class:`ImportFailed` when the text holds no BibTeX at all or a value expands beyond
    :data:`MAX_VALUE_CHARS`.
    """
    if topic is not None:
        topic = "/".join(s.strip() for s in topic.split("/") if s.strip()) or None
    fallback = PurePath(source).stem.strip() if source else ""
    fallback = fallback.replace("/", "-") or "Imported"

    problems: list[str] = []
    entries: list[Entry] = []
    taken: set[str] = set()
    first_line: dict[str, int] = {}
    expand = _Expander()
    failed = 0

    def warn_undefined(where: str) -> None:
        problems.extend(f"{where}: {u}" for u in expand.undefined)
        expand.undefined.clear()

    for block in _scan(text):
        where = f"{source}:{block.line}"
        if block.error:
            failed += 1
            expand.undefined.clear()
            what = f"@string {block.name}" if block.kind == "string" and block.name else f"malformed entry {block.head}"
            problems.append(f"{where}: skipped {what}: {block.error}")
            continue
        if block.kind == "preamble":
            problems.append(f"{where}: @preamble is not kept (wsskg decodes LaTeX to text)")
            continue
        if block.kind == "string":  # defined twice: the later one wins
            try:
                expand.macros[block.name.lower()] = expand.parts(block.parts, "@string " + block.name)
            except ImportFailed as e:
                raise ImportFailed(f"{where}: @string {block.name}: {e}") from None
            warn_undefined(f"{where}: @string {block.name}")
            continue
        key = block.key
        fields: dict[str, str] = {}
        spelled: dict[str, str] = {}
        twice: list[str] = []
        as_written: dict[str, str] = {}
        try:
            for name, parts, raw in block.fields:
                low = name.lower()
                if low in fields:
                    twice.append(low)
                    continue
                fields[low] = expand.parts(parts, low)
                spelled[low] = name
                as_written[name] = raw if expand.portable(parts) else "{" + fields[low] + "}"
        except ImportFailed as e:
            raise ImportFailed(f"{where}: entry {key}: {e}") from None
        warn_undefined(f"{where}: entry {key}")
        problems.extend(f"{where}: entry {key}: field {t!r} is given twice; the first is kept" for t in twice)
        entry, field_problems = _entry_from_fields(
            key, block.kind, fields, taken, topic, fallback, keywords_as_topics, spelled
        )
        entry.as_written = _differing(entry, as_written)
        if key in first_line:
            problems.append(f"{where}: citekey {key!r} was already used at line {first_line[key]}; "
                            f"both entries kept, this one as id {entry.id}")
        elif entry.id != key:
            problems.append(f"{where}: citekey {key!r} is not a valid wsskg id; id {entry.id} "
                            "(the citekey is kept for export)")
        first_line.setdefault(key, block.line)
        problems.extend(f"{where}: {block.head} {p}" for p in field_problems)
        entries.append(entry)

    if not entries and not failed and text.strip() and "@" not in text:
        raise ImportFailed(f"{source}: no BibTeX entries found")

    catalog = Catalog(entries=entries)
    # topics in order of first use by the entries, parents first
    catalog.topics = topic_objects([t for e in entries for t in e.topics])
    return catalog, [" ".join(p.split()) for p in problems]  # one line each, whatever the input held


# -- writing ----------------------------------------------------------------------------------------------

_CONFERENCE_RE = re.compile(
    venue_words_re(CONFERENCES) + r"|\b(?:workshops?|conference|proceedings|symposium|congress|meeting)\b",
    re.I,
)
_JOURNAL_RE = re.compile(
    venue_words_re(JOURNALS) + r"|\b(?:journal|transactions|letters|magazine|review|neurocomputing|pattern recognition|"
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
CORPORATE_RE = re.compile(
    r"\b(?:group|team|consortium|collaboration|committee|association|institute|university|"
    r"laboratory|lab|project|initiative|society|foundation|inc|ltd|corporation|google|microsoft|openai)\b",
    re.I,
)


_AND_WORD_RE = re.compile(r"\sand\s", re.I)


def _author_field(authors: list[str]) -> str:
    """Names joined with ``and``: the comma form as it is (BibTeX reads its parts), an
    organisation or a name holding ``and`` in braces (one last name)."""
    out = []
    for a in authors:
        a = " ".join(a.split())
        if not a:
            continue
        esc = escape_latex(a)
        if _AND_WORD_RE.search(a) or a.count(",") > 2 or ("," not in a and CORPORATE_RE.search(a)):
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
#: A citation key the reader reads back: anything but space, a comma or a brace.
_KEY_OK = re.compile(r"[^\s,{}]+")


def _braces_balance(text: str) -> bool:
    if "}" not in text:
        return "{" not in text
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _raw_value(raw: str) -> str:
    """An ``extra`` value as written: verbatim in braces when its braces balance, else escaped."""
    return "{" + (raw if _braces_balance(raw) else escape_latex(raw)) + "}"


def _label_like(e: Entry) -> bool:
    """Is the list's title of this entry a label (a results-table name, a repo name: ``psa``,
    ``DSRG``) rather than the work's title?"""
    words = _strip_md(e.title).split()
    return len(words) <= 2 and len(" ".join(words)) <= 24 or (bool(e.results) and len(words) <= 3)


def _work_key(e: Entry) -> list[str]:
    keys = []
    if e.arxiv_id:
        keys.append("a:" + strip_arxiv_version(e.arxiv_id).lower())
    if e.doi:
        keys.append("d:" + e.doi.strip().lower())
    keys.extend("u:" + ln.url.strip().rstrip("/").lower() for ln in e.links if ln.kind in ("paper", "pdf", "code"))
    return keys


def _reads_as_title(text: str) -> bool:
    """A comment that is the work's title: six words or more, most long words capitalised
    (``Learning Pixel-level Semantic Affinity with ...``, not ``Caffe, CAM and DRFI provided``)."""
    words = text.split()
    long_words = [w for w in words if len(w) > 3]
    if len(words) < 6 or text.rstrip().endswith(".") or not long_words:
        return False
    return sum(w[:1].isupper() for w in long_words) >= 0.8 * len(long_words)


def work_titles(entries: list[Entry], siblings: list[Entry] | None = None) -> dict[str, str]:
    """The work's title for each Markdown-born entry of ``entries`` whose own title is a label
    and that enrichment has not named: the title of another entry of ``siblings`` (the whole
    catalog) for the same work (same arXiv id, DOI or paper/code link), else the entry's comment
    when it reads as a title (``psa: Learning Pixel-level Semantic Affinity with ...``)."""
    wanted = [e for e in entries if e.entry_type is None and not e.canonical_title and _label_like(e)]
    if not wanted:
        return {}
    known: dict[str, str] = {}
    for s in siblings if siblings is not None else entries:
        full = s.canonical_title or ("" if _label_like(s) else _strip_md(s.title))
        if full:
            for k in _work_key(s):
                known.setdefault(k, full)
    out = {}
    for e in wanted:
        title = next((known[k] for k in _work_key(e) if k in known), None)
        if not title and _reads_as_title(e.comment or ""):
            title = " ".join(e.comment.split())
        if title:
            out[e.id] = title
    return out


def bib_record(e: Entry, title: str | None = None) -> tuple[str, str, list[tuple[str, str]]]:
    """``(entry type, citekey, [(field, value as written)])`` for an entry.

    An entry imported from BibTeX or CSL-JSON (``entry_type`` set) is written as it came: its
    type, its citekey, its own title/venue/year, every typed field and every ``extra`` field.
    An entry born in a Markdown list gets its type from its venue (:func:`entry_type`), what
    enrichment found (``canonical_*``) before the list's wording (``title``: the work's title
    from :func:`work_titles` when the list only gave a label), and its id as citekey.
    """
    born_here = e.entry_type is None
    if born_here:
        title = _strip_md(e.canonical_title or title or e.title)
        venue = _strip_md(e.canonical_venue or e.venue or "")
        year = e.canonical_year or e.year
        kind = entry_type(venue)
    else:
        title = _strip_md(e.title or e.canonical_title or "")
        venue = _strip_md(e.venue or e.canonical_venue or "")
        year = e.year or e.canonical_year
        kind = e.entry_type or "misc"
    key = e.citekey if e.citekey and _KEY_OK.fullmatch(e.citekey) else e.id
    extra = {k.lower(): v for k, v in (e.extra or {}).items()}
    fields: list[tuple[str, str]] = []

    def put(name: str, value: str) -> None:
        fields.append((name, value))

    if title:
        put("title", _WRITE["title"](title))
    if e.authors:
        put("author", _WRITE["names"](e.authors))
    if e.editors:
        put("editor", _WRITE["names"](e.editors))
    if venue:
        put(e.venue_field or usual_venue_field(kind), _WRITE["venue"](venue))
    if year and "year" not in extra and "date" not in extra:
        put("year", _WRITE["year"](str(year)))
    if e.month:
        put("month", _WRITE["month"](e.month))
    for name in ("volume", "number", "pages"):
        if getattr(e, name):
            put(name, _WRITE["raw"](getattr(e, name)))
    for name in DECODED_FIELDS:
        if getattr(e, name) and name != "language":
            put(name, _WRITE["prose"](getattr(e, name)))
    for name in ("isbn", "issn"):
        if getattr(e, name):
            put(name, _WRITE["raw"](getattr(e, name)))
    if e.doi:
        put("doi", _WRITE["doi"](e.doi))
    url = main_url(e)
    how = extra.get("howpublished") or ""
    if url and url not in how and url != _plain(how):  # the link howpublished gave is written there
        put("url", _WRITE["url"](url))
    if e.arxiv_id and "eprint" not in extra:
        written = {n: v.strip("{}") for n, v in fields}
        if arxiv_from(written, e.doi, [url] if url else []) != strip_arxiv_version(e.arxiv_id):
            put("eprint", "{" + _verbatim(strip_arxiv_version(e.arxiv_id)) + "}")
            put("archivePrefix", "{arXiv}")
            pc = _primary_class(e)
            if pc:
                put("primaryClass", "{" + pc + "}")
    if e.tags:
        put("keywords", _WRITE["keywords"](e.tags))
    note = _note_text(e)
    if note:
        put("note", _WRITE["paragraphs"](note))
    if e.abstract:
        put("abstract", _WRITE["paragraphs"](e.abstract))
    if e.language:
        put("language", _WRITE["prose"](e.language))
    if e.file:
        put("file", _WRITE["raw"](e.file))
    written_names = {n.lower() for n, _ in fields}
    for name, raw in (e.extra or {}).items():
        if name.lower() not in written_names and _NAME_RE.fullmatch(name):
            put(name, _WRITE["raw"](raw))
            written_names.add(name.lower())
    if e.status in _READSTATUS and "readstatus" not in written_names:
        put("readstatus", _WRITE["readstatus"](e.status))
    if e.as_written:
        fields = _as_written(e, fields)
    return kind, key, fields


def _ws(value: str) -> str:
    return " ".join(value.split())


def _differing(e: Entry, as_written: dict[str, str]) -> dict[str, str]:
    """The fields of ``as_written`` (name as spelled -> value as written) that the export would
    write otherwise, whitespace runs aside: what an imported entry keeps in ``as_written``."""
    extra = {k.lower(): k for k in e.extra} if e.extra else {}
    out = {}
    for name, raw in as_written.items():
        low = name.lower()
        if low in _NAMES_KEPT:
            out[name] = raw
            continue
        said = _model_field(e, low, extra)
        if said is None:
            continue
        rule, value = said
        if not value and rule != "raw":
            continue  # not written
        if (name if low in extra else low) != name or raw[:1] != "{" and rule != "month":
            out[name] = raw  # another spelling, or quotes or a number: never what the export writes
            continue
        mine = _WRITE[rule](value)
        if mine != raw and _ws(mine) != _ws(raw):
            out[name] = raw
    return out


#: Name fields whose text as written is kept without asking the writer: its form (``First
#: Last``) differs for nearly every name in a library, and asking cost a quarter of the import.
_NAMES_KEPT = ("author", "editor")


def _as_written(e: Entry, fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``fields`` with each value the file wrote put back, under its name as spelled, where the
    entry still says what that value says (the user or enrichment did not change the field)."""
    raws = {name.lower(): (name, raw) for name, raw in e.as_written.items()}
    extra = {k.lower(): k for k in e.extra} if e.extra else {}
    out = []
    for name, value in fields:
        found = raws.get(name.lower())
        if found is not None:
            content = _content(*found)
            said = _model_field(e, name.lower(), extra)
            if content is not None and said is not None and _READ[said[0]](content) == said[1]:
                name, value = found
        out.append((name, value))
    return out


def _content(name: str, raw: str) -> str | None:
    """The text of a value as written (``{...}``, ``"..."``, ``2005``, ``aug # {~1}``); None when
    it cannot be read."""
    if raw[:1] == "{" and raw[-1:] == "}" and _braced_whole(raw):
        return raw[1:-1]
    try:
        return _Expander()(raw, name)
    except (_BadValue, ImportFailed):
        return None


def _braced_whole(raw: str) -> bool:
    """Is ``raw`` one braced value (its first brace closes at its end)? ``\\{`` counts as
    BibTeX counts it, unless the value only reads with it escaped."""
    try:
        return _braced(raw, 0, len(raw))[1] == len(raw)
    except _BadValue:
        return "\\{" in raw or "\\}" in raw


def _model_field(e: Entry, name: str, extra: dict[str, str]) -> tuple[str, object] | None:
    """What an imported entry says for its BibTeX field ``name`` (lower case), as
    :func:`_entry_from_fields` took it, and the rule (:data:`_READ`, :data:`_WRITE`) it is read
    and written by: ``(rule, value)``; None for a field the entry does not hold. ``extra``: the
    entry's extra field names by their lower case."""
    if name in extra:
        return "raw", e.extra[extra[name]]
    if name == "title":
        return "title", e.title
    if name in _NAMES_KEPT:
        return "names", e.authors if name == "author" else e.editors
    if name == (e.venue_field or usual_venue_field(e.entry_type)):
        return "venue", e.venue
    if name == "year":
        return "year", str(e.year) if e.year else None
    if name in VERBATIM_FIELDS:
        return "raw", getattr(e, name)
    if name in _FIELD_RULES:
        return _FIELD_RULES[name], getattr(e, name)
    if name == "url":
        return "url", main_url(e)
    if name == "keywords":
        return "keywords", e.tags
    if name == "note":
        return "paragraphs", _note_text(e)
    if name == "readstatus":
        return "readstatus", e.status if e.status in _READSTATUS else None
    return None


#: The rule of the typed fields named as their attribute (:func:`_model_field`).
_FIELD_RULES = {**{name: "prose" for name in DECODED_FIELDS}, "month": "month", "doi": "doi",
                "abstract": "paragraphs"}


def _note_text(e: Entry) -> str:
    return "\n\n".join(n for n in e.notes if n and n.strip())


#: How a field's text is read into what the entry holds, by rule (as :func:`_entry_from_fields`).
_READ = {
    "raw": lambda text: text,
    "title": latex_to_text,
    "names": _names,
    "venue": latex_to_text,
    "prose": latex_to_text,
    "month": latex_to_text,
    "year": _plain,
    "doi": _clean_doi,
    "url": _plain,
    "keywords": _split_keywords,
    "paragraphs": lambda text: latex_to_text(text, paragraphs=True),
    "readstatus": lambda text: _READSTATUS_IN.get(_plain(text).lower()),
}


def _month_text(month: str) -> str:
    """A full month name as its macro (``jun``), any other month in braces."""
    month = month.strip()
    return month[:3].lower() if month in _MONTH_NAMES else "{" + escape_latex(month) + "}"


def _keywords_text(tags: list[str]) -> str:
    sep = "; " if any("," in t for t in tags) else ", "
    return "{" + sep.join(escape_latex(t) for t in tags) + "}"


#: How the export writes what an entry holds, by rule: the value with its braces.
_WRITE = {
    "raw": _raw_value,
    "title": lambda title: "{" + escape_latex(_strip_md(title), protect_case=True) + "}",
    "names": lambda names: "{" + _author_field(names) + "}",
    "venue": lambda venue: "{" + escape_latex(_strip_md(venue)) + "}",
    "prose": lambda text: "{" + escape_latex(text) + "}",
    "month": _month_text,
    "year": lambda year: "{" + year + "}",
    "doi": lambda doi: "{" + _verbatim(doi) + "}",
    "url": lambda url: "{" + _verbatim(url) + "}",
    "keywords": _keywords_text,
    "paragraphs": lambda text: "{" + _escape_paragraphs(text) + "}",
    "readstatus": lambda status: "{" + _READSTATUS[status] + "}",
}


def _bib_entry(e: Entry, title: str | None = None) -> str:
    kind, key, fields = bib_record(e, title)
    body = "".join(f"  {k} = {v},\n" for k, v in fields)
    return f"@{kind}{{{key},\n{body}}}\n"


def main_url(e: Entry) -> str | None:
    """The URL for ``url``: the first paper/pdf link, else the first web link, else any."""
    for kinds in (("paper", "pdf"), ("web",), ("code", "video")):
        for ln in e.links:
            if ln.kind in kinds and ln.url.strip():
                return ln.url.strip()
    return None


def to_bibtex(entries: list[Entry], siblings: list[Entry] | None = None) -> str:
    """BibTeX for every ``kind == "paper"`` entry, in order (see :func:`bib_record`);
    ``siblings`` (the whole catalog) name works the list only labelled (:func:`work_titles`)."""
    titles = work_titles(entries, siblings)
    return "\n".join(_bib_entry(e, titles.get(e.id)) for e in entries if e.kind == "paper")
