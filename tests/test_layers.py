"""The layers show: no module imports another's private (``_name``) names, and the modules of
wsskg import each other without a cycle, counting the imports inside functions (a cycle hidden
in a function is still a cycle: the two modules cannot be understood, or changed, apart).
Read from the source with ``ast``; nothing is imported."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import REPO

PACKAGE = REPO / "wsskg"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}

#: Private names still taken across modules: (importing module, module, name). Nothing may be
#: added; a helper two modules share is made public instead.
KNOWN_PRIVATE: set[tuple[str, str, str]] = set()


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


class Imports(ast.NodeVisitor):
    """The wsskg modules one module imports (``edges``) and the private names it takes from
    other modules (``private``: by ``from m import _x`` or by ``m._x`` on an imported module)."""

    def __init__(self, name: str, is_package: bool):
        self.name = name
        self.package = name if is_package else name.rpartition(".")[0]
        self.edges: set[str] = set()
        self.private: list[tuple[str, str, str]] = []  # (module, name, where)
        self.aliases: dict[str, str] = {}  # local name -> wsskg module

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
            for child in node.orelse:  # what runs; the TYPE_CHECKING block never does
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            if a.name.split(".")[0] == "wsskg":
                target = a.name
                self.edges.add(target)
                if a.asname:
                    self.aliases[a.asname] = target

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parts = self.package.split(".")
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join(parts + ([node.module] if node.module else []))
        if base.split(".")[0] != "wsskg":
            return
        for a in node.names:
            sub = f"{base}.{a.name}"
            if sub in MODULES:
                self.edges.add(sub)
                self.aliases[a.asname or a.name] = sub
            else:
                self.edges.add(base)
                if is_private(a.name) and base != self.name:
                    self.private.append((base, a.name, f"from {base} import {a.name} (line {node.lineno})"))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.value, ast.Name) and is_private(node.attr):
            target = self.aliases.get(node.value.id)
            if target is not None and target != self.name:
                self.private.append((target, node.attr, f"{node.value.id}.{node.attr} ({target}, line {node.lineno})"))
        self.generic_visit(node)


def with_packages(importer: str, targets: set[str]) -> set[str]:
    """``targets`` and the packages they sit in: importing ``wsskg.enrich.matching`` runs
    ``wsskg/enrich/__init__.py`` first (except from inside ``wsskg.enrich``, where it runs
    already; ``wsskg/__init__.py`` imports nothing)."""
    out = set()
    for t in targets:
        parts = t.split(".")
        for k in range(2, len(parts) + 1):
            pkg = ".".join(parts[:k])
            if pkg in MODULES and not (importer + ".").startswith(pkg + "."):
                out.add(pkg)
    out.discard(importer)
    return out


def scan() -> dict[str, Imports]:
    out = {}
    for name, path in MODULES.items():
        v = Imports(name, path.name == "__init__.py")
        v.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        v.edges = with_packages(name, v.edges)
        out[name] = v
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_another_modules_private_names():
    bad = [f"{name}: {where}" for name, v in scan().items() for module, attr, where in v.private
           if (name, module, attr) not in KNOWN_PRIVATE]
    assert not bad, "\n".join(bad)


def test_no_import_cycles_even_inside_functions():
    found = cycles({name: v.edges for name, v in scan().items()})
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


@pytest.mark.parametrize("source, private, cyclic", [
    ("from wsskg.store import _read_bytes\n", True, False),
    ("def f():\n    from wsskg import catalog as c\n    return c._alpha(1)\n", True, False),
    ("from wsskg.store import load_catalog\n", False, False),
    ("def f():\n    from wsskg.layers_probe_b import x\n", False, True),
])
def test_the_checks_see_what_they_look_for(source, private, cyclic):
    """The walker on made-up modules: a private name taken (at the top or in a function), a
    public one, and a cycle through an import inside a function."""
    v = Imports("wsskg.layers_probe_a", False)
    v.visit(ast.parse(source))
    assert bool(v.private) is private
    graph = {"wsskg.layers_probe_a": v.edges, "wsskg.layers_probe_b": {"wsskg.layers_probe_a"}}
    assert bool(cycles(graph)) is cyclic


def test_an_import_counts_the_packages_it_runs():
    assert with_packages("wsskg.index", {"wsskg.enrich.matching"}) == {"wsskg.enrich", "wsskg.enrich.matching"}
    assert with_packages("wsskg.enrich.run", {"wsskg.enrich.matching"}) == {"wsskg.enrich.matching"}
