"""Graph work from the rows: the recommendation walk (cached in the index), personalised
PageRank, ``next`` and ``discover``."""

from __future__ import annotations

import hashlib
import json
from array import array
from itertools import chain

from wsskg.index.queries import CatalogIndex
from wsskg.index.schema import BLOB_CACHE_KIB, CACHE_KIB
from wsskg.index.sync import shared_bar


# -- graph work from the rows: `next` and `discover` -------------------------------------------------

#: The walk's arcs change only when entries, topics or citations do; they are cached in the
#: index (``blobs``) and dropped by any sync that changes rows. The ranking for one set of
#: read/reading papers is cached too, and the last one is where the next computation starts.
_WALK_KEY = "walk"
#: numpy types of the walk's arrays: source, destination, weight, kind (``array`` codes i, i, f, b).
_WALK_TYPES = ("int32", "int32", "float32", "int8")


def _walk(idx: CatalogIndex):
    """``(count, n, src, dst, w, kind)``: the number of entries (node i is the entry at list
    position i), the node count, and the arcs of the recommendation walk as arrays (``kind``: 0 topic, 1 cites,
    2 cited-by, 3 shared reference), weighted as :mod:`wsskg.recommend` says."""
    from wsskg import recommend as rec

    import numpy as np

    # read past a small page cache: the blobs are 26 MB at 100,000 papers, and pages cached on
    # the way would double that in memory
    idx.conn.execute(f"PRAGMA cache_size={BLOB_CACHE_KIB}")
    try:
        cached = [idx.blob(f"{_WALK_KEY}:{part}") for part in ("count", "n", "src", "dst", "w", "kind")]
    finally:
        idx.conn.execute(f"PRAGMA cache_size={CACHE_KIB}")
    if all(x is not None for x in cached):
        count, n = int(cached[0]), int(cached[1])
        # views of the blobs' bytes (no copy: at 100,000 papers they are two million arcs)
        arrs = [np.frombuffer(raw, dtype=code) for code, raw in zip(_WALK_TYPES, cached[2:])]
        if len(arrs[0]) == len(arrs[1]) == len(arrs[2]) == len(arrs[3]):
            return count, n, *arrs
    del cached
    report = idx.work_progress(idx.progress)
    if idx._meta("cites") != "1":  # the citation tables first: half of the bar
        cites_part, report = shared_bar(report, 0.5)
        idx.citations(cites_part)
    c = idx.conn
    count = c.execute("SELECT count(*) FROM entries").fetchone()[0]
    src, dst, w, kind = array("i"), array("i"), array("f"), array("b")
    nxt = [count]
    topic_num: dict[str, int] = {}

    def arcs(us: list[int], vs: list[int], weight: float, k: int) -> None:
        """Arcs u -> v and v -> u for each pair (the walk goes both ways)."""
        src.extend(us)
        dst.extend(vs)
        src.extend(vs)
        dst.extend(us)
        w.extend([weight] * (2 * len(us)))
        kind.extend([k] * (2 * len(us)))

    def tnum(path: str) -> int:
        i = topic_num.get(path)
        if i is None:
            i = topic_num[path] = nxt[0]
            nxt[0] += 1
            if "/" in path:
                parent = tnum(path.rsplit("/", 1)[0])
                arcs([i], [parent], rec.W_SUBTOPIC, 0)
        return i

    us, ts = [], []
    for pos, tp in c.execute("SELECT e.pos, t.topic FROM topics_of t JOIN entries e ON e.rid = t.rid "
                             "WHERE t.own = 1 ORDER BY e.pos, t.rowid"):
        us.append(pos)
        ts.append(tnum(tp))
    arcs(us, ts, rec.W_TOPIC, 0)
    report(1, 3)
    # citations between catalog papers, both directions of the data, each pair once, in
    # (citing, cited) order: as one sorted array of pair keys (a million rows at 100,000
    # papers; a set of tuples of them took 200 MB)
    rows = c.execute("SELECT e1.pos, r.dir, e2.pos FROM refs r JOIN s2map m ON m.s2 = r.s2 "
                     "JOIN entries e1 ON e1.id = r.id JOIN entries e2 ON e2.id = m.id")
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64)
    a, d, b = flat[0::3], flat[1::3], flat[2::3]
    keep = a != b
    cited = d[keep] != 0
    u = np.where(cited, b[keep], a[keep])
    v = np.where(cited, a[keep], b[keep])
    del flat, a, d, b, keep, cited
    span = max(count, 1)
    keys = np.unique(u * span + v)
    del u, v
    us = (keys // span).astype(np.int32)
    vs = (keys % span).astype(np.int32)
    n_p = len(keys)
    del keys
    for s_, d_, weight, k in ((us, vs, rec.W_CITES, 1), (vs, us, rec.W_CITED_BY, 2)):
        src.frombytes(s_.tobytes())
        dst.frombytes(d_.tobytes())
        w.frombytes(np.full(n_p, weight, dtype=np.float32).tobytes())
        kind.frombytes(np.full(n_p, k, dtype=np.int8).tobytes())
    del us, vs
    report(2, 3)
    # outside papers cited by two or more catalog papers tie them together
    # (grouped by SQLite in reference order, each group's papers in list order: no dict of sets)
    us, xs = [], []
    group: list[int] = []
    last = None
    for s2, pos in chain(c.execute("SELECT DISTINCT r.s2, e.pos FROM refs r JOIN entries e ON e.id = r.id "
                                   "WHERE r.dir = 0 AND r.s2 NOT IN (SELECT s2 FROM s2map) ORDER BY r.s2, e.pos"),
                         [(None, None)]):
        if s2 != last:
            if len(group) >= 2:  # a reference of one paper only is a dead end: it teaches the walk nothing
                xi = nxt[0]
                nxt[0] += 1
                us += group
                xs += [xi] * len(group)
            group = []
            last = s2
        group.append(pos)
    arcs(us, xs, rec.W_SHARED_REF, 3)
    report(3, 3)
    n = nxt[0]
    idx.set_blob(f"{_WALK_KEY}:count", str(count).encode())
    idx.set_blob(f"{_WALK_KEY}:n", str(n).encode())
    for part, arr in (("src", src), ("dst", dst), ("w", w), ("kind", kind)):
        idx.set_blob(f"{_WALK_KEY}:{part}", memoryview(arr))  # no bytes copy of each array
    return count, n, *(np.frombuffer(a, dtype=code) for code, a in zip(_WALK_TYPES, (src, dst, w, kind)))


#: Arcs per step of a PageRank iteration: numpy converts index arrays to its own index type on
#: every call, so whole-array calls would make arc-sized temporaries (16 MB each at 100k papers).
_ARC_CHUNK = 1 << 18
#: The walk stops when the ranking moves less than this per node, or after so many rounds.
PAGERANK_TOL = 1e-9
PAGERANK_MAX_ITER = 200


def pagerank(n: int, src, dst, w, seeds: dict[int, float], start: array | None = None,
             alpha: float | None = None, tol: float = PAGERANK_TOL, max_iter: int = PAGERANK_MAX_ITER) -> list[float]:
    """Personalised PageRank over ``n`` nodes and the arcs ``src[i] -> dst[i]`` of weight
    ``w[i]``, restarting to ``seeds`` (every node alike when there are none) with probability
    ``1 - alpha`` (default :data:`wsskg.recommend.ALPHA`); the mass of a node without out-arcs
    restarts too. Vectorised with numpy (0.02 s per iteration at 100,000 papers, 0.5 s in pure
    Python), starting from ``start`` (a previous ranking) when given. The arcs are walked in
    chunks, so memory beyond the walk itself is one array of arc weights."""
    import numpy as np

    from wsskg import recommend as rec

    if n == 0:
        return []
    alpha = rec.ALPHA if alpha is None else alpha
    m = len(src)
    p = np.array(w, dtype=np.float64)  # transition probabilities, computed in place
    out_w = np.zeros(n)
    for i in range(0, m, _ARC_CHUNK):
        out_w += np.bincount(src[i:i + _ARC_CHUNK], weights=p[i:i + _ARC_CHUNK], minlength=n)
    for i in range(0, m, _ARC_CHUNK):
        p[i:i + _ARC_CHUNK] *= alpha / out_w[src[i:i + _ARC_CHUNK]]
    pers = np.zeros(n)
    if not seeds or sum(seeds.values()) <= 0:
        pers[:] = 1.0 / n
    else:
        total = sum(seeds.values())
        for i, v in seeds.items():
            pers[i] = v / total
    x = pers.copy()
    if start is not None and len(start) == n:
        x = np.frombuffer(start, dtype=np.float64).copy()
    buf = np.empty(min(m, _ARC_CHUNK))
    for _ in range(max_iter):
        new = np.zeros(n)
        for i in range(0, m, _ARC_CHUNK):
            k = min(_ARC_CHUNK, m - i)
            np.take(x, src[i:i + k], out=buf[:k])
            buf[:k] *= p[i:i + k]
            new += np.bincount(dst[i:i + k], weights=buf[:k], minlength=n)
        new += (1.0 - new.sum()) * pers
        err = float(np.abs(new - x).sum())
        x = new
        if err < tol * n:
            break
    return x.tolist()


#: Scores are compared rounded to 9 decimals (ties broken by evidence, then list order); a raw score this
#: far below the cut cannot round up to it.
_ROUND_MARGIN = 1e-8


def _top_candidates(cands: list[tuple[int, str]], pr: array, n_entries: int, limit: int) -> list[tuple[int, str]]:
    """The candidates whose rounded score reaches the ``limit``-th best (ties included), as
    :func:`next_papers` ranks them. numpy finds the cut; Python's ``round`` decides only the few
    near it (80,000 rounds at 100k papers took 0.1 s)."""
    import numpy as np

    pos = np.fromiter((p for p, _ in cands), dtype=np.intp, count=len(cands))
    vals = np.frombuffer(pr, dtype=np.float64)[pos] * n_entries
    k = min(limit, len(cands))
    kth = np.partition(vals, len(vals) - k)[len(vals) - k]
    near = [cands[i] for i in np.nonzero(vals >= kth - _ROUND_MARGIN)[0].tolist()]
    scores = sorted((round(pr[p] * n_entries, 9) for p, _ in near), reverse=True)
    cut = scores[k - 1]
    return [(p, eid) for p, eid in near if round(pr[p] * n_entries, 9) >= cut]


def next_papers(idx: CatalogIndex, limit: int = 10, topic: str | None = None) -> list[dict]:
    """Unread papers to read next, best first: personalised PageRank over the walk, seeded on
    what is read (and, half as strongly, what is being read); the ranking is cached per set of
    seeds. Each item: ``id, title, score, reason, reasons, year, venue, topics, url`` and the
    evidence ``read_citing``, ``read_cited``, ``catalog_citing``. ``score`` is relative to a
    uniform walk (1.0 = average). ``topic`` (a path or name) keeps that topic's papers only."""
    from wsskg import recommend as rec
    from wsskg.catalog import resolve_topic
    from wsskg.graph import entry_url

    c = idx.conn
    path = resolve_topic(idx.skeleton(), topic) if topic else None
    count, n, src, dst, w, kind = _walk(idx)
    if c.execute("SELECT count(*) FROM entries").fetchone()[0] != count:  # a stale cache: rebuild it
        c.execute("DELETE FROM blobs")
        count, n, src, dst, w, kind = _walk(idx)
    # list position -> status of the papers read or being read (the others are unread)
    status = dict(c.execute("SELECT pos, status FROM entries WHERE status != 'unread' ORDER BY pos"))
    seeds = {i: rec.STATUS_SEED[st] for i, st in status.items() if st in rec.STATUS_SEED}
    key = "seeds:" + hashlib.sha1(repr(sorted(seeds.items())).encode()).hexdigest()
    cached = idx.blob(key)
    if cached is not None and len(cached) == 8 * n:
        pr = array("d")
        pr.frombytes(cached)
    else:
        last = idx.blob("last-ranking")
        start = None
        if last is not None and len(last) == 8 * n:
            start = array("d")
            start.frombytes(last)
        pr = array("d", pagerank(n, src, dst, w, seeds, start))
        c.execute("DELETE FROM blobs WHERE key LIKE 'seeds:%'")
        idx.set_blob(key, pr.tobytes())
        idx.set_blob("last-ranking", pr.tobytes())
    n_entries = max(count, 1)
    # candidates: unread papers (in the topic), best score first; evidence only for the top ones
    where = "e.status = 'unread' AND e.kind = 'paper'"
    params: list = []
    if path:
        like = path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
        where += " AND e.rid IN (SELECT rid FROM topics_of WHERE own = 1 AND (topic = ? OR topic LIKE ? ESCAPE '\\'))"
        params += [path, like]
    cands = c.execute(f"SELECT e.pos, e.id FROM entries e WHERE {where}", params).fetchall()
    if not cands:
        return []
    short = _top_candidates(cands, pr, n_entries, limit)
    chosen = {pos for pos, _ in short}
    cited_by: dict[int, set[int]] = {p: set() for p in chosen}
    cites: dict[int, set[int]] = {p: set() for p in chosen}
    if len(src):
        import numpy as np

        # the citation arcs touching the chosen papers, found in C
        is_cite = kind == 1
        pick = np.fromiter(chosen, dtype=np.int32, count=len(chosen))
        into = is_cite & np.isin(dst, pick)
        out_of = is_cite & np.isin(src, pick)
        for u, v in zip(src[into].tolist(), dst[into].tolist()):
            cited_by[v].add(u)
        for u, v in zip(src[out_of].tolist(), dst[out_of].tolist()):
            cites[u].add(v)
    progress = {t: (r or 0, tot) for t, tot, r in c.execute(
        "SELECT topic, count(*), sum(status = 'read') FROM topics_of WHERE own = 1 GROUP BY topic")}
    entries = {e.id: e for e in idx._entries(f"e.id IN ({','.join('?' * len(short))})", [eid for _, eid in short])}
    has_seeds = bool(seeds)
    scored = []
    for pos, eid in short:
        e = entries[eid]
        read_citing = sum(1 for x in cited_by[pos] if status.get(x) == "read")
        read_cited = sum(1 for x in cites[pos] if status.get(x) == "read")
        scored.append((pr[pos] * n_entries, e, read_citing, read_cited, len(cited_by[pos]), pos))
    scored.sort(key=lambda s: (-round(s[0], 9), -s[2], -s[4], -(s[1].citation_count or 0),
                               rec.entry_year(s[1]) or 9999, s[5]))
    out = []
    for score, e, read_citing, read_cited, n_citing, _ in scored[:limit]:
        reasons = rec.reasons_for(e, read_citing, read_cited, n_citing, progress, has_seeds)
        out.append({
            "id": e.id, "title": e.display_title, "score": round(score, 4),
            "reason": "; ".join(reasons[:2]), "reasons": reasons,
            "year": rec.entry_year(e), "venue": e.venue or e.canonical_venue, "topics": list(e.topics),
            "url": entry_url(e), "read_citing": read_citing, "read_cited": read_cited,
            "catalog_citing": n_citing,
        })
    return out


def has_citations(idx: CatalogIndex) -> bool:
    return idx.conn.execute("SELECT 1 FROM side WHERE refs IS NOT NULL OR cited IS NOT NULL LIMIT 1").fetchone() is not None


def discover(idx: CatalogIndex, direction: str = "cited", topic: str | None = None, limit: int = 20) -> list[dict]:
    """Papers outside the catalog, most connected to it first, counted in SQL over the citation
    rows. ``direction="cited"``: those catalog papers cite (the classics the list is missing);
    ``"citing"``: those that cite catalog papers (what came after); never a work the catalog
    holds (:class:`wsskg.recommend.HeldWorks`). ``topic`` counts only that topic's papers. Each
    item as :func:`wsskg.recommend.discovered` makes it (with the ``add`` command)."""
    from wsskg import recommend as rec
    from wsskg.catalog import resolve_topic
    from wsskg.errors import WsskgError

    if direction not in ("cited", "citing"):
        raise WsskgError(f"direction must be 'cited' or 'citing', not {direction!r}")
    idx.citations()
    c = idx.conn
    path = resolve_topic(idx.skeleton(), topic) if topic else None
    d = 0 if direction == "cited" else 1
    where, params = "", []
    if path:
        like = path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
        where = (" AND r.id IN (SELECT e.id FROM entries e JOIN topics_of t ON t.rid = e.rid WHERE t.own = 1 "
                 "AND (t.topic = ? OR t.topic LIKE ? ESCAPE '\\'))")
        params = [path, like]
    counts = c.execute(f"SELECT r.s2, count(DISTINCT r.id) FROM refs r WHERE r.dir = ? AND r.s2 NOT IN "
                       f"(SELECT s2 FROM s2map){where} GROUP BY r.s2", [d, *params]).fetchall()
    if not counts:
        return []
    meta = {}
    sids = [s for s, _ in counts]
    for i in range(0, len(sids), 900):
        part = sids[i:i + 900]
        for s2, data in c.execute(f"SELECT s2, data FROM external WHERE s2 IN ({','.join('?' * len(part))})", part):
            meta[s2] = json.loads(data)
    rows = []
    for sid, count in counts:
        m = meta.get(sid) or {}
        year = m.get("year") if isinstance(m.get("year"), int) else None
        cc = m.get("citation_count") if isinstance(m.get("citation_count"), int) else None
        rows.append((count, sid, m, year, cc))
    if direction == "cited":
        rows.sort(key=lambda r: (-r[0], -(r[4] or 0), r[3] or 9999, r[1]))
    else:
        rows.sort(key=lambda r: (-r[0], -(r[3] or 0), -(r[4] or 0), r[1]))
    # never a work the catalog holds (under another id, a short name, or unmatched): the same
    # test as recommend.discover, over the entries' rows, asked only until the list is full
    held = rec.HeldWorks(idx.entries())
    kept = []
    for row in rows:
        if held.holds(row[1], row[2]):
            continue
        kept.append(row)
        if len(kept) >= limit:
            break
    out = []
    for count, sid, m, year, cc in kept:
        members = [(pos, eid, st, tps) for pos, eid, st, tps in c.execute(
            f"SELECT DISTINCT e.pos, e.id, e.status, json_extract(e.data, '$.topics') FROM refs r "
            f"JOIN entries e ON e.id = r.id WHERE r.s2 = ? AND r.dir = ?{where}", [sid, d, *params])]
        members.sort()
        out.append(rec.discovered(sid, m, year, cc, count, direction,
                                  [(eid, st, json.loads(tps or "[]")) for _, eid, st, tps in members]))
    return out
