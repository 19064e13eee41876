"""Deterministic synthetic libraries for the benchmarks: one set of papers, written three ways.

* ``synthetic_catalog(n)``: a :class:`wsskg.catalog.Catalog` with realistic titles, authors,
  venues, years, arXiv/S2 ids, links, 33 topics, statuses (a fifth read), abstracts and
  ``10 * n`` citation edges (S2 ids: 80 % to other catalog papers, the rest to and from outside
  papers), saved with ``wsskg.store.save_catalog`` (abstracts and references go to the sidecar).
* ``write_bibtex(cat, path)``: the same papers as one BibTeX file (for pubs).
* ``write_papis_library(cat, folder)``: one folder per paper with ``info.yaml`` (for papis).
"""

from __future__ import annotations

import random
from pathlib import Path

from wsskg.catalog import Catalog, Entry, Link, Topic

_METHODS = [
    "DeepLab", "PSPNet", "SegFormer", "Mask2Former", "AffinityNet", "CAM", "SEAM", "PuzzleCAM", "IRNet",
    "BoxSup", "ScribbleSup", "OCRNet", "HRNet", "UPerNet", "MaskFormer", "DenseCRF", "FickleNet", "AdvCAM",
]
_ADJ = [
    "Weakly-Supervised", "Semi-Supervised", "Unsupervised", "Self-Supervised", "Efficient", "Robust",
    "Scalable", "Adaptive", "Hierarchical", "Contrastive", "Boundary-Aware", "Context-Aware", "Multi-Scale",
    "Class-Agnostic", "Transformer-Based", "Graph-Based", "Few-Shot", "Open-Vocabulary", "Dense", "Lightweight",
]
_NOUN = [
    "Semantic Segmentation", "Instance Segmentation", "Object Localization", "Saliency Detection",
    "Affinity Learning", "Pixel Labeling", "Scene Parsing", "Panoptic Segmentation", "Region Mining",
    "Pseudo-Label Refinement", "Attention Maps", "Feature Pyramids", "Boundary Detection", "Domain Adaptation",
    "Co-Segmentation", "Video Object Segmentation", "Medical Image Segmentation", "Point Cloud Segmentation",
]
_VIA = [
    "with Image-Level Labels", "from Bounding Boxes", "via Random Walks", "using Scribbles", "by Self-Training",
    "with Conditional Random Fields", "with Vision Transformers", "via Consistency Regularization",
    "from Web Images", "with Class Activation Maps", "via Graph Propagation", "in the Wild", "at Scale",
]
_FIRST = ["Jiwoon", "Liang-Chieh", "Kaiming", "Ross", "Yunchao", "Jie", "Xiaolong", "Hengshuang", "Zilong",
          "Anna", "Maria", "Wei", "Yi", "Chen", "Laura", "Pedro", "Sanja", "Olga", "Tsung-Yi", "Ming-Hsuan"]
_LAST = ["Ahn", "Chen", "He", "Girshick", "Wei", "Zhao", "Wang", "Huang", "Khoreva", "Kolesnikov", "Lampert",
         "Papandreou", "Dai", "Lin", "Yang", "Zhou", "Fidler", "Russakovsky", "Tang", "Li", "Kim", "Lee"]
_VENUES = ["CVPR", "ICCV", "ECCV", "NeurIPS", "ICML", "ICLR", "AAAI", "TPAMI", "BMVC", "WACV", "arXiv"]
_COMMON = (
    "we the a of and to in for is that on with this by our are as an be from which results method "
    "approach model show propose proposed learning network performance data training image images based "
    "experiments state art can while using existing methods new novel framework task tasks problem "
    "achieve improve improves improvement significantly benchmark benchmarks dataset datasets extensive "
    "demonstrate effective efficient however than both each into only also more such these has have "
    "without previous work code available publicly label labels annotation annotations supervision "
    "pixel pixels level object objects class classes feature features representation representations "
    "loss function module modules end trained evaluate evaluated achieves outperforms compared strong "
    "baseline baselines accuracy quality robust simple effective computational cost large scale"
).split()
_SYLL = ["ka", "lo", "mi", "ne", "ru", "ta", "vi", "so", "pe", "du", "ri", "xa", "zo", "be", "qui", "gra",
         "tor", "lin", "mor", "ven", "sca", "pli", "dro", "fen"]


def _rare_vocabulary(n: int = 3000, seed: int = 5) -> list[str]:
    """Pseudo-words standing in for the long tail of an abstract's vocabulary."""
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(_SYLL) for _ in range(rng.randint(2, 4))))
    return sorted(out)


_RARE = _rare_vocabulary()


def _abstract(rng: random.Random, title: str, topics: list[str]) -> str:
    """120-200 words: mostly common words, a Zipf-ish tail of rare ones, and the paper's own
    title words and topic names a few times (so a topical query matches a few % of papers)."""
    own = [w.strip(":(),#").lower() for w in title.split() if len(w) > 3] + [t.rsplit("/", 1)[-1] for t in topics]
    words = []
    for _ in range(rng.randint(120, 200)):
        r = rng.random()
        if r < 0.08:
            words.append(rng.choice(own))
        elif r < 0.75:
            words.append(_COMMON[int(len(_COMMON) * rng.random() ** 1.5)])
        else:
            words.append(_RARE[int(len(_RARE) * rng.random() ** 2)])
    return " ".join(words).capitalize() + "."


GROUPS = ["Reading List", "Related Tasks", "Others"]
TOPIC_NAMES = [
    "affinity", "saliency", "localization", "context", "graph", "bbox-level", "webly", "region", "network",
    "regularizer", "crf", "transformer", "self-training", "scribble", "point", "video", "medical", "3d",
    "domain", "few-shot", "open-vocab", "boundary", "attention", "pyramid", "panoptic", "instance",
    "co-segmentation", "diffusion", "priors", "analysis",
]


def _title(rng: random.Random, i: int) -> str:
    form = i % 4
    if form == 0:
        return f"{rng.choice(_METHODS)}{i % 97}: {rng.choice(_ADJ)} {rng.choice(_NOUN)} {rng.choice(_VIA)}"
    if form == 1:
        return f"Learning {rng.choice(_ADJ)} {rng.choice(_NOUN)} {rng.choice(_VIA)}"
    if form == 2:
        return f"{rng.choice(_ADJ)} {rng.choice(_NOUN)}: Revisiting {rng.choice(_NOUN)} {rng.choice(_VIA)}"
    return f"Towards {rng.choice(_ADJ)} {rng.choice(_NOUN)} ({rng.choice(_METHODS)} #{i})"


def synthetic_catalog(papers: int, edges: int | None = None, seed: int = 11) -> Catalog:
    rng = random.Random(seed)
    edges = 10 * papers if edges is None else edges
    topics = [Topic(path=g, name=g, level=2) for g in GROUPS]
    for i, name in enumerate(TOPIC_NAMES):
        g = GROUPS[i % 3]
        topics.append(Topic(path=f"{g}/{name}", name=name, level=4))
    leaves = [t.path for t in topics if "/" in t.path]
    entries: list[Entry] = []
    for i in range(papers):
        year = 2000 + (i * 25) // max(papers, 1)
        title = _title(rng, i)
        ax = f"{year % 100:02d}{rng.randint(1, 12):02d}.{rng.randint(0, 99999):05d}"
        links = [Link(url=f"https://arxiv.org/abs/{ax}", label="", kind="paper")]
        if rng.random() < 0.4:
            links.append(Link(url=f"https://github.com/{rng.choice(_LAST).lower()}/{title.split()[0].lower().strip(':')}{i}",
                              label="code", kind="code"))
        tps = {rng.choice(leaves)}
        if rng.random() < 0.3:
            tps.add(rng.choice(leaves))
        r = rng.random()
        status = "read" if r < 0.2 else ("reading" if r < 0.25 else "unread")
        abstract = _abstract(rng, title, sorted(tps))
        entries.append(Entry(
            id=f"p{i:05d}-{year}",
            title=title,
            status=status,
            read_on=f"{2020 + i % 5}-{1 + i % 12:02d}-{1 + i % 28:02d}" if status == "read" else None,
            topics=sorted(tps),
            venue=f"{rng.choice(_VENUES)} {year}",
            year=year,
            links=links,
            comment="strong baseline" if rng.random() < 0.05 else "",
            notes=["reproduced on VOC"] if rng.random() < 0.03 else [],
            arxiv_id=ax,
            s2_id=f"{rng.getrandbits(160):040x}",
            authors=[f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(rng.randint(1, 6))],
            citation_count=rng.randrange(0, 5000),
            abstract=abstract,
        ))
    n_ext = max(papers // 2, 10)
    ext_ids = [f"{rng.getrandbits(160):040x}" for _ in range(n_ext)]
    external = {
        x: {"title": _title(rng, j + papers), "year": 1990 + j % 35, "venue": rng.choice(_VENUES),
            "authors": [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"], "doi": f"10.1234/ext.{j}",
            "citation_count": j % 997}
        for j, x in enumerate(ext_ids)
    }
    internal = int(edges * 0.8)
    made = 0
    while made < internal and papers > 1:
        a = rng.randrange(1, papers)
        b = int(a * rng.random() ** 2)  # cite older papers, the oldest most
        if a != b:
            entries[a].references.append(entries[b].s2_id)
            made += 1
    for k in range(edges - internal):
        e = entries[rng.randrange(papers)]
        x = ext_ids[int(n_ext * rng.random() ** 2)]
        (e.references if k % 2 else e.cited_by).append(x)
    return Catalog(title=f"Synthetic reading list ({papers:,} papers)", topics=topics, entries=entries,
                   external=external)


def _bib_escape(s: str) -> str:
    return s.replace("\\", "").replace("{", "").replace("}", "").replace("%", "")


def write_bibtex(cat: Catalog, path: Path) -> None:
    out = []
    for e in cat.entries:
        key = e.id.replace("-", "")
        tags = ", ".join(t.rsplit("/", 1)[-1] for t in e.topics)
        out.append(
            f"@article{{{key},\n  title = {{{_bib_escape(e.title)}}},\n  author = {{{' and '.join(e.authors)}}},\n"
            f"  journal = {{{e.venue}}},\n  year = {{{e.year}}},\n  eprint = {{{e.arxiv_id}}},\n"
            f"  url = {{{e.links[0].url}}},\n  keywords = {{{tags}}},\n  abstract = {{{_bib_escape(e.abstract or '')}}}\n}}\n"
        )
    path.write_text("\n".join(out), encoding="utf-8")


def write_papis_library(cat: Catalog, folder: Path) -> None:
    """papis reads one ``info.yaml`` per document folder; written directly (``papis add`` takes
    one document per call)."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    for e in cat.entries:
        d = folder / e.id
        d.mkdir(exist_ok=True)
        info = {
            "ref": e.id, "type": "article", "title": e.title, "author": " and ".join(e.authors),
            "author_list": [{"given": a.split(" ", 1)[0], "family": a.split(" ", 1)[-1]} for a in e.authors],
            "journal": e.venue, "year": e.year, "eprint": e.arxiv_id, "url": e.links[0].url,
            "tags": [t.rsplit("/", 1)[-1] for t in e.topics], "abstract": e.abstract or "",
            "papis_id": e.s2_id,
        }
        # JSON is YAML: every papis YAML loader reads it, and it is fast to write.
        (d / "info.yaml").write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
