"""The package's import graph: no cycles, and the engine never imports the outer rooms."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ENGINE = (
    "io", "network", "access", "standards", "district", "checkup", "siting", "mobility",
    "whatif", "planning", "scale",
)  # fmt: skip
OUTER = ("store", "workflow", "web", "reports", "cli")


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package ``__init__``) for every module of lifecircle."""
    out = {}
    for path in sorted((SRC / "lifecircle").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_pkg else parts)] = (path, is_pkg)
    return out


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(name: str, path: Path, is_pkg: bool, modules: dict) -> set[str]:
    """The lifecircle modules that ``name`` imports, wherever in the file the import stands."""
    package = name if is_pkg else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            node.body = []  # annotations only: never executed
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                found.add(sub if sub in modules else module)
    return {m for m in found if m in modules and m != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, *spec, modules) for name, spec in modules.items()}


def test_the_import_graph_has_no_cycle() -> None:
    """No module of lifecircle imports, directly or through others, a module that imports it.

    Rule: every ``import`` counts, at module level and inside functions alike, except those
    under ``if TYPE_CHECKING:`` (annotations, never executed). A deferred import inside a
    function hides a cycle from Python's loader but not from the design: ``graph`` needing
    ``build`` needing ``graph`` is one tangle whichever line runs first. ``from pkg import
    name`` counts as importing ``pkg.name`` when that is a module, else ``pkg`` (its
    ``__init__``); importing ``a.b.c`` does not count as importing ``a.b``, since a
    package's ``__init__`` re-exporting its own modules is not a cycle.
    """
    try:
        order = list(TopologicalSorter(_graph()).static_order())
    except CycleError as exc:
        pytest.fail("import cycle: " + " -> ".join(exc.args[1]))
    assert "lifecircle.network.graph" in order


def test_the_rule_sees_a_cycle() -> None:
    """The checker itself: a cycle planted in a copy of the graph is found."""
    graph = _graph()
    graph["lifecircle.network.graph"].add("lifecircle.network.osm")
    with pytest.raises(CycleError):
        list(TopologicalSorter(graph).static_order())


def test_network_imports_one_way() -> None:
    """graph <- build <- osm: the graph module imports nothing else of the package."""
    graph = _graph()
    network = {m for m in graph if m.startswith("lifecircle.network.")}
    assert not graph["lifecircle.network.graph"] & network
    assert "lifecircle.network.graph" in graph["lifecircle.network.build"]
    assert "lifecircle.network.build" in graph["lifecircle.network.osm"]


@pytest.mark.parametrize("room", ENGINE)
def test_the_engine_never_imports_the_outer_rooms(room: str) -> None:
    """docs/interfaces.md: the engine never imports store, workflow, web, reports or cli."""
    graph = _graph()
    outer = tuple(f"lifecircle.{o}" for o in OUTER)
    bad = sorted(
        f"{m} -> {t}"
        for m, targets in graph.items()
        if m == f"lifecircle.{room}" or m.startswith(f"lifecircle.{room}.")
        for t in targets
        if t.startswith(outer)
    )
    assert not bad, bad


def test_type_checking_imports_do_not_count(tmp_path: Path) -> None:
    """Imports under ``if TYPE_CHECKING:`` are left out; imports in functions count."""
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from lifecircle.a import X\n"
        "def f():\n    from lifecircle import b\n",
        encoding="utf-8",
    )
    modules = {"lifecircle.a": None, "lifecircle.b": None, "lifecircle.m": None}
    assert _imports("lifecircle.m", module, False, modules) == {"lifecircle.b"}
