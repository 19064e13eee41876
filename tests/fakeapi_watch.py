"""Newer papers for ``wsskg watch`` tests, served by the fake arXiv + S2 server of ``fakeapi.py``.

:func:`shipped_catalog` imports the shipped list and gives every paper entry an S2 id (as an
enrichment would); :func:`watch_corpus` is those papers as the fake server knows them plus:

* ``CITING``: papers from 2020-2021 that cite two or three papers of one topic of the list;
* ``TEXT_ONLY``: a new cs.CV paper that cites nothing of the list but reads like one topic;
* ``OTHER_FIELD``: papers that share the list's words ("affinity", "context", "few-shot")
  but belong to other fields (q-bio, eess, cond-mat): never to be proposed;
* ``SAME_WORK``: a later record of a paper already in the list (another S2 id, no arXiv id,
  same title) that also cites the list: never to be proposed;
* ``TOO_OLD``: a 2017 paper citing the list, before the watch window;
* ``WRONG_LINK``: an arXiv paper on affinity whose arXiv id Semantic Scholar attaches to a
  paper with another title (a wrong link): dropped, never filed under either title.

:class:`WatchFakeAPI` adds the part of arXiv's query language a watch uses to the fake server
(``all:"phrase"``, ``cat:``, ``AND``/``OR``/parentheses, ``sortBy=submittedDate``), through the
``FakeAPI.arxiv_search`` hook.
"""

from __future__ import annotations

import re

from fakeapi import FakeAPI, Paper, pid, words

# topic name -> list entry ids cited, title, arXiv id, published, category, acceptable topics
CITING = {
    "affinity": (["learning-pixel-level", "adaptive-affinity-field-2018", "learning-random-walk"],
                 "Inter-Pixel Affinity Learning Revisited for Weakly Supervised Semantic Segmentation",
                 "2103.01001", "2021-03-02", {"Reading List/affinity", "Others/diffusion"}),
    "few-shot": (["one-shot-learning-2017", "few-shot-semantic-2018", "canet-class-agnostic-2019"],
                 "Prototype Alignment Network for Few-Shot Semantic Segmentation",
                 "2008.01002", "2020-08-03", {"Related Tasks/Few-shot segmentation"}),
    "context": (["context-encoding-semantic-2018", "non-local-neural-2018", "exploring-context-deep-2017"],
                "Context Prior for Scene Segmentation", "2004.01003", "2020-04-02",
                {"Reading List/context"}),
    "webly": (["webly-supervised-semantic-2017", "bootstrapping-performance-webly", "webseg-learning-semantic"],
              "Learning from Noisy Web Images for Webly Supervised Semantic Segmentation", "2010.01004",
              "2020-10-05", {"Reading List/webly"}),
    "architecture": (["dilated-residual-networks-2017", "smoothed-dilated-convolutions-2018",
                      "understanding-convolution-semantic-2018"],
                     "Rethinking Dilated Convolution for Dense Prediction", "2106.01005", "2021-06-01",
                     {"Reading List/architecture"}),
}
TEXT_ONLY = ("Boundary Aware Affinity Propagation for Weakly Supervised Semantic Segmentation", "2111.01006",
             "2021-11-02", {"Reading List/affinity", "Others/diffusion"})
OTHER_FIELD = [
    ("Predicting Protein Ligand Binding Affinity with Semantic Pixel Graphs", "2105.01007", "q-bio.BM"),
    ("Context Encoding for Semantic Speech Segmentation", "2107.01008", "eess.AS"),
    ("Few-Shot Semantic Learning of Adaptive Affinity in Spin Glasses", "2109.01009", "cond-mat.dis-nn"),
]
SAME_WORK_OF = "learning-pixel-level"
WRONG_LINK = ("Affinity Attention Graph Networks for Weakly Supervised Semantic Segmentation", "2112.01011",
              "A Survey of Garden Irrigation")
TOO_OLD_CITES = ["learning-pixel-level", "adaptive-affinity-field-2018", "learning-random-walk"]


def s2_of(entry_id: str) -> str:
    return pid("list:" + entry_id)


def shipped_catalog(path, seed) -> "object":
    """The shipped list imported to ``path``, every paper entry with an S2 id (as after enrich)."""
    from wsskg.formats.markdown import read_markdown
    from wsskg.store import save_catalog

    cat = read_markdown(seed)
    for e in cat.entries:
        if e.kind == "paper":
            e.s2_id = s2_of(e.id)
    save_catalog(path, cat)
    return cat


def watch_corpus(catalog, s2_of=s2_of, with_list: bool = True) -> list[Paper]:
    """The list's papers (unless ``with_list`` is False: another corpus holds them, and
    ``s2_of`` maps an entry id to its paper there) and the newer papers above."""
    from wsskg.enrich.matching import entry_arxiv_id

    out: list[Paper] = []
    for e in catalog.entries if with_list else ():
        if e.kind != "paper":
            continue
        ax = entry_arxiv_id(e)
        out.append(Paper(s2_of(e.id), e.title, e.year or 2017, e.venue or "", arxiv_id=ax, on_arxiv=bool(ax),
                         abstract=None, published=f"{e.year or 2017}-03-01"))
    for key, (cited, title, ax, date, _) in CITING.items():
        out.append(Paper(pid("new:" + key), title, int(date[:4]), "", arxiv_id=ax, published=date,
                         abstract=f"We study {title.lower()}.", references=[s2_of(i) for i in cited]))
    title, ax, date, _ = TEXT_ONLY
    out.append(Paper(pid("new:text-only"), title, int(date[:4]), "", arxiv_id=ax, published=date,
                     abstract="Pixel affinity propagation with a random walk refines weakly supervised segmentation."))
    for i, (title, ax, cat) in enumerate(OTHER_FIELD):
        out.append(Paper(pid(f"other:{i}"), title, 2021, "", arxiv_id=ax, published=f"2021-0{i + 5}-03",
                         category=cat, abstract=f"{title}. Affinity, context and few-shot semantic terms abound."))
    same = next(e for e in catalog.entries if e.id == SAME_WORK_OF)
    out.append(Paper(pid("same-work"), same.title, 2020, "IEEE TPAMI", on_arxiv=False,
                     references=[s2_of("adaptive-affinity-field-2018"), s2_of("learning-random-walk")]))
    out.append(Paper(pid("too-old"), "An Early Study of Affinity for Weak Supervision", 2017, "", arxiv_id="1703.01010",
                     published="2017-03-01", references=[s2_of(i) for i in TOO_OLD_CITES]))
    title, ax, other = WRONG_LINK
    out.append(Paper(pid("wrong:arxiv"), title, 2021, "", arxiv_id=ax, published="2021-12-01", on_s2=False,
                     abstract="Pixel affinity with attention graphs for weakly supervised segmentation."))
    out.append(Paper(pid("wrong:s2"), other, 2021, "", arxiv_id=ax, on_arxiv=False,
                     references=[s2_of("learning-pixel-level"), s2_of("adaptive-affinity-field-2018")]))
    return out


# -- arXiv's query language, the part a watch uses ------------------------------------------------------

_TOKEN = re.compile(r'\(|\)|AND|OR|ANDNOT|all:"[^"]*"|all:\S+|ti:"[^"]*"|abs:"[^"]*"|cat:[\w.\-]+')


class WatchFakeAPI(FakeAPI):
    #: A mirror or search service that does not honour ``cat:`` (every paper is in every category).
    ignore_categories = False

    def arxiv_search(self, search_query: str, params: dict) -> list[Paper]:
        if not re.search(r"\b(all|cat|abs):", search_query):
            return super().arxiv_search(search_query, params)
        tokens = _TOKEN.findall(search_query)
        pool = [p for p in self.papers if p.on_arxiv and p.arxiv_id]
        hits = [p for p in pool if _Eval(tokens, p, self.ignore_categories).value()]
        if params.get("sortBy") == "submittedDate":
            hits.sort(key=lambda p: p.published or f"{p.year}-04-20", reverse=params.get("sortOrder") != "ascending")
        return hits


class _Eval:
    """A tiny recursive-descent evaluator: expr := term (("AND"|"OR") term)*; term := atom | ( expr )."""

    def __init__(self, tokens: list[str], paper: Paper, any_category: bool = False):
        self.t, self.i, self.p, self.any_category = tokens, 0, paper, any_category
        self.text = words(f"{paper.title} {paper.abstract or ''}")

    def value(self) -> bool:
        return self.expr()

    def expr(self) -> bool:
        v = self.term()
        while self.i < len(self.t) and self.t[self.i] in ("AND", "OR", "ANDNOT"):
            op = self.t[self.i]
            self.i += 1
            w = self.term()
            v = (v and w) if op == "AND" else (v or w) if op == "OR" else (v and not w)
        return v

    def term(self) -> bool:
        tok = self.t[self.i]
        self.i += 1
        if tok == "(":
            v = self.expr()
            self.i += 1  # ")"
            return v
        field, _, val = tok.partition(":")
        if field == "cat":
            return self.any_category or self.p.category == val
        phrase = words(val.strip('"'))
        text = words(self.p.title) if field == "ti" else self.text
        # each query word a prefix of the text's word, in order (arXiv stems)
        return any(all(text[k + j].startswith(w) for j, w in enumerate(phrase))
                   for k in range(len(text) - len(phrase) + 1)) if phrase else False
