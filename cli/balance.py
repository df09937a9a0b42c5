"""`faktura balance`: the invoices issued here against those booked in Uniconta.

    faktura balance --from DATE --to DATE [--format table|json|csv] [--out FILE]
                    [--settings FILE]

Exit codes: 0 balanced; 1 differences found; 2 bad input or a refused operation.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from faktura.errors import FakturaError
from infra.settings_files import discover
from issuing import balance as balancing
from cli.options import (
    FromOption,
    OutputFormat,
    SettingsOption,
    ToOption,
    emit,
    fail,
    parse_period,
)
from sync.uniconta.errors import GatewayError


def balance_command(
    date_from: FromOption,
    date_to: ToOption,
    output_format: Annotated[OutputFormat, typer.Option(
        "--format", help="table (readable), json or csv")] = OutputFormat.table,
    out: Annotated[Path | None, typer.Option("--out", help="Write the report here")] = None,
    settings: SettingsOption = None,
) -> None:
    """Compare the invoices issued here with those booked in Uniconta; exit 1 if they differ."""
    try:
        start, end = parse_period(date_from, date_to)
        config = discover(settings)
        report = balancing.balance_for_period(config, start, end)
        if output_format is OutputFormat.json:
            emit(balancing.to_json(report).encode("utf-8") + b"\n", out)
        elif output_format is OutputFormat.csv:
            emit(balancing.to_csv(report).encode("utf-8"), out)
        else:
            _print_table(report, start, end)
    except (FakturaError, GatewayError) as error:
        raise fail(error) from None
    if not report.balanced:
        raise typer.Exit(1)


def _print_table(report: balancing.BalanceReport, start: dt.date, end: dt.date) -> None:
    title = (f"Invoice balance {start}..{end}: {len(report.matched)} matched,"
             f" {len({d.number for d in report.differing})} differing,"
             f" {len(report.missing_in_uniconta)} missing in Uniconta,"
             f" {len(report.missing_here)} missing here,"
             f" {len(report.booked_not_archived)} booked but not archived,"
             f" {len({d.number for d in report.changed_in_uniconta})} changed in Uniconta")
    Console().print(title, highlight=False)
    rows = balancing.report_rows(report)
    if not rows:
        return
    table = Table("status", "invoice", "field", "ours", "Uniconta")
    styles = {"matched": "green", "differs": "red", "missing in Uniconta": "red",
              "missing here": "yellow", "booked from our draft": "cyan",
              "booked, not archived": "red", "changed in Uniconta": "yellow"}
    for row in rows:
        table.add_row(row["status"], row["number"], row["field"], row["ours"], row["theirs"],
                      style=styles.get(row["status"]))
    Console().print(table)
