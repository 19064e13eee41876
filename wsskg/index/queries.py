"""The queries: rows back to entries, filters, resolve, topic counts, search (keyword, meaning,
hybrid) and one paper's neighbourhood. :class:`CatalogIndex` is the index with its queries."""

from __future__ import annotations

import json
import re
import sqlite3
from itertools import chain
from typing import Iterable, Iterator

from wsskg import catalog as cat_mod
from wsskg.catalog import Catalog, Entry, Link
from wsskg.errors import CatalogError
from wsskg.text import STOP_WORDS
from wsskg.search import Hit
from wsskg.index.rows import entry_from_data, json_rows, texts_of
from wsskg.index.schema import FIELDS, WEIGHTS, Progress
from wsskg.index.sync import SyncedIndex


class CatalogIndex(SyncedIndex):
    """An up-to-date index of one catalog file and its queries. Use :func:`wsskg.index.open_index`."""

    # -- reading rows ---------------------------------------------------------------------
    def _entries(self, where: str = "", params: Iterable = (), order: str = "pos", limit: int | None = None,
                 bulky: bool = False) -> list[Entry]:
        return [e for part in self._entry_chunks(where, params, order, limit, bulky) for e in part]

    def _entry_chunks(self, where: str = "", params: Iterable = (), order: str = "pos", limit: int | None = None,
                      bulky: bool = False, chunk: int = 2000) -> Iterator[list[Entry]]:
        """The entries the query selects, ``chunk`` at a time, so a caller that writes them out
        (``list --json`` at 100,000 papers) never holds them all. ``bulky``: with abstracts and
        reference lists (joined from the side rows)."""
        sql = "SELECT e.data" + (", s.abstract, s.refs, s.cited" if bulky else "") + " FROM entries e"
        if bulky:
            sql += " LEFT JOIN side s ON s.id = e.id"
        if where:
            sql += " WHERE " + where
        sql += f" ORDER BY e.{order}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        cur = self.conn.execute(sql, list(params))
        while rows := cur.fetchmany(chunk):
            datas = json_rows(r[0] for r in rows)
            if not bulky:
                yield list(map(entry_from_data, datas))
                continue
            # one parse for the chunk's lists (a json.loads per list cost more than the query)
            lists = json_rows(chain.from_iterable((r[2] or "[]", r[3] or "[]") for r in rows))
            out = []
            for k, (d, r) in enumerate(zip(datas, rows)):
                e = entry_from_data(d, r[1])
                e.references.extend(lists[2 * k])
                e.cited_by.extend(lists[2 * k + 1])
                out.append(e)
            yield out

    def _attach_refs(self, entries: list[Entry]) -> None:
        """Give ``entries`` their references and citations (from the side rows' lists)."""
        by_id = {e.id: e for e in entries}
        where = "refs IS NOT NULL OR cited IS NOT NULL"
        if len(entries) > 500:
            rows = self.conn.execute(f"SELECT id, refs, cited FROM side WHERE {where}")
        else:
            q = ",".join("?" * len(by_id))
            rows = self.conn.execute(f"SELECT id, refs, cited FROM side WHERE id IN ({q}) AND ({where})", list(by_id))
        rows = rows.fetchall()
        lists = json_rows(chain.from_iterable((r or "[]", c or "[]") for _, r, c in rows))
        for k, (eid, _, _) in enumerate(rows):
            e = by_id.get(eid)
            if e is not None:
                e.references.extend(lists[2 * k])
                e.cited_by.extend(lists[2 * k + 1])

    def entries(self, bulky: bool = False) -> list[Entry]:
        return self._entries(bulky=bulky)

    def get(self, entry_id: str, bulky: bool = True) -> Entry | None:
        found = self._entries("e.id = ?", (entry_id,), bulky=bulky)
        return found[0] if found else None

    def load_catalog(self, bulky: bool = True) -> Catalog:
        """The whole catalog, rebuilt from the rows (no YAML parsing)."""
        cat = self.skeleton()
        cat.entries = self._entries(bulky=bulky)
        if bulky:
            cat.external = self._external()
        return cat

    def _external(self) -> dict[str, dict]:
        """The outside papers' records, by S2 id."""
        rows = self.conn.execute("SELECT s2, data FROM external").fetchall()
        return dict(zip((r[0] for r in rows), json_rows(r[1] for r in rows)))

    def graph_catalog(self) -> Catalog:
        """The catalog as the graph needs it: every entry with its reference and citing lists and
        the outside papers, but no abstracts (no node carries one). Whole-catalog GraphML/GEXF
        read this instead of :meth:`load_catalog`: the abstracts are most of the sidecar."""
        cat = self.skeleton()
        cat.entries = self._entries(bulky=False)
        if cat.entries:
            self._attach_refs(cat.entries)
        cat.external = self._external()
        return cat

    # -- filters ----------------------------------------------------------------------------
    @staticmethod
    def _filter_sql(topic: str | None, status: str | None, year: int | None, kind: str | None,
                    tag: str | None = None) -> tuple[str, list]:
        """SQL for the filters of :func:`wsskg.search.filter_entries` (same meaning)."""
        where, params = [], []
        if tag:
            where.append("EXISTS (SELECT 1 FROM json_each(e.data, '$.tags') WHERE lower(value) = ?)")
            params.append(tag.lower())
        if status:
            where.append("e.status = ?")
            params.append(status)
        if year:
            where.append("e.year = ?")
            params.append(year)
        if kind:
            where.append("e.kind = ?")
            params.append(kind)
        if topic:
            w = topic.lower().strip("/")
            like = w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
            where.append("e.rid IN (SELECT rid FROM topics_of WHERE own = 1 AND "
                         "(low = ? OR low LIKE ? ESCAPE '\\' OR last = ?))")
            params += [w, like, w]
        return " AND ".join(where), params

    def filter_entries(self, topic: str | None = None, status: str | None = None, year: int | None = None,
                       kind: str | None = None, limit: int | None = None, bulky: bool = False,
                       tag: str | None = None) -> list[Entry]:
        """Entries in catalog order that pass the filters; ``bulky``: with abstracts and
        reference lists."""
        where, params = self._filter_sql(topic, status, year, kind, tag)
        return self._entries(where, params, limit=limit, bulky=bulky)

    def filter_chunks(self, topic: str | None = None, status: str | None = None, year: int | None = None,
                      kind: str | None = None, limit: int | None = None, bulky: bool = False,
                      tag: str | None = None, chunk: int = 2000) -> Iterator[list[Entry]]:
        """:meth:`filter_entries`, ``chunk`` entries at a time (for output that streams)."""
        where, params = self._filter_sql(topic, status, year, kind, tag)
        return self._entry_chunks(where, params, limit=limit, bulky=bulky, chunk=chunk)

    def table_rows(self, topic: str | None = None, status: str | None = None, year: int | None = None,
                   kind: str | None = None, limit: int | None = None,
                   tag: str | None = None) -> list[tuple[str, str, str]]:
        """``(id, status, tail)`` of the entries :meth:`filter_entries` returns, for
        :func:`wsskg.table.render`: the stored tails, no entry built (for ``list`` of 10,000
        entries, building them cost more than the query)."""
        where, params = self._filter_sql(topic, status, year, kind, tag)
        sql = "SELECT e.id, e.status, e.tail FROM entries e" + (f" WHERE {where}" if where else "") + " ORDER BY e.pos"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return self.conn.execute(sql, params).fetchall()

    # -- references ------------------------------------------------------------------------
    def resolve(self, ref: str) -> Entry:
        """The one entry ``ref`` names (:func:`wsskg.catalog.resolve_with`'s rule), each
        look-up a query of the rows."""
        return cat_mod.resolve_with(ref, self._lookup, self.closest)

    #: the rows each look-up of :data:`wsskg.catalog.LOOKUPS` selects
    _LOOKUP_SQL = {
        "id": "e.id = ?",
        "id_lower": "e.id_l = ?",
        "alias": "EXISTS (SELECT 1 FROM json_each(e.data, '$.aliases') WHERE lower(value) = ?)",
        "short_name": "lower(json_extract(e.data, '$.short_name')) = ?",
        "arxiv": "e.arxiv = ?",
        "doi": "e.doi_l = ?",
        "s2": "e.s2_l = ?",
        "title": "e.norm = ?1 OR e.norm_c = ?1",
        "title_part": "instr(e.norm, ?1) > 0 OR instr(coalesce(e.norm_c, ''), ?1) > 0",
    }

    def _lookup(self, kind: str, value: str) -> list[Entry]:
        return self._entries(self._LOOKUP_SQL[kind], (value,))

    def closest(self, ref: str, limit: int = 3) -> list[str]:
        from rapidfuzz import fuzz, process

        choices = {eid: f"{eid} {norm}" for eid, norm in self.conn.execute("SELECT id, norm FROM entries")}
        found = process.extract(ref.lower(), choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=50)
        out = []
        for _, _, key in found:
            e = self.get(key, bulky=False)
            if e is not None:
                out.append(cat_mod.describe(e))
        return out

    # -- topics ---------------------------------------------------------------------------
    def topic_counts(self) -> list[dict]:
        """As :func:`wsskg.search.topic_counts`, counted in SQL."""
        rows = {t: (total, read, reading, own) for t, total, read, reading, own in self.conn.execute(
            "SELECT topic, count(*), sum(status = 'read'), sum(status = 'reading'), sum(own) "
            "FROM topics_of GROUP BY topic")}
        out = []
        for t in self.skeleton().topics:
            total, read, reading, own = rows.get(t.path, (0, 0, 0, 0))
            out.append({"path": t.path, "name": t.name, "depth": t.depth, "total": total, "read": read or 0,
                        "reading": reading or 0, "own": own or 0})
        return out

    # -- search ---------------------------------------------------------------------------
    def vocabulary(self) -> list[str]:
        return [w for (w,) in self.conn.execute("SELECT word FROM vocab")]

    def search(self, query: str, topic: str | None = None, status: str | None = None, year: int | None = None,
               kind: str | None = None, limit: int | None = 20, mode: str | None = None,
               progress: Progress | None = None, tag: str | None = None) -> list[Hit]:
        """Search in ``mode``: ``keyword`` (:meth:`keyword_search`), ``meaning`` (cosine similarity
        of the entry and query vectors, ``wsskg.meaning``) or ``hybrid`` (the two rankings fused
        by reciprocal rank). Meaning and hybrid need the optional extra; the default is hybrid
        when it is installed, else keyword (:func:`wsskg.meaning.default_mode`)."""
        from wsskg import meaning

        mode = mode or meaning.default_mode()
        if mode not in meaning.MODES:
            raise CatalogError(f"unknown search mode {mode!r}; use one of {', '.join(meaning.MODES)}")
        if mode == "keyword":
            return self.keyword_search(query, topic, status, year, kind, limit, tag)
        fwhere, fparams = self._filter_sql(topic, status, year, kind, tag)
        by_meaning = self._meaning_ranking(query, fwhere, fparams, meaning.DEPTH, progress)
        if mode == "meaning":
            fused = [(rid, sim) for rid, sim in by_meaning]
            keyword_hits: dict[int, Hit] = {}
        else:
            kw = self.keyword_search(query, topic, status, year, kind, meaning.DEPTH, tag)
            keyword_hits = {h.rid: h for h in kw}
            fused = meaning.fuse([h.rid for h in kw], [rid for rid, _ in by_meaning])
        if limit:
            fused = fused[:limit]
        entries = self._by_rid([rid for rid, _ in fused if rid not in keyword_hits])
        close = {rid for rid, _ in by_meaning}
        hits = []
        for rid, score in fused:
            h = keyword_hits.get(rid)
            why = list(h.why) if h else []
            if rid in close:
                why.append("meaning")
            hits.append(Hit(entry=h.entry if h else entries[rid], score=score, why=why, rid=rid, mode=mode))
        return hits

    def _meaning_ranking(self, query: str, fwhere: str, fparams: list, depth: int,
                         progress: Progress | None) -> list[tuple[int, float]]:
        """``(rid, cosine)`` of the entries closest to ``query`` in meaning, best first."""
        import numpy as np

        from wsskg import meaning

        self._ensure_vectors(progress)
        allowed = None
        if fwhere:
            allowed = {rid for (rid,) in self.conn.execute(f"SELECT e.rid FROM entries e WHERE {fwhere}", fparams)}
        q = meaning.embed([query])[0]
        best: list[tuple[float, int]] = []
        rows = self.conn.execute("SELECT rid, v FROM vectors ORDER BY rid")
        while True:
            chunk = rows.fetchmany(8192)
            if not chunk:
                break
            if allowed is not None:
                chunk = [r for r in chunk if r[0] in allowed]
                if not chunk:
                    continue
            m = np.frombuffer(b"".join(v for _, v in chunk), dtype=np.float16).reshape(len(chunk), -1)
            sims = m.astype(np.float32) @ q
            top = np.argsort(-sims)[:depth]
            best += [(float(sims[i]), chunk[i][0]) for i in top]
        best.sort(key=lambda x: -x[0])
        return [(rid, sim) for sim, rid in best[:depth]]

    def _ensure_vectors(self, progress: Progress | None = None) -> None:
        """Vectors for the entries that have none yet (new or changed since the last search by
        meaning), stored in the index."""
        from wsskg import meaning

        c = self.conn
        missing = c.execute("SELECT e.rid, e.data, s.abstract FROM entries e LEFT JOIN side s ON s.id = e.id "
                            "WHERE e.rid NOT IN (SELECT rid FROM vectors)").fetchall()
        if not missing:
            return
        step = 1024
        for i in range(0, len(missing), step):
            part = missing[i:i + step]
            texts = [meaning.entry_text(entry_from_data(json.loads(d), a)) for _, d, a in part]
            vecs = meaning.embed(texts).astype("float16")
            c.execute("BEGIN")
            c.executemany("INSERT OR REPLACE INTO vectors VALUES(?, ?)",
                          [(rid, vecs[k].tobytes()) for k, (rid, _, _) in enumerate(part)])
            c.execute("COMMIT")
            if progress and len(missing) > 2000:
                progress(min(i + step, len(missing)), len(missing))

    def keyword_search(self, query: str, topic: str | None = None, status: str | None = None,
                       year: int | None = None, kind: str | None = None, limit: int | None = 20,
                       tag: str | None = None) -> list[Hit]:
        """Rank entries for ``query``: entries filed under a topic
        whose name matches come first, then text matches ranked by BM25 with field weights
        (title > short name, authors > venue, notes > abstract), then, below them all, entries
        that match only some of the query's words. A query word matches as a word prefix (so
        plurals match); a word the index has never seen is replaced by the closest words of the
        vocabulary (so typos match)."""
        from wsskg.search import words

        qwords = [w for w in words(query) if w]
        if not qwords:
            return []
        c = self.conn
        groups = [self._alternatives(w) for w in qwords]
        # topics whose own name matches every query word
        skeleton_topics = [(t.path, set(words(t.name))) for t in self.skeleton().topics]
        topic_score: dict[str, float] = {}
        tvocab = {w for _, ws in skeleton_topics for w in ws}
        texp = [_topic_alternatives(w, tvocab) for w in qwords]
        for path, tw in skeleton_topics:
            sc = 0.0
            for alts in texp:
                best = max((wt for w, wt in alts.items() if w in tw or any(x.startswith(w) for x in tw)),
                           default=0.0)
                if best == 0.0:
                    sc = 0.0
                    break
                sc += best
            if sc:
                topic_score[path] = sc / len(texp)
        fwhere, fparams = self._filter_sql(topic, status, year, kind, tag)
        fsql = (" AND " + fwhere) if fwhere else ""
        weights = ", ".join(str(w) for w in WEIGHTS)
        match = " AND ".join("(" + " OR ".join(g) + ")" for g in groups)
        want = limit or 1 << 62
        level_of: dict[int, float] = {}
        if topic_score:
            tq = ",".join("?" * len(topic_score))
            # ancestors count too (own = 0): a parent topic's name finds its subtopics' entries
            for rid, tp in c.execute(f"SELECT rid, topic FROM topics_of WHERE topic IN ({tq})",
                                     list(topic_score)):
                level_of[rid] = max(level_of.get(rid, 0.0), topic_score[tp])
        # entries in matching topics first (the best-matching topics first); within a topic, the
        # list's own order, those matching in a heavier field first
        topical: list[tuple[float, int, int]] = []  # (level, tier, rid)
        if level_of:
            order = dict(self._rows_pos(list(level_of), fsql, fparams))
            tier_of: dict[int, int] = {}
            for tier, cols in enumerate(_TIERS):
                for (rid,) in c.execute("SELECT rowid FROM fts WHERE fts MATCH ?", (f"{{{cols}}} : ({match})",)):
                    if rid in order and rid not in tier_of:
                        tier_of[rid] = tier
            topical = sorted(((level_of[rid], tier_of.get(rid, len(_TIERS)), rid) for rid in order),
                             key=lambda x: (-x[0], x[1], order[x[2]]))[:want]
        ranked = [(10.0 * level + (len(_TIERS) - tier) / len(_TIERS), rid) for level, tier, rid in topical]
        left = want - len(ranked)
        if left > 0:
            # then text matches outside those topics, best BM25 first
            rows = c.execute(f"SELECT f.rowid, bm25(fts, {weights}) AS r FROM fts f JOIN entries e ON e.rid = f.rowid "
                             f"WHERE fts MATCH ?{fsql} ORDER BY r, e.pos", [match, *fparams])
            for rid, r in rows:
                if rid not in level_of:
                    ranked.append((_squash(-r), rid))
                    if len(ranked) >= want:
                        break
        left = want - len(ranked)
        content = [g for w, g in zip(qwords, groups) if w not in STOP_WORDS]
        if left > 0 and len(content) > 1:
            # not every word matches anywhere: then entries matching some of them, by BM25
            # (below every entry that matches all), so a question in other words still finds
            # the papers that share its rarer words
            seen = {rid for _, rid in ranked}
            anyword = " OR ".join("(" + " OR ".join(g) + ")" for g in content)
            rows = c.execute(f"SELECT f.rowid, bm25(fts, {weights}) AS r FROM fts f JOIN entries e ON e.rid = f.rowid "
                             f"WHERE fts MATCH ?{fsql} ORDER BY r, e.pos LIMIT ?", [anyword, *fparams, left + len(seen)])
            for rid, r in rows:
                if rid not in seen:
                    ranked.append((_squash(-r) / 2, rid))
                    if len(ranked) >= want:
                        break
        taken = set(level_of)
        if not ranked:
            return []
        rids = [r for _, r in ranked]
        by_rid = self._by_rid(rids)
        in_topics: dict[int, list[str]] = {}
        for rid in taken.intersection(rids):
            in_topics[rid] = [t for t in by_rid[rid].topics if t in topic_score]
        pats = [[re.compile(r"\b" + re.escape(_alt_word(t)), re.I) for t in g] for g in groups]
        hits = []
        for score, rid in ranked:
            e = by_rid[rid]
            why = []
            tps = in_topics.get(rid)
            if tps:
                why.append("topic " + ", ".join(t.rsplit("/", 1)[-1] for t in tps))
            why += _why(e, pats)
            hits.append(Hit(entry=e, score=score, why=why, rid=rid))
        return hits

    def _rows_pos(self, rids: list[int], fsql: str = "", fparams: list | None = None) -> Iterator[tuple[int, int]]:
        """``(rid, pos)`` of those of ``rids`` that pass the filter SQL ``fsql``."""
        for i in range(0, len(rids), 900):
            part = rids[i:i + 900]
            yield from self.conn.execute(
                f"SELECT e.rid, e.pos FROM entries e WHERE e.rid IN ({','.join('?' * len(part))}){fsql}",
                [*part, *(fparams or ())])

    def _by_rid(self, rids: list[int]) -> dict[int, Entry]:
        out = {}
        for i in range(0, len(rids), 900):
            part = rids[i:i + 900]
            for rid, data, abstract in self.conn.execute(
                    f"SELECT e.rid, e.data, s.abstract FROM entries e LEFT JOIN side s ON s.id = e.id "
                    f"WHERE e.rid IN ({','.join('?' * len(part))})", part):
                out[rid] = entry_from_data(json.loads(data), abstract)
        es = list(out.values())
        if es:
            self._attach_refs(es)
        return out

    def _alternatives(self, w: str) -> list[str]:
        """FTS terms for one (plural-folded) query word: the word as a prefix (``network*`` finds
        networks), and when the index has no such word, the closest vocabulary words."""
        terms = [f'"{w}"*']
        if len(w) > 3 and w.endswith("y"):
            terms.append(f'"{w[:-1]}i"*')  # study -> studies
        found = self.conn.execute("SELECT 1 FROM fts WHERE fts MATCH ? LIMIT 1", (" OR ".join(terms),)).fetchone()
        if found or len(w) < 4:
            return terms
        from rapidfuzz import fuzz, process

        vocab = self.vocabulary()
        close = process.extract(w, vocab, scorer=fuzz.ratio, limit=5, score_cutoff=75)
        return terms + [f'"{v}"' for v, _, _ in close]

    # -- the graph around one entry ------------------------------------------------------------
    def neighbourhood(self, entry: Entry, limit: int = 5) -> dict:
        """What one paper is connected to, from the rows of that paper and its neighbours only.

        Keys: ``id``, ``cites`` and ``cited_by`` (catalog entries), ``cites_outside`` and
        ``cited_by_outside`` (counts of outside papers), ``topics`` (path, name, read, total)
        and ``unread_neighbours`` (the closest unread entries, each with ``reason``: direct
        citations first, then shared references, then shared topics)."""
        self.citations()
        c = self.conn
        eid = entry.id
        aliases = [s for (s,) in c.execute("SELECT s2 FROM s2map WHERE id = ?", (eid,))]
        a_q = ",".join("?" * len(aliases))
        cites: set[str] = set()
        cited_by: set[str] = set()
        outside_cites: set[str] = set()
        outside_cited: set[str] = set()
        for s2, d, target in c.execute("SELECT r.s2, r.dir, m.id FROM refs r LEFT JOIN s2map m ON m.s2 = r.s2 "
                                       "WHERE r.id = ?", (eid,)):
            if target is None:
                (outside_cited if d else outside_cites).add(s2)
            elif target != eid:
                (cited_by if d else cites).add(target)
        if aliases:
            for other, d in c.execute(f"SELECT id, dir FROM refs WHERE s2 IN ({a_q}) AND id != ?", [*aliases, eid]):
                (cites if d else cited_by).add(other)
        brief = self._briefs(cites | cited_by)
        cites_l = sorted((x for x in cites if x in brief), key=lambda x: brief[x]["_pos"])
        cited_l = sorted((x for x in cited_by if x in brief), key=lambda x: brief[x]["_pos"])
        topics = []
        for p in entry.topics:
            total, read = c.execute("SELECT count(*), sum(status = 'read') FROM topics_of "
                                    "WHERE topic = ? AND own = 1", (p,)).fetchone()
            topics.append({"path": p, "name": cat_mod.topic_name(p), "read": read or 0, "total": total})
        scored: dict[str, tuple[float, str]] = {}
        pos_of = {x: b["_pos"] for x, b in brief.items()}  # list order breaks ties

        def offer(oid: str, score: float, reason: str) -> None:
            if oid == eid:
                return
            if oid not in scored or scored[oid][0] < score:
                scored[oid] = (score, reason)

        for x in cites_l:
            if brief[x]["status"] == "unread":
                offer(x, 100.0, "this paper cites it")
        for x in cited_l:
            if brief[x]["status"] == "unread":
                offer(x, 90.0, "it cites this paper")
        # shared references (catalog papers and outside papers both count)
        if cites or outside_cites:
            # counted by SQLite: a popular reference is shared by thousands of papers (every
            # reference of this paper counts, but the paper itself, when it cites itself)
            for other, n, pos in c.execute(
                    "WITH mine AS (SELECT r1.s2 FROM refs r1 LEFT JOIN s2map m ON m.s2 = r1.s2 "
                    "WHERE r1.id = ? AND r1.dir = 0 AND (m.id IS NULL OR m.id != ?)), "
                    "shared AS (SELECT r2.id AS id, count(*) AS n FROM mine JOIN refs r2 ON r2.s2 = mine.s2 "
                    "AND r2.dir = 0 WHERE r2.id != ? GROUP BY r2.id) "
                    "SELECT s.id, s.n, e.pos FROM shared s JOIN entries e ON e.id = s.id WHERE e.status = 'unread'",
                    (eid, eid, eid)):
                pos_of[other] = pos
                offer(other, 10.0 + n, f"shares {n} reference{'s' if n != 1 else ''} with this paper")
        # a topic's offer scores below 1 and a citation's 10 or more: with ``limit`` of those,
        # no topic offer can reach the list
        strong = sum(1 for score, _ in scored.values() if score >= 1)
        for p in entry.topics if strong < limit else ():
            size = c.execute("SELECT count(*) FROM topics_of WHERE topic = ? AND own = 1", (p,)).fetchone()[0]
            for oid, pos in c.execute("SELECT e.id, e.pos FROM topics_of t JOIN entries e ON e.rid = t.rid "
                                      "WHERE t.topic = ? AND t.own = 1 AND e.status = 'unread' AND e.id != ? "
                                      "ORDER BY e.pos LIMIT ?", (p, eid, limit + len(scored))):
                pos_of[oid] = pos
                offer(oid, 1.0 / max(size, 1), f"also in topic {cat_mod.topic_name(p)}")
        # rank first, then read the few rows shown (a popular reference is shared by thousands)
        ranked = sorted((kv for kv in scored.items() if kv[0] in pos_of),
                        key=lambda kv: (-kv[1][0], pos_of[kv[0]]))[:limit]
        brief.update(self._briefs([x for x, _ in ranked if x not in brief]))

        def public(b: dict) -> dict:
            return {k: v for k, v in b.items() if k != "_pos"}

        return {
            "id": eid,
            "cites": [public(brief[x]) for x in cites_l],
            "cited_by": [public(brief[x]) for x in cited_l],
            "cites_outside": len(outside_cites),
            "cited_by_outside": len(outside_cited),
            "topics": topics,
            "unread_neighbours": [dict(public(brief[x]), reason=r) for x, (_, r) in ranked],
        }

    def _briefs(self, ids: Iterable[str]) -> dict[str, dict]:
        """``{id, title, status, year}`` of entries (and their position), read from columns only."""
        ids = list(ids)
        out = {}
        for i in range(0, len(ids), 900):
            part = ids[i:i + 900]
            for eid, title, url, status, year, pos in self.conn.execute(
                    f"SELECT id, json_extract(data, '$.title'), json_extract(data, '$.links[0].url'), status, year, "
                    f"pos FROM entries WHERE id IN ({','.join('?' * len(part))})", part):
                e = Entry(id=eid, title=title or "", links=[Link(url=url)] if url else [])
                out[eid] = {"id": eid, "title": e.display_title, "status": status, "year": year, "_pos": pos}
        return out

    # -- cached blobs (graph work) ----------------------------------------------------------
    def blob(self, key: str) -> bytes | None:
        row = self.conn.execute("SELECT value FROM blobs WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_blob(self, key: str, value: bytes) -> None:
        try:
            self.conn.execute("INSERT OR REPLACE INTO blobs VALUES(?, ?)", (key, value))
        except sqlite3.Error:
            pass


#: Groups of FTS columns, heaviest first: a topic's entries are ordered by the heaviest group
#: where the query matches, then in the list's order.
_TIERS = ("title", "short authors", "venue notes", "abstract")


def _squash(bm25: float) -> float:
    """A BM25 score (0..inf) as 0..1, so a text score never outweighs a topic match."""
    return bm25 / (bm25 + 1.0) if bm25 > 0 else 0.0


def _alt_word(term: str) -> str:
    return term.strip('"*').rstrip('"')


def _topic_alternatives(w: str, tvocab: set[str]) -> dict[str, float]:
    found = {w: 1.0}
    if len(w) >= 4:
        from rapidfuzz import fuzz, process

        for v, score, _ in process.extract(w, list(tvocab), scorer=fuzz.ratio, limit=12, score_cutoff=80):
            found.setdefault(v, 0.6 if score < 90 else 0.8)
    return found


def _why(e: Entry, pats: list[list[re.Pattern]]) -> list[str]:
    """The fields where the query words were found (best field per word)."""
    texts = dict(zip(FIELDS, (*texts_of(e), e.abstract or "")))
    texts["title"] = texts["title"]
    why: list[str] = []
    for group in pats:
        for name in FIELDS:
            t = texts[name]
            if t and any(rx.search(t) for rx in group):
                label = {"short": "short name", "notes": "notes"}.get(name, name)
                if name == "notes" and e.comment and any(rx.search(e.comment) for rx in group):
                    label = "comment"
                if label not in why:
                    why.append(label)
                break
    return why
