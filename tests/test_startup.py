"""What a ``wsskg`` process does before it gets to work: it builds only the command it runs
and imports only what that command needs. Speed itself is measured by ``benchmarks/run.py``;
these tests hold the properties that make it fast, and that the lazy command group still
behaves like typer's own (help, errors, completion)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from conftest import REPO
from wsskg.cli import app
from wsskg.cli.app import _REGISTERED, _Group, _command_name

runner = CliRunner()
NAMES = [_command_name(info) for info in _REGISTERED]

#: Runs the CLI in a fresh interpreter, then prints the modules it imported (one per line,
#: after a marker) on stderr. The CLI's own exit is caught so the list is always printed.
_PROBE = """
import sys
sys.argv = ["wsskg", *sys.argv[1:]]
from wsskg.cli import main
try:
    main()
except SystemExit:
    pass
sys.stderr.write("\\n--modules--\\n" + "\\n".join(sorted(sys.modules)) + "\\n")
"""


def _imported(*args: str) -> set[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, env=env)
    assert "--modules--" in r.stderr, r.stderr
    return set(r.stderr.split("--modules--", 1)[1].split())


def _top_level(modules: set[str]) -> set[str]:
    return {m.split(".", 1)[0] for m in modules}


@pytest.fixture
def built(monkeypatch) -> list[str]:
    """The names of the commands the group turned into click commands, in order."""
    names: list[str] = []
    build = _Group._build

    def spy(self, info):
        names.append(_command_name(info))
        return build(self, info)

    monkeypatch.setattr(_Group, "_build", spy)
    return names


# -- the lazy command group ------------------------------------------------------------------------

def test_every_registered_command_is_one_the_group_knows():
    assert len(NAMES) >= 20 and len(set(NAMES)) == len(NAMES)
    assert {"import", "list", "search", "show", "topics", "export", "graph", "watch", "merge"} <= set(NAMES)
    assert app.registered_commands == []  # typer itself never sees them, so it cannot build them all


def test_help_lists_every_command_in_registration_order_without_building_any(built):
    r = runner.invoke(app, ["--help"])
    assert r.exit_code == 0
    listing = r.stdout.split("Commands", 1)[1]
    listed = [line.split()[0] for line in listing.splitlines() if line.startswith("  ") and line.split()]
    assert listed == NAMES
    assert built == []


def test_help_listing_is_typers_own_from_the_built_commands():
    """The listing from unbuilt summaries equals typer's listing of the real commands."""
    group = typer.main.get_command(app)
    ctx = group.make_context("wsskg", ["--help"], resilient_parsing=True)
    lazy = group.get_help(ctx)
    for name in NAMES:  # building every command leaves the listing to typer's own code
        group.get_command(ctx, name)
    assert group.get_help(ctx) == lazy


def test_a_command_builds_only_itself(built, seed_catalog_file):
    r = runner.invoke(app, ["topics", "-c", str(seed_catalog_file)])
    assert r.exit_code == 0, r.stderr
    assert built == ["topics"]


@pytest.mark.parametrize("name", NAMES)
def test_every_command_has_its_own_help(name, built):
    r = runner.invoke(app, [name, "--help"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("Usage: ") and r.stdout.split()[2] == name
    assert built == [name]


def test_an_unknown_command_is_clicks_usage_error_with_suggestions():
    r = runner.invoke(app, ["serch", "affinity"])
    assert r.exit_code == 2
    assert "No such command 'serch'. Did you mean 'search'" in r.stderr
    r = runner.invoke(app, ["frobnicate"])
    assert r.exit_code == 2 and "No such command 'frobnicate'." in r.stderr


def test_catalog_option_before_the_command(seed_catalog_file, tmp_path):
    missing = tmp_path / "elsewhere.yaml"
    for flag in ("--catalog", "-c"):
        r = runner.invoke(app, [flag, str(seed_catalog_file), "topics"])
        assert r.exit_code == 0, r.stderr
        assert "affinity" in r.stdout
        r = runner.invoke(app, [flag, str(missing), "topics"])  # not the bundled default
        assert r.exit_code != 0 and "elsewhere.yaml: file not found" in r.stderr


def test_shell_completion_of_command_names_and_options():
    def complete(words: str, cword: int) -> list[str]:
        env = dict(os.environ, PYTHONPATH=str(REPO), COMP_WORDS=words, COMP_CWORD=str(cword),
                   _WSSKG_COMPLETE="complete_bash")
        r = subprocess.run([sys.executable, "-m", "wsskg"], capture_output=True, text=True, env=env)
        assert r.returncode == 0, r.stderr
        return r.stdout.split()

    assert complete("wsskg ", 1) == NAMES
    assert complete("wsskg s", 1) == [n for n in NAMES if n.startswith("s")]
    assert complete("wsskg search --st", 2) == ["--status"]


# -- what each kind of run imports -----------------------------------------------------------------

HEAVY_FOR_HELP = {"yaml", "networkx", "rapidfuzz", "sqlite3", "numpy", "platformdirs", "filelock", "json", "hashlib"}


@pytest.mark.parametrize("args", [["--help"], ["search", "--help"], ["--version"]])
def test_help_imports_no_data_libraries(args):
    modules = _imported(*args)
    assert not _top_level(modules) & HEAVY_FOR_HELP, sorted(_top_level(modules) & HEAVY_FOR_HELP)
    assert not {m for m in modules if m.startswith(("wsskg.catalog", "wsskg.index", "wsskg.store"))}


def test_queries_import_neither_the_graph_nor_the_yaml_parser(seed_catalog_file):
    catalog = str(seed_catalog_file)
    _imported("topics", "-c", catalog)  # builds the index first, as a user's first query does
    for args in (["search", "affinity"], ["show", "adaptive-affinity-field-2018"], ["topics"], ["list"]):
        loaded = _top_level(_imported(*args, "-c", catalog))
        assert "networkx" not in loaded and "yaml" not in loaded, args
