"""Where things live: the catalog file and the user cache dir. Paths are resolved here, once,
and passed explicitly everywhere else."""

from __future__ import annotations

import os
from pathlib import Path

CATALOG_ENV = "WSSKG_CATALOG"
CACHE_ENV = "WSSKG_CACHE_DIR"
DEFAULT_CATALOG_NAME = "catalog.yaml"


def cache_dir() -> Path:
    """The user cache dir: ``$WSSKG_CACHE_DIR`` first, then the platform's user cache dir."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("wsskg", appauthor=False))


def bundled_catalog() -> Path:
    """The default catalog shipped inside the package (built from the seed reading list)."""
    return Path(__file__).parent / "data" / DEFAULT_CATALOG_NAME


def find_catalog(explicit: str | os.PathLike | None = None) -> tuple[Path, bool]:
    """Resolve the catalog: ``--catalog``, then ``$WSSKG_CATALOG``, then ``./catalog.yaml``.

    Returns ``(path, exists)``. The caller decides what to do when it does not exist
    (read-only commands fall back to :func:`bundled_catalog`).
    """
    if explicit:
        p = Path(explicit).expanduser()
    elif os.environ.get(CATALOG_ENV):
        p = Path(os.environ[CATALOG_ENV]).expanduser()
    else:
        p = Path.cwd() / DEFAULT_CATALOG_NAME
    return p, p.exists()


LOCK_TIMEOUT_ENV = "WSSKG_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 60.0


def lock_timeout() -> float:
    """Seconds a writer waits for the catalog lock: ``$WSSKG_LOCK_TIMEOUT``, else 60."""
    try:
        return max(0.0, float(os.environ.get(LOCK_TIMEOUT_ENV, DEFAULT_LOCK_TIMEOUT)))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT
