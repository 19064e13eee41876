"""Every export format loads back with the same nodes and edges; the HTML page embeds data safely."""

from __future__ import annotations

import json
import re

import networkx as nx
import pytest

from wsskg.catalog import Catalog, Entry, Link, Topic
from wsskg.errors import WsskgError
from wsskg.graph import build_graph
from wsskg.graph_export import (
    FORMATS, export_graph, html_payload, json_for_html, layout, render_graph, to_dot, to_html, topic_colors,
)
from wsskg.store import load_catalog

NASTY = [
    '<script>document.body.setAttribute("data-pwned","script")</script>',
    '"><img src=x onerror="document.body.setAttribute(\'data-pwned\',\'img\')">',
    "Back\\slash \"quotes\" and a\nnewline & ampersand \u2028 line separator",
    "Ünïcödé — 深度学习 </script><!--",
]


def enriched_catalog() -> Catalog:
    topics = [Topic("RL", "RL"), Topic("RL/affinity", "affinity", 4), Topic("RL/loc", "loc", 4)]
    entries = [
        Entry("a", NASTY[0], status="read", year=2016, topics=["RL/affinity"], s2_id="SA", venue="CVPR",
              references=["SB", "X1"], links=[Link("javascript:alert(1)", "", "web"), Link("https://example.org/a", "", "paper")]),
        Entry("b", NASTY[1], status="reading", year=2017, topics=["RL/loc", "RL/affinity"], s2_id="SB",
              references=["X1"], cited_by=["X2"]),
        Entry("c", NASTY[2], topics=["RL/loc"], s2_id="SC", cited_by=["SA"]),
        Entry("d", NASTY[3], kind="code", topics=["RL"]),
    ]
    external = {"X1": {"title": "Outside <b>classic</b>", "year": 2010, "doi": "10.1/x", "citation_count": 3},
                "X2": {"title": "Newer & citing", "year": 2021}}
    return Catalog(title="Test <title> & co", topics=topics, entries=entries, external=external)


def _counts(G) -> tuple[int, int]:
    return G.number_of_nodes(), G.number_of_edges()


@pytest.fixture(params=["enriched", "seed"])
def graph(request, seed_catalog_file):
    cat = enriched_catalog() if request.param == "enriched" else load_catalog(seed_catalog_file)
    return build_graph(cat)


def test_graphml_loads_back(graph, tmp_path):
    p = export_graph(graph, tmp_path / "g.graphml", "graphml")
    back = nx.read_graphml(p)
    assert _counts(back) == _counts(graph)
    assert set(back.nodes) == set(graph.nodes)
    for n, d in graph.nodes(data=True):
        assert back.nodes[n]["title"] == d["title"]
        assert back.nodes[n]["node_type"] == d["node_type"]
    rel = nx.get_edge_attributes(back, "relation")
    assert rel == nx.get_edge_attributes(graph, "relation")


def test_gexf_loads_back(graph, tmp_path):
    p = export_graph(graph, tmp_path / "g.gexf", "gexf")
    back = nx.read_gexf(p)
    assert _counts(back) == _counts(graph)
    assert set(back.nodes) == set(graph.nodes)
    n = next(n for n, d in graph.nodes(data=True) if d["node_type"] == "entry")
    assert back.nodes[n]["title"] == graph.nodes[n]["title"]
    assert back.nodes[n]["label"] == graph.nodes[n]["label"]


def test_node_link_json_loads_back(graph, tmp_path):
    p = export_graph(graph, tmp_path / "g.json", "json")
    data = json.loads(p.read_text(encoding="utf-8"))
    try:
        back = nx.node_link_graph(data, edges="edges")
    except TypeError:  # networkx < 3.4
        back = nx.node_link_graph(data, link="edges")
    assert back.is_directed()
    assert _counts(back) == _counts(graph)
    assert dict(back.nodes(data=True)) == dict(graph.nodes(data=True))


@pytest.mark.slow
def test_dot_loads_back_with_pydot(graph, tmp_path):
    pydot = pytest.importorskip("pydot", reason="pydot is not installed; DOT round trip not checked")
    p = export_graph(graph, tmp_path / "g.dot", "dot")
    (dot,) = pydot.graph_from_dot_data(p.read_text(encoding="utf-8"))
    back = nx.nx_pydot.from_pydot(dot)
    # pydot keeps the quotes around ids; compare after unquoting
    names = {json.loads(n) if n.startswith('"') else n for n in back.nodes}
    assert names == set(graph.nodes)
    assert back.number_of_edges() == graph.number_of_edges()


def test_dot_quotes_every_string():
    G = build_graph(enriched_catalog())
    text = to_dot(G)
    assert text.startswith('digraph "Test <title> & co" {')
    # backslashes, quotes and newlines are escaped; no raw newline inside a statement
    assert 'title="Back\\\\slash \\"quotes\\" and a\\nnewline' in text
    for line in text.split("\n")[3:-2]:
        assert line.startswith("  \"") and line.endswith(";")
    assert '"e:a" -> "e:b" [relation="cites"' in text


def test_html_embeds_titles_as_data_never_markup():
    G = build_graph(enriched_catalog())
    page = to_html(G, title="Test <title> & co")
    # the template's two script elements and nothing more; no img element at all
    assert len(re.findall(r"<script", page, re.I)) == 2
    assert len(re.findall(r"</script", page, re.I)) == 2
    assert "<img" not in page
    assert "<title>Test &lt;title&gt; &amp; co</title>" in page
    blob = page.split('id="wsskg-data">', 1)[1].split("</script>", 1)[0]
    assert not re.search("[<>&\u2028\u2029]", blob)
    data = json.loads(blob)
    titles = {n["id"]: n["title"] for n in data["nodes"]}
    assert [titles[f"e:{x}"] for x in "abcd"] == NASTY
    assert titles["x:X1"] == "Outside <b>classic</b>"
    # no CDN, no network
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_json_for_html_escapes():
    s = json_for_html({"t": "</script><!-- & \u2028\u2029 >"})
    assert s == '{"t":"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028\\u2029 \\u003e"}'
    assert json.loads(s) == {"t": "</script><!-- & \u2028\u2029 >"}


def test_html_payload_and_layout():
    G = build_graph(enriched_catalog())
    data = html_payload(G)
    assert len(data["nodes"]) == G.number_of_nodes() and len(data["edges"]) == G.number_of_edges()
    by = {n["id"]: n for n in data["nodes"]}
    assert by["e:a"]["links"] == ["javascript:alert(1)", "https://example.org/a"]
    assert by["e:a"]["status"] == "read" and by["e:c"]["status"] == "unread"
    assert by["e:a"]["color"] == by["t:RL/affinity"]["color"] != by["t:RL/loc"]["color"]
    assert [t["name"] for t in data["topics"]] == ["RL", "affinity", "loc"]
    pos = layout(G)
    assert set(pos) == set(G.nodes)
    assert len(set(pos.values())) == len(pos)  # no two nodes on top of each other
    assert layout(G) == pos  # deterministic
    colors = topic_colors(G)
    assert len(set(colors.values())) == len(colors)


def test_render_to_text_and_unknown_format(tmp_path):
    G = build_graph(enriched_catalog())
    for fmt in FORMATS:
        text = render_graph(G, fmt)
        assert text.strip()
    assert render_graph(G, "graphml").startswith('<?xml version="1.0" encoding="utf-8"?>\n<graphml')
    back = nx.parse_graphml(render_graph(G, "graphml"))
    assert _counts(back) == _counts(G)
    with pytest.raises(WsskgError, match="unknown graph format"):
        export_graph(G, tmp_path / "x", "svg")
    with pytest.raises(WsskgError, match="cannot write"):
        export_graph(G, tmp_path, "json")  # a directory


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_streamed_xml_reads_back_as_networkx_wrote_it(fmt, seed_catalog_file):
    """The streaming writers give networkx's readers the same graph networkx's writers do:
    every node, edge and attribute with its type, hostile text and control characters included."""
    cat = enriched_catalog()
    cat.entries[0].title += " \x01bell\x07 and a tab\t"
    for G in (build_graph(cat), build_graph(load_catalog(seed_catalog_file))):
        text = render_graph(G, fmt)
        if fmt == "graphml":
            mine = nx.parse_graphml(text)
            ref = nx.parse_graphml("\n".join(nx.generate_graphml(G)).replace("\x01", "\ufffd").replace("\x07", "\ufffd"))
        else:
            import io

            mine = nx.read_gexf(io.BytesIO(text.encode("utf-8")))
            ref_text = "\n".join(nx.generate_gexf(G)).replace("\x01", "\ufffd").replace("\x07", "\ufffd")
            ref = nx.read_gexf(io.BytesIO(ref_text.encode("utf-8")))
        assert dict(mine.nodes(data=True)) == dict(ref.nodes(data=True))
        assert sorted(mine.edges(data=True)) == sorted(ref.edges(data=True))
        assert mine.graph == ref.graph


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_index_fed_writer_gives_the_catalog_fed_bytes(fmt, tmp_path):
    """`wsskg graph` (whole catalog, GraphML/GEXF) reads entries, references and outside papers
    from the derived index without the abstracts; the file is byte for byte the one the fully
    loaded catalog gives (same process, so the same set order)."""
    from typer.testing import CliRunner

    from wsskg.cli import app
    from wsskg.graph import graph_parts
    from wsskg.index import open_index
    from wsskg.store import save_catalog

    cat = enriched_catalog()
    cat.entries[0].abstract = "An abstract with <b>markup</b> & more"
    cat.entries[1].abstract = "Another one"
    path = tmp_path / "catalog.yaml"
    save_catalog(path, cat)
    full = load_catalog(path)
    assert full.entries[0].abstract and full.external  # the sidecar really holds something
    expected = render_graph(graph_parts(full), fmt)
    idx = open_index(path)
    try:
        light = idx.graph_catalog()
    finally:
        idx.close()
    assert all(e.abstract is None for e in light.entries)
    assert render_graph(graph_parts(light), fmt) == expected
    out = tmp_path / f"g.{fmt}"
    r = CliRunner().invoke(app, ["graph", "--format", fmt, "-o", str(out), "-c", str(path)])
    assert r.exit_code == 0, r.output
    if fmt == "gexf":  # the GEXF header carries today's date
        assert out.read_text(encoding="utf-8").split("</meta>", 1)[1] == expected.split("</meta>", 1)[1]
    else:
        assert out.read_text(encoding="utf-8") == expected
    assert "x:X1" in expected and 'source="e:a" target="e:c"' in expected  # outside papers and citations are in it


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "dot"])
def test_a_graph_file_is_written_in_pieces_and_is_the_whole_text(graph, tmp_path, monkeypatch, fmt):
    """GraphML and GEXF go to the file a few thousand lines at a time (never the whole text at
    once: 240 MB at 100,000 papers); the file is the text ``render_graph`` gives, wsskg knows it
    wrote it (the next export replaces it without --force), and a write that fails half-way
    leaves the file that was there."""
    import wsskg.graph_export as ge
    from wsskg.outputs import wrote_it

    monkeypatch.setattr(ge, "_LINES_PER_PIECE", 7)
    pieces = list(ge.graph_pieces(graph, fmt))
    assert len(pieces) > (3 if fmt != "dot" else 0) and (len(pieces) == 1) == (fmt == "dot")
    text = render_graph(graph, fmt)
    assert "".join(pieces) == text
    p = export_graph(graph, tmp_path / f"g.{fmt}", fmt)
    assert p.read_text(encoding="utf-8") == text and wrote_it(p)
    export_graph(graph, p, fmt)  # no --force needed: wsskg wrote it

    def breaks(G, fmt, title=None):
        yield "a first piece\n"
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ge, "graph_pieces", breaks)
    with pytest.raises(WsskgError, match="No space left"):
        export_graph(graph, p, fmt)
    assert p.read_text(encoding="utf-8") == text
    assert not [f.name for f in tmp_path.iterdir() if f.name.endswith(".tmp")]  # no temporary file left
