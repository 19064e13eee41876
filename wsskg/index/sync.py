"""Keeping the rows current: sync from the files (changed blocks only, or a full build), record
what a save just wrote, and build the citation tables on first use."""

from __future__ import annotations

import functools
import json
import os
import sqlite3
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from wsskg import catalog as cat_mod
from wsskg import files, textbuild
from wsskg.catalog import Catalog, Entry
from wsskg.errors import CatalogError
from wsskg.index.rows import (
    ENTRY_COLS, ITEM_AFTER_NL, block_hashes_by_id, content_of, entry_row, external_rows, file_stat, head_and_entries,
    ref_rows, sha1, side_fingerprint, side_hash, side_of, side_rows, stat_key, texts_of, topic_rows, vocab_words,
    yaml_fingerprint,
)
from wsskg.index.schema import (
    BUILD_CACHE_KIB, BUILDING, CACHE_KIB, CHUNK, EXTERNAL_SQL, FIELDS, FTS_INSERT, FTS_SQL, INDEXES, SCHEMA_VERSION,
    SIDE_SQL, TOPICS_OF_SQL, VOCAB_SQL, Progress, connect, indexed_table, open_db,
)


class _Fallback(Exception):
    """The quick path cannot handle this file: use the full parse."""


class _Rebuild(Exception):
    """An incremental sync found it must index everything again (outside its transaction)."""



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


def shared_bar(progress: Progress, first: float) -> tuple[Progress, Progress]:
    """Two progress callbacks filling one bar: the first up to ``first`` of it, the second the
    rest (each reports its own ``done, total``)."""
    scale = 1000
    cut = int(scale * first)

    def part(lo: int, hi: int) -> Progress:
        return lambda done, total: progress(lo + (hi - lo) * min(done, total) // max(total, 1), scale)

    return part(0, cut), part(cut, scale)



class SyncedIndex:
    """The rows of one catalog file, kept current; :class:`wsskg.index.queries.CatalogIndex` adds
    the queries. Use :func:`wsskg.index.open_index`."""

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
            touched_only = content_of(self._meta("yaml_fp")) == content_of(fp)
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
            entries[eid] = (side_hash(abstract, refs, cited), abstract, refs, cited)
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
        split = head_and_entries(raw)
        if split is None:
            return None
        head, body = split
        hh = sha1(head).hex()
        if hh != self._meta("head_hash"):
            return None  # new topics or title: everything is validated again
        starts = [mm.start() + 1 for mm in ITEM_AFTER_NL.finditer(body)]
        lead = body[: starts[0]] if starts else body
        if any(ln.strip() and not ln.lstrip().startswith(b"#") for ln in lead.split(b"\n")):
            return None
        ends = starts[1:] + [len(body)]
        blocks = [body[a:b] for a, b in zip(starts, ends)]
        return self.head, blocks, [sha1(b) for b in blocks]

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
        with files.gc_paused():  # the parsed catalog is garbage once its rows are written
            plan = self._plan_blocks_only(raw)
            parsing, building = None, progress
            if plan is not None and _bar_for(progress, len(plan[1])):
                parsing, building = shared_bar(progress, _PARSE_SHARE)
            cat = files.parse_catalog(files.decode(raw, self.path), self.path, progress=parsing)
            head = cat.header_dict()
            head_hash, hashes = "", [None] * len(cat.entries)
            if plan is not None and len(plan[1]) == len(cat.entries):
                head_hash, hashes = plan
            side_path = files.sidecar_of(self.path)
            self._build_all(cat.entries, hashes, head, head_hash,
                            (lambda: side) if side is not None else (lambda: self._read_sidecar(side_path)),
                            building, done, reads_side=side is None)

    def build_from(self, catalog: Catalog) -> None:
        """Rows for every entry of ``catalog`` as it is in memory (an index of no file: no block
        hashes, nothing recorded about the files)."""
        self._build_all(catalog.entries, [None] * len(catalog.entries), catalog.header_dict(), "",
                        lambda: side_of(catalog), None, {})

    def _build_all(self, entries: list[Entry], hashes: list, head: dict, head_hash: str,
                   side: Callable[[], dict], progress: Progress | None, done: dict, reads_side: bool = False) -> None:
        """Replace every row with those of ``entries`` (block hashes ``hashes``) and of the
        sidecar's parts ``side()`` (as :meth:`_read_sidecar` returns them; made or read by the text
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
                                          first_rid=1, texts=texts_of, vocab_words=None if forking else vocab_words,
                                          topic_rows=topic_rows if child_topics else None, side_rows=side_rows,
                                          external_rows=external_rows, fts_insert=FTS_INSERT, fts_table="fts")
                self._clear_all()
                c = self.conn
                for k, v in (("head", json.dumps(head, ensure_ascii=False, default=str)), ("head_hash", head_hash),
                             ("cites", "")):
                    self._set_meta(k, v)
                if forking:
                    # (unjournaled: the connection is replaced after the commit, see wsskg.textbuild)
                    child = textbuild.ForkedTextTables(self.file.parent, (FTS_SQL, VOCAB_SQL, SIDE_SQL, TOPICS_OF_SQL,
                                                                          EXTERNAL_SQL), "fts", write)
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
            c.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (BUILDING,))
            c.execute("PRAGMA locking_mode=EXCLUSIVE")
            c.execute("PRAGMA journal_mode=OFF")
        c.execute(f"PRAGMA cache_size={BUILD_CACHE_KIB}")
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
                c.execute(f"PRAGMA cache_size={CACHE_KIB}")
            raise
        if not bare:
            c.execute(f"PRAGMA cache_size={CACHE_KIB}")
        else:
            # a new connection: WAL again, the exclusive lock released, and no FTS5 state
            # cached from before the shadow tables were copied (see wsskg.textbuild)
            c.close()
            self.conn = connect(self.file)

    def _discard_file(self) -> None:
        """Drop a half-built index file; the object goes on with a new, empty one."""
        self.conn.close()
        for suffix in ("", "-journal", "-wal", "-shm"):
            try:
                os.unlink(str(self.file) + suffix)
            except OSError:
                pass
        try:
            self.conn = open_db(self.file)
        except (sqlite3.Error, OSError):
            self.conn = open_db(None)
            self.file = None

    def _plan_blocks_only(self, raw: bytes):
        split = head_and_entries(raw)
        if split is None:
            return None
        head, body = split
        starts = [mm.start() + 1 for mm in ITEM_AFTER_NL.finditer(body)]
        ends = starts[1:] + [len(body)]
        return sha1(head).hex(), [sha1(body[a:b]) for a, b in zip(starts, ends)]

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
        for stmt in INDEXES:
            if not tables or indexed_table(stmt) in tables:
                self.conn.execute("DROP INDEX IF EXISTS " + stmt.split()[2])

    def _create_indexes(self, *tables: str, exclude: tuple[str, ...] = ()) -> None:
        """Create the secondary indexes (of ``tables``, or all but those of ``exclude``)."""
        for stmt in INDEXES:
            table = indexed_table(stmt)
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
        c.executemany("INSERT INTO external VALUES(?, ?)", external_rows(external))

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
            words.update(vocab_words(row))
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
        topic_data = []
        words: Counter = Counter()
        for k, (pos, e, bhash) in enumerate(rows):
            rid = start + k
            row = entry_row(e, pos, bhash)
            data.append((rid, *row))
            if vocab:
                words.update(vocab_words(row[-5:]))
            if topics:
                topic_data.extend(topic_rows(rid, e))
        c.executemany(f"INSERT INTO entries(rid, {ENTRY_COLS}) VALUES({','.join('?' * (len(data[0])))})", data)
        c.executemany("INSERT INTO topics_of VALUES(?, ?, ?, ?, ?, ?)", topic_data)
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
            c.executemany("INSERT INTO side VALUES(?, ?, ?, ?, ?)", side_rows(want, changed))
            if self._meta("cites") == "1":
                c.executemany("INSERT INTO refs VALUES(?, ?, ?)", ref_rows(want, changed))
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
    def record_edits(self, entries: list[Entry], raw: bytes | list, blocks: dict[str, bytes] | None = None,
                     written: os.stat_result | None = None) -> None:
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
                blocks = block_hashes_by_id(whole, [e.id for e in entries])
            for e in entries:
                row = entry_row(e, 0, blocks.get(e.id))
                c.execute("UPDATE entries SET status=?, bhash=?, data=? WHERE id=?", (e.status, row[2], row[13], e.id))
                c.execute("UPDATE topics_of SET status=? WHERE rid IN (SELECT rid FROM entries WHERE id=?)",
                          (e.status, e.id))
            self._record_written(raw, written)
            c.execute("DELETE FROM blobs WHERE key LIKE 'seeds:%'")
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def _written_stat(self, written: os.stat_result | None) -> tuple[os.stat_result | None, str]:
        """The file's stat now, and the stat key to record: its key only when the file is still
        the one written (``written``: its stat before it replaced the old), else none, so the
        next use reads the file (a hand edit right after the write is never taken as ours)."""
        st = file_stat(self.path)
        return st, stat_key(st) if files.same_file_state(st, written) else ""

    def _record_written(self, raw: bytes | list, written: os.stat_result | None) -> None:
        """Record catalog.yaml as wsskg just wrote it (``raw``: its bytes or pieces): the
        fingerprint, and the stat key when the file is still the one written."""
        st, key = self._written_stat(written)
        self._set_meta("yaml_fp", yaml_fingerprint(raw, st))
        self._set_meta("yaml_stat", key)

    def record_save(self, catalog: Catalog, raw: bytes, progress: Progress | None = None,
                    written: os.stat_result | None = None) -> None:
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
            st, key = self._written_stat(written)
            done = {"yaml_fp": yaml_fingerprint(raw, st), "yaml_stat": key,
                    "side_fp": side_fingerprint(side_path), "side_path": str(side_path)}
            self._build_all(catalog.entries, hashes, catalog.header_dict(), head_hash,
                            lambda: side_of(catalog), progress, done)
            return
        side = side_of(catalog)
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
            self._record_written(raw, written)
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
