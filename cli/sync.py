"""`faktura sync …`: post invoices to Uniconta exactly once, sync customers, show status.

    faktura sync INVOICE.json... [--settings FILE] [--dry-run]
    faktura sync customers FILE [--settings FILE]
    faktura sync status [SOURCE_ID] [--settings FILE]
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from pydantic import TypeAdapter, ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from typer.core import TyperGroup

from cli.language import described, say
from faktura import timelog
from faktura.errors import FakturaError, InvalidInput, Problem
from faktura.model import Customer, Invoice, content_sha256
from faktura.settings import Settings
from infra.invoice_file import load_invoice
from infra.settings_files import SETTINGS_HELP, discover
from issuing.doctor import SetupRefused, preflight, refuse_if_blocked
from issuing.booked import draft
from issuing.pipeline import Issuer
from issuing.bootstrap import open_engine, open_issuer
from sync.posting.bookings import BookingRecord, Bookings, BookingState
from sync.posting.engine import LoginRefused, SyncEngine, calls_since
from sync.posting.ledger import LEDGER_FILE, Ledger, PostingRecord, State
from sync.posting.masterdata import MasterData
from sync.uniconta.errors import AuthenticationError, GatewayError

SettingsOption = Annotated[Path | None, typer.Option(
    "--settings", help=SETTINGS_HELP, show_default=False)]
console = Console(stderr=True)


class DefaultToInvoices(TyperGroup):
    """`faktura sync a.json b.json` means `faktura sync invoices a.json b.json`."""

    def resolve_command(self, ctx: click.Context, args: list[str]):  # type: ignore[override]
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args.insert(0, "invoices")
        return super().resolve_command(ctx, args)


app = typer.Typer(cls=DefaultToInvoices, no_args_is_help=True,
                  subcommand_metavar="FILES... | COMMAND [ARGS]...",
                  help="Post invoices to Uniconta exactly once; sync customers; status.\n\n"
                  "`faktura sync a.json b.json` posts (issues) those invoices: it is short for"
                  " `faktura sync invoices a.json b.json`.")


@app.command("invoices")
def sync_invoices(
    files: Annotated[list[Path], typer.Argument(help="Invoice JSON files")],
    settings: SettingsOption = None,
    dry_run: Annotated[bool, typer.Option(
        help="Check and map only, as the ledger and Uniconta stand; write nothing")] = False,
) -> None:
    """Post invoice files (the main form): issue each, make its PDF, archive it."""
    config = discover(settings)
    results: list[tuple[str, str, str, str]] = []
    failed = 0
    engine_only = config.uniconta.post_as_drafts and not dry_run
    context = open_engine(config) if engine_only else open_issuer(config)
    # Drafts keep their source invoice, to compare the booking with it (`faktura follow`).
    bookings = Bookings(config.database(LEDGER_FILE)) if engine_only else None
    try:
        with context as worker, _progress() as progress:
            task = progress.add_task("sync", total=len(files))
            engine = worker if engine_only else worker.poster
            _check_setup(engine.client, config)
            for path in files:
                before = engine.client.stats.snapshot()
                try:
                    invoice = load_invoice(path)
                    if dry_run:
                        outcome, number = _dry_run(worker, engine, invoice)
                    elif config.uniconta.post_as_drafts:
                        assert bookings is not None
                        order = draft(engine, bookings, invoice)
                        outcome, number = "drafted", f"order {order}"
                    else:
                        issued = worker.issue(invoice)
                        outcome = "already posted" if issued.already_issued else "posted"
                        number = issued.invoice_number
                except (AuthenticationError, LoginRefused):
                    raise
                except (FakturaError, GatewayError) as error:
                    failed += 1
                    outcome, number = "failed", described(error)
                calls = calls_since(engine.client, before)
                results.append((path.name, outcome, number, str(calls)))
                progress.advance(task)
    except (AuthenticationError, LoginRefused) as error:
        console.print(f"[red]Uniconta refused the login:[/red] {error}; check"
                      " integration.username / integration.password in the settings",
                      highlight=False)
        raise typer.Exit(2) from None
    except SetupRefused as error:  # the doctor's line: nothing was posted
        console.print(str(error), style="red", highlight=False, markup=False)
        raise typer.Exit(2) from None
    finally:
        if bookings is not None:
            bookings.close()
    _summary(results, dry_run)
    if failed:
        raise typer.Exit(1)


def _check_setup(client: Any, config: Settings) -> None:
    """The doctor's cheap rules first: warn, and stop before the first invoice when the setup
    would refuse every one of them (one line, not one refusal per invoice)."""
    report = preflight(client, config)
    for result in report.results:
        if result.status == "warn":
            console.print(result.line("en"), style="yellow", highlight=False, markup=False)
    refuse_if_blocked(report, "en")


def _dry_run(issuer: Issuer, engine: SyncEngine, invoice: Invoice) -> tuple[str, str]:
    """What `sync` would do with the invoice, as the ledger and Uniconta stand; writes
    nothing. The same checks as a real run, in the same order."""
    record = engine.ledger.get(engine.tenant, invoice.source_id)
    if record and record.state in (State.POSTED, State.ARCHIVED):
        if record.content_sha256 != content_sha256(invoice):
            raise FakturaError(
                f"invoice {invoice.source_id} was posted as invoice {record.invoice_number}"
                " and has changed since: issue a credit note and a new invoice instead")
        return "already posted", f"as {record.invoice_number}{_unarchived(record)}"
    if record and record.state == State.DRAFTED:
        return "already drafted", f"order {record.order_number}"
    engine.prepare(issuer.refuse_or_compute(invoice),
                   draft=engine.settings.uniconta.post_as_drafts)
    return "would post", ""


def _unarchived(record: PostingRecord) -> str:
    if not record.booked_not_archived:
        return ""
    return f" (booked, not archived: {record.mismatch})" if record.mismatch else (
        " (booked, not archived)")


@app.command("customers")
def sync_customers(
    file: Annotated[Path, typer.Argument(help="JSON list of customers (ours or TimeLog's)")],
    settings: SettingsOption = None,
) -> None:
    """Create or update the debtors of a customer list (only those that changed)."""
    config = discover(settings)
    customers = _load_customers(file)
    table = Table("customer", "name", "outcome")
    failed = 0
    with open_engine(config) as engine:
        master = MasterData(engine.client, engine.ledger, config)
        for customer in customers:
            before = engine.client.stats.snapshot()
            try:
                master.debtor(customer)
                # Synced = something was written; lookups (and resolving the company on
                # the first call) are not a change.
                made = engine.client.stats.since(before)
                changed = bool(made.get("insert") or made.get("patch"))
                table.add_row(customer.customer_number, customer.name,
                              "synced" if changed else "unchanged")
            except FakturaError as error:
                failed += 1
                table.add_row(customer.customer_number, customer.name, f"failed: {error}")
    Console().print(table)
    if failed:
        raise typer.Exit(1)


@app.command("status")
def sync_status(
    source_id: Annotated[str | None, typer.Argument(help="One invoice's source id")] = None,
    settings: SettingsOption = None,
) -> None:
    """What the posting ledger knows: state, order and invoice number, last error, calls."""
    config = discover(settings)
    ledger = Ledger(config.database(LEDGER_FILE))
    bookings = Bookings(config.database(LEDGER_FILE))
    try:
        records = ledger.all(config.tenant)
        booked = bookings.all(config.tenant)
    finally:
        ledger.close()
        bookings.close()
    if source_id is not None:
        records = [r for r in records if r.source_id == source_id]
        booked = [b for b in booked if b.source_id == source_id]
        if not records and not booked:
            raise FakturaError(f"invoice {source_id} is not in the posting ledger")
    table = Table("invoice", "state", "order", "invoice no.", "calls", "last error")
    for r in records:
        state = "posted, NOT ARCHIVED" if r.booked_not_archived else r.state.value
        table.add_row(r.source_id, state, str(r.order_number or ""),
                      r.invoice_number or "", str(r.calls), r.mismatch or r.error or "",
                      style="red" if r.booked_not_archived else None)
    Console().print(table)
    _booked_table(booked)
    unarchived = [r for r in records if r.booked_not_archived]
    if unarchived:
        Console().print(
            f"{len(unarchived)} invoice(s) booked in Uniconta but not archived: "
            + ", ".join(f"{r.source_id} ({r.invoice_number})" for r in unarchived),
            style="red", highlight=False)


def _booked_table(booked: list[BookingRecord]) -> None:
    """Invoices booked in Uniconta and issued from the booking: changes, needs attention."""
    shown = [b for b in booked if b.state != BookingState.SKIPPED]
    if not shown:
        return
    table = Table("invoice no.", "state", "source", "changed in Uniconta / reason",
                  title="Booked in Uniconta")
    for b in shown:
        attention = b.state == BookingState.ATTENTION
        detail = b.reason if attention else "; ".join(b.differences)
        table.add_row(b.invoice_number, "NEEDS ATTENTION" if attention else b.state.value,
                      b.source_id or "(Uniconta)", detail or "", style="red" if attention
                      else ("yellow" if b.differences else None))
    Console().print(table)


def _progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                    MofNCompleteColumn(), console=console, transient=True)


def _summary(results: list[tuple[str, str, str, str]], dry_run: bool) -> None:
    table = Table("file", "outcome", "invoice no. / reason", "calls",
                  title="Dry run" if dry_run else "Sync")
    for row in results:
        style = "red" if row[1] == "failed" else None
        table.add_row(row[0], say(row[1]), *row[2:], style=style)
    counts: dict[str, int] = {}
    for _, outcome, _, _ in results:
        counts[outcome] = counts.get(outcome, 0) + 1
    calls = [int(row[3]) for row in results]
    Console().print(table)
    per_invoice = f"{sum(calls) / len(calls):.1f}" if calls else "0"
    Console().print(", ".join(f"{n} {say(k)}" for k, n in counts.items())
                    + "; " + say("calls", calls=sum(calls), each=per_invoice))


def _load_customers(path: Path) -> list[Customer]:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (OSError, ValueError) as error:
        raise InvalidInput(str(path), [Problem("", f"cannot read customers ({error})")]) from None
    if not isinstance(data, list):
        raise InvalidInput(str(path), [Problem("", "expected a JSON list of customers")])
    rows = [timelog.customer_data(row) if isinstance(row, dict) and "CustomerNo" in row
            else row for row in data]
    try:
        return TypeAdapter(list[Customer]).validate_python(rows)
    except ValidationError as error:
        raise InvalidInput.from_validation_error(str(path), error) from None
