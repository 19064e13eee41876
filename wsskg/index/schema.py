"""Where an index lives and what it holds: the cache file of a catalog (trusted only when it is
the user's own), the connection, and the tables."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from typing import Callable

from wsskg.config import cache_dir


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

#: The full-text table: contentless (the texts are in ``entries`` and ``side``), one column per field.
FTS_SQL = f"CREATE VIRTUAL TABLE fts USING fts5({', '.join(FIELDS)}, content='', tokenize='unicode61 remove_diacritics 2')"

#: The sidecar's part of each entry: abstract, and references and citations as JSON lists.
SIDE_SQL = "CREATE TABLE side(id TEXT PRIMARY KEY, shash BLOB, abstract TEXT, refs TEXT, cited TEXT)"
#: An entry's topics and their ancestors (``own``: the entry is filed there itself).
TOPICS_OF_SQL = ("CREATE TABLE topics_of(rid INTEGER NOT NULL, topic TEXT NOT NULL, own INTEGER NOT NULL, "
                  "low TEXT, last TEXT, status TEXT)")
#: The outside papers' records (JSON), by S2 id.
EXTERNAL_SQL = "CREATE TABLE external(s2 TEXT PRIMARY KEY, data TEXT)"
#: The words of titles, short names, authors and comments, for typo tolerance.
VOCAB_SQL = "CREATE TABLE vocab(word TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID"
#: An FTS row from Python values.
FTS_INSERT = f"INSERT INTO fts(rowid, {', '.join(FIELDS)}) VALUES({', '.join('?' * (len(FIELDS) + 1))})"

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
{TOPICS_OF_SQL};
CREATE INDEX topics_of_rid ON topics_of(rid);
CREATE INDEX topics_of_topic ON topics_of(topic, own, status);
{SIDE_SQL};
CREATE TABLE refs(id TEXT NOT NULL, s2 TEXT NOT NULL, dir INTEGER NOT NULL);
CREATE INDEX refs_id ON refs(id);
CREATE INDEX refs_s2 ON refs(s2, dir, id);  -- covering: who cites a reference, without the table
CREATE TABLE s2map(s2 TEXT PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID;
{EXTERNAL_SQL};
{VOCAB_SQL};
CREATE TABLE blobs(key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;
CREATE TABLE vectors(rid INTEGER PRIMARY KEY, v BLOB NOT NULL);
{FTS_SQL};
"""

#: The secondary indexes. A rebuild that inserts every row drops them first and creates them
#: after: one sort per index instead of a B-tree insertion per row.
INDEXES = tuple(ln for ln in _SCHEMA.splitlines() if ln.startswith("CREATE INDEX"))


def indexed_table(stmt: str) -> str:
    """The table a ``CREATE INDEX name ON table(...)`` statement indexes."""
    return stmt.split(" ON ", 1)[1].split("(", 1)[0]



#: The ``schema`` meta value while a build without a journal runs: a file left with it (the
#: build was killed) is discarded by the next open, as an index of another version is.
BUILDING = "building"

# -- where the index lives ------------------------------------------------------------------------

def index_file(path: Path, cache: Path | None = None) -> Path:
    """The index of catalog ``path`` (keyed by its resolved path) in ``cache`` (default: the
    user cache dir, ``$WSSKG_CACHE_DIR`` first)."""
    key = hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:20]
    return Path(cache if cache is not None else cache_dir()) / "index" / f"{key}.sqlite"


def trusted_dir(d: Path) -> bool:
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


def trusted_file(f: Path) -> bool:
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
CACHE_KIB = -8000
BLOB_CACHE_KIB = -1000
BUILD_CACHE_KIB = -256000


def connect(f: Path | None) -> sqlite3.Connection:
    conn = sqlite3.connect(str(f) if f else ":memory:", isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=" + ("WAL" if f else "MEMORY"))
    conn.execute("PRAGMA synchronous=OFF")  # a derived file: a crash may lose it, never the catalog
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute(f"PRAGMA cache_size={CACHE_KIB}")
    return conn


def open_db(f: Path | None) -> sqlite3.Connection:
    """An index database of the current schema (emptied and recreated when it is not)."""
    conn = None
    if f is not None:
        try:
            conn = connect(f)
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
        conn = connect(f)
    else:
        conn = connect(None)
    conn.executescript(_SCHEMA)
    conn.execute("INSERT INTO meta VALUES('schema', ?)", (str(SCHEMA_VERSION),))
    return conn
