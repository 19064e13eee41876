"""The interactive HTML page in headless Chromium: it renders, logs nothing, and titles stay text.

Chromium runs the page's script, then ``--dump-dom`` prints the DOM as it is after the script
ran; console messages (``console.*`` calls and uncaught errors) go to stderr with
``--enable-logging=stderr`` as ``CONSOLE`` lines. The page logs nothing when all is well.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wsskg.catalog import Catalog, Entry, Link, Topic
from wsskg.cli import app
from wsskg.store import load_catalog, save_catalog

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--window-size=1280,800", "--virtual-time-budget=5000"]

SCRIPT_TITLE = '<script>document.body.setAttribute("data-pwned","script")</script> Evil one'
IMG_TITLE = '"><img src=x onerror="document.body.setAttribute(\'data-pwned\',\'img\')"> Evil two'


@pytest.fixture
def chromium() -> str:
    exe = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    if not exe:
        pytest.skip("headless Chromium is not installed (Debian: apt-get install chromium); "
                    "the HTML page is not checked in a browser")
    return exe


def render(chromium: str, page: Path, tmp_path: Path, query: str = "") -> tuple[str, list[str]]:
    """The page's DOM after its script ran, and the console lines Chromium logged."""
    profile = tmp_path / f"profile{len(list(tmp_path.glob('profile*')))}"
    profile.mkdir()
    url = page.resolve().as_uri() + query
    out = subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    console = [ln for ln in out.stderr.splitlines() if ":CONSOLE" in ln]
    return out.stdout, console


def export_html(catalog: Path, out: Path, *extra: str) -> Path:
    r = CliRunner().invoke(app, ["graph", "--format", "html", "-o", str(out), "-c", str(catalog), *extra])
    assert r.exit_code == 0, r.output
    return out


def test_default_catalog_renders_every_node_without_console_errors(chromium, seed_catalog_file, tmp_path):
    page = export_html(seed_catalog_file, tmp_path / "graph.html")
    cat = load_catalog(seed_catalog_file)
    dom, console = render(chromium, page, tmp_path)
    assert console == [], console
    n_entries = len(re.findall(r'<circle[^>]*data-id="e:', dom))
    assert n_entries == len(cat.entries)
    n_topics = len(re.findall(r'<rect[^>]*data-id="t:', dom))
    assert n_topics >= len(cat.topics)
    assert re.search(r'data-rendered="(\d+)"', dom).group(1) == str(n_entries + n_topics)
    # read and unread are drawn differently, and each node names its paper
    assert len(re.findall(r'class="node entry read"', dom)) == sum(e.status == "read" for e in cat.entries)
    assert len(re.findall(r'class="node entry unread"', dom)) == sum(e.status == "unread" for e in cat.entries)
    first = cat.entries[0]
    assert f"<title>{html.escape(first.display_title, quote=False)}</title>" in dom
    assert "read" in dom and f"{len(cat.entries)} entries" in dom  # the summary line


def test_search_box_finds_and_selects(chromium, seed_catalog_file, tmp_path):
    page = export_html(seed_catalog_file, tmp_path / "graph.html")
    cat = load_catalog(seed_catalog_file)
    wanted = [e for e in cat.entries if "affinity" in e.display_title.lower()]
    assert wanted
    dom, console = render(chromium, page, tmp_path, "?q=Affinity")
    assert console == [], console
    m = re.search(r'<span id="count"[^>]*>(\d+) match(es)?</span>', dom)
    assert m and int(m.group(1)) >= len(wanted)
    assert 'class="node entry' in dom and " match" in dom
    # the first match is selected: its details are shown
    assert re.search(r'<section id="details"><p class="dtitle">[^<]*', dom)


def malicious_catalog() -> Catalog:
    topic = Topic("Evil <b>topic</b>", "Evil <b>topic</b>")
    return Catalog(title='List <script>document.body.setAttribute("data-pwned","title")</script>', topics=[topic], entries=[
        Entry("evil-script", SCRIPT_TITLE, status="read", topics=[topic.path], venue="<i>venue</i>",
              links=[Link("javascript:document.body.setAttribute('data-pwned','link')", "", "web"),
                     Link("https://example.org/paper?a=1&b=2", "", "paper")]),
        Entry("evil-img", IMG_TITLE, topics=[topic.path], year=2019),
        Entry("plain", "A plain paper\u2028with a line separator", topics=[topic.path]),
    ])


def test_hostile_titles_are_shown_as_text_and_never_run(chromium, tmp_path):
    cat_file = tmp_path / "catalog.yaml"
    save_catalog(cat_file, malicious_catalog())
    page = export_html(cat_file, tmp_path / "evil.html")
    for query in ("", "?q=evil-script", "?q=evil-img"):
        dom, console = render(chromium, page, tmp_path, query)
        assert console == [], console
        assert 'data-pwned="' not in dom  # no injected script or handler set the attribute
        assert "<img" not in dom and "<i>" not in dom and "<b>" not in dom
        assert len(re.findall("<script", dom)) == 2  # the page's own two, nothing injected
        # all three entries rendered, titles as text nodes (escaped by the serializer)
        assert len(re.findall(r'<circle[^>]*data-id="e:', dom)) == 3
        assert "<title>&lt;script&gt;document.body.setAttribute(\"data-pwned\",\"script\")&lt;/script&gt; Evil one</title>" in dom
        assert "<title>\"&gt;&lt;img src=x onerror=\"document.body.setAttribute('data-pwned','img')\"&gt; Evil two</title>" in dom
        assert 'href="javascript:' not in dom
    # the selected hostile entry's details: title, venue and both links as text, only the https link clickable
    dom, _ = render(chromium, page, tmp_path, "?q=evil-script")
    details = dom.split('<section id="details">', 1)[1].split("</section>", 1)[0]
    assert '<p class="dtitle">&lt;script&gt;' in details
    assert "&lt;i&gt;venue&lt;/i&gt;" in details
    assert "<li>javascript:document.body.setAttribute('data-pwned','link')</li>" in details
    assert '<a href="https://example.org/paper?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">' in details
    dom, _ = render(chromium, page, tmp_path, "?q=evil-img")
    details = dom.split('<section id="details">', 1)[1].split("</section>", 1)[0]
    assert "<p class=\"dtitle\">\"&gt;&lt;img src=x onerror=" in details
