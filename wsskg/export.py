"""Catalog -> Markdown (the categorized reading list again), JSON and CSV.

The Markdown export is written so that importing it gives the same catalog back: topics in
their order with their prose, a regenerated table of contents whose anchors are GitHub's heading
slugs, results tables as the list had them (bold kept), and every entry under each of its
topics with its checkbox, links, comment and notes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from typing import Iterable

from wsskg.catalog import STATUS_RANK, Catalog, Entry, Link, Topic

CHECK = {"read": "[x]", "reading": "[~]", "unread": "[ ]"}


def github_slug(text: str, seen: dict[str, int] | None = None) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens,
    ``-1``, ``-2``... for repeats."""
    s = text.strip().lower()
    s = re.sub(r"<[^>]+>", "", s)
    s = "".join(ch for ch in s if ch in "-_ " or unicodedata.category(ch)[0] in "LNM")
    s = s.replace(" ", "-")
    if seen is not None:
        n = seen.get(s, 0)
        seen[s] = n + 1
        if n:
            s = f"{s}-{n}"
    return s


def _label(text: str) -> str:
    return text.replace("]", "\\]") if "[" not in text else text


def render_link(link: Link, title: str | None = None) -> str:
    if title is not None:
        return f"[{title}]({link.url})"
    if link.label == link.url or not link.label:
        return f"<{link.url}>"
    return f"[{_label(link.label)}]({link.url})"


def entry_line(e: Entry) -> str:
    """The entry's own line, without list marker: ``[Title](url), Venue: comment [code](url)``."""
    links = list(e.links)
    parts: list[str] = []
    title_link = links.pop(0) if links and links[0].label == "" and e.title else None
    if title_link is not None:
        head = render_link(title_link, e.title)
    else:
        head = e.title
    if e.venue:
        head = f"{head}, {e.venue}" if head else e.venue
    elif e.year:
        head = f"{head}, {e.year}" if head else f"[{e.year}]"
    if not e.title:
        # a bare-URL entry: the links come first, as the list wrote them
        parts = [render_link(ln) for ln in links]
        if head:
            parts.append(head)
        if e.comment:
            parts.append(e.comment)
        return " ".join(parts)
    parts.append(head)
    if e.comment:
        parts[-1] = f"{parts[-1]}: {e.comment}"
    parts.extend(render_link(ln) for ln in links)
    return " ".join(parts)


def _entry_block(e: Entry) -> list[str]:
    line = entry_line(e)
    if e.form == "checkbox" or e.status != "unread":
        out = [f"- {CHECK[e.status]} {line}"]
    elif e.form == "bullet":
        out = [f"- {line}"]
    else:
        out = [line]
    for n in e.notes:
        out.append(("  " + n) if n.startswith(" ") else f"  - {n}")
    if e.form == "line" and e.status == "unread":
        out.append("")  # paragraph lines are separated by blank lines
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _results_table(topic: Topic, entries: list[Entry]) -> list[str]:
    cols = topic.columns
    out = ["| " + " | ".join(cols) + " |", "| " + " | ".join("----" for _ in cols) + " |"]
    lowered = [c.lower() for c in cols]
    note_col = next((i for i, h in enumerate(lowered) if h in ("notes", "note", "comment", "remarks")), None)
    for e in entries:
        for r in e.results:
            if r.table != topic.path:
                continue
            title_link = e.links[0] if e.links and e.links[0].label == "" else None
            method = render_link(title_link, e.title) if title_link else e.title
            if e.venue:
                method += f"<sub>{e.venue}</sub>"
            cells = [_cell(method)]
            for i, c in enumerate(cols[1:], start=1):
                if i == note_col:
                    cells.append(_cell(r.note))
                    continue
                v = r.values.get(c, "")
                cells.append(f"**{v}**" if c in r.bold else v)
            out.append("| " + " | ".join(cells) + " |")
    return out


def _toc(catalog: Catalog, topics: list[Topic]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    if catalog.title:
        out.append(f"- [{catalog.title}](#{github_slug(catalog.title, seen)})")
    base = 1 if catalog.title else 0
    for t in topics:
        anchor = t.anchor if t.anchor else github_slug(t.name, seen)
        out.append("  " * (t.depth + base) + f"- [{t.name}](#{anchor})")
    return out


# -- the imported file given back ---------------------------------------------------------------

_LIST_MARK = re.compile(r"^(\s*(?:[-*+]|\d{1,4}[.)])[ \t]+)(?:\[([ xX~/-])\][ \t]?)?")
_MARK_STATUS = {" ": "unread", "x": "read", "X": "read", "~": "reading", "/": "reading", "-": "reading"}


def _mention_text(e: Entry, text: str, form: str, checkboxes: bool) -> str:
    """A mention's verbatim lines, with the checkbox saying the entry's status (added to list
    items only when ``checkboxes``). An unchanged mark is left as written (``[X]`` stays)."""
    m = _LIST_MARK.match(text)
    if not m or form not in ("checkbox", "bullet", "numbered", "record"):
        return text
    mark = m.group(2)
    if mark is not None:
        if _MARK_STATUS[mark] == e.status or _imported_status(e) == e.status:
            return text  # unchanged since import: as the list wrote it
        new = CHECK[e.status]
        return text[: m.start(2) - 1] + new + text[m.end(2) + 1:]
    if not checkboxes:
        return text
    return m.group(1) + CHECK[e.status] + " " + text[m.end(1):]


def _imported_status(e: Entry) -> str | None:
    """The status the entry's checkboxes said when it was imported (the most advanced one)."""
    best = None
    for mn in e.mentions:
        m = _LIST_MARK.match(mn.text) if mn.form == "checkbox" else None
        if m and m.group(2) is not None:
            st = _MARK_STATUS[m.group(2)]
            if best is None or STATUS_RANK[st] > STATUS_RANK[best]:
                best = st
    return best


def _from_layout(catalog: Catalog, checkboxes: bool) -> str:
    """The imported file again: its text between mentions verbatim, each mention's own lines
    (checkbox following the status), entries added since rendered under their first topic."""
    at: dict[int, tuple[Entry, str, str]] = {}
    for e in catalog.entries:
        for mn in e.mentions:
            if not mn.doc and mn.text:
                at.setdefault(mn.line, (e, mn.text, mn.form))
    placed = {id(e) for e, _, _ in at.values()}
    last_of_topic: dict[str, int] = {}
    for k, item in enumerate(catalog.layout):
        if isinstance(item, int) and item in at:
            e = at[item][0]
            for mn in e.mentions:
                if mn.line == item:
                    last_of_topic[mn.topic] = k
    extra: dict[int, list[str]] = {}
    tail: list[str] = []
    new_topics: dict[str, list[str]] = {}  # topics of a merged list that this one has no heading for
    for e in catalog.entries:
        if id(e) in placed:
            continue
        topic = e.topics[0] if e.topics else None
        block = _merged_text(e, topic) or "\n".join(_entry_block(e)).rstrip("\n") + "\n"
        k = last_of_topic.get(topic) if topic else None
        if k is None and topic:
            k = _heading_position(catalog, topic)
        if k is None and topic:
            same = _same_named_topic(catalog, topic)  # ``## Transformers`` in both lists: one section
            k = last_of_topic.get(same) if same else None
            if k is None and same:
                k = _heading_position(catalog, same)
        if k is None and topic and catalog.topic(topic) is not None:
            new_topics.setdefault(topic, []).append(block)
        elif k is None:
            tail.append(block)
        else:
            extra.setdefault(k, []).append(block)
    for topic, blocks in new_topics.items():  # after the list's last section, headed as it heads its own
        t = catalog.topic(topic)
        tail.append(f"\n{'#' * max(1, t.level)} {t.name}\n\n" + "".join(blocks))
    out: list[str] = []
    for k, item in enumerate(catalog.layout):
        if isinstance(item, str):
            piece = item
        elif item in at:
            e, text, form = at[item]
            piece = _mention_text(e, text, form, checkboxes)
        else:
            piece = ""  # the entry was deleted
        if k in extra:
            if isinstance(item, str):
                # after a heading line: the new entries go right below it
                cut = piece.find("\n") + 1 if "\n" in piece else len(piece)
                out.append(piece[:cut] + "".join(extra[k]) + piece[cut:])
                continue
            if piece and not piece.endswith("\n"):
                piece += "\n"
            out.append(piece + "".join(extra[k]))
            continue
        out.append(piece)
    text = "".join(out)
    if tail:
        text = (text if not text or text.endswith("\n") else text + "\n") + "".join(tail)
    return text


def _merged_text(e: Entry, topic: str | None) -> str | None:
    """The line a merged list wrote for the entry under ``topic``, verbatim."""
    for mn in e.mentions:
        if mn.doc and mn.text and (topic is None or mn.topic == topic):
            return mn.text if mn.text.endswith("\n") else mn.text + "\n"
    return None


def _same_named_topic(catalog: Catalog, topic: str) -> str | None:
    """Another topic of the catalog with the same name (``Transformers`` and ``Models/Transformers``)."""
    name = topic.rsplit("/", 1)[-1].strip().lower()
    for t in catalog.topics:
        if t.path != topic and t.name.strip().lower() == name:
            return t.path
    return None


def _heading_position(catalog: Catalog, topic: str) -> int | None:
    """The layout index of the text run whose first line is the topic's heading."""
    t = catalog.topic(topic)
    if t is None:
        return None
    rx = re.compile(rf"^(?:#{{{t.level}}}[ \t]+{re.escape(t.name)}[ \t#]*|<h{t.level}[^>]*>{re.escape(t.name)}</h{t.level}>)\r?$", re.M)
    for k, item in enumerate(catalog.layout):
        if isinstance(item, str):
            m = rx.search(item)
            if m and m.start() == 0:
                return k
    return None


def to_markdown(catalog: Catalog, status: str | None = None, topic: str | None = None,
                checkboxes: bool = False) -> str:
    """The categorized reading list. ``status``/``topic`` filter the entries (and topics).

    A catalog imported from Markdown gives its file back byte for byte (only checkboxes follow
    the statuses; ``checkboxes`` adds them to list items that had none). Filtered exports and
    catalogs from elsewhere are rendered from the entries."""
    if catalog.layout and status is None and topic is None:
        return _from_layout(catalog, checkboxes)
    topics = catalog.topics
    if topic:
        topics = [t for t in topics if t.path == topic or t.path.startswith(topic + "/")]
    wanted = {t.path for t in topics}

    def keep(e: Entry) -> bool:
        return status is None or e.status == status

    out: list[str] = []
    if catalog.preamble and not topic:
        out += [catalog.preamble, ""]
    if catalog.title is not None and not topic:
        out += [f"# {catalog.title}", ""]
    if not topic:
        for p in catalog.intro:
            out += [p.text, ""]
        if catalog.toc:
            out += _toc(catalog, catalog.topics) + [""]
    members: dict[str, list[Entry]] = {t.path: [] for t in topics}
    for e in catalog.entries:
        if not keep(e):
            continue
        for tp in e.topics:
            if tp in wanted:
                members[tp].append(e)
    for t in topics:
        if t.anchor:
            out += [f'<h{t.level} id="{t.anchor}">{t.name}</h{t.level}>', ""]
        else:
            out += [f"{'#' * t.level} {t.name}", ""]
        prose_after: dict[str | None, list[str]] = {}
        for p in t.prose:
            prose_after.setdefault(p.after, []).append(p.text)
        for text in prose_after.pop(None, []):
            out += [text, ""]
        rows = [e for e in members[t.path] if any(r.table == t.path for r in e.results)]
        if t.columns:
            out += _results_table(t, rows) + [""]
        for e in members[t.path]:
            if e in rows and t.columns:
                continue
            block = _entry_block(e)
            out += block
            for text in prose_after.pop(e.id, []):
                if out and out[-1] != "":
                    out.append("")
                out += [text, ""]
        for texts in prose_after.values():  # anchored on an entry filtered out
            for text in texts:
                out += ["", text, ""]
        if out and out[-1] != "":
            out.append("")
    return "\n".join(_squeeze(out)).rstrip("\n") + "\n"


def _squeeze(lines: Iterable[str]) -> list[str]:
    out: list[str] = []
    for ln in lines:
        if ln == "" and out and out[-1] == "":
            continue
        out.append(ln)
    return out


# -- JSON and CSV -------------------------------------------------------------------------------

def to_json(catalog: Catalog, entries: list[Entry] | None = None) -> str:
    """The full catalog (topics and entries, bulky fields included) as JSON for scripts."""
    if entries is None:
        doc = catalog.to_dict(bulky=True)
        doc["entries"] = [e.to_json() for e in catalog.entries]
        if catalog.external:
            doc["external"] = catalog.external
    else:
        doc = [e.to_json() for e in entries]
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


CSV_FIELDS = ["id", "kind", "status", "read_on", "title", "venue", "year", "topics", "authors",
              "arxiv_id", "s2_id", "doi", "url", "links", "comment", "notes", "citation_count"]


def to_csv(entries: list[Entry]) -> str:
    """One row per entry; list fields joined with `` | ``; the first link as ``url``."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for e in entries:
        w.writerow({
            "id": e.id, "kind": e.kind, "status": e.status, "read_on": e.read_on or "",
            "title": e.title, "venue": e.venue or "", "year": e.year or "",
            "topics": " | ".join(e.topics), "authors": " | ".join(e.authors),
            "arxiv_id": e.arxiv_id or "", "s2_id": e.s2_id or "", "doi": e.doi or "",
            "url": e.links[0].url if e.links else "",
            "links": " | ".join(ln.url for ln in e.links), "comment": e.comment,
            "notes": " | ".join(e.notes), "citation_count": "" if e.citation_count is None else e.citation_count,
        })
    return buf.getvalue()
