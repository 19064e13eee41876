"""Template induction (``wsskg.formats.markdown.template``) on lists written here, one per shape the
importer once missed: each list repeats its template a few times, as real lists do, and every
field of every record must come out right. The titles are made up; the shapes are the ones real
lists use (``../shared/peer-lists`` holds the real ones, scored by ``benchmarks/golden.py``)."""

from __future__ import annotations

import pytest

from wsskg.formats.markdown import parse_markdown
from wsskg.export import to_markdown
from wsskg.formats.markdown.template import Style, induce, split_short_name, venue_like


def _doc(body: str, title: str = "# A list of papers") -> str:
    return f"{title}\n\n## Section\n\n{body}"


def _fields(cat, title):
    found = [e for e in cat.entries if e.title == title]
    assert len(found) == 1, (title, [e.title for e in cat.entries])
    e = found[0]
    return e.short_name, e.venue, e.year


SHAPES = {
    "bold title over labelled link items": (
        "**Frost: Cold Starts for Sparse Graph Models**\n\n- Paper: https://arxiv.org/abs/2401.00001\n"
        "- Code：https://github.com/x/frost\n\n"
        "**Layered Dunes for Terrain Synthesis**\n\n- Paper: https://arxiv.org/abs/2401.00002\n\n"
        "**QuietRiver: Denoising Flow Fields at Scale**\n\n- Project: https://q.example.org\n"
        "- Paper: https://arxiv.org/pdf/2401.00003\n",
        "# ICCV 2031 Papers with Code",
        [("Cold Starts for Sparse Graph Models", "Frost", "ICCV 2031", 2031),
         ("Layered Dunes for Terrain Synthesis", None, "ICCV 2031", 2031),
         ("Denoising Flow Fields at Scale", "QuietRiver", "ICCV 2031", 2031)],
    ),
    "details summary lines": (
        '<details><summary>Folded Maps Hide Attacks on Routers (2029) [<a href="https://arxiv.org/abs/2901.00001">'
        "Paper</a>] ⭐ 💸</summary>\n\nA note.\n\n</details>\n\n"
        '<details><summary>"Say Nothing": Silent Prompts Against Assistants (2030) [<a href="https://arxiv.org/abs/3001.'
        '00002">Paper</a>] [<a href="https://github.com/x/y">Code</a>]</summary>\n\nMore.\n\n</details>\n\n'
        '<details><summary>Counting Tokens Is Hard for Small Models (2030 [<a href="https://arxiv.org/abs/3001.00003">'
        "Paper</a>] 📊</summary>\n\n</details>\n",
        None,
        [("Folded Maps Hide Attacks on Routers", None, None, 2029),
         ('"Say Nothing": Silent Prompts Against Assistants', None, None, 2030),
         ("Counting Tokens Is Hard for Small Models", None, None, 2030)],
    ),
    "html bold paragraphs with venue and year inside": (
        "<b>Mesh Folding for Single View Shapes (2027 CVPR)</b> [[Paper]](https://x.example.org/a.pdf)\n"
        '<p align="center"><img src="a.png" /></p>\n\n'
        ":game_die: <b>VoxRope: Learning Thin Structures (ICCV 2028)</b> [[Paper]](https://arxiv.org/abs/2801.1)\n"
        '<p align="center"><img src="b.png" /></p>\n\n'
        "<b>Point Gardens Grow Dense Clouds (2029)</b> [[Paper]](https://arxiv.org/abs/2901.2) [[Code]](https://github.com/x/z)\n",
        None,
        [("Mesh Folding for Single View Shapes", None, "CVPR", 2027),
         ("Learning Thin Structures", "VoxRope", "ICCV 2028", 2028),
         ("Point Gardens Grow Dense Clouds", None, None, 2029)],
    ),
    "bold title, year, venue, authors": (
        "- **TypeSparrow: Inferring Types in Birdsong Code** (2031), ESORICS'31, Perez, Ana, et al. "
        "[[pdf]](https://arxiv.org/pdf/3101.1)\n"
        "- **Recovering Nests in Compiled Binaries** (2030), CGO'30, Wang, Li, et al.\n"
        "- **Linting the Wind** (2029), TOSEM, Kim, Jae, et al. [[pdf]](https://arxiv.org/pdf/2901.3)\n",
        None,
        [("Inferring Types in Birdsong Code", "TypeSparrow", "ESORICS'31", 2031),
         ("Recovering Nests in Compiled Binaries", None, "CGO'30", 2030),
         ("Linting the Wind", None, "TOSEM", 2029)],
    ),
    "authors first, then title and venue": (
        "* Ada Quill, Ben Stone, Cy D.E. Frame: Hidden Fields: Probabilistic Models for Tagging Words, ICML 2031.\n"
        "* Dee Moss and Eli Ray. Structural Puns and Lexical Jokes, Computational Humour, 1993.\n"
        "* Fay Lin: A bit of progress in joke modeling, 2001.\n"
        "* Gus Park et al.: Explaining the Predictions of Any Oracle, KDD 2016.\n",
        None,
        [("Hidden Fields: Probabilistic Models for Tagging Words", None, "ICML 2031", 2031),
         ("Structural Puns and Lexical Jokes", None, "Computational Humour", 1993),
         ("A bit of progress in joke modeling", None, None, 2001),
         ("Explaining the Predictions of Any Oracle", None, "KDD 2016", 2016)],
    ),
    "code-span header over a bold sub-item title": (
        "- `【2031-06】-【OWL】-【Night University】-【Type: Model】`\n"
        "  - **OWL: Listening to Night Sounds with Language Models**\n"
        "  - **Author(s):** Ann Owl, Bo Hoot\n"
        "  - [Paper](https://arxiv.org/abs/3106.00001) / [Demo](https://owl.example.org)\n\n"
        "- `【2031-02】-【Bat-Audio】-【Cave Lab】-【Type: Model】`\n"
        "  - **Echoes Are All You Need for Audio Understanding**\n"
        "  - [Paper](https://arxiv.org/pdf/3102.00002)\n\n"
        "- `【2030-11】-【Moth LM】-【Lamp Inc】-【Type: Model】`\n"
        "  - **Building a Moth Language Model: A First Attempt**\n"
        "  - [Paper](https://arxiv.org/pdf/3011.00003)\n",
        None,
        [("Listening to Night Sounds with Language Models", "OWL", None, 2031),
         ("Echoes Are All You Need for Audio Understanding", "Bat-Audio", None, 2031),
         ("Building a Moth Language Model: A First Attempt", "Moth LM", None, 2030)],
    ),
    "link title, authors after by, venue and year at the end": (
        "* [GLOW: Joint Value Factorisation for Many Fireflies](https://arxiv.org/pdf/3001.1.pdf) by Ann Lee, Bo Chen. "
        "ICML 2030.\n"
        "* [A Survey of Swarms](https://www.jair.example.org/x) by Silva, Ana da; Costa, Bo. JAIR, 2019.\n"
        "* [Fireflies in Sequential Dilemmas](https://arxiv.org/pdf/1702.1.pdf) by Lee A, Chen B, et al. arXiv, 2017.\n"
        "* [Level Lanterns](https://x.example.org/l.pdf) by Moss D, Ray E. Machine Learning, 2007.\n",
        None,
        [("Joint Value Factorisation for Many Fireflies", "GLOW", "ICML 2030", 2030),
         ("A Survey of Swarms", None, "JAIR", 2019),
         ("Fireflies in Sequential Dilemmas", None, "arXiv", 2017),
         ("Level Lanterns", None, "Machine Learning", 2007)],
    ),
    "link first, venue in a code span inside a bracket group": (
        "- [Driving Through Fog with Maps](https://arxiv.org/abs/3001.1) [`CVPR 2030`, [Github](https://github.com/a/b)]\n"
        "- [LaneKite: Planning with Priors](https://arxiv.org/abs/3001.2)[`arxiv 2029`, [Project](https://p.example.org)]\n"
        "- [Traffic Talk for Agents](https://arxiv.org/abs/3001.3) [`WACVW 2031`]\n",
        None,
        [("Driving Through Fog with Maps", None, "CVPR 2030", 2030),
         ("Planning with Priors", "LaneKite", "arxiv 2029", 2029),
         ("Traffic Talk for Agents", None, "WACVW 2031", 2031)],
    ),
    "plain title with its name in parentheses": (
        "- Learning Pixel Chains for Instance Masks (PXC), CVPR 2029.\n"
        "- Weak Boxes Make Strong Masks (WBM), ICCV 2029.\n"
        "- Scribbles Are Enough for Semantic Parsing, ECCV 2030.\n",
        None,
        [("Learning Pixel Chains for Instance Masks", "PXC", "CVPR 2029", 2029),
         ("Weak Boxes Make Strong Masks", "WBM", "ICCV 2029", 2029),
         ("Scribbles Are Enough for Semantic Parsing", None, "ECCV 2030", 2030)],
    ),
    "heading records with labelled detail bullets": (
        "#### [1] GSNet: Fast Gaussian Blobs for Scenes\n"
        "- **🧑‍🔬 作者**：Ann Lee, Bo Chen\n- **🏫 单位**：Some University\n"
        "- **🔗 链接**：[[中英摘要](./abs/3101.00001.md)] [[arXiv:3101.00001](https://arxiv.org/abs/3101.00001)] "
        "[[Code](https://github.com/x/gsnet)]\n- **📝 说明**: 🏆 Accepted to CVPR 2031\n\n"
        "#### [2] Soft Splats for Dynamic Humans\n"
        "- **🧑‍🔬 作者**：Cy Park\n"
        "- **🔗 链接**：[[中英摘要](./abs/3101.00002.md)] [[arXiv:3101.00002](https://arxiv.org/abs/3101.00002)] [Code]\n"
        "- **📝 说明**: ✏️ Free notes here\n\n"
        "#### [3] Blob-SLAM: Mapping with Splats\n"
        "- **🧑‍🔬 作者**：Dee Moss\n"
        "- **🔗 链接**：[[中英摘要](./abs/3101.00003.md)] [[arXiv:3101.00003](https://arxiv.org/abs/3101.00003)]\n"
        "- **📝 说明**: 🏆 Accepted to 3DV 2031\n",
        None,
        [("Fast Gaussian Blobs for Scenes", "GSNet", "CVPR 2031", 2031),
         ("Soft Splats for Dynamic Humans", None, None, None),
         ("Mapping with Splats", "Blob-SLAM", "3DV 2031", 2031)],
    ),
    "paragraphs: a title line over a line of venue tag and links": (
        "Bandit Queries for Label-Efficient Scans  \n"
        "🕝 **[CVPR'31]** **[[PDF]](https://arxiv.org/abs/3101.00001)** **[[Code]](https://github.com/a/b)**\n\n"
        "Uncertainty Fences for Segmenting Organs  \n"
        "**[2030 MedIA]** **[[PDF]](https://x.example.org/f.pdf)**\n\n"
        "Active Sampling Under Budget Shifts  \n"
        "**[Nature Machines 2029]** **[[PDF]](https://x.example.org/g.pdf)**\n",
        None,
        [("Bandit Queries for Label-Efficient Scans", None, "CVPR'31", 2031),
         ("Uncertainty Fences for Segmenting Organs", None, "MedIA", 2030),
         ("Active Sampling Under Budget Shifts", None, "Nature Machines 2029", 2029)],
    ),
    "a table whose paper column holds only a labelled link": (
        "<details><summary>Models</summary>\n\n"
        "| Name | Paper | Backbone | Publication | Link |\n|:---:|:---:|:---:|:---:|:---:|\n"
        "| OwlRec | Owls Recommend Items with Language Models | LLaMA | Arxiv 2031 | [[Link]](https://arxiv.org/abs/3101.1) |\n"
        "| BatRank | Ranking by Echoes for Sequential Recommendation | T5 | SIGIR 2030 | [[Link]](https://arxiv.org/abs/3001.2) |\n"
        "| | Prompting Moths for Cold-Start Items | GPT-4 | Arxiv 2029 | [[Link]](https://arxiv.org/abs/2901.3) |\n\n"
        "</details>\n\n"
        "| Title | Paper | Venue |\n| --- | --- | --- |\n"
        "| Sparse Owls for Fast Ranking | [[Paper]](https://arxiv.org/abs/3101.4) | KDD 2031 |\n"
        "| Dense Bats for Slow Ranking | [[Paper]](https://arxiv.org/abs/3101.5) | WSDM 2031 |\n",
        None,
        [("Owls Recommend Items with Language Models", "OwlRec", "Arxiv 2031", 2031),
         ("Ranking by Echoes for Sequential Recommendation", "BatRank", "SIGIR 2030", 2030),
         ("Prompting Moths for Cold-Start Items", None, "Arxiv 2029", 2029),
         ("Sparse Owls for Fast Ranking", None, "KDD 2031", 2031),
         ("Dense Bats for Slow Ranking", None, "WSDM 2031", 2031)],
    ),
    "a venue tag before a bold title, some tags without a year": (
        "1. [KDD 2031]**OwlGT:knowledge-guided pre-training of owl graphs**[[Paper]](https://arxiv.org/abs/3101.1)\n"
        "1. [ChemRXiv]**Learning owl intuition from humans in the loop**[[paper]](https://chem.example.org/a)\n"
        "1. [ICML 2030] **A Group Symmetric Model for Owl Pretraining**[[paper]]()[[code]](https://github.com/a/b)\n"
        "1. [Ai4Science@ICML 2029]**Pre-training Owl Networks: Retrospect and Prospect**[[paper]](https://o.example.org)\n",
        None,
        [("knowledge-guided pre-training of owl graphs", "OwlGT", "KDD 2031", 2031),
         ("Learning owl intuition from humans in the loop", None, "ChemRXiv", None),
         ("A Group Symmetric Model for Owl Pretraining", None, "ICML 2030", 2030),
         ("Pre-training Owl Networks: Retrospect and Prospect", None, "Ai4Science@ICML 2029", 2029)],
    ),
    "citations with status words, words in parentheses and preprint links": (
        "* Natural Owl Processing (almost) from Scratch, J. of Owl Research, 2011.\n"
        "* WPaxos: Wide Area Owl Consensus, Unpublished 2017 [[pdf](https://arxiv.org/abs/1703.1)]\n"
        "* Owl Chains and Distributed Nests: a Twin Study [[arxiv](https://arxiv.org/abs/1910.1)]\n"
        "* Time, Clocks, and the Ordering of Owls, CACM 1978 [[pdf](https://x.example.org/t.pdf)]\n"
        "99.[arXiv 2021] **Group Hoots for Self-Supervised Owls** [[paper]](https://arxiv.org/abs/2107.1)\n"
        ":game_die: <b>OwlCNN (2018)</b> [[Paper]](https://owl.example.org/cnn)\n",
        None,
        [("Natural Owl Processing (almost) from Scratch", None, "J. of Owl Research", 2011),
         ("Wide Area Owl Consensus", "WPaxos", None, 2017),
         ("Owl Chains and Distributed Nests: a Twin Study", None, None, None),
         ("Time, Clocks, and the Ordering of Owls", None, "CACM 1978", 1978),
         ("Group Hoots for Self-Supervised Owls", None, "arXiv 2021", 2021),
         ("OwlCNN", None, None, 2018)],
    ),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_each_shape_is_read_field_by_field(name):
    body, title, want = SHAPES[name]
    src = _doc(body, title or "# A list of papers")
    cat = parse_markdown(src)
    for t, short, venue, year in want:
        got = _fields(cat, t)
        assert got == (short, venue, year), (t, got)
        assert next(e for e in cat.entries if e.title == t).kind == "paper"
    assert to_markdown(cat) == src  # the text is safe whatever the reading


NOT_PAPERS = """# Papers

## Papers

- [ ] **[Ongoing]** Add newly published papers
- [x] Fixed the broken links
- [Awesome Owls](https://github.com/someone/awesome-owls) - another list of papers
- [Night Vision for Owls](https://arxiv.org/abs/3001.00001), CVPR 2030
- [Echo Maps for Bats](https://arxiv.org/abs/3001.00002), ICCV 2030
- [Wing Flaps as Signals](https://arxiv.org/abs/3001.00003), ECCV 2030
- [Owl Talk at the Summit](https://www.youtube.com/watch?v=abc) [[Slides](https://x.example.org/s.pdf)]
- [Why Owls Hoot](https://someone.example.org/blog/why-owls-hoot)

## News
<li><b>2031.07.09 - We released version 2 of the list</b></li>
"""


def test_lines_that_are_not_papers_are_not_papers():
    cat = parse_markdown(NOT_PAPERS)
    kinds = {e.title: e.kind for e in cat.entries}
    for t in ("Night Vision for Owls", "Echo Maps for Bats", "Wing Flaps as Signals"):
        assert kinds[t] == "paper", (t, kinds)
    assert [t for t, k in kinds.items() if k == "paper"] == ["Night Vision for Owls", "Echo Maps for Bats",
                                                            "Wing Flaps as Signals"], kinds


def test_a_record_that_says_what_it_is():
    """``【Type: Benchmark】`` and no paper link: a benchmark, whatever its year says; with a paper
    link it is the benchmark's paper."""
    src = _doc("- `【2031-01】-【OwlEval】-【Owl Lab】-【Type: Benchmark】`\n"
               "  - **OwlEval: Evaluating Hoots at Scale**\n  - [GitHub](https://github.com/o/owleval)\n\n"
               "- `【2031-02】-【BatBench】-【Bat Lab】-【Type: Benchmark】`\n"
               "  - **BatBench: A Benchmark for Echo Models**\n  - [Paper](https://arxiv.org/abs/3102.1)\n\n"
               "- `【2031-03】-【MothLM】-【Moth Lab】-【Type: Model】`\n"
               "  - **MothLM: Moths Talk Back**\n  - [Paper](https://arxiv.org/abs/3103.1)\n")
    kinds = {e.short_name: e.kind for e in parse_markdown(src).entries}
    assert kinds == {"OwlEval": "dataset", "BatBench": "paper", "MothLM": "paper"}, kinds


def test_a_group_outvotes_one_members_reading():
    """Every record shaped ``[Venue] **Title** [[paper]](url)``: the bold is the title, even where
    the bracket holds more words than usual."""
    lines = [
        ["1. [ECML-PKDD 2030]**Cosp: Co-supervised pretraining of pockets**[[paper]](https://arxiv.org/abs/3001.1)"],
        ["1. [ChemRXiv]**Learning chemical intuition from humans in the loop**[[paper]](https://chem.example.org/a)"],
        ["1. [Journal of Very Long Venue Names 2029]**Short Title Here**[[paper]](https://x.example.org/b)"],
    ]
    rs = induce(lines)
    assert [r.title for r in rs] == ["Co-supervised pretraining of pockets", "Learning chemical intuition from humans in the loop",
                                     "Short Title Here"]
    assert [r.short_name for r in rs] == ["Cosp", None, None]
    assert [r.year for r in rs] == [2030, None, 2029]
    assert rs[0].confidence >= 0.5 and rs[0].slot == "0:bold#0"


@pytest.mark.parametrize("title, rest, name", [
    ("QMIX: Monotonic Value Function Factorisation", "Monotonic Value Function Factorisation", "QMIX"),
    ("wav2vec 2.0: A Framework for Speech", "A Framework for Speech", "wav2vec 2.0"),
    ("KPGT:knowledge-guided pre-training of graphs", "knowledge-guided pre-training of graphs", "KPGT"),
    ("Speech ReaLLM – Real-time Streaming Recognition with Models", "Real-time Streaming Recognition with Models",
     "Speech ReaLLM"),
    ("Decoar 2.0: Deep contextualized acoustic representations", "Deep contextualized acoustic representations",
     "Decoar 2.0"),
    ("Open Meadows v2: Bigger Fields for Grass", None, None),
    ("The Lottery Ticket Hypothesis in Denoising: Towards Sparse Nets", None, None),
    ("SoK: Prompt Hacking of Large Models", None, None),
    ("CLEANing the reward: counterfactual actions to remove noise", None, None),
    ("Why do attacks work on models?: Geometry might be the answer", None, None),
])
def test_a_short_name_is_a_name_not_a_phrase(title, rest, name):
    assert split_short_name(title) == ((rest, name) if name else (title, None))


@pytest.mark.parametrize("text, yes", [
    ("CVPR 2019", True), ("SIGACT News 2001", True), ("ECML-PKDD 2023", True), ("JAIR", True), ("ESORICS'23", True),
    ("INT J APPL EARTH OBS 2022", True), ("Learning to See", False), ("Ann Lee, Bo Chen", False), ("2019", False),
])
def test_venue_like(text, yes):
    assert venue_like(text) is yes


def test_the_lists_habits_are_decided_from_all_its_records():
    """One name before a colon is an author only in a list written authors first."""
    authors_first = [["* Ann Lee, Bo Chen: First Title of Many Words, ICML 2001."],
                     ["* Cy Park: Second Title of Many Words, KDD 2002."]]
    rs = induce(authors_first)
    assert [r.title for r in rs] == ["First Title of Many Words", "Second Title of Many Words"]
    names_first = [["- SeGAN: Segmenting and Generating the Invisible"], ["- Render Maps: Drawing Things Well"]]
    rs = induce(names_first)
    assert [(r.short_name, r.title) for r in rs] == [("SeGAN", "Segmenting and Generating the Invisible"),
                                                     (None, "Render Maps: Drawing Things Well")]
    assert Style().colon_comments


def test_an_empty_list_and_empty_records_are_read_without_error():
    assert induce([]) == []
    assert induce([[""]])[0].title == ""


# -- import --merge of a second Markdown list -------------------------------------------------------

BASE = """# Owls

## Vision

- [x] Night Vision for Owls, CVPR 2030
- [ ] Echo Maps for Bats, ICCV 2030
"""

OTHER = """# Other owls

## Vision

- Wing Flaps as Signals (WFS), ECCV 2030.

## Transformers

- Attention Owls Are All You Need, NeurIPS 2031.
- Night Vision for Owls (NVO), CVPR 2030.
"""


def test_a_merged_list_keeps_its_headings_and_its_lines(tmp_path):
    """``import --merge`` of a second Markdown list: the base list comes back byte for byte, a
    work both lists hold stays one entry, the other list's new section is written after the last
    one as that list headed it, and each new entry's line is its list's own."""
    from typer.testing import CliRunner

    from wsskg.cli import app

    runner = CliRunner()
    (tmp_path / "base.md").write_text(BASE, encoding="utf-8")
    (tmp_path / "other.md").write_text(OTHER, encoding="utf-8")
    cat = tmp_path / "catalog.yaml"
    assert runner.invoke(app, ["import", str(tmp_path / "base.md"), "-c", str(cat)]).exit_code == 0
    r = runner.invoke(app, ["import", str(tmp_path / "other.md"), "--merge", "-c", str(cat)])
    assert r.exit_code == 0, r.output
    out = runner.invoke(app, ["export", "-c", str(cat)]).stdout
    assert out.startswith(BASE.rstrip("\n"))
    assert "- Wing Flaps as Signals (WFS), ECCV 2030.\n" in out.split("## Transformers")[0]  # under its Vision
    assert out.endswith("## Transformers\n\n- Attention Owls Are All You Need, NeurIPS 2031.\n")
    assert out.count("Night Vision for Owls") == 1  # the same work: one entry, written where the base has it


def test_check_names_the_lines_the_template_reads_unsurely():
    from wsskg.check import check_catalog

    src = ("# L\n\n## A\n\n- [Night Vision for Owls](https://arxiv.org/abs/3001.1), CVPR 2030\n"
           "- [Echo Maps for Bats](https://arxiv.org/abs/3001.2), ICCV 2030\n"
           "- [Wing Flaps as Signals](https://arxiv.org/abs/3001.3), ECCV 2030\n"
           "- Moth Paths *2031* [pdf](https://arxiv.org/abs/3101.4)\n")
    unsure = [f for f in check_catalog(parse_markdown(src)) if f.code == "unsure"]
    assert len(unsure) == 1 and "line 8" in unsure[0].message, [f.message for f in unsure]
