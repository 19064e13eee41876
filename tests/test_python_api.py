"""The public Python API (``wsskg.__all__``) and its page, ``docs/python-api.md``."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys

import wsskg
from conftest import REPO

DOC = REPO / "docs" / "python-api.md"


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


def test_the_documented_session_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)
    exec(compile(code, str(DOC), "exec"), {})
    assert (tmp_path / "catalog.yaml").exists()
