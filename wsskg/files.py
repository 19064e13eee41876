"""The user's files at the lowest level: where the sidecar is, reading bytes and text with a
one-line error, replacing a file atomically, parsing catalog.yaml and the sidecar with their
checks, and pausing the garbage collector around work that makes many objects.

Both :mod:`wsskg.store` (the catalog file and its saves) and :mod:`wsskg.index` (the derived
SQLite rows) stand on this module; it imports neither.
"""

from __future__ import annotations

import gc
import json
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

from wsskg import catalog as cat_mod
from wsskg.catalog import Catalog
from wsskg.errors import CatalogError

SIDECAR_SUFFIX = ".enrichment.json"


def sidecar_path(path: Path) -> Path:
    """Where the sidecar of catalog ``path`` is written (beside it: ``catalog.enrichment.json``)."""
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def real_path(path: Path) -> Path:
    """The file a catalog path names, symlinks followed (it need not exist yet)."""
    return Path(path).expanduser().resolve()


def sidecar_of(path: Path) -> Path:
    """The sidecar to read: beside the real catalog file; one that an older wsskg left beside a
    symlink to the catalog is still read until the next save writes the real one."""
    real = sidecar_path(real_path(path))
    if not real.exists():
        beside_link = sidecar_path(Path(path))
        if beside_link.exists():
            return beside_link
    return real


def same_file_state(a: os.stat_result | None, b: os.stat_result | None) -> bool:
    """Whether two stats are of one file in one state: inode, size and modification time (no
    write keeps all three; a rename keeps them)."""
    return a is not None and b is not None and (a.st_ino, a.st_size, a.st_mtime_ns) == (b.st_ino, b.st_size, b.st_mtime_ns)


def atomic_write(path: Path, data: bytes | Iterable, durable: bool = True,
                 unchanged_since: os.stat_result | None = None) -> os.stat_result:
    """Replace ``path`` with ``data`` (bytes, or bytes-like pieces written one after the other,
    as a generator makes them) so that readers see the old or the new file, never a mix (a
    generator that fails half-way leaves the old file). Returns the new file's stat, taken
    before it replaced the old (so a caller can tell later whether the file is still this one).

    ``unchanged_since``: the stat of ``path`` taken before the caller read it; when the file is
    no longer in that state right before the replace (a hand edit, another program), nothing
    is replaced and :class:`CatalogError` says so (compare before replace).
    ``durable=False`` skips the fsyncs (for derived files such as the index, which a crash may
    lose but never leaves half-written under the name). A symlink is followed: the file it
    points at is replaced and the link stays a link."""
    path = Path(path)
    if path.is_symlink():
        path = real_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            for piece in (data,) if isinstance(data, (bytes, bytearray, memoryview)) else data:
                f.write(piece)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
        written = os.stat(tmp)
        if unchanged_since is not None:
            try:
                now = os.stat(path)
            except FileNotFoundError:
                now = None
            if not same_file_state(now, unchanged_since):
                raise CatalogError("changed on disk since wsskg read it (another program or a hand edit); not "
                                   "saved, so that change is kept: run the command again", path=path)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if not durable:
        return written
    try:
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
    return written



# -- reading ------------------------------------------------------------------------------------------

def read_bytes(path: Path) -> bytes:
    """The bytes of catalog ``path``, or a one-line :class:`CatalogError` saying why not."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CatalogError("file not found (run `wsskg init` to create one)", path=path) from None
    except IsADirectoryError:
        raise CatalogError("is a directory, not a catalog file", path=path) from None
    except OSError as e:
        raise CatalogError(f"cannot read: {e.strerror}", path=path) from None


def decode(raw: bytes, path: Path) -> str:
    """catalog.yaml's text (a BOM dropped), or an error naming the line of the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise CatalogError(f"not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start})", path=path, line=line) from None


def parse_catalog(text: str, path: object = "catalog.yaml", progress: Callable[[int, int], None] | None = None) -> Catalog:
    """Parse and validate catalog text (no index, no sidecar). ``progress(done, total)``
    hears of the entries parsed, then of those validated: ``total`` is twice the entries."""
    from wsskg.yamlio import load_catalog_yaml  # (PyYAML: only when a file is parsed, not for every query)

    parsed = validated = None
    if progress is not None:
        parsed = (lambda done, n: progress(done, 2 * n))
        validated = (lambda done, n: progress(n + done, 2 * n))
    data = load_catalog_yaml(text, path, parsed)
    lines: dict[str, list[int]] = {}
    asked: dict[str, int] = {}

    def line_of(entry_id: str) -> int | None:
        # ``from_dict`` asks for each entry's line once, in order; one scan of the text answers
        # them all (a search per entry was quadratic: 170 s for 10,000 entries). The n-th
        # question about an id gets its n-th ``- id:`` line, so a duplicate id is reported
        # where the duplicate is.
        if not lines:
            lines[""] = []
            _entry_lines(text, lines)
        found = lines.get(entry_id)
        if not found:
            return None
        n = asked.get(entry_id, 0)
        asked[entry_id] = n + 1
        return found[min(n, len(found) - 1)]

    return cat_mod.from_dict(data, path=path, line_of=line_of, progress=validated)


def _entry_lines(text: str, out: dict[str, list[int]]) -> None:
    """``out[id]``: the line numbers of the ``- id: ...`` lines of ``text``, in order."""
    line = 1
    pos = 0
    for m in re.finditer(r"^- id: [\"']?([^\"'\n]*?)[\"']?[ \t]*$", text, re.M):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        out.setdefault(m.group(1), []).append(line)


#: What an outside paper's record in the sidecar may hold (``external``: S2 id -> record).
EXTERNAL_FIELDS: dict[str, tuple[type, ...]] = {
    "title": (str,), "year": (int,), "venue": (str,), "authors": (list,), "arxiv_id": (str,),
    "doi": (str,), "citation_count": (int,), "url": (str,), "abstract": (str,), "venue_names": (list,),
}
_SIDECAR_HINT = "fix it by hand, or delete the sidecar and run `wsskg enrich` to rebuild it"


def _type_name(v: object) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(v), type(v).__name__)


def _id_list(value: object, what: str, where: str, path: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in value):
        raise CatalogError(f"sidecar {where}: {what} must be a list of paper ids, got {_type_name(value)}"
                           f"{'' if not isinstance(value, list) else ' with other things in it'}; {_SIDECAR_HINT}", path=path)
    return [str(x) for x in value]


def _check_external(sid: str, meta: object, path: Path) -> dict:
    where = f"outside paper {sid!r}"
    if not isinstance(meta, dict):
        raise CatalogError(f"sidecar {where}: expected a mapping, got {_type_name(meta)}; {_SIDECAR_HINT}", path=path)
    for key, value in meta.items():
        want = EXTERNAL_FIELDS.get(key)
        if value is None:
            continue
        if want is None:
            ok = isinstance(value, (str, int, float, bool))
        elif list in want:
            ok = isinstance(value, list) and all(isinstance(x, str) for x in value)
        else:
            ok = isinstance(value, want) and not (isinstance(value, bool) and bool not in want)
        if not ok:
            expected = "a list of names" if want and list in want else (
                "a number" if want and int in want else "text" if want else "text or a number")
            raise CatalogError(f"sidecar {where}: {key} must be {expected}, got {_type_name(value)}; {_SIDECAR_HINT}",
                               path=path)
    return meta


def parse_sidecar(side: bytes, path: Path) -> dict:
    """The sidecar's content, checked like the catalog (a hand edit gets a one-line error that
    names the entry): ``{"entries": {id: (abstract, references, cited_by)}, "external": {s2_id:
    meta}}`` (what the sidecar index stores)."""
    try:
        data = json.loads(side)
    except RecursionError:
        raise CatalogError(f"sidecar nests too deeply to be wsskg's; {_SIDECAR_HINT}", path=path) from None
    except ValueError as e:
        where = f" (line {e.lineno})" if hasattr(e, "lineno") else ""
        raise CatalogError(f"sidecar is not valid JSON{where}; {_SIDECAR_HINT}", path=path) from None
    if not isinstance(data, dict):
        raise CatalogError(f"sidecar must be a JSON object, got {_type_name(data)}; {_SIDECAR_HINT}", path=path)
    bulky = data.get("entries") or {}
    if not isinstance(bulky, dict):
        raise CatalogError(f"sidecar: entries must be a mapping of entry ids, got {_type_name(bulky)}; {_SIDECAR_HINT}",
                           path=path)
    entries: dict[str, tuple] = {}
    for eid, extra in bulky.items():
        where = f"entry {eid!r}"
        if not isinstance(extra, dict):
            raise CatalogError(f"sidecar {where}: expected a mapping, got {_type_name(extra)}; {_SIDECAR_HINT}", path=path)
        abstract = extra.get("abstract")
        if abstract is not None and not isinstance(abstract, str):
            raise CatalogError(f"sidecar {where}: abstract must be text, got {_type_name(abstract)}; {_SIDECAR_HINT}",
                               path=path)
        refs = _id_list(extra["references"], "references", where, path) if extra.get("references") is not None else None
        cited = _id_list(extra["cited_by"], "cited_by", where, path) if extra.get("cited_by") is not None else None
        entries[eid] = (abstract, refs, cited)
    external = data.get("external") or {}
    if not isinstance(external, dict):
        raise CatalogError(f"sidecar: external must be a mapping of paper ids, got {_type_name(external)}; "
                           f"{_SIDECAR_HINT}", path=path)
    external = {str(k): _check_external(str(k), v, path) for k, v in external.items()}
    return {"entries": entries, "external": external}


def read_sidecar(side_path: Path) -> bytes | None:
    """The sidecar's bytes; None when there is none."""
    try:
        return side_path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise CatalogError(f"cannot read the sidecar: {e.strerror}", path=side_path) from None


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector around work that makes hundreds of thousands of
    objects (loading a catalog, an index build): rescanning them again and again costs more
    than the work itself. Catalog objects hold no reference cycles, so reference counting
    still frees what becomes garbage. Restores the collector as it was; changes nothing else
    in the process (the CLI, whose process it is, moves a loaded catalog to the collector's
    permanent generation itself: ``wsskg.cli.app.read_catalog``)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
