"""Reading and writing catalog files safely and fast.

* Writes are atomic (temp file in the same folder, fsync, rename) and serialised by a file
  lock next to the catalog (``catalog.yaml.lock``), so concurrent ``wsskg read`` processes
  never lose each other's changes and a crash leaves the old or the new file, never half.
* Bulky enrichment fields (abstracts, reference lists) live in a sidecar JSON file next to the
  catalog (``catalog.enrichment.json``), so catalog.yaml stays readable and diffs stay small.
* Parsing YAML costs seconds at 10,000 papers, so loading goes through the derived SQLite
  index of ``wsskg.index`` (cache dir), brought up to date entry by entry from the bytes of
  catalog.yaml and the sidecar before each use; it is never the source of truth.
* A status change edits only that entry's lines in the text (checked by parsing the edited
  block), falling back to a full rewrite when the file is not in the layout wsskg writes.
"""

from __future__ import annotations

import datetime as _dt
import gc
import hashlib
import json
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from wsskg import catalog as cat_mod
from wsskg.catalog import BULKY_FIELDS, Catalog, Entry
from wsskg.config import cache_dir
from wsskg.errors import CatalogError
from wsskg.yamlio import dump_yaml, load_catalog_yaml, load_yaml, quote

HEADER = "wsskg catalog: your reading list. Edit freely; `wsskg check` validates it."
SIDECAR_SUFFIX = ".enrichment.json"
LOCK_TIMEOUT = 60.0


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.stem + SIDECAR_SUFFIX)


@contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the catalog's write lock (a ``.lock`` file beside it)."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(path) + ".lock", timeout=timeout)
    try:
        with lock:
            yield
    except Timeout:
        raise CatalogError(f"another wsskg process holds the lock {path}.lock (waited {timeout:.0f} s)", path=path) from None


def atomic_write(path: Path, data: bytes, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never a mix.

    ``durable=False`` skips the fsyncs (for derived files such as the index, which a crash may
    lose but never leaves half-written under the name)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if not durable:
        return
    try:
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


# -- loading -------------------------------------------------------------------------------------

def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CatalogError("file not found (run `wsskg init` to create one)", path=path) from None
    except IsADirectoryError:
        raise CatalogError("is a directory, not a catalog file", path=path) from None
    except OSError as e:
        raise CatalogError(f"cannot read: {e.strerror}", path=path) from None


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise CatalogError(f"not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start})", path=path, line=line) from None


def parse_catalog(text: str, path: object = "catalog.yaml") -> Catalog:
    """Parse and validate catalog text (no index, no sidecar)."""
    data = load_catalog_yaml(text, path)
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

    return cat_mod.from_dict(data, path=path, line_of=line_of)


def _entry_lines(text: str, out: dict[str, list[int]]) -> None:
    """``out[id]``: the line numbers of the ``- id: ...`` lines of ``text``, in order."""
    line = 1
    pos = 0
    for m in re.finditer(r"^- id: [\"']?([^\"'\n]*?)[\"']?[ \t]*$", text, re.M):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        out.setdefault(m.group(1), []).append(line)


def _parse_sidecar(side: bytes, path: Path) -> dict:
    """The sidecar's content, checked: ``{"entries": {id: (abstract, references, cited_by)},
    "external": {s2_id: meta}}`` (what the sidecar index stores)."""
    try:
        data = json.loads(side)
        bulky = data.get("entries", {})
    except (ValueError, AttributeError):
        raise CatalogError("sidecar is not valid JSON; delete it and run `wsskg enrich` to rebuild", path=path) from None
    entries: dict[str, tuple] = {}
    for eid, extra in (bulky.items() if isinstance(bulky, dict) else ()):
        if not isinstance(extra, dict):
            continue
        abstract = extra.get("abstract") if isinstance(extra.get("abstract"), str) else None
        refs = [str(r) for r in extra["references"]] if isinstance(extra.get("references"), list) else None
        cited = [str(r) for r in extra["cited_by"]] if isinstance(extra.get("cited_by"), list) else None
        entries[eid] = (abstract, refs, cited)
    external = data.get("external", {})
    external = {str(k): v for k, v in external.items() if isinstance(v, dict)} if isinstance(external, dict) else {}
    return {"entries": entries, "external": external}


def _attach(catalog: Catalog, bulky: dict) -> None:
    extra = bulky["entries"]
    for e in catalog.entries:
        found = extra.get(e.id)
        if found is None:
            continue
        abstract, refs, cited = found
        if abstract is not None:
            e.abstract = abstract
        if refs is not None:
            e.references = list(refs)
        if cited is not None:
            e.cited_by = list(cited)
    if bulky["external"]:
        catalog.external = dict(bulky["external"])


def _apply_sidecar(catalog: Catalog, side: bytes | None, path: Path) -> None:
    if side is not None:
        _attach(catalog, _parse_sidecar(side, path))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Loading builds hundreds of thousands of objects that all stay alive; letting the cyclic
    garbage collector rescan them again and again costs more than the parse itself. After a
    successful load they are moved to the collector's permanent generation (``gc.freeze``):
    otherwise the first collection after loading walks all of them (0.1 s at 10,000 papers)
    and later ones do it again. Catalog objects hold no reference cycles, so reference
    counting still frees them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()


def load_catalog(path: Path, use_index: bool = True, bulky: bool = True) -> Catalog:
    """Load a catalog file (and its sidecar), through the derived index when it is current.

    ``bulky=False`` leaves the sidecar alone (no abstracts, reference lists or outside papers):
    for commands that show only catalog.yaml fields, it saves reading and unpickling the
    largest file at 10,000 papers."""
    with _gc_paused():
        return _load_catalog(Path(path), use_index, bulky)


def _load_catalog(path: Path, use_index: bool, bulky: bool = True) -> Catalog:
    raw = _read_bytes(path)
    if use_index:
        idx = _index_for(path, raw)
        if idx is not None:
            try:
                return idx.load_catalog(bulky=bulky)
            finally:
                idx.close()
    catalog = parse_catalog(_decode(raw, path), path)
    side_path = sidecar_path(path)
    if bulky and side_path.exists():
        _apply_sidecar(catalog, side_path.read_bytes(), side_path)
    return catalog


def _index_for(path: Path, raw: bytes):
    """The derived index of ``path`` (``wsskg.index``), current with ``raw``; None when the
    cache cannot hold one (then catalog.yaml is parsed directly)."""
    from wsskg.index import open_index

    return open_index(path, raw, memory_ok=False)


# -- saving ----------------------------------------------------------------------------------------

def render(catalog: Catalog) -> str:
    """catalog.yaml text for a catalog (lean fields only)."""
    return dump_yaml(catalog.to_dict(bulky=False), header=HEADER)


def render_sidecar(catalog: Catalog) -> bytes | None:
    bulky = {}
    for e in catalog.entries:
        extra = {}
        if e.abstract:
            extra["abstract"] = e.abstract
        if e.references:
            extra["references"] = e.references
        if e.cited_by:
            extra["cited_by"] = e.cited_by
        if extra:
            bulky[e.id] = extra
    if not bulky and not catalog.external:
        return None
    doc = {"wsskg": 1, "note": "generated by `wsskg enrich`; do not edit", "entries": bulky,
           "external": catalog.external}
    return json.dumps(doc, ensure_ascii=False, indent=0, sort_keys=True).encode("utf-8")


def save_catalog(path: Path, catalog: Catalog, lock: bool = True) -> None:
    """Write the catalog (and sidecar) atomically, under the lock unless the caller holds it."""
    path = Path(path)
    if lock:
        with locked(path):
            _save(path, catalog)
    else:
        _save(path, catalog)


def _sweep_orphans(path: Path) -> None:
    """Delete temp files that a writer killed mid-save left beside the catalog or its sidecar.

    Only a holder of the catalog's lock writes those files, so when we hold it, any that
    exist are orphans."""
    import glob

    for p in (path, sidecar_path(path)):
        for tmp in p.parent.glob(f".{glob.escape(p.name)}.*.tmp"):
            try:
                tmp.unlink()
            except OSError:
                pass


def _save(path: Path, catalog: Catalog) -> None:
    _sweep_orphans(path)
    raw = render(catalog).encode("utf-8")
    side = render_sidecar(catalog)
    side_path = sidecar_path(path)
    if side is not None:
        atomic_write(side_path, side)
    elif side_path.exists():
        side_path.unlink()
    atomic_write(path, raw)
    from wsskg.index import record_save

    record_save(path, catalog, raw)  # the derived index learns what changed without a parse


@contextmanager
def editing(path: Path) -> Iterator[Catalog]:
    """Load under the lock, let the caller change the catalog, save it atomically on success."""
    path = Path(path)
    with locked(path):
        catalog = load_catalog(path)
        yield catalog
        _save(path, catalog)


# -- status changes: one entry's lines -----------------------------------------------------------

def set_status(path: Path, refs: list[str], status: str, today: str | None = None) -> list[tuple[Entry, str]]:
    """Set the reading status of the entries ``refs`` name; returns ``(entry, old_status)`` pairs.

    Edits only those entries' ``status``/``read_on`` lines of catalog.yaml, atomically and
    under the lock. All references are resolved before anything is written, so an unknown or
    ambiguous one changes nothing. The sidecar is not read: the entries returned carry the
    catalog.yaml fields only (no abstract or reference lists).
    """
    if status not in cat_mod.STATUSES:
        raise CatalogError(f"unknown status {status!r}")
    path = Path(path)
    today = today or _dt.date.today().isoformat()
    with locked(path), _gc_paused():
        raw = _read_bytes(path)
        text = _decode(raw, path)
        # references are resolved through the derived index (the sidecar is neither read nor written)
        idx = _index_for(path, raw)
        catalog = parse_catalog(text, path) if idx is None else None
        targets: list[Entry] = []
        for ref in refs:
            e = idx.resolve(ref) if idx is not None else cat_mod.resolve(catalog, ref)
            if e not in targets:
                targets.append(e)
        changes = []
        for e in targets:
            old = e.status
            changes.append((e, old))
            e.status = status
            if status == "read":
                e.read_on = e.read_on if old == "read" and e.read_on else today
            else:
                e.read_on = None
        new_text = text
        for e, _old in changes:
            edited = _edit_entry_block(new_text, e)
            if edited is None:
                new_text = None
                break
            new_text = edited
        if new_text is None:
            new_text = render(_with_status(catalog or idx.load_catalog(bulky=False), targets))
        new_raw = new_text.encode("utf-8")
        _sweep_orphans(path)
        if new_raw != raw:
            atomic_write(path, new_raw)
        if idx is not None:
            idx.record_status(targets, new_raw)
            idx.close()
    return changes


def _with_status(catalog: Catalog, changed: list[Entry]) -> Catalog:
    """``catalog`` with the status fields of ``changed`` (entries resolved elsewhere) applied."""
    by_id = catalog.by_id()
    for e in changed:
        mine = by_id[e.id]
        mine.status, mine.read_on = e.status, e.read_on
    return catalog


def _edit_entry_block(text: str, e: Entry) -> str | None:
    """Rewrite the status lines of entry ``e`` in ``text``; None if the layout is not ours."""
    m = re.search(rf"^- id: (?:{re.escape(e.id)}|\"{re.escape(e.id)}\"|'{re.escape(e.id)}')[ \t]*$", text, re.M)
    if not m:
        return None
    start = m.start()
    nxt = re.compile(r"^(?:- |\S)", re.M).search(text, m.end() + 1)
    end = nxt.start() if nxt else len(text)
    block = text[start:end]
    lines = block.split("\n")
    status_i = [i for i, ln in enumerate(lines) if ln.startswith("  status:")]
    if len(status_i) != 1:
        return None
    si = status_i[0]
    lines[si] = f"  status: {quote(e.status)}"
    lines = [ln for ln in lines if not ln.startswith("  read_on:")]
    if e.read_on:
        lines.insert(si + 1, f"  read_on: {quote(e.read_on)}")
    new_block = "\n".join(lines)
    try:
        parsed = load_yaml(new_block)
    except CatalogError:
        return None
    expected = e.to_dict(bulky=False)
    if not (isinstance(parsed, list) and len(parsed) == 1 and _same(parsed[0], expected)):
        return None
    return text[:start] + new_block + text[end:]


def _same(parsed: dict, expected: dict) -> bool:
    """Does a parsed entry block say what the model says (YAML dates read back as dates)?"""
    if "read_on" in parsed:
        parsed = dict(parsed, read_on=str(parsed["read_on"]))
    try:
        round_trip = cat_mod.from_dict(
            {"topics": [{"path": t} for t in parsed.get("topics") or []], "entries": [parsed]}
        ).entries[0].to_dict(bulky=False)
    except CatalogError:
        return False
    return round_trip == expected


__all__ = [
    "BULKY_FIELDS", "atomic_write", "editing", "load_catalog", "locked", "parse_catalog", "render",
    "save_catalog", "set_status", "sidecar_path",
]
