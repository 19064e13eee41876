"""The derived SQLite index (``wsskg.index``): built from catalog.yaml and the sidecar, kept
current entry by entry, never trusted when stale or not ours, and answering the queries the
CLI asks of it like the library functions over the whole catalog do."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from typer.testing import CliRunner

from conftest import REPO
from wsskg import index as ix
from wsskg.catalog import Entry
from wsskg.cli import app
from wsskg.errors import AmbiguousReference, CatalogError, PaperNotFound
from wsskg import search_catalog
from wsskg.search import filter_entries, topic_counts
from wsskg.store import load_catalog, save_catalog, set_status, sidecar_path

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def rids(idx) -> dict[str, int]:
    return dict(idx.conn.execute("SELECT id, rid FROM entries"))


def test_first_use_builds_the_index_and_the_next_use_reads_it(seed_catalog_file):
    idx = ix.open_index(seed_catalog_file)
    assert idx.file is not None and idx.file.exists()
    n = idx.count()
    assert n == len(load_catalog(seed_catalog_file, use_index=False).entries) > 100
    idx.close()
    idx = ix.open_index(seed_catalog_file)
    assert idx.sync() is False  # nothing changed: nothing re-indexed
    assert idx.count() == n


def test_a_hand_edit_reindexes_only_the_entries_it_touched(seed_catalog_file):
    idx = ix.open_index(seed_catalog_file)
    before = rids(idx)
    idx.close()
    text = seed_catalog_file.read_text(encoding="utf-8")
    edited = text.replace("- id: dsrg-2018\n  title: ", "- id: dsrg-2018\n  title: Zyxwv ", 1)
    assert edited != text
    seed_catalog_file.write_text(edited, encoding="utf-8")
    idx = ix.open_index(seed_catalog_file)
    after = rids(idx)
    changed = {k for k in before if before[k] != after.get(k)}
    assert changed == {"dsrg-2018"}, changed
    assert [h.entry.id for h in idx.search("zyxwv")] == ["dsrg-2018"]
    # and the list order is still the file's order
    assert [e.id for e in idx.entries()] == [e.id for e in load_catalog(seed_catalog_file, use_index=False).entries]


def test_status_change_updates_the_rows_without_a_resync(seed_catalog_file):
    ix.open_index(seed_catalog_file).close()
    set_status(seed_catalog_file, ["dsrg-2018"], "read", today="2026-01-02")
    f = ix.index_file(seed_catalog_file)
    idx = ix.CatalogIndex(seed_catalog_file, ix.open_db(f), f)  # opened without syncing
    assert idx.sync() is False  # set_status recorded the new fingerprint and rows itself
    e = idx.get("dsrg-2018")
    assert (e.status, e.read_on) == ("read", "2026-01-02")
    assert [x.id for x in idx.filter_entries(status="read")] == [
        x.id for x in filter_entries(load_catalog(seed_catalog_file, use_index=False), status="read")]


def test_entries_moved_added_and_removed_by_hand(seed_catalog_file):
    cat = load_catalog(seed_catalog_file, use_index=False)
    ix.open_index(seed_catalog_file).close()
    cat.entries.reverse()
    gone = cat.entries.pop()
    cat.entries.insert(3, Entry(id="brand-new-2026", title="A Brand New Quokka Paper", topics=[cat.topics[1].path]))
    save_catalog(seed_catalog_file, cat)
    idx = ix.open_index(seed_catalog_file)
    assert [e.id for e in idx.entries()] == [e.id for e in cat.entries]
    assert idx.get(gone.id) is None
    assert [h.entry.id for h in idx.search("quokka")] == ["brand-new-2026"]


def test_sidecar_changes_reach_the_index(tmp_path):
    path = tmp_path / "catalog.yaml"
    cat = load_catalog(REPO / "catalog.yaml", use_index=False)
    cat.entries[0].abstract = "An abstract about platypus detection."
    cat.entries[0].references = ["s2-out-1", "s2-out-2"]
    save_catalog(path, cat)
    idx = ix.open_index(path)
    assert [h.entry.id for h in idx.search("platypus")] == [cat.entries[0].id]
    assert idx.search("platypus")[0].why == ["abstract"]
    assert idx.get(cat.entries[0].id).references == ["s2-out-1", "s2-out-2"]
    idx.close()
    cat.entries[0].abstract = "Now it is about wombats."
    save_catalog(path, cat)
    idx = ix.open_index(path)
    assert idx.search("platypus") == []
    assert [h.entry.id for h in idx.search("wombat")] == [cat.entries[0].id]
    idx.close()
    sidecar_path(path).unlink()
    idx = ix.open_index(path)
    assert idx.search("wombat") == [] and idx.get(cat.entries[0].id).references == []


@pytest.mark.parametrize("mutate, message", [
    (lambda t: t.replace("- id: mdc-2018\n", "- id: dsrg-2018\n", 1), r"duplicate id 'dsrg-2018'"),
    (lambda t: t.replace("  status: read\n", "  status: done\n", 1), r"unknown status 'done'"),
    (lambda t: t.replace("  kind: paper\n", "   kind: paper\n", 1), r"catalog\.yaml:\d+: "),
])
def test_an_invalid_edit_after_indexing_is_reported_with_its_line(seed_catalog_file, mutate, message):
    import re

    ix.open_index(seed_catalog_file).close()
    seed_catalog_file.write_text(mutate(seed_catalog_file.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        ix.open_index(seed_catalog_file)
    assert re.search(message, str(err.value)) and re.search(r"catalog\.yaml:\d+: ", str(err.value)), str(err.value)


def test_an_index_that_is_not_ours_is_never_read(seed_catalog_file, tmp_path, monkeypatch):
    f = ix.index_file(seed_catalog_file)
    ix.open_index(seed_catalog_file).close()
    # a planted file of garbage: rebuilt
    f.write_bytes(b"garbage" * 100)
    idx = ix.open_index(seed_catalog_file)
    assert idx.file == f and idx.count() > 100
    idx.close()
    # a folder others can write to: not trusted, the index lives in memory for this command
    os.chmod(f.parent, 0o777)
    try:
        idx = ix.open_index(seed_catalog_file)
        assert idx.file is None and idx.count() > 100
        assert ix.open_index(seed_catalog_file, memory_ok=False) is None
    finally:
        os.chmod(f.parent, 0o700)
    # an index file others can write to: not trusted either
    os.chmod(f, 0o666)
    assert ix.open_index(seed_catalog_file).file is None
    # and the CLI still answers from catalog.yaml
    os.chmod(f.parent, 0o777)
    try:
        r = run("search", "affinity", "--json", "-c", seed_catalog_file)
        assert r.exit_code == 0 and json.loads(r.stdout)[0]["id"] == "learning-pixel-level"
    finally:
        os.chmod(f.parent, 0o700)


def test_the_cli_queries_agree_with_the_library(seed_catalog_file):
    cat = load_catalog(seed_catalog_file, use_index=False)
    idx = ix.open_index(seed_catalog_file)
    for kw in ({}, {"status": "read"}, {"topic": "affinity"}, {"topic": "Reading List"}, {"year": 2018},
               {"kind": "code"}, {"topic": "webly", "status": "unread"}):
        assert [e.id for e in idx.filter_entries(**kw)] == [e.id for e in filter_entries(cat, **kw)], kw
        assert [r[0] for r in idx.table_rows(**kw)] == [e.id for e in filter_entries(cat, **kw)], kw
    assert idx.topic_counts() == topic_counts(cat)
    full = {e.id: e for e in idx.entries(bulky=True)}
    for e in cat.entries:
        assert full[e.id] == e  # every field survives the round trip through the rows
    # search: the library's function over the catalog in memory gives the same hits, in the
    # same order, as the file's index (and finds something: agreeing on nothing proves nothing)
    for q in ("affinity", "saliancy", "webly", "Affinities", "dilated convolution", "crf", "cvpr"):
        mine = [(h.entry.id, h.why) for h in idx.search(q, limit=None, mode="keyword")]
        lib = [(h.entry.id, h.why) for h in search_catalog(cat, q, limit=None, mode="keyword")]
        assert mine and mine == lib, q


def test_resolve_through_the_index(seed_catalog_file):
    from wsskg.catalog import resolve

    cat = load_catalog(seed_catalog_file, use_index=False)
    idx = ix.open_index(seed_catalog_file)
    for ref in ("dsrg-2018", "DSRG-2018", "1804.01346", "https://arxiv.org/abs/1804.01346v2", "Gated CRF"):
        assert idx.resolve(ref).id == resolve(cat, ref).id
    with pytest.raises(AmbiguousReference):
        idx.resolve("weakly supervised")
    with pytest.raises(PaperNotFound) as err:
        idx.resolve("adaptive-affinity-feld")
    assert "adaptive-affinity-field-2018" in str(err.value)


def test_neighbourhood_from_the_file_matches_the_catalog_in_memory(seed_catalog_file):
    from wsskg.library import neighbourhood

    cat = load_catalog(seed_catalog_file, use_index=False)
    idx = ix.open_index(seed_catalog_file)
    for e in cat.entries[:60]:
        mine = idx.neighbourhood(idx.get(e.id))
        lib = neighbourhood(cat, e.id)
        assert mine["topics"] == lib["topics"], e.id
        assert [x["id"] for x in mine["unread_neighbours"]] == [x["id"] for x in lib["unread_neighbours"]], e.id


def test_short_names_and_aliases_are_searchable_when_the_model_has_them():
    e = Entry(id="x-2020", title="Something Long")
    e.short_name = "SEAM"  # the catalog model may gain these fields; the index reads them if present
    e.aliases = ["Self-supervised Equivariant Attention"]
    texts = ix.texts_of(e)
    assert "SEAM" in texts[1] and "Equivariant" in texts[1]


def _synthetic(tmp_path, n=600):
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    from synth import synthetic_catalog

    path = tmp_path / "catalog.yaml"
    save_catalog(path, synthetic_catalog(n), index=True)  # as an import does
    return path


def test_next_from_the_file_ranks_as_from_the_catalog_in_memory(tmp_path):
    """The file's index (its walk and ranking cached, then recomputed from the last ranking
    after a status change) ranks as a fresh index of the catalog in memory does."""
    from wsskg import library

    path = _synthetic(tmp_path)
    for step in range(2):
        cat = load_catalog(path, use_index=False)
        idx = ix.open_index(path)
        for topic in (None, "affinity"):
            mine = ix.next_papers(idx, limit=8, topic=topic)
            assert mine == library.next_papers(cat, limit=8, topic=topic), (step, topic)
        assert ix.next_papers(idx, limit=8) == library.next_papers(cat, limit=8)  # from the cached ranking
        idx.close()
        # a status change: the cached walk stays, the ranking is recomputed from the last one
        set_status(path, [mine[0]["id"]], "read")


def test_next_on_an_unenriched_catalog_says_what_enrichment_adds(seed_catalog_file):
    r = run("next", "-n", "2", "-c", seed_catalog_file)
    assert r.exit_code == 0, r.stderr
    assert "wsskg enrich" in r.stdout and "cite" in r.stdout


def test_a_save_indexes_what_it_wrote_without_a_parse(tmp_path, monkeypatch):
    """import/enrich/merge save through wsskg.store, which hands the catalog in memory to the
    index: the next command finds it current and never parses catalog.yaml."""
    path = _synthetic(tmp_path, 300)
    f = ix.index_file(path)
    idx = ix.CatalogIndex(path, ix.open_db(f), f)
    import wsskg.files as files

    def no_parse(*a, **k):
        raise AssertionError("catalog.yaml was parsed")

    with monkeypatch.context() as m:
        m.setattr(files, "parse_catalog", no_parse)
        assert idx.sync() is False
    cat = load_catalog(path, use_index=False)
    assert [e.id for e in idx.entries()] == [e.id for e in cat.entries]
    assert {e.id: e for e in idx.entries(bulky=True)} == {e.id: e for e in cat.entries}
    # a later save of a few changed entries only touches their rows
    before = rids(idx)
    idx.close()
    cat.entries[5].abstract = "A new abstract about echidnas."
    cat.entries[7].title = "Retitled by an edit"
    save_catalog(path, cat)
    idx = ix.CatalogIndex(path, ix.open_db(f), f)
    assert idx.sync() is False
    after = rids(idx)
    assert {k for k in before if before[k] != after[k]} == {cat.entries[7].id}
    assert [h.entry.id for h in idx.search("echidna")] == [cat.entries[5].id]


def test_discover_from_the_file_agrees_with_the_catalog_in_memory(tmp_path):
    from wsskg import library

    path = _synthetic(tmp_path)
    cat = load_catalog(path, use_index=False)
    idx = ix.open_index(path)
    for direction in ("cited", "citing"):
        for topic in (None, "affinity"):
            mine = ix.discover(idx, direction=direction, topic=topic, limit=15)
            assert mine and mine == library.discover(cat, direction=direction, topic=topic, limit=15), (direction, topic)


def test_a_file_touched_but_not_changed_is_not_reindexed(seed_catalog_file, monkeypatch):
    ix.open_index(seed_catalog_file).close()
    st = os.stat(seed_catalog_file)
    os.utime(seed_catalog_file, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    f = ix.index_file(seed_catalog_file)
    idx = ix.CatalogIndex(seed_catalog_file, ix.open_db(f), f)
    before = rids(idx)
    monkeypatch.setattr(idx, "_sync_yaml", lambda *a, **k: (_ for _ in ()).throw(AssertionError("re-read")))
    assert idx.sync() is True  # the new mtime is recorded
    assert idx.sync() is False and rids(idx) == before


def test_pickles_of_an_older_version_are_removed_never_read(seed_catalog_file):
    f = ix.index_file(seed_catalog_file)
    f.parent.mkdir(parents=True, exist_ok=True)
    for name in (f.stem + ".pickle", f.stem + ".sidecar.pickle"):
        (f.parent / name).write_bytes(b"cos\nsystem\n(S'echo planted'\ntR.")  # a pickle that would run code
    idx = ix.open_index(seed_catalog_file)
    assert idx.count() > 100
    assert not list(f.parent.glob("*.pickle"))


def test_an_unchanged_catalog_is_not_read_by_a_query(seed_catalog_file, monkeypatch):
    ix.open_index(seed_catalog_file).close()
    monkeypatch.setattr(ix.sync, "open", lambda *a, **k: (_ for _ in ()).throw(AssertionError("read")), raising=False)
    idx = ix.open_index(seed_catalog_file)  # the stat key is the recorded one: neither read nor hashed
    assert idx.count() > 100
    idx.close()


def test_a_same_size_same_mtime_hand_edit_is_seen(seed_catalog_file):
    """The stat key holds the ctime, which a hand edit cannot set back: size, mtime and inode
    kept as they were still send the next command to the bytes."""
    ix.open_index(seed_catalog_file).close()
    st = os.stat(seed_catalog_file)
    text = seed_catalog_file.read_text(encoding="utf-8")
    edited = text.replace("- id: dsrg-2018\n  title: DSRG", "- id: dsrg-2018\n  title: GRSD", 1)
    assert edited != text and len(edited) == len(text)
    with open(seed_catalog_file, "r+", encoding="utf-8") as fh:  # in place: the same inode
        fh.write(edited)
    os.utime(seed_catalog_file, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = os.stat(seed_catalog_file)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (st.st_size, st.st_mtime_ns, st.st_ino)
    idx = ix.open_index(seed_catalog_file)
    assert idx.get("dsrg-2018").title == "GRSD"
    idx.close()


def test_list_json_streams_chunks_and_prints_what_one_dump_would(seed_catalog_file, monkeypatch, capsys):
    """``list --json`` writes the entries a chunk at a time (it never holds 100,000 of them);
    the text is exactly ``json.dumps`` of the whole list, for every chunk size and filter."""
    from wsskg.cli.app import print_json, print_json_list

    cat = load_catalog(seed_catalog_file, use_index=False)
    cat.entries[0].title = "Line\nbreak, \"quotes\", \x85 and \u202e"
    for k, e in enumerate(cat.entries[::3]):  # abstracts and reference lists, from the side rows
        e.abstract = f"abstract {k}"
        e.references, e.cited_by = [f"S{k}", f"S{k + 1}"], [f"C{k}"]
    save_catalog(seed_catalog_file, cat)
    idx = ix.open_index(seed_catalog_file)
    whole = [e.to_json() for e in idx.filter_entries(bulky=True)]
    assert sum("references" in e for e in whole) == len(cat.entries[::3])
    assert whole[3]["abstract"] == "abstract 1" and whole[3]["cited_by"] == ["C1"]
    for size in (1, 7, 500, 10_000):
        chunks = list(idx.filter_chunks(bulky=True, chunk=size))
        assert max(len(c) for c in chunks) <= size and len(chunks) == -(-len(whole) // size)
        assert [e.to_json() for c in chunks for e in c] == whole
    for items in ([], whole[:1], whole):
        print_json(items)
        want = capsys.readouterr().out
        print_json_list([items[:3], [], items[3:]])
        assert capsys.readouterr().out == want
    out = run("list", "--json", "--status", "read", "-c", seed_catalog_file).stdout
    assert json.loads(out) == [e for e in whole if e["status"] == "read"]
    assert json.loads(run("list", "--json", "--year", "1800", "-c", seed_catalog_file).stdout) == []
