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

Entry points live only in `cli/` (every command: one module each, registered in
`cli/main.py`'s table `COMMANDS`, shared options in `cli/options.py` and help in
`cli/help.py`) and `api/` (every route). No other room imports a command-line or web
framework — except the Uniconta emulator (`sync.emulator`), a stand-in for Uniconta's own
server. No command module imports another; only `cli.serve` (it starts the server and manages
its API keys) imports `api`, and nothing imports `cli`.
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
ADAPTERS = {INFRASTRUCTURE, "renderer", "sync", "einvoice", "archive", "delivery"}
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


def _registered_commands() -> dict[str, str]:
    """Command name → module, read from `cli/main.py`'s table (it imports a command's
    module only when the command runs, so the table is the import the house test sees)."""
    for node in ast.walk(ast.parse((ROOT / "cli" / "main.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "COMMANDS":
            table = ast.literal_eval(node.value)  # type: ignore[arg-type]
            return {name: target.split(":")[0] for name, (target, _help) in table.items()}
    raise AssertionError("cli/main.py has no COMMANDS table")


COMMANDS = _registered_commands()
GRAPH["cli.main"] |= set(COMMANDS.values())


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


#: Frameworks that make a module an entry point: commands (typer, click) and HTTP servers.
COMMAND_FRAMEWORKS = {"typer", "click"}
WEB_FRAMEWORKS = {"fastapi", "starlette", "uvicorn"}
EMULATOR = "sync.emulator"  # Uniconta's stand-in: a server of its own, not Faktura's
CLI_SHARED = {"cli", "cli.main", "cli.help", "cli.language", "cli.options"}


def _external_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def test_entry_points_live_only_in_cli_and_api():
    offenders = []
    for module, path in sorted(MODULES.items()):
        if _top(module) in ENTRY_POINTS:
            continue
        frameworks = _external_imports(path)
        if frameworks & COMMAND_FRAMEWORKS:
            offenders.append(f"{module} imports {sorted(frameworks & COMMAND_FRAMEWORKS)}")
        if frameworks & WEB_FRAMEWORKS and not module.startswith(EMULATOR):
            offenders.append(f"{module} imports {sorted(frameworks & WEB_FRAMEWORKS)}")
    assert offenders == []


def test_every_registered_command_is_a_module_of_the_cli():
    assert {name: module for name, module in COMMANDS.items()
            if _top(module) != "cli" or module not in MODULES} == {}


def test_no_command_imports_another_and_only_serve_imports_the_api():
    offenders = [f"{module} imports {target}" for module, targets in sorted(GRAPH.items())
                 if _top(module) == "cli" and module != "cli.main" for target in targets
                 if (_top(target) == "cli" and target not in CLI_SHARED)
                 or (_top(target) == "api" and module != "cli.serve")]
    assert offenders == []


@pytest.mark.parametrize("words", ["issue " + "#", "the " + "lead"])  # split: not a hit itself
def test_code_speaks_of_the_product_only(words):
    offenders = [str(path.relative_to(ROOT)) for path in MODULES.values()
                 if words in path.read_text(encoding="utf-8").lower()]
    assert offenders == []
