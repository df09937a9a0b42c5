"""The e-invoice adapter stands on the domain only: it imports `faktura`, nothing else of ours."""

from __future__ import annotations

import ast

from tests.einvoice.conftest import ROOT

OURS = {"faktura", "renderer", "sync", "archive", "api", "issuing", "cli"}


def test_einvoice_imports_only_the_domain() -> None:
    imported: dict[str, set[str]] = {}
    for path in (ROOT / "einvoice").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                imported.setdefault(name.split(".")[0], set()).add(path.name)
    assert "faktura" in imported
    assert {name for name in imported if name in OURS} == {"faktura"}
