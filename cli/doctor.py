"""`faktura doctor`: check the firm's setup against the integration guides, before invoicing.

    faktura doctor [--settings FILE] [--format table|json] [--source FILE|DIR]... [--lang da|en]

Reads the live Uniconta (either transport) and the settings, writes nothing anywhere, and
reports each rule as ✓, ✗ or ! with what was found and the fix. Exit status: 0 when no rule
is ✗, 1 otherwise (2 when the settings themselves cannot be read).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cli.options import SettingsOption
from faktura.errors import FakturaError
from infra.settings_files import discover
from issuing.batch import read_inputs
from issuing.doctor import SYMBOL, Report, diagnose, open_reader

_STYLE = {"ok": "green", "fail": "red", "warn": "yellow"}
_HEAD = {"da": ("Regel", "Fundet", "Ret"), "en": ("Rule", "Found", "Fix")}


def doctor_command(
    settings: SettingsOption = None,
    format: Annotated[Literal["table", "json"], typer.Option(  # noqa: A002 (option name)
        "--format", help="table (for people) or json (both languages)")] = "table",
    source: Annotated[list[Path] | None, typer.Option(
        help="Invoice JSON files or folders: check the dimension values and currencies they"
             " use", show_default=False)] = None,
    lang: Annotated[Literal["da", "en"] | None, typer.Option(
        help="Language of the table (default: the settings' layout.language)",
        show_default=False)] = None,
) -> None:
    """Check every rule of the ClientTime and TimeLog guides against the live Uniconta.

    Only reads: nothing is written to Uniconta. Exit 0 when no rule is ✗, else 1.
    """
    config = discover(settings)
    invoices = None
    if source:
        inputs = read_inputs(source)
        bad = [i for i in inputs if i.error is not None]
        if bad:
            raise FakturaError(f"{bad[0].name}: {bad[0].error}")
        invoices = [i.invoice for i in inputs if i.invoice is not None]
    with open_reader(config) as reader:
        report = diagnose(config, reader, invoices)
    if format == "json":
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        Console().print(table(report, lang or config.layout.language))
    raise typer.Exit(0 if report.ok else 1)


def table(report: Report, language: str) -> Table:
    rule, found, fix = _HEAD[language]
    out = Table("", rule, found, fix, show_lines=True)
    for result in report.results:
        out.add_row(f"[{_STYLE[result.status]}]{SYMBOL[result.status]}",
                    f"{escape(result.rule.title(language))}\n[dim]{result.rule.id}",
                    escape(result.finding.found(language)),
                    "" if result.status == "ok" else escape(result.rule.fix(language)))
    counts = report.counts()
    out.caption = " · ".join(f"{SYMBOL[s]} {counts[s]}" for s in SYMBOL)
    return out
