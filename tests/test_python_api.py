"""The public Python API (``wsskg.__all__``) and its page, ``docs/python-api.md``."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys

import pytest

import wsskg
from conftest import REPO

DOC = REPO / "docs" / "python-api.md"
#: every ```python block of the page: each runs as a test
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_every_public_name_resolves():
    for name in wsskg.__all__:
        assert getattr(wsskg, name) is not None, name
    # a function exported under a module's name would be replaced by the module on import
    importlib.import_module("wsskg.search")
    assert callable(wsskg.search_catalog) and not hasattr(wsskg.search_catalog, "__path__")


def test_import_wsskg_loads_no_heavy_dependency():
    code = ("import sys, wsskg; print(sorted(m for m in ('networkx', 'typer', 'arxiv', 'semanticscholar', "
            "'wsskg.store') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_is_documented():
    page = DOC.read_text(encoding="utf-8")
    missing = [n for n in wsskg.__all__ if n != "__version__" and f"`{n}(" not in page and f"`{n}`" not in page]
    assert not missing, f"docs/python-api.md does not mention {missing}"


@pytest.mark.parametrize("block", range(len(BLOCKS)))
def test_the_documented_sessions_run(tmp_path, monkeypatch, block):
    monkeypatch.chdir(tmp_path)
    exec(compile(BLOCKS[block], str(DOC), "exec"), {})
    assert (tmp_path / "catalog.yaml").exists()


def test_the_page_has_its_sessions():
    assert len(BLOCKS) >= 2 and "wsskg.open(" in BLOCKS[0]


def test_library_calls_leave_the_process_and_the_cache_alone(tmp_path, monkeypatch):
    """No gc.freeze (a caller's cycles would never be collected afterwards), the collector as it
    was, and no index in the cache dir until a query asks for one; then where the caller says."""
    cache = tmp_path / "cache"
    mine = tmp_path / "elsewhere"
    code = f"""
import gc, shutil, sys
from pathlib import Path
import wsskg
path = Path({str(tmp_path / 'catalog.yaml')!r})
shutil.copy({str(REPO / 'catalog.yaml')!r}, path)
catalog = wsskg.load_catalog(path)
wsskg.save_catalog(path, catalog)
wsskg.set_status(path, ["dsrg-2018"], "read")
assert wsskg.search_catalog(catalog, "affinity")
print(gc.get_freeze_count(), gc.isenabled(), sorted(p.name for p in Path({str(cache)!r}).rglob('*.sqlite')))
with wsskg.open(path, cache={str(mine)!r}) as lib:
    assert lib.search("affinity")
print(len(list(Path({str(mine)!r}).rglob('*.sqlite'))), len(list(Path({str(cache)!r}).rglob('*.sqlite'))))
"""
    env = dict(__import__("os").environ, WSSKG_CACHE_DIR=str(cache))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    first, second = out.stdout.splitlines()
    assert first == "0 True []"
    assert second == "1 0"  # the library's index went where it was told, not into the cache dir
