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
