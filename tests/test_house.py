"""The house: data flows one way, read from the code's own imports.

domain (`faktura`) ← adapters (`renderer`, `sync`, `einvoice`, `archive`) ← orchestration
(`issuing`) ← entry points (`cli`, `api`). A floor may import the floors below it, never one
above, and no adapter imports another (the sync's emulator is part of the sync).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = {"faktura"}
ADAPTERS = {"renderer", "sync", "einvoice", "archive", "delivery"}
ORCHESTRATION = {"issuing"}
ENTRY_POINTS = {"cli", "api"}
PACKAGES = DOMAIN | ADAPTERS | ORCHESTRATION | ENTRY_POINTS


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Every project module the file imports, type-checking imports included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name in MODULES}


GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _top(module: str) -> str:
    return module.split(".")[0]


def _violations(importer: set[str], forbidden: set[str]) -> list[str]:
    return sorted(f"{module} imports {target}" for module, targets in GRAPH.items()
                  if _top(module) in importer for target in targets
                  if _top(target) in forbidden)


def test_the_domain_imports_nothing_of_the_project():
    assert _violations(DOMAIN, PACKAGES - DOMAIN) == []


def test_adapters_import_only_the_domain_and_themselves():
    assert [v for v in _violations(ADAPTERS, ADAPTERS | ORCHESTRATION | ENTRY_POINTS)
            if _top(v.split()[0]) != _top(v.split()[-1])] == []


def test_orchestration_imports_no_entry_point():
    assert _violations(ORCHESTRATION, ENTRY_POINTS) == []


def test_nothing_imports_the_cli():
    assert [v for v in _violations(PACKAGES - {"cli"}, {"cli"})] == []


def test_no_import_circle():
    """Modules, not only packages: a circle inside a package is a tangle too."""
    edges = {module: {t for t in targets if t != module} for module, targets in GRAPH.items()}
    # A package's __init__ re-exporting its modules is not a circle with them.
    for module in edges:
        edges[module] = {t for t in edges[module] if not module.startswith(t + ".")}
    state: dict[str, int] = defaultdict(int)
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges.get(node, ())):
            if state[target] == 1:
                cycles.append(" → ".join([*path[path.index(target):], target]))
            elif state[target] == 0:
                visit(target, [*path, target])
        state[node] = 2

    for module in sorted(edges):
        if state[module] == 0:
            visit(module, [module])
    assert cycles == []


def test_sync_is_grouped_by_concern():
    top_level = [p for p in (ROOT / "sync").glob("*.py") if p.name != "__init__.py"]
    assert len(top_level) <= 6, sorted(p.name for p in top_level)


@pytest.mark.parametrize("words", ["issue " + "#", "the " + "lead"])  # split: not a hit itself
def test_code_speaks_of_the_product_only(words):
    offenders = [str(path.relative_to(ROOT)) for path in MODULES.values()
                 if words in path.read_text(encoding="utf-8").lower()]
    assert offenders == []
