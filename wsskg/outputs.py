"""Writing the files an ``-o``/``--output``/``--plot`` option names: safely, in one place.

Every output file goes through :func:`write_output`, which

* never writes over the catalog or its sidecar (paths compared after resolving symlinks, and
  by inode when the file exists, so a hard link or a differently spelled path is caught too),
  with or without ``--force``;
* never replaces a read-only file (its mode is the user's decision);
* replaces an existing file only when wsskg wrote it and it has not changed since, or when the
  caller passes ``force`` (the ``--force`` option). "wsskg wrote it" is a record in the cache
  dir (``outputs.json``: resolved path -> SHA-256 of the bytes written), so re-exporting to the
  same README works without ``--force`` while a hand-written README, or one edited after the
  last export, is refused;
* writes atomically (temp file in the real target's folder, fsync, rename): a symlinked output
  keeps its link and the file it points at gets the new content, and a crash leaves the old or
  the new file, never half of one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator

from wsskg.config import cache_dir
from wsskg.errors import OutputRefused

# hashlib and json are imported where they are used: every wsskg command imports this module
# (for FORCE_HELP), and most write no file.

#: The record of written outputs in the cache dir, and how many paths it remembers.
RECORD_NAME = "outputs.json"
MAX_RECORDS = 2000

FORCE_HELP = ("Replace FILE even if wsskg did not write it (or it was edited since). The catalog and "
              "its sidecar are never overwritten.")


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _record_file() -> Path:
    return cache_dir() / RECORD_NAME


def _read_records() -> dict:
    import json

    try:
        data = json.loads(_record_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _remember(target: Path, digest: str) -> None:
    """Note that wsskg wrote bytes of SHA-256 ``digest`` to ``target`` (best effort: a cache dir
    that cannot be written only means the next overwrite asks for ``--force``)."""
    import json

    from wsskg.files import atomic_write

    try:
        from filelock import FileLock, Timeout

        record = _record_file()
        record.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(record) + ".lock", timeout=10):
            records = _read_records()
            records.pop(str(target), None)
            records[str(target)] = digest  # dicts keep insertion order: newest last
            while len(records) > MAX_RECORDS:
                records.pop(next(iter(records)))
            atomic_write(record, json.dumps(records, indent=0).encode("utf-8"), durable=False)
    except (OSError, Timeout):
        pass


def wrote_it(path: Path) -> bool:
    """Did wsskg write ``path`` (resolved) with exactly its current content?"""
    target = Path(path).resolve()
    digest = _read_records().get(str(target))
    if not digest:
        return False
    try:
        return _digest(target.read_bytes()) == digest
    except OSError:
        return False


def read_only(path: Path) -> bool:
    """Is ``path`` read-only, by its mode (``chmod 444``: no write bit for anyone, which even root
    is held to here) or for this user?"""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not mode & 0o222 or not os.access(path, os.W_OK)


def same_file(a: Path, b: Path) -> bool:
    """Are ``a`` and ``b`` one file (symlinks resolved; hard links and case-insensitive file
    systems caught by comparing inodes when both exist)?"""
    a, b = Path(a), Path(b)
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_output(path: Path, protect: Iterable[Path] = (), force: bool = False, data: bytes | None = None) -> Path:
    """The real file to write for ``path``, or :class:`OutputRefused` saying why not.

    ``protect``: files never to overwrite (the catalog, its sidecar). ``data``: when given and
    the existing file already holds exactly these bytes, replacing it changes nothing and is
    allowed."""
    path = Path(path)
    target = path.resolve()
    for p in protect:
        if p is not None and same_file(path, p):
            raise OutputRefused(f"{path}: refusing to overwrite {Path(p).name} (it is the catalog's own data); "
                                "choose another output file")
    if target.is_dir():
        raise OutputRefused(f"cannot write {path}: it is a directory; name a file")
    if not target.exists():
        return target
    if read_only(target):
        raise OutputRefused(f"{path}: is read-only; not replaced (make it writable first)")
    if force or wrote_it(target):
        return target
    if data is not None:
        try:
            if target.read_bytes() == data:
                return target
        except OSError:
            pass
    raise OutputRefused(f"{path}: exists and was not written by wsskg (or was edited since); "
                        "use --force to replace it")


def write_output(path: Path, data: bytes | Iterable[bytes], protect: Iterable[Path] = (), force: bool = False) -> Path:
    """Write ``data`` to the output file ``path`` atomically, after :func:`check_output`.
    ``data`` may be pieces of bytes, written as they come (a graph of 100,000 papers is
    hundreds of megabytes of text: never held whole). Returns the real file written (symlinks
    resolved) and records it as written by wsskg."""
    import hashlib

    from wsskg.files import atomic_write

    if isinstance(data, (bytes, bytearray, memoryview)):
        target = check_output(path, protect=protect, force=force, data=data)
        atomic_write(target, data)
        _remember(target, _digest(data))
        return target
    target = check_output(path, protect=protect, force=force)
    h = hashlib.sha256()

    def hashed() -> Iterator[bytes]:
        for piece in data:
            h.update(piece)
            yield piece

    atomic_write(target, hashed())
    _remember(target, h.hexdigest())
    return target


def catalog_files(catalog_path: Path | None) -> list[Path]:
    """The files an output must never replace for the catalog at ``catalog_path``: the catalog
    and its sidecar, both beside the path as given and beside the real file it resolves to."""
    if catalog_path is None:
        return []
    from wsskg.files import sidecar_path

    p = Path(catalog_path)
    real = p.resolve()
    return [p, sidecar_path(p), real, sidecar_path(real)]


__all__ = ["FORCE_HELP", "catalog_files", "check_output", "read_only", "same_file", "write_output", "wrote_it"]
