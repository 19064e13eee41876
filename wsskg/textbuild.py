"""The text tables of a full index build, in a second process where the system can fork.

A full build at 100,000 papers writes two kinds of rows. The entry rows (and their indexes)
need the Python work of turning each entry into columns. The text rows need SQLite's: FTS5
tokenising 120 MB of abstracts (2.7 s), and the sidecar's rows (abstracts and reference lists,
hashed; and when the index is built from the files rather than from an import's catalog in
memory, the 180 MB sidecar parsed first: 2 s). Done one after the other they were most of a
24 s build; done at once they take as long as the longer of the two, so the smaller tables go
where they balance the halves (the vocabulary to the parent; the topic rows to the child,
unless it parses the sidecar).

A thread cannot do the text half: rows go into SQLite one ``executemany`` step at a time, each
step needs the GIL back, and a busy main thread hands it over only every 5 ms (measured: the
thread got almost nothing done until the main thread finished). A forked child has its own GIL
and, copy-on-write, the parent's entries without pickling them. It writes the text tables into
a scratch database beside the index; the parent copies them in (a copy of pages, well under a
second) when its own rows are written. FTS5 keeps its whole index in plain shadow tables
(``fts_data``, ``fts_idx``, ``fts_docsize``, ``fts_config``), so copying those into the index's
identical, empty table is copying the index; the connection that did it must reconnect after
committing (FTS5 caches the index structure per connection).

Where there is no fork (Windows), where a fork after the system frameworks have loaded can
crash (macOS), or where other threads run (a fork copies only the calling one, and locks they
hold would stay held), the same function writes the same rows in the parent.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable

#: FTS rows per ``executemany``.
_BATCH = 5000
#: FTS5's buffer of pending terms during the build ("hashsize"; 1 MiB by default). FTS5 writes a
#: new segment each time the buffer fills, then merges segments: with the default, 120 MB of
#: abstracts made over a hundred segments to merge. Measured at 100,000 papers: 5.0 s -> 2.7 s,
#: with searches as fast after (the index is the same, in fewer, larger segments).
_BUILD_HASHSIZE = 256 * 1024 * 1024
_DEFAULT_HASHSIZE = 1024 * 1024
#: Scratch files of builds that were killed are deleted after this many seconds.
_STALE_S = 3600
_PREFIX = ".build-"


def write_text_tables(conn: sqlite3.Connection, entries: list, side: Callable[[], dict], first_rid: int, *,
                      texts: Callable, vocab_words: Callable | None, topic_rows: Callable | None,
                      side_rows: Callable, external_rows: Callable, fts_insert: str, fts_table: str) -> None:
    """Write the FTS rows (``rowid`` = ``first_rid`` + list position), the vocabulary, the side
    rows and the outside papers' rows of ``entries`` and the sidecar's parts ``side()``
    (``{"entries": {id: (hash, abstract, refs, cited)}, "external": {s2: record}}``, made or
    read here: hashing the abstracts, or parsing the sidecar, is part of the text work)
    through ``conn``. The row makers are ``wsskg.index``'s, passed in so both places use one
    of each. ``vocab_words`` None: the vocabulary is written elsewhere (by the parent, while
    FTS5 keeps the child busy); ``topic_rows`` given: the entries' ``topics_of`` rows are
    written here too."""
    parts = side()
    side = parts["entries"]
    _set_hashsize(conn, fts_table, _BUILD_HASHSIZE)
    words: Counter = Counter()
    batch: list[tuple] = []
    topics: list[tuple] = []
    for k, e in enumerate(entries):
        if topic_rows is not None:
            topics.extend(topic_rows(first_rid + k, e))
        t = texts(e)
        if vocab_words is not None:
            words.update(vocab_words(t))
        part = side.get(e.id)
        batch.append((first_rid + k, *t, (part[1] if part else None) or ""))
        if len(batch) >= _BATCH:
            conn.executemany(fts_insert, batch)
            batch = []
    if batch:
        conn.executemany(fts_insert, batch)
    _set_hashsize(conn, fts_table, _DEFAULT_HASHSIZE)  # later, incremental writes: the usual buffer
    conn.executemany("INSERT INTO vocab VALUES(?, ?) ON CONFLICT(word) DO UPDATE SET n = n + excluded.n",
                     list(words.items()))
    conn.executemany("INSERT INTO side VALUES(?, ?, ?, ?, ?)", side_rows(side, list(side)))
    conn.executemany("INSERT INTO external VALUES(?, ?)", external_rows(parts["external"]))
    conn.executemany("INSERT INTO topics_of VALUES(?, ?, ?, ?, ?, ?)", topics)


def _set_hashsize(conn: sqlite3.Connection, table: str, size: int) -> None:
    try:
        conn.execute(f"INSERT INTO {table}({table}, rank) VALUES('hashsize', ?)", (size,))
    except sqlite3.Error:
        pass  # an SQLite without the option: the default buffer, slower only


def can_fork() -> bool:
    """Whether a child can be forked safely: a fork-based system and no other thread running."""
    return hasattr(os, "fork") and sys.platform != "darwin" and threading.active_count() == 1


class ForkedTextTables:
    """:func:`write_text_tables` run by a forked child into a scratch file in ``directory``
    (its tables created by ``create_sql``). :meth:`copy_into` waits for it and copies the rows
    into the parent's index; :meth:`close` in any case."""

    def __init__(self, directory: Path, create_sql: Iterable[str], fts_table: str, write: Callable[[sqlite3.Connection], None]):
        _sweep(directory)
        fd, name = tempfile.mkstemp(dir=directory, prefix=_PREFIX, suffix=".sqlite")
        os.close(fd)
        self.path = Path(name)
        self.fts_table = fts_table
        for stream in (sys.stdout, sys.stderr):  # nothing buffered twice
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        self.pid = os.fork()
        if self.pid == 0:  # the child: write the tables, leave without running the parent's cleanups
            code = 1
            try:
                con = sqlite3.connect(str(self.path), isolation_level=None)
                con.execute("PRAGMA journal_mode=OFF")
                con.execute("PRAGMA synchronous=OFF")
                con.execute("PRAGMA cache_size=-256000")
                for stmt in create_sql:
                    con.execute(stmt)
                con.execute("BEGIN")
                write(con)
                con.execute("COMMIT")
                con.close()
                code = 0
            except BaseException:  # the parent sees the exit code and writes the tables itself
                pass
            finally:
                os._exit(code)

    def _wait(self) -> bool:
        if self.pid is None:
            return False
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        return os.waitstatus_to_exitcode(status) == 0

    def copy_into(self, conn: sqlite3.Connection, tables: Iterable[str]) -> bool:
        """Wait for the child; if it succeeded, copy its FTS shadow tables over the index's
        (empty) ones and append its rows of ``tables``, inside ``conn``'s transaction. False
        when the child failed (nothing was copied)."""
        if not self._wait():
            return False
        conn.execute("ATTACH DATABASE ? AS text_build", (str(self.path),))
        shadows = [n for (n,) in conn.execute(
            "SELECT name FROM text_build.sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '\\'",
            (self.fts_table.replace("_", "\\_") + "\\_%",))]
        for name in shadows:
            conn.execute(f"DELETE FROM main.{name}")
            conn.execute(f"INSERT INTO main.{name} SELECT * FROM text_build.{name}")
        for name in tables:
            conn.execute(f"INSERT INTO main.{name} SELECT * FROM text_build.{name}")
        return True

    def close(self) -> None:
        """Stop a child still running (the parent failed) and delete the scratch file. The
        scratch database stays attached until the parent's connection closes."""
        if self.pid is not None:
            try:
                os.kill(self.pid, 9)
            except OSError:
                pass
            self._wait()
        for suffix in ("", "-journal"):
            try:
                os.unlink(str(self.path) + suffix)
            except OSError:
                pass


def _sweep(directory: Path) -> None:
    """Delete scratch files that builds killed long ago left behind (a live build's is recent)."""
    try:
        for f in directory.glob(_PREFIX + "*"):
            try:
                if time.time() - f.stat().st_mtime > _STALE_S:
                    f.unlink()
            except OSError:
                pass
    except OSError:
        pass
