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
