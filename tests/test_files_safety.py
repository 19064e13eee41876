"""The user's files are sacred: outputs (``-o``), the catalog, its sidecar, symlinks, comments,
permissions. Each test here once failed on a wsskg that lost or leaked a file (issue 12)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

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


def test_write_output_respects_read_only_files(tmp_path):
    out = tmp_path / "out.md"
    write_output(out, b"one")
    out.chmod(0o444)
    try:
        with pytest.raises(OutputRefused, match="read-only"):
            write_output(out, b"two", force=True)
        assert out.read_bytes() == b"one"
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


def test_export_to_new_file_is_atomic_and_recorded(seed_catalog_file, tmp_path):
    out = tmp_path / "list.md"
    code, _, err = run("export", "-o", out, "-c", seed_catalog_file)
    assert code == 0, err
    assert wrote_it(out)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    record = json.loads((Path(os.environ["WSSKG_CACHE_DIR"]) / "outputs.json").read_text())
    assert str(out.resolve()) in record
