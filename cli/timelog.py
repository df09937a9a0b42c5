"""`faktura import …`: the TimeLog guide's transfers from Uniconta.

    faktura import items [--out FILE] [--settings FILE]
    faktura import expenses --from DATE --to DATE [--source vouchers|project-trans]
                            [--out FILE] [--settings FILE]
    faktura import customers [--account ACC]... [--out FILE] [--settings FILE]

Register in the CLI root: ``app.add_typer(import_app, name="import")``.

Exit codes: 0 done; 1 `import items` found configured items that
Uniconta lacks; 2 bad input or a refused operation (one clear line on stderr). Output files
are written atomically: complete or not at all.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cli.options import (
    FromOption,
    SettingsOption,
    ToOption,
    emit,
    fail,
    parse_period,
)
from faktura.errors import FakturaError
from infra.settings_files import discover
from issuing.bootstrap import open_gateway
from sync.posting.catalogue import Catalogue, check_configured_items, import_items
from sync.timelog.imports import customers_from_uniconta, expenses_from_uniconta
from sync.uniconta.errors import GatewayError

OutOption = Annotated[
    Path | None, typer.Option("--out", help="Write JSON here (atomically); default: stdout")
]
console = Console(stderr=True)


class ExpenseSourceChoice(enum.StrEnum):
    vouchers = "vouchers"
    project_trans = "project-trans"


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False, default=_json_default)
            + "\n").encode("utf-8")


# --------------------------------------------------------------------------- import items


def import_items_command(
    out: Annotated[Path | None, typer.Option(
        "--out", help="Also write the items in TimeLog's shape (ProductNo, Name, Description)")
    ] = None,
    settings: SettingsOption = None,
) -> None:
    """Import Uniconta's items into the local catalogue (step 1 of the product-number setup)."""
    try:
        config = discover(settings)
        catalogue = Catalogue.for_settings(config)
        with open_gateway(config) as client:
            result = import_items(client, catalogue, config.tenant)
        problems = check_configured_items(catalogue, config)
        if out is not None:
            emit(to_json_bytes([item.timelog() for item in result.items]), out)
    except (FakturaError, GatewayError) as error:
        raise fail(error) from None
    table = Table("Item", "Name", "Group", "Unit", "Decimals", "Blocked", "SalesPrice1",
                  title=f"{len(result.items)} items imported")
    for item in result.items:
        table.add_row(item.item, item.name, item.group or "", item.unit or "",
                      str(item.decimals), "yes" if item.blocked else "",
                      "" if item.sales_price1 is None else f"{item.sales_price1:.2f}",
                      style="dim" if item.blocked else None)
    Console().print(table)
    for label, numbers in (("new", result.added), ("gone from Uniconta", result.removed),
                           ("changed", result.changed)):
        if numbers and (label != "new" or len(numbers) != len(result.items)):
            console.print(f"{label}: {', '.join(numbers)}", highlight=False)
    if problems:
        for problem in problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(1)


# --------------------------------------------------------------------------- import expenses


def import_expenses_command(
    date_from: FromOption,
    date_to: ToOption,
    out: OutOption = None,
    source: Annotated[ExpenseSourceChoice, typer.Option(
        "--source", help="Uniconta entity: vouchers (with VAT) or project-trans (cost only)")
    ] = ExpenseSourceChoice.vouchers,
    settings: SettingsOption = None,
) -> None:
    """Write Uniconta's expenses of a period in TimeLog's shape (the guide's Expenses table)."""
    try:
        start, end = parse_period(date_from, date_to)
        config = discover(settings)
        with open_gateway(config) as client:
            expenses = expenses_from_uniconta(client, start, end, source.value)
        emit(to_json_bytes(expenses), out)
    except (FakturaError, GatewayError) as error:
        raise fail(error) from None
    console.print(f"{len(expenses)} expenses {start}..{end} from {source.value}",
                  highlight=False)


# --------------------------------------------------------------------------- import customers


def import_customers_command(
    out: OutOption = None,
    account: Annotated[list[str] | None, typer.Option(
        "--account", help="Only this debtor (repeatable); each must exist in Uniconta")
    ] = None,
    settings: SettingsOption = None,
) -> None:
    """Write Uniconta's debtors and their contacts in TimeLog's shape (Customer, Contacts)."""
    try:
        config = discover(settings)
        with open_gateway(config) as client:
            result = customers_from_uniconta(client, account or ())
        emit(to_json_bytes(result.customers), out)
    except (FakturaError, GatewayError) as error:
        raise fail(error) from None
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    contacts = sum(len(c["Contacts"]) for c in result.customers)
    console.print(f"{len(result.customers)} customers, {contacts} contacts", highlight=False)


# --------------------------------------------------------------------------- balance


import_app = typer.Typer(no_args_is_help=True,
                         help="Import from Uniconta: items, expenses, customers (TimeLog shape).")
import_app.command("items")(import_items_command)
import_app.command("expenses")(import_expenses_command)
import_app.command("customers")(import_customers_command)
