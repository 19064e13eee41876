"""Opening an index: the file's (built or brought up to date), one in memory of a catalog, and
recording a save into the file's."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from wsskg import files
from wsskg.catalog import Catalog
from wsskg.index.queries import CatalogIndex
from wsskg.index.schema import MEMORY_PATH, Progress, index_file, open_db, trusted_dir, trusted_file


# -- opening ---------------------------------------------------------------------------------------------

def record_save(path: Path, catalog: Catalog, raw: bytes, progress: Progress | None = None,
                create: bool = False, cache: Path | None = None, written: os.stat_result | None = None) -> None:
    """Index what ``wsskg.store`` just wrote, so the next query need not parse it: into the
    index that exists (``create``: or a new one; a library save that no query asked for leaves
    the cache alone). ``progress`` follows a build of every row; no-op when the cache cannot
    hold an index. ``written``: the stat of the file as written (see ``SyncedIndex.record_save``)."""
    f = index_file(path, cache)
    if not (create or f.exists()) or not (trusted_dir(f.parent) and trusted_file(f)):
        return
    try:
        idx = CatalogIndex(Path(path), open_db(f), f)
    except (sqlite3.Error, OSError):
        return
    try:
        with files.gc_paused():  # a million short-lived row objects, beside the whole catalog
            idx.record_save(catalog, raw, progress, written)
    except sqlite3.Error:
        pass  # the next use re-syncs from the files
    finally:
        idx.close()


def memory_index(catalog: Catalog) -> CatalogIndex:
    """An index in memory of ``catalog`` as it stands (no file, no cache written): how the
    function API (``wsskg.search_catalog(catalog, ...)`` and the like) asks the same queries of
    a catalog that is not, or not yet, a file. Close it when done."""
    idx = CatalogIndex(Path(MEMORY_PATH), open_db(None), None)
    idx.build_from(catalog)
    return idx


def open_index(path: Path, raw: bytes | None = None, progress: Progress | None = None,
               memory_ok: bool = True, stat_before: os.stat_result | None = None, create: bool = True,
               cache: Path | None = None) -> CatalogIndex | None:
    """The index of catalog ``path`` in ``cache`` (default: the user cache dir), brought up to
    date (built on first use; with ``create=False`` only an index that exists is used, else
    None).

    Falls back to an index in memory when the cache dir cannot be written or is not trusted
    (owned by someone else, writable by others): the command then works from catalog.yaml
    alone, at the cost of indexing it again."""
    path = Path(path)
    f = index_file(path, cache)
    if not create and not f.exists():
        return None
    conn = None
    if trusted_dir(f.parent) and trusted_file(f):
        for stale in f.parent.glob(f.stem + "*.pickle"):  # the pickles an older wsskg kept
            try:
                stale.unlink()
            except OSError:
                pass
        try:
            conn = open_db(f)
            try:
                os.chmod(f, 0o600)
            except OSError:
                pass
        except (sqlite3.Error, OSError):
            conn = None
    if conn is None and not memory_ok:
        return None
    idx = CatalogIndex(path, conn or open_db(None), f if conn else None)
    idx.progress = progress
    try:
        idx.sync(raw, progress, stat_before)
    except sqlite3.Error:
        idx.close()
        if idx.file is None or not memory_ok:
            if not memory_ok:
                return None
            raise
        idx = CatalogIndex(path, open_db(None), None)
        idx.progress = progress
        idx.sync(raw, progress)
    except BaseException:
        idx.close()
        raise
    return idx
