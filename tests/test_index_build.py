"""A full build of the derived index (``wsskg.index.sync.SyncedIndex._build_all``, ``wsskg.textbuild``): the text
tables written by a forked child give the same index as one process writing everything, a
failed child or a failed build loses nothing, a build killed half-way is never trusted, and the
citation tables are built from the side rows when a command first reads them."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading

import pytest

from conftest import REPO
from wsskg import index as ix
from wsskg import textbuild
from wsskg.store import load_catalog, save_catalog

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system: one process builds")

#: Tables whose rows a build writes (``blobs`` and ``vectors`` are caches filled later).
TABLES = ("entries", "topics_of", "vocab", "side", "external")
QUERIES = ("affinity", "saliancy", "weakly supervised segmentation", "graph", "boundary", "echidna")


def _catalog(n=400):
    sys.path.insert(0, str(REPO / "benchmarks"))
    from synth import synthetic_catalog

    return synthetic_catalog(n)


def _dump(idx) -> dict:
    c = idx.conn
    out = {t: sorted(c.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}
    # an outside paper's record as a value (the sidecar's JSON has its keys sorted, the catalog's
    # records in memory do not)
    out["external"] = sorted((s2, json.loads(data)) for s2, data in out["external"])
    out["search"] = {q: [(h.entry.id, round(h.score, 9)) for h in idx.search(q, limit=30)] for q in QUERIES}
    out["count"] = idx.count()
    return out


@pytest.fixture
def forking(monkeypatch):
    """Every full build forks (however small), and the test sees whether the child's tables
    were copied."""
    monkeypatch.setattr(ix.sync, "_PARALLEL_MIN", 0)
    # idle threads earlier tests' servers leave do not matter to the child (it takes no lock of theirs)
    monkeypatch.setattr(textbuild, "can_fork", lambda: True)
    copied = []
    real = textbuild.ForkedTextTables.copy_into

    def copy_into(self, conn, tables):
        ok = real(self, conn, tables)
        copied.append(ok)
        return ok

    monkeypatch.setattr(textbuild.ForkedTextTables, "copy_into", copy_into)
    return copied


def _build(tmp_path, monkeypatch, name, cat):
    monkeypatch.setenv("WSSKG_CACHE_DIR", str(tmp_path / f"cache-{name}"))
    path = tmp_path / name / "catalog.yaml"
    path.parent.mkdir()
    save_catalog(path, cat, index=True)
    return path, ix.open_index(path)


@needs_fork
def test_a_forked_build_writes_the_index_one_process_writes(tmp_path, monkeypatch, forking):
    cat = _catalog()
    cat.entries[3].abstract = "An abstract about echidnas and their spines."
    path, forked = _build(tmp_path, monkeypatch, "forked", cat)
    assert forking == [True]
    monkeypatch.setattr(textbuild, "can_fork", lambda: False)
    _, single = _build(tmp_path, monkeypatch, "single", cat)
    assert forking == [True]  # the second build did not fork
    assert _dump(forked) == _dump(single)
    forked.conn.execute("INSERT INTO fts(fts) VALUES('integrity-check')")
    assert [h.entry.id for h in forked.search("echidna")] == [cat.entries[3].id]
    # a later edit changes the copied FTS rows through FTS5 as usual
    forked.close()
    cat.entries[3].abstract = "Now about platypuses."
    save_catalog(path, cat, index=True)
    idx = ix.open_index(path)
    assert idx.search("echidna") == []
    assert [h.entry.id for h in idx.search("platypus")] == [cat.entries[3].id]
    idx.conn.execute("INSERT INTO fts(fts) VALUES('integrity-check')")
    assert not list((tmp_path / "cache-forked" / "index").glob(".build-*"))  # the scratch file is gone


@needs_fork
def test_a_failed_child_leaves_the_text_tables_to_the_parent(tmp_path, monkeypatch, forking):
    parent = os.getpid()
    real = textbuild.write_text_tables

    def fails_in_the_child(conn, **kw):
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        real(conn, **kw)

    monkeypatch.setattr(textbuild, "write_text_tables", fails_in_the_child)
    cat = _catalog(200)
    _, idx = _build(tmp_path, monkeypatch, "a", cat)
    assert forking == [False]  # nothing copied: the parent wrote them
    monkeypatch.setattr(textbuild, "can_fork", lambda: False)
    _, single = _build(tmp_path, monkeypatch, "b", cat)
    assert _dump(idx) == _dump(single)


def _cold(path, monkeypatch, cache):
    """The index of ``path`` built from the files alone (a new cache: catalog.yaml is parsed
    and the sidecar read, as after an upgrade or a deleted cache)."""
    monkeypatch.setenv("WSSKG_CACHE_DIR", str(cache))
    return ix.open_index(path)


@needs_fork
def test_a_build_from_the_files_reads_the_sidecar_in_the_child(tmp_path, monkeypatch, forking):
    """With no index yet, the sidecar is parsed by the child (with the text tables) while this
    process writes the entry and topic rows: the index is the one a single process builds,
    and the one the import's save wrote from memory."""
    cat = _catalog()
    cat.entries[5].abstract = "An abstract about echidnas and their spines."
    cat.external["S_OUT"] = {"title": "An outside paper", "year": 2001}
    saved_path, saved = _build(tmp_path, monkeypatch, "saved", cat)
    assert forking == [True] and saved.conn.execute("SELECT count(*) FROM external").fetchone()[0] > 1
    reads = []
    real = ix.CatalogIndex._read_sidecar
    monkeypatch.setattr(ix.CatalogIndex, "_read_sidecar", lambda self, p: reads.append(p) or real(self, p))
    cold = _cold(saved_path, monkeypatch, tmp_path / "cold")
    assert forking == [True, True] and reads == []  # copied from the child, which read the sidecar
    monkeypatch.setattr(textbuild, "can_fork", lambda: False)
    single = _cold(saved_path, monkeypatch, tmp_path / "single")
    assert len(reads) == 1 and forking == [True, True]
    assert _dump(cold) == _dump(single) == _dump(saved)
    cold.conn.execute("INSERT INTO fts(fts) VALUES('integrity-check')")
    assert [h.entry.id for h in cold.search("echidna")] == [cat.entries[5].id]


@needs_fork
def test_a_broken_sidecar_read_by_the_child_is_the_usual_one_line_error(tmp_path, monkeypatch, forking):
    from wsskg.errors import CatalogError
    from wsskg.store import sidecar_path

    cat = _catalog(200)
    path, _ = _build(tmp_path, monkeypatch, "a", cat)
    side = sidecar_path(path)
    good = side.read_bytes()
    side.write_bytes(good[:-40])  # cut short, as a failed copy would
    with pytest.raises(CatalogError) as e:
        _cold(path, monkeypatch, tmp_path / "cold")
    assert "\n" not in str(e.value) and side.name in str(e.value)
    assert forking == [True, False]  # the child failed; this process read it again, and said why
    side.write_bytes(good)  # mended: the next command builds the whole index
    idx = ix.open_index(path)
    assert idx.count() == len(cat.entries) and idx.get(cat.entries[0].id).abstract == cat.entries[0].abstract


@needs_fork
def test_a_build_that_fails_drops_its_file_and_loses_nothing(tmp_path, monkeypatch, forking):
    cat = _catalog(200)
    path = tmp_path / "catalog.yaml"
    save_catalog(path, cat, index=True)
    before = path.read_bytes()
    ix.index_file(path).unlink()  # the next command builds it again, from catalog.yaml
    real = ix.CatalogIndex._insert_entries

    def breaks(self, rows, *a, **k):
        if rows and rows[0][0] > 0:
            raise sqlite3.OperationalError("disk I/O error")
        return real(self, rows, *a, **k)

    monkeypatch.setattr(ix.sync, "_BUILD_STEP", 50)
    monkeypatch.setattr(ix.CatalogIndex, "_insert_entries", breaks)
    with pytest.raises(sqlite3.OperationalError):
        ix.CatalogIndex(path, ix.open_db(ix.index_file(path)), ix.index_file(path)).sync()
    assert path.read_bytes() == before
    # no half-built index is left to be trusted: the next open builds it whole
    monkeypatch.setattr(ix.CatalogIndex, "_insert_entries", real)
    idx = ix.open_index(path)
    assert idx.count() == len(cat.entries)
    assert [e.id for e in idx.entries()] == [e.id for e in cat.entries]
    assert not list(ix.index_file(path).parent.glob(".build-*"))


@needs_fork
def test_a_build_killed_half_way_is_never_trusted(tmp_path, monkeypatch):
    """A build without a journal marks the file first, in a journaled write: a process killed
    after some of its pages reached the file leaves the mark, and the next open starts anew."""
    cat = _catalog(300)
    path = tmp_path / "catalog.yaml"
    save_catalog(path, cat, index=True)
    monkeypatch.setattr(ix.sync, "BUILD_CACHE_KIB", -64)  # a small page cache: pages reach the file early
    monkeypatch.setattr(ix.sync, "_BUILD_STEP", 50)
    real = ix.CatalogIndex._insert_entries

    def killed(self, rows, *a, **k):
        real(self, rows, *a, **k)
        if rows and rows[0][0] >= 200:
            os._exit(0)  # as a kill: no cleanup, no commit

    pid = os.fork()
    if pid == 0:
        try:
            monkeypatch.setattr(ix.CatalogIndex, "_insert_entries", killed)
            cat.title = "Another title"  # a new header: every row again
            save_catalog(path, cat, index=True)
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0  # killed inside the build
    assert ix.open_db(ix.index_file(path)).execute("SELECT count(*) FROM entries").fetchone()[0] == 0
    idx = ix.open_index(path)
    assert idx.head["title"] == "Another title"
    assert [e.id for e in idx.entries()] == [e.id for e in cat.entries]
    assert [h.entry.id for h in idx.search("affinity", limit=5)]
    idx.conn.execute("INSERT INTO fts(fts) VALUES('integrity-check')")


@needs_fork
def test_a_build_beside_another_reader_keeps_the_journal(tmp_path, monkeypatch, forking):
    """Another connection has the index open: the build keeps the WAL (and does not fork, as
    copying FTS5's tables needs a connection to replace afterwards), and the reader still reads."""
    cat = _catalog(200)
    path = tmp_path / "catalog.yaml"
    save_catalog(path, cat, index=True)
    forking.clear()
    reader = sqlite3.connect(ix.index_file(path))
    assert reader.execute("SELECT count(*) FROM entries").fetchone()[0] == 200
    cat.title = "Another title"  # a new header: every row again
    save_catalog(path, cat, index=True)
    assert forking == []
    assert reader.execute("SELECT count(*) FROM entries").fetchone()[0] == 200
    assert reader.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    reader.close()
    idx = ix.open_index(path)
    assert idx.head["title"] == "Another title" and idx.count() == 200
    assert idx.sync() is False


def test_citations_are_built_when_a_command_first_reads_them(tmp_path):
    cat = _catalog(300)
    path = tmp_path / "catalog.yaml"
    save_catalog(path, cat, index=True)
    idx = ix.open_index(path)
    assert idx._meta("cites") == ""
    assert idx.conn.execute("SELECT count(*) FROM refs").fetchone()[0] == 0
    assert ix.has_citations(idx)  # answered from the side rows, without building them
    # entries read from the index have their lists, in order, without the tables
    mine = {e.id: (e.references, e.cited_by) for e in idx.entries(bulky=True)}
    assert mine == {e.id: (e.references, e.cited_by) for e in cat.entries}
    assert idx._meta("cites") == ""
    e = next(x for x in cat.entries if x.references)
    idx.neighbourhood(idx.get(e.id))
    assert idx._meta("cites") == "1"
    edges = sum(len(x.references) + len(x.cited_by) for x in cat.entries)
    assert idx.conn.execute("SELECT count(*) FROM refs").fetchone()[0] == edges
    rows = idx.conn.execute("SELECT s2 FROM refs WHERE id = ? AND dir = 0 ORDER BY rowid", (e.id,)).fetchall()
    assert [r for (r,) in rows] == [str(r) for r in e.references]
    idx.close()
    # once built, a save keeps them current entry by entry
    cat2 = load_catalog(path, use_index=False)
    target = next(x for x in cat2.entries if x.references)
    target.references = target.references[:1]
    save_catalog(path, cat2)
    idx = ix.open_index(path)
    assert idx._meta("cites") == "1"
    got = idx.conn.execute("SELECT s2 FROM refs WHERE id = ? AND dir = 0", (target.id,)).fetchall()
    assert [r for (r,) in got] == [str(target.references[0])]


def test_no_fork_while_another_thread_runs():
    """A fork copies only the calling thread; a lock another thread holds stays held in the child."""
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert textbuild.can_fork() is False
    finally:
        stop.set()
        t.join()


@pytest.mark.parametrize("a, b", [
    ((None, ["ab"], None), (None, ["a", "b"], None)),
    ((None, ["a", "b"], None), (None, ["a\x00b"], None)),
    (("x", None, None), (None, ["x"], None)),
    ((None, None, ["c"]), (None, ["c"], None)),
    (("", None, None), (None, None, None)),
])
def test_the_side_hash_tells_different_parts_apart(a, b):
    assert ix.side_hash(*a) != ix.side_hash(*b)


def test_a_build_from_the_files_shows_progress_from_the_start(tmp_path, monkeypatch):
    """The bar of a build from catalog.yaml moves while the file is parsed (4 s at 100,000
    papers), then while the rows are written, and ends once, at 100 %."""
    from wsskg import catalog as cat_mod
    from wsskg import yamlio

    monkeypatch.setattr(ix.sync, "_PROGRESS_MIN", 50)
    monkeypatch.setattr(cat_mod, "_PROGRESS_STEP", 40)
    monkeypatch.setattr(yamlio, "FAST_CHUNK_ENTRIES", 40)
    monkeypatch.setattr(ix.sync, "_BUILD_STEP", 40)
    path, _ = _build(tmp_path, monkeypatch, "a", _catalog(400))
    seen = []
    monkeypatch.setenv("WSSKG_CACHE_DIR", str(tmp_path / "cold"))
    ix.open_index(path, progress=lambda done, total: seen.append((done, total)))
    done = [d for d, _ in seen]
    assert {t for _, t in seen} == {1000} and done == sorted(done)
    parse = [d for d in done if d <= 300]
    assert len(parse) >= 15 and parse[0] < 50  # parsing: blocks, then validation, each in steps
    assert len([d for d in done if d > 300]) >= 5 and done[-1] == 1000 and done.count(1000) == 1
    seen.clear()
    small, _ = _build(tmp_path, monkeypatch, "b", _catalog(40))
    monkeypatch.setenv("WSSKG_CACHE_DIR", str(tmp_path / "cold-small"))
    ix.open_index(small, progress=lambda done, total: seen.append((done, total)))
    assert seen == []  # a small build is quick: no bar at all


def test_the_first_command_that_builds_the_citations_or_the_walk_shows_a_bar(tmp_path, monkeypatch):
    """``show``, ``next`` and ``discover`` build the citation tables (and ``next`` the walk) the
    first time after a build: seconds at 100,000 papers, so they report to the bar of
    ``open_index``; once built, nothing is reported."""
    monkeypatch.setattr(ix.sync, "_PROGRESS_MIN", 50)
    cat = _catalog(200)
    path, _ = _build(tmp_path, monkeypatch, "a", cat)
    seen = []
    idx = ix.open_index(path, progress=lambda done, total: seen.append(round(done / total, 3)))
    assert seen == []  # the index was current: nothing to do
    ix.next_papers(idx, limit=3)
    assert seen == sorted(seen) and seen[0] == 0 and seen[-1] == 1 and seen.count(1) == 1 and len(seen) >= 6
    seen.clear()
    ix.next_papers(idx, limit=3)
    idx.neighbourhood(idx.get(cat.entries[0].id))
    assert seen == []  # all cached
    idx.conn.execute("UPDATE meta SET value = '' WHERE key = 'cites'")
    idx.neighbourhood(idx.get(cat.entries[0].id))  # the tables again, alone: the whole bar
    assert seen == [0, 0.25, 0.5, 0.75, 1]
