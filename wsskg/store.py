"""Reading and writing catalog files safely and fast.

* The catalog's path is resolved first (symlinks followed): a catalog kept elsewhere (say in
  a dotfiles repo) and linked in stays a link, and its real file gets the change.
* Writes are atomic (temp file in the real file's folder, fsync, rename) and serialised by a
  file lock in the cache dir keyed by the real path (``locks/``: out of the user's folder, and
  one lock however the catalog is reached), so concurrent ``wsskg read`` processes never lose
  each other's changes and a crash leaves the old or the new file, never half. A writer
  that has to wait says for whom (pid) and how to end the wait.
* A read-only catalog (``chmod 444``) or sidecar is never replaced.
* A save keeps what the user wrote (comments, layout, CRLF line endings, a BOM): only the
  entries that changed are edited (:func:`catalog_text`), checked by parsing them back, so a
  save costs in proportion to the change and ``git diff`` shows only the changed entries.
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
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from wsskg import catalog as cat_mod
from wsskg.catalog import BULKY_FIELDS, Catalog, Entry
from wsskg.config import cache_dir, lock_timeout
from wsskg.errors import CatalogError
from wsskg.files import (  # noqa: F401 (re-exported: SIDECAR_SUFFIX, the path helpers, atomic_write, parse_catalog)
    SIDECAR_SUFFIX, atomic_write, decode, gc_paused, parse_catalog, parse_sidecar, read_bytes, read_sidecar, real_path,
    sidecar_of, sidecar_path,
)
from wsskg.yamlio import dump_yaml, emit_item, load_yaml, patch_item, patch_text, quote, split_entries

HEADER = "wsskg catalog: your reading list. Edit freely; `wsskg check` validates it."
#: Seconds a writer waits for the lock in silence before saying whom it waits for.
LOCK_NOTICE_AFTER = 1.0
_BOM = "\ufeff"


def lock_path(path: Path) -> Path:
    """The lock file of the catalog at ``path``: in the cache dir, named after the real path
    (so two paths to one catalog share it and the user's folder stays clean). When the cache
    dir cannot be written, a per-user folder in the system temp dir is used."""
    key = hashlib.sha1(str(real_path(path)).encode()).hexdigest()[:20]
    for folder in (cache_dir() / "locks", Path(tempfile.gettempdir()) / f"wsskg-locks-{os.getuid() if hasattr(os, 'getuid') else 'user'}"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK):
                return folder / f"{key}.lock"
        except OSError:
            continue
    raise CatalogError(f"no folder for the catalog lock: {cache_dir()} cannot be written", path=path)


def _owner_file(lock: Path) -> Path:
    return lock.with_suffix(".owner")


def lock_owner(path: Path) -> dict | None:
    """Who holds (or last held) the lock of the catalog at ``path``: pid, command, since."""
    try:
        data = json.loads(_owner_file(lock_path(path)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _process_state(pid: int) -> str:
    """'stopped', 'running', 'gone' or '' (unknown) for a pid (Linux /proc; elsewhere a probe)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            state = f.read().rsplit(")", 1)[-1].split()[0]
        return "stopped" if state in ("T", "t") else "running"
    except FileNotFoundError:
        return "gone" if os.path.isdir("/proc") else ""
    except (OSError, IndexError):
        return ""


def _holder(path: Path) -> str:
    """'pid 123 (wsskg read x, since 12:00:01, stopped)' or 'another process'."""
    owner = lock_owner(path)
    if not owner or not isinstance(owner.get("pid"), int):
        return "another process"
    pid = owner["pid"]
    # the holder's command line is another process's argv: no terminal controls from it
    command = re.sub(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", "?", str(owner.get("command") or ""))
    bits = [command[:60], f"since {str(owner.get('since', '?'))[:8]}", _process_state(pid)]
    return f"pid {pid} (" + ", ".join(b for b in bits if b) + ")"


def _lock_notice(message: str) -> None:
    """Where waiting for the lock is said; the CLI may replace it."""
    print(message, file=sys.stderr, flush=True)


#: Called with one line when a writer starts waiting for the lock.
lock_notice = _lock_notice


@contextmanager
def locked(path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the write lock of the catalog at ``path`` (see :func:`lock_path`). After
    :data:`LOCK_NOTICE_AFTER` seconds of waiting, says for whom; gives up after ``timeout``
    seconds (default ``$WSSKG_LOCK_TIMEOUT`` or 60) with a :class:`CatalogError`."""
    from filelock import FileLock, Timeout

    timeout = lock_timeout() if timeout is None else timeout
    lf = lock_path(path)
    lock = FileLock(str(lf))
    t0 = time.monotonic()
    try:
        lock.acquire(timeout=min(LOCK_NOTICE_AFTER, timeout))
    except Timeout:
        holder = _holder(path)
        pid = holder.split()[1] if holder.startswith("pid ") else "PID"
        lock_notice(f"wsskg: waiting up to {timeout:.0f} s for the lock on {path}, held by {holder}; "
                    f"if that process is stuck, end it (kill {pid}; a stopped one: kill -CONT {pid}) "
                    f"and the lock frees itself")
        try:
            lock.acquire(timeout=max(0.0, timeout - (time.monotonic() - t0)))
        except Timeout:
            raise CatalogError(f"gave up after {timeout:.0f} s waiting for the lock held by {holder}; end that "
                               f"process (kill {pid}) and try again", path=path) from None
    try:
        try:
            _owner_file(lf).write_text(json.dumps({
                "pid": os.getpid(), "command": " ".join(["wsskg", *sys.argv[1:]])[:200],
                "since": time.strftime("%H:%M:%S"), "catalog": str(real_path(path))}), encoding="utf-8")
        except OSError:
            pass
        yield
    finally:
        try:
            _owner_file(lf).unlink()
        except OSError:
            pass
        lock.release()


def check_writable(path: Path) -> None:
    """Refuse to change a catalog (or its sidecar) that the user made read-only."""
    from wsskg.outputs import read_only

    real = real_path(path)
    for p in (real, sidecar_path(real)):
        if read_only(p):
            raise CatalogError("is read-only; wsskg leaves it as it is (make it writable, e.g. chmod u+w, "
                               "to let wsskg save)", path=p)


# -- loading -------------------------------------------------------------------------------------

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
        _attach(catalog, parse_sidecar(side, path))


def load_catalog(path: Path, use_index: bool = True, bulky: bool = True, index: bool = False,
                 cache: Path | None = None) -> Catalog:
    """Load a catalog file (and its sidecar), through the derived index when there is one
    (in ``cache``, default the user cache dir) and it is current; ``index=True`` builds it
    when there is none (the CLI does: its next query finds it ready).

    ``bulky=False`` leaves the sidecar alone (no abstracts, reference lists or outside papers):
    for commands that show only catalog.yaml fields, it saves reading and unpickling the
    largest file at 10,000 papers."""
    with gc_paused():
        return _load_catalog(Path(path), use_index, bulky, index, cache)


def _load_catalog(path: Path, use_index: bool, bulky: bool = True, create: bool = False,
                  cache: Path | None = None) -> Catalog:
    before = _stat_for_index(path) if use_index else None
    raw = read_bytes(path)
    if use_index:
        idx = _index_for(path, raw, before, create, cache)
        if idx is not None:
            try:
                return idx.load_catalog(bulky=bulky)
            finally:
                idx.close()
    catalog = parse_catalog(decode(raw, path), path)
    if bulky:
        side_path = sidecar_of(path)
        _apply_sidecar(catalog, read_sidecar(side_path), side_path)
    return catalog


def _stat_for_index(path: Path) -> os.stat_result | None:
    """The file's stat, taken before it is read: the index trusts its recorded stat key only
    when the bytes were read at that key (see ``wsskg.index.CatalogIndex.sync``)."""
    from wsskg.index import file_stat

    return file_stat(path)


def _index_for(path: Path, raw: bytes, before: os.stat_result | None = None, create: bool = False,
               cache: Path | None = None):
    """The derived index of ``path`` (``wsskg.index``), current with ``raw`` (read after the
    file's ``stat`` was ``before``); None when there is none (``create``: it is built) or the
    cache cannot hold one (then catalog.yaml is parsed directly)."""
    from wsskg.index import open_index

    return open_index(path, raw, memory_ok=False, stat_before=before, create=create, cache=cache)


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


def save_catalog(path: Path, catalog: Catalog, lock: bool = True, fresh: bool = False,
                 progress: Callable[[int, int], None] | None = None, index: bool = False,
                 cache: Path | None = None) -> None:
    """Write the catalog (and sidecar) atomically, under the lock unless the caller holds it.

    An existing catalog file keeps its comments and layout where the entries did not change
    (see :func:`catalog_text`); ``fresh=True`` (``import --force``: a new catalog replaces the
    old one) renders it whole. The derived index (in ``cache``, default the user cache dir)
    learns what was written when there is one; ``index=True`` builds it when there is none
    (an import from the CLI or a :class:`wsskg.Library`, whose queries come next).
    ``progress(done, total)`` follows that build."""
    path = Path(path)
    if lock:
        with locked(path):
            _save(path, catalog, fresh=fresh, progress=progress, index=index, cache=cache)
    else:
        _save(path, catalog, fresh=fresh, progress=progress, index=index, cache=cache)


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


def _split_raw(raw: bytes) -> tuple[str, str, bool]:
    """(text with LF line ends, the file's line end, whether it starts with a BOM)."""
    text = raw.decode("utf-8", errors="surrogateescape")
    bom = text.startswith(_BOM)
    if bom:
        text = text[1:]
    nl = "\r\n" if "\r\n" in text else "\n"
    if nl != "\n":
        text = text.replace("\r\n", "\n")
    return text, nl, bom


def _join_raw(text: str, nl: str, bom: bool) -> bytes:
    if nl != "\n":
        text = text.replace("\n", nl)
    return ((_BOM if bom else "") + text).encode("utf-8", errors="surrogateescape")


def catalog_text(old_raw: bytes | None, before: dict | None, catalog: Catalog, path: object = "catalog.yaml") -> bytes:
    """The new bytes of catalog.yaml for ``catalog``, given the file's old bytes and what they
    said (``before``, a ``to_dict`` of the catalog as loaded).

    What did not change stays byte for byte: comments, layout, CRLF line ends, a BOM. In
    wsskg's layout (``entries:`` last, a block list at column 0, whatever the user did inside
    the entries) only the changed entries' blocks are edited (:func:`_splice`: cost in
    proportion to the change, not to the catalog). Other shapes are patched as a whole
    (:func:`wsskg.yamlio.patch_text`, checked by parsing the result back); only when that
    cannot be placed is the file rendered afresh."""
    if old_raw is None or before is None:
        return _loadable(render(catalog), catalog, path).encode("utf-8")
    text, nl, bom = _split_raw(old_raw)
    after = catalog.to_dict(bulky=False)
    new = _splice(text, before, after, path)
    if new is None:
        new = patch_text(text, before, after)
        try:
            if new is not None and parse_catalog(new, path).to_dict(bulky=False) != after:
                new = None
        except CatalogError:
            new = None
    return _join_raw(_loadable(render(catalog), catalog, path) if new is None else new, nl, bom)


def _refused(why: str, path: object) -> CatalogError:
    return CatalogError(f"not saved, the file is left as it was: {why}", path=path)


def _loadable(text: str, catalog: Catalog, path: object) -> str:
    """``text`` (a whole catalog rendered afresh) after parsing it back with the loader the next
    command uses: refused when it would not load, or would load as another catalog (validate
    before replace). Costs a parse of the file, only on saves that render it whole (an import,
    a file in a layout that cannot be patched)."""
    try:
        got = parse_catalog(text, path)
    except CatalogError as e:
        raise _refused(f"the new catalog would not load ({e})", path) from None
    if [e.id for e in got.entries] != [e.id for e in catalog.entries]:
        raise _refused("the new catalog would not load as the same entries", path)
    return text


def _emitted(item: dict, path: object) -> str:
    """One entry's new block, refused unless it reads back as that entry (validate before
    replace: a lone surrogate in a title, say, makes an escape the YAML loader rejects)."""
    block = emit_item(item)
    try:
        ok = _block_reads_as(block, item)
    except (ValueError, TypeError):
        ok = False
    if not ok:
        raise _refused(f"entry {item.get('id')!r} would not load back as written (check its text for "
                       "characters YAML cannot hold, such as a lone surrogate)", path)
    return block


def _split_tail(block: str) -> tuple[str, str]:
    """An entry block split into the item and the blank and column-0 comment lines after it
    (which belong to what follows: kept when the entry is edited or removed)."""
    lines = block.splitlines(keepends=True)
    k = len(lines)
    while k > 1 and (not lines[k - 1].strip() or lines[k - 1].startswith("#")):
        k -= 1
    item = "".join(lines[:k])
    return (item if item.endswith("\n") else item + "\n"), "".join(lines[k:])


def _block_reads_as(block: str, expected: dict) -> bool:
    try:
        parsed = load_yaml(block)
    except CatalogError:
        return False
    return isinstance(parsed, list) and len(parsed) == 1 and isinstance(parsed[0], dict) and _same(parsed[0], expected)


def _splice(text: str, before: dict, after: dict, path: object = "catalog.yaml") -> str | None:
    """``text`` in wsskg's layout with only the changed entries' blocks (and, when the topics
    or title changed, the head) edited; None when the text does not have that shape."""
    parts = split_entries(text)
    if parts is None:
        return None
    head, lead, blocks = parts
    b_entries, a_entries = before.get("entries") or [], after.get("entries") or []
    if len(blocks) != len(b_entries):
        return None
    b_head = {k: v for k, v in before.items() if k != "entries"}
    a_head = {k: v for k, v in after.items() if k != "entries"}
    if b_head != a_head:
        head = patch_text(head, b_head, a_head)
        if head is None:
            return None
        try:
            got = cat_mod.from_dict(dict(load_yaml(head) or {}, entries=[])).to_dict(bulky=False)
        except (CatalogError, TypeError, ValueError):
            return None
        if {k: v for k, v in got.items() if k != "entries"} != a_head:
            return None
    b_ids = [e.get("id") for e in b_entries]
    a_ids = [e.get("id") for e in a_entries]
    if len(set(b_ids)) != len(b_ids) or len(set(a_ids)) != len(a_ids):
        return None
    index = {eid: i for i, eid in enumerate(b_ids)}
    a_by_id = {x["id"]: x for x in a_entries}
    if [i for i in a_ids if i in index] != [i for i in b_ids if i in a_by_id]:
        return None  # reordered: not a few local edits
    groups: list[tuple[str | None, list[dict]]] = [(None, [])]
    for x in a_entries:
        if x["id"] in index:
            groups.append((x["id"], []))
        else:
            groups[-1][1].append(x)
    pieces = [head, lead]
    prev = -1
    for eid, news in groups:
        tail = ""
        if eid is not None:
            j = index[eid]
            pieces.extend(_split_tail(blocks[d])[1] for d in range(prev + 1, j))  # removed entries' trailing comments
            item, tail = _split_tail(blocks[j])
            b, a = b_entries[j], a_by_id[eid]
            if b != a:
                edited = patch_item(item, b, a)
                if edited is None or not _block_reads_as(edited, a):
                    edited = _emitted(a, path)
                item = edited if edited.endswith("\n") else edited + "\n"
            pieces.append(item)
            prev = j
        pieces.extend(_emitted(x, path) for x in news)
        pieces.append(tail)
    pieces.extend(_split_tail(blocks[d])[1] for d in range(prev + 1, len(blocks)))
    return "".join(pieces)


def _save(path: Path, catalog: Catalog, old_raw: bytes | None = None, before: dict | None = None,
          fresh: bool = False, progress: Callable[[int, int], None] | None = None, index: bool = False,
          cache: Path | None = None, read_stat: os.stat_result | None = None) -> None:
    """``read_stat``: the file's stat taken before ``old_raw`` was read; the file is replaced
    only while it is still in that state (compare before replace), unless ``fresh``."""
    real = real_path(path)
    check_writable(real)
    _sweep_orphans(real)
    if old_raw is None and real.exists() and not fresh:
        # a caller that did not load through ``editing``: keep what it can of the file's layout
        try:
            read_stat = os.stat(real)
            old_raw = real.read_bytes()
            before = parse_catalog(decode(old_raw, real), real).to_dict(bulky=False)
        except (OSError, CatalogError):
            old_raw = before = None
    raw = catalog_text(old_raw, before, catalog, real)
    side = render_sidecar(catalog)
    side_path = sidecar_path(real)
    # the catalog first, then the sidecar: a failed write (a full disk) leaves both as they
    # were, and the old sidecar is dropped only once the new catalog is in place
    written = read_stat  # the file as read, when it stays
    if raw != old_raw or not real.exists():
        written = atomic_write(real, raw, unchanged_since=None if fresh else read_stat)
    if side is not None:
        atomic_write(side_path, side)
    elif side_path.exists():
        side_path.unlink()
    from wsskg.index import record_save

    # the index learns it without a parse (and records the file's stat only if it is still ``written``)
    record_save(path, catalog, raw, progress, create=index, cache=cache, written=written)


@contextmanager
def editing(path: Path) -> Iterator[Catalog]:
    """Load under the lock, let the caller change the catalog, save it atomically on success
    (keeping the file's comments and layout where nothing changed)."""
    path = Path(path)
    with locked(path):
        check_writable(path)
        read_stat = os.stat(real_path(path)) if Path(path).exists() else None
        old_raw = read_bytes(path)
        catalog = load_catalog(path)
        before = catalog.to_dict(bulky=False)
        yield catalog
        _save(path, catalog, old_raw, before, read_stat=read_stat)


# -- status changes: one entry's lines -----------------------------------------------------------

def _edit_entries(path: Path, refs: list[str], apply, edit_block) -> None:
    """The one way a few entries are changed in place (status changes, tags).

    Under the lock, on the real file (symlinks followed), refusing a read-only one: resolve
    every reference first (an unknown or ambiguous one changes nothing), ``apply(targets)``
    returns the entries it changed, and ``edit_block(block, entry)`` rewrites only their lines
    in wsskg's layout (the entry's block as LF text; the file's line ends are put back). The
    rest of the file is never decoded or copied: the new file is written as the old bytes
    around the new blocks (a status change at 100,000 entries costs a few MB, not three copies
    of a 46 MB file). In any other layout the file is patched where it changed
    (:func:`catalog_text`), keeping comments."""
    path = Path(path)
    with locked(path), gc_paused():
        check_writable(path)
        before = _stat_for_index(path)
        raw = read_bytes(path)
        # references are resolved through the derived index (the sidecar is neither read nor
        # written); the text is decoded here only without one (an index that is current has
        # parsed these very bytes)
        idx = _index_for(path, raw, before)
        text = decode(raw, path) if idx is None else None
        catalog = parse_catalog(text, path) if idx is None else None
        targets: list[Entry] = []
        for ref in refs:
            e = idx.resolve(ref) if idx is not None else cat_mod.resolve(catalog, ref)
            if e not in targets:
                targets.append(e)
        changed = apply(targets)
        splices = _block_splices(raw, changed, edit_block)
        if splices is not None:
            parts = _spliced(raw, splices)
        else:
            # not wsskg's layout: patch the file where it changed (comments and layout kept)
            text = text if text is not None else decode(raw, path)
            parts = [catalog_text(raw, parse_catalog(text, path).to_dict(bulky=False),
                                  _with_changes(catalog or idx.load_catalog(bulky=False), changed), path)]
        real = real_path(path)
        _sweep_orphans(real)
        written = before
        if splices is None or any(raw[a:b] != new for a, b, new in splices):
            written = atomic_write(real, parts, unchanged_since=before)
        if idx is not None:
            blocks = {e.id: _item_hash(raw, a, b, new) for e, (a, b, new) in zip(changed, splices)} if splices else {}
            idx.record_edits(changed, parts, blocks, written=written)
            idx.close()


def _block_splices(raw: bytes, changed: list[Entry], edit_block) -> list[tuple[int, int, bytes]] | None:
    """``(start, end, new bytes)`` for each entry of ``changed``, in ``changed``'s order: its
    block in ``raw`` and the block ``edit_block`` made of it; None when one cannot be placed."""
    out = []
    for e in changed:
        span = _entry_span(raw, e.id)
        if span is None:
            return None
        start, end = span
        nl = b"\r\n" if b"\r\n" in raw[start:end] else b"\n"  # the block's own line ends
        block = raw[start:end].decode("utf-8", errors="surrogateescape")
        new = edit_block(block.replace("\r\n", "\n") if nl != b"\n" else block, e)
        if new is None:
            return None
        new_raw = new.encode("utf-8", errors="surrogateescape")
        out.append((start, end, new_raw.replace(b"\n", nl) if nl != b"\n" else new_raw))
    if len({a for a, _, _ in out}) != len(out):
        return None
    return out


def _spliced(raw: bytes, splices: list[tuple[int, int, bytes]]) -> list:
    """The pieces of the new file: views of ``raw`` around the new blocks (no copy of ``raw``)."""
    view = memoryview(raw)
    parts: list = []
    at = 0
    for a, b, new in sorted(splices):
        parts += [view[at:a], new]
        at = b
    parts.append(view[at:])
    return parts


def _item_hash(raw: bytes, start: int, end: int, new: bytes) -> bytes:
    """The derived index's hash of an edited entry's block: the new item plus what followed
    the old one up to the next entry (blank and comment lines), as ``wsskg.index`` splits."""
    from wsskg.index import block_hash, next_item

    return block_hash(new + raw[end:next_item(raw, end)])


def set_status(path: Path, refs: list[str], status: str, today: str | None = None) -> list[tuple[Entry, str]]:
    """Set the reading status of the entries ``refs`` name; returns ``(entry, old_status)`` pairs.

    Edits only those entries' ``status``/``read_on`` lines of catalog.yaml, atomically and
    under the lock. All references are resolved before anything is written, so an unknown or
    ambiguous one changes nothing. The sidecar is not read: the entries returned carry the
    catalog.yaml fields only (no abstract or reference lists).
    """
    if status not in cat_mod.STATUSES:
        raise CatalogError(f"unknown status {status!r}")
    today = today or _dt.date.today().isoformat()
    changes: list[tuple[Entry, str]] = []

    def apply(targets: list[Entry]) -> list[Entry]:
        for e in targets:
            old = e.status
            changes.append((e, old))
            e.status = status
            if status == "read":
                e.read_on = e.read_on if old == "read" and e.read_on else today
            else:
                e.read_on = None
        return targets

    _edit_entries(path, refs, apply, _edit_entry_block)
    return changes


def _with_changes(catalog: Catalog, changed: list[Entry]) -> Catalog:
    """``catalog`` with the entries ``changed`` (resolved and edited elsewhere) put in place."""
    where = {e.id: i for i, e in enumerate(catalog.entries)}
    for e in changed:
        catalog.entries[where[e.id]] = e
    return catalog


def _entry_span(raw: bytes, entry_id: str) -> tuple[int, int] | None:
    """Where entry ``entry_id``'s block stands in ``raw`` (wsskg's layout), or None."""
    q = re.escape(entry_id.encode("utf-8", errors="surrogateescape"))
    m = re.search(rb"^- id: (?:" + q + rb"|\"" + q + rb"\"|'" + q + rb"')[ \t]*\r?$", raw, re.M)
    if not m:
        return None
    nxt = _BLOCK_END.search(raw, m.end() + 1)
    return m.start(), (nxt.start() if nxt else len(raw))


#: A line that ends an entry's block: the next entry, a top-level key or a column-0 comment.
_BLOCK_END = re.compile(rb"^(?:- |\S)", re.M)


def _block_checked(new_block: str, expected: dict) -> str | None:
    """``new_block`` if it parses back to exactly the ``expected`` entry; None otherwise (the
    caller falls back to a patch of the whole file)."""
    try:
        parsed = load_yaml(new_block)
    except CatalogError:
        return None
    if not (isinstance(parsed, list) and len(parsed) == 1 and _same(parsed[0], expected)):
        return None
    return new_block


def _edit_entry_block(block: str, e: Entry) -> str | None:
    """Rewrite the status lines of entry ``e``'s block; None if the layout is not ours."""
    lines = block.split("\n")
    status_i = [i for i, ln in enumerate(lines) if ln.startswith("  status:")]
    if len(status_i) != 1:
        return None
    si = status_i[0]
    lines[si] = f"  status: {quote(e.status)}"
    lines = [ln for ln in lines if not ln.startswith("  read_on:")]
    if e.read_on:
        lines.insert(si + 1, f"  read_on: {quote(e.read_on)}")
    return _block_checked("\n".join(lines), e.to_dict(bulky=False))


def edit_field(path: Path, refs: list[str], name: str, change) -> list[tuple[Entry, bool]]:
    """Apply ``change(entry) -> bool`` (True: it changed ``entry.<name>``) to the entries
    ``refs`` name; returns ``(entry, changed)`` pairs.

    Like :func:`set_status`: everything is resolved before anything is written, and only the
    ``name`` lines of the changed entries are rewritten (checked by parsing the edited block);
    a file in another layout is patched where it changed, comments kept (see
    :func:`_edit_entries`). Used by ``wsskg tag``/``untag``.
    """
    results: list[tuple[Entry, bool]] = []

    def apply(targets: list[Entry]) -> list[Entry]:
        results.extend((e, bool(change(e))) for e in targets)
        return [e for e, changed in results if changed]

    _edit_entries(path, refs, apply, lambda block, e: _edit_field_lines(block, e, name))
    return results


def _edit_field_lines(block: str, e: Entry, name: str) -> str | None:
    """Rewrite the ``name`` lines of entry ``e``'s block; None if the layout is not ours."""
    lines = block.split("\n")
    key_re = re.compile(r"^(?:- |  )([A-Za-z_][\w-]*):")
    keys = {i: km.group(1) for i, ln in enumerate(lines) if (km := key_re.match(ln))}
    expected = e.to_dict(bulky=False)
    new = [("  " + ln) if ln else ln for ln in dump_yaml({name: expected[name]}).rstrip("\n").split("\n")] \
        if name in expected else []
    at = next((i for i, k in keys.items() if k == name), None)
    if at is not None:
        stop = at + 1
        while stop < len(lines) and (lines[stop].startswith(("   ", "  - ")) or (lines[stop] == "" and stop + 1 < len(lines)
                                     and lines[stop + 1].startswith("   "))):
            stop += 1
        lines[at:stop] = new
    elif new:
        order = list(expected)
        later = set(order[order.index(name) + 1:])
        at = next((i for i, k in keys.items() if k in later), None)
        if at is None:
            at = len(lines)
            while at > 1 and lines[at - 1] == "":
                at -= 1
        lines[at:at] = new
    return _block_checked("\n".join(lines), expected)


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
    "BULKY_FIELDS", "atomic_write", "edit_field", "editing", "load_catalog", "locked", "parse_catalog", "render",
    "save_catalog", "set_status", "sidecar_path",
]
