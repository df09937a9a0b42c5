"""The house: data flows one way, read from the code's own imports.

domain (`faktura`) ← adapters (`infra`, `renderer`, `sync`, `einvoice`, `archive`) ←
orchestration (`issuing`) ← entry points (`cli`, `api`). A floor may import the floors below
it, never one above, and no adapter imports another (the sync's emulator is part of the
sync) — except `infra`, the infrastructure room (databases, locks, atomic files, settings and
invoice files, migrations): every adapter may use it, and it imports only the domain.

The domain is pure: no database, file-system, environment or process code. Its third-party
imports are the short list `DOMAIN_THIRD_PARTY` (pydantic for the model and the settings
schema, pydantic-settings for the schema's `FAKTURA_…` environment names, python-stdnum for
identifiers and the FIK check digits); it imports none of the standard library's I/O modules
(`DOMAIN_FORBIDDEN_STDLIB`) and calls no file or environment function.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = {"faktura"}
INFRASTRUCTURE = "infra"
ADAPTERS = {INFRASTRUCTURE, "renderer", "sync", "einvoice", "archive"}
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


def test_adapters_import_only_the_domain_the_infrastructure_and_themselves():
    assert [v for v in _violations(ADAPTERS, ADAPTERS | ORCHESTRATION | ENTRY_POINTS)
            if _top(v.split()[-1]) not in {_top(v.split()[0]), INFRASTRUCTURE}] == []


def test_the_infrastructure_imports_only_the_domain():
    assert _violations({INFRASTRUCTURE}, PACKAGES - DOMAIN - {INFRASTRUCTURE}) == []


#: The domain's third-party packages (import names): pydantic, pydantic-settings, python-stdnum.
DOMAIN_THIRD_PARTY = {"pydantic", "pydantic_settings", "stdnum"}
#: Standard-library modules that reach files, processes, the network or the environment.
DOMAIN_FORBIDDEN_STDLIB = {
    "os", "sys", "io", "shutil", "tempfile", "glob", "fcntl", "sqlite3", "dbm", "shelve",
    "subprocess", "multiprocessing", "threading", "concurrent", "asyncio", "signal", "socket",
    "ssl", "http", "urllib", "smtplib", "logging", "platform", "ctypes",
}
#: Calls that read or write files or the environment.
DOMAIN_FORBIDDEN_CALLS = {"open", "read_text", "read_bytes", "write_text", "write_bytes",
                          "mkdir", "unlink", "getenv", "umask", "cwd", "home"}


def _domain_offences(module: str, source: str) -> list[str]:
    """What in one domain module's source breaks the domain's purity."""
    tree = ast.parse(source)
    imported: set[str] = set()
    offences = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call):
            name = (node.func.attr if isinstance(node.func, ast.Attribute)
                    else getattr(node.func, "id", ""))
            if name in DOMAIN_FORBIDDEN_CALLS:
                offences.append(f"{module}:{node.lineno} calls {name}")
        elif isinstance(node, ast.Attribute) and node.attr == "environ":
            offences.append(f"{module}:{node.lineno} reads the environment")
    for name in sorted(imported - PACKAGES - {"__future__"}):
        if name in DOMAIN_FORBIDDEN_STDLIB:
            offences.append(f"{module} imports {name} (input/output)")
        elif name not in sys.stdlib_module_names and name not in DOMAIN_THIRD_PARTY:
            offences.append(f"{module} imports {name} (not on the domain's list)")
    return offences


def test_the_domain_does_no_input_or_output_and_imports_only_its_short_list():
    assert [offence for module, path in sorted(MODULES.items()) if _top(module) in DOMAIN
            for offence in _domain_offences(module, path.read_text(encoding="utf-8"))] == []


def test_the_domain_check_names_each_kind_of_offence():
    source = ("import sqlite3\nimport os\nfrom platformdirs import user_config_path\n"
              "from pydantic import BaseModel\nx = open('f')\ny = os.environ\n")
    assert _domain_offences("faktura.x", source) == [
        "faktura.x:5 calls open", "faktura.x:6 reads the environment",
        "faktura.x imports os (input/output)",
        "faktura.x imports platformdirs (not on the domain's list)",
        "faktura.x imports sqlite3 (input/output)"]


@pytest.mark.parametrize("words", ["issue " + "#", "the " + "lead"])  # split: not a hit itself
def test_code_speaks_of_the_product_only(words):
    offenders = [str(path.relative_to(ROOT)) for path in MODULES.values()
                 if words in path.read_text(encoding="utf-8").lower()]
    assert offenders == []
