"""Search by meaning (the optional extra ``pip install 'wsskg[meaning]'``).

A small static text-embedding model whose weights ship inside a PyPI package: ``wordllama``
(its default 256-dimension "l2_supercat" model, 16 MB, in the package's ``weights/`` folder).
Nothing is downloaded at run time: the model is loaded from the installed package with
downloads disabled. Each entry's text (title, canonical title, comment, notes, topic names,
abstract) becomes one unit vector, stored in the derived index (``wsskg.index``, table
``vectors``) the first time a search by meaning needs it and kept entry by entry like every
other row; a query is embedded the same way and compared by cosine similarity.

Licence: wordllama's code is MIT. Its README says the default model was trained from the
token-embedding codebooks of LLaMA 2 70B and phi-3 medium; the package states no separate
licence for the weights, so whoever redistributes them should check the LLaMA 2 Community
License. wsskg neither ships nor downloads them: the extra only depends on the package.

Without the extra everything works as before (keyword search); :func:`available` tells.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from wsskg.errors import WsskgError

if TYPE_CHECKING:
    from wsskg.catalog import Entry

MODES = ("keyword", "meaning", "hybrid")
#: Reciprocal rank fusion constant (the usual 60): score = sum over rankings of 1 / (K + rank).
RRF_K = 60
#: How deep each ranking is read before fusing.
DEPTH = 50
MODEL_NAME = "wordllama l2_supercat 256"

_model = None


def available() -> bool:
    """Is the optional model package installed?"""
    return importlib.util.find_spec("wordllama") is not None


def default_mode() -> str:
    return "hybrid" if available() else "keyword"


def model():
    """The embedding model, loaded once from the installed package (never downloaded)."""
    global _model
    if _model is None:
        if not available():
            raise WsskgError("search by meaning needs the optional model: pip install 'wsskg[meaning]'")
        import wordllama
        from wordllama import WordLlama

        try:
            _model = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
        except Exception as e:  # a broken install: say so in one line
            raise WsskgError(f"the meaning model could not be loaded from the wordllama package: {e}") from None
    return _model


def entry_text(e: "Entry") -> str:
    parts = [e.title, e.canonical_title or "", e.comment, *e.notes, *(r.note for r in e.results),
             " ".join(t.rsplit("/", 1)[-1] for t in e.topics), e.abstract or ""]
    return " ".join(p for p in parts if p)


def embed(texts: Iterable[str]):
    """Unit vectors (float32 numpy array, one row per text)."""
    texts = list(texts)
    import numpy as np

    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    return np.asarray(model().embed(texts, norm=True), dtype=np.float32)


def fuse(*rankings: list[int], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of rankings (lists of ids, best first): ``(id, score)`` best first,
    ties in the order of first appearance."""
    score: dict[int, float] = {}
    for ranking in rankings:
        for i, x in enumerate(ranking):
            score[x] = score.get(x, 0.0) + 1.0 / (k + i + 1)
    return sorted(score.items(), key=lambda kv: -kv[1])
