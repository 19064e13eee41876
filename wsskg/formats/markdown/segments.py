"""A record's text -> typed segments: the alphabet templates are written in.

Template induction (:mod:`wsskg.formats.markdown.template`) compares records of one list by the
*kinds* of their pieces, not their words: a link with its text and host, a bold/italic/code span,
a bracketed or parenthesised group, a 【full-width】 group, an emoji, a plain-text run cut at the
list's separators, and the start of the record's next line. HTML inline markup (``<b>``, ``<a
href>``, ``<summary>``) is read as its Markdown twin, so ``<b>Title</b>`` and ``**Title**`` are
the same shape.

Each segment also carries the *content* features that decide its role (a title is long, mostly
distinct and title-cased; a venue is short and names a year or an acronym; an author slot is a
list of names): the features are computed here once, the decisions are made per group.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from wsskg.formats.markdown.fields import GENERIC_LABELS, tokenize
from wsskg.formats.markdown.lexer import CHECKBOX, ITEM
from wsskg.text import SMALL_WORDS, strip_markup

#: Distinct texts whose content features are remembered during an import (a list repeats its parts).
CACHE_SIZE = 1 << 16

_A_TAG = re.compile(r"<a\b[^>]*?\bhref\s*=\s*[\"']([^\"']*)[\"'][^>]*>(.*?)</a\s*>", re.I | re.S)
_BOLD_TAG = re.compile(r"</?(?:b|strong)\s*>", re.I)
_ITAL_TAG = re.compile(r"</?(?:i|em)\s*>", re.I)
_CODE_TAG = re.compile(r"</?code\s*>", re.I)
#: Tags that only frame or break the text (``<details><summary>``, ``<br>``, ``<p>``, ``<img>``).
_FRAME_TAG = re.compile(r"</?(?:details|summary|p|br|img|span|div|sup|sub|font|center|li|ul|ol|h[1-6]|a)\b[^>]*>", re.I)
_BADGE = re.compile(r"\[!\[[^\]]*\]\([^)]*\)\]\(([^)\s]*)\)")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_EMOJI_CHARS = "\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\uFE0F\u200D"
_EMOJI = re.compile(rf"(?::[a-z0-9_+\-]{{2,40}}:|[{_EMOJI_CHARS}]+)")
_PH = "\x00"
#: Inline spans, in the order they are tried at one position.
_SPAN = re.compile(
    r"(?P<code>`[^`]+`)"
    r"|(?P<bold>\*\*(?:(?!\*\*).)+?\*\*|__(?:(?!__).)+?__)"
    r"|(?P<ital>(?<![\w*])\*(?![\s*])(?:[^*]+?)(?<![\s*])\*(?![\w*])|(?<![\w_])_(?![\s_])(?:[^_]+?)(?<![\s_])_(?![\w_]))"
    r"|(?P<corner>【[^】]*】)"
    r"|(?P<bracket>\\?\[[^\[\]\x00]*(?:\x00\d+\x00[^\[\]\x00]*)*\\?\](?!\())"
    r"|(?P<paren>\((?:[^()]|\([^()]*\))*\))"
)
#: Where plain text is cut into fields: ``, `` ``. `` `` - `` `` | `` ``; `` and `` by ``.
_SEP = re.compile(r"\s*(?:(?<!\d),|,(?!\d{3})|，|;|(?<![A-Z])(?<!\bal)(?<!\bet)(?<!\bvs)(?<!\bno)\.(?=\s|$)|\s[-–—]\s|\|)\s*|\s+by\s+(?=[A-Z])")
_YEAR = re.compile(r"(?<![\d.])(?:19[5-9]\d|20[0-4]\d)(?![\d])")
_NAME = re.compile(r"^(?:(?:[A-Z]\.){2,}|[A-Z][\w'’\-]*\.?|[A-Z]\.|de|da|van|von|der|den|del|di|la|le|du|dos|bin)(?:\s+(?:(?:[A-Z]\.){2,}|[A-Z][\w'’\-]*\.?|[A-Z]\.|de|da|van|von|der|den|del|di|la|le|du|dos|bin|[a-z]\.)){0,4}$")
_ETAL = re.compile(r"\bet\.?\s*al\.?", re.I)


@dataclass
class Seg:
    """One piece of a record: its kind (link, bold, ital, code, bracket, paren, corner, text,
    emoji; ``nl`` starts the record's next line), visible text, link target, and line."""

    kind: str
    text: str
    url: str | None = None
    line: int = 0
    style: str = ""  # the span a link sits in (``bold`` for ``**[Title](url)**``)
    raw: str = ""  # the source text of a plain-text run (separators around it kept)
    sep: str = ""  # the separator that ended a plain-text part (``,`` ``.`` ``-`` ``by``)


@lru_cache(maxsize=CACHE_SIZE)
def is_generic(text: str) -> bool:
    s = re.sub(r"[\[\]`*_:：()]", "", strip_markup(text)).strip().lower()
    if not s:
        return True
    if s in GENERIC_LABELS:
        return True
    first = s.split()[0]
    return len(s.split()) <= 3 and first in GENERIC_LABELS


def record_lines(lines: list[str]) -> list[str]:
    """The record's lines without list markers, checkboxes, quote marks and indentation."""
    out = []
    for ln in lines:
        s = ln.strip()
        m = ITEM.match(s)
        if m:
            s = m.group(4).strip()
            c = CHECKBOX.match(s)
            if c:
                s = c.group(2)
        s = re.sub(r"^(?:>\s*)+", "", s)
        s = re.sub(r"^#{1,6}\s+", "", s)
        out.append(s)
    return out


def _normalise_html(s: str) -> str:
    s = _A_TAG.sub(lambda m: f"[{strip_markup(m.group(2)).strip() or m.group(1)}]({m.group(1)})", s)
    s = _BOLD_TAG.sub("**", s)
    s = _ITAL_TAG.sub("*", s)
    s = _CODE_TAG.sub("`", s)
    s = _FRAME_TAG.sub(" ", s)
    return re.sub(r"<!--.*?-->", " ", s)


def segment_line(s: str, line: int = 0) -> list[Seg]:
    """Cut one line of a record into segments."""
    s = _normalise_html(s)
    links: list[Seg] = []

    def hold(seg: Seg) -> str:
        links.append(seg)
        return f"{_PH}{len(links) - 1}{_PH}"

    s = _BADGE.sub(lambda m: hold(Seg("link", "", m.group(1), line)), s)
    s = _IMAGE.sub(" ", s)
    text = ""
    for t in tokenize(s):
        if t.url is not None:
            label = t.label if t.label != t.url else ""
            label = html.unescape(re.sub(r"^\[(.*)\]$", r"\1", label.strip()))  # the target stays as written
            text += hold(Seg("link", strip_markup(label).strip(), t.url, line))
        else:
            text += html.unescape(t.text) if "&" in t.text else t.text
    out: list[Seg] = []
    pos = 0
    for m in _SPAN.finditer(text):
        if m.start() > pos:
            out.extend(_plain(text[pos:m.start()], links, line))
        kind = m.lastgroup
        body = m.group(0)
        inner = {"code": body[1:-1], "bold": body[2:-2], "ital": body[1:-1], "corner": body[1:-1],
                 "bracket": body.strip("\\")[1:-1], "paren": body[1:-1]}[kind]
        held = [links[int(k)] for k in re.findall(rf"{_PH}(\d+){_PH}", inner)]
        rest = re.sub(rf"{_PH}\d+{_PH}", "", inner)
        if held and not strip_markup(rest).strip(" ,/|-–:"):
            for h in held:  # ``**[Title](url)**``, ``[[pdf](a), [code](b)]``: the links themselves
                h.style = h.style or kind
                out.append(h)
        elif (kind == "code" and "【" in inner) or (kind in ("bracket", "paren") and held and "`" in rest):
            # a code span used as a header of 【】 groups; ``[`CVPR 2024`, [Github](url)]``
            inner = _unhold(inner, links) if held else inner
            out.extend(segment_line(inner, line))  # a code span used as a header of 【】 groups
        elif kind in ("bold", "ital") and held:
            out.extend(Seg(x.kind, x.text, x.url, line, kind, x.raw) for x in segment_line(_unhold(inner, links), line))
        else:
            vis = _visible(inner, links)
            if kind in ("bold", "ital") and re.fullmatch(r"\\?\[[^\[\]]+\\?\]", vis):
                kind, vis = "bracket", vis.strip("\\")[1:-1].strip()  # ``**[ABBR]**`` is a tag
            out.append(Seg(kind, vis, None, line))
            out.extend(h for h in held if h.url)
        pos = m.end()
    if pos < len(text):
        out.extend(_plain(text[pos:], links, line))
    return out


def _unhold(s: str, links: list[Seg]) -> str:
    return re.sub(rf"{_PH}(\d+){_PH}", lambda m: f"[{links[int(m.group(1))].text}]({links[int(m.group(1))].url})", s)


def _visible(s: str, links: list[Seg]) -> str:
    s = re.sub(rf"{_PH}(\d+){_PH}", lambda m: links[int(m.group(1))].text, s)
    return " ".join(strip_markup(s).split())


def _plain(s: str, links: list[Seg], line: int) -> list[Seg]:
    out: list[Seg] = []
    for piece in re.split(rf"({_PH}\d+{_PH})", s):
        m = re.fullmatch(rf"{_PH}(\d+){_PH}", piece)
        if m:
            out.append(links[int(m.group(1))])
            continue
        pos = 0
        for sep in _SEP.finditer(piece):
            segs = _text_or_emoji(piece[pos:sep.start()], line, piece[pos:sep.end()])
            if segs and segs[-1].kind == "text":
                segs[-1].sep = sep.group(0).strip() or " "
            out.extend(segs)
            pos = sep.end()
        out.extend(_text_or_emoji(piece[pos:], line, piece[pos:]))
    return out


def _text_or_emoji(s: str, line: int, raw: str) -> list[Seg]:
    out: list[Seg] = []
    pos = 0
    for m in _EMOJI.finditer(s):
        before = s[pos:m.start()]
        if before.strip(" \t*_~\\/"):
            out.append(Seg("text", before.strip(), None, line, raw=before))
        out.append(Seg("emoji", m.group(0), None, line))
        pos = m.end()
    rest = s[pos:]
    if rest.strip(" \t*_~\\/"):
        out.append(Seg("text", " ".join(rest.strip(" \t*_~\\").split()), None, line, raw=raw[pos:] if pos else raw))
    return out


def segment(lines: list[str]) -> list[Seg]:
    """A record's lines -> segments, an ``nl`` segment before each line after the first."""
    out: list[Seg] = []
    for k, ln in enumerate(record_lines(lines)):
        if k:
            out.append(Seg("nl", "", None, k))
        out.extend(segment_line(ln, k))
    return out


# -- content features -------------------------------------------------------------------------------

def years_in(text: str) -> list[int]:
    return [int(y) for y in _YEAR.findall(text)]


@lru_cache(maxsize=CACHE_SIZE)
def is_name_list(text: str) -> bool:
    """``A. Smith, B. Jones and C. Lee`` / ``Smith, John; Doe, Jane`` / ``A Oord et al``."""
    t = _ETAL.sub("", strip_markup(text)).strip(" .,;*")
    t = re.sub(r"\s*\(.*?\)", "", t)
    if ":" in t:
        return False  # ``AudioGPT: Understanding Speech, Music, Sound, and Talking Head``: a title
    if not t:
        return bool(_ETAL.search(text))
    parts = [p.strip() for p in re.split(r"\s*(?:,|;|\band\b|&)\s*", t) if p.strip()]
    if not parts:
        return False
    good = sum(1 for p in parts if _NAME.match(re.sub(r"[*\u2020\u2021\d]+$", "", p)) and _name_sized(p))
    if _ETAL.search(text):
        return good >= 1 and good == len(parts)
    if len(parts) == 1:
        return False
    return good >= 0.8 * len(parts)


def _name_sized(part: str) -> bool:
    """A person's name has one to three words, four with an initial or a particle (``de``)."""
    words = part.split()
    if len(words) <= 3:
        return True
    return len(words) == 4 and any(len(w.rstrip(".")) == 1 or w.islower() for w in words)


@lru_cache(maxsize=CACHE_SIZE)
def title_case_share(text: str) -> float:
    words = [w for w in re.findall(r"[^\s]+", text) if w.lower().strip(",.:;!?\"'“”") not in SMALL_WORDS]
    if not words:
        return 0.0
    return sum(1 for w in words if w[:1].isupper() or w[:1].isdigit() or not w[:1].isalpha()) / len(words)
