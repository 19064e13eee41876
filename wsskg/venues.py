"""Venues and years as reading lists write them: the one venue table and year parser.

Lists name venues in many ways (``CVPR2018``, ``CVPR 2018``, ``CVPR'19``, ``*ICME2021*``,
``[[CVPR](url)]``, `` `CVPR 16` ``, ``arxiv 25.10``, ``Arxiv1804``, a heading ``### CVPR 2025``).
Every module that recognises, strips or compares a venue imports it from here, so a venue added
to :data:`VENUES` is known to the importer, title normalisation, merging and BibTeX export alike.
"""

from __future__ import annotations

import re


#: Conference abbreviations (BibTeX export writes ``@inproceedings`` for them).
CONFERENCES = (
    "CVPR", "ICCV", "ECCV", "NIPS", "NeurIPS", "BMVC", "ICML", "ICLR", "AAAI", "IJCAI", "WACV", "KDD", "ACCV",
    "MICCAI", "ACL", "EMNLP", "NAACL", "COLING", "SIGGRAPH", "SIGIR", "ICASSP", "ICIP", "ICPR", "ICRA", "IROS",
    "CoRL", "UAI", "AISTATS", "COLT", "ACM MM", "3DV", "WWW", "CIKM", "WSDM", "ICDM", "SDM", "ICME", "ISBI",
    "MIDL", "EMMCVPR", "JURSE", "ISVC",
)
#: Journal abbreviations (``@article``).
JOURNALS = ("TPAMI", "PAMI", "T-PAMI", "TIP", "IJCV", "TMM", "TNNLS", "TCSVT", "TOG", "TVCG", "CVIU", "JMLR",
            "TMLR", "TGRS", "TMI", "MedIA", "PR")
#: Other names lists give a venue: workshops, spellings, preprint servers.
OTHER_VENUES = ("CVPRW", "ICCVW", "ECCVW", "ACMMM", "ACM-MM", "MM", "IEEE Access", "Neurocomputing", "arXiv",
                "preprint", "CoRR")
#: Every venue name the importer recognises, longest first.
VENUES = tuple(sorted(dict.fromkeys(CONFERENCES + JOURNALS + OTHER_VENUES), key=len, reverse=True))
_NAMES = "|".join(re.escape(v).replace(r"\ ", r"[ \t]?") for v in VENUES)
#: A venue word (case-insensitive for arXiv/preprint, exact case otherwise: ``PR``/``MM`` are
#: words only in capitals).
VENUE_NAME = rf"(?:(?i:arxiv|preprint|corr)|{_NAMES})"
#: A venue with an optional year and qualifiers: ``CVPR 2018``, ``CVPR'19``, ``NIPS2016 workshop``,
#: ``ICCV 2017(Oral)``, ``arxiv 25.10``, ``Arxiv1804``.
VENUE_CORE = (
    rf"{VENUE_NAME}(?:[ \t]?[-']?[ \t]?(?:(?:19|20)\d\d|\d\d(?:\.\d\d)?|\d{{4}}))?(?![\w])"
    r"(?:[ \t]*\((?i:spotlight|oral|poster|highlight)\))?"
    r"(?:[ \t]+(?i:workshops?|spotlight|oral|findings))?"
)
VENUE_RE = re.compile(rf"(?<![\w-])(?P<venue>{VENUE_CORE})")
#: Just a year, in brackets or not: ``2018``, ``[2018]``, ``(2018)``.
YEAR_RE = re.compile(r"(?<![\w.])[(\[]?(?P<year>(?:19|20)\d\d)[)\]]?(?![\w.])")
#: Year bounds accepted from list text (later years are typos or version numbers).
MIN_YEAR, MAX_YEAR = 1950, 2035


def venue_words_re(names: tuple[str, ...]) -> str:
    """A regex alternation of venue names as whole words (``ACM MM`` also as ``ACMMM``)."""
    alts = sorted((re.escape(n).replace(r"\ ", r"\s?") for n in names), key=len, reverse=True)
    return r"(?<![A-Za-z])(?:" + "|".join(alts) + r")(?![A-Za-z])"


def year_of(venue: str | None) -> int | None:
    """The year in a venue as lists write it: ``CVPR2018``, ``CVPR 2018``, ``PAMI19``, ``CVPR'19``,
    ``Arxiv1804`` (arXiv yymm), ``arxiv 25.10`` (yy.mm); None when it names no year."""
    m = re.search(r"(\d{2,4})(?:\.(\d\d))?", venue or "")
    if not m:
        return None
    d = m.group(1)
    if len(d) == 4 and d[:2] in ("19", "20"):
        y = int(d)
    elif len(d) == 4:  # arXiv yymm
        y = 2000 + int(d[:2]) if 1 <= int(d[2:]) <= 12 else None
    elif len(d) == 2:
        y = 2000 + int(d) if int(d) < 50 else 1900 + int(d)
    else:
        return None
    return y if y is not None and MIN_YEAR <= y <= MAX_YEAR else None


def venue_name(venue: str | None) -> str | None:
    """The venue without year or qualifiers, upper-cased for comparison (``CVPR'19`` -> ``CVPR``)."""
    m = re.match(VENUE_NAME, (venue or "").strip())
    if not m:
        return None
    name = re.sub(r"[\s\-]", "", m.group(0)).upper()
    return {"NIPS": "NEURIPS", "PAMI": "TPAMI", "T-PAMI": "TPAMI", "CORR": "ARXIV", "PREPRINT": "ARXIV"}.get(name, name)


def find_venue(text: str) -> tuple[str, int | None] | None:
    """The first venue named in ``text`` with its year (``None`` year when it gives none)."""
    m = VENUE_RE.search(text or "")
    if not m:
        return None
    v = m.group("venue").strip()
    return v, year_of(v)


def parse_year(text: str | None) -> int | None:
    """A year standing alone in ``text`` (a table cell, a heading ``#### 2019``), else None."""
    m = YEAR_RE.search(text or "")
    if not m:
        return None
    y = int(m.group("year"))
    return y if MIN_YEAR <= y <= MAX_YEAR else None


def heading_venue(text: str) -> tuple[str | None, int | None]:
    """What a section heading says about the papers under it: ``CVPR 2025`` -> (``CVPR 2025``, 2025),
    ``2019`` -> (None, 2019). Headings that say more than a venue/year (``Papers 2019 and before``)
    give nothing."""
    s = re.sub(r"[*_`]", "", text or "").strip()
    if re.fullmatch(r"(?:19|20)\d\d", s):
        return None, int(s)
    m = re.fullmatch(rf"({VENUE_CORE})", s)
    if m:
        return m.group(1), year_of(m.group(1))
    return None, None


def title_venue(title: str | None) -> tuple[str | None, int | None]:
    """The venue and year a list's title names for all its papers (``ECCV 2024 论文和开源项目合集``
    -> (``ECCV 2024``, 2024)); nothing when it names none or more than one."""
    pattern = rf"(?<![\w-])(?P<v>{VENUE_NAME})[ \t]?['-]?[ \t]?(?P<y>(?:19|20)\d\d)(?![\w])"
    found = list(re.finditer(pattern, re.sub(r"[*_`]", "", title or "")))  # re caches it: once an import
    if len(found) != 1:
        return None, None
    m = found[0]
    return m.group(0).strip(), int(m.group("y"))


# -- trailing venues in titles -------------------------------------------------------------------
# The venue and what may follow it to the end of the title. The separators before it are stripped
# by hand (``strip_venue_suffix``): as a leading ``[\s,:.;(]+`` in the same regex they made a search
# quadratic in the length of any run of spaces or commas (a 10 MB hostile line never finished).
_SUFFIX_NAMES = "|".join(re.escape(v).replace(r"\ ", r"[ \t]?") for v in VENUES if len(v) > 2)
_SUFFIX_RE = re.compile(
    rf"(?:{_SUFFIX_NAMES})(?:\s*[-']?\s*\d{{2,4}}(?:\.\d\d)?)?\b[^\w]*(?:(?:workshop|spotlight|oral)[^\w]*)?$", re.I
)
_WORD_START_RE = re.compile(rf"(?<=[\s,:.;(*])(?=(?:{_SUFFIX_NAMES}))", re.I)


#: A trailing venue is looked for in this many last characters only (linear on hostile lines).
SUFFIX_SPAN = 60


def _last_word(text: str) -> str:
    """The last run of word characters (``\\w``) in ``text`` (no regex: this runs at import)."""
    end = len(text)
    while end and not _is_word(text[end - 1]):
        end -= 1
    start = end
    while start and _is_word(text[start - 1]):
        start -= 1
    return text[start:end]


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what ``\w`` matches


#: How a title that ends in a venue suffix can end (lower case): the last word of a venue name,
#: or a word that may follow one. A title ending in another ASCII word has no venue suffix.
_SUFFIX_LAST_WORDS = tuple(sorted({_last_word(v).lower() for v in VENUES if len(v) > 2}
                                  | {"workshop", "spotlight", "oral"}))
_LONGEST_LAST_WORD = max(map(len, _SUFFIX_LAST_WORDS))


def _cannot_end_in_a_venue(t: str) -> bool:
    """A quick test that rules out a venue suffix for most titles (the search below tries a
    long alternation at each of the last 60 positions: 7 us a title, 0.7 s at 100,000). It
    answers True only when the last word character is an ASCII letter and the ASCII tail does
    not end in a word a suffix ends in; anything else goes to the search."""
    end = len(t)
    stop = max(0, end - SUFFIX_SPAN)
    i = end
    while i > stop and not _is_word(t[i - 1]):  # what ``[^\w]*`` takes
        i -= 1
    if i == stop:
        return True  # no word character among the last SUFFIX_SPAN: no venue starts there
    tail = t[max(0, i - _LONGEST_LAST_WORD):i]
    if not tail.isascii() or tail[-1].isdigit():
        return False  # a year, or letters re.I may fold differently from str.lower
    return not tail.lower().endswith(_SUFFIX_LAST_WORDS)


def strip_venue_suffix(t: str) -> str:
    """``t`` without a trailing venue (``, CVPR2018``, `` *ICME2021*``) and the separators before it."""
    if _cannot_end_in_a_venue(t):
        return t
    for m in _WORD_START_RE.finditer(t, max(0, len(t) - SUFFIX_SPAN)):
        if _SUFFIX_RE.match(t, m.start()):
            i = m.start()
            while i > 0 and (t[i - 1].isspace() or t[i - 1] in ",:.;(*_"):
                i -= 1
            return t[:i]
    return t


# -- venues written out in full (API records) ------------------------------------------------------

#: Long names and spellings of the venues enrichment compares (a record's ``venue`` is written
#: out in full: "IEEE Conference on Computer Vision and Pattern Recognition").
VENUE_SPELLINGS = {
    "cvpr": ["computer vision and pattern recognition", "cvpr"],
    "iccv": ["international conference on computer vision", "iccv"],
    "eccv": ["european conference on computer vision", "eccv"],
    "neurips": ["neural information processing systems", "neurips", "nips"],
    "bmvc": ["british machine vision conference", "bmvc"],
    "icml": ["international conference on machine learning", "icml"],
    "iclr": ["international conference on learning representations", "iclr"],
    "aaai": ["aaai"],
    "ijcai": ["international joint conference on artificial intelligence", "ijcai"],
    "tpami": ["pattern analysis and machine intelligence", "tpami", "pami"],
    "tip": ["transactions on image processing"],
    "ijcv": ["international journal of computer vision", "ijcv"],
    "wacv": ["applications of computer vision", "wacv"],
    "accv": ["asian conference on computer vision", "accv"],
    "miccai": ["medical image computing and computer assisted intervention", "miccai"],
    "kdd": ["knowledge discovery and data mining", "kdd"],
    "arxiv": ["arxiv", "corr"],
}


def venue_key(text: str | None) -> str | None:
    """The venue a text names (``cvpr``, ``tpami``, ``arxiv``...), or None when unknown."""
    t = " ".join(re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).split())
    if not t:
        return None
    for key, pats in VENUE_SPELLINGS.items():
        for p in pats:
            if re.search(rf"(?:^| ){re.escape(p)}(?:\d{{2,4}})?(?: |$)", t):
                return key
    return None
