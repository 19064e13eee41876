"""Words and text folding shared by every module that compares or cleans titles.

One home for the stop words (ids, matching and search skip them), for the small words of title
case, and for :func:`normalize_title`, the fold under which two titles are "the same text".
"""

from __future__ import annotations

import functools
import re
import unicodedata

from wsskg.venues import strip_venue_suffix

#: Words too common to identify a paper: left out of ids, initials and word-overlap tests.
STOP_WORDS = frozenset({
    "a", "an", "the", "of", "for", "and", "with", "to", "in", "on", "by", "from", "via", "using",
    "is", "are", "at", "as", "its", "into", "towards", "toward", "or", "vs", "without", "through",
})
#: Words title case leaves in lower case (``Learning to Segment with ...``).
SMALL_WORDS = STOP_WORDS | {"be", "do", "does", "it", "not", "what", "when", "where", "how"}


def normalize_title(title: str | None) -> str:
    """Fold a title for duplicate detection: case, accents, punctuation, ``**bold**``, a
    trailing venue (``, CVPR2018``) and runs of spaces do not matter."""
    return _normalize(title or "")


@functools.lru_cache(maxsize=1 << 16)
def _normalize(title: str) -> str:
    """:func:`normalize_title`, cached: the identity pass folds the same titles many times."""
    t = title
    if not t.isascii():
        t = unicodedata.normalize("NFKD", t)
        t = "".join(ch for ch in t if not unicodedata.combining(ch))
    t = t.replace("*", "").replace("_", " ")
    t = strip_venue_suffix(t)
    t = re.sub(r"[^\w\s]", " ", t.lower())
    return " ".join(t.split())


def significant_words(title: str) -> list[str]:
    """The words of the folded title that are not stop words."""
    return [w for w in normalize_title(title).split() if w not in STOP_WORDS]


_EMOJI_CODE = re.compile(r":[a-z0-9_+\-]{2,40}:")
_EMOJI_CHAR = re.compile(
    "[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200d\u2190-\u21FF\u2300-\u23FF]"
)
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_MD_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^()]*\)")
_QUOTES = "\"'“”‘’«»「」"


@functools.lru_cache(maxsize=1 << 16)  # an import asks for the same parts of a list many times
def strip_markup(text: str) -> str:
    """Text without Markdown, HTML, entities, emoji and code-span backticks: what a reader sees.

    Link texts stay (``[Title](url)`` -> ``Title``); images, tags and ``:emoji:`` go."""
    import html  # here, not at the top: its entity table costs ~2 ms, and queries never get here

    t = text or ""
    t = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", t)
    t = _MD_LINK.sub(r"\1", t)
    t = _HTML_TAG.sub("", t)
    t = html.unescape(t).replace("\u2020", "").replace("\u2021", "")
    t = _EMOJI_CODE.sub(" ", t)
    t = _EMOJI_CHAR.sub(" ", t)
    t = re.sub(r"(\*\*|__)(.+?)\1", r"\2", t)
    t = re.sub(r"(?<![\w*])([*_])(?!\s)(.+?)(?<!\s)\1(?![\w*])", r"\2", t)
    t = t.replace("`", "").replace("\\", "")
    t = re.sub(r"\*{2,}|_{2,}", "", t)
    return " ".join(t.split())


def clean_title(text: str) -> str:
    """A title as a catalog shows it: no markup, no surrounding quotes, no trailing venue or
    separator (``"Title" *ICME2021*`` -> ``Title``)."""
    t = strip_markup(text)
    t = strip_venue_suffix(t)
    t = t.strip(" \t,;:|-–—")
    if len(t) >= 2 and t[0] in _QUOTES and t[-1] in _QUOTES:
        t = t[1:-1]
    t = t.strip(_QUOTES + " ")
    t = t.rstrip(" .,;:|")
    return " ".join(t.split())


def has_markup(title: str) -> bool:
    """Does ``title`` still carry list markup (what the fidelity report counts as unclean)?"""
    return bool(re.search(r"\*\*|__|`|</?[A-Za-z][^>]*>|\]\(|^\[|&[a-z]+;|:[a-z_]+:|^[\"“]|[\"”]$", title or ""))
