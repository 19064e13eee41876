"""The derived index: one SQLite file per catalog in the cache dir, so a query reads only the
rows it needs instead of parsing the whole catalog.

catalog.yaml (and its sidecar) stay the one source of truth. The index records what it was
built from (size, mtime and SHA-1 of catalog.yaml's bytes, and its stat key: size, mtimes,
ctime, inode; size, mtime, ctime and inode of the sidecar, which only wsskg writes) and is
brought up to date before every use. While the stat key is the recorded one, the file is not
even read: no write can keep the ctime, and no hand edit can set it back. Otherwise:

* catalog.yaml in the layout wsskg writes is split into entry blocks (``- id:`` at column 0);
  each block's SHA-1 is stored with its row, so after a hand edit or a status change only the
  blocks whose bytes changed are parsed and re-indexed. Anything else (another layout, a
  changed header or topic list, an error) goes through the full, careful parse of
  ``wsskg.files.parse_catalog``, which also reports errors with their line.
* The sidecar (abstracts, references) is compared entry by entry (a hash of each entry's part).

Tables: ``entries`` (one row per entry: the catalog.yaml fields as JSON, plus the columns
filters and look-ups need), ``topics_of`` (entry -> its topics and their ancestors),
``side`` (abstracts, and references and citations as JSON lists), ``refs`` (citation edges as
S2 ids, both directions), ``s2map`` (which S2 ids are catalog entries), ``external`` (outside
papers), ``vocab`` (the words of titles, short names, authors and comments, for typo
tolerance) and ``fts`` (FTS5, BM25-ranked, one column per field so the fields weigh
differently).

A full build (an import, a new header, a deleted cache) writes every row in one transaction
without a journal when no one else has the file open, has a forked child write the text
tables meanwhile (``wsskg.textbuild``), and leaves ``refs`` and ``s2map`` to the first command
that reads citations (:meth:`CatalogIndex.citations`): 8 s at 100,000 papers, from 24-29 s.

SQLite cannot run code when it is opened (unlike a pickle), and the folder and the file must
belong to the current user and not be writable by others; otherwise, or when the cache
cannot be written at all, the index is built in memory for this one command.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sqlite3
from array import array
from collections import Counter
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import Callable, Iterable, Iterator

from wsskg import catalog as cat_mod
from wsskg import files, layout, table, textbuild
from wsskg.catalog import Catalog, Entry, Link, Result
from wsskg.config import cache_dir
from wsskg.errors import CatalogError
from wsskg.text import STOP_WORDS
from wsskg.search import Hit  # one result type for the in-memory and the index search

#: Bump when the schema or what a row holds changes: an index of another version is rebuilt.
SCHEMA_VERSION = 12
#: The path an index of a catalog in memory (:func:`memory_index`) names in its messages.
MEMORY_PATH = "<catalog>"
#: Field weights of the BM25 ranking, in ``fts`` column order.
FIELDS = ("title", "short", "authors", "venue", "notes", "abstract")
WEIGHTS = (3.0, 2.0, 2.0, 1.0, 1.0, 0.5)
#: Parse this many changed entry blocks per ``yaml.load``.
CHUNK = 64
#: A progress callback: ``progress(done, total)``; called with ``done == total`` at the end.
Progress = Callable[[int, int], None]

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# the layout's line rules (``wsskg.layout``) on the file's bytes
_ENTRIES_KEY = re.compile(layout.ENTRIES_KEY.encode(), re.M)
_DOC_MARKER = re.compile(layout.DOC_MARKER.encode(), re.M)
_ITEM_START = re.compile(layout.ITEM_START.encode(), re.M)
_FOREIGN_AFTER_NL = re.compile(layout.FOREIGN_AFTER_NL.encode())
_ITEM_AFTER_NL = re.compile(layout.ITEM_AFTER_NL.encode())
_BOM = b"\xef\xbb\xbf"

#: The full-text table: contentless (the texts are in ``entries`` and ``side``), one column per field.
_FTS_SQL = f"CREATE VIRTUAL TABLE fts USING fts5({', '.join(FIELDS)}, content='', tokenize='unicode61 remove_diacritics 2')"

#: The sidecar's part of each entry: abstract, and references and citations as JSON lists.
_SIDE_SQL = "CREATE TABLE side(id TEXT PRIMARY KEY, shash BLOB, abstract TEXT, refs TEXT, cited TEXT)"
#: An entry's topics and their ancestors (``own``: the entry is filed there itself).
_TOPICS_OF_SQL = ("CREATE TABLE topics_of(rid INTEGER NOT NULL, topic TEXT NOT NULL, own INTEGER NOT NULL, "
                  "low TEXT, last TEXT, status TEXT)")
#: The outside papers' records (JSON), by S2 id.
_EXTERNAL_SQL = "CREATE TABLE external(s2 TEXT PRIMARY KEY, data TEXT)"
#: The words of titles, short names, authors and comments, for typo tolerance.
_VOCAB_SQL = "CREATE TABLE vocab(word TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID"
#: An FTS row from Python values.
_FTS_INSERT = f"INSERT INTO fts(rowid, {', '.join(FIELDS)}) VALUES({', '.join('?' * (len(FIELDS) + 1))})"

_SCHEMA = f"""
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE entries(
    rid INTEGER PRIMARY KEY, id TEXT NOT NULL, pos INTEGER NOT NULL, bhash BLOB,
    status TEXT, kind TEXT, year INTEGER, id_l TEXT, arxiv TEXT, doi_l TEXT, s2 TEXT, s2_l TEXT,
    norm TEXT, norm_c TEXT, data TEXT NOT NULL, tail TEXT,
    {", ".join("t_" + f + " TEXT" for f in FIELDS[:-1])});
CREATE INDEX entries_id ON entries(id, pos);  -- covering: an id's list position (the walk's joins)
CREATE INDEX entries_pos ON entries(pos, id, status, tail);  -- covering: `list`
CREATE INDEX entries_state ON entries(status, kind, pos, id);  -- covering: `next`'s candidates and seeds
CREATE INDEX entries_id_l ON entries(id_l);
CREATE INDEX entries_arxiv ON entries(arxiv);
CREATE INDEX entries_doi ON entries(doi_l);
CREATE INDEX entries_s2 ON entries(s2_l);
CREATE INDEX entries_bhash ON entries(bhash);
{_TOPICS_OF_SQL};
CREATE INDEX topics_of_rid ON topics_of(rid);
CREATE INDEX topics_of_topic ON topics_of(topic, own, status);
{_SIDE_SQL};
CREATE TABLE refs(id TEXT NOT NULL, s2 TEXT NOT NULL, dir INTEGER NOT NULL);
CREATE INDEX refs_id ON refs(id);
CREATE INDEX refs_s2 ON refs(s2, dir, id);  -- covering: who cites a reference, without the table
CREATE TABLE s2map(s2 TEXT PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID;
{_EXTERNAL_SQL};
{_VOCAB_SQL};
CREATE TABLE blobs(key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;
CREATE TABLE vectors(rid INTEGER PRIMARY KEY, v BLOB NOT NULL);
{_FTS_SQL};
"""

#: The secondary indexes. A rebuild that inserts every row drops them first and creates them
#: after: one sort per index instead of a B-tree insertion per row.
_INDEXES = tuple(ln for ln in _SCHEMA.splitlines() if ln.startswith("CREATE INDEX"))


def _indexed_table(stmt: str) -> str:
    """The table a ``CREATE INDEX name ON table(...)`` statement indexes."""
    return stmt.split(" ON ", 1)[1].split("(", 1)[0]


class _Fallback(Exception):
    """The quick path cannot handle this file: use the full parse."""


class _Rebuild(Exception):
    """An incremental sync found it must index everything again (outside its transaction)."""


#: The ``schema`` meta value while a build without a journal runs: a file left with it (the
#: build was killed) is discarded by the next open, as an index of another version is.
_BUILDING = "building"
#: Entries from which a full build writes the text tables in a second process (``wsskg.textbuild``).
_PARALLEL_MIN = 5000
#: Entries inserted per step of a full build (a progress report after each).
_BUILD_STEP = 5000
#: Builds of more entries than this report their progress (smaller ones take under a second).
_PROGRESS_MIN = 2000
#: The part of the progress bar a build from catalog.yaml gives to parsing it (measured at
#: 100,000 papers: 3.5-4 s of parsing, 8-9 s of writing rows).
_PARSE_SHARE = 0.3


def _bar_for(progress: Progress | None, n: int) -> Progress | None:
    """``progress`` when work over ``n`` entries takes long enough to report, else None."""
    return progress if progress is not None and n > _PROGRESS_MIN else None


def _silent(done: int, total: int) -> None:
    """A progress callback that reports nothing."""


def _shared_bar(progress: Progress, first: float) -> tuple[Progress, Progress]:
    """Two progress callbacks filling one bar: the first up to ``first`` of it, the second the
    rest (each reports its own ``done, total``)."""
    scale = 1000
    cut = int(scale * first)

    def part(lo: int, hi: int) -> Progress:
        return lambda done, total: progress(lo + (hi - lo) * min(done, total) // max(total, 1), scale)

    return part(0, cut), part(cut, scale)


# -- where the index lives ------------------------------------------------------------------------

def index_file(path: Path) -> Path:
    """The index of catalog ``path`` (keyed by its resolved path) in the cache dir."""
    key = hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:20]
    return cache_dir() / "index" / f"{key}.sqlite"


def _trusted_dir(d: Path) -> bool:
    """Create ``d`` (private) if needed; is it ours and not writable by anyone else?"""
    try:
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = d.stat()
    except OSError:
        return False
    if not d.is_dir():
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not st.st_mode & 0o022


def _trusted_file(f: Path) -> bool:
    try:
        st = f.lstat()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    import stat as _stat

    if not _stat.S_ISREG(st.st_mode):
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not st.st_mode & 0o022


#: SQLite's page cache (negative: KiB), and the smaller one used while reading big blobs.
_CACHE_KIB = -8000
_BLOB_CACHE_KIB = -1000
_BUILD_CACHE_KIB = -256000


def _connect(f: Path | None) -> sqlite3.Connection:
    conn = sqlite3.connect(str(f) if f else ":memory:", isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=" + ("WAL" if f else "MEMORY"))
    conn.execute("PRAGMA synchronous=OFF")  # a derived file: a crash may lose it, never the catalog
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute(f"PRAGMA cache_size={_CACHE_KIB}")
    return conn


def _open_db(f: Path | None) -> sqlite3.Connection:
    """An index database of the current schema (emptied and recreated when it is not)."""
    conn = None
    if f is not None:
        try:
            conn = _connect(f)
            row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row and row[0] == str(SCHEMA_VERSION):
                return conn
        except sqlite3.DatabaseError:
            pass
        if conn is not None:
            conn.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(str(f) + suffix)
            except FileNotFoundError:
                pass
        conn = _connect(f)
    else:
        conn = _connect(None)
    conn.executescript(_SCHEMA)
    conn.execute("INSERT INTO meta VALUES('schema', ?)", (str(SCHEMA_VERSION),))
    return conn


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
    return _h(block)


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


def _content(fp: str | None) -> tuple | None:
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


def _h(b: bytes) -> bytes:
    return hashlib.sha1(b).digest()


# -- rows ---------------------------------------------------------------------------------------------

def _texts(e: Entry) -> tuple[str, str, str, str, str]:
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


def _vocab_words(texts: tuple) -> set[str]:
    """Words for typo tolerance: titles, short names, authors and comments (not abstracts)."""
    return {w for w in _WORD.findall(f"{texts[0]} {texts[1]} {texts[2]} {texts[4]}".lower()) if len(w) >= 3}


def _entry_row(e: Entry, pos: int, bhash: bytes | None) -> tuple:
    texts = _texts(e)
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
def _topic_rows(rid: int, e: Entry) -> list[tuple]:
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


_ENTRY_COLS = ("id, pos, bhash, status, kind, year, id_l, arxiv, doi_l, s2, s2_l, norm, norm_c, data, tail, "
               + ", ".join("t_" + f for f in FIELDS[:-1]))


def _json_rows(texts: Iterable[str]) -> list:
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


# -- the index ------------------------------------------------------------------------------------------

def _head_and_entries(raw: bytes) -> tuple[bytes, bytes] | None:
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


class CatalogIndex:
    """An up-to-date index of one catalog file. Use :func:`open_index`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, file: Path | None):
        self.path = path
        self.conn = conn
        self.file = file
        self._head: dict | None = None
        #: Where long derived work reports (``open_index``'s ``progress``): the citation tables
        #: and the walk are built by the first command that needs them, seconds at 100,000 papers.
        self.progress: Progress | None = None

    def close(self) -> None:
        self.conn.close()

    # -- meta -------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES(?, ?)", (key, value))

    @property
    def head(self) -> dict:
        """The catalog's header as catalog.yaml holds it (title, intro, topics...)."""
        if self._head is None:
            self._head = json.loads(self._meta("head") or "{}")
        return self._head

    def skeleton(self) -> Catalog:
        """The catalog without entries (title, intro, topics)."""
        return cat_mod.from_dict(dict(self.head, entries=[]), path=self.path)

    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM entries").fetchone()[0]

    # -- sync ---------------------------------------------------------------------------
    def sync(self, raw: bytes | None = None, progress: Progress | None = None,
             stat_before: os.stat_result | None = None) -> bool:
        """Bring the index up to date with the files; True when anything was re-indexed.

        ``raw``: catalog.yaml's bytes when the caller has read them (after ``stat_before``)."""
        st = file_stat(self.path)
        key = stat_key(st)
        # the current case first, without reading catalog.yaml or importing the YAML side of
        # wsskg.store: the file's stat key is the one recorded, and the sidecar where the
        # last sync found it is unchanged (a save records where it wrote it)
        last_side = self._meta("side_path")
        side_same = bool(last_side) and self._meta("side_fp") == side_fingerprint(Path(last_side))
        if (key and side_same and self._meta("yaml_stat") == key
                and (raw is None or stat_key(stat_before) == key)):
            return False
        if raw is None:
            try:
                with open(self.path, "rb") as fh:
                    raw = fh.read()
            except OSError:
                raw = files.read_bytes(self.path)  # the one-line error for a missing or unreadable file
            stable = stat_key(file_stat(self.path)) == key
        else:
            stable = stat_key(stat_before) == key
        # the stat key is kept only when the bytes read are known to be the file's at that key
        new_key = key if stable else ""
        fp = yaml_fingerprint(raw, st)
        if side_same and self._meta("yaml_fp") == fp:
            if self._meta("yaml_stat") != new_key:
                self._set_meta("yaml_stat", new_key)
            return False
        side_path = files.sidecar_of(self.path)
        sfp = side_fingerprint(side_path)
        if self._meta("yaml_fp") == fp and self._meta("side_fp") == sfp:
            self._set_meta("side_path", str(side_path))
            self._set_meta("yaml_stat", new_key)
            return False
        c = self.conn
        done = {"yaml_fp": fp, "yaml_stat": new_key, "side_fp": sfp, "side_path": str(side_path)}
        changed_side = None
        c.execute("BEGIN")
        try:
            # the same bytes only touched (a copy, a checkout, an editor's save): nothing to re-read
            touched_only = _content(self._meta("yaml_fp")) == _content(fp)
            yaml_changed = self._meta("yaml_fp") != fp and not touched_only
            if yaml_changed and not self._meta("head_hash"):
                # a new index, or one built by the careful parse: the whole file is parsed again,
                # and the build reads the sidecar itself (in its second process, where it can)
                raise _Rebuild
            if self._meta("side_fp") != sfp:
                changed_side = self._read_sidecar(side_path)
            if yaml_changed:
                self._sync_yaml(raw, changed_side, progress)
            elif changed_side is not None:
                self._apply_side(changed_side, new_rids=set())
            for k, v in done.items():
                self._set_meta(k, v)
            c.execute("COMMIT")
        except _Rebuild:
            c.execute("ROLLBACK")
            self._full_rebuild(raw, changed_side, progress, done)
        except BaseException:
            c.execute("ROLLBACK")
            raise
        self._head = None
        return True

    def _read_sidecar(self, side_path: Path) -> dict:
        """``{"entries": {id: (hash, abstract, refs, cited)}, "external": {...}}`` of the sidecar,
        checked by :func:`wsskg.files.parse_sidecar` (a hand edit gets its one-line error)."""
        raw = files.read_sidecar(side_path)
        if raw is None:
            return {"entries": {}, "external": {}}
        parsed = files.parse_sidecar(raw, side_path)
        entries = {}
        for eid, (abstract, refs, cited) in parsed["entries"].items():
            abstract, refs, cited = abstract or None, refs or None, cited or None
            if abstract is None and refs is None and cited is None:
                continue
            entries[eid] = (_side_hash(abstract, refs, cited), abstract, refs, cited)
        return {"entries": entries, "external": parsed["external"]}

    # catalog.yaml
    def _sync_yaml(self, raw: bytes, side: dict | None, progress: Progress | None) -> None:
        try:
            plan = self._plan(raw)
        except _Fallback:
            plan = None
        if plan is None:
            raise _Rebuild
        head_data, blocks, hashes = plan
        stored = dict(self.conn.execute("SELECT bhash, rid FROM entries WHERE bhash IS NOT NULL"))
        if len(stored) != self.count() or len(set(hashes)) != len(hashes):
            # rows from a full parse (no block hashes), or two identical blocks (a duplicate id,
            # which the full parse reports with its line)
            raise _Rebuild
        keep = {h for h in hashes if h in stored}
        new_idx = [i for i, h in enumerate(hashes) if h not in stored]
        gone = [rid for h, rid in stored.items() if h not in keep]
        try:
            entries = self._parse_blocks(head_data, [blocks[i] for i in new_idx], progress, len(hashes))
        except _Fallback:
            raise _Rebuild
        # ids must stay unique across kept and new rows
        new_ids = [e.id for e in entries]
        if len(set(new_ids)) != len(new_ids):
            raise _Rebuild
        if gone:
            self._delete_rows(gone)
        if new_ids:
            for i in range(0, len(new_ids), 900):
                part = new_ids[i:i + 900]
                q = ",".join("?" * len(part))
                if self.conn.execute(f"SELECT 1 FROM entries WHERE id IN ({q}) LIMIT 1", part).fetchone():
                    raise _Rebuild
        # positions of kept rows (unchanged unless blocks were inserted, removed or moved)
        moved = [(i, stored[h]) for i, h in enumerate(hashes) if h in stored]
        self.conn.executemany("UPDATE entries SET pos=? WHERE rid=? AND pos!=?", [(i, r, i) for i, r in moved])
        new_rids = self._insert_entries([(new_idx[k], e, hashes[new_idx[k]]) for k, e in enumerate(entries)])
        self._apply_side(side, new_rids)
        self._refresh_s2map(changed=bool(gone or new_rids or side is not None))

    def _plan(self, raw: bytes):
        """Split catalog.yaml into its header and entry blocks when it is in wsskg's layout and
        the header is the one indexed; None when a full parse is needed."""
        split = _head_and_entries(raw)
        if split is None:
            return None
        head, body = split
        hh = _h(head).hex()
        if hh != self._meta("head_hash"):
            return None  # new topics or title: everything is validated again
        starts = [mm.start() + 1 for mm in _ITEM_AFTER_NL.finditer(body)]
        lead = body[: starts[0]] if starts else body
        if any(ln.strip() and not ln.lstrip().startswith(b"#") for ln in lead.split(b"\n")):
            return None
        ends = starts[1:] + [len(body)]
        blocks = [body[a:b] for a, b in zip(starts, ends)]
        return self.head, blocks, [_h(b) for b in blocks]

    def _parse_blocks(self, head_data: dict, blocks: list[bytes], progress: Progress | None,
                      total: int) -> list[Entry]:
        import yaml

        from wsskg.yamlfast import load_blocks
        from wsskg.yamlio import SafeLoader

        out: list[Entry] = []
        topics = head_data.get("topics")
        for i in range(0, len(blocks), CHUNK):
            chunk = b"".join(blocks[i:i + CHUNK])
            if b"&" in chunk and b"*" in chunk:
                raise _Fallback  # aliases: the careful path checks them
            try:
                text = chunk.decode("utf-8")
                part = load_blocks(text)  # exactly yaml.load's result, or None when not sure
                if part is None:
                    part = yaml.load(text, Loader=SafeLoader)  # noqa: S506 - safe loader only
            except (UnicodeDecodeError, yaml.YAMLError):
                raise _Fallback from None
            if not isinstance(part, list):
                raise _Fallback
            try:
                cat = cat_mod.from_dict({"topics": topics, "entries": part}, path=self.path)
            except CatalogError:
                raise _Fallback from None
            out.extend(cat.entries)
            if progress and len(blocks) > 2000:
                progress(min(i + CHUNK, len(blocks)), len(blocks))
        return out

    def _full_rebuild(self, raw: bytes, side: dict | None, progress: Progress | None, done: dict) -> None:
        """Parse the whole file the careful way (errors name their line) and index every entry;
        ``done``: the meta rows that say what the index was built from."""
        with files.gc_paused(freeze=False):  # the parsed catalog is garbage once its rows are written
            plan = self._plan_blocks_only(raw)
            parsing, building = None, progress
            if plan is not None and _bar_for(progress, len(plan[1])):
                parsing, building = _shared_bar(progress, _PARSE_SHARE)
            cat = files.parse_catalog(files.decode(raw, self.path), self.path, progress=parsing)
            head = cat.header_dict()
            head_hash, hashes = "", [None] * len(cat.entries)
            if plan is not None and len(plan[1]) == len(cat.entries):
                head_hash, hashes = plan
            side_path = files.sidecar_of(self.path)
            self._build_all(cat.entries, hashes, head, head_hash,
                            (lambda: side) if side is not None else (lambda: self._read_sidecar(side_path)),
                            building, done, reads_side=side is None)

    def _build_all(self, entries: list[Entry], hashes: list, head: dict, head_hash: str,
                   side: Callable[[], dict], progress: Progress | None, done: dict, reads_side: bool = False) -> None:
        """Replace every row with those of ``entries`` (block hashes ``hashes``) and of the
        sidecar's parts ``side()`` (as ``_read_sidecar`` returns them; made or read by the text
        half of the build), in one transaction of its own. Where that is possible a forked
        child writes the FTS, side, outside-paper and topic rows meanwhile (``wsskg.textbuild``)
        while this process writes the entry rows, the vocabulary and the indexes; the citation
        tables wait for :meth:`citations`. ``reads_side``: ``side()`` parses the sidecar file,
        which makes the child's half the longer one by about the topic rows' time, so this
        process writes them."""
        rows = [(i, e, hashes[i]) for i, e in enumerate(entries)]
        child = None
        try:
            with self._build_transaction() as unjournaled:
                # the halves are balanced by measure: with a child, the parent writes the vocabulary
                # (FTS5 keeps the child busy) and the child the topic rows, unless it parses the sidecar
                forking = unjournaled and len(rows) >= _PARALLEL_MIN and textbuild.can_fork()
                child_topics = forking and not reads_side
                write = functools.partial(textbuild.write_text_tables, entries=entries, side=side,
                                          first_rid=1, texts=_texts, vocab_words=None if forking else _vocab_words,
                                          topic_rows=_topic_rows if child_topics else None, side_rows=_side_rows,
                                          external_rows=_external_rows, fts_insert=_FTS_INSERT, fts_table="fts")
                self._clear_all()
                c = self.conn
                for k, v in (("head", json.dumps(head, ensure_ascii=False, default=str)), ("head_hash", head_hash),
                             ("cites", "")):
                    self._set_meta(k, v)
                if forking:
                    # (unjournaled: the connection is replaced after the commit, see wsskg.textbuild)
                    child = textbuild.ForkedTextTables(self.file.parent, (_FTS_SQL, _VOCAB_SQL, _SIDE_SQL, _TOPICS_OF_SQL,
                                                                          _EXTERNAL_SQL), "fts", write)
                # progress: the entry rows, then the text tables as one last step of the same size
                report = _bar_for(progress, len(rows)) or _silent
                total = len(rows) + _BUILD_STEP
                with self._bulk_load(defer=("topics_of",) if child_topics else ()):
                    for k in range(0, len(rows), _BUILD_STEP):
                        self._insert_entries(rows[k:k + _BUILD_STEP], first_rid=1 + k, vocab=forking,
                                             topics=not child_topics)
                        report(min(k + _BUILD_STEP, len(rows)), total)
                # (the indexes above are built while the child still works; its tables have none)
                if child is None or not child.copy_into(c, ("side", "external") + (("topics_of",) if child_topics else ())):
                    write(c)
                if child_topics:
                    self._create_indexes("topics_of")
                report(total, total)
                self._refresh_s2map(changed=True)
                for k, v in done.items():
                    self._set_meta(k, v)
        finally:
            if child is not None:
                child.close()
        self._head = None

    @contextmanager
    def _build_transaction(self) -> Iterator[bool]:
        """The transaction of a build that writes every row; yields whether it runs without a
        journal. When no other connection has the file open, it does: a WAL takes every page
        twice (into the log, then into the file), and at 100,000 papers that is half a gigabyte
        written again, 5 s of a 24 s build. The file is first marked as being built, in a
        journaled write of its own, so a build killed half-way leaves a file the next open
        discards; a build that fails drops the file (with no journal there is no rollback).
        The page cache is large for the build (queries keep a small one)."""
        c = self.conn
        bare = False
        if self.file is not None:
            try:
                bare = str(c.execute("PRAGMA journal_mode=DELETE").fetchone()[0]).lower() == "delete"
            except sqlite3.OperationalError:
                bare = False  # another connection reads it: keep the WAL
        if bare:
            c.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (_BUILDING,))
            c.execute("PRAGMA locking_mode=EXCLUSIVE")
            c.execute("PRAGMA journal_mode=OFF")
        c.execute(f"PRAGMA cache_size={_BUILD_CACHE_KIB}")
        c.execute("BEGIN IMMEDIATE")
        try:
            yield bare
            if bare:
                c.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA_VERSION),))
            c.execute("COMMIT")
        except BaseException:
            if bare:
                self._discard_file()
            else:
                c.execute("ROLLBACK")
                c.execute(f"PRAGMA cache_size={_CACHE_KIB}")
            raise
        if not bare:
            c.execute(f"PRAGMA cache_size={_CACHE_KIB}")
        else:
            # a new connection: WAL again, the exclusive lock released, and no FTS5 state
            # cached from before the shadow tables were copied (see wsskg.textbuild)
            c.close()
            self.conn = _connect(self.file)

    def _discard_file(self) -> None:
        """Drop a half-built index file; the object goes on with a new, empty one."""
        self.conn.close()
        for suffix in ("", "-journal", "-wal", "-shm"):
            try:
                os.unlink(str(self.file) + suffix)
            except OSError:
                pass
        try:
            self.conn = _open_db(self.file)
        except (sqlite3.Error, OSError):
            self.conn = _open_db(None)
            self.file = None

    def _plan_blocks_only(self, raw: bytes):
        split = _head_and_entries(raw)
        if split is None:
            return None
        head, body = split
        starts = [mm.start() + 1 for mm in _ITEM_AFTER_NL.finditer(body)]
        ends = starts[1:] + [len(body)]
        return _h(head).hex(), [_h(body[a:b]) for a, b in zip(starts, ends)]

    @contextmanager
    def _bulk_load(self, defer: tuple[str, ...] = ()) -> Iterator[None]:
        """Around inserting every row (inside a build's transaction): the secondary indexes
        are built after the rows, one sort each instead of a B-tree insertion per row; those
        of the tables in ``defer`` are left to :meth:`_create_indexes`."""
        self._drop_indexes()
        yield
        self._create_indexes(exclude=defer)

    def _drop_indexes(self, *tables: str) -> None:
        """Drop the secondary indexes (of ``tables``, or all)."""
        for stmt in _INDEXES:
            if not tables or _indexed_table(stmt) in tables:
                self.conn.execute("DROP INDEX IF EXISTS " + stmt.split()[2])

    def _create_indexes(self, *tables: str, exclude: tuple[str, ...] = ()) -> None:
        """Create the secondary indexes (of ``tables``, or all but those of ``exclude``)."""
        for stmt in _INDEXES:
            table = _indexed_table(stmt)
            if (not tables or table in tables) and table not in exclude:
                self.conn.execute(stmt)

    def _clear_all(self) -> None:
        """Delete every row a build writes (and the vectors made from them)."""
        c = self.conn
        for table in ("entries", "topics_of", "vocab", "vectors", "side", "refs", "external", "s2map"):
            c.execute(f"DELETE FROM {table}")
        c.execute("INSERT INTO fts(fts) VALUES('delete-all')")

    def _write_external(self, external: dict) -> None:
        """Replace the outside papers' rows with ``external`` (their records as JSON)."""
        c = self.conn
        c.execute("DELETE FROM external")
        c.executemany("INSERT INTO external VALUES(?, ?)", _external_rows(external))

    def _delete_rows(self, rids: list[int]) -> None:
        c = self.conn
        c.execute("CREATE TEMP TABLE IF NOT EXISTS gone(rid INTEGER PRIMARY KEY)")
        c.execute("DELETE FROM gone")
        c.executemany("INSERT INTO gone VALUES(?)", [(r,) for r in rids])
        cols = ", ".join("e.t_" + f for f in FIELDS[:-1])
        c.execute(f"INSERT INTO fts(fts, rowid, {', '.join(FIELDS)}) SELECT 'delete', e.rid, {cols}, "
                  "coalesce(s.abstract, '') FROM entries e JOIN gone g ON g.rid = e.rid LEFT JOIN side s ON s.id = e.id")
        words: Counter = Counter()
        for row in c.execute(f"SELECT {cols.replace('e.', '')} FROM entries WHERE rid IN (SELECT rid FROM gone)"):
            words.update(_vocab_words(row))
        c.executemany("UPDATE vocab SET n = n - ? WHERE word = ?", [(n, w) for w, n in words.items()])
        c.execute("DELETE FROM vocab WHERE n <= 0")
        c.execute("DELETE FROM topics_of WHERE rid IN (SELECT rid FROM gone)")
        c.execute("DELETE FROM vectors WHERE rid IN (SELECT rid FROM gone)")
        c.execute("DELETE FROM entries WHERE rid IN (SELECT rid FROM gone)")

    def _insert_entries(self, rows: list[tuple[int, Entry, bytes | None]], first_rid: int | None = None,
                        vocab: bool = True, topics: bool = True) -> set[int]:
        """Insert entry rows (rids from ``first_rid``, else after the last), and unless
        ``vocab`` or ``topics`` is False their words and topic rows. Their FTS rows are added
        by :meth:`_apply_side` with the abstract (a full build writes them with the text tables)."""
        c = self.conn
        if not rows:
            return set()
        start = first_rid or (c.execute("SELECT max(rid) FROM entries").fetchone()[0] or 0) + 1
        data = []
        topic_rows = []
        words: Counter = Counter()
        for k, (pos, e, bhash) in enumerate(rows):
            rid = start + k
            row = _entry_row(e, pos, bhash)
            data.append((rid, *row))
            if vocab:
                words.update(_vocab_words(row[-5:]))
            if topics:
                topic_rows.extend(_topic_rows(rid, e))
        c.executemany(f"INSERT INTO entries(rid, {_ENTRY_COLS}) VALUES({','.join('?' * (len(data[0])))})", data)
        c.executemany("INSERT INTO topics_of VALUES(?, ?, ?, ?, ?, ?)", topic_rows)
        c.executemany("INSERT INTO vocab VALUES(?, ?) ON CONFLICT(word) DO UPDATE SET n = n + excluded.n",
                      list(words.items()))
        return set(range(start, start + len(rows)))

    def _apply_side(self, side: dict | None, new_rids: set[int]) -> None:
        """Store the sidecar rows that changed (``side`` is None when the sidecar did not), and
        add the FTS rows of new entries and of entries whose abstract changed."""
        c = self.conn
        cols = ", ".join("e.t_" + f for f in FIELDS[:-1])
        add_fts = (f"INSERT INTO fts(rowid, {', '.join(FIELDS)}) SELECT e.rid, {cols}, coalesce(s.abstract, '') "
                   "FROM entries e LEFT JOIN side s ON s.id = e.id")
        touched: list[str] = []
        want: dict = {}
        if side is not None:
            want = side["entries"]
            stored = dict(c.execute("SELECT id, shash FROM side"))
            changed = [eid for eid, v in want.items() if stored.get(eid) != v[0]]
            touched = changed + [eid for eid in stored if eid not in want]
        c.execute("CREATE TEMP TABLE IF NOT EXISTS touched(id TEXT PRIMARY KEY)")
        c.execute("CREATE TEMP TABLE IF NOT EXISTS fresh(rid INTEGER PRIMARY KEY)")
        c.execute("DELETE FROM touched")
        c.execute("DELETE FROM fresh")
        if touched:
            c.executemany("INSERT INTO touched VALUES(?)", [(i,) for i in touched])
        c.executemany("INSERT INTO fresh VALUES(?)", [(r,) for r in new_rids])
        if touched:
            # FTS rows of older entries whose abstract changes go, with the text they were added with
            c.execute(f"INSERT INTO fts(fts, rowid, {', '.join(FIELDS)}) SELECT 'delete', e.rid, {cols}, "
                      "coalesce(s.abstract, '') FROM entries e JOIN touched t ON t.id = e.id "
                      "LEFT JOIN side s ON s.id = e.id WHERE e.rid NOT IN (SELECT rid FROM fresh)")
            c.execute("DELETE FROM vectors WHERE rid IN (SELECT e.rid FROM entries e JOIN touched t ON t.id = e.id)")
            c.execute("DELETE FROM side WHERE id IN (SELECT id FROM touched)")
            c.execute("DELETE FROM refs WHERE id IN (SELECT id FROM touched)")
        if side is not None:
            c.executemany("INSERT INTO side VALUES(?, ?, ?, ?, ?)", _side_rows(want, changed))
            if self._meta("cites") == "1":
                c.executemany("INSERT INTO refs VALUES(?, ?, ?)", _ref_rows(want, changed))
            self._write_external(side["external"])
        c.execute(add_fts + " WHERE e.rid IN (SELECT rid FROM fresh) OR e.id IN (SELECT id FROM touched)")

    def _refresh_s2map(self, changed: bool) -> None:
        """After rows changed: the graph work cached in ``blobs`` goes, and ``s2map`` (which S2
        ids are catalog entries: their own, and outside records with the same arXiv id or DOI,
        as :func:`wsskg.graph.s2_to_entry`) is rebuilt when the citation tables are built."""
        if not changed:
            return
        c = self.conn
        c.execute("DELETE FROM blobs")
        if self._meta("cites") != "1":
            return
        c.execute("DELETE FROM s2map")
        c.execute("INSERT OR IGNORE INTO s2map SELECT s2, id FROM entries WHERE s2 IS NOT NULL ORDER BY pos")
        ext = c.execute("SELECT s2, data FROM external WHERE s2 NOT IN (SELECT s2 FROM s2map) AND "
                        "(data LIKE '%\"arxiv_id\"%' OR data LIKE '%\"doi\"%')").fetchall()
        if ext:
            by_ax = {}
            by_doi = {}
            for eid, ax, doi in c.execute("SELECT id, arxiv, doi_l FROM entries ORDER BY pos DESC"):
                if ax:
                    by_ax[ax.lower()] = eid
                if doi:
                    by_doi[doi] = eid
            rows = []
            for sid, data in ext:
                meta = json.loads(data)
                ax, doi = meta.get("arxiv_id"), meta.get("doi")
                hit = (by_ax.get(cat_mod.strip_arxiv_version(str(ax)).lower()) if ax else None) or (
                    by_doi.get(str(doi).lower()) if doi else None)
                if hit:
                    rows.append((sid, hit))
            c.executemany("INSERT OR IGNORE INTO s2map VALUES(?, ?)", rows)

    def citations(self, progress: Progress | None = None) -> None:
        """Make sure the citation tables (``refs``, ``s2map``) are built. A full build leaves
        them for the first command that reads them (``show``, ``next``, ``discover``, graph
        exports): at 100,000 papers a million edges and their indexes are 5 s of the build,
        and a search never reads them. They are built from the side rows' JSON lists by
        SQLite alone, in list order (the order ``Entry.references`` has). ``progress``
        (default :attr:`progress`) hears of the steps of a large build."""
        if self._meta("cites") == "1":
            return
        c = self.conn
        report = self.work_progress(progress or self.progress)
        # the index sorts spill to a temporary file (memory would hold a million sorted keys)
        c.execute("PRAGMA temp_store=FILE")
        c.execute("BEGIN IMMEDIATE")
        try:
            if self._meta("cites") != "1":  # another process may have built them meanwhile
                report(0, 4)
                c.execute("DELETE FROM refs")
                self._drop_indexes("refs")
                for d, col in ((0, "refs"), (1, "cited")):
                    c.execute(f"INSERT INTO refs(id, s2, dir) SELECT s.id, j.value, {d} FROM side s, "
                              f"json_each(s.{col}) j WHERE s.{col} IS NOT NULL")
                    report(1 + d, 4)
                self._create_indexes("refs")
                report(3, 4)
                self._set_meta("cites", "1")
                self._refresh_s2map(changed=True)
                report(4, 4)
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        finally:
            c.execute("PRAGMA temp_store=MEMORY")

    def work_progress(self, progress: Progress | None) -> Progress:
        """``progress`` for work over every entry, when there are enough entries for it to take
        a while (else a callback that reports nothing)."""
        return _bar_for(progress, self.count()) or _silent

    # -- status changes -----------------------------------------------------------------
    def record_edits(self, entries: list[Entry], raw: bytes | list, blocks: dict[str, bytes] | None = None) -> None:
        """After ``wsskg.store.set_status`` or ``edit_field`` changed a few fields of ``entries``
        (status, tags: nothing searched by text) with the index current before: update those
        rows and the fingerprint from the new bytes ``raw`` (bytes or the pieces written), so
        the next command need not look at the file again. ``blocks``: the entries' new block
        hashes when the caller knows them (else they are found in ``raw``, which must be bytes)."""
        c = self.conn
        c.execute("BEGIN")
        try:
            if blocks is None or any(e.id not in blocks for e in entries):
                whole = raw if isinstance(raw, bytes) else b"".join(raw)
                blocks = _block_hashes_by_id(whole, [e.id for e in entries])
            for e in entries:
                row = _entry_row(e, 0, blocks.get(e.id))
                c.execute("UPDATE entries SET status=?, bhash=?, data=? WHERE id=?", (e.status, row[2], row[13], e.id))
                c.execute("UPDATE topics_of SET status=? WHERE rid IN (SELECT rid FROM entries WHERE id=?)",
                          (e.status, e.id))
            self._record_written(raw)
            c.execute("DELETE FROM blobs WHERE key LIKE 'seeds:%'")
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def _record_written(self, raw: bytes | list) -> None:
        """Record catalog.yaml as wsskg just wrote it (``raw``: its bytes or pieces): the
        fingerprint, and the stat key taken now, after the write."""
        st = file_stat(self.path)
        self._set_meta("yaml_fp", yaml_fingerprint(raw, st))
        self._set_meta("yaml_stat", stat_key(st))

    def record_save(self, catalog: Catalog, raw: bytes, progress: Progress | None = None) -> None:
        """After ``wsskg.store`` wrote ``catalog`` as ``raw`` (and its sidecar): bring the rows up
        to date from the catalog in memory, so no command has to parse the file again (an import
        or an enrichment indexes what it just wrote). Only entries whose block or sidecar part
        changed get new rows, as in :meth:`sync`."""
        plan = self._plan_blocks_only(raw)
        c = self.conn
        if plan is None or len(plan[1]) != len(catalog.entries) or len(set(plan[1])) != len(plan[1]):
            self._set_meta("yaml_fp", "")  # not our layout after all: the next use re-syncs
            self._set_meta("yaml_stat", "")
            return
        head_hash, hashes = plan
        side_path = files.sidecar_of(self.path)
        stored = dict(c.execute("SELECT bhash, rid FROM entries WHERE bhash IS NOT NULL"))
        if head_hash != self._meta("head_hash") or len(stored) != self.count():
            st = file_stat(self.path)
            done = {"yaml_fp": yaml_fingerprint(raw, st), "yaml_stat": stat_key(st),
                    "side_fp": side_fingerprint(side_path), "side_path": str(side_path)}
            self._build_all(catalog.entries, hashes, catalog.header_dict(), head_hash,
                            lambda: _side_of(catalog), progress, done)
            return
        side = _side_of(catalog)
        c.execute("BEGIN")
        try:
            keep = {h for h in hashes if h in stored}
            new_idx = [i for i, h in enumerate(hashes) if h not in stored]
            gone = [rid for h, rid in stored.items() if h not in keep]
            if gone:
                self._delete_rows(gone)
            c.executemany("UPDATE entries SET pos=? WHERE rid=? AND pos!=?",
                          [(i, stored[h], i) for i, h in enumerate(hashes) if h in stored])
            new_rids = self._insert_entries([(i, catalog.entries[i], hashes[i]) for i in new_idx])
            self._apply_side(side, new_rids)
            self._refresh_s2map(changed=True)
            self._record_written(raw)
            self._set_meta("side_fp", side_fingerprint(side_path))
            self._set_meta("side_path", str(side_path))
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        self._head = None

    def fingerprint_matches(self, raw: bytes) -> bool:
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        return self._meta("yaml_fp") == yaml_fingerprint(raw, st)

    # -- reading rows ---------------------------------------------------------------------
    def _entries(self, where: str = "", params: Iterable = (), order: str = "pos", limit: int | None = None,
                 bulky: bool = False) -> list[Entry]:
        return [e for part in self._entry_chunks(where, params, order, limit, bulky) for e in part]

    def _entry_chunks(self, where: str = "", params: Iterable = (), order: str = "pos", limit: int | None = None,
                      bulky: bool = False, chunk: int = 2000) -> Iterator[list[Entry]]:
        """The entries the query selects, ``chunk`` at a time, so a caller that writes them out
        (``list --json`` at 100,000 papers) never holds them all. ``bulky``: with abstracts and
        reference lists (joined from the side rows)."""
        sql = "SELECT e.data" + (", s.abstract, s.refs, s.cited" if bulky else "") + " FROM entries e"
        if bulky:
            sql += " LEFT JOIN side s ON s.id = e.id"
        if where:
            sql += " WHERE " + where
        sql += f" ORDER BY e.{order}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        cur = self.conn.execute(sql, list(params))
        while rows := cur.fetchmany(chunk):
            datas = _json_rows(r[0] for r in rows)
            if not bulky:
                yield list(map(entry_from_data, datas))
                continue
            # one parse for the chunk's lists (a json.loads per list cost more than the query)
            lists = _json_rows(chain.from_iterable((r[2] or "[]", r[3] or "[]") for r in rows))
            out = []
            for k, (d, r) in enumerate(zip(datas, rows)):
                e = entry_from_data(d, r[1])
                e.references.extend(lists[2 * k])
                e.cited_by.extend(lists[2 * k + 1])
                out.append(e)
            yield out

    def _attach_refs(self, entries: list[Entry]) -> None:
        """Give ``entries`` their references and citations (from the side rows' lists)."""
        by_id = {e.id: e for e in entries}
        where = "refs IS NOT NULL OR cited IS NOT NULL"
        if len(entries) > 500:
            rows = self.conn.execute(f"SELECT id, refs, cited FROM side WHERE {where}")
        else:
            q = ",".join("?" * len(by_id))
            rows = self.conn.execute(f"SELECT id, refs, cited FROM side WHERE id IN ({q}) AND ({where})", list(by_id))
        rows = rows.fetchall()
        lists = _json_rows(chain.from_iterable((r or "[]", c or "[]") for _, r, c in rows))
        for k, (eid, _, _) in enumerate(rows):
            e = by_id.get(eid)
            if e is not None:
                e.references.extend(lists[2 * k])
                e.cited_by.extend(lists[2 * k + 1])

    def entries(self, bulky: bool = False) -> list[Entry]:
        return self._entries(bulky=bulky)

    def get(self, entry_id: str, bulky: bool = True) -> Entry | None:
        found = self._entries("e.id = ?", (entry_id,), bulky=bulky)
        return found[0] if found else None

    def load_catalog(self, bulky: bool = True) -> Catalog:
        """The whole catalog, rebuilt from the rows (no YAML parsing)."""
        cat = self.skeleton()
        cat.entries = self._entries(bulky=bulky)
        if bulky:
            cat.external = self._external()
        return cat

    def _external(self) -> dict[str, dict]:
        """The outside papers' records, by S2 id."""
        rows = self.conn.execute("SELECT s2, data FROM external").fetchall()
        return dict(zip((r[0] for r in rows), _json_rows(r[1] for r in rows)))

    def graph_catalog(self) -> Catalog:
        """The catalog as the graph needs it: every entry with its reference and citing lists and
        the outside papers, but no abstracts (no node carries one). Whole-catalog GraphML/GEXF
        read this instead of :meth:`load_catalog`: the abstracts are most of the sidecar."""
        cat = self.skeleton()
        cat.entries = self._entries(bulky=False)
        if cat.entries:
            self._attach_refs(cat.entries)
        cat.external = self._external()
        return cat

    # -- filters ----------------------------------------------------------------------------
    @staticmethod
    def _filter_sql(topic: str | None, status: str | None, year: int | None, kind: str | None,
                    tag: str | None = None) -> tuple[str, list]:
        """SQL for the filters of :func:`wsskg.search.filter_entries` (same meaning)."""
        where, params = [], []
        if tag:
            where.append("EXISTS (SELECT 1 FROM json_each(e.data, '$.tags') WHERE lower(value) = ?)")
            params.append(tag.lower())
        if status:
            where.append("e.status = ?")
            params.append(status)
        if year:
            where.append("e.year = ?")
            params.append(year)
        if kind:
            where.append("e.kind = ?")
            params.append(kind)
        if topic:
            w = topic.lower().strip("/")
            like = w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
            where.append("e.rid IN (SELECT rid FROM topics_of WHERE own = 1 AND "
                         "(low = ? OR low LIKE ? ESCAPE '\\' OR last = ?))")
            params += [w, like, w]
        return " AND ".join(where), params

    def filter_entries(self, topic: str | None = None, status: str | None = None, year: int | None = None,
                       kind: str | None = None, limit: int | None = None, bulky: bool = False,
                       tag: str | None = None) -> list[Entry]:
        """Entries in catalog order that pass the filters; ``bulky``: with abstracts and
        reference lists."""
        where, params = self._filter_sql(topic, status, year, kind, tag)
        return self._entries(where, params, limit=limit, bulky=bulky)

    def filter_chunks(self, topic: str | None = None, status: str | None = None, year: int | None = None,
                      kind: str | None = None, limit: int | None = None, bulky: bool = False,
                      tag: str | None = None, chunk: int = 2000) -> Iterator[list[Entry]]:
        """:meth:`filter_entries`, ``chunk`` entries at a time (for output that streams)."""
        where, params = self._filter_sql(topic, status, year, kind, tag)
        return self._entry_chunks(where, params, limit=limit, bulky=bulky, chunk=chunk)

    def table_rows(self, topic: str | None = None, status: str | None = None, year: int | None = None,
                   kind: str | None = None, limit: int | None = None,
                   tag: str | None = None) -> list[tuple[str, str, str]]:
        """``(id, status, tail)`` of the entries :meth:`filter_entries` returns, for
        :func:`wsskg.table.render`: the stored tails, no entry built (for ``list`` of 10,000
        entries, building them cost more than the query)."""
        where, params = self._filter_sql(topic, status, year, kind, tag)
        sql = "SELECT e.id, e.status, e.tail FROM entries e" + (f" WHERE {where}" if where else "") + " ORDER BY e.pos"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return self.conn.execute(sql, params).fetchall()

    # -- references ------------------------------------------------------------------------
    def resolve(self, ref: str) -> Entry:
        """The one entry ``ref`` names (:func:`wsskg.catalog.resolve_with`'s rule), each
        look-up a query of the rows."""
        return cat_mod.resolve_with(ref, self._lookup, self.closest)

    #: the rows each look-up of :data:`wsskg.catalog.LOOKUPS` selects
    _LOOKUP_SQL = {
        "id": "e.id = ?",
        "id_lower": "e.id_l = ?",
        "alias": "EXISTS (SELECT 1 FROM json_each(e.data, '$.aliases') WHERE lower(value) = ?)",
        "short_name": "lower(json_extract(e.data, '$.short_name')) = ?",
        "arxiv": "e.arxiv = ?",
        "doi": "e.doi_l = ?",
        "s2": "e.s2_l = ?",
        "title": "e.norm = ?1 OR e.norm_c = ?1",
        "title_part": "instr(e.norm, ?1) > 0 OR instr(coalesce(e.norm_c, ''), ?1) > 0",
    }

    def _lookup(self, kind: str, value: str) -> list[Entry]:
        return self._entries(self._LOOKUP_SQL[kind], (value,))

    def closest(self, ref: str, limit: int = 3) -> list[str]:
        from rapidfuzz import fuzz, process

        choices = {eid: f"{eid} {norm}" for eid, norm in self.conn.execute("SELECT id, norm FROM entries")}
        found = process.extract(ref.lower(), choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=50)
        out = []
        for _, _, key in found:
            e = self.get(key, bulky=False)
            if e is not None:
                out.append(cat_mod.describe(e))
        return out

    # -- topics ---------------------------------------------------------------------------
    def topic_counts(self) -> list[dict]:
        """As :func:`wsskg.search.topic_counts`, counted in SQL."""
        rows = {t: (total, read, reading, own) for t, total, read, reading, own in self.conn.execute(
            "SELECT topic, count(*), sum(status = 'read'), sum(status = 'reading'), sum(own) "
            "FROM topics_of GROUP BY topic")}
        out = []
        for t in self.skeleton().topics:
            total, read, reading, own = rows.get(t.path, (0, 0, 0, 0))
            out.append({"path": t.path, "name": t.name, "depth": t.depth, "total": total, "read": read or 0,
                        "reading": reading or 0, "own": own or 0})
        return out

    # -- search ---------------------------------------------------------------------------
    def vocabulary(self) -> list[str]:
        return [w for (w,) in self.conn.execute("SELECT word FROM vocab")]

    def search(self, query: str, topic: str | None = None, status: str | None = None, year: int | None = None,
               kind: str | None = None, limit: int | None = 20, mode: str | None = None,
               progress: Progress | None = None, tag: str | None = None) -> list[Hit]:
        """Search in ``mode``: ``keyword`` (:meth:`keyword_search`), ``meaning`` (cosine similarity
        of the entry and query vectors, ``wsskg.meaning``) or ``hybrid`` (the two rankings fused
        by reciprocal rank). Meaning and hybrid need the optional extra; the default is hybrid
        when it is installed, else keyword (:func:`wsskg.meaning.default_mode`)."""
        from wsskg import meaning

        mode = mode or meaning.default_mode()
        if mode not in meaning.MODES:
            raise CatalogError(f"unknown search mode {mode!r}; use one of {', '.join(meaning.MODES)}")
        if mode == "keyword":
            return self.keyword_search(query, topic, status, year, kind, limit, tag)
        fwhere, fparams = self._filter_sql(topic, status, year, kind, tag)
        by_meaning = self._meaning_ranking(query, fwhere, fparams, meaning.DEPTH, progress)
        if mode == "meaning":
            fused = [(rid, sim) for rid, sim in by_meaning]
            keyword_hits: dict[int, Hit] = {}
        else:
            kw = self.keyword_search(query, topic, status, year, kind, meaning.DEPTH, tag)
            keyword_hits = {h.rid: h for h in kw}
            fused = meaning.fuse([h.rid for h in kw], [rid for rid, _ in by_meaning])
        if limit:
            fused = fused[:limit]
        entries = self._by_rid([rid for rid, _ in fused if rid not in keyword_hits])
        close = {rid for rid, _ in by_meaning}
        hits = []
        for rid, score in fused:
            h = keyword_hits.get(rid)
            why = list(h.why) if h else []
            if rid in close:
                why.append("meaning")
            hits.append(Hit(entry=h.entry if h else entries[rid], score=score, why=why, rid=rid, mode=mode))
        return hits

    def _meaning_ranking(self, query: str, fwhere: str, fparams: list, depth: int,
                         progress: Progress | None) -> list[tuple[int, float]]:
        """``(rid, cosine)`` of the entries closest to ``query`` in meaning, best first."""
        import numpy as np

        from wsskg import meaning

        self._ensure_vectors(progress)
        allowed = None
        if fwhere:
            allowed = {rid for (rid,) in self.conn.execute(f"SELECT e.rid FROM entries e WHERE {fwhere}", fparams)}
        q = meaning.embed([query])[0]
        best: list[tuple[float, int]] = []
        rows = self.conn.execute("SELECT rid, v FROM vectors ORDER BY rid")
        while True:
            chunk = rows.fetchmany(8192)
            if not chunk:
                break
            if allowed is not None:
                chunk = [r for r in chunk if r[0] in allowed]
                if not chunk:
                    continue
            m = np.frombuffer(b"".join(v for _, v in chunk), dtype=np.float16).reshape(len(chunk), -1)
            sims = m.astype(np.float32) @ q
            top = np.argsort(-sims)[:depth]
            best += [(float(sims[i]), chunk[i][0]) for i in top]
        best.sort(key=lambda x: -x[0])
        return [(rid, sim) for sim, rid in best[:depth]]

    def _ensure_vectors(self, progress: Progress | None = None) -> None:
        """Vectors for the entries that have none yet (new or changed since the last search by
        meaning), stored in the index."""
        from wsskg import meaning

        c = self.conn
        missing = c.execute("SELECT e.rid, e.data, s.abstract FROM entries e LEFT JOIN side s ON s.id = e.id "
                            "WHERE e.rid NOT IN (SELECT rid FROM vectors)").fetchall()
        if not missing:
            return
        step = 1024
        for i in range(0, len(missing), step):
            part = missing[i:i + step]
            texts = [meaning.entry_text(entry_from_data(json.loads(d), a)) for _, d, a in part]
            vecs = meaning.embed(texts).astype("float16")
            c.execute("BEGIN")
            c.executemany("INSERT OR REPLACE INTO vectors VALUES(?, ?)",
                          [(rid, vecs[k].tobytes()) for k, (rid, _, _) in enumerate(part)])
            c.execute("COMMIT")
            if progress and len(missing) > 2000:
                progress(min(i + step, len(missing)), len(missing))

    def keyword_search(self, query: str, topic: str | None = None, status: str | None = None,
                       year: int | None = None, kind: str | None = None, limit: int | None = 20,
                       tag: str | None = None) -> list[Hit]:
        """Rank entries for ``query`` like :func:`wsskg.search.search`: entries filed under a topic
        whose name matches come first, then text matches ranked by BM25 with field weights
        (title > short name, authors > venue, notes > abstract), then, below them all, entries
        that match only some of the query's words. A query word matches as a word prefix (so
        plurals match); a word the index has never seen is replaced by the closest words of the
        vocabulary (so typos match)."""
        from wsskg.search import words

        qwords = [w for w in words(query) if w]
        if not qwords:
            return []
        c = self.conn
        groups = [self._alternatives(w) for w in qwords]
        # topics whose own name matches every query word
        skeleton_topics = [(t.path, set(words(t.name))) for t in self.skeleton().topics]
        topic_score: dict[str, float] = {}
        tvocab = {w for _, ws in skeleton_topics for w in ws}
        texp = [_topic_alternatives(w, tvocab) for w in qwords]
        for path, tw in skeleton_topics:
            sc = 0.0
            for alts in texp:
                best = max((wt for w, wt in alts.items() if w in tw or any(x.startswith(w) for x in tw)),
                           default=0.0)
                if best == 0.0:
                    sc = 0.0
                    break
                sc += best
            if sc:
                topic_score[path] = sc / len(texp)
        fwhere, fparams = self._filter_sql(topic, status, year, kind, tag)
        fsql = (" AND " + fwhere) if fwhere else ""
        weights = ", ".join(str(w) for w in WEIGHTS)
        match = " AND ".join("(" + " OR ".join(g) + ")" for g in groups)
        want = limit or 1 << 62
        level_of: dict[int, float] = {}
        if topic_score:
            tq = ",".join("?" * len(topic_score))
            # ancestors count too (own = 0): a parent topic's name finds its subtopics' entries
            for rid, tp in c.execute(f"SELECT rid, topic FROM topics_of WHERE topic IN ({tq})",
                                     list(topic_score)):
                level_of[rid] = max(level_of.get(rid, 0.0), topic_score[tp])
        # entries in matching topics first (the best-matching topics first); within a topic, the
        # list's own order, those matching in a heavier field first
        topical: list[tuple[float, int, int]] = []  # (level, tier, rid)
        if level_of:
            order = dict(self._rows_pos(list(level_of), fsql, fparams))
            tier_of: dict[int, int] = {}
            for tier, cols in enumerate(_TIERS):
                for (rid,) in c.execute("SELECT rowid FROM fts WHERE fts MATCH ?", (f"{{{cols}}} : ({match})",)):
                    if rid in order and rid not in tier_of:
                        tier_of[rid] = tier
            topical = sorted(((level_of[rid], tier_of.get(rid, len(_TIERS)), rid) for rid in order),
                             key=lambda x: (-x[0], x[1], order[x[2]]))[:want]
        ranked = [(10.0 * level + (len(_TIERS) - tier) / len(_TIERS), rid) for level, tier, rid in topical]
        left = want - len(ranked)
        if left > 0:
            # then text matches outside those topics, best BM25 first
            rows = c.execute(f"SELECT f.rowid, bm25(fts, {weights}) AS r FROM fts f JOIN entries e ON e.rid = f.rowid "
                             f"WHERE fts MATCH ?{fsql} ORDER BY r, e.pos", [match, *fparams])
            for rid, r in rows:
                if rid not in level_of:
                    ranked.append((_squash(-r), rid))
                    if len(ranked) >= want:
                        break
        left = want - len(ranked)
        content = [g for w, g in zip(qwords, groups) if w not in STOP_WORDS]
        if left > 0 and len(content) > 1:
            # not every word matches anywhere: then entries matching some of them, by BM25
            # (below every entry that matches all), so a question in other words still finds
            # the papers that share its rarer words
            seen = {rid for _, rid in ranked}
            anyword = " OR ".join("(" + " OR ".join(g) + ")" for g in content)
            rows = c.execute(f"SELECT f.rowid, bm25(fts, {weights}) AS r FROM fts f JOIN entries e ON e.rid = f.rowid "
                             f"WHERE fts MATCH ?{fsql} ORDER BY r, e.pos LIMIT ?", [anyword, *fparams, left + len(seen)])
            for rid, r in rows:
                if rid not in seen:
                    ranked.append((_squash(-r) / 2, rid))
                    if len(ranked) >= want:
                        break
        taken = set(level_of)
        if not ranked:
            return []
        rids = [r for _, r in ranked]
        by_rid = self._by_rid(rids)
        in_topics: dict[int, list[str]] = {}
        for rid in taken.intersection(rids):
            in_topics[rid] = [t for t in by_rid[rid].topics if t in topic_score]
        pats = [[re.compile(r"\b" + re.escape(_alt_word(t)), re.I) for t in g] for g in groups]
        hits = []
        for score, rid in ranked:
            e = by_rid[rid]
            why = []
            tps = in_topics.get(rid)
            if tps:
                why.append("topic " + ", ".join(t.rsplit("/", 1)[-1] for t in tps))
            why += _why(e, pats)
            hits.append(Hit(entry=e, score=score, why=why, rid=rid))
        return hits

    def _rows_pos(self, rids: list[int], fsql: str = "", fparams: list | None = None) -> Iterator[tuple[int, int]]:
        """``(rid, pos)`` of those of ``rids`` that pass the filter SQL ``fsql``."""
        for i in range(0, len(rids), 900):
            part = rids[i:i + 900]
            yield from self.conn.execute(
                f"SELECT e.rid, e.pos FROM entries e WHERE e.rid IN ({','.join('?' * len(part))}){fsql}",
                [*part, *(fparams or ())])

    def _by_rid(self, rids: list[int]) -> dict[int, Entry]:
        out = {}
        for i in range(0, len(rids), 900):
            part = rids[i:i + 900]
            for rid, data, abstract in self.conn.execute(
                    f"SELECT e.rid, e.data, s.abstract FROM entries e LEFT JOIN side s ON s.id = e.id "
                    f"WHERE e.rid IN ({','.join('?' * len(part))})", part):
                out[rid] = entry_from_data(json.loads(data), abstract)
        es = list(out.values())
        if es:
            self._attach_refs(es)
        return out

    def _alternatives(self, w: str) -> list[str]:
        """FTS terms for one (plural-folded) query word: the word as a prefix (``network*`` finds
        networks), and when the index has no such word, the closest vocabulary words."""
        terms = [f'"{w}"*']
        if len(w) > 3 and w.endswith("y"):
            terms.append(f'"{w[:-1]}i"*')  # study -> studies
        found = self.conn.execute("SELECT 1 FROM fts WHERE fts MATCH ? LIMIT 1", (" OR ".join(terms),)).fetchone()
        if found or len(w) < 4:
            return terms
        from rapidfuzz import fuzz, process

        vocab = self.vocabulary()
        close = process.extract(w, vocab, scorer=fuzz.ratio, limit=5, score_cutoff=75)
        return terms + [f'"{v}"' for v, _, _ in close]

    # -- the graph around one entry ------------------------------------------------------------
    def neighbourhood(self, entry: Entry, limit: int = 5) -> dict:
        """What one paper is connected to, as :func:`wsskg.graph.neighbourhood` reports it, from
        the rows of that paper and its neighbours only."""
        self.citations()
        c = self.conn
        eid = entry.id
        aliases = [s for (s,) in c.execute("SELECT s2 FROM s2map WHERE id = ?", (eid,))]
        a_q = ",".join("?" * len(aliases))
        cites: set[str] = set()
        cited_by: set[str] = set()
        outside_cites: set[str] = set()
        outside_cited: set[str] = set()
        for s2, d, target in c.execute("SELECT r.s2, r.dir, m.id FROM refs r LEFT JOIN s2map m ON m.s2 = r.s2 "
                                       "WHERE r.id = ?", (eid,)):
            if target is None:
                (outside_cited if d else outside_cites).add(s2)
            elif target != eid:
                (cited_by if d else cites).add(target)
        if aliases:
            for other, d in c.execute(f"SELECT id, dir FROM refs WHERE s2 IN ({a_q}) AND id != ?", [*aliases, eid]):
                (cites if d else cited_by).add(other)
        brief = self._briefs(cites | cited_by)
        cites_l = sorted((x for x in cites if x in brief), key=lambda x: brief[x]["_pos"])
        cited_l = sorted((x for x in cited_by if x in brief), key=lambda x: brief[x]["_pos"])
        topics = []
        for p in entry.topics:
            total, read = c.execute("SELECT count(*), sum(status = 'read') FROM topics_of "
                                    "WHERE topic = ? AND own = 1", (p,)).fetchone()
            topics.append({"path": p, "name": cat_mod.topic_name(p), "read": read or 0, "total": total})
        scored: dict[str, tuple[float, str]] = {}
        pos_of = {x: b["_pos"] for x, b in brief.items()}  # list order breaks ties

        def offer(oid: str, score: float, reason: str) -> None:
            if oid == eid:
                return
            if oid not in scored or scored[oid][0] < score:
                scored[oid] = (score, reason)

        for x in cites_l:
            if brief[x]["status"] == "unread":
                offer(x, 100.0, "this paper cites it")
        for x in cited_l:
            if brief[x]["status"] == "unread":
                offer(x, 90.0, "it cites this paper")
        # shared references (catalog papers and outside papers both count)
        if cites or outside_cites:
            # counted by SQLite: a popular reference is shared by thousands of papers (every
            # reference of this paper counts, but the paper itself, when it cites itself)
            for other, n, pos in c.execute(
                    "WITH mine AS (SELECT r1.s2 FROM refs r1 LEFT JOIN s2map m ON m.s2 = r1.s2 "
                    "WHERE r1.id = ? AND r1.dir = 0 AND (m.id IS NULL OR m.id != ?)), "
                    "shared AS (SELECT r2.id AS id, count(*) AS n FROM mine JOIN refs r2 ON r2.s2 = mine.s2 "
                    "AND r2.dir = 0 WHERE r2.id != ? GROUP BY r2.id) "
                    "SELECT s.id, s.n, e.pos FROM shared s JOIN entries e ON e.id = s.id WHERE e.status = 'unread'",
                    (eid, eid, eid)):
                pos_of[other] = pos
                offer(other, 10.0 + n, f"shares {n} reference{'s' if n != 1 else ''} with this paper")
        # a topic's offer scores below 1 and a citation's 10 or more: with ``limit`` of those,
        # no topic offer can reach the list
        strong = sum(1 for score, _ in scored.values() if score >= 1)
        for p in entry.topics if strong < limit else ():
            size = c.execute("SELECT count(*) FROM topics_of WHERE topic = ? AND own = 1", (p,)).fetchone()[0]
            for oid, pos in c.execute("SELECT e.id, e.pos FROM topics_of t JOIN entries e ON e.rid = t.rid "
                                      "WHERE t.topic = ? AND t.own = 1 AND e.status = 'unread' AND e.id != ? "
                                      "ORDER BY e.pos LIMIT ?", (p, eid, limit + len(scored))):
                pos_of[oid] = pos
                offer(oid, 1.0 / max(size, 1), f"also in topic {cat_mod.topic_name(p)}")
        # rank first, then read the few rows shown (a popular reference is shared by thousands)
        ranked = sorted((kv for kv in scored.items() if kv[0] in pos_of),
                        key=lambda kv: (-kv[1][0], pos_of[kv[0]]))[:limit]
        brief.update(self._briefs([x for x, _ in ranked if x not in brief]))

        def public(b: dict) -> dict:
            return {k: v for k, v in b.items() if k != "_pos"}

        return {
            "id": eid,
            "cites": [public(brief[x]) for x in cites_l],
            "cited_by": [public(brief[x]) for x in cited_l],
            "cites_outside": len(outside_cites),
            "cited_by_outside": len(outside_cited),
            "topics": topics,
            "unread_neighbours": [dict(public(brief[x]), reason=r) for x, (_, r) in ranked],
        }

    def _briefs(self, ids: Iterable[str]) -> dict[str, dict]:
        """``{id, title, status, year}`` of entries (and their position), read from columns only."""
        ids = list(ids)
        out = {}
        for i in range(0, len(ids), 900):
            part = ids[i:i + 900]
            for eid, title, url, status, year, pos in self.conn.execute(
                    f"SELECT id, json_extract(data, '$.title'), json_extract(data, '$.links[0].url'), status, year, "
                    f"pos FROM entries WHERE id IN ({','.join('?' * len(part))})", part):
                e = Entry(id=eid, title=title or "", links=[Link(url=url)] if url else [])
                out[eid] = {"id": eid, "title": e.display_title, "status": status, "year": year, "_pos": pos}
        return out

    # -- cached blobs (graph work) ----------------------------------------------------------
    def blob(self, key: str) -> bytes | None:
        row = self.conn.execute("SELECT value FROM blobs WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_blob(self, key: str, value: bytes) -> None:
        try:
            self.conn.execute("INSERT OR REPLACE INTO blobs VALUES(?, ?)", (key, value))
        except sqlite3.Error:
            pass


def _side_hash(abstract: str | None, refs: list | None, cited: list | None) -> bytes:
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


def _side_of(catalog: Catalog) -> dict:
    """What :meth:`CatalogIndex._read_sidecar` would read from the sidecar ``wsskg.store``
    writes for ``catalog`` (same parts, same hashes), without reading it."""
    entries = {}
    for e in catalog.entries:
        abstract = e.abstract or None
        refs = [str(r) for r in e.references] if e.references else None
        cited = [str(r) for r in e.cited_by] if e.cited_by else None
        if abstract is None and refs is None and cited is None:
            continue
        entries[e.id] = (_side_hash(abstract, refs, cited), abstract, refs, cited)
    return {"entries": entries, "external": _external_of(catalog)}


def _external_of(catalog: Catalog) -> dict:
    """The outside papers' records as the sidecar holds them."""
    return {str(k): v for k, v in catalog.external.items() if isinstance(v, dict)}



def _external_rows(external: dict) -> list[tuple[str, str]]:
    """``external`` rows: S2 id, record as JSON."""
    return [(k, json.dumps(v, ensure_ascii=False, default=str)) for k, v in external.items()]


def _side_rows(want: dict, ids: list[str]) -> Iterator[tuple]:
    """``side`` rows: id, hash, abstract, and the references and citations as JSON lists (of
    the S2 ids, text already: ``_side_of`` and the sidecar's check make them so)."""
    dump = _ROW_JSON
    for eid in ids:
        shash, abstract, refs, cited = want[eid]
        yield eid, shash, abstract, dump(refs) if refs else None, dump(cited) if cited else None


def _ref_rows(want: dict, ids: list[str]) -> Iterator[tuple[str, str, int]]:
    for eid in ids:
        _, _, refs, cited = want[eid]
        for s2 in refs or ():
            yield eid, s2, 0
        for s2 in cited or ():
            yield eid, s2, 1


#: Groups of FTS columns, heaviest first: a topic's entries are ordered by the heaviest group
#: where the query matches, then in the list's order.
_TIERS = ("title", "short authors", "venue notes", "abstract")


def _squash(bm25: float) -> float:
    """A BM25 score (0..inf) as 0..1, so a text score never outweighs a topic match."""
    return bm25 / (bm25 + 1.0) if bm25 > 0 else 0.0


def _alt_word(term: str) -> str:
    return term.strip('"*').rstrip('"')


def _topic_alternatives(w: str, tvocab: set[str]) -> dict[str, float]:
    found = {w: 1.0}
    if len(w) >= 4:
        from rapidfuzz import fuzz, process

        for v, score, _ in process.extract(w, list(tvocab), scorer=fuzz.ratio, limit=12, score_cutoff=80):
            found.setdefault(v, 0.6 if score < 90 else 0.8)
    return found


def _why(e: Entry, pats: list[list[re.Pattern]]) -> list[str]:
    """The fields where the query words were found (best field per word)."""
    texts = dict(zip(FIELDS, (*_texts(e), e.abstract or "")))
    texts["title"] = texts["title"]
    why: list[str] = []
    for group in pats:
        for name in FIELDS:
            t = texts[name]
            if t and any(rx.search(t) for rx in group):
                label = {"short": "short name", "notes": "notes"}.get(name, name)
                if name == "notes" and e.comment and any(rx.search(e.comment) for rx in group):
                    label = "comment"
                if label not in why:
                    why.append(label)
                break
    return why


def _block_hashes_by_id(raw: bytes, ids: list[str]) -> dict[str, bytes]:
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
        out[eid] = _h(body_raw[mm.start():end])
    return out


# -- opening ---------------------------------------------------------------------------------------------

def record_save(path: Path, catalog: Catalog, raw: bytes, progress: Progress | None = None) -> None:
    """Index what ``wsskg.store`` just wrote (no-op when the cache cannot hold an index);
    ``progress`` follows a build of every row."""
    f = index_file(path)
    if not (_trusted_dir(f.parent) and _trusted_file(f)):
        return
    try:
        idx = CatalogIndex(Path(path), _open_db(f), f)
    except (sqlite3.Error, OSError):
        return
    try:
        with files.gc_paused(freeze=False):  # a million short-lived row objects, beside the whole catalog
            idx.record_save(catalog, raw, progress)
    except sqlite3.Error:
        pass  # the next use re-syncs from the files
    finally:
        idx.close()


def memory_index(catalog: Catalog) -> CatalogIndex:
    """An index in memory of ``catalog`` as it stands (no file, no cache written): how the
    function API (``wsskg.search_catalog(catalog, ...)`` and the like) asks the same queries of
    a catalog that is not, or not yet, a file. Close it when done."""
    idx = CatalogIndex(Path(MEMORY_PATH), _open_db(None), None)
    idx._build_all(catalog.entries, [None] * len(catalog.entries), catalog.header_dict(), "",
                   lambda: _side_of(catalog), None, {})
    return idx


def open_index(path: Path, raw: bytes | None = None, progress: Progress | None = None,
               memory_ok: bool = True, stat_before: os.stat_result | None = None) -> CatalogIndex | None:
    """The index of catalog ``path``, brought up to date (built on first use).

    Falls back to an index in memory when the cache dir cannot be written or is not trusted
    (owned by someone else, writable by others): the command then works from catalog.yaml
    alone, at the cost of indexing it again."""
    path = Path(path)
    f = index_file(path)
    conn = None
    if _trusted_dir(f.parent) and _trusted_file(f):
        for stale in f.parent.glob(f.stem + "*.pickle"):  # the pickles an older wsskg kept
            try:
                stale.unlink()
            except OSError:
                pass
        try:
            conn = _open_db(f)
            try:
                os.chmod(f, 0o600)
            except OSError:
                pass
        except (sqlite3.Error, OSError):
            conn = None
    if conn is None and not memory_ok:
        return None
    idx = CatalogIndex(path, conn or _open_db(None), f if conn else None)
    idx.progress = progress
    try:
        idx.sync(raw, progress, stat_before)
    except sqlite3.Error:
        idx.close()
        if idx.file is None or not memory_ok:
            if not memory_ok:
                return None
            raise
        idx = CatalogIndex(path, _open_db(None), None)
        idx.progress = progress
        idx.sync(raw, progress)
    except BaseException:
        idx.close()
        raise
    return idx


# -- graph work from the rows: `next` and `discover` -------------------------------------------------

#: The walk's arcs change only when entries, topics or citations do; they are cached in the
#: index (``blobs``) and dropped by any sync that changes rows. The ranking for one set of
#: read/reading papers is cached too, and the last one is where the next computation starts.
_WALK_KEY = "walk"
#: numpy types of the walk's arrays: source, destination, weight, kind (``array`` codes i, i, f, b).
_WALK_TYPES = ("int32", "int32", "float32", "int8")


def _walk(idx: CatalogIndex):
    """``(count, n, src, dst, w, kind)``: the number of entries (node i is the entry at list
    position i), the node count, and the arcs of the recommendation walk as arrays (``kind``: 0 topic, 1 cites,
    2 cited-by, 3 shared reference), as ``wsskg.recommend`` builds them from a Catalog."""
    from wsskg import recommend as rec

    import numpy as np

    # read past a small page cache: the blobs are 26 MB at 100,000 papers, and pages cached on
    # the way would double that in memory
    idx.conn.execute(f"PRAGMA cache_size={_BLOB_CACHE_KIB}")
    try:
        cached = [idx.blob(f"{_WALK_KEY}:{part}") for part in ("count", "n", "src", "dst", "w", "kind")]
    finally:
        idx.conn.execute(f"PRAGMA cache_size={_CACHE_KIB}")
    if all(x is not None for x in cached):
        count, n = int(cached[0]), int(cached[1])
        # views of the blobs' bytes (no copy: at 100,000 papers they are two million arcs)
        arrs = [np.frombuffer(raw, dtype=code) for code, raw in zip(_WALK_TYPES, cached[2:])]
        if len(arrs[0]) == len(arrs[1]) == len(arrs[2]) == len(arrs[3]):
            return count, n, *arrs
    del cached
    report = idx.work_progress(idx.progress)
    if idx._meta("cites") != "1":  # the citation tables first: half of the bar
        cites_part, report = _shared_bar(report, 0.5)
        idx.citations(cites_part)
    c = idx.conn
    count = c.execute("SELECT count(*) FROM entries").fetchone()[0]
    src, dst, w, kind = array("i"), array("i"), array("f"), array("b")
    nxt = [count]
    topic_num: dict[str, int] = {}

    def arcs(us: list[int], vs: list[int], weight: float, k: int) -> None:
        """Arcs u -> v and v -> u for each pair (the walk goes both ways)."""
        src.extend(us)
        dst.extend(vs)
        src.extend(vs)
        dst.extend(us)
        w.extend([weight] * (2 * len(us)))
        kind.extend([k] * (2 * len(us)))

    def tnum(path: str) -> int:
        i = topic_num.get(path)
        if i is None:
            i = topic_num[path] = nxt[0]
            nxt[0] += 1
            if "/" in path:
                parent = tnum(path.rsplit("/", 1)[0])
                arcs([i], [parent], rec.W_SUBTOPIC, 0)
        return i

    us, ts = [], []
    for pos, tp in c.execute("SELECT e.pos, t.topic FROM topics_of t JOIN entries e ON e.rid = t.rid "
                             "WHERE t.own = 1 ORDER BY e.pos, t.rowid"):
        us.append(pos)
        ts.append(tnum(tp))
    arcs(us, ts, rec.W_TOPIC, 0)
    report(1, 3)
    # citations between catalog papers, both directions of the data, each pair once, in
    # (citing, cited) order: as one sorted array of pair keys (a million rows at 100,000
    # papers; a set of tuples of them took 200 MB)
    rows = c.execute("SELECT e1.pos, r.dir, e2.pos FROM refs r JOIN s2map m ON m.s2 = r.s2 "
                     "JOIN entries e1 ON e1.id = r.id JOIN entries e2 ON e2.id = m.id")
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64)
    a, d, b = flat[0::3], flat[1::3], flat[2::3]
    keep = a != b
    cited = d[keep] != 0
    u = np.where(cited, b[keep], a[keep])
    v = np.where(cited, a[keep], b[keep])
    del flat, a, d, b, keep, cited
    span = max(count, 1)
    keys = np.unique(u * span + v)
    del u, v
    us = (keys // span).astype(np.int32)
    vs = (keys % span).astype(np.int32)
    n_p = len(keys)
    del keys
    for s_, d_, weight, k in ((us, vs, rec.W_CITES, 1), (vs, us, rec.W_CITED_BY, 2)):
        src.frombytes(s_.tobytes())
        dst.frombytes(d_.tobytes())
        w.frombytes(np.full(n_p, weight, dtype=np.float32).tobytes())
        kind.frombytes(np.full(n_p, k, dtype=np.int8).tobytes())
    del us, vs
    report(2, 3)
    # outside papers cited by two or more catalog papers tie them together
    # (grouped by SQLite in reference order, each group's papers in list order: no dict of sets)
    us, xs = [], []
    group: list[int] = []
    last = None
    for s2, pos in chain(c.execute("SELECT DISTINCT r.s2, e.pos FROM refs r JOIN entries e ON e.id = r.id "
                                   "WHERE r.dir = 0 AND r.s2 NOT IN (SELECT s2 FROM s2map) ORDER BY r.s2, e.pos"),
                         [(None, None)]):
        if s2 != last:
            if len(group) >= 2:  # a reference of one paper only is a dead end: it teaches the walk nothing
                xi = nxt[0]
                nxt[0] += 1
                us += group
                xs += [xi] * len(group)
            group = []
            last = s2
        group.append(pos)
    arcs(us, xs, rec.W_SHARED_REF, 3)
    report(3, 3)
    n = nxt[0]
    idx.set_blob(f"{_WALK_KEY}:count", str(count).encode())
    idx.set_blob(f"{_WALK_KEY}:n", str(n).encode())
    for part, arr in (("src", src), ("dst", dst), ("w", w), ("kind", kind)):
        idx.set_blob(f"{_WALK_KEY}:{part}", memoryview(arr))  # no bytes copy of each array
    return count, n, *(np.frombuffer(a, dtype=code) for code, a in zip(_WALK_TYPES, (src, dst, w, kind)))


#: Arcs per step of a PageRank iteration: numpy converts index arrays to its own index type on
#: every call, so whole-array calls would make arc-sized temporaries (16 MB each at 100k papers).
_ARC_CHUNK = 1 << 18
#: The walk stops when the ranking moves less than this per node, or after so many rounds.
PAGERANK_TOL = 1e-9
PAGERANK_MAX_ITER = 200


def pagerank(n: int, src, dst, w, seeds: dict[int, float], start: array | None = None,
             alpha: float | None = None, tol: float = PAGERANK_TOL, max_iter: int = PAGERANK_MAX_ITER) -> list[float]:
    """Personalised PageRank over ``n`` nodes and the arcs ``src[i] -> dst[i]`` of weight
    ``w[i]``, restarting to ``seeds`` (every node alike when there are none) with probability
    ``1 - alpha`` (default :data:`wsskg.recommend.ALPHA`); the mass of a node without out-arcs
    restarts too. Vectorised with numpy (0.02 s per iteration at 100,000 papers, 0.5 s in pure
    Python), starting from ``start`` (a previous ranking) when given. The arcs are walked in
    chunks, so memory beyond the walk itself is one array of arc weights."""
    import numpy as np

    from wsskg import recommend as rec

    if n == 0:
        return []
    alpha = rec.ALPHA if alpha is None else alpha
    m = len(src)
    p = np.array(w, dtype=np.float64)  # transition probabilities, computed in place
    out_w = np.zeros(n)
    for i in range(0, m, _ARC_CHUNK):
        out_w += np.bincount(src[i:i + _ARC_CHUNK], weights=p[i:i + _ARC_CHUNK], minlength=n)
    for i in range(0, m, _ARC_CHUNK):
        p[i:i + _ARC_CHUNK] *= alpha / out_w[src[i:i + _ARC_CHUNK]]
    pers = np.zeros(n)
    if not seeds or sum(seeds.values()) <= 0:
        pers[:] = 1.0 / n
    else:
        total = sum(seeds.values())
        for i, v in seeds.items():
            pers[i] = v / total
    x = pers.copy()
    if start is not None and len(start) == n:
        x = np.frombuffer(start, dtype=np.float64).copy()
    buf = np.empty(min(m, _ARC_CHUNK))
    for _ in range(max_iter):
        new = np.zeros(n)
        for i in range(0, m, _ARC_CHUNK):
            k = min(_ARC_CHUNK, m - i)
            np.take(x, src[i:i + k], out=buf[:k])
            buf[:k] *= p[i:i + k]
            new += np.bincount(dst[i:i + k], weights=buf[:k], minlength=n)
        new += (1.0 - new.sum()) * pers
        err = float(np.abs(new - x).sum())
        x = new
        if err < tol * n:
            break
    return x.tolist()


#: Scores are compared rounded to 9 decimals (as :mod:`wsskg.recommend` does); a raw score this
#: far below the cut cannot round up to it.
_ROUND_MARGIN = 1e-8


def _top_candidates(cands: list[tuple[int, str]], pr: array, n_entries: int, limit: int) -> list[tuple[int, str]]:
    """The candidates whose rounded score reaches the ``limit``-th best (ties included), as
    ``recommend`` picks them. numpy finds the cut; Python's ``round`` decides only the few
    near it (80,000 rounds at 100k papers took 0.1 s)."""
    import numpy as np

    pos = np.fromiter((p for p, _ in cands), dtype=np.intp, count=len(cands))
    vals = np.frombuffer(pr, dtype=np.float64)[pos] * n_entries
    k = min(limit, len(cands))
    kth = np.partition(vals, len(vals) - k)[len(vals) - k]
    near = [cands[i] for i in np.nonzero(vals >= kth - _ROUND_MARGIN)[0].tolist()]
    scores = sorted((round(pr[p] * n_entries, 9) for p, _ in near), reverse=True)
    cut = scores[k - 1]
    return [(p, eid) for p, eid in near if round(pr[p] * n_entries, 9) >= cut]


def next_papers(idx: CatalogIndex, limit: int = 10, topic: str | None = None) -> list[dict]:
    """:func:`wsskg.recommend.next_papers` from the index: the same walk, ranking, evidence and
    reasons, without loading the catalog or building a graph per command."""
    from wsskg import recommend as rec
    from wsskg.catalog import resolve_topic
    from wsskg.graph import entry_url

    c = idx.conn
    path = resolve_topic(idx.skeleton(), topic) if topic else None
    count, n, src, dst, w, kind = _walk(idx)
    if c.execute("SELECT count(*) FROM entries").fetchone()[0] != count:  # a stale cache: rebuild it
        c.execute("DELETE FROM blobs")
        count, n, src, dst, w, kind = _walk(idx)
    # list position -> status of the papers read or being read (the others are unread)
    status = dict(c.execute("SELECT pos, status FROM entries WHERE status != 'unread' ORDER BY pos"))
    seeds = {i: rec.STATUS_SEED[st] for i, st in status.items() if st in rec.STATUS_SEED}
    key = "seeds:" + hashlib.sha1(repr(sorted(seeds.items())).encode()).hexdigest()
    cached = idx.blob(key)
    if cached is not None and len(cached) == 8 * n:
        pr = array("d")
        pr.frombytes(cached)
    else:
        last = idx.blob("last-ranking")
        start = None
        if last is not None and len(last) == 8 * n:
            start = array("d")
            start.frombytes(last)
        pr = array("d", pagerank(n, src, dst, w, seeds, start))
        c.execute("DELETE FROM blobs WHERE key LIKE 'seeds:%'")
        idx.set_blob(key, pr.tobytes())
        idx.set_blob("last-ranking", pr.tobytes())
    n_entries = max(count, 1)
    # candidates: unread papers (in the topic), best score first; evidence only for the top ones
    where = "e.status = 'unread' AND e.kind = 'paper'"
    params: list = []
    if path:
        like = path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
        where += " AND e.rid IN (SELECT rid FROM topics_of WHERE own = 1 AND (topic = ? OR topic LIKE ? ESCAPE '\\'))"
        params += [path, like]
    cands = c.execute(f"SELECT e.pos, e.id FROM entries e WHERE {where}", params).fetchall()
    if not cands:
        return []
    short = _top_candidates(cands, pr, n_entries, limit)
    chosen = {pos for pos, _ in short}
    cited_by: dict[int, set[int]] = {p: set() for p in chosen}
    cites: dict[int, set[int]] = {p: set() for p in chosen}
    if len(src):
        import numpy as np

        # the citation arcs touching the chosen papers, found in C
        is_cite = kind == 1
        pick = np.fromiter(chosen, dtype=np.int32, count=len(chosen))
        into = is_cite & np.isin(dst, pick)
        out_of = is_cite & np.isin(src, pick)
        for u, v in zip(src[into].tolist(), dst[into].tolist()):
            cited_by[v].add(u)
        for u, v in zip(src[out_of].tolist(), dst[out_of].tolist()):
            cites[u].add(v)
    progress = {t: (r or 0, tot) for t, tot, r in c.execute(
        "SELECT topic, count(*), sum(status = 'read') FROM topics_of WHERE own = 1 GROUP BY topic")}
    entries = {e.id: e for e in idx._entries(f"e.id IN ({','.join('?' * len(short))})", [eid for _, eid in short])}
    has_seeds = bool(seeds)
    scored = []
    for pos, eid in short:
        e = entries[eid]
        read_citing = sum(1 for x in cited_by[pos] if status.get(x) == "read")
        read_cited = sum(1 for x in cites[pos] if status.get(x) == "read")
        scored.append((pr[pos] * n_entries, e, read_citing, read_cited, len(cited_by[pos]), pos))
    scored.sort(key=lambda s: (-round(s[0], 9), -s[2], -s[4], -(s[1].citation_count or 0),
                               rec.entry_year(s[1]) or 9999, s[5]))
    out = []
    for score, e, read_citing, read_cited, n_citing, _ in scored[:limit]:
        reasons = rec.reasons_for(e, read_citing, read_cited, n_citing, progress, has_seeds)
        out.append({
            "id": e.id, "title": e.display_title, "score": round(score, 4),
            "reason": "; ".join(reasons[:2]), "reasons": reasons,
            "year": rec.entry_year(e), "venue": e.venue or e.canonical_venue, "topics": list(e.topics),
            "url": entry_url(e), "read_citing": read_citing, "read_cited": read_cited,
            "catalog_citing": n_citing,
        })
    return out


def has_citations(idx: CatalogIndex) -> bool:
    return idx.conn.execute("SELECT 1 FROM side WHERE refs IS NOT NULL OR cited IS NOT NULL LIMIT 1").fetchone() is not None


def discover(idx: CatalogIndex, direction: str = "cited", topic: str | None = None, limit: int = 20) -> list[dict]:
    """:func:`wsskg.recommend.discover` from the index: outside papers counted in SQL over the
    citation rows, the same order, evidence and ``add`` command."""
    from wsskg import recommend as rec
    from wsskg.catalog import resolve_topic
    from wsskg.errors import WsskgError

    if direction not in ("cited", "citing"):
        raise WsskgError(f"direction must be 'cited' or 'citing', not {direction!r}")
    idx.citations()
    c = idx.conn
    path = resolve_topic(idx.skeleton(), topic) if topic else None
    d = 0 if direction == "cited" else 1
    where, params = "", []
    if path:
        like = path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
        where = (" AND r.id IN (SELECT e.id FROM entries e JOIN topics_of t ON t.rid = e.rid WHERE t.own = 1 "
                 "AND (t.topic = ? OR t.topic LIKE ? ESCAPE '\\'))")
        params = [path, like]
    counts = c.execute(f"SELECT r.s2, count(DISTINCT r.id) FROM refs r WHERE r.dir = ? AND r.s2 NOT IN "
                       f"(SELECT s2 FROM s2map){where} GROUP BY r.s2", [d, *params]).fetchall()
    if not counts:
        return []
    meta = {}
    sids = [s for s, _ in counts]
    for i in range(0, len(sids), 900):
        part = sids[i:i + 900]
        for s2, data in c.execute(f"SELECT s2, data FROM external WHERE s2 IN ({','.join('?' * len(part))})", part):
            meta[s2] = json.loads(data)
    rows = []
    for sid, count in counts:
        m = meta.get(sid) or {}
        year = m.get("year") if isinstance(m.get("year"), int) else None
        cc = m.get("citation_count") if isinstance(m.get("citation_count"), int) else None
        rows.append((count, sid, m, year, cc))
    if direction == "cited":
        rows.sort(key=lambda r: (-r[0], -(r[4] or 0), r[3] or 9999, r[1]))
    else:
        rows.sort(key=lambda r: (-r[0], -(r[3] or 0), -(r[4] or 0), r[1]))
    # never a work the catalog holds (under another id, a short name, or unmatched): the same
    # test as recommend.discover, over the entries' rows, asked only until the list is full
    held = rec.HeldWorks(idx.entries())
    kept = []
    for row in rows:
        if held.holds(row[1], row[2]):
            continue
        kept.append(row)
        if len(kept) >= limit:
            break
    out = []
    for count, sid, m, year, cc in kept:
        members = [(pos, eid, st, tps) for pos, eid, st, tps in c.execute(
            f"SELECT DISTINCT e.pos, e.id, e.status, json_extract(e.data, '$.topics') FROM refs r "
            f"JOIN entries e ON e.id = r.id WHERE r.s2 = ? AND r.dir = ?{where}", [sid, d, *params])]
        members.sort()
        out.append(rec.discovered(sid, m, year, cc, count, direction,
                                  [(eid, st, json.loads(tps or "[]")) for _, eid, st, tps in members]))
    return out
