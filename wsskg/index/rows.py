"""What a row holds: an entry's columns, texts and topic rows, the sidecar's parts, and the
fingerprints that tell whether catalog.yaml and the sidecar changed since the rows were written."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Iterable, Iterator

from wsskg import catalog as cat_mod
from wsskg import layout, table
from wsskg.catalog import Catalog, Entry, Link, Result
from wsskg.index.schema import FIELDS


_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# the layout's line rules (``wsskg.layout``) on the file's bytes
_ENTRIES_KEY = re.compile(layout.ENTRIES_KEY.encode(), re.M)
_DOC_MARKER = re.compile(layout.DOC_MARKER.encode(), re.M)
_ITEM_START = re.compile(layout.ITEM_START.encode(), re.M)
_FOREIGN_AFTER_NL = re.compile(layout.FOREIGN_AFTER_NL.encode())
ITEM_AFTER_NL = re.compile(layout.ITEM_AFTER_NL.encode())
_BOM = b"\xef\xbb\xbf"

# -- fingerprints -----------------------------------------------------------------------------------

def yaml_fingerprint(raw: bytes | list, st: os.stat_result | None) -> str:
    """What catalog.yaml's rows were built from: its bytes (SHA-1), size and mtime. ``raw`` may
    be a list of bytes-like pieces (a file written as pieces, see ``wsskg.store``)."""
    mt = st.st_mtime_ns if st is not None else 0
    if isinstance(raw, (bytes, bytearray, memoryview)):
        return f"{len(raw)}:{mt}:{hashlib.sha1(raw).hexdigest()}"
    h = hashlib.sha1()
    size = 0
    for piece in raw:
        h.update(piece)
        size += len(piece)
    return f"{size}:{mt}:{h.hexdigest()}"


def stat_key(st: os.stat_result | None) -> str:
    """catalog.yaml's identity by ``stat``: size, mtime, ctime, inode, device. Every write
    changes the ctime and no hand edit can set it back (``touch``/``utime`` set only atime and
    mtime), so while the key is the one recorded when the rows were built, the file holds the
    bytes they were built from: a query need not read, let alone hash, a 46 MB file."""
    if st is None:
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{st.st_dev}"


def block_hash(block: bytes) -> bytes:
    """The hash an entry block's row keeps (see :meth:`CatalogIndex._plan`)."""
    return sha1(block)


def next_item(raw: bytes, pos: int) -> int:
    """Where the entry block after position ``pos`` starts (the end of ``raw`` if none)."""
    m = _ITEM_START.search(raw, pos)
    return m.start() if m else len(raw)


def side_fingerprint(side: Path) -> str:
    """The sidecar's identity: its :func:`stat_key`. Only wsskg writes the sidecar, and no hand
    edit can set its ctime back, so reading 100+ MB to hash it is not needed."""
    try:
        st = side.stat()
    except FileNotFoundError:
        return "none"
    return stat_key(st)


def content_of(fp: str | None) -> tuple | None:
    """The size and hash parts of a catalog.yaml fingerprint (not the mtime)."""
    if not fp:
        return None
    size, _, rest = fp.partition(":")
    return size, rest.partition(":")[2]


def file_stat(path: Path) -> os.stat_result | None:
    """``os.stat(path)``, or None when it cannot be had (the store takes it before reading)."""
    try:
        return os.stat(path)
    except OSError:
        return None


def sha1(b: bytes) -> bytes:
    return hashlib.sha1(b).digest()


# -- rows ---------------------------------------------------------------------------------------------

def texts_of(e: Entry) -> tuple[str, str, str, str, str]:
    """The text of each FTS field except the abstract (see :data:`FIELDS`)."""
    short = [str(getattr(e, "short_name", None) or "")]
    aliases = getattr(e, "aliases", None) or []
    short += [str(a) for a in aliases] if isinstance(aliases, (list, tuple)) else [str(aliases)]
    citekey = getattr(e, "citekey", None)
    if citekey:
        short.append(str(citekey))
    return (
        f"{e.title} {e.canonical_title or ''} {e.id.replace('-', ' ')}",
        " ".join(s for s in short if s),
        " ".join(e.authors),
        f"{e.venue or ''} {e.canonical_venue or ''}",
        " ".join([e.comment, *e.notes, *(r.note for r in e.results)]),
    )


def vocab_words(texts: tuple) -> set[str]:
    """Words for typo tolerance: titles, short names, authors and comments (not abstracts)."""
    return {w for w in _WORD.findall(f"{texts[0]} {texts[1]} {texts[2]} {texts[4]}".lower()) if len(w) >= 3}


def entry_row(e: Entry, pos: int, bhash: bytes | None) -> tuple:
    texts = texts_of(e)
    year = e.year if e.year is not None else e.canonical_year
    try:
        year = int(year) if year is not None else None
    except (TypeError, ValueError):
        year = None
    return (
        e.id, pos, bhash, e.status, e.kind, year, e.id.lower(),
        cat_mod.strip_arxiv_version(e.arxiv_id) if e.arxiv_id else None,
        e.doi.lower() if e.doi else None, e.s2_id, e.s2_id.lower() if e.s2_id else None,
        cat_mod.normalize_title(e.title), cat_mod.normalize_title(e.canonical_title) if e.canonical_title else None,
        _ROW_JSON(e.to_dict(bulky=False)),
        table.tail(year, e.display_title, e.topics),
        *texts,
    )


#: The JSON of a row's ``data``: one encoder (``json.dumps`` with options builds one per call).
_ROW_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
def topic_rows(rid: int, e: Entry) -> list[tuple]:
    """``topics_of`` rows of entry ``rid``: its own topics, then their ancestors (``own`` 0)."""
    out = []
    seen = set()
    for p in e.topics:
        if p not in seen:
            seen.add(p)
            out.append((rid, p, 1, p.lower(), p.rsplit("/", 1)[-1].lower(), e.status))
    for p in list(seen):
        q = p
        while "/" in q:
            q = q.rsplit("/", 1)[0]
            if q not in seen:
                seen.add(q)
                out.append((rid, q, 0, q.lower(), q.rsplit("/", 1)[-1].lower(), e.status))
    return out


ENTRY_COLS = ("id, pos, bhash, status, kind, year, id_l, arxiv, doi_l, s2, s2_l, norm, norm_c, data, tail, "
               + ", ".join("t_" + f for f in FIELDS[:-1]))


def json_rows(texts: Iterable[str]) -> list:
    """The values of many JSON texts (each one value), in one parse: a ``json.loads`` per row
    cost more than the query for 10,000 rows."""
    return json.loads("[" + ",".join(texts) + "]")


def entry_from_data(data: dict, abstract: str | None = None) -> Entry:
    """An :class:`Entry` from the JSON a row holds (``Entry.to_dict`` of a validated entry)."""
    d = dict(data)
    links = [Link(**ln) for ln in d.pop("links", ())]
    results = [Result(**r) for r in d.pop("results", ())]
    mentions = [cat_mod.Mention(**m) for m in d.pop("mentions", ())]
    try:
        e = Entry(links=links, results=results, mentions=mentions, **d)
    except TypeError:  # a field this version does not know: validate the usual way
        e = cat_mod.parse_entry(data, path="index")
    e.abstract = abstract
    return e



def head_and_entries(raw: bytes) -> tuple[bytes, bytes] | None:
    """catalog.yaml's bytes split at ``entries:`` into the header and the entry blocks, when
    the file is in wsskg's own layout (no foreign lines, no document markers, an LF header);
    None when only a full parse can tell what it holds."""
    body_raw = raw[len(_BOM):] if raw.startswith(_BOM) else raw
    m = _ENTRIES_KEY.search(body_raw)
    if not m:
        return None
    head, body = body_raw[: m.start()], body_raw[m.end():]
    if _FOREIGN_AFTER_NL.search(body) or _DOC_MARKER.search(head) or b"\r" in head:
        return None
    return head, body



def side_hash(abstract: str | None, refs: list | None, cited: list | None) -> bytes:
    """What an entry's sidecar part was when its rows were written. Each part is fed to SHA-1
    as UTF-8 with its length first (so no two different parts feed the same bytes): a ``repr``
    of the three took 1.4 s at 100,000 papers, escaping 120 MB of abstracts only to hash them."""
    h = hashlib.sha1()
    for part in (abstract, refs, cited):
        if part is None:
            h.update(b"-\x00")
            continue
        text = part if isinstance(part, str) else "\x00".join(map(str, part))
        data = text.encode("utf-8", "surrogatepass")
        h.update(b"%d:%d\x00" % (len(data), -1 if isinstance(part, str) else len(part)))
        h.update(data)
    return h.digest()


def side_of(catalog: Catalog) -> dict:
    """What ``SyncedIndex._read_sidecar`` would read from the sidecar ``wsskg.store``
    writes for ``catalog`` (same parts, same hashes), without reading it."""
    entries = {}
    for e in catalog.entries:
        abstract = e.abstract or None
        refs = [str(r) for r in e.references] if e.references else None
        cited = [str(r) for r in e.cited_by] if e.cited_by else None
        if abstract is None and refs is None and cited is None:
            continue
        entries[e.id] = (side_hash(abstract, refs, cited), abstract, refs, cited)
    return {"entries": entries, "external": external_of(catalog)}


def external_of(catalog: Catalog) -> dict:
    """The outside papers' records as the sidecar holds them."""
    return {str(k): v for k, v in catalog.external.items() if isinstance(v, dict)}



def external_rows(external: dict) -> list[tuple[str, str]]:
    """``external`` rows: S2 id, record as JSON."""
    return [(k, json.dumps(v, ensure_ascii=False, default=str)) for k, v in external.items()]


def side_rows(want: dict, ids: list[str]) -> Iterator[tuple]:
    """``side`` rows: id, hash, abstract, and the references and citations as JSON lists (of
    the S2 ids, text already: ``side_of`` and the sidecar's check make them so)."""
    dump = _ROW_JSON
    for eid in ids:
        shash, abstract, refs, cited = want[eid]
        yield eid, shash, abstract, dump(refs) if refs else None, dump(cited) if cited else None


def ref_rows(want: dict, ids: list[str]) -> Iterator[tuple[str, str, int]]:
    for eid in ids:
        _, _, refs, cited = want[eid]
        for s2 in refs or ():
            yield eid, s2, 0
        for s2 in cited or ():
            yield eid, s2, 1



def block_hashes_by_id(raw: bytes, ids: list[str]) -> dict[str, bytes]:
    """SHA-1 of the entry blocks of ``ids`` in ``raw`` (wsskg's layout), found by their id line."""
    out = {}
    body_raw = raw[len(_BOM):] if raw.startswith(_BOM) else raw
    m = _ENTRIES_KEY.search(body_raw)
    if not m:
        return out
    base = m.end()
    for eid in ids:
        rx = re.compile(rb"^- id: (?:" + re.escape(eid.encode()) + rb"|\"" + re.escape(eid.encode()) + rb"\"|'"
                        + re.escape(eid.encode()) + rb"')[ \t]*$", re.M)
        mm = rx.search(body_raw, base)
        if not mm:
            continue
        nxt = _ITEM_START.search(body_raw, mm.end())
        end = nxt.start() if nxt else len(body_raw)
        out[eid] = sha1(body_raw[mm.start():end])
    return out
