"""Options and helpers that several commands share: the settings file, a period, an output
format, writing a report to stdout or a file, and turning an error into one line and exit 2.
"""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli.language import refusal
from faktura.errors import FakturaError
from infra.atomic import write_bytes_atomically
from infra.settings_files import SETTINGS_HELP
from sync.timelog.imports import check_period

SettingsOption = Annotated[Path | None, typer.Option(
    "--settings", help=SETTINGS_HELP, show_default=False)]
FromOption = Annotated[str, typer.Option("--from", help="First date, YYYY-MM-DD")]
ToOption = Annotated[str, typer.Option("--to", help="Last date (inclusive), YYYY-MM-DD")]
console = Console(stderr=True)


class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class BadDate(FakturaError):
    pass


def parse_date(text: str, option: str) -> dt.date:
    """An ISO date (YYYY-MM-DD), or a clear error naming the option."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise BadDate(f"{option}: {text!r} is not a date; use YYYY-MM-DD") from None


def parse_period(date_from: str, date_to: str) -> tuple[dt.date, dt.date]:
    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    check_period(start, end)
    return start, end


def fail(error: Exception) -> typer.Exit:
    typer.echo(refusal(error), err=True)  # one line, never wrapped
    return typer.Exit(2)


def emit(data: bytes, out: Path | None) -> None:
    if out is None:
        typer.echo(data.decode("utf-8"), nl=False)
        return
    try:
        write_bytes_atomically(out, data)
    except OSError as error:
        raise FakturaError(f"cannot write {out}: {error.strerror or error}") from None
    console.print(f"wrote {out}", highlight=False)
