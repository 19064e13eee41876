"""docs/cli.md is generated from --help output; these tests keep it honest."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from wsskg.docs import cli_reference

REPO = Path(__file__).resolve().parents[1]
CLI_MD = REPO / "docs" / "cli.md"
REGENERATE = "python -m wsskg.docs > docs/cli.md"


def _toy_app() -> typer.Typer:
    app = typer.Typer(help="Toy root.", rich_markup_mode=None, add_completion=False)

    @app.callback()
    def _root(version: bool = typer.Option(False, "--version", help="Show the version and exit.")) -> None:
        """Toy root."""

    @app.command()
    def zeta(count: int = typer.Argument(..., help="How many.")) -> None:
        """Zeta does things.\n\nExample: wsskg zeta 3"""

    @app.command()
    def alpha(long_option_name: str = typer.Option("x", help="word " * 40)) -> None:
        """Alpha."""

    graph = typer.Typer(help="Graph commands.")

    @graph.command("show")
    def show() -> None:
        """Show the graph."""

    @app.command(hidden=True)
    def secret() -> None:
        """Not documented."""

    app.add_typer(graph, name="graph")
    return app


def test_reference_has_root_first_then_sorted_commands_including_subcommands():
    md = cli_reference(_toy_app())
    headings = [line[3:] for line in md.splitlines() if line.startswith("## ") and line != "## Commands"]
    assert headings == ["wsskg", "wsskg alpha", "wsskg graph", "wsskg graph show", "wsskg zeta"]
    assert "secret" not in md
    assert "$ wsskg zeta --help" in md and "Example: wsskg zeta 3" in md and "How many." in md


def test_reference_is_plain_fixed_width_and_independent_of_the_terminal(monkeypatch):
    first = cli_reference(_toy_app())
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli_reference(_toy_app()) == first
    assert "\x1b[" not in first
    in_blocks = [ln for ln in first.splitlines() if not ln.startswith(("#", "- [", "<!--"))]
    assert max(len(ln) for ln in in_blocks) <= 100
    # the long help text was wrapped, not cut
    assert first.count("word") == 40


def test_docs_cli_md_is_up_to_date():
    if not CLI_MD.exists():
        pytest.skip(f"docs/cli.md is not generated yet; create it with `{REGENERATE}`")
    from wsskg.cli import app

    expected = cli_reference(app)
    actual = CLI_MD.read_text(encoding="utf-8")
    assert actual == expected, f"docs/cli.md is stale: regenerate it with `{REGENERATE}` and commit it"
