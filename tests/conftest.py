"""Shared fixtures. Every test runs with its own cache dir and no ambient catalog, so the
suite never touches the user's home or a catalog.yaml in the working directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SHARED = REPO.parent / "shared"
SEED = DATA / "reading-list.md"


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory, monkeypatch):
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("WSSKG_CACHE_DIR", str(cache))
    monkeypatch.delenv("WSSKG_CATALOG", raising=False)
    monkeypatch.delenv("S2_API_KEY", raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_COLOR", "1")
    work = tmp_path_factory.mktemp("cwd")
    monkeypatch.chdir(work)
    yield


@pytest.fixture
def shared_dir() -> Path:
    """``../shared`` beside the repo (peer lists, API samples); skips when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside this checkout (peer lists and API samples are not committed)")
    return SHARED


@pytest.fixture
def peer_lists(shared_dir) -> list[Path]:
    d = shared_dir / "peer-lists"
    files = sorted(d.glob("*.md")) if d.is_dir() else []
    if not files:
        pytest.skip("../shared/peer-lists has no Markdown lists")
    return files


@pytest.fixture
def api_samples(shared_dir) -> Path:
    d = shared_dir / "api-samples"
    if not d.is_dir():
        pytest.skip("../shared/api-samples is absent")
    return d


@pytest.fixture
def seed_catalog_file(tmp_path) -> Path:
    """A writable copy of the committed default catalog."""
    dst = tmp_path / "catalog.yaml"
    shutil.copy(REPO / "catalog.yaml", dst)
    return dst
