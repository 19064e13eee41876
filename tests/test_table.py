"""The table of entries (``wsskg.table``): ``wsskg list`` prints tails the index stored, and
they must be exactly what the entries themselves show (``wsskg search`` builds them from
entries), stay current when an entry changes, and never let a file drive the terminal."""

from __future__ import annotations

from typer.testing import CliRunner

from wsskg import index as ix
from wsskg import table
from wsskg.catalog import Entry, Link
from wsskg.cli import app
from wsskg.store import load_catalog, save_catalog

runner = CliRunner()


def _odd_entries() -> list[Entry]:
    """Titles that each take a different branch of the tail."""
    return [
        Entry(id="long", title="A " * 60 + "very long title", topics=["A/B/leaf", "Other"]),
        Entry(id="emph", title="**DeepLab:** Semantic   Image\tSegmentation __with__ CRFs", year=2015),
        Entry(id="bare", title="", links=[Link(url="https://example.org/code")], topics=["Code"]),
        Entry(id="nothing", title="", kind="resource"),
        Entry(id="canon", title="Only a canonical year", canonical_year=2019),
        Entry(id="evil", title="Evil \x1b[2J title \u202e", topics=["Top/ev\x1bil"]),
    ]


def test_the_stored_tails_are_what_the_entries_show(seed_catalog_file):
    cat = load_catalog(seed_catalog_file, use_index=False)
    cat.entries.extend(_odd_entries())
    save_catalog(seed_catalog_file, cat, index=True)  # indexed from the catalog in memory, as an import is
    idx = ix.open_index(seed_catalog_file)
    rows = idx.table_rows()
    assert [(e.id, e.status, table.entry_tail(e)) for e in load_catalog(seed_catalog_file).entries] == rows
    by_id = {r[0]: r[2] for r in rows}
    assert by_id["bare"].split()[0] == "https://example.org/code"  # a titleless entry shows its link
    assert by_id["nothing"].split() == ["nothing"]  # nor a link: its id
    assert by_id["canon"].startswith(" 2019  Only a canonical year")
    assert "\x1b" not in by_id["evil"] and "\u202e" not in by_id["evil"] and by_id["evil"].endswith("ev\ufffdil")
    idx.close()


def test_tail_cells():
    long, emph, *_ = _odd_entries()
    t = table.entry_tail(long)
    assert t.startswith("       A A ")  # no year: a blank cell
    title = t[7: 7 + table.TITLE_WIDTH]
    assert title.endswith("…") and len(title) == table.TITLE_WIDTH
    assert t.endswith("  leaf, Other")
    assert table.entry_tail(emph) == " 2015  " + "DeepLab: Semantic Image Segmentation with CRFs".ljust(table.TITLE_WIDTH) + "  "


def test_render_pads_colours_only_the_status_and_neutralises_ids():
    rows = [("short", "read", " 2020  t  x"), ("a-much-longer-id", "unread", " 2021  u  y")]
    text = table.render(rows, style=lambda cell, st: f"<{cell}>")
    head, one, two = text.split("\n")
    assert head.startswith("ID                STATUS  YEAR  TITLE")
    assert one == "short             <read   > 2020  t  x"
    assert two == "a-much-longer-id  <unread > 2021  u  y"
    bad = table.render([("id\x1b[2J", "read", " t")])
    assert "\x1b" not in bad and "id\ufffd[2J" in bad
    assert len(table.render([("x" * 60, "read", "")]).split("\n")[1]) == table.MAX_ID_WIDTH + 60 - 40 + 2 + 7


def test_list_follows_status_and_title_changes(seed_catalog_file):
    c = ["-c", str(seed_catalog_file)]
    first = load_catalog(seed_catalog_file, use_index=False).entries[0]
    out = runner.invoke(app, ["list", *c]).stdout
    assert first.id in out
    assert runner.invoke(app, ["read", first.id, *c]).exit_code == 0
    line = next(ln for ln in runner.invoke(app, ["list", *c]).stdout.splitlines() if ln.startswith(first.id + " "))
    assert line.split()[1] == "read"
    text = seed_catalog_file.read_text(encoding="utf-8")
    seed_catalog_file.write_text(text.replace(f"title: {first.title}", "title: A brand new title", 1), encoding="utf-8")
    line = next(ln for ln in runner.invoke(app, ["list", *c]).stdout.splitlines() if ln.startswith(first.id + " "))
    assert "A brand new title" in line
    assert runner.invoke(app, ["list", "--status", "read", *c]).stdout.count(first.id) == 1


def test_on_a_colour_terminal_only_the_status_is_styled(monkeypatch):
    """``print_table`` colours the status cell (read green, reading yellow, unread plain) and
    nothing that came from a file; in a pipe the same table has no escape at all."""
    import importlib

    import typer

    cli_app = importlib.import_module("wsskg.cli.app")  # the module (``wsskg.cli.app`` is also the Typer app)

    written = []
    monkeypatch.setattr(typer, "echo", lambda text="", **kw: written.append(text))
    rows = [("a", "read", " 2020  Evil \ufffd[2J  t"), ("b", "reading", " 2021  u  t"), ("c", "unread", " 2022  v  t")]
    monkeypatch.setattr(cli_app, "use_color", lambda: True)
    cli_app.print_table(rows)
    lines = written[-1].split("\n")
    assert lines[1] == "a  " + typer.style("read   ", fg="green") + rows[0][2]
    assert lines[2] == "b  " + typer.style("reading", fg="yellow") + rows[1][2]
    assert lines[3] == "c  unread " + rows[2][2]
    monkeypatch.setattr(cli_app, "use_color", lambda: False)
    cli_app.print_table(rows)
    assert "\x1b" not in written[-1] and written[-1].split("\n")[1] == "a  read   " + rows[0][2]
