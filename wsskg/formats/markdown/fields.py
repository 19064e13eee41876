"""Field extraction: one mention's text -> title, short name, venue, year, authors, links, comment.

The recognisers (``bullets``, ``tables``, ``headings``, ``records``) find *where* a work is
mentioned; this module reads *what* the mention says, whatever its shape:

* ``[Title](url), CVPR 2017 [[code]](url)``, ``Title: CVPR2018. comment``, ``Title, Venue``;
* acronym prefixes ``**WSGCN:** "Title" *ICME2021*``, ``<span id="1001">**[ABBR]**</span>``,
  ``[ABBR] [Title](url)``, a leading `` `SVOS` `` tag;
* a venue as the text of the paper link ``[[CVPR](url)] Title.``, a code span `` `CVPR 16` ``,
  ``*VENUE2021*``, ``**CVPR'17**`` cells of a ``|``-separated item, ``arxiv 25.10``;
* lines that start with tags and links and end with the title
  (``:blue_square: `SVOS` - [paper](url) / [code](url) - Title``).

The title comes out clean (:func:`wsskg.text.clean_title`); the verbatim text is kept by the
reader, never rebuilt from these fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wsskg.catalog import Link, link_kind
from wsskg.text import SMALL_WORDS, clean_title, strip_markup
from wsskg.venues import VENUE_CORE, year_of

#: Footnote marks a results table puts after a name (``TSRNet\*``, ``STAR&dagger;``): not part of it.
FOOTNOTE_MARKS = re.compile(r"(?:\\?\*|[\u2020\u2021\u00a7\u00b6])+$")

_VENUE = re.compile(rf"(?:\*{{1,2}}|<sub>|`)?(?P<venue>{VENUE_CORE})(?:\*{{1,2}}|</sub>|`)?(?![\w])")
_VENUE_CORE = VENUE_CORE
_YEAR_ONLY = re.compile(r"\(?\[?(?P<year>(?:19|20)\d\d)\]?\)?(?![\w])")
_SEPARATORS = re.compile(r"[ \t]*(?:[:,，;]|\.(?=\s)|\s-\s)[ \t]*|[ \t]+(?=\*|<sub>|`|\[(?:19|20)\d\d\])")
#: Link texts that say what a link is rather than naming the work.
GENERIC_LABELS = {"this", "here", "link", "web", "code", "pdf", "paper", "project", "ppt", "slides", "arxiv",
                  "repo", "github", "website", "page", "homepage", "video", "demo", "blog", "talk", "poster",
                  "supp", "supplementary", "bibtex", "dataset", "data", "model", "models", "official"}
_GENERIC_LABELS = GENERIC_LABELS
_SMALL = SMALL_WORDS

# -- links ------------------------------------------------------------------------------------------

_MD_LINK = (
    r"(?P<pre>\\?\[)?\[(?P<label>(?:[^\[\]]|\[[^\[\]]*\]|!\[[^\]]*\]\([^)]*\))*)\]"
    r"\([ \t]?(?P<url>[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+\"[^\"]*\")?[ \t]?\)(?(pre)\\?\]|)"
)
_AUTOLINK = r"<(?P<auto>https?://[^>\s]+)>"
_BRACKET_URLS = r"\[(?P<urls>https?://[^\]\s]+(?:,\s*https?://[^\]\s]+)*)\]"
_BARE = r"(?<![(<\[\w])(?P<bare>https?://[^\s<>()\[\]]+(?:\([^\s<>()]*\)[^\s<>()\[\]]*)*)"
_LINKS = re.compile(f"{_MD_LINK}|{_AUTOLINK}|{_BRACKET_URLS}|{_BARE}")


@dataclass
class _Tok:
    """A piece of an entry line: text, or a link (url + label)."""

    text: str = ""
    url: str | None = None
    label: str = ""


def tokenize(line: str) -> list[_Tok]:
    """Split a line into text and link tokens (Markdown links, autolinks, bracketed and bare URLs)."""
    toks: list[_Tok] = []
    pos = 0
    for m in _LINKS.finditer(line):
        if m.start() > pos:
            toks.append(_Tok(text=line[pos : m.start()]))
        if m.group("url") is not None:
            toks.append(_Tok(url=m.group("url"), label=m.group("label")))
        elif m.group("auto") is not None:
            toks.append(_Tok(url=m.group("auto"), label=m.group("auto")))
        elif m.group("urls") is not None:
            for u in re.split(r",\s*", m.group("urls")):
                toks.append(_Tok(url=u, label=u))
        else:
            whole = m.group("bare")
            url = whole.rstrip(".,;:!?*")
            toks.append(_Tok(url=url, label=url))
            if whole[len(url):]:
                toks.append(_Tok(text=whole[len(url):]))
        pos = m.end()
    if pos < len(line):
        toks.append(_Tok(text=line[pos:]))
    return toks


def _is_url_label(label: str) -> bool:
    return bool(re.match(r"^https?://", label))


# -- entry lines ----------------------------------------------------------------------------------

@dataclass
class ParsedLine:
    title: str = ""
    title_linked: bool = False
    venue: str | None = None
    year: int | None = None
    comment: str = ""
    links: list[Link] = field(default_factory=list)


def title_case(segment: str) -> bool:
    words = [w for w in re.findall(r"[^\s]+", segment) if w.lower().strip(",.") not in _SMALL]
    if not words or len(words) > 14:
        return False
    caps = sum(1 for w in words if w[0].isupper() or w[0].isdigit())
    return caps / len(words) >= 0.75


def _clean(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text).strip()


def _strip_seps(text: str) -> str:
    return re.sub(r"^[\s,，:;.\-]+", "", text).strip()


def leading_venue(text: str) -> tuple[str | None, int | None, str] | None:
    """``CVPR2018. rest`` / ``2014, rest`` at the start of ``text``: ``(venue, year, rest)``."""
    v = _VENUE.match(text)
    if v:
        venue = v.group("venue").strip()
        return venue, year_of(venue), text[v.end():]
    y = _YEAR_ONLY.match(text)
    if y and (not text[y.end():].strip() or re.match(r"\s*[,.:;]", text[y.end():])):
        return None, int(y.group("year")), text[y.end():]
    return None


def _collect(toks: list[_Tok], p: ParsedLine) -> str:
    """Move the link tokens into ``p.links``; return the text tokens joined."""
    text = ""
    for t in toks:
        if t.url is not None:
            p.links.append(Link(url=t.url, label=t.label, kind=link_kind(t.url)))
        else:
            text += t.text
    return text


def _after_words(text: str, n: int) -> int:
    """The index just past the ``n``-th word of ``text`` (its length when shorter)."""
    for k, m in enumerate(re.finditer(r"\S+", text), 1):
        if k == n:
            return m.end()
    return len(text)


def split_title(text: str) -> tuple[str, str | None, int | None, str]:
    """Split ``Title: VENUE2018. comment`` / ``Title, Venue`` / ``Title: comment`` shapes.

    Returns ``(title, venue, year, comment)``. Colons inside titles (``SeGAN: Segmenting ...``,
    ``Simple Does It: Weakly Supervised ...``) are kept when the part before is short or the part
    after is itself title-cased and followed by another colon.
    """
    text = text.strip()
    # 1. the earliest separator followed by a venue or a bare year, if the title before it is
    #    short (24 words) and has no sentence break; only that head of the line is scanned, so a
    #    hostile line of a million commas stays linear
    for m in _SEPARATORS.finditer(text, 0, _after_words(text, 26)):
        before = text[: m.start()]
        if ". " in before or len(before.split()) > 24:
            break
        if not before.strip():
            continue
        found = leading_venue(text[m.end():])
        if found:
            venue, year, rest = found
            return _clean(before), venue, year, _strip_seps(rest)
    # 2. colon heuristics (a title has a few colons at most)
    start = 0
    for _ in range(8):
        i = text.find(":", start)
        if i < 0:
            break
        before = text[:i]
        after = text[i + 1:]
        nxt = after.find(":")
        segment = after if nxt < 0 else after[:nxt]
        if len(before.split()) <= 2 and segment.strip()[:1].isalnum() and not segment.strip()[:1].islower():
            start = i + 1
            continue
        if nxt >= 0 and title_case(segment) and segment.strip():
            start = i + 1
            continue
        tail = segment.strip().rstrip(".")  # a title line may end in a full stop
        if nxt < 0 and title_case(tail) and len(tail.split()) >= 2 and not re.search(r"[.,;]", tail):
            break  # "Title: Subtitle" with nothing after: all title
        return _clean(before), None, None, _strip_seps(after)
    # 3. a venue at the very end of the comment-less line ("..., IJCAI2018")
    return _clean(text.rstrip(" ,，;:")), None, None, ""


def parse_entry_line(line: str) -> ParsedLine:
    """Parse one entry line (the text after any list marker and checkbox)."""
    toks = tokenize(line.strip())
    p = ParsedLine()
    first = next((i for i, t in enumerate(toks) if t.url is not None or t.text.strip()), None)
    if first is not None and toks[first].url is not None and not _is_url_label(toks[first].label) \
            and _clean(toks[first].label.replace("**", "")).lower() not in _GENERIC_LABELS \
            and not toks[first].label.startswith("!["):
        # [Title](url) rest
        t = toks[first]
        p.title = _clean(t.label)
        p.title_linked = True
        p.links.append(Link(url=t.url, label="", kind=link_kind(t.url)))
        rest_toks = toks[first + 1:]
        lead = ""
        while rest_toks and rest_toks[0].url is None:
            lead += rest_toks.pop(0).text
        after = re.sub(r"^[\s,，:;.]*", "", lead)
        found = leading_venue(after)
        if found:
            p.venue, p.year, after = found
        p.comment = _tidy_comment(_strip_seps(after) + _collect(rest_toks, p))
        return p
    if first is not None and toks[first].url is not None and _is_url_label(toks[first].label):
        # a bare URL first: no title
        p.comment = _tidy_comment(_collect(toks, p))
        ym = re.fullmatch(r"\s*\[((?:19|20)\d\d)\]\s*(.*)", p.comment)
        if ym:
            p.year, p.comment = int(ym.group(1)), ym.group(2).strip()
        return p
    # Title text, then links
    lead = ""
    i = 0
    while i < len(toks) and toks[i].url is None:
        lead += toks[i].text
        i += 1
    title, venue, year, comment = split_title(lead)
    p.title, p.venue, p.year = title, venue, year
    tail = _tidy_comment(_collect(toks[i:], p))
    if p.venue is None and p.year is None:
        vm = _VENUE.match(tail.strip(" ,，"))
        ym = re.match(r"^\s*\[((?:19|20)\d\d)\]\s*", tail)
        if ym:
            p.year = int(ym.group(1))
            tail = tail[ym.end():]
        elif vm and comment == "":
            stripped = tail.strip(" ,，")
            p.venue = vm.group("venue").strip()
            p.year = year_of(p.venue)
            tail = _strip_seps(stripped[vm.end():])
    p.comment = _tidy_comment(" ".join(x for x in (comment, tail) if x))
    if p.venue is None and p.year is None and p.comment:
        vm = re.search(rf"[,，]\s*(?P<venue>{_VENUE_CORE})\s*$", p.comment)
        if vm:
            p.venue = vm.group("venue").strip()
            p.year = year_of(p.venue)
            p.comment = p.comment[: vm.start()].rstrip()
    return p


def _tidy_comment(text: str) -> str:
    text = re.sub(r"\\\[\s*\\\]|\[\s*\]|\(\s*\)", " ", text)  # wrappers left by removed links
    text = re.sub(r"\\[\[\]]", " ", text)
    text = re.sub(r"(?<=\s)[,，](?=\s|$)", " ", text)
    return _clean(text).strip(" ,，")




def looks_like_entry(line: str, has_sublist: bool) -> bool:
    s = line.strip()
    if s.startswith(("<", ">", "!", "```")) or re.fullmatch(r"\*{1,2}.*\*{1,2}", s):
        return False
    toks = tokenize(s)
    first = toks[0] if toks else None
    if first is not None and first.url is not None:
        label = _clean(first.label.replace("**", "")).lower()
        return label not in _GENERIC_LABELS and not first.label.startswith("!")
    p = parse_entry_line(s)
    words = p.title.split()
    if has_sublist and 1 <= len(words) <= 12:
        return True
    if not words:
        return False
    if p.venue or p.year:
        return True
    if any(t.url is not None and _clean(t.label).lower() in _GENERIC_LABELS for t in toks) and s[0].islower():
        return False
    if s[0].islower():
        return False
    if p.links and len(words) >= 2:
        return True
    return len(words) >= 3 and (p.comment != "" or title_case(p.title))




# -- the whole mention ------------------------------------------------------------------------------

@dataclass
class Fields:
    """What one mention says about its work (clean text, no Markdown)."""

    title: str = ""
    short_name: str | None = None
    venue: str | None = None
    year: int | None = None
    comment: str = ""
    links: list[Link] = field(default_factory=list)
    title_linked: bool = False
    anchors: list[str] = field(default_factory=list)  # ``<span id="1001">``: targets of ``[x](#1001)``
    refs: list[str] = field(default_factory=list)  # ``[ABBR](#1001)``: the anchor it points to
    authors: list[str] = field(default_factory=list)
    full_title: str = ""  # ``Name: Title`` as written, when the name went to ``short_name`` (ids use it)
    kind: str | None = None  # what the record itself says the work is (``Type: Benchmark``)


_ANCHOR_TAG = re.compile(r"<(?:span|a)\b[^>]*?\b(?:id|name)\s*=\s*[\"']([^\"']+)[\"'][^>]*>", re.I)
_TAG = re.compile(r"</?(?:span|a|b|strong|em|i|sup|sub|font|code)\b[^>]*>", re.I)
_EMOJI_LEAD = re.compile(r"^(?::[a-z0-9_+\-]{2,40}:|[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F])\s*")
_SHORT_BRACKET = re.compile(r"^(?:\*\*|__)?\\?\[(?P<s>[^\[\]()]{1,40}?)\\?\](?:\*\*|__)?(?!\()\s*[:\-–]?\s*")
_SHORT_BOLD_COLON = re.compile(r"^(?:\*\*|__)(?P<s>[^*_:]{1,40}?)\s*:\s*(?:\*\*|__)\s*|^(?:\*\*|__)(?P<s2>[^*_:]{1,40}?)(?:\*\*|__)\s*:\s+")
_CODE_LEAD = re.compile(r"^`(?P<s>[^`]{1,40})`\s*[-–:|]?\s*")
_LINK_GROUP = re.compile(r"^\\?\[(?P<inner>(?:\s*,?\s*\[[^\[\]]+\]\([^()\s]+\))+)\s*\\?\]\s*")
_ONE_LINK = re.compile(r"\[(?P<label>[^\[\]]+)\]\((?P<url>[^()\s]+)\)")
_PIPE_SPLIT = re.compile(r"\s+\|\s+")
_REF = re.compile(r"\[[^\[\]]*\]\(#([^)\s]+)\)")
_TRAIL_TAGS = re.compile(r"(?:\s*\[(?:__)?`[^`\]]*`(?:__)?(?:\s*,\s*(?:__)?`[^`\]]*`(?:__)?)*\]|\s*:[a-z0-9_+\-]{2,40}:)+\s*$")
_AUTHORS_ET_AL = re.compile(r"^[A-Z][\w\-']+(?: [A-Z][\w\-']+)? et al\.?$")


def _venue_label(label: str) -> str | None:
    s = strip_markup(label).strip()
    m = re.fullmatch(rf"({VENUE_CORE})", s)
    return m.group(1) if m else None


def extract(text: str) -> Fields:
    """Read one mention's first line(s) (list marker and checkbox removed)."""
    f = Fields()
    t = text.strip()
    f.anchors = _ANCHOR_TAG.findall(t)
    f.refs = _REF.findall(t)
    t = _TAG.sub("", t).strip()
    t = re.sub(r"\s*\\$", "", t)  # a hard line break at the end
    segs = _PIPE_SPLIT.split(t)
    if len(segs) >= 3:
        return _extract_segments(segs, f)
    # leading tags: emoji, `code`, [ABBR], **ABBR:**, [[VENUE](url)], [VENUE](url)
    for _ in range(8):
        m = _EMOJI_LEAD.match(t)
        if m:
            t = t[m.end():]
            continue
        m = _CODE_LEAD.match(t)
        if m:
            inner = m.group("s").strip()
            v = _venue_label(inner)
            if v:
                f.venue, f.year = v, year_of(v)
            elif f.short_name is None:
                f.short_name = inner
            t = t[m.end():]
            continue
        m = _LINK_GROUP.match(t)
        if m:
            links = list(_ONE_LINK.finditer(m.group("inner")))
            v = _venue_label(links[0].group("label"))
            if v:
                f.venue, f.year = v, year_of(v)
                for lm in links:
                    f.links.append(Link(url=lm.group("url"), label=lm.group("label"), kind=link_kind(lm.group("url"))))
                t = t[m.end():]
                continue
        m = _ONE_LINK.match(t)
        if m and _venue_label(m.group("label")):
            v = _venue_label(m.group("label"))
            f.venue, f.year = v, year_of(v)
            f.links.append(Link(url=m.group("url"), label=m.group("label"), kind=link_kind(m.group("url"))))
            t = t[m.end():].lstrip(" ,:-–")
            continue
        m = _SHORT_BOLD_COLON.match(t)
        if m and f.short_name is None:
            f.short_name = (m.group("s") or m.group("s2")).strip()
            t = t[m.end():]
            continue
        m = _SHORT_BRACKET.match(t)
        if m and f.short_name is None and not re.fullmatch(r"[ xX~/-]|\s*\d{1,4}\s*", m.group("s")) \
                and not re.fullmatch(r"(?:19|20)\d\d", m.group("s")) and not m.group("s").startswith("http"):
            inner = m.group("s").strip()
            v = _venue_label(inner)
            if v:
                f.venue, f.year = v, year_of(v)
            else:
                f.short_name = inner
            t = t[m.end():]
            continue
        break
    t = t.strip()
    # "- [paper](url) / [code](url) - Title": links first, the title at the end
    toks = tokenize(t)
    lead_links = 0
    k = 0
    while k < len(toks):
        tk = toks[k]
        if tk.url is not None and _clean(tk.label.replace("`", "").strip("[]")).lower() in GENERIC_LABELS:
            lead_links += 1
        elif tk.url is None and re.fullmatch(r"[\s/|,\-–]*", tk.text):
            pass
        else:
            break
        k += 1
    if lead_links and k < len(toks) and toks[k].url is None:
        rest_text = "".join(x.text for x in toks[k:] if x.url is None).strip(" -–|")
        for x in toks[:k]:
            if x.url is not None:
                f.links.append(Link(url=x.url, label=x.label, kind=link_kind(x.url)))
        title, venue, year, comment = split_title(rest_text)
        f.title, f.comment = title, comment
        if venue or year:
            f.venue, f.year = f.venue or venue, f.year or year
        for x in toks[k:]:
            if x.url is not None:
                f.links.append(Link(url=x.url, label=x.label, kind=link_kind(x.url)))
        return _finish(f, text)
    p = parse_entry_line(_TRAIL_TAGS.sub("", t))
    f.title = p.title
    f.title_linked = p.title_linked
    f.comment = p.comment
    f.links.extend(p.links)
    if p.venue or p.year:
        f.venue = f.venue or p.venue
        f.year = f.year or p.year
    return _finish(f, text)


def _extract_segments(segs: list[str], f: Fields) -> Fields:
    """``<span id>**[ABBR]**</span> | **CVPR'17** | Title | [pdf](url) | [code](url)``."""
    texts: list[str] = []
    for seg in segs:
        s = seg.strip()
        m = re.fullmatch(r"(?:\*\*|__)?\\?\[(?P<s>[^\[\]()]{1,60})\\?\](?:\*\*|__)?", s)
        if m and f.short_name is None:
            f.short_name = m.group("s").strip()
            continue
        v = _venue_label(s)
        if v and f.venue is None:
            f.venue, f.year = v, year_of(v)
            continue
        toks = tokenize(s)
        if toks and all(tk.url is not None or not tk.text.strip() for tk in toks):
            for tk in toks:
                if tk.url is not None:
                    f.links.append(Link(url=tk.url, label=tk.label, kind=link_kind(tk.url)))
            continue
        texts.append(s)
    if texts:
        best = max(texts, key=lambda x: len(strip_markup(x).split()))
        p = parse_entry_line(best)
        f.title, f.title_linked = p.title, p.title_linked
        f.links = p.links + f.links
        f.comment = " | ".join(x for x in texts if x is not best)
        if p.venue and f.venue is None:
            f.venue, f.year = p.venue, p.year
    return _finish(f, " | ".join(segs))


#: How far from the end of a title or authors line a trailing venue is looked for.
_TAIL = 80
_VENUE_TAIL = re.compile(rf"(?:[*_`(]+\s*|,\s*|\s+)(?P<v>{VENUE_CORE})\s*[*_`)]*\s*\.?\s*$")


def _finish(f: Fields, original: str) -> Fields:
    raw_title = f.title
    # an acronym prefix inside the title: "WSGCN: "Title"", "[ABBR] Title"
    m = re.match(r"^\s*(?:\*\*|__)?([A-Za-z][\w\-+&.]{1,20})(?:\*\*|__)?\s*:\s*[\"“](.+?)[\"”]\s*(.*)$", raw_title)
    if m and f.short_name is None:
        f.short_name, raw_title = m.group(1), m.group(2) + (" " + m.group(3) if m.group(3) else "")
    m = re.match(r"^\s*\\?\[([^\[\]]{1,30})\\?\]\s+(\S.*)$", raw_title)
    if m and f.short_name is None and not re.fullmatch(r"\s*\d{1,4}\s*", m.group(1)):
        f.short_name, raw_title = m.group(1), m.group(2)
    # a venue after the title: ``Title  *ICME2021*``, ``Title (CVPR 2019)``
    if f.venue is None:
        # only the end of the title is searched: a venue is short, and a hostile line of a
        # million ``*_`` must stay linear
        cut = max(0, len(raw_title) - _TAIL)
        vm = _VENUE_TAIL.search(raw_title, cut)
        if vm and len(raw_title[: vm.start()].split()) >= 2:
            f.venue, f.year = vm.group("v").strip(), f.year or year_of(vm.group("v"))
            raw_title = raw_title[: vm.start()]
    f.title = clean_title(raw_title)
    if f.short_name:
        f.short_name = FOOTNOTE_MARKS.sub("", clean_title(f.short_name)).strip() or None
    if f.venue is None:
        hay = strip_markup(f.comment)
        vm = re.search(rf"(?:^|[\s(,])(?P<v>{VENUE_CORE})(?:[\s),.;]|$)", hay)
        if vm and year_of(vm.group("v")):
            f.venue, f.year = vm.group("v").strip(), f.year or year_of(vm.group("v"))
    if f.venue is None:  # a link whose text is the venue: ``Title, [CVPR 2015](url)``
        for ln in f.links:
            v = _venue_label(ln.label) if ln.label and ln.label != ln.url else None
            if v and not re.fullmatch(r"(?i)arxiv|preprint|corr", v.strip()):  # an [arxiv](url) link names no venue
                f.venue, f.year = v, f.year or year_of(v)
                break
    if f.year is None and f.venue:
        f.year = year_of(f.venue)
    if f.year is None:
        ym = re.search(r"[\[(]((?:19|20)\d\d)[\])]", f.comment)
        if ym:
            f.year = int(ym.group(1))
    f.comment = _TRAIL_TAGS.sub("", f.comment).strip()
    return f


# -- authors ---------------------------------------------------------------------------------------

_AUTHORS_VENUE = re.compile(rf"[*_`]*\s*(?P<v>{VENUE_CORE})\s*[*_`]*\s*\.?\s*$")


#: A venue the table does not know, set in emphasis with a year at the end of an authors line
#: (``*TKDE 2021*``, ``*NAACL 2019 Best Long Paper*``).
_EMPHASIS_VENUE = re.compile(r"(?<![*_\w])[*_]{1,2}(?P<v>[A-Za-z][^*_]{0,40}?\b(?:19|20)\d\d\b[^*_]{0,30}?)[*_]{1,2}\s*\.?\s*$")


def parse_authors_line(text: str) -> tuple[list[str], str | None, int | None] | None:
    """``Author 1, Author 2 and Author 3. *CVPR 2019*`` -> (authors, venue, year); None when the
    line does not look like an author list (names separated by commas, ``;`` or ``and``)."""
    s = text.strip()
    vm = _EMPHASIS_VENUE.search(s, max(0, len(s) - _TAIL)) or _AUTHORS_VENUE.search(s, max(0, len(s) - _TAIL))
    venue = vm.group("v").strip() if vm else None
    body = s[: vm.start()] if vm else s
    body = strip_markup(body).strip(" .,;")
    if not body:
        return None
    body = re.sub(r"(?<=\w)[*\u2020\u2021\d]+(?=\s*(?:,|;|\band\b|$))", "", body)  # equal-contribution marks
    parts = [p.strip() for p in re.split(r"\s*(?:,|;|\band\b)\s*", body) if p.strip()]
    if not parts:
        return None
    namey = [p for p in parts if re.fullmatch(r"[A-Z][\w.'\-]*(?:\s+[A-Za-z][\w.'\-]*){0,4}", p)]
    if len(namey) < max(1, int(0.7 * len(parts))) or (venue is None and len(parts) < 2):
        return None
    if venue is None and not all(len(p.split()) >= 2 and not re.search(r"\d", p) for p in parts):
        return None  # without a venue only "First Last" names count ("B1, B2 sharing" is a note)
    if any(len(p.split()) > 5 for p in parts):
        return None
    return parts, venue, year_of(venue) if venue else None
