"""The user's files are sacred: outputs (``-o``), the catalog, its sidecar, symlinks, comments,
permissions. Each test here once failed on a wsskg that lost or leaked a file (issue 12)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from fakeapi import fake, make_catalog  # noqa: F401 - fixture
from test_enrich import demo_entries
from typer.testing import CliRunner

from robustness_report import observe
from wsskg.cli import app
from wsskg.errors import OutputRefused
from wsskg.outputs import check_output, write_output, wrote_it
from wsskg.store import load_catalog, save_catalog, sidecar_path


def run(*args):
    r = CliRunner().invoke(app, [str(a) for a in args])
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def enriched(seed_catalog_file) -> Path:
    """A catalog with a sidecar (abstracts)."""
    cat = load_catalog(seed_catalog_file, use_index=False)
    for e in cat.entries[:3]:
        e.abstract = f"abstract of {e.id}"
    save_catalog(seed_catalog_file, cat)
    assert sidecar_path(seed_catalog_file).exists()
    return seed_catalog_file


# -- item 1: outputs never replace the catalog, its sidecar or a file wsskg did not write ------------

def test_write_output_refuses_catalog_and_sidecar_even_with_force(enriched, tmp_path):
    side = sidecar_path(enriched)
    before = enriched.read_bytes(), side.read_bytes()
    link = tmp_path / "innocent.md"
    link.symlink_to(enriched)
    for target in (enriched, side, link, tmp_path / "." / "catalog.yaml"):
        for force in (False, True):
            with pytest.raises(OutputRefused, match="refusing to overwrite"):
                write_output(target, b"x", protect=[enriched, side], force=force)
    hard = tmp_path / "hard.yaml"
    os.link(enriched, hard)
    with pytest.raises(OutputRefused):
        write_output(hard, b"x", protect=[enriched, side], force=True)
    assert (enriched.read_bytes(), side.read_bytes()) == before
    observe("outputs", "write an output over the catalog or its sidecar: directly, through a symlink, a hard "
            "link, a `./` spelling; with and without --force", "refused (OutputRefused), both files byte-identical")


def test_write_output_needs_force_for_a_file_wsskg_did_not_write(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("my own words\n")
    with pytest.raises(OutputRefused, match="use --force"):
        write_output(readme, b"export 1\n")
    assert readme.read_text() == "my own words\n"
    write_output(readme, b"export 1\n", force=True)
    assert readme.read_bytes() == b"export 1\n" and wrote_it(readme)
    write_output(readme, b"export 2\n")  # wsskg wrote it, unchanged since: no --force needed
    assert readme.read_bytes() == b"export 2\n"
    readme.write_text("export 2\nhand edit\n")  # edited after the export: asks again
    assert not wrote_it(readme)
    with pytest.raises(OutputRefused):
        write_output(readme, b"export 3\n")
    assert readme.read_text() == "export 2\nhand edit\n"
    fresh = tmp_path / "sub" / "new.md"
    write_output(fresh, b"new\n")  # a new file needs nothing
    assert fresh.read_bytes() == b"new\n"
    observe("outputs", "`-o` at a hand-written README, then at one wsskg wrote, then at one edited since",
            "refused without --force (file untouched); replaced with --force; re-export needs no --force; "
            "an edit since the last export makes it ask again")


def test_write_output_is_atomic_and_keeps_symlinks(tmp_path, monkeypatch):
    real = tmp_path / "real" / "graph.html"
    real.parent.mkdir()
    write_output(real, b"old")
    link = tmp_path / "graph.html"
    link.symlink_to(real)
    write_output(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    # a failure mid-write leaves the old file whole and no temp file behind
    import wsskg.store as store

    def boom(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "fsync", boom)
    with pytest.raises(OSError):
        write_output(link, b"newer")
    assert real.read_bytes() == b"new"
    assert sorted(p.name for p in real.parent.iterdir()) == ["graph.html"]
    observe("outputs", "`-o` through a symlink; a write that fails mid-way (fsync: disk full)",
            "the link stays a link, its target gets the content; after a failure the old file is whole and no temp "
            "file is left")


def test_write_output_respects_read_only_files(tmp_path):
    out = tmp_path / "out.md"
    write_output(out, b"one")
    out.chmod(0o444)
    try:
        with pytest.raises(OutputRefused, match="read-only"):
            write_output(out, b"two", force=True)
        assert out.read_bytes() == b"one"
        observe("outputs", "`-o` at a read-only (chmod 444) file, with --force", "refused; file untouched")
    finally:
        out.chmod(0o644)


def test_check_output_refuses_a_directory(tmp_path):
    with pytest.raises(OutputRefused, match="directory"):
        check_output(tmp_path)


@pytest.mark.parametrize("cmd", [
    ("export", "-o", "{cat}"),
    ("export", "--format", "json", "-o", "{side}"),
    ("graph", "--format", "html", "-o", "{cat}"),
    ("graph", "--format", "json", "-o", "{side}"),
    ("graph", "--format", "graphml", "-o", "{link}"),
    ("export", "--force", "-o", "{cat}"),
    ("graph", "--force", "-o", "{side}"),
], ids=lambda c: " ".join(c))
def test_cli_outputs_never_replace_catalog_or_sidecar(enriched, tmp_path, cmd):
    side = sidecar_path(enriched)
    link = tmp_path / "link.xml"
    link.symlink_to(enriched)
    before = enriched.read_bytes(), side.read_bytes()
    args = [a.format(cat=enriched, side=side, link=link) for a in cmd]
    code, out, err = run(*args, "-c", enriched)
    assert code == 2, (code, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "refusing to overwrite" in lines[0], err
    assert (enriched.read_bytes(), side.read_bytes()) == before
    assert link.is_symlink()
    shown = [a.format(cat="catalog.yaml", side="catalog.enrichment.json", link="link.xml") for a in cmd]
    observe("outputs", f"`wsskg {' '.join(shown)}`" + (" (link.xml: a symlink to the catalog)" if "{link}" in cmd else ""),
            f"exit 2, \u201c{lines[0].split(': ', 2)[-1]}\u201d; catalog and sidecar byte-identical")


@pytest.mark.parametrize("cmd", [("export",), ("graph", "--format", "dot"), ("stats", "--plot")])
def test_cli_output_to_a_foreign_file_needs_force_then_repeats_freely(seed_catalog_file, tmp_path, cmd):
    out = tmp_path / ("p.png" if cmd[0] == "stats" else "README.md")
    out.write_bytes(b"hand written\n")
    base = list(cmd) if cmd[0] == "stats" else [*cmd, "-o"]
    code, _, err = run(*base, out, "-c", seed_catalog_file)
    assert code == 2 and "use --force" in err and len(err.strip().splitlines()) == 1, err
    assert out.read_bytes() == b"hand written\n"
    code, _, err = run(*base, out, "--force", "-c", seed_catalog_file)
    assert code == 0, err
    first = out.read_bytes()
    assert first != b"hand written\n"
    code, _, err = run(*base, out, "-c", seed_catalog_file)  # ours now: no --force needed
    assert code == 0, err
    observe("outputs", f"`wsskg {cmd[0]}` writing over a file wsskg did not write",
            "exit 2 and the file untouched; with --force replaced atomically; again without --force: allowed")


def test_export_to_new_file_is_atomic_and_recorded(seed_catalog_file, tmp_path):
    out = tmp_path / "list.md"
    code, _, err = run("export", "-o", out, "-c", seed_catalog_file)
    assert code == 0, err
    assert wrote_it(out)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    record = json.loads((Path(os.environ["WSSKG_CACHE_DIR"]) / "outputs.json").read_text())
    assert str(out.resolve()) in record


# -- item 2: a symlinked catalog stays a link; the real file changes; one lock per real file ------

@pytest.fixture
def linked(seed_catalog_file, tmp_path):
    """catalog.yaml kept in a dotfiles folder, linked from the working folder."""
    dot = tmp_path / "dotfiles"
    dot.mkdir()
    real = dot / "papers.yaml"
    seed_catalog_file.rename(real)
    work = tmp_path / "work"
    work.mkdir()
    link = work / "catalog.yaml"
    link.symlink_to(real)
    return link, real


def test_symlinked_catalog_is_changed_through_the_link(linked):
    from wsskg.store import editing, lock_path

    link, real = linked
    eid = load_catalog(link, use_index=False).entries[0].id
    code, _, err = run("read", eid, "-c", link)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert next(e for e in load_catalog(real, use_index=False).entries if e.id == eid).status == "read"
    with editing(link) as cat:  # the path enrich, add and import --merge write through
        cat.entries[1].abstract = "an abstract"
    assert link.is_symlink()
    assert sidecar_path(real).exists() and not sidecar_path(link).exists()
    assert load_catalog(link).entries[1].abstract == "an abstract"
    assert lock_path(link) == lock_path(real)
    observe("symlinks", "catalog.yaml is a symlink into another folder (dotfiles); `read`, then a save "
            "through `editing` (enrich/add/merge)", "the link stays a link; the real file changes; the sidecar is "
            "written beside the real file; both paths map to one lock")


def test_two_paths_to_one_catalog_share_one_lock(linked):
    import threading

    from wsskg.errors import CatalogError
    from wsskg.store import locked

    link, real = linked
    errors = []
    with locked(real):
        def other():
            try:
                with locked(link, timeout=0.3):
                    pass
            except CatalogError as e:
                errors.append(e)
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert errors and "gave up" in str(errors[0])
    observe("symlinks", "two paths to one catalog (the link and the real file) locked at once",
            "the second waits for the first (one lock keyed by the real path)")


# -- item 11: no lock file in the user's folder -------------------------------------------------------

def test_no_lock_file_is_left_beside_the_catalog(seed_catalog_file):
    eid = load_catalog(seed_catalog_file, use_index=False).entries[0].id
    assert run("read", eid, "-c", seed_catalog_file)[0] == 0
    assert run("export", "-o", seed_catalog_file.parent / "out.md", "-c", seed_catalog_file)[0] == 0
    assert sorted(p.name for p in seed_catalog_file.parent.iterdir()) == ["catalog.yaml", "out.md"]
    assert list((Path(os.environ["WSSKG_CACHE_DIR"]) / "locks").glob("*.lock"))
    observe("lock file", "`read` and `export -o` in the catalog's folder",
            "nothing but the catalog and the export is left there; the lock lives in the cache dir")


# -- item 3: hand edits, comments, layout and CRLF survive every write path ----------------------------

def hand_kept(path: Path, crlf: bool = True) -> list[str]:
    """Rewrite ``path`` as a person might keep it: PyYAML's layout (4-space indents), a comment
    before every entry and at the end, CRLF line ends. Returns the comment lines."""
    import re

    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, indent=4, width=100)
    comments = []

    def note(m):
        c = f"# my note {len(comments)}: keep this"
        comments.append(c)
        return f"{c}\n{m.group(0)}"

    text = "# my reading list, kept by hand\n" + re.sub(r"^- id: .*$", note, text, flags=re.M) + "# the end\n"
    comments += ["# my reading list, kept by hand", "# the end"]
    path.write_bytes(text.replace("\n", "\r\n" if crlf else "\n").encode("utf-8"))
    return comments


def changed_lines(before: bytes, after: bytes) -> list[str]:
    import difflib

    a, b = before.decode().splitlines(), after.decode().splitlines()
    return [ln for ln in difflib.unified_diff(a, b, lineterm="", n=0)
            if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


def test_status_change_in_a_hand_kept_crlf_file_changes_only_that_entry(seed_catalog_file):
    comments = hand_kept(seed_catalog_file)
    before = seed_catalog_file.read_bytes()
    eid = next(e.id for e in load_catalog(seed_catalog_file, use_index=False).entries if e.status == "unread")
    code, _, err = run("read", eid, "-c", seed_catalog_file)
    assert code == 0, err
    after = seed_catalog_file.read_bytes()
    diff = changed_lines(before, after)
    assert 1 <= len(diff) <= 3, diff  # status line (and a read_on line)
    assert all("status" in ln or "read_on" in ln for ln in diff), diff
    assert after.count(b"\r\n") == after.count(b"\n")  # still CRLF throughout
    text = after.decode()
    assert all(c in text for c in comments)
    assert next(e for e in load_catalog(seed_catalog_file, use_index=False).entries if e.id == eid).status == "read"
    observe("hand edits", "one status change (`read`) in a catalog kept by hand: PyYAML layout with 4-space "
            "indents, a comment before every entry, CRLF line ends",
            f"the diff is {len(diff)} line(s) of that entry; every comment kept; still CRLF")


def test_status_change_in_wsskg_layout_keeps_every_other_byte(seed_catalog_file):
    """In wsskg's own layout the new file is the old bytes around the edited block: a file with
    mixed line ends (CRLF in the head, LF below, a BOM) keeps each line's own end."""
    raw = seed_catalog_file.read_bytes()
    head, sep, body = raw.partition(b"\nentries:\n")
    mixed = b"\xef\xbb\xbf" + head.replace(b"\n", b"\r\n") + sep + body
    seed_catalog_file.write_bytes(mixed)
    eid = "dsrg-2018"
    code, _, err = run("read", eid, "-c", seed_catalog_file)
    assert code == 0, err
    after = seed_catalog_file.read_bytes()
    start = mixed.index(b"- id: " + eid.encode())
    end = mixed.index(b"\n- id: ", start + 1)
    assert after[:start] == mixed[:start]
    assert after[len(after) - (len(mixed) - end):] == mixed[end:]
    block = after[start:after.index(b"\n- id: ", start + 1)]
    assert b"  status: read\n" in block and b"\r" not in block  # the block's own line ends
    assert next(e for e in load_catalog(seed_catalog_file, use_index=False).entries if e.id == eid).status == "read"


def test_tag_in_a_hand_kept_crlf_file_changes_only_that_entry(seed_catalog_file):
    comments = hand_kept(seed_catalog_file)
    before = seed_catalog_file.read_bytes()
    eid = load_catalog(seed_catalog_file, use_index=False).entries[3].id
    code, _, err = run("tag", eid, "to-reread", "-c", seed_catalog_file)
    assert code == 0, err
    after = seed_catalog_file.read_bytes()
    diff = changed_lines(before, after)
    assert diff and not [ln for ln in diff if ln.startswith("-")] and len(diff) <= 3, diff
    assert after.count(b"\r\n") == after.count(b"\n") and all(c in after.decode() for c in comments)
    observe("hand edits", "`tag` on a hand-kept CRLF catalog with comments",
            f"{len(diff)} added line(s) in that entry; every comment kept; still CRLF")


def test_merge_into_a_commented_catalog_keeps_comments_and_other_entries(seed_catalog_file, tmp_path):
    comments = hand_kept(seed_catalog_file, crlf=False)
    before = seed_catalog_file.read_bytes()
    md = tmp_path / "more.md"
    md.write_text("# More\n## Brand new topic\n- [ ] A Completely New Paper About Ducks [[paper](https://example.org/ducks)]\n")
    code, _, err = run("import", md, "--merge", "-c", seed_catalog_file)
    assert code == 0, err
    after = seed_catalog_file.read_bytes()
    assert all(c in after.decode() for c in comments)
    removed = [ln for ln in changed_lines(before, after) if ln.startswith("-")]
    assert removed == [], removed  # only additions: every old line is still there
    assert any(e.title.startswith("A Completely New Paper") for e in load_catalog(seed_catalog_file).entries)
    observe("hand edits", "`import --merge` of a new list into a commented, hand-laid-out catalog",
            "only added lines in the diff; every comment and old line kept")


def test_editing_one_entry_of_a_hand_kept_file_touches_only_its_lines(seed_catalog_file):
    """``editing`` is what ``enrich`` and ``add`` write through."""
    from wsskg.catalog import Entry
    from wsskg.store import editing

    comments = hand_kept(seed_catalog_file)
    before = seed_catalog_file.read_bytes()
    with editing(seed_catalog_file) as cat:
        e = cat.entries[5]
        e.canonical_title, e.authors, e.citation_count = "Canonical Title", ["A. Author", "B. Author"], 12
        e.abstract = "goes to the sidecar"
        cat.entries.append(Entry(id="added-2024", title="Added Paper", topics=list(e.topics)))
    after = seed_catalog_file.read_bytes()
    assert all(c in after.decode() for c in comments)
    diff = changed_lines(before, after)
    assert not [ln for ln in diff if ln.startswith("-")], diff
    assert any("Canonical Title" in ln for ln in diff) and any("added-2024" in ln for ln in diff)
    assert len(diff) < 20, diff
    back = load_catalog(seed_catalog_file, use_index=False)
    assert back.entries[5].authors == ["A. Author", "B. Author"] and back.entries[-1].id == "added-2024"
    observe("hand edits", "enrichment of one entry and an added entry (the `editing` path of enrich and add) in a "
            "commented CRLF catalog", f"{len(diff)} added lines, none removed; every comment kept")


def test_enrich_keeps_comments_and_crlf(fake, tmp_path):
    path = make_catalog(tmp_path / "catalog.yaml", demo_entries())
    comments = hand_kept(path)
    code, _, err = run("enrich", "-c", path)
    assert code == 0, err
    after = path.read_bytes()
    assert after.count(b"\r\n") == after.count(b"\n")
    assert all(c in after.decode() for c in comments)
    assert any(e.arxiv_id for e in load_catalog(path).entries)
    observe("hand edits", "`wsskg enrich` (fake arXiv/S2 server) on a commented CRLF catalog",
            "exit 0; every comment kept; still CRLF")


# -- item 4: no terminal controls from any printed string -------------------------------------------

EVIL = "Evil \x1b[2J\x1b]0;owned\x07 \x9b31m \u202e end"
CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")


def test_terminal_controls_in_topics_list_title_and_every_title_never_reach_the_terminal(seed_catalog_file):
    from wsskg.catalog import Topic

    cat = load_catalog(seed_catalog_file, use_index=False)
    cat.title = "List " + EVIL
    for t in cat.topics:
        t.name = t.name + " " + EVIL
    evil_topic = Topic(path="Evil\x1b[31m topic\u202e", name="Evil\x1b[31m topic\u202e", level=2)
    cat.topics.append(evil_topic)
    read = [e for e in cat.entries if e.status == "read"]
    unread = [e for e in cat.entries if e.status == "unread"]
    for e in unread[:5] + read[:2]:
        e.title = e.title + " " + EVIL
        e.topics = e.topics + [evil_topic.path]
    for e in read[:3]:
        e.references = ["ext-1"]
    cat.external = {"ext-1": {"title": "Outside " + EVIL, "year": 2020, "authors": ["A " + EVIL]}}
    save_catalog(seed_catalog_file, cat)
    target = unread[0]
    commands = [["list"], ["list", "--json"], ["topics"], ["search", "evil"], ["show", target.id],
                ["show", target.id, "--json"], ["next"], ["stats"], ["discover"], ["check"],
                ["read", target.id], ["search", "Evil\x1b[2J"]]
    for args in commands:
        r = CliRunner().invoke(app, args + ["-c", str(seed_catalog_file)])
        assert "Traceback" not in r.stdout + r.stderr, args
        for c in CONTROLS:
            assert c not in r.stdout and c not in r.stderr, (args, c)
    out = CliRunner().invoke(app, ["stats", "-c", str(seed_catalog_file)]).stdout
    assert out.startswith("List Evil")  # the title is shown, neutralised, not dropped
    observe("terminal", "ESC/OSC/BEL/CSI (C1) and RTL-override in the list title, topic names, entry and "
            "outside-paper titles; list, topics, search, show, next, stats, discover, check, read (and --json)",
            "no control character reaches stdout or stderr (shown as U+FFFD; JSON escapes them)")


def test_json_output_keeps_the_text_exact_but_escaped(seed_catalog_file):
    cat = load_catalog(seed_catalog_file, use_index=False)
    cat.entries[0].title = EVIL
    save_catalog(seed_catalog_file, cat)
    out = CliRunner().invoke(app, ["show", cat.entries[0].id, "--json", "-c", str(seed_catalog_file)]).stdout
    assert json.loads(out)["title"] == EVIL


# -- item 5: a failed import --force keeps catalog and sidecar ---------------------------------------

def test_failed_import_force_keeps_catalog_and_sidecar(enriched, tmp_path, monkeypatch):
    import wsskg.store as store

    side = sidecar_path(enriched)
    before = enriched.read_bytes(), side.read_bytes()
    md = tmp_path / "new.md"
    md.write_text("# New\n## T\n- [ ] Some Paper [[paper](https://example.org/p)]\n")
    real_write = store.atomic_write

    def disk_full(path, data, durable=True, **kw):
        if Path(path).name.startswith("catalog"):
            raise OSError(28, "No space left on device", str(path))
        return real_write(path, data, durable, **kw)

    monkeypatch.setattr(store, "atomic_write", disk_full)
    code, _, err = run("import", md, "--force", "-c", enriched)
    assert code != 0 and "No space left" in err and len(err.strip().splitlines()) == 1, err
    assert (enriched.read_bytes(), side.read_bytes()) == before
    observe("sidecar", "`import --force` over an enriched catalog on a full disk (the catalog write fails)",
            f"exit {code}, one line (`No space left on device`); catalog and sidecar byte-identical")


# -- item 6: a hand-edited sidecar is validated like the catalog -------------------------------------

SIDECAR_CASES = [
    ("deep nesting", lambda eid: "{\"entries\": {\"%s\": {\"abstract\": %s}}}" % (eid, "[" * 100_000 + "]" * 100_000),
     "nests too deeply"),
    ("authors: 5", lambda eid: json.dumps({"entries": {eid: {"references": ["x1"]}},
                                           "external": {"x1": {"title": "T", "authors": 5}}}),
     "outside paper 'x1': authors"),
    ("references: 5", lambda eid: json.dumps({"entries": {eid: {"references": 5}}}), f"entry '{{eid}}': references"),
    ("abstract a list", lambda eid: json.dumps({"entries": {eid: {"abstract": ["a"]}}}), "abstract must be text"),
    ("entry not a mapping", lambda eid: json.dumps({"entries": {eid: 3}}), "expected a mapping"),
    ("top level a list", lambda eid: "[1, 2]", "must be a JSON object"),
    ("not JSON", lambda eid: "{oops", "not valid JSON"),
]


@pytest.mark.parametrize("name, make, needle", SIDECAR_CASES, ids=[c[0] for c in SIDECAR_CASES])
def test_hand_edited_sidecar_is_one_line_error_exit_2(seed_catalog_file, name, make, needle):
    eid = load_catalog(seed_catalog_file, use_index=False).entries[0].id
    side = sidecar_path(seed_catalog_file)
    side.write_text(make(eid), encoding="utf-8")
    before = seed_catalog_file.read_bytes(), side.read_bytes()
    for args in (["discover"], ["graph", "--format", "json", "-o", "-"], ["show", eid], ["export", "--format", "json"]):
        r = CliRunner().invoke(app, args + ["-c", str(seed_catalog_file)])
        assert r.exit_code == 2, (args, r.exit_code, r.stderr, r.exception)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and needle.replace("{eid}", eid) in lines[0] and "sidecar" in lines[0], (args, lines)
    assert (seed_catalog_file.read_bytes(), side.read_bytes()) == before
    observe("sidecar", f"hand-edited sidecar: {name}; discover, graph, show, export --format json",
            f"exit 2, \u201c{lines[0].split(': ', 2)[-1]}\u201d; files untouched")


# -- item 7: a read-only catalog is left alone --------------------------------------------------------

def test_read_only_catalog_is_not_written(seed_catalog_file, tmp_path):
    eid = load_catalog(seed_catalog_file, use_index=False).entries[0].id
    md = tmp_path / "more.md"
    md.write_text("# More\n## T\n- [ ] Another Paper [[paper](https://example.org/q)]\n")
    seed_catalog_file.chmod(0o444)
    before = seed_catalog_file.read_bytes()
    try:
        for args in (["read", eid], ["unread", eid], ["tag", eid, "x"], ["import", str(md), "--merge"],
                     ["import", str(md), "--force"], ["init", "--force"]):
            code, _, err = run(*args, "-c", seed_catalog_file)
            assert code == 2 and "read-only" in err and len(err.strip().splitlines()) == 1, (args, err)
            assert seed_catalog_file.read_bytes() == before
            assert seed_catalog_file.stat().st_mode & 0o777 == 0o444
        observe("permissions", "catalog made read-only (chmod 444, even as root); read, unread, tag, import --merge/--force, init --force",
                "exit 2, `is read-only; wsskg leaves it as it is`; file and mode unchanged")
    finally:
        seed_catalog_file.chmod(0o644)


# -- items 8 and 10: whole processes ------------------------------------------------------------------

def _big_catalog(tmp_path: Path, n: int = 2000) -> Path:
    import sys

    from conftest import REPO

    sys.path.insert(0, str(REPO / "benchmarks"))
    from synth import synthetic_catalog

    path = tmp_path / "big.yaml"
    save_catalog(path, synthetic_catalog(n))
    return path


@pytest.mark.slow
def test_list_into_head_exits_0_silently(tmp_path):
    import subprocess
    import sys

    path = _big_catalog(tmp_path)
    for _ in range(3):
        p = subprocess.Popen([sys.executable, "-m", "wsskg", "list", "-c", str(path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy())
        assert p.stdout.readline().startswith(b"ID")
        p.stdout.close()  # like `head -1`: the reader goes away
        err = p.stderr.read().decode()
        p.stderr.close()
        assert p.wait(timeout=60) == 0, err
        assert err == "", err
    observe("pipes", "`wsskg list | head -1` on a 2,000-entry catalog, 3 times", "exit 0, nothing on stderr")


@pytest.mark.slow
def test_waiting_for_a_stopped_lock_holder_says_whom_and_how_to_break_it(seed_catalog_file):
    import signal
    import subprocess
    import sys
    import time

    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom wsskg.store import locked\n"
         "with locked(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(60)\n", str(seed_catalog_file)],
        stdout=subprocess.PIPE, env=os.environ.copy())
    try:
        assert holder.stdout.readline() == b"held\n"
        os.kill(holder.pid, signal.SIGSTOP)
        eid = load_catalog(seed_catalog_file, use_index=False).entries[0].id
        env = dict(os.environ, WSSKG_LOCK_TIMEOUT="3")
        t0 = time.monotonic()
        r = subprocess.run([sys.executable, "-m", "wsskg", "read", eid, "-c", str(seed_catalog_file)],
                           capture_output=True, text=True, env=env, timeout=60)
        seconds = time.monotonic() - t0
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 2, lines  # the notice while waiting, then the error
        assert "waiting" in lines[0] and f"pid {holder.pid}" in lines[0] and "stopped" in lines[0]
        assert f"kill -CONT {holder.pid}" in lines[0] and f"kill {holder.pid}" in lines[0]
        assert "gave up after 3 s" in lines[1] and f"pid {holder.pid}" in lines[1]
        assert 2.5 < seconds < 20
        observe("lock", "the lock held by a stopped process (SIGSTOP); `read` with WSSKG_LOCK_TIMEOUT=3",
                f"says it waits for pid N (its command, since when, stopped) and how to end it (kill N / kill -CONT "
                f"N); exit 2 after {seconds:.1f} s naming the holder")
    finally:
        holder.kill()
        os.kill(holder.pid, signal.SIGCONT)
        holder.wait()
        holder.stdout.close()


# -- docs/robustness.md and the test command ------------------------------------------------------------

def test_robustness_doc_is_current():
    """docs/robustness.md names every robustness test, and only tests that exist (the numbers in
    it are refreshed by `python -m benchmarks.robustness`)."""
    import ast
    import re

    from conftest import REPO
    from robustness_report import MODULES

    doc = (REPO / "docs" / "robustness.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(test_\w+\.py::test_\w+)`", doc))
    tests = set()
    for module in MODULES:
        tree = ast.parse((REPO / "tests" / module).read_text(encoding="utf-8"))
        body = (REPO / "tests" / module).read_text(encoding="utf-8")
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                src = ast.get_source_segment(body, node) or ""
                if re.search(r"^\s*observe\(", src, re.M):  # a test that records a row
                    tests.add(f"{module}::{node.name}")
    assert named <= tests, f"docs/robustness.md names tests that do not exist: {sorted(named - tests)}"
    assert tests <= named, (f"run `python -m benchmarks.robustness`: docs/robustness.md lacks "
                            f"{sorted(tests - named)}")


def test_readme_and_ci_run_the_same_full_test_command():
    from conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    command = "pip install -e '.[test]' && python -m pytest -m \"slow or not slow\""
    assert command in readme and command in ci


@pytest.mark.parametrize("seed", range(12))
def test_random_edits_of_a_hand_kept_file_keep_every_comment(seed_catalog_file, seed):
    """Random mixes of what the write paths do (status changes, enrichment fields set and
    cleared, entries added anywhere and removed, a topic added) on a hand-kept file: the
    result reads back as the changed catalog and keeps every comment and CRLF."""
    import random

    from wsskg.catalog import Entry, Topic
    from wsskg.store import catalog_text

    rng = random.Random(seed)
    comments = hand_kept(seed_catalog_file, crlf=bool(seed % 2))
    raw = seed_catalog_file.read_bytes()
    cat = load_catalog(seed_catalog_file, use_index=False)
    before = cat.to_dict(bulky=False)
    for _ in range(rng.randint(1, 8)):
        e = rng.choice(cat.entries)
        what = rng.randrange(6)
        if what == 0:
            e.status = rng.choice(("read", "unread", "reading"))
            e.read_on = "2024-02-03" if e.status == "read" else None
        elif what == 1:
            e.authors, e.citation_count = [f"Author {rng.randrange(99)}", "B: C"], rng.randrange(1000)
        elif what == 2:
            e.venue, e.year = None, None
        elif what == 3:
            cat.entries.insert(rng.randrange(len(cat.entries) + 1),
                               Entry(id=f"new-{rng.randrange(10**6)}", title="New # not a comment", topics=list(e.topics)))
        elif what == 4 and len(cat.entries) > 5:
            cat.entries.remove(e)
        else:
            path = f"New topic {rng.randrange(99)}"
            if all(t.path != path for t in cat.topics):
                cat.topics.append(Topic(path=path, name=path))
    new = catalog_text(raw, before, cat, seed_catalog_file)
    text = new.decode("utf-8")
    from wsskg.store import parse_catalog

    assert parse_catalog(text.replace("\r\n", "\n")).to_dict(bulky=False) == cat.to_dict(bulky=False)
    assert all(c in text for c in comments), "a comment was lost (the file was re-rendered)"
    assert (text.count("\r\n") == text.count("\n")) == bool(seed % 2)
