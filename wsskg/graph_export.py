"""Write the catalog graph for other tools: GraphML, GEXF, node-link JSON, DOT and one HTML page.

* GraphML (Cytoscape, yEd, Gephi) and GEXF (Gephi) written here as text, one line at a time,
  and to the file a few thousand lines at a time (the whole text is 240 MB at 100,000 papers):
  networkx's writers build an ElementTree of the whole graph first, which was most of the
  2.6 s of ``graph --format graphml`` at 10,000 papers. The output is what networkx writes
  (``networkx.read_graphml``/``read_gexf`` load it back, tested); the graph's attributes are
  all scalar (see ``wsskg.graph``), which both formats need. Characters XML 1.0 forbids
  (C0 controls other than tab/newline) are written as U+FFFD, so the file always parses.
* Node-link JSON through ``networkx.node_link_data`` (edges under ``"edges"``); read it back
  with ``networkx.node_link_graph(data, edges="edges")``.
* DOT (Graphviz) written here, quoting every id and attribute, so pydot and graphviz both read it.
* HTML: one self-contained page (``wsskg/data/graph.html`` filled in) that works offline: the
  layout is computed here, deterministically (papers clustered by topic, read papers in the
  middle of their cluster), and drawn as inline SVG by a little vanilla JS. The graph goes in
  as JSON inside ``<script type="application/json">`` with ``<``, ``>``, ``&`` and U+2028/9
  escaped, and the page sets all text with ``textContent``, so a title is always text.
"""

from __future__ import annotations

import html as _html
import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from wsskg.errors import WsskgError

if TYPE_CHECKING:
    import networkx as nx

FORMATS = ("graphml", "gexf", "json", "dot", "html")
SUFFIXES = {"graphml": ".graphml", "gexf": ".gexf", "json": ".json", "dot": ".dot", "html": ".html"}
TEMPLATE = Path(__file__).parent / "data" / "graph.html"


def export_graph(G: "nx.DiGraph", path: str | Path, fmt: str, title: str | None = None,
                 protect: Iterable[Path] = (), force: bool = False) -> Path:
    """Write ``G`` to ``path`` in ``fmt`` (one of :data:`FORMATS`) through
    :func:`wsskg.outputs.write_output` (atomic; never over ``protect``, e.g. the catalog and its
    sidecar; an existing file wsskg did not write only with ``force``). Returns the path."""
    if fmt not in FORMATS:
        raise WsskgError(f"unknown graph format {fmt!r}; choose one of {', '.join(FORMATS)}")
    from wsskg.outputs import check_output, write_output

    path = Path(path)
    check_output(path, protect=protect, force=force)  # refuse before the work
    try:
        write_output(path, (piece.encode("utf-8") for piece in graph_pieces(G, fmt, title=title)),
                     protect=protect, force=force)
    except OSError as e:
        raise WsskgError(f"cannot write {path}: {e.strerror or e}") from None
    return path


#: Lines of GraphML/GEXF per piece written (a few megabytes).
_LINES_PER_PIECE = 20_000


def graph_pieces(G: "nx.DiGraph", fmt: str, title: str | None = None) -> Iterator[str]:
    """The text of :func:`render_graph`, in pieces: GraphML and GEXF line by line, a few
    megabytes at a time (at 100,000 papers the whole text is 240 MB), the others whole."""
    lines = {"graphml": graphml_lines, "gexf": gexf_lines}.get(fmt)
    if lines is None:
        yield render_graph(G, fmt, title=title)
        return
    batch: list[str] = []
    for line in lines(G):
        batch.append(line)
        if len(batch) >= _LINES_PER_PIECE:
            yield "\n".join(batch) + "\n"
            batch = []
    if batch:
        yield "\n".join(batch) + "\n"


def render_graph(G: "nx.DiGraph", fmt: str, title: str | None = None) -> str:
    """The text of ``G`` in ``fmt`` (for ``-o -``)."""
    if fmt == "graphml":
        return to_graphml(G)
    if fmt == "gexf":
        return to_gexf(G)
    if fmt == "json":
        return to_json(G)
    if fmt == "dot":
        return to_dot(G)
    if fmt == "html":
        return to_html(G, title=title)
    raise WsskgError(f"unknown graph format {fmt!r}; choose one of {', '.join(FORMATS)}")


# -- GraphML and GEXF -----------------------------------------------------------------------------

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_TEXT = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_XML_ATTR = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#09;"}
_TEXT_RX = re.compile("[&<>]")
_ATTR_RX = re.compile('[&<>"\n\r\t]')


_ANY_SPECIAL = re.compile('[&<>"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_TEXT_SPECIAL = re.compile('[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')  # newlines stay in text


def _xml_text(v: str) -> str:
    if _TEXT_SPECIAL.search(v) is None:
        return v
    v = _XML_BAD.sub("\ufffd", v)
    return _TEXT_RX.sub(lambda m: _XML_TEXT[m.group(0)], v)


def _xml_attr(v: str) -> str:
    if _ANY_SPECIAL.search(v) is None:
        return v
    v = _XML_BAD.sub("\ufffd", v)
    return _ATTR_RX.sub(lambda m: _XML_ATTR[m.group(0)], v)


class _Escaped(dict):
    """Node ids escaped for an XML attribute, each once (an id appears on many edges)."""

    def __missing__(self, key):
        value = self[key] = _xml_attr(str(key))
        return value


def _xml_type(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "long"
    if isinstance(v, float):
        return "double"
    return "string"


_TYPE_NAMES = {bool: "boolean", int: "long", float: "double", str: "string"}


def _keys(items) -> dict[str, str]:
    """Attribute name -> XML type over all attribute dicts (a name with mixed types is a string;
    int and float together are a double). Dicts with the same names and value types in the
    same order add nothing new, so each such shape is looked at once (a catalog graph has a
    handful of shapes over 100,000s of dicts)."""
    types: dict[str, str] = {}
    shapes: set = set()
    last = None
    for d in items:
        if d is last:  # edges share one dict per relation, mostly in runs
            continue
        last = d
        shape = (tuple(d), tuple(map(type, d.values())))
        if shape in shapes:
            continue
        shapes.add(shape)
        for k, v in d.items():
            t = _xml_type(v)
            old = types.get(k)
            if old is None:
                types[k] = t
            elif old != t:
                types[k] = "double" if {old, t} == {"long", "double"} else "string"
    return types


def _xml_value(v: Any, t: str, gexf: bool = False) -> str:
    if t == "boolean":
        return ("true" if v else "false") if gexf else str(bool(v))
    if t == "double":
        return repr(float(v))
    return str(v)


def to_graphml(G: "nx.DiGraph") -> str:
    """GraphML text of ``G``, as ``networkx.generate_graphml`` writes it, without building an
    XML tree."""
    return "\n".join(graphml_lines(G)) + "\n"


def graphml_lines(G: "nx.DiGraph") -> Iterator[str]:
    """The lines of :func:`to_graphml`, made as they are asked for."""
    node_keys = _keys(d for _, d in G.nodes(data=True))
    edge_keys = _keys(d for _, _, d in G.edges(data=True))
    graph_keys = _keys([G.graph])
    ids: dict[tuple[str, str], str] = {}
    yield from ['<?xml version="1.0" encoding="utf-8"?>',
                '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">']
    for kind, keys in (("graph", graph_keys), ("node", node_keys), ("edge", edge_keys)):
        for name, t in keys.items():
            kid = ids[(kind, name)] = f"d{len(ids)}"
            yield (f'  <key id="{kid}" for="{kind}" attr.name="{_xml_attr(name)}" attr.type="{t}" />')
    yield '  <graph edgedefault="directed">' if G.is_directed() else '  <graph edgedefault="undirected">'
    esc = _Escaped()
    node_open = {k: f'      <data key="{ids[("node", k)]}">' for k in node_keys}
    shapes: dict[tuple, tuple[list[str], list[str]]] = {}  # attribute names -> their <data> openers, types
    add = str.__add__
    for n, d in G.nodes(data=True):
        if not d:
            yield f'    <node id="{esc[n]}" />'
            continue
        names = tuple(d)
        shape = shapes.get(names)
        if shape is None:
            shape = shapes[names] = ([node_open[k] for k in names], [node_keys[k] for k in names])
        opens, types = shape
        values = [v if v.__class__ is str and t == "string" else _xml_value(v, t) for v, t in zip(d.values(), types)]
        if _TEXT_SPECIAL.search("".join(values)) is not None:  # one look per node, not per value
            values = [_xml_text(v) for v in values]
        yield f'    <node id="{esc[n]}">\n' + "</data>\n".join(map(add, opens, values)) + "</data>\n    </node>"
    # edges share attribute dicts (one per relation): each dict's lines are made once
    shared = {id(d): d for _, _, d in G.edges(data=True)}
    tails = {}
    for key, d in shared.items():
        lines = [f'      <data key="{ids[("edge", k)]}">{_xml_text(_xml_value(val, edge_keys[k]))}</data>'
                 for k, val in d.items()]
        tails[key] = "\n".join([">", *lines, "    </edge>"]) if lines else " />"
    yield from (f'    <edge source="{esc[u]}" target="{esc[v]}"{tails[id(d)]}' for u, v, d in G.edges(data=True))
    for k, v in G.graph.items():
        yield f'    <data key="{ids[("graph", k)]}">{_xml_text(_xml_value(v, graph_keys[k]))}</data>'
    yield from ("  </graph>", "</graphml>")


def to_gexf(G: "nx.DiGraph") -> str:
    """GEXF 1.2 text of ``G``, as ``networkx.generate_gexf`` writes it (node label = id)."""
    return "\n".join(gexf_lines(G)) + "\n"


def gexf_lines(G: "nx.DiGraph") -> Iterator[str]:
    """The lines of :func:`to_gexf`, made as they are asked for."""
    import datetime as _dt

    node_keys = _keys(d for _, d in G.nodes(data=True))
    edge_keys = _keys(d for _, _, d in G.edges(data=True))
    ids: dict[tuple[str, str], str] = {}
    name = G.graph.get("name")
    yield from ['<?xml version="1.0" encoding="utf-8"?>',
                '<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">',
                f'  <meta lastmodifieddate="{_dt.date.today().isoformat()}">', "    <creator>wsskg</creator>", "  </meta>",
                f'  <graph defaultedgetype="{"directed" if G.is_directed() else "undirected"}" mode="static"'
                + (f' name="{_xml_attr(str(name))}"' if name is not None else "") + ">"]
    for kind, keys in (("edge", edge_keys), ("node", node_keys)):
        if not keys:
            continue
        yield f'    <attributes mode="static" class="{kind}">'
        for k, t in keys.items():
            aid = ids[(kind, k)] = str(len(ids))
            yield f'      <attribute id="{aid}" title="{_xml_attr(k)}" type="{t}" />'
        yield "    </attributes>"
    esc = _Escaped()
    yield "    <nodes>"
    for n, d in G.nodes(data=True):
        nid = esc[n]
        label = _xml_attr(str(d.get("label", n))) if "label" in d else nid
        attrs = [(k, v) for k, v in d.items() if k != "label"]
        if not attrs:
            yield f'      <node id="{nid}" label="{label}" />'
            continue
        yield f'      <node id="{nid}" label="{label}">'
        yield "        <attvalues>"
        for k, v in attrs:
            yield f'          <attvalue for="{ids[("node", k)]}" value="{_xml_attr(_xml_value(v, node_keys[k], True))}" />'
        yield "        </attvalues>"
        yield "      </node>"
    yield "    </nodes>"
    yield "    <edges>"
    for i, (u, v, d) in enumerate(G.edges(data=True)):
        head = f'      <edge source="{esc[u]}" target="{esc[v]}" id="{i}"'
        if not d:
            yield head + " />"
            continue
        yield head + ">"
        yield "        <attvalues>"
        for k, val in d.items():
            yield f'          <attvalue for="{ids[("edge", k)]}" value="{_xml_attr(_xml_value(val, edge_keys[k], True))}" />'
        yield "        </attvalues>"
        yield "      </edge>"
    yield from ("    </edges>", "  </graph>", "</gexf>")


# -- JSON ---------------------------------------------------------------------------------------

def node_link(G: "nx.DiGraph") -> dict:
    import networkx as nx

    try:
        return nx.node_link_data(G, edges="edges")
    except TypeError:  # networkx < 3.4 calls it `link`
        return nx.node_link_data(G, link="edges")


def to_json(G: "nx.DiGraph") -> str:
    return json.dumps(node_link(G), ensure_ascii=False, indent=1, sort_keys=False) + "\n"


# -- DOT ----------------------------------------------------------------------------------------

def _dot_quote(value: Any) -> str:
    if isinstance(value, bool):
        value = "true" if value else "false"
    s = str(value).replace("\\", "\\\\").replace('"', '\\"')
    s = s.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    return f'"{s}"'


def _dot_attrs(d: dict[str, Any]) -> str:
    if not d:
        return ""
    return " [" + ", ".join(f"{_dot_key(k)}={_dot_quote(v)}" for k, v in d.items()) + "]"


def _dot_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k) and k.lower() not in _DOT_KEYWORDS else _dot_quote(k)


_DOT_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}


def to_dot(G: "nx.DiGraph") -> str:
    """Graphviz DOT: read papers filled, unread outlined, topics as boxes, citations solid,
    topic membership dotted."""
    name = G.graph.get("name") or "wsskg"
    lines = [f"digraph {_dot_quote(name)} {{", '  graph [rankdir="LR", overlap="false"];',
             '  node [fontname="Helvetica", fontsize="10"];']
    colors = topic_colors(G)
    for n, d in G.nodes(data=True):
        attrs = dict(d)
        kind = d.get("node_type")
        attrs["label"] = d.get("label") or n
        attrs["tooltip"] = d.get("title") or n
        if d.get("url"):
            attrs["URL"] = d["url"]
        color = colors.get(_group(d), "#888888")
        if kind == "topic":
            attrs.update(shape="box", style="rounded,bold", color=color)
        elif kind == "external":
            attrs.update(shape="ellipse", style="dashed", color="#999999")
        else:
            st = d.get("status")
            attrs.update(shape="ellipse", color=color,
                         style="filled" if st == "read" else ("filled,dashed" if st == "reading" else "solid"),
                         fillcolor=color if st == "read" else "#ffffff")
        lines.append(f"  {_dot_quote(n)}{_dot_attrs(attrs)};")
    for u, v, d in G.edges(data=True):
        attrs = dict(d)
        rel = d.get("relation")
        if rel == "in_topic":
            attrs.setdefault("style", "dotted")
        elif rel == "subtopic_of":
            attrs.setdefault("style", "bold")
        lines.append(f"  {_dot_quote(u)} -> {_dot_quote(v)}{_dot_attrs(attrs)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- colours and layout -------------------------------------------------------------------------

def _group(d: dict) -> str:
    """The colour group of a node: its (first) topic; outside papers share one group."""
    if d.get("node_type") == "external":
        return ""
    return str(d.get("topic") or "")


def topic_colors(G: "nx.DiGraph") -> dict[str, str]:
    """A distinct colour per topic (golden-angle hues), in first-seen order; deterministic."""
    groups: dict[str, None] = {}
    for _, d in G.nodes(data=True):
        if d.get("node_type") == "topic":
            groups.setdefault(str(d.get("topic")))
    for _, d in G.nodes(data=True):
        g = _group(d)
        if g:
            groups.setdefault(g)
    out = {}
    for i, g in enumerate(groups):
        hue = (i * 137.508) % 360
        light = 42 if i % 2 == 0 else 52
        out[g] = _hsl_hex(hue, 0.62, light / 100)
    return out


def _hsl_hex(h: float, s: float, l: float) -> str:
    import colorsys

    r, g, b = colorsys.hls_to_rgb(h / 360, l, s)
    return "#%02x%02x%02x" % (round(r * 255), round(g * 255), round(b * 255))


_GOLDEN = math.pi * (3 - math.sqrt(5))
_STATUS_ORDER = {"read": 0, "reading": 1, "unread": 2, "external": 3}


def layout(G: "nx.DiGraph", spacing: float = 14.0) -> dict[str, tuple[float, float]]:
    """Positions for every node: one round cluster per topic (the topic node in the middle,
    its papers around it on a sunflower spiral, read ones innermost), outside papers in a
    cluster of their own; clusters packed in rows. Deterministic and O(n)."""
    groups: dict[str, list[str]] = {}
    for n, d in G.nodes(data=True):
        if d.get("node_type") == "topic":
            groups.setdefault(str(d.get("topic")), [])
    for n, d in G.nodes(data=True):
        if d.get("node_type") != "topic":
            groups.setdefault(_group(d), []).append(n)
    ext = groups.pop("", None)
    if ext:
        groups["\x00outside"] = ext
    clusters = []
    for g, members in groups.items():
        members.sort(key=lambda n: (_STATUS_ORDER.get(G.nodes[n].get("status"), 4), G.nodes[n].get("year") or 0, n))
        radius = spacing * math.sqrt(len(members) + 1) + spacing * 2.5
        clusters.append((g, members, radius))
    if not clusters:
        return {}
    area = sum((2 * r) ** 2 for _, _, r in clusters)
    width = max(max(2 * r for _, _, r in clusters), math.sqrt(area) * 1.3)
    pos: dict[str, tuple[float, float]] = {}
    x = y = row_h = 0.0
    for g, members, radius in clusters:
        d = 2 * radius
        if x > 0 and x + d > width:
            x, y, row_h = 0.0, y + row_h, 0.0
        cx, cy = x + radius, y + radius
        tn = "t:" + g
        if tn in G:
            pos[tn] = (cx, cy)
        for k, n in enumerate(members):
            r = spacing * math.sqrt(k + 1.5)
            a = k * _GOLDEN
            pos[n] = (round(cx + r * math.cos(a), 2), round(cy + r * math.sin(a), 2))
        x += d
        row_h = max(row_h, d)
    return pos


# -- HTML ---------------------------------------------------------------------------------------

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_for_html(obj: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``</script>``, no ``<!--``, no
    entity, no line separators that old parsers treat as newlines."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group(0)], s)


def html_payload(G: "nx.DiGraph", title: str | None = None) -> dict:
    """The data the page draws: nodes with positions and colours, edges by node index, topics."""
    pos = layout(G)
    colors = topic_colors(G)
    index: dict[str, int] = {}
    nodes = []
    for n, d in G.nodes(data=True):
        index[n] = len(nodes)
        x, y = pos.get(n, (0.0, 0.0))
        kind = d.get("node_type", "entry")
        links = [u for u in str(d.get("links") or "").split("\n") if u]
        if not links and d.get("url"):
            links = [str(d["url"])]
        nodes.append({
            "id": n, "type": kind, "label": str(d.get("label") or n), "title": str(d.get("title") or n),
            "status": str(d.get("status") or ""), "year": d.get("year"), "venue": str(d.get("venue") or ""),
            "topic": str(d.get("topic") or ""), "topics": str(d.get("topics") or ""),
            "url": str(d.get("url") or ""), "links": links, "x": x, "y": y,
            "color": colors.get(_group(d), "#8a8a8a"),
        })
    edges = [[index[u], index[v], str(d.get("relation") or "")] for u, v, d in G.edges(data=True)]
    topics = [
        {"path": str(d.get("topic")), "name": str(d.get("title") or d.get("label")),
         "color": colors.get(str(d.get("topic")), "#8a8a8a"), "depth": int(d.get("depth") or 0)}
        for _, d in G.nodes(data=True) if d.get("node_type") == "topic"
    ]
    return {"title": title or str(G.graph.get("name") or "wsskg catalog"), "nodes": nodes, "edges": edges,
            "topics": topics}


def to_html(G: "nx.DiGraph", title: str | None = None) -> str:
    """The self-contained interactive page for ``G``."""
    payload = html_payload(G, title)
    template = TEMPLATE.read_text(encoding="utf-8")
    fills = {"__WSSKG_TITLE__": _html.escape(payload["title"], quote=True), "__WSSKG_DATA__": json_for_html(payload)}
    # one pass, so text inserted for one placeholder is never scanned for the other
    return re.sub("__WSSKG_(?:TITLE|DATA)__", lambda m: fills[m.group(0)], template)
