"""Time whole ``wsskg`` processes on synthetic catalogs, beside pubs, papis and the bare YAML parse.

    python benchmarks/run.py                    # 10,000 / 100,000 papers, pubs and papis at 10,000
    python benchmarks/run.py --sizes 1000,10000 --runs 5
    python benchmarks/run.py --tiny             # 200 papers, 1 run, no peers (the test suite runs this)

Each command is run ``--runs`` times as a separate process (median, min, max wall time; peak
resident memory of that process from ``os.wait4``). The catalogs are generated deterministically
by ``benchmarks/synth.py``: realistic titles, authors, venues, topics, statuses, abstracts and
10 citation edges per paper (in the sidecar), saved by wsskg itself. pubs 0.9.0 and papis 0.16.1
are installed from the package registry into a separate venv under the work dir and fed the same
papers (pubs: ``pubs import`` of one BibTeX file; papis: one folder with ``info.yaml`` per paper,
written directly). The floor is a bare ``yaml.load(text, CSafeLoader)`` of the same catalog.yaml.
The result is a Markdown table in ``docs/benchmarks.md`` (``--out``), with the targets of
issue 13 judged from it.

Queries go through the derived SQLite index (``wsskg/index/``): saving the synthetic catalog
writes it (as ``wsskg import`` does), the "cold" rows delete the cache first (a catalog wsskg
has never seen, or an index deleted by hand), and "next after a status change" marks one paper
read before each run (not timed), so the ranking is recomputed every time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from procstat import run_measured  # noqa: E402
from synth import synthetic_catalog, write_bibtex, write_papis_library  # noqa: E402

PUBS = ["pubs==0.9.0", "bibtexparser<2", "pyparsing"]
PAPIS = ["papis==0.16.1"]
QUERY = "affinity"
COMMON = "network"
FLOOR = "import sys, yaml; yaml.load(open(sys.argv[1], encoding='utf-8').read(), Loader=yaml.CSafeLoader)"
#: The 4x comparisons of issue 13: wsskg's work, the peer, the peer's work.
PAIRS = (("list", "pubs", "list"), (f"search {QUERY}", "pubs", f"list title:{QUERY}"),
         ("list", "papis", "list --all"), (f"search {QUERY}", "papis", f"list --all {QUERY}"))


@dataclass
class Row:
    size: int
    tool: str
    work: str
    times: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    note: str = ""
    failed: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu) if self.cpu else float("nan")


def run_once(argv: list[str], env: dict, timeout: float) -> tuple[float, float, int, str, float]:
    """Wall seconds, peak RSS (MB) of that one process (see ``procstat``), exit code, stderr
    tail, CPU seconds (user + system)."""
    o = run_measured(argv, env=env, timeout=timeout)
    if o.timed_out:
        return float("inf"), 0.0, -9, "timeout", float("inf")
    tail = o.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    return o.seconds, o.peak_mb, o.code, tail[0], o.cpu_seconds


def measure(row: Row, argv: list[str], env: dict, runs: int, timeout: float = 600, ok=(0,),
            before=None) -> Row:
    for i in range(runs):
        if before:
            argv = before(i) or argv
        wall, rss, code, tail, cpu = run_once(argv, env, timeout)
        if code == -9 and tail == "timeout":
            row.failed = "exit -9: timeout"
            break
        if code not in ok:
            row.failed = f"exit {code}: {tail}"[:120]
            break
        row.times.append(wall)
        row.rss_mb.append(rss)
        row.cpu.append(cpu)
    return row


def byte_compile() -> None:
    """Time wsskg as users run it: a pip install byte-compiles the package, so every process
    loads ``.pyc`` files. Some environments set ``PYTHONDONTWRITEBYTECODE``, under which an
    editable install recompiles every module of every process (~80 ms per command): the
    child processes get the variable removed, and the package is compiled once up front
    (pubs and papis come from pip, compiled at install)."""
    import compileall

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(str(ROOT / "wsskg"), quiet=1)


def wsskg_argv() -> list[str]:
    exe = Path(sys.executable).with_name("wsskg")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "wsskg"]


def has_command(base: list[str], env: dict, name: str) -> bool:
    out = subprocess.run(base + ["--help"], env=env, capture_output=True, text=True).stdout
    return any(line.strip().split(" ", 1)[0] == name for line in out.splitlines())


# -- wsskg -------------------------------------------------------------------------------------------

def bench_wsskg(size: int, work: Path, runs: int, log) -> tuple[list[Row], dict]:
    from wsskg.store import save_catalog

    d = work / f"wsskg-{size}"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    t0 = time.perf_counter()
    cat = synthetic_catalog(size)
    path = d / "catalog.yaml"
    gen = time.perf_counter() - t0
    old_cache = os.environ.get("WSSKG_CACHE_DIR")
    os.environ["WSSKG_CACHE_DIR"] = str(d / "cache")
    try:
        t0 = time.perf_counter()
        save_catalog(path, cat, index=True)  # writes catalog.yaml, the sidecar and the index, as `wsskg import` does
        saved = time.perf_counter() - t0
        # the index part of that save on its own: built again from the catalog in memory
        from wsskg.index import record_save

        shutil.rmtree(d / "cache", ignore_errors=True)
        t0 = time.perf_counter()
        record_save(path, cat, path.read_bytes(), create=True)
        index_s = time.perf_counter() - t0
    finally:
        if old_cache is None:
            os.environ.pop("WSSKG_CACHE_DIR", None)
        else:
            os.environ["WSSKG_CACHE_DIR"] = old_cache
    info = {"yaml_mb": path.stat().st_size / 1e6, "sidecar_mb": (d / "catalog.enrichment.json").stat().st_size / 1e6,
            "edges": sum(len(e.references) + len(e.cited_by) for e in cat.entries), "generate_s": gen,
            "save_s": saved, "index_s": index_s}
    env = dict(os.environ, WSSKG_CATALOG=str(path), WSSKG_CACHE_DIR=str(d / "cache"), NO_COLOR="1")
    env.pop("WSSKG_CATALOG_DEBUG", None)
    w = wsskg_argv()
    unread = [e.id for e in cat.entries if e.status == "unread"]
    bib = d / "papers.bib"  # the very file pubs imports (bench_pubs), for the import comparison
    write_bibtex(cat, bib)
    del cat
    rows: list[Row] = []

    def add(work_name: str, argv: list[str], n: int = runs, **kw) -> Row:
        log(f"  {size:>6} wsskg {work_name}")
        r = measure(Row(size, "wsskg", work_name), argv, env, n, **kw)
        rows.append(r)
        return r

    info["commands"] = {"list": (w + ["list"], env), f"search {QUERY}": (w + ["search", QUERY], env)}
    add("--help", w + ["--help"])
    idx = index_path(path, d / "cache")
    info["index_built"] = idx.exists()
    probe = unread[len(unread) // 2]
    add("first command after the save (index written by it)", w + ["show", probe], n=1)
    add(f"search {QUERY}", w + ["search", QUERY])
    add(f"search {COMMON} (a word in most abstracts)", w + ["search", COMMON])
    add("search saliancy (a typo)", w + ["search", "saliancy"])
    add("list", w + ["list"])
    add("list --status read --topic affinity", w + ["list", "--status", "read", "--topic", "affinity"])
    add("show (one entry and its neighbourhood)", w + ["show", probe])
    add("topics", w + ["topics"])
    picks = iter(unread)
    add("read (one status change)", w + ["read", unread[0]], before=lambda i: w + ["read", next(picks)])
    add("import BibTeX (the file pubs imports)", w + ["import", str(bib), "--force", "-c", str(d / "from-bib.yaml")])
    add("export --format bibtex", w + ["export", "--format", "bibtex", "-c", str(d / "from-bib.yaml")])
    if has_command(w, env, "next"):
        add("next", w + ["next"])
        add("next after a status change (ranking recomputed)", w + ["next"],
            before=lambda i: subprocess.run(w + ["read", next(picks)], env=env, capture_output=True) and None)
    add("list --json (every field, abstracts and references included)", w + ["list", "--json"],
        n=runs if size <= 10_000 else 1)
    add("export (Markdown)", w + ["export"], n=runs if size <= 10_000 else 1)
    if has_command(w, env, "graph"):
        add("graph --format graphml", w + ["graph", "--format", "graphml", "--force", "-o", str(d / "graph.graphml")],
            n=runs if size <= 10_000 else 1)
    # cold: no derived index (a catalog wsskg has not seen, or the cache deleted): built from catalog.yaml
    cold = Row(size, "wsskg", f"search {QUERY} (cold: cache deleted, index built from catalog.yaml)")
    for _ in range(1 if size > 10_000 else max(1, min(runs, 3))):
        shutil.rmtree(d / "cache", ignore_errors=True)
        log(f"  {size:>6} wsskg cold search")
        measure(cold, w + ["search", QUERY], env, 1, timeout=1800)
    rows.append(cold)
    if size <= 10_000:
        rows.append(measure(Row(size, "floor", "yaml.load(catalog.yaml, CSafeLoader)"),
                            [sys.executable, "-c", FLOOR, str(path)], env, runs))
    info["checks"] = index_checks(w, env, path, idx, unread)
    return rows, info


def index_path(path: Path, cache: Path) -> Path:
    """Where wsskg keeps the derived index of ``path`` when its cache dir is ``cache``."""
    from wsskg.index import index_file

    old = os.environ.get("WSSKG_CACHE_DIR")
    os.environ["WSSKG_CACHE_DIR"] = str(cache)
    try:
        return index_file(path)
    finally:
        if old is None:
            os.environ.pop("WSSKG_CACHE_DIR", None)
        else:
            os.environ["WSSKG_CACHE_DIR"] = old


def index_checks(w: list[str], env: dict, path: Path, idx: Path, unread: list[str]) -> dict:
    """Is the derived index used, and is it never stale?"""
    out: dict = {}
    ref = unread[-1]
    subprocess.run(w + ["search", QUERY], env=env, capture_output=True)  # make sure it is current
    before_text = path.read_text(encoding="utf-8").splitlines()
    subprocess.run(w + ["reading", unread[-2]], env=env, capture_output=True)
    after_text = path.read_text(encoding="utf-8").splitlines()
    import difflib

    changed = [ln for ln in difflib.unified_diff(before_text, after_text, lineterm="", n=0)
               if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    out["status change edits only that entry's status line"] = (
        changed == ["-  status: unread", "+  status: reading"])
    before = idx.stat().st_mtime_ns if idx.exists() else None
    subprocess.run(w + ["list", "-n", "1"], env=env, capture_output=True)
    out["warm run leaves the index alone"] = idx.exists() and idx.stat().st_mtime_ns == before
    subprocess.run(w + ["read", ref], env=env, capture_output=True)
    listed = json.loads(subprocess.run(w + ["list", "--json", "--status", "read"], env=env,
                                       capture_output=True, text=True).stdout or "[]")
    out["status change visible to the next command"] = any(e["id"] == ref for e in listed)
    # a hand edit (not through wsskg): the index must be rebuilt, not trusted
    text = path.read_text(encoding="utf-8")
    marker = "Handedited Zyxwv"
    new = text.replace(f"- id: {ref}\n  title: ", f"- id: {ref}\n  title: {marker} ", 1)
    path.write_text(new, encoding="utf-8")
    res = subprocess.run(w + ["search", "zyxwv", "--json"], env=env, capture_output=True, text=True)
    out["hand edit of catalog.yaml seen at once"] = new != text and ref in res.stdout
    path.write_text(text, encoding="utf-8")
    return out


# -- peers -------------------------------------------------------------------------------------------

def peer_venv(work: Path, log) -> Path | None:
    venv = work / "peers-venv"
    py = venv / "bin" / "python"
    if not (venv / "bin" / "pubs").exists() or not (venv / "bin" / "papis").exists():
        log("  installing pubs and papis into " + str(venv))
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        r = subprocess.run([str(py), "-m", "pip", "install", "-q", *PUBS, *PAPIS], capture_output=True, text=True)
        if r.returncode:
            log("  pip failed: " + r.stderr.strip()[-300:])
            return None
    return venv


def bench_pubs(size: int, work: Path, venv: Path, runs: int, log, commands: dict) -> list[Row]:
    """pubs on ``size`` papers; its commands of :data:`PAIRS` go into ``commands``."""
    d = work / f"pubs-{size}"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    bib = d / "papers.bib"
    write_bibtex(synthetic_catalog(size), bib)
    conf = d / "pubsrc"
    pubs = [str(venv / "bin" / "pubs"), "--config", str(conf)]
    env = dict(os.environ, HOME=str(d), NO_COLOR="1", EDITOR="true")
    subprocess.run(pubs + ["init", "-p", str(d / "repo")], env=env, capture_output=True, check=True)
    log(f"  {size:>6} pubs import")
    imp = measure(Row(size, "pubs", "import BibTeX (once)"), pubs + ["import", str(bib)], env, 1, timeout=1800)
    rows = [imp]
    for work_name, args in (("list", ["list"]), (f"list title:{QUERY}", ["list", f"title:{QUERY}"])):
        log(f"  {size:>6} pubs {work_name}")
        rows.append(measure(Row(size, "pubs", work_name), pubs + args, env, runs))
        commands[("pubs", work_name)] = (pubs + args, env)
    return rows


def bench_papis(size: int, work: Path, venv: Path, runs: int, log, timeout: float, commands: dict) -> list[Row]:
    """papis on ``size`` papers; its commands of :data:`PAIRS` go into ``commands``."""
    d = work / f"papis-{size}"
    shutil.rmtree(d, ignore_errors=True)
    lib = d / "lib"
    write_papis_library(synthetic_catalog(size), lib)
    cfg = d / "config" / "papis"
    cfg.mkdir(parents=True)
    (cfg / "config").write_text(f"[settings]\ndefault-library = bench\n\n[bench]\ndir = {lib}\n", encoding="utf-8")
    env = dict(os.environ, XDG_CONFIG_HOME=str(d / "config"), XDG_CACHE_HOME=str(d / "cache"), HOME=str(d),
               NO_COLOR="1")
    papis = [str(venv / "bin" / "papis")]
    log(f"  {size:>6} papis cache build")
    build = measure(Row(size, "papis", "first list (builds its cache, once)"),
                    papis + ["list", "--all", QUERY], env, 1, timeout=timeout)
    if build.failed == "exit -9: timeout":
        build.failed = f"did not finish in {timeout:.0f} s"
    rows = [build]
    if not build.failed:
        for work_name, args in (("list --all", ["list", "--all"]), (f"list --all {QUERY}", ["list", "--all", QUERY])):
            log(f"  {size:>6} papis {work_name}")
            rows.append(measure(Row(size, "papis", work_name), papis + args, env, runs))
            commands[("papis", work_name)] = (papis + args, env)
    return rows


def paired_work(ours: str, peer: str, theirs: str) -> tuple[str, str]:
    """The work names of a comparison measured with alternated runs (wsskg's, the peer's)."""
    return f"{ours} (runs alternated with {peer})", f"{theirs} (runs alternated with wsskg)"


def bench_pairs(size: int, ours: dict, peers: dict, runs: int, log) -> list[Row]:
    """Each comparison of :data:`PAIRS` again, the two commands run in turn (ours, theirs, ours,
    ...): the machine is shared and its speed drifts by 40 % over minutes, so commands timed
    minutes apart can differ by more than the margin being judged; run in turn, both see the
    same machine."""
    rows = []
    for ww, peer, pw in PAIRS:
        if ww not in ours or (peer, pw) not in peers:
            continue
        log(f"  {size:>6} wsskg {ww} / {peer} {pw}, in turn")
        mine, theirs = paired_work(ww, peer, pw)
        a, b = Row(size, "wsskg", mine), Row(size, peer, theirs)
        for argv, env in (ours[ww], peers[(peer, pw)]):  # once each, not timed: caches are as for the others
            run_once(argv, env, 600)
        for _ in range(runs):
            measure(a, *ours[ww], 1)
            measure(b, *peers[(peer, pw)], 1)
        rows += [a, b]
    return rows


# -- report ------------------------------------------------------------------------------------------

def fmt_s(x: float) -> str:
    return "-" if x != x else (f"{x:.3f}" if x < 10 else f"{x:.1f}")


def table(rows: list[Row]) -> str:
    out = ["| papers | tool | work | median s | min s | max s | CPU s (median) | runs | peak MB |",
           "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        if r.failed:
            out.append(f"| {r.size:,} | {r.tool} | {r.work} | {r.failed} | | | | {len(r.times)} | |")
            continue
        out.append(f"| {r.size:,} | {r.tool} | {r.work} | {fmt_s(r.median)} | {fmt_s(min(r.times))} | "
                   f"{fmt_s(max(r.times))} | {fmt_s(r.cpu_median)} | {len(r.times)} | {max(r.rss_mb):.0f} |")
    return "\n".join(out)


def targets(rows: list[Row], infos: dict | None = None) -> list[str]:
    """The targets of issue 13, judged from the rows."""
    def get(size: int, tool: str, work: str) -> Row | None:
        return next((r for r in rows if r.size == size and r.tool == tool and not r.failed and r.work == work), None)

    def judge(text: str, value, limit: float, unit: str = "s", below: bool = False) -> str:
        """``value``: a Row (judged on its median wall time, CPU time shown beside it), a number
        or None."""
        if value is None:
            return f"- {text}: not measured in this run"
        if isinstance(value, Row):
            wall, cpu = value.median, value.cpu_median
            ok = wall < limit if below else wall <= limit
            ok_cpu = cpu < limit if below else cpu <= limit
            return (f"- {text}: {fmt_s(wall)} s wall -> {'met' if ok else 'MISSED'} "
                    f"(CPU {fmt_s(cpu)} s -> {'within' if ok_cpu else 'over'})")
        ok = value < limit if below else value <= limit
        shown = fmt_s(value) if unit == "s" else f"{value:.0f}"
        return f"- {text}: {shown} {unit} -> {'met' if ok else 'MISSED'}"

    lines = []
    sizes = {r.size for r in rows if r.tool == "wsskg"}  # (papis runs at 1,000 papers too)
    for size in sorted(sizes):
        h = get(size, "wsskg", "--help")
        lines.append(judge(f"`wsskg --help` < 0.1 s ({size:,} papers)", h, 0.1, below=True))
    if 10_000 in sizes:
        for work in (f"search {QUERY}", "list", "show (one entry and its neighbourhood)", "read (one status change)"):
            r = get(10_000, "wsskg", work)
            lines.append(judge(f"`{work}` at 10,000 papers <= 0.2 s", r, 0.2))
        for ww, peer, pw in PAIRS:
            # judged on the runs made in turn where there are any (see bench_pairs)
            mine, theirs = paired_work(ww, peer, pw)
            p, r, how = get(10_000, peer, theirs), get(10_000, "wsskg", mine), "runs in turn"
            if not (p and r):
                p, r, how = get(10_000, peer, pw), get(10_000, "wsskg", ww), "timed minutes apart"
            if p and r:
                lines.append(f"- `wsskg {ww}` at least 4x faster than {peer} `{pw}` at 10,000 ({how}): "
                             f"{fmt_s(r.median)} s vs {fmt_s(p.median)} s wall ({p.median / r.median:.1f}x) -> "
                             f"{'met' if 4 * r.median <= p.median else 'MISSED'}; CPU {fmt_s(r.cpu_median)} s vs "
                             f"{fmt_s(p.cpu_median)} s ({p.cpu_median / r.cpu_median:.1f}x)")
        g = get(10_000, "wsskg", "graph --format graphml")
        lines.append(judge("`graph --format graphml` at 10,000 papers <= 1 s", g, 1.0))
    big = max(sizes, default=0)
    if big >= 100_000:
        n = f"{big:,}"
        for work, limit in ((f"search {QUERY}", 0.4), ("show (one entry and its neighbourhood)", 0.4),
                            ("read (one status change)", 0.4), ("next", 1.0),
                            ("next after a status change (ranking recomputed)", 1.0)):
            r = get(big, "wsskg", work)
            lines.append(judge(f"`{work}` at {n} papers <= {limit} s", r, limit))
        first = get(big, "wsskg", "first command after the save (index written by it)")
        lines.append(judge(f"first command after an import at {n} papers <= 10 s (the save wrote the index)",
                           first, 10.0))
        built = (infos or {}).get(big, {}).get("index_s")
        lines.append(judge(f"index build of an import at {n} papers (from the catalog in memory) <= 10 s",
                           built, 10.0))
        cold = next((r for r in rows if r.size == big and "cold" in r.work and not r.failed), None)
        lines.append(judge(f"first command with no index at all at {n} papers (built from catalog.yaml) <= 10 s",
                           cold, 10.0))
        for what, prefixes in (("a query (search, show, filtered list, topics)", ("search", "show", "list --status", "topics")),
                               ("`read`", ("read",)), ("`next`", ("next",))):
            queries = [r for r in rows if r.size == big and r.tool == "wsskg" and r.rss_mb and "cold" not in r.work
                       and r.work.startswith(prefixes)]
            peak = max((max(r.rss_mb) for r in queries), default=None)
            lines.append(judge(f"peak memory of {what} at {n} papers <= 150 MB", peak, 150, unit="MB"))
    return lines


def shown_args() -> str:
    """The command line as run, without machine paths (``--work``/``--out`` values)."""
    out, skip = [], False
    for a in sys.argv[1:]:
        if skip:
            skip = False
            continue
        if a in ("--work", "--out"):
            skip = True
            continue
        if a.startswith(("--work=", "--out=")):
            continue
        out.append(a)
    return " ".join(out)


def write_report(out: Path, rows: list[Row], infos: dict, args, elapsed: float) -> None:
    head = [
        "# Benchmarks",
        "",
        f"Generated by `{('python benchmarks/run.py ' + shown_args()).strip()}` in {elapsed / 60:.1f} min on "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}. "
        "Whole processes; wall time median/min/max over the runs; peak resident memory of the process. "
        "The machine is shared: repeated runs of the same command differ by up to 25 %, and its speed drifts "
        "by up to 40 % over minutes, so the 4x comparisons with pubs and papis are judged on runs made in turn "
        "(wsskg, the peer, wsskg, ...: the rows \"runs alternated\"), which see the same machine; the rows "
        "timed minutes apart are shown too. wsskg is byte-compiled first and run without "
        "`PYTHONDONTWRITEBYTECODE`, as a pip install runs it (pubs and papis are pip-installed).",
        "",
        "Synthetic catalogs (``benchmarks/synth.py``, seeded): realistic titles, 1-6 authors, venue and year, "
        "arXiv and S2 ids, 33 topics, a fifth read, 120-200-word abstracts and 10 citation edges per paper "
        "(in the sidecar JSON), written by wsskg itself (``save_catalog``, which also writes the derived index, "
        "as `wsskg import` does). Query commands read the derived SQLite index (``wsskg/index/``); cold rows "
        "delete the cache first.",
        "",
    ]
    for size, info in sorted(infos.items()):
        head.append(f"- {size:,} papers: catalog.yaml {info['yaml_mb']:.1f} MB, sidecar {info['sidecar_mb']:.1f} MB, "
                    f"{info['edges']:,} citation edges; save (catalog.yaml, sidecar and index, in process) "
                    f"{info.get('save_s', 0):.1f} s; the index alone (built again from the catalog in memory, "
                    f"as the save builds it) {info.get('index_s', 0):.1f} s; derived index built on first run: "
                    f"{info['index_built']}; "
                    + "; ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in info.get("checks", {}).items()))
    body = ["", "## Results", "", table(rows), "", "## Targets", "", *targets(rows, infos), ""]
    # keep the section benchmarks/ablation.py wrote (it takes longer; it is re-run separately)
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    marker = "## Which change bought what"
    extra = old[old.index(marker):] if marker in old else ""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(head + body) + ("\n" + extra if extra else ""), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated paper counts")
    ap.add_argument("--runs", type=int, default=5, help="runs per command (default 5)")
    ap.add_argument("--runs-large", type=int, default=2, help="runs per command above 10,000 papers")
    ap.add_argument("--peers-size", type=int, default=10_000, help="papers for the pubs/papis comparison")
    ap.add_argument("--papis-sizes", default="1000,10000", help="papis sizes (its cache build is slow)")
    ap.add_argument("--papis-timeout", type=float, default=600, help="give up on papis' cache build after N s")
    ap.add_argument("--no-peers", action="store_true", help="skip pubs and papis")
    ap.add_argument("--tiny", action="store_true", help="200 papers, 1 run, no peers (smoke test)")
    ap.add_argument("--work", default=None, help="work dir (default: a temp dir, kept for the peers venv)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = ap.parse_args(argv)
    if args.tiny:
        args.sizes, args.runs, args.no_peers = "200", 1, True
    sizes = [int(s) for s in args.sizes.split(",") if s]
    byte_compile()
    work = Path(args.work or Path(tempfile.gettempdir()) / "wsskg-bench")
    work.mkdir(parents=True, exist_ok=True)
    log = (lambda msg: print(msg, file=sys.stderr, flush=True))
    t0 = time.perf_counter()
    rows: list[Row] = []
    infos: dict = {}
    for size in sizes:
        runs = args.runs if size <= 10_000 else min(args.runs, args.runs_large)
        r, info = bench_wsskg(size, work, runs, log)
        rows += r
        infos[size] = info
    if not args.no_peers:
        venv = peer_venv(work, log)
        if venv:
            peer_commands: dict = {}
            rows += bench_pubs(args.peers_size, work, venv, args.runs, log, peer_commands)
            for size in (int(s) for s in args.papis_sizes.split(",") if s):
                found: dict = {}
                rows += bench_papis(size, work, venv, args.runs, log, args.papis_timeout, found)
                if size == args.peers_size:
                    peer_commands.update(found)
            if args.peers_size in infos:
                rows += bench_pairs(args.peers_size, infos[args.peers_size]["commands"], peer_commands,
                                    args.runs, log)
    write_report(Path(args.out), rows, infos, args, time.perf_counter() - t0)
    print(table(rows))
    print("\n".join(targets(rows, infos)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
