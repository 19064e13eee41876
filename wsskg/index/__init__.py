"""The derived index: one SQLite file per catalog in the cache dir, so a query reads only the
rows it needs instead of parsing the whole catalog. It is the one implementation of every
query (search, resolve, neighbourhood, next, discover): the CLI and the library both ask it.

catalog.yaml (and its sidecar) stay the one source of truth. The index records what it was
built from (size, mtime and SHA-1 of catalog.yaml's bytes, and its stat key: size, mtimes,
ctime, inode; size, mtime, ctime and inode of the sidecar, which only wsskg writes) and is
brought up to date before every use. While the stat key is the recorded one, the file is not
even read: no write can keep the ctime, and no hand edit can set it back. Otherwise:

* catalog.yaml in the layout wsskg writes is split into entry blocks (``- id:`` at column 0);
  each block's SHA-1 is stored with its row, so after a hand edit or a status change only the
  blocks whose bytes changed are parsed and re-indexed. Anything else (another layout, a
  changed header or topic list, an error) goes through the full, careful parse of
  ``wsskg.files.parse_catalog``, which also reports errors with their line.
* The sidecar (abstracts, references) is compared entry by entry (a hash of each entry's part).

Tables: ``entries`` (one row per entry: the catalog.yaml fields as JSON, plus the columns
filters and look-ups need), ``topics_of`` (entry -> its topics and their ancestors),
``side`` (abstracts, and references and citations as JSON lists), ``refs`` (citation edges as
S2 ids, both directions), ``s2map`` (which S2 ids are catalog entries), ``external`` (outside
papers), ``vocab`` (the words of titles, short names, authors and comments, for typo
tolerance) and ``fts`` (FTS5, BM25-ranked, one column per field so the fields weigh
differently).

A full build (an import, a new header, a deleted cache) writes every row in one transaction
without a journal when no one else has the file open, has a forked child write the text
tables meanwhile (``wsskg.textbuild``), and leaves ``refs`` and ``s2map`` to the first command
that reads citations (:meth:`CatalogIndex.citations`): 8 s at 100,000 papers, from 24-29 s.

Modules, each standing on the ones before it: ``schema`` (where the file lives, the tables),
``rows`` (what a row holds, fingerprints), ``sync`` (keeping the rows current), ``queries``
(:class:`CatalogIndex`: the rows' queries), ``opening`` (:func:`open_index`,
:func:`memory_index`, :func:`record_save`) and ``walk`` (``next`` and ``discover``). It stands
on :mod:`wsskg.files` and the model, never on :mod:`wsskg.store`, which stands on it.

SQLite cannot run code when it is opened (unlike a pickle), and the folder and the file must
belong to the current user and not be writable by others; otherwise, or when the cache
cannot be written at all, the index is built in memory for this one command.
"""


from wsskg.index.opening import memory_index, open_index, record_save
from wsskg.index.queries import CatalogIndex
from wsskg.index.rows import block_hash, entry_from_data, file_stat, next_item, side_hash, texts_of
from wsskg.index.schema import MEMORY_PATH, SCHEMA_VERSION, Progress, index_file, open_db
from wsskg.index.walk import discover, has_citations, next_papers, pagerank

__all__ = [
    "MEMORY_PATH", "SCHEMA_VERSION", "CatalogIndex", "Progress", "block_hash", "discover", "entry_from_data",
    "file_stat", "has_citations", "index_file", "memory_index", "next_item", "next_papers", "open_db", "open_index",
    "pagerank", "record_save", "side_hash", "texts_of",
]
