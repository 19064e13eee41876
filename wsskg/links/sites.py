"""Where each URL of the list stands: the entries holding it and its lines in the imported list.

An entry keeps its links (``Entry.links``) apart from the lines the list wrote them on: each
:class:`~wsskg.catalog.Mention` holds its lines verbatim (``text``) from line ``line`` on, and
the export gives those texts back byte for byte. So a URL's line numbers are found in the
mention texts, and the list's other lines (title, intro, navigation, badges) are the text
runs of ``Catalog.layout``, whose starting lines follow from the mentions between them.

:func:`url_spans` is the one rule for "this URL, written whole, here": the line numbers are
found with it and the repairs (``wsskg.links.repair``) replace with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from wsskg.catalog import Catalog, entry_urls, find_urls, resolve_topic

#: Characters that may end a URL written in Markdown or HTML (what comes right after it).
_URL_END = frozenset(" \t\r\n)>]\"'`|<")
#: Punctuation that ends a sentence after a URL: a URL end only when followed by one of the above.
_TRAILING = frozenset(".,;:!?*")
#: Link targets that are not web pages to check: mail, phone, an anchor in the list itself.
NOT_WEB = ("mailto:", "tel:", "#")


@dataclass
class LinkSite:
    """One URL and where the list has it: ``entries`` (ids) and ``places`` as ``(doc, line)``,
    ``doc`` empty for the catalog's own list (a file merged in by ``import --merge`` otherwise)."""

    url: str
    entries: list[str] = field(default_factory=list)
    places: list[tuple[str, int]] = field(default_factory=list)

    @property
    def lines(self) -> list[int]:
        """Line numbers in the imported list."""
        return sorted({ln for doc, ln in self.places if not doc})


def url_spans(text: str, url: str) -> Iterator[int]:
    """Where ``url`` stands whole in ``text``: not the start of a longer URL, not the tail of one."""
    if not url:
        return
    start = 0
    while True:
        i = text.find(url, start)
        if i < 0:
            return
        start = i + 1
        before = text[i - 1] if i else ""
        if before and (before.isalnum() or before in "/.-_~%"):
            continue
        j = i + len(url)
        after = text[j:j + 1]
        if after and after not in _URL_END:
            if after not in _TRAILING or (text[j + 1:j + 2] and text[j + 1:j + 2] not in _URL_END):
                continue
        yield i


def replace_url(text: str, old: str, new: str) -> str:
    """``text`` with every whole occurrence of URL ``old`` (see :func:`url_spans`) made ``new``."""
    spans = list(url_spans(text, old))
    if not spans:
        return text
    out, at = [], 0
    for i in spans:
        out += [text[at:i], new]
        at = i + len(old)
    out.append(text[at:])
    return "".join(out)


def layout_runs(catalog: Catalog) -> Iterator[tuple[int, str]]:
    """``(first line, text)`` of each verbatim text run of the imported list (not a mention)."""
    texts = {mn.line: mn.text for e in catalog.entries for mn in e.mentions if not mn.doc and mn.text}
    line = 1
    for item in catalog.layout:
        if isinstance(item, str):
            yield line, item
            line += item.count("\n")
        else:
            line = item + texts.get(item, "").count("\n")


def collect_links(catalog: Catalog, topic: str | None = None, everything: bool = False) -> dict[str, LinkSite]:
    """Every URL the entries hold (of ``topic`` and its subtopics when given), with the entries
    and lines; ``everything`` adds the URLs of the list's other lines (intro, navigation,
    badges, a topic's prose). In the order the catalog has them."""
    sites: dict[str, LinkSite] = {}

    def site(url: str) -> LinkSite:
        s = sites.get(url)
        if s is None:
            s = sites[url] = LinkSite(url)
        return s

    path = resolve_topic(catalog, topic) if topic else None

    def inside(t: str) -> bool:
        return path is None or t == path or t.startswith(path + "/")

    for e in catalog.entries:
        if not any(inside(t) for t in e.topics) and path is not None:
            continue
        urls = [u for u in dict.fromkeys(entry_urls(e)) if not u.lower().startswith(NOT_WEB)]
        places: dict[str, list[tuple[str, int]]] = {u: [] for u in urls}
        for mn in e.mentions:
            if not mn.text or not inside(mn.topic):
                continue
            for u in urls:
                for i in url_spans(mn.text, u):
                    places[u].append((mn.doc, mn.line + mn.text.count("\n", 0, i)))
        written = path is not None and any(mn.text for mn in e.mentions)
        for u in urls:
            if written and not places[u]:
                continue  # under another topic only: not this topic's link
            s = site(u)
            s.entries.append(e.id)
            s.places += places[u]
    if everything:
        runs = list(layout_runs(catalog))
        if path is None:
            texts = [text for _, text in runs] + [p.text for p in catalog.intro]
            texts += ([catalog.preamble] if catalog.preamble else []) + [p.text for t in catalog.topics for p in t.prose]
        else:
            texts = [p.text for t in catalog.topics if inside(t.path) for p in t.prose]
        wanted = dict.fromkeys(u for text in texts for u in find_urls(text))
        for u in wanted:
            site(u)
        for start, text in runs:  # each run searched for its own URLs: one pass over the text
            for u in dict.fromkeys(find_urls(text)):
                if u in wanted:
                    sites[u].places += [("", start + text.count("\n", 0, i)) for i in url_spans(text, u)]
    for s in sites.values():
        s.places = sorted(set(s.places))
    return sites
