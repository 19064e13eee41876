"""No write lost (issue 22): a save that would leave a catalog no command can load is refused
before anything is replaced."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from conftest import REPO
from wsskg.catalog import Entry
from wsskg.cli import app
from wsskg.errors import CatalogError
from wsskg.store import load_catalog, save_catalog

runner = CliRunner()
#: a title with a lone surrogate: JSON can carry it, YAML cannot
BAD = json.dumps([{"id": "a", "type": "article", "title": "bad \ud800"}])


@pytest.mark.parametrize("merge", [True, False])
def test_an_import_that_would_not_load_leaves_the_catalog_as_it_was(tmp_path, merge):
    path = tmp_path / "catalog.yaml"
    src = tmp_path / "s.json"
    src.write_text(BAD, encoding="utf-8")
    if merge:
        shutil.copy(REPO / "catalog.yaml", path)
    before = path.read_bytes() if merge else None
    r = runner.invoke(app, ["import", str(src), *(["--merge"] if merge else []), "-c", str(path)])
    assert r.exit_code == 2 and "not saved" in r.stderr and r.stderr.count("\n") == 1, r.output
    if merge:
        assert path.read_bytes() == before
        assert runner.invoke(app, ["list", "-c", str(path)]).exit_code == 0
    else:
        assert not path.exists()


def test_a_library_save_is_checked_too(tmp_path):
    path = tmp_path / "catalog.yaml"
    shutil.copy(REPO / "catalog.yaml", path)
    before = path.read_bytes()
    catalog = load_catalog(path)
    catalog.entries[3].title = "surrogate \udc00 here"  # an edit of an existing entry
    with pytest.raises(CatalogError, match="not saved"):
        save_catalog(path, catalog)
    catalog = load_catalog(path)
    catalog.entries.append(Entry(id="new-one", title="x \ud83d"))  # a new entry
    with pytest.raises(CatalogError, match="new-one"):
        save_catalog(path, catalog)
    assert path.read_bytes() == before
    fresh = tmp_path / "fresh.yaml"
    with pytest.raises(CatalogError, match="would not load"):
        save_catalog(fresh, catalog)
    assert not fresh.exists()


# -- item 3: compare before replace; the index records no stat it did not read ----------------------

def _hand_edit(path, old: str, new: str) -> None:
    """What an editor does: rewrite the file in place, with a new modification time."""
    import os

    text = path.read_text(encoding="utf-8")
    assert old in text
    st = path.stat()
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def test_a_hand_edit_while_a_command_works_is_kept(tmp_path):
    from wsskg.store import editing

    path = tmp_path / "catalog.yaml"
    shutil.copy(REPO / "catalog.yaml", path)
    with pytest.raises(CatalogError, match="changed on disk"):
        with editing(path) as catalog:
            catalog.entries[0].status = "reading"
            _hand_edit(path, "Weakly- and Semi-Supervised Panoptic", "Hand-Edited Panoptic")
    assert "Hand-Edited Panoptic" in path.read_text(encoding="utf-8")
    assert "Hand-Edited Panoptic" in load_catalog(path).entries[-1].title


def test_a_hand_edit_just_after_a_save_is_not_undone_by_the_next(tmp_path, monkeypatch):
    """The index used to record the file's stat after the write: an edit in between looked like
    wsskg's own bytes, and the next status change rewrote the entry from the stale rows."""
    import wsskg.store as store
    from wsskg.store import set_status

    path = tmp_path / "catalog.yaml"
    shutil.copy(REPO / "catalog.yaml", path)
    assert runner.invoke(app, ["topics", "-c", str(path)]).exit_code == 0  # the index exists
    real_write = store.atomic_write

    def then_edited(target, data, *a, **kw):
        st = real_write(target, data, *a, **kw)
        _hand_edit(path, "Weakly- and Semi-Supervised Panoptic", "Hand-Edited Panoptic")
        return st

    with monkeypatch.context() as m:
        m.setattr(store, "atomic_write", then_edited)
        set_status(path, ["dsrg-2018"], "read")
    set_status(path, ["weakly-semi-supervised-2018"], "read")
    text = path.read_text(encoding="utf-8")
    assert "Hand-Edited Panoptic" in text
    r = runner.invoke(app, ["show", "weakly-semi-supervised-2018", "--json", "-c", str(path)])
    assert json.loads(r.stdout)["title"].startswith("Hand-Edited Panoptic")


# -- item 8: import never reads the catalog (or its sidecar) as its input ---------------------------

@pytest.mark.parametrize("force", [True, False])
def test_import_refuses_the_catalog_itself(tmp_path, force):
    path = tmp_path / "catalog.yaml"
    shutil.copy(REPO / "catalog.yaml", path)
    before = path.read_bytes()
    for src in (path, tmp_path / "." / "catalog.yaml"):
        r = runner.invoke(app, ["import", str(src), "--force" if force else "--merge", "-c", str(path)])
        assert r.exit_code != 0 and "is this catalog" in r.stderr and r.stderr.count("\n") == 1, r.output
    assert path.read_bytes() == before
