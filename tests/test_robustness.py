"""Robustness: concurrent writers, writers killed mid-save, hostile and malformed input.

Each test records what it tried and what it saw with :func:`robustness_report.observe`;
``python -m benchmarks.robustness`` runs the tests and turns the records into
``docs/robustness.md`` (a normal test run records nothing and rewrites no tracked file). Whole
``wsskg`` processes are used where the promise is about the command line (exit codes, one-line
errors, files left untouched). Every test here takes seconds: the module is marked ``slow``.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO
from robustness_report import observe
from wsskg.errors import CatalogError
from wsskg.files import parse_sidecar
from wsskg.store import load_catalog, parse_catalog, render, save_catalog, set_status, sidecar_path

sys.path.insert(0, str(REPO / "benchmarks"))
from procstat import run_measured  # noqa: E402
from synth import synthetic_catalog  # noqa: E402

pytestmark = pytest.mark.slow


def wsskg(*args, timeout: float = 60):
    """Run ``python -m wsskg`` as a process: (exit code, stdout, stderr, seconds, peak MB of it)."""
    o = run_measured([sys.executable, "-m", "wsskg", *map(str, args)], env=os.environ.copy(), timeout=timeout)
    assert not o.timed_out, f"wsskg {' '.join(map(str, args))} took more than {timeout} s"
    return o.code, o.stdout.decode("utf-8", "replace"), o.stderr.decode("utf-8", "replace"), o.seconds, o.peak_mb


def one_line_error(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("wsskg: no catalog")]
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert "Traceback" not in err
    return lines[0]


# -- concurrency -------------------------------------------------------------------------------------

def test_twenty_concurrent_reads_all_land(seed_catalog_file):
    path = seed_catalog_file
    cat = load_catalog(path, use_index=False)
    ids = [e.id for e in cat.entries if e.status != "read"][:20]
    assert len(ids) == 20
    env = os.environ.copy()
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "wsskg", "read", eid, "-c", str(path)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for eid in ids]
    results = [(p.wait(timeout=120), p.stderr.read().decode()) for p in procs]
    seconds = time.perf_counter() - t0
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert all(code == 0 for code, _ in results), results
    after = load_catalog(path, use_index=False)
    statuses = {e.id: e.status for e in after.entries}
    assert all(statuses[i] == "read" for i in ids)
    assert len(after.entries) == len(cat.entries)
    # nothing else changed: the other entries are as they were
    assert {e.id: e.status for e in cat.entries if e.id not in ids} == {k: v for k, v in statuses.items() if k not in ids}
    observe("concurrency", "20 `wsskg read` processes at once, 20 different papers, one catalog",
            f"all 20 exit 0 in {seconds:.1f} s; all 20 marked read; the other {len(cat.entries) - 20} entries unchanged")


# -- crashes ------------------------------------------------------------------------------------------

#: Writes in the killed writer go out in chunks of this many bytes, with a pause after each; the
#: writer reports every chunk it wrote beside the catalog, and the test kills it after a random
#: number of them, so the kill lands inside a write of the catalog, its sidecar or a temp file.
CHUNK = 4096
CHUNK_PAUSE = 0.002


class _SlowFile:
    """A file whose writes trickle out chunk by chunk, flushed to the OS each time (what a slow
    disk looks like to a process killed mid-write: a torn file if the writer writes in place),
    reporting each chunk on ``notify``."""

    def __init__(self, f, notify: int):
        self._f = f
        self._notify = notify

    def write(self, data) -> int:
        data = bytes(data)
        for i in range(0, len(data), CHUNK):
            self._f.write(data[i: i + CHUNK])
            self._f.flush()
            os.write(self._notify, b".")
            time.sleep(CHUNK_PAUSE)
        return len(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._f.__exit__(*exc)

    def __getattr__(self, name):
        return getattr(self._f, name)


def _slow_disk(folder: Path, notify: int) -> None:
    """In the killed writer: every file in ``folder`` opened for binary writing (by ``open``,
    ``io.open``, ``Path.write_bytes`` or ``os.fdopen``, which all go through ``io.open``: whatever
    writer the store uses) writes slowly and reports its chunks."""
    real_open = io.open
    where = str(folder) + os.sep

    def slow_open(file, mode="r", *a, **kw):
        f = real_open(file, mode, *a, **kw)
        if not (any(c in mode for c in "wax+") and "b" in mode):
            return f
        try:
            name = os.readlink(f"/proc/self/fd/{file}") if isinstance(file, int) else os.path.abspath(file)
        except OSError:
            name = ""
        return _SlowFile(f, notify) if str(name).startswith(where) else f

    builtins.open = io.open = slow_open


def _writer(path: Path, kind: str, seed: int, notify: int) -> None:  # runs in a forked child; never returns
    try:
        _slow_disk(path.parent, notify)
        cat = load_catalog(path)
        rng = random.Random(seed)
        n = 0
        while True:  # keep saving until killed, so the kill lands inside a save
            n += 1
            if kind == "full":
                for e in cat.entries[: 50]:
                    e.status = rng.choice(("read", "unread", "reading"))
                    e.read_on = "2024-01-02" if e.status == "read" else None
                for e in cat.entries:  # every save rewrites every abstract: the sidecar changes whole
                    e.abstract = f"abstract of {e.id}, save {seed}.{n}"
                save_catalog(path, cat)
            else:
                e = cat.entries[rng.randrange(len(cat.entries))]
                set_status(path, [e.id], rng.choice(("read", "unread")), today="2024-01-02")
    finally:
        os._exit(0)


def _wait_chunks(fd: int, n: int, timeout: float = 30) -> None:
    """Block until the writer has reported ``n`` written chunks."""
    import select

    seen = 0
    deadline = time.monotonic() + timeout
    while seen < n:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        assert ready, f"the writer reported only {seen} chunks in {timeout} s"
        got = os.read(fd, n - seen)
        assert got, "the writer ended before the kill"
        seen += len(got)


N_KILL = 300
KILLS = 40


def _check_whole(path: Path) -> None:
    """catalog.yaml and its sidecar are each a complete version: the catalog parses to all
    N_KILL entries in the layout wsskg writes (a torn write fails to parse or loses entries),
    and the sidecar is valid JSON with an abstract for every entry, all from one save."""
    after = path.read_bytes()
    cat = parse_catalog(after.decode("utf-8"), path)
    assert len(cat.entries) == N_KILL
    assert render(cat).encode("utf-8") == after
    side = parse_sidecar(sidecar_path(path).read_bytes(), sidecar_path(path))
    abstracts = [side["entries"][e.id][0] for e in cat.entries]
    saves = {a.rsplit(", save ", 1)[-1] for a in abstracts}
    assert len(saves) == 1, "the sidecar mixes two saves"


def test_sigkill_during_saves_leaves_old_or_new_file(tmp_path):
    path = tmp_path / "catalog.yaml"
    cat = synthetic_catalog(N_KILL)
    for e in cat.entries:
        e.abstract = f"abstract of {e.id}, save 0.0"
    save_catalog(path, cat)
    rng = random.Random(1234)
    outcomes = {"full": 0, "status": 0}
    mid_write = 0
    t0 = time.perf_counter()
    for i in range(KILLS):
        kind = "full" if i % 2 == 0 else "status"
        before = path.read_bytes(), sidecar_path(path).read_bytes()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _writer(path, kind, i, w)
        os.close(w)
        # a full save writes ~80 chunks (catalog and sidecar), a status edit ~35
        _wait_chunks(r, rng.randint(1, 120 if kind == "full" else 60))
        os.kill(pid, signal.SIGKILL)
        os.close(r)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, "the writer ended before the kill"
        _check_whole(path)
        outcomes[kind] += (path.read_bytes(), sidecar_path(path).read_bytes()) != before
        mid_write += any(tmp_path.glob(".catalog*.tmp"))  # a temp file: killed inside a write
        set_status(path, [parse_catalog(path.read_text(encoding="utf-8")).entries[0].id], "reading")
    seconds = time.perf_counter() - t0
    assert not any(tmp_path.glob(".catalog*.tmp")), "the next save under the lock sweeps orphaned temp files"
    assert mid_write >= KILLS // 2, f"only {mid_write} of {KILLS} kills landed inside a write"
    assert outcomes["full"] >= 3 and outcomes["status"] >= 3, outcomes
    observe("crash safety", f"a writer SIGKILLed after a random number of written chunks while saving in a loop on a "
            f"slow disk (writes trickle out in {CHUNK // 1024} KB chunks), {KILLS} times ({KILLS // 2} full saves of {N_KILL:,} "
            "entries with their sidecar, the rest one-line status edits)",
            f"catalog.yaml always complete, loadable and byte-identical to a clean render of itself; the sidecar "
            f"always valid JSON with every abstract from one save; {mid_write} kills landed inside a write (the "
            f"orphaned temp file was swept by the next save); {outcomes['full']} + {outcomes['status']} kills came "
            f"after a new version was in place; the lock was free at once after every kill; {seconds:.0f} s")


# -- hostile input ------------------------------------------------------------------------------------

def _catalog_with(tmp_path: Path, text: str | bytes) -> Path:
    p = tmp_path / "catalog.yaml"
    if isinstance(text, str):
        text = text.encode("utf-8")
    p.write_bytes(text)
    return p


SEED_HEAD = "wsskg: 1\ntopics:\n- path: A\n  level: 2\nentries:\n"


def _assert_refused(path: Path, *cmds: tuple, needle: str, max_s: float = 20, max_mb: float = 300) -> str:
    """Each command exits 2 with one line naming the problem, fast, in bounded memory, and
    leaves the file byte-identical. Returns a description for the report."""
    before = path.read_bytes()
    msg = ""
    worst = peak = 0.0
    for cmd in cmds:
        code, out, err, seconds, mb = wsskg(*cmd, "-c", path, timeout=max_s * 3)
        assert code == 2, (cmd, code, err)
        msg = one_line_error(err).replace(str(path.parent) + os.sep, "")
        assert needle in msg, msg
        assert seconds < max_s and mb < max_mb, (seconds, mb)
        worst, peak = max(worst, seconds), max(peak, mb)
        assert path.read_bytes() == before, "the catalog was changed"
    return f"exit 2, `{_clip(msg)}`; file untouched; {worst:.1f} s, {peak:.0f} MB"


def _clip(text: str, n: int = 150) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def test_yaml_tags_do_not_run_code(tmp_path):
    pwned = tmp_path / "PWNED"
    text = SEED_HEAD + f"- id: x\n  title: !!python/object/apply:os.system [\"touch {pwned}\"]\n"
    path = _catalog_with(tmp_path, text)
    seen = _assert_refused(path, ("list",), ("read", "x"), needle="not allowed")
    assert not pwned.exists()
    observe("hostile YAML", "`!!python/object/apply:os.system [\"touch PWNED\"]` as a title; `list` and `read`",
            seen + "; no file created")
    text = SEED_HEAD + "- id: x\n  title: !foo bar\n"
    seen = _assert_refused(_catalog_with(tmp_path, text), ("list",), needle="not allowed")
    observe("hostile YAML", "an unknown local tag `!foo`", seen)


def test_billion_laughs_is_refused_quickly(tmp_path):
    # 10 levels of 10 aliases: 90 aliases, 10^9 nodes once expanded
    lines = ['lol0: &l0 ["lol"]']
    for i in range(1, 10):
        lines.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    text = "wsskg: 1\n" + "\n".join("x-" + ln for ln in lines) + "\nentries:\n- id: x\n  title: t\n  notes: *l9\n"
    seen = _assert_refused(_catalog_with(tmp_path, text), ("list",), ("read", "x"), needle="aliases", max_s=10)
    observe("hostile YAML", "billion laughs: 10 levels of 10 aliases (90 aliases, 10^9 nodes expanded) at the top", seen)
    # the same bomb spread over valid entries, each entry's notes pointing at the previous one's
    text = SEED_HEAD + "- id: e0\n  title: t\n  notes: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"- id: e{i}\n  title: t\n  notes: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]\n" for i in range(1, 10))
    seen = _assert_refused(_catalog_with(tmp_path, text), ("list",), ("read", "e0"), needle="aliases", max_s=10)
    observe("hostile YAML", "the same bomb across 10 valid entries (each entry's notes alias the previous one's)", seen)
    # and inside one entry block (the block-by-block fast path must check it too)
    body = "".join(f"  x{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]\n" for i in range(1, 10))
    text = SEED_HEAD + "- id: x\n  title: t\n  notes: &l0 [lol]\n" + body
    seen = _assert_refused(_catalog_with(tmp_path, text), ("list",), needle="aliases", max_s=10)
    observe("hostile YAML", "the same bomb inside one entry block", seen)


def test_ten_megabyte_single_line(tmp_path):
    big = "A" * 10_000_000
    path = _catalog_with(tmp_path, SEED_HEAD + f"- id: big\n  title: {big}\n  topics: [A]\n")
    code, out, err, seconds, mb = wsskg("list", "-c", path, timeout=60)
    assert code == 0, err
    assert len(out) < 2000 and mb < 300  # the table shortens the title
    observe("hostile input", "a 10 MB title on one line in catalog.yaml; `list`",
            f"exit 0, title shortened to the table width; {seconds:.1f} s, {mb:.0f} MB")
    code, out, err, seconds, mb = wsskg("read", "big", "-c", path, timeout=60)
    assert code == 0 and mb < 300, err
    assert load_catalog(path, use_index=False).entries[0].title == big
    observe("hostile input", "the same file; `read big`",
            f"exit 0, status changed, title intact; {seconds:.1f} s, {mb:.0f} MB")
    path = _catalog_with(tmp_path, "x" * 10_000_000)
    seen = _assert_refused(path, ("list",), needle="expected a mapping")
    observe("hostile input", "catalog.yaml that is one 10 MB line of text", seen)
    md = tmp_path / "big.md"
    md.write_text("# List\n## Topic\n- [ ] " + "word " * 2_000_000 + "\n", encoding="utf-8")
    code, out, err, seconds, mb = wsskg("import", md, "-c", tmp_path / "fromdm.yaml", timeout=120)
    assert code == 0, err
    assert mb < 800
    assert len(load_catalog(tmp_path / "fromdm.yaml", use_index=False).entries) == 1
    observe("hostile input", "a Markdown list whose one entry is a 10 MB line of words; `import`",
            f"exit 0, imported as one entry; {seconds:.1f} s, {mb:.0f} MB")


def test_non_utf8_bytes(tmp_path):
    raw = (SEED_HEAD + "- id: x\n  title: caf").encode() + b"\xe9 \xff\n"
    path = _catalog_with(tmp_path, raw)
    seen = _assert_refused(path, ("list",), ("read", "x"), needle="not UTF-8")
    observe("hostile input", "Latin-1 bytes (0xe9 0xff) in catalog.yaml; `list` and `read`", seen + " (names line 7)")
    assert "catalog.yaml:7:" in wsskg("list", "-c", path)[2]
    md = tmp_path / "list.md"
    md.write_bytes(b"# L\n## T\n- [ ] Caf\xe9 paper\n")
    code, out, err, seconds, _ = wsskg("import", md, "-c", tmp_path / "new.yaml")
    msg = one_line_error(err).replace(str(tmp_path) + os.sep, "")
    assert code == 2 and "not UTF-8" in msg and ":3:" in msg
    assert not (tmp_path / "new.yaml").exists()
    observe("hostile input", "a Markdown list with a Latin-1 byte; `import`", f"exit 2, `{msg}`; no catalog written")


INJECTIONS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "</a><b>bold</b> & \"quotes\" 'single'",
    "title: with: colons # and hash",
    "- [x] fake checkbox",
    "!!python/object:os.system",
    "*alias &anchor",
    "%YAML 1.1",
    "line\nbreak\tand\ttabs",
    "\u202eright-to-left override",
    "null",
    "0x1F",
    "2024-01-02",
]


def test_injection_titles_round_trip_and_are_escaped(tmp_path):
    from wsskg.catalog import Catalog, Entry, Link, Topic

    cat = Catalog(title="t", topics=[Topic(path="A", name="A")], entries=[
        Entry(id=f"e{i}", title=t, topics=["A"], links=[Link(url=f"https://example.org/{i}?a=1&b=<2>", kind="web")])
        for i, t in enumerate(INJECTIONS)])
    path = tmp_path / "catalog.yaml"
    save_catalog(path, cat)
    back = load_catalog(path, use_index=False)
    assert [e.title for e in back.entries] == INJECTIONS
    assert [e.links[0].url for e in back.entries] == [e.links[0].url for e in cat.entries]
    observe("injection", f"{len(INJECTIONS)} titles with HTML, `javascript:` links, YAML syntax (`: `, `#`, `!!`, "
            "`*`, `&`, `%`), a fake checkbox, RTL override, `null`, numbers and dates; save and load",
            "every title and URL reads back exactly (written quoted where needed)")
    code, out, err, _, _ = wsskg("graph", "--format", "html", "-o", tmp_path / "g.html", "-c", path)
    assert code == 0, err
    html = (tmp_path / "g.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "\\u003cscript\\u003ealert(1)" in html or "&lt;script&gt;alert(1)" in html  # the title is there, escaped
    observe("injection", "the same titles in `graph --format html` (a page with the data inline)",
            "exit 0; no raw `<script>`/`<img>` from a title in the page (JSON with `<`, `>`, `&` escaped)")
    code, out, err, _, _ = wsskg("export", "--format", "json", "-c", path)
    assert code == 0 and [e["title"] for e in json.loads(out)["entries"]] == INJECTIONS
    observe("injection", "the same titles in `export --format json`", "valid JSON, titles exact")


# -- malformed catalogs -------------------------------------------------------------------------------

GOOD = SEED_HEAD + "- id: a\n  title: First\n  status: unread\n  topics: [A]\n- id: b\n  title: Second\n  topics: [A]\n"

MALFORMED = [
    ("bad indentation", GOOD.replace("  title: Second", "   title: Second"), "catalog.yaml:", ":11:"),
    ("tab indentation", GOOD.replace("  title: Second", "\ttitle: Second"), "catalog.yaml:", ":11:"),
    ("duplicate id", GOOD.replace("- id: b", "- id: a"), "duplicate id 'a'", ":10:"),
    ("unknown status", GOOD.replace("status: unread", "status: done"), "unknown status 'done'", ":6:"),
    ("unknown field", GOOD.replace("  title: Second", "  titel: Second"), "unknown field(s): titel", ":10:"),
    ("unclosed quote", GOOD.replace("title: First", 'title: "First'), "catalog.yaml:", ""),
    ("entries not a list", SEED_HEAD + "  id: a\n", "catalog.yaml", ""),
    ("unknown topic", GOOD.replace("topics: [A]\n- id: b", "topics: [B]\n- id: b"), "topic 'B' is not in", ":6:"),
    ("empty id", GOOD.replace("- id: b", "- id: ''"), "id must be", ""),
    ("NUL byte", GOOD.replace("Second", "Sec\0ond"), "catalog.yaml", ""),
]


@pytest.mark.parametrize("name, text, needle, where", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_catalog_is_one_line_error_and_untouched(tmp_path, name, text, needle, where):
    path = _catalog_with(tmp_path, text)
    seen = _assert_refused(path, ("list",), ("read", "a"), needle=needle)
    if where:
        assert where in seen, seen
    with pytest.raises(CatalogError):
        load_catalog(path)
    observe("malformed catalog", f"{name}; `list` and `read a`", seen)


def test_stale_index_is_never_used(seed_catalog_file):
    path = seed_catalog_file
    assert wsskg("list", "-c", path)[0] == 0  # builds the derived index
    text = path.read_text(encoding="utf-8")
    first = load_catalog(path).entries[0]
    # hand edit of the same size and the same mtime: only the content hash can tell
    st = os.stat(path)
    changed = text.replace(f"title: {first.title}", f"title: {first.title[::-1]}", 1)
    assert changed != text and len(changed) == len(text)
    path.write_text(changed, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    code, out, err, _, _ = wsskg("show", first.id, "--json", "-c", path)
    assert code == 0 and first.title[::-1] in out
    observe("derived index", "hand edit of catalog.yaml keeping its size and mtime, after the index was built",
            "the next command shows the edit (the index is keyed by the content hash)")
    cache = Path(os.environ["WSSKG_CACHE_DIR"]) / "index"
    planted = list(cache.glob("*.sqlite"))
    assert planted, "the index was not built where this test looks for it"
    for f in planted:
        f.write_bytes(b"garbage")
    code, out, err, _, _ = wsskg("show", first.id, "--json", "-c", path)
    assert code == 0 and first.title[::-1] in out
    observe("derived index", "a corrupt index file", "ignored and rebuilt; the command succeeds")
    shutil.rmtree(cache)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("not a directory")
    code, out, err, _, _ = wsskg("read", first.id, "-c", path)
    assert code == 0, err
    observe("derived index", "the cache dir cannot be written (a file where the index dir should be)",
            "commands still work from catalog.yaml alone")
