"""The command line as a person meets it: quick commands that load no renderer or web
framework, one line instead of a traceback when a system library is missing, readable help."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import COMMANDS, app

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("weasyprint", "fastapi", "starlette", "uvicorn", "renderer.render")


def run_python(*args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKTURA_")}
    env.update(PYTHONPATH=str(ROOT), COLUMNS="200")
    command = [sys.executable, *args] if code is None else [sys.executable, "-c", code, *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300,
                          cwd=ROOT, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("args", [["--help"], ["fik", "--help"], ["archive", "list", "--help"],
                                  ["apikey", "list", "--help"],
                                  ["fik", "--creditor", "85000012", "--payment-id", "1"]])
def test_quick_commands_import_nothing_heavy(args: list[str]) -> None:
    done = run_python("-X", "importtime", "-m", "cli.main", *args)
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))


def test_the_api_server_loads_without_weasyprint() -> None:
    """The server hands renders to its workers: its own process starts without WeasyPrint
    (about a third of a second and tens of MiB), also with its kept previews."""
    done = run_python("-X", "importtime", "-c", "import api.app")
    assert done.returncode == 0, done.stderr
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert "api.preview_cache" in imported
    assert "weasyprint" not in imported and "renderer.render" not in imported


# A Python whose WeasyPrint cannot load Pango, as on a machine without the system library.
NO_PANGO = """
import sys
class NoPango:
    def find_spec(self, name, path=None, target=None):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError("cannot load library 'libpango-1.0-0': No such file or directory")
sys.meta_path.insert(0, NoPango())
sys.argv = ["faktura", *sys.argv[1:]]
from cli.main import main
main()
"""


def test_without_pango_help_works_and_render_says_one_line(tmp_path: Path) -> None:
    helped = run_python("--help", code=NO_PANGO)
    assert helped.returncode == 0 and "render" in helped.stdout, helped.stderr
    rendered = run_python("render", str(ROOT / "samples" / "01-one-line.json"), "--settings",
                          str(ROOT / "samples" / "settings.toml"), "--out", str(tmp_path),
                          code=NO_PANGO)
    assert rendered.returncode == 2 and "Traceback" not in rendered.stderr
    assert rendered.stderr.count("\n") == 1
    assert "cannot render PDFs" in rendered.stderr and "libpango-1.0-0" in rendered.stderr


@pytest.mark.parametrize("command", [[], *([name] for name in COMMANDS),
                                     ["archive", "list"], ["apikey", "revoke"],
                                     ["sync", "status"]])
def test_help_shows_no_python_type_names(command: list[str]) -> None:
    shown = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    for type_name in ("<bool>", "<list[", "<path>", "<str>", "<int", "{"):
        assert type_name not in shown.output, (type_name, shown.output)


def test_sync_help_shows_its_main_form() -> None:
    shown = CliRunner().invoke(app, ["sync", "--help"], env={"COLUMNS": "200"})
    assert "faktura sync a.json b.json" in shown.output and "invoices" in shown.output
